/* Column projection: which leaves a read decodes and which top-level fields it outputs,
 * from names ("a"), Arrow paths through structs, lists and maps ("a.b.c"), or Parquet
 * column paths ("a.list.element.b"). */
#include <stdlib.h>
#include "../common/common.h"
#include "projection.h"

static const struct pq_node *child_named(const struct pq_node *n, const char *name, size_t len) {
    for (int c = 0; c < n->num_children; c++)
        if (strlen(n->children[c]->name) == len && memcmp(n->children[c]->name, name, len) == 0)
            return n->children[c];
    /* lists are transparent: "a.b" reaches field b of the elements of list a */
    if (n->kind == N_LIST && n->num_children == 1)
        return child_named(n->children[0], name, len);
    return NULL;
}

static int field_is(const struct pq_schema *s, int i, const char *name, size_t len) {
    return strlen(s->fields[i]->name) == len && memcmp(s->fields[i]->name, name, len) == 0;
}

/* The node an Arrow path names, or NULL.  Field `hint` is looked at first: columns are mostly
 * asked for in the file's order, and a wide file's columns would otherwise cost a square. */
static const struct pq_node *find_path(const struct pq_schema *s, const char *path, int hint,
                                       int *field) {
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    const struct pq_node *n = NULL;
    if (hint >= 0 && hint < s->num_fields && field_is(s, hint, path, len))
        n = s->fields[*field = hint];
    for (int i = 0; i < s->num_fields && !n; i++)
        if (field_is(s, i, path, len))
            n = s->fields[*field = i];
    while (n && dot) {
        path = dot + 1;
        dot = strchr(path, '.');
        len = dot ? (size_t)(dot - path) : strlen(path);
        n = child_named(n, path, len);
    }
    return n;
}

/* The node a Parquet column path names (a leaf), or NULL. */
static const struct pq_node *find_leaf_path(const struct pq_schema *s, const char *path,
                                            int *field) {
    for (int i = 0; i < s->num_leaves; i++) {
        if (strcmp(s->leaves[i].path, path) != 0)
            continue;
        for (int f = 0; f < s->num_fields; f++)
            if (s->fields[f]->first_leaf <= i && i <= s->fields[f]->last_leaf)
                *field = f;
        return s->leaves[i].node;
    }
    return NULL;
}

static int select_node(const struct pq_schema *s, struct pq_projection *p,
                       const struct pq_node *n, const char *file, struct fdata_error *err) {
    for (int i = n->first_leaf; i <= n->last_leaf; i++) {
        const struct pq_leaf *leaf = &s->leaves[i];
        if (leaf->type_status != FDATA_OK)
            return fdata_set_error(err, leaf->type_status, "%s: %s", file, leaf->type_error);
        p->selected[i] = PQ_INTO_BATCH;
    }
    return FDATA_OK;
}

static int add_field(struct pq_projection *p, int field) {
    if (p->has_field[field])
        return 0;
    p->has_field[field] = 1;
    p->fields[p->num_fields++] = field;
    return 1;
}

static int into_matrix(const struct pq_projection *p, const struct pq_node *n) {
    return n->kind == N_LEAF && p->selected[n->leaf] == PQ_INTO_MATRIX;
}

/* The matrix's columns: each a top-level numeric leaf, named once. */
static int select_matrix(const struct pq_schema *s, const struct fdata_matrix *m,
                         const char *file, struct pq_projection *p, struct fdata_error *err) {
    for (size_t k = 0; m && k < m->num_columns; k++) {
        const struct pq_node *n = NULL;
        for (int f = 0; f < s->num_fields && !n; f++)
            if (strcmp(s->fields[f]->name, m->columns[k]) == 0)
                n = s->fields[f];
        if (!n)
            return fdata_set_error(err, FDATA_ENOCOLUMN, "%s: no column named '%s' for the matrix",
                                   file, m->columns[k]);
        const struct pq_leaf *leaf = n->kind == N_LEAF ? &s->leaves[n->leaf] : NULL;
        if (!leaf || leaf->type_status != FDATA_OK || !fdata_matrix_accepts(leaf->arrow.format))
            return fdata_set_error(err, FDATA_EINVAL, "%s: column '%s' (%s) cannot go into a "
                                   "matrix: it takes numeric and boolean columns", file,
                                   m->columns[k], leaf ? leaf->arrow.display : "nested");
        if (p->selected[n->leaf])
            return fdata_set_error(err, FDATA_EINVAL, "column '%s' is named twice for the matrix",
                                   m->columns[k]);
        p->selected[n->leaf] = PQ_INTO_MATRIX;
        p->matrix_col[n->leaf] = (int)k;
    }
    return FDATA_OK;
}

static int select_request(const struct pq_schema *s, struct pq_projection *p, const char *name,
                          int hint, const char *file, struct fdata_error *err) {
    int field = -1;
    const struct pq_node *n = find_path(s, name, hint, &field);
    if (!n)
        n = find_leaf_path(s, name, &field);
    if (!n)
        return fdata_set_error(err, FDATA_ENOCOLUMN, "%s: no column named '%s'", file, name);
    if (into_matrix(p, n))
        return FDATA_OK; /* the matrix has it; batches leave it out */
    if (n == s->fields[field] && !add_field(p, field))
        return fdata_set_error(err, FDATA_EINVAL, "column '%s' is selected twice", name);
    add_field(p, field);
    return select_node(s, p, n, file, err);
}

int pq_list_is_large(const struct pq_schema *s, const struct pq_metadata *md, int node) {
    const struct pq_node *n = &s->nodes[node];
    if (n->kind != N_LIST)
        return 0;
    for (int rg = 0; rg < md->num_row_groups; rg++)
        if (md->row_groups[rg].columns[n->first_leaf].meta.num_values > INT32_MAX)
            return 1;
    return 0;
}

int pq_projection_make(const struct pq_schema *s, const struct pq_metadata *md,
                       const struct fdata_parquet_read_options *o, const char *file,
                       struct pq_projection *p, struct fdata_error *err) {
    const char *const *columns = o ? o->columns : NULL;
    size_t num_columns = o ? o->num_columns : 0;
    const struct fdata_matrix *matrix = o ? o->matrix : NULL;
    memset(p, 0, sizeof *p);
    p->selected = calloc((size_t)s->num_leaves + 1, 1);
    p->matrix_col = malloc(((size_t)s->num_leaves + 1) * sizeof *p->matrix_col);
    p->fields = calloc((size_t)s->num_fields + 1, sizeof *p->fields);
    p->has_field = calloc((size_t)s->num_fields + 1, 1);
    p->large = calloc((size_t)s->num_nodes + 1, 1);
    p->leaves = malloc(((size_t)s->num_leaves + 1) * sizeof *p->leaves);
    if (!p->selected || !p->matrix_col || !p->fields || !p->has_field || !p->large ||
        !p->leaves) {
        pq_projection_free(p);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    for (int i = 0; i < s->num_leaves; i++) {
        p->matrix_col[i] = -1;
        struct pq_arrow_type *t = &p->leaves[i].arrow;
        p->leaves[i] = s->leaves[i];
        int flat_string = t->kind == K_UTF8 && !t->extension && !p->leaves[i].nested;
        pq_arrow_type_apply(t, o ? o->int96_unit : 0, o ? o->invalid_utf8 : 0);
        if (flat_string && o && o->strings)
            pq_arrow_type_strings(t, o->strings);
    }
    int status = select_matrix(s, matrix, file, p, err);
    if (status == FDATA_OK && !columns) {
        for (int f = 0; f < s->num_fields && status == FDATA_OK; f++) {
            if (into_matrix(p, s->fields[f]))
                continue;
            add_field(p, f);
            status = select_node(s, p, s->fields[f], file, err);
        }
    } else if (status == FDATA_OK) {
        for (size_t i = 0; i < num_columns && status == FDATA_OK; i++)
            status = select_request(s, p, columns[i], p->num_fields, file, err);
    }
    if (status != FDATA_OK)
        pq_projection_free(p);
    else
        for (int i = 0; i < s->num_nodes; i++)
            p->large[i] = (uint8_t)pq_list_is_large(s, md, i);
    return status;
}

void pq_projection_free(struct pq_projection *p) {
    free(p->selected);
    free(p->matrix_col);
    free(p->fields);
    free(p->has_field);
    free(p->large);
    free(p->leaves);
    memset(p, 0, sizeof *p);
}
