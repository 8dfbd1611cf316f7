/* The ordered per-user pipeline (lib/io/ig_batch.c): users of uneven cost
 * come out in input order for any number of threads, with one batch
 * object or two; a batch is never read into while its users run or
 * before it is written; each thread number runs one user at a time; an
 * error in a worker or in the reader ends the run with its message;
 * empty input writes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ig_err.h"
#include "io/ig_batch.h"
#include "expect_exit.h"

#define USERS 3000
#define MAX_BATCH 40

enum { EMPTY, FILLED, WRITTEN };

typedef struct batch {
	int id[MAX_BATCH];
	long result[MAX_BATCH];
	atomic_int done[MAX_BATCH];
	atomic_int state;
	atomic_int running; /* users of this batch in flight */
} batch;

typedef struct ctx {
	int next, total;    /* next user to read, of TOTAL */
	int threads, nbatch;
	long log[USERS];
	int nlog;
	atomic_int busy[16];
	atomic_int bad;
	atomic_int in_flight;
	int die_at;         /* a user whose work dies; -1 none */
	int die_reading;    /* read dies at this user; -1 none */
	unsigned size_seed;
} ctx;

static long expected(int id)
{
	return (long)id * id + 7;
}

static size_t read_users(void *arg, void *bp)
{
	ctx *c = arg;
	batch *b = bp;
	size_t n, i;

	/* the batch before in this object was written; none of its users runs */
	if (atomic_load(&b->state) == FILLED || atomic_load(&b->running) != 0)
		atomic_fetch_add(&c->bad, 1);
	if (c->nbatch == 1 && atomic_load(&c->in_flight) != 0)
		atomic_fetch_add(&c->bad, 1);
	c->size_seed = c->size_seed * 1103515245u + 12345u;
	n = 1 + (c->size_seed >> 16) % MAX_BATCH;
	if (n > (size_t)(c->total - c->next))
		n = (size_t)(c->total - c->next);
	for (i = 0; i < n; i++) {
		if (c->next == c->die_reading)
			ig_die("reading user %d failed", c->next);
		b->id[i] = c->next++;
		atomic_store(&b->done[i], 0);
	}
	atomic_store(&b->state, n ? FILLED : EMPTY);
	return n;
}

static void work_user(void *arg, void *bp, size_t i, int tid)
{
	ctx *c = arg;
	batch *b = bp;
	int id = b->id[i];

	atomic_fetch_add(&c->in_flight, 1);
	atomic_fetch_add(&b->running, 1);
	if (tid < 0 || tid >= c->threads || atomic_fetch_add(&c->busy[tid], 1) != 0)
		atomic_fetch_add(&c->bad, 1);
	if (atomic_load(&b->state) != FILLED)
		atomic_fetch_add(&c->bad, 1);
	if (id == c->die_at)
		ig_die("user %d failed", id);
	/* uneven work: every 97th user sleeps, so later users finish first */
	if (id % 97 == 0) {
		struct timespec ts = {0, 2000000};

		nanosleep(&ts, NULL);
	}
	b->result[i] = expected(id);
	atomic_store(&b->done[i], 1);
	if (tid >= 0 && tid < 16)
		atomic_fetch_sub(&c->busy[tid], 1);
	atomic_fetch_sub(&b->running, 1);
	atomic_fetch_sub(&c->in_flight, 1);
}

static void write_users(void *arg, void *bp, size_t n)
{
	ctx *c = arg;
	batch *b = bp;
	size_t i;

	if (atomic_load(&b->state) != FILLED)
		atomic_fetch_add(&c->bad, 1);
	for (i = 0; i < n; i++) {
		if (!atomic_load(&b->done[i]))
			atomic_fetch_add(&c->bad, 1);
		c->log[c->nlog++] = b->result[i];
	}
	atomic_store(&b->state, WRITTEN);
}

static const ig_batch_ops ops = {read_users, work_user, write_users};

static uint64_t run_ctx(ctx *c, int threads, int nbatch)
{
	ig_pool *p = ig_pool_new(threads);
	batch *b = calloc(2, sizeof *b);
	uint64_t users;

	c->threads = threads;
	c->nbatch = nbatch;
	users = ig_batch_run(p, &ops, c, &b[0], nbatch == 2 ? &b[1] : NULL);
	ig_pool_free(p);
	free(b);
	return users;
}

static void init(ctx *c, int total)
{
	memset(c, 0, sizeof *c);
	c->total = total;
	c->die_at = c->die_reading = -1;
	c->size_seed = 5;
}

static void test_order(void **state)
{
	int threads[] = {1, 2, 4}, nb, k, i;

	(void)state;
	for (k = 0; k < 3; k++)
		for (nb = 1; nb <= 2; nb++) {
			ctx *c = malloc(sizeof *c);

			init(c, USERS);
			assert_int_equal(run_ctx(c, threads[k], nb), USERS);
			assert_int_equal(atomic_load(&c->bad), 0);
			assert_int_equal(c->nlog, USERS);
			for (i = 0; i < USERS; i++)
				assert_int_equal(c->log[i], expected(i));
			free(c);
		}
}

static void test_empty(void **state)
{
	ctx *c = malloc(sizeof *c);
	int k;

	(void)state;
	for (k = 1; k <= 2; k++) {
		init(c, 0);
		assert_int_equal(run_ctx(c, k, 2), 0);
		assert_int_equal(c->nlog, 0);
		assert_int_equal(atomic_load(&c->bad), 0);
	}
	free(c);
}

static int die_threads;

static void run_dying_worker(void *arg)
{
	ctx *c = malloc(sizeof *c);

	init(c, USERS);
	c->die_at = *(int *)arg;
	run_ctx(c, die_threads, 2);
	free(c);
}

static void run_dying_reader(void *arg)
{
	ctx *c = malloc(sizeof *c);

	init(c, USERS);
	c->die_reading = *(int *)arg;
	run_ctx(c, die_threads, 2);
	free(c);
}

static void test_errors(void **state)
{
	char err[512];
	int at = 1234;

	(void)state;
	ig_progname = "test";
	for (die_threads = 1; die_threads <= 3; die_threads += 2) {
		assert_int_equal(run_expect_exit(run_dying_worker, &at, err, sizeof err), 1);
		assert_string_equal(err, "test: user 1234 failed\n");
		assert_int_equal(run_expect_exit(run_dying_reader, &at, err, sizeof err), 1);
		assert_string_equal(err, "test: reading user 1234 failed\n");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
