/* Whether moving pages between buffers may still add mappings (see common.h).  A block moved
 * into the middle of a buffer becomes a mapping of its own there (it keeps its origin's
 * identity, so the kernel cannot merge it with its neighbours), and a process may have at
 * most vm.max_map_count of them (65530 by default): a load of a few hundred gigabytes whose
 * every block came from a pool would reach it, and then mmap fails.  So moves stop while the
 * process has more than half that many; buffers then take fresh pages, as without a pool. */
#include <stdatomic.h>
#include <stdio.h>
#include "memory.h"

#define RECOUNT_EVERY 64 /* a move adds at most two mappings: 128 between counts */
#define DEFAULT_MAX_MAPS 65530

static atomic_size_t limit_override; /* 0: the kernel's */
static atomic_size_t calls;
static atomic_int room = 1;

static size_t count_lines(const char *path) {
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t lines = 0, n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
    if (f)
        fclose(f);
    return lines;
}

static size_t max_maps(void) {
    size_t forced = atomic_load(&limit_override);
    if (forced)
        return forced;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    unsigned long v = 0;
    int got = f && fscanf(f, "%lu", &v) == 1;
    if (f)
        fclose(f);
    return got && v ? (size_t)v : DEFAULT_MAX_MAPS;
}

int fdata_maps_have_room(void) {
    if (atomic_fetch_add(&calls, 1) % RECOUNT_EVERY == 0)
        atomic_store(&room, count_lines("/proc/self/maps") < max_maps() / 2);
    return atomic_load(&room);
}

void fdata_maps_set_limit(size_t max) {
    atomic_store(&limit_override, max);
    atomic_store(&calls, 0); /* count again at the next call */
}
