/* Internal helpers shared by every module: error setting, aligned buffers, little-endian
 * loads, a parallel-for (mapped memory, slabs and pages: src/memory/memory.h).  Not
 * installed; symbols are hidden in the shared library. */
#ifndef FDATA_COMMON_H
#define FDATA_COMMON_H

#include <stdatomic.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "fastdata/error.h"

#if defined(__GNUC__)
#define FDATA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FDATA_LIKELY(x) __builtin_expect(!!(x), 1)
#define FDATA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define FDATA_PRINTF(f, a)
#define FDATA_LIKELY(x) (x)
#define FDATA_UNLIKELY(x) (x)
#endif

/* Sets err (if not NULL) to code + formatted message; returns code. */
int fdata_set_error(struct fdata_error *err, int code, const char *fmt, ...) FDATA_PRINTF(3, 4);
/* The errno value the Arrow C Stream interface wants for a code: consumers map EINVAL,
 * ENOMEM, ENOSYS to their own exception types, and anything else to an I/O error. */
int fdata_errno_of(int code);
/* The code for an errno from the operating system: ENOENT and ENOTDIR are FDATA_ENOTFOUND,
 * EACCES and EPERM FDATA_EACCES, ENOMEM FDATA_ENOMEM, anything else FDATA_EIO. */
int fdata_code_of_errno(int e);

/* Prepends "prefix: " to err->message (keeps the code). */
void fdata_error_prefix(struct fdata_error *err, const char *fmt, ...) FDATA_PRINTF(2, 3);

#define FDATA_RETURN_IF(expr)                 \
    do {                                      \
        int fdata_status_ = (expr);           \
        if (fdata_status_ != FDATA_OK)        \
            return fdata_status_;             \
    } while (0)

static inline uint32_t fdata_load_u32le(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v; /* every supported target is little-endian; see CMakeLists.txt */
}
static inline uint64_t fdata_load_u64le(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Number of threads to use for `requested` (0 = online CPUs), at least 1. */
int fdata_thread_count(int requested);
/* pthread_cond_wait (with `lock` held) for at most `ms` milliseconds: for a waiter that must
 * also notice what nobody signals, such as a caller's cancel flag. */
void fdata_cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, long ms);

/*
 * Runs fn(ctx, i, worker) for every i in [0, n) on the runtime's workers (NULL: the default
 * runtime, fastdata/runtime.h) and the caller's thread, at most `threads` of them at once;
 * `worker` in [0, threads) names the thread for this call, so callers can keep per-thread
 * scratch memory.  Tasks are handed out in increasing order.  Once a task returns non-zero,
 * tasks not yet started are skipped; the return value is the status of the failed task with
 * the lowest index, or FDATA_OK.  The caller runs whatever no worker takes (all of it when
 * every worker is busy), so tasks must not wait on each other; fn may call
 * fdata_parallel_for itself.  Never fails on its own.
 */
struct fdata_runtime;
int fdata_parallel_for(struct fdata_runtime *rt, size_t n, int threads,
                       int (*fn)(void *ctx, size_t i, int worker), void *ctx);
/* After tasks that each set their own errors[i] (zeroed before): when `status` (what
 * fdata_parallel_for returned) is a failure, *err (may be NULL) gets the error of the failed
 * task with the lowest index, whose code is returned; else returns status. */
int fdata_first_error(int status, const struct fdata_error *errors, size_t n,
                      struct fdata_error *err);
/* For tasks that must run at the same time (they wait on each other): runs fn(ctx, i, count)
 * for i in [0, count), each on its own thread, where count is 1 (the caller) plus the idle
 * workers it could claim (at most half the runtime's), at most `most` in all.  Returns as
 * fdata_parallel_for. */
int fdata_parallel_gang(struct fdata_runtime *rt, int most,
                        int (*fn)(void *ctx, size_t i, int count), void *ctx);

/* A cap on bytes held by several threads: lock-free counters (a load's memory budget, a
 * runtime's shared one).  take adds `bytes` and returns 1 unless that would pass the limit
 * while more than `mine` (what the taker holds already) is held: one request alone may pass
 * it; `force` takes them regardless.  give returns bytes and says what is held after. */
struct fdata_cap {
    size_t limit; /* SIZE_MAX: none */
    atomic_size_t held, peak;
};
int fdata_cap_take(struct fdata_cap *cap, size_t bytes, size_t mine, int force);
size_t fdata_cap_give(struct fdata_cap *cap, size_t bytes);

/* The runtime's shared cap on bytes in flight (NULL: the default runtime's, which has
 * none): fdata_cap_take/give on it; a load passes `force` when it holds nothing else. */
int fdata_runtime_take(struct fdata_runtime *rt, size_t bytes, int force);
void fdata_runtime_give(struct fdata_runtime *rt, size_t bytes);

#endif
