/* Shards (see shard.h and fastdata/plan.h): cut the load's row groups, in order, into runs
 * of about the target's compressed bytes; write and read a shard as JSON (through json-c,
 * every field checked: a shard may come over the network). */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "../common/strbuf.h"
#include "../arrow/build.h"
#include "shard.h"

#define MAX_JSON ((size_t)64 << 20)
#define MAX_FILES 1000000
#define MAX_PATH_BYTES 4096
#define MAX_NAME_BYTES 4096
#define MAX_EXTENSION_BYTES 255 /* fdata_schema_extension's buffer */
#define MAX_DEPTH 64 /* JSON nesting: a schema field is 2 deep (object, children) */
#define MAX_COUNT ((int64_t)1 << 62) /* rows, bytes, sizes: far above any real one, and a sum
                                        of two never overflows */

/* ---- planning ---- */

/* A row group: the unit a shard is made of. */
struct unit {
    size_t file;
    int rg;
    int64_t rows;
    uint64_t bytes;
};

/* Every row group of every file, with its projected compressed bytes (a file without row
 * groups is one empty unit, rg -1, so that the shards still name it). */
static int list_units(const struct shard_view *files, size_t n,
                      const struct fdata_parquet_read_options *ro, struct unit **out,
                      size_t *count, struct fdata_error *err) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int g = fdata_parquet_num_row_groups(files[i].pq);
        total += g > 0 ? (size_t)g : 1;
    }
    *count = 0;
    if (!(*out = calloc(total + 1, sizeof **out)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        fdata_parquet_file *pq = files[i].pq;
        int g = fdata_parquet_num_row_groups(pq);
        struct unit *u = *out + *count;
        if (g <= 0) {
            u[0] = (struct unit){i, -1, 0, 0};
            (*count)++;
            continue;
        }
        struct fdata_parquet_read_options own = *ro;
        own.columns = files[i].columns;
        own.num_columns = files[i].num_columns;
        struct fdata_byte_range *ranges;
        int *range_rg;
        size_t num;
        FDATA_RETURN_IF(fdata_parquet_row_group_ranges(pq, &own, 0, &ranges, &range_rg, &num, err));
        for (int r = 0; r < g; r++)
            u[r] = (struct unit){i, r, fdata_parquet_row_group_num_rows(pq, r), 0};
        for (size_t k = 0; k < num; k++)
            if (range_rg[k] >= 0 && range_rg[k] < g)
                u[range_rg[k]].bytes += (uint64_t)ranges[k].length;
        free(ranges);
        free(range_rg);
        *count += (size_t)g;
    }
    return FDATA_OK;
}

/* Where each shard starts (cut[s], a unit index; cut[num] = count): a greedy walk that closes
 * a shard when the next unit's middle would pass its target, the target being what is left
 * over the shards still to make, so a large row group does not leave a run of tiny shards. */
static size_t cut_units(const struct unit *u, size_t count, uint64_t target, size_t *cut) {
    uint64_t left = 0;
    for (size_t k = 0; k < count; k++)
        left += u[k].bytes;
    size_t num = 0;
    uint64_t in = 0, goal = 0;
    for (size_t k = 0; k < count; k++) {
        if (k == 0 || (in > 0 && in + u[k].bytes / 2 > goal)) {
            uint64_t shards = left / target + (left % target != 0);
            goal = left / (shards ? shards : 1);
            cut[num++] = k;
            in = 0;
        }
        in += u[k].bytes;
        left -= u[k].bytes;
    }
    cut[num] = count;
    return num;
}

/* Shard s from units [from, to): one entry per file, its run of row groups. */
static int make_shard(const struct shard_view *files, const struct unit *u, size_t from, size_t to,
                      struct fdata_shard *s, struct fdata_error *err) {
    size_t n = 0;
    for (size_t k = from; k < to; k++)
        n += k == from || u[k].file != u[k - 1].file;
    if (!(s->files = calloc(n + 1, sizeof *s->files)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = from; k < to; k++) {
        if (k == from || u[k].file != u[k - 1].file) {
            const struct load_file *lf = files[u[k].file].file;
            struct fdata_shard_file *f = &s->files[s->num_files++];
            f->path = strdup(lf->name);
            f->rel = strdup(lf->rel);
            if (!f->path || !f->rel)
                return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
            f->size = fdata_parquet_file_size(files[u[k].file].pq);
            f->first_row_group = u[k].rg < 0 ? 0 : u[k].rg;
        }
        struct fdata_shard_file *f = &s->files[s->num_files - 1];
        f->num_row_groups += u[k].rg >= 0;
        f->rows += u[k].rows;
        f->bytes += u[k].bytes;
        s->rows += u[k].rows;
        s->bytes += u[k].bytes;
    }
    return FDATA_OK;
}

/* "key:type,..." of the partitions, or NULL when there are none. */
static int types_text(const struct partitions *p, char **out, struct fdata_error *err) {
    *out = NULL;
    if (p->n_keys == 0)
        return FDATA_OK;
    struct fdata_strbuf b = {0};
    for (size_t k = 0; k < p->n_keys; k++) {
        if (k)
            fdata_sb_putc(&b, ',');
        fdata_sb_puts(&b, p->keys[k]);
        fdata_sb_putc(&b, ':');
        fdata_sb_puts(&b, partitions_type_name(p->types[k]));
    }
    if (!b.oom && (*out = strdup(fdata_sb_cstr(&b))) == NULL)
        b.oom = 1;
    fdata_sb_free(&b);
    return *out ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

int shard_plan(const struct shard_view *files, size_t n, const struct partitions *parts,
               const struct fdata_parquet_read_options *ro, uint64_t target,
               struct fdata_plan *out, struct fdata_error *err) {
    struct unit *u = NULL;
    size_t count = 0, *cut = NULL;
    int status = list_units(files, n, ro, &u, &count, err);
    if (status == FDATA_OK && !(cut = calloc(count + 1, sizeof *cut)))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    size_t num = status == FDATA_OK ? cut_units(u, count, target, cut) : 0;
    if (status == FDATA_OK && !(out->shards = calloc(num + 1, sizeof *out->shards)))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t s = 0; status == FDATA_OK && s < num; s++) {
        struct fdata_shard *sh = &out->shards[out->num_shards++];
        sh->index = s;
        status = make_shard(files, u, cut[s], cut[s + 1], sh, err);
        if (status == FDATA_OK)
            status = types_text(parts, &sh->partition_types, err);
        out->rows += sh->rows;
        out->bytes += sh->bytes;
    }
    out->files = n;
    free(u);
    free(cut);
    return status;
}

void fdata_shard_free(struct fdata_shard *s) {
    if (!s)
        return;
    for (size_t i = 0; s->files && i < s->num_files; i++) {
        free(s->files[i].path);
        free(s->files[i].rel);
    }
    free(s->files);
    free(s->partition_types);
    if (s->schema.release)
        s->schema.release(&s->schema);
    memset(s, 0, sizeof *s);
}

void fdata_plan_free(struct fdata_plan *p) {
    if (!p)
        return;
    for (size_t s = 0; p->shards && s < p->num_shards; s++)
        fdata_shard_free(&p->shards[s]);
    free(p->shards);
    shard_bounds_free(p->bounds, p->num_shards);
    if (p->schema.release)
        p->schema.release(&p->schema);
    memset(p, 0, sizeof *p);
}

/* ---- a shard's load ---- */

int shard_files(const struct fdata_shard *s, struct load_files *out, struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < s->num_files; i++) {
        const struct fdata_shard_file *f = &s->files[i];
        size_t len = strlen(f->path), rel = strlen(f->rel);
        if (rel > len || strcmp(f->path + len - rel, f->rel) != 0) { /* from_json checks too */
            load_files_free(out);
            return fdata_set_error(err, FDATA_EINVAL, "shard %zu: '%s' is not the end of '%s'",
                                   s->index, f->rel, f->path);
        }
        if (load_files_add(out, f->path, len - rel, strncmp(f->path, "s3://", 5) == 0,
                           f->size) != FDATA_OK) {
            load_files_free(out);
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        }
    }
    return FDATA_OK;
}

int shard_check(const struct fdata_shard *s, const struct shard_view *files, size_t n,
                struct fdata_error *err) {
    if (n != s->num_files)
        return fdata_set_error(err, FDATA_EINVAL, "shard %zu: the filter keeps %zu of its %zu "
                               "files: load a shard with the options it was planned with",
                               s->index, n, s->num_files);
    for (size_t i = 0; i < n; i++) {
        const struct fdata_shard_file *f = &s->files[i];
        fdata_parquet_file *pq = files[i].pq;
        int g = fdata_parquet_num_row_groups(pq);
        int64_t size = fdata_parquet_file_size(pq), rows = 0;
        int fits = f->first_row_group <= g && f->num_row_groups <= g - f->first_row_group;
        for (int r = f->first_row_group; fits && r < f->first_row_group + f->num_row_groups; r++)
            rows += fdata_parquet_row_group_num_rows(pq, r);
        if (size != f->size || !fits || rows != f->rows)
            return fdata_set_error(err, FDATA_EINVAL, "%s: not the file shard %zu was planned "
                                   "over (%lld bytes and %d row groups now; planned: %lld "
                                   "bytes, row groups %d-%d holding %lld rows)", f->path,
                                   s->index, (long long)size, g, (long long)f->size,
                                   f->first_row_group, f->first_row_group + f->num_row_groups,
                                   (long long)f->rows);
    }
    return FDATA_OK;
}

int shard_select(const struct fdata_shard *s, size_t i, struct rg_selection *sel,
                 struct fdata_error *err) {
    const struct fdata_shard_file *f = &s->files[i];
    char *keep = malloc((size_t)sel->count + 1);
    if (!keep)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int j = 0; j < sel->count; j++)
        keep[j] = sel->rg[j] >= f->first_row_group &&
                  sel->rg[j] - f->first_row_group < f->num_row_groups;
    rg_select_keep(sel, keep);
    free(keep);
    return FDATA_OK;
}

/* ---- JSON ---- */

/* Adds value j (NULL: null) under key; 0 (j freed) when out of memory. */
static int add(struct json_object *o, const char *key, struct json_object *j) {
    if (json_object_object_add(o, key, j) == 0)
        return 1;
    json_object_put(j);
    return 0;
}

static int add_int(struct json_object *o, const char *key, int64_t v) {
    struct json_object *j = json_object_new_int64(v);
    return j && add(o, key, j);
}

static int add_string(struct json_object *o, const char *key, const char *v) {
    struct json_object *j = v ? json_object_new_string(v) : NULL;
    return (j || !v) && add(o, key, j);
}

static struct json_object *file_json(const struct fdata_shard_file *f) {
    struct json_object *o = json_object_new_object();
    if (o && add_string(o, "path", f->path) && add_string(o, "rel", f->rel) &&
        add_int(o, "size", f->size) && add_int(o, "first_row_group", f->first_row_group) &&
        add_int(o, "num_row_groups", f->num_row_groups) && add_int(o, "rows", f->rows) &&
        add_int(o, "bytes", (int64_t)f->bytes))
        return o;
    json_object_put(o);
    return NULL;
}

/* A schema field: {"name", "format", "flags", "extension", "dictionary", "children"}. */
static struct json_object *field_json(const struct ArrowSchema *f) {
    char ext[MAX_EXTENSION_BYTES + 1];
    fdata_schema_extension(f, ext, sizeof ext);
    struct json_object *o = json_object_new_object(), *kids = json_object_new_array();
    struct json_object *dict = f->dictionary ? field_json(f->dictionary) : NULL;
    int ok = o && kids && (dict || !f->dictionary) && add_string(o, "name", f->name ? f->name : "") &&
             add_string(o, "format", f->format) && add_int(o, "flags", f->flags) &&
             add_string(o, "extension", ext[0] ? ext : NULL) && add(o, "dictionary", dict);
    dict = NULL; /* o's now, or freed */
    for (int64_t i = 0; ok && i < f->n_children; i++) {
        struct json_object *c = field_json(f->children[i]);
        ok = c && json_object_array_add(kids, c) == 0;
        if (c && !ok)
            json_object_put(c);
    }
    if (ok && add(o, "children", kids))
        return o;
    json_object_put(o);
    return NULL;
}

int fdata_shard_to_json(const struct fdata_shard *s, char **out, struct fdata_error *err) {
    *out = NULL;
    struct json_object *o = json_object_new_object(), *files = json_object_new_array();
    int ok = o && files && add_int(o, "fastdata_shard", 1) && add_int(o, "index", (int64_t)s->index) &&
             add_string(o, "partition_types", s->partition_types);
    if (ok && s->schema.release) {
        struct json_object *schema = field_json(&s->schema);
        ok = schema && add(o, "schema", schema);
    }
    for (size_t i = 0; ok && i < s->num_files; i++) {
        struct json_object *f = file_json(&s->files[i]);
        ok = f && json_object_array_add(files, f) == 0;
        if (f && !ok)
            json_object_put(f);
    }
    if (ok && json_object_object_add(o, "files", files) == 0) {
        files = NULL; /* o's now */
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
        *out = text ? strdup(text) : NULL;
    }
    json_object_put(files);
    json_object_put(o);
    return *out ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

/* A field of object o, of json type t; FDATA_EINVAL naming it when absent or of another type. */
static int field(struct json_object *o, const char *key, json_type t, const char *where,
                 struct json_object **v, struct fdata_error *err) {
    static const char *const names[] = {"null", "a boolean", "a number", "an integer",
                                        "an object", "an array", "a string"};
    if (!json_object_object_get_ex(o, key, v))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s has no \"%s\"", where, key);
    if (!json_object_is_type(*v, t))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s \"%s\" is not %s", where, key,
                               names[t]);
    return FDATA_OK;
}

/* An integer field within [low, high]. */
static int int_field(struct json_object *o, const char *key, int64_t low, int64_t high,
                     const char *where, int64_t *out, struct fdata_error *err) {
    struct json_object *v;
    FDATA_RETURN_IF(field(o, key, json_type_int, where, &v, err));
    *out = json_object_get_int64(v);
    if (*out < low || *out > high)
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s \"%s\" is %lld, not within "
                               "%lld-%lld", where, key, (long long)*out, (long long)low,
                               (long long)high);
    return FDATA_OK;
}

/* A string without control characters (nor NUL), 1 to MAX_PATH_BYTES bytes, copied. */
static int string_of(struct json_object *v, const char *key, const char *where, char **out,
                     struct fdata_error *err) {
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    int clean = len > 0 && len <= MAX_PATH_BYTES && strlen(s) == len;
    for (size_t i = 0; clean && i < len; i++)
        clean = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
    if (!clean)
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s \"%s\" is empty, longer than "
                               "%d bytes or holds a control character", where, key, MAX_PATH_BYTES);
    return (*out = strdup(s)) ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

static int string_field(struct json_object *o, const char *key, const char *where, char **out,
                        struct fdata_error *err) {
    struct json_object *v;
    FDATA_RETURN_IF(field(o, key, json_type_string, where, &v, err));
    return string_of(v, key, where, out, err);
}

/* Every key of o is one of `keys` (NULL-terminated). */
static int only_keys(struct json_object *o, const char *const *keys, const char *where,
                     struct fdata_error *err) {
    json_object_object_foreach(o, key, value) {
        (void)value;
        size_t k = 0;
        while (keys[k] && strcmp(keys[k], key) != 0)
            k++;
        if (!keys[k]) {
            char shown[64];
            return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s has an unknown field \"%s\"",
                                   where, fdata_escape_controls(key, shown, sizeof shown));
        }
    }
    return FDATA_OK;
}

static int file_of_json(struct json_object *o, size_t i, struct fdata_shard_file *f,
                        struct fdata_error *err) {
    static const char *const keys[] = {"path", "rel", "size", "first_row_group",
                                       "num_row_groups", "rows", "bytes", NULL};
    char where[48];
    snprintf(where, sizeof where, "files[%zu]", i);
    if (!json_object_is_type(o, json_type_object))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s is not an object", where);
    int64_t first, num, bytes;
    FDATA_RETURN_IF(only_keys(o, keys, where, err));
    FDATA_RETURN_IF(string_field(o, "path", where, &f->path, err));
    FDATA_RETURN_IF(string_field(o, "rel", where, &f->rel, err));
    size_t len = strlen(f->path), rel = strlen(f->rel);
    if (rel > len || strcmp(f->path + len - rel, f->rel) != 0)
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s \"rel\" is not the end of its "
                               "\"path\"", where);
    FDATA_RETURN_IF(int_field(o, "size", 0, MAX_COUNT, where, &f->size, err));
    FDATA_RETURN_IF(int_field(o, "first_row_group", 0, INT_MAX, where, &first, err));
    FDATA_RETURN_IF(int_field(o, "num_row_groups", 0, INT_MAX - first, where, &num, err));
    FDATA_RETURN_IF(int_field(o, "rows", 0, MAX_COUNT, where, &f->rows, err));
    FDATA_RETURN_IF(int_field(o, "bytes", 0, MAX_COUNT, where, &bytes, err));
    f->first_row_group = (int)first;
    f->num_row_groups = (int)num;
    f->bytes = (uint64_t)bytes;
    return FDATA_OK;
}

/* The number of decimal digits p[0..len) spell (1 to 9 digits), or -1. */
static long number(const char *p, size_t len) {
    long v = 0;
    if (len == 0 || len > 9)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Whether an Arrow format is one of the types the library makes (flat: 0, a nested one: its
 * children count, -1 for any; -2 for none of them). */
static int known_format(const char *f) {
    static const char *const flat[] = {"n", "b", "c", "C", "s", "S", "i", "I", "l", "L", "e",
                                       "f", "g", "u", "U", "z", "Z", "vu", "vz", "tdD", "tdm",
                                       "tts", "ttm", "ttu", "ttn", "tiM", "tiD", "tin", "tDs",
                                       "tDm", "tDu", "tDn", NULL};
    for (int i = 0; flat[i]; i++)
        if (strcmp(f, flat[i]) == 0)
            return 0;
    if (strcmp(f, "+s") == 0)
        return -1;
    if (strcmp(f, "+l") == 0 || strcmp(f, "+L") == 0 || strcmp(f, "+m") == 0)
        return 1;
    const char *w = f[0] == '+' ? f + 1 : f;
    if (w[0] == 'w' && w[1] == ':' && number(w + 2, strlen(w + 2)) >= 1)
        return f[0] == '+';
    const char *comma = strchr(f, ',');
    if (f[0] == 'd' && f[1] == ':' && comma) { /* d:precision,scale[,bits] */
        const char *bits = strchr(comma + 1, ',');
        long precision = number(f + 2, (size_t)(comma - f - 2));
        long scale = number(comma + 1, bits ? (size_t)(bits - comma - 1) : strlen(comma + 1));
        long width = bits ? number(bits + 1, strlen(bits + 1)) : 128;
        if (precision >= 1 && precision <= 76 && scale >= 0 && scale <= precision &&
            (width == 128 || width == 256))
            return 0;
    }
    if (f[0] == 't' && f[1] == 's' && f[2] && strchr("smun", f[2]) && f[3] == ':' &&
        strlen(f + 4) <= 64)
        return 0;
    return -2;
}

static int field_of_json(struct json_object *o, int depth, struct ArrowSchema *out,
                         struct fdata_error *err);

/* A dictionary-encoded field: integer indices of `format`, values a flat, unnamed field. */
static int dictionary_of_json(struct json_object *dict, int depth, const char *name,
                              const char *format, int64_t flags, struct ArrowSchema *out,
                              struct fdata_error *err) {
    struct ArrowSchema values;
    if (!strchr("cCsSiIlL", format[0]) || format[1])
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: a dictionary's indices are not "
                               "integers");
    FDATA_RETURN_IF(field_of_json(dict, depth + 1, &values, err));
    char ext[MAX_EXTENSION_BYTES + 1];
    fdata_schema_extension(&values, ext, sizeof ext);
    int status = values.format[0] == '+' || values.dictionary || values.name[0] || values.flags
                     ? fdata_set_error(err, FDATA_EINVAL, "shard JSON: a dictionary's values "
                                       "are not an unnamed flat field")
                     : fdata_schema_make_dictionary(out, format, values.format, name, flags,
                                                    ext[0] ? ext : NULL);
    if (status == FDATA_ENOMEM)
        fdata_set_error(err, status, "out of memory");
    values.release(&values);
    return status;
}

/* A schema field from its JSON (checked: the keys and types above, a known format with as
 * many children as it takes, a dictionary only over integers and of a flat type). */
static int field_of_json(struct json_object *o, int depth, struct ArrowSchema *out,
                         struct fdata_error *err) {
    static const char *const keys[] = {"name", "format", "flags", "extension", "dictionary",
                                       "children", NULL};
    const char *where = "a schema field";
    struct json_object *v, *ext, *dict, *kids;
    int64_t flags;
    out->release = NULL;
    if (!json_object_is_type(o, json_type_object))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s is not an object", where);
    FDATA_RETURN_IF(only_keys(o, keys, where, err));
    FDATA_RETURN_IF(field(o, "name", json_type_string, where, &v, err));
    const char *name = json_object_get_string(v);
    if ((size_t)json_object_get_string_len(v) > MAX_NAME_BYTES ||
        strlen(name) != (size_t)json_object_get_string_len(v))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: a field's \"name\" is longer "
                               "than %d bytes or holds a NUL", MAX_NAME_BYTES);
    FDATA_RETURN_IF(field(o, "format", json_type_string, where, &v, err));
    const char *format = json_object_get_string(v);
    int takes = strlen(format) == (size_t)json_object_get_string_len(v) ? known_format(format) : -2;
    FDATA_RETURN_IF(int_field(o, "flags", 0, ARROW_FLAG_DICTIONARY_ORDERED | ARROW_FLAG_NULLABLE |
                              ARROW_FLAG_MAP_KEYS_SORTED, where, &flags, err));
    FDATA_RETURN_IF(field(o, "children", json_type_array, where, &kids, err));
    if (!json_object_object_get_ex(o, "extension", &ext) || !json_object_object_get_ex(o, "dictionary", &dict))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s has no \"extension\" or "
                               "\"dictionary\"", where);
    size_t n = json_object_array_length(kids);
    char shown[64];
    if (takes == -2 || (takes >= 0 && n != (size_t)takes) || depth >= MAX_DEPTH)
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: a field's format '%s' is not one "
                               "of an Arrow type with %zu children", fdata_escape_controls(
                               format, shown, sizeof shown), n);
    if (ext && (!json_object_is_type(ext, json_type_string) || format[0] == '+' || dict ||
                json_object_get_string_len(ext) == 0 ||
                json_object_get_string_len(ext) > MAX_EXTENSION_BYTES ||
                strlen(json_object_get_string(ext)) != (size_t)json_object_get_string_len(ext)))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: a field's \"extension\" is "
                               "neither null nor a name (of a flat field)");
    if (dict)
        return dictionary_of_json(dict, depth, name, format, flags, out, err);
    if (format[0] != '+')
        return fdata_schema_make(out, format, name, flags, ext ? json_object_get_string(ext) : NULL);
    struct ArrowSchema *children = calloc(n + 1, sizeof *children);
    int status = children ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    size_t made = 0;
    for (; status == FDATA_OK && made < n; made++)
        status = field_of_json(json_object_array_get_idx(kids, made), depth + 1, &children[made], err);
    if (status == FDATA_OK && strcmp(format, "+m") == 0 &&
        (strcmp(children[0].format, "+s") != 0 || children[0].n_children != 2))
        status = fdata_set_error(err, FDATA_EINVAL, "shard JSON: a map's child is not a struct "
                                 "of key and value");
    if (status == FDATA_OK) {
        status = fdata_schema_make_parent(out, format, name, flags, children, (int64_t)n);
        if (status != FDATA_OK)
            fdata_set_error(err, status, "out of memory");
    } else {
        for (size_t k = 0; k < made; k++)
            if (children[k].release)
                children[k].release(&children[k]);
    }
    free(children);
    return status;
}

static int shard_of_json(struct json_object *o, struct fdata_shard *s, struct fdata_error *err) {
    static const char *const keys[] = {"fastdata_shard", "index", "partition_types", "schema",
                                       "files", NULL};
    int64_t version, index;
    struct json_object *files, *types;
    if (!json_object_is_type(o, json_type_object))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: not an object");
    FDATA_RETURN_IF(only_keys(o, keys, "the shard", err));
    FDATA_RETURN_IF(int_field(o, "fastdata_shard", 1, 1, "the shard", &version, err));
    FDATA_RETURN_IF(int_field(o, "index", 0, MAX_COUNT, "the shard", &index, err));
    s->index = (size_t)index;
    if (!json_object_object_get_ex(o, "partition_types", &types))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: the shard has no \"partition_types\"");
    if (types && !json_object_is_type(types, json_type_string))
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: \"partition_types\" is neither "
                               "a string nor null");
    if (types)
        FDATA_RETURN_IF(string_of(types, "partition_types", "the shard", &s->partition_types, err));
    struct json_object *schema;
    if (json_object_object_get_ex(o, "schema", &schema)) {
        FDATA_RETURN_IF(field_of_json(schema, 0, &s->schema, err));
        if (strcmp(s->schema.format, "+s") != 0)
            return fdata_set_error(err, FDATA_EINVAL, "shard JSON: \"schema\" is not a struct "
                                   "of the table's columns");
    }
    FDATA_RETURN_IF(field(o, "files", json_type_array, "the shard", &files, err));
    size_t n = json_object_array_length(files);
    if (n == 0 || n > MAX_FILES)
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: \"files\" holds %zu files, not "
                               "1-%d", n, MAX_FILES);
    if (!(s->files = calloc(n, sizeof *s->files)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        s->num_files++;
        FDATA_RETURN_IF(file_of_json(json_object_array_get_idx(files, i), i, &s->files[i], err));
        s->rows += s->files[i].rows; /* each below 2^62, so are the sums until checked */
        s->bytes += s->files[i].bytes;
        if (s->rows > MAX_COUNT || s->bytes > (uint64_t)MAX_COUNT)
            return fdata_set_error(err, FDATA_EINVAL, "shard JSON: the files' rows or bytes "
                                   "add up past 2^62");
    }
    return FDATA_OK;
}

int fdata_shard_from_json(const char *text, size_t len, struct fdata_shard *out,
                          struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    if (len > MAX_JSON)
        return fdata_set_error(err, FDATA_EINVAL, "shard JSON: %zu bytes, more than a shard's "
                               "%zu", len, MAX_JSON);
    struct json_tokener *tok = json_tokener_new_ex(2 * MAX_DEPTH + 8); /* files: 3 deep */
    if (!tok)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    while (e == json_tokener_success && end < len && strchr(" \t\r\n", text[end]) && text[end])
        end++;
    int status = FDATA_OK;
    if (e != json_tokener_success || !o)
        status = fdata_set_error(err, FDATA_EINVAL, "shard JSON: %s at byte %zu",
                                 e == json_tokener_continue ? "the text ends early"
                                                            : json_tokener_error_desc(e),
                                 json_tokener_get_parse_end(tok));
    else if (end != len)
        status = fdata_set_error(err, FDATA_EINVAL, "shard JSON: more text after the shard at "
                                 "byte %zu", end);
    else
        status = shard_of_json(o, out, err);
    json_object_put(o);
    json_tokener_free(tok);
    if (status != FDATA_OK)
        fdata_shard_free(out);
    return status;
}
