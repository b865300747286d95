/* Keeping the selected rows of an array: fixed-width values, bits, offsets and the children
 * of structs and lists, copied into fresh buffers. */
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "build.h"
#include "filter_rows.h"
#include "unify.h"

static int bit(const uint8_t *bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }

/* Rows [start, start + n) of `in` (logical, before in->offset), those with keep[r]. */
static int filter_range(const struct ArrowSchema *type, const struct ArrowArray *in,
                        int64_t start, int64_t n, const uint8_t *keep, struct ArrowArray *out);

/* The kept rows' validity (NULL when none is null) and their count of nulls. */
static int filter_validity(const struct ArrowArray *in, int64_t start, int64_t n,
                           const uint8_t *keep, int64_t kept, void **out, int64_t *nulls) {
    const uint8_t *bits = in->n_buffers > 0 ? in->buffers[0] : NULL;
    *out = NULL;
    *nulls = 0;
    if (!bits || in->null_count == 0)
        return FDATA_OK;
    uint8_t *b = *out = fdata_aligned_calloc(((size_t)kept + 7) / 8);
    if (!b)
        return FDATA_ENOMEM;
    for (int64_t r = 0, w = 0; r < n; r++) {
        if (!keep[r])
            continue;
        if (bit(bits, in->offset + start + r))
            b[w >> 3] |= (uint8_t)(1u << (w & 7));
        else
            (*nulls)++;
        w++;
    }
    return FDATA_OK;
}

/* Values of `width` bytes (width 0: bits). */
static void *filter_values(const struct ArrowArray *in, int64_t start, int64_t n,
                           const uint8_t *keep, int64_t kept, size_t width) {
    const uint8_t *src = in->buffers[1];
    uint8_t *dst = width ? fdata_aligned_alloc((size_t)kept * width)
                         : fdata_aligned_calloc(((size_t)kept + 7) / 8);
    for (int64_t r = 0, w = 0; dst && r < n; r++) {
        if (!keep[r])
            continue;
        int64_t i = in->offset + start + r;
        if (width)
            memcpy(dst + (size_t)w * width, src + (size_t)i * width, width);
        else if (bit(src, i))
            dst[w >> 3] |= (uint8_t)(1u << (w & 7));
        w++;
    }
    return dst;
}

/* Offsets (int32 or int64) of the kept rows, rebased; *child_keep marks the child rows of
 * the kept rows within [*child_start, *child_start + *child_n). */
static void *filter_offsets(const struct ArrowArray *in, int64_t start, int64_t n,
                            const uint8_t *keep, int64_t kept, int wide, int64_t *child_start,
                            int64_t *child_n, uint8_t **child_keep) {
    const int32_t *o32 = in->buffers[1];
    const int64_t *o64 = in->buffers[1];
    int64_t base = in->offset + start;
#define OFFSET(i) (wide ? o64[base + (i)] : (int64_t)o32[base + (i)])
    *child_start = OFFSET(0);
    *child_n = OFFSET(n) - OFFSET(0);
    void *offsets = fdata_aligned_alloc(((size_t)kept + 1) * (wide ? 8 : 4));
    *child_keep = calloc((size_t)*child_n + 1, 1);
    if (!offsets || !*child_keep) {
        fdata_aligned_free(offsets);
        free(*child_keep);
        *child_keep = NULL;
        return NULL;
    }
    int64_t at = 0, w = 0;
    for (int64_t r = 0; r <= n; r++) {
        if (r == n || keep[r]) { /* the last offset closes the last kept row */
            if (wide)
                ((int64_t *)offsets)[w] = at;
            else
                ((int32_t *)offsets)[w] = (int32_t)at;
            w += r < n;
        }
        if (r < n && keep[r]) {
            int64_t a = OFFSET(r) - *child_start, b = OFFSET(r + 1) - *child_start;
            memset(*child_keep + a, 1, (size_t)(b - a));
            at += b - a;
        }
    }
#undef OFFSET
    return offsets;
}

/* Bytes of strings or binaries selected by child_keep, in order. */
static void *filter_bytes(const struct ArrowArray *in, int64_t from, int64_t n,
                          const uint8_t *keep, int64_t *kept) {
    const uint8_t *src = (const uint8_t *)in->buffers[2] + from;
    *kept = 0;
    for (int64_t i = 0; i < n; i++)
        *kept += keep[i] != 0;
    uint8_t *dst = fdata_aligned_alloc((size_t)*kept);
    for (int64_t i = 0, w = 0; dst && i < n; i++)
        if (keep[i])
            dst[w++] = src[i];
    return dst;
}

/* The kept rows' views (string_view, binary_view) into bufs[1], the bytes of those longer
 * than 12 into one data buffer bufs[2] (the views rewritten to point there), its size into
 * bufs[3]; the views of null rows are zero. */
static int filter_views(const struct ArrowArray *in, int64_t start, int64_t n,
                        const uint8_t *keep, int64_t kept, void **bufs) {
    const uint8_t *views = in->buffers[1], *bits = in->null_count ? in->buffers[0] : NULL;
    int64_t base = in->offset + start, total = 0;
    for (int64_t r = 0; r < n; r++) {
        int32_t len;
        memcpy(&len, views + (size_t)(base + r) * 16, 4);
        total += keep[r] && (!bits || bit(bits, base + r)) && len > 12 ? len : 0;
    }
    uint8_t *out = bufs[1] = fdata_aligned_calloc((size_t)kept * 16 + 1);
    uint8_t *data = bufs[2] = fdata_aligned_alloc((size_t)total + 1);
    int64_t *size = bufs[3] = fdata_aligned_alloc(sizeof *size);
    if (!out || !data || !size)
        return FDATA_ENOMEM;
    *size = total;
    int32_t at = 0;
    for (int64_t r = 0, w = 0; r < n; r++) {
        if (!keep[r])
            continue;
        const uint8_t *v = views + (size_t)(base + r) * 16;
        uint8_t *o = out + (size_t)w++ * 16;
        int32_t len, buffer, offset, zero = 0;
        if (bits && !bit(bits, base + r))
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

/* A copy of a dictionary's values (every row kept), for the filtered indices. */
static int copy_dictionary(const struct ArrowSchema *type, const struct ArrowArray *in,
                           struct ArrowArray *out) {
    uint8_t *all = malloc((size_t)in->length + 1);
    if (!all)
        return FDATA_ENOMEM;
    memset(all, 1, (size_t)in->length + 1);
    int status = filter_range(type, in, 0, in->length, all, out);
    free(all);
    return status;
}

static int filter_range(const struct ArrowSchema *type, const struct ArrowArray *in,
                        int64_t start, int64_t n, const uint8_t *keep, struct ArrowArray *out) {
    const char *f = type->format;
    int64_t kept = 0, nulls;
    for (int64_t r = 0; r < n; r++)
        kept += keep[r] != 0;
    out->release = NULL;
    if (strcmp(f, "n") == 0)
        return fdata_array_make(out, kept, kept, 0, NULL);
    void *bufs[FDATA_MAX_BUFFERS] = {NULL, NULL, NULL, NULL};
    struct ArrowArray dictionary = {0};
    int status = filter_validity(in, start, n, keep, kept, &bufs[0], &nulls);
    int n_buffers = 2, width = fdata_format_width(f), wide = f[0] == 'U' || f[0] == 'Z' ||
                                                             strcmp(f, "+L") == 0;
    int64_t child_start = 0, child_n = 0;
    uint8_t *child_keep = NULL;
    if (status != FDATA_OK) {
    } else if (type->dictionary) { /* the indices, over a copy of the values */
        status = (bufs[1] = filter_values(in, start, n, keep, kept, (size_t)width)) ? FDATA_OK
                                                                                    : FDATA_ENOMEM;
        if (status == FDATA_OK)
            status = copy_dictionary(type->dictionary, in->dictionary, &dictionary);
    } else if (f[0] == 'v') {
        n_buffers = 4;
        status = filter_views(in, start, n, keep, kept, bufs);
    } else if (width || strcmp(f, "b") == 0) {
        status = (bufs[1] = filter_values(in, start, n, keep, kept, (size_t)width)) ? FDATA_OK
                                                                                    : FDATA_ENOMEM;
    } else if ((strchr("uzUZ", f[0]) && !f[1]) || strcmp(f, "+l") == 0 || strcmp(f, "+L") == 0 ||
               strcmp(f, "+m") == 0) {
        bufs[1] = filter_offsets(in, start, n, keep, kept, wide, &child_start, &child_n,
                                 &child_keep);
        status = bufs[1] ? FDATA_OK : FDATA_ENOMEM;
        if (status == FDATA_OK && f[0] != '+') {
            int64_t bytes;
            n_buffers = 3;
            status = (bufs[2] = filter_bytes(in, child_start, child_n, child_keep, &bytes))
                         ? FDATA_OK : FDATA_ENOMEM;
        }
    } else if (strcmp(f, "+s") == 0) {
        n_buffers = 1;
    } else {
        status = FDATA_EUNSUPPORTED;
    }
    if (status != FDATA_OK || f[0] != '+') {
        free(child_keep);
        if (status == FDATA_OK && dictionary.release)
            return fdata_array_make_dictionary(out, kept, nulls, bufs, &dictionary);
        if (status == FDATA_OK)
            return fdata_array_make(out, kept, nulls, n_buffers, bufs);
        for (int b = 0; b < FDATA_MAX_BUFFERS; b++)
            fdata_aligned_free(bufs[b]);
        if (dictionary.release)
            dictionary.release(&dictionary);
        return status;
    }
    /* nested: the children's rows, those of the kept rows */
    struct ArrowArray *kids = calloc((size_t)in->n_children + 1, sizeof *kids);
    status = kids ? FDATA_OK : FDATA_ENOMEM;
    for (int64_t c = 0; c < in->n_children && status == FDATA_OK; c++)
        status = f[1] == 's' ? filter_range(type->children[c], in->children[c],
                                            in->offset + start, n, keep, &kids[c])
                             : filter_range(type->children[c], in->children[c], child_start,
                                            child_n, child_keep, &kids[c]);
    free(child_keep);
    return fdata_array_finish_parent(status, out, kept, nulls, n_buffers, bufs, kids,
                                     in->n_children);
}

int fdata_array_filter(const struct ArrowSchema *type, const struct ArrowArray *in,
                       const uint8_t *keep, struct ArrowArray *out) {
    return filter_range(type, in, 0, in->length, keep, out);
}
