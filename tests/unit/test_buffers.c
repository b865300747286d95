/* The process's cache of released aligned buffers (src/memory/buffers.c): a released buffer of
 * 64 KiB or more is what the next request of its size class gets, calloc'ed ones read as
 * zeros whatever they held, a table's worth stays while the cache is in use and its surplus
 * goes once the cache is idle, a full cache takes a new class in place of old ones, and
 * threads taking and releasing at once lose no buffer. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "memory/memory.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

/* A class is a quarter of a doubling wide: 100 KiB comes back for 97 KiB and for 112 KiB. */
static void test_same_class_reused(void) {
    uint8_t *a = fdata_aligned_alloc(100 * KIB);
    CHECK(a != NULL && (uintptr_t)a % 64 == 0);
    memset(a, 9, 100 * KIB);
    fdata_aligned_free(a);
    uint8_t *b = fdata_aligned_alloc(97 * KIB);
    CHECK(b == a);
    fdata_aligned_free(b);
    uint8_t *c = fdata_aligned_alloc(112 * KIB);
    CHECK(c == a);
    uint8_t *d = fdata_aligned_alloc(100 * KIB); /* the class's only one is taken */
    CHECK(d != NULL && d != a);
    fdata_aligned_free(c);
    fdata_aligned_free(d);
    uint8_t *e = fdata_aligned_alloc(200 * KIB); /* another class */
    CHECK(e != a && e != d);
    fdata_aligned_free(e);
}

static void test_calloc_zeroes_reused(void) {
    uint8_t *a = fdata_aligned_alloc(256 * KIB);
    memset(a, 0xab, 256 * KIB);
    fdata_aligned_free(a);
    uint8_t *b = fdata_aligned_calloc(250 * KIB);
    CHECK(b == a);
    int zero = 1;
    for (size_t i = 0; i < 250 * KIB; i++)
        zero &= b[i] == 0;
    CHECK(zero);
    fdata_aligned_free(b);
}

/* Waits (up to 5 s) for the reaper to give the surplus back once the cache is idle. */
static void wait_for_decay(void) {
    for (int t = 0; t < 100 && fdata_buffers_surplus(); t++)
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
}

/* 64 buffers of 1 MiB in use at once, released: they stay (a table's worth, up to the 64 MiB
 * in use at once, with what the tests before left; 16 MiB are kept for good), the next 64
 * requests take them, and an idle second later the surplus is gone. */
static void test_table_kept_then_decays(void) {
    enum { N = 64 };
    void *bufs[N], *again[N];
    for (int i = 0; i < N; i++) {
        CHECK((bufs[i] = fdata_aligned_alloc(MIB)) != NULL);
        memset(bufs[i], i, MIB);
    }
    for (int i = 0; i < N; i++)
        fdata_aligned_free(bufs[i]);
    CHECK(fdata_buffers_surplus() >= 46 * MIB);
    int reused = 0;
    for (int i = 0; i < N; i++) {
        again[i] = fdata_aligned_alloc(MIB);
        for (int j = 0; j < N; j++)
            reused += again[i] == bufs[j];
    }
    CHECK(reused >= N - 1 && fdata_buffers_surplus() == 0);
    for (int i = 0; i < N; i++)
        fdata_aligned_free(again[i]);
    CHECK(fdata_buffers_surplus() >= 46 * MIB);
    wait_for_decay();
    CHECK(fdata_buffers_surplus() == 0);
}

/* Just past a class boundary is the next class: 64 KiB + 1 byte and 80 KiB share one (ASan
 * checks that all 80 KiB may be written). */
static void test_class_boundary(void) {
    uint8_t *a = fdata_aligned_alloc(64 * KIB + 1);
    fdata_aligned_free(a);
    uint8_t *b = fdata_aligned_alloc(80 * KIB);
    CHECK(b == a);
    memset(b, 1, 80 * KIB);
    fdata_aligned_free(b);
}

/* A full cache takes a buffer of another class in place of those it holds: 40 buffers of
 * 1 MiB released fill it (the most in use at once since the decay), and a 300 KiB buffer
 * released then is still there for the next request of its class (which takes it from the
 * cache: the bytes held fall by its class's), where it used to be freed. */
static void test_full_cache_takes_new_class(void) {
    enum { N = 40 };
    void *bufs[N];
    for (int i = 0; i < N; i++)
        CHECK((bufs[i] = fdata_aligned_alloc(MIB)) != NULL);
    for (int i = 0; i < N; i++)
        fdata_aligned_free(bufs[i]);
    CHECK(fdata_buffers_held() >= N * MIB);
    void *a = fdata_aligned_alloc(300 * KIB);
    CHECK(a != NULL);
    fdata_aligned_free(a);
    size_t held = fdata_buffers_held();
    void *b = fdata_aligned_alloc(300 * KIB);
    CHECK(b != NULL && fdata_buffers_held() < held && held - fdata_buffers_held() >= 300 * KIB);
    fdata_aligned_free(b);
}

static void *churn(void *arg) {
    size_t size = (size_t)(uintptr_t)arg;
    for (int i = 0; i < 2000; i++) {
        uint8_t *p = fdata_aligned_alloc(size + (size_t)(i % 7) * 4 * KIB);
        if (!p)
            return NULL;
        memset(p, i, size);
        fdata_aligned_free(p);
    }
    return arg;
}

static void test_threads(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)((64 + 32 * (size_t)i) * KIB));
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        ok &= r != NULL;
    }
    CHECK(ok);
}

int main(void) {
    test_same_class_reused();
    test_calloc_zeroes_reused();
    test_class_boundary();
    test_table_kept_then_decays();
    test_full_cache_takes_new_class();
    test_threads();
    return check_result("test_buffers");
}
