/* Multipart upload: create, parts in parallel (one libcurl handle per thread) or streamed
 * one after another as a writer fills them, complete with the parts' ETags; any failure
 * aborts the upload so no orphaned parts stay behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "../common/trace.h"
#include "request.h"
#include "sigv4.h"

struct upload {
    fdata_s3_client *c;
    const char *url, *bucket, *key, *upload_id;
    const uint8_t *data;
    size_t size, part_size, parts;
    char (*etags)[128];
    struct fdata_error *errors;  /* one per part */
    CURL **handles;              /* one per worker */
    unsigned *rngs;
};

/* PUT part `number` (1-based) of len bytes on `handle`; its ETag into etag. */
static int send_part(struct upload *u, size_t number, const void *data, size_t len, CURL *handle,
                     int lane, unsigned *rng, char etag[128], struct fdata_error *err) {
    char query[512];
    snprintf(query, sizeof query, "partNumber=%zu&uploadId=%s", number, u->upload_id);
    struct request q = {"PUT part", "PUT", u->url, u->bucket, u->key, query, data, len, 0, -1, NULL};
    struct response r = {0};
    int status = s3_perform_on(u->c, handle, rng, lane, &q, &r, err);
    if (status == FDATA_OK && !r.info.etag[0])
        status = fdata_set_error(err, FDATA_EIO, "%s: part %zu: no ETag in the answer", u->url,
                                 number);
    if (status == FDATA_OK)
        snprintf(etag, 128, "%s", r.info.etag);
    fdata_sb_free(&r.body);
    return status;
}

static int upload_part(void *ctx, size_t i, int worker) {
    struct upload *u = ctx;
    size_t off = i * u->part_size, len = u->size - off < u->part_size ? u->size - off : u->part_size;
    if (!u->handles[worker] && !(u->handles[worker] = curl_easy_init()))
        return fdata_set_error(&u->errors[i], FDATA_ENOMEM, "cannot create a libcurl handle");
    return send_part(u, i + 1, u->data + off, len, u->handles[worker], TRACE_LANE_UPLOAD + worker,
                     &u->rngs[worker], u->etags[i], &u->errors[i]);
}

/* Creates the upload; *upload_id (malloc'ed) is its id, percent-encoded for query strings. */
static int create_upload(struct upload *u, char **upload_id, struct fdata_error *err) {
    struct request q = {"create multipart upload", "POST", u->url, u->bucket, u->key, "uploads",
                        "", 0, 0, -1, NULL};
    struct response r = {0};
    char *raw = NULL;
    int status = s3_perform(u->c, &q, &r, err);
    if (status == FDATA_OK && !(raw = s3_parse_upload_id(r.body.buf ? r.body.buf : "", r.body.len)))
        status = fdata_set_error(err, FDATA_EIO, "%s: no UploadId in the answer to the multipart "
                                 "upload request", u->url);
    fdata_sb_free(&r.body);
    if (status == FDATA_OK && !(*upload_id = s3_uri_encode(raw, strlen(raw), 0)))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    free(raw);
    return status;
}

static int complete_upload(struct upload *u, struct fdata_error *err) {
    struct fdata_strbuf xml = {0};
    fdata_sb_puts(&xml, "<CompleteMultipartUpload>");
    for (size_t i = 0; i < u->parts; i++) {
        char part[256];
        snprintf(part, sizeof part, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>",
                 i + 1, u->etags[i]);
        fdata_sb_puts(&xml, part);
    }
    fdata_sb_puts(&xml, "</CompleteMultipartUpload>");
    char query[300];
    snprintf(query, sizeof query, "uploadId=%s", u->upload_id);
    struct request q = {"complete multipart upload", "POST", u->url, u->bucket, u->key, query,
                        fdata_sb_cstr(&xml), xml.len, 0, -1, NULL};
    struct response r = {0};
    int status = xml.oom ? fdata_set_error(err, FDATA_ENOMEM, "out of memory")
                         : s3_perform(u->c, &q, &r, err);
    /* S3 may answer 200 with an <Error> body when completion fails late */
    struct s3_error_doc e;
    if (status == FDATA_OK && s3_parse_error(r.body.buf ? r.body.buf : "", r.body.len, &e) == 0)
        status = fdata_set_error(err, FDATA_EIO, "%s: complete multipart upload failed: %s: %s",
                                 u->url, e.code, e.message);
    fdata_sb_free(&r.body);
    fdata_sb_free(&xml);
    return status;
}

static void abort_upload(struct upload *u) {
    char query[300];
    snprintf(query, sizeof query, "uploadId=%s", u->upload_id);
    struct request q = {"abort multipart upload", "DELETE", u->url, u->bucket, u->key, query,
                        NULL, 0, 0, -1, NULL};
    struct response r = {0};
    struct fdata_error ignored;
    s3_perform(u->c, &q, &r, &ignored); /* best effort: the upload failed already */
    fdata_sb_free(&r.body);
}

int s3_multipart_put(fdata_s3_client *c, const char *url, const char *bucket, const char *key,
                     const void *data, size_t size, size_t part_size, int threads,
                     struct fdata_error *err) {
    struct upload u = {.c = c, .url = url, .bucket = bucket, .key = key, .data = data,
                       .size = size, .part_size = part_size};
    u.parts = (size + part_size - 1) / part_size;
    if (u.parts > 10000)
        return fdata_set_error(err, FDATA_EINVAL, "%s: %zu parts exceed S3's 10,000 (raise the "
                               "part size)", url, u.parts);
    char *upload_id = NULL;
    FDATA_RETURN_IF(create_upload(&u, &upload_id, err));
    u.upload_id = upload_id;
    threads = threads < 1 ? 1 : threads > (int)u.parts ? (int)u.parts : threads;
    u.etags = calloc(u.parts, sizeof *u.etags);
    u.errors = calloc(u.parts, sizeof *u.errors);
    u.handles = calloc((size_t)threads, sizeof *u.handles);
    u.rngs = calloc((size_t)threads, sizeof *u.rngs);
    int status = u.etags && u.errors && u.handles && u.rngs
                     ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int t = 0; u.rngs && t < threads; t++)
        u.rngs[t] = c->rng + (unsigned)t * 7919u;
    if (status == FDATA_OK && fdata_parallel_for(c->runtime, u.parts, threads, upload_part, &u) != FDATA_OK) {
        for (size_t i = 0; i < u.parts && status == FDATA_OK; i++)
            if (u.errors[i].code) {
                status = u.errors[i].code;
                if (err)
                    *err = u.errors[i];
            }
    }
    if (status == FDATA_OK)
        status = complete_upload(&u, err);
    if (status != FDATA_OK)
        abort_upload(&u);
    for (int t = 0; u.handles && t < threads; t++)
        if (u.handles[t])
            curl_easy_cleanup(u.handles[t]);
    free(u.handles);
    free(u.rngs);
    free(u.etags);
    free(u.errors);
    free(upload_id);
    return status;
}

/* ---- streamed uploads ---- */

struct fdata_s3_upload {
    struct upload u;
    struct s3_location loc;
    char *url, *upload_id;
    uint8_t *part;               /* the part being filled */
    size_t filled;
    char (*etags)[128];
    size_t parts, etag_cap;
    int failed;
};

int fdata_s3_upload_new(fdata_s3_client *c, const char *url, fdata_s3_upload **out,
                        struct fdata_error *err) {
    *out = NULL;
    fdata_s3_upload *s = calloc(1, sizeof *s);
    if (!s)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int status = s3_parse_url(url, &s->loc, err);
    if (status == FDATA_OK && !s->loc.key[0])
        status = fdata_set_error(err, FDATA_EINVAL, "%s: an upload needs a key", url);
    if (status == FDATA_OK && (!(s->url = strdup(url)) || !(s->part = malloc(c->upload_part_size))))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status != FDATA_OK) {
        fdata_s3_upload_abort(s);
        return status;
    }
    s->u = (struct upload){.c = c, .url = s->url, .bucket = s->loc.bucket, .key = s->loc.key,
                           .part_size = c->upload_part_size};
    *out = s;
    return FDATA_OK;
}

/* The full part goes out (the upload is created with the first one). */
static int flush_part(fdata_s3_upload *s, struct fdata_error *err) {
    if (!s->upload_id) {
        FDATA_RETURN_IF(create_upload(&s->u, &s->upload_id, err));
        s->u.upload_id = s->upload_id;
    }
    if (s->parts == 10000)
        return fdata_set_error(err, FDATA_EINVAL, "%s: more than S3's 10,000 parts (raise the "
                               "part size)", s->url);
    if (s->parts == s->etag_cap) {
        size_t cap = s->etag_cap ? 2 * s->etag_cap : 64;
        char (*e)[128] = realloc(s->etags, cap * sizeof *e);
        if (!e)
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        s->etags = e;
        s->etag_cap = cap;
    }
    FDATA_RETURN_IF(send_part(&s->u, s->parts + 1, s->part, s->filled, s->u.c->curl, 0,
                              &s->u.c->rng, s->etags[s->parts], err));
    s->parts++;
    s->filled = 0;
    return FDATA_OK;
}

int fdata_s3_upload_write(fdata_s3_upload *s, const void *data, size_t n, struct fdata_error *err) {
    const uint8_t *p = data;
    while (n > 0 && !s->failed) {
        size_t take = s->u.part_size - s->filled < n ? s->u.part_size - s->filled : n;
        memcpy(s->part + s->filled, p, take);
        s->filled += take;
        p += take;
        n -= take;
        if (s->filled == s->u.part_size && flush_part(s, err) != FDATA_OK)
            s->failed = 1;
    }
    return s->failed ? (err && err->code ? err->code : FDATA_EIO) : FDATA_OK;
}

int fdata_s3_upload_finish(fdata_s3_upload *s, struct fdata_error *err) {
    int status = s->failed ? fdata_set_error(err, FDATA_EIO, "%s: the upload failed earlier", s->url)
                           : FDATA_OK;
    if (status == FDATA_OK && !s->upload_id) { /* smaller than a part: one PUT */
        struct request q = {"PUT", "PUT", s->url, s->loc.bucket, s->loc.key, NULL, s->part,
                            s->filled, 0, -1, NULL};
        struct response r = {0};
        status = s3_perform(s->u.c, &q, &r, err);
        fdata_sb_free(&r.body);
    } else if (status == FDATA_OK) {
        if (s->filled)
            status = flush_part(s, err);
        s->u.parts = s->parts;
        s->u.etags = s->etags;
        if (status == FDATA_OK)
            status = complete_upload(&s->u, err);
    }
    if (status != FDATA_OK) {
        fdata_s3_upload_abort(s);
        return status;
    }
    s->upload_id = (free(s->upload_id), NULL); /* complete: nothing to abort */
    fdata_s3_upload_abort(s);
    return FDATA_OK;
}

void fdata_s3_upload_abort(fdata_s3_upload *s) {
    if (!s)
        return;
    if (s->upload_id)
        abort_upload(&s->u);
    free(s->upload_id);
    free(s->etags);
    free(s->part);
    free(s->url);
    s3_location_free(&s->loc);
    free(s);
}
