/* A mapped file's input given back as a read job finishes with it (src/parquet/input_release.h):
 * nothing before the first chunk not done is kept, nothing of a chunk not done is given back,
 * releases come in steps of at least 4 MiB (and the rest with the last chunk), and the bytes
 * read the same afterwards (a private file mapping refaults from the page cache). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"
#include "parquet/input_release.h"

#define MIB ((int64_t)1 << 20)
#define CHUNKS 6 /* of 2 MiB each */

/* This process's resident KiB of the mapping that starts at `base` (/proc/self/smaps). */
static long resident_kib(const void *base) {
    char want[32], line[256];
    snprintf(want, sizeof want, "%lx-", (unsigned long)(uintptr_t)base);
    FILE *f = fopen("/proc/self/smaps", "r");
    long kib = -1;
    int in = 0;
    while (f && fgets(line, sizeof line, f) && kib < 0) {
        if (strncmp(line, want, strlen(want)) == 0)
            in = 1;
        else if (in && strncmp(line, "Rss:", 4) == 0)
            kib = strtol(line + 4, NULL, 10);
    }
    if (f)
        fclose(f);
    return kib;
}

static long touch(const uint8_t *p, size_t n) {
    long sum = 0;
    for (size_t i = 0; i < n; i += 4096)
        sum += p[i];
    return sum;
}

int main(void) {
    char path[] = "/tmp/fdata_input_release_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    size_t size = (size_t)(CHUNKS * 2 * MIB);
    uint8_t *bytes = malloc(size);
    for (size_t i = 0; i < size; i++)
        bytes[i] = (uint8_t)(i * 7 + 1);
    CHECK(write(fd, bytes, size) == (ssize_t)size);
    const uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(map != MAP_FAILED);
    long sum = touch(map, size);
    CHECK(resident_kib(map) == (long)(size >> 10));

    int64_t start[CHUNKS], len[CHUNKS];
    int parts[CHUNKS];
    for (int i = 0; i < CHUNKS; i++) /* given out of file order, chunk 2 in two parts */
        start[i] = (CHUNKS - 1 - i) * 2 * MIB, len[i] = 2 * MIB, parts[i] = i == 2 ? 2 : 1;
    struct pq_input_release *r = pq_input_release_new(map, start, len, parts, CHUNKS);
    CHECK(r != NULL);
    /* chunks are [10,12) [8,10) [6,8) [4,6) [2,4) [0,2) MiB as given: index 5 is the first */
    pq_input_release_done(r, 4); /* [2,4) done, [0,2) not: nothing goes */
    pq_input_release_done(r, 3);
    CHECK(resident_kib(map) == (long)(size >> 10));
    pq_input_release_done(r, 5); /* [0,6) done: 6 MiB >= the step, given back */
    CHECK(resident_kib(map) == (long)((size - 6 * MIB) >> 10));
    pq_input_release_done(r, 2); /* one of [6,8)'s two parts: it is not done */
    pq_input_release_done(r, 1);
    CHECK(resident_kib(map) == (long)((size - 6 * MIB) >> 10));
    pq_input_release_done(r, 2); /* [6,10) done: 4 MiB, a step */
    CHECK(resident_kib(map) == (long)((size - 10 * MIB) >> 10));
    pq_input_release_done(r, 0); /* the last chunk: the rest, under a step, goes too */
    CHECK(resident_kib(map) == 0);
    pq_input_release_done(r, 99); /* no such chunk: ignored */
    CHECK(touch(map, size) == sum && memcmp(map, bytes, size) == 0); /* the file again */
    pq_input_release_free(r);
    pq_input_release_free(NULL);
    munmap((void *)map, size);
    close(fd);
    unlink(path);
    free(bytes);
    return check_result("test_input_release");
}
