/* The source language of ig-retrieve: what a spec parses into, and the
 * column every syntax error points at. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "retrieve/ig_retrieve_spec.h"

static ig_rspec spec;
static char err[1024];

static void parses(const char *text)
{
	int rc = ig_rspec_parse(&spec, text, "spec", err, sizeof err);

	if (rc != 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
}

/* The first line of the error message. */
static const char *fails(const char *text)
{
	char *nl;

	assert_int_equal(ig_rspec_parse(&spec, text, "spec", err, sizeof err), -1);
	nl = strchr(err, '\n');
	assert_non_null(nl);
	*nl = '\0';
	return err;
}

static void test_chain(void **state)
{
	(void)state;
	parses("acct: profile(share, save; n=50).authors(20).similar(10).posted(5) weight=0.5 quota=100\n"
	       "pop(global, 300)\n"
	       "total=200");
	assert_int_equal(spec.total, 200);
	assert_int_equal(spec.nsources, 2);
	assert_string_equal(spec.src[0].name, "acct");
	assert_int_equal(spec.src[0].nsteps, 4);
	assert_int_equal(spec.src[0].steps[0].op, IG_ROP_PROFILE);
	assert_int_equal(spec.src[0].steps[0].keep, 50);
	assert_true(spec.src[0].steps[0].has_types);
	assert_true(spec.src[0].steps[0].types[IG_EV_SHARE] > 0);
	assert_true(spec.src[0].steps[0].types[IG_EV_SAVE] > 0);
	assert_true(spec.src[0].steps[0].types[IG_EV_LIKE] == 0.0);
	assert_int_equal(spec.src[0].steps[1].count, 20);
	assert_int_equal(spec.src[0].steps[3].op, IG_ROP_POSTED);
	assert_int_equal(spec.src[0].steps[3].count, 5);
	assert_true(spec.src[0].weight == 0.5);
	assert_int_equal(spec.src[0].quota, 100);
	assert_true(spec.src[0].needs_history);
	/* unnamed: the step's name; pop(global) needs no history */
	assert_string_equal(spec.src[1].name, "pop");
	assert_int_equal(spec.src[1].steps[0].mode, IG_RMODE_GLOBAL);
	assert_int_equal(spec.src[1].steps[0].count, 300);
	assert_false(spec.src[1].needs_history);
	assert_true(spec.src[1].weight == 1.0);
}

static void test_sugar(void **state)
{
	(void)state;
	/* a chain that does not start from the user starts from the profile */
	parses("cooccur(30); knn(user); short: recent(like=2, session=30m, 10).cooccur");
	assert_int_equal(spec.nsources, 3);
	assert_int_equal(spec.src[0].nsteps, 2);
	assert_int_equal(spec.src[0].steps[0].op, IG_ROP_PROFILE);
	assert_int_equal(spec.src[0].steps[1].count, 30);
	assert_string_equal(spec.src[1].name, "knn");
	assert_int_equal(spec.src[1].steps[1].mode, IG_RMODE_USER);
	/* durations take units */
	assert_true(spec.src[2].steps[0].session == 1800.0);
	assert_true(spec.src[2].steps[0].types[IG_EV_LIKE] == 2.0);
	assert_int_equal(spec.src[2].steps[0].count, 10);
	parses("profile(half_life=2.5d).topics.explore(parent).pop  # a comment\n\n");
	assert_true(spec.src[0].steps[0].half_life == 2.5 * 86400);
	assert_int_equal(spec.src[0].steps[3].in, IG_RK_TOPICS);
	assert_int_equal(spec.src[0].steps[3].mode, IG_RMODE_TOPIC);
	assert_string_equal(spec.src[0].name, "topics");
	/* arguments may span lines */
	parses("profile(share,\n  save).cooccur(5)");
	assert_int_equal(spec.src[0].nsteps, 2);
}

static void test_default(void **state)
{
	(void)state;
	parses(ig_rspec_default);
	assert_int_equal(spec.total, 500);
	assert_int_equal(spec.mix, IG_RMIX_RANK);
	assert_true(spec.nsources >= 8);
	parses("pop\nmix=score");
	assert_int_equal(spec.mix, IG_RMIX_SCORE);
	parses("mix=rank\npop");
	assert_int_equal(spec.mix, IG_RMIX_RANK);
}

static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(fails("profile.cooccur(5"), "spec:1:18: expected ')' after the arguments of cooccur, got the end");
	assert_string_equal(fails("profile.cooccur(5\nx"), "spec:2:1: expected ')' after the arguments of cooccur, got 'x'");
	assert_string_equal(fails("pop\nprofile.coocur"), "spec:2:9: unknown step 'coocur'");
	assert_string_equal(fails("profile.posted"), "spec:1:9: posted takes accounts, got items");
	assert_string_equal(fails("profile.authors"), "spec:1:9: the chain ends with accounts after authors; end it with a step that gives items");
	assert_string_equal(fails("cooccur(0)"), "spec:1:9: cooccur: expected a whole number from 1 to 1000000");
	assert_string_equal(fails("cooccur(2.5)"), "spec:1:9: cooccur: expected a whole number from 1 to 1000000");
	assert_string_equal(fails("pop(topics)"), "spec:1:5: pop takes no argument 'topics'");
	assert_string_equal(fails("pop weight=x"), "spec:1:12: weight: expected a number from 0 to 1000000");
	assert_string_equal(fails("pop weight 2"), "spec:1:12: expected '=' after weight, got '2'");
	assert_string_equal(fails("pop colour=2"), "spec:1:5: expected weight= or quota=, got 'colour'");
	assert_string_equal(fails("pop; pop"), "spec:1:6: source 'pop' named twice; label one, as 'NAME: pop'");
	assert_string_equal(fails("pop(global))"), "spec:1:12: expected '.', weight=, quota= or the end of the source, got ')'");
	assert_string_equal(fails("\n  # nothing\n"), "spec:3:1: no source");
	assert_string_equal(fails("profile(7x)"), "spec:1:9: expected an argument after profile, got '7x'");
	assert_string_equal(fails("pop\nmix=max"), "spec:2:5: mix: expected rank or score");
	assert_string_equal(fails("pop\nmix rank"), "spec:2:1: expected 'mix=rank' or 'mix=score' or a source");
	assert_string_equal(fails("pop\nmix=rank 2"), "spec:2:10: expected the end of the line after mix=, got '2'");
	assert_string_equal(fails("total=0"), "spec:1:7: total: expected a whole number from 1 to 1000000");
	assert_string_equal(fails("pop\xc3\xa9"), "spec:1:4: expected '.', weight=, quota= or the end of the source, got '\xc3\xa9'");
}

static void test_caret(void **state)
{
	(void)state;
	assert_int_equal(ig_rspec_parse(&spec, "pop\n\tprofile.coocur(3)", "s", err, sizeof err), -1);
	assert_string_equal(err, "s:2:10: unknown step 'coocur'\n\tprofile.coocur(3)\n\t        ^");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_sugar),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_caret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
