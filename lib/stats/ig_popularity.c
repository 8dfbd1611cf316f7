#include "stats/ig_popularity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_topk.h"

void ig_pop_init(ig_popularity *p, double half_life)
{
	memset(p, 0, sizeof *p);
	p->half_life = half_life;
	p->latest = INT64_MIN;
}

void ig_pop_free(ig_popularity *p)
{
	free(p->count);
	free(p->last);
	memset(p, 0, sizeof *p);
}

/* 2^(-AGE / half-life); 1 for a negative age or no decay. */
static double decay(const ig_popularity *p, int64_t age)
{
	if (p->half_life <= 0 || age <= 0)
		return 1;
	return exp2(-(double)age / p->half_life);
}

static void reserve(ig_popularity *p, uint32_t item)
{
	size_t need = (size_t)item + 1, n = p->cap;

	if (need > n) {
		while (n < need)
			n = n ? 2 * n : 1024;
		p->count = ig_reallocarray(p->count, n * IG_EV_COUNT, sizeof *p->count);
		p->last = ig_reallocarray(p->last, n * IG_EV_COUNT, sizeof *p->last);
		memset(p->count + p->cap * IG_EV_COUNT, 0, (n - p->cap) * IG_EV_COUNT * sizeof *p->count);
		memset(p->last + p->cap * IG_EV_COUNT, 0, (n - p->cap) * IG_EV_COUNT * sizeof *p->last);
		p->cap = n;
	}
	if (need > p->nitems)
		p->nitems = (uint32_t)need;
}

void ig_pop_add(ig_popularity *p, uint32_t item, int type, int64_t ts)
{
	size_t at = (size_t)item * IG_EV_COUNT + (size_t)type;

	if (type < 0 || type >= IG_EV_COUNT)
		ig_die("internal error: event type %d", type);
	reserve(p, item);
	if (p->count[at] == 0) {
		p->count[at] = 1;
		p->last[at] = ts;
	} else if (ts >= p->last[at]) {
		p->count[at] = p->count[at] * decay(p, ts - p->last[at]) + 1;
		p->last[at] = ts;
	} else {
		p->count[at] += decay(p, p->last[at] - ts);
	}
	if (ts > p->latest)
		p->latest = ts;
	p->events++;
}

void ig_pop_add_group(ig_popularity *p, const ig_user_group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (g->ev[i].item == IG_INTERN_NONE)
			ig_die("internal error: events read without an item table");
		ig_pop_add(p, g->ev[i].item, g->ev[i].type, g->ev[i].ts);
	}
}

void ig_pop_add_stream(ig_popularity *p, const char *path, ig_intern *items)
{
	ig_user_events_reader *e = ig_user_events_open(path, items);
	ig_user_group g;

	memset(&g, 0, sizeof g);
	while (ig_user_events_next(e, &g))
		ig_pop_add_group(p, &g);
	ig_user_group_free(&g);
	ig_user_events_close(e);
}

double ig_pop_count(const ig_popularity *p, uint32_t item, int type, int64_t now)
{
	size_t at = (size_t)item * IG_EV_COUNT + (size_t)type;

	if (item >= p->nitems || type < 0 || type >= IG_EV_COUNT || p->count[at] == 0)
		return 0;
	return p->count[at] * decay(p, now - p->last[at]);
}

double ig_pop_score(const ig_popularity *p, uint32_t item, const double w[IG_EV_COUNT], int64_t now)
{
	double s = 0;
	int t;

	for (t = 0; t < IG_EV_COUNT; t++)
		if (w[t] != 0)
			s += w[t] * ig_pop_count(p, item, t, now);
	return s;
}

/* A kept item with its id, so that ties are broken without a table. */
typedef struct pop_cand {
	ig_pop_item it;
	const char *id;
	size_t len;
} pop_cand;

static inline int pop_better(const pop_cand *a, const pop_cand *b)
{
	int c;

	if (a->it.score != b->it.score)
		return a->it.score > b->it.score;
	c = memcmp(a->id, b->id, a->len < b->len ? a->len : b->len);
	return c < 0 || (c == 0 && a->len < b->len);
}

IG_TOPK_DEFINE(pop_top, pop_cand, pop_better)

size_t ig_pop_top(const ig_popularity *p, const double w[IG_EV_COUNT], int64_t now, const ig_intern *ids,
		  size_t k, ig_pop_item *out)
{
	pop_cand *h;
	size_t n = 0, j;
	uint32_t i;

	if (k == 0)
		return 0;
	h = ig_reallocarray(NULL, k < p->nitems ? k : (p->nitems ? p->nitems : 1), sizeof *h);
	for (i = 0; i < p->nitems; i++) {
		pop_cand c;

		c.it.item = i;
		c.it.score = ig_pop_score(p, i, w, now);
		if (!(c.it.score > 0))
			continue;
		c.id = ig_intern_str(ids, i);
		c.len = ig_intern_len(ids, i);
		pop_top_offer(h, &n, k, c);
	}
	pop_top_sort_heap(h, n);
	for (j = 0; j < n; j++)
		out[j] = h[j].it;
	free(h);
	return n;
}
