/* Columns of several files read as one (src/arrow/unify.h): the common type of two fields
 * (widening only, never narrowing or across kinds), casts that keep every value and null
 * (ints, floats, dates, time units, large strings, sliced input), a timestamp that does not
 * fit a finer unit, and columns of nulls of flat and nested types; nested types unified by
 * path (struct fields by name: order, nullability, promotions inside structs and lists,
 * keep_a, the conflict's path and pair) and a sliced struct array conformed to its union. */
#include <stdint.h>
#include <string.h>
#include "arrow/build.h"
#include "arrow/unify.h"
#include "check.h"
#include "common/common.h"
#include "memory/memory.h"

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
    struct ArrowSchema view = field("vu"); /* zero views over one empty data buffer */
    CHECK(fdata_array_nulls(&view, 3, &a) == FDATA_OK && a.length == 3 && a.null_count == 3 &&
          a.n_buffers == 4 && ((const int64_t *)a.buffers[3])[0] == 0 &&
          ((const uint8_t *)a.buffers[1])[47] == 0);
    a.release(&a);
    view.release(&view);
    struct ArrowSchema dict; /* null indices over no values, a dictionary there all the same */
    CHECK(fdata_schema_make_dictionary(&dict, "i", "u", "d", ARROW_FLAG_NULLABLE, NULL) ==
          FDATA_OK);
    CHECK(fdata_array_nulls(&dict, 4, &a) == FDATA_OK && a.length == 4 && a.null_count == 4 &&
          a.dictionary && a.dictionary->length == 0 && a.dictionary->n_buffers == 3);
    a.release(&a);
    dict.release(&dict);
    struct ArrowSchema sparse_union = field("+us:0");
    CHECK(fdata_array_nulls(&sparse_union, 3, &a) == FDATA_EUNSUPPORTED && a.release == NULL);
    sparse_union.release(&sparse_union);
}

/* A struct field `name` over n flat fields of the given formats and names. */
static struct ArrowSchema struct_of(const char *name, int n, const char *const *formats,
                                    const char *const *names) {
    struct ArrowSchema kids[4], s;
    for (int i = 0; i < n; i++)
        fdata_schema_make(&kids[i], formats[i], names[i], 0, NULL);
    fdata_schema_make_parent(&s, "+s", name, 0, kids, n);
    return s;
}

static void test_unify_nested(void) {
    struct ArrowSchema a = struct_of("s", 2, (const char *[]){"i", "u"}, (const char *[]){"a", "b"});
    struct ArrowSchema b = struct_of("s", 2, (const char *[]){"f", "l"}, (const char *[]){"c", "a"});
    struct ArrowSchema u, la, lb, lu;
    struct fdata_type_conflict c;
    CHECK(fdata_schema_unify(&a, &b, 0, &u, &c) == FDATA_OK && u.n_children == 3);
    CHECK(strcmp(u.children[0]->name, "a") == 0 && strcmp(u.children[0]->format, "l") == 0 &&
          !(u.children[0]->flags & ARROW_FLAG_NULLABLE)); /* in both: as it was */
    CHECK(strcmp(u.children[1]->name, "b") == 0 && (u.children[1]->flags & ARROW_FLAG_NULLABLE));
    CHECK(strcmp(u.children[2]->name, "c") == 0 && strcmp(u.children[2]->format, "f") == 0 &&
          (u.children[2]->flags & ARROW_FLAG_NULLABLE)); /* new ones appended */
    /* the same inside a list */
    struct ArrowSchema copy_a, copy_b;
    fdata_schema_copy(&a, &copy_a);
    fdata_schema_copy(&b, &copy_b);
    fdata_schema_make_parent(&la, "+l", "l", 0, &copy_a, 1);
    fdata_schema_make_parent(&lb, "+l", "l", 0, &copy_b, 1);
    CHECK(fdata_schema_unify(&la, &lb, 0, &lu, &c) == FDATA_OK && lu.n_children == 1 &&
          lu.children[0]->n_children == 3 && strcmp(lu.children[0]->children[0]->format, "l") == 0);
    lu.release(&lu);
    /* keep_a: a's types; int64 in b does not fit a's int32 */
    CHECK(fdata_schema_unify(&la, &lb, 1, &lu, &c) == FDATA_EINVAL && !lu.release &&
          strcmp(c.path, "l.s.a") == 0 && strcmp(c.a->format, "i") == 0 &&
          strcmp(c.b->format, "l") == 0);
    /* a struct where the other has an int: the path and the pair */
    struct ArrowSchema inner = struct_of("b", 1, (const char *[]){"l"}, (const char *[]){"x"});
    struct ArrowSchema flat, nested, kid;
    fdata_schema_make(&kid, "i", "b", 0, NULL);
    fdata_schema_make_parent(&flat, "+s", "a", 0, &kid, 1);
    fdata_schema_make_parent(&nested, "+s", "a", 0, &inner, 1);
    CHECK(fdata_schema_unify(&flat, &nested, 0, &lu, &c) == FDATA_EINVAL &&
          strcmp(c.path, "a.b") == 0 && strcmp(c.a->format, "i") == 0 &&
          strcmp(c.b->format, "+s") == 0);
    flat.release(&flat), nested.release(&nested), la.release(&la), lb.release(&lb);

    /* a struct<a: int32> array, sliced (rows 1-3 of 4, row 2 null), conformed to the union */
    int32_t values[4] = {10, 11, 12, 13};
    struct ArrowArray kids[1] = {fixed(values, 4, 4)}, in, out; /* its row 1 null */
    uint8_t *bits = fdata_aligned_calloc(1);
    bits[0] = 0xff & ~4u;
    void *validity[1] = {bits};
    fdata_array_make_parent(&in, 4, 1, 1, validity, kids, 1);
    in.offset = 1, in.length = 3;
    struct ArrowSchema from = struct_of("s", 1, (const char *[]){"i"}, (const char *[]){"a"});
    struct fdata_error err = {0};
    CHECK(fdata_array_conform(&from, &u, &in, &out, &err) == FDATA_OK && !in.release);
    CHECK(out.length == 3 && out.offset == 1 && out.null_count == 1 && out.n_children == 3);
    const int64_t *a64 = out.children[0]->buffers[1];
    CHECK(out.children[0]->length == 4 && a64[3] == 13 && a64[0] == 10);
    CHECK(out.children[1]->length == 4 && out.children[1]->null_count == 4 &&
          out.children[2]->null_count == 4);
    CHECK((((const uint8_t *)out.buffers[0])[0] & 0xf) == 0xb); /* row 2 (offset 1 + 1) null */
    out.release(&out);
    from.release(&from), u.release(&u), a.release(&a), b.release(&b);
}

int main(void) {
    test_common();
    test_casts();
    test_nulls();
    test_unify_nested();
    return check_result("test_unify");
}
