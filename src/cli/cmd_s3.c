/* fastdata ls / stat / get / put: S3 objects from the command line. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../common/strbuf.h"
#include "../pipeline/key_file.h"
#include "cli.h"

struct s3_args {
    struct fdata_s3_options s3;
    struct fdata_s3_get_options get;
    int recursive, long_format, parquet;
    size_t memory_limit;          /* get: bytes of objects held at once */
    const char *out_dir;          /* get: -o DIR, or "-" for stdout */
    struct cli_timeline tl;       /* get, put: --trace, --report */
    int first, argc;
    char **argv;
};

/* Parses the command's own flags (given in `flags`: r, l, o) and the S3 options. */
static int parse_args(int argc, char **argv, const char *usage, const char *flags,
                      struct s3_args *a) {
    static const struct option longopts[] = {
        {"recursive", no_argument, NULL, 'r'}, {"long", no_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {"connections", required_argument, NULL, 'C'}, {"part-size", required_argument, NULL, 'P'},
        {"multipart-threshold", required_argument, NULL, 'T'}, {"parquet", no_argument, NULL, 'Q'},
        {"memory-limit", required_argument, NULL, 'M'}, CLI_TRACE_LONGOPT,
        CLI_S3_LONGOPTS, {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    int c;
    while ((c = getopt_long(argc, argv, "rlo:h", longopts, NULL)) != -1) {
        int s3 = cli_s3_option(c, optarg, &a->s3);
        if (s3 < 0)
            return 1;
        if (s3 > 0)
            continue;
        if (c == 'h') {
            printf("%s\n%s%s", usage, strchr(flags, 'E') ? cli_trace_usage : "", cli_s3_usage);
            exit(0);
        }
        if (c == '?' || !strchr(flags, c == CLI_REPORT_OPT ? 'E' : c)) { /* both or neither */
            fprintf(stderr, "%s\n%s", usage, cli_s3_usage);
            return 1;
        }
        char *end;
        if (c == 'r') {
            a->recursive = 1;
        } else if (c == 'l') {
            a->long_format = 1;
        } else if (c == 'Q') {
            a->parquet = 1;
        } else if (cli_timeline_option(c, optarg, &a->tl)) {
        } else if (c == 'C') {
            a->get.connections = (int)strtol(optarg, &end, 10);
            if (*end || a->get.connections < 1 || a->get.connections > 1024)
                return cli_fail("--connections wants 1..1024, not '%s'", optarg);
        } else if (c == 'P' || c == 'T' || c == 'M') {
            long long mib = strtoll(optarg, &end, 10);
            if (*end || mib < 1 || mib > (c == 'M' ? 1 << 24 : 4096))
                return cli_fail("--%s wants MiB, 1..%d, not '%s'", c == 'P' ? "part-size" :
                                c == 'T' ? "multipart-threshold" : "memory-limit",
                                c == 'M' ? 1 << 24 : 4096, optarg);
            if (c == 'M')
                a->memory_limit = (size_t)mib << 20;
            else if (c == 'T')
                a->s3.multipart_threshold = (size_t)mib << 20;
            else /* get: ranged parts; put: upload parts */
                a->get.part_size = a->s3.upload_part_size = (size_t)mib << 20;
        } else {
            a->out_dir = optarg;
        }
    }
    a->first = optind;
    a->argc = argc;
    a->argv = argv;
    return 0;
}

/* Parses a command that takes exactly one s3:// URL, and makes its client. */
static int one_url_command(int argc, char **argv, const char *usage, const char *flags,
                           const char *name, struct s3_args *a, fdata_s3_client **client) {
    if (parse_args(argc, argv, usage, flags, a))
        return 1;
    if (a->argc - a->first != 1 || !cli_is_s3(argv[a->first]))
        return cli_fail("%s takes one s3:// URL", name);
    return cli_s3_client(&a->s3, client);
}

static const char ls_usage[] =
    "usage: fastdata ls s3://bucket/prefix [-r|--recursive] [-l|--long] [S3 options]\n"
    "Lists the keys below a prefix (one level unless -r); --long adds size, date and ETag.";

int cmd_ls(int argc, char **argv) {
    struct s3_args a;
    fdata_s3_client *client;
    if (one_url_command(argc, argv, ls_usage, "rl", "ls", &a, &client))
        return 1;
    struct fdata_s3_listing l;
    struct fdata_error err = {0};
    int rc = 0;
    if (fdata_s3_list(client, argv[a.first], a.recursive, &l, &err) != FDATA_OK) {
        rc = cli_fail("%s", err.message);
    } else {
        for (size_t i = 0; i < l.count; i++) {
            const struct fdata_s3_entry *e = &l.entries[i];
            char key[4200];
            fdata_escape_controls(e->key, key, sizeof key);
            if (a.long_format && !e->is_prefix)
                printf("%12" PRId64 "  %s  %s  %s\n", e->size, e->last_modified ? e->last_modified : "-",
                       e->etag ? e->etag : "-", key);
            else if (a.long_format)
                printf("%12s  %s\n", "PRE", key);
            else
                printf("%s\n", key);
        }
        fdata_s3_listing_free(&l);
    }
    fdata_s3_client_free(client);
    return rc;
}

static const char stat_usage[] =
    "usage: fastdata stat s3://bucket/key [S3 options]\n"
    "Prints the object's size in bytes, ETag, last-modified time and content type.";

int cmd_stat(int argc, char **argv) {
    struct s3_args a;
    fdata_s3_client *client;
    if (one_url_command(argc, argv, stat_usage, "", "stat", &a, &client))
        return 1;
    struct fdata_s3_object_info info;
    struct fdata_error err = {0};
    int rc = 0;
    if (fdata_s3_stat(client, argv[a.first], &info, &err) != FDATA_OK)
        rc = cli_fail("%s", err.message);
    else
        printf("url: %s\nsize: %" PRId64 "\netag: %s\nlast_modified: %s\ncontent_type: %s\n",
               argv[a.first], info.size, info.etag, info.last_modified, info.content_type);
    fdata_s3_client_free(client);
    return rc;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct transfer_totals {
    size_t objects, bytes;
    double start;
};

struct url_list {
    char **urls;
    char **names;                 /* output file names: keys relative to the prefix */
    int64_t *sizes;               /* from the listing, or -1 */
    size_t count, cap;
};

static int add_url(struct url_list *l, const char *url, const char *name, int64_t size) {
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **u = realloc(l->urls, cap * sizeof *u);
        if (u)
            l->urls = u;
        char **n = u ? realloc(l->names, cap * sizeof *n) : NULL;
        if (n)
            l->names = n;
        int64_t *z = n ? realloc(l->sizes, cap * sizeof *z) : NULL;
        if (z)
            l->sizes = z;
        if (!u || !n || !z)
            return cli_fail("out of memory");
        l->cap = cap;
    }
    l->urls[l->count] = strdup(url);
    l->names[l->count] = strdup(name);
    l->sizes[l->count] = size;
    l->count++;
    return l->urls[l->count - 1] && l->names[l->count - 1] ? 0 : cli_fail("out of memory");
}

static void free_urls(struct url_list *l) {
    for (size_t i = 0; i < l->count; i++) {
        free(l->urls[i]);
        free(l->names[i]);
    }
    free(l->urls);
    free(l->names);
    free(l->sizes);
}

static int write_object(const char *dir, const char *name, const void *data, size_t size) {
    struct fdata_error err = {0};
    return key_file_write(dir, name, data, size, &err) == FDATA_OK ? 0 : cli_fail("%s", err.message);
}

/* The file name below DIR for a key listed below prefix ("" for a URL's last segment);
 * NULL after saying why it cannot be one. */
static const char *file_name(const char *bucket_url_end, const char *url, const char *key,
                             const char *prefix) {
    const char *why, *name = key_file_name(key, prefix, &why);
    char shown[4200];
    if (!name)
        cli_fail("%.*s%s: not written to a file: %s", (int)(bucket_url_end - url), url,
                 fdata_escape_controls(key, shown, sizeof shown), why);
    return name;
}

/* A URL ending in '/' is a prefix: every object below it (folder markers skipped), files
 * named by their keys below it when out_dir is a folder (not "-"). */
static int expand_url(fdata_s3_client *client, const char *url, const char *out_dir,
                      struct url_list *out) {
    size_t n = strlen(url);
    int to_dir = strcmp(out_dir, "-") != 0;
    const char *bucket_end = strchr(url + 5, '/');
    const char *bucket_url_end = bucket_end ? bucket_end + 1 : url + n;
    if (url[n - 1] != '/') {
        const char *base = strrchr(url + 5, '/'), *name = base ? base + 1 : url + 5;
        if (to_dir && !file_name(name, url, name, ""))
            return 1;
        return add_url(out, url, name, -1);
    }
    struct fdata_s3_listing l;
    struct fdata_error err = {0};
    if (fdata_s3_list(client, url, 1, &l, &err) != FDATA_OK)
        return cli_fail("%s", err.message);
    int rc = 0;
    for (size_t i = 0; i < l.count && rc == 0; i++) {
        const char *key = l.entries[i].key, *name = key;
        if (key_is_folder_marker(key, l.entries[i].size))
            continue;
        if (to_dir && !(name = file_name(bucket_url_end, url, key, bucket_url_end)))
            rc = 1;
        char obj[4096];
        int len = snprintf(obj, sizeof obj, "%.*s%s", (int)(bucket_url_end - url), url, key);
        if (rc == 0 && len >= (int)sizeof obj) /* never a truncated key: another object */
            rc = cli_fail("%.*s...: an object URL of %d bytes: too long (at most %zu)", 200, obj,
                          len, sizeof obj - 1);
        if (rc == 0)
            rc = add_url(out, obj, name, l.entries[i].size);
    }
    fdata_s3_listing_free(&l);
    return rc;
}

/* The bytes of downloaded objects `get` holds at once by default (more when one object is
 * larger). */
#define GET_MEMORY_LIMIT ((size_t)1 << 30)

/* Where objects go as they arrive, on the download threads: into DIR at once, or to
 * standard output in the order given (an object that arrives early waits, held, until those
 * before it are out).  The budget bounds the bytes held, so a prefix larger than memory
 * streams through. */
struct get_sink {
    const struct url_list *l;
    const char *out_dir;
    fdata_s3_budget *budget;
    struct fdata_s3_get_result *held; /* stdout: arrived, not yet written */
    uint8_t *arrived;             /* stdout: arrived; DIR: written (removed on failure) */
    size_t next;                  /* stdout: the next object to write */
    struct transfer_totals *t;
    pthread_mutex_t lock;
    volatile int failed;          /* a write failed (or an object): the rest is cancelled */
};

/* Under the lock: writes object i (unless something failed) and gives its bytes back. */
static void emit(struct get_sink *s, size_t i, struct fdata_s3_get_result *r) {
    if (r->status != FDATA_OK) {
        s->failed = 1; /* fdata_s3_get_many reports it */
    } else if (!s->failed) {
        int rc = strcmp(s->out_dir, "-") == 0
                     ? (r->size && fwrite(r->data, 1, r->size, stdout) != r->size
                            ? cli_fail("write error on stdout") : 0)
                     : write_object(s->out_dir, s->l->names[i], r->data, r->size);
        s->failed = rc != 0;
        s->t->objects += rc == 0;
        s->t->bytes += rc == 0 ? r->size : 0;
    }
    fdata_s3_data_free(r->data);
    r->data = NULL;
    if (r->status == FDATA_OK)
        fdata_s3_budget_release(s->budget, r->size);
}

static void on_object(void *ctx, size_t i, struct fdata_s3_get_result *r) {
    struct get_sink *s = ctx;
    pthread_mutex_lock(&s->lock);
    if (strcmp(s->out_dir, "-") != 0) {
        s->arrived[i] = r->status == FDATA_OK && !s->failed;
        emit(s, i, r);
    } else {
        s->held[i] = *r;
        r->data = NULL;
        s->arrived[i] = 1;
        for (; s->next < s->l->count && s->arrived[s->next]; s->next++)
            emit(s, s->next, &s->held[s->next]);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Downloads every URL in parallel, each written out as soon as it (and, to standard
 * output, every one before it) has arrived. */
static int get_all(fdata_s3_client *client, const struct url_list *l, const struct s3_args *a,
                   struct transfer_totals *t) {
    struct get_sink s = {.l = l, .out_dir = a->out_dir, .t = t,
                         .budget = fdata_s3_budget_new(a->memory_limit ? a->memory_limit
                                                                       : GET_MEMORY_LIMIT),
                         .held = calloc(l->count + 1, sizeof *s.held),
                         .arrived = calloc(l->count + 1, 1)};
    struct fdata_s3_get_result *res = calloc(l->count + 1, sizeof *res);
    struct fdata_s3_get_options go = a->get;
    go.on_object = on_object;
    go.ctx = &s;
    go.budget = s.budget;
    go.sizes = l->sizes;
    go.cancel = &s.failed;
    pthread_mutex_init(&s.lock, NULL);
    int rc = res && s.budget && s.held && s.arrived ? 0 : cli_fail("out of memory");
    struct fdata_error err = {0};
    if (rc == 0 && fdata_s3_get_many(client, (const char *const *)l->urls, l->count, &go, res,
                                     &err) != FDATA_OK)
        rc = 1;
    for (size_t i = 0; rc == 1 && i < l->count; i++) /* the failure, not what it cancelled */
        if (res[i].status != FDATA_OK && res[i].status != FDATA_ECANCELED) {
            cli_fail("%s", res[i].error);
            break;
        }
    if (s.failed)
        rc = 1; /* a write failed (and said so), or an object did */
    for (size_t i = 0; rc && s.arrived && strcmp(a->out_dir, "-") != 0 && i < l->count; i++)
        if (s.arrived[i]) /* no partial download passed off as complete: its files go */
            key_file_remove(a->out_dir, l->names[i]);
    for (size_t i = 0; s.held && i < l->count; i++)
        fdata_s3_data_free(s.held[i].data); /* stdout: those after a failure */
    pthread_mutex_destroy(&s.lock);
    fdata_s3_budget_free(s.budget);
    free(s.held);
    free(s.arrived);
    free(res);
    return rc;
}

/* The totals on stderr, and in the report's summary. */
static void summary(const char *what, const struct transfer_totals *t, struct cli_timeline *tl) {
    double s = now() - t->start, gbit_s = s > 0 ? (double)t->bytes * 8 / s / 1e9 : 0.0;
    fprintf(stderr, "%s %zu objects, %zu bytes in %.3f s (%.3f Gbit/s, 10^9 bits/s)\n", what,
            t->objects, t->bytes, s, gbit_s);
    cli_fact(tl, "objects", "%zu", t->objects);
    cli_fact(tl, "bytes", "%zu", t->bytes);
    cli_fact(tl, "wall time", "%.3f s", s);
    cli_fact(tl, "rate", "%.3f Gbit/s (10^9 bits/s)", gbit_s);
}

static const char get_usage[] =
    "usage: fastdata get s3://bucket/key|s3://bucket/prefix/ ... [-o DIR | -o -]\n"
    "                    [--connections N] [--part-size MIB] [--memory-limit MIB]\n"
    "                    [--trace FILE.json] [--report FILE.html] [S3 options]\n"
    "Downloads objects in parallel into memory (a URL ending in '/' means every object below\n"
    "it; large objects in ranged parts of 8 MiB by default, over as many connections as\n"
    "--target-gbps asks for, 16 by default) and writes each as soon as it is in into DIR\n"
    "(made if missing, parents too; default: the current directory; files named by their keys\n"
    "below the prefix, which must be plain relative paths; folder markers skipped) or, with\n"
    "-o -, to standard output in the order given; at most --memory-limit of objects (default\n"
    "1024 MiB, or the largest object) is held at once.  When an object fails, the files this\n"
    "call wrote are removed.";

int cmd_get(int argc, char **argv) {
    struct s3_args a;
    if (parse_args(argc, argv, get_usage, "oCPME", &a))
        return 1;
    if (a.argc - a.first < 1)
        return cli_fail("get takes one or more s3:// URLs");
    for (int i = a.first; i < a.argc; i++)
        if (!cli_is_s3(argv[i]))
            return cli_fail("'%s' is not an s3:// URL", argv[i]);
    if (!a.out_dir)
        a.out_dir = ".";
    fdata_s3_client *client;
    int failed = cli_trace_begin(&a.tl, "fastdata get", &a.s3);
    a.s3.trace = a.tl.trace;
    if (failed || cli_s3_client(&a.s3, &client))
        return cli_trace_end(&a.tl, 1);
    struct transfer_totals t = {.start = now()};
    struct url_list urls = {0};
    int rc = 0;
    for (int i = a.first; i < a.argc && rc == 0; i++)
        rc = expand_url(client, argv[i], a.out_dir, &urls);
    if (rc == 0)
        rc = get_all(client, &urls, &a, &t);
    if (rc == 0)
        summary("got", &t, &a.tl);
    free_urls(&urls);
    fdata_s3_client_free(client);
    return cli_trace_end(&a.tl, rc);
}

static const char put_usage[] =
    "usage: fastdata put FILE... s3://bucket/prefix/ [--part-size MIB]\n"
    "                    [--multipart-threshold MIB] [--parquet] [--trace FILE.json]\n"
    "                    [--report FILE.html] [S3 options]\n"
    "Uploads files under the prefix (keys: prefix + file name), or one FILE to s3://bucket/key.\n"
    "With --parquet each FILE (CSV, JSONL or Parquet) is written as snappy Parquet, streamed up\n"
    "part by part while it is written, as NAME.parquet under the prefix.\n"
    "Files above the threshold (default 64 MiB) go as multipart uploads in parallel parts\n"
    "(default 8 MiB; S3 wants at least 5 MiB).";

static int put_file(fdata_s3_client *client, const char *file, const char *dest,
                    struct transfer_totals *t) {
    FILE *f = fopen(file, "rb");
    if (!f)
        return cli_fail("%s: cannot open: %s", file, strerror(errno));
    struct fdata_strbuf_local { char *p; size_t n; } buf = {NULL, 0};
    char chunk[1 << 16];
    size_t got;
    int rc = 0;
    while (rc == 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        char *p = realloc(buf.p, buf.n + got);
        if (!p) {
            rc = cli_fail("%s: out of memory", file);
            break;
        }
        memcpy(p + buf.n, chunk, got);
        buf.p = p;
        buf.n += got;
    }
    if (rc == 0 && ferror(f))
        rc = cli_fail("%s: read error", file);
    fclose(f);
    struct fdata_error err = {0};
    if (rc == 0 && fdata_s3_put(client, dest, buf.p, buf.n, &err) != FDATA_OK)
        rc = cli_fail("%s", err.message);
    if (rc == 0) {
        t->objects++;
        t->bytes += buf.n;
    }
    free(buf.p);
    return rc;
}

int cmd_put(int argc, char **argv) {
    struct s3_args a;
    if (parse_args(argc, argv, put_usage, "PTQE", &a))
        return 1;
    int nfiles = a.argc - a.first - 1;
    const char *dest = argv[a.argc - 1];
    if (nfiles < 1 || !cli_is_s3(dest))
        return cli_fail("put takes FILE... and an s3:// destination");
    int to_prefix = dest[strlen(dest) - 1] == '/';
    if (!to_prefix && nfiles > 1)
        return cli_fail("several files need a destination prefix ending in '/'");
    fdata_s3_client *client;
    int failed = cli_trace_begin(&a.tl, "fastdata put", &a.s3);
    a.s3.trace = a.tl.trace; /* --parquet's clients too */
    if (failed || cli_s3_client(&a.s3, &client))
        return cli_trace_end(&a.tl, 1);
    struct transfer_totals t = {.start = now()};
    int rc = 0;
    for (int i = a.first; i < a.argc - 1 && rc == 0; i++) {
        char url[4096];
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        if (a.parquet && to_prefix) { /* NAME.csv -> NAME.parquet */
            const char *dot = strrchr(base, '.');
            snprintf(url, sizeof url, "%s%.*s.parquet", dest, dot ? (int)(dot - base) : (int)strlen(base), base);
        } else {
            snprintf(url, sizeof url, "%s%s", dest, to_prefix ? base : "");
        }
        rc = a.parquet ? cli_convert_to_parquet(argv[i], url, &a.s3) : put_file(client, argv[i], url, &t);
        t.objects += a.parquet && rc == 0;
    }
    if (rc == 0)
        summary("put", &t, &a.tl);
    fdata_s3_client_free(client);
    return cli_trace_end(&a.tl, rc);
}
