/* One part of a download and its answer, apart from the transfers that carry it (get_many.c):
 * what each part may believe at each step of its life, and the checks that decide it.  No
 * socket here, so that fuzz/fuzz_http_response.c drives it with made-up answers. */
#ifndef FDATA_S3_PART_H
#define FDATA_S3_PART_H

#include <stdatomic.h>
#include <stdint.h>
#include "request.h"

struct fdata_memory;

struct object {
    struct s3_location loc;
    const char *url;
    size_t index;               /* in the caller's urls */
    uint8_t *data;
    uint8_t *dest;              /* the caller's buffer for the bytes, or NULL */
    int64_t base;               /* the object's byte where data starts (ranges) */
    int64_t suffix;             /* > 0: the last `suffix` bytes, base found by the answer */
    int64_t size;               /* bytes wanted; -1 until the first part answers */
    int64_t object_size;        /* the whole object's, once an answer says; else -1 */
    size_t reserved;            /* bytes taken from the budget for this object */
    char etag[128];
    struct s3_checksum checksum; /* the whole object's, from any part's headers */
    int parts_left;
    int failed;
    int delivered;              /* handed to on_object */
    int requests;               /* GETs sent for it, retries included */
};

/* What a part may believe, as its answer arrives (curl's multi does the same with mstate()):
 * every move goes through s3_part_set_state, which knows the legal ones. */
enum part_state {
    PART_QUEUED,    /* waiting for a connection or its back-off: believes nothing */
    PART_SENT,      /* request under way, headers arriving: believes nothing yet */
    PART_BODY,      /* a 2xx whose headers agreed with the object's: may place the bytes
                       [offset, offset + expect) of the object, no others */
    PART_ERROR_DOC, /* a 3xx-5xx: its body is an error document, kept (capped) for the message */
    PART_REFUSED,   /* the answer contradicted the object's (p->refusal): the object fails */
    PART_DONE,      /* every byte it asked for is in */
    PART_STATES
};

struct part {
    enum part_state state;
    struct downloader *d;
    struct object *obj;
    int64_t offset, len;        /* len < part size only for the last part */
    int64_t written;
    int64_t expect;             /* the body bytes its checked answer carries */
    struct fdata_error refusal; /* an answer that contradicts the object's: not retried */
    int attempt;
    int redirected;             /* sent again to the bucket's region once already */
    char region[S3_REGION_SIZE]; /* the region of its request under way */
    double not_before;          /* monotonic seconds: retry back-off */
    int64_t born, queued, sent; /* traced (microseconds of the trace): made, last queued,
                                   request started */
    int lane;                   /* traced: its connection's slot while under way */
    CURL *easy;
    struct curl_slist *headers;
    struct response resp;
    char *url;
};

struct downloader {
    fdata_s3_client *c;          /* shared read-only by the downloaders of one call */
    struct fdata_memory *memory; /* the client's runtime's, where object buffers come from */
    unsigned rng;
    CURLM *multi;
    struct object *objects;
    size_t num_objects, admitted; /* objects[0..admitted) have started */
    const struct fdata_s3_get_options *opts;
    struct part **queue;        /* parts waiting to start */
    size_t queued, queue_cap;
    size_t part_size;
    int connections, active;
    struct fdata_error *errors; /* one per object */
    struct fdata_s3_get_result *results; /* the caller's, indexed by object index */
    atomic_size_t *next_admit;  /* shared by the call's downloaders: the next object to start */
    int group;                  /* which of the call's downloaders (trace lanes) */
    CURLM *const *multis;       /* [groups]: every downloader's multi handle (the call's), so
                                   that one admitting an object wakes the next one's turn */
    int groups;
    unsigned char *lane_busy;   /* traced: [connections], the slots under way */
};

/* Moves p to `to`; a move the life cycle does not have is a bug (assert). */
void s3_part_set_state(struct part *p, enum part_state to);
/* The object's size is known, from an answer of `status`: its reservation becomes exactly
 * that; a size over the budget's limit is refused from a 200, and from a 206 unless the
 * object is alone in the budget (e names the object and both sizes). */
int s3_object_set_size(struct downloader *d, struct object *o, int64_t size, long status,
                       struct fdata_error *e);
/* The object's buffer, made at its first byte (see part.c for which are populated). */
uint8_t *s3_object_buffer(struct downloader *d, struct object *o);
/* libcurl's header and write callbacks of a part (user data: the part).  At the end of the
 * headers a 2xx answer is checked against the object's earlier answers (PART_BODY, or
 * PART_REFUSED and 0, which stops the transfer); body bytes are placed only in PART_BODY. */
size_t s3_part_header(char *line, size_t size, size_t n, void *ud);
size_t s3_part_body(char *buf, size_t size, size_t n, void *ud);

#endif
