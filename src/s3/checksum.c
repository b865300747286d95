/* Checksums of downloaded objects.  CRC32 comes from libdeflate and SHA-1/SHA-256 from
 * OpenSSL; no Debian library offers CRC32C or CRC64/NVME for C, so those two are here:
 * the SSE4.2 instruction for CRC32C where the CPU has it, else slicing-by-8 tables (eight
 * bytes a step), which also serve CRC64/NVME. */
#include <libdeflate.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "../common/common.h"
#include "checksum.h"

#define CRC32C_POLY 0x82f63b78u                 /* reflected Castagnoli */
#define CRC64NVME_POLY 0x9a6c9329ac4bc9b5ull    /* reflected, as S3 defines CRC64NVME */

static uint64_t crc32c_table[8][256], crc64_table[8][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_table(uint64_t t[8][256], uint64_t poly) {
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int b = 0; b < 8; b++)
            c = c & 1 ? (c >> 1) ^ poly : c >> 1;
        t[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (unsigned i = 0; i < 256; i++)
            t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
}

static void build_tables(void) {
    build_table(crc32c_table, CRC32C_POLY);
    build_table(crc64_table, CRC64NVME_POLY);
}

/* A reflected CRC of width <= 64 bits, register already inverted by the caller. */
static uint64_t crc_sliced(uint64_t t[8][256], uint64_t crc, const uint8_t *p, size_t n) {
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t x = crc;
        for (int i = 0; i < 8; i++) /* little-endian load, one instruction once optimised */
            x ^= (uint64_t)p[i] << (8 * i);
        crc = t[7][x & 0xff] ^ t[6][(x >> 8) & 0xff] ^ t[5][(x >> 16) & 0xff] ^
              t[4][(x >> 24) & 0xff] ^ t[3][(x >> 32) & 0xff] ^ t[2][(x >> 40) & 0xff] ^
              t[1][(x >> 48) & 0xff] ^ t[0][x >> 56];
    }
    while (n--)
        crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
    return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p,
                                                             size_t n) {
    uint64_t c = crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        c = __builtin_ia32_crc32di(c, x);
    }
    uint32_t c32 = (uint32_t)c;
    while (n--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#define HAVE_CRC32C_HW 1
#endif

uint32_t s3_crc32c(uint32_t crc, const void *data, size_t size) {
#ifdef HAVE_CRC32C_HW
    if (__builtin_cpu_supports("sse4.2"))
        return ~crc32c_hw(~crc, data, size);
#endif
    pthread_once(&tables_once, build_tables);
    return (uint32_t)~crc_sliced(crc32c_table, (uint32_t)~crc, data, size);
}

uint64_t s3_crc64nvme(uint64_t crc, const void *data, size_t size) {
    pthread_once(&tables_once, build_tables);
    return ~crc_sliced(crc64_table, ~crc, data, size);
}

static const struct {
    const char *header;          /* after "x-amz-checksum-" */
    const char *name;
    int algo;
} algos[] = {
    {"crc32:", "CRC32", S3_CK_CRC32},          {"crc32c:", "CRC32C", S3_CK_CRC32C},
    {"crc64nvme:", "CRC64NVME", S3_CK_CRC64NVME}, {"sha1:", "SHA1", S3_CK_SHA1},
    {"sha256:", "SHA256", S3_CK_SHA256},
};

void s3_checksum_from_header(struct s3_checksum *ck, const char *line, size_t len) {
    static const char prefix[] = "x-amz-checksum-";
    size_t plen = sizeof prefix - 1;
    if (len <= plen || strncasecmp(line, prefix, plen) != 0)
        return;
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++) {
        size_t hlen = strlen(algos[i].header);
        if (len <= plen + hlen || strncasecmp(line + plen, algos[i].header, hlen) != 0)
            continue;
        const char *v = line + plen + hlen, *end = line + len;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
            end--;
        size_t n = (size_t)(end - v);
        if (n == 0 || n >= sizeof ck->value || memchr(v, '-', n)) /* composite: "...-N" */
            return;
        memcpy(ck->value, v, n);
        ck->value[n] = '\0';
        ck->algo = algos[i].algo;
        return;
    }
}

static void put_be(uint8_t *out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

/* The data's digest in the algorithm of ck, base64 as S3 sends it. */
static void digest_base64(int algo, const void *data, size_t size, char out[96]) {
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (algo == S3_CK_CRC32)
        put_be(d, libdeflate_crc32(0, data, size), n = 4);
    else if (algo == S3_CK_CRC32C)
        put_be(d, s3_crc32c(0, data, size), n = 4);
    else if (algo == S3_CK_CRC64NVME)
        put_be(d, s3_crc64nvme(0, data, size), n = 8);
    else if (EVP_Digest(data, size, d, &n, algo == S3_CK_SHA1 ? EVP_sha1() : EVP_sha256(), NULL) != 1)
        n = 0;
    EVP_EncodeBlock((unsigned char *)out, d, (int)n);
}

int s3_checksum_verify(const struct s3_checksum *ck, const void *data, size_t size,
                       const char *url, struct fdata_error *err) {
    if (ck->algo == S3_CK_NONE)
        return FDATA_OK;
    char got[96];
    digest_base64(ck->algo, data, size, got);
    if (strcmp(got, ck->value) == 0)
        return FDATA_OK;
    const char *name = "?";
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        if (algos[i].algo == ck->algo)
            name = algos[i].name;
    return fdata_set_error(err, FDATA_ECORRUPT, "%s: %s checksum mismatch: the server says %s, "
                           "the %zu bytes received give %s", url, name, ck->value, size, got);
}
