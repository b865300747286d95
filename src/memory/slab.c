/* Reference-counted buffers shared by the arrays of a row group (see memory.h).  Released
 * mapped ones leave their pages to their runtime's page cache (page_cache.c): a consumer that
 * releases each batch before taking the next (a streamed load, a decode loop) then decodes
 * into the same pages again instead of fresh ones the kernel must zero. */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include "fastdata/runtime.h"
#include "memory.h"
#include "pages.h"

/* A slab's header sits just before its bytes: its mapping (NULL when allocated), the whole
 * blocks its bytes span (allocated: the bytes asked of the allocator), its reference count
 * and the runtime memory it goes back to (a reference; NULL when malloc'ed). */
struct slab_header {
    void *map;
    size_t span;
    atomic_size_t refs;
    struct fdata_memory *memory;
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
static uint8_t *map_slab(size_t size, int huge, struct fdata_memory *memory) {
    if (size > SIZE_MAX - 3 * BLOCK)
        return NULL;
    size_t span = fdata_block_up(size);
    uint8_t *m = mmap(NULL, map_bytes(span), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uint8_t *p = (uint8_t *)fdata_block_up((uintptr_t)m + SLAB_HEADER);
    *slab_header(p) = (struct slab_header){.map = m, .span = span, .surplus = !huge,
                                           .memory = memory};
    if (huge) {
        fdata_advise_huge(p, span); /* written whole, soon: 2 MiB at a fault, not 4 KiB */
        fdata_page_cache_slab_in_use(memory, span);
    }
    return p;
}

/* A slab from the runtime's allocator: no page cache, no advice (the memory is its). */
static uint8_t *allocate_slab(size_t size, const struct fdata_allocator *a,
                              struct fdata_memory *memory) {
    uint8_t *p = size <= SIZE_MAX - SLAB_HEADER ? a->allocate(a->user, size + SLAB_HEADER, 64)
                                                 : NULL;
    if (!p)
        return NULL;
    p += SLAB_HEADER;
    *slab_header(p) = (struct slab_header){.span = size + SLAB_HEADER, .memory = memory};
    return p;
}

/* A new slab: from the runtime's allocator when it has one; else mapped from SLAB_MAP_MIN on,
 * its pages from the page cache and `pool` first; the rest in huge pages faulted as they are
 * written, or in 4 KiB pages populated now (a smaller one is malloc'ed, and populated now too
 * unless huge: one call, not a fault a page, for a download buffer that malloc has just
 * mapped). */
static void *slab_new(size_t size, struct fdata_pages *pool, int huge,
                      struct fdata_memory *memory) {
    if (!memory)
        return NULL;
    uint8_t *p;
    const struct fdata_allocator *a = fdata_memory_allocator(memory);
    if (a) {
        if (!(p = allocate_slab(size, a, memory)))
            return NULL;
        fdata_memory_hold(memory);
    } else if (size >= SLAB_MAP_MIN) {
        if (!(p = map_slab(size, huge, memory)))
            return NULL;
        fdata_memory_hold(memory);
        size_t span = slab_header(p)->span;
        size_t reused = fdata_pages_reuse(p, span, pool, memory); /* better: pages in use */
        if (!huge)
            fdata_prefault(p + reused, span - reused);
    } else {
        if (size > SIZE_MAX - SLAB_HEADER || !(p = fdata_aligned_alloc(size + SLAB_HEADER)))
            return NULL;
        p += SLAB_HEADER;
        slab_header(p)->map = NULL;
        slab_header(p)->memory = NULL;
        if (!huge)
            fdata_prefault(p, size);
    }
    atomic_init(&slab_header(p)->refs, 1);
    return p;
}

void *fdata_slab_new(size_t size, struct fdata_pages *pool, struct fdata_memory *memory) {
    return slab_new(size, pool, 1, memory);
}

void *fdata_slab_new_populated(size_t size, struct fdata_memory *memory) {
    return slab_new(size, NULL, 0, memory);
}

void fdata_slab_ref(void *slab) {
    atomic_fetch_add_explicit(&slab_header(slab)->refs, 1, memory_order_relaxed);
}

void fdata_slab_unref(void *slab) {
    if (!slab || atomic_fetch_sub_explicit(&slab_header(slab)->refs, 1, memory_order_acq_rel) != 1)
        return;
    struct slab_header *h = slab_header(slab);
    struct fdata_memory *memory = h->memory;
    if (h->map) {
        fdata_page_cache_give(memory, slab, h->span, h->surplus);
        munmap(h->map, map_bytes(h->span));
    } else if (memory) {
        const struct fdata_allocator *a = fdata_memory_allocator(memory);
        a->release(a->user, (uint8_t *)slab - SLAB_HEADER, h->span);
    } else {
        fdata_aligned_free((uint8_t *)slab - SLAB_HEADER);
    }
    if (memory)
        fdata_memory_let_go(memory);
}
