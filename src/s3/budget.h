/* Reserving from a download budget (see fdata_s3_budget in fastdata/s3.h). */
#ifndef FDATA_S3_BUDGET_H
#define FDATA_S3_BUDGET_H

#include <stddef.h>
#include "fastdata/runtime.h"
#include "fastdata/s3.h"
#include "fastdata/trace.h"

/* Takes `bytes` from the budget: 1 when taken, 0 when that would pass the limit while more
 * than `mine` (what the caller holds already) is held: one object alone may pass it.
 * `force` takes them regardless (an object already under way whose size, within the limit,
 * turned out larger than reserved). */
int s3_budget_reserve(fdata_s3_budget *b, size_t bytes, size_t mine, int force);
/* Draws the budget's bytes from rt's shared cap too (fastdata/runtime.h), from now on. */
void s3_budget_share(fdata_s3_budget *b, struct fdata_runtime *rt);
/* Records what the budget holds into t from now on (NULL: stops), and its limit once. */
void s3_budget_trace(fdata_s3_budget *b, fdata_trace *t);
/* A file descriptor that polls readable once bytes were released (-1: none, poll on a
 * timer); s3_budget_woken reads it empty and says whether there was a release. */
int s3_budget_wake_fd(const fdata_s3_budget *b);
int s3_budget_woken(fdata_s3_budget *b);
/* The budget's limit (SIZE_MAX when it has none). */
size_t s3_budget_limit(const fdata_s3_budget *b);

#endif
