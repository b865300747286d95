/* Keys as files below an output folder: every shape of key that must not become a file there
 * (outside the prefix, empty, absolute, ".", ".." or empty segments, control characters),
 * the ones that may, and the write through a temporary file (no symbolic link followed, the
 * folders made, nothing left behind on failure). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "pipeline/key_file.h"

static void test_names(void) {
    static const struct { const char *key, *prefix, *name; } good[] = {
        {"p/a", "p/", "a"}, {"p/a/b.parquet", "p/", "a/b.parquet"}, {"x", "", "x"},
        {"p/.hidden", "p/", ".hidden"}, {"p/a..b/..c/d..", "p/", "a..b/..c/d.."},
        {"p/...", "p/", "..."}, {"p/a b/\xc3\xa9", "p/", "a b/\xc3\xa9"}, {"pre", "p", "re"},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        const char *why = "unset", *name = key_file_name(good[i].key, good[i].prefix, &why);
        CHECK(name && strcmp(name, good[i].name) == 0 && why == NULL);
        if (!name)
            fprintf(stderr, "  refused %s: %s\n", good[i].key, why);
    }
    static const struct { const char *key, *prefix, *why; } bad[] = {
        {"q/a", "p/", "not below"}, {"p", "p/", "not below"}, {"", "p/", "not below"},
        {"p/", "p/", "no name"}, {"", "", "no name"}, {"p//a", "p/", "absolute"},
        {"/etc/passwd", "", "absolute"}, {"p/../../x", "p/", "segment"},
        {"p/a/../../../x", "p/", "segment"}, {"p/..", "p/", "segment"}, {"p/.", "p/", "segment"},
        {"p/a/.", "p/", "segment"}, {"p/./a", "p/", "segment"}, {"p/a//b", "p/", "segment"},
        {"p/a/", "p/", "segment"}, {"p/a/..", "p/", "segment"}, {"..", "", "segment"},
        {"p/a\nb", "p/", "control"}, {"p/\x1b[2J", "p/", "control"}, {"p/a\x7f", "p/", "control"},
        {"p/a/\tb", "p/", "control"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        CHECK(key_file_name(bad[i].key, bad[i].prefix, &why) == NULL && why &&
              strstr(why, bad[i].why));
    }
}

static void test_folder_markers(void) {
    CHECK(key_is_folder_marker("p/sub/", 0));
    CHECK(key_is_folder_marker("p/", 0));
    CHECK(!key_is_folder_marker("p/sub/", 5)); /* bytes in it: not a marker (and no name) */
    CHECK(!key_is_folder_marker("p/a", 0));
    CHECK(!key_is_folder_marker("", 0));
}

static void test_write(const char *root) {
    char dir[256], path[512], outside[512];
    snprintf(dir, sizeof dir, "%s/new/parents/out", root); /* none of it exists yet */
    struct fdata_error err;
    CHECK(key_file_write(dir, "a/b/c.bin", "hello", 5, &err) == FDATA_OK);
    snprintf(path, sizeof path, "%s/a/b/c.bin", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 5);
    CHECK(key_file_write(dir, "empty", "", 0, &err) == FDATA_OK);
    /* a symbolic link already at the name is replaced, not written through */
    snprintf(outside, sizeof outside, "%s/outside", root);
    FILE *f = fopen(outside, "w");
    fputs("keep", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/link", dir);
    CHECK(symlink(outside, path) == 0);
    CHECK(key_file_write(dir, "link", "new", 3, &err) == FDATA_OK);
    CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 3);
    CHECK(stat(outside, &st) == 0 && st.st_size == 4);
    /* a folder where the file goes: one clear error naming it, no temporary file left */
    snprintf(path, sizeof path, "%s/a", dir);
    CHECK(key_file_write(dir, "a", "x", 1, &err) == FDATA_EIO && strstr(err.message, path) &&
          strstr(err.message, "cannot write"));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s' -name '*.part')\"", dir);
    CHECK(system(cmd) == 0);
    key_file_remove(dir, "a/b/c.bin");
    snprintf(path, sizeof path, "%s/a/b/c.bin", dir);
    CHECK(stat(path, &st) != 0);
    /* control characters in a message are escaped (a file where a folder should be) */
    CHECK(key_file_write(outside, "a\x1b", "x", 1, &err) == FDATA_EIO &&
          strstr(err.message, "a\\x1b") && !strchr(err.message, '\x1b'));
}

int main(void) {
    char root[] = "/tmp/fdata-keyfile-XXXXXX";
    if (!mkdtemp(root))
        return 2;
    test_names();
    test_folder_markers();
    test_write(root);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return check_result("test_key_file");
}
