/* The users step (lib/retrieve/ig_retrieve_source.c) on a hand-made
 * world: the index the pass over the events builds, the cosine of
 * inverse-user-frequency-weighted item sets, the user asking left out, K
 * users kept, each item scoring its user's similarity cubed with that user
 * as the reason, and seeds the index does not know. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "temp_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retrieve/ig_retrieve.h"

/* me and v1 share a, b, c; v2 shares a; v3 shares p; v1, v2 and v3 each
 * have one item of their own (x, y, q), which is what me can be offered.
 * v4 only skipped z, which weighs 0: v4 has no item in the index. */
static const char events_tsv[] =
	"#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
	"100\tme\ta\tlike\t\n"
	"100\tme\tb\tlike\t\n"
	"100\tme\tc\tlike\t\n"
	"100\tme\tp\tlike\t\n"
	"100\tv1\ta\tlike\t\n"
	"100\tv1\tb\tlike\t\n"
	"100\tv1\tc\tshare\t\n"
	"100\tv1\tx\tlike\t\n"
	"100\tv2\ta\tlike\t\n"
	"100\tv2\ty\tview\t\n"
	"100\tv3\tp\tlike\t\n"
	"100\tv3\tq\tlike\t\n"
	"100\tv4\tz\tskip\t\n";

static ig_rdata *data;
static ig_rev ev[4];
static ig_ruser me;

static uint32_t item(const char *s)
{
	return ig_intern_find(data->items, s, strlen(s));
}

static uint32_t user(const char *s)
{
	return ig_intern_find(data->users, s, strlen(s));
}

static int setup(void **state)
{
	char *path = write_temp(events_tsv);
	const char *mine[4] = {"a", "b", "c", "p"};
	ig_ropts o;
	int i;

	(void)state;
	ig_ropts_default(&o);
	data = ig_rdata_new(&o);
	ig_rdata_index_users(data);
	ig_rdata_popularity(data, path, 0);
	unlink(path);
	free(path);
	for (i = 0; i < 4; i++)
		ev[i] = (ig_rev){100, item(mine[i]), IG_EV_LIKE};
	me = (ig_ruser){.id = "me", .len = 2, .ev = ev, .nev = 4, .now = 100};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ig_rdata_free(data);
	return 0;
}

static ig_rsource source(const char *text)
{
	ig_rspec s;
	char err[512];

	if (ig_rspec_parse(&s, text, "t", err, sizeof err) != 0)
		fail_msg("%s", err);
	return s.src[0];
}

static double idf2(const char *name)
{
	double f = (double)data->idf[item(name)];

	return f * f;
}

/* Engagements only: 5 users, v4 with no item; an item's users are those
 * who engaged with it, its idf log(1 + 5 / their number). */
static void test_index(void **state)
{
	uint32_t a = item("a");

	(void)state;
	assert_int_equal(data->nusers, 5);
	assert_int_equal(data->user_start[user("v4") + 1] - data->user_start[user("v4")], 0);
	assert_int_equal(data->item_start[a + 1] - data->item_start[a], 3);
	assert_float_equal(data->idf[a], log(1 + 5.0 / 3), 1e-6);
	assert_float_equal(data->idf[item("x")], log(1 + 5.0), 1e-6);
	assert_float_equal(data->idf[item("z")], 0, 0);
}

/* Every near user's own item, scored the cube of the cosine worked out
 * here from the idf, the user the reason; me's own items are seen. */
static void test_similarity_cubed(void **state)
{
	ig_rsource src = source("profile.users(10)");
	ig_rwork *w = ig_rwork_new();
	ig_rset out = {0};
	double nme = sqrt(idf2("a") + idf2("b") + idf2("c") + idf2("p"));
	double c1 = (idf2("a") + idf2("b") + idf2("c")) / (nme * sqrt(idf2("a") + idf2("b") + idf2("c") + idf2("x")));
	double c2 = idf2("a") / (nme * sqrt(idf2("a") + idf2("y")));
	double c3 = idf2("p") / (nme * sqrt(idf2("p") + idf2("q")));
	const char *names[3] = {"x", "y", "q"}, *who[3] = {"v1", "v2", "v3"};
	double want[3] = {c1 * c1 * c1, c2 * c2 * c2, c3 * c3 * c3};
	uint32_t i, k;

	(void)state;
	ig_rwork_fit(w, data);
	ig_rsource_run(data, &src, &me, 100, w, &out);
	assert_int_equal(out.n, 3);
	assert_true(c1 > c3 && c3 > c2);
	assert_int_equal(out.id[0], item("x"));
	for (i = 0; i < 3; i++) {
		for (k = 0; k < out.n && out.id[k] != item(names[i]); k++)
			;
		assert_true(k < out.n);
		assert_float_equal(out.score[k], want[i], 1e-5);
		assert_true(out.seed[k] == (IG_RSEED_USER | user(who[i])));
	}
	ig_rset_free(&out);
	ig_rwork_free(w);
}

/* users(1) keeps the nearest user other than me: me itself, the nearest
 * of all, would bring nothing that is not seen. */
static void test_k_users_without_self(void **state)
{
	ig_rsource src = source("profile.users(1)");
	ig_rwork *w = ig_rwork_new();
	ig_rset out = {0};

	(void)state;
	ig_rwork_fit(w, data);
	ig_rsource_run(data, &src, &me, 100, w, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.id[0], item("x"));
	ig_rset_free(&out);
	ig_rwork_free(w);
}

/* A user whose items nobody else took, or the index never saw (numbered
 * after the pass), gets nothing. */
static void test_unknown_seeds(void **state)
{
	ig_rsource src = source("profile.users(10)");
	ig_rwork *w = ig_rwork_new();
	ig_rset out = {0};
	ig_rev own[2];
	ig_ruser u;

	(void)state;
	own[0] = (ig_rev){100, item("z"), IG_EV_LIKE};
	own[1] = (ig_rev){100, ig_intern_add(data->items, "new", 3), IG_EV_LIKE};
	u = (ig_ruser){.id = "v9", .len = 2, .ev = own, .nev = 2, .now = 100};
	ig_rwork_fit(w, data);
	ig_rsource_run(data, &src, &u, 100, w, &out);
	assert_int_equal(out.n, 0);
	ig_rset_free(&out);
	ig_rwork_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_similarity_cubed),
		cmocka_unit_test(test_k_users_without_self),
		cmocka_unit_test(test_unknown_seeds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
