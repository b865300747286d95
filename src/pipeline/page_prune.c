/* Page-index pruning (see page_prune.h). */
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "page_prune.h"

/* The filter's columns and, for the run of rows being judged, each one's page. */
struct columns {
    const struct stats_source *src;
    const char **names;
    size_t n;
    struct pq_column_pages *pages;
    int *at;                      /* [n]: the page holding the run */
};

/* What the page holding the run tells of a column (stats_source.column_stats). */
static void page_stats_of(void *ctx, const char *column, struct pq_column_stats *out) {
    const struct columns *c = ctx;
    size_t k = 0;
    while (k < c->n && strcmp(c->names[k], column) != 0)
        k++; /* always found: the names are the filter's */
    pq_page_stats(c->src->pq, c->src->rg, column, c->src->invalid_utf8, &c->pages[k].pages,
                  k < c->n ? c->at[k] : -1, out);
}

static int cmp_row(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Where runs start: every page start of every column with an index, and the end; sorted,
 * once each.  *count 0 when no column has one. */
static int64_t *run_starts(const struct columns *c, int64_t num_rows, size_t *count) {
    size_t total = 2; /* the end, or with no index the whole row group's two bounds */
    for (size_t k = 0; k < c->n; k++)
        total += (size_t)c->pages[k].pages.num_pages;
    int64_t *b = malloc(total * sizeof *b);
    size_t n = 0;
    for (size_t k = 0; b && k < c->n; k++)
        for (int i = 0; i < c->pages[k].pages.num_pages; i++)
            b[n++] = c->pages[k].pages.pages[i].first_row;
    if (!b)
        return NULL;
    *count = 0;
    if (n == 0)
        return b;
    b[n++] = num_rows;
    qsort(b, n, sizeof *b, cmp_row);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || b[i] != b[m - 1])
            b[m++] = b[i];
    *count = m;
    return b;
}

/* The runs the filter may select, merged. */
static int judge_runs(const struct fdata_filter *f, const struct partitions *p, size_t file,
                      struct columns *c, const int64_t *b, size_t nb, struct pq_rows *rows,
                      size_t *n) {
    *n = 0;
    for (size_t j = 0; j + 1 < nb; j++) {
        for (size_t k = 0; k < c->n; k++) {
            const struct pq_chunk_pages *cp = &c->pages[k].pages;
            if (!cp->num_pages)
                continue;
            while (c->at[k] + 1 < cp->num_pages && cp->pages[c->at[k] + 1].first_row <= b[j])
                c->at[k]++;
        }
        struct stats_source pages = *c->src;
        pages.column_stats = page_stats_of;
        pages.ctx = c;
        if (!filter_may_select(f, p, file, &pages))
            continue;
        if (*n > 0 && rows[*n - 1].first + rows[*n - 1].count == b[j])
            rows[*n - 1].count += b[j + 1] - b[j];
        else
            rows[(*n)++] = (struct pq_rows){b[j], b[j + 1] - b[j]};
    }
    return FDATA_OK;
}

int prune_pages(const struct fdata_filter *f, const struct partitions *p, size_t file,
                const struct stats_source *rg, struct pq_rows **rows, size_t *n,
                struct fdata_error *err) {
    struct columns c = {rg, NULL, 0, NULL, NULL};
    int64_t num_rows = fdata_parquet_row_group_num_rows(rg->pq, rg->rg), *b = NULL;
    size_t nb = 0;
    *rows = NULL;
    *n = 0;
    c.n = filter_file_columns(f, p, 0, NULL, 0);
    c.names = calloc(c.n + 1, sizeof *c.names);
    c.pages = calloc(c.n + 1, sizeof *c.pages);
    c.at = calloc(c.n + 1, sizeof *c.at);
    int status = c.names && c.pages && c.at
                 ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        filter_file_columns(f, p, 0, c.names, c.n);
    for (size_t k = 0; k < c.n && status == FDATA_OK; k++)
        status = pq_column_pages(rg->pq, rg->rg, c.names[k], &c.pages[k], err);
    if (status == FDATA_OK && !(b = run_starts(&c, num_rows, &nb)))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK && nb == 0 && num_rows > 0) { /* no index: every row */
        b[0] = 0;
        b[1] = num_rows;
        nb = 2;
    }
    if (status == FDATA_OK && !(*rows = malloc((nb + 1) * sizeof **rows)))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        status = judge_runs(f, p, file, &c, b, nb, *rows, n);
    for (size_t k = 0; c.pages && k < c.n; k++)
        pq_chunk_pages_free(&c.pages[k].pages);
    free(c.names), free(c.pages), free(c.at), free(b);
    if (status != FDATA_OK) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return status;
}
