/* Byte-array encodings, dictionaries and null spreading, through the page value decoders. */
#include <stdlib.h>
#include "arrow/datetime.h"
#include "check.h"
#include "common/common.h"
#include "memory/memory.h"
#include "parquet/metadata.h"
#include "parquet/utf8.h"
#include "parquet/encoding.h"
#include "parquet/values.h"

/* DELTA_BINARY_PACKED encoder for the tests: block 128, 4 miniblocks of 32. */
static size_t put_uleb(uint8_t *p, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}
static uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static size_t encode_dbp(const int32_t *v, size_t count, uint8_t *out) {
    size_t n = put_uleb(out, 128);
    n += put_uleb(out + n, 4);
    n += put_uleb(out + n, count);
    n += put_uleb(out + n, zz(count ? v[0] : 0));
    for (size_t start = 1; start < count; start += 128) {
        size_t m = count - start < 128 ? count - start : 128;
        int64_t min = INT64_MAX, deltas[128];
        for (size_t i = 0; i < m; i++) {
            deltas[i] = (int64_t)v[start + i] - v[start + i - 1];
            min = deltas[i] < min ? deltas[i] : min;
        }
        n += put_uleb(out + n, zz(min));
        uint8_t *widths = out + n;
        memset(widths, 0, 4);
        n += 4;
        for (size_t mb = 0; mb * 32 < m; mb++) {
            uint64_t maxv = 0;
            for (size_t i = mb * 32; i < m && i < mb * 32 + 32; i++)
                maxv |= (uint64_t)(deltas[i] - min);
            int bw = 0;
            while (bw < 64 && (maxv >> bw))
                bw++;
            widths[mb] = (uint8_t)bw;
            memset(out + n, 0, 4 * (size_t)bw);
            for (size_t i = 0; i < 32 && mb * 32 + i < m; i++) {
                uint64_t d = (uint64_t)(deltas[mb * 32 + i] - min);
                for (int b = 0; b < bw; b++)
                    if ((d >> b) & 1) {
                        size_t bit = i * (size_t)bw + (size_t)b;
                        out[n + bit / 8] |= (uint8_t)(1u << (bit % 8));
                    }
            }
            n += 4 * (size_t)bw;
        }
    }
    return n;
}

struct fixture {
    struct pq_leaf leaf;
    struct pq_dictionary dict;
    struct pq_scratch scratch;
    struct fdata_error err;
    struct pq_value_target t;
    struct pq_bytes sink;
    int32_t offsets[16];
};

static void fixture_init(struct fixture *f, int physical, int type_length) {
    memset(f, 0, sizeof *f);
    f->leaf.physical = physical;
    f->leaf.type_length = type_length;
    f->leaf.path = "c";
    f->t = (struct pq_value_target){&f->leaf, &f->dict, &f->scratch, &f->err};
}

static void fixture_free(struct fixture *f) {
    pq_dictionary_free(&f->dict);
    pq_scratch_free(&f->scratch);
    fdata_aligned_free(f->sink.data);
}

static int value_is(struct fixture *f, int i, const char *s) {
    size_t n = (size_t)(f->offsets[i + 1] - f->offsets[i]);
    return n == strlen(s) && memcmp(f->sink.data + f->offsets[i], s, n) == 0;
}

static void test_delta_length_byte_array(void) {
    /* Encodings.md: "Hello", "World", "Foobar", "ABCDEF" */
    struct fixture f;
    fixture_init(&f, PQ_BYTE_ARRAY, 0);
    const int32_t lens[] = {5, 5, 6, 6};
    uint8_t page[256];
    size_t n = encode_dbp(lens, 4, page);
    memcpy(page + n, "HelloWorldFoobarABCDEF", 22);
    CHECK(pq_decode_bytes(&f.t, PQ_DELTA_LENGTH_BYTE_ARRAY, page, n + 22, 4, &f.sink, f.offsets) == 0);
    CHECK(value_is(&f, 0, "Hello") && value_is(&f, 3, "ABCDEF"));
    /* data shorter than the lengths say */
    CHECK(pq_decode_bytes(&f.t, PQ_DELTA_LENGTH_BYTE_ARRAY, page, n + 21, 4, &f.sink, f.offsets) ==
          FDATA_ECORRUPT);
    fixture_free(&f);
}

static void test_delta_byte_array(void) {
    /* Encodings.md: "axis", "axle", "babble", "babyhood": prefixes 0,2,0,3 */
    struct fixture f;
    fixture_init(&f, PQ_BYTE_ARRAY, 0);
    const int32_t prefixes[] = {0, 2, 0, 3}, suffixes[] = {4, 2, 6, 5};
    uint8_t page[256];
    size_t n = encode_dbp(prefixes, 4, page);
    n += encode_dbp(suffixes, 4, page + n);
    memcpy(page + n, "axislebabbleyhood", 17);
    CHECK(pq_decode_bytes(&f.t, PQ_DELTA_BYTE_ARRAY, page, n + 17, 4, &f.sink, f.offsets) == 0);
    CHECK(value_is(&f, 0, "axis") && value_is(&f, 1, "axle") && value_is(&f, 2, "babble") &&
          value_is(&f, 3, "babyhood"));
    /* a prefix longer than the previous value */
    const int32_t bad_prefixes[] = {0, 5, 0, 3};
    n = encode_dbp(bad_prefixes, 4, page);
    n += encode_dbp(suffixes, 4, page + n);
    memcpy(page + n, "axislebabbleyhood", 17);
    f.sink.size = 0;
    f.offsets[0] = 0;
    CHECK(pq_decode_bytes(&f.t, PQ_DELTA_BYTE_ARRAY, page, n + 17, 4, &f.sink, f.offsets) ==
          FDATA_ECORRUPT);
    fixture_free(&f);
}

static void test_plain_bytes_bounds(void) {
    struct fixture f;
    fixture_init(&f, PQ_BYTE_ARRAY, 0);
    const uint8_t page[] = {2, 0, 0, 0, 'h', 'i', 9, 0, 0, 0, 'x'};
    CHECK(pq_decode_bytes(&f.t, PQ_PLAIN, page, 6, 1, &f.sink, f.offsets) == 0 && value_is(&f, 0, "hi"));
    f.sink.size = 0;
    CHECK(pq_decode_bytes(&f.t, PQ_PLAIN, page, sizeof page, 2, &f.sink, f.offsets) == FDATA_ECORRUPT);
    CHECK(strstr(f.err.message, "value 1") != NULL);
    fixture_free(&f);
}

/* A page that claims more values than its bytes hold after a long first value: the first
 * value fits in the page but not beside the other values' length prefixes, which the string
 * buffer was sized for (a fuzzer's find: the copy ran past that buffer). */
static void test_plain_bytes_budget(void) {
    struct fixture f;
    fixture_init(&f, PQ_BYTE_ARRAY, 0);
    uint8_t page[143] = {129, 0, 0, 0};
    memset(page + 4, 'v', 129);
    CHECK(pq_decode_bytes(&f.t, PQ_PLAIN, page, sizeof page, 24, &f.sink, f.offsets) ==
          FDATA_ECORRUPT);
    CHECK(strstr(f.err.message, "value 0 of 24 claims 129 bytes") != NULL);
    f.sink.size = 0; /* the same long value with room for two empty ones after it: read */
    CHECK(pq_decode_bytes(&f.t, PQ_PLAIN, page, 133 + 4 * 2, 3, &f.sink, f.offsets) == 0 &&
          f.offsets[1] == 129 && f.offsets[3] == 129);
    fixture_free(&f);
}

/* PLAIN values of lengths around the 64-byte fixed move, from a page that ends exactly at
 * its heap buffer's end (ASan: no read past it), appended over two calls; a page too short
 * for its values' length prefixes. */
static void test_plain_bytes_lengths(void) {
    struct fixture f;
    fixture_init(&f, PQ_BYTE_ARRAY, 0);
    static const size_t lens[] = {0, 1, 15, 16, 17, 40, 63, 64, 65, 100, 3};
    enum { N = sizeof lens / sizeof lens[0] };
    char text[128];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);
    size_t size = 0;
    for (size_t i = 0; i < N; i++)
        size += 4 + lens[i];
    uint8_t *page = malloc(size), *p = page;
    for (size_t i = 0; i < N; i++) {
        uint32_t n = (uint32_t)lens[i];
        memcpy(p, &n, 4);
        memcpy(p + 4, text + i, n);
        p += 4 + n;
    }
    size_t first = 4 + lens[0] + 4 + lens[1] + 4 + lens[2];
    CHECK(pq_decode_bytes(&f.t, PQ_PLAIN, page, first, 3, &f.sink, f.offsets) == 0);
    CHECK(pq_decode_bytes(&f.t, PQ_PLAIN, page + first, size - first, N - 3, &f.sink, f.offsets + 3) == 0);
    int all = f.sink.size == (size_t)f.offsets[N];
    for (size_t i = 0; i < N; i++)
        all &= (size_t)(f.offsets[i + 1] - f.offsets[i]) == lens[i] &&
               memcmp(f.sink.data + f.offsets[i], text + i, lens[i]) == 0;
    CHECK(all);
    CHECK(pq_decode_bytes(&f.t, PQ_PLAIN, page, 7, 2, &f.sink, f.offsets) == FDATA_ECORRUPT);
    CHECK(strstr(f.err.message, "cannot fit") != NULL);
    free(page);
    fixture_free(&f);
}

static void test_dictionary(void) {
    struct fixture f;
    fixture_init(&f, PQ_INT32, 0);
    const int32_t dict[] = {10, 20, 30};
    CHECK(pq_dictionary_load(&f.dict, &f.leaf, (const uint8_t *)dict, sizeof dict, 3, &f.err) == 0);
    /* indices at bit width 2: RLE run of 2 x 2, then bit-packed 8 values 0,1,2,0,1,2,0,1 */
    const uint8_t page[] = {2, 0x04, 0x02, 0x03, 0x24, 0x49};
    int32_t out[10];
    CHECK(pq_decode_fixed(&f.t, PQ_RLE_DICTIONARY, page, sizeof page, 10, (uint8_t *)out) == 0);
    const int32_t want[] = {30, 30, 10, 20, 30, 10, 20, 30, 10, 20};
    CHECK(memcmp(out, want, sizeof want) == 0);
    /* an index past the dictionary */
    const uint8_t bad[] = {2, 0x02, 0x03};
    CHECK(pq_decode_fixed(&f.t, PQ_RLE_DICTIONARY, bad, sizeof bad, 1, (uint8_t *)out) == FDATA_ECORRUPT);
    CHECK(strstr(f.err.message, "out of range") != NULL);
    /* a dictionary claiming more entries than its bytes hold */
    CHECK(pq_dictionary_load(&f.dict, &f.leaf, (const uint8_t *)dict, sizeof dict, 4, &f.err) ==
          FDATA_ECORRUPT);
    /* data page without any dictionary */
    CHECK(pq_decode_fixed(&f.t, PQ_RLE_DICTIONARY, page, sizeof page, 1, (uint8_t *)out) == FDATA_ECORRUPT);
    fixture_free(&f);
}

/* Dictionary indices at bit width 9 (a 300-entry dictionary): one bit-packed run of `packed`
 * values (several gather blocks, the last one partial) picking idx[i], then an RLE run of
 * `rle` times `rle_index`.  Returns the page's bytes (bit width byte first). */
static size_t dict_page(uint8_t *page, const uint32_t *idx, size_t packed, size_t rle,
                        uint32_t rle_index) {
    size_t n = 0;
    page[n++] = 9;
    n += put_uleb(page + n, (packed / 8) << 1 | 1);
    memset(page + n, 0, packed * 9 / 8);
    for (size_t i = 0; i < packed; i++)
        for (int b = 0; b < 9; b++)
            if ((idx[i] >> b) & 1)
                page[n + (i * 9 + (size_t)b) / 8] |= (uint8_t)(1u << ((i * 9 + (size_t)b) % 8));
    n += packed * 9 / 8;
    n += put_uleb(page + n, rle << 1);
    page[n++] = (uint8_t)rle_index;
    page[n++] = (uint8_t)(rle_index >> 8);
    return n;
}

/* The fused gather (unpack, check, gather a block at a time, SIMD where the CPU has AVX2 and
 * scalar) of 4- and 8-byte entries and of int64 entries widened to decimal128, against the
 * entries picked one by one; an index past the dictionary deep inside a vectorised block, or
 * in an RLE run, fails before anything is read from past the dictionary (ASan checks). */
static void test_dictionary_gather(void) {
    enum { ENTRIES = 300, PACKED = 1000, RLE = 50, K = PACKED + RLE };
    static uint32_t idx[PACKED];
    static int64_t dict64[ENTRIES];
    static uint8_t page[PACKED * 2 + 16], out[K * 16];
    for (size_t i = 0; i < ENTRIES; i++)
        dict64[i] = (int64_t)(i * 2654435761u) * (i % 3 ? 1 : -1);
    for (size_t i = 0; i < PACKED; i++)
        idx[i] = (uint32_t)((i * 40503u) % ENTRIES);
    size_t len = dict_page(page, idx, PACKED, RLE, ENTRIES - 1);
    for (int simd = 0; simd <= 1; simd++) {
        pq_unpack_simd_set(simd);
        for (int kind = 0; kind < 3; kind++) { /* int32, int64, decimal(18, 2) from int64 */
            struct fixture f;
            fixture_init(&f, kind ? PQ_INT64 : PQ_INT32, 0);
            size_t w = kind == 0 ? 4 : 8, ow = kind == 2 ? 16 : w;
            if (kind == 2)
                f.leaf.arrow = (struct pq_arrow_type){.kind = K_DECIMAL, .width = 16,
                                                      .precision = 18, .scale = 2};
            uint8_t *entries = malloc(ENTRIES * w); /* exact: ASan sees reads past it */
            for (size_t i = 0; i < ENTRIES; i++)
                memcpy(entries + i * w, &dict64[i], w); /* int32: the low half */
            CHECK(pq_dictionary_load(&f.dict, &f.leaf, entries, ENTRIES * w, ENTRIES, &f.err) == 0);
            CHECK(pq_dictionary_convert(&f.dict, &f.leaf, &f.err) == 0);
            memset(out, 0xee, sizeof out);
            int rc = kind == 2 ? pq_decode_converted(&f.t, PQ_RLE_DICTIONARY, page, len, K, NULL,
                                                     0, K, out)
                               : pq_decode_fixed(&f.t, PQ_RLE_DICTIONARY, page, len, K, out);
            CHECK(rc == FDATA_OK);
            int same = 1;
            for (size_t i = 0; i < K; i++) {
                uint32_t e = i < PACKED ? idx[i] : ENTRIES - 1;
                uint8_t want[16];
                int64_t words[2] = {dict64[e], dict64[e] < 0 ? -1 : 0};
                memcpy(want, kind == 2 ? (const void *)words : (const void *)(entries + e * w), ow);
                same &= memcmp(out + i * ow, want, ow) == 0;
            }
            CHECK(same);
            /* index 511 at value 777 (the fourth block of 256, a lane in the middle of a
             * vector), then an RLE run of index 300 */
            static uint8_t bad[sizeof page];
            idx[777] = 511;
            size_t bad_len = dict_page(bad, idx, PACKED, RLE, ENTRIES - 1);
            idx[777] = (uint32_t)((777 * 40503u) % ENTRIES);
            rc = kind == 2 ? pq_decode_converted(&f.t, PQ_RLE_DICTIONARY, bad, bad_len, K, NULL, 0,
                                                 K, out)
                           : pq_decode_fixed(&f.t, PQ_RLE_DICTIONARY, bad, bad_len, K, out);
            CHECK(rc == FDATA_ECORRUPT && strstr(f.err.message, "index 511 out of range") != NULL);
            bad_len = dict_page(bad, idx, PACKED, RLE, ENTRIES);
            CHECK(pq_decode_fixed(&f.t, PQ_RLE_DICTIONARY, bad, bad_len, K, out) == FDATA_ECORRUPT &&
                  strstr(f.err.message, "index 300 out of range") != NULL);
            fixture_free(&f);
            free(entries); /* the dictionary read its values where they lie */
        }
    }
    pq_unpack_simd_set(1);
}

/* Big-endian FIXED_LEN_BYTE_ARRAY(w) decimals, PLAIN, as decimal128: every width 1..16 (the
 * word-at-a-time path, its first values through a buffer) against a byte-by-byte reference;
 * w = 17 still reads a value whose extra byte is only sign, and fails naming the decimal
 * type for one that needs all 17 bytes. */
static void test_decimal_flba(void) {
    enum { K = 40 };
    uint8_t page[K * 17], out[K * 16], want[16];
    for (size_t i = 0; i < sizeof page; i++)
        page[i] = (uint8_t)((i * 2654435761u) >> 13);
    for (int w = 1; w <= 17; w++) {
        struct fixture f;
        fixture_init(&f, PQ_FIXED_LEN_BYTE_ARRAY, w);
        f.leaf.arrow = (struct pq_arrow_type){.kind = K_DECIMAL, .width = 16, .precision = 38, .scale = 2};
        if (w == 17)
            for (size_t i = 0; i < K; i++)
                page[i * 17] = page[i * 17 + 1] & 0x80 ? 0xff : 0x00;
        CHECK(pq_decode_converted(&f.t, PQ_PLAIN, page, (size_t)K * (size_t)w, K, NULL, 0, K, out) == 0);
        int same = 1;
        for (size_t i = 0; i < K; i++) {
            const uint8_t *be = page + i * (size_t)w;
            memset(want, be[0] & 0x80 ? 0xff : 0x00, 16);
            for (int b = 0; b < w && b < 16; b++)
                want[b] = be[w - 1 - b];
            same &= memcmp(out + i * 16, want, 16) == 0;
        }
        CHECK(same);
        if (w == 17) {
            page[5 * 17] ^= 0x01; /* value 5 needs its 17th byte */
            CHECK(pq_decode_converted(&f.t, PQ_PLAIN, page, (size_t)K * 17, K, NULL, 0, K, out) ==
                      FDATA_ERANGE &&
                  strstr(f.err.message, "does not fit decimal(38, 2)") != NULL);
        }
        fixture_free(&f);
    }
}

/* A dictionary-encoded page picking `n` entries: one RLE run of 1 per index at bit width 8. */
static size_t index_page(uint8_t *page, const uint8_t *idx, size_t n) {
    page[0] = 8;
    for (size_t i = 0; i < n; i++) {
        page[1 + 2 * i] = 2;
        page[2 + 2 * i] = idx[i];
    }
    return 1 + 2 * n;
}

/* A PLAIN BYTE_ARRAY dictionary page of the given entries. */
static size_t dictionary_page(uint8_t *page, const char *const *entries, size_t n) {
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t len = (uint32_t)strlen(entries[i]);
        memcpy(page + at, &len, 4);
        memcpy(page + at + 4, entries[i], len);
        at += 4 + len;
    }
    return at;
}

/* Each gather loop of dictionary strings (entries of one length, up to 16 or 32 bytes, longer),
 * over two pages appended to one sink (the first sized for its longest entries, the second
 * with or without room for them), an index past the dictionary, and entries whose lengths change (UTF-8 replaced, then measured again). */
static void test_dictionary_strings(void) {
    static const char *const sets[][3] = {
        {"A", "N", "R"},
        {"ab", "cd", "ef"},
        {"AIR", "REG AIR", "TRUCK"},
        {"DELIVER IN PERSON", "NONE", "TAKE BACK RETURN, TWICE"},
        {"x", "a comment longer than thirty-two bytes, to copy by length", ""},
        {"exactly 16 bytes", "sixteen, exactly", "1234567890abcdef"},
        {"a", "thirty-two bytes, exactly so ok.", "sixteen, exactly"},
        {"sixty-four bytes exactly: 01234567890123456789012345678901234567",
         "sixty-five bytes exactly: 012345678901234567890123456789012345678", "z"},
    };
    const uint8_t idx[] = {2, 0, 1, 1, 2, 0, 0, 2, 1, 2, 1, 0};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        struct fixture f;
        fixture_init(&f, PQ_BYTE_ARRAY, 0);
        uint8_t dict[256], page[64];
        size_t len = dictionary_page(dict, sets[s], 3);
        CHECK(pq_dictionary_load(&f.dict, &f.leaf, dict, len, 3, &f.err) == 0);
        len = index_page(page, idx, 4);
        CHECK(pq_decode_bytes(&f.t, PQ_RLE_DICTIONARY, page, len, 4, &f.sink, f.offsets) == 0);
        len = index_page(page, idx + 4, 8);
        CHECK(pq_decode_bytes(&f.t, PQ_RLE_DICTIONARY, page, len, 8, &f.sink, f.offsets + 4) == 0);
        int all = f.sink.size == (size_t)f.offsets[12];
        for (int i = 0; i < 12; i++)
            all &= value_is(&f, i, sets[s][idx[i]]);
        CHECK(all);
        const uint8_t bad[] = {3};
        len = index_page(page, bad, 1);
        CHECK(pq_decode_bytes(&f.t, PQ_RLE_DICTIONARY, page, len, 1, &f.sink, f.offsets + 12) ==
              FDATA_ECORRUPT);
        CHECK(strstr(f.err.message, "out of range") != NULL);
        fixture_free(&f);
    }
    struct fixture f;
    fixture_init(&f, PQ_BYTE_ARRAY, 0);
    static const char *const invalid[] = {"\xff", "\xfe"};
    uint8_t dict[64], page[64];
    size_t len = dictionary_page(dict, invalid, 2);
    CHECK(pq_dictionary_load(&f.dict, &f.leaf, dict, len, 2, &f.err) == 0);
    CHECK(pq_utf8_replace(&f.dict.bytes, f.dict.bytes.offsets, 2, &f.err) == 0);
    pq_dictionary_measure(&f.dict);
    len = index_page(page, idx + 1, 3); /* 0, 1, 1 */
    CHECK(pq_decode_bytes(&f.t, PQ_RLE_DICTIONARY, page, len, 3, &f.sink, f.offsets) == 0);
    CHECK(f.offsets[3] == 9 && value_is(&f, 0, "\xef\xbf\xbd") && value_is(&f, 2, "\xef\xbf\xbd"));
    fixture_free(&f);
}

static void test_spread(void) {
    /* 3 dense int32 values spread over rows 2..7 whose validity is 1,0,1,0,0,1 */
    const uint8_t valid[] = {(1 << 2) | (1 << 4) | (1 << 7)};
    int32_t slots[6] = {7, 8, 9, -1, -1, -1};
    pq_spread_fixed((uint8_t *)slots, 4, valid, 2, 6, 3);
    const int32_t want[] = {7, 0, 8, 0, 0, 9};
    CHECK(memcmp(slots, want, sizeof want) == 0);
    /* offsets: dense ends 2, 5, 9 after start 0 */
    int32_t off[7] = {0, 2, 5, 9, -1, -1, -1};
    pq_spread_offsets(off, valid, 2, 6, 3);
    const int32_t want_off[] = {0, 2, 2, 5, 5, 5, 9};
    CHECK(memcmp(off, want_off, sizeof want_off) == 0);
    /* booleans true,false,true into rows 2, 4, 7 */
    uint8_t bits[2] = {0, 0};
    const uint8_t dense[] = {1, 0, 1};
    pq_place_bools(bits, 2, dense, valid, 6);
    CHECK(bits[0] == ((1u << 2) | (1u << 7)) && bits[1] == 0);
}

static void test_utf8(void) {
    /* valid: ASCII runs longer than the 32-byte fast path, 2-, 3- and 4-byte sequences */
    const char *ok = "0123456789abcdef0123456789abcdef0123456789 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end";
    CHECK(fdata_utf8_valid_prefix((const uint8_t *)ok, strlen(ok)) == strlen(ok));
    static const struct { const char *s; size_t bad; } cases[] = {
        {"abc\x80", 3},                 /* stray continuation byte */
        {"abc\xc0\xaf", 3},             /* overlong */
        {"\xed\xa0\x80", 0},           /* surrogate */
        {"\xf4\x90\x80\x80", 0},       /* above U+10FFFF */
        {"0123456789abcdef0123456789abcdef01\xe2\x82", 34}, /* truncated, after the fast path */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(fdata_utf8_valid_prefix((const uint8_t *)cases[i].s, strlen(cases[i].s)) == cases[i].bad);
    /* replacement: each maximal invalid subpart becomes one U+FFFD, per value */
    struct pq_bytes b = {0};
    int32_t offsets[3] = {0, 6, 8};
    struct fdata_error err = {0};
    CHECK(pq_bytes_reserve(&b, 8, &err) == FDATA_OK);
    memcpy(b.data, "a\xe2\x82z\xff" "bc" "\xc3", 8);
    b.size = 8;
    CHECK(pq_utf8_replace(&b, offsets, 2, &err) == FDATA_OK);
    const char *want = "a\xef\xbf\xbdz\xef\xbf\xbd" "b" "c\xef\xbf\xbd";
    CHECK(b.size == strlen(want) && memcmp(b.data, want, b.size) == 0);
    CHECK(offsets[0] == 0 && offsets[1] == 9 && offsets[2] == 13);
    fdata_aligned_free(b.data);
}

int main(void) {
    test_utf8();
    test_delta_length_byte_array();
    test_delta_byte_array();
    test_plain_bytes_bounds();
    test_plain_bytes_budget();
    test_plain_bytes_lengths();
    test_dictionary();
    test_dictionary_gather();
    test_decimal_flba();
    test_dictionary_strings();
    test_spread();
    return check_result("test_values");
}
