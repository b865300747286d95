/* The trace (src/common/trace.h): threads recording at once lose nothing below the cap and
 * count everything past it, and the file then ends with an event saying how many were
 * dropped; an async pair is kept or dropped whole; names and arguments are escaped as JSON;
 * a NULL trace records nothing; a path that cannot be written is one clear error.  The report
 * (src/common/report_html.c): the per-file table adds up each object's requests and decodes
 * (an s3:// decode meets its key), counts retries; the page escapes every name and summary
 * line, marks retried requests, draws the link's limit when given, stays small however many
 * spans or counter events (a counter's peak kept, the memory limit drawn), and without a trace
 * is the summary alone. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "common/trace.h"

#define THREADS 4
#define SPANS 1000

static void *record(void *arg) {
    fdata_trace *t = arg;
    for (int i = 0; i < SPANS; i++)
        fdata_trace_span(t, TRACE_LANE_WORKER, "test", "span", i, i + 1, "\"i\": %d", i);
    return NULL;
}

/* The file's text (the caller frees it). */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 20);
    size_t n = f && buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void threads_to(fdata_trace *t) {
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, record, t);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
}

/* Spans as the S3 and decode layers record them, of one hostile key. */
static void record_object(fdata_trace *t) {
    char key[80];
    const char *k = fdata_trace_quote("<k&\">", key, sizeof key);
    fdata_trace_span(t, TRACE_LANE_CONNECTION, "request", "GET", 1000, 3000,
                     "\"key\": \"%s\", \"bytes\": 100, \"status\": 503, \"attempt\": 1", k);
    fdata_trace_span(t, TRACE_LANE_CONNECTION, "request", "transfer", 1500, 3000, NULL);
    fdata_trace_span(t, TRACE_LANE_CONNECTION + 1, "request", "GET", 3500, 6000,
                     "\"key\": \"%s\", \"bytes\": 900, \"status\": 206, \"attempt\": 2", k);
    fdata_trace_span(t, TRACE_LANE_WORKER, "decode", "col", 6000, 9000,
                     "\"file\": \"s3://bucket/%s\", \"bytes\": 400", k);
    fdata_trace_span(t, TRACE_LANE_MAIN, "request", "LIST", 0, 900, "\"key\": \"\", \"bytes\": 5");
}

static void report_tests(const char *path) {
    fdata_trace *t = fdata_trace_new(0);
    record_object(t);
    struct fdata_trace_file *files;
    size_t n;
    CHECK(fdata_trace_files(t, &files, &n, NULL) == FDATA_OK && n == 1);
    CHECK_STR(files[0].name, "<k&\">");
    CHECK(files[0].bytes == 1000 && files[0].decoded == 400 && files[0].parts == 1 &&
          files[0].retries == 1 && files[0].seconds > 0.0079 && files[0].seconds < 0.0081);
    free(files);
    struct fdata_trace_fact facts[] = {{"<b>rows", "1 & 2"}};
    struct fdata_trace_report rep = {"load <x>", facts, 1, 1.0, "--target-gbps"};
    char *html = fdata_trace_html(t, &rep);
    CHECK(html && strstr(html, "&lt;k&amp;&quot;&gt;") && !strstr(html, "<k&") &&
          strstr(html, "<th>&lt;b&gt;rows</th><td>1 &amp; 2</td>") &&
          strstr(html, "<title>load &lt;x&gt;</title>") && strstr(html, "class=\"bad\"") &&
          strstr(html, "link: 125 MB/s") && strstr(html, "from --target-gbps") &&
          strstr(html, "decoders: ") && !strstr(html, "<script"));
    free(html);
    CHECK(fdata_trace_write_html(t, &rep, path, NULL) == FDATA_OK);
    char *text = slurp(path);
    CHECK(text && strncmp(text, "<!DOCTYPE html>", 15) == 0 && strstr(text, "</html>"));
    free(text);
    fdata_trace_free(t);

    t = fdata_trace_new(0); /* a long run: spans closer than a pixel merge */
    for (int i = 0; i < 100000; i++)
        fdata_trace_span(t, TRACE_LANE_WORKER + i % 2, "decode", "c", i * 10, i * 10 + 9,
                         "\"file\": \"f\", \"bytes\": 10");
    html = fdata_trace_html(t, NULL);
    CHECK(html && strlen(html) < 200000 && strstr(html, "spans from"));
    free(html);
    fdata_trace_free(t);

    t = fdata_trace_new(0); /* counters: steps of their peaks, however many events */
    fdata_trace_counter(t, "budget limit", 2000000000);
    for (int i = 0; i < 100000; i++) {
        fdata_trace_in_flight(t, i == 50000 ? 5000000000 : 1000);
        fdata_trace_counter(t, "budget held", i % 1000 * 1000);
        fdata_trace_in_flight(t, i == 50000 ? -5000000000 : -1000);
    }
    html = fdata_trace_html(t, NULL);
    CHECK(html && strlen(html) < 100000 && strstr(html, "<svg id=\"memory\"") &&
          strstr(html, "<polyline id=\"counter-flight\"") &&
          strstr(html, "bytes in flight: peak 5000.0 MB") && /* one event's peak kept */
          strstr(html, "<polyline id=\"counter-held\"") && strstr(html, "budget held: peak 1.0 MB") &&
          !strstr(html, "counter-rss") && strstr(html, "memory limit: 2000 MB"));
    free(html);
    fdata_trace_free(t);
    t = fdata_trace_new(0); /* spans alone: no memory chart, and it says so */
    record_object(t);
    html = fdata_trace_html(t, NULL);
    CHECK(html && strstr(html, "No memory counters") && !strstr(html, "id=\"memory\""));
    free(html);
    fdata_trace_free(t);

    html = fdata_trace_html(NULL, &rep); /* no trace: the summary alone */
    CHECK(html && strstr(html, "not recorded") && !strstr(html, "<svg"));
    free(html);
    struct fdata_error err = {0};
    CHECK(fdata_trace_write_html(NULL, &rep, "/nonexistent-dir/r.html", &err) == FDATA_EIO &&
          strstr(err.message, "/nonexistent-dir/r.html: cannot write the report"));
}

int main(void) {
    char path[] = "/tmp/fdata-trace-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);

    fdata_trace *whole = fdata_trace_new(0); /* below the cap: every event kept */
    threads_to(whole);
    CHECK(fdata_trace_events(whole) == THREADS * SPANS && fdata_trace_dropped(whole) == 0);
    CHECK(fdata_trace_write(whole, path, NULL) == FDATA_OK);
    char *text = slurp(path);
    CHECK(strstr(text, "\"name\": \"trace end\"") && strstr(text, "\"dropped\": 0"));
    CHECK(strstr(text, "\"name\": \"decode worker 0\""));
    free(text);
    fdata_trace_free(whole);

    fdata_trace *capped = fdata_trace_new(100);
    threads_to(capped);
    CHECK(fdata_trace_events(capped) == 100);
    CHECK(fdata_trace_dropped(capped) == THREADS * SPANS - 100);
    CHECK(fdata_trace_write(capped, path, NULL) == FDATA_OK);
    text = slurp(path);
    CHECK(strstr(text, "\"name\": \"events dropped\"") && strstr(text, "\"dropped\": 3900") &&
          strstr(text, "\"max_events\": 100}}\n]}\n"));
    free(text);
    fdata_trace_free(capped);

    fdata_trace *detailed = fdata_trace_new(100); /* details stop at half, spans go on */
    for (int i = 0; i < 80; i++)
        fdata_trace_detail(detailed, TRACE_LANE_WORKER, "decode", "col", i, i + 1, NULL);
    for (int i = 0; i < 30; i++)
        fdata_trace_span(detailed, TRACE_LANE_DECODER, "load", "row groups", i, i + 1, NULL);
    CHECK(fdata_trace_events(detailed) == 80 && fdata_trace_dropped(detailed) == 30);
    CHECK(fdata_trace_write(detailed, path, NULL) == FDATA_OK);
    text = slurp(path);
    char *last = text ? strstr(text, "\"name\": \"events dropped\"") : NULL;
    size_t groups = 0;
    for (char *at = text; at && (at = strstr(at, "\"row groups\"")); at++)
        groups++;
    CHECK(last && groups == 30 && strstr(text, "\"dropped\": 30"));
    free(text);
    fdata_trace_free(detailed);

    fdata_trace *t = fdata_trace_new(2); /* a span, then a pair that does not fit */
    fdata_trace_span(t, TRACE_LANE_MAIN, "test", "say \"hi\"\n\\", 0, 5, "\"k\": \"%s\"",
                     fdata_trace_quote("a\"b\x01", (char[32]){0}, 32));
    fdata_trace_async(t, "part", "part", 7, 1, 2);
    CHECK(fdata_trace_events(t) == 1 && fdata_trace_dropped(t) == 2);
    CHECK(fdata_trace_write(t, path, NULL) == FDATA_OK);
    text = slurp(path);
    CHECK(strstr(text, "\"name\": \"say \\\"hi\\\"\\u000a\\\\\""));
    CHECK(strstr(text, "\"k\": \"a\\\"b\\u0001\""));
    CHECK(!strstr(text, "\"ph\": \"b\"") && !strstr(text, "\"ph\": \"e\""));
    free(text);
    fdata_trace_free(t);

    t = fdata_trace_new(4); /* names and strings cut only between UTF-8 sequences; args that do
                               not fit replaced whole */
    char name[64], quoted[11];
    memset(name, 'a', 46);
    strcpy(name + 46, "\xc3\xa9\xc3\xa9"); /* "é" across the 47-byte cut */
    fdata_trace_span(t, TRACE_LANE_MAIN, "test", name, 0, 1, "\"s\": \"%s\"",
                     fdata_trace_quote("ab\xe2\x82\xac", quoted, sizeof quoted)); /* "€" cut */
    CHECK_STR(quoted, "ab");
    fdata_trace_span(t, TRACE_LANE_MAIN, "test", "long", 0, 1, "\"x\": \"%0300d\"", 1);
    CHECK(fdata_trace_write(t, path, NULL) == FDATA_OK);
    text = slurp(path);
    name[46] = '\0';
    CHECK(strstr(text, name) && !strstr(text, "a\xc3\"") &&
          strstr(text, "\"name\": \"long\", \"ts\": 0, \"dur\": 1, \"args\": {\"args\": \"too long"));
    free(text);
    fdata_trace_free(t);

    t = fdata_trace_new(4); /* a pair that fits */
    fdata_trace_async(t, "part", "part", 7, 1, 2);
    CHECK(fdata_trace_events(t) == 2 && fdata_trace_dropped(t) == 0);
    struct fdata_error err = {0};
    CHECK(fdata_trace_write(t, "/nonexistent-dir/x.json", &err) == FDATA_EIO &&
          strstr(err.message, "/nonexistent-dir/x.json: cannot write the trace"));
    fdata_trace_free(t);

    report_tests(path);

    fdata_trace_span(NULL, 1, "test", "nothing", 0, 1, NULL); /* off: no-ops */
    fdata_trace_counter(NULL, "nothing", 1);
    fdata_trace_in_flight(NULL, 1);
    fdata_trace_rss(NULL);
    fdata_trace_free(NULL);
    remove(path);
    return check_result("test_trace");
}
