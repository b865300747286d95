/* Arrow types named for people (see unify.h): what error messages print instead of format
 * strings ("int64", not "l"). */
#include <stdio.h>
#include <stdlib.h>
#include "../common/common.h"
#include "build.h"
#include "unify.h"

static const struct {
    const char *format, *name;
} flat_names[] = {
    {"n", "null"}, {"b", "bool"}, {"c", "int8"}, {"C", "uint8"}, {"s", "int16"},
    {"S", "uint16"}, {"i", "int32"}, {"I", "uint32"}, {"l", "int64"}, {"L", "uint64"},
    {"e", "halffloat"}, {"f", "float"}, {"g", "double"}, {"z", "binary"},
    {"Z", "large_binary"}, {"vz", "binary_view"}, {"u", "string"}, {"U", "large_string"},
    {"vu", "string_view"}, {"tdD", "date32[day]"}, {"tdm", "date64[ms]"},
    {"tts", "time32[s]"}, {"ttm", "time32[ms]"}, {"ttu", "time64[us]"}, {"ttn", "time64[ns]"},
    {"tDs", "duration[s]"}, {"tDm", "duration[ms]"}, {"tDu", "duration[us]"},
    {"tDn", "duration[ns]"}, {"tiM", "month_interval"}, {"tiD", "day_time_interval"},
    {"tin", "month_day_nano_interval"},
};

/* A flat type's name into buf (size >= 64); NULL when the format is not a flat one. */
static const char *flat_name(const char *f, char *buf, size_t size) {
    for (size_t i = 0; i < sizeof flat_names / sizeof flat_names[0]; i++)
        if (strcmp(f, flat_names[i].format) == 0)
            return flat_names[i].name;
    int p, s, bits = 128, n;
    if (sscanf(f, "d:%d,%d%n", &p, &s, &n) == 2 && (f[n] == '\0' || sscanf(f + n, ",%d", &bits) == 1)) {
        snprintf(buf, size, "decimal%d(%d, %d)", bits, p, s);
        return buf;
    }
    if (strncmp(f, "w:", 2) == 0) {
        snprintf(buf, size, "fixed_size_binary[%s]", f + 2);
        return buf;
    }
    if (strncmp(f, "ts", 2) == 0 && f[2] && f[3] == ':') {
        const char *unit = f[2] == 's' ? "s" : f[2] == 'm' ? "ms" : f[2] == 'u' ? "us" : "ns";
        snprintf(buf, size, f[4] ? "timestamp[%s, tz=%s]" : "timestamp[%s]", unit, f + 4);
        return buf;
    }
    return NULL;
}

/* Appends text to buf at *len, cut to size. */
static void put(char *buf, size_t size, size_t *len, const char *text) {
    if (*len + 1 < size)
        *len += (size_t)snprintf(buf + *len, size - *len, "%s", text);
    if (*len >= size)
        *len = size - 1;
}

static void name_into(const struct ArrowSchema *s, char *buf, size_t size, size_t *len);

/* "<a: int64, b: string>" of a parent's children (map: "<key type, value type>"). */
static void children_into(const struct ArrowSchema *s, int map, char *buf, size_t size,
                          size_t *len) {
    const struct ArrowSchema *entries = map && s->n_children == 1 ? s->children[0] : NULL;
    const struct ArrowSchema *parent = entries ? entries : s;
    put(buf, size, len, "<");
    for (int64_t i = 0; i < parent->n_children; i++) {
        put(buf, size, len, i ? ", " : "");
        if (!entries) {
            put(buf, size, len, parent->children[i]->name ? parent->children[i]->name : "");
            put(buf, size, len, ": ");
        }
        name_into(parent->children[i], buf, size, len);
    }
    put(buf, size, len, ">");
}

static void name_into(const struct ArrowSchema *s, char *buf, size_t size, size_t *len) {
    char flat[64], ext[256];
    const char *f = s->format, *name;
    if (s->dictionary) {
        put(buf, size, len, "dictionary<values=");
        name_into(s->dictionary, buf, size, len);
        put(buf, size, len, ", indices=");
        name = flat_name(f, flat, sizeof flat);
        put(buf, size, len, name ? name : f);
        put(buf, size, len, ">");
    } else if ((name = flat_name(f, flat, sizeof flat))) {
        put(buf, size, len, name);
    } else if (f[0] == '+') {
        int map = strcmp(f, "+m") == 0;
        put(buf, size, len, strcmp(f, "+s") == 0 ? "struct" : strcmp(f, "+l") == 0 ? "list"
                            : strcmp(f, "+L") == 0 ? "large_list" : map ? "map"
                            : strncmp(f, "+w:", 3) == 0 ? "fixed_size_list" : f);
        children_into(s, map, buf, size, len);
        if (strncmp(f, "+w:", 3) == 0) {
            put(buf, size, len, "[");
            put(buf, size, len, f + 3);
            put(buf, size, len, "]");
        }
    } else {
        put(buf, size, len, f);
    }
    fdata_schema_extension(s, ext, sizeof ext);
    if (ext[0]) {
        put(buf, size, len, " (");
        put(buf, size, len, ext);
        put(buf, size, len, ")");
    }
}

const char *fdata_type_name(const struct ArrowSchema *s, char *buf, size_t size) {
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    if (size > 1)
        name_into(s, buf, size, &len);
    return buf;
}
