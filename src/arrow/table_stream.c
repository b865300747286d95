/* A table held in memory as a stream: get_schema copies the schema, get_next moves out the next
 * batch; releasing the stream releases the batches nobody took. */
#include <errno.h>
#include <stdlib.h>
#include "build.h"
#include "../common/common.h"
#include "table_stream.h"

struct table {
    struct ArrowSchema schema;
    struct ArrowArray *batches;
    size_t count, next;
};

static int table_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out) {
    struct table *t = s->private_data;
    return fdata_schema_copy(&t->schema, out) == FDATA_OK ? 0 : ENOMEM;
}

static int table_get_next(struct ArrowArrayStream *s, struct ArrowArray *out) {
    struct table *t = s->private_data;
    out->release = NULL; /* the end, unless a batch is left */
    if (t->next < t->count) {
        *out = t->batches[t->next];
        t->batches[t->next++].release = NULL;
    }
    return 0;
}

static const char *table_last_error(struct ArrowArrayStream *s) {
    (void)s;
    return NULL; /* nothing can fail once the table is loaded, except ENOMEM */
}

static void table_release(struct ArrowArrayStream *s) {
    struct table *t = s->private_data;
    for (size_t i = t->next; i < t->count; i++)
        if (t->batches[i].release)
            t->batches[i].release(&t->batches[i]);
    free(t->batches);
    if (t->schema.release)
        t->schema.release(&t->schema);
    free(t);
    s->release = NULL;
}

int fdata_table_stream_make(struct ArrowSchema *schema, struct ArrowArray *batches, size_t n,
                      struct ArrowArrayStream *out, struct fdata_error *err) {
    struct table *t = calloc(1, sizeof *t);
    struct ArrowArray *copy = calloc(n ? n : 1, sizeof *copy);
    out->release = NULL;
    if (!t || !copy) {
        free(t);
        free(copy);
        for (size_t i = 0; i < n; i++)
            if (batches[i].release)
                batches[i].release(&batches[i]);
        schema->release(schema);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    t->schema = *schema;
    schema->release = NULL;
    for (size_t i = 0; i < n; i++) {
        copy[i] = batches[i];
        batches[i].release = NULL;
    }
    t->batches = copy;
    t->count = n;
    *out = (struct ArrowArrayStream){table_get_schema, table_get_next, table_last_error,
                                     table_release, t};
    return FDATA_OK;
}
