/* filter_may_select over statistics (a page's or a row group's min, max and nulls): each
 * comparison, IN and NOT IN, IS [NOT] NULL, NOT, AND and OR are false on a range only when no
 * value of it (or null) can make them true; unknown statistics and a float maximum of NaN
 * prune nothing; strings compare by unsigned bytes; unsigned integers as unsigned. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "common/common.h"
#include "pipeline/filter.h"
#include "pipeline/partitions.h"

/* One column "c" of Arrow format `format`; NULL stats: none known. */
static struct filter_stats one;
static int known = 1;

static const struct filter_stats *stats_of(void *ctx, const char *column) {
    (void)ctx;
    return known && strcmp(column, "c") == 0 ? &one : NULL;
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
    int r = filter_may_select(f, &p, 0, stats_of, NULL);
    fdata_filter_free(f);
    return r;
}

static void ints(int64_t lo, int64_t hi, int nulls) {
    memset(&one, 0, sizeof one);
    one = (struct filter_stats){.known = 1, .nulls = nulls, .values = 1, .format = "l"};
    one.min.i = lo;
    one.max.i = hi;
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
    one.values = 0; /* only nulls */
    CHECK(may("c = 7") == 0 && may("c IS NOT NULL") == 0 && may("c IS NULL") == 1);
    CHECK(may("NOT c = 7") == 0 && may("c = 7 OR c IS NULL") == 1);
    known = 0;
    CHECK(may("c = 7") == 1 && may("c IS NULL") == 1);
    known = 1;
    one.known = 0;
    CHECK(may("c = 7") == 1);
}

static void test_types(void) {
    memset(&one, 0, sizeof one);
    one = (struct filter_stats){.known = 1, .values = 1, .format = "g"};
    one.min.f = 1.0;
    one.max.f = NAN; /* a float column's maximum: NaN sorts above every number */
    CHECK(may("c < 1.0") == 0 && may("c >= 1.0") == 1 && may("c > 1e300") == 1);
    one = (struct filter_stats){.known = 1, .values = 1, .format = "u"};
    one.min.bytes = (const uint8_t *)"b";
    one.min.len = 1;
    one.max.bytes = (const uint8_t *)"\xc3\xa9t\xc3\xa9"; /* "été": above ASCII as bytes */
    one.max.len = 5;
    CHECK(may("c = 'a'") == 0 && may("c = 'c'") == 1 && may("c > 'z'") == 1);
    CHECK(may("c > '\xc3\xa9t\xc3\xa9'") == 0);
    CHECK(may("c < 'b'") == 0);
    one = (struct filter_stats){.known = 1, .values = 1, .format = "L"};
    one.min.u = 10;
    one.max.u = UINT64_MAX; /* as unsigned, not -1 */
    CHECK(may("c > 1000000") == 1 && may("c < 10") == 0 && may("c = -1") == 0);
    one = (struct filter_stats){.known = 1, .values = 1, .format = "tdD"};
    one.min.i = 19724; /* days: 2024-01-02 .. 2024-01-03 */
    one.max.i = 19725;
    CHECK(may("c = DATE '2024-01-01'") == 0 && may("c = DATE '2024-01-03'") == 1);
    CHECK(may("c > TIMESTAMP '2024-01-03 00:00:01'") == 0);
}

int main(void) {
    test_comparisons();
    test_types();
    return check_result("test_filter_stats");
}
