/* fastdata gen: datasets made here, deterministic from a seed, for demos and benchmarks. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "fastdata/parquet_write.h"
#include "cli.h"

#define FEATURES 300
#define INVESTMENTS 3000 /* per time_id, as in the Ubiquant competition's table */

static const char gen_usage[] =
    "usage: fastdata gen ubiquant OUT [--files N] [--rows-per-file R] [--codec C] [--seed S]\n"
    "                    [--threads N] [S3 options]\n"
    "Writes a Ubiquant-like table (row_id VARCHAR '{time_id}_{investment_id}', time_id INT,\n"
    "investment_id INT, target FLOAT, f_0..f_299 FLOAT) as N Parquet files part-NNNNN.parquet\n"
    "into OUT, a directory or an s3://bucket/prefix/. Defaults: 24 files of 32768 rows\n"
    "(about 1 GB), snappy, seed 1; the same seed gives the same bytes.";

/* ---- a record batch built here, owning its buffers ---- */

struct owned {
    void *buffers[4];
    int nbuf;
};

static void release_leaf(struct ArrowArray *a) {
    struct owned *o = a->private_data;
    for (int i = 0; i < o->nbuf; i++)
        free(o->buffers[i]);
    free(o);
    a->release = NULL;
}

static int leaf(struct ArrowArray *a, int64_t length, int nbuf, void **bufs) {
    struct owned *o = calloc(1, sizeof *o);
    if (!o)
        return -1;
    o->nbuf = nbuf;
    memcpy(o->buffers, bufs, (size_t)nbuf * sizeof *bufs);
    *a = (struct ArrowArray){.length = length, .n_buffers = nbuf, .buffers = (const void **)o->buffers,
                             .release = release_leaf, .private_data = o};
    return 0;
}

struct batch_private {
    struct ArrowArray *kids;
    struct ArrowArray **ptrs;
    int n;
    const void *validity[1];
};

static void release_batch(struct ArrowArray *a) {
    struct batch_private *p = a->private_data;
    for (int i = 0; i < p->n; i++)
        if (p->kids[i].release)
            p->kids[i].release(&p->kids[i]);
    free(p->kids);
    free(p->ptrs);
    free(p);
    a->release = NULL;
}

static void release_schema(struct ArrowSchema *s) {
    for (int64_t i = 0; i < s->n_children; i++) {
        free((char *)s->children[i]->name);
        free(s->children[i]);
    }
    free(s->children);
    s->release = NULL;
}

static void noop_release(struct ArrowSchema *s) { s->release = NULL; }

static int make_schema(struct ArrowSchema *s) {
    int n = 4 + FEATURES;
    *s = (struct ArrowSchema){.format = "+s", .name = "", .n_children = n, .release = release_schema};
    s->children = calloc((size_t)n, sizeof *s->children);
    for (int i = 0; s->children && i < n; i++) {
        char name[16];
        const char *fixed[] = {"row_id", "time_id", "investment_id", "target"};
        const char *fmt[] = {"u", "i", "i", "f"};
        snprintf(name, sizeof name, "f_%d", i - 4);
        s->children[i] = calloc(1, sizeof **s->children);
        if (!s->children[i])
            return -1;
        *s->children[i] = (struct ArrowSchema){.format = i < 4 ? fmt[i] : "f",
                                               .name = strdup(i < 4 ? fixed[i] : name),
                                               .release = noop_release};
    }
    return s->children ? 0 : -1;
}

/* ---- the values ---- */

static uint64_t next(uint64_t *s) { /* splitmix64 */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* About normal: the sum of four uniforms, centred and scaled to unit variance. */
static float normalish(uint64_t *s) {
    uint64_t r = next(s);
    float sum = 0;
    for (int i = 0; i < 4; i++, r >>= 16)
        sum += (float)(r & 0xFFFF) / 65536.0f;
    return (sum - 2.0f) * 1.7320508f;
}

/* Rows [first, first + n) of the table, as one batch. */
static int make_batch(int64_t first, int64_t n, uint64_t seed, struct ArrowArray *out) {
    int ncols = 4 + FEATURES;
    struct batch_private *p = calloc(1, sizeof *p);
    if (!p || !(p->kids = calloc((size_t)ncols, sizeof *p->kids)) ||
        !(p->ptrs = calloc((size_t)ncols, sizeof *p->ptrs))) {
        if (p)
            free(p->kids);
        free(p);
        return -1;
    }
    p->n = ncols;
    int32_t *time_id = malloc((size_t)n * 4), *inv = malloc((size_t)n * 4);
    int32_t *offsets = malloc((size_t)(n + 1) * 4);
    char *text = malloc((size_t)n * 24);
    float *target = malloc((size_t)n * 4);
    int bad = !time_id || !inv || !offsets || !text || !target;
    uint64_t s = seed ^ (uint64_t)first * 0x2545F4914F6CDD1Dull;
    for (int64_t r = 0; !bad && r < n; r++) {
        time_id[r] = (int32_t)((first + r) / INVESTMENTS);
        inv[r] = (int32_t)((first + r) % INVESTMENTS);
        offsets[r] = r ? offsets[r - 1] + (int32_t)strlen(text + offsets[r - 1]) : 0;
        sprintf(text + offsets[r], "%d_%d", time_id[r], inv[r]);
        target[r] = normalish(&s) * 0.9f;
    }
    if (!bad)
        offsets[n] = n ? offsets[n - 1] + (int32_t)strlen(text + offsets[n - 1]) : 0;
    bad = bad || leaf(&p->kids[0], n, 3, (void *[]){NULL, offsets, text}) ||
          leaf(&p->kids[1], n, 2, (void *[]){NULL, time_id}) ||
          leaf(&p->kids[2], n, 2, (void *[]){NULL, inv}) ||
          leaf(&p->kids[3], n, 2, (void *[]){NULL, target});
    for (int c = 4; !bad && c < ncols; c++) {
        float *f = malloc((size_t)n * 4);
        for (int64_t r = 0; f && r < n; r++)
            f[r] = normalish(&s);
        bad = !f || leaf(&p->kids[c], n, 2, (void *[]){NULL, f});
        if (bad)
            free(f);
    }
    for (int c = 0; c < ncols; c++)
        p->ptrs[c] = &p->kids[c];
    *out = (struct ArrowArray){.length = n, .n_buffers = 1, .buffers = p->validity,
                               .n_children = ncols, .children = p->ptrs,
                               .release = release_batch, .private_data = p};
    if (bad) { /* buffers not yet owned by a leaf are freed here */
        if (!p->kids[0].release)
            free(offsets), free(text);
        if (!p->kids[1].release)
            free(time_id);
        if (!p->kids[2].release)
            free(inv);
        if (!p->kids[3].release)
            free(target);
        release_batch(out);
        return -1;
    }
    return 0;
}

/* ---- the files ---- */

static int to_file(void *ctx, const void *data, size_t size) {
    return fwrite(data, 1, size, ctx) == size ? 0 : -1;
}

struct gen_args {
    int files;
    int64_t rows;
    uint64_t seed;
    struct fdata_parquet_write_options w;
    struct fdata_s3_options s3;
    const char *out;
};

/* File i: its rows in batches of 8192, one row group. */
static int write_part(const struct gen_args *a, int i, fdata_parquet_sink sink, void *ctx,
                      struct fdata_error *err) {
    struct ArrowSchema schema;
    fdata_parquet_writer *w = NULL;
    struct fdata_parquet_write_options o = a->w;
    o.row_group_rows = a->rows;
    int status = make_schema(&schema) == 0 ? fdata_parquet_writer_new(&schema, &o, sink, ctx, &w, err)
                                           : FDATA_ENOMEM;
    schema.release(&schema);
    for (int64_t r = 0; status == FDATA_OK && r < a->rows; r += 8192) {
        struct ArrowArray b;
        int64_t n = a->rows - r < 8192 ? a->rows - r : 8192;
        status = make_batch((int64_t)i * a->rows + r, n, a->seed, &b) == 0
                     ? fdata_parquet_writer_write(w, &b, err) : FDATA_ENOMEM;
    }
    if (status == FDATA_OK) {
        status = fdata_parquet_writer_close(w, err);
        w = NULL;
    }
    fdata_parquet_writer_free(w);
    if (status != FDATA_OK && !err->code)
        snprintf(err->message, sizeof err->message, "out of memory");
    return status;
}

/* mkdir -p */
static void make_dirs(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    mkdir(path, 0777);
}

static int gen_local(const struct gen_args *a) {
    make_dirs(a->out);
    for (int i = 0; i < a->files; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/part-%05d.parquet", a->out, i);
        FILE *f = fopen(path, "wb");
        if (!f)
            return cli_fail("%s: cannot create", path);
        struct fdata_error err = {0};
        int rc = write_part(a, i, to_file, f, &err) == FDATA_OK ? 0 : cli_fail("%s", err.message);
        if (fclose(f) != 0 && rc == 0)
            rc = cli_fail("%s: write error", path);
        if (rc) {
            remove(path);
            return rc;
        }
    }
    return 0;
}

static int gen_s3(const struct gen_args *a) {
    fdata_s3_client *client;
    if (cli_s3_client(&a->s3, &client))
        return 1;
    int rc = 0;
    for (int i = 0; i < a->files && rc == 0; i++) { /* each file streamed up as it is written */
        char url[4096];
        snprintf(url, sizeof url, "%s%spart-%05d.parquet", a->out,
                 a->out[strlen(a->out) - 1] == '/' ? "" : "/", i);
        struct cli_upload_sink sink = {0};
        struct fdata_error err = {0};
        if (fdata_s3_upload_new(client, url, &sink.up, &err) != FDATA_OK) {
            rc = cli_fail("%s", err.message);
        } else if (write_part(a, i, cli_to_upload, &sink, &err) != FDATA_OK) {
            rc = cli_fail("%s", sink.err.code ? sink.err.message : err.message);
            fdata_s3_upload_abort(sink.up);
        } else if (fdata_s3_upload_finish(sink.up, &err) != FDATA_OK) {
            rc = cli_fail("%s", err.message);
        }
    }
    fdata_s3_client_free(client);
    return rc;
}

int cmd_gen(int argc, char **argv) {
    static const struct option longopts[] = {
        {"files", required_argument, NULL, 'n'}, {"rows-per-file", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'}, {"codec", required_argument, NULL, 'z'},
        {"level", required_argument, NULL, 'L'}, {"threads", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'}, CLI_S3_LONGOPTS, {NULL, 0, NULL, 0},
    };
    struct gen_args a = {.files = 24, .rows = 32768, .seed = 1, .w = {.codec = FDATA_CODEC_SNAPPY}};
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int s = cli_s3_option(c, optarg, &a.s3);
        if (s)
            rc = s < 0;
        else if (c == 'h')
            return puts(gen_usage), 0;
        else if (c == 'n' || c == 'r' || c == 's') {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < (c == 's' ? 0 : 1) || (c == 'n' && v > 100000))
                rc = cli_fail("--%s: '%s' is not a valid count", c == 'n' ? "files" : c == 'r' ? "rows-per-file" : "seed", optarg);
            else if (c == 'n')
                a.files = (int)v;
            else if (c == 'r')
                a.rows = v;
            else
                a.seed = (uint64_t)v;
        } else {
            rc = c == '?' ? 2 : cli_write_option(c, optarg, &a.w);
        }
    }
    if (rc == 0 && (argc - optind != 2 || strcmp(argv[optind], "ubiquant") != 0))
        rc = 2;
    if (rc == 2)
        fprintf(stderr, "%s\n%s", gen_usage, cli_s3_usage);
    if (rc)
        return rc;
    a.out = argv[optind + 1];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = cli_is_s3(a.out) ? gen_s3(&a) : gen_local(&a);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == 0)
        fprintf(stderr, "wrote %d files of %lld rows to %s in %.2f s\n", a.files, (long long)a.rows,
                a.out, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
    return rc;
}
