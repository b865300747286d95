/* Growable byte strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"

void fdata_sb_reserve(struct fdata_strbuf *b, size_t extra) {
    if (b->oom || b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = realloc(b->buf, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->buf = p;
    b->cap = cap;
}

void fdata_sb_put(struct fdata_strbuf *b, const char *s, size_t n) {
    if (n == 0)
        return;
    fdata_sb_reserve(b, n);
    if (!b->oom) {
        memcpy(b->buf + b->len, s, n);
        b->len += n;
    }
}

void fdata_sb_puts(struct fdata_strbuf *b, const char *s) { fdata_sb_put(b, s, strlen(s)); }

void fdata_sb_putc(struct fdata_strbuf *b, char c) { fdata_sb_put(b, &c, 1); }

const char *fdata_sb_cstr(struct fdata_strbuf *b) {
    fdata_sb_reserve(b, 1);
    if (b->oom)
        return "";
    b->buf[b->len] = '\0';
    return b->buf;
}

void fdata_sb_free(struct fdata_strbuf *b) {
    free(b->buf);
    memset(b, 0, sizeof *b);
}

char *fdata_escape_controls(const char *s, char *out, size_t size) {
    size_t n = 0;
    for (; *s && n + 1 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != 0x7f)
            out[n++] = (char)c;
        else if (n + 5 <= size - 1)
            n += (size_t)snprintf(out + n, 5, "\\x%02x", c);
        else
            break;
    }
    if (size)
        out[n] = '\0';
    return out;
}
