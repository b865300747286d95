/* The download memory budget: two atomic counters, no lock, so that event loops and
 * consumers on any threads reserve and release without waiting on each other. */
#include <stdatomic.h>
#include <stdlib.h>
#include "fastdata/s3.h"
#include "budget.h"
#include "../common/trace.h"

struct fdata_s3_budget {
    size_t limit;
    atomic_size_t held, peak;
    _Atomic(fdata_trace *) trace; /* records what is held, or NULL */
};

fdata_s3_budget *fdata_s3_budget_new(size_t limit) {
    fdata_s3_budget *b = calloc(1, sizeof *b);
    if (b)
        b->limit = limit ? limit : SIZE_MAX;
    return b;
}

void fdata_s3_budget_free(fdata_s3_budget *b) { free(b); }

size_t fdata_s3_budget_held(const fdata_s3_budget *b) {
    return atomic_load(&((fdata_s3_budget *)b)->held);
}

size_t fdata_s3_budget_peak(const fdata_s3_budget *b) {
    return atomic_load(&((fdata_s3_budget *)b)->peak);
}

int s3_budget_reserve(fdata_s3_budget *b, size_t bytes, size_t mine, int force) {
    size_t cur = atomic_load(&b->held);
    do {
        if (!force && cur != mine && (bytes > b->limit || cur > b->limit - bytes))
            return 0;
    } while (!atomic_compare_exchange_weak(&b->held, &cur, cur + bytes));
    size_t peak = atomic_load(&b->peak);
    while (cur + bytes > peak && !atomic_compare_exchange_weak(&b->peak, &peak, cur + bytes))
        ;
    fdata_trace_counter(atomic_load(&b->trace), "budget held", (int64_t)(cur + bytes));
    return 1;
}

void fdata_s3_budget_hold(fdata_s3_budget *b, size_t bytes) { s3_budget_reserve(b, bytes, 0, 1); }

size_t s3_budget_limit(const fdata_s3_budget *b) { return b->limit; }

void fdata_s3_budget_release(fdata_s3_budget *b, size_t bytes) {
    if (b) {
        size_t held = atomic_fetch_sub(&b->held, bytes) - bytes;
        fdata_trace_counter(atomic_load(&b->trace), "budget held", (int64_t)held);
    }
}

void s3_budget_trace(fdata_s3_budget *b, fdata_trace *t) {
    if (b)
        atomic_store(&b->trace, t);
}
