/* SigV4 signing with OpenSSL's libcrypto for SHA-256 and HMAC. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include "../common/common.h"
#include "../common/strbuf.h"
#include "sigv4.h"

static void to_hex(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void s3_sha256_hex(const void *data, size_t n, char out[65]) {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    to_hex(md, 32, out);
}

static void hmac(const void *key, size_t key_len, const char *msg, unsigned char out[32]) {
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out, &len);
}

static int unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static void uri_encode(struct fdata_strbuf *b, const char *s, size_t n, int keep_slash) {
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            fdata_sb_putc(b, (char)c);
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            fdata_sb_put(b, esc, 3);
        }
    }
}

char *s3_uri_encode(const char *s, size_t n, int keep_slash) {
    struct fdata_strbuf b = {0};
    uri_encode(&b, s, n, keep_slash);
    fdata_sb_cstr(&b);
    if (b.oom) {
        fdata_sb_free(&b);
        return NULL;
    }
    return b.buf;
}

static int hex_value(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
           c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decoding of a query component ('+' stays '+', as S3 reads it). */
static void uri_decode(struct fdata_strbuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            fdata_sb_putc(b, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            fdata_sb_putc(b, s[i]);
        }
    }
}

/* ---- canonical URI ---- */

/* Removes ".", ".." and empty segments, keeping a trailing '/' (generic SigV4 only). */
static void normalize_path(struct fdata_strbuf *out, const char *path) {
    const char *segs[256];
    size_t lens[256], n = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0 || (len == 1 && start[0] == '.'))
            continue;
        if (len == 2 && start[0] == '.' && start[1] == '.') {
            if (n)
                n--;
            continue;
        }
        if (n < 256) {
            segs[n] = start;
            lens[n++] = len;
        }
    }
    for (size_t i = 0; i < n; i++) {
        fdata_sb_putc(out, '/');
        fdata_sb_put(out, segs[i], lens[i]);
    }
    size_t plen = strlen(path);
    if (n == 0 || (plen && path[plen - 1] == '/'))
        fdata_sb_putc(out, '/');
}

static void canonical_uri(struct fdata_strbuf *b, const char *path,
                          const struct s3_sign_options *o) {
    struct fdata_strbuf norm = {0};
    const char *p = path && *path ? path : "/";
    if (o->normalize_path) {
        normalize_path(&norm, p);
        p = fdata_sb_cstr(&norm);
    }
    if (o->encode_path)
        uri_encode(b, p, strlen(p), 1);
    else
        fdata_sb_puts(b, p);
    b->oom |= norm.oom;
    fdata_sb_free(&norm);
}

/* ---- canonical query ---- */

struct param {
    char *name, *value; /* URI-encoded */
};

static int param_cmp(const void *a, const void *b) {
    const struct param *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static char *encode_component(const char *s, size_t n, int decode_first) {
    struct fdata_strbuf dec = {0};
    if (decode_first) {
        uri_decode(&dec, s, n);
        s = dec.buf ? dec.buf : "";
        n = dec.len;
    }
    char *r = dec.oom ? NULL : s3_uri_encode(s, n, 0);
    fdata_sb_free(&dec);
    return r;
}

/* Parses the wire query (decoding each part) and adds `extra` raw name/value pairs. */
static int collect_params(const char *query, const struct s3_header *extra, size_t n_extra,
                          struct param **out, size_t *count) {
    size_t cap = n_extra + 1;
    for (const char *q = query; q && *q; q++)
        cap += *q == '&';
    struct param *ps = calloc(cap, sizeof *ps);
    if (!ps)
        return FDATA_ENOMEM;
    size_t n = 0;
    const char *q = query && *query ? query : NULL;
    while (q) {
        const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q);
        const char *eq = memchr(q, '=', (size_t)(end - q));
        if (end > q) {
            const char *name_end = eq ? eq : end;
            ps[n].name = encode_component(q, (size_t)(name_end - q), 1);
            ps[n].value = eq ? encode_component(eq + 1, (size_t)(end - eq - 1), 1) : strdup("");
            n++;
        }
        q = amp ? amp + 1 : NULL;
    }
    for (size_t i = 0; i < n_extra; i++, n++) {
        ps[n].name = encode_component(extra[i].name, strlen(extra[i].name), 0);
        ps[n].value = encode_component(extra[i].value, strlen(extra[i].value), 0);
    }
    *out = ps;
    *count = n;
    for (size_t i = 0; i < n; i++)
        if (!ps[i].name || !ps[i].value)
            return FDATA_ENOMEM;
    qsort(ps, n, sizeof *ps, param_cmp);
    return FDATA_OK;
}

static void free_params(struct param *ps, size_t n) {
    for (size_t i = 0; ps && i < n; i++) {
        free(ps[i].name);
        free(ps[i].value);
    }
    free(ps);
}

static void put_params(struct fdata_strbuf *b, const struct param *ps, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i)
            fdata_sb_putc(b, '&');
        fdata_sb_puts(b, ps[i].name);
        fdata_sb_putc(b, '=');
        fdata_sb_puts(b, ps[i].value);
    }
}

/* ---- canonical headers ---- */

struct hdr {
    char *name;       /* lowercase */
    const char *value;
    size_t order;     /* keeps duplicates in request order */
};

static int hdr_cmp(const void *a, const void *b) {
    const struct hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* A header value trimmed, with every run of white space (folded lines too) made one space. */
static void put_trimmed(struct fdata_strbuf *b, const char *v) {
    int pending_space = 0, started = 0;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
            pending_space = started;
            continue;
        }
        if (pending_space)
            fdata_sb_putc(b, ' ');
        fdata_sb_putc(b, *v);
        pending_space = 0;
        started = 1;
    }
}

/* Canonical headers ("name:value\n" sorted, duplicates joined by ',') and signed headers. */
static int canonical_headers(const struct s3_header *h, size_t n, struct fdata_strbuf *canon,
                             struct fdata_strbuf *signed_names) {
    struct hdr *hs = calloc(n + 1, sizeof *hs);
    if (!hs)
        return FDATA_ENOMEM;
    int status = FDATA_OK;
    for (size_t i = 0; i < n; i++) {
        hs[i].name = strdup(h[i].name);
        hs[i].value = h[i].value;
        hs[i].order = i;
        if (!hs[i].name)
            status = FDATA_ENOMEM;
        for (char *c = hs[i].name; c && *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    }
    if (status == FDATA_OK) {
        qsort(hs, n, sizeof *hs, hdr_cmp);
        for (size_t i = 0; i < n; i++) {
            int same = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;
            if (same) {
                fdata_sb_putc(canon, ',');
            } else {
                if (i > 0) {
                    fdata_sb_putc(canon, '\n');
                    fdata_sb_putc(signed_names, ';');
                }
                fdata_sb_puts(canon, hs[i].name);
                fdata_sb_putc(canon, ':');
                fdata_sb_puts(signed_names, hs[i].name);
            }
            put_trimmed(canon, hs[i].value);
        }
        if (n)
            fdata_sb_putc(canon, '\n');
    }
    for (size_t i = 0; i < n; i++)
        free(hs[i].name);
    free(hs);
    return status;
}

/* ---- the signature ---- */

struct signing {
    const struct s3_sign_request *r;
    const struct s3_credentials *c;
    const struct s3_sign_options *o;
    char date[9], scope[128];
    struct fdata_strbuf creq, signed_names;
};

static void start_signing(struct signing *s, struct s3_signed *out) {
    struct tm tm;
    gmtime_r(&s->o->time, &tm);
    strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
    memcpy(s->date, out->amz_date, 8);
    s->date[8] = '\0';
    snprintf(s->scope, sizeof s->scope, "%s/%s/%s/aws4_request", s->date, s->o->region,
             s->o->service);
}

/* Method, URI, query and headers; the caller has put the canonical query in `query`. */
static int build_canonical_request(struct signing *s, const char *query,
                                   const struct s3_header *headers, size_t n) {
    struct fdata_strbuf *b = &s->creq;
    fdata_sb_puts(b, s->r->method);
    fdata_sb_putc(b, '\n');
    canonical_uri(b, s->r->path, s->o);
    fdata_sb_putc(b, '\n');
    fdata_sb_puts(b, query);
    fdata_sb_putc(b, '\n');
    FDATA_RETURN_IF(canonical_headers(headers, n, b, &s->signed_names));
    fdata_sb_putc(b, '\n');
    fdata_sb_puts(b, fdata_sb_cstr(&s->signed_names));
    fdata_sb_putc(b, '\n');
    fdata_sb_puts(b, s->r->payload_hash);
    return b->oom || s->signed_names.oom ? FDATA_ENOMEM : FDATA_OK;
}

static int finish_signature(struct signing *s, struct s3_signed *out) {
    char creq_hash[65];
    const char *creq = fdata_sb_cstr(&s->creq);
    s3_sha256_hex(creq, s->creq.len, creq_hash);
    size_t len = 17 + 17 + strlen(s->scope) + 1 + 65;
    out->string_to_sign = malloc(len);
    out->canonical_request = strdup(creq);
    size_t klen = strlen(s->c->secret_key) + 5;
    char *key = malloc(klen);
    if (!out->string_to_sign || !out->canonical_request || !key) {
        free(key);
        return FDATA_ENOMEM;
    }
    snprintf(out->string_to_sign, len, "AWS4-HMAC-SHA256\n%s\n%s\n%s", out->amz_date, s->scope,
             creq_hash);
    snprintf(key, klen, "AWS4%s", s->c->secret_key);
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    hmac(key, klen - 1, s->date, k1);
    hmac(k1, 32, s->o->region, k2);
    hmac(k2, 32, s->o->service, k3);
    hmac(k3, 32, "aws4_request", k4);
    hmac(k4, 32, out->string_to_sign, sig);
    OPENSSL_cleanse(key, klen);
    OPENSSL_cleanse(k4, sizeof k4);
    free(key);
    to_hex(sig, 32, out->signature);
    return FDATA_OK;
}

static int check_request(const struct s3_sign_request *r, const struct s3_credentials *c,
                         const struct s3_sign_options *o, struct fdata_error *err) {
    if (!r->method || !r->payload_hash || !c->access_key || !c->secret_key || !o->region ||
        !o->service)
        return fdata_set_error(err, FDATA_EINVAL, "SigV4: incomplete request or credentials");
    return FDATA_OK;
}

static int sign_fail(struct signing *s, struct s3_signed *out, int status,
                     struct fdata_error *err) {
    fdata_sb_free(&s->creq);
    fdata_sb_free(&s->signed_names);
    if (status != FDATA_OK) {
        s3_signed_free(out);
        return fdata_set_error(err, status, "SigV4: out of memory");
    }
    return FDATA_OK;
}

int s3_sign_header(const struct s3_sign_request *r, const struct s3_credentials *c,
                   const struct s3_sign_options *o, struct s3_signed *out,
                   struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    FDATA_RETURN_IF(check_request(r, c, o, err));
    struct signing s = {.r = r, .c = c, .o = o};
    start_signing(&s, out);
    /* the request's headers plus the ones signing adds */
    struct s3_header *hs = calloc(r->num_headers + 3, sizeof *hs);
    if (!hs)
        return fdata_set_error(err, FDATA_ENOMEM, "SigV4: out of memory");
    size_t n = r->num_headers;
    memcpy(hs, r->headers, n * sizeof *hs);
    hs[n++] = (struct s3_header){"x-amz-date", out->amz_date};
    if (c->session_token && !o->omit_session_token)
        hs[n++] = (struct s3_header){"x-amz-security-token", c->session_token};
    if (r->sign_payload_header)
        hs[n++] = (struct s3_header){"x-amz-content-sha256", r->payload_hash};
    struct param *ps = NULL;
    size_t np = 0;
    struct fdata_strbuf query = {0};
    int status = collect_params(r->query, NULL, 0, &ps, &np);
    if (status == FDATA_OK) {
        put_params(&query, ps, np);
        status = build_canonical_request(&s, fdata_sb_cstr(&query), hs, n);
    }
    if (status == FDATA_OK)
        status = finish_signature(&s, out);
    if (status == FDATA_OK) {
        size_t len = strlen(c->access_key) + strlen(s.scope) + s.signed_names.len + 128;
        out->authorization = malloc(len);
        if (out->authorization)
            snprintf(out->authorization, len,
                     "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                     c->access_key, s.scope, fdata_sb_cstr(&s.signed_names), out->signature);
        else
            status = FDATA_ENOMEM;
    }
    free_params(ps, np);
    fdata_sb_free(&query);
    free(hs);
    return sign_fail(&s, out, status, err);
}

int s3_sign_query(const struct s3_sign_request *r, const struct s3_credentials *c,
                  const struct s3_sign_options *o, struct s3_signed *out,
                  struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    FDATA_RETURN_IF(check_request(r, c, o, err));
    struct signing s = {.r = r, .c = c, .o = o};
    start_signing(&s, out);
    /* the signed header names go into the query, so compute them first */
    struct fdata_strbuf scratch = {0};
    int status = canonical_headers(r->headers, r->num_headers, &scratch, &s.signed_names);
    fdata_sb_free(&scratch);
    char credential[256], expires[24];
    snprintf(credential, sizeof credential, "%s/%s", c->access_key, s.scope);
    snprintf(expires, sizeof expires, "%d", o->expires);
    struct s3_header extra[6] = {
        {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"}, {"X-Amz-Credential", credential},
        {"X-Amz-Date", out->amz_date}, {"X-Amz-Expires", expires},
        {"X-Amz-SignedHeaders", fdata_sb_cstr(&s.signed_names)},
    };
    size_t n_extra = 5;
    if (c->session_token && !o->omit_session_token)
        extra[n_extra++] = (struct s3_header){"X-Amz-Security-Token", c->session_token};
    struct param *ps = NULL;
    size_t np = 0;
    struct fdata_strbuf query = {0};
    if (status == FDATA_OK)
        status = collect_params(r->query, extra, n_extra, &ps, &np);
    if (status == FDATA_OK) {
        put_params(&query, ps, np);
        fdata_sb_free(&s.signed_names); /* rebuilt with the canonical request */
        status = build_canonical_request(&s, fdata_sb_cstr(&query), r->headers, r->num_headers);
    }
    if (status == FDATA_OK)
        status = finish_signature(&s, out);
    if (status == FDATA_OK) {
        fdata_sb_puts(&query, "&X-Amz-Signature=");
        fdata_sb_puts(&query, out->signature);
        out->query = strdup(fdata_sb_cstr(&query));
        status = out->query && !query.oom ? FDATA_OK : FDATA_ENOMEM;
    }
    free_params(ps, np);
    fdata_sb_free(&query);
    return sign_fail(&s, out, status, err);
}

void s3_signed_free(struct s3_signed *s) {
    free(s->canonical_request);
    free(s->string_to_sign);
    free(s->authorization);
    free(s->query);
    memset(s, 0, sizeof *s);
}
