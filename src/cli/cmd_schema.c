/* fastdata schema: what a Parquet file holds, column by column. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "fastdata/parquet.h"
#include "cli.h"

static const char schema_usage[] =
    "usage: fastdata schema FILE\n"
    "\n"
    "Prints the row count, the row groups, and per leaf column: path, physical type,\n"
    "repetition, logical type, encodings, codec, compressed and uncompressed bytes, and\n"
    "the Arrow type it is read as.\n";

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

int cmd_schema(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(schema_usage, stdout);
        return 0;
    }
    if (argc != 2) {
        fputs(schema_usage, stderr);
        return cli_fail("schema takes exactly one FILE");
    }
    struct fdata_error err = {0};
    fdata_parquet_file *f;
    if (fdata_parquet_open_path(argv[1], &f, &err) != FDATA_OK)
        return cli_fail("%s", err.message);
    printf("file: %s\n", argv[1]);
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
               ci.nested ? "(nested: not supported yet)" : ci.arrow_type);
    }
    fdata_parquet_close(f);
    return 0;
}
