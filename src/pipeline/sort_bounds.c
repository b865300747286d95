/* A sort column's bounds per shard (fdata_plan_sorted): from the row groups' footer
 * statistics, kept only when they prove the shards ordered and apart. */
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "../parquet/stats.h"
#include "shard.h"

_Static_assert((int)FDATA_BOUND_INT == (int)PQ_BOUND_INT && (int)FDATA_BOUND_UINT == (int)PQ_BOUND_UINT &&
                   (int)FDATA_BOUND_FLOAT == (int)PQ_BOUND_FLOAT &&
                   (int)FDATA_BOUND_BYTES == (int)PQ_BOUND_BYTES,
               "the public bound kinds are the statistics' own");

void shard_bounds_free(struct fdata_shard_bounds *bounds, size_t n) {
    for (size_t s = 0; bounds && s < n; s++) {
        free(bounds[s].min_b);
        free(bounds[s].max_b);
    }
    free(bounds);
}

static int cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* The sign of (max of b) - (min of st), both of kind `kind`. */
static int max_vs_min(int kind, const struct fdata_shard_bounds *b, const struct pq_column_stats *st) {
    switch (kind) {
    case PQ_BOUND_INT:
        return (b->max_i > st->min_i) - (b->max_i < st->min_i);
    case PQ_BOUND_UINT:
        return (b->max_u > st->min_u) - (b->max_u < st->min_u);
    case PQ_BOUND_FLOAT:
        return (b->max_f > st->min_f) - (b->max_f < st->min_f);
    default:
        return cmp_bytes(b->max_b, b->max_len, st->min_b, st->min_len);
    }
}

/* A copy of len bytes at p (one byte at least, so that an empty value is not NULL). */
static uint8_t *copy_bytes(const uint8_t *p, size_t len) {
    uint8_t *c = malloc(len ? len : 1);
    if (c && len)
        memcpy(c, p, len);
    return c;
}

/* Row group st joins shard bounds b: its min opens b when b is new, its max closes it. */
static int extend(struct fdata_shard_bounds *b, int fresh, const struct pq_column_stats *st) {
    if (fresh) {
        b->min_i = st->min_i;
        b->min_u = st->min_u;
        b->min_f = st->min_f;
        if (st->bound == PQ_BOUND_BYTES && !(b->min_b = copy_bytes(st->min_b, b->min_len = st->min_len)))
            return FDATA_ENOMEM;
    }
    b->max_i = st->max_i;
    b->max_u = st->max_u;
    b->max_f = st->max_f;
    if (st->bound == PQ_BOUND_BYTES) {
        free(b->max_b);
        if (!(b->max_b = copy_bytes(st->max_b, b->max_len = st->max_len)))
            return FDATA_ENOMEM;
    }
    return FDATA_OK;
}

/* Whether row group rg of f, the next in load order, keeps the order: a min and max, no null,
 * the kind of the others, its min not below the last max (above it across shards). */
static int in_order(const struct pq_column_stats *st, int kind, const struct fdata_shard_bounds *last,
                    int new_shard) {
    if (!st->found || st->bound == PQ_BOUND_NONE || st->null_count != 0 ||
        (kind && st->bound != kind))
        return 0;
    if (!last)
        return 1;
    int c = max_vs_min(kind, last, st);
    return new_shard ? c < 0 : c <= 0;
}

/* The bounds of every shard into b[], or 0 when the order is not proven (FDATA_ENOMEM: -1). */
static int walk(const struct shard_view *files, size_t n, const char *column, int invalid_utf8,
                const struct fdata_plan *plan, struct fdata_shard_bounds *b, int *kind) {
    size_t v = 0;
    const struct fdata_shard_bounds *last = NULL;
    for (size_t s = 0; s < plan->num_shards; s++) {
        const struct fdata_shard *sh = &plan->shards[s];
        int fresh = 1;
        for (size_t i = 0; i < sh->num_files; i++) {
            const struct fdata_shard_file *f = &sh->files[i];
            while (v < n && strcmp(files[v].file->name, f->path) != 0)
                v++; /* the shards follow the files in load order */
            if (v == n)
                return 0;
            for (int rg = f->first_row_group; rg < f->first_row_group + f->num_row_groups; rg++) {
                struct pq_column_stats st;
                pq_column_stats(files[v].pq, rg, column, invalid_utf8, &st);
                if (!in_order(&st, *kind, last, fresh && s > 0))
                    return 0;
                *kind = st.bound;
                if (extend(&b[s], fresh, &st) != FDATA_OK)
                    return -1;
                fresh = 0;
                last = &b[s];
            }
        }
        if (fresh)
            return 0; /* a shard of no row groups has no bounds */
    }
    return plan->num_shards > 0;
}

int shard_sort_bounds(const struct shard_view *files, size_t n, const char *column,
                      int invalid_utf8, struct fdata_plan *out, struct fdata_error *err) {
    struct fdata_shard_bounds *b = calloc(out->num_shards + 1, sizeof *b);
    if (!b)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int kind = 0;
    int proven = walk(files, n, column, invalid_utf8, out, b, &kind);
    if (proven <= 0) {
        shard_bounds_free(b, out->num_shards);
        return proven < 0 ? fdata_set_error(err, FDATA_ENOMEM, "out of memory") : FDATA_OK;
    }
    out->bounds = b;
    out->bound_kind = kind;
    return FDATA_OK;
}
