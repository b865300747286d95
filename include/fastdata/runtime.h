/*
 * fastdata/runtime.h - the workers, the memory budget and the memory that loads share.
 *
 * A runtime owns a pool of worker threads, started once, a cap on the bytes in flight
 * (downloaded, not yet decoded) of every load that runs on it, and the memory its large
 * buffers come from: a page cache (below) or the caller's allocator.  Every parallel step of the
 * library (the column chunks of a row group, the S3 download event loops, multipart upload
 * parts, the writer's columns) runs on a runtime's workers, with the calling thread helping:
 * no call creates threads of its own, a task that itself starts parallel work never waits for
 * a worker (it runs the work itself when none is free), and several loads from several
 * threads share the workers and finish in any order.
 *
 * Which runtime: the `runtime` field of fdata_load_options, fdata_parquet_read_options,
 * fdata_parquet_write_options and fdata_s3_options; NULL there means the default runtime,
 * created at first use with one worker per online CPU and no shared memory cap (each load
 * keeps its own memory_limit).
 *
 * Threads: a runtime of size N has N worker threads; threads that call into the library also
 * work on their own calls (one more each).  fdata_load decodes on the caller's thread; a
 * load from S3 (fdata_load, fdata_load_stream) has a download thread of its own for its
 * lifetime (and, while it lists a prefix, a footer prefetch thread), and fdata_load_stream a
 * decode thread that decodes ahead of the consumer; they mostly wait: the work they start
 * runs on the workers.  So N loads at once run at most the runtime's size + the callers +
 * 1 per S3 load + 1 per stream, + one page cache reaper per runtime (while its cache holds
 * more than 64 MiB; libcurl's resolver threads aside).  Why a download is not itself a task
 * on the workers: it holds its seat for the whole load, mostly waiting on the network, and
 * a queued one would leave its load's consumer waiting for a worker that other downloads
 * hold; the work it starts (event loops, decoding) takes only idle workers and never waits
 * for one, which is what keeps loads sharing a runtime free of deadlock.
 *
 * Memory: with memory_limit set, every load on the runtime reserves its downloaded bytes from
 * the runtime as well as from its own memory_limit; a load whose request does not fit waits
 * for bytes to be given back.  Slack: each load may always hold one object (a row group's
 * ranges) beyond the cap when it holds nothing else, so that no load waits forever; the most
 * held is the cap plus one row group per load in flight.
 *
 * Memory: a runtime's large buffers (the value slabs that decoded fixed-width columns share,
 * fdata_s3_get_many's object buffers) come from its allocator when the options name one,
 * else from mapped pages, with the pages of released ones kept in the runtime's page cache
 * for the next (64 MiB kept; more while buffers keep coming and going, given back by a
 * reaper thread after a second idle; fdata_release_cached_memory empties the default
 * runtime's).  The default runtime's cache is the process's; a runtime made with
 * fdata_runtime_new has its own, so two runtimes never share or trim each other's pages.
 * fdata_runtime_free gives its cache's pages back at once; buffers made from it that the
 * caller still holds (arrays of a table) stay valid and return to the allocator (or the
 * kernel) when released, the runtime's memory going with the last of them.
 *
 * Fork: a forked child has none of its parent's threads.  In the child the default runtime
 * is a fresh one (made at first use), and a runtime the parent created is not used: calls
 * that name it run on the child's default runtime instead (its memory cap is not applied),
 * so a Dask or multiprocessing worker that forks just works.  fdata_runtime_free of a
 * parent's runtime in the child frees its memory without joining threads it does not have.
 * The child keeps the process's page cache (its pages are the child's copies) without its
 * reaper (a new one starts when needed); buffers from a parent's runtime released in the
 * child go back to the kernel, and the parent's allocator is not called for new ones (the
 * child's buffers come from its default runtime).
 */
#ifndef FASTDATA_RUNTIME_H
#define FASTDATA_RUNTIME_H

#include <stddef.h>
#include "fastdata/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fdata_runtime fdata_runtime;

/* Where a runtime's large buffers come from (as Arrow's MemoryPool or nanoarrow's
 * ArrowBufferAllocator): allocate returns `size` bytes aligned to `alignment` (a power of two,
 * 64) or NULL; release gets back the pointer with the size it was allocated with.  Both are
 * called from any thread (workers, loads, the thread that releases an array) and must be
 * thread-safe; user is passed to both.  Used for the value slabs that decoded fixed-width
 * columns share and the download buffers (fdata_s3_get_many's data, a load's row-group
 * ranges): strings, offsets, validity bitmaps and small buffers still come from malloc.
 * A buffer may outlive its load and the runtime (an array the caller keeps): the allocator
 * and its user data must stay valid until every buffer is released. */
struct fdata_allocator {
    void *(*allocate)(void *user, size_t size, size_t alignment);
    void (*release)(void *user, void *p, size_t size);
    void *user;
};

/* Options; zero-initialise (0 = default). */
struct fdata_runtime_options {
    int threads;         /* worker threads; 0 = one per online CPU */
    size_t memory_limit; /* bytes in flight across all loads on the runtime; 0 = no shared cap */
    const struct fdata_allocator *allocator; /* copied; NULL: mapped pages and malloc, with
                                                the runtime's page cache */
};

/* Creates a runtime and starts its workers (opts NULL: defaults).  On success *out is owned
 * by the caller (fdata_runtime_free).  Errors: FDATA_EINVAL (threads < 0 or above 1024, an
 * allocator without both functions), FDATA_ENOMEM (no memory, or no worker thread could
 * start). */
FDATA_API int fdata_runtime_new(const struct fdata_runtime_options *opts, fdata_runtime **out,
                                struct fdata_error *err);
/* Stops and joins the workers, gives its page cache's pages back and frees the runtime
 * (NULL: no-op).  No call may be using it: every load stream made with it must have been
 * released (arrays from it may live on, see Memory above). */
FDATA_API void fdata_runtime_free(fdata_runtime *rt);
/* The default runtime (created at the first call), never freed; thread-safe. */
FDATA_API fdata_runtime *fdata_runtime_default(void);

/* The runtime's worker threads. */
FDATA_API int fdata_runtime_threads(const fdata_runtime *rt);
/* The cap on bytes in flight (0: none), the bytes its loads hold now, and the most they have
 * held at once since the runtime was made. */
FDATA_API size_t fdata_runtime_memory_limit(const fdata_runtime *rt);
FDATA_API size_t fdata_runtime_memory_held(const fdata_runtime *rt);
FDATA_API size_t fdata_runtime_memory_peak(const fdata_runtime *rt);

#ifdef __cplusplus
}
#endif

#endif
