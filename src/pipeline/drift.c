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
    for (size_t i = 0; status == FDATA_OK && i < n_wanted; i++)
        for (size_t c = 0; c < n; c++)
            if (selects(wanted[i], columns[c])) {
                f->names[f->n_names++] = wanted[i];
                seen[i] = 1;
                break;
            }
    free(columns);
    if (all.release)
        all.release(&all);
    return status;
}

/* "w:16 (arrow.uuid)": a field's format and extension, for messages. */
static const char *describe(const struct ArrowSchema *s, char *buf, size_t size) {
    char ext[256];
    fdata_schema_extension(s, ext, sizeof ext);
    snprintf(buf, size, "%s%s%s%s", s->format, ext[0] ? " (" : "", ext, ext[0] ? ")" : "");
    return buf;
}

static long child_named(const struct ArrowSchema *s, const char *name) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (strcmp(s->children[i]->name, name) == 0)
            return (long)i;
    return -1;
}

/* A table column: its name, the file it first came from, and the type so far. */
struct column {
    const char *name;
    size_t origin;
    const struct ArrowSchema *field; /* origin's */
    char format[64];
    int nullable;
    long rank;                       /* the first wanted name that selects it */
};

/* The columns of every file (of file 0 with `first`), by name in order of appearance. */
static int collect(struct drift_file *const *f, size_t n, int first, struct column **out,
                   size_t *count, const char *const *names, struct fdata_error *err) {
    size_t cap = 0;
    *count = 0;
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct ArrowSchema *own = &f[i]->own;
        for (int64_t c = 0; c < own->n_children; c++) {
            const struct ArrowSchema *field = own->children[c];
            size_t k = 0;
            while (k < *count && strcmp((*out)[k].name, field->name) != 0)
                k++;
            if (k == *count && first && i > 0)
                continue; /* not in the first file: left out */
            if (k == *count) {
                if (k == cap) {
                    cap = cap ? 2 * cap : 16;
                    struct column *more = realloc(*out, cap * sizeof *more);
                    if (!more)
                        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
                    *out = more;
                }
                (*out)[(*count)++] = (struct column){field->name, i, field, {0}, 0, 0};
                snprintf((*out)[k].format, sizeof (*out)[k].format, "%s", field->format);
            }
            struct column *col = &(*out)[k];
            char common[64], a[320], b[320];
            struct ArrowSchema so_far = *col->field;
            so_far.format = col->format;
            if (!fdata_type_common(field, &so_far, common, sizeof common) ||
                (first && strcmp(common, col->format) != 0))
                return fdata_set_error(err, FDATA_EINVAL, "column '%s' is %s in %s but %s in "
                                       "%s, and neither converts to the other without loss%s",
                                       field->name, describe(field, a, sizeof a), names[i],
                                       describe(&so_far, b, sizeof b), names[col->origin],
                                       first ? " (schema 'first' keeps the first file's types)"
                                             : "");
            snprintf(col->format, sizeof col->format, "%s", common);
            col->nullable |= (field->flags & ARROW_FLAG_NULLABLE) != 0;
        }
    }
    for (size_t k = 0; k < *count; k++) /* missing in a file: nulls there */
        for (size_t i = 0; i < n && !(*out)[k].nullable; i++)
            (*out)[k].nullable = child_named(&f[i]->own, (*out)[k].name) < 0;
    return FDATA_OK;
}

static int by_rank(const void *a, const void *b) {
    const struct column *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Each file's pos, and whether its batches need reshaping. */
static int map_files(struct drift_file *const *f, size_t n, const struct ArrowSchema *table,
                     struct fdata_error *err) {
    size_t width = (size_t)table->n_children;
    for (size_t i = 0; i < n; i++) {
        struct drift_file *d = f[i];
        d->pos = malloc((width + 1) * sizeof *d->pos);
        if (!d->pos)
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        d->reshaped = (size_t)d->own.n_children != width;
        for (size_t c = 0; c < width; c++) {
            long p = d->pos[c] = child_named(&d->own, table->children[c]->name);
            d->reshaped |= p != (long)c || strcmp(d->own.children[p]->format,
                                                  table->children[c]->format) != 0;
        }
    }
    return FDATA_OK;
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
        const struct column *c = &cols[k];
        char ext[256];
        fdata_schema_extension(c->field, ext, sizeof ext);
        status = strcmp(c->format, c->field->format) == 0
                     ? fdata_schema_copy(c->field, &fields[k])
                     : fdata_schema_make(&fields[k], c->format, c->name, 0, ext[0] ? ext : NULL);
        if (status == FDATA_OK)
            fields[k].flags = (fields[k].flags & ~ARROW_FLAG_NULLABLE) |
                              (c->nullable ? ARROW_FLAG_NULLABLE : 0);
        else
            fdata_set_error(err, status, "out of memory");
    }
    if (status == FDATA_OK && fdata_schema_make_struct(out, fields, (int64_t)count) != FDATA_OK)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = 0; status != FDATA_OK && fields && k < count; k++)
        if (fields[k].release)
            fields[k].release(&fields[k]);
    free(fields);
    free(cols);
    return status == FDATA_OK ? map_files(f, n, out, err) : status;
}

int drift_batch(const struct ArrowSchema *table, const struct drift_file *f,
                struct ArrowArray *batch, struct fdata_error *err) {
    if (!f->reshaped)
        return FDATA_OK;
    size_t width = (size_t)table->n_children;
    struct ArrowArray *cols = calloc(width + 1, sizeof *cols);
    int status = cols ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t c = 0; c < width && status == FDATA_OK; c++) {
        const struct ArrowSchema *want = table->children[c];
        long p = f->pos[c];
        if (p < 0) {
            status = fdata_array_nulls(want, batch->length, &cols[c]);
            if (status != FDATA_OK)
                fdata_set_error(err, status, "column '%s': cannot make nulls of type %s",
                                want->name, want->format);
            continue;
        }
        struct ArrowArray moved = *batch->children[p];
        batch->children[p]->release = NULL;
        if (strcmp(f->own.children[p]->format, want->format) == 0)
            cols[c] = moved;
        else
            status = fdata_array_cast(f->own.children[p], want->format, &moved, &cols[c], err);
    }
    int64_t length = batch->length;
    batch->release(batch);
    if (status == FDATA_OK) {
        status = fdata_array_make_struct(batch, length, cols, (int64_t)width);
        free(cols);
        return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, status, "out of memory");
    }
    for (size_t c = 0; cols && c < width; c++)
        if (cols[c].release)
            cols[c].release(&cols[c]);
    free(cols);
    return status;
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
    free(f->pos);
    if (f->own.release)
        f->own.release(&f->own);
    memset(f, 0, sizeof *f);
}
