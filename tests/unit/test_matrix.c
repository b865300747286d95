/* Feature matrices decoded straight from Parquet: for every readable corpus file with
 * top-level numeric columns, a read into a matrix (each dtype and order, at a row offset,
 * as a read, a stream and a load) holds exactly the values the plain read gives as arrays,
 * converted by a cast, nulls as NaN; the batches leave those columns out; rows outside the
 * read's stay untouched; bad requests fail clearly and leave nothing allocated. */
#include <math.h>
#include <stdlib.h>
#include "check.h"
#include "fastdata/load.h"
#include "fastdata/parquet.h"

#define OFFSET 3        /* rows before the read's in the matrix, left alone */
#define SENTINEL 0xA5

static char data_dir[1024];

/* Element i of a flat numeric array as the matrix type would hold it: a plain cast. */
static double reference(const struct ArrowArray *a, char f, int64_t i, int f64, int *null) {
    int64_t j = i + a->offset;
    const uint8_t *valid = a->null_count ? a->buffers[0] : NULL;
    *null = valid && !(valid[j >> 3] >> (j & 7) & 1);
    const void *v = a->buffers[1];
#define CAST(T) (f64 ? (double)((const T *)v)[j] : (double)(float)((const T *)v)[j])
    switch (f) {
    case 'c': return CAST(int8_t);
    case 'C': return CAST(uint8_t);
    case 's': return CAST(int16_t);
    case 'S': return CAST(uint16_t);
    case 'i': return CAST(int32_t);
    case 'I': return CAST(uint32_t);
    case 'l': return CAST(int64_t);
    case 'L': return CAST(uint64_t);
    case 'f': return CAST(float);
    case 'g': return CAST(double);
    default: return ((const uint8_t *)v)[j >> 3] >> (j & 7) & 1;
    }
#undef CAST
}

static double element(const struct fdata_matrix *m, int64_t r, size_t c) {
    size_t k = m->order == FDATA_MATRIX_COLUMN_MAJOR ? c * (size_t)m->rows + (size_t)r
                                                     : (size_t)r * m->num_columns + c;
    return m->dtype == FDATA_MATRIX_FLOAT64 ? ((const double *)m->data)[k]
                                            : ((const float *)m->data)[k];
}

static int same(double got, double want, int null) {
    if (null || isnan(want))
        return isnan(got);
    return memcmp(&got, &want, sizeof got) == 0; /* -0.0 stays -0.0 */
}

/* Rows [row, row + batches' rows) of the matrix against the plain read's arrays. */
static int matches(const struct fdata_matrix *m, int64_t row, const struct ArrowArray *plain,
                   int n, const int *col_of, const char *const *formats) {
    int ok = 1;
    for (int b = 0; b < n; b++) {
        for (size_t c = 0; c < m->num_columns; c++) {
            const struct ArrowArray *a = plain[b].children[col_of[c]];
            for (int64_t i = 0; i < a->length && ok; i++) {
                int null;
                double want = reference(a, formats[c][0], i, m->dtype == FDATA_MATRIX_FLOAT64, &null);
                ok = same(element(m, row + i, c), want, null);
                if (!ok)
                    fprintf(stderr, "  row %lld column %zu: %g, want %g%s\n", (long long)(row + i),
                            c, element(m, row + i, c), want, null ? " (null)" : "");
            }
        }
        row += plain[b].length;
    }
    return ok;
}

/* The rows before OFFSET still hold the sentinel. */
static int untouched(const struct fdata_matrix *m) {
    size_t elem = fdata_matrix_element_size(m);
    for (size_t c = 0; c < m->num_columns; c++)
        for (int64_t r = 0; r < OFFSET; r++) {
            size_t k = m->order == FDATA_MATRIX_COLUMN_MAJOR ? c * (size_t)m->rows + (size_t)r
                                                             : (size_t)r * m->num_columns + c;
            for (size_t b = 0; b < elem; b++)
                if (((const uint8_t *)m->data)[k * elem + b] != SENTINEL)
                    return 0;
        }
    return 1;
}

struct numeric {
    const char *names[512];
    const char *formats[512];
    int col_of[512];
    size_t count;
    int64_t all;                 /* top-level columns */
};

static int name_repeated(const struct ArrowSchema *s, int64_t c) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (i != c && strcmp(s->children[i]->name, s->children[c]->name) == 0)
            return 1;
    return 0;
}

static void find_numeric(const struct ArrowSchema *s, struct numeric *num) {
    num->count = 0;
    num->all = s->n_children;
    for (int64_t c = 0; c < s->n_children && num->count < 512; c++) {
        if (!fdata_matrix_accepts(s->children[c]->format) || name_repeated(s, c))
            continue; /* a name two columns share cannot name a matrix column */
        num->names[num->count] = s->children[c]->name;
        num->formats[num->count] = s->children[c]->format;
        num->col_of[num->count++] = (int)c;
    }
}

static void read_into_matrix(fdata_parquet_file *f, const char *name, const struct numeric *num,
                             const struct ArrowArray *plain, int n, int dtype, int order,
                             int threads) {
    struct fdata_matrix m = {num->names, num->count, dtype, order, NULL, 0};
    struct fdata_error err = {0};
    CHECK(fdata_matrix_alloc(&m, OFFSET + fdata_parquet_num_rows(f), &err) == FDATA_OK);
    memset(m.data, SENTINEL, (size_t)m.rows * m.num_columns * fdata_matrix_element_size(&m));
    struct fdata_parquet_read_options ro = {.threads = threads, .matrix = &m, .matrix_row = OFFSET};
    struct ArrowArray *out = calloc((size_t)n + 1, sizeof *out);
    int status = fdata_parquet_read_row_groups(f, 0, n, &ro, out, &err);
    CHECK(status == FDATA_OK);
    if (status != FDATA_OK)
        fprintf(stderr, "%s: %s\n", name, err.message);
    for (int b = 0; status == FDATA_OK && b < n; b++) {
        CHECK(out[b].n_children == num->all - (int64_t)num->count); /* the matrix has them */
        CHECK(out[b].length == plain[b].length);
        out[b].release(&out[b]);
    }
    int ok = status == FDATA_OK && matches(&m, OFFSET, plain, n, num->col_of, num->formats);
    CHECK(ok && untouched(&m));
    if (!ok)
        fprintf(stderr, "%s: dtype %d order %d threads %d differs\n", name, dtype, order, threads);
    free(out);
    fdata_matrix_free(&m);
}

/* The same through a stream: each batch's rows land after the previous one's. */
static void stream_into_matrix(fdata_parquet_file *f, const struct numeric *num,
                               const struct ArrowArray *plain, int n) {
    struct fdata_matrix m = {num->names, num->count, FDATA_MATRIX_FLOAT64,
                             FDATA_MATRIX_ROW_MAJOR, NULL, 0};
    struct fdata_error err = {0};
    CHECK(fdata_matrix_alloc(&m, OFFSET + fdata_parquet_num_rows(f), &err) == FDATA_OK);
    memset(m.data, SENTINEL, (size_t)m.rows * m.num_columns * 8);
    struct fdata_parquet_read_options ro = {.matrix = &m, .matrix_row = OFFSET};
    struct ArrowArrayStream st;
    CHECK(fdata_parquet_stream(f, &ro, &st, &err) == FDATA_OK);
    struct ArrowArray b;
    int batches = 0;
    while (st.get_next(&st, &b) == 0 && b.release) {
        batches++;
        b.release(&b);
    }
    st.release(&st);
    CHECK(batches == n);
    CHECK(matches(&m, OFFSET, plain, n, num->col_of, num->formats) && untouched(&m));
    fdata_matrix_free(&m);
}

/* fdata_load of the file twice: the matrix holds both copies, one after the other. */
static void load_into_matrix(const char *path, const struct numeric *num,
                             const struct ArrowArray *plain, int n, int64_t rows) {
    const char *sources[] = {path, path};
    struct fdata_matrix m = {num->names, num->count, FDATA_MATRIX_FLOAT32,
                             FDATA_MATRIX_COLUMN_MAJOR, NULL, 0};
    struct fdata_load_options lo = {.matrix = &m};
    struct ArrowArrayStream st;
    struct fdata_load_report rep;
    struct fdata_error err = {0};
    int status = fdata_load(sources, 2, &lo, &st, &rep, &err);
    CHECK(status == FDATA_OK);
    if (status != FDATA_OK) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return;
    }
    CHECK(m.rows == 2 * rows && rep.rows == 2 * rows);
    CHECK(matches(&m, 0, plain, n, num->col_of, num->formats));
    CHECK(matches(&m, rows, plain, n, num->col_of, num->formats));
    struct ArrowSchema schema;
    CHECK(st.get_schema(&st, &schema) == 0);
    CHECK(schema.n_children == num->all - (int64_t)num->count);
    schema.release(&schema);
    st.release(&st);
    fdata_matrix_free(&m);
}

static void check_file(const char *rel) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", data_dir, rel);
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    if (fdata_parquet_open_path(path, &f, &err) != FDATA_OK)
        return;
    struct ArrowSchema schema;
    struct numeric num;
    int n = fdata_parquet_num_row_groups(f);
    struct ArrowArray *plain = calloc((size_t)n + 1, sizeof *plain);
    if (fdata_parquet_get_schema(f, NULL, &schema, &err) != FDATA_OK ||
        fdata_parquet_read_row_groups(f, 0, n, NULL, plain, &err) != FDATA_OK) {
        free(plain);
        fdata_parquet_close(f);
        return; /* unreadable files are the conformance tests' business */
    }
    find_numeric(&schema, &num);
    for (int dtype = 0; num.count && dtype < 2; dtype++)
        for (int order = 0; order < 2; order++)
            for (int threads = 1; threads <= 3; threads += 2)
                read_into_matrix(f, rel, &num, plain, n, dtype, order, threads);
    if (num.count) {
        stream_into_matrix(f, &num, plain, n);
        load_into_matrix(path, &num, plain, n, fdata_parquet_num_rows(f));
    }
    for (int b = 0; b < n; b++)
        plain[b].release(&plain[b]);
    free(plain);
    schema.release(&schema);
    fdata_parquet_close(f);
}

/* fdata_matrix_put_rows (float32 columns four by four in row-major float32 matrices) puts
 * exactly what fdata_matrix_put does column by column, whatever the offsets, counts, nulls
 * and types in between. */
static void check_put_rows(void) {
    enum { ROWS = 37, COLS = 11 };
    static float f[COLS][ROWS + 8];
    static int32_t i32[ROWS + 8];
    static uint8_t valid[(ROWS + 8) / 8 + 1];
    struct ArrowArray arrays[COLS];
    const struct ArrowArray *ptrs[COLS];
    const char *formats[COLS];
    for (int c = 0; c < COLS; c++) {
        for (int r = 0; r < ROWS + 8; r++)
            f[c][r] = (float)(c * 1000 + r) + 0.25f;
        const void *bufs[2] = {c == 8 ? valid : NULL, c == 9 ? (const void *)i32 : f[c]};
        arrays[c] = (struct ArrowArray){.length = ROWS, .null_count = c == 8 ? 1 : 0,
                                        .offset = c % 3, .n_buffers = 2, .buffers = NULL};
        arrays[c].buffers = malloc(sizeof bufs);
        memcpy(arrays[c].buffers, bufs, sizeof bufs);
        ptrs[c] = c == 2 ? NULL : &arrays[c]; /* column 2: left alone (written in place) */
        formats[c] = c == 9 ? "i" : "f";
    }
    for (int r = 0; r < ROWS + 8; r++)
        i32[r] = r * 7 - 40;
    memset(valid, 0xff, sizeof valid);
    valid[1] &= (uint8_t)~(1 << 3); /* column 8, index 11: null; columns 3-6 go as a block */
    const char *names[COLS];
    for (int c = 0; c < COLS; c++)
        names[c] = "x";
    for (int dtype = 0; dtype < 2; dtype++) {
        for (int order = 0; order < 2; order++) {
            struct fdata_matrix a = {names, COLS, dtype, order, NULL, 0}, b = a;
            CHECK(fdata_matrix_alloc(&a, ROWS + 2, NULL) == FDATA_OK);
            CHECK(fdata_matrix_alloc(&b, ROWS + 2, NULL) == FDATA_OK);
            size_t bytes = (size_t)(ROWS + 2) * COLS * fdata_matrix_element_size(&a);
            memset(a.data, SENTINEL, bytes);
            memset(b.data, SENTINEL, bytes);
            for (int64_t first = 0; first < ROWS - 3; first += 13) { /* blocks of 13 rows */
                int64_t count = ROWS - 3 - first < 13 ? ROWS - 3 - first : 13;
                CHECK(fdata_matrix_put_rows(&a, 2 + first, formats, ptrs, 3 + first, count) == FDATA_OK);
                for (int c = 0; c < COLS; c++)
                    if (ptrs[c])
                        fdata_matrix_put(&b, (size_t)c, 2 + first, formats[c], ptrs[c], 3 + first, count);
            }
            CHECK(memcmp(a.data, b.data, bytes) == 0);
            fdata_matrix_free(&a);
            fdata_matrix_free(&b);
        }
    }
    for (int c = 0; c < COLS; c++)
        free(arrays[c].buffers);
}

static void check_errors(void) {
    char path[2048];
    snprintf(path, sizeof path, "%s/data/alltypes_plain.parquet", data_dir);
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(path, &f, &err) == FDATA_OK);
    const char *text[] = {"string_col"}, *missing[] = {"nope"}, *twice[] = {"id", "id"};
    const char *ok[] = {"id", "double_col"};
    struct fdata_matrix m = {text, 1, FDATA_MATRIX_FLOAT32, FDATA_MATRIX_COLUMN_MAJOR, NULL, 0};
    struct fdata_parquet_read_options ro = {.matrix = &m};
    struct ArrowArray out[1];
    CHECK(fdata_matrix_alloc(&m, 8, &err) == FDATA_OK);
    CHECK(fdata_parquet_read_row_groups(f, 0, 1, &ro, out, &err) == FDATA_EINVAL);
    CHECK(strstr(err.message, "string_col") && strstr(err.message, "cannot go into a matrix"));
    m.columns = missing;
    CHECK(fdata_parquet_read_row_groups(f, 0, 1, &ro, out, &err) == FDATA_ENOCOLUMN);
    CHECK(strstr(err.message, "'nope'") != NULL);
    m.columns = twice;
    m.num_columns = 2;
    CHECK(fdata_parquet_read_row_groups(f, 0, 1, &ro, out, &err) == FDATA_EINVAL);
    m.columns = ok;
    ro.matrix_row = 1; /* 8 rows from row 1 do not fit in 8 */
    CHECK(fdata_parquet_read_row_groups(f, 0, 1, &ro, out, &err) == FDATA_EINVAL);
    CHECK(strstr(err.message, "outside the matrix") != NULL);
    CHECK(out[0].release == NULL);
    fdata_matrix_free(&m);
    CHECK(m.data == NULL);
    fdata_parquet_close(f);

    const char *sources[] = {path, "/nonexistent/x.parquet"};
    struct fdata_load_options lo = {.matrix = &m};
    struct ArrowArrayStream st;
    CHECK(fdata_load(sources, 2, &lo, &st, NULL, &err) == FDATA_ENOTFOUND);
    CHECK(m.data == NULL && st.release == NULL); /* nothing left to free */
    m.columns = text;
    m.num_columns = 1;
    CHECK(fdata_load(sources, 1, &lo, &st, NULL, &err) == FDATA_EINVAL);
    CHECK(m.data == NULL && st.release == NULL);
    m.dtype = 7;
    CHECK(fdata_matrix_alloc(&m, 1, &err) == FDATA_EINVAL && m.data == NULL);
}

int main(int argc, char **argv) {
    snprintf(data_dir, sizeof data_dir, "%s", argc > 1 ? argv[1] : "tests/data/parquet");
    char manifest[2048], line[4096];
    snprintf(manifest, sizeof manifest, "%s/MANIFEST.tsv", data_dir);
    FILE *mf = fopen(manifest, "r");
    CHECK(mf != NULL);
    int files = 0;
    while (mf && fgets(line, sizeof line, mf)) {
        char *tab = strchr(line, '\t');
        if (!tab || strncmp(line, "name\t", 5) == 0 || !strstr(line, "\tok\t"))
            continue;
        *tab = '\0';
        check_file(line);
        files++;
    }
    if (mf)
        fclose(mf);
    CHECK(files > 50);
    check_put_rows();
    check_errors();
    return check_result("test_matrix");
}
