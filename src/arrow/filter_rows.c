/* Keeping the selected rows of an array: the rows to keep listed once (a selection vector),
 * then fixed-width values, bits, offsets, bytes and the children of structs and lists
 * gathered from it into fresh buffers, by loops without a branch per row. */
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "build.h"
#include "filter_rows.h"
#include "unify.h"

static int bit(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

/* The rows sel[0..kept) of `in` (logical indexes, before in->offset, ascending). */
static int filter_range(const struct ArrowSchema *type, const struct ArrowArray *in,
                        const int64_t *sel, int64_t kept, struct ArrowArray *out);

/* Bits sel[k] of `bits` (from bit `base`) as a fresh bitmap; *zeros counts those unset. */
static uint8_t *gather_bits(const uint8_t *bits, int64_t base, const int64_t *sel,
                            int64_t kept, int64_t *zeros) {
    uint8_t *b = fdata_aligned_calloc(((size_t)kept + 7) / 8);
    int64_t unset = 0;
    for (int64_t k = 0; b && k < kept; k++) {
        int v = bit(bits, base + sel[k]);
        b[k >> 3] |= (uint8_t)(v << (k & 7));
        unset += !v;
    }
    *zeros = unset;
    return b;
}

/* The kept rows' validity (NULL when none is null) and their count of nulls. */
static int filter_validity(const struct ArrowArray *in, const int64_t *sel, int64_t kept,
                           void **out, int64_t *nulls) {
    const uint8_t *bits = in->n_buffers > 0 ? in->buffers[0] : NULL;
    *out = NULL;
    *nulls = 0;
    if (!bits || in->null_count == 0)
        return FDATA_OK;
    *out = gather_bits(bits, in->offset, sel, kept, nulls);
    return *out ? FDATA_OK : FDATA_ENOMEM;
}

/* dst[k] = value sel[k] of src (from value `base`), values of `width` bytes: inlined where
 * width is a constant, a fixed-size copy (a load and a store), not a call. */
static inline void gather_width(uint8_t *dst, const uint8_t *src, int64_t base,
                                const int64_t *sel, int64_t kept, size_t width) {
    for (int64_t k = 0; k < kept; k++)
        memcpy(dst + (size_t)k * width, src + (size_t)(base + sel[k]) * width, width);
}

/* Values of `width` bytes (width 0: bits) of the kept rows. */
static void *filter_values(const struct ArrowArray *in, const int64_t *sel, int64_t kept,
                           size_t width) {
    const uint8_t *src = in->buffers[1];
    int64_t base = in->offset, zeros;
    if (!width)
        return gather_bits(src, base, sel, kept, &zeros);
    uint8_t *dst = fdata_aligned_alloc((size_t)kept * width);
    if (!dst)
        return NULL;
    switch (width) {
    case 1: gather_width(dst, src, base, sel, kept, 1); break;
    case 2: gather_width(dst, src, base, sel, kept, 2); break;
    case 4: gather_width(dst, src, base, sel, kept, 4); break;
    case 8: gather_width(dst, src, base, sel, kept, 8); break;
    case 16: gather_width(dst, src, base, sel, kept, 16); break;
    default: gather_width(dst, src, base, sel, kept, width);
    }
    return dst;
}

static int64_t offset_at(const void *offsets, int wide, int64_t i) {
    return wide ? ((const int64_t *)offsets)[i] : (int64_t)((const int32_t *)offsets)[i];
}

/* Offsets (int32 or int64) of the kept rows, rebased; *total: their children's count. */
static void *filter_offsets(const struct ArrowArray *in, const int64_t *sel, int64_t kept,
                            int wide, int64_t *total) {
    const void *o = in->buffers[1];
    uint8_t *out = fdata_aligned_alloc(((size_t)kept + 1) * (wide ? 8 : 4));
    int64_t at = 0;
    for (int64_t k = 0; out && k <= kept; k++) {
        if (wide)
            ((int64_t *)out)[k] = at;
        else
            ((int32_t *)out)[k] = (int32_t)at; /* no more than the input's int32 offsets */
        if (k < kept) {
            int64_t i = in->offset + sel[k];
            at += offset_at(o, wide, i + 1) - offset_at(o, wide, i);
        }
    }
    *total = at;
    return out;
}

/* The bytes of the kept strings or binaries, after `offsets` (the kept rows', total bytes). */
static void *filter_bytes(const struct ArrowArray *in, const int64_t *sel, int64_t kept,
                          int wide, const void *offsets, int64_t total) {
    const uint8_t *src = in->buffers[2];
    const void *o = in->buffers[1];
    uint8_t *dst = fdata_aligned_alloc((size_t)total + 1);
    for (int64_t k = 0; dst && k < kept; k++) {
        int64_t i = in->offset + sel[k], from = offset_at(o, wide, i);
        memcpy(dst + offset_at(offsets, wide, k), src + from,
               (size_t)(offset_at(o, wide, i + 1) - from));
    }
    return dst;
}

/* The child rows of the kept rows of a list or map (absolute child indexes, ascending). */
static int64_t *child_selection(const struct ArrowArray *in, const int64_t *sel, int64_t kept,
                                int wide, int64_t total) {
    const void *o = in->buffers[1];
    int64_t *child = malloc(((size_t)total + 1) * sizeof *child), w = 0;
    for (int64_t k = 0; child && k < kept; k++) {
        int64_t i = in->offset + sel[k];
        for (int64_t j = offset_at(o, wide, i); j < offset_at(o, wide, i + 1); j++)
            child[w++] = j;
    }
    return child;
}

/* The kept rows' views (string_view, binary_view) into bufs[1], the bytes of those longer
 * than 12 into one data buffer bufs[2] (the views rewritten to point there), its size into
 * bufs[3]; the views of null rows are zero. */
static int filter_views(const struct ArrowArray *in, const int64_t *sel, int64_t kept,
                        void **bufs) {
    const uint8_t *views = in->buffers[1], *bits = in->null_count ? in->buffers[0] : NULL;
    int64_t base = in->offset, total = 0;
    for (int64_t k = 0; k < kept; k++) {
        int32_t len;
        memcpy(&len, views + (size_t)(base + sel[k]) * 16, 4);
        total += (!bits || bit(bits, base + sel[k])) && len > 12 ? len : 0;
    }
    uint8_t *out = bufs[1] = fdata_aligned_calloc((size_t)kept * 16 + 1);
    uint8_t *data = bufs[2] = fdata_aligned_alloc((size_t)total + 1);
    int64_t *size = bufs[3] = fdata_aligned_alloc(sizeof *size);
    if (!out || !data || !size)
        return FDATA_ENOMEM;
    *size = total;
    int32_t at = 0;
    for (int64_t k = 0; k < kept; k++) {
        const uint8_t *v = views + (size_t)(base + sel[k]) * 16;
        uint8_t *o = out + (size_t)k * 16;
        int32_t len, buffer, offset, zero = 0;
        if (bits && !bit(bits, base + sel[k]))
            continue;
        memcpy(o, v, 16);
        memcpy(&len, v, 4);
        if (len <= 12)
            continue;
        memcpy(&buffer, v + 8, 4);
        memcpy(&offset, v + 12, 4);
        memcpy(data + at, (const uint8_t *)in->buffers[2 + buffer] + offset, (size_t)len);
        memcpy(o + 8, &zero, 4);
        memcpy(o + 12, &at, 4);
        at += len;
    }
    return FDATA_OK;
}

/* Rows sel[0..kept) of a whole array: [0, n). */
static int64_t *all_rows(int64_t n) {
    int64_t *sel = malloc(((size_t)n + 1) * sizeof *sel);
    for (int64_t r = 0; sel && r < n; r++)
        sel[r] = r;
    return sel;
}

/* A copy of a dictionary's values (every row kept), for the filtered indices. */
static int copy_dictionary(const struct ArrowSchema *type, const struct ArrowArray *in,
                           struct ArrowArray *out) {
    int64_t *all = all_rows(in->length);
    if (!all)
        return FDATA_ENOMEM;
    int status = filter_range(type, in, all, in->length, out);
    free(all);
    return status;
}

static int filter_range(const struct ArrowSchema *type, const struct ArrowArray *in,
                        const int64_t *sel, int64_t kept, struct ArrowArray *out) {
    const char *f = type->format;
    int64_t nulls, total = 0;
    out->release = NULL;
    if (strcmp(f, "n") == 0)
        return fdata_array_make(out, kept, kept, 0, NULL);
    void *bufs[FDATA_MAX_BUFFERS] = {NULL, NULL, NULL, NULL};
    struct ArrowArray dictionary = {0};
    int status = filter_validity(in, sel, kept, &bufs[0], &nulls);
    int n_buffers = 2, width = fdata_format_width(f), wide = f[0] == 'U' || f[0] == 'Z' ||
                                                             strcmp(f, "+L") == 0;
    int64_t *child_sel = NULL;
    if (status != FDATA_OK) {
    } else if (type->dictionary) { /* the indices, over a copy of the values */
        status = (bufs[1] = filter_values(in, sel, kept, (size_t)width)) ? FDATA_OK
                                                                         : FDATA_ENOMEM;
        if (status == FDATA_OK)
            status = copy_dictionary(type->dictionary, in->dictionary, &dictionary);
    } else if (f[0] == 'v') {
        n_buffers = 4;
        status = filter_views(in, sel, kept, bufs);
    } else if (width || strcmp(f, "b") == 0) {
        status = (bufs[1] = filter_values(in, sel, kept, (size_t)width)) ? FDATA_OK
                                                                         : FDATA_ENOMEM;
    } else if ((strchr("uzUZ", f[0]) && !f[1]) || strcmp(f, "+l") == 0 || strcmp(f, "+L") == 0 ||
               strcmp(f, "+m") == 0) {
        bufs[1] = filter_offsets(in, sel, kept, wide, &total);
        status = bufs[1] ? FDATA_OK : FDATA_ENOMEM;
        if (status == FDATA_OK && f[0] != '+') {
            n_buffers = 3;
            status = (bufs[2] = filter_bytes(in, sel, kept, wide, bufs[1], total)) ? FDATA_OK
                                                                                   : FDATA_ENOMEM;
        } else if (status == FDATA_OK) {
            status = (child_sel = child_selection(in, sel, kept, wide, total)) ? FDATA_OK
                                                                               : FDATA_ENOMEM;
        }
    } else if (strcmp(f, "+s") == 0) {
        n_buffers = 1;
    } else {
        status = FDATA_EUNSUPPORTED;
    }
    if (status != FDATA_OK || f[0] != '+') {
        if (status == FDATA_OK && dictionary.release)
            return fdata_array_make_dictionary(out, kept, nulls, bufs, &dictionary);
        if (status == FDATA_OK)
            return fdata_array_make(out, kept, nulls, n_buffers, bufs);
        free(child_sel);
        for (int b = 0; b < FDATA_MAX_BUFFERS; b++)
            fdata_aligned_free(bufs[b]);
        if (dictionary.release)
            dictionary.release(&dictionary);
        return status;
    }
    /* nested: a struct's children at its rows (shifted by its offset), a list's at theirs */
    struct ArrowArray *kids = calloc((size_t)in->n_children + 1, sizeof *kids);
    int64_t *shifted = f[1] == 's' && in->offset ? malloc(((size_t)kept + 1) * sizeof *shifted)
                                                 : NULL;
    status = kids && (f[1] != 's' || !in->offset || shifted) ? FDATA_OK : FDATA_ENOMEM;
    for (int64_t k = 0; shifted && k < kept; k++)
        shifted[k] = sel[k] + in->offset;
    const int64_t *rows = f[1] != 's' ? child_sel : shifted ? shifted : sel;
    int64_t n = f[1] != 's' ? total : kept;
    for (int64_t c = 0; c < in->n_children && status == FDATA_OK; c++)
        status = filter_range(type->children[c], in->children[c], rows, n, &kids[c]);
    free(child_sel);
    free(shifted);
    return fdata_array_finish_parent(status, out, kept, nulls, n_buffers, bufs, kids,
                                     in->n_children);
}

int fdata_array_filter(const struct ArrowSchema *type, const struct ArrowArray *in,
                       const uint8_t *keep, struct ArrowArray *out) {
    int64_t *sel = malloc(((size_t)in->length + 1) * sizeof *sel), kept = 0;
    if (!sel) {
        out->release = NULL;
        return FDATA_ENOMEM;
    }
    for (int64_t r = 0; r < in->length; r++) { /* written at every row, kept ones advance */
        sel[kept] = r;
        kept += keep[r] != 0;
    }
    int status = filter_range(type, in, sel, kept, out);
    free(sel);
    return status;
}
