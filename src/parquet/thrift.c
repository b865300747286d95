/* Thrift compact protocol reader; see thrift.h and the Thrift compact protocol spec. */
#include "thrift.h"

void tc_init(struct tc_reader *r, const uint8_t *data, size_t size) {
    r->p = data;
    r->end = data + size;
    r->depth = 0;
    r->error = NULL;
}

void tc_fail(struct tc_reader *r, const char *why) {
    if (!r->error)
        r->error = why;
    r->p = r->end;
}

uint64_t tc_varint_slow(struct tc_reader *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) {
            tc_fail(r, "truncated varint");
            return 0;
        }
        uint8_t b = *r->p++;
        if (shift == 63 && (b & 0x7e)) {
            tc_fail(r, "varint longer than 64 bits");
            return 0;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    tc_fail(r, "varint longer than 10 bytes");
    return 0;
}

int64_t tc_i64_slow(struct tc_reader *r, int type) {
    if (type != TC_BYTE) {
        tc_fail(r, "expected an integer field");
        return 0;
    }
    if (r->p >= r->end) {
        tc_fail(r, "truncated byte");
        return 0;
    }
    return (int8_t)*r->p++;
}

int tc_bool(struct tc_reader *r, int type) {
    if (type == TC_TRUE)
        return 1;
    if (type == TC_FALSE)
        return 0;
    tc_fail(r, "expected a boolean field");
    return 0;
}

void tc_binary(struct tc_reader *r, int type, const uint8_t **data, uint32_t *len) {
    *data = r->p;
    *len = 0;
    if (type != TC_BINARY) {
        tc_fail(r, "expected a binary field");
        return;
    }
    uint64_t n = tc_varint(r);
    if (n > (uint64_t)(r->end - r->p)) {
        tc_fail(r, "binary length beyond the end of the input");
        return;
    }
    *data = r->p;
    *len = (uint32_t)n;
    r->p += n;
}

uint32_t tc_list_begin(struct tc_reader *r, int type, int *elem_type) {
    *elem_type = TC_STOP;
    if (type != TC_LIST && type != TC_SET) {
        tc_fail(r, "expected a list field");
        return 0;
    }
    if (r->p >= r->end) {
        tc_fail(r, "truncated list header");
        return 0;
    }
    uint8_t b = *r->p++;
    uint64_t n = b >> 4;
    if (n == 15)
        n = tc_varint(r);
    *elem_type = b & 0x0f;
    if (n > (uint64_t)(r->end - r->p)) {
        tc_fail(r, "list longer than the bytes left");
        return 0;
    }
    return (uint32_t)n;
}

static void tc_skip_bytes(struct tc_reader *r, size_t n) {
    if (n > (size_t)(r->end - r->p))
        tc_fail(r, "truncated value");
    else
        r->p += n;
}

/* In lists, booleans take one byte each, unlike fields.  Integers (the histograms and
 * encodings of a footer's column chunks) are skipped in a loop of their own, not a call
 * each. */
static void tc_skip_elements(struct tc_reader *r, int elem_type, uint64_t n) {
    if (elem_type == TC_TRUE || elem_type == TC_FALSE || elem_type == TC_BYTE) {
        tc_skip_bytes(r, n);
    } else if (elem_type == TC_I16 || elem_type == TC_I32 || elem_type == TC_I64) {
        for (uint64_t i = 0; i < n && !r->error; i++)
            tc_varint(r);
    } else if (elem_type == TC_BINARY) { /* a column chunk's path_in_schema */
        for (uint64_t i = 0; i < n && !r->error; i++)
            tc_skip_bytes(r, tc_varint(r));
    } else {
        for (uint64_t i = 0; i < n && !r->error; i++)
            tc_skip(r, elem_type);
    }
}

void tc_skip_slow(struct tc_reader *r, int type) {
    const uint8_t *data;
    uint32_t len;
    int elem;
    switch (type) {
    case TC_TRUE:
    case TC_FALSE:
        return;
    case TC_BYTE:
        tc_skip_bytes(r, 1);
        return;
    case TC_I16:
    case TC_I32:
    case TC_I64:
        tc_varint(r);
        return;
    case TC_DOUBLE:
        tc_skip_bytes(r, 8);
        return;
    case TC_BINARY:
        tc_binary(r, type, &data, &len);
        return;
    case TC_LIST:
    case TC_SET: {
        uint32_t n = tc_list_begin(r, type, &elem);
        tc_struct_begin(r);
        tc_skip_elements(r, elem, n);
        tc_struct_end(r);
        return;
    }
    case TC_MAP: {
        uint64_t n = tc_varint(r);
        if (n == 0)
            return;
        if (r->p >= r->end || n > (uint64_t)(r->end - r->p)) {
            tc_fail(r, "map longer than the bytes left");
            return;
        }
        uint8_t kv = *r->p++;
        tc_struct_begin(r);
        for (uint64_t i = 0; i < n && !r->error; i++) {
            tc_skip_elements(r, kv >> 4, 1);
            tc_skip_elements(r, kv & 0x0f, 1);
        }
        tc_struct_end(r);
        return;
    }
    case TC_STRUCT: {
        int16_t last = 0, id;
        int ftype;
        tc_struct_begin(r);
        while (tc_next_field(r, &last, &ftype, &id))
            tc_skip(r, ftype);
        tc_struct_end(r);
        return;
    }
    default:
        tc_fail(r, "unknown thrift type");
    }
}
