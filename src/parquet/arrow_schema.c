/* The ARROW:schema value of the footer's key-value metadata: the Arrow schema as an IPC
 * Schema message (a flatbuffer, after the 0xFFFFFFFF continuation marker and its length),
 * base64 encoded, as Arrow's Parquet writers store it, so that Arrow readers restore the
 * exact types (units, large offsets, extension types) that Parquet's logical types lose.
 * The flatbuffer is built front to back: a table's vtable just before it, the objects it
 * points to after it (flatbuffer offsets point forward), each offset patched once its
 * target is written.  Spec: Arrow format/Schema.fbs, Message.fbs. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include "../arrow/build.h"
#include "../common/common.h"
#include "../common/strbuf.h"
#include "arrow_schema.h"

enum { T_NULL = 1, T_INT = 2, T_FLOAT = 3, T_BINARY = 4, T_UTF8 = 5, T_BOOL = 6, T_DECIMAL = 7,
       T_DATE = 8, T_TIME = 9, T_TIMESTAMP = 10, T_LIST = 12, T_STRUCT = 13, T_FSB = 15,
       T_MAP = 17, T_DURATION = 18, T_LARGE_BINARY = 19, T_LARGE_UTF8 = 20, T_LARGE_LIST = 21 };

struct fb {
    struct fdata_strbuf b;
    size_t vtable, table;        /* the table being written */
    int fields;
};

static void pad(struct fb *f, size_t align) {
    while (f->b.len % align)
        fdata_sb_putc(&f->b, 0);
}

static void put(struct fb *f, const void *v, size_t n) { fdata_sb_put(&f->b, v, n); }

static void put_u32_at(struct fb *f, size_t pos, uint32_t v) {
    if (!f->b.oom)
        memcpy(f->b.buf + pos, &v, 4);
}

static void put_u32_at(struct fb *f, size_t pos, uint32_t v);

/* Starts a table of `fields` slots (its vtable, then the table's offset to it) and points
 * the offset at `slot` to the table. */
static void table_begin(struct fb *f, size_t slot, int fields) {
    pad(f, 4);
    f->vtable = f->b.len;
    f->fields = fields;
    uint16_t head[2] = {(uint16_t)(4 + 2 * fields), 0};
    put(f, head, 4);
    for (int i = 0; i < fields; i++)
        put(f, &(uint16_t){0}, 2);
    pad(f, 4);
    f->table = f->b.len;
    int32_t back = (int32_t)(f->table - f->vtable);
    put(f, &back, 4);
    put_u32_at(f, slot, (uint32_t)(f->table - slot));
}

/* Field `id` of the open table: n bytes aligned to n; its place goes into the vtable. */
static size_t field(struct fb *f, int id, const void *v, size_t n) {
    pad(f, n);
    size_t at = f->b.len;
    uint16_t off = (uint16_t)(at - f->table);
    if (!f->b.oom)
        memcpy(f->b.buf + f->vtable + 4 + 2 * (size_t)id, &off, 2);
    put(f, v, n);
    return at;
}

/* An offset field, to be patched: returns where it is. */
static size_t offset_field(struct fb *f, int id) { return field(f, id, &(uint32_t){0}, 4); }

static void table_end(struct fb *f) {
    uint16_t size = (uint16_t)(f->b.len - f->table);
    if (!f->b.oom)
        memcpy(f->b.buf + f->vtable + 2, &size, 2);
}

/* Points the offset at `slot` to what is written next (aligned to `align`). */
static void target(struct fb *f, size_t slot, size_t align) {
    pad(f, align);
    put_u32_at(f, slot, (uint32_t)(f->b.len - slot));
}

static void string_at(struct fb *f, size_t slot, const char *s) {
    target(f, slot, 4);
    uint32_t n = (uint32_t)strlen(s);
    put(f, &n, 4);
    put(f, s, n + 1);
}

/* A vector of n offsets at `slot`; returns the position of the first element slot. */
static size_t offset_vector_at(struct fb *f, size_t slot, uint32_t n) {
    target(f, slot, 4);
    put(f, &n, 4);
    size_t first = f->b.len;
    for (uint32_t i = 0; i < n; i++)
        put(f, &(uint32_t){0}, 4);
    return first;
}

static void key_value(struct fb *f, size_t slot, const char *key, const char *value) {
    target(f, slot, 4);
    table_begin(f, slot, 2);
    size_t k = offset_field(f, 0), v = offset_field(f, 1);
    table_end(f);
    string_at(f, k, key);
    string_at(f, v, value);
}

/* The type table of a format, written at slot; returns the Type union tag (0 if unknown). */
static int type_table(struct fb *f, size_t slot, const char *fmt) {
    int tag = 0;
    int32_t i32;
    int16_t i16;
    uint8_t u8;
    switch (fmt[0]) {
    case 'n': tag = T_NULL; table_begin(f, slot, 0); break;
    case 'b': tag = T_BOOL; table_begin(f, slot, 0); break;
    case 'c': case 'C': case 's': case 'S': case 'i': case 'I': case 'l': case 'L':
        tag = T_INT;
        table_begin(f, slot, 2);
        i32 = strchr("cC", fmt[0]) ? 8 : strchr("sS", fmt[0]) ? 16 : strchr("iI", fmt[0]) ? 32 : 64;
        field(f, 0, &i32, 4);
        u8 = fmt[0] >= 'a';
        field(f, 1, &u8, 1);
        break;
    case 'e': case 'f': case 'g':
        tag = T_FLOAT;
        table_begin(f, slot, 1);
        i16 = fmt[0] == 'e' ? 0 : fmt[0] == 'f' ? 1 : 2;
        field(f, 0, &i16, 2);
        break;
    case 'u': tag = T_UTF8; table_begin(f, slot, 0); break;
    case 'U': tag = T_LARGE_UTF8; table_begin(f, slot, 0); break;
    case 'z': tag = T_BINARY; table_begin(f, slot, 0); break;
    case 'Z': tag = T_LARGE_BINARY; table_begin(f, slot, 0); break;
    case 'w': tag = T_FSB; table_begin(f, slot, 1); i32 = atoi(fmt + 2); field(f, 0, &i32, 4); break;
    case 'd': {
        int p = 0, s = 0, bits = 128;
        sscanf(fmt, "d:%d,%d,%d", &p, &s, &bits);
        tag = T_DECIMAL;
        table_begin(f, slot, 3);
        field(f, 0, &(int32_t){p}, 4);
        field(f, 1, &(int32_t){s}, 4);
        field(f, 2, &(int32_t){bits}, 4);
        break;
    }
    case 't': {
        const char *units = "smun";
        if (fmt[1] == 'd') {
            tag = T_DATE;
            table_begin(f, slot, 1);
            field(f, 0, &(int16_t){fmt[2] == 'm'}, 2);
        } else if (fmt[1] == 't') {
            tag = T_TIME;
            table_begin(f, slot, 2);
            field(f, 0, &(int16_t){(int16_t)(strchr(units, fmt[2]) - units)}, 2);
            field(f, 1, &(int32_t){fmt[2] == 's' || fmt[2] == 'm' ? 32 : 64}, 4);
        } else if (fmt[1] == 's') {
            tag = T_TIMESTAMP;
            table_begin(f, slot, 2);
            field(f, 0, &(int16_t){(int16_t)(strchr(units, fmt[2]) - units)}, 2);
            size_t tz = fmt[4] ? offset_field(f, 1) : 0;
            table_end(f);
            if (tz)
                string_at(f, tz, fmt + 4);
            return tag;
        } else if (fmt[1] == 'D') {
            tag = T_DURATION;
            table_begin(f, slot, 1);
            field(f, 0, &(int16_t){(int16_t)(strchr(units, fmt[2]) - units)}, 2);
        } else {
            table_begin(f, slot, 0); /* an interval: not written by us */
        }
        break;
    }
    case '+':
        tag = fmt[1] == 'l' ? T_LIST : fmt[1] == 'L' ? T_LARGE_LIST : fmt[1] == 's' ? T_STRUCT : T_MAP;
        table_begin(f, slot, fmt[1] == 'm' ? 1 : 0);
        if (fmt[1] == 'm')
            field(f, 0, &(uint8_t){0}, 1);
        break;
    default: table_begin(f, slot, 0);
    }
    table_end(f);
    return tag;
}

/* A Field table at slot, and its children below it. */
static void field_table(struct fb *f, size_t slot, const struct ArrowSchema *s) {
    char ext[256];
    fdata_schema_extension(s, ext, sizeof ext);
    target(f, slot, 4);
    table_begin(f, slot, 7);
    size_t name = offset_field(f, 0);
    field(f, 1, &(uint8_t){(s->flags & ARROW_FLAG_NULLABLE) != 0}, 1);
    size_t tag_at = field(f, 2, &(uint8_t){0}, 1);
    size_t type = offset_field(f, 3);
    size_t kids = offset_field(f, 5);
    size_t meta = ext[0] ? offset_field(f, 6) : 0;
    table_end(f);
    string_at(f, name, s->name ? s->name : "");
    uint8_t tag = (uint8_t)type_table(f, type, s->format);
    if (!f->b.oom)
        f->b.buf[tag_at] = (char)tag;
    size_t first = offset_vector_at(f, kids, (uint32_t)s->n_children);
    for (int64_t i = 0; i < s->n_children; i++)
        field_table(f, first + 4 * (size_t)i, s->children[i]);
    if (meta) {
        size_t kv = offset_vector_at(f, meta, 2);
        key_value(f, kv, "ARROW:extension:name", ext);
        key_value(f, kv + 4, "ARROW:extension:metadata", "");
    }
}

char *pq_arrow_schema_ipc_base64(const struct ArrowSchema *schema) {
    struct fb f = {0};
    put(&f, &(uint32_t){0}, 4); /* the root offset */
    table_begin(&f, 0, 5); /* Message */
    size_t header = 0;
    field(&f, 3, &(int64_t){0}, 8);       /* bodyLength: no body */
    header = offset_field(&f, 2);
    field(&f, 0, &(int16_t){4}, 2);        /* version: V5 */
    field(&f, 1, &(uint8_t){1}, 1);        /* header type: Schema */
    table_end(&f);
    table_begin(&f, header, 4); /* Schema */
    field(&f, 0, &(int16_t){0}, 2);        /* little-endian */
    size_t fields = offset_field(&f, 1);
    table_end(&f);
    size_t first = offset_vector_at(&f, fields, (uint32_t)schema->n_children);
    for (int64_t i = 0; i < schema->n_children; i++)
        field_table(&f, first + 4 * (size_t)i, schema->children[i]);
    pad(&f, 8);
    /* the encapsulated message: continuation marker, length, flatbuffer */
    size_t n = 8 + f.b.len;
    uint8_t *msg = f.b.oom ? NULL : malloc(n);
    char *out = msg ? malloc(4 * ((n + 2) / 3) + 1) : NULL;
    if (out) {
        uint32_t marker = 0xFFFFFFFFu, len = (uint32_t)f.b.len;
        memcpy(msg, &marker, 4);
        memcpy(msg + 4, &len, 4);
        memcpy(msg + 8, f.b.buf, f.b.len);
        EVP_EncodeBlock((unsigned char *)out, msg, (int)n);
    }
    free(msg);
    fdata_sb_free(&f.b);
    return out;
}
