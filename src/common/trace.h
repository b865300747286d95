/* Recording into a trace (fastdata/trace.h): the calls the layers make.  Each takes the
 * trace first and does nothing when it is NULL, so code that records costs one test when
 * tracing is off.  Not installed. */
#ifndef FDATA_COMMON_TRACE_H
#define FDATA_COMMON_TRACE_H

#include <stdint.h>
#include "fastdata/trace.h"
#include "common.h"

/* Lanes (Chrome's "tid"): each is one row of the timeline, named when written. */
enum {
    TRACE_LANE_MAIN = 1,          /* the caller's thread: listing, footers, the consumer */
    TRACE_LANE_DECODER = 2,       /* the load's decode thread: row groups handed to workers */
    TRACE_LANE_WORKER = 100,      /* + worker index: a decode worker */
    TRACE_LANE_UPLOAD = 1000,     /* + worker index: a connection uploading parts */
    TRACE_LANE_CONNECTION = 10000 /* + event loop * 1024 + slot: one connection's requests */
};

#define TRACE_THREADS 256 /* worker lanes: one per thread that decodes */
#define TRACE_NAME_SIZE 48
#define TRACE_ARGS_SIZE 256

/* One recorded event. */
struct trace_event {
    int64_t ts, dur;        /* microseconds */
    uint64_t id;            /* async events */
    int lane;
    char ph;                /* Chrome's phase: X span, i instant, b/e async, C counter; 0 in a
                               slot that a pair which did not fit left empty */
    const char *cat;
    char name[TRACE_NAME_SIZE];
    char args[TRACE_ARGS_SIZE]; /* a JSON object's members, or "" */
};

/* The events recorded so far, *n of them (read once recording is over). */
const struct trace_event *trace_events_of(const fdata_trace *t, size_t *n);
/* An argument of an event: a number (`otherwise` when absent), or a string into buf (cut to
 * fit; "" when absent). */
int64_t trace_arg_int(const struct trace_event *e, const char *name, int64_t otherwise);
const char *trace_arg_str(const struct trace_event *e, const char *name, char *buf, size_t size);

/* A lane's name ("connection 0.3", "decode worker 1", ...). */
void trace_lane_name(int lane, char *buf, size_t size);

/* Microseconds since the trace began. */
int64_t fdata_trace_now(const fdata_trace *t);
/* A span [start, end) (microseconds of the trace's clock) named `name` (copied, cut at 47
 * bytes) on `lane`, category `cat` (a string constant); `args` is NULL or a JSON object's
 * members, printf-style (string values made safe with fdata_trace_quote; past 255 bytes they
 * are replaced by a note saying so). */
void fdata_trace_span(fdata_trace *t, int lane, const char *cat, const char *name,
                      int64_t start, int64_t end, const char *args, ...) FDATA_PRINTF(7, 8);
/* The calling thread's decode lane in t: TRACE_LANE_WORKER + the order in which threads
 * first asked (a thread's spans never overlap on it, whichever job it works for). */
int fdata_trace_thread_lane(fdata_trace *t);
/* A span of detail (a column chunk's decode, a block of matrix rows): recorded while less
 * than half the trace's events are used, dropped (and counted) after, so that a load of many
 * small files, hundreds of thousands of chunks, still has its requests, row groups and
 * counters to its end. */
void fdata_trace_detail(fdata_trace *t, int lane, const char *cat, const char *name,
                        int64_t start, int64_t end, const char *args, ...) FDATA_PRINTF(7, 8);
/* A moment on a lane, e.g. a retry. */
void fdata_trace_instant(fdata_trace *t, int lane, const char *cat, const char *name,
                         int64_t at, const char *args, ...) FDATA_PRINTF(6, 7);
/* A span of its own async track (no lane), e.g. a part from queued to done; id tells
 * concurrent ones apart. */
void fdata_trace_async(fdata_trace *t, const char *cat, const char *name, uint64_t id,
                       int64_t start, int64_t end);
/* A counter's value from now on. */
void fdata_trace_counter(fdata_trace *t, const char *name, int64_t value);
/* Adds delta to the bytes in flight and records the counter. */
void fdata_trace_in_flight(fdata_trace *t, int64_t delta);
/* Records the process's RSS, at most every 10 ms (cheap to call often). */
void fdata_trace_rss(fdata_trace *t);
/* s as the inside of a JSON string (quotes, backslashes, control bytes escaped), cut to fit
 * `size`; returns buf. */
const char *fdata_trace_quote(const char *s, char *buf, size_t size);

#endif
