/* fastdata load: the pipeline from the command line, with its report. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fastdata/load.h"
#include "../common/common.h"
#include "../memory/memory.h"
#include "cli.h"

static const char load_usage[] =
    "usage: fastdata load SOURCE... [--columns a,b] [--threads N] [--connections N]\n"
    "                     [--part-size MIB] [--memory-limit MIB] [--to DIR] [--json]\n"
    "                     [--matrix a,b [--matrix-dtype float32|float64] [--matrix-order F|C]\n"
    "                      [--matrix-out FILE.npy]] [--partitioning hive|none]\n"
    "                     [--partition-types k:type,...] [--schema union|first]\n"
    "                     [--invalid-utf8 M] [--int96-unit U] [--strings L] [--trace FILE.json]\n"
    "                     [--report FILE.html] [S3 options]\n"
    "Loads Parquet files into one Arrow table in memory and reports what it took. SOURCE is\n"
    "s3://bucket/prefix/ (every object below), s3://bucket/dir/part-* (a glob), s3://bucket/key,\n"
    "a local directory (recursively) or a file; names starting with '_' or '.' under a prefix\n"
    "are skipped. key=value folders become columns (Hive partitions).\n"
    "  --columns a,b     only these columns (names or paths, as in cat)\n"
    "  --threads N       decoding threads (default: all cores)\n"
    "  --connections N   concurrent S3 requests (default: from --target-gbps, 16; 64\n"
    "                    for footers, small GETs that wait on latency)\n"
    "  --part-size MIB   bytes per ranged GET (default 8)\n"
    "  --memory-limit MIB  downloaded bytes waiting to be decoded (default 2048)\n"
    "  --to DIR          instead write the objects as files under DIR (a tmpfs such as\n"
    "                    /dev/shm keeps them in memory), each as soon as it has arrived\n"
    "  --json            the report as one JSON object on stdout\n"
    "  --matrix a,b      these numeric columns into one feature matrix, written by the\n"
    "                    decoders (nulls as NaN; the columns leave the table)\n"
    "  --matrix-dtype T  float32 (default) or float64\n"
    "  --matrix-order O  F (column-major, default) or C (row-major)\n"
    "  --matrix-out FILE the matrix as a NumPy .npy file (numpy.load reads it)\n"
    CLI_PARTITION_USAGE;

static volatile int cancelled;

static void on_sigint(int sig) {
    (void)sig;
    cancelled = 1;
}

/* The matrix as a NumPy .npy file (format version 1.0): magic, header length, a Python dict
 * literal padded with spaces to a multiple of 64 bytes, then the elements. */
static int write_npy(const struct fdata_matrix *m, const char *path) {
    char header[256];
    int n = snprintf(header, sizeof header,
                     "{'descr': '<f%zu', 'fortran_order': %s, 'shape': (%lld, %zu), }",
                     fdata_matrix_element_size(m),
                     m->order == FDATA_MATRIX_COLUMN_MAJOR ? "True" : "False",
                     (long long)m->rows, m->num_columns);
    size_t len = ((size_t)n + 10 + 1 + 63) / 64 * 64 - 10; /* dict, spaces and '\n' */
    memset(header + n, ' ', len - (size_t)n - 1);
    header[len - 1] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xff),
                             (unsigned char)(len >> 8)};
    size_t bytes = (size_t)m->rows * m->num_columns * fdata_matrix_element_size(m);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(pre, 1, sizeof pre, f) == sizeof pre &&
             fwrite(header, 1, len, f) == len && fwrite(m->data, 1, bytes, f) == bytes;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok) {
        cli_fail("%s: cannot write the matrix: %s", path, strerror(errno));
        remove(path);
    }
    return ok ? 0 : 1;
}

static void print_report(const struct fdata_load_report *r, const struct fdata_matrix *m,
                         int json) {
    long rss = fdata_peak_rss_bytes();
    long long mrows = m ? (long long)m->rows : 0;
    size_t mcols = m ? m->num_columns : 0;
    if (json) {
        printf("{\"files\": %zu, \"rows\": %lld, \"columns\": %d, \"row_groups\": %lld, "
               "\"bytes_fetched\": %llu, \"bytes_decoded\": %llu, \"seconds\": %.6f, "
               "\"first_batch_seconds\": %.6f, \"download_seconds\": %.6f, "
               "\"decode_seconds\": %.6f, \"download_gbit_s\": %.3f, \"decode_gb_s\": %.3f, "
               "\"peak_rss_bytes\": %ld, \"peak_bytes_held\": %llu, \"matrix_rows\": %lld, "
               "\"matrix_columns\": %zu, \"files_pruned\": %zu, \"bytes_skipped\": %llu, "
               "\"pages_pruned\": %lld, \"requests\": %llu, \"row_groups_pruned\": %lld}\n",
               r->files, (long long)r->rows, r->columns,
               (long long)r->row_groups, (unsigned long long)r->bytes_fetched,
               (unsigned long long)r->bytes_decoded, r->seconds, r->first_batch_seconds,
               r->download_seconds, r->decode_seconds, r->download_gbit_s, r->decode_gb_s, rss,
               (unsigned long long)r->peak_bytes_held, mrows, mcols, r->files_pruned,
               (unsigned long long)r->bytes_skipped, (long long)r->pages_pruned,
               (unsigned long long)r->requests, (long long)r->row_groups_pruned);
        return;
    }

    struct fdata_trace_fact facts[FDATA_LOAD_FACTS];
    char values[FDATA_LOAD_FACTS][96];
    size_t n = fdata_load_report_facts(r, facts, values);
    for (size_t i = 0; i < n; i++)
        printf("%-14s %s\n", facts[i].label, facts[i].value);
    printf("%-14s %.1f MB\n", "peak RSS", (double)rss / 1e6);
    if (m)
        printf("%-14s %lld x %zu %s, %s order\n", "matrix", mrows, mcols,
               m->dtype == FDATA_MATRIX_FLOAT32 ? "float32" : "float64",
               m->order == FDATA_MATRIX_COLUMN_MAJOR ? "F (column-major)" : "C (row-major)");
}

/* A positive integer option within [1, max]. */
static int int_option(const char *name, const char *arg, long max, long *out) {
    char *end;
    *out = strtol(arg, &end, 10);
    return *end || *out < 1 || *out > max ? cli_fail("--%s wants 1..%ld, not '%s'", name, max, arg)
                                          : 0;
}

/* What --matrix and its companions ask for. */
struct matrix_request {
    char **columns;
    struct fdata_matrix m;
    const char *out;
    int asked_for_details; /* --matrix-dtype, -order or -out given */
};

/* Handles one --matrix* option; returns 0, or the CLI status of a bad value. */
static int matrix_option(int c, char *arg, struct matrix_request *q) {
    if (c == 'x') {
        free(q->columns);
        q->columns = NULL;
        if (cli_split_columns(arg, &q->columns, &q->m.num_columns))
            return cli_fail("out of memory");
        q->m.columns = (const char *const *)q->columns;
        return 0;
    }
    q->asked_for_details = 1;
    if (c == 'X')
        q->out = arg;
    else if (c == 'D' && (strcmp(arg, "float32") == 0 || strcmp(arg, "float64") == 0))
        q->m.dtype = arg[5] == '3' ? FDATA_MATRIX_FLOAT32 : FDATA_MATRIX_FLOAT64;
    else if (c == 'O' && (strcmp(arg, "F") == 0 || strcmp(arg, "C") == 0))
        q->m.order = arg[0] == 'F' ? FDATA_MATRIX_COLUMN_MAJOR : FDATA_MATRIX_ROW_MAJOR;
    else
        return cli_fail("--matrix-%s: '%s' is not one of %s", c == 'D' ? "dtype" : "order", arg,
                        c == 'D' ? "float32, float64" : "F, C");
    return 0;
}

int cmd_load(int argc, char **argv) {
    static const struct option longopts[] = {
        {"columns", required_argument, NULL, 'c'}, {"threads", required_argument, NULL, 't'},
        {"connections", required_argument, NULL, 'C'}, {"part-size", required_argument, NULL, 'P'},
        {"memory-limit", required_argument, NULL, 'M'}, {"json", no_argument, NULL, 'j'},
        {"to", required_argument, NULL, 'o'}, {"matrix", required_argument, NULL, 'x'},
        {"matrix-dtype", required_argument, NULL, 'D'},
        {"matrix-order", required_argument, NULL, 'O'},
        {"matrix-out", required_argument, NULL, 'X'},
        {"help", no_argument, NULL, 'h'}, CLI_TRACE_LONGOPT, CLI_S3_LONGOPTS, CLI_READ_LONGOPTS,
        CLI_PARTITION_LONGOPTS, {NULL, 0, NULL, 0},
    };
    struct matrix_request mq = {.m = {.dtype = FDATA_MATRIX_FLOAT32,
                                      .order = FDATA_MATRIX_COLUMN_MAJOR}};
    struct fdata_s3_options s3 = {0};
    struct fdata_load_options o = {.s3 = &s3, .cancel = &cancelled};
    char **columns = NULL;
    const char *to = NULL;
    struct cli_timeline tl = {0};
    int json = 0, c, rc = 0;
    long v;
    while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int s = cli_s3_option(c, optarg, &s3);
        if (s == 0)
            s = cli_read_option(c, optarg, &o.invalid_utf8, &o.int96_unit, &o.strings);
        if (s == 0)
            s = cli_partition_option(c, optarg, &o);
        if (s != 0) {
            rc = s < 0;
        } else if (c == 'h') {
            printf("%s\n%s%s%s", load_usage, cli_trace_usage, cli_read_usage, cli_s3_usage);
            free(columns);
            free(mq.columns);
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
        } else if (cli_timeline_option(c, optarg, &tl)) { /* --trace, --report: taken */
        } else if (c == 'x' || c == 'X' || c == 'D' || c == 'O') {
            rc = matrix_option(c, optarg, &mq);
        } else if (c == '?') {
            fprintf(stderr, "%s\n%s", load_usage, cli_s3_usage);
            rc = 2;
        }
    }
    if (rc == 0 && optind >= argc) {
        fprintf(stderr, "%s\n", load_usage);
        rc = 2;
    }
    if (rc == 0 && mq.asked_for_details && !mq.columns)
        rc = cli_fail("--matrix-dtype, --matrix-order and --matrix-out need --matrix");
    if (rc == 0 && mq.columns && to)
        rc = cli_fail("--matrix and --to exclude each other (--to decodes nothing)");
    if (rc == 0)
        rc = cli_trace_begin(&tl, "fastdata load", &s3);
    o.trace = tl.trace;
    if (rc != 0) {
        free(columns);
        free(mq.columns);
        cli_table_options_free(&o);
        return rc;
    }
    o.matrix = mq.columns ? &mq.m : NULL;
    struct fdata_progress_bar bar = {0};
    if (isatty(STDERR_FILENO)) { /* else nothing but the final report */
        o.progress = fdata_progress_bar_draw;
        o.progress_ctx = &bar;
    }
    signal(SIGINT, on_sigint);
    struct ArrowArrayStream table = {0};
    struct fdata_load_report report = {0};
    struct fdata_error err = {0};
    const char *const *sources = (const char *const *)argv + optind;
    size_t n = (size_t)(argc - optind);
    int status = to ? fdata_load_to_dir(sources, n, &o, to, &report, &err)
                    : fdata_load(sources, n, &o, &table, &report, &err);
    fdata_progress_bar_end(&bar);
    free(columns);
    free(mq.columns);
    cli_table_options_free(&o);
    cli_load_facts(&tl, &report);
    if (status != FDATA_OK)
        return cli_trace_end(&tl, cli_fail("%s", err.message));
    rc = cli_trace_end(&tl, 0);
    if (rc == 0 && o.matrix && mq.out)
        rc = write_npy(o.matrix, mq.out);
    if (rc == 0)
        print_report(&report, o.matrix, json);
    if (table.release)
        table.release(&table);
    fdata_matrix_free(&mq.m);
    return rc;
}
