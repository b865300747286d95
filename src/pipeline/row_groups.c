/* Row-group selections (see row_groups.h). */
#include <stdlib.h>
#include "../common/common.h"
#include "row_groups.h"

int rg_select_all(struct rg_selection *s, const fdata_parquet_file *pq, struct fdata_error *err) {
    int n = fdata_parquet_num_row_groups(pq);
    s->count = 0;
    if (!(s->rg = malloc(((size_t)n + 1) * sizeof *s->rg)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        s->rg[i] = i;
    s->count = n;
    return FDATA_OK;
}

void rg_select_keep(struct rg_selection *s, const char *keep) {
    int m = 0;
    for (int j = 0; j < s->count; j++)
        if (keep[j])
            s->rg[m++] = s->rg[j];
    s->count = m;
}

int64_t rg_selection_rows(const struct rg_selection *s, const fdata_parquet_file *pq, int from,
                          int n) {
    int64_t rows = 0;
    for (int j = from; j < from + n; j++)
        rows += fdata_parquet_row_group_num_rows(pq, s->rg[j]);
    return rows;
}

int rg_selection_run(const struct rg_selection *s, int from, int n) {
    int run = n > 0;
    while (run < n && s->rg[from + run] == s->rg[from] + run)
        run++;
    return run;
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
    return FDATA_OK;
}

void rg_selection_free(struct rg_selection *s) {
    free(s->rg);
    s->rg = NULL;
    s->count = 0;
}
