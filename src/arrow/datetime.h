/* Calendar and text helpers for Arrow values (proleptic Gregorian dates, UTF-8). */
#ifndef FDATA_DATETIME_H
#define FDATA_DATETIME_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD"; years outside 1..9999 get a sign and at least 4 digits ("-0100", "+12345"). */
void fdata_format_date(char *buf, size_t size, int64_t days_since_epoch);
/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, d 1..31). */
int64_t fdata_days_from_civil(int64_t y, int m, int d);
/* Length of the valid UTF-8 sequence at s (0 if invalid), and whether n bytes are UTF-8. */
size_t fdata_utf8_seq(const uint8_t *s, size_t n);
int fdata_utf8_valid(const uint8_t *s, size_t n);
/* The length of the longest valid UTF-8 prefix of s[0..n): n when all of it is valid, else
 * the offset of the first byte of the first invalid sequence.  ASCII is skipped 32 (SSE2)
 * or 16 bytes at a time: it checks a page of strings at little cost. */
size_t fdata_utf8_valid_prefix(const uint8_t *s, size_t n);
/* "HH:MM:SS" plus `digits` (0, 3, 6, 9) fraction digits; value counts 10^-digits seconds
 * (a negative value is wrapped into the day before: -1 s is 23:59:59). */
void fdata_format_time(char *buf, size_t size, int64_t value, int digits);
/* "YYYY-MM-DDTHH:MM:SS[.fff...]" plus "Z" when utc. */
void fdata_format_timestamp(char *buf, size_t size, int64_t value, int digits, int utc);

#endif
