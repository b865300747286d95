/* filter_may_select over statistics (a page's or a row group's min, max and nulls, as
 * pq_column_stats and pq_page_stats give them): each comparison, IN and NOT IN, IS [NOT]
 * NULL, NOT, AND and OR are false on a range only when no value of it (or null) can make
 * them true; unknown statistics prune nothing, nor does a float maximum (NaN, which the
 * statistics leave out, sorts above every number); strings compare by unsigned bytes;
 * unsigned integers as unsigned. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "common/common.h"
#include "pipeline/filter.h"
#include "pipeline/partitions.h"

/* One column "c" of Arrow format `format` over 100 rows; known 0: nothing known of it. */
static struct pq_column_stats one;
static const char *format = "l";
static int known = 1;

static void stats_of(void *ctx, const char *column, struct pq_column_stats *out) {
    (void)ctx;
    if (known && strcmp(column, "c") == 0) {
        *out = one;
        return;
    }
    memset(out, 0, sizeof *out);
    out->found = 1, out->leaf = 0, out->rows = 100, out->null_count = -1;
}

static int may(const char *text) {
    fdata_filter *f = NULL;
    struct fdata_error err = {0};
    struct partitions p;
    memset(&p, 0, sizeof p);
    if (fdata_filter_parse(text, &f, &err) != FDATA_OK) {
        fprintf(stderr, "unexpected: %s\n", err.message);
        return -1;
    }
    struct ArrowSchema c = {.format = format, .name = "c"}, *children[] = {&c};
    struct ArrowSchema own = {.format = "+s", .n_children = 1, .children = children};
    struct stats_source src = {NULL, 0, &own, FDATA_UTF8_ERROR, 0, stats_of, NULL};
    int r = filter_may_select(f, &p, 0, &src);
    fdata_filter_free(f);
    return r;
}

/* Statistics of `bound` values over 100 rows, with `nulls` of them null; min and max next. */
static void stats(const char *fmt, int bound, int64_t nulls) {
    memset(&one, 0, sizeof one);
    format = fmt;
    one = (struct pq_column_stats){.found = 1, .leaf = 0, .values = bound, .rows = 100,
                                   .null_count = nulls, .bound = bound};
}

static void ints(int64_t lo, int64_t hi, int nulls) {
    stats("l", PQ_BOUND_INT, nulls);
    one.width = 8;
    one.min_i = lo;
    one.max_i = hi;
}

static void test_comparisons(void) {
    ints(10, 20, 0);
    CHECK(may("c = 10") == 1 && may("c = 20") == 1 && may("c = 9") == 0 && may("c = 21") == 0);
    CHECK(may("c < 10") == 0 && may("c < 11") == 1 && may("c <= 10") == 1 && may("c <= 9") == 0);
    CHECK(may("c > 20") == 0 && may("c > 19") == 1 && may("c >= 20") == 1 && may("c >= 21") == 0);
    CHECK(may("c != 15") == 1 && may("c BETWEEN 21 AND 30") == 0 && may("c BETWEEN 0 AND 10") == 1);
    CHECK(may("c IN (1, 2, 30)") == 0 && may("c IN (1, 15)") == 1);
    CHECK(may("c > 9.5") == 1 && may("c < 9.5") == 0); /* ints against floats */
    CHECK(may("NOT c < 30") == 0 && may("NOT c < 15") == 1);
    CHECK(may("c < 5 OR c > 25") == 0 && may("c < 5 OR c > 15") == 1);
    CHECK(may("c > 12 AND c < 11") == 1); /* each leaf may hold: ranges are not intersected */
    CHECK(may("c IS NULL") == 0 && may("c IS NOT NULL") == 1);
    ints(7, 7, 0); /* one value: != and NOT IN are false on it */
    CHECK(may("c != 7") == 0 && may("c NOT IN (7, 8)") == 0 && may("c NOT IN (8)") == 1);
    CHECK(may("NOT c = 7") == 0 && may("c = 7") == 1);
    ints(7, 7, 1); /* with nulls: still nothing true but IS NULL */
    CHECK(may("c != 7") == 0 && may("c IS NULL") == 1 && may("NOT c = 7") == 0);
    one.null_count = one.rows; /* only nulls */
    CHECK(may("c = 7") == 0 && may("c IS NOT NULL") == 0 && may("c IS NULL") == 1);
    CHECK(may("NOT c = 7") == 0 && may("c = 7 OR c IS NULL") == 1);
    known = 0;
    CHECK(may("c = 7") == 1 && may("c IS NULL") == 1);
    known = 1;
    one.bound = PQ_BOUND_NONE; /* values, bounds unknown */
    one.null_count = 0;
    CHECK(may("c = 7") == 1 && may("c IS NULL") == 0);
    one.null_count = -1; /* nulls unknown too */
    CHECK(may("c = 7") == 1 && may("c IS NULL") == 1);
}

static void test_types(void) {
    stats("g", PQ_BOUND_FLOAT, 0);
    one.min_f = 1.0;
    one.max_f = 2.0; /* NaN may be there too: it sorts above every number */
    CHECK(may("c < 1.0") == 0 && may("c >= 1.0") == 1 && may("c > 1e300") == 1);
    CHECK(may("c = 3.0") == 0 && may("c <= 0.5") == 0);
    stats("u", PQ_BOUND_BYTES, 0);
    one.min_b = (const uint8_t *)"b";
    one.min_len = 1;
    one.max_b = (const uint8_t *)"\xc3\xa9t\xc3\xa9"; /* "été": above ASCII as bytes */
    one.max_len = 5;
    CHECK(may("c = 'a'") == 0 && may("c = 'c'") == 1 && may("c > 'z'") == 1);
    CHECK(may("c > '\xc3\xa9t\xc3\xa9'") == 0);
    CHECK(may("c < 'b'") == 0);
    stats("L", PQ_BOUND_UINT, 0);
    one.min_u = 10;
    one.max_u = UINT64_MAX; /* as unsigned, not -1 */
    CHECK(may("c > 1000000") == 1 && may("c < 10") == 0 && may("c = -1") == 0);
    stats("tdD", PQ_BOUND_INT, 0);
    one.min_i = 19724; /* days: 2024-01-02 .. 2024-01-03 */
    one.max_i = 19725;
    CHECK(may("c = DATE '2024-01-01'") == 0 && may("c = DATE '2024-01-03'") == 1);
    CHECK(may("c > TIMESTAMP '2024-01-03 00:00:01'") == 0);
    /* decimals of scale 2, unscaled -150 .. 100 (-1.50 .. 1.00), from big-endian bytes */
    stats("d:38,2", PQ_BOUND_DEC, 0);
    static const uint8_t lo[2] = {0xff, 0x6a}, hi[1] = {0x64}; /* -150, 100 */
    pq_decimal_load(lo, 2, 1, one.min_d);
    pq_decimal_load(hi, 1, 1, one.max_d);
    CHECK(may("c < -1.5") == 0 && may("c <= -1.5") == 1 && may("c < -1.495") == 1);
    CHECK(may("c < -1.505") == 0 && may("c > 1.00") == 0 && may("c > 0.995") == 1);
    CHECK(may("c >= 1.005") == 0 && may("c = 1.005") == 0 && may("c = -1.5") == 1);
    CHECK(may("c = 0.001") == 1); /* between values of the range: not ruled out */
    CHECK(may("c > 1e80") == 0 && may("c < -1e80") == 0 && may("c > -1e80") == 1);
    CHECK(may("c BETWEEN 2 AND 3") == 0 && may("c IN (-2, 1.01, 5)") == 0);
    CHECK(may("c = '1.00'") == 1 && may("c > '1.001'") == 0 && may("c < -1") == 1);
    CHECK(may("c > 99999999999999999999999999999999999999999") == 0);
    stats("b", PQ_BOUND_INT, 0); /* booleans: false < true */
    one.min_i = one.max_i = 0;
    CHECK(may("c") == 0 && may("NOT c") == 1 && may("c = FALSE") == 1 && may("c != FALSE") == 0);
    one.max_i = 1;
    CHECK(may("c") == 1 && may("NOT c") == 1);
    /* a column this file lacks: null on every row */
    CHECK(may("d = 1") == 0 && may("d IS NULL") == 1);
}

int main(void) {
    test_comparisons();
    test_types();
    return check_result("test_filter_stats");
}
