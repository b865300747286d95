/* The download memory budget: two atomic counters, no lock, so that event loops and
 * consumers on any threads reserve and release without waiting on each other. */
#include <stdatomic.h>
#include <stdlib.h>
#include "fastdata/s3.h"
#include "budget.h"
#include "../common/common.h"
#include "../common/trace.h"

struct fdata_s3_budget {
    struct fdata_cap cap;
    struct fdata_runtime *shared; /* whose cap it draws from too, or NULL */
    _Atomic(fdata_trace *) trace; /* records what is held, or NULL */
};

fdata_s3_budget *fdata_s3_budget_new(size_t limit) {
    fdata_s3_budget *b = calloc(1, sizeof *b);
    if (b)
        b->cap.limit = limit ? limit : SIZE_MAX;
    return b;
}

void fdata_s3_budget_free(fdata_s3_budget *b) { free(b); }

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
    }
}

void s3_budget_trace(fdata_s3_budget *b, fdata_trace *t) {
    if (b)
        atomic_store(&b->trace, t);
    if (b && b->cap.limit != SIZE_MAX) /* the line the report draws the budget against */
        fdata_trace_counter(t, "budget limit", (int64_t)b->cap.limit);
}
