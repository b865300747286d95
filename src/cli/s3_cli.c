/* What the S3 commands share: the global S3 options and the client they configure. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

const char cli_s3_usage[] =
    "S3 options: --endpoint URL  --region R  --profile P  --no-sign-request\n"
    "            --path-style  --retries N  --stall-timeout SECONDS  --no-checksums\n"
    "Credentials and defaults come from AWS_* variables and ~/.aws as in the AWS CLI.\n";

int cli_s3_option(int c, const char *arg, struct fdata_s3_options *o) {
    char *end;
    switch (c) {
    case 1000: o->endpoint = arg; return 1;
    case 1001: o->region = arg; return 1;
    case 1002: o->profile = arg; return 1;
    case 1003: o->no_sign = 1; return 1;
    case 1004: o->path_style = 1; return 1;
    case 1005:
        o->retries = (int)strtol(arg, &end, 10);
        if (*end || o->retries < 0 || o->retries > 100)
            return -cli_fail("--retries wants 0..100, not '%s'", arg);
        if (o->retries == 0)
            o->retries = -1; /* the library reads 0 as its default */
        return 1;
    case 1006:
        o->stall_seconds = (int)strtol(arg, &end, 10);
        if (*end || o->stall_seconds < 1 || o->stall_seconds > 3600)
            return -cli_fail("--stall-timeout wants 1..3600 seconds, not '%s'", arg);
        return 1;
    case 1007: o->no_checksums = 1; return 1;
    default: return 0;
    }
}

int cli_is_s3(const char *path) { return strncmp(path, "s3://", 5) == 0; }

int cli_s3_client(const struct fdata_s3_options *o, fdata_s3_client **out) {
    struct fdata_error err = {0};
    if (fdata_s3_client_new(o, out, &err) != FDATA_OK)
        return cli_fail("%s", err.message);
    return 0;
}

static void free_buffer(void *p) { free(p); }

/* Copies bytes [off, off + len) of the object into buf + off with one ranged GET. */
static int fetch_range(fdata_s3_client *c, const char *url, uint8_t *buf, int64_t off,
                       int64_t len, int64_t *fetched) {
    void *data;
    size_t size;
    struct fdata_error err = {0};
    if (fdata_s3_get(c, url, off, len, &data, &size, &err) != FDATA_OK)
        return cli_fail("%s", err.message);
    int rc = (int64_t)size == len ? 0 : cli_fail("%s: short ranged GET at byte %lld", url, (long long)off);
    if (rc == 0)
        memcpy(buf + off, data, size);
    free(data);
    *fetched += len;
    return rc;
}

#define TAIL_GUESS ((int64_t)64 << 10)

/* An s3:// Parquet object read sparsely: the footer with one ranged GET of the tail (a
 * second only when the footer is larger), then just the column chunks `ro` projects, into
 * a zero-filled buffer of the object's size (untouched pages cost no memory). */
static int open_s3_parquet(fdata_s3_client *c, const char *url,
                           const struct fdata_parquet_read_options *ro, fdata_parquet_file **out) {
    struct fdata_s3_object_info info;
    struct fdata_error err = {0};
    if (fdata_s3_stat(c, url, &info, &err) != FDATA_OK)
        return cli_fail("%s", err.message);
    int64_t size = info.size, fetched = 0;
    if (size < 12)
        return cli_fail("%s: not a Parquet file: only %lld bytes", url, (long long)size);
    uint8_t *buf = calloc((size_t)size, 1);
    if (!buf)
        return cli_fail("%s: out of memory for %lld bytes", url, (long long)size);
    int64_t tail = size < TAIL_GUESS ? size : TAIL_GUESS;
    int rc = fetch_range(c, url, buf, size - tail, tail, &fetched);
    uint32_t footer = 0;
    if (rc == 0)
        memcpy(&footer, buf + size - 8, 4);
    if (rc == 0 && (int64_t)footer + 8 > tail && (int64_t)footer + 12 <= size)
        rc = fetch_range(c, url, buf, size - 8 - footer, footer + 8 - tail, &fetched);
    if (rc == 0 && size - tail > 0)
        rc = fetch_range(c, url, buf, 0, 4, &fetched); /* the leading magic */
    if (rc) {
        free(buf);
        return rc;
    }
    if (fdata_parquet_open_buffer(buf, (size_t)size, url, free_buffer, buf, out, &err) != FDATA_OK) {
        free(buf); /* on failure the buffer stays ours */
        return cli_fail("%s", err.message);
    }
    struct fdata_byte_range *ranges = NULL;
    size_t n = 0;
    if (ro && fdata_parquet_read_ranges(*out, ro, 1 << 20, &ranges, &n, &err) != FDATA_OK)
        rc = cli_fail("%s", err.message);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = fetch_range(c, url, buf, ranges[i].offset, ranges[i].length, &fetched);
    free(ranges);
    if (rc) {
        fdata_parquet_close(*out);
        *out = NULL;
    } else if (getenv("FDATA_VERBOSE")) {
        fprintf(stderr, "fastdata: %s: fetched %lld of %lld bytes\n", url, (long long)fetched,
                (long long)size);
    }
    return rc;
}

int cli_open_parquet(const char *path, const struct fdata_s3_options *o,
                     const struct fdata_parquet_read_options *ro, fdata_parquet_file **out) {
    struct fdata_error err = {0};
    if (!cli_is_s3(path))
        return fdata_parquet_open_path(path, out, &err) == FDATA_OK ? 0 : cli_fail("%s", err.message);
    fdata_s3_client *client;
    if (cli_s3_client(o, &client))
        return 1;
    int rc = open_s3_parquet(client, path, ro, out);
    fdata_s3_client_free(client);
    return rc;
}
