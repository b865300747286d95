/* A mapped file's input given back to the kernel as a read job finishes with it: its column
 * chunks' byte ranges, in file order, released a few MiB at a time once every chunk before
 * a point has decoded (each release is a madvise, whose cost on a VM is per call rather than
 * per page: per chunk it cost a Ubiquant load 1.5x its time).  The pages come back from the
 * page cache if read again (a private mapping never written), so a release is never wrong,
 * only early or late.  Thread-safe: decoders report chunks done from any worker. */
#ifndef FDATA_PQ_INPUT_RELEASE_H
#define FDATA_PQ_INPUT_RELEASE_H

#include <stddef.h>
#include <stdint.h>

struct pq_input_release;

/* Released in steps of at least this many bytes (and the rest when the last chunk is done). */
#define PQ_INPUT_RELEASE_STEP ((int64_t)4 << 20)

/* A tracker for n chunks of the mapping at `base`: chunk i spans [start[i], start[i] +
 * size[i]) (file offsets) and is done after parts[i] calls of pq_input_release_done.  NULL
 * when out of memory (then nothing is released early: the caller goes on without it). */
struct pq_input_release *pq_input_release_new(const uint8_t *base, const int64_t *start,
                                              const int64_t *size, const int *parts, size_t n);
/* One part of chunk i has decoded; may release the input before the first chunk not done. */
void pq_input_release_done(struct pq_input_release *r, size_t i);
void pq_input_release_free(struct pq_input_release *r);

#endif
