/* Training: every engagement is an example (the user as they were just
 * before it, and the item), shuffled each epoch and cut into batches; the
 * pool's threads share each batch's parts and take one synchronous
 * Adagrad step a batch, so any number of threads gives the same model
 * under the seed. Then the embedding of items and users with a trained
 * model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "tower/ig_tower_priv.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Slices of the dense parameters that the threads sum and step. */
#define DENSE_SLICES 16

typedef struct train_job {
	ig_tower_model *m;
	const ig_tower_catalog *cat;
	const ig_tower_corpus *c;
	const ig_tower_opts *o;
	ig_tower_ws *ws;
} train_job;

static void forward_part(void *arg, size_t p, int tid)
{
	train_job *j = arg;

	(void)tid;
	ig_tower_part_forward(j->m, j->cat, j->c, j->ws, (uint32_t)p);
}

static void softmax_part(void *arg, size_t p, int tid)
{
	train_job *j = arg;

	(void)tid;
	ig_tower_part_softmax(j->m, j->ws, (uint32_t)p);
}

static void backward_part(void *arg, size_t p, int tid)
{
	train_job *j = arg;

	(void)tid;
	ig_tower_part_backward(j->m, j->ws, (uint32_t)p);
}

static void dense_slice(void *arg, size_t s, int tid)
{
	train_job *j = arg;
	size_t n = j->m->ndense;

	(void)tid;
	ig_tower_dense_step(j->m, j->ws, n * s / DENSE_SLICES, n * (s + 1) / DENSE_SLICES, (float)j->o->lr);
}

/* FN for each of N parts: on the pool's threads, or here. */
static void each(const ig_tower_opts *o, size_t n, void (*fn)(void *, size_t, int), train_job *j)
{
	size_t p;

	if (o->pool)
		ig_pool_for(o->pool, n, fn, j);
	else
		for (p = 0; p < n; p++)
			fn(j, p, 0);
}

/* One batch: EX, N examples; returns its loss. */
static double train_batch(train_job *j, const uint64_t *ex, uint32_t n, const float *logq, ig_rng *rng)
{
	size_t parts = (n + IG_TOWER_PART - 1) / IG_TOWER_PART;

	ig_tower_batch_begin(j->m, j->cat, j->c, ex, n, logq, rng, j->ws);
	each(j->o, parts, forward_part, j);
	each(j->o, parts, softmax_part, j);
	each(j->o, parts, backward_part, j);
	each(j->o, DENSE_SLICES, dense_slice, j);
	ig_tower_rows_step(j->m, j->ws, (float)j->o->lr);
	return ig_tower_batch_loss(j->ws);
}

/* log of each item's share of the examples: the probability that it is
 * drawn as an in-batch negative. */
static float *sampling_logq(const ig_tower_catalog *cat, const ig_tower_corpus *c)
{
	float *q = ig_calloc(cat->n ? cat->n : 1, sizeof *q);
	uint64_t i;
	uint32_t k;

	for (i = 0; i < c->n; i++)
		q[c->item[i]] += 1;
	for (k = 0; k < cat->n; k++)
		q[k] = (float)log((q[k] > 0 ? (double)q[k] : 0.5) / (double)c->n);
	return q;
}

void ig_tower_train(ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
		    const ig_tower_opts *o, ig_tower_epoch *last)
{
	uint64_t *order = ig_reallocarray(NULL, c->n ? c->n : 1, sizeof *order), i, b;
	uint64_t nbatches = (c->n + o->batch - 1) / o->batch;
	float *logq = o->logq ? sampling_logq(cat, c) : NULL;
	train_job j;
	ig_rng rng;
	int epoch;

	memset(&j, 0, sizeof j);
	memset(last, 0, sizeof *last);
	j.m = m;
	j.cat = cat;
	j.c = c;
	j.o = o;
	j.ws = ig_tower_ws_new(m, o->batch);
	for (i = 0; i < c->n; i++)
		order[i] = i;
	for (epoch = 0; epoch < o->epochs && c->n > 0; epoch++) {
		double start = now(), loss = 0;
		ig_tower_epoch e;

		ig_rng_seed_stream(&rng, o->seed, UINT64_C(1) << 40 | (uint64_t)epoch);
		for (i = c->n - 1; i > 0; i--) {
			uint64_t k = ig_rng_below(&rng, i + 1), x = order[i];

			order[i] = order[k];
			order[k] = x;
		}
		for (b = 0; b < nbatches; b++) {
			uint64_t first = b * o->batch;
			uint32_t n = (uint32_t)(c->n - first < o->batch ? c->n - first : o->batch);
			double bl;

			ig_rng_seed_stream(&rng, o->seed, (uint64_t)epoch * nbatches + b);
			bl = train_batch(&j, order + first, n, logq, &rng);
			loss += bl * n;
			if (o->progress != NULL && b % 64 == 0)
				o->progress(o->ctx, ((double)epoch + (double)b / (double)nbatches) / o->epochs, bl);
		}
		e.epoch = epoch + 1;
		e.loss = loss / (double)c->n;
		e.examples = c->n;
		e.seconds = now() - start;
		*last = e;
		if (o->epoch_done)
			o->epoch_done(o->ctx, &e);
		if (!isfinite(e.loss))
			ig_die("training diverged (loss %g at epoch %d): lower --lr or raise --temperature", e.loss,
			       e.epoch);
	}
	ig_tower_ws_free(j.ws);
	free(order);
	free(logq);
}

/* ---- embedding with a trained model ---- */

struct ig_tower_scratch {
	ig_tower_bag bag;
	float *x, *h, *z;
};

ig_tower_scratch *ig_tower_scratch_new(const ig_tower_model *m)
{
	ig_tower_scratch *s = ig_calloc(1, sizeof *s);

	s->x = ig_reallocarray(NULL, m->mlp[IG_TOWER_USER].in, sizeof(float));
	s->h = ig_reallocarray(NULL, m->o.hidden, sizeof(float));
	s->z = ig_reallocarray(NULL, m->o.dim, sizeof(float));
	return s;
}

void ig_tower_scratch_free(ig_tower_scratch *s)
{
	if (s == NULL)
		return;
	ig_tower_bag_free(&s->bag);
	free(s->x);
	free(s->h);
	free(s->z);
	free(s);
}

void ig_tower_embed_item(const ig_tower_model *m, const ig_tower_catalog *cat, uint32_t i, int64_t at,
			 ig_tower_scratch *s, float *out)
{
	ig_tower_bag_item(m, cat, i, at, 0, &s->bag);
	ig_tower_bag_pool(m, IG_TOWER_ITEM, &s->bag, s->x);
	ig_tower_forward(m, IG_TOWER_ITEM, s->x, s->h, s->z, out);
}

void ig_tower_embed_user(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_user *u,
			 int64_t at, ig_tower_scratch *s, float *out)
{
	ig_tower_bag_user(m, cat, u, at, &s->bag);
	ig_tower_bag_pool(m, IG_TOWER_USER, &s->bag, s->x);
	ig_tower_forward(m, IG_TOWER_USER, s->x, s->h, s->z, out);
}
