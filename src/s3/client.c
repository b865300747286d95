/* The S3 client: one libcurl easy handle per client (keeps its connections alive), SigV4
 * headers on every request, S3 XML errors turned into messages, retries with exponential
 * backoff and full jitter. */
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
#include "xml.h"

struct fdata_s3_client {
    struct s3_config cfg;
    CURL *curl;
    int retries;
    unsigned rng;
};

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
    };
    int status = s3_config_resolve(&co, real_getenv, NULL, &c->cfg, err);
    if (status == FDATA_OK && !(c->curl = curl_easy_init()))
        status = fdata_set_error(err, FDATA_ENOMEM, "cannot create a libcurl handle");
    if (status != FDATA_OK) {
        fdata_s3_client_free(c);
        return status;
    }
    c->retries = o->retries > 0 ? o->retries : 4;
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
    free(c);
}

/* ---- one request ---- */

struct request {
    const char *op;              /* "GET", "HEAD", ... for messages */
    const char *method;
    const char *url;             /* the s3:// URL, for messages */
    const char *bucket, *key, *query;
    const void *body;
    size_t body_len;
    int64_t range_start, range_len; /* range_len < 0: no Range header */
};

struct response {
    long status;
    struct fdata_strbuf body;
    int64_t content_length;      /* -1 when absent */
    struct fdata_s3_object_info info;
    char request_id[128];
};

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    struct response *r = ud;
    fdata_sb_put(&r->body, p, size * n);
    return r->body.oom ? 0 : size * n;
}

/* Copies a header value (trimmed) into dst if the line is `name: value`. */
static void header_value(const char *line, size_t len, const char *name, char *dst, size_t cap) {
    size_t n = strlen(name);
    if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return;
    const char *v = line + n + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t m = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
    memcpy(dst, v, m);
    dst[m] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    struct response *r = ud;
    size_t len = size * n;
    char num[32] = "";
    header_value(p, len, "Content-Length", num, sizeof num);
    if (num[0])
        r->content_length = strtoll(num, NULL, 10);
    header_value(p, len, "ETag", r->info.etag, sizeof r->info.etag);
    header_value(p, len, "Last-Modified", r->info.last_modified, sizeof r->info.last_modified);
    header_value(p, len, "Content-Type", r->info.content_type, sizeof r->info.content_type);
    header_value(p, len, "x-amz-request-id", r->request_id, sizeof r->request_id);
    return len;
}

static struct curl_slist *append_header(struct curl_slist *l, const char *name, const char *value) {
    char line[4096];
    snprintf(line, sizeof line, "%s: %s", name, value);
    return curl_slist_append(l, line);
}

/* The headers of a request, SigV4-signed unless the client is anonymous. */
static int request_headers(fdata_s3_client *c, const struct request *q, const char *host,
                           const char *path, struct curl_slist **out, struct fdata_error *err) {
    struct curl_slist *h = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
    if (q->body)
        h = append_header(h, "Content-Type", "application/octet-stream");
    char range[64];
    if (q->range_len >= 0) {
        snprintf(range, sizeof range, "bytes=%lld-%lld", (long long)q->range_start,
                 (long long)(q->range_start + q->range_len - 1));
        h = append_header(h, "Range", range);
    }
    if (!c->cfg.no_sign) {
        char hash[65];
        s3_sha256_hex(q->body ? q->body : "", q->body_len, hash);
        struct s3_header hs[1] = {{"host", host}};
        struct s3_sign_request sr = {q->method, path, q->query, hs, 1, hash, 1};
        struct s3_credentials cr = {c->cfg.access_key, c->cfg.secret_key, c->cfg.session_token};
        struct s3_sign_options so = {.region = c->cfg.region, .service = "s3", .time = time(NULL)};
        struct s3_signed sig;
        int status = s3_sign_header(&sr, &cr, &so, &sig, err);
        if (status != FDATA_OK) {
            curl_slist_free_all(h);
            return status;
        }
        h = append_header(h, "x-amz-date", sig.amz_date);
        h = append_header(h, "x-amz-content-sha256", hash);
        if (cr.session_token)
            h = append_header(h, "x-amz-security-token", cr.session_token);
        h = append_header(h, "Authorization", sig.authorization);
        s3_signed_free(&sig);
    }
    *out = h;
    return h ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

static void setup_transfer(fdata_s3_client *c, const struct request *q, const char *url,
                           struct curl_slist *headers, struct response *r) {
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* a stalled transfer fails... */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);    /* ...and is retried */
    const char *ca = getenv("AWS_CA_BUNDLE");
    if (ca && *ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    if (strcmp(q->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(q->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else if (strcmp(q->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
}

static int retryable(long status, const struct s3_error_doc *e) {
    return status == 500 || status == 502 || status == 503 || status == 504 ||
           strcmp(e->code, "SlowDown") == 0 || strcmp(e->code, "RequestTimeout") == 0 ||
           strcmp(e->code, "InternalError") == 0;
}

/* The error of a response that is not 2xx, with the S3 code, message and request id. */
static int http_error(const struct request *q, struct response *r, struct fdata_error *err) {
    struct s3_error_doc e;
    if (s3_parse_error(r->body.buf ? r->body.buf : "", r->body.len, &e) != 0)
        memset(&e, 0, sizeof e);
    const char *rid = e.request_id[0] ? e.request_id : r->request_id;
    if (!e.code[0]) /* HEAD responses and some proxies carry no S3 error document */
        snprintf(e.code, sizeof e.code, "%s",
                 r->status == 404 ? "NotFound (no such key or bucket)" :
                 r->status == 403 ? "Forbidden (check credentials, signature, permissions)" :
                 r->status == 400 ? "BadRequest" : "");
    int code = r->status == 404 ? FDATA_ENOTFOUND : FDATA_EIO;
    char request_id[160] = "";
    if (rid[0])
        snprintf(request_id, sizeof request_id, " (request id %s)", rid);
    return fdata_set_error(err, code, "%s: %s failed: HTTP %ld%s%s%s%s%s", q->url, q->op,
                           r->status, e.code[0] ? " " : "", e.code, e.message[0] ? ": " : "",
                           e.message, request_id);
}

static void backoff(fdata_s3_client *c, int attempt) {
    /* full jitter: a random wait in [0, min(5 s, 100 ms * 2^attempt)) */
    unsigned cap = 100u << (attempt < 6 ? attempt : 6);
    cap = cap > 5000 ? 5000 : cap;
    c->rng = c->rng * 1103515245u + 12345u;
    usleep((useconds_t)((c->rng >> 8) % (cap ? cap : 1)) * 1000u);
}

static int perform(fdata_s3_client *c, const struct request *q, struct response *r,
                   struct fdata_error *err) {
    char *url = NULL, *host = NULL, *path = NULL;
    if (s3_request_url(&c->cfg, q->bucket, q->key, &url, &host, &path) != FDATA_OK)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    char *full = url;
    if (q->query && *q->query && (full = malloc(strlen(url) + strlen(q->query) + 2)))
        sprintf(full, "%s?%s", url, q->query);
    int status = full ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int attempt = 0; status == FDATA_OK; attempt++) {
        struct curl_slist *headers = NULL;
        status = request_headers(c, q, host, path, &headers, err);
        if (status != FDATA_OK)
            break;
        fdata_sb_free(&r->body);
        memset(r, 0, sizeof *r);
        r->content_length = -1;
        setup_transfer(c, q, full, headers, r);
        CURLcode rc = curl_easy_perform(c->curl);
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
        curl_slist_free_all(headers);
        struct s3_error_doc e = {0};
        if (rc == CURLE_OK && r->status >= 200 && r->status < 300)
            break;
        if (rc == CURLE_OK)
            s3_parse_error(r->body.buf ? r->body.buf : "", r->body.len, &e);
        int again = rc != CURLE_OK ? rc != CURLE_WRITE_ERROR : retryable(r->status, &e);
        if (again && attempt < c->retries) {
            backoff(c, attempt);
            continue;
        }
        if (rc != CURLE_OK)
            status = fdata_set_error(err, FDATA_EIO, "%s: %s failed after %d attempts: %s", q->url,
                                     q->op, attempt + 1, curl_easy_strerror(rc));
        else
            status = http_error(q, r, err);
    }
    if (full != url)
        free(full);
    free(url);
    free(host);
    free(path);
    return status;
}

/* ---- operations ---- */

static int locate(const char *url, struct s3_location *loc, struct fdata_error *err) {
    return s3_parse_url(url, loc, err);
}

int fdata_s3_stat(fdata_s3_client *c, const char *url, struct fdata_s3_object_info *out,
                  struct fdata_error *err) {
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    struct request q = {"HEAD", "HEAD", url, loc.bucket, loc.key, NULL, NULL, 0, 0, -1};
    struct response r = {0};
    int status = perform(c, &q, &r, err);
    if (status == FDATA_OK) {
        *out = r.info;
        out->size = r.content_length;
    }
    fdata_sb_free(&r.body);
    s3_location_free(&loc);
    return status;
}

int fdata_s3_get(fdata_s3_client *c, const char *url, int64_t offset, int64_t length,
                 void **data, size_t *size, struct fdata_error *err) {
    *data = NULL;
    *size = 0;
    if (offset < 0 || (length >= 0 && offset > INT64_MAX - length))
        return fdata_set_error(err, FDATA_EINVAL, "%s: invalid range", url);
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    struct request q = {"GET", "GET", url, loc.bucket, loc.key, NULL, NULL, 0, offset, length};
    struct response r = {0};
    int status = perform(c, &q, &r, err);
    if (status == FDATA_OK && r.content_length >= 0 && (size_t)r.content_length != r.body.len)
        status = fdata_set_error(err, FDATA_EIO, "%s: GET returned %zu bytes of %lld announced",
                                 url, r.body.len, (long long)r.content_length);
    if (status == FDATA_OK && length >= 0 && r.status != 206 && offset == 0 &&
        r.body.len > (size_t)length)
        r.body.len = (size_t)length; /* a server that ignores Range sends the whole object */
    else if (status == FDATA_OK && length >= 0 && r.status != 206 && offset > 0)
        status = fdata_set_error(err, FDATA_EIO, "%s: the server ignored the byte range", url);
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
    struct request q = {"PUT", "PUT", url, loc.bucket, loc.key, NULL, data, size, 0, -1};
    struct response r = {0};
    if (status == FDATA_OK)
        status = perform(c, &q, &r, err);
    fdata_sb_free(&r.body);
    s3_location_free(&loc);
    return status;
}

int fdata_s3_delete(fdata_s3_client *c, const char *url, struct fdata_error *err) {
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    struct request q = {"DELETE", "DELETE", url, loc.bucket, loc.key, NULL, NULL, 0, 0, -1};
    struct response r = {0};
    int status = perform(c, &q, &r, err);
    fdata_sb_free(&r.body);
    s3_location_free(&loc);
    return status;
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

int fdata_s3_list(fdata_s3_client *c, const char *url, int recursive,
                  struct fdata_s3_listing *out, struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    struct s3_location loc;
    FDATA_RETURN_IF(locate(url, &loc, err));
    char *token = NULL;
    int status = FDATA_OK, truncated = 1;
    for (int page = 0; status == FDATA_OK && truncated; page++) {
        char *query = list_query(loc.key, recursive, token);
        struct request q = {"LIST", "GET", url, loc.bucket, "", query, NULL, 0, 0, -1};
        struct response r = {0};
        status = query ? perform(c, &q, &r, err) : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        free(token);
        token = NULL;
        if (status == FDATA_OK)
            status = s3_parse_list_page(r.body.buf ? r.body.buf : "", r.body.len, out,
                                        &truncated, &token, err);
        if (status != FDATA_OK && status != FDATA_ENOMEM && err && strstr(err->message, url) == NULL)
            fdata_error_prefix(err, "%s: LIST page %d", url, page + 1);
        fdata_sb_free(&r.body);
        free(query);
    }
    free(token);
    s3_location_free(&loc);
    if (status != FDATA_OK)
        fdata_s3_listing_free(out);
    return status;
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
