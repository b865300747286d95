/* S3 XML: error documents and ListObjectsV2 pages, including the malformed ones. */
#include <stdlib.h>
#include "check.h"
#include "s3/xml.h"

static void test_error_doc(void) {
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                      "<Message>The specified key does not exist.</Message><Key>a/b</Key>"
                      "<RequestId>tx123</RequestId></Error>";
    struct s3_error_doc e;
    CHECK(s3_parse_error(xml, strlen(xml), &e) == 0);
    CHECK_STR(e.code, "NoSuchKey");
    CHECK_STR(e.message, "The specified key does not exist.");
    CHECK_STR(e.request_id, "tx123");
    CHECK(s3_parse_error("<html>Not Found</html>", 22, &e) == -1);
    CHECK(s3_parse_error("<Error><Code>X", 14, &e) == -1);
    CHECK(s3_parse_error("", 0, &e) == -1);
}

static void test_list_pages(void) {
    const char *page1 =
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
        "<Prefix>p/</Prefix><KeyCount>3</KeyCount><IsTruncated>true</IsTruncated>"
        "<NextContinuationToken>tok/==</NextContinuationToken>"
        "<Contents><Key>p/a &amp; b.parquet</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>"
        "<ETag>&quot;abc&quot;</ETag><Size>123456789012</Size></Contents>"
        "<Contents><Key>p/c</Key><Size>0</Size></Contents>"
        "<CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes></ListBucketResult>";
    const char *page2 = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                        "<Contents><Key>p/d</Key><Size>5</Size></Contents></ListBucketResult>";
    struct fdata_s3_listing l = {0};
    struct fdata_error err;
    int truncated;
    char *token;
    CHECK(s3_parse_list_page(page1, strlen(page1), &l, &truncated, &token, &err) == FDATA_OK);
    CHECK(truncated && token && strcmp(token, "tok/==") == 0);
    free(token);
    CHECK(s3_parse_list_page(page2, strlen(page2), &l, &truncated, &token, &err) == FDATA_OK);
    CHECK(!truncated && token == NULL);
    CHECK(l.count == 4);
    CHECK_STR(l.entries[0].key, "p/a & b.parquet");
    CHECK(l.entries[0].size == 123456789012LL);
    CHECK_STR(l.entries[0].etag, "\"abc\"");
    CHECK(l.entries[2].is_prefix && strcmp(l.entries[2].key, "p/sub/") == 0);
    CHECK_STR(l.entries[3].key, "p/d");
    fdata_s3_listing_free(&l);
    /* truncated without a token would loop forever: an error */
    const char *bad = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
    CHECK(s3_parse_list_page(bad, strlen(bad), &l, &truncated, &token, &err) == FDATA_ECORRUPT);
    fdata_s3_listing_free(&l);
    CHECK(s3_parse_list_page("<Error/>", 8, &l, &truncated, &token, &err) == FDATA_ECORRUPT);
    CHECK(s3_parse_list_page("<ListBucketResult><Contents><Key>x", 34, &l, &truncated, &token,
                             &err) == FDATA_ECORRUPT);
    fdata_s3_listing_free(&l);
}

int main(void) {
    test_error_doc();
    test_list_pages();
    return check_result("test_s3_xml");
}
