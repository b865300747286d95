/* libFuzzer target: any bytes as a Parquet file.  Opens them, decodes every column of every
 * row group (nested ones assembled from their levels), and prints the rows as JSONL, so the
 * footer, schema tree, page headers, levels, every encoding and codec, and the text output
 * all see hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/parquet.h"
#include "test_util.h" /* write_rows_jsonl() */

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!sink)
        sink = fopen("/dev/null", "w");
    fdata_parquet_file *f;
    struct fdata_error err;
    if (fdata_parquet_open_buffer(data, size, "fuzz", NULL, NULL, &f, &err) == FDATA_OK) {
        struct fdata_parquet_read_options o = {.threads = 1};
        write_rows_jsonl(f, &o, sink);
        fdata_parquet_close(f);
    }
    return 0;
}
