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

/* The deepest schema tree read.  Impala writes up to 100 levels (its limit, as DuckDB's) and
 * levels are stored in a byte; recursion over the tree stays far within a thread's stack. */
#define PQ_MAX_DEPTH 128

struct pq_arrow_type {
    int kind;                /* enum pq_kind */
    int width;               /* bytes per value in the Arrow values buffer; 0 for utf8/binary */
    int precision, scale;    /* K_DECIMAL */
    char format[24];         /* Arrow C Data Interface format string */
    const char *extension;   /* "arrow.uuid", "arrow.json" or NULL */
    char display[40];        /* human-readable Arrow type, e.g. "timestamp[us, tz=UTC]" */
    char logical[40];        /* the Parquet logical/converted type as text, "" if none */
    int64_t ns_per_unit;     /* K_INT96: nanoseconds per unit of the Arrow timestamp */
    int replace_invalid;     /* K_UTF8: invalid UTF-8 becomes U+FFFD instead of an error */
    int strings;             /* enum fdata_strings: the layout of a flat string column */
};

/* Applies a read's options (enum fdata_int96_unit, enum fdata_invalid_utf8) to a leaf's
 * type: the INT96 timestamp unit; STRING read as binary or with invalid UTF-8 replaced. */
void pq_arrow_type_apply(struct pq_arrow_type *t, int int96_unit, int invalid_utf8);
/* Applies the read's enum fdata_strings to a flat string leaf's type (after
 * pq_arrow_type_apply, so that a STRING read as binary becomes binary_view). */
void pq_arrow_type_strings(struct pq_arrow_type *t, int strings);

/* A node of the Arrow-shaped schema tree.  Levels follow the Dremel encoding: an entry of
 * a leaf's level stream is a slot of node N when rep <= N.enc_rep and def >= N.enc_def (the
 * element criterion of N's nearest enclosing list, or "rep == 0" at the top), and N is
 * non-null there when def >= N.def. */
enum pq_node_kind { N_LEAF, N_STRUCT, N_LIST, N_MAP };

struct pq_node {
    int kind;
    const char *name;           /* the Arrow field name */
    int nullable;               /* the Arrow nullable flag */
    int def;                    /* definition level at which this node is non-null */
    int enc_def, enc_rep;       /* slot criterion, see above */
    int elem_def, elem_rep;     /* LIST, MAP: an element exists at def >= elem_def; elements
                                   start where rep <= elem_rep */
    int num_children;           /* LIST: 1; MAP: key and, when present, value; STRUCT: fields */
    struct pq_node **children;
    int leaf;                   /* N_LEAF: index into pq_schema.leaves */
    int first_leaf, last_leaf;  /* leaves below, [first, last] */
};

struct pq_leaf {
    const struct pq_schema_element *element;
    const struct pq_node *node;
    char *path;              /* dotted Parquet path (path_in_schema), in pq_schema.arena */
    int physical, type_length, repetition;
    int max_def, max_rep;
    int nested;              /* below a group or a repeated field */
    int row_aligned;         /* no leaf of its top-level field is repeated (no list or map in
                                it): every leaf of the field has one level entry a row */
    int type_status;         /* FDATA_OK, or why the type cannot be mapped */
    const char *type_error;  /* then the reason (in pq_schema.arena), else NULL */
    struct pq_arrow_type arrow;
};

struct pq_schema {
    int num_leaves;
    struct pq_leaf *leaves;
    int num_fields;          /* top-level fields */
    struct pq_node **fields;
    int num_nodes;
    struct pq_node *nodes;   /* storage for every node */
    struct pq_arena *arena;  /* the paths: one allocation for a schema's hundreds of leaves */
};

/* Builds the node tree and leaf list from the flattened schema elements, applying the
 * LIST/MAP rules of LogicalTypes.md with their backward-compatibility cases (2-level lists,
 * "array"/"_tuple" element groups, bare repeated fields, MAP_KEY_VALUE).  FDATA_ECORRUPT when
 * the tree is malformed (child counts that overrun the list, a leaf without a type, a MAP
 * without its repeated key_value group, ...). */
int pq_schema_build(const struct pq_metadata *md, struct pq_schema *s, struct fdata_error *err);
void pq_schema_free(struct pq_schema *s);

/* The schema of a footer parsed by pq_metadata_parse_without_schema (md->schema_bytes), shared
 * with every open file whose footer states it in the same bytes: found, or parsed and built
 * (errors as pq_schema_elements_parse and pq_schema_build).  *out is a reference, immutable,
 * valid until pq_schema_put; it does not point into md.  Thread-safe. */
int pq_schema_get(const struct pq_metadata *md, struct pq_schema **out, struct fdata_error *err);
/* Lets go of a reference (NULL: nothing); the last one frees the schema.  Thread-safe. */
void pq_schema_put(struct pq_schema *s);

/* Byte width of one PLAIN value of the leaf's physical type (0 for BYTE_ARRAY/BOOLEAN). */
int pq_physical_width(int physical, int type_length);

const char *pq_type_name(int physical);

#endif
