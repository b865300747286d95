/* 64-byte aligned buffers (memory.h), and the process's cache of released ones from 64 KiB to
 * 64 MiB.  A row group's column outputs are such buffers (string offsets and bytes, bitmaps,
 * values of a row group too small for a mapped slab), and glibc gives their memory back to the
 * kernel when they are freed (a munmap, or a trim of its heap), so that a program loading
 * tables in a loop had every page of every load faulted and zeroed again: on TPC-H lineitem
 * (107k-row row groups) the kernel's page faults took most of a warm load's time.  Released buffers
 * are kept instead, in size classes (four to each doubling, so a buffer is at most a quarter
 * larger than asked), for the next buffers to take: up to CACHE_KEPT for good and up to the
 * most such bytes in use at once since the cache was last idle (a table released whole
 * becomes the next load's buffers), which the runtime memory's reaper (page_cache.c) gives
 * back once the cache has been idle for a second, as it does for pages. */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include "memory.h"
#if defined(__SANITIZE_ADDRESS__)
#define FDATA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FDATA_ASAN 1
#endif
#endif
#ifdef FDATA_ASAN /* cached buffers are poisoned: a use after release is caught */
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CLASS_MIN_SHIFT 16 /* 64 KiB: smaller buffers stay in malloc's own bins */
#define CLASS_MAX_SHIFT 26 /* 64 MiB */
#define CLASSES ((CLASS_MAX_SHIFT - CLASS_MIN_SHIFT) * 4 + 1)
#define CACHE_KEPT ((size_t)16 << 20)

static struct {
    pthread_mutex_t lock;
    void *free[CLASSES]; /* each a stack linked through the buffers' first bytes */
    atomic_size_t held, live, peak; /* bytes cached; in use; the most in use since idle */
    size_t cap;                     /* a quarter of the machine's memory */
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void reinit_in_child(void) { pthread_mutex_init(&cache.lock, NULL); }

static void cache_init(void) {
    cache.cap = fdata_quarter_of_memory(CACHE_KEPT);
    pthread_atfork(NULL, NULL, reinit_in_child);
}

static unsigned log2_floor(size_t n) {
    return (unsigned)(8 * sizeof(unsigned long) - 1) - (unsigned)__builtin_clzl((unsigned long)n);
}

static size_t round_up_64(size_t size) { return (size + 63) & ~(size_t)63; }

/* A class's bytes: 4, 5, 6 or 7 quarters of a power of two. */
static size_t class_bytes(int c) {
    return ((size_t)4 + (size_t)(c % 4)) << (CLASS_MIN_SHIFT - 2 + c / 4);
}

/* The class of a request: the smallest that holds it; -1 outside the cached range. */
static int class_holding(size_t n) {
    if (n <= (size_t)1 << CLASS_MIN_SHIFT)
        return n == (size_t)1 << CLASS_MIN_SHIFT ? 0 : -1;
    if (n > (size_t)1 << CLASS_MAX_SHIFT)
        return -1;
    unsigned b = log2_floor(n - 1), q = b - 2; /* 2^b < n <= 2^(b+1) */
    size_t quarters = ((n - 1) >> q) + 1; /* 5..8 */
    return (int)(b - CLASS_MIN_SHIFT) * 4 + (int)quarters - 4;
}

/* The class of a buffer malloc says holds `usable` bytes: the largest it can serve. */
static int class_within(size_t usable) {
    if (usable < (size_t)1 << CLASS_MIN_SHIFT)
        return -1;
    if (usable >= (size_t)5 << (CLASS_MAX_SHIFT - 2))
        return -1;
    if (usable >= (size_t)1 << CLASS_MAX_SHIFT)
        return CLASSES - 1;
    unsigned b = log2_floor(usable);
    return (int)(b - CLASS_MIN_SHIFT) * 4 + (int)(usable >> (b - 2)) - 4;
}

/* A buffer that fdata_aligned_free will cache counts as in use (whichever way it was made:
 * both sides class it by malloc's usable size). */
static void *counted(void *p) {
    int c = p ? class_within(malloc_usable_size(p)) : -1;
    if (c >= 0)
        fdata_count_in_use(&cache.live, &cache.peak, class_bytes(c));
    return p;
}

/* The last buffer released in class c, or NULL; under the lock. */
static void *pop(int c) {
    void *p = cache.free[c];
    if (p) {
        UNPOISON(p, class_bytes(c));
        memcpy(&cache.free[c], p, sizeof p);
        atomic_fetch_sub(&cache.held, class_bytes(c));
    }
    return p;
}

static void *take(int c) {
    pthread_mutex_lock(&cache.lock);
    void *p = pop(c);
    pthread_mutex_unlock(&cache.lock);
    return p;
}

/* Frees cached buffers of every class but `spare` (-1: none), the largest first, until
 * `keep` bytes or fewer are held; under the lock. */
static void free_largest(size_t keep, int spare) {
    for (int c = CLASSES - 1; c >= 0 && atomic_load(&cache.held) > keep; c--) {
        void *p;
        while (c != spare && atomic_load(&cache.held) > keep && (p = pop(c)))
            free(p);
    }
}

/* Keeps a released buffer of class c, in place of cached ones of other classes if the cache
 * is full (unless it alone is more than the cache may hold); whether it did.  The cache holds
 * what the last loads released: a load of another shape (another table, other columns,
 * another string layout) asks for other classes; were its buffers freed on release into a
 * full cache, every such load would fault fresh pages until the cache decayed. */
static int keep(void *p, int c) {
    size_t size = class_bytes(c), peak = atomic_load(&cache.peak);
    size_t most = peak > CACHE_KEPT ? peak : CACHE_KEPT;
    most = most < cache.cap ? most : cache.cap;
    pthread_mutex_lock(&cache.lock);
    if (size <= most)
        free_largest(most - size, c);
    int kept = atomic_load(&cache.held) + size <= most;
    if (kept) {
        memcpy(p, &cache.free[c], sizeof p);
        cache.free[c] = p;
        atomic_fetch_add(&cache.held, size);
        POISON(p, size);
    }
    pthread_mutex_unlock(&cache.lock);
    return kept;
}

void *fdata_aligned_alloc(size_t size) {
    if (size > SIZE_MAX - 64)
        return NULL;
    size = round_up_64(size ? size : 1);
    int c = class_holding(size);
    if (c < 0)
        return counted(aligned_alloc(64, size));
    pthread_once(&cache_once, cache_init);
    void *p = take(c);
    if (!p && !(p = aligned_alloc(64, class_bytes(c))))
        return NULL;
    counted(p);
    if (atomic_load(&cache.held) > CACHE_KEPT)
        fdata_memory_buffers_used();
    return p;
}

void *fdata_aligned_calloc(size_t size) {
    void *p = fdata_aligned_alloc(size);
    if (p)
        memset(p, 0, round_up_64(size ? size : 1));
    return p;
}

void fdata_aligned_free(void *p) {
    int c = p ? class_within(malloc_usable_size(p)) : -1;
    if (c < 0) {
        free(p);
        return;
    }
    atomic_fetch_sub(&cache.live, class_bytes(c));
    if (!keep(p, c))
        free(p);
    if (atomic_load(&cache.held) > CACHE_KEPT)
        fdata_memory_buffers_used();
}

size_t fdata_buffers_held(void) { return atomic_load(&cache.held); }

size_t fdata_buffers_surplus(void) {
    size_t held = atomic_load(&cache.held);
    return held > CACHE_KEPT ? held - CACHE_KEPT : 0;
}

/* Frees cached buffers, the largest first, until `keep` bytes or fewer are held. */
static void free_down_to(size_t keep) {
    pthread_mutex_lock(&cache.lock);
    free_largest(keep, -1);
    pthread_mutex_unlock(&cache.lock);
}

void fdata_buffers_decay(void) {
    atomic_store(&cache.peak, atomic_load(&cache.live));
    free_down_to(CACHE_KEPT);
}

#ifdef FDATA_ASAN
/* LeakSanitizer, which checks after the destructors, would count the cached buffers (whose
 * links it does not follow through poisoned bytes) as leaks. */
__attribute__((destructor)) static void free_all_at_exit(void) { free_down_to(0); }
#endif
