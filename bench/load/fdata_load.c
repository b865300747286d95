/* Load benchmark driver: fdata_load of the given sources --repeat times in one process (the
 * table released after each), printing one JSON line with the first and the best seconds and
 * the last run's report.  As in the other drivers glibc keeps freed memory for reuse, like
 * the peers' allocators, so that repeated runs do not pay page faults the peers do not; the
 * first run shows the cold cost. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fastdata/load.h"
#include "test_util.h" /* split_names() */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int repeat = 3, first = 1, bad = 0;
    struct fdata_load_options o = {0};
    const char *columns[64];
    for (; first + 1 < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        if (strcmp(argv[first], "--repeat") == 0)
            repeat = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--connections") == 0)
            o.connections = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--threads") == 0)
            o.threads = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--strings") == 0)
            bad |= fdata_parquet_strings_from_name(argv[first + 1], &o.strings) != FDATA_OK;
        else if (strcmp(argv[first], "--columns") == 0)
            split_names(argv[first + 1], columns, 64, &o.num_columns);
    }
    o.columns = o.num_columns ? columns : NULL;
    if (first >= argc || bad) {
        fprintf(stderr, "usage: fdata_bench_load [--repeat R] [--connections C] [--threads T] "
                        "[--columns a,b] [--strings plain|view|dictionary] SOURCE...\n");
        return 2;
    }
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    double best = 1e30, first_s = 0;
    struct fdata_load_report r = {0};
    for (int i = 0; i < repeat; i++) {
        struct ArrowArrayStream table;
        struct fdata_error err = {0};
        double t0 = now();
        if (fdata_load((const char *const *)argv + first, (size_t)(argc - first), &o, &table, &r,
                       &err) != FDATA_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t = now() - t0;
        table.release(&table);
        best = t < best ? t : best;
        first_s = i ? first_s : t;
    }
    printf("{\"seconds\": %.6f, \"first_seconds\": %.6f, \"bytes_fetched\": %llu, "
           "\"bytes_decoded\": %llu, \"rows\": %lld}\n", best, first_s,
           (unsigned long long)r.bytes_fetched, (unsigned long long)r.bytes_decoded,
           (long long)r.rows);
    return 0;
}
