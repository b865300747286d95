/* Schema tree -> leaf columns, and the Parquet logical type -> Arrow type mapping. */
#include <stdio.h>
#include <stdlib.h>
#include "../common/common.h"
#include "fastdata/parquet.h"
#include "schema.h"

const char *pq_type_name(int physical) {
    static const char *names[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE",
                                  "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return physical >= 0 && physical < 8 ? names[physical] : "?";
}

int pq_physical_width(int physical, int type_length) {
    switch (physical) {
    case PQ_INT32: case PQ_FLOAT: return 4;
    case PQ_INT64: case PQ_DOUBLE: return 8;
    case PQ_INT96: return 12;
    case PQ_FIXED_LEN_BYTE_ARRAY: return type_length;
    default: return 0;
    }
}

/* src (a constant of ours) into dst of `size` bytes, cut to fit: once per leaf of every
 * file, where snprintf's formatting machinery was a few percent of a many-files load */
static void copy_name(char *dst, size_t size, const char *src) {
    size_t n = strlen(src);
    n = n < size ? n : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void set_logical(struct pq_arrow_type *t, const char *name) {
    copy_name(t->logical, sizeof t->logical, name);
}

static void set_type(struct pq_arrow_type *t, int kind, int width, const char *format,
                     const char *display) {
    t->kind = kind;
    t->width = width;
    copy_name(t->format, sizeof t->format, format);
    copy_name(t->display, sizeof t->display, display);
}

/* The natural Arrow type of a physical type with no logical annotation. */
static int map_physical(const struct pq_schema_element *se, struct pq_arrow_type *t) {
    char buf[24];
    switch (se->type) {
    case PQ_BOOLEAN: set_type(t, K_BOOL, 0, "b", "bool"); break;
    case PQ_INT32: set_type(t, K_INT32, 4, "i", "int32"); break;
    case PQ_INT64: set_type(t, K_INT64, 8, "l", "int64"); break;
    case PQ_INT96: set_type(t, K_INT96, 8, "", ""); pq_arrow_type_apply(t, 0, 0); break;
    case PQ_FLOAT: set_type(t, K_FLOAT, 4, "f", "float"); break;
    case PQ_DOUBLE: set_type(t, K_DOUBLE, 8, "g", "double"); break;
    case PQ_BYTE_ARRAY: set_type(t, K_BINARY, 0, "z", "binary"); break;
    case PQ_FIXED_LEN_BYTE_ARRAY:
        snprintf(buf, sizeof buf, "w:%d", se->type_length);
        set_type(t, K_FIXED, se->type_length, buf, buf);
        snprintf(t->display, sizeof t->display, "fixed_size_binary[%d]", se->type_length);
        break;
    default: return FDATA_ECORRUPT;
    }
    return FDATA_OK;
}

void pq_arrow_type_apply(struct pq_arrow_type *t, int int96_unit, int invalid_utf8) {
    static const struct { const char *format, *display; int64_t ns; } units[] = {
        [FDATA_INT96_S] = {"tss:", "timestamp[s]", 1000000000},
        [FDATA_INT96_MS] = {"tsm:", "timestamp[ms]", 1000000},
        [FDATA_INT96_US] = {"tsu:", "timestamp[us]", 1000},
        [FDATA_INT96_NS] = {"tsn:", "timestamp[ns]", 1},
    };
    if (t->kind == K_INT96) {
        int u = int96_unit >= FDATA_INT96_S && int96_unit <= FDATA_INT96_NS ? int96_unit
                                                                              : FDATA_INT96_US;
        copy_name(t->format, sizeof t->format, units[u].format);
        copy_name(t->display, sizeof t->display, units[u].display);
        t->ns_per_unit = units[u].ns;
    } else if (t->kind == K_UTF8 && invalid_utf8 == FDATA_UTF8_BINARY) {
        set_type(t, K_BINARY, 0, "z", "binary");
        t->extension = NULL;
    } else if (t->kind == K_UTF8) {
        t->replace_invalid = invalid_utf8 == FDATA_UTF8_REPLACE;
    }
}

void pq_arrow_type_strings(struct pq_arrow_type *t, int strings) {
    int utf8 = t->kind == K_UTF8;
    t->strings = strings == FDATA_STRINGS_VIEW || strings == FDATA_STRINGS_DICTIONARY
                     ? strings : FDATA_STRINGS_PLAIN;
    if (t->strings == FDATA_STRINGS_VIEW)
        set_type(t, t->kind, 0, utf8 ? "vu" : "vz", utf8 ? "string_view" : "binary_view");
    else if (t->strings == FDATA_STRINGS_DICTIONARY)
        snprintf(t->display, sizeof t->display, "dictionary<int32, %s>",
                 utf8 ? "string" : "binary");
}

/* Legacy ConvertedType -> the LogicalType it stands for (LogicalTypes.md, compatibility). */
static struct pq_logical_type from_converted(const struct pq_schema_element *se) {
    struct pq_logical_type lt = {0};
    switch (se->converted) {
    case PQ_CT_UTF8: lt.kind = PQ_LT_STRING; break;
    case PQ_CT_ENUM: lt.kind = PQ_LT_ENUM; break;
    case PQ_CT_JSON: lt.kind = PQ_LT_JSON; break;
    case PQ_CT_BSON: lt.kind = PQ_LT_BSON; break;
    case PQ_CT_DATE: lt.kind = PQ_LT_DATE; break;
    case PQ_CT_DECIMAL:
        lt.kind = PQ_LT_DECIMAL;
        lt.scale = se->scale;
        lt.precision = se->precision;
        break;
    case PQ_CT_TIME_MILLIS: case PQ_CT_TIME_MICROS:
        lt.kind = PQ_LT_TIME;
        lt.adjusted_to_utc = 1;
        lt.unit = se->converted == PQ_CT_TIME_MILLIS ? PQ_MILLIS : PQ_MICROS;
        break;
    case PQ_CT_TIMESTAMP_MILLIS: case PQ_CT_TIMESTAMP_MICROS:
        lt.kind = PQ_LT_TIMESTAMP;
        lt.adjusted_to_utc = 1;
        lt.unit = se->converted == PQ_CT_TIMESTAMP_MILLIS ? PQ_MILLIS : PQ_MICROS;
        break;
    case PQ_CT_UINT_8: case PQ_CT_UINT_16: case PQ_CT_UINT_32: case PQ_CT_UINT_64:
        lt.kind = PQ_LT_INTEGER;
        lt.bit_width = 8 << (se->converted - PQ_CT_UINT_8);
        lt.is_signed = 0;
        break;
    case PQ_CT_INT_8: case PQ_CT_INT_16: case PQ_CT_INT_32: case PQ_CT_INT_64:
        lt.kind = PQ_LT_INTEGER;
        lt.bit_width = 8 << (se->converted - PQ_CT_INT_8);
        lt.is_signed = 1;
        break;
    default: break;
    }
    return lt;
}

static const char *unit_name(int unit) {
    return unit == PQ_MILLIS ? "MILLIS" : unit == PQ_MICROS ? "MICROS" : "NANOS";
}
static const char *unit_code(int unit) {
    return unit == PQ_MILLIS ? "m" : unit == PQ_MICROS ? "u" : "n";
}
static const char *unit_short(int unit) {
    return unit == PQ_MILLIS ? "ms" : unit == PQ_MICROS ? "us" : "ns";
}

static int map_integer(const struct pq_logical_type *lt, int physical, struct pq_arrow_type *t) {
    static const struct { int bits, is_signed, kind, width; const char *fmt, *name; } ints[] = {
        {8, 1, K_INT8, 1, "c", "int8"},     {16, 1, K_INT16, 2, "s", "int16"},
        {32, 1, K_INT32, 4, "i", "int32"},  {64, 1, K_INT64, 8, "l", "int64"},
        {8, 0, K_UINT8, 1, "C", "uint8"},   {16, 0, K_UINT16, 2, "S", "uint16"},
        {32, 0, K_UINT32, 4, "I", "uint32"}, {64, 0, K_UINT64, 8, "L", "uint64"},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (ints[i].bits == lt->bit_width && ints[i].is_signed == (lt->is_signed != 0)) {
            if (physical != (lt->bit_width == 64 ? PQ_INT64 : PQ_INT32))
                return FDATA_ECORRUPT;
            set_type(t, ints[i].kind, ints[i].width, ints[i].fmt, ints[i].name);
            snprintf(t->logical, sizeof t->logical, "INTEGER(%d,%s)", lt->bit_width,
                     lt->is_signed ? "signed" : "unsigned");
            return FDATA_OK;
        }
    }
    return FDATA_ECORRUPT;
}

static int map_decimal(const struct pq_logical_type *lt, int physical, struct pq_arrow_type *t) {
    if (physical != PQ_INT32 && physical != PQ_INT64 && physical != PQ_BYTE_ARRAY &&
        physical != PQ_FIXED_LEN_BYTE_ARRAY)
        return FDATA_ECORRUPT;
    if (lt->precision > 76)
        return FDATA_EUNSUPPORTED;
    if (lt->precision < 1 || lt->scale < 0 || lt->scale > lt->precision)
        return FDATA_ECORRUPT;
    int wide = lt->precision > 38;
    set_type(t, K_DECIMAL, wide ? 32 : 16, "", "");
    t->precision = lt->precision;
    t->scale = lt->scale;
    snprintf(t->format, sizeof t->format, "d:%d,%d%s", lt->precision, lt->scale, wide ? ",256" : "");
    snprintf(t->display, sizeof t->display, "decimal%d(%d, %d)", wide ? 256 : 128, lt->precision,
             lt->scale);
    snprintf(t->logical, sizeof t->logical, "DECIMAL(%d,%d)", lt->precision, lt->scale);
    return FDATA_OK;
}

static int map_time(const struct pq_logical_type *lt, int physical, struct pq_arrow_type *t) {
    char fmt[8], name[24];
    if (lt->unit < PQ_MILLIS || lt->unit > PQ_NANOS)
        return FDATA_ECORRUPT;
    if (physical != (lt->unit == PQ_MILLIS ? PQ_INT32 : PQ_INT64))
        return FDATA_ECORRUPT;
    snprintf(fmt, sizeof fmt, "tt%s", unit_code(lt->unit));
    snprintf(name, sizeof name, "time%d[%s]", lt->unit == PQ_MILLIS ? 32 : 64, unit_short(lt->unit));
    set_type(t, lt->unit == PQ_MILLIS ? K_TIME32 : K_TIME64, lt->unit == PQ_MILLIS ? 4 : 8, fmt, name);
    snprintf(t->logical, sizeof t->logical, "TIME(%s,%s)", unit_name(lt->unit),
             lt->adjusted_to_utc ? "UTC" : "local");
    return FDATA_OK;
}

static int map_timestamp(const struct pq_logical_type *lt, int physical, struct pq_arrow_type *t) {
    char fmt[12], name[32];
    if (lt->unit < PQ_MILLIS || lt->unit > PQ_NANOS || physical != PQ_INT64)
        return FDATA_ECORRUPT;
    snprintf(fmt, sizeof fmt, "ts%s:%s", unit_code(lt->unit), lt->adjusted_to_utc ? "UTC" : "");
    snprintf(name, sizeof name, "timestamp[%s%s]", unit_short(lt->unit),
             lt->adjusted_to_utc ? ", tz=UTC" : "");
    set_type(t, K_TIMESTAMP, 8, fmt, name);
    snprintf(t->logical, sizeof t->logical, "TIMESTAMP(%s,%s)", unit_name(lt->unit),
             lt->adjusted_to_utc ? "UTC" : "local");
    return FDATA_OK;
}

static int map_logical(const struct pq_schema_element *se, const struct pq_logical_type *lt,
                       struct pq_arrow_type *t) {
    int ph = se->type;
    switch (lt->kind) {
    case PQ_LT_STRING: case PQ_LT_ENUM: case PQ_LT_JSON:
        if (ph != PQ_BYTE_ARRAY)
            return FDATA_ECORRUPT;
        set_type(t, K_UTF8, 0, "u", "utf8");
        t->extension = lt->kind == PQ_LT_JSON ? "arrow.json" : NULL;
        set_logical(t, lt->kind == PQ_LT_STRING ? "STRING" : lt->kind == PQ_LT_ENUM ? "ENUM" : "JSON");
        return FDATA_OK;
    case PQ_LT_BSON:
        if (ph != PQ_BYTE_ARRAY)
            return FDATA_ECORRUPT;
        set_type(t, K_BINARY, 0, "z", "binary");
        set_logical(t, "BSON");
        return FDATA_OK;
    case PQ_LT_DECIMAL: return map_decimal(lt, ph, t);
    case PQ_LT_DATE:
        if (ph != PQ_INT32)
            return FDATA_ECORRUPT;
        set_type(t, K_DATE32, 4, "tdD", "date32[day]");
        set_logical(t, "DATE");
        return FDATA_OK;
    case PQ_LT_TIME: return map_time(lt, ph, t);
    case PQ_LT_TIMESTAMP: return map_timestamp(lt, ph, t);
    case PQ_LT_INTEGER: return map_integer(lt, ph, t);
    case PQ_LT_UUID:
        if (ph != PQ_FIXED_LEN_BYTE_ARRAY || se->type_length != 16)
            return FDATA_ECORRUPT;
        set_type(t, K_FIXED, 16, "w:16", "uuid");
        t->extension = "arrow.uuid";
        set_logical(t, "UUID");
        return FDATA_OK;
    case PQ_LT_FLOAT16:
        if (ph != PQ_FIXED_LEN_BYTE_ARRAY || se->type_length != 2)
            return FDATA_ECORRUPT;
        set_type(t, K_FLOAT16, 2, "e", "halffloat");
        set_logical(t, "FLOAT16");
        return FDATA_OK;
    default: /* UNKNOWN (always null), GEOMETRY and members we do not know: physical type */
        if (map_physical(se, t) != FDATA_OK)
            return FDATA_ECORRUPT;
        set_logical(t, lt->kind == PQ_LT_UNKNOWN ? "UNKNOWN" : lt->kind == PQ_LT_NONE ? "" : "OTHER");
        return FDATA_OK;
    }
}

/* The leaf's Arrow type, or the status why it has none with the reason in why[size]. */
static int resolve_leaf_type(struct pq_leaf *leaf, char *why, size_t size) {
    const struct pq_schema_element *se = leaf->element;
    struct pq_arrow_type *t = &leaf->arrow;
    struct pq_logical_type lt = se->logical;
    if (lt.kind == PQ_LT_NONE && se->converted == PQ_CT_INTERVAL) {
        if (se->type != PQ_FIXED_LEN_BYTE_ARRAY || se->type_length != 12)
            goto invalid;
        set_type(t, K_INTERVAL, 16, "tin", "month_day_nano_interval");
        set_logical(t, "INTERVAL");
        return FDATA_OK;
    }
    if (lt.kind == PQ_LT_NONE)
        lt = from_converted(se);
    int status = map_logical(se, &lt, t);
    if (status == FDATA_OK)
        return FDATA_OK;
    if (status == FDATA_EUNSUPPORTED) { /* only a decimal too wide for decimal256 */
        snprintf(why, size, "column '%s': DECIMAL(%d,%d) exceeds the 76 digits of Arrow's "
                 "decimal256", leaf->path, lt.precision, lt.scale);
        return status;
    }
invalid:
    snprintf(why, size, "column '%s': logical type %s is not valid on physical type %s (length %d)",
             leaf->path, t->logical[0] ? t->logical : "annotation", pq_type_name(se->type),
             se->type_length);
    return FDATA_ECORRUPT;
}

struct tree_walk {
    const struct pq_metadata *md;
    struct pq_schema *s;
    int next;              /* next schema element to visit */
    int depth;
    struct fdata_error *err;
};

static struct pq_node *new_node(struct tree_walk *w, int kind, const char *name) {
    struct pq_node *n = &w->s->nodes[w->s->num_nodes++];
    *n = (struct pq_node){.kind = kind, .name = name, .first_leaf = w->s->num_leaves};
    return n;
}

static char *join_path(struct tree_walk *w, const char *parent, const char *name) {
    size_t plen = parent ? strlen(parent) + 1 : 0, nlen = strlen(name);
    char *path = pq_arena_alloc(&w->s->arena, plen + nlen + 1);
    if (path && parent) {
        memcpy(path, parent, plen - 1);
        path[plen - 1] = '.';
    }
    if (path)
        memcpy(path + plen, name, nlen + 1);
    return path;
}

static int add_leaf(struct tree_walk *w, const struct pq_schema_element *se, char *path,
                    struct pq_node *node) {
    struct pq_schema *s = w->s;
    struct pq_leaf *leaf = &s->leaves[s->num_leaves];
    node->leaf = s->num_leaves++;
    *leaf = (struct pq_leaf){
        .element = se, .node = node, .path = path, .physical = se->type,
        .type_length = se->type_length, .repetition = se->repetition, .max_def = node->def,
        .max_rep = node->enc_rep, .nested = node->enc_rep > 0 || strchr(path, '.') != NULL,
    };
    if (se->type < PQ_BOOLEAN || se->type > PQ_FIXED_LEN_BYTE_ARRAY)
        return fdata_set_error(w->err, FDATA_ECORRUPT, "column '%s' has invalid physical type %d",
                               path, se->type);
    if (se->type == PQ_FIXED_LEN_BYTE_ARRAY && se->type_length <= 0)
        return fdata_set_error(w->err, FDATA_ECORRUPT,
                               "column '%s' is FIXED_LEN_BYTE_ARRAY of invalid length %d", path,
                               se->type_length);
    char why[160];
    leaf->type_status = resolve_leaf_type(leaf, why, sizeof why);
    if (leaf->type_status == FDATA_OK)
        return FDATA_OK;
    char *kept = pq_arena_alloc(&s->arena, strlen(why) + 1); /* for a read that selects it */
    if (!kept)
        return fdata_set_error(w->err, FDATA_ENOMEM, "out of memory");
    leaf->type_error = strcpy(kept, why);
    return FDATA_OK;
}

static int is_list(const struct pq_schema_element *se) {
    return se->logical.kind == PQ_LT_LIST || (se->logical.kind == PQ_LT_NONE && se->converted == PQ_CT_LIST);
}

static int is_map(const struct pq_schema_element *se) {
    return se->logical.kind == PQ_LT_MAP ||
           (se->logical.kind == PQ_LT_NONE &&
            (se->converted == PQ_CT_MAP || se->converted == PQ_CT_MAP_KEY_VALUE));
}

/* Where a node's levels stand: its parent's definition and repetition levels and the slot
 * criterion it inherits. */
struct levels {
    int def, rep, enc_def, enc_rep;
};

static int convert(struct tree_walk *w, const char *parent_path, struct levels lv,
                   int as_element, struct pq_node **out);

/* The next element, which must exist: a group may not claim more children than there are. */
static const struct pq_schema_element *peek(struct tree_walk *w) {
    if (w->next >= w->md->num_schema) {
        fdata_set_error(w->err, FDATA_ECORRUPT,
                        "schema: a group claims more children than the schema holds");
        return NULL;
    }
    return &w->md->schema[w->next];
}

/* The elements of a list or map start one repetition level deeper. */
static struct levels element_levels(struct pq_node *n) {
    n->elem_def = n->def + 1;
    n->elem_rep = n->enc_rep + 1;
    return (struct levels){n->elem_def, n->elem_rep, n->elem_def, n->elem_rep};
}

static int add_child(struct tree_walk *w, struct pq_node *parent, struct pq_node *child) {
    struct pq_node **kids = realloc(parent->children, (size_t)(parent->num_children + 1) * sizeof *kids);
    if (!kids)
        return fdata_set_error(w->err, FDATA_ENOMEM, "out of memory");
    kids[parent->num_children++] = child;
    parent->children = kids;
    return FDATA_OK;
}

/* LIST: one repeated child.  Which node is the element follows LogicalTypes.md: a repeated
 * primitive, a repeated group of several fields, or one named "array" or "<list>_tuple" is
 * the element itself; otherwise the repeated group's single field is. */
static int convert_list(struct tree_walk *w, const struct pq_schema_element *se,
                        const char *path, struct pq_node *list) {
    const struct pq_schema_element *r = peek(w);
    if (!r)
        return FDATA_ECORRUPT;
    if (se->num_children != 1 || r->repetition != PQ_REPEATED)
        return fdata_set_error(w->err, FDATA_ECORRUPT,
                               "schema: LIST '%s' must hold one repeated field", path);
    struct levels elv = element_levels(list);
    char tuple[256];
    snprintf(tuple, sizeof tuple, "%s_tuple", se->name);
    struct pq_node *elem;
    int status;
    if (r->num_children != 1 || strcmp(r->name, "array") == 0 || strcmp(r->name, tuple) == 0) {
        status = convert(w, path, elv, 1, &elem);
    } else {
        char *rpath = join_path(w, path, r->name);
        if (!rpath)
            return fdata_set_error(w->err, FDATA_ENOMEM, "out of memory");
        w->next++; /* the repeated group is only the list's level */
        status = convert(w, rpath, elv, 0, &elem);
    }
    return status == FDATA_OK ? add_child(w, list, elem) : status;
}

/* MAP: one repeated key_value group of a key and an optional value. */
static int convert_map(struct tree_walk *w, const struct pq_schema_element *se,
                       const char *path, struct pq_node *map) {
    const struct pq_schema_element *kv = peek(w);
    if (!kv)
        return FDATA_ECORRUPT;
    if (se->num_children != 1 || kv->repetition != PQ_REPEATED || kv->num_children < 1 ||
        kv->num_children > 2)
        return fdata_set_error(w->err, FDATA_ECORRUPT,
                               "schema: MAP '%s' must hold one repeated group of a key and a value",
                               path);
    struct levels elv = element_levels(map);
    char *kvpath = join_path(w, path, kv->name);
    if (!kvpath)
        return fdata_set_error(w->err, FDATA_ENOMEM, "out of memory");
    w->next++;
    int status = FDATA_OK;
    for (int i = 0; i < kv->num_children && status == FDATA_OK; i++) {
        struct pq_node *child;
        status = convert(w, kvpath, elv, 0, &child);
        if (status == FDATA_OK)
            status = add_child(w, map, child);
    }
    if (status != FDATA_OK)
        return status;
    /* The first field is the key, whatever its name (a writer may list "value" first, as
     * Impala's switched_map does; DuckDB, pyarrow and arrow-rs all take the first): Arrow's
     * map entries are named key and value.  Arrow map keys are never null. */
    map->children[0]->name = "key";
    map->children[0]->nullable = 0;
    if (map->num_children > 1)
        map->children[1]->name = "value";
    return status;
}

static int convert_group(struct tree_walk *w, const struct pq_schema_element *se,
                         const char *path, struct pq_node *node) {
    if (is_list(se))
        return convert_list(w, se, path, node);
    if (is_map(se))
        return convert_map(w, se, path, node);
    int status = FDATA_OK;
    struct levels lv = {node->def, node->enc_rep, node->enc_def, node->enc_rep};
    for (int i = 0; i < se->num_children && status == FDATA_OK; i++) {
        struct pq_node *child;
        status = convert(w, path, lv, 0, &child);
        if (status == FDATA_OK)
            status = add_child(w, node, child);
    }
    return status;
}

/* Converts the element at w->next and its subtree.  `as_element`: the element is a list's
 * element whose repetition the list already counted. */
static int convert(struct tree_walk *w, const char *parent_path, struct levels lv,
                   int as_element, struct pq_node **out) {
    const struct pq_schema_element *se = peek(w);
    if (!se)
        return FDATA_ECORRUPT;
    if (++w->depth > PQ_MAX_DEPTH)
        return fdata_set_error(w->err, FDATA_ECORRUPT, "schema nested more than %d levels deep",
                               PQ_MAX_DEPTH);
    int repetition = as_element ? PQ_REQUIRED : se->repetition;
    int status;
    if (repetition == PQ_REPEATED) {
        /* A repeated field outside a LIST is a required list of that field. */
        struct pq_node *list = new_node(w, N_LIST, se->name);
        list->def = lv.def;
        list->enc_def = lv.enc_def;
        list->enc_rep = lv.enc_rep;
        struct pq_node *elem;
        status = convert(w, parent_path, element_levels(list), 1, &elem);
        if (status == FDATA_OK)
            status = add_child(w, list, elem);
        list->last_leaf = w->s->num_leaves - 1;
        *out = list;
        w->depth--;
        return status;
    }
    w->next++;
    char *path = join_path(w, parent_path, se->name);
    if (!path)
        return fdata_set_error(w->err, FDATA_ENOMEM, "out of memory");
    int kind = se->num_children <= 0 ? N_LEAF : is_list(se) ? N_LIST : is_map(se) ? N_MAP : N_STRUCT;
    struct pq_node *node = new_node(w, kind, se->name);
    node->nullable = repetition == PQ_OPTIONAL;
    node->def = lv.def + node->nullable;
    node->enc_def = lv.enc_def;
    node->enc_rep = lv.enc_rep;
    status = kind == N_LEAF ? add_leaf(w, se, path, node) : convert_group(w, se, path, node);
    node->last_leaf = w->s->num_leaves - 1;
    *out = node;
    w->depth--;
    return status;
}

/* Each leaf's row_aligned: whether no leaf of its top-level field is repeated. */
static void mark_row_aligned(struct pq_schema *s) {
    for (int f = 0; f < s->num_fields; f++) {
        const struct pq_node *field = s->fields[f];
        int aligned = 1;
        for (int i = field->first_leaf; i <= field->last_leaf; i++)
            aligned &= s->leaves[i].max_rep == 0;
        for (int i = field->first_leaf; i <= field->last_leaf; i++)
            s->leaves[i].row_aligned = aligned;
    }
}

int pq_schema_build(const struct pq_metadata *md, struct pq_schema *s, struct fdata_error *err) {
    memset(s, 0, sizeof *s);
    if (md->num_schema < 1)
        return fdata_set_error(err, FDATA_ECORRUPT, "schema is empty");
    const struct pq_schema_element *root = &md->schema[0];
    if (root->num_children < 0 || root->num_children > md->num_schema - 1)
        return fdata_set_error(err, FDATA_ECORRUPT, "schema root claims %d children of %d elements",
                               root->num_children, md->num_schema - 1);
    size_t n = (size_t)md->num_schema;
    /* leaves and nodes are set whole as they are made (add_leaf, new_node), and only those
     * made are read: not zeroed in advance (they are most of a wide schema's bytes) */
    s->leaves = malloc(n * sizeof *s->leaves);
    s->fields = calloc(n, sizeof *s->fields);
    s->nodes = malloc(2 * n * sizeof *s->nodes); /* a bare repeated field makes two nodes */
    if (!s->leaves || !s->fields || !s->nodes) {
        pq_schema_free(s);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    struct tree_walk w = {.md = md, .s = s, .next = 1, .err = err};
    int status = FDATA_OK;
    for (int i = 0; i < root->num_children && status == FDATA_OK; i++)
        status = convert(&w, NULL, (struct levels){0, 0, 0, 0}, 0, &s->fields[s->num_fields++]);
    if (status == FDATA_OK && w.next != md->num_schema)
        status = fdata_set_error(err, FDATA_ECORRUPT,
                                 "schema has %d elements but its tree uses %d", md->num_schema,
                                 w.next);
    if (status != FDATA_OK)
        pq_schema_free(s);
    else
        mark_row_aligned(s);
    return status;
}

void pq_schema_free(struct pq_schema *s) {
    if (s->nodes)
        for (int i = 0; i < s->num_nodes; i++)
            free(s->nodes[i].children);
    free(s->leaves);
    free(s->fields);
    free(s->nodes);
    pq_arena_free(&s->arena);
    memset(s, 0, sizeof *s);
}
