/* libFuzzer target: any bytes as a Parquet file.  Opens them, decodes every column of every
 * row group (nested ones assembled from their levels), and prints the rows as JSONL, so the
 * footer, schema tree, page headers, levels, every encoding and codec, and the text output
 * all see hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/parquet.h"

static FILE *sink;

static void decode_all(fdata_parquet_file *f) {
    struct fdata_parquet_read_options o = {.threads = 1};
    struct ArrowArrayStream stream;
    struct ArrowSchema schema;
    if (fdata_parquet_stream(f, &o, &stream, NULL) == FDATA_OK) {
        if (stream.get_schema(&stream, &schema) == 0) {
            struct ArrowArray batch;
            while (stream.get_next(&stream, &batch) == 0 && batch.release) {
                fdata_arrow_write_batch(&schema, &batch, batch.length, FDATA_TEXT_JSONL, sink, NULL);
                batch.release(&batch);
            }
            schema.release(&schema);
        }
        stream.release(&stream);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!sink)
        sink = fopen("/dev/null", "w");
    fdata_parquet_file *f;
    struct fdata_error err;
    if (fdata_parquet_open_buffer(data, size, "fuzz", NULL, NULL, &f, &err) == FDATA_OK) {
        decode_all(f);
        fdata_parquet_close(f);
    }
    return 0;
}
