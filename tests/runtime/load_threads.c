/* Concurrent loads on one runtime: load_threads [--allocator] WORKERS MEMORY_LIMIT OUT_DIR
 * SOURCE... starts a runtime with WORKERS threads and a shared cap of MEMORY_LIMIT bytes (0:
 * none), with --allocator a counting one (then it also prints "allocated BYTES in CALLS
 * returned all" and fails unless some bytes came from it and every byte went back once the
 * tables and the runtime are freed), loads each
 * SOURCE with fdata_load on a thread of its own, all at once, into OUT_DIR/N.jsonl (N from 0,
 * in argument order), while sampling the process's threads.  Prints "threads MAX bound BOUND
 * peak BYTES" and fails (status 1) on a load error or when MAX exceeds BOUND: this process's
 * threads once the runtime has started (its workers among them), the page cache's reaper,
 * and per load its own thread (which decodes: fdata_load has no decode thread) and (S3
 * sources) its download thread and one for libcurl's resolver.  Every load
 * asks for 8 decode threads, so a library that made its own per call would pass the bound. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fastdata/load.h"
#include "fastdata/runtime.h"
#include "test_util.h"

struct one_load {
    const char *source, *out;
    fdata_runtime *rt;
    struct fdata_error err;
    int status;
};

static atomic_int loads_left;

/* The runtime's allocator with --allocator: counts bytes handed out and given back. */
static atomic_size_t allocated, allocations, live;

static void *count_allocate(void *user, size_t size, size_t alignment) {
    (void)user;
    void *p = NULL;
    if (posix_memalign(&p, alignment, size) != 0)
        return NULL;
    atomic_fetch_add(&allocated, size);
    atomic_fetch_add(&allocations, 1);
    atomic_fetch_add(&live, size);
    return p;
}

static void count_release(void *user, void *p, size_t size) {
    (void)user;
    atomic_fetch_sub(&live, size);
    free(p);
}

static void *load_one(void *arg) {
    struct one_load *l = arg;
    struct fdata_s3_options s3 = {.runtime = NULL}; /* the load's runtime, from its options */
    struct fdata_load_options o = {.threads = 8, .s3 = &s3, .runtime = l->rt,
                                   .memory_limit = (size_t)64 << 20};
    struct ArrowArrayStream table;
    l->status = fdata_load(&l->source, 1, &o, &table, NULL, &l->err);
    if (l->status == FDATA_OK) {
        FILE *f = fopen(l->out, "w");
        if (f) {
            write_stream_jsonl(&table, f);
            fclose(f);
        } else {
            table.release(&table);
        }
    }
    atomic_fetch_sub(&loads_left, 1);
    return NULL;
}

int main(int argc, char **argv) {
    int counting = argc > 1 && strcmp(argv[1], "--allocator") == 0;
    argc -= counting, argv += counting;
    if (argc < 5) {
        fprintf(stderr, "usage: load_threads [--allocator] WORKERS MEMORY_LIMIT OUT_DIR SOURCE...\n");
        return 2;
    }
    int n = argc - 4;
    static const struct fdata_allocator counter = {count_allocate, count_release, NULL};
    struct fdata_runtime_options ro = {.threads = atoi(argv[1]),
                                       .memory_limit = strtoull(argv[2], NULL, 10),
                                       .allocator = counting ? &counter : NULL};
    fdata_runtime *rt;
    struct fdata_error err = {0};
    if (fdata_runtime_new(&ro, &rt, &err) != FDATA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int bound = count_threads() + 1 /* the page cache's reaper */;
    struct one_load *loads = calloc((size_t)n, sizeof *loads);
    pthread_t *ids = calloc((size_t)n, sizeof *ids);
    char (*paths)[4096] = calloc((size_t)n, sizeof *paths);
    atomic_init(&loads_left, n);
    for (int i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%d.jsonl", argv[3], i);
        loads[i] = (struct one_load){.source = argv[4 + i], .out = paths[i], .rt = rt};
        bound += strncmp(argv[4 + i], "s3://", 5) == 0 ? 3 : 1;
        pthread_create(&ids[i], NULL, load_one, &loads[i]);
    }
    int most = 0;
    while (atomic_load(&loads_left) > 0) {
        int now = count_threads();
        most = now > most ? now : most;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(ids[i], NULL);
        if (loads[i].status != FDATA_OK) {
            fprintf(stderr, "%s: %s\n", loads[i].source, loads[i].err.message);
            failed = 1;
        }
    }
    printf("threads %d bound %d peak %zu\n", most, bound, fdata_runtime_memory_peak(rt));
    fdata_runtime_free(rt);
    free(loads);
    free(ids);
    free(paths);
    if (counting) {
        printf("allocated %zu in %zu returned %s\n", atomic_load(&allocated),
               atomic_load(&allocations), atomic_load(&live) == 0 ? "all" : "not all");
        failed |= atomic_load(&allocated) == 0 || atomic_load(&live) != 0;
    }
    return failed || most > bound ? 1 : 0;
}
