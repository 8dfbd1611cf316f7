/* Timestamps: ISO-8601 / RFC 3339 dates and times to Unix seconds and
 * back, and the civil-calendar arithmetic under them (proleptic
 * Gregorian, UTC, no time-zone database). */
#ifndef IG_TIME_H
#define IG_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Days from 1970-01-01 to Y-M-D (negative before it). */
int64_t ig_time_days_from_civil(int64_t y, int m, int d);
/* The date of day Z counted from 1970-01-01. */
void ig_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* Parses S (LEN bytes) as an ISO-8601 extended-format date or date-time:
 *   YYYY-MM-DD
 *   YYYY-MM-DD(T|t| )hh:mm[:ss[(.|,)fraction]][Z|z|(+|-)hh[[:]mm]|[ ]UTC|[ ]GMT]
 * into Unix seconds. No zone means UTC; a fraction is dropped (the time
 * rounds down to its second); 24:00:00 is the end of the day and second
 * 60 (a leap second) the first second of the next minute. Returns 0, or
 * -1 with *WHY (may be NULL) set to a static description of the fault. */
int ig_time_parse_iso8601(const char *s, size_t len, int64_t *out, const char **why);

/* Parses the date form of Twitter's API and of the Foursquare check-in
 * data sets, "Www Mmm DD hh:mm:ss +hhmm YYYY" (English names, any case),
 * into Unix seconds; the same returns as ig_time_parse_iso8601. */
int ig_time_parse_twitter(const char *s, size_t len, int64_t *out, const char **why);

enum ig_time_format {
	IG_TIME_AUTO,      /* a number of Unix seconds, else ISO-8601 */
	IG_TIME_UNIX,      /* Unix seconds, DIGITS[.DIGITS] (rounded down) */
	IG_TIME_UNIX_MS,   /* Unix milliseconds, DIGITS[.DIGITS] (rounded down to seconds) */
	IG_TIME_ISO8601    /* ISO-8601, or Twitter's "Tue Apr 03 18:00:09 +0000 2012" */
};

/* The format named "auto", "unix", "ms" or "iso", or -1. */
int ig_time_format_parse(const char *name);

/* Parses S (LEN bytes) in FORMAT; the result must lie in [MIN, MAX].
 * Returns 0, or -1 with *WHY set ("out of range" faults say so). */
int ig_time_parse(const char *s, size_t len, int format, int64_t min, int64_t max,
		  int64_t *out, const char **why);

/* Writes T as "YYYY-MM-DDThh:mm:ssZ" into BUF (at least 32 bytes);
 * returns the length. */
size_t ig_time_format_iso8601(int64_t t, char *buf, size_t size);

#endif
