/* Training: every engagement is an example (the user as they were just
 * before it, and the item), shuffled each epoch and cut into batches that
 * the pool's threads take in turn, updating the shared parameters without
 * locks (hogwild); one thread is deterministic under the seed. Then the
 * embedding of items and users with a trained model. */
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

typedef struct train_job {
	ig_tower_model *m;
	const ig_tower_catalog *cat;
	const ig_tower_corpus *c;
	const ig_tower_opts *o;
	const uint64_t *order;
	const float *logq;
	uint64_t nbatches;
	int epoch, workers;
	ig_tower_ws **ws;
	double *loss;        /* per worker: sum of batch loss x batch size */
	uint64_t *done;      /* per worker: batches */
} train_job;

static void train_worker(void *arg, size_t wi, int tid)
{
	train_job *j = arg;
	uint64_t b;
	ig_rng rng;

	for (b = wi; b < j->nbatches; b += (uint64_t)j->workers) {
		uint64_t first = b * j->o->batch;
		uint32_t n = (uint32_t)(j->c->n - first < j->o->batch ? j->c->n - first : j->o->batch);
		double loss;

		ig_rng_seed_stream(&rng, j->o->seed, (uint64_t)j->epoch * j->nbatches + b);
		loss = ig_tower_batch_grad(j->m, j->cat, j->c, j->order + first, n, j->logq, &rng, j->ws[tid]);
		ig_tower_batch_apply(j->m, j->ws[tid], (float)j->o->lr);
		j->loss[wi] += loss * n;
		j->done[wi]++;
		if (wi == 0 && j->o->progress != NULL && b % 64 == 0)
			j->o->progress(j->o->ctx, ((double)j->epoch + (double)b / (double)j->nbatches) / j->o->epochs,
				       loss);
	}
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
	int threads = o->pool ? ig_pool_threads(o->pool) : 1, t;
	uint64_t *order = ig_reallocarray(NULL, c->n ? c->n : 1, sizeof *order), i;
	float *logq = o->logq ? sampling_logq(cat, c) : NULL;
	train_job j;
	ig_rng rng;

	memset(&j, 0, sizeof j);
	memset(last, 0, sizeof *last);
	j.m = m;
	j.cat = cat;
	j.c = c;
	j.o = o;
	j.order = order;
	j.logq = logq;
	j.nbatches = (c->n + o->batch - 1) / o->batch;
	j.workers = threads;
	j.ws = ig_calloc((size_t)threads, sizeof *j.ws);
	for (t = 0; t < threads; t++)
		j.ws[t] = ig_tower_ws_new(m, o->batch);
	j.loss = ig_calloc((size_t)threads, sizeof *j.loss);
	j.done = ig_calloc((size_t)threads, sizeof *j.done);
	for (i = 0; i < c->n; i++)
		order[i] = i;
	for (j.epoch = 0; j.epoch < o->epochs && c->n > 0; j.epoch++) {
		double start = now(), loss = 0;
		ig_tower_epoch e;

		ig_rng_seed_stream(&rng, o->seed, UINT64_C(1) << 40 | (uint64_t)j.epoch);
		for (i = c->n - 1; i > 0; i--) {
			uint64_t k = ig_rng_below(&rng, i + 1), x = order[i];

			order[i] = order[k];
			order[k] = x;
		}
		memset(j.loss, 0, (size_t)threads * sizeof *j.loss);
		if (o->pool)
			ig_pool_for(o->pool, (size_t)threads, train_worker, &j);
		else
			train_worker(&j, 0, 0);
		for (t = 0; t < threads; t++)
			loss += j.loss[t];
		e.epoch = j.epoch + 1;
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
	for (t = 0; t < threads; t++)
		ig_tower_ws_free(j.ws[t]);
	free(j.ws);
	free(j.loss);
	free(j.done);
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
