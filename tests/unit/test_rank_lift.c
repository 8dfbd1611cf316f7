/* ig-rank's lifts: the shrinkage and the method-of-moments prior
 * strength on hand-worked numbers, then item_lift_* and author_lift_* of
 * hand-made histories worked out on paper. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_rng.h"
#include "rank/ig_rank.h"
#include "rank/ig_rank_lift_priv.h"
#include "temp_text.h"
#include "rank_world.h"

static void test_shrink(void **state)
{
	(void)state;
	/* (3 + 5 * 0.2) / (10 + 5) */
	assert_true(fabs(ig_rank_eb_shrink(3, 10, 0.2, 5) - 4.0 / 15) < 1e-12);
	/* no trials: the prior */
	assert_true(fabs(ig_rank_eb_shrink(0, 0, 0.3, 0) - 0.3) < 1e-12);
}

static void test_strength(void **state)
{
	const double num[] = {0, 12, 5}, den[] = {10, 20, 0}, prior[] = {0.3, 0.3, 0.3};
	const double flat[] = {3, 6}, fden[] = {10, 20};

	(void)state;
	/* spread 10 * 0.3^2 + 20 * 0.3^2 = 2.7 over 30 trials; the third
	 * entity has no trials. Binomial noise 2 * 0.21 = 0.42: tau^2 =
	 * 2.28 / 30 = 0.076, mean noise 0.21, M = 0.21 / 0.076. */
	assert_true(fabs(ig_rank_eb_strength(num, den, prior, 3, 1.0) - 0.21 / 0.076) < 1e-9);
	/* Poisson noise 2 * 0.3: tau^2 = 2.1 / 30 = 0.07, M = 0.3 / 0.07 */
	assert_true(fabs(ig_rank_eb_strength(num, den, prior, 3, 0.0) - 0.3 / 0.07) < 1e-9);
	/* rates 0.3 and 0.3: no spread beyond the noise, the prior alone */
	assert_true(ig_rank_eb_strength(flat, fden, prior, 2, 1.0) == IG_RANK_EB_MAX_STRENGTH);
	assert_true(ig_rank_eb_strength(num, den, prior, 0, 1.0) == IG_RANK_EB_MAX_STRENGTH);
}

#define NEAR(a, b) assert_true(fabs((double)(a) - (b)) < 1e-5)

static void test_features(void **state)
{
	/* Four users each shown i1, i2 (author a1) and i3 (a2); all like
	 * i1, none i2, u1 and u2 i3. i4 (a2) was never shown. */
	static const char events[] =
	    "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
	    "100\tu1\ti1\timpression\t\n101\tu1\ti1\tlike\t\n102\tu1\ti2\timpression\t\n"
	    "103\tu1\ti3\timpression\t\n104\tu1\ti3\tlike\t\n"
	    "100\tu2\ti1\timpression\t\n101\tu2\ti1\tlike\t\n102\tu2\ti2\timpression\t\n"
	    "103\tu2\ti3\timpression\t\n104\tu2\ti3\tlike\t\n"
	    "100\tu3\ti1\timpression\t\n101\tu3\ti1\tlike\t\n102\tu3\ti2\timpression\t\n"
	    "103\tu3\ti3\timpression\t\n"
	    "100\tu4\ti1\timpression\t\n101\tu4\ti1\tlike\t\n102\tu4\ti2\timpression\t\n"
	    "103\tu4\ti3\timpression\t\n";
	static const char items[] =
	    "#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
	    "i1\ta1\tphoto\t0\tt1\ni2\ta1\tphoto\t0\tt1\ni3\ta2\tphoto\t0\tt2\ni4\ta2\tphoto\t0\tt2\n";
	rank_world w;

	(void)state;
	rank_world_load(&w, events, items, 200);
	/* The users like 2/3, 2/3, 1/3, 1/3 of 3 impressions: spread
	 * 4 * 3 * (1/6)^2 = 1/3 under the noise 4 * 0.25, so every user's
	 * rate is the global 0.5 and each item expects 4 * 0.5 = 2 likes.
	 * Lifts 2, 0 and 1 around 1: spread 2 * 1 + 2 * 1 = 4 over 6
	 * expected, noise 3 * 1 * (1 - 0.5), tau^2 = 2.5 / 6, M = 0.5 /
	 * tau^2 = 1.2. */
	NEAR(rank_world_feature(&w, "i1", "author_lift_like"), 1);
	NEAR(rank_world_feature(&w, "i1", "item_lift_like"), (4 + 1.2) / (2 + 1.2));
	NEAR(rank_world_feature(&w, "i2", "item_lift_like"), (0 + 1.2) / (2 + 1.2));
	NEAR(rank_world_feature(&w, "i3", "item_lift_like"), 1);
	/* never shown: its author's lift; not in the history: the global */
	NEAR(rank_world_feature(&w, "i4", "item_lift_like"), 1);
	NEAR(rank_world_feature(&w, "i9", "item_lift_like"), 1);
	/* no views anywhere: lifts 0, no division by zero */
	NEAR(rank_world_feature(&w, "i1", "item_lift_view"), 0);
	rank_world_free(&w);
}

/* Both users like both items of topic t1 and neither of t2: what the
 * item rates tell apart, the users' topic rates already expect. */
static void test_topic_lift(void **state)
{
	static const char events[] =
	    "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
	    "100\tu1\ti1\timpression\t\n101\tu1\ti1\tlike\t\n102\tu1\ti2\timpression\t\n"
	    "103\tu1\ti2\tlike\t\n104\tu1\ti3\timpression\t\n105\tu1\ti4\timpression\t\n"
	    "100\tu2\ti1\timpression\t\n101\tu2\ti1\tlike\t\n102\tu2\ti2\timpression\t\n"
	    "103\tu2\ti2\tlike\t\n104\tu2\ti3\timpression\t\n105\tu2\ti4\timpression\t\n";
	static const char items[] =
	    "#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
	    "i1\ta1\tphoto\t0\tt1\ni2\ta2\tphoto\t0\tt1\ni3\ta1\tphoto\t0\tt2\ni4\ta2\tphoto\t0\tt2\n";
	rank_world w;

	(void)state;
	rank_world_load(&w, events, items, 200);
	/* Both users like half of what they see: rate 0.5. Their topic
	 * cells 2/2 and 0/2 around it: spread 4 * 2 * 0.25 = 2 over 8,
	 * noise 4 * 0.25, M = 2. Leaving the item out, i1 expects from each
	 * user (1 + 2 * 0.5) / (1 + 2) = 2/3 like, i3 (0 + 1) / 3: 4/3 and
	 * 2/3 in all, lifts 1.5, 1.5, 0, 0 around 1: spread 2 * (4/3) * 0.25
	 * + 2 * (2/3) * 1 = 2, no more than the noise 4 * 1 * (1 - 0.5), so
	 * every lift is the prior 1: the topic explains the likes. */
	NEAR(rank_world_feature(&w, "i1", "item_lift_like"), 1);
	NEAR(rank_world_feature(&w, "i3", "item_lift_like"), 1);
	NEAR(rank_world_feature(&w, "i3", "author_lift_like"), 1);
	rank_world_free(&w);
}

static int by_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* N random times within SPAN of BASE (SPAN 0: any int64) sorted by
 * ig_rank_sort_times as qsort sorts them. */
static void sort_like_qsort(size_t n, int64_t base, uint64_t span, uint64_t seed)
{
	int64_t *t = malloc((n + 1) * sizeof *t), *want = malloc((n + 1) * sizeof *want);
	int64_t *tmp = malloc((n + 1) * sizeof *tmp);
	ig_rng r;
	size_t i;

	ig_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		t[i] = want[i] = span ? base + (int64_t)(ig_rng_u64(&r) % span) : (int64_t)ig_rng_u64(&r);
	qsort(want, n, sizeof *want, by_time);
	ig_rank_sort_times(t, n, tmp);
	for (i = 0; i < n; i++)
		assert_int_equal(t[i], want[i]);
	free(t);
	free(want);
	free(tmp);
}

/* The positives' times: insertion sort up to 32, radix sort beyond on as
 * many bytes as the span takes (one, three, all eight with negatives). */
static void test_sort_times(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 31, 32, 33, 1000, 100000};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		sort_like_qsort(sizes[i], 1704067200, 200, i + 1);
		sort_like_qsort(sizes[i], 1704067200, 7 * 86400, i + 1);
		sort_like_qsort(sizes[i], -5, 10, i + 1);
		sort_like_qsort(sizes[i], 0, 0, i + 1);
	}
	sort_like_qsort(1000, 42, 1, 9); /* all equal: no pass */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_strength),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_topic_lift),
		cmocka_unit_test(test_sort_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
