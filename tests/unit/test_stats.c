/* Footer statistics as claims (src/parquet/stats.c, metadata.c): footers written here with
 * the Thrift writer, one column and one row group each, opened as files.  Usable bounds by
 * the spec's column orders (min_value/max_value only with TYPE_ORDER, the deprecated min/max
 * only for signed types, never for byte arrays), unsigned integers read unsigned, and every
 * malformed value (wrong length, wrong Thrift type, min above max, NaN, a null count above
 * the rows) ignored while the file still opens.  Bloom filters: an empty one rules values
 * out, a full one does not, and one whose header does not parse, claims more bytes than it
 * has or names another hash is ignored (may contain), as is a range outside the file. */
#include <math.h>
#include <stdlib.h>
#include "check.h"
#include "common/common.h"
#include "parquet/metadata.h"
#include "parquet/stats.h"
#include "parquet/thrift_write.h"
#include "common/strbuf.h"

#define ROWS 10

/* What the column and its statistics look like. */
struct spec {
    int type, converted, type_length;
    const void *min_value, *max_value, *min, *max; /* NULL: absent */
    size_t min_value_len, max_value_len, min_len, max_len;
    int64_t null_count;          /* -1: absent */
    int column_orders;           /* write FileMetaData.column_orders (TYPE_ORDER) */
    int min_value_as_i32;        /* min_value written with the wrong Thrift type */
    int bloom_offset_as_binary;  /* bloom_filter_offset written with the wrong Thrift type */
    const uint8_t *bloom;        /* bytes put after the leading magic, with their range */
    size_t bloom_len;
    int64_t bloom_extra;         /* added to the stated length */
};

static void stat_binary(struct tw *w, int16_t id, const void *v, size_t len) {
    if (v)
        tw_field_binary(w, id, v, len);
}

static void write_footer(struct tw *w, const struct spec *s) {
    tw_struct_begin(w);
    tw_field_i32(w, 1, 1);                   /* version */
    tw_field_list(w, 2, TW_STRUCT, 2);       /* schema */
    tw_list_struct(w);
    tw_field_string(w, 4, "schema");
    tw_field_i32(w, 5, 1);
    tw_struct_end(w);
    tw_list_struct(w);
    tw_field_i32(w, 1, s->type);
    if (s->type_length)
        tw_field_i32(w, 2, s->type_length);
    tw_field_i32(w, 3, PQ_OPTIONAL);
    tw_field_string(w, 4, "x");
    if (s->converted >= 0)
        tw_field_i32(w, 6, s->converted);
    tw_struct_end(w);
    tw_field_i64(w, 3, ROWS);                /* num_rows */
    tw_field_list(w, 4, TW_STRUCT, 1);       /* row_groups */
    tw_list_struct(w);
    tw_field_list(w, 1, TW_STRUCT, 1);       /* columns */
    tw_list_struct(w);
    tw_field_i64(w, 2, 4);                   /* file_offset */
    tw_field_struct(w, 3);                   /* meta_data */
    tw_field_i32(w, 1, s->type);
    tw_field_list(w, 2, TW_I32, 1);
    tw_i32(w, PQ_PLAIN);
    tw_field_list(w, 3, TW_BINARY, 1);
    tw_string(w, "x");
    tw_field_i32(w, 4, PQ_UNCOMPRESSED);
    tw_field_i64(w, 5, ROWS);
    tw_field_i64(w, 6, 0);
    tw_field_i64(w, 7, 0);
    tw_field_i64(w, 9, 4);
    tw_field_struct(w, 12);                  /* statistics */
    stat_binary(w, 1, s->max, s->max_len);
    stat_binary(w, 2, s->min, s->min_len);
    if (s->null_count >= 0)
        tw_field_i64(w, 3, s->null_count);
    stat_binary(w, 5, s->max_value, s->max_value_len);
    if (s->min_value_as_i32)
        tw_field_i32(w, 6, 7);
    else
        stat_binary(w, 6, s->min_value, s->min_value_len);
    tw_struct_end(w);
    if (s->bloom_offset_as_binary)
        tw_field_binary(w, 14, "ab", 2);
    if (s->bloom) {
        tw_field_i64(w, 14, 4);
        tw_field_i32(w, 15, (int32_t)(s->bloom_len + (size_t)s->bloom_extra));
    }
    tw_struct_end(w);                        /* meta_data */
    tw_struct_end(w);                        /* column chunk */
    tw_field_i64(w, 2, 0);                   /* total_byte_size */
    tw_field_i64(w, 3, ROWS);
    tw_struct_end(w);                        /* row group */
    if (s->column_orders) {
        tw_field_list(w, 7, TW_STRUCT, 1);
        tw_list_struct(w);
        tw_field_struct(w, 1);               /* TYPE_ORDER: an empty struct */
        tw_struct_end(w);
        tw_struct_end(w);
    }
    tw_struct_end(w);
}

/* A file with that footer (and bloom bytes); NULL when it did not open. */
static fdata_parquet_file *file_of(const struct spec *s) {
    struct tw w = {0};
    write_footer(&w, s);
    size_t n = w.out.len, b = s->bloom_len;
    uint8_t *file = malloc(n + b + 12);
    if (!file || w.out.oom) {
        free(file);
        fdata_sb_free(&w.out);
        return NULL;
    }
    memcpy(file, "PAR1", 4);
    if (b)
        memcpy(file + 4, s->bloom, b);
    memcpy(file + 4 + b, w.out.buf, n);
    uint32_t len = (uint32_t)n;
    memcpy(file + 4 + b + n, &len, 4); /* little-endian hosts only, as the reader's tests */
    memcpy(file + 8 + b + n, "PAR1", 4);
    fdata_sb_free(&w.out);
    fdata_parquet_file *f = NULL;
    struct fdata_error err = {0};
    if (fdata_parquet_open_buffer(file, n + b + 12, "t.parquet", free, file, &f, &err) != FDATA_OK) {
        fprintf(stderr, "unexpected: %s\n", err.message);
        free(file);
        return NULL;
    }
    return f;
}

/* The statistics of column x in a file with that footer; 0 when the file did not open. */
static int stats_of(const struct spec *s, struct pq_column_stats *out) {
    fdata_parquet_file *f = file_of(s);
    if (!f)
        return 0;
    pq_column_stats(f, 0, "x", 0, out);
    static uint8_t min[16], max[16]; /* the bounds point into the footer: kept past close */
    if (out->bound == PQ_BOUND_BYTES && out->min_len <= 16 && out->max_len <= 16) {
        out->min_b = memcpy(min, out->min_b, out->min_len);
        out->max_b = memcpy(max, out->max_b, out->max_len);
    }
    struct pq_column_stats none;
    pq_column_stats(f, 0, "y", 0, &none);
    CHECK(!none.found && none.leaf < 0 && pq_column_leaf(f, "x") == 0);
    fdata_parquet_close(f);
    return 1;
}

static const uint8_t i64_3[8] = {3}, i64_9[8] = {9}, i32_neg[4] = {0, 0, 0, 0x80},
                     i32_big[4] = {0xff, 0xff, 0xff, 0xff};

static struct spec int64_spec(void) {
    return (struct spec){.type = PQ_INT64, .converted = -1, .min_value = i64_3,
                         .max_value = i64_9, .min_value_len = 8, .max_value_len = 8,
                         .null_count = 2, .column_orders = 1};
}

static void test_signed(void) {
    struct pq_column_stats st;
    struct spec s = int64_spec();
    CHECK(stats_of(&s, &st) && st.found && st.leaf == 0 && st.rows == ROWS &&
          st.bound == PQ_BOUND_INT && st.min_i == 3 && st.max_i == 9 && st.null_count == 2);
    s.column_orders = 0; /* min_value/max_value without column_orders: undefined order */
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_NONE && st.null_count == 2);
    s.min = i64_3, s.max = i64_9, s.min_len = s.max_len = 8; /* the deprecated fields */
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_INT && st.min_i == 3 && st.max_i == 9);
    s = int64_spec();
    s.min_value_len = 3; /* not an int64 */
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_NONE);
    s = int64_spec();
    s.min_value = i64_9, s.max_value = i64_3; /* min above max */
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_NONE);
    s = int64_spec();
    s.min_value_as_i32 = 1, s.bloom_offset_as_binary = 1; /* wrong Thrift types: ignored */
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_NONE && st.null_count == 2);
    s = int64_spec();
    s.null_count = ROWS + 1;
    CHECK(stats_of(&s, &st) && st.null_count == -1 && st.bound == PQ_BOUND_INT);
    s.null_count = -1;
    CHECK(stats_of(&s, &st) && st.null_count == -1);
}

static void test_unsigned(void) {
    struct pq_column_stats st;
    struct spec s = {.type = PQ_INT32, .converted = PQ_CT_UINT_32, .min_value = i32_neg,
                     .max_value = i32_big, .min_value_len = 4, .max_value_len = 4,
                     .null_count = 0, .column_orders = 1};
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_UINT && st.min_u == 0x80000000u &&
          st.max_u == 0xffffffffu);
    s.column_orders = 0; /* the deprecated fields are signed: not for UINT_32 */
    s.min = i32_neg, s.max = i32_big, s.min_len = s.max_len = 4;
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_NONE);
    s.converted = -1; /* as int32: -2^31 .. -1, signed */
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_INT && st.min_i == INT32_MIN &&
          st.max_i == -1);
}

static void test_bytes_and_floats(void) {
    struct pq_column_stats st;
    struct spec s = {.type = PQ_BYTE_ARRAY, .converted = PQ_CT_UTF8, .min = "abc",
                     .max = "\xc3\xa9", .min_len = 3, .max_len = 2, .null_count = 0};
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_NONE); /* PARQUET-251 */
    s.column_orders = 1, s.min_value = "abc", s.max_value = "\xc3\xa9";
    s.min_value_len = 3, s.max_value_len = 2;
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_BYTES && st.min_len == 3 &&
          memcmp(st.max_b, "\xc3\xa9", 2) == 0);
    s.min_value = "\xc3\xa9", s.max_value = "abc"; /* above, bytewise unsigned */
    s.min_value_len = 2, s.max_value_len = 3;
    CHECK(stats_of(&s, &st) && st.bound == PQ_BOUND_NONE);
    double lo = -0.0, hi = NAN, one = 1.0;
    struct spec d = {.type = PQ_DOUBLE, .converted = -1, .min_value = &lo, .max_value = &hi,
                     .min_value_len = 8, .max_value_len = 8, .null_count = 0,
                     .column_orders = 1};
    CHECK(stats_of(&d, &st) && st.bound == PQ_BOUND_NONE); /* a NaN bound */
    d.max_value = &one;
    CHECK(stats_of(&d, &st) && st.bound == PQ_BOUND_FLOAT && st.min_f == 0.0 &&
          signbit(st.min_f) && st.max_f == 1.0);
    uint8_t twelve[12] = {0};
    struct spec t = {.type = PQ_INT96, .converted = -1, .min_value = twelve,
                     .max_value = twelve, .min_value_len = 12, .max_value_len = 12,
                     .null_count = 0, .column_orders = 1};
    CHECK(stats_of(&t, &st) && st.bound == PQ_BOUND_NONE && st.null_count == 0);
}

/* A BloomFilterHeader of `bytes` (hash: member `hash` of the union, 1 = XXHASH), then the
 * bitset (`fill` in each byte) into out; returns the length. */
static size_t bloom_bytes(int32_t bytes, int hash, size_t bitset, uint8_t fill, uint8_t *out) {
    struct tw w = {0};
    tw_struct_begin(&w);
    tw_field_i32(&w, 1, bytes);
    for (int16_t id = 2; id <= 4; id++) {
        tw_field_struct(&w, id);
        tw_field_struct(&w, id == 3 ? (int16_t)hash : 1);
        tw_struct_end(&w);
        tw_struct_end(&w);
    }
    tw_struct_end(&w);
    size_t n = w.out.len;
    memcpy(out, w.out.buf, n);
    memset(out + n, fill, bitset);
    fdata_sb_free(&w.out);
    return n + bitset;
}

static int bloom_says(const uint8_t *bloom, size_t len, int64_t extra) {
    struct spec s = int64_spec();
    s.bloom = bloom, s.bloom_len = len, s.bloom_extra = extra;
    fdata_parquet_file *f = file_of(&s);
    int may = -1;
    int64_t off, n;
    if (f && pq_bloom_range(f, 0, 0, &off, &n))
        may = pq_bloom_may_contain(f, 0, 0, i64_3, 8);
    else if (f)
        may = 2; /* no usable range */
    fdata_parquet_close(f);
    return may;
}

static void test_bloom(void) {
    uint8_t b[256];
    CHECK(bloom_says(b, bloom_bytes(64, 1, 64, 0, b), 0) == 0);       /* empty: not there */
    CHECK(bloom_says(b, bloom_bytes(64, 1, 64, 0xff, b), 0) == 1);    /* full: may be */
    CHECK(bloom_says(b, bloom_bytes(96, 1, 64, 0, b), 0) == 1);       /* claims 96, has 64 */
    CHECK(bloom_says(b, bloom_bytes(48, 1, 48, 0, b), 0) == 1);       /* not whole blocks */
    CHECK(bloom_says(b, bloom_bytes(64, 2, 64, 0, b), 0) == 1);       /* another hash */
    memset(b, 0xee, 80);
    CHECK(bloom_says(b, 80, 0) == 1);                                  /* no header */
    CHECK(bloom_says(b, bloom_bytes(64, 1, 64, 0, b), 1 << 20) == 2); /* beyond the file */
}

int main(void) {
    test_signed();
    test_unsigned();
    test_bytes_and_floats();
    test_bloom();
    return check_result("test_stats");
}
