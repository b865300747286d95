/* The inside of a runtime (fastdata/runtime.h), shared by runtime.c (making and freeing one)
 * and parallel.c (running jobs on its workers). */
#ifndef FDATA_COMMON_POOL_H
#define FDATA_COMMON_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include "fastdata/runtime.h"
#include "common.h"

struct pool_job;
struct fdata_memory;

struct fdata_runtime {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued, or stop */
    pthread_cond_t left; /* a participant left a job */
    struct pool_job *queue; /* jobs with seats open, gangs first */
    pthread_t *workers;
    int size, started;
    int idle;     /* workers not in a job */
    int promised; /* idle workers a gang counts on (parallel.c) */
    int stop;
    unsigned generation; /* fdata_fork_generation() when made: another means a forked child */
    struct fdata_cap memory; /* bytes in flight across its loads */
    struct fdata_allocator allocator; /* the options' (allocate NULL: none) */
    int process_memory; /* the default runtime: the process's page cache (src/memory) */
    /* Its own page cache and allocator (src/memory), made at first use; own_memory_close, set
     * with it, lets it go when the runtime is freed. */
    _Atomic(struct fdata_memory *) own_memory;
    _Atomic(void (*)(void *)) own_memory_close;
};

/* Starts with the process at 0 and grows in every forked child. */
unsigned fdata_fork_generation(void);
/* A worker's life: takes jobs until the runtime stops. */
void *fdata_pool_worker(void *rt);

#endif
