/* How the writer maps an Arrow field to a Parquet column: physical type, logical and
 * converted types, the conversion of values, and their sort order for statistics. */
#ifndef FDATA_PQ_WRITE_SCHEMA_H
#define FDATA_PQ_WRITE_SCHEMA_H

#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"
#include "thrift_write.h"

/* How Arrow values become physical ones. */
enum wconv {
    WC_COPY,          /* same bytes (int32, int64, float, double, fixed-size binary) */
    WC_BOOL,          /* Arrow bits */
    WC_I8, WC_U8, WC_I16, WC_U16, /* widened to int32 */
    WC_MUL1000_32,    /* time32[s] -> millis */
    WC_MUL1000_64,    /* timestamp[s] -> millis */
    WC_DEC32, WC_DEC64, WC_DECFLBA, /* decimal128 -> int32 / int64 / big-endian bytes */
    WC_STR32, WC_STR64, /* (large) utf8/binary */
};

/* Sort orders for min/max. */
enum wsort { WS_NONE, WS_BOOL, WS_I32, WS_I64, WS_U32, WS_U64, WS_FLOAT, WS_DOUBLE, WS_BYTES,
             WS_SIGNED_BYTES };

#define WMAX_DEPTH 16

struct wcolumn {
    const char *name;            /* the Arrow field's (owned by the writer's schema copy) */
    int physical;                /* parquet.thrift Type */
    int type_length;             /* FIXED_LEN_BYTE_ARRAY width */
    int width;                   /* bytes per physical value; 0 for BYTE_ARRAY, booleans */
    int optional;
    int conv, sort;
    int converted;               /* ConvertedType, -1 none */
    int scale, precision;
    int logical;                 /* LogicalType union field, 0 none */
    int time_unit;               /* 1 MILLIS, 2 MICROS, 3 NANOS */
    int utc, int_bits, int_signed;
    int src_width;               /* bytes per Arrow value (fixed-width sources) */
    /* Where the leaf sits: column `top` of a batch, then `depth` steps down (0: flat).
     * Node k of the path (0: the top-level field) is a struct, list, large list or map
     * (kind 's', 'l', 'L', 'm') whose child `child[k]` leads on; nullable[k] says whether
     * it is OPTIONAL.  A map's step goes to its entries struct, whose step picks key or value. */
    int top, depth;
    char kind[WMAX_DEPTH];
    int child[WMAX_DEPTH];
    int nullable[WMAX_DEPTH + 1];
    int max_def, max_rep;
    int encoding;                /* asked for, or -1: dictionary when it pays, else PLAIN */
    const char *path[2 * WMAX_DEPTH + 1]; /* the Parquet column path */
    int path_len;
};

/* The leaf columns of record-batch schema `schema` ("+s"), depth first: *out (free()) gets
 * *count leaves.  FDATA_EUNSUPPORTED naming a field that cannot be written. */
int pq_wcolumns_from_schema(const struct ArrowSchema *schema, struct wcolumn **out, int *count,
                            struct fdata_error *err);
/* The SchemaElements of the tree under a top-level field, as list elements (groups with
 * LIST / MAP annotations in the three-level layouts the spec recommends); *elements is
 * increased by their count. */
void pq_write_schema_tree(struct tw *w, const struct ArrowSchema *field, int *elements);
/* How many SchemaElements pq_write_schema_tree writes for a field. */
int pq_schema_tree_size(const struct ArrowSchema *field);

#endif
