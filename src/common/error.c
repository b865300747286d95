/* The error model: codes, their names, and message formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "common.h"

const char *fdata_code_str(int code) {
    switch (code) {
    case FDATA_OK: return "ok";
    case FDATA_EINVAL: return "invalid argument";
    case FDATA_ENOMEM: return "out of memory";
    case FDATA_EIO: return "input/output error";
    case FDATA_ECORRUPT: return "corrupt input";
    case FDATA_EUNSUPPORTED: return "unsupported feature";
    case FDATA_ENOTFOUND: return "not found";
    case FDATA_ERANGE: return "value out of range";
    case FDATA_ECANCELED: return "cancelled";
    case FDATA_ENOCOLUMN: return "no such column";
    case FDATA_EACCES: return "permission denied";
    case FDATA_ETIMEDOUT: return "timed out";
    default: return "unknown error";
    }
}

int fdata_errno_of(int code) {
    switch (code) {
    case FDATA_OK: return 0;
    case FDATA_EINVAL: return EINVAL;
    case FDATA_ENOMEM: return ENOMEM;
    case FDATA_EUNSUPPORTED: return ENOSYS;
    case FDATA_ENOTFOUND: return ENOENT;
    case FDATA_ERANGE: return ERANGE;
    case FDATA_ECANCELED: return ECANCELED;
    case FDATA_ENOCOLUMN: return ENOKEY;
    case FDATA_EACCES: return EACCES;
    case FDATA_ETIMEDOUT: return ETIMEDOUT;
    default: return EIO;
    }
}

int fdata_code_of_errno(int e) {
    switch (e) {
    case ENOENT: case ENOTDIR: return FDATA_ENOTFOUND;
    case EACCES: case EPERM: return FDATA_EACCES;
    case ENOMEM: return FDATA_ENOMEM;
    default: return FDATA_EIO;
    }
}

const char *fdata_version(void) { return FDATA_VERSION_STRING; }

int fdata_set_error(struct fdata_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void fdata_error_prefix(struct fdata_error *err, const char *fmt, ...) {
    if (!err)
        return;
    char prefix[FDATA_ERROR_MESSAGE_SIZE];
    char old[FDATA_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    /* prefix + ": " + old, cut at the message size (the cut is deliberate). */
    size_t n = 0, cap = sizeof err->message - 1;
    for (const char *parts[] = {prefix, ": ", old}, **p = parts; p < parts + 3; p++)
        for (const char *c = *p; *c && n < cap; c++)
            err->message[n++] = *c;
    err->message[n] = '\0';
}
