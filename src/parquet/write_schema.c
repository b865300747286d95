/* Arrow fields as Parquet columns (see write_schema.h and fastdata/parquet_write.h). */
#include <stdio.h>
#include <stdlib.h>
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

int pq_wcolumn_from_arrow(const struct ArrowSchema *field, struct wcolumn *out,
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
    out->name = field->name ? field->name : "";
    out->optional = (field->flags & ARROW_FLAG_NULLABLE) != 0;
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

void pq_wcolumn_schema_element(struct tw *w, const struct wcolumn *c) {
    tw_list_struct(w);
    tw_field_i32(w, 1, c->physical);
    if (c->physical == T_FLBA)
        tw_field_i32(w, 2, c->type_length);
    tw_field_i32(w, 3, c->optional ? 1 : 0);
    tw_field_string(w, 4, c->name);
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
