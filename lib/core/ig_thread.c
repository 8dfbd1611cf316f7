#include "core/ig_thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/ig_err.h"

typedef struct job {
	void (*fn)(void *arg);
	void *arg;
	struct job *next;
} job;

struct ig_pool {
	int nthreads;
	int started;           /* threads that have taken their number */
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	job *head, *tail;
	int stop;
};

/* The pool the calling thread belongs to, and its number there. */
static _Thread_local const ig_pool *self_pool;
static _Thread_local int self_index;

static void *pool_thread(void *arg)
{
	ig_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	self_pool = p;
	self_index = p->started++;
	for (;;) {
		job *j;

		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->head == NULL)
			break;
		j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

ig_pool *ig_pool_new(int threads)
{
	ig_pool *p = ig_calloc(1, sizeof *p);
	int i;

	p->nthreads = threads < 1 ? 1 : threads;
	if (p->nthreads == 1)
		return p;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->tid = ig_calloc((size_t)p->nthreads, sizeof *p->tid);
	for (i = 0; i < p->nthreads; i++)
		if (pthread_create(&p->tid[i], NULL, pool_thread, p) != 0)
			ig_die("cannot start a thread");
	return p;
}

void ig_pool_free(ig_pool *p)
{
	int i;

	if (p == NULL)
		return;
	if (p->nthreads > 1) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		for (i = 0; i < p->nthreads; i++)
			pthread_join(p->tid[i], NULL);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		free(p->tid);
	}
	free(p);
}

int ig_pool_threads(const ig_pool *p)
{
	return p != NULL ? p->nthreads : 1;
}

int ig_pool_self(const ig_pool *p)
{
	return self_pool == p ? self_index : 0;
}

/* Queues FN(ARG); with one thread runs it now. */
static void submit(ig_pool *p, void (*fn)(void *), void *arg)
{
	job *j;

	if (p->nthreads == 1) {
		fn(arg);
		return;
	}
	j = ig_malloc(sizeof *j);
	j->fn = fn;
	j->arg = arg;
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->tail != NULL)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* ---- parallel for ---- */

typedef struct for_run {
	void (*fn)(void *arg, size_t i, int tid);
	void *arg;
	size_t n;
	atomic_size_t next;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} for_run;

typedef struct for_runner {
	for_run *r;
	int tid;
} for_runner;

static void for_loop(void *arg)
{
	for_runner *me = arg;
	for_run *r = me->r;
	size_t i;

	while ((i = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed)) < r->n)
		r->fn(r->arg, i, me->tid);
	pthread_mutex_lock(&r->mu);
	if (--r->running == 0)
		pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void ig_pool_for(ig_pool *p, size_t n, void (*fn)(void *arg, size_t i, int tid), void *arg)
{
	for_run r;
	for_runner *runners;
	int t, nrun;
	size_t i;

	if (p == NULL || p->nthreads == 1 || n <= 1) {
		for (i = 0; i < n; i++)
			fn(arg, i, 0);
		return;
	}
	nrun = (size_t)p->nthreads < n ? p->nthreads : (int)n;
	r.fn = fn;
	r.arg = arg;
	r.n = n;
	atomic_init(&r.next, 0);
	r.running = nrun;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	runners = ig_calloc((size_t)nrun, sizeof *runners);
	for (t = 0; t < nrun; t++) {
		runners[t].r = &r;
		runners[t].tid = t;
		submit(p, for_loop, &runners[t]);
	}
	pthread_mutex_lock(&r.mu);
	while (r.running > 0)
		pthread_cond_wait(&r.cv, &r.mu);
	pthread_mutex_unlock(&r.mu);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	free(runners);
}

/* ---- ordered pipeline ---- */

typedef struct pipe_slot {
	ig_pipe *q;
	void *item;
	int ready;
} pipe_slot;

struct ig_pipe {
	ig_pool *pool;
	void (*work)(void *ctx, void *item);
	void (*done)(void *ctx, void *item);
	void *ctx;
	pipe_slot *ring;
	int depth, head, count;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

ig_pipe *ig_pipe_new(ig_pool *p, int depth, void (*work)(void *ctx, void *item),
		     void (*done)(void *ctx, void *item), void *ctx)
{
	ig_pipe *q = ig_calloc(1, sizeof *q);

	q->pool = p;
	q->work = work;
	q->done = done;
	q->ctx = ctx;
	q->depth = depth < 1 ? 1 : depth;
	q->ring = ig_calloc((size_t)q->depth, sizeof *q->ring);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	return q;
}

static void pipe_work(void *arg)
{
	pipe_slot *s = arg;
	ig_pipe *q = s->q;

	q->work(q->ctx, s->item);
	pthread_mutex_lock(&q->mu);
	s->ready = 1;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Runs DONE on the finished items at the head, in order; waits for the
 * head while more than KEEP items are in flight. Called with the lock. */
static void pipe_drain(ig_pipe *q, int keep)
{
	while (q->count > 0) {
		pipe_slot *s = &q->ring[q->head];

		if (!s->ready) {
			if (q->count <= keep)
				return;
			pthread_cond_wait(&q->cv, &q->mu);
			continue;
		}
		q->head = (q->head + 1) % q->depth;
		q->count--;
		pthread_mutex_unlock(&q->mu);
		if (q->done != NULL)
			q->done(q->ctx, s->item);
		pthread_mutex_lock(&q->mu);
	}
}

void ig_pipe_push(ig_pipe *q, void *item)
{
	pipe_slot *s;

	if (q->pool->nthreads == 1) {
		q->work(q->ctx, item);
		if (q->done != NULL)
			q->done(q->ctx, item);
		return;
	}
	pthread_mutex_lock(&q->mu);
	pipe_drain(q, q->depth - 1);
	s = &q->ring[(q->head + q->count) % q->depth];
	s->q = q;
	s->item = item;
	s->ready = 0;
	q->count++;
	pthread_mutex_unlock(&q->mu);
	submit(q->pool, pipe_work, s);
}

void ig_pipe_flush(ig_pipe *q, int keep)
{
	if (q->pool->nthreads == 1)
		return;
	pthread_mutex_lock(&q->mu);
	pipe_drain(q, keep < 0 ? 0 : keep);
	pthread_mutex_unlock(&q->mu);
}

void ig_pipe_end(ig_pipe *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	pipe_drain(q, 0);
	pthread_mutex_unlock(&q->mu);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q->ring);
	free(q);
}
