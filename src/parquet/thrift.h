/* A reader for the Thrift compact protocol, the encoding of Parquet's footer and page
 * headers.  Bounds-checked: errors are sticky (r->error is set, the cursor jumps to the
 * end, and every later read returns 0), so callers check once after parsing a struct.
 * Nesting depth is capped so hostile input cannot exhaust the stack. */
#ifndef FDATA_THRIFT_H
#define FDATA_THRIFT_H

#include <stddef.h>
#include <stdint.h>

enum tc_type {
    TC_STOP = 0, TC_TRUE = 1, TC_FALSE = 2, TC_BYTE = 3, TC_I16 = 4, TC_I32 = 5,
    TC_I64 = 6, TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9, TC_SET = 10, TC_MAP = 11,
    TC_STRUCT = 12,
};

#define TC_MAX_DEPTH 64

struct tc_reader {
    const uint8_t *p;
    const uint8_t *end;
    int depth;
    const char *error; /* NULL while all is well, else why the bytes are invalid */
};

void tc_init(struct tc_reader *r, const uint8_t *data, size_t size);
void tc_fail(struct tc_reader *r, const char *why);

/* Struct framing: tc_struct_begin before the first field, tc_struct_end after STOP. */
void tc_struct_begin(struct tc_reader *r);
void tc_struct_end(struct tc_reader *r);
/* Reads the next field header; returns 0 at STOP (or on error), else 1 with *type, *id. */
int tc_next_field(struct tc_reader *r, int16_t *last_id, int *type, int16_t *id);

int32_t tc_i32(struct tc_reader *r, int type);
int64_t tc_i64(struct tc_reader *r, int type);
int tc_bool(struct tc_reader *r, int type);
/* Binary/string: *data points into the input, valid as long as it. */
void tc_binary(struct tc_reader *r, int type, const uint8_t **data, uint32_t *len);
/* List header: checks `type` is a list/set, returns the element count (each element takes
 * at least one byte, so count <= bytes left) and the element type. */
uint32_t tc_list_begin(struct tc_reader *r, int type, int *elem_type);
/* A list element of type elem_type for which tc_i32 etc. are called with TC_I32 ... */
void tc_skip(struct tc_reader *r, int type);

#endif
