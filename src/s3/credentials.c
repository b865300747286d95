/* Credentials that expire: STS AssumeRoleWithWebIdentity (IRSA on EKS and the like), the
 * container credentials endpoint (ECS, EKS Pod Identity) and EC2 instance metadata, fetched when the client is made and
 * again shortly before they expire, under the client's lock so that the threads of
 * fdata_s3_get_many never sign with half-replaced keys. */
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "../common/common.h"
#include "request.h"
#include "sigv4.h"
#include "xml.h"

#define REFRESH_MARGIN 300 /* seconds before expiry */

static char *read_token(const char *path, struct fdata_error *err) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fdata_set_error(err, FDATA_ENOTFOUND, "web identity token file %s cannot be read", path);
        return NULL;
    }
    struct fdata_strbuf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fdata_sb_put(&b, chunk, n);
    fclose(f);
    while (b.len && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r' || b.buf[b.len - 1] == ' '))
        b.len--;
    fdata_sb_cstr(&b);
    if (b.oom) {
        fdata_sb_free(&b);
        fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        return NULL;
    }
    return b.buf;
}

static void put_param(struct fdata_strbuf *b, const char *name, const char *value) {
    char *v = s3_uri_encode(value, strlen(value), 0);
    fdata_sb_putc(b, '&');
    fdata_sb_puts(b, name);
    fdata_sb_putc(b, '=');
    fdata_sb_puts(b, v ? v : "");
    b->oom |= v == NULL;
    free(v);
}

static time_t parse_iso8601(const char *s) {
    struct tm tm = {0};
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) != 6)
        return time(NULL) + 3600;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* One plain request to a credential provider (no signing: these are what signing needs).
 * q->url is the address shown in messages, never one that carries a token.  A positive
 * timeout_ms bounds the connection (and five times it the whole exchange), for providers
 * that may simply not exist here. */
static int fetch(fdata_s3_client *c, const struct request *q, const char *url,
                 struct curl_slist *headers, long timeout_ms, struct response *r,
                 struct fdata_error *err) {
    CURL *h = curl_easy_init();
    if (!h)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    s3_setup_transfer(c, h, q, url, headers, r);
    if (timeout_ms > 0) {
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5 * timeout_ms);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK)
        return fdata_set_error(err, FDATA_EIO, "%s at %s: %s", q->op, q->url,
                               curl_easy_strerror(rc));
    return r->status >= 200 && r->status < 300 ? FDATA_OK : s3_http_error(q, r, err);
}

static void response_free(struct response *r) {
    if (r->body.buf)
        OPENSSL_cleanse(r->body.buf, r->body.len); /* it may hold keys */
    fdata_sb_free(&r->body);
    memset(r, 0, sizeof *r);
}

/* POST AssumeRoleWithWebIdentity to STS, its parameters form-encoded in the body (not in
 * the URL, which proxies and server logs record); the answer's body in r. */
static int ask_sts(fdata_s3_client *c, const char *token, struct response *r,
                   struct fdata_error *err) {
    struct fdata_strbuf body = {0};
    fdata_sb_puts(&body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&DurationSeconds=3600");
    put_param(&body, "RoleArn", c->cfg.role_arn);
    put_param(&body, "RoleSessionName", c->cfg.role_session);
    put_param(&body, "WebIdentityToken", token);
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
    struct request q = {"AssumeRoleWithWebIdentity", "POST", c->cfg.sts_endpoint, NULL, NULL,
                        NULL, fdata_sb_cstr(&body), body.len, 0, -1, NULL};
    int status = body.oom || !h ? fdata_set_error(err, FDATA_ENOMEM, "out of memory")
                                : fetch(c, &q, c->cfg.sts_endpoint, h, 0, r, err);
    OPENSSL_cleanse(body.buf ? body.buf : "", body.buf ? body.len : 0); /* it held the token */
    fdata_sb_free(&body);
    curl_slist_free_all(h);
    return status;
}

static void replace(char **field, char *value) {
    if (*field)
        OPENSSL_cleanse(*field, strlen(*field));
    free(*field);
    *field = value;
}

/* Keys as the JSON credential providers (container agent, instance metadata) give them. */
struct keyset {
    char *access_key, *secret_key, *token;
    char expiration[64];
};

static void keyset_free(struct keyset *k) {
    replace(&k->access_key, NULL);
    replace(&k->secret_key, NULL);
    replace(&k->token, NULL);
}

static int set_keys(fdata_s3_client *c, const char *ak, const char *sk, const char *token,
                    const char *expiration, struct fdata_error *err) {
    char *a = strdup(ak), *s = strdup(sk), *t = token ? strdup(token) : NULL;
    if (!a || !s || (token && !t)) {
        free(a), free(s), free(t);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    replace(&c->cfg.access_key, a);
    replace(&c->cfg.secret_key, s);
    replace(&c->cfg.session_token, t);
    c->expires = parse_iso8601(expiration);
    return FDATA_OK;
}

static const char *json_string(struct json_object *o, const char *key) {
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

/* Parses {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}; FDATA_EIO naming
 * `where` when the keys are not there. */
static int keyset_from_json(struct response *r, const char *where, struct keyset *k,
                            struct fdata_error *err) {
    memset(k, 0, sizeof *k);
    struct json_object *o = json_tokener_parse(fdata_sb_cstr(&r->body));
    const char *ak = o ? json_string(o, "AccessKeyId") : NULL;
    const char *sk = o ? json_string(o, "SecretAccessKey") : NULL;
    const char *code = o ? json_string(o, "Code") : NULL;
    int status = FDATA_OK;
    if (!ak || !sk || (code && strcmp(code, "Success") != 0)) {
        status = fdata_set_error(err, FDATA_EIO, "%s: no AccessKeyId and SecretAccessKey in the "
                                 "answer%s%s", where, code ? ", code " : "", code ? code : "");
    } else {
        const char *token = json_string(o, "Token"), *exp = json_string(o, "Expiration");
        k->access_key = strdup(ak);
        k->secret_key = strdup(sk);
        k->token = dup_or_null(token);
        snprintf(k->expiration, sizeof k->expiration, "%s", exp ? exp : "");
        if (!k->access_key || !k->secret_key || (token && !k->token)) {
            keyset_free(k);
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        }
    }
    if (o)
        json_object_put(o);
    return status;
}

/* GET the container credentials endpoint, with its Authorization token if one is set. */
static int container_credentials(fdata_s3_client *c, struct fdata_error *err) {
    char *auth = c->cfg.container_auth_file ? read_token(c->cfg.container_auth_file, err) : NULL;
    if (c->cfg.container_auth_file && !auth)
        return err ? err->code : FDATA_ENOTFOUND;
    const char *token = auth ? auth : c->cfg.container_auth;
    struct curl_slist *h = NULL;
    if (token) {
        struct fdata_strbuf line = {0};
        fdata_sb_puts(&line, "Authorization: ");
        fdata_sb_puts(&line, token);
        h = curl_slist_append(NULL, fdata_sb_cstr(&line));
        OPENSSL_cleanse(line.buf ? line.buf : "", line.buf ? line.len : 0);
        fdata_sb_free(&line);
    }
    struct request q = {"container credentials", "GET", c->cfg.container_uri, NULL, NULL, NULL,
                        NULL, 0, 0, -1, NULL};
    struct response r = {0};
    struct keyset k;
    int status = !token || h ? fetch(c, &q, c->cfg.container_uri, h, 0, &r, err)
                             : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        status = keyset_from_json(&r, c->cfg.container_uri, &k, err);
    if (status == FDATA_OK) {
        status = set_keys(c, k.access_key, k.secret_key, k.token, k.expiration, err);
        keyset_free(&k);
    }
    response_free(&r);
    curl_slist_free_all(h);
    if (auth) {
        OPENSSL_cleanse(auth, strlen(auth));
        free(auth);
    }
    return status;
}

/* ---- EC2 instance metadata (IMDSv2) ---- */

#define IMDS_TOKEN_TTL 21600 /* seconds, the SDKs' choice */
#define IMDS_TIMEOUT_MS 1000 /* off EC2 nothing answers: give up soon */
#define IMDS_ROLES "/latest/meta-data/iam/security-credentials/"

/* The process's metadata session token and keys, shared by every client, so that the
 * service is asked once per process (and again before expiry), not per client or request. */
static pthread_mutex_t imds_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *endpoint, *token;
    time_t token_expires, expires;
    struct keyset keys;
} imds;

/* One IMDSv2 request: PUT asks for a session token, GET presents it. */
static int imds_request(fdata_s3_client *c, const char *method, const char *path,
                        struct response *r, struct fdata_error *err) {
    char url[1024], header[1024];
    snprintf(url, sizeof url, "%s%s", imds.endpoint, path);
    int n = strcmp(method, "PUT") == 0
                ? snprintf(header, sizeof header, "X-aws-ec2-metadata-token-ttl-seconds: %d",
                           IMDS_TOKEN_TTL)
                : snprintf(header, sizeof header, "X-aws-ec2-metadata-token: %s", imds.token);
    struct curl_slist *h = n < (int)sizeof header ? curl_slist_append(NULL, header) : NULL;
    OPENSSL_cleanse(header, sizeof header);
    struct request q = {"EC2 instance metadata", method, url, NULL, NULL, NULL, NULL, 0, 0, -1,
                        NULL};
    int status = h ? fetch(c, &q, url, h, IMDS_TIMEOUT_MS, r, err)
                   : fdata_set_error(err, FDATA_EIO, "%s: metadata token too long", url);
    curl_slist_free_all(h);
    return status;
}

/* The body of r as a string without trailing blanks, and only its first line. */
static char *first_line(struct response *r) {
    const char *b = fdata_sb_cstr(&r->body);
    size_t n = strcspn(b, "\r\n");
    while (n && b[n - 1] == ' ')
        n--;
    return strndup(b, n);
}

static int imds_fetch(fdata_s3_client *c, struct fdata_error *err) {
    time_t now = time(NULL);
    struct response r = {0};
    int status = FDATA_OK;
    if (!imds.token || now > imds.token_expires - 60) {
        status = imds_request(c, "PUT", "/latest/api/token", &r, err);
        if (status == FDATA_OK) {
            replace(&imds.token, first_line(&r));
            imds.token_expires = now + IMDS_TOKEN_TTL;
        }
        response_free(&r);
    }
    char *role = NULL;
    if (status == FDATA_OK && (status = imds_request(c, "GET", IMDS_ROLES, &r, err)) == FDATA_OK &&
        (!(role = first_line(&r)) || !*role))
        status = fdata_set_error(err, FDATA_ENOTFOUND, "EC2 instance metadata at %s: no IAM "
                                 "role attached to this instance", imds.endpoint);
    response_free(&r);
    char path[512];
    snprintf(path, sizeof path, IMDS_ROLES "%s", role ? role : "");
    free(role);
    if (status == FDATA_OK && (status = imds_request(c, "GET", path, &r, err)) == FDATA_OK) {
        keyset_free(&imds.keys);
        status = keyset_from_json(&r, "EC2 instance metadata", &imds.keys, err);
        imds.expires = parse_iso8601(imds.keys.expiration);
    }
    response_free(&r);
    return status;
}

static int imds_credentials(fdata_s3_client *c, struct fdata_error *err) {
    struct fdata_error why = {0};
    pthread_mutex_lock(&imds_lock);
    int status = FDATA_OK;
    if (!imds.endpoint || strcmp(imds.endpoint, c->cfg.imds_endpoint) != 0) {
        replace(&imds.endpoint, strdup(c->cfg.imds_endpoint));
        replace(&imds.token, NULL);
        keyset_free(&imds.keys);
    }
    if (!imds.endpoint)
        status = fdata_set_error(&why, FDATA_ENOMEM, "out of memory");
    else if (!imds.keys.access_key || time(NULL) > imds.expires - REFRESH_MARGIN)
        status = imds_fetch(c, &why);
    if (status == FDATA_OK)
        status = set_keys(c, imds.keys.access_key, imds.keys.secret_key, imds.keys.token,
                          imds.keys.expiration, &why);
    pthread_mutex_unlock(&imds_lock);
    if (status != FDATA_OK)
        status = fdata_set_error(err, status == FDATA_ENOMEM ? FDATA_ENOMEM : FDATA_ENOTFOUND,
                                 "no S3 credentials in options, environment, shared files, web "
                                 "identity or container settings, and none from EC2 instance "
                                 "metadata: %s (AWS_EC2_METADATA_DISABLED=true skips it; "
                                 "--no-sign-request for public buckets)", why.message);
    return status;
}

int s3_credentials_expire(const fdata_s3_client *c) {
    return c->cfg.role_arn || c->cfg.container_uri || c->cfg.imds_endpoint;
}

int s3_refresh_credentials(fdata_s3_client *c, struct fdata_error *err) {
    if (c->cfg.imds_endpoint)
        return imds_credentials(c, err);
    if (c->cfg.container_uri)
        return container_credentials(c, err);
    char *token = read_token(c->cfg.web_token_file, err);
    if (!token)
        return err ? err->code : FDATA_ENOTFOUND;
    struct response r = {0};
    int status = ask_sts(c, token, &r, err);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    struct s3_sts_credentials sc;
    if (status == FDATA_OK && s3_parse_sts_credentials(r.body.buf ? r.body.buf : "", r.body.len, &sc) != 0)
        status = fdata_set_error(err, FDATA_EIO, "web identity: STS answer without credentials");
    if (status == FDATA_OK) {
        status = set_keys(c, sc.access_key, sc.secret_key, sc.session_token, sc.expiration, err);
        s3_sts_credentials_free(&sc);
    }
    fdata_sb_free(&r.body);
    return status;
}

int s3_current_credentials(fdata_s3_client *c, struct s3_credentials *out, char **copies,
                           struct fdata_error *err) {
    int status = FDATA_OK;
    pthread_mutex_lock(&c->lock);
    if (s3_credentials_expire(c) && time(NULL) > c->expires - REFRESH_MARGIN)
        status = s3_refresh_credentials(c, err);
    /* copies, so that a refresh on another thread cannot pull the strings away */
    copies[0] = c->cfg.access_key ? strdup(c->cfg.access_key) : NULL;
    copies[1] = c->cfg.secret_key ? strdup(c->cfg.secret_key) : NULL;
    copies[2] = c->cfg.session_token ? strdup(c->cfg.session_token) : NULL;
    pthread_mutex_unlock(&c->lock);
    *out = (struct s3_credentials){copies[0], copies[1], copies[2]};
    if (status == FDATA_OK && (!copies[0] || !copies[1]))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    return status;
}

void s3_free_credential_copies(char **copies) {
    for (int i = 0; i < 3; i++) {
        if (copies[i]) {
            OPENSSL_cleanse(copies[i], strlen(copies[i]));
            free(copies[i]);
        }
        copies[i] = NULL;
    }
}
