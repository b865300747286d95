/* Row-group selections (see row_groups.h). */
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "../parquet/reader.h"
#include "row_groups.h"

int rg_select_all(struct rg_selection *s, const fdata_parquet_file *pq, struct fdata_error *err) {
    int n = fdata_parquet_num_row_groups(pq);
    s->count = 0;
    s->rows = NULL;
    s->nrows = NULL;
    if (!(s->rg = malloc(((size_t)n + 1) * sizeof *s->rg)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        s->rg[i] = i;
    s->count = n;
    return FDATA_OK;
}

void rg_select_keep(struct rg_selection *s, const char *keep) {
    int m = 0;
    for (int j = 0; j < s->count; j++) {
        if (keep[j]) {
            if (s->rows) {
                s->rows[m] = s->rows[j];
                s->nrows[m] = s->nrows[j];
            }
            s->rg[m++] = s->rg[j];
        } else if (s->rows) {
            free(s->rows[j]);
        }
    }
    s->count = m;
}

int rg_select_rows(struct rg_selection *s, int j, struct pq_rows *rows, size_t n,
                   struct fdata_error *err) {
    if (!s->rows) {
        s->rows = calloc((size_t)s->count + 1, sizeof *s->rows);
        s->nrows = calloc((size_t)s->count + 1, sizeof *s->nrows);
    }
    if (!s->rows || !s->nrows) {
        free(rows);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    free(s->rows[j]);
    s->rows[j] = rows;
    s->nrows[j] = n;
    return FDATA_OK;
}

int64_t rg_selection_rows(const struct rg_selection *s, const fdata_parquet_file *pq, int from,
                          int n) {
    int64_t rows = 0;
    for (int j = from; j < from + n; j++) {
        if (s->rows && s->rows[j])
            for (size_t k = 0; k < s->nrows[j]; k++)
                rows += s->rows[j][k].count;
        else
            rows += fdata_parquet_row_group_num_rows(pq, s->rg[j]);
    }
    return rows;
}

int rg_selection_run(const struct rg_selection *s, int from, int n) {
    int run = n > 0;
    while (run < n && s->rg[from + run] == s->rg[from] + run &&
           !(s->rows && (s->rows[from] || s->rows[from + run])))
        run++;
    return run;
}

/* The widest hole merged between the pages a row selection reads: they are small and many,
 * and a filter's point is to move fewer bytes, so only a hole about a page's size is fetched
 * rather than asked around. */
#define PAGE_MERGE_GAP ((int64_t)16 << 10)

/* Position j's ranges in ranges[0..*count) (grouped by position, ascending) become those of
 * its row selection. */
static int use_row_ranges(fdata_parquet_file *pq, const struct fdata_parquet_read_options *ro,
                          const struct rg_selection *s, int j, int64_t merge_gap,
                          struct fdata_byte_range **ranges, int **pos, size_t *count,
                          struct fdata_error *err) {
    struct fdata_byte_range *mine;
    size_t n, at = 0, end;
    FDATA_RETURN_IF(pq_row_group_rows_ranges(pq, ro, s->rg[j], s->rows[j], s->nrows[j],
                                             merge_gap < PAGE_MERGE_GAP ? merge_gap
                                                                        : PAGE_MERGE_GAP,
                                             &mine, &n, NULL, err));
    while (at < *count && (*pos)[at] < j)
        at++;
    for (end = at; end < *count && (*pos)[end] == j;)
        end++;
    size_t total = *count - (end - at) + n;
    struct fdata_byte_range *r = malloc((total + 1) * sizeof *r);
    int *p = malloc((total + 1) * sizeof *p);
    if (!r || !p) {
        free(mine), free(r), free(p);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    memcpy(r, *ranges, at * sizeof *r);
    memcpy(p, *pos, at * sizeof *p);
    memcpy(r + at, mine, n * sizeof *r);
    for (size_t k = 0; k < n; k++)
        p[at + k] = j;
    memcpy(r + at + n, *ranges + end, (*count - end) * sizeof *r);
    memcpy(p + at + n, *pos + end, (*count - end) * sizeof *p);
    free(*ranges), free(*pos), free(mine);
    *ranges = r;
    *pos = p;
    *count = total;
    return FDATA_OK;
}

int rg_selection_ranges(fdata_parquet_file *pq, const struct fdata_parquet_read_options *ro,
                        const struct rg_selection *s, int64_t merge_gap,
                        struct fdata_byte_range **ranges, int **pos, size_t *count,
                        struct fdata_error *err) {
    FDATA_RETURN_IF(fdata_parquet_row_group_ranges(pq, ro, merge_gap, ranges, pos, count, err));
    size_t kept = 0;
    int j = 0; /* both ascend: the selection's position of range k's row group, if any */
    for (size_t k = 0; k < *count; k++) {
        while (j < s->count && s->rg[j] < (*pos)[k])
            j++;
        if (j < s->count && s->rg[j] == (*pos)[k]) {
            (*ranges)[kept] = (*ranges)[k];
            (*pos)[kept++] = j;
        }
    }
    *count = kept;
    for (j = 0; s->rows && j < s->count; j++)
        if (s->rows[j])
            FDATA_RETURN_IF(use_row_ranges(pq, ro, s, j, merge_gap, ranges, pos, count, err));
    return FDATA_OK;
}

void rg_selection_free(struct rg_selection *s) {
    for (int j = 0; s->rows && j < s->count; j++)
        free(s->rows[j]);
    free(s->rows);
    free(s->nrows);
    s->rows = NULL;
    s->nrows = NULL;
    free(s->rg);
    s->rg = NULL;
    s->count = 0;
}
