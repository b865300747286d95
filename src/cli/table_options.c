/* The options that shape a loaded table, shared by load, cat and sql: partitions, schema,
 * filter. */
#include <string.h>
#include "fastdata/load.h"
#include "cli.h"

/* Which of two names arg is (0 or 1), or -1 after the error message. */
static int one_of(const char *option, const char *arg, const char *a, const char *b) {
    if (strcmp(arg, a) == 0 || strcmp(arg, b) == 0)
        return strcmp(arg, b) == 0;
    return -cli_fail("--%s wants %s or %s, not '%s'", option, a, b, arg);
}

void cli_table_options_free(struct fdata_load_options *o) {
    fdata_filter_free((fdata_filter *)o->filter);
    o->filter = NULL;
}

int cli_partition_option(int c, const char *arg, struct fdata_load_options *o) {
    int which;
    switch (c) {
    case 1110:
        if ((which = one_of("partitioning", arg, "hive", "none")) < 0)
            return -1;
        o->partitioning = which ? FDATA_PARTITIONING_NONE : FDATA_PARTITIONING_HIVE;
        return 1;
    case 1111: o->partition_types = arg; return 1;
    case 1112:
        if ((which = one_of("schema", arg, "union", "first")) < 0)
            return -1;
        o->schema = which ? FDATA_SCHEMA_FIRST : FDATA_SCHEMA_UNION;
        return 1;
    case 1113: {
        fdata_filter *f;
        struct fdata_error err = {0};
        if (fdata_filter_parse(arg, &f, &err) != FDATA_OK)
            return -cli_fail("--filter: %s", err.message);
        fdata_filter_free((fdata_filter *)o->filter);
        o->filter = f;
        return 1;
    }
    default: return 0;
    }
}
