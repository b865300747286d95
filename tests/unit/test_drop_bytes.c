/* A file opened on a buffer gives the buffer back once read (pq_file_drop_bytes, what a load
 * does with a whole object it read ahead): the release callback runs then and only then, the
 * footer's statistics keep their values although the buffer is overwritten, later reads fail
 * with a clear error instead of reading it, a bloom filter no longer prunes, and the call
 * refuses (changing nothing) for a mapped file, a buffer without a release callback and a
 * file a stream still reads.  argv[1] is tests/data/parquet. */
#include <stdlib.h>
#include "check.h"
#include "fastdata/arrow.h"
#include "fastdata/parquet.h"
#include "parquet/file.h"
#include "parquet/metadata.h"
#include "parquet/reader.h"
#include "parquet/stats.h"

static char path_buf[4096];
static const char *data_dir;

static const char *corpus(const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", data_dir, name);
    return path_buf;
}

/* The file's bytes in a buffer of our own; NULL when unreadable. */
static uint8_t *read_whole(const char *name, size_t *size) {
    FILE *fp = fopen(corpus(name), "rb");
    uint8_t *buf = NULL;
    long n = -1;
    if (fp && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (fp)
        fclose(fp);
    *size = buf ? (size_t)n : 0;
    return buf;
}

/* The release callback: counts its calls and overwrites the bytes (freed by the test), so a
 * pointer left into them reads garbage, not the old values. */
struct given_back {
    uint8_t *buf;
    size_t size;
    int calls;
};

static void give_back(void *ctx) {
    struct given_back *g = ctx;
    g->calls++;
    memset(g->buf, 0xA5, g->size);
}

static fdata_parquet_file *open_on(struct given_back *g, const char *name, int with_release) {
    *g = (struct given_back){0};
    g->buf = read_whole(name, &g->size);
    fdata_parquet_file *f = NULL;
    struct fdata_error err = {0};
    if (g->buf && fdata_parquet_open_buffer(g->buf, g->size, name,
                                            with_release ? give_back : NULL, g, &f,
                                            &err) != FDATA_OK)
        fprintf(stderr, "%s\n", err.message);
    return f;
}

/* Every statistics value of the footer, concatenated with their lengths (to compare). */
static size_t stats_bytes(const fdata_parquet_file *f, uint8_t *out, size_t cap) {
    const struct pq_metadata *md = pq_file_metadata(f);
    size_t n = 0;
    for (int g = 0; g < md->num_row_groups; g++)
        for (int c = 0; c < md->row_groups[g].num_columns; c++) {
            const struct pq_statistics *st = &md->row_groups[g].columns[c].meta.stats;
            const uint8_t *v[4] = {st->min, st->max, st->min_value, st->max_value};
            uint32_t len[4] = {st->min_len, st->max_len, st->min_value_len, st->max_value_len};
            for (int k = 0; k < 4; k++) {
                uint32_t l = v[k] ? len[k] : 0;
                if (n + sizeof l + l > cap)
                    return 0;
                memcpy(out + n, &l, sizeof l);
                if (l)
                    memcpy(out + n + sizeof l, v[k], l);
                n += sizeof l + l;
            }
        }
    return n;
}

static int reads(fdata_parquet_file *f, struct fdata_error *err) {
    struct ArrowArray batch;
    int status = fdata_parquet_read_row_groups(f, 0, 1, NULL, &batch, err);
    if (status == FDATA_OK)
        batch.release(&batch);
    return status;
}

static void test_footer_kept_bytes_gone(const char *name) {
    struct given_back g;
    fdata_parquet_file *f = open_on(&g, name, 1);
    CHECK(f != NULL);
    if (!f)
        return;
    static uint8_t before[1 << 16], after[1 << 16];
    struct fdata_error err = {0};
    CHECK(reads(f, &err) == FDATA_OK);
    size_t n = stats_bytes(f, before, sizeof before);
    CHECK(n > 0);
    CHECK(pq_file_drop_bytes(f) == FDATA_OK);
    CHECK(g.calls == 1);
    CHECK(stats_bytes(f, after, sizeof after) == n && memcmp(before, after, n) == 0);
    CHECK(reads(f, &err) == FDATA_EINVAL);
    CHECK(strstr(err.message, "given back") != NULL);
    CHECK(pq_file_drop_bytes(f) == FDATA_EINVAL); /* nothing left to give */
    fdata_parquet_close(f);
    CHECK(g.calls == 1); /* not again at close */
    free(g.buf);
}

static void test_bloom_no_longer_prunes(void) {
    struct given_back g;
    fdata_parquet_file *f = open_on(&g, "data/data_index_bloom_encoding_with_length.parquet", 1);
    CHECK(f != NULL);
    if (!f)
        return;
    const char absent[] = "certainly not among the values";
    CHECK(pq_bloom_may_contain(f, 0, 0, "Hello", 5) == 1);
    CHECK(pq_bloom_may_contain(f, 0, 0, absent, sizeof absent - 1) == 0);
    CHECK(pq_file_drop_bytes(f) == FDATA_OK);
    CHECK(pq_bloom_may_contain(f, 0, 0, absent, sizeof absent - 1) == 1); /* no filter left */
    fdata_parquet_close(f);
    free(g.buf);
}

static void test_refusals(void) {
    struct fdata_error err = {0};
    fdata_parquet_file *mapped = NULL;
    CHECK(fdata_parquet_open_path(corpus("generated/duckdb_prim_v1_snappy.parquet"), &mapped,
                                  &err) == FDATA_OK);
    CHECK(mapped && pq_file_drop_bytes(mapped) == FDATA_EINVAL && reads(mapped, &err) == FDATA_OK);
    fdata_parquet_close(mapped);

    struct given_back g;
    fdata_parquet_file *kept = open_on(&g, "generated/duckdb_prim_v1_snappy.parquet", 0);
    CHECK(kept && pq_file_drop_bytes(kept) == FDATA_EINVAL && reads(kept, &err) == FDATA_OK);
    fdata_parquet_close(kept);
    free(g.buf);

    fdata_parquet_file *streamed = open_on(&g, "generated/duckdb_prim_v1_snappy.parquet", 1);
    struct ArrowArrayStream st = {0};
    CHECK(streamed && fdata_parquet_stream(streamed, NULL, &st, &err) == FDATA_OK);
    CHECK(pq_file_drop_bytes(streamed) == FDATA_EINVAL && g.calls == 0);
    struct ArrowArray batch;
    CHECK(st.get_next(&st, &batch) == 0 && batch.release && batch.length > 0);
    if (batch.release)
        batch.release(&batch);
    st.release(&st);
    fdata_parquet_close(streamed);
    CHECK(g.calls == 1); /* at the close, as always */
    free(g.buf);
}

int main(int argc, char **argv) {
    data_dir = argc > 1 ? argv[1] : "tests/data/parquet";
    test_footer_kept_bytes_gone("generated/duckdb_prim_v1_snappy.parquet");
    test_footer_kept_bytes_gone("data/data_index_bloom_encoding_stats.parquet");
    test_bloom_no_longer_prunes();
    test_refusals();
    return check_result("test_drop_bytes");
}
