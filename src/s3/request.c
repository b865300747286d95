/* Requests to S3: SigV4 headers on every request, S3 XML errors turned into messages,
 * retries with exponential backoff and full jitter. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "../common/common.h"
#include "../common/strbuf.h"
#include "../common/trace.h"
#include "request.h"
#include "sigv4.h"
#include "xml.h"

size_t s3_on_body(char *p, size_t size, size_t n, void *ud) {
    struct response *r = ud;
    size_t cap = r->status >= 200 && r->status < 300 ? r->body_cap : S3_ERROR_BODY_CAP;
    if (cap && r->body.len + size * n > cap) { /* an endless body must not become memory */
        r->body_over = cap;
        return 0;
    }
    fdata_sb_put(&r->body, p, size * n);
    return r->body.oom ? 0 : size * n;
}

/* Copies a header value (trimmed) into dst if the line is `name: value`; 1 when it is. */
static int header_value(const char *line, size_t len, const char *name, char *dst, size_t cap) {
    size_t n = strlen(name);
    if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return 0;
    const char *v = line + n + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t m = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
    memcpy(dst, v, m);
    dst[m] = '\0';
    return 1;
}

/* A decimal number of 1 to 18 digits at *s (so that it fits, and sums of two do): its value,
 * *s moved past it; -1 when there is none. */
static int64_t take_number(const char **s) {
    int64_t v = 0;
    int digits = 0;
    for (; **s >= '0' && **s <= '9' && digits < 18; (*s)++, digits++)
        v = v * 10 + (**s - '0');
    return digits >= 1 && !(**s >= '0' && **s <= '9') ? v : -1; /* a 19th digit: too large */
}

/* "bytes FIRST-LAST/TOTAL" (TOTAL may be "*"), as RFC 9110 writes it, FIRST <= LAST (LAST
 * < TOTAL is the caller's to check); anything else leaves range_first -1 and marks the header
 * unusable. */
static void parse_content_range(const char *v, struct response *r) {
    const char *s = v;
    int64_t first = -1, last = -1, total = -1;
    if (strncmp(s, "bytes ", 6) == 0 && (s += 6, first = take_number(&s)) >= 0 && *s++ == '-' &&
        (last = take_number(&s)) >= first && *s++ == '/') {
        if (*s == '*')
            s++;
        else if ((total = take_number(&s)) < 0)
            first = -1;
        if (*s == '\0' && first >= 0) {
            r->range_first = first;
            r->range_last = last;
            r->object_size = total;
            return;
        }
    }
    r->range_bad = 1;
}

/* What one answer's headers said, forgotten at the next answer's status line. */
static void forget_headers(struct response *r) {
    fdata_sb_free(&r->body);
    r->status = 0;
    r->content_length = r->object_size = r->range_first = r->range_last = -1;
    r->content_ranges = r->range_bad = 0;
    r->content_range[0] = r->request_id[0] = r->bucket_region[0] = '\0';
    memset(&r->checksum, 0, sizeof r->checksum);
    memset(&r->info, 0, sizeof r->info);
}

void s3_response_reset(struct response *r) {
    fdata_sb_free(&r->body);
    memset(r, 0, sizeof *r);
    forget_headers(r);
}

size_t s3_on_header(char *p, size_t size, size_t n, void *ud) {
    struct response *r = ud;
    size_t len = size * n;
    char num[32] = "", range[sizeof r->content_range];
    if (len > 9 && strncmp(p, "HTTP/", 5) == 0) { /* a status line: a new answer's headers */
        const char *sp = memchr(p, ' ', len); /* the line is not NUL-terminated */
        forget_headers(r);
        for (int i = 1; sp && i <= 3 && sp + i < p + len && sp[i] >= '0' && sp[i] <= '9'; i++)
            r->status = r->status * 10 + (sp[i] - '0');
        return len;
    }
    if (header_value(p, len, "Content-Length", num, sizeof num)) {
        const char *s = num;
        r->content_length = take_number(&s);
        r->content_length = *s ? -1 : r->content_length;
    }
    if (header_value(p, len, "Content-Range", range, sizeof range)) {
        if (r->content_ranges++ == 0) /* a second one is a lie the caller refuses */
            fdata_escape_controls(range, r->content_range, /* for messages */
                                  sizeof r->content_range);
        parse_content_range(range, r);
    }
    s3_checksum_from_header(&r->checksum, p, len);
    header_value(p, len, "ETag", r->info.etag, sizeof r->info.etag);
    header_value(p, len, "Last-Modified", r->info.last_modified, sizeof r->info.last_modified);
    header_value(p, len, "Content-Type", r->info.content_type, sizeof r->info.content_type);
    header_value(p, len, "x-amz-request-id", r->request_id, sizeof r->request_id);
    header_value(p, len, "x-amz-bucket-region", r->bucket_region, sizeof r->bucket_region);
    return len;
}

static struct curl_slist *append_header(struct curl_slist *l, const char *name, const char *value) {
    char line[4096];
    snprintf(line, sizeof line, "%s: %s", name, value);
    return curl_slist_append(l, line);
}

/* The headers of a request, SigV4-signed for `region` unless the client is anonymous. */
static int request_headers(fdata_s3_client *c, const struct request *q, const char *region,
                           const char *host, const char *path, struct curl_slist **out,
                           struct fdata_error *err) {
    struct curl_slist *h = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
    if (q->body)
        h = append_header(h, "Content-Type", "application/octet-stream");
    char range[64];
    if (q->if_match && h)
        h = append_header(h, "If-Match", q->if_match);
    if (q->range_len >= 0) {
        if (q->range_start < 0)
            snprintf(range, sizeof range, "bytes=%lld", (long long)q->range_start);
        else
            snprintf(range, sizeof range, "bytes=%lld-%lld", (long long)q->range_start,
                     (long long)(q->range_start + q->range_len - 1));
        h = append_header(h, "Range", range);
    }
    /* object reads ask for the stored checksum (S3 wants every x-amz-* header signed) */
    int checksum_mode = c->checksums && q->key && q->key[0] && !q->query &&
                        (strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0);
    if (checksum_mode)
        h = append_header(h, "x-amz-checksum-mode", "ENABLED");
    if (!c->cfg.no_sign) {
        char hash[65];
        s3_sha256_hex(q->body ? q->body : "", q->body_len, hash);
        struct s3_header hs[2] = {{"host", host}, {"x-amz-checksum-mode", "ENABLED"}};
        struct s3_sign_request sr = {q->method, path, q->query, hs, checksum_mode ? 2 : 1, hash, 1};
        struct s3_credentials cr;
        char *keys[3] = {NULL, NULL, NULL};
        struct s3_sign_options so = {.region = region, .service = "s3", .time = time(NULL)};
        struct s3_signed sig;
        int status = s3_current_credentials(c, &cr, keys, err);
        if (status == FDATA_OK)
            status = s3_sign_header(&sr, &cr, &so, &sig, err);
        if (status != FDATA_OK) {
            s3_free_credential_copies(keys);
            curl_slist_free_all(h);
            return status;
        }
        h = append_header(h, "x-amz-date", sig.amz_date);
        h = append_header(h, "x-amz-content-sha256", hash);
        if (cr.session_token)
            h = append_header(h, "x-amz-security-token", cr.session_token);
        h = append_header(h, "Authorization", sig.authorization);
        s3_signed_free(&sig);
        s3_free_credential_copies(keys);
    }
    *out = h;
    return h ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

void s3_setup_transfer(fdata_s3_client *c, CURL *h, const struct request *q, const char *url,
                       struct curl_slist *headers, struct response *r) {
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s3_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, s3_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_error);
    long left_ms = s3_deadline_left_ms(c);
    if (left_ms >= 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms > 0 ? left_ms : 1L);
    /* 2xx bodies: a listing page to its cap, an object's range to its length (0 asked: one
     * byte is too many), a whole object as it comes; any other answer (PUT, multipart,
     * credentials) is a short document */
    int object_get = strcmp(q->method, "GET") == 0 && q->key && q->key[0] && !q->query;
    r->body_cap = strcmp(q->op, "LIST") == 0 ? S3_LIST_BODY_CAP
                  : !object_get              ? S3_ERROR_BODY_CAP
                  : q->range_len >= 0        ? (size_t)q->range_len + (q->range_len == 0)
                                             : 0;
    /* through an HTTPS proxy, its "200 Connection established" is not the answer */
    curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    const char *host = strstr(url, "://"), *path = host ? strchr(host + 3, '/') : NULL;
    snprintf(r->endpoint, sizeof r->endpoint, "%.*s",
             (int)(path ? (size_t)(path - url) : strlen(url)), url);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* a stalled transfer fails... */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_seconds); /* ...and is retried */
    const char *ca = getenv("AWS_CA_BUNDLE");
    if (ca && *ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    /* The suites OpenSSL offers by default, AES-128-GCM first rather than AES-256-GCM: every
     * byte of an object is decrypted (and encrypted by the server), and the 10-round cipher
     * costs less (this VM, `openssl speed -evp`: 2.96 against 2.68 GB/s a core), at the
     * security level browsers settle for. */
    curl_easy_setopt(h, CURLOPT_TLS13_CIPHERS, S3_TLS13_SUITES);
    curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, S3_TLS12_CIPHERS);
    if (strcmp(q->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(q->method, "PUT") == 0 || strcmp(q->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else if (strcmp(q->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
}

int s3_abort_if_set(void *flag, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow) {
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return *(const volatile int *)flag != 0;
}

void s3_cancel_with(CURL *h, const volatile int *flag) {
    if (!flag)
        return;
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, s3_abort_if_set);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)flag);
}

/* Waits ms milliseconds, in short naps so that a cancellation is seen; 1 when cancelled. */
static int nap(const volatile int *cancel, unsigned ms) {
    for (unsigned slept = 0; slept < ms; slept += 20) {
        if (cancel && *cancel)
            return 1;
        usleep((ms - slept < 20 ? ms - slept : 20) * 1000u);
    }
    return cancel && *cancel;
}

int s3_retryable(long status, const struct s3_error_doc *e) {
    return status == 500 || status == 502 || status == 503 || status == 504 ||
           strcmp(e->code, "SlowDown") == 0 || strcmp(e->code, "RequestTimeout") == 0 ||
           strcmp(e->code, "InternalError") == 0;
}

/* Failures of the TLS handshake's checks: the same the next time, so never retried. */
static int tls_refused(CURLcode rc) {
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR ||
           rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_INVALIDCERTSTATUS;
}

int s3_transfer_retryable(fdata_s3_client *c, CURLcode rc) {
    return rc != CURLE_WRITE_ERROR && rc != CURLE_ABORTED_BY_CALLBACK && !tls_refused(rc) &&
           !s3_deadline_passed(c);
}

/* How to fix a refused certificate, from libcurl's detail. */
static const char *tls_hint(CURLcode rc, const char *detail) {
    if (!tls_refused(rc))
        return "";
    if (strstr(detail, "self-signed") || strstr(detail, "self signed") || strstr(detail, "issuer"))
        return " (a self-signed or private CA certificate: set AWS_CA_BUNDLE to the PEM file of "
               "the CA that signed it)";
    if (strstr(detail, "name"))
        return " (the certificate is for another host name: use the name it was issued for in "
               "the endpoint)";
    return " (set AWS_CA_BUNDLE to a PEM file of the CAs to trust)";
}

int s3_transfer_error(fdata_s3_client *c, const struct request *q, const struct response *r,
                      CURLcode rc, int attempts, struct fdata_error *err) {
    char detail[CURL_ERROR_SIZE * 4 + 16];
    fdata_escape_controls(r->curl_error[0] ? r->curl_error : curl_easy_strerror(rc), detail,
                          sizeof detail);
    if (r->body_over) {
        int shift = r->body_over >= (1u << 20) ? 20 : r->body_over >= (1u << 10) ? 10 : 0;
        return fdata_set_error(err, FDATA_EIO, "%s: %s failed: the answer's body passed %zu %s "
                               "(HTTP %ld from %s)", q->url, q->op, r->body_over >> shift,
                               shift == 20 ? "MiB" : shift == 10 ? "KiB" : "bytes", r->status,
                               r->endpoint);
    }
    if (s3_deadline_passed(c))
        return s3_deadline_error(c, q->url, q->op, err);
    return fdata_set_error(err, s3_transfer_code(rc),
                           "%s: %s via %s failed after %d attempt%s: %s%s",
                           q->url, q->op, r->endpoint, attempts, attempts == 1 ? "" : "s",
                           detail, tls_hint(rc, detail));
}

double s3_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long s3_deadline_left_ms(const fdata_s3_client *c) {
    if (c->timeout_seconds <= 0)
        return -1;
    double left = c->deadline - s3_now();
    return left > 0 ? (long)(left * 1000) + 1 : 0;
}

int s3_deadline_passed(const fdata_s3_client *c) { return s3_deadline_left_ms(c) == 0; }

int s3_deadline_error(const fdata_s3_client *c, const char *url, const char *op,
                      struct fdata_error *err) {
    return fdata_set_error(err, FDATA_ETIMEDOUT, "%s: %s stopped: the deadline of %g s (--timeout) "
                           "passed", url, op, c->timeout_seconds);
}

/* The error of a response that is not 2xx, with the S3 code, message and request id. */
int s3_http_error(const struct request *q, struct response *r, struct fdata_error *err) {
    struct s3_error_doc e;
    if (s3_parse_error(r->body.buf ? r->body.buf : "", r->body.len, &e) != 0)
        memset(&e, 0, sizeof e);
    const char *rid = e.request_id[0] ? e.request_id : r->request_id;
    if (!e.code[0]) /* HEAD responses and some proxies carry no S3 error document */
        snprintf(e.code, sizeof e.code, "%s",
                 r->status == 404 ? "NotFound (no such key or bucket)" :
                 r->status == 403 ? "Forbidden (check credentials, signature, permissions)" :
                 r->status == 400 ? "BadRequest" : "");
    if (r->status == 400 && !e.message[0]) /* a HEAD to a bucket elsewhere, on other servers */
        snprintf(e.message, sizeof e.message, "no error document; a region other than the "
                 "bucket's is a common cause (--region)");
    int code = r->status == 404 ? FDATA_ENOTFOUND : r->status == 403 ? FDATA_EACCES : FDATA_EIO;
    char request_id[160] = "";
    if (rid[0])
        snprintf(request_id, sizeof request_id, " (request id %s)", rid);
    char code_text[sizeof e.code * 4], message[sizeof e.message * 4], id[sizeof request_id * 4];
    fdata_escape_controls(e.code, code_text, sizeof code_text); /* the server's text, never raw */
    fdata_escape_controls(e.message, message, sizeof message);
    fdata_escape_controls(request_id, id, sizeof id);
    return fdata_set_error(err, code, "%s: %s failed: HTTP %ld%s%s%s%s%s", q->url, q->op,
                           r->status, code_text[0] ? " " : "", code_text, message[0] ? ": " : "",
                           message, id);
}

int s3_transfer_code(CURLcode rc) {
    return rc == CURLE_OPERATION_TIMEDOUT ? FDATA_ETIMEDOUT : FDATA_EIO;
}

unsigned s3_backoff_ms(unsigned *rng, int attempt) {
    /* full jitter: a random wait in [0, min(5 s, 100 ms * 2^attempt)) */
    unsigned cap = 100u << (attempt < 6 ? attempt : 6);
    cap = cap > 5000 ? 5000 : cap;
    *rng = *rng * 1103515245u + 12345u;
    return (*rng >> 8) % cap;
}

int s3_perform(fdata_s3_client *c, const struct request *q, struct response *r,
               struct fdata_error *err) {
    return s3_perform_on(c, c->curl, &c->rng, TRACE_LANE_MAIN, q, r, err);
}

int s3_request_target(fdata_s3_client *c, const struct request *q, const char *region,
                      char **url, struct curl_slist **headers, struct fdata_error *err) {
    char *base = NULL, *host = NULL, *path = NULL;
    *url = NULL;
    *headers = NULL;
    int status = s3_request_url(&c->cfg, region, q->bucket, q->key, &base, &host, &path);
    if (status == FDATA_OK && q->query && *q->query) {
        if ((*url = malloc(strlen(base) + strlen(q->query) + 2)))
            sprintf(*url, "%s?%s", base, q->query);
    } else if (status == FDATA_OK) {
        *url = base;
        base = NULL;
    }
    status = *url ? request_headers(c, q, region, host, path, headers, err)
                  : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status != FDATA_OK) {
        free(*url);
        *url = NULL;
    }
    free(base), free(host), free(path);
    return status;
}

/* One attempt at a request, signed for `region`: FDATA_OK with *rc the transfer's outcome
 * and r filled, or an error before anything was sent. */
static int attempt_once(fdata_s3_client *c, CURL *curl, const struct request *q,
                        const char *region, struct response *r, CURLcode *rc,
                        struct fdata_error *err) {
    char *url;
    struct curl_slist *headers;
    FDATA_RETURN_IF(s3_request_target(c, q, region, &url, &headers, err));
    s3_response_reset(r);
    s3_setup_transfer(c, curl, q, url, headers, r);
    s3_cancel_with(curl, c->cancel);
    *rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(headers);
    free(url);
    return FDATA_OK;
}

/* One attempt's span on the request's lane (fastdata/trace.h): bytes sent for a body,
 * else received. */
static void trace_attempt(fdata_s3_client *c, int lane, const struct request *q,
                          const struct response *r, int64_t start, CURLcode rc, int attempt) {
    char key[80];
    fdata_trace_span(c->trace, lane ? lane : TRACE_LANE_MAIN, "request", q->op, start,
                     fdata_trace_now(c->trace), "\"key\": \"%s\", \"bytes\": %lld, \"status\": %ld, "
                     "\"attempt\": %d, \"result\": \"%s\"",
                     fdata_trace_quote(q->key ? q->key : "", key, sizeof key),
                     (long long)(q->body ? q->body_len : r->body.len), r->status, attempt + 1,
                     curl_easy_strerror(rc));
}

/* A retry's cause, when it is decided (before the backoff). */
static void trace_retry(fdata_s3_client *c, int lane, const struct response *r, CURLcode rc,
                        const struct s3_error_doc *e) {
    char cause[96], quoted[200];
    if (rc != CURLE_OK)
        snprintf(cause, sizeof cause, "%s", curl_easy_strerror(rc));
    else
        snprintf(cause, sizeof cause, "HTTP %ld %s", r->status, e->code);
    fdata_trace_instant(c->trace, lane ? lane : TRACE_LANE_MAIN, "request", "retry",
                        fdata_trace_now(c->trace), "\"cause\": \"%s\"",
                        fdata_trace_quote(cause, quoted, sizeof quoted));
}

int s3_perform_on(fdata_s3_client *c, CURL *curl, unsigned *rng, int lane,
                  const struct request *q, struct response *r, struct fdata_error *err) {
    int status = FDATA_OK, redirected = 0;
    for (int attempt = 0; status == FDATA_OK; attempt++) {
        char region[S3_REGION_SIZE];
        CURLcode rc = CURLE_OK;
        s3_bucket_region(c, q->bucket, region);
        int64_t start = c->trace ? fdata_trace_now(c->trace) : 0;
        if ((status = attempt_once(c, curl, q, region, r, &rc, err)) != FDATA_OK)
            break;
        if (c->trace)
            trace_attempt(c, lane, q, r, start, rc, attempt);
        struct s3_error_doc e = {0};
        if (rc == CURLE_OK && r->status >= 200 && r->status < 300)
            break;
        if (rc == CURLE_OK)
            s3_parse_error(r->body.buf ? r->body.buf : "", r->body.len, &e);
        if (rc == CURLE_OK && !redirected && s3_learn_region(c, q->bucket, region, r, &e)) {
            redirected = 1;
            attempt--; /* the bucket's region, not a fault: again at once, not counted */
            continue;
        }
        int again = rc != CURLE_OK ? s3_transfer_retryable(c, rc)
                                   : s3_retryable(r->status, &e) && !s3_deadline_passed(c);
        if (again && attempt < c->retries && c->trace)
            trace_retry(c, lane, r, rc, &e);
        if (rc == CURLE_ABORTED_BY_CALLBACK || (again && attempt < c->retries &&
                                                nap(c->cancel, s3_backoff_ms(rng, attempt)))) {
            status = fdata_set_error(err, FDATA_ECANCELED, "%s: %s cancelled", q->url, q->op);
            break;
        }
        if (again && attempt < c->retries)
            continue;
        if (rc != CURLE_OK || s3_deadline_passed(c))
            status = s3_transfer_error(c, q, r, rc, attempt + 1, err);
        else
            status = s3_http_error(q, r, err);
    }
    return status;
}
