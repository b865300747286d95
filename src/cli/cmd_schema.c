/* fastdata schema: what a Parquet file holds, column by column. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "fastdata/parquet.h"
#include "cli.h"

static const char schema_usage[] =
    "usage: fastdata schema FILE|s3://bucket/key [--invalid-utf8 M] [--int96-unit U] [S3 options]\n"
    "\n"
    "Prints the row count, the row groups, and per leaf column: path, physical type,\n"
    "repetition, logical type, encodings, codec, compressed and uncompressed bytes, and\n"
    "the Arrow type it is read as; then the Arrow schema as a tree (structs, lists, maps).\n";

static void print_mask(uint32_t mask, const char *(*name)(int)) {
    int first = 1;
    for (int i = 0; i < 32; i++) {
        if (mask & (1u << i)) {
            printf("%s%s", first ? "" : ",", name(i));
            first = 0;
        }
    }
    if (first)
        printf("-");
}

/* A readable name for an Arrow C Data Interface format string. */
static void describe_format(const char *f, char *buf, size_t size) {
    static const struct { const char *format, *name; } names[] = {
        {"n", "null"}, {"b", "bool"}, {"c", "int8"}, {"s", "int16"}, {"i", "int32"},
        {"l", "int64"}, {"C", "uint8"}, {"S", "uint16"}, {"I", "uint32"}, {"L", "uint64"},
        {"e", "float16"}, {"f", "float"}, {"g", "double"}, {"u", "utf8"}, {"z", "binary"},
        {"tdD", "date32"}, {"ttm", "time32[ms]"}, {"ttu", "time64[us]"}, {"ttn", "time64[ns]"},
        {"tin", "interval[month_day_nano]"}, {"+s", "struct"}, {"+l", "list"},
        {"+L", "large_list"}, {"+m", "map"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(f, names[i].format) == 0) {
            snprintf(buf, size, "%s", names[i].name);
            return;
        }
    }
    if (strncmp(f, "ts", 2) == 0 && f[2] && f[3] == ':')
        snprintf(buf, size, "timestamp[%s%s%s]",
                 f[2] == 's' ? "s" : f[2] == 'm' ? "ms" : f[2] == 'u' ? "us" : "ns",
                 f[4] ? ", tz=" : "", f + 4);
    else if (f[0] == 'd' && f[1] == ':')
        snprintf(buf, size, "decimal(%s)", f + 2);
    else if (f[0] == 'w' && f[1] == ':')
        snprintf(buf, size, "fixed_size_binary[%s]", f + 2);
    else
        snprintf(buf, size, "%s", f);
}

static void print_tree(const struct ArrowSchema *s, int depth) {
    char type[64];
    describe_format(s->format, type, sizeof type);
    printf("%*s%s: %s%s\n", 2 * depth, "", s->name, type,
           s->flags & ARROW_FLAG_NULLABLE ? "" : " not null");
    for (int64_t i = 0; i < s->n_children; i++)
        print_tree(s->children[i], depth + 1);
}

int cmd_schema(int argc, char **argv) {
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, CLI_S3_LONGOPTS, CLI_READ_LONGOPTS, {NULL, 0, NULL, 0},
    };
    struct fdata_s3_options s3 = {0};
    struct fdata_parquet_read_options ro = {0};
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int r = cli_s3_option(c, optarg, &s3);
        if (r == 0)
            r = cli_read_option(c, optarg, &ro.invalid_utf8, &ro.int96_unit, &ro.strings);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        fputs(schema_usage, c == 'h' ? stdout : stderr);
        fputs(cli_read_usage, c == 'h' ? stdout : stderr);
        fputs(cli_s3_usage, c == 'h' ? stdout : stderr);
        return c == 'h' ? 0 : 1;
    }
    if (optind != argc - 1) {
        fputs(schema_usage, stderr);
        return cli_fail("schema takes exactly one FILE");
    }
    const char *path = argv[optind];
    struct fdata_error err = {0};
    fdata_parquet_file *f;
    if (cli_open_parquet(path, &s3, NULL, &f))
        return 1;
    printf("file: %s\n", path);
    printf("created_by: %s\n", fdata_parquet_created_by(f));
    printf("rows: %" PRId64 "\n", fdata_parquet_num_rows(f));
    printf("row_groups: %d\n", fdata_parquet_num_row_groups(f));
    printf("columns: %d\n", fdata_parquet_num_columns(f));
    printf("%-28s %-22s %-9s %-24s %-22s %-12s %12s %12s  %s\n", "path", "physical", "repetition",
           "logical", "encodings", "codec", "compressed", "uncompressed", "arrow");
    for (int i = 0; i < fdata_parquet_num_columns(f); i++) {
        struct fdata_parquet_column_info ci;
        fdata_parquet_column_info(f, i, &ci, NULL);
        char phys[40];
        if (ci.type_length)
            snprintf(phys, sizeof phys, "%s(%d)", ci.physical_type, ci.type_length);
        else
            snprintf(phys, sizeof phys, "%s", ci.physical_type);
        printf("%-28s %-22s %-9s  %-24s ", ci.path, phys, ci.repetition,
               ci.logical_type[0] ? ci.logical_type : "-");
        print_mask(ci.encodings, fdata_parquet_encoding_name);
        printf(" ");
        print_mask(ci.codecs, fdata_parquet_codec_name);
        printf(" %12" PRId64 " %12" PRId64 "  %s\n", ci.compressed_size, ci.uncompressed_size,
               ci.arrow_type);
    }
    struct ArrowSchema schema;
    if (fdata_parquet_get_schema(f, &ro, &schema, &err) == FDATA_OK) {
        printf("arrow schema:\n");
        for (int64_t i = 0; i < schema.n_children; i++)
            print_tree(schema.children[i], 1);
        schema.release(&schema);
    } else {
        printf("arrow schema: %s\n", err.message);
    }
    fdata_parquet_close(f);
    return 0;
}
