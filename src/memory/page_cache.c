/* Runtimes' caches of released buffers' pages (see memory.h): the process's one (the default
 * runtime's) and one per runtime made with fdata_runtime_new, each with its own reaper.  Up to CACHE_KEPT stays for
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
#include <stdlib.h>
#include "../common/pool.h"
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

/* A runtime's memory: its page cache, its reaper and its allocator.  Referenced by its
 * runtime, by every mapped or allocated slab made from it and by its running reaper; freed
 * with the last reference (the process's one never is). */
struct fdata_memory {
    struct fdata_pages *cache;
    atomic_llong last_use_ms; /* monotonic: the last give or take */
    /* Value slabs' bytes in use now, and the most in use at once since the cache was last idle */
    atomic_size_t slabs_live, slabs_peak;
    pthread_mutex_t reaper_lock;
    int reaper_running;
    atomic_int closed; /* its runtime is freed: pages given are discarded */
    atomic_size_t refs;
    unsigned generation; /* a runtime's: fdata_fork_generation() when made */
    struct fdata_allocator allocator; /* allocate NULL: none */
};

static struct fdata_memory process_memory = {.reaper_lock = PTHREAD_MUTEX_INITIALIZER,
                                             .refs = 1};
static pthread_once_t process_once = PTHREAD_ONCE_INIT;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t fdata_quarter_of_memory(size_t otherwise) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (size_t)pages / 4 * (size_t)page : otherwise;
}

void fdata_count_in_use(atomic_size_t *live, atomic_size_t *peak, size_t bytes) {
    size_t now = atomic_fetch_add(live, bytes) + bytes, most = atomic_load(peak);
    while (now > most && !atomic_compare_exchange_weak(peak, &most, now))
        ;
}

static struct fdata_pages *cache_new(void) {
    size_t quarter = fdata_quarter_of_memory(CACHE_KEPT);
    size_t cap = quarter < CACHE_SPACE ? quarter : CACHE_SPACE;
    return fdata_pages_new(cap > CACHE_KEPT ? cap : CACHE_KEPT);
}

/* A forked child has no reaper thread, whatever the parent had; it keeps the process's cache
 * (its pages are the child's copies). */
static void after_fork_in_child(void) {
    pthread_mutex_init(&process_memory.reaper_lock, NULL);
    process_memory.reaper_running = 0;
}

/* A parent's runtime's memory, in a forked child: its reaper is not there and its lock may
 * have been held by a thread that is not either; buffers made from it just go. */
static int foreign(const struct fdata_memory *m) {
    return m != &process_memory && m->generation != fdata_fork_generation();
}

static void process_init(void) {
    process_memory.cache = cache_new();
    pthread_atfork(NULL, NULL, after_fork_in_child);
}

static struct fdata_memory *process(void) {
    pthread_once(&process_once, process_init);
    return &process_memory;
}

static void memory_ref(struct fdata_memory *m) { atomic_fetch_add(&m->refs, 1); }

/* Drops a reference; the last frees.  Not in a forked child (the reaper lock may be held by
 * a thread that does not exist there): its parent's memory stays. */
static void memory_unref(struct fdata_memory *m) {
    if (atomic_fetch_sub(&m->refs, 1) != 1 || foreign(m))
        return;
    fdata_pages_free(m->cache);
    pthread_mutex_destroy(&m->reaper_lock);
    free(m);
}

/* A runtime's own memory: its runtime frees it (fdata_runtime_free): its cache gives every
 * page back now, and the rest goes with the last buffer made from it. */
static void memory_close(void *arg) {
    struct fdata_memory *m = arg;
    atomic_store(&m->closed, 1);
    fdata_pages_drop(m->cache);
    memory_unref(m);
}

static struct fdata_memory *memory_new(const struct fdata_runtime *rt) {
    struct fdata_memory *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (!rt->allocator.allocate && !(m->cache = cache_new())) {
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->reaper_lock, NULL);
    atomic_init(&m->refs, 1);
    m->generation = rt->generation;
    m->allocator = rt->allocator;
    return m;
}

struct fdata_memory *fdata_memory_of(struct fdata_runtime *rt) {
    if (!rt || rt->process_memory || rt->generation != fdata_fork_generation())
        return process();
    struct fdata_memory *m = atomic_load(&rt->own_memory);
    if (m)
        return m;
    struct fdata_memory *made = memory_new(rt);
    if (!made)
        return NULL;
    if (!atomic_compare_exchange_strong(&rt->own_memory, &m, made)) {
        memory_unref(made); /* another thread's came first */
        return m;
    }
    atomic_store(&rt->own_memory_close, memory_close);
    return made;
}

const struct fdata_allocator *fdata_memory_allocator(struct fdata_memory *m) {
    return m->allocator.allocate ? &m->allocator : NULL;
}

void fdata_memory_hold(struct fdata_memory *m) { memory_ref(m); }

void fdata_memory_let_go(struct fdata_memory *m) { memory_unref(m); }

/* Whether m holds more than it keeps for good: its cache above CACHE_KEPT, or for the
 * process's memory the buffer cache's surplus too (buffers.c). */
static int holds_surplus(struct fdata_memory *m) {
    return fdata_pages_held(m->cache) > CACHE_KEPT ||
           (m == &process_memory && fdata_buffers_surplus());
}

/* Trims the cache to CACHE_KEPT (and the process's buffer cache to what it keeps) once it has
 * been idle for CACHE_DECAY_MS; ends when it holds no surplus (deciding so under reaper_lock,
 * which a give takes after adding pages, so that no surplus is ever left without a reaper). */
static void *reap(void *arg) {
    struct fdata_memory *m = arg;
    for (;;) {
        nanosleep(&(struct timespec){0, REAPER_TICK_MS * 1000000L}, NULL);
        if (now_ms() - atomic_load(&m->last_use_ms) >= CACHE_DECAY_MS) {
            /* the mark first: whoever sees the trim sees the mark fallen too */
            atomic_store(&m->slabs_peak, atomic_load(&m->slabs_live));
            fdata_pages_trim(m->cache, CACHE_KEPT);
            if (m == &process_memory)
                fdata_buffers_decay();
        }
        pthread_mutex_lock(&m->reaper_lock);
        int done = !holds_surplus(m);
        m->reaper_running = !done;
        pthread_mutex_unlock(&m->reaper_lock);
        if (done) {
            memory_unref(m);
            return NULL;
        }
    }
}

static void start_reaper_if_needed(struct fdata_memory *m) {
    pthread_mutex_lock(&m->reaper_lock);
    if (!m->reaper_running && holds_surplus(m)) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        memory_ref(m); /* the reaper's, so that the memory outlives it */
        /* without a thread the surplus stays until a later give starts one */
        m->reaper_running = pthread_create(&t, &attr, reap, m) == 0;
        if (!m->reaper_running)
            atomic_fetch_sub(&m->refs, 1); /* never the last: the caller holds one */
        pthread_attr_destroy(&attr);
    }
    pthread_mutex_unlock(&m->reaper_lock);
}

void fdata_memory_buffers_used(void) {
    struct fdata_memory *m = process();
    atomic_store(&m->last_use_ms, now_ms());
    start_reaper_if_needed(m);
}

void fdata_page_cache_slab_in_use(struct fdata_memory *m, size_t size) {
    fdata_count_in_use(&m->slabs_live, &m->slabs_peak, size);
}

void fdata_page_cache_give(struct fdata_memory *m, void *p, size_t size, int surplus) {
    if (foreign(m)) {
        fdata_discard(p, size);
        return;
    }
    atomic_store(&m->last_use_ms, now_ms());
    size_t most = SIZE_MAX;
    if (!surplus) {
        atomic_fetch_sub(&m->slabs_live, size);
        size_t peak = atomic_load(&m->slabs_peak);
        most = peak > CACHE_KEPT ? peak : CACHE_KEPT;
    }
    fdata_pages_give_upto(m->cache, p, size, atomic_load(&m->closed) ? 0 : most);
    start_reaper_if_needed(m);
}

size_t fdata_page_cache_take(struct fdata_memory *m, void *p, size_t size) {
    if (!m || foreign(m))
        return 0;
    atomic_store(&m->last_use_ms, now_ms());
    return fdata_pages_take(m->cache, p, size);
}

size_t fdata_pages_reuse(void *p, size_t size, struct fdata_pages *pool, struct fdata_memory *m) {
    uint8_t *first = (uint8_t *)fdata_block_up((uintptr_t)p);
    if (first >= (uint8_t *)p + size)
        return 0;
    size_t rest = size - (size_t)(first - (uint8_t *)p);
    size_t filled = fdata_page_cache_take(m, first, rest);
    return filled + fdata_pages_take(pool, first + filled, rest - filled);
}

void fdata_pages_release(void *p, size_t size, struct fdata_pages *pool, struct fdata_memory *m) {
    uintptr_t start = (uintptr_t)p, end = start + size;
    uintptr_t first = fdata_block_up(start), last = fdata_block_down(end);
    if (last <= first || !m) {
        fdata_pages_give(pool, p, size);
        return;
    }
    fdata_discard(p, first - start); /* the partial blocks at both ends */
    fdata_discard((void *)last, end - last);
    size_t moved = fdata_pages_move_in(pool, (void *)first, last - first, SIZE_MAX);
    if (moved < last - first)
        fdata_page_cache_give(m, (void *)(first + moved), last - first - moved, 1);
}

void fdata_pages_free_to_cache(struct fdata_pages *pool, struct fdata_memory *m) {
    if (m && !foreign(m) && !atomic_load(&m->closed) && fdata_pages_held(pool)) {
        atomic_store(&m->last_use_ms, now_ms());
        fdata_pages_pour(pool, m->cache);
        start_reaper_if_needed(m);
    }
    fdata_pages_free(pool);
}

size_t fdata_page_cache_drop(struct fdata_memory *m) {
    atomic_store(&m->slabs_peak, atomic_load(&m->slabs_live));
    return fdata_pages_drop(m->cache);
}

size_t fdata_page_cache_held(struct fdata_memory *m) { return fdata_pages_held(m->cache); }
