/* The options that shape a loaded table, shared by load and sql: partitions. */
#include <string.h>
#include "fastdata/load.h"
#include "cli.h"

int cli_partition_option(int c, const char *arg, struct fdata_load_options *o) {
    switch (c) {
    case 1100:
        if (strcmp(arg, "hive") == 0)
            o->partitioning = FDATA_PARTITIONING_HIVE;
        else if (strcmp(arg, "none") == 0)
            o->partitioning = FDATA_PARTITIONING_NONE;
        else
            return -cli_fail("--partitioning wants hive or none, not '%s'", arg);
        return 1;
    case 1101: o->partition_types = arg; return 1;
    default: return 0;
    }
}
