/* --trace FILE: one trace per command, written when it ends, whether it failed or not (a
 * timeline of a failed load says as much as one of a good one). */
#include <stdio.h>
#include "cli.h"

const char cli_trace_usage[] =
    "  --trace FILE.json  a timeline of the command in the Chrome trace event format (open it\n"
    "                     in https://ui.perfetto.dev or chrome://tracing)\n";

int cli_trace_begin(const char *path, fdata_trace **out) {
    *out = path ? fdata_trace_new(0) : NULL;
    return path && !*out ? cli_fail("out of memory") : 0;
}

int cli_trace_end(const char *path, fdata_trace *trace, int rc) {
    struct fdata_error err = {0};
    if (trace && fdata_trace_write(trace, path, &err) != FDATA_OK)
        rc = cli_fail("%s", err.message);
    fdata_trace_free(trace);
    return rc;
}
