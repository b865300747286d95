/* The Parquet schema tree flattened into leaf columns, and the Arrow type each flat leaf
 * maps to. */
#ifndef FDATA_PQ_SCHEMA_H
#define FDATA_PQ_SCHEMA_H

#include "metadata.h"

/* How a leaf's values are laid out in Arrow. */
enum pq_kind {
    K_BOOL, K_INT8, K_INT16, K_INT32, K_INT64, K_UINT8, K_UINT16, K_UINT32, K_UINT64,
    K_FLOAT16, K_FLOAT, K_DOUBLE, K_DECIMAL, K_DATE32, K_TIME32, K_TIME64, K_TIMESTAMP,
    K_INT96, K_UTF8, K_BINARY, K_FIXED, K_INTERVAL,
};

struct pq_arrow_type {
    int kind;                /* enum pq_kind */
    int width;               /* bytes per value in the Arrow values buffer; 0 for utf8/binary */
    int precision, scale;    /* K_DECIMAL */
    char format[24];         /* Arrow C Data Interface format string */
    const char *extension;   /* "arrow.uuid", "arrow.json" or NULL */
    char display[40];        /* human-readable Arrow type, e.g. "timestamp[us, tz=UTC]" */
    char logical[40];        /* the Parquet logical/converted type as text, "" if none */
};

struct pq_leaf {
    const struct pq_schema_element *element;
    char *path;              /* dotted path, owned */
    int physical, type_length, repetition;
    int max_def, max_rep;
    int nested;              /* inside a group or repeated: not readable as a flat column */
    int top_field;           /* index into pq_schema.fields */
    int type_status;         /* FDATA_OK, or why the type cannot be mapped */
    char type_error[160];
    struct pq_arrow_type arrow;
};

struct pq_field {            /* a top-level field of the schema */
    const char *name;
    int first_leaf, num_leaves;
    int nested;
};

struct pq_schema {
    int num_leaves;
    struct pq_leaf *leaves;
    int num_fields;
    struct pq_field *fields;
};

/* Builds the leaf list from the flattened schema elements.  FDATA_ECORRUPT when the tree is
 * malformed (child counts that overrun the list, a leaf without a type, ...). */
int pq_schema_build(const struct pq_metadata *md, struct pq_schema *s, struct fdata_error *err);
void pq_schema_free(struct pq_schema *s);

/* Byte width of one PLAIN value of the leaf's physical type (0 for BYTE_ARRAY/BOOLEAN). */
int pq_physical_width(int physical, int type_length);

const char *pq_type_name(int physical);

#endif
