/* fastdata cat: decode a Parquet file and print its rows. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fastdata/load.h"
#include "fastdata/parquet.h"
#include "cli.h"

static const char cat_usage[] =
    "usage: fastdata cat FILE|DIR|s3://bucket/key|s3://bucket/prefix/ [--columns a,b.c]\n"
    "                    [--limit N] [--format jsonl|csv] [--threads N] [--partitioning hive|none]\n"
    "                    [--partition-types k:type,...] [--schema union|first]\n"
    "                    [--invalid-utf8 M] [--int96-unit U] [--strings L] [--trace FILE.json]\n"
    "                    [--report FILE.html] [S3 options]\n"
    "\n"
    "Prints the rows of a Parquet file, row group by row group; of a directory, prefix or glob,\n"
    "the rows of the table fastdata load makes of it (partitions, schema drift).\n"
    "  --columns a,b   only these columns (top-level names, or paths into structs, lists and\n"
    "                  maps such as s.c.y), in this order\n"
    "  --limit N       stop after N rows\n"
    "  --format F      jsonl (default; the row-dump format) or csv (RFC 4180 with a header)\n"
    "  --threads N     decoding threads (default: all cores)\n"
    CLI_PARTITION_USAGE "\n"
    "Exit status 0 on success; on error a one-line message on stderr and status 1 (rows\n"
    "already printed are then followed by nothing more).\n";

struct cat_options {
    const char *path;
    char **columns;
    size_t num_columns;
    long long limit;
    enum fdata_text_format format;
    int threads;
    int invalid_utf8, int96_unit, strings;
    struct cli_timeline tl;        /* --trace, --report */
    struct fdata_s3_options s3;
    struct fdata_load_options load; /* partitions and schema, for a table */
};

int cli_split_columns(char *list, char ***out, size_t *n) {
    size_t count = 1;
    for (char *p = list; *p; p++)
        count += *p == ',';
    char **cols = calloc(count, sizeof *cols);
    if (!cols)
        return -1;
    size_t k = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
        cols[k++] = tok;
    *out = cols;
    *n = k;
    return 0;
}

const char cli_read_usage[] =
    "  --invalid-utf8 M  STRING values that are not UTF-8: error (default; names the row and\n"
    "                  byte), binary (such columns read as binary) or replace (by U+FFFD)\n"
    "  --int96-unit U  INT96 timestamps as timestamp[U]: s, ms, us (default) or ns\n"
    "  --strings L     string columns as plain (default: utf8), view (string_view) or\n"
    "                  dictionary (the Parquet dictionary and indices, no copy)\n";

int cli_read_option(int c, const char *arg, int *invalid_utf8, int *int96_unit, int *strings) {
    if (c == 1100 && fdata_parquet_invalid_utf8_from_name(arg, invalid_utf8) != FDATA_OK)
        return cli_fail("--invalid-utf8 is error, binary or replace, not '%s'", arg), -1;
    if (c == 1101 && fdata_parquet_int96_unit_from_name(arg, int96_unit) != FDATA_OK)
        return cli_fail("--int96-unit is s, ms, us or ns, not '%s'", arg), -1;
    if (c == 1102 && fdata_parquet_strings_from_name(arg, strings) != FDATA_OK)
        return cli_fail("--strings is plain, view or dictionary, not '%s'", arg), -1;
    return c >= 1100 && c <= 1102;
}

static int parse_cat_args(int argc, char **argv, struct cat_options *o) {
    static const struct option longopts[] = {
        {"columns", required_argument, NULL, 'c'}, {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},  {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          CLI_S3_LONGOPTS,
        CLI_READ_LONGOPTS,                         CLI_PARTITION_LONGOPTS,
        CLI_TRACE_LONGOPT,
        {NULL, 0, NULL, 0},
    };
    int c;
    char *end;
    memset(o, 0, sizeof *o);
    o->limit = -1;
    while ((c = getopt_long(argc, argv, "c:n:f:t:h", longopts, NULL)) != -1) {
        int s3 = cli_s3_option(c, optarg, &o->s3);
        int read = s3 ? 0 : cli_read_option(c, optarg, &o->invalid_utf8, &o->int96_unit,
                                                   &o->strings);
        int table = s3 || read ? 0 : cli_partition_option(c, optarg, &o->load);
        if (s3 < 0 || read < 0 || table < 0)
            return 1;
        if (s3 > 0 || read > 0 || table > 0)
            continue;
        switch (c) {
        case 'c':
            if (cli_split_columns(optarg, &o->columns, &o->num_columns) != 0)
                return cli_fail("out of memory");
            break;
        case 'n':
            o->limit = strtoll(optarg, &end, 10);
            if (*end || o->limit < 0)
                return cli_fail("--limit wants a count, not '%s'", optarg);
            break;
        case 'f':
            if (strcmp(optarg, "jsonl") == 0)
                o->format = FDATA_TEXT_JSONL;
            else if (strcmp(optarg, "csv") == 0)
                o->format = FDATA_TEXT_CSV;
            else
                return cli_fail("--format is jsonl or csv, not '%s'", optarg);
            break;
        case 't':
            o->threads = (int)strtol(optarg, &end, 10);
            if (*end || o->threads < 1 || o->threads > 1024)
                return cli_fail("--threads wants 1..1024, not '%s'", optarg);
            break;
        case 'E':
        case CLI_REPORT_OPT:
            cli_timeline_option(c, optarg, &o->tl);
            break;
        case 'h':
            fputs(cat_usage, stdout);
            fputs(cli_trace_usage, stdout);
            fputs(cli_read_usage, stdout);
            fputs(cli_s3_usage, stdout);
            exit(0);
        default:
            fputs(cat_usage, stderr);
            return 1;
        }
    }
    if (optind != argc - 1) {
        fputs(cat_usage, stderr);
        return cli_fail("cat takes exactly one FILE");
    }
    o->path = argv[optind];
    return 0;
}

/* Pulls batches from the stream and prints them until the limit or the end. */
static int print_stream(struct ArrowArrayStream *stream, const struct cat_options *o) {
    struct ArrowSchema schema;
    struct fdata_error err = {0};
    if (stream->get_schema(stream, &schema) != 0)
        return cli_fail("%s", stream->get_last_error(stream));
    int status = fdata_arrow_write_header(&schema, o->format, stdout, &err);
    long long left = o->limit < 0 ? -1 : o->limit;
    while (status == FDATA_OK && left != 0) {
        struct ArrowArray batch;
        if (stream->get_next(stream, &batch) != 0) {
            fflush(stdout);
            schema.release(&schema);
            return cli_fail("%s", stream->get_last_error(stream));
        }
        if (!batch.release)
            break;
        int64_t max = left < 0 ? batch.length : left;
        status = fdata_arrow_write_batch(&schema, &batch, max, o->format, stdout, &err);
        if (left >= 0)
            left -= max < batch.length ? max : batch.length;
        batch.release(&batch);
    }
    schema.release(&schema);
    if (status == FDATA_OK && fflush(stdout) != 0)
        return cli_fail("write error on standard output");
    return status == FDATA_OK ? 0 : cli_fail("%s", err.message);
}

/* Whether the path names many files: a directory, an s3:// prefix or glob. */
static int is_table(const char *path) {
    struct stat st;
    if (!cli_is_s3(path))
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    const char *last = strrchr(path + 5, '/');
    return path[strlen(path) - 1] == '/' || (last && strpbrk(last, "*?["));
}

/* The table's rows, through the load stream. */
static int cat_table(struct cat_options *o) {
    struct fdata_load_options lo = o->load;
    lo.columns = (const char *const *)o->columns;
    lo.num_columns = o->num_columns;
    lo.threads = o->threads;
    lo.invalid_utf8 = o->invalid_utf8;
    lo.int96_unit = o->int96_unit;
    lo.strings = o->strings;
    lo.s3 = &o->s3;
    struct ArrowArrayStream stream = {0};
    struct fdata_error err = {0};
    int rc = cli_trace_begin(&o->tl, "fastdata cat", &o->s3);
    lo.trace = o->tl.trace;
    cli_fact(&o->tl, "source", "%s", o->path);
    if (rc == 0)
        rc = fdata_load_stream(&o->path, 1, &lo, &stream, NULL, &err) == FDATA_OK
                 ? print_stream(&stream, o) : cli_fail("%s", err.message);
    if (stream.release)
        stream.release(&stream);
    free(o->columns);
    cli_table_options_free(&o->load);
    return cli_trace_end(&o->tl, rc);
}

int cmd_cat(int argc, char **argv) {
    struct cat_options o;
    if (parse_cat_args(argc, argv, &o) != 0) {
        free(o.columns);
        cli_table_options_free(&o.load);
        return 1;
    }
    if (is_table(o.path))
        return cat_table(&o);
    if (o.load.filter || o.load.partition_types || o.load.partitioning || o.load.schema) {
        cli_table_options_free(&o.load);
        free(o.columns);
        return cli_fail("--filter, --partitioning, --partition-types and --schema apply to a "
                        "directory, prefix or glob, not to one file");
    }
    struct fdata_error err = {0};
    struct fdata_parquet_read_options ro = {
        .threads = o.threads, .columns = (const char *const *)o.columns, .num_columns = o.num_columns,
        .invalid_utf8 = o.invalid_utf8, .int96_unit = o.int96_unit, .strings = o.strings,
    };
    fdata_parquet_file *file;
    int failed = cli_trace_begin(&o.tl, "fastdata cat", &o.s3);
    o.s3.trace = ro.trace = o.tl.trace; /* an s3:// file's requests */
    cli_fact(&o.tl, "source", "%s", o.path);
    if (failed || cli_open_parquet(o.path, &o.s3, &ro, &file)) {
        free(o.columns);
        return cli_trace_end(&o.tl, 1);
    }
    struct ArrowArrayStream stream;
    int rc;
    if (fdata_parquet_stream(file, &ro, &stream, &err) != FDATA_OK) {
        rc = cli_fail("%s", err.message);
    } else {
        rc = print_stream(&stream, &o);
        stream.release(&stream);
    }
    fdata_parquet_close(file);
    free(o.columns);
    return cli_trace_end(&o.tl, rc);
}
