/* Field splitting of raw records (lib/ig_csv.c): plain separators and
 * RFC 4180 quoting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "io/ig_csv.h"

/* Splits a copy of S; returns the status. */
static int split(ig_csv *c, const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);

	assert_true(n < size);
	memcpy(buf, s, n + 1);
	return ig_csv_split(c, buf, n);
}

static void expect_field(const ig_csv *c, int i, const char *want, size_t len)
{
	assert_true(i < c->nfields);
	assert_int_equal(c->len[i], len);
	assert_memory_equal(c->field[i], want, len);
	assert_int_equal(c->field[i][len], '\0');
}

static void test_init(void **state)
{
	ig_csv c;

	(void)state;
	assert_int_equal(ig_csv_init(&c, 0, "\t"), 0);
	assert_int_equal(ig_csv_init(&c, 0, "::"), 0);
	assert_int_equal(c.seplen, 2);
	assert_int_equal(ig_csv_init(&c, 0, ""), -1);
	assert_int_equal(ig_csv_init(&c, 0, "12345678"), -1);
	assert_int_equal(ig_csv_init(&c, 0, "\n"), -1);
	assert_int_equal(ig_csv_init(&c, 1, ","), 0);
	assert_int_equal(ig_csv_init(&c, 1, ";"), 0);
	assert_int_equal(ig_csv_init(&c, 1, "::"), -1);
	assert_int_equal(ig_csv_init(&c, 1, "\""), -1);
}

static void test_plain(void **state)
{
	ig_csv c;
	char buf[128];

	(void)state;
	assert_int_equal(ig_csv_init(&c, 0, "\t"), 0);
	assert_int_equal(split(&c, "196\t242\t3\t881250949", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 4);
	expect_field(&c, 0, "196", 3);
	expect_field(&c, 3, "881250949", 9);
	assert_int_equal(split(&c, "a\t\"b\"\t", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 3);
	expect_field(&c, 1, "\"b\"", 3); /* no quoting in TSV */
	expect_field(&c, 2, "", 0);
	assert_int_equal(split(&c, "", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 1);
	expect_field(&c, 0, "", 0);
	/* A NUL inside a field keeps the field's true length. */
	memcpy(buf, "a\0b\tc", 6);
	assert_int_equal(ig_csv_split(&c, buf, 5), IG_CSV_OK);
	assert_int_equal(c.nfields, 2);
	expect_field(&c, 0, "a\0b", 3);
	ig_csv_free(&c);

	assert_int_equal(ig_csv_init(&c, 0, "::"), 0);
	assert_int_equal(split(&c, "1::1193::5::978300760", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 4);
	expect_field(&c, 1, "1193", 4);
	expect_field(&c, 3, "978300760", 9);
	assert_int_equal(split(&c, "a:b::c:", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 2);
	expect_field(&c, 0, "a:b", 3);
	expect_field(&c, 1, "c:", 2);
	assert_int_equal(split(&c, "x:::y", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 2);
	expect_field(&c, 1, ":y", 2);
	ig_csv_free(&c);
}

static void test_quoted(void **state)
{
	ig_csv c;
	char buf[128];

	(void)state;
	assert_int_equal(ig_csv_init(&c, 1, ","), 0);
	assert_int_equal(split(&c, "a,\"b,c\",\"d\"\"e\",", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 4);
	expect_field(&c, 0, "a", 1);
	expect_field(&c, 1, "b,c", 3);
	expect_field(&c, 2, "d\"e", 3);
	expect_field(&c, 3, "", 0);
	/* The record itself is untouched. */
	assert_string_equal(buf, "a,\"b,c\",\"d\"\"e\",");

	assert_int_equal(split(&c, "\"\"", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 1);
	expect_field(&c, 0, "", 0);
	assert_int_equal(split(&c, "\"\"\"\"", buf, sizeof buf), IG_CSV_OK);
	expect_field(&c, 0, "\"", 1);
	assert_int_equal(split(&c, ",", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 2);

	/* A quote inside an unquoted field is an ordinary character. */
	assert_int_equal(split(&c, "5'11\",x", buf, sizeof buf), IG_CSV_OK);
	expect_field(&c, 0, "5'11\"", 5);
	assert_int_equal(split(&c, " \"a\",b", buf, sizeof buf), IG_CSV_OK);
	expect_field(&c, 0, " \"a\"", 4);

	/* Text after the closing quote. */
	assert_int_equal(split(&c, "a,\"b\"c,d", buf, sizeof buf), IG_CSV_BAD);
	assert_int_equal(c.err_field, 2);
	assert_string_equal(c.err, "text after a closing quote");

	/* A line break inside quotes: the record goes on. */
	assert_int_equal(split(&c, "u7,\"multi", buf, sizeof buf), IG_CSV_OPEN_QUOTE);
	assert_int_equal(split(&c, "u7,\"multi\"\"", buf, sizeof buf), IG_CSV_OPEN_QUOTE);
	assert_int_equal(split(&c, "u7,\"multi\nline\",view", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 3);
	expect_field(&c, 1, "multi\nline", 10);
	expect_field(&c, 2, "view", 4);
	ig_csv_free(&c);

	assert_int_equal(ig_csv_init(&c, 1, ";"), 0);
	assert_int_equal(split(&c, "a;\"b;c\";x,y", buf, sizeof buf), IG_CSV_OK);
	assert_int_equal(c.nfields, 3);
	expect_field(&c, 1, "b;c", 3);
	expect_field(&c, 2, "x,y", 3);
	ig_csv_free(&c);
}

/* Many fields grow the arrays; the buffer grows with the record. */
static void test_growth(void **state)
{
	ig_csv c;
	char rec[4001];
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		rec[2 * i] = 'x';
		rec[2 * i + 1] = ',';
	}
	rec[3999] = '\0';
	assert_int_equal(ig_csv_init(&c, 1, ","), 0);
	assert_int_equal(ig_csv_split(&c, rec, 3999), IG_CSV_OK);
	assert_int_equal(c.nfields, 2000);
	expect_field(&c, 1999, "x", 1);
	ig_csv_free(&c);
	assert_int_equal(ig_csv_init(&c, 0, ","), 0);
	assert_int_equal(ig_csv_split(&c, rec, 3999), IG_CSV_OK);
	assert_int_equal(c.nfields, 2000);
	ig_csv_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
