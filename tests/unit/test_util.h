/* Helpers shared by the tests, the fuzz target and the benchmark drivers: whole files into
 * memory, a file's rows as JSONL, the process's threads, a comma-separated list. */
#ifndef FDATA_TEST_UTIL_H
#define FDATA_TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/parquet.h"

/* The threads this process has now (Linux: /proc/self/task). */
static inline int count_threads(void) {
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* Splits `list` at its commas in place into out[0..cap), after the *n names already there;
 * names past cap are left out. */
static inline void split_names(char *list, const char **out, size_t cap, size_t *n) {
    for (char *c = strtok(list, ","); c && *n < cap; c = strtok(NULL, ","))
        out[(*n)++] = c;
}

/* The file's bytes in an exact-size allocation (so ASan sees any overread); NULL on error. */
static inline void *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    *size = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = b ? (size_t)n : 0;
    return b;
}

/* Every row of an Arrow stream as JSONL (stopping quietly at the first error); the stream
 * is released. */
static inline void write_stream_jsonl(struct ArrowArrayStream *st, FILE *out) {
    struct ArrowSchema schema;
    if (st->get_schema(st, &schema) == 0) {
        struct ArrowArray b;
        while (st->get_next(st, &b) == 0 && b.release) {
            fdata_arrow_write_batch(&schema, &b, b.length, FDATA_TEXT_JSONL, out, NULL);
            b.release(&b);
        }
        schema.release(&schema);
    }
    st->release(st);
}

/* Every row group of `f` with the columns of `o` as JSONL. */
static inline void write_rows_jsonl(fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                                    FILE *out) {
    struct ArrowArrayStream st;
    if (fdata_parquet_stream(f, o, &st, NULL) == FDATA_OK)
        write_stream_jsonl(&st, out);
}

#endif
