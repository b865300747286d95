/* Internal helpers shared by every module: error setting, aligned buffers, little-endian
 * loads, a parallel-for (mapped memory, slabs and pages: src/memory/memory.h).  Not
 * installed; symbols are hidden in the shared library. */
#ifndef FDATA_COMMON_H
#define FDATA_COMMON_H

#include <stddef.h>
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

/* 64-byte aligned allocation, size rounded up to a multiple of 64 (so vector loops may run
 * over the last value).  fdata_aligned_free(NULL) is a no-op.  Returns NULL on failure. */
void *fdata_aligned_alloc(size_t size);
void *fdata_aligned_calloc(size_t size);
void fdata_aligned_free(void *p);

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

/*
 * Runs fn(ctx, i, worker) for every i in [0, n) on up to `threads` threads (the caller's
 * thread is one of them); `worker` in [0, threads) names the thread, so callers can keep
 * per-thread scratch memory.  Tasks are handed out in increasing order.  Once a task returns non-zero,
 * tasks not yet started are skipped; the return value is the status of the failed task with
 * the lowest index, or FDATA_OK.  If threads cannot be created the caller's thread runs
 * every task itself, so this never fails on its own.
 */
int fdata_parallel_for(size_t n, int threads, int (*fn)(void *ctx, size_t i, int worker),
                       void *ctx);

#endif
