/* Split-block bloom filters (parquet-format BloomFilter.md): a BloomFilterHeader (Thrift),
 * then numBytes of 256-bit blocks; a value's 64-bit XXH64 (seed 0) of its PLAIN bytes picks
 * a block by its upper half and sets one bit in each of the block's eight 32-bit words from
 * its lower half. */
#include <xxhash.h>
#include "../common/common.h"
#include "file.h"
#include "stats.h"
#include "thrift.h"

int pq_bloom_range(const fdata_parquet_file *f, int rg, int leaf, int64_t *offset,
                   int64_t *length) {
    const struct pq_metadata *md = pq_file_metadata(f);
    size_t size;
    if (!pq_file_bytes(f, &size))
        return 0; /* its bytes were given back (pq_file_drop_bytes) */
    if (rg < 0 || rg >= md->num_row_groups || leaf < 0 || leaf >= md->row_groups[rg].num_columns)
        return 0;
    const struct pq_column_chunk *cc = &md->row_groups[rg].columns[leaf];
    if (!cc->has_meta || cc->encrypted || cc->external)
        return 0;
    *offset = cc->meta.bloom_filter_offset;
    *length = cc->meta.bloom_filter_length;
    return *offset >= 4 && *length > 0 && *length <= PQ_BLOOM_MAX &&
           *offset <= (int64_t)size - *length;
}

/* Whether a union field (a struct whose members are empty structs) holds member 1. */
static int union_is_first(struct tc_reader *r, int type) {
    int16_t last = 0, id;
    int t, first = 0;
    if (type != TC_STRUCT) {
        tc_skip(r, type);
        return 0;
    }
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &t, &id)) {
        first |= id == 1 && t == TC_STRUCT;
        tc_skip(r, t);
    }
    tc_struct_end(r);
    return first;
}

/* The header at data[0..len): the bitset's size, or 0 when it is not one this reader knows
 * (block algorithm, XXHASH, uncompressed) or does not fit after the header. */
static size_t bitset_size(const uint8_t *data, size_t len, size_t *header) {
    struct tc_reader r;
    int16_t last = 0, id;
    int type, known = 0;
    int64_t bytes = 0;
    tc_init(&r, data, len);
    tc_struct_begin(&r);
    while (tc_next_field(&r, &last, &type, &id)) {
        if (id == 1 && type == TC_I32)
            bytes = tc_i32(&r, type);
        else if (id >= 2 && id <= 4)
            known |= union_is_first(&r, type) << (id - 2);
        else
            tc_skip(&r, type);
    }
    tc_struct_end(&r);
    *header = (size_t)(r.p - data);
    if (r.error || known != 7 || bytes < 32 || bytes % 32 || (uint64_t)bytes > len - *header)
        return 0;
    return (size_t)bytes;
}

int pq_bloom_may_contain(const fdata_parquet_file *f, int rg, int leaf, const void *value,
                         size_t len) {
    static const uint32_t salt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                                     0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};
    int64_t offset, length;
    size_t size, header;
    if (!pq_bloom_range(f, rg, leaf, &offset, &length))
        return 1;
    const uint8_t *data = pq_file_bytes(f, &size) + offset;
    size_t bytes = bitset_size(data, (size_t)length, &header);
    if (bytes == 0)
        return 1;
    uint64_t h = XXH64(value, len, 0);
    uint64_t blocks = bytes / 32, block = ((h >> 32) * blocks) >> 32;
    const uint8_t *words = data + header + block * 32;
    for (int i = 0; i < 8; i++) {
        uint32_t bit = ((uint32_t)h * salt[i]) >> 27;
        if (!((fdata_load_u32le(words + 4 * i) >> bit) & 1))
            return 0;
    }
    return 1;
}
