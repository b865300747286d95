/* Arrow arrays and schemas with explicit ownership: each owns its buffers and children
 * through private_data and frees them in its release callback (Arrow C Data Interface). */
#include <stdlib.h>
#include "../common/common.h"
#include "../memory/memory.h"
#include "build.h"

struct array_private {
    void *buffers[FDATA_MAX_BUFFERS];
    const void *buffer_ptrs[FDATA_MAX_BUFFERS];
    struct ArrowArray *children;  /* n_children structs, one allocation */
    struct ArrowArray **child_ptrs;
    void *slab;                   /* holds buffer 1 when not NULL (a reference of ours) */
    struct ArrowArray dictionary; /* release NULL when the array has none */
};

static void array_release(struct ArrowArray *a) {
    struct array_private *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++)
        if (p->children[i].release)
            p->children[i].release(&p->children[i]);
    for (int i = 0; i < FDATA_MAX_BUFFERS; i++)
        fdata_aligned_free(p->buffers[i]);
    if (p->dictionary.release)
        p->dictionary.release(&p->dictionary);
    fdata_slab_unref(p->slab);
    free(p->children);
    free(p->child_ptrs);
    free(p);
    a->release = NULL;
}

static void init_array(struct ArrowArray *out, struct array_private *p, int64_t length,
                       int64_t null_count, int n_buffers) {
    memset(out, 0, sizeof *out);
    out->length = length;
    out->null_count = null_count;
    out->n_buffers = n_buffers;
    out->buffers = p->buffer_ptrs;
    out->release = array_release;
    out->private_data = p;
}

int fdata_array_make(struct ArrowArray *out, int64_t length, int64_t null_count,
                     int n_buffers, void *const *buffers) {
    struct array_private *p = calloc(1, sizeof *p);
    if (!p) {
        for (int i = 0; i < n_buffers; i++)
            fdata_aligned_free(buffers[i]);
        out->release = NULL;
        return FDATA_ENOMEM;
    }
    for (int i = 0; i < n_buffers; i++)
        p->buffer_ptrs[i] = p->buffers[i] = buffers[i];
    init_array(out, p, length, null_count, n_buffers);
    return FDATA_OK;
}

int fdata_array_make_in_slab(struct ArrowArray *out, int64_t length, int64_t null_count,
                             int n_buffers, void *const *buffers, void *slab) {
    void *owned[3] = {buffers[0], NULL, n_buffers > 2 ? buffers[2] : NULL};
    FDATA_RETURN_IF(fdata_array_make(out, length, null_count, n_buffers, owned));
    struct array_private *p = out->private_data;
    p->buffer_ptrs[1] = buffers[1];
    p->slab = slab;
    fdata_slab_ref(slab);
    return FDATA_OK;
}

int fdata_array_make_dictionary(struct ArrowArray *out, int64_t length, int64_t null_count,
                                void *const *buffers, struct ArrowArray *dictionary) {
    int status = fdata_array_make(out, length, null_count, 2, buffers);
    if (status != FDATA_OK) {
        dictionary->release(dictionary);
        return status;
    }
    struct array_private *p = out->private_data;
    p->dictionary = *dictionary;
    dictionary->release = NULL;
    out->dictionary = &p->dictionary;
    return FDATA_OK;
}

int fdata_array_make_parent(struct ArrowArray *out, int64_t length, int64_t null_count,
                            int n_buffers, void *const *buffers, struct ArrowArray *children,
                            int64_t n) {
    struct array_private *p = calloc(1, sizeof *p);
    /* not zeroed: every one of the n is set below (a record batch has hundreds) */
    struct ArrowArray *kids = malloc((size_t)(n ? n : 1) * sizeof *kids);
    struct ArrowArray **ptrs = malloc((size_t)(n ? n : 1) * sizeof *ptrs);
    if (!p || !kids || !ptrs) {
        free(p);
        free(kids);
        free(ptrs);
        for (int i = 0; i < n_buffers; i++)
            fdata_aligned_free(buffers[i]);
        for (int64_t i = 0; i < n; i++)
            if (children[i].release)
                children[i].release(&children[i]);
        out->release = NULL;
        return FDATA_ENOMEM;
    }
    for (int64_t i = 0; i < n; i++) {
        kids[i] = children[i];
        children[i].release = NULL;
        ptrs[i] = &kids[i];
    }
    for (int i = 0; i < n_buffers; i++)
        p->buffer_ptrs[i] = p->buffers[i] = buffers[i];
    p->children = kids;
    p->child_ptrs = ptrs;
    init_array(out, p, length, null_count, n_buffers);
    out->n_children = n;
    out->children = ptrs;
    return FDATA_OK;
}

int fdata_array_make_struct(struct ArrowArray *out, int64_t length, struct ArrowArray *children,
                            int64_t n) {
    void *no_validity = NULL; /* a record batch has no null rows */
    return fdata_array_make_parent(out, length, 0, 1, &no_validity, children, n);
}

struct schema_private {
    char *format, *name, *metadata; /* format and name point into text */
    struct ArrowSchema *children;
    struct ArrowSchema **child_ptrs;
    struct ArrowSchema dictionary; /* release NULL when the field has none */
    char text[];                   /* the format's and the name's bytes: one allocation per
                                      field, as a wide file's schema makes hundreds a file */
};

static void schema_release(struct ArrowSchema *s) {
    struct schema_private *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++)
        if (p->children[i].release)
            p->children[i].release(&p->children[i]);
    if (p->dictionary.release)
        p->dictionary.release(&p->dictionary);
    free(p->metadata);
    free(p->children);
    free(p->child_ptrs);
    free(p);
    s->release = NULL;
}

static void put_i32(char *dst, int32_t v) { memcpy(dst, &v, 4); }

/* Arrow metadata: int32 count, then per pair int32 length + bytes, key then value. */
static char *extension_metadata(const char *extension) {
    static const char key_name[] = "ARROW:extension:name";
    static const char key_meta[] = "ARROW:extension:metadata";
    size_t ext = strlen(extension), kn = sizeof key_name - 1, km = sizeof key_meta - 1;
    char *m = malloc(4 + 4 + kn + 4 + ext + 4 + km + 4);
    if (!m)
        return NULL;
    char *p = m;
    put_i32(p, 2), p += 4;
    put_i32(p, (int32_t)kn), p += 4;
    memcpy(p, key_name, kn), p += kn;
    put_i32(p, (int32_t)ext), p += 4;
    memcpy(p, extension, ext), p += ext;
    put_i32(p, (int32_t)km), p += 4;
    memcpy(p, key_meta, km), p += km;
    put_i32(p, 0);
    return m;
}

int fdata_schema_make(struct ArrowSchema *out, const char *format, const char *name,
                      int64_t flags, const char *extension) {
    memset(out, 0, sizeof *out);
    name = name ? name : "";
    size_t format_size = strlen(format) + 1, name_size = strlen(name) + 1;
    struct schema_private *p = malloc(sizeof *p + format_size + name_size);
    if (!p)
        return FDATA_ENOMEM;
    *p = (struct schema_private){.format = p->text, .name = p->text + format_size};
    memcpy(p->format, format, format_size);
    memcpy(p->name, name, name_size);
    p->metadata = extension ? extension_metadata(extension) : NULL;
    if (extension && !p->metadata) {
        free(p);
        return FDATA_ENOMEM;
    }
    out->format = p->format;
    out->name = p->name;
    out->metadata = p->metadata;
    out->flags = flags;
    out->release = schema_release;
    out->private_data = p;
    return FDATA_OK;
}

int fdata_schema_make_dictionary(struct ArrowSchema *out, const char *index_format,
                                 const char *value_format, const char *name, int64_t flags,
                                 const char *extension) {
    FDATA_RETURN_IF(fdata_schema_make(out, index_format, name, flags, NULL));
    struct schema_private *p = out->private_data;
    int status = fdata_schema_make(&p->dictionary, value_format, "", 0, extension);
    if (status != FDATA_OK) {
        out->release(out);
        return status;
    }
    out->dictionary = &p->dictionary;
    return FDATA_OK;
}

int fdata_schema_make_parent(struct ArrowSchema *out, const char *format, const char *name,
                             int64_t flags, struct ArrowSchema *children, int64_t n) {
    /* not zeroed: every one of the n is set below */
    struct ArrowSchema *kids = malloc((size_t)(n ? n : 1) * sizeof *kids);
    struct ArrowSchema **ptrs = malloc((size_t)(n ? n : 1) * sizeof *ptrs);
    int status = (kids && ptrs) ? fdata_schema_make(out, format, name, flags, NULL) : FDATA_ENOMEM;
    if (status != FDATA_OK) {
        free(kids);
        free(ptrs);
        for (int64_t i = 0; i < n; i++)
            if (children[i].release)
                children[i].release(&children[i]);
        return status;
    }
    struct schema_private *p = out->private_data;
    for (int64_t i = 0; i < n; i++) {
        kids[i] = children[i];
        children[i].release = NULL;
        ptrs[i] = &kids[i];
    }
    p->children = kids;
    p->child_ptrs = ptrs;
    out->n_children = n;
    out->children = ptrs;
    return FDATA_OK;
}

int fdata_schema_make_struct(struct ArrowSchema *out, struct ArrowSchema *children, int64_t n) {
    return fdata_schema_make_parent(out, "+s", "", 0, children, n);
}

static int32_t get_i32(const char *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

void fdata_schema_extension(const struct ArrowSchema *schema, char *buf, size_t size) {
    static const char key_name[] = "ARROW:extension:name";
    buf[0] = '\0';
    const char *p = schema->metadata;
    if (!p)
        return;
    int32_t n = get_i32(p);
    p += 4;
    for (int32_t i = 0; i < n; i++) {
        int32_t klen = get_i32(p);
        const char *key = p + 4;
        int32_t vlen = get_i32(key + klen);
        const char *val = key + klen + 4;
        if ((size_t)klen == sizeof key_name - 1 && memcmp(key, key_name, (size_t)klen) == 0) {
            size_t c = (size_t)vlen < size - 1 ? (size_t)vlen : size - 1;
            memcpy(buf, val, c);
            buf[c] = '\0';
            return;
        }
        p = val + vlen;
    }
}

/* A copy of src's dictionary (the values' schema) for `out`, a copy of src. */
static int copy_dictionary(const struct ArrowSchema *src, struct ArrowSchema *out) {
    struct schema_private *p = out->private_data;
    int status = fdata_schema_copy(src->dictionary, &p->dictionary);
    if (status != FDATA_OK) {
        out->release(out);
        return status;
    }
    out->dictionary = &p->dictionary;
    return FDATA_OK;
}

int fdata_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *out) {
    char ext[256];
    fdata_schema_extension(src, ext, sizeof ext);
    const char *name = src->name ? src->name : "";
    if (src->n_children == 0) {
        FDATA_RETURN_IF(fdata_schema_make(out, src->format, name, src->flags, ext[0] ? ext : NULL));
        return src->dictionary ? copy_dictionary(src, out) : FDATA_OK;
    }
    struct ArrowSchema *children = calloc((size_t)src->n_children, sizeof *children);
    int status = children ? FDATA_OK : FDATA_ENOMEM;
    int64_t made = 0;
    for (; status == FDATA_OK && made < src->n_children; made++)
        status = fdata_schema_copy(src->children[made], &children[made]);
    if (status != FDATA_OK) {
        for (int64_t i = 0; i < made; i++)
            if (children[i].release)
                children[i].release(&children[i]);
        free(children);
        out->release = NULL;
        return status;
    }
    status = fdata_schema_make_parent(out, src->format, name, src->flags, children,
                                      src->n_children);
    free(children);
    return status;
}

/* Bytes per value of a fixed-width format, 0 for others. */
static size_t fixed_width(const char *f) {
    switch (f[0]) {
    case 'c': case 'C': return 1;
    case 's': case 'S': case 'e': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'l': case 'L': case 'g': return 8;
    case 'd': return strstr(f, ",256") ? 32 : 16;
    case 'w': return (size_t)atoi(f + 2);
    case 't':
        if (f[1] == 'd' || f[1] == 't') /* date32/64, time32/64 */
            return f[2] == 'D' || f[2] == 's' || f[2] == 'm' ? 4 : 8;
        if (f[1] == 'i') /* intervals: months, day-time, month-day-nano */
            return f[2] == 'M' ? 4 : f[2] == 'D' ? 8 : 16;
        return 8; /* timestamps, durations */
    default: return 0;
    }
}

uint64_t fdata_array_bytes(const struct ArrowSchema *schema, const struct ArrowArray *array) {
    const char *f = schema->format;
    uint64_t n = (uint64_t)(array->length + array->offset);
    uint64_t bytes = array->n_buffers > 0 && array->buffers[0] ? (n + 7) / 8 : 0;
    if (f[0] == 'b') {
        bytes += (n + 7) / 8;
    } else if (f[0] == 'u' || f[0] == 'z') {
        const int32_t *off = array->buffers[1];
        bytes += 4 * (n + 1) + (n && off ? (uint64_t)off[n] : 0);
    } else if (f[0] == 'U' || f[0] == 'Z') {
        const int64_t *off = array->buffers[1];
        bytes += 8 * (n + 1) + (n && off ? (uint64_t)off[n] : 0);
    } else if (f[0] == 'v') { /* views, then the variadic buffers' sizes */
        bytes += 16 * n;
        const int64_t *sizes = array->buffers[array->n_buffers - 1];
        for (int64_t i = 2; i + 1 < array->n_buffers; i++)
            bytes += (uint64_t)sizes[i - 2];
    } else if (f[0] == '+') {
        bytes += f[1] == 'l' || f[1] == 'm' ? 4 * (n + 1) : f[1] == 'L' ? 8 * (n + 1) : 0;
        for (int64_t i = 0; i < array->n_children; i++)
            bytes += fdata_array_bytes(schema->children[i], array->children[i]);
    } else {
        bytes += fixed_width(f) * n;
    }
    if (schema->dictionary && array->dictionary)
        bytes += fdata_array_bytes(schema->dictionary, array->dictionary);
    return bytes;
}

size_t fdata_release_cached_memory(void) { return fdata_page_cache_drop(fdata_memory_of(NULL)); }

void fdata_set_huge_pages(int enable) { fdata_huge_pages_set(enable); }
