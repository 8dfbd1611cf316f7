/* The towers' inputs: the item catalog with its features, users'
 * histories read from events, and the feature bags built from both. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_engage.h"
#include "tower/ig_tower_priv.h"

/* ---- catalog ---- */

ig_tower_catalog *ig_tower_catalog_new(ig_intern *ids)
{
	ig_tower_catalog *c = ig_calloc(1, sizeof *c);

	c->ids = ids ? ids : ig_intern_new();
	return c;
}

void ig_tower_catalog_free(ig_tower_catalog *c)
{
	if (c == NULL)
		return;
	ig_intern_free(c->ids);
	free(c->id_row);
	free(c->author_row);
	free(c->media);
	free(c->created);
	free(c->topic_start);
	free(c->topic_row);
	free(c);
}

static void push_topic(ig_tower_catalog *c, uint32_t first, uint32_t row)
{
	uint32_t k;

	if (row == IG_TOWER_NONE)
		return;
	for (k = first; k < c->ntopic_rows; k++)
		if (c->topic_row[k] == row)
			return;
	if (c->ntopic_rows == c->topic_cap) {
		c->topic_cap = c->topic_cap ? 2 * c->topic_cap : 1024;
		c->topic_row = ig_reallocarray(c->topic_row, c->topic_cap, sizeof *c->topic_row);
	}
	c->topic_row[c->ntopic_rows++] = row;
}

/* The item's topics and, with a topics tree, their ancestors. */
static void item_topics(ig_tower_catalog *c, const ig_tower_model *m, const ig_tower_side *side, uint32_t it)
{
	const ig_items *items = side->items;
	uint32_t first = c->ntopic_rows, k;

	for (k = items->topic_start[it]; k < items->topic_start[it + 1]; k++) {
		uint32_t t = items->topic_list[k], depth = 0;

		while (t != IG_INTERN_NONE && depth++ < 64) {
			push_topic(c, first, ig_tower_row(m, 2, ig_intern_str(items->topics, t),
							  ig_intern_len(items->topics, t)));
			if (side->topics == NULL || t >= side->topics->count)
				break;
			t = side->topics->parent[t];
		}
	}
}

void ig_tower_catalog_fill(ig_tower_catalog *c, const ig_tower_model *m, const ig_tower_side *side)
{
	const ig_items *items = side->items;
	uint32_t i;

	if (items != NULL)
		for (i = 0; i < items->count; i++)
			ig_intern_add(c->ids, ig_intern_str(items->ids, i), ig_intern_len(items->ids, i));
	c->n = ig_intern_count(c->ids);
	c->id_row = ig_reallocarray(c->id_row, c->n + 1, sizeof *c->id_row);
	c->author_row = ig_reallocarray(c->author_row, c->n + 1, sizeof *c->author_row);
	c->media = ig_reallocarray(c->media, c->n + 1, sizeof *c->media);
	c->created = ig_reallocarray(c->created, c->n + 1, sizeof *c->created);
	c->topic_start = ig_reallocarray(c->topic_start, (size_t)c->n + 1, sizeof *c->topic_start);
	c->ntopic_rows = 0;
	for (i = 0; i < c->n; i++) {
		const char *name = ig_intern_str(c->ids, i);
		size_t len = ig_intern_len(c->ids, i);
		uint32_t it = items ? ig_intern_find(items->ids, name, len) : IG_INTERN_NONE;

		c->id_row[i] = ig_tower_row(m, 0, name, len);
		c->author_row[i] = IG_TOWER_NONE;
		c->media[i] = IG_MEDIA_COUNT;
		c->created[i] = -1;
		c->topic_start[i] = c->ntopic_rows;
		if (it == IG_INTERN_NONE)
			continue;
		c->author_row[i] = ig_tower_row(m, 1, ig_intern_str(items->authors, items->author[it]),
						ig_intern_len(items->authors, items->author[it]));
		c->media[i] = items->media[it];
		c->created[i] = items->created[it];
		item_topics(c, m, side, it);
	}
	c->topic_start[c->n] = c->ntopic_rows;
}

/* ---- histories ---- */

static void check_memory(const ig_tower_corpus *c, uint64_t memory)
{
	uint64_t need = c->cap * (sizeof *c->item + sizeof *c->ts + sizeof *c->weight + sizeof *c->user_of) +
			c->fcap * (sizeof *c->fauthor + sizeof *c->fts + sizeof *c->frow);

	if (memory != 0 && need > memory)
		ig_die("the histories need more than --memory %.1f MB (%llu engagements read so far); "
		       "give a larger --memory", (double)memory / (1 << 20), (unsigned long long)c->n);
}

static void push_user(ig_tower_corpus *c, const ig_history *h, const ig_tower_opts *o, const ig_tower_side *side,
		      uint64_t memory)
{
	size_t i, nf = 0;
	const ig_follow *f = NULL;

	if (c->n + h->n > c->cap) {
		while (c->n + h->n > c->cap)
			c->cap = c->cap ? c->cap + c->cap / 2 : 65536;
		c->item = ig_reallocarray(c->item, c->cap, sizeof *c->item);
		c->ts = ig_reallocarray(c->ts, c->cap, sizeof *c->ts);
		c->weight = ig_reallocarray(c->weight, c->cap, sizeof *c->weight);
		c->user_of = ig_reallocarray(c->user_of, c->cap, sizeof *c->user_of);
		check_memory(c, memory);
	}
	for (i = 0; i < h->n; i++) {
		c->item[c->n] = h->e[i].id;
		c->ts[c->n] = h->e[i].ts;
		c->weight[c->n] = h->e[i].weight;
		c->user_of[c->n] = c->nusers;
		if (h->e[i].ts > c->last_ts)
			c->last_ts = h->e[i].ts;
		c->n++;
	}
	if (side->follows != NULL)
		f = ig_follows_find(side->follows, h->user, h->user_len, &nf);
	if (nf > o->max_follows) {
		f += nf - o->max_follows;
		nf = o->max_follows;
	}
	if (c->nf + nf > c->fcap) {
		while (c->nf + nf > c->fcap)
			c->fcap = c->fcap ? c->fcap + c->fcap / 2 : 4096;
		c->fauthor = ig_reallocarray(c->fauthor, c->fcap, sizeof *c->fauthor);
		c->fts = ig_reallocarray(c->fts, c->fcap, sizeof *c->fts);
		c->frow = ig_reallocarray(c->frow, c->fcap, sizeof *c->frow);
		check_memory(c, memory);
	}
	for (i = 0; i < nf; i++) {
		c->fauthor[c->nf] = f[i].author;
		c->fts[c->nf] = f[i].ts;
		c->frow[c->nf] = IG_TOWER_NONE;
		c->nf++;
	}
	c->nusers++;
	c->start = ig_reallocarray(c->start, (size_t)c->nusers + 1, sizeof *c->start);
	c->fstart = ig_reallocarray(c->fstart, (size_t)c->nusers + 1, sizeof *c->fstart);
	c->start[c->nusers] = c->n;
	c->fstart[c->nusers] = c->nf;
}

ig_tower_corpus *ig_tower_corpus_read(const char *events, const ig_tower_opts *o, const ig_tower_side *side,
				      ig_intern *ids, uint64_t memory)
{
	ig_tower_corpus *c = ig_calloc(1, sizeof *c);
	ig_engage_opts eo;
	ig_engage_reader *g;
	ig_history h;
	const ig_engage_stats *st;

	ig_engage_opts_default(&eo);
	memcpy(eo.weights, o->weights, sizeof eo.weights);
	eo.min_view_value = o->min_view;
	c->users = ig_intern_new();
	c->start = ig_calloc(1, sizeof *c->start);
	c->fstart = ig_calloc(1, sizeof *c->fstart);
	c->last_ts = -1;
	g = ig_engage_open(events, &eo, ids);
	while (ig_engage_next(g, &h)) {
		ig_intern_add(c->users, h.user, h.user_len);
		push_user(c, &h, o, side, memory);
	}
	st = ig_engage_stats_get(g);
	c->events = st->events;
	c->dropped = st->dropped;
	ig_engage_close(g);
	return c;
}

void ig_tower_corpus_free(ig_tower_corpus *c)
{
	if (c == NULL)
		return;
	ig_intern_free(c->users);
	free(c->start);
	free(c->item);
	free(c->ts);
	free(c->weight);
	free(c->user_of);
	free(c->fstart);
	free(c->fauthor);
	free(c->frow);
	free(c->fts);
	free(c);
}

void ig_tower_corpus_map(ig_tower_corpus *c, const ig_tower_model *m, const ig_intern *authors)
{
	uint64_t i;

	for (i = 0; i < c->nf; i++)
		c->frow[i] = ig_tower_row(m, 1, ig_intern_str(authors, c->fauthor[i]),
					  ig_intern_len(authors, c->fauthor[i]));
}

ig_tower_user ig_tower_corpus_user(const ig_tower_corpus *c, uint32_t u, size_t pos)
{
	ig_tower_user v;
	uint64_t s = c->start[u];

	v.item = c->item + s;
	v.ts = c->ts + s;
	v.weight = c->weight + s;
	v.n = pos;
	v.follow_row = c->frow + c->fstart[u];
	v.follow_ts = c->fts + c->fstart[u];
	v.nfollows = (size_t)(c->fstart[u + 1] - c->fstart[u]);
	return v;
}

/* ---- feature bags ---- */

void ig_tower_bag_free(ig_tower_bag *b)
{
	free(b->row);
	free(b->w);
	memset(b, 0, sizeof *b);
}

static void bag_push(ig_tower_bag *b, uint32_t *n, uint32_t row, float w)
{
	if (*n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->row = ig_reallocarray(b->row, b->cap, sizeof *b->row);
		b->w = ig_reallocarray(b->w, b->cap, sizeof *b->w);
	}
	b->row[*n] = row;
	b->w[*n] = w;
	(*n)++;
}

/* Scales the weights of segment S to sum to 1. */
static void bag_normalise(ig_tower_bag *b, int s, uint32_t end)
{
	double sum = 0;
	uint32_t k;

	b->off[s + 1] = end;
	for (k = b->off[s]; k < end; k++)
		sum += (double)b->w[k];
	if (sum > 0)
		for (k = b->off[s]; k < end; k++)
			b->w[k] = (float)((double)b->w[k] / sum);
}

static uint32_t log2_bucket(double x, uint32_t buckets)
{
	uint32_t b = 0;

	while (x >= 2 && b + 1 < buckets) {
		x /= 2;
		b++;
	}
	return b;
}

int ig_tower_item_has_features(const ig_tower_catalog *cat, uint32_t i)
{
	return cat->author_row[i] != IG_TOWER_NONE || cat->topic_start[i + 1] > cat->topic_start[i] ||
	       cat->media[i] < IG_MEDIA_COUNT || cat->created[i] >= 0;
}

void ig_tower_bag_item(const ig_tower_model *m, const ig_tower_catalog *cat, uint32_t i, int64_t age_at,
		       int drop_id, ig_tower_bag *b)
{
	uint32_t n = 0, k, nt = cat->topic_start[i + 1] - cat->topic_start[i];

	b->off[0] = 0;
	if (!drop_id && cat->id_row[i] != IG_TOWER_NONE)
		bag_push(b, &n, cat->id_row[i], 1);
	b->off[1] = n;
	if (cat->author_row[i] != IG_TOWER_NONE)
		bag_push(b, &n, cat->author_row[i], 1);
	b->off[2] = n;
	for (k = cat->topic_start[i]; k < cat->topic_start[i + 1]; k++)
		bag_push(b, &n, cat->topic_row[k], 1.0f / (float)nt);
	b->off[3] = n;
	if (cat->media[i] < IG_MEDIA_COUNT)
		bag_push(b, &n, cat->media[i], 1);
	b->off[4] = n;
	/* 0: unknown; then hours of age on a log2 scale */
	if (cat->created[i] < 0)
		bag_push(b, &n, 0, 1);
	else {
		double hours = age_at > cat->created[i] ? (double)(age_at - cat->created[i]) / 3600 : 0;

		bag_push(b, &n, 1 + log2_bucket(1 + hours, IG_TOWER_AGE_BUCKETS - 1), 1);
	}
	b->off[5] = n;
	(void)m;
}

void ig_tower_bag_user(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_user *u,
		       int64_t at, ig_tower_bag *b)
{
	size_t nl = u->n < m->o.long_n ? u->n : m->o.long_n;
	size_t ns = u->n < m->o.short_n ? u->n : m->o.short_n, k, nf = 0;
	uint32_t n = 0, j;

	b->off[0] = 0;
	for (k = u->n - nl; k < u->n; k++)
		if (cat->id_row[u->item[k]] != IG_TOWER_NONE)
			bag_push(b, &n, cat->id_row[u->item[k]], u->weight[k]);
	bag_normalise(b, 0, n);
	for (k = u->n - ns; k < u->n; k++)
		if (cat->id_row[u->item[k]] != IG_TOWER_NONE)
			bag_push(b, &n, cat->id_row[u->item[k]], u->weight[k]);
	bag_normalise(b, 1, n);
	for (k = u->nfollows; k > 0 && nf < m->o.max_follows; k--)
		if (u->follow_row[k - 1] != IG_TOWER_NONE && (u->follow_ts[k - 1] < 0 || u->follow_ts[k - 1] <= at)) {
			bag_push(b, &n, u->follow_row[k - 1], 1);
			nf++;
		}
	bag_normalise(b, 2, n);
	for (k = u->n - nl; k < u->n; k++) {
		uint32_t it = u->item[k], nt = cat->topic_start[it + 1] - cat->topic_start[it];

		for (j = cat->topic_start[it]; j < cat->topic_start[it + 1]; j++)
			bag_push(b, &n, cat->topic_row[j], u->weight[k] / (float)nt);
	}
	bag_normalise(b, 3, n);
	for (k = u->n - nl; k < u->n; k++)
		if (cat->media[u->item[k]] < IG_MEDIA_COUNT)
			bag_push(b, &n, cat->media[u->item[k]], u->weight[k]);
	bag_normalise(b, 4, n);
	bag_push(b, &n, log2_bucket(1 + (double)u->n, IG_TOWER_ACT_BUCKETS), 1);
	b->off[6] = n;
}

void ig_tower_bag_pool(const ig_tower_model *m, int tower, const ig_tower_bag *b, float *x)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	uint32_t e = m->o.emb, k;
	int s;

	memset(x, 0, (size_t)ig_tower_nsegs[tower] * e * sizeof *x);
	for (s = 0; s < ig_tower_nsegs[tower]; s++) {
		const float *t = m->table[ig_tower_seg_table[tower][s]];

		for (k = b->off[s]; k < b->off[s + 1]; k++)
			kf->axpy(b->w[k], t + (size_t)b->row[k] * e, x + (size_t)s * e, e);
	}
}

/* ---- the ids a model trains on ---- */

static void add_topic_path(ig_intern *known, const ig_tower_side *side, uint32_t t)
{
	int depth = 0;

	while (t != IG_INTERN_NONE && depth++ < 64) {
		ig_intern_add(known, ig_intern_str(side->items->topics, t), ig_intern_len(side->items->topics, t));
		if (side->topics == NULL || t >= side->topics->count)
			break;
		t = side->topics->parent[t];
	}
}

ig_tower_model *ig_tower_model_for_data(const ig_tower_opts *o, const ig_intern *ids, const ig_tower_side *side,
					const ig_tower_corpus *c, const ig_intern *follow_authors, const char *prov)
{
	ig_intern *authors = ig_intern_new(), *topics = ig_intern_new();
	uint32_t n = ig_intern_count(ids), i, k;
	uint64_t f;
	ig_tower_model *m;

	for (i = 0; i < n && side->items != NULL; i++) {
		uint32_t it = ig_intern_find(side->items->ids, ig_intern_str(ids, i), ig_intern_len(ids, i));

		if (it == IG_INTERN_NONE)
			continue;
		ig_intern_add(authors, ig_intern_str(side->items->authors, side->items->author[it]),
			      ig_intern_len(side->items->authors, side->items->author[it]));
		for (k = side->items->topic_start[it]; k < side->items->topic_start[it + 1]; k++)
			add_topic_path(topics, side, side->items->topic_list[k]);
	}
	for (f = 0; f < c->nf; f++)
		ig_intern_add(authors, ig_intern_str(follow_authors, c->fauthor[f]),
			      ig_intern_len(follow_authors, c->fauthor[f]));
	m = ig_tower_model_new(o, ids, n, authors, topics, prov);
	ig_intern_free(authors);
	ig_intern_free(topics);
	return m;
}
