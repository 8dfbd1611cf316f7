/* Early stopping's held-out split: the last engagement of a sample of
 * users is kept out of training, and after each epoch the model ranks
 * every item for those users, as retrieval would, to score the epoch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "tower/ig_tower_priv.h"

ig_tower_holdout *ig_tower_holdout_new(const ig_tower_corpus *c, uint32_t max_users, uint32_t k)
{
	ig_tower_holdout *h = ig_calloc(1, sizeof *h);
	uint32_t eligible = 0, u, stride, seen = 0;

	for (u = 0; u < c->nusers; u++)
		eligible += c->start[u + 1] - c->start[u] >= 2;
	stride = max_users > 0 && eligible > max_users ? (eligible + max_users - 1) / max_users : 1;
	h->k = k;
	h->held = ig_calloc(c->n ? c->n : 1, 1);
	h->ex = ig_reallocarray(NULL, eligible / stride + 1, sizeof *h->ex);
	/* every STRIDE-th user with a history before the engagement held out,
	 * in file order: the same users for any seed */
	for (u = 0; u < c->nusers; u++) {
		if (c->start[u + 1] - c->start[u] < 2)
			continue;
		if (seen++ % stride == 0) {
			h->ex[h->n++] = c->start[u + 1] - 1;
			h->held[c->start[u + 1] - 1] = 1;
		}
	}
	return h;
}

void ig_tower_holdout_free(ig_tower_holdout *h)
{
	if (h == NULL)
		return;
	free(h->ex);
	free(h->held);
	free(h);
}

typedef struct score_job {
	const ig_tower_model *m;
	const ig_tower_catalog *cat;
	const ig_tower_corpus *c;
	const ig_tower_holdout *h;
	const float *items;        /* every catalog item's vector */
	ig_tower_scratch **scratch; /* per thread */
	float **user;              /* per thread: the user's vector */
	uint8_t **seen;            /* per thread: the user's history, by catalog item */
	double *hit;               /* per held-out engagement */
} score_job;

/* Whether the held-out engagement's item is among the K best of the
 * items the user had not engaged with, created by then (ties count for
 * the held-out item). */
static void score_one(void *arg, size_t k, int tid)
{
	score_job *j = arg;
	const ig_tower_corpus *c = j->c;
	uint64_t g = j->h->ex[k];
	uint32_t u = c->user_of[g], d = ig_tower_model_dim(j->m), target = c->item[g], i, above = 0;
	ig_tower_user view = ig_tower_corpus_user(c, u, (size_t)(g - c->start[u]));
	float *v = j->user[tid], s;
	uint8_t *seen = j->seen[tid];
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	size_t e;

	ig_tower_embed_user(j->m, j->cat, &view, c->ts[g], j->scratch[tid], v);
	for (e = 0; e < view.n; e++)
		seen[view.item[e]] = 1;
	s = kf->dot(v, j->items + (size_t)target * d, d);
	for (i = 0; i < j->cat->n && above < j->h->k; i++)
		if (!seen[i] && i != target && j->cat->created[i] <= c->ts[g] &&
		    kf->dot(v, j->items + (size_t)i * d, d) > s)
			above++;
	for (e = 0; e < view.n; e++)
		seen[view.item[e]] = 0;
	j->hit[k] = above < j->h->k;
}

double ig_tower_holdout_score(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			      const ig_tower_holdout *h, ig_pool *pool)
{
	int nt = ig_pool_threads(pool), t;
	uint32_t d = ig_tower_model_dim(m), i;
	score_job j;
	double sum = 0;

	if (h->n == 0)
		return 0;
	memset(&j, 0, sizeof j);
	j.m = m;
	j.cat = cat;
	j.c = c;
	j.h = h;
	j.items = ig_reallocarray(NULL, (size_t)cat->n * d + 1, sizeof(float));
	j.scratch = ig_calloc((size_t)nt, sizeof *j.scratch);
	j.user = ig_calloc((size_t)nt, sizeof *j.user);
	j.seen = ig_calloc((size_t)nt, sizeof *j.seen);
	j.hit = ig_calloc(h->n, sizeof *j.hit);
	for (t = 0; t < nt; t++) {
		j.scratch[t] = ig_tower_scratch_new(m);
		j.user[t] = ig_reallocarray(NULL, d, sizeof(float));
		j.seen[t] = ig_calloc(cat->n + 1, 1);
	}
	for (i = 0; i < cat->n; i++)
		ig_tower_embed_item(m, cat, i, c->last_ts, j.scratch[0], (float *)j.items + (size_t)i * d);
	ig_pool_for(pool, h->n, score_one, &j);
	for (i = 0; i < h->n; i++)
		sum += j.hit[i];
	for (t = 0; t < nt; t++) {
		ig_tower_scratch_free(j.scratch[t]);
		free(j.user[t]);
		free(j.seen[t]);
	}
	free((float *)j.items);
	free(j.scratch);
	free(j.user);
	free(j.seen);
	free(j.hit);
	return sum / h->n;
}
