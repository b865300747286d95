/*
 * fastdata/error.h - the error model shared by every fastdata module.
 *
 * Every fallible function returns an int status: FDATA_OK (0) on success, one of
 * enum fdata_code otherwise.  It also takes a `struct fdata_error *err` as its last
 * argument; when err is not NULL and the call fails, err->code repeats the status and
 * err->message holds one line that names what failed, where (file, row group, column
 * path, page offset, ...) and why.  On success err is left untouched.  NULL is always
 * allowed for err.
 *
 * The numeric values of enum fdata_code are stable: a code is never renumbered.
 *
 * Thread safety: the functions here are pure; an fdata_error must not be written by
 * two threads at once.
 */
#ifndef FASTDATA_ERROR_H
#define FASTDATA_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FDATA_API __attribute__((visibility("default")))
#else
#define FDATA_API
#endif

#define FDATA_VERSION_MAJOR 0
#define FDATA_VERSION_MINOR 1
#define FDATA_VERSION_PATCH 0
#define FDATA_VERSION_STRING "0.1.0"

/* Status codes.  Stable values. */
enum fdata_code {
    FDATA_OK = 0,
    FDATA_EINVAL = 1,       /* the caller passed a bad argument or option */
    FDATA_ENOMEM = 2,       /* an allocation failed */
    FDATA_EIO = 3,          /* the operating system refused a read, open or mmap */
    FDATA_ECORRUPT = 4,     /* the input is not valid (truncated, malformed, inconsistent) */
    FDATA_EUNSUPPORTED = 5, /* valid input using a feature fastdata does not implement */
    FDATA_ENOTFOUND = 6,    /* a named thing (file, object, bucket, credentials) does not exist */
    FDATA_ERANGE = 7,       /* a value does not fit the output type */
    FDATA_ECANCELED = 8,    /* the caller cancelled the operation */
    FDATA_ENOCOLUMN = 9,    /* a named column (or field path) is not in the file */
    FDATA_EACCES = 10,      /* access refused: file permissions, HTTP 403 */
    FDATA_ETIMEDOUT = 11,   /* a server did not answer or stalled past the time allowed */
};

#define FDATA_ERROR_MESSAGE_SIZE 512

struct fdata_error {
    int code;                                /* same as the returned status */
    char message[FDATA_ERROR_MESSAGE_SIZE];  /* NUL-terminated, one line, no secrets */
};

/* A fixed English name for a code ("corrupt input", ...); never NULL. */
FDATA_API const char *fdata_code_str(int code);

/* The library's version string, FDATA_VERSION_STRING of the build that is linked. */
FDATA_API const char *fdata_version(void);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_ERROR_H */
