/* Footer statistics for pruning (see stats.h).  The sort orders are those of the Parquet
 * spec (parquet.thrift, ColumnOrder): signed for signed integers, dates, times, timestamps
 * and floats, unsigned for UINT_* and for byte arrays (bytewise). */
#include <math.h>
#include <string.h>
#include "../common/common.h"
#include "file.h"
#include "stats.h"

/* The field among fields[0..n) named `column`, or whose struct holds the path `column`
 * names (a name with dots wins over a path): its leaf when it is one leaf, else -1; *found
 * whether there is such a field. */
static int field_leaf(struct pq_node *const *fields, int n, const char *column, int *found) {
    int leaf = -1;
    *found = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(fields[i]->name, column) != 0)
            continue;
        leaf = !*found && fields[i]->kind == N_LEAF ? fields[i]->leaf : -1; /* twice: none */
        *found = 1;
    }
    for (int i = 0; i < n && !*found; i++) {
        size_t len = strlen(fields[i]->name);
        if (fields[i]->kind == N_STRUCT && strncmp(column, fields[i]->name, len) == 0 &&
            column[len] == '.')
            leaf = field_leaf(fields[i]->children, fields[i]->num_children, column + len + 1,
                              found);
    }
    return leaf;
}

static int top_level_leaf(const struct pq_schema *s, const char *column, int *found) {
    return field_leaf(s->fields, s->num_fields, column, found);
}

void pq_decimal_load(const uint8_t *v, size_t len, int big_endian, uint64_t out[4]) {
    uint8_t b[32];
    for (size_t k = 0; k < len; k++) /* little-endian, sign-extended */
        b[k] = big_endian ? v[len - 1 - k] : v[k];
    memset(b + len, len && (b[len - 1] & 0x80) ? 0xff : 0, 32 - len);
    for (int k = 0; k < 4; k++) {
        out[k] = 0;
        for (int j = 7; j >= 0; j--)
            out[k] = out[k] << 8 | b[8 * k + j];
    }
}

int pq_decimal_cmp(const uint64_t a[4], const uint64_t b[4]) {
    if (a[3] != b[3])
        return (int64_t)a[3] < (int64_t)b[3] ? -1 : 1;
    for (int k = 2; k >= 0; k--)
        if (a[k] != b[k])
            return a[k] < b[k] ? -1 : 1;
    return 0;
}

/* The bound type of a leaf's values, and whether the deprecated min/max (signed comparison)
 * hold for it. */
static int bound_of(const struct pq_leaf *l, int invalid_utf8, int *legacy_ok) {
    *legacy_ok = 0;
    switch (l->arrow.kind) {
    case K_INT8: case K_INT16: case K_INT32: case K_INT64: case K_DATE32: case K_TIME32:
    case K_TIME64: case K_TIMESTAMP:
        *legacy_ok = 1;
        return l->physical == PQ_INT32 || l->physical == PQ_INT64 ? PQ_BOUND_INT : PQ_BOUND_NONE;
    case K_UINT8: case K_UINT16: case K_UINT32: case K_UINT64:
        return l->physical == PQ_INT32 || l->physical == PQ_INT64 ? PQ_BOUND_UINT : PQ_BOUND_NONE;
    case K_FLOAT: case K_DOUBLE:
        *legacy_ok = 1;
        return PQ_BOUND_FLOAT;
    case K_UTF8:
        return invalid_utf8 == FDATA_UTF8_REPLACE ? PQ_BOUND_NONE : PQ_BOUND_BYTES;
    case K_BINARY:
        return l->physical == PQ_BYTE_ARRAY ? PQ_BOUND_BYTES : PQ_BOUND_NONE;
    case K_FIXED: /* and UUIDs: unsigned bytewise (not float16, a kind of its own) */
        return l->physical == PQ_FIXED_LEN_BYTE_ARRAY ? PQ_BOUND_BYTES : PQ_BOUND_NONE;
    case K_BOOL:
        *legacy_ok = 1;
        return l->physical == PQ_BOOLEAN ? PQ_BOUND_INT : PQ_BOUND_NONE;
    case K_DECIMAL: /* parquet-mr ordered INT32/INT64 ones signed; binaries bytewise */
        *legacy_ok = l->physical == PQ_INT32 || l->physical == PQ_INT64;
        return PQ_BOUND_DEC;
    default:
        return PQ_BOUND_NONE; /* INT96, intervals, float16 */
    }
}

/* One PLAIN value of a fixed-width leaf into out's min (is_max 0) or max; 0 when its
 * length is not the type's or the value cannot bound (NaN). */
static int take_value(const struct pq_leaf *l, int bound, const uint8_t *v, size_t len,
                      int is_max, struct pq_column_stats *out) {
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    if (bound == PQ_BOUND_BYTES) {
        *(is_max ? &out->max_b : &out->min_b) = v;
        *(is_max ? &out->max_len : &out->min_len) = len;
        return 1;
    }
    if (bound == PQ_BOUND_DEC) { /* INT32/INT64 little-endian, binaries big-endian */
        int le = l->physical == PQ_INT32 || l->physical == PQ_INT64;
        size_t want = l->physical == PQ_INT32 ? 4 : l->physical == PQ_INT64 ? 8
                      : l->physical == PQ_FIXED_LEN_BYTE_ARRAY ? (size_t)l->type_length : len;
        if (len != want || len == 0 || len > 32)
            return 0;
        pq_decimal_load(v, len, !le, is_max ? out->max_d : out->min_d);
        return 1;
    }
    if (l->physical == PQ_BOOLEAN) {
        if (len != 1 || v[0] > 1)
            return 0;
        i = v[0];
    } else if (l->physical == PQ_INT32 && len == 4) {
        i = (int32_t)fdata_load_u32le(v);
        u = fdata_load_u32le(v);
    } else if (l->physical == PQ_INT64 && len == 8) {
        u = fdata_load_u64le(v);
        i = (int64_t)u;
    } else if (l->physical == PQ_FLOAT && len == 4) {
        uint32_t bits = fdata_load_u32le(v);
        float f;
        memcpy(&f, &bits, sizeof f);
        d = f;
    } else if (l->physical == PQ_DOUBLE && len == 8) {
        uint64_t bits = fdata_load_u64le(v);
        memcpy(&d, &bits, sizeof d);
    } else {
        return 0;
    }
    if (bound == PQ_BOUND_FLOAT && isnan(d))
        return 0;
    *(is_max ? &out->max_i : &out->min_i) = i;
    *(is_max ? &out->max_u : &out->min_u) = u;
    *(is_max ? &out->max_f : &out->min_f) = d;
    return 1;
}

/* Whether min <= max in the bound's order (a file claiming otherwise is not believed). */
static int ordered(const struct pq_column_stats *s) {
    switch (s->bound) {
    case PQ_BOUND_INT: return s->min_i <= s->max_i;
    case PQ_BOUND_UINT: return s->min_u <= s->max_u;
    case PQ_BOUND_FLOAT: return s->min_f <= s->max_f;
    case PQ_BOUND_DEC: return pq_decimal_cmp(s->min_d, s->max_d) <= 0;
    default: {
        size_t n = s->min_len < s->max_len ? s->min_len : s->max_len;
        int c = n ? memcmp(s->min_b, s->max_b, n) : 0;
        return c < 0 || (c == 0 && s->min_len <= s->max_len);
    }
    }
}

int pq_column_leaf(const fdata_parquet_file *f, const char *column) {
    int found;
    return top_level_leaf(pq_file_schema(f), column, &found);
}

/* What out says of `column` in row group rg whatever its statistics (found, leaf, values,
 * width, the row group's rows, an unknown null count); its leaf, or NULL when it is not one
 * flat leaf.  *legacy_ok: whether min/max in signed order bound it. */
static const struct pq_leaf *describe(const fdata_parquet_file *f, int rg, const char *column,
                                      int invalid_utf8, int *legacy_ok,
                                      struct pq_column_stats *out) {
    const struct pq_schema *s = pq_file_schema(f);
    memset(out, 0, sizeof *out);
    out->null_count = -1;
    out->rows = pq_file_metadata(f)->row_groups[rg].num_rows;
    out->leaf = top_level_leaf(s, column, &out->found);
    *legacy_ok = 0;
    if (out->leaf < 0)
        return NULL;
    const struct pq_leaf *l = &s->leaves[out->leaf];
    out->values = bound_of(l, invalid_utf8, legacy_ok);
    out->width = out->values == PQ_BOUND_BYTES ? 0 : pq_physical_width(l->physical, l->type_length);
    out->big_endian = out->values == PQ_BOUND_DEC && l->physical != PQ_INT32 &&
                      l->physical != PQ_INT64;
    return l;
}

/* Whether the leaf's min_value/max_value (and page index bounds) follow its type's order. */
static int type_order(const fdata_parquet_file *f, int leaf) {
    const struct pq_metadata *md = pq_file_metadata(f);
    return leaf < md->num_column_orders && md->column_orders[leaf];
}

/* The bounds [min, max] (PLAIN values) into out when both read as its values and ordered. */
static void take_bounds(const struct pq_leaf *l, const uint8_t *min, size_t min_len,
                        const uint8_t *max, size_t max_len, struct pq_column_stats *out) {
    if (out->values == PQ_BOUND_NONE || !min || !max ||
        !take_value(l, out->values, min, min_len, 0, out) ||
        !take_value(l, out->values, max, max_len, 1, out))
        return;
    out->bound = out->values;
    if (!ordered(out))
        out->bound = PQ_BOUND_NONE;
}

void pq_column_stats(const fdata_parquet_file *f, int rg, const char *column, int invalid_utf8,
                     struct pq_column_stats *out) {
    int legacy_ok;
    const struct pq_leaf *l = describe(f, rg, column, invalid_utf8, &legacy_ok, out);
    if (!l)
        return;
    const struct pq_column_chunk *cc = &pq_file_metadata(f)->row_groups[rg].columns[out->leaf];
    if (!cc->has_meta || cc->encrypted || cc->external)
        return;
    const struct pq_statistics *st = &cc->meta.stats;
    if (st->null_count >= 0 && st->null_count <= out->rows)
        out->null_count = st->null_count;
    if (type_order(f, out->leaf) && st->min_value && st->max_value)
        take_bounds(l, st->min_value, st->min_value_len, st->max_value, st->max_value_len, out);
    else if (legacy_ok && st->min && st->max)
        take_bounds(l, st->min, st->min_len, st->max, st->max_len, out);
}

void pq_page_stats(const fdata_parquet_file *f, int rg, const char *column, int invalid_utf8,
                   const struct pq_chunk_pages *pages, int page, struct pq_column_stats *out) {
    int legacy_ok;
    const struct pq_leaf *l = describe(f, rg, column, invalid_utf8, &legacy_ok, out);
    if (!l || page < 0 || page >= pages->num_pages)
        return;
    const struct pq_page *pg = &pages->pages[page];
    out->rows = pg->rows;
    if (!pages->has_stats)
        return;
    if (pg->null_page) {
        out->null_count = pg->rows;
        return;
    }
    if (pg->null_count >= 0 && pg->null_count <= pg->rows)
        out->null_count = pg->null_count;
    if (type_order(f, out->leaf) || legacy_ok) /* without TYPE_ORDER: signed, as min/max */
        take_bounds(l, pg->min, pg->min_len, pg->max, pg->max_len, out);
}
