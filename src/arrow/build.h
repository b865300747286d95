/* Building Arrow C Data Interface arrays and schemas that own their memory.  Used by the
 * decoders; hidden from the shared library's exports. */
#ifndef FDATA_ARROW_BUILD_H
#define FDATA_ARROW_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/arrow.h"
#include "../memory/memory.h"

/* The most buffers of an array made here: a view array's validity, views, one data buffer
 * and the data buffers' sizes (the C Data Interface's extra buffer for view types). */
#define FDATA_MAX_BUFFERS 4

/* Makes a leaf array that takes ownership of n_buffers (1..FDATA_MAX_BUFFERS) buffers
 * allocated with fdata_aligned_alloc (NULL allowed for an absent validity bitmap).  On failure the
 * buffers are freed and out->release is NULL.  Returns FDATA_OK or FDATA_ENOMEM. */
int fdata_array_make(struct ArrowArray *out, int64_t length, int64_t null_count,
                     int n_buffers, void *const *buffers);

/* As fdata_array_make, except that buffers[1] lies inside `slab` (fdata_slab_new) and is
 * not the array's to free: the array holds a reference on the slab instead, dropped by its
 * release.  On failure the other buffers are freed and the slab is left as it was. */
int fdata_array_make_in_slab(struct ArrowArray *out, int64_t length, int64_t null_count,
                             int n_buffers, void *const *buffers, void *slab);

/* A dictionary-encoded array: buffers are the validity bitmap (may be NULL) and the indices,
 * owned as by fdata_array_make; `dictionary` (the values) is moved in (its release set to
 * NULL).  On failure the buffers and the dictionary are released. */
int fdata_array_make_dictionary(struct ArrowArray *out, int64_t length, int64_t null_count,
                                void *const *buffers, struct ArrowArray *dictionary);

/* Makes a parent array (struct, list, map: buffers are validity and, for lists, offsets)
 * that takes ownership of its buffers and of `n` child arrays, moved from children[0..n)
 * (their release set to NULL).  On failure buffers and children are released. */
int fdata_array_make_parent(struct ArrowArray *out, int64_t length, int64_t null_count,
                            int n_buffers, void *const *buffers, struct ArrowArray *children,
                            int64_t n);

/* A record batch: a struct array without validity over `n` columns moved from children. */
int fdata_array_make_struct(struct ArrowArray *out, int64_t length, struct ArrowArray *children,
                            int64_t n);

/* Makes a leaf schema; format and name are copied.  `extension` (may be NULL) becomes the
 * ARROW:extension:name metadata.  Returns FDATA_OK or FDATA_ENOMEM. */
int fdata_schema_make(struct ArrowSchema *out, const char *format, const char *name,
                      int64_t flags, const char *extension);

/* A dictionary-encoded field: indices of `index_format`, values of `value_format` (with the
 * `extension` name, may be NULL).  Returns FDATA_OK or FDATA_ENOMEM. */
int fdata_schema_make_dictionary(struct ArrowSchema *out, const char *index_format,
                                 const char *value_format, const char *name, int64_t flags,
                                 const char *extension);

/* Makes a parent schema ("+s", "+l", "+L", "+m") that takes ownership of n children moved
 * from children[]; on failure they are released. */
int fdata_schema_make_parent(struct ArrowSchema *out, const char *format, const char *name,
                             int64_t flags, struct ArrowSchema *children, int64_t n);

/* A record batch schema: "+s", no name, over n children moved from children[]. */
int fdata_schema_make_struct(struct ArrowSchema *out, struct ArrowSchema *children, int64_t n);

/* A deep copy of a schema made by the functions above (format, name, flags, extension
 * name, children).  Returns FDATA_OK or FDATA_ENOMEM (out->release NULL). */
int fdata_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *out);

/* The bytes of an array's buffers (validity, offsets, values, children), from its schema
 * and lengths: what decoding produced. */
uint64_t fdata_array_bytes(const struct ArrowSchema *schema, const struct ArrowArray *array);

/* Reads the ARROW:extension:name value of a schema's metadata into buf ("" if none). */
void fdata_schema_extension(const struct ArrowSchema *schema, char *buf, size_t size);

#endif
