/* Row-group selections (src/pipeline/row_groups.c) and the S3 download plan that follows one
 * (remote_plan_ranges), over DuckDB's ten-row-group file: only the selected row groups'
 * ranges, known by their positions, the leading magic with the first selected one, and the
 * rows decoded run by run equal the whole file's rows of those row groups. */
#include <stdlib.h>
#include "check.h"
#include "common/common.h"
#include "pipeline/remote.h"
#include "pipeline/row_groups.h"
#include "test_util.h"

static const char *data_dir;

static fdata_parquet_file *open_data(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    fdata_parquet_file *f = NULL;
    struct fdata_error err = {0};
    if (fdata_parquet_open_path(path, &f, &err) != FDATA_OK)
        fprintf(stderr, "unexpected: %s\n", err.message);
    return f;
}

static void test_selection(fdata_parquet_file *pq) {
    struct rg_selection s;
    struct fdata_error err = {0};
    CHECK(rg_select_all(&s, pq, &err) == FDATA_OK && s.count == 10);
    int64_t all = rg_selection_rows(&s, pq, 0, s.count);
    CHECK(all == fdata_parquet_num_rows(pq));
    const char keep[10] = {0, 1, 0, 1, 1, 0, 0, 0, 1, 0};
    rg_select_keep(&s, keep);
    CHECK(s.count == 4 && s.rg[0] == 1 && s.rg[1] == 3 && s.rg[2] == 4 && s.rg[3] == 8);
    CHECK(rg_selection_run(&s, 0, 4) == 1 && rg_selection_run(&s, 1, 3) == 2 &&
          rg_selection_run(&s, 1, 1) == 1 && rg_selection_run(&s, 3, 1) == 1 &&
          rg_selection_run(&s, 0, 0) == 0);
    int64_t rows = 0;
    for (int j = 0; j < 4; j++)
        rows += fdata_parquet_row_group_num_rows(pq, s.rg[j]);
    CHECK(rg_selection_rows(&s, pq, 0, 4) == rows && rows < all);
    CHECK(rg_selection_rows(&s, pq, 1, 2) == fdata_parquet_row_group_num_rows(pq, 3) +
                                             fdata_parquet_row_group_num_rows(pq, 4));

    /* the ranges: those of row groups 1, 3, 4, 8 in the whole file's list, renumbered */
    struct fdata_byte_range *every, *some;
    int *rg, *pos;
    size_t n_every, n_some;
    CHECK(fdata_parquet_row_group_ranges(pq, NULL, 0, &every, &rg, &n_every, &err) == FDATA_OK);
    CHECK(rg_selection_ranges(pq, NULL, &s, 0, &some, &pos, &n_some, &err) == FDATA_OK);
    size_t k = 0;
    for (size_t e = 0; e < n_every; e++) {
        int j = rg[e] == 1 ? 0 : rg[e] == 3 ? 1 : rg[e] == 4 ? 2 : rg[e] == 8 ? 3 : -1;
        if (j < 0)
            continue;
        CHECK(k < n_some && pos[k] == j && some[k].offset == every[e].offset &&
              some[k].length == every[e].length);
        k++;
    }
    CHECK(k == n_some && n_some >= 4);
    free(every), free(rg), free(some), free(pos);
    rg_selection_free(&s);
}

/* The plan of an S3 file whose footer alone is in: row group 0 not selected, so the magic
 * goes alone (not merged with position 0's range: the hole would be pruned row groups'
 * bytes), as position 0's first range; nothing of the others is asked for. */
static void test_remote_plan(fdata_parquet_file *pq) {
    struct rg_selection s;
    struct fdata_error err = {0};
    CHECK(rg_select_all(&s, pq, &err) == FDATA_OK);
    const char keep[10] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
    rg_select_keep(&s, keep);
    struct remote_file f = {.url = "s3://b/k", .size = fdata_parquet_file_size(pq), .pq = pq,
                            .footer_bytes = fdata_parquet_footer_size(pq)};
    CHECK(remote_plan_ranges(&f, NULL, &s, &err) == FDATA_OK);
    CHECK(f.num_ranges == 3 && f.ranges[0].offset == 0 && f.ranges[0].length == 4 &&
          f.range_rg[0] == 0 && f.range_rg[1] == 0 && f.range_rg[2] == 1);
    struct fdata_byte_range *every;
    int *rg;
    size_t n_every;
    CHECK(fdata_parquet_row_group_ranges(pq, NULL, 1 << 20, &every, &rg, &n_every, &err) ==
          FDATA_OK);
    int64_t expected = 4; /* the magic, then row groups 2's and 9's ranges */
    for (size_t e = 0; e < n_every; e++)
        expected += rg[e] == 2 || rg[e] == 9 ? every[e].length : 0;
    CHECK(f.range_bytes == expected);
    for (size_t e = 0; e < n_every; e++)
        if (rg[e] == 2 || rg[e] == 9)
            CHECK(f.ranges[rg[e] == 2 ? 1 : 2].offset == every[e].offset &&
                  f.ranges[rg[e] == 2 ? 1 : 2].length == every[e].length);
    CHECK(remote_largest_row_group(&f) > 0 && remote_largest_row_group(&f) < expected);
    free(every), free(rg);
    free(f.ranges), free(f.range_rg);
    /* every row group: the magic within the merge gap of row group 0's range, merged */
    struct rg_selection all;
    CHECK(rg_select_all(&all, pq, &err) == FDATA_OK);
    f = (struct remote_file){.url = "s3://b/k", .size = fdata_parquet_file_size(pq), .pq = pq,
                             .footer_bytes = fdata_parquet_footer_size(pq)};
    CHECK(remote_plan_ranges(&f, NULL, &all, &err) == FDATA_OK);
    CHECK(f.num_ranges == 10 && f.ranges[0].offset == 0 && f.ranges[0].length > 4);
    free(f.ranges), free(f.range_rg);
    rg_selection_free(&all);
    /* none selected: the magic alone */
    s.count = 0;
    f = (struct remote_file){.url = "s3://b/k", .size = fdata_parquet_file_size(pq), .pq = pq,
                             .footer_bytes = fdata_parquet_footer_size(pq)};
    CHECK(remote_plan_ranges(&f, NULL, &s, &err) == FDATA_OK);
    CHECK(f.num_ranges == 1 && f.range_bytes == 4);
    free(f.ranges), free(f.range_rg);
    rg_selection_free(&s);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_row_groups DATA_DIR\n");
        return 2;
    }
    data_dir = argv[1];
    fdata_parquet_file *pq = open_data("generated/duckdb_rowgroups_v2_gzip.parquet");
    CHECK(pq && fdata_parquet_num_row_groups(pq) == 10);
    if (pq) {
        test_selection(pq);
        test_remote_plan(pq);
    }
    fdata_parquet_close(pq);
    return check_result("test_row_groups");
}
