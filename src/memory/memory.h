/* The memory subsystem: mapped buffers, reference-counted slabs, the page pool (pages.h), the
 * runtimes' page caches of released buffers and the guard on the number of mappings.  Above
 * src/common, below every module that allocates table memory.  Not installed; symbols are
 * hidden in the shared library. */
#ifndef FDATA_MEMORY_H
#define FDATA_MEMORY_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include "../common/common.h"

/* 64-byte aligned allocation, size rounded up to a multiple of 64 (so vector loops may run
 * over the last value); bytes undefined (calloc: zeroed).  Buffers from 64 KiB to 64 MiB come
 * from, and go back to, the process's cache of released buffers (buffers.c), which keeps up
 * to 16 MiB for good and, until the runtime memory's reaper finds it idle for a second, up to
 * the most such bytes in use at once.  fdata_aligned_free(NULL) is a no-op.  NULL on failure.
 * Thread-safe. */
void *fdata_aligned_alloc(size_t size);
void *fdata_aligned_calloc(size_t size);
void fdata_aligned_free(void *p);
/* For the reaper: the cache's bytes above those kept for good, and giving them back (the
 * count of the most in use starting again from those in use now). */
size_t fdata_buffers_surplus(void);
/* The bytes of released buffers the cache holds now. */
size_t fdata_buffers_held(void);
void fdata_buffers_decay(void);
/* The caches' shared rules (page_cache.c, buffers.c): the most a cache of released memory
 * holds, a quarter of the machine's physical memory (`otherwise` when that cannot be told);
 * and `bytes` more in use, raising the most in use at once to it when above (any thread). */
size_t fdata_quarter_of_memory(size_t otherwise);
void fdata_count_in_use(atomic_size_t *live, atomic_size_t *peak, size_t bytes);
/* The buffer cache was used while holding a surplus: the process memory's reaper (started if
 * it is not running) will decay it once idle. */
void fdata_memory_buffers_used(void);
/* A zeroed buffer of `size` bytes mapped from the kernel: pages take memory only once
 * touched, and fdata_unmap_zeroed returns them all at once (sparse file buffers, where most
 * pages may never be written).  NULL when the mapping fails. */
void *fdata_map_zeroed(size_t size);
/* The unit of huge pages and of pages moved between buffers (pages.h): 2 MiB, a transparent
 * huge page; and an address rounded up or down to it. */
#define FDATA_BLOCK ((size_t)2 << 20)
static inline uintptr_t fdata_block_up(uintptr_t a) {
    return (a + FDATA_BLOCK - 1) & ~(uintptr_t)(FDATA_BLOCK - 1);
}
static inline uintptr_t fdata_block_down(uintptr_t a) { return a & ~(uintptr_t)(FDATA_BLOCK - 1); }
/* Asks for transparent huge pages (2 MiB: one fault and one page-table entry where there
 * were 512) for the aligned 2 MiB blocks inside [p, p + size), when the kernel leaves that
 * to madvise.  Only for memory that is soon written whole: a huge page is resident whole. */
void fdata_advise_huge(void *p, size_t size);
/* Whether fdata_advise_huge asks for huge pages: fdata_huge_pages_set decides (the public
 * fdata_set_huge_pages, arrow.h), else the environment (FASTDATA_HUGE_PAGES=1 turns them
 * on; off by default), read once. */
int fdata_huge_pages(void);
void fdata_huge_pages_set(int enable);
/* A runtime's memory (fastdata/runtime.h): its page cache of released buffers' pages, the
 * cache's reaper thread and its allocator.  The default runtime's (and NULL's) is the
 * process's, made at first use and never freed; one made with fdata_runtime_new has its own,
 * made at first use, whose cache empties when its runtime is freed and which is freed with
 * the last buffer made from it.  In a forked child a parent's runtime's is the process's.
 * NULL only when out of memory.  Thread-safe. */
struct fdata_memory;
struct fdata_runtime;
struct fdata_allocator;
struct fdata_memory *fdata_memory_of(struct fdata_runtime *rt);
/* Its allocator, or NULL: mapped pages and malloc. */
const struct fdata_allocator *fdata_memory_allocator(struct fdata_memory *m);
/* A reference that keeps it, and letting one go (the last frees a runtime's own). */
void fdata_memory_hold(struct fdata_memory *m);
void fdata_memory_let_go(struct fdata_memory *m);
/* A reference-counted, 64-byte aligned buffer that several arrays can share, its bytes
 * undefined, made from `memory` (fdata_memory_of; NULL: none can be had): from its allocator
 * when it has one; else large ones mapped, huge pages advised, with pages from its page cache
 * and from `pool` when not NULL (see pages.h), small ones from malloc.  fdata_slab_new returns
 * it with one reference or NULL, fdata_slab_ref adds one (any thread), fdata_slab_unref drops
 * one and frees it with the last (NULL: no-op), giving its pages to the cache or its bytes to
 * the allocator it came from. */
struct fdata_pages;
void *fdata_slab_new(size_t size, struct fdata_pages *pool, struct fdata_memory *memory);
/* As fdata_slab_new without a pool, for a buffer about to be filled once from the network:
 * the pages that released slabs do not supply are 4 KiB ones populated at once (see
 * fdata_prefault for why not huge ones). */
void *fdata_slab_new_populated(size_t size, struct fdata_memory *memory);
void fdata_slab_ref(void *slab);
void fdata_slab_unref(void *slab);
/* Whether pages may still move between buffers (pages.h): a moved block becomes a mapping
 * of its own, and past half of vm.max_map_count mappings moves stop (buffers take fresh
 * pages) so that mmap keeps working; counted from /proc/self/maps every 64 calls.
 * fdata_maps_set_limit(n) stands n for vm.max_map_count (0: the kernel's again), for tests. */
int fdata_maps_have_room(void);
void fdata_maps_set_limit(size_t max);
/* A runtime memory's cache of pages of released buffers (mapped slabs, download buffers), for
 * the next buffers to take instead of fresh pages: 64 MiB stay; above that, up to a quarter of
 * physical memory and 4 GiB, pages given with `surplus` (download buffers: a stream of
 * objects freed as others arrive) stay too, and value slabs' pages (given without) up to the
 * most value slab bytes in use at once (so a table released whole is the next load's memory,
 * while a stream's batches, bounded by its limit, keep 64 MiB), until the cache has been
 * idle for a second.  slab_in_use counts a value slab's bytes from its mapping (its give
 * without `surplus` uncounts them).  Give and take as fdata_pages_give/take (pages.h); drop
 * gives every page back and returns their bytes; held says how many bytes it holds now.
 * Thread-safe. */
void fdata_page_cache_slab_in_use(struct fdata_memory *m, size_t size);
void fdata_page_cache_give(struct fdata_memory *m, void *p, size_t size, int surplus);
size_t fdata_page_cache_take(struct fdata_memory *m, void *p, size_t size);
size_t fdata_page_cache_drop(struct fdata_memory *m);
size_t fdata_page_cache_held(struct fdata_memory *m);
/* Fills the whole 2 MiB blocks of [p, p + size), a private anonymous mapping not yet written,
 * with pages in use already: released slabs' (m's cache; m may be NULL) first, then `pool`'s
 * (see pages.h); returns the bytes filled.  New slabs get their pages so; so may any buffer
 * about to be written whole. */
size_t fdata_pages_reuse(void *p, size_t size, struct fdata_pages *pool, struct fdata_memory *m);
/* The other way: [p, p + size) of such a mapping will not be read again; its whole blocks go
 * to `pool` while it has room, the rest to m's cache as surplus (pages of a load's decoded
 * input: its next buffers, or the next load's, take them instead of fresh ones), partial
 * blocks to the kernel.  m NULL: as fdata_pages_give(pool, ...). */
void fdata_pages_release(void *p, size_t size, struct fdata_pages *pool, struct fdata_memory *m);
/* Frees a pipeline's pool (fdata_pages_free), its pages going to m's cache as surplus while
 * it has room (m NULL: to the kernel). */
void fdata_pages_free_to_cache(struct fdata_pages *pool, struct fdata_memory *m);
/* Asks the kernel to back the whole pages inside [p, p + size) with memory now, in one call
 * (MADV_POPULATE_WRITE), instead of one page fault per 4 KiB page as they are first written:
 * for buffers about to be filled.  4 KiB pages unless huge ones were advised: on a VM whose
 * host backs memory lazily, the first touch of never-used huge pages can stall for seconds,
 * so buffers filled once from the network (get_many's) do not ask for them.  A kernel
 * without it (before 5.14) just faults as usual. */
void fdata_prefault(void *p, size_t size);
/* Gives the whole pages inside [p, p + size) of a private anonymous mapping back to the
 * kernel (MADV_DONTNEED): they read as zeros afterwards. */
void fdata_discard(void *p, size_t size);
/* This process's peak resident memory in bytes: VmHWM, which starts afresh at exec
 * (getrusage's ru_maxrss keeps the peak of the process that forked us, e.g. a large Python);
 * ru_maxrss where there is no /proc. */
long fdata_peak_rss_bytes(void);
void fdata_unmap_zeroed(void *p);

#endif
