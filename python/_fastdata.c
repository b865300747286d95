/* The CPython extension behind the `fastdata` package: load() runs fdata_load without the
 * GIL and returns a _Table, which hands its batches out through the Arrow PyCapsule
 * interface (__arrow_c_stream__, __arrow_c_schema__) as views of its own buffers: pyarrow,
 * Polars, DuckDB and NumPy (through pyarrow) all read the same memory, which lives until the
 * table and every view of it are gone.  With matrix=, load() also returns the feature matrix
 * the decoders wrote (a _Matrix lending it through the buffer protocol).  _S3 fetches objects into memory the same way and lends
 * each one's bytes to Python through the buffer protocol. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/load.h"
#include "fastdata/s3.h"

static PyObject *Error;

/* The loaded table, shared by the Python object and every exported view. */
struct shared {
    atomic_long refs;
    struct ArrowSchema schema;
    struct ArrowArray *batches;
    size_t n;
};

static void shared_release(void *p) {
    struct shared *s = p;
    if (atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->batches[i].release)
            s->batches[i].release(&s->batches[i]);
    free(s->batches);
    if (s->schema.release)
        s->schema.release(&s->schema);
    free(s);
}

/* ---- a stream of views ---- */

struct view_stream {
    struct shared *s;
    size_t next;
};

static int vs_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
    struct view_stream *v = st->private_data;
    return fdata_arrow_schema_copy(&v->s->schema, out) == FDATA_OK ? 0 : ENOMEM;
}

static int vs_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
    struct view_stream *v = st->private_data;
    out->release = NULL;
    if (v->next == v->s->n)
        return 0;
    atomic_fetch_add(&v->s->refs, 1);
    if (fdata_arrow_array_view(&v->s->batches[v->next], shared_release, v->s, out) != FDATA_OK) {
        shared_release(v->s);
        return ENOMEM;
    }
    v->next++;
    return 0;
}

static const char *vs_error(struct ArrowArrayStream *st) {
    (void)st;
    return NULL;
}

static void vs_release(struct ArrowArrayStream *st) {
    struct view_stream *v = st->private_data;
    shared_release(v->s);
    free(v);
    st->release = NULL;
}

/* PyCapsule destructors: a consumer that never imported the struct leaves it to us. */
static void stream_capsule_free(PyObject *cap) {
    struct ArrowArrayStream *st = PyCapsule_GetPointer(cap, "arrow_array_stream");
    if (st && st->release)
        st->release(st);
    free(st);
}

static void schema_capsule_free(PyObject *cap) {
    struct ArrowSchema *s = PyCapsule_GetPointer(cap, "arrow_schema");
    if (s && s->release)
        s->release(s);
    free(s);
}

/* ---- _Table ---- */

typedef struct {
    PyObject_HEAD
    struct shared *s;
    int64_t rows;
    struct fdata_load_report report;
} TableObject;

static void table_dealloc(TableObject *self) {
    if (self->s)
        shared_release(self->s);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *table_stream(TableObject *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"requested_schema", NULL};
    PyObject *requested = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", names, &requested))
        return NULL;
    struct ArrowArrayStream *st = calloc(1, sizeof *st);
    struct view_stream *v = calloc(1, sizeof *v);
    if (!st || !v) {
        free(st), free(v);
        return PyErr_NoMemory();
    }
    atomic_fetch_add(&self->s->refs, 1);
    v->s = self->s;
    *st = (struct ArrowArrayStream){vs_schema, vs_next, vs_error, vs_release, v};
    PyObject *cap = PyCapsule_New(st, "arrow_array_stream", stream_capsule_free);
    if (!cap)
        vs_release(st), free(st);
    return cap;
}

static PyObject *table_schema_capsule(TableObject *self, PyObject *unused) {
    (void)unused;
    struct ArrowSchema *s = calloc(1, sizeof *s);
    if (!s || fdata_arrow_schema_copy(&self->s->schema, s) != FDATA_OK) {
        free(s);
        return PyErr_NoMemory();
    }
    PyObject *cap = PyCapsule_New(s, "arrow_schema", schema_capsule_free);
    if (!cap)
        s->release(s), free(s);
    return cap;
}

static PyObject *table_num_rows(TableObject *self, void *c) {
    (void)c;
    return PyLong_FromLongLong(self->rows);
}

static PyObject *table_column_names(TableObject *self, void *c) {
    (void)c;
    PyObject *list = PyList_New(self->s->schema.n_children);
    for (int64_t i = 0; list && i < self->s->schema.n_children; i++)
        PyList_SET_ITEM(list, i, PyUnicode_FromString(self->s->schema.children[i]->name));
    return list;
}

static PyObject *table_report(TableObject *self, void *c) {
    (void)c;
    const struct fdata_load_report *r = &self->report;
    return Py_BuildValue("{s:n,s:L,s:i,s:L,s:K,s:K,s:d,s:d,s:d,s:d,s:d,s:d,s:K,s:n,s:K}", "files",
                         (Py_ssize_t)r->files, "rows", (long long)r->rows, "columns", r->columns,
                         "row_groups", (long long)r->row_groups, "bytes_fetched",
                         (unsigned long long)r->bytes_fetched, "bytes_decoded",
                         (unsigned long long)r->bytes_decoded, "seconds", r->seconds,
                         "first_batch_seconds", r->first_batch_seconds, "download_seconds",
                         r->download_seconds, "decode_seconds", r->decode_seconds,
                         "download_gbit_s", r->download_gbit_s, "decode_gb_s", r->decode_gb_s,
                         "peak_bytes_held", (unsigned long long)r->peak_bytes_held,
                         "files_pruned", (Py_ssize_t)r->files_pruned, "bytes_skipped",
                         (unsigned long long)r->bytes_skipped);
}

static const char **strings(PyObject *obj, const char *what, size_t *n);

/* _fill_matrix(out, columns, fortran, wide): `out` a writable rows x len(columns)
 * float32/float64 buffer; each named numeric column put in without the GIL. */
static PyObject *table_fill_matrix(TableObject *self, PyObject *args) {
    Py_buffer out;
    PyObject *names;
    int fortran, wide;
    if (!PyArg_ParseTuple(args, "w*Opp", &out, &names, &fortran, &wide))
        return NULL;
    size_t n = 0;
    const char **cols = strings(names, "columns", &n);
    int64_t *index = cols ? calloc(n + 1, sizeof *index) : NULL;
    const struct ArrowArray **arrays = calloc(n + 1, sizeof *arrays);
    const char **formats = calloc(n + 1, sizeof *formats);
    const struct ArrowSchema *sc = &self->s->schema;
    struct fdata_matrix m = {cols, n, wide ? FDATA_MATRIX_FLOAT64 : FDATA_MATRIX_FLOAT32,
                             fortran ? FDATA_MATRIX_COLUMN_MAJOR : FDATA_MATRIX_ROW_MAJOR,
                             out.buf, self->rows};
    PyObject *result = NULL;
    if (!index || !arrays || !formats)
        goto done;
    for (size_t i = 0; i < n; i++) {
        index[i] = -1;
        for (int64_t c = 0; c < sc->n_children; c++)
            if (strcmp(sc->children[c]->name, cols[i]) == 0)
                index[i] = c;
        if (index[i] < 0 || !fdata_matrix_accepts(sc->children[index[i]]->format)) {
            PyErr_Format(PyExc_ValueError, "column '%s': %s", cols[i],
                         index[i] < 0 ? "no such column" : "not a numeric column");
            goto done;
        }
    }
    if ((size_t)out.len != (size_t)self->rows * n * fdata_matrix_element_size(&m)) {
        PyErr_SetString(PyExc_ValueError, "the matrix does not have rows x columns elements");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    int64_t row = 0;
    for (size_t i = 0; i < n; i++)
        formats[i] = sc->children[index[i]]->format;
    for (size_t b = 0; b < self->s->n; b++) {
        const struct ArrowArray *batch = &self->s->batches[b];
        for (size_t i = 0; i < n; i++)
            arrays[i] = batch->children[index[i]];
        for (int64_t first = 0; first < batch->length; first += 512) /* blocks that stay in cache */
            fdata_matrix_put_rows(&m, row + first, formats, arrays, first,
                                  batch->length - first < 512 ? batch->length - first : 512);
        row += batch->length;
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    if ((!index || !arrays || !formats) && !PyErr_Occurred())
        PyErr_NoMemory();
    PyBuffer_Release(&out);
    free(cols);
    free(index);
    free(arrays);
    free(formats);
    return result;
}

static PyMethodDef table_methods[] = {
    {"_fill_matrix", (PyCFunction)table_fill_matrix, METH_VARARGS,
     "_fill_matrix(out, columns, fortran, wide): numeric columns into a float matrix."},
    {"__arrow_c_stream__", (PyCFunction)(void (*)(void))table_stream, METH_VARARGS | METH_KEYWORDS,
     "The table as an Arrow C stream capsule (views of its buffers, no copy)."},
    {"__arrow_c_schema__", (PyCFunction)table_schema_capsule, METH_NOARGS,
     "The table's schema as an Arrow C schema capsule."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef table_getset[] = {
    {"num_rows", (getter)table_num_rows, NULL, "rows", NULL},
    {"column_names", (getter)table_column_names, NULL, "top-level column names", NULL},
    {"report", (getter)table_report, NULL, "what the load did (dict)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastdata._fastdata._Table",
    .tp_basicsize = sizeof(TableObject),
    .tp_dealloc = (destructor)table_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A table loaded by fastdata (its batches, in memory).",
    .tp_methods = table_methods,
    .tp_getset = table_getset,
};

/* ---- arguments ---- */

/* A list of str (or one str) as a NULL-terminated array of UTF-8 pointers owned by the list's
 * objects; *n gets the count.  NULL with an exception set on a wrong type. */
static const char **strings(PyObject *obj, const char *what, size_t *n) {
    PyObject *seq = PyUnicode_Check(obj) ? PyTuple_Pack(1, obj) : PySequence_Fast(obj, what);
    if (!seq)
        return NULL;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
    const char **out = calloc((size_t)len + 1, sizeof *out);
    for (Py_ssize_t i = 0; out && i < len; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(item) || !(out[i] = PyUnicode_AsUTF8(item))) {
            PyErr_Format(PyExc_TypeError, "%s must be strings", what);
            free(out);
            out = NULL;
        }
    }
    Py_DECREF(seq); /* the strings live in the caller's objects, which outlive the call */
    if (!out && !PyErr_Occurred())
        PyErr_NoMemory();
    *n = (size_t)len;
    return out;
}

/* The stream's batches moved into a shared table; -1 (and *why) when the stream fails or
 * memory runs out: never a partial table. */
static int take_batches(struct ArrowArrayStream *st, struct shared *s, const char **why) {
    *why = "out of memory";
    if (st->get_schema(st, &s->schema) != 0) {
        *why = st->get_last_error(st) ? st->get_last_error(st) : "the stream has no schema";
        return -1;
    }
    size_t cap = 16;
    s->batches = malloc(cap * sizeof *s->batches);
    for (;;) {
        if (!s->batches)
            return -1;
        if (st->get_next(st, &s->batches[s->n]) != 0) {
            s->batches[s->n].release = NULL;
            *why = st->get_last_error(st) ? st->get_last_error(st) : "the stream failed";
            return -1;
        }
        if (!s->batches[s->n].release)
            return 0;
        if (++s->n == cap) {
            struct ArrowArray *more = realloc(s->batches, (cap *= 2) * sizeof *more);
            if (!more)
                return -1;
            s->batches = more;
        }
    }
}

/* ---- _Matrix: a feature matrix the decoder wrote, lent through the buffer protocol ---- */

typedef struct {
    PyObject_HEAD
    struct fdata_matrix m;
    Py_ssize_t shape[2], strides[2];
} MatrixObject;

static void matrix_dealloc(MatrixObject *self) {
    fdata_matrix_free(&self->m);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* A 2-D buffer (rows x columns) with the matrix's strides: np.asarray takes it as it is. */
static int matrix_getbuffer(MatrixObject *self, Py_buffer *view, int flags) {
    int f64 = self->m.dtype == FDATA_MATRIX_FLOAT64;
    view->obj = (PyObject *)self;
    Py_INCREF(self);
    view->buf = self->m.data;
    view->itemsize = f64 ? 8 : 4;
    view->len = self->shape[0] * self->shape[1] * view->itemsize;
    view->readonly = 0;
    view->format = (flags & PyBUF_FORMAT) ? (f64 ? "d" : "f") : NULL;
    view->ndim = 2;
    view->shape = self->shape;
    view->strides = self->strides;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

static PyBufferProcs matrix_buffer = {(getbufferproc)matrix_getbuffer, NULL};

static PyTypeObject MatrixType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastdata._fastdata._Matrix",
    .tp_basicsize = sizeof(MatrixObject),
    .tp_dealloc = (destructor)matrix_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A feature matrix decoded by fastdata (buffer protocol: numpy.asarray(m)).",
    .tp_as_buffer = &matrix_buffer,
};

/* Takes the loaded matrix over (NULL with an exception when out of memory). */
static PyObject *matrix_object(struct fdata_matrix *m) {
    MatrixObject *o = PyObject_New(MatrixObject, &MatrixType);
    if (!o) {
        fdata_matrix_free(m);
        return NULL;
    }
    o->m = *m;
    o->m.columns = NULL; /* the caller's strings are gone after the call */
    m->data = NULL;
    Py_ssize_t elem = (Py_ssize_t)fdata_matrix_element_size(&o->m);
    o->shape[0] = (Py_ssize_t)o->m.rows;
    o->shape[1] = (Py_ssize_t)o->m.num_columns;
    int column_major = o->m.order == FDATA_MATRIX_COLUMN_MAJOR;
    o->strides[0] = column_major ? elem : elem * o->shape[1];
    o->strides[1] = column_major ? elem * o->shape[0] : elem;
    return (PyObject *)o;
}

/* Ctrl-C during a load or a download: they run without the GIL, so Python's own handler
 * could only act once they returned.  On the main thread a handler of ours stands in
 * meanwhile and asks them to stop; Python then gets the interrupt as if it came after. */
static volatile sig_atomic_t interrupted;
static unsigned long main_thread;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

static int hook_sigint(struct sigaction *old) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    return PyThread_get_thread_ident() == main_thread && sigaction(SIGINT, &sa, old) == 0;
}

/* Puts Python's handler back; an interrupt that came meanwhile is Python's now. */
static void unhook_sigint(int hooked, const struct sigaction *old) {
    if (!hooked)
        return;
    sigaction(SIGINT, old, NULL);
    if (interrupted)
        PyErr_SetInterrupt(); /* its handler runs at the next check: KeyboardInterrupt */
    interrupted = 0;
}

/* ---- S3: objects into memory, exposed through the buffer protocol ---- */

/* One downloaded object: its bytes (ours, malloc'ed) lent to Python as a read-only buffer. */
typedef struct {
    PyObject_HEAD
    void *data;
    Py_ssize_t size;
    PyObject *url, *etag;
} BlobObject;

static void blob_dealloc(BlobObject *self) {
    fdata_s3_data_free(self->data);
    Py_XDECREF(self->url);
    Py_XDECREF(self->etag);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int blob_getbuffer(BlobObject *self, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)self, self->data, self->size, 1, flags);
}

static PyBufferProcs blob_buffer = {(getbufferproc)blob_getbuffer, NULL};

static PyObject *blob_url(BlobObject *self, void *c) { (void)c; Py_INCREF(self->url); return self->url; }
static PyObject *blob_etag(BlobObject *self, void *c) { (void)c; Py_INCREF(self->etag); return self->etag; }
static PyObject *blob_size(BlobObject *self, void *c) { (void)c; return PyLong_FromSsize_t(self->size); }

static PyGetSetDef blob_getset[] = {
    {"url", (getter)blob_url, NULL, "the object's s3:// URL", NULL},
    {"etag", (getter)blob_etag, NULL, "its ETag", NULL},
    {"size", (getter)blob_size, NULL, "bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject BlobType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastdata._fastdata._Blob",
    .tp_basicsize = sizeof(BlobObject),
    .tp_dealloc = (destructor)blob_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An object's bytes in fastdata's memory (buffer protocol: memoryview(blob)).",
    .tp_as_buffer = &blob_buffer,
    .tp_getset = blob_getset,
};

typedef struct {
    PyObject_HEAD
    fdata_s3_client *client;
    PyThread_type_lock lock;     /* a client serves one call at a time */
} S3Object;

static void s3_dealloc(S3Object *self) {
    fdata_s3_client_free(self->client);
    if (self->lock)
        PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int s3_init(S3Object *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"endpoint", "region", "profile", "no_sign_request", "retries",
                            "target_gbps", NULL};
    const char *endpoint = NULL, *region = NULL, *profile = NULL;
    int no_sign = 0, retries = 0;
    double target = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|zzzpid", names, &endpoint, &region, &profile,
                                     &no_sign, &retries, &target))
        return -1;
    struct fdata_s3_options o = {.endpoint = endpoint, .region = region, .profile = profile,
                                 .no_sign = no_sign, .retries = retries, .target_gbit_s = target,
                                 .cancel = &interrupted}; /* set only while a call is hooked */
    struct fdata_error err = {0};
    if (!(self->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    if (fdata_s3_client_new(&o, &self->client, &err) != FDATA_OK) {
        PyErr_SetString(Error, err.message);
        return -1;
    }
    return 0;
}

/* Runs fn on the client without the GIL, one call at a time. */
#define WITHOUT_GIL(self, stmt)                              \
    do {                                                     \
        Py_BEGIN_ALLOW_THREADS                               \
        PyThread_acquire_lock((self)->lock, WAIT_LOCK);      \
        stmt;                                                \
        PyThread_release_lock((self)->lock);                 \
        Py_END_ALLOW_THREADS                                 \
    } while (0)

static PyObject *s3_get_many(S3Object *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"urls", "connections", "part_size", NULL};
    PyObject *urls_obj;
    int connections = 0;
    unsigned long long part_size = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|iK", names, &urls_obj, &connections, &part_size))
        return NULL;
    size_t n = 0;
    const char **urls = strings(urls_obj, "urls", &n);
    struct fdata_s3_get_result *res = urls ? calloc(n + 1, sizeof *res) : NULL;
    if (!urls || !res) {
        free(urls);
        return res ? NULL : PyErr_NoMemory();
    }
    struct fdata_s3_get_options o = {.connections = connections, .part_size = part_size,
                                     .cancel = &interrupted};
    struct fdata_error err = {0};
    int status;
    struct sigaction old_sigint;
    int hooked = hook_sigint(&old_sigint);
    WITHOUT_GIL(self, status = fdata_s3_get_many(self->client, urls, n, &o, res, &err));
    unhook_sigint(hooked, &old_sigint);
    PyObject *list = status == FDATA_OK ? PyList_New((Py_ssize_t)n) : NULL;
    for (size_t i = 0; list && i < n; i++) {
        BlobObject *b = PyObject_New(BlobObject, &BlobType);
        if (!b) {
            Py_CLEAR(list);
            break;
        }
        b->data = res[i].data; /* the blob owns the bytes from here */
        b->size = (Py_ssize_t)res[i].size;
        res[i].data = NULL;
        b->url = PyUnicode_FromString(urls[i]);
        b->etag = PyUnicode_FromString(res[i].etag);
        PyList_SET_ITEM(list, (Py_ssize_t)i, (PyObject *)b);
    }
    fdata_s3_get_results_free(res, n);
    free(res);
    free(urls);
    if (status != FDATA_OK && PyErr_CheckSignals() == 0) /* else KeyboardInterrupt */
        PyErr_SetString(Error, err.message);
    return list;
}

static PyObject *s3_list(S3Object *self, PyObject *args) {
    const char *url;
    int recursive = 1;
    if (!PyArg_ParseTuple(args, "s|p", &url, &recursive))
        return NULL;
    struct fdata_s3_listing l;
    struct fdata_error err = {0};
    int status;
    struct sigaction old_sigint;
    int hooked = hook_sigint(&old_sigint);
    WITHOUT_GIL(self, status = fdata_s3_list(self->client, url, recursive, &l, &err));
    unhook_sigint(hooked, &old_sigint);
    if (status != FDATA_OK) {
        if (PyErr_CheckSignals() == 0) /* else KeyboardInterrupt */
            PyErr_SetString(Error, err.message);
        return NULL;
    }
    PyObject *list = PyList_New((Py_ssize_t)l.count);
    for (size_t i = 0; list && i < l.count; i++)
        PyList_SET_ITEM(list, (Py_ssize_t)i,
                        Py_BuildValue("(sLsO)", l.entries[i].key, (long long)l.entries[i].size,
                                      l.entries[i].etag ? l.entries[i].etag : "",
                                      l.entries[i].is_prefix ? Py_True : Py_False));
    fdata_s3_listing_free(&l);
    return list;
}

static PyObject *s3_put(S3Object *self, PyObject *args) {
    const char *url;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "sy*", &url, &data))
        return NULL;
    struct fdata_error err = {0};
    int status;
    WITHOUT_GIL(self, status = fdata_s3_put(self->client, url, data.buf, (size_t)data.len, &err));
    PyBuffer_Release(&data);
    if (status != FDATA_OK) {
        PyErr_SetString(Error, err.message);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef s3_methods[] = {
    {"get_many", (PyCFunction)(void (*)(void))s3_get_many, METH_VARARGS | METH_KEYWORDS,
     "get_many(urls, connections=0, part_size=0) -> [_Blob]: objects into memory, in parallel"},
    {"list", (PyCFunction)s3_list, METH_VARARGS,
     "list(url, recursive=True) -> [(key, size, etag, is_prefix)]"},
    {"put", (PyCFunction)s3_put, METH_VARARGS, "put(url, bytes-like): one object (multipart when large)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject S3Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastdata._fastdata._S3",
    .tp_basicsize = sizeof(S3Object),
    .tp_dealloc = (destructor)s3_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An S3 client (fastdata/s3.h).",
    .tp_methods = s3_methods,
    .tp_init = (initproc)s3_init,
    .tp_new = PyType_GenericNew,
};

/* ---- load() ---- */

/* progress=True: a line on stderr after each decoded file (called without the GIL). */
static void print_progress(void *ctx, const struct fdata_load_report *r, size_t total) {
    (void)ctx;
    fprintf(stderr, "\rfastdata.load: %zu/%zu files, %lld rows, %.1f MB fetched%s", r->files, total,
            (long long)r->rows, (double)r->bytes_fetched / 1e6, r->files == total ? "\n" : "");
}

static PyObject *load(PyObject *module, PyObject *args, PyObject *kw) {
    (void)module;
    static char *names[] = {"sources", "columns", "threads", "connections", "memory_limit",
                            "part_size", "endpoint", "region", "profile", "no_sign_request",
                            "matrix", "matrix_wide", "matrix_fortran", "progress", "target_gbps",
                            "partitioning", "partition_types", "schema", "filters", NULL};
    PyObject *src, *cols = Py_None, *mcols = Py_None;
    int threads = 0, connections = 0, no_sign = 0, wide = 0, fortran = 1, progress = 0;
    unsigned long long memory_limit = 0, part_size = 0;
    const char *endpoint = NULL, *region = NULL, *profile = NULL, *partitioning = NULL;
    const char *partition_types = NULL, *schema = NULL, *filters = NULL;
    double target = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OiiKKzzzpOpppdzzzz", names, &src, &cols, &threads,
                                     &connections, &memory_limit, &part_size, &endpoint, &region,
                                     &profile, &no_sign, &mcols, &wide, &fortran, &progress,
                                     &target, &partitioning, &partition_types, &schema, &filters))
        return NULL;
    int schema_mode = !schema || strcmp(schema, "union") == 0 ? FDATA_SCHEMA_UNION
                      : strcmp(schema, "first") == 0 ? FDATA_SCHEMA_FIRST : -1;
    if (schema_mode < 0) {
        PyErr_Format(PyExc_ValueError, "schema is 'union' or 'first', not '%s'", schema);
        return NULL;
    }
    int mode = !partitioning ? FDATA_PARTITIONING_AUTO
               : strcmp(partitioning, "hive") == 0 ? FDATA_PARTITIONING_HIVE
               : strcmp(partitioning, "none") == 0 ? FDATA_PARTITIONING_NONE : -1;
    if (mode < 0) {
        PyErr_Format(PyExc_ValueError, "partitioning is 'hive', 'none' or None, not '%s'",
                     partitioning);
        return NULL;
    }
    size_t n = 0, ncols = 0, nm = 0;
    const char **sources = strings(src, "sources", &n);
    const char **columns = cols == Py_None ? NULL : strings(cols, "columns", &ncols);
    const char **matrix_cols = mcols == Py_None ? NULL : strings(mcols, "matrix", &nm);
    if (!sources || (cols != Py_None && !columns) || (mcols != Py_None && !matrix_cols)) {
        free(sources), free(columns), free(matrix_cols);
        return NULL;
    }
    fdata_filter *filter = NULL;
    struct fdata_error ferr = {0};
    if (filters && fdata_filter_parse(filters, &filter, &ferr) != FDATA_OK) {
        free(sources), free(columns), free(matrix_cols);
        PyErr_SetString(PyExc_ValueError, ferr.message);
        return NULL;
    }
    struct fdata_s3_options s3 = {.endpoint = endpoint, .region = region, .profile = profile,
                                  .no_sign = no_sign, .target_gbit_s = target};
    struct fdata_matrix m = {matrix_cols, nm, wide ? FDATA_MATRIX_FLOAT64 : FDATA_MATRIX_FLOAT32,
                             fortran ? FDATA_MATRIX_COLUMN_MAJOR : FDATA_MATRIX_ROW_MAJOR,
                             NULL, 0};
    struct fdata_load_options o = {.columns = columns, .num_columns = ncols, .threads = threads,
                                   .connections = connections, .memory_limit = memory_limit,
                                   .part_size = part_size, .s3 = &s3,
                                   .matrix = matrix_cols ? &m : NULL,
                                   .progress = progress ? print_progress : NULL,
                                   .cancel = &interrupted, .partitioning = mode,
                                   .partition_types = partition_types, .schema = schema_mode,
                                   .filter = filter};
    TableObject *t = PyObject_New(TableObject, &TableType);
    struct shared *s = calloc(1, sizeof *s);
    if (!t || !s) {
        Py_XDECREF(t);
        free(s), free(sources), free(columns), free(matrix_cols);
        fdata_filter_free(filter);
        return PyErr_NoMemory();
    }
    atomic_init(&s->refs, 1);
    t->s = s;
    struct ArrowArrayStream st;
    struct fdata_error err = {0};
    int status, taken = 0;
    const char *why = NULL;
    struct sigaction old_sigint;
    int hooked = hook_sigint(&old_sigint);
    Py_BEGIN_ALLOW_THREADS /* the whole load runs without the GIL */
    status = fdata_load(sources, n, &o, &st, &t->report, &err);
    if (status == FDATA_OK) {
        taken = take_batches(&st, s, &why) == 0;
        st.release(&st);
    }
    Py_END_ALLOW_THREADS
    unhook_sigint(hooked, &old_sigint);
    free(sources), free(columns), free(matrix_cols);
    fdata_filter_free(filter);
    t->rows = t->report.rows;
    if (status != FDATA_OK || !taken) {
        Py_DECREF(t);
        fdata_matrix_free(&m);
        if (PyErr_CheckSignals() < 0) /* interrupted: the handler's exception */
            return NULL;
        PyErr_SetString(status == FDATA_OK ? PyExc_MemoryError : Error,
                        status == FDATA_OK ? "out of memory" : err.message);
        return NULL;
    }
    PyObject *matrix = Py_None;
    Py_INCREF(matrix);
    if (o.matrix) {
        Py_DECREF(matrix);
        if (!(matrix = matrix_object(&m))) {
            Py_DECREF(t);
            return NULL;
        }
    }
    return Py_BuildValue("(NN)", (PyObject *)t, matrix);
}

/* _from_stream(capsule): a _Table that owns the batches of any Arrow C stream (a DuckDB
 * result, a pyarrow reader), moved out of the capsule. */
static PyObject *from_stream(PyObject *module, PyObject *capsule) {
    (void)module;
    struct ArrowArrayStream *src = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (!src)
        return NULL;
    if (!src->release) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream was consumed already");
        return NULL;
    }
    struct ArrowArrayStream st = *src;
    src->release = NULL; /* moved: ours to release */
    TableObject *t = PyObject_New(TableObject, &TableType);
    struct shared *s = calloc(1, sizeof *s);
    if (!t || !s) {
        Py_XDECREF(t);
        free(s);
        st.release(&st);
        return PyErr_NoMemory();
    }
    atomic_init(&s->refs, 1);
    t->s = s;
    memset(&t->report, 0, sizeof t->report);
    const char *why = NULL;
    int ok = take_batches(&st, s, &why) == 0;
    for (int64_t c = 0; ok && c < s->schema.n_children; c++)
        if (s->schema.children[c]->dictionary) {
            ok = 0;
            why = "dictionary-encoded columns are not supported";
        }
    if (!ok)
        PyErr_Format(Error, "Arrow stream: %s", why);
    st.release(&st);
    if (!ok) {
        Py_DECREF(t);
        return NULL;
    }
    t->rows = 0;
    for (size_t b = 0; b < s->n; b++)
        t->rows += s->batches[b].length;
    t->report.rows = t->rows;
    t->report.columns = (int)s->schema.n_children;
    return (PyObject *)t;
}

static PyObject *release_cached_memory(PyObject *self, PyObject *noargs) {
    (void)self, (void)noargs;
    return PyLong_FromSize_t(fdata_release_cached_memory());
}

static PyObject *set_huge_pages(PyObject *self, PyObject *enable) {
    (void)self;
    int on = PyObject_IsTrue(enable);
    if (on < 0)
        return NULL;
    fdata_set_huge_pages(on);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"set_huge_pages", set_huge_pages, METH_O,
     "set_huge_pages(enable): transparent huge pages for the large buffers fastdata fills "
     "(on by default; FASTDATA_HUGE_PAGES=0 in the environment turns them off); off suits "
     "VMs whose host backs memory lazily, where a first touch of huge pages stalls"},
    {"release_cached_memory", release_cached_memory, METH_NOARGS,
     "release_cached_memory() -> int: gives the pages of released tables' value buffers that "
     "fastdata keeps for reuse (64 MiB; downloads' more, for a second after use) back to the "
     "system; returns their bytes"},
    {"_from_stream", (PyCFunction)from_stream, METH_O,
     "_from_stream(arrow_array_stream capsule) -> _Table owning the stream's batches"},
    {"load", (PyCFunction)(void (*)(void))load, METH_VARARGS | METH_KEYWORDS,
     "load(sources, columns=None, threads=0, connections=0, memory_limit=0, part_size=0, "
     "endpoint=None, region=None, profile=None, no_sign_request=False, matrix=None, "
     "matrix_wide=False, matrix_fortran=True, progress=False, target_gbps=0) -> "
     "(_Table, _Matrix or None)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastdata",
                                    "The C core of the fastdata package.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fastdata(void) {
    main_thread = PyThread_get_thread_ident(); /* imports run on the main thread */
    if (PyType_Ready(&TableType) < 0 || PyType_Ready(&BlobType) < 0 || PyType_Ready(&S3Type) < 0 ||
        PyType_Ready(&MatrixType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Error = PyErr_NewException("fastdata.Error", PyExc_RuntimeError, NULL);
    Py_INCREF(&TableType);
    if (PyModule_AddObject(m, "Error", Error) < 0 ||
        PyModule_AddObject(m, "_Table", (PyObject *)&TableType) < 0 ||
        PyModule_AddObject(m, "_S3", (PyObject *)(Py_INCREF(&S3Type), &S3Type)) < 0 ||
        PyModule_AddObject(m, "_Blob", (PyObject *)(Py_INCREF(&BlobType), &BlobType)) < 0 ||
        PyModule_AddStringConstant(m, "version", fdata_version()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
