/* The keyword-option helpers of cli/ig_cli: the index of a keyword, and the
 * two wordings of the usage error (exit 2) for a value that is none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"

#include "expect_exit.h"

static const char *const colour_names[] = {"red", "green", "blue", NULL};

static void test_choice_index(void **state)
{
	(void)state;
	assert_int_equal(ig_cli_choice("--colour", "red", colour_names, "red, green or blue"), 0);
	assert_int_equal(ig_cli_choice("--colour", "blue", colour_names, NULL), 2);
	assert_int_equal(ig_cli_need_choice("--colour", "green", 1, NULL), 1);
	assert_int_equal(ig_cli_need_one_of("--colour", "green", 1, "red, green or blue"), 1);
	assert_int_equal(ig_cli_keyword("green", colour_names), 1);
	assert_int_equal(ig_cli_keyword("greens", colour_names), -1);
	assert_int_equal(ig_cli_keyword("", colour_names), -1);
}

static void choose(void *arg)
{
	ig_cli_choice("--colour", (const char *)arg, colour_names, "red, green or blue");
}

static void choose_unlisted(void *arg)
{
	ig_cli_choice("--colour", (const char *)arg, colour_names, NULL);
}

static void need_unparsed(void *arg)
{
	ig_cli_need_choice("-c/--colour", (const char *)arg, -1, "red or blue");
}

static void need_one_of(void *arg)
{
	ig_cli_need_one_of("-c/--colour", (const char *)arg, ig_cli_keyword((const char *)arg, colour_names),
			   "red, green or blue");
}

/* Prefixes and case variants are not keywords: only the whole word. */
static void test_choice_refused(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(run_expect_exit(choose, (char *)"Red", err, sizeof err), IG_EXIT_USAGE);
	assert_non_null(strstr(err, "test_cli: --colour: invalid value 'Red' (red, green or blue)\n"));
	assert_int_equal(run_expect_exit(choose, (char *)"gree", err, sizeof err), IG_EXIT_USAGE);
	assert_int_equal(run_expect_exit(choose, (char *)"", err, sizeof err), IG_EXIT_USAGE);
	assert_non_null(strstr(err, "--colour: invalid value '' (red, green or blue)\n"));
	assert_int_equal(run_expect_exit(choose_unlisted, (char *)"pink", err, sizeof err), IG_EXIT_USAGE);
	assert_non_null(strstr(err, "test_cli: --colour: invalid value 'pink'\n"));
	assert_int_equal(run_expect_exit(need_unparsed, (char *)"x", err, sizeof err), IG_EXIT_USAGE);
	assert_non_null(strstr(err, "test_cli: -c/--colour: invalid value 'x' (red or blue)\n"));
	assert_int_equal(run_expect_exit(need_one_of, (char *)"RED", err, sizeof err), IG_EXIT_USAGE);
	assert_non_null(strstr(err, "test_cli: -c/--colour: 'RED' is not red, green or blue\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choice_index),
		cmocka_unit_test(test_choice_refused),
	};

	ig_set_progname("test_cli");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
