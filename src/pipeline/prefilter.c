/* Prefiltering (prefilter.h): the filter's columns of a row group read alone and judged. */
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "prefilter.h"

/* The filter's file columns, each once (a column in several leaves is read once). */
static const char **filter_columns(const struct fdata_filter *f, const struct partitions *parts,
                                   size_t *n) {
    size_t all = filter_file_columns(f, parts, 0, NULL, 0), k = 0;
    const char **names = malloc((all + 1) * sizeof *names);
    if (names)
        filter_file_columns(f, parts, 0, names, all);
    for (size_t i = 0; names && i < all; i++) {
        size_t j = 0;
        while (j < k && strcmp(names[j], names[i]) != 0)
            j++;
        if (j == k)
            names[k++] = names[i];
    }
    *n = k;
    return names;
}

int prefilter_open(struct prefilter *p, const struct fdata_filter *f, const struct partitions *parts,
                   fdata_parquet_file *pq, const struct fdata_parquet_read_options *ro,
                   size_t n_read, struct fdata_error *err) {
    size_t n;
    const char **names = filter_columns(f, parts, &n);
    char *seen = calloc(n + 1, 1);
    int status = names && seen ? drift_project(pq, names, n, seen, &p->cols, err)
                               : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    struct fdata_parquet_read_options own = *ro;
    own.columns = p->cols.names;
    own.num_columns = p->cols.n_names;
    p->state = status == FDATA_OK && p->cols.n_names > 0 && p->cols.n_names < n_read ? 1 : -1;
    if (p->state > 0)
        status = fdata_parquet_get_schema(pq, &own, &p->cols.own, err);
    free(names);
    free(seen);
    return status;
}

/* The runs of rows with keep[r] (n_rows of them) as ranges into *rows; *n their count. */
static int kept_ranges(const uint8_t *keep, int64_t n_rows, struct pq_rows **rows, size_t *n) {
    size_t runs = 0;
    for (int64_t r = 0; r < n_rows; r++)
        runs += keep[r] && (r == 0 || !keep[r - 1]);
    *rows = malloc((runs + 1) * sizeof **rows);
    if (!*rows)
        return FDATA_ENOMEM;
    *n = 0;
    for (int64_t r = 0; r < n_rows; r++) {
        if (!keep[r])
            continue;
        if (r == 0 || !keep[r - 1])
            (*rows)[(*n)++] = (struct pq_rows){r, 0};
        (*rows)[*n - 1].count++;
    }
    return FDATA_OK;
}

int prefilter_rows(struct prefilter *p, const struct fdata_filter *f,
                   const struct partitions *parts, size_t file, fdata_parquet_file *pq, int rg,
                   const struct fdata_parquet_read_options *ro, struct pq_rows **rows, size_t *n,
                   int *whole, struct fdata_error *err) {
    struct fdata_parquet_read_options own = *ro;
    own.columns = p->cols.names;
    own.num_columns = p->cols.n_names;
    struct ArrowArray batch = {0};
    *rows = NULL;
    *n = 0;
    *whole = 1;
    FDATA_RETURN_IF(fdata_parquet_read_row_groups(pq, rg, 1, &own, &batch, err));
    uint8_t *keep = malloc((size_t)batch.length + 1);
    int status = keep ? filter_rows(f, parts, file, &p->cols.own, &batch, keep) : FDATA_ENOMEM;
    int64_t kept = 0;
    for (int64_t r = 0; status == FDATA_OK && r < batch.length; r++)
        kept += keep[r];
    if (status == FDATA_OK && kept * PREFILTER_FEW > batch.length) {
        p->state = -1; /* many: read whole, now and for the rest of the file */
    } else if (status == FDATA_OK) {
        *whole = 0;
        status = kept_ranges(keep, batch.length, rows, n); /* none: an empty selection */
    }
    free(keep);
    batch.release(&batch);
    return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, status, "out of memory");
}

void prefilter_free(struct prefilter *p) {
    drift_file_free(&p->cols);
    p->state = 0;
}
