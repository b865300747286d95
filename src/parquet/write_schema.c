/* Arrow fields as Parquet columns (see write_schema.h and fastdata/parquet_write.h). */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include "../arrow/build.h"
#include "../common/common.h"
#include "write_schema.h"

enum { T_BOOLEAN = 0, T_INT32 = 1, T_INT64 = 2, T_FLOAT = 4, T_DOUBLE = 5, T_BYTE_ARRAY = 6,
       T_FLBA = 7 };
enum { CT_UTF8 = 0, CT_DECIMAL = 5, CT_DATE = 6, CT_TIME_MILLIS = 7, CT_TIME_MICROS = 8,
       CT_TIMESTAMP_MILLIS = 9, CT_TIMESTAMP_MICROS = 10, CT_UINT_8 = 11, CT_INT_8 = 15,
       CT_JSON = 19 };
enum { LT_STRING = 1, LT_DECIMAL = 5, LT_DATE = 6, LT_TIME = 7, LT_TIMESTAMP = 8,
       LT_INTEGER = 10, LT_JSON = 12, LT_UUID = 14, LT_FLOAT16 = 15 };

static void integer(struct wcolumn *c, int physical, int bits, int is_signed, int conv) {
    static const int converted_bits[] = {8, 16, 32, 64};
    c->physical = physical;
    c->width = physical == T_INT32 ? 4 : 8;
    c->conv = conv;
    c->sort = physical == T_INT32 ? (is_signed ? WS_I32 : WS_U32) : (is_signed ? WS_I64 : WS_U64);
    c->logical = LT_INTEGER;
    c->int_bits = bits;
    c->int_signed = is_signed;
    for (int i = 0; i < 4; i++)
        if (converted_bits[i] == bits)
            c->converted = (is_signed ? CT_INT_8 : CT_UINT_8) + i;
    c->src_width = bits / 8;
}

static int temporal(struct wcolumn *c, const char *f) {
    if (strcmp(f, "tdD") == 0) {
        *c = (struct wcolumn){.physical = T_INT32, .width = 4, .sort = WS_I32, .converted = CT_DATE,
                              .logical = LT_DATE, .src_width = 4};
        return 1;
    }
    if (f[1] == 't' && (f[2] == 's' || f[2] == 'm')) { /* time32: millis */
        *c = (struct wcolumn){.physical = T_INT32, .width = 4, .sort = WS_I32,
                              .conv = f[2] == 's' ? WC_MUL1000_32 : WC_COPY,
                              .converted = CT_TIME_MILLIS, .logical = LT_TIME, .time_unit = 1,
                              .utc = 1, .src_width = 4};
        return 1;
    }
    int ts = f[1] == 's';
    if ((f[1] == 't' && (f[2] == 'u' || f[2] == 'n')) || (ts && strchr("smun", f[2]) && f[3] == ':')) {
        int unit = f[2] == 'n' ? 3 : f[2] == 'u' ? 2 : 1;
        *c = (struct wcolumn){.physical = T_INT64, .width = 8, .sort = WS_I64,
                              .conv = f[2] == 's' ? WC_MUL1000_64 : WC_COPY,
                              .logical = ts ? LT_TIMESTAMP : LT_TIME, .time_unit = unit,
                              .utc = ts ? f[4] != '\0' : 1, .src_width = 8, .converted = -1};
        if (unit < 3)
            c->converted = ts ? (unit == 1 ? CT_TIMESTAMP_MILLIS : CT_TIMESTAMP_MICROS) : CT_TIME_MICROS;
        return 1;
    }
    return 0;
}

static int decimal(struct wcolumn *c, const char *f) {
    int p, s, bits = 128;
    if (sscanf(f, "d:%d,%d,%d", &p, &s, &bits) < 2 || bits != 128 || p < 1 || p > 38)
        return 0;
    *c = (struct wcolumn){.converted = CT_DECIMAL, .logical = LT_DECIMAL, .scale = s,
                          .precision = p, .src_width = 16};
    if (p <= 9)
        c->physical = T_INT32, c->width = 4, c->conv = WC_DEC32, c->sort = WS_I32;
    else if (p <= 18)
        c->physical = T_INT64, c->width = 8, c->conv = WC_DEC64, c->sort = WS_I64;
    else { /* the fewest bytes that hold p digits: ceil((p * log2(10) + 1) / 8) */
        c->physical = T_FLBA, c->conv = WC_DECFLBA, c->sort = WS_SIGNED_BYTES;
        c->width = c->type_length = (int)((p * 3.3219280948873623 + 1 + 7) / 8);
    }
    return 1;
}

static int simple(struct wcolumn *c, const char *f) {
    switch (f[0]) {
    case 'b': *c = (struct wcolumn){.physical = T_BOOLEAN, .conv = WC_BOOL, .sort = WS_BOOL, .converted = -1}; return 1;
    case 'c': integer(c, T_INT32, 8, 1, WC_I8); return 1;
    case 'C': integer(c, T_INT32, 8, 0, WC_U8); return 1;
    case 's': integer(c, T_INT32, 16, 1, WC_I16); return 1;
    case 'S': integer(c, T_INT32, 16, 0, WC_U16); return 1;
    case 'i': integer(c, T_INT32, 32, 1, WC_COPY); c->logical = 0; c->converted = -1; return 1;
    case 'I': integer(c, T_INT32, 32, 0, WC_COPY); return 1;
    case 'l': integer(c, T_INT64, 64, 1, WC_COPY); c->logical = 0; c->converted = -1; return 1;
    case 'L': integer(c, T_INT64, 64, 0, WC_COPY); return 1;
    case 'f': *c = (struct wcolumn){.physical = T_FLOAT, .width = 4, .sort = WS_FLOAT, .converted = -1, .src_width = 4}; return 1;
    case 'g': *c = (struct wcolumn){.physical = T_DOUBLE, .width = 8, .sort = WS_DOUBLE, .converted = -1, .src_width = 8}; return 1;
    case 'e': *c = (struct wcolumn){.physical = T_FLBA, .width = 2, .type_length = 2, .logical = LT_FLOAT16, .converted = -1, .src_width = 2}; return 1;
    case 'u': case 'U': case 'z': case 'Z':
        *c = (struct wcolumn){.physical = T_BYTE_ARRAY, .conv = f[0] == 'u' || f[0] == 'z' ? WC_STR32 : WC_STR64,
                              .sort = WS_BYTES, .converted = f[0] == 'u' || f[0] == 'U' ? CT_UTF8 : -1,
                              .logical = f[0] == 'u' || f[0] == 'U' ? LT_STRING : 0};
        return f[1] == '\0';
    case 'w':
        *c = (struct wcolumn){.physical = T_FLBA, .sort = WS_BYTES, .converted = -1};
        c->width = c->type_length = c->src_width = atoi(f + 2);
        return c->width > 0;
    default: return 0;
    }
}

/* The physical mapping of a leaf field's type. */
static int leaf_from_arrow(const struct ArrowSchema *field, struct wcolumn *out,
                           struct fdata_error *err) {
    const char *f = field->format;
    memset(out, 0, sizeof *out);
    int ok = f[0] == 't' ? temporal(out, f) : f[0] == 'd' ? decimal(out, f) : simple(out, f);
    if (!ok || field->n_children > 0 || field->dictionary)
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "column '%s': cannot write Arrow type "
                               "'%s' to Parquet yet", field->name ? field->name : "", f);
    char ext[64];
    fdata_schema_extension(field, ext, sizeof ext);
    if (strcmp(ext, "arrow.uuid") == 0 && out->width == 16)
        out->logical = LT_UUID;
    if (strcmp(ext, "arrow.json") == 0 && out->logical == LT_STRING) {
        out->logical = LT_JSON;
        out->converted = CT_JSON;
    }
    return FDATA_OK;
}

/* The leaves below a field, found depth first; `cur` carries the path walked so far. */
struct walk {
    struct wcolumn *cols;
    int count, cap;
    struct wcolumn cur;
    struct fdata_error *err;
};

static int add_leaf(struct walk *wk, const struct ArrowSchema *f, int level, int def, int rep) {
    struct wcolumn c;
    FDATA_RETURN_IF(leaf_from_arrow(f, &c, wk->err));
    struct wcolumn *slot;
    if (wk->count == wk->cap) {
        int cap = wk->cap ? 2 * wk->cap : 16;
        struct wcolumn *more = realloc(wk->cols, (size_t)cap * sizeof *more);
        if (!more)
            return fdata_set_error(wk->err, FDATA_ENOMEM, "out of memory");
        wk->cols = more;
        wk->cap = cap;
    }
    slot = &wk->cols[wk->count++];
    *slot = wk->cur;
    memcpy(slot, &c, offsetof(struct wcolumn, top)); /* the type; the path is cur's */
    slot->depth = level;
    slot->max_def = def;
    slot->max_rep = rep;
    slot->name = slot->path[slot->path_len - 1];
    slot->optional = slot->nullable[level];
    slot->encoding = -1;
    return FDATA_OK;
}

static int walk(struct walk *wk, const struct ArrowSchema *f, int level, int def, int rep,
                int nullable, const char *name);

/* The children of a nested node at `level`: a struct's fields, a list's element, a map's
 * key and value (under its repeated key_value group). */
static int walk_children(struct walk *wk, const struct ArrowSchema *f, int level, int d, int rep) {
    struct wcolumn *c = &wk->cur;
    char kind = f->format[1] == 's' ? 's' : f->format[1] == 'l' ? 'l' : f->format[1] == 'L' ? 'L' : 'm';
    c->kind[level] = kind;
    if (kind == 's') {
        int status = FDATA_OK;
        for (int64_t i = 0; status == FDATA_OK && i < f->n_children; i++) {
            c->child[level] = (int)i;
            status = walk(wk, f->children[i], level + 1, d, rep,
                          (f->children[i]->flags & ARROW_FLAG_NULLABLE) != 0, f->children[i]->name);
        }
        return status;
    }
    c->child[level] = 0;
    const struct ArrowSchema *item = f->children[0];
    c->path[c->path_len++] = kind == 'm' ? "key_value" : "list";
    int status = FDATA_OK;
    if (kind != 'm') {
        status = walk(wk, item, level + 1, d + 1, rep + 1,
                      (item->flags & ARROW_FLAG_NULLABLE) != 0, "element");
    } else { /* the entries struct: the repeated group itself, never null */
        c->nullable[level + 1] = 0;
        c->kind[level + 1] = 's';
        for (int i = 0; status == FDATA_OK && i < 2 && i < item->n_children; i++) {
            c->child[level + 1] = i;
            status = walk(wk, item->children[i], level + 2, d + 1, rep + 1,
                          i == 1 && (item->children[i]->flags & ARROW_FLAG_NULLABLE), i ? "value" : "key");
        }
    }
    c->path_len--;
    return status;
}

static int walk(struct walk *wk, const struct ArrowSchema *f, int level, int def, int rep,
                int nullable, const char *name) {
    struct wcolumn *c = &wk->cur;
    if (level + 2 >= WMAX_DEPTH)
        return fdata_set_error(wk->err, FDATA_EUNSUPPORTED, "column '%s': nested deeper than "
                               "%d levels", c->path[0], WMAX_DEPTH - 2);
    c->nullable[level] = nullable;
    c->path[c->path_len++] = name;
    int d = def + nullable, status;
    if (f->format[0] == '+' && strchr("slLm", f->format[1]) && f->format[2] == '\0')
        status = walk_children(wk, f, level, d, rep);
    else
        status = add_leaf(wk, f, level, d, rep);
    c->path_len--;
    return status;
}

int pq_wcolumns_from_schema(const struct ArrowSchema *schema, struct wcolumn **out, int *count,
                            struct fdata_error *err) {
    struct walk wk = {.err = err};
    int status = FDATA_OK;
    for (int64_t i = 0; status == FDATA_OK && i < schema->n_children; i++) {
        memset(&wk.cur, 0, sizeof wk.cur);
        wk.cur.top = (int)i;
        const struct ArrowSchema *f = schema->children[i];
        status = walk(&wk, f, 0, 0, 0, (f->flags & ARROW_FLAG_NULLABLE) != 0, f->name ? f->name : "");
    }
    if (status != FDATA_OK) {
        free(wk.cols);
        return status;
    }
    *out = wk.cols;
    *count = wk.count;
    return FDATA_OK;
}

static void logical_type(struct tw *w, const struct wcolumn *c) {
    tw_field_struct(w, 10);
    tw_field_struct(w, (int16_t)c->logical);
    if (c->logical == LT_DECIMAL) {
        tw_field_i32(w, 1, c->scale);
        tw_field_i32(w, 2, c->precision);
    } else if (c->logical == LT_TIME || c->logical == LT_TIMESTAMP) {
        tw_field_bool(w, 1, c->utc);
        tw_field_struct(w, 2);
        tw_field_struct(w, (int16_t)c->time_unit); /* MILLIS / MICROS / NANOS: empty */
        tw_struct_end(w);
        tw_struct_end(w);
    } else if (c->logical == LT_INTEGER) {
        tw_field_byte(w, 1, (int8_t)c->int_bits);
        tw_field_bool(w, 2, c->int_signed);
    }
    tw_struct_end(w);
    tw_struct_end(w);
}

/* A leaf's SchemaElement (as a list element). */
static void leaf_element(struct tw *w, const struct wcolumn *c, const char *name, int repetition) {
    tw_list_struct(w);
    tw_field_i32(w, 1, c->physical);
    if (c->physical == T_FLBA)
        tw_field_i32(w, 2, c->type_length);
    tw_field_i32(w, 3, repetition);
    tw_field_string(w, 4, name);
    if (c->converted >= 0)
        tw_field_i32(w, 6, c->converted);
    if (c->logical == LT_DECIMAL) {
        tw_field_i32(w, 7, c->scale);
        tw_field_i32(w, 8, c->precision);
    }
    if (c->logical)
        logical_type(w, c);
    tw_struct_end(w);
}

enum { REQUIRED = 0, OPTIONAL = 1, REPEATED = 2 };
enum { CT_MAP = 1, CT_LIST = 3, LT_MAP = 2, LT_LIST = 3 };

/* A group's SchemaElement, annotated LIST or MAP when `annotation` is one of those. */
static void group_element(struct tw *w, const char *name, int repetition, int children,
                          int annotation) {
    tw_list_struct(w);
    tw_field_i32(w, 3, repetition);
    tw_field_string(w, 4, name);
    tw_field_i32(w, 5, children);
    if (annotation) {
        tw_field_i32(w, 6, annotation == LT_LIST ? CT_LIST : CT_MAP);
        tw_field_struct(w, 10);
        tw_field_struct(w, (int16_t)annotation); /* ListType / MapType: empty */
        tw_struct_end(w);
        tw_struct_end(w);
    }
    tw_struct_end(w);
}

static int nullable(const struct ArrowSchema *f) { return (f->flags & ARROW_FLAG_NULLABLE) != 0; }

static void tree(struct tw *w, const struct ArrowSchema *f, const char *name, int repetition,
                 int *elements) {
    const char *fmt = f->format;
    ++*elements;
    if (strcmp(fmt, "+s") == 0) {
        group_element(w, name, repetition, (int)f->n_children, 0);
        for (int64_t i = 0; i < f->n_children; i++)
            tree(w, f->children[i], f->children[i]->name, nullable(f->children[i]), elements);
    } else if (strcmp(fmt, "+l") == 0 || strcmp(fmt, "+L") == 0) {
        group_element(w, name, repetition, 1, LT_LIST);
        group_element(w, "list", REPEATED, 1, 0);
        ++*elements;
        tree(w, f->children[0], "element", nullable(f->children[0]), elements);
    } else if (strcmp(fmt, "+m") == 0) {
        const struct ArrowSchema *e = f->children[0];
        group_element(w, name, repetition, 1, LT_MAP);
        group_element(w, "key_value", REPEATED, (int)e->n_children, 0);
        ++*elements;
        for (int64_t i = 0; i < e->n_children && i < 2; i++)
            tree(w, e->children[i], i ? "value" : "key", i ? nullable(e->children[i]) : REQUIRED,
                 elements);
    } else {
        struct wcolumn c;
        leaf_from_arrow(f, &c, NULL);
        leaf_element(w, &c, name, repetition);
    }
}

void pq_write_schema_tree(struct tw *w, const struct ArrowSchema *field, int *elements) {
    tree(w, field, field->name ? field->name : "", nullable(field), elements);
}

int pq_schema_tree_size(const struct ArrowSchema *f) {
    if (strcmp(f->format, "+s") == 0) {
        int n = 1;
        for (int64_t i = 0; i < f->n_children; i++)
            n += pq_schema_tree_size(f->children[i]);
        return n;
    }
    if (strcmp(f->format, "+l") == 0 || strcmp(f->format, "+L") == 0)
        return 2 + pq_schema_tree_size(f->children[0]);
    if (strcmp(f->format, "+m") == 0) {
        int n = 2;
        for (int64_t i = 0; i < f->children[0]->n_children && i < 2; i++)
            n += pq_schema_tree_size(f->children[0]->children[i]);
        return n;
    }
    return 1;
}
