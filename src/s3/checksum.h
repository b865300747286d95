/* Whole-object checksums that S3 returns with x-amz-checksum-mode: ENABLED
 * (x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1, -sha256: base64 of the big-endian
 * digest), verified over the bytes received. */
#ifndef FDATA_S3_CHECKSUM_H
#define FDATA_S3_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"

enum s3_checksum_algo { S3_CK_NONE, S3_CK_CRC32, S3_CK_CRC32C, S3_CK_CRC64NVME, S3_CK_SHA1,
                        S3_CK_SHA256 };

struct s3_checksum {
    int algo;                    /* S3_CK_NONE: nothing to verify */
    char value[96];              /* base64, as the server sent it */
};

/* Records the checksum if `line` (a raw header line of `len` bytes) is one of the
 * x-amz-checksum-<algorithm> headers with a whole-object value; a composite value (the
 * checksum of part checksums, "...-N") cannot be checked against the bytes and is skipped. */
void s3_checksum_from_header(struct s3_checksum *ck, const char *line, size_t len);

/* FDATA_OK when the data's checksum equals ck's (or ck has none), else FDATA_ECORRUPT
 * naming the URL, the algorithm and both values. */
int s3_checksum_verify(const struct s3_checksum *ck, const void *data, size_t size,
                       const char *url, struct fdata_error *err);

/* The digests (exposed for the unit test's vectors). */
uint32_t s3_crc32c(uint32_t crc, const void *data, size_t size);
uint64_t s3_crc64nvme(uint64_t crc, const void *data, size_t size);

#endif
