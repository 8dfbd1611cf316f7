#include "stats/ig_popularity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

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

static const ig_intern *sort_ids;

static int better(const ig_pop_item *a, const ig_pop_item *b)
{
	const char *x, *y;
	size_t lx, ly;
	int c;

	if (a->score != b->score)
		return a->score > b->score;
	x = ig_intern_str(sort_ids, a->item);
	y = ig_intern_str(sort_ids, b->item);
	lx = ig_intern_len(sort_ids, a->item);
	ly = ig_intern_len(sort_ids, b->item);
	c = memcmp(x, y, lx < ly ? lx : ly);
	return c < 0 || (c == 0 && lx < ly);
}

static int cmp_best(const void *a, const void *b)
{
	return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/* Sifts the worst of a min-heap (worst at the root) down from I. */
static void sift_down(ig_pop_item *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		ig_pop_item t;

		if (l < n && better(&h[w], &h[l]))
			w = l;
		if (r < n && better(&h[w], &h[r]))
			w = r;
		if (w == i)
			return;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

size_t ig_pop_top(const ig_popularity *p, const double w[IG_EV_COUNT], int64_t now, const ig_intern *ids,
		  size_t k, ig_pop_item *out)
{
	size_t n = 0, j;
	uint32_t i;

	if (k == 0)
		return 0;
	sort_ids = ids;
	for (i = 0; i < p->nitems; i++) {
		ig_pop_item c = {i, ig_pop_score(p, i, w, now)};

		if (!(c.score > 0))
			continue;
		if (n < k) {
			out[n++] = c;
			if (n == k)
				for (j = k / 2 + 1; j-- > 0;)
					sift_down(out, n, j);
		} else if (better(&c, &out[0])) {
			out[0] = c;
			sift_down(out, n, 0);
		}
	}
	qsort(out, n, sizeof *out, cmp_best);
	return n;
}
