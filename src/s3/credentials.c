/* Credentials that expire: STS AssumeRoleWithWebIdentity (IRSA on EKS and the like) and the
 * container credentials endpoint (ECS, EKS Pod Identity), fetched when the client is made and
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

/* GET the STS query API; the answer's body in r. */
static int ask_sts(fdata_s3_client *c, const char *token, struct response *r,
                   struct fdata_error *err) {
    struct fdata_strbuf url = {0};
    fdata_sb_puts(&url, c->cfg.sts_endpoint);
    fdata_sb_puts(&url, "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15&DurationSeconds=3600");
    put_param(&url, "RoleArn", c->cfg.role_arn);
    put_param(&url, "RoleSessionName", c->cfg.role_session);
    put_param(&url, "WebIdentityToken", token);
    CURL *h = curl_easy_init();
    int status = h && !url.oom ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK) {
        struct request q = {"AssumeRoleWithWebIdentity", "GET", c->cfg.sts_endpoint, NULL, NULL,
                            NULL, NULL, 0, 0, -1, NULL};
        s3_setup_transfer(c, h, &q, fdata_sb_cstr(&url), NULL, r);
        CURLcode rc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        if (rc != CURLE_OK)
            status = fdata_set_error(err, FDATA_EIO, "web identity: STS at %s: %s",
                                     c->cfg.sts_endpoint, curl_easy_strerror(rc));
        else if (r->status < 200 || r->status >= 300)
            status = s3_http_error(&q, r, err);
    }
    if (h)
        curl_easy_cleanup(h);
    OPENSSL_cleanse(url.buf ? url.buf : "", url.buf ? url.len : 0); /* it held the token */
    fdata_sb_free(&url);
    return status;
}

static void replace(char **field, char *value) {
    if (*field)
        OPENSSL_cleanse(*field, strlen(*field));
    free(*field);
    *field = value;
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

/* GET the container credentials endpoint: JSON AccessKeyId, SecretAccessKey, Token,
 * Expiration. */
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
    CURL *e = curl_easy_init();
    int status = e && (!token || h) ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK) {
        s3_setup_transfer(c, e, &q, c->cfg.container_uri, h, &r);
        CURLcode rc = curl_easy_perform(e);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
        if (rc != CURLE_OK)
            status = fdata_set_error(err, FDATA_EIO, "container credentials at %s: %s",
                                     c->cfg.container_uri, curl_easy_strerror(rc));
        else if (r.status != 200)
            status = fdata_set_error(err, FDATA_EIO, "container credentials at %s: HTTP %ld",
                                     c->cfg.container_uri, r.status);
    }
    struct json_object *o = status == FDATA_OK ? json_tokener_parse(fdata_sb_cstr(&r.body)) : NULL;
    const char *ak = o ? json_string(o, "AccessKeyId") : NULL, *sk = o ? json_string(o, "SecretAccessKey") : NULL;
    if (status == FDATA_OK && (!ak || !sk))
        status = fdata_set_error(err, FDATA_EIO, "container credentials at %s: no AccessKeyId and "
                                 "SecretAccessKey in the answer", c->cfg.container_uri);
    if (status == FDATA_OK)
        status = set_keys(c, ak, sk, json_string(o, "Token"), json_string(o, "Expiration"), err);
    if (o)
        json_object_put(o);
    if (r.body.buf)
        OPENSSL_cleanse(r.body.buf, r.body.len);
    fdata_sb_free(&r.body);
    curl_slist_free_all(h);
    if (e)
        curl_easy_cleanup(e);
    if (auth) {
        OPENSSL_cleanse(auth, strlen(auth));
        free(auth);
    }
    return status;
}

int s3_refresh_credentials(fdata_s3_client *c, struct fdata_error *err) {
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
    if ((c->cfg.role_arn || c->cfg.container_uri) && time(NULL) > c->expires - REFRESH_MARGIN)
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
