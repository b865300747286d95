/* Columns of several files read as one: common types, casts and columns of nulls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "build.h"
#include "unify.h"

/* The same extension name (none without metadata: no parse for plain fields). */
static int same_extension(const struct ArrowSchema *a, const struct ArrowSchema *b) {
    char ea[256], eb[256];
    if (!a->metadata && !b->metadata)
        return 1;
    fdata_schema_extension(a, ea, sizeof ea);
    fdata_schema_extension(b, eb, sizeof eb);
    return strcmp(ea, eb) == 0;
}

int fdata_type_equal(const struct ArrowSchema *a, const struct ArrowSchema *b) {
    if (strcmp(a->format, b->format) != 0 || !same_extension(a, b) ||
        a->n_children != b->n_children || !a->dictionary != !b->dictionary ||
        (a->dictionary && !fdata_type_equal(a->dictionary, b->dictionary)))
        return 0;
    for (int64_t i = 0; i < a->n_children; i++)
        if (strcmp(a->children[i]->name, b->children[i]->name) != 0 ||
            !fdata_type_equal(a->children[i], b->children[i]))
            return 0;
    return 1;
}

/* ---- types ---- */

int fdata_format_width(const char *f) {
    static const struct { const char *fmt; int width; } widths[] = {
        {"c", 1}, {"C", 1}, {"s", 2}, {"S", 2}, {"e", 2}, {"i", 4}, {"I", 4}, {"f", 4},
        {"tdD", 4}, {"tts", 4}, {"ttm", 4}, {"tiM", 4}, {"l", 8}, {"L", 8}, {"g", 8},
        {"tdm", 8}, {"ttu", 8}, {"ttn", 8}, {"tiD", 8}, {"tin", 16},
    };
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        if (strcmp(f, widths[i].fmt) == 0)
            return widths[i].width;
    if ((f[0] == 't' && f[1] == 's' && f[2] && f[3] == ':') || (f[0] == 't' && f[1] == 'D'))
        return 8; /* timestamps, durations */
    if (f[0] == 'd' && f[1] == ':')
        return strstr(f, ",256") ? 32 : 16;
    if (f[0] == 'w' && f[1] == ':')
        return atoi(f + 2);
    return 0;
}

/* 0 (seconds), 3, 6, 9 for the unit letters s m u n; -1 otherwise. */
static int unit_digits(char u) {
    return u == 's' ? 0 : u == 'm' ? 3 : u == 'u' ? 6 : u == 'n' ? 9 : -1;
}

static int small_int(const char *f) { return f[0] && !f[1] && strchr("csiCSI", f[0]); }

const char *fdata_type_common(const struct ArrowSchema *a, const struct ArrowSchema *b,
                              char *buf, size_t size) {
    const char *x = a->format, *y = b->format;
    char ea[256], eb[256];
    fdata_schema_extension(a, ea, sizeof ea);
    fdata_schema_extension(b, eb, sizeof eb);
    if (fdata_type_equal(a, b))
        return snprintf(buf, size, "%s", x) < (int)size ? buf : NULL;
    if (strcmp(ea, eb) != 0 || a->n_children || b->n_children || a->dictionary || b->dictionary)
        return NULL;
    const char *common = NULL;
    if ((small_int(x) || strcmp(x, "l") == 0) && (small_int(y) || strcmp(y, "l") == 0))
        common = "l";
    else if (strchr("fg", x[0]) && !x[1] && strchr("fg", y[0]) && !y[1])
        common = "g";
    else if ((strcmp(x, "u") == 0 || strcmp(x, "U") == 0) && (strcmp(y, "u") == 0 || strcmp(y, "U") == 0))
        common = "U";
    else if ((strcmp(x, "z") == 0 || strcmp(x, "Z") == 0) && (strcmp(y, "z") == 0 || strcmp(y, "Z") == 0))
        common = "Z";
    else if ((strcmp(x, "tdD") == 0 || strcmp(x, "tdm") == 0) && (strcmp(y, "tdD") == 0 || strcmp(y, "tdm") == 0))
        common = "tdm";
    else if (x[0] == 't' && y[0] == 't' && x[1] == y[1] && (x[1] == 's' || x[1] == 't') &&
             unit_digits(x[2]) >= 0 && unit_digits(y[2]) >= 0 &&
             strcmp(x + 3, y + 3) == 0) /* timestamps (same zone) or times */
        common = unit_digits(x[2]) > unit_digits(y[2]) ? x : y;
    if (!common)
        return NULL;
    return snprintf(buf, size, "%s", common) < (int)size ? buf : NULL;
}

/* ---- nested types ---- */

static long child_named(const struct ArrowSchema *s, const char *name) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (strcmp(s->children[i]->name, name) == 0)
            return (long)i;
    return -1;
}

/* a and b have no common type: the conflict is here. */
static int conflict_here(struct fdata_type_conflict *c, const struct ArrowSchema *a,
                         const struct ArrowSchema *b) {
    snprintf(c->path, sizeof c->path, "%s", a->name ? a->name : "");
    c->a = a;
    c->b = b;
    return FDATA_EINVAL;
}

/* The conflict is below field `name`: its path gains "name." in front (if it fits). */
static void conflict_below(struct fdata_type_conflict *c, const char *name) {
    size_t n = strlen(name), len = strlen(c->path);
    if (n + 1 + len < sizeof c->path) {
        memmove(c->path + n + 1, c->path, len + 1);
        memcpy(c->path, name, n);
        c->path[n] = '.';
    }
}

/* A copy of a field that one side lacks: nullable, since that side reads as nulls. */
static int copy_missing(const struct ArrowSchema *field, struct ArrowSchema *out) {
    FDATA_RETURN_IF(fdata_schema_copy(field, out));
    out->flags |= ARROW_FLAG_NULLABLE;
    return FDATA_OK;
}

/* Two nested types of the same format: structs by field name, the others child by child. */
static int unify_nested(const struct ArrowSchema *a, const struct ArrowSchema *b, int keep_a,
                        struct ArrowSchema *out, struct fdata_type_conflict *c) {
    int by_name = strcmp(a->format, "+s") == 0;
    if (!by_name && a->n_children != b->n_children)
        return conflict_here(c, a, b);
    int64_t cap = a->n_children + (by_name && !keep_a ? b->n_children : 0), made = 0;
    struct ArrowSchema *kids = calloc((size_t)cap + 1, sizeof *kids);
    int status = kids ? FDATA_OK : FDATA_ENOMEM;
    for (int64_t i = 0; status == FDATA_OK && i < a->n_children; i++) {
        long j = by_name ? child_named(b, a->children[i]->name) : (long)i;
        status = j < 0 ? copy_missing(a->children[i], &kids[made])
                       : fdata_schema_unify(a->children[i], b->children[j], keep_a, &kids[made], c);
        made += status == FDATA_OK;
    }
    for (int64_t j = 0; status == FDATA_OK && by_name && !keep_a && j < b->n_children; j++)
        if (child_named(a, b->children[j]->name) < 0) {
            status = copy_missing(b->children[j], &kids[made]);
            made += status == FDATA_OK;
        }
    if (status == FDATA_OK)
        status = fdata_schema_make_parent(out, a->format, a->name, a->flags, kids, made);
    for (int64_t k = 0; status != FDATA_OK && k < made; k++)
        kids[k].release(&kids[k]);
    free(kids);
    if (status == FDATA_EINVAL)
        conflict_below(c, a->name ? a->name : "");
    return status;
}

int fdata_schema_unify(const struct ArrowSchema *a, const struct ArrowSchema *b, int keep_a,
                       struct ArrowSchema *out, struct fdata_type_conflict *c) {
    char ea[256], eb[256], buf[64];
    out->release = NULL;
    fdata_schema_extension(a, ea, sizeof ea);
    fdata_schema_extension(b, eb, sizeof eb);
    int status;
    if (a->format[0] == '+' && strcmp(a->format, b->format) == 0 && strcmp(ea, eb) == 0 &&
        !fdata_type_equal(a, b)) {
        status = unify_nested(a, b, keep_a, out, c);
    } else {
        const char *common = fdata_type_common(a, b, buf, sizeof buf);
        if (!common || (keep_a && strcmp(common, a->format) != 0))
            return conflict_here(c, a, b);
        status = strcmp(common, a->format) == 0
                     ? fdata_schema_copy(a, out)
                     : fdata_schema_make(out, common, a->name, 0, ea[0] ? ea : NULL);
    }
    if (status == FDATA_OK)
        out->flags = a->flags | (b->flags & ARROW_FLAG_NULLABLE);
    return status;
}

/* ---- arrays ---- */

static int valid(const struct ArrowArray *a, int64_t i) {
    const uint8_t *bits = a->buffers[0];
    int64_t j = i + a->offset;
    return !bits || a->null_count == 0 || ((bits[j >> 3] >> (j & 7)) & 1);
}

/* Bits [offset, offset + n) of a validity bitmap into a fresh one (NULL when there is none). */
static int copy_validity(const struct ArrowArray *a, void **out) {
    *out = NULL;
    if (!a->buffers[0] || a->null_count == 0)
        return FDATA_OK;
    uint8_t *b = *out = fdata_aligned_calloc(((size_t)a->length + 7) / 8);
    if (!b)
        return FDATA_ENOMEM;
    for (int64_t i = 0; i < a->length; i++)
        if (valid(a, i))
            b[i >> 3] |= (uint8_t)(1u << (i & 7));
    return FDATA_OK;
}

static int64_t load_int(const uint8_t *p, char format) {
    switch (format) {
    case 'c': return (int8_t)p[0];
    case 'C': return p[0];
    case 's': { int16_t v; memcpy(&v, p, 2); return v; }
    case 'S': { uint16_t v; memcpy(&v, p, 2); return v; }
    case 'i': { int32_t v; memcpy(&v, p, 4); return v; }
    case 'I': { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* Fixed-width values widened: ints (and dates, times, timestamps as ints times `scale`),
 * floats to doubles.  ERANGE when a scaled value (not a null's) overflows. */
static int widen(const char *from, const char *to, const struct ArrowArray *in, void **out) {
    int wi = fdata_format_width(from), wo = fdata_format_width(to);
    int64_t scale = 1;
    if (strcmp(from, "tdD") == 0 && strcmp(to, "tdm") == 0)
        scale = 86400000;
    else if (from[0] == 't' && from[1] != 'd')
        for (int d = unit_digits(from[2]); d < unit_digits(to[2]); d++)
            scale *= 10;
    char kind = from[0] == 't' ? (wi == 4 ? 'i' : 'l') : from[0];
    const uint8_t *src = (const uint8_t *)in->buffers[1] + (size_t)in->offset * (size_t)wi;
    uint8_t *dst = *out = fdata_aligned_alloc((size_t)in->length * (size_t)wo);
    if (!dst)
        return FDATA_ENOMEM;
    for (int64_t r = 0; r < in->length; r++, src += wi, dst += wo) {
        if (kind == 'f') {
            float f;
            memcpy(&f, src, 4);
            double d = f;
            memcpy(dst, &d, 8);
            continue;
        }
        int64_t v = valid(in, r) ? load_int(src, kind) : 0; /* a null's bytes are anything */
        if (__builtin_mul_overflow(v, scale, &v))
            return FDATA_ERANGE;
        if (wo == 4) {
            int32_t v32 = (int32_t)v;
            if (v32 != v)
                return FDATA_ERANGE;
            memcpy(dst, &v32, 4);
        } else {
            memcpy(dst, &v, 8);
        }
    }
    return FDATA_OK;
}

/* int32 offsets widened to int64, the data copied. */
static int widen_offsets(const struct ArrowArray *in, void **offsets, void **data) {
    const int32_t *o = (const int32_t *)in->buffers[1] + in->offset;
    size_t n = (size_t)in->length, first = (size_t)o[0], bytes = (size_t)(o[n] - o[0]);
    int64_t *w = *offsets = fdata_aligned_alloc((n + 1) * sizeof *w);
    *data = fdata_aligned_alloc(bytes);
    if (!w || !*data)
        return FDATA_ENOMEM;
    for (size_t r = 0; r <= n; r++)
        w[r] = o[r] - o[0];
    if (bytes)
        memcpy(*data, (const char *)in->buffers[2] + first, bytes);
    return FDATA_OK;
}

int fdata_array_cast(const struct ArrowSchema *from, const char *to, struct ArrowArray *in,
                     struct ArrowArray *out, struct fdata_error *err) {
    void *bufs[3] = {NULL, NULL, NULL};
    int wide = strcmp(to, "U") == 0 || strcmp(to, "Z") == 0;
    int status = copy_validity(in, &bufs[0]);
    if (status == FDATA_OK)
        status = wide ? widen_offsets(in, &bufs[1], &bufs[2]) : widen(from->format, to, in, &bufs[1]);
    int64_t length = in->length, nulls = bufs[0] ? in->null_count : 0;
    in->release(in);
    if (status == FDATA_OK)
        return fdata_array_make(out, length, nulls, wide ? 3 : 2, bufs) == FDATA_OK
                   ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int b = 0; b < 3; b++)
        fdata_aligned_free(bufs[b]);
    out->release = NULL;
    if (status == FDATA_ERANGE)
        return fdata_set_error(err, status, "a value of type %s does not fit %s", from->format, to);
    return fdata_set_error(err, status, "out of memory");
}

/* The first `bytes` bytes of a buffer, copied (an array's validity or offsets up to its
 * offset + length: the copy keeps the offset). */
static int copy_bytes(const void *buf, size_t bytes, void **out) {
    if (!(*out = fdata_aligned_alloc(bytes + 1)))
        return FDATA_ENOMEM;
    memcpy(*out, buf, bytes);
    return FDATA_OK;
}

/* A parent array conformed: its validity and offsets copied, each child of `to` from the
 * child of `from` it matches (by name in a struct, by place otherwise) or nulls. */
static int conform_parent(const struct ArrowSchema *from, const struct ArrowSchema *to,
                          struct ArrowArray *in, struct ArrowArray *out, struct fdata_error *err) {
    int by_name = strcmp(to->format, "+s") == 0;
    size_t width = strcmp(to->format, "+L") == 0 ? 8
                   : strcmp(to->format, "+l") == 0 || strcmp(to->format, "+m") == 0 ? 4 : 0;
    int64_t span = in->offset + in->length, n = to->n_children;
    void *bufs[2] = {NULL, NULL};
    struct ArrowArray *kids = calloc((size_t)n + 1, sizeof *kids);
    int status = kids ? FDATA_OK : FDATA_ENOMEM, reported = 0;
    if (status == FDATA_OK && in->buffers[0] && in->null_count != 0)
        status = copy_bytes(in->buffers[0], ((size_t)span + 7) / 8, &bufs[0]);
    if (status == FDATA_OK && width)
        status = copy_bytes(in->buffers[1], ((size_t)span + 1) * width, &bufs[1]);
    for (int64_t k = 0; status == FDATA_OK && k < n; k++) {
        long j = by_name ? child_named(from, to->children[k]->name) : (long)k;
        if (j < 0 || j >= from->n_children) {
            status = fdata_array_nulls(to->children[k], span, &kids[k]);
            continue;
        }
        struct ArrowArray moved = *in->children[j];
        in->children[j]->release = NULL;
        status = fdata_array_conform(from->children[j], to->children[k], &moved, &kids[k], err);
        reported = status != FDATA_OK;
    }
    int64_t length = in->length, offset = in->offset, nulls = bufs[0] ? in->null_count : 0;
    in->release(in);
    status = fdata_array_finish_parent(status, out, length, nulls, width ? 2 : 1, bufs, kids, n);
    if (status == FDATA_OK)
        out->offset = offset;
    else if (!reported)
        fdata_set_error(err, status, "field '%s': %s", to->name ? to->name : "",
                        status == FDATA_ENOMEM ? "out of memory" : "cannot make nulls of its type");
    return status;
}

int fdata_array_conform(const struct ArrowSchema *from, const struct ArrowSchema *to,
                        struct ArrowArray *in, struct ArrowArray *out, struct fdata_error *err) {
    if (fdata_type_equal(from, to)) {
        *out = *in;
        in->release = NULL;
        return FDATA_OK;
    }
    if (to->format[0] == '+')
        return conform_parent(from, to, in, out, err);
    int status = fdata_array_cast(from, to->format, in, out, err);
    char a[128], b[128];
    if (status == FDATA_ERANGE) /* name the column and the types as users know them */
        fdata_set_error(err, status, "column '%s': a value of type %s does not fit the table's "
                        "type %s", to->name ? to->name : "", fdata_type_name(from, a, sizeof a),
                        fdata_type_name(to, b, sizeof b));
    return status;
}

/* `length` null indices over an empty dictionary of the values' type. */
static int dictionary_nulls(const struct ArrowSchema *type, int64_t length,
                            struct ArrowArray *out) {
    size_t n = (size_t)length, width = (size_t)fdata_format_width(type->format);
    struct ArrowArray values;
    int status = width ? fdata_array_nulls(type->dictionary, 0, &values) : FDATA_EUNSUPPORTED;
    if (status != FDATA_OK)
        return status;
    void *bufs[2] = {fdata_aligned_calloc((n + 7) / 8), fdata_aligned_calloc(n * width)};
    if (!bufs[0] || !bufs[1]) {
        fdata_aligned_free(bufs[0]);
        fdata_aligned_free(bufs[1]);
        values.release(&values);
        return FDATA_ENOMEM;
    }
    return fdata_array_make_dictionary(out, length, length, bufs, &values);
}

int fdata_array_nulls(const struct ArrowSchema *type, int64_t length, struct ArrowArray *out) {
    const char *f = type->format;
    size_t n = (size_t)length, width = (size_t)fdata_format_width(f);
    out->release = NULL;
    if (strcmp(f, "n") == 0)
        return fdata_array_make(out, length, length, 0, NULL);
    if (type->dictionary)
        return dictionary_nulls(type, length, out);
    void *bufs[4] = {fdata_aligned_calloc((n + 7) / 8), NULL, NULL, NULL};
    int n_buffers = 2, nested = f[0] == '+';
    int64_t n_kids = nested ? type->n_children : 0, child_length = 0;
    if (f[0] == 'v' && (f[1] == 'u' || f[1] == 'z') && !f[2]) { /* zero views, one empty data
                                                                   buffer and its size */
        bufs[1] = fdata_aligned_calloc(n * 16);
        bufs[2] = fdata_aligned_calloc(1);
        bufs[3] = fdata_aligned_calloc(sizeof(int64_t));
        n_buffers = 4;
    } else if (strcmp(f, "b") == 0) {
        bufs[1] = fdata_aligned_calloc((n + 7) / 8);
    } else if (width) {
        bufs[1] = fdata_aligned_calloc(n * width);
    } else if (strchr("uzUZ", f[0]) && !f[1]) {
        bufs[1] = fdata_aligned_calloc((n + 1) * (f[0] == 'u' || f[0] == 'z' ? 4 : 8));
        bufs[2] = fdata_aligned_calloc(1);
        n_buffers = 3;
    } else if (strcmp(f, "+l") == 0 || strcmp(f, "+L") == 0 || strcmp(f, "+m") == 0) {
        bufs[1] = fdata_aligned_calloc((n + 1) * (f[1] == 'L' ? 8 : 4));
    } else if (strcmp(f, "+s") == 0 || strncmp(f, "+w:", 3) == 0) {
        n_buffers = 1;
        child_length = f[1] == 'w' ? length * atoi(f + 3) : length;
    } else {
        fdata_aligned_free(bufs[0]);
        return FDATA_EUNSUPPORTED;
    }
    for (int b = 0; b < n_buffers; b++) {
        if (!bufs[b]) {
            for (int k = 0; k < 4; k++)
                fdata_aligned_free(bufs[k]);
            return FDATA_ENOMEM;
        }
    }
    if (!nested)
        return fdata_array_make(out, length, length, n_buffers, bufs);
    struct ArrowArray *kids = calloc((size_t)n_kids + 1, sizeof *kids);
    int status = kids ? FDATA_OK : FDATA_ENOMEM;
    for (int64_t c = 0; c < n_kids && status == FDATA_OK; c++)
        status = fdata_array_nulls(type->children[c], child_length, &kids[c]);
    return fdata_array_finish_parent(status, out, length, length, n_buffers, bufs, kids, n_kids);
}

int fdata_array_finish_parent(int status, struct ArrowArray *out, int64_t length,
                              int64_t null_count, int n_buffers, void **buffers,
                              struct ArrowArray *children, int64_t n) {
    if (status == FDATA_OK) {
        status = fdata_array_make_parent(out, length, null_count, n_buffers, buffers, children, n);
    } else { /* out may be the struct `in` was copied from (conform in place): not an array */
        out->release = NULL;
        for (int64_t c = 0; children && c < n; c++)
            if (children[c].release)
                children[c].release(&children[c]);
        for (int b = 0; b < n_buffers; b++)
            fdata_aligned_free(buffers[b]);
    }
    free(children);
    return status;
}
