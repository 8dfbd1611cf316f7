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
	float *avg;            /* the parameters' moving average (NULL: none) */
	size_t nparams;
	float avg_rate;        /* this step's weight of the new values */
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

static void average_slice(void *arg, size_t s, int tid)
{
	train_job *j = arg;

	(void)tid;
	ig_tower_params_average(j->m, j->avg, j->nparams * s / DENSE_SLICES, j->nparams * (s + 1) / DENSE_SLICES,
				j->avg_rate);
}

/* One batch: EX, N examples; returns its loss. */
static double train_batch(train_job *j, const uint64_t *ex, uint32_t n, const float *logq, ig_rng *rng)
{
	size_t parts;

	ig_tower_batch_begin(j->m, j->cat, j->c, ex, n, logq, rng, j->ws);
	parts = ig_tower_ws_parts(j->ws);
	ig_pool_for(j->o->pool, parts, forward_part, j);
	ig_pool_for(j->o->pool, parts, softmax_part, j);
	ig_pool_for(j->o->pool, parts, backward_part, j);
	ig_pool_for(j->o->pool, DENSE_SLICES, dense_slice, j);
	ig_tower_rows_step(j->m, j->ws, (float)j->o->lr);
	if (j->avg != NULL)
		ig_pool_for(j->o->pool, DENSE_SLICES, average_slice, j);
	return ig_tower_batch_loss(j->ws);
}

/* The moving average's weight of step T's values (T from 1): the mean
 * of the steps so far, until there are H of them, then 1 / H; at most
 * 1 (H under a step: the last step's values). The first step's values
 * replace the initial ones, which no step chose. */
float ig_tower_average_rate(uint64_t t, double h)
{
	if (h < 1)
		h = 1;
	return (float)(t < h ? 1 / (double)t : 1 / h);
}

/* log of each item's expected share of a batch's columns: its share of
 * the examples (an in-batch column), plus, with U, the uniform draws'
 * 1 / U->n times their count over the batch's (Yang et al.'s mixed
 * proposal), up to a constant. */
static float *sampling_logq(const ig_tower_catalog *cat, const ig_tower_corpus *c, const uint64_t *ex, uint64_t n,
			    const ig_tower_uniform *u, uint32_t batch)
{
	float *q = ig_calloc(cat->n ? cat->n : 1, sizeof *q);
	double drawn = u ? (double)u->per_batch / batch / u->n : 0;
	uint64_t i;
	uint32_t k;

	for (i = 0; i < n; i++)
		q[c->item[ex[i]]] += 1;
	for (k = 0; k < cat->n; k++)
		q[k] = (float)(q[k] > 0 ? log((double)q[k] / (double)n + drawn) : log(0.5 / (double)n));
	return q;
}

ig_tower_uniform *ig_tower_uniform_new(const ig_tower_corpus *c, const uint64_t *order, uint64_t n,
				       uint32_t per_batch)
{
	uint32_t nitems = 0, k, *rank;
	ig_tower_uniform *u;
	uint64_t i;

	if (per_batch == 0 || n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (c->item[order[i]] + 1 > nitems)
			nitems = c->item[order[i]] + 1;
	/* rank[item]: 1 + its number among the items with an example */
	rank = ig_calloc(nitems, sizeof *rank);
	u = ig_calloc(1, sizeof *u);
	for (i = 0; i < n; i++)
		rank[c->item[order[i]]] = 1;
	for (k = 0; k < nitems; k++)
		if (rank[k])
			rank[k] = ++u->n;
	u->per_batch = per_batch;
	u->start = ig_calloc((size_t)u->n + 1, sizeof *u->start);
	u->ex = ig_reallocarray(NULL, n, sizeof *u->ex);
	/* counted at start[k + 1], then summed: start[k] is where item k's
	 * examples begin, then its end as they are placed, in ORDER's order */
	for (i = 0; i < n; i++)
		u->start[rank[c->item[order[i]]]]++;
	for (k = 0; k < u->n; k++)
		u->start[k + 1] += u->start[k];
	for (i = 0; i < n; i++)
		u->ex[u->start[rank[c->item[order[i]]] - 1]++] = order[i];
	/* back: each start is the previous item's end */
	for (k = u->n; k > 0; k--)
		u->start[k] = u->start[k - 1];
	u->start[0] = 0;
	free(rank);
	return u;
}

void ig_tower_uniform_free(ig_tower_uniform *u)
{
	if (u == NULL)
		return;
	free(u->start);
	free(u->ex);
	free(u);
}

/* Early stopping's state: the held-out split, the best epoch and a copy
 * of its parameters. */
typedef struct stopper {
	ig_tower_holdout *h;
	double best;
	int best_epoch;
	float *kept;
} stopper;

/* Scores epoch E on the held-out split; returns whether to stop. */
static int stopper_epoch(stopper *st, ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			 const ig_tower_opts *o, ig_tower_epoch *e)
{
	e->held_out = -1;
	e->best = 0;
	e->best_held_out = -1;
	e->k = 0;
	if (st->h == NULL)
		return 0;
	e->k = st->h->k;
	e->held_out = ig_tower_holdout_score(m, cat, c, st->h, o->pool);
	if (st->best_epoch == 0 || e->held_out > st->best) {
		st->best = e->held_out;
		st->best_epoch = e->epoch;
		if (e->epoch < o->epochs)
			ig_tower_params_get(m, st->kept);
	}
	e->best = st->best_epoch;
	e->best_held_out = st->best;
	return e->epoch - st->best_epoch >= o->patience;
}

/* O's recall@K, with K at most a tenth of the catalog: on a small one,
 * every item would be among the K best, and no epoch better than another. */
static uint32_t holdout_k(const ig_tower_opts *o, const ig_tower_catalog *cat)
{
	uint32_t tenth = cat->n / 10 > 0 ? cat->n / 10 : 1;

	return o->holdout_k < tenth ? o->holdout_k : tenth;
}

/* The training examples, in C's order: every engagement not held out. */
static uint64_t examples(const ig_tower_corpus *c, const ig_tower_holdout *h, uint64_t *order)
{
	uint64_t i, n = 0;

	for (i = 0; i < c->n; i++)
		if (h == NULL || !h->held[i])
			order[n++] = i;
	return n;
}

void ig_tower_train(ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
		    const ig_tower_opts *o, ig_tower_epoch *last)
{
	uint64_t *order = ig_reallocarray(NULL, c->n ? c->n : 1, sizeof *order), i, b, nex;
	uint64_t nbatches, steps = 0;
	ig_tower_uniform *uniform;
	float *logq;
	stopper st;
	train_job j;
	ig_rng rng;
	int epoch;

	memset(&j, 0, sizeof j);
	memset(&st, 0, sizeof st);
	memset(last, 0, sizeof *last);
	last->held_out = -1;
	if (o->patience > 0) {
		st.h = ig_tower_holdout_new(c, o->holdout_users, holdout_k(o, cat));
		st.kept = ig_reallocarray(NULL, ig_tower_params_count(m), sizeof(float));
	}
	if (st.h != NULL && st.h->n == 0) {
		/* no user with two engagements: nothing to stop by */
		ig_tower_holdout_free(st.h);
		st.h = NULL;
	}
	nex = examples(c, st.h, order);
	nbatches = (nex + o->batch - 1) / o->batch;
	uniform = ig_tower_uniform_new(c, order, nex, o->uniform_negatives);
	logq = o->logq ? sampling_logq(cat, c, order, nex, uniform, o->batch) : NULL;
	j.m = m;
	j.cat = cat;
	j.c = c;
	j.o = o;
	j.ws = ig_tower_ws_new(m, o->batch, uniform);
	if (o->average > 0) {
		j.nparams = ig_tower_params_count(m);
		j.avg = ig_reallocarray(NULL, j.nparams ? j.nparams : 1, sizeof(float));
		ig_tower_params_get(m, j.avg);
	}
	for (epoch = 0; epoch < o->epochs && nex > 0; epoch++) {
		double start = now(), loss = 0;
		ig_tower_epoch e;
		int stop;

		ig_rng_seed_stream(&rng, o->seed, UINT64_C(1) << 40 | (uint64_t)epoch);
		for (i = nex - 1; i > 0; i--) {
			uint64_t k = ig_rng_below(&rng, i + 1), x = order[i];

			order[i] = order[k];
			order[k] = x;
		}
		for (b = 0; b < nbatches; b++) {
			uint64_t first = b * o->batch;
			uint32_t n = (uint32_t)(nex - first < o->batch ? nex - first : o->batch);
			double bl;

			ig_rng_seed_stream(&rng, o->seed, (uint64_t)epoch * nbatches + b);
			j.avg_rate = ig_tower_average_rate(++steps, o->average * (double)nbatches);
			bl = train_batch(&j, order + first, n, logq, &rng);
			loss += bl * n;
			if (o->progress != NULL && b % 64 == 0)
				o->progress(o->ctx, ((double)epoch + (double)b / (double)nbatches) / o->epochs, bl);
		}
		e.epoch = epoch + 1;
		e.loss = loss / (double)nex;
		e.examples = nex;
		if (!isfinite(e.loss))
			ig_die("training diverged (loss %g at epoch %d): lower --lr or raise --temperature", e.loss,
			       e.epoch);
		/* the average is what is scored, and kept */
		if (j.avg != NULL)
			ig_tower_params_swap(m, j.avg);
		stop = stopper_epoch(&st, m, cat, c, o, &e);
		if (j.avg != NULL)
			ig_tower_params_swap(m, j.avg);
		e.seconds = now() - start;
		*last = e;
		if (o->epoch_done)
			o->epoch_done(o->ctx, &e);
		if (stop)
			break;
	}
	/* the best epoch's parameters, unless they are the last's */
	if (st.best_epoch > 0 && st.best_epoch < last->epoch)
		ig_tower_params_set(m, st.kept);
	else if (j.avg != NULL)
		ig_tower_params_set(m, j.avg);
	free(j.avg);
	ig_tower_holdout_free(st.h);
	free(st.kept);
	ig_tower_ws_free(j.ws);
	ig_tower_uniform_free(uniform);
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
