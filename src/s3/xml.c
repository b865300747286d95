/* S3 XML with expat: element text is collected and handed over at each end tag, keyed by
 * the element name and its parent's. */
#include <expat.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include "../common/common.h"
#include "../common/strbuf.h"
#include "xml.h"

struct xml_walk {
    char stack[8][64];           /* the names of the open elements (deeper ones ignored) */
    int depth;
    struct fdata_strbuf text;
    void (*on_end)(struct xml_walk *w, const char *parent, const char *name, const char *text);
    void *ctx;
    int oom;
};

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs) {
    struct xml_walk *w = ud;
    (void)attrs;
    if (w->depth < 8)
        snprintf(w->stack[w->depth], sizeof w->stack[0], "%s", name);
    w->depth++;
    w->text.len = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
    struct xml_walk *w = ud;
    fdata_sb_put(&w->text, s, (size_t)len);
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
    struct xml_walk *w = ud;
    w->depth--;
    const char *parent = w->depth > 0 && w->depth <= 8 ? w->stack[w->depth - 1] : "";
    w->on_end(w, parent, name, fdata_sb_cstr(&w->text));
    w->oom |= w->text.oom;
    w->text.len = 0;
}

/* Parses a whole document; returns 0, or -1 on malformed XML. */
static int walk_xml(const char *xml, size_t n, struct xml_walk *w) {
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (!p)
        return -1;
    XML_SetUserData(p, w);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    int ok = n <= INT32_MAX && XML_Parse(p, xml, (int)n, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    fdata_sb_free(&w->text);
    return ok ? 0 : -1;
}

static void error_field(struct xml_walk *w, const char *parent, const char *name,
                        const char *text) {
    struct s3_error_doc *e = w->ctx;
    if (strcmp(parent, "Error") != 0)
        return;
    if (strcmp(name, "Code") == 0)
        snprintf(e->code, sizeof e->code, "%s", text);
    else if (strcmp(name, "Message") == 0)
        snprintf(e->message, sizeof e->message, "%s", text);
    else if (strcmp(name, "RequestId") == 0)
        snprintf(e->request_id, sizeof e->request_id, "%s", text);
    else if (strcmp(name, "Region") == 0)
        snprintf(e->region, sizeof e->region, "%s", text);
}

int s3_parse_error(const char *xml, size_t n, struct s3_error_doc *out) {
    memset(out, 0, sizeof *out);
    struct xml_walk w = {.on_end = error_field, .ctx = out};
    return walk_xml(xml, n, &w) == 0 && out->code[0] ? 0 : -1;
}

struct list_state {
    struct fdata_s3_listing *listing;
    size_t cap;
    struct fdata_s3_entry cur;
    int truncated, root_seen;
    char *next_token;
};

static int push_entry(struct list_state *s) {
    struct fdata_s3_listing *l = s->listing;
    if (l->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        struct fdata_s3_entry *e = realloc(l->entries, cap * sizeof *e);
        if (!e)
            return -1;
        l->entries = e;
        s->cap = cap;
    }
    l->entries[l->count++] = s->cur;
    memset(&s->cur, 0, sizeof s->cur);
    return 0;
}

static void set_string(struct xml_walk *w, char **field, const char *text) {
    free(*field);
    *field = strdup(text);
    w->oom |= *field == NULL;
}

static void list_field(struct xml_walk *w, const char *parent, const char *name,
                       const char *text) {
    struct list_state *s = w->ctx;
    if (strcmp(name, "ListBucketResult") == 0)
        s->root_seen = 1;
    else if (strcmp(parent, "Contents") == 0 && strcmp(name, "Key") == 0)
        set_string(w, &s->cur.key, text);
    else if (strcmp(parent, "Contents") == 0 && strcmp(name, "Size") == 0)
        s->cur.size = strtoll(text, NULL, 10);
    else if (strcmp(parent, "Contents") == 0 && strcmp(name, "ETag") == 0)
        set_string(w, &s->cur.etag, text);
    else if (strcmp(parent, "Contents") == 0 && strcmp(name, "LastModified") == 0)
        set_string(w, &s->cur.last_modified, text);
    else if (strcmp(parent, "CommonPrefixes") == 0 && strcmp(name, "Prefix") == 0) {
        set_string(w, &s->cur.key, text);
        s->cur.is_prefix = 1;
    } else if ((strcmp(name, "Contents") == 0 || strcmp(name, "CommonPrefixes") == 0) &&
               s->cur.key) {
        w->oom |= push_entry(s) != 0;
    } else if (strcmp(parent, "ListBucketResult") == 0 && strcmp(name, "IsTruncated") == 0)
        s->truncated = strcmp(text, "true") == 0;
    else if (strcmp(parent, "ListBucketResult") == 0 && strcmp(name, "NextContinuationToken") == 0)
        set_string(w, &s->next_token, text);
}

int s3_parse_list_page(const char *xml, size_t n, struct fdata_s3_listing *listing,
                       int *truncated, char **next_token, struct fdata_error *err) {
    struct list_state s = {.listing = listing, .cap = listing->count};
    struct xml_walk w = {.on_end = list_field, .ctx = &s};
    int bad = walk_xml(xml, n, &w);
    free(s.cur.key);
    free(s.cur.etag);
    free(s.cur.last_modified);
    *truncated = s.truncated;
    *next_token = s.next_token;
    if (w.oom)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (bad || !s.root_seen)
        return fdata_set_error(err, FDATA_ECORRUPT, "the listing is not a ListBucketResult document");
    if (s.truncated && !s.next_token)
        return fdata_set_error(err, FDATA_ECORRUPT, "a truncated listing without a continuation token");
    return FDATA_OK;
}

static void upload_id_field(struct xml_walk *w, const char *parent, const char *name,
                            const char *text) {
    char **id = w->ctx;
    if (strcmp(parent, "InitiateMultipartUploadResult") == 0 && strcmp(name, "UploadId") == 0)
        set_string(w, id, text);
}

char *s3_parse_upload_id(const char *xml, size_t n) {
    char *id = NULL;
    struct xml_walk w = {.on_end = upload_id_field, .ctx = &id};
    if (walk_xml(xml, n, &w) != 0 || w.oom) {
        free(id);
        return NULL;
    }
    return id;
}

static void sts_field(struct xml_walk *w, const char *parent, const char *name, const char *text) {
    struct s3_sts_credentials *c = w->ctx;
    if (strcmp(parent, "Credentials") != 0)
        return;
    if (strcmp(name, "AccessKeyId") == 0)
        set_string(w, &c->access_key, text);
    else if (strcmp(name, "SecretAccessKey") == 0)
        set_string(w, &c->secret_key, text);
    else if (strcmp(name, "SessionToken") == 0)
        set_string(w, &c->session_token, text);
    else if (strcmp(name, "Expiration") == 0)
        set_string(w, &c->expiration, text);
}

int s3_parse_sts_credentials(const char *xml, size_t n, struct s3_sts_credentials *out) {
    memset(out, 0, sizeof *out);
    struct xml_walk w = {.on_end = sts_field, .ctx = out};
    if (walk_xml(xml, n, &w) != 0 || w.oom || !out->access_key || !out->secret_key) {
        s3_sts_credentials_free(out);
        return -1;
    }
    return 0;
}

void s3_sts_credentials_free(struct s3_sts_credentials *c) {
    free(c->access_key);
    if (c->secret_key)
        OPENSSL_cleanse(c->secret_key, strlen(c->secret_key));
    free(c->secret_key);
    free(c->session_token);
    free(c->expiration);
    memset(c, 0, sizeof *c);
}
