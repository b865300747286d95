/* S3 addressing and configuration, resolved the way the AWS SDKs do: s3:// URLs, region,
 * endpoint (AWS virtual-hosted style by default, path style for custom endpoints), and
 * static credentials from options, the environment and the shared credentials/config
 * files.  Environment access goes through a lookup function so that tests can supply
 * their own. */
#ifndef FDATA_S3_CONFIG_H
#define FDATA_S3_CONFIG_H

#include "fastdata/error.h"

struct s3_location {
    char *bucket;
    char *key;        /* "" for a bucket or a prefix ending in '/'; owned */
};

/* Parses "s3://bucket/key" (key may be empty or a prefix).  FDATA_EINVAL naming the URL for
 * another scheme or an invalid bucket name (3-63 of a-z 0-9 . -, starting and ending with a
 * letter or digit).  Free with s3_location_free. */
int s3_parse_url(const char *url, struct s3_location *loc, struct fdata_error *err);
void s3_location_free(struct s3_location *loc);

/* Everything optional (NULL / 0 = not given). */
struct s3_config_options {
    const char *region;
    const char *endpoint;         /* e.g. "http://127.0.0.1:8080" */
    const char *profile;
    const char *access_key, *secret_key, *session_token;
    int path_style;               /* 1 path style, -1 virtual-hosted, 0 = default */
    int no_sign;                  /* anonymous requests (public buckets) */
    double target_gbit_s;         /* the download throughput to size connections for */
};

/* Returns the value of an environment variable, or NULL. */
typedef const char *(*s3_getenv_fn)(const char *name, void *ctx);

struct s3_config {
    char *region;
    char *endpoint;               /* scheme://host[:port] without a trailing '/'; NULL = AWS */
    int path_style;
    int no_sign;
    double target_gbit_s;         /* the option, the profile's s3 target_bandwidth, or 10 */
    char *access_key, *secret_key, *session_token;
    const char *credential_source; /* "options", "environment", "shared credentials file
                                      (profile P)"... for messages; never the secret */
    char source_buf[320];
    /* Web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN): the keys come from STS
     * AssumeRoleWithWebIdentity at client creation, and again before they expire. */
    char *web_token_file, *role_arn, *role_session, *sts_endpoint;
    /* Container credentials (ECS, EKS Pod Identity): GET container_uri, with the
     * Authorization token from container_auth or the file container_auth_file. */
    char *container_uri, *container_auth, *container_auth_file;
    /* EC2 instance metadata (IMDSv2), the last resort: AWS_EC2_METADATA_SERVICE_ENDPOINT or
     * http://169.254.169.254, unless AWS_EC2_METADATA_DISABLED=true. */
    char *imds_endpoint;
};

/* Resolves the configuration: options first, then the environment (AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE,
 * AWS_CONFIG_FILE, HOME), then the profile in ~/.aws/credentials and ~/.aws/config, then
 * web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME,
 * AWS_ENDPOINT_URL_STS), then container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI or
 * _RELATIVE_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE), then EC2 instance
 * metadata (AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED); for those three it
 * only records what to ask, the client fetches.  The region defaults to us-east-1.  FDATA_ENOTFOUND when no credentials are found and
 * signing is on (the message lists where it looked); FDATA_EINVAL for a bad endpoint.
 * Free with s3_config_free. */
int s3_config_resolve(const struct s3_config_options *o, s3_getenv_fn getenv_fn, void *env_ctx,
                      struct s3_config *out, struct fdata_error *err);
void s3_config_free(struct s3_config *c);

/* Whether a credential provider's URL may receive a token (the container credentials
 * endpoint, link_local = 1; the STS endpoint of web identity, link_local = 0): checked on the
 * URL as libcurl parses it, so that what is checked is the host the request goes to.
 * https:// is allowed; http:// only to the loopback (127.0.0.0/8, ::1, localhost) or, with
 * link_local, the container agents' addresses; a user name or password in the URL never.
 * FDATA_EINVAL saying why otherwise (the URL itself is not repeated: it may hold a secret). */
int s3_credential_url_allowed(const char *url, int link_local, struct fdata_error *err);

/* "10Gb/s", "200MB/s", "1073741824": a rate as the AWS CLI's s3 target_bandwidth setting
 * writes it (a number of bytes per second, or with a suffix: B bytes, b bits, K M G T in
 * powers of 2, then "/s"), in Gbit/s (10^9).  FDATA_EINVAL for anything else. */
int s3_parse_bandwidth(const char *text, double *gbit_s);

/* Connections that a download aiming at gbit_s opens by default: one per
 * S3_GBIT_PER_CONNECTION (what one S3 connection delivers, about 80 MB/s), 1 to
 * S3_MAX_CONNECTIONS. */
#define S3_GBIT_PER_CONNECTION 0.625
#define S3_MAX_CONNECTIONS 1024
int s3_connections_for(double gbit_s);

/* The request URL for bucket/key in `region` (AWS endpoints name it) and the Host header
 * value; the key is URI-encoded once (slashes kept), as S3 signs it.  `*path` is the part of
 * the URL the signer sees.  All three are malloc'ed.  Returns FDATA_OK or FDATA_ENOMEM. */
int s3_request_url(const struct s3_config *c, const char *region, const char *bucket,
                   const char *key, char **url, char **host, char **path);

#endif
