/* Views of arrays that share their buffers with an owner (see fdata_arrow_array_view). */
#include <stdlib.h>
#include "fastdata/arrow.h"
#include "../common/common.h"
#include "build.h"

struct view {
    struct ArrowArray *kids;     /* the children's views */
    struct ArrowArray **ptrs;
    int64_t n;
    struct ArrowArray dictionary; /* the dictionary's view; release NULL when none */
    void (*done)(void *);        /* top level only */
    void *ctx;
};

static void release_view(struct ArrowArray *a) {
    struct view *v = a->private_data;
    for (int64_t i = 0; i < v->n; i++)
        if (v->kids[i].release)
            v->kids[i].release(&v->kids[i]);
    if (v->dictionary.release)
        v->dictionary.release(&v->dictionary);
    free(v->kids);
    free(v->ptrs);
    if (v->done)
        v->done(v->ctx);
    free(v);
    a->release = NULL;
}

static int make_view(const struct ArrowArray *src, struct ArrowArray *out) {
    struct view *v = calloc(1, sizeof *v);
    int64_t n = src->n_children;
    if (!v || (n && (!(v->kids = calloc((size_t)n, sizeof *v->kids)) ||
                     !(v->ptrs = calloc((size_t)n, sizeof *v->ptrs))))) {
        if (v)
            free(v->kids);
        free(v);
        return FDATA_ENOMEM;
    }
    *out = *src; /* length, offsets, counts and buffer pointers: shared */
    out->private_data = v;
    out->release = release_view;
    out->children = v->ptrs;
    out->dictionary = NULL;
    if (src->dictionary) {
        if (make_view(src->dictionary, &v->dictionary) != FDATA_OK) {
            release_view(out);
            return FDATA_ENOMEM;
        }
        out->dictionary = &v->dictionary;
    }
    for (int64_t i = 0; i < n; i++) {
        v->ptrs[i] = &v->kids[i];
        if (make_view(src->children[i], &v->kids[i]) != FDATA_OK) {
            release_view(out);
            return FDATA_ENOMEM;
        }
        v->n = i + 1;
    }
    return FDATA_OK;
}

int fdata_arrow_array_view(const struct ArrowArray *src, void (*done)(void *), void *ctx,
                           struct ArrowArray *out) {
    out->release = NULL;
    FDATA_RETURN_IF(make_view(src, out));
    struct view *v = out->private_data;
    v->done = done;
    v->ctx = ctx;
    return FDATA_OK;
}

int fdata_arrow_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *out) {
    return fdata_schema_copy(src, out);
}
