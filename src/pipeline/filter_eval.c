/* Filters evaluated: over each file's partition values before any request (pruning), over
 * each row group's footer statistics (pruning), then over each decoded row (exact), with
 * SQL's logic of nulls. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "../common/common.h"
#include "../arrow/unify.h"
#include "../parquet/stats.h"
#include "filter.h"

#define US_PER_DAY INT64_C(86400000000)

static long key_of(const struct partitions *p, const char *column) {
    for (size_t k = 0; k < p->n_keys; k++)
        if (strcmp(p->keys[k], column) == 0)
            return (long)k;
    return -1;
}

/* The deepest struct path a filter follows. */
#define MAX_PATH 32

/* The field of record batch or struct `s` that `column` names: a child by name, or a path
 * a.b.c through struct fields (a name with dots wins over a path); its child indexes into
 * path[0..n), n returned; 0 when there is none. */
static int resolve(const struct ArrowSchema *s, const char *column, long *path, int depth) {
    for (int64_t c = 0; c < s->n_children && depth < MAX_PATH; c++)
        if (strcmp(s->children[c]->name, column) == 0)
            return path[depth] = (long)c, depth + 1;
    for (int64_t c = 0; c < s->n_children && depth < MAX_PATH; c++) {
        const struct ArrowSchema *child = s->children[c];
        size_t n = strlen(child->name);
        int r = strncmp(column, child->name, n) == 0 && column[n] == '.' &&
                strcmp(child->format, "+s") == 0 ? resolve(child, column + n + 1, path, depth + 1)
                                                   : 0;
        if (r)
            return path[depth] = (long)c, r;
    }
    return 0;
}

/* The field a path of n steps leads to from s. */
static const struct ArrowSchema *field_at(const struct ArrowSchema *s, const long *path, int n) {
    for (int d = 0; d < n; d++)
        s = s->children[path[d]];
    return s;
}

/* The type of a field's values (a dictionary's: its values'). */
static const char *value_format(const struct ArrowSchema *field) {
    return field->dictionary ? field->dictionary->format : field->format;
}

/* A date, timestamp or text literal as microseconds since the epoch; 0 when it is none. */
static int literal_time(const struct fdata_value *v, int64_t *us) {
    union part_value pv;
    if (v->type == FDATA_VALUE_DATE || v->type == FDATA_VALUE_TIMESTAMP) {
        *us = v->type == FDATA_VALUE_DATE ? v->i * US_PER_DAY : v->i;
        return 1;
    }
    if (v->type != FDATA_VALUE_STRING || !partitions_parse_value(PART_TIMESTAMP, v->s, &pv))
        return 0;
    *us = pv.i;
    return 1;
}

/* What a column holds, for comparisons. */
enum kind { K_INT, K_UINT, K_FLOAT, K_TIME, K_TEXT, K_BOOL, K_DEC, K_NONE };

/* The kind of a partition key, or of an Arrow format; *digits: a time's unit (0 s .. 9 ns),
 * a decimal's scale. */
static enum kind kind_of_format(const char *f, int *digits) {
    *digits = 6;
    if (strcmp(f, "b") == 0)
        return K_BOOL;
    if (strncmp(f, "d:", 2) == 0 && strchr(f, ',')) {
        *digits = atoi(strchr(f, ',') + 1);
        return K_DEC;
    }
    if (strcmp(f, "vu") == 0 || strcmp(f, "vz") == 0 || strncmp(f, "w:", 2) == 0)
        return K_TEXT;
    if (f[0] && !f[1] && strchr("csil", f[0]))
        return K_INT;
    if (f[0] && !f[1] && strchr("CSIL", f[0]))
        return K_UINT;
    if (strcmp(f, "f") == 0 || strcmp(f, "g") == 0)
        return K_FLOAT;
    if (f[0] && !f[1] && strchr("uUzZ", f[0]))
        return K_TEXT;
    if (strcmp(f, "tdD") == 0 || strcmp(f, "tdm") == 0) {
        *digits = f[2] == 'D' ? -1 : 3; /* -1: days */
        return K_TIME;
    }
    if (f[0] == 't' && f[1] == 's' && f[2] && strchr("smun", f[2]) && f[3] == ':') {
        *digits = f[2] == 's' ? 0 : f[2] == 'm' ? 3 : f[2] == 'u' ? 6 : 9;
        return K_TIME;
    }
    return K_NONE;
}

static enum kind kind_of_key(enum part_type t) {
    static const enum kind kinds[] = {K_INT, K_FLOAT, K_TIME, K_TIME, K_TEXT};
    return kinds[t];
}

static int is_number(const struct fdata_value *v) {
    return v->type == FDATA_VALUE_INT || v->type == FDATA_VALUE_FLOAT ||
           v->type == FDATA_VALUE_DECIMAL;
}

static int suits(enum kind k, const struct fdata_value *v) {
    int64_t us;
    double f;
    switch (k) {
    case K_INT: case K_UINT: case K_FLOAT: return is_number(v);
    case K_DEC: /* or its text: '12.50' */
        return is_number(v) || (v->type == FDATA_VALUE_STRING && filter_decimal_double(v->s, &f));
    case K_TIME: return literal_time(v, &us);
    case K_TEXT: return v->type == FDATA_VALUE_STRING;
    case K_BOOL: return v->type == FDATA_VALUE_BOOL;
    case K_NONE: return 0;
    }
    return 0;
}

static const char *kind_name(const struct fdata_value *v) {
    static const char *const kinds[] = {"an integer", "a number", "a string", "a date",
                                        "a timestamp", "a boolean", "a number"};
    return v->type >= 0 && v->type <= FDATA_VALUE_DECIMAL ? kinds[v->type] : "a value";
}

/* Every literal of leaf f suits kind k (the column's type named `type` in messages). */
static int check_literals(const struct fdata_filter *f, enum kind k, const char *type,
                          struct fdata_error *err) {
    for (size_t i = 0; i < f->n_values; i++) {
        const struct fdata_value *v = &f->values[i];
        if (!suits(k, v))
            return fdata_set_error(err, FDATA_EINVAL, "filter: column '%s' is %s, but %s%s%s "
                                   "is %s", f->column, type, v->type == FDATA_VALUE_STRING ? "'" : "",
                                   v->type == FDATA_VALUE_STRING || v->type == FDATA_VALUE_DECIMAL
                                       ? v->s : "a literal",
                                   v->type == FDATA_VALUE_STRING ? "'" : "", kind_name(v));
    }
    return FDATA_OK;
}

int filter_bind(const struct fdata_filter *f, const struct partitions *p,
                struct fdata_error *err) {
    static const char *const type_names[] = {"int64", "float64", "date32", "timestamp", "string"};
    if (f->kind == F_AND || f->kind == F_OR || f->kind == F_NOT) {
        FDATA_RETURN_IF(filter_bind(f->a, p, err));
        return f->b ? filter_bind(f->b, p, err) : FDATA_OK;
    }
    long k = key_of(p, f->column);
    return k < 0 ? FDATA_OK : check_literals(f, kind_of_key(p->types[k]), type_names[p->types[k]], err);
}

int filter_bind_columns(const struct fdata_filter *f, const struct partitions *p,
                        const struct ArrowSchema *files, struct fdata_error *err) {
    if (f->kind == F_AND || f->kind == F_OR || f->kind == F_NOT) {
        FDATA_RETURN_IF(filter_bind_columns(f->a, p, files, err));
        return f->b ? filter_bind_columns(f->b, p, files, err) : FDATA_OK;
    }
    if (key_of(p, f->column) >= 0)
        return FDATA_OK;
    long path[MAX_PATH];
    int n = resolve(files, f->column, path, 0);
    if (n == 0)
        return fdata_set_error(err, FDATA_ENOCOLUMN, "filter: no column '%s' in the files or the "
                               "partitions (nor a path a.b through structs)", f->column);
    int digits;
    const struct ArrowSchema *field = field_at(files, path, n);
    const char *format = value_format(field);
    char type[256];
    fdata_type_name(field->dictionary ? field->dictionary : field, type, sizeof type);
    if (kind_of_format(format, &digits) == K_NONE)
        return fdata_set_error(err, FDATA_EINVAL, "filter: column '%s' is of Arrow type %s: "
                               "filters compare numbers, decimals, booleans, strings, "
                               "binaries, dates and timestamps", f->column, type);
    return check_literals(f, kind_of_format(format, &digits), type, err);
}

size_t filter_file_columns(const struct fdata_filter *f, const struct partitions *p,
                           int equal_only, const char **names, size_t cap) {
    if (f->kind == F_AND || f->kind == F_OR || f->kind == F_NOT) {
        size_t n = filter_file_columns(f->a, p, equal_only, names, cap);
        if (!f->b)
            return n;
        return n < cap ? n + filter_file_columns(f->b, p, equal_only, names + n, cap - n)
                       : n + filter_file_columns(f->b, p, equal_only, NULL, 0);
    }
    int equal = (f->kind == F_CMP && f->op == FDATA_FILTER_EQ) || (f->kind == F_IN && !f->negate);
    int counts = key_of(p, f->column) < 0 && (!equal_only || equal);
    return counts && cap > 0 ? (names[0] = f->column, 1) : (size_t)counts;
}

/* ---- decimals ---- */

/* A decimal's unscaled value: a signed 256-bit integer, little-endian 64-bit limbs. */
struct dec256 {
    uint64_t w[4];
};

/* d = d * 10 + digit (a magnitude); 0 when it reaches 2^255 (beyond every decimal). */
static int dec_push(struct dec256 *d, unsigned digit) {
    uint64_t carry = digit;
    for (int k = 0; k < 4; k++) {
        unsigned __int128 x = (unsigned __int128)d->w[k] * 10 + carry;
        d->w[k] = (uint64_t)x;
        carry = (uint64_t)(x >> 64);
    }
    return carry == 0 && !(d->w[3] >> 63);
}

/* d + 1 (a magnitude); 0 when it reaches 2^255. */
static int dec_add_one(struct dec256 *d) {
    for (int k = 0; k < 4 && ++d->w[k] == 0; k++)
        ;
    return !(d->w[3] >> 63);
}

static void dec_negate(struct dec256 *d) {
    int carry = 1;
    for (int k = 0; k < 4; k++) {
        d->w[k] = ~d->w[k] + (uint64_t)carry;
        carry = carry && d->w[k] == 0;
    }
}

/* The parts of a decimal text [+-]digits[.digits][e[+-]digits]: its digits (mantissa[0..n),
 * dots skipped), the power of ten they are multiplied by, the sign; 0 when it is not one. */
struct dec_text {
    const char *digits;
    size_t n;
    long exp;
    int negative;
};

static int dec_text_parse(const char *s, struct dec_text *t) {
    memset(t, 0, sizeof *t);
    t->negative = *s == '-';
    s += *s == '-' || *s == '+';
    t->digits = s;
    long frac = -1, seen = 0;
    for (; isdigit((unsigned char)*s) || (*s == '.' && frac < 0); s++) {
        if (*s == '.')
            frac = 0;
        else
            seen++, frac += frac >= 0;
    }
    t->n = (size_t)(s - t->digits);
    if (!seen)
        return 0;
    long e = 0;
    if (*s == 'e' || *s == 'E') {
        char *end;
        const char *x = s + 1 + (s[1] == '+' || s[1] == '-');
        if (!isdigit((unsigned char)*x))
            return 0;
        e = strtol(s + 1, &end, 10);
        s = end;
        e = e > 100000 ? 100000 : e < -100000 ? -100000 : e; /* beyond: all the same */
    }
    t->exp = e - (frac > 0 ? frac : 0);
    return *s == '\0';
}

int filter_decimal_double(const char *text, double *out) {
    struct dec_text t;
    if (!text || !dec_text_parse(text, &t))
        return 0;
    *out = strtod(text, NULL);
    return 1;
}

/* A numeric literal at `scale`: *d = the largest decimal of that scale not above it, *exact
 * whether it is the literal; returns 1 (-1) when the literal lies above (below) every
 * decimal256, else 0. */
static int literal_decimal(const struct fdata_value *v, int scale, struct dec256 *d, int *exact) {
    char buf[48];
    const char *text = v->s;
    if (v->type == FDATA_VALUE_INT)
        snprintf(buf, sizeof buf, "%lld", (long long)v->i), text = buf;
    else if (v->type == FDATA_VALUE_FLOAT)
        snprintf(buf, sizeof buf, "%.17g", v->f), text = buf;
    struct dec_text t;
    memset(d, 0, sizeof *d);
    *exact = 1;
    if (!dec_text_parse(text, &t))
        return 0; /* suits() let only numbers through */
    long shift = t.exp + scale, total = 0, kept = 0; /* times 10^shift: the unscaled value */
    for (size_t k = 0; k < t.n; k++)
        total += t.digits[k] != '.';
    long keep = shift >= 0 ? total : total + shift > 0 ? total + shift : 0; /* above the point */
    int fits = 1;
    for (size_t k = 0; k < t.n && fits; k++) {
        if (t.digits[k] == '.')
            continue;
        unsigned digit = (unsigned)(t.digits[k] - '0');
        if (kept++ >= keep)
            *exact &= digit == 0; /* cut: below the scale */
        else
            fits = dec_push(d, digit);
    }
    int zero = !(d->w[0] | d->w[1] | d->w[2] | d->w[3]);
    for (long k = 0; k < shift && fits && !zero; k++)
        fits = dec_push(d, 0);
    if (fits && t.negative && !*exact) /* floor of -(m + a fraction): -(m + 1) */
        fits = dec_add_one(d);
    if (!fits)
        return t.negative ? -1 : 1;
    if (t.negative)
        dec_negate(d);
    return 0;
}

/* ---- values ---- */

/* One side of a comparison: a number (a boolean's 0 or 1 in i), a decimal (unscaled, of
 * scale `digits`), a time (in `digits` units), or bytes. */
struct operand {
    enum kind kind;
    int is_null;
    int64_t i;
    uint64_t u;
    double f;
    struct dec256 d;
    const uint8_t *bytes;
    size_t len;
    int digits;
};

static int cmp_double(double a, double b) { /* NaN above all, equal to itself (DuckDB) */
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

static int64_t mul_saturated(int64_t v, int64_t by) {
    int64_t r;
    return __builtin_mul_overflow(v, by, &r) ? (v < 0 ? INT64_MIN : INT64_MAX) : r;
}

static int64_t scale(int64_t v, int from, int to) { /* from < to: times 10^(to - from) */
    for (int d = from; d < to; d++)
        v = mul_saturated(v, 10);
    return v;
}

/* Literals at a decimal column's scale (literal_decimal's results), kept while the rows of
 * a batch are judged: each is read once, not once a row. */
struct decimal_cache {
    struct {
        const struct fdata_value *v;
        int scale, beyond, exact;
        struct dec256 lit;
    } at[8];
    int n;
};

/* literal_decimal(v, scale, ...), through the cache when there is one. */
static int literal_at_scale(struct decimal_cache *c, const struct fdata_value *v, int scale,
                            struct dec256 *lit, int *exact) {
    for (int k = 0; c && k < c->n; k++)
        if (c->at[k].v == v && c->at[k].scale == scale) {
            *lit = c->at[k].lit;
            *exact = c->at[k].exact;
            return c->at[k].beyond;
        }
    int beyond = literal_decimal(v, scale, lit, exact);
    if (c && c->n < (int)(sizeof c->at / sizeof c->at[0]))
        c->at[c->n++] = (__typeof__(c->at[0])){v, scale, beyond, *exact, *lit};
    return beyond;
}

/* -1, 0, 1: x against a literal that suits its kind (cache: NULL, or decimals'). */
static int compare(const struct operand *x, const struct fdata_value *v,
                   struct decimal_cache *cache) {
    int64_t us = 0;
    switch (x->kind) {
    case K_INT:
        if (v->type == FDATA_VALUE_INT)
            return (x->i > v->i) - (x->i < v->i);
        return cmp_double((double)x->i, v->f);
    case K_UINT:
        if (v->type == FDATA_VALUE_INT)
            return v->i < 0 ? 1 : (x->u > (uint64_t)v->i) - (x->u < (uint64_t)v->i);
        return cmp_double((double)x->u, v->f);
    case K_FLOAT:
        return cmp_double(x->f, v->type == FDATA_VALUE_INT ? (double)v->i : v->f);
    case K_BOOL:
        return (x->i > v->i) - (x->i < v->i);
    case K_DEC: { /* x against floor(v) at x's scale: below or equal to it is below v when
                   * v has digits beyond the scale, above it is above v */
        struct dec256 lit;
        int exact, beyond = literal_at_scale(cache, v, x->digits, &lit, &exact);
        if (beyond)
            return -beyond;
        int c = pq_decimal_cmp(x->d.w, lit.w);
        return c <= 0 && !exact ? -1 : c;
    }
    case K_TIME: {
        literal_time(v, &us);
        int64_t a = x->i, b = us;
        int d = x->digits;
        if (d < 0) { /* days: as microseconds */
            a = mul_saturated(x->i, US_PER_DAY);
            d = 6;
        }
        if (d < 6)
            a = scale(a, d, 6);
        else
            b = scale(b, 6, d);
        return (a > b) - (a < b);
    }
    case K_TEXT: {
        size_t n = strlen(v->s), m = x->len < n ? x->len : n;
        int c = memcmp(x->bytes, v->s, m);
        return c ? (c > 0) - (c < 0) : (x->len > n) - (x->len < n);
    }
    case K_NONE: return 0;
    }
    return 0;
}

static int bit_at(const void *bits, int64_t i) {
    return (((const uint8_t *)bits)[i >> 3] >> (i & 7)) & 1;
}

/* Row r of an array of type `type` (a dictionary's: its value's). */
static void row_operand(const struct ArrowSchema *type, const struct ArrowArray *a, int64_t r,
                        enum kind kind, int digits, struct operand *x) {
    int64_t i = a->offset + r;
    const char *format = type->format;
    x->is_null = a->buffers[0] && a->null_count != 0 && !bit_at(a->buffers[0], i);
    if (x->is_null)
        return;
    const uint8_t *v = a->buffers[1];
    if (type->dictionary) { /* the value its index picks */
        int64_t k = format[0] == 'c' ? ((const int8_t *)v)[i] : format[0] == 's'
                    ? ((const int16_t *)v)[i] : format[0] == 'i' ? ((const int32_t *)v)[i]
                    : ((const int64_t *)v)[i];
        row_operand(type->dictionary, a->dictionary, k, kind, digits, x);
        return;
    }
    x->kind = kind;
    x->digits = digits;
    char f = format[0] == 't' ? (format[1] == 'd' && format[2] == 'D' ? 'i' : 'l') : format[0];
    switch (f) {
    case 'b': x->i = bit_at(v, i); break;
    case 'c': x->i = ((const int8_t *)v)[i]; break;
    case 's': x->i = ((const int16_t *)v)[i]; break;
    case 'i': x->i = ((const int32_t *)v)[i]; break;
    case 'l': x->i = ((const int64_t *)v)[i]; break;
    case 'C': x->u = ((const uint8_t *)v)[i]; break;
    case 'S': x->u = ((const uint16_t *)v)[i]; break;
    case 'I': x->u = ((const uint32_t *)v)[i]; break;
    case 'L': x->u = ((const uint64_t *)v)[i]; break;
    case 'f': x->f = ((const float *)v)[i]; break;
    case 'g': x->f = ((const double *)v)[i]; break;
    case 'd': {
        size_t width = strstr(format, ",256") ? 32 : 16;
        pq_decimal_load(v + (size_t)i * width, width, 0, x->d.w);
        break;
    }
    case 'w':
        x->len = (size_t)atoi(format + 2);
        x->bytes = v + (size_t)i * x->len;
        break;
    case 'v': { /* a view: inline up to 12 bytes, else in the data buffer it names */
        const uint8_t *view = v + (size_t)i * 16;
        int32_t len, buffer, offset;
        memcpy(&len, view, 4);
        memcpy(&buffer, view + 8, 4);
        memcpy(&offset, view + 12, 4);
        x->len = (size_t)len;
        x->bytes = len <= 12 ? view + 4 : (const uint8_t *)a->buffers[2 + buffer] + offset;
        break;
    }
    case 'u': case 'z': {
        const int32_t *o = (const int32_t *)v;
        x->bytes = (const uint8_t *)a->buffers[2] + o[i];
        x->len = (size_t)(o[i + 1] - o[i]);
        break;
    }
    default: { /* U, Z */
        const int64_t *o = (const int64_t *)v;
        x->bytes = (const uint8_t *)a->buffers[2] + o[i];
        x->len = (size_t)(o[i + 1] - o[i]);
    }
    }
}

/* Row r of the batch's field at `path` (n steps through structs): null under a null
 * parent. */
static void path_operand(const struct ArrowSchema *type, const struct ArrowArray *a,
                         const long *path, int n, int64_t r, enum kind kind, int digits,
                         struct operand *x) {
    for (int d = 0; d < n; d++) {
        r += a->offset; /* a struct's children are indexed from its offset */
        type = type->children[path[d]];
        a = a->children[path[d]];
        if (d + 1 < n && a->buffers[0] && a->null_count != 0 &&
            !bit_at(a->buffers[0], a->offset + r)) {
            x->is_null = 1;
            return;
        }
    }
    row_operand(type, a, r, kind, digits, x);
}

/* A file's partition value. */
static void key_operand(const struct partitions *p, size_t file, size_t k, struct operand *x) {
    const char *text = p->text[file * p->n_keys + k];
    const union part_value *v = &p->values[file * p->n_keys + k];
    memset(x, 0, sizeof *x);
    x->kind = kind_of_key(p->types[k]);
    x->is_null = text == NULL;
    x->digits = p->types[k] == PART_DATE32 ? -1 : 6;
    x->i = v->i;
    x->f = v->f;
    x->bytes = (const uint8_t *)text;
    x->len = text ? strlen(text) : 0;
}

/* ---- truth ---- */

/* What a filter can be: a set of SQL's truth values (NUL_: unknown, which selects nothing);
 * all three when a column of the files is not known yet (from partition values alone). */
enum truth { NO = 1, YES = 2, NUL_ = 4, ANY = 7 };

/* [op][c + 1]: whether a comparison c (-1, 0, 1) of a value with the literal satisfies op. */
static const int satisfies[6][3] = {
    {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1},
};

static int and1(int a, int b) { return a == NO || b == NO ? NO : a == NUL_ || b == NUL_ ? NUL_ : YES; }
static int or1(int a, int b) { return a == YES || b == YES ? YES : a == NUL_ || b == NUL_ ? NUL_ : NO; }

/* Every outcome of combining one of a with one of b. */
static int combine(int a, int b, int (*op)(int, int)) {
    int out = 0;
    for (int x = 1; x <= NUL_; x <<= 1)
        for (int y = 1; y <= NUL_; y <<= 1)
            if ((a & x) && (b & y))
                out |= op(x, y);
    return out;
}

/* A leaf of the filter bound to a batch's columns once, not by name at every row: the
 * partition key it names, else the path to its column and the kind of that column's
 * values. */
struct binding {
    long key;                    /* >= 0: a partition key */
    long path[MAX_PATH];
    int depth;
    enum kind kind;
    int digits;
};

/* Where the values of the columns come from: a file's partitions, and a batch's row or the
 * statistics of some rows. */
struct row {
    const struct partitions *p;
    size_t file;
    const struct ArrowSchema *files; /* NULL: no row, file columns can be anything (ANY) */
    const struct ArrowArray *batch;
    int64_t r;
    const struct stats_source *src;  /* instead of a row: statistics (a row group's, a page's) */
    struct decimal_cache *cache;     /* or NULL */
    const struct binding *bindings;  /* a batch's row: every leaf's, in the order eval()
                                        visits them (left to right, every one) */
    size_t *next_binding;            /* the next leaf's, counted from 0 at every row */
};

/* The smallest and largest values a column may hold (of its file's own type,
 * `format`), from its statistics; 0 when they are not known. */
static int bounds(const char *format, const struct pq_column_stats *st, struct operand *lo,
                  struct operand *hi) {
    memset(lo, 0, sizeof *lo);
    lo->kind = kind_of_format(format, &lo->digits);
    static const int bound_of_kind[] = {[K_INT] = PQ_BOUND_INT, [K_UINT] = PQ_BOUND_UINT,
                                        [K_FLOAT] = PQ_BOUND_FLOAT, [K_TIME] = PQ_BOUND_INT,
                                        [K_TEXT] = PQ_BOUND_BYTES, [K_BOOL] = PQ_BOUND_INT,
                                        [K_DEC] = PQ_BOUND_DEC, [K_NONE] = -1};
    if (st->bound == PQ_BOUND_NONE || bound_of_kind[lo->kind] != st->bound)
        return 0;
    *hi = *lo;
    lo->i = st->min_i, hi->i = st->max_i;
    lo->u = st->min_u, hi->u = st->max_u;
    lo->f = st->min_f, hi->f = st->max_f;
    lo->bytes = st->min_b, hi->bytes = st->max_b;
    lo->len = st->min_len, hi->len = st->max_len;
    memcpy(lo->d.w, st->min_d, sizeof lo->d.w);
    memcpy(hi->d.w, st->max_d, sizeof hi->d.w);
    return 1;
}

/* The truths of `x op v` for any x of [lo, hi] (compare() is monotone in x, so its results
 * lie between those of the bounds), and for NaN too when the column is of floats (their
 * statistics leave NaN out). */
static int range_truth(int op, const struct operand *lo, const struct operand *hi,
                       const struct fdata_value *v) {
    int out = 0;
    for (int c = compare(lo, v, NULL); c <= compare(hi, v, NULL); c++)
        out |= satisfies[op][c + 1] ? YES : NO;
    if (lo->kind == K_FLOAT) {
        struct operand nan = *lo;
        nan.f = NAN;
        out |= satisfies[op][compare(&nan, v, NULL) + 1] ? YES : NO;
    }
    return out;
}

/* Decimal d as `width` bytes of two's complement (big-endian or little), as PLAIN stores it
 * in a fixed-size binary or an INT32/INT64; 0 when it needs more. */
static size_t decimal_bytes(const struct dec256 *d, int width, int big_endian, uint8_t *buf) {
    uint8_t le[32];
    for (int k = 0; k < 32; k++)
        le[k] = (uint8_t)(d->w[k / 8] >> (8 * (k % 8)));
    uint8_t sign = le[31] >> 7 ? 0xFF : 0;
    for (int k = width; k < 32; k++) /* the bytes cut off: the sign's extension only */
        if (le[k] != sign)
            return 0;
    if (width < 32 && (le[width - 1] >> 7) != (sign & 1))
        return 0;
    for (int k = 0; k < width; k++)
        buf[k] = le[big_endian ? width - 1 - k : k];
    return (size_t)width;
}

/* v's PLAIN bytes as a value of the column (of kind col->kind, values as st says) into buf,
 * the sign of a zero float as `negative`; 0 when it cannot tell which single value of the
 * column equals v (an int beyond 2^53 compared as a double, a time finer than the column's
 * unit, NaN, a decimal with digits beyond the scale or in a byte array (its length is the
 * writer's choice), out of the type's range), so that no bloom filter is asked. */
static size_t plain_bytes(const struct operand *col, const struct pq_column_stats *st,
                          const struct fdata_value *v, int negative, uint8_t buf[32]) {
    static const double exact = 9007199254740992.0; /* 2^53: only ints below it equal ... */
    int64_t x = v->i, us;
    double d = v->type == FDATA_VALUE_INT ? (double)v->i : v->f;
    int is_int = v->type == FDATA_VALUE_INT || (fabs(d) < exact && d == trunc(d)); /* ... them */
    switch (col->kind) {
    case K_INT: case K_UINT:
        if (!is_int || st->values != (col->kind == K_INT ? PQ_BOUND_INT : PQ_BOUND_UINT) ||
            (col->kind == K_UINT && (v->type == FDATA_VALUE_INT ? x : d) < 0))
            return 0;
        x = v->type == FDATA_VALUE_INT ? x : (int64_t)d;
        break;
    case K_TIME: {
        if (st->values != PQ_BOUND_INT || !literal_time(v, &us))
            return 0;
        int64_t unit = col->digits < 0 ? US_PER_DAY : col->digits == 0 ? 1000000
                       : col->digits == 3 ? 1000 : 1; /* microseconds per the column's unit */
        if (us % unit != 0 || (col->digits == 9 && __builtin_mul_overflow(us, 1000, &us)))
            return 0;
        x = us / unit;
        break;
    }
    case K_DEC: {
        struct dec256 lit;
        int exact;
        if (st->values != PQ_BOUND_DEC || st->width <= 0 || st->width > 32 || negative ||
            literal_at_scale(NULL, v, col->digits, &lit, &exact) != 0 || !exact)
            return 0;
        return decimal_bytes(&lit, st->width, st->big_endian, buf);
    }
    case K_FLOAT:
        if (st->values != PQ_BOUND_FLOAT || isnan(d) || (negative && d != 0))
            return 0;
        d = negative ? -0.0 : d == 0 ? 0.0 : d;
        if (st->width == 4) {
            float fv = (float)d;
            memcpy(buf, &fv, 4); /* little-endian hosts */
            return (double)fv == d ? 4 : 0;
        }
        memcpy(buf, &d, 8);
        return 8;
    default:
        return 0;
    }
    if (st->width == 4 && (col->kind == K_UINT ? (uint64_t)x > UINT32_MAX
                                               : x < INT32_MIN || x > INT32_MAX))
        return 0;
    memcpy(buf, &x, (size_t)st->width); /* the low bytes: little-endian hosts */
    return (size_t)st->width;
}

/* Whether the row group's bloom filter for the column shows that no value equals v. */
static int bloom_rules_out(const struct row *w, const struct operand *col,
                           const struct pq_column_stats *st, const struct fdata_value *v) {
    uint8_t buf[32];
    if (!w->src->use_bloom || st->leaf < 0)
        return 0;
    if (col->kind == K_TEXT && st->values == PQ_BOUND_BYTES && v->type == FDATA_VALUE_STRING)
        return !pq_bloom_may_contain(w->src->pq, w->src->rg, st->leaf, v->s, strlen(v->s));
    size_t n = plain_bytes(col, st, v, 0, buf);
    if (n == 0 || pq_bloom_may_contain(w->src->pq, w->src->rg, st->leaf, buf, n))
        return 0;
    n = plain_bytes(col, st, v, 1, buf); /* 0 is -0.0 too */
    return n == 0 || !pq_bloom_may_contain(w->src->pq, w->src->rg, st->leaf, buf, n);
}

/* The truths of x = v: by the bounds when known, then by the bloom filter. */
static int equal_truth(const struct row *w, const struct operand *col, int have_bounds,
                       const struct operand *lo, const struct operand *hi,
                       const struct pq_column_stats *st, const struct fdata_value *v) {
    int t = have_bounds ? range_truth(FDATA_FILTER_EQ, lo, hi, v) : YES | NO;
    return t & YES && bloom_rules_out(w, col, st, v) ? NO : t;
}

/* What a comparison leaf can be over rows with statistics (a row group's, a page's): from
 * the column's statistics and, for = and IN, its bloom filter. */
static int stats_leaf(const struct fdata_filter *f, const struct row *w) {
    long path[MAX_PATH];
    int depth = resolve(w->src->own, f->column, path, 0);
    struct pq_column_stats st;
    if (depth && w->src->column_stats)
        w->src->column_stats(w->src->ctx, f->column, &st);
    else if (depth)
        pq_column_stats(w->src->pq, w->src->rg, f->column, w->src->invalid_utf8, &st);
    if (!depth) /* not in this file: every row null */
        return f->kind == F_NULL ? (f->negate ? NO : YES) : NUL_;
    int nulls = st.null_count != 0 ? NUL_ : 0; /* some, or not known */
    int values = st.null_count != st.rows;     /* some non-null value, or not known */
    if (f->kind == F_NULL)
        return (nulls ? (f->negate ? NO : YES) : 0) | (values ? (f->negate ? YES : NO) : 0);
    struct operand lo, hi;
    if (!values)
        return nulls;
    int known = bounds(value_format(field_at(w->src->own, path, depth)), &st, &lo, &hi);
    if (f->kind == F_CMP && f->op == FDATA_FILTER_EQ)
        return nulls | equal_truth(w, &lo, known, &lo, &hi, &st, &f->values[0]);
    if (f->kind == F_CMP)
        return nulls | (known ? range_truth(f->op, &lo, &hi, &f->values[0]) : YES | NO);
    int in = NO; /* x IN (a, b, ...) = x = a OR x = b OR ... */
    for (size_t i = 0; i < f->n_values; i++)
        in = combine(in, equal_truth(w, &lo, known, &lo, &hi, &st, &f->values[i]), or1);
    return nulls | (f->negate ? ((in & YES ? NO : 0) | (in & NO ? YES : 0)) : in);
}

static int leaf(const struct fdata_filter *f, const struct row *w) {
    struct operand x;
    const struct binding *b = w->bindings ? &w->bindings[(*w->next_binding)++] : NULL;
    long k = b ? b->key : key_of(w->p, f->column);
    if (k >= 0)
        key_operand(w->p, w->file, (size_t)k, &x);
    else if (w->src)
        return stats_leaf(f, w);
    else if (!b)
        return ANY;
    else
        path_operand(w->files, w->batch, b->path, b->depth, w->r, b->kind, b->digits, &x);
    if (f->kind == F_NULL)
        return x.is_null != f->negate ? YES : NO;
    if (x.is_null)
        return NUL_;
    if (f->kind == F_IN) {
        int found = 0;
        for (size_t i = 0; i < f->n_values && !found; i++)
            found = compare(&x, &f->values[i], w->cache) == 0;
        return found != f->negate ? YES : NO;
    }
    return satisfies[f->op][compare(&x, &f->values[0], w->cache) + 1] ? YES : NO;
}

static int eval(const struct fdata_filter *f, const struct row *w) {
    if (f->kind == F_NOT) {
        int a = eval(f->a, w);
        return (a & NUL_) | (a & YES ? NO : 0) | (a & NO ? YES : 0);
    }
    if (f->kind != F_AND && f->kind != F_OR)
        return leaf(f, w);
    int a = eval(f->a, w); /* then b: the leaves in bind_leaves' order */
    int b = eval(f->b, w);
    return combine(a, b, f->kind == F_AND ? and1 : or1);
}

int filter_selects_file(const struct fdata_filter *f, const struct partitions *p, size_t file) {
    struct row w = {p, file, NULL, NULL, 0, NULL, NULL, NULL, NULL};
    return (eval(f, &w) & YES) != 0;
}

/* Binds each leaf of f, left to right, to the partition keys or the columns of `files`
 * (bound: found, filter_bind_columns); returns the count (out NULL: only counts). */
static size_t bind_leaves(const struct fdata_filter *f, const struct partitions *p,
                          const struct ArrowSchema *files, struct binding *out) {
    if (f->kind == F_AND || f->kind == F_OR || f->kind == F_NOT) {
        size_t n = bind_leaves(f->a, p, files, out);
        return f->b ? n + bind_leaves(f->b, p, files, out ? out + n : NULL) : n;
    }
    if (!out)
        return 1;
    *out = (struct binding){.key = key_of(p, f->column), .kind = K_NONE};
    if (out->key < 0) {
        out->depth = resolve(files, f->column, out->path, 0);
        out->kind = kind_of_format(value_format(field_at(files, out->path, out->depth)),
                                   &out->digits);
    }
    return 1;
}

int filter_rows(const struct fdata_filter *f, const struct partitions *p, size_t file,
                const struct ArrowSchema *files, const struct ArrowArray *batch, uint8_t *keep) {
    struct decimal_cache cache = {.n = 0};
    struct binding few[8], *bindings = few;
    size_t n = bind_leaves(f, p, files, NULL), next;
    if (n > sizeof few / sizeof *few && !(bindings = malloc(n * sizeof *bindings)))
        return FDATA_ENOMEM;
    bind_leaves(f, p, files, bindings);
    struct row w = {p, file, files, batch, 0, NULL, &cache, bindings, &next};
    for (w.r = 0; w.r < batch->length; w.r++) {
        next = 0;
        keep[w.r] = eval(f, &w) == YES;
    }
    if (bindings != few)
        free(bindings);
    return FDATA_OK;
}

int filter_may_select(const struct fdata_filter *f, const struct partitions *p, size_t file,
                      const struct stats_source *src) {
    struct row w = {p, file, NULL, NULL, 0, src, NULL, NULL, NULL};
    return (eval(f, &w) & YES) != 0;
}
