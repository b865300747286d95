/* The page pool (src/memory/pages.h): given blocks move into it with their bytes (nothing is
 * copied or zeroed) and the given range reads as zeros; taken blocks arrive with those bytes;
 * the cap holds, trimming keeps what it is asked to; no pool means a plain discard; slabs
 * take their pages from a pool, and released slabs leave theirs to the next (download buffers
 * too), a load's decoded input overflows its pool into the cache; the process's cache keeps more than 64 MiB only while in use; many threads at once
 * lose no block; past half the mapping limit nothing moves; the huge-page switch
 * (environment, then call) decides what slabs advise. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "check.h"
#include "common/common.h"
#include "memory/memory.h"
#include "memory/pages.h"
#include "fastdata/runtime.h"

#define BLOCK FDATA_BLOCK
#define PROCESS fdata_memory_of(NULL) /* the process's page cache (the default runtime's) */

/* A mapped buffer of n blocks and a bit, and its first block boundary. */
static uint8_t *blocks_in(uint8_t *map, size_t *first) {
    uint8_t *b = (uint8_t *)fdata_block_up((uintptr_t)map);
    *first = (size_t)(b - map);
    return b;
}

static int all_bytes(const uint8_t *p, size_t n, uint8_t v) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void test_give_then_take(void) {
    struct fdata_pages *pool = fdata_pages_new(8 * BLOCK);
    CHECK(pool != NULL);
    uint8_t *a = fdata_map_zeroed(6 * BLOCK), *b = fdata_map_zeroed(6 * BLOCK);
    size_t fa, fb;
    uint8_t *ba = blocks_in(a, &fa), *bb = blocks_in(b, &fb);
    for (int k = 0; k < 4; k++) /* block k of a holds the byte k + 1 */
        memset(ba + k * BLOCK, k + 1, BLOCK);
    memset(a, 9, fa); /* the part before the first boundary */
    fdata_pages_give(pool, a, fa + 4 * BLOCK);
    CHECK(all_bytes(a, fa + 4 * BLOCK, 0)); /* reads as zeros, moved or discarded */
    CHECK(fdata_pages_take(pool, b, 6 * BLOCK) == 4 * BLOCK); /* the whole blocks only */
    int seen = 0;
    for (int k = 0; k < 4; k++) /* every block of a arrived whole, in some order */
        for (int v = 1; v <= 4; v++)
            if (all_bytes(bb + k * BLOCK, BLOCK, (uint8_t)v))
                seen |= 1 << v;
    CHECK(seen == 0x1e);
    CHECK(all_bytes(b, fb, 0)); /* before b's first boundary: untouched */
    CHECK(fdata_pages_take(pool, b, 6 * BLOCK) == 0); /* empty now */
    memset(ba, 7, BLOCK); /* the giver's mapping is whole: it can be written again */
    CHECK(ba[BLOCK - 1] == 7);
    fdata_unmap_zeroed(a);
    fdata_unmap_zeroed(b);
    fdata_pages_free(pool);
}

static void test_cap_and_no_pool(void) {
    CHECK(fdata_pages_new(BLOCK - 1) == NULL); /* not one block of room */
    struct fdata_pages *pool = fdata_pages_new(2 * BLOCK);
    uint8_t *a = fdata_map_zeroed(5 * BLOCK), *b = fdata_map_zeroed(5 * BLOCK);
    size_t f;
    memset(a, 3, 5 * BLOCK);
    fdata_pages_give(pool, a, 5 * BLOCK); /* 4 whole blocks, room for 2 */
    CHECK(all_bytes(a, 5 * BLOCK, 0));
    CHECK(fdata_pages_take(pool, b, 5 * BLOCK) == 2 * BLOCK);
    CHECK(all_bytes(blocks_in(b, &f), 2 * BLOCK, 3));
    memset(a, 4, BLOCK);
    fdata_pages_give(NULL, a, BLOCK); /* no pool: discarded */
    CHECK(all_bytes(a, BLOCK, 0) && fdata_pages_take(NULL, b, 5 * BLOCK) == 0);
    fdata_unmap_zeroed(a);
    fdata_unmap_zeroed(b);
    fdata_pages_free(pool);
    fdata_pages_free(NULL);
}

static void test_slab_takes_pages(void) {
    struct fdata_pages *pool = fdata_pages_new(4 * BLOCK);
    uint8_t *a = fdata_map_zeroed(5 * BLOCK);
    memset(a, 5, 5 * BLOCK);
    fdata_pages_give(pool, a, 5 * BLOCK);
    uint8_t *s = fdata_slab_new(5 * BLOCK, pool, PROCESS); /* large: mapped, fed from the pool */
    CHECK(s && ((uintptr_t)s & 63) == 0);
    size_t f;
    CHECK(all_bytes(blocks_in(s, &f), 4 * BLOCK, 5)); /* the pool's pages, not fresh ones */
    CHECK(fdata_pages_take(pool, a, 5 * BLOCK) == 0);
    memset(s, 1, 5 * BLOCK);
    fdata_slab_ref(s);
    fdata_slab_unref(s);
    CHECK(s[5 * BLOCK - 1] == 1); /* one reference left */
    fdata_slab_unref(s);
    uint8_t *small = fdata_slab_new(100, pool, PROCESS); /* small: from malloc, the pool unused */
    CHECK(small && ((uintptr_t)small & 63) == 0);
    fdata_slab_unref(small);
    fdata_unmap_zeroed(a);
    fdata_pages_free(pool);
}

/* A released large slab leaves its pages to the next one, until the cache is dropped. */
static void test_released_slabs_cached(void) {
    fdata_page_cache_drop(PROCESS); /* what the tests before left */
    uint8_t *s = fdata_slab_new(6 * BLOCK, NULL, PROCESS);
    CHECK(s && ((uintptr_t)s & (BLOCK - 1)) == 0); /* whole blocks from the first byte */
    memset(s, 8, 6 * BLOCK);
    fdata_slab_unref(s);
    uint8_t *t = fdata_slab_new(5 * BLOCK + 1, NULL, PROCESS); /* spans 6 blocks too */
    CHECK(t && all_bytes(t, 6 * BLOCK, 8)); /* the released pages, not fresh ones */
    fdata_slab_unref(t);
    CHECK(fdata_page_cache_drop(PROCESS) == 6 * BLOCK && fdata_page_cache_drop(PROCESS) == 0);
    uint8_t *u = fdata_slab_new(6 * BLOCK, NULL, PROCESS);
    CHECK(u && all_bytes(u, 6 * BLOCK, 0)); /* fresh again */
    fdata_slab_unref(u);
    fdata_page_cache_drop(PROCESS);
}

/* A pool of `cap` blocks, two buffers of `blocks` blocks and a bit (a filled with `fill`),
 * and a's first block boundary. */
struct fixture {
    struct fdata_pages *pool;
    uint8_t *a, *b, *ba;
};

static struct fixture fixture_new(size_t cap, size_t blocks, int fill) {
    struct fixture x = {fdata_pages_new(cap * BLOCK), fdata_map_zeroed(blocks * BLOCK),
                        fdata_map_zeroed(blocks * BLOCK), NULL};
    size_t f;
    x.ba = blocks_in(x.a, &f);
    memset(x.a, fill, blocks * BLOCK);
    return x;
}

static void fixture_free(struct fixture *x) {
    fdata_unmap_zeroed(x->a);
    fdata_unmap_zeroed(x->b);
    fdata_pages_free(x->pool);
}

/* Trimming keeps whole blocks up to the bytes asked for; held counts what the pool has. */
static void test_trim_and_held(void) {
    struct fixture x = fixture_new(8, 7, 4);
    struct fdata_pages *pool = x.pool;
    fdata_pages_give(pool, x.ba, 6 * BLOCK);
    CHECK(fdata_pages_held(pool) == 6 * BLOCK);
    CHECK(fdata_pages_trim(pool, 2 * BLOCK + 5) == 4 * BLOCK); /* down to 2 whole blocks */
    CHECK(fdata_pages_held(pool) == 2 * BLOCK && fdata_pages_trim(pool, 2 * BLOCK) == 0);
    CHECK(fdata_pages_take(pool, x.b, 7 * BLOCK) == 2 * BLOCK);
    CHECK(fdata_pages_held(pool) == 0);
    CHECK(fdata_pages_trim(NULL, 0) == 0 && fdata_pages_held(NULL) == 0);
    fixture_free(&x);
}

/* Past half the process's mapping limit no block moves either way (fresh pages instead). */
static void test_map_limit(void) {
    struct fixture x = fixture_new(4, 4, 2);
    struct fdata_pages *pool = x.pool;
    uint8_t *ba = x.ba;
    fdata_maps_set_limit(8); /* far fewer than this process has: no room */
    fdata_pages_give(pool, ba, 3 * BLOCK);
    CHECK(fdata_pages_held(pool) == 0 && all_bytes(ba, 3 * BLOCK, 0)); /* discarded */
    fdata_maps_set_limit(0); /* the kernel's limit again */
    memset(ba, 2, 3 * BLOCK);
    fdata_pages_give(pool, ba, 3 * BLOCK);
    CHECK(fdata_pages_held(pool) == 3 * BLOCK);
    fdata_maps_set_limit(8);
    CHECK(fdata_pages_take(pool, x.b, 4 * BLOCK) == 0);
    fdata_maps_set_limit(0);
    CHECK(fdata_pages_take(pool, x.b, 4 * BLOCK) == 3 * BLOCK);
    fixture_free(&x);
}

/* Download buffers (fdata_slab_new_populated) take released pages first, whatever the kind. */
static void test_populated_slabs(void) {
    fdata_page_cache_drop(PROCESS);
    uint8_t *s = fdata_slab_new(4 * BLOCK, NULL, PROCESS);
    memset(s, 5, 4 * BLOCK);
    fdata_slab_unref(s);
    uint8_t *d = fdata_slab_new_populated(3 * BLOCK + 7, PROCESS);
    CHECK(d && ((uintptr_t)d & (BLOCK - 1)) == 0);
    CHECK(all_bytes(d, 3 * BLOCK + 7, 5));   /* taken from the cache */
    CHECK(fdata_page_cache_held(PROCESS) == 0);      /* all 4 blocks: it spans 4 */
    fdata_slab_unref(d);
    uint8_t *small = fdata_slab_new_populated(1000, PROCESS); /* small: from malloc */
    CHECK(small != NULL);
    memset(small, 1, 1000);
    fdata_slab_unref(small);
    CHECK(fdata_page_cache_drop(PROCESS) == 4 * BLOCK);
}

/* Waits (up to 5 s) for the reaper to trim the cache to 64 MiB once it is idle. */
static void wait_for_decay(void) {
    for (int t = 0; t < 100 && fdata_page_cache_held(PROCESS) > ((size_t)64 << 20); t++)
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
}

/* Value slabs' pages stay beyond 64 MiB up to the most slab bytes in use at once since the
 * cache was last idle: a table released whole is kept whole for the next load, and once the
 * cache has been idle that mark is what is in use then (a stream's batches keep 64 MiB). */
static void test_cache_keeps_released_tables(void) {
    fdata_page_cache_drop(PROCESS);
    enum { N = 20 }; /* 20 slabs of 4 blocks: 160 MiB in use at once */
    uint8_t *many[N];
    for (int i = 0; i < N; i++) {
        CHECK((many[i] = fdata_slab_new(4 * BLOCK, NULL, PROCESS)) != NULL);
        memset(many[i], 7, 4 * BLOCK);
    }
    for (int i = 2; i < N; i++)
        fdata_slab_unref(many[i]);
    CHECK(fdata_page_cache_held(PROCESS) == (size_t)(N - 2) * 4 * BLOCK); /* 144 MiB: all kept */
    int reused = 0; /* the next "load" takes them all, no fresh page */
    for (int i = 2; i < N; i++) {
        CHECK((many[i] = fdata_slab_new(4 * BLOCK, NULL, PROCESS)) != NULL);
        reused += all_bytes(many[i], 4 * BLOCK, 7);
    }
    CHECK(reused == N - 2 && fdata_page_cache_held(PROCESS) == 0);
    for (int i = 2; i < N; i++)
        fdata_slab_unref(many[i]);
    wait_for_decay();
    CHECK(fdata_page_cache_held(PROCESS) == (size_t)64 << 20);
    /* idle: the mark is now the 2 slabs in use (16 MiB), so releasing them keeps 64 MiB */
    fdata_slab_unref(many[0]);
    fdata_slab_unref(many[1]);
    CHECK(fdata_page_cache_held(PROCESS) == (size_t)64 << 20);
    CHECK(fdata_page_cache_drop(PROCESS) == (size_t)64 << 20);
}

/* A load's decoded input: its whole blocks go to the load's pool while it has room and the
 * rest to the runtime's cache (not to the kernel), bytes intact; freeing the pool pours what
 * it still holds into the cache too. */
static void test_release_overflows_to_cache(void) {
    fdata_page_cache_drop(PROCESS);
    struct fdata_pages *pool = fdata_pages_new(2 * BLOCK);
    uint8_t *a = fdata_map_zeroed(7 * BLOCK), *b = fdata_map_zeroed(7 * BLOCK);
    size_t f;
    uint8_t *ba = blocks_in(a, &f);
    size_t whole = (fdata_block_down((uintptr_t)a + 7 * BLOCK) - (uintptr_t)ba) / BLOCK;
    memset(a, 5, 7 * BLOCK);
    fdata_pages_release(a, 7 * BLOCK, pool, PROCESS); /* 6 or 7 whole blocks: 2 pooled */
    CHECK(all_bytes(a, 7 * BLOCK, 0));
    CHECK(fdata_pages_held(pool) == 2 * BLOCK &&
          fdata_page_cache_held(PROCESS) == (whole - 2) * BLOCK);
    CHECK(fdata_page_cache_take(PROCESS, blocks_in(b, &f), 5 * BLOCK) == (whole - 2) * BLOCK);
    CHECK(all_bytes(blocks_in(b, &f), (whole - 2) * BLOCK, 5));
    fdata_pages_free_to_cache(pool, PROCESS);
    CHECK(fdata_page_cache_held(PROCESS) == 2 * BLOCK);
    memset(ba, 6, BLOCK);
    fdata_pages_release(ba, BLOCK, NULL, NULL); /* neither: to the kernel */
    CHECK(all_bytes(ba, BLOCK, 0) && fdata_page_cache_held(PROCESS) == 2 * BLOCK);
    CHECK(fdata_page_cache_drop(PROCESS) == 2 * BLOCK);
    fdata_unmap_zeroed(a);
    fdata_unmap_zeroed(b);
}

/* Download buffers' pages above 64 MiB stay in the cache while it is in use, and go back to
 * the kernel once it has been idle for a second (the reaper thread), down to 64 MiB. */
static void test_cache_decay(void) {
    fdata_page_cache_drop(PROCESS);
    enum { N = 20 }; /* 20 slabs of 4 blocks: 160 MiB */
    uint8_t *many[N];
    for (int i = 0; i < N; i++) {
        CHECK((many[i] = fdata_slab_new_populated(4 * BLOCK, PROCESS)) != NULL);
        memset(many[i], 6, 4 * BLOCK);
    }
    for (int i = 0; i < N; i++)
        fdata_slab_unref(many[i]);
    CHECK(fdata_page_cache_held(PROCESS) == (size_t)N * 4 * BLOCK); /* all kept, for now */
    int reused = 0;
    for (int i = 0; i < N; i++) {
        CHECK((many[i] = fdata_slab_new_populated(4 * BLOCK, PROCESS)) != NULL);
        reused += all_bytes(many[i], 4 * BLOCK, 6);
    }
    CHECK(reused == N);
    for (int i = 0; i < N; i++)
        fdata_slab_unref(many[i]);
    wait_for_decay();
    CHECK(fdata_page_cache_held(PROCESS) == (size_t)64 << 20);
    CHECK(fdata_page_cache_drop(PROCESS) == (size_t)64 << 20);
}

/* Whether the mapping holding p has huge pages advised (VmFlags "hg" in /proc/self/smaps);
 * -1 when it cannot be told. */
static int advised_huge(const void *p) {
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int inside = 0, found = -1;
    while (f && found < 0 && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) /* a mapping's first line */
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0)
            found = strstr(line, " hg") != NULL;
    }
    if (f)
        fclose(f);
    return found;
}

/* FASTDATA_HUGE_PAGES=0 turns huge pages off until fdata_huge_pages_set turns them on. */
static void test_huge_page_switch(void) {
    setenv("FASTDATA_HUGE_PAGES", "0", 1); /* before anything asked: read at the first use */
    CHECK(fdata_huge_pages() == 0);
    uint8_t *off = fdata_slab_new(3 * BLOCK, NULL, PROCESS);
    CHECK(off && advised_huge(off) == 0);
    fdata_huge_pages_set(1);
    CHECK(fdata_huge_pages() == 1);
    uint8_t *on = fdata_slab_new(3 * BLOCK, NULL, PROCESS);
    FILE *thp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    CHECK(on && (advised_huge(on) == 1 || !thp)); /* a kernel without THP cannot advise */
    if (thp)
        fclose(thp);
    fdata_slab_unref(off);
    fdata_slab_unref(on);
    fdata_page_cache_drop(PROCESS);
}

/* Threads give their own buffers' blocks and take into others, all at once. */
struct worker {
    struct fdata_pages *pool;
    size_t taken;
};

static void *churn(void *arg) {
    struct worker *w = arg;
    uint8_t *a = fdata_map_zeroed(9 * BLOCK), *b = fdata_map_zeroed(9 * BLOCK);
    for (int round = 0; round < 20; round++) {
        memset(a, round, 9 * BLOCK);
        fdata_pages_give(w->pool, a, 9 * BLOCK);
        w->taken += fdata_pages_take(w->pool, b, 9 * BLOCK);
        fdata_pages_give(w->pool, b, 9 * BLOCK); /* b is written whole before each take */
    }
    fdata_unmap_zeroed(a);
    fdata_unmap_zeroed(b);
    return NULL;
}

static void test_threads(void) {
    struct fdata_pages *pool = fdata_pages_new(12 * BLOCK);
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){pool, 0};
        CHECK(pthread_create(&t[i], NULL, churn, &w[i]) == 0);
    }
    size_t taken = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        taken += w[i].taken;
    }
    CHECK(taken > 0);
    uint8_t *a = fdata_map_zeroed(14 * BLOCK), *b = fdata_map_zeroed(14 * BLOCK);
    size_t left = fdata_pages_take(pool, b, 14 * BLOCK);
    CHECK(left > 0 && left <= 12 * BLOCK);
    memset(a, 1, 14 * BLOCK);
    fdata_pages_give(pool, a, 14 * BLOCK);
    CHECK(fdata_pages_take(pool, b, 14 * BLOCK) == 12 * BLOCK); /* every slot still usable */
    fdata_unmap_zeroed(a);
    fdata_unmap_zeroed(b);
    fdata_pages_free(pool);
}

/* This process's resident bytes now (/proc/self/statm). */
static size_t resident_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (size_t)resident * 4096;
}

/* Two runtimes' caches are their own: pages one's slabs leave are not the other's (nor the
 * process's), and freeing a runtime gives its cache's pages back at once while a slab made
 * from it stays valid until released. */
static void test_runtime_caches(void) {
    fdata_runtime *a = NULL, *b = NULL;
    struct fdata_runtime_options one = {.threads = 1};
    CHECK(fdata_runtime_new(&one, &a, NULL) == FDATA_OK && fdata_runtime_new(&one, &b, NULL) == FDATA_OK);
    struct fdata_memory *ma = fdata_memory_of(a), *mb = fdata_memory_of(b);
    CHECK(ma && mb && ma != mb && ma != PROCESS && fdata_memory_of(fdata_runtime_default()) == PROCESS);
    CHECK(fdata_memory_of(a) == ma); /* made once */
    fdata_page_cache_drop(PROCESS);
    uint8_t *s = fdata_slab_new(6 * BLOCK, NULL, ma);
    CHECK(s && fdata_memory_allocator(ma) == NULL);
    memset(s, 8, 6 * BLOCK);
    fdata_slab_unref(s);
    CHECK(fdata_page_cache_held(ma) == 6 * BLOCK && fdata_page_cache_held(mb) == 0 &&
          fdata_page_cache_held(PROCESS) == 0);
    uint8_t *t = fdata_slab_new(6 * BLOCK, NULL, mb);
    CHECK(t && all_bytes(t, 6 * BLOCK, 0) && fdata_page_cache_held(ma) == 6 * BLOCK); /* fresh */
    uint8_t *u = fdata_slab_new(2 * BLOCK, NULL, ma); /* outlives a */
    CHECK(u && all_bytes(u, 2 * BLOCK, 8) && fdata_page_cache_held(ma) == 4 * BLOCK);
    size_t before = resident_bytes();
    fdata_runtime_free(a);
    CHECK(fdata_page_cache_held(ma) == 0); /* its memory stays for u, its pages are gone */
    CHECK(before - resident_bytes() >= 3 * BLOCK);
    memset(u, 9, 2 * BLOCK);
    fdata_slab_unref(u); /* the last buffer: a's memory goes (ASan: nothing leaks) */
    fdata_slab_unref(t);
    CHECK(fdata_page_cache_held(mb) == 6 * BLOCK);
    fdata_runtime_free(b);
}

/* Counts what a runtime's allocator hands out and gets back. */
struct counts {
    atomic_size_t calls, live, most;
};

static void *count_allocate(void *user, size_t size, size_t alignment) {
    struct counts *c = user;
    void *p = NULL;
    if (posix_memalign(&p, alignment, size) != 0)
        return NULL;
    atomic_fetch_add(&c->calls, 1);
    size_t live = atomic_fetch_add(&c->live, size) + size;
    if (live > atomic_load(&c->most))
        atomic_store(&c->most, live);
    return p;
}

static void count_release(void *user, void *p, size_t size) {
    atomic_fetch_sub(&((struct counts *)user)->live, size);
    free(p);
}

/* A runtime's allocator serves its slabs, large and small, and gets every byte back, even from
 * a slab released after the runtime. */
static void test_allocator(void) {
    struct counts c = {0};
    struct fdata_allocator alloc = {count_allocate, count_release, &c};
    struct fdata_runtime_options o = {.threads = 1, .allocator = &alloc};
    fdata_runtime *rt;
    CHECK(fdata_runtime_new(&o, &rt, NULL) == FDATA_OK);
    struct fdata_memory *m = fdata_memory_of(rt);
    CHECK(m && fdata_memory_allocator(m) && fdata_memory_allocator(m)->user == &c);
    uint8_t *big = fdata_slab_new(6 * BLOCK, NULL, m), *small = fdata_slab_new_populated(100, m);
    CHECK(big && small && ((uintptr_t)big & 63) == 0 && ((uintptr_t)small & 63) == 0);
    CHECK(atomic_load(&c.calls) == 2 && atomic_load(&c.live) >= 6 * BLOCK + 100);
    memset(big, 1, 6 * BLOCK);
    fdata_slab_unref(small);
    fdata_runtime_free(rt);
    CHECK(atomic_load(&c.live) >= 6 * BLOCK);
    fdata_slab_unref(big);
    CHECK(atomic_load(&c.live) == 0 && fdata_page_cache_held(PROCESS) == 0);
    struct fdata_allocator half = {count_allocate, NULL, &c};
    o.allocator = &half;
    CHECK(fdata_runtime_new(&o, &rt, NULL) == FDATA_EINVAL);
}

int main(void) {
    test_huge_page_switch(); /* first: the environment is read once */
    test_give_then_take();
    test_cap_and_no_pool();
    test_slab_takes_pages();
    test_released_slabs_cached();
    test_trim_and_held();
    test_map_limit();
    test_populated_slabs();
    test_cache_keeps_released_tables();
    test_release_overflows_to_cache();
    test_cache_decay();
    test_threads();
    test_runtime_caches();
    test_allocator();
    return check_result("test_pages");
}
