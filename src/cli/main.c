/* fastdata: load Parquet tables from files or S3 into Arrow memory. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "fastdata/error.h"
#include "cli.h"

int cli_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("fastdata: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void usage(FILE *out) {
    fputs("usage: fastdata COMMAND [OPTIONS] ARGS\n"
          "\n"
          "commands:\n"
          "  schema FILE      row count, row groups and every column's types, encodings, sizes\n"
          "  cat FILE         print the rows as JSONL (the row-dump format) or CSV\n"
          "                   (FILE may be s3://bucket/key)\n"
          "  ls URL           list s3://bucket/prefix\n"
          "  stat URL         size, ETag, date and type of s3://bucket/key\n"
          "  get URL...       download objects (or every object below a prefix/)\n"
          "  put FILE... URL  upload files to s3://bucket/prefix/\n"
          "  sql SOURCE... Q  run the SQL query Q in DuckDB over the loaded table (named t)\n"
          "  gen ubiquant OUT make a Ubiquant-like dataset (local or s3://) for demos and benchmarks\n"
          "  convert IN OUT   write a Parquet file again with other codec, pages, encodings\n"
          "  load SOURCE...   load Parquet files (s3:// prefix, glob, keys, local files) into\n"
          "                   one in-memory table, downloading and decoding at once; report\n"
          "  version          print the version\n"
          "\n"
          "Run 'fastdata COMMAND --help' for a command's options.\n", out);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "cat") == 0)
        return cmd_cat(argc - 1, argv + 1);
    if (strcmp(cmd, "schema") == 0)
        return cmd_schema(argc - 1, argv + 1);
    static const struct { const char *name; int (*fn)(int, char **); } s3_cmds[] = {
        {"ls", cmd_ls}, {"stat", cmd_stat}, {"get", cmd_get}, {"put", cmd_put},
        {"load", cmd_load}, {"convert", cmd_convert}, {"gen", cmd_gen}, {"sql", cmd_sql},
    };
    for (size_t i = 0; i < sizeof s3_cmds / sizeof s3_cmds[0]; i++)
        if (strcmp(cmd, s3_cmds[i].name) == 0)
            return s3_cmds[i].fn(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("fastdata %s\n", fdata_version());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return cli_fail("unknown command '%s'", cmd) + 1;
}
