/* ig-rank features --fresh-sessions (ig_rank_build_impressions with
 * fresh_sessions): an impression's user side is of the history and the
 * user's stream events of the sessions before its own, its item side of
 * the history alone; without the option, every impression sees the
 * history alone. */
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

#include "rank/ig_rank.h"
#include "temp_text.h"

/* u1's history: one session (100-130) that views and likes i1 (t1); u2
 * is there so that the item tables count more than one user. */
static const char history[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			      "100\tu1\ti1\timpression\t\n120\tu1\ti1\tview\t1000\n130\tu1\ti1\tlike\t\n"
			      "50\tu2\ti2\timpression\t\n60\tu2\ti2\tview\t1000\n";
/* The window after it: session 0 goes on with the history's (i4 at 200,
 * 70 s after it); session 1 (10000, after a gap) views and likes i2 (t2),
 * views i9 and is shown i1 (11000); session 2 (20000) is shown i3 (t2)
 * and i1 (t1). i9 is an item the context does not know: left out. */
static const char window[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			     "200\tu1\ti4\timpression\t\n"
			     "10000\tu1\ti2\timpression\t\n10010\tu1\ti2\tview\t1000\n10020\tu1\ti2\tlike\t\n"
			     "10500\tu1\ti9\tview\t1000\n11000\tu1\ti1\timpression\t\n"
			     "20000\tu1\ti3\timpression\t\n20010\tu1\ti1\timpression\t\n";
static const char items[] = "#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
			    "i1\ta1\tphoto\t0\tt1\ni2\ta1\tvideo\t0\tt2\ni3\ta2\tphoto\t0\tt2\n"
			    "i4\ta2\tvideo\t0\tt3\n";

#define NROWS 5

/* The examples of the window's impressions, fresh or not. */
static ig_rank_examples *build(int fresh)
{
	char *hp = write_temp(history), *wp = write_temp(window), *ip = write_temp(items);
	char *op = write_temp("");
	ig_rank_inputs in = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	static const char *const heads[] = {"view"};
	ig_rank_build_opts bo;
	ig_rank_build_stats st;
	ig_rank_examples *e;
	ig_rank_fopts o;
	ig_rank_ctx *c;
	ig_writer *w;

	in.history = hp;
	in.items = ip;
	ig_rank_fopts_default(&o);
	c = ig_rank_ctx_load(&in, &o);
	memset(&bo, 0, sizeof bo);
	memset(&st, 0, sizeof st);
	bo.heads = (char *const *)heads;
	bo.nhead = 1;
	bo.any = o.positives;
	bo.libsvm_head = -1;
	bo.at = -1;
	bo.fresh_sessions = fresh;
	w = ig_writer_open(op, 0, 0);
	ig_rank_examples_write_header(w, c, heads, 1, NULL);
	ig_rank_build_impressions(c, wp, w, &bo, &st);
	ig_writer_close(w);
	assert_int_equal(st.rows, NROWS);
	e = ig_rank_examples_read(op);
	assert_int_equal(e->n, NROWS);
	ig_rank_ctx_free(c);
	unlink(hp);
	unlink(wp);
	unlink(ip);
	unlink(op);
	free(hp);
	free(wp);
	free(ip);
	free(op);
	return e;
}

static float value(const ig_rank_examples *e, size_t row, const char *name)
{
	int i;

	for (i = 0; i < e->nfeat; i++)
		if (strcmp(e->feat[i], name) == 0)
			return e->x[row * (size_t)e->nfeat + (size_t)i];
	fail_msg("no feature %s", name);
	return 0;
}

#define NEAR(a, b) assert_true(fabs((double)(a) - (b)) < 1e-5)

/* Rows in the window's order: i4 (session 0), i2 and i1 (1), i3 and i1
 * (2). */
static void test_sessions_see_the_ones_before(void **state)
{
	ig_rank_examples *stale = build(0), *fresh = build(1);
	size_t r;

	(void)state;
	/* session 0 sees the history alone, in both */
	for (r = 0; r < 1; r++)
		assert_memory_equal(stale->x + r * (size_t)stale->nfeat, fresh->x + r * (size_t)fresh->nfeat,
				    (size_t)stale->nfeat * sizeof *stale->x);
	/* the history's 3 events; session 1 adds session 0's impression (to
	 * both its rows), session 2 also session 1's 4 events (not i9's) */
	NEAR(value(stale, 4, "user_events"), log1p(3));
	NEAR(value(fresh, 1, "user_events"), log1p(4));
	NEAR(value(fresh, 2, "user_events"), log1p(4));
	NEAR(value(fresh, 3, "user_events"), log1p(8));
	NEAR(value(fresh, 4, "user_positives"), log1p(4));
	NEAR(value(stale, 4, "user_positives"), log1p(2));
	/* session 2's last session is session 1, whose positives are all on
	 * t2: i3's topic; the history's last session had them on t1 */
	NEAR(value(stale, 3, "session_topic_pos"), 0);
	NEAR(value(fresh, 3, "session_topic_pos"), 1);
	NEAR(value(stale, 4, "session_topic_pos"), 1);
	NEAR(value(fresh, 4, "session_topic_pos"), 0);
	/* the days since the user's last event: session 1's last, not 130 */
	NEAR(value(fresh, 4, "user_days_since_last"), log1p((20010.0 - 11000) / 86400));
	NEAR(value(stale, 4, "user_days_since_last"), log1p((20010.0 - 130) / 86400));
	ig_rank_examples_free(stale);
	ig_rank_examples_free(fresh);
}

/* The item tables stay the history's: no label of the window leaks into
 * an item's rates, lifts or counts. */
static void test_item_tables_unchanged(void **state)
{
	ig_rank_examples *stale = build(0), *fresh = build(1);
	size_t r;
	int i, checked = 0;

	(void)state;
	assert_int_equal(stale->nfeat, fresh->nfeat);
	for (i = 0; i < stale->nfeat; i++) {
		if (!ig_rank_feature_item_only(stale->feat[i]))
			continue;
		checked++;
		for (r = 0; r < NROWS; r++)
			assert_true(stale->x[r * (size_t)stale->nfeat + (size_t)i] ==
				    fresh->x[r * (size_t)fresh->nfeat + (size_t)i]);
	}
	assert_true(checked >= 10);
	/* i2's impressions are the history's one (decayed a little), though
	 * the window shows it again */
	assert_true(value(fresh, 1, "item_impressions") > 0.69f && value(fresh, 1, "item_impressions") <= 0.6932f);
	ig_rank_examples_free(stale);
	ig_rank_examples_free(fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions_see_the_ones_before),
		cmocka_unit_test(test_item_tables_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
