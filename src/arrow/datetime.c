/* Days since 1970-01-01 <-> civil dates, after Howard Hinnant's days_from_civil and its inverse
 * ("chrono-Compatible Low-Level Date Algorithms"): exact for every int64 day count we meet. */
#include <stdio.h>
#include "datetime.h"

/* Floor division for b > 0, with the remainder in [0, b); never overflows. */
static int64_t floor_divmod(int64_t a, int64_t b, int64_t *rem) {
    int64_t q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q--;
    }
    *rem = r;
    return q;
}

static int format_civil(char *buf, size_t size, int64_t days) {
    int64_t z = days + 719468, doe;
    int64_t era = floor_divmod(z, 146097, &doe);
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y >= 1 && y <= 9999)
        return snprintf(buf, size, "%04lld-%02d-%02d", (long long)y, m, d);
    return snprintf(buf, size, "%c%04lld-%02d-%02d", y < 0 ? '-' : '+',
                    (long long)(y < 0 ? -y : y), m, d);
}

void fdata_format_date(char *buf, size_t size, int64_t days) { format_civil(buf, size, days); }

static const int64_t pow10_table[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                      100000000, 1000000000};

static int format_clock(char *buf, size_t size, int64_t value, int digits) {
    digits = digits < 0 ? 0 : digits > 9 ? 9 : digits;
    int64_t scale = pow10_table[digits];
    int64_t frac, secs = floor_divmod(value, scale, &frac);
    int n = snprintf(buf, size, "%02lld:%02lld:%02lld", (long long)(secs / 3600),
                     (long long)(secs / 60 % 60), (long long)(secs % 60));
    if (digits > 0 && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ".%0*lld", digits, (long long)frac);
    return n;
}

void fdata_format_time(char *buf, size_t size, int64_t value, int digits) {
    if (value < 0) /* a time before midnight (TIME WITH TIME ZONE shifted to UTC, as DuckDB
                      writes them): the previous day's clock time, as pyarrow and DuckDB show */
        floor_divmod(value, 86400 * pow10_table[digits], &value);
    format_clock(buf, size, value, digits);
}

void fdata_format_timestamp(char *buf, size_t size, int64_t value, int digits, int utc) {
    int64_t per_day = 86400 * pow10_table[digits];
    int64_t in_day, days = floor_divmod(value, per_day, &in_day);
    int n = format_civil(buf, size, days);
    if (n <= 0 || (size_t)n + 1 >= size)
        return;
    buf[n++] = 'T';
    n += format_clock(buf + n, size - (size_t)n, in_day, digits);
    if (utc && (size_t)n + 1 < size) {
        buf[n++] = 'Z';
        buf[n] = '\0';
    }
}

int64_t fdata_days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t yoe, era = floor_divmod(y, 400, &yoe);
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}
