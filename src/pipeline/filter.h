/* Filters (fastdata/load.h): the expression tree, its parser and builders (filter_parse.c),
 * and its evaluation over partition values (filter_eval.c). */
#ifndef FDATA_PIPELINE_FILTER_H
#define FDATA_PIPELINE_FILTER_H

#include "fastdata/load.h"
#include "partitions.h"

enum filter_kind { F_AND, F_OR, F_NOT, F_CMP, F_IN, F_NULL };

struct fdata_filter {
    int kind;                    /* enum filter_kind */
    int op;                      /* F_CMP: enum fdata_filter_op */
    int negate;                  /* F_IN: NOT IN; F_NULL: IS NOT NULL */
    char *column;                /* F_CMP, F_IN, F_NULL */
    struct fdata_value *values;  /* F_CMP: one; F_IN: n_values (strings owned) */
    size_t n_values;
    struct fdata_filter *a, *b;  /* F_AND, F_OR: both; F_NOT: a */
};

/* Checks that every column of f is a partition key of p (the only columns filters take so
 * far) and that every literal suits its column's type; FDATA_EINVAL naming the column. */
int filter_bind(const struct fdata_filter *f, const struct partitions *p,
                struct fdata_error *err);

/* Whether file `file`'s rows (all with its partition values) are selected by f. */
int filter_selects_file(const struct fdata_filter *f, const struct partitions *p, size_t file);

#endif
