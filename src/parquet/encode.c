/* The writer's encodings (see encode.h). */
#include <stdlib.h>
#include <string.h>
#include "encode.h"

int pq_bit_width(uint32_t max) {
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

static void put_uleb(struct fdata_strbuf *out, uint64_t v) {
    while (v >= 0x80) {
        fdata_sb_putc(out, (char)(v | 0x80));
        v >>= 7;
    }
    fdata_sb_putc(out, (char)v);
}

/* `groups` groups of 8 values, bit-packed LSB first. */
static void put_packed(struct fdata_strbuf *out, const uint32_t *v, size_t groups, int w) {
    put_uleb(out, groups << 1 | 1);
    size_t bytes = groups * (size_t)w; /* 8 values of w bits = w bytes */
    fdata_sb_reserve(out, bytes);
    if (out->oom)
        return;
    uint8_t *p = (uint8_t *)out->buf + out->len;
    memset(p, 0, bytes);
    for (size_t i = 0; i < groups * 8; i++)
        for (int b = 0; b < w; b++)
            if (v[i] >> b & 1) {
                size_t bit = i * (size_t)w + (size_t)b;
                p[bit >> 3] |= (uint8_t)(1u << (bit & 7));
            }
    out->len += bytes;
}

static void put_run(struct fdata_strbuf *out, uint32_t value, size_t count, int w) {
    put_uleb(out, count << 1);
    for (int i = 0; i < (w + 7) / 8; i++)
        fdata_sb_putc(out, (char)(value >> (8 * i)));
}

void pq_rle_encode(struct fdata_strbuf *out, const uint32_t *v, size_t n, int w) {
    size_t i = 0, literal = 0; /* v[literal..i) waits to be bit-packed */
    while (i < n) {
        size_t run = 1;
        while (i + run < n && v[i + run] == v[i])
            run++;
        /* a run long enough, starting where the pending literals fill whole groups */
        if (run >= 8 && (i - literal) % 8 == 0) {
            if (i > literal)
                put_packed(out, v + literal, (i - literal) / 8, w);
            put_run(out, v[i], run, w);
            i += run;
            literal = i;
        } else {
            i++;
        }
    }
    size_t rest = n - literal;
    if (rest == 0)
        return;
    if (rest % 8 == 0) {
        put_packed(out, v + literal, rest / 8, w);
        return;
    }
    uint32_t last[8] = {0}; /* a last partial group, padded with zeros */
    size_t full = rest / 8;
    memcpy(last, v + literal + full * 8, (rest % 8) * sizeof *last);
    if (full)
        put_packed(out, v + literal, full, w);
    put_packed(out, last, 1, w);
}

static uint64_t hash_bytes(const uint8_t *p, uint32_t n) {
    if (n == 4 || n == 8) { /* the common fixed widths: one multiply */
        uint64_t v = 0;
        memcpy(&v, p, n);
        v *= 0x9E3779B97F4A7C15ull;
        return v ^ (v >> 32);
    }
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h ^ (h >> 29);
}

static int grow(struct pq_dict *d) {
    size_t cap = d->capacity ? 2 * d->capacity : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    const uint8_t **values = realloc(d->values, cap / 2 * sizeof *values);
    if (values)
        d->values = values;
    uint32_t *lengths = values ? realloc(d->lengths, cap / 2 * sizeof *lengths) : NULL;
    if (lengths)
        d->lengths = lengths;
    if (!slots || !values || !lengths) {
        free(slots);
        return -1;
    }
    for (size_t k = 0; k < d->count; k++) {
        size_t s = hash_bytes(d->values[k], d->lengths[k]) & (cap - 1);
        while (slots[s])
            s = (s + 1) & (cap - 1);
        slots[s] = (uint32_t)k + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->capacity = cap;
    return 0;
}

static int same_bytes(const uint8_t *a, const uint8_t *b, uint32_t n) {
    if (n == 4) {
        uint32_t x, y;
        memcpy(&x, a, 4), memcpy(&y, b, 4);
        return x == y;
    }
    if (n == 8) {
        uint64_t x, y;
        memcpy(&x, a, 8), memcpy(&y, b, 8);
        return x == y;
    }
    return memcmp(a, b, n) == 0;
}

long pq_dict_add(struct pq_dict *d, const uint8_t *value, uint32_t len) {
    if (d->count + 1 > d->capacity / 2 && grow(d) != 0)
        return -1;
    size_t s = hash_bytes(value, len) & (d->capacity - 1);
    for (uint32_t k; (k = d->slots[s]); s = (s + 1) & (d->capacity - 1))
        if (d->lengths[k - 1] == len && same_bytes(d->values[k - 1], value, len))
            return (long)k - 1;
    size_t plain = d->fixed ? len : 4 + (size_t)len;
    if (d->bytes + plain > d->limit)
        return -1;
    d->values[d->count] = value;
    d->lengths[d->count] = len;
    d->slots[s] = (uint32_t)++d->count;
    d->bytes += plain;
    return (long)d->count - 1;
}

void pq_dict_free(struct pq_dict *d) {
    free(d->values);
    free(d->lengths);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

/* ---- DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT ---- */

static uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

/* `count` values of `width` bits, LSB first. */
static void put_bits(struct fdata_strbuf *out, const uint64_t *v, size_t count, int width) {
    size_t bytes = (count * (size_t)width + 7) / 8, base = out->len;
    fdata_sb_reserve(out, bytes);
    if (out->oom)
        return;
    memset(out->buf + base, 0, bytes);
    uint8_t *p = (uint8_t *)out->buf + base;
    for (size_t i = 0; i < count; i++)
        for (int b = 0; b < width; b++)
            if (v[i] >> b & 1) {
                size_t bit = i * (size_t)width + (size_t)b;
                p[bit >> 3] |= (uint8_t)(1u << (bit & 7));
            }
    out->len += bytes;
}

void pq_delta_encode(struct fdata_strbuf *out, const int64_t *v, size_t n, int bits) {
    enum { BLOCK = 128, MINIBLOCKS = 4, MINI = BLOCK / MINIBLOCKS };
    put_uleb(out, BLOCK);
    put_uleb(out, MINIBLOCKS);
    put_uleb(out, n);
    put_uleb(out, zigzag64(n ? v[0] : 0));
    for (size_t start = 1; start < n; start += BLOCK) {
        size_t count = n - start < BLOCK ? n - start : BLOCK;
        int64_t delta[BLOCK], min = INT64_MAX;
        for (size_t i = 0; i < count; i++) { /* wrapping in the column's width, as the spec says */
            uint64_t d = (uint64_t)v[start + i] - (uint64_t)v[start + i - 1];
            delta[i] = bits == 32 ? (int64_t)(int32_t)(uint32_t)d : (int64_t)d;
            min = delta[i] < min ? delta[i] : min;
        }
        put_uleb(out, zigzag64(min));
        uint64_t packed[BLOCK] = {0};
        int width[MINIBLOCKS] = {0};
        for (size_t i = 0; i < count; i++) {
            packed[i] = (uint64_t)delta[i] - (uint64_t)min;
            if (bits == 32)
                packed[i] &= 0xFFFFFFFFu;
            int w = 64 - (packed[i] ? __builtin_clzll(packed[i]) : 64);
            width[i / MINI] = w > width[i / MINI] ? w : width[i / MINI];
        }
        for (int m = 0; m < MINIBLOCKS; m++)
            fdata_sb_putc(out, (char)width[m]);
        for (size_t m = 0; m * MINI < count; m++) /* whole miniblocks, zero-padded */
            put_bits(out, packed + m * MINI, MINI, width[m]);
    }
}

void pq_delta_length_encode(struct fdata_strbuf *out, const uint8_t *const *ptrs,
                            const uint32_t *lens, size_t n) {
    int64_t *l = calloc(n ? n : 1, sizeof *l);
    if (!l) {
        out->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        l[i] = lens[i];
    pq_delta_encode(out, l, n, 32);
    free(l);
    for (size_t i = 0; i < n; i++)
        fdata_sb_put(out, (const char *)ptrs[i], lens[i]);
}

void pq_delta_byte_array_encode(struct fdata_strbuf *out, const uint8_t *const *ptrs,
                                const uint32_t *lens, size_t n) {
    int64_t *prefix = calloc(n ? n : 1, sizeof *prefix);
    const uint8_t **suffix = malloc((n ? n : 1) * sizeof *suffix);
    uint32_t *suffix_len = malloc((n ? n : 1) * sizeof *suffix_len);
    if (!prefix || !suffix || !suffix_len) {
        free(prefix), free(suffix), free(suffix_len);
        out->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) { /* the bytes shared with the previous value */
        uint32_t p = 0;
        while (i && p < lens[i] && p < lens[i - 1] && ptrs[i][p] == ptrs[i - 1][p])
            p++;
        prefix[i] = p;
        suffix[i] = ptrs[i] + p;
        suffix_len[i] = lens[i] - p;
    }
    pq_delta_encode(out, prefix, n, 32);
    pq_delta_length_encode(out, suffix, suffix_len, n);
    free(prefix), free(suffix), free(suffix_len);
}

void pq_byte_stream_split(struct fdata_strbuf *out, const uint8_t *v, size_t n, int width) {
    size_t base = out->len, total = n * (size_t)width;
    fdata_sb_reserve(out, total);
    if (out->oom)
        return;
    uint8_t *p = (uint8_t *)out->buf + base;
    for (int k = 0; k < width; k++) /* stream k: byte k of every value */
        for (size_t i = 0; i < n; i++)
            p[(size_t)k * n + i] = v[i * (size_t)width + (size_t)k];
    out->len += total;
}
