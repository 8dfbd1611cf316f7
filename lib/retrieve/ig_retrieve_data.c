/* The in-memory data of the retrieval sources: catalog, topic tree,
 * neighbour lists, vectors, popularity. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_csr.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "core/ig_rng.h"
#include "io/ig_events.h"
#include "io/ig_neighbors.h"
#include "io/ig_topics.h"
#include "io/ig_reader.h"
#include "retrieve/ig_ann.h"
#include "retrieve/ig_retrieve.h"
#include "retrieve/ig_retrieve_priv.h"

#define DAY 86400.0

void ig_ropts_default(ig_ropts *o)
{
	memset(o, 0, sizeof *o);
	o->at = -1;
	o->total = 500;
	o->pop_half_life = 7 * DAY;
	o->trend_short = 1 * DAY;
	o->trend_long = 7 * DAY;
	o->see_less_half_life = 2 * DAY;
	o->cold = 5;
	o->clusters = 0;
	o->cluster_sample = 20000;
	o->seed = 1;
}

ig_rdata *ig_rdata_new(const ig_ropts *o)
{
	ig_rdata *d = ig_calloc(1, sizeof *d);

	d->opt = *o;
	d->items = ig_intern_new();
	d->accounts = ig_intern_new();
	d->topics = ig_intern_new();
	d->now = o->at;
	return d;
}

static void csr_free(ig_rcsr *c)
{
	free(c->start);
	free(c->id);
	free(c->score);
	memset(c, 0, sizeof *c);
}

void ig_rdata_free(ig_rdata *d)
{
	if (!d)
		return;
	/* with a catalog, the vocabularies are its own */
	if (d->catalog) {
		ig_items_free(d->catalog);
	} else {
		ig_intern_free(d->items);
		ig_intern_free(d->accounts);
		ig_intern_free(d->topics);
	}
	csr_free(&d->author_items);
	csr_free(&d->topic_items);
	csr_free(&d->recent_items);
	if (d->tree)
		ig_topics_free(d->tree);
	csr_free(&d->item_nbrs);
	csr_free(&d->account_nbrs);
	ig_rknn_free(d->knn_cache);
	if (d->index)
		ig_hnsw_free(d->index);
	if (d->item_vec)
		ig_vectors_free(d->item_vec);
	if (d->account_vec)
		ig_vectors_free(d->account_vec);
	if (d->user_vec)
		ig_vectors_free(d->user_vec);
	if (d->tower_vec)
		ig_vectors_free(d->tower_vec);
	free(d->tower_vec_item);
	free(d->user_vec_found);
	ig_rtower_free(d->tower);
	free(d->item_row);
	free(d->item_rank);
	free(d->vec_item);
	free(d->account_row);
	free(d->vec_account);
	free(d->pop);
	free(d->trend);
	free(d->exposure);
	csr_free(&d->pop_global);
	csr_free(&d->trend_global);
	csr_free(&d->pop_topic);
	free(d->centroids);
	csr_free(&d->pop_cluster);
	if (d->users)
		ig_intern_free(d->users);
	free(d->user_start);
	free(d->user_item);
	free(d->item_start);
	free(d->item_user);
	free(d->idf);
	free(d->user_norm);
	free(d);
}

/* CSR from (row, id, score) triples, keeping their order within a row. */
typedef struct triple {
	uint32_t row, id;
	float score;
	uint32_t order;
} triple;

static int triple_cmp(const void *a, const void *b)
{
	const triple *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void csr_build(ig_rcsr *c, uint32_t nrows, triple *t, size_t n)
{
	size_t i;

	/* a neighbors stream comes in row order already */
	for (i = 1; i < n && triple_cmp(&t[i - 1], &t[i]) <= 0; i++)
		;
	if (i < n)
		qsort(t, n, sizeof *t, triple_cmp);
	c->nrows = nrows;
	c->start = ig_calloc((size_t)nrows + 1, sizeof *c->start);
	c->id = ig_reallocarray(NULL, n ? n : 1, sizeof *c->id);
	c->score = ig_reallocarray(NULL, n ? n : 1, sizeof *c->score);
	for (i = 0; i < n; i++) {
		c->start[t[i].row + 1]++;
		c->id[i] = t[i].id;
		c->score[i] = t[i].score;
	}
	for (i = 0; i < nrows; i++)
		c->start[i + 1] += c->start[i];
}

static triple *triple_push(triple *t, size_t *n, size_t *cap, uint32_t row, uint32_t id, float score)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		t = ig_reallocarray(t, *cap, sizeof *t);
	}
	t[*n] = (triple){row, id, score, (uint32_t)*n};
	(*n)++;
	return t;
}

/* Items newest first (created descending, then item number); ARG is the
 * items' creation times. */
static int newest_first(const void *a, const void *b, void *arg)
{
	const triple *x = a, *y = b;
	const int64_t *created = arg;
	int64_t cx = created[x->id], cy = created[y->id];

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void csr_newest(ig_rcsr *c, uint32_t nrows, triple *t, size_t n, const int64_t *created)
{
	size_t i;

	if (n > 1) /* no items, no array: qsort_r wants one */
		qsort_r(t, n, sizeof *t, newest_first, (void *)created);
	for (i = 0; i < n; i++)
		t[i].order = (uint32_t)i;
	csr_build(c, nrows, t, n);
}

void ig_rdata_load_items(ig_rdata *d, const char *path)
{
	ig_items *it = ig_items_load(path);
	triple *t = NULL;
	size_t n = 0, cap = 0;
	uint32_t i, k;

	/* the catalog's vocabularies become the data's: item i is number i */
	ig_intern_free(d->items);
	ig_intern_free(d->accounts);
	ig_intern_free(d->topics);
	d->items = it->ids;
	d->accounts = it->authors;
	d->topics = it->topics;
	d->catalog = it;
	d->ncatalog = it->count;
	for (i = 0; i < it->count; i++)
		t = triple_push(t, &n, &cap, it->author[i], i, 0);
	csr_newest(&d->author_items, ig_intern_count(d->accounts), t, n, it->created);
	n = 0;
	for (i = 0; i < it->count; i++)
		for (k = it->topic_start[i]; k < it->topic_start[i + 1]; k++)
			t = triple_push(t, &n, &cap, it->topic_list[k], i, 0);
	csr_newest(&d->topic_items, ig_intern_count(d->topics), t, n, it->created);
	n = 0;
	for (i = 0; i < it->count; i++)
		t = triple_push(t, &n, &cap, 0, i, 0);
	csr_newest(&d->recent_items, 1, t, n, it->created);
	free(t);
	d->have[IG_RIN_ITEMS] = "--items";
}

void ig_rdata_load_topics(ig_rdata *d, const char *path)
{
	ig_topics *t = ig_topics_load(path, d->topics);
	uint32_t i;

	/* the tree shares the data's topic numbers */
	d->tree = t;
	d->ntopic_tree = t->count;
	d->parent = t->parent;
	d->children.nrows = t->count;
	d->children.start = t->child_start;
	d->children.id = t->child;
	for (i = 0; i < t->count; i++)
		if (d->parent[i] == i)
			ig_die("%s: topic '%s' is its own parent", path, ig_intern_str(d->topics, i));
	d->have[IG_RIN_TOPICS] = "--topics";
}

/* An id of a side input that is not in the catalog: counted and skipped,
 * fatal with --strict. Without a catalog every id is accepted. */
static uint32_t side_item(ig_rdata *d, const char *id, const char *file, long line, uint64_t *unknown)
{
	uint32_t i;

	if (!d->catalog)
		return ig_intern_add(d->items, id, strlen(id));
	i = ig_intern_find(d->items, id, strlen(id));
	if (i != IG_INTERN_NONE && i < d->ncatalog)
		return i;
	if (d->opt.strict)
		ig_die_at(file, line, "item '%s' is not in the items stream", id);
	(*unknown)++;
	return IG_INTERN_NONE;
}

static uint32_t side_account(ig_rdata *d, const char *id, const char *file, long line, uint64_t *unknown)
{
	uint32_t a;

	if (!d->catalog)
		return ig_intern_add(d->accounts, id, strlen(id));
	a = ig_intern_find(d->accounts, id, strlen(id));
	if (a != IG_INTERN_NONE)
		return a;
	if (d->opt.strict)
		ig_die_at(file, line, "account '%s' is not an author in the items stream", id);
	(*unknown)++;
	return IG_INTERN_NONE;
}

/* A neighbors stream, read by lib/io, kept for the ids of the catalog. */
void ig_rdata_load_neighbors(ig_rdata *d, const char *path, int accounts)
{
	ig_intern *vocab = accounts ? d->accounts : d->items;
	uint32_t known = d->catalog ? (accounts ? ig_intern_count(d->accounts) : d->ncatalog) : UINT32_MAX;
	ig_neighbors *nb = ig_neighbors_load(path, vocab);
	uint64_t unknown = 0;
	triple *t = NULL;
	size_t n = 0, cap = 0;
	uint32_t a, nrows = ig_intern_count(vocab);

	for (a = 0; a < nb->nids; a++) {
		size_t k, cnt;
		const ig_neighbor *row = ig_neighbors_of(nb, a, &cnt);

		for (k = 0; k < cnt; k++) {
			if (a >= known || row[k].id >= known) {
				if (d->opt.strict)
					ig_die("%s: %s '%s' is not in the items stream", path, accounts ? "account" : "item",
					       ig_intern_str(vocab, a >= known ? a : row[k].id));
				unknown++;
				continue;
			}
			if (row[k].score > 0)
				t = triple_push(t, &n, &cap, a, row[k].id, row[k].score);
		}
	}
	if (unknown)
		ig_warn("%s: %llu line%s with an id not in the items stream, skipped (--strict: fatal)", path,
			(unsigned long long)unknown, unknown == 1 ? "" : "s");
	d->stats.unknown_neighbors += unknown;
	csr_build(accounts ? &d->account_nbrs : &d->item_nbrs, nrows, t, n);
	free(t);
	ig_neighbors_free(nb);
	d->have[accounts ? IG_RIN_ACCOUNT_NEIGHBORS : IG_RIN_NEIGHBORS] = accounts ? "--account-neighbors" : "--neighbors";
}

/* A vectors file, its rows mapped to the vocabulary's ids (OF_ROW, per
 * row: the id or IG_INTERN_NONE), its norms made before any thread
 * searches it. */
static ig_vectors *read_vectors(ig_rdata *d, const char *path, int accounts, uint32_t **of_row_out)
{
	ig_vectors *v = ig_vectors_load(path);
	uint32_t *of_row, r;
	float q[1] = {0};
	uint64_t unknown0 = d->stats.unknown_vectors;

	of_row = ig_reallocarray(NULL, v->n ? v->n : 1, sizeof *of_row);
	for (r = 0; r < v->n; r++) {
		const char *name = ig_vectors_name(v, r);

		of_row[r] = accounts ? side_account(d, name, path, (long)r + 2, &d->stats.unknown_vectors)
				     : side_item(d, name, path, (long)r + 2, &d->stats.unknown_vectors);
	}
	if (d->stats.unknown_vectors > unknown0)
		ig_warn("%s: %llu vector%s not in the items stream, skipped (--strict: fatal)", path,
			(unsigned long long)(d->stats.unknown_vectors - unknown0),
			d->stats.unknown_vectors - unknown0 == 1 ? "" : "s");
	/* the first query makes the norms; make them now, before threads */
	if (v->n && v->dim == 1)
		ig_vectors_nearest(v, q, 1, IG_INTERN_NONE, &r, q);
	else if (v->n) {
		float *z = ig_calloc(v->dim, sizeof *z), s;

		ig_vectors_nearest(v, z, 1, IG_INTERN_NONE, &r, &s);
		free(z);
	}
	*of_row_out = of_row;
	return v;
}

void ig_rdata_load_vectors(ig_rdata *d, const char *path, int accounts)
{
	uint32_t *row_of, *of_row, nrow, r;
	ig_vectors *v = read_vectors(d, path, accounts, &of_row);

	nrow = accounts ? ig_intern_count(d->accounts) : ig_intern_count(d->items);
	row_of = ig_reallocarray(NULL, nrow ? nrow : 1, sizeof *row_of);
	memset(row_of, 0xff, (size_t)(nrow ? nrow : 1) * sizeof *row_of);
	for (r = 0; r < v->n; r++)
		if (of_row[r] != IG_INTERN_NONE)
			row_of[of_row[r]] = r;
	if (accounts) {
		d->account_vec = v;
		d->account_row = row_of;
		d->naccount_row = nrow;
		d->vec_account = of_row;
		d->have[IG_RIN_ACCOUNT_VECTORS] = "--account-vectors";
	} else {
		d->item_vec = v;
		d->item_row = row_of;
		d->nitem_row = nrow;
		d->vec_item = of_row;
		d->have[IG_RIN_VECTORS] = "--vectors";
	}
}

void ig_rdata_load_tower_vectors(ig_rdata *d, const char *path)
{
	d->tower_vec = read_vectors(d, path, 0, &d->tower_vec_item);
}

/* Decayed sums kept exact in range: each item holds its sum as of its
 * latest event, rescaled when a later event comes. */
typedef struct decayed {
	double pop, s, l;
	int64_t ref;
} decayed;

static void decayed_add(decayed *x, int64_t ts, double w, const ig_ropts *o)
{
	if (x->ref == 0 || ts > x->ref) {
		if (x->ref) {
			double dt = (double)(ts - x->ref);

			x->pop *= exp2(-dt / o->pop_half_life);
			x->s *= exp2(-dt / o->trend_short);
			x->l *= exp2(-dt / o->trend_long);
		}
		x->ref = ts;
	}
	x->pop += w * exp2(-(double)(x->ref - ts) / o->pop_half_life);
	x->s += w * exp2(-(double)(x->ref - ts) / o->trend_short);
	x->l += w * exp2(-(double)(x->ref - ts) / o->trend_long);
}

/* Top N items of SCORE (positive only), best first, ties by number. */
static uint32_t *top_items(const float *score, uint32_t n, uint32_t keep, uint32_t *got)
{
	ig_rset s = {0};
	uint32_t i, *out;

	for (i = 0; i < n; i++)
		if (score[i] > 0)
			ig_rset_push(&s, i, score[i], 0);
	ig_rset_top(&s, keep);
	out = ig_reallocarray(NULL, s.n ? s.n : 1, sizeof *out);
	if (s.n)
		memcpy(out, s.id, (size_t)s.n * sizeof *out);
	*got = s.n;
	ig_rset_free(&s);
	return out;
}

static void csr_one_row(ig_rcsr *c, const float *score, uint32_t n, uint32_t keep)
{
	uint32_t got, i;

	c->id = top_items(score, n, keep, &got);
	c->nrows = 1;
	c->start = ig_calloc(2, sizeof *c->start);
	c->start[1] = got;
	c->score = ig_reallocarray(NULL, got ? got : 1, sizeof *c->score);
	for (i = 0; i < got; i++)
		c->score[i] = score[c->id[i]];
}

#define POP_KEEP 5000

/* Per row of ROWS (topics or clusters): the items of highest SCORE[row]. */
static void csr_top_per_row(ig_rcsr *c, uint32_t nrows, const float *scores, uint32_t n, uint32_t keep)
{
	triple *t = NULL;
	size_t nt = 0, cap = 0;
	uint32_t r, got, i, *top;

	for (r = 0; r < nrows; r++) {
		top = top_items(scores + (size_t)r * n, n, keep, &got);
		for (i = 0; i < got; i++)
			t = triple_push(t, &nt, &cap, r, top[i], scores[(size_t)r * n + top[i]]);
		free(top);
	}
	csr_build(c, nrows, t, nt);
	free(t);
}

static void pop_topics(ig_rdata *d)
{
	uint32_t nt = ig_intern_count(d->topics), ni = d->ncatalog, i, k;
	triple *t = NULL;
	size_t n = 0, cap = 0;
	ig_rset s = {0};

	/* per topic, its items by popularity: from the topic's item list */
	for (k = 0; k < nt; k++) {
		s.n = 0;
		if (k < d->topic_items.nrows)
			for (i = d->topic_items.start[k]; i < d->topic_items.start[k + 1]; i++) {
				uint32_t it = d->topic_items.id[i];

				if (it < d->npop && d->pop[it] > 0)
					ig_rset_push(&s, it, d->pop[it], 0);
			}
		ig_rset_top(&s, POP_KEEP);
		for (i = 0; i < s.n; i++)
			t = triple_push(t, &n, &cap, k, s.id[i], s.score[i]);
	}
	(void)ni;
	csr_build(&d->pop_topic, nt, t, n);
	free(t);
	ig_rset_free(&s);
}

typedef struct user_reader {
	ig_events_reader *er;
	ig_event ev;
	int has;
	char user[IG_MAX_ID_LEN + 1];
	size_t ulen;
	ig_rev *h;
	size_t n, cap;
	uint64_t events;
	/* the last item interned: an impression's view and like follow it */
	char last[IG_MAX_ID_LEN + 1];
	size_t last_len;
	uint32_t last_id;
} user_reader;

static uint32_t ur_item(ig_rdata *d, user_reader *ur)
{
	const ig_event *e = &ur->ev;

	if (e->item_len != ur->last_len || memcmp(e->item, ur->last, e->item_len) != 0) {
		ur->last_id = ig_intern_add(d->items, e->item, e->item_len);
		memcpy(ur->last, e->item, e->item_len);
		ur->last_len = e->item_len;
	}
	return ur->last_id;
}

/* The next user's events before the request time, items interned. */
static int next_user(ig_rdata *d, user_reader *ur)
{
	if (!ur->has)
		return 0;
	memcpy(ur->user, ur->ev.user, ur->ev.user_len);
	ur->user[ur->ev.user_len] = '\0';
	ur->ulen = ur->ev.user_len;
	ur->n = 0;
	while (ur->has && ur->ev.user_len == ur->ulen && memcmp(ur->ev.user, ur->user, ur->ulen) == 0) {
		ur->events++;
		if (d->opt.at < 0 || ur->ev.ts < d->opt.at) {
			if (ur->n == ur->cap) {
				ur->cap = ur->cap ? ur->cap * 2 : 256;
				ur->h = ig_reallocarray(ur->h, ur->cap, sizeof *ur->h);
			}
			ur->h[ur->n].ts = ur->ev.ts;
			ur->h[ur->n].type = (uint8_t)ur->ev.type;
			ur->h[ur->n].item = ur_item(d, ur);
			ur->n++;
		}
		ur->has = ig_events_next(ur->er, &ur->ev);
	}
	return 1;
}

static void ur_open(user_reader *ur, const char *path)
{
	memset(ur, 0, sizeof *ur);
	ur->er = ig_events_open(path);
	ur->last_len = SIZE_MAX;
	ur->has = ig_events_next(ur->er, &ur->ev);
}

static void ur_close(user_reader *ur)
{
	ig_events_close(ur->er);
	free(ur->h);
}

/* The user vector: the profile-weighted mean of the item vectors. Returns
 * 0 when no item has a vector. */
static int user_vector(const ig_rdata *d, const ig_rev *h, size_t n, int64_t now, float *q)
{
	double w[IG_EV_COUNT], tw = 0;
	uint32_t dim = d->item_vec->dim, k;
	size_t i;

	ig_event_weights_default(w);
	memset(q, 0, dim * sizeof *q);
	for (i = 0; i < n; i++) {
		uint32_t it = h[i].item;
		double x;
		const float *v;

		if (w[h[i].type] <= 0 || it >= d->nitem_row || d->item_row[it] == IG_INTERN_NONE)
			continue;
		x = w[h[i].type] * exp2(-(double)(now - h[i].ts) / (30 * DAY));
		v = ig_vectors_row(d->item_vec, d->item_row[it]);
		for (k = 0; k < dim; k++)
			q[k] += (float)(x * (double)v[k]);
		tw += x;
	}
	return tw > 0;
}

uint32_t ig_rdata_cluster_of(const ig_rdata *d, const float *q)
{
	uint32_t c = 0, best = 0, dim = d->dim, j;
	const float *m = d->centroids;
	float bs = -2, s4[4];

	/* four centroids a pass over Q, each dot the one ig_rdot gives */
	for (; c + 4 <= d->nclusters; c += 4) {
		ig_rdot4(q, m + (size_t)c * dim, m + (size_t)(c + 1) * dim, m + (size_t)(c + 2) * dim,
			 m + (size_t)(c + 3) * dim, dim, s4);
		for (j = 0; j < 4; j++)
			if (s4[j] > bs)
				bs = s4[j], best = c + j;
	}
	for (; c < d->nclusters; c++) {
		float s = ig_rdot(q, m + (size_t)c * dim, dim);

		if (s > bs)
			bs = s, best = c;
	}
	return best;
}

static void unit(float *x, uint32_t dim)
{
	double n = 0;
	uint32_t j;

	for (j = 0; j < dim; j++)
		n += (double)x[j] * (double)x[j];
	if (n > 0)
		for (j = 0; j < dim; j++)
			x[j] = (float)((double)x[j] / sqrt(n));
}

/* The users the clusters are fitted on: the first cluster_sample users
 * (in the order of the events) that have a vector, with their vectors and
 * engagements kept until the centroids exist, so that one pass over the
 * events both fits the clusters and counts every user in one. */
typedef struct sample {
	float *vec;        /* n x dim: the users' vectors */
	uint32_t n, cap;   /* users */
	uint32_t *start;   /* n + 1: each user's engagements in item, type */
	uint32_t *item;
	uint8_t *type;
	size_t nev, evcap, evmax;
} sample;

/* The state of the pass over the events, held until it returns. */
typedef struct pop_pass {
	user_reader ur;
	decayed *x;        /* per item */
	uint32_t cap;      /* items the per-item arrays hold */
	float *cpop;       /* nclusters x cap, once the centroids exist */
	float *q;
	sample s;
	int fitting;       /* clusters wanted, centroids not yet fitted */
	uint32_t *ustamp;  /* per item: 1 + the last user indexed with it */
	size_t ucap;       /* user_item's room */
	uint32_t uscap;    /* user_start's */
} pop_pass;

/* Spherical k-means over the sample's vectors, seeded from it with --seed. */
static void kmeans(ig_rdata *d, const sample *sm, uint32_t dim)
{
	uint32_t ns = sm->n, k = d->opt.clusters, it, i, c;
	const float *vec = sm->vec;
	uint32_t *assign;
	ig_rng rng;

	/* by default a cluster holds about 200 users, so that its popularity
	 * rests on enough histories */
	if (k == 0)
		k = ns / 200 < 2 ? 2 : ns / 200 > 64 ? 64 : ns / 200;
	if (k > ns)
		k = ns;
	d->nclusters = k;
	d->dim = dim;
	d->centroids = ig_calloc((size_t)(k ? k : 1) * dim, sizeof(float));
	if (k == 0)
		return;
	ig_rng_seed(&rng, d->opt.seed);
	for (i = 0; i < k; i++) {
		uint32_t pick = (uint32_t)ig_rng_below(&rng, ns);

		memcpy(d->centroids + (size_t)i * dim, vec + (size_t)pick * dim, dim * sizeof(float));
		unit(d->centroids + (size_t)i * dim, dim);
	}
	assign = ig_calloc(ns, sizeof *assign);
	for (it = 0; it < 10; it++) {
		float *sum = ig_calloc((size_t)k * dim, sizeof(float));
		uint32_t *cnt = ig_calloc(k, sizeof *cnt);

		for (i = 0; i < ns; i++) {
			const float *x = vec + (size_t)i * dim;
			float nx = 0;
			uint32_t j;

			assign[i] = ig_rdata_cluster_of(d, x);
			for (j = 0; j < dim; j++)
				nx += x[j] * x[j];
			nx = nx > 0 ? 1 / sqrtf(nx) : 0;
			for (j = 0; j < dim; j++)
				sum[(size_t)assign[i] * dim + j] += x[j] * nx;
			cnt[assign[i]]++;
		}
		for (c = 0; c < k; c++)
			if (cnt[c]) {
				memcpy(d->centroids + (size_t)c * dim, sum + (size_t)c * dim, dim * sizeof(float));
				unit(d->centroids + (size_t)c * dim, dim);
			}
		free(sum);
		free(cnt);
	}
	free(assign);
}

/* The per-item arrays hold every item numbered so far. */
static void pass_fit_items(ig_rdata *d, pop_pass *p)
{
	uint32_t n = ig_intern_count(d->items), old = p->cap, i;

	if (n <= old)
		return;
	p->cap = n * 2 > 1024 ? n * 2 : 1024;
	p->x = ig_reallocarray(p->x, p->cap, sizeof *p->x);
	memset(p->x + old, 0, (size_t)(p->cap - old) * sizeof *p->x);
	d->exposure = ig_reallocarray(d->exposure, p->cap, sizeof *d->exposure);
	memset(d->exposure + old, 0, (size_t)(p->cap - old) * sizeof *d->exposure);
	if (d->index_users) {
		p->ustamp = ig_reallocarray(p->ustamp, p->cap, sizeof *p->ustamp);
		memset(p->ustamp + old, 0, (size_t)(p->cap - old) * sizeof *p->ustamp);
	}
	if (p->cpop) {
		float *np = ig_calloc((size_t)d->nclusters * p->cap, sizeof(float));

		for (i = 0; i < d->nclusters; i++)
			memcpy(np + (size_t)i * p->cap, p->cpop + (size_t)i * old, old * sizeof(float));
		free(p->cpop);
		p->cpop = np;
	}
}

/* A user's engagements, weighted by type, counted in cluster C. */
static void cluster_count(pop_pass *p, uint32_t c, const ig_rev *h, size_t n, const double *w)
{
	float *row = p->cpop + (size_t)c * p->cap;
	size_t j;

	for (j = 0; j < n; j++)
		if (w[h[j].type] > 0)
			row[h[j].item] += (float)w[h[j].type];
}

/* The centroids from the sample, then the sample's users counted. */
static void pass_fit_clusters(ig_rdata *d, pop_pass *p, const double *w)
{
	sample *sm = &p->s;
	uint32_t i, dim = d->item_vec->dim;

	kmeans(d, sm, dim);
	p->fitting = 0;
	if (d->nclusters)
		p->cpop = ig_calloc((size_t)d->nclusters * p->cap, sizeof(float));
	for (i = 0; i < sm->n && d->nclusters; i++) {
		float *row = p->cpop + (size_t)ig_rdata_cluster_of(d, sm->vec + (size_t)i * dim) * p->cap;
		size_t j;

		for (j = sm->start[i]; j < sm->start[i + 1]; j++)
			row[sm->item[j]] += (float)w[sm->type[j]];
	}
	free(sm->vec);
	free(sm->start);
	free(sm->item);
	free(sm->type);
	memset(sm, 0, sizeof *sm);
}

/* A user with a vector joins the sample; a full sample (in users, or in
 * engagements: 256 a user on average) fits the clusters. */
static void sample_add(ig_rdata *d, pop_pass *p, const float *q, const double *w)
{
	sample *sm = &p->s;
	uint32_t dim = d->item_vec->dim;
	const user_reader *ur = &p->ur;
	size_t j;

	if (sm->cap == 0) {
		sm->cap = d->opt.cluster_sample ? d->opt.cluster_sample : 1;
		sm->vec = ig_reallocarray(NULL, (size_t)sm->cap * dim, sizeof *sm->vec);
		sm->start = ig_reallocarray(NULL, (size_t)sm->cap + 1, sizeof *sm->start);
		sm->start[0] = 0;
		sm->evmax = (size_t)sm->cap * 256;
	}
	memcpy(sm->vec + (size_t)sm->n * dim, q, dim * sizeof *q);
	for (j = 0; j < ur->n; j++) {
		if (w[ur->h[j].type] <= 0)
			continue;
		if (sm->nev == sm->evcap) {
			sm->evcap = sm->evcap ? sm->evcap * 2 : 4096;
			sm->item = ig_reallocarray(sm->item, sm->evcap, sizeof *sm->item);
			sm->type = ig_reallocarray(sm->type, sm->evcap, sizeof *sm->type);
		}
		sm->item[sm->nev] = ur->h[j].item;
		sm->type[sm->nev] = ur->h[j].type;
		sm->nev++;
	}
	sm->start[++sm->n] = (uint32_t)sm->nev;
	if (sm->n == sm->cap || sm->nev >= sm->evmax)
		pass_fit_clusters(d, p, w);
}

void ig_rdata_index_users(ig_rdata *d)
{
	d->index_users = 1;
}

/* The user's distinct engaged items join the index; a user met again (the
 * events not sorted by user) keeps the first run. */
static void users_add(ig_rdata *d, pop_pass *p, const double *w)
{
	const user_reader *ur = &p->ur;
	uint32_t u = ig_intern_add(d->users, ur->user, ur->ulen);
	size_t j;

	if (u != d->nusers)
		return;
	if (d->nusers + 2 > p->uscap) {
		p->uscap = p->uscap ? p->uscap * 2 : 1024;
		d->user_start = ig_reallocarray(d->user_start, p->uscap, sizeof *d->user_start);
		d->user_start[0] = 0;
	}
	for (j = 0; j < ur->n; j++) {
		uint32_t it = ur->h[j].item;

		if (w[ur->h[j].type] <= 0 || p->ustamp[it] == u + 1)
			continue;
		p->ustamp[it] = u + 1;
		if (d->nuser_items == p->ucap) {
			p->ucap = p->ucap ? p->ucap * 2 : 4096;
			if (p->ucap > UINT32_MAX)
				ig_die("the users step indexes at most 2^32 engagements");
			d->user_item = ig_reallocarray(d->user_item, p->ucap, sizeof *d->user_item);
		}
		d->user_item[d->nuser_items++] = it;
	}
	d->user_start[++d->nusers] = d->nuser_items;
}

/* Each item's users, by counting; its inverse user frequency
 * log(1 + users / its users); each user's norm over the frequencies. */
static void users_finish(ig_rdata *d)
{
	uint32_t ni = ig_intern_count(d->items), u, i;
	ig_csr m = {d->nusers, ni, d->user_start, d->user_item, NULL, sizeof *d->user_item};
	size_t k;

	d->item_start = ig_reallocarray(NULL, (size_t)ni + 1, sizeof *d->item_start);
	d->item_user = ig_reallocarray(NULL, d->nuser_items ? d->nuser_items : 1, sizeof *d->item_user);
	ig_csr_transpose(&m, d->item_start, d->item_user, NULL);
	d->nidf = ni;
	d->idf = ig_reallocarray(NULL, ni ? ni : 1, sizeof *d->idf);
	for (i = 0; i < ni; i++) {
		uint64_t n = d->item_start[i + 1] - d->item_start[i];

		d->idf[i] = n ? (float)log(1 + (double)d->nusers / n) : 0;
	}
	d->user_norm = ig_reallocarray(NULL, d->nusers ? d->nusers : 1, sizeof *d->user_norm);
	for (u = 0; u < d->nusers; u++) {
		double s = 0;

		for (k = d->user_start[u]; k < d->user_start[u + 1]; k++) {
			double f = (double)d->idf[d->user_item[k]];

			s += f * f;
		}
		d->user_norm[u] = (float)sqrt(s);
	}
}

/* One user of the pass: popularity, exposure, and its cluster's counts. */
static void pass_user(ig_rdata *d, pop_pass *p, const double *w, int64_t *latest)
{
	const user_reader *ur = &p->ur;
	size_t j;

	pass_fit_items(d, p);
	for (j = 0; j < ur->n; j++) {
		const ig_rev *e = &ur->h[j];

		if (e->ts > *latest)
			*latest = e->ts;
		if (e->type == IG_EV_IMPRESSION || e->type == IG_EV_VIEW)
			d->exposure[e->item]++;
		if (w[e->type] > 0)
			decayed_add(&p->x[e->item], e->ts, w[e->type], &d->opt);
	}
	if (d->index_users)
		users_add(d, p, w);
	if (p->q) {
		int64_t now = d->opt.at >= 0 ? d->opt.at : ur->n ? ur->h[ur->n - 1].ts : 0;

		if (!user_vector(d, ur->h, ur->n, now, p->q))
			return;
		if (p->fitting)
			sample_add(d, p, p->q, w);
		else if (d->nclusters)
			cluster_count(p, ig_rdata_cluster_of(d, p->q), ur->h, ur->n, w);
	}
}

/* The items' decayed sums as of the request time: popularity and trend. */
static void pop_finish(ig_rdata *d, const decayed *x)
{
	uint32_t i;

	d->pop = ig_calloc(d->npop ? d->npop : 1, sizeof *d->pop);
	d->trend = ig_calloc(d->npop ? d->npop : 1, sizeof *d->trend);
	for (i = 0; i < d->npop; i++) {
		double dt = x[i].ref ? (double)(d->now - x[i].ref) : 0;
		double s = x[i].s * exp2(-dt / d->opt.trend_short), l = x[i].l * exp2(-dt / d->opt.trend_long);

		d->pop[i] = (float)(x[i].pop * exp2(-dt / d->opt.pop_half_life));
		/* growth: the short window's rate above the long window's */
		d->trend[i] = (float)(s / d->opt.trend_short - l / d->opt.trend_long);
		if (d->trend[i] < 0)
			d->trend[i] = 0;
	}
	csr_one_row(&d->pop_global, d->pop, d->npop, POP_KEEP);
	csr_one_row(&d->trend_global, d->trend, d->npop, POP_KEEP);
}

void ig_rdata_popularity(ig_rdata *d, const char *path, int clusters)
{
	pop_pass p;
	ig_hold hold;
	double w[IG_EV_COUNT];
	int64_t latest = 0;
	uint32_t i;

	if (strcmp(path, "-") == 0)
		ig_die("pop, trending, fresh, clusters and users read the events before the users are served: give a file, not stdin");
	if (clusters && !d->item_vec)
		ig_die("pop(cluster) needs --vectors");
	memset(&p, 0, sizeof p);
	ig_hold_state(&hold, &p);
	if (clusters) {
		p.q = ig_reallocarray(NULL, d->item_vec->dim ? d->item_vec->dim : 1, sizeof *p.q);
		p.fitting = 1;
	}
	if (d->index_users)
		d->users = ig_intern_new();
	ig_event_weights_default(w);
	ur_open(&p.ur, path);
	while (next_user(d, &p.ur))
		pass_user(d, &p, w, &latest);
	pass_fit_items(d, &p);
	if (p.fitting)
		pass_fit_clusters(d, &p, w);
	d->npop = ig_intern_count(d->items);
	if (d->now < 0)
		d->now = latest;
	pop_finish(d, p.x);
	if (d->catalog)
		pop_topics(d);
	if (d->nclusters) {
		float *dense = ig_calloc((size_t)d->nclusters * d->npop, sizeof(float));

		for (i = 0; i < d->nclusters; i++)
			memcpy(dense + (size_t)i * d->npop, p.cpop + (size_t)i * p.cap, d->npop * sizeof(float));
		csr_top_per_row(&d->pop_cluster, d->nclusters, dense, d->npop, POP_KEEP);
		free(dense);
	}
	if (d->index_users)
		users_finish(d);
	free(p.ustamp);
	free(p.cpop);
	free(p.q);
	free(p.x);
	ur_close(&p.ur);
	ig_release_state(&hold);
	d->has_pop = 1;
	d->have[IG_RIN_EVENTS] = "events";
}

void ig_rdata_load_index(ig_rdata *d, const char *path, uint32_t ef)
{
	if (!d->item_vec)
		ig_die("--index needs --vectors, the item vectors it was built from");
	d->index = ig_hnsw_load(path, d->item_vec);
	d->ef = ef ? ef : IG_HNSW_DEFAULT_EF;
	d->have[IG_RIN_INDEX] = "--index";
}
