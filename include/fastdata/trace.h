/*
 * fastdata/trace.h - a timeline of where a load's time goes, written in the Chrome trace
 * event format (JSON; opens in https://ui.perfetto.dev and chrome://tracing).
 *
 * Give one trace to the options of the calls to record (fdata_s3_options.trace: every S3
 * request of that client; fdata_load_options.trace: the load's S3 requests, row groups,
 * column-chunk decodes and matrix writes; fdata_parquet_read_options.trace: decodes), then
 * write it.  Recorded: each S3 request on its connection's lane with its phases (connect, TLS,
 * waiting for the first byte, transfer), each retry and its cause, each part from queued to
 * done, each column chunk decoded and each block of matrix rows written on its decode worker's
 * lane, and counters for the bytes in flight, the download budget held (and its limit) and the
 * process's RSS.
 *
 * Bounded: a trace keeps at most max_events events (its memory is reserved up front, about
 * 350 bytes an event, and only touched as events arrive); past that, events are counted and
 * dropped, and the written file ends with an event that says how many.  Column-chunk decodes
 * and matrix writes stop at half of max_events, so that the requests, parts, row groups and
 * counters of a long load (thousands of files of hundreds of columns) reach its end.
 *
 * A report (fdata_trace_html, fdata_trace_write_html) is one self-contained HTML page built
 * from the same events: the caller's summary, a Gantt-style timeline of the connections and
 * decode workers, download and decode throughput over time against their limits, the
 * counters over time (the peak of each of 240 steps) against the budget's limit, and a
 * per-file table (fdata_trace_files).
 *
 * Thread safety: recording is lock-free, from any number of threads at once.
 * fdata_trace_write and fdata_trace_free must not run while a call that records into the
 * trace is under way.
 */
#ifndef FASTDATA_TRACE_H
#define FASTDATA_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fdata_trace fdata_trace;

/* The default and largest max_events. */
#define FDATA_TRACE_DEFAULT_EVENTS ((size_t)1 << 18)

/* A new, empty trace whose clock starts now; max_events 0 = FDATA_TRACE_DEFAULT_EVENTS (also
 * the most allowed).  NULL when out of memory. */
FDATA_API fdata_trace *fdata_trace_new(size_t max_events);
/* Writes the trace as one JSON object ({"traceEvents": [...]}) to `path`.  FDATA_EIO (the
 * message names the path and the cause) when it cannot be written. */
FDATA_API int fdata_trace_write(const fdata_trace *trace, const char *path,
                                struct fdata_error *err);
/* Events recorded, and those dropped past max_events. */
FDATA_API size_t fdata_trace_events(const fdata_trace *trace);
FDATA_API size_t fdata_trace_dropped(const fdata_trace *trace);
/* One file or object of the per-file table: what the trace's events say of it. */
struct fdata_trace_file {
    char name[80];        /* the object's key, or the local file's path, as recorded (cut at
                             79 bytes; a name from a server: escape it before display) */
    uint64_t bytes;       /* bytes its GET requests received or its PUTs sent */
    uint64_t decoded;     /* bytes of its column chunks decoded */
    int parts;            /* GET and PUT requests that were a first attempt: one per part */
    int retries;          /* requests that were a later attempt */
    double seconds;       /* from its first event's start to its last one's end */
};
/* The per-file table, in the order the files were first seen: *out (the caller frees it
 * with free(); NULL when *n is 0).  FDATA_ENOMEM when out of memory. */
FDATA_API int fdata_trace_files(const fdata_trace *trace, struct fdata_trace_file **out,
                                size_t *n, struct fdata_error *err);

/* What a report says beside the events: its title, a summary (label and value pairs, shown
 * in order) and the link's rate drawn against the download throughput. */
struct fdata_trace_fact {
    const char *label, *value;
};
struct fdata_trace_report {
    const char *title;                    /* e.g. "fastdata load"; NULL = "fastdata" */
    const struct fdata_trace_fact *facts; /* num_facts of them; every string is escaped */
    size_t num_facts;
    double link_gbit_s;                   /* the link's rate; 0 = not known (none drawn) */
    const char *link_source;              /* where that rate comes from, e.g. "--target-gbps" */
};
/* The report as one HTML page (UTF-8, NUL-terminated; no script, no external resource),
 * which the caller frees with free(); NULL when out of memory.  A NULL trace gives the
 * summary alone; a NULL r, no summary.  Events past max_events are
 * missing from it, and it says how many. */
FDATA_API char *fdata_trace_html(const fdata_trace *trace, const struct fdata_trace_report *r);
/* The same page written to `path`: FDATA_EIO (naming the path and the cause) when it cannot
 * be, FDATA_ENOMEM when out of memory. */
FDATA_API int fdata_trace_write_html(const fdata_trace *trace, const struct fdata_trace_report *r,
                                     const char *path, struct fdata_error *err);

/* Frees a trace; NULL is a no-op. */
FDATA_API void fdata_trace_free(fdata_trace *trace);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_TRACE_H */
