/* The tower source's inputs: user vectors from ig-train-tower, or its
 * model, which embeds each user from their history at the request time
 * (so users it never saw are served too); either is searched against the
 * model's item vectors (its items.vec): --tower-vectors, exactly, or else
 * --vectors, through the index when there is one. */
#include <stdlib.h>

#include "retrieve/ig_ann.h"
#include "retrieve/ig_retrieve_priv.h"

#include "core/ig_err.h"
#include "tower/ig_tower.h"

struct ig_rtower {
	ig_tower_model *m;
	ig_tower_catalog *cat;  /* catalog number = the data's item number */
	uint32_t *account_row;  /* the model's author row of each account known at load */
	uint32_t naccount;
};

/* The item vectors the tower source searches, or NULL. */
static const ig_vectors *tower_items(const ig_rdata *d)
{
	return d->tower_vec ? d->tower_vec : d->item_vec;
}

void ig_rdata_load_user_vectors(ig_rdata *d, const char *path)
{
	const ig_vectors *iv = tower_items(d);

	if (iv == NULL)
		ig_die("--user-vectors needs --tower-vectors or --vectors (the item vectors of the same model)");
	d->user_vec = ig_vectors_load(path);
	d->user_vec_found = ig_calloc(1, sizeof *d->user_vec_found);
	if (d->user_vec->dim != iv->dim)
		ig_die("%s: %u-dimensional user vectors for %u-dimensional item vectors", path, d->user_vec->dim,
		       iv->dim);
}

void ig_rdata_load_tower_model(ig_rdata *d, const char *path)
{
	ig_tower_side side = {d->catalog, NULL, d->tree};
	const ig_vectors *iv = tower_items(d);
	ig_rtower *t;
	uint32_t n, i;

	if (iv == NULL)
		ig_die("--tower-model needs --tower-vectors or --vectors (the item vectors of the same model)");
	t = ig_calloc(1, sizeof *t);
	d->tower = t;
	t->m = ig_tower_model_load(path);
	if (ig_tower_model_dim(t->m) != iv->dim)
		ig_die("%s: a %u-dimensional model for %u-dimensional item vectors", path, ig_tower_model_dim(t->m),
		       iv->dim);
	/* every item the model has a vector for is in the data by now: the
	 * catalog takes their numbers, and their features from the items */
	t->cat = ig_tower_catalog_new(NULL);
	n = ig_intern_count(d->items);
	for (i = 0; i < n; i++)
		ig_intern_add(t->cat->ids, ig_intern_str(d->items, i), ig_intern_len(d->items, i));
	ig_tower_catalog_fill(t->cat, t->m, &side);
	t->naccount = ig_intern_count(d->accounts);
	t->account_row = ig_reallocarray(NULL, t->naccount ? t->naccount : 1, sizeof *t->account_row);
	for (i = 0; i < t->naccount; i++)
		t->account_row[i] = ig_tower_row(t->m, 1, ig_intern_str(d->accounts, i), ig_intern_len(d->accounts, i));
}

void ig_rtower_free(ig_rtower *t)
{
	if (t == NULL)
		return;
	ig_tower_model_free(t->m);
	ig_tower_catalog_free(t->cat);
	free(t->account_row);
	free(t);
}

/* U's history as the model's training saw it: events weighted by type (0
 * drops one), a repeat of the item just before folded into it; items the
 * data did not know at load time are neither the model's nor in the
 * items stream and count for nothing. Views count whatever --min-view the
 * model was trained with: histories here keep no values. */
static void embed_user(const ig_rtower *t, const ig_ruser *u, float *q)
{
	const ig_tower_opts *o = ig_tower_model_opts(t->m);
	size_t cap = u->nev ? u->nev : 1, n = 0, k;
	uint32_t *item = ig_reallocarray(NULL, cap, sizeof *item);
	int64_t *ts = ig_reallocarray(NULL, cap, sizeof *ts);
	float *weight = ig_reallocarray(NULL, cap, sizeof *weight);
	uint32_t *frow = ig_reallocarray(NULL, u->nfollows ? u->nfollows : 1, sizeof *frow);
	int64_t *fts = ig_reallocarray(NULL, u->nfollows ? u->nfollows : 1, sizeof *fts);
	ig_tower_scratch *s = ig_tower_scratch_new(t->m);
	ig_tower_user view;

	for (k = 0; k < u->nev; k++) {
		const ig_rev *e = &u->ev[k];
		float w = (float)o->weights[e->type];

		if (e->item >= t->cat->n || !(w > 0))
			continue;
		if (n > 0 && item[n - 1] == e->item) {
			if (w > weight[n - 1])
				weight[n - 1] = w;
			continue;
		}
		item[n] = e->item;
		ts[n] = e->ts;
		weight[n++] = w;
	}
	for (k = 0; k < u->nfollows; k++) {
		frow[k] = u->follows[k] < t->naccount ? t->account_row[u->follows[k]] : IG_TOWER_NONE;
		fts[k] = -1;
	}
	view.item = item;
	view.ts = ts;
	view.weight = weight;
	view.n = n;
	view.follow_row = frow;
	view.follow_ts = fts;
	view.nfollows = u->nfollows;
	ig_tower_embed_user(t->m, t->cat, &view, u->now, s, q);
	ig_tower_scratch_free(s);
	free(item);
	free(ts);
	free(weight);
	free(frow);
	free(fts);
}

/* The index is of --vectors: --tower-vectors are searched exactly, a pass
 * over every row (items x dimensions multiplications a user). The rows
 * found become their items (IG_INTERN_NONE: a vector of no known item). */
static size_t search(const ig_rdata *d, const float *q, uint32_t k, uint32_t *ids, float *scores)
{
	const ig_vectors *v = tower_items(d);
	const uint32_t *row_item = d->tower_vec ? d->tower_vec_item : d->vec_item;
	size_t got, j;

	if (v == d->item_vec && d->index != NULL)
		got = ig_hnsw_search(d->index, q, k, d->ef, IG_INTERN_NONE, ids, scores);
	else
		got = ig_ann_brute(v, IG_ANN_COSINE, q, k, IG_INTERN_NONE, ids, scores);
	for (j = 0; j < got; j++)
		ids[j] = row_item[ids[j]];
	return got;
}

size_t ig_rtower_search(const ig_rdata *d, const ig_ruser *u, uint32_t k, uint32_t *ids, float *scores)
{
	uint32_t row, dim = tower_items(d)->dim, i;
	float *q;
	size_t got;

	if (d->tower == NULL) {
		row = ig_vectors_find(d->user_vec, u->id, u->len);
		if (row == IG_INTERN_NONE)
			return 0;
		__atomic_fetch_add(d->user_vec_found, 1, __ATOMIC_RELAXED);
		return search(d, ig_vectors_row(d->user_vec, row), k, ids, scores);
	}
	q = ig_reallocarray(NULL, dim, sizeof *q);
	embed_user(d->tower, u, q);
	for (i = 0; i < dim && q[i] == 0; i++)
		;
	/* a user with nothing the model knows has no direction */
	got = i < dim ? search(d, q, k, ids, scores) : 0;
	free(q);
	return got;
}
