/* libFuzzer target: a sequence of HTTP answers to the parts of one object, fed to the very
 * callbacks libcurl calls in a download (s3_part_header line by line, the status line
 * first; s3_part_body in chunks), without a socket.  The answers are separated by a line
 * "--next--"; the first byte of the input shapes the object (a suffix read as for a
 * Parquet footer, a caller's range with its buffer, a listed size, a memory budget) and
 * the chunk sizes.  After every answer the life cycle's promises are checked: bytes only
 * inside what the part asked for, an object size that never changes once an answer fixed
 * it, and no part done with bytes missing.  ASan catches any write outside a buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/common.h"
#include "memory/memory.h"
#include "s3/budget.h"
#include "s3/part.h"

#define PART_SIZE 4096
#define SEPARATOR "--next--\n"

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "broken promise: %s\n", what);
        abort();
    }
}

/* One answer (headers, then body in `chunk`-byte pieces) to part p, as libcurl delivers it. */
static void answer(struct part *p, const uint8_t *data, size_t size, size_t chunk) {
    size_t at = 0;
    int headers = 1;
    while (headers && at < size) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (data + at)) + 1 : size - at;
        char *line = malloc(len); /* exact size: an overread is caught */
        if (!line)
            return;
        memcpy(line, data + at, len);
        headers = !(len <= 2 && (line[0] == '\r' || line[0] == '\n')) || p->resp.status < 200;
        size_t took = s3_part_header(line, 1, len, p);
        free(line);
        at += len;
        if (took != len)
            return; /* libcurl stops the transfer */
    }
    if (headers)
        return; /* the headers never ended */
    for (; at < size; at += chunk) {
        size_t len = size - at < chunk ? size - at : chunk;
        char *piece = malloc(len);
        if (!piece)
            return;
        memcpy(piece, data + at, len);
        size_t took = s3_part_body(piece, 1, len, p);
        free(piece);
        if (took != len)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    unsigned shape = data[0];
    data++, size--;
    static uint8_t dest[3 * PART_SIZE];
    int64_t listed = 10000;
    fdata_s3_budget *budget = fdata_s3_budget_new((size_t)1 << 20);
    struct fdata_s3_get_options opts = {.sizes = shape & 4 ? &listed : NULL,
                                        .budget = shape & 8 ? budget : NULL};
    struct downloader d = {.memory = fdata_memory_of(NULL), .opts = &opts,
                           .part_size = PART_SIZE};
    struct object o = {.url = "s3://bucket/key", .size = -1, .object_size = -1};
    if (shape & 1) { /* the last bytes, where a footer is */
        o.suffix = PART_SIZE;
    } else if (shape & 2) { /* a caller's range with its buffer, pinned to a version */
        o.base = 1000, o.size = (int64_t)sizeof dest, o.dest = dest;
        snprintf(o.etag, sizeof o.etag, "\"v1\"");
    }
    size_t chunk = 1 + (shape >> 4) * 97;
    int64_t next = 0, fixed = -1;
    for (size_t at = 0; at <= size && !o.failed;) {
        const uint8_t *sep = memmem(data + at, size - at, SEPARATOR, strlen(SEPARATOR));
        size_t len = sep ? (size_t)(sep - (data + at)) : size - at;
        int64_t want = o.size >= 0 && o.size - next < PART_SIZE ? o.size - next : PART_SIZE;
        struct part p = {.d = &d, .obj = &o, .offset = next, .len = want};
        s3_response_reset(&p.resp);
        s3_part_set_state(&p, PART_SENT);
        answer(&p, data + at, len, chunk);
        check(p.written <= p.expect, "no more bytes than the checked range");
        check(p.state != PART_BODY || o.size < 0 || p.offset + p.expect <= o.size,
              "a range inside the object");
        check(fixed < 0 || o.object_size == fixed, "the object's size never changes");
        fixed = o.object_size;
        if (p.state == PART_BODY && p.written == p.expect)
            next += p.expect; /* done: the next part follows */
        else if (p.state == PART_REFUSED)
            check(p.refusal.code != 0 && strstr(p.refusal.message, o.url), "a refusal names the "
                  "object");
        o.failed = p.state == PART_REFUSED;
        fdata_sb_free(&p.resp.body);
        if (!sep || (o.size >= 0 && next >= o.size))
            break;
        at += len + strlen(SEPARATOR);
    }
    if (o.data != o.dest)
        fdata_slab_unref(o.data);
    fdata_s3_budget_free(budget);
    return 0;
}
