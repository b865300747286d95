/* Schema drift: files whose columns differ read as one table (see fastdata/load.h). */
#ifndef FDATA_PIPELINE_DRIFT_H
#define FDATA_PIPELINE_DRIFT_H

#include <stddef.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"
#include "fastdata/parquet.h"

/* How one file's columns make the table's. */
struct drift_file {
    const char **names;          /* its projection: the wanted columns it has (NULL: all) */
    size_t n_names;
    struct ArrowSchema own;      /* its schema under that projection */
    int reshaped;                /* its columns are not the table's: conformed to them */
};

/* File `pq`'s projection: those of `wanted` (names or paths, as the caller gave them) whose
 * top-level column it has (seen[i] set for each; f->names non-NULL, maybe empty); wanted
 * NULL: every column (f->names NULL). */
int drift_project(fdata_parquet_file *pq, const char *const *wanted, size_t n_wanted,
                  char *seen, struct drift_file *f, struct fdata_error *err);

/* The top-level column names of pq (malloc'ed array of pointers into *schema, which the
 * caller releases after). */
int drift_column_names(fdata_parquet_file *pq, struct ArrowSchema *schema, const char ***names,
                       size_t *n, struct fdata_error *err);

/* The table's schema from the files' (f[i]->own, read with their projections): with `first` file 0's
 * columns, else every file's by name in order of appearance (or of `wanted`), each of the
 * type all its files convert to without loss (nested ones unified by field name, see
 * fdata_schema_unify); then whether each file's batches need reshaping.  FDATA_EINVAL naming
 * the column (the path in it), both types and two files when there is none. */
int drift_table_schema(struct drift_file *const *f, size_t n, const char *const *names, int first,
                       const char *const *wanted, size_t n_wanted, struct ArrowSchema *out,
                       struct fdata_error *err);

/* A batch of file f (its columns as f->own) as the table's: columns (and struct fields) in
 * the table's order, cast to its types, nulls where the file has none.  On failure the batch
 * is released. */
int drift_batch(const struct ArrowSchema *table, const struct drift_file *f,
                struct ArrowArray *batch, struct fdata_error *err);

/* Columns cols[0..n) of a record batch schema, or of a batch (the others released; on
 * failure the batch is released): columns read only for a filter (or a matrix) dropped
 * after it. */
int drift_schema_select(const struct ArrowSchema *s, const size_t *cols, size_t n,
                        struct ArrowSchema *out);
int drift_batch_select(struct ArrowArray *batch, const size_t *cols, size_t n,
                       struct fdata_error *err);

void drift_file_free(struct drift_file *f);

#endif
