/* The Parquet writer: batches buffered into row groups; each row group's column chunks
 * encoded in parallel (values gathered in physical form, statistics, dictionary or PLAIN,
 * pages of page_size bytes, compressed); then written in order, and the footer at the end. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "fastdata/parquet_write.h"
#include "../arrow/build.h"
#include "../common/common.h"
#include "arrow_schema.h"
#include "compress.h"
#include "encode.h"
#include "thrift_write.h"
#include "write_schema.h"

#define STAT_MAX 64 /* bytes of a byte-string min/max */

enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_DELTA_BINARY_PACKED = 5, ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
       ENC_DELTA_BYTE_ARRAY = 7, ENC_RLE_DICTIONARY = 8, ENC_BYTE_STREAM_SPLIT = 9 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2, PAGE_DATA_V2 = 3 };

/* One column chunk, encoded. */
/* One page's header or body, kept as it was made until the chunk is written (assembling the
 * chunk in one buffer would copy every page once more). */
struct segment {
    char *data;                  /* malloc'ed, owned */
    size_t size;
};

struct chunk {
    struct segment *segs;        /* page headers and pages, in file order */
    size_t nsegs, cap;
    int64_t size;                /* their bytes */
    int oom;
    int64_t dict_offset;         /* within bytes; -1 without a dictionary page */
    int64_t data_offset;
    int64_t uncompressed, num_values;
    int dictionary;
    int64_t null_count;
    int has_stats;
    uint8_t min[STAT_MAX], max[STAT_MAX];
    size_t min_len, max_len;
    int max_exact, min_exact;
    struct fdata_error err;      /* why encoding failed */
};

/* What the chunk's values look like once gathered: fixed-width physical values, or
 * (pointer, length) byte strings; booleans as one byte each. */
struct gathered {
    int64_t rows, count;         /* level entries (rows when flat), and non-null values */
    uint32_t *defs;              /* definition level per entry, when max_def > 0 */
    uint32_t *reps;              /* repetition level per entry, when max_rep > 0 */
    int64_t cap;                 /* entries allocated (nested columns grow) */
    uint8_t *fixed;              /* count * width bytes */
    int borrowed;                /* fixed points into the caller's Arrow buffer */
    const uint8_t **ptrs;        /* byte arrays */
    uint32_t *lens;
};

struct fdata_parquet_writer {
    struct fdata_parquet_write_options o;
    struct ArrowSchema schema;
    struct wcolumn *cols;
    int ncols;
    fdata_parquet_sink sink;
    void *sink_ctx;
    int64_t offset;              /* bytes written so far */
    struct ArrowArray *pending;  /* batches of the row group being filled */
    size_t npending, cap;
    int64_t pending_rows, total_rows;
    struct tw groups;            /* the footer's row_groups list elements, as they complete */
    int ngroups;
    struct pq_compressor *comp;  /* one per thread */
    uint8_t *distinct;           /* per column: the last sample found it nearly distinct */
    int encoded_groups;          /* row groups encoded so far */
    struct chunk *prev;          /* the last row group encoded, not yet written (ncols chunks) */
    int64_t prev_rows;
    int threads;
    int failed;
};

/* ---- gathering Arrow values ---- */

static int valid(const struct ArrowArray *a, int64_t i) {
    const uint8_t *v = a->n_buffers > 0 ? a->buffers[0] : NULL;
    int64_t j = i + a->offset;
    return !v || (v[j >> 3] >> (j & 7) & 1);
}

static void put_fixed(const struct wcolumn *c, const struct ArrowArray *a, int64_t i, uint8_t *dst) {
    int64_t j = i + a->offset;
    const uint8_t *src = a->buffers[1];
    int32_t v32;
    int64_t v64;
    switch (c->conv) {
    case WC_I8: v32 = ((const int8_t *)src)[j]; memcpy(dst, &v32, 4); break;
    case WC_U8: v32 = ((const uint8_t *)src)[j]; memcpy(dst, &v32, 4); break;
    case WC_I16: v32 = ((const int16_t *)src)[j]; memcpy(dst, &v32, 4); break;
    case WC_U16: v32 = ((const uint16_t *)src)[j]; memcpy(dst, &v32, 4); break;
    case WC_MUL1000_32: memcpy(&v32, src + 4 * j, 4); v32 = (int32_t)((uint32_t)v32 * 1000u); memcpy(dst, &v32, 4); break;
    case WC_MUL1000_64: memcpy(&v64, src + 8 * j, 8); v64 = (int64_t)((uint64_t)v64 * 1000u); memcpy(dst, &v64, 8); break;
    case WC_DEC32: memcpy(dst, src + 16 * j, 4); break; /* low bytes of the little-endian 128 */
    case WC_DEC64: memcpy(dst, src + 16 * j, 8); break;
    case WC_DECFLBA:
        for (int k = 0; k < c->width; k++) /* big-endian, the low `width` bytes */
            dst[k] = src[16 * j + c->width - 1 - k];
        break;
    default: memcpy(dst, src + (size_t)c->src_width * (size_t)j, (size_t)c->width);
    }
}

static void put_bytes(const struct wcolumn *c, const struct ArrowArray *a, int64_t i,
                      const uint8_t **ptr, uint32_t *len) {
    int64_t j = i + a->offset;
    const uint8_t *data = a->buffers[2];
    int64_t start, end;
    if (c->conv == WC_STR32) {
        start = ((const int32_t *)a->buffers[1])[j];
        end = ((const int32_t *)a->buffers[1])[j + 1];
    } else {
        start = ((const int64_t *)a->buffers[1])[j];
        end = ((const int64_t *)a->buffers[1])[j + 1];
    }
    *ptr = data + start;
    *len = (uint32_t)(end - start);
}

/* Value i of leaf array a appended to the gathered values (room made by the caller). */
static void put_value(const struct wcolumn *col, const struct ArrowArray *a, int64_t i,
                      struct gathered *g) {
    if (col->conv == WC_BOOL) {
        const uint8_t *bits = a->buffers[1];
        int64_t j = i + a->offset;
        g->fixed[g->count] = bits[j >> 3] >> (j & 7) & 1;
    } else if (col->physical == 6) {
        put_bytes(col, a, i, &g->ptrs[g->count], &g->lens[g->count]);
    } else {
        put_fixed(col, a, i, g->fixed + (size_t)g->count * (size_t)col->width);
    }
    g->count++;
}

/* Room for one more level entry and value in a nested gather. */
static int grow_entries(const struct wcolumn *col, struct gathered *g) {
    if (g->rows < g->cap)
        return 0;
    int64_t cap = g->cap ? 2 * g->cap : 1024;
    uint32_t *d = realloc(g->defs, (size_t)cap * sizeof *d);
    if (d)
        g->defs = d;
    uint32_t *r = d && col->max_rep ? realloc(g->reps, (size_t)cap * sizeof *r) : g->reps;
    if (r)
        g->reps = r;
    int ok = d && (r || !col->max_rep);
    if (ok && col->physical == 6) {
        const uint8_t **p = realloc(g->ptrs, (size_t)cap * sizeof *p);
        uint32_t *l = p ? realloc(g->lens, (size_t)cap * sizeof *l) : NULL;
        if (p)
            g->ptrs = p;
        if (l)
            g->lens = l;
        ok = p && l;
    } else if (ok) {
        uint8_t *f = realloc(g->fixed, (size_t)cap * (size_t)(col->width ? col->width : 1));
        if (f)
            g->fixed = f;
        ok = f != NULL;
    }
    if (ok)
        g->cap = cap;
    return ok ? 0 : -1;
}

/* One level entry: the leaf's value when def reaches max_def. */
static int emit(const struct wcolumn *col, struct gathered *g, int def, int rep,
                const struct ArrowArray *leaf, int64_t i) {
    if (grow_entries(col, g))
        return FDATA_ENOMEM;
    g->defs[g->rows] = (uint32_t)def;
    if (g->reps)
        g->reps[g->rows] = (uint32_t)rep;
    g->rows++;
    if (leaf)
        put_value(col, leaf, i, g);
    return FDATA_OK;
}

/* Dremel striping of one leaf: element i of array a at node `level` of the leaf's path,
 * with the definition and repetition levels reached so far; `depth_rep` is the repetition
 * level of the innermost list above. */
static int visit(const struct wcolumn *col, int level, const struct ArrowArray *a, int64_t i,
                 int def, int rep, int depth_rep, struct gathered *g) {
    int64_t j = i + a->offset;
    if (col->nullable[level] && a->null_count != 0 && !valid(a, i))
        return emit(col, g, def, rep, NULL, 0);
    int d = def + col->nullable[level];
    if (level == col->depth)
        return emit(col, g, d, rep, a, i);
    char kind = col->kind[level];
    if (kind == 's')
        return visit(col, level + 1, a->children[col->child[level]], j, d, rep, depth_rep, g);
    int64_t start, end;
    if (kind == 'L') {
        start = ((const int64_t *)a->buffers[1])[j];
        end = ((const int64_t *)a->buffers[1])[j + 1];
    } else {
        start = ((const int32_t *)a->buffers[1])[j];
        end = ((const int32_t *)a->buffers[1])[j + 1];
    }
    if (start == end) /* an empty list or map: defined up to here, nothing below */
        return emit(col, g, d, rep, NULL, 0);
    int status = FDATA_OK;
    for (int64_t k = start; status == FDATA_OK && k < end; k++)
        status = visit(col, level + 1, a->children[0], k, d + 1, k == start ? rep : depth_rep + 1,
                       depth_rep + 1, g);
    return status;
}

static int gather_nested(const fdata_parquet_writer *w, const struct wcolumn *col,
                         struct gathered *g, struct fdata_error *err) {
    memset(g, 0, sizeof *g);
    int status = FDATA_OK;
    int64_t records = 0;
    for (size_t b = 0; b < w->npending && status == FDATA_OK; b++) {
        const struct ArrowArray *a = w->pending[b].children[col->top];
        for (int64_t i = 0; i < a->length && status == FDATA_OK; i++, records++)
            status = visit(col, 0, a, i, 0, 0, 0, g);
    }
    if (status == FDATA_OK && !g->defs && grow_entries(col, g)) /* no entries at all */
        status = FDATA_ENOMEM;
    (void)records;
    return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, status, "out of memory");
}

/* Column `c` of the pending batches, in physical form. */
static int gather(const fdata_parquet_writer *w, int c, struct gathered *g, struct fdata_error *err) {
    const struct wcolumn *col = &w->cols[c];
    if (col->depth > 0)
        return gather_nested(w, col, g, err);
    c = col->top;
    int64_t rows = 0;
    for (size_t b = 0; b < w->npending; b++)
        rows += w->pending[b].length;
    memset(g, 0, sizeof *g);
    g->rows = rows;
    size_t n = (size_t)rows + 1;
    g->defs = col->optional ? malloc(n * sizeof *g->defs) : NULL;
    const struct ArrowArray *only = w->npending == 1 ? w->pending[0].children[c] : NULL;
    if (only && only->null_count == 0 && col->conv == WC_COPY && col->physical != 6 &&
        col->width == col->src_width) { /* one batch of plain values: used where they are */
        g->fixed = (uint8_t *)only->buffers[1] + (size_t)only->offset * (size_t)col->width;
        g->borrowed = 1;
        g->count = rows;
        for (int64_t i = 0; g->defs && i < rows; i++)
            g->defs[i] = 1;
        return col->optional && !g->defs ? fdata_set_error(err, FDATA_ENOMEM, "out of memory")
                                         : FDATA_OK;
    }
    if (col->physical == 6) {
        g->ptrs = malloc(n * sizeof *g->ptrs);
        g->lens = malloc(n * sizeof *g->lens);
    } else {
        g->fixed = malloc(n * (size_t)(col->width ? col->width : 1));
    }
    if ((col->optional && !g->defs) || (col->physical == 6 ? !g->ptrs || !g->lens : !g->fixed))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int64_t r = 0;
    for (size_t b = 0; b < w->npending; b++) {
        const struct ArrowArray *a = w->pending[b].children[c];
        if (a->null_count == 0 && col->conv == WC_COPY && col->physical != 6 &&
            col->width == col->src_width) { /* the values as they are: one copy */
            memcpy(g->fixed + (size_t)g->count * (size_t)col->width,
                   (const uint8_t *)a->buffers[1] + (size_t)a->offset * (size_t)col->width,
                   (size_t)a->length * (size_t)col->width);
            for (int64_t i = 0; g->defs && i < a->length; i++)
                g->defs[r + i] = 1;
            g->count += a->length;
            r += a->length;
            continue;
        }
        for (int64_t i = 0; i < a->length; i++, r++) {
            int ok = a->null_count == 0 || valid(a, i);
            if (!ok && !col->optional)
                return fdata_set_error(err, FDATA_EINVAL, "column '%s': a null in a field "
                                       "declared not nullable", col->name);
            if (g->defs)
                g->defs[r] = (uint32_t)ok;
            if (ok)
                put_value(col, a, i, g);
        }
    }
    return FDATA_OK;
}

static void gathered_free(struct gathered *g) {
    free(g->defs);
    free(g->reps);
    if (!g->borrowed)
        free(g->fixed);
    free(g->ptrs);
    free(g->lens);
}

/* Value k as bytes (fixed or byte string). */
static const uint8_t *value_at(const struct wcolumn *c, const struct gathered *g, int64_t k,
                               uint32_t *len) {
    if (c->physical == 6) {
        *len = g->lens[k];
        return g->ptrs[k];
    }
    *len = (uint32_t)(c->width ? c->width : 1);
    return g->fixed + (size_t)k * *len;
}

/* ---- statistics ---- */

/* <0, 0, >0 as a precedes, equals, follows b in the column's sort order. */
static int compare(int sort, const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen) {
    int32_t i32a, i32b;
    int64_t i64a, i64b;
    float fa, fb;
    double da, db;
    switch (sort) {
    case WS_BOOL: return (int)a[0] - (int)b[0];
    case WS_I32: memcpy(&i32a, a, 4); memcpy(&i32b, b, 4); return (i32a > i32b) - (i32a < i32b);
    case WS_U32: memcpy(&i32a, a, 4); memcpy(&i32b, b, 4);
        return ((uint32_t)i32a > (uint32_t)i32b) - ((uint32_t)i32a < (uint32_t)i32b);
    case WS_I64: memcpy(&i64a, a, 8); memcpy(&i64b, b, 8); return (i64a > i64b) - (i64a < i64b);
    case WS_U64: memcpy(&i64a, a, 8); memcpy(&i64b, b, 8);
        return ((uint64_t)i64a > (uint64_t)i64b) - ((uint64_t)i64a < (uint64_t)i64b);
    case WS_FLOAT: memcpy(&fa, a, 4); memcpy(&fb, b, 4); return (fa > fb) - (fa < fb);
    case WS_DOUBLE: memcpy(&da, a, 8); memcpy(&db, b, 8); return (da > db) - (da < db);
    case WS_SIGNED_BYTES: /* two's complement big-endian of equal widths */
        if ((a[0] ^ b[0]) & 0x80)
            return a[0] & 0x80 ? -1 : 1;
        return memcmp(a, b, alen);
    default: {
        int r = memcmp(a, b, alen < blen ? alen : blen);
        return r ? r : (alen > blen) - (alen < blen);
    }
    }
}

static int is_nan(int sort, const uint8_t *v) {
    float f;
    double d;
    if (sort == WS_FLOAT)
        return memcpy(&f, v, 4), isnan(f);
    if (sort == WS_DOUBLE)
        return memcpy(&d, v, 8), isnan(d);
    return 0;
}

/* The spec's zero rule: a min of +0 is written -0, a max of -0 is written +0. */
static void fix_zeros(int sort, uint8_t *min, uint8_t *max) {
    if (sort == WS_FLOAT) {
        float a, b;
        memcpy(&a, min, 4), memcpy(&b, max, 4);
        if (a == 0)
            a = -0.0f;
        if (b == 0)
            b = 0.0f;
        memcpy(min, &a, 4), memcpy(max, &b, 4);
    } else if (sort == WS_DOUBLE) {
        double a, b;
        memcpy(&a, min, 8), memcpy(&b, max, 8);
        if (a == 0)
            a = -0.0;
        if (b == 0)
            b = 0.0;
        memcpy(min, &a, 8), memcpy(max, &b, 8);
    }
}

/* A max byte string cut to STAT_MAX bytes must still be >= every value: the last byte that
 * can be is incremented, the rest dropped; none can when all are 0xFF. */
static int round_up_max(uint8_t *max, size_t *len) {
    for (size_t n = STAT_MAX; n > 0; n--)
        if (max[n - 1] != 0xFF) {
            max[n - 1]++;
            *len = n;
            return 1;
        }
    return 0;
}

/* Min and max of n numbers, NaN skipped: once lo and hi hold a number, a NaN loses every
 * comparison, so the loop is branch-free (and vectorises). */
#define MINMAX(name, T)                                                              \
    static int name(const uint8_t *data, int64_t n, uint8_t *min, uint8_t *max) {    \
        const T *v = (const T *)(const void *)data;                                  \
        int64_t k = 0;                                                               \
        while (k < n && v[k] != v[k]) /* leading NaNs */                             \
            k++;                                                                     \
        if (k == n)                                                                  \
            return 0;                                                                \
        T lo = v[k], hi = v[k], lo8[8], hi8[8];                                      \
        for (int l = 0; l < 8; l++) /* eight lanes: the compiler makes them SIMD */  \
            lo8[l] = hi8[l] = lo;                                                    \
        for (; k + 8 <= n; k += 8)                                                   \
            for (int l = 0; l < 8; l++) {                                            \
                lo8[l] = v[k + l] < lo8[l] ? v[k + l] : lo8[l];                      \
                hi8[l] = v[k + l] > hi8[l] ? v[k + l] : hi8[l];                      \
            }                                                                        \
        for (; k < n; k++) {                                                         \
            lo = v[k] < lo ? v[k] : lo;                                              \
            hi = v[k] > hi ? v[k] : hi;                                              \
        }                                                                            \
        for (int l = 0; l < 8; l++) {                                                \
            lo = lo8[l] < lo ? lo8[l] : lo;                                          \
            hi = hi8[l] > hi ? hi8[l] : hi;                                          \
        }                                                                            \
        memcpy(min, &lo, sizeof lo);                                                 \
        memcpy(max, &hi, sizeof hi);                                                 \
        return 1;                                                                    \
    }
MINMAX(minmax_i32, int32_t)
MINMAX(minmax_u32, uint32_t)
MINMAX(minmax_i64, int64_t)
MINMAX(minmax_u64, uint64_t)
#ifdef __SSE2__
/* SSE's min/max return their second operand when either is NaN: with the running minimum
 * second, NaNs are skipped exactly as the scalar loop skips them. */
static int minmax_f32(const uint8_t *data, int64_t n, uint8_t *min, uint8_t *max) {
    const float *v = (const float *)(const void *)data;
    int64_t k = 0;
    while (k < n && v[k] != v[k])
        k++;
    if (k == n)
        return 0;
    __m128 lo = _mm_set1_ps(v[k]), hi = lo;
    for (; k + 4 <= n; k += 4) {
        __m128 x = _mm_loadu_ps(v + k);
        lo = _mm_min_ps(x, lo);
        hi = _mm_max_ps(x, hi);
    }
    float l[4], h[4];
    _mm_storeu_ps(l, lo);
    _mm_storeu_ps(h, hi);
    for (int i = 1; i < 4; i++) {
        l[0] = l[i] < l[0] ? l[i] : l[0];
        h[0] = h[i] > h[0] ? h[i] : h[0];
    }
    for (; k < n; k++) {
        l[0] = v[k] < l[0] ? v[k] : l[0];
        h[0] = v[k] > h[0] ? v[k] : h[0];
    }
    memcpy(min, &l[0], 4);
    memcpy(max, &h[0], 4);
    return 1;
}

static int minmax_f64(const uint8_t *data, int64_t n, uint8_t *min, uint8_t *max) {
    const double *v = (const double *)(const void *)data;
    int64_t k = 0;
    while (k < n && v[k] != v[k])
        k++;
    if (k == n)
        return 0;
    __m128d lo = _mm_set1_pd(v[k]), hi = lo;
    for (; k + 2 <= n; k += 2) {
        __m128d x = _mm_loadu_pd(v + k);
        lo = _mm_min_pd(x, lo);
        hi = _mm_max_pd(x, hi);
    }
    double l[2], h[2];
    _mm_storeu_pd(l, lo);
    _mm_storeu_pd(h, hi);
    l[0] = l[1] < l[0] ? l[1] : l[0];
    h[0] = h[1] > h[0] ? h[1] : h[0];
    for (; k < n; k++) {
        l[0] = v[k] < l[0] ? v[k] : l[0];
        h[0] = v[k] > h[0] ? v[k] : h[0];
    }
    memcpy(min, &l[0], 8);
    memcpy(max, &h[0], 8);
    return 1;
}
#else
MINMAX(minmax_f32, float)
MINMAX(minmax_f64, double)
#endif

/* Numeric columns: the typed loops above; 0 when the column is not numeric. */
static int numeric_stats(const struct wcolumn *c, const struct gathered *g, struct chunk *ch) {
    int (*fn)(const uint8_t *, int64_t, uint8_t *, uint8_t *) =
        c->sort == WS_I32 ? minmax_i32 : c->sort == WS_U32 ? minmax_u32 :
        c->sort == WS_I64 ? minmax_i64 : c->sort == WS_U64 ? minmax_u64 :
        c->sort == WS_FLOAT ? minmax_f32 : c->sort == WS_DOUBLE ? minmax_f64 : NULL;
    if (!fn)
        return 0;
    if (fn(g->fixed, g->count, ch->min, ch->max)) {
        ch->min_len = ch->max_len = (size_t)c->width;
        ch->has_stats = ch->min_exact = ch->max_exact = 1;
        fix_zeros(c->sort, ch->min, ch->max);
    }
    return 1;
}

static void statistics(const struct wcolumn *c, const struct gathered *g, struct chunk *ch) {
    ch->null_count = g->rows - g->count;
    if (c->sort == WS_NONE || numeric_stats(c, g, ch))
        return;
    const uint8_t *min = NULL, *max = NULL;
    uint32_t min_len = 0, max_len = 0;
    for (int64_t k = 0; k < g->count; k++) {
        uint32_t len;
        const uint8_t *v = value_at(c, g, k, &len);
        if (is_nan(c->sort, v))
            continue;
        if (!min || compare(c->sort, v, len, min, min_len) < 0)
            min = v, min_len = len;
        if (!max || compare(c->sort, v, len, max, max_len) > 0)
            max = v, max_len = len;
    }
    if (!min)
        return;
    ch->min_exact = ch->max_exact = 1;
    ch->min_len = min_len < STAT_MAX ? min_len : STAT_MAX;
    ch->max_len = max_len < STAT_MAX ? max_len : STAT_MAX;
    memcpy(ch->min, min, ch->min_len);
    memcpy(ch->max, max, ch->max_len);
    ch->min_exact = min_len <= STAT_MAX; /* a prefix is still <= the value */
    ch->has_stats = 1;
    if (max_len > STAT_MAX) {
        ch->max_exact = 0;
        ch->has_stats = round_up_max(ch->max, &ch->max_len);
    }
    fix_zeros(c->sort, ch->min, ch->max);
}

/* ---- pages ---- */

/* PLAIN values [from, to) of the gathered chunk. */
static void plain(const struct wcolumn *c, const struct gathered *g, int64_t from, int64_t to,
                  struct fdata_strbuf *out) {
    if (c->conv == WC_BOOL) {
        size_t bytes = (size_t)(to - from + 7) / 8, base = out->len;
        fdata_sb_reserve(out, bytes);
        if (out->oom)
            return;
        memset(out->buf + base, 0, bytes);
        for (int64_t k = from; k < to; k++)
            if (g->fixed[k])
                out->buf[base + (size_t)(k - from) / 8] |= (char)(1 << ((k - from) & 7));
        out->len += bytes;
    } else if (c->physical == 6) {
        for (int64_t k = from; k < to; k++) {
            uint32_t len = g->lens[k];
            fdata_sb_put(out, (const char *)&len, 4);
            fdata_sb_put(out, (const char *)g->ptrs[k], len);
        }
    } else {
        fdata_sb_put(out, (const char *)g->fixed + (size_t)from * (size_t)c->width,
                     (size_t)(to - from) * (size_t)c->width);
    }
}

struct page_job {
    const fdata_parquet_writer *w;
    const struct wcolumn *c;
    const struct gathered *g;
    const uint32_t *indices;     /* dictionary indices per value, or NULL */
    int index_bits;
    struct pq_compressor *comp;
    struct chunk *ch;
    struct fdata_strbuf body, packed;
};

static void page_header(struct tw *t, int type, size_t raw, size_t packed) {
    tw_struct_begin(t);
    tw_field_i32(t, 1, type);
    tw_field_i32(t, 2, (int32_t)raw);
    tw_field_i32(t, 3, (int32_t)packed);
}

/* j->packed gets the first `keep` bytes of j->body as they are (v2 levels) and `raw`
 * bytes at src compressed. */
static int compress_body(struct page_job *j, size_t keep, const uint8_t *src, size_t raw,
                         struct fdata_error *err) {
    size_t out_len;
    j->packed.len = 0;
    fdata_sb_reserve(&j->packed, keep + pq_compress_bound(j->comp->codec, raw));
    if (j->packed.oom || j->body.oom)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (keep)
        memcpy(j->packed.buf, j->body.buf, keep);
    FDATA_RETURN_IF(pq_compress(j->comp, src, raw, (uint8_t *)j->packed.buf + keep, &out_len, err));
    j->packed.len = keep + out_len;
    return FDATA_OK;
}

/* Takes buffer b's bytes into the chunk as a segment (b starts empty again). */
static void take_segment(struct chunk *ch, struct fdata_strbuf *b) {
    if (ch->nsegs == ch->cap) {
        size_t cap = ch->cap ? 2 * ch->cap : 16;
        struct segment *s = realloc(ch->segs, cap * sizeof *s);
        if (!s) {
            ch->oom = 1;
            fdata_sb_free(b);
            return;
        }
        ch->segs = s;
        ch->cap = cap;
    }
    ch->segs[ch->nsegs++] = (struct segment){b->buf, b->len};
    ch->size += (int64_t)b->len;
    ch->oom |= b->oom;
    memset(b, 0, sizeof *b);
}

static void chunk_free(struct chunk *ch) {
    for (size_t i = 0; i < ch->nsegs; i++)
        free(ch->segs[i].data);
    free(ch->segs);
}

/* Appends the page's header (finished in t) and compressed body (raw bytes uncompressed) to
 * the chunk; both buffers move into it. */
static int append_page(struct page_job *j, struct tw *t, size_t raw, struct fdata_error *err) {
    j->ch->uncompressed += (int64_t)(t->out.len + raw);
    take_segment(j->ch, &t->out);
    take_segment(j->ch, &j->packed);
    return j->ch->oom ? fdata_set_error(err, FDATA_ENOMEM, "out of memory") : FDATA_OK;
}

/* Values [v0, v1) in the column's requested encoding, into j->body. */
static void encoded_values(struct page_job *j, int64_t v0, int64_t v1) {
    const struct wcolumn *c = j->c;
    const struct gathered *g = j->g;
    size_t n = (size_t)(v1 - v0);
    if (c->encoding == ENC_BYTE_STREAM_SPLIT) {
        pq_byte_stream_split(&j->body, g->fixed + (size_t)v0 * (size_t)c->width, n, c->width);
    } else if (c->encoding == ENC_DELTA_BINARY_PACKED) {
        int64_t *v = malloc((n ? n : 1) * sizeof *v);
        for (size_t i = 0; v && i < n; i++) {
            int32_t x32;
            if (c->width == 4)
                memcpy(&x32, g->fixed + (size_t)(v0 + (int64_t)i) * 4, 4), v[i] = x32;
            else
                memcpy(&v[i], g->fixed + (size_t)(v0 + (int64_t)i) * 8, 8);
        }
        if (v)
            pq_delta_encode(&j->body, v, n, c->width * 8);
        j->body.oom |= v == NULL;
        free(v);
    } else if (c->encoding == ENC_DELTA_LENGTH_BYTE_ARRAY) {
        pq_delta_length_encode(&j->body, g->ptrs + v0, g->lens + v0, n);
    } else {
        pq_delta_byte_array_encode(&j->body, g->ptrs + v0, g->lens + v0, n);
    }
}

/* The encoded values of rows [r0, r1) (non-null values [v0, v1)) into j->body. */
static void page_values(struct page_job *j, int64_t v0, int64_t v1) {
    if (!j->indices && j->c->encoding > 0 && j->c->encoding != ENC_RLE_DICTIONARY) {
        encoded_values(j, v0, v1);
        return;
    }
    if (!j->indices) {
        plain(j->c, j->g, v0, v1, &j->body);
        return;
    }
    fdata_sb_putc(&j->body, (char)j->index_bits);
    pq_rle_encode(&j->body, j->indices + v0, (size_t)(v1 - v0), j->index_bits);
}

/* Levels n of them, RLE at the width of max; a v1 page prefixes their byte length.  Returns
 * the bytes written without the prefix. */
static size_t put_levels(struct fdata_strbuf *body, const uint32_t *levels, int64_t n, int max,
                         int v2) {
    struct fdata_strbuf l = {0};
    pq_rle_encode(&l, levels, (size_t)n, pq_bit_width((uint32_t)max));
    uint32_t len = (uint32_t)l.len;
    if (!v2)
        fdata_sb_put(body, (const char *)&len, 4);
    fdata_sb_put(body, l.buf, l.len);
    body->oom |= l.oom;
    fdata_sb_free(&l);
    return len;
}

/* One data page of level entries [r0, r1) (whole records) holding values [v0, v1). */
static int data_page(struct page_job *j, int64_t r0, int64_t r1, int64_t v0, int64_t v1,
                     struct fdata_error *err) {
    int v2 = j->w->o.page_version == 2;
    const struct wcolumn *c = j->c;
    j->body.len = 0;
    size_t rep_bytes = 0, keep = 0;
    if (c->max_rep)
        rep_bytes = put_levels(&j->body, j->g->reps + r0, r1 - r0, c->max_rep, v2);
    if (c->max_def)
        keep = put_levels(&j->body, j->g->defs + r0, r1 - r0, c->max_def, v2) + rep_bytes;
    keep = v2 ? keep : 0; /* v2 levels stay out of the compressed part */
    int64_t records = r1 - r0;
    for (int64_t k = r0; j->g->reps && k < r1; k++)
        records -= j->g->reps[k] != 0;
    /* PLAIN fixed-width values without levels before them are compressed where they lie */
    int in_place = !c->max_def && !j->indices && c->width && c->conv != WC_BOOL && c->encoding <= 0;
    size_t raw_len = in_place ? (size_t)(v1 - v0) * (size_t)j->c->width : 0;
    if (!in_place)
        page_values(j, v0, v1);
    const uint8_t *raw = in_place ? j->g->fixed + (size_t)v0 * (size_t)j->c->width
                                  : (const uint8_t *)j->body.buf + keep;
    raw_len = in_place ? raw_len : j->body.len - keep;
    FDATA_RETURN_IF(compress_body(j, keep, raw, raw_len, err)); /* the header needs the size */
    size_t page_raw = in_place ? raw_len : j->body.len;
    struct tw t = {0};
    page_header(&t, v2 ? PAGE_DATA_V2 : PAGE_DATA, page_raw, j->packed.len);
    int encoding = j->indices ? ENC_RLE_DICTIONARY : c->encoding > 0 ? c->encoding : ENC_PLAIN;
    if (v2) {
        tw_field_struct(&t, 8);
        tw_field_i32(&t, 1, (int32_t)(r1 - r0));
        tw_field_i32(&t, 2, (int32_t)((r1 - r0) - (v1 - v0)));
        tw_field_i32(&t, 3, (int32_t)records);
        tw_field_i32(&t, 4, encoding);
        tw_field_i32(&t, 5, (int32_t)(keep - rep_bytes));
        tw_field_i32(&t, 6, (int32_t)rep_bytes);
        tw_field_bool(&t, 7, j->comp->codec != PQ_UNCOMPRESSED);
    } else {
        tw_field_struct(&t, 5);
        tw_field_i32(&t, 1, (int32_t)(r1 - r0));
        tw_field_i32(&t, 2, encoding);
        tw_field_i32(&t, 3, ENC_RLE);
        tw_field_i32(&t, 4, ENC_RLE);
    }
    tw_struct_end(&t);
    tw_struct_end(&t);
    return append_page(j, &t, page_raw, err);
}

/* The dictionary page: the distinct values, PLAIN. */
static int dictionary_page(struct page_job *j, const struct pq_dict *d, struct fdata_error *err) {
    j->body.len = 0;
    for (size_t k = 0; k < d->count; k++) {
        if (j->c->physical == 6)
            fdata_sb_put(&j->body, (const char *)&d->lengths[k], 4);
        fdata_sb_put(&j->body, (const char *)d->values[k], d->lengths[k]);
    }
    FDATA_RETURN_IF(compress_body(j, 0, (const uint8_t *)j->body.buf, j->body.len, err));
    struct tw t = {0};
    page_header(&t, PAGE_DICTIONARY, j->body.len, j->packed.len);
    tw_field_struct(&t, 7);
    tw_field_i32(&t, 1, (int32_t)d->count);
    tw_field_i32(&t, 2, ENC_PLAIN);
    tw_struct_end(&t);
    tw_struct_end(&t);
    return append_page(j, &t, j->body.len, err);
}

/* Whether 1024 values at pseudo-random places of a large chunk are nearly all distinct
 * (random floats, unique ids): then no dictionary is tried, which would hash every value in
 * vain.  Repeats among s samples from d distinct values number about s^2 / 2d: fewer than 24
 * means more distinct values than a dictionary could pay for (about half the values). */
static int looks_distinct(const struct wcolumn *c, const struct gathered *g) {
    enum { SAMPLE = 1024 };
    if (g->count <= 16 * SAMPLE)
        return 0;
    struct pq_dict s = {.limit = SIZE_MAX, .fixed = c->physical != 6};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int k = 0; k < SAMPLE; k++) {
        uint32_t len;
        x = x * 6364136223846793005ull + 1442695040888963407ull; /* not strided: no aliasing */
        const uint8_t *v = value_at(c, g, (int64_t)((x >> 33) % (uint64_t)g->count), &len);
        if (pq_dict_add(&s, v, len) < 0)
            break;
    }
    int distinct = s.count > SAMPLE - 24;
    pq_dict_free(&s);
    return distinct;
}

/* Dictionary indices for every value, when a dictionary pays: at most half as many distinct
 * values as values, within the byte limit.  NULL (and d emptied) otherwise. */
static uint32_t *try_dictionary(const fdata_parquet_writer *w, const struct wcolumn *c,
                                const struct gathered *g, struct pq_dict *d) {
    int forced = c->encoding == ENC_RLE_DICTIONARY;
    if ((!forced && (w->o.dictionary < 0 || c->encoding >= 0)) || c->conv == WC_BOOL || g->count < 2)
        return NULL;
    /* a column found nearly distinct stays so: sampled again every 16th row group only */
    uint8_t *verdict = &w->distinct[c - w->cols];
    if (!forced && *verdict && w->encoded_groups % 16 != 0)
        return NULL;
    if (!forced && (*verdict = (uint8_t)looks_distinct(c, g)))
        return NULL;
    d->limit = w->o.dictionary_limit;
    d->fixed = c->physical != 6;
    uint32_t *idx = malloc((size_t)g->count * sizeof *idx);
    for (int64_t k = 0; idx && k < g->count; k++) {
        uint32_t len;
        const uint8_t *v = value_at(c, g, k, &len);
        long i = pq_dict_add(d, v, len);
        /* give up as soon as the values look mostly distinct, not after hashing them all */
        if (i < 0 || (int64_t)d->count > g->count / 2 || (k >= 8192 && (int64_t)d->count > k / 2)) {
            free(idx);
            idx = NULL;
        } else {
            idx[k] = (uint32_t)i;
        }
    }
    if (!idx)
        pq_dict_free(d);
    return idx;
}

/* Rows per page: about page_size bytes of values. */
static int64_t page_rows(const fdata_parquet_writer *w, const struct wcolumn *c,
                         const struct gathered *g, int dictionary) {
    int64_t bytes = dictionary ? g->count * 2 : c->physical == 6 ? 0 : g->count * (c->width ? c->width : 1) / (c->conv == WC_BOOL ? 8 : 1);
    for (int64_t k = 0; !dictionary && c->physical == 6 && k < g->count; k++)
        bytes += 4 + g->lens[k];
    int64_t pages = bytes / (int64_t)w->o.page_size + 1;
    return (g->rows + pages - 1) / pages;
}

/* Encodes the gathered column into ch: dictionary page (maybe), then data pages. */
static int encode_chunk(struct page_job *j, struct fdata_error *err) {
    const struct gathered *g = j->g;
    struct pq_dict d = {0};
    uint32_t *idx = try_dictionary(j->w, j->c, g, &d);
    int status = FDATA_OK;
    j->ch->dict_offset = -1;
    if (idx) {
        j->ch->dict_offset = j->ch->size;
        j->ch->dictionary = 1;
        j->indices = idx;
        j->index_bits = pq_bit_width(d.count > 1 ? (uint32_t)d.count - 1 : 1);
        status = dictionary_page(j, &d, err);
    }
    j->ch->data_offset = j->ch->size;
    int64_t per_page = page_rows(j->w, j->c, g, idx != NULL), v = 0;
    for (int64_t r = 0; status == FDATA_OK && (r < g->rows || r == 0);) {
        int64_t end = r + per_page < g->rows ? r + per_page : g->rows, v_end = v;
        while (g->reps && end < g->rows && g->reps[end] != 0) /* pages hold whole records */
            end++;
        for (int64_t k = r; k < end; k++)
            v_end += j->c->max_def ? g->defs[k] == (uint32_t)j->c->max_def : 1;
        status = data_page(j, r, end, v, v_end, err);
        v = v_end;
        if (end == g->rows)
            break;
        r = end;
    }
    j->ch->num_values = g->rows;
    free(idx);
    pq_dict_free(&d);
    return status;
}

/* ---- row groups ---- */

struct group_job {
    fdata_parquet_writer *w;
    struct chunk *chunks;        /* the row group being encoded */
    int writing;                 /* task 0 writes the previous row group meanwhile */
    int write_status;
    struct fdata_error write_err;
};

static int write_group(fdata_parquet_writer *w, struct chunk *chunks, int64_t rows,
                       struct fdata_error *err);

static int encode_column(void *ctx, size_t c, int worker) {
    struct group_job *gj = ctx;
    fdata_parquet_writer *w = gj->w;
    if (gj->writing && c-- == 0) /* the sink works while the other threads encode */
        return gj->write_status = write_group(w, w->prev, w->prev_rows, &gj->write_err);
    struct gathered g;
    struct chunk *ch = &gj->chunks[c];
    int status = gather(w, (int)c, &g, &ch->err);
    struct page_job j = {.w = w, .c = &w->cols[c], .g = &g, .comp = &w->comp[worker], .ch = ch};
    if (status == FDATA_OK) {
        if (w->o.statistics >= 0)
            statistics(&w->cols[c], &g, ch);
        status = encode_chunk(&j, &ch->err);
    }
    fdata_sb_free(&j.body);
    fdata_sb_free(&j.packed);
    gathered_free(&g);
    return status;
}

/* The ColumnChunk of the footer, its pages now at file offset `at`. */
static void column_meta(struct tw *t, const struct wcolumn *c, const struct chunk *ch, int64_t at,
                        int codec) {
    tw_list_struct(t);
    tw_field_i64(t, 2, at + ch->size); /* file_offset: the metadata's (none) */
    tw_field_struct(t, 3);
    tw_field_i32(t, 1, c->physical);
    int other = c->encoding > 0 && c->encoding != ENC_RLE_DICTIONARY && !ch->dictionary;
    tw_field_list(t, 2, TW_I32, 2 + (uint32_t)ch->dictionary + (uint32_t)other);
    tw_i32(t, ENC_PLAIN);
    tw_i32(t, ENC_RLE);
    if (ch->dictionary)
        tw_i32(t, ENC_RLE_DICTIONARY);
    if (other)
        tw_i32(t, c->encoding);
    tw_field_list(t, 3, TW_BINARY, (uint32_t)c->path_len);
    for (int k = 0; k < c->path_len; k++)
        tw_string(t, c->path[k]);
    tw_field_i32(t, 4, codec);
    tw_field_i64(t, 5, ch->num_values);
    tw_field_i64(t, 6, ch->uncompressed);
    tw_field_i64(t, 7, ch->size);
    tw_field_i64(t, 9, at + ch->data_offset);
    if (ch->dict_offset >= 0)
        tw_field_i64(t, 11, at + ch->dict_offset);
    tw_field_struct(t, 12);
    tw_field_i64(t, 3, ch->null_count);
    if (ch->has_stats) {
        tw_field_binary(t, 5, ch->max, ch->max_len);
        tw_field_binary(t, 6, ch->min, ch->min_len);
        tw_field_bool(t, 7, ch->max_exact);
        tw_field_bool(t, 8, ch->min_exact);
    }
    tw_struct_end(t);
    tw_struct_end(t);
    tw_struct_end(t);
}

static int sink_write(fdata_parquet_writer *w, const void *data, size_t n, struct fdata_error *err) {
    if (w->sink(w->sink_ctx, data, n) != 0)
        return fdata_set_error(err, FDATA_EIO, "writing %zu bytes at offset %lld failed", n,
                               (long long)w->offset);
    w->offset += (int64_t)n;
    return FDATA_OK;
}

static void chunks_free(struct chunk *chunks, int n) {
    for (int c = 0; chunks && c < n; c++)
        chunk_free(&chunks[c]);
    free(chunks);
}

/* Writes an encoded row group to the sink and records its metadata; frees its chunks. */
static int write_group(fdata_parquet_writer *w, struct chunk *chunks, int64_t rows,
                       struct fdata_error *err) {
    struct tw *t = &w->groups;
    int64_t start = w->offset, total = 0;
    int status = FDATA_OK;
    tw_list_struct(t);
    tw_field_list(t, 1, TW_STRUCT, (uint32_t)w->ncols);
    for (int c = 0; status == FDATA_OK && c < w->ncols; c++) {
        column_meta(t, &w->cols[c], &chunks[c], w->offset, w->o.codec);
        total += chunks[c].uncompressed;
        for (size_t k = 0; status == FDATA_OK && k < chunks[c].nsegs; k++)
            status = sink_write(w, chunks[c].segs[k].data, chunks[c].segs[k].size, err);
    }
    if (status == FDATA_OK) {
        tw_field_i64(t, 2, total);
        tw_field_i64(t, 3, rows);
        tw_field_i64(t, 5, start);
        tw_field_i64(t, 6, w->offset - start);
        tw_field_i16(t, 7, (int16_t)w->ngroups++);
        tw_struct_end(t);
    }
    chunks_free(chunks, w->ncols);
    return status;
}

/* Encodes the pending batches as one row group (its column chunks in parallel) while the
 * previous one is written; the new one waits for the next call, or for close. */
static int flush_group(fdata_parquet_writer *w, struct fdata_error *err) {
    if (w->pending_rows == 0)
        return FDATA_OK;
    struct group_job gj = {w, calloc((size_t)w->ncols, sizeof *gj.chunks), w->prev != NULL, 0, {0}};
    if (!gj.chunks)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int status = fdata_parallel_for(w->o.runtime, (size_t)w->ncols + (size_t)gj.writing, w->threads,
                                    encode_column, &gj);
    w->prev = NULL; /* written, or freed by the writing task */
    if (gj.write_status) {
        status = gj.write_status;
        if (err)
            *err = gj.write_err;
    }
    for (int c = 0; status != FDATA_OK && !gj.write_status && c < w->ncols; c++)
        if (gj.chunks[c].err.code) {
            fdata_set_error(err, status, "%s", gj.chunks[c].err.message);
            break;
        }
    if (status != FDATA_OK) {
        chunks_free(gj.chunks, w->ncols);
        return status;
    }
    w->prev = gj.chunks;
    w->prev_rows = w->pending_rows;
    w->encoded_groups++;
    return FDATA_OK;
}

/* ---- the file ---- */

static int write_footer(fdata_parquet_writer *w, struct fdata_error *err) {
    struct tw t = {0};
    tw_struct_begin(&t);
    tw_field_i32(&t, 1, 2); /* version: 2 for the logical types and v2 pages */
    int elements = 1;
    for (int64_t c = 0; c < w->schema.n_children; c++)
        elements += pq_schema_tree_size(w->schema.children[c]);
    tw_field_list(&t, 2, TW_STRUCT, (uint32_t)elements);
    tw_list_struct(&t);
    tw_field_string(&t, 4, "schema");
    tw_field_i32(&t, 5, (int32_t)w->schema.n_children);
    tw_struct_end(&t);
    elements = 1;
    for (int64_t c = 0; c < w->schema.n_children; c++)
        pq_write_schema_tree(&t, w->schema.children[c], &elements);
    tw_field_i64(&t, 3, w->total_rows);
    tw_field_list(&t, 4, TW_STRUCT, (uint32_t)w->ngroups);
    fdata_sb_put(&t.out, w->groups.out.buf, w->groups.out.len);
    char *arrow = pq_arrow_schema_ipc_base64(&w->schema); /* so Arrow readers get the types */
    if (arrow) {
        tw_field_list(&t, 5, TW_STRUCT, 1);
        tw_list_struct(&t);
        tw_field_string(&t, 1, "ARROW:schema");
        tw_field_string(&t, 2, arrow);
        tw_struct_end(&t);
        free(arrow);
    }
    tw_field_string(&t, 6, "fastdata version " FDATA_VERSION_STRING);
    tw_field_list(&t, 7, TW_STRUCT, (uint32_t)w->ncols); /* column orders: the types' own */
    for (int c = 0; c < w->ncols; c++) {
        tw_list_struct(&t);
        tw_field_struct(&t, 1);
        tw_struct_end(&t);
        tw_struct_end(&t);
    }
    tw_struct_end(&t);
    uint32_t len = (uint32_t)t.out.len;
    fdata_sb_put(&t.out, (const char *)&len, 4);
    fdata_sb_put(&t.out, "PAR1", 4);
    int status = t.out.oom || w->groups.out.oom ? fdata_set_error(err, FDATA_ENOMEM, "out of memory")
                                                 : sink_write(w, t.out.buf, t.out.len, err);
    fdata_sb_free(&t.out);
    return status;
}

void fdata_parquet_writer_free(fdata_parquet_writer *w) {
    if (!w)
        return;
    for (size_t b = 0; b < w->npending; b++)
        if (w->pending[b].release)
            w->pending[b].release(&w->pending[b]);
    free(w->pending);
    for (int t = 0; w->comp && t < w->threads; t++)
        pq_compressor_free(&w->comp[t]);
    free(w->comp);
    chunks_free(w->prev, w->ncols);
    free(w->cols);
    free(w->distinct);
    fdata_sb_free(&w->groups.out);
    if (w->schema.release)
        w->schema.release(&w->schema);
    free(w);
}

/* Whether leaf c is the column `name`: its top-level name when flat, or its dotted path. */
static int leaf_named(const struct wcolumn *c, const char *name) {
    if (c->depth == 0 && strcmp(c->path[0], name) == 0)
        return 1;
    size_t at = 0;
    for (int k = 0; k < c->path_len; k++) {
        size_t n = strlen(c->path[k]);
        if (strncmp(name + at, c->path[k], n) != 0)
            return 0;
        at += n;
        if (k + 1 < c->path_len && name[at++] != '.')
            return 0;
    }
    return name[at] == '\0';
}

static int set_encoding(fdata_parquet_writer *w, const struct fdata_parquet_column_encoding *e,
                        struct fdata_error *err) {
    for (int i = 0; i < w->ncols; i++) {
        struct wcolumn *c = &w->cols[i];
        if (!leaf_named(c, e->column))
            continue;
        int ok = e->encoding == ENC_PLAIN || e->encoding == ENC_RLE_DICTIONARY ||
                 (e->encoding == ENC_DELTA_BINARY_PACKED && (c->physical == 1 || c->physical == 2)) ||
                 (e->encoding == ENC_BYTE_STREAM_SPLIT && c->width > 0 && c->conv != WC_BOOL) ||
                 ((e->encoding == ENC_DELTA_LENGTH_BYTE_ARRAY || e->encoding == ENC_DELTA_BYTE_ARRAY) &&
                  c->physical == 6);
        if (!ok)
            return fdata_set_error(err, FDATA_EINVAL, "column '%s': encoding %d does not fit its "
                                   "type", e->column, e->encoding);
        c->encoding = e->encoding;
        return FDATA_OK;
    }
    return fdata_set_error(err, FDATA_EINVAL, "encoding for column '%s': no such column",
                           e->column);
}

static int check_options(const struct fdata_parquet_write_options *o, struct fdata_error *err) {
    if (!pq_codec_writable(o->codec))
        return fdata_set_error(err, FDATA_EINVAL, "codec %d cannot be written (uncompressed, "
                               "snappy, gzip, brotli, zstd, lz4_raw can)", o->codec);
    if (o->page_version != 1 && o->page_version != 2)
        return fdata_set_error(err, FDATA_EINVAL, "page version %d: 1 or 2", o->page_version);
    if (o->row_group_rows < 1 || o->page_size < 1)
        return fdata_set_error(err, FDATA_EINVAL, "row group rows and page size must be positive");
    return FDATA_OK;
}

int fdata_parquet_writer_new(const struct ArrowSchema *schema,
                             const struct fdata_parquet_write_options *opts,
                             fdata_parquet_sink sink, void *sink_ctx, fdata_parquet_writer **out,
                             struct fdata_error *err) {
    *out = NULL;
    if (strcmp(schema->format, "+s") != 0)
        return fdata_set_error(err, FDATA_EINVAL, "a record batch schema (struct) is needed, "
                               "not '%s'", schema->format);
    fdata_parquet_writer *w = calloc(1, sizeof *w);
    if (!w)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    w->o = opts ? *opts : (struct fdata_parquet_write_options){0};
    w->o.page_version = w->o.page_version ? w->o.page_version : 1;
    w->o.dictionary_limit = w->o.dictionary_limit ? w->o.dictionary_limit : (size_t)1 << 20;
    w->o.row_group_rows = w->o.row_group_rows ? w->o.row_group_rows : (int64_t)1 << 20;
    w->o.page_size = w->o.page_size ? w->o.page_size : (size_t)1 << 20;
    w->sink = sink;
    w->sink_ctx = sink_ctx;
    w->threads = fdata_thread_count(w->o.threads);
    w->comp = calloc((size_t)w->threads, sizeof *w->comp);
    int status = check_options(&w->o, err);
    if (status == FDATA_OK && (!w->comp || fdata_schema_copy(schema, &w->schema) != FDATA_OK))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int t = 0; status == FDATA_OK && t < w->threads; t++)
        w->comp[t] = (struct pq_compressor){.codec = w->o.codec, .level = w->o.level};
    if (status == FDATA_OK) /* the leaves: the column chunks of every row group */
        status = pq_wcolumns_from_schema(&w->schema, &w->cols, &w->ncols, err);
    if (status == FDATA_OK && !(w->distinct = calloc((size_t)w->ncols + 1, 1)))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t e = 0; status == FDATA_OK && e < w->o.num_encodings; e++)
        status = set_encoding(w, &w->o.encodings[e], err);
    if (status == FDATA_OK)
        status = sink_write(w, "PAR1", 4, err);
    if (status != FDATA_OK) {
        fdata_parquet_writer_free(w);
        return status;
    }
    *out = w;
    return FDATA_OK;
}

/* A batch cut into slices (views sharing its buffers); released with the last slice. */
struct shared_batch {
    struct ArrowArray batch;
    atomic_int refs;
};

static void shared_batch_done(void *ctx) {
    struct shared_batch *sb = ctx;
    if (atomic_fetch_sub(&sb->refs, 1) == 1) {
        sb->batch.release(&sb->batch);
        free(sb);
    }
}

/* Rows [at, at + n) of sb's batch as a batch of their own, without copying. */
static int slice_batch(struct shared_batch *sb, int64_t at, int64_t n, struct ArrowArray *out) {
    atomic_fetch_add(&sb->refs, 1);
    if (fdata_arrow_array_view(&sb->batch, shared_batch_done, sb, out) != FDATA_OK) {
        atomic_fetch_sub(&sb->refs, 1);
        return FDATA_ENOMEM;
    }
    out->length = n;
    for (int64_t c = 0; c < out->n_children; c++) { /* columns are read from their own offset */
        out->children[c]->offset += at;
        out->children[c]->length = n;
    }
    return FDATA_OK;
}

static int take_batch(fdata_parquet_writer *w, struct ArrowArray *batch, struct fdata_error *err);

int fdata_parquet_writer_write(fdata_parquet_writer *w, struct ArrowArray *batch,
                               struct fdata_error *err) {
    if (batch->n_children != w->schema.n_children) {
        batch->release(batch);
        return fdata_set_error(err, FDATA_EINVAL, "a batch of %lld columns for a schema of %lld",
                               (long long)batch->n_children, (long long)w->schema.n_children);
    }
    if (batch->length <= w->o.row_group_rows - w->pending_rows)
        return take_batch(w, batch, err);
    /* it overflows the row group: cut at the row group's end, so every group has its rows */
    struct shared_batch *sb = malloc(sizeof *sb);
    if (!sb) {
        batch->release(batch);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    sb->batch = *batch;
    batch->release = NULL;
    atomic_init(&sb->refs, 1); /* ours while slicing */
    int status = FDATA_OK;
    for (int64_t at = 0; status == FDATA_OK && at < sb->batch.length;) {
        int64_t room = w->o.row_group_rows - w->pending_rows;
        int64_t n = sb->batch.length - at < room ? sb->batch.length - at : room;
        struct ArrowArray slice;
        status = slice_batch(sb, at, n, &slice) == FDATA_OK
                     ? take_batch(w, &slice, err)
                     : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        at += n;
    }
    shared_batch_done(sb);
    return status;
}

/* Buffers a batch that fits in the row group under way; encodes the group once full. */
static int take_batch(fdata_parquet_writer *w, struct ArrowArray *batch, struct fdata_error *err) {
    if (w->npending == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        struct ArrowArray *p = realloc(w->pending, cap * sizeof *p);
        if (!p) {
            batch->release(batch);
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        }
        w->pending = p;
        w->cap = cap;
    }
    w->pending[w->npending++] = *batch;
    batch->release = NULL;
    w->pending_rows += w->pending[w->npending - 1].length;
    w->total_rows += w->pending[w->npending - 1].length;
    if (w->pending_rows < w->o.row_group_rows)
        return FDATA_OK;
    int status = flush_group(w, err);
    for (size_t b = 0; b < w->npending; b++)
        w->pending[b].release(&w->pending[b]);
    w->npending = 0;
    w->pending_rows = 0;
    return status;
}

int fdata_parquet_writer_close(fdata_parquet_writer *w, struct fdata_error *err) {
    int status = flush_group(w, err);
    if (status == FDATA_OK && w->prev) { /* the last row group */
        status = write_group(w, w->prev, w->prev_rows, err);
        w->prev = NULL;
    }
    if (status == FDATA_OK)
        status = write_footer(w, err);
    fdata_parquet_writer_free(w);
    return status;
}

static int write_fd(void *ctx, const void *data, size_t size) {
    int fd = *(int *)ctx;
    for (const char *p = data; size > 0;) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

int fdata_parquet_write_stream(struct ArrowArrayStream *in,
                               const struct fdata_parquet_write_options *opts,
                               fdata_parquet_sink sink, void *sink_ctx, struct fdata_error *err) {
    struct ArrowSchema schema;
    fdata_parquet_writer *w = NULL;
    int status = in->get_schema(in, &schema) == 0 ? FDATA_OK
                 : fdata_set_error(err, FDATA_EIO, "reading the input's schema failed");
    if (status == FDATA_OK) {
        status = fdata_parquet_writer_new(&schema, opts, sink, sink_ctx, &w, err);
        schema.release(&schema);
    }
    while (status == FDATA_OK) {
        struct ArrowArray b;
        if (in->get_next(in, &b) != 0) {
            const char *why = in->get_last_error(in);
            status = fdata_set_error(err, FDATA_EIO, "reading the input failed: %s", why ? why : "");
        } else if (!b.release) {
            break;
        } else {
            status = fdata_parquet_writer_write(w, &b, err);
        }
    }
    if (status == FDATA_OK) {
        status = fdata_parquet_writer_close(w, err);
        w = NULL;
    }
    fdata_parquet_writer_free(w);
    in->release(in);
    return status;
}

int fdata_parquet_write_file(struct ArrowArrayStream *in, const char *path,
                             const struct fdata_parquet_write_options *opts,
                             struct fdata_error *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        in->release(in);
        return fdata_set_error(err, FDATA_EIO, "%s: cannot create: %s", path, strerror(errno));
    }
    int status = fdata_parquet_write_stream(in, opts, write_fd, &fd, err);
    if (close(fd) != 0 && status == FDATA_OK)
        status = fdata_set_error(err, FDATA_EIO, "%s: %s", path, strerror(errno));
    if (status != FDATA_OK) {
        unlink(path);
        if (err && !strstr(err->message, path))
            fdata_error_prefix(err, "%s", path);
    }
    return status;
}
