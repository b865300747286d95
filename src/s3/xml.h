/* The S3 XML documents fastdata reads, parsed with expat: error bodies and
 * ListObjectsV2 pages. */
#ifndef FDATA_S3_XML_H
#define FDATA_S3_XML_H

#include <stddef.h>
#include "fastdata/s3.h"

struct s3_error_doc {
    char code[64];
    char message[256];
    char request_id[128];
    char region[32];             /* AuthorizationHeaderMalformed: the bucket's region */
};

/* Fills *out from an <Error> document; returns 0, or -1 when the body is not S3 XML. */
int s3_parse_error(const char *xml, size_t n, struct s3_error_doc *out);

/* Appends a ListBucketResult page's Contents and CommonPrefixes to *listing, and reports
 * whether it is truncated and its NextContinuationToken (malloc'ed, NULL if none).
 * FDATA_ECORRUPT with the reason for a body that is not a listing; FDATA_ENOMEM. */
int s3_parse_list_page(const char *xml, size_t n, struct fdata_s3_listing *listing,
                       int *truncated, char **next_token, struct fdata_error *err);

/* The UploadId of an InitiateMultipartUploadResult, malloc'ed; NULL if absent. */
char *s3_parse_upload_id(const char *xml, size_t n);

/* The Credentials of an AssumeRoleWithWebIdentity answer; 0, or -1 when incomplete.  The
 * strings are malloc'ed. */
struct s3_sts_credentials {
    char *access_key, *secret_key, *session_token, *expiration;
};
int s3_parse_sts_credentials(const char *xml, size_t n, struct s3_sts_credentials *out);
void s3_sts_credentials_free(struct s3_sts_credentials *c);

#endif
