/* Reference-counted buffers shared by the arrays of a row group (see common.h).  Released
 * mapped ones leave their pages to the process's page cache (page_cache.c): a consumer that
 * releases each batch before taking the next (a streamed load, a decode loop) then decodes
 * into the same pages again instead of fresh ones the kernel must zero. */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include "memory.h"
#include "pages.h"

/* A slab's header sits just before its bytes: its mapping (NULL when malloc'ed), the whole
 * blocks its bytes span, and its reference count. */
struct slab_header {
    void *map;
    size_t span;
    atomic_size_t refs;
    int surplus; /* its pages may stay in the page cache beyond 64 MiB (download buffers); a
                  * value slab's up to the most such slabs' bytes in use at once */
};
#define SLAB_HEADER ((size_t)64) /* keeps the bytes 64-byte aligned */
#define SLAB_MAP_MIN ((size_t)4 << 20) /* from here on a slab is mapped */
#define BLOCK FDATA_BLOCK

static struct slab_header *slab_header(void *slab) {
    return (struct slab_header *)((uint8_t *)slab - SLAB_HEADER);
}

/* The mapping of a slab spanning `span` bytes: room to start on a block boundary with the
 * header in the page before. */
static size_t map_bytes(size_t span) { return span + BLOCK + 4096; }

/* A mapped slab whose bytes start on a block boundary and span whole blocks, so that every
 * page of it can come from a pool and go back to one (the header sits in the page before). */
static uint8_t *map_slab(size_t size, int huge) {
    if (size > SIZE_MAX - 3 * BLOCK)
        return NULL;
    size_t span = fdata_block_up(size);
    uint8_t *m = mmap(NULL, map_bytes(span), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uint8_t *p = (uint8_t *)fdata_block_up((uintptr_t)m + SLAB_HEADER);
    *slab_header(p) = (struct slab_header){.map = m, .span = span, .surplus = !huge};
    if (huge) {
        fdata_advise_huge(p, span); /* written whole, soon: 2 MiB at a fault, not 4 KiB */
        fdata_page_cache_slab_in_use(span);
    }
    return p;
}

/* A new slab: mapped from SLAB_MAP_MIN on, its pages from the page cache and `pool` first;
 * the rest in huge pages faulted as they are written, or in 4 KiB pages populated now (a
 * smaller one is malloc'ed, and populated now too unless huge: one call, not a fault a page,
 * for a download buffer that malloc has just mapped). */
static void *slab_new(size_t size, struct fdata_pages *pool, int huge) {
    uint8_t *p;
    if (size >= SLAB_MAP_MIN) {
        if (!(p = map_slab(size, huge)))
            return NULL;
        size_t span = slab_header(p)->span;
        size_t reused = fdata_pages_reuse(p, span, pool); /* better still: pages in use */
        if (!huge)
            fdata_prefault(p + reused, span - reused);
    } else {
        if (size > SIZE_MAX - SLAB_HEADER || !(p = fdata_aligned_alloc(size + SLAB_HEADER)))
            return NULL;
        p += SLAB_HEADER;
        slab_header(p)->map = NULL;
        if (!huge)
            fdata_prefault(p, size);
    }
    atomic_init(&slab_header(p)->refs, 1);
    return p;
}

void *fdata_slab_new(size_t size, struct fdata_pages *pool) { return slab_new(size, pool, 1); }

void *fdata_slab_new_populated(size_t size) { return slab_new(size, NULL, 0); }

void fdata_slab_ref(void *slab) {
    atomic_fetch_add_explicit(&slab_header(slab)->refs, 1, memory_order_relaxed);
}

void fdata_slab_unref(void *slab) {
    if (!slab || atomic_fetch_sub_explicit(&slab_header(slab)->refs, 1, memory_order_acq_rel) != 1)
        return;
    struct slab_header *h = slab_header(slab);
    if (h->map) {
        fdata_page_cache_give(slab, h->span, h->surplus);
        munmap(h->map, map_bytes(h->span));
    } else {
        fdata_aligned_free((uint8_t *)slab - SLAB_HEADER);
    }
}
