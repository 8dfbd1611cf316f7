#include "rank/ig_rank_ctx_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "core/ig_num.h"
#include "rank/ig_rank_lift_priv.h"
#include "rank/ig_rank_vec_kernel.h"

const char *const ig_rank_default_heads[8] = {"view", "like", "comment", "share",
					      "save", "follow", "see_less", "hide"};

void ig_rank_fopts_default(ig_rank_fopts *o)
{
	o->positives = 1u << IG_EV_VIEW | 1u << IG_EV_LIKE | 1u << IG_EV_COMMENT | 1u << IG_EV_SHARE |
		       1u << IG_EV_SAVE | 1u << IG_EV_FOLLOW;
	o->half_life = 30 * 86400.0;
	o->short_n = 10;
	o->long_n = 200;
	o->recent = 7 * 86400.0;
}

void ig_rank_fopts_format(const ig_rank_fopts *o, char *buf, size_t len)
{
	size_t at;
	int t, first = 1;

	at = (size_t)snprintf(buf, len, "positives=");
	for (t = 0; t < IG_EV_COUNT && at < len; t++)
		if (o->positives >> t & 1) {
			at += (size_t)snprintf(buf + at, len - at, "%s%s", first ? "" : ",", ig_event_name(t));
			first = 0;
		}
	if (at < len)
		snprintf(buf + at, len - at, ";half_life=%.17g;short=%d;long=%d;recent=%.17g", o->half_life,
			 o->short_n, o->long_n, o->recent);
}

/* Parses one "key=value" of a feature spec; 0 or -1. */
static int fopts_field(char *kv, ig_rank_fopts *o)
{
	char *eq = strchr(kv, '='), err[128];

	if (eq == NULL)
		return -1;
	*eq++ = '\0';
	if (strcmp(kv, "positives") == 0)
		return ig_event_mask_parse(eq, &o->positives, err, sizeof err);
	if (strcmp(kv, "half_life") == 0)
		return ig_parse_double_range(eq, 1, 1e12, &o->half_life);
	if (strcmp(kv, "recent") == 0)
		return ig_parse_double_range(eq, 1, 1e12, &o->recent);
	if (strcmp(kv, "short") == 0)
		return ig_parse_int(eq, 1, 100000, &o->short_n);
	if (strcmp(kv, "long") == 0)
		return ig_parse_int(eq, 1, 100000, &o->long_n);
	return -1;
}

int ig_rank_fopts_parse(const char *s, ig_rank_fopts *o)
{
	char *copy = ig_strdup(s), *cursor = copy, *field;
	int got, rc = 0;

	ig_rank_fopts_default(o);
	while (rc == 0 && (got = ig_seplist_next(&cursor, ';', &field)) != 0)
		rc = got > 0 ? fopts_field(field, o) : -1;
	free(copy);
	if (rc == 0 && o->short_n > o->long_n)
		rc = -1;
	return rc;
}

/* Below this many times an insertion sort beats the radix sort's
 * counting passes. */
#define SORT_SMALL 32

static void insertion_sort(int64_t *t, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		int64_t x = t[i];

		for (j = i; j > 0 && t[j - 1] > x; j--)
			t[j] = t[j - 1];
		t[j] = x;
	}
}

/* One stable counting pass of the radix sort: FROM into TO by the byte
 * at SHIFT of each time's offset from MIN. */
static void radix_pass(const int64_t *from, int64_t *to, size_t n, int64_t min, int shift)
{
	size_t count[257] = {0}, i;

	for (i = 0; i < n; i++)
		count[(((uint64_t)from[i] - (uint64_t)min) >> shift & 0xff) + 1]++;
	for (i = 1; i < 257; i++)
		count[i] += count[i - 1];
	for (i = 0; i < n; i++)
		to[count[((uint64_t)from[i] - (uint64_t)min) >> shift & 0xff]++] = from[i];
}

void ig_rank_sort_times(int64_t *t, size_t n, int64_t *tmp)
{
	int64_t min, max, *from = t, *to = tmp, *swap;
	uint64_t span;
	size_t i;
	int shift;

	if (n <= SORT_SMALL) {
		insertion_sort(t, n);
		return;
	}
	min = max = t[0];
	for (i = 1; i < n; i++) {
		if (t[i] < min)
			min = t[i];
		if (t[i] > max)
			max = t[i];
	}
	/* a week of seconds takes three passes, not the eight of a whole
	 * int64 */
	span = (uint64_t)max - (uint64_t)min;
	for (shift = 0; shift < 64 && span >> shift != 0; shift += 8) {
		radix_pass(from, to, n, min, shift);
		swap = from, from = to, to = swap;
	}
	if (from != t)
		memcpy(t, from, n * sizeof *t);
}

typedef struct times_pass {
	ig_rank_ctx *c;
	size_t *at, n;
} times_pass;

static void times_user(void *arg, uint32_t u, const ig_rank_hev *ev, size_t n)
{
	times_pass *p = arg;
	ig_rank_ctx *c = p->c;
	size_t i;

	(void)u;
	for (i = 0; i < n; i++)
		if (c->o.positives >> ev[i].type & 1) {
			c->pt[p->at[ev[i].item]++] = ev[i].ts;
			c->all_pt[p->n++] = ev[i].ts;
		}
}

/* The times of the positives, per item and overall, sorted: what recent
 * popularity at a row's time is counted from. Needs pt_start's counts
 * (item_stats). */
static void positive_times(ig_rank_ctx *c)
{
	size_t i, n;
	times_pass p = {c, NULL, 0};
	int64_t *tmp;

	for (i = 0; i < c->nitems; i++)
		c->pt_start[i + 1] += c->pt_start[i];
	n = c->pt_start[c->nitems];
	c->pt = ig_reallocarray(NULL, n + 1, sizeof *c->pt);
	c->all_pt = ig_reallocarray(NULL, n + 1, sizeof *c->all_pt);
	c->npt = n;
	p.at = ig_malloc(((size_t)c->nitems + 1) * sizeof *p.at);
	memcpy(p.at, c->pt_start, ((size_t)c->nitems + 1) * sizeof *p.at);
	ig_rank_history_scan(c, times_user, &p);
	free(p.at);
	tmp = ig_reallocarray(NULL, n + 1, sizeof *tmp);
	for (i = 0; i < c->nitems; i++)
		ig_rank_sort_times(c->pt + c->pt_start[i], c->pt_start[i + 1] - c->pt_start[i], tmp);
	ig_rank_sort_times(c->all_pt, n, tmp);
	free(tmp);
}

double ig_rank_decay(const ig_rank_ctx *c, int64_t ts)
{
	return exp2(-(double)(c->tref - ts) / c->o.half_life);
}

typedef struct stats_pass {
	ig_rank_ctx *c;
	uint32_t *last;        /* per item, the last user with a positive on it */
} stats_pass;

static void stats_user(void *arg, uint32_t u, const ig_rank_hev *ev, size_t n)
{
	stats_pass *p = arg;
	ig_rank_ctx *c = p->c;
	size_t i;
	double d = 0;

	for (i = 0; i < n; i++) {
		const ig_rank_hev *e = &ev[i];

		/* events at one time share a weight: exp2 once */
		if (i == 0 || e->ts != ev[i - 1].ts)
			d = ig_rank_decay(c, e->ts);
		c->pop[(size_t)e->item * IG_EV_COUNT + e->type] += (float)d;
		if (!(c->o.positives >> e->type & 1))
			continue;
		c->pt_start[e->item + 1]++;
		if (p->last[e->item] != u) {
			p->last[e->item] = u;
			c->iusers[e->item] += 1;
		}
	}
}

/* Per item over every user's history: the decayed counts, the users with
 * a positive, the positives (counted into pt_start). */
static void item_stats(ig_rank_ctx *c)
{
	stats_pass p = {c, ig_malloc(((size_t)c->nitems + 1) * sizeof *p.last)};
	size_t i;

	c->pop = ig_calloc((size_t)c->nitems * IG_EV_COUNT, sizeof *c->pop);
	c->iusers = ig_calloc(c->nitems, sizeof *c->iusers);
	c->pt_start = ig_calloc((size_t)c->nitems + 1, sizeof *c->pt_start);
	for (i = 0; i < c->nitems; i++)
		p.last[i] = UINT32_MAX;
	ig_rank_history_scan(c, stats_user, &p);
	free(p.last);
}

/* An author's counts are its items' summed: an item shown a few times
 * tells little of its own engagement, its author's hundreds of
 * impressions more. */
static void author_stats(ig_rank_ctx *c)
{
	const ig_items *it = c->items;
	uint32_t i;
	int e;

	c->apop = ig_calloc(((size_t)ig_intern_count(it->authors) + 1) * IG_EV_COUNT, sizeof *c->apop);
	for (i = 0; i < c->nitems && i < it->count; i++)
		for (e = 0; e < IG_EV_COUNT; e++)
			c->apop[(size_t)it->author[i] * IG_EV_COUNT + e] += c->pop[(size_t)i * IG_EV_COUNT + e];
}

/* ROW scaled to unit length into OUT, which may be ROW (a zero vector
 * stays zero). */
static void unit_row(const float *row, float *out, uint32_t dim)
{
	double norm = 0;
	uint32_t d;

	for (d = 0; d < dim; d++)
		norm += (double)row[d] * (double)row[d];
	norm = norm > 0 ? 1 / sqrt(norm) : 0;
	for (d = 0; d < dim; d++)
		out[d] = (float)((double)row[d] * norm);
}

/* V's vectors scaled to unit length. */
static float *unit_copy(const ig_vectors *v)
{
	uint32_t i, dim = v->dim;
	float *unit = ig_reallocarray(NULL, (size_t)v->n * dim + 1, sizeof *unit);

	for (i = 0; i < v->n; i++)
		unit_row(ig_vectors_row(v, i), unit + (size_t)i * dim, dim);
	return unit;
}

/* V's vectors scaled to unit length in place, as unit_copy scales them:
 * the towers' raw vectors are read no more, and a copy would double what
 * every user's vector costs (ig-rank(1) MEMORY). */
static void unit_in_place(ig_vectors *v)
{
	uint32_t i;

	for (i = 0; i < v->n; i++)
		unit_row(v->data + (size_t)i * v->dim, v->data + (size_t)i * v->dim, v->dim);
}

/* The vectors' items into item_ids: a candidate that only they know
 * still has a number, and so its vector. */
static void add_vector_items(ig_rank_ctx *c, const ig_vectors *v)
{
	uint32_t i;

	for (i = 0; i < v->n; i++) {
		const char *name = ig_vectors_name(v, i);

		ig_intern_add(c->item_ids, name, strlen(name));
	}
}

static void load_vectors(ig_rank_ctx *c, const char *path)
{
	c->vec = ig_vectors_load(path);
	c->vec_isa = ig_rank_vec_isa();
	c->vunit = unit_copy(c->vec);
	add_vector_items(c, c->vec);
}

/* Per item number, the row of its vector in V, or IG_INTERN_NONE. */
static uint32_t *item_rows(const ig_rank_ctx *c, const ig_vectors *v)
{
	uint32_t it, *row = ig_malloc(((size_t)c->nitems + 1) * sizeof *row);

	for (it = 0; it < c->nitems; it++)
		row[it] = ig_vectors_find(v, ig_intern_str(c->item_ids, it), ig_intern_len(c->item_ids, it));
	return row;
}

/* ig-train-tower's PREFIX.users.vec and PREFIX.items.vec (--tower). */
static void load_tower(ig_rank_ctx *c, const char *prefix)
{
	size_t n = strlen(prefix) + sizeof ".users.vec";
	char *users = ig_malloc(n), *items = ig_malloc(n);

	snprintf(users, n, "%s.users.vec", prefix);
	snprintf(items, n, "%s.items.vec", prefix);
	c->tower_users = ig_vectors_load(users);
	c->tower_items = ig_vectors_load(items);
	if (c->tower_users->dim != c->tower_items->dim)
		ig_die("%s: vectors of %u dimensions, but %s has %u: --tower takes the two files of one ig-train-tower -o PREFIX",
		       users, c->tower_users->dim, items, c->tower_items->dim);
	unit_in_place(c->tower_users);
	unit_in_place(c->tower_items);
	add_vector_items(c, c->tower_items);
	free(users);
	free(items);
}

/* The neighbors stream at PATH, its items numbered in item_ids, kept as
 * the features read it (ig_rank_nb), item i's from NB_START[i] to
 * NB_START[i + 1] (returned): the loaded stream is freed. */
static size_t *load_neighbors(ig_rank_ctx *c, const char *path)
{
	ig_neighbors *nbrs = ig_neighbors_load(path, c->item_ids);
	uint32_t i, n = ig_intern_count(c->item_ids);
	size_t j, m, at = 0, *nb_start = ig_malloc(((size_t)n + 1) * sizeof *nb_start);

	c->nb = ig_reallocarray(NULL, nbrs->count ? nbrs->count : 1, sizeof *c->nb);
	for (i = 0; i < n; i++) {
		const ig_neighbor *nb = ig_neighbors_of(nbrs, i, &m);

		nb_start[i] = at;
		for (j = 0; j < m; j++, at++) {
			c->nb[at].item = nb[j].id;
			c->nb[at].score = nb[j].score;
		}
	}
	nb_start[n] = at;
	ig_neighbors_free(nbrs);
	return nb_start;
}

/* N as a record's count: a count above 32 bits would take more memory
 * than any machine has for its events or neighbours. */
static uint32_t record_count(size_t n, const char *what)
{
	if (n > UINT32_MAX)
		ig_die("an item has more than %u %s", UINT32_MAX, what);
	return (uint32_t)n;
}

/* The items' records (ig_rank_item) from the tables of the items stream,
 * the statistics and the neighbours' places NB_START (NULL: none). */
static void item_records(ig_rank_ctx *c, const size_t *nb_start)
{
	const ig_items *it = c->items;
	size_t bytes = ((size_t)c->nitems + 1) * sizeof *c->item;
	ig_intern *sets = ig_intern_new();
	uint32_t i;

	c->item = ig_calloc_lines(bytes);
	for (i = 0; i < c->nitems; i++) {
		ig_rank_item *r = &c->item[i];

		r->log_iusers = log1p((double)c->iusers[i]);
		r->created = -1;
		r->pt_start = c->pt_start[i];
		r->npt = record_count(c->pt_start[i + 1] - c->pt_start[i], "positives");
		if (nb_start) {
			r->nb_start = nb_start[i];
			r->nnb = record_count(nb_start[i + 1] - nb_start[i], "neighbours");
		}
		if (it && i < it->count) {
			r->meta = 1;
			r->created = it->created[i];
			r->author = it->author[i];
			r->media = it->media[i];
			r->topic_start = it->topic_start[i];
			r->topic_end = it->topic_start[i + 1];
			/* the list's bytes as an id: the same list, the same number */
			r->topic_set = ig_intern_add(sets, (const char *)(it->topic_list + r->topic_start),
						     (r->topic_end - r->topic_start) * sizeof *it->topic_list);
		}
	}
	c->ntopic_sets = ig_intern_count(sets);
	ig_intern_free(sets);
}

ig_rank_ctx *ig_rank_ctx_load(const ig_rank_inputs *in, const ig_rank_fopts *o)
{
	return ig_rank_ctx_load_shard(in, o, NULL);
}

ig_rank_ctx *ig_rank_ctx_load_shard(const ig_rank_inputs *in, const ig_rank_fopts *o, const ig_rank_shard *s)
{
	ig_rank_ctx *c = ig_calloc(1, sizeof *c);
	size_t *nb_start = NULL;

	c->o = *o;
	if (s && s->count > 1) {
		c->shard = s->index;
		c->nshards = s->count;
		c->tmpdir = s->tmpdir;
	}
	if (in->items) {
		c->items = ig_items_load(in->items);
		c->item_ids = c->items->ids;
		c->inputs |= IG_RANK_IN_ITEMS;
	} else {
		c->item_ids = ig_intern_new();
	}
	if ((in->follows || in->topics) && !c->items)
		ig_usage_error("--follows and --topics need --items (the authors and topics of items)");
	ig_rank_history_load(c, in->history);
	if (in->follows) {
		c->follows = ig_follows_load(in->follows, c->items->authors);
		c->inputs |= IG_RANK_IN_FOLLOWS;
	}
	if (in->topics) {
		c->topics = ig_topics_load(in->topics, c->items->topics);
		c->parent = c->topics->parent;
		c->inputs |= IG_RANK_IN_TOPICS;
	}
	if (in->vectors) {
		load_vectors(c, in->vectors);
		c->inputs |= IG_RANK_IN_VECTORS;
	}
	if (in->neighbors) {
		nb_start = load_neighbors(c, in->neighbors);
		c->inputs |= IG_RANK_IN_NEIGHBORS;
	}
	if (in->tower) {
		load_tower(c, in->tower);
		c->inputs |= IG_RANK_IN_TOWER;
	}
	c->nitems = ig_intern_count(c->item_ids);
	/* after every loader, as the neighbours may add items */
	if (c->vec)
		c->vrow = item_rows(c, c->vec);
	if (c->tower_items)
		c->tower_row = item_rows(c, c->tower_items);
	if (c->items)
		c->ntopics = ig_intern_count(c->items->topics);
	item_stats(c);
	if (c->items)
		author_stats(c);
	if (c->inputs & IG_RANK_IN_IMPRESSIONS)
		ig_rank_lift_fit(c);
	positive_times(c);
	item_records(c, nb_start);
	free(nb_start);
	if (c->spill) {
		/* every pass over the whole history is done */
		fclose(c->spill);
		c->spill = NULL;
	}
	ig_rank_ctx_names(c);
	return c;
}

void ig_rank_ctx_set_sources(ig_rank_ctx *c, char *const *names, int n)
{
	int i;

	for (i = 0; i < c->nsources; i++)
		free(c->sources[i]);
	free(c->sources);
	c->sources = ig_reallocarray(NULL, (size_t)n + 1, sizeof *c->sources);
	for (i = 0; i < n; i++)
		c->sources[i] = ig_strdup(names[i]);
	c->nsources = n;
	c->inputs |= IG_RANK_IN_CANDS;
	ig_rank_ctx_names(c);
}

unsigned ig_rank_ctx_inputs(const ig_rank_ctx *c)
{
	return c->inputs;
}

int ig_rank_nfeatures(const ig_rank_ctx *c)
{
	return c->nf;
}

const char *ig_rank_feature_name(const ig_rank_ctx *c, int i)
{
	return c->names[i];
}

const ig_rank_fopts *ig_rank_ctx_fopts(const ig_rank_ctx *c)
{
	return &c->o;
}

int64_t ig_rank_user_last_ts(const ig_rank_ctx *c, const char *user, size_t len)
{
	uint32_t u = ig_intern_find(c->users, user, len);

	if (u == IG_INTERN_NONE || c->u_start[u + 1] == c->u_start[u])
		return -1;
	return c->ev[c->u_start[u + 1] - 1].ts;
}

void ig_rank_ctx_free(ig_rank_ctx *c)
{
	int i;

	if (c == NULL)
		return;
	if (c->items)
		ig_items_free(c->items);
	else
		ig_intern_free(c->item_ids);
	ig_intern_free(c->users);
	if (c->follows)
		ig_follows_free(c->follows);
	if (c->topics)
		ig_topics_free(c->topics);
	free(c->nb);
	free(c->item);
	if (c->vec)
		ig_vectors_free(c->vec);
	free(c->u_start);
	free(c->ev);
	free(c->pop);
	free(c->iusers);
	free(c->apop);
	free(c->lift);
	free(c->alift);
	free(c->pt_start);
	free(c->pt);
	free(c->all_pt);
	free(c->vrow);
	free(c->vunit);
	if (c->tower_users)
		ig_vectors_free(c->tower_users);
	if (c->tower_items)
		ig_vectors_free(c->tower_items);
	free(c->tower_row);
	if (c->spill)
		fclose(c->spill);
	for (i = 0; i < c->nsources; i++)
		free(c->sources[i]);
	free(c->sources);
	for (i = 0; i < c->nf; i++)
		free(c->names[i]);
	free(c->names);
	free(c);
}
