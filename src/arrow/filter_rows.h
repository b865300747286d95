/* Keeping the selected rows of an array (a filter's result), into fresh buffers. */
#ifndef FDATA_ARROW_FILTER_ROWS_H
#define FDATA_ARROW_FILTER_ROWS_H

#include <stdint.h>
#include "fastdata/arrow.h"

/* *out = the rows r of `in` (of type `type`) with keep[r] != 0, in order; in is not
 * changed.  Flat types, strings and binaries (views too: their long values copied into one
 * data buffer), dictionaries (the values copied), structs, lists, large lists and maps.
 * FDATA_EUNSUPPORTED for other types, FDATA_ENOMEM; out->release NULL on failure. */
int fdata_array_filter(const struct ArrowSchema *type, const struct ArrowArray *in,
                       const uint8_t *keep, struct ArrowArray *out);

#endif
