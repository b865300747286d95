/* Parquet FileMetaData and PageHeader decoding (field ids from parquet.thrift). */
#include <stdlib.h>
#include "../common/common.h"
#include "metadata.h"
#include "thrift.h"

/* The footer's allocations are not zeroed: each parse function sets the whole of what it
 * fills (a wide footer's lists are tens of KB). */
struct pq_arena {
    struct pq_arena *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

void *pq_arena_alloc(struct pq_arena **head, size_t size) {
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + 15) & ~(size_t)15;
    struct pq_arena *a = *head;
    if (!a || a->size - a->used < size) {
        /* blocks double from 4 KiB to 64 KiB: a narrow file's footer (thousands of them open
         * in a lake's load) takes a few KiB, not 64 */
        size_t block = !a ? 4096 : a->size < 32768 ? 2 * a->size : 65536;
        int alone = size > block; /* its own block, behind the one still filling */
        struct pq_arena *n = malloc(sizeof *n + (alone ? size : block));
        if (!n)
            return NULL;
        n->used = 0;
        n->size = alone ? size : block;
        if (alone && a) {
            n->next = a->next;
            a->next = n;
        } else {
            n->next = a;
            *head = n;
        }
        a = n;
    }
    void *p = a->data + a->used;
    a->used += size;
    return p;
}

struct md_parser {
    struct tc_reader r;
    struct pq_arena *arena;
    int oom;
    int schema_span_only; /* FileMetaData's schema elements: their bytes' span, not parsed */
    int schema_wire_type; /* parsing the schema's elements alone: their list's wire type */
    const uint8_t *start; /* the bytes parsed */
};

static void *md_alloc(struct md_parser *m, size_t n, size_t elem) {
    void *p = pq_arena_alloc(&m->arena, n * elem);
    if (!p) {
        m->oom = 1;
        tc_fail(&m->r, "out of memory");
    }
    return p;
}

static const char *md_string(struct md_parser *m, int type) {
    const uint8_t *data;
    uint32_t len;
    tc_binary(&m->r, type, &data, &len);
    char *s = md_alloc(m, (size_t)len + 1, 1);
    if (s) {
        memcpy(s, data, len);
        s[len] = '\0';
    }
    return s ? s : "";
}

static void parse_time_unit(struct tc_reader *r, int *unit) {
    int16_t last = 0, id;
    int type;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (id >= PQ_MILLIS && id <= PQ_NANOS && type == TC_STRUCT)
            *unit = id;
        tc_skip(r, type);
    }
    tc_struct_end(r);
}

/* DecimalType, TimeType, TimestampType, IntType: small structs of scalar fields. */
static void parse_logical_params(struct tc_reader *r, struct pq_logical_type *lt) {
    int16_t last = 0, id;
    int type;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (lt->kind == PQ_LT_DECIMAL && id == 1)
            lt->scale = tc_i32(r, type);
        else if (lt->kind == PQ_LT_DECIMAL && id == 2)
            lt->precision = tc_i32(r, type);
        else if ((lt->kind == PQ_LT_TIME || lt->kind == PQ_LT_TIMESTAMP) && id == 1)
            lt->adjusted_to_utc = tc_bool(r, type);
        else if ((lt->kind == PQ_LT_TIME || lt->kind == PQ_LT_TIMESTAMP) && id == 2 &&
                 type == TC_STRUCT)
            parse_time_unit(r, &lt->unit);
        else if (lt->kind == PQ_LT_INTEGER && id == 1)
            lt->bit_width = (int)tc_i64(r, type);
        else if (lt->kind == PQ_LT_INTEGER && id == 2)
            lt->is_signed = tc_bool(r, type);
        else
            tc_skip(r, type);
    }
    tc_struct_end(r);
}

static void parse_logical_type(struct tc_reader *r, struct pq_logical_type *lt) {
    int16_t last = 0, id;
    int type;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (type != TC_STRUCT) {
            tc_skip(r, type);
            continue;
        }
        int known = (id >= PQ_LT_STRING && id <= PQ_LT_FLOAT16 && id != 9);
        lt->kind = known ? id : PQ_LT_OTHER;
        if (known)
            parse_logical_params(r, lt);
        else
            tc_skip(r, type);
    }
    tc_struct_end(r);
}

static void parse_schema_element(struct md_parser *m, void *item) {
    struct tc_reader *r = &m->r;
    struct pq_schema_element *se = item;
    int16_t last = 0, id;
    int type;
    *se = (struct pq_schema_element){.type = -1, .repetition = -1, .converted = PQ_CT_NONE,
                                     .name = ""};
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        switch (id) {
        case 1: se->type = tc_i32(r, type); break;
        case 2: se->type_length = tc_i32(r, type); break;
        case 3: se->repetition = tc_i32(r, type); break;
        case 4: se->name = md_string(m, type); break;
        case 5: se->num_children = tc_i32(r, type); break;
        case 6: se->converted = tc_i32(r, type); break;
        case 7: se->scale = tc_i32(r, type); break;
        case 8: se->precision = tc_i32(r, type); break;
        case 10:
            if (type == TC_STRUCT)
                parse_logical_type(r, &se->logical);
            else
                tc_skip(r, type);
            break;
        default: tc_skip(r, type);
        }
    }
    tc_struct_end(r);
}

/* An optional integer field that only statistics use: one of another wire type is ignored
 * (as absent), not a corrupt footer. */
static int64_t optional_int(struct tc_reader *r, int type, int expected, int64_t absent) {
    if (type == expected)
        return tc_i64(r, type);
    tc_skip(r, type);
    return absent;
}

/* A binary field of Statistics; one of another wire type is ignored (as absent). */
static void stats_binary(struct tc_reader *r, int type, const uint8_t **data, uint32_t *len) {
    if (type == TC_BINARY)
        tc_binary(r, type, data, len);
    else
        tc_skip(r, type);
}

static void parse_statistics(struct tc_reader *r, struct pq_statistics *st) {
    int16_t last = 0, id;
    int type;
    st->null_count = -1;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        switch (id) {
        case 1: stats_binary(r, type, &st->max, &st->max_len); break;
        case 2: stats_binary(r, type, &st->min, &st->min_len); break;
        case 3: st->null_count = optional_int(r, type, TC_I64, -1); break;
        case 5: stats_binary(r, type, &st->max_value, &st->max_value_len); break;
        case 6: stats_binary(r, type, &st->min_value, &st->min_value_len); break;
        default: tc_skip(r, type);
        }
    }
    tc_struct_end(r);
}

static void parse_column_meta(struct tc_reader *r, struct pq_column_meta *cm) {
    int16_t last = 0, id;
    int type, elem;
    cm->dictionary_page_offset = -1;
    cm->stats.null_count = -1;
    cm->bloom_filter_offset = -1;
    cm->bloom_filter_length = -1;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        switch (id) {
        case 1: cm->type = tc_i32(r, type); break;
        case 2: {
            uint32_t n = tc_list_begin(r, type, &elem);
            for (uint32_t i = 0; i < n && !r->error; i++) {
                int32_t e = tc_i32(r, elem);
                if (e >= 0 && e < 32)
                    cm->encodings |= 1u << e;
            }
            break;
        }
        case 4: cm->codec = tc_i32(r, type); break;
        case 5: cm->num_values = tc_i64(r, type); break;
        case 6: cm->total_uncompressed_size = tc_i64(r, type); break;
        case 7: cm->total_compressed_size = tc_i64(r, type); break;
        case 9: cm->data_page_offset = tc_i64(r, type); break;
        case 11: cm->dictionary_page_offset = tc_i64(r, type); break;
        case 12:
            if (type == TC_STRUCT)
                parse_statistics(r, &cm->stats);
            else
                tc_skip(r, type);
            break;
        case 14: cm->bloom_filter_offset = optional_int(r, type, TC_I64, -1); break;
        case 15: cm->bloom_filter_length = optional_int(r, type, TC_I32, -1); break;
        default: tc_skip(r, type);
        }
    }
    tc_struct_end(r);
}

static void parse_column_chunk(struct md_parser *m, void *item) {
    struct tc_reader *r = &m->r;
    struct pq_column_chunk *cc = item;
    int16_t last = 0, id;
    int type;
    *cc = (struct pq_column_chunk){0};
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (id == 1 && type == TC_BINARY) {
            cc->external = 1;
            tc_skip(r, type);
        } else if (id == 3 && type == TC_STRUCT) {
            cc->has_meta = 1;
            parse_column_meta(r, &cc->meta);
        } else if (id == 4) {
            cc->offset_index_offset = tc_i64(r, type);
        } else if (id == 5) {
            cc->offset_index_length = tc_i32(r, type);
        } else if (id == 6) {
            cc->column_index_offset = tc_i64(r, type);
        } else if (id == 7) {
            cc->column_index_length = tc_i32(r, type);
        } else if (id == 8 || id == 9) {
            cc->encrypted = 1;
            tc_skip(r, type);
        } else {
            tc_skip(r, type);
        }
    }
    tc_struct_end(r);
}

/* A list<struct> field: allocates the array from the arena and parses each element. */
static void *parse_struct_list(struct md_parser *m, int type, size_t size, int *count,
                               void (*parse)(struct md_parser *, void *), const char *what) {
    int elem;
    uint32_t n = tc_list_begin(&m->r, type, &elem);
    unsigned char *items = md_alloc(m, n, size);
    *count = items ? (int)n : 0;
    for (uint32_t i = 0; items && i < n && !m->r.error; i++) {
        if (elem != TC_STRUCT)
            tc_fail(&m->r, what);
        else
            parse(m, items + i * size);
    }
    return items;
}

/* Steps over a list of structs checking what parse_struct_list() would (its type, each item
 * a struct, the same nesting depth), so that a footer read with its schema apart fails
 * where the whole parse does. */
static void skip_struct_list(struct md_parser *m, int type, const char *what) {
    int elem;
    uint32_t n = tc_list_begin(&m->r, type, &elem);
    for (uint32_t i = 0; i < n && !m->r.error; i++) {
        if (elem != TC_STRUCT)
            tc_fail(&m->r, what);
        else
            tc_skip(&m->r, TC_STRUCT);
    }
}

static void parse_row_group(struct md_parser *m, void *item) {
    struct tc_reader *r = &m->r;
    struct pq_row_group *rg = item;
    int16_t last = 0, id;
    int type;
    *rg = (struct pq_row_group){0};
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (id == 1)
            rg->columns = parse_struct_list(m, type, sizeof *rg->columns, &rg->num_columns,
                                            parse_column_chunk, "column chunk is not a struct");
        else if (id == 3)
            rg->num_rows = tc_i64(r, type);
        else
            tc_skip(r, type);
    }
    tc_struct_end(r);
}

/* ColumnOrder is a union: TYPE_ORDER (field 1) is the one order statistics may rely on. */
static void parse_column_order(struct md_parser *m, void *item) {
    int16_t last = 0, id;
    int type;
    *(uint8_t *)item = 0;
    tc_struct_begin(&m->r);
    while (tc_next_field(&m->r, &last, &type, &id)) {
        *(uint8_t *)item |= id == 1 && type == TC_STRUCT;
        tc_skip(&m->r, type);
    }
    tc_struct_end(&m->r);
}

static void parse_file_metadata(struct md_parser *m, struct pq_metadata *md) {
    struct tc_reader *r = &m->r;
    int16_t last = 0, id;
    int type;
    md->created_by = "";
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (id == 2 && md->schema_bytes) {
            tc_fail(r, "the schema is stated twice"); /* which one would a reader take? */
        } else if (id == 2) {
            const uint8_t *at = r->p;
            if (m->schema_span_only)
                skip_struct_list(m, type, "schema element is not a struct");
            else
                md->schema = parse_struct_list(m, type, sizeof *md->schema, &md->num_schema,
                                               parse_schema_element,
                                               "schema element is not a struct");
            md->schema_bytes = at;
            md->schema_len = (size_t)(r->p - at);
            md->schema_wire_type = type;
            md->schema_at = (size_t)(at - m->start);
        } else if (id == 3)
            md->num_rows = tc_i64(r, type);
        else if (id == 4)
            md->row_groups = parse_struct_list(m, type, sizeof *md->row_groups,
                                               &md->num_row_groups, parse_row_group,
                                               "row group is not a struct");
        else if (id == 6)
            md->created_by = md_string(m, type);
        else if (id == 7)
            md->column_orders = parse_struct_list(m, type, 1, &md->num_column_orders,
                                                       parse_column_order,
                                                       "column order is not a struct");
        else
            tc_skip(r, type);
    }
    tc_struct_end(r);
}

/* Parses `size` bytes into md with parse(), which m reads; they lie `base` bytes into a
 * FileMetaData of `total` (where an error says it is). */
static int parse_into(struct md_parser *m, const uint8_t *data, size_t size, size_t base,
                      size_t total, struct pq_metadata *md,
                      void (*parse)(struct md_parser *, struct pq_metadata *),
                      struct fdata_error *err) {
    memset(md, 0, sizeof *md);
    tc_init(&m->r, data, size);
    m->start = data;
    parse(m, md);
    md->arena = m->arena;
    md->footer_len = total;
    if (m->r.error) {
        int code = m->oom ? FDATA_ENOMEM : FDATA_ECORRUPT;
        size_t at = base + (size_t)(m->r.p - data);
        pq_metadata_free(md);
        return fdata_set_error(err, code, "invalid footer (FileMetaData) near byte %zu of %zu: %s",
                               at, total, m->r.error);
    }
    return FDATA_OK;
}

int pq_metadata_parse(const uint8_t *data, size_t size, struct pq_metadata *md,
                      struct fdata_error *err) {
    struct md_parser m = {.arena = NULL};
    return parse_into(&m, data, size, 0, size, md, parse_file_metadata, err);
}

int pq_metadata_parse_without_schema(const uint8_t *data, size_t size, struct pq_metadata *md,
                                     struct fdata_error *err) {
    struct md_parser m = {.arena = NULL, .schema_span_only = 1};
    return parse_into(&m, data, size, 0, size, md, parse_file_metadata, err);
}

static void parse_schema_list(struct md_parser *m, struct pq_metadata *md) {
    md->schema = parse_struct_list(m, m->schema_wire_type, sizeof *md->schema, &md->num_schema,
                                   parse_schema_element, "schema element is not a struct");
}

int pq_schema_elements_parse(const uint8_t *bytes, size_t len, int wire_type, size_t at,
                             size_t footer_len, struct pq_metadata *md, struct fdata_error *err) {
    struct md_parser m = {.arena = NULL, .schema_wire_type = wire_type};
    return parse_into(&m, bytes, len, at, footer_len, md, parse_schema_list, err);
}

/* *value (len bytes, or NULL) copied into the arena; 0 when out of memory. */
static int own_value(struct pq_arena **arena, const uint8_t **value, uint32_t len) {
    uint8_t *copy = *value ? pq_arena_alloc(arena, len) : NULL;
    if (*value && !copy)
        return 0;
    if (copy)
        *value = memcpy(copy, *value, len);
    return 1;
}

int pq_metadata_own_bytes(struct pq_metadata *md) {
    md->schema_bytes = NULL;
    for (int g = 0; g < md->num_row_groups; g++)
        for (int c = 0; c < md->row_groups[g].num_columns; c++) {
            struct pq_statistics *st = &md->row_groups[g].columns[c].meta.stats;
            if (!own_value(&md->arena, &st->min, st->min_len) ||
                !own_value(&md->arena, &st->max, st->max_len) ||
                !own_value(&md->arena, &st->min_value, st->min_value_len) ||
                !own_value(&md->arena, &st->max_value, st->max_value_len))
                return FDATA_ENOMEM;
        }
    return FDATA_OK;
}

void pq_arena_free(struct pq_arena **head) {
    for (struct pq_arena *a = *head, *next; a; a = next) {
        next = a->next;
        free(a);
    }
    *head = NULL;
}

void pq_metadata_free(struct pq_metadata *md) {
    pq_arena_free(&md->arena);
    memset(md, 0, sizeof *md);
}

static void parse_data_page_header(struct tc_reader *r, struct pq_page_header *ph) {
    int16_t last = 0, id;
    int type;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        switch (id) {
        case 1: ph->num_values = tc_i32(r, type); break;
        case 2: ph->encoding = tc_i32(r, type); break;
        /* 3 and 4 are level encodings; in DictionaryPageHeader 3 is is_sorted (bool). */
        case 3:
            if (type == TC_I32)
                ph->def_level_encoding = tc_i32(r, type);
            else
                tc_skip(r, type);
            break;
        case 4: ph->rep_level_encoding = tc_i32(r, type); break;
        default: tc_skip(r, type);
        }
    }
    tc_struct_end(r);
}

static void parse_data_page_header_v2(struct tc_reader *r, struct pq_page_header *ph) {
    int16_t last = 0, id;
    int type;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        switch (id) {
        case 1: ph->num_values = tc_i32(r, type); break;
        case 2: ph->num_nulls = tc_i32(r, type); break;
        case 3: ph->num_rows = tc_i32(r, type); break;
        case 4: ph->encoding = tc_i32(r, type); break;
        case 5: ph->def_levels_length = tc_i32(r, type); break;
        case 6: ph->rep_levels_length = tc_i32(r, type); break;
        case 7: ph->is_compressed = tc_bool(r, type); break;
        default: tc_skip(r, type);
        }
    }
    tc_struct_end(r);
}

int pq_page_header_parse(const uint8_t *data, size_t size, struct pq_page_header *ph,
                         size_t *header_len, struct fdata_error *err) {
    struct tc_reader r;
    int16_t last = 0, id;
    int type;
    memset(ph, 0, sizeof *ph);
    ph->type = -1;
    ph->is_compressed = 1;
    tc_init(&r, data, size);
    tc_struct_begin(&r);
    while (tc_next_field(&r, &last, &type, &id)) {
        if (id == 1) {
            ph->type = tc_i32(&r, type);
        } else if (id == 2) {
            ph->uncompressed_size = tc_i32(&r, type);
        } else if (id == 3) {
            ph->compressed_size = tc_i32(&r, type);
        } else if ((id == 5 || id == 7) && type == TC_STRUCT) {
            /* DataPageHeader and DictionaryPageHeader share fields 1 and 2. */
            parse_data_page_header(&r, ph);
            ph->has_data_header = 1;
        } else if (id == 8 && type == TC_STRUCT) {
            parse_data_page_header_v2(&r, ph);
            ph->has_data_header = 1;
        } else {
            tc_skip(&r, type);
        }
    }
    tc_struct_end(&r);
    if (r.error)
        return fdata_set_error(err, FDATA_ECORRUPT, "invalid page header: %s", r.error);
    if (ph->uncompressed_size < 0 || ph->compressed_size < 0)
        return fdata_set_error(err, FDATA_ECORRUPT, "invalid page header: negative page size");
    *header_len = (size_t)(r.p - data);
    return FDATA_OK;
}
