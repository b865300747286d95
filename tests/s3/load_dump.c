/* The load pipeline as a test sees it: load_dump [--columns a,b] [--memory-limit BYTES]
 * [--retries N] [--stream] [--partitioning hive|none] [--partition-types k:type,...]
 * [--schema union|first] [--filter EXPR] [--strings plain|view|dictionary] SOURCE... loads the sources with fdata_load (S3
 * settings from the environment) and prints every row as JSONL on stdout, then on stderr
 * (with a filter) the files and row groups it pruned, then the report's files, rows and
 * bytes; on failure, the error on stderr and status 1.  With --stream it takes the batches
 * from fdata_load_stream, releasing each at once, and prints no rows but the peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/load.h"
#include "common/common.h"
#include "memory/memory.h"
#include "test_util.h"

int main(int argc, char **argv) {
    struct fdata_s3_options s3 = {0};
    struct fdata_load_options o = {.s3 = &s3};
    const char *cols[64];
    int first = 1, stream = 0;
    while (first + 1 < argc && strncmp(argv[first], "--", 2) == 0) {
        if (strcmp(argv[first], "--columns") == 0) {
            for (char *t = strtok(argv[first + 1], ","); t && o.num_columns < 64; t = strtok(NULL, ","))
                cols[o.num_columns++] = t;
            o.columns = cols;
        } else if (strcmp(argv[first], "--stream") == 0) {
            stream = 1;
            first--; /* no value */
        } else if (strcmp(argv[first], "--retries") == 0) {
            s3.retries = atoi(argv[first + 1]) ? atoi(argv[first + 1]) : -1;
        } else if (strcmp(argv[first], "--partitioning") == 0) {
            o.partitioning = strcmp(argv[first + 1], "none") == 0 ? FDATA_PARTITIONING_NONE
                                                                   : FDATA_PARTITIONING_HIVE;
        } else if (strcmp(argv[first], "--filter") == 0) {
            fdata_filter_free((fdata_filter *)o.filter);
            struct fdata_error ferr = {0};
            if (fdata_filter_parse(argv[first + 1], (fdata_filter **)&o.filter, &ferr) != FDATA_OK) {
                fprintf(stderr, "%s\n", ferr.message);
                return 1;
            }
        } else if (strcmp(argv[first], "--schema") == 0) {
            o.schema = strcmp(argv[first + 1], "first") == 0 ? FDATA_SCHEMA_FIRST : FDATA_SCHEMA_UNION;
        } else if (strcmp(argv[first], "--partition-types") == 0) {
            o.partition_types = argv[first + 1];
        } else if (strcmp(argv[first], "--strings") == 0) {
            if (fdata_parquet_strings_from_name(argv[first + 1], &o.strings) != FDATA_OK)
                return 1;
        } else if (strcmp(argv[first], "--memory-limit") == 0) {
            o.memory_limit = strtoull(argv[first + 1], NULL, 10);
        }
        first += 2;
    }
    struct ArrowArrayStream table;
    struct fdata_load_report r;
    struct fdata_error err = {0};
    int (*load)(const char *const *, size_t, const struct fdata_load_options *,
                struct ArrowArrayStream *, struct fdata_load_report *, struct fdata_error *) =
        stream ? fdata_load_stream : fdata_load;
    int status = load((const char *const *)argv + first, (size_t)(argc - first), &o, &table, &r, &err);
    fdata_filter_free((fdata_filter *)o.filter);
    if (status != FDATA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    if (stream) {
        struct ArrowArray b;
        int rc;
        while ((rc = table.get_next(&table, &b)) == 0 && b.release)
            b.release(&b);
        if (rc != 0)
            fprintf(stderr, "%s\n", table.get_last_error(&table));
        table.release(&table);
        fprintf(stderr, "peak_rss %ld decoded %llu held %llu ", fdata_peak_rss_bytes(),
                (unsigned long long)r.bytes_decoded, (unsigned long long)r.peak_bytes_held);
        if (rc != 0)
            return 1;
    } else {
        write_stream_jsonl(&table, stdout);
    }
    if (o.filter) /* a line of its own: tests read the last one's numbers by position */
        fprintf(stderr, "pruned %zu skipped %llu row_groups %lld pages %lld\n", r.files_pruned,
                (unsigned long long)r.bytes_skipped, (long long)r.row_groups_pruned,
                (long long)r.pages_pruned);
    fprintf(stderr, "files %zu rows %lld fetched %llu\n", r.files, (long long)r.rows,
            (unsigned long long)r.bytes_fetched);
    return 0;
}
