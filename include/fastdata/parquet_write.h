/*
 * fastdata/parquet_write.h - writing Arrow record batches as a Parquet file.
 *
 * Types (flat columns): bool -> BOOLEAN; int8/16/32 -> INT32 and uint8/16/32 -> INT32 with
 * the INTEGER logical type; int64/uint64 -> INT64 (INTEGER); float16 -> FIXED_LEN_BYTE_ARRAY(2)
 * FLOAT16; float32 -> FLOAT; float64 -> DOUBLE; utf8/large_utf8 -> BYTE_ARRAY STRING;
 * binary/large_binary -> BYTE_ARRAY; fixed_size_binary(n) -> FIXED_LEN_BYTE_ARRAY(n) (UUID
 * when tagged arrow.uuid); date32 -> INT32 DATE; time32 -> INT32 TIME(MILLIS) (seconds
 * scaled); time64 -> INT64 TIME(MICROS/NANOS); timestamp -> INT64 TIMESTAMP (seconds scaled
 * to millis; isAdjustedToUTC when the Arrow type has a time zone); decimal128(p, s) -> INT32
 * (p <= 9), INT64 (p <= 18) or FIXED_LEN_BYTE_ARRAY DECIMAL.  Nullable fields are OPTIONAL,
 * the others REQUIRED.  Nested types: struct -> group; list / large_list -> the three-level
 * LIST layout (group LIST { repeated group list { element } }); map -> group MAP { repeated
 * group key_value { required key; value } }; definition and repetition levels from the
 * arrays' validity and offsets (Dremel).  Other Arrow types give FDATA_EUNSUPPORTED.
 *
 * Each column chunk is PLAIN or, when the dictionary is on and its distinct values take at
 * most half the values' count and at most dictionary_limit bytes, RLE_DICTIONARY with a
 * PLAIN dictionary page.  Chunk statistics: min_value/max_value in the type's sort order
 * (signed, unsigned or bytewise; NaN ignored; -0/+0 as the spec says; byte strings longer
 * than 64 bytes truncated, the max rounded up) and null_count.
 *
 * Thread safety: one writer is used by one thread; it encodes a row group's column chunks
 * on opts->threads threads.
 */
#ifndef FASTDATA_PARQUET_WRITE_H
#define FASTDATA_PARQUET_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"
#include "fastdata/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Codecs, numbered as Parquet's CompressionCodec. */
enum fdata_parquet_codec {
    FDATA_CODEC_UNCOMPRESSED = 0, FDATA_CODEC_SNAPPY = 1, FDATA_CODEC_GZIP = 2,
    FDATA_CODEC_BROTLI = 4, FDATA_CODEC_ZSTD = 6, FDATA_CODEC_LZ4_RAW = 7,
};

/* Parquet encodings a column can be asked for (parquet.thrift Encoding numbers). */
enum fdata_parquet_encoding {
    FDATA_ENCODING_PLAIN = 0, FDATA_ENCODING_DELTA_BINARY_PACKED = 5,
    FDATA_ENCODING_DELTA_LENGTH_BYTE_ARRAY = 6, FDATA_ENCODING_DELTA_BYTE_ARRAY = 7,
    FDATA_ENCODING_RLE_DICTIONARY = 8, FDATA_ENCODING_BYTE_STREAM_SPLIT = 9,
};

/* One column's encoding: `column` is a top-level name or a leaf's dotted Parquet path
 * ("a.list.element").  DELTA_BINARY_PACKED takes INT32/INT64 columns, BYTE_STREAM_SPLIT
 * fixed-width ones (FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY), the two DELTA byte
 * encodings BYTE_ARRAY; RLE_DICTIONARY asks for a dictionary whatever the heuristics say. */
struct fdata_parquet_column_encoding {
    const char *column;
    int encoding;                /* enum fdata_parquet_encoding */
};

/* Zero-initialise; 0 means the default. */
struct fdata_parquet_write_options {
    int codec;                   /* enum fdata_parquet_codec (0: uncompressed) */
    int level;                   /* zstd 1..22, gzip 1..12, brotli 0..11; 0 = the codec's default */
    int page_version;            /* 1 (default) or 2 */
    int dictionary;              /* -1 off; default on */
    size_t dictionary_limit;     /* default 1 MiB */
    int64_t row_group_rows;      /* rows per row group; default 1,048,576 */
    size_t page_size;            /* bytes of values per data page; default 1 MiB */
    int statistics;              /* -1 off; default on */
    int threads;                 /* encoding threads; 0 = one per core */
    const struct fdata_parquet_column_encoding *encodings; /* per column, instead of the */
    size_t num_encodings;        /* default (dictionary when it pays, else PLAIN) */
    struct fdata_runtime *runtime; /* whose workers encode the columns (fastdata/runtime.h);
                                      NULL: the default runtime */
};

/* Receives the file's bytes in order; returns 0, or non-zero to fail the write.  It is
 * called by one thread at a time, but not always the caller's: a row group is written by a
 * worker while the next one is encoded. */
typedef int (*fdata_parquet_sink)(void *ctx, const void *data, size_t size);

typedef struct fdata_parquet_writer fdata_parquet_writer;

/*
 * Starts a file for record batches of `schema` (a struct "+s" of the columns; copied).  Bytes
 * go to sink(sink_ctx, ...) as row groups complete.  FDATA_EUNSUPPORTED for a column type
 * (named) that cannot be written, FDATA_EINVAL for bad options.
 */
FDATA_API int fdata_parquet_writer_new(const struct ArrowSchema *schema,
                                       const struct fdata_parquet_write_options *opts,
                                       fdata_parquet_sink sink, void *sink_ctx,
                                       fdata_parquet_writer **out, struct fdata_error *err);
/* Takes a record batch (moved: the writer releases it once encoded).  A row group is
 * encoded each time row_group_rows rows are buffered (a batch that crosses that line is cut
 * there, its slices sharing its buffers), and written while the next one is encoded (so at
 * most two row groups are held, one of them encoded). */
FDATA_API int fdata_parquet_writer_write(fdata_parquet_writer *w, struct ArrowArray *batch,
                                         struct fdata_error *err);
/* Writes the buffered rows and the footer, then frees the writer (also on failure). */
FDATA_API int fdata_parquet_writer_close(fdata_parquet_writer *w, struct fdata_error *err);
/* Frees a writer without finishing the file (after an error); NULL is a no-op. */
FDATA_API void fdata_parquet_writer_free(fdata_parquet_writer *w);

/* Writes every batch of a stream as one Parquet file to the sink (e.g. an S3 upload with
 * fdata_s3_upload_write).  The stream is released. */
FDATA_API int fdata_parquet_write_stream(struct ArrowArrayStream *in,
                                         const struct fdata_parquet_write_options *opts,
                                         fdata_parquet_sink sink, void *sink_ctx,
                                         struct fdata_error *err);

/* Writes every batch of a stream to the file `path` (created or truncated; removed on
 * failure).  The stream is released. */
FDATA_API int fdata_parquet_write_file(struct ArrowArrayStream *in, const char *path,
                                       const struct fdata_parquet_write_options *opts,
                                       struct fdata_error *err);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_PARQUET_WRITE_H */
