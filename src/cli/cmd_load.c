/* fastdata load: the pipeline from the command line, with its report. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fastdata/load.h"
#include "../common/common.h"
#include "cli.h"

static const char load_usage[] =
    "usage: fastdata load SOURCE... [--columns a,b] [--threads N] [--connections N]\n"
    "                     [--part-size MIB] [--memory-limit MIB] [--to DIR] [--json] [S3 options]\n"
    "Loads Parquet files into one Arrow table in memory and reports what it took. SOURCE is\n"
    "s3://bucket/prefix/ (every object below), s3://bucket/dir/part-* (a glob), s3://bucket/key,\n"
    "a local directory or a file; names starting with '_' or '.' under a prefix are skipped.\n"
    "  --columns a,b     only these columns (names or paths, as in cat)\n"
    "  --threads N       decoding threads (default: all cores)\n"
    "  --connections N   concurrent S3 requests (default 16)\n"
    "  --part-size MIB   bytes per ranged GET (default 8)\n"
    "  --memory-limit MIB  downloaded bytes waiting to be decoded (default 2048)\n"
    "  --to DIR          instead write the objects as files under DIR (a tmpfs such as\n"
    "                    /dev/shm keeps them in memory), each as soon as it has arrived\n"
    "  --json            the report as one JSON object on stdout";

static volatile int cancelled;

static void on_sigint(int sig) {
    (void)sig;
    cancelled = 1;
}

static void progress(void *ctx, const struct fdata_load_report *r, size_t total) {
    (void)ctx;
    fprintf(stderr, "\rloading: %zu/%zu files, %lld rows, %.1f MB fetched", r->files ? r->files : 0,
            total, (long long)r->rows, (double)r->bytes_fetched / 1e6);
}

static void print_report(const struct fdata_load_report *r, int json) {
    long rss = fdata_peak_rss_bytes();
    if (json) {
        printf("{\"files\": %zu, \"rows\": %lld, \"columns\": %d, \"row_groups\": %lld, "
               "\"bytes_fetched\": %llu, \"bytes_decoded\": %llu, \"seconds\": %.6f, "
               "\"first_batch_seconds\": %.6f, \"download_seconds\": %.6f, "
               "\"decode_seconds\": %.6f, \"download_gbit_s\": %.3f, \"decode_gb_s\": %.3f, "
               "\"peak_rss_bytes\": %ld}\n", r->files, (long long)r->rows, r->columns,
               (long long)r->row_groups, (unsigned long long)r->bytes_fetched,
               (unsigned long long)r->bytes_decoded, r->seconds, r->first_batch_seconds,
               r->download_seconds, r->decode_seconds, r->download_gbit_s, r->decode_gb_s, rss);
        return;
    }
    printf("files          %zu\nrows           %lld\ncolumns        %d\nrow groups     %lld\n"
           "fetched        %.1f MB (%llu bytes)\ndecoded        %.1f MB of Arrow buffers\n"
           "first batch    %.3f s\ndownload       %.3f s, %.2f Gbit/s (10^9 bits/s)\n"
           "decode         %.3f s, %.2f GB/s (10^9 bytes/s of output)\n"
           "wall time      %.3f s\npeak RSS       %.1f MB\n", r->files, (long long)r->rows,
           r->columns, (long long)r->row_groups, (double)r->bytes_fetched / 1e6,
           (unsigned long long)r->bytes_fetched, (double)r->bytes_decoded / 1e6,
           r->first_batch_seconds, r->download_seconds, r->download_gbit_s, r->decode_seconds,
           r->decode_gb_s, r->seconds, (double)rss / 1e6);
}

/* A positive integer option within [1, max]. */
static int int_option(const char *name, const char *arg, long max, long *out) {
    char *end;
    *out = strtol(arg, &end, 10);
    return *end || *out < 1 || *out > max ? cli_fail("--%s wants 1..%ld, not '%s'", name, max, arg)
                                          : 0;
}

int cmd_load(int argc, char **argv) {
    static const struct option longopts[] = {
        {"columns", required_argument, NULL, 'c'}, {"threads", required_argument, NULL, 't'},
        {"connections", required_argument, NULL, 'C'}, {"part-size", required_argument, NULL, 'P'},
        {"memory-limit", required_argument, NULL, 'M'}, {"json", no_argument, NULL, 'j'},
        {"to", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'}, CLI_S3_LONGOPTS, {NULL, 0, NULL, 0},
    };
    struct fdata_s3_options s3 = {0};
    struct fdata_load_options o = {.s3 = &s3, .cancel = &cancelled};
    char **columns = NULL;
    const char *to = NULL;
    int json = 0, c, rc = 0;
    long v;
    while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int s = cli_s3_option(c, optarg, &s3);
        if (s != 0) {
            rc = s < 0;
        } else if (c == 'h') {
            printf("%s\n%s", load_usage, cli_s3_usage);
            free(columns);
            return 0;
        } else if (c == 'c') {
            free(columns);
            rc = cli_split_columns(optarg, &columns, &o.num_columns) ? cli_fail("out of memory") : 0;
            o.columns = (const char *const *)columns;
        } else if (c == 't' && !(rc = int_option("threads", optarg, 1024, &v))) {
            o.threads = (int)v;
        } else if (c == 'C' && !(rc = int_option("connections", optarg, 1024, &v))) {
            o.connections = (int)v;
        } else if (c == 'P' && !(rc = int_option("part-size", optarg, 4096, &v))) {
            o.part_size = (size_t)v << 20;
        } else if (c == 'M' && !(rc = int_option("memory-limit", optarg, 1 << 24, &v))) {
            o.memory_limit = (size_t)v << 20;
        } else if (c == 'j') {
            json = 1;
        } else if (c == 'o') {
            to = optarg;
        } else if (c == '?') {
            fprintf(stderr, "%s\n%s", load_usage, cli_s3_usage);
            rc = 2;
        }
    }
    if (rc == 0 && optind >= argc) {
        fprintf(stderr, "%s\n", load_usage);
        rc = 2;
    }
    if (rc != 0) {
        free(columns);
        return rc;
    }
    if (isatty(STDERR_FILENO))
        o.progress = progress;
    signal(SIGINT, on_sigint);
    struct ArrowArrayStream table = {0};
    struct fdata_load_report report;
    struct fdata_error err = {0};
    const char *const *sources = (const char *const *)argv + optind;
    size_t n = (size_t)(argc - optind);
    int status = to ? fdata_load_to_dir(sources, n, &o, to, &report, &err)
                    : fdata_load(sources, n, &o, &table, &report, &err);
    if (o.progress)
        fputc('\n', stderr);
    free(columns);
    if (status != FDATA_OK)
        return cli_fail("%s", err.message);
    print_report(&report, json);
    if (table.release)
        table.release(&table);
    return 0;
}
