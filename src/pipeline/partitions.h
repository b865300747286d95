/* Hive partitions: the key=value folders between a load's root and its files become
 * columns of the table (see fastdata/load.h for the rules). */
#ifndef FDATA_PIPELINE_PARTITIONS_H
#define FDATA_PIPELINE_PARTITIONS_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"
#include "sources.h"

enum part_type { PART_INT64, PART_FLOAT64, PART_DATE32, PART_TIMESTAMP, PART_STRING };

union part_value {
    int64_t i;                   /* int64, date32 (days), timestamp (microseconds) */
    double f;
};

struct partitions {
    size_t n_keys, n_files;
    char **keys;                 /* [n_keys], in path order */
    enum part_type *types;       /* [n_keys] */
    char **text;                 /* [file * n_keys + k]: the URL-decoded value, NULL = null */
    union part_value *values;    /* the same, parsed */
    /* Projection: key k goes after the columns of the files that the caller's first
     * key_at[k] non-key names select (SIZE_MAX: after them all; -1: not projected). */
    long *key_at;
    const char **file_columns;   /* the projection the files get (the caller's strings) */
    size_t n_file_columns;
    /* The table's columns: column c is the files' column layout[c] when >= 0, else key
     * -1 - layout[c]; NULL when there are no keys. */
    long *layout;
    size_t width;
};

/* The name partition_types gives type t ("int64", ...). */
const char *partitions_type_name(enum part_type t);

/* Whether text parses as type t (see fastdata/load.h for the forms), into *v. */
int partitions_parse_value(enum part_type t, const char *text, union part_value *v);

/* Finds the keys of every file's path below its root (files->items[i].rel) and their types:
 * `mode` an enum fdata_partitioning, `types` "key:type,..." or NULL.  FDATA_EINVAL naming
 * two paths whose keys differ, a value that is not of its given type, a bad `types`.  *out
 * is zeroed first; free it with partitions_free. */
int partitions_discover(const struct load_files *files, int mode, const char *types,
                        struct partitions *out, struct fdata_error *err);

/* Splits the caller's projection (NULL = everything) into the files' columns and the keys,
 * in the caller's order. */
int partitions_project(struct partitions *p, const char *const *columns, size_t n,
                       struct fdata_error *err);

/* Turns the files' schema (*schema, a record batch schema) into the table's, the keys'
 * fields placed as partitions_project decided (after the files' columns when the caller
 * named none).  `all` is every column of the first file: a key that is one of them is read
 * from the files instead (FDATA_EINVAL when the projection names it). */
int partitions_schema(struct partitions *p, struct ArrowSchema *schema,
                      const struct ArrowSchema *all, struct fdata_error *err);

/* Turns a batch of file `file` (its columns in the files' schema order) into the table's:
 * the keys' values repeated batch->length times, placed as in the schema.  On failure the
 * batch is released. */
int partitions_batch(const struct partitions *p, size_t file, struct ArrowArray *batch,
                     struct fdata_error *err);

/* Keeps the files whose keep[i] is set (in order), as load_files_keep does. */
void partitions_keep(struct partitions *p, const char *keep);

void partitions_free(struct partitions *p);

#endif
