/* The public S3 API against a (hostile) server, one call per run, for tests/s3/hostile_s3.py:
 *   s3_api suffix URL N    fdata_s3_get_many of the last N bytes into a malloc(N) dest
 *   s3_api get URL OFF LEN fdata_s3_get of bytes [OFF, OFF + LEN)
 * Prints "ok SIZE" and exits 0 on success, else prints the error as one line to stderr and
 * exits 1 (like the CLI), so the same checks apply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/s3.h"

static int suffix(fdata_s3_client *c, const char *url, int64_t n, struct fdata_error *err) {
    void *dest = malloc((size_t)n); /* exactly n: ASan sees a byte more */
    struct fdata_s3_range range = {.offset = -n, .dest = dest};
    struct fdata_s3_get_options o = {.ranges = &range, .threads = 1};
    struct fdata_s3_get_result res;
    int rc = dest ? fdata_s3_get_many(c, &url, 1, &o, &res, err) : FDATA_ENOMEM;
    if (rc == FDATA_OK)
        printf("ok %zu\n", res.size);
    free(dest);
    return rc;
}

static int get(fdata_s3_client *c, const char *url, int64_t off, int64_t len,
               struct fdata_error *err) {
    void *data;
    size_t size;
    int rc = fdata_s3_get(c, url, off, len, &data, &size, err);
    if (rc == FDATA_OK)
        printf("ok %zu\n", size), free(data);
    return rc;
}

int main(int argc, char **argv) {
    int is_get = argc == 5 && strcmp(argv[1], "get") == 0;
    if (!is_get && !(argc == 4 && strcmp(argv[1], "suffix") == 0)) {
        fprintf(stderr, "usage: s3_api suffix URL N | s3_api get URL OFF LEN\n");
        return 2;
    }
    fdata_s3_client *c;
    struct fdata_error err = {0};
    int rc = fdata_s3_client_new(NULL, &c, &err);
    if (rc == FDATA_OK) {
        rc = is_get ? get(c, argv[2], atoll(argv[3]), atoll(argv[4]), &err)
                    : suffix(c, argv[2], atoll(argv[3]), &err);
        fdata_s3_client_free(c);
    }
    if (rc != FDATA_OK)
        fprintf(stderr, "%s\n", err.message);
    return rc != FDATA_OK;
}
