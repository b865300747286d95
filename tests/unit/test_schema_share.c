/* Open files whose footers state one schema share it parsed (parquet/schema_share.c): files
 * written alike by DuckDB share one, files of another schema do not, a file reads right after
 * the one that parsed the schema is closed, threads opening at once end with one, and a
 * fork's child starts its own.  argv[1] is tests/data/parquet. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "fastdata/arrow.h"
#include "fastdata/parquet.h"
#include "parquet/file.h"
#include "parquet/reader.h"

static char path_buf[4096];
static const char *data_dir;

static const char *corpus(const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", data_dir, name);
    return path_buf;
}

static fdata_parquet_file *open_file(const char *name) {
    fdata_parquet_file *f = NULL;
    struct fdata_error err = {0};
    if (fdata_parquet_open_path(corpus(name), &f, &err) != FDATA_OK)
        fprintf(stderr, "%s\n", err.message);
    return f;
}

/* The sum (wrapping) of a row group's int64 column c_int64 (DuckDB's prim table), -1 when
 * unreadable. */
static unsigned long long sum_column(fdata_parquet_file *f) {
    const char *cols[] = {"c_int64"};
    struct fdata_parquet_read_options o = {.columns = cols, .num_columns = 1};
    struct ArrowArray batch;
    struct fdata_error err = {0};
    if (fdata_parquet_read_row_groups(f, 0, 1, &o, &batch, &err) != FDATA_OK)
        return (unsigned long long)-1;
    const struct ArrowArray *c = batch.children[0];
    const int64_t *v = c->buffers[1];
    unsigned long long sum = 0;
    for (int64_t i = 0; i < c->length; i++)
        sum += (unsigned long long)v[i + c->offset];
    batch.release(&batch);
    return sum;
}

static void test_written_alike_share(void) {
    /* the same table by DuckDB with two codecs: one schema, stated in the same bytes */
    fdata_parquet_file *a = open_file("generated/duckdb_prim_v1_snappy.parquet");
    fdata_parquet_file *b = open_file("generated/duckdb_prim_v1_gzip.parquet");
    fdata_parquet_file *c = open_file("drift/part-0.parquet");
    CHECK(a && b && c);
    CHECK(pq_file_schema(a) == pq_file_schema(b) && pq_file_same_schema(a, b));
    CHECK(pq_file_schema(a) != pq_file_schema(c) && !pq_file_same_schema(a, c));
    unsigned long long expected = sum_column(a);
    CHECK(expected != (unsigned long long)-1);
    fdata_parquet_close(a); /* the file that parsed the schema goes; b still reads by it */
    CHECK(sum_column(b) == expected);
    fdata_parquet_file *again = open_file("generated/duckdb_prim_v1_snappy.parquet");
    CHECK(again && pq_file_schema(again) == pq_file_schema(b));
    fdata_parquet_close(b);
    fdata_parquet_close(again);
    fdata_parquet_close(c);
}

/* Threads opening files of one schema at once: every open finds or makes it, and the files
 * open together share one. */
#define OPENERS 4
#define OPENS 25
static const struct pq_schema *seen[OPENERS];
static int opener_failed;

static void *opener(void *arg) {
    size_t k = (size_t)arg;
    fdata_parquet_file *held = NULL;
    for (int i = 0; i < OPENS; i++) {
        fdata_parquet_file *f = NULL;
        struct fdata_error err = {0};
        char path[4096];
        snprintf(path, sizeof path, "%s/generated/duckdb_prim_v1_%s.parquet", data_dir,
                 i % 2 ? "gzip" : "zstd");
        if (fdata_parquet_open_path(path, &f, &err) != FDATA_OK) {
            opener_failed = 1;
            break;
        }
        if (held)
            fdata_parquet_close(held);
        held = f;
    }
    seen[k] = held ? pq_file_schema(held) : NULL;
    return held;
}

static void test_threads_open_at_once(void) {
    pthread_t t[OPENERS];
    for (size_t k = 0; k < OPENERS; k++)
        CHECK(pthread_create(&t[k], NULL, opener, (void *)k) == 0);
    fdata_parquet_file *held[OPENERS];
    for (size_t k = 0; k < OPENERS; k++)
        CHECK(pthread_join(t[k], (void **)&held[k]) == 0);
    CHECK(!opener_failed);
    for (size_t k = 1; k < OPENERS; k++)
        CHECK(seen[k] && seen[k] == seen[0]);
    for (size_t k = 0; k < OPENERS; k++)
        fdata_parquet_close(held[k]);
}

/* A fork's child starts an empty table: the schema of a file opened before the fork is not
 * found again, and both files close cleanly. */
static void test_fork_child(void) {
    fdata_parquet_file *before = open_file("generated/duckdb_prim_v1_snappy.parquet");
    CHECK(before != NULL);
    pid_t pid = fork();
    if (pid == 0) {
        fdata_parquet_file *after = open_file("generated/duckdb_prim_v1_snappy.parquet");
        int ok = after && pq_file_schema(after) != pq_file_schema(before) &&
                 sum_column(after) == sum_column(before);
        fdata_parquet_close(before);
        fdata_parquet_close(after);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fdata_parquet_close(before);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_schema_share DATA_DIR\n");
        return 2;
    }
    data_dir = argv[1];
    test_written_alike_share();
    test_threads_open_at_once();
    test_fork_child();
    return check_result("test_schema_share");
}
