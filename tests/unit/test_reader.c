/* The public reader API: ownership of buffers and arrays, projection, schema export,
 * streams, threads, alignment, and error codes.  argv[1] is tests/data/parquet. */
#include <errno.h>
#include <stdlib.h>
#include "check.h"
#include "fastdata/arrow.h"
#include "fastdata/parquet.h"
#include "test_util.h"

static char path_buf[4096];
static const char *data_dir;

static const char *corpus(const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", data_dir, name);
    return path_buf;
}

static int released;
static void count_release(void *ctx) {
    released++;
    free(ctx);
}

static void test_buffer_ownership(void) {
    size_t n = 0;
    void *buf = slurp(corpus("generated/duckdb_prim_v1_snappy.parquet"), &n);
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_buffer(buf, n, "mem", count_release, buf, &f, &err) == FDATA_OK);
    struct ArrowArrayStream s;
    CHECK(fdata_parquet_stream(f, NULL, &s, &err) == FDATA_OK);
    fdata_parquet_close(f);
    CHECK(released == 0); /* the stream still holds the file */
    struct ArrowArray batch;
    CHECK(s.get_next(&s, &batch) == 0 && batch.release && batch.length == 1000);
    batch.release(&batch);
    CHECK(s.get_next(&s, &batch) == 0 && batch.release == NULL); /* end */
    s.release(&s);
    CHECK(released == 1 && s.release == NULL);
    /* a failed open leaves the buffer with the caller: release is not called */
    char junk[64] = "PAR1 not really";
    memcpy(junk + 60, "PAR1", 4);
    CHECK(fdata_parquet_open_buffer(junk, sizeof junk, "junk", count_release, NULL, &f, &err) ==
          FDATA_ECORRUPT);
    CHECK(f == NULL && released == 1 && strstr(err.message, "junk") == err.message);
}

static void test_schema_export(void) {
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(corpus("generated/duckdb_prim_v1_snappy.parquet"), &f, &err) == 0);
    const char *cols[] = {"c_uuid", "c_json", "c_dec38_10", "c_tstz", "c_uint8"};
    struct fdata_parquet_read_options o = {.columns = cols, .num_columns = 5};
    struct ArrowSchema s;
    CHECK(fdata_parquet_get_schema(f, &o, &s, &err) == FDATA_OK);
    CHECK_STR(s.format, "+s");
    CHECK(s.n_children == 5);
    CHECK_STR(s.children[0]->name, "c_uuid");
    CHECK_STR(s.children[0]->format, "w:16");
    CHECK(s.children[0]->metadata && memmem(s.children[0]->metadata, 60, "arrow.uuid", 10));
    CHECK(memmem(s.children[1]->metadata, 60, "arrow.json", 10) != NULL);
    CHECK_STR(s.children[2]->format, "d:38,10");
    CHECK_STR(s.children[3]->format, "tsu:UTC");
    CHECK_STR(s.children[4]->format, "C");
    CHECK(s.children[4]->flags & ARROW_FLAG_NULLABLE);
    s.release(&s);
    CHECK(s.release == NULL);
    fdata_parquet_close(f);
}

static void test_projection_errors(void) {
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(corpus("generated/duckdb_nested_v1_snappy.parquet"), &f, &err) == 0);
    struct ArrowSchema s;
    const char *missing[] = {"no_such"};
    struct fdata_parquet_read_options o = {.columns = missing, .num_columns = 1};
    CHECK(fdata_parquet_get_schema(f, &o, &s, &err) == FDATA_ENOCOLUMN && s.release == NULL);
    CHECK(strstr(err.message, "no_such") != NULL);
    const char *missing_field[] = {"s_mixed.nope"};
    o.columns = missing_field;
    CHECK(fdata_parquet_get_schema(f, &o, &s, &err) == FDATA_ENOCOLUMN);
    const char *twice[] = {"id", "id"};
    o.columns = twice;
    o.num_columns = 2;
    CHECK(fdata_parquet_get_schema(f, &o, &s, &err) == FDATA_EINVAL);
    struct ArrowArray a;
    o.num_columns = 1;
    CHECK(fdata_parquet_read_row_groups(f, 1, 1, &o, &a, &err) == FDATA_EINVAL && a.release == NULL);
    fdata_parquet_close(f);
}

/* Projection into nested fields: a struct keeps just the named fields, a list keeps its
 * structure, Parquet column paths work too. */
static void test_nested_projection(void) {
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(corpus("generated/duckdb_nested_v1_snappy.parquet"), &f, &err) == 0);
    const char *cols[] = {"s_mixed.c.y", "l_struct.v", "s_mixed.a", "m_int_list.key_value.key"};
    struct fdata_parquet_read_options o = {.columns = cols, .num_columns = 4};
    struct ArrowSchema s;
    CHECK(fdata_parquet_get_schema(f, &o, &s, &err) == FDATA_OK);
    CHECK(s.n_children == 3);
    const struct ArrowSchema *sm = s.children[0];
    CHECK_STR(sm->name, "s_mixed");
    CHECK(sm->n_children == 2); /* a, c (schema order), no b */
    CHECK_STR(sm->children[0]->name, "a");
    CHECK_STR(sm->children[1]->name, "c");
    CHECK(sm->children[1]->n_children == 1 && strcmp(sm->children[1]->children[0]->format, "+l") == 0);
    const struct ArrowSchema *ls = s.children[1];
    CHECK_STR(ls->format, "+l");
    CHECK(ls->children[0]->n_children == 1 && strcmp(ls->children[0]->children[0]->name, "v") == 0);
    CHECK_STR(s.children[2]->format, "+m"); /* a map keeps its entries: key and a null value */
    struct ArrowArray batch;
    CHECK(fdata_parquet_read_row_groups(f, 0, 1, &o, &batch, &err) == FDATA_OK);
    CHECK(batch.n_children == 3 && batch.length == 600);
    CHECK(batch.children[0]->n_children == 2 && batch.children[0]->length == 600);
    batch.release(&batch);
    s.release(&s);
    fdata_parquet_close(f);
}

/* Reads the whole file as one batch per row group with `threads` threads. */
static int read_all(fdata_parquet_file *f, int threads, struct ArrowArray *out) {
    struct fdata_parquet_read_options o = {.threads = threads};
    struct fdata_error err = {0};
    int rc = fdata_parquet_read_row_groups(f, 0, fdata_parquet_num_row_groups(f), &o, out, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.message);
    return rc;
}

static void test_threads_and_alignment(void) {
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(corpus("generated/duckdb_rowgroups_v2_gzip.parquet"), &f, &err) == 0);
    int nrg = fdata_parquet_num_row_groups(f);
    CHECK(nrg == 10);
    struct ArrowArray one[10], many[10];
    CHECK(read_all(f, 1, one) == 0 && read_all(f, 7, many) == 0);
    struct ArrowSchema s;
    CHECK(fdata_parquet_get_schema(f, NULL, &s, &err) == 0);
    for (int rg = 0; rg < nrg; rg++) {
        CHECK(one[rg].length == fdata_parquet_row_group_num_rows(f, rg));
        for (int64_t c = 0; c < one[rg].n_children; c++) {
            const struct ArrowArray *x = one[rg].children[c], *y = many[rg].children[c];
            CHECK(x->length == y->length && x->null_count == y->null_count);
            for (int64_t b = 0; b < x->n_buffers; b++)
                CHECK(x->buffers[b] == NULL || ((uintptr_t)x->buffers[b] & 63) == 0);
            int fixed = strcmp(s.children[c]->format, "u") != 0 && strcmp(s.children[c]->format, "b") != 0;
            size_t w = strcmp(s.children[c]->format, "l") == 0 ? 8 : strcmp(s.children[c]->format, "c") == 0 ? 1 : 4;
            if (fixed)
                CHECK(memcmp(x->buffers[1], y->buffers[1], (size_t)x->length * w) == 0);
        }
        one[rg].release(&one[rg]);
        many[rg].release(&many[rg]);
    }
    s.release(&s);
    fdata_parquet_close(f);
}

static void test_column_info(void) {
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(corpus("data/alltypes_plain.parquet"), &f, &err) == 0);
    CHECK(fdata_parquet_num_rows(f) == 8 && fdata_parquet_num_columns(f) == 11);
    struct fdata_parquet_column_info ci;
    CHECK(fdata_parquet_column_info(f, 10, &ci, &err) == 0);
    CHECK_STR(ci.path, "timestamp_col");
    CHECK_STR(ci.physical_type, "INT96");
    CHECK_STR(ci.arrow_type, "timestamp[us]"); /* INT96: microseconds by default */
    CHECK(ci.encodings & (1u << 2)); /* PLAIN_DICTIONARY */
    CHECK(fdata_parquet_column_info(f, 11, &ci, &err) == FDATA_EINVAL);
    fdata_parquet_close(f);
    CHECK(fdata_parquet_open_path(corpus("no/such/file.parquet"), &f, &err) == FDATA_ENOTFOUND);
    CHECK(strstr(err.message, "no/such/file.parquet") != NULL);
}

static void test_stream_errors(void) {
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(corpus("data/int96_from_spark.parquet"), &f, &err) == 0);
    struct ArrowArrayStream s;
    CHECK(fdata_parquet_stream(f, NULL, &s, &err) == FDATA_OK);
    fdata_parquet_close(f);
    struct ArrowArray batch;
    CHECK(s.get_last_error(&s) == NULL);
    CHECK(s.get_next(&s, &batch) == ERANGE && batch.release == NULL);
    const char *msg = s.get_last_error(&s);
    CHECK(msg && strstr(msg, "int96_from_spark.parquet: row group 0, column 'a'") &&
          strstr(msg, "outside the range of timestamp[us]"));
    s.release(&s);
}

/* JSONL text of every row group of `f` with the columns of `o`. */
static char *dump(fdata_parquet_file *f, const struct fdata_parquet_read_options *o) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    write_rows_jsonl(f, o, out);
    fclose(out);
    return text;
}

/* A buffer holding only the footer, the magic and the ranges fdata_parquet_read_ranges names
 * reads exactly like the whole file. */
static void test_sparse_read(void) {
    size_t n;
    uint8_t *whole = slurp(corpus("generated/duckdb_rowgroups_v2_gzip.parquet"), &n);
    fdata_parquet_file *full, *sparse;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_buffer(whole, n, "full", NULL, NULL, &full, &err) == FDATA_OK);
    uint32_t footer;
    memcpy(&footer, whole + n - 8, 4);
    uint8_t *buf = calloc(n, 1);
    memcpy(buf, whole, 4);
    memcpy(buf + n - 8 - footer, whole + n - 8 - footer, footer + 8);
    CHECK(fdata_parquet_open_buffer(buf, n, "sparse", free, buf, &sparse, &err) == FDATA_OK);
    const char *cols[] = {"run_int"};
    struct fdata_parquet_read_options o = {.columns = cols, .num_columns = 1};
    struct fdata_byte_range *r;
    size_t count;
    CHECK(fdata_parquet_read_ranges(sparse, &o, 0, &r, &count, &err) == FDATA_OK);
    CHECK(count == 10); /* one chunk per row group, not adjacent */
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        CHECK(r[i].offset >= 4 && r[i].offset + r[i].length <= (int64_t)n);
        CHECK(i == 0 || r[i].offset > r[i - 1].offset + r[i - 1].length);
        memcpy(buf + r[i].offset, whole + r[i].offset, (size_t)r[i].length);
        total += (size_t)r[i].length;
    }
    CHECK(total < n / 3);
    free(r);
    CHECK(fdata_parquet_read_ranges(sparse, &o, (int64_t)n, &r, &count, &err) == FDATA_OK && count == 1);
    free(r);
    char *a = dump(full, &o), *b = dump(sparse, &o);
    CHECK(a && b && strlen(a) > 1000 && strcmp(a, b) == 0);
    free(a);
    free(b);
    fdata_parquet_close(sparse);
    fdata_parquet_close(full);
    free(whole);
}

/* Row i of large/large_row_groups.parquet (pyarrow; see make_large.py): i64 = i, i32 =
 * i % 7 (null when i % 5 == 0), f32 = i % 1000.  Returns the rows that differ. */
static int64_t large_mismatches(const struct ArrowArray *i64, const struct ArrowArray *i32,
                                const struct ArrowArray *f32, int64_t first) {
    int64_t bad = 0;
    const uint8_t *valid = i32->buffers[0];
    for (int64_t r = 0; r < i64->length; r++) {
        int64_t i = first + r;
        int is_valid = valid && (valid[r >> 3] >> (r & 7) & 1);
        bad += ((const int64_t *)i64->buffers[1])[r] != i ||
               ((const float *)f32->buffers[1])[r] != (float)(i % 1000) ||
               is_valid != (i % 5 != 0) ||
               (is_valid && ((const int32_t *)i32->buffers[1])[r] != i % 7);
    }
    return bad;
}

/* A row group's fixed-width values share one allocation (mapped, for ~4.8 MB of them); each
 * column moved out of its batch keeps its values alive after the batch and its siblings are
 * released (ASan sees any early free). */
static void test_row_group_values_shared(void) {
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    CHECK(fdata_parquet_open_path(corpus("large/large_row_groups.parquet"), &f, &err) == 0);
    struct ArrowArray b[2];
    CHECK(fdata_parquet_num_row_groups(f) == 2 && read_all(f, 2, b) == 0);
    for (int rg = 0; rg < 2; rg++) {
        struct ArrowArray **c = b[rg].children;
        CHECK(b[rg].length == 300000 && b[rg].n_children == 4 && c[1]->null_count == 60000);
        CHECK(large_mismatches(c[0], c[1], c[2], rg * 300000) == 0);
        const uint8_t *lo = c[0]->buffers[1], *hi = c[2]->buffers[1];
        CHECK(hi > lo && hi - lo < (ptrdiff_t)(8 << 20)); /* i64 then i32 then f32, one slab */
    }
    struct ArrowArray i64 = *b[1].children[0], f32 = *b[1].children[2];
    b[1].children[0]->release = b[1].children[2]->release = NULL; /* moved out */
    b[0].release(&b[0]);
    i64.release(&i64);
    struct ArrowArray again[2];
    CHECK(read_all(f, 1, again) == 0); /* the same values after the first batch went */
    CHECK(large_mismatches(again[1].children[0], b[1].children[1], &f32, 300000) == 0);
    b[1].release(&b[1]);
    CHECK(large_mismatches(again[1].children[0], again[1].children[1], &f32, 300000) == 0);
    f32.release(&f32);
    again[0].release(&again[0]);
    again[1].release(&again[1]);
    fdata_parquet_close(f);
    /* the released slabs' pages wait for the next ones, until given back */
    CHECK(fdata_release_cached_memory() >= ((size_t)4 << 20) && fdata_release_cached_memory() == 0);
}

static int views_done;
static void count_view(void *ctx) {
    (void)ctx;
    views_done++;
}

/* --strings view and dictionary: the plain layout's rows; the view arrays carry their data
 * buffers' sizes last; a batch with dictionaries is shared (fdata_arrow_array_view) and its
 * schema copied with them; every release order frees everything (ASan). */
static void test_string_layouts(void) {
    const char *files[] = {"../strings/pyarrow_dictionary_fallback.parquet",
                           "generated/duckdb_rowgroups_v1_lz4_raw.parquet",
                           "generated/hyparquet_flat_v2_snappy.parquet"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        fdata_parquet_file *f;
        struct fdata_error err = {0};
        CHECK(fdata_parquet_open_path(corpus(files[i]), &f, &err) == FDATA_OK);
        struct fdata_parquet_read_options o = {.threads = 2};
        char *plain = dump(f, &o);
        for (int layout = FDATA_STRINGS_VIEW; layout <= FDATA_STRINGS_DICTIONARY; layout++) {
            o.strings = layout;
            char *text = dump(f, &o);
            CHECK(plain && text && strcmp(plain, text) == 0);
            free(text);
            struct ArrowSchema schema, copy;
            struct ArrowArray batch, view;
            CHECK(fdata_parquet_get_schema(f, &o, &schema, &err) == FDATA_OK);
            CHECK(fdata_parquet_read_row_groups(f, 0, 1, &o, &batch, &err) == FDATA_OK);
            int64_t strings = 0;
            for (int64_t c = 0; c < schema.n_children; c++) {
                const struct ArrowSchema *cs = schema.children[c];
                const struct ArrowArray *ca = batch.children[c];
                if (strcmp(cs->format, "vu") == 0) {
                    const int64_t *sizes = ca->buffers[3];
                    CHECK(ca->n_buffers == 4 && sizes[0] >= 0);
                    strings++;
                } else if (cs->dictionary) {
                    CHECK(strcmp(cs->format, "i") == 0 && ca->dictionary &&
                          strcmp(cs->dictionary->format, "u") == 0);
                    strings++;
                }
            }
            CHECK(strings > 0);
            CHECK(fdata_arrow_schema_copy(&schema, &copy) == FDATA_OK);
            for (int64_t c = 0; c < schema.n_children; c++)
                CHECK(!schema.children[c]->dictionary == !copy.children[c]->dictionary);
            views_done = 0;
            CHECK(fdata_arrow_array_view(&batch, count_view, NULL, &view) == FDATA_OK);
            for (int64_t c = 0; c < schema.n_children; c++)
                CHECK(!view.children[c]->dictionary == !batch.children[c]->dictionary &&
                      view.children[c]->buffers == batch.children[c]->buffers);
            view.release(&view);
            CHECK(views_done == 1);
            batch.release(&batch);
            copy.release(&copy);
            schema.release(&schema);
        }
        free(plain);
        fdata_parquet_close(f);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_reader DATA_DIR\n");
        return 2;
    }
    data_dir = argv[1];
    test_buffer_ownership();
    test_schema_export();
    test_projection_errors();
    test_nested_projection();
    test_threads_and_alignment();
    test_column_info();
    test_stream_errors();
    test_sparse_read();
    test_row_group_values_shared();
    test_string_layouts();
    return check_result("test_reader");
}
