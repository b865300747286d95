/* What the S3 commands share: the global S3 options and the client they configure. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/load.h"
#include "cli.h"

const char cli_s3_usage[] =
    "S3 options: --endpoint URL  --region R  --profile P  --no-sign-request\n"
    "            --path-style  --retries N  --stall-timeout SECONDS  --no-checksums\n"
    "            --timeout SECONDS  (a deadline for the whole command's S3 requests)\n"
    "            --target-gbps G  (the download rate that sizes the default connections,\n"
    "                              one per 0.625 Gbit/s; default 10: 16 connections)\n"
    "Credentials and defaults come from AWS_* variables and ~/.aws as in the AWS CLI\n"
    "(and the profile's s3 target_bandwidth, as the AWS CLI's CRT client reads it).\n";

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
    case 1008:
        o->target_gbit_s = strtod(arg, &end);
        if (*end || !(o->target_gbit_s >= 0.001 && o->target_gbit_s <= 10000))
            return -cli_fail("--target-gbps wants 0.001..10000 Gbit/s, not '%s'", arg);
        return 1;
    case 1009:
        o->timeout_seconds = strtod(arg, &end);
        if (*end || !(o->timeout_seconds >= 0.1 && o->timeout_seconds <= 1e6))
            return -cli_fail("--timeout wants 0.1..1000000 seconds, not '%s'", arg);
        return 1;
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

/* An s3:// Parquet object read sparsely (footer, then the projected column chunks only). */
static int open_s3_parquet(fdata_s3_client *c, const char *url,
                           const struct fdata_parquet_read_options *ro, fdata_parquet_file **out) {
    struct fdata_error err = {0};
    int64_t fetched = 0;
    if (fdata_load_open_s3(c, url, ro, out, &fetched, &err) != FDATA_OK)
        return cli_fail("%s", err.message);
    if (getenv("FDATA_VERBOSE"))
        fprintf(stderr, "fastdata: %s: fetched %lld of %lld bytes\n", url, (long long)fetched,
                (long long)fdata_parquet_file_size(*out));
    return 0;
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
