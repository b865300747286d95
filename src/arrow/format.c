/* Text output of Arrow record batches: JSONL (the row-dump format) and CSV (RFC 4180).
 * Values are formatted from the Arrow layout alone (format string + extension name), so
 * this proves what consumers of our arrays will see. */
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include "fastdata/arrow.h"
#include "../common/common.h"
#include "../common/strbuf.h"
#include "build.h"
#include "datetime.h"

enum col_kind {
    C_BOOL, C_INT, C_UINT, C_F16, C_F32, C_F64, C_DECIMAL, C_DATE, C_TIME, C_TIMESTAMP,
    C_INTERVAL, C_UTF8, C_BINARY, C_FIXED, C_UUID, C_NULL, C_STRUCT, C_LIST, C_LARGE_LIST,
    C_MAP,
};

struct col_printer {
    int kind;
    int width;         /* bytes per value for fixed layouts */
    int scale;         /* decimal */
    int unit_digits;   /* time/timestamp: 0, 3, 6 or 9 fraction digits */
    int utc;           /* timestamp with a time zone: print "Z" */
    int view;          /* utf8, binary: the view layout ("vu", "vz") */
    int index_width;   /* a dictionary's indices (bytes each): values printed from it */
    int64_t n_children;
    struct col_printer *children; /* struct fields, list element, map key and value */
    char **keys;       /* struct field names as JSON object keys, with the colon */
};

/* ---- type parsing ---- */

static int unit_digits(char u) { return u == 's' ? 0 : u == 'm' ? 3 : u == 'u' ? 6 : 9; }

static int parse_nested(const struct ArrowSchema *s, struct col_printer *c);

static int parse_column(const struct ArrowSchema *s, struct col_printer *c) {
    const char *f = s->format;
    char ext[32];
    fdata_schema_extension(s, ext, sizeof ext);
    memset(c, 0, sizeof *c);
    if (s->dictionary) { /* signed integer indices into flat values */
        int width = strcmp(f, "c") == 0 ? 1 : strcmp(f, "s") == 0 ? 2 : strcmp(f, "i") == 0 ? 4
                  : strcmp(f, "l") == 0 ? 8 : 0;
        int status = width ? parse_column(s->dictionary, c) : FDATA_EUNSUPPORTED;
        c->index_width = width;
        return status == FDATA_OK && c->n_children ? FDATA_EUNSUPPORTED : status;
    }
    if (f[0] == '+' || strcmp(f, "n") == 0)
        return parse_nested(s, c);
    static const struct { const char *fmt; int kind, width; } simple[] = {
        {"b", C_BOOL, 0}, {"c", C_INT, 1}, {"s", C_INT, 2}, {"i", C_INT, 4}, {"l", C_INT, 8},
        {"C", C_UINT, 1}, {"S", C_UINT, 2}, {"I", C_UINT, 4}, {"L", C_UINT, 8},
        {"e", C_F16, 2}, {"f", C_F32, 4}, {"g", C_F64, 8}, {"u", C_UTF8, 0}, {"z", C_BINARY, 0},
        {"tdD", C_DATE, 4}, {"tin", C_INTERVAL, 16}, {"vu", C_UTF8, 0}, {"vz", C_BINARY, 0},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (strcmp(f, simple[i].fmt) == 0) {
            c->kind = simple[i].kind;
            c->width = simple[i].width;
            c->view = f[0] == 'v';
            return FDATA_OK;
        }
    }
    if (f[0] == 't' && f[1] == 't' && f[2] && !f[3]) {
        c->kind = C_TIME;
        c->width = f[2] == 's' || f[2] == 'm' ? 4 : 8;
        c->unit_digits = unit_digits(f[2]);
        return FDATA_OK;
    }
    if (f[0] == 't' && f[1] == 's' && f[2] && f[3] == ':') {
        c->kind = C_TIMESTAMP;
        c->width = 8;
        c->unit_digits = unit_digits(f[2]);
        c->utc = f[4] != '\0';
        return FDATA_OK;
    }
    int p, sc, bits = 128;
    if (sscanf(f, "d:%d,%d,%d", &p, &sc, &bits) >= 2) {
        c->kind = C_DECIMAL;
        c->scale = sc;
        c->width = bits / 8;
        return bits == 128 || bits == 256 ? FDATA_OK : FDATA_EUNSUPPORTED;
    }
    if (sscanf(f, "w:%d", &c->width) == 1) {
        c->kind = strcmp(ext, "arrow.uuid") == 0 && c->width == 16 ? C_UUID : C_FIXED;
        return FDATA_OK;
    }
    return FDATA_EUNSUPPORTED;
}

static void printer_free(struct col_printer *c) {
    for (int64_t i = 0; i < c->n_children; i++) {
        printer_free(&c->children[i]);
        if (c->keys)
            free(c->keys[i]);
    }
    free(c->children);
    free(c->keys);
}

static void put_json_string(struct fdata_strbuf *t, const uint8_t *s, size_t n);

/* Whether `name` is among names[0..n) or, when `s`, any child's name of s. */
static int name_taken(char **names, int64_t n, const struct ArrowSchema *s, const char *name) {
    for (int64_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    for (int64_t i = 0; s && i < s->n_children; i++)
        if (s->children[i]->name && strcmp(s->children[i]->name, name) == 0)
            return 1;
    return 0;
}

/* keys[i]: child i's name as a JSON object key with its colon.  A JSON object must not
 * repeat a key, but Arrow (and Parquet) fields may share a name: a repeated name becomes
 * name_1, name_2... (the first not taken), as DuckDB names such columns, so no value is
 * lost (pyarrow's to_pylist keeps only the last). */
static int make_json_keys(const struct ArrowSchema *s, char **keys) {
    char **names = calloc((size_t)s->n_children + 1, sizeof *names);
    int status = names ? FDATA_OK : FDATA_ENOMEM;
    for (int64_t i = 0; i < s->n_children && status == FDATA_OK; i++) {
        const char *name = s->children[i]->name ? s->children[i]->name : "";
        size_t cap = strlen(name) + 24;
        names[i] = malloc(cap);
        if (!names[i]) {
            status = FDATA_ENOMEM;
            break;
        }
        snprintf(names[i], cap, "%s", name);
        for (long k = 1; name_taken(names, i, NULL, names[i]); k++) {
            snprintf(names[i], cap, "%s_%ld", name, k);
            while (name_taken(names, i, s, names[i]))
                snprintf(names[i], cap, "%s_%ld", name, ++k);
        }
        struct fdata_strbuf key = {0};
        put_json_string(&key, (const uint8_t *)names[i], strlen(names[i]));
        fdata_sb_put(&key, ":", 2); /* the colon and the terminating NUL */
        keys[i] = key.buf;
        if (key.oom)
            status = FDATA_ENOMEM;
    }
    for (int64_t i = 0; names && i < s->n_children; i++)
        free(names[i]);
    free(names);
    return status;
}

/* Struct, list, large list, map (printed as a list of its key/value entries), null. */
static int parse_nested(const struct ArrowSchema *s, struct col_printer *c) {
    const char *f = s->format;
    c->kind = strcmp(f, "n") == 0 ? C_NULL : strcmp(f, "+s") == 0 ? C_STRUCT :
              strcmp(f, "+l") == 0 ? C_LIST : strcmp(f, "+L") == 0 ? C_LARGE_LIST :
              strcmp(f, "+m") == 0 ? C_MAP : -1;
    if (c->kind < 0 || (c->kind != C_NULL && c->kind != C_STRUCT && s->n_children != 1))
        return FDATA_EUNSUPPORTED;
    if (c->kind == C_NULL)
        return FDATA_OK;
    c->n_children = s->n_children;
    c->children = calloc((size_t)s->n_children + 1, sizeof *c->children);
    c->keys = calloc((size_t)s->n_children + 1, sizeof *c->keys);
    if (!c->children || !c->keys)
        return FDATA_ENOMEM;
    FDATA_RETURN_IF(make_json_keys(s, c->keys));
    for (int64_t i = 0; i < s->n_children; i++)
        FDATA_RETURN_IF(parse_column(s->children[i], &c->children[i]));
    return FDATA_OK;
}

/* ---- value formatting ---- */

static void put_shortest(struct fdata_strbuf *t, double v, int is_float, int json) {
    char buf[40];
    if (isnan(v) || isinf(v)) {
        const char *s = isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
        if (json)
            fdata_sb_putc(t, '"');
        fdata_sb_puts(t, s);
        if (json)
            fdata_sb_putc(t, '"');
        return;
    }
    /* The fewest significant digits that read back to the same value. */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            break;
    }
    fdata_sb_puts(t, buf);
    if (!strpbrk(buf, ".e"))
        fdata_sb_puts(t, ".0"); /* a float always shows it is one */
}

static float half_to_float(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

/* Two's complement little-endian integer of `width` bytes -> decimal text with `scale`. */
static void put_decimal(struct fdata_strbuf *t, const uint8_t *le, int width, int scale) {
    uint32_t limbs[8];
    int n = width / 4;
    memcpy(limbs, le, (size_t)width);
    int neg = (le[width - 1] & 0x80) != 0;
    if (neg) { /* negate: invert and add one */
        uint64_t carry = 1;
        for (int i = 0; i < n; i++) {
            uint64_t v = (uint64_t)(uint32_t)~limbs[i] + carry;
            limbs[i] = (uint32_t)v;
            carry = v >> 32;
        }
    }
    char digits[90];
    int nd = 0;
    for (;;) { /* repeated division by 10^9 */
        uint64_t rem = 0;
        int nonzero = 0;
        for (int i = n - 1; i >= 0; i--) {
            uint64_t cur = (rem << 32) | limbs[i];
            limbs[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
            nonzero |= limbs[i] != 0;
        }
        for (int k = 0; k < 9; k++, rem /= 10)
            digits[nd++] = (char)('0' + rem % 10);
        if (!nonzero)
            break;
    }
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    while (nd < scale + 1)
        digits[nd++] = '0';
    if (neg)
        fdata_sb_putc(t, '-');
    for (int i = nd - 1; i >= 0; i--) {
        fdata_sb_putc(t, digits[i]);
        if (i == scale && scale > 0)
            fdata_sb_putc(t, '.');
    }
}

static void put_base64(struct fdata_strbuf *t, const uint8_t *p, size_t n) {
    fdata_sb_reserve(t, 4 * ((n + 2) / 3) + 1);
    if (t->oom)
        return;
    /* EVP_EncodeBlock takes an int length; encode in slices of whole 3-byte groups. */
    while (n > 0) {
        size_t chunk = n > 3u << 28 ? 3u << 28 : n;
        int w = EVP_EncodeBlock((unsigned char *)t->buf + t->len, p, (int)chunk);
        t->len += (size_t)w;
        p += chunk;
        n -= chunk;
    }
}

static void put_uuid(struct fdata_strbuf *t, const uint8_t *p) {
    char buf[40];
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            buf[k++] = '-';
        k += snprintf(buf + k, sizeof buf - (size_t)k, "%02x", p[i]);
    }
    fdata_sb_put(t, buf, (size_t)k);
}

size_t fdata_utf8_seq(const uint8_t *s, size_t n) {
    int len = fdata_utf8_sequence(s, n);
    return len > 0 ? (size_t)len : 0;
}

/* How many of the bytes from s[0] are ASCII, looked at as one block (32 bytes with SSE2,
 * else 16; the caller has at least 32 left): the block's size when all are, `block`. */
static size_t ascii_run(const uint8_t *s, size_t *block) {
#if defined(__SSE2__)
    __m128i a = _mm_loadu_si128((const __m128i *)s), b = _mm_loadu_si128((const __m128i *)(s + 16));
    uint32_t mask = (uint32_t)_mm_movemask_epi8(a) | (uint32_t)_mm_movemask_epi8(b) << 16;
    *block = 32;
    return mask ? (size_t)__builtin_ctz(mask) : 32;
#else
    const uint64_t high = 0x8080808080808080ull;
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + 8, 8);
    *block = 16;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return a & high ? (size_t)__builtin_clzll(a & high) / 8
           : b & high ? 8 + (size_t)__builtin_clzll(b & high) / 8 : 16;
#else
    return a & high ? (size_t)__builtin_ctzll(a & high) / 8
           : b & high ? 8 + (size_t)__builtin_ctzll(b & high) / 8 : 16;
#endif
#endif
}

size_t fdata_utf8_valid_prefix(const uint8_t *s, size_t n) {
    size_t i = 0, block;
    while (i < n) {
        if (n - i >= 32) { /* a block of ASCII at a time (most text, all of most columns), or
                              straight to the first byte that is not */
            size_t run = ascii_run(s + i, &block);
            i += run;
            if (run == block)
                continue;
        } else if (s[i] < 0x80) {
            i++;
            continue;
        }
        int len = fdata_utf8_sequence(s + i, n - i);
        if (len <= 0)
            return i;
        i += (size_t)len;
    }
    return n;
}

int fdata_utf8_valid(const uint8_t *s, size_t n) { return fdata_utf8_valid_prefix(s, n) == n; }

/* A JSON string (RFC 8259); invalid UTF-8 bytes become U+FFFD so the output stays valid. */
static void put_json_string(struct fdata_strbuf *t, const uint8_t *s, size_t n) {
    fdata_sb_putc(t, '"');
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            fdata_sb_putc(t, '\\');
            fdata_sb_putc(t, (char)c);
            i++;
        } else if (c < 0x20) {
            char buf[8];
            const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" :
                              c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            if (!esc) {
                snprintf(buf, sizeof buf, "\\u%04x", c);
                esc = buf;
            }
            fdata_sb_puts(t, esc);
            i++;
        } else {
            size_t len = fdata_utf8_seq(s + i, n - i);
            if (len == 0) {
                fdata_sb_puts(t, "\xef\xbf\xbd");
                i++;
            } else {
                fdata_sb_put(t, (const char *)s + i, len);
                i += len;
            }
        }
    }
    fdata_sb_putc(t, '"');
}

static void put_csv_field(struct fdata_strbuf *t, const char *s, size_t n) {
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
        fdata_sb_put(t, s, n);
        return;
    }
    fdata_sb_putc(t, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fdata_sb_putc(t, '"');
        fdata_sb_putc(t, s[i]);
    }
    fdata_sb_putc(t, '"');
}

static int64_t load_int(const uint8_t *p, int width) {
    switch (width) {
    case 1: return (int8_t)p[0];
    case 2: { int16_t v; memcpy(&v, p, 2); return v; }
    case 4: { int32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
    }
}

static uint64_t load_uint(const uint8_t *p, int width) {
    switch (width) {
    case 1: return p[0];
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void put_value(struct fdata_strbuf *t, const struct col_printer *c, const struct ArrowArray *a,
                      int64_t i, int json);

static int is_valid(const struct ArrowArray *a, int64_t i) {
    const uint8_t *bits = a->n_buffers > 0 ? a->buffers[0] : NULL;
    int64_t idx = i + a->offset;
    return !bits || a->null_count == 0 || ((bits[idx >> 3] >> (idx & 7)) & 1);
}

/* A JSON value, or null. */
static void put_item(struct fdata_strbuf *t, const struct col_printer *c, const struct ArrowArray *a,
                     int64_t i) {
    if (c->kind != C_NULL && is_valid(a, i))
        put_value(t, c, a, i, 1);
    else
        fdata_sb_puts(t, "null");
}

static void put_struct_fields(struct fdata_strbuf *t, const struct col_printer *c,
                              const struct ArrowArray *a, int64_t idx) {
    fdata_sb_putc(t, '{');
    for (int64_t f = 0; f < c->n_children; f++) {
        if (f)
            fdata_sb_putc(t, ',');
        fdata_sb_puts(t, c->keys[f]);
        put_item(t, &c->children[f], a->children[f], idx);
    }
    fdata_sb_putc(t, '}');
}

/* Struct as an object, list as an array, map as an array of {"key","value"} objects;
 * `idx` already includes the array's offset (children apply their own). */
static void put_nested(struct fdata_strbuf *t, const struct col_printer *c, const struct ArrowArray *a,
                       int64_t idx) {
    if (c->kind == C_STRUCT) {
        put_struct_fields(t, c, a, idx);
        return;
    }
    int64_t start, end;
    if (c->kind == C_LARGE_LIST) {
        const int64_t *off = a->buffers[1];
        start = off[idx];
        end = off[idx + 1];
    } else {
        const int32_t *off = a->buffers[1];
        start = off[idx];
        end = off[idx + 1];
    }
    const struct col_printer *elem = &c->children[0];
    const struct ArrowArray *child = a->children[0];
    fdata_sb_putc(t, '[');
    for (int64_t j = start; j < end; j++) {
        if (j > start)
            fdata_sb_putc(t, ',');
        if (c->kind == C_MAP) /* entries: a struct of key and value */
            put_struct_fields(t, elem, child, j + child->offset);
        else
            put_item(t, elem, child, j);
    }
    fdata_sb_putc(t, ']');
}

/* Value `idx` of a string_view or binary_view array: inline in its 16-byte view when it has
 * at most 12 bytes, else in the data buffer the view names. */
static void view_value(const struct ArrowArray *a, int64_t idx, const uint8_t **s, size_t *n) {
    const uint8_t *v = (const uint8_t *)a->buffers[1] + (size_t)idx * 16;
    int32_t len, buffer, offset;
    memcpy(&len, v, 4);
    memcpy(&buffer, v + 8, 4);
    memcpy(&offset, v + 12, 4);
    *n = (size_t)len;
    *s = len <= 12 ? v + 4 : (const uint8_t *)a->buffers[2 + buffer] + offset;
}

/* Formats value `i` of `a` into t.  Text values are quoted for JSON only when `json`. */
static void put_value(struct fdata_strbuf *t, const struct col_printer *c, const struct ArrowArray *a,
                      int64_t i, int json) {
    int64_t idx = i + a->offset;
    const uint8_t *values = a->n_buffers > 1 ? a->buffers[1] : NULL;
    if (c->index_width) { /* the value the index picks from the dictionary */
        struct col_printer value = *c;
        value.index_width = 0;
        put_value(t, &value, a->dictionary,
                  load_int(values + (size_t)idx * (size_t)c->index_width, c->index_width), json);
        return;
    }
    const uint8_t *p = c->width && values ? values + (size_t)idx * (size_t)c->width : NULL;
    char buf[64];
    switch (c->kind) {
    case C_BOOL:
        fdata_sb_puts(t, (values[idx >> 3] >> (idx & 7)) & 1 ? "true" : "false");
        return;
    case C_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)load_int(p, c->width));
        fdata_sb_puts(t, buf);
        return;
    case C_UINT:
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)load_uint(p, c->width));
        fdata_sb_puts(t, buf);
        return;
    case C_F16:
        put_shortest(t, half_to_float((uint16_t)load_uint(p, 2)), 1, json);
        return;
    case C_F32: {
        float f;
        memcpy(&f, p, 4);
        put_shortest(t, f, 1, json);
        return;
    }
    case C_F64: {
        double d;
        memcpy(&d, p, 8);
        put_shortest(t, d, 0, json);
        return;
    }
    case C_NULL:
        fdata_sb_puts(t, "null");
        return;
    case C_STRUCT: case C_LIST: case C_LARGE_LIST: case C_MAP:
        if (json) {
            put_nested(t, c, a, idx);
        } else { /* CSV: the JSON text of the value, as one field */
            struct fdata_strbuf tmp = {0};
            put_nested(&tmp, c, a, idx);
            put_csv_field(t, tmp.buf ? tmp.buf : "", tmp.len);
            t->oom |= tmp.oom;
            free(tmp.buf);
        }
        return;
    default:
        break;
    }
    struct fdata_strbuf tmp = {0};
    struct fdata_strbuf *o = json ? t : &tmp; /* CSV text values are quoted afterwards if needed */
    if (json && c->kind != C_UTF8 && c->kind != C_INTERVAL)
        fdata_sb_putc(t, '"');
    switch (c->kind) {
    case C_DECIMAL: put_decimal(o, p, c->width, c->scale); break;
    case C_DATE: fdata_format_date(buf, sizeof buf, load_int(p, 4)); fdata_sb_puts(o, buf); break;
    case C_TIME: fdata_format_time(buf, sizeof buf, load_int(p, c->width), c->unit_digits); fdata_sb_puts(o, buf); break;
    case C_TIMESTAMP:
        fdata_format_timestamp(buf, sizeof buf, load_int(p, 8), c->unit_digits, c->utc);
        fdata_sb_puts(o, buf);
        break;
    case C_INTERVAL: {
        int64_t ns;
        memcpy(&ns, p + 8, 8);
        snprintf(buf, sizeof buf, "{\"months\":%d,\"days\":%d,\"millis\":%lld}",
                 (int32_t)load_int(p, 4), (int32_t)load_int(p + 4, 4), (long long)(ns / 1000000));
        fdata_sb_puts(o, buf);
        break;
    }
    case C_UTF8: case C_BINARY: {
        const uint8_t *s;
        size_t n;
        if (c->view)
            view_value(a, idx, &s, &n);
        else {
            const int32_t *off = a->buffers[1];
            s = (const uint8_t *)a->buffers[2] + off[idx];
            n = (size_t)(off[idx + 1] - off[idx]);
        }
        if (c->kind == C_BINARY)
            put_base64(o, s, n);
        else if (json)
            put_json_string(o, s, n);
        else
            fdata_sb_put(o, (const char *)s, n);
        break;
    }
    case C_FIXED: put_base64(o, p, (size_t)c->width); break;
    case C_UUID: put_uuid(o, p); break;
    default: break;
    }
    if (json && c->kind != C_UTF8 && c->kind != C_INTERVAL)
        fdata_sb_putc(t, '"');
    if (!json) {
        put_csv_field(t, tmp.buf ? tmp.buf : "", tmp.len);
        t->oom |= tmp.oom;
        free(tmp.buf);
    }
}

static int flush(struct fdata_strbuf *t, FILE *out, struct fdata_error *err) {
    if (t->oom)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory while formatting rows");
    if (t->len && fwrite(t->buf, 1, t->len, out) != t->len)
        return fdata_set_error(err, FDATA_EIO, "write error: %s", strerror(errno));
    t->len = 0;
    return FDATA_OK;
}

int fdata_arrow_write_header(const struct ArrowSchema *schema, enum fdata_text_format format,
                             FILE *out, struct fdata_error *err) {
    if (format != FDATA_TEXT_CSV)
        return FDATA_OK;
    struct fdata_strbuf t = {0};
    for (int64_t c = 0; c < schema->n_children; c++) {
        if (c)
            fdata_sb_putc(&t, ',');
        const char *name = schema->children[c]->name;
        put_csv_field(&t, name, strlen(name));
    }
    fdata_sb_putc(&t, '\n');
    int status = flush(&t, out, err);
    free(t.buf);
    return status;
}

int fdata_arrow_write_batch(const struct ArrowSchema *schema, const struct ArrowArray *batch,
                            int64_t max_rows, enum fdata_text_format format, FILE *out,
                            struct fdata_error *err) {
    int64_t ncol = schema->n_children;
    struct col_printer *cols = calloc((size_t)(ncol ? ncol : 1), sizeof *cols);
    char **keys = calloc((size_t)(ncol ? ncol : 1), sizeof *keys);
    struct fdata_strbuf t = {0};
    int json = format == FDATA_TEXT_JSONL;
    int status = cols && keys ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int64_t c = 0; c < ncol && status == FDATA_OK; c++) {
        if (parse_column(schema->children[c], &cols[c]) != FDATA_OK)
            status = fdata_set_error(err, FDATA_EUNSUPPORTED,
                                     "column '%s': cannot print Arrow type '%s'",
                                     schema->children[c]->name, schema->children[c]->format);
    }
    if (status == FDATA_OK && make_json_keys(schema, keys) != FDATA_OK)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int64_t rows = batch->length < max_rows ? batch->length : max_rows;
    int64_t first = batch->offset; /* a sliced batch: its rows start at `offset` */
    for (int64_t r = 0; r < rows && status == FDATA_OK; r++) {
        if (json)
            fdata_sb_putc(&t, '{');
        for (int64_t c = 0; c < ncol; c++) {
            const struct ArrowArray *a = batch->children[c];
            if (c)
                fdata_sb_putc(&t, ',');
            if (json)
                fdata_sb_puts(&t, keys[c]);
            if (is_valid(a, first + r))
                put_value(&t, &cols[c], a, first + r, json);
            else if (json)
                fdata_sb_puts(&t, "null");
        }
        fdata_sb_puts(&t, json ? "}\n" : "\n");
        if (t.len > (1u << 20) || t.oom)
            status = flush(&t, out, err);
    }
    if (status == FDATA_OK)
        status = flush(&t, out, err);
    for (int64_t c = 0; keys && c < ncol; c++) {
        free(keys[c]);
        if (cols)
            printer_free(&cols[c]);
    }
    free(keys);
    free(cols);
    free(t.buf);
    return status;
}
