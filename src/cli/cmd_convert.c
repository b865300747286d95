/* fastdata convert: CSV, JSONL or Parquet in, Parquet out. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fastdata/parquet_write.h"
#include "fastdata/text.h"
#include "cli.h"

static const char convert_usage[] =
    "usage: fastdata convert IN OUT.parquet|s3://bucket/key [--codec C] [--level N] [--page-version 1|2]\n"
    "                        [--row-group-size ROWS] [--page-size BYTES] [--dictionary on|off]\n"
    "                        [--statistics on|off] [--threads N] [--columns a,b]\n"
    "                        [--schema name:type,...] [--delimiter C] [S3 options]\n"
    "                        [--encoding COLUMN=ENCODING]...\n"
    "Writes IN's rows to OUT as Parquet with the options given. IN is Parquet, CSV (*.csv,\n"
    "RFC 4180 with a header line) or JSONL (*.jsonl, *.ndjson: one object per line); text\n"
    "column types are inferred unless --schema declares them (bool, int32, int64, float32,\n"
    "float64, string, date32, timestamp[ms|us|ns]). Codecs: uncompressed, snappy, gzip,\n"
    "brotli, zstd, lz4_raw. Encodings: plain, rle_dictionary, delta_binary_packed (int),\n"
    "byte_stream_split (fixed width), delta_length_byte_array, delta_byte_array (strings).\n"
    "An s3:// OUT is uploaded part by part while it is written (one\n"
    "part in memory at a time); the object appears only when the file is complete.";

int cli_parse_codec(const char *name, int *codec) {
    static const struct { const char *name; int codec; } codecs[] = {
        {"uncompressed", FDATA_CODEC_UNCOMPRESSED}, {"none", FDATA_CODEC_UNCOMPRESSED},
        {"snappy", FDATA_CODEC_SNAPPY}, {"gzip", FDATA_CODEC_GZIP},
        {"brotli", FDATA_CODEC_BROTLI}, {"zstd", FDATA_CODEC_ZSTD}, {"lz4_raw", FDATA_CODEC_LZ4_RAW},
        {"lz4", FDATA_CODEC_LZ4_RAW},
    };
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        if (strcmp(name, codecs[i].name) == 0) {
            *codec = codecs[i].codec;
            return 0;
        }
    return cli_fail("unknown codec '%s' (uncompressed, snappy, gzip, brotli, zstd, lz4_raw)", name);
}

static int on_off(const char *opt, const char *v, int *out) {
    if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
        *out = strcmp(v, "on") == 0 ? 1 : -1;
        return 0;
    }
    return cli_fail("--%s wants on or off, not '%s'", opt, v);
}

int cli_write_option(int c, const char *arg, struct fdata_parquet_write_options *o) {
    char *end;
    long long v = c == 'z' || c == 'D' || c == 'X' ? 0 : strtoll(arg, &end, 10);
    if (c != 'z' && c != 'D' && c != 'X' && (*end || v < 0))
        return cli_fail("'%s' is not a number", arg);
    switch (c) {
    case 'z': return cli_parse_codec(arg, &o->codec);
    case 'L': o->level = (int)v; return 0;
    case 'V': o->page_version = (int)v; return 0;
    case 'R': o->row_group_rows = v; return 0;
    case 'G': o->page_size = (size_t)v; return 0;
    case 'D': return on_off("dictionary", arg, &o->dictionary);
    case 'X': return on_off("statistics", arg, &o->statistics);
    case 'T': o->threads = (int)v; return 0;
    default: return 2;
    }
}

/* "COLUMN=ENCODING" into the options' list (kept in `store`). */
static int add_encoding(char *arg, struct fdata_parquet_column_encoding *store,
                        struct fdata_parquet_write_options *o) {
    static const struct { const char *name; int encoding; } names[] = {
        {"plain", FDATA_ENCODING_PLAIN}, {"rle_dictionary", FDATA_ENCODING_RLE_DICTIONARY},
        {"delta_binary_packed", FDATA_ENCODING_DELTA_BINARY_PACKED},
        {"delta_length_byte_array", FDATA_ENCODING_DELTA_LENGTH_BYTE_ARRAY},
        {"delta_byte_array", FDATA_ENCODING_DELTA_BYTE_ARRAY},
        {"byte_stream_split", FDATA_ENCODING_BYTE_STREAM_SPLIT},
    };
    char *eq = strrchr(arg, '=');
    if (!eq || eq == arg || o->num_encodings == 64)
        return cli_fail("--encoding wants COLUMN=ENCODING, not '%s'", arg);
    *eq = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(eq + 1, names[i].name) == 0) {
            store[o->num_encodings++] = (struct fdata_parquet_column_encoding){arg, names[i].encoding};
            o->encodings = store;
            return 0;
        }
    return cli_fail("unknown encoding '%s' (plain, rle_dictionary, delta_binary_packed, "
                    "byte_stream_split, delta_length_byte_array, delta_byte_array)", eq + 1);
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The input's rows as a stream: text by its extension, else Parquet. */
static int open_input(const char *path, const struct fdata_parquet_read_options *ro,
                      const struct fdata_text_read_options *to, struct ArrowArrayStream *st,
                      struct fdata_error *err) {
    if (ends_with(path, ".csv") || ends_with(path, ".tsv"))
        return fdata_read_csv(path, to, st, err);
    if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json"))
        return fdata_read_jsonl(path, to, st, err);
    fdata_parquet_file *in = NULL;
    int status = fdata_parquet_open_path(path, &in, err);
    if (status == FDATA_OK)
        status = fdata_parquet_stream(in, ro, st, err);
    fdata_parquet_close(in);
    return status;
}

int cli_to_upload(void *ctx, const void *data, size_t size) {
    struct cli_upload_sink *s = ctx;
    return fdata_s3_upload_write(s->up, data, size, &s->err) == FDATA_OK ? 0 : -1;
}

/* The stream written as Parquet straight into a streamed S3 upload. */
static int write_s3(struct ArrowArrayStream *st, const char *url,
                    const struct fdata_parquet_write_options *o, const struct fdata_s3_options *s3,
                    struct fdata_error *err) {
    fdata_s3_client *client = NULL;
    struct cli_upload_sink sink = {0};
    int status = fdata_s3_client_new(s3, &client, err);
    if (status == FDATA_OK)
        status = fdata_s3_upload_new(client, url, &sink.up, err);
    if (status != FDATA_OK) {
        st->release(st);
    } else if ((status = fdata_parquet_write_stream(st, o, cli_to_upload, &sink, err)) == FDATA_OK) {
        status = fdata_s3_upload_finish(sink.up, err); /* frees the upload either way */
        sink.up = NULL;
    } else if (sink.err.code && err) {
        *err = sink.err;
    }
    fdata_s3_upload_abort(sink.up);
    fdata_s3_client_free(client);
    return status;
}

int cli_convert_to_parquet(const char *in, const char *out, const struct fdata_s3_options *s3) {
    struct fdata_parquet_write_options o = {.codec = FDATA_CODEC_SNAPPY};
    struct fdata_parquet_read_options ro = {0};
    struct fdata_text_read_options to = {0};
    struct ArrowArrayStream st;
    struct fdata_error err = {0};
    int status = open_input(in, &ro, &to, &st, &err);
    if (status == FDATA_OK)
        status = cli_is_s3(out) ? write_s3(&st, out, &o, s3, &err)
                                : fdata_parquet_write_file(&st, out, &o, &err);
    return status == FDATA_OK ? 0 : cli_fail("%s", err.message);
}

int cmd_convert(int argc, char **argv) {
    static const struct option longopts[] = {
        {"codec", required_argument, NULL, 'z'}, {"level", required_argument, NULL, 'L'},
        {"page-version", required_argument, NULL, 'V'}, {"row-group-size", required_argument, NULL, 'R'},
        {"page-size", required_argument, NULL, 'G'}, {"dictionary", required_argument, NULL, 'D'},
        {"statistics", required_argument, NULL, 'X'}, {"threads", required_argument, NULL, 'T'},
        {"columns", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {"schema", required_argument, NULL, 'S'}, {"delimiter", required_argument, NULL, 'd'},
        {"encoding", required_argument, NULL, 'E'},
        CLI_S3_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    struct fdata_parquet_write_options o = {0};
    struct fdata_parquet_read_options ro = {0};
    struct fdata_text_read_options to = {0};
    struct fdata_s3_options s3 = {0};
    static struct fdata_parquet_column_encoding encodings[64];
    char **columns = NULL;
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            puts(convert_usage);
            free(columns);
            return 0;
        }
        if (c == 'c') {
            free(columns);
            rc = cli_split_columns(optarg, &columns, &ro.num_columns) ? cli_fail("out of memory") : 0;
            ro.columns = (const char *const *)columns;
            continue;
        }
        int s = cli_s3_option(c, optarg, &s3);
        if (s) {
            rc = s < 0;
            continue;
        }
        if (c == 'E') {
            rc = add_encoding(optarg, encodings, &o);
            continue;
        }
        if (c == 'S')
            to.schema = optarg;
        else if (c == 'd')
            to.delimiter = optarg[0] == '\\' && optarg[1] == 't' ? '\t' : optarg[0];
        else
            rc = c == '?' ? 2 : cli_write_option(c, optarg, &o);
    }
    if (rc == 0 && argc - optind != 2)
        rc = 2;
    if (rc == 2)
        fprintf(stderr, "%s\n", convert_usage);
    if (rc) {
        free(columns);
        return rc;
    }
    struct ArrowArrayStream st;
    struct fdata_error err = {0};
    ro.threads = o.threads;
    int status = open_input(argv[optind], &ro, &to, &st, &err);
    const char *out = argv[optind + 1];
    if (status == FDATA_OK)
        status = cli_is_s3(out) ? write_s3(&st, out, &o, &s3, &err)
                                : fdata_parquet_write_file(&st, out, &o, &err);
    free(columns);
    return status == FDATA_OK ? 0 : cli_fail("%s", err.message);
}
