/* A growable byte string for building text (JSON rows, canonical requests).  Allocation
 * failure is sticky: `oom` is set and later appends do nothing, so callers check once. */
#ifndef FDATA_STRBUF_H
#define FDATA_STRBUF_H

#include <stddef.h>

struct fdata_strbuf {
    char *buf;      /* not NUL-terminated unless fdata_sb_cstr() was called */
    size_t len, cap;
    int oom;
};

void fdata_sb_reserve(struct fdata_strbuf *b, size_t extra);
void fdata_sb_put(struct fdata_strbuf *b, const char *s, size_t n);
void fdata_sb_puts(struct fdata_strbuf *b, const char *s);
void fdata_sb_putc(struct fdata_strbuf *b, char c);
/* NUL-terminates and returns the text ("" after an allocation failure: check b->oom). */
const char *fdata_sb_cstr(struct fdata_strbuf *b);
void fdata_sb_free(struct fdata_strbuf *b);

#endif
