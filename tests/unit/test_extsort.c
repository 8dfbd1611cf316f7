/* The external sort (lib/ig_extsort.c): bytewise order with
 * shorter-first on common prefixes, in memory and with spilled runs,
 * including more runs than one merge takes (a second merge pass). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "io/ig_extsort.h"

typedef struct rec {
	unsigned char b[40];
	size_t len;
} rec;

static int rec_cmp(const void *x, const void *y)
{
	const rec *a = x, *b = y;
	int c = memcmp(a->b, b->b, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* N records over a small alphabet with zero bytes, lengths 0..MAXLEN,
 * many sharing 16-byte prefixes; sorted by ig_extsort under MEMORY and
 * checked against qsort. Returns the number of spilled runs. */
static size_t check(size_t n, size_t maxlen, uint64_t memory)
{
	rec *r = calloc(n, sizeof *r);
	ig_extsort *s = ig_extsort_new(memory, NULL);
	const void *got;
	size_t len, i, runs;

	for (i = 0; i < n; i++) {
		size_t j;
		r[i].len = (size_t)(rnd() % (maxlen + 1));
		for (j = 0; j < r[i].len; j++)
			r[i].b[j] = (unsigned char)(j < 17 && (rnd() & 3) ? 'a' + (rnd() & 1) : rnd() % 3);
		ig_extsort_add(s, r[i].b, r[i].len);
	}
	qsort(r, n, sizeof *r, rec_cmp);
	for (i = 0; i < n; i++) {
		assert_true(ig_extsort_next(s, &got, &len));
		assert_int_equal(len, r[i].len);
		assert_memory_equal(got, r[i].b, len);
	}
	assert_false(ig_extsort_next(s, &got, &len));
	runs = ig_extsort_runs(s);
	ig_extsort_free(s);
	free(r);
	return runs;
}

static void test_small(void **state)
{
	ig_extsort *s;
	const void *got;
	size_t len;

	(void)state;
	assert_int_equal(check(0, 10, 1 << 20), 0);
	assert_int_equal(check(1, 10, 1 << 20), 0);
	assert_int_equal(check(17, 3, 1 << 20), 0);
	assert_int_equal(check(5000, 40, 1 << 20), 0);
	/* Prefixes: "", "a", "a\0", "ab" in bytewise order. */
	s = ig_extsort_new(1 << 20, NULL);
	ig_extsort_add(s, "ab", 2);
	ig_extsort_add(s, "a\0", 2);
	ig_extsort_add(s, "", 0);
	ig_extsort_add(s, "a", 1);
	assert_true(ig_extsort_next(s, &got, &len));
	assert_int_equal(len, 0);
	assert_true(ig_extsort_next(s, &got, &len));
	assert_int_equal(len, 1);
	assert_true(ig_extsort_next(s, &got, &len));
	assert_int_equal(len, 2);
	assert_memory_equal(got, "a\0", 2);
	assert_true(ig_extsort_next(s, &got, &len));
	assert_memory_equal(got, "ab", 2);
	assert_false(ig_extsort_next(s, &got, &len));
	ig_extsort_free(s);
}

static void test_spill(void **state)
{
	(void)state;
	/* About 30 bytes a record in memory: a few runs of 1 MiB. */
	assert_true(check(200000, 30, 1 << 20) >= 4);
}

static void test_two_pass_merge(void **state)
{
	(void)state;
	/* Over 64 runs: merged in groups first. */
	assert_true(check(2400000, 12, 1 << 20) > 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_spill),
		cmocka_unit_test(test_two_pass_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
