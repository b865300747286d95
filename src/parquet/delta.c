/* DELTA_BINARY_PACKED (Encodings.md): a header <block size, miniblocks per block, total
 * count, first value>, then blocks of <min delta, one bit width per miniblock, miniblocks>.
 * Arithmetic wraps modulo 2^64 (then 2^32 for INT32), as the spec allows writers to rely on. */
#include "../common/common.h"
#include "encoding.h"

struct delta_reader {
    const uint8_t *p, *end;
};

static const char *uleb64(struct delta_reader *d, uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (d->p >= d->end)
            return "truncated DELTA_BINARY_PACKED header";
        uint8_t b = *d->p++;
        if (shift == 63 && (b & 0x7e))
            return "DELTA_BINARY_PACKED varint longer than 64 bits";
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return NULL;
        }
    }
    return "DELTA_BINARY_PACKED varint longer than 10 bytes";
}

static uint64_t unzigzag(uint64_t u) { return (u >> 1) ^ (0 - (u & 1)); }

struct delta_header {
    uint64_t block_size, miniblocks, total;
    uint64_t first;
    size_t per_miniblock;
};

static const char *read_header(struct delta_reader *d, struct delta_header *h) {
    const char *why;
    uint64_t zz;
    if ((why = uleb64(d, &h->block_size)) || (why = uleb64(d, &h->miniblocks)) ||
        (why = uleb64(d, &h->total)) || (why = uleb64(d, &zz)))
        return why;
    h->first = unzigzag(zz);
    if (h->block_size == 0 || h->block_size % 128 || h->block_size > (1u << 20))
        return "DELTA_BINARY_PACKED block size is not a multiple of 128 (up to 2^20)";
    if (h->miniblocks == 0 || h->block_size % h->miniblocks ||
        (h->block_size / h->miniblocks) % 32)
        return "DELTA_BINARY_PACKED miniblock count does not divide the block into multiples of 32";
    h->per_miniblock = (size_t)(h->block_size / h->miniblocks);
    return NULL;
}

const char *pq_delta_binary_count(const uint8_t *data, size_t len, uint64_t *count) {
    struct delta_reader d = {data, data + len};
    struct delta_header h;
    const char *why = read_header(&d, &h);
    *count = why ? 0 : h.total;
    return why;
}

static void store(void *out, int width, size_t i, uint64_t v) {
    if (width == 4) {
        uint32_t v32 = (uint32_t)v;
        memcpy((uint8_t *)out + i * 4, &v32, 4);
    } else {
        memcpy((uint8_t *)out + i * 8, &v, 8);
    }
}

/* Decodes one block's miniblocks; values beyond `want` are skipped but their bytes are
 * consumed, so the end of the stream is found. */
static const char *decode_block(struct delta_reader *d, const struct delta_header *h,
                                uint64_t *last, size_t *done, size_t want, uint64_t values_left,
                                void *out, int width) {
    uint64_t zz;
    const char *why = uleb64(d, &zz);
    if (why)
        return why;
    uint64_t min_delta = unzigzag(zz);
    if (h->miniblocks > (uint64_t)(d->end - d->p))
        return "truncated DELTA_BINARY_PACKED bit widths";
    const uint8_t *widths = d->p;
    d->p += h->miniblocks;
    uint64_t deltas[64];
    for (uint64_t m = 0; m < h->miniblocks && values_left > 0; m++) {
        int bw = widths[m];
        if (bw > 64)
            return "DELTA_BINARY_PACKED bit width above 64";
        size_t bytes = h->per_miniblock * (size_t)bw / 8;
        size_t in_mini = values_left < h->per_miniblock ? (size_t)values_left : h->per_miniblock;
        size_t need = (in_mini * (size_t)bw + 7) / 8;
        size_t avail = (size_t)(d->end - d->p);
        if (need > avail)
            return "truncated DELTA_BINARY_PACKED miniblock";
        for (size_t k = 0; k < in_mini; k += 64) {
            size_t chunk = in_mini - k < 64 ? in_mini - k : 64;
            size_t off = k * (size_t)bw / 8; /* k is a multiple of 64: byte aligned */
            pq_unpack64(d->p + off, avail - off, bw, deltas, chunk);
            for (size_t j = 0; j < chunk; j++) {
                *last += min_delta + deltas[j];
                if (*done < want)
                    store(out, width, *done, *last);
                (*done)++;
            }
        }
        values_left -= in_mini;
        d->p += bytes < avail ? bytes : avail; /* the last miniblock may be cut short */
    }
    return NULL;
}

const char *pq_delta_binary_decode(const uint8_t *data, size_t len, size_t n, int width,
                                   void *out, size_t *consumed) {
    struct delta_reader d = {data, data + len};
    struct delta_header h;
    const char *why = read_header(&d, &h);
    if (why)
        return why;
    /* The count must match the page's: a larger one could make us loop over values that
     * cost no bytes (bit width 0) far beyond anything the page can hold. */
    if (h.total != n)
        return h.total < n ? "DELTA_BINARY_PACKED holds fewer values than the page"
                           : "DELTA_BINARY_PACKED holds more values than the page";
    size_t done = 0;
    uint64_t last = h.first;
    if (n > 0) {
        store(out, width, 0, last);
        done = 1;
    }
    while (done < h.total) {
        why = decode_block(&d, &h, &last, &done, n, h.total - done, out, width);
        if (why)
            return why;
    }
    *consumed = (size_t)(d.p - data);
    return NULL;
}

const char *pq_byte_stream_split_decode(const uint8_t *data, size_t len, size_t n, int width,
                                        uint8_t *out) {
    if (width <= 0 || n > len / (size_t)width)
        return "BYTE_STREAM_SPLIT data shorter than its values";
    for (int b = 0; b < width; b++) {
        const uint8_t *stream = data + (size_t)b * n;
        for (size_t i = 0; i < n; i++)
            out[i * (size_t)width + (size_t)b] = stream[i];
    }
    return NULL;
}
