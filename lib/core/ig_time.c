#include "core/ig_time.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Howard Hinnant's days_from_civil: exact for every proleptic Gregorian
 * date, no tables, no time-zone state. */
int64_t ig_time_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void ig_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly N digits at *P (before END); returns -1 if they are not. */
static int digits(const char **p, const char *end, int n)
{
	int v = 0, i;

	if (end - *p < n)
		return -1;
	for (i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	return v;
}

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

int ig_time_parse_iso8601(const char *s, size_t len, int64_t *out, const char **why)
{
	const char *p = s, *end = s + len;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;

	if ((y = digits(&p, end, 4)) < 0 || p == end || *p++ != '-' ||
	    (mo = digits(&p, end, 2)) < 0 || p == end || *p++ != '-' ||
	    (d = digits(&p, end, 2)) < 0)
		return fail(why, "not a date (YYYY-MM-DD)");
	if (mo < 1 || mo > 12)
		return fail(why, "month out of range");
	if (d < 1 || d > days_in_month(y, mo))
		return fail(why, "day out of range for its month");
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return fail(why, "expected 'T' or a space after the date");
		p++;
		if ((h = digits(&p, end, 2)) < 0 || p == end || *p++ != ':' ||
		    (mi = digits(&p, end, 2)) < 0)
			return fail(why, "not a time (hh:mm[:ss])");
		if (p < end && *p == ':') {
			p++;
			if ((sec = digits(&p, end, 2)) < 0)
				return fail(why, "not a time (hh:mm[:ss])");
			if (p < end && (*p == '.' || *p == ',')) {
				const char *f = ++p;
				while (p < end && *p >= '0' && *p <= '9')
					p++;
				if (p == f)
					return fail(why, "empty fraction of a second");
			}
		}
		if (mi > 59 || sec > 60 || h > 24 || (h == 24 && (mi != 0 || sec != 0)))
			return fail(why, "time of day out of range");
		if (p < end) {
			/* " UTC" as BigQuery and SQL exports write it: Z */
			if (end - p >= 3 && (end - p == 3 || (end - p == 4 && *p == ' ')) &&
			    (strncasecmp(end - 3, "UTC", 3) == 0 || strncasecmp(end - 3, "GMT", 3) == 0)) {
				p = end;
			} else if (*p == 'Z' || *p == 'z') {
				p++;
			} else if (*p == '+' || *p == '-') {
				int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
				if ((oh = digits(&p, end, 2)) < 0)
					return fail(why, "bad UTC offset");
				if (p < end && *p == ':')
					p++;
				if (p < end && (om = digits(&p, end, 2)) < 0)
					return fail(why, "bad UTC offset");
				if (oh > 23 || om > 59)
					return fail(why, "UTC offset out of range");
				off = sign * (oh * 3600 + om * 60);
			} else {
				return fail(why, "unexpected text after the time");
			}
		}
		if (p != end)
			return fail(why, "unexpected text after the time");
	}
	*out = ig_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	return 0;
}

/* The index (0-based) of the 3-letter name at P among NAMES, or -1. */
static int name3(const char *p, const char *names)
{
	int i;

	for (i = 0; names[3 * i]; i++)
		if (strncasecmp(p, names + 3 * i, 3) == 0)
			return i;
	return -1;
}

int ig_time_parse_twitter(const char *s, size_t len, int64_t *out, const char **why)
{
	char iso[64];
	const char *p = s;
	int mo, y, i;

	/* "Www Mmm DD hh:mm:ss +hhmm YYYY": 30 bytes, fixed places. */
	if (len != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' || s[25] != ' ' ||
	    name3(s, "MonTueWedThuFriSatSun") < 0 || (mo = name3(s + 4, "JanFebMarAprMayJunJulAugSepOctNovDec")) < 0)
		return fail(why, "not a date (YYYY-MM-DD)");
	p = s + 26;
	if ((y = digits(&p, s + len, 4)) < 0)
		return fail(why, "not a date (YYYY-MM-DD)");
	for (i = 8; i < 25; i++)
		if (s[i] == '\0')
			return fail(why, "not a date (YYYY-MM-DD)");
	/* As ISO-8601, which checks the rest: YYYY-MM-DDThh:mm:ss+hhmm. */
	snprintf(iso, sizeof iso, "%04d-%02d-%.2sT%.8s%.5s", y, mo + 1, s + 8, s + 11, s + 20);
	return ig_time_parse_iso8601(iso, strlen(iso), out, why);
}

int ig_time_format_parse(const char *name)
{
	static const char *const names[] = {"auto", "unix", "ms", "iso"};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* A whole decimal number, optionally negative, without overflow. */
static int parse_whole(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0;

	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len)
		return -1;
	/* Leading zeros do not count towards the 18 digits that fit. */
	while (len - i > 1 && s[i] == '0')
		i++;
	if (len - i > 18)
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* Nonzero when S (LEN bytes) is digits with an optional leading '-'. */
static int all_digits(const char *s, size_t len)
{
	size_t i = len > 0 && s[0] == '-';

	if (i == len)
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* The length of the whole part when S (LEN bytes) is a decimal number
 * -?DIGITS[.DIGITS] (exports write "1425941521.123" or "1425941521.0"),
 * else 0. */
static size_t decimal_whole(const char *s, size_t len)
{
	size_t i = len > 0 && s[0] == '-', dot;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == (size_t)(len > 0 && s[0] == '-'))
		return 0;
	if (i == len)
		return i;
	if (s[i] != '.' || i + 1 == len)
		return 0;
	dot = i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i == len ? dot : 0;
}

/* Nonzero when the fraction after the whole part (WHOLE bytes of S) has
 * a digit other than 0. */
static int has_fraction(const char *s, size_t len, size_t whole)
{
	size_t i;

	for (i = whole + 1; i < len; i++)
		if (s[i] != '0')
			return 1;
	return 0;
}

/* Rounds T down to a multiple of UNIT (also below zero), as units. */
static int64_t floor_div(int64_t t, int64_t unit)
{
	return t >= 0 ? t / unit : -((-t + unit - 1) / unit);
}

int ig_time_parse(const char *s, size_t len, int format, int64_t min, int64_t max,
		  int64_t *out, const char **why)
{
	int64_t t;
	size_t whole;
	int automatic = format == IG_TIME_AUTO;

	if (automatic)
		format = decimal_whole(s, len) > 0 ? IG_TIME_UNIX : IG_TIME_ISO8601;
	switch (format) {
	case IG_TIME_UNIX:
	case IG_TIME_UNIX_MS:
		if ((whole = decimal_whole(s, len)) == 0)
			return fail(why, format == IG_TIME_UNIX ? "not a number of seconds"
							    : "not a number of milliseconds");
		if (!all_digits(s, whole) || parse_whole(s, whole, &t) != 0)
			return fail(why, "timestamp out of range");
		/* A fraction is dropped: the time rounds down, also before
		 * 1970, as milliseconds round down to seconds. */
		if (s[0] == '-' && whole < len && has_fraction(s, len, whole))
			t--;
		if (format == IG_TIME_UNIX_MS)
			t = floor_div(t, 1000);
		break;
	default:
		/* Twitter's and Foursquare's exports: "Tue Apr 03 18:00:09 +0000 2012". */
		if (len == 30 && ig_time_parse_twitter(s, len, &t, NULL) == 0)
			break;
		if (ig_time_parse_iso8601(s, len, &t, why) != 0) {
			/* Only a date-like field deserves the ISO-8601 detail. */
			if (why && !(len > 4 && all_digits(s, 4) && s[4] == '-'))
				*why = automatic ? "not Unix seconds or an ISO-8601 date"
						 : "not an ISO-8601 date";
			return -1;
		}
		break;
	}
	if (t < min || t > max)
		return fail(why, "timestamp out of range");
	*out = t;
	return 0;
}

size_t ig_time_format_iso8601(int64_t t, char *buf, size_t size)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400, y;
	int m, d, n;

	ig_time_civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
		     (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return n < 0 ? 0 : (size_t)n;
}
