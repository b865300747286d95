/* Calendar and text helpers for Arrow values (proleptic Gregorian dates, UTF-8). */
#ifndef FDATA_DATETIME_H
#define FDATA_DATETIME_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD"; years outside 1..9999 get a sign and at least 4 digits ("-0100", "+12345"). */
void fdata_format_date(char *buf, size_t size, int64_t days_since_epoch);
/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, d 1..31). */
int64_t fdata_days_from_civil(int64_t y, int m, int d);
/* The UTF-8 sequence at s[0] (n > 0 bytes left): its length when valid, else minus the
 * length of its maximal invalid subpart (at least 1 byte: what one U+FFFD replaces, by
 * Unicode's best practice, as Python's "replace").  Inline: the hot loop of the checks. */
static inline int fdata_utf8_sequence(const uint8_t *s, size_t n) {
    uint8_t c = s[0], lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c < 0xe0) /* two bytes (Latin, Greek, Cyrillic...): the common case */
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : -1;
    int len = c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
    if (len <= 1)
        return len ? 1 : -1;
    if (c == 0xe0)
        lo = 0xa0; /* overlong */
    else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* overlong */
    else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n || s[k] < lo || s[k] > hi)
            return -k;
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}
/* Length of the valid UTF-8 sequence at s (0 if invalid), and whether n bytes are UTF-8. */
size_t fdata_utf8_seq(const uint8_t *s, size_t n);
int fdata_utf8_valid(const uint8_t *s, size_t n);
/* The length of the longest valid UTF-8 prefix of s[0..n): n when all of it is valid, else
 * the offset of the first byte of the first invalid sequence.  ASCII is skipped 16 bytes at
 * a time: it checks a page of strings at little cost. */
size_t fdata_utf8_valid_prefix(const uint8_t *s, size_t n);
/* "HH:MM:SS" plus `digits` (0, 3, 6, 9) fraction digits; value counts 10^-digits seconds
 * (a negative value is wrapped into the day before: -1 s is 23:59:59). */
void fdata_format_time(char *buf, size_t size, int64_t value, int digits);
/* "YYYY-MM-DDTHH:MM:SS[.fff...]" plus "Z" when utc. */
void fdata_format_timestamp(char *buf, size_t size, int64_t value, int digits, int utc);

#endif
