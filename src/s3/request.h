/* One S3 request: what it is, what came back, and the machinery shared by the blocking
 * client and the parallel downloader (signing, transfer set-up, errors, retries). */
#ifndef FDATA_S3_REQUEST_H
#define FDATA_S3_REQUEST_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "fastdata/s3.h"
#include "../common/strbuf.h"
#include "checksum.h"
#include "config.h"
#include "xml.h"

#define S3_REGION_SIZE 32
/* The largest error document read (S3's are under 1 KiB), and the largest 2xx body of a
 * request that is not an object GET or a listing (PUT, multipart, credentials); a longer one
 * fails the request. */
#define S3_ERROR_BODY_CAP ((size_t)64 << 10)
/* The largest listing page read (1000 keys of 1 KiB, with their XML, are under 4 MiB). */
#define S3_LIST_BODY_CAP ((size_t)32 << 20)
#define S3_REGIONS_KEPT 16
/* TLS suites offered, in order of preference (s3_setup_transfer says why this order): TLS
 * 1.3's three, and for TLS 1.2 OpenSSL's default list with the AES-128-GCM ones moved first. */
#define S3_TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define S3_TLS12_CIPHERS "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:DEFAULT"

/* A bucket whose region differs from the client's, as a redirect said. */
struct s3_bucket_region {
    char bucket[64];
    char region[S3_REGION_SIZE];
};

struct fdata_s3_client {
    struct s3_config cfg;
    CURL *curl;
    int retries;
    long stall_seconds;
    unsigned rng;
    size_t multipart_threshold, upload_part_size;
    int upload_threads;
    int connections;             /* get_many's default: sized from cfg.target_gbit_s */
    int checksums;               /* ask for (x-amz-checksum-mode) and verify checksums */
    const volatile int *cancel;  /* the caller's, or NULL */
    fdata_trace *trace;          /* the caller's, or NULL */
    struct fdata_runtime *runtime; /* the caller's, or NULL (the default) */
    double timeout_seconds;      /* > 0: the deadline of every call, counted from creation */
    double deadline;             /* s3_now() + timeout_seconds */
    pthread_mutex_t lock;        /* guards refreshing credentials */
    time_t expires;              /* provider credentials: when they expire */
    pthread_mutex_t region_lock; /* guards regions */
    struct s3_bucket_region regions[S3_REGIONS_KEPT]; /* learned from redirects (region.c) */
    unsigned regions_learned;    /* beyond S3_REGIONS_KEPT the oldest entry is replaced */
};

struct request {
    const char *op;              /* "GET", "HEAD", ... for messages */
    const char *method;
    const char *url;             /* the s3:// URL, for messages */
    const char *bucket, *key, *query;
    const void *body;
    size_t body_len;
    int64_t range_start, range_len; /* range_len < 0: no Range header; range_start < 0: the
                                       last -range_start bytes */
    const char *if_match;        /* pins the object version (parts of one object), or NULL */
};

struct response {
    long status;
    struct fdata_strbuf body;
    int64_t content_length;      /* -1 when absent */
    int64_t object_size;         /* the total of Content-Range ("bytes a-b/total"), or -1 */
    int64_t range_first, range_last; /* its bytes a and b, or -1 */
    int content_ranges;          /* Content-Range headers seen (more than one: a lie) */
    int range_bad;               /* a Content-Range that is not "bytes a-b/total" with a <= b */
    char content_range[96];      /* the first one's text, control characters escaped */
    struct s3_checksum checksum; /* a whole-object checksum the server sent, if any */
    struct fdata_s3_object_info info;
    char request_id[128];
    char bucket_region[S3_REGION_SIZE]; /* x-amz-bucket-region: where a redirect points */
    size_t body_cap;             /* the largest 2xx body kept, 0: none (s3_setup_transfer) */
    size_t body_over;            /* the cap a body passed (the transfer then stopped), or 0 */
    char endpoint[256];          /* scheme://host:port of the transfer, for messages */
    char curl_error[CURL_ERROR_SIZE]; /* libcurl's detail of a failed transfer */
};

/* The region requests for `bucket` go to: the one a redirect reported for it, else the
 * client's (bucket NULL: the client's).  Thread-safe. */
void s3_bucket_region(fdata_s3_client *c, const char *bucket, char region[S3_REGION_SIZE]);
/* After a failed response to a request for `bucket` signed for region `used`: 1 when the
 * response names another region for the bucket (a 301 PermanentRedirect, a 307, or a 400
 * AuthorizationHeaderMalformed, through x-amz-bucket-region or the error's <Region>), which
 * is then kept for the bucket's next requests; the caller retries at once.  Else 0. */
int s3_learn_region(fdata_s3_client *c, const char *bucket, const char *used,
                    const struct response *r, const struct s3_error_doc *e);

/* Resets a response before a transfer (sizes unknown, no body). */
void s3_response_reset(struct response *r);
/* libcurl callbacks filling a struct response (body into r->body).  The header callback
 * also takes the status line (libcurl passes it first), which resets the response: headers
 * of a 1xx or redirect answer never mix with the final one's.  Numbers are parsed strictly
 * (digits only, at most 18): a malformed one reads as absent (-1). */
size_t s3_on_body(char *p, size_t size, size_t n, void *ud);
size_t s3_on_header(char *p, size_t size, size_t n, void *ud);

/* The URL of a request to q's bucket in `region` (q->query appended) and its headers,
 * SigV4-signed for that region unless the client is anonymous; the caller frees both.  On
 * failure both are NULL. */
int s3_request_target(fdata_s3_client *c, const struct request *q, const char *region,
                      char **url, struct curl_slist **headers, struct fdata_error *err);
/* Resets `h` and sets it up for the request (callbacks filling `r`). */
void s3_setup_transfer(fdata_s3_client *c, CURL *h, const struct request *q, const char *url,
                       struct curl_slist *headers, struct response *r);
/* libcurl's progress callback for a transfer that stops once *flag (its user data, a
 * `const volatile int *`) is non-zero: asked about once a second, and as bytes move. */
int s3_abort_if_set(void *flag, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow);
/* Makes a transfer stop when *flag becomes non-zero (flag NULL: no effect). */
void s3_cancel_with(CURL *h, const volatile int *flag);
/* Whether a failed response is worth another attempt. */
int s3_retryable(long status, const struct s3_error_doc *e);
/* Whether a failed transfer is: not our refusal of its body, a cancellation, a TLS
 * certificate or host-name check (the same next time), nor past the deadline. */
int s3_transfer_retryable(fdata_s3_client *c, CURLcode rc);
/* The error of a failed transfer after `attempts`: the endpoint, libcurl's detail and, for
 * TLS checks, how to fix them; a body over its cap, the deadline, as such. */
int s3_transfer_error(fdata_s3_client *c, const struct request *q, const struct response *r,
                      CURLcode rc, int attempts, struct fdata_error *err);
/* Monotonic seconds; the milliseconds left before the client's deadline (-1: none, 0:
 * passed), and whether it passed. */
double s3_now(void);
long s3_deadline_left_ms(const fdata_s3_client *c);
int s3_deadline_passed(const fdata_s3_client *c);
/* The error of a request `op` on `url` stopped by the deadline. */
int s3_deadline_error(const fdata_s3_client *c, const char *url, const char *op,
                      struct fdata_error *err);
/* The error of a non-2xx response: URL, operation, status, S3 code, message, request id. */
int s3_http_error(const struct request *q, struct response *r, struct fdata_error *err);
/* The code of a transfer that failed in libcurl: FDATA_ETIMEDOUT when it timed out (a stall
 * below the low-speed limit included), else FDATA_EIO. */
int s3_transfer_code(CURLcode rc);
/* Milliseconds to wait before retry `attempt` (full jitter, capped at 5 s); `rng` is the
 * caller's random state (one per thread). */
unsigned s3_backoff_ms(unsigned *rng, int attempt);
/* Runs a request on the client's handle, with retries; r->body holds the body. */
int s3_perform(fdata_s3_client *c, const struct request *q, struct response *r,
               struct fdata_error *err);
/* The same on another thread's handle and random state (the client's config is shared
 * read-only), traced on `lane` (src/common/trace.h; 0 = the caller's). */
int s3_perform_on(fdata_s3_client *c, CURL *curl, unsigned *rng, int lane,
                  const struct request *q, struct response *r, struct fdata_error *err);

/* A multipart upload of size bytes in part_size parts on `threads` threads; aborted on
 * failure. */
int s3_multipart_put(fdata_s3_client *c, const char *url, const char *bucket, const char *key,
                     const void *data, size_t size, size_t part_size, int threads,
                     struct fdata_error *err);

/* Whether the client's keys come from a provider and expire (web identity, container,
 * instance metadata). */
int s3_credentials_expire(const fdata_s3_client *c);
/* (Re)fetches the client's keys from their provider. */
int s3_refresh_credentials(fdata_s3_client *c, struct fdata_error *err);
/* The keys to sign with now (refreshed when close to expiry), as copies[0..3) that the
 * caller frees with s3_free_credential_copies. */
struct s3_credentials;
int s3_current_credentials(fdata_s3_client *c, struct s3_credentials *out, char **copies,
                           struct fdata_error *err);
void s3_free_credential_copies(char **copies);

#endif
