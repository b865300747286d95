/* The Thrift compact protocol, written (see thrift_write.h). */
#include <string.h>
#include "thrift_write.h"

static void put_byte(struct tw *w, uint8_t b) { fdata_sb_putc(&w->out, (char)b); }

static void put_varint(struct tw *w, uint64_t v) {
    while (v >= 0x80) {
        put_byte(w, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_byte(w, (uint8_t)v);
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static void field_header(struct tw *w, int16_t id, int type) {
    int16_t delta = (int16_t)(id - w->last[w->depth]);
    if (delta > 0 && delta <= 15) {
        put_byte(w, (uint8_t)(delta << 4 | type));
    } else {
        put_byte(w, (uint8_t)type);
        put_varint(w, zigzag(id));
    }
    w->last[w->depth] = id;
}

void tw_struct_begin(struct tw *w) {
    if (w->depth + 1 < TW_MAX_DEPTH)
        w->last[++w->depth] = 0;
    else
        w->out.oom = 1; /* deeper than any Parquet structure: a bug, reported as failure */
}

void tw_struct_end(struct tw *w) {
    put_byte(w, 0);
    if (w->depth > 0)
        w->depth--;
}

void tw_field_byte(struct tw *w, int16_t id, int8_t v) {
    field_header(w, id, TW_BYTE);
    put_byte(w, (uint8_t)v);
}

void tw_field_i16(struct tw *w, int16_t id, int16_t v) {
    field_header(w, id, TW_I16);
    put_varint(w, zigzag(v));
}

void tw_field_i32(struct tw *w, int16_t id, int32_t v) {
    field_header(w, id, TW_I32);
    put_varint(w, zigzag(v));
}

void tw_field_i64(struct tw *w, int16_t id, int64_t v) {
    field_header(w, id, TW_I64);
    put_varint(w, zigzag(v));
}

void tw_field_bool(struct tw *w, int16_t id, int v) { field_header(w, id, v ? TW_TRUE : TW_FALSE); }

void tw_field_binary(struct tw *w, int16_t id, const void *data, size_t len) {
    field_header(w, id, TW_BINARY);
    put_varint(w, len);
    fdata_sb_put(&w->out, data, len);
}

void tw_field_string(struct tw *w, int16_t id, const char *s) { tw_field_binary(w, id, s, strlen(s)); }

void tw_field_struct(struct tw *w, int16_t id) {
    field_header(w, id, TW_STRUCT);
    tw_struct_begin(w);
}

void tw_field_list(struct tw *w, int16_t id, int elem_type, uint32_t count) {
    field_header(w, id, TW_LIST);
    if (count < 15) {
        put_byte(w, (uint8_t)(count << 4 | (uint32_t)elem_type));
    } else {
        put_byte(w, (uint8_t)(0xF0 | elem_type));
        put_varint(w, count);
    }
}

void tw_i32(struct tw *w, int32_t v) { put_varint(w, zigzag(v)); }

void tw_string(struct tw *w, const char *s) {
    size_t n = strlen(s);
    put_varint(w, n);
    fdata_sb_put(&w->out, s, n);
}

void tw_list_struct(struct tw *w) { tw_struct_begin(w); }
