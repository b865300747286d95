/* SigV4 against every case of tests/data/sigv4 (aws-c-auth's suite and the S3 cases):
 * canonical request, string to sign and signature must match byte for byte, for header
 * signing and, where the case has them, query signing.  argv[1] is tests/data/parquet; the
 * vectors sit beside it in tests/data/sigv4. */
#include <dirent.h>
#include <stdlib.h>
#include "check.h"
#include "s3/sigv4.h"
#include "test_util.h"

static char *read_text(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n;
    char *b = slurp(path, &n);
    if (!b && n == 0) {
        FILE *f = fopen(path, "rb"); /* an empty file */
        if (!f)
            return NULL;
        fclose(f);
    }
    char *s = malloc(n + 1);
    if (n)
        memcpy(s, b, n);
    s[n] = '\0';
    free(b);
    return s;
}

/* The value of "key" in a flat JSON object: a string (copied), true/false, or a number. */
static char *json_field(const char *json, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(json, pat);
    if (!p)
        return NULL;
    p = strchr(p + strlen(pat), ':') + 1;
    while (*p == ' ' || *p == '\n')
        p++;
    const char *end = *p == '"' ? strchr(p + 1, '"') : p + strcspn(p, ",}\n ");
    if (*p == '"')
        p++;
    return strndup(p, (size_t)(end - p));
}

static int json_bool(const char *json, const char *key, int dflt) {
    char *v = json_field(json, key);
    int r = v ? strcmp(v, "true") == 0 : dflt;
    free(v);
    return r;
}

static time_t parse_time(const char *iso) {
    struct tm tm = {0};
    sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
           &tm.tm_min, &tm.tm_sec);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

struct parsed {
    char *method, *path, *query, *body;
    struct s3_header headers[32];
    int owned[32];       /* the value was rebuilt by folding: malloc'ed */
    size_t num_headers;
};

/* request.txt as aws-c-auth's harness reads it (see tests/data/sigv4/README.md). */
static void parse_request(char *text, struct parsed *r) {
    memset(r, 0, sizeof *r);
    char *nl = strchr(text, '\n');
    *nl = '\0';
    char *sp = strchr(text, ' ');
    *sp = '\0';
    r->method = text;
    char *target = sp + 1, *ver = strstr(target, " HTTP/1.1");
    *ver = '\0';
    char *q = strchr(target, '?');
    if (q)
        *q = '\0';
    r->path = target;
    r->query = q ? q + 1 : NULL;
    char *line = nl + 1;
    while (line && *line && *line != '\n') {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if ((*line == ' ' || *line == '\t') && r->num_headers) { /* a folded value */
            struct s3_header *h = &r->headers[r->num_headers - 1];
            size_t a = strlen(h->value), b = strlen(line);
            char *v = malloc(a + b + 2);
            memcpy(v, h->value, a);
            v[a] = '\n';
            memcpy(v + a + 1, line, b + 1);
            if (r->owned[r->num_headers - 1])
                free((char *)h->value);
            h->value = v; /* freed by free_folded() */
            r->owned[r->num_headers - 1] = 1;
        } else {
            char *colon = strchr(line, ':');
            *colon = '\0';
            r->headers[r->num_headers++] = (struct s3_header){line, colon + 1};
        }
        line = end ? end + 1 : NULL;
    }
    r->body = line && *line == '\n' ? line + 1 : (line ? line : (char *)"");
}

static void free_folded(struct parsed *r) {
    for (size_t i = 0; i < r->num_headers; i++)
        if (r->owned[i])
            free((char *)r->headers[i].value);
}

static int matches(const char *dir, const char *file, const char *got) {
    char *want = read_text(dir, file);
    int ok = want && strcmp(want, got) == 0;
    if (!ok)
        fprintf(stderr, "%s/%s differs:\n--- want\n%s\n--- got\n%s\n", dir, file,
                want ? want : "(missing)", got);
    free(want);
    return ok;
}

static void run_case(const char *dir) {
    char *ctx = read_text(dir, "context.json");
    char *req = read_text(dir, "request.txt");
    CHECK(ctx && req);
    if (!ctx || !req)
        return;
    struct parsed r;
    parse_request(req, &r);
    char *ak = json_field(ctx, "access_key_id"), *sk = json_field(ctx, "secret_access_key");
    char *token = json_field(ctx, "token"), *region = json_field(ctx, "region");
    char *service = json_field(ctx, "service"), *ts = json_field(ctx, "timestamp");
    char *exp = json_field(ctx, "expiration_in_seconds");
    int sign_body = json_bool(ctx, "sign_body", 0);
    char hash[65];
    if (sign_body)
        s3_sha256_hex(r.body, strlen(r.body), hash);
    else
        strcpy(hash, S3_EMPTY_SHA256);
    struct s3_credentials c = {ak, sk, token};
    struct s3_sign_options o = {
        .region = region, .service = service, .time = parse_time(ts),
        .normalize_path = json_bool(ctx, "normalize", 1),
        .encode_path = json_bool(ctx, "double_uri_encode", 1),
        .omit_session_token = json_bool(ctx, "omit_session_token", 0),
        .expires = exp ? atoi(exp) : 3600,
    };
    struct s3_sign_request sr = {r.method, r.path, r.query, r.headers, r.num_headers, hash, sign_body};
    struct s3_signed out;
    struct fdata_error err = {0};
    CHECK(s3_sign_header(&sr, &c, &o, &out, &err) == FDATA_OK);
    CHECK(matches(dir, "header-canonical-request.txt", out.canonical_request));
    CHECK(matches(dir, "header-string-to-sign.txt", out.string_to_sign));
    CHECK(matches(dir, "header-signature.txt", out.signature));
    s3_signed_free(&out);
    char *qsig = read_text(dir, "query-signature.txt");
    if (qsig) {
        sr.sign_payload_header = 0;
        CHECK(s3_sign_query(&sr, &c, &o, &out, &err) == FDATA_OK);
        CHECK(matches(dir, "query-canonical-request.txt", out.canonical_request));
        CHECK(matches(dir, "query-string-to-sign.txt", out.string_to_sign));
        CHECK(matches(dir, "query-signature.txt", out.signature));
        CHECK(strstr(out.query, out.signature) != NULL);
        s3_signed_free(&out);
        free(qsig);
    }
    free_folded(&r);
    free(ak), free(sk), free(token), free(region), free(service), free(ts), free(exp);
    free(ctx);
    free(req);
}

static int cases;

static void run_dir(const char *root) {
    DIR *d = opendir(root);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", root, e->d_name);
        snprintf(path + strlen(path), sizeof path - strlen(path), "/context.json");
        FILE *f = fopen(path, "r");
        path[strlen(path) - strlen("/context.json")] = '\0';
        if (f) {
            fclose(f);
            run_case(path);
            cases++;
        } else if (strcmp(e->d_name, "v4") == 0) {
            run_dir(path);
        }
    }
    closedir(d);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_sigv4 DATA_DIR\n");
        return 2;
    }
    char root[4096];
    snprintf(root, sizeof root, "%s/../sigv4", argv[1]);
    run_dir(root);
    CHECK(cases == 42);
    printf("%d SigV4 cases\n", cases);
    return check_result("test_sigv4");
}
