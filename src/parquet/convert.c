/* Physical values whose Arrow layout differs: narrow integers, decimals (from INT32, INT64,
 * FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY big-endian two's complement), INT96 timestamps and
 * INTERVAL.  Decoded densely into scratch, then converted into their rows. */
#include <stdlib.h>
#include "../common/common.h"
#include "metadata.h"
#include "values.h"

#define JULIAN_UNIX_EPOCH 2440588
#define NANOS_PER_DAY 86400000000000LL

/* Big-endian two's complement of `len` bytes -> little-endian `width` bytes. */
static int decimal_from_be(const uint8_t *be, size_t len, uint8_t *out, size_t width) {
    uint8_t sign = len && (be[0] & 0x80) ? 0xff : 0x00;
    if (len > width) {
        for (size_t i = 0; i < len - width; i++)
            if (be[i] != sign)
                return 0;
        if (((be[len - width] & 0x80) ? 0xff : 0x00) != sign)
            return 0;
        be += len - width;
        len = width;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = be[len - 1 - i];
    memset(out + len, sign, width - len);
    return 1;
}

static void decimal_from_int(int64_t v, uint8_t *out, size_t width) {
    memcpy(out, &v, 8);
    memset(out + 8, v < 0 ? 0xff : 0x00, width - 8);
}

struct convert_job {
    struct pq_value_target *t;
    const uint8_t *dense;     /* fixed-width physical values */
    const int32_t *offsets;   /* or BYTE_ARRAY values in scratch->bytes */
    uint8_t *values;
    int width;                /* Arrow bytes per value */
    int phys_width;
};

static int convert_one(struct convert_job *j, size_t r, size_t row) {
    const struct pq_leaf *leaf = j->t->leaf;
    uint8_t *out = j->values + row * (size_t)j->width;
    const uint8_t *in = j->dense ? j->dense + r * (size_t)j->phys_width : NULL;
    int32_t i32;
    int64_t i64;
    switch (leaf->arrow.kind) {
    case K_INT8: case K_UINT8:
        memcpy(&i32, in, 4);
        *out = (uint8_t)i32;
        return FDATA_OK;
    case K_INT16: case K_UINT16: {
        memcpy(&i32, in, 4);
        uint16_t v = (uint16_t)i32;
        memcpy(out, &v, 2);
        return FDATA_OK;
    }
    case K_DECIMAL:
        if (leaf->physical == PQ_INT32) {
            memcpy(&i32, in, 4);
            decimal_from_int(i32, out, (size_t)j->width);
        } else if (leaf->physical == PQ_INT64) {
            memcpy(&i64, in, 8);
            decimal_from_int(i64, out, (size_t)j->width);
        } else {
            const uint8_t *be = in;
            size_t len = (size_t)j->phys_width;
            if (!in) {
                be = j->t->scratch->bytes.data + j->offsets[r];
                len = (size_t)(j->offsets[r + 1] - j->offsets[r]);
            }
            if (!decimal_from_be(be, len, out, (size_t)j->width))
                return fdata_set_error(j->t->err, FDATA_ERANGE,
                                       "decimal of %zu bytes does not fit decimal(%d, %d)", len,
                                       leaf->arrow.precision, leaf->arrow.scale);
        }
        return FDATA_OK;
    case K_INT96: {
        /* 8 bytes of nanoseconds in the day, then 4 bytes of Julian day number; the
         * nanoseconds are floored to the unit (as pyarrow truncates), then the days added. */
        int64_t nanos, v, unit = leaf->arrow.ns_per_unit;
        int32_t julian;
        memcpy(&nanos, in, 8);
        memcpy(&julian, in + 8, 4);
        int64_t in_unit = nanos / unit - (nanos % unit < 0);
        if (__builtin_mul_overflow((int64_t)julian - JULIAN_UNIX_EPOCH, NANOS_PER_DAY / unit, &v) ||
            __builtin_add_overflow(v, in_unit, &v))
            return fdata_set_error(j->t->err, FDATA_ERANGE,
                                   "INT96 timestamp (Julian day %d, %lld ns) in row %zu of the row "
                                   "group is outside the range of %s (--int96-unit)",
                                   julian, (long long)nanos, row, leaf->arrow.display);
        memcpy(out, &v, 8);
        return FDATA_OK;
    }
    case K_INTERVAL: {
        /* Parquet: u32 months, u32 days, u32 millis.  Arrow: i32 months, i32 days, i64 ns. */
        uint32_t months = fdata_load_u32le(in), days = fdata_load_u32le(in + 4);
        int64_t ns = (int64_t)fdata_load_u32le(in + 8) * 1000000;
        if (months > INT32_MAX || days > INT32_MAX)
            return fdata_set_error(j->t->err, FDATA_ERANGE,
                                   "INTERVAL in row %zu of the row group has more than 2^31 months or days", row);
        memcpy(out, &months, 4);
        memcpy(out + 4, &days, 4);
        memcpy(out + 8, &ns, 8);
        return FDATA_OK;
    }
    default:
        return fdata_set_error(j->t->err, FDATA_EUNSUPPORTED, "no conversion for column '%s'",
                               leaf->path);
    }
}

static int decode_dense(struct pq_value_target *t, struct convert_job *job, int encoding,
                        const uint8_t *p, size_t len, size_t k) {
    struct pq_scratch *s = t->scratch;
    if (t->leaf->physical == PQ_BYTE_ARRAY) {
        FDATA_RETURN_IF(pq_scratch_grow((void **)&s->offsets, &s->offsets_cap, k + 1,
                                        sizeof *s->offsets, t->err));
        s->offsets[0] = 0;
        s->bytes.size = 0;
        job->offsets = s->offsets;
        return pq_decode_bytes(t, encoding, p, len, k, &s->bytes, s->offsets);
    }
    size_t bytes = k * (size_t)job->phys_width;
    FDATA_RETURN_IF(pq_scratch_grow((void **)&s->conv, &s->conv_cap, bytes + 1, 1, t->err));
    job->dense = s->conv;
    return pq_decode_fixed(t, encoding, p, len, k, s->conv);
}

int pq_converts_always(const struct pq_leaf *leaf) {
    switch (leaf->arrow.kind) {
    case K_INT8: case K_UINT8: case K_INT16: case K_UINT16:
        return leaf->physical == PQ_INT32;
    case K_DECIMAL:
        return leaf->physical == PQ_INT32 || leaf->physical == PQ_INT64 ||
               (leaf->physical == PQ_FIXED_LEN_BYTE_ARRAY && leaf->type_length <= leaf->arrow.width);
    default:
        return 0;
    }
}

/* k dense physical values of a pq_converts_always leaf -> k Arrow values at out: one loop per
 * type with no per-value branch (decimal128 from INT64 is two stores per value). */
/* Value i of dense INT32 (`int32`) or INT64 physical values, sign-extended. */
static inline int64_t load_int(const uint8_t *in, size_t i, int int32) {
    int32_t i32;
    int64_t i64;
    if (int32) {
        memcpy(&i32, in + i * 4, 4);
        return i32;
    }
    memcpy(&i64, in + i * 8, 8);
    return i64;
}

/* k big-endian FIXED_LEN_BYTE_ARRAY(w) decimals, w <= 16 known at compile time, as 16-byte
 * little-endian two's complement: the 8 (or 16) bytes that end where a value ends, read as
 * big-endian words, shifted left and back (arithmetic) to drop the previous value's bytes and
 * extend the sign: a few instructions per value, no byte loop.  The first values, whose
 * words would start before `in`, are copied into a buffer of their sign first. */
static inline void be_to_decimal128_w(const uint8_t *in, const size_t w, size_t k, uint8_t *out) {
    const size_t reach = w > 8 ? 16 : 8, head = (reach + w - 1) / w - 1;
    for (size_t i = 0; i < k && i < head; i++) {
        const uint8_t *be = in + i * w;
        uint8_t buf[16];
        memset(buf, be[0] & 0x80 ? 0xff : 0x00, 16 - w);
        memcpy(buf + 16 - w, be, w);
        uint64_t words[2] = {__builtin_bswap64(fdata_load_u64le(buf + 8)),
                             __builtin_bswap64(fdata_load_u64le(buf))};
        memcpy(out + i * 16, words, 16);
    }
    for (size_t i = head; i < k; i++) {
        const uint8_t *end = in + (i + 1) * w;
        int64_t lo = (int64_t)__builtin_bswap64(fdata_load_u64le(end - 8)), hi;
        if (w <= 8) {
            const unsigned shift = (unsigned)(64 - 8 * w);
            lo = (int64_t)((uint64_t)lo << shift) >> shift;
            hi = lo >> 63;
        } else {
            const unsigned shift = (unsigned)(128 - 8 * w);
            hi = (int64_t)((uint64_t)__builtin_bswap64(fdata_load_u64le(end - 16)) << shift) >> shift;
        }
        int64_t words[2] = {lo, hi};
        memcpy(out + i * 16, words, 16);
    }
}

#define BE_CASE(w) case w: be_to_decimal128_w(in, w, k, out); return 1;

/* The same for a width only known at run time: 0 when w is not 1..16. */
static int be_to_decimal128(const uint8_t *in, size_t w, size_t k, uint8_t *out) {
    switch (w) {
    BE_CASE(1) BE_CASE(2) BE_CASE(3) BE_CASE(4) BE_CASE(5) BE_CASE(6) BE_CASE(7) BE_CASE(8)
    BE_CASE(9) BE_CASE(10) BE_CASE(11) BE_CASE(12) BE_CASE(13) BE_CASE(14) BE_CASE(15)
    BE_CASE(16)
    default: return 0;
    }
}

static void widen(const struct pq_leaf *leaf, const uint8_t *in, size_t k, uint8_t *out) {
    size_t width = (size_t)leaf->arrow.width;
    int int32 = leaf->physical == PQ_INT32;
    if (leaf->arrow.kind == K_INT8 || leaf->arrow.kind == K_UINT8) {
        for (size_t i = 0; i < k; i++)
            out[i] = in[i * 4]; /* the low byte of the little-endian INT32 */
    } else if (leaf->arrow.kind == K_INT16 || leaf->arrow.kind == K_UINT16) {
        for (size_t i = 0; i < k; i++)
            memcpy(out + i * 2, in + i * 4, 2);
    } else if (leaf->physical == PQ_FIXED_LEN_BYTE_ARRAY) {
        size_t w = (size_t)leaf->type_length;
        if (width != 16 || !be_to_decimal128(in, w, k, out))
            for (size_t i = 0; i < k; i++)
                decimal_from_be(in + i * w, w, out + i * width, width);
    } else if (width == 16) {
        for (size_t i = 0; i < k; i++) {
            int64_t v = load_int(in, i, int32), words[2] = {v, v < 0 ? -1 : 0};
            memcpy(out + i * 16, words, 16);
        }
    } else {
        for (size_t i = 0; i < k; i++)
            decimal_from_int(load_int(in, i, int32), out + i * width, width);
    }
}

/* decimal128 from INT64: its pages widen the int64 dictionary entries as they gather them
 * (a sign extension in registers), with no converted copy of the dictionary to build and to
 * read twice the bytes of. */
static int widens_in_gather(const struct pq_leaf *leaf) {
    return leaf->arrow.kind == K_DECIMAL && leaf->physical == PQ_INT64 && leaf->arrow.width == 16;
}

int pq_dictionary_convert(struct pq_dictionary *dict, const struct pq_leaf *leaf,
                          struct fdata_error *err) {
    if (!pq_converts_always(leaf) || !dict->values || widens_in_gather(leaf))
        return FDATA_OK;
    dict->converted = malloc(dict->count * (size_t)leaf->arrow.width + 1);
    if (!dict->converted)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory for the dictionary");
    widen(leaf, dict->values, dict->count, dict->converted);
    return FDATA_OK;
}

/* A pq_converts_always leaf: its k values widened (or gathered from its converted dictionary)
 * straight into their slots, then spread to their rows. */
static int decode_widened(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                          size_t k, const uint8_t *valid, size_t pos, size_t n, uint8_t *values) {
    int width = t->leaf->arrow.width;
    int phys_width = pq_physical_width(t->leaf->physical, t->leaf->type_length);
    uint8_t *dst = values + pos * (size_t)width;
    int dictionary = encoding == PQ_RLE_DICTIONARY || encoding == PQ_PLAIN_DICTIONARY;
    if (dictionary && t->dict->converted) {
        FDATA_RETURN_IF(pq_gather_dictionary(t, encoding, p, len, k, t->dict->converted, width,
                                             0, dst));
    } else if (dictionary && widens_in_gather(t->leaf)) {
        FDATA_RETURN_IF(pq_gather_dictionary(t, encoding, p, len, k, t->dict->values, 8, 1, dst));
    } else if (encoding == PQ_PLAIN) { /* straight from the page, no copy in scratch */
        if (k > len / (size_t)phys_width)
            return fdata_set_error(t->err, FDATA_ECORRUPT,
                                   "PLAIN values: page shorter than its values");
        widen(t->leaf, p, k, dst);
    } else {
        struct convert_job job = {.t = t, .phys_width = phys_width};
        FDATA_RETURN_IF(decode_dense(t, &job, encoding, p, len, k));
        widen(t->leaf, job.dense, k, dst);
    }
    if (valid)
        pq_spread_fixed(dst, width, valid, pos, n, k);
    return FDATA_OK;
}

int pq_decode_converted(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                        size_t k, const uint8_t *valid, size_t pos, size_t n, uint8_t *values) {
    if (pq_converts_always(t->leaf))
        return decode_widened(t, encoding, p, len, k, valid, pos, n, values);
    struct convert_job job = {
        .t = t, .values = values, .width = t->leaf->arrow.width,
        .phys_width = pq_physical_width(t->leaf->physical, t->leaf->type_length),
    };
    FDATA_RETURN_IF(decode_dense(t, &job, encoding, p, len, k));
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        size_t row = pos + i;
        if (valid && !((valid[row >> 3] >> (row & 7)) & 1))
            memset(values + row * (size_t)job.width, 0, (size_t)job.width);
        else
            FDATA_RETURN_IF(convert_one(&job, r++, row));
    }
    return FDATA_OK;
}
