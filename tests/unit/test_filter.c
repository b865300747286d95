/* Filters (fastdata/load.h, src/pipeline/filter*.c): the parser's tree (precedence, NOT IN,
 * NOT BETWEEN, quoting, literals), errors that name the character, filters built from code,
 * their truth over partition values (SQL's nulls, dates against timestamps, ints against
 * floats, strings by bytes), and over the rows of a batch (filters of more leaves than fit
 * on the stack too).  argv[1] is tests/data/parquet. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "common/common.h"
#include "fastdata/arrow.h"
#include "fastdata/parquet.h"
#include "pipeline/filter.h"
#include "pipeline/partitions.h"

static fdata_filter *parse(const char *text) {
    fdata_filter *f = NULL;
    struct fdata_error err = {0};
    if (fdata_filter_parse(text, &f, &err) != FDATA_OK)
        fprintf(stderr, "unexpected: %s\n", err.message);
    return f;
}

static const char *parse_error(const char *text) {
    static struct fdata_error err;
    fdata_filter *f = NULL;
    memset(&err, 0, sizeof err);
    CHECK(fdata_filter_parse(text, &f, &err) == FDATA_EINVAL && f == NULL);
    return err.message;
}

static void test_parse(void) {
    fdata_filter *f = parse("a = 1 OR b < 2.5 AND NOT c IS NULL");
    CHECK(f && f->kind == F_OR && f->a->kind == F_CMP && f->b->kind == F_AND);
    CHECK(f && f->a->values[0].type == FDATA_VALUE_INT && f->a->values[0].i == 1);
    CHECK(f && f->b->a->op == FDATA_FILTER_LT && f->b->a->values[0].type == FDATA_VALUE_DECIMAL &&
          strcmp(f->b->a->values[0].s, "2.5") == 0 && f->b->a->values[0].f == 2.5);
    CHECK(f && f->b->b->kind == F_NOT && f->b->b->a->kind == F_NULL && !f->b->b->a->negate);
    fdata_filter_free(f);
    f = parse("(a = 1 or b = 2) and \"odd name\" not in ('x''y', 'z')");
    CHECK(f && f->kind == F_AND && f->a->kind == F_OR && f->b->kind == F_IN && f->b->negate);
    CHECK(f && strcmp(f->b->column, "odd name") == 0 && f->b->n_values == 2 &&
          strcmp(f->b->values[0].s, "x'y") == 0);
    fdata_filter_free(f);
    f = parse("d NOT BETWEEN DATE '2024-01-02' AND TIMESTAMP '2024-01-03 00:00:01.5'");
    CHECK(f && f->kind == F_NOT && f->a->kind == F_AND && f->a->a->op == FDATA_FILTER_GE);
    CHECK(f && f->a->a->values[0].type == FDATA_VALUE_DATE && f->a->a->values[0].i == 19724);
    CHECK(f && f->a->b->values[0].i == (INT64_C(19725) * 86400 + 1) * 1000000 + 500000);
    fdata_filter_free(f);
    f = parse("x <> -3 and y >= -1e3 and z is not null");
    CHECK(f && f->a->a->op == FDATA_FILTER_NE && f->a->a->values[0].i == -3 &&
          f->a->b->values[0].f == -1000.0 && f->b->negate);
    fdata_filter_free(f);
    /* booleans, a column alone, struct paths, numbers beyond int64 kept as their text */
    f = parse("flag AND NOT s.b.c = FALSE OR \"s.x\" = true AND n > 123456789012345678901.5");
    CHECK(f && f->kind == F_OR && f->a->a->kind == F_CMP && strcmp(f->a->a->column, "flag") == 0 &&
          f->a->a->values[0].type == FDATA_VALUE_BOOL && f->a->a->values[0].i == 1);
    CHECK(f && f->a->b->kind == F_NOT && strcmp(f->a->b->a->column, "s.b.c") == 0 &&
          f->a->b->a->values[0].type == FDATA_VALUE_BOOL && f->a->b->a->values[0].i == 0);
    CHECK(f && strcmp(f->b->a->column, "s.x") == 0 && f->b->a->values[0].i == 1 &&
          f->b->b->values[0].type == FDATA_VALUE_DECIMAL &&
          strcmp(f->b->b->values[0].s, "123456789012345678901.5") == 0);
    fdata_filter_free(f);
    struct fdata_value dec = {FDATA_VALUE_DECIMAL, 0, 0, "-1.005e1"}, bad = dec;
    bad.s = "1.2.3";
    f = fdata_filter_compare("d", FDATA_FILTER_EQ, &dec);
    CHECK(f && f->values[0].f == -10.05 && f->values[0].s != dec.s);
    fdata_filter_free(f);
    CHECK(fdata_filter_compare("d", FDATA_FILTER_EQ, &bad) == NULL); /* not a number */
    CHECK(strstr(parse_error("true = 1"), "expected a column name at character 1"));
    CHECK(strstr(parse_error("a > AND b = 1"), "expected a value at character 5"));
    CHECK(strstr(parse_error("a = 1 b"), "expected AND, OR or the end at character 7"));
    CHECK(strstr(parse_error("(a = 1"), "expected ')' at character 7"));
    CHECK(strstr(parse_error("a = 'open"), "expected a value at character 5"));
    CHECK(strstr(parse_error("a = DATE '2024-02-30'"), "expected a value"));
    CHECK(strstr(parse_error("and = 1"), "expected a column name at character 1"));
    CHECK(strstr(parse_error("a ~ 1"), "expected an operator"));
    CHECK(strstr(parse_error(""), "at character 1"));
}

/* Two files: k=1/d=2024-01-01/s=a and k=__HIVE_DEFAULT_PARTITION__/d=2024-01-02/s=b%20c. */
static void test_eval(void) {
    struct load_file items[2] = {
        {"root/k=1/d=2024-01-01/s=a/f.parquet", NULL, 0, 10},
        {"root/k=__HIVE_DEFAULT_PARTITION__/d=2024-01-02/s=b%20c/f.parquet", NULL, 0, 10},
    };
    items[0].rel = items[0].name + 5, items[1].rel = items[1].name + 5;
    struct load_files files = {items, 2, 2};
    struct partitions p;
    struct fdata_error err = {0};
    CHECK(partitions_discover(&files, FDATA_PARTITIONING_AUTO, NULL, &p, &err) == FDATA_OK);
    CHECK(p.n_keys == 3 && p.types[0] == PART_INT64 && p.types[1] == PART_DATE32 &&
          p.types[2] == PART_STRING);
    static const struct { const char *text; int first, second; } cases[] = {
        {"k = 1", 1, 0},                  /* null = 1: not true */
        {"NOT k = 1", 0, 0},              /* NOT null: still not true */
        {"k IS NULL", 0, 1},
        {"k != 1 OR s = 'b c'", 0, 1},    /* null OR true */
        {"k < 1.5", 1, 0},
        {"d > DATE '2024-01-01'", 0, 1},
        {"d >= TIMESTAMP '2024-01-01 00:00:01'", 0, 1},
        {"d = '2024-01-01'", 1, 0},       /* a string read as a date */
        {"s IN ('a', 'x')", 1, 0},
        {"s NOT IN ('a')", 0, 1},
        {"k NOT IN (2)", 1, 0},
        {"s BETWEEN 'a' AND 'b'", 1, 0},  /* bytes: "b c" > "b" */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fdata_filter *f = parse(cases[i].text);
        CHECK(f && filter_bind(f, &p, &err) == FDATA_OK);
        if (!f || filter_selects_file(f, &p, 0) != cases[i].first ||
            filter_selects_file(f, &p, 1) != cases[i].second) {
            fprintf(stderr, "case %s\n", cases[i].text);
            CHECK(0);
        }
        fdata_filter_free(f);
    }
    fdata_filter *f = parse("k = 'abc'");
    CHECK(filter_bind(f, &p, &err) == FDATA_EINVAL &&
          strstr(err.message, "column 'k' is int64, but 'abc' is a string"));
    fdata_filter_free(f);
    f = parse("x = 1 AND k = 1 OR x = 2 AND s = 'nope'"); /* x: a column of the files */
    CHECK(f && filter_bind(f, &p, &err) == FDATA_OK && filter_selects_file(f, &p, 0) &&
          !filter_selects_file(f, &p, 1));
    const char *names[2];
    CHECK(filter_file_columns(f, &p, 0, names, 2) == 2 && strcmp(names[1], "x") == 0);
    fdata_filter_free(f);

    /* built from code: s = 'a' OR k IN (5, 1) */
    struct fdata_value a = {FDATA_VALUE_STRING, 0, 0, "a"};
    struct fdata_value ks[2] = {{FDATA_VALUE_INT, 5, 0, NULL}, {FDATA_VALUE_FLOAT, 0, 1.0, NULL}};
    f = fdata_filter_or(fdata_filter_compare("s", FDATA_FILTER_EQ, &a), fdata_filter_in("k", ks, 2));
    CHECK(f && filter_bind(f, &p, &err) == FDATA_OK && filter_selects_file(f, &p, 0) &&
          !filter_selects_file(f, &p, 1));
    fdata_filter_free(f);
    f = fdata_filter_not(fdata_filter_is_null("k", 0));
    CHECK(f && filter_selects_file(f, &p, 0) && !filter_selects_file(f, &p, 1));
    fdata_filter_free(f);
    CHECK(fdata_filter_and(NULL, fdata_filter_is_null("k", 1)) == NULL); /* b is freed */
    CHECK(fdata_filter_compare("k", 99, &a) == NULL);
    char keep[2] = {0, 1};
    partitions_keep(&p, keep);
    CHECK(p.n_files == 1 && p.text[0] == NULL && strcmp(p.text[2], "b c") == 0);
    partitions_free(&p);
}

static int is_valid(const struct ArrowArray *c, int64_t r) {
    const uint8_t *valid = c->buffers[0];
    return !valid || (valid[(c->offset + r) / 8] >> ((c->offset + r) % 8) & 1);
}

/* Rows of DuckDB's prim table (column c_int64, nulls among them) in a file under k=3: a
 * filter of ten leaves (nine values ORed, and the key) keeps what IN keeps and what the
 * values say; IS NOT NULL AND the key keeps the non-null rows. */
static void test_rows(const char *data_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/generated/duckdb_prim_v1_snappy.parquet", data_dir);
    fdata_parquet_file *pq = NULL;
    struct ArrowSchema schema = {0};
    struct ArrowArray batch = {0};
    struct fdata_error err = {0};
    const char *cols[] = {"c_int64"};
    struct fdata_parquet_read_options o = {.columns = cols, .num_columns = 1};
    CHECK(fdata_parquet_open_path(path, &pq, &err) == FDATA_OK &&
          fdata_parquet_get_schema(pq, &o, &schema, &err) == FDATA_OK &&
          fdata_parquet_read_row_groups(pq, 0, 1, &o, &batch, &err) == FDATA_OK);
    struct load_file item = {"root/k=3/f.parquet", NULL, 0, 10};
    item.rel = item.name + 5;
    struct load_files files = {&item, 1, 1};
    struct partitions p;
    CHECK(partitions_discover(&files, FDATA_PARTITIONING_AUTO, NULL, &p, &err) == FDATA_OK);
    const struct ArrowArray *c = batch.release ? batch.children[0] : NULL;
    const int64_t *v = c ? (const int64_t *)c->buffers[1] + c->offset : NULL;
    int64_t n = batch.length, picked[9], kept = 0, expected = 0, non_null = 0, nulls = 0;
    int npicked = 0;
    char or_text[1024] = "", in_text[1024] = "c_int64 IN (", one[64];
    for (int64_t r = 0; c && r < n; r++) {
        nulls += !is_valid(c, r);
        if (is_valid(c, r) && npicked < 9 && r % 2 == 0)
            picked[npicked++] = v[r];
    }
    CHECK(npicked == 9 && nulls > 0);
    for (int i = 0; i < npicked; i++) {
        snprintf(one, sizeof one, "c_int64 = %lld OR ", (long long)picked[i]);
        strcat(or_text, one);
        snprintf(one, sizeof one, "%s%lld", i ? ", " : "", (long long)picked[i]);
        strcat(in_text, one);
    }
    strcat(or_text, "k = 4");
    strcat(in_text, ")");
    fdata_filter *ten = parse(or_text), *in = parse(in_text);
    fdata_filter *not_null = parse("k = 3 AND c_int64 IS NOT NULL");
    uint8_t *a = calloc((size_t)n + 1, 1), *b = calloc((size_t)n + 1, 1);
    if (c && npicked == 9 && ten && in && not_null && a && b) {
        CHECK(filter_bind(ten, &p, &err) == FDATA_OK && filter_bind(in, &p, &err) == FDATA_OK &&
              filter_bind(not_null, &p, &err) == FDATA_OK);
        CHECK(filter_rows(ten, &p, 0, &schema, &batch, a) == FDATA_OK);
        CHECK(filter_rows(in, &p, 0, &schema, &batch, b) == FDATA_OK);
        CHECK(memcmp(a, b, (size_t)n) == 0);
        for (int64_t r = 0; r < n; r++) {
            int hit = 0;
            for (int i = 0; i < npicked; i++)
                hit |= is_valid(c, r) && v[r] == picked[i];
            expected += hit;
            kept += a[r];
            CHECK(a[r] == hit);
        }
        CHECK(kept == expected && kept >= 9);
        CHECK(filter_rows(not_null, &p, 0, &schema, &batch, a) == FDATA_OK);
        for (int64_t r = 0; r < n; r++)
            non_null += a[r];
        CHECK(non_null == n - nulls);
    }
    free(a), free(b);
    fdata_filter_free(ten), fdata_filter_free(in), fdata_filter_free(not_null);
    partitions_free(&p);
    if (batch.release)
        batch.release(&batch);
    if (schema.release)
        schema.release(&schema);
    fdata_parquet_close(pq);
}

int main(int argc, char **argv) {
    test_parse();
    test_eval();
    test_rows(argc > 1 ? argv[1] : "tests/data/parquet");
    return check_result("test_filter");
}
