/* ig-rank's session and exposure features (ig_rank_session_priv.h) on a
 * hand-made history worked out on paper: the last session's topics, the
 * fatigue of a see_less two days later, the rates per impression of a
 * topic and a media type, the dwell times on a topic, and the blocks
 * present only with their inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank/ig_rank.h"
#include "rank/ig_rank_session_priv.h"
#include "temp_text.h"
#include "rank_world.h"

/* Two days: the fatigue half-life. */
#define HL 172800

/* u1's first session (ts 100-130) skips i3 (t2) with a see_less and
 * views and likes i1 (t1); the second, after a gap of more than 30
 * minutes, views i2 (t2 then t1: weights 2/3 and 1/3) and i1 again. */
static const char events[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			     "100\tu1\ti3\timpression\t\n100\tu1\ti3\tskip\t\n100\tu1\ti3\tsee_less\t\n"
			     "110\tu1\ti1\timpression\t\n120\tu1\ti1\tview\t1000\n130\tu1\ti1\tlike\t\n"
			     "170000\tu1\ti2\timpression\t\n170010\tu1\ti2\tview\t1000\n"
			     "170020\tu1\ti1\timpression\t\n170030\tu1\ti1\tview\t1000\n";
static const char items[] = "#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
			    "i1\ta1\tphoto\t0\tt1\ni2\ta1\tvideo\t0\tt2,t1\ni3\ta2\tphoto\t0\tt2\n"
			    "i4\ta2\tvideo\t0\tt3\n";

#define NEAR(a, b) assert_true(fabs((double)(a) - (b)) < 1e-5)
/* u1's views per impression on t1, 7/3 of 7/3, shrunk by 2
 * pseudo-impressions towards its 3 views of 4 impressions */
#define T1_RATE ((7.0 / 3 + 2 * 0.75) / (7.0 / 3 + 2))

static void test_last_session(void **state)
{
	rank_world w;

	(void)state;
	rank_world_load(&w, events, items, 100 + HL);
	/* The last session's positives: i2's view (t2 2/3, t1 1/3) and
	 * i1's (t1 1): t1 4/3 of 2. */
	NEAR(rank_world_feature(&w, "i1", "session_topic_pos"), 2.0 / 3);
	NEAR(rank_world_feature(&w, "i2", "session_topic_pos"), (2.0 / 3 * 2.0 / 3 + 1.0 / 3 * 4.0 / 3) / 2);
	NEAR(rank_world_feature(&w, "i4", "session_topic_pos"), 0);
	/* t1 holds 10/3 of the 4 positives (views at 120 and 170030, the
	 * like, a third of i2's view): 2 * 10/12 expected in the last
	 * session, 4/3 seen; half a positive added to both. */
	NEAR(rank_world_feature(&w, "i1", "session_topic_lift"), log((4.0 / 3 + 0.5) / (2 * 10.0 / 12 + 0.5)));
	NEAR(rank_world_feature(&w, "i4", "session_topic_lift"), 0);
	/* of the last session's 2 impressions, t1 had 1/3 + 1 */
	NEAR(rank_world_feature(&w, "i1", "session_topic_share"), 2.0 / 3);
	/* and viewed all of them: 4/3 views of 4/3, shrunk by 2
	 * pseudo-impressions towards the user's rate on t1 (below), over it */
	NEAR(rank_world_feature(&w, "i1", "session_topic_view_lift"),
	     log((4.0 / 3 + 2 * T1_RATE) / (4.0 / 3 + 2) / T1_RATE));
	/* the first session's positives count half: t1 has 2 * 1/2 + 4/3
	 * of 2 * 1/2 + 2 */
	NEAR(rank_world_feature(&w, "i1", "topic_recent_pos"), (1 + 4.0 / 3) / 3);
	NEAR(rank_world_feature(&w, "i3", "topic_recent_pos"), (2.0 / 3) / 3);
	/* against t1's, the top */
	NEAR(rank_world_feature(&w, "i1", "topic_recent_rel"), 1);
	NEAR(rank_world_feature(&w, "i3", "topic_recent_rel"), (2.0 / 3) / (1 + 4.0 / 3));
	rank_world_free(&w);
}

static void test_fatigue(void **state)
{
	rank_world w;

	(void)state;
	rank_world_load(&w, events, items, 100 + HL);
	/* a see_less on t2 one half-life ago: 1/2; i2 has t2 at 2/3 */
	NEAR(rank_world_feature(&w, "i3", "topic_fatigue"), 0.5);
	NEAR(rank_world_feature(&w, "i2", "topic_fatigue"), 2.0 / 3 * 0.5);
	NEAR(rank_world_feature(&w, "i1", "topic_fatigue"), 0);
	/* a half-life later a quarter */
	ig_rank_user_set_now(w.u, 100 + 2 * HL);
	NEAR(rank_world_feature(&w, "i3", "topic_fatigue"), 0.25);
	rank_world_free(&w);
}

static void test_exposure(void **state)
{
	rank_world w;

	(void)state;
	rank_world_load(&w, events, items, 100 + HL);
	/* 4 impressions, 3 views, 1 like. t1: impressions 1 + 1/3 + 1 =
	 * 7/3, views the same; shrunk by 2 pseudo-impressions at the
	 * user's 3/4, over 3/4. */
	NEAR(rank_world_feature(&w, "i1", "topic_imp_share"), 7.0 / 12);
	NEAR(rank_world_feature(&w, "i1", "topic_view_lift"), log(T1_RATE / 0.75));
	/* t1 is the most shown topic; t2 had 1 + 2/3 impressions */
	NEAR(rank_world_feature(&w, "i1", "topic_imp_rel"), 1);
	NEAR(rank_world_feature(&w, "i3", "topic_imp_rel"), (5.0 / 3) / (7.0 / 3));
	NEAR(rank_world_feature(&w, "i2", "topic_imp_rel"), (2.0 / 3 * 5.0 / 3 + 1.0 / 3 * 7.0 / 3) / (7.0 / 3));
	/* t3 never shown: the user's own rate, log lift 0 */
	NEAR(rank_world_feature(&w, "i4", "topic_imp_share"), 0);
	NEAR(rank_world_feature(&w, "i4", "topic_view_lift"), 0);
	/* photos: 3 impressions, 2 views, 1 like; 5 pseudo-impressions */
	NEAR(rank_world_feature(&w, "i1", "media_view_lift"), log((2 + 5 * 0.75) / (3 + 5.0) / 0.75));
	NEAR(rank_world_feature(&w, "i1", "media_like_lift"), log((1 + 5 * 0.25) / (3 + 5.0) / 0.25));
	/* videos: 1 impression, 1 view */
	NEAR(rank_world_feature(&w, "i4", "media_view_lift"), log((1 + 5 * 0.75) / (1 + 5.0) / 0.75));
	/* unknown item: zeros */
	NEAR(rank_world_feature(&w, "i9", "topic_imp_share"), 0);
	NEAR(rank_world_feature(&w, "i9", "session_topic_lift"), 0);
	rank_world_free(&w);
}

/* The last session starts after the last gap of more than 30 minutes,
 * and a gap of exactly 30 minutes does not end one (the impression at
 * 3800 adds no gap). */
static void test_session_gap(void **state)
{
	static const char ev[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
				 "100\tu1\ti3\tlike\t\n2000\tu1\ti1\tlike\t\n3800\tu1\ti3\timpression\t\n"
				 "3800\tu1\ti3\tlike\t\n";
	rank_world w;

	(void)state;
	rank_world_load(&w, ev, items, 100 + HL);
	/* the last session: the likes at 2000 and 3800 */
	NEAR(rank_world_feature(&w, "i1", "session_topic_pos"), 0.5);
	NEAR(rank_world_feature(&w, "i3", "session_topic_pos"), 0.5);
	rank_world_free(&w);
}

/* Dwell times (a view's value), each against the user's usual on the
 * media type: u1 looks at photos (i1 t1, i3 t2) for 1, 4 and 2 seconds
 * and watches video i4 (t3) for 8, in two sessions; a view without a
 * value (i2's) counts for none. In units of ln 2 over log 1000 the logs
 * are 0, 2, 1 and 3, their mean 1.5; photos' usual, shrunk by 5 views
 * towards it, (0 + 2 + 1 + 5 * 1.5) / 8 = 1.3125, videos' (3 + 7.5) / 6
 * = 1.75. The logs are kept to thousandths: NEAR_Q. */
#define NEAR_Q(a, b) assert_true(fabs((double)(a) - (b)) < 2e-3)
static void test_dwell(void **state)
{
	static const char ev[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
				 "100\tu1\ti1\timpression\t\n100\tu1\ti1\tview\t1000\n"
				 "110\tu1\ti3\timpression\t\n110\tu1\ti3\tview\t4000\n"
				 "120\tu1\ti2\timpression\t\n120\tu1\ti2\tview\t\n"
				 "10000\tu1\ti1\timpression\t\n10000\tu1\ti1\tview\t2000\n"
				 "10010\tu1\ti4\timpression\t\n10010\tu1\ti4\tview\t8000\n";
	const double l = log(2.0);
	/* residuals: i1 -1.3125 and 1 - 1.3125, i3 2 - 1.3125, i4 3 - 1.75 */
	const double t1 = -1.625 / (2 + 3), t2 = 0.6875 / (1 + 3), t3 = 1.25 / (1 + 3);
	rank_world w;

	(void)state;
	rank_world_load(&w, ev, items, 20000);
	/* a topic's mean residual, shrunk by 3 views at the usual (0) */
	NEAR_Q(rank_world_feature(&w, "i1", "topic_dwell_lift"), t1 * l);
	NEAR_Q(rank_world_feature(&w, "i3", "topic_dwell_lift"), t2 * l);
	NEAR_Q(rank_world_feature(&w, "i4", "topic_dwell_lift"), t3 * l);
	/* i2: t2 at 2/3, t1 at 1/3, their sums and views so weighted */
	NEAR_Q(rank_world_feature(&w, "i2", "topic_dwell_lift"),
	       (2.0 / 3 * 0.6875 - 1.0 / 3 * 1.625) / (2.0 / 3 + 1.0 / 3 * 2 + 3) * l);
	/* the last session's (i1's second look, i4), shrunk by 3 views
	 * towards the topic's; t2 had none in it: the topic's */
	NEAR_Q(rank_world_feature(&w, "i1", "session_topic_dwell_lift"), (-0.3125 + 3 * t1) / (1 + 3) * l);
	NEAR_Q(rank_world_feature(&w, "i4", "session_topic_dwell_lift"), (1.25 + 3 * t3) / (1 + 3) * l);
	NEAR_Q(rank_world_feature(&w, "i3", "session_topic_dwell_lift"), t2 * l);
	/* no topic of the user's: 0 */
	NEAR(rank_world_feature(&w, "i9", "topic_dwell_lift"), 0);
	rank_world_free(&w);
}

/* Without impressions both blocks are left out (ig_rank_session_width
 * says why). */
static void test_without_impressions(void **state)
{
	static const char ev[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
				 "100\tu1\ti3\tlike\t\n2000\tu1\ti1\tlike\t\n3800\tu1\ti3\tlike\t\n";
	rank_world w;

	(void)state;
	rank_world_load(&w, ev, items, 100 + HL);
	assert_int_equal(rank_world_column(w.c, "topic_imp_share"), -1);
	assert_int_equal(rank_world_column(w.c, "media_view_lift"), -1);
	assert_int_equal(rank_world_column(w.c, "session_topic_pos"), -1);
	assert_int_equal(rank_world_column(w.c, "topic_fatigue"), -1);
	rank_world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_session),
		cmocka_unit_test(test_fatigue),
		cmocka_unit_test(test_exposure),
		cmocka_unit_test(test_session_gap),
		cmocka_unit_test(test_dwell),
		cmocka_unit_test(test_without_impressions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
