/* The thread pool (lib/core/ig_thread.c): every index of a parallel for
 * runs once with a valid thread number; a pipeline hands items back in
 * push order, never has more than DEPTH in flight, and pipelines nest on
 * one pool (a DONE pushing to another pipe of the same pool). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/ig_thread.h"

#define N 5000

typedef struct for_check {
	atomic_int seen[N];
	atomic_int busy[16];
	int threads;
	atomic_int bad;
} for_check;

static void mark(void *arg, size_t i, int tid)
{
	for_check *c = arg;

	if (tid < 0 || tid >= c->threads || atomic_fetch_add(&c->busy[tid], 1) != 0)
		atomic_fetch_add(&c->bad, 1);
	atomic_fetch_add(&c->seen[i], 1);
	if (tid >= 0 && tid < 16)
		atomic_fetch_sub(&c->busy[tid], 1);
}

static void test_for(void **state)
{
	int threads[] = {1, 2, 3, 8};
	size_t k, i;

	(void)state;
	for (k = 0; k < sizeof threads / sizeof *threads; k++) {
		ig_pool *p = ig_pool_new(threads[k]);
		for_check *c = calloc(1, sizeof *c);

		assert_int_equal(ig_pool_threads(p), threads[k]);
		c->threads = threads[k];
		ig_pool_for(p, N, mark, c);
		for (i = 0; i < N; i++)
			assert_int_equal(atomic_load(&c->seen[i]), 1);
		assert_int_equal(atomic_load(&c->bad), 0);
		/* Fewer indices than threads, and none. */
		ig_pool_for(p, 2, mark, c);
		ig_pool_for(p, 0, mark, c);
		assert_int_equal(atomic_load(&c->seen[0]), 2);
		assert_int_equal(atomic_load(&c->seen[1]), 2);
		assert_int_equal(atomic_load(&c->seen[2]), 1);
		free(c);
		ig_pool_free(p);
	}
}

typedef struct item {
	int value, squared;
} item;

typedef struct pipe_check {
	int depth;
	atomic_int in_flight, worst;
	int next_done, bad_order;
	ig_pipe *inner;        /* DONE forwards here when set */
	int *inner_log, inner_n;
} pipe_check;

static void square(void *ctx, void *it)
{
	pipe_check *c = ctx;
	item *x = it;
	int now = atomic_fetch_add(&c->in_flight, 1) + 1, w = atomic_load(&c->worst);
	struct timespec ts = {0, (long)(x->value * 7919 % 13) * 20000};

	while (now > w && !atomic_compare_exchange_weak(&c->worst, &w, now))
		;
	nanosleep(&ts, NULL); /* uneven work, so items finish out of order */
	x->squared = x->value * x->value;
	atomic_fetch_sub(&c->in_flight, 1);
}

static void check_order(void *ctx, void *it)
{
	pipe_check *c = ctx;
	item *x = it;

	if (x->value != c->next_done || x->squared != x->value * x->value)
		c->bad_order++;
	c->next_done++;
	if (c->inner != NULL)
		ig_pipe_push(c->inner, it);
}

static void log_inner(void *ctx, void *it)
{
	pipe_check *c = ctx;

	c->inner_log[c->inner_n++] = ((item *)it)->squared;
}

static void test_pipe(void **state)
{
	int threads[] = {1, 2, 4}, depths[] = {1, 3};
	size_t k, d;
	int i, n = 300;

	(void)state;
	for (k = 0; k < sizeof threads / sizeof *threads; k++)
		for (d = 0; d < sizeof depths / sizeof *depths; d++) {
			ig_pool *p = ig_pool_new(threads[k]);
			item *items = calloc((size_t)n, sizeof *items);
			pipe_check c = {0}, ic = {0};
			ig_pipe *q, *inner;

			c.depth = depths[d];
			ic.inner_log = calloc((size_t)n, sizeof *ic.inner_log);
			inner = ig_pipe_new(p, 2, square, log_inner, &ic);
			c.inner = inner;
			q = ig_pipe_new(p, depths[d], square, check_order, &c);
			for (i = 0; i < n; i++) {
				items[i].value = i;
				ig_pipe_push(q, &items[i]);
			}
			/* a flush hands back every item before the end */
			ig_pipe_flush(q, 0);
			assert_int_equal(c.next_done, n);
			ig_pipe_end(q);
			ig_pipe_end(inner);
			assert_int_equal(c.next_done, n);
			assert_int_equal(c.bad_order, 0);
			assert_true(atomic_load(&c.worst) <= depths[d]);
			assert_int_equal(ic.inner_n, n);
			for (i = 0; i < n; i++)
				assert_int_equal(ic.inner_log[i], i * i);
			free(ic.inner_log);
			free(items);
			ig_pool_free(p);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_for),
		cmocka_unit_test(test_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
