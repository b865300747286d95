/* fastdata command-line tool: one function per subcommand. */
#ifndef FDATA_CLI_H
#define FDATA_CLI_H

#include "fastdata/parquet.h"
#include "fastdata/s3.h"

int cmd_cat(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_put(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_sql(int argc, char **argv);

struct fdata_parquet_write_options;
/* Codec names (snappy, zstd, ...) to enum fdata_parquet_codec; prints the error, returns 1. */
int cli_parse_codec(const char *name, int *codec);
/* The writer's options, getopt codes z L V R G D X T: 0 when applied, 1 after an error
 * message, 2 when `c` is not one of them. */
int cli_write_option(int c, const char *arg, struct fdata_parquet_write_options *o);
/* IN (Parquet, CSV or JSONL) as a snappy Parquet file at OUT (a path or an s3:// URL, then
 * streamed up part by part); prints the error and returns 1 on failure. */
int cli_convert_to_parquet(const char *in, const char *out, const struct fdata_s3_options *s3);
/* A Parquet writer sink into a streamed S3 upload (cli_to_upload's ctx): keeps why S3
 * refused a part, which says more than the writer's "write failed". */
struct cli_upload_sink {
    fdata_s3_upload *up;
    struct fdata_error err;
};
int cli_to_upload(void *ctx, const void *data, size_t size);

/* Splits "a,b,c" in place into *out (the caller frees the array); -1 when out of memory. */
int cli_split_columns(char *list, char ***out, size_t *n);

/* getopt_long entries for the global S3 options (codes 1000..1009). */
#define CLI_S3_LONGOPTS                                                              \
    {"endpoint", required_argument, NULL, 1000}, {"region", required_argument, NULL, 1001}, \
    {"profile", required_argument, NULL, 1002}, {"no-sign-request", no_argument, NULL, 1003}, \
    {"path-style", no_argument, NULL, 1004}, {"retries", required_argument, NULL, 1005}, \
    {"stall-timeout", required_argument, NULL, 1006}, {"no-checksums", no_argument, NULL, 1007}, \
    {"target-gbps", required_argument, NULL, 1008}, {"timeout", required_argument, NULL, 1009}

/* getopt_long entries for the options of how values are read (codes 1100-1102), the
 * usage lines, and how they apply: 1 when `c` was one, 0 when not, -1 after an error. */
#define CLI_READ_LONGOPTS \
    {"invalid-utf8", required_argument, NULL, 1100}, \
    {"int96-unit", required_argument, NULL, 1101}, {"strings", required_argument, NULL, 1102}
extern const char cli_read_usage[];
int cli_read_option(int c, const char *arg, int *invalid_utf8, int *int96_unit, int *strings);

extern const char cli_s3_usage[];

struct fdata_load_options;
/* getopt_long entries and usage lines of the options that shape a load's table (codes
 * 1110..1113): --partitioning, --partition-types, --schema, --filter. */
#define CLI_PARTITION_LONGOPTS                                                       \
    {"partitioning", required_argument, NULL, 1110},                                 \
    {"partition-types", required_argument, NULL, 1111},                              \
    {"schema", required_argument, NULL, 1112},                                       \
    {"filter", required_argument, NULL, 1113}
#define CLI_PARTITION_USAGE                                                                   \
    "  --partitioning P  hive: key=value folders become columns (the default when every\n"   \
    "                    file has the same keys); none: they do not\n"                       \
    "  --partition-types k:type,...  a key's type: int64, float64, date32, timestamp or\n"   \
    "                    string (default: inferred from the values)\n"                       \
    "  --schema S        union (default): every file's columns by name, nulls where a file\n" \
    "                    has none, types widened without loss; first: the first file's\n"    \
    "  --filter EXPR     only the rows EXPR selects, e.g. \"day >= DATE '2024-01-01' AND\n"  \
    "                    region IN ('eu', 'us')\" (= != < <= > >= IN BETWEEN IS NULL AND OR\n" \
    "                    NOT); files whose partition values cannot match are never read"
/* Applies one of them: 1 when `c` was one, 0 when not, negative after an error message. */
int cli_partition_option(int c, const char *arg, struct fdata_load_options *o);
/* Frees what they allocated (the parsed filter). */
void cli_table_options_free(struct fdata_load_options *o);
/* Applies an S3 option: 1 when `c` was one, 0 when not, negative after an error message. */
int cli_s3_option(int c, const char *arg, struct fdata_s3_options *o);
int cli_is_s3(const char *path);
/* Opens a local Parquet file (mmap) or an s3:// object: its footer, plus the column chunks
 * `ro` projects (none when ro is NULL); FDATA_VERBOSE=1 reports the bytes fetched.  Prints
 * the error and returns 1 on failure. */
int cli_open_parquet(const char *path, const struct fdata_s3_options *o,
                     const struct fdata_parquet_read_options *ro, fdata_parquet_file **out);
/* Makes a client; prints the error and returns 1 on failure. */
int cli_s3_client(const struct fdata_s3_options *o, fdata_s3_client **out);

/* --trace FILE.json (getopt code 'E') and --report FILE.html (CLI_REPORT_OPT) of get, put,
 * load, cat and sql: a timeline of the command in the Chrome trace event format, and a page
 * built from the same events (fastdata/trace.h). */
#define CLI_REPORT_OPT 1170
#define CLI_TRACE_LONGOPT \
    {"trace", required_argument, NULL, 'E'}, {"report", required_argument, NULL, CLI_REPORT_OPT}
extern const char cli_trace_usage[];
#define CLI_MAX_FACTS 16
struct fdata_load_report;
struct cli_timeline {
    const char *trace_path, *report_path; /* NULL when not asked for */
    fdata_trace *trace;                   /* recorded when either is asked for */
    struct fdata_trace_report report;     /* the page's title, summary and link rate */
    struct fdata_trace_fact facts[CLI_MAX_FACTS];
    char values[CLI_MAX_FACTS][96];
};
/* Takes --trace or --report: 1 when `c` was one of them, else 0. */
int cli_timeline_option(int c, const char *arg, struct cli_timeline *tl);
/* tl->trace: a new trace when either path is set, else NULL; the report titled `title` and
 * drawn against s3's target_gbit_s (s3 may be NULL).  Prints the error and returns 1 when out
 * of memory. */
int cli_trace_begin(struct cli_timeline *tl, const char *title,
                    const struct fdata_s3_options *s3);
/* A line of the report's summary (past CLI_MAX_FACTS, ignored). */
void cli_fact(struct cli_timeline *tl, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The summary lines of a load's report. */
void cli_load_facts(struct cli_timeline *tl, const struct fdata_load_report *r);
/* Writes the trace and the report (those asked for) and frees the trace; returns rc, or 1
 * after printing why one could not be written. */
int cli_trace_end(struct cli_timeline *tl, int rc);

/* Prints "fastdata: <message>" on stderr; returns the exit status 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
