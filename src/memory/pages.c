/* A pool of 2 MiB page blocks moved by mremap (see pages.h).  The pool owns an address range
 * of `cap` bytes cut into slots; a given block moves into a free slot, a taken one out of a
 * full slot.  MREMAP_DONTUNMAP leaves the range a block moves from mapped and empty (it reads
 * as zeros, as after MADV_DONTNEED), so neither the giver's buffer nor the pool's range ever
 * has holes.  A kernel without it (before 5.7) makes every give a plain discard. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "memory.h"
#include "pages.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define BLOCK FDATA_BLOCK

struct fdata_pages {
    pthread_mutex_t lock;
    uint8_t *map, *base; /* the reservation; base is its first block boundary */
    size_t map_size, slots;
    size_t *free_slots, n_free; /* stacks of slot numbers */
    size_t *full_slots, n_full;
};

struct fdata_pages *fdata_pages_new(size_t cap) {
    size_t slots = cap / BLOCK;
    struct fdata_pages *pool = slots ? calloc(1, sizeof *pool) : NULL;
    if (!pool)
        return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    pool->slots = slots;
    pool->map_size = (slots + 1) * BLOCK;
    pool->map = mmap(NULL, pool->map_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    pool->free_slots = calloc(slots, sizeof *pool->free_slots);
    pool->full_slots = calloc(slots, sizeof *pool->full_slots);
    if (pool->map == MAP_FAILED || !pool->free_slots || !pool->full_slots) {
        if (pool->map == MAP_FAILED)
            pool->map = NULL;
        fdata_pages_free(pool);
        return NULL;
    }
    pool->base = (uint8_t *)fdata_block_up((uintptr_t)pool->map);
    for (size_t i = 0; i < slots; i++)
        pool->free_slots[pool->n_free++] = slots - 1 - i;
    return pool;
}

void fdata_pages_free(struct fdata_pages *pool) {
    if (!pool)
        return;
    if (pool->map)
        munmap(pool->map, pool->map_size);
    pthread_mutex_destroy(&pool->lock);
    free(pool->free_slots);
    free(pool->full_slots);
    free(pool);
}

/* Pops a slot number from one of the pool's stacks; SIZE_MAX when it is empty. */
static size_t pop(struct fdata_pages *pool, size_t *stack, size_t *n) {
    pthread_mutex_lock(&pool->lock);
    size_t slot = *n ? stack[--*n] : SIZE_MAX;
    pthread_mutex_unlock(&pool->lock);
    return slot;
}

/* Pops a free slot while fewer than `most` slots hold pages; SIZE_MAX otherwise. */
static size_t pop_free_below(struct fdata_pages *pool, size_t most) {
    pthread_mutex_lock(&pool->lock);
    size_t held = pool->slots - pool->n_free;
    size_t slot = pool->n_free && held < most ? pool->free_slots[--pool->n_free] : SIZE_MAX;
    pthread_mutex_unlock(&pool->lock);
    return slot;
}

static void push(struct fdata_pages *pool, size_t *stack, size_t *n, size_t slot) {
    pthread_mutex_lock(&pool->lock);
    stack[(*n)++] = slot;
    pthread_mutex_unlock(&pool->lock);
}

/* Moves one block's pages from `from` to `to` (both block-aligned), leaving `from` empty. */
static int move_block(void *from, void *to) {
    return mremap(from, BLOCK, BLOCK, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, to) ==
                   MAP_FAILED ? -1 : 0;
}

void fdata_pages_give(struct fdata_pages *pool, void *p, size_t size) {
    fdata_pages_give_upto(pool, p, size, SIZE_MAX);
}

size_t fdata_pages_move_in(struct fdata_pages *pool, void *p, size_t size, size_t most) {
    uintptr_t first = (uintptr_t)p, last = fdata_block_down(first + size), b = first;
    for (; pool && b < last && fdata_maps_have_room(); b += BLOCK) {
        size_t slot = pop_free_below(pool, most / BLOCK);
        if (slot == SIZE_MAX)
            break; /* full */
        if (move_block((void *)b, pool->base + slot * BLOCK) != 0) {
            push(pool, pool->free_slots, &pool->n_free, slot);
            break;
        }
        push(pool, pool->full_slots, &pool->n_full, slot);
    }
    return b - first;
}

void fdata_pages_give_upto(struct fdata_pages *pool, void *p, size_t size, size_t most) {
    uintptr_t start = (uintptr_t)p, end = start + size;
    uintptr_t first = fdata_block_up(start), last = fdata_block_down(end);
    if (last <= first) {
        fdata_discard(p, size);
        return;
    }
    fdata_discard(p, first - start); /* the partial blocks at both ends */
    fdata_discard((void *)last, end - last);
    size_t moved = fdata_pages_move_in(pool, (void *)first, last - first, most);
    fdata_discard((void *)(first + moved), last - first - moved); /* no room: to the kernel */
}

size_t fdata_pages_take(struct fdata_pages *pool, void *p, size_t size) {
    uintptr_t first = fdata_block_up((uintptr_t)p), last = fdata_block_down((uintptr_t)p + size);
    size_t filled = 0;
    for (uintptr_t b = first; pool && b < last && fdata_maps_have_room(); b += BLOCK) {
        size_t slot = pop(pool, pool->full_slots, &pool->n_full);
        if (slot == SIZE_MAX)
            break;
        if (move_block(pool->base + slot * BLOCK, (void *)b) == 0) {
            push(pool, pool->free_slots, &pool->n_free, slot);
            filled += BLOCK;
        } else { /* the pages stay pooled */
            push(pool, pool->full_slots, &pool->n_full, slot);
            break;
        }
    }
    return filled;
}

size_t fdata_pages_pour(struct fdata_pages *from, struct fdata_pages *to) {
    size_t moved = 0;
    while (from && to && fdata_maps_have_room()) {
        size_t dst = pop_free_below(to, SIZE_MAX);
        size_t src = dst == SIZE_MAX ? SIZE_MAX : pop(from, from->full_slots, &from->n_full);
        if (src == SIZE_MAX) {
            if (dst != SIZE_MAX)
                push(to, to->free_slots, &to->n_free, dst);
            break;
        }
        int ok = move_block(from->base + src * BLOCK, to->base + dst * BLOCK) == 0;
        push(from, ok ? from->free_slots : from->full_slots, ok ? &from->n_free : &from->n_full,
             src);
        push(to, ok ? to->full_slots : to->free_slots, ok ? &to->n_full : &to->n_free, dst);
        if (!ok)
            break;
        moved += BLOCK;
    }
    return moved;
}

size_t fdata_pages_trim(struct fdata_pages *pool, size_t keep) {
    size_t slot, dropped = 0, keep_slots = keep / BLOCK;
    while (pool) {
        pthread_mutex_lock(&pool->lock);
        int over = pool->slots - pool->n_free > keep_slots && pool->n_full > 0;
        slot = over ? pool->full_slots[--pool->n_full] : SIZE_MAX;
        pthread_mutex_unlock(&pool->lock);
        if (slot == SIZE_MAX)
            break;
        fdata_discard(pool->base + slot * BLOCK, BLOCK);
        push(pool, pool->free_slots, &pool->n_free, slot);
        dropped += BLOCK;
    }
    return dropped;
}

size_t fdata_pages_drop(struct fdata_pages *pool) { return fdata_pages_trim(pool, 0); }

size_t fdata_pages_held(struct fdata_pages *pool) {
    if (!pool)
        return 0;
    pthread_mutex_lock(&pool->lock);
    size_t held = (pool->slots - pool->n_free) * BLOCK;
    pthread_mutex_unlock(&pool->lock);
    return held;
}
