/* libFuzzer target: any bytes as a CSV file (or, built with FUZZ_JSONL, a JSONL file) read
 * into Arrow batches, with types inferred, and again with declared ones when the first byte
 * asks (odd), so that every value parser and the type inference see hostile text. */
#include "fastdata/text.h"
#include "fuzz_file.h"

#ifdef FUZZ_JSONL
#define READ fdata_read_jsonl
#else
#define READ fdata_read_csv
#endif

static void read_all(const char *path, const struct fdata_text_read_options *o) {
    struct ArrowArrayStream s;
    struct fdata_error err;
    if (READ(path, o, &s, &err) != FDATA_OK)
        return;
    struct ArrowSchema schema;
    if (s.get_schema(&s, &schema) == 0 && schema.release)
        schema.release(&schema);
    struct ArrowArray a;
    while (s.get_next(&s, &a) == 0 && a.release)
        a.release(&a);
    s.release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size);
    struct fdata_text_read_options o = {.batch_rows = 3};
    read_all(path, &o);
    if (size && (data[0] & 1)) {
        o.schema = "a:int32,b:timestamp[ms],c:date32,d:float32,e:bool,f:string,g:timestamp[ns]";
        o.delimiter = ';';
        read_all(path, &o);
    }
    return 0;
}
