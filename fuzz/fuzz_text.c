/* libFuzzer target: any bytes as a CSV file (or, built with FUZZ_JSONL, a JSONL file) read
 * into Arrow batches, with types inferred, and again with declared ones when the first byte
 * asks (odd), so that every value parser and the type inference see hostile text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fastdata/text.h"

#ifdef FUZZ_JSONL
#define READ fdata_read_jsonl
#else
#define READ fdata_read_csv
#endif

static int fd = -1;
static char path[64];

static void read_all(const struct fdata_text_read_options *o) {
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
    if (fd < 0) { /* the readers take a path: an in-memory file behind /proc/self/fd */
        fd = memfd_create("fuzz_text", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    struct fdata_text_read_options o = {.batch_rows = 3};
    read_all(&o);
    if (size && (data[0] & 1)) {
        o.schema = "a:int32,b:timestamp[ms],c:date32,d:float32,e:bool,f:string,g:timestamp[ns]";
        o.delimiter = ';';
        read_all(&o);
    }
    return 0;
}
