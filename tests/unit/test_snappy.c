/* Parquet's SNAPPY codec through the snap crate (src/parquet/snap): blocks laid out by hand
 * from the format's description decode to their bytes; what the writer compresses decodes
 * back to the same bytes, within the bound; a block that lies (its stated length, a
 * truncated literal, a copy reaching before the output's start, a cut length, garbage) is FDATA_ECORRUPT
 * and writes nothing past the buffer given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "parquet/codec.h"
#include "parquet/compress.h"

#define GUARD 16

/* Decompresses block[0..n) into want_len bytes followed by guard bytes; whether the guard
 * is intact is checked here, the status returned. */
static int decode(const uint8_t *block, size_t n, uint8_t *out, size_t want_len) {
    struct pq_codecs codecs = {0};
    struct fdata_error err = {0};
    memset(out + want_len, 0xa5, GUARD);
    int status = pq_decompress(&codecs, PQ_SNAPPY, block, n, out, want_len, &err);
    for (size_t i = 0; i < GUARD; i++)
        CHECK(out[want_len + i] == 0xa5);
    CHECK((status == FDATA_OK) == (err.message[0] == '\0'));
    pq_codecs_free(&codecs);
    return status;
}

static void by_hand(void) {
    /* length 5, a literal of 5 ((5 - 1) << 2) */
    const uint8_t hello[] = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};
    /* length 9, literal "abc", then a copy of 6 bytes from 3 back (1-byte offset form:
     * ((6 - 4) << 2) | 1, offset 3) */
    const uint8_t abc[] = {0x09, 0x08, 'a', 'b', 'c', 0x09, 0x03};
    uint8_t out[64];
    CHECK(decode(hello, sizeof hello, out, 5) == FDATA_OK && memcmp(out, "hello", 5) == 0);
    CHECK(decode(abc, sizeof abc, out, 9) == FDATA_OK && memcmp(out, "abcabcabc", 9) == 0);
}

static void round_trips(void) {
    const size_t sizes[] = {0, 1, 100, 65537, 1 << 20};
    uint8_t *src = malloc(1 << 20), *back = malloc((1 << 20) + GUARD);
    uint32_t x = 12345;
    for (size_t i = 0; i < (size_t)1 << 20; i++) /* half text-like, half noise */
        src[i] = i < (1 << 19) ? (uint8_t)("warehouse rows "[i % 15]) : (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k], bound = pq_compress_bound(PQ_SNAPPY, n), len = 0;
        uint8_t *block = malloc(bound + 1);
        struct pq_compressor c = {.codec = PQ_SNAPPY};
        CHECK(pq_compress(&c, src, n, block, &len, NULL) == FDATA_OK && len <= bound && len > 0);
        CHECK(decode(block, len, back, n) == FDATA_OK && memcmp(back, src, n) == 0);
        pq_compressor_free(&c);
        free(block);
    }
    free(src);
    free(back);
}

static void lies(void) {
    const uint8_t hello[] = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};
    const uint8_t short_literal[] = {0x05, 0x10, 'h', 'e'};
    const uint8_t before_start[] = {0x09, 0x08, 'a', 'b', 'c', 0x09, 0x07}; /* 7 back of 3 */
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t out[64];
    CHECK(decode(hello, sizeof hello, out, 4) == FDATA_ECORRUPT); /* says 5, page says 4 */
    CHECK(decode(hello, sizeof hello, out, 6) == FDATA_ECORRUPT);
    CHECK(decode(short_literal, sizeof short_literal, out, 5) == FDATA_ECORRUPT);
    CHECK(decode(before_start, sizeof before_start, out, 9) == FDATA_ECORRUPT);
    CHECK(decode(garbage, sizeof garbage, out, 8) == FDATA_ECORRUPT);
    const uint8_t cut_length[] = {0x80}; /* a length whose varint goes on past the end */
    CHECK(decode(cut_length, sizeof cut_length, out, 0) == FDATA_ECORRUPT);
}

int main(void) {
    by_hand();
    round_trips();
    lies();
    return check_result("test_snappy");
}
