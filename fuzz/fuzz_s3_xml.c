/* libFuzzer target: any bytes as an S3 response body, parsed as an error document and as
 * a ListObjectsV2 page. */
#include <stdlib.h>
#include "s3/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct s3_error_doc e;
    s3_parse_error((const char *)data, size, &e);
    struct fdata_s3_listing l = {0};
    int truncated;
    char *token = NULL;
    s3_parse_list_page((const char *)data, size, &l, &truncated, &token, NULL);
    free(token);
    fdata_s3_listing_free(&l);
    return 0;
}
