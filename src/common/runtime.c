/* Runtimes (fastdata/runtime.h): made once, their workers started at once and joined at the
 * end; the default one made at first use.  Fork: the child handler below starts a new
 * generation, which tells every runtime made before the fork that its workers are gone. */
#include <stdlib.h>
#include "pool.h"

#define MOST_THREADS 1024

static atomic_uint generation;
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fdata_runtime *default_rt;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* The child of a fork: its parent's runtimes have no workers here, and default_lock may have
 * been held by a thread that does not exist here.  The parent's default runtime is left
 * unfreed (its memory is the parent's too, copied; freeing would join absent threads). */
static void after_fork_in_child(void) {
    atomic_fetch_add(&generation, 1);
    pthread_mutex_init(&default_lock, NULL);
    default_rt = NULL;
}

static void watch_forks(void) { pthread_atfork(NULL, NULL, after_fork_in_child); }

unsigned fdata_fork_generation(void) { return atomic_load(&generation); }

int fdata_cap_take(struct fdata_cap *cap, size_t bytes, size_t mine, int force) {
    size_t cur = atomic_load(&cap->held);
    do {
        if (!force && cur != mine && (bytes > cap->limit || cur > cap->limit - bytes))
            return 0;
    } while (!atomic_compare_exchange_weak(&cap->held, &cur, cur + bytes));
    size_t peak = atomic_load(&cap->peak);
    while (cur + bytes > peak && !atomic_compare_exchange_weak(&cap->peak, &peak, cur + bytes))
        ;
    return 1;
}

size_t fdata_cap_give(struct fdata_cap *cap, size_t bytes) {
    return atomic_fetch_sub(&cap->held, bytes) - bytes;
}

/* Stops the workers, joins them and frees.  In a forked child the workers do not exist and
 * the lock may have been held at the fork by a thread that does not either: memory only. */
static void runtime_free(struct fdata_runtime *rt) {
    if (rt->generation == fdata_fork_generation()) {
        struct fdata_memory *memory = atomic_load(&rt->own_memory);
        if (memory)
            atomic_load(&rt->own_memory_close)(memory);
        pthread_mutex_lock(&rt->lock);
        rt->stop = 1;
        pthread_cond_broadcast(&rt->work);
        pthread_mutex_unlock(&rt->lock);
        for (int t = 0; t < rt->started; t++)
            pthread_join(rt->workers[t], NULL);
        pthread_mutex_destroy(&rt->lock);
        pthread_cond_destroy(&rt->work);
        pthread_cond_destroy(&rt->left);
    }
    free(rt->workers);
    free(rt);
}

int fdata_runtime_new(const struct fdata_runtime_options *opts, fdata_runtime **out,
                      struct fdata_error *err) {
    static const struct fdata_runtime_options defaults;
    opts = opts ? opts : &defaults;
    *out = NULL;
    if (opts->threads < 0 || opts->threads > MOST_THREADS)
        return fdata_set_error(err, FDATA_EINVAL, "runtime: %d threads (0 to %d)", opts->threads,
                               MOST_THREADS);
    if (opts->allocator && (!opts->allocator->allocate || !opts->allocator->release))
        return fdata_set_error(err, FDATA_EINVAL, "runtime: an allocator needs both functions");
    pthread_once(&fork_once, watch_forks);
    struct fdata_runtime *rt = calloc(1, sizeof *rt);
    int size = fdata_thread_count(opts->threads);
    if (!rt || !(rt->workers = calloc((size_t)size, sizeof *rt->workers))) {
        free(rt);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&rt->lock, NULL);
    pthread_cond_init(&rt->work, NULL);
    pthread_cond_init(&rt->left, NULL);
    rt->size = size;
    rt->generation = fdata_fork_generation();
    rt->memory.limit = opts->memory_limit ? opts->memory_limit : SIZE_MAX;
    if (opts->allocator)
        rt->allocator = *opts->allocator;
    while (rt->started < size &&
           pthread_create(&rt->workers[rt->started], NULL, fdata_pool_worker, rt) == 0)
        rt->started++;
    if (rt->started == 0) {
        runtime_free(rt);
        return fdata_set_error(err, FDATA_ENOMEM, "runtime: cannot start a worker thread");
    }
    *out = rt;
    return FDATA_OK;
}

void fdata_runtime_free(fdata_runtime *rt) {
    if (rt)
        runtime_free(rt);
}

/* Without memory for one, work runs on the calling threads alone. */
static struct fdata_runtime no_workers = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
    .left = PTHREAD_COND_INITIALIZER, .memory = {.limit = SIZE_MAX}, .process_memory = 1};

fdata_runtime *fdata_runtime_default(void) {
    pthread_mutex_lock(&default_lock);
    if (!default_rt && fdata_runtime_new(NULL, &default_rt, NULL) == FDATA_OK)
        default_rt->process_memory = 1; /* before any other thread can see it */
    struct fdata_runtime *rt = default_rt ? default_rt : &no_workers;
    pthread_mutex_unlock(&default_lock);
    return rt;
}

int fdata_runtime_threads(const fdata_runtime *rt) { return rt->started; }

size_t fdata_runtime_memory_limit(const fdata_runtime *rt) {
    return rt->memory.limit == SIZE_MAX ? 0 : rt->memory.limit;
}

size_t fdata_runtime_memory_held(const fdata_runtime *rt) {
    return atomic_load(&((fdata_runtime *)rt)->memory.held);
}

size_t fdata_runtime_memory_peak(const fdata_runtime *rt) {
    return atomic_load(&((fdata_runtime *)rt)->memory.peak);
}

/* A parent's runtime in a forked child has no cap there (see fastdata/runtime.h). */
static struct fdata_cap *shared_cap(struct fdata_runtime *rt) {
    return rt && rt->generation == fdata_fork_generation() ? &rt->memory : NULL;
}

int fdata_runtime_take(struct fdata_runtime *rt, size_t bytes, int force) {
    struct fdata_cap *cap = shared_cap(rt);
    return cap ? fdata_cap_take(cap, bytes, SIZE_MAX, force) : 1;
}

void fdata_runtime_give(struct fdata_runtime *rt, size_t bytes) {
    struct fdata_cap *cap = shared_cap(rt);
    if (cap)
        fdata_cap_give(cap, bytes);
}
