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
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/load.h"
#include "fastdata/plan.h"
#include "fastdata/runtime.h"
#include "fastdata/s3.h"

/* fastdata._errors.error_of_code(code, message, column): the exception for a C status */
static PyObject *error_of_code;
/* fastdata._errors.error_of_errno(errno, message): the same for a failed Arrow C stream */
static PyObject *error_of_errno;

/* Raises the fastdata exception for `code` (the C library's status) with `message`;
 * `column` (may be NULL) when the failure is about a known column. */
static void raise_error(int code, const char *message, const char *column) {
    PyObject *e = PyObject_CallFunction(error_of_code, "iyz", code, message, column);
    if (e) {
        PyErr_SetObject((PyObject *)Py_TYPE(e), e);
        Py_DECREF(e);
    }
}

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
    PyObject *files;             /* the per-file table (list of dicts) when a timeline was
                                    recorded (trace= or report=), else NULL */
    char *html;                  /* the report's page with that timeline, else NULL */
} TableObject;

static PyTypeObject TableType;

/* A new _Table with nothing in it yet (dealloc-safe). */
static TableObject *new_table(void) {
    TableObject *t = PyObject_New(TableObject, &TableType);
    if (t) {
        t->s = NULL;
        t->files = NULL;
        t->html = NULL;
    }
    return t;
}

static void table_dealloc(TableObject *self) {
    if (self->s)
        shared_release(self->s);
    Py_XDECREF(self->files);
    free(self->html);
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

/* A copy of `schema` in an "arrow_schema" capsule. */
static PyObject *schema_capsule(const struct ArrowSchema *schema) {
    struct ArrowSchema *s = calloc(1, sizeof *s);
    if (!s || fdata_arrow_schema_copy(schema, s) != FDATA_OK) {
        free(s);
        return PyErr_NoMemory();
    }
    PyObject *cap = PyCapsule_New(s, "arrow_schema", schema_capsule_free);
    if (!cap)
        s->release(s), free(s);
    return cap;
}

static PyObject *table_schema_capsule(TableObject *self, PyObject *unused) {
    (void)unused;
    return schema_capsule(&self->s->schema);
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

/* What a load did, as Table.report shows it. */
static PyObject *report_dict(const struct fdata_load_report *r) {
    return Py_BuildValue("{s:n,s:L,s:i,s:L,s:K,s:K,s:d,s:d,s:d,s:d,s:d,s:d,s:K,s:n,s:K,s:L,s:K,s:L}",
                         "files",
                         (Py_ssize_t)r->files, "rows", (long long)r->rows, "columns", r->columns,
                         "row_groups", (long long)r->row_groups, "bytes_fetched",
                         (unsigned long long)r->bytes_fetched, "bytes_decoded",
                         (unsigned long long)r->bytes_decoded, "seconds", r->seconds,
                         "first_batch_seconds", r->first_batch_seconds, "download_seconds",
                         r->download_seconds, "decode_seconds", r->decode_seconds,
                         "download_gbit_s", r->download_gbit_s, "decode_gb_s", r->decode_gb_s,
                         "peak_bytes_held", (unsigned long long)r->peak_bytes_held,
                         "files_pruned", (Py_ssize_t)r->files_pruned, "bytes_skipped",
                         (unsigned long long)r->bytes_skipped, "pages_pruned",
                         (long long)r->pages_pruned, "requests", (unsigned long long)r->requests,
                         "row_groups_pruned", (long long)r->row_groups_pruned);
}

/* The load's figures, and "per_file": the per-file table (files) or None. */
static PyObject *report_with_files(const struct fdata_load_report *r, PyObject *files) {
    PyObject *d = report_dict(r);
    if (d && PyDict_SetItemString(d, "per_file", files ? files : Py_None) < 0)
        Py_CLEAR(d);
    return d;
}

static PyObject *table_report(TableObject *self, void *c) {
    (void)c;
    return report_with_files(&self->report, self->files);
}

/* The report's summary for an HTML page (fastdata/trace.h). */
struct page_facts {
    struct fdata_trace_fact facts[FDATA_LOAD_FACTS];
    char values[FDATA_LOAD_FACTS][96];
    struct fdata_trace_report page;
};

static void page_facts_of(const struct fdata_load_report *r, double link_gbit_s,
                          struct page_facts *p) {
    p->page = (struct fdata_trace_report){"fastdata.load", p->facts,
                                          fdata_load_report_facts(r, p->facts, p->values),
                                          link_gbit_s, "target_gbps="};
}

/* The report as an HTML page: the one made with the timeline (html), else the summary
 * alone. */
static PyObject *report_page(const struct fdata_load_report *r, const char *html) {
    if (html)
        return PyUnicode_FromString(html);
    struct page_facts p;
    page_facts_of(r, 0, &p);
    char *summary = fdata_trace_html(NULL, &p.page);
    PyObject *str = summary ? PyUnicode_FromString(summary) : PyErr_NoMemory();
    free(summary);
    return str;
}

static PyObject *table_report_html(TableObject *self, void *c) {
    (void)c;
    return report_page(&self->report, self->html);
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
            char why[FDATA_ERROR_MESSAGE_SIZE];
            snprintf(why, sizeof why, "column '%s': %s", cols[i],
                     index[i] < 0 ? "no such column" : "not a numeric column");
            raise_error(index[i] < 0 ? FDATA_ENOCOLUMN : FDATA_EINVAL, why, cols[i]);
            goto done;
        }
    }
    if ((size_t)out.len != (size_t)self->rows * n * fdata_matrix_element_size(&m)) {
        raise_error(FDATA_EINVAL, "the matrix does not have rows x columns elements", NULL);
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
    {"report_html", (getter)table_report_html, NULL, "the report as an HTML page (str)", NULL},
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

/* Keyword options, read by name from the dict the Python layer passes (absent or None keeps
 * the default): each option is one line where it is read.  0 with an exception set when the
 * value has the wrong type or does not fit. */
static int opt_str(PyObject *kw, const char *name, const char **out) {
    PyObject *v = PyDict_GetItemString(kw, name); /* borrowed: lives as long as the dict */
    if (v && v != Py_None && !(*out = PyUnicode_AsUTF8(v)))
        return 0;
    return 1;
}

static int opt_bool(PyObject *kw, const char *name, int *out) {
    PyObject *v = PyDict_GetItemString(kw, name);
    int b = v && v != Py_None ? PyObject_IsTrue(v) : *out;
    *out = b < 0 ? *out : b;
    return b >= 0;
}

static int opt_int(PyObject *kw, const char *name, int *out) {
    PyObject *v = PyDict_GetItemString(kw, name);
    int overflow = 0;
    long x = v && v != Py_None ? PyLong_AsLongAndOverflow(v, &overflow) : *out;
    if (x == -1 && PyErr_Occurred())
        return 0;
    if (overflow || x < INT_MIN || x > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "%s is too large", name);
        return 0;
    }
    *out = (int)x;
    return 1;
}

static int opt_size(PyObject *kw, const char *name, size_t *out) {
    PyObject *v = PyDict_GetItemString(kw, name);
    size_t x = v && v != Py_None ? PyLong_AsSize_t(v) : *out;
    if (x == (size_t)-1 && PyErr_Occurred())
        return 0;
    *out = x;
    return 1;
}

static int opt_double(PyObject *kw, const char *name, double *out) {
    PyObject *v = PyDict_GetItemString(kw, name);
    double x = v && v != Py_None ? PyFloat_AsDouble(v) : *out;
    if (x == -1.0 && PyErr_Occurred())
        return 0;
    *out = x;
    return 1;
}

/* ---- Runtime: workers and a memory cap that loads share (fastdata/runtime.h) ---- */

typedef struct {
    PyObject_HEAD
    fdata_runtime *rt;
} RuntimeObject;

static int runtime_init(RuntimeObject *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"threads", "memory_limit", NULL};
    int threads = 0;
    Py_ssize_t limit = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|in", names, &threads, &limit))
        return -1;
    if (limit < 0) {
        raise_error(FDATA_EINVAL, "runtime: memory_limit must not be negative", NULL);
        return -1;
    }
    struct fdata_runtime_options o = {threads, (size_t)limit, NULL};
    struct fdata_error err = {0};
    fdata_runtime_free(self->rt); /* __init__ called again */
    self->rt = NULL;
    if (fdata_runtime_new(&o, &self->rt, &err) != FDATA_OK) {
        raise_error(err.code, err.message, NULL);
        return -1;
    }
    return 0;
}

static void runtime_dealloc(RuntimeObject *self) {
    Py_BEGIN_ALLOW_THREADS /* joins the workers */
    fdata_runtime_free(self->rt);
    Py_END_ALLOW_THREADS
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *runtime_get(RuntimeObject *self, void *what) {
    if (!self->rt)
        return PyErr_Format(PyExc_ValueError, "the Runtime was not initialised");
    const char *w = what;
    if (strcmp(w, "threads") == 0)
        return PyLong_FromLong(fdata_runtime_threads(self->rt));
    return PyLong_FromSize_t(strcmp(w, "memory_limit") == 0 ? fdata_runtime_memory_limit(self->rt)
                             : strcmp(w, "memory_held") == 0 ? fdata_runtime_memory_held(self->rt)
                                                             : fdata_runtime_memory_peak(self->rt));
}

static PyGetSetDef runtime_getset[] = {
    {"threads", (getter)runtime_get, NULL, "worker threads", "threads"},
    {"memory_limit", (getter)runtime_get, NULL, "shared cap on bytes in flight (0: none)",
     "memory_limit"},
    {"memory_held", (getter)runtime_get, NULL, "bytes in flight now", "memory_held"},
    {"memory_peak", (getter)runtime_get, NULL, "most bytes in flight at once", "memory_peak"},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject RuntimeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastdata.Runtime",
    .tp_basicsize = sizeof(RuntimeObject),
    .tp_dealloc = (destructor)runtime_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Runtime(threads=0, memory_limit=0): worker threads (0: one per CPU) and a cap on "
              "the bytes in flight (0: none) that the loads given it as runtime= share.",
    .tp_getset = runtime_getset,
    .tp_init = (initproc)runtime_init,
    .tp_new = PyType_GenericNew,
};

/* runtime=: a Runtime, or None for the default one. */
static int opt_runtime(PyObject *kw, const char *name, fdata_runtime **out) {
    PyObject *v = PyDict_GetItemString(kw, name);
    if (!v || v == Py_None)
        return 1;
    if (!PyObject_TypeCheck(v, &RuntimeType) || !((RuntimeObject *)v)->rt) {
        PyErr_Format(PyExc_TypeError, "%s must be a fastdata.Runtime or None", name);
        return 0;
    }
    *out = ((RuntimeObject *)v)->rt;
    return 1;
}

/* The S3 client's options, named as the CLI's S3 options (fastdata/s3.h). */
static int s3_options_of(PyObject *kw, struct fdata_s3_options *o) {
    return opt_str(kw, "endpoint", &o->endpoint) &&
           opt_str(kw, "region", &o->region) &&
           opt_str(kw, "profile", &o->profile) &&
           opt_bool(kw, "no_sign_request", &o->no_sign) &&
           opt_bool(kw, "path_style", &o->path_style) &&
           opt_int(kw, "retries", &o->retries) &&
           opt_int(kw, "stall_timeout", &o->stall_seconds) &&
           opt_bool(kw, "no_checksums", &o->no_checksums) &&
           opt_double(kw, "target_gbps", &o->target_gbit_s) &&
           opt_double(kw, "timeout", &o->timeout_seconds);
}

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

/* _S3(options): options a dict of the S3 keyword options (s3_options_of). */
static int s3_init(S3Object *self, PyObject *args, PyObject *kw) {
    PyObject *options;
    if (kw || !PyArg_ParseTuple(args, "O!", &PyDict_Type, &options))
        return kw ? PyErr_BadArgument() - 1 : -1;
    struct fdata_s3_options o = {.cancel = &interrupted}; /* set only while a call is hooked */
    if (!s3_options_of(options, &o))
        return -1;
    struct fdata_error err = {0};
    if (!(self->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    if (fdata_s3_client_new(&o, &self->client, &err) != FDATA_OK) {
        raise_error(err.code, err.message, NULL);
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
        raise_error(err.code, err.message, NULL);
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
            raise_error(err.code, err.message, NULL);
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
        raise_error(err.code, err.message, NULL);
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

/* What fdata_load takes, read from load()'s arguments: the strings belong to the Python
 * objects (the options dict, the lists), which outlive the load. */
struct load_args {
    const char **sources, **columns, **matrix_cols;
    size_t n;
    fdata_filter *filter;
    struct fdata_s3_options s3;
    struct fdata_matrix m;
    struct fdata_load_options o;
    struct fdata_progress_bar bar; /* progress=True (fdata_progress_bar_draw, without the GIL) */
};

static void load_args_free(struct load_args *a) {
    free(a->sources), free(a->columns), free(a->matrix_cols);
    a->sources = a->columns = a->matrix_cols = NULL;
    fdata_filter_free(a->filter);
    a->filter = NULL;
}

/* The reader's options named in the keyword dict (invalid_utf8, int96_unit, strings) into *o. */
static int read_options_of(PyObject *kw, struct fdata_load_options *o) {
    const char *invalid_utf8 = "error", *int96_unit = "us";
    if (!opt_str(kw, "invalid_utf8", &invalid_utf8) || !opt_str(kw, "int96_unit", &int96_unit))
        return 0;
    if (fdata_parquet_invalid_utf8_from_name(invalid_utf8, &o->invalid_utf8) != FDATA_OK) {
        PyErr_Format(PyExc_ValueError, "invalid_utf8 is 'error', 'binary' or 'replace', not '%s'",
                     invalid_utf8);
        return 0;
    }
    if (fdata_parquet_int96_unit_from_name(int96_unit, &o->int96_unit) != FDATA_OK) {
        PyErr_Format(PyExc_ValueError, "int96_unit is 's', 'ms', 'us' or 'ns', not '%s'",
                     int96_unit);
        return 0;
    }
    const char *strings = "plain";
    if (!opt_str(kw, "strings", &strings))
        return 0;
    if (fdata_parquet_strings_from_name(strings, &o->strings) != FDATA_OK) {
        PyErr_Format(PyExc_ValueError, "strings is 'plain', 'view' or 'dictionary', not '%s'",
                     strings);
        return 0;
    }
    return 1;
}

/* The table's shape named in the keyword dict (partitioning, partition_types, schema,
 * filters: the text form, Python turns pyarrow's DNF into it) into a->o; the parsed filter
 * is a's until load_args_free. */
static int table_options_of(PyObject *kw, struct load_args *a) {
    const char *partitioning = NULL, *schema = NULL, *filters = NULL;
    if (!opt_str(kw, "partitioning", &partitioning) || !opt_str(kw, "schema", &schema) ||
        !opt_str(kw, "filters", &filters) || !opt_str(kw, "partition_types", &a->o.partition_types))
        return 0;
    a->o.schema = !schema || strcmp(schema, "union") == 0 ? FDATA_SCHEMA_UNION
                  : strcmp(schema, "first") == 0 ? FDATA_SCHEMA_FIRST : -1;
    a->o.partitioning = !partitioning ? FDATA_PARTITIONING_AUTO
                        : strcmp(partitioning, "hive") == 0 ? FDATA_PARTITIONING_HIVE
                        : strcmp(partitioning, "none") == 0 ? FDATA_PARTITIONING_NONE : -1;
    if (a->o.schema < 0 || a->o.partitioning < 0) {
        PyErr_Format(PyExc_ValueError, "schema is 'union' or 'first' and partitioning 'hive', "
                     "'none' or None, not %s", a->o.schema < 0 ? schema : partitioning);
        return 0;
    }
    struct fdata_error err = {0};
    if (filters && fdata_filter_parse(filters, &a->filter, &err) != FDATA_OK) {
        raise_error(FDATA_EINVAL, err.message, NULL);
        return 0;
    }
    a->o.filter = a->filter;
    return 1;
}

/* `src` (a str or list of str) and the keyword options' dict into *a; 0 with an exception
 * set when one is wrong.  One line per option. */
static int load_args_of(PyObject *src, PyObject *kw, struct load_args *a) {
    memset(a, 0, sizeof *a);
    a->o = (struct fdata_load_options){.s3 = &a->s3, .cancel = &interrupted};
    PyObject *cols = PyDict_GetItemString(kw, "columns");
    PyObject *mcols = PyDict_GetItemString(kw, "matrix");
    int wide = 0, fortran = 1, progress = 0;
    a->sources = strings(src, "sources", &a->n);
    if (a->sources && cols && cols != Py_None)
        a->o.columns = a->columns = strings(cols, "columns", &a->o.num_columns);
    if (a->sources && mcols && mcols != Py_None)
        a->matrix_cols = strings(mcols, "matrix", &a->m.num_columns);
    if (!a->sources || (cols && cols != Py_None && !a->columns) ||
        (mcols && mcols != Py_None && !a->matrix_cols) ||
        !(s3_options_of(kw, &a->s3) &&
          opt_int(kw, "threads", &a->o.threads) &&
          opt_int(kw, "connections", &a->o.connections) &&
          opt_size(kw, "memory_limit", &a->o.memory_limit) &&
          opt_size(kw, "part_size", &a->o.part_size) &&
          opt_runtime(kw, "runtime", &a->o.runtime) &&
          opt_bool(kw, "matrix_wide", &wide) &&
          opt_bool(kw, "matrix_fortran", &fortran) &&
          opt_bool(kw, "progress", &progress) &&
          read_options_of(kw, &a->o) &&
          table_options_of(kw, a))) {
        load_args_free(a);
        return 0;
    }
    a->m = (struct fdata_matrix){a->matrix_cols, a->m.num_columns,
                                 wide ? FDATA_MATRIX_FLOAT64 : FDATA_MATRIX_FLOAT32,
                                 fortran ? FDATA_MATRIX_COLUMN_MAJOR : FDATA_MATRIX_ROW_MAJOR,
                                 NULL, 0};
    a->o.matrix = a->matrix_cols ? &a->m : NULL;
    a->o.progress = progress ? fdata_progress_bar_draw : NULL;
    a->o.progress_ctx = &a->bar;
    return 1;
}

/* The per-file table of a trace (fdata_trace_files) as a list of dicts. */
static PyObject *files_list(const fdata_trace *trace) {
    struct fdata_trace_file *f;
    size_t n;
    struct fdata_error err = {0};
    if (fdata_trace_files(trace, &f, &n, &err) != FDATA_OK)
        return PyErr_NoMemory();
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *row = Py_BuildValue("{s:s,s:K,s:K,s:i,s:i,s:d}", "name", f[i].name, "bytes",
                                      (unsigned long long)f[i].bytes, "bytes_decoded",
                                      (unsigned long long)f[i].decoded, "parts", f[i].parts,
                                      "retries", f[i].retries, "seconds", f[i].seconds);
        if (!row)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, row);
    }
    free(f);
    return list;
}

/* After the load: the trace (trace=) and the report's page (report=, a path, or "" for the
 * page kept on the table alone) written, whether the load failed or not; *files and *html
 * (when files is not NULL: a table or a stream keeps them) get the per-file table and the
 * page.  0 with an exception set when one could not be written or made. */
static int finish_timeline(const struct load_args *a, const char *trace_path,
                           const char *report_path, const struct fdata_load_report *r,
                           PyObject **files, char **html) {
    struct fdata_error err = {0};
    struct page_facts p;
    page_facts_of(r, a->s3.target_gbit_s, &p);
    if (trace_path && fdata_trace_write(a->o.trace, trace_path, &err) != FDATA_OK)
        return raise_error(err.code, err.message, NULL), 0;
    if (report_path && *report_path &&
        fdata_trace_write_html(a->o.trace, &p.page, report_path, &err) != FDATA_OK)
        return raise_error(err.code, err.message, NULL), 0;
    if (!files || !a->o.trace)
        return 1;
    if (!(*files = files_list(a->o.trace)))
        return 0;
    if (!(*html = fdata_trace_html(a->o.trace, &p.page)))
        return PyErr_NoMemory(), 0;
    return 1;
}

/* fdata_load, or with a shard's JSON fdata_load_shard (the sources unused). */
static int load_or_shard(const struct load_args *a, const char *shard_json,
                         struct ArrowArrayStream *st, struct fdata_load_report *report,
                         struct fdata_error *err) {
    if (!shard_json)
        return fdata_load(a->sources, a->n, &a->o, st, report, err);
    struct fdata_shard shard;
    int status = fdata_shard_from_json(shard_json, strlen(shard_json), &shard, err);
    if (status == FDATA_OK)
        status = fdata_load_shard(&shard, &a->o, st, report, err);
    fdata_shard_free(&shard);
    return status;
}

/* load(sources, options) -> (_Table, _Matrix or None): options the keyword dict (with
 * "shard": a shard's JSON, loaded instead of the sources). */
static PyObject *load(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *src, *kw;
    struct load_args a;
    const char *trace_path = NULL, *report_path = NULL, *shard_json = NULL;
    if (!PyArg_ParseTuple(args, "OO!", &src, &PyDict_Type, &kw) ||
        !opt_str(kw, "trace", &trace_path) || !opt_str(kw, "report", &report_path) ||
        !opt_str(kw, "shard", &shard_json) ||
        !load_args_of(src, kw, &a))
        return NULL;
    if ((trace_path || report_path) && !(a.o.trace = fdata_trace_new(0))) {
        load_args_free(&a);
        return PyErr_NoMemory();
    }
    TableObject *t = new_table();
    struct shared *s = calloc(1, sizeof *s);
    if (!t || !s) {
        Py_XDECREF(t);
        free(s);
        load_args_free(&a);
        fdata_trace_free(a.o.trace);
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
    memset(&t->report, 0, sizeof t->report);
    Py_BEGIN_ALLOW_THREADS /* the whole load runs without the GIL */
    status = load_or_shard(&a, shard_json, &st, &t->report, &err);
    if (status == FDATA_OK) {
        taken = take_batches(&st, s, &why) == 0;
        st.release(&st);
    }
    fdata_progress_bar_end(&a.bar);
    Py_END_ALLOW_THREADS
    unhook_sigint(hooked, &old_sigint);
    load_args_free(&a);
    t->rows = t->report.rows;
    int ok = status == FDATA_OK && taken;
    int timeline = finish_timeline(&a, trace_path, report_path, &t->report,
                                   ok ? &t->files : NULL, ok ? &t->html : NULL);
    fdata_trace_free(a.o.trace);
    if (ok && !timeline) {
        Py_DECREF(t);
        fdata_matrix_free(&a.m);
        return NULL;
    }
    if (!ok) {
        Py_DECREF(t);
        fdata_matrix_free(&a.m);
        if (!timeline)
            PyErr_Clear(); /* the load's own error says more */
        if (PyErr_CheckSignals() < 0) /* interrupted: the handler's exception */
            return NULL;
        raise_error(status == FDATA_OK ? FDATA_ENOMEM : err.code,
                    status == FDATA_OK ? "out of memory" : err.message, NULL);
        return NULL;
    }
    PyObject *matrix = Py_None;
    Py_INCREF(matrix);
    if (a.o.matrix) {
        Py_DECREF(matrix);
        if (!(matrix = matrix_object(&a.m))) {
            Py_DECREF(t);
            return NULL;
        }
    }
    return Py_BuildValue("(NN)", (PyObject *)t, matrix);
}

/* ---- plan(): shards ---- */

/* A plan's shards as a list of JSON str. */
static PyObject *shards_json(const struct fdata_plan *p) {
    PyObject *list = PyList_New((Py_ssize_t)p->num_shards);
    for (size_t i = 0; list && i < p->num_shards; i++) {
        char *text;
        struct fdata_error err = {0};
        if (fdata_shard_to_json(&p->shards[i], &text, &err) != FDATA_OK) {
            Py_DECREF(list);
            return PyErr_NoMemory();
        }
        PyObject *str = PyUnicode_FromString(text); /* paths not UTF-8: UnicodeDecodeError */
        free(text);
        if (!str) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, str);
    }
    return list;
}

/* shard_check(text) -> (the shard's JSON as the library writes it, its schema capsule or
 * None), once fdata_shard_from_json has checked it (InvalidArgumentError saying what is
 * wrong otherwise). */
static PyObject *shard_check(PyObject *module, PyObject *arg) {
    (void)module;
    Py_ssize_t len;
    const char *text = PyUnicode_Check(arg) ? PyUnicode_AsUTF8AndSize(arg, &len) : NULL;
    if (!text) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "shard_check takes a str");
        return NULL;
    }
    struct fdata_shard shard;
    struct fdata_error err = {0};
    char *canonical = NULL;
    if (fdata_shard_from_json(text, (size_t)len, &shard, &err) != FDATA_OK ||
        fdata_shard_to_json(&shard, &canonical, &err) != FDATA_OK) {
        fdata_shard_free(&shard);
        raise_error(err.code, err.message, NULL);
        return NULL;
    }
    PyObject *schema = shard.schema.release ? schema_capsule(&shard.schema)
                                           : (Py_INCREF(Py_None), Py_None);
    fdata_shard_free(&shard);
    PyObject *out = schema ? Py_BuildValue("(sN)", canonical, schema) : NULL;
    free(canonical);
    return out;
}

/* One bound of kind `kind` (enum fdata_bound_kind) as a Python int, float or bytes. */
static PyObject *bound_value(int kind, int64_t i, uint64_t u, double f, const uint8_t *b,
                             size_t len) {
    switch (kind) {
    case FDATA_BOUND_INT:
        return PyLong_FromLongLong((long long)i);
    case FDATA_BOUND_UINT:
        return PyLong_FromUnsignedLongLong((unsigned long long)u);
    case FDATA_BOUND_FLOAT:
        return PyFloat_FromDouble(f);
    default:
        return PyBytes_FromStringAndSize((const char *)b, (Py_ssize_t)len);
    }
}

/* The plan's sort-column bounds: a list of (min, max) per shard, or None when unknown. */
static PyObject *plan_bounds(const struct fdata_plan *p) {
    if (!p->bounds)
        Py_RETURN_NONE;
    PyObject *list = PyList_New((Py_ssize_t)p->num_shards);
    for (size_t s = 0; list && s < p->num_shards; s++) {
        const struct fdata_shard_bounds *b = &p->bounds[s];
        PyObject *pair = Py_BuildValue(
            "(NN)", bound_value(p->bound_kind, b->min_i, b->min_u, b->min_f, b->min_b, b->min_len),
            bound_value(p->bound_kind, b->max_i, b->max_u, b->max_f, b->max_b, b->max_len));
        if (!pair) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)s, pair);
    }
    return list;
}

/* plan(sources, options) -> (list of shard JSON str, schema capsule, totals dict): options
 * load()'s dict with shard_bytes and sort_column (the totals' "bounds": plan_bounds). */
static PyObject *plan(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *src, *kw;
    struct load_args a;
    size_t shard_bytes = 0;
    const char *sort_column = NULL;
    if (!PyArg_ParseTuple(args, "OO!", &src, &PyDict_Type, &kw) ||
        !opt_size(kw, "shard_bytes", &shard_bytes) || !opt_str(kw, "sort_column", &sort_column) ||
        !load_args_of(src, kw, &a))
        return NULL;
    struct fdata_plan p;
    struct fdata_error err = {0};
    int status;
    struct sigaction old_sigint;
    int hooked = hook_sigint(&old_sigint);
    Py_BEGIN_ALLOW_THREADS
    status = fdata_plan_sorted(a.sources, a.n, &a.o, shard_bytes, sort_column, &p, &err);
    Py_END_ALLOW_THREADS
    unhook_sigint(hooked, &old_sigint);
    load_args_free(&a);
    if (status != FDATA_OK) {
        if (PyErr_CheckSignals() < 0)
            return NULL;
        raise_error(err.code, err.message, NULL);
        return NULL;
    }
    PyObject *list = shards_json(&p);
    PyObject *schema = list ? schema_capsule(&p.schema) : NULL;
    PyObject *bounds = schema ? plan_bounds(&p) : NULL;
    PyObject *out = bounds ? Py_BuildValue("(NN{sLsKsnsnsNsN})", list, schema, "rows",
                                           (long long)p.rows, "bytes",
                                           (unsigned long long)p.bytes, "files",
                                           (Py_ssize_t)p.files, "files_pruned",
                                           (Py_ssize_t)p.files_pruned, "bounds", bounds,
                                           "rows_exact", PyBool_FromLong(p.rows_exact)) : NULL;
    if (!bounds) {
        Py_XDECREF(list);
        Py_XDECREF(schema);
    }
    fdata_plan_free(&p);
    return out;
}

/* ---- load_stream(): batches as they are decoded ---- */

/* A streamed load (fdata_load_stream): the stream, and what it reads from while it runs (the
 * argument strings, owned by the Python objects kept here, and the report it fills). */
typedef struct {
    PyObject_HEAD
    struct ArrowArrayStream st;
    struct ArrowSchema schema;
    struct load_args a; /* a.o.trace: the timeline recorded (trace=, report=) until written */
    PyObject *keep; /* (sources, options) */
    struct fdata_load_report report;
    const char *trace_path, *report_path; /* trace=, report= (strings of keep's options) */
    PyObject *files;                      /* once finished: as a _Table's */
    char *html;
} StreamObject;

/* A batch handed over by next() (its capsule's), released unless moved out. */
static void batch_capsule_free(PyObject *capsule) {
    struct ArrowArray *a = PyCapsule_GetPointer(capsule, "fastdata_batch");
    if (a && a->release)
        a->release(a);
    free(a);
}

/* The stream stopped (its downloads and decoders joined) and, when one was recorded, its
 * trace and report written (finish_timeline): at its end, on an error, on close() or when
 * it is freed.  0 with an exception set when they could not be written. */
static int stream_finish(StreamObject *self) {
    if (self->st.release) {
        Py_BEGIN_ALLOW_THREADS
        self->st.release(&self->st);
        Py_END_ALLOW_THREADS
        self->st.release = NULL;
    }
    if (!self->a.o.trace)
        return 1; /* none recorded, or written already */
    int ok = finish_timeline(&self->a, self->trace_path, self->report_path, &self->report,
                             &self->files, &self->html);
    fdata_trace_free(self->a.o.trace);
    self->a.o.trace = NULL;
    return ok;
}

static void stream_dealloc(StreamObject *self) {
    if (!stream_finish(self))
        PyErr_WriteUnraisable(NULL); /* dropped unclosed: nobody to raise to */
    Py_XDECREF(self->files);
    free(self->html);
    if (self->schema.release)
        self->schema.release(&self->schema);
    load_args_free(&self->a);
    Py_XDECREF(self->keep);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* next() -> (capsule, address) of the next batch: an ArrowArray the capsule owns until the
 * caller moves it out from the address (pyarrow.RecordBatch._import_from_c with the stream's
 * schema: no schema to copy and import for every batch, which cost as much as the batch's 300
 * columns), released with the capsule otherwise; None at the end; a failure raises the
 * fastdata exception for the stream's errno (fastdata._errors.error_of_errno).  Not at once
 * with close() (LoadStream serialises them: close() frees the stream get_next reads). */
static PyObject *stream_next(StreamObject *self, PyObject *unused) {
    (void)unused;
    if (!self->st.release)
        Py_RETURN_NONE;
    struct ArrowArray batch;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = self->st.get_next(&self->st, &batch);
    Py_END_ALLOW_THREADS
    if (rc != 0) {
        const char *why = self->st.get_last_error(&self->st);
        PyObject *e = PyObject_CallFunction(error_of_errno, "iy", rc,
                                            why ? why : "the load failed");
        if (e && !stream_finish(self)) /* the message is the stream's: taken before */
            PyErr_Clear(); /* the load's own error says more */
        if (e) {
            PyErr_SetObject((PyObject *)Py_TYPE(e), e);
            Py_DECREF(e);
        }
        return NULL;
    }
    if (!batch.release && !stream_finish(self))
        return NULL;
    if (!batch.release)
        Py_RETURN_NONE;
    struct ArrowArray *owned = malloc(sizeof *owned);
    PyObject *capsule = owned ? PyCapsule_New(owned, "fastdata_batch", batch_capsule_free) : NULL;
    if (!capsule) {
        free(owned);
        batch.release(&batch);
        return owned ? NULL : PyErr_NoMemory();
    }
    *owned = batch;
    PyObject *out = Py_BuildValue("(NN)", capsule, PyLong_FromVoidPtr(owned));
    return out; /* (a failed tuple drops the capsule: the batch released) */
}

static PyObject *stream_schema_capsule(StreamObject *self, PyObject *unused) {
    (void)unused;
    return schema_capsule(&self->schema);
}

static PyObject *stream_report(StreamObject *self, void *c) {
    (void)c;
    return report_with_files(&self->report, self->files);
}

static PyObject *stream_report_html(StreamObject *self, void *c) {
    (void)c;
    return report_page(&self->report, self->html);
}

/* close(): the stream stopped early, its trace and report written. */
static PyObject *stream_close(StreamObject *self, PyObject *unused) {
    (void)unused;
    if (!stream_finish(self))
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef stream_methods[] = {
    {"next", (PyCFunction)stream_next, METH_NOARGS,
     "next() -> (capsule, address) of the next batch's ArrowArray (moved out by the "
     "caller from the address, else released with the capsule), or None at the end"},
    {"__arrow_c_schema__", (PyCFunction)stream_schema_capsule, METH_NOARGS,
     "The stream's schema as an Arrow C schema capsule."},
    {"close", (PyCFunction)stream_close, METH_NOARGS,
     "close(): stops the load and writes its trace and report (trace=, report=)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef stream_getset[] = {
    {"report", (getter)stream_report, NULL, "what the load did (dict; complete at the end)", NULL},
    {"report_html", (getter)stream_report_html, NULL, "the report as an HTML page (str)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject StreamType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastdata._fastdata._Stream",
    .tp_basicsize = sizeof(StreamObject),
    .tp_dealloc = (destructor)stream_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A streamed load (fdata_load_stream): batches as they are decoded.",
    .tp_methods = stream_methods,
    .tp_getset = stream_getset,
};

/* load_stream(sources, options) -> _Stream; options as load()'s (no matrix). */
static PyObject *load_stream(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *src, *kw;
    if (!PyArg_ParseTuple(args, "OO!", &src, &PyDict_Type, &kw))
        return NULL;
    StreamObject *self = PyObject_New(StreamObject, &StreamType);
    if (!self)
        return NULL;
    memset(&self->st, 0, sizeof *self - offsetof(StreamObject, st));
    if (!opt_str(kw, "trace", &self->trace_path) || !opt_str(kw, "report", &self->report_path) ||
        !load_args_of(src, kw, &self->a) || !(self->keep = PyTuple_Pack(2, src, kw))) {
        Py_DECREF(self);
        return NULL;
    }
    if ((self->trace_path || self->report_path) && !(self->a.o.trace = fdata_trace_new(0))) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->a.o.cancel = NULL; /* Ctrl-C reaches Python between batches */
    self->a.o.matrix = NULL;
    struct fdata_error err = {0};
    int status, schema_rc = 0;
    Py_BEGIN_ALLOW_THREADS /* listing and footers */
    status = fdata_load_stream(self->a.sources, self->a.n, &self->a.o, &self->st, &self->report,
                               &err);
    if (status == FDATA_OK)
        schema_rc = self->st.get_schema(&self->st, &self->schema);
    Py_END_ALLOW_THREADS
    if (status != FDATA_OK || schema_rc != 0) {
        if (!stream_finish(self)) /* the trace and report of a failed load too, as load()'s */
            PyErr_Clear();        /* the load's own error says more */
        raise_error(status != FDATA_OK ? status : FDATA_ENOMEM,
                    status != FDATA_OK ? err.message : "out of memory", NULL);
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* _from_stream(capsule): a _Table that owns the batches of any Arrow C stream (a DuckDB
 * result, a pyarrow reader), moved out of the capsule. */
static PyObject *from_stream(PyObject *module, PyObject *capsule) {
    (void)module;
    struct ArrowArrayStream *src = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (!src)
        return NULL;
    if (!src->release) {
        raise_error(FDATA_EINVAL, "the Arrow stream was consumed already", NULL);
        return NULL;
    }
    struct ArrowArrayStream st = *src;
    src->release = NULL; /* moved: ours to release */
    TableObject *t = new_table();
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
    int ok = take_batches(&st, s, &why) == 0, code = FDATA_EIO;
    if (!ok) {
        char message[FDATA_ERROR_MESSAGE_SIZE];
        snprintf(message, sizeof message, "Arrow stream: %s", why);
        raise_error(code, message, NULL);
    }
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
     "(off by default; FASTDATA_HUGE_PAGES=1 in the environment turns them on): off suits "
     "VMs whose host backs memory lazily, where a first touch of huge pages stalls; on "
     "suits hardware that backs memory up front and long-lived processes"},
    {"release_cached_memory", release_cached_memory, METH_NOARGS,
     "release_cached_memory() -> int: gives the pages of released tables' value buffers that "
     "fastdata keeps for reuse (64 MiB; more for a second after use: downloads', and released "
     "tables' up to the most in use at once) back to the "
     "system; returns their bytes"},
    {"_from_stream", (PyCFunction)from_stream, METH_O,
     "_from_stream(arrow_array_stream capsule) -> _Table owning the stream's batches"},
    {"load_stream", load_stream, METH_VARARGS,
     "load_stream(sources, options) -> _Stream: the batches as they are decoded"},
    {"shard_check", shard_check, METH_O,
     "shard_check(json) -> (json, schema capsule or None): a shard's JSON checked and "
     "rewritten by the library"},
    {"plan", plan, METH_VARARGS,
     "plan(sources, options) -> (shard JSON list, schema capsule, totals): fastdata.plan's "
     "shards, read from the footers"},
    {"load", load, METH_VARARGS,
     "load(sources, options) -> (_Table, _Matrix or None): options a dict of fastdata.load's "
     "keyword arguments (matrix_wide and matrix_fortran for matrix_dtype and matrix_order)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastdata",
                                    "The C core of the fastdata package.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fastdata(void) {
    main_thread = PyThread_get_thread_ident(); /* imports run on the main thread */
    if (PyType_Ready(&TableType) < 0 || PyType_Ready(&BlobType) < 0 || PyType_Ready(&S3Type) < 0 ||
        PyType_Ready(&MatrixType) < 0 || PyType_Ready(&StreamType) < 0 ||
        PyType_Ready(&RuntimeType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    PyObject *errors = PyImport_ImportModule("fastdata._errors");
    error_of_code = errors ? PyObject_GetAttrString(errors, "error_of_code") : NULL;
    error_of_errno = errors ? PyObject_GetAttrString(errors, "error_of_errno") : NULL;
    PyObject *Error = errors ? PyObject_GetAttrString(errors, "Error") : NULL;
    Py_XDECREF(errors);
    if (!Error || !error_of_code || !error_of_errno) {
        Py_XDECREF(Error);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&TableType);
    if (PyModule_AddObject(m, "Error", Error) < 0 ||
        PyModule_AddObject(m, "_Table", (PyObject *)&TableType) < 0 ||
        PyModule_AddObject(m, "_S3", (PyObject *)(Py_INCREF(&S3Type), &S3Type)) < 0 ||
        PyModule_AddObject(m, "_Blob", (PyObject *)(Py_INCREF(&BlobType), &BlobType)) < 0 ||
        PyModule_AddObject(m, "Runtime", (PyObject *)(Py_INCREF(&RuntimeType), &RuntimeType)) < 0 ||
        PyModule_AddStringConstant(m, "version", fdata_version()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
