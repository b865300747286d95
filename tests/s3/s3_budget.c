/* Streaming downloads under a memory budget against a live server:
 *   s3_budget LIMIT KNOWN_SIZES LOCAL_DIR s3://bucket/prefix/NAME...
 * fetches every object with fdata_s3_get_many and on_object, a slow consumer thread compares
 * each with LOCAL_DIR/NAME, frees it and gives its bytes back.  Checks: every object arrives
 * exactly once and byte-identical, nothing is left held, and the most ever held stays within
 * the limit (with KNOWN_SIZES=1, sizes passed as from a listing; else within the limit plus
 * one largest object per connection, the reservations of objects not yet sized).  LIMIT 0:
 * no budget; then objects still start only as connections free up, so that no more are under
 * way at once (started, not yet handed over) than there are connections: 8, or with
 * --default-connections N none asked for, and N expected (the client's default, sized from
 * the target throughput in the caller's AWS config). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fastdata/s3.h"
#include "test_util.h"

static int connections = 8, asked = 8;

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct fdata_s3_get_result *items;
    size_t *index;
    size_t head, tail, total;
};

struct run {
    struct queue q;
    fdata_s3_budget *budget;
    char **names;
    const char *dir;
    int *seen;
    int failed;
    atomic_int under_way, most_under_way; /* started and not yet handed over */
};

static void on_start(void *ctx, size_t index) {
    struct run *run = ctx;
    (void)index;
    int now = atomic_fetch_add(&run->under_way, 1) + 1, most = atomic_load(&run->most_under_way);
    while (now > most && !atomic_compare_exchange_weak(&run->most_under_way, &most, now))
        ;
}

static void on_object(void *ctx, size_t index, struct fdata_s3_get_result *r) {
    struct run *run = ctx;
    atomic_fetch_sub(&run->under_way, 1);
    pthread_mutex_lock(&run->q.lock);
    run->q.items[run->q.tail] = *r;
    run->q.index[run->q.tail++] = index;
    pthread_cond_signal(&run->q.cond);
    pthread_mutex_unlock(&run->q.lock);
}

static void *consume(void *arg) {
    struct run *run = arg;
    for (size_t done = 0; done < run->q.total; done++) {
        pthread_mutex_lock(&run->q.lock);
        while (run->q.head == run->q.tail)
            pthread_cond_wait(&run->q.cond, &run->q.lock);
        struct fdata_s3_get_result r = run->q.items[run->q.head];
        size_t i = run->q.index[run->q.head++];
        pthread_mutex_unlock(&run->q.lock);
        nanosleep(&(struct timespec){0, 3000000}, NULL); /* a slow consumer: the budget bites */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", run->dir, run->names[i]);
        size_t n;
        unsigned char *local = slurp(path, &n);
        if (r.status != FDATA_OK || !local || n != r.size || memcmp(local, r.data, n) != 0) {
            fprintf(stderr, "%s: %s\n", run->names[i], r.status ? r.error : "bytes differ");
            run->failed++;
        }
        run->seen[i]++;
        free(local);
        fdata_s3_data_free(r.data);
        if (run->budget)
            fdata_s3_budget_release(run->budget, r.size);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "--default-connections") == 0) {
        connections = atoi(argv[2]);
        asked = 0;
        argc -= 2, argv += 2;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: s3_budget [--default-connections N] LIMIT KNOWN_SIZES LOCAL_DIR "
                        "URL...\n");
        return 2;
    }
    size_t limit = strtoull(argv[1], NULL, 10), n = (size_t)argc - 4, largest = 0;
    int known = atoi(argv[2]);
    struct run run = {.dir = argv[3]};
    pthread_mutex_init(&run.q.lock, NULL);
    pthread_cond_init(&run.q.cond, NULL);
    const char **urls = (const char **)argv + 4;
    run.names = calloc(n, sizeof *run.names);
    run.seen = calloc(n, sizeof *run.seen);
    run.q.items = calloc(n, sizeof *run.q.items);
    run.q.index = calloc(n, sizeof *run.q.index);
    run.q.total = n;
    int64_t *sizes = calloc(n, sizeof *sizes);
    for (size_t i = 0; i < n; i++) {
        run.names[i] = strrchr(urls[i], '/') + 1;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", run.dir, run.names[i]);
        size_t size;
        free(slurp(path, &size));
        sizes[i] = (int64_t)size;
        largest = size > largest ? size : largest;
    }
    fdata_s3_client *c;
    struct fdata_error err = {0};
    run.budget = limit ? fdata_s3_budget_new(limit) : NULL;
    if (fdata_s3_client_new(NULL, &c, &err) != FDATA_OK || (limit && !run.budget)) {
        fprintf(stderr, "setup failed: %s\n", err.message);
        return 1;
    }
    struct fdata_s3_get_result *results = calloc(n, sizeof *results);
    struct fdata_s3_get_options o = {.connections = asked, .part_size = 1 << 20,
                                     .on_object = on_object, .ctx = &run, .budget = run.budget,
                                     .sizes = known ? sizes : NULL, .on_start = on_start};
    pthread_t consumer;
    pthread_create(&consumer, NULL, consume, &run);
    int rc = fdata_s3_get_many(c, urls, n, &o, results, &err);
    pthread_join(consumer, NULL);
    int failed = run.failed + (rc != FDATA_OK);
    for (size_t i = 0; i < n; i++)
        failed += run.seen[i] != 1 || results[i].data != NULL;
    if (limit) {
        size_t peak = fdata_s3_budget_peak(run.budget);
        size_t bound = known ? (limit > largest ? limit : largest) : limit + connections * largest;
        failed += fdata_s3_budget_held(run.budget) != 0 || peak > bound;
        printf("peak %zu of limit %zu (bound %zu): ", peak, limit, bound);
    } else { /* each event loop has its share of the connections, rounded up */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        long loops = cores < connections ? cores : connections;
        int bound = (int)(loops * ((connections + loops - 1) / loops));
        failed += run.most_under_way > bound || run.under_way != 0;
        printf("at most %d objects under way (bound %d): ", run.most_under_way, bound);
    }
    printf("%s\n", failed ? "FAIL" : "ok");
    fdata_s3_budget_free(run.budget);
    fdata_s3_client_free(c);
    free(results), free(sizes), free(run.names), free(run.seen), free(run.q.items), free(run.q.index);
    return failed != 0;
}
