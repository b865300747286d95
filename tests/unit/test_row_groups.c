/* Row-group selections (src/pipeline/row_groups.c) and the S3 download plan that follows one
 * (remote_plan_ranges), over DuckDB's ten-row-group files: only the selected row groups'
 * ranges, known by their positions, near ones merged across row groups (and with the leading
 * magic), and the rows decoded run by run equal the whole file's rows of those row groups. */
#include <stdlib.h>
#include "check.h"
#include "common/common.h"
#include "memory/memory.h"
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

/* Row group g's bytes in the file (each row group of these files is one range). */
static struct fdata_byte_range rg_bytes(fdata_parquet_file *pq, int g) {
    struct fdata_byte_range *every, r = {0, 0};
    int *rg;
    size_t n;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_row_group_ranges(pq, NULL, 1 << 20, &every, &rg, &n, &err) == FDATA_OK);
    for (size_t e = 0; e < n; e++)
        if (rg[e] == g) {
            CHECK(r.length == 0); /* one range */
            r = every[e];
        }
    free(every), free(rg);
    return r;
}

/* The plan of an S3 file whose footer alone is in, for the selection keep[0..10). */
static struct remote_file plan(fdata_parquet_file *pq, const char *keep, size_t memory_limit) {
    struct rg_selection s;
    struct fdata_error err = {0};
    struct fdata_s3_get_options go = {0};
    CHECK(rg_select_all(&s, pq, &err) == FDATA_OK);
    rg_select_keep(&s, keep);
    struct remote_file f = {.url = "s3://b/k", .size = fdata_parquet_file_size(pq), .pq = pq,
                            .footer_bytes = fdata_parquet_footer_size(pq)};
    CHECK(remote_plan_ranges(&f, NULL, &s, &go, memory_limit, &err) == FDATA_OK);
    rg_selection_free(&s);
    return f;
}

static void free_plan(struct remote_file *f) {
    free(f->ranges), free(f->range_rg), free(f->range_last);
}

/* Row groups of ~22 KB: those selected next to each other are one GET serving both; the
 * magic, 88 KB before the first selected one (more than a hole worth fetching: pruned row
 * groups' bytes), goes alone; so does row group 9, 88 KB further.  A range serving two row
 * groups goes back once the later one is decoded.  Under a memory limit whose quarter is one
 * row group, nothing merges past it. */
static void test_coalesce(fdata_parquet_file *pq) {
    const char keep[10] = {0, 0, 0, 0, 1, 1, 0, 0, 0, 1};
    struct fdata_byte_range g4 = rg_bytes(pq, 4), g5 = rg_bytes(pq, 5), g9 = rg_bytes(pq, 9);
    struct remote_file f = plan(pq, keep, 0);
    CHECK(f.num_ranges == 3 && f.ranges[0].offset == 0 && f.ranges[0].length == 4 &&
          f.range_rg[0] == 0 && f.range_last[0] == 0);
    CHECK(f.num_ranges == 3 && f.ranges[1].offset == g4.offset &&
          f.ranges[1].length == g5.offset + g5.length - g4.offset && f.range_rg[1] == 0 &&
          f.range_last[1] == 1);
    CHECK(f.num_ranges == 3 && f.ranges[2].offset == g9.offset &&
          f.ranges[2].length == g9.length && f.range_rg[2] == 2 && f.range_last[2] == 2);
    int64_t merged = g5.offset + g5.length - g4.offset;
    CHECK(f.range_bytes == 4 + merged + g9.length);
    CHECK(remote_largest_row_group(&f) == 4 + merged); /* position 0: the magic and both */
    CHECK((f.buf = fdata_map_zeroed((size_t)f.size)) != NULL);
    if (f.buf) {
        CHECK(remote_discard_row_groups(&f, 0, 1, NULL, NULL) == 4); /* row group 5 needs the rest */
        CHECK(remote_discard_row_groups(&f, 1, 1, NULL, NULL) == merged);
        CHECK(remote_discard_row_groups(&f, 2, 1, NULL, NULL) == g9.length);
        fdata_unmap_zeroed(f.buf);
    }
    free_plan(&f);
    f = plan(pq, keep, (size_t)(4 * g4.length)); /* a quarter: row group 4 alone */
    CHECK(f.num_ranges == 4 && f.ranges[1].offset == g4.offset &&
          f.ranges[1].length == g4.length && f.range_last[1] == 0 &&
          f.ranges[2].offset == g5.offset && f.range_rg[2] == 1 && f.range_last[2] == 1);
    free_plan(&f);
}

/* Row groups of ~1 KB next to each other: every one selected is one GET with the magic;
 * row groups 2 and 9 too (the 6 KB between them are fetched rather than asked around); none
 * selected: the magic alone. */
static void test_remote_plan(fdata_parquet_file *pq) {
    const char all[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, some[10] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
    const char none[10] = {0};
    struct fdata_byte_range g9 = rg_bytes(pq, 9);
    struct remote_file f = plan(pq, all, 0);
    CHECK(f.num_ranges == 1 && f.ranges[0].offset == 0 &&
          f.ranges[0].length == g9.offset + g9.length && f.range_rg[0] == 0 &&
          f.range_last[0] == 9 && remote_largest_row_group(&f) == f.range_bytes);
    free_plan(&f);
    f = plan(pq, some, 0);
    CHECK(f.num_ranges == 1 && f.ranges[0].offset == 0 &&
          f.ranges[0].length == g9.offset + g9.length && f.range_last[0] == 1);
    free_plan(&f);
    f = plan(pq, none, 0);
    CHECK(f.num_ranges == 1 && f.range_bytes == 4);
    free_plan(&f);
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
    pq = open_data("generated/duckdb_rowgroups_v1_lz4_raw.parquet");
    CHECK(pq && fdata_parquet_num_row_groups(pq) == 10);
    if (pq)
        test_coalesce(pq);
    fdata_parquet_close(pq);
    return check_result("test_row_groups");
}
