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
 * lane, and counters for the bytes in flight, the download budget held and the process's RSS.
 *
 * Bounded: a trace keeps at most max_events events (its memory is reserved up front, about
 * 350 bytes an event, and only touched as events arrive); past that, events are counted and
 * dropped, and the written file ends with an event that says how many.
 *
 * Thread safety: recording is lock-free, from any number of threads at once.
 * fdata_trace_write and fdata_trace_free must not run while a call that records into the
 * trace is under way.
 */
#ifndef FASTDATA_TRACE_H
#define FASTDATA_TRACE_H

#include <stddef.h>
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
/* Frees a trace; NULL is a no-op. */
FDATA_API void fdata_trace_free(fdata_trace *trace);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_TRACE_H */
