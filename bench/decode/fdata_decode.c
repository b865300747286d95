/* Decode benchmark driver: reads Parquet files into memory first (so only decoding is
 * timed, as from tmpfs), then decodes every column of every row group with N threads and
 * prints one JSON line: seconds of the first run and the best of --repeat runs, Parquet
 * bytes, decoded Arrow bytes.  Like the peers' allocators (jemalloc, mimalloc), glibc is
 * told to keep freed memory for reuse instead of returning it to the kernel, so repeated
 * runs do not pay page faults the peers do not pay; the first run shows the cold cost. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fastdata/parquet.h"
#include "parquet/codec.h"
#include "parquet/metadata.h"
#include "test_util.h" /* slurp() */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The physical limit of decoding: only decompress every page of every column chunk (the
 * page headers parsed, nothing decoded), into one reused buffer. */
static int decompress_file(const uint8_t *data, size_t size, size_t *decoded) {
    struct pq_metadata md;
    uint32_t footer;
    memcpy(&footer, data + size - 8, 4);
    if (pq_metadata_parse(data + size - 8 - footer, footer, &md, NULL) != FDATA_OK)
        return 1;
    struct pq_codecs codecs = {0};
    static uint8_t *out;
    static size_t cap;
    int rc = 0;
    for (int rg = 0; rg < md.num_row_groups && !rc; rg++) {
        for (int c = 0; c < md.row_groups[rg].num_columns && !rc; c++) {
            const struct pq_column_meta *m = &md.row_groups[rg].columns[c].meta;
            int64_t start = m->dictionary_page_offset >= 4 && m->dictionary_page_offset < m->data_page_offset
                                ? m->dictionary_page_offset : m->data_page_offset;
            size_t off = 0, len = (size_t)m->total_compressed_size;
            while (off < len && !rc) {
                struct pq_page_header ph;
                size_t hlen;
                rc = pq_page_header_parse(data + start + off, len - off, &ph, &hlen, NULL);
                if (rc)
                    break;
                if ((size_t)ph.uncompressed_size > cap) {
                    free(out);
                    cap = (size_t)ph.uncompressed_size * 2;
                    out = malloc(cap);
                }
                size_t levels = ph.type == PQ_DATA_PAGE_V2
                                    ? (size_t)ph.def_levels_length + (size_t)ph.rep_levels_length : 0;
                if (m->codec != PQ_UNCOMPRESSED && ph.is_compressed)
                    rc = pq_decompress(&codecs, m->codec, data + start + off + hlen + levels,
                                       (size_t)ph.compressed_size - levels, out,
                                       (size_t)ph.uncompressed_size - levels, NULL);
                *decoded += (size_t)ph.uncompressed_size;
                off += hlen + (size_t)ph.compressed_size;
            }
        }
    }
    pq_codecs_free(&codecs);
    pq_metadata_free(&md);
    return rc;
}

/* Sums the sizes of an array's buffers (and its children's) as Arrow lays them out. */
static size_t array_bytes(const struct ArrowArray *a, const struct ArrowSchema *s) {
    const char *format = s->format;
    size_t n = (size_t)a->length, bytes = a->null_count ? (n + 7) / 8 : 0;
    for (int64_t c = 0; c < a->n_children; c++)
        bytes += array_bytes(a->children[c], s->children[c]);
    if (strcmp(format, "+l") == 0 || strcmp(format, "+m") == 0)
        return bytes + (n + 1) * 4;
    if (strcmp(format, "+L") == 0)
        return bytes + (n + 1) * 8;
    if (format[0] == '+' || strcmp(format, "n") == 0)
        return bytes;
    if (strcmp(format, "u") == 0 || strcmp(format, "z") == 0) {
        const int32_t *off = a->buffers[1];
        return bytes + (n + 1) * 4 + (size_t)off[n];
    }
    if (strcmp(format, "b") == 0)
        return bytes + (n + 7) / 8;
    static const struct { const char *f; size_t w; } widths[] = {
        {"c", 1}, {"C", 1}, {"s", 2}, {"S", 2}, {"e", 2}, {"i", 4}, {"I", 4}, {"f", 4},
        {"tdD", 4}, {"ttm", 4}, {"tin", 16},
    };
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        if (strcmp(format, widths[i].f) == 0)
            return bytes + n * widths[i].w;
    if (format[0] == 'd')
        return bytes + n * (strstr(format, ",256") ? 32 : 16);
    if (format[0] == 'w')
        return bytes + n * (size_t)atoi(format + 2);
    return bytes + n * 8;
}

/* --columns a,b: the names to read (NULL: every column), split in place. */
static const char *columns[64];
static size_t num_columns;
static int strings = FDATA_STRINGS_PLAIN; /* --strings plain|view|dictionary */

static int decode_file(const void *data, size_t size, const char *name, int threads,
                       size_t *decoded) {
    struct fdata_error err = {0};
    fdata_parquet_file *f;
    if (fdata_parquet_open_buffer(data, size, name, NULL, NULL, &f, &err) != FDATA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    struct fdata_parquet_read_options o = {.threads = threads,
                                           .columns = num_columns ? columns : NULL,
                                           .num_columns = num_columns,
                                           .strings = strings};
    int nrg = fdata_parquet_num_row_groups(f);
    struct ArrowArray *batches = calloc((size_t)nrg + 1, sizeof *batches);
    struct ArrowSchema schema;
    int rc = fdata_parquet_get_schema(f, &o, &schema, &err) ||
             fdata_parquet_read_row_groups(f, 0, nrg, &o, batches, &err);
    if (rc) {
        fprintf(stderr, "%s\n", err.message);
    } else {
        for (int rg = 0; rg < nrg; rg++) {
            for (int64_t c = 0; c < batches[rg].n_children; c++)
                *decoded += array_bytes(batches[rg].children[c], schema.children[c]);
            batches[rg].release(&batches[rg]);
        }
        schema.release(&schema);
    }
    free(batches);
    fdata_parquet_close(f);
    return rc;
}

int main(int argc, char **argv) {
    int threads = 0, repeat = 3, first = 1, bad = 0;
    const char *mode = "decode";
    while (first + 1 < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--threads") == 0)
            threads = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--mode") == 0)
            mode = argv[first + 1];
        else if (strcmp(argv[first], "--repeat") == 0)
            repeat = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--strings") == 0)
            bad |= fdata_parquet_strings_from_name(argv[first + 1], &strings) != FDATA_OK;
        else if (strcmp(argv[first], "--columns") == 0)
            split_names(argv[first + 1], columns, 64, &num_columns);
        else
            break;
        first += 2;
    }
    int nfiles = argc - first;
    if (nfiles < 1 || bad) {
        fprintf(stderr, "usage: fdata_bench_decode [--threads N] [--repeat R] "
                        "[--mode decode|decompress] [--columns a,b] [--strings plain|view|dictionary] FILE...\n"
                        "  decompress: one thread only decompresses every page (the codec's limit)\n");
        return 2;
    }
    void **data = calloc((size_t)nfiles, sizeof *data);
    size_t *sizes = calloc((size_t)nfiles, sizeof *sizes), total = 0;
    for (int i = 0; i < nfiles; i++) {
        if (!(data[i] = slurp(argv[first + i], &sizes[i]))) {
            fprintf(stderr, "cannot read %s\n", argv[first + i]);
            return 1;
        }
        total += sizes[i];
    }
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    double best = 1e30, first_run = 0;
    size_t decoded = 0;
    for (int r = 0; r < repeat; r++) {
        decoded = 0;
        double t0 = now();
        for (int i = 0; i < nfiles; i++) {
            int rc = strcmp(mode, "decompress") == 0
                         ? decompress_file(data[i], sizes[i], &decoded)
                         : decode_file(data[i], sizes[i], argv[first + i], threads, &decoded);
            if (rc) {
                fprintf(stderr, "%s: %s failed\n", argv[first + i], mode);
                return 1;
            }
        }
        double t = now() - t0;
        best = t < best ? t : best;
        first_run = r == 0 ? t : first_run;
    }
    printf("{\"seconds\": %.6f, \"first_seconds\": %.6f, \"parquet_bytes\": %zu, "
           "\"decoded_bytes\": %zu}\n", best, first_run, total, decoded);
    for (int i = 0; i < nfiles; i++)
        free(data[i]);
    free(data);
    free(sizes);
    return 0;
}
