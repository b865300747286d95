/* The RLE / bit-packing hybrid (levels, dictionary indices, RLE booleans) and the legacy
 * BIT_PACKED level encoding.  Spec: Parquet Encodings.md. */
#include <pthread.h>
#include <stdatomic.h>
#include "../common/common.h"
#include "encoding.h"

static const char *read_uleb32(const uint8_t **p, const uint8_t *end, uint32_t *v) {
    uint32_t r = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= end)
            return "truncated run header";
        uint8_t b = *(*p)++;
        if (shift == 28 && (b & 0x70))
            return "run header larger than 32 bits";
        r |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return NULL;
        }
    }
    return "run header longer than 5 bytes";
}

/* One run of the hybrid: `count` values, either bit-packed at `packed` or all `value`. */
struct hybrid_run {
    int packed_run;
    size_t count;
    const uint8_t *packed;
    size_t packed_bytes;
    uint32_t value;
};

/* Reads the next run from *p, clamped to the `left` values still wanted.  Bit-packed runs
 * cut short at the end of the data keep the values whose bits are all there. */
static const char *next_run(const uint8_t **p, const uint8_t *end, int bit_width, size_t done,
                            size_t left, struct hybrid_run *run) {
    uint32_t header;
    const char *why = read_uleb32(p, end, &header);
    if (why)
        return done ? "RLE data ends before the last value" : why;
    run->packed_run = header & 1;
    if (run->packed_run) {
        size_t groups = header >> 1, bytes = groups * (size_t)bit_width;
        if (bytes > (size_t)(end - *p))
            bytes = (size_t)(end - *p);
        size_t count = bit_width ? bytes * 8 / (size_t)bit_width : groups * 8;
        count = count < groups * 8 ? count : groups * 8;
        run->count = count < left ? count : left;
        if (run->count == 0 && groups)
            return "bit-packed run beyond the end of the data";
        run->packed = *p;
        run->packed_bytes = bytes;
        *p += bytes;
        return NULL;
    }
    size_t value_bytes = ((size_t)bit_width + 7) / 8;
    if (value_bytes > (size_t)(end - *p))
        return "truncated RLE run value";
    run->value = 0;
    for (size_t k = 0; k < value_bytes; k++)
        run->value |= (uint32_t)(*p)[k] << (8 * k);
    *p += value_bytes;
    if (bit_width < 32 && (run->value >> bit_width))
        return "RLE run value wider than the bit width";
    run->count = (header >> 1) < left ? (header >> 1) : left;
    return NULL;
}

/* Groups of 8 values of a bit width known at compile time: the shifts and offsets become
 * constants (a load, a shift and a mask per value).  Stops while 8 bytes past the group's
 * last value are still inside the data; returns the values done. */
static inline size_t unpack32_groups(const uint8_t *data, size_t len, const int bw,
                                     uint32_t *out, size_t n) {
    const uint64_t mask = bw == 32 ? 0xffffffffu : ((1u << bw) - 1);
    size_t g = 0;
    for (; (g + 1) * 8 <= n && g * (size_t)bw + (size_t)bw + 8 <= len; g++) {
        const uint8_t *src = data + g * (size_t)bw;
        for (int j = 0; j < 8; j++)
            out[g * 8 + (size_t)j] = (uint32_t)((fdata_load_u64le(src + j * bw / 8) >> (j * bw % 8)) & mask);
    }
    return g * 8;
}

#define UNPACK_CASE(w) case w: return unpack32_groups(data, len, w, out, n);

/* Whole groups of 8 at the bit widths dictionary indices and levels mostly have (1-20). */
static size_t unpack32_scalar(const uint8_t *data, size_t len, int bw, uint32_t *out, size_t n) {
    switch (bw) {
    UNPACK_CASE(1) UNPACK_CASE(2) UNPACK_CASE(3) UNPACK_CASE(4) UNPACK_CASE(5) UNPACK_CASE(6)
    UNPACK_CASE(7) UNPACK_CASE(8) UNPACK_CASE(9) UNPACK_CASE(10) UNPACK_CASE(11)
    UNPACK_CASE(12) UNPACK_CASE(13) UNPACK_CASE(14) UNPACK_CASE(15) UNPACK_CASE(16)
    UNPACK_CASE(17) UNPACK_CASE(18) UNPACK_CASE(19) UNPACK_CASE(20)
    default: return 0;
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define UNPACK_AVX2_MAX 24 /* a value's bits plus its shift (< 8) fit in one 32-bit lane */

/* Per bit width, which 4 bytes each of a group's 8 values starts in (values 0-3 within the
 * group's first 16 bytes, 4-7 within the 16 bytes bw/2 further) and its bit shift there. */
static struct unpack_lanes {
    uint8_t shuffle[32];
    uint32_t shifts[8];
} unpack_lanes[UNPACK_AVX2_MAX + 1];
static pthread_once_t unpack_lanes_once = PTHREAD_ONCE_INIT;

static void unpack_lanes_init(void) {
    for (int bw = 1; bw <= UNPACK_AVX2_MAX; bw++)
        for (int j = 0; j < 8; j++) {
            size_t bit = (size_t)j * (size_t)bw - (j < 4 ? 0 : 8 * (size_t)(bw / 2));
            for (int b = 0; b < 4; b++)
                unpack_lanes[bw].shuffle[(j / 4) * 16 + (j % 4) * 4 + b] = (uint8_t)((bit >> 3) + (size_t)b);
            unpack_lanes[bw].shifts[j] = (uint32_t)(bit & 7);
        }
}

/* Groups of 8 values of width bw <= UNPACK_AVX2_MAX with AVX2: two 16-byte loads, one
 * shuffle putting each value's 4 bytes in its lane, a shift by each lane's bit offset and a
 * mask, for 8 values (the scalar groups take a load, a shift and a mask per value).  Stops
 * while both loads stay inside the data; returns the values done. */
__attribute__((target("avx2"))) static size_t unpack32_avx2(const uint8_t *data, size_t len,
                                                            int bw, uint32_t *out, size_t n) {
    pthread_once(&unpack_lanes_once, unpack_lanes_init);
    size_t half = (size_t)bw / 2;
    const __m256i shuf = _mm256_loadu_si256((const __m256i *)unpack_lanes[bw].shuffle);
    const __m256i shift = _mm256_loadu_si256((const __m256i *)unpack_lanes[bw].shifts);
    const __m256i mask = _mm256_set1_epi32((int)((1u << bw) - 1));
    /* group g's loads end at g * bw + half + 16: the groups within the data, and within n */
    size_t groups = len >= half + 16 ? (len - half - 16) / (size_t)bw + 1 : 0;
    groups = groups < n / 8 ? groups : n / 8;
    const uint8_t *src = data;
    for (size_t g = 0; g < groups; g++, src += bw) {
        __m256i v = _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)src));
        v = _mm256_inserti128_si256(v, _mm_loadu_si128((const __m128i *)(src + half)), 1);
        v = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(v, shuf), shift), mask);
        _mm256_storeu_si256((__m256i *)(out + g * 8), v);
    }
    return groups * 8;
}

static int have_avx2(void) { return __builtin_cpu_supports("avx2"); }
#else
#define UNPACK_AVX2_MAX 0
static size_t unpack32_avx2(const uint8_t *data, size_t len, int bw, uint32_t *out, size_t n) {
    (void)data, (void)len, (void)bw, (void)out, (void)n;
    return 0;
}
static int have_avx2(void) { return 0; }
#endif

/* Below this many values the scalar groups win (no vector set-up). */
#define UNPACK_AVX2_MIN 32

static atomic_int unpack_simd = 1;

void pq_unpack_simd_set(int on) { atomic_store_explicit(&unpack_simd, on != 0, memory_order_relaxed); }

static int unpack_simd_on(void) {
    return atomic_load_explicit(&unpack_simd, memory_order_relaxed) && have_avx2();
}

void pq_unpack32(const uint8_t *data, size_t len, int bit_width, uint32_t *out, size_t n) {
    if (bit_width == 0) {
        memset(out, 0, n * sizeof *out);
        return;
    }
    uint64_t mask = bit_width == 32 ? 0xffffffffu : ((1u << bit_width) - 1);
    size_t i = bit_width <= UNPACK_AVX2_MAX && n >= UNPACK_AVX2_MIN && unpack_simd_on()
                   ? unpack32_avx2(data, len, bit_width, out, n)
                   : unpack32_scalar(data, len, bit_width, out, n);
    /* Fast path: a 64-bit load covers any value of <= 32 bits at any bit offset. */
    for (; i < n; i++) {
        size_t bit = i * (size_t)bit_width;
        size_t byte = bit >> 3;
        if (byte + 8 > len)
            break;
        out[i] = (uint32_t)((fdata_load_u64le(data + byte) >> (bit & 7)) & mask);
    }
    for (; i < n; i++) {
        size_t bit = i * (size_t)bit_width;
        size_t byte = bit >> 3;
        uint8_t tail[8] = {0};
        if (byte < len)
            memcpy(tail, data + byte, len - byte < 8 ? len - byte : 8);
        out[i] = (uint32_t)((fdata_load_u64le(tail) >> (bit & 7)) & mask);
    }
}

void pq_unpack64(const uint8_t *data, size_t len, int bit_width, uint64_t *out, size_t n) {
    if (bit_width == 0) {
        memset(out, 0, n * sizeof *out);
        return;
    }
    uint64_t mask = bit_width == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bit_width) - 1);
    for (size_t i = 0; i < n; i++) {
        size_t bit = i * (size_t)bit_width;
        size_t byte = bit >> 3;
        unsigned shift = bit & 7;
        uint64_t lo = 0, hi = 0;
        for (size_t k = 0; k < 8 && byte + k < len; k++)
            lo |= (uint64_t)data[byte + k] << (8 * k);
        if (shift && byte + 8 < len)
            hi = data[byte + 8];
        uint64_t v = lo >> shift;
        if (shift)
            v |= hi << (64 - shift);
        out[i] = v & mask;
    }
}

const char *pq_rle_decode(const uint8_t *data, size_t len, int bit_width, uint32_t *out,
                          size_t n) {
    if (bit_width < 0 || bit_width > 32)
        return "bit width above 32";
    const uint8_t *p = data, *end = data + len;
    for (size_t done = 0; done < n;) {
        struct hybrid_run run;
        const char *why = next_run(&p, end, bit_width, done, n - done, &run);
        if (why)
            return why;
        if (run.packed_run)
            /* the data past the run pads the unpacker's 8-byte loads (values stay in the run) */
            pq_unpack32(run.packed, (size_t)(end - run.packed), bit_width, out + done, run.count);
        else
            for (size_t k = 0; k < run.count; k++)
                out[done + k] = run.value;
        done += run.count;
    }
    return NULL;
}

/* Dictionary gather: indices are unpacked a block at a time into a buffer that stays in L1,
 * checked against the dictionary (one max per block, no per-value branch), then replaced by
 * the entries they pick; RLE runs check their one index and fill. */
#define GATHER_BLOCK 256

struct gather_spec {
    const uint8_t *dict;
    size_t count;
    int width;          /* bytes per entry */
    int widen;          /* entries are int64, stored as 16-byte two's complement */
};

static size_t out_width(const struct gather_spec *g) { return g->widen ? 16 : (size_t)g->width; }

/* The entry as it is stored (16 bytes when widened). */
static void entry_out(const struct gather_spec *g, uint32_t i, uint8_t *out) {
    if (g->widen) {
        int64_t v;
        memcpy(&v, g->dict + (size_t)i * 8, 8);
        int64_t words[2] = {v, v < 0 ? -1 : 0};
        memcpy(out, words, 16);
    } else {
        memcpy(out, g->dict + (size_t)i * (size_t)g->width, (size_t)g->width);
    }
}

/* `count` copies of entry i (already checked) from out on. */
static void gather_fill(const struct gather_spec *g, uint32_t i, uint8_t *out, size_t count) {
    uint8_t e[16];
    size_t w = out_width(g);
    entry_out(g, i, e);
    if (w == 4) {
        uint32_t v;
        memcpy(&v, e, 4);
        for (size_t k = 0; k < count; k++)
            memcpy(out + k * 4, &v, 4);
    } else if (w == 8) {
        uint64_t v;
        memcpy(&v, e, 8);
        for (size_t k = 0; k < count; k++)
            memcpy(out + k * 8, &v, 8);
    } else {
        for (size_t k = 0; k < count; k++)
            memcpy(out + k * w, e, w);
    }
}

/* The entries of m checked indices from value `from` on, one loop per width (no call per
 * value). */
static void gather_scalar(const struct gather_spec *g, const uint32_t *idx, size_t from,
                          size_t m, uint8_t *out) {
    const uint8_t *d = g->dict;
    if (g->widen) {
        for (size_t i = from; i < m; i++) {
            int64_t v;
            memcpy(&v, d + (size_t)idx[i] * 8, 8);
            int64_t words[2] = {v, v < 0 ? -1 : 0};
            memcpy(out + i * 16, words, 16);
        }
    } else if (g->width == 4) {
        for (size_t i = from; i < m; i++)
            memcpy(out + i * 4, d + (size_t)idx[i] * 4, 4);
    } else if (g->width == 8) {
        for (size_t i = from; i < m; i++)
            memcpy(out + i * 8, d + (size_t)idx[i] * 8, 8);
    } else if (g->width == 16) {
        for (size_t i = from; i < m; i++)
            memcpy(out + i * 16, d + (size_t)idx[i] * 16, 16);
    } else {
        size_t w = (size_t)g->width;
        for (size_t i = from; i < m; i++)
            memcpy(out + i * w, d + (size_t)idx[i] * w, w);
    }
}

static uint32_t max_scalar(const uint32_t *idx, size_t m) {
    uint32_t max = 0;
    for (size_t i = 0; i < m; i++) /* a reduction the compiler vectorizes */
        max = idx[i] > max ? idx[i] : max;
    return max;
}

#if UNPACK_AVX2_MAX > 0
__attribute__((target("avx2"))) static uint32_t max_avx2(const uint32_t *idx, size_t m) {
    __m256i acc = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 8 <= m; i += 8)
        acc = _mm256_max_epu32(acc, _mm256_loadu_si256((const __m256i *)(idx + i)));
    __m128i h = _mm_max_epu32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0xb1));
    uint32_t max = (uint32_t)_mm_cvtsi128_si32(h), rest = max_scalar(idx + i, m - i);
    return rest > max ? rest : max;
}

/* AVX2 gathers (8 entries of 4 bytes or 4 of 8 per instruction; widened entries get their
 * sign words from one compare); the indices were checked, and a dictionary's entries number
 * fewer than 2^31 (its page is at most 1 GiB), so the signed 32-bit lanes hold them.
 * Returns the values done. */
__attribute__((target("avx2"))) static size_t gather_avx2(const struct gather_spec *g,
                                                          const uint32_t *idx, size_t m,
                                                          uint8_t *out) {
    size_t i = 0;
    if (g->width == 4 && !g->widen) {
        for (; i + 8 <= m; i += 8) {
            __m256i vi = _mm256_loadu_si256((const __m256i *)(idx + i));
            __m256i v = _mm256_i32gather_epi32((const int *)g->dict, vi, 4);
            _mm256_storeu_si256((__m256i *)(out + i * 4), v);
        }
    } else if (g->width == 8) {
        const __m256i zero = _mm256_setzero_si256();
        for (; i + 4 <= m; i += 4) {
            __m128i vi = _mm_loadu_si128((const __m128i *)(idx + i));
            __m256i v = _mm256_i32gather_epi64((const long long *)g->dict, vi, 8);
            if (!g->widen) {
                _mm256_storeu_si256((__m256i *)(out + i * 8), v);
                continue;
            }
            __m256i sign = _mm256_cmpgt_epi64(zero, v);
            __m256i lo = _mm256_unpacklo_epi64(v, sign), hi = _mm256_unpackhi_epi64(v, sign);
            _mm256_storeu_si256((__m256i *)(out + i * 16), _mm256_permute2x128_si256(lo, hi, 0x20));
            _mm256_storeu_si256((__m256i *)(out + i * 16 + 32), _mm256_permute2x128_si256(lo, hi, 0x31));
        }
    }
    return i;
}
#else
static uint32_t max_avx2(const uint32_t *idx, size_t m) { return max_scalar(idx, m); }
static size_t gather_avx2(const struct gather_spec *g, const uint32_t *idx, size_t m,
                          uint8_t *out) {
    (void)g, (void)idx, (void)m, (void)out;
    return 0;
}
#endif

/* One bit-packed run's `count` indices -> entries at out, a block at a time. */
static const char *gather_packed(const struct gather_spec *g, const uint8_t *packed,
                                 const uint8_t *end, int bw, size_t count, uint8_t *out,
                                 uint32_t *bad) {
    uint32_t idx[GATHER_BLOCK];
    int simd = unpack_simd_on();
    size_t w = out_width(g);
    for (size_t off = 0; off < count; off += GATHER_BLOCK) {
        size_t m = count - off < GATHER_BLOCK ? count - off : GATHER_BLOCK;
        const uint8_t *src = packed + off / 8 * (size_t)bw; /* off is a multiple of 8 */
        pq_unpack32(src, (size_t)(end - src), bw, idx, m);
        uint32_t max = simd ? max_avx2(idx, m) : max_scalar(idx, m);
        if (max >= g->count) {
            *bad = max;
            return "dictionary index out of range";
        }
        size_t done = simd ? gather_avx2(g, idx, m, out + off * w) : 0;
        gather_scalar(g, idx, done, m, out + off * w);
    }
    return NULL;
}

const char *pq_rle_gather(const uint8_t *data, size_t len, int bit_width, const uint8_t *dict,
                          size_t count, int width, int widen, uint8_t *out, size_t n,
                          uint32_t *bad) {
    if (bit_width < 0 || bit_width > 32)
        return "bit width above 32";
    const struct gather_spec g = {.dict = dict, .count = count, .width = width, .widen = widen};
    size_t w = out_width(&g);
    const uint8_t *p = data, *end = data + len;
    for (size_t done = 0; done < n;) {
        struct hybrid_run run;
        const char *why = next_run(&p, end, bit_width, done, n - done, &run);
        if (why)
            return why;
        if (run.packed_run) {
            why = gather_packed(&g, run.packed, end, bit_width, run.count, out + done * w, bad);
            if (why)
                return why;
        } else if (run.value >= count) {
            *bad = run.value;
            return "dictionary index out of range";
        } else {
            gather_fill(&g, run.value, out + done * w, run.count);
        }
        done += run.count;
    }
    return NULL;
}

const char *pq_bit_packed_decode(const uint8_t *data, size_t len, int bit_width, uint32_t *out,
                                 size_t n, size_t *consumed) {
    if (bit_width < 0 || bit_width > 32)
        return "bit width above 32";
    size_t bytes = (n * (size_t)bit_width + 7) / 8;
    if (bytes > len)
        return "BIT_PACKED levels beyond the end of the page";
    pq_unpack32(data, bytes, bit_width, out, n);
    *consumed = bytes;
    return NULL;
}

const char *pq_bit_packed_decode_bits(const uint8_t *data, size_t len, uint8_t *bits,
                                      size_t offset, size_t n, size_t *consumed, size_t *ones) {
    if ((n + 7) / 8 > len)
        return "BIT_PACKED levels beyond the end of the page";
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if ((data[i >> 3] >> (i & 7)) & 1) {
            bits[(offset + i) >> 3] |= (uint8_t)(1u << ((offset + i) & 7));
            k++;
        }
    }
    *consumed = (n + 7) / 8;
    *ones = k;
    return NULL;
}

void pq_set_bit_range(uint8_t *bits, size_t start, size_t count) {
    while (count && (start & 7)) {
        bits[start >> 3] |= (uint8_t)(1u << (start & 7));
        start++;
        count--;
    }
    memset(bits + (start >> 3), 0xff, count >> 3);
    start += count & ~(size_t)7;
    for (count &= 7; count; count--, start++)
        bits[start >> 3] |= (uint8_t)(1u << (start & 7));
}

/* ORs `count` LSB-first bits of src into dst from bit `at` on; returns how many were ones. */
static size_t or_bits(const uint8_t *src, size_t count, uint8_t *dst, size_t at) {
    size_t ones = 0, shift = at & 7;
    uint8_t *d = dst + (at >> 3);
    for (size_t i = 0; i < (count + 7) / 8; i++) {
        uint8_t b = src[i];
        if (i == count / 8)
            b &= (uint8_t)((1u << (count & 7)) - 1); /* the last, partial byte */
        ones += (size_t)__builtin_popcount(b);
        d[i] |= (uint8_t)(b << shift);
        if (shift && (b >> (8 - shift)))
            d[i + 1] |= (uint8_t)(b >> (8 - shift));
    }
    return ones;
}

const char *pq_rle_decode_bits(const uint8_t *data, size_t len, uint8_t *bits, size_t offset,
                               size_t n, size_t *ones) {
    const uint8_t *p = data, *end = data + len;
    size_t set = 0;
    for (size_t done = 0; done < n;) {
        struct hybrid_run run;
        const char *why = next_run(&p, end, 1, done, n - done, &run);
        if (why)
            return why;
        if (run.packed_run) {
            set += or_bits(run.packed, run.count, bits, offset + done);
        } else if (run.value) {
            pq_set_bit_range(bits, offset + done, run.count);
            set += run.count;
        }
        done += run.count;
    }
    *ones = set;
    return NULL;
}

/* A bit-packed run of small values into bytes. */
static uint64_t spread_bits[256]; /* byte -> its 8 bits as 8 bytes */

static void init_spread_bits(void) {
    for (int b = 0; b < 256; b++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v |= (uint64_t)((b >> i) & 1) << (8 * i);
        spread_bits[b] = v;
    }
}

static void unpack8(const uint8_t *in, size_t bytes, int bw, uint8_t *out, size_t count) {
    if (bw == 1) {
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, init_spread_bits);
        size_t i = 0;
        for (; i + 8 <= count; i += 8)
            memcpy(out + i, &spread_bits[in[i >> 3]], 8);
        for (; i < count; i++)
            out[i] = (in[i >> 3] >> (i & 7)) & 1;
    } else if (bw == 2) {
        for (size_t i = 0; i < count; i++)
            out[i] = (in[i >> 2] >> (2 * (i & 3))) & 3;
    } else if (bw == 4) {
        for (size_t i = 0; i < count; i++)
            out[i] = (in[i >> 1] >> (4 * (i & 1))) & 15;
    } else {
        uint32_t tmp[64];
        for (size_t i = 0; i < count; i += 64) { /* i is a multiple of 8: byte aligned */
            size_t c = count - i < 64 ? count - i : 64, off = i * (size_t)bw / 8;
            pq_unpack32(in + off, bytes - off, bw, tmp, c);
            for (size_t j = 0; j < c; j++)
                out[i + j] = (uint8_t)tmp[j];
        }
    }
}

const char *pq_rle_decode_levels(const uint8_t *data, size_t len, int bit_width, uint8_t *out,
                                 size_t n, int max_level) {
    if (bit_width < 0 || bit_width > 8)
        return "level bit width above 8";
    const uint8_t *p = data, *end = data + len;
    for (size_t done = 0; done < n;) {
        struct hybrid_run run;
        const char *why = next_run(&p, end, bit_width, done, n - done, &run);
        if (why)
            return why;
        if (run.packed_run) {
            unpack8(run.packed, run.packed_bytes, bit_width, out + done, run.count);
            if (max_level < (1 << bit_width) - 1)
                for (size_t i = 0; i < run.count; i++)
                    if (out[done + i] > max_level)
                        return "level above the maximum";
        } else {
            if (run.value > (uint32_t)max_level)
                return "level above the maximum";
            memset(out + done, (int)run.value, run.count);
        }
        done += run.count;
    }
    return NULL;
}
