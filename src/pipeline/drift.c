/* Schema drift: each file's projection, the table's schema over all files, and each
 * batch reshaped into it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../arrow/build.h"
#include "../arrow/unify.h"
#include "../common/common.h"
#include "drift.h"

/* Whether a projected name (a column, or a path "a.b" into it) selects top-level `column`. */
static int selects(const char *name, const char *column) {
    size_t len = strlen(column);
    return strncmp(name, column, len) == 0 && (name[len] == '\0' || name[len] == '.');
}

int drift_column_names(fdata_parquet_file *pq, struct ArrowSchema *schema, const char ***names,
                       size_t *n, struct fdata_error *err) {
    static const struct fdata_parquet_read_options every;
    *names = NULL;
    FDATA_RETURN_IF(fdata_parquet_get_schema(pq, &every, schema, err));
    *n = (size_t)schema->n_children;
    *names = malloc((*n + 1) * sizeof **names);
    if (!*names)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t c = 0; c < *n; c++)
        (*names)[c] = schema->children[c]->name;
    return FDATA_OK;
}

/* Whether the file has the field a path ("a.b", "a.list.element.b") names: the reader
 * resolves it as a projection would (a struct column of one file may lack a field another
 * has: drift makes that field nulls there). */
static int has_path(fdata_parquet_file *pq, const char *path, int *has, struct fdata_error *err) {
    struct fdata_parquet_read_options one = {.columns = &path, .num_columns = 1};
    struct ArrowSchema s;
    int status = fdata_parquet_get_schema(pq, &one, &s, err);
    *has = status == FDATA_OK;
    if (status == FDATA_OK)
        s.release(&s);
    return status == FDATA_ENOCOLUMN ? FDATA_OK : status;
}

int drift_project(fdata_parquet_file *pq, const char *const *wanted, size_t n_wanted,
                  char *seen, struct drift_file *f, struct fdata_error *err) {
    if (!wanted)
        return FDATA_OK;
    struct ArrowSchema all;
    const char **columns;
    size_t n;
    int status = drift_column_names(pq, &all, &columns, &n, err);
    f->names = status == FDATA_OK ? malloc((n_wanted + 1) * sizeof *f->names) : NULL;
    if (status == FDATA_OK && !f->names)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; status == FDATA_OK && i < n_wanted; i++) {
        size_t c = 0;
        while (c < n && !selects(wanted[i], columns[c]))
            c++;
        int has = c < n;
        if (has && strcmp(wanted[i], columns[c]) != 0) /* a path into it: the reader's say */
            status = has_path(pq, wanted[i], &has, err);
        if (has) {
            f->names[f->n_names++] = wanted[i];
            seen[i] = 1;
        }
    }
    free(columns);
    if (all.release)
        all.release(&all);
    return status;
}


static long child_named(const struct ArrowSchema *s, const char *name) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (strcmp(s->children[i]->name, name) == 0)
            return (long)i;
    return -1;
}

/* A table column: its name, and the type so far (all its files' unified). */
struct column {
    const char *name;
    struct ArrowSchema type;
    int nullable;
    size_t files;                    /* how many files have it */
    long rank;                       /* the first wanted name that selects it */
};

static void columns_free(struct column *cols, size_t count) {
    for (size_t k = 0; cols && k < count; k++)
        if (cols[k].type.release)
            cols[k].type.release(&cols[k].type);
    free(cols);
}

/* Column `field` of file i has no common type with the files' before it: the error names
 * the path where they differ, both types there, file i and the first earlier file whose
 * own column differs from it (the unified type otherwise). */
static int no_common_type(struct drift_file *const *f, size_t i, const struct ArrowSchema *field,
                          const struct fdata_type_conflict *c, const char *const *names,
                          int first, struct fdata_error *err) {
    struct fdata_type_conflict at = *c;
    size_t other = i;
    for (size_t j = 0; j < i && other == i; j++) {
        long p = child_named(&f[j]->own, field->name);
        struct ArrowSchema common;
        int status = p < 0 ? FDATA_OK
                     : fdata_schema_unify(f[j]->own.children[p], field, first, &common, &at);
        if (p >= 0 && status == FDATA_OK)
            common.release(&common);
        other = status == FDATA_EINVAL ? j : i;
    }
    for (size_t j = 0; other == i && j < i; j++) /* none alone: the first that has it */
        if (child_named(&f[j]->own, field->name) >= 0)
            at = *c, other = j;
    char a[320], b[320];
    return fdata_set_error(err, FDATA_EINVAL, "column '%s' is %s in %s but %s in %s, and "
                           "neither converts to the other without loss%s", at.path,
                           fdata_type_name(at.b, a, sizeof a), names[i], fdata_type_name(at.a, b, sizeof b),
                           names[other], first ? " (schema 'first' keeps the first file's "
                                                 "types)" : "");
}

/* The columns of every file (of file 0 with `first`), by name in order of appearance. */
static int collect(struct drift_file *const *f, size_t n, int first, struct column **out,
                   size_t *count, const char *const *names, struct fdata_error *err) {
    size_t cap = 0;
    *count = 0;
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct ArrowSchema *own = &f[i]->own;
        for (int64_t c = 0, next = 0; c < own->n_children; c++) {
            const struct ArrowSchema *field = own->children[c];
            /* files mostly list the same columns in the same order: look where the last one
             * was found first, so that many wide files cost a pass each, not a square */
            size_t k = (size_t)next;
            if (k >= *count || strcmp((*out)[k].name, field->name) != 0)
                for (k = 0; k < *count && strcmp((*out)[k].name, field->name) != 0;)
                    k++;
            next = (int64_t)k + 1;
            if (k == *count && first && i > 0)
                continue; /* not in the first file: left out */
            if (k == *count && k == cap) {
                cap = cap ? 2 * cap : 16;
                struct column *more = realloc(*out, cap * sizeof *more);
                if (!more)
                    return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
                *out = more;
            }
            struct column *col = &(*out)[k];
            if (k < *count && fdata_type_equal(&col->type, field)) {
                col->files++, col->nullable |= (field->flags & ARROW_FLAG_NULLABLE) != 0;
                continue; /* as unified before: nothing new */
            }
            struct ArrowSchema unified;
            struct fdata_type_conflict conflict;
            int status = k == *count ? fdata_schema_copy(field, &unified)
                         : fdata_schema_unify(&col->type, field, first, &unified, &conflict);
            if (status == FDATA_EINVAL)
                return no_common_type(f, i, field, &conflict, names, first, err);
            if (status != FDATA_OK)
                return fdata_set_error(err, status, "out of memory");
            if (k == *count)
                (*out)[(*count)++] = (struct column){field->name, unified, 0, 0, 0};
            else
                col->type.release(&col->type), col->type = unified;
            col->files++, col->nullable |= (field->flags & ARROW_FLAG_NULLABLE) != 0;
        }
    }
    for (size_t k = 0; k < *count; k++) /* missing in a file: nulls there */
        (*out)[k].nullable |= (*out)[k].files < n;
    return FDATA_OK;
}

static int by_rank(const void *a, const void *b) {
    const struct column *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

int drift_table_schema(struct drift_file *const *f, size_t n, const char *const *names, int first,
                       const char *const *wanted, size_t n_wanted, struct ArrowSchema *out,
                       struct fdata_error *err) {
    struct column *cols;
    size_t count;
    out->release = NULL;
    int status = collect(f, n, first, &cols, &count, names, err);
    for (size_t k = 0; status == FDATA_OK && k < count; k++) {
        cols[k].rank = wanted ? (long)n_wanted : 0;
        for (size_t i = 0; wanted && i < n_wanted && cols[k].rank == (long)n_wanted; i++)
            if (selects(wanted[i], cols[k].name))
                cols[k].rank = (long)i;
    }
    if (status == FDATA_OK && wanted) /* the caller's order; stable, ranks are distinct */
        qsort(cols, count, sizeof *cols, by_rank);
    struct ArrowSchema *fields = status == FDATA_OK ? calloc(count + 1, sizeof *fields) : NULL;
    if (status == FDATA_OK && !fields)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = 0; status == FDATA_OK && k < count; k++) {
        fields[k] = cols[k].type; /* moved */
        cols[k].type.release = NULL;
        fields[k].flags = (fields[k].flags & ~ARROW_FLAG_NULLABLE) |
                          (cols[k].nullable ? ARROW_FLAG_NULLABLE : 0);
    }
    if (status == FDATA_OK && fdata_schema_make_struct(out, fields, (int64_t)count) != FDATA_OK)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    free(fields);
    columns_free(cols, count);
    for (size_t i = 0; status == FDATA_OK && i < n; i++) /* reshaped: not the table's columns */
        f[i]->reshaped = !fdata_type_equal(&f[i]->own, out);
    return status;
}

int drift_batch(const struct ArrowSchema *table, const struct drift_file *f,
                struct ArrowArray *batch, struct fdata_error *err) {
    if (!f->reshaped)
        return FDATA_OK;
    struct ArrowArray in = *batch;
    return fdata_array_conform(&f->own, table, &in, batch, err);
}

int drift_schema_select(const struct ArrowSchema *s, const size_t *cols, size_t n,
                        struct ArrowSchema *out) {
    struct ArrowSchema *fields = calloc(n + 1, sizeof *fields);
    int status = fields ? FDATA_OK : FDATA_ENOMEM;
    for (size_t c = 0; c < n && status == FDATA_OK; c++)
        status = fdata_schema_copy(s->children[cols[c]], &fields[c]);
    if (status == FDATA_OK)
        status = fdata_schema_make_struct(out, fields, (int64_t)n);
    for (size_t c = 0; status != FDATA_OK && fields && c < n; c++)
        if (fields[c].release)
            fields[c].release(&fields[c]);
    free(fields);
    return status;
}

int drift_batch_select(struct ArrowArray *batch, const size_t *cols, size_t n,
                       struct fdata_error *err) {
    struct ArrowArray *kept = calloc(n + 1, sizeof *kept);
    for (size_t c = 0; kept && c < n; c++) {
        kept[c] = *batch->children[cols[c]];
        batch->children[cols[c]]->release = NULL; /* moved */
    }
    int64_t length = batch->length;
    batch->release(batch);
    int status = kept ? fdata_array_make_struct(batch, length, kept, (int64_t)n) : FDATA_ENOMEM;
    free(kept);
    return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, status, "out of memory");
}

void drift_file_free(struct drift_file *f) {
    free(f->names);
    if (f->own.release)
        f->own.release(&f->own);
    memset(f, 0, sizeof *f);
}
