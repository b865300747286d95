/* libFuzzer target: any bytes as an S3 response, parsed as an error document, as a
 * ListObjectsV2 page, as an STS answer, and line by line as response headers (sizes,
 * Content-Range, ETag, checksums), the parts a server controls. */
#include <stdlib.h>
#include <string.h>
#include "s3/request.h"
#include "s3/xml.h"

static void parse_headers(const uint8_t *data, size_t size) {
    struct response r;
    memset(&r, 0, sizeof r);
    for (size_t start = 0; start < size;) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t len = nl ? (size_t)(nl - (data + start)) + 1 : size - start;
        char *line = malloc(len); /* exact size: an overread is caught */
        if (!line)
            return;
        memcpy(line, data + start, len);
        s3_on_header(line, 1, len, &r);
        free(line);
        start += len;
    }
    static const char bytes[] = "123456789";
    struct fdata_error err;
    s3_checksum_verify(&r.checksum, bytes, 9, "s3://b/k", &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct s3_error_doc e;
    s3_parse_error((const char *)data, size, &e);
    struct fdata_s3_listing l = {0};
    int truncated;
    char *token = NULL;
    s3_parse_list_page((const char *)data, size, &l, &truncated, &token, NULL);
    free(token);
    fdata_s3_listing_free(&l);
    struct s3_sts_credentials sc;
    if (s3_parse_sts_credentials((const char *)data, size, &sc) == 0)
        s3_sts_credentials_free(&sc);
    parse_headers(data, size);
    return 0;
}
