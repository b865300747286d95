/* A parallel-for over task indices: threads pull the next index from an atomic counter,
 * so uneven tasks (a big string column beside small int columns) balance themselves. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include "common.h"

int fdata_thread_count(int requested) {
    if (requested > 0)
        return requested;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

struct parallel_job {
    int (*fn)(void *ctx, size_t i, int worker);
    void *ctx;
    size_t n;
    atomic_size_t next;
    atomic_int failed;
    pthread_mutex_t lock;
    size_t first_failed_index;
    int first_failed_status;
};

struct worker_arg {
    struct parallel_job *job;
    int id;
};

static void *parallel_worker(void *arg) {
    struct parallel_job *job = ((struct worker_arg *)arg)->job;
    int id = ((struct worker_arg *)arg)->id;
    for (;;) {
        if (atomic_load(&job->failed))
            break;
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->n)
            break;
        int status = job->fn(job->ctx, i, id);
        if (status != FDATA_OK) {
            pthread_mutex_lock(&job->lock);
            if (i < job->first_failed_index) {
                job->first_failed_index = i;
                job->first_failed_status = status;
            }
            pthread_mutex_unlock(&job->lock);
            atomic_store(&job->failed, 1);
        }
    }
    return NULL;
}

int fdata_parallel_for(size_t n, int threads, int (*fn)(void *ctx, size_t i, int worker),
                       void *ctx) {
    struct parallel_job job = {.fn = fn, .ctx = ctx, .n = n,
                               .first_failed_index = SIZE_MAX, .first_failed_status = FDATA_OK};
    atomic_init(&job.next, 0);
    atomic_init(&job.failed, 0);
    pthread_mutex_init(&job.lock, NULL);
    size_t extra = threads > 1 ? (size_t)threads - 1 : 0;
    if (extra > n)
        extra = n > 0 ? n - 1 : 0;
    pthread_t *ids = extra ? calloc(extra, sizeof *ids) : NULL;
    struct worker_arg *args = extra ? calloc(extra + 1, sizeof *args) : NULL;
    struct worker_arg self = {&job, 0};
    size_t started = 0;
    if (ids && args) {
        for (; started < extra; started++) {
            args[started] = (struct worker_arg){&job, (int)started + 1};
            if (pthread_create(&ids[started], NULL, parallel_worker, &args[started]) != 0)
                break;
        }
    }
    parallel_worker(&self); /* the caller works too; with no helper thread it does it all */
    for (size_t t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    free(ids);
    free(args);
    pthread_mutex_destroy(&job.lock);
    return job.first_failed_status;
}
