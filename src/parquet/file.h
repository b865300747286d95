/* An open file's parsed footer, schema and bytes, for the parquet layer's readers of
 * footer-level structures (statistics, bloom filters); not for the pipeline. */
#ifndef FDATA_PQ_FILE_H
#define FDATA_PQ_FILE_H

#include "fastdata/parquet.h"
#include "metadata.h"
#include "schema.h"

const struct pq_metadata *pq_file_metadata(const fdata_parquet_file *f);
const struct pq_schema *pq_file_schema(const fdata_parquet_file *f);
const uint8_t *pq_file_bytes(const fdata_parquet_file *f, size_t *size);

#endif
