/* The external sort (lib/io/ig_extsort.c): bytewise order with
 * shorter-first on common prefixes, in memory and with spilled runs,
 * including more runs than one merge takes (a second merge pass); and the
 * merge of fixed-size records handed over as sorted runs: equal keys
 * reduced across runs, in one pass or several, empty runs, equal keys in
 * run order without a reduce, and the errors of the temporary files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "expect_exit.h"
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

/* A fixed record: a key and a count (for the no-reduce merge, the
 * number of the run it came from). */
typedef struct kc {
	uint64_t key, count;
} kc;

static int kc_cmp(const void *x, const void *y)
{
	const kc *a = x, *b = y;

	return (a->key > b->key) - (a->key < b->key);
}

static void kc_sum(void *into, const void *src)
{
	kc *a = into;
	const kc *b = src;

	a->count += b->count;
}

static const ig_extsort_codec sum_codec = {sizeof(kc), kc_cmp, kc_sum};
/* The same order from the leading uint64_t, compared inline. */
static const ig_extsort_codec sum_u64_codec = {sizeof(kc), NULL, kc_sum};
static const ig_extsort_codec *codec_under_test = &sum_codec;
static const ig_extsort_codec keep_codec = {sizeof(kc), kc_cmp, NULL};

/* NRUNS runs (every EMPTY_EVERY-th one empty, 0: none) of up to PER_RUN
 * records over keys 0..NKEYS-1 (each at most once a run, count key+1),
 * merged with the sum codec under 1 MiB; every key must come out once,
 * in order, with the sum of its counts. Returns the runs counted. */
static size_t check_sum(size_t nruns, size_t per_run, uint64_t nkeys, size_t empty_every)
{
	ig_extsort *s = ig_extsort_new_codec(codec_under_test, 1 << 20, NULL);
	uint64_t *want = calloc(nkeys, sizeof *want);
	kc *run = malloc(per_run * sizeof *run);
	const void *got;
	size_t len, r, runs;
	uint64_t k, seen = 0;

	for (r = 0; r < nruns; r++) {
		size_t n = 0;
		if (empty_every == 0 || r % empty_every != 0)
			for (k = rnd() % 7; k < nkeys && n < per_run; k += 1 + rnd() % 7) {
				run[n].key = k;
				run[n].count = k + 1;
				want[k] += k + 1;
				n++;
			}
		ig_extsort_add_run(s, run, n);
	}
	ig_extsort_finish(s);
	while (ig_extsort_next(s, &got, &len)) {
		kc one;
		assert_int_equal(len, sizeof one);
		memcpy(&one, got, sizeof one);
		/* Each key with a count once, in order; keys never added stay out. */
		while (seen < one.key)
			assert_true(want[seen++] == 0);
		assert_true(one.key == seen && one.count == want[seen]);
		seen++;
	}
	while (seen < nkeys)
		assert_true(want[seen++] == 0);
	runs = ig_extsort_runs(s);
	ig_extsort_free(s);
	free(run);
	free(want);
	return runs;
}

static void test_codec_reduce(void **state)
{
	(void)state;
	assert_int_equal(check_sum(1, 1000, 5000, 0), 1);
	assert_int_equal(check_sum(5, 20000, 30000, 0), 5);
	/* Nothing at all; only empty runs; empty runs among full ones. */
	assert_int_equal(check_sum(0, 10, 100, 0), 0);
	assert_int_equal(check_sum(3, 10, 100, 1), 3);
	assert_int_equal(check_sum(40, 500, 2000, 3), 40);
	codec_under_test = &sum_u64_codec;
	assert_int_equal(check_sum(5, 20000, 30000, 0), 5);
	assert_int_equal(check_sum(40, 500, 2000, 3), 40);
	codec_under_test = &sum_codec;
}

static void test_codec_many_runs(void **state)
{
	(void)state;
	/* Over 64 runs, some empty: merged (and reduced) in groups of 64
	 * into longer runs first, then those. */
	assert_int_equal(check_sum(300, 2000, 10000, 17), 300);
	assert_int_equal(check_sum(1000, 50, 400, 0), 1000);
	codec_under_test = &sum_u64_codec;
	assert_int_equal(check_sum(300, 2000, 10000, 17), 300);
	codec_under_test = &sum_codec;
}

/* Without a reduce every record comes out, equal keys in run order. */
static void test_codec_keep(void **state)
{
	ig_extsort *s = ig_extsort_new_codec(&keep_codec, 1 << 20, NULL);
	enum { RUNS = 130, KEYS = 50 };
	kc run[KEYS];
	const void *got;
	size_t len, r, n = 0;
	kc prev = {0, 0};

	(void)state;
	for (r = 0; r < RUNS; r++) {
		size_t i;
		for (i = 0; i < KEYS; i++) {
			run[i].key = i * 3;
			run[i].count = r;
		}
		ig_extsort_add_run(s, run, r % 2 ? KEYS : KEYS / 2);
	}
	while (ig_extsort_next(s, &got, &len)) {
		kc one;
		memcpy(&one, got, sizeof one);
		assert_true(n == 0 || one.key > prev.key || (one.key == prev.key && one.count > prev.count));
		prev = one;
		n++;
	}
	assert_int_equal(n, RUNS / 2 * KEYS + RUNS / 2 * (KEYS / 2));
	ig_extsort_free(s);
}

/* A run larger than the file size limit: the write fails. */
static void write_past_limit(void *arg)
{
	struct rlimit lim = {1 << 16, 1 << 16};
	size_t n = (1 << 18) / sizeof(kc);
	kc *run = calloc(n, sizeof *run);
	ig_extsort *s = ig_extsort_new_codec(&sum_codec, 1 << 20, arg);

	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	ig_extsort_add_run(s, run, n);
}

static void create_in(void *arg)
{
	kc one = {1, 1};
	ig_extsort *s = ig_extsort_new_codec(&sum_codec, 1 << 20, arg);

	ig_extsort_add_run(s, &one, 1);
}

static void test_codec_errors(void **state)
{
	static char missing[] = "./no-such-dir";
	char err[512];

	(void)state;
	assert_int_equal(run_expect_exit(write_past_limit, NULL, err, sizeof err), 1);
	assert_non_null(strstr(err, "write error on a temporary file in "));
	assert_int_equal(run_expect_exit(create_in, missing, err, sizeof err), 1);
	assert_non_null(strstr(err, "./no-such-dir: cannot create a temporary file: No such file or directory\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_spill),
		cmocka_unit_test(test_two_pass_merge),
		cmocka_unit_test(test_codec_reduce),
		cmocka_unit_test(test_codec_many_runs),
		cmocka_unit_test(test_codec_keep),
		cmocka_unit_test(test_codec_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
