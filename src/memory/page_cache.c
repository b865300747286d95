/* The process's cache of released buffers' pages (see common.h).  Up to CACHE_KEPT stays for
 * good; above that, up to a quarter of the machine's memory and CACHE_SPACE, pages stay only
 * while buffers keep coming and going (value slabs' only up to the most slab bytes that were
 * in use at once since the cache was last idle: a table released whole comes back whole for
 * the next load, a stream's batches within its memory limit stay as before): a reaper thread, started when the cache first holds
 * more than CACHE_KEPT and ending when it no longer does, gives the surplus back to the kernel
 * once the cache has not been used for CACHE_DECAY_MS.  (Allocators such as jemalloc keep
 * freed pages for a while the same way; ours are 2 MiB blocks moved by mremap, never copied.) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "memory.h"
#include "pages.h"

#define CACHE_KEPT ((size_t)64 << 20) /* a row group or two, kept however long */
#define CACHE_DECAY_MS 1000
#define REAPER_TICK_MS 250
/* The most the cache holds, whatever the machine: 4 GiB (256 MiB with 32-bit addresses).
 * Every block a buffer takes from it becomes a mapping of its own in that buffer (a moved
 * block keeps its origin's), and a process may have only so many (vm.max_map_count, 65530
 * by default): 2048 blocks at a time leave ample room. */
#define CACHE_SPACE ((size_t)1 << (sizeof(size_t) > 4 ? 32 : 28))

static struct fdata_pages *cache;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static atomic_llong last_use_ms; /* monotonic: the last give or take */
/* Value slabs' bytes in use now, and the most in use at once since the cache was last idle */
static atomic_size_t slabs_live, slabs_peak;
static pthread_mutex_t reaper_lock = PTHREAD_MUTEX_INITIALIZER;
static int reaper_running;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A forked child has no reaper thread, whatever the parent had. */
static void after_fork_in_child(void) {
    pthread_mutex_init(&reaper_lock, NULL);
    reaper_running = 0;
}

static void cache_init(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t quarter = pages > 0 && page > 0 ? (size_t)pages / 4 * (size_t)page : CACHE_KEPT;
    size_t cap = quarter < CACHE_SPACE ? quarter : CACHE_SPACE;
    cache = fdata_pages_new(cap > CACHE_KEPT ? cap : CACHE_KEPT);
    pthread_atfork(NULL, NULL, after_fork_in_child);
}

static struct fdata_pages *page_cache(void) {
    pthread_once(&cache_once, cache_init);
    return cache;
}

/* Trims the cache to CACHE_KEPT once it has been idle for CACHE_DECAY_MS; ends when it holds
 * no more than that (deciding so under reaper_lock, which a give takes after adding pages,
 * so that no surplus is ever left without a reaper). */
static void *reap(void *arg) {
    (void)arg;
    for (;;) {
        nanosleep(&(struct timespec){0, REAPER_TICK_MS * 1000000L}, NULL);
        if (now_ms() - atomic_load(&last_use_ms) >= CACHE_DECAY_MS) {
            /* the mark first: whoever sees the trim sees the mark fallen too */
            atomic_store(&slabs_peak, atomic_load(&slabs_live));
            fdata_pages_trim(cache, CACHE_KEPT);
        }
        pthread_mutex_lock(&reaper_lock);
        int done = fdata_pages_held(cache) <= CACHE_KEPT;
        reaper_running = !done;
        pthread_mutex_unlock(&reaper_lock);
        if (done)
            return NULL;
    }
}

static void start_reaper_if_needed(void) {
    pthread_mutex_lock(&reaper_lock);
    if (!reaper_running && fdata_pages_held(cache) > CACHE_KEPT) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* without a thread the surplus stays until a later give starts one */
        reaper_running = pthread_create(&t, &attr, reap, NULL) == 0;
        pthread_attr_destroy(&attr);
    }
    pthread_mutex_unlock(&reaper_lock);
}

void fdata_page_cache_slab_in_use(size_t size) {
    size_t live = atomic_fetch_add(&slabs_live, size) + size;
    size_t peak = atomic_load(&slabs_peak);
    while (live > peak && !atomic_compare_exchange_weak(&slabs_peak, &peak, live))
        ;
}

void fdata_page_cache_give(void *p, size_t size, int surplus) {
    struct fdata_pages *c = page_cache();
    atomic_store(&last_use_ms, now_ms());
    size_t most = SIZE_MAX;
    if (!surplus) {
        atomic_fetch_sub(&slabs_live, size);
        size_t peak = atomic_load(&slabs_peak);
        most = peak > CACHE_KEPT ? peak : CACHE_KEPT;
    }
    fdata_pages_give_upto(c, p, size, most);
    start_reaper_if_needed();
}

size_t fdata_page_cache_take(void *p, size_t size) {
    struct fdata_pages *c = page_cache();
    atomic_store(&last_use_ms, now_ms());
    return fdata_pages_take(c, p, size);
}

size_t fdata_pages_reuse(void *p, size_t size, struct fdata_pages *pool) {
    uint8_t *first = (uint8_t *)fdata_block_up((uintptr_t)p);
    if (first >= (uint8_t *)p + size)
        return 0;
    size_t rest = size - (size_t)(first - (uint8_t *)p);
    size_t filled = fdata_page_cache_take(first, rest);
    return filled + fdata_pages_take(pool, first + filled, rest - filled);
}

size_t fdata_page_cache_drop(void) {
    atomic_store(&slabs_peak, atomic_load(&slabs_live));
    return fdata_pages_drop(page_cache());
}

size_t fdata_page_cache_held(void) { return fdata_pages_held(page_cache()); }
