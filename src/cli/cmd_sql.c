/* fastdata sql: the loaded table queried by DuckDB in place (its C API scanning our Arrow
 * stream).  libduckdb is loaded at run time, so fastdata neither builds nor links against it:
 * scripts/install-duckdb.sh fetches it from the npm registry (@duckdb/node-bindings-linux-x64
 * ships the shared library).  The few C API functions used are declared here. */
#include <dlfcn.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fastdata/load.h"
#include "../common/trace.h"
#include "cli.h"

static const char sql_usage[] =
    "usage: fastdata sql SOURCE... \"QUERY\" [--columns a,b] [--threads N]\n"
    "                    [--partitioning hive|none] [--partition-types k:type,...]\n"
    "                    [--schema union|first] [--invalid-utf8 M] [--int96-unit U] [--strings L]\n"
    "                    [--trace FILE.json] [--report FILE.html] [S3 options]\n"
    "Loads the sources (as fastdata load does) and runs QUERY in DuckDB over the table, named t\n"
    "(handed over through the Arrow C stream); prints the result as CSV with a header line.\n"
    "DuckDB's library is\n"
    "loaded at run time: $FDATA_LIBDUCKDB, else libduckdb.so on the library path, else the copy\n"
    "scripts/install-duckdb.sh puts in build/duckdb/.\n" CLI_PARTITION_USAGE;

/* DuckDB's C API (duckdb.h), the part used here. */
typedef void *duckdb_database, *duckdb_connection;
typedef struct {
    uint64_t deprecated_column_count, deprecated_row_count, deprecated_rows_changed;
    void *deprecated_columns;
    char *deprecated_error_message;
    void *internal_data;
} duckdb_result;
struct duckdb_api {
    void *lib;
    int (*open)(const char *, duckdb_database *);
    int (*connect)(duckdb_database, duckdb_connection *);
    int (*arrow_scan)(duckdb_connection, const char *, void *);
    int (*query)(duckdb_connection, const char *, duckdb_result *);
    const char *(*result_error)(duckdb_result *);
    uint64_t (*column_count)(duckdb_result *);
    uint64_t (*row_count)(duckdb_result *);
    const char *(*column_name)(duckdb_result *, uint64_t);
    char *(*value_varchar)(duckdb_result *, uint64_t, uint64_t);
    void (*destroy_result)(duckdb_result *);
    void (*disconnect)(duckdb_connection *);
    void (*close)(duckdb_database *);
    void (*free)(void *);
};

static void *open_library(void) {
    const char *env = getenv("FDATA_LIBDUCKDB");
    void *lib = env && *env ? dlopen(env, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!lib)
        lib = dlopen("libduckdb.so", RTLD_NOW | RTLD_LOCAL);
    char exe[PATH_MAX], path[PATH_MAX + 128];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!lib && n > 0) { /* build/fastdata -> build/duckdb/... */
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(path, sizeof path, "%s/duckdb/node_modules/@duckdb/node-bindings-linux-x64/"
                 "libduckdb.so", exe);
        lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    return lib;
}

static int load_api(struct duckdb_api *d) {
    if (!(d->lib = open_library()))
        return cli_fail("sql needs DuckDB's library: run scripts/install-duckdb.sh (it fetches "
                        "libduckdb.so from npm into build/duckdb/) or set FDATA_LIBDUCKDB");
    struct { void **fn; const char *name; } syms[] = {
        {(void **)&d->open, "duckdb_open"}, {(void **)&d->connect, "duckdb_connect"},
        {(void **)&d->arrow_scan, "duckdb_arrow_scan"}, {(void **)&d->query, "duckdb_query"},
        {(void **)&d->result_error, "duckdb_result_error"},
        {(void **)&d->column_count, "duckdb_column_count"},
        {(void **)&d->row_count, "duckdb_row_count"}, {(void **)&d->column_name, "duckdb_column_name"},
        {(void **)&d->value_varchar, "duckdb_value_varchar"},
        {(void **)&d->destroy_result, "duckdb_destroy_result"},
        {(void **)&d->disconnect, "duckdb_disconnect"}, {(void **)&d->close, "duckdb_close"},
        {(void **)&d->free, "duckdb_free"},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (!(*syms[i].fn = dlsym(d->lib, syms[i].name)))
            return cli_fail("libduckdb has no %s: too old a DuckDB", syms[i].name);
    return 0;
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
static void put_field(const char *s) {
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* DuckDB's message on one line (it spreads some over several, with a caret under the
 * query). */
static int fail_with(duckdb_result *r, struct duckdb_api *d, const char *otherwise) {
    const char *m = d->result_error(r);
    char line[1024];
    snprintf(line, sizeof line, "%s", m ? m : otherwise);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return cli_fail("DuckDB: %s", line);
}

static void print_result(struct duckdb_api *d, duckdb_result *r) {
    uint64_t cols = d->column_count(r), rows = d->row_count(r);
    for (uint64_t c = 0; c < cols; c++) {
        if (c)
            putchar(',');
        put_field(d->column_name(r, c));
    }
    putchar('\n');
    for (uint64_t i = 0; i < rows; i++) {
        for (uint64_t c = 0; c < cols; c++) {
            char *v = d->value_varchar(r, c, i); /* NULL for a SQL NULL: an empty field */
            if (c)
                putchar(',');
            put_field(v);
            if (v)
                d->free(v);
        }
        putchar('\n');
    }
}

/* The query over the table as t.  DuckDB's C API scan of a plain stream pushes column
 * projections down that the stream cannot honour (it would read the first columns instead
 * of the projected ones), so the scan is taken whole, once, into a DuckDB table t: one copy,
 * columnar, and queries may then scan t any number of times. */
static int run_query(struct duckdb_api *d, struct ArrowArrayStream *table, const char *sql,
                     fdata_trace *trace) {
    duckdb_database db = NULL;
    duckdb_connection con = NULL;
    duckdb_result r;
    memset(&r, 0, sizeof r);
    int rc = d->open(NULL, &db) || d->connect(db, &con) ? cli_fail("DuckDB failed to start") : 0;
    if (rc == 0 && d->arrow_scan(con, "fastdata_stream", table) != 0)
        rc = cli_fail("DuckDB could not scan the table");
    if (rc == 0 && d->query(con, "CREATE TEMP TABLE t AS SELECT * FROM fastdata_stream", &r) != 0)
        rc = fail_with(&r, d, "could not read the table");
    d->destroy_result(&r);
    memset(&r, 0, sizeof r);
    int64_t start = trace ? fdata_trace_now(trace) : 0; /* the table is in: the query alone */
    if (rc == 0 && d->query(con, sql, &r) != 0)
        rc = fail_with(&r, d, "the query failed");
    if (trace)
        fdata_trace_span(trace, TRACE_LANE_MAIN, "query", "DuckDB query", start,
                         fdata_trace_now(trace), NULL);
    if (rc == 0)
        print_result(d, &r);
    d->destroy_result(&r);
    if (con)
        d->disconnect(&con);
    if (db)
        d->close(&db);
    return rc;
}

int cmd_sql(int argc, char **argv) {
    static const struct option longopts[] = {
        {"columns", required_argument, NULL, 'c'}, {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'}, CLI_TRACE_LONGOPT, CLI_S3_LONGOPTS, CLI_READ_LONGOPTS,
        CLI_PARTITION_LONGOPTS, {NULL, 0, NULL, 0},
    };
    struct fdata_s3_options s3 = {0};
    struct fdata_load_options o = {.s3 = &s3};
    struct fdata_load_report report = {0};
    struct cli_timeline tl = {0};
    char **columns = NULL;
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int s = cli_s3_option(c, optarg, &s3);
        if (s == 0)
            s = cli_read_option(c, optarg, &o.invalid_utf8, &o.int96_unit, &o.strings);
        if (s == 0)
            s = cli_partition_option(c, optarg, &o);
        if (s)
            rc = s < 0;
        else if (c == 'h')
            return printf("%s\n%s%s", sql_usage, cli_trace_usage, cli_read_usage), free(columns), 0;
        else if (cli_timeline_option(c, optarg, &tl))
            ;
        else if (c == 'c') {
            free(columns);
            rc = cli_split_columns(optarg, &columns, &o.num_columns) ? cli_fail("out of memory") : 0;
            o.columns = (const char *const *)columns;
        } else if (c == 't')
            o.threads = atoi(optarg);
        else
            rc = 2;
    }
    if (rc == 0 && argc - optind < 2)
        rc = 2;
    if (rc == 2)
        fprintf(stderr, "%s\n%s%s", sql_usage, cli_read_usage, cli_s3_usage);
    struct duckdb_api d = {0};
    if (rc == 0)
        rc = load_api(&d);
    if (rc == 0)
        rc = cli_trace_begin(&tl, "fastdata sql", &s3);
    o.trace = tl.trace;
    struct ArrowArrayStream *table = calloc(1, sizeof *table); /* DuckDB may keep pointing at it */
    struct fdata_error err = {0};
    if (rc == 0 && (!table || fdata_load((const char *const *)argv + optind, (size_t)(argc - optind - 1),
                                         &o, table, &report, &err) != FDATA_OK))
        rc = cli_fail("%s", table ? err.message : "out of memory");
    if (rc == 0)
        rc = run_query(&d, table, argv[argc - 1], o.trace);
    if (table && table->release) /* not taken by DuckDB */
        table->release(table);
    cli_load_facts(&tl, &report);
    rc = tl.trace ? cli_trace_end(&tl, rc) : rc;
    cli_table_options_free(&o);
    free(table);
    free(columns);
    if (d.lib)
        dlclose(d.lib);
    return rc;
}
