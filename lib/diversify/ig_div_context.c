/* The shared, read-only side of ig-diversify: the topics tree (for the
 * topics adjacent to a user's interests) and unit-length item vectors. */
#include "diversify/ig_diversify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_topics.h"

void ig_div_opts_default(ig_div_opts *o)
{
	memset(o, 0, sizeof *o);
	o->length = 25;
	o->method = IG_DIV_MMR;
	o->similarity = IG_DIV_SIM_TOPICS;
	o->lambda = 0.7;
	o->band = 0.12;
	o->keep_top = 3;
	o->author_window = 4;
	o->author_decay = 1;
	o->author_floor = 0.25;
	o->media_run = 3;
	o->topic_cap = 0;
	o->short_share = 0.2;
	o->epsilon = 0.02;
	o->explore = IG_EXPLORE_UNIFORM;
	o->explore_draws = 1000;
	for (int m = 0; m < IG_MEDIA_COUNT; m++)
		o->media_share[m] = -1;
	o->interests = 5;
	o->fresh_window = 2 * 86400;
	o->session_gap = 1800;
	o->see_less_half_life = 7 * 86400;
	o->see_less_factor = 0.5;
	o->fatigue_after = 3;
	o->fatigue_factor = 0.5;
	o->keep_missing = 1;
	o->now = -1;
	o->seed = 1;
}

/* The parent of each topic, from the tree (ig_topics checks it), numbered
 * as the items' topics; returns how many topics it covers. */
static uint32_t read_tree(ig_div_ctx *c, ig_intern *topics, const char *path)
{
	ig_topics *tree = ig_topics_load(path, topics);
	uint32_t n = tree->count;

	c->topic_parent = ig_reallocarray(NULL, (size_t)n + 1, sizeof *c->topic_parent);
	memcpy(c->topic_parent, tree->parent, (size_t)n * sizeof *c->topic_parent);
	ig_topics_free(tree);
	return n;
}

/* Row ROW of the unit vectors: X scaled to length 1 (zeros stay zeros). */
static void put_unit(ig_div_ctx *c, size_t row, const float *x)
{
	double norm = 0;
	uint32_t d;

	for (d = 0; d < c->dim; d++)
		norm += (double)x[d] * (double)x[d];
	if (norm <= 0)
		return;
	norm = sqrt(norm);
	for (d = 0; d < c->dim; d++)
		c->unit[row * c->stride + d] = (float)((double)x[d] / norm);
}

/* The items' unit vectors, a row of zeros, then those of the vectors of
 * no item of the stream: a candidate kept with --missing keep still has
 * its vector (events-only data, where the items stream is empty). */
static void unit_vectors(ig_div_ctx *c, const ig_vectors *v)
{
	const ig_items *it = c->items;
	uint32_t i;

	c->dim = v->dim;
	c->stride = (v->dim + 7) / 8 * 8;
	c->vec_only = ig_intern_new();
	for (i = 0; i < v->n; i++) {
		const char *name = ig_vectors_name(v, i);
		if (ig_intern_find(it->ids, name, strlen(name)) == IG_INTERN_NONE)
			ig_intern_add(c->vec_only, name, strlen(name));
	}
	c->unit = ig_calloc(((size_t)it->count + 1 + ig_intern_count(c->vec_only)) * c->stride, sizeof *c->unit);
	for (i = 0; i < it->count; i++) {
		uint32_t row = ig_vectors_find(v, ig_intern_str(it->ids, i), ig_intern_len(it->ids, i));
		if (row != IG_INTERN_NONE)
			put_unit(c, i, ig_vectors_row(v, row));
	}
	for (i = 0; i < ig_intern_count(c->vec_only); i++) {
		uint32_t row = ig_vectors_find(v, ig_intern_str(c->vec_only, i), ig_intern_len(c->vec_only, i));
		put_unit(c, (size_t)it->count + 1 + i, ig_vectors_row(v, row));
	}
}

ig_div_ctx *ig_div_ctx_new(ig_items *items, const char *topics_path, const ig_vectors *vectors,
			   const ig_div_opts *o)
{
	ig_div_ctx *c = ig_calloc(1, sizeof *c);
	uint32_t i, n, known = 0;

	c->items = items;
	c->opts = *o;
	c->dot = ig_div_pick_dot();
	c->latest_created = -1;
	if (items == NULL)
		ig_die("an items stream is needed (--items)");
	for (i = 0; i < items->count; i++)
		if (items->created[i] > c->latest_created)
			c->latest_created = items->created[i];
	if (topics_path)
		known = read_tree(c, items->topics, topics_path);
	n = ig_intern_count(items->topics);
	c->topic_parent = ig_reallocarray(c->topic_parent, (size_t)n + 1, sizeof *c->topic_parent);
	for (i = known; i < n; i++)
		c->topic_parent[i] = IG_INTERN_NONE;
	c->ntopics = n;
	if (vectors)
		unit_vectors(c, vectors);
	return c;
}

void ig_div_ctx_free(ig_div_ctx *c)
{
	if (c == NULL)
		return;
	free(c->topic_parent);
	free(c->unit);
	ig_intern_free(c->vec_only);
	free(c);
}

void ig_div_user_rng(ig_rng *r, uint64_t seed, const char *user, size_t len)
{
	ig_rng_seed_stream(r, seed, ig_hash64(user, len));
}
