/* --trace FILE.json and --report FILE.html: one trace per command, recorded in memory while
 * it runs (bounded: fastdata/trace.h) and written when it ends, whether it failed or not (a
 * timeline of a failed load says as much as one of a good one). */
#include <stdarg.h>
#include <stdio.h>
#include "fastdata/load.h"
#include "cli.h"

const char cli_trace_usage[] =
    "  --trace FILE.json  a timeline of the command in the Chrome trace event format (open it\n"
    "                     in https://ui.perfetto.dev or chrome://tracing)\n"
    "  --report FILE.html one self-contained page: the summary, a timeline of connections and\n"
    "                     decode workers, throughput against the link's (--target-gbps) and\n"
    "                     the decoders' limits, and a table of the files\n";

int cli_timeline_option(int c, const char *arg, struct cli_timeline *tl) {
    if (c == 'E')
        tl->trace_path = arg;
    else if (c == CLI_REPORT_OPT)
        tl->report_path = arg;
    return c == 'E' || c == CLI_REPORT_OPT;
}

int cli_trace_begin(struct cli_timeline *tl, const char *title,
                    const struct fdata_s3_options *s3) {
    tl->trace = tl->trace_path || tl->report_path ? fdata_trace_new(0) : NULL;
    tl->report = (struct fdata_trace_report){title, tl->facts, 0, s3 ? s3->target_gbit_s : 0,
                                             "--target-gbps"};
    return (tl->trace_path || tl->report_path) && !tl->trace ? cli_fail("out of memory") : 0;
}

void cli_fact(struct cli_timeline *tl, const char *label, const char *fmt, ...) {
    size_t i = tl->report.num_facts;
    if (i == CLI_MAX_FACTS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tl->values[i], sizeof tl->values[i], fmt, ap);
    va_end(ap);
    tl->facts[i] = (struct fdata_trace_fact){label, tl->values[i]};
    tl->report.num_facts++;
}

int cli_trace_end(struct cli_timeline *tl, int rc) {
    struct fdata_error err = {0};
    if (tl->report_path && rc != 0)
        cli_fact(tl, "outcome", "failed (the message is on standard error)");
    if (tl->trace_path && fdata_trace_write(tl->trace, tl->trace_path, &err) != FDATA_OK)
        rc = cli_fail("%s", err.message);
    if (tl->report_path &&
        fdata_trace_write_html(tl->trace, &tl->report, tl->report_path, &err) != FDATA_OK)
        rc = cli_fail("%s", err.message);
    fdata_trace_free(tl->trace);
    tl->trace = NULL;
    return rc;
}

void cli_load_facts(struct cli_timeline *tl, const struct fdata_load_report *r) {
    struct fdata_trace_fact facts[FDATA_LOAD_FACTS];
    char values[FDATA_LOAD_FACTS][96];
    size_t n = fdata_load_report_facts(r, facts, values);
    for (size_t i = 0; i < n; i++)
        cli_fact(tl, facts[i].label, "%s", facts[i].value);
}
