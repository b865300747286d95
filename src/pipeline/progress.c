/* The progress display on a terminal (fastdata/load.h): a bar of the bytes fetched, the rate
 * over the last second or so, the time left at that rate, and the files handed over; one
 * model for the CLI and Python's progress=True. */
#include <stdio.h>
#include "fastdata/load.h"

#define BAR_WIDTH 30
#define REDRAW_SECONDS 0.1       /* at most 10 draws a second */

/* "1:05", or "--:--" when not known. */
static const char *clock_text(double seconds, char *buf, size_t size) {
    if (!(seconds >= 0 && seconds < 360000))
        return "--:--";
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

void fdata_progress_bar_draw(void *ctx, const struct fdata_load_report *r, size_t total) {
    struct fdata_progress_bar *b = ctx;
    int last = r->files == total;
    if (b->finished || (!last && b->draws && r->seconds - b->drawn < REDRAW_SECONDS))
        return;
    if (r->seconds > b->at) { /* a moving average over about a second */
        double now_rate = (double)(r->bytes_fetched - b->bytes) / (r->seconds - b->at);
        double w = (r->seconds - b->at) > 1 ? 1 : r->seconds - b->at;
        b->rate = b->draws == 0 ? now_rate : b->rate * (1 - w) + now_rate * w;
        b->at = r->seconds;
        b->bytes = r->bytes_fetched;
    }
    b->drawn = r->seconds;
    b->draws++;
    double part = r->bytes_total ? (double)r->bytes_fetched / (double)r->bytes_total : 0;
    part = last ? 1 : part > 1 ? 1 : part;
    char bar[BAR_WIDTH + 1], eta[32];
    int filled = (int)(part * BAR_WIDTH);
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    double left = r->bytes_total > r->bytes_fetched ? (double)(r->bytes_total - r->bytes_fetched) : 0;
    fprintf(stderr, "\r[%s] %3.0f%%  %7.1f MB/s  ETA %s  %zu/%zu files\x1b[K%s", bar, part * 100,
            b->rate / 1e6, last ? "0:00" : clock_text(b->rate > 0 ? left / b->rate : -1, eta,
                                                      sizeof eta), r->files, total,
            last ? "\n" : "");
    b->finished = last;
}

void fdata_progress_bar_end(struct fdata_progress_bar *b) {
    if (b->draws && !b->finished)
        fputc('\n', stderr); /* a load that failed: its message on a line of its own */
    b->finished = 1;
}
