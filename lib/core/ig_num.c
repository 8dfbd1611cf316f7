#include "core/ig_num.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* strtol and friends accept leading space; a field with it is malformed. */
static int starts_like_number(const char *s)
{
	return s != NULL && *s != '\0' && !isspace((unsigned char)*s);
}

int ig_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!starts_like_number(s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ig_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!starts_like_number(s) || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int ig_parse_int(const char *s, int min, int max, int *out)
{
	int64_t v;

	if (ig_parse_i64(s, min, max, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

int ig_parse_double(const char *s, double *out)
{
	char *end;
	double v;
	const char *p;

	if (!starts_like_number(s))
		return -1;
	/* strtod also takes hex floats, "inf" and "nan": none is a data value. */
	for (p = s; *p; p++)
		if (!(isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+' ||
		      *p == 'e' || *p == 'E'))
			return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
		return -1;
	*out = v;
	return 0;
}

int ig_parse_double_range(const char *s, double min, double max, double *out)
{
	double v;

	if (ig_parse_double(s, &v) != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int ig_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (!starts_like_number(s) || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: return -1;
	}
	if (*end != '\0') {
		end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (shift && v > (ULLONG_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int ig_parse_shard(const char *s, uint32_t *index, uint32_t *count)
{
	const char *slash;
	char buf[32];
	uint64_t i, n;
	size_t len;

	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return -1;
	len = (size_t)(slash - s);
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (ig_parse_u64(buf, UINT32_MAX, &i) != 0 || ig_parse_u64(slash + 1, UINT32_MAX, &n) != 0)
		return -1;
	if (n == 0 || i >= n)
		return -1;
	*index = (uint32_t)i;
	*count = (uint32_t)n;
	return 0;
}

const char *ig_format_u64(uint64_t v, char buf[IG_U64_BUF], size_t *len)
{
	int i = IG_U64_BUF;

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	*len = (size_t)(IG_U64_BUF - i);
	return buf + i;
}

const char *ig_format_i64(int64_t v, char buf[IG_U64_BUF], size_t *len)
{
	const char *digits;

	if (v >= 0)
		return ig_format_u64((uint64_t)v, buf, len);
	/* The digits of -v end at the buffer's end: the sign goes before them. */
	digits = ig_format_u64((uint64_t)0 - (uint64_t)v, buf, len);
	buf[digits - buf - 1] = '-';
	(*len)++;
	return digits - 1;
}

size_t ig_put_u64(char *dst, uint64_t v)
{
	char tmp[IG_U64_BUF];
	size_t n;
	const char *digits = ig_format_u64(v, tmp, &n);

	memcpy(dst, digits, n);
	return n;
}
