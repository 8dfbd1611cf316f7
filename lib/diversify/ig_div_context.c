/* The shared, read-only side of ig-diversify: the topics tree (for the
 * topics adjacent to a user's interests) and unit-length item vectors. */
#include "diversify/ig_diversify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_reader.h"
#include "io/ig_tsv.h"

const char *const ig_feed_cols[6] = {"user", "rank", "item", "score", "reason", "propensity"};

void ig_div_opts_default(ig_div_opts *o)
{
	memset(o, 0, sizeof *o);
	o->length = 25;
	o->method = IG_DIV_MMR;
	o->similarity = IG_DIV_SIM_TOPICS;
	o->lambda = 0.9;
	o->author_window = 4;
	o->author_decay = 1;
	o->author_floor = 0.25;
	o->media_run = 3;
	o->topic_cap = 0;
	o->short_share = 0.2;
	o->epsilon = 0.02;
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

static uint32_t read_tree(ig_div_ctx *c, ig_intern *topics, const char *path)
{
	ig_reader *r = ig_reader_open(path);
	const char *name = ig_reader_name(r);
	ig_header h;
	char *line, *f[4];
	uint32_t *parent = NULL, cap = 0, i;
	uint8_t *listed = NULL;

	ig_header_read(r, "topics", 1, &h);
	if (h.ncols < 2 || strcmp(h.cols[0], "topic") != 0 || strcmp(h.cols[1], "parent") != 0)
		ig_die_at(name, 1, "topics header: columns must be 'topic' and 'parent'");
	while (ig_reader_getline(r, &line) >= 0) {
		long ln = ig_reader_lineno(r);
		int n = ig_split_tabs(line, f, 4);
		uint32_t t, p = IG_INTERN_NONE;

		if (n != h.ncols)
			ig_die_at(name, ln, "expected %d fields, got %d", h.ncols, n);
		if (!ig_valid_id(f[0], strlen(f[0])))
			ig_die_at(name, ln, "field 1 (topic): invalid id '%s'", f[0]);
		if (f[1][0] != '\0' && !ig_valid_id(f[1], strlen(f[1])))
			ig_die_at(name, ln, "field 2 (parent): invalid id '%s'", f[1]);
		t = ig_intern_add(topics, f[0], strlen(f[0]));
		if (f[1][0] != '\0')
			p = ig_intern_add(topics, f[1], strlen(f[1]));
		if (p == t)
			ig_die_at(name, ln, "topic '%s' is its own parent", f[0]);
		if (ig_intern_count(topics) > cap) {
			uint32_t old = cap;
			cap = ig_intern_count(topics) * 2;
			parent = ig_reallocarray(parent, cap, sizeof *parent);
			listed = ig_reallocarray(listed, cap, 1);
			for (i = old; i < cap; i++) {
				parent[i] = IG_INTERN_NONE;
				listed[i] = 0;
			}
		}
		if (listed[t])
			ig_die_at(name, ln, "topic '%s' listed twice", f[0]);
		listed[t] = 1;
		parent[t] = p;
	}
	ig_header_free(&h);
	ig_reader_close(r);
	c->topic_parent = parent;
	free(listed);
	return cap;
}

static void unit_vectors(ig_div_ctx *c, const ig_vectors *v)
{
	const ig_items *it = c->items;
	uint32_t i, d;

	c->dim = v->dim;
	c->stride = (v->dim + 7) / 8 * 8;
	/* one more row of zeros, for items without a vector */
	c->unit = ig_calloc(((size_t)it->count + 1) * c->stride, sizeof *c->unit);
	for (i = 0; i < it->count; i++) {
		uint32_t row = ig_vectors_find(v, ig_intern_str(it->ids, i), ig_intern_len(it->ids, i));
		const float *x;
		double norm = 0;

		if (row == IG_INTERN_NONE)
			continue;
		x = ig_vectors_row(v, row);
		for (d = 0; d < v->dim; d++)
			norm += (double)x[d] * (double)x[d];
		if (norm <= 0)
			continue;
		norm = sqrt(norm);
		for (d = 0; d < v->dim; d++)
			c->unit[(size_t)i * c->stride + d] = (float)((double)x[d] / norm);
	}
}

ig_div_ctx *ig_div_ctx_new(ig_items *items, const char *topics_path, const ig_vectors *vectors,
			   const ig_div_opts *o)
{
	ig_div_ctx *c = ig_calloc(1, sizeof *c);
	uint32_t i, n, known = 0;

	c->items = items;
	c->opts = *o;
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
	free(c);
}

void ig_div_user_rng(ig_rng *r, uint64_t seed, const char *user, size_t len)
{
	ig_rng_seed_stream(r, seed, ig_hash64(user, len));
}
