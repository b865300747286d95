/* Column chunk -> Arrow array.  Pages are decoded one after another straight into the
 * final Arrow buffers: the non-null values of a page are decoded densely into the slots
 * the page covers, then moved backwards into their row positions (nulls zeroed), so no
 * intermediate copy of the values is made.  Types that need a conversion (narrow
 * integers, decimals, INT96, INTERVAL, booleans) decode densely into scratch first. */
#include <math.h>
#include <stdlib.h>
#include "../arrow/build.h"
#include "../arrow/datetime.h"
#include "../common/common.h"
#include "../memory/memory.h"
#include "codec.h"
#include "column.h"
#include "encoding.h"
#include "metadata.h"
#include "utf8.h"
#include "values.h"
#include "fastdata/parquet.h"

/* A page may claim at most this many values per byte of its body: RLE runs make very high
 * ratios legitimate (an all-null page), but an unbounded claim would let a few hostile
 * bytes demand gigabytes. */
#define MAX_VALUES_PER_PAGE_BYTE 65536
#define MAX_PAGE_SIZE (1u << 30)
/* No writer puts more values in one page (parquet-cpp's old 64M-row row groups of nulls
 * come closest); the cap keeps a page's claim from demanding gigabytes. */
#define MAX_PAGE_VALUES ((size_t)1 << 27)
/* A flat chunk's output is sized for its row group's rows up to this many at once, and
 * grows with its pages beyond: the footer's row count alone cannot allocate memory. */
#define FLAT_INITIAL_ROWS ((size_t)1 << 22)
/* The most string bytes per stored byte of a chunk its buffer is sized for in advance. */
#define MAX_STRING_EXPANSION 64
/* Bytes past the last row slot of fixed-width output, so that a PLAIN page can be
 * decompressed into the slots of its own rows even with its definition levels in front. */
#define IN_PLACE_SLACK 16384
#define SLAB_SLACK_MIN 64 /* a page without nulls: one run of set levels (LEVELS_FRONT_MAX) */

struct chunk_decoder {
    const struct pq_chunk_input *in;
    const struct pq_leaf *leaf;
    const struct pq_arrow_type *at;
    int phys_width;
    int direct;              /* dense physical values are already the Arrow values */
    int nested;              /* levels are kept and values land in slots, not rows */
    int64_t pos;             /* rows (flat) or slots (nested) decoded so far */
    size_t cap;              /* slots the output buffers hold */
    int64_t entries;         /* level entries decoded so far */
    int64_t records;         /* entries that start a record (nested) */
    struct pq_levels *levels;
    struct col_out out;
    struct pq_dictionary dict;
    int dict_invalid_utf8;   /* a STRING dictionary holds invalid UTF-8: check its pages */
    int kept;                /* a view or dictionary chunk keeps its dictionary indices (as
                                int32 in the offsets' buffer) until a page needs values */
    struct pq_scratch *scratch;  /* the calling worker's, reused across chunks */
    int scratch_bits;        /* out.validity is scratch->bits (see grow_validity) */
    struct fdata_error *err;
    size_t levels_seen;      /* the last v1 page's definition level bytes (0: none yet) */
};

/* At most this many level bytes are expected in front of a page decompressed in place. */
#define LEVELS_FRONT_MAX 64

static int fail(struct chunk_decoder *d, int code, const char *why) {
    return fdata_set_error(d->err, code, "%s", why);
}

int pq_leaf_is_direct(const struct pq_leaf *leaf) {
    switch (leaf->arrow.kind) {
    case K_INT32: case K_UINT32: case K_DATE32: case K_TIME32:
        return leaf->physical == PQ_INT32;
    case K_INT64: case K_UINT64: case K_TIME64: case K_TIMESTAMP:
        return leaf->physical == PQ_INT64;
    case K_FLOAT: return leaf->physical == PQ_FLOAT;
    case K_DOUBLE: return leaf->physical == PQ_DOUBLE;
    case K_FIXED: case K_FLOAT16: return leaf->physical == PQ_FIXED_LEN_BYTE_ARRAY;
    case K_UTF8: case K_BINARY: return leaf->physical == PQ_BYTE_ARRAY;
    default: return 0;
    }
}

int pq_leaf_fixed_direct(const struct pq_leaf *leaf) {
    return !leaf->nested && pq_leaf_is_direct(leaf) && leaf->arrow.width > 0 &&
           leaf->arrow.kind != K_BOOL;
}

int pq_leaf_fixed_output(const struct pq_leaf *leaf) {
    return pq_leaf_fixed_direct(leaf) ||
           (!leaf->nested && pq_converts_always(leaf) && leaf->arrow.width > 0);
}

/* Bytes past a slab chunk's last row (of `rows`) that its decoder may write into: room for
 * the definition levels in front of an optional leaf's last PLAIN page, so that it too is
 * decompressed in place (a required leaf's pages hold just their values).  Levels bit-packed
 * take an eighth of a byte a row: a quarter and some cover them, up to IN_PLACE_SLACK; the
 * chunks of a small row group so stay next to each other in its slab, not a slack's pages
 * apart (which made a table of 550-row files take 3x its bytes in touched pages). */
static size_t slab_slack(const struct pq_leaf *leaf, size_t rows) {
    size_t want = SLAB_SLACK_MIN + rows / 4;
    return leaf->repetition != PQ_OPTIONAL ? 0 : want < IN_PLACE_SLACK ? want : IN_PLACE_SLACK;
}

/* A flat plain string leaf: its int32 offsets, one more than its rows, can go into a slab
 * (view and dictionary strings turn that buffer into indices of arrays of their own). */
static int slab_offsets(const struct pq_leaf *leaf) {
    return !leaf->nested && pq_leaf_is_direct(leaf) && leaf->arrow.width == 0 &&
           leaf->arrow.strings == FDATA_STRINGS_PLAIN;
}

size_t pq_slab_bytes(const struct pq_leaf *leaf, size_t rows) {
    if (slab_offsets(leaf))
        return (rows + 1) * sizeof(int32_t);
    if (pq_leaf_fixed_output(leaf))
        return rows * (size_t)leaf->arrow.width + slab_slack(leaf, rows);
    return 0;
}

int pq_leaf_fills(const struct pq_leaf *leaf, size_t width) {
    int kind = leaf->arrow.kind;
    return pq_leaf_fixed_direct(leaf) &&
           ((kind == K_FLOAT && width == 4) || (kind == K_DOUBLE && width == 8));
}

static size_t value_bytes(const struct chunk_decoder *d, size_t slots) {
    if (d->at->kind == K_BOOL)
        return slots / 8 + 1;
    if (d->at->width == 0)
        return (slots + 1) * 4;
    return slots * (size_t)d->at->width + (d->direct ? IN_PLACE_SLACK : 0);
}

/* Moves a buffer into a larger one; the new tail is zeroed when `zero`. */
static void *regrow(void *old, size_t old_size, size_t size, int zero) {
    void *p = zero ? fdata_aligned_calloc(size) : fdata_aligned_alloc(size);
    if (p && old)
        memcpy(p, old, old_size);
    if (p)
        fdata_aligned_free(old);
    return p;
}

/* The validity bitmap grown to `cap` slots (its new bits zeroed), NULL when out of memory
 * (the old one is kept).  A flat chunk's first one is the worker's scratch->bits, reused from
 * chunk to chunk: most chunks have no null row and then never allocate one, and one that has
 * gets a copy (own_validity).  Later growth, and a nested leaf's, allocate. */
static uint8_t *grow_validity(struct chunk_decoder *d, size_t cap) {
    size_t old = d->out.validity ? d->cap / 8 + 1 : 0, size = cap / 8 + 1;
    struct pq_scratch *s = d->scratch;
    if (!d->nested && !d->out.validity) {
        if (pq_scratch_grow((void **)&s->bits, &s->bits_cap, size, 1, d->err) != FDATA_OK)
            return NULL;
        memset(s->bits, 0, size);
        d->scratch_bits = 1;
        return s->bits;
    }
    uint8_t *bits = fdata_aligned_calloc(size);
    if (!bits)
        return NULL;
    if (old)
        memcpy(bits, d->out.validity, old);
    if (!d->scratch_bits)
        fdata_aligned_free(d->out.validity);
    d->scratch_bits = 0;
    return bits;
}

/* The bitmap in scratch becomes the chunk's own when a row is null; else it has none. */
static int own_validity(struct chunk_decoder *d) {
    if (!d->scratch_bits)
        return FDATA_OK;
    size_t size = (size_t)d->pos / 8 + 1;
    uint8_t *bits = d->out.null_count > 0 ? fdata_aligned_alloc(size) : NULL;
    if (d->out.null_count > 0 && !bits)
        return fdata_set_error(d->err, FDATA_ENOMEM, "out of memory");
    if (bits)
        memcpy(bits, d->out.validity, size);
    d->out.validity = bits;
    d->scratch_bits = 0;
    return FDATA_OK;
}

/* Makes the output hold `slots` values: all rows at once for a flat leaf; for a nested one
 * it grows as pages reveal their slots.  Only the bitmaps (ORed into) start zeroed. */
static int reserve_slots(struct chunk_decoder *d, size_t slots) {
    if (slots <= d->cap && d->out.values)
        return FDATA_OK;
    size_t cap = slots < d->cap * 2 ? d->cap * 2 : slots;
    if (!d->nested && cap > (size_t)d->in->num_rows)
        cap = slots > (size_t)d->in->num_rows ? slots : (size_t)d->in->num_rows;
    int optional = d->nested || d->leaf->repetition == PQ_OPTIONAL;
    uint8_t *validity = optional ? grow_validity(d, cap) : NULL;
    uint8_t *values = regrow(d->out.values, d->out.values ? value_bytes(d, d->cap) : 0,
                             value_bytes(d, cap), d->at->kind == K_BOOL);
    if ((optional && !validity) || !values) {
        if (validity)
            d->out.validity = validity;
        if (values)
            d->out.values = values;
        return fdata_set_error(d->err, FDATA_ENOMEM, "out of memory for %zu values", cap);
    }
    d->out.validity = validity;
    d->out.values = values;
    if (d->at->width == 0 && d->at->kind != K_BOOL) {
        d->out.bytes.offsets = (int32_t *)values;
        if (d->cap == 0)
            d->out.bytes.offsets[0] = 0;
    }
    d->cap = cap;
    return FDATA_OK;
}

/* Definition levels of a flat optional column (max level 1) go straight into the validity
 * bitmap at rows pos..pos+n; *valid gets the count of non-null values, *used the bytes. */
static int decode_levels(struct chunk_decoder *d, const struct pq_page_header *ph,
                         const uint8_t *p, size_t len, size_t n, int v2, size_t *used,
                         size_t *valid) {
    uint8_t *bits = d->out.validity;
    size_t pos = (size_t)d->pos;
    const char *why;
    if (v2) {
        why = pq_rle_decode_bits(p, len, bits, pos, n, valid);
        *used = len;
    } else if (ph->def_level_encoding == PQ_RLE) {
        if (len < 4)
            return fail(d, FDATA_ECORRUPT, "definition levels: truncated length prefix");
        uint32_t rle_len = fdata_load_u32le(p);
        if (rle_len > len - 4)
            return fail(d, FDATA_ECORRUPT, "definition levels longer than the page");
        why = pq_rle_decode_bits(p + 4, rle_len, bits, pos, n, valid);
        *used = 4 + (size_t)rle_len;
    } else if (ph->def_level_encoding == PQ_BIT_PACKED) {
        why = pq_bit_packed_decode_bits(p, len, bits, pos, n, used, valid);
        /* the page's levels all precede its values, also those past n (a clamped page) */
        size_t all = ph->num_values > 0 ? ((size_t)ph->num_values + 7) / 8 : 0;
        if (!why && all > *used && all <= len)
            *used = all;
    } else {
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED,
                               "definition levels in unsupported encoding %d",
                               ph->def_level_encoding);
    }
    if (why)
        return fdata_set_error(d->err, FDATA_ECORRUPT, "definition levels: %s", why);
    return FDATA_OK;
}

static int level_width(int max_level) {
    int bw = 0;
    while ((1 << bw) <= max_level)
        bw++;
    return bw;
}

/* One level stream of a nested leaf's page (v1: RLE with a length prefix, or BIT_PACKED;
 * v2: RLE of the given length) appended to `dst` as bytes, each checked against the maximum. */
static int decode_level_stream(struct chunk_decoder *d, int v1_encoding, int v2,
                               const uint8_t *p, size_t len, size_t n, int max_level,
                               uint8_t *dst, size_t *used, const char *what) {
    int bw = level_width(max_level);
    const char *why;
    if (v2) {
        why = pq_rle_decode_levels(p, len, bw, dst, n, max_level);
        *used = len;
    } else if (v1_encoding == PQ_RLE) {
        if (len < 4 || fdata_load_u32le(p) > len - 4)
            return fdata_set_error(d->err, FDATA_ECORRUPT, "%s levels: bad length prefix", what);
        why = pq_rle_decode_levels(p + 4, fdata_load_u32le(p), bw, dst, n, max_level);
        *used = 4 + (size_t)fdata_load_u32le(p);
    } else if (v1_encoding == PQ_BIT_PACKED) {
        struct pq_scratch *s = d->scratch;
        FDATA_RETURN_IF(pq_scratch_grow((void **)&s->indices, &s->indices_cap, n ? n : 1,
                                        sizeof *s->indices, d->err));
        why = pq_bit_packed_decode(p, len, bw, s->indices, n, used);
        for (size_t i = 0; !why && i < n; i++) {
            if (s->indices[i] > (uint32_t)max_level)
                why = "level above the maximum";
            dst[i] = (uint8_t)s->indices[i];
        }
    } else {
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED, "%s levels in unsupported encoding %d",
                               what, v1_encoding);
    }
    if (why)
        return fdata_set_error(d->err, FDATA_ECORRUPT, "%s levels: %s", what, why);
    return FDATA_OK;
}

/* A nested leaf's page: its repetition and definition levels are appended to d->levels;
 * *slots gets how many slots of the leaf the page fills and *valid how many hold a value,
 * whose bits are set in the validity bitmap.  *used: the level bytes of a v1 page. */
static int decode_nested_levels(struct chunk_decoder *d, const struct pq_page_header *ph,
                                const uint8_t *rep_p, size_t rep_len, const uint8_t *def_p,
                                size_t def_len, size_t n, int v2, size_t *used, size_t *slots,
                                size_t *valid) {
    struct pq_levels *lv = d->levels;
    *used = *slots = *valid = 0;
    if (n == 0)
        return FDATA_OK; /* an empty page: nothing to keep */
    if (lv->count + n > lv->cap) {
        size_t cap = lv->count + n > 2 * lv->cap ? lv->count + n : 2 * lv->cap;
        uint8_t *def = realloc(lv->def, cap), *rep = def ? realloc(lv->rep, cap) : NULL;
        lv->def = def ? def : lv->def;
        lv->rep = rep ? rep : lv->rep;
        if (!def || !rep)
            return fail(d, FDATA_ENOMEM, "out of memory for levels");
        lv->cap = cap;
    }
    uint8_t *rep = lv->rep + lv->count, *def = lv->def + lv->count;
    size_t rep_used = 0, def_used = 0;
    if (d->leaf->max_rep > 0)
        FDATA_RETURN_IF(decode_level_stream(d, ph->rep_level_encoding, v2, rep_p, rep_len, n,
                                            d->leaf->max_rep, rep, &rep_used, "repetition"));
    else
        memset(rep, 0, n);
    if (!v2) { /* v1: the definition levels follow the repetition levels */
        def_p = rep_p + rep_used;
        def_len = rep_len - rep_used;
    }
    if (d->leaf->max_def > 0)
        FDATA_RETURN_IF(decode_level_stream(d, ph->def_level_encoding, v2, def_p, def_len, n,
                                            d->leaf->max_def, def, &def_used, "definition"));
    else
        memset(def, 0, n);
    if (lv->count == 0 && n > 0 && rep[0] != 0)
        return fail(d, FDATA_ECORRUPT, "the column chunk starts in the middle of a record "
                                       "(first repetition level is not 0)");
    *used = rep_used + def_used;
    /* Every entry's rep is <= the leaf's own repetition level (checked above), so an entry
     * is a slot of the leaf when def >= enc_def, and holds a value when def == max_def. */
    FDATA_RETURN_IF(reserve_slots(d, (size_t)d->pos + n));
    uint8_t enc_def = (uint8_t)d->leaf->node->enc_def, max_def = (uint8_t)d->leaf->max_def;
    size_t records = 0, full = 1;
    for (size_t i = 0; i < n; i++) { /* simple reductions: vectorized */
        records += rep[i] == 0;
        full &= def[i] == max_def;
    }
    d->records += (int64_t)records;
    lv->count += n;
    if (full) { /* every entry holds a value: the common case of a list without nulls */
        pq_set_bit_range(d->out.validity, (size_t)d->pos, n);
        *slots = *valid = n;
        return FDATA_OK;
    }
    uint8_t *bits = d->out.validity;
    size_t k = 0, slot = (size_t)d->pos;
    for (size_t i = 0; i < n; i++) {
        unsigned has_value = def[i] == max_def;
        bits[slot >> 3] |= (uint8_t)(has_value << (slot & 7));
        k += has_value;
        slot += def[i] >= enc_def;
    }
    *slots = slot - (size_t)d->pos;
    *valid = k;
    return FDATA_OK;
}

/* The page's n string values at offsets[0..n] (rows or slots from d->pos on) must be UTF-8:
 * checked at once over their bytes; an invalid one fails naming its row and byte, or with
 * replace_invalid is rewritten. */
static int check_utf8(struct chunk_decoder *d, int32_t *offsets, size_t n) {
    size_t start = (size_t)offsets[0], len = (size_t)offsets[n] - start;
    size_t bad = len ? fdata_utf8_valid_prefix(d->out.bytes.data + start, len) : 0;
    if (bad == len)
        return FDATA_OK;
    if (d->at->replace_invalid)
        return pq_utf8_replace(&d->out.bytes, offsets, n, d->err);
    size_t lo = 0, hi = n, at = start + bad; /* the value holding byte `at` */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((size_t)offsets[mid] <= at)
            lo = mid;
        else
            hi = mid;
    }
    return fdata_set_error(d->err, FDATA_ECORRUPT,
                           "invalid UTF-8 in %s %lld, byte %zu of the value (a STRING column; "
                           "--invalid-utf8 binary or replace reads it)",
                           d->nested ? "value" : "row", (long long)(d->pos + (int64_t)lo),
                           at - (size_t)offsets[lo]);
}

static int is_dictionary_encoding(int encoding) {
    return encoding == PQ_PLAIN_DICTIONARY || encoding == PQ_RLE_DICTIONARY;
}

/* A flat string chunk's bytes so far, scaled to all its rows with 1/16 to spare, are what
 * its data buffer is expected to reach: one allocation instead of doublings.  Before its
 * first page's values, that page's bytes (len, for n rows) stand in for them: a PLAIN page's
 * are its values' and their 4-byte lengths, so the buffer is not regrown and copied at the
 * second page.  The row count is the footer's claim, so the expectation stays within
 * MAX_STRING_EXPANSION times the chunk's stored bytes; beyond it the buffer doubles. */
static void expect_string_bytes(struct chunk_decoder *d, size_t len, size_t n) {
    size_t rows = (size_t)d->in->num_rows, pos = (size_t)d->pos, size = d->out.bytes.size;
    size_t seen = pos ? size : len, seen_rows = pos ? pos : n;
    if (d->nested || seen == 0 || seen_rows == 0 || pos >= rows)
        return;
    double expected = (double)seen * (double)rows / (double)seen_rows * (17.0 / 16.0);
    double most = (double)d->in->size * MAX_STRING_EXPANSION;
    d->out.bytes.expected = (size_t)(expected < most ? expected : most);
}

/* The page's dictionary indices kept at rows pos..pos+n (nulls 0) of the offsets' buffer,
 * for a view or dictionary chunk to point into the dictionary instead of copying values. */
static int keep_indices(struct chunk_decoder *d, struct pq_value_target *t, int encoding,
                        const uint8_t *p, size_t len, size_t n, size_t k, const uint8_t *valid) {
    FDATA_RETURN_IF(pq_dictionary_indices(t, encoding, p, len, k));
    uint8_t *dst = d->out.values + (size_t)d->pos * 4;
    memcpy(dst, d->scratch->indices, k * 4);
    if (valid)
        pq_spread_fixed(dst, 4, valid, (size_t)d->pos, n, k);
    return FDATA_OK;
}

static int row_is_valid(const struct chunk_decoder *d, size_t i) {
    return !d->out.validity || (d->out.validity[i >> 3] >> (i & 7) & 1);
}

/* The indices kept so far become the values they pick, offsets and bytes as a plain chunk
 * has them: a page that is not dictionary-encoded came, a new dictionary, or one with
 * invalid UTF-8 to check per row.  The valid rows' indices are gathered densely (their
 * offsets overwrite the kept indices), then the offsets spread to the rows. */
static int gather_kept(struct chunk_decoder *d) {
    size_t n = (size_t)d->pos, k = 0;
    const int32_t *v = (const int32_t *)d->out.values;
    struct pq_scratch *s = d->scratch;
    d->kept = 0;
    FDATA_RETURN_IF(pq_scratch_grow((void **)&s->indices, &s->indices_cap, n ? n : 1,
                                    sizeof(uint32_t), d->err));
    for (size_t i = 0; i < n; i++) {
        s->indices[k] = (uint32_t)v[i];
        k += (size_t)row_is_valid(d, i);
    }
    int32_t *offsets = d->out.bytes.offsets;
    offsets[0] = 0;
    FDATA_RETURN_IF(pq_gather_strings(&d->dict, s->indices, k, &d->out.bytes, offsets, d->err));
    if (d->out.null_count > 0)
        pq_spread_offsets(offsets, d->out.validity, 0, n, k);
    return FDATA_OK;
}

/* Decodes k dense values of the page and places them at rows pos..pos+n; `valid` is the
 * validity bitmap when some of those rows are null, else NULL. */
static int decode_values(struct chunk_decoder *d, int encoding, const uint8_t *p, size_t len,
                         size_t n, size_t k, const uint8_t *valid) {
    struct pq_value_target t = {
        .leaf = d->leaf, .dict = &d->dict, .scratch = d->scratch, .err = d->err,
    };
    size_t pos = (size_t)d->pos;
    if (d->at->kind == K_BOOL) {
        FDATA_RETURN_IF(pq_decode_bool(&t, encoding, p, len, k));
        pq_place_bools(d->out.values, pos, d->scratch->conv, valid, n);
        return FDATA_OK;
    }
    if (d->direct && d->at->width == 0) {
        if (d->kept && is_dictionary_encoding(encoding) && !d->dict_invalid_utf8)
            return keep_indices(d, &t, encoding, p, len, n, k, valid);
        if (d->kept)
            FDATA_RETURN_IF(gather_kept(d));
        int32_t *offsets = d->out.bytes.offsets + pos;
        expect_string_bytes(d, len, n);
        FDATA_RETURN_IF(pq_decode_bytes(&t, encoding, p, len, k, &d->out.bytes, offsets));
        if (valid)
            pq_spread_offsets(offsets, valid, pos, n, k);
        if (d->at->kind == K_UTF8 && (!is_dictionary_encoding(encoding) || d->dict_invalid_utf8))
            return check_utf8(d, offsets, n); /* a valid dictionary's values are valid */
        return FDATA_OK;
    }
    if (d->direct) {
        uint8_t *dst = d->out.values + pos * (size_t)d->at->width;
        FDATA_RETURN_IF(pq_decode_fixed(&t, encoding, p, len, k, dst));
        if (valid)
            pq_spread_fixed(dst, d->at->width, valid, pos, n, k);
        return FDATA_OK;
    }
    return pq_decode_converted(&t, encoding, p, len, k, valid, pos, n, d->out.values);
}

static size_t uleb_bytes(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* The definition level bytes expected in front of a flat optional leaf's v1 PLAIN page: the
 * last page's, or for the first one a single run of n set levels (a 4-byte length, the run
 * header, the value), as writers put them before pages without nulls.  A page decompressed
 * that far before its slots has its values land on them, with nothing to move; a wrong guess
 * costs the move it saves.  0 when there is no room before the slots: rows decoded already
 * (their bytes are put back after the levels are read) or a slab's porch. */
static size_t levels_front(const struct chunk_decoder *d, const struct pq_page_header *ph,
                           size_t n) {
    if (ph->type != PQ_DATA_PAGE || d->nested || d->leaf->max_def == 0 ||
        ph->def_level_encoding != PQ_RLE)
        return 0;
    size_t guess = d->levels_seen ? d->levels_seen
                                  : 4 + uleb_bytes((uint64_t)n << 1) +
                                        (size_t)(level_width(d->leaf->max_def) + 7) / 8;
    size_t room = d->pos > 0 ? (size_t)d->pos * (size_t)d->at->width
                             : d->in->slab ? PQ_SLAB_PORCH : 0;
    return guess <= room && guess <= LEVELS_FRONT_MAX ? guess : 0;
}

/* Where a compressed page may be decompressed straight into the output: PLAIN values of a
 * type whose Arrow layout is the physical one go to the slots of the page's own rows (levels
 * in front spill into later slots or the slack); *target is NULL when the page must use
 * scratch. */
static int in_place_target(struct chunk_decoder *d, int encoding, size_t raw_len,
                           size_t entries, uint8_t **target) {
    size_t w = (size_t)d->at->width, pos = (size_t)d->pos;
    *target = NULL;
    if (!d->direct || w == 0 || encoding != PQ_PLAIN)
        return FDATA_OK;
    if (d->nested) { /* its slots are known only after its levels: room for the whole page */
        size_t need = raw_len / w + 1 > entries ? raw_len / w + 1 : entries;
        FDATA_RETURN_IF(reserve_slots(d, pos + need));
    }
    size_t slack = !d->in->dest ? IN_PLACE_SLACK : d->in->slab ? slab_slack(d->leaf, d->cap) : 0;
    size_t room = (d->cap - pos) * w + slack;
    *target = raw_len <= room ? d->out.values + pos * w : NULL;
    return FDATA_OK;
}

/* The page's k values were decompressed at `values`, inside its own slots from `slots` on:
 * move them to the front (past the levels), then to their rows. */
static int finish_in_place(struct chunk_decoder *d, uint8_t *slots, const uint8_t *values,
                           size_t values_len, size_t n, size_t k, const uint8_t *valid) {
    size_t w = (size_t)d->at->width;
    if (k > values_len / w)
        return fail(d, FDATA_ECORRUPT, "PLAIN values: page shorter than its values");
    if (values != slots)
        memmove(slots, values, k * w);
    if (valid)
        pq_spread_fixed(slots, d->at->width, valid, (size_t)d->pos, n, k);
    return FDATA_OK;
}

/* Arrow's time types hold a time of day, [0, one day): a TIME outside it (DuckDB writes a
 * TIME WITH TIME ZONE shifted to UTC, -03:51:39 say) becomes that time of the day, as
 * pyarrow and DuckDB show it.  Only TIME columns pay this pass over their page's values. */
static void wrap_times(struct chunk_decoder *d, size_t n) {
    int64_t day = d->at->kind == K_TIME32 ? 86400000
                  : strcmp(d->at->format, "ttu") == 0 ? 86400000000LL : 86400000000000LL;
    for (size_t i = (size_t)d->pos; i < (size_t)d->pos + n; i++) {
        if (d->at->kind == K_TIME32) {
            int32_t *v = (int32_t *)d->out.values + i;
            *v = (int32_t)(((int64_t)*v % day + day) % day);
        } else {
            int64_t *v = (int64_t *)d->out.values + i;
            *v = (*v % day + day) % day;
        }
    }
}

/* A data page's body (after decompression), v1 or v2. */
static int decode_data_page(struct chunk_decoder *d, const struct pq_page_header *ph,
                            const uint8_t *raw) {
    int v2 = ph->type == PQ_DATA_PAGE_V2;
    size_t n = (size_t)ph->num_values;
    if (ph->num_values < 0)
        return fail(d, FDATA_ECORRUPT, "page with a negative value count");
    /* A page may hold more values than the chunk's metadata counts (Impala's
     * bad_column_metadata) or entries past the row group's last row (cuDF's
     * nested-unsigned-malformed): read, as pyarrow does, the row group's rows and ignore what
     * lies beyond, counted by position, which needs no repetition levels; a leaf below a list
     * must end on its last record (check_records). */
    int64_t rows_left = d->in->num_rows - (d->nested ? d->records : d->pos);
    if ((!d->nested || d->leaf->max_rep == 0) && (int64_t)n > rows_left)
        n = (size_t)rows_left;
    if (n > MAX_PAGE_VALUES)
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED,
                               "page claims %zu values, more than the %zu fastdata accepts", n,
                               MAX_PAGE_VALUES);
    if (!d->nested)
        FDATA_RETURN_IF(reserve_slots(d, (size_t)d->pos + n));
    if (d->in->dest && !d->in->slab) /* a fresh matrix, most often: its memory faulted in at
        once as far as the page reaches, not as the footer's row count says (a slab's huge
        pages fault as written) */
        fdata_prefault(d->out.values + (size_t)d->pos * (size_t)d->at->width,
                       n * (size_t)d->at->width);
    const uint8_t *body = raw;
    size_t body_len = (size_t)ph->compressed_size;
    size_t levels_len = 0;
    if (v2) {
        if (ph->def_levels_length < 0 || ph->rep_levels_length < 0 ||
            (size_t)ph->def_levels_length + (size_t)ph->rep_levels_length > body_len ||
            ph->def_levels_length + ph->rep_levels_length > ph->uncompressed_size)
            return fail(d, FDATA_ECORRUPT, "level lengths exceed the page size");
        levels_len = (size_t)ph->def_levels_length + (size_t)ph->rep_levels_length;
    }
    /* v1 compresses levels and values together; v2 leaves the levels uncompressed. */
    const uint8_t *values = body + levels_len;
    size_t values_len = body_len - levels_len;
    size_t raw_len = (size_t)ph->uncompressed_size - levels_len;
    if ((size_t)ph->uncompressed_size * MAX_VALUES_PER_PAGE_BYTE + MAX_VALUES_PER_PAGE_BYTE < n)
        return fail(d, FDATA_ECORRUPT, "page claims more values than its bytes can hold");
    uint8_t *in_place = NULL, before[LEVELS_FRONT_MAX];
    size_t front = 0; /* level bytes expected in front of in_place, see levels_front */
    if (d->in->codec != PQ_UNCOMPRESSED && (!v2 || ph->is_compressed)) {
        FDATA_RETURN_IF(in_place_target(d, ph->encoding, raw_len, n, &in_place));
        uint8_t *target = in_place;
        if (target && (front = levels_front(d, ph, n)) > 0) {
            target -= front;
            if (d->pos > 0)
                memcpy(before, target, front); /* the last rows' values, put back below */
        }
        if (!target) {
            FDATA_RETURN_IF(pq_scratch_page(d->scratch, raw_len, d->err));
            target = d->scratch->page;
        }
        FDATA_RETURN_IF(pq_decompress(&d->scratch->codecs, d->in->codec, values, values_len,
                                      target, raw_len, d->err));
        values = target;
        values_len = raw_len;
    }
    size_t k = n;
    if (d->nested) {
        size_t used = 0, slots = 0;
        FDATA_RETURN_IF(decode_nested_levels(d, ph, v2 ? body : values,
                                             v2 ? (size_t)ph->rep_levels_length : values_len,
                                             body + ph->rep_levels_length,
                                             (size_t)ph->def_levels_length, n, v2, &used, &slots,
                                             &k));
        if (!v2) {
            values += used;
            values_len -= used;
        }
        n = slots; /* from here on n counts the leaf's slots, not level entries */
        d->entries += ph->num_values;
    } else if (d->leaf->max_def > 0) {
        size_t used;
        const uint8_t *lp = v2 ? body + ph->rep_levels_length : values;
        size_t ll = v2 ? (size_t)ph->def_levels_length : values_len;
        int status = decode_levels(d, ph, lp, ll, n, v2, &used, &k);
        if (status != FDATA_OK && front && d->pos > 0)
            memcpy(in_place - front, before, front);
        FDATA_RETURN_IF(status);
        if (!v2) {
            values += used;
            values_len -= used;
            d->levels_seen = used;
        }
    }
    const uint8_t *valid = k < n ? d->out.validity : NULL;
    if (in_place) {
        int status = finish_in_place(d, in_place, values, values_len, n, k, valid);
        if (front && d->pos > 0)
            memcpy(in_place - front, before, front);
        FDATA_RETURN_IF(status);
    } else
        FDATA_RETURN_IF(decode_values(d, ph->encoding, values, values_len, n, k, valid));
    if (d->at->kind == K_TIME32 || d->at->kind == K_TIME64)
        wrap_times(d, n);
    d->out.null_count += (int64_t)(n - k);
    d->pos += (int64_t)n;
    if (!d->nested)
        d->entries = d->pos;
    return FDATA_OK;
}

/* A STRING dictionary is checked once, not its values on every page: when it holds invalid
 * UTF-8 it is rewritten (replace_invalid), or the pages that use it are checked, so that the
 * error names a row that holds such a value (an entry no row uses is no error). */
static int check_dictionary_utf8(struct chunk_decoder *d) {
    struct pq_bytes *b = &d->dict.bytes;
    d->dict_invalid_utf8 = b->size && fdata_utf8_valid_prefix(b->data, b->size) != b->size;
    if (!d->dict_invalid_utf8 || !d->at->replace_invalid)
        return FDATA_OK;
    d->dict_invalid_utf8 = 0;
    FDATA_RETURN_IF(pq_utf8_replace(b, b->offsets, d->dict.count, d->err));
    pq_dictionary_measure(&d->dict); /* replacements change lengths */
    return FDATA_OK;
}

/* A compressed dictionary page's bytes, decompressed into the worker's scratch: a
 * fixed-width one's into a buffer of its own there, which its values are read from while
 * the data pages use the page buffer (reused from chunk to chunk: no allocation per chunk). */
static int decompress_dictionary(struct chunk_decoder *d, const struct pq_page_header *ph,
                                 const uint8_t *raw, const uint8_t **body) {
    size_t size = (size_t)ph->uncompressed_size;
    struct pq_scratch *s = d->scratch;
    int fixed = d->leaf->physical != PQ_BYTE_ARRAY && d->leaf->physical != PQ_BOOLEAN;
    if (ph->uncompressed_size < 0)
        return fail(d, FDATA_ECORRUPT, "dictionary page with a negative size");
    if (fixed)
        FDATA_RETURN_IF(pq_scratch_grow((void **)&s->dict, &s->dict_cap, size + 1, 1, d->err));
    else
        FDATA_RETURN_IF(pq_scratch_page(s, size, d->err));
    *body = fixed ? s->dict : s->page;
    return pq_decompress(&s->codecs, d->in->codec, raw, (size_t)ph->compressed_size,
                         fixed ? s->dict : s->page, size, d->err);
}

static int decode_dictionary_page(struct chunk_decoder *d, const struct pq_page_header *ph,
                                  const uint8_t *raw) {
    if (ph->encoding != PQ_PLAIN && ph->encoding != PQ_PLAIN_DICTIONARY)
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED,
                               "dictionary page in unsupported encoding %d", ph->encoding);
    if (ph->num_values < 0)
        return fail(d, FDATA_ECORRUPT, "dictionary page with a negative value count");
    /* a second dictionary: the indices so far point into the first, which a compressed
     * fixed-width one's decompression is about to overwrite (the worker's scratch->dict) */
    if (d->kept && d->pos > 0)
        FDATA_RETURN_IF(gather_kept(d));
    const uint8_t *body = raw;
    size_t len = (size_t)ph->compressed_size;
    if (d->in->codec != PQ_UNCOMPRESSED) {
        FDATA_RETURN_IF(decompress_dictionary(d, ph, raw, &body));
        len = (size_t)ph->uncompressed_size;
    }
    FDATA_RETURN_IF(pq_dictionary_load(&d->dict, d->leaf, body, len, (size_t)ph->num_values,
                                       d->err));
    if (d->at->kind == K_UTF8)
        FDATA_RETURN_IF(check_dictionary_utf8(d));
    return pq_dictionary_convert(&d->dict, d->leaf, d->err);
}

static int decode_page(struct chunk_decoder *d, const struct pq_page_header *ph,
                       const uint8_t *raw) {
    if (ph->uncompressed_size > (int32_t)MAX_PAGE_SIZE)
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED,
                               "page of %d bytes exceeds the 1 GiB limit", ph->uncompressed_size);
    switch (ph->type) {
    case PQ_DATA_PAGE:
    case PQ_DATA_PAGE_V2:
        if (!ph->has_data_header)
            return fail(d, FDATA_ECORRUPT, "data page without its data page header");
        return decode_data_page(d, ph, raw);
    case PQ_DICTIONARY_PAGE:
        if (!ph->has_data_header)
            return fail(d, FDATA_ECORRUPT, "dictionary page without its dictionary header");
        return decode_dictionary_page(d, ph, raw);
    default:
        return FDATA_OK; /* index pages and page types from the future carry no values */
    }
}

/* A nested leaf's chunk must hold exactly the row group's records. */
static int check_records(struct chunk_decoder *d) {
    if (d->records != d->in->num_rows)
        return fdata_set_error(d->err, FDATA_ECORRUPT,
                               "column chunk holds %lld records but the row group %lld rows",
                               (long long)d->records, (long long)d->in->num_rows);
    return FDATA_OK;
}

/* With spans: at the end of span *k, the next one's start (its rows checked); off and end
 * stay when there is none. */
static int next_span(struct chunk_decoder *d, size_t *k, size_t *off, size_t *end) {
    const struct pq_span *sp = d->in->spans;
    if (!sp || *off < *end || *k + 1 >= d->in->num_spans)
        return FDATA_OK;
    if (sp[*k].rows_end >= 0 && d->entries != sp[*k].rows_end)
        return fdata_set_error(d->err, FDATA_ECORRUPT, "pages at byte %lld hold %lld rows where "
                               "the page index says %lld", (long long)(d->in->file_offset +
                               (int64_t)sp[*k].offset), (long long)d->entries,
                               (long long)sp[*k].rows_end);
    (*k)++;
    *off = sp[*k].offset;
    *end = sp[*k].offset + sp[*k].length;
    return FDATA_OK;
}

static int decode_pages(struct chunk_decoder *d) {
    const struct pq_chunk_input *in = d->in;
    size_t k = 0, off = in->spans ? in->spans[0].offset : 0;
    size_t end = in->spans ? off + in->spans[0].length : in->size;
    /* by pages (a leaf outside lists: a level entry a row), the rows the spans hold */
    int64_t goal = d->nested && !in->spans ? in->num_values : in->num_rows;
    while (d->entries < goal) {
        struct pq_page_header ph;
        size_t hlen;
        FDATA_RETURN_IF(next_span(d, &k, &off, &end));
        int status = off < end ? FDATA_OK
                                    : fdata_set_error(d->err, FDATA_ECORRUPT,
                                                      "column chunk ends after %lld of %lld %s",
                                                      (long long)d->entries, (long long)goal,
                                                      d->nested ? "values" : "rows");
        if (status == FDATA_OK)
            status = pq_page_header_parse(in->data + off, end - off, &ph, &hlen, d->err);
        if (status == FDATA_OK && (size_t)ph.compressed_size > end - off - hlen)
            status = fdata_set_error(d->err, FDATA_ECORRUPT,
                                     "page claims %d bytes but the column chunk has %zu left",
                                     ph.compressed_size, end - off - hlen);
        if (status == FDATA_OK)
            status = decode_page(d, &ph, in->data + off + hlen);
        if (status != FDATA_OK) {
            fdata_error_prefix(d->err, "page at byte %lld", (long long)(in->file_offset + (int64_t)off));
            return status;
        }
        off += hlen + (size_t)ph.compressed_size;
    }
    if (in->spans && k + 1 < in->num_spans) /* the rows of spans never read: a page lied */
        return fdata_set_error(d->err, FDATA_ECORRUPT, "pages at byte %lld hold %lld rows where "
                               "the page index says %lld", (long long)(in->file_offset +
                               (int64_t)in->spans[k].offset), (long long)d->entries,
                               (long long)in->spans[k].rows_end);
    return d->nested ? check_records(d) : FDATA_OK;
}

/* The validity bitmap, taken from the decoder: NULL when no row is null. */
static void *take_validity(struct chunk_decoder *d) {
    void *bits = d->out.null_count > 0 ? d->out.validity : NULL;
    if (!bits)
        fdata_aligned_free(d->out.validity);
    d->out.validity = NULL;
    return bits;
}

/* The string values of a view or dictionary chunk: its dictionary's, picked by the kept
 * indices, or its decoded values, one per row (idx NULL). */
struct string_source {
    struct pq_bytes *bytes;
    size_t count;
    const int32_t *idx;
};

static struct string_source string_source(struct chunk_decoder *d) {
    if (d->kept && !d->dict.loaded)
        (void)gather_kept(d); /* no dictionary-encoded page: no values, nothing to fail */
    if (d->kept)
        return (struct string_source){&d->dict.bytes, d->dict.count, (int32_t *)d->out.values};
    return (struct string_source){&d->out.bytes, (size_t)d->pos, NULL};
}

/* Arrow's view of a value: its length, then the value itself when it has at most 12
 * bytes (zero-padded), else its first 4 bytes, data buffer 0 and its offset.  Built in two
 * 64-bit words from 16 bytes read at the value (data is a pq_bytes: PQ_BYTES_PAD past its
 * end), the bytes past a short value masked off. */
static void write_view(uint8_t *dst, const uint8_t *data, int32_t off, int32_t len) {
    uint64_t a, b, lo, hi;
    memcpy(&a, data + off, 8);
    memcpy(&b, data + off + 8, 8);
    if (len <= 12) {
        unsigned bits = 8 * (unsigned)len; /* keep len bytes of a, then of b */
        a &= bits >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
        b &= bits <= 64 ? 0 : ((uint64_t)1 << (bits - 64)) - 1;
        lo = (uint32_t)len | a << 32;
        hi = a >> 32 | b << 32;
    } else {
        lo = (uint32_t)len | (uint64_t)(uint32_t)a << 32;
        hi = (uint64_t)(uint32_t)off << 32; /* buffer 0, then the offset */
    }
    memcpy(dst, &lo, 8);
    memcpy(dst + 8, &hi, 8);
}

/* A string_view (binary_view) array whose one data buffer is the dictionary's bytes or the
 * decoded values' bytes: nothing is copied beyond the views.  A null row's view is all
 * zeros: its offsets give it no bytes, or its kept index 0 picks a view zeroed afterwards. */
static int finish_views(struct chunk_decoder *d, struct ArrowArray *out) {
    struct string_source src = string_source(d);
    size_t n = (size_t)d->pos;
    uint8_t *views = fdata_aligned_alloc(n * 16 + 1);
    int64_t *sizes = fdata_aligned_alloc(sizeof *sizes);
    uint8_t *data = src.bytes->data ? src.bytes->data : fdata_aligned_calloc(PQ_BYTES_PAD);
    uint8_t *entries = src.idx ? calloc(src.count + 1, 16) : NULL; /* each entry's view */
    if (!views || !sizes || !data || (src.idx && !entries)) {
        fdata_aligned_free(views);
        fdata_aligned_free(sizes);
        if (data != src.bytes->data)
            fdata_aligned_free(data);
        free(entries);
        return fail(d, FDATA_ENOMEM, "out of memory");
    }
    src.bytes->data = NULL;
    *sizes = (int64_t)src.bytes->size;
    const int32_t *off = src.bytes->offsets;
    if (entries) {
        for (size_t j = 0; j < src.count; j++)
            write_view(entries + 16 * j, data, off[j], off[j + 1] - off[j]);
        for (size_t i = 0; i < n; i++) /* a gather of 16-byte views */
            memcpy(views + 16 * i, entries + 16 * (size_t)src.idx[i], 16);
        for (size_t i = 0; d->out.null_count > 0 && i < n; i++)
            if (!row_is_valid(d, i))
                memset(views + 16 * i, 0, 16);
    } else {
        for (size_t i = 0; i < n; i++)
            write_view(views + 16 * i, data, off[i], off[i + 1] - off[i]);
    }
    free(entries);
    void *buffers[4] = {take_validity(d), views, data, sizes};
    if (fdata_array_make(out, d->pos, d->out.null_count, 4, buffers) != FDATA_OK)
        return fail(d, FDATA_ENOMEM, "out of memory");
    return FDATA_OK;
}

/* A dictionary array: the chunk's dictionary and kept indices, or its decoded values as the
 * dictionary and indices 0..n-1. */
static int finish_dictionary(struct chunk_decoder *d, struct ArrowArray *out) {
    struct string_source src = string_source(d);
    size_t n = (size_t)d->pos;
    int32_t *idx = src.idx ? (int32_t *)d->out.values : fdata_aligned_alloc(n * 4 + 1);
    void *values[3] = {NULL, src.bytes->offsets,
                       src.bytes->data ? src.bytes->data : fdata_aligned_alloc(1)};
    if (!idx || !values[2]) {
        if (idx != src.idx)
            fdata_aligned_free(idx);
        if (values[2] != src.bytes->data)
            fdata_aligned_free(values[2]);
        return fail(d, FDATA_ENOMEM, "out of memory");
    }
    for (size_t i = 0; !src.idx && i < n; i++)
        idx[i] = (int32_t)i;
    if (src.bytes == &d->dict.bytes)
        d->dict.bytes.offsets = NULL;
    src.bytes->data = NULL;
    d->out.values = NULL; /* the indices, or the values' offsets */
    struct ArrowArray dict;
    void *indices[2] = {take_validity(d), idx};
    if (fdata_array_make(&dict, (int64_t)src.count, 0, 3, values) != FDATA_OK) {
        fdata_aligned_free(indices[0]);
        fdata_aligned_free(idx);
        return fail(d, FDATA_ENOMEM, "out of memory");
    }
    if (fdata_array_make_dictionary(out, d->pos, d->out.null_count, indices, &dict) != FDATA_OK)
        return fail(d, FDATA_ENOMEM, "out of memory");
    return FDATA_OK;
}

static int finish_array(struct chunk_decoder *d, struct ArrowArray *out) {
    FDATA_RETURN_IF(own_validity(d));
    if (d->at->strings == FDATA_STRINGS_VIEW)
        return finish_views(d, out);
    if (d->at->strings == FDATA_STRINGS_DICTIONARY)
        return finish_dictionary(d, out);
    int64_t rows = d->pos;
    void *buffers[3] = {take_validity(d), NULL, NULL};
    buffers[1] = d->out.values;
    d->out.values = NULL;
    int n_buffers = 2;
    if (d->at->width == 0 && d->at->kind != K_BOOL) {
        buffers[2] = d->out.bytes.data ? d->out.bytes.data : fdata_aligned_alloc(1);
        d->out.bytes.data = NULL;
        n_buffers = 3;
        if (!buffers[2]) {
            fdata_aligned_free(buffers[0]);
            fdata_aligned_free(buffers[1]);
            return fail(d, FDATA_ENOMEM, "out of memory");
        }
    }
    int status = d->in->slab ? fdata_array_make_in_slab(out, rows, d->out.null_count, n_buffers,
                                                         buffers, d->in->slab)
                             : fdata_array_make(out, rows, d->out.null_count, n_buffers, buffers);
    if (status != FDATA_OK)
        return fail(d, FDATA_ENOMEM, "out of memory");
    return FDATA_OK;
}

/* Output straight into the caller's buffer of num_rows values (only the bitmap is ours):
 * pages never hold more rows than the chunk, so it never grows. */
static int borrow_dest(struct chunk_decoder *d) {
    size_t rows = (size_t)d->in->num_rows;
    if (d->leaf->repetition == PQ_OPTIONAL && !(d->out.validity = grow_validity(d, rows)))
        return fdata_set_error(d->err, FDATA_ENOMEM, "out of memory for %zu values", rows);
    d->out.values = d->in->dest;
    if (d->at->width == 0) { /* a string leaf's offsets (pq_slab_bytes) */
        d->out.bytes.offsets = (int32_t *)d->out.values;
        d->out.bytes.offsets[0] = 0;
    }
    d->cap = rows;
    return FDATA_OK;
}

/* Null rows of a float or double chunk decoded in place (zeroed so far) become NaN. */
static void nulls_to_nan(struct chunk_decoder *d) {
    const uint8_t *valid = d->out.validity;
    for (size_t i = 0; d->out.null_count > 0 && i < (size_t)d->pos; i++) {
        if (valid[i >> 3] >> (i & 7) & 1)
            continue;
        if (d->at->kind == K_FLOAT)
            ((float *)d->out.values)[i] = NAN;
        else
            ((double *)d->out.values)[i] = NAN;
    }
}

void pq_levels_free(struct pq_levels *lv) {
    free(lv->def);
    free(lv->rep);
    memset(lv, 0, sizeof *lv);
}

int pq_decode_chunk(const struct pq_chunk_input *in, struct ArrowArray *out,
                    struct pq_levels *levels, struct fdata_error *err) {
    struct chunk_decoder d = {
        .in = in, .leaf = in->leaf, .at = &in->leaf->arrow, .err = err,
        .phys_width = pq_physical_width(in->leaf->physical, in->leaf->type_length),
        .direct = pq_leaf_is_direct(in->leaf), .scratch = in->scratch,
        .nested = in->leaf->nested, .levels = levels,
        .kept = in->leaf->arrow.strings != FDATA_STRINGS_PLAIN,
    };
    out->release = NULL;
    if (d.nested && in->spans && in->leaf->max_rep > 0)
        return fdata_set_error(err, FDATA_EINVAL, "repeated column decoded by pages");
    if (d.nested && !levels)
        return fdata_set_error(err, FDATA_EINVAL, "nested column decoded without levels");
    if (d.nested && (in->num_values < 0 || in->num_values > (int64_t)in->size * MAX_VALUES_PER_PAGE_BYTE + MAX_VALUES_PER_PAGE_BYTE))
        return fdata_set_error(err, FDATA_ECORRUPT, "column chunk claims %lld values in %zu bytes",
                               (long long)in->num_values, in->size);
    if (in->dest && !(in->slab ? pq_slab_bytes(in->leaf, 1) > 0
                               : pq_leaf_fills(in->leaf, (size_t)d.at->width) ||
                                     (in->spans && in->leaf->repetition == PQ_REQUIRED &&
                                      pq_leaf_fixed_output(in->leaf))))
        return fdata_set_error(err, FDATA_EINVAL, "column '%s' cannot be decoded in place",
                               in->leaf->path);
    size_t initial = d.nested ? 0 : (size_t)in->num_rows;
    int status = in->dest ? borrow_dest(&d)
                          : reserve_slots(&d, initial < FLAT_INITIAL_ROWS ? initial : FLAT_INITIAL_ROWS);
    if (status == FDATA_OK)
        status = decode_pages(&d);
    if (status == FDATA_OK && in->dest && !in->slab)
        nulls_to_nan(&d);
    else if (status == FDATA_OK)
        status = finish_array(&d, out);
    if (in->dest)
        d.out.values = NULL; /* the caller's */
    if (d.scratch_bits)
        d.out.validity = NULL; /* the worker's */
    fdata_aligned_free(d.out.validity);
    fdata_aligned_free(d.out.values);
    fdata_aligned_free(d.out.bytes.data);
    pq_dictionary_free(&d.dict);
    if (status != FDATA_OK && levels)
        pq_levels_free(levels);
    return status;
}
