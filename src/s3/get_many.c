/* Many objects into memory at once, over libcurl's multi interface: every object's first
 * part (a ranged GET) reveals its size and ETag through Content-Range (every later answer
 * is checked against it in part.c, which also holds a part's life cycle); the object's
 * buffer is then allocated once and every part, the first included, is written straight
 * into it.
 * The other parts are pinned to that ETag with If-Match, so an object replaced meanwhile
 * fails instead of mixing versions.  Parts are retried with backoff; a retried part resumes
 * after the bytes it already received.  Objects start as the memory budget allows, and
 * with on_object each is handed over the moment its last part is in. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include "../common/common.h"
#include "../memory/memory.h"
#include "../common/trace.h"
#include "budget.h"
#include "part.h"
#include "request.h"

static int enqueue(struct downloader *d, struct part *p) {
    if (d->queued == d->queue_cap) {
        size_t cap = d->queue_cap ? 2 * d->queue_cap : 64;
        struct part **q = realloc(d->queue, cap * sizeof *q);
        if (!q)
            return FDATA_ENOMEM;
        d->queue = q;
        d->queue_cap = cap;
    }
    d->queue[d->queued++] = p;
    p->queued = d->c->trace ? fdata_trace_now(d->c->trace) : 0;
    return FDATA_OK;
}

/* ---- the trace (fastdata/trace.h): each call does nothing when the client has none ---- */

/* A part's request starts on a free connection slot: its lane. */
static void trace_sent(struct downloader *d, struct part *p) {
    fdata_trace *t = d->c->trace;
    if (!t)
        return;
    int s = 0;
    while (s < d->connections - 1 && d->lane_busy[s])
        s++;
    d->lane_busy[s] = 1;
    p->lane = TRACE_LANE_CONNECTION + d->group * 1024 + s;
    p->sent = fdata_trace_now(t);
    fdata_trace_in_flight(t, p->len);
}

/* A request's end: its span on its connection's lane, with libcurl's phases inside it
 * (times since the transfer began; a reused connection has no connect nor TLS). */
static void trace_request(struct downloader *d, struct part *p, CURLcode rc, long status) {
    static const CURLINFO phase[] = {CURLINFO_CONNECT_TIME_T, CURLINFO_APPCONNECT_TIME_T,
                                     CURLINFO_PRETRANSFER_TIME_T, CURLINFO_STARTTRANSFER_TIME_T,
                                     CURLINFO_TOTAL_TIME_T};
    fdata_trace *t = d->c->trace;
    if (!t)
        return;
    int64_t end = fdata_trace_now(t), at[5];
    for (int i = 0; i < 5; i++) {
        curl_off_t us = 0;
        curl_easy_getinfo(p->easy, phase[i], &us);
        at[i] = us > 0 && p->sent + us < end ? p->sent + us : us > 0 ? end : p->sent;
    }
    char key[80];
    fdata_trace_span(t, p->lane, "request", "GET", p->sent, end,
                     "\"key\": \"%s\", \"offset\": %lld, \"bytes\": %lld, \"status\": %ld, "
                     "\"attempt\": %d, \"queued_us\": %lld, \"result\": \"%s\"",
                     fdata_trace_quote(p->obj->loc.key ? p->obj->loc.key : "", key, sizeof key),
                     (long long)(p->obj->base + p->offset), (long long)p->written, status,
                     p->attempt + 1, (long long)(p->sent - p->queued), curl_easy_strerror(rc));
    static const char *const names[] = {"connect", "TLS", "first byte", "transfer"};
    const int64_t from[] = {p->sent, at[0], at[2], at[3]}, to[] = {at[0], at[1], at[3], at[4]};
    for (int i = 0; i < 4; i++)
        if (to[i] > from[i])
            fdata_trace_span(t, p->lane, "request", names[i], from[i], to[i], NULL);
    d->lane_busy[(p->lane - TRACE_LANE_CONNECTION) % 1024] = 0;
    fdata_trace_in_flight(t, -p->len);
    fdata_trace_rss(t);
}

/* A part is retried: why, on the lane of the request that failed. */
static void trace_retry(struct downloader *d, struct part *p, CURLcode rc, long status,
                        const struct s3_error_doc *doc, double backoff_ms) {
    fdata_trace *t = d->c->trace;
    if (!t)
        return;
    char cause[160], code[80];
    if (rc != CURLE_OK)
        snprintf(cause, sizeof cause, "%s", curl_easy_strerror(rc));
    else
        snprintf(cause, sizeof cause, "HTTP %ld %s", status, fdata_trace_quote(doc->code, code,
                                                                              sizeof code));
    fdata_trace_instant(t, p->lane, "request", "retry", fdata_trace_now(t),
                        "\"cause\": \"%s\", \"attempt\": %d, \"backoff_ms\": %.0f", cause,
                        p->attempt + 1, backoff_ms);
}

/* A part done or given up: from made to now, on its own track. */
static void trace_part(struct downloader *d, struct part *p) {
    fdata_trace *t = d->c->trace;
    if (t)
        fdata_trace_async(t, "part", "part", (uint64_t)(uintptr_t)p, p->born,
                          fdata_trace_now(t));
}

static struct part *new_part(struct downloader *d, struct object *o, int64_t offset,
                             int64_t len) {
    struct part *p = calloc(1, sizeof *p);
    if (p) {
        p->born = d->c->trace ? fdata_trace_now(d->c->trace) : 0;
        p->d = d;
        p->obj = o;
        p->offset = offset;
        p->len = len;
    }
    return p;
}

static int start_part(struct downloader *d, struct part *p, struct fdata_error *err) {
    struct object *o = p->obj;
    /* a suffix asks for the object's last bytes until an answer has said where they start */
    int64_t start = o->suffix && o->size < 0 ? -o->suffix : o->base + p->offset;
    struct request q = {"GET", "GET", o->url, o->loc.bucket, o->loc.key, NULL, NULL, 0,
                        start, p->len, o->etag[0] ? o->etag : NULL};
    char *url;
    s3_bucket_region(d->c, o->loc.bucket, p->region);
    FDATA_RETURN_IF(s3_request_target(d->c, &q, p->region, &url, &p->headers, err));
    if (!p->easy && !(p->easy = curl_easy_init())) {
        free(url);
        return fdata_set_error(err, FDATA_ENOMEM, "cannot create a libcurl handle");
    }
    s3_response_reset(&p->resp);
    s3_part_set_state(p, PART_SENT);
    p->written = p->expect = 0;
    free(p->url);
    p->url = url;
    s3_setup_transfer(d->c, p->easy, &q, url, p->headers, &p->resp);
    curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, s3_part_body);
    curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
    curl_easy_setopt(p->easy, CURLOPT_HEADERFUNCTION, s3_part_header);
    curl_easy_setopt(p->easy, CURLOPT_HEADERDATA, p);
    curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
    curl_easy_setopt(p->easy, CURLOPT_BUFFERSIZE, 512L * 1024); /* fewer, larger callbacks */
    s3_cancel_with(p->easy, d->opts->cancel); /* stalled transfers stop too */
    trace_sent(d, p);
    o->requests++;
    curl_multi_add_handle(d->multi, p->easy);
    d->active++;
    return FDATA_OK;
}

static void free_part(struct part *p) {
    if (p->easy)
        curl_easy_cleanup(p->easy);
    curl_slist_free_all(p->headers);
    fdata_sb_free(&p->resp.body);
    free(p->url);
    free(p);
}

/* After the first part: the object's other parts, pinned to its ETag. */
static int schedule_rest(struct downloader *d, struct object *o, int64_t first_len) {
    for (int64_t off = first_len; off < o->size; off += (int64_t)d->part_size) {
        int64_t len = o->size - off < (int64_t)d->part_size ? o->size - off : (int64_t)d->part_size;
        struct part *p = new_part(d, o, off, len);
        if (!p || enqueue(d, p) != FDATA_OK) {
            free(p);
            return FDATA_ENOMEM;
        }
        o->parts_left++;
    }
    return FDATA_OK;
}

static void fail_object(struct downloader *d, struct object *o, struct fdata_error *e) {
    if (!o->failed)
        d->errors[o - d->objects] = *e;
    o->failed = 1;
}

/* The outcome of an object as the caller sees it; the data moves into r. */
static void take_result(struct downloader *d, struct object *o, struct fdata_s3_get_result *r) {
    r->url = o->url;
    r->offset = o->base;
    r->object_size = o->object_size;
    r->requests = o->requests;
    if (!o->failed) {
        r->data = o->data;
        r->size = (size_t)o->size;
        snprintf(r->etag, sizeof r->etag, "%s", o->etag);
    } else {
        if (o->data != o->dest)
            fdata_slab_unref(o->data);
        r->status = d->errors[o - d->objects].code;
        snprintf(r->error, sizeof r->error, "%s", d->errors[o - d->objects].message);
        fdata_s3_budget_release(d->opts->budget, o->reserved); /* nothing to hand over */
    }
    o->data = NULL;
}

/* An object with no part left: verified, then handed over at once when streaming. */
static void object_done(struct downloader *d, struct object *o) {
    struct fdata_error e = {0};
    int whole = o->base == 0 && o->size == o->object_size; /* a checksum covers the object */
    if (!o->failed && d->c->checksums && whole &&
        s3_checksum_verify(&o->checksum, o->data, (size_t)o->size, o->url, &e) != FDATA_OK)
        fail_object(d, o, &e);
    if (!d->opts->on_object)
        return;
    struct fdata_s3_get_result *r = &d->results[o->index];
    take_result(d, o, r);
    o->delivered = 1;
    d->opts->on_object(d->opts->ctx, o->index, r);
    r->data = NULL; /* the callback's now */
}

static void part_done(struct downloader *d, struct object *o) {
    if (--o->parts_left == 0)
        object_done(d, o);
}

/* A first part cut short after some of its bytes: once its answer has told the object's
 * size and version (206 with an ETag), it becomes an ordinary part pinned to that version and
 * the object's other parts are scheduled, so that its retry resumes after the bytes received
 * instead of starting over.  Returns 1 when pinned, 0 when it must start over, -1 on ENOMEM. */
static int pin_first_part(struct downloader *d, struct part *p) {
    struct object *o = p->obj;
    if (p->written <= 0 || p->resp.status != 206 || o->size < 0 || !p->resp.info.etag[0])
        return 0;
    snprintf(o->etag, sizeof o->etag, "%s", p->resp.info.etag);
    p->len = o->size < p->len ? o->size : p->len;
    return schedule_rest(d, o, p->len) == FDATA_OK ? 1 : -1;
}

/* A finished transfer: the part is done, retried, or its object fails. */
static void finish_part(struct downloader *d, struct part *p, CURLcode rc) {
    struct object *o = p->obj;
    struct fdata_error e = {0};
    long status = 0;
    curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
    trace_request(d, p, rc, status);
    curl_multi_remove_handle(d->multi, p->easy);
    curl_slist_free_all(p->headers);
    p->headers = NULL;
    d->active--;
    p->resp.status = status;
    int first = o->etag[0] == '\0' && p->offset == 0;
    int empty = first && status == 416; /* a Range on a 0-byte object */
    int ok = rc == CURLE_OK && ((status >= 200 && status < 300) || empty);
    if (ok && empty) {
        o->object_size = 0;
        s3_object_set_size(d, o, 0, status, &e); /* never refused: 0 bytes */
    }
    int64_t want = p->expect;
    if (ok && p->written != want) {
        fdata_set_error(&e, FDATA_EIO, "%s: part at byte %lld: %lld of %lld bytes arrived",
                        o->url, (long long)p->offset, (long long)p->written, (long long)want);
        ok = 0;
        rc = CURLE_PARTIAL_FILE; /* a short body is retried like a reset */
    }
    if (p->refusal.code) { /* the answer contradicted the object's: no retry believes it */
        fail_object(d, o, &p->refusal);
        trace_part(d, p);
        free_part(p);
        part_done(d, o);
        return;
    }
    if (ok) {
        if (first) {
            snprintf(o->etag, sizeof o->etag, "%s", p->resp.info.etag[0] ? p->resp.info.etag : "*");
            if (!s3_object_buffer(d, o))
                fdata_set_error(&e, FDATA_ENOMEM, "out of memory"), fail_object(d, o, &e);
            else if (schedule_rest(d, o, want) != FDATA_OK)
                fdata_set_error(&e, FDATA_ENOMEM, "out of memory"), fail_object(d, o, &e);
        }
        if (p->resp.checksum.algo != S3_CK_NONE)
            o->checksum = p->resp.checksum;
        s3_part_set_state(p, PART_DONE);
        trace_part(d, p);
        free_part(p);
        part_done(d, o);
        return;
    }
    struct s3_error_doc doc = {0};
    if (rc == CURLE_OK)
        s3_parse_error(p->resp.body.buf ? p->resp.body.buf : "", p->resp.body.len, &doc);
    if (rc == CURLE_OK && !p->redirected &&
        s3_learn_region(d->c, o->loc.bucket, p->region, &p->resp, &doc)) {
        p->redirected = 1; /* the bucket's region, not a fault: again at once, not counted */
        s3_part_set_state(p, PART_QUEUED);
        if (enqueue(d, p) == FDATA_OK)
            return;
    }
    /* transport failures are retried, except our own refusal of unplaceable bytes */
    int again = rc != CURLE_OK ? s3_transfer_retryable(d->c, rc)
                               : s3_retryable(status, &doc) && !s3_deadline_passed(d->c);
    if (!o->failed && again && p->attempt < d->c->retries) {
        double backoff_ms = s3_backoff_ms(&d->rng, p->attempt);
        trace_retry(d, p, rc, status, &doc, backoff_ms);
        p->not_before = s3_now() + backoff_ms / 1000.0;
        p->attempt++;
        int pinned = first ? pin_first_part(d, p) : 0;
        if (pinned < 0)
            fdata_set_error(&e, FDATA_ENOMEM, "out of memory"), fail_object(d, o, &e);
        if ((!first || pinned > 0) && p->written > 0 && p->written < p->len) { /* resume */
            p->offset += p->written;
            p->len -= p->written;
        }
        s3_part_set_state(p, PART_QUEUED);
        if (enqueue(d, p) == FDATA_OK)
            return;
    }
    if (!e.code && rc == CURLE_ABORTED_BY_CALLBACK && d->opts->cancel && *d->opts->cancel) {
        fdata_set_error(&e, FDATA_ECANCELED, "%s: download cancelled", o->url); /* as documented */
    } else if (!e.code) {
        struct request q = {"GET", "GET", o->url, NULL, NULL, NULL, NULL, 0, 0, -1, NULL};
        if (rc != CURLE_OK || s3_deadline_passed(d->c))
            s3_transfer_error(d->c, &q, &p->resp, rc, p->attempt + 1, &e);
        else
            s3_http_error(&q, &p->resp, &e);
    }
    fail_object(d, o, &e);
    trace_part(d, p);
    free_part(p);
    part_done(d, o);
}

/* Queues an admitted object's first part, or all its parts when its range and version are
 * known; an empty range or a bad URL is done at once. */
static int start_object(struct downloader *d, struct object *o) {
    o->parts_left = 1;
    if (o->failed || o->size == 0) {
        if (!o->failed && !s3_object_buffer(d, o)) {
            struct fdata_error e;
            fail_object(d, o, (fdata_set_error(&e, FDATA_ENOMEM, "out of memory"), &e));
        }
        part_done(d, o);
        return FDATA_OK;
    }
    if (o->size > 0 && o->etag[0]) { /* pinned by the caller: every part now */
        o->parts_left = 0;
        return schedule_rest(d, o, 0);
    }
    int64_t first = o->suffix ? o->suffix : (int64_t)d->part_size;
    if (o->size > 0 && o->size < first)
        first = o->size;
    struct part *p = new_part(d, o, 0, first);
    if (!p || enqueue(d, p) != FDATA_OK) {
        free(p);
        return FDATA_ENOMEM;
    }
    return FDATA_OK;
}

/* Queues the first parts of further objects while a connection would otherwise idle and
 * the budget allows: an object reserves its known size, or a part until its size is known.
 * Started objects' parts go first, so that objects complete (and can be handed over and
 * freed) one after the other instead of all being half there at once. */
static int admit(struct downloader *d) {
    const struct fdata_s3_get_options *o = d->opts;
    for (; d->admitted < d->num_objects; d->admitted++) {
        struct object *obj = &d->objects[d->admitted];
        if (d->queued + (size_t)d->active >= (size_t)d->connections)
            return FDATA_OK;
        /* under a budget objects start in the callers' order across the event loops, so
         * that bytes held belong to the earliest objects (which a consumer waits for) */
        if (o->budget && atomic_load(d->next_admit) != obj->index)
            return FDATA_OK;
        int64_t known = obj->size >= 0 ? obj->size : o->sizes ? o->sizes[obj->index] : -1;
        size_t want = known >= 0 ? (size_t)known : obj->suffix ? (size_t)obj->suffix : d->part_size;
        if (o->budget && !s3_budget_reserve(o->budget, want, 0, 0))
            return FDATA_OK; /* again when a consumer gives bytes back */
        obj->reserved = o->budget ? want : 0;
        atomic_fetch_add(d->next_admit, 1);
        if (o->budget && d->groups > 1) /* the next object's loop may sleep in its poll */
            curl_multi_wakeup(d->multis[(obj->index + 1) % (size_t)d->groups]);
        if (o->on_start)
            o->on_start(o->ctx, obj->index);
        FDATA_RETURN_IF(start_object(d, obj));
    }
    return FDATA_OK;
}

/* After cancellation or the client's deadline: every object not yet admitted fails, and so
 * do the admitted ones (their queued parts are then dropped by start_ready, transfers under
 * way finish). */
static void cancel_all(struct downloader *d) {
    for (size_t k = 0; k < d->num_objects; k++) {
        struct object *o = &d->objects[k];
        if (k >= d->admitted || o->parts_left != 0) { /* not complete */
            struct fdata_error e;
            if (s3_deadline_passed(d->c))
                s3_deadline_error(d->c, o->url, "GET", &e);
            else
                fdata_set_error(&e, FDATA_ECANCELED, "%s: download cancelled", o->url);
            fail_object(d, o, &e);
        }
    }
    for (; d->admitted < d->num_objects; d->admitted++) {
        d->objects[d->admitted].parts_left = 1;
        part_done(d, &d->objects[d->admitted]);
    }
}

/* Starts queued parts whose back-off is over, up to the connection limit. */
static int start_ready(struct downloader *d, struct fdata_error *err) {
    if ((d->opts->cancel && *d->opts->cancel) || s3_deadline_passed(d->c))
        cancel_all(d);
    if (admit(d) != FDATA_OK)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    double t = s3_now();
    size_t keep = 0;
    for (size_t i = 0; i < d->queued; i++) {
        struct part *p = d->queue[i];
        if (p->obj->failed) {
            struct object *o = p->obj;
            free_part(p);
            part_done(d, o);
        } else if (d->active < d->connections && p->not_before <= t) {
            FDATA_RETURN_IF(start_part(d, p, err));
        } else {
            d->queue[keep++] = p;
        }
    }
    d->queued = keep;
    return FDATA_OK;
}

static int run(struct downloader *d, struct fdata_error *err) {
    int running = 1;
    while (d->queued > 0 || d->active > 0 || d->admitted < d->num_objects) {
        FDATA_RETURN_IF(start_ready(d, err));
        curl_multi_perform(d->multi, &running);
        CURLMsg *m;
        int left, finished = 0;
        while ((m = curl_multi_info_read(d->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            char *priv = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
            finish_part(d, (struct part *)priv, m->data.result);
            finished++;
        }
        if (finished)
            continue; /* their connections take the next parts now, not after a poll */
        /* objects still to admit may wait for the budget: a release wakes the loop (and the
         * one whose turn it is, should this one have read the wake-up instead) */
        struct curl_waitfd room = {s3_budget_wake_fd(d->opts->budget), CURL_WAIT_POLLIN, 0};
        unsigned extra = room.fd >= 0 && d->admitted < d->num_objects;
        if (d->active > 0)
            curl_multi_poll(d->multi, &room, extra, 50, NULL);
        else if (d->queued > 0 || d->admitted < d->num_objects)
            curl_multi_poll(d->multi, &room, extra, 10, NULL); /* a back-off, or the budget */
        if (extra && room.revents && s3_budget_woken(d->opts->budget) && d->groups > 1)
            curl_multi_wakeup(d->multis[atomic_load(d->next_admit) % (size_t)d->groups]);
    }
    return FDATA_OK;
}

/* One downloader: objects i, i + stride, i + 2 stride, ... of the call, on its own multi
 * handle and connections, so that several run on several cores. */
struct group_job {
    fdata_s3_client *c;
    const char *const *urls;
    size_t n;
    size_t part_size;
    int connections;             /* in all, shared out among the groups */
    const struct fdata_s3_get_options *opts;
    struct fdata_s3_get_result *results;
    atomic_size_t next_admit;
    CURLM **multis;              /* [groups]: made and freed by the call, so that any loop may
                                    wake another while both run */
};

/* The group's objects, each with its URL parsed (a bad one fails that object alone). */
static int prepare_objects(struct downloader *d, const struct group_job *job, size_t g,
                           size_t stride) {
    d->objects = calloc(d->num_objects + 1, sizeof *d->objects);
    d->errors = calloc(d->num_objects + 1, sizeof *d->errors);
    d->multi = job->multis[g];
    d->lane_busy = job->c->trace ? calloc((size_t)d->connections + 1, 1) : NULL;
    if (!d->objects || !d->errors || !d->multi || (job->c->trace && !d->lane_busy))
        return FDATA_ENOMEM;
    curl_multi_setopt(d->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)d->connections);
    for (size_t k = 0; k < d->num_objects; k++) {
        struct object *o = &d->objects[k];
        o->index = g + k * stride;
        o->url = job->urls[o->index];
        o->size = o->object_size = -1;
        o->failed = s3_parse_url(o->url, &o->loc, &d->errors[k]) != FDATA_OK;
        const struct fdata_s3_range *r = job->opts->ranges ? &job->opts->ranges[o->index] : NULL;
        if (r && r->offset >= 0) {
            o->base = r->offset;
            o->size = r->length > 0 ? r->length : 0;
        } else if (r) {
            o->suffix = -r->offset < (int64_t)d->part_size ? -r->offset : (int64_t)d->part_size;
        }
        if (r) {
            o->dest = r->dest;
            snprintf(o->etag, sizeof o->etag, "%s", r->etag ? r->etag : "");
        }
    }
    return FDATA_OK;
}

/* After the event loop: every object not yet handed over gets its outcome. */
static void settle_objects(struct downloader *d, int status) {
    for (size_t k = 0; d->objects && k < d->num_objects; k++) {
        struct object *o = &d->objects[k];
        if (status != FDATA_OK && !o->failed) {
            struct fdata_error e;
            fdata_set_error(&e, status, "%s: out of memory", o->url);
            fail_object(d, o, &e);
        }
        if (d->opts->on_object && !o->delivered) {
            o->parts_left = 1;
            part_done(d, o);
        } else if (!o->delivered) {
            take_result(d, o, &d->results[o->index]);
        }
        s3_location_free(&o->loc);
    }
}

/* Group g of `groups`: objects g, g + groups, ... on its share of the connections. */
static int download_group(void *ctx, size_t g, int groups) {
    struct group_job *job = ctx;
    size_t stride = (size_t)groups;
    size_t count = job->n > g ? (job->n - g + stride - 1) / stride : 0;
    struct downloader d = {.c = job->c, .memory = fdata_memory_of(job->c->runtime),
                           .num_objects = count, .part_size = job->part_size,
                           .connections = (job->connections + groups - 1) / groups,
                           .opts = job->opts,
                           .results = job->results, .next_admit = &job->next_admit,
                           .group = (int)g, .multis = job->multis, .groups = groups,
                           .rng = (unsigned)(g * 2654435761u) ^ job->c->rng};
    struct fdata_error err = {0};
    int status = prepare_objects(&d, job, g, stride);
    if (status == FDATA_OK)
        status = run(&d, &err);
    for (size_t i = 0; i < d.queued; i++)
        free_part(d.queue[i]);
    free(d.queue);
    settle_objects(&d, status);
    free(d.objects);
    free(d.errors);
    free(d.lane_busy);
    return status; /* FDATA_ENOMEM and the like; per-object outcomes are in results */
}

/* One multi handle per event loop, owned by the call. */
static int make_multis(struct group_job *job, int groups) {
    if (!(job->multis = calloc((size_t)groups, sizeof *job->multis)))
        return FDATA_ENOMEM;
    for (int g = 0; g < groups; g++)
        if (!(job->multis[g] = curl_multi_init()))
            return FDATA_ENOMEM;
    return FDATA_OK;
}

int fdata_s3_get_many(fdata_s3_client *c, const char *const *urls, size_t n,
                      const struct fdata_s3_get_options *opts, struct fdata_s3_get_result *results,
                      struct fdata_error *err) {
    static const struct fdata_s3_get_options defaults;
    opts = opts ? opts : &defaults;
    memset(results, 0, n * sizeof *results);
    if (opts->budget && !opts->on_object)
        return fdata_set_error(err, FDATA_EINVAL, "S3 downloads: a memory budget needs on_object "
                               "(objects kept until the end could never be given back)");
    struct group_job job = {
        .c = c, .urls = urls, .n = n, .opts = opts,
        .part_size = opts->part_size ? opts->part_size : FDATA_S3_PART_SIZE_DEFAULT,
        .connections = opts->connections > 0 ? opts->connections : c->connections,
        .results = results,
    };
    /* one event loop per core (copying received bytes is the work), each with its share of
     * the connections, as many as the runtime has idle workers for (under a budget the
     * groups admit objects in turn, so they must run at the same time: a gang) */
    int groups = fdata_thread_count(opts->threads);
    groups = groups > job.connections ? job.connections : groups;
    groups = (size_t)groups > n ? (int)(n ? n : 1) : groups;
    if (c->trace)
        s3_budget_trace(opts->budget, c->trace);
    atomic_init(&job.next_admit, 0);
    int status = make_multis(&job, groups);
    if (status == FDATA_OK)
        status = fdata_parallel_gang(c->runtime, groups, download_group, &job);
    for (int g = 0; job.multis && g < groups; g++)
        if (job.multis[g])
            curl_multi_cleanup(job.multis[g]);
    free(job.multis);
    if (status != FDATA_OK)
        return fdata_set_error(err, status, "S3 downloads: out of memory");
    for (size_t i = 0; i < n; i++) {
        if (results[i].status != FDATA_OK) {
            if (err) {
                err->code = results[i].status;
                snprintf(err->message, sizeof err->message, "%s", results[i].error);
            }
            return results[i].status;
        }
    }
    return FDATA_OK;
}

void fdata_s3_data_free(void *data) { fdata_slab_unref(data); }

void fdata_s3_get_results_free(struct fdata_s3_get_result *results, size_t n) {
    for (size_t i = 0; results && i < n; i++) {
        fdata_s3_data_free(results[i].data);
        results[i].data = NULL;
    }
}
