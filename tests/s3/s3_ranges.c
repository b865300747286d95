/* Ranged GETs through the library against a live server: s3_ranges URL LOCAL_FILE checks
 * that bytes [a, a+n) of the object equal those of the local copy for ranges at the start,
 * inside, at the end, past the end, of length 0 and 1, and that a whole GET matches too;
 * then the same through fdata_s3_get_many's ranges (several parts, into a caller's buffer,
 * suffixes, pinned to the ETag), and that a wrong ETag or a range past the end fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/s3.h"
#include "test_util.h"

/* fdata_s3_get_many with ranges: returns the number of failed checks (of 5). */
static int get_many_ranges(fdata_s3_client *c, const char *url, const unsigned char *local,
                           size_t n) {
    struct fdata_s3_object_info info;
    struct fdata_error err = {0};
    if (fdata_s3_stat(c, url, &info, &err) != FDATA_OK)
        return 5;
    unsigned char *dest = malloc(n);
    const char *urls[4] = {url, url, url, url};
    struct fdata_s3_range ranges[4] = {
        {7, (int64_t)n - 10, info.etag, NULL}, /* many 1-byte... parts below: part_size 4 KiB */
        {-100, 0, NULL, NULL},                  /* the last 100 bytes */
        {0, (int64_t)n, NULL, dest},            /* all of it, into the caller's buffer */
        {-(int64_t)n - 50, 0, NULL, NULL},      /* a suffix longer than the object: capped */
    };
    struct fdata_s3_get_options o = {.connections = 4, .part_size = 4096, .ranges = ranges};
    struct fdata_s3_get_result res[4];
    int bad = fdata_s3_get_many(c, urls, 4, &o, res, &err) != FDATA_OK;
    if (bad)
        fprintf(stderr, "get_many ranges: %s\n", err.message);
    bad += !bad && (res[0].size != n - 10 || memcmp(res[0].data, local + 7, n - 10) != 0 ||
                    res[0].object_size != (int64_t)n);
    size_t tail = n < 100 ? n : 100, cap = n < 4096 ? n : 4096;
    bad += res[1].status || res[1].size != tail || res[1].offset != (int64_t)(n - tail) ||
           memcmp(res[1].data, local + n - tail, tail) != 0;
    bad += res[2].status || res[2].data != dest || memcmp(dest, local, n) != 0;
    bad += res[3].status || res[3].size != cap || memcmp(res[3].data, local + n - cap, cap) != 0;
    fdata_s3_data_free(res[0].data), fdata_s3_data_free(res[1].data);
    fdata_s3_data_free(res[3].data), free(dest);
    struct fdata_s3_range wrong[2] = {{0, 10, "\"0123456789abcdef\"", NULL}, {(int64_t)n - 5, 10, NULL, NULL}};
    o.ranges = wrong;
    int rc = fdata_s3_get_many(c, urls, 2, &o, res, &err);
    int failing = rc != FDATA_OK && res[0].status != FDATA_OK && strstr(res[0].error, "412") &&
                  res[1].status != FDATA_OK;
    if (!failing)
        fprintf(stderr, "a wrong ETag / a range past the end did not fail: %d %s | %s\n", rc,
                res[0].error, res[1].error);
    fdata_s3_get_results_free(res, 2);
    if (bad)
        fprintf(stderr, "get_many ranges: %d results differ\n", bad);
    return bad + !failing;
}

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
    checks += 5;
    failed += get_many_ranges(c, argv[1], local, n);
    fdata_s3_client_free(c);
    free(local);
    printf("%d passed, %d failed\n", checks - failed, failed);
    return failed != 0;
}
