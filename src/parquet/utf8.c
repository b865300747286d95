/* The replacement of invalid UTF-8 in STRING values by U+FFFD (the check itself is
 * fdata_utf8_valid_prefix, run over a page's values at once). */
#include <stdlib.h>
#include "../arrow/datetime.h"
#include "../common/common.h"
#include "utf8.h"

/* The length of the valid sequence at s[0] (n > 0 bytes left, s[0] >= 0x80), or minus the
 * length of its maximal invalid subpart (at least 1 byte; Unicode's "best practice" for
 * U+FFFD substitution, as Python's "replace" does): how much one U+FFFD replaces. */
static int sequence(const uint8_t *s, size_t n) {
    uint8_t c = s[0], lo = 0x80, hi = 0xbf;
    int len;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return -1;
    if (c == 0xe0)
        lo = 0xa0; /* overlong */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* overlong */
    else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n || s[k] < lo || s[k] > hi)
            return -k;
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

/* Bytes s[0..n) takes once its invalid sequences are replaced. */
static size_t replaced_size(const uint8_t *s, size_t n) {
    size_t size = 0, i = 0;
    while (i < n) {
        size_t ok = fdata_utf8_valid_prefix(s + i, n - i);
        size += ok;
        i += ok;
        if (i < n) {
            i += (size_t)-sequence(s + i, n - i);
            size += 3;
        }
    }
    return size;
}

static uint8_t *put_replaced(uint8_t *out, const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t ok = fdata_utf8_valid_prefix(s + i, n - i);
        memcpy(out, s + i, ok);
        out += ok;
        i += ok;
        if (i < n) {
            i += (size_t)-sequence(s + i, n - i);
            memcpy(out, "\xef\xbf\xbd", 3);
            out += 3;
        }
    }
    return out;
}

int pq_utf8_replace(struct pq_bytes *b, int32_t *offsets, size_t n, struct fdata_error *err) {
    size_t start = (size_t)offsets[0], end = (size_t)offsets[n];
    uint8_t *old = malloc(end - start + 1);
    if (!old)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    memcpy(old, b->data + start, end - start);
    size_t size = 0;
    for (size_t i = 0; i < n; i++)
        size += replaced_size(old + offsets[i] - start, (size_t)(offsets[i + 1] - offsets[i]));
    b->size = start;
    int status = pq_bytes_reserve(b, size, err);
    uint8_t *out = b->data + start;
    int32_t from = offsets[0];
    for (size_t i = 0; status == FDATA_OK && i < n; i++) {
        int32_t to = offsets[i + 1];
        out = put_replaced(out, old + ((size_t)from - start),
                           (size_t)(to - from));
        from = to;
        offsets[i + 1] = (int32_t)(out - b->data);
    }
    if (status == FDATA_OK)
        b->size = start + size;
    free(old);
    return status;
}
