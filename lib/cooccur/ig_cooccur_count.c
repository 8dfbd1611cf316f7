/* Windowing and counting: one user's history -> sums and pair terms. */
#include "cooccur/ig_cooccur_count.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

void ig_cooc_ctx_init(ig_cooc_ctx *c, const ig_cooc_opts *o, ig_intern *vocab, const ig_items *items)
{
	memset(c, 0, sizeof *c);
	c->o = o;
	c->vocab = vocab;
	c->items = items;
	c->bipartite = o->entity == IG_COOC_ENTITY_ITEM_AUTHOR;
	c->need_sum = o->score == IG_COOC_LIFT || o->score == IG_COOC_PMI;
	ig_cooc_side_init(&c->row, vocab);
	if (c->bipartite && items != NULL) {
		ig_cooc_side_init(&c->col, items->authors);
		ig_cooc_side_reserve(&c->col, ig_intern_count(items->authors));
	}
}

void ig_cooc_ctx_free(ig_cooc_ctx *c)
{
	ig_cooc_drain(c);
	free(c->batch);
	free(c->spare);
	ig_cooc_side_free(&c->row);
	ig_cooc_side_free(&c->col);
	ig_cooc_table_free(c->table);
	free(c->author_of);
	free(c->sets.off);
	free(c->sets.ent);
	free(c->sets.f);
	free(c->sets.outer);
	free(c->buf);
	free(c->dist);
	ig_cooc_maps_free(&c->maps);
	memset(c, 0, sizeof *c);
}

#define BATCH ((size_t)1 << 18)
#define MIN_BATCH ((size_t)1 << 12)

/* The inserter: pipeline work on a pool thread, one batch at a time, in
 * the order they were made. */
static void insert_batch(void *ctx, void *item)
{
	ig_cooc_ctx *c = ctx;
	ig_cooc_handed *h = item;

	ig_cooc_table_add_many(c->table, h->p, h->n);
}

static void batch_inserted(void *ctx, void *item)
{
	ig_cooc_ctx *c = ctx;

	c->spare = ((ig_cooc_handed *)item)->p;
}

void ig_cooc_ctx_start_table(ig_cooc_ctx *c)
{
	if (c->table != NULL)
		return;
	c->table = ig_cooc_table_new(c->o->memory / 2, c->o->tmpdir);
	/* The batches take at most a sixteenth of --memory (6 MB at most),
	 * so that a small --memory is honoured, not exceeded by buffers. */
	c->batch_cap = c->o->memory / 16 / sizeof *c->batch;
	c->batch_cap = c->batch_cap > BATCH ? BATCH : c->batch_cap < MIN_BATCH ? MIN_BATCH : c->batch_cap;
	c->batch = ig_reallocarray(NULL, c->batch_cap, sizeof *c->batch);
	c->batch_len = 0;
	if (ig_pool_threads(c->o->pool) > 1) {
		c->spare = ig_reallocarray(NULL, c->batch_cap, sizeof *c->spare);
		c->inserter = ig_pipe_new(c->o->pool, 1, insert_batch, batch_inserted, c);
	}
}

/* Hands the batch to the table: at once, or to the inserter. */
static void send_batch(ig_cooc_ctx *c)
{
	ig_cooc_handed *h;

	if (c->batch_len == 0)
		return;
	if (c->inserter == NULL) {
		ig_cooc_table_add_many(c->table, c->batch, c->batch_len);
		c->batch_len = 0;
		return;
	}
	h = &c->handed[c->nhanded++ & 1];
	h->p = c->batch;
	h->n = c->batch_len;
	ig_pipe_push(c->inserter, h);
	/* The batch before is in the table now: its buffer is the spare. */
	c->batch = c->spare;
	c->spare = NULL;
	c->batch_len = 0;
}

void ig_cooc_drain(ig_cooc_ctx *c)
{
	if (c->table == NULL)
		return;
	send_batch(c);
	ig_pipe_end(c->inserter);
	c->inserter = NULL;
}

static inline void batch_term(ig_cooc_ctx *c, uint64_t key, uint64_t w, uint64_t s)
{
	if (c->batch_len == c->batch_cap)
		send_batch(c);
	c->batch[c->batch_len].key = key;
	c->batch[c->batch_len].w = w;
	c->batch[c->batch_len].s = s;
	c->batch_len++;
}

uint64_t ig_cooc_sets_memory(const ig_cooc_sets *s)
{
	return (uint64_t)s->cap * (sizeof *s->off + sizeof *s->f + 1) + (uint64_t)s->ent_cap * sizeof *s->ent;
}

void ig_cooc_add_pair(ig_cooc_ctx *c, uint32_t a, uint32_t b, uint64_t w, uint64_t s)
{
	batch_term(c, c->bipartite ? ig_cooc_key(a, b) : a < b ? ig_cooc_key(a, b) : ig_cooc_key(b, a), w, s);
	if (c->need_sum) {
		ig_cooc_add(&c->row.sum[a], w);
		ig_cooc_add(c->bipartite ? &c->col.sum[b] : &c->row.sum[b], w);
	}
	c->terms++;
}

static void push_term(ig_cooc_ctx *c, uint64_t key, uint64_t w)
{
	if (c->buf_len == c->buf_cap) {
		c->buf_cap = c->buf_cap ? c->buf_cap * 2 : 4096;
		c->buf = ig_reallocarray(c->buf, c->buf_cap, sizeof *c->buf);
	}
	c->buf[c->buf_len].key = key;
	c->buf[c->buf_len].w = w;
	c->buf[c->buf_len].s = 1;
	c->buf_len++;
}

/* Sends the buffered terms to the table, and their weight to R. */
static void flush_terms(ig_cooc_ctx *c)
{
	size_t i;

	if (c->need_sum)
		for (i = 0; i < c->buf_len; i++) {
			ig_cooc_add(&c->row.sum[ig_cooc_key_a(c->buf[i].key)], c->buf[i].w);
			ig_cooc_add(c->bipartite ? &c->col.sum[ig_cooc_key_b(c->buf[i].key)]
						 : &c->row.sum[ig_cooc_key_b(c->buf[i].key)], c->buf[i].w);
		}
	for (i = 0; i < c->buf_len; i++)
		batch_term(c, c->buf[i].key, c->buf[i].w, 1);
	c->terms += c->buf_len;
	c->buf_len = 0;
}

static int cmp_ent(const void *x, const void *y)
{
	const ig_cooc_ent *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

/* The distinct entities of a list, each with its largest weight. */
static size_t distinct(ig_cooc_ent *d, size_t n)
{
	size_t i, m = 0;

	qsort(d, n, sizeof *d, cmp_ent);
	for (i = 0; i < n; i++) {
		if (m > 0 && d[m - 1].id == d[i].id) {
			if (d[i].x > d[m - 1].x)
				d[m - 1].x = d[i].x;
			continue;
		}
		d[m++] = d[i];
	}
	return m;
}

static void reserve_dist(ig_cooc_ctx *c, size_t n)
{
	if (n > c->dist_cap) {
		c->dist_cap = n + 1024;
		c->dist = ig_reallocarray(c->dist, c->dist_cap, sizeof *c->dist);
	}
}

static void update_authors(ig_cooc_ctx *c)
{
	size_t n = ig_intern_count(c->vocab), i;

	if (n <= c->author_of_len)
		return;
	c->author_of = ig_reallocarray(c->author_of, n, sizeof *c->author_of);
	for (i = c->author_of_len; i < n; i++) {
		uint32_t item = ig_intern_find(c->items->ids, ig_intern_str(c->vocab, (uint32_t)i),
					       ig_intern_len(c->vocab, (uint32_t)i));
		c->author_of[i] = item == IG_INTERN_NONE ? IG_INTERN_NONE : c->items->author[item];
	}
	c->author_of_len = n;
}

static void store_set(ig_cooc_ctx *c, const ig_cooc_ent *d, size_t m, double f, int outer)
{
	ig_cooc_sets *s = &c->sets;

	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->off = ig_reallocarray(s->off, s->cap, sizeof *s->off);
		s->f = ig_reallocarray(s->f, s->cap, sizeof *s->f);
		s->outer = ig_reallocarray(s->outer, s->cap, sizeof *s->outer);
		if (s->n == 0)
			s->off[0] = 0;
	}
	if (s->nnz + m > s->ent_cap) {
		s->ent_cap = (s->ent_cap ? s->ent_cap * 2 : 65536) + m;
		s->ent = ig_reallocarray(s->ent, s->ent_cap, sizeof *s->ent);
	}
	memcpy(s->ent + s->nnz, d, m * sizeof *d);
	s->nnz += m;
	s->f[s->n] = f;
	s->outer[s->n] = (uint8_t)outer;
	s->n++;
	s->off[s->n] = s->nnz;
}

/* All pairs of a distinct set: --window all without decay. */
static void set_pairs(ig_cooc_ctx *c, const ig_cooc_ent *d, size_t m, double f)
{
	size_t p, q;

	for (p = 0; p + 1 < m; p++)
		for (q = p + 1; q < m; q++)
			push_term(c, ig_cooc_key(d[p].id, d[q].id), ig_cooc_term(f, d[p].x, d[q].x, 1));
	flush_terms(c);
}

/* The first position after P that is outside P's window. */
static size_t window_end(const ig_cooc_opts *o, const ig_engagement *e, size_t n, size_t p, size_t prev_end,
			 size_t *session_end)
{
	size_t q;

	switch (o->window) {
	case IG_COOC_WIN_SESSION:
		if (p >= *session_end) {
			q = p + 1;
			while (q < n && e[q].ts - e[q - 1].ts <= o->window_arg)
				q++;
			*session_end = q;
		}
		return *session_end;
	case IG_COOC_WIN_LAST:
		return (uint64_t)(n - p) > (uint64_t)o->window_arg ? p + (size_t)o->window_arg + 1 : n;
	case IG_COOC_WIN_TIME:
		q = prev_end > p + 1 ? prev_end : p + 1;
		while (q < n && e[q].ts - e[p].ts <= o->window_arg)
			q++;
		return q;
	default:
		return n;
	}
}

/* Pairs of positions in a window, the largest term per pair kept. */
static void window_pairs(ig_cooc_ctx *c, const ig_engagement *e, size_t n, double f)
{
	const ig_cooc_opts *o = c->o;
	size_t p, q, end = 0, session_end = 0, i, m;
	ig_cooc_pair *tmp;

	for (p = 0; p < n; p++) {
		end = window_end(o, e, n, p, end, &session_end);
		for (q = p + 1; q < end; q++) {
			uint32_t a = e[p].id, b = e[q].id;
			double d = 1;
			if (a == b)
				continue;
			if (o->half_life > 0)
				d = exp2(-(double)(e[q].ts - e[p].ts) / o->half_life);
			if (!c->bipartite) {
				push_term(c, a < b ? ig_cooc_key(a, b) : ig_cooc_key(b, a),
					  ig_cooc_term(f, e[p].weight, e[q].weight, d));
				continue;
			}
			/* Item -> the author of the other item, never its own. */
			if (c->author_of[b] != IG_INTERN_NONE && c->author_of[b] != c->author_of[a])
				push_term(c, ig_cooc_key(a, c->author_of[b]), ig_cooc_term(f, e[p].weight, e[q].weight, d));
			if (c->author_of[a] != IG_INTERN_NONE && c->author_of[a] != c->author_of[b])
				push_term(c, ig_cooc_key(b, c->author_of[a]), ig_cooc_term(f, e[p].weight, e[q].weight, d));
		}
	}
	if (c->buf_len == 0)
		return;
	tmp = ig_reallocarray(NULL, c->buf_len, sizeof *tmp);
	ig_cooc_sort_pairs(c->buf, tmp, c->buf_len);
	free(tmp);
	for (i = 0, m = 0; i < c->buf_len; i++) {
		if (m > 0 && c->buf[m - 1].key == c->buf[i].key) {
			if (c->buf[i].w > c->buf[m - 1].w)
				c->buf[m - 1].w = c->buf[i].w;
			continue;
		}
		c->buf[m++] = c->buf[i];
	}
	c->buf_len = m;
	flush_terms(c);
}

/* Column sums of item-author: each author with the user's largest weight. */
static void author_sums(ig_cooc_ctx *c, const ig_cooc_ent *d, size_t m, double f)
{
	size_t i, k = 0;
	ig_cooc_ent *a;

	a = ig_reallocarray(NULL, m ? m : 1, sizeof *a);
	for (i = 0; i < m; i++)
		if (c->author_of[d[i].id] != IG_INTERN_NONE) {
			a[k].id = c->author_of[d[i].id];
			a[k++].x = d[i].x;
		}
	k = distinct(a, k);
	for (i = 0; i < k; i++) {
		ig_cooc_add(&c->col.norm[a[i].id], ig_cooc_term(f, a[i].x, a[i].x, 1));
		c->col.users[a[i].id]++;
	}
	free(a);
}

void ig_cooc_user(ig_cooc_ctx *c, const ig_engagement *e, size_t n)
{
	const ig_cooc_opts *o = c->o;
	double f = ig_cooc_user_weight(o->user_weight, n);
	size_t i, m;

	c->users++;
	c->engagements += n;
	ig_cooc_side_reserve(&c->row, ig_intern_count(c->vocab));
	if (c->bipartite)
		update_authors(c);
	reserve_dist(c, n);
	for (i = 0; i < n; i++) {
		c->dist[i].id = e[i].id;
		c->dist[i].x = e[i].weight;
	}
	m = distinct(c->dist, n);
	for (i = 0; i < m && !c->skip_sums; i++) {
		ig_cooc_add(&c->row.norm[c->dist[i].id], ig_cooc_term(f, c->dist[i].x, c->dist[i].x, 1));
		c->row.users[c->dist[i].id]++;
	}
	if (c->bipartite && !c->skip_sums)
		author_sums(c, c->dist, m, f);
	if (c->keep_sets) {
		store_set(c, c->dist, m, f, !c->skip_sums);
		return;
	}
	if (!c->bipartite && o->window == IG_COOC_WIN_ALL && o->half_life == 0)
		set_pairs(c, c->dist, m, f);
	else
		window_pairs(c, e, n, f);
}

void ig_cooc_sets_to_table(ig_cooc_ctx *c)
{
	ig_cooc_sets *s = &c->sets;
	size_t u;

	ig_cooc_ctx_start_table(c);
	for (u = 0; u < s->n; u++)
		set_pairs(c, s->ent + s->off[u], s->off[u + 1] - s->off[u], s->f[u]);
	free(s->off);
	free(s->ent);
	free(s->f);
	free(s->outer);
	memset(s, 0, sizeof *s);
	c->keep_sets = 0;
}

uint64_t ig_cooc_score_table(ig_cooc_ctx *c, const ig_cooc_scorer *sc, ig_cooc_topk *topk)
{
	ig_cooc_pair p;
	uint64_t pairs = 0;
	const ig_cooc_side *col = c->bipartite ? &c->col : &c->row;

	ig_cooc_drain(c);
	while (ig_cooc_table_next(c->table, &p)) {
		uint32_t a = ig_cooc_key_a(p.key), b = ig_cooc_key_b(p.key);
		ig_cooc_nb nb;
		pairs++;
		if (!ig_cooc_score_pair(sc, a, b, p.w, p.s, &nb.score))
			continue;
		nb.support = p.s;
		nb.nb = b;
		nb.rank = col->rank[b];
		ig_cooc_topk_offer(topk, a, &nb);
		if (c->bipartite)
			continue;
		nb.nb = a;
		nb.rank = c->row.rank[a];
		ig_cooc_topk_offer(topk, b, &nb);
	}
	return pairs;
}
