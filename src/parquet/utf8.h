/* Replacement of invalid UTF-8 in STRING values. */
#ifndef FDATA_PQ_UTF8_H
#define FDATA_PQ_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include "values.h"

/* Rewrites values 0..n of `b` (offsets[0..n], the last values of b, offsets[n] == b->size)
 * with every invalid sequence replaced by U+FFFD (Unicode's maximal-subpart rule, as
 * Python's "replace"); the offsets are updated.  FDATA_ENOMEM, or FDATA_EUNSUPPORTED when
 * the chunk's strings would exceed 2 GiB. */
int pq_utf8_replace(struct pq_bytes *b, int32_t *offsets, size_t n, struct fdata_error *err);

#endif
