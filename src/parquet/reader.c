/* The public reader: opening a file (mmap or caller buffer), its footer and schema, the
 * projection, and decoding row groups in parallel into Arrow record batches. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fastdata/parquet.h"
#include "../arrow/build.h"
#include "../arrow/filter_rows.h"
#include "../common/common.h"
#include "../memory/memory.h"
#include "../common/trace.h"
#include "assemble.h"
#include "column.h"
#include "input_release.h"
#include "file.h"
#include "reader.h"
#include "projection.h"
#include "metadata.h"
#include "page_index.h"
#include "schema.h"
#include "stats.h"
#include "values.h"

struct fdata_parquet_file {
    atomic_int refs;
    const uint8_t *data;
    size_t size;
    void (*release)(void *ctx);
    void *release_ctx;
    int mapped;            /* data is our mmap of `size` bytes */
    int64_t footer_size;   /* FileMetaData, its length and both magic numbers */
    int before_816_fix;    /* its writer left dictionary headers out of chunk sizes (see
                              PARQUET_816_PADDING): known once, not per chunk */
    char *name;
    struct pq_metadata md;          /* without the schema's elements: */
    struct pq_schema *schema;       /* shared with the files that state the same (pq_schema_get) */
    int long_lists;        /* a chunk below a list holds over INT32_MAX values: its Arrow type
                              depends on this file's sizes (large_list), not on its schema alone */
};

static int open_error(struct fdata_parquet_file *f, struct fdata_error *err) {
    fdata_error_prefix(err, "%s", f->name);
    return err ? err->code : FDATA_ECORRUPT;
}

static int check_row_groups(struct fdata_parquet_file *f, struct fdata_error *err) {
    for (int rg = 0; rg < f->md.num_row_groups; rg++) {
        const struct pq_row_group *g = &f->md.row_groups[rg];
        if (g->num_columns != f->schema->num_leaves)
            return fdata_set_error(err, FDATA_ECORRUPT,
                                   "row group %d has %d column chunks, the schema %d leaf columns",
                                   rg, g->num_columns, f->schema->num_leaves);
        if (g->num_rows < 0)
            return fdata_set_error(err, FDATA_ECORRUPT, "row group %d has a negative row count", rg);
    }
    return FDATA_OK;
}

/* parquet-mr before 1.2.9 left the dictionary page's header out of a chunk's
 * total_compressed_size (PARQUET-816, IMPALA-694): as parquet-cpp does, such a chunk may run
 * up to 100 bytes past its declared end (every page header is still checked). */
#define PARQUET_816_PADDING 100

static int written_before_parquet_816_fix(const char *created_by) {
    int major = 0, minor = 0, patch = 0; /* "parquet-mr" with no version: as old (parquet-cpp) */
    if (strncmp(created_by, "parquet-mr", 10) != 0 || (created_by[10] && created_by[10] != ' '))
        return 0;
    sscanf(created_by, "parquet-mr version %d.%d.%d", &major, &minor, &patch);
    return major < 1 || (major == 1 && (minor < 2 || (minor == 2 && patch < 9)));
}

/* Whether one of the file's lists is read as a large_list (projection.h). */
static int has_long_lists(const struct fdata_parquet_file *f) {
    for (int i = 0; i < f->schema->num_nodes; i++)
        if (pq_list_is_large(f->schema, &f->md, i))
            return 1;
    return 0;
}

/* Magic, footer length, FileMetaData, schema. */
static int parse_file(struct fdata_parquet_file *f, struct fdata_error *err) {
    const uint8_t *d = f->data;
    size_t n = f->size;
    if (n < 12)
        return fdata_set_error(err, FDATA_ECORRUPT, "not a Parquet file: only %zu bytes", n);
    if (memcmp(d + n - 4, "PARE", 4) == 0)
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "encrypted Parquet footer is not supported");
    if (memcmp(d, "PAR1", 4) != 0 || memcmp(d + n - 4, "PAR1", 4) != 0)
        return fdata_set_error(err, FDATA_ECORRUPT, "not a Parquet file: no PAR1 magic at %s",
                               memcmp(d, "PAR1", 4) != 0 ? "the start" : "the end");
    uint32_t footer = fdata_load_u32le(d + n - 8);
    if (footer > n - 12)
        return fdata_set_error(err, FDATA_ECORRUPT, "footer length %u exceeds the file size %zu",
                               footer, n);
    f->footer_size = (int64_t)footer + 12;
    FDATA_RETURN_IF(pq_metadata_parse_without_schema(d + n - 8 - footer, footer, &f->md, err));
    FDATA_RETURN_IF(pq_schema_get(&f->md, &f->schema, err));
    f->md.schema_bytes = NULL; /* the table keeps its own copy; these may go with the buffer */
    f->before_816_fix = written_before_parquet_816_fix(f->md.created_by);
    FDATA_RETURN_IF(check_row_groups(f, err));
    f->long_lists = has_long_lists(f);
    return FDATA_OK;
}

static void file_free(struct fdata_parquet_file *f) {
    pq_schema_put(f->schema);
    pq_metadata_free(&f->md);
    if (f->mapped && f->size)
        munmap((void *)f->data, f->size);
    else if (f->release)
        f->release(f->release_ctx);
    free(f->name);
    free(f);
}

static struct fdata_parquet_file *file_new(const char *name) {
    struct fdata_parquet_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    atomic_init(&f->refs, 1);
    f->name = strdup(name ? name : "<buffer>");
    if (!f->name) {
        free(f);
        return NULL;
    }
    return f;
}

int fdata_parquet_open_buffer(const void *data, size_t size, const char *name,
                              void (*release)(void *), void *release_ctx,
                              fdata_parquet_file **out, struct fdata_error *err) {
    *out = NULL;
    if (!data && size)
        return fdata_set_error(err, FDATA_EINVAL, "NULL buffer of %zu bytes", size);
    struct fdata_parquet_file *f = file_new(name);
    if (!f)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    f->data = data;
    f->size = size;
    int status = parse_file(f, err);
    if (status != FDATA_OK) {
        status = open_error(f, err);
        file_free(f); /* release is not yet set: the buffer stays the caller's */
        return status;
    }
    f->release = release;
    f->release_ctx = release_ctx;
    *out = f;
    return FDATA_OK;
}

int fdata_parquet_open_path(const char *path, fdata_parquet_file **out, struct fdata_error *err) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fdata_set_error(err, fdata_code_of_errno(errno), "%s: cannot open: %s", path,
                               strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fdata_set_error(err, FDATA_EIO, "%s: not a regular file", path);
    }
    struct fdata_parquet_file *f = file_new(path);
    if (!f) {
        close(fd);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    f->size = (size_t)st.st_size;
    f->mapped = 1;
    if (f->size) {
        void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            f->size = 0;
            file_free(f);
            return fdata_set_error(err, FDATA_EIO, "%s: cannot mmap: %s", path, strerror(e));
        }
        f->data = m;
    }
    close(fd);
    int status = parse_file(f, err);
    if (status != FDATA_OK) {
        status = open_error(f, err);
        file_free(f);
        return status;
    }
    *out = f;
    return FDATA_OK;
}

static void file_ref(struct fdata_parquet_file *f) { atomic_fetch_add(&f->refs, 1); }

void fdata_parquet_close(fdata_parquet_file *f) {
    if (f && atomic_fetch_sub(&f->refs, 1) == 1)
        file_free(f);
}

int64_t fdata_parquet_num_rows(const fdata_parquet_file *f) { return f->md.num_rows; }
int fdata_parquet_num_row_groups(const fdata_parquet_file *f) { return f->md.num_row_groups; }
int fdata_parquet_num_columns(const fdata_parquet_file *f) { return f->schema->num_leaves; }
int64_t fdata_parquet_file_size(const fdata_parquet_file *f) { return (int64_t)f->size; }
int64_t fdata_parquet_footer_size(const fdata_parquet_file *f) { return f->footer_size; }
const char *fdata_parquet_created_by(const fdata_parquet_file *f) { return f->md.created_by; }

const struct pq_metadata *pq_file_metadata(const fdata_parquet_file *f) { return &f->md; }
int pq_file_drop_bytes(fdata_parquet_file *f) {
    if (f->mapped || !f->release || atomic_load(&f->refs) != 1)
        return FDATA_EINVAL;
    FDATA_RETURN_IF(pq_metadata_own_bytes(&f->md));
    f->release(f->release_ctx);
    f->release = NULL;
    f->data = NULL;
    return FDATA_OK;
}

int pq_file_schema_shareable(const fdata_parquet_file *f) { return !f->long_lists; }
int pq_file_same_schema(const fdata_parquet_file *a, const fdata_parquet_file *b) {
    return a->schema == b->schema && pq_file_schema_shareable(a) && pq_file_schema_shareable(b);
}
const struct pq_schema *pq_file_schema(const fdata_parquet_file *f) { return f->schema; }
const uint8_t *pq_file_bytes(const fdata_parquet_file *f, size_t *size) {
    *size = f->size;
    return f->data;
}

int64_t fdata_parquet_row_group_num_rows(const fdata_parquet_file *f, int rg) {
    return rg >= 0 && rg < f->md.num_row_groups ? f->md.row_groups[rg].num_rows : 0;
}

const char *fdata_parquet_encoding_name(int e) {
    static const char *names[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE",
                                  "BIT_PACKED", "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY",
                                  "DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return e >= 0 && e < 10 ? names[e] : "?";
}

const char *fdata_parquet_codec_name(int c) {
    static const char *names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4",
                                  "ZSTD", "LZ4_RAW"};
    return c >= 0 && c < 8 ? names[c] : "?";
}

/* The index of `name` in names[0..n), or -1. */
static int name_index(const char *name, const char *const *names, int n) {
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int fdata_parquet_invalid_utf8_from_name(const char *name, int *out) {
    static const char *const names[] = {
        [FDATA_UTF8_ERROR] = "error", [FDATA_UTF8_BINARY] = "binary", [FDATA_UTF8_REPLACE] = "replace",
    };
    int i = name_index(name, names, 3);
    if (i < 0)
        return FDATA_EINVAL;
    *out = i;
    return FDATA_OK;
}

int fdata_parquet_int96_unit_from_name(const char *name, int *out) {
    static const char *const names[] = {
        [FDATA_INT96_S] = "s", [FDATA_INT96_MS] = "ms", [FDATA_INT96_US] = "us", [FDATA_INT96_NS] = "ns",
    };
    int i = name_index(name, names + 1, 4);
    if (i < 0)
        return FDATA_EINVAL;
    *out = i + 1;
    return FDATA_OK;
}

int fdata_parquet_strings_from_name(const char *name, int *out) {
    static const char *const names[] = {
        [FDATA_STRINGS_PLAIN] = "plain", [FDATA_STRINGS_VIEW] = "view",
        [FDATA_STRINGS_DICTIONARY] = "dictionary",
    };
    int i = name_index(name, names, 3);
    if (i < 0)
        return FDATA_EINVAL;
    *out = i;
    return FDATA_OK;
}

int fdata_parquet_column_info(const fdata_parquet_file *f, int i,
                              struct fdata_parquet_column_info *out, struct fdata_error *err) {
    if (i < 0 || i >= f->schema->num_leaves)
        return fdata_set_error(err, FDATA_EINVAL, "column index %d out of range (0..%d)", i,
                               f->schema->num_leaves - 1);
    const struct pq_leaf *leaf = &f->schema->leaves[i];
    static const char *reps[] = {"REQUIRED", "OPTIONAL", "REPEATED"};
    memset(out, 0, sizeof *out);
    out->path = leaf->path;
    out->physical_type = pq_type_name(leaf->physical);
    out->type_length = leaf->physical == PQ_FIXED_LEN_BYTE_ARRAY ? leaf->type_length : 0;
    out->repetition = leaf->repetition >= 0 && leaf->repetition < 3 ? reps[leaf->repetition] : "?";
    out->logical_type = leaf->arrow.logical;
    out->nested = leaf->nested;
    out->arrow_type = leaf->type_status ? "" : leaf->arrow.display;
    for (int rg = 0; rg < f->md.num_row_groups; rg++) {
        const struct pq_column_meta *m = &f->md.row_groups[rg].columns[i].meta;
        out->encodings |= m->encodings;
        if (m->codec >= 0 && m->codec < 32)
            out->codecs |= 1u << m->codec;
        out->compressed_size += m->total_compressed_size;
        out->uncompressed_size += m->total_uncompressed_size;
    }
    return FDATA_OK;
}

/* ---- projection and schema ---- */

static int make_projection(const fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                           struct pq_projection *p, struct fdata_error *err) {
    return pq_projection_make(f->schema, &f->md, o, f->name, p, err);
}

int fdata_parquet_get_schema(fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                             struct ArrowSchema *out, struct fdata_error *err) {
    struct pq_projection p;
    out->release = NULL;
    FDATA_RETURN_IF(make_projection(f, o, &p, err));
    struct ArrowSchema *kids = calloc((size_t)p.num_fields + 1, sizeof *kids);
    int status = kids ? FDATA_OK : FDATA_ENOMEM;
    int made = 0;
    for (; made < p.num_fields && status == FDATA_OK; made++)
        status = pq_field_schema(f->schema, &p, f->schema->fields[p.fields[made]], &kids[made]);
    if (status == FDATA_OK) {
        status = fdata_schema_make_struct(out, kids, p.num_fields);
    } else {
        for (int i = 0; i < made - 1; i++)
            kids[i].release(&kids[i]);
    }
    free(kids);
    pq_projection_free(&p);
    return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, status, "out of memory");
}

/* ---- decoding ---- */

struct read_job {
    fdata_parquet_file *f;
    const struct pq_projection *p;
    int first_rg, count;
    int *leaves;                   /* selected leaf indices */
    int num_leaves;
    struct pq_leaf_result *results; /* [rg][leaf], all leaves of the schema */
    struct ArrowArray *fields;     /* [rg][output field] */
    struct fdata_error *errors;    /* one per task */
    struct pq_scratch *scratch;    /* one per worker thread */
    struct fdata_matrix *matrix;   /* or NULL */
    struct fdata_runtime *runtime; /* or NULL: the default */
    int64_t *matrix_row;           /* [rg]: where the row group's rows go in the matrix */
    const struct ArrowArray **matrix_arrays; /* [rg][matrix column]: decoded as arrays */
    const char **matrix_formats;   /* [matrix column] */
    struct fdata_pages *pages;     /* where slabs take their pages, or NULL */
    void **slabs;                  /* [rg]: the row group's fixed-width values, or NULL */
    uint8_t **slab_dest;           /* [rg][leaf]: where in the slab the leaf's values go */
    fdata_trace *trace;            /* or NULL */
    const struct pq_rows *sel;     /* or NULL: the rows to keep of the one row group read */
    size_t nsel;
    struct decode_unit *units;     /* the decode tasks: chunks, or parts of a chunk's pages */
    size_t num_units;
    size_t *order;                 /* the units as the workers take them: the large ones
                                      first (order_units), or NULL: in turn */
    struct pq_input_release *release; /* a mapped file's input given back as it is decoded,
                                         or NULL */
    size_t *unit_chunk;            /* [unit]: its chunk's index in `release` */
};

/* Rows per task when the matrix is filled from decoded arrays: a block of a row-major
 * matrix stays in cache while every column writes its part. */
#define MATRIX_BLOCK_ROWS 512

static int chunk_input(const fdata_parquet_file *f, const struct pq_projection *p, int rg,
                       int leaf_index, struct pq_chunk_input *in, struct fdata_error *err) {
    const struct pq_row_group *g = &f->md.row_groups[rg];
    const struct pq_column_chunk *cc = &g->columns[leaf_index];
    const struct pq_leaf *leaf = &p->leaves[leaf_index];
    const struct pq_column_meta *m = &cc->meta;
    if (cc->encrypted)
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "encrypted column chunk");
    if (cc->external)
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "column chunk stored in another file");
    if (!cc->has_meta)
        return fdata_set_error(err, FDATA_ECORRUPT, "column chunk without metadata");
    if (m->type != leaf->physical)
        return fdata_set_error(err, FDATA_ECORRUPT, "chunk type %s differs from the schema's %s",
                               pq_type_name(m->type), pq_type_name(leaf->physical));
    int64_t start = m->data_page_offset;
    if (m->dictionary_page_offset >= 4 && m->dictionary_page_offset < start)
        start = m->dictionary_page_offset;
    int64_t len = m->total_compressed_size;
    if (g->num_rows == 0)
        start = len = 0; /* nothing will be read: empty row groups may have no pages at all */
    if (start < 0 || len < 0 || (uint64_t)start > f->size || (uint64_t)len > f->size - (uint64_t)start)
        return fdata_set_error(err, FDATA_ECORRUPT,
                               "chunk range [%lld, +%lld) lies outside the file of %zu bytes",
                               (long long)start, (long long)len, f->size);
    if (len > 0 && f->before_816_fix)
        len += (int64_t)f->size - (start + len) < PARQUET_816_PADDING
                   ? (int64_t)f->size - (start + len) : PARQUET_816_PADDING;
    in->leaf = leaf;
    in->data = f->data ? f->data + start : NULL; /* NULL: given back (bytes_kept) */
    in->size = (size_t)len;
    in->file_offset = start;
    in->codec = m->codec;
    in->num_rows = g->num_rows;
    in->num_values = g->num_rows == 0 ? 0 : m->num_values;
    return FDATA_OK;
}

/* Whether f still has the bytes it was opened on (pq_file_drop_bytes), as every read of its
 * pages needs. */
static int bytes_kept(const fdata_parquet_file *f, struct fdata_error *err) {
    return f->data ? FDATA_OK
                   : fdata_set_error(err, FDATA_EINVAL, "its bytes were given back once it "
                                     "was read");
}

/* Keeps the pages holding a selected row (both lists ascend). */
static void keep_selected_pages(struct pq_chunk_pages *p, const struct pq_rows *sel, size_t nsel) {
    int kept = 0;
    size_t s = 0;
    for (int i = 0; i < p->num_pages; i++) {
        const struct pq_page *pg = &p->pages[i];
        while (s < nsel && sel[s].first + sel[s].count <= pg->first_row)
            s++;
        if (s < nsel && sel[s].first < pg->first_row + pg->rows)
            p->pages[kept++] = *pg;
    }
    p->num_pages = kept;
}

/* The pages of a row-aligned leaf's chunk (in: chunk_input's) that hold selected rows;
 * num_pages 0 when it is to be read whole (in a list or map, or no index that holds).
 * *dict_end: where the pages before the first data page (a dictionary) end; *all: the
 * chunk's data pages (0: unknown). */
static int selected_pages(const fdata_parquet_file *f, int rg, int leaf_index,
                          const struct pq_chunk_input *in, const struct pq_rows *sel,
                          size_t nsel, struct pq_chunk_pages *out, int64_t *dict_end,
                          int *all, struct fdata_error *err) {
    const struct pq_row_group *g = &f->md.row_groups[rg];
    memset(out, 0, sizeof *out);
    *dict_end = in->file_offset;
    *all = 0;
    if (!f->schema->leaves[leaf_index].row_aligned || in->size == 0)
        return FDATA_OK;
    FDATA_RETURN_IF(pq_chunk_pages_parse(f->data, f->size, &g->columns[leaf_index], g->num_rows,
                                         in->file_offset, in->file_offset + (int64_t)in->size,
                                         out, err));
    if (out->num_pages > 0)
        *dict_end = out->pages[0].offset;
    *all = out->num_pages;
    keep_selected_pages(out, sel, nsel);
    return FDATA_OK;
}

/* The spans of the chosen pages (after the dictionary's, if any), as pq_chunk_input takes
 * them; the chunk's rows become theirs. */
static struct pq_span *page_spans(const struct pq_chunk_pages *p, int64_t dict_end,
                                  struct pq_chunk_input *in) {
    struct pq_span *spans = calloc((size_t)p->num_pages + 1, sizeof *spans);
    size_t n = 0;
    int64_t rows = 0, start = in->file_offset;
    if (spans && dict_end > start)
        spans[n++] = (struct pq_span){0, (size_t)(dict_end - start), 0};
    for (int i = 0; spans && i < p->num_pages; i++) {
        rows += p->pages[i].rows;
        spans[n++] = (struct pq_span){(size_t)(p->pages[i].offset - start),
                                      (size_t)p->pages[i].size, rows};
    }
    in->spans = spans;
    in->num_spans = n;
    in->num_rows = rows;
    return spans;
}

static int64_t selected_rows(const struct pq_rows *sel, size_t nsel) {
    int64_t rows = 0;
    for (size_t i = 0; i < nsel; i++)
        rows += sel[i].count;
    return rows;
}

/* keep[r] for the rows r of segments segs[0..nsegs) laid end to end: whether the selection
 * holds the row.  NULL when out of memory. */
static uint8_t *keep_mask(const struct pq_rows *segs, size_t nsegs, const struct pq_rows *sel,
                          size_t nsel, int64_t total) {
    uint8_t *keep = calloc((size_t)total + 1, 1);
    size_t s = 0;
    int64_t at = 0;
    for (size_t i = 0; keep && i < nsegs; at += segs[i++].count) {
        int64_t lo = segs[i].first, hi = lo + segs[i].count;
        while (s > 0 && sel[s - 1].first + sel[s - 1].count > lo)
            s--; /* a selected range may span several segments */
        for (; s < nsel && sel[s].first < hi; s++) {
            int64_t a = sel[s].first > lo ? sel[s].first : lo;
            int64_t b = sel[s].first + sel[s].count < hi ? sel[s].first + sel[s].count : hi;
            if (a < b)
                memset(keep + at + (a - lo), 1, (size_t)(b - a));
        }
    }
    return keep;
}

/* Node n's array a (of the job's projection) cut to the rows keep[] holds, in place. */
static int keep_rows(const struct read_job *job, const struct pq_node *n, const uint8_t *keep,
                     struct ArrowArray *a) {
    struct ArrowSchema type = {0};
    struct ArrowArray rows;
    int status = pq_field_schema(job->f->schema, job->p, n, &type);
    if (status == FDATA_OK)
        status = fdata_array_filter(&type, a, keep, &rows);
    if (status == FDATA_OK) {
        a->release(a);
        *a = rows;
    }
    if (type.release)
        type.release(&type);
    return status;
}

/* A row-aligned leaf's decoded rows (and levels, one entry a row) cut to those keep[]
 * holds. */
static int cut_leaf(const struct read_job *job, int leaf_index, const uint8_t *keep,
                    struct pq_leaf_result *r, struct fdata_error *err) {
    struct pq_levels *lv = &r->levels;
    if (lv->count && lv->count != (size_t)r->array.length)
        return fdata_set_error(err, FDATA_ECORRUPT, "%zu levels for %lld values", lv->count,
                               (long long)r->array.length);
    int status = keep_rows(job, job->f->schema->leaves[leaf_index].node, keep, &r->array);
    if (status != FDATA_OK)
        return fdata_set_error(err, status, "cannot keep the selected rows");
    size_t k = 0;
    for (size_t i = 0; i < lv->count; i++) {
        lv->def[k] = lv->def[i];
        if (lv->rep)
            lv->rep[k] = lv->rep[i];
        k += keep[i];
    }
    lv->count = k;
    return FDATA_OK;
}

/* Decodes a leaf's chunk restricted to the job's selection: a row-aligned leaf's chosen pages
 * only (all of them without an index), cut to the selected rows; any other leaf whole (its
 * field is cut after assembly). */
static int decode_selected(struct read_job *job, int rg, int leaf_index, struct pq_chunk_input *in,
                           struct pq_leaf_result *r, struct fdata_error *err) {
    struct pq_chunk_pages pages;
    int64_t dict_end;
    int all;
    FDATA_RETURN_IF(selected_pages(job->f, rg, leaf_index, in, job->sel, job->nsel, &pages,
                                   &dict_end, &all, err));
    struct pq_rows *segs = calloc((size_t)pages.num_pages + 1, sizeof *segs);
    struct pq_span *spans = pages.num_pages && segs ? page_spans(&pages, dict_end, in) : NULL;
    int status = segs && (spans || !pages.num_pages)
                 ? pq_decode_chunk(in, &r->array, &r->levels, err)
                 : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int i = 0; i < pages.num_pages && segs; i++)
        segs[i] = (struct pq_rows){pages.pages[i].first_row, pages.pages[i].rows};
    if (status == FDATA_OK && job->f->schema->leaves[leaf_index].row_aligned) {
        size_t nsegs = pages.num_pages ? (size_t)pages.num_pages : 1;
        if (!pages.num_pages)
            segs[0] = (struct pq_rows){0, r->array.length};
        uint8_t *keep = keep_mask(segs, nsegs, job->sel, job->nsel, r->array.length);
        status = keep ? cut_leaf(job, leaf_index, keep, r, err)
                      : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        free(keep);
    }
    free(segs);
    free(spans);
    pq_chunk_pages_free(&pages);
    return status;
}

/* Where a matrix leaf's chunk can be decoded straight into the matrix (a column-major one
 * of its own float type), else NULL (it is decoded as an array, then put in). */
static uint8_t *matrix_dest(const struct read_job *job, int rg, int leaf_index) {
    const struct fdata_matrix *m = job->matrix;
    const struct pq_leaf *leaf = &job->f->schema->leaves[leaf_index];
    if (job->p->selected[leaf_index] != PQ_INTO_MATRIX) /* (then there is a matrix) */
        return NULL;
    size_t elem = fdata_matrix_element_size(m);
    if (m->order != FDATA_MATRIX_COLUMN_MAJOR || !pq_leaf_fills(leaf, elem))
        return NULL;
    size_t col = (size_t)job->p->matrix_col[leaf_index];
    return (uint8_t *)m->data + (col * (size_t)m->rows + (size_t)job->matrix_row[rg]) * elem;
}

/* ---- a chunk's pages split between workers ---- */

/* A required flat leaf's chunk of at least twice this many bytes, whose values go into its
 * row group's slab, is decoded in parts of contiguous data pages by several workers at once
 * (each part decodes the dictionary itself): a row group of few large columns keeps every
 * thread busy.  Smaller parts would spend more on repeated dictionaries than they win. */
#define SPLIT_MIN_BYTES ((size_t)1 << 20)

/* One decode task: a whole chunk (parts == 1) or part `part` of its data pages: the
 * dictionary's pages (spans[0], when num_spans is 2), then rows [first_row, +rows) in the
 * span that ends the list. */
struct decode_unit {
    int rg;                        /* within the job */
    int leaf;
    int part, parts;
    struct pq_span spans[2];
    size_t num_spans;
    int64_t first_row, rows;
};

/* Where each data page of a chunk ends and the rows it holds, from the pages' own headers:
 * *count 0 (the chunk is not split) when a header does not parse, a dictionary comes after
 * a data page, or the pages' rows do not add up to the row group's. */
struct page_mark {
    size_t end;
    int64_t rows;
};

static void scan_pages(const struct pq_chunk_input *in, size_t *dict_end, struct page_mark *marks,
                       size_t cap, size_t *count) {
    size_t off = 0, n = 0;
    int64_t rows = 0;
    *dict_end = 0;
    *count = 0;
    while (off < in->size && rows < in->num_rows) {
        struct pq_page_header ph;
        size_t hlen;
        struct fdata_error ignored = {0}; /* a bad header is the whole chunk's decoder's to report */
        if (pq_page_header_parse(in->data + off, in->size - off, &ph, &hlen, &ignored) != FDATA_OK ||
            ph.compressed_size < 0 || (size_t)ph.compressed_size > in->size - off - hlen)
            return;
        off += hlen + (size_t)ph.compressed_size;
        if (ph.type == PQ_DICTIONARY_PAGE && n == 0) {
            *dict_end = off;
        } else if (ph.type == PQ_DATA_PAGE || ph.type == PQ_DATA_PAGE_V2) {
            int32_t page_rows = ph.type == PQ_DATA_PAGE ? ph.num_values : ph.num_rows;
            if (!ph.has_data_header || page_rows <= 0 || n == cap)
                return;
            rows += page_rows;
            marks[n++] = (struct page_mark){off, rows};
        } else if (ph.type == PQ_DICTIONARY_PAGE) {
            return;
        }
    }
    if (rows == in->num_rows)
        *count = n;
}

/* Most parts a chunk is split into (and pages scanned for it). */
#define SPLIT_MAX_PARTS 16
#define SPLIT_MAX_PAGES 65536

/* The units of one chunk: `parts` of nearly equal bytes of its data pages when it is worth
 * splitting, else one for the whole chunk.  Returns how many were written at u. */
static size_t plan_chunk(const struct read_job *job, int rg, int leaf_index, int threads,
                         struct page_mark **marks, struct decode_unit *u) {
    const struct pq_leaf *leaf = &job->p->leaves[leaf_index];
    size_t at = (size_t)rg * (size_t)job->f->schema->num_leaves + (size_t)leaf_index;
    struct pq_chunk_input in = {0};
    struct fdata_error ignored = {0};
    u[0] = (struct decode_unit){.rg = rg, .leaf = leaf_index, .parts = 1};
    if (threads < 2 || job->sel || !job->slab_dest[at] || leaf->nested ||
        leaf->repetition != PQ_REQUIRED || !pq_leaf_fixed_output(leaf) ||
        chunk_input(job->f, job->p, job->first_rg + rg, leaf_index, &in, &ignored) != FDATA_OK ||
        in.size < 2 * SPLIT_MIN_BYTES)
        return 1;
    if (!*marks && !(*marks = malloc(SPLIT_MAX_PAGES * sizeof **marks)))
        return 1; /* decoded whole */
    const struct page_mark *m = *marks;
    size_t dict_end, pages;
    scan_pages(&in, &dict_end, *marks, SPLIT_MAX_PAGES, &pages);
    size_t parts = in.size / SPLIT_MIN_BYTES;
    parts = parts < (size_t)threads ? parts : (size_t)threads;
    parts = parts < pages ? parts : pages;
    parts = parts < SPLIT_MAX_PARTS ? parts : SPLIT_MAX_PARTS;
    if (parts < 2)
        return 1;
    size_t data_bytes = m[pages - 1].end - dict_end, page = 0, start = dict_end;
    int64_t first_row = 0;
    for (size_t k = 0; k < parts; k++) {
        size_t goal = k + 1 < parts ? dict_end + data_bytes / parts * (k + 1) : SIZE_MAX;
        /* at least one page each, and one left for each part after this one */
        do
            page++;
        while (page < pages - (parts - 1 - k) && m[page - 1].end < goal);
        struct decode_unit *p = &u[k];
        *p = (struct decode_unit){.rg = rg, .leaf = leaf_index, .part = (int)k,
                                  .parts = (int)parts, .first_row = first_row,
                                  .rows = m[page - 1].rows - first_row};
        if (dict_end > 0)
            p->spans[p->num_spans++] = (struct pq_span){0, dict_end, 0};
        p->spans[p->num_spans++] = (struct pq_span){start, m[page - 1].end - start, p->rows};
        start = m[page - 1].end;
        first_row = m[page - 1].rows;
    }
    return parts; /* the last part ends on the last page: every row is some part's */
}

/* A unit's work, as its chunk's footer tells it: the chunk's decoded bytes, shared by its
 * parts (a footer's claim: it can only change the order). */
struct unit_work {
    int64_t work;
    size_t unit;
};

static int64_t unit_work(const struct read_job *job, const struct decode_unit *u) {
    const struct pq_column_meta *m =
        &job->f->md.row_groups[job->first_rg + u->rg].columns[u->leaf].meta;
    int64_t bytes = m->total_uncompressed_size > 0 ? m->total_uncompressed_size : 0;
    return bytes / (u->parts > 0 ? u->parts : 1);
}

static int more_work_first(const void *a, const void *b) {
    const struct unit_work *x = a, *y = b;
    if (x->work != y->work)
        return x->work > y->work ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit; /* in turn otherwise: deterministic */
}

/* The order the workers take the units in: those of more than twice the mean work first,
 * largest first, so that a large chunk (a free-text column, often the last) does not start
 * last and leave the other workers idle at the end of the job; the rest in file order, so
 * that a mapped file's input is done with from its start (input_release.h).  Without memory
 * for it, the units go in turn. */
static void order_units(struct read_job *job) {
    struct unit_work *w = malloc((job->num_units + 1) * sizeof *w);
    job->order = malloc((job->num_units + 1) * sizeof *job->order);
    if (!w || !job->order) {
        free(w);
        free(job->order);
        job->order = NULL;
        return;
    }
    int64_t total = 0;
    for (size_t i = 0; i < job->num_units; i++) {
        w[i] = (struct unit_work){unit_work(job, &job->units[i]), i};
        total += w[i].work / (int64_t)job->num_units; /* (the mean, without overflow) */
    }
    for (size_t i = 0; i < job->num_units; i++)
        w[i].work = w[i].work / 2 > total ? w[i].work : 0; /* (a footer's sizes: no 2 * mean) */
    qsort(w, job->num_units, sizeof *w, more_work_first);
    for (size_t i = 0; i < job->num_units; i++)
        job->order[i] = w[i].unit;
    free(w);
}

/* A mapped file's input given back as the job decodes it (input_release.h): each chunk's
 * range, done once all its parts are.  Without memory for it, the input stays mapped until
 * the file is closed, as before. */
static void plan_release(struct read_job *job) {
    size_t n = 0, cap = job->num_units + 1;
    int64_t *start = malloc(cap * sizeof *start), *size = malloc(cap * sizeof *size);
    int *parts = malloc(cap * sizeof *parts);
    job->unit_chunk = malloc(cap * sizeof *job->unit_chunk);
    for (size_t i = 0; start && size && parts && job->unit_chunk && i < job->num_units; i++) {
        const struct decode_unit *u = &job->units[i];
        struct pq_chunk_input in = {0};
        if (u->part == 0) { /* (a chunk's parts follow its first) */
            struct fdata_error ignored = {0};
            if (chunk_input(job->f, job->p, job->first_rg + u->rg, u->leaf, &in, &ignored) != FDATA_OK)
                in.file_offset = 0, in.size = 0; /* its decode fails the job anyway */
            start[n] = in.file_offset, size[n] = (int64_t)in.size, parts[n++] = u->parts;
        }
        job->unit_chunk[i] = n - 1;
    }
    if (start && size && parts && job->unit_chunk)
        job->release = pq_input_release_new(job->f->data, start, size, parts, n);
    free(start), free(size), free(parts);
}

/* The decode tasks of the job: every selected leaf's chunk of every row group, the large
 * ones in parts (plan_chunk). */
static int plan_units(struct read_job *job, int count, int threads, struct fdata_error *err) {
    size_t cap = (size_t)count * (size_t)job->num_leaves + SPLIT_MAX_PARTS, n = 0;
    struct page_mark *marks = NULL; /* made for the first chunk worth splitting */
    job->units = calloc(cap, sizeof *job->units);
    int status = job->units ? FDATA_OK : FDATA_ENOMEM;
    for (int rg = 0; status == FDATA_OK && rg < count; rg++) {
        for (int k = 0; status == FDATA_OK && k < job->num_leaves; k++) {
            if (n + SPLIT_MAX_PARTS > cap) { /* room for the most parts of the next chunk */
                struct decode_unit *more = realloc(job->units, 2 * cap * sizeof *more);
                status = more ? FDATA_OK : FDATA_ENOMEM;
                job->units = more ? more : job->units;
                cap = more ? 2 * cap : cap;
            }
            if (status == FDATA_OK)
                n += plan_chunk(job, rg, job->leaves[k], threads, &marks, job->units + n);
        }
    }
    free(marks);
    job->num_units = n;
    if (status == FDATA_OK && threads > 1)
        order_units(job);
    if (status == FDATA_OK && job->f->mapped)
        plan_release(job);
    return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

/* A split chunk's array, once its parts have decoded their rows into its slab share. */
static int finish_split(struct read_job *job, struct fdata_error *err) {
    for (size_t i = 0; i < job->num_units; i++) {
        const struct decode_unit *u = &job->units[i];
        if (u->parts < 2 || u->part != 0)
            continue;
        size_t at = (size_t)u->rg * (size_t)job->f->schema->num_leaves + (size_t)u->leaf;
        void *buffers[2] = {NULL, job->slab_dest[at]};
        int64_t rows = job->f->md.row_groups[job->first_rg + u->rg].num_rows;
        if (fdata_array_make_in_slab(&job->results[at].array, rows, 0, 2, buffers,
                                     job->slabs[u->rg]) != FDATA_OK)
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    return FDATA_OK;
}

static int decode_task(void *ctx, size_t k, int worker) {
    struct read_job *job = ctx;
    size_t i = job->order ? job->order[k] : k; /* (its error stays at its own index) */
    const struct decode_unit *u = &job->units[i];
    int rg = job->first_rg + u->rg;
    int leaf_index = u->leaf;
    size_t at = (size_t)u->rg * (size_t)job->f->schema->num_leaves + (size_t)leaf_index;
    struct pq_leaf_result *r = &job->results[at];
    struct fdata_error *err = &job->errors[i];
    struct pq_chunk_input in = {0};
    int status = chunk_input(job->f, job->p, rg, leaf_index, &in, err);
    in.scratch = &job->scratch[worker];
    in.dest = matrix_dest(job, rg - job->first_rg, leaf_index);
    in.slab = in.dest || !job->slab_dest[at] ? NULL : job->slabs[rg - job->first_rg];
    if (in.slab)
        in.dest = job->slab_dest[at];
    if (u->parts > 1) { /* its rows of the slab share; finish_split makes the array */
        in.dest += (size_t)u->first_row * (size_t)in.leaf->arrow.width;
        in.slab = NULL;
        in.spans = u->spans;
        in.num_spans = u->num_spans;
        in.num_rows = u->rows;
    }
    int64_t t0 = job->trace ? fdata_trace_now(job->trace) : 0;
    if (status == FDATA_OK)
        status = job->sel ? decode_selected(job, rg, leaf_index, &in, r, err)
                          : pq_decode_chunk(&in, &r->array, &r->levels, err);
    if (job->trace) {
        char file[96];
        fdata_trace_detail(job->trace, fdata_trace_thread_lane(job->trace), "decode",
                         job->f->schema->leaves[leaf_index].path, t0, fdata_trace_now(job->trace),
                         "\"file\": \"%s\", \"row_group\": %d, \"into_matrix\": %d, "
                         "\"bytes\": %zu", fdata_trace_quote(job->f->name, file, sizeof file), rg,
                         in.dest && !in.slab, status == FDATA_OK ? in.size : 0);
        fdata_trace_rss(job->trace); /* what decoding holds, local loads too */
    }
    if (status != FDATA_OK)
        fdata_error_prefix(err, "%s: row group %d, column '%s'", job->f->name, rg,
                           job->f->schema->leaves[leaf_index].path);
    else if (job->release)
        pq_input_release_done(job->release, job->unit_chunk[i]);
    return status;
}

/* The matrix tasks: blocks of rows of each row group. */
static size_t matrix_blocks(const struct read_job *job, int count) {
    size_t blocks = 0;
    for (int rg = 0; rg < count; rg++)
        blocks += (size_t)((job->f->md.row_groups[job->first_rg + rg].num_rows +
                            MATRIX_BLOCK_ROWS - 1) / MATRIX_BLOCK_ROWS);
    return blocks;
}

/* Task i: a block of rows of one row group, from every matrix leaf decoded as an array. */
static int matrix_task(void *ctx, size_t i, int worker) {
    struct read_job *job = ctx;
    (void)worker; /* its lane is its thread's */
    int64_t t0 = job->trace ? fdata_trace_now(job->trace) : 0;
    int64_t blocks = 0, rg = 0;
    for (;; rg++, i -= (size_t)blocks) { /* which row group: few, so a walk will do */
        int64_t rows = job->f->md.row_groups[job->first_rg + rg].num_rows;
        blocks = (rows + MATRIX_BLOCK_ROWS - 1) / MATRIX_BLOCK_ROWS;
        if ((int64_t)i < blocks)
            break;
    }
    int64_t rows = job->f->md.row_groups[job->first_rg + rg].num_rows;
    int64_t first = (int64_t)i * MATRIX_BLOCK_ROWS;
    int64_t count = rows - first < MATRIX_BLOCK_ROWS ? rows - first : MATRIX_BLOCK_ROWS;
    size_t ncols = job->matrix->num_columns;
    fdata_matrix_put_rows(job->matrix, job->matrix_row[rg] + first, job->matrix_formats,
                          job->matrix_arrays + (size_t)rg * ncols, first, count);
    if (job->trace)
        fdata_trace_detail(job->trace, fdata_trace_thread_lane(job->trace), "matrix", "matrix rows", t0,
                         fdata_trace_now(job->trace), "\"first_row\": %lld, \"rows\": %lld",
                         (long long)(job->matrix_row[rg] + first), (long long)count);
    return FDATA_OK;
}

/* A field of the selection's row group that is not row-aligned (a list or map in it: its
 * leaves were decoded whole) cut to the selected rows. */
static int keep_selected_rows(struct read_job *job, const struct pq_node *field,
                              struct ArrowArray *a, struct fdata_error *err) {
    struct pq_rows all = {0, a->length};
    uint8_t *keep = keep_mask(&all, 1, job->sel, job->nsel, a->length);
    int status = keep ? keep_rows(job, field, keep, a) : FDATA_ENOMEM;
    free(keep);
    return status == FDATA_OK ? FDATA_OK
                              : fdata_set_error(err, status, "cannot keep the selected rows of "
                                                "'%s'", field->name);
}

static int assemble_task(void *ctx, size_t i, int worker) {
    struct read_job *job = ctx;
    (void)worker;
    size_t nfield = (size_t)job->p->num_fields;
    size_t rg = i / nfield;
    const struct pq_schema *s = job->f->schema;
    const struct pq_node *field = s->fields[job->p->fields[i % nfield]];
    int64_t rows = job->f->md.row_groups[job->first_rg + (int)rg].num_rows;
    int cut = job->sel && !s->leaves[field->first_leaf].row_aligned; /* else its leaves were */
    if (job->sel && !cut)
        rows = selected_rows(job->sel, job->nsel);
    int status = pq_assemble_field(s, job->p, field, job->results + rg * (size_t)s->num_leaves,
                                   rows, &job->fields[i], &job->errors[i]);
    if (status == FDATA_OK && cut)
        status = keep_selected_rows(job, field, &job->fields[i], &job->errors[i]);
    if (status != FDATA_OK)
        fdata_error_prefix(&job->errors[i], "%s: row group %d", job->f->name,
                           job->first_rg + (int)rg);
    return status;
}

/* Runs one phase on every task; on failure copies the first failed task's error. */
static int run_phase(struct read_job *job, size_t tasks, int threads,
                     int (*fn)(void *, size_t, int), struct fdata_error *err) {
    for (size_t i = 0; i < tasks; i++) /* not all 512 bytes: the message is set on failure */
        job->errors[i].code = FDATA_OK, job->errors[i].message[0] = '\0';
    int status = fdata_parallel_for(job->runtime, tasks, threads, fn, job);
    return fdata_first_error(status, job->errors, tasks, err);
}

/* The matrix leaves decoded as arrays go into the matrix, and their arrays go. */
static int fill_matrix(struct read_job *job, int count, int threads, struct fdata_error *err) {
    size_t ncols = job->matrix->num_columns, nleaves = (size_t)job->f->schema->num_leaves;
    job->matrix_arrays = calloc((size_t)count * ncols + 1, sizeof *job->matrix_arrays);
    job->matrix_formats = calloc(ncols + 1, sizeof *job->matrix_formats);
    int status = job->matrix_arrays && job->matrix_formats
                     ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t r = 0; status == FDATA_OK && r < (size_t)count * nleaves; r++) {
        const struct ArrowArray *a = &job->results[r].array;
        int col = job->p->matrix_col[r % nleaves];
        if (col >= 0 && a->release) { /* decoded as an array, not in place */
            job->matrix_arrays[r / nleaves * ncols + (size_t)col] = a;
            job->matrix_formats[col] = job->p->leaves[r % nleaves].arrow.format;
        }
    }
    if (status == FDATA_OK)
        status = run_phase(job, matrix_blocks(job, count), threads, matrix_task, err);
    for (size_t r = 0; r < (size_t)count * nleaves; r++) {
        struct ArrowArray *a = &job->results[r].array;
        if (job->p->selected[r % nleaves] == PQ_INTO_MATRIX && a->release)
            a->release(a);
    }
    return status;
}

/* Row groups of more rows get no slab: their chunks' outputs grow with their pages, so that
 * a footer's row count alone never makes the reader reserve memory (the decoder's rule). */
#define SLAB_MAX_ROWS ((size_t)1 << 22)

/* Bytes of a row group's slab that leaf i takes, 0 when its values do not go into one. */
static size_t slab_share(const struct read_job *job, int i, size_t rows) {
    const struct pq_leaf *leaf = &job->p->leaves[i]; /* as read: its string option applied */
    if (job->p->selected[i] == PQ_INTO_MATRIX || rows > SLAB_MAX_ROWS ||
        (size_t)leaf->arrow.width > SIZE_MAX / 4 / SLAB_MAX_ROWS)
        return 0;
    size_t bytes = pq_slab_bytes(leaf, rows);
    return bytes ? (PQ_SLAB_PORCH + bytes + 63) & ~(size_t)63 : 0;
}

/* One slab per row group for the values of its fixed-width leaves that become arrays: one
 * allocation, and for large row groups a few huge pages instead of thousands of 4 KiB faults
 * over many small buffers.  A slab that cannot be had leaves its leaves to allocate their own
 * buffers. */
static void plan_slabs(struct read_job *job, int count) {
    size_t nleaves = (size_t)job->f->schema->num_leaves;
    for (int rg = 0; rg < count; rg++) {
        size_t rows = (size_t)job->f->md.row_groups[job->first_rg + rg].num_rows, size = 0;
        for (int k = 0; k < job->num_leaves && size < SIZE_MAX / 2; k++)
            size += slab_share(job, job->leaves[k], rows); /* each share < SIZE_MAX / 4 */
        int fits = rows && size && size < SIZE_MAX / 2;
        uint8_t *slab = fits ? fdata_slab_new(size, job->pages, fdata_memory_of(job->runtime)) : NULL;
        job->slabs[rg] = slab;
        size_t at = 0;
        for (int k = 0; slab && k < job->num_leaves; k++) {
            size_t share = slab_share(job, job->leaves[k], rows);
            if (share)
                job->slab_dest[(size_t)rg * nleaves + (size_t)job->leaves[k]] = slab + at + PQ_SLAB_PORCH;
            at += share;
        }
    }
}

static void release_all(struct ArrowArray *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i].release)
            a[i].release(&a[i]);
}

static void free_job(struct read_job *job, size_t results, size_t fields, int threads) {
    for (size_t i = 0; job->results && i < results; i++) {
        if (job->results[i].array.release)
            job->results[i].array.release(&job->results[i].array);
        pq_levels_free(&job->results[i].levels);
    }
    if (job->fields)
        release_all(job->fields, fields);
    for (int w = 0; job->scratch && w < threads; w++)
        pq_scratch_free(&job->scratch[w]);
    free(job->scratch);
    free(job->results);
    free(job->fields);
    free(job->errors);
    free(job->leaves);
    free(job->matrix_row);
    free(job->matrix_arrays);
    free(job->matrix_formats);
    for (int rg = 0; job->slabs && rg < job->count; rg++)
        fdata_slab_unref(job->slabs[rg]); /* the arrays hold their own references */
    free(job->slabs);
    free(job->slab_dest);
    free(job->units);
    free(job->order);
    pq_input_release_free(job->release);
    free(job->unit_chunk);
}

/* Each row group's first row in the matrix, which must have room for all of them. */
static int place_in_matrix(struct read_job *job, int64_t row, int count, struct fdata_error *err) {
    const struct fdata_matrix *m = job->matrix;
    int64_t start = row;
    for (int rg = 0; rg < count; rg++) {
        job->matrix_row[rg] = row;
        row += job->f->md.row_groups[job->first_rg + rg].num_rows;
    }
    if (!m->data || start < 0 || row > m->rows)
        return fdata_set_error(err, FDATA_EINVAL, "%s: matrix rows [%lld, %lld) outside the "
                               "matrix of %lld rows", job->f->name, (long long)start,
                               (long long)row, (long long)(m->data ? m->rows : 0));
    return FDATA_OK;
}

int fdata_parquet_read_row_groups(fdata_parquet_file *f, int first, int count,
                                  const struct fdata_parquet_read_options *o,
                                  struct ArrowArray *out, struct fdata_error *err) {
    return pq_read_row_groups(f, first, count, o, NULL, out, err);
}

/* Row groups [first, first + count), or with sel the selected rows of row group `first`. */
static int read_rows(fdata_parquet_file *f, int first, int count, const struct pq_rows *sel,
                     size_t nsel, const struct fdata_parquet_read_options *o,
                     struct fdata_pages *pages, struct ArrowArray *out, struct fdata_error *err) {
    for (int i = 0; i < count; i++)
        out[i].release = NULL;
    if (first < 0 || count < 0 || first > f->md.num_row_groups - count)
        return fdata_set_error(err, FDATA_EINVAL, "row groups [%d, %d) out of range (file has %d)",
                               first, first + count, f->md.num_row_groups);
    FDATA_RETURN_IF(bytes_kept(f, err));
    struct pq_projection p;
    FDATA_RETURN_IF(make_projection(f, o, &p, err));
    const struct pq_schema *s = f->schema;
    int threads = fdata_thread_count(o ? o->threads : 0);
    size_t nresults = (size_t)count * (size_t)s->num_leaves;
    size_t nfields = (size_t)count * (size_t)p.num_fields;
    struct read_job job = {.f = f, .p = &p, .first_rg = first, .count = count, .pages = pages,
                           .leaves = calloc((size_t)s->num_leaves + 1, sizeof *job.leaves),
                           .results = calloc(nresults + 1, sizeof *job.results),
                           .fields = calloc(nfields + 1, sizeof *job.fields),
                           .scratch = calloc((size_t)threads, sizeof *job.scratch),
                           .matrix = o ? o->matrix : NULL, .trace = o ? o->trace : NULL,
                           .runtime = o ? o->runtime : NULL,
                           .matrix_row = calloc((size_t)count + 1, sizeof *job.matrix_row),
                           .slabs = calloc((size_t)count + 1, sizeof *job.slabs),
                           .slab_dest = calloc(nresults + 1, sizeof *job.slab_dest),
                           .sel = sel, .nsel = nsel};
    for (int i = 0; job.leaves && i < s->num_leaves; i++)
        if (p.selected[i])
            job.leaves[job.num_leaves++] = i;
    size_t ntasks = (size_t)count * (size_t)job.num_leaves;
    size_t nerrors = ntasks > nfields ? ntasks : nfields;
    size_t nblocks = job.matrix ? matrix_blocks(&job, count) : 0;
    nerrors = nblocks > nerrors ? nblocks : nerrors;
    job.errors = malloc((nerrors + 1) * sizeof *job.errors); /* run_phase clears the codes */
    int status = job.leaves && job.results && job.fields && job.scratch && job.errors &&
                 job.matrix_row && job.slabs && job.slab_dest
                 ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK && !sel) /* a selection's outputs are cut after decoding */
        plan_slabs(&job, count);
    if (status == FDATA_OK && job.matrix)
        status = place_in_matrix(&job, o->matrix_row, count, err);
    if (status == FDATA_OK)
        status = plan_units(&job, count, threads, err);
    if (status == FDATA_OK && job.num_units > nerrors) {
        free(job.errors);
        job.errors = malloc(job.num_units * sizeof *job.errors);
        if (!job.errors)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    if (status == FDATA_OK)
        status = run_phase(&job, job.num_units, threads, decode_task, err);
    if (status == FDATA_OK)
        status = finish_split(&job, err);
    if (status == FDATA_OK && job.matrix)
        status = fill_matrix(&job, count, threads, err);
    if (status == FDATA_OK)
        status = run_phase(&job, nfields, threads, assemble_task, err);
    for (int rg = 0; status == FDATA_OK && rg < count; rg++) {
        status = fdata_array_make_struct(&out[rg], sel ? selected_rows(sel, nsel)
                                                       : f->md.row_groups[first + rg].num_rows,
                                         job.fields + (size_t)rg * (size_t)p.num_fields, p.num_fields);
        if (status != FDATA_OK) {
            fdata_set_error(err, status, "out of memory");
            release_all(out, (size_t)count);
        }
    }
    free_job(&job, nresults, nfields, threads);
    pq_projection_free(&p);
    return status;
}

int pq_read_row_groups(fdata_parquet_file *f, int first, int count,
                       const struct fdata_parquet_read_options *o, struct fdata_pages *pages,
                       struct ArrowArray *out, struct fdata_error *err) {
    return read_rows(f, first, count, NULL, 0, o, pages, out, err);
}

/* The selection is a sorted list of disjoint, non-empty ranges within the row group. */
static int check_selection(const fdata_parquet_file *f, int rg, const struct pq_rows *sel,
                           size_t nsel, int allow_empty,
                           const struct fdata_parquet_read_options *o, struct fdata_error *err) {
    int64_t end = 0;
    if (rg < 0 || rg >= f->md.num_row_groups)
        return fdata_set_error(err, FDATA_EINVAL, "row group %d out of range (file has %d)", rg,
                               f->md.num_row_groups);
    for (size_t i = 0; i < nsel; i++) {
        if (sel[i].first < end || sel[i].count <= 0 ||
            sel[i].count > f->md.row_groups[rg].num_rows - sel[i].first)
            return fdata_set_error(err, FDATA_EINVAL, "row selection %zu [%lld, +%lld) is not "
                                   "sorted and within row group %d's %lld rows", i,
                                   (long long)sel[i].first, (long long)sel[i].count, rg,
                                   (long long)f->md.row_groups[rg].num_rows);
        end = sel[i].first + sel[i].count;
    }
    if (nsel == 0 && !allow_empty)
        return fdata_set_error(err, FDATA_EINVAL, "an empty row selection");
    if (o && o->matrix)
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "a row selection into a matrix");
    return FDATA_OK;
}

int pq_read_row_group_rows(fdata_parquet_file *f, int rg, const struct pq_rows *sel, size_t nsel,
                           const struct fdata_parquet_read_options *o, struct ArrowArray *out,
                           struct fdata_error *err) {
    out->release = NULL;
    FDATA_RETURN_IF(check_selection(f, rg, sel, nsel, 0, o, err));
    return read_rows(f, rg, 1, sel, nsel, o, NULL, out, err);
}

/* ---- byte ranges ---- */

static int range_cmp(const void *a, const void *b) {
    const struct fdata_byte_range *x = a, *y = b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Sorts r[start..k) and merges ranges that overlap or lie within merge_gap of each other;
 * returns the new end. */
static size_t merge_ranges(struct fdata_byte_range *r, size_t start, size_t k, int64_t merge_gap) {
    size_t sorted = start + (k > start);
    while (sorted < k && r[sorted - 1].offset <= r[sorted].offset)
        sorted++;
    if (sorted < k) /* writers mostly store chunks in column order: already sorted */
        qsort(r + start, k - start, sizeof *r, range_cmp);
    size_t m = start;
    for (size_t i = start; i < k; i++) {
        if (m > start && r[i].offset <= r[m - 1].offset + r[m - 1].length + merge_gap) {
            int64_t last = r[i].offset + r[i].length;
            if (last > r[m - 1].offset + r[m - 1].length)
                r[m - 1].length = last - r[m - 1].offset;
        } else {
            r[m++] = r[i];
        }
    }
    return m;
}

/* Appends to r[*n..] the projected chunks of row groups [first, end), sorted, with ranges
 * closer than merge_gap merged (only among these row groups). */
static int chunk_ranges(const fdata_parquet_file *f, const struct pq_projection *p, int first,
                        int end, int64_t merge_gap, struct fdata_byte_range *r, size_t *n,
                        struct fdata_error *err) {
    size_t start = *n, k = *n;
    for (int rg = first; rg < end; rg++) {
        for (int leaf = 0; leaf < f->schema->num_leaves; leaf++) {
            struct pq_chunk_input in = {0};
            if (!p->selected[leaf])
                continue;
            FDATA_RETURN_IF(chunk_input(f, p, rg, leaf, &in, err));
            if (in.size > 0)
                r[k++] = (struct fdata_byte_range){in.file_offset, (int64_t)in.size};
        }
    }
    *n = merge_ranges(r, start, k, merge_gap);
    return FDATA_OK;
}

/* The projection and room for every chunk of the file's projected columns. */
static int ranges_begin(fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                        struct pq_projection *p, struct fdata_byte_range **r,
                        struct fdata_error *err) {
    FDATA_RETURN_IF(make_projection(f, o, p, err));
    *r = calloc((size_t)f->md.num_row_groups * (size_t)f->schema->num_leaves + 1, sizeof **r);
    if (*r)
        return FDATA_OK;
    pq_projection_free(p);
    return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

int fdata_parquet_read_ranges(fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                              int64_t merge_gap, struct fdata_byte_range **out, size_t *count,
                              struct fdata_error *err) {
    struct pq_projection p;
    *out = NULL;
    *count = 0;
    FDATA_RETURN_IF(ranges_begin(f, o, &p, out, err));
    int status = chunk_ranges(f, &p, 0, f->md.num_row_groups, merge_gap, *out, count, err);
    pq_projection_free(&p);
    if (status != FDATA_OK) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return status;
}

int fdata_parquet_row_group_ranges(fdata_parquet_file *f,
                                   const struct fdata_parquet_read_options *o, int64_t merge_gap,
                                   struct fdata_byte_range **out, int **row_groups, size_t *count,
                                   struct fdata_error *err) {
    struct pq_projection p;
    *out = NULL;
    *row_groups = NULL;
    *count = 0;
    FDATA_RETURN_IF(ranges_begin(f, o, &p, out, err));
    size_t cap = (size_t)f->md.num_row_groups * (size_t)f->schema->num_leaves + 1;
    int status = (*row_groups = malloc(cap * sizeof **row_groups))
                     ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int rg = 0; status == FDATA_OK && rg < f->md.num_row_groups; rg++) {
        size_t before = *count;
        status = chunk_ranges(f, &p, rg, rg + 1, merge_gap, *out, count, err);
        for (size_t k = before; k < *count; k++)
            (*row_groups)[k] = rg;
    }
    pq_projection_free(&p);
    if (status != FDATA_OK) {
        free(*out), free(*row_groups);
        *out = NULL;
        *row_groups = NULL;
        *count = 0;
    }
    return status;
}

/* Appends a leaf's chosen ranges: its dictionary and chosen pages, or the whole chunk. */
static int leaf_selected_ranges(const fdata_parquet_file *f, const struct pq_projection *p,
                                int rg, int leaf, const struct pq_rows *sel, size_t nsel,
                                struct fdata_byte_range **r, size_t *n, size_t *cap,
                                int64_t *skipped, struct fdata_error *err) {
    struct pq_chunk_input in = {0};
    struct pq_chunk_pages pages;
    int64_t dict_end;
    int all;
    FDATA_RETURN_IF(chunk_input(f, p, rg, leaf, &in, err));
    FDATA_RETURN_IF(selected_pages(f, rg, leaf, &in, sel, nsel, &pages, &dict_end, &all, err));
    *skipped += all - pages.num_pages;
    size_t need = *n + (size_t)pages.num_pages + 1;
    struct fdata_byte_range *more = need > *cap ? realloc(*r, 2 * need * sizeof *more) : *r;
    if (!more) {
        pq_chunk_pages_free(&pages);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    *r = more;
    *cap = need > *cap ? 2 * need : *cap;
    if (!all && in.size > 0) /* no index: the whole chunk */
        more[(*n)++] = (struct fdata_byte_range){in.file_offset, (int64_t)in.size};
    if (pages.num_pages && dict_end > in.file_offset)
        more[(*n)++] = (struct fdata_byte_range){in.file_offset, dict_end - in.file_offset};
    for (int i = 0; i < pages.num_pages; i++)
        more[(*n)++] = (struct fdata_byte_range){pages.pages[i].offset, pages.pages[i].size};
    pq_chunk_pages_free(&pages);
    return FDATA_OK;
}

int pq_row_group_rows_ranges(fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                             int rg, const struct pq_rows *sel, size_t nsel, int64_t merge_gap,
                             struct fdata_byte_range **ranges, size_t *count,
                             int64_t *pages_skipped, struct fdata_error *err) {
    struct pq_projection p;
    size_t cap = 0;
    int64_t skipped = 0;
    *ranges = NULL;
    *count = 0;
    FDATA_RETURN_IF(check_selection(f, rg, sel, nsel, 1, NULL, err));
    FDATA_RETURN_IF(bytes_kept(f, err)); /* the page indexes are among them */
    FDATA_RETURN_IF(make_projection(f, o, &p, err));
    int status = FDATA_OK;
    for (int leaf = 0; leaf < f->schema->num_leaves && status == FDATA_OK; leaf++)
        if (p.selected[leaf])
            status = leaf_selected_ranges(f, &p, rg, leaf, sel, nsel, ranges, count, &cap,
                                          &skipped, err);
    pq_projection_free(&p);
    if (status != FDATA_OK) {
        free(*ranges);
        *ranges = NULL;
        *count = 0;
        return status;
    }
    *count = merge_ranges(*ranges, 0, *count, merge_gap);
    if (pages_skipped)
        *pages_skipped = skipped;
    return FDATA_OK;
}

void pq_page_index_bytes(const fdata_parquet_file *f, int64_t *start, int64_t *end) {
    pq_page_index_span(&f->md, f->size, start, end);
}

int pq_column_pages(fdata_parquet_file *f, int rg, const char *column,
                    struct pq_column_pages *out, struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    int leaf = pq_column_leaf(f, column); /* outside lists and maps: a level entry a row */
    if (leaf < 0 || rg < 0 || rg >= f->md.num_row_groups)
        return FDATA_OK;
    FDATA_RETURN_IF(bytes_kept(f, err));
    struct fdata_parquet_read_options one = {.columns = &column, .num_columns = 1};
    struct pq_projection p;
    struct pq_chunk_input in = {0};
    FDATA_RETURN_IF(make_projection(f, &one, &p, err));
    int status = chunk_input(f, &p, rg, leaf, &in, err);
    pq_projection_free(&p);
    if (status != FDATA_OK || in.size == 0)
        return status;
    const struct pq_row_group *g = &f->md.row_groups[rg];
    FDATA_RETURN_IF(pq_chunk_pages_parse(f->data, f->size, &g->columns[leaf], g->num_rows,
                                         in.file_offset, in.file_offset + (int64_t)in.size,
                                         &out->pages, err));
    return FDATA_OK;
}

/* ---- stream ---- */

struct stream_private {
    fdata_parquet_file *f;
    struct fdata_parquet_read_options opts;
    char **columns;
    int next_rg;
    char last_error[FDATA_ERROR_MESSAGE_SIZE];
};

static int stream_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out) {
    struct stream_private *p = s->private_data;
    struct fdata_error err = {0};
    int status = fdata_parquet_get_schema(p->f, &p->opts, out, &err);
    if (status != FDATA_OK)
        snprintf(p->last_error, sizeof p->last_error, "%s", err.message);
    return fdata_errno_of(status);
}

static int stream_get_next(struct ArrowArrayStream *s, struct ArrowArray *out) {
    struct stream_private *p = s->private_data;
    out->release = NULL;
    if (p->next_rg >= p->f->md.num_row_groups)
        return 0; /* end of stream: release stays NULL */
    struct fdata_error err = {0};
    int status = fdata_parquet_read_row_groups(p->f, p->next_rg, 1, &p->opts, out, &err);
    if (status != FDATA_OK) {
        snprintf(p->last_error, sizeof p->last_error, "%s", err.message);
        return fdata_errno_of(status);
    }
    p->opts.matrix_row += p->f->md.row_groups[p->next_rg].num_rows;
    p->next_rg++;
    return 0;
}

static const char *stream_last_error(struct ArrowArrayStream *s) {
    struct stream_private *p = s->private_data;
    return p->last_error[0] ? p->last_error : NULL;
}

static void stream_release(struct ArrowArrayStream *s) {
    struct stream_private *p = s->private_data;
    for (size_t i = 0; i < p->opts.num_columns; i++)
        free(p->columns[i]);
    free(p->columns);
    fdata_parquet_close(p->f);
    free(p);
    s->release = NULL;
}

static int copy_columns(struct stream_private *p, const struct fdata_parquet_read_options *o) {
    if (!o || !o->columns || o->num_columns == 0)
        return FDATA_OK;
    p->columns = calloc(o->num_columns, sizeof *p->columns);
    if (!p->columns)
        return FDATA_ENOMEM;
    p->opts.num_columns = o->num_columns;
    p->opts.columns = (const char *const *)p->columns;
    for (size_t i = 0; i < o->num_columns; i++)
        if (!(p->columns[i] = strdup(o->columns[i])))
            return FDATA_ENOMEM;
    return FDATA_OK;
}

int fdata_parquet_stream(fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                         struct ArrowArrayStream *out, struct fdata_error *err) {
    out->release = NULL;
    struct pq_projection proj;
    FDATA_RETURN_IF(make_projection(f, o, &proj, err)); /* fail now, not at get_next */
    pq_projection_free(&proj);
    struct stream_private *p = calloc(1, sizeof *p);
    if (!p)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    p->opts.threads = o ? o->threads : 0;
    p->opts.matrix = o ? o->matrix : NULL;
    p->opts.matrix_row = o ? o->matrix_row : 0;
    p->opts.invalid_utf8 = o ? o->invalid_utf8 : 0;
    p->opts.int96_unit = o ? o->int96_unit : 0;
    p->opts.strings = o ? o->strings : 0;
    p->opts.trace = o ? o->trace : NULL;
    p->opts.runtime = o ? o->runtime : NULL;
    if (copy_columns(p, o) != FDATA_OK) {
        p->f = NULL;
        for (size_t i = 0; i < p->opts.num_columns; i++)
            free(p->columns[i]);
        free(p->columns);
        free(p);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    file_ref(f);
    p->f = f;
    *out = (struct ArrowArrayStream){stream_get_schema, stream_get_next, stream_last_error,
                                     stream_release, p};
    return FDATA_OK;
}
