#!/usr/bin/env bash
# `cmake --install` puts headers, libraries, the CLI and a pkg-config file under a prefix,
# and a program built with `pkg-config --cflags --libs fastdata` alone runs against it.
# usage: check_install.sh BUILD_DIR
set -eu
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -1)
test -x "$prefix/bin/fastdata"
test -f "$prefix/include/fastdata/parquet.h"
cat > "$prefix/use.c" <<'C'
#include <fastdata/parquet.h>
#include <stdio.h>
int main(int argc, char **argv) {
    fdata_parquet_file *f; /* the reader (and so every codec) linked in too */
    if (argc > 1 && fdata_parquet_open_path(argv[1], &f, NULL) == FDATA_OK)
        fdata_parquet_close(f);
    printf("%s\n", fdata_version());
    return 0;
}
C
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -Wall -Werror "$prefix/use.c" -o "$prefix/use" $(pkg-config --cflags --libs fastdata)
LD_LIBRARY_PATH="$libdir" "$prefix/use" | grep -qx "$(LD_LIBRARY_PATH="$libdir" "$prefix/bin/fastdata" version | cut -d' ' -f2)"
# the static library, with its dependencies' shared libraries (Debian ships no static
# libcurl dependency chain)
deps=$(sed -n 's/^Requires.private: //p' "$PKG_CONFIG_PATH/fastdata.pc")
cc -Wall -Werror "$prefix/use.c" -o "$prefix/use_static" $(pkg-config --cflags fastdata) \
   "$libdir/libfastdata.a" $(pkg-config --libs $deps) -lcsv -lpthread -lm -ldl
"$prefix/use_static" >/dev/null
echo "1 passed, 0 failed"
