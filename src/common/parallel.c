/* Parallel work on a runtime's workers (see common.h): a job is queued with a number of
 * seats; the caller takes the first and idle workers the others.  In a parallel-for the
 * participants pull the next index from an atomic counter, so uneven tasks (a big string
 * column beside small int columns) balance themselves, and the caller never waits for a task
 * nobody has started: when no worker is free it runs them all, so a task that starts a
 * parallel-for of its own (on a worker or not) cannot deadlock.  A gang's tasks wait on each
 * other, so it only takes seats that idle workers are promised to fill. */
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "pool.h"

int fdata_thread_count(int requested) {
    if (requested > 0)
        return requested;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void fdata_cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, long ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += ms % 1000 * 1000000;
    ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    pthread_cond_timedwait(cond, lock, &ts);
}

struct pool_job {
    int (*fn)(void *ctx, size_t i, int worker);
    void *ctx;
    size_t n;
    int gang;                /* each participant runs the task of its seat, fn(ctx, seat, n) */
    int seats, joined, active; /* under the runtime's lock */
    atomic_size_t next;
    atomic_int failed;
    size_t first_failed_index; /* under the runtime's lock */
    int first_failed_status;
    struct pool_job *next_job;
};

/* A runtime's own, or the default one in a forked child (its parent's workers are gone). */
static struct fdata_runtime *usable(struct fdata_runtime *rt) {
    return rt && rt->generation == fdata_fork_generation() ? rt : fdata_runtime_default();
}

static void record_failure(struct fdata_runtime *rt, struct pool_job *job, size_t i, int status) {
    pthread_mutex_lock(&rt->lock);
    if (i < job->first_failed_index) {
        job->first_failed_index = i;
        job->first_failed_status = status;
    }
    pthread_mutex_unlock(&rt->lock);
    atomic_store(&job->failed, 1);
}

static void run_tasks(struct fdata_runtime *rt, struct pool_job *job, int seat) {
    if (job->gang) {
        int status = job->fn(job->ctx, (size_t)seat, (int)job->n);
        if (status != FDATA_OK)
            record_failure(rt, job, (size_t)seat, status);
        return;
    }
    while (!atomic_load(&job->failed)) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->n)
            break;
        int status = job->fn(job->ctx, i, seat);
        if (status != FDATA_OK)
            record_failure(rt, job, i, status);
    }
}

static void unlink_job(struct fdata_runtime *rt, struct pool_job *job) {
    for (struct pool_job **p = &rt->queue; *p; p = &(*p)->next_job)
        if (*p == job) {
            *p = job->next_job;
            return;
        }
}

/* The job an idle worker joins: a gang's promised seat first; a parallel-for's only while
 * more workers are idle than gangs were promised.  Under the lock. */
static struct pool_job *job_to_join(struct fdata_runtime *rt) {
    for (struct pool_job *j = rt->queue; j; j = j->next_job)
        if (j->gang || rt->idle > rt->promised)
            return j;
    return NULL;
}

/* Takes the next seat of a queued job (and unqueues it once full).  Under the lock. */
static int take_seat(struct fdata_runtime *rt, struct pool_job *job) {
    int seat = job->joined++;
    job->active++;
    if (job->joined == job->seats)
        unlink_job(rt, job);
    return seat;
}

void *fdata_pool_worker(void *arg) {
    struct fdata_runtime *rt = arg;
    pthread_mutex_lock(&rt->lock);
    rt->idle++;
    for (;;) {
        struct pool_job *job = job_to_join(rt);
        if (!job) {
            if (rt->stop)
                break;
            pthread_cond_wait(&rt->work, &rt->lock);
            continue;
        }
        rt->promised -= job->gang;
        rt->idle--;
        int seat = take_seat(rt, job);
        pthread_mutex_unlock(&rt->lock);
        run_tasks(rt, job, seat);
        pthread_mutex_lock(&rt->lock);
        job->active--;
        pthread_cond_broadcast(&rt->left);
        rt->idle++;
    }
    rt->idle--;
    pthread_mutex_unlock(&rt->lock);
    return NULL;
}

/* Queues `job` (gangs before parallel-fors), runs the caller's seat, then waits for the
 * participants still at work.  A parallel-for leaves the queue once its tasks are handed out
 * (late workers would find nothing to do); a gang once every seat is taken. */
static int run_job(struct fdata_runtime *rt, struct pool_job *job) {
    atomic_init(&job->next, 0);
    atomic_init(&job->failed, 0);
    job->first_failed_index = SIZE_MAX;
    job->first_failed_status = FDATA_OK;
    job->joined = job->active = 1; /* the caller's seat 0 */
    pthread_mutex_lock(&rt->lock);
    if (job->seats > 1) {
        struct pool_job **p = &rt->queue;
        while (!job->gang && *p)
            p = &(*p)->next_job;
        job->next_job = *p;
        *p = job;
        for (int seat = 1; seat < job->seats; seat++) /* wake no more workers than it seats */
            pthread_cond_signal(&rt->work);
    }
    pthread_mutex_unlock(&rt->lock);
    run_tasks(rt, job, 0);
    pthread_mutex_lock(&rt->lock);
    job->active--;
    if (!job->gang && job->joined < job->seats) {
        unlink_job(rt, job);
        job->seats = job->joined;
    }
    while (job->active > 0 || job->joined < job->seats)
        pthread_cond_wait(&rt->left, &rt->lock);
    int status = job->first_failed_status;
    pthread_mutex_unlock(&rt->lock);
    return status;
}

int fdata_parallel_for(struct fdata_runtime *rt, size_t n, int threads,
                       int (*fn)(void *ctx, size_t i, int worker), void *ctx) {
    rt = usable(rt);
    struct pool_job job = {.fn = fn, .ctx = ctx, .n = n};
    size_t most = (size_t)(threads > 1 ? threads : 1);
    most = most < (size_t)rt->started + 1 ? most : (size_t)rt->started + 1;
    job.seats = (int)(most < n ? most : n > 0 ? n : 1);
    return run_job(rt, &job);
}

int fdata_parallel_gang(struct fdata_runtime *rt, int most,
                        int (*fn)(void *ctx, size_t i, int count), void *ctx) {
    rt = usable(rt);
    pthread_mutex_lock(&rt->lock);
    /* at most half the workers: a gang holds its seats for long (a whole download's event
     * loops), and the parallel-fors beside it (decoding what arrives) need the others */
    int half = (rt->started + 1) / 2, free_workers = rt->idle - rt->promised;
    free_workers = free_workers < half ? free_workers : half;
    int extra = most > 1 ? most - 1 : 0;
    extra = extra < free_workers ? extra : free_workers > 0 ? free_workers : 0;
    rt->promised += extra;
    pthread_mutex_unlock(&rt->lock);
    struct pool_job job = {.fn = fn, .ctx = ctx, .n = (size_t)extra + 1, .gang = 1,
                           .seats = extra + 1};
    return run_job(rt, &job);
}

int fdata_first_error(int status, const struct fdata_error *errors, size_t n,
                      struct fdata_error *err) {
    for (size_t i = 0; status != FDATA_OK && i < n; i++)
        if (errors[i].code != FDATA_OK) {
            if (err)
                *err = errors[i];
            return errors[i].code;
        }
    return status;
}
