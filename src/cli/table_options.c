/* The options that shape a loaded table, shared by load and sql: partitions, schema. */
#include <string.h>
#include "fastdata/load.h"
#include "cli.h"

/* Which of two names arg is (0 or 1), or -1 after the error message. */
static int one_of(const char *option, const char *arg, const char *a, const char *b) {
    if (strcmp(arg, a) == 0 || strcmp(arg, b) == 0)
        return strcmp(arg, b) == 0;
    return -cli_fail("--%s wants %s or %s, not '%s'", option, a, b, arg);
}

int cli_partition_option(int c, const char *arg, struct fdata_load_options *o) {
    int which;
    switch (c) {
    case 1100:
        if ((which = one_of("partitioning", arg, "hive", "none")) < 0)
            return -1;
        o->partitioning = which ? FDATA_PARTITIONING_NONE : FDATA_PARTITIONING_HIVE;
        return 1;
    case 1101: o->partition_types = arg; return 1;
    case 1102:
        if ((which = one_of("schema", arg, "union", "first")) < 0)
            return -1;
        o->schema = which ? FDATA_SCHEMA_FIRST : FDATA_SCHEMA_UNION;
        return 1;
    default: return 0;
    }
}
