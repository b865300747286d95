/* Object checksums: the CRC32C and CRC64/NVME implementations against the catalogued check
 * values and a bit-at-a-time reference on many lengths and alignments (so the fast paths,
 * hardware or sliced, agree with the definition); header parsing, composite values skipped;
 * verification of every algorithm, and a mismatch reported with both values. */
#include <stdlib.h>
#include "check.h"
#include "s3/checksum.h"

/* The definition: one bit at a time, reflected, all-ones init and final xor. */
static uint64_t reference_crc(uint64_t poly, int width, const uint8_t *p, size_t n) {
    uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1, c = mask;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = c & 1 ? (c >> 1) ^ poly : c >> 1;
    }
    return c ^ mask;
}

static void test_check_values(void) {
    CHECK(s3_crc32c(0, "123456789", 9) == 0xe3069283u);
    CHECK(s3_crc64nvme(0, "123456789", 9) == 0xae8b14860a799888ull);
    CHECK(s3_crc32c(0, "", 0) == 0 && s3_crc64nvme(0, "", 0) == 0);
}

static void test_against_reference(void) {
    uint8_t buf[4096 + 16];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
    int bad32 = 0, bad64 = 0;
    for (size_t align = 0; align < 8; align++)
        for (size_t n = 0; n <= 4096; n += n < 64 ? 1 : 61) {
            bad32 += s3_crc32c(0, buf + align, n) != reference_crc(0x82f63b78u, 32, buf + align, n);
            bad64 += s3_crc64nvme(0, buf + align, n) !=
                     reference_crc(0x9a6c9329ac4bc9b5ull, 64, buf + align, n);
        }
    CHECK(bad32 == 0);
    CHECK(bad64 == 0);
    /* incremental: the CRC of a whole equals the CRC continued over its pieces */
    CHECK(s3_crc32c(s3_crc32c(0, buf, 1000), buf + 1000, 3000) == s3_crc32c(0, buf, 4000));
    CHECK(s3_crc64nvme(s3_crc64nvme(0, buf, 7), buf + 7, 993) == s3_crc64nvme(0, buf, 1000));
}

static struct s3_checksum parse(const char *line) {
    struct s3_checksum ck = {0};
    s3_checksum_from_header(&ck, line, strlen(line));
    return ck;
}

static void test_headers(void) {
    struct s3_checksum ck = parse("x-amz-checksum-crc32c: 4waSgw==\r\n");
    CHECK(ck.algo == S3_CK_CRC32C);
    CHECK_STR(ck.value, "4waSgw==");
    CHECK(parse("X-Amz-Checksum-SHA256:  abc=\r\n").algo == S3_CK_SHA256);
    CHECK(parse("x-amz-checksum-crc32: AAAAAA==-12\r\n").algo == S3_CK_NONE); /* composite */
    CHECK(parse("x-amz-checksum-type: FULL_OBJECT\r\n").algo == S3_CK_NONE);
    CHECK(parse("x-amz-checksum-crc32c:\r\n").algo == S3_CK_NONE);
    CHECK(parse("ETag: \"abc\"\r\n").algo == S3_CK_NONE);
}

static void test_verify(void) {
    /* "123456789" in each algorithm, base64 of the big-endian digest */
    static const char *const lines[] = {
        "x-amz-checksum-crc32: y/Q5Jg==",
        "x-amz-checksum-crc32c: 4waSgw==",
        "x-amz-checksum-crc64nvme: rosUhgp5mIg=",
        "x-amz-checksum-sha1: 98O8HYCOBHMq32eZZczDTKeuNEE=",
        "x-amz-checksum-sha256: FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
    };
    struct fdata_error err;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        struct s3_checksum ck = parse(lines[i]);
        CHECK(ck.algo != S3_CK_NONE);
        CHECK(s3_checksum_verify(&ck, "123456789", 9, "s3://b/k", &err) == FDATA_OK);
        CHECK(s3_checksum_verify(&ck, "123456780", 9, "s3://b/k", &err) == FDATA_ECORRUPT);
    }
    struct s3_checksum ck = parse(lines[1]);
    CHECK(s3_checksum_verify(&ck, "12345678", 8, "s3://b/k", &err) == FDATA_ECORRUPT);
    CHECK(strstr(err.message, "s3://b/k: CRC32C checksum mismatch: the server says 4waSgw==") ==
          err.message);
    struct s3_checksum none = {0};
    CHECK(s3_checksum_verify(&none, "x", 1, "s3://b/k", &err) == FDATA_OK);
}

int main(void) {
    test_check_values();
    test_against_reference();
    test_headers();
    test_verify();
    return check_result("test_s3_checksum");
}
