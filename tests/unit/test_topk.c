/* core/ig_topk.h: the K best of a stream, ties broken by id, equal to a
 * full sort's first K whatever the order of arrival and K; a heap with
 * the best on top pops best first; core/ig_sort.h's sort and selection
 * equal qsort's order and first K on random arrays of every size (sorted,
 * reversed, all one score); and error exits keep held state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "core/ig_sort.h"
#include "core/ig_topk.h"

typedef struct scored {
	int score;
	uint32_t id;
} scored;

#define BETTER(a, b) ((a)->score > (b)->score || ((a)->score == (b)->score && (a)->id < (b)->id))
#define WORSE(a, b) BETTER(b, a)
IG_TOPK_DEFINE(top, scored, BETTER)
IG_TOPK_DEFINE(front, scored, WORSE)
#define BEFORE(ctx, a, b) ((void)(ctx), BETTER(a, b))
IG_SORT_DEFINE(ssort, scored, BEFORE, const void *)

static int cmp_best_first(const void *x, const void *y)
{
	const scored *a = x, *b = y;

	return BETTER(a, b) ? -1 : BETTER(b, a) ? 1 : 0;
}

#define N 500

static void test_offer_matches_sort(void **state)
{
	scored all[N], sorted[N], heap[N], arr[N];
	size_t ks[] = {0, 1, 2, 7, 64, N - 1, N, N + 5}, t, i, n;
	ig_rng rng;

	(void)state;
	ig_rng_seed(&rng, 11);
	for (i = 0; i < N; i++) {
		all[i].score = (int)ig_rng_below(&rng, 40); /* many ties */
		all[i].id = (uint32_t)i;
	}
	/* arrival in a shuffled order */
	for (i = N; i-- > 1;) {
		size_t j = (size_t)ig_rng_below(&rng, i + 1);
		scored x = all[i];
		all[i] = all[j];
		all[j] = x;
	}
	memcpy(sorted, all, sizeof all);
	qsort(sorted, N, sizeof *sorted, cmp_best_first);
	for (t = 0; t < sizeof ks / sizeof *ks; t++) {
		size_t k = ks[t], want = k < N ? k : N;

		n = 0;
		for (i = 0; i < N; i++)
			top_offer(heap, &n, k, all[i]);
		assert_int_equal(n, want);
		top_sort_heap(heap, n);
		assert_memory_equal(heap, sorted, want * sizeof *heap);
	}
	memcpy(arr, all, sizeof all);
	top_sort(arr, N);
	assert_memory_equal(arr, sorted, sizeof arr);
	/* best on top: pops come best first */
	n = 0;
	for (i = 0; i < N; i++)
		front_push(heap, &n, all[i]);
	for (i = 0; i < N; i++) {
		scored x = front_pop(heap, &n);
		assert_int_equal(x.id, sorted[i].id);
	}
	assert_int_equal(n, 0);
}

/* Sizes about the insertion sort's 16 and far past it; score ranges from
 * one value (ids decide) to many; arrivals shuffled, sorted, reversed. */
static void test_sort_select_match_qsort(void **state)
{
	static scored all[3000], want[3000], got[3000];
	size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 33, 100, 517, 3000}, t, i, r;
	ig_rng rng;

	(void)state;
	ig_rng_seed(&rng, 7);
	for (r = 0; r < 40; r++)
		for (t = 0; t < sizeof sizes / sizeof *sizes; t++) {
			size_t n = sizes[t], range = r % 4 == 0 ? 1 : r % 4 == 1 ? 5 : 1000000, ks[5], j;

			for (i = 0; i < n; i++) {
				all[i].score = (int)ig_rng_below(&rng, range);
				all[i].id = (uint32_t)i * 7919u % 100003u; /* distinct */
			}
			memcpy(want, all, n * sizeof *all);
			if (n > 1)
				qsort(want, n, sizeof *want, cmp_best_first);
			if (r % 8 == 5)
				memcpy(all, want, n * sizeof *all); /* sorted already */
			if (r % 8 == 6)
				for (i = 0; i < n; i++)
					all[i] = want[n - 1 - i]; /* reversed */
			memcpy(got, all, n * sizeof *all);
			ssort_sort(got, n, NULL);
			assert_memory_equal(got, want, n * sizeof *got);
			ks[0] = 1, ks[1] = n / 3, ks[2] = n > 0 ? n - 1 : 0, ks[3] = n, ks[4] = 16;
			for (j = 0; j < 5; j++) {
				size_t k = ks[j] < n ? ks[j] : n;

				memcpy(got, all, n * sizeof *all);
				ssort_select(got, n, k, NULL);
				ssort_sort(got, k, NULL);
				assert_memory_equal(got, want, k * sizeof *got);
			}
		}
}

static void test_hold_nests(void **state)
{
	ig_hold a, b;
	int x = 0, y = 0;

	(void)state;
	ig_hold_state(&a, &x);
	ig_hold_state(&b, &y);
	assert_ptr_equal(b.prev, &a);
	assert_ptr_equal(b.state, &y);
	ig_release_state(&b);
	ig_release_state(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_matches_sort),
		cmocka_unit_test(test_sort_select_match_qsort),
		cmocka_unit_test(test_hold_nests),
	};

	ig_set_progname("test_topk");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
