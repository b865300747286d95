/* A finished table as an ArrowArrayStream: a schema and record batches already in memory,
 * handed out in order. */
#ifndef FDATA_ARROW_TABLE_STREAM_H
#define FDATA_ARROW_TABLE_STREAM_H

#include <stddef.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"

/* Moves `schema` and batches[0..n) (their release set to NULL) into a new stream *out.  On
 * failure (FDATA_ENOMEM) they are released and out->release is NULL. */
int fdata_table_stream_make(struct ArrowSchema *schema, struct ArrowArray *batches, size_t n,
                      struct ArrowArrayStream *out, struct fdata_error *err);

#endif
