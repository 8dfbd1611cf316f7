/* The pair table of ig-cooccur: radix sort, sums, and spilled runs
 * merged back (in one or two levels) giving what memory alone gives. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cooccur/ig_cooccur_table_priv.h"
#include "core/ig_rng.h"

static int cmp_key(const void *x, const void *y)
{
	const ig_cooc_pair *a = x, *b = y;

	return (a->key > b->key) - (a->key < b->key);
}

static void test_sort(void **state)
{
	enum { N = 100000 };
	ig_cooc_pair *p = malloc(N * sizeof *p), *q = malloc(N * sizeof *q), *tmp = malloc(N * sizeof *tmp);
	ig_rng r;
	size_t i;

	(void)state;
	ig_rng_seed(&r, 3);
	for (i = 0; i < N; i++) {
		p[i].key = ig_rng_u64(&r) >> (i % 3 ? 20 : 0);
		p[i].w = i;
		p[i].s = 1;
	}
	memcpy(q, p, N * sizeof *p);
	ig_cooc_sort_pairs(p, tmp, N);
	qsort(q, N, sizeof *q, cmp_key);
	for (i = 0; i < N; i++)
		assert_true(p[i].key == q[i].key);
	/* All keys equal but the low byte; and one record. */
	for (i = 0; i < N; i++)
		p[i].key = (UINT64_C(7) << 40) | (N - i) % 256;
	ig_cooc_sort_pairs(p, tmp, N);
	for (i = 1; i < N; i++)
		assert_true(p[i - 1].key <= p[i].key);
	ig_cooc_sort_pairs(p, tmp, 1);
	free(p);
	free(q);
	free(tmp);
}

/* Adds NKEYS keys, each REPEAT times, to a table of MEMORY bytes; checks
 * the merged output and returns the number of runs. */
static size_t fill_and_check(uint64_t memory, uint32_t nkeys, uint32_t repeat)
{
	ig_cooc_table *t = ig_cooc_table_new(memory, NULL);
	ig_cooc_pair p, batch[64];
	ig_rng r;
	uint32_t i, k, n = 0;
	uint64_t prev = 0, seen = 0;
	size_t runs;

	ig_rng_seed(&r, 11);
	for (k = 0; k < repeat; k++)
		for (i = 0; i < nkeys; i++) {
			/* Key i (scattered), weight i+1, support 1 per repeat. */
			uint64_t key = ((uint64_t)(i * 2654435761u) << 32) | (i ^ 0x5a5a5a5au);
			batch[n].key = key;
			batch[n].w = (uint64_t)i + 1;
			batch[n].s = 1;
			if (++n == 64 || ig_rng_below(&r, 3) == 0) {
				ig_cooc_table_add_many(t, batch, n);
				n = 0;
			}
		}
	ig_cooc_table_add_many(t, batch, n);
	ig_cooc_table_finish(t);
	while (ig_cooc_table_next(t, &p)) {
		uint32_t i2 = (uint32_t)p.key ^ 0x5a5a5a5au;
		assert_true(seen == 0 || p.key > prev);
		assert_true(i2 < nkeys);
		assert_true(p.w == ((uint64_t)i2 + 1) * repeat);
		assert_true(p.s == repeat);
		prev = p.key;
		seen++;
	}
	assert_true(seen == nkeys);
	runs = ig_cooc_table_runs(t);
	ig_cooc_table_free(t);
	return runs;
}

static void test_memory_only(void **state)
{
	(void)state;
	assert_int_equal(fill_and_check((uint64_t)1 << 30, 50000, 3), 0);
}

static void test_spill(void **state)
{
	/* 1 MiB holds a few thousand pairs: many runs, merged in one level... */
	size_t runs = fill_and_check(1 << 20, 60000, 2);

	(void)state;
	assert_true(runs > 1 && runs <= 64);
	/* ...or more than 64 runs, merged in two levels. */
	runs = fill_and_check(1 << 20, 300000, 3);
	assert_true(runs > 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_memory_only),
		cmocka_unit_test(test_spill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
