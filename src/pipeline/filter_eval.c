/* Filters evaluated: over each file's partition values before any request (pruning), over
 * each row group's footer statistics (pruning), then over each decoded batch (exact: a leaf
 * at a time over all its rows, typed loops for numbers, a dictionary's values once), with
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

/* -1, 0, 1: bytes a against b, bytewise (unsigned), a prefix first. */
static int compare_bytes(const uint8_t *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? (c > 0) - (c < 0) : (alen > blen) - (alen < blen);
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
    case K_TEXT:
        return compare_bytes(x->bytes, x->len, v->s, strlen(v->s));
    case K_NONE: return 0;
    }
    return 0;
}

static int bit_at(const void *bits, int64_t i) {
    return (((const uint8_t *)bits)[i >> 3] >> (i & 7)) & 1;
}

/* The C type of a format's values: its own letter, a date32's 'i', other times' 'l'. */
static char storage_of(const char *format) {
    return format[0] == 't' ? (format[1] == 'd' && format[2] == 'D' ? 'i' : 'l') : format[0];
}

/* Row r of a (not a dictionary) of type `type`, its value as `kind` (its nulls not looked
 * at: the caller's). */
static void row_operand(const struct ArrowSchema *type, const struct ArrowArray *a, int64_t r,
                        enum kind kind, int digits, struct operand *x) {
    int64_t i = a->offset + r;
    const char *format = type->format;
    const uint8_t *v = a->buffers[1];
    x->kind = kind;
    x->digits = digits;
    switch (storage_of(format)) {
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

/* Where the values of the columns come from: a file's partitions, and the statistics of
 * some rows (NULL: the files' columns can be anything, ANY). */
struct row {
    const struct partitions *p;
    size_t file;
    const struct stats_source *src;  /* statistics (a row group's, a page's), or NULL */
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
    long k = key_of(w->p, f->column);
    if (k >= 0)
        key_operand(w->p, w->file, (size_t)k, &x);
    else if (w->src)
        return stats_leaf(f, w);
    else
        return ANY;
    if (f->kind == F_NULL)
        return x.is_null != f->negate ? YES : NO;
    if (x.is_null)
        return NUL_;
    if (f->kind == F_IN) {
        int found = 0;
        for (size_t i = 0; i < f->n_values && !found; i++)
            found = compare(&x, &f->values[i], NULL) == 0;
        return found != f->negate ? YES : NO;
    }
    return satisfies[f->op][compare(&x, &f->values[0], NULL) + 1] ? YES : NO;
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
    struct row w = {p, file, NULL};
    return (eval(f, &w) & YES) != 0;
}

/* ---- a batch's rows ---- */

/* A row's truth in the vectors below: NO < NUL < YES, so that AND keeps the smaller of two,
 * OR the larger and NOT turns x into 2 - x (Kleene's logic, which is SQL's). */
enum { ROW_NO, ROW_NUL, ROW_YES };

/* Rows whose values are widened at a time, into buffers on the stack. */
#define ROW_CHUNK 1024

/* Values [i, i + n) of type T at v widened into out (a loop the compiler vectorizes). */
#define WIDEN(T, v, i, n, out)                                                                \
    for (int64_t r_ = 0; r_ < (n); r_++)                                                      \
        (out)[r_] = ((const T *)(v))[(i) + r_]

/* Values [i, i + n) of storage `f` (c, s, i, l; or a dictionary's indices, C, S, I, L too:
 * beyond INT64_MAX, negative) as int64. */
static void load_ints(char f, const void *v, int64_t i, int64_t n, int64_t *out) {
    switch (f) {
    case 'c': WIDEN(int8_t, v, i, n, out); break;
    case 's': WIDEN(int16_t, v, i, n, out); break;
    case 'i': WIDEN(int32_t, v, i, n, out); break;
    case 'C': WIDEN(uint8_t, v, i, n, out); break;
    case 'S': WIDEN(uint16_t, v, i, n, out); break;
    case 'I': WIDEN(uint32_t, v, i, n, out); break;
    default: WIDEN(int64_t, v, i, n, out);
    }
}

/* Values [i, i + n) of storage `f` (C, S, I, L) as uint64. */
static void load_uints(char f, const void *v, int64_t i, int64_t n, uint64_t *out) {
    switch (f) {
    case 'C': WIDEN(uint8_t, v, i, n, out); break;
    case 'S': WIDEN(uint16_t, v, i, n, out); break;
    case 'I': WIDEN(uint32_t, v, i, n, out); break;
    default: WIDEN(uint64_t, v, i, n, out);
    }
}

/* Values [i, i + n) of storage `f` (f, g) as double. */
static void load_floats(char f, const void *v, int64_t i, int64_t n, double *out) {
    if (f == 'f')
        WIDEN(float, v, i, n, out);
    else
        WIDEN(double, v, i, n, out);
}

/* cmp[r] = compare() of integers x[r] of kind K_INT or K_TIME (in `digits`) with v. */
static void compare_ints(const int64_t *x, int64_t n, enum kind kind, int digits,
                         const struct fdata_value *v, int8_t *cmp) {
    if (kind == K_INT && v->type != FDATA_VALUE_INT) {
        for (int64_t r = 0; r < n; r++)
            cmp[r] = (int8_t)cmp_double((double)x[r], v->f);
        return;
    }
    int64_t b = v->i, factor = 1; /* x * factor against b, in the finer of the two units */
    if (kind == K_TIME) {
        literal_time(v, &b);
        factor = digits < 0 ? US_PER_DAY : scale(1, digits, 6);
        b = scale(b, 6, digits);
    }
    if (factor == 1) {
        for (int64_t r = 0; r < n; r++)
            cmp[r] = (int8_t)((x[r] > b) - (x[r] < b));
        return;
    }
    for (int64_t r = 0; r < n; r++) { /* saturated once is saturated step by step (scale) */
        int64_t a = mul_saturated(x[r], factor);
        cmp[r] = (int8_t)((a > b) - (a < b));
    }
}

/* cmp[r] = compare() of strings or binaries [i, i + n) (offsets o of 32 or 64 bits, bytes)
 * with the literal s; equal_only: any nonzero for "not equal" (lengths first, then bytes). */
static void compare_strings(const void *o, int wide, const uint8_t *bytes, int64_t i, int64_t n,
                            const char *s, int equal_only, int8_t *cmp) {
    size_t len = strlen(s);
    for (int64_t r = 0; r < n; r++) {
        int64_t from = wide ? ((const int64_t *)o)[i + r] : ((const int32_t *)o)[i + r];
        int64_t to = wide ? ((const int64_t *)o)[i + r + 1] : ((const int32_t *)o)[i + r + 1];
        size_t at = (size_t)(to - from);
        cmp[r] = (int8_t)(!equal_only ? compare_bytes(bytes + from, at, s, len)
                          : at != len || (len && memcmp(bytes + from, s, len) != 0));
    }
}

/* cmp[r] = compare() of decimals [i, i + n) of Arrow format `format` (decimal128 or 256,
 * little-endian) at scale `digits` with v: the literal put at that scale once, a decimal128
 * compared as two 64-bit words. */
static void compare_decimals(const char *format, const uint8_t *values, int64_t i, int64_t n,
                             int digits, const struct fdata_value *v,
                             struct decimal_cache *cache, int8_t *cmp) {
    struct dec256 lit;
    int exact, beyond = literal_at_scale(cache, v, digits, &lit, &exact);
    int wide = strstr(format, ",256") != NULL;
    uint64_t sign = (uint64_t)((int64_t)lit.w[1] >> 63);
    if (!beyond && !wide && (lit.w[2] != sign || lit.w[3] != sign))
        beyond = lit.w[3] >> 63 ? -1 : 1; /* beyond every decimal128 */
    for (int64_t r = 0; r < n; r++) {
        int c;
        if (beyond) {
            c = -beyond;
        } else if (!wide) {
            uint64_t lo;
            int64_t hi;
            memcpy(&lo, values + (size_t)(i + r) * 16, 8);
            memcpy(&hi, values + (size_t)(i + r) * 16 + 8, 8);
            c = hi != (int64_t)lit.w[1] ? (hi > (int64_t)lit.w[1]) - (hi < (int64_t)lit.w[1])
                                        : (lo > lit.w[0]) - (lo < lit.w[0]);
        } else {
            uint64_t x[4];
            pq_decimal_load(values + (size_t)(i + r) * 32, 32, 0, x);
            c = pq_decimal_cmp(x, lit.w);
        }
        cmp[r] = (int8_t)(!beyond && c <= 0 && !exact ? -1 : c); /* as compare() */
    }
}

/* cmp[r] = compare() of rows [start, start + n) of array a (of type `type`, not a
 * dictionary; n <= ROW_CHUNK) with v, their values as `kind`; nulls' as any value.
 * equal_only: only whether each is 0 matters. */
static void compare_rows(const struct ArrowSchema *type, const struct ArrowArray *a,
                         int64_t start, int64_t n, enum kind kind, int digits,
                         const struct fdata_value *v, struct decimal_cache *cache,
                         int equal_only, int8_t *cmp) {
    union {
        int64_t i[ROW_CHUNK];
        uint64_t u[ROW_CHUNK];
        double f[ROW_CHUNK];
    } x;
    char f = storage_of(type->format);
    const void *values = a->buffers[1];
    int64_t at = a->offset + start;
    if ((kind == K_INT || kind == K_TIME) && strchr("csil", f)) {
        load_ints(f, values, at, n, x.i);
        compare_ints(x.i, n, kind, digits, v, cmp);
    } else if (kind == K_UINT) {
        load_uints(f, values, at, n, x.u);
        uint64_t b = (uint64_t)v->i;
        for (int64_t r = 0; r < n; r++)
            cmp[r] = (int8_t)(v->type != FDATA_VALUE_INT ? cmp_double((double)x.u[r], v->f)
                              : v->i < 0 ? 1 : (x.u[r] > b) - (x.u[r] < b));
    } else if (kind == K_FLOAT) {
        load_floats(f, values, at, n, x.f);
        double b = v->type == FDATA_VALUE_INT ? (double)v->i : v->f;
        for (int64_t r = 0; r < n; r++)
            cmp[r] = (int8_t)cmp_double(x.f[r], b);
    } else if (kind == K_DEC && f == 'd') {
        compare_decimals(type->format, values, at, n, digits, v, cache, cmp);
    } else if (kind == K_TEXT && strchr("uzUZ", f) && !type->format[1]) {
        compare_strings(values, f == 'U' || f == 'Z', a->buffers[2], at, n, v->s, equal_only,
                        cmp);
    } else {
        struct operand o;
        size_t len = kind == K_TEXT ? strlen(v->s) : 0;
        for (int64_t r = 0; r < n; r++) {
            row_operand(type, a, start + r, kind, digits, &o);
            cmp[r] = (int8_t)(kind == K_TEXT ? compare_bytes(o.bytes, o.len, v->s, len)
                                             : compare(&o, v, cache));
        }
    }
}

/* What leaf f is for a row whose value is null. */
static uint8_t null_truth(const struct fdata_filter *f) {
    return f->kind != F_NULL ? ROW_NUL : f->negate ? ROW_NO : ROW_YES;
}

/* t[r] = null_truth(f) for the rows of [start, start + n) that a's validity says are null. */
static void null_rows(const struct fdata_filter *f, const struct ArrowArray *a, int64_t start,
                      int64_t n, uint8_t *t) {
    const uint8_t *valid = a->n_buffers > 0 ? a->buffers[0] : NULL;
    if (!valid || a->null_count == 0)
        return;
    uint8_t if_null = null_truth(f);
    for (int64_t r = 0; r < n; r++)
        if (!bit_at(valid, a->offset + start + r))
            t[r] = if_null;
}

/* t[r] = the truth of leaf f (on a column, as `kind`) at rows [start, start + n) of array a of
 * type `type`, its nulls included.  FDATA_ENOMEM when out of memory. */
static int leaf_rows(const struct fdata_filter *f, enum kind kind, int digits,
                     struct decimal_cache *cache, const struct ArrowSchema *type,
                     const struct ArrowArray *a, int64_t start, int64_t n, uint8_t *t);

/* leaf_rows() over a dictionary's indices: the leaf judged once per value of the
 * dictionary, each row given its index's truth (an index out of range: as a null). */
static int dictionary_rows(const struct fdata_filter *f, enum kind kind, int digits,
                           struct decimal_cache *cache, const struct ArrowSchema *type,
                           const struct ArrowArray *a, int64_t start, int64_t n, uint8_t *t) {
    int64_t size = a->dictionary->length, k[ROW_CHUNK];
    uint8_t *of_value = malloc((size_t)size + 1), if_null = null_truth(f);
    if (!of_value)
        return FDATA_ENOMEM;
    int status = leaf_rows(f, kind, digits, cache, type->dictionary, a->dictionary, 0, size,
                           of_value);
    for (int64_t r0 = 0; status == FDATA_OK && r0 < n; r0 += ROW_CHUNK) {
        int64_t m = n - r0 < ROW_CHUNK ? n - r0 : ROW_CHUNK;
        load_ints(type->format[0], a->buffers[1], a->offset + start + r0, m, k);
        for (int64_t r = 0; r < m; r++)
            t[r0 + r] = (uint64_t)k[r] < (uint64_t)size ? of_value[k[r]] : if_null;
    }
    free(of_value);
    return status;
}

static int leaf_rows(const struct fdata_filter *f, enum kind kind, int digits,
                     struct decimal_cache *cache, const struct ArrowSchema *type,
                     const struct ArrowArray *a, int64_t start, int64_t n, uint8_t *t) {
    if (type->dictionary) {
        int status = dictionary_rows(f, kind, digits, cache, type, a, start, n, t);
        if (status == FDATA_OK)
            null_rows(f, a, start, n, t);
        return status;
    }
    int8_t cmp[ROW_CHUNK];
    uint8_t of_cmp[3]; /* a comparison's truth from its result + 1 */
    for (int c = 0; f->kind == F_CMP && c < 3; c++)
        of_cmp[c] = satisfies[f->op][c] ? ROW_YES : ROW_NO;
    for (int64_t r0 = 0; r0 < n; r0 += ROW_CHUNK) {
        int64_t m = n - r0 < ROW_CHUNK ? n - r0 : ROW_CHUNK;
        uint8_t *out = t + r0;
        if (f->kind == F_NULL) {
            memset(out, f->negate ? ROW_YES : ROW_NO, (size_t)m);
        } else if (f->kind == F_CMP) {
            compare_rows(type, a, start + r0, m, kind, digits, &f->values[0], cache,
                         f->op == FDATA_FILTER_EQ || f->op == FDATA_FILTER_NE, cmp);
            for (int64_t r = 0; r < m; r++)
                out[r] = of_cmp[cmp[r] + 1];
        } else { /* IN: equal to one of the values */
            memset(out, 0, (size_t)m);
            for (size_t i = 0; i < f->n_values; i++) {
                compare_rows(type, a, start + r0, m, kind, digits, &f->values[i], cache, 1,
                             cmp);
                for (int64_t r = 0; r < m; r++)
                    out[r] |= cmp[r] == 0;
            }
            for (int64_t r = 0; r < m; r++)
                out[r] = out[r] != f->negate ? ROW_YES : ROW_NO;
        }
    }
    null_rows(f, a, start, n, t);
    return FDATA_OK;
}

/* t[r] = the truth of leaf f, on a column of the files (filter_bind_columns), at row r of
 * the batch: null under a null struct on its path, and at every row when `files` lacks it. */
static int column_rows(const struct fdata_filter *f, const struct ArrowSchema *files,
                       const struct ArrowArray *batch, struct decimal_cache *cache,
                       uint8_t *t) {
    long path[MAX_PATH];
    int depth = resolve(files, f->column, path, 0), digits;
    if (!depth) { /* not a column of this file's (prefilter.h): null at every row */
        memset(t, null_truth(f), (size_t)batch->length);
        return FDATA_OK;
    }
    const struct ArrowSchema *type = files;
    const struct ArrowArray *a = batch, *parents[MAX_PATH];
    int64_t start = 0, parent_start[MAX_PATH];
    for (int d = 0; d < depth; d++) { /* a struct's children are indexed from its offset */
        start += a->offset;
        type = type->children[path[d]];
        a = a->children[path[d]];
        parents[d] = a;
        parent_start[d] = start;
    }
    enum kind kind = kind_of_format(value_format(type), &digits);
    int status = leaf_rows(f, kind, digits, cache, type, a, start, batch->length, t);
    for (int d = 0; status == FDATA_OK && d + 1 < depth; d++)
        null_rows(f, parents[d], parent_start[d], batch->length, t);
    return status;
}

/* t[r] = the truth of f at row r of the batch of file `file` (its columns as `files`). */
static int eval_rows(const struct fdata_filter *f, const struct partitions *p, size_t file,
                     const struct ArrowSchema *files, const struct ArrowArray *batch,
                     struct decimal_cache *cache, uint8_t *t) {
    size_t n = (size_t)batch->length;
    if (f->kind == F_NOT) {
        int status = eval_rows(f->a, p, file, files, batch, cache, t);
        for (size_t r = 0; r < n; r++)
            t[r] = (uint8_t)(ROW_YES - t[r]);
        return status;
    }
    if (f->kind == F_AND || f->kind == F_OR) {
        uint8_t *b = malloc(n + 1);
        int status = !b ? FDATA_ENOMEM : eval_rows(f->a, p, file, files, batch, cache, t);
        if (status == FDATA_OK)
            status = eval_rows(f->b, p, file, files, batch, cache, b);
        for (size_t r = 0; status == FDATA_OK && r < n; r++)
            t[r] = f->kind == F_AND ? (t[r] < b[r] ? t[r] : b[r]) : (t[r] > b[r] ? t[r] : b[r]);
        free(b);
        return status;
    }
    if (key_of(p, f->column) < 0)
        return column_rows(f, files, batch, cache, t);
    struct row w = {p, file, NULL}; /* a partition key: one value for every row */
    int truth = leaf(f, &w);
    memset(t, truth == YES ? ROW_YES : truth == NO ? ROW_NO : ROW_NUL, n);
    return FDATA_OK;
}

int filter_rows(const struct fdata_filter *f, const struct partitions *p, size_t file,
                const struct ArrowSchema *files, const struct ArrowArray *batch, uint8_t *keep) {
    struct decimal_cache cache = {.n = 0};
    int status = eval_rows(f, p, file, files, batch, &cache, keep);
    for (int64_t r = 0; status == FDATA_OK && r < batch->length; r++)
        keep[r] = keep[r] == ROW_YES;
    return status;
}

int filter_may_select(const struct fdata_filter *f, const struct partitions *p, size_t file,
                      const struct stats_source *src) {
    struct row w = {p, file, src};
    return (eval(f, &w) & YES) != 0;
}
