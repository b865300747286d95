/* The replacement of invalid UTF-8 in STRING values by U+FFFD (the check itself is
 * fdata_utf8_valid_prefix, run over a page's values at once). */
#include <stdlib.h>
#include "../arrow/datetime.h"
#include "../common/common.h"
#include "utf8.h"

/* Bytes s[0..n) takes once its invalid sequences are replaced. */
static size_t replaced_size(const uint8_t *s, size_t n) {
    size_t size = 0, i = 0;
    while (i < n) {
        size_t ok = fdata_utf8_valid_prefix(s + i, n - i);
        size += ok;
        i += ok;
        if (i < n) {
            i += (size_t)-fdata_utf8_sequence(s + i, n - i);
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
            i += (size_t)-fdata_utf8_sequence(s + i, n - i);
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
