/* Shards (fastdata/plan.h) over DuckDB's ten-row-group files (two, one of them twice): at
 * every shard size the shards' rows, loaded one by one after a trip through JSON, are the
 * whole load's rows in order (as JSONL); the shards are balanced; a file changed since the
 * plan is refused; hostile JSON (malformed, wrong types, out of range, unknown fields,
 * control characters, invalid UTF-8, random mutations, schemas of unknown types) is
 * FDATA_EINVAL, never a crash; a sort column's bounds are given only when the footers prove
 * the order.  Over a table whose schema drifted (pyarrow's drift/ files: struct fields gained
 * and lost, ints widened in a struct and a list, columns missing), every shard, after JSON,
 * has the plan's schema exactly, and their rows are the load's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "fastdata/plan.h"
#include "test_util.h"

static char paths[3][4096];
static const char *sources[3] = {paths[0], paths[1], paths[2]};
static const char *const columns[] = {"id", "run_str", "seq_big"};

/* The rows of a load, or of a shard's load, as JSONL (malloc'ed; NULL on failure). */
static char *rows_text(const struct fdata_shard *shard, const struct fdata_load_options *o) {
    struct ArrowArrayStream st;
    struct fdata_error err = {0};
    int status = shard ? fdata_load_shard(shard, o, &st, NULL, &err)
                       : fdata_load(sources, 3, o, &st, NULL, &err);
    if (status != FDATA_OK) {
        fprintf(stderr, "unexpected: %s\n", err.message);
        return NULL;
    }
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    write_stream_jsonl(&st, out);
    fclose(out);
    return text;
}

/* A shard through its JSON and back. */
static int round_trip(const struct fdata_shard *s, struct fdata_shard *back) {
    char *json = NULL;
    struct fdata_error err = {0};
    int status = fdata_shard_to_json(s, &json, &err);
    if (status == FDATA_OK)
        status = fdata_shard_from_json(json, strlen(json), back, &err);
    free(json);
    return status;
}

static void test_shards_make_the_table(uint64_t target, const struct fdata_load_options *o) {
    struct fdata_plan plan;
    struct fdata_error err = {0};
    CHECK(fdata_plan(sources, 3, o, target, &plan, &err) == FDATA_OK);
    char *whole = rows_text(NULL, o);
    size_t len = whole ? strlen(whole) : 0, at = 0;
    int64_t rows = 0;
    uint64_t largest_rg = 0;
    CHECK(plan.files == 3 && plan.rows == 60000 && plan.num_shards >= 1 &&
          plan.schema.n_children == (o->columns ? 3 : 6));
    for (size_t s = 0; s < plan.num_shards; s++) {
        struct fdata_shard back;
        CHECK(round_trip(&plan.shards[s], &back) == FDATA_OK);
        CHECK(back.index == s && back.rows == plan.shards[s].rows &&
              back.bytes == plan.shards[s].bytes && back.num_files == plan.shards[s].num_files);
        char *part = rows_text(&back, o);
        size_t n = part ? strlen(part) : 0;
        CHECK(part && whole && at + n <= len && memcmp(whole + at, part, n) == 0);
        at += n;
        rows += back.rows;
        for (size_t f = 0; f < back.num_files; f++) {
            const struct fdata_shard_file *sf = &back.files[f];
            uint64_t per = sf->num_row_groups ? sf->bytes / (uint64_t)sf->num_row_groups : 0;
            largest_rg = per > largest_rg ? per : largest_rg;
        }
        /* balanced: within a row group of the target, unless a single row group is larger */
        CHECK(plan.shards[s].bytes <= target + 2 * largest_rg || plan.num_shards == 1);
        free(part);
        fdata_shard_free(&back);
    }
    CHECK(at == len && len > 0 && rows == plan.rows);
    if (target >= plan.bytes)
        CHECK(plan.num_shards == 1);
    if (target == 1) /* one row group each */
        CHECK(plan.num_shards == 30);
    free(whole);
    fdata_plan_free(&plan);
}

/* A shard whose file no longer is what the plan saw: refused, naming it. */
static void test_changed_file(void) {
    struct fdata_plan plan;
    struct fdata_error err = {0};
    CHECK(fdata_plan(sources, 3, NULL, 1, &plan, &err) == FDATA_OK && plan.num_shards == 30);
    struct fdata_shard *s = &plan.shards[3];
    struct ArrowArrayStream st;
    s->files[0].size++;
    CHECK(fdata_load_shard(s, NULL, &st, NULL, &err) == FDATA_EINVAL &&
          strstr(err.message, "not the file shard 3 was planned over") && !st.release);
    s->files[0].size--;
    s->files[0].rows++;
    CHECK(fdata_load_shard(s, NULL, &st, NULL, &err) == FDATA_EINVAL);
    s->files[0].rows--;
    s->files[0].first_row_group = 10;
    CHECK(fdata_load_shard(s, NULL, &st, NULL, &err) == FDATA_EINVAL);
    s->files[0].first_row_group = 3;
    CHECK(fdata_load_shard(s, NULL, &st, NULL, &err) == FDATA_OK && st.release);
    if (st.release)
        st.release(&st);
    fdata_plan_free(&plan);
}

/* A schema as text: names, formats, flags, extension, children (to compare two). */
static void schema_text(const struct ArrowSchema *s, FILE *out) {
    fprintf(out, "%s:%s:%lld%s(", s->name ? s->name : "", s->format, (long long)s->flags,
            s->dictionary ? " dictionary" : "");
    if (s->dictionary)
        schema_text(s->dictionary, out);
    for (int64_t i = 0; i < s->n_children; i++)
        schema_text(s->children[i], out);
    fputc(')', out);
}

static int same_schema(const struct ArrowSchema *a, const struct ArrowSchema *b) {
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    FILE *fx = open_memstream(&x, &nx), *fy = open_memstream(&y, &ny);
    schema_text(a, fx);
    schema_text(b, fy);
    fclose(fx);
    fclose(fy);
    int same = strcmp(x, y) == 0;
    if (!same)
        fprintf(stderr, "  schemas differ:\n  %s\n  %s\n", x, y);
    free(x);
    free(y);
    return same;
}

/* Every shard of a plan over drifting files (one row group each, then two shards) has the
 * plan's schema after a trip through JSON, and their rows in order are the whole load's. */
static void test_drift(const char *dir, const char *const *columns_wanted, size_t n_columns,
                       uint64_t target) {
    char drift[3][4096];
    const char *files[3] = {drift[0], drift[1], drift[2]};
    for (int i = 0; i < 3; i++)
        snprintf(drift[i], sizeof drift[i], "%s/drift/part-%d.parquet", dir, i);
    struct fdata_load_options o = {.columns = columns_wanted, .num_columns = n_columns};
    struct fdata_plan plan;
    struct fdata_error err = {0};
    CHECK(fdata_plan(files, 3, &o, target, &plan, &err) == FDATA_OK);
    struct ArrowArrayStream st;
    CHECK(fdata_load(files, 3, &o, &st, NULL, &err) == FDATA_OK);
    char *whole = NULL, *parts = NULL;
    size_t nw = 0, np = 0;
    FILE *out = open_memstream(&whole, &nw);
    write_stream_jsonl(&st, out);
    fclose(out);
    out = open_memstream(&parts, &np);
    CHECK(plan.num_shards >= (target == 1 ? 6 : 2) && plan.schema.n_children == (n_columns ? (int64_t)n_columns : 4));
    for (size_t k = 0; k < plan.num_shards; k++) {
        struct fdata_shard back;
        struct ArrowSchema schema;
        CHECK(round_trip(&plan.shards[k], &back) == FDATA_OK);
        CHECK(same_schema(&back.schema, &plan.schema));
        CHECK(fdata_load_shard(&back, &o, &st, NULL, &err) == FDATA_OK);
        if (!st.release) {
            fprintf(stderr, "  shard %zu: %s\n", k, err.message);
            fdata_shard_free(&back);
            continue;
        }
        CHECK(st.get_schema(&st, &schema) == 0 && same_schema(&schema, &plan.schema));
        schema.release(&schema);
        write_stream_jsonl(&st, out);
        fdata_shard_free(&back);
    }
    fclose(out);
    CHECK(whole && parts && nw > 0 && strcmp(whole, parts) == 0);
    free(whole);
    free(parts);
    /* a shard whose files' column does not convert to the plan's type: refused, naming it */
    struct fdata_shard *last = &plan.shards[plan.num_shards - 1];
    struct ArrowSchema *id = NULL;
    for (int64_t c = 0; c < last->schema.n_children; c++)
        if (strcmp(last->schema.children[c]->name, "id") == 0)
            id = last->schema.children[c];
    CHECK(id != NULL);
    if (id) {
        char *format = (char *)id->format; /* ours: made by strdup */
        format[0] = 'i';
        CHECK(fdata_load_shard(last, &o, &st, NULL, &err) == FDATA_EINVAL &&
              strstr(err.message, "column 'id' of its files is") && !st.release);
        format[0] = 'l';
    }
    fdata_plan_free(&plan);
}

static const char *const hostile[] = {
    "", "{", "[]", "null", "1", "\"shard\"",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[]}",
    "{\"fastdata_shard\":2,\"index\":0,\"partition_types\":null,\"files\":[]}",
    "{\"fastdata_shard\":1,\"index\":0,\"files\":[{}]}",
    "{\"fastdata_shard\":1,\"index\":-1,\"partition_types\":null,\"files\":[]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}],\"more\":1}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"c\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/\\u0000b\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/\\nb\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/\xff\","
    "\"rel\":\"\xff\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"b\",\"size\":1.5,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":2147483647,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,"
    "\"rows\":99999999999999999999999,\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":true,"
    "\"bytes\":1}]}",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]} trailing",
    "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":7,\"files\":[{\"path\":\"/a/b\","
    "\"rel\":\"b\",\"size\":1,\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,"
    "\"bytes\":1}]}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]",
#define SHARD_WITH(schema) "{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null," \
    "\"schema\":" schema ",\"files\":[{\"path\":\"/a/b\",\"rel\":\"b\",\"size\":1," \
    "\"first_row_group\":0,\"num_row_groups\":1,\"rows\":1,\"bytes\":1}]}"
#define FIELD(name, format, children) "{\"name\":\"" name "\",\"format\":\"" format "\"," \
    "\"flags\":2,\"extension\":null,\"dictionary\":null,\"children\":[" children "]}"
    SHARD_WITH("null"),
    SHARD_WITH("[]"),
    SHARD_WITH(FIELD("", "i", "")),                       /* not a struct */
    SHARD_WITH(FIELD("", "+s", FIELD("a", "q", ""))),     /* unknown format */
    SHARD_WITH(FIELD("", "+s", FIELD("a", "w:0", ""))),
    SHARD_WITH(FIELD("", "+s", FIELD("a", "w:99999999999", ""))),
    SHARD_WITH(FIELD("", "+s", FIELD("a", "d:77,2", ""))),
    SHARD_WITH(FIELD("", "+s", FIELD("a", "d:10,11", ""))),
    SHARD_WITH(FIELD("", "+s", FIELD("a", "d:10,2,64", ""))),
    SHARD_WITH(FIELD("", "+s", FIELD("a", "i", FIELD("b", "i", "")))), /* flat with a child */
    SHARD_WITH(FIELD("", "+s", FIELD("a", "+l", ""))),    /* a list of nothing */
    SHARD_WITH(FIELD("", "+s", FIELD("a", "+m", FIELD("e", "i", "")))),
    SHARD_WITH(FIELD("", "+s", FIELD("a", "+m", FIELD("e", "+s", FIELD("k", "i", ""))))),
    SHARD_WITH(FIELD("", "+s", "{\"name\":\"a\",\"format\":\"i\",\"flags\":8,"
               "\"extension\":null,\"dictionary\":null,\"children\":[]}")),
    SHARD_WITH(FIELD("", "+s", "{\"name\":\"a\",\"format\":\"i\",\"flags\":0,"
               "\"extension\":null,\"children\":[]}")),
    SHARD_WITH(FIELD("", "+s", "{\"name\":\"a\",\"format\":\"g\",\"flags\":0,"
               "\"extension\":null,\"dictionary\":" FIELD("", "u", "") ",\"children\":[]}")),
    SHARD_WITH(FIELD("", "+s", "{\"name\":\"a\",\"format\":\"+s\",\"flags\":0,"
               "\"extension\":\"x\",\"dictionary\":null,\"children\":[]}")),
    SHARD_WITH(FIELD("", "+s", "{\"name\":\"a\",\"format\":\"i\",\"flags\":0,"
               "\"extension\":null,\"dictionary\":null,\"children\":[],\"x\":1}")),
};

/* A schema nested `depth` structs deep. */
static char *deep_schema(int depth) {
    struct fdata_strbuf {
        char *p;
        size_t n;
    } b = {NULL, 0};
    FILE *out = open_memstream(&b.p, &b.n);
    fputs("{\"fastdata_shard\":1,\"index\":0,\"partition_types\":null,\"schema\":", out);
    for (int i = 0; i < depth; i++)
        fputs("{\"name\":\"a\",\"format\":\"+s\",\"flags\":0,\"extension\":null,"
              "\"dictionary\":null,\"children\":[", out);
    for (int i = 0; i < depth; i++)
        fputs("]}", out);
    fputs(",\"files\":[{\"path\":\"/a/b\",\"rel\":\"b\",\"size\":1,\"first_row_group\":0,"
          "\"num_row_groups\":1,\"rows\":1,\"bytes\":1}]}", out);
    fclose(out);
    return b.p;
}

/* Schemas that parse: every kind the library makes, written back the same. */
static void test_schema_json(void) {
    static const char *const good[] = {
        SHARD_WITH(FIELD("", "+s", "")),
        SHARD_WITH(FIELD("", "+s", FIELD("a", "+l", FIELD("item", "w:16", "")) ","
                         FIELD("m", "+m", FIELD("entries", "+s", FIELD("key", "u", "") ","
                                                FIELD("value", "d:38,9,256", ""))) ","
                         FIELD("t", "tsu:Europe/Paris", "") "," FIELD("é", "+w:3", FIELD("x", "l", "")))),
        SHARD_WITH(FIELD("", "+s", "{\"name\":\"a\",\"format\":\"i\",\"flags\":2,"
                   "\"extension\":null,\"dictionary\":{\"name\":\"\",\"format\":\"u\","
                   "\"flags\":0,\"extension\":\"arrow.json\",\"dictionary\":null,"
                   "\"children\":[]},\"children\":[]}")),
    };
    struct fdata_error err = {0};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        struct fdata_shard s, back;
        int status = fdata_shard_from_json(good[i], strlen(good[i]), &s, &err);
        CHECK(status == FDATA_OK);
        if (status != FDATA_OK) {
            fprintf(stderr, "  refused: %s\n  %s\n", good[i], err.message);
            continue;
        }
        CHECK(round_trip(&s, &back) == FDATA_OK && same_schema(&s.schema, &back.schema));
        char *json = NULL;
        CHECK(fdata_shard_to_json(&back, &json, &err) == FDATA_OK && strcmp(json, good[i]) == 0);
        free(json);
        fdata_shard_free(&s);
        fdata_shard_free(&back);
    }
    char *ok = deep_schema(60), *deep = deep_schema(70);
    struct fdata_shard s;
    CHECK(fdata_shard_from_json(ok, strlen(ok), &s, &err) == FDATA_OK);
    fdata_shard_free(&s);
    CHECK(fdata_shard_from_json(deep, strlen(deep), &s, &err) == FDATA_EINVAL);
    free(ok);
    free(deep);
}

static void test_hostile_json(void) {
    struct fdata_error err = {0};
    struct fdata_shard s;
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        int status = fdata_shard_from_json(hostile[i], strlen(hostile[i]), &s, &err);
        CHECK(status == FDATA_EINVAL && strncmp(err.message, "shard JSON: ", 12) == 0);
        if (status != FDATA_EINVAL)
            fprintf(stderr, "  accepted: %s\n", hostile[i]);
        CHECK(s.files == NULL && s.num_files == 0 && !s.schema.release); /* nothing left */
    }
    /* a valid shard, then random mutations of its text: accepted or refused, nothing else */
    struct fdata_plan plan;
    CHECK(fdata_plan(sources, 3, NULL, 1 << 20, &plan, &err) == FDATA_OK);
    char *json = NULL;
    CHECK(fdata_shard_to_json(&plan.shards[0], &json, &err) == FDATA_OK);
    CHECK(fdata_shard_from_json(json, strlen(json), &s, &err) == FDATA_OK);
    fdata_shard_free(&s);
    size_t len = strlen(json);
    uint32_t seed = 12345;
    int refused = 0;
    for (int round = 0; round < 3000; round++) {
        char *copy = malloc(len); /* exactly len bytes: no NUL, so an overread shows in ASan */
        memcpy(copy, json, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % len] = (char)(seed >> 20);
        }
        int status = fdata_shard_from_json(copy, len - (round % 7 == 0), &s, &err);
        CHECK(status == FDATA_OK || status == FDATA_EINVAL);
        refused += status == FDATA_EINVAL;
        fdata_shard_free(&s);
        free(copy);
    }
    CHECK(refused > 2000);
    free(json);
    fdata_plan_free(&plan);
}

/* fdata_plan_sorted: a sort column's bounds per shard, only where the statistics prove the
 * order (DuckDB's file: id 0..19999 in row groups of 2048; run_int's row groups share their
 * edge values; run_str has nulls; tiny is -1..1 in every row group). */
static void test_sorted_bounds(void) {
    struct fdata_plan plan;
    struct fdata_error err = {0};
    CHECK(fdata_plan_sorted(sources, 1, NULL, 1, "id", &plan, &err) == FDATA_OK);
    CHECK(plan.num_shards == 10 && plan.bounds && plan.bound_kind == FDATA_BOUND_INT);
    for (size_t s = 0; plan.bounds && s < plan.num_shards; s++)
        CHECK(plan.bounds[s].min_i == 2048 * (int64_t)s &&
              plan.bounds[s].max_i == (s == 9 ? 19999 : 2048 * (int64_t)s + 2047));
    fdata_plan_free(&plan);
    CHECK(fdata_plan_sorted(sources, 1, NULL, UINT64_MAX / 4, "run_int", &plan, &err) == FDATA_OK);
    CHECK(plan.num_shards == 1 && plan.bounds && plan.bounds[0].min_i == 0 &&
          plan.bounds[0].max_i == 199); /* equal edges within a shard keep the order */
    fdata_plan_free(&plan);
    const struct {
        size_t n;
        uint64_t target;
        const char *column;
    } unknown[] = {
        {1, 1, "run_int"},          /* a value in two shards */
        {1, UINT64_MAX / 4, "run_str"}, /* nulls */
        {1, UINT64_MAX / 4, "tiny"}, /* row groups overlap */
        {3, UINT64_MAX / 4, "id"},  /* the files out of order */
        {1, 1, "no_such_column"},
        {1, 1, NULL},
    };
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        CHECK(fdata_plan_sorted(sources, unknown[i].n, NULL, unknown[i].target, unknown[i].column,
                                &plan, &err) == FDATA_OK);
        CHECK(!plan.bounds && plan.bound_kind == 0 && plan.rows_exact);
        fdata_plan_free(&plan);
    }
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/data/parquet";
    snprintf(paths[0], sizeof paths[0], "%s/generated/duckdb_rowgroups_v2_gzip.parquet", dir);
    snprintf(paths[1], sizeof paths[1], "%s/generated/duckdb_rowgroups_v1_lz4_raw.parquet", dir);
    snprintf(paths[2], sizeof paths[2], "%s", paths[0]);
    struct fdata_load_options all = {0}, projected = {.columns = columns, .num_columns = 3};
    struct fdata_plan plan;
    struct fdata_error err = {0};
    CHECK(fdata_plan(sources, 3, &projected, 0, &plan, &err) == FDATA_OK);
    uint64_t bytes = plan.bytes;
    fdata_plan_free(&plan);
    uint64_t targets[] = {1, bytes / 7, bytes / 3, bytes / 2, bytes, UINT64_MAX / 4};
    for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
        test_shards_make_the_table(targets[t], &projected);
        test_shards_make_the_table(targets[t], &all);
    }
    fdata_filter *filter = NULL;
    CHECK(fdata_filter_parse("id % 3 = 0 OR seq_big > 100", &filter, &err) != FDATA_OK);
    CHECK(fdata_filter_parse("id >= 1234 AND id < 15000", &filter, &err) == FDATA_OK);
    struct fdata_load_options filtered = projected;
    filtered.filter = filter;
    test_shards_make_the_table(bytes / 5, &filtered);
    CHECK(fdata_plan(sources, 3, &filtered, 0, &plan, &err) == FDATA_OK && !plan.rows_exact);
    fdata_plan_free(&plan);
    fdata_filter_free(filter);
    test_changed_file();
    test_hostile_json();
    test_schema_json();
    static const char *const nested[] = {"s.a", "l", "extra", "id"};
    test_drift(dir, NULL, 0, 1);
    test_drift(dir, NULL, 0, 600);
    test_drift(dir, nested, 4, 1);
    test_sorted_bounds();
    return check_result("test_shard");
}
