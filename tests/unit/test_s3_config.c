/* S3 configuration: URL parsing, the order of credential and region sources (options,
 * environment, shared credentials file, shared config file), profiles, endpoints and the
 * request URLs of both addressing styles.  Uses a fake environment and temporary files. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include "s3/config.h"

struct fake_env {
    const char *pairs[32];
};

static const char *fake_getenv(const char *name, void *ctx) {
    struct fake_env *e = ctx;
    for (int i = 0; e->pairs[i]; i += 2)
        if (strcmp(e->pairs[i], name) == 0)
            return e->pairs[i + 1];
    return NULL;
}

static char dir[64];

static void write_file(const char *name, const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_parse_url(void) {
    struct s3_location loc;
    struct fdata_error err;
    CHECK(s3_parse_url("s3://my-bucket/a/b c.parquet", &loc, &err) == FDATA_OK);
    CHECK_STR(loc.bucket, "my-bucket");
    CHECK_STR(loc.key, "a/b c.parquet");
    s3_location_free(&loc);
    CHECK(s3_parse_url("s3://bucket.with.dots", &loc, &err) == FDATA_OK && loc.key[0] == '\0');
    s3_location_free(&loc);
    CHECK(s3_parse_url("http://bucket/key", &loc, &err) == FDATA_EINVAL);
    CHECK(s3_parse_url("s3://ab/key", &loc, &err) == FDATA_EINVAL && strstr(err.message, "s3://ab/key"));
    CHECK(s3_parse_url("s3://Upper/key", &loc, &err) == FDATA_EINVAL);
    CHECK(s3_parse_url("s3://-dash/key", &loc, &err) == FDATA_EINVAL);
}

static void test_credential_order(void) {
    char cred[128], conf[128];
    snprintf(cred, sizeof cred, "%s/credentials", dir);
    snprintf(conf, sizeof conf, "%s/config", dir);
    write_file("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n"
                              "# a comment\n[work]\naws_access_key_id=WORKKEY\naws_secret_access_key=worksecret\n"
                              "aws_session_token = worktoken\n");
    write_file("config", "[default]\nregion = eu-west-1\n[profile work]\nregion = ap-south-1\n"
                         "endpoint_url = http://127.0.0.1:8080/\n[profile cfgonly]\n"
                         "aws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\n");
    struct fake_env env = {{"AWS_SHARED_CREDENTIALS_FILE", cred, "AWS_CONFIG_FILE", conf, NULL}};
    struct s3_config c;
    struct fdata_error err;
    struct s3_config_options o = {0};
    /* the default profile from the files */
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK);
    CHECK_STR(c.access_key, "FILEKEY");
    CHECK_STR(c.region, "eu-west-1");
    CHECK(c.endpoint == NULL && !c.path_style && c.session_token == NULL);
    CHECK(strstr(c.credential_source, "credentials file") != NULL);
    s3_config_free(&c);
    /* AWS_PROFILE picks another profile, with its endpoint and token */
    struct fake_env env2 = {{"AWS_SHARED_CREDENTIALS_FILE", cred, "AWS_CONFIG_FILE", conf,
                             "AWS_PROFILE", "work", NULL}};
    CHECK(s3_config_resolve(&o, fake_getenv, &env2, &c, &err) == FDATA_OK);
    CHECK_STR(c.access_key, "WORKKEY");
    CHECK_STR(c.session_token, "worktoken");
    CHECK_STR(c.region, "ap-south-1");
    CHECK_STR(c.endpoint, "http://127.0.0.1:8080");
    CHECK(c.path_style == 1);
    s3_config_free(&c);
    /* keys only in the config file */
    o.profile = "cfgonly";
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK);
    CHECK_STR(c.access_key, "CFGKEY");
    CHECK_STR(c.region, "us-east-1");
    s3_config_free(&c);
    /* the environment beats the files; options beat the environment */
    struct fake_env env3 = {{"AWS_SHARED_CREDENTIALS_FILE", cred, "AWS_CONFIG_FILE", conf,
                             "AWS_ACCESS_KEY_ID", "ENVKEY", "AWS_SECRET_ACCESS_KEY", "envsecret",
                             "AWS_REGION", "us-west-2", "AWS_DEFAULT_REGION", "ignored",
                             "AWS_ENDPOINT_URL", "https://generic.example", "AWS_ENDPOINT_URL_S3",
                             "https://s3only.example/", NULL}};
    o.profile = NULL;
    CHECK(s3_config_resolve(&o, fake_getenv, &env3, &c, &err) == FDATA_OK);
    CHECK_STR(c.access_key, "ENVKEY");
    CHECK_STR(c.region, "us-west-2");
    CHECK_STR(c.endpoint, "https://s3only.example");
    CHECK_STR(c.credential_source, "environment");
    s3_config_free(&c);
    o.access_key = "OPTKEY";
    o.secret_key = "optsecret";
    o.region = "sa-east-1";
    o.path_style = -1;
    CHECK(s3_config_resolve(&o, fake_getenv, &env3, &c, &err) == FDATA_OK);
    CHECK_STR(c.access_key, "OPTKEY");
    CHECK_STR(c.region, "sa-east-1");
    CHECK(c.path_style == 0);
    s3_config_free(&c);
}

static void test_missing_credentials(void) {
    struct fake_env env = {{"HOME", "/nonexistent", "AWS_EC2_METADATA_DISABLED", "TRUE", NULL}};
    struct s3_config c;
    struct fdata_error err;
    struct s3_config_options o = {0};
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_ENOTFOUND);
    CHECK(strstr(err.message, "no-sign-request") != NULL);
    struct fake_env ec2 = {{"HOME", "/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                            "http://127.0.0.1:1", NULL}};
    CHECK(s3_config_resolve(&o, fake_getenv, &ec2, &c, &err) == FDATA_OK);
    CHECK_STR(c.imds_endpoint, "http://127.0.0.1:1"); /* last in the chain, fetched later */
    s3_config_free(&c);
    ec2.pairs[2] = NULL; /* no override: the link-local address */
    CHECK(s3_config_resolve(&o, fake_getenv, &ec2, &c, &err) == FDATA_OK);
    CHECK_STR(c.imds_endpoint, "http://169.254.169.254");
    s3_config_free(&c);
    o.no_sign = 1;
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK && c.access_key == NULL);
    s3_config_free(&c);
    o.endpoint = "127.0.0.1:8080";
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_EINVAL);
}

static void test_request_urls(void) {
    struct s3_config c = {.region = "eu-west-1"};
    char *url, *host, *path;
    CHECK(s3_request_url(&c, c.region, "bucket", "dir/a b+c.parquet", &url, &host, &path) == FDATA_OK);
    CHECK_STR(url, "https://bucket.s3.eu-west-1.amazonaws.com/dir/a%20b%2Bc.parquet");
    CHECK_STR(host, "bucket.s3.eu-west-1.amazonaws.com");
    CHECK_STR(path, "/dir/a%20b%2Bc.parquet");
    free(url), free(host), free(path);
    CHECK(s3_request_url(&c, c.region, "my.bucket", "k", &url, &host, &path) == FDATA_OK);
    CHECK_STR(url, "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
    free(url), free(host), free(path);
    c.endpoint = "http://127.0.0.1:8080";
    c.path_style = 1;
    CHECK(s3_request_url(&c, c.region, "bucket", "", &url, &host, &path) == FDATA_OK);
    CHECK_STR(url, "http://127.0.0.1:8080/bucket/");
    CHECK_STR(host, "127.0.0.1:8080");
    free(url), free(host), free(path);
}

/* Rates as the AWS CLI's s3 target_bandwidth writes them: bytes per second, or a suffix in
 * powers of 2 with B for bytes and b for bits. */
static void test_bandwidth(void) {
    double g = 0;
    CHECK(s3_parse_bandwidth("1250000000", &g) == FDATA_OK && fabs(g - 10.0) < 1e-9);
    CHECK(s3_parse_bandwidth("10Gb/s", &g) == FDATA_OK && fabs(g - 10.737418240) < 1e-9);
    CHECK(s3_parse_bandwidth("200MB/s", &g) == FDATA_OK && fabs(g - 1.6777216) < 1e-9);
    CHECK(s3_parse_bandwidth("1KB/s", &g) == FDATA_OK && fabs(g - 8192e-9) < 1e-15);
    CHECK(s3_parse_bandwidth("2.5kb/s", &g) == FDATA_OK && fabs(g - 2560e-9) < 1e-15);
    CHECK(s3_parse_bandwidth("8b/s", &g) == FDATA_OK && fabs(g - 8e-9) < 1e-15);
    static const char *const bad[] = {"", "fast", "10Gb", "10 Gb/s", "10Xb/s", "10Gb/sec",
                                      "0", "-5MB/s", "nan", "inf", "1e300", NULL};
    for (int i = 0; bad[i]; i++)
        CHECK(s3_parse_bandwidth(bad[i], &g) == FDATA_EINVAL);
    /* one connection per 0.625 Gbit/s, rounded up, 1..1024 */
    CHECK(s3_connections_for(10) == 16);
    CHECK(s3_connections_for(1.25) == 2);
    CHECK(s3_connections_for(1.26) == 3);
    CHECK(s3_connections_for(0.001) == 1);
    CHECK(s3_connections_for(100) == 160);
    CHECK(s3_connections_for(1e9) == 1024);
}

/* The target throughput: the option, else the profile's nested `s3 =` setting (indented
 * lines under it belong to it, not to the profile), else 10 Gbit/s; a bad one is named. */
static void test_target_throughput(void) {
    char conf[128];
    snprintf(conf, sizeof conf, "%s/config-target", dir);
    write_file("config-target", "[default]\nregion = eu-west-1\n[profile fast]\ns3 =\n"
                                "  max_concurrent_requests = 20\n  target_bandwidth = 25Gb/s\n"
                                "  region = us-west-2\nregion = ap-south-1\n"
                                "[profile bad]\ns3 =\n\ttarget_bandwidth = quick\n"
                                "[profile flat]\ntarget_bandwidth = 1Gb/s\n");
    struct fake_env env = {{"AWS_CONFIG_FILE", conf, NULL}};
    struct s3_config c;
    struct fdata_error err = {0};
    struct s3_config_options o = {.no_sign = 1};
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK);
    CHECK(c.target_gbit_s == 10);
    s3_config_free(&c);
    o.profile = "fast";
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK);
    CHECK(fabs(c.target_gbit_s - 25 * 1.073741824) < 1e-9);
    CHECK_STR(c.region, "ap-south-1"); /* the nested region is s3's, not the profile's */
    s3_config_free(&c);
    o.target_gbit_s = 2.5;
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK && c.target_gbit_s == 2.5);
    s3_config_free(&c);
    o.target_gbit_s = 0;
    o.profile = "flat"; /* not nested under s3 =: not the setting */
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK && c.target_gbit_s == 10);
    s3_config_free(&c);
    o.profile = "bad";
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_EINVAL);
    CHECK(strstr(err.message, "'quick'") && strstr(err.message, "profile bad") &&
          strstr(err.message, "config-target"));
    o.profile = NULL;
    o.target_gbit_s = -1;
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_EINVAL);
}

/* The credential providers' URLs, judged by the host libcurl parses, not by their text. */
static void test_credential_urls(void) {
    struct fdata_error err;
    static const char *const container_ok[] = {
        "https://creds.example.com/x", "http://127.0.0.1:9432/creds", "http://127.9.8.7/",
        "http://localhost:80/", "http://[::1]:8080/c", "http://169.254.170.2/v2/creds",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "HTTP://127.0.0.1/"};
    static const char *const container_bad[] = {
        "http://169.254.170.2:1@127.0.0.1:9432/", /* user info: the host is not what it seems */
        "http://127.0.0.1@evil.example.com/", "http://169.254.170.2.evil.example.com/",
        "http://127.0.0.1.evil.example.com/", "http://192.0.2.1/creds", "http://10.0.0.1/",
        "http://[::2]/", "ftp://127.0.0.1/", "file:///etc/passwd", "127.0.0.1/creds", "",
        "http://", "https://user:pw@creds.example.com/"};
    for (size_t i = 0; i < sizeof container_ok / sizeof *container_ok; i++) {
        int ok = s3_credential_url_allowed(container_ok[i], 1, &err) == FDATA_OK;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  refused: %s (%s)\n", container_ok[i], err.message);
    }
    for (size_t i = 0; i < sizeof container_bad / sizeof *container_bad; i++) {
        int refused = s3_credential_url_allowed(container_bad[i], 1, &err) == FDATA_EINVAL;
        CHECK(refused);
        if (!refused)
            fprintf(stderr, "  allowed: %s\n", container_bad[i]);
    }
    CHECK(s3_credential_url_allowed("http://169.254.170.2:1@127.0.0.1:9432/", 1, &err) ==
              FDATA_EINVAL && strstr(err.message, "user name") && !strstr(err.message, "9432"));
    /* STS: https, or http to the loopback only */
    CHECK(s3_credential_url_allowed("https://sts.eu-west-1.amazonaws.com", 0, &err) == FDATA_OK);
    CHECK(s3_credential_url_allowed("http://127.0.0.1:5000", 0, &err) == FDATA_OK);
    CHECK(s3_credential_url_allowed("http://169.254.170.2/", 0, &err) == FDATA_EINVAL &&
          strstr(err.message, "https://"));
    CHECK(s3_credential_url_allowed("http://sts.amazonaws.com", 0, &err) == FDATA_EINVAL);

    struct fake_env env = {{"HOME", "/nonexistent", "AWS_WEB_IDENTITY_TOKEN_FILE", "/t",
                            "AWS_ROLE_ARN", "arn:aws:iam::1:role/r", "AWS_ENDPOINT_URL_STS",
                            "http://sts.example.com", NULL}};
    struct s3_config_options o = {0};
    struct s3_config c;
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_EINVAL &&
          strstr(err.message, "AWS_ENDPOINT_URL_STS") && strstr(err.message, "https://"));
    env.pairs[7] = "https://sts.example.com";
    CHECK(s3_config_resolve(&o, fake_getenv, &env, &c, &err) == FDATA_OK &&
          strcmp(c.sts_endpoint, "https://sts.example.com") == 0);
    s3_config_free(&c);
    struct fake_env cenv = {{"HOME", "/nonexistent", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                             "http://169.254.170.2:1@127.0.0.1:9432/", NULL}};
    CHECK(s3_config_resolve(&o, fake_getenv, &cenv, &c, &err) == FDATA_EINVAL &&
          strstr(err.message, "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/fdata-s3cfg-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    test_parse_url();
    test_credential_order();
    test_missing_credentials();
    test_request_urls();
    test_bandwidth();
    test_target_throughput();
    test_credential_urls();
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_result("test_s3_config");
}
