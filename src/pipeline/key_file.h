/* Objects written as files below an output folder (`fastdata get -o DIR`, fdata_load_to_dir):
 * the one rule for which keys may become files there, and the one way such a file is written.
 * A key comes from a server's listing, so it is a claim: it may lie outside the prefix that
 * was listed, climb out with "..", or carry control characters. */
#ifndef FDATA_PIPELINE_KEY_FILE_H
#define FDATA_PIPELINE_KEY_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"

/* The file name (relative to the output folder) for `key`, listed below `prefix` ("" for a
 * name given alone): the part after the prefix, a pointer into key.  NULL, with *why saying
 * which rule it breaks, unless the key starts with the prefix, is not empty after it, is not
 * absolute, has no ".", ".." or empty segment and no control character. */
const char *key_file_name(const char *key, const char *prefix, const char **why);

/* Whether a listed key is a folder marker (ends in '/', 0 bytes, as the S3 console's "Create
 * folder" and many tools write): no object to download. */
int key_is_folder_marker(const char *key, int64_t size);

/* Writes `size` bytes as dir/name (name from key_file_name), making dir, its parents and the
 * folders in name: into a temporary file beside it (created exclusively, so never through a
 * symbolic link), renamed into place once complete.  The folders in name are walked from dir
 * without following symbolic links (one there fails the write: never a file outside dir).  FDATA_EIO naming the path on failure,
 * with no temporary file left behind.  Thread-safe. */
int key_file_write(const char *dir, const char *name, const void *data, size_t size,
                   struct fdata_error *err);

/* Removes dir/name (a file written by key_file_write that a failed call must not leave). */
void key_file_remove(const char *dir, const char *name);

#endif
