"""fastdata's exceptions: one base, `Error`, and a subclass per kind of failure that also
derives from the builtin exception a Python user catches for it (FileNotFoundError,
PermissionError, KeyError, ValueError, TimeoutError, MemoryError, NotImplementedError), the
same from every function and method.  The C library's status code (include/fastdata/error.h)
picks the class; no message text is parsed for it."""
import errno as _errno


class Error(RuntimeError):
    """A fastdata failure.  `code`: the C library's status (fastdata/error.h's enum
    fdata_code, 0 when raised by the Python layer), `path`: the file or s3:// URL it is about
    and `column`: the column, each None when not known."""

    code = 3  # FDATA_EIO: what an error of unknown kind counts as

    def __init__(self, message, path=None, column=None, code=None):
        super().__init__(message)
        self.path = path
        self.column = column
        if code is not None:
            self.code = code

    def __str__(self):  # the message itself (KeyError's str would quote it)
        return str(self.args[0]) if self.args else ""


class InvalidArgumentError(Error, ValueError):
    """A bad argument or option (FDATA_EINVAL)."""
    code = 1


class OutOfMemoryError(Error, MemoryError):
    """An allocation failed (FDATA_ENOMEM)."""
    code = 2


class CorruptDataError(Error):
    """The input is not valid Parquet or Arrow: truncated, malformed (FDATA_ECORRUPT)."""
    code = 4


class UnsupportedError(Error, NotImplementedError):
    """Valid input using a feature fastdata does not implement (FDATA_EUNSUPPORTED)."""
    code = 5


class NotFoundError(Error, FileNotFoundError):
    """No such file, directory, S3 object or bucket, nothing under a prefix or glob, or no
    credentials where they were looked for (FDATA_ENOTFOUND)."""
    code = 6


class ColumnNotFoundError(Error, KeyError):
    """A named column (or field path) is not in the table or file (FDATA_ENOCOLUMN)."""
    code = 9


class PermissionDeniedError(Error, PermissionError):
    """Access refused: file permissions, HTTP 403 (FDATA_EACCES)."""
    code = 10


class TimedOutError(Error, TimeoutError):
    """A server did not answer, or stalled, past the time allowed, retries spent
    (FDATA_ETIMEDOUT)."""
    code = 11


_BY_CODE = {cls.code: cls for cls in (InvalidArgumentError, OutOfMemoryError, CorruptDataError,
                                      UnsupportedError, NotFoundError, ColumnNotFoundError,
                                      PermissionDeniedError, TimedOutError)}
# What an Arrow C stream's get_next returns for a code (fdata_errno_of in src/common/error.c).
_BY_ERRNO = {_errno.EINVAL: 1, _errno.ENOMEM: 2, _errno.ENOSYS: 5, _errno.ENOENT: 6,
             _errno.ENOKEY: 9, _errno.EACCES: 10, _errno.ETIMEDOUT: 11}


def error_of_code(code, message, column=None):
    """The exception for a C status code and its message (bytes: a file name need not be
    UTF-8); the C extension raises what this returns."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return _BY_CODE.get(code, Error)(message, column=column, code=code)


def error_of_errno(err, message):
    """The exception for a failed Arrow C stream: its errno and get_last_error's message."""
    return error_of_code(_BY_ERRNO.get(err, 3), message)


def name_path(error, sources):
    """Sets error.path to the file or object the message starts with when that is one of
    `sources` or below one of them (a directory, a prefix, a glob's directory)."""
    message = str(error)
    head = message.split(": ", 1)[0] if ": " in message else ""
    for src in sources:
        base = src.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
        if head and base and head.startswith(base):
            error.path = head
            return error
    return error


def name_column(error, columns):
    """Sets error.column to the one of `columns` the message quotes."""
    for c in columns or ():
        if "'%s'" % c in str(error):
            error.column = c
            break
    return error


for _cls in (Error, *_BY_CODE.values()):
    _cls.__module__ = "fastdata"  # shown as fastdata.NotFoundError, where users import it
