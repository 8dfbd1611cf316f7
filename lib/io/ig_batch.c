/* The ordered per-user pipeline over ig_pipe: one pipe item per user, so
 * that uneven users spread over the threads; the item that ends a batch
 * writes it. */
#include "io/ig_batch.h"

#include <stdlib.h>

#include "core/ig_err.h"

/* Users in flight at once: enough for every thread to find work while a
 * slow user holds the head of the line. */
#define DEPTH_PER_THREAD 64

typedef struct user_item {
	void *batch;
	size_t i, n; /* user I of the N of BATCH */
} user_item;

typedef struct run {
	ig_pool *pool;
	const ig_batch_ops *ops;
	void *ctx;
} run;

typedef struct buffer {
	void *batch;
	user_item *item;
	size_t n, cap;
} buffer;

static void user_work(void *arg, void *it)
{
	run *r = arg;
	user_item *u = it;

	r->ops->user(r->ctx, u->batch, u->i, ig_pool_self(r->pool));
}

static void user_done(void *arg, void *it)
{
	run *r = arg;
	user_item *u = it;

	if (u->i + 1 == u->n)
		r->ops->write(r->ctx, u->batch, u->n);
}

static void fill(run *r, buffer *b)
{
	size_t i;

	b->n = r->ops->read(r->ctx, b->batch);
	if (b->n > b->cap) {
		b->cap = b->n;
		b->item = ig_reallocarray(b->item, b->cap, sizeof *b->item);
	}
	for (i = 0; i < b->n; i++) {
		b->item[i].batch = b->batch;
		b->item[i].i = i;
		b->item[i].n = b->n;
	}
}

uint64_t ig_batch_run(ig_pool *pool, const ig_batch_ops *ops, void *ctx, void *a, void *b)
{
	run r = {pool, ops, ctx};
	buffer buf[2] = {{a, NULL, 0, 0}, {b ? b : a, NULL, 0, 0}};
	size_t depth = (size_t)ig_pool_threads(pool) * DEPTH_PER_THREAD;
	ig_pipe *q = ig_pipe_new(pool, (int)depth, user_work, user_done, &r);
	int cur = 0;
	uint64_t users = 0;
	size_t i;

	fill(&r, &buf[cur]);
	while (buf[cur].n > 0) {
		buffer *now = &buf[cur], *next = &buf[1 - cur];

		for (i = 0; i < now->n; i++)
			ig_pipe_push(q, &now->item[i]);
		users += now->n;
		/* the batch before, in NEXT, is written once no more than NOW's
		 * users are in flight; with one batch object NOW must be too */
		ig_pipe_flush(q, b ? (int)(now->n < depth ? now->n : depth) : 0);
		fill(&r, next);
		cur = 1 - cur;
	}
	ig_pipe_end(q);
	free(buf[0].item);
	free(buf[1].item);
	return users;
}
