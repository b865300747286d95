/* The S3 client's operations, one request at a time on the client's libcurl handle (which
 * keeps its connections alive); see request.c for signing, errors and retries. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "fastdata/s3.h"
#include "../common/common.h"
#include "../common/strbuf.h"
#include "config.h"
#include "sigv4.h"
#include "request.h"
#include "xml.h"

static const char *real_getenv(const char *name, void *ctx) {
    (void)ctx;
    return getenv(name);
}

int fdata_s3_client_new(const struct fdata_s3_options *o, fdata_s3_client **out,
                        struct fdata_error *err) {
    static const struct fdata_s3_options none;
    o = o ? o : &none;
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) /* idempotent, counted */
        return fdata_set_error(err, FDATA_EIO, "libcurl initialisation failed");
    fdata_s3_client *c = calloc(1, sizeof *c);
    if (!c)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    struct s3_config_options co = {
        .region = o->region, .endpoint = o->endpoint, .profile = o->profile,
        .access_key = o->access_key, .secret_key = o->secret_key,
        .session_token = o->session_token, .path_style = o->path_style, .no_sign = o->no_sign,
        .target_gbit_s = o->target_gbit_s,
    };
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->region_lock, NULL);
    c->stall_seconds = o->stall_seconds > 0 ? o->stall_seconds : 30;
    c->cancel = o->cancel;
    c->trace = o->trace;
    c->runtime = o->runtime;
    c->timeout_seconds = o->timeout_seconds > 0 ? o->timeout_seconds : 0;
    c->deadline = s3_now() + c->timeout_seconds;
    int status = s3_config_resolve(&co, real_getenv, NULL, &c->cfg, err);
    if (status == FDATA_OK && !(c->curl = curl_easy_init()))
        status = fdata_set_error(err, FDATA_ENOMEM, "cannot create a libcurl handle");
    if (status == FDATA_OK && s3_credentials_expire(c))
        status = s3_refresh_credentials(c, err); /* fail now, with the STS error */
    if (status != FDATA_OK) {
        fdata_s3_client_free(c);
        return status;
    }
    c->retries = o->retries < 0 ? 0 : o->retries > 0 ? o->retries : 4;
    c->multipart_threshold = o->multipart_threshold ? o->multipart_threshold : (size_t)64 << 20;
    c->upload_part_size = o->upload_part_size ? o->upload_part_size : (size_t)8 << 20;
    c->upload_threads = o->upload_threads > 0 ? o->upload_threads : 4;
    c->checksums = !o->no_checksums;
    c->connections = s3_connections_for(c->cfg.target_gbit_s);
    c->rng = (unsigned)time(NULL) ^ (unsigned)getpid();
    *out = c;
    return FDATA_OK;
}

void fdata_s3_client_free(fdata_s3_client *c) {
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    s3_config_free(&c->cfg);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->region_lock);
    free(c);
}

/* ---- one request ---- */

/* ---- operations ---- */

static int locate(const char *url, struct s3_location *loc, struct fdata_error *err) {
    return s3_parse_url(url, loc, err);
}

int fdata_s3_stat(fdata_s3_client *c, const char *url, struct fdata_s3_object_info *out,
                  struct fdata_error *err) {
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    struct request q = {"HEAD", "HEAD", url, loc.bucket, loc.key, NULL, NULL, 0, 0, -1, NULL};
    struct response r = {0};
    int status = s3_perform(c, &q, &r, err);
    if (status == FDATA_OK) {
        *out = r.info;
        out->size = r.content_length;
    }
    fdata_sb_free(&r.body);
    s3_location_free(&loc);
    return status;
}

/* A ranged GET's answer, checked as get_many's parts are (part.c check_answer): exactly one
 * Content-Range, starting at the byte asked, ending at the last one asked or the object's
 * end, its body all there; a 200 (Range ignored) only from the object's start (its body was
 * capped at the length asked: s3_setup_transfer). */
static int check_get_answer(const char *url, int64_t offset, int64_t length,
                            const struct response *r, struct fdata_error *err) {
    int64_t want_last = offset + length - 1;
    if (r->content_ranges > 1)
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: %d Content-Range headers in one answer "
                               "(the first: '%s')", url, r->content_ranges, r->content_range);
    if (r->status != 206 && offset > 0)
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: the server ignored the byte range "
                               "(asked from byte %lld, a %ld answer)", url, (long long)offset,
                               r->status);
    if (r->status != 206 && r->body.len > (size_t)length) /* 0 asked, a byte sent */
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: the server ignored the byte range "
                               "(%zu bytes for the %lld asked)", url, r->body.len,
                               (long long)length);
    if (r->status != 206)
        return FDATA_OK;
    int64_t last = r->range_last, total = r->object_size;
    int ends = last == want_last || (total >= 0 && last == total - 1 && last < want_last);
    if (r->range_bad || r->range_first != offset || !ends || (total >= 0 && last >= total) ||
        (int64_t)r->body.len != last - offset + 1)
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: asked for bytes %lld-%lld, the answer "
                               "has '%s' and %zu bytes", url, (long long)offset,
                               (long long)want_last, r->content_range, r->body.len);
    return FDATA_OK;
}

int fdata_s3_get(fdata_s3_client *c, const char *url, int64_t offset, int64_t length,
                 void **data, size_t *size, struct fdata_error *err) {
    *data = NULL;
    *size = 0;
    if (offset < 0 || (length >= 0 && offset > INT64_MAX - length))
        return fdata_set_error(err, FDATA_EINVAL, "%s: invalid range", url);
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    struct request q = {"GET", "GET", url, loc.bucket, loc.key, NULL, NULL, 0, offset, length, NULL};
    struct response r = {0};
    int status = s3_perform(c, &q, &r, err);
    if (status == FDATA_OK && r.content_length >= 0 && (size_t)r.content_length != r.body.len)
        status = fdata_set_error(err, FDATA_EIO, "%s: GET returned %zu bytes of %lld announced",
                                 url, r.body.len, (long long)r.content_length);
    if (status == FDATA_OK && length >= 0)
        status = check_get_answer(url, offset, length, &r, err);
    int whole = r.status == 200 ? length < 0 || r.body.len == (size_t)r.content_length
                                : r.object_size >= 0 && r.body.len == (size_t)r.object_size;
    if (status == FDATA_OK && whole && c->checksums)
        status = s3_checksum_verify(&r.checksum, r.body.buf, r.body.len, url, err);
    if (status == FDATA_OK) {
        *data = r.body.buf ? r.body.buf : malloc(1);
        *size = r.body.len;
        r.body.buf = NULL;
        if (!*data)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    fdata_sb_free(&r.body);
    s3_location_free(&loc);
    return status;
}

int fdata_s3_put(fdata_s3_client *c, const char *url, const void *data, size_t size,
                 struct fdata_error *err) {
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    int status = loc.key[0] ? FDATA_OK
                            : fdata_set_error(err, FDATA_EINVAL, "%s: PUT needs a key", url);
    struct request q = {"PUT", "PUT", url, loc.bucket, loc.key, NULL, data, size, 0, -1, NULL};
    struct response r = {0};
    if (status == FDATA_OK && size > c->multipart_threshold)
        status = s3_multipart_put(c, url, loc.bucket, loc.key, data, size, c->upload_part_size,
                                  c->upload_threads, err);
    else if (status == FDATA_OK)
        status = s3_perform(c, &q, &r, err);
    fdata_sb_free(&r.body);
    s3_location_free(&loc);
    return status;
}

int fdata_s3_delete(fdata_s3_client *c, const char *url, struct fdata_error *err) {
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    struct request q = {"DELETE", "DELETE", url, loc.bucket, loc.key, NULL, NULL, 0, 0, -1, NULL};
    struct response r = {0};
    int status = s3_perform(c, &q, &r, err);
    fdata_sb_free(&r.body);
    s3_location_free(&loc);
    return status;
}

/* A listing stops with an error past these: a server that never ends it would otherwise
 * grow memory without bound (S3 pages hold 1000 keys, a key at most 1024 bytes). */
#define S3_LIST_MAX_PAGES 100000
#define S3_LIST_MAX_KEYS 10000000
#define S3_KEY_MAX 1024
#define S3_LIST_MAX_BYTES ((size_t)1 << 30) /* of keys, in all */

/* The continuation tokens a listing has had, as 64-bit hashes (FNV-1a) in an open-addressing
 * set: a token seen before (A, B, A, ...) means a listing that never ends. */
struct token_set {
    uint64_t *slots;             /* 0: empty */
    size_t cap, used;
};

/* Adds the token: 1 when it was new, 0 when seen before, -1 when out of memory. */
static int token_set_add(struct token_set *s, const char *token) {
    uint64_t h = 1469598103934665603u;
    for (const unsigned char *t = (const unsigned char *)token; *t; t++)
        h = (h ^ *t) * 1099511628211u;
    h |= 1;
    if (2 * (s->used + 1) > s->cap) { /* at most half full */
        struct token_set g = {calloc(s->cap ? 2 * s->cap : 64, sizeof *g.slots),
                              s->cap ? 2 * s->cap : 64, 0};
        if (!g.slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                for (size_t k = s->slots[i] & (g.cap - 1);; k = (k + 1) & (g.cap - 1))
                    if (!g.slots[k]) {
                        g.slots[k] = s->slots[i], g.used++;
                        break;
                    }
        free(s->slots);
        *s = g;
    }
    size_t k = h & (s->cap - 1);
    for (; s->slots[k]; k = (k + 1) & (s->cap - 1))
        if (s->slots[k] == h)
            return 0;
    s->slots[k] = h;
    s->used++;
    return 1;
}

/* The keys a page added, from entry `from`: none longer than S3 allows, and the listing's
 * key bytes under their cap (*bytes counts them). */
static int check_page_keys(const char *url, int page, const struct fdata_s3_listing *l,
                           size_t from, size_t *bytes, struct fdata_error *err) {
    for (size_t i = from; i < l->count; i++) {
        size_t len = strlen(l->entries[i].key);
        if (len > S3_KEY_MAX)
            return fdata_set_error(err, FDATA_ECORRUPT, "%s: LIST page %d has a key of %zu "
                                   "bytes (S3 keys are at most %d)", url, page, len, S3_KEY_MAX);
        *bytes += len;
    }
    if (*bytes > S3_LIST_MAX_BYTES)
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: more than %zu MiB of keys listed: "
                               "refused (a listing that never ends)", url,
                               S3_LIST_MAX_BYTES >> 20);
    return FDATA_OK;
}

/* The ListObjectsV2 query of one page (values URI-encoded). */
static char *list_query(const char *prefix, int recursive, const char *token) {
    char *p = s3_uri_encode(prefix, strlen(prefix), 0);
    char *t = token ? s3_uri_encode(token, strlen(token), 0) : NULL;
    size_t n = (p ? strlen(p) : 0) + (t ? strlen(t) : 0) + 96;
    char *q = p && (!token || t) ? malloc(n) : NULL;
    if (q)
        snprintf(q, n, "list-type=2&prefix=%s%s%s%s", p, recursive ? "" : "&delimiter=%2F",
                 t ? "&continuation-token=" : "", t ? t : "");
    free(p);
    free(t);
    return q;
}

int fdata_s3_list_pages(fdata_s3_client *c, const char *url, int recursive,
                        int (*on_page)(void *ctx, const struct fdata_s3_listing *so_far,
                                       size_t from, struct fdata_error *err),
                        void *ctx, struct fdata_s3_listing *out, struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    char *token = NULL;
    struct token_set seen = {0};
    size_t key_bytes = 0;
    int status = FDATA_OK, truncated = 1;
    for (int page = 0; status == FDATA_OK && truncated; page++) {
        if (page == S3_LIST_MAX_PAGES || out->count > S3_LIST_MAX_KEYS) {
            status = fdata_set_error(err, FDATA_ECORRUPT, "%s: more than %d listing pages or %d "
                                     "keys: refused (a listing that never ends)", url,
                                     S3_LIST_MAX_PAGES, S3_LIST_MAX_KEYS);
            break;
        }
        char *query = list_query(loc.key, recursive, token);
        struct request q = {"LIST", "GET", url, loc.bucket, "", query, NULL, 0, 0, -1, NULL};
        struct response r = {0};
        size_t had = out->count;
        status = query ? s3_perform(c, &q, &r, err) : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        free(token);
        token = NULL;
        if (status == FDATA_OK)
            status = s3_parse_list_page(r.body.buf ? r.body.buf : "", r.body.len, out,
                                        &truncated, &token, err);
        if (status == FDATA_OK)
            status = check_page_keys(url, page + 1, out, had, &key_bytes, err);
        int fresh = status == FDATA_OK && truncated ? token_set_add(&seen, token) : 1;
        if (fresh < 0)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        else if (fresh == 0)
            status = fdata_set_error(err, FDATA_ECORRUPT, "%s: LIST page %d repeats a "
                                     "continuation token of an earlier page", url, page + 1);
        if (status != FDATA_OK && status != FDATA_ENOMEM && err && strstr(err->message, url) == NULL)
            fdata_error_prefix(err, "%s: LIST page %d", url, page + 1);
        fdata_sb_free(&r.body);
        free(query);
        if (status == FDATA_OK && on_page) /* the caller's error stands as it made it */
            status = on_page(ctx, out, had, err);
    }
    free(token);
    free(seen.slots);
    s3_location_free(&loc);
    if (status != FDATA_OK)
        fdata_s3_listing_free(out);
    return status;
}

int fdata_s3_list(fdata_s3_client *c, const char *url, int recursive,
                  struct fdata_s3_listing *out, struct fdata_error *err) {
    return fdata_s3_list_pages(c, url, recursive, NULL, NULL, out, err);
}

void fdata_s3_listing_free(struct fdata_s3_listing *l) {
    for (size_t i = 0; l->entries && i < l->count; i++) {
        free(l->entries[i].key);
        free(l->entries[i].etag);
        free(l->entries[i].last_modified);
    }
    free(l->entries);
    memset(l, 0, sizeof *l);
}
