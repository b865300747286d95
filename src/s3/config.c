/* S3 URLs, endpoints, regions and static credentials (see config.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>
#include "../common/common.h"
#include "../common/strbuf.h"
#include "config.h"
#include "sigv4.h"

static int valid_bucket(const char *b, size_t n) {
    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !((c == '-' || c == '.') && i > 0 && i < n - 1))
            return 0;
    }
    return 1;
}

int s3_parse_url(const char *url, struct s3_location *loc, struct fdata_error *err) {
    memset(loc, 0, sizeof *loc);
    if (strncmp(url, "s3://", 5) != 0)
        return fdata_set_error(err, FDATA_EINVAL, "'%s' is not an s3:// URL", url);
    const char *b = url + 5, *slash = strchr(b, '/');
    size_t n = slash ? (size_t)(slash - b) : strlen(b);
    if (!valid_bucket(b, n))
        return fdata_set_error(err, FDATA_EINVAL,
                               "'%s': invalid bucket name (3-63 characters of a-z, 0-9, '.', '-', "
                               "starting and ending with a letter or digit)", url);
    loc->bucket = strndup(b, n);
    loc->key = strdup(slash ? slash + 1 : "");
    if (!loc->bucket || !loc->key) {
        s3_location_free(loc);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    return FDATA_OK;
}

void s3_location_free(struct s3_location *loc) {
    free(loc->bucket);
    free(loc->key);
    memset(loc, 0, sizeof *loc);
}

/* ---- shared config and credentials files (INI) ---- */

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* The value of `key` in section `section` of an INI file, malloc'ed; NULL when absent.  The
 * AWS config file nests a service's settings in indented lines under a line with no value
 * ("s3 =" then "  target_bandwidth = 10Gb/s"): such a key is asked for as
 * "s3.target_bandwidth". */
static char *ini_get(const char *path, const char *section, const char *key) {
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return NULL;
    char line[4096], parent[64] = "", name[192], *value = NULL;
    int in_section = 0;
    while (!value && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        int indented = line[0] == ' ' || line[0] == '\t';
        char *s = trim(line);
        if (*s == '#' || *s == ';' || *s == '\0')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end)
                *end = '\0';
            in_section = strcmp(trim(s + 1), section) == 0;
            parent[0] = '\0';
            continue;
        }
        char *eq = strchr(s, '=');
        if (!in_section || !eq)
            continue;
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (indented && parent[0])
            snprintf(name, sizeof name, "%s.%s", parent, k);
        else
            snprintf(name, sizeof name, "%s", k);
        if (!indented)
            snprintf(parent, sizeof parent, "%s", *v ? "" : k);
        if (strcmp(name, key) == 0)
            value = strdup(v);
    }
    fclose(f);
    return value;
}

struct files {
    char credentials[4096], config[4096];
    char profile[256];             /* name in the credentials file */
    char config_section[264];      /* "default" or "profile NAME" in the config file */
};

static void locate_files(const struct s3_config_options *o, s3_getenv_fn env, void *ctx,
                         struct files *f) {
    const char *home = env("HOME", ctx), *cred = env("AWS_SHARED_CREDENTIALS_FILE", ctx);
    const char *conf = env("AWS_CONFIG_FILE", ctx);
    const char *profile = o->profile ? o->profile : env("AWS_PROFILE", ctx);
    snprintf(f->profile, sizeof f->profile, "%s", profile && *profile ? profile : "default");
    if (cred)
        snprintf(f->credentials, sizeof f->credentials, "%s", cred);
    else
        snprintf(f->credentials, sizeof f->credentials, "%s/.aws/credentials", home ? home : "");
    if (conf)
        snprintf(f->config, sizeof f->config, "%s", conf);
    else
        snprintf(f->config, sizeof f->config, "%s/.aws/config", home ? home : "");
    if (strcmp(f->profile, "default") == 0)
        snprintf(f->config_section, sizeof f->config_section, "default");
    else
        snprintf(f->config_section, sizeof f->config_section, "profile %s", f->profile);
}

/* The first of: an option, environment variables (NULL-terminated list), the profile's key
 * in the config file. */
static char *first_of(const char *option, const char *const *vars, s3_getenv_fn env, void *ctx,
                      const struct files *f, const char *config_key) {
    if (option)
        return strdup(option);
    for (; *vars; vars++) {
        const char *v = env(*vars, ctx);
        if (v && *v)
            return strdup(v);
    }
    return config_key ? ini_get(f->config, f->config_section, config_key) : NULL;
}

static int set_keys(struct s3_config *c, const char *ak, const char *sk, const char *token) {
    c->access_key = strdup(ak);
    c->secret_key = strdup(sk);
    c->session_token = token && *token ? strdup(token) : NULL;
    return c->access_key && c->secret_key && (!token || !*token || c->session_token)
               ? FDATA_OK : FDATA_ENOMEM;
}

/* Static credentials from one INI section; 1 when both keys are there. */
static int keys_from_file(struct s3_config *c, const char *path, const char *section,
                          int *status) {
    char *ak = ini_get(path, section, "aws_access_key_id");
    char *sk = ini_get(path, section, "aws_secret_access_key");
    char *token = ini_get(path, section, "aws_session_token");
    int found = ak && sk && *ak && *sk;
    if (found)
        *status = set_keys(c, ak, sk, token);
    free(ak);
    free(sk);
    free(token);
    return found;
}

/* Whether a parsed host is the loopback (127.0.0.0/8, ::1, localhost) or, with link_local,
 * one of the container agents' addresses (ECS 169.254.170.2, EKS 169.254.170.23 and
 * fd00:ec2::23). */
static int trusted_http_host(const char *host, int link_local) {
    char bare[64] = "";
    size_t n = strlen(host);
    if (host[0] == '[' && n > 2 && n - 2 < sizeof bare) { /* CURLU keeps IPv6 brackets */
        memcpy(bare, host + 1, n - 2);
        bare[n - 2] = '\0';
    } else if (n < sizeof bare) {
        memcpy(bare, host, n + 1);
    }
    unsigned char a[16], b[16];
    if (strcasecmp(bare, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, bare, a) == 1)
        return a[0] == 127 || (link_local && (strcmp(bare, "169.254.170.2") == 0 ||
                                              strcmp(bare, "169.254.170.23") == 0));
    if (inet_pton(AF_INET6, bare, a) != 1)
        return 0;
    inet_pton(AF_INET6, "::1", b);
    int loopback = memcmp(a, b, 16) == 0;
    inet_pton(AF_INET6, "fd00:ec2::23", b);
    return loopback || (link_local && memcmp(a, b, 16) == 0);
}

int s3_credential_url_allowed(const char *url, int link_local, struct fdata_error *err) {
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
    int parsed = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
                 curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                 curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    int has_user = u && (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
                         curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK);
    int ok = parsed && !has_user &&
             (strcasecmp(scheme, "https") == 0 ||
              (strcasecmp(scheme, "http") == 0 && trusted_http_host(host, link_local)));
    curl_free(scheme), curl_free(host), curl_free(user), curl_free(password);
    curl_url_cleanup(u);
    if (ok)
        return FDATA_OK;
    return fdata_set_error(err, FDATA_EINVAL, "%s",
                           !parsed ? "not a URL"
                           : has_user ? "a user name or password in the URL is not accepted"
                           : link_local ? "must be https://, or http:// to the loopback or the "
                                          "container agent's address (169.254.170.2, "
                                          "169.254.170.23, fd00:ec2::23)"
                                        : "must be https://, or http:// to the loopback");
}

/* Records where STS web-identity credentials come from (fetched by the client); the token
 * goes only over https (http to the loopback, for local test servers). */
static int web_identity(struct s3_config *c, s3_getenv_fn env, void *ctx, struct fdata_error *err) {
    const char *session = env("AWS_ROLE_SESSION_NAME", ctx), *sts = env("AWS_ENDPOINT_URL_STS", ctx);
    char name[64], url[256];
    snprintf(name, sizeof name, "fastdata-%ld", (long)getpid());
    snprintf(url, sizeof url, "https://sts.%s.amazonaws.com", c->region);
    c->web_token_file = strdup(env("AWS_WEB_IDENTITY_TOKEN_FILE", ctx));
    c->role_arn = strdup(env("AWS_ROLE_ARN", ctx));
    c->role_session = strdup(session && *session ? session : name);
    c->sts_endpoint = strdup(sts && *sts ? sts : url);
    if (!c->web_token_file || !c->role_arn || !c->role_session || !c->sts_endpoint)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int status = s3_credential_url_allowed(c->sts_endpoint, 0, err);
    if (status != FDATA_OK)
        fdata_error_prefix(err, "AWS_ENDPOINT_URL_STS");
    return status;
}

/* Records where container credentials come from (fetched by the client). */
static int container(struct s3_config *c, s3_getenv_fn env, void *ctx, struct fdata_error *err) {
    const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI", ctx);
    const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ctx);
    const char *token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN", ctx);
    const char *token_file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", ctx);
    char uri[2048];
    if (rel && *rel)
        snprintf(uri, sizeof uri, "http://169.254.170.2%s", rel);
    else
        snprintf(uri, sizeof uri, "%s", full ? full : "");
    if (s3_credential_url_allowed(uri, 1, err) != FDATA_OK) {
        fdata_error_prefix(err, "AWS_CONTAINER_CREDENTIALS_%s_URI", rel && *rel ? "RELATIVE" : "FULL");
        return err ? err->code : FDATA_EINVAL;
    }
    c->container_uri = strdup(uri);
    c->container_auth = token && *token ? strdup(token) : NULL;
    c->container_auth_file = token_file && *token_file ? strdup(token_file) : NULL;
    if (!c->container_uri || (token && *token && !c->container_auth) ||
        (token_file && *token_file && !c->container_auth_file))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    return FDATA_OK;
}

static int metadata_disabled(s3_getenv_fn env, void *ctx) {
    const char *v = env("AWS_EC2_METADATA_DISABLED", ctx);
    return v && strcasecmp(v, "true") == 0;
}

static int resolve_credentials(const struct s3_config_options *o, s3_getenv_fn env, void *ctx,
                               const struct files *f, struct s3_config *c,
                               struct fdata_error *err) {
    int status = FDATA_OK;
    const char *eak = env("AWS_ACCESS_KEY_ID", ctx), *esk = env("AWS_SECRET_ACCESS_KEY", ctx);
    if (o->access_key && o->secret_key) {
        status = set_keys(c, o->access_key, o->secret_key, o->session_token);
        c->credential_source = "options";
    } else if (eak && esk && *eak && *esk) {
        status = set_keys(c, eak, esk, env("AWS_SESSION_TOKEN", ctx));
        c->credential_source = "environment";
    } else if (keys_from_file(c, f->credentials, f->profile, &status)) {
        snprintf(c->source_buf, sizeof c->source_buf, "shared credentials file (profile %s)",
                 f->profile);
        c->credential_source = c->source_buf;
    } else if (keys_from_file(c, f->config, f->config_section, &status)) {
        snprintf(c->source_buf, sizeof c->source_buf, "shared config file (profile %s)",
                 f->profile);
        c->credential_source = c->source_buf;
    } else if (env("AWS_WEB_IDENTITY_TOKEN_FILE", ctx) && env("AWS_ROLE_ARN", ctx)) {
        status = web_identity(c, env, ctx, err);
        c->credential_source = "web identity (STS AssumeRoleWithWebIdentity)";
        if (status != FDATA_OK)
            return status;
    } else if (env("AWS_CONTAINER_CREDENTIALS_FULL_URI", ctx) ||
               env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ctx)) {
        status = container(c, env, ctx, err);
        c->credential_source = "container credentials endpoint";
        if (status != FDATA_OK)
            return status;
    } else if (!metadata_disabled(env, ctx)) {
        const char *imds = env("AWS_EC2_METADATA_SERVICE_ENDPOINT", ctx);
        status = (c->imds_endpoint = strdup(imds && *imds ? imds : "http://169.254.169.254"))
                     ? FDATA_OK : FDATA_ENOMEM;
        c->credential_source = "EC2 instance metadata (IMDSv2)";
    } else {
        return fdata_set_error(err, FDATA_ENOTFOUND,
                               "no S3 credentials: none given as options, in AWS_ACCESS_KEY_ID/"
                               "AWS_SECRET_ACCESS_KEY, for profile '%s' in %s or %s, by "
                               "AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN or by "
                               "AWS_CONTAINER_CREDENTIALS_*_URI, and EC2 instance metadata is "
                               "disabled (use --no-sign-request for public buckets)",
                               f->profile, f->credentials, f->config);
    }
    return status == FDATA_OK ? FDATA_OK : fdata_set_error(err, status, "out of memory");
}

static int set_endpoint(struct s3_config *c, char *endpoint, struct fdata_error *err) {
    c->endpoint = endpoint;
    if (!endpoint)
        return FDATA_OK;
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0)
        return fdata_set_error(err, FDATA_EINVAL,
                               "endpoint '%s' must start with http:// or https://", endpoint);
    size_t n = strlen(endpoint);
    while (n > 8 && endpoint[n - 1] == '/')
        endpoint[--n] = '\0';
    return FDATA_OK;
}

int s3_parse_bandwidth(const char *text, double *gbit_s) {
    char *end;
    double v = strtod(text, &end), scale = 8; /* bytes per second unless a suffix says bits */
    if (end == text || !(v > 0))
        return FDATA_EINVAL;
    if (*end) {
        const char *units = "KMGT", *u = strchr(units, toupper((unsigned char)*end));
        for (int i = 0; u && i <= u - units; i++)
            scale *= 1024;
        end += u != NULL;
        if (*end != 'B' && *end != 'b')
            return FDATA_EINVAL;
        scale = *end == 'b' ? scale / 8 : scale;
        if (strcmp(end + 1, "/s") != 0)
            return FDATA_EINVAL;
    }
    *gbit_s = v * scale / 1e9;
    return *gbit_s < 1e12 ? FDATA_OK : FDATA_EINVAL; /* finite, and below a petabit */
}

int s3_connections_for(double gbit_s) {
    double n = gbit_s / S3_GBIT_PER_CONNECTION;
    if (!(n > 1))
        return 1;
    if (n >= S3_MAX_CONNECTIONS)
        return S3_MAX_CONNECTIONS;
    int k = (int)n;
    return k < n ? k + 1 : k;
}

/* The throughput downloads aim at: the option, else the profile's s3 target_bandwidth (as
 * the AWS CLI reads it), else 10 Gbit/s. */
static int set_target(struct s3_config *c, double option, const struct files *f,
                      struct fdata_error *err) {
    if (!(option >= 0) || option >= 1e12)
        return fdata_set_error(err, FDATA_EINVAL, "target throughput %g Gbit/s: not a rate",
                               option);
    c->target_gbit_s = option > 0 ? option : 10;
    char *text = option > 0 ? NULL : ini_get(f->config, f->config_section, "s3.target_bandwidth");
    int status = FDATA_OK;
    if (text && s3_parse_bandwidth(text, &c->target_gbit_s) != FDATA_OK)
        status = fdata_set_error(err, FDATA_EINVAL,
                                 "%s [%s]: s3 target_bandwidth '%s' is not a rate (e.g. 10Gb/s, "
                                 "200MB/s, or bytes per second)", f->config, f->config_section,
                                 text);
    free(text);
    return status;
}

int s3_config_resolve(const struct s3_config_options *o, s3_getenv_fn env, void *ctx,
                      struct s3_config *c, struct fdata_error *err) {
    memset(c, 0, sizeof *c);
    struct files f;
    locate_files(o, env, ctx, &f);
    static const char *const region_vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION", NULL};
    static const char *const endpoint_vars[] = {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", NULL};
    c->region = first_of(o->region, region_vars, env, ctx, &f, "region");
    if (!c->region)
        c->region = strdup("us-east-1");
    int status = c->region ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        status = set_endpoint(c, first_of(o->endpoint, endpoint_vars, env, ctx, &f, "endpoint_url"),
                              err);
    c->path_style = o->path_style ? o->path_style > 0 : c->endpoint != NULL;
    c->no_sign = o->no_sign;
    if (status == FDATA_OK)
        status = set_target(c, o->target_gbit_s, &f, err);
    if (status == FDATA_OK && !c->no_sign)
        status = resolve_credentials(o, env, ctx, &f, c, err);
    if (status != FDATA_OK)
        s3_config_free(c);
    return status;
}

void s3_config_free(struct s3_config *c) {
    free(c->region);
    free(c->endpoint);
    free(c->access_key);
    if (c->secret_key)
        OPENSSL_cleanse(c->secret_key, strlen(c->secret_key)); /* no secret left in freed memory */
    free(c->secret_key);
    free(c->session_token);
    free(c->web_token_file);
    free(c->role_arn);
    free(c->role_session);
    free(c->sts_endpoint);
    free(c->container_uri);
    if (c->container_auth)
        OPENSSL_cleanse(c->container_auth, strlen(c->container_auth));
    free(c->container_auth);
    free(c->container_auth_file);
    free(c->imds_endpoint);
    memset(c, 0, sizeof *c);
}

int s3_request_url(const struct s3_config *c, const char *region, const char *bucket,
                   const char *key, char **url, char **host, char **path) {
    char *ekey = s3_uri_encode(key, strlen(key), 1);
    struct fdata_strbuf h = {0}, p = {0}, u = {0};
    /* dotted bucket names break TLS host names: they always go path style */
    int path_style = c->path_style || strchr(bucket, '.') != NULL;
    const char *scheme = c->endpoint ? (strncmp(c->endpoint, "https", 5) == 0 ? "https://" : "http://")
                                     : "https://";
    const char *base = c->endpoint ? strstr(c->endpoint, "://") + 3 : NULL;
    if (!path_style) {
        fdata_sb_puts(&h, bucket);
        fdata_sb_putc(&h, '.');
    }
    if (base) {
        fdata_sb_puts(&h, base);
    } else {
        fdata_sb_puts(&h, "s3.");
        fdata_sb_puts(&h, region);
        fdata_sb_puts(&h, ".amazonaws.com");
    }
    fdata_sb_putc(&p, '/');
    if (path_style) {
        fdata_sb_puts(&p, bucket);
        fdata_sb_putc(&p, '/');
    }
    fdata_sb_puts(&p, ekey ? ekey : "");
    fdata_sb_puts(&u, scheme);
    fdata_sb_puts(&u, fdata_sb_cstr(&h));
    fdata_sb_puts(&u, fdata_sb_cstr(&p));
    fdata_sb_cstr(&u);
    free(ekey);
    if (!ekey || h.oom || p.oom || u.oom) {
        fdata_sb_free(&h);
        fdata_sb_free(&p);
        fdata_sb_free(&u);
        return FDATA_ENOMEM;
    }
    *url = u.buf;
    *host = h.buf;
    *path = p.buf;
    return FDATA_OK;
}
