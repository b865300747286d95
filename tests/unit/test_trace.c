/* The trace (src/common/trace.h): threads recording at once lose nothing below the cap and
 * count everything past it, and the file then ends with an event saying how many were
 * dropped; an async pair is kept or dropped whole; names and arguments are escaped as JSON;
 * a NULL trace records nothing; a path that cannot be written is one clear error. */
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

    fdata_trace_span(NULL, 1, "test", "nothing", 0, 1, NULL); /* off: no-ops */
    fdata_trace_counter(NULL, "nothing", 1);
    fdata_trace_in_flight(NULL, 1);
    fdata_trace_rss(NULL);
    fdata_trace_free(NULL);
    remove(path);
    return check_result("test_trace");
}
