/* Helpers shared by the tests and the benchmark driver: whole files into memory. */
#ifndef FDATA_TEST_UTIL_H
#define FDATA_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* The file's bytes in an exact-size allocation (so ASan sees any overread); NULL on error. */
static inline void *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    *size = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = b ? (size_t)n : 0;
    return b;
}

#endif
