/* lib/stats popularity: decayed counts in any event order, scores by
 * type weights, and the top K with ties by id. */
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
#include "core/ig_intern.h"
#include "stats/ig_popularity.h"

#define DAY 86400

static void test_decay(void **state)
{
	ig_popularity p, q;

	(void)state;
	ig_pop_init(&p, DAY);
	ig_pop_init(&q, DAY);
	/* The same events in two orders give the same counts. */
	ig_pop_add(&p, 3, IG_EV_LIKE, 0);
	ig_pop_add(&p, 3, IG_EV_LIKE, DAY);
	ig_pop_add(&p, 3, IG_EV_LIKE, 2 * DAY);
	ig_pop_add(&q, 3, IG_EV_LIKE, 2 * DAY);
	ig_pop_add(&q, 3, IG_EV_LIKE, 0);
	ig_pop_add(&q, 3, IG_EV_LIKE, DAY);
	/* At 2 days: 1 + 1/2 + 1/4; a day later half of that. */
	assert_true(fabs(ig_pop_count(&p, 3, IG_EV_LIKE, 2 * DAY) - 1.75) < 1e-12);
	assert_true(fabs(ig_pop_count(&q, 3, IG_EV_LIKE, 2 * DAY) - 1.75) < 1e-12);
	assert_true(fabs(ig_pop_count(&p, 3, IG_EV_LIKE, 3 * DAY) - 0.875) < 1e-12);
	/* Asked before the latest event: it counts at age 0. */
	assert_true(fabs(ig_pop_count(&p, 3, IG_EV_LIKE, DAY) - 1.75) < 1e-12);
	assert_true(ig_pop_count(&p, 3, IG_EV_SAVE, 2 * DAY) == 0);
	assert_true(ig_pop_count(&p, 0, IG_EV_LIKE, 2 * DAY) == 0);
	assert_true(ig_pop_count(&p, 99, IG_EV_LIKE, 2 * DAY) == 0);
	assert_int_equal(p.nitems, 4);
	assert_int_equal(p.latest, 2 * DAY);
	assert_int_equal(p.events, 3);
	ig_pop_free(&p);
	ig_pop_free(&q);

	ig_pop_init(&p, 0);
	ig_pop_add(&p, 0, IG_EV_VIEW, 5);
	ig_pop_add(&p, 0, IG_EV_VIEW, 1000000);
	assert_true(ig_pop_count(&p, 0, IG_EV_VIEW, 4000000000) == 2);
	ig_pop_free(&p);
}

static void test_top(void **state)
{
	ig_intern *ids = ig_intern_new();
	ig_popularity p;
	ig_pop_item top[8];
	double w[IG_EV_COUNT] = {0};
	uint32_t b = ig_intern_add(ids, "b", 1), a = ig_intern_add(ids, "a", 1), c = ig_intern_add(ids, "c", 1);
	uint32_t d = ig_intern_add(ids, "d", 1);

	(void)state;
	ig_pop_init(&p, 0);
	w[IG_EV_LIKE] = 1;
	w[IG_EV_SHARE] = 3;
	ig_pop_add(&p, b, IG_EV_LIKE, 0);
	ig_pop_add(&p, b, IG_EV_LIKE, 0);
	ig_pop_add(&p, b, IG_EV_LIKE, 0); /* b: 3 */
	ig_pop_add(&p, a, IG_EV_SHARE, 0); /* a: 3, ties with b: a first */
	ig_pop_add(&p, c, IG_EV_LIKE, 0);  /* c: 1 */
	ig_pop_add(&p, d, IG_EV_VIEW, 0);  /* d: weight 0, never listed */
	assert_true(ig_pop_score(&p, a, w, 0) == 3);
	assert_int_equal(ig_pop_top(&p, w, 0, ids, 8, top), 3);
	assert_int_equal(top[0].item, a);
	assert_int_equal(top[1].item, b);
	assert_int_equal(top[2].item, c);
	assert_int_equal(ig_pop_top(&p, w, 0, ids, 2, top), 2);
	assert_int_equal(top[0].item, a);
	assert_int_equal(top[1].item, b);
	assert_int_equal(ig_pop_top(&p, w, 0, ids, 1, top), 1);
	assert_int_equal(top[0].item, a);
	assert_int_equal(ig_pop_top(&p, w, 0, ids, 0, top), 0);
	ig_pop_free(&p);
	ig_intern_free(ids);
}

static void test_stream(void **state)
{
	static const char text[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
				   "10\tu1\ti1\tlike\t\n20\tu1\ti2\tview\t3\n5\tu2\ti1\tlike\t\n";
	char path[] = "/tmp/igpop.XXXXXX";
	int fd = mkstemp(path);
	ig_intern *items = ig_intern_new();
	ig_popularity p;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	ig_pop_init(&p, 10);
	ig_pop_add_stream(&p, path, items);
	unlink(path);
	/* i1: likes at 10 and 5, seen at 20: 2^-1 + 2^-1.5 */
	assert_true(fabs(ig_pop_count(&p, ig_intern_find(items, "i1", 2), IG_EV_LIKE, 20) -
			 (0.5 + exp2(-1.5))) < 1e-12);
	assert_true(ig_pop_count(&p, ig_intern_find(items, "i2", 2), IG_EV_VIEW, 20) == 1);
	assert_int_equal(p.events, 3);
	ig_pop_free(&p);
	ig_intern_free(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decay),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_stream),
	};

	ig_set_progname("test_popularity");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
