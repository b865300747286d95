/* The report of a trace (fastdata/trace.h): the per-file table and one self-contained HTML
 * page (inline CSS and SVG, no script, no external resource) built from the recorded events.
 * Every name in it came from a file or a server: all of it is HTML-escaped. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"
#include "trace.h"

#define WIDTH 960          /* pixels of the time axis */
#define LABEL 170          /* pixels of the lane names */
#define LANE_HEIGHT 14
#define BINS 120           /* throughput samples over the run */
#define CHART_HEIGHT 180
#define STEPS 240          /* a counter's chart: its peak in each step of the run */
#define MAX_ROWS 1000      /* files listed; the rest are counted */

static void sb_printf(struct fdata_strbuf *b, const char *fmt, ...) FDATA_PRINTF(2, 3);
static void sb_printf(struct fdata_strbuf *b, const char *fmt, ...) {
    char buf[1024]; /* longer than any piece formatted here */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fdata_sb_put(b, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Text as HTML: the five characters that could end a text or an attribute are escaped. */
static void sb_escaped(struct fdata_strbuf *b, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fdata_sb_puts(b, "&amp;"); break;
        case '<': fdata_sb_puts(b, "&lt;"); break;
        case '>': fdata_sb_puts(b, "&gt;"); break;
        case '"': fdata_sb_puts(b, "&quot;"); break;
        case '\'': fdata_sb_puts(b, "&#39;"); break;
        default: fdata_sb_putc(b, *s);
        }
    }
}

/* ---- which events are what ---- */

/* A whole S3 request (not one of the phases drawn inside a GET). */
static int is_request(const struct trace_event *e) {
    static const char *const phases[] = {"connect", "TLS", "first byte", "transfer"};
    if (e->ph != 'X' || strcmp(e->cat, "request") != 0)
        return 0;
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
        if (strcmp(e->name, phases[i]) == 0)
            return 0;
    return 1;
}

/* A request that moves an object's bytes (not one that creates or completes an upload). */
static int is_transfer(const struct trace_event *e) {
    return strcmp(e->name, "GET") == 0 || strcmp(e->name, "PUT") == 0 ||
           strcmp(e->name, "PUT part") == 0;
}

static int is_decode(const struct trace_event *e) {
    return e->ph == 'X' && strcmp(e->cat, "decode") == 0;
}

/* A request that was retried, failed or answered with an error. */
static int is_bad_request(const struct trace_event *e) {
    int64_t status = trace_arg_int(e, "status", 0);
    return trace_arg_int(e, "attempt", 1) > 1 || status < 200 || status >= 300;
}

/* The file an event is about: a request's key, or a decode's file ("s3://bucket/" dropped, so
 * that an object's requests and decodes meet); "" for neither. */
static const char *file_of(const struct trace_event *e, char *buf, size_t size) {
    buf[0] = '\0';
    if (is_request(e))
        return trace_arg_str(e, "key", buf, size);
    if (!is_decode(e))
        return buf;
    trace_arg_str(e, "file", buf, size);
    char *slash = strncmp(buf, "s3://", 5) == 0 ? strchr(buf + 5, '/') : NULL;
    if (slash)
        memmove(buf, slash + 1, strlen(slash + 1) + 1);
    return buf;
}

/* ---- the per-file table ---- */

struct named {
    char name[sizeof ((struct fdata_trace_file *)0)->name];
    const struct trace_event *e;
};

static int by_name_then_time(const void *a, const void *b) {
    const struct named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->e->ts > y->e->ts) - (x->e->ts < y->e->ts);
}

/* A file's row and when its first event started (the table's order). */
struct row {
    struct fdata_trace_file f;
    int64_t first;
};

static int by_first_start(const void *a, const void *b) {
    const struct row *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* The events of one file (sorted by time) into its row. */
static void add_up(struct row *r, const struct named *ev, size_t n) {
    struct fdata_trace_file *f = &r->f;
    memset(r, 0, sizeof *r);
    memcpy(f->name, ev[0].name, sizeof f->name);
    int64_t last = r->first = ev[0].e->ts;
    for (size_t i = 0; i < n; i++) {
        const struct trace_event *e = ev[i].e;
        uint64_t bytes = (uint64_t)trace_arg_int(e, "bytes", 0);
        int64_t attempt = trace_arg_int(e, "attempt", 1);
        if (is_decode(e)) {
            f->decoded += bytes;
        } else {
            f->bytes += is_transfer(e) ? bytes : 0; /* the object's bytes, not upload XML */
            f->parts += attempt == 1 && is_transfer(e);
            f->retries += attempt > 1;
        }
        last = e->ts + e->dur > last ? e->ts + e->dur : last;
    }
    f->seconds = (double)(last - r->first) / 1e6;
}

/* The rows, in the order the files were first seen; *n of them. */
static int file_rows(const fdata_trace *t, struct row **out, size_t *n) {
    size_t count = 0, k = 0, rows = 0;
    const struct trace_event *ev = t ? trace_events_of(t, &count) : NULL;
    struct named *all = malloc((count ? count : 1) * sizeof *all);
    if (!all)
        return FDATA_ENOMEM;
    for (size_t i = 0; i < count; i++)
        if (*file_of(&ev[i], all[k].name, sizeof all[k].name))
            all[k++].e = &ev[i];
    struct row *r = malloc((k ? k : 1) * sizeof *r); /* at most a row per event of a file */
    if (!r) {
        free(all);
        return FDATA_ENOMEM;
    }
    qsort(all, k, sizeof *all, by_name_then_time);
    for (size_t i = 0, j; i < k; i = j) {
        for (j = i + 1; j < k && strcmp(all[j].name, all[i].name) == 0; j++)
            ;
        add_up(&r[rows++], all + i, j - i);
    }
    free(all);
    qsort(r, rows, sizeof *r, by_first_start);
    *out = r;
    *n = rows;
    return FDATA_OK;
}

int fdata_trace_files(const fdata_trace *t, struct fdata_trace_file **out, size_t *n,
                      struct fdata_error *err) {
    struct row *r;
    *out = NULL;
    *n = 0;
    if (file_rows(t, &r, n) != FDATA_OK)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory for the per-file table");
    struct fdata_trace_file *f = *n ? malloc(*n * sizeof *f) : NULL;
    if (*n && !f) {
        free(r);
        *n = 0;
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory for the per-file table");
    }
    for (size_t i = 0; i < *n; i++)
        f[i] = r[i].f;
    free(r);
    *out = f;
    return FDATA_OK;
}

/* ---- the page ---- */

static const char style[] =
    "<style>\n"
    "body{font:13px system-ui,sans-serif;margin:20px;color:#222}\n"
    "h1{font-size:18px}h2{font-size:15px;margin-top:24px}\n"
    "table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;"
    "text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "svg text{font:11px system-ui,sans-serif;fill:#333}\n"
    ".request{fill:#3b7dd8}.bad{fill:#d8453b}.decode{fill:#3ba55c}.matrix{fill:#8e5bd8}"
    ".load{fill:#999}.grid{stroke:#ddd}.down{stroke:#3b7dd8;fill:none;stroke-width:1.5}"
    ".dec{stroke:#3ba55c;fill:none;stroke-width:1.5}.lim{stroke-dasharray:6 4;stroke-width:1}"
    ".flight{stroke:#3b7dd8}.held{stroke:#e08a1e}.rss{stroke:#c2185b}"
    ".flight,.held,.rss{fill:none;stroke-width:1.5}"
    ".key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}\n"
    "</style>\n";

/* What the drawing needs to know of the run. */
struct run {
    const struct trace_event *ev;
    size_t n;
    int64_t end;                  /* microseconds: the last event's end */
    double down[BINS], dec[BINS]; /* bytes per bin */
    int workers;                  /* decode worker lanes */
    double worker_rate;           /* bytes/s of one worker's decodes (median span), or 0 */
};

static const char *span_class(const struct trace_event *e) {
    if (is_request(e))
        return is_bad_request(e) ? "bad" : "request";
    if (is_decode(e))
        return "decode";
    if (e->ph == 'X' && strcmp(e->cat, "matrix") == 0)
        return "matrix";
    return e->ph == 'X' && (strcmp(e->cat, "load") == 0 || strcmp(e->cat, "query") == 0) ? "load"
                                                                                        : NULL;
}

static double px(const struct run *r, int64_t us) {
    return r->end > 0 ? (double)us * WIDTH / (double)r->end : 0;
}

/* Spreads `bytes` over the bins [start, start + dur) covers, in proportion. */
static void spread(const struct run *r, double *bins, int64_t start, int64_t dur, double bytes) {
    double w = (double)r->end / BINS;
    if (w <= 0 || bytes <= 0)
        return;
    double a = (double)start, b = (double)(start + (dur > 0 ? dur : 1));
    for (int i = (int)(a / w); i < BINS && i * w < b; i++) {
        double lo = a > i * w ? a : i * w, hi = b < (i + 1) * w ? b : (i + 1) * w;
        if (hi > lo)
            bins[i] += bytes * (hi - lo) / (b - a);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_lane_time(const void *a, const void *b) {
    const struct trace_event *x = *(const struct trace_event *const *)a,
                             *y = *(const struct trace_event *const *)b;
    if (x->lane != y->lane)
        return (x->lane > y->lane) - (x->lane < y->lane);
    return (x->ts > y->ts) - (x->ts < y->ts);
}

/* The run's length, throughput bins and decode limit. */
static int measure(struct run *r) {
    double *rates = malloc((r->n ? r->n : 1) * sizeof *rates);
    unsigned char seen[1024] = {0};
    size_t k = 0;
    if (!rates)
        return FDATA_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].ph && r->ev[i].ts + r->ev[i].dur > r->end)
            r->end = r->ev[i].ts + r->ev[i].dur;
    for (size_t i = 0; i < r->n; i++) {
        const struct trace_event *e = &r->ev[i];
        double bytes = (double)trace_arg_int(e, "bytes", 0);
        if (is_request(e))
            spread(r, r->down, e->ts, e->dur, bytes);
        if (!is_decode(e))
            continue;
        spread(r, r->dec, e->ts, e->dur, bytes);
        int w = e->lane - TRACE_LANE_WORKER;
        if (w >= 0 && w < 1024 && !seen[w])
            seen[w] = 1, r->workers++;
        if (bytes > 0 && e->dur > 0)
            rates[k++] = bytes / ((double)e->dur / 1e6);
    }
    qsort(rates, k, sizeof *rates, cmp_double);
    r->worker_rate = k ? rates[k / 2] : 0;
    free(rates);
    return FDATA_OK;
}

/* Flushes one drawn rectangle: the spans merged into it, with a tooltip. */
static void put_rect(struct fdata_strbuf *b, const char *cls, double x0, double x1, int row,
                     const struct trace_event *first, size_t merged) {
    sb_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
              "<title>", cls, LABEL + x0, 20 + row * LANE_HEIGHT + 1, x1 - x0 >= 3 ? x1 - x0 - 1 : x1 - x0 > 0.5 ? x1 - x0 : 0.5,
              LANE_HEIGHT - 2);
    if (merged > 1)
        sb_printf(b, "%zu spans from ", merged);
    sb_escaped(b, first->name);
    sb_printf(b, " at %.3f s</title></rect>\n", (double)first->ts / 1e6);
}

/* Whether span e joins the rectangle [x0, x1] drawn before it on its lane: when it overlaps
 * it, or touches it and one of them is too narrow to see alone (wide neighbours stay apart,
 * a pixel between them, so that back-to-back requests show as such). */
static int merges(const struct run *r, double x0, double x1, const struct trace_event *e) {
    double a = px(r, e->ts), b = px(r, e->ts + e->dur);
    return a < x1 - 0.01 || (a <= x1 + 1 && (x1 - x0 < 3 || b - a < 3));
}

/* The Gantt chart: a row per lane; spans merge as merges() says, so the page stays small
 * whatever the count of events. */
static int timeline(struct fdata_strbuf *b, const struct run *r) {
    const struct trace_event **s = malloc((r->n ? r->n : 1) * sizeof *s);
    size_t k = 0;
    if (!s)
        return FDATA_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
        if (span_class(&r->ev[i]))
            s[k++] = &r->ev[i];
    qsort(s, k, sizeof *s, cmp_lane_time);
    int lanes = 0;
    for (size_t i = 0; i < k; i++)
        lanes += i == 0 || s[i]->lane != s[i - 1]->lane;
    sb_printf(b, "<svg id=\"timeline\" width=\"%d\" height=\"%d\" role=\"img\">\n",
              LABEL + WIDTH + 40, 40 + lanes * LANE_HEIGHT);
    for (int t = 0; t <= 10; t++)
        sb_printf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"14\" y2=\"%d\"/>"
                  "<text x=\"%.1f\" y=\"12\">%.3f s</text>\n", LABEL + t * WIDTH / 10.0,
                  LABEL + t * WIDTH / 10.0, 20 + lanes * LANE_HEIGHT, LABEL + t * WIDTH / 10.0 - 12,
                  (double)r->end / 1e6 * t / 10);
    int row = -1;
    for (size_t i = 0; i < k;) {
        char name[48];
        row++;
        trace_lane_name(s[i]->lane, name, sizeof name);
        sb_printf(b, "<text x=\"4\" y=\"%d\">%s</text>\n", 20 + row * LANE_HEIGHT + 11, name);
        for (int lane = s[i]->lane; i < k && s[i]->lane == lane;) {
            const char *cls = span_class(s[i]);
            const struct trace_event *first = s[i];
            double x0 = px(r, s[i]->ts), x1 = px(r, s[i]->ts + s[i]->dur);
            size_t merged = 1;
            for (i++; i < k && s[i]->lane == lane && strcmp(span_class(s[i]), cls) == 0 &&
                      merges(r, x0, x1, s[i]); i++, merged++)
                x1 = px(r, s[i]->ts + s[i]->dur) > x1 ? px(r, s[i]->ts + s[i]->dur) : x1;
            put_rect(b, cls, x0, x1, row, first, merged);
        }
    }
    fdata_sb_puts(b, "</svg>\n<p class=\"key\"><span style=\"background:"
                     "#3b7dd8\"></span>S3 request<span style=\"background:#d8453b\"></span>"
                     "retried or failed request<span style=\"background:#3ba55c\"></span>column "
                     "chunk decode<span style=\"background:#8e5bd8\"></span>matrix rows"
                     "<span style=\"background:#999\"></span>listing, footers, row groups, query</p>\n");
    free(s);
    return FDATA_OK;
}

/* A chart's frame: its svg element and a labelled grid of 4 steps up to `top` (in millions
 * of `unit`s). */
static void chart_start(struct fdata_strbuf *b, const char *id, double top, const char *unit) {
    sb_printf(b, "<svg id=\"%s\" width=\"%d\" height=\"%d\" role=\"img\">\n", id,
              LABEL + WIDTH + 40, CHART_HEIGHT + 30);
    for (int t = 0; t <= 4; t++)
        sb_printf(b, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                  "<text x=\"4\" y=\"%.1f\">%.*f %s</text>\n", LABEL, LABEL + WIDTH,
                  10 + CHART_HEIGHT * t / 4.0, 10 + CHART_HEIGHT * t / 4.0,
                  14 + CHART_HEIGHT * t / 4.0, top < 4e6 ? 2 : 0, top * (4 - t) / 4 / 1e6, unit);
}

/* The time axis's ends, and the chart's end. */
static void chart_end(struct fdata_strbuf *b, const struct run *r) {
    sb_printf(b, "<text x=\"%d\" y=\"%d\">0 s</text><text x=\"%d\" y=\"%d\">%.3f s</text>"
              "\n</svg>\n", LABEL, CHART_HEIGHT + 24, LABEL + WIDTH - 50, CHART_HEIGHT + 24,
              (double)r->end / 1e6);
}

static void polyline(struct fdata_strbuf *b, const char *cls, const double *bins, double bin_s,
                     double top) {
    sb_printf(b, "<polyline id=\"throughput-%s\" class=\"%s\" points=\"", cls, cls);
    for (int i = 0; i < BINS; i++)
        sb_printf(b, "%.1f,%.1f ", LABEL + (i + 0.5) * WIDTH / BINS,
                  10 + CHART_HEIGHT * (1 - bins[i] / bin_s / top));
    fdata_sb_puts(b, "\"/>\n");
}

static void limit_line(struct fdata_strbuf *b, const char *color, double rate, double top,
                       const char *label) {
    double y = 10 + CHART_HEIGHT * (1 - rate / top);
    sb_printf(b, "<line class=\"lim\" stroke=\"%s\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
              "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\">", color, LABEL, LABEL + WIDTH, y, y,
              LABEL + 4, y - 3);
    sb_escaped(b, label);
    fdata_sb_puts(b, "</text>\n");
}

/* Download and decode throughput over time (MB/s of Parquet bytes), against the link's rate
 * (when known) and the decoders' (workers x one worker's median rate in this run). */
static void throughput(struct fdata_strbuf *b, const struct run *r,
                       const struct fdata_trace_report *rep) {
    double bin_s = (double)r->end / 1e6 / BINS, top = 1;
    double link = rep->link_gbit_s > 0 ? rep->link_gbit_s * 1e9 / 8 : 0;
    double machine = r->workers * r->worker_rate;
    for (int i = 0; bin_s > 0 && i < BINS; i++) {
        top = r->down[i] / bin_s > top ? r->down[i] / bin_s : top;
        top = r->dec[i] / bin_s > top ? r->dec[i] / bin_s : top;
    }
    top = (link > top ? link : machine > top ? machine : top) * 1.1;
    chart_start(b, "throughput", top, "MB/s");
    if (bin_s > 0) {
        polyline(b, "down", r->down, bin_s, top);
        polyline(b, "dec", r->dec, bin_s, top);
    }
    char label[160];
    if (link > 0) {
        snprintf(label, sizeof label, "link: %.0f MB/s", link / 1e6);
        limit_line(b, "#3b7dd8", link, top, label);
    }
    if (machine > 0) {
        snprintf(label, sizeof label, "decoders: %.0f MB/s", machine / 1e6);
        limit_line(b, "#3ba55c", machine, top, label);
    }
    chart_end(b, r);
    fdata_sb_puts(b, "<p class=\"key\"><span style=\"background:#3b7dd8\"></span>download "
                     "(bytes received by S3 requests)<span style=\"background:#3ba55c\"></span>"
                     "decode (Parquet bytes of the column chunks decoded)</p>\n<p>Dashed lines "
                     "are the limits. Download: ");
    if (link > 0) {
        sb_printf(b, "the link's rate, %.2f Gbit/s, from ", rep->link_gbit_s);
        sb_escaped(b, rep->link_source ? rep->link_source : "the caller");
    } else {
        fdata_sb_puts(b, "none drawn, the link's rate is not known (give it with --target-gbps, "
                         "or target_gbps= in Python)");
    }
    if (machine > 0)
        sb_printf(b, ". Decode: the machine's, %d decode workers &times; %.1f MB/s, the median "
                  "rate of one worker's column-chunk decodes in this run.</p>\n", r->workers,
                  r->worker_rate / 1e6);
    else
        fdata_sb_puts(b, ". Decode: none drawn, nothing was decoded.</p>\n");
}

/* The counters the memory chart draws, and what each one is. */
static const struct {
    const char *name, *cls, *color, *says;
} counters[] = {
    {"bytes in flight", "flight", "#3b7dd8", "bytes in flight (ranges asked for, not yet in)"},
    {"budget held", "held", "#e08a1e", "budget held (downloaded bytes not yet decoded)"},
    {"RSS bytes", "rss", "#c2185b", "RSS (the process's resident memory, sampled at most "
                                    "every 10 ms)"},
};
#define COUNTERS (sizeof counters / sizeof counters[0])

/* A counter as steps: the highest value it had in each (a value holds until the next one),
 * from its first event on.  However many events, STEPS steps. */
struct steps {
    double peak[STEPS], last[STEPS], max;
    int64_t last_at[STEPS];
    unsigned char set[STEPS]; /* an event fell in it */
    int first;                /* the first step drawn; STEPS = none */
};

static void counter_steps(const struct run *r, const char *name, struct steps *s) {
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < r->n; i++) {
        const struct trace_event *e = &r->ev[i];
        if (e->ph != 'C' || strcmp(e->name, name) != 0)
            continue; /* threads record out of time order: no carrying until all are in */
        double v = (double)trace_arg_int(e, "value", 0);
        int k = r->end > 0 ? (int)((double)e->ts * STEPS / (double)r->end) : 0;
        k = k < 0 ? 0 : k >= STEPS ? STEPS - 1 : k;
        s->peak[k] = !s->set[k] || v > s->peak[k] ? v : s->peak[k];
        if (!s->set[k] || e->ts >= s->last_at[k])
            s->last_at[k] = e->ts, s->last[k] = v;
        s->set[k] = 1;
    }
    s->first = STEPS;
    double held = 0; /* the value at the step's start */
    for (int k = 0; k < STEPS; k++) {
        if (s->first < STEPS)
            s->peak[k] = !s->set[k] || held > s->peak[k] ? held : s->peak[k];
        else if (s->set[k])
            s->first = k;
        held = s->set[k] ? s->last[k] : held;
        s->max = s->first <= k && s->peak[k] > s->max ? s->peak[k] : s->max;
    }
}

/* The highest value of counter `name` recorded, or 0. */
static double counter_max(const struct run *r, const char *name) {
    double max = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].ph == 'C' && strcmp(r->ev[i].name, name) == 0 &&
            trace_arg_int(&r->ev[i], "value", 0) > max)
            max = (double)trace_arg_int(&r->ev[i], "value", 0);
    return max;
}

static void step_line(struct fdata_strbuf *b, int c, const struct steps *s, double top) {
    sb_printf(b, "<polyline id=\"counter-%s\" class=\"%s\" points=\"", counters[c].cls,
              counters[c].cls);
    double y = 0; /* a point where the value changes: flat stretches cost nothing */
    for (int k = s->first; k < STEPS; k++) {
        double next = 10 + CHART_HEIGHT * (1 - s->peak[k] / top);
        double x = LABEL + (double)k * WIDTH / STEPS;
        if (k > s->first && next != y)
            sb_printf(b, "%.1f,%.1f ", x, y); /* the step's corner */
        if (k == s->first || next != y)
            sb_printf(b, "%.1f,%.1f ", x, next);
        y = next;
    }
    sb_printf(b, "%d,%.1f", LABEL + WIDTH, y);
    sb_printf(b, "\"><title>%s: peak %.1f MB</title></polyline>\n", counters[c].name,
              s->max / 1e6);
}

/* Bytes in flight, the download budget held and RSS over time (the trace's counters, as
 * steps of their peaks), against the budget's limit when it has one. */
static int memory(struct fdata_strbuf *b, const struct run *r) {
    struct steps *s = malloc(COUNTERS * sizeof *s);
    if (!s)
        return FDATA_ENOMEM;
    double limit = counter_max(r, "budget limit"), top = limit;
    int drawn = 0;
    for (size_t c = 0; c < COUNTERS; c++) {
        counter_steps(r, counters[c].name, &s[c]);
        top = s[c].max > top ? s[c].max : top;
        drawn += s[c].first < STEPS;
    }
    if (!drawn) {
        fdata_sb_puts(b, "<p>No memory counters were recorded.</p>\n");
        free(s);
        return FDATA_OK;
    }
    top = top > 0 ? top * 1.1 : 1;
    chart_start(b, "memory", top, "MB");
    for (size_t c = 0; c < COUNTERS; c++)
        if (s[c].first < STEPS)
            step_line(b, (int)c, &s[c], top);
    if (limit > 0) {
        char label[96];
        snprintf(label, sizeof label, "memory limit: %.0f MB", limit / 1e6);
        limit_line(b, "#d8453b", limit, top, label);
    }
    chart_end(b, r);
    fdata_sb_puts(b, "<p class=\"key\">");
    for (size_t c = 0; c < COUNTERS; c++)
        if (s[c].first < STEPS)
            sb_printf(b, "<span style=\"background:%s\"></span>%s (peak %.1f MB)",
                      counters[c].color, counters[c].says, s[c].max / 1e6);
    fdata_sb_puts(b, "</p>\n<p>Each step is the highest value in its stretch of the run. ");
    fdata_sb_puts(b, limit > 0 ? "The dashed line is the download budget's limit (--memory-limit, "
                                 "memory_limit= in Python): what the budget may hold.</p>\n"
                               : "No limit drawn: no download budget with a limit was "
                                 "recorded.</p>\n");
    free(s);
    return FDATA_OK;
}

static void file_table(struct fdata_strbuf *b, const struct row *rows, size_t n) {
    fdata_sb_puts(b, "<table id=\"files\">\n<tr><th>file</th><th>bytes fetched or sent</th>"
                     "<th>bytes decoded</th><th>parts</th><th>retries</th><th>time (s)</th></tr>\n");
    for (size_t i = 0; i < n && i < MAX_ROWS; i++) {
        const struct fdata_trace_file *f = &rows[i].f;
        fdata_sb_puts(b, "<tr><td>");
        sb_escaped(b, f->name);
        sb_printf(b, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%d"
                  "</td><td class=\"n\">%d</td><td class=\"n\">%.3f</td></tr>\n",
                  (unsigned long long)f->bytes, (unsigned long long)f->decoded, f->parts,
                  f->retries, f->seconds);
    }
    fdata_sb_puts(b, "</table>\n");
    if (n > MAX_ROWS)
        sb_printf(b, "<p>%zu more files not listed.</p>\n", n - MAX_ROWS);
}

static void summary(struct fdata_strbuf *b, const fdata_trace *t,
                    const struct fdata_trace_report *rep) {
    fdata_sb_puts(b, "<table id=\"summary\">\n");
    for (size_t i = 0; i < rep->num_facts; i++) {
        fdata_sb_puts(b, "<tr><th>");
        sb_escaped(b, rep->facts[i].label);
        fdata_sb_puts(b, "</th><td>");
        sb_escaped(b, rep->facts[i].value);
        fdata_sb_puts(b, "</td></tr>\n");
    }
    if (!t) {
        fdata_sb_puts(b, "<tr><th>timeline</th><td>not recorded (ask for a report or a trace "
                         "when loading)</td></tr>\n</table>\n");
        return;
    }
    sb_printf(b, "<tr><th>events</th><td>%zu recorded%s", fdata_trace_events(t),
              fdata_trace_dropped(t) ? ", " : "</td></tr>\n</table>\n");
    if (fdata_trace_dropped(t))
        sb_printf(b, "%zu dropped past the limit: the charts miss them</td></tr>\n</table>\n",
                  fdata_trace_dropped(t));
}

char *fdata_trace_html(const fdata_trace *t, const struct fdata_trace_report *rep) {
    static const struct fdata_trace_report none = {0};
    struct fdata_strbuf b = {0};
    struct run r = {0};
    struct row *rows = NULL;
    size_t n = 0;
    rep = rep ? rep : &none;
    r.ev = t ? trace_events_of(t, &r.n) : NULL;
    if (measure(&r) != FDATA_OK || file_rows(t, &rows, &n) != FDATA_OK)
        return NULL;
    const char *title = rep->title ? rep->title : "fastdata";
    fdata_sb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<title>");
    sb_escaped(&b, title);
    fdata_sb_puts(&b, "</title>\n");
    fdata_sb_puts(&b, style);
    fdata_sb_puts(&b, "</head><body>\n<h1>");
    sb_escaped(&b, title);
    fdata_sb_puts(&b, "</h1>\n");
    summary(&b, t, rep);
    int status = FDATA_OK;
    if (t) {
        fdata_sb_puts(&b, "<h2>Timeline</h2>\n");
        status = timeline(&b, &r);
        fdata_sb_puts(&b, "<h2>Throughput</h2>\n");
        throughput(&b, &r, rep);
        fdata_sb_puts(&b, "<h2>Memory</h2>\n");
        status = status == FDATA_OK ? memory(&b, &r) : status;
        sb_printf(&b, "<h2>Files (%zu)</h2>\n", n);
        file_table(&b, rows, n);
    }
    fdata_sb_puts(&b, "</body></html>\n");
    free(rows);
    fdata_sb_cstr(&b);
    if (status != FDATA_OK || b.oom) {
        fdata_sb_free(&b);
        return NULL;
    }
    return b.buf;
}

int fdata_trace_write_html(const fdata_trace *t, const struct fdata_trace_report *rep,
                           const char *path, struct fdata_error *err) {
    char *html = fdata_trace_html(t, rep);
    if (!html)
        return fdata_set_error(err, FDATA_ENOMEM, "%s: out of memory for the report", path);
    FILE *f = fopen(path, "w");
    size_t len = strlen(html);
    int ok = f && fwrite(html, 1, len, f) == len;
    int saved = errno;
    if (f && fclose(f) != 0 && ok)
        ok = 0, saved = errno;
    free(html);
    return ok ? FDATA_OK
              : fdata_set_error(err, FDATA_EIO, "%s: cannot write the report: %s", path,
                                strerror(saved));
}
