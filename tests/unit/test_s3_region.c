/* Buckets in another region: a redirect's hint (x-amz-bucket-region, or <Region> in an
 * AuthorizationHeaderMalformed error) is kept per bucket and only then; requests for other
 * buckets keep the client's region.  (The S3 tests send requests signed for the wrong region
 * to Swift, which answers with <Region>, and check that they succeed.) */
#include <stdlib.h>
#include "check.h"
#include "s3/request.h"

static struct response answer(long status, const char *header_line) {
    struct response r;
    memset(&r, 0, sizeof r);
    s3_response_reset(&r);
    r.status = status;
    if (header_line)
        s3_on_header((char *)header_line, 1, strlen(header_line), &r);
    return r;
}

static void test_learn(fdata_s3_client *c) {
    char region[S3_REGION_SIZE];
    struct s3_error_doc none = {0}, malformed = {.code = "AuthorizationHeaderMalformed",
                                                 .region = "ap-south-1"};
    s3_bucket_region(c, "logs", region);
    CHECK_STR(region, "us-east-1");
    struct response moved = answer(301, "x-amz-bucket-region: eu-central-1\r\n");
    CHECK_STR(moved.bucket_region, "eu-central-1");
    CHECK(s3_learn_region(c, "logs", "us-east-1", &moved, &none) == 1);
    s3_bucket_region(c, "logs", region);
    CHECK_STR(region, "eu-central-1");
    s3_bucket_region(c, "other", region);
    CHECK_STR(region, "us-east-1");
    /* the same hint for a request already sent there: nothing new, no retry */
    CHECK(s3_learn_region(c, "logs", "eu-central-1", &moved, &none) == 0);
    /* a 400 with the error document's region */
    struct response bad = answer(400, NULL);
    CHECK(s3_learn_region(c, "other", "us-east-1", &bad, &malformed) == 1);
    s3_bucket_region(c, "other", region);
    CHECK_STR(region, "ap-south-1");
    /* not a redirect, no hint, or a hint that is no region name: ignored */
    struct response denied = answer(403, "x-amz-bucket-region: eu-west-3\r\n");
    CHECK(s3_learn_region(c, "third", "us-east-1", &denied, &none) == 0);
    struct response bare = answer(301, NULL);
    CHECK(s3_learn_region(c, "third", "us-east-1", &bare, &none) == 0);
    struct response evil = answer(301, "x-amz-bucket-region: evil.example/x\r\n");
    CHECK(s3_learn_region(c, "third", "us-east-1", &evil, &none) == 0);
    struct s3_error_doc other_400 = {.code = "InvalidArgument", .region = "eu-west-3"};
    CHECK(s3_learn_region(c, "third", "us-east-1", &bad, &other_400) == 0);
    s3_bucket_region(c, "third", region);
    CHECK_STR(region, "us-east-1");
}

/* More buckets than the table keeps: the newest are all right, none is lost half-written. */
static void test_many_buckets(fdata_s3_client *c) {
    struct s3_error_doc none = {0};
    char name[32], region[S3_REGION_SIZE];
    for (int i = 0; i < 3 * S3_REGIONS_KEPT; i++) {
        snprintf(name, sizeof name, "bucket-%d", i);
        char line[64];
        snprintf(line, sizeof line, "x-amz-bucket-region: r-%d\r\n", i);
        struct response r = answer(307, line);
        CHECK(s3_learn_region(c, name, "us-east-1", &r, &none) == 1);
    }
    for (int i = 2 * S3_REGIONS_KEPT; i < 3 * S3_REGIONS_KEPT; i++) {
        snprintf(name, sizeof name, "bucket-%d", i);
        s3_bucket_region(c, name, region);
        char want[32];
        snprintf(want, sizeof want, "r-%d", i);
        CHECK_STR(region, want);
    }
    s3_bucket_region(c, "bucket-0", region); /* replaced: the client's region again */
    CHECK_STR(region, "us-east-1");
}

int main(void) {
    struct fdata_s3_options o = {.region = "us-east-1", .endpoint = "http://127.0.0.1:9",
                                 .no_sign = 1};
    fdata_s3_client *c = NULL;
    struct fdata_error err = {0};
    CHECK(fdata_s3_client_new(&o, &c, &err) == FDATA_OK);
    if (c) {
        test_learn(c);
        test_many_buckets(c);
    }
    fdata_s3_client_free(c);
    return check_result("test_s3_region");
}
