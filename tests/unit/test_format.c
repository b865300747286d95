/* Text output of Arrow values: shortest floats, decimals, dates and times, escaping,
 * base64, UUID, intervals, CSV quoting, nulls. */
#include <math.h>
#include <stdlib.h>
#include "arrow/build.h"
#include "check.h"
#include "common/common.h"
#include "memory/memory.h"

/* Prints a one-column batch of `n` fixed-width values (optional validity) and returns the
 * text (caller frees). */
static char *print_column(const char *format, const char *ext, const void *values, size_t width,
                          int64_t n, const uint8_t *validity, enum fdata_text_format tf) {
    struct ArrowSchema child, schema;
    struct ArrowArray col, batch;
    void *bufs[2] = {NULL, fdata_aligned_alloc(width * (size_t)n + 1)};
    memcpy(bufs[1], values, width * (size_t)n);
    int64_t nulls = 0;
    if (validity) {
        bufs[0] = fdata_aligned_calloc(8);
        memcpy(bufs[0], validity, ((size_t)n + 7) / 8);
        for (int64_t i = 0; i < n; i++)
            nulls += !((validity[i / 8] >> (i % 8)) & 1);
    }
    fdata_schema_make(&child, format, "v", ARROW_FLAG_NULLABLE, ext);
    fdata_schema_make_struct(&schema, &child, 1);
    fdata_array_make(&col, n, nulls, 2, bufs);
    fdata_array_make_struct(&batch, n, &col, 1);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    fdata_arrow_write_header(&schema, tf, out, NULL);
    int status = fdata_arrow_write_batch(&schema, &batch, n, tf, out, NULL);
    fclose(out);
    CHECK(status == FDATA_OK);
    batch.release(&batch);
    schema.release(&schema);
    return text;
}

static char *jsonl(const char *format, const char *ext, const void *values, size_t width, int64_t n) {
    return print_column(format, ext, values, width, n, NULL, FDATA_TEXT_JSONL);
}

#define EXPECT_JSONL(format, ext, values, width, n, want)                  \
    do {                                                                   \
        char *got_ = jsonl(format, ext, values, width, n);                 \
        CHECK_STR(got_, want);                                             \
        free(got_);                                                        \
    } while (0)

static void test_floats(void) {
    const float f[] = {0.1f, 1e21f, -0.0f, 16777216.0f, 3.4028235e38f, 1e-45f, NAN, -INFINITY};
    EXPECT_JSONL("f", NULL, f, 4, 8,
                 "{\"v\":0.1}\n{\"v\":1e+21}\n{\"v\":-0.0}\n{\"v\":16777216.0}\n"
                 "{\"v\":3.4028235e+38}\n{\"v\":1e-45}\n{\"v\":\"NaN\"}\n{\"v\":\"-Infinity\"}\n");
    const double d[] = {0.1, 5e-324, 123456789012345678.0, 1.0 / 3};
    EXPECT_JSONL("g", NULL, d, 8, 4,
                 "{\"v\":0.1}\n{\"v\":5e-324}\n{\"v\":1.2345678901234568e+17}\n"
                 "{\"v\":0.3333333333333333}\n");
    const uint16_t h[] = {0x2e66, 0x7c00, 0x0001, 0xc000, 0x7e00};
    EXPECT_JSONL("e", NULL, h, 2, 5,
                 "{\"v\":0.099975586}\n{\"v\":\"Infinity\"}\n{\"v\":5.9604645e-08}\n"
                 "{\"v\":-2.0}\n{\"v\":\"NaN\"}\n");
}

static void test_integers(void) {
    const int64_t l[] = {INT64_MIN, INT64_MAX};
    EXPECT_JSONL("l", NULL, l, 8, 2, "{\"v\":-9223372036854775808}\n{\"v\":9223372036854775807}\n");
    const uint64_t L[] = {UINT64_MAX};
    EXPECT_JSONL("L", NULL, L, 8, 1, "{\"v\":18446744073709551615}\n");
    const int8_t c[] = {-128, 127};
    EXPECT_JSONL("c", NULL, c, 1, 2, "{\"v\":-128}\n{\"v\":127}\n");
}

static void test_decimals(void) {
    int64_t d128[4][2] = {{-1234, -1}, {5, 0}, {0, 0}, {0, 0}};
    /* 10^38 - 1 = 0x4b3b4ca85a86c47a098a223fffffffff */
    d128[3][0] = (int64_t)0x098a223fffffffffULL;
    d128[3][1] = (int64_t)0x4b3b4ca85a86c47aULL;
    EXPECT_JSONL("d:38,2", NULL, d128, 16, 4,
                 "{\"v\":\"-12.34\"}\n{\"v\":\"0.05\"}\n{\"v\":\"0.00\"}\n"
                 "{\"v\":\"999999999999999999999999999999999999.99\"}\n");
    int64_t z[1][2] = {{7, 0}};
    EXPECT_JSONL("d:5,0", NULL, z, 16, 1, "{\"v\":\"7\"}\n");
    /* decimal256: -(2^128) */
    uint64_t d256[4] = {0, 0, ~0ULL, ~0ULL};
    EXPECT_JSONL("d:60,3,256", NULL, d256, 32, 1,
                 "{\"v\":\"-340282366920938463463374607431768211.456\"}\n");
}

static void test_dates_and_times(void) {
    const int32_t days[] = {0, -1, -719528, 3789548, -755993};
    EXPECT_JSONL("tdD", NULL, days, 4, 5,
                 "{\"v\":\"1970-01-01\"}\n{\"v\":\"1969-12-31\"}\n{\"v\":\"+0000-01-01\"}\n"
                 "{\"v\":\"+12345-06-07\"}\n{\"v\":\"-0100-03-01\"}\n");
    const int64_t us[] = {-1, 253402300799999999};
    EXPECT_JSONL("tsu:", NULL, us, 8, 2,
                 "{\"v\":\"1969-12-31T23:59:59.999999\"}\n{\"v\":\"9999-12-31T23:59:59.999999\"}\n");
    EXPECT_JSONL("tsu:UTC", NULL, us, 8, 1, "{\"v\":\"1969-12-31T23:59:59.999999Z\"}\n");
    const int64_t ns[] = {86399999999999};
    EXPECT_JSONL("ttn", NULL, ns, 8, 1, "{\"v\":\"23:59:59.999999999\"}\n");
    const int32_t ms[] = {3723004};
    EXPECT_JSONL("ttm", NULL, ms, 4, 1, "{\"v\":\"01:02:03.004\"}\n");
    const int32_t before_midnight[] = {-13899000}; /* -3:51:39, DuckDB's negative TIMETZ */
    EXPECT_JSONL("ttm", NULL, before_midnight, 4, 1, "{\"v\":\"20:08:21.000\"}\n");
    EXPECT_JSONL("tsm:", NULL, ns, 8, 1, "{\"v\":\"4707-11-28T23:59:59.999\"}\n");
}

static void test_fixed_binary(void) {
    const uint8_t uuid[16] = {0x1c, 0x99, 0x63, 0x30, 0x5f, 0xeb, 0xc2, 0x52,
                              0x0c, 0xc6, 0x1b, 0x23, 0xee, 0x34, 0xc9, 0xd3};
    EXPECT_JSONL("w:16", "arrow.uuid", uuid, 16, 1,
                 "{\"v\":\"1c996330-5feb-c252-0cc6-1b23ee34c9d3\"}\n");
    EXPECT_JSONL("w:16", NULL, uuid, 16, 1, "{\"v\":\"HJljMF/rwlIMxhsj7jTJ0w==\"}\n");
    struct { int32_t months, days; int64_t ns; } iv = {14, 3, 86399999000000};
    EXPECT_JSONL("tin", NULL, &iv, 16, 1, "{\"v\":{\"months\":14,\"days\":3,\"millis\":86399999}}\n");
}

static char *print_strings(const char *format, const char *const *s, int n, enum fdata_text_format tf,
                           const uint8_t *validity) {
    struct ArrowSchema child, schema;
    struct ArrowArray col, batch;
    int32_t *off = fdata_aligned_alloc(sizeof(int32_t) * (size_t)(n + 1));
    uint8_t *data = fdata_aligned_alloc(256);
    off[0] = 0;
    for (int i = 0; i < n; i++) {
        memcpy(data + off[i], s[i], strlen(s[i]));
        off[i + 1] = off[i] + (int32_t)strlen(s[i]);
    }
    uint8_t *bits = NULL;
    int nulls = 0;
    if (validity) {
        bits = fdata_aligned_calloc(8);
        bits[0] = validity[0];
        for (int i = 0; i < n; i++)
            nulls += !((bits[0] >> i) & 1);
    }
    void *bufs[3] = {bits, off, data};
    fdata_schema_make(&child, format, "s,\"x\"", ARROW_FLAG_NULLABLE, NULL);
    fdata_schema_make_struct(&schema, &child, 1);
    fdata_array_make(&col, n, nulls, 3, bufs);
    fdata_array_make_struct(&batch, n, &col, 1);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    fdata_arrow_write_header(&schema, tf, out, NULL);
    CHECK(fdata_arrow_write_batch(&schema, &batch, n, tf, out, NULL) == FDATA_OK);
    fclose(out);
    batch.release(&batch);
    schema.release(&schema);
    return text;
}

static void test_strings(void) {
    const char *s[] = {"a\"b\\c\n\x01", "caf\xc3\xa9 \xff!", ""};
    char *t = print_strings("u", s, 3, FDATA_TEXT_JSONL, NULL);
    CHECK_STR(t, "{\"s,\\\"x\\\"\":\"a\\\"b\\\\c\\n\\u0001\"}\n"
                 "{\"s,\\\"x\\\"\":\"caf\xc3\xa9 \xef\xbf\xbd!\"}\n{\"s,\\\"x\\\"\":\"\"}\n");
    free(t);
    const char *b[] = {"\x00\xff\x80\x7f"};
    const char *bin[] = {"ab"};
    (void)b;
    t = print_strings("z", bin, 1, FDATA_TEXT_JSONL, NULL);
    CHECK_STR(t, "{\"s,\\\"x\\\"\":\"YWI=\"}\n");
    free(t);
    const char *csv[] = {"plain", "with,comma", "say \"hi\"", "null here"};
    const uint8_t valid = 0x7; /* the fourth is null */
    t = print_strings("u", csv, 4, FDATA_TEXT_CSV, &valid);
    CHECK_STR(t, "\"s,\"\"x\"\"\"\nplain\n\"with,comma\"\n\"say \"\"hi\"\"\"\n\n");
    free(t);
}

static void test_nulls(void) {
    const int32_t v[] = {1, 0, 3};
    const uint8_t valid = 0x5;
    char *t = print_column("i", NULL, v, 4, 3, &valid, FDATA_TEXT_JSONL);
    CHECK_STR(t, "{\"v\":1}\n{\"v\":null}\n{\"v\":3}\n");
    free(t);
    t = print_column("i", NULL, v, 4, 3, &valid, FDATA_TEXT_CSV);
    CHECK_STR(t, "v\n1\n\n3\n");
    free(t);
}

int main(void) {
    test_floats();
    test_integers();
    test_decimals();
    test_dates_and_times();
    test_fixed_binary();
    test_strings();
    test_nulls();
    return check_result("test_format");
}
