#include "core/ig_num.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

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

/* 10^0 .. 10^22: the powers of ten a double holds exactly. */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The common case of ig_parse_double without strtod: [+-]D*[.D*][eE[+-]D+]
 * with at least one mantissa digit, whose significant digits make an
 * integer M <= 2^53 (exact as a double) and whose power of ten K has
 * |K| <= 22 (exact too): one multiplication or division of two exact
 * doubles is correctly rounded, which is what strtod returns (Clinger's
 * fast path). Returns -1 for anything else, which then goes to strtod. */
static int parse_double_fast(const char *s, double *out)
{
	const char *p = s;
	uint64_t m = 0;
	int neg = 0, any = 0, sig = 0, k = 0;
	double v;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++) {
		any = 1;
		if (m == 0 && *p == '0')
			continue; /* leading zeros are not significant */
		if (++sig > 19)
			return -1;
		m = m * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			any = 1;
			k--;
			if (m == 0 && *p == '0')
				continue;
			if (++sig > 19)
				return -1;
			m = m * 10 + (uint64_t)(*p - '0');
		}
	}
	if (!any)
		return -1;
	if (*p == 'e' || *p == 'E') {
		int eneg = 0, e = 0, ed = 0;

		p++;
		if (*p == '-' || *p == '+')
			eneg = *p++ == '-';
		for (; *p >= '0' && *p <= '9'; p++, ed++)
			if (e < 1000)
				e = e * 10 + (*p - '0');
		if (ed == 0)
			return -1;
		k += eneg ? -e : e;
	}
	if (*p != '\0' || m > ((uint64_t)1 << 53) || k < -22 || k > 22)
		return -1;
	v = k >= 0 ? (double)m * pow10_exact[k] : (double)m / pow10_exact[-k];
	*out = neg ? -v : v;
	return 0;
}

int ig_parse_double(const char *s, double *out)
{
	char *end;
	double v;
	const char *p;

	if (!starts_like_number(s))
		return -1;
	if (parse_double_fast(s, out) == 0)
		return 0;
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

/* ---- %.*g without printf ----
 *
 * X = |V| times 10^S (S = DIGITS - 1 - E, E its decimal exponent, |S| <=
 * 22 so that 10^S is exact) is one correctly rounded operation: the
 * double C got is within C * 2^-52 of the exact product T. When C's
 * fraction is farther than that from one half, T rounds to the integer
 * C rounds to, and that integer's digits are printf's (which rounds the
 * exact binary value). Near a half (ties included), or out of these
 * ranges, printf does it. */
static size_t format_double_fast(char *buf, double v, int digits)
{
	double x = fabs(v), lo, hi, c, fl, margin;
	uint64_t m;
	int e, s, tries, len, n = 0, i;
	char d[16];

	if (digits < 1 || digits > 15 || !(x >= 1e-200 && x <= 1e200))
		return 0;
	lo = pow10_exact[digits - 1];
	hi = pow10_exact[digits];
	/* E from the binary exponent: X in [2^(b-1), 2^b) puts floor(log10 X)
	 * at floor((b-1) log10 2) or one above (no (b-1) log10 2 of this range
	 * but 0 is within rounding of an integer), never below; the loop
	 * steps up from there (log10 cost more than the rest together). */
	(void)frexp(x, &e);
	e = (int)floor((double)(e - 1) * 0.30102999566398119521);
	for (tries = 0;; tries++) {
		s = digits - 1 - e;
		if (tries == 3 || s > 22 || s < -22)
			return 0;
		c = s >= 0 ? x * pow10_exact[s] : x / pow10_exact[-s];
		fl = floor(c);
		margin = c * 0x1p-51;
		if (fabs(c - fl - 0.5) <= margin)
			return 0;
		m = (uint64_t)fl + (c - fl > 0.5);
		if ((double)m >= hi)
			e++;
		else if ((double)m < lo)
			e--;
		else
			break;
	}
	for (i = digits - 1; i >= 0; i--) {
		d[i] = (char)('0' + m % 10);
		m /= 10;
	}
	len = digits;
	if (v < 0)
		buf[n++] = '-';
	if (e < -4 || e >= digits) {
		while (len > 1 && d[len - 1] == '0')
			len--;
		buf[n++] = d[0];
		if (len > 1) {
			buf[n++] = '.';
			for (i = 1; i < len; i++)
				buf[n++] = d[i];
		}
		buf[n++] = 'e';
		buf[n++] = e < 0 ? '-' : '+';
		if (e < 0)
			e = -e;
		if (e >= 100)
			buf[n++] = (char)('0' + e / 100);
		buf[n++] = (char)('0' + e / 10 % 10);
		buf[n++] = (char)('0' + e % 10);
	} else if (e < 0) {
		while (len > 0 && d[len - 1] == '0')
			len--;
		buf[n++] = '0';
		buf[n++] = '.';
		for (i = 0; i < -e - 1; i++)
			buf[n++] = '0';
		for (i = 0; i < len; i++)
			buf[n++] = d[i];
	} else {
		while (len > e + 1 && d[len - 1] == '0')
			len--;
		for (i = 0; i < len; i++) {
			if (i == e + 1)
				buf[n++] = '.';
			buf[n++] = d[i];
		}
	}
	buf[n] = '\0';
	return (size_t)n;
}

/* %.*g of a whole V of at most DIGITS digits (ranks, counts, ones): its
 * digits, with no point and no exponent; 0 for any other V. */
static size_t format_integer(char *buf, double v, int digits)
{
	double x = fabs(v);
	char tmp[IG_U64_BUF];
	const char *d;
	size_t len, n = 0;

	if (!(x >= 1 && x < 1e15) || x != (double)(uint64_t)x)
		return 0;
	d = ig_format_u64((uint64_t)x, tmp, &len);
	if (len > (size_t)digits)
		return 0;
	if (v < 0)
		buf[n++] = '-';
	memcpy(buf + n, d, len);
	n += len;
	buf[n] = '\0';
	return n;
}

size_t ig_format_double(char buf[IG_DOUBLE_BUF], double v, int digits)
{
	size_t n;
	int w;

	if (v == 0.0 && !signbit(v)) {
		buf[0] = '0';
		buf[1] = '\0';
		return 1;
	}
	n = format_integer(buf, v, digits);
	if (n == 0)
		n = format_double_fast(buf, v, digits);
	if (n > 0)
		return n;
	w = snprintf(buf, IG_DOUBLE_BUF, "%.*g", digits, v);
	if (w < 0 || w >= IG_DOUBLE_BUF)
		ig_die("ig_format_double: %d digits do not fit", digits);
	return (size_t)w;
}
