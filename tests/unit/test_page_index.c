/* Row selections read through the page index, on a file pyarrow wrote with one
 * (page_index/sorted_pages.parquet, see its make_page_index.py): a selection's batch equals
 * the whole row group's rows it selects, in every column (flat ones decoded from their chosen
 * pages, the list column read whole and cut); its byte ranges are a small part of the chunks;
 * a page index whose bytes are flipped is ignored (the chunks read whole, the rows the same);
 * a page that holds other rows than its index says fails the read, also when it holds the
 * rows of a page chosen after it; bad selections are refused. */
#include <stdlib.h>
#include "check.h"
#include "test_util.h"
#include "fastdata/text.h"
#include "parquet/reader.h"
#include "parquet/stats.h"

static const char *data_dir;

/* A batch as JSONL text (malloc'ed). */
static char *batch_text(fdata_parquet_file *f, struct ArrowArray *b) {
    struct ArrowSchema schema;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (fdata_parquet_get_schema(f, NULL, &schema, NULL) == FDATA_OK) {
        fdata_arrow_write_batch(&schema, b, b->length, FDATA_TEXT_JSONL, out, NULL);
        schema.release(&schema);
    }
    fclose(out);
    return text;
}

/* The lines of row group rg's JSONL that sel selects. */
static char *expected_text(fdata_parquet_file *f, int rg, const struct pq_rows *sel, size_t n) {
    struct ArrowArray all;
    CHECK(fdata_parquet_read_row_groups(f, rg, 1, NULL, &all, NULL) == FDATA_OK);
    char *text = batch_text(f, &all), *want = calloc(strlen(text) + 1, 1), *line = text;
    all.release(&all);
    for (int64_t row = 0; *line; row++) {
        char *end = strchr(line, '\n') + 1;
        for (size_t i = 0; i < n; i++)
            if (row >= sel[i].first && row < sel[i].first + sel[i].count)
                strncat(want, line, (size_t)(end - line));
        line = end;
    }
    free(text);
    return want;
}

static int64_t range_bytes(const struct fdata_byte_range *r, size_t n) {
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += r[i].length;
    return sum;
}

/* Reads sel of row group 1 and checks it; returns the bytes its ranges cover. */
static int64_t check_selection(fdata_parquet_file *f, const struct pq_rows *sel, size_t n) {
    struct ArrowArray got;
    struct fdata_error err = {0};
    int status = pq_read_row_group_rows(f, 1, sel, n, NULL, &got, &err);
    CHECK(status == FDATA_OK);
    if (status != FDATA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 0;
    }
    char *text = batch_text(f, &got), *want = expected_text(f, 1, sel, n);
    CHECK(strlen(text) > 0);
    CHECK_STR(text, want);
    got.release(&got);
    free(text), free(want);
    struct fdata_byte_range *r;
    size_t count;
    CHECK(pq_row_group_rows_ranges(f, NULL, 1, sel, n, 0, &r, &count, NULL, NULL) == FDATA_OK);
    int64_t bytes = range_bytes(r, count);
    free(r);
    return bytes;
}

/* The bytes of row group 1's column chunks. */
static int64_t chunk_bytes(fdata_parquet_file *f) {
    struct fdata_byte_range *r;
    int *rg;
    size_t count;
    int64_t bytes = 0;
    CHECK(fdata_parquet_row_group_ranges(f, NULL, 0, &r, &rg, &count, NULL) == FDATA_OK);
    for (size_t i = 0; i < count; i++)
        bytes += rg[i] == 1 ? r[i].length : 0;
    free(r), free(rg);
    return bytes;
}

static void test_selections(fdata_parquet_file *f) {
    const struct pq_rows one[] = {{100, 60}};
    const struct pq_rows several[] = {{0, 1}, {700, 300}, {2999, 2}, {5990, 10}};
    const struct pq_rows every[] = {{0, 6000}};
    int64_t whole = chunk_bytes(f);
    int64_t part = check_selection(f, one, 1);
    fprintf(stderr, "60 rows of 6000: %lld of %lld bytes\n", (long long)part, (long long)whole);
    CHECK(part > 0 && part * 5 < whole); /* 1% of the rows: a few pages of each flat column */
    CHECK(check_selection(f, several, 4) < whole);
    CHECK(check_selection(f, every, 1) == whole);
}

static void test_bad_selections(fdata_parquet_file *f) {
    const struct pq_rows backwards[] = {{100, 10}, {50, 10}}, past[] = {{5990, 11}};
    const struct pq_rows empty[] = {{10, 0}};
    struct ArrowArray out;
    CHECK(pq_read_row_group_rows(f, 1, backwards, 2, NULL, &out, NULL) == FDATA_EINVAL);
    CHECK(pq_read_row_group_rows(f, 1, past, 1, NULL, &out, NULL) == FDATA_EINVAL);
    CHECK(pq_read_row_group_rows(f, 1, empty, 1, NULL, &out, NULL) == FDATA_EINVAL);
    CHECK(pq_read_row_group_rows(f, 2, past, 1, NULL, &out, NULL) == FDATA_EINVAL);
    CHECK(pq_read_row_group_rows(f, 1, past, 0, NULL, &out, NULL) == FDATA_EINVAL);
    CHECK(out.release == NULL);
}

/* Every index byte flipped: no index holds, each chunk is read whole, the rows stay. */
static void test_corrupt_index(const char *path) {
    size_t n;
    uint8_t *buf = slurp(path, &n);
    fdata_parquet_file *f = NULL;
    int64_t start, end;
    CHECK(buf && fdata_parquet_open_buffer(buf, n, "flipped", free, buf, &f, NULL) == FDATA_OK);
    if (!f)
        return;
    pq_page_index_bytes(f, &start, &end);
    CHECK(start > 0 && end > start && (size_t)end <= n);
    for (int64_t i = start; i < end; i++)
        buf[i] ^= 0x5a;
    struct pq_column_pages cp;
    CHECK(pq_column_pages(f, 1, "id", &cp, NULL) == FDATA_OK && cp.pages.num_pages == 0);
    const struct pq_rows one[] = {{100, 60}};
    CHECK(check_selection(f, one, 1) == chunk_bytes(f));
    fdata_parquet_close(f);
}

/* A data page whose header claims one row fewer than the index says it holds (its
 * num_values 64 rewritten as 63, in as many bytes): reading it through the index fails,
 * naming the file, the column and the page. */
static void test_lying_page(const char *path) {
    size_t n;
    uint8_t *buf = slurp(path, &n);
    fdata_parquet_file *f = NULL;
    struct pq_column_pages cp;
    CHECK(buf && fdata_parquet_open_buffer(buf, n, "lying", free, buf, &f, NULL) == FDATA_OK);
    if (!f)
        return;
    CHECK(pq_column_pages(f, 1, "id", &cp, NULL) == FDATA_OK && cp.pages.num_pages > 3);
    const struct pq_page *pg = &cp.pages.pages[2];
    uint8_t *h = buf + pg->offset;
    int edited = 0; /* DataPageHeader (field 5) { num_values (1): zigzag 64 = 0x80 0x01 } */
    for (int i = 0; i + 4 <= 24 && !edited && pg->rows == 64; i++)
        if (memcmp(h + i, "\x2c\x15\x80\x01", 4) == 0)
            h[i + 2] = 0xfe, h[i + 3] = 0x00, edited = 1; /* 126 (zigzag 63), not canonical */
    CHECK(edited);
    const struct pq_rows alone[] = {{pg->first_row, 1}}, on[] = {{pg->first_row, 65}};
    struct ArrowArray out;
    struct fdata_error err = {0};
    CHECK(pq_read_row_group_rows(f, 1, alone, 1, NULL, &out, &err) == FDATA_ECORRUPT);
    CHECK(strstr(err.message, "lying: row group 1, column 'id'") &&
          strstr(err.message, "column chunk ends after 63 of 64 rows"));
    CHECK(pq_read_row_group_rows(f, 1, on, 1, NULL, &out, &err) == FDATA_ECORRUPT);
    CHECK(strstr(err.message, "lying: row group 1, column 'id'") &&
          strstr(err.message, "hold 63 rows where the page index says 64"));
    pq_chunk_pages_free(&cp.pages);
    fdata_parquet_close(f);
}

/* Thrift compact's varint of a zigzag-encoded integer; its length. */
static size_t zigzag_varint(int64_t v, uint8_t *out) {
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    do
        out[n++] = (uint8_t)((z & 0x7f) | (z > 0x7f ? 0x80 : 0));
    while ((z >>= 7) != 0);
    return n;
}

/* Rewrites the first_row_index of page `page` in the OffsetIndex bytes [start, end) of buf
 * (its PageLocation: offset, compressed_page_size, first_row_index) as `now`, in a varint of
 * the same length; whether it was found. */
static int set_first_row(uint8_t *buf, int64_t start, int64_t end, const struct pq_page *pg,
                         int64_t now) {
    uint8_t want[32], put[10];
    size_t n = 0;
    want[n++] = 0x16, n += zigzag_varint(pg->offset, want + n);
    want[n++] = 0x15, n += zigzag_varint(pg->size, want + n);
    want[n++] = 0x16;
    size_t old = zigzag_varint(pg->first_row, want + n), len = zigzag_varint(now, put);
    for (; len < old; len++) /* padded: 0x80 continuations, then the last byte */
        put[len - 1] |= 0x80, put[len] = 0;
    for (int64_t i = start; i + (int64_t)(n + old) <= end && len == old; i++)
        if (memcmp(buf + i, want, n + old) == 0) {
            memcpy(buf + i + n, put, old);
            return 1;
        }
    return 0;
}

/* The page index gives page 0 of a chunk half its rows and page 2 half of its own (page 3
 * starting 32 rows early): a selection of a row in each asks for 64 rows, which page 0 alone
 * holds; the read fails naming the page, not returning page 0's rows for page 2's. */
static void test_index_short_page(const char *path) {
    size_t n;
    uint8_t *buf = slurp(path, &n);
    fdata_parquet_file *f = NULL;
    struct pq_column_pages cp;
    int64_t start, end;
    CHECK(buf && fdata_parquet_open_buffer(buf, n, "short", free, buf, &f, NULL) == FDATA_OK);
    if (!f)
        return;
    pq_page_index_bytes(f, &start, &end);
    CHECK(pq_column_pages(f, 1, "id", &cp, NULL) == FDATA_OK && cp.pages.num_pages > 4 &&
          cp.pages.pages[0].rows == 64 && cp.pages.pages[2].rows == 64);
    CHECK(set_first_row(buf, start, end, &cp.pages.pages[1], 32) &&
          set_first_row(buf, start, end, &cp.pages.pages[3], cp.pages.pages[2].first_row + 32));
    const struct pq_rows two[] = {{10, 1}, {cp.pages.pages[2].first_row + 1, 1}};
    struct ArrowArray out;
    struct fdata_error err = {0};
    CHECK(pq_read_row_group_rows(f, 1, two, 2, NULL, &out, &err) == FDATA_ECORRUPT);
    CHECK(strstr(err.message, "short: row group 1, column 'id'") &&
          strstr(err.message, "hold 64 rows where the page index says 32"));
    pq_chunk_pages_free(&cp.pages);
    fdata_parquet_close(f);
}

static void test_column_pages(fdata_parquet_file *f) {
    struct pq_column_pages cp;
    CHECK(pq_column_pages(f, 1, "id", &cp, NULL) == FDATA_OK);
    CHECK(cp.pages.num_pages > 10 && cp.pages.has_stats);
    struct pq_column_stats st; /* the index's bounds as the filter reads them: int64 */
    pq_page_stats(f, 1, "id", FDATA_UTF8_ERROR, &cp.pages, 1, &st);
    CHECK(st.bound == PQ_BOUND_INT && st.width == 8 && st.null_count == 0 &&
          st.rows == cp.pages.pages[1].rows && st.min_i == 6000 + cp.pages.pages[1].first_row &&
          st.max_i == st.min_i + st.rows - 1);
    int64_t rows = 0, last_max = -1;
    for (int i = 0; i < cp.pages.num_pages; i++) {
        const struct pq_page *pg = &cp.pages.pages[i];
        int64_t lo, hi;
        CHECK(pg->first_row == rows && pg->min_len == 8 && pg->max_len == 8);
        memcpy(&lo, pg->min, 8);
        memcpy(&hi, pg->max, 8);
        CHECK(lo == 6000 + pg->first_row && hi == lo + pg->rows - 1 && lo > last_max);
        last_max = hi;
        rows += pg->rows;
    }
    CHECK(rows == 6000);
    pq_chunk_pages_free(&cp.pages);
    CHECK(pq_column_pages(f, 1, "l", &cp, NULL) == FDATA_OK && cp.pages.num_pages == 0);
    CHECK(pq_column_pages(f, 1, "nope", &cp, NULL) == FDATA_OK && cp.pages.num_pages == 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_page_index DATA_DIR\n");
        return 2;
    }
    data_dir = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/page_index/sorted_pages.parquet", data_dir);
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(path, &f, &err) == FDATA_OK);
    if (!f) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    test_column_pages(f);
    test_selections(f);
    test_bad_selections(f);
    fdata_parquet_close(f);
    test_corrupt_index(path);
    test_lying_page(path);
    test_index_short_page(path);
    return check_result("test_page_index");
}
