/* Memory pages moved from a buffer one part of a pipeline is done with into a buffer another
 * part is about to fill, instead of going back to the kernel and coming out again: the kernel
 * must zero every fresh page, and on a virtual machine that is often the largest cost of
 * filling memory (the host may have to supply the page too).  The pages move whole, 2 MiB
 * blocks at a time, by remapping (mremap), never by copying. */
#ifndef FDATA_COMMON_PAGES_H
#define FDATA_COMMON_PAGES_H

#include <stddef.h>

/* A pool holding at most `cap` bytes of pages between a give and a take.  NULL when cap is
 * under one block or the pool's address range cannot be reserved (then callers just
 * discard and allocate as usual).  Every function is safe from any thread. */
struct fdata_pages *fdata_pages_new(size_t cap);
/* Frees the pool and the pages it still holds (NULL: no-op). */
void fdata_pages_free(struct fdata_pages *pool);

/* [p, p + size) of a private anonymous mapping will not be read again: its whole 2 MiB blocks
 * move into the pool while it has room, everything else is discarded (fdata_discard).  Either
 * way the range reads as zeros afterwards.  With a NULL pool: fdata_discard. */
void fdata_pages_give(struct fdata_pages *pool, void *p, size_t size);
/* The same while the pool holds fewer than `most` bytes. */
void fdata_pages_give_upto(struct fdata_pages *pool, void *p, size_t size, size_t most);

/* Moves the whole blocks of [p, p + size) (p block-aligned), from the first on, into the pool
 * while it holds fewer than `most` bytes and has room; returns the bytes moved (they read as
 * zeros afterwards).  The rest is left as it was, for the caller to place elsewhere. */
size_t fdata_pages_move_in(struct fdata_pages *pool, void *p, size_t size, size_t most);

/* Fills the whole 2 MiB blocks of [p, p + size), which lie in a private anonymous mapping
 * nobody has written yet, with pooled pages while there are any: their bytes are then
 * whatever was there before, for a buffer about to be written whole.  Returns the bytes
 * filled (0 with a NULL pool). */
size_t fdata_pages_take(struct fdata_pages *pool, void *p, size_t size);

/* Moves pooled pages from one pool into the other while it has room; returns their bytes. */
size_t fdata_pages_pour(struct fdata_pages *from, struct fdata_pages *to);

/* Discards every page the pool holds; returns their bytes (0 with a NULL pool). */
size_t fdata_pages_drop(struct fdata_pages *pool);

/* Discards pooled pages until the pool holds at most `keep` bytes (rounded down to blocks);
 * returns the bytes discarded (0 with a NULL pool). */
size_t fdata_pages_trim(struct fdata_pages *pool, size_t keep);

/* The bytes of pages the pool holds now, blocks on their way in or out included. */
size_t fdata_pages_held(struct fdata_pages *pool);

#endif
