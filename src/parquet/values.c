/* Page values: PLAIN, dictionary indices, DELTA_*, BYTE_STREAM_SPLIT and RLE booleans,
 * each checked against the bytes the page really has before anything is read or allocated. */
#include <stdlib.h>
#include "../common/common.h"
#include "../memory/memory.h"
#include "encoding.h"
#include "metadata.h"
#include "values.h"

static const char *encoding_label(int e) {
    switch (e) {
    case PQ_PLAIN: return "PLAIN";
    case PQ_PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case PQ_RLE: return "RLE";
    case PQ_BIT_PACKED: return "BIT_PACKED";
    case PQ_DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case PQ_DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case PQ_DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case PQ_RLE_DICTIONARY: return "RLE_DICTIONARY";
    case PQ_BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
    default: return "unknown";
    }
}

static int bad_encoding(struct pq_value_target *t, int encoding) {
    return fdata_set_error(t->err, FDATA_EUNSUPPORTED, "encoding %s (%d) is not supported for %s",
                           encoding_label(encoding), encoding, pq_type_name(t->leaf->physical));
}

static int corrupt(struct pq_value_target *t, int encoding, const char *why) {
    return fdata_set_error(t->err, FDATA_ECORRUPT, "%s values: %s", encoding_label(encoding), why);
}

int pq_scratch_grow(void **p, size_t *cap, size_t n, size_t elem, struct fdata_error *err) {
    if (n <= *cap)
        return FDATA_OK;
    if (n > SIZE_MAX / elem / 2)
        return fdata_set_error(err, FDATA_ENOMEM, "scratch of %zu values is too large", n);
    size_t want = n + n / 2;
    free(*p);
    *p = malloc(want * elem);
    *cap = *p ? want : 0;
    if (!*p)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory for %zu bytes of scratch", want * elem);
    return FDATA_OK;
}

int pq_scratch_page(struct pq_scratch *s, size_t n, struct fdata_error *err) {
    return pq_scratch_grow((void **)&s->page, &s->page_cap, n ? n : 1, 1, err);
}

void pq_scratch_free(struct pq_scratch *s) {
    free(s->page);
    free(s->dict);
    free(s->bits);
    free(s->indices);
    free(s->conv);
    free(s->lengths);
    free(s->prefixes);
    free(s->offsets);
    fdata_aligned_free(s->bytes.data);
    pq_codecs_free(&s->codecs);
    memset(s, 0, sizeof *s);
}

#define BYTES_PAD PQ_BYTES_PAD

/* Copies a value of n bytes to dst, which has BYTES_PAD bytes of room past n, from src,
 * which has them too when `src_padded`: a value that fits in the padding is one fixed
 * 64-byte move (free text's lengths vary too much for a branch on them to predict well). */
static inline void copy_value(uint8_t *dst, const uint8_t *src, size_t n, int src_padded) {
    if (src_padded && n <= BYTES_PAD)
        memcpy(dst, src, BYTES_PAD);
    else
        memcpy(dst, src, n);
}

/* Makes room for `extra` more bytes of string data (plus BYTES_PAD); offsets stay int32
 * (Arrow utf8). */
static int bytes_reserve(struct pq_bytes *b, size_t extra, struct fdata_error *err) {
    if (extra > (size_t)INT32_MAX - b->size)
        return fdata_set_error(err, FDATA_EUNSUPPORTED,
                               "more than 2 GiB of string data in one column chunk");
    size_t need = b->size + extra;
    if (need <= b->cap && b->data)
        return FDATA_OK;
    size_t cap = b->expected > need ? b->expected : b->cap * 2 > need ? b->cap * 2 : need;
    uint8_t *data = fdata_aligned_alloc(cap + BYTES_PAD);
    if (!data)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory for %zu bytes of strings", cap);
    if (b->size)
        memcpy(data, b->data, b->size);
    fdata_aligned_free(b->data);
    b->data = data;
    b->cap = cap;
    return FDATA_OK;
}

/* Dictionary indices: one byte of bit width, then the RLE/bit-packed hybrid. */
static int decode_indices(struct pq_value_target *t, int enc, const uint8_t *p, size_t len,
                          size_t k) {
    const struct pq_dictionary *dict = t->dict;
    if (!dict->loaded)
        return fdata_set_error(t->err, FDATA_ECORRUPT,
                               "dictionary-encoded page but the chunk has no dictionary page");
    FDATA_RETURN_IF(pq_scratch_grow((void **)&t->scratch->indices, &t->scratch->indices_cap, k ? k : 1,
                         sizeof(uint32_t), t->err));
    if (k == 0)
        return FDATA_OK;
    if (len < 1)
        return corrupt(t, enc, "missing bit width");
    const char *why = pq_rle_decode(p + 1, len - 1, p[0], t->scratch->indices, k);
    if (why)
        return corrupt(t, enc, why);
    const uint32_t *idx = t->scratch->indices;
    uint32_t max = 0;
    for (size_t i = 0; i < k; i++) /* a reduction the compiler vectorizes */
        max = idx[i] > max ? idx[i] : max;
    if (max >= dict->count)
        return fdata_set_error(t->err, FDATA_ECORRUPT,
                               "dictionary index %u out of range (dictionary has %zu entries)",
                               max, dict->count);
    return FDATA_OK;
}

int pq_gather_dictionary(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                         size_t k, const uint8_t *entries, int width, int widen, uint8_t *dst) {
    const struct pq_dictionary *dict = t->dict;
    if (!dict->loaded)
        return fdata_set_error(t->err, FDATA_ECORRUPT,
                               "dictionary-encoded page but the chunk has no dictionary page");
    if (k == 0)
        return FDATA_OK;
    if (len < 1)
        return corrupt(t, encoding, "missing bit width");
    uint32_t bad = 0;
    const char *why = pq_rle_gather(p + 1, len - 1, p[0], entries, dict->count, width, widen,
                                    dst, k, &bad);
    if (why && bad >= dict->count)
        return fdata_set_error(t->err, FDATA_ECORRUPT,
                               "dictionary index %u out of range (dictionary has %zu entries)",
                               bad, dict->count);
    return why ? corrupt(t, encoding, why) : FDATA_OK;
}

/* PLAIN BYTE_ARRAY: <u32 length><bytes> repeated.  The values' bytes are at most the page's
 * bytes less the k length prefixes, so the sink is sized once for that and each value is
 * checked, copied and its offset written in one pass. */
static int decode_plain_bytes(const uint8_t *p, size_t len, size_t k, struct pq_bytes *sink,
                              int32_t *offsets, struct fdata_error *err) {
    if (k > len / 4)
        return fdata_set_error(err, FDATA_ECORRUPT,
                               "PLAIN values: %zu values cannot fit in %zu bytes", k, len);
    size_t left = len - 4 * k; /* what all k values' bytes may take: the room reserved */
    FDATA_RETURN_IF(bytes_reserve(sink, left, err));
    size_t pos = 0;
    int32_t end = offsets[0];
    for (size_t i = 0; i < k; i++) {
        if (len - pos < 4)
            return fdata_set_error(err, FDATA_ECORRUPT,
                                   "PLAIN values: value %zu of %zu starts past the page end", i, k);
        uint32_t n = fdata_load_u32le(p + pos);
        if (n > left) /* the values after it need their 4-byte lengths too */
            return fdata_set_error(err, FDATA_ECORRUPT, "PLAIN values: value %zu of %zu claims "
                                   "%u bytes, more than the page leaves the values", i, k, n);
        copy_value(sink->data + end, p + pos + 4, n, len - pos - 4 >= BYTES_PAD);
        left -= n;
        end += (int32_t)n; /* the sum stays within len - 4 * k, which bytes_reserve bounded */
        offsets[i + 1] = end;
        pos += 4 + (size_t)n;
    }
    sink->size = (size_t)end;
    return FDATA_OK;
}

void pq_dictionary_measure(struct pq_dictionary *dict) {
    const int32_t *off = dict->bytes.offsets;
    int32_t longest = 0, first = dict->count ? off[1] - off[0] : 0;
    int same = 1;
    for (size_t i = 0; i < dict->count; i++) {
        int32_t n = off[i + 1] - off[i];
        longest = n > longest ? n : longest;
        same &= n == first;
    }
    dict->longest = longest;
    dict->same_length = same ? first : -1;
}

/* Entries all of length w (flags, codes): the offsets step by w whatever the indices, and
 * entry e sits at e * w of the dictionary, so each value is a byte or one 16-byte move
 * (w <= 16; both buffers have BYTES_PAD to spare, later values overwrite the excess). */
static void gather_same_length(const uint8_t *entries, const uint32_t *idx, size_t k, size_t w,
                               uint8_t *dst, int32_t *offsets) {
    int32_t end = offsets[0], step = (int32_t)w; /* an int32 induction: vectorized */
    for (size_t i = 0; i < k; i++) {
        end += step;
        offsets[i + 1] = end;
    }
    if (w == 1) {
        for (size_t i = 0; i < k; i++)
            dst[i] = entries[idx[i]];
    } else {
        for (size_t i = 0; i < k; i++)
            memcpy(dst + i * w, entries + idx[i] * w, 16);
    }
}

/* Entries of any lengths: each value's bytes and offset in one pass, the bytes as one fixed
 * `block`-byte move when every entry fits in it (16 or 32, the padding), else by length. */
static inline void gather_by_length(const struct pq_dictionary *dict, const uint32_t *idx,
                                    size_t k, size_t block, uint8_t *data, int32_t *offsets) {
    const int32_t *doff = dict->bytes.offsets;
    const uint8_t *entries = dict->bytes.data;
    int32_t end = offsets[0];
    for (size_t i = 0; i < k; i++) {
        uint32_t e = idx[i];
        int32_t n = doff[e + 1] - doff[e];
        if (block == 16) {
            memcpy(data + end, entries + doff[e], 16);
        } else if (block == 32) {
            memcpy(data + end, entries + doff[e], 16);
            memcpy(data + end + 16, entries + doff[e] + 16, 16);
        } else {
            copy_value(data + end, entries + doff[e], (size_t)n, 1);
        }
        end += n;
        offsets[i + 1] = end;
    }
}

/* Dictionary strings: the sink is sized for k of the longest entry when that keeps it
 * within the size it has or is expected to reach (pq_bytes.expected), or it is new and that
 * is at most 32 bytes a value (no pass over the indices first); else for the exact sum of
 * the picked lengths, so that it grows no further than needed (64-bit: k < 2^27 values of
 * < 2^31 bytes cannot overflow; bytes_reserve checks the total against int32 offsets before
 * any is stored). */
int pq_gather_strings(const struct pq_dictionary *dict, const uint32_t *idx, size_t k,
                      struct pq_bytes *sink, int32_t *offsets, struct fdata_error *err) {
    if (dict->same_length >= 0 && dict->same_length <= 16) {
        size_t w = (size_t)dict->same_length;
        FDATA_RETURN_IF(bytes_reserve(sink, k * w, err));
        gather_same_length(dict->bytes.data, idx, k, w, sink->data + offsets[0], offsets);
        sink->size += k * w;
        return FDATA_OK;
    }
    uint64_t most = (uint64_t)dict->longest * k;
    size_t planned = sink->cap > sink->expected ? sink->cap : sink->expected;
    int fits = most <= planned - sink->size || (!sink->data && dict->longest <= 32);
    if (!fits || most > (uint64_t)INT32_MAX - sink->size) {
        const int32_t *doff = dict->bytes.offsets;
        int64_t total = 0;
        for (size_t i = 0; i < k; i++)
            total += doff[idx[i] + 1] - doff[idx[i]];
        most = (uint64_t)total;
    }
    FDATA_RETURN_IF(bytes_reserve(sink, (size_t)most, err));
    if (dict->longest <= 16)
        gather_by_length(dict, idx, k, 16, sink->data, offsets);
    else if (dict->longest <= 32)
        gather_by_length(dict, idx, k, 32, sink->data, offsets);
    else
        gather_by_length(dict, idx, k, 0, sink->data, offsets);
    sink->size = (size_t)offsets[k];
    return FDATA_OK;
}

static int decode_dict_bytes(struct pq_value_target *t, int enc, const uint8_t *p, size_t len,
                             size_t k, struct pq_bytes *sink, int32_t *offsets) {
    FDATA_RETURN_IF(decode_indices(t, enc, p, len, k));
    return pq_gather_strings(t->dict, t->scratch->indices, k, sink, offsets, t->err);
}

/* k lengths encoded DELTA_BINARY_PACKED into `out`; *used gets the encoded size. */
static int decode_lengths(struct pq_value_target *t, int enc, const uint8_t *p, size_t len,
                          size_t k, int32_t **out, size_t *cap, size_t *used, size_t *sum) {
    FDATA_RETURN_IF(pq_scratch_grow((void **)out, cap, k ? k : 1, sizeof(int32_t), t->err));
    const char *why = pq_delta_binary_decode(p, len, k, 4, *out, used);
    if (why)
        return corrupt(t, enc, why);
    size_t total = 0;
    for (size_t i = 0; i < k; i++) {
        if ((*out)[i] < 0)
            return corrupt(t, enc, "negative length");
        total += (size_t)(*out)[i];
    }
    *sum = total;
    return FDATA_OK;
}

static int decode_delta_length_bytes(struct pq_value_target *t, int enc, const uint8_t *p,
                                     size_t len, size_t k, struct pq_bytes *sink,
                                     int32_t *offsets) {
    size_t used, total;
    struct pq_scratch *s = t->scratch;
    FDATA_RETURN_IF(decode_lengths(t, enc, p, len, k, &s->lengths, &s->lengths_cap, &used, &total));
    if (total > len - used)
        return corrupt(t, enc, "lengths add up to more than the page holds");
    FDATA_RETURN_IF(bytes_reserve(sink, total, t->err));
    const uint8_t *src = p + used;
    int32_t end = offsets[0];
    for (size_t i = 0; i < k; i++) {
        memcpy(sink->data + end, src, (size_t)s->lengths[i]);
        src += s->lengths[i];
        end += s->lengths[i];
        offsets[i + 1] = end;
    }
    sink->size = (size_t)end;
    return FDATA_OK;
}

/* DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY; each value is
 * the first prefix[i] bytes of the previous value followed by its suffix. */
static int decode_delta_bytes(struct pq_value_target *t, int enc, const uint8_t *p, size_t len,
                              size_t k, struct pq_bytes *sink, int32_t *offsets) {
    struct pq_scratch *s = t->scratch;
    size_t used1, used2, prefix_total, suffix_total;
    FDATA_RETURN_IF(decode_lengths(t, enc, p, len, k, &s->prefixes, &s->prefixes_cap, &used1,
                                   &prefix_total));
    FDATA_RETURN_IF(decode_lengths(t, enc, p + used1, len - used1, k, &s->lengths,
                                   &s->lengths_cap, &used2, &suffix_total));
    const uint8_t *src = p + used1 + used2;
    if (suffix_total > len - used1 - used2)
        return corrupt(t, enc, "suffix lengths add up to more than the page holds");
    int32_t prev_len = 0;
    for (size_t i = 0; i < k; i++) {
        if (s->prefixes[i] > prev_len)
            return corrupt(t, enc, "prefix longer than the previous value");
        prev_len = s->prefixes[i] + s->lengths[i];
        if (prev_len < 0)
            return corrupt(t, enc, "value longer than 2 GiB");
    }
    FDATA_RETURN_IF(bytes_reserve(sink, prefix_total + suffix_total, t->err));
    int32_t end = offsets[0], prev_start = end;
    for (size_t i = 0; i < k; i++) {
        int32_t start = end;
        memmove(sink->data + end, sink->data + prev_start, (size_t)s->prefixes[i]);
        end += s->prefixes[i];
        memcpy(sink->data + end, src, (size_t)s->lengths[i]);
        src += s->lengths[i];
        end += s->lengths[i];
        offsets[i + 1] = end;
        prev_start = start;
    }
    sink->size = (size_t)end;
    return FDATA_OK;
}

int pq_decode_bytes(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                    size_t k, struct pq_bytes *sink, int32_t *offsets) {
    switch (encoding) {
    case PQ_PLAIN: return decode_plain_bytes(p, len, k, sink, offsets, t->err);
    case PQ_PLAIN_DICTIONARY:
    case PQ_RLE_DICTIONARY: return decode_dict_bytes(t, encoding, p, len, k, sink, offsets);
    case PQ_DELTA_LENGTH_BYTE_ARRAY:
        return decode_delta_length_bytes(t, encoding, p, len, k, sink, offsets);
    case PQ_DELTA_BYTE_ARRAY: return decode_delta_bytes(t, encoding, p, len, k, sink, offsets);
    default: return bad_encoding(t, encoding);
    }
}

/* FIXED_LEN_BYTE_ARRAY in DELTA_BYTE_ARRAY: decoded as byte arrays, each must have the width. */
static int decode_fixed_via_bytes(struct pq_value_target *t, int enc, const uint8_t *p,
                                  size_t len, size_t k, int w, uint8_t *dst) {
    struct pq_scratch *s = t->scratch;
    FDATA_RETURN_IF(pq_scratch_grow((void **)&s->offsets, &s->offsets_cap, k + 1, sizeof(int32_t), t->err));
    s->bytes.size = 0;
    s->offsets[0] = 0;
    FDATA_RETURN_IF(decode_delta_bytes(t, enc, p, len, k, &s->bytes, s->offsets));
    for (size_t i = 0; i < k; i++)
        if (s->offsets[i + 1] - s->offsets[i] != w)
            return corrupt(t, enc, "value length differs from the FIXED_LEN_BYTE_ARRAY width");
    if (k)
        memcpy(dst, s->bytes.data, k * (size_t)w);
    return FDATA_OK;
}

int pq_decode_fixed(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                    size_t k, uint8_t *dst) {
    int ph = t->leaf->physical;
    int w = pq_physical_width(ph, t->leaf->type_length);
    const char *why;
    size_t used;
    switch (encoding) {
    case PQ_PLAIN:
        if (k > len / (size_t)w)
            return corrupt(t, encoding, "page shorter than its values");
        if (k)
            memcpy(dst, p, k * (size_t)w);
        return FDATA_OK;
    case PQ_PLAIN_DICTIONARY:
    case PQ_RLE_DICTIONARY:
        return pq_gather_dictionary(t, encoding, p, len, k, t->dict->values, w, 0, dst);
    case PQ_DELTA_BINARY_PACKED:
        if (ph != PQ_INT32 && ph != PQ_INT64)
            return bad_encoding(t, encoding);
        why = pq_delta_binary_decode(p, len, k, w, dst, &used);
        return why ? corrupt(t, encoding, why) : FDATA_OK;
    case PQ_BYTE_STREAM_SPLIT:
        if (ph == PQ_INT96)
            return bad_encoding(t, encoding);
        why = pq_byte_stream_split_decode(p, len, k, w, dst);
        return why ? corrupt(t, encoding, why) : FDATA_OK;
    case PQ_DELTA_BYTE_ARRAY:
        if (ph != PQ_FIXED_LEN_BYTE_ARRAY)
            return bad_encoding(t, encoding);
        return decode_fixed_via_bytes(t, encoding, p, len, k, w, dst);
    default:
        return bad_encoding(t, encoding);
    }
}

int pq_decode_bool(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                   size_t k) {
    struct pq_scratch *s = t->scratch;
    FDATA_RETURN_IF(pq_scratch_grow((void **)&s->conv, &s->conv_cap, k ? k : 1, 1, t->err));
    if (encoding == PQ_PLAIN) {
        if (k > len * 8)
            return corrupt(t, encoding, "page shorter than its values");
        for (size_t i = 0; i < k; i++)
            s->conv[i] = (p[i >> 3] >> (i & 7)) & 1;
        return FDATA_OK;
    }
    if (encoding != PQ_RLE)
        return bad_encoding(t, encoding);
    /* RLE booleans carry a 4-byte length prefix, like v1 levels. */
    if (len < 4 || fdata_load_u32le(p) > len - 4)
        return corrupt(t, encoding, "bad length prefix");
    FDATA_RETURN_IF(pq_scratch_grow((void **)&s->indices, &s->indices_cap, k ? k : 1, sizeof(uint32_t), t->err));
    const char *why = pq_rle_decode(p + 4, fdata_load_u32le(p), 1, s->indices, k);
    if (why)
        return corrupt(t, encoding, why);
    for (size_t i = 0; i < k; i++)
        s->conv[i] = (uint8_t)s->indices[i];
    return FDATA_OK;
}

int pq_dictionary_load(struct pq_dictionary *dict, const struct pq_leaf *leaf,
                       const uint8_t *body, size_t len, size_t count, struct fdata_error *err) {
    pq_dictionary_free(dict);
    if (leaf->physical == PQ_BOOLEAN)
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "dictionary page for a BOOLEAN column");
    if (leaf->physical == PQ_BYTE_ARRAY) {
        if (count > len / 4)
            return fdata_set_error(err, FDATA_ECORRUPT,
                                   "dictionary claims %zu entries in %zu bytes", count, len);
        dict->bytes.offsets = fdata_aligned_alloc((count + 1) * sizeof(int32_t));
        if (!dict->bytes.offsets)
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory for the dictionary");
        dict->bytes.offsets[0] = 0;
        FDATA_RETURN_IF(decode_plain_bytes(body, len, count, &dict->bytes, dict->bytes.offsets, err));
    } else {
        size_t w = (size_t)pq_physical_width(leaf->physical, leaf->type_length);
        if (count > len / w)
            return fdata_set_error(err, FDATA_ECORRUPT,
                                   "dictionary claims %zu entries in %zu bytes", count, len);
        dict->values = body;
    }
    dict->count = count;
    dict->loaded = 1;
    if (leaf->physical == PQ_BYTE_ARRAY)
        pq_dictionary_measure(dict);
    return FDATA_OK;
}

int pq_dictionary_indices(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                          size_t k) {
    return decode_indices(t, encoding, p, len, k);
}

int pq_bytes_reserve(struct pq_bytes *b, size_t extra, struct fdata_error *err) {
    return bytes_reserve(b, extra, err);
}

void pq_dictionary_free(struct pq_dictionary *dict) {
    free(dict->converted);
    fdata_aligned_free(dict->bytes.offsets);
    fdata_aligned_free(dict->bytes.data);
    memset(dict, 0, sizeof *dict);
}

static inline int bit_is_set(const uint8_t *bits, size_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

void pq_spread_fixed(uint8_t *dst, int width, const uint8_t *valid, size_t pos, size_t n,
                     size_t k) {
    size_t w = (size_t)width, r = k;
    for (size_t j = n; j-- > 0;) {
        if (bit_is_set(valid, pos + j)) {
            r--;
            if (r != j)
                memcpy(dst + j * w, dst + r * w, w); /* r < j: slots never overlap */
        } else {
            memset(dst + j * w, 0, w);
        }
        if (r == j)
            break; /* every row below j holds its own value already */
    }
}

void pq_spread_offsets(int32_t *offsets, const uint8_t *valid, size_t pos, size_t n, size_t k) {
    /* offsets[r] is the end of the r-th dense value, which is also where a null that
     * follows it ends; reads (index r) never pass writes (index j + 1). */
    size_t r = k;
    for (size_t j = n; j-- > 0;) {
        int v = bit_is_set(valid, pos + j);
        if (r == j + 1 && v)
            break; /* rows 0..j are all valid and already in place */
        offsets[j + 1] = offsets[r];
        r -= (size_t)v;
    }
}

void pq_place_bools(uint8_t *bits, size_t pos, const uint8_t *dense, const uint8_t *valid,
                    size_t n) {
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (valid && !bit_is_set(valid, pos + i))
            continue;
        if (dense[r++])
            bits[(pos + i) >> 3] |= (uint8_t)(1u << ((pos + i) & 7));
    }
}
