/* AWS Signature Version 4 (the S3 flavour and the generic one): canonical request, string
 * to sign, signing key and signature, for header signing (an Authorization header) and
 * query signing (a presigned URL).  Spec: AWS General Reference, "Signature Version 4
 * signing process"; S3 rules: no path normalisation and single URI-encoding of the path. */
#ifndef FDATA_S3_SIGV4_H
#define FDATA_S3_SIGV4_H

#include <stddef.h>
#include <time.h>
#include "fastdata/error.h"

#define S3_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3_header {
    const char *name;
    const char *value;
};

struct s3_credentials {
    const char *access_key;
    const char *secret_key;
    const char *session_token;   /* NULL when none */
};

struct s3_sign_request {
    const char *method;
    const char *path;            /* as sent on the wire (percent-encoded for S3) */
    const char *query;           /* as sent, without '?'; NULL or "" when none */
    const struct s3_header *headers; /* the request's own headers, Host included */
    size_t num_headers;
    const char *payload_hash;    /* lowercase hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
    int sign_payload_header;     /* header signing adds and signs x-amz-content-sha256 */
};

struct s3_sign_options {
    const char *region;
    const char *service;         /* "s3" */
    time_t time;                 /* the request time, UTC */
    int normalize_path;          /* drop ".", ".." and empty segments (never for S3) */
    int encode_path;             /* URI-encode the wire path again (never for S3) */
    int omit_session_token;      /* the token is added after signing (STS) */
    int expires;                 /* query signing: X-Amz-Expires, seconds */
};

/* What signing made; strings owned by the struct, freed with s3_signed_free. */
struct s3_signed {
    char amz_date[17];           /* YYYYMMDDTHHMMSSZ */
    char *canonical_request;
    char *string_to_sign;
    char signature[65];
    char *authorization;         /* header signing: the Authorization header value */
    char *query;                 /* query signing: the full signed query string */
};

/* Header signing: the caller then sends X-Amz-Date: amz_date, X-Amz-Security-Token (when
 * there is a token), x-amz-content-sha256 (when sign_payload_header) and Authorization.
 * FDATA_ENOMEM, or FDATA_EINVAL for a request that cannot be signed. */
int s3_sign_header(const struct s3_sign_request *r, const struct s3_credentials *c,
                   const struct s3_sign_options *o, struct s3_signed *out,
                   struct fdata_error *err);

/* Query signing (presigned URL): out->query is the request's query plus the X-Amz-*
 * parameters and X-Amz-Signature. */
int s3_sign_query(const struct s3_sign_request *r, const struct s3_credentials *c,
                  const struct s3_sign_options *o, struct s3_signed *out,
                  struct fdata_error *err);

void s3_signed_free(struct s3_signed *s);

/* Hex SHA-256 of n bytes into out[65]. */
void s3_sha256_hex(const void *data, size_t n, char out[65]);

/* Appends the URI encoding of s (every byte but A-Z a-z 0-9 - . _ ~, and '/' when
 * keep_slash) to a NUL-terminated malloc'ed string; returns NULL on allocation failure. */
char *s3_uri_encode(const char *s, size_t n, int keep_slash);

#endif
