/* Filters (fastdata/load.h): the expression tree, its parser and builders (filter_parse.c),
 * and its evaluation over partition values and rows (filter_eval.c). */
#ifndef FDATA_PIPELINE_FILTER_H
#define FDATA_PIPELINE_FILTER_H

#include "fastdata/load.h"
#include "partitions.h"
#include "../parquet/stats.h"

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

/* Before the footers: every literal compared with a partition key suits its type
 * (FDATA_EINVAL naming the column); other columns are left to filter_bind_columns. */
int filter_bind(const struct fdata_filter *f, const struct partitions *p,
                struct fdata_error *err);

/* After them: every other column is a top-level column of `files` (the files' columns, as
 * the table has them) of a type filters compare (numbers, strings, binaries, dates,
 * timestamps) with literals that suit it.  FDATA_EINVAL naming the column. */
int filter_bind_columns(const struct fdata_filter *f, const struct partitions *p,
                        const struct ArrowSchema *files, struct fdata_error *err);

/* Whether f may select rows of file `file` (from its partition values alone: 0 when it
 * selects none whatever the files' columns hold). */
int filter_selects_file(const struct fdata_filter *f, const struct partitions *p, size_t file);

/* Rows of file `file` as statistics see them: row group rg of pq, its columns as `own` (the
 * file's own types: a value's unit is the file's), read with invalid_utf8.  Their statistics
 * are the row group's footer statistics (pq_column_stats), or with `column_stats` those of
 * some of its rows (a page's: pq_page_stats), by the same sort-order rules either way. */
struct stats_source {
    fdata_parquet_file *pq;
    int rg;
    const struct ArrowSchema *own;
    int invalid_utf8;
    int use_bloom;                /* the row group's bloom filters' bytes are in (pq's) */
    /* or NULL: fills *out with what is known of `column` (a top-level column of own) */
    void (*column_stats)(void *ctx, const char *column, struct pq_column_stats *out);
    void *ctx;
};

/* Whether f may select any of the rows `src` describes, from their statistics and (use_bloom)
 * the bloom filters of the columns = and IN compare (with SQL's nulls; 0 only when no row
 * can match: they may be skipped).  A column the file lacks is null on every row. */
int filter_may_select(const struct fdata_filter *f, const struct partitions *p, size_t file,
                      const struct stats_source *src);

/* The columns f's leaves name that are not partition keys (one per leaf, so maybe twice;
 * equal_only: of = and IN leaves only, those bloom filters serve), into names[0..cap) (the
 * filter's strings); returns how many there are (may exceed cap). */
size_t filter_file_columns(const struct fdata_filter *f, const struct partitions *p,
                           int equal_only, const char **names, size_t cap);

/* Whether text is a decimal number [+-]digits[.digits][e[+-]digits]; *out its nearest double. */
int filter_decimal_double(const char *text, double *out);

/* keep[r] = whether f selects row r of a batch of file `file` (its columns as `files`: the
 * table's, where filter_bind_columns found every column f names, or some of the file's own,
 * where a column f names and `files` lacks is null at every row).  FDATA_ENOMEM when out of
 * memory. */
int filter_rows(const struct fdata_filter *f, const struct partitions *p, size_t file,
                const struct ArrowSchema *files, const struct ArrowArray *batch, uint8_t *keep);

#endif
