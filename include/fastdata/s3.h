/*
 * fastdata/s3.h - an S3 client: signed (SigV4) or anonymous requests to AWS S3 or any
 * S3-compatible endpoint (MinIO, Ceph, R2, Swift s3api), objects read into memory.
 *
 * Configuration follows the AWS SDKs: options first, then AWS_REGION / AWS_DEFAULT_REGION,
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, then the profile (AWS_PROFILE, default "default") of
 * ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), then
 * web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, via STS), container credentials
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI) and last EC2 instance metadata
 * (IMDSv2; AWS_EC2_METADATA_SERVICE_ENDPOINT, skipped when AWS_EC2_METADATA_DISABLED=true).
 * Keys from those providers are refreshed before they expire; instance metadata is asked
 * once per process, whatever the number of clients and requests.
 * AWS endpoints use virtual-hosted style, custom endpoints path style, unless told
 * otherwise.  TLS peers are verified (AWS_CA_BUNDLE names a CA file).  Secrets never appear
 * in any message.
 *
 * Single operations make one request at a time on the client's connection;
 * fdata_s3_get_many runs many in parallel.  Requests are retried (exponential backoff, full
 * jitter) on 500/502/503/504, SlowDown, RequestTimeout, InternalError and transport failures.  Errors name
 * the object's URL, the operation, the HTTP status, the S3 error code and message and the
 * request id: FDATA_ENOTFOUND for a missing key or bucket, FDATA_EINVAL for a bad URL or
 * option, FDATA_EIO for everything else (denied, server errors after retries, transport).
 *
 * Thread safety: a client is used by one thread at a time; use one client per thread.
 */
#ifndef FASTDATA_S3_H
#define FASTDATA_S3_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"
#include "fastdata/runtime.h"
#include "fastdata/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fdata_s3_client fdata_s3_client;

/* Zero-initialise; every field is optional (NULL / 0 = default). */
struct fdata_s3_options {
    const char *region;          /* default: environment, profile, then us-east-1 */
    const char *endpoint;        /* "http://127.0.0.1:8080"; default: AWS */
    const char *profile;
    const char *access_key, *secret_key, *session_token;
    int path_style;              /* 1 path style, -1 virtual-hosted, 0 = by endpoint */
    int no_sign;                 /* anonymous requests, for public buckets */
    int retries;                 /* attempts after the first; 0 = 4, negative = none */
    int stall_seconds;           /* a transfer below 1 KiB/s for this long is retried; 0 = 30 */
    /* > 0: a deadline for everything the client does, counted from its creation (a CLI
     * command's client lives as long as the command): requests, retries and downloads under
     * way stop when it passes, with FDATA_ECANCELED and a message saying so.  0 = none. */
    double timeout_seconds;
    size_t multipart_threshold;  /* fdata_s3_put uses a multipart upload above this size;
                                    0 = 64 MiB */
    size_t upload_part_size;     /* multipart part size; 0 = 8 MiB (S3's minimum is 5 MiB) */
    int upload_threads;          /* parts uploaded in parallel; 0 = 4 */
    int no_checksums;            /* 1: do not ask for whole-object checksums
                                    (x-amz-checksum-mode) nor verify them */
    /* The download throughput that fdata_s3_get_many sizes its connections for when the call
     * does not set them: one connection per 0.625 Gbit/s (about what one S3 connection
     * delivers, 80 MB/s), 1 to 1024.  0 = the profile's `s3 = target_bandwidth` setting in
     * the config file (as the AWS CLI writes it: "10Gb/s", "200MB/s", bytes per second),
     * else 10 Gbit/s, i.e. 16 connections.  A machine with a 100 Gbit/s NIC wants 100. */
    double target_gbit_s;
    /* Optional: once *cancel is non-zero, the client's one-request calls (stat, get, put,
     * listing, ...) stop within about a second, a transfer under way included, with
     * FDATA_ECANCELED (fdata_s3_get_many has its own flag in its options). */
    const volatile int *cancel;
    /* Optional (fastdata/trace.h): fdata_s3_get_many records each request, retry and part
     * of this client, the bytes in flight and its budget's bytes held.  The trace must
     * outlive the client's calls. */
    fdata_trace *trace;
    /* Optional (fastdata/runtime.h): whose workers run fdata_s3_get_many's event loops and
     * multipart uploads' parts; NULL = the default runtime.  Must outlive the client. */
    fdata_runtime *runtime;
};

/* Makes a client.  FDATA_ENOTFOUND when signing is on and no credentials are found (the
 * message says where it looked), FDATA_EINVAL for a bad endpoint or target throughput (the
 * option or the profile's, named), FDATA_ENOMEM. */
FDATA_API int fdata_s3_client_new(const struct fdata_s3_options *opts, fdata_s3_client **out,
                                  struct fdata_error *err);
/* Frees a client; NULL is a no-op. */
FDATA_API void fdata_s3_client_free(fdata_s3_client *client);

struct fdata_s3_object_info {
    int64_t size;
    char etag[128];
    char last_modified[64];      /* as the server sent it */
    char content_type[128];
};

/* HEAD s3://bucket/key. */
FDATA_API int fdata_s3_stat(fdata_s3_client *client, const char *url,
                            struct fdata_s3_object_info *out, struct fdata_error *err);

/*
 * GET s3://bucket/key into memory: the whole object when length < 0, else the bytes
 * [offset, offset + length) (fewer when the object ends first).  On success *data is a
 * malloc'ed buffer of *size bytes owned by the caller (free()); the size is checked against
 * Content-Length, so a truncated body is an error, never a short result.  A ranged answer is
 * checked like fdata_s3_get_many's (one Content-Range, for the bytes asked) and its body is
 * read up to `length` bytes at most: a longer one (a server ignoring Range) is an error.
 */
FDATA_API int fdata_s3_get(fdata_s3_client *client, const char *url, int64_t offset,
                           int64_t length, void **data, size_t *size, struct fdata_error *err);

/*
 * A memory budget: the bytes of downloaded objects held at once, from the moment a download
 * starts until its consumer gives them back with fdata_s3_budget_release.  Downloads wait
 * while the budget is spent, except that one object always may start when nothing is held
 * (so an object larger than the limit still arrives, when alone, in ranged parts); an
 * answer claiming more than the limit otherwise fails the object (a 200 ignoring the Range,
 * or while other objects are held): the size is the server's claim, never forced in.  Thread-safe: downloads and consumers
 * share one budget from any threads.
 */
typedef struct fdata_s3_budget fdata_s3_budget;
/* NULL when out of memory; limit 0 means no limit (the budget then only counts). */
FDATA_API fdata_s3_budget *fdata_s3_budget_new(size_t limit);
/* Counts `bytes` the caller holds already (downloaded before the budget existed) as held,
 * whatever the limit, until it gives them back with fdata_s3_budget_release. */
FDATA_API void fdata_s3_budget_hold(fdata_s3_budget *b, size_t bytes);
FDATA_API void fdata_s3_budget_release(fdata_s3_budget *b, size_t bytes);
/* Bytes held now, and the most ever held at once. */
FDATA_API size_t fdata_s3_budget_held(const fdata_s3_budget *b);
FDATA_API size_t fdata_s3_budget_peak(const fdata_s3_budget *b);
/* Frees the budget (after every download and consumer is done with it); NULL is a no-op. */
FDATA_API void fdata_s3_budget_free(fdata_s3_budget *b);

struct fdata_s3_get_result;

/* A part of an object for fdata_s3_get_many, instead of the whole object. */
struct fdata_s3_range {
    int64_t offset;              /* >= 0: the bytes [offset, offset + length); < 0: the last
                                    -offset bytes (fewer if the object is smaller; at most
                                    part_size) */
    int64_t length;              /* with offset >= 0: the exact length; the object must hold
                                    it (a shorter answer is an error, not a short result) */
    const char *etag;            /* or NULL: If-Match on every request, so that ranges of one
                                    object taken at different times come from one version */
    void *dest;                  /* or NULL: write the bytes here (length bytes) instead of a
                                    new buffer; result->data then points at dest */
};

/* The bytes of one ranged GET when fdata_s3_get_options.part_size is 0. */
#define FDATA_S3_PART_SIZE_DEFAULT ((size_t)8 << 20)

/* Options of fdata_s3_get_many; zero-initialise (0 = default). */
struct fdata_s3_get_options {
    int connections;             /* concurrent requests in all; 0 = sized from the client's
                                    target_gbit_s (16 by default) */
    size_t part_size;            /* bytes per ranged GET; 0 = FDATA_S3_PART_SIZE_DEFAULT */
    int threads;                 /* event loops, each on its own thread with its share of the
                                    objects and connections; 0 = one per core */
    /* Streaming delivery: each object is handed to on_object as soon as it has arrived (or
     * failed), on one of the download threads, in no particular order; `index` is its
     * position in urls.  The callback owns result->data from then on (it may keep the
     * pointer past the call; fdata_s3_data_free releases it) and must not block for long. */
    void (*on_object)(void *ctx, size_t index, struct fdata_s3_get_result *result);
    void *ctx;
    /* With on_object only: the budget that bounds the bytes of objects started and not yet
     * released; the consumer calls fdata_s3_budget_release(budget, result->size) when it has
     * freed an object's bytes (failed objects are released here).  NULL: no bound. */
    fdata_s3_budget *budget;
    /* Optional: sizes[i] is the size of object i if known (from a listing), else -1; with it
     * the budget is exact, without it an object reserves part_size until its first part
     * reveals the size. */
    const int64_t *sizes;
    /* Optional: ranges[i] says which bytes of object i to get (whole objects when NULL). */
    const struct fdata_s3_range *ranges;
    /* Optional: called on a download thread when object `index` starts (under a budget: once
     * its bytes are reserved), before its first request; with ranges[].dest the caller may
     * prepare that memory then (the load pipeline moves pages it has done with into it).
     * Must not block for long. */
    void (*on_start)(void *ctx, size_t index);
    /* Cancellation: once *cancel is non-zero no further request starts, transfers under
     * way stop within about a second (a stalled one too), and every object not yet complete
     * fails with FDATA_ECANCELED. */
    const volatile int *cancel;
};

/* One object of fdata_s3_get_many. */
struct fdata_s3_get_result {
    const char *url;             /* the caller's string */
    void *data;                  /* the bytes, owned by the caller: fdata_s3_data_free (not
                                    free()) releases them, unless they are a range's dest;
                                    NULL on failure, and in `results` once on_object has
                                    taken them */
    size_t size;
    int64_t offset;              /* where the bytes start in the object (ranges) */
    int64_t object_size;         /* the whole object's size, -1 when not known */
    char etag[128];
    int status;                  /* FDATA_OK or this object's error code */
    char error[FDATA_ERROR_MESSAGE_SIZE];
    int requests;                /* the GET requests sent for it, retries included */
};

/*
 * GETs `n` objects into memory in parallel over one connection pool: each object's first
 * ranged GET reveals its size, the object's buffer is allocated once and every part is
 * written straight into it; large objects are split into part_size ranges pinned to the
 * object's ETag (If-Match: a changed object fails, it never mixes versions).  Objects start
 * in order as connections free up, the parts of started ones first, so they complete one
 * after another (with on_object, about a connection's worth are held at once even without a
 * budget).  Parts are retried with backoff on throttling, server errors, resets, stalls and
 * short bodies.
 * results[0..n) are filled for every object, failed or not (free the data with
 * fdata_s3_get_results_free, or each object's with fdata_s3_data_free).  Returns FDATA_OK
 * when all arrived, else the code of the first failed object, whose message goes to err;
 * FDATA_EINVAL for a budget without on_object (objects kept until the call returns could
 * never be given back).
 */
FDATA_API int fdata_s3_get_many(fdata_s3_client *client, const char *const *urls, size_t n,
                                const struct fdata_s3_get_options *opts,
                                struct fdata_s3_get_result *results, struct fdata_error *err);
FDATA_API void fdata_s3_get_results_free(struct fdata_s3_get_result *results, size_t n);
/* Releases one object's bytes from fdata_s3_get_many (NULL: no-op), from any thread.  Their
 * pages stay with the client's runtime for the next objects to arrive (the page cache it
 * shares with the decoder's buffers, see fastdata/runtime.h; or they go back to the runtime's
 * allocator), so a consumer that
 * releases objects while others arrive, or downloads again soon after, gets memory already
 * in use instead of fresh pages the kernel must zero and map one by one. */
FDATA_API void fdata_s3_data_free(void *data);

/* PUT `size` bytes at `data` as s3://bucket/key: one signed request, or above the client's
 * multipart threshold a multipart upload (create, parts in parallel, complete; aborted on
 * failure so no parts are left behind). */
FDATA_API int fdata_s3_put(fdata_s3_client *client, const char *url, const void *data,
                           size_t size, struct fdata_error *err);

/*
 * A streamed upload of s3://bucket/key, for writers that produce a file piece by piece:
 * bytes given to fdata_s3_upload_write are sent as multipart-upload parts of the client's
 * upload_part_size as soon as a part is full, so at most one part is held; an object smaller
 * than a part becomes one PUT at finish.  fdata_s3_upload_finish completes the upload (the
 * object appears only then, whole) and frees it; on any failure, and by
 * fdata_s3_upload_abort, the upload is aborted so no parts are left behind.  One upload is
 * driven by one thread, on the client's connection.
 */
typedef struct fdata_s3_upload fdata_s3_upload;
FDATA_API int fdata_s3_upload_new(fdata_s3_client *client, const char *url,
                                  fdata_s3_upload **out, struct fdata_error *err);
FDATA_API int fdata_s3_upload_write(fdata_s3_upload *upload, const void *data, size_t size,
                                    struct fdata_error *err);
FDATA_API int fdata_s3_upload_finish(fdata_s3_upload *upload, struct fdata_error *err);
FDATA_API void fdata_s3_upload_abort(fdata_s3_upload *upload);

/* DELETE s3://bucket/key. */
FDATA_API int fdata_s3_delete(fdata_s3_client *client, const char *url, struct fdata_error *err);

struct fdata_s3_entry {
    char *key;                   /* full key, or a common prefix ending in '/' */
    int is_prefix;               /* 1 for a common prefix (non-recursive listing) */
    int64_t size;
    char *etag;
    char *last_modified;
};

struct fdata_s3_listing {
    struct fdata_s3_entry *entries;
    size_t count;
};

/* ListObjectsV2 of s3://bucket/prefix, every page: all keys below the prefix when
 * `recursive`, else one level (sub-"directories" as prefixes).  Free with
 * fdata_s3_listing_free. */
FDATA_API int fdata_s3_list(fdata_s3_client *client, const char *url, int recursive,
                            struct fdata_s3_listing *out, struct fdata_error *err);
/* The same, with on_page called on the calling thread after each page is in and checked:
 * `so_far` is the listing until now, its entries [from, so_far->count) the page's (S3 lists
 * keys in UTF-8 binary order, page after page).  A return other than FDATA_OK stops the
 * listing with that status (err as on_page set it); *out is then freed.  on_page may not
 * keep pointers into so_far past the call, nor use `client`. */
FDATA_API int fdata_s3_list_pages(fdata_s3_client *client, const char *url, int recursive,
                                  int (*on_page)(void *ctx, const struct fdata_s3_listing *so_far,
                                                 size_t from, struct fdata_error *err),
                                  void *ctx, struct fdata_s3_listing *out,
                                  struct fdata_error *err);
FDATA_API void fdata_s3_listing_free(struct fdata_s3_listing *listing);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_S3_H */
