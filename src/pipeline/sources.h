/* The files a load reads: sources (s3:// prefixes, globs, keys, local directories and
 * files) expanded into one ordered list (see fastdata/load.h for the rules). */
#ifndef FDATA_PIPELINE_SOURCES_H
#define FDATA_PIPELINE_SOURCES_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/s3.h"

/* What fdata_load_options.memory_limit = 0 means, for every pipeline that downloads. */
#define LOAD_DEFAULT_MEMORY_LIMIT ((size_t)2 << 30)

struct load_file {
    char *name;                  /* s3:// URL or local path; owned */
    const char *rel;             /* within name: the part below the source's prefix or
                                    directory (a key's or file's last segment when given
                                    alone) */
    int is_s3;
    int64_t size;                /* from the listing; -1 when not known */
};

struct load_files {
    struct load_file *items;
    size_t count, cap;
};

/* Called as each listing page's files are added (f->items[from, f->count)), on the
 * listing's thread; a status other than FDATA_OK stops the listing with it. */
typedef int (*load_files_listed)(void *ctx, const struct load_files *f, size_t from,
                                 struct fdata_error *err);

/* Expands the sources; s3 is needed only when a source is an s3:// prefix or glob (NULL
 * otherwise is fine).  on_listed (or NULL) hears of each listing page's files as they come
 * (a prefix's files are sorted by name at its end; S3 listed them in that order).
 * FDATA_ENOTFOUND naming a source that matches nothing. */
int load_files_expand(const char *const *sources, size_t n, fdata_s3_client *s3,
                      load_files_listed on_listed, void *ctx, struct load_files *out,
                      struct fdata_error *err);
void load_files_free(struct load_files *f);
/* Appends a file: name copied, its rel starting rel_at bytes in.  FDATA_ENOMEM. */
int load_files_add(struct load_files *f, const char *name, size_t rel_at, int is_s3, int64_t size);
/* Keeps the files whose keep[i] is set, in order; the others' names are freed. */
void load_files_keep(struct load_files *f, const char *keep);
/* Whether any source is an s3:// URL. */
int load_sources_use_s3(const char *const *sources, size_t n);

#endif
