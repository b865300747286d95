/* Record assembly: the lists, maps and structs of a nested field built from the levels of
 * its decoded leaves, and the Arrow schema of a (projected) field. */
#ifndef FDATA_PQ_ASSEMBLE_H
#define FDATA_PQ_ASSEMBLE_H

#include "column.h"
#include "schema.h"

/* One decoded column chunk of a row group. */
struct pq_leaf_result {
    struct ArrowArray array;   /* one value per slot of the leaf */
    struct pq_levels levels;   /* every level entry (nested leaves only) */
};

/* What a read projects: which leaves, and the top-level fields to output in order. */
enum { PQ_INTO_BATCH = 1, PQ_INTO_MATRIX = 2 };

struct pq_projection {
    uint8_t *selected;         /* per leaf: PQ_INTO_BATCH, PQ_INTO_MATRIX or 0 */
    int *matrix_col;           /* per leaf: its column of the read's matrix, or -1 */
    int num_fields;
    int *fields;               /* indices into pq_schema.fields */
    uint8_t *has_field;        /* per field of pq_schema.fields: in `fields` */
    uint8_t *large;            /* per node: list offsets are int64 ("+L") */
    struct pq_leaf *leaves;    /* per leaf: the schema's, with the read's types applied
                                  (pq_arrow_type_apply); what the read decodes and exports */
};

/* Builds the Arrow array of one top-level field of a row group of `num_rows` rows, moving
 * the leaf arrays out of `leaves` (indexed by leaf).  FDATA_ECORRUPT when the leaves'
 * levels disagree with each other. */
int pq_assemble_field(const struct pq_schema *s, const struct pq_projection *p,
                      const struct pq_node *field, struct pq_leaf_result *leaves,
                      int64_t num_rows, struct ArrowArray *out, struct fdata_error *err);

/* The Arrow schema of a top-level field, pruned to the selected leaves. */
int pq_field_schema(const struct pq_schema *s, const struct pq_projection *p,
                    const struct pq_node *field, struct ArrowSchema *out);

/* True when some leaf below `node` is selected. */
int pq_node_selected(const struct pq_projection *p, const struct pq_node *node);

#endif
