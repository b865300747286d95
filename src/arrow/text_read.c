/* CSV (through libcsv) and JSONL (through json-c) read into Arrow record batches (see
 * fastdata/text.h).  Two passes over the text in memory: the first finds the columns and
 * infers their types, the second parses every value into column builders, one batch per
 * batch_rows rows. */
#include <csv.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fastdata/text.h"
#include "../common/common.h"
#include "../memory/memory.h"
#include "../common/strbuf.h"
#include "build.h"
#include "datetime.h"
#include "table_stream.h"

enum ttype { T_NONE, T_BOOL, T_INT32, T_INT64, T_FLOAT, T_DOUBLE, T_DATE, T_TS_MS, T_TS_US,
             T_TS_NS, T_STRING };
static const char *const type_names[] = {"null", "bool", "int32", "int64", "float32", "float64",
                                         "date32", "timestamp[ms]", "timestamp[us]",
                                         "timestamp[ns]", "string"};
static const char *const formats[] = {"u", "b", "i", "l", "f", "g", "tdD", "tsm:", "tsu:",
                                      "tsn:", "u"};
static const int widths[] = {0, 0, 4, 8, 4, 8, 4, 8, 8, 8, 0};

struct tcol {
    char *name;
    int type, declared;
    int zone;                    /* timestamps: 1 while every value ends in Z, 2 once one does not */
    uint8_t *valid;              /* builder: validity bits, values or offsets + bytes */
    uint8_t *values;
    int32_t *offsets;
    size_t values_len, values_cap;
    int64_t n, nulls;
};

struct reader {
    const char *path;
    const struct fdata_text_read_options *o;
    struct tcol *cols;
    size_t ncols, cap;
    int pass;                    /* 1: infer, 2: build */
    int64_t line, rows, batch_rows;
    int64_t batch_n;             /* rows in the batch being built */
    struct ArrowArray *batches;
    size_t nbatches, batch_cap;
    int status;
    struct fdata_error *err;
    /* CSV: the record being read */
    char **fields;
    size_t *lens;
    int *present;
    size_t nfields, fields_cap;
    int64_t record_line, next_record_line;
    int header_done;
};

/* ---- values ---- */

static int parse_int64(const char *s, size_t n, int64_t *out) {
    if (n == 0 || n > 20)
        return 0;
    char buf[24], *end;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno || end == buf || buf[0] == ' ')
        return 0;
    *out = v;
    return 1;
}

static int parse_double(const char *s, size_t n, double *out) {
    if (n == 0 || n > 64)
        return 0;
    char buf[72], *end;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    return *end == '\0' && end != buf && buf[0] != ' ' && !strchr(buf, 'x') && !strchr(buf, 'X');
}

static int parse_bool(const char *s, size_t n, int *out) {
    if (n == 4 && strncasecmp(s, "true", 4) == 0)
        return *out = 1, 1;
    if (n == 5 && strncasecmp(s, "false", 5) == 0)
        return *out = 0, 1;
    return 0;
}

static int digits(const char *s, int n, int *out) {
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *out = *out * 10 + (s[i] - '0');
    }
    return 1;
}

/* A date at the start of s: "YYYY-MM-DD", or with a sign and more year digits as the
 * row-dump format writes years outside 1..9999 ("-0100-03-01", "+12345-01-01").  Returns the
 * bytes it takes, 0 when there is none. */
static size_t date_prefix(const char *s, size_t n, int64_t *days) {
    size_t i = n && (s[0] == '-' || s[0] == '+');
    size_t y_len = 0;
    while (i + y_len < n && s[i + y_len] >= '0' && s[i + y_len] <= '9')
        y_len++;
    int64_t y = 0;
    int m, d;
    if (y_len < 4 || y_len > 9 || i + y_len + 6 > n)
        return 0;
    for (size_t k = 0; k < y_len; k++)
        y = y * 10 + (s[i + k] - '0');
    const char *md = s + i + y_len;
    if (md[0] != '-' || md[3] != '-' || !digits(md + 1, 2, &m) || !digits(md + 4, 2, &d) ||
        m < 1 || m > 12 || d < 1 || d > 31 || (i == 1) != (y_len > 4 || s[0] == '-'))
        return 0;
    *days = fdata_days_from_civil(s[0] == '-' ? -y : y, m, d);
    return i + y_len + 6;
}

static int parse_date(const char *s, size_t n, int64_t *days) {
    return n > 0 && date_prefix(s, n, days) == n;
}

/* "YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z]" in units of 10^-digits seconds; *utc set on a Z. */
static int parse_ts(const char *s, size_t n, int digits_wanted, int64_t *out, int *utc) {
    int64_t days;
    int h, mi, se, frac = 0, fd = 0;
    size_t at = date_prefix(s, n, &days);
    if (!at || n < at + 9)
        return 0;
    s += at - 10; /* the rest sits where it would after a 10-byte date */
    n -= at - 10;
    if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':' || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &se) || h > 23 || mi > 59 || se > 60)
        return 0;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++)
            if (fd < 9)
                frac = frac * 10 + (s[i] - '0');
        if (fd == 0 || fd > 9)
            return 0;
    }
    *utc = i < n && s[i] == 'Z';
    if (i + (size_t)*utc != n)
        return 0;
    for (; fd < 9; fd++)
        frac *= 10;
    int64_t scale = 1;
    for (int k = 0; k < digits_wanted; k++)
        scale *= 10;
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se; /* |years| < 10^9: no overflow */
    /* a year far out of the unit's range (ns: 1677..2262) is not a timestamp of this type */
    return !__builtin_mul_overflow(secs, scale, out) &&
           !__builtin_add_overflow(*out, frac / (1000000000 / scale), out);
}

/* The narrowest inferred type of a text value. */
static int classify(const char *s, size_t n) {
    int64_t i;
    double d;
    int b, utc;
    if (parse_bool(s, n, &b))
        return T_BOOL;
    if (parse_int64(s, n, &i))
        return T_INT64;
    if (parse_double(s, n, &d))
        return T_DOUBLE;
    if (parse_date(s, n, &i))
        return T_DATE;
    if (parse_ts(s, n, 6, &i, &utc))
        return T_TS_US;
    return T_STRING;
}

static int join(int a, int b) {
    if (a == T_NONE || a == b)
        return b;
    if ((a == T_INT64 && b == T_DOUBLE) || (a == T_DOUBLE && b == T_INT64))
        return T_DOUBLE;
    if ((a == T_DATE && b == T_TS_US) || (a == T_TS_US && b == T_DATE))
        return T_TS_US;
    return T_STRING;
}

/* ---- column builders ---- */

/* A value for a one-line message: at most 60 bytes, control characters and bytes that are
 * not UTF-8 escaped (\n, \xff). */
static void show_value(const char *s, size_t n, char *out, size_t size) {
    size_t o = 0;
    for (size_t i = 0, len; i < n && i < 60 && o + 8 < size; i += len) {
        unsigned char c = (unsigned char)s[i];
        len = c >= 0x80 ? fdata_utf8_seq((const uint8_t *)s + i, n - i) : 1;
        if (c >= 0x20 && c != 0x7f && len > 0) {
            memcpy(out + o, s + i, len);
            o += len;
        } else {
            o += (size_t)snprintf(out + o, size - o, c == '\n' ? "\\n" : "\\x%02x", c);
            len = 1;
        }
    }
    snprintf(out + o, size - o, "%s", n > 60 ? "..." : "");
}

static int fail(struct reader *r, int code, const char *col, const char *fmt, const char *value,
                size_t n) {
    if (r->status)
        return r->status;
    char shown[256];
    show_value(value ? value : "", n, shown, sizeof shown);
    r->status = code;
    fdata_set_error(r->err, code, "%s: line %lld%s%s%s: ", r->path, (long long)r->line,
                    col ? ", column '" : "", col ? col : "", col ? "'" : "");
    if (r->err) {
        size_t used = strlen(r->err->message);
        snprintf(r->err->message + used, sizeof r->err->message - used, fmt, shown);
    }
    return code;
}

static int grow(struct tcol *c, size_t need) {
    if (c->values_len + need <= c->values_cap)
        return 0;
    size_t cap = c->values_cap ? c->values_cap : 4096;
    while (cap < c->values_len + need)
        cap *= 2;
    uint8_t *v = realloc(c->values, cap);
    if (!v)
        return -1;
    c->values = v;
    c->values_cap = cap;
    return 0;
}

/* Room for row c->n in the validity bits (and offsets). */
static int reserve_row(struct tcol *c, int64_t batch_rows) {
    if (!c->valid) {
        c->valid = calloc((size_t)(batch_rows + 7) / 8 + 1, 1);
        if (c->type == T_STRING || c->type == T_NONE)
            c->offsets = calloc((size_t)batch_rows + 1, sizeof *c->offsets);
        if (!c->valid || ((c->type == T_STRING || c->type == T_NONE) && !c->offsets))
            return -1;
    }
    return 0;
}

static void set_valid(struct tcol *c, int ok) {
    if (ok)
        c->valid[c->n >> 3] |= (uint8_t)(1u << (c->n & 7));
    else
        c->nulls++;
    if (c->offsets)
        c->offsets[c->n + 1] = (int32_t)c->values_len;
    c->n++;
}

static int append_fixed(struct reader *r, struct tcol *c, const void *v) {
    int w = widths[c->type];
    if (grow(c, (size_t)(w ? w : 1)))
        return fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
    if (c->type == T_BOOL) {
        if ((size_t)c->n / 8 >= c->values_len) {
            c->values[c->values_len++] = 0;
        }
        if (*(const int *)v)
            c->values[c->n >> 3] |= (uint8_t)(1u << (c->n & 7));
    } else {
        memcpy(c->values + c->values_len, v, (size_t)w);
        c->values_len += (size_t)w;
    }
    return 0;
}

static int append_null(struct reader *r, struct tcol *c) {
    if (reserve_row(c, r->batch_rows))
        return fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
    static const int64_t zero;
    if (c->type != T_STRING && c->type != T_NONE && append_fixed(r, c, &zero))
        return r->status;
    set_valid(c, 0);
    return 0;
}

/* Appends text value s[0..n) parsed as the column's type. */
static int append_text(struct reader *r, struct tcol *c, const char *s, size_t n) {
    if (reserve_row(c, r->batch_rows))
        return fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
    union { int b; int32_t i32; int64_t i64; float f; double d; } v = {0};
    int ok = 1, utc;
    switch (c->type) {
    case T_BOOL: ok = parse_bool(s, n, &v.b); break;
    case T_INT32: ok = parse_int64(s, n, &v.i64) && v.i64 >= INT32_MIN && v.i64 <= INT32_MAX;
        v.i32 = (int32_t)v.i64; break;
    case T_INT64: ok = parse_int64(s, n, &v.i64); break;
    case T_FLOAT: ok = parse_double(s, n, &v.d); v.f = (float)v.d; break;
    case T_DOUBLE: ok = parse_double(s, n, &v.d); break;
    case T_DATE: ok = parse_date(s, n, &v.i64) && v.i64 >= INT32_MIN && v.i64 <= INT32_MAX;
        v.i32 = (int32_t)v.i64; break;
    case T_TS_MS: ok = parse_ts(s, n, 3, &v.i64, &utc); break;
    case T_TS_US: ok = parse_ts(s, n, 6, &v.i64, &utc); break;
    case T_TS_NS: ok = parse_ts(s, n, 9, &v.i64, &utc); break;
    default:
        if (!fdata_utf8_valid((const uint8_t *)s, n))
            return fail(r, FDATA_ECORRUPT, c->name, "invalid UTF-8 in '%s'", s, n);
        if (c->values_len + n > INT32_MAX || grow(c, n))
            return fail(r, FDATA_ENOMEM, c->name, "too much text%s", "", 0);
        if (n) /* an empty string on an empty buffer: values may still be NULL */
            memcpy(c->values + c->values_len, s, n);
        c->values_len += n;
        set_valid(c, 1);
        return 0;
    }
    if (!ok) {
        char what[64];
        snprintf(what, sizeof what, "'%%s' is not a valid %s", type_names[c->type]);
        return fail(r, FDATA_ECORRUPT, c->name, what, s, n);
    }
    if (append_fixed(r, c, &v))
        return r->status;
    set_valid(c, 1);
    return 0;
}

/* ---- batches ---- */

static int column_array(struct tcol *c, struct ArrowArray *out) {
    int64_t n = c->n;
    void *valid = c->nulls ? fdata_aligned_alloc((size_t)(n + 7) / 8 + 1) : NULL;
    if (valid)
        memcpy(valid, c->valid ? c->valid : (uint8_t *)"", c->valid ? (size_t)(n + 7) / 8 : 0);
    size_t vbytes = c->values_len ? c->values_len : 1;
    void *values = fdata_aligned_alloc(vbytes);
    if (values && c->values_len)
        memcpy(values, c->values, c->values_len);
    void *offsets = c->offsets ? fdata_aligned_alloc((size_t)(n + 1) * 4) : NULL;
    if (offsets)
        memcpy(offsets, c->offsets, (size_t)(n + 1) * 4);
    int status = (!c->nulls || valid) && values && (!c->offsets || offsets) ? FDATA_OK : FDATA_ENOMEM;
    if (status == FDATA_OK) {
        void *bufs[3] = {valid, c->offsets ? offsets : values, values};
        status = fdata_array_make(out, n, c->nulls, c->offsets ? 3 : 2, bufs);
    } else {
        fdata_aligned_free(valid), fdata_aligned_free(values), fdata_aligned_free(offsets);
    }
    free(c->valid), free(c->offsets);
    c->valid = NULL;
    c->offsets = NULL;
    c->values_len = 0;
    c->n = c->nulls = 0;
    return status;
}

/* The rows built so far become a batch. */
static int flush(struct reader *r) {
    if (r->ncols == 0 || r->batch_n == 0)
        return FDATA_OK;
    r->batch_n = 0;
    if (r->nbatches == r->batch_cap) {
        size_t cap = r->batch_cap ? 2 * r->batch_cap : 16;
        struct ArrowArray *b = realloc(r->batches, cap * sizeof *b);
        if (!b)
            return fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
        r->batches = b;
        r->batch_cap = cap;
    }
    struct ArrowArray *kids = calloc(r->ncols, sizeof *kids);
    int64_t n = r->cols[0].n;
    int status = kids ? FDATA_OK : FDATA_ENOMEM;
    for (size_t c = 0; status == FDATA_OK && c < r->ncols; c++)
        status = column_array(&r->cols[c], &kids[c]);
    if (status == FDATA_OK)
        status = fdata_array_make_struct(&r->batches[r->nbatches++], n, kids, (int64_t)r->ncols);
    else
        for (size_t c = 0; kids && c < r->ncols; c++)
            if (kids[c].release)
                kids[c].release(&kids[c]);
    free(kids);
    return status ? fail(r, status, NULL, "out of memory%s", "", 0) : FDATA_OK;
}

/* After a row: a batch when batch_rows rows are built. */
static int end_row(struct reader *r) {
    r->rows++;
    return ++r->batch_n >= r->batch_rows ? flush(r) : FDATA_OK;
}

static int make_schema(struct reader *r, struct ArrowSchema *out) {
    struct ArrowSchema *kids = calloc(r->ncols + 1, sizeof *kids);
    int status = kids ? FDATA_OK : FDATA_ENOMEM;
    for (size_t c = 0; status == FDATA_OK && c < r->ncols; c++)
    {
        char format[16];
        int t = r->cols[c].type;
        snprintf(format, sizeof format, "%s%s", formats[t],
                 t >= T_TS_MS && t <= T_TS_NS && r->cols[c].zone == 1 ? "UTC" : "");
        status = fdata_schema_make(&kids[c], format, r->cols[c].name, ARROW_FLAG_NULLABLE, NULL);
    }
    if (status == FDATA_OK)
        status = fdata_schema_make_struct(out, kids, (int64_t)r->ncols);
    else
        for (size_t c = 0; kids && c < r->ncols; c++)
            if (kids[c].release)
                kids[c].release(&kids[c]);
    free(kids);
    return status;
}

/* ---- columns and declared types ---- */

static long find_col(struct reader *r, const char *name, size_t n) {
    for (size_t c = 0; c < r->ncols; c++)
        if (strlen(r->cols[c].name) == n && memcmp(r->cols[c].name, name, n) == 0)
            return (long)c;
    return -1;
}

static long add_col(struct reader *r, const char *name, size_t n) {
    if (r->ncols == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        struct tcol *c = realloc(r->cols, cap * sizeof *c);
        if (!c)
            return -1;
        r->cols = c;
        r->cap = cap;
    }
    struct tcol *c = &r->cols[r->ncols];
    memset(c, 0, sizeof *c);
    if (!(c->name = strndup(name, n)))
        return -1;
    return (long)r->ncols++;
}

/* "name:type,..." applied to the columns found. */
static int declare(struct reader *r) {
    const char *s = r->o->schema;
    while (s && *s) {
        const char *end = strchr(s, ','), *colon = strchr(s, ':');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (!colon || colon > s + len)
            return fdata_set_error(r->err, FDATA_EINVAL, "schema: '%.*s' is not name:type", (int)len, s);
        long c = find_col(r, s, (size_t)(colon - s));
        int t = -1;
        for (int k = T_BOOL; k <= T_STRING; k++)
            if (strlen(type_names[k]) == (size_t)(s + len - colon - 1) &&
                strncmp(type_names[k], colon + 1, (size_t)(s + len - colon - 1)) == 0)
                t = k;
        if (c < 0 || t < 0)
            return fdata_set_error(r->err, FDATA_EINVAL, "schema: '%.*s': %s", (int)len, s,
                                   c < 0 ? "no such column" : "unknown type (bool, int32, int64, "
                                   "float32, float64, string, date32, timestamp[ms|us|ns])");
        r->cols[c].type = t;
        r->cols[c].declared = 1;
        s = end ? end + 1 : s + len;
    }
    for (size_t c = 0; c < r->ncols; c++)
        if (r->cols[c].type == T_NONE)
            r->cols[c].type = T_STRING;
    return FDATA_OK;
}

/* Pass 1 sees a text value of column c; pass 2 appends it. */
static int text_value(struct reader *r, struct tcol *c, const char *s, size_t n) {
    if (r->pass == 2)
        return append_text(r, c, s, n);
    int t = classify(s, n);
    c->type = join(c->type, t);
    if (t == T_TS_US || t == T_DATE)
        c->zone = n && s[n - 1] == 'Z' && c->zone != 2 ? 1 : 2;
    return FDATA_OK;
}

static int null_value(struct reader *r, struct tcol *c) {
    return r->pass == 2 ? append_null(r, c) : FDATA_OK;
}

/* ---- CSV ---- */

static void csv_field(void *s, size_t n, void *ud) {
    struct reader *r = ud;
    if (r->status)
        return;
    if (r->nfields == 0) /* libcsv reports a field at its end: the record began earlier */
        r->record_line = r->next_record_line;
    if (r->nfields == r->fields_cap) {
        size_t cap = r->fields_cap ? 2 * r->fields_cap : 64;
        char **f = realloc(r->fields, cap * sizeof *f);
        size_t *l = f ? realloc(r->lens, cap * sizeof *l) : NULL;
        int *p = l ? realloc(r->present, cap * sizeof *p) : NULL;
        if (f)
            r->fields = f;
        if (l)
            r->lens = l;
        if (p)
            r->present = p;
        if (!f || !l || !p) {
            fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
            return;
        }
        r->fields_cap = cap;
    }
    char *copy = s ? malloc(n + 1) : NULL;
    if (copy)
        memcpy(copy, s, n), copy[n] = '\0';
    r->fields[r->nfields] = copy;
    r->lens[r->nfields] = n;
    r->present[r->nfields++] = s != NULL;
}

static void clear_fields(struct reader *r) {
    for (size_t i = 0; i < r->nfields; i++)
        free(r->fields[i]);
    r->nfields = 0;
}

static void csv_record(int term, void *ud) {
    struct reader *r = ud;
    (void)term;
    int64_t line = r->line;
    r->line = r->record_line;
    if (!r->status && !r->header_done) {
        for (size_t i = 0; i < r->nfields && !r->status; i++)
            if (r->pass == 1 && add_col(r, r->fields[i] ? r->fields[i] : "", r->lens[i]) < 0)
                fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
        r->header_done = 1;
    } else if (!r->status && r->nfields != r->ncols) {
        char what[96];
        snprintf(what, sizeof what, "%zu fields, the header has %zu%%s", r->nfields, r->ncols);
        fail(r, FDATA_ECORRUPT, NULL, what, "", 0);
    } else {
        for (size_t i = 0; i < r->nfields && !r->status; i++)
            if (r->present[i])
                text_value(r, &r->cols[i], r->fields[i], r->lens[i]);
            else
                null_value(r, &r->cols[i]);
        if (!r->status && r->pass == 2)
            end_row(r);
    }
    r->line = line;
    r->next_record_line = line + 1;
    clear_fields(r);
}

static int csv_pass(struct reader *r, const char *text, size_t size) {
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_EMPTY_IS_NULL | CSV_STRICT_FINI) != 0)
        return fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
    csv_set_delim(&p, (unsigned char)(r->o->delimiter ? r->o->delimiter : ','));
    r->line = r->next_record_line = 1;
    r->header_done = 0;
    for (size_t at = 0; at < size && !r->status; r->line++) { /* a line at a time: its number */
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) + 1 : size - at;
        if (csv_parse(&p, text + at, len, csv_field, csv_record, r) != len)
            fail(r, FDATA_ECORRUPT, NULL, "%s", csv_strerror(csv_error(&p)),
                 strlen(csv_strerror(csv_error(&p))));
        at += len;
    }
    r->line--;
    if (!r->status && csv_fini(&p, csv_field, csv_record, r) != 0)
        fail(r, FDATA_ECORRUPT, NULL, "%s (an unterminated quoted field?)", "", 0);
    clear_fields(r);
    csv_free(&p);
    return r->status;
}

/* ---- JSONL ---- */

static int json_value(struct reader *r, struct tcol *c, struct json_object *v) {
    switch (json_object_get_type(v)) {
    case json_type_null: return null_value(r, c);
    case json_type_boolean:
    case json_type_int:
    case json_type_double: {
        const char *s = json_object_get_string(v); /* the number's own text */
        if (r->pass == 1) {
            int t = json_object_is_type(v, json_type_boolean) ? T_BOOL
                    : json_object_is_type(v, json_type_int) ? T_INT64 : T_DOUBLE;
            c->type = join(c->type, t);
            return FDATA_OK;
        }
        return append_text(r, c, s, strlen(s));
    }
    case json_type_string:
        if (r->pass == 1) { /* the row-dump format writes NaN and infinities as strings */
            const char *s = json_object_get_string(v);
            int special = !strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity");
            c->type = join(c->type, special ? T_DOUBLE : T_STRING);
            return FDATA_OK;
        }
        return append_text(r, c, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    default:
        return fail(r, FDATA_EUNSUPPORTED, c->name, "nested values are not read yet: %s",
                    json_object_to_json_string(v), strlen(json_object_to_json_string(v)));
    }
}

/* One line: pass 1 learns its keys and types, pass 2 appends its values. */
static int json_line(struct reader *r, struct json_object *o) {
    json_object_object_foreach(o, key, v) {
        long c = find_col(r, key, strlen(key));
        if (c < 0 && (r->pass == 2 || (c = add_col(r, key, strlen(key))) < 0))
            return fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
        if (json_value(r, &r->cols[c], v))
            return r->status;
    }
    if (r->pass == 1)
        return FDATA_OK;
    for (size_t c = 0; c < r->ncols && !r->status; c++) /* keys this line lacks */
        if (r->cols[c].n == r->batch_n)
            append_null(r, &r->cols[c]);
    return r->status ? r->status : end_row(r);
}

static int jsonl_pass(struct reader *r, const char *text, size_t size) {
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return fail(r, FDATA_ENOMEM, NULL, "out of memory%s", "", 0);
    r->line = 1;
    for (size_t at = 0; at < size && !r->status; r->line++) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : size - at;
        if (len > 0 && !(len == 1 && text[at] == '\r')) {
            json_tokener_reset(tok);
            struct json_object *o = json_tokener_parse_ex(tok, text + at, (int)len);
            if (!o || !json_object_is_type(o, json_type_object) ||
                json_tokener_get_parse_end(tok) < len - (text[at + len - 1] == '\r'))
                fail(r, FDATA_ECORRUPT, NULL, "not a JSON object: %s", text + at, len);
            else
                json_line(r, o);
            json_object_put(o);
        }
        at += len + 1;
    }
    json_tokener_free(tok);
    return r->status;
}

/* ---- the two readers ---- */

static void reader_free(struct reader *r) {
    for (size_t c = 0; c < r->ncols; c++) {
        free(r->cols[c].name);
        free(r->cols[c].valid);
        free(r->cols[c].values);
        free(r->cols[c].offsets);
    }
    free(r->cols);
    for (size_t b = 0; b < r->nbatches; b++)
        if (r->batches[b].release)
            r->batches[b].release(&r->batches[b]);
    free(r->batches);
    clear_fields(r);
    free(r->fields);
    free(r->lens);
    free(r->present);
}

static char *slurp(const char *path, size_t *size, struct fdata_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fdata_set_error(err, FDATA_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct fdata_strbuf b = {0};
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fdata_sb_put(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad || b.oom) {
        fdata_sb_free(&b);
        fdata_set_error(err, bad ? FDATA_EIO : FDATA_ENOMEM, "%s: %s", path,
                        bad ? "read error" : "out of memory");
        return NULL;
    }
    *size = b.len;
    return b.buf ? b.buf : calloc(1, 1);
}

static int read_text(const char *path, const struct fdata_text_read_options *opts, int jsonl,
                     struct ArrowArrayStream *out, struct fdata_error *err) {
    static const struct fdata_text_read_options defaults;
    struct reader r = {.path = path, .o = opts ? opts : &defaults, .err = err};
    r.batch_rows = r.o->batch_rows > 0 ? r.o->batch_rows : 65536;
    out->release = NULL;
    size_t size = 0;
    char *text = slurp(path, &size, err);
    if (!text)
        return err ? err->code : FDATA_EIO;
    int (*pass)(struct reader *, const char *, size_t) = jsonl ? jsonl_pass : csv_pass;
    r.pass = 1;
    int status = pass(&r, text, size);
    if (status == FDATA_OK && r.ncols == 0)
        status = fdata_set_error(err, FDATA_ECORRUPT, "%s: no columns (an empty file?)", path);
    if (status == FDATA_OK && (status = declare(&r)) != FDATA_OK)
        fdata_error_prefix(err, "%s", path);
    r.pass = 2;
    if (status == FDATA_OK)
        status = pass(&r, text, size);
    if (status == FDATA_OK)
        status = flush(&r);
    struct ArrowSchema schema;
    if (status == FDATA_OK && make_schema(&r, &schema) != FDATA_OK)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK) {
        status = fdata_table_stream_make(&schema, r.batches, r.nbatches, out, err);
        r.nbatches = 0; /* moved (or released) */
    }
    free(text);
    reader_free(&r);
    return status;
}

int fdata_read_csv(const char *path, const struct fdata_text_read_options *opts,
                   struct ArrowArrayStream *out, struct fdata_error *err) {
    return read_text(path, opts, 0, out, err);
}

int fdata_read_jsonl(const char *path, const struct fdata_text_read_options *opts,
                     struct ArrowArrayStream *out, struct fdata_error *err) {
    return read_text(path, opts, 1, out, err);
}
