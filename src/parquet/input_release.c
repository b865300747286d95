/* Releasing a mapped file's decoded input in steps (see input_release.h). */
#include <pthread.h>
#include <stdlib.h>
#include "../memory/memory.h"
#include "input_release.h"

struct chunk {
    int64_t start, end;
    int parts;                    /* left to decode */
};

struct pq_input_release {
    const uint8_t *base;
    struct chunk *chunks;         /* in file order */
    size_t *at;                   /* [caller's index]: its place in chunks */
    size_t n, next;               /* chunks[0..next) are done */
    int64_t released;             /* the input before this offset has been given back */
    pthread_mutex_t lock;
};

static int by_start(const void *a, const void *b) {
    const struct chunk *x = *(const struct chunk *const *)a, *y = *(const struct chunk *const *)b;
    return (x->start > y->start) - (x->start < y->start);
}

struct pq_input_release *pq_input_release_new(const uint8_t *base, const int64_t *start,
                                              const int64_t *size, const int *parts, size_t n) {
    struct pq_input_release *r = calloc(1, sizeof *r);
    struct chunk *given = calloc(n + 1, sizeof *given);
    struct chunk **order = calloc(n + 1, sizeof *order);
    if (r) {
        pthread_mutex_init(&r->lock, NULL);
        r->chunks = calloc(n + 1, sizeof *r->chunks);
        r->at = calloc(n + 1, sizeof *r->at);
    }
    if (!r || !given || !order || !r->chunks || !r->at) {
        free(given), free(order);
        pq_input_release_free(r);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        given[i] = (struct chunk){start[i], start[i] + size[i], parts[i]};
        order[i] = &given[i];
    }
    qsort(order, n, sizeof *order, by_start);
    for (size_t k = 0; k < n; k++) {
        r->chunks[k] = *order[k];
        r->at[order[k] - given] = k;
    }
    free(given), free(order);
    r->base = base, r->n = n;
    r->released = n ? r->chunks[0].start : 0;
    return r;
}

void pq_input_release_done(struct pq_input_release *r, size_t i) {
    if (!r || i >= r->n)
        return;
    pthread_mutex_lock(&r->lock);
    r->chunks[r->at[i]].parts--;
    while (r->next < r->n && r->chunks[r->next].parts <= 0)
        r->next++;
    /* everything before the first chunk not done (or the end of the last) is done with */
    int64_t edge = r->next < r->n ? r->chunks[r->next].start : r->chunks[r->n - 1].end;
    int64_t from = r->released;
    int go = edge - from >= PQ_INPUT_RELEASE_STEP || (r->next == r->n && edge > from);
    if (go)
        r->released = edge;
    pthread_mutex_unlock(&r->lock);
    if (go) /* (a range no other decoder reads: outside the lock) */
        fdata_discard((void *)(uintptr_t)(r->base + from), (size_t)(edge - from));
}

void pq_input_release_free(struct pq_input_release *r) {
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r->chunks);
    free(r->at);
    free(r);
}
