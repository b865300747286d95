/* Write benchmark driver: loads the given Parquet sources into memory (fdata_load, not timed),
 * then writes the table as one Parquet file to OUT --repeat times with the codec given,
 * printing one JSON line: first and best seconds, bytes written.  Batches are lent to the
 * writer through views whose release does nothing, so every run writes the same table. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "fastdata/load.h"
#include "fastdata/parquet_write.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void lent(struct ArrowArray *a) { a->release = NULL; }

static int to_file(void *ctx, const void *data, size_t size) {
    return fwrite(data, 1, size, ctx) == size ? 0 : -1;
}

static int write_once(const struct ArrowSchema *schema, struct ArrowArray *batches, size_t n,
                      const struct fdata_parquet_write_options *o, const char *out,
                      struct fdata_error *err) {
    FILE *f = fopen(out, "wb");
    fdata_parquet_writer *w;
    if (!f || fdata_parquet_writer_new(schema, o, to_file, f, &w, err) != FDATA_OK) {
        if (f)
            fclose(f);
        return 1;
    }
    int status = FDATA_OK;
    for (size_t i = 0; i < n && status == FDATA_OK; i++) {
        struct ArrowArray view = batches[i];
        view.release = lent;
        status = fdata_parquet_writer_write(w, &view, err);
    }
    if (status == FDATA_OK)
        status = fdata_parquet_writer_close(w, err);
    else
        fdata_parquet_writer_free(w);
    return fclose(f) != 0 || status != FDATA_OK;
}

int main(int argc, char **argv) {
    struct fdata_parquet_write_options o = {.codec = FDATA_CODEC_SNAPPY};
    int repeat = 3, first = 1;
    const char *out = "/dev/shm/fastdata-bench-write.parquet";
    for (; first + 1 < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        if (strcmp(argv[first], "--repeat") == 0)
            repeat = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--threads") == 0)
            o.threads = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--codec") == 0)
            o.codec = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--out") == 0)
            out = argv[first + 1];
    }
    if (first >= argc) {
        fprintf(stderr, "usage: fdata_bench_write [--repeat R] [--threads T] [--codec N] [--out F] SOURCE...\n");
        return 2;
    }
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    struct fdata_load_options lo = {.threads = o.threads};
    struct ArrowArrayStream st;
    struct fdata_error err = {0};
    if (fdata_load((const char *const *)argv + first, (size_t)(argc - first), &lo, &st, NULL, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    struct ArrowSchema schema;
    st.get_schema(&st, &schema);
    size_t n = 0, cap = 64;
    struct ArrowArray *batches = malloc(cap * sizeof *batches);
    while (st.get_next(&st, &batches[n]) == 0 && batches[n].release)
        if (++n == cap)
            batches = realloc(batches, (cap *= 2) * sizeof *batches);
    o.row_group_rows = batches[0].length; /* one row group per batch, as the files had */
    double best = 1e30, first_s = 0;
    for (int r = 0; r < repeat; r++) {
        double t0 = now();
        if (write_once(&schema, batches, n, &o, out, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t = now() - t0;
        best = t < best ? t : best;
        first_s = r ? first_s : t;
    }
    struct stat s;
    stat(out, &s);
    printf("{\"seconds\": %.6f, \"first_seconds\": %.6f, \"bytes\": %lld}\n", best, first_s,
           (long long)s.st_size);
    for (size_t i = 0; i < n; i++)
        batches[i].release(&batches[i]);
    free(batches);
    schema.release(&schema);
    st.release(&st);
    remove(out);
    return 0;
}
