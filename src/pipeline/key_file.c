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

/* mkdir -p of path's folders up to its last '/' (an existing one is fine: a failure shows
 * when the file is opened). */
static void make_parents(char *path) {
    for (char *p = path + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0777);
        *p = '/';
    }
}

int key_file_write(const char *dir, const char *name, const void *data, size_t size,
                   struct fdata_error *err) {
    static unsigned counter; /* temporary names unique within the process */
    char path[4096], tmp[4200], shown[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return fdata_set_error(err, FDATA_EIO, "%s/%s: path too long",
                               dir, fdata_escape_controls(name, shown, 256));
    make_parents(path);
    const char *base = strrchr(path, '/') + 1;
    snprintf(tmp, sizeof tmp, "%.*s.%s.%ld.%u.part", (int)(base - path), path, base,
             (long)getpid(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f && fd >= 0)
        close(fd);
    int bad = !f || (size && fwrite(data, 1, size, f) != size);
    int saved = errno;
    if (f && fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (!bad && rename(tmp, path) == 0)
        return FDATA_OK;
    saved = bad ? saved : errno;
    if (fd >= 0)
        unlink(tmp);
    return fdata_set_error(err, FDATA_EIO, "%s: cannot write: %s",
                           fdata_escape_controls(path, shown, sizeof shown), strerror(saved));
}

void key_file_remove(const char *dir, const char *name) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path)
        unlink(path);
}
