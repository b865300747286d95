/* Columns of several files read as one (src/arrow/unify.h): the common type of two fields
 * (widening only, never narrowing or across kinds), casts that keep every value and null
 * (ints, floats, dates, time units, large strings, sliced input), a timestamp that does not
 * fit a finer unit, and columns of nulls of flat and nested types. */
#include <stdint.h>
#include <string.h>
#include "arrow/build.h"
#include "arrow/unify.h"
#include "check.h"
#include "common/common.h"

static struct ArrowSchema field(const char *format) {
    struct ArrowSchema s;
    fdata_schema_make(&s, format, "x", ARROW_FLAG_NULLABLE, NULL);
    return s;
}

static const char *common(const char *a, const char *b, char *buf) {
    struct ArrowSchema x = field(a), y = field(b);
    const char *c = fdata_type_common(&x, &y, buf, 32);
    x.release(&x), y.release(&y);
    return c ? c : "none";
}

static void test_common(void) {
    char buf[32];
    CHECK_STR(common("i", "l", buf), "l");
    CHECK_STR(common("c", "S", buf), "l");
    CHECK_STR(common("l", "l", buf), "l");
    CHECK_STR(common("f", "g", buf), "g");
    CHECK_STR(common("tsm:", "tsu:", buf), "tsu:");
    CHECK_STR(common("tsn:UTC", "tss:UTC", buf), "tsn:UTC");
    CHECK_STR(common("tdD", "tdm", buf), "tdm");
    CHECK_STR(common("tts", "ttu", buf), "ttu");
    CHECK_STR(common("u", "U", buf), "U");
    CHECK_STR(common("z", "Z", buf), "Z");
    CHECK_STR(common("L", "l", buf), "none");   /* uint64 does not fit int64 */
    CHECK_STR(common("i", "g", buf), "none");   /* no int -> float */
    CHECK_STR(common("u", "l", buf), "none");
    CHECK_STR(common("tsu:", "tsu:UTC", buf), "none");
    CHECK_STR(common("tsu:", "tdD", buf), "none");
    CHECK_STR(common("d:10,2", "d:12,2", buf), "none");
}

/* An array of n values of `width` bytes from `values`, with row 1 null. */
static struct ArrowArray fixed(const void *values, int64_t n, size_t width) {
    struct ArrowArray a;
    uint8_t *bits = fdata_aligned_calloc(1);
    void *v = fdata_aligned_alloc((size_t)n * width);
    memcpy(v, values, (size_t)n * width);
    bits[0] = (uint8_t)(0xff & ~2u);
    void *bufs[2] = {bits, v};
    fdata_array_make(&a, n, 1, 2, bufs);
    return a;
}

static int cast(const char *from, const char *to, struct ArrowArray *in, struct ArrowArray *out) {
    struct ArrowSchema f = field(from);
    struct fdata_error err = {0};
    int status = fdata_array_cast(&f, to, in, out, &err);
    f.release(&f);
    return status;
}

static void test_casts(void) {
    int8_t i8[3] = {-128, 0, 127};
    struct ArrowArray in = fixed(i8, 3, 1), out;
    CHECK(cast("c", "l", &in, &out) == FDATA_OK && in.release == NULL);
    const int64_t *l = out.buffers[1];
    CHECK(out.length == 3 && out.null_count == 1 && l[0] == -128 && l[2] == 127);
    CHECK((((const uint8_t *)out.buffers[0])[0] & 7) == 5);
    out.release(&out);

    float f[3] = {0.25f, 0.0f, -1.5f};
    in = fixed(f, 3, 4);
    in.offset = 1, in.length = 2; /* a slice: rows 1 and 2 */
    in.null_count = 1;
    CHECK(cast("f", "g", &in, &out) == FDATA_OK);
    CHECK(out.length == 2 && ((const double *)out.buffers[1])[1] == -1.5 &&
          (((const uint8_t *)out.buffers[0])[0] & 3) == 2); /* the null moved to row 0 */
    out.release(&out);

    int32_t days[3] = {1, 0, -1};
    in = fixed(days, 3, 4);
    CHECK(cast("tdD", "tdm", &in, &out) == FDATA_OK);
    CHECK(((const int64_t *)out.buffers[1])[2] == -86400000);
    out.release(&out);

    int64_t ms[3] = {1500, INT64_MAX, INT64_MAX / 2000}; /* row 1 null: not checked */
    in = fixed(ms, 3, 8);
    CHECK(cast("tsm:", "tsu:", &in, &out) == FDATA_OK &&
          ((const int64_t *)out.buffers[1])[0] == 1500000);
    out.release(&out);
    in = fixed(ms, 3, 8);
    CHECK(cast("tsm:", "tsn:", &in, &out) == FDATA_ERANGE && out.release == NULL &&
          in.release == NULL);

    int32_t *offsets = fdata_aligned_alloc(4 * sizeof *offsets);
    char *chars = fdata_aligned_alloc(5);
    memcpy(chars, "abcé", 5);
    offsets[0] = 0, offsets[1] = 1, offsets[2] = 3, offsets[3] = 5;
    void *bufs[3] = {NULL, offsets, chars};
    fdata_array_make(&in, 3, 0, 3, bufs);
    in.offset = 1, in.length = 2;
    CHECK(cast("u", "U", &in, &out) == FDATA_OK && out.n_buffers == 3);
    const int64_t *o = out.buffers[1];
    CHECK(o[0] == 0 && o[1] == 2 && o[2] == 4 && memcmp(out.buffers[2], "bcé", 4) == 0);
    out.release(&out);
}

static void test_nulls(void) {
    struct ArrowSchema kids[2];
    fdata_schema_make(&kids[0], "l", "a", ARROW_FLAG_NULLABLE, NULL);
    fdata_schema_make(&kids[1], "u", "b", ARROW_FLAG_NULLABLE, NULL);
    struct ArrowSchema st;
    fdata_schema_make_parent(&st, "+s", "s", ARROW_FLAG_NULLABLE, kids, 2);
    struct ArrowSchema list;
    fdata_schema_make_parent(&list, "+l", "l", ARROW_FLAG_NULLABLE, &st, 1);
    struct ArrowArray a;
    CHECK(fdata_array_nulls(&list, 5, &a) == FDATA_OK);
    CHECK(a.length == 5 && a.null_count == 5 && a.n_children == 1 && a.children[0]->length == 0 &&
          a.children[0]->n_children == 2 && ((const int32_t *)a.buffers[1])[5] == 0);
    a.release(&a);
    CHECK(fdata_array_nulls(list.children[0], 3, &a) == FDATA_OK && a.children[1]->length == 3 &&
          a.children[1]->null_count == 3);
    a.release(&a);
    list.release(&list);
    struct ArrowSchema view = field("vu");
    CHECK(fdata_array_nulls(&view, 3, &a) == FDATA_EUNSUPPORTED && a.release == NULL);
    view.release(&view);
}

int main(void) {
    test_common();
    test_casts();
    test_nulls();
    return check_result("test_unify");
}
