/* Mapped buffers and the advice the kernel takes about their pages (see memory.h). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include "memory.h"

/* madvise over the whole 4 KiB pages inside [p, p + size). */
static void advise_pages(void *p, size_t size, int advice) {
    uintptr_t first = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
    uintptr_t end = ((uintptr_t)p + size) & ~(uintptr_t)4095;
    if (end > first)
        madvise((void *)first, end - first, advice);
}

/* -1 until decided: by fdata_huge_pages_set, else by FASTDATA_HUGE_PAGES=1 at the first use */
static atomic_int huge_pages = -1;

void fdata_huge_pages_set(int enable) { atomic_store(&huge_pages, enable != 0); }

int fdata_huge_pages(void) {
    int on = atomic_load(&huge_pages);
    if (on < 0) {
        const char *env = getenv("FASTDATA_HUGE_PAGES");
        int want = env && strcmp(env, "1") == 0; /* off by default: see fdata_set_huge_pages */
        atomic_compare_exchange_strong(&huge_pages, &on, want);
        on = atomic_load(&huge_pages);
    }
    return on;
}

void fdata_advise_huge(void *p, size_t size) {
#ifdef MADV_HUGEPAGE
    if (!fdata_huge_pages())
        return;
    uintptr_t first = fdata_block_up((uintptr_t)p), end = fdata_block_down((uintptr_t)p + size);
    if (end > first)
        madvise((void *)first, end - first, MADV_HUGEPAGE);
#else
    (void)p, (void)size;
#endif
}

void fdata_prefault(void *p, size_t size) {
#ifdef MADV_POPULATE_WRITE
    advise_pages(p, size, MADV_POPULATE_WRITE);
#else
    (void)p, (void)size;
#endif
}

void fdata_discard(void *p, size_t size) { advise_pages(p, size, MADV_DONTNEED); }

#define MAP_HEADER ((size_t)4096) /* the first page keeps the mapping's size */

void *fdata_map_zeroed(size_t size) {
    if (size > SIZE_MAX - MAP_HEADER)
        return NULL;
    void *m = mmap(NULL, size + MAP_HEADER, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    *(size_t *)m = size + MAP_HEADER;
    return (uint8_t *)m + MAP_HEADER;
}

void fdata_unmap_zeroed(void *p) {
    if (!p)
        return;
    void *m = (uint8_t *)p - MAP_HEADER;
    munmap(m, *(size_t *)m);
}

long fdata_peak_rss_bytes(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && kb < 0 && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    struct rusage u;
    if (kb < 0)
        kb = getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : 0;
    return kb * 1024L;
}
