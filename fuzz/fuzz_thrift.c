/* libFuzzer target: any bytes as Thrift compact protocol, the encoding of Parquet's footer
 * and page headers: skipped as a generic struct (every type, nesting, the depth cap), parsed
 * as FileMetaData (and its schema tree built) and as a PageHeader, without the Parquet file
 * around them that fuzz_reader needs. */
#include <stdint.h>
#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "parquet/thrift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct tc_reader r;
    tc_init(&r, data, size);
    tc_skip(&r, TC_STRUCT);
    struct fdata_error err;
    struct pq_metadata md;
    if (pq_metadata_parse(data, size, &md, &err) == FDATA_OK) {
        struct pq_schema s;
        if (pq_schema_build(&md, &s, &err) == FDATA_OK)
            pq_schema_free(&s);
        pq_metadata_free(&md);
    }
    struct pq_page_header ph;
    size_t len;
    for (size_t at = 0; at < size && pq_page_header_parse(data + at, size - at, &ph, &len, &err) == FDATA_OK;)
        at += len ? len : size; /* a run of page headers, as in a column chunk */
    return 0;
}
