/* Hive partitions: discovery of the key=value folders, their types, and their columns. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/load.h"
#include "../arrow/build.h"
#include "../arrow/datetime.h"
#include "../common/common.h"
#include "partitions.h"

#define MAX_KEYS 32
#define HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

static const char *const type_names[] = {"int64", "float64", "date32", "timestamp", "string"};
static const char *const type_formats[] = {"l", "g", "tdD", "tsu:", "u"};

/* ---- values ---- */

static int hex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* %XX escapes decoded in place (others kept as written, as pyarrow does). */
static void url_decode(char *s) {
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi = r[0] == '%' ? hex_digit(r[1]) : -1, lo = hi >= 0 ? hex_digit(r[2]) : -1;
        if (lo >= 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* `n` decimal digits at s, into *v; 0 when one is not a digit. */
static int digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

static int parse_int64(const char *s, int64_t *out) {
    const char *p = s + (*s == '-');
    if (!*p)
        return 0;
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > (uint64_t)INT64_MAX + (*s == '-'))
        return 0;
    *out = *s == '-' ? (int64_t)(0 - v) : (int64_t)v;
    return 1;
}

static int parse_float64(const char *s, double *out) {
    char *end;
    if (!strpbrk(s, "0123456789") || strpbrk(s, "xXnN \t\n")) /* no hex, inf, nan, space */
        return 0;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out);
}

/* YYYY-MM-DD, a real date; *rest what follows. */
static int parse_date(const char *s, int64_t *days, const char **rest) {
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > month_days[m - 1] ||
        (m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))))
        return 0;
    *days = fdata_days_from_civil(y, m, d);
    *rest = s + 10;
    return 1;
}

static int parse_date32(const char *s, int64_t *out) {
    const char *rest;
    return parse_date(s, out, &rest) && *rest == '\0';
}

/* YYYY-MM-DD[( |T)HH:MM:SS[.f...]] (up to microseconds), as microseconds since the epoch. */
static int parse_timestamp(const char *s, int64_t *out) {
    const char *p;
    int64_t days;
    int h = 0, mi = 0, sec = 0, frac = 0;
    if (!parse_date(s, &days, &p))
        return 0;
    if (*p == ' ' || *p == 'T') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi) || p[6] != ':' ||
            !digits(p + 7, 2, &sec) || h > 23 || mi > 59 || sec > 59)
            return 0;
        p += 9;
        if (*p == '.') {
            int n = 0, d;
            for (p++; n < 6 && digits(p, 1, &d); p++, n++)
                frac = frac * 10 + d;
            if (n == 0)
                return 0;
            for (; n < 6; n++)
                frac *= 10;
        }
    }
    *out = ((days * 24 + h) * 60 + mi) * 60 * INT64_C(1000000) + (int64_t)sec * 1000000 + frac;
    return *p == '\0';
}

const char *partitions_type_name(enum part_type t) {
    return type_names[t];
}

int partitions_parse_value(enum part_type t, const char *text, union part_value *v) {
    switch (t) {
    case PART_INT64: return parse_int64(text, &v->i);
    case PART_FLOAT64: return parse_float64(text, &v->f);
    case PART_DATE32: return parse_date32(text, &v->i);
    case PART_TIMESTAMP: return parse_timestamp(text, &v->i);
    case PART_STRING: return 1;
    }
    return 0;
}

/* ---- discovery ---- */

/* The key=value segments of a path's folders, split in place in `copy`; segments without
 * '=' are not partitions. */
static int split_keys(char *copy, const char *path, char **keys, char **vals, size_t *n,
                      struct fdata_error *err) {
    *n = 0;
    char *last = strrchr(copy, '/');
    if (!last)
        return FDATA_OK;
    *last = '\0';
    for (char *seg = copy, *next; seg; seg = next) {
        next = strchr(seg, '/');
        if (next)
            *next++ = '\0';
        char *eq = strchr(seg, '=');
        if (!eq || eq == seg)
            continue;
        if (*n == MAX_KEYS)
            return fdata_set_error(err, FDATA_EINVAL, "%s: more than %d partition folders",
                                   path, MAX_KEYS);
        *eq = '\0';
        url_decode(seg);
        url_decode(eq + 1);
        if (!fdata_utf8_valid((const uint8_t *)seg, strlen(seg)) ||
            !fdata_utf8_valid((const uint8_t *)eq + 1, strlen(eq + 1)))
            return fdata_set_error(err, FDATA_EINVAL, "%s: a partition folder is not UTF-8 "
                                   "once URL-decoded", path);
        for (size_t k = 0; k < *n; k++)
            if (strcmp(keys[k], seg) == 0)
                return fdata_set_error(err, FDATA_EINVAL, "%s: partition key '%s' twice in "
                                       "the path", path, seg);
        keys[*n] = seg;
        vals[(*n)++] = eq + 1;
    }
    return FDATA_OK;
}

/* "(a, b)": a path's keys, for messages. */
static const char *key_list(char **keys, size_t n, char *buf, size_t size) {
    size_t len = (size_t)snprintf(buf, size, "(");
    for (size_t k = 0; k < n && len < size; k++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", k ? ", " : "", keys[k]);
    if (len < size)
        snprintf(buf + len, size - len, ")");
    return buf;
}

/* File i's keys and values: the same keys as file 0's, in the same order. */
static int take_file(struct partitions *p, const struct load_files *files, size_t i,
                     struct fdata_error *err) {
    const char *path = files->items[i].name;
    char *copy = strdup(files->items[i].rel), *keys[MAX_KEYS], *vals[MAX_KEYS];
    size_t n;
    if (!copy)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int status = split_keys(copy, path, keys, vals, &n, err);
    if (status == FDATA_OK && i == 0 && n > 0) {
        p->n_keys = n;
        p->keys = calloc(n, sizeof *p->keys);
        p->text = calloc(n * files->count, sizeof *p->text);
        int copied = p->keys && p->text;
        for (size_t k = 0; copied && k < n; k++)
            copied = (p->keys[k] = strdup(keys[k])) != NULL;
        if (!copied)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    int same = n == p->n_keys;
    for (size_t k = 0; same && k < n; k++)
        same = strcmp(keys[k], p->keys[k]) == 0;
    if (status == FDATA_OK && !same) {
        char a[512], b[512];
        status = fdata_set_error(err, FDATA_EINVAL, "%s has partition keys %s but %s has %s: "
                                 "the files of a Hive-partitioned table need the same keys in "
                                 "the same order (partitioning 'none' ignores the folders)",
                                 files->items[0].name, key_list(p->keys, p->n_keys, a, sizeof a),
                                 path, key_list(keys, n, b, sizeof b));
    }
    for (size_t k = 0; status == FDATA_OK && k < n; k++) {
        if (vals[k][0] == '\0' || strcmp(vals[k], HIVE_NULL) == 0)
            continue; /* null */
        if (!(p->text[i * n + k] = strdup(vals[k])))
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    free(copy);
    return status;
}

/* "key:type,...": the types the caller gives. */
static int given_types(struct partitions *p, const char *spec, struct fdata_error *err) {
    for (const char *item = spec; item && *item;) {
        const char *colon = strchr(item, ':'), *end = strchr(item, ',');
        end = end ? end : item + strlen(item);
        if (!colon || colon > end)
            return fdata_set_error(err, FDATA_EINVAL, "partition types: '%.*s' is not "
                                   "key:type", (int)(end - item), item);
        size_t k = 0, t = 0;
        while (k < p->n_keys && (strlen(p->keys[k]) != (size_t)(colon - item) ||
                                 strncmp(p->keys[k], item, (size_t)(colon - item)) != 0))
            k++;
        while (t < 5 && (strlen(type_names[t]) != (size_t)(end - colon - 1) ||
                         strncmp(type_names[t], colon + 1, (size_t)(end - colon - 1)) != 0))
            t++;
        if (k == p->n_keys)
            return fdata_set_error(err, FDATA_EINVAL, "partition types: no partition key "
                                   "'%.*s' in the paths", (int)(colon - item), item);
        if (t == 5)
            return fdata_set_error(err, FDATA_EINVAL, "partition types: '%.*s' is not one of "
                                   "int64, float64, date32, timestamp, string",
                                   (int)(end - colon - 1), colon + 1);
        p->types[k] = (enum part_type)t;
        item = *end ? end + 1 : end;
    }
    return FDATA_OK;
}

/* Key k's values parsed as its type; with `infer`, the first type that every value parses
 * as (all null: string). */
static int type_key(struct partitions *p, const struct load_files *files, size_t k, int infer,
                    struct fdata_error *err) {
    size_t n = p->n_keys;
    for (;;) {
        size_t i = 0;
        while (i < p->n_files && (!p->text[i * n + k] ||
                                  partitions_parse_value(p->types[k], p->text[i * n + k],
                                                         &p->values[i * n + k])))
            i++;
        if (i == p->n_files)
            return FDATA_OK;
        if (!infer)
            return fdata_set_error(err, FDATA_EINVAL, "%s: partition '%s' value '%s' is not %s",
                                   files->items[i].name, p->keys[k], p->text[i * n + k],
                                   type_names[p->types[k]]);
        p->types[k]++; /* the next, wider type; string takes everything */
    }
}

int partitions_discover(const struct load_files *files, int mode, const char *types,
                        struct partitions *out, struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    out->n_files = files->count;
    if (mode == FDATA_PARTITIONING_NONE)
        return FDATA_OK;
    if (mode != FDATA_PARTITIONING_AUTO && mode != FDATA_PARTITIONING_HIVE)
        return fdata_set_error(err, FDATA_EINVAL, "partitioning %d is not one of auto, hive, "
                               "none", mode);
    for (size_t i = 0; i < files->count; i++)
        FDATA_RETURN_IF(take_file(out, files, i, err));
    if (out->n_keys == 0) {
        if (types && *types)
            return fdata_set_error(err, FDATA_EINVAL, "partition types given but the paths "
                                   "have no key=value folders");
        return FDATA_OK;
    }
    size_t n = out->n_keys;
    out->types = calloc(n, sizeof *out->types);
    out->values = calloc(n * files->count, sizeof *out->values);
    int *given = calloc(n, sizeof *given);
    int status = out->types && out->values && given ? FDATA_OK
                 : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        out->types[k] = PART_STRING + 1; /* not given */
    if (status == FDATA_OK)
        status = given_types(out, types, err);
    for (size_t k = 0; status == FDATA_OK && k < n; k++) {
        given[k] = out->types[k] <= PART_STRING;
        if (!given[k])
            out->types[k] = PART_INT64;
        status = type_key(out, files, k, !given[k], err);
    }
    free(given);
    return status;
}

/* ---- columns ---- */

int partitions_project(struct partitions *p, const char *const *columns, size_t n,
                       struct fdata_error *err) {
    if (p->n_keys == 0) {
        p->file_columns = (const char **)columns; /* NULL: all; none named: no column */
        p->n_file_columns = columns ? n : 0;
        return FDATA_OK;
    }
    p->key_at = malloc(p->n_keys * sizeof *p->key_at);
    p->file_columns = malloc((n + 1) * sizeof *p->file_columns);
    if (!p->key_at || !p->file_columns)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = 0; k < p->n_keys; k++)
        p->key_at[k] = columns ? -1 : LONG_MAX;
    for (size_t i = 0; columns && i < n; i++) {
        size_t k = 0;
        while (k < p->n_keys && strcmp(p->keys[k], columns[i]) != 0)
            k++;
        if (k == p->n_keys)
            p->file_columns[p->n_file_columns++] = columns[i];
        else if (p->key_at[k] >= 0)
            return fdata_set_error(err, FDATA_EINVAL, "column '%s' named twice", columns[i]);
        else
            p->key_at[k] = (long)p->n_file_columns;
    }
    if (columns && n && p->n_file_columns == 0)
        return fdata_set_error(err, FDATA_EINVAL, "the columns name only partition keys: name "
                               "at least one column of the files too");
    if (!columns) {
        free(p->file_columns);
        p->file_columns = NULL;
    }
    return FDATA_OK;
}

/* How many of the files' top-level columns the first m projected names select (a path
 * "a.b" selects column a). */
static long columns_selected(const struct partitions *p, const struct ArrowSchema *s, long m) {
    if (!p->file_columns || m >= (long)p->n_file_columns)
        return (long)s->n_children;
    long count = 0;
    for (int64_t c = 0; c < s->n_children; c++) {
        size_t len = strlen(s->children[c]->name);
        for (long i = 0; i < m; i++) {
            const char *name = p->file_columns[i];
            if (strncmp(name, s->children[c]->name, len) == 0 &&
                (name[len] == '\0' || name[len] == '.')) {
                count++;
                break;
            }
        }
    }
    return count;
}

/* Keys that are also columns of the files (Polars writes both) are read from the files, as
 * DuckDB and Polars do; a projection that names one would need it from both. */
static int drop_file_columns(struct partitions *p, const struct ArrowSchema *all,
                             struct fdata_error *err) {
    for (int64_t c = 0; c < all->n_children; c++)
        for (size_t k = 0; k < p->n_keys; k++) {
            if (strcmp(all->children[c]->name, p->keys[k]) != 0)
                continue;
            if (p->key_at[k] >= 0 && p->file_columns)
                return fdata_set_error(err, FDATA_EINVAL, "column '%s' is both a partition key "
                                       "(folders %s=...) and a column of the files: "
                                       "partitioning 'none' reads it from the files",
                                       p->keys[k], p->keys[k]);
            p->key_at[k] = -1;
        }
    return FDATA_OK;
}

int partitions_schema(struct partitions *p, struct ArrowSchema *schema,
                      const struct ArrowSchema *all, struct fdata_error *err) {
    if (p->n_keys == 0)
        return FDATA_OK;
    FDATA_RETURN_IF(drop_file_columns(p, all, err));
    size_t files_width = (size_t)schema->n_children;
    p->layout = malloc((files_width + p->n_keys) * sizeof *p->layout);
    struct ArrowSchema *fields = calloc(files_width + p->n_keys, sizeof *fields);
    if (!p->layout || !fields) {
        free(fields);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    int status = FDATA_OK;
    size_t w = 0;
    for (long f = 0; f <= (long)files_width && status == FDATA_OK; f++) {
        /* the keys that go before file column f (f = files_width: at the end) */
        for (size_t k = 0; k < p->n_keys && status == FDATA_OK; k++) {
            if (p->key_at[k] < 0 || columns_selected(p, schema, p->key_at[k]) != f)
                continue;
            int nullable = 0;
            for (size_t i = 0; i < p->n_files; i++)
                nullable |= !p->text[i * p->n_keys + k];
            p->layout[w] = -1 - (long)k;
            status = fdata_schema_make(&fields[w++], type_formats[p->types[k]], p->keys[k],
                                       nullable ? ARROW_FLAG_NULLABLE : 0, NULL);
        }
        if (f < (long)files_width && status == FDATA_OK) {
            p->layout[w] = f;
            fields[w] = *schema->children[f];
            schema->children[f]->release = NULL; /* moved */
            w++;
        }
    }
    p->width = w;
    schema->release(schema);
    status = status == FDATA_OK ? fdata_schema_make_struct(schema, fields, (int64_t)w) : status;
    if (status != FDATA_OK) {
        for (size_t c = 0; c < w; c++)
            if (fields[c].release)
                fields[c].release(&fields[c]);
        schema->release = NULL;
    }
    free(fields);
    return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, status, "out of memory");
}

/* Key k's value of file `file`, repeated `length` times. */
static int constant_array(const struct partitions *p, size_t file, size_t k, int64_t length,
                          struct ArrowArray *out) {
    const char *text = p->text[file * p->n_keys + k];
    const union part_value *v = &p->values[file * p->n_keys + k];
    size_t n = (size_t)length;
    void *bufs[3] = {NULL, NULL, NULL};
    if (!text)
        bufs[0] = fdata_aligned_calloc((n + 7) / 8);
    if (p->types[k] == PART_STRING) {
        size_t len = text ? strlen(text) : 0;
        if (len && n > (size_t)INT32_MAX / len)
            return FDATA_ERANGE;
        int32_t *offsets = bufs[1] = fdata_aligned_alloc((n + 1) * sizeof *offsets);
        char *data = bufs[2] = fdata_aligned_alloc(n * len);
        for (size_t r = 0; offsets && data && r <= n; r++)
            offsets[r] = (int32_t)(r * len);
        for (size_t r = 0; text && offsets && data && r < n; r++) /* no memcpy from NULL */
            memcpy(data + r * len, text, len);
    } else if (p->types[k] == PART_DATE32) {
        int32_t *days = bufs[1] = fdata_aligned_calloc(n * sizeof *days);
        for (size_t r = 0; text && days && r < n; r++)
            days[r] = (int32_t)v->i;
    } else {
        union part_value *vals = bufs[1] = fdata_aligned_calloc(n * sizeof *vals);
        for (size_t r = 0; text && vals && r < n; r++)
            vals[r] = *v;
    }
    int n_buffers = p->types[k] == PART_STRING ? 3 : 2;
    if ((!text && !bufs[0]) || !bufs[1] || (n_buffers == 3 && !bufs[2])) {
        for (int b = 0; b < 3; b++)
            fdata_aligned_free(bufs[b]);
        return FDATA_ENOMEM;
    }
    return fdata_array_make(out, length, text ? 0 : length, n_buffers, bufs);
}

int partitions_batch(const struct partitions *p, size_t file, struct ArrowArray *batch,
                     struct fdata_error *err) {
    if (!p->layout)
        return FDATA_OK;
    struct ArrowArray *cols = calloc(p->width, sizeof *cols);
    int status = cols ? FDATA_OK : FDATA_ENOMEM;
    for (size_t c = 0; c < p->width && status == FDATA_OK; c++) {
        if (p->layout[c] >= 0) {
            cols[c] = *batch->children[p->layout[c]];
            batch->children[p->layout[c]]->release = NULL; /* moved */
        } else {
            status = constant_array(p, file, (size_t)(-1 - p->layout[c]), batch->length, &cols[c]);
        }
    }
    int64_t length = batch->length;
    batch->release(batch);
    if (status == FDATA_OK)
        return fdata_array_make_struct(batch, length, cols, (int64_t)p->width) == FDATA_OK
                   ? (free(cols), FDATA_OK)
                   : (free(cols), fdata_set_error(err, FDATA_ENOMEM, "out of memory"));
    for (size_t c = 0; cols && c < p->width; c++)
        if (cols[c].release)
            cols[c].release(&cols[c]);
    free(cols);
    return fdata_set_error(err, status, status == FDATA_ERANGE
                           ? "a partition column's strings exceed 2 GiB in one row group"
                           : "out of memory");
}

void partitions_keep(struct partitions *p, const char *keep) {
    size_t n = p->n_keys, kept = 0;
    for (size_t i = 0; i < p->n_files; i++) {
        for (size_t k = 0; k < n; k++) {
            if (!keep[i]) {
                free(p->text[i * n + k]);
                continue;
            }
            p->text[kept * n + k] = p->text[i * n + k];
            p->values[kept * n + k] = p->values[i * n + k];
        }
        kept += keep[i] != 0;
    }
    p->n_files = kept;
}

void partitions_free(struct partitions *p) {
    for (size_t k = 0; p->keys && k < p->n_keys; k++)
        free(p->keys[k]);
    for (size_t i = 0; p->text && i < p->n_keys * p->n_files; i++)
        free(p->text[i]);
    free(p->keys), free(p->types), free(p->text), free(p->values), free(p->key_at);
    free(p->layout);
    if (p->n_keys)
        free(p->file_columns);
    memset(p, 0, sizeof *p);
}
