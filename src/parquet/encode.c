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
