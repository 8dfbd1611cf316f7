/* ISO-8601 and Unix timestamp parsing (lib/ig_time.c). Expected values
 * were worked out by hand and checked against Python's datetime. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/ig_time.h"

static int64_t iso(const char *s)
{
	int64_t t = -777;
	const char *why = NULL;

	if (ig_time_parse_iso8601(s, strlen(s), &t, &why) != 0)
		return -999;
	return t;
}

static const char *iso_fault(const char *s)
{
	int64_t t = 5;
	const char *why = NULL;

	assert_int_equal(ig_time_parse_iso8601(s, strlen(s), &t, &why), -1);
	assert_true(t == 5);
	return why;
}

static void test_civil(void **state)
{
	int64_t y;
	int m, d;

	(void)state;
	assert_true(ig_time_days_from_civil(1970, 1, 1) == 0);
	assert_true(ig_time_days_from_civil(1969, 12, 31) == -1);
	assert_true(ig_time_days_from_civil(2000, 3, 1) == 11017);
	assert_true(ig_time_days_from_civil(2024, 2, 29) == 19782);
	assert_true(ig_time_days_from_civil(1600, 2, 29) == -135081);
	ig_time_civil_from_days(19782, &y, &m, &d);
	assert_true(y == 2024 && m == 2 && d == 29);
	ig_time_civil_from_days(-1, &y, &m, &d);
	assert_true(y == 1969 && m == 12 && d == 31);
	/* Every day of four centuries goes there and back. */
	for (int64_t z = -200000; z < 200000; z += 7) {
		ig_time_civil_from_days(z, &y, &m, &d);
		assert_true(ig_time_days_from_civil(y, m, d) == z);
	}
}

static void test_iso_forms(void **state)
{
	(void)state;
	assert_true(iso("2024-01-05T10:00:00Z") == 1704448800);
	assert_true(iso("2024-01-05t10:00:00z") == 1704448800);
	assert_true(iso("2024-01-05 10:00:00") == 1704448800);   /* no zone: UTC */
	assert_true(iso("2024-01-05T10:00") == 1704448800);
	assert_true(iso("2024-01-05") == 1704412800);
	assert_true(iso("2024-01-05T10:00:00.999Z") == 1704448800); /* fraction dropped */
	assert_true(iso("2024-01-05T10:00:00,5") == 1704448800);
	assert_true(iso("2024-01-05T10:00:01+01:00") == 1704448800 - 3600 + 1);
	assert_true(iso("2024-01-05T10:00:00-05:30") == 1704448800 + 19800);
	assert_true(iso("2024-01-05T10:00:00-0530") == 1704448800 + 19800);
	assert_true(iso("2024-01-05T10:00:00+01") == 1704448800 - 3600);
	assert_true(iso("2024-01-05T24:00:00") == 1704499200);    /* end of day */
	assert_true(iso("2016-12-31T23:59:60Z") == 1483228800);   /* leap second */
	assert_true(iso("1969-12-31T23:59:59Z") == -1);
	assert_true(iso("2100-01-01") == 4102444800);
}

static void test_iso_faults(void **state)
{
	(void)state;
	assert_string_equal(iso_fault("2023-02-29"), "day out of range for its month");
	assert_string_equal(iso_fault("2024-04-31"), "day out of range for its month");
	assert_string_equal(iso_fault("2024-13-01"), "month out of range");
	assert_string_equal(iso_fault("2024-00-01"), "month out of range");
	assert_string_equal(iso_fault("2024-1-5"), "not a date (YYYY-MM-DD)");
	assert_string_equal(iso_fault("24-01-05"), "not a date (YYYY-MM-DD)");
	assert_string_equal(iso_fault(""), "not a date (YYYY-MM-DD)");
	assert_string_equal(iso_fault("2024-01-05X10:00"), "expected 'T' or a space after the date");
	assert_string_equal(iso_fault("2024-01-05T10"), "not a time (hh:mm[:ss])");
	assert_string_equal(iso_fault("2024-01-05T10:0"), "not a time (hh:mm[:ss])");
	assert_string_equal(iso_fault("2024-01-05T25:00"), "time of day out of range");
	assert_string_equal(iso_fault("2024-01-05T24:00:01"), "time of day out of range");
	assert_string_equal(iso_fault("2024-01-05T10:60"), "time of day out of range");
	assert_string_equal(iso_fault("2024-01-05T10:00:00."), "empty fraction of a second");
	assert_string_equal(iso_fault("2024-01-05T10:00:00+1"), "bad UTC offset");
	assert_string_equal(iso_fault("2024-01-05T10:00:00+01:60"), "UTC offset out of range");
	assert_string_equal(iso_fault("2024-01-05T10:00:00+24:00"), "UTC offset out of range");
	assert_string_equal(iso_fault("2024-01-05T10:00:00ZZ"), "unexpected text after the time");
	assert_string_equal(iso_fault("2024-01-05T10:00:00 "), "unexpected text after the time");
	assert_string_equal(iso_fault("2024-01-05T10:00:00+01:00x"), "unexpected text after the time");
	/* LEN is honoured: text after it is not looked at. */
	{
		int64_t t = 0;
		assert_int_equal(ig_time_parse_iso8601("2024-01-05junk", 10, &t, NULL), 0);
		assert_true(t == 1704412800);
	}
}

static int64_t parse(const char *s, int fmt, const char **why)
{
	int64_t t = -777;

	if (ig_time_parse(s, strlen(s), fmt, 0, INT64_C(4102444800), &t, why) != 0)
		return -999;
	return t;
}

static void test_parse_formats(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(ig_time_format_parse("auto"), IG_TIME_AUTO);
	assert_int_equal(ig_time_format_parse("unix"), IG_TIME_UNIX);
	assert_int_equal(ig_time_format_parse("ms"), IG_TIME_UNIX_MS);
	assert_int_equal(ig_time_format_parse("iso"), IG_TIME_ISO8601);
	assert_int_equal(ig_time_format_parse("ISO"), -1);

	assert_true(parse("0", IG_TIME_AUTO, &why) == 0);
	assert_true(parse("874965478", IG_TIME_AUTO, &why) == 874965478);
	assert_true(parse("2024-01-05", IG_TIME_AUTO, &why) == 1704412800);
	assert_true(parse("4102444800", IG_TIME_AUTO, &why) == INT64_C(4102444800));
	assert_true(parse("4102444801", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "timestamp out of range");
	assert_true(parse("-1", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "timestamp out of range");
	assert_true(parse("99999999999999999999999", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "timestamp out of range");
	/* Zero padding is not range (issue 8, item 11): 23 digits, most zeros. */
	assert_true(parse("00000000000000874965478", IG_TIME_AUTO, &why) == 874965478);
	assert_true(parse("00000000000000000000000", IG_TIME_UNIX, &why) == 0);
	assert_true(parse("-0000000000000000000001", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "timestamp out of range");
	assert_true(parse("1969-12-31", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "timestamp out of range");
	assert_true(parse("yesterday", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "not Unix seconds or an ISO-8601 date");
	/* Fractional seconds (exports of float columns) round down. */
	assert_true(parse("1425941521.123", IG_TIME_AUTO, &why) == 1425941521);
	assert_true(parse("1425941521.0", IG_TIME_UNIX, &why) == 1425941521);
	assert_true(parse("12.999", IG_TIME_UNIX, &why) == 12);
	assert_true(parse("-0.5", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "timestamp out of range");
	assert_true(parse("-0.0", IG_TIME_AUTO, &why) == 0);
	assert_true(parse("12.", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "not Unix seconds or an ISO-8601 date");
	assert_true(parse(".5", IG_TIME_AUTO, &why) == -999);
	assert_true(parse("1.2.3", IG_TIME_UNIX, &why) == -999);
	assert_string_equal(why, "not a number of seconds");
	assert_true(parse("1e9", IG_TIME_UNIX, &why) == -999);
	assert_true(parse("", IG_TIME_AUTO, &why) == -999);
	assert_true(parse("2024-02-30", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "day out of range for its month");

	assert_true(parse("2024-01-05", IG_TIME_UNIX, &why) == -999);
	assert_string_equal(why, "not a number of seconds");
	assert_true(parse("1704448800999", IG_TIME_UNIX_MS, &why) == 1704448800);
	assert_true(parse("999", IG_TIME_UNIX_MS, &why) == 0);
	assert_true(parse("1999.5", IG_TIME_UNIX_MS, &why) == 1);
	assert_true(parse("1.5x", IG_TIME_UNIX_MS, &why) == -999);
	assert_string_equal(why, "not a number of milliseconds");
	/* " UTC" (SQL and BigQuery exports) is Z. */
	assert_true(parse("2024-01-05 10:00:00 UTC", IG_TIME_AUTO, &why) == 1704448800);
	assert_true(parse("2024-01-05T10:00:00.5utc", IG_TIME_AUTO, &why) == 1704448800);
	assert_true(parse("2024-01-05 10:00:00 GMT", IG_TIME_ISO8601, &why) == 1704448800);
	assert_true(parse("2024-01-05 10:00:00  UTC", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "unexpected text after the time");
	assert_true(parse("2024-01-05 10:00:00 CET", IG_TIME_AUTO, &why) == -999);
	/* Twitter's form, as the Foursquare check-ins have it. */
	assert_true(parse("Tue Apr 03 18:00:09 +0000 2012", IG_TIME_AUTO, &why) == 1333476009);
	assert_true(parse("tue apr 03 20:00:09 +0200 2012", IG_TIME_ISO8601, &why) == 1333476009);
	assert_true(parse("Tue Apr 31 18:00:09 +0000 2012", IG_TIME_AUTO, &why) == -999);
	assert_true(parse("Tue Xyz 03 18:00:09 +0000 2012", IG_TIME_AUTO, &why) == -999);
	assert_string_equal(why, "not Unix seconds or an ISO-8601 date");
	assert_true(parse("Tue Apr 03 18:00:09 +0000 2012", IG_TIME_UNIX, &why) == -999);
	assert_true(parse("874965478", IG_TIME_ISO8601, &why) == -999);
	assert_string_equal(why, "not an ISO-8601 date");
	assert_true(parse("2024-01-05T10:00:00Z", IG_TIME_ISO8601, &why) == 1704448800);
}

static void test_format(void **state)
{
	char buf[32];
	int64_t t;

	(void)state;
	assert_int_equal(ig_time_format_iso8601(1704448800, buf, sizeof buf), 20);
	assert_string_equal(buf, "2024-01-05T10:00:00Z");
	ig_time_format_iso8601(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	ig_time_format_iso8601(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	for (t = -86400 * 3; t < INT64_C(4102444800); t += 86399 * 37 + 13) {
		int64_t back = 0;
		ig_time_format_iso8601(t, buf, sizeof buf);
		assert_int_equal(ig_time_parse_iso8601(buf, strlen(buf), &back, NULL), 0);
		assert_true(back == t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_iso_forms),
		cmocka_unit_test(test_iso_faults),
		cmocka_unit_test(test_parse_formats),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
