/* Calendar text for Arrow date/time values (proleptic Gregorian, any year). */
#ifndef FDATA_DATETIME_H
#define FDATA_DATETIME_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD"; years outside 1..9999 get a sign and at least 4 digits ("-0100", "+12345"). */
void fdata_format_date(char *buf, size_t size, int64_t days_since_epoch);
/* "HH:MM:SS" plus `digits` (0, 3, 6, 9) fraction digits; value counts 10^-digits seconds. */
void fdata_format_time(char *buf, size_t size, int64_t value, int digits);
/* "YYYY-MM-DDTHH:MM:SS[.fff...]" plus "Z" when utc. */
void fdata_format_timestamp(char *buf, size_t size, int64_t value, int digits, int utc);

#endif
