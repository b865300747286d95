/* The runtime's worker pool (src/common/parallel.c, fastdata/runtime.h): every task runs once
 * with a worker index below its call's threads, the first failure by index wins, a task
 * that starts a parallel-for of its own finishes on a busy pool (the caller helps), a gang's
 * tasks run at the same time, the workers are the runtime's only threads (a read and a write
 * given the runtime start no default one), and a forked child works on a fresh default
 * runtime. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "test_util.h"
#include "common/common.h"
#include "fastdata/parquet.h"
#include "fastdata/parquet_write.h"
#include "fastdata/runtime.h"

#define N 1000

struct count_job {
    fdata_runtime *rt;
    atomic_int runs[N];
    atomic_int bad_worker;
    int threads;
    atomic_long nested_sum;
};

static int count_task(void *ctx, size_t i, int worker) {
    struct count_job *j = ctx;
    atomic_fetch_add(&j->runs[i], 1);
    if (worker < 0 || worker >= j->threads)
        atomic_store(&j->bad_worker, 1);
    return FDATA_OK;
}

static int fail_task(void *ctx, size_t i, int worker) {
    (void)ctx, (void)worker;
    return i == 7 || i == 300 ? (i == 7 ? FDATA_ECORRUPT : FDATA_EIO) : FDATA_OK;
}

static int add_task(void *ctx, size_t i, int worker) {
    (void)worker;
    atomic_fetch_add(&((struct count_job *)ctx)->nested_sum, (long)i);
    return FDATA_OK;
}

/* Each outer task runs an inner parallel-for on the same (busy) runtime. */
static int nesting_task(void *ctx, size_t i, int worker) {
    (void)i, (void)worker;
    struct count_job *j = ctx;
    return fdata_parallel_for(j->rt, 100, 4, add_task, j);
}

static void test_parallel_for(fdata_runtime *rt) {
    static struct count_job j;
    j.rt = rt;
    j.threads = 3;
    CHECK(fdata_parallel_for(rt, N, j.threads, count_task, &j) == FDATA_OK);
    int once = 1;
    for (int i = 0; i < N; i++)
        once &= atomic_load(&j.runs[i]) == 1;
    CHECK(once);
    CHECK(!atomic_load(&j.bad_worker));
    CHECK(fdata_parallel_for(rt, 0, 4, count_task, &j) == FDATA_OK);
    CHECK(fdata_parallel_for(rt, N, 4, fail_task, NULL) == FDATA_ECORRUPT);
    CHECK(fdata_parallel_for(rt, 64, 8, nesting_task, &j) == FDATA_OK);
    CHECK(atomic_load(&j.nested_sum) == 64L * (99 * 100 / 2));
}

/* Gang tasks wait for each other: they finish only if they all run at once. */
struct gang_job {
    atomic_int arrived;
    int count;
};

static int barrier_task(void *ctx, size_t i, int count) {
    struct gang_job *g = ctx;
    if (i == 0) /* the caller's seat */
        g->count = count;
    atomic_fetch_add(&g->arrived, 1);
    while (atomic_load(&g->arrived) < count)
        sched_yield();
    return FDATA_OK;
}

static void *gang_thread(void *rt) {
    struct gang_job g = {0};
    int status = fdata_parallel_gang(rt, 8, barrier_task, &g);
    return (void *)(intptr_t)(status == FDATA_OK && g.count >= 1 && g.count <= 8 &&
                              atomic_load(&g.arrived) == g.count);
}

static void test_gangs(fdata_runtime *rt) {
    pthread_t t[6];
    for (int i = 0; i < 6; i++) /* more gangs than workers: some get fewer seats */
        pthread_create(&t[i], NULL, gang_thread, rt);
    for (int i = 0; i < 6; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        CHECK(ok == (void *)1);
    }
}

static void test_fork(fdata_runtime *rt) {
    pid_t pid = fork();
    if (pid == 0) { /* no parent's worker here: the work runs on a fresh default runtime */
        static struct count_job j;
        j.threads = 2;
        int ok = fdata_parallel_for(rt, N, 2, count_task, &j) == FDATA_OK;
        for (int i = 0; i < N; i++)
            ok &= atomic_load(&j.runs[i]) == 1;
        ok &= fdata_runtime_default() != rt;
        fdata_runtime_free(rt); /* memory only: its workers are the parent's */
        _exit(ok ? 0 : 1);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int count_bytes(void *ctx, const void *data, size_t size) {
    (void)data;
    *(size_t *)ctx += size;
    return 0;
}

/* A file read and written again with 4 threads on rt: the work runs on its workers (a call
 * on the default runtime would start that, and its threads). */
static void test_read_write(fdata_runtime *rt, const char *data_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/generated/duckdb_rowgroups_v1_lz4_raw.parquet", data_dir);
    fdata_parquet_file *f = NULL;
    struct fdata_parquet_read_options ro = {.threads = 4, .runtime = rt};
    struct fdata_parquet_write_options wo = {.threads = 4, .row_group_rows = 100, .runtime = rt};
    struct ArrowSchema schema = {0};
    struct ArrowArray batch = {0};
    fdata_parquet_writer *w = NULL;
    size_t written = 0;
    CHECK(fdata_parquet_open_path(path, &f, NULL) == FDATA_OK);
    CHECK(f && fdata_parquet_get_schema(f, &ro, &schema, NULL) == FDATA_OK);
    CHECK(fdata_parquet_read_row_groups(f, 0, 1, &ro, &batch, NULL) == FDATA_OK);
    CHECK(fdata_parquet_writer_new(&schema, &wo, count_bytes, &written, &w, NULL) == FDATA_OK);
    CHECK(fdata_parquet_writer_write(w, &batch, NULL) == FDATA_OK);
    CHECK(fdata_parquet_writer_close(w, NULL) == FDATA_OK && written > 8);
    if (schema.release)
        schema.release(&schema);
    fdata_parquet_close(f);
}

static void *noop_thread(void *arg) { return arg; }

int main(int argc, char **argv) {
    struct fdata_error err = {0};
    fdata_runtime *rt = NULL;
    CHECK(fdata_runtime_new(&(struct fdata_runtime_options){.threads = -1}, &rt, &err) ==
          FDATA_EINVAL && !rt);
    pthread_t t; /* a first thread starts the tools' own (ThreadSanitizer's) before counting */
    pthread_create(&t, NULL, noop_thread, NULL);
    pthread_join(t, NULL);
    int before = count_threads();
    CHECK(fdata_runtime_new(&(struct fdata_runtime_options){.threads = 3, .memory_limit = 100},
                            &rt, &err) == FDATA_OK);
    CHECK(fdata_runtime_threads(rt) == 3 && count_threads() == before + 3);
    CHECK(fdata_runtime_memory_limit(rt) == 100);
    test_parallel_for(rt);
    test_gangs(rt);
    if (argc > 1)
        test_read_write(rt, argv[1]);
    CHECK(count_threads() == before + 3); /* no call made threads of its own */
    CHECK(fdata_runtime_take(rt, 80, 0) && !fdata_runtime_take(rt, 30, 0));
    CHECK(fdata_runtime_take(rt, 30, 1) && fdata_runtime_memory_held(rt) == 110);
    fdata_runtime_give(rt, 110);
    CHECK(fdata_runtime_memory_held(rt) == 0 && fdata_runtime_memory_peak(rt) == 110);
    test_fork(rt);
    fdata_runtime_free(rt);
    CHECK(count_threads() == before);
    CHECK(fdata_runtime_default() == fdata_runtime_default());
    return check_result("test_runtime");
}
