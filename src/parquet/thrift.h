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

/* The hot readers below are inline: a footer or page header is mostly one-byte field headers
 * and small varints, where a call per field cost more than the field.  Their slow paths
 * (longer varints, errors) stay out of line in thrift.c. */
uint64_t tc_varint_slow(struct tc_reader *r);

/* One or two bytes inline: field ids, types, and sizes, counts and offsets below 16384. */
static inline uint64_t tc_varint(struct tc_reader *r) {
    const uint8_t *p = r->p;
    if (r->end - p >= 2) {
        if (!(p[0] & 0x80)) {
            r->p = p + 1;
            return p[0];
        }
        if (!(p[1] & 0x80)) {
            r->p = p + 2;
            return (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        }
    }
    return tc_varint_slow(r);
}

static inline int64_t tc_zigzag(struct tc_reader *r) {
    uint64_t u = tc_varint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Struct framing: tc_struct_begin before the first field, tc_struct_end after STOP. */
static inline void tc_struct_begin(struct tc_reader *r) {
    if (++r->depth > TC_MAX_DEPTH)
        tc_fail(r, "structures nested too deeply");
}

static inline void tc_struct_end(struct tc_reader *r) { r->depth--; }

/* Reads the next field header; returns 0 at STOP (or on error), else 1 with *type, *id. */
static inline int tc_next_field(struct tc_reader *r, int16_t *last_id, int *type, int16_t *id) {
    if (r->p >= r->end) {
        tc_fail(r, "truncated structure");
        return 0;
    }
    uint8_t b = *r->p++;
    *type = b & 0x0f;
    if (*type == TC_STOP)
        return 0;
    int delta = b >> 4;
    int64_t fid = delta ? *last_id + delta : tc_zigzag(r);
    if (fid < INT16_MIN || fid > INT16_MAX) {
        tc_fail(r, "field id out of range");
        return 0;
    }
    *id = *last_id = (int16_t)fid;
    return !r->error;
}

int64_t tc_i64_slow(struct tc_reader *r, int type);

static inline int64_t tc_i64(struct tc_reader *r, int type) {
    if (type == TC_I16 || type == TC_I32 || type == TC_I64)
        return tc_zigzag(r);
    return tc_i64_slow(r, type); /* a byte, or not an integer */
}

static inline int32_t tc_i32(struct tc_reader *r, int type) {
    int64_t v = tc_i64(r, type);
    if (v < INT32_MIN || v > INT32_MAX) {
        tc_fail(r, "32-bit integer out of range");
        return 0;
    }
    return (int32_t)v;
}

int tc_bool(struct tc_reader *r, int type);
/* Binary/string: *data points into the input, valid as long as it. */
void tc_binary(struct tc_reader *r, int type, const uint8_t **data, uint32_t *len);
/* List header: checks `type` is a list/set, returns the element count (each element takes
 * at least one byte, so count <= bytes left) and the element type. */
uint32_t tc_list_begin(struct tc_reader *r, int type, int *elem_type);
void tc_skip_slow(struct tc_reader *r, int type);

/* Skips a field (or a list element that is not a boolean) of the given type, checking it as
 * the readers would: integers and booleans inline, the rest in tc_skip_slow. */
static inline void tc_skip(struct tc_reader *r, int type) {
    if (type == TC_I16 || type == TC_I32 || type == TC_I64)
        (void)tc_varint(r);
    else if (type != TC_TRUE && type != TC_FALSE)
        tc_skip_slow(r, type);
}

#endif
