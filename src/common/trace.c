/* The trace (fastdata/trace.h): a fixed array of events that threads claim slots of with one
 * atomic add, so recording never locks and never grows; written as JSON once recording is
 * over. */
#include "trace.h"
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RSS_EVERY_US 10000

struct fdata_trace {
    struct timespec t0;
    size_t cap;
    atomic_size_t used, dropped; /* slots claimed (kept or dropped), claims lost */
    atomic_size_t details_dropped; /* details past half the slots: never claimed */
    atomic_uintptr_t threads[TRACE_THREADS]; /* pthread_self() of each worker lane, 0: free */
    atomic_int_fast64_t in_flight, rss_at;
    struct trace_event *events;
};

fdata_trace *fdata_trace_new(size_t max_events) {
    fdata_trace *t = calloc(1, sizeof *t);
    size_t cap = max_events && max_events < FDATA_TRACE_DEFAULT_EVENTS ? max_events
                                                                       : FDATA_TRACE_DEFAULT_EVENTS;
    if (t && !(t->events = calloc(cap, sizeof *t->events))) { /* pages touched as used */
        free(t);
        return NULL;
    }
    if (t) {
        t->cap = cap;
        atomic_init(&t->rss_at, -RSS_EVERY_US);
        clock_gettime(CLOCK_MONOTONIC, &t->t0);
    }
    return t;
}

void fdata_trace_free(fdata_trace *t) {
    if (t)
        free(t->events);
    free(t);
}

size_t fdata_trace_events(const fdata_trace *t) {
    fdata_trace *w = (fdata_trace *)t; /* every claim adds to used, and to dropped if lost */
    return atomic_load(&w->used) - atomic_load(&w->dropped);
}

const struct trace_event *trace_events_of(const fdata_trace *t, size_t *n) {
    size_t used = atomic_load(&((fdata_trace *)t)->used);
    *n = used < t->cap ? used : t->cap;
    return t->events;
}

/* Where argument `name`'s value starts in e->args, or NULL. */
static const char *arg_value(const struct trace_event *e, const char *name) {
    size_t n = strlen(name);
    for (const char *p = e->args; (p = strchr(p, '"')) != NULL; p++)
        if (strncmp(p + 1, name, n) == 0 && strncmp(p + 1 + n, "\": ", 3) == 0)
            return p + n + 4;
    return NULL;
}

int64_t trace_arg_int(const struct trace_event *e, const char *name, int64_t otherwise) {
    const char *v = arg_value(e, name);
    return v && (*v == '-' || (*v >= '0' && *v <= '9')) ? strtoll(v, NULL, 10) : otherwise;
}

const char *trace_arg_str(const struct trace_event *e, const char *name, char *buf,
                          size_t size) {
    const char *v = arg_value(e, name);
    size_t n = 0;
    if (v && *v == '"') /* as fdata_trace_quote wrote it: undo its escapes */
        for (v++; *v && *v != '"' && n + 1 < size; v++) {
            if (*v == '\\' && v[1] == 'u' && v[2] && v[3] && v[4] && v[5]) {
                buf[n++] = (char)strtol((char[]){v[4], v[5], 0}, NULL, 16);
                v += 5;
            } else {
                buf[n++] = *v == '\\' && v[1] ? *++v : *v;
            }
        }
    buf[n] = '\0';
    return buf;
}

size_t fdata_trace_dropped(const fdata_trace *t) {
    fdata_trace *w = (fdata_trace *)t;
    return atomic_load(&w->dropped) + atomic_load(&w->details_dropped);
}

int64_t fdata_trace_now(const fdata_trace *t) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)(ts.tv_sec - t->t0.tv_sec) * 1000000 + (ts.tv_nsec - t->t0.tv_nsec) / 1000;
}

/* The length of s[0..n) without a UTF-8 sequence cut short at its end (JSON readers refuse
 * invalid UTF-8). */
static size_t utf8_whole(const char *s, size_t n) {
    size_t k = n;
    while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--; /* continuation bytes: back to their lead byte */
    if (k == 0 || ((unsigned char)s[k - 1] & 0x80) == 0)
        return n; /* ASCII before them: nothing was a sequence */
    unsigned char lead = (unsigned char)s[k - 1];
    size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return n - (k - 1) >= len ? n : k - 1;
}

/* Formats an event's arguments; ones too long for it become a note saying so, never JSON cut
 * in the middle. */
static void format_args(struct trace_event *e, const char *fmt, va_list ap) {
    int n = vsnprintf(e->args, sizeof e->args, fmt, ap);
    if (n < 0 || (size_t)n >= sizeof e->args)
        snprintf(e->args, sizeof e->args, "\"args\": \"too long for the trace\"");
}

/* Slot e, named. */
static struct trace_event *name_slot(struct trace_event *e, char ph, int lane, const char *cat,
                                     const char *name) {
    e->ph = ph;
    e->lane = lane;
    e->cat = cat;
    size_t len = strnlen(name, sizeof e->name - 1); /* a copy, not a format: cheap per event */
    memcpy(e->name, name, len);
    e->name[utf8_whole(e->name, len)] = '\0';
    return e;
}

/* n consecutive slots, the first named, or NULL (counted as dropped) when they do not fit. */
static struct trace_event *claim_n(fdata_trace *t, size_t n, char ph, int lane,
                                   const char *cat, const char *name) {
    size_t i = atomic_fetch_add(&t->used, n);
    if (i >= t->cap || t->cap - i < n) {
        atomic_fetch_add(&t->dropped, n);
        return NULL;
    }
    return name_slot(&t->events[i], ph, lane, cat, name);
}

static struct trace_event *claim(fdata_trace *t, char ph, int lane, const char *cat,
                                 const char *name) {
    return claim_n(t, 1, ph, lane, cat, name);
}

int fdata_trace_thread_lane(fdata_trace *t) {
    uintptr_t me = (uintptr_t)pthread_self();
    for (int k = 0; t && k < TRACE_THREADS; k++) {
        uintptr_t v = atomic_load(&t->threads[k]);
        if (v == me || (v == 0 && atomic_compare_exchange_strong(&t->threads[k], &v, me)))
            return TRACE_LANE_WORKER + k; /* (a slot lost to another thread: the next one) */
    }
    return TRACE_LANE_WORKER + TRACE_THREADS - 1; /* more threads than lanes: they share */
}

static void span_in(struct trace_event *e, int64_t start, int64_t end, const char *args,
                    va_list ap) {
    e->ts = start;
    e->dur = end > start ? end - start : 0;
    if (args)
        format_args(e, args, ap);
}

void fdata_trace_span(fdata_trace *t, int lane, const char *cat, const char *name, int64_t start,
                      int64_t end, const char *args, ...) {
    struct trace_event *e = t ? claim(t, 'X', lane, cat, name) : NULL;
    if (e) {
        va_list ap;
        va_start(ap, args);
        span_in(e, start, end, args, ap);
        va_end(ap);
    }
}

void fdata_trace_detail(fdata_trace *t, int lane, const char *cat, const char *name,
                        int64_t start, int64_t end, const char *args, ...) {
    if (!t)
        return;
    if (atomic_load(&t->used) >= t->cap / 2) { /* checked before claiming: no slot left empty */
        atomic_fetch_add(&t->details_dropped, 1);
        return;
    }
    struct trace_event *e = claim(t, 'X', lane, cat, name);
    if (e) {
        va_list ap;
        va_start(ap, args);
        span_in(e, start, end, args, ap);
        va_end(ap);
    }
}

void fdata_trace_instant(fdata_trace *t, int lane, const char *cat, const char *name, int64_t at,
                         const char *args, ...) {
    struct trace_event *e = t ? claim(t, 'i', lane, cat, name) : NULL;
    if (!e)
        return;
    e->ts = at;
    if (args) {
        va_list ap;
        va_start(ap, args);
        format_args(e, args, ap);
        va_end(ap);
    }
}

void fdata_trace_async(fdata_trace *t, const char *cat, const char *name, uint64_t id,
                       int64_t start, int64_t end) {
    struct trace_event *b = t ? claim_n(t, 2, 'b', 0, cat, name) : NULL; /* both or neither */
    if (b) {
        b[1] = b[0];
        b[1].ph = 'e';
        b->ts = start;
        b[1].ts = end > start ? end : start;
        b->id = b[1].id = id;
    }
}

void fdata_trace_counter(fdata_trace *t, const char *name, int64_t value) {
    struct trace_event *e = t ? claim(t, 'C', 0, "counter", name) : NULL;
    if (e) {
        e->ts = fdata_trace_now(t);
        snprintf(e->args, sizeof e->args, "\"value\": %lld", (long long)value);
    }
}

void fdata_trace_in_flight(fdata_trace *t, int64_t delta) {
    if (t)
        fdata_trace_counter(t, "bytes in flight", atomic_fetch_add(&t->in_flight, delta) + delta);
}

/* The resident set now (/proc/self/statm's second field, in pages), or -1. */
static long current_rss(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size, resident = -1;
    if (f && fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    if (f)
        fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

void fdata_trace_rss(fdata_trace *t) {
    if (!t)
        return;
    int_fast64_t now = fdata_trace_now(t), last = atomic_load(&t->rss_at);
    if (now - last < RSS_EVERY_US || !atomic_compare_exchange_strong(&t->rss_at, &last, now))
        return; /* recent, or another thread samples it */
    long rss = current_rss();
    if (rss >= 0)
        fdata_trace_counter(t, "RSS bytes", rss);
}

const char *fdata_trace_quote(const char *s, char *buf, size_t size) {
    size_t n = 0;
    for (; *s && n + 7 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            buf[n++] = '\\', buf[n++] = (char)c;
        else if (c < 0x20)
            n += (size_t)snprintf(buf + n, size - n, "\\u%04x", c);
        else
            buf[n++] = (char)c;
    }
    buf[*s ? utf8_whole(buf, n) : n] = '\0';
    return buf;
}

/* ---- writing ---- */

void trace_lane_name(int lane, char *buf, size_t size) {
    if (lane >= TRACE_LANE_CONNECTION)
        snprintf(buf, size, "connection %d.%d", (lane - TRACE_LANE_CONNECTION) / 1024,
                 (lane - TRACE_LANE_CONNECTION) % 1024);
    else if (lane >= TRACE_LANE_UPLOAD)
        snprintf(buf, size, "upload connection %d", lane - TRACE_LANE_UPLOAD);
    else if (lane >= TRACE_LANE_WORKER)
        snprintf(buf, size, "decode worker %d", lane - TRACE_LANE_WORKER);
    else
        snprintf(buf, size, "%s", lane == TRACE_LANE_DECODER ? "load: decode thread" : "main");
}

static int lane_cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* One metadata event naming each lane used, in lane order. */
static void write_lane_names(FILE *f, const fdata_trace *t, size_t n) {
    int *lanes = malloc((n + 1) * sizeof *lanes);
    size_t k = 0;
    for (size_t i = 0; lanes && i < n; i++)
        if (t->events[i].lane)
            lanes[k++] = t->events[i].lane;
    if (lanes)
        qsort(lanes, k, sizeof *lanes, lane_cmp);
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && lanes[i] == lanes[i - 1])
            continue;
        char name[48];
        trace_lane_name(lanes[i], name, sizeof name);
        fprintf(f, "{\"ph\": \"M\", \"pid\": 1, \"tid\": %d, \"name\": \"thread_name\", "
                   "\"args\": {\"name\": \"%s\"}},\n{\"ph\": \"M\", \"pid\": 1, \"tid\": %d, "
                   "\"name\": \"thread_sort_index\", \"args\": {\"sort_index\": %d}},\n",
                lanes[i], name, lanes[i], lanes[i]);
    }
    free(lanes);
}

/* An event's line is built in memory and written at once: printf formats, or a stdio call
 * per piece, were most of the cost of writing a trace. */
static size_t put_str(char *line, size_t n, const char *s) {
    size_t k = strlen(s);
    memcpy(line + n, s, k);
    return n + k;
}

static size_t put_int(char *line, size_t n, long long v) {
    char buf[24], *p = buf + sizeof buf;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    memcpy(line + n, p, (size_t)(buf + sizeof buf - p));
    return n + (size_t)(buf + sizeof buf - p);
}

static void write_event(FILE *f, const struct trace_event *e) {
    char name[2 * TRACE_NAME_SIZE + 8], line[3 * TRACE_NAME_SIZE + TRACE_ARGS_SIZE + 256];
    char ph[2] = {e->ph, '\0'};
    size_t n = put_str(line, 0, "{\"ph\": \"");
    n = put_str(line, n, ph);
    n = put_int(line, put_str(line, n, "\", \"pid\": 1, \"tid\": "), e->lane);
    n = put_str(line, put_str(line, n, ", \"cat\": \""), e->cat); /* a string constant */
    n = put_str(line, put_str(line, n, "\", \"name\": \""),
                fdata_trace_quote(e->name, name, sizeof name));
    n = put_int(line, put_str(line, n, "\", \"ts\": "), e->ts);
    if (e->ph == 'X')
        n = put_int(line, put_str(line, n, ", \"dur\": "), e->dur);
    else if (e->ph == 'b' || e->ph == 'e')
        n += (size_t)snprintf(line + n, 40, ", \"id\": \"0x%llx\"", (unsigned long long)e->id);
    else if (e->ph == 'i')
        n = put_str(line, n, ", \"s\": \"t\"");
    n = put_str(line, put_str(line, n, ", \"args\": {"), e->args);
    n = put_str(line, n, "}},\n");
    fwrite(line, 1, n, f);
}

int fdata_trace_write(const fdata_trace *t, const char *path, struct fdata_error *err) {
    FILE *f = fopen(path, "w");
    if (!f)
        return fdata_set_error(err, FDATA_EIO, "%s: cannot write the trace: %s", path,
                               strerror(errno));
    size_t used = atomic_load(&((fdata_trace *)t)->used);
    size_t n = used < t->cap ? used : t->cap, dropped = fdata_trace_dropped(t);
    fputs("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n", f);
    write_lane_names(f, t, n);
    for (size_t i = 0; i < n; i++)
        if (t->events[i].ph) /* not a slot left empty by a pair that did not fit */
            write_event(f, &t->events[i]);
    /* the last event: whether the trace is whole (a JSON array cannot end in a comma) */
    fprintf(f, "{\"ph\": \"i\", \"pid\": 1, \"tid\": %d, \"s\": \"g\", \"cat\": \"trace\", "
               "\"name\": \"%s\", \"ts\": %lld, \"args\": {\"events\": %zu, \"dropped\": %zu, "
               "\"max_events\": %zu}}\n]}\n",
            TRACE_LANE_MAIN, dropped ? "events dropped" : "trace end",
            (long long)fdata_trace_now(t), fdata_trace_events(t), dropped, t->cap);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return fdata_set_error(err, FDATA_EIO, "%s: cannot write the trace: %s", path,
                               strerror(errno));
    return FDATA_OK;
}
