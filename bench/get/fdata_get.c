/* Download benchmark driver: fdata_s3_get_many of every URL given, into memory, best of
 * --repeat runs; prints one JSON line (seconds, first run, bytes).  Every object is kept
 * until the run ends, or with --stream handed over as it arrives and freed at once (what a
 * consumer that processes objects one by one does, as boto3's read() in a loop). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fastdata/s3.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static atomic_size_t streamed;

static void take_object(void *ctx, size_t index, struct fdata_s3_get_result *r) {
    (void)ctx, (void)index;
    atomic_fetch_add(&streamed, r->status == FDATA_OK ? r->size : 0);
    fdata_s3_data_free(r->data);
    r->data = NULL;
}

int main(int argc, char **argv) {
    struct fdata_s3_get_options go = {0};
    int repeat = 3, first = 1;
    while (first + 1 < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--connections") == 0)
            go.connections = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--part-mib") == 0)
            go.part_size = (size_t)atoi(argv[first + 1]) << 20;
        else if (strcmp(argv[first], "--threads") == 0)
            go.threads = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--repeat") == 0)
            repeat = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--stream") == 0) {
            go.on_object = take_object;
            first += 1;
            continue;
        } else
            break;
        first += 2;
    }
    size_t n = (size_t)(argc - first);
    struct fdata_s3_options so = {.no_sign = 1}; /* nginx checks no signature */
    fdata_s3_client *c;
    struct fdata_error err = {0};
    if (n == 0 || fdata_s3_client_new(&so, &c, &err) != FDATA_OK) {
        fprintf(stderr, "usage: fdata_bench_get [--connections N] [--part-mib M] [--threads T] [--repeat R] "
                        "[--stream] URL... %s\n", err.message);
        return 2;
    }
    struct fdata_s3_get_result *res = calloc(n, sizeof *res);
    double best = 1e30, first_run = 0;
    size_t bytes = 0;
    for (int r = 0; r < repeat; r++) {
        double t0 = now();
        if (fdata_s3_get_many(c, (const char *const *)argv + first, n, &go, res, &err) != FDATA_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t = now() - t0;
        bytes = atomic_exchange(&streamed, 0);
        for (size_t i = 0; !go.on_object && i < n; i++)
            bytes += res[i].size;
        fdata_s3_get_results_free(res, n);
        best = t < best ? t : best;
        first_run = r == 0 ? t : first_run;
    }
    printf("{\"seconds\": %.6f, \"first_seconds\": %.6f, \"bytes\": %zu}\n", best, first_run, bytes);
    free(res);
    fdata_s3_client_free(c);
    return 0;
}
