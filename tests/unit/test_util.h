/* Helpers shared by the tests and the fuzz target: whole files into memory, and the
 * top-level flat columns of a Parquet file (the ones the reader decodes today). */
#ifndef FDATA_TEST_UTIL_H
#define FDATA_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/parquet.h"

/* The file's bytes in an exact-size allocation (so ASan sees any overread); NULL on error. */
static inline void *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    *size = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = b ? (size_t)n : 0;
    return b;
}

/* Names of the top-level flat columns (owned by the file); *count gets how many.  The
 * caller frees the array. */
static inline const char **flat_columns(const fdata_parquet_file *f, size_t *count) {
    int ncol = fdata_parquet_num_columns(f);
    const char **cols = calloc((size_t)ncol + 1, sizeof *cols);
    size_t k = 0;
    for (int i = 0; cols && i < ncol; i++) {
        struct fdata_parquet_column_info ci;
        fdata_parquet_column_info(f, i, &ci, NULL);
        if (!ci.nested && ci.arrow_type[0] && !strchr(ci.path, '.'))
            cols[k++] = ci.path;
    }
    *count = k;
    return cols;
}

#endif
