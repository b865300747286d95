/* The download memory budget: two atomic counters, no lock, so that event loops and
 * consumers on any threads reserve and release without waiting on each other; a release
 * wakes the event loops that wait for room through an eventfd they poll. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "fastdata/s3.h"
#include "budget.h"
#include "../common/common.h"
#include "../common/trace.h"

struct fdata_s3_budget {
    struct fdata_cap cap;
    struct fdata_runtime *shared; /* whose cap it draws from too, or NULL */
    _Atomic(fdata_trace *) trace; /* records what is held, or NULL */
    int wake_fd;                  /* readable after a release (an eventfd), or -1 */
};

fdata_s3_budget *fdata_s3_budget_new(size_t limit) {
    fdata_s3_budget *b = calloc(1, sizeof *b);
    if (b) {
        b->cap.limit = limit ? limit : SIZE_MAX;
        b->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); /* -1: loops poll on a timer */
    }
    return b;
}

void fdata_s3_budget_free(fdata_s3_budget *b) {
    if (b && b->wake_fd >= 0)
        close(b->wake_fd);
    free(b);
}

size_t fdata_s3_budget_held(const fdata_s3_budget *b) {
    return atomic_load(&((fdata_s3_budget *)b)->cap.held);
}

size_t fdata_s3_budget_peak(const fdata_s3_budget *b) {
    return atomic_load(&((fdata_s3_budget *)b)->cap.peak);
}

int s3_budget_reserve(fdata_s3_budget *b, size_t bytes, size_t mine, int force) {
    int alone = atomic_load(&b->cap.held) == mine; /* then it may pass the shared cap */
    if (!fdata_runtime_take(b->shared, bytes, force || alone))
        return 0;
    if (!fdata_cap_take(&b->cap, bytes, mine, force)) {
        fdata_runtime_give(b->shared, bytes);
        return 0;
    }
    fdata_trace_counter(atomic_load(&b->trace), "budget held",
                        (int64_t)atomic_load(&b->cap.held));
    return 1;
}

void fdata_s3_budget_hold(fdata_s3_budget *b, size_t bytes) { s3_budget_reserve(b, bytes, 0, 1); }

void s3_budget_share(fdata_s3_budget *b, struct fdata_runtime *rt) { b->shared = rt; }

size_t s3_budget_limit(const fdata_s3_budget *b) { return b->cap.limit; }

void fdata_s3_budget_release(fdata_s3_budget *b, size_t bytes) {
    if (b) {
        fdata_runtime_give(b->shared, bytes);
        size_t held = fdata_cap_give(&b->cap, bytes);
        fdata_trace_counter(atomic_load(&b->trace), "budget held", (int64_t)held);
        uint64_t one = 1;
        if (b->wake_fd >= 0 && write(b->wake_fd, &one, sizeof one) < 0) {
            /* the counter is full (never drained): the waiting loops are awake already */
        }
    }
}

int s3_budget_wake_fd(const fdata_s3_budget *b) { return b ? b->wake_fd : -1; }

int s3_budget_woken(fdata_s3_budget *b) {
    uint64_t count;
    return b && b->wake_fd >= 0 && read(b->wake_fd, &count, sizeof count) == sizeof count;
}

void s3_budget_trace(fdata_s3_budget *b, fdata_trace *t) {
    if (b)
        atomic_store(&b->trace, t);
    if (b && b->cap.limit != SIZE_MAX) /* the line the report draws the budget against */
        fdata_trace_counter(t, "budget limit", (int64_t)b->cap.limit);
}
