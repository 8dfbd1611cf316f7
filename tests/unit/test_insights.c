/* lib/insights: Wilson intervals against hand-computed values, Spearman's
 * correlation, the dedupe of reach within a user's events, the share of
 * engagement from non-followers as of the event's time, and the windows
 * with the trend. The events are those of testdata/insights/events.tsv,
 * whose figures are worked out by hand below. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "insights/ig_insights_priv.h"
#include "temp_text.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 5e-7)

static void test_wilson(void **state)
{
	double lo, hi;

	(void)state;
	/* 1 in 3: p = 1/3, z^2 = 3.841459; centre (1/3 + 0.640243) / 2.280486
	 * = 0.426911, half-width 0.859451 * sqrt(0.0740741 + 0.1067072)
	 * = 0.365424. */
	ig_wilson(1, 3, IG_WILSON_Z95, &lo, &hi);
	NEAR(lo, 0.0614919);
	NEAR(hi, 0.7923404);
	/* 0 in n: [0, z^2 / (n + z^2)]; 3.841459 / 13.841459 for n = 10. */
	ig_wilson(0, 10, IG_WILSON_Z95, &lo, &hi);
	assert_true(lo == 0);
	NEAR(hi, 0.2775328);
	/* n in n mirrors it. */
	ig_wilson(10, 10, IG_WILSON_Z95, &lo, &hi);
	NEAR(lo, 1 - 0.2775328);
	assert_true(hi == 1);
	/* 50 in 100: 0.5 +- 1.959964 / 1.0384146 * sqrt(0.0025 + 0.0000960365)
	 * = 0.5 +- 0.0961685. */
	ig_wilson(50, 100, IG_WILSON_Z95, &lo, &hi);
	NEAR(lo, 0.4038315);
	NEAR(hi, 0.5961685);
	/* No trials: no interval. */
	ig_wilson(0, 0, IG_WILSON_Z95, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
	assert_true(isnan(ig_ins_rate(0, 0)));
}

static void test_spearman(void **state)
{
	const double x[] = {1, 2, 3, 4, 5}, up[] = {10, 20, 30, 40, 50}, down[] = {5, 4, 3, 2, 1};
	/* Ranks of x: 1..5; of t: 1.5 1.5 3 4 5 (a tie). d^2 would mislead
	 * with ties; Pearson of the ranks: sxy = 9.5, sxx = 10, syy = 9.5. */
	const double t[] = {7, 7, 8, 9, 10}, flat[] = {1, 1, 1, 1, 1};

	(void)state;
	NEAR(ig_spearman(x, up, 5), 1);
	NEAR(ig_spearman(x, down, 5), -1);
	NEAR(ig_spearman(x, t, 5), 9.5 / sqrt(10 * 9.5));
	assert_true(isnan(ig_spearman(x, flat, 5)));
	assert_true(isnan(ig_spearman(x, up, 1)));
}

static void test_levels(void **state)
{
	int l[IG_INS_LEVELS];

	(void)state;
	assert_int_equal(ig_ins_levels_parse("author,item", l), 2);
	assert_int_equal(l[0], IG_INS_AUTHOR);
	assert_int_equal(l[1], IG_INS_ITEM);
	assert_int_equal(ig_ins_levels_parse("item,topic,media,author", l), 4);
	assert_int_equal(ig_ins_levels_parse("item,item", l), -1);
	assert_int_equal(ig_ins_levels_parse("creator", l), -1);
	assert_int_equal(ig_ins_levels_parse("", l), -1);
}

typedef struct fixture {
	char *items_path, *follows_path;
	ig_items *items;
	ig_follows *follows;
} fixture;

static void fixture_open(fixture *f)
{
	f->items_path = write_temp("#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
				   "i1\ta1\tphoto\t\tt1\ni2\ta1\treel\t\tt1,t2\ni3\ta2\tvideo\t\tt2\n");
	f->follows_path = write_temp("#ig:follows/1\tuser\tauthor\tts\n"
				     "u1\ta1\t100\nu2\ta1\t250\nu3\ta2\t50\n");
	f->items = ig_items_load(f->items_path);
	f->follows = ig_follows_load(f->follows_path, f->items->authors);
}

static void fixture_close(fixture *f)
{
	ig_follows_free(f->follows);
	ig_items_free(f->items);
	unlink(f->items_path);
	unlink(f->follows_path);
	free(f->items_path);
	free(f->follows_path);
}

static void add(ig_insights *s, int64_t ts, const char *user, const char *item, int type, const char *value)
{
	ig_event ev;

	memset(&ev, 0, sizeof ev);
	ev.ts = ts;
	ev.user = user;
	ev.user_len = strlen(user);
	ev.item = item;
	ev.item_len = strlen(item);
	ev.type = type;
	ev.has_value = value != NULL;
	ev.value = value ? atof(value) : 0;
	ig_ins_add(s, &ev);
}

/* testdata/insights/events.tsv */
static void add_fixture_events(ig_insights *s)
{
	add(s, 100, "u1", "i1", IG_EV_IMPRESSION, NULL);
	add(s, 101, "u1", "i1", IG_EV_VIEW, "2000");
	add(s, 105, "u1", "i1", IG_EV_LIKE, NULL);
	add(s, 200, "u1", "i1", IG_EV_IMPRESSION, NULL);
	add(s, 201, "u1", "i1", IG_EV_VIEW, "3000");
	add(s, 202, "u1", "i1", IG_EV_SHARE, NULL);
	add(s, 203, "u1", "i1", IG_EV_SHARE, NULL);
	add(s, 210, "u1", "i2", IG_EV_IMPRESSION, NULL);
	add(s, 211, "u1", "i2", IG_EV_SKIP, NULL);
	add(s, 212, "u1", "i2", IG_EV_SEE_LESS, NULL);
	add(s, 150, "u2", "i2", IG_EV_IMPRESSION, NULL);
	add(s, 151, "u2", "i2", IG_EV_VIEW, "1000");
	add(s, 152, "u2", "i2", IG_EV_SHARE, NULL);
	add(s, 220, "u2", "i1", IG_EV_IMPRESSION, NULL);
	add(s, 221, "u2", "i1", IG_EV_VIEW, "5000");
	add(s, 222, "u2", "i1", IG_EV_LIKE, NULL);
	add(s, 223, "u2", "i1", IG_EV_FOLLOW, NULL);
	add(s, 260, "u2", "i2", IG_EV_IMPRESSION, NULL);
	add(s, 261, "u2", "i2", IG_EV_VIEW, NULL);
	add(s, 262, "u2", "i2", IG_EV_LIKE, NULL);
	add(s, 205, "u3", "i3", IG_EV_IMPRESSION, NULL);
	add(s, 206, "u3", "i3", IG_EV_VIEW, "4000");
	add(s, 207, "u3", "i3", IG_EV_SAVE, NULL);
	add(s, 230, "u3", "i1", IG_EV_IMPRESSION, NULL);
	add(s, 231, "u3", "i1", IG_EV_HIDE, NULL);
	add(s, 300, "u3", "i1", IG_EV_IMPRESSION, NULL);
	add(s, 90, "u4", "i9", IG_EV_IMPRESSION, NULL);
	add(s, 240, "u4", "i9", IG_EV_VIEW, "1000");
	add(s, 250, "u4", "i9", IG_EV_LIKE, NULL);
}

static ig_insights *fixture_run(fixture *f, int64_t start, int64_t end, int trend, int with_follows)
{
	ig_ins_opts o;
	ig_insights *s;

	ig_ins_opts_default(&o);
	o.nlevels = ig_ins_levels_parse("item,author,topic,media", o.levels);
	o.start = start;
	o.end = end;
	o.trend = trend;
	o.min_reach = 1;
	s = ig_ins_new(&o, f->items, with_follows ? f->follows : NULL);
	add_fixture_events(s);
	ig_ins_rank(s);
	return s;
}

static const ig_ins_counts *counts(ig_insights *s, int level, const char *key, int window)
{
	uint32_t e;

	switch (level) {
	case IG_INS_ITEM:
		e = ig_intern_find(s->own_ids, key, strlen(key));
		break;
	case IG_INS_AUTHOR:
		e = ig_intern_find(s->items->authors, key, strlen(key));
		break;
	case IG_INS_TOPIC:
		e = ig_intern_find(s->items->topics, key, strlen(key));
		break;
	default:
		e = (uint32_t)ig_media_parse(key);
	}
	assert_true(e != IG_INTERN_NONE && e < s->t[level].n);
	return ig_ins_counts_at(s, level, e, window);
}

static void test_reach_dedupe(void **state)
{
	fixture f;
	ig_insights *s;
	const ig_ins_counts *c;

	(void)state;
	fixture_open(&f);
	s = fixture_run(&f, 200, 300, 1, 1);
	/* i1 in [200, 300): u1 (impression, view, two shares), u2
	 * (impression, view, like, follow), u3 (impression, hide); u3's
	 * impression at 300 is past the end. */
	c = counts(s, IG_INS_ITEM, "i1", IG_INS_CUR);
	assert_int_equal(c->reach, 3);
	assert_int_equal(c->impressions, 3);
	assert_int_equal(c->views, 2);
	assert_true(c->dwell_mean == 4000);
	assert_int_equal(c->users[IG_EV_SHARE], 1); /* two shares, one user */
	assert_int_equal(c->users[IG_EV_LIKE], 1);
	assert_int_equal(c->users[IG_EV_HIDE], 1);
	assert_int_equal(c->users[IG_EV_FOLLOW], 1);
	assert_int_equal(c->engaged, 3);            /* share, share, like */
	/* Author a1 (i1, i2): u2 liked both items, one user; u1, u2, u3. */
	c = counts(s, IG_INS_AUTHOR, "a1", IG_INS_CUR);
	assert_int_equal(c->reach, 3);
	assert_int_equal(c->impressions, 5);
	assert_int_equal(c->users[IG_EV_LIKE], 1);
	assert_int_equal(c->engaged, 4);
	/* Topic t2 (i2, i3): u1 and u2 through i2, u3 through i3. */
	c = counts(s, IG_INS_TOPIC, "t2", IG_INS_CUR);
	assert_int_equal(c->reach, 3);
	assert_int_equal(c->views, 2);
	assert_int_equal(c->dwell_n, 1);            /* u2's view of i2 has no value */
	c = counts(s, IG_INS_MEDIA, "reel", IG_INS_CUR);
	assert_int_equal(c->reach, 2);
	/* i9 is not listed: counted for itself, for no author. */
	c = counts(s, IG_INS_ITEM, "i9", IG_INS_CUR);
	assert_int_equal(c->reach, 1);
	assert_int_equal(ig_ins_stats_of(s)->unknown_items, 2);
	assert_int_equal(ig_ins_stats_of(s)->users, 4);
	assert_int_equal(ig_ins_stats_of(s)->events, 29);
	assert_int_equal(ig_ins_stats_of(s)->in_window, 21);
	assert_int_equal(ig_ins_stats_of(s)->in_previous, 6);
	ig_ins_free(s);
	fixture_close(&f);
}

static void test_nonfollower(void **state)
{
	fixture f;
	ig_insights *s;
	const ig_ins_counts *c;

	(void)state;
	fixture_open(&f);
	s = fixture_run(&f, 200, 300, 1, 1);
	/* i1: u1 (follower of a1 since 100) shared twice; u2 liked at 222,
	 * before following a1 at 250: 1 of 3. */
	c = counts(s, IG_INS_ITEM, "i1", IG_INS_CUR);
	assert_int_equal(c->engaged_nonfollower, 1);
	/* i2: u2's like at 262 is after 250: a follower's. */
	c = counts(s, IG_INS_ITEM, "i2", IG_INS_CUR);
	assert_int_equal(c->engaged, 1);
	assert_int_equal(c->engaged_nonfollower, 0);
	/* The previous window: u2's share of i2 at 152, not yet a follower. */
	c = counts(s, IG_INS_ITEM, "i2", IG_INS_PREV);
	assert_int_equal(c->engaged_nonfollower, 1);
	/* u1's like of i1 at 105: a follower since 100. */
	c = counts(s, IG_INS_ITEM, "i1", IG_INS_PREV);
	assert_int_equal(c->engaged, 1);
	assert_int_equal(c->engaged_nonfollower, 0);
	c = counts(s, IG_INS_AUTHOR, "a1", IG_INS_CUR);
	assert_int_equal(c->engaged_nonfollower, 1);
	ig_ins_free(s);

	/* u1 follows a1 since 100: an engagement at 100 itself is not a
	 * follower's (the engagement that led to the follow came first), at
	 * 101 it is; a2 u1 does not follow. */
	s = fixture_run(&f, 200, 300, 1, 1);
	add(s, 400, "u1", "i1", IG_EV_VIEW, NULL);
	assert_false(ig_ins_follows_at(s, ig_intern_find(f.items->authors, "a1", 2), 100));
	assert_true(ig_ins_follows_at(s, ig_intern_find(f.items->authors, "a1", 2), 101));
	assert_false(ig_ins_follows_at(s, ig_intern_find(f.items->authors, "a2", 2), 101));
	ig_ins_free(s);
	fixture_close(&f);
}

static void test_windows_trend(void **state)
{
	fixture f;
	ig_insights *s;
	const ig_ins_counts *c;
	uint32_t i1, i2;

	(void)state;
	fixture_open(&f);
	s = fixture_run(&f, 200, 300, 1, 0);
	/* The previous window is [100, 200): u1's i1 at 100..105, u2's i2
	 * at 150..152; u4's impression at 90 is in neither. */
	c = counts(s, IG_INS_ITEM, "i1", IG_INS_PREV);
	assert_int_equal(c->reach, 1);
	assert_int_equal(c->users[IG_EV_SHARE], 0);
	c = counts(s, IG_INS_ITEM, "i2", IG_INS_PREV);
	assert_int_equal(c->reach, 1);
	assert_int_equal(c->users[IG_EV_SHARE], 1);
	c = counts(s, IG_INS_AUTHOR, "a1", IG_INS_PREV);
	assert_int_equal(c->reach, 2);
	assert_int_equal(c->users[IG_EV_SHARE], 1);
	c = counts(s, IG_INS_ITEM, "i9", IG_INS_PREV);
	assert_int_equal(c->reach, 0);
	/* Ranked by the lower bound of shares per reach: i1 (1 of 3) first,
	 * then the rest at 0 by reach (i2: 2), then by id (i3 before i9). */
	i1 = ig_intern_find(s->own_ids, "i1", 2);
	i2 = ig_intern_find(s->own_ids, "i2", 2);
	assert_int_equal(s->t[IG_INS_ITEM].nrows, 4);
	assert_int_equal(s->t[IG_INS_ITEM].order[0], i1);
	assert_int_equal(s->t[IG_INS_ITEM].order[1], i2);
	assert_string_equal(ig_ins_key(s, IG_INS_ITEM, s->t[IG_INS_ITEM].order[2]), "i3");
	assert_string_equal(ig_ins_key(s, IG_INS_ITEM, s->t[IG_INS_ITEM].order[3]), "i9");
	ig_ins_free(s);

	/* Without the trend, the previous window counts nothing. */
	s = fixture_run(&f, 200, 300, 0, 0);
	c = counts(s, IG_INS_ITEM, "i2", IG_INS_PREV);
	assert_int_equal(c->reach, 0);
	assert_int_equal(ig_ins_stats_of(s)->in_previous, 0);
	ig_ins_free(s);

	/* A window of 50 s from 150: [150, 200), previous [100, 150). */
	s = fixture_run(&f, 150, 200, 1, 0);
	c = counts(s, IG_INS_ITEM, "i2", IG_INS_CUR);
	assert_int_equal(c->reach, 1);
	assert_int_equal(c->users[IG_EV_SHARE], 1);
	c = counts(s, IG_INS_ITEM, "i1", IG_INS_PREV);
	assert_int_equal(c->reach, 1);
	assert_int_equal(c->views, 1);
	assert_int_equal(ig_ins_stats_of(s)->in_window, 3);
	assert_int_equal(ig_ins_stats_of(s)->in_previous, 3);
	ig_ins_free(s);
	fixture_close(&f);
}

static void test_min_reach_top(void **state)
{
	fixture f;
	ig_ins_opts o;
	ig_insights *s;

	(void)state;
	fixture_open(&f);
	ig_ins_opts_default(&o);
	o.start = 200;
	o.end = 300;
	o.min_reach = 2;
	o.top = 1;
	s = ig_ins_new(&o, f.items, NULL);
	add_fixture_events(s);
	ig_ins_rank(s);
	/* i1 (reach 3) and i2 (2) qualify; i3 and i9 (1) do not. */
	assert_int_equal(s->t[IG_INS_ITEM].nrows, 2);
	assert_int_equal(ig_ins_stats_of(s)->entities[IG_INS_ITEM], 4);
	assert_int_equal(ig_ins_stats_of(s)->below_min_reach[IG_INS_ITEM], 2);
	assert_int_equal(ig_ins_stats_of(s)->written[IG_INS_ITEM], 1);
	ig_ins_free(s);
	fixture_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wilson),
		cmocka_unit_test(test_spearman),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_reach_dedupe),
		cmocka_unit_test(test_nonfollower),
		cmocka_unit_test(test_windows_trend),
		cmocka_unit_test(test_min_reach_top),
	};

	ig_set_progname("test_insights");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
