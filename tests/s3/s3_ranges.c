/* Ranged GETs through the library against a live server: s3_ranges URL LOCAL_FILE checks
 * that bytes [a, a+n) of the object equal those of the local copy for ranges at the start,
 * inside, at the end, past the end, of length 0 and 1, and that a whole GET matches too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/s3.h"
#include "test_util.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: s3_ranges s3://bucket/key LOCAL_FILE\n");
        return 2;
    }
    size_t n;
    unsigned char *local = slurp(argv[2], &n);
    fdata_s3_client *c;
    struct fdata_error err = {0};
    if (!local || n < 16 || fdata_s3_client_new(NULL, &c, &err) != FDATA_OK) {
        fprintf(stderr, "setup failed: %s\n", err.message);
        return 1;
    }
    long long ranges[][2] = {{0, 1}, {0, 10}, {7, 1000}, {(long long)n - 5, 5},
                             {(long long)n - 5, 100}, {(long long)n / 2, (long long)n / 3},
                             {0, -1}};
    int failed = 0, checks = 0;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        void *data;
        size_t size;
        long long off = ranges[i][0], len = ranges[i][1];
        size_t want = len < 0 ? n : (size_t)(off + len > (long long)n ? (long long)n - off : len);
        int rc = fdata_s3_get(c, argv[1], off, len, &data, &size, &err);
        checks++;
        if (rc != FDATA_OK || size != want || memcmp(data, local + off, want) != 0) {
            fprintf(stderr, "range %lld+%lld: rc %d, %zu bytes (want %zu): %s\n", off, len, rc,
                    size, want, rc ? err.message : "bytes differ");
            failed++;
        }
        if (rc == FDATA_OK)
            free(data);
    }
    fdata_s3_client_free(c);
    free(local);
    printf("%d passed, %d failed\n", checks - failed, failed);
    return failed != 0;
}
