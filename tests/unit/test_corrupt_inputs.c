/* Hostile input: truncated and bit-flipped variants of real files must give an error with a
 * message (or, when the damage happens to be harmless, a result), never a crash, an
 * out-of-bounds read (each variant sits in an exact-size allocation for ASan), a hang or a
 * leak.  argv[1] is tests/data/parquet. */
#include <stdlib.h>
#include "check.h"
#include "fastdata/parquet.h"
#include "test_util.h" /* slurp() */

static const char *files[] = {
    "data/alltypes_plain.parquet", "data/alltypes_dictionary.parquet",
    "data/delta_binary_packed.parquet", "data/delta_encoding_optional_column.parquet",
    "data/delta_length_byte_array.parquet", "data/byte_stream_split_extended.gzip.parquet",
    "data/hadoop_lz4_compressed.parquet", "data/non_hadoop_lz4_compressed.parquet",
    "data/lz4_raw_compressed.parquet", "data/fixed_length_decimal_legacy.parquet",
    "data/int96_from_spark.parquet", "data/rle_boolean_encoding.parquet",
    "data/page_v2_empty_compressed.parquet", "data/concatenated_gzip_members.parquet",
    "data/byte_array_decimal.parquet", "data/float16_nonzeros_and_nans.parquet",
    "data/datapage_v2.snappy.parquet", "generated/duckdb_prim_v2_brotli.parquet",
    "data/nested_maps.snappy.parquet", "data/nonnullable.impala.parquet",
    "data/repeated_no_annotation.parquet", "data/old_list_structure.parquet",
    "generated/duckdb_nested_v1_snappy.parquet", "generated/arrowrs_nested_v2_brotli.parquet",
    "generated/duckdb_prim_v1_zstd.parquet", "generated/arrowrs_prim_v2_delta_lz4_raw.parquet",
    "generated/hyparquet_flat_v2_snappy.parquet", "generated/duckdb_rowgroups_v2_gzip.parquet",
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int known_code(int c) { return c >= FDATA_EINVAL && c <= FDATA_ERANGE; }

/* Opens and decodes every flat column of a variant; returns 1 if it decoded fully. */
static int try_variant(const uint8_t *bytes, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, bytes, n);
    fdata_parquet_file *f;
    struct fdata_error err = {0};
    int ok = 0;
    int rc = fdata_parquet_open_buffer(copy, n, "variant", NULL, NULL, &f, &err);
    if (rc != FDATA_OK) {
        CHECK(known_code(rc) && err.message[0] != '\0');
    } else {
        struct fdata_parquet_read_options o = {.threads = 2};
        int nrg = fdata_parquet_num_row_groups(f);
        struct ArrowArray *out = calloc((size_t)nrg + 1, sizeof *out);
        rc = fdata_parquet_read_row_groups(f, 0, nrg, &o, out, &err);
        if (rc == FDATA_OK) {
            ok = 1;
            for (int i = 0; i < nrg; i++)
                out[i].release(&out[i]);
        } else {
            CHECK(known_code(rc) && err.message[0] != '\0');
            for (int i = 0; i < nrg; i++)
                CHECK(out[i].release == NULL);
        }
        free(out);
        fdata_parquet_close(f);
    }
    free(copy);
    return ok;
}

static void damage_file(const char *path) {
    size_t n;
    uint8_t *orig = slurp(path, &n);
    CHECK(orig != NULL);
    if (!orig)
        return;
    CHECK(try_variant(orig, n) || strstr(path, "int96")); /* the original itself decodes */
    uint32_t footer = 0;
    memcpy(&footer, orig + n - 8, 4);
    /* truncations: the first bytes, evenly spaced cuts, and every cut in the last 64 bytes */
    for (size_t cut = 0; cut < 16; cut++)
        try_variant(orig, cut);
    for (int i = 1; i < 24; i++)
        try_variant(orig, n * (size_t)i / 24);
    for (size_t k = 1; k <= 64 && k < n; k++)
        try_variant(orig, n - k);
    /* bit flips: half in the footer, half anywhere */
    uint8_t *v = malloc(n);
    for (int i = 0; i < 160; i++) {
        memcpy(v, orig, n);
        size_t span = i % 2 && footer + 8 <= n ? footer + 8 : n;
        size_t pos = n - 1 - (size_t)(next_random() % span);
        v[pos] ^= (uint8_t)(1u << (next_random() % 8));
        if (i % 5 == 0) /* sometimes a whole byte of garbage */
            v[(size_t)(next_random() % n)] = (uint8_t)next_random();
        try_variant(v, n);
    }
    free(v);
    free(orig);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_corrupt_inputs DATA_DIR\n");
        return 2;
    }
    char path[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", argv[1], files[i]);
        damage_file(path);
    }
    return check_result("test_corrupt_inputs");
}
