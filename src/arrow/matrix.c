/* Dense float matrices from Arrow columns: the hand-off to ML libraries.  One loop per
 * source type, so that the conversion is a plain strided store the compiler vectorises
 * when the stride is 1. */
#include <math.h>
#include <stdlib.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif
#include "fastdata/arrow.h"
#include "../common/common.h"
#include "../memory/memory.h"

size_t fdata_matrix_element_size(const struct fdata_matrix *m) {
    return m->dtype == FDATA_MATRIX_FLOAT64 ? 8 : 4;
}

int fdata_matrix_alloc(struct fdata_matrix *m, int64_t rows, struct fdata_error *err) {
    m->data = NULL;
    if ((m->dtype != FDATA_MATRIX_FLOAT32 && m->dtype != FDATA_MATRIX_FLOAT64) ||
        (m->order != FDATA_MATRIX_COLUMN_MAJOR && m->order != FDATA_MATRIX_ROW_MAJOR))
        return fdata_set_error(err, FDATA_EINVAL, "matrix: dtype %d or order %d unknown",
                               m->dtype, m->order);
    if (!m->columns || m->num_columns == 0 || rows < 0)
        return fdata_set_error(err, FDATA_EINVAL, "matrix: no columns, or %lld rows",
                               (long long)rows);
    size_t elem = fdata_matrix_element_size(m);
    if ((uint64_t)rows > SIZE_MAX / elem / m->num_columns)
        return fdata_set_error(err, FDATA_ENOMEM, "matrix: %lld x %zu is too large",
                               (long long)rows, m->num_columns);
    m->data = fdata_aligned_alloc((size_t)rows * m->num_columns * elem);
    m->rows = rows;
    if (!m->data)
        return fdata_set_error(err, FDATA_ENOMEM, "matrix: out of memory for %lld x %zu",
                               (long long)rows, m->num_columns);
    fdata_advise_huge(m->data, (size_t)rows * m->num_columns * elem); /* every byte is written */
    return FDATA_OK;
}

void fdata_matrix_free(struct fdata_matrix *m) {
    fdata_aligned_free(m->data);
    m->data = NULL;
}

int fdata_matrix_accepts(const char *format) {
    return format[0] && !format[1] && strchr("bcCsSiIlLfg", format[0]) != NULL;
}

static inline int bit_at(const uint8_t *bits, int64_t i) { return bits[i >> 3] >> (i & 7) & 1; }

/* Stores `count` values VALUE(i) (i = the array's index of element k) at out[k * stride]:
 * converted to DST, NaN where the validity bitmap says null. */
#define PUT_VALUES(DST, VALUE)                                                           \
    do {                                                                                 \
        DST *out = dst;                                                                  \
        if (!valid) {                                                                    \
            for (int64_t k = 0, i = base; k < count; k++, i++)                           \
                out[k * stride] = (DST)(VALUE);                                          \
        } else {                                                                         \
            for (int64_t k = 0, i = base; k < count; k++, i++)                           \
                out[k * stride] = bit_at(valid, i) ? (DST)(VALUE) : (DST)NAN;            \
        }                                                                                \
    } while (0)

#define PUT_TYPED(DST)                                                                   \
    switch (format[0]) {                                                                 \
    case 'c': PUT_VALUES(DST, ((const int8_t *)v)[i]); break;                            \
    case 'C': PUT_VALUES(DST, ((const uint8_t *)v)[i]); break;                           \
    case 's': PUT_VALUES(DST, ((const int16_t *)v)[i]); break;                           \
    case 'S': PUT_VALUES(DST, ((const uint16_t *)v)[i]); break;                          \
    case 'i': PUT_VALUES(DST, ((const int32_t *)v)[i]); break;                           \
    case 'I': PUT_VALUES(DST, ((const uint32_t *)v)[i]); break;                          \
    case 'l': PUT_VALUES(DST, ((const int64_t *)v)[i]); break;                           \
    case 'L': PUT_VALUES(DST, ((const uint64_t *)v)[i]); break;                          \
    case 'f': PUT_VALUES(DST, ((const float *)v)[i]); break;                             \
    case 'g': PUT_VALUES(DST, ((const double *)v)[i]); break;                            \
    default: PUT_VALUES(DST, bit_at(v, i)); break; /* 'b' */                             \
    }

int fdata_matrix_put(struct fdata_matrix *m, size_t col, int64_t row, const char *format,
                     const struct ArrowArray *a, int64_t first, int64_t count) {
    if (!fdata_matrix_accepts(format))
        return FDATA_EUNSUPPORTED;
    size_t elem = fdata_matrix_element_size(m);
    int column_major = m->order == FDATA_MATRIX_COLUMN_MAJOR;
    void *dst = (uint8_t *)m->data +
                (column_major ? col * (size_t)m->rows + (size_t)row
                              : (size_t)row * m->num_columns + col) * elem;
    int64_t stride = column_major ? 1 : (int64_t)m->num_columns;
    int64_t base = a->offset + first;
    const uint8_t *valid = a->null_count != 0 && a->n_buffers > 0 ? a->buffers[0] : NULL;
    const void *v = a->buffers[1];
    if (m->dtype == FDATA_MATRIX_FLOAT64)
        PUT_TYPED(double)
    else
        PUT_TYPED(float)
    return FDATA_OK;
}

/* Whether arrays[c] is a float32 column without nulls (its values can move as a block). */
static int plain_f32(const char *const *formats, const struct ArrowArray *const *arrays, size_t c) {
    return arrays[c] && formats[c][0] == 'f' && arrays[c]->null_count == 0;
}

#if defined(__SSE__)
/* Four float32 columns into four adjacent matrix columns of a row-major float32 matrix:
 * 4x4 blocks transposed in registers, each row's four values stored at once. */
static void put_four_f32(float *out, size_t stride, const struct ArrowArray *const *a,
                         int64_t first, int64_t count) {
    const float *c0 = (const float *)a[0]->buffers[1] + a[0]->offset + first;
    const float *c1 = (const float *)a[1]->buffers[1] + a[1]->offset + first;
    const float *c2 = (const float *)a[2]->buffers[1] + a[2]->offset + first;
    const float *c3 = (const float *)a[3]->buffers[1] + a[3]->offset + first;
    int64_t r = 0;
    for (; r + 4 <= count; r += 4) {
        __m128 x0 = _mm_loadu_ps(c0 + r), x1 = _mm_loadu_ps(c1 + r);
        __m128 x2 = _mm_loadu_ps(c2 + r), x3 = _mm_loadu_ps(c3 + r);
        _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
        float *o = out + (size_t)r * stride;
        _mm_storeu_ps(o, x0);
        _mm_storeu_ps(o + stride, x1);
        _mm_storeu_ps(o + 2 * stride, x2);
        _mm_storeu_ps(o + 3 * stride, x3);
    }
    for (; r < count; r++) {
        float *o = out + (size_t)r * stride;
        o[0] = c0[r], o[1] = c1[r], o[2] = c2[r], o[3] = c3[r];
    }
}
#endif

int fdata_matrix_put_rows(struct fdata_matrix *m, int64_t row, const char *const *formats,
                          const struct ArrowArray *const *arrays, int64_t first, int64_t count) {
    size_t n = m->num_columns, c = 0;
    int blocks = m->order == FDATA_MATRIX_ROW_MAJOR && m->dtype == FDATA_MATRIX_FLOAT32;
    while (c < n) {
#if defined(__SSE__)
        if (blocks && c + 4 <= n && plain_f32(formats, arrays, c) && plain_f32(formats, arrays, c + 1) &&
            plain_f32(formats, arrays, c + 2) && plain_f32(formats, arrays, c + 3)) {
            put_four_f32((float *)m->data + (size_t)row * n + c, n, arrays + c, first, count);
            c += 4;
            continue;
        }
#else
        (void)blocks;
#endif
        if (arrays[c] && fdata_matrix_put(m, c, row, formats[c], arrays[c], first, count) != FDATA_OK)
            return FDATA_EUNSUPPORTED;
        c++;
    }
    return FDATA_OK;
}
