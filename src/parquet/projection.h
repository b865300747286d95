/* Which leaves and top-level fields a read covers. */
#ifndef FDATA_PQ_PROJECTION_H
#define FDATA_PQ_PROJECTION_H

#include "assemble.h"
#include "fastdata/parquet.h"
#include "metadata.h"

/* Resolves the requested columns (o NULL, or its columns NULL/0: all) against the schema,
 * and applies o's types to every leaf (p->leaves); the matrix's columns (o->matrix may be
 * NULL) are marked PQ_INTO_MATRIX and left out of the fields.  Errors name
 * `file`: FDATA_ENOCOLUMN (no such column), FDATA_EINVAL (a field named twice, a matrix
 * column that is not a top-level numeric one), the type error of a selected leaf whose
 * type cannot be mapped, FDATA_ENOMEM.  Free with pq_projection_free. */
int pq_projection_make(const struct pq_schema *s, const struct pq_metadata *md,
                       const struct fdata_parquet_read_options *o, const char *file,
                       struct pq_projection *p, struct fdata_error *err);
void pq_projection_free(struct pq_projection *p);

/* Whether list node `node` of s needs int64 offsets (large_list) in the file md describes:
 * one of its chunks holds over INT32_MAX values.  Decided from the footer, so that every
 * batch of a read has the same schema; files alike in schema differ in their projections
 * only by this. */
int pq_list_is_large(const struct pq_schema *s, const struct pq_metadata *md, int node);

#endif
