/*
 * fastdata/text.h - CSV and JSONL files read into Arrow record batches (for `fastdata convert`
 * and any caller that has rows as text).
 *
 * CSV: RFC 4180 (quoted fields with embedded delimiters, quotes and newlines), a header line
 * naming the columns, an empty unquoted field is null.  JSONL: one JSON object per line (the
 * row-dump format of tests/data/parquet/JSONL.md); the columns are the keys in first-seen
 * order, a missing key or JSON null is null; nested arrays and objects are not read yet.
 *
 * Types are inferred from all the values of a column unless opts->schema declares them:
 * bool (true/false), int64, float64, date32 (YYYY-MM-DD), timestamp[us] (YYYY-MM-DD
 * HH:MM:SS[.ffffff], 'T' allowed; with a trailing Z the type says UTC), else utf8; a column
 * of nulls only is utf8.  JSON numbers are int64 or float64, JSON strings stay utf8 unless
 * declared.  opts->schema is "name:type,..." with types bool, int32, int64, float32, float64,
 * string, date32, timestamp[ms|us|ns] (a trailing ",UTC" is not supported: use tz-free
 * values); columns it does not name are inferred.
 *
 * Errors name the file, the line (CSV: the record's first line) and the column:
 * FDATA_ECORRUPT for a ragged row, a value that does not parse as its column's type, invalid
 * UTF-8 in a string or invalid JSON; FDATA_EIO when the file cannot be read; FDATA_EINVAL
 * for a bad schema string.
 */
#ifndef FASTDATA_TEXT_H
#define FASTDATA_TEXT_H

#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fdata_text_read_options {
    const char *schema;          /* declared column types, or NULL */
    char delimiter;              /* CSV field delimiter; 0 = ',' */
    int64_t batch_rows;          /* rows per record batch; 0 = 65536 */
};

/* Reads the whole file; on success *out streams its record batches (the caller releases it). */
FDATA_API int fdata_read_csv(const char *path, const struct fdata_text_read_options *opts,
                             struct ArrowArrayStream *out, struct fdata_error *err);
FDATA_API int fdata_read_jsonl(const char *path, const struct fdata_text_read_options *opts,
                               struct ArrowArrayStream *out, struct fdata_error *err);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_TEXT_H */
