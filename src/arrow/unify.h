/* Reading columns of several files as one: the type two fields can both be read as without
 * loss, the cast of an array to it, and columns of nulls for a file that lacks one. */
#ifndef FDATA_ARROW_UNIFY_H
#define FDATA_ARROW_UNIFY_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"

/* Bytes per value of a flat fixed-width Arrow format; 0 for others (bits, offsets, nested). */
int fdata_format_width(const char *format);

/* A type as pyarrow names it, for messages: "int64", "string", "decimal128(15, 2)",
 * "timestamp[us, tz=UTC]", "struct<a: int64, b: list<item: string>>", "map<string, double>",
 * "dictionary<values=string, indices=int32>", an extension's name after it in parentheses;
 * an unknown format as it is.  Written into buf (cut to `size`), which it returns. */
const char *fdata_type_name(const struct ArrowSchema *s, char *buf, size_t size);

/* The Arrow format both a and b convert to without loss, written into buf (size >= 32):
 * their own when the types are equal (format, extension, children by name and type), else
 * for flat types of the same extension int8/16/32 and uint8/16/32 -> int64, float32 ->
 * float64, the finer unit of two timestamps (same time zone), dates or times, utf8 ->
 * large_utf8, binary -> large_binary.  NULL when there is none. */
const char *fdata_type_common(const struct ArrowSchema *a, const struct ArrowSchema *b,
                              char *buf, size_t size);

/* Whether fdata_type_common(a, a) is a's format with no cast: a and b the same type. */
int fdata_type_equal(const struct ArrowSchema *a, const struct ArrowSchema *b);

/* Where two types have no common one: the field names from the top one down to the pair that
 * differs ("a.b"), and those two fields (pointers into the schemas unified). */
struct fdata_type_conflict {
    char path[512];
    const struct ArrowSchema *a, *b;
};

/* The type both fields read as without loss, into *out (named and with a's extension): flat
 * types as fdata_type_common; structs unified by field name (a's fields in their order, then
 * b's others appended; a field one side lacks becomes nullable: nulls there); lists, large
 * lists, fixed-size lists and maps of the same kind over their unified children.  With
 * `keep_a` the result is a's type (b's extra struct fields are left out, b's types must
 * convert to a's).  FDATA_EINVAL when there is none (*conflict says where), FDATA_ENOMEM. */
int fdata_schema_unify(const struct ArrowSchema *a, const struct ArrowSchema *b, int keep_a,
                       struct ArrowSchema *out, struct fdata_type_conflict *conflict);

/* Moves *in (of type `from`) into *out as type `to`, which fdata_schema_unify gave for `from`
 * (with `from` as either side): struct fields matched by name (those `to` lacks dropped,
 * those `from` lacks nulls), list elements and map entries conformed, flat values cast by
 * fdata_array_cast; an equal type is moved as it is.  *in is released either way. */
int fdata_array_conform(const struct ArrowSchema *from, const struct ArrowSchema *to,
                        struct ArrowArray *in, struct ArrowArray *out, struct fdata_error *err);

/* Moves *in (of type `from`) into *out as the flat format `to` (one fdata_type_common
 * gave for `from`).  FDATA_ERANGE when a timestamp does not fit the finer unit.  *in is
 * released either way. */
int fdata_array_cast(const struct ArrowSchema *from, const char *to, struct ArrowArray *in,
                     struct ArrowArray *out, struct fdata_error *err);

/* `length` nulls of the type `type` (flat, string and binary views, dictionaries (over no
 * values), struct, list, large list, map, fixed-size list).  FDATA_EUNSUPPORTED for other
 * types, FDATA_ENOMEM. */
int fdata_array_nulls(const struct ArrowSchema *type, int64_t length, struct ArrowArray *out);

/* A parent array's last step: with status FDATA_OK, fdata_array_make_parent over the
 * buffers and the n children; otherwise the children are released and the buffers freed,
 * out->release set NULL, and status is returned.  `children` (malloc'ed, may be NULL on
 * failure) is freed. */
int fdata_array_finish_parent(int status, struct ArrowArray *out, int64_t length,
                              int64_t null_count, int n_buffers, void **buffers,
                              struct ArrowArray *children, int64_t n);

#endif
