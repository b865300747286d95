/*
 * fastdata/plan.h - a load cut into shards: a driver plans once (the listing and the
 * footers, no data), sends each shard to a worker (as JSON), and the worker loads just its
 * shard.  The shards' tables, in shard order, hold exactly the rows of the whole load in its
 * order (fdata_load with the same sources and options).
 *
 * A shard is a run of files and, within them, of row groups, contiguous in the load's order
 * (file, then row group), so that the shards follow one another.  Shards are balanced by the
 * compressed bytes of the projected column chunks (what a worker downloads), read from the
 * footers: each is cut as close as possible to the caller's target size; a row group is never
 * split, so one larger than the target is a shard alone.  Files a filter's partition values
 * exclude are pruned before any footer is read, as in fdata_load.
 *
 * A shard carries what its load needs to make the same table as the whole load would: the
 * files' paths and the part of each below its source (where Hive partition folders are
 * read), their sizes, the row groups, and the partition key types the whole listing
 * resolved (inferred from a subset of the paths they could differ).  The load options
 * (columns, filter, partitioning, schema, strings...) are not in it: the worker passes the
 * same ones to fdata_load_shard (fastdata.plan in Python keeps them with the shard).  A
 * shard also carries the whole table's schema (the plan's, after projection), and its load
 * makes exactly that schema: under schema drift (files with different columns, or struct
 * fields, or narrower types) every shard's table has the plan's columns and types, with
 * nulls where its own files lack a column or field.
 *
 * Thread safety: independent calls may run at once; a plan or shard is read-only once made.
 */
#ifndef FASTDATA_PLAN_H
#define FASTDATA_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"
#include "fastdata/load.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One file's part of a shard: row groups [first_row_group, first_row_group + num_row_groups). */
struct fdata_shard_file {
    char *path;                  /* s3:// URL or local path (owned) */
    char *rel;                   /* the end of path below its source's prefix or directory
                                    (owned): its key=value folders are the partition values */
    int64_t size;                /* the file's bytes when planned; a load checks it again */
    int first_row_group, num_row_groups;
    int64_t rows;                /* rows of those row groups (before a filter's removal) */
    uint64_t bytes;              /* compressed bytes of their projected column chunks */
};

struct fdata_shard {
    size_t index;                /* its place in the plan (0, 1, ...) */
    struct fdata_shard_file *files; /* [num_files], in load order (owned) */
    size_t num_files;
    int64_t rows;                /* sum over the files */
    uint64_t bytes;              /* sum over the files */
    char *partition_types;       /* "key:type,..." as fdata_load_options.partition_types, or
                                    NULL when the paths have no partitions (owned) */
    struct ArrowSchema schema;   /* the table's schema (the plan's; owned), or release NULL:
                                    the table of the shard's own files (their union) */
};

/* What a sort column's bounds are (fdata_plan_sorted): its values as the file stores them. */
enum fdata_bound_kind {
    FDATA_BOUND_INT = 1,         /* signed integers; dates, times, timestamps in their unit,
                                    decimals unscaled */
    FDATA_BOUND_UINT = 2,        /* unsigned integers */
    FDATA_BOUND_FLOAT = 3,       /* float or double (never NaN) */
    FDATA_BOUND_BYTES = 4,       /* strings and binaries, ordered bytewise unsigned */
};

/* A shard's smallest and largest value of the sort column (the fields of the plan's
 * bound_kind are set; min_b and max_b are owned, not NUL-terminated). */
struct fdata_shard_bounds {
    int64_t min_i, max_i;
    uint64_t min_u, max_u;
    double min_f, max_f;
    uint8_t *min_b, *max_b;
    size_t min_len, max_len;
};

struct fdata_plan {
    struct fdata_shard *shards;  /* [num_shards] (owned) */
    size_t num_shards;
    struct ArrowSchema schema;   /* the whole load's table schema (owned) */
    int64_t rows;                /* of the table before a filter's row removal */
    uint64_t bytes;              /* compressed bytes of the projected column chunks */
    size_t files, files_pruned;  /* files planned; files the filter dropped by partition */
    int bound_kind;              /* enum fdata_bound_kind of `bounds`; 0 when bounds is NULL */
    struct fdata_shard_bounds *bounds; /* [num_shards]: fdata_plan_sorted's column's bounds per
                                    shard when the footers prove the shards ordered by it,
                                    else NULL (owned) */
    int rows_exact;              /* 1 when the shards' rows are the rows their loads give: no
                                    filter, or one of partition keys alone (it keeps or drops
                                    whole files); 0 when a filter may remove rows */
};

/*
 * Plans the load of `sources` with `opts` (as fdata_load; matrix, progress and trace are not
 * used) into shards of about `shard_bytes` compressed bytes each (0: 128 MiB).  Reads the
 * listing and every footer (S3: one tail GET each), no column data.  On success *out is
 * filled (free it with fdata_plan_free); on failure it is zeroed and err says why, with the
 * codes of fdata_load.
 */
FDATA_API int fdata_plan(const char *const *sources, size_t n, const struct fdata_load_options *opts,
                         uint64_t shard_bytes, struct fdata_plan *out, struct fdata_error *err);
FDATA_API void fdata_plan_free(struct fdata_plan *plan);

/*
 * fdata_plan, and the bounds of top-level column `sort_column` (NULL: none, as fdata_plan)
 * per shard from the row groups' footer statistics (the rules filters prune by: min/max
 * only where the file's column order allows it, none for INT96 or replaced invalid UTF-8),
 * for a driver that gives its engine the partitions' key ranges (Dask's divisions).  They
 * are set only when they prove the order: every row group of every shard has a min and max
 * and a null count of 0, each row group's min is at least the previous one's max, and each
 * shard's min is above the previous shard's max (no value in two shards).  Otherwise, or
 * when the column is not in every file (a partition key, schema drift), out->bounds is NULL:
 * unknown, not an error.  The bounds hold before a filter removes rows (a filtered shard's
 * values lie within them).
 */
FDATA_API int fdata_plan_sorted(const char *const *sources, size_t n,
                                const struct fdata_load_options *opts, uint64_t shard_bytes,
                                const char *sort_column, struct fdata_plan *out,
                                struct fdata_error *err);

/* The shard as one line of JSON (malloc'ed, NUL-terminated: free() it):
 *   {"fastdata_shard": 1, "index": N, "partition_types": "k:t,..." | null,
 *    "schema": FIELD,          (left out when the shard has none)
 *    "files": [{"path": P, "rel": R, "size": S, "first_row_group": F,
 *               "num_row_groups": G, "rows": N, "bytes": B}, ...]}
 * where FIELD is {"name": N, "format": ARROW_FORMAT, "flags": 0-7, "extension": E | null,
 *                 "dictionary": FIELD | null, "children": [FIELD, ...]}.
 * FDATA_ENOMEM. */
FDATA_API int fdata_shard_to_json(const struct fdata_shard *shard, char **out,
                                  struct fdata_error *err);

/* A shard from its JSON (`len` bytes of `text`, at most 64 MiB; it may have come over the
 * network, so everything is checked): the fields above and no others, of their types, the
 * counts non-negative (row groups below 2^31, sizes, rows and bytes below 2^62, 1 to
 * 1,000,000 files), every path and rel 1-4096 bytes of UTF-8 without control characters,
 * each rel the end of its path; the shard's rows and bytes are the sums of its files'; the
 * schema (optional) a struct of fields of the Arrow types the library makes (known formats
 * with their children counts, decimals up to 76 digits, names up to 4096 bytes, extension
 * names up to 255, at most 64 deep, dictionaries of integer indices over flat values).  Bad input is
 * FDATA_EINVAL with a message naming the field.  The files a shard names are read by
 * fdata_load_shard: take shards only from a driver you trust with your files and
 * credentials.  On success *out is the caller's (fdata_shard_free). */
FDATA_API int fdata_shard_from_json(const char *text, size_t len, struct fdata_shard *out,
                                    struct fdata_error *err);

/* Frees what a shard owns (not the struct itself) and zeroes it; NULL is a no-op. */
FDATA_API void fdata_shard_free(struct fdata_shard *shard);

/*
 * Loads one shard as fdata_load loads its sources: `opts` should be the plan's (the shard's
 * partition_types is used unless opts names its own).  Each file's size, row-group count and
 * the rows of its row groups are checked against what the plan saw (a file replaced since
 * is FDATA_EINVAL naming it).  With the shard's schema, the table has exactly that schema:
 * its files' columns (the union of the shard's files, whatever opts' schema mode) matched
 * by name, cast to the schema's types, nulls for the columns and struct fields they lack,
 * the columns it does not name left out; a file column whose type does not convert to the
 * schema's is FDATA_EINVAL naming it.  Output, ownership and errors as fdata_load.
 */
FDATA_API int fdata_load_shard(const struct fdata_shard *shard, const struct fdata_load_options *opts,
                               struct ArrowArrayStream *out, struct fdata_load_report *report,
                               struct fdata_error *err);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_PLAN_H */
