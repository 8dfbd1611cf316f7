/* Strict number parsing, TSV splitting, headers, id and UTF-8 checks,
 * event types, weight specs and separated lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ig_events.h"
#include "core/ig_num.h"
#include "core/ig_seplist.h"
#include "io/ig_tsv.h"

static void test_i64(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_int_equal(ig_parse_i64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ig_parse_i64("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
	v = 7;
	assert_int_equal(ig_parse_i64("", 0, 100, &v), -1);
	assert_int_equal(ig_parse_i64(" 4", 0, 100, &v), -1);
	assert_int_equal(ig_parse_i64("4 ", 0, 100, &v), -1);
	assert_int_equal(ig_parse_i64("4x", 0, 100, &v), -1);
	assert_int_equal(ig_parse_i64("101", 0, 100, &v), -1);
	assert_int_equal(ig_parse_i64("-1", 0, 100, &v), -1);
	assert_int_equal(ig_parse_i64("99999999999999999999", INT64_MIN, INT64_MAX, &v), -1);
	assert_int_equal(ig_parse_i64("0x10", 0, 100, &v), -1);
	assert_int_equal(v, 7);
	assert_int_equal(ig_parse_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
}

static void test_u64_and_int(void **state)
{
	uint64_t u;
	int i;

	(void)state;
	assert_int_equal(ig_parse_u64("18446744073709551615", UINT64_MAX, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(ig_parse_u64("-1", UINT64_MAX, &u), -1);
	assert_int_equal(ig_parse_u64("+1", UINT64_MAX, &u), -1);
	assert_int_equal(ig_parse_u64("18446744073709551616", UINT64_MAX, &u), -1);
	assert_int_equal(ig_parse_int("3", 1, 9, &i), 0);
	assert_int_equal(i, 3);
	assert_int_equal(ig_parse_int("10", 1, 9, &i), -1);
}

static void test_double(void **state)
{
	double d = 0;

	(void)state;
	assert_int_equal(ig_parse_double("4.5", &d), 0);
	assert_true(d == 4.5);
	assert_int_equal(ig_parse_double("-1e3", &d), 0);
	assert_true(d == -1000.0);
	assert_int_equal(ig_parse_double(".5", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(ig_parse_double("nan", &d), -1);
	assert_int_equal(ig_parse_double("inf", &d), -1);
	assert_int_equal(ig_parse_double("0x1p3", &d), -1);
	assert_int_equal(ig_parse_double("1e999", &d), -1);
	assert_int_equal(ig_parse_double("1.5.2", &d), -1);
	assert_int_equal(ig_parse_double("", &d), -1);
	assert_int_equal(ig_parse_double("e", &d), -1);
	assert_int_equal(ig_parse_double_range("0.5", 0, 1, &d), 0);
	assert_int_equal(ig_parse_double_range("1.5", 0, 1, &d), -1);
}

static void test_size_and_shard(void **state)
{
	uint64_t v;
	uint32_t i, n;

	(void)state;
	assert_int_equal(ig_parse_size("512", &v), 0);
	assert_true(v == 512);
	assert_int_equal(ig_parse_size("64K", &v), 0);
	assert_true(v == 65536);
	assert_int_equal(ig_parse_size("2G", &v), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(ig_parse_size("3MB", &v), 0);
	assert_true(v == 3ULL << 20);
	assert_int_equal(ig_parse_size("3X", &v), -1);
	assert_int_equal(ig_parse_size("-3M", &v), -1);
	assert_int_equal(ig_parse_size("99999999999T", &v), -1);
	assert_int_equal(ig_parse_shard("0/4", &i, &n), 0);
	assert_int_equal(i, 0);
	assert_int_equal(n, 4);
	assert_int_equal(ig_parse_shard("3/4", &i, &n), 0);
	assert_int_equal(ig_parse_shard("4/4", &i, &n), -1);
	assert_int_equal(ig_parse_shard("1/0", &i, &n), -1);
	assert_int_equal(ig_parse_shard("/4", &i, &n), -1);
	assert_int_equal(ig_parse_shard("1", &i, &n), -1);
	assert_int_equal(ig_parse_shard("1/2/3", &i, &n), -1);
}

static void test_split(void **state)
{
	char line[] = "a\t\tc\td";
	char *f[3];

	(void)state;
	assert_int_equal(ig_split_tabs(line, f, 3), 4);
	assert_string_equal(f[0], "a");
	assert_string_equal(f[1], "");
	assert_string_equal(f[2], "c");
	{
		char one[] = "";
		assert_int_equal(ig_split_tabs(one, f, 3), 1);
		assert_string_equal(f[0], "");
	}
}

static void test_header(void **state)
{
	ig_header h;
	char err[128];

	(void)state;
	assert_int_equal(ig_header_parse("#ig:events/1\tts\tuser\titem", &h, err, sizeof err), 0);
	assert_string_equal(h.kind, "events");
	assert_int_equal(h.version, 1);
	assert_int_equal(h.ncols, 3);
	assert_string_equal(h.cols[2], "item");
	assert_int_equal(ig_header_col(&h, "user"), 1);
	assert_int_equal(ig_header_col(&h, "nope"), -1);
	ig_header_free(&h);
	assert_int_equal(ig_header_parse("#ig:feed/12", &h, err, sizeof err), 0);
	assert_int_equal(h.version, 12);
	assert_int_equal(h.ncols, 0);
	ig_header_free(&h);
	assert_int_equal(ig_header_parse("ts\tuser", &h, err, sizeof err), -1);
	assert_string_equal(err, "missing '#ig:KIND/VERSION' header (raw logs? ig-ingest makes streams of them)");
	assert_int_equal(ig_header_parse("#ig:events\tts", &h, err, sizeof err), -1);
	assert_int_equal(ig_header_parse("#ig:events/x\tts", &h, err, sizeof err), -1);
	assert_string_equal(err, "bad version 'x' in header");
	assert_int_equal(ig_header_parse("#ig:/1", &h, err, sizeof err), -1);
}

static void test_utf8_and_ids(void **state)
{
	(void)state;
	assert_true(ig_valid_utf8("plain", 5));
	assert_true(ig_valid_utf8("caf\xc3\xa9", 5));
	assert_true(ig_valid_utf8("\xf0\x9f\x98\x80", 4));
	assert_false(ig_valid_utf8("caf\xe9", 4));         /* Latin-1 */
	assert_false(ig_valid_utf8("\xc3", 1));             /* cut short */
	assert_false(ig_valid_utf8("\xc0\xaf", 2));         /* overlong */
	assert_false(ig_valid_utf8("\xe0\x80\xaf", 3));     /* overlong */
	assert_false(ig_valid_utf8("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(ig_valid_utf8("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	assert_true(ig_valid_id("u1", 2));
	assert_false(ig_valid_id("", 0));
	assert_false(ig_valid_id("a\rb", 3));
	assert_false(ig_valid_id("a\0b", 3));
	{
		char big[300];
		memset(big, 'x', sizeof big);
		assert_true(ig_valid_id(big, 255));
		assert_false(ig_valid_id(big, 256));
	}
}

static void test_event_types_and_weights(void **state)
{
	double w[IG_EV_COUNT];
	char err[128];

	(void)state;
	assert_int_equal(ig_event_parse("see_less"), IG_EV_SEE_LESS);
	assert_int_equal(ig_event_parse("Like"), -1);
	assert_string_equal(ig_event_name(IG_EV_SHARE), "share");
	ig_event_weights_default(w);
	assert_true(w[IG_EV_SHARE] == 3 && w[IG_EV_VIEW] == 1 && w[IG_EV_SKIP] == 0);
	assert_int_equal(ig_event_weights_parse("view=0,skip=0.5", w, err, sizeof err), 0);
	assert_true(w[IG_EV_VIEW] == 0 && w[IG_EV_SKIP] == 0.5 && w[IG_EV_LIKE] == 2);
	assert_int_equal(ig_event_weights_parse("clap=1", w, err, sizeof err), -1);
	assert_string_equal(err, "unknown event type 'clap'");
	assert_int_equal(ig_event_weights_parse("like", w, err, sizeof err), -1);
	assert_string_equal(err, "'like' is not TYPE=WEIGHT");
	assert_int_equal(ig_event_weights_parse("like=-1", w, err, sizeof err), -1);
	assert_int_equal(ig_event_weights_parse("like=1,like=3", w, err, sizeof err), -1);
	assert_string_equal(err, "like named twice in 'like=1,like=3'");
	assert_int_equal(ig_event_weights_parse("like=1,", w, err, sizeof err), -1);
	assert_string_equal(err, "empty element in 'like=1,'");
}

static void test_event_mask(void **state)
{
	unsigned m = 99;
	char err[128];

	(void)state;
	assert_int_equal(ig_event_mask_parse("view,like", &m, err, sizeof err), 0);
	assert_int_equal(m, (1u << IG_EV_VIEW) | (1u << IG_EV_LIKE));
	m = 99;
	assert_int_equal(ig_event_mask_parse("", &m, err, sizeof err), -1);
	assert_string_equal(err, "no event types in ''");
	assert_int_equal(ig_event_mask_parse(",view", &m, err, sizeof err), -1);
	assert_string_equal(err, "empty element in ',view'");
	assert_int_equal(ig_event_mask_parse("view,clap", &m, err, sizeof err), -1);
	assert_string_equal(err, "unknown event type 'clap'");
	assert_int_equal(ig_event_mask_parse("view,like,view", &m, err, sizeof err), -1);
	assert_string_equal(err, "view named twice in 'view,like,view'");
	assert_int_equal(m, 99);
}

/* Every element in order, then 0 for good; -1 exactly where one is empty. */
static void test_seplist(void **state)
{
	char buf[32], *cursor, *e;

	(void)state;
	strcpy(buf, "a;bc;d");
	cursor = buf;
	assert_int_equal(ig_seplist_next(&cursor, ';', &e), 1);
	assert_string_equal(e, "a");
	assert_int_equal(ig_seplist_next(&cursor, ';', &e), 1);
	assert_string_equal(e, "bc");
	assert_int_equal(ig_seplist_next(&cursor, ';', &e), 1);
	assert_string_equal(e, "d");
	assert_int_equal(ig_seplist_next(&cursor, ';', &e), 0);
	assert_int_equal(ig_seplist_next(&cursor, ';', &e), 0);
	strcpy(buf, "a,,b");
	cursor = buf;
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), 1);
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), -1);
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), 1);
	assert_string_equal(e, "b");
	strcpy(buf, "5,");
	cursor = buf;
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), 1);
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), -1);
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), 0);
	buf[0] = '\0';
	cursor = buf;
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), -1);
	assert_int_equal(ig_seplist_next(&cursor, ',', &e), 0);
}

static void check_i64(int64_t v, const char *want)
{
	char buf[IG_U64_BUF];
	size_t n;
	const char *d = ig_format_i64(v, buf, &n);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(d, want, n);
}

static void test_format(void **state)
{
	char out[32];

	(void)state;
	check_i64(0, "0");
	check_i64(-7, "-7");
	check_i64(1234567890123LL, "1234567890123");
	check_i64(INT64_MAX, "9223372036854775807");
	check_i64(INT64_MIN, "-9223372036854775808");
	memset(out, 'x', sizeof out);
	assert_int_equal(ig_put_u64(out, UINT64_MAX), 20);
	assert_memory_equal(out, "18446744073709551615x", 21);
	assert_int_equal(ig_put_u64(out, 0), 1);
	assert_true(out[0] == '0' && out[1] == '8');
}

static uint64_t xs_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A double from the kinds written out: probabilities, scores, ranks,
 * values near a rounding tie or a power of ten, any bit pattern. */
static double some_double(uint64_t *x)
{
	uint64_t r = xs_next(x), bits;
	double v, u = (double)(xs_next(x) >> 11) / 9007199254740992.0;
	static const double ties[] = {0.5, 2.5, 0.125, 0.0625, 1.5, 9.5, 99999.95, 9.9999995,
				      0.00015, 0.000999995, 999999.5, 1e-5, 1e-4, 1e15, 123456.5};

	switch (r % 8) {
	case 0: return u;
	case 1: return u * pow(10, (double)(int)(xs_next(x) % 40) - 20);
	case 2: return -u * 1e-5;
	case 3: return (double)(xs_next(x) % 100000) / pow(10, (double)(xs_next(x) % 12));
	case 4: return ties[xs_next(x) % (sizeof ties / sizeof *ties)];
	case 5:
		v = ties[xs_next(x) % (sizeof ties / sizeof *ties)];
		return nextafter(v, (xs_next(x) & 1) ? 0 : 1e300);
	case 6:
		do {
			bits = xs_next(x);
			memcpy(&v, &bits, sizeof v);
		} while (!isfinite(v));
		return v;
	default: return (double)(int64_t)(xs_next(x) % 20000000) - 1e7;
	}
}

/* ig_format_double is printf's %.*g byte for byte, and ig_parse_double
 * is strtod to the bit, on their fast paths and off them. */
static void test_double_fast_paths(void **state)
{
	static const char *const odd[] = {"1.", "+.5", "-0", "-0.0", "00012", "0.000", "1e22", "1e23",
					  "1e-22", "1e-23", "9007199254740992", "9007199254740993",
					  "123456789012345678901", "0.1234567890123456789", "1E5", "1e+05",
					  "5e-324", "1e-400", "4.9406564584124654e-324", "0e999", "1.7976931348623157e308"};
	uint64_t x = 88172645463325252ULL;
	char want[IG_DOUBLE_BUF], got[IG_DOUBLE_BUF], text[64];
	double v, a, b;
	int i, digits;
	size_t k;

	(void)state;
	for (i = 0; i < 400000; i++) {
		v = some_double(&x);
		digits = 1 + (int)(xs_next(&x) % 17);
		snprintf(want, sizeof want, "%.*g", digits, v);
		assert_int_equal(ig_format_double(got, v, digits), strlen(want));
		assert_string_equal(got, want);
		/* and back: printf's forms of it, parsed */
		switch (xs_next(&x) % 3) {
		case 0: snprintf(text, sizeof text, "%.*g", digits, v); break;
		case 1: snprintf(text, sizeof text, "%.*e", digits, v); break;
		default: snprintf(text, sizeof text, "%.*f", digits, fabs(v) < 1e20 ? v : 1.0 / 3); break;
		}
		a = strtod(text, NULL);
		assert_int_equal(ig_parse_double(text, &b), 0);
		assert_memory_equal(&a, &b, sizeof a);
		/* long mantissas, past 2^53 or not */
		snprintf(text, sizeof text, "%llue%d", (unsigned long long)(xs_next(&x) >> (xs_next(&x) % 20)),
			 (int)(xs_next(&x) % 60) - 30);
		a = strtod(text, NULL);
		assert_int_equal(ig_parse_double(text, &b), 0);
		assert_memory_equal(&a, &b, sizeof a);
	}
	for (k = 0; k < sizeof odd / sizeof *odd; k++) {
		a = strtod(odd[k], NULL);
		assert_int_equal(ig_parse_double(odd[k], &b), 0);
		assert_memory_equal(&a, &b, sizeof a);
	}
	assert_int_equal(ig_parse_double("1e", &b), -1);
	assert_int_equal(ig_parse_double(".", &b), -1);
	assert_int_equal(ig_parse_double("-", &b), -1);
	assert_int_equal(ig_parse_double("1e+", &b), -1);
	assert_int_equal(ig_parse_double("+-1", &b), -1);
	assert_int_equal(ig_parse_double("1.5e3.0", &b), -1);
	assert_int_equal(ig_format_double(got, 0.0, 6), 1);
	assert_string_equal(got, "0");
	ig_format_double(got, -0.0, 6);
	assert_string_equal(got, "-0");
	ig_format_double(got, 0.1, 40);
	snprintf(want, sizeof want, "%.40g", 0.1);
	assert_string_equal(got, want);
}

/* Whole numbers (ig_format_double's own path for those of at most DIGITS
 * digits) as printf writes them, about each power of ten and past the
 * digits: "150", "1e+03" at 1 digit, "1.23457e+06" at 6. */
static void test_double_whole(void **state)
{
	char want[IG_DOUBLE_BUF], got[IG_DOUBLE_BUF];
	double p, v;
	int digits, k, sign;

	(void)state;
	for (digits = 1; digits <= 17; digits++)
		for (p = 1; p <= 1e17; p *= 10)
			for (k = -3; k <= 3; k++)
				for (sign = -1; sign <= 1; sign += 2) {
					v = sign * (p + k);
					if (p + k < 1)
						continue;
					snprintf(want, sizeof want, "%.*g", digits, v);
					assert_int_equal(ig_format_double(got, v, digits), strlen(want));
					assert_string_equal(got, want);
					v = sign * (p + k + 0.5); /* not whole */
					snprintf(want, sizeof want, "%.*g", digits, v);
					ig_format_double(got, v, digits);
					assert_string_equal(got, want);
				}
	for (k = 1; k <= 1000; k++) {
		snprintf(want, sizeof want, "%d", k);
		ig_format_double(got, k, 10);
		assert_string_equal(got, want);
	}
	ig_format_double(got, 1234567, 6);
	assert_string_equal(got, "1.23457e+06");
	ig_format_double(got, -999999, 6);
	assert_string_equal(got, "-999999");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i64),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_u64_and_int),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_double_fast_paths),
		cmocka_unit_test(test_double_whole),
		cmocka_unit_test(test_size_and_shard),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_utf8_and_ids),
		cmocka_unit_test(test_event_types_and_weights),
		cmocka_unit_test(test_event_mask),
		cmocka_unit_test(test_seplist),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
