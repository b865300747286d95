/* A Thrift compact-protocol writer for the Parquet footer and page headers: fields are
 * written in increasing id order inside structs, as the protocol's delta encoding wants. */
#ifndef FDATA_PQ_THRIFT_WRITE_H
#define FDATA_PQ_THRIFT_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include "../common/strbuf.h"

#define TW_MAX_DEPTH 16

struct tw {
    struct fdata_strbuf out;     /* oom is sticky: check once at the end */
    int16_t last[TW_MAX_DEPTH];  /* the last field id of each open struct */
    int depth;
};

/* Compact-protocol type codes. */
enum { TW_TRUE = 1, TW_FALSE = 2, TW_BYTE = 3, TW_I16 = 4, TW_I32 = 5, TW_I64 = 6,
       TW_DOUBLE = 7, TW_BINARY = 8, TW_LIST = 9, TW_STRUCT = 12 };

void tw_struct_begin(struct tw *w);          /* a nested struct, or the top one */
void tw_struct_end(struct tw *w);            /* writes the stop field */
void tw_field_byte(struct tw *w, int16_t id, int8_t v);
void tw_field_i16(struct tw *w, int16_t id, int16_t v);
void tw_field_i32(struct tw *w, int16_t id, int32_t v);
void tw_field_i64(struct tw *w, int16_t id, int64_t v);
void tw_field_bool(struct tw *w, int16_t id, int v);
void tw_field_binary(struct tw *w, int16_t id, const void *data, size_t len);
void tw_field_string(struct tw *w, int16_t id, const char *s);
void tw_field_struct(struct tw *w, int16_t id); /* then the members, then tw_struct_end */
void tw_field_list(struct tw *w, int16_t id, int elem_type, uint32_t count);
/* List elements. */
void tw_i32(struct tw *w, int32_t v);
void tw_string(struct tw *w, const char *s);
void tw_list_struct(struct tw *w);           /* a struct element; then tw_struct_end */

#endif
