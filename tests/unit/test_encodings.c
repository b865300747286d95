/* Level and value encodings decoded from hand-built bytes (Parquet Encodings.md). */
#include <stdlib.h>
#include "check.h"
#include "parquet/encoding.h"

/* An RLE run of `count` copies of `value` (bit width <= 8 here) */
static size_t put_rle(uint8_t *p, uint32_t count, uint8_t value) {
    size_t n = 0;
    uint32_t h = count << 1;
    while (h >= 0x80) {
        p[n++] = (uint8_t)(h | 0x80);
        h >>= 7;
    }
    p[n++] = (uint8_t)h;
    p[n++] = value;
    return n;
}

static void test_rle_hybrid(void) {
    /* 5 x 3 as RLE, then one bit-packed group of 8 values 0..7 at width 3 */
    uint8_t buf[64];
    size_t n = put_rle(buf, 5, 3);
    buf[n++] = (1 << 1) | 1; /* one group of 8 */
    /* values 0..7 at 3 bits, LSB first: 0b10001000, 0b11000110, 0b11111010 */
    buf[n++] = 0x88;
    buf[n++] = 0xc6;
    buf[n++] = 0xfa;
    uint32_t out[13];
    CHECK(pq_rle_decode(buf, n, 3, out, 13) == NULL);
    for (int i = 0; i < 5; i++)
        CHECK(out[i] == 3);
    for (int i = 0; i < 8; i++)
        CHECK(out[5 + i] == (uint32_t)i);
    /* asking for more values than the data holds is an error */
    CHECK(pq_rle_decode(buf, n, 3, out, 14) != NULL);
    /* a run value wider than the bit width */
    n = put_rle(buf, 4, 9);
    CHECK(pq_rle_decode(buf, n, 3, out, 4) != NULL);
    /* bit width above 32 */
    CHECK(pq_rle_decode(buf, n, 33, out, 4) != NULL);
    /* bit width 0: every value is 0, no value bytes */
    buf[0] = 10 << 1;
    CHECK(pq_rle_decode(buf, 1, 0, out, 10) == NULL && out[9] == 0);
}

/* Every width, SIMD (where the CPU has AVX2) and scalar, each count of values 0..N at the
 * exact data length (so the last groups fall to the tails), against values packed by hand. */
static void test_unpack_all_widths(void) {
    /* values i * 2654435761 masked to each width, packed LSB-first by hand */
    for (int simd = 0; simd <= 1; simd++) {
        pq_unpack_simd_set(simd);
        for (int bw = 1; bw <= 32; bw++) {
            enum { N = 300 };
            uint32_t want[N], got[N + 1];
            uint8_t packed[N * 4 + 8] = {0};
            uint64_t mask = bw == 32 ? 0xffffffffu : ((1u << bw) - 1);
            for (size_t i = 0; i < N; i++) {
                want[i] = (uint32_t)((i * 2654435761u) & mask);
                for (int b = 0; b < bw; b++)
                    if ((want[i] >> b) & 1) {
                        size_t bit = i * (size_t)bw + (size_t)b;
                        packed[bit >> 3] |= (uint8_t)(1u << (bit & 7));
                    }
            }
            for (size_t n = 0; n <= N; n += n < 80 ? 1 : 37) {
                uint8_t *exact = malloc((n * (size_t)bw + 7) / 8 + !n); /* ASan sees overreads */
                memcpy(exact, packed, (n * (size_t)bw + 7) / 8);
                got[n] = 0xdeadbeef;
                pq_unpack32(exact, (n * (size_t)bw + 7) / 8, bw, got, n);
                CHECK(memcmp(want, got, n * sizeof *got) == 0 && got[n] == 0xdeadbeef);
                free(exact);
            }
        }
    }
    pq_unpack_simd_set(1);
}

static void test_bit_packed_levels(void) {
    /* legacy BIT_PACKED levels are read LSB first, as Impala writes them and pyarrow, arrow-rs
     * and DuckDB read them: levels 1,0,1,1,0,0,0,1 = 0b10001101, placed at bit 3 */
    const uint8_t in[] = {0x8d};
    uint8_t bits[3] = {0};
    size_t used, ones;
    CHECK(pq_bit_packed_decode_bits(in, 1, bits, 3, 8, &used, &ones) == NULL);
    CHECK(used == 1 && ones == 4);
    CHECK(bits[0] == (uint8_t)((1 << 3) | (1 << 5) | (1 << 6)) && bits[1] == (1 << 2));
    CHECK(pq_bit_packed_decode_bits(in, 1, bits, 0, 9, &used, &ones) != NULL);
    /* two-bit levels 1,2,3,0 packed LSB first: 0b00111001 */
    const uint8_t two[] = {0x39};
    uint32_t lv[4];
    CHECK(pq_bit_packed_decode(two, 1, 2, lv, 4, &used) == NULL && used == 1);
    CHECK(lv[0] == 1 && lv[1] == 2 && lv[2] == 3 && lv[3] == 0);
}

static void test_levels_to_bitmap(void) {
    /* RLE 11 x 1, bit-packed group 0b01100101, RLE 3 x 0, RLE 20 x 1 -> at bit offset 5 */
    uint8_t buf[16];
    size_t n = put_rle(buf, 11, 1);
    buf[n++] = 0x03;
    buf[n++] = 0x65;
    n += put_rle(buf + n, 3, 0);
    n += put_rle(buf + n, 20, 1);
    uint8_t bits[8] = {0}, want[8] = {0};
    int levels[42], k = 0;
    for (int i = 0; i < 11; i++) levels[k++] = 1;
    for (int i = 0; i < 8; i++) levels[k++] = (0x65 >> i) & 1;
    for (int i = 0; i < 3; i++) levels[k++] = 0;
    for (int i = 0; i < 20; i++) levels[k++] = 1;
    size_t ones_want = 0;
    for (int i = 0; i < 42; i++)
        if (levels[i]) {
            want[(5 + i) / 8] |= (uint8_t)(1u << ((5 + i) % 8));
            ones_want++;
        }
    size_t ones;
    CHECK(pq_rle_decode_bits(buf, n, bits, 5, 42, &ones) == NULL);
    CHECK(ones == ones_want && memcmp(bits, want, sizeof bits) == 0);
    /* a level above 1 is an error; so is running out of data */
    size_t m = put_rle(buf, 4, 2);
    CHECK(pq_rle_decode_bits(buf, m, bits, 0, 4, &ones) != NULL);
    CHECK(pq_rle_decode_bits(buf, n, bits, 0, 43, &ones) != NULL);
}

static void test_delta_binary_packed(void) {
    /* Encodings.md example: 7, 5, 3, 1, 2, 3, 4, 5 with block 128, 4 miniblocks.
     * Deltas -2,-2,-2,1,1,1,1: min delta -2, so packed deltas 0,0,0,3,3,3,3 at 2 bits. */
    uint8_t in[64] = {0x80, 0x01, 0x04, 0x08, 0x0e, /* block 128, 4 mb, 8 values, first 7 */
                      0x03,                          /* min delta -2 (zigzag 3) */
                      2, 0, 0, 0};                   /* bit widths */
    size_t n = 10;
    /* first miniblock: 32 values at 2 bits = 8 bytes: 0,0,0,3,3,3,3 then zeros */
    in[n++] = 0xc0; /* values 0..3: 0,0,0,3 */
    in[n++] = 0xff; /* values 4..7: 3,3,3,3 */
    n += 6;
    int32_t out32[8];
    size_t used;
    CHECK(pq_delta_binary_decode(in, n, 8, 4, out32, &used) == NULL);
    const int32_t want[] = {7, 5, 3, 1, 2, 3, 4, 5};
    CHECK(memcmp(out32, want, sizeof want) == 0);
    CHECK(used == n);
    int64_t out64[8];
    CHECK(pq_delta_binary_decode(in, n, 8, 8, out64, &used) == NULL && out64[7] == 5);
    /* the count must match the page's */
    CHECK(pq_delta_binary_decode(in, n, 7, 4, out32, &used) != NULL);
    CHECK(pq_delta_binary_decode(in, n, 9, 4, out32, &used) != NULL);
    /* truncated miniblock */
    CHECK(pq_delta_binary_decode(in, 11, 8, 4, out32, &used) != NULL);
    /* a block size that is not a multiple of 128 */
    const uint8_t bad[] = {0x40, 0x04, 0x01, 0x00};
    CHECK(pq_delta_binary_decode(bad, sizeof bad, 1, 4, out32, &used) != NULL);
}

static void test_delta_wraps_int32(void) {
    /* INT32 values written with 64-bit deltas (DuckDB): INT32_MIN then INT32_MAX, one value
     * each, delta 2^32 - 1 with bit width 0 -> min delta only */
    uint8_t in[32] = {0x80, 0x01, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f}; /* first = INT32_MIN */
    size_t n = 9;
    /* min delta = 4294967295 zigzag = 8589934590 = 0xfe 0xff 0xff 0xff 0x1f */
    const uint8_t md[] = {0xfe, 0xff, 0xff, 0xff, 0x1f};
    memcpy(in + n, md, sizeof md);
    n += sizeof md;
    in[n++] = 0; /* bit width 0 for the only miniblock */
    int32_t out[2];
    size_t used;
    CHECK(pq_delta_binary_decode(in, n, 2, 4, out, &used) == NULL);
    CHECK(out[0] == INT32_MIN && out[1] == INT32_MAX);
}

static void test_byte_stream_split(void) {
    /* two floats 1.0f (00 00 80 3f) and -2.0f (00 00 00 c0), split into 4 streams */
    const uint8_t in[] = {0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x3f, 0xc0};
    float out[2];
    CHECK(pq_byte_stream_split_decode(in, sizeof in, 2, 4, (uint8_t *)out) == NULL);
    CHECK(out[0] == 1.0f && out[1] == -2.0f);
    CHECK(pq_byte_stream_split_decode(in, sizeof in - 1, 2, 4, (uint8_t *)out) != NULL);
    /* FIXED_LEN_BYTE_ARRAY of width 3, two values "abc" "xyz" */
    const uint8_t flba[] = {'a', 'x', 'b', 'y', 'c', 'z'};
    uint8_t o[6];
    CHECK(pq_byte_stream_split_decode(flba, 6, 2, 3, o) == NULL && memcmp(o, "abcxyz", 6) == 0);
}

int main(void) {
    test_rle_hybrid();
    test_unpack_all_widths();
    test_bit_packed_levels();
    test_levels_to_bitmap();
    test_delta_binary_packed();
    test_delta_wraps_int32();
    test_byte_stream_split();
    return check_result("test_encodings");
}
