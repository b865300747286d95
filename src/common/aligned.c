/* 64-byte aligned buffers, as the Arrow C Data Interface recommends. */
#include <stdint.h>
#include <stdlib.h>
#include "common.h"

static size_t round_up_64(size_t size) { return (size + 63) & ~(size_t)63; }

void *fdata_aligned_alloc(size_t size) {
    if (size > SIZE_MAX - 64)
        return NULL;
    return aligned_alloc(64, round_up_64(size ? size : 1));
}

void *fdata_aligned_calloc(size_t size) {
    void *p = fdata_aligned_alloc(size);
    if (p)
        memset(p, 0, round_up_64(size ? size : 1));
    return p;
}

void fdata_aligned_free(void *p) { free(p); }
