/* Parquet footer (FileMetaData) and page headers, parsed from Thrift into plain structs.
 * Field numbers follow parquet.thrift.  Only what the reader uses is kept; the rest is
 * skipped.  Every allocation comes from one arena freed with pq_metadata_free. */
#ifndef FDATA_PQ_METADATA_H
#define FDATA_PQ_METADATA_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"

enum pq_type { PQ_BOOLEAN = 0, PQ_INT32, PQ_INT64, PQ_INT96, PQ_FLOAT, PQ_DOUBLE,
               PQ_BYTE_ARRAY, PQ_FIXED_LEN_BYTE_ARRAY };
enum pq_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum pq_encoding { PQ_PLAIN = 0, PQ_PLAIN_DICTIONARY = 2, PQ_RLE = 3, PQ_BIT_PACKED = 4,
                   PQ_DELTA_BINARY_PACKED = 5, PQ_DELTA_LENGTH_BYTE_ARRAY = 6,
                   PQ_DELTA_BYTE_ARRAY = 7, PQ_RLE_DICTIONARY = 8, PQ_BYTE_STREAM_SPLIT = 9 };
enum pq_codec { PQ_UNCOMPRESSED = 0, PQ_SNAPPY, PQ_GZIP, PQ_LZO, PQ_BROTLI, PQ_LZ4,
                PQ_ZSTD, PQ_LZ4_RAW };
enum pq_page_type { PQ_DATA_PAGE = 0, PQ_INDEX_PAGE = 1, PQ_DICTIONARY_PAGE = 2,
                    PQ_DATA_PAGE_V2 = 3 };
enum pq_converted { PQ_CT_NONE = -1, PQ_CT_UTF8 = 0, PQ_CT_MAP, PQ_CT_MAP_KEY_VALUE,
                    PQ_CT_LIST, PQ_CT_ENUM, PQ_CT_DECIMAL, PQ_CT_DATE, PQ_CT_TIME_MILLIS,
                    PQ_CT_TIME_MICROS, PQ_CT_TIMESTAMP_MILLIS, PQ_CT_TIMESTAMP_MICROS,
                    PQ_CT_UINT_8, PQ_CT_UINT_16, PQ_CT_UINT_32, PQ_CT_UINT_64, PQ_CT_INT_8,
                    PQ_CT_INT_16, PQ_CT_INT_32, PQ_CT_INT_64, PQ_CT_JSON, PQ_CT_BSON,
                    PQ_CT_INTERVAL };
/* LogicalType union members, numbered by their thrift field id. */
enum pq_logical { PQ_LT_NONE = 0, PQ_LT_STRING = 1, PQ_LT_MAP = 2, PQ_LT_LIST = 3,
                  PQ_LT_ENUM = 4, PQ_LT_DECIMAL = 5, PQ_LT_DATE = 6, PQ_LT_TIME = 7,
                  PQ_LT_TIMESTAMP = 8, PQ_LT_INTEGER = 10, PQ_LT_UNKNOWN = 11,
                  PQ_LT_JSON = 12, PQ_LT_BSON = 13, PQ_LT_UUID = 14, PQ_LT_FLOAT16 = 15,
                  PQ_LT_OTHER = 100 /* a member this reader does not know */ };
enum pq_time_unit { PQ_MILLIS = 1, PQ_MICROS = 2, PQ_NANOS = 3 };

struct pq_logical_type {
    int kind;        /* enum pq_logical */
    int scale, precision;       /* DECIMAL */
    int adjusted_to_utc, unit;  /* TIME, TIMESTAMP */
    int bit_width, is_signed;   /* INTEGER */
};

struct pq_schema_element {
    int type;        /* enum pq_type, -1 for groups */
    int type_length;
    int repetition;  /* enum pq_repetition, -1 when absent (the root) */
    const char *name;
    int num_children;
    int converted;   /* enum pq_converted */
    int scale, precision;
    struct pq_logical_type logical;
};

/* A column chunk's Statistics as the footer states them (claims: lengths are within the
 * footer, nothing else is checked here).  Byte strings point into the footer's bytes (the
 * open file's); NULL when absent or not of the wire type the spec gives. */
struct pq_statistics {
    const uint8_t *min_value, *max_value; /* fields 6, 5: in the column order's sort order */
    const uint8_t *min, *max;             /* fields 2, 1: deprecated, signed comparison */
    uint32_t min_value_len, max_value_len, min_len, max_len;
    int64_t null_count;                   /* -1 when absent */
};

struct pq_column_meta {
    int type;
    uint32_t encodings; /* bit mask of enum pq_encoding */
    int codec;
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /* -1 when absent */
    struct pq_statistics stats;
    int64_t bloom_filter_offset;    /* -1 when absent */
    int64_t bloom_filter_length;    /* -1 when absent */
};

struct pq_column_chunk {
    int has_meta;
    int encrypted;
    int external;  /* file_path set: the chunk lives in another file */
    struct pq_column_meta meta;
    /* Where the chunk's page index lies (PageIndex.md), lengths 0 when absent: claims that
     * page_index.c checks before any use. */
    int64_t offset_index_offset, column_index_offset;
    int32_t offset_index_length, column_index_length;
};

struct pq_row_group {
    int64_t num_rows;
    int num_columns;
    struct pq_column_chunk *columns;
};

struct pq_metadata {
    int num_schema;
    struct pq_schema_element *schema;
    int64_t num_rows;
    int num_row_groups;
    struct pq_row_group *row_groups;
    const char *created_by;
    int num_column_orders;          /* 0 when the footer has none */
    uint8_t *column_orders;         /* [num_column_orders], by leaf: 1 where its statistics
                                       follow the sort order of its type (TYPE_ORDER), 0 for
                                       an order this reader does not know */
    /* FileMetaData field 2 (the schema's elements) as the footer holds it: the bytes of its
     * value (within the parsed bytes) and its wire type, what pq_schema_elements_parse takes.
     * Files written by one job state their schema in the same bytes: the open files share one
     * parsed schema (pq_schema_get). */
    const uint8_t *schema_bytes;
    size_t schema_len;
    int schema_wire_type;
    size_t schema_at, footer_len;   /* where those bytes lie in the FileMetaData, and its size
                                       (for an error's position) */
    struct pq_arena *arena;
};

/* A bump allocator: allocations (16-byte aligned, not zeroed; NULL when out of memory) are
 * freed together, the footer's and a schema's many small ones. */
struct pq_arena;
void *pq_arena_alloc(struct pq_arena **head, size_t size);
void pq_arena_free(struct pq_arena **head);

/* Parses FileMetaData from `size` bytes.  On success fills *md (free with
 * pq_metadata_free).  FDATA_ECORRUPT with the reason on malformed input. */
int pq_metadata_parse(const uint8_t *data, size_t size, struct pq_metadata *md,
                      struct fdata_error *err);
/* As pq_metadata_parse, but the schema's elements are only checked to be well-formed thrift
 * and located (schema_bytes): md->schema NULL, num_schema 0. */
int pq_metadata_parse_without_schema(const uint8_t *data, size_t size, struct pq_metadata *md,
                                     struct fdata_error *err);
/* Copies into md's arena what md still points to in the bytes it was parsed from (the
 * statistics' values; schema_bytes is cleared), so that those bytes may go.  FDATA_ENOMEM
 * when out of memory: md then still needs its bytes (the values copied so far are valid
 * either way). */
int pq_metadata_own_bytes(struct pq_metadata *md);
/* The schema's elements alone, from the bytes and wire type a parse located (`at` bytes into
 * a FileMetaData of footer_len): md->schema and num_schema set, nothing else (free with
 * pq_metadata_free).  Errors as pq_metadata_parse, at their place in the FileMetaData. */
int pq_schema_elements_parse(const uint8_t *bytes, size_t len, int wire_type, size_t at,
                             size_t footer_len, struct pq_metadata *md, struct fdata_error *err);
void pq_metadata_free(struct pq_metadata *md);

struct pq_page_header {
    int type;
    int32_t uncompressed_size;
    int32_t compressed_size;
    int32_t num_values;
    int encoding;
    int def_level_encoding;     /* v1 */
    int rep_level_encoding;     /* v1 */
    int32_t num_nulls;          /* v2 */
    int32_t num_rows;           /* v2 */
    int32_t def_levels_length;  /* v2 */
    int32_t rep_levels_length;  /* v2 */
    int is_compressed;          /* v2, default 1 */
    int has_data_header;        /* the header for `type` was present */
};

/* Parses a PageHeader at data[0..size); *header_len gets its encoded length.
 * FDATA_ECORRUPT with the reason on malformed input. */
int pq_page_header_parse(const uint8_t *data, size_t size, struct pq_page_header *ph,
                         size_t *header_len, struct fdata_error *err);

#endif
