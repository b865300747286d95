/* A load's report as a list of facts (fastdata/load.h): one list for the CLI's summary and
 * its --report, and Python's Table.report. */
#include <stdarg.h>
#include <stdio.h>
#include "fastdata/load.h"
#include "../common/common.h"

struct facts {
    struct fdata_trace_fact *f;
    char (*values)[96];
    size_t n;
};

static void fact(struct facts *s, const char *label, const char *fmt, ...) FDATA_PRINTF(3, 4);
static void fact(struct facts *s, const char *label, const char *fmt, ...) {
    if (s->n == FDATA_LOAD_FACTS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->values[s->n], sizeof s->values[s->n], fmt, ap);
    va_end(ap);
    s->f[s->n] = (struct fdata_trace_fact){label, s->values[s->n]};
    s->n++;
}

size_t fdata_load_report_facts(const struct fdata_load_report *r,
                               struct fdata_trace_fact facts[FDATA_LOAD_FACTS],
                               char values[FDATA_LOAD_FACTS][96]) {
    struct facts s = {facts, values, 0};
    fact(&s, "files", "%zu", r->files);
    fact(&s, "rows", "%lld", (long long)r->rows);
    fact(&s, "columns", "%d", r->columns);
    fact(&s, "row groups", "%lld", (long long)r->row_groups);
    fact(&s, "fetched", "%.1f MB (%llu bytes)", (double)r->bytes_fetched / 1e6,
         (unsigned long long)r->bytes_fetched);
    fact(&s, "decoded", "%.1f MB of Arrow buffers", (double)r->bytes_decoded / 1e6);
    fact(&s, "first batch", "%.3f s", r->first_batch_seconds);
    fact(&s, "download", "%.3f s, %.2f Gbit/s (10^9 bits/s)", r->download_seconds,
         r->download_gbit_s);
    fact(&s, "decode", "%.3f s, %.2f GB/s (10^9 bytes/s of output)", r->decode_seconds,
         r->decode_gb_s);
    fact(&s, "wall time", "%.3f s", r->seconds);
    fact(&s, "peak bytes held", "%.1f MB", (double)r->peak_bytes_held / 1e6);
    if (r->requests)
        fact(&s, "requests", "%llu GETs, %.2f per file", (unsigned long long)r->requests,
             r->files ? (double)r->requests / (double)r->files : 0.0);
    if (r->files_pruned || r->row_groups_pruned || r->pages_pruned)
        fact(&s, "pruned", "%zu files, %lld row groups, %lld pages (%.1f MB) by the filter, "
             "never read", r->files_pruned, (long long)r->row_groups_pruned,
             (long long)r->pages_pruned, (double)r->bytes_skipped / 1e6);
    return s.n;
}
