/* The Arrow schema as Arrow's Parquet writers store it under the ARROW:schema key. */
#ifndef FDATA_PQ_ARROW_SCHEMA_H
#define FDATA_PQ_ARROW_SCHEMA_H

#include "fastdata/arrow.h"

/* The schema's children as an encapsulated Arrow IPC Schema message, base64: a malloc'ed
 * NUL-terminated string, or NULL when out of memory. */
char *pq_arrow_schema_ipc_base64(const struct ArrowSchema *schema);

#endif
