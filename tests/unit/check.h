/* A minimal test harness: CHECK records a failure with file:line and goes on; main returns
 * check_result() so ctest sees the outcome. */
#ifndef FDATA_TEST_CHECK_H
#define FDATA_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond)                                                               \
    do {                                                                          \
        check_count++;                                                            \
        if (!(cond)) {                                                            \
            check_failures++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                         \
    } while (0)

#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        check_count++;                                                                \
        const char *check_a_ = (a), *check_b_ = (b);                                  \
        if (strcmp(check_a_, check_b_) != 0) {                                        \
            check_failures++;                                                         \
            fprintf(stderr, "%s:%d: expected \"%s\"\n   got      \"%s\"\n", __FILE__, \
                    __LINE__, check_b_, check_a_);                                    \
        }                                                                             \
    } while (0)

static inline int check_result(const char *name) {
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
