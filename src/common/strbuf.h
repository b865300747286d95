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

/* s for a message or a listing: control characters (bytes below 0x20, and 0x7f) written as
 * \xHH so that a name from a server cannot move the cursor, clear the screen or forge a
 * line; cut to fit `size` bytes (with the NUL).  Returns out. */
char *fdata_escape_controls(const char *s, char *out, size_t size);

#endif
