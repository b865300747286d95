/* Multipart upload: create, parts in parallel (one libcurl handle per thread), complete
 * with the parts' ETags; any failure aborts the upload so no orphaned parts stay behind. */
#include <stdio.h>
#include <stdlib.h>
#include "../common/common.h"
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

static int upload_part(void *ctx, size_t i, int worker) {
    struct upload *u = ctx;
    size_t off = i * u->part_size, len = u->size - off < u->part_size ? u->size - off : u->part_size;
    char query[512];
    snprintf(query, sizeof query, "partNumber=%zu&uploadId=%s", i + 1, u->upload_id);
    struct request q = {"PUT part", "PUT", u->url, u->bucket, u->key, query, u->data + off, len,
                        0, -1, NULL};
    struct response r = {0};
    if (!u->handles[worker] && !(u->handles[worker] = curl_easy_init()))
        return fdata_set_error(&u->errors[i], FDATA_ENOMEM, "cannot create a libcurl handle");
    int status = s3_perform_on(u->c, u->handles[worker], &u->rngs[worker], &q, &r, &u->errors[i]);
    if (status == FDATA_OK && !r.info.etag[0])
        status = fdata_set_error(&u->errors[i], FDATA_EIO, "%s: part %zu: no ETag in the answer",
                                 u->url, i + 1);
    if (status == FDATA_OK)
        snprintf(u->etags[i], sizeof u->etags[i], "%s", r.info.etag);
    fdata_sb_free(&r.body);
    return status;
}

static int create_upload(struct upload *u, char **upload_id, struct fdata_error *err) {
    struct request q = {"create multipart upload", "POST", u->url, u->bucket, u->key, "uploads",
                        "", 0, 0, -1, NULL};
    struct response r = {0};
    int status = s3_perform(u->c, &q, &r, err);
    if (status == FDATA_OK && !(*upload_id = s3_parse_upload_id(r.body.buf ? r.body.buf : "", r.body.len)))
        status = fdata_set_error(err, FDATA_EIO, "%s: no UploadId in the answer to the multipart "
                                 "upload request", u->url);
    fdata_sb_free(&r.body);
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
    char *raw_id = NULL;
    FDATA_RETURN_IF(create_upload(&u, &raw_id, err));
    /* the id goes into query strings: percent-encode it once */
    char *upload_id = s3_uri_encode(raw_id, strlen(raw_id), 0);
    free(raw_id);
    if (!upload_id)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
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
    if (status == FDATA_OK && fdata_parallel_for(u.parts, threads, upload_part, &u) != FDATA_OK) {
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
