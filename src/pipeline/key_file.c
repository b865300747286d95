/* Keys as file names below an output folder (see key_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/common.h"
#include "../common/strbuf.h"
#include "key_file.h"

const char *key_file_name(const char *key, const char *prefix, const char **why) {
    size_t n = strlen(prefix);
    const char *name = key + n;
    if (strncmp(key, prefix, n) != 0)
        *why = "it is not below the prefix listed";
    else if (!*name)
        *why = "no name below the prefix";
    else if (*name == '/')
        *why = "an absolute path";
    else
        *why = NULL;
    for (const char *seg = name; !*why; seg = strchr(seg, '/') + 1) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            *why = "an empty, '.' or '..' path segment";
        for (size_t i = 0; i < len && !*why; i++)
            if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f)
                *why = "a control character";
        if (!seg[len])
            break;
    }
    return *why ? NULL : name;
}

int key_is_folder_marker(const char *key, int64_t size) {
    size_t n = strlen(key);
    return size == 0 && n && key[n - 1] == '/';
}

/* mkdir -p of the output folder dir (the user's path: links in it are the user's). */
static void make_dir(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/", dir);
    for (char *p = path + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0777);
        *p = '/';
    }
}

/* The folder that holds name's last segment (*base), opened by walking name's folders down
 * from dir with openat(O_DIRECTORY | O_NOFOLLOW), each made first when `make` (an existing
 * one is fine): a symbolic link inside the output folder is never followed out of it.
 * -1 with errno on failure. */
static int open_parent(const char *dir, const char *name, int make, const char **base) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the user's own: may be a link */
    const char *s = name;
    for (const char *slash; fd >= 0 && (slash = strchr(s, '/')); s = slash + 1) {
        char seg[256];
        if ((size_t)(slash - s) >= sizeof seg) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(seg, s, (size_t)(slash - s));
        seg[slash - s] = '\0';
        if (make)
            mkdirat(fd, seg, 0777);
        int next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(fd);
        fd = next;
        errno = saved;
    }
    *base = s;
    return fd;
}

int key_file_write(const char *dir, const char *name, const void *data, size_t size,
                   struct fdata_error *err) {
    static unsigned counter; /* temporary names unique within the process */
    char path[4096], tmp[4200], shown[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return fdata_set_error(err, FDATA_EIO, "%s/%s: path too long",
                               dir, fdata_escape_controls(name, shown, 256));
    const char *base;
    make_dir(dir);
    int at = open_parent(dir, name, 1, &base);
    snprintf(tmp, sizeof tmp, ".%s.%ld.%u.part", base, (long)getpid(),
             __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    int fd = at >= 0 ? openat(at, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666)
                     : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f && fd >= 0)
        close(fd);
    int bad = !f || (size && fwrite(data, 1, size, f) != size);
    int saved = errno;
    if (f && fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (!bad && renameat(at, tmp, at, base) == 0) {
        close(at);
        return FDATA_OK;
    }
    saved = bad ? saved : errno;
    if (fd >= 0)
        unlinkat(at, tmp, 0);
    if (at >= 0)
        close(at);
    return fdata_set_error(err, FDATA_EIO, "%s: cannot write: %s",
                           fdata_escape_controls(path, shown, sizeof shown), strerror(saved));
}

void key_file_remove(const char *dir, const char *name) {
    const char *base;
    int at = open_parent(dir, name, 0, &base);
    if (at >= 0) {
        unlinkat(at, base, 0);
        close(at);
    }
}
