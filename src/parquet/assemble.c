/* Record assembly from repetition and definition levels (the Dremel encoding).
 *
 * Every node of a field is built from the levels of one selected leaf below it: an entry is
 * a slot of the node when rep <= enc_rep and def >= enc_def, and the node is non-null there
 * when def >= def(node).  A list's elements are the entries with rep <= elem_rep and
 * def >= elem_def, so its offsets count those between its slots.  Leaf values were already
 * placed into their slots by the column decoder; nothing here copies values. */
#include <stdlib.h>
#include "../arrow/build.h"
#include "../common/common.h"
#include "assemble.h"
#include "fastdata/parquet.h"

int pq_node_selected(const struct pq_projection *p, const struct pq_node *node) {
    for (int i = node->first_leaf; i <= node->last_leaf; i++)
        if (p->selected[i])
            return 1;
    return 0;
}

/* The levels of the first selected leaf below a node. */
static const struct pq_levels *node_levels(const struct pq_projection *p,
                                           const struct pq_node *node,
                                           const struct pq_leaf_result *leaves) {
    for (int i = node->first_leaf; i <= node->last_leaf; i++)
        if (p->selected[i])
            return &leaves[i].levels;
    return NULL;
}

static int is_slot(const struct pq_node *n, const struct pq_levels *lv, size_t i) {
    return lv->rep[i] <= n->enc_rep && lv->def[i] >= n->enc_def;
}

static int64_t count_bits(const uint8_t *bits, int64_t n) {
    int64_t ones = 0;
    for (int64_t b = 0; b < n / 8; b++)
        ones += __builtin_popcount(bits[b]);
    for (int64_t i = n / 8 * 8; i < n; i++)
        ones += (bits[i >> 3] >> (i & 7)) & 1;
    return ones;
}

/* Validity of a node over its `slots` slots (known from its parent: the rows, or the
 * elements of the enclosing list), counting nulls.  Returns FDATA_ECORRUPT when the levels
 * hold another number of slots. */
static int slot_validity(const struct pq_node *n, const struct pq_levels *lv, int64_t slots,
                         uint8_t **out, int64_t *nulls) {
    uint8_t *bits = fdata_aligned_calloc((size_t)slots / 8 + 1);
    if (!bits)
        return FDATA_ENOMEM;
    int64_t k = 0;
    for (size_t i = 0; i < lv->count; i++) {
        if (!is_slot(n, lv, i))
            continue;
        if (k == slots)
            break;
        bits[k >> 3] |= (uint8_t)((lv->def[i] >= n->def) << (k & 7));
        k++;
    }
    *out = bits;
    *nulls = slots - count_bits(bits, slots);
    return k == slots ? FDATA_OK : FDATA_ECORRUPT;
}

static int assemble_node(const struct pq_schema *s, const struct pq_projection *p,
                         const struct pq_node *n, struct pq_leaf_result *leaves, int64_t slots,
                         struct ArrowArray *out, struct fdata_error *err);

static int length_mismatch(const struct pq_node *n, const struct pq_node *child, int64_t want,
                           int64_t got, struct fdata_error *err) {
    return fdata_set_error(err, FDATA_ECORRUPT,
                           "levels disagree: '%s' has %lld slots, its child '%s' %lld values",
                           n->name, (long long)want, child->name, (long long)got);
}

/* The selected children of a struct (or a map's key_value entries), assembled. */
static int assemble_children(const struct pq_schema *s, const struct pq_projection *p,
                             const struct pq_node *n, struct pq_leaf_result *leaves,
                             int64_t length, struct ArrowArray *kids, int *count,
                             struct fdata_error *err) {
    int status = FDATA_OK;
    *count = 0;
    for (int c = 0; c < n->num_children && status == FDATA_OK; c++) {
        const struct pq_node *child = n->children[c];
        if (!pq_node_selected(p, child))
            continue;
        status = assemble_node(s, p, child, leaves, length, &kids[*count], err);
        if (status == FDATA_OK && kids[*count].length != length)
            status = length_mismatch(n, child, length, kids[*count].length, err);
        if (kids[*count].release)
            (*count)++;
    }
    if (status != FDATA_OK)
        for (int c = 0; c < *count; c++)
            kids[c].release(&kids[c]);
    return status;
}

static int levels_disagree(const struct pq_node *n, int64_t slots, struct fdata_error *err) {
    return fdata_set_error(err, FDATA_ECORRUPT,
                           "levels disagree: '%s' should have %lld slots (rows or list elements)",
                           n->name, (long long)slots);
}

static int assemble_struct(const struct pq_schema *s, const struct pq_projection *p,
                           const struct pq_node *n, struct pq_leaf_result *leaves, int64_t slots,
                           struct ArrowArray *out, struct fdata_error *err) {
    int64_t nulls = 0;
    uint8_t *bits = NULL;
    int status = slot_validity(n, node_levels(p, n, leaves), slots, &bits, &nulls);
    struct ArrowArray *kids = calloc((size_t)n->num_children + 1, sizeof *kids);
    int count = 0;
    if (status == FDATA_ECORRUPT)
        status = levels_disagree(n, slots, err);
    else if (status != FDATA_OK || !kids)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    else
        status = assemble_children(s, p, n, leaves, slots, kids, &count, err);
    if (status == FDATA_OK) {
        void *buffers[1] = {nulls ? bits : NULL};
        if (!nulls)
            fdata_aligned_free(bits);
        bits = NULL;
        if (fdata_array_make_parent(out, slots, nulls, 1, buffers, kids, count) != FDATA_OK)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    fdata_aligned_free(bits);
    free(kids);
    return status;
}

/* Offsets (int32, or int64 for a large list) and validity of a list or map over its slots,
 * in one pass over the levels; *elements gets the element count. */
#define LIST_OFFSETS_LOOP(T)                                                          \
    for (size_t i = 0; i < lv->count; i++) {                                          \
        uint8_t rep = lv->rep[i], def = lv->def[i];                                   \
        if (rep <= n->enc_rep && def >= n->enc_def) {                                 \
            if (k == slots)                                                           \
                return FDATA_ECORRUPT;                                                \
            ((T *)offsets)[k] = (T)count;                                             \
            bits[k >> 3] |= (uint8_t)((def >= n->def) << (k & 7));                    \
            k++;                                                                      \
        }                                                                             \
        count += rep <= n->elem_rep && def >= n->elem_def;                            \
    }

static int list_offsets(const struct pq_node *n, const struct pq_levels *lv, int large,
                        int64_t slots, void *offsets, uint8_t *bits, int64_t *nulls,
                        int64_t *elements) {
    int64_t count = 0, k = 0;
    if (large) {
        LIST_OFFSETS_LOOP(int64_t)
        ((int64_t *)offsets)[k] = count;
    } else {
        LIST_OFFSETS_LOOP(int32_t)
        if (count > INT32_MAX) /* elements counted per entry: at most 2^32 here */
            return FDATA_ERANGE;
        ((int32_t *)offsets)[k] = (int32_t)count;
    }
    if (k != slots)
        return FDATA_ECORRUPT;
    *elements = count;
    *nulls = slots - count_bits(bits, slots);
    return FDATA_OK;
}

/* A map's entries: a non-null struct of the key and the value (all null when the file's
 * key_value group has no value field). */
static int assemble_entries(const struct pq_schema *s, const struct pq_projection *p,
                            const struct pq_node *n, struct pq_leaf_result *leaves,
                            int64_t elements, struct ArrowArray *out, struct fdata_error *err) {
    struct ArrowArray kids[2];
    int count;
    int status = assemble_children(s, p, n, leaves, elements, kids, &count, err);
    if (status == FDATA_OK && n->num_children == 1) { /* no value field: a null array */
        status = fdata_array_make(&kids[1], elements, elements, 0, NULL);
        count = 2;
    }
    if (status == FDATA_OK) {
        void *no_validity = NULL;
        status = fdata_array_make_parent(out, elements, 0, 1, &no_validity, kids, count);
    }
    return status;
}

static int assemble_list(const struct pq_schema *s, const struct pq_projection *p,
                         const struct pq_node *n, struct pq_leaf_result *leaves, int64_t slots,
                         struct ArrowArray *out, struct fdata_error *err) {
    void *offsets = NULL;
    uint8_t *bits = NULL;
    int64_t nulls = 0, elements = 0;
    int large = p->large[n - s->nodes];
    offsets = fdata_aligned_alloc(((size_t)slots + 1) * (large ? 8 : 4));
    bits = fdata_aligned_calloc((size_t)slots / 8 + 1);
    int status = offsets && bits ? list_offsets(n, node_levels(p, n, leaves), large, slots,
                                                offsets, bits, &nulls, &elements)
                                 : FDATA_ENOMEM;
    struct ArrowArray child = {.release = NULL};
    if (status == FDATA_ERANGE)
        status = fdata_set_error(err, FDATA_ERANGE, "list '%s' holds more than 2^31 elements",
                                 n->name);
    else if (status == FDATA_ECORRUPT)
        status = levels_disagree(n, slots, err);
    else if (status != FDATA_OK)
        status = fdata_set_error(err, status, "out of memory");
    else if (n->kind == N_MAP)
        status = assemble_entries(s, p, n, leaves, elements, &child, err);
    else
        status = assemble_node(s, p, n->children[0], leaves, elements, &child, err);
    if (status == FDATA_OK && child.length != elements)
        status = length_mismatch(n, n->children[0], elements, child.length, err);
    if (status == FDATA_OK) {
        void *buffers[2] = {nulls ? bits : NULL, offsets};
        if (!nulls)
            fdata_aligned_free(bits);
        bits = NULL;
        offsets = NULL;
        if (fdata_array_make_parent(out, slots, nulls, 2, buffers, &child, 1) != FDATA_OK)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    if (child.release)
        child.release(&child);
    fdata_aligned_free(bits);
    fdata_aligned_free(offsets);
    return status;
}

static int assemble_node(const struct pq_schema *s, const struct pq_projection *p,
                         const struct pq_node *n, struct pq_leaf_result *leaves, int64_t slots,
                         struct ArrowArray *out, struct fdata_error *err) {
    out->release = NULL;
    switch (n->kind) {
    case N_LEAF:
        if (leaves[n->leaf].array.length != slots)
            return levels_disagree(n, slots, err);
        *out = leaves[n->leaf].array;
        leaves[n->leaf].array.release = NULL;
        return FDATA_OK;
    case N_STRUCT:
        return assemble_struct(s, p, n, leaves, slots, out, err);
    default:
        return assemble_list(s, p, n, leaves, slots, out, err);
    }
}

int pq_assemble_field(const struct pq_schema *s, const struct pq_projection *p,
                      const struct pq_node *field, struct pq_leaf_result *leaves,
                      int64_t num_rows, struct ArrowArray *out, struct fdata_error *err) {
    return assemble_node(s, p, field, leaves, num_rows, out, err);
}

/* ---- schema ---- */

static int node_schema(const struct pq_schema *s, const struct pq_projection *p,
                       const struct pq_node *n, const char *name, struct ArrowSchema *out);

/* Arrow nullability follows the Parquet field's own repetition, as pyarrow does: a
 * required field below an optional struct is not nullable even though its slots under a
 * null struct hold null placeholders (Arrow leaves those values undefined). */
static int64_t node_flags(const struct pq_node *n) {
    return n->nullable ? ARROW_FLAG_NULLABLE : 0;
}

static int children_schema(const struct pq_schema *s, const struct pq_projection *p,
                           const struct pq_node *n, struct ArrowSchema *kids, int *count) {
    int status = FDATA_OK;
    *count = 0;
    for (int c = 0; c < n->num_children && status == FDATA_OK; c++) {
        if (!pq_node_selected(p, n->children[c]))
            continue;
        status = node_schema(s, p, n->children[c], n->children[c]->name, &kids[*count]);
        if (status == FDATA_OK)
            (*count)++;
    }
    if (status != FDATA_OK)
        for (int c = 0; c < *count; c++)
            kids[c].release(&kids[c]);
    return status;
}

static int map_schema(const struct pq_schema *s, const struct pq_projection *p,
                      const struct pq_node *n, const char *name, struct ArrowSchema *out) {
    struct ArrowSchema kv[2], entries;
    int count;
    FDATA_RETURN_IF(children_schema(s, p, n, kv, &count));
    int status = FDATA_OK;
    if (n->num_children == 1) {
        status = fdata_schema_make(&kv[1], "n", "value", ARROW_FLAG_NULLABLE, NULL);
        count = 2;
    }
    kv[0].flags = 0; /* keys are never null */
    if (status == FDATA_OK)
        status = fdata_schema_make_parent(&entries, "+s", "entries", 0, kv, count);
    else
        kv[0].release(&kv[0]);
    if (status == FDATA_OK)
        status = fdata_schema_make_parent(out, "+m", name, node_flags(n), &entries, 1);
    return status;
}

static int node_schema(const struct pq_schema *s, const struct pq_projection *p,
                       const struct pq_node *n, const char *name, struct ArrowSchema *out) {
    if (n->kind == N_LEAF) {
        const struct pq_leaf *leaf = &p->leaves[n->leaf];
        return leaf->arrow.strings == FDATA_STRINGS_DICTIONARY
                   ? fdata_schema_make_dictionary(out, "i", leaf->arrow.format, name,
                                                  node_flags(n), leaf->arrow.extension)
                   : fdata_schema_make(out, leaf->arrow.format, name, node_flags(n),
                                       leaf->arrow.extension);
    }
    if (n->kind == N_MAP)
        return map_schema(s, p, n, name, out);
    struct ArrowSchema *kids = calloc((size_t)n->num_children + 1, sizeof *kids);
    if (!kids)
        return FDATA_ENOMEM;
    int count;
    int status = children_schema(s, p, n, kids, &count);
    if (status == FDATA_OK) {
        const char *format = n->kind == N_STRUCT ? "+s" : p->large[n - s->nodes] ? "+L" : "+l";
        status = fdata_schema_make_parent(out, format, name, node_flags(n), kids, count);
    }
    free(kids);
    return status;
}

int pq_field_schema(const struct pq_schema *s, const struct pq_projection *p,
                    const struct pq_node *field, struct ArrowSchema *out) {
    return node_schema(s, p, field, field->name, out);
}
