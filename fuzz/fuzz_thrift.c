/* libFuzzer target: any bytes as Thrift compact protocol, the encoding of Parquet's footer
 * and page headers: skipped as a generic struct (every type, nesting, the depth cap), parsed
 * as FileMetaData (and its schema tree built) and as a PageHeader, without the Parquet file
 * around them that fuzz_reader needs.  FileMetaData also the way the reader parses it: the
 * schema apart and shared (schema_share.c), got twice (the second finds the first), failing
 * where the whole parse fails and else building the same schema. */
#include <stdint.h>
#include <stddef.h>
#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "parquet/thrift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct tc_reader r;
    tc_init(&r, data, size);
    tc_skip(&r, TC_STRUCT);
    struct fdata_error err;
    struct pq_metadata md;
    int leaves = -1;
    if (pq_metadata_parse(data, size, &md, &err) == FDATA_OK) {
        struct pq_schema s;
        if (pq_schema_build(&md, &s, &err) == FDATA_OK) {
            leaves = s.num_leaves;
            pq_schema_free(&s);
        }
        pq_metadata_free(&md);
    }
    int split_leaves = -1;
    if (pq_metadata_parse_without_schema(data, size, &md, &err) == FDATA_OK) {
        struct pq_schema *a = NULL, *b = NULL;
        if (pq_schema_get(&md, &a, &err) == FDATA_OK) {
            if (pq_schema_get(&md, &b, &err) != FDATA_OK || a != b)
                __builtin_trap(); /* found again */
            split_leaves = a->num_leaves;
            pq_schema_put(b);
        }
        pq_schema_put(a);
        pq_metadata_free(&md);
    }
    if (split_leaves != leaves)
        __builtin_trap(); /* fails where the whole parse fails, else builds what it built */
    struct pq_page_header ph;
    size_t len;
    for (size_t at = 0; at < size && pq_page_header_parse(data + at, size - at, &ph, &len, &err) == FDATA_OK;)
        at += len ? len : size; /* a run of page headers, as in a column chunk */
    return 0;
}
