/* The retrieval sources: each step of a chain maps a weighted set of
 * entities to another, keeping for each entity the seed that contributed
 * most to it. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_sort.h"
#include "core/ig_topk.h"
#include "io/ig_events.h"
#include "retrieve/ig_ann.h"
#include "retrieve/ig_retrieve.h"
#include "retrieve/ig_retrieve_priv.h"

#define DAY 86400.0

struct ig_rwork {
	uint32_t cap;             /* dense arrays hold this many entities */
	float *acc, *best;
	uint64_t *seed;
	uint32_t *stamp, epoch;
	uint32_t *touched, ntouched;
	/* the filter of the user it was built for */
	const ig_ruser *fuser;
	uint32_t *seen, seen_epoch;
	uint32_t acap, tcap;
	float *pen_author, *pen_topic;
	uint32_t *pen_astamp, *pen_tstamp, pen_epoch;
	uint8_t *blocked;         /* per account, with pen_astamp */
	ig_rset a, b, got, interests, interest_items;
	float *q, *seedvec;       /* the user query; knn(user)'s seeds */
	uint32_t *ids;
	float *sc;
	uint32_t kcap;
	/* the last step of a source skips filtered items as it reads a list,
	 * so that a list's count counts items that can be shown */
	const ig_rdata *rd;
	int row_filter;
	/* merge */
	uint32_t *cand, *cand_stamp, cand_epoch;
	/* the users step: similarity per user, and the nearest users */
	uint32_t ucap;
	float *uacc, *unorm;      /* per slot: the users in the order touched */
	/* per user: their slot in the users step's dense arrays, valid when
	 * utouched[slot] is the user (a sparse set: nothing to clear between
	 * users, and 4 bytes a user read in random order over all users) */
	uint32_t *uslot, *utouched;
	ig_rset alike;
};

void ig_rset_free(ig_rset *s)
{
	free(s->id);
	free(s->score);
	free(s->seed);
	free(s->order);
	memset(s, 0, sizeof *s);
}

typedef struct entry {
	float score;
	uint32_t id;
	uint64_t seed;
} entry;

void ig_rset_push(ig_rset *s, uint32_t id, float score, uint64_t seed)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->id = ig_reallocarray(s->id, s->cap, sizeof *s->id);
		s->score = ig_reallocarray(s->score, s->cap, sizeof *s->score);
		s->seed = ig_reallocarray(s->seed, s->cap, sizeof *s->seed);
		s->order = ig_reallocarray(s->order, s->cap, sizeof(entry));
	}
	s->id[s->n] = id;
	s->score[s->n] = score;
	s->seed[s->n] = seed;
	s->n++;
}

/* Higher score first, then lower id: a total order, ids being distinct. */
static int entry_before(const entry *x, const entry *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	return x->id < y->id;
}

static int entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;

	return entry_before(x, y) ? -1 : entry_before(y, x);
}

static int entry_before_ctx(const void *ctx, const entry *x, const entry *y)
{
	(void)ctx;
	return entry_before(x, y);
}

IG_SORT_DEFINE(entry, entry, entry_before_ctx, const void *)
IG_TOPK_DEFINE(etop, entry, entry_before)

/* The order of a set with a NaN score (partial): moves the KEEP first
 * entries to the front (in any order), partitioning around the median of
 * three, then qsort; kept as it was, so that such a set keeps its order. */
static void entry_select_partial(entry *e, uint32_t n, uint32_t keep)
{
	uint32_t lo = 0, hi = n;

	while (hi - lo > 16) {
		uint32_t mid = lo + (hi - lo) / 2, i, store;
		entry pivot;

		if (entry_before(&e[mid], &e[lo]))
			entry_swap(&e[mid], &e[lo]);
		if (entry_before(&e[hi - 1], &e[lo]))
			entry_swap(&e[hi - 1], &e[lo]);
		if (entry_before(&e[hi - 1], &e[mid]))
			entry_swap(&e[hi - 1], &e[mid]);
		pivot = e[mid];
		entry_swap(&e[mid], &e[hi - 1]);
		for (store = lo, i = lo; i < hi - 1; i++)
			if (entry_before(&e[i], &pivot))
				entry_swap(&e[i], &e[store++]);
		entry_swap(&e[store], &e[hi - 1]);
		if (store == keep || store + 1 == keep)
			return;
		if (store > keep)
			hi = store;
		else
			lo = store + 1;
	}
	qsort(e + lo, hi - lo, sizeof *e, entry_cmp);
}

/* The KEEP best (all when KEEP is 0), best first. A NaN score makes the
 * order partial: such a set takes qsort, as it always did, so that the
 * order stays the one it was. */
void ig_rset_top(ig_rset *s, uint32_t keep)
{
	entry *e = s->order;
	uint32_t i;
	int nan = 0;

	if (s->n == 0)
		return;
	for (i = 0; i < s->n; i++) {
		e[i] = (entry){s->score[i], s->id[i], s->seed[i]};
		nan |= s->score[i] != s->score[i];
	}
	if (nan) {
		if (keep && s->n > keep) {
			entry_select_partial(e, s->n, keep);
			s->n = keep;
		}
		qsort(e, s->n, sizeof *e, entry_cmp);
	} else if (keep && s->n > 8 * (size_t)keep) {
		/* few of many: a heap of the KEEP best turns most away at its
		 * root, where a selection would move them */
		size_t h = 0;

		for (i = 0; i < s->n; i++)
			etop_offer(e, &h, keep, e[i]);
		etop_sort_heap(e, h);
		s->n = keep;
	} else {
		if (keep && s->n > keep) {
			entry_select(e, s->n, keep, NULL);
			s->n = keep;
		}
		entry_sort(e, s->n, NULL);
	}
	for (i = 0; i < s->n; i++) {
		s->id[i] = e[i].id;
		s->score[i] = e[i].score;
		s->seed[i] = e[i].seed;
	}
}

ig_rwork *ig_rwork_new(void)
{
	return ig_calloc(1, sizeof(ig_rwork));
}

void ig_rwork_free(ig_rwork *w)
{
	if (!w)
		return;
	free(w->acc);
	free(w->best);
	free(w->seed);
	free(w->stamp);
	free(w->touched);
	free(w->seen);
	free(w->pen_author);
	free(w->pen_topic);
	free(w->pen_astamp);
	free(w->pen_tstamp);
	free(w->blocked);
	ig_rset_free(&w->a);
	ig_rset_free(&w->b);
	ig_rset_free(&w->got);
	ig_rset_free(&w->interests);
	ig_rset_free(&w->interest_items);
	free(w->q);
	free(w->seedvec);
	free(w->ids);
	free(w->sc);
	free(w->cand);
	free(w->cand_stamp);
	free(w->uacc);
	free(w->uslot);
	free(w->unorm);
	free(w->utouched);
	ig_rset_free(&w->alike);
	free(w);
}

static void *grow_zero(void *p, size_t old, size_t n, size_t size)
{
	p = ig_reallocarray(p, n, size);
	memset((char *)p + old * size, 0, (n - old) * size);
	return p;
}

void ig_rwork_fit(ig_rwork *w, const ig_rdata *d)
{
	uint32_t ni = ig_intern_count(d->items), na = ig_intern_count(d->accounts),
		 nt = ig_intern_count(d->topics), need = ni;

	if (na > need)
		need = na;
	if (nt > need)
		need = nt;
	need++;
	if (need > w->cap) {
		uint32_t cap = need + need / 2;

		w->acc = grow_zero(w->acc, w->cap, cap, sizeof *w->acc);
		w->best = grow_zero(w->best, w->cap, cap, sizeof *w->best);
		w->seed = grow_zero(w->seed, w->cap, cap, sizeof *w->seed);
		w->stamp = grow_zero(w->stamp, w->cap, cap, sizeof *w->stamp);
		w->touched = grow_zero(w->touched, w->cap, cap, sizeof *w->touched);
		w->seen = grow_zero(w->seen, w->cap, cap, sizeof *w->seen);
		w->cand = grow_zero(w->cand, w->cap, cap, sizeof *w->cand);
		w->cand_stamp = grow_zero(w->cand_stamp, w->cap, cap, sizeof *w->cand_stamp);
		w->pen_author = grow_zero(w->pen_author, w->cap, cap, sizeof *w->pen_author);
		w->pen_topic = grow_zero(w->pen_topic, w->cap, cap, sizeof *w->pen_topic);
		w->pen_astamp = grow_zero(w->pen_astamp, w->cap, cap, sizeof *w->pen_astamp);
		w->pen_tstamp = grow_zero(w->pen_tstamp, w->cap, cap, sizeof *w->pen_tstamp);
		w->blocked = grow_zero(w->blocked, w->cap, cap, sizeof *w->blocked);
		w->cap = cap;
	}
	if (d->item_vec && d->item_vec->dim > w->kcap) {
		w->kcap = d->item_vec->dim;
		w->q = ig_reallocarray(w->q, w->kcap, sizeof *w->q);
	}
	if (d->account_vec && d->account_vec->dim > w->kcap) {
		w->kcap = d->account_vec->dim;
		w->q = ig_reallocarray(w->q, w->kcap, sizeof *w->q);
	}
	if (d->nusers > w->ucap) {
		uint32_t cap = d->nusers + d->nusers / 2;

		w->uacc = grow_zero(w->uacc, w->ucap, cap, sizeof *w->uacc);
		w->uslot = grow_zero(w->uslot, w->ucap, cap, sizeof *w->uslot);
		w->unorm = grow_zero(w->unorm, w->ucap, cap, sizeof *w->unorm);
		w->utouched = grow_zero(w->utouched, w->ucap, cap, sizeof *w->utouched);
		w->ucap = cap;
	}
	w->fuser = NULL;
}

/* The dense accumulator: a new round, an addition, and the collection of
 * what was touched into a set. */
static void acc_start(ig_rwork *w)
{
	if (++w->epoch == 0) {
		memset(w->stamp, 0, w->cap * sizeof *w->stamp);
		w->epoch = 1;
	}
	w->ntouched = 0;
}

static void acc_add(ig_rwork *w, uint32_t id, float x, uint64_t seed)
{
	if (w->stamp[id] != w->epoch) {
		w->stamp[id] = w->epoch;
		w->acc[id] = 0;
		w->best[id] = -INFINITY;
		w->touched[w->ntouched++] = id;
	}
	w->acc[id] += x;
	if (x > w->best[id]) {
		w->best[id] = x;
		w->seed[id] = seed;
	}
}

/* The filter: nonzero to keep ITEM, with the see_less discount in *F. */
static int keep_item(const ig_rdata *d, const ig_ruser *u, const ig_rwork *w, uint32_t item, float *f)
{
	float pen = 0;

	*f = 1;
	if (!d->opt.keep_seen && w->seen[item] == w->seen_epoch)
		return 0;
	if (item < d->ncatalog) {
		uint32_t a = d->catalog->author[item], k;
		const ig_items *it = d->catalog;

		if (it->created[item] > u->now)
			return 0;
		if (w->pen_astamp[a] == w->pen_epoch) {
			if (w->blocked[a])
				return 0;
			pen += w->pen_author[a];
		}
		for (k = it->topic_start[item]; k < it->topic_start[item + 1]; k++)
			if (w->pen_tstamp[it->topic_list[k]] == w->pen_epoch)
				pen += w->pen_topic[it->topic_list[k]];
	}
	*f = 1 / (1 + 2 * pen);
	return 1;
}

/* An event that says the item was shown and nothing more: no engagement,
 * no negative feedback (--keep-shown lets such items back). */
static int only_shown(uint8_t type)
{
	return type == IG_EV_IMPRESSION || type == IG_EV_VIEW || type == IG_EV_SKIP;
}

static void filter_build(const ig_rdata *d, const ig_ruser *u, ig_rwork *w)
{
	size_t i;

	if (w->fuser == u)
		return;
	w->fuser = u;
	if (++w->seen_epoch == 0) {
		memset(w->seen, 0, w->cap * sizeof *w->seen);
		w->seen_epoch = 1;
	}
	if (++w->pen_epoch == 0) {
		memset(w->pen_astamp, 0, w->cap * sizeof *w->pen_astamp);
		memset(w->pen_tstamp, 0, w->cap * sizeof *w->pen_tstamp);
		w->pen_epoch = 1;
	}
	for (i = 0; i < u->nev; i++) {
		const ig_rev *e = &u->ev[i];
		uint32_t it = e->item, a, k;
		float p;

		if (!(d->opt.keep_shown && only_shown(e->type)))
			w->seen[it] = w->seen_epoch;
		if (it >= d->ncatalog)
			continue;
		if (e->type != IG_EV_SEE_LESS && e->type != IG_EV_HIDE && e->type != IG_EV_REPORT)
			continue;
		a = d->catalog->author[it];
		if (w->pen_astamp[a] != w->pen_epoch) {
			w->pen_astamp[a] = w->pen_epoch;
			w->pen_author[a] = 0;
			w->blocked[a] = 0;
		}
		if (e->type != IG_EV_SEE_LESS) {
			w->blocked[a] = 1;
			continue;
		}
		/* each see_less takes half off its author and topics, less as
		 * it ages */
		p = (float)(0.5 * exp2(-(double)(u->now - e->ts) / d->opt.see_less_half_life));
		w->pen_author[a] += p;
		for (k = d->catalog->topic_start[it]; k < d->catalog->topic_start[it + 1]; k++) {
			uint32_t t = d->catalog->topic_list[k];

			if (w->pen_tstamp[t] != w->pen_epoch) {
				w->pen_tstamp[t] = w->pen_epoch;
				w->pen_topic[t] = 0;
			}
			w->pen_topic[t] += p;
		}
	}
}

/* Moves the accumulator into OUT: for items of the last step through the
 * filter, then the KEEP best. */
static void acc_collect(const ig_rdata *d, const ig_ruser *u, ig_rwork *w, int filter, uint32_t keep, ig_rset *out)
{
	uint32_t i;

	out->n = 0;
	for (i = 0; i < w->ntouched; i++) {
		uint32_t id = w->touched[i];
		float f = 1;

		if (w->acc[id] <= 0)
			continue;
		if (filter && !keep_item(d, u, w, id, &f))
			continue;
		ig_rset_push(out, id, w->acc[id] * f, w->seed[id]);
	}
	ig_rset_top(out, keep);
}

/* recent: the last COUNT engagements of the chosen types (or those of the
 * last session), newest weighing most: 2^(-rank / (COUNT/2)). */
static void step_recent(const ig_rstep *st, const ig_ruser *u, ig_rwork *w)
{
	size_t i = u->nev;
	uint32_t rank = 0, n = st->keep ? st->keep : st->count;
	int64_t prev = -1;
	double half = n > 1 ? n / 2.0 : 1;

	while (i-- > 0 && rank < n) {
		const ig_rev *e = &u->ev[i];

		if (st->types[e->type] <= 0)
			continue;
		if (st->session > 0 && prev >= 0 && (double)(prev - e->ts) > st->session)
			break;
		prev = e->ts;
		if (w->stamp[e->item] == w->epoch)
			continue;
		acc_add(w, e->item, (float)(st->types[e->type] * exp2(-(double)rank / half)), IG_RSEED_ITEM | e->item);
		rank++;
	}
}

/* profile: every engagement weighted by its type and decayed with the
 * half-life from the request time. */
static void step_profile(const ig_rstep *st, const ig_ruser *u, ig_rwork *w)
{
	size_t i;

	for (i = 0; i < u->nev; i++) {
		const ig_rev *e = &u->ev[i];
		double x = st->types[e->type];

		if (x <= 0)
			continue;
		x *= exp2(-(double)(u->now - e->ts) / st->half_life);
		acc_add(w, e->item, (float)x, IG_RSEED_ITEM | e->item);
	}
}

static void add_row(ig_rwork *w, const ig_rcsr *c, uint32_t row, uint32_t count, float s, uint64_t seed)
{
	uint32_t i, end;

	if (row >= c->nrows)
		return;
	end = c->start[row + 1];
	if (count && end - c->start[row] > count)
		end = c->start[row] + count;
	for (i = c->start[row]; i < end; i++)
		acc_add(w, c->id[i], s * c->score[i], seed);
}

/* A list read down to COUNT items that pass the filter. */
static void add_list(ig_rwork *w, const ig_rcsr *c, uint32_t row, uint32_t count, float s, uint64_t seed)
{
	uint32_t i, taken = 0;
	float f;

	if (!w->row_filter) {
		add_row(w, c, row, count, s, seed);
		return;
	}
	if (row >= c->nrows)
		return;
	for (i = c->start[row]; i < c->start[row + 1] && (!count || taken < count); i++) {
		if (!keep_item(w->rd, w->fuser, w, c->id[i], &f))
			continue;
		acc_add(w, c->id[i], s * c->score[i], seed);
		taken++;
	}
}

/* Rows are normalised by their best score so that rows of popular and
 * niche topics weigh alike. */
static void add_row_normalised(ig_rwork *w, const ig_rcsr *c, uint32_t row, uint32_t count, float s, uint64_t seed)
{
	if (row >= c->nrows || c->start[row] == c->start[row + 1])
		return;
	add_list(w, c, row, count, s / c->score[c->start[row]], seed);
}

static void ensure_k(ig_rwork *w, uint32_t k)
{
	if (k > w->kcap || !w->ids) {
		uint32_t cap = k > w->kcap ? k : w->kcap;

		w->ids = ig_reallocarray(w->ids, cap + 1, sizeof *w->ids);
		w->sc = ig_reallocarray(w->sc, cap + 1, sizeof *w->sc);
		if (cap > w->kcap) {
			w->q = ig_reallocarray(w->q, cap, sizeof *w->q);
			w->kcap = cap;
		}
	}
}

/* Nearest neighbours by cosine: through the HNSW index of the item
 * vectors when there is one, else exact. */
static size_t ann_query(const ig_rdata *d, ig_vectors *v, const float *q, uint32_t k, uint32_t exclude,
			uint32_t *ids, float *sc)
{
	if (v == d->item_vec && d->index)
		return ig_hnsw_search(d->index, q, k, d->ef, exclude, ids, sc);
	return ig_ann_brute(v, IG_ANN_COSINE, q, k, exclude, ids, sc);
}

/* Each vector row's K neighbours, found the first time a user needs them:
 * seeds recur across users, and a search costs far more than a copy. A
 * row is empty, being filled by one thread, or ready; a thread that finds
 * it being filled searches for itself. */
enum { ROW_EMPTY, ROW_FILLING, ROW_READY };

struct ig_rknn {
	uint32_t k, nrows;
	uint32_t *ids, *got;
	float *sc;
	atomic_uchar *state;
};

void ig_rdata_cache_knn(ig_rdata *d, uint32_t k)
{
	struct ig_rknn *c;
	uint32_t r;

	if (!d->item_vec || d->knn_cache || k == 0)
		return;
	c = ig_calloc(1, sizeof *c);
	c->k = k;
	c->nrows = (uint32_t)d->item_vec->n;
	c->ids = ig_reallocarray(NULL, (size_t)c->nrows * k + 1, sizeof *c->ids);
	c->sc = ig_reallocarray(NULL, (size_t)c->nrows * k + 1, sizeof *c->sc);
	c->got = ig_calloc((size_t)c->nrows + 1, sizeof *c->got);
	c->state = ig_reallocarray(NULL, (size_t)c->nrows + 1, sizeof *c->state);
	for (r = 0; r < c->nrows; r++)
		atomic_init(&c->state[r], ROW_EMPTY);
	d->knn_cache = c;
}

void ig_rknn_free(struct ig_rknn *c)
{
	if (!c)
		return;
	free(c->ids);
	free(c->sc);
	free(c->got);
	free(c->state);
	free(c);
}

/* Vector row ROW's K neighbours (the row itself excluded): the cache's
 * when it keeps lists of K, else a search into IDS and SC. */
static size_t row_neighbors(const ig_rdata *d, uint32_t row, uint32_t k, const uint32_t **ids, const float **sc,
			    ig_rwork *w)
{
	struct ig_rknn *c = d->knn_cache;
	ig_vectors *v = d->item_vec;
	unsigned char st = ROW_EMPTY;
	size_t got;

	if (c && c->k == k) {
		uint32_t *ci = c->ids + (size_t)row * k;
		float *cs = c->sc + (size_t)row * k;

		if (atomic_load_explicit(&c->state[row], memory_order_acquire) == ROW_READY) {
			*ids = ci, *sc = cs;
			return c->got[row];
		}
		if (atomic_compare_exchange_strong_explicit(&c->state[row], &st, ROW_FILLING, memory_order_acquire,
							    memory_order_relaxed)) {
			c->got[row] = (uint32_t)ann_query(d, v, ig_vectors_row(v, row), k, row, ci, cs);
			atomic_store_explicit(&c->state[row], ROW_READY, memory_order_release);
			*ids = ci, *sc = cs;
			return c->got[row];
		}
	}
	got = ann_query(d, v, ig_vectors_row(v, row), k, row, w->ids, w->sc);
	*ids = w->ids, *sc = w->sc;
	return got;
}

typedef float rv4 __attribute__((vector_size(16)));

/* Four lanes wide on every target: the sums of knn(user)'s reasons and of
 * the clusters run once per candidate or user. */
float ig_rdot(const float *a, const float *b, uint32_t dim)
{
	rv4 s0 = {0}, s1 = {0}, x, y;
	uint32_t k = 0;
	float s;

	for (; k + 8 <= dim; k += 8) {
		memcpy(&x, a + k, sizeof x);
		memcpy(&y, b + k, sizeof y);
		s0 += x * y;
		memcpy(&x, a + k + 4, sizeof x);
		memcpy(&y, b + k + 4, sizeof y);
		s1 += x * y;
	}
	s0 += s1;
	s = (s0[0] + s0[1]) + (s0[2] + s0[3]);
	for (; k < dim; k++)
		s += a[k] * b[k];
	return s;
}

/* ig_rdot of A with four rows at once, each summed exactly as ig_rdot
 * sums it (the same lanes, the same order: the same bits), their eight
 * accumulators independent where ig_rdot's two wait on each other. */
void ig_rdot4(const float *a, const float *b0, const float *b1, const float *b2, const float *b3, uint32_t dim,
	      float out[4])
{
	rv4 s00 = {0}, s01 = {0}, s10 = {0}, s11 = {0}, s20 = {0}, s21 = {0}, s30 = {0}, s31 = {0}, x, x4, y;
	uint32_t k = 0, j;
	float s[4];

	for (; k + 8 <= dim; k += 8) {
		memcpy(&x, a + k, sizeof x);
		memcpy(&x4, a + k + 4, sizeof x4);
		memcpy(&y, b0 + k, sizeof y);
		s00 += x * y;
		memcpy(&y, b0 + k + 4, sizeof y);
		s01 += x4 * y;
		memcpy(&y, b1 + k, sizeof y);
		s10 += x * y;
		memcpy(&y, b1 + k + 4, sizeof y);
		s11 += x4 * y;
		memcpy(&y, b2 + k, sizeof y);
		s20 += x * y;
		memcpy(&y, b2 + k + 4, sizeof y);
		s21 += x4 * y;
		memcpy(&y, b3 + k, sizeof y);
		s30 += x * y;
		memcpy(&y, b3 + k + 4, sizeof y);
		s31 += x4 * y;
	}
	s00 += s01;
	s10 += s11;
	s20 += s21;
	s30 += s31;
	s[0] = (s00[0] + s00[1]) + (s00[2] + s00[3]);
	s[1] = (s10[0] + s10[1]) + (s10[2] + s10[3]);
	s[2] = (s20[0] + s20[1]) + (s20[2] + s20[3]);
	s[3] = (s30[0] + s30[1]) + (s30[2] + s30[3]);
	for (; k < dim; k++) {
		s[0] += a[k] * b0[k];
		s[1] += a[k] * b1[k];
		s[2] += a[k] * b2[k];
		s[3] += a[k] * b3[k];
	}
	for (j = 0; j < 4; j++)
		out[j] = s[j];
}

/* knn(user) names as the reason the seed, among the heaviest few, nearest
 * to the candidate: the seeds' unit vectors times their weights, once. */
#define USER_KNN_REASONS 8

static uint32_t user_knn_seeds(const ig_rdata *d, const ig_rset *in, ig_rwork *w, uint64_t *seed)
{
	ig_vectors *v = d->item_vec;
	uint32_t dim = v->dim, i, k, n = 0;

	if (!w->seedvec)
		w->seedvec = ig_reallocarray(NULL, (size_t)USER_KNN_REASONS * w->kcap, sizeof *w->seedvec);
	/* IN is best first: its first seeds with a vector */
	for (i = 0; i < in->n && n < USER_KNN_REASONS; i++) {
		uint32_t it = in->id[i], row;
		const float *x;
		float f;

		if (it >= d->nitem_row || (row = d->item_row[it]) == IG_INTERN_NONE)
			continue;
		x = ig_vectors_row(v, row);
		f = v->norms[row] > 0 ? in->score[i] / (float)v->norms[row] : 0;
		for (k = 0; k < dim; k++)
			w->seedvec[(size_t)n * dim + k] = f * x[k];
		seed[n++] = in->seed[i];
	}
	return n;
}

static void step_knn(const ig_rdata *d, const ig_rstep *st, const ig_rset *in, ig_rwork *w)
{
	ig_vectors *v = d->item_vec;
	uint32_t dim = v->dim, i, k;
	size_t got, j;

	ensure_k(w, st->count > dim ? st->count : dim);
	if (st->mode == IG_RMODE_USER) {
		double tw = 0;
		float *q = w->q, len;
		uint64_t seeds[USER_KNN_REASONS];
		uint32_t ns;

		memset(q, 0, dim * sizeof *q);
		for (i = 0; i < in->n; i++) {
			uint32_t it = in->id[i];
			const float *x;

			if (it >= d->nitem_row || d->item_row[it] == IG_INTERN_NONE)
				continue;
			x = ig_vectors_row(v, d->item_row[it]);
			len = v->norms[d->item_row[it]] > 0 ? (float)v->norms[d->item_row[it]] : 1;
			for (k = 0; k < dim; k++)
				q[k] += in->score[i] * x[k] / len;
			tw += (double)in->score[i];
		}
		if (tw <= 0)
			return;
		got = ann_query(d, v, q, st->count, IG_INTERN_NONE, w->ids, w->sc);
		ns = user_knn_seeds(d, in, w, seeds);
		for (j = 0; j < got; j++) {
			uint32_t it = d->vec_item[w->ids[j]];
			uint64_t seed = IG_RSEED_NONE;
			float bs = -INFINITY;
			const float *x = ig_vectors_row(v, w->ids[j]);

			if (it == IG_INTERN_NONE || w->sc[j] <= 0)
				continue;
			for (i = 0; i < ns; i++) {
				float s = ig_rdot(w->seedvec + (size_t)i * dim, x, dim);

				if (s > bs)
					bs = s, seed = seeds[i];
			}
			acc_add(w, it, w->sc[j], seed);
		}
		return;
	}
	for (i = 0; i < in->n; i++) {
		uint32_t it = in->id[i], row;
		const uint32_t *ids;
		const float *sc;

		if (it >= d->nitem_row || (row = d->item_row[it]) == IG_INTERN_NONE)
			continue;
		got = row_neighbors(d, row, st->count, &ids, &sc, w);
		for (j = 0; j < got; j++) {
			uint32_t n = d->vec_item[ids[j]];

			if (n != IG_INTERN_NONE && sc[j] > 0)
				acc_add(w, n, in->score[i] * sc[j], in->seed[i]);
		}
	}
}

static void step_similar(const ig_rdata *d, const ig_rstep *st, const ig_rset *in, ig_rwork *w)
{
	uint32_t i;
	size_t j, got;

	for (i = 0; i < in->n; i++) {
		uint32_t a = in->id[i], row;

		if (d->account_nbrs.nrows) {
			add_row(w, &d->account_nbrs, a, st->count, in->score[i], in->seed[i]);
			continue;
		}
		if (!d->account_vec || a >= d->naccount_row || (row = d->account_row[a]) == IG_INTERN_NONE)
			continue;
		ensure_k(w, st->count);
		got = ann_query(d, d->account_vec, ig_vectors_row(d->account_vec, row), st->count, row, w->ids, w->sc);
		for (j = 0; j < got; j++) {
			uint32_t n = d->vec_account[w->ids[j]];

			if (n != IG_INTERN_NONE && w->sc[j] > 0)
				acc_add(w, n, in->score[i] * w->sc[j], in->seed[i]);
		}
	}
}

/* posted: an account's COUNT newest items made before the request,
 * decayed by age with the step's half-life. */
static void step_posted(const ig_rdata *d, const ig_rstep *st, const ig_ruser *u, const ig_rset *in, ig_rwork *w)
{
	uint32_t i, k, taken;
	float fk;

	for (i = 0; i < in->n; i++) {
		uint32_t a = in->id[i];

		if (a >= d->author_items.nrows)
			continue;
		taken = 0;
		for (k = d->author_items.start[a]; k < d->author_items.start[a + 1] && taken < st->count; k++) {
			uint32_t it = d->author_items.id[k];
			int64_t c = d->catalog->created[it];
			double f = 1;

			if (c > u->now || (w->row_filter && !keep_item(d, u, w, it, &fk)))
				continue;
			if (c >= 0)
				f = exp2(-(double)(u->now - c) / st->half_life);
			acc_add(w, it, (float)((double)in->score[i] * f), in->seed[i]);
			taken++;
		}
	}
}

/* fresh: items made less than max_age before the request, shown at most
 * max_exposure times, the newest weighing most. */
static void add_fresh(const ig_rdata *d, const ig_rstep *st, const ig_ruser *u, const ig_rcsr *c, uint32_t row,
		      float s, uint64_t seed, ig_rwork *w)
{
	uint32_t k, taken = 0;
	float f;

	if (row >= c->nrows)
		return;
	for (k = c->start[row]; k < c->start[row + 1] && taken < st->count; k++) {
		uint32_t it = c->id[k];
		int64_t cr = d->catalog->created[it];
		double age;

		if (cr > u->now)
			continue;
		age = (double)(u->now - cr);
		if (cr < 0 || age > st->max_age)
			break;
		if (it < d->npop && d->exposure[it] > st->max_exposure)
			continue;
		if (w->row_filter && !keep_item(d, u, w, it, &f))
			continue;
		acc_add(w, it, (float)((double)s * (1 - 0.5 * age / st->max_age)), seed);
		taken++;
	}
}

static void step_explore(const ig_rdata *d, const ig_rstep *st, const ig_rset *in, ig_rwork *w)
{
	uint32_t i, k;

	for (i = 0; i < in->n; i++) {
		uint32_t t = in->id[i], p;

		if (t >= d->ntopic_tree || (p = d->parent[t]) == IG_INTERN_NONE)
			continue;
		if (st->mode != IG_RMODE_SIBLING)
			acc_add(w, p, in->score[i] * 0.5f, in->seed[i]);
		if (st->mode != IG_RMODE_PARENT)
			for (k = d->children.start[p]; k < d->children.start[p + 1]; k++)
				if (d->children.id[k] != t)
					acc_add(w, d->children.id[k], in->score[i] * 0.5f, in->seed[i]);
	}
	/* the user's own topics are not exploration */
	for (i = 0; i < in->n; i++)
		if (w->stamp[in->id[i]] == w->epoch)
			w->acc[in->id[i]] = 0;
}

static void user_interests(const ig_rdata *d, const ig_ruser *u, ig_rwork *w, ig_rset *out, uint32_t ntopics);

static void step_pop(const ig_rdata *d, const ig_rstep *st, const ig_ruser *u, const ig_rset *in, ig_rwork *w)
{
	uint32_t i;

	if (st->in == IG_RK_TOPICS) {
		for (i = 0; i < in->n; i++)
			add_row_normalised(w, &d->pop_topic, in->id[i], st->count, in->score[i], in->seed[i]);
		return;
	}
	if (st->mode == IG_RMODE_TOPIC) {
		const ig_rset *topics = &w->interests;

		user_interests(d, u, w, &w->interests, 10);
		acc_start(w);
		for (i = 0; i < topics->n; i++)
			add_row_normalised(w, &d->pop_topic, topics->id[i], st->count, topics->score[i], topics->seed[i]);
		return;
	}
	if (st->mode == IG_RMODE_CLUSTER) {
		uint32_t dim = d->dim, c;
		double tw = 0, wt[IG_EV_COUNT];
		size_t j;

		if (!d->nclusters)
			return;
		ensure_k(w, dim);
		memset(w->q, 0, dim * sizeof *w->q);
		ig_event_weights_default(wt);
		for (j = 0; j < u->nev; j++) {
			uint32_t it = u->ev[j].item, k;
			double x = wt[u->ev[j].type];
			const float *v;

			if (x <= 0 || it >= d->nitem_row || d->item_row[it] == IG_INTERN_NONE)
				continue;
			x *= exp2(-(double)(u->now - u->ev[j].ts) / (30 * DAY));
			v = ig_vectors_row(d->item_vec, d->item_row[it]);
			for (k = 0; k < dim; k++)
				w->q[k] += (float)(x * (double)v[k]);
			tw += x;
		}
		if (tw <= 0)
			return;
		c = ig_rdata_cluster_of(d, w->q);
		add_row_normalised(w, &d->pop_cluster, c, st->count, 1, IG_RSEED_CLUSTER | c);
		return;
	}
	add_row_normalised(w, &d->pop_global, 0, st->count, 1, IG_RSEED_GLOBAL);
}

/* Runs step ST over IN into the accumulator. */
/* The user's tower vector against the item vectors: as many more as the
 * user has events, since the items seen are filtered after. */
static void step_tower(const ig_rdata *d, const ig_rstep *st, const ig_ruser *u, ig_rwork *w)
{
	uint32_t k = st->count + (uint32_t)(u->nev < 10000 ? u->nev : 10000);
	size_t got, j;

	ensure_k(w, k);
	got = ig_rtower_search(d, u, k, w->ids, w->sc);
	for (j = 0; j < got; j++) {
		uint32_t it = w->ids[j];

		if (it != IG_INTERN_NONE)
			acc_add(w, it, w->sc[j], IG_RSEED_NONE);
	}
}

/* users: the users whose engaged items are most alike the seeds' by cosine,
 * items weighted by the seed's weight times their inverse user frequency
 * (an item everybody takes says little of taste), the user asking left
 * out; then every item of the K nearest, each scoring their similarity
 * cubed: the nearest users count most (on the validation cuts of ML-100K,
 * ml-latest-small and Last.fm the cube held more held-out items than the
 * similarity itself, its square or its sixth power). A seed reads at most
 * USERS_PER_ITEM of its users, in the order of the events, which bounds
 * the cost of a popular seed. */
#define USERS_PER_ITEM 2000

/* The KEEP nearest of the NT users touched into w->alike, best first,
 * through a heap; 0 (w->alike empty) on a NaN similarity. */
static int users_top(ig_rwork *w, uint32_t nt, double qn, uint32_t keep)
{
	ig_rset *a = &w->alike;
	entry *h;
	size_t nh = 0;
	uint32_t i;

	a->n = 0;
	if (a->cap < keep) {
		a->cap = keep;
		a->id = ig_reallocarray(a->id, a->cap, sizeof *a->id);
		a->score = ig_reallocarray(a->score, a->cap, sizeof *a->score);
		a->seed = ig_reallocarray(a->seed, a->cap, sizeof *a->seed);
		a->order = ig_reallocarray(a->order, a->cap, sizeof(entry));
	}
	h = a->order;
	for (i = 0; i < nt; i++)
		if (w->uacc[i] > 0 && w->unorm[i] > 0) {
			uint32_t v = w->utouched[i];
			float x = (float)((double)w->uacc[i] / ((double)w->unorm[i] * qn));

			if (x != x)
				return 0;
			etop_offer(h, &nh, keep, (entry){x, v, IG_RSEED_USER | v});
		}
	etop_sort_heap(h, nh);
	for (i = 0; i < nh; i++) {
		a->id[i] = h[i].id;
		a->score[i] = h[i].score;
		a->seed[i] = h[i].seed;
	}
	a->n = (uint32_t)nh;
	return 1;
}

static void step_users(const ig_rdata *d, const ig_rstep *st, const ig_ruser *u, const ig_rset *in, ig_rwork *w)
{
	uint32_t self = ig_intern_find(d->users, u->id, u->len), i, nt = 0;
	uint64_t k;
	double qn = 0;

	for (i = 0; i < in->n; i++) {
		uint32_t it = in->id[i];
		uint64_t end;
		float q;

		if (it >= d->nidf)
			continue;
		q = in->score[i] * d->idf[it];
		qn += (double)q * (double)q;
		end = d->item_start[it + 1];
		if (end - d->item_start[it] > USERS_PER_ITEM)
			end = d->item_start[it] + USERS_PER_ITEM;
		for (k = d->item_start[it]; k < end; k++) {
			uint32_t v = d->item_user[k], sl;

			if (v == self)
				continue;
			sl = w->uslot[v];
			if (sl >= nt || w->utouched[sl] != v) {
				sl = w->uslot[v] = nt;
				w->uacc[nt] = 0;
				w->unorm[nt] = d->user_norm[v];
				w->utouched[nt++] = v;
			}
			w->uacc[sl] += q * d->idf[it];
		}
	}
	w->alike.n = 0;
	if (qn <= 0)
		return;
	/* the norms were read with the stamps (their misses overlap); the
	 * nearest COUNT go straight to a heap, which turns most away at its
	 * root (the set ig_rset_top keeps, in its order; a NaN similarity,
	 * which orders nothing, takes ig_rset_top itself) */
	if (!st->count || !users_top(w, nt, sqrt(qn), st->count)) {
		for (i = 0; i < nt; i++)
			if (w->uacc[i] > 0 && w->unorm[i] > 0)
				ig_rset_push(&w->alike, w->utouched[i],
					     (float)((double)w->uacc[i] / ((double)w->unorm[i] * sqrt(qn))),
					     IG_RSEED_USER | w->utouched[i]);
		ig_rset_top(&w->alike, st->count);
	}
	/* each neighbour's row: its start fetched 8 ahead, its items 4 */
	for (i = 0; i < w->alike.n; i++) {
		uint32_t v = w->alike.id[i];
		float s = w->alike.score[i], sv = s * s * s;

		if (i + 8 < w->alike.n)
			__builtin_prefetch(&d->user_start[w->alike.id[i + 8]]);
		if (i + 4 < w->alike.n)
			__builtin_prefetch(&d->user_item[d->user_start[w->alike.id[i + 4]]]);

		for (k = d->user_start[v]; k < d->user_start[v + 1]; k++)
			acc_add(w, d->user_item[k], sv, w->alike.seed[i]);
	}
}

static void step_run(const ig_rdata *d, const ig_rstep *st, const ig_ruser *u, const ig_rset *in, ig_rwork *w)
{
	uint32_t i, k;

	switch (st->op) {
	case IG_ROP_RECENT:
		step_recent(st, u, w);
		break;
	case IG_ROP_PROFILE:
		step_profile(st, u, w);
		break;
	case IG_ROP_FOLLOWS:
		for (k = 0, i = (uint32_t)u->nfollows; i-- > 0 && k < st->count; k++)
			acc_add(w, u->follows[i], 1, IG_RSEED_ACCOUNT | u->follows[i]);
		break;
	case IG_ROP_POP:
		step_pop(d, st, u, in, w);
		break;
	case IG_ROP_TRENDING:
		add_row_normalised(w, &d->trend_global, 0, st->count, 1, IG_RSEED_GLOBAL);
		break;
	case IG_ROP_FRESH:
		if (st->in == IG_RK_TOPICS)
			for (i = 0; i < in->n; i++)
				add_fresh(d, st, u, &d->topic_items, in->id[i], in->score[i], in->seed[i], w);
		else
			add_fresh(d, st, u, &d->recent_items, 0, 1, IG_RSEED_GLOBAL, w);
		break;
	case IG_ROP_COOCCUR:
		for (i = 0; i < in->n; i++)
			add_row(w, &d->item_nbrs, in->id[i], st->count, in->score[i], in->seed[i]);
		break;
	case IG_ROP_KNN:
		step_knn(d, st, in, w);
		break;
	case IG_ROP_AUTHORS:
		for (i = 0; i < in->n; i++)
			if (in->id[i] < d->ncatalog) {
				uint32_t a = d->catalog->author[in->id[i]];

				acc_add(w, a, in->score[i], IG_RSEED_ACCOUNT | a);
			}
		break;
	case IG_ROP_TOPICS:
		for (i = 0; i < in->n; i++) {
			uint32_t it = in->id[i], b, e;

			if (it >= d->ncatalog)
				continue;
			b = d->catalog->topic_start[it];
			e = d->catalog->topic_start[it + 1];
			for (k = b; k < e; k++)
				acc_add(w, d->catalog->topic_list[k], in->score[i] / (float)(e - b),
					IG_RSEED_TOPIC | d->catalog->topic_list[k]);
		}
		break;
	case IG_ROP_SIMILAR:
		step_similar(d, st, in, w);
		break;
	case IG_ROP_POSTED:
		step_posted(d, st, u, in, w);
		break;
	case IG_ROP_EXPLORE:
		step_explore(d, st, in, w);
		break;
	case IG_ROP_TOWER:
		step_tower(d, st, u, w);
		break;
	case IG_ROP_USERS:
		step_users(d, st, u, in, w);
		break;
	}
}

/* How many entities a step keeps: n= if given; the count for the steps
 * whose count is the size of their output; all for expansions. */
static uint32_t step_keep(const ig_rstep *st)
{
	if (st->keep)
		return st->keep;
	switch (st->op) {
	case IG_ROP_PROFILE:
	case IG_ROP_AUTHORS:
	case IG_ROP_TOPICS:
		return st->count;
	default:
		return 0;
	}
}

/* The user's interests: the topics of the default profile's items. */
static void user_interests(const ig_rdata *d, const ig_ruser *u, ig_rwork *w, ig_rset *out, uint32_t ntopics)
{
	ig_rstep prof, top;
	ig_rset *items = &w->interest_items;

	memset(&prof, 0, sizeof prof);
	prof.op = IG_ROP_PROFILE;
	prof.half_life = 30 * DAY;
	ig_event_weights_default(prof.types);
	acc_start(w);
	step_profile(&prof, u, w);
	acc_collect(d, u, w, 0, 100, items);
	memset(&top, 0, sizeof top);
	top.op = IG_ROP_TOPICS;
	acc_start(w);
	step_run(d, &top, u, items, w);
	acc_collect(d, u, w, 0, ntopics, out);
}

void ig_rsource_run(const ig_rdata *d, const ig_rsource *src, const ig_ruser *u, uint32_t quota, ig_rwork *w,
		    ig_rset *out)
{
	ig_rset *in = &w->a, *next = &w->b, *t;
	int i;

	filter_build(d, u, w);
	in->n = 0;
	for (i = 0; i < src->nsteps; i++) {
		const ig_rstep *st = &src->steps[i];
		int last = i == src->nsteps - 1;
		uint32_t keep = step_keep(st);

		acc_start(w);
		w->rd = d;
		w->row_filter = last;
		step_run(d, st, u, in, w);
		w->row_filter = 0;
		if (last) {
			if (!keep || keep > quota)
				keep = quota;
			acc_collect(d, u, w, 1, keep, out);
			return;
		}
		acc_collect(d, u, w, 0, keep, next);
		t = in, in = next, next = t;
		if (in->n == 0) {
			out->n = 0;
			return;
		}
	}
}

/* Popularity and the users index read the events before the users are served: a second
 * pass that standard input cannot give. */
#define EVENTS_AS_FILE "the events as a file, not '-' (read once before the users are served)"

const char *ig_rsource_missing(const ig_rdata *d, const ig_rsource *src)
{
	int i;

	for (i = 0; i < src->nsteps; i++) {
		const ig_rstep *st = &src->steps[i];

		switch (st->op) {
		case IG_ROP_POP:
			if (!d->has_pop)
				return EVENTS_AS_FILE;
			if ((st->mode == IG_RMODE_TOPIC || st->in == IG_RK_TOPICS) && !d->catalog)
				return "--items";
			if (st->mode == IG_RMODE_CLUSTER && !d->item_vec)
				return "--vectors";
			break;
		case IG_ROP_TRENDING:
			if (!d->has_pop)
				return EVENTS_AS_FILE;
			break;
		case IG_ROP_FRESH:
			if (!d->catalog)
				return "--items";
			if (!d->has_pop)
				return EVENTS_AS_FILE;
			break;
		case IG_ROP_COOCCUR:
			if (!d->item_nbrs.start)
				return "--neighbors";
			break;
		case IG_ROP_KNN:
			if (!d->item_vec)
				return "--vectors";
			break;
		case IG_ROP_AUTHORS:
		case IG_ROP_TOPICS:
		case IG_ROP_POSTED:
			if (!d->catalog)
				return "--items";
			break;
		case IG_ROP_SIMILAR:
			if (!d->account_vec && !d->account_nbrs.start)
				return "--account-vectors or --account-neighbors";
			break;
		case IG_ROP_EXPLORE:
			if (!d->parent)
				return "--topics";
			break;
		case IG_ROP_FOLLOWS:
			if (!d->have[IG_RIN_FOLLOWS])
				return "--follows";
			break;
		case IG_ROP_USERS:
			if (!d->users)
				return EVENTS_AS_FILE;
			break;
		case IG_ROP_TOWER:
			if (!d->item_vec && !d->tower_vec)
				return "--tower-vectors or --vectors";
			if (!d->user_vec && !d->tower)
				return "--user-vectors or --tower-model";
			break;
		default:
			break;
		}
	}
	return NULL;
}

/* Merge. */
void ig_rlist_free(ig_rlist *l)
{
	free(l->c);
	free(l->scores);
	memset(l, 0, sizeof *l);
}

/* Highest score first, ties by item id bytewise: by the items' ranks in
 * that order when both have one. */
static inline int cand_order(const ig_rdata *d, const ig_rcand *x, const ig_rcand *y)
{
	const char *sx, *sy;
	size_t lx, ly;
	int c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->rank != UINT32_MAX && y->rank != UINT32_MAX)
		return x->rank < y->rank ? -1 : x->rank > y->rank;
	sx = ig_intern_str(d->items, x->item);
	sy = ig_intern_str(d->items, y->item);
	lx = ig_intern_len(d->items, x->item);
	ly = ig_intern_len(d->items, y->item);
	c = memcmp(sx, sy, lx < ly ? lx : ly);
	return c ? c : lx < ly ? -1 : lx > ly;
}

/* Items by their first 8 bytes as a number (big-endian, zeros after a
 * short id: the bytewise order of those bytes), then the whole strings. */
typedef struct item_key {
	uint64_t key;
	uint32_t id;
} item_key;

static int item_key_before(const ig_intern *t, const item_key *x, const item_key *y)
{
	const char *sx, *sy;
	size_t lx, ly;
	int c;

	if (x->key != y->key)
		return x->key < y->key;
	sx = ig_intern_str(t, x->id);
	sy = ig_intern_str(t, y->id);
	lx = ig_intern_len(t, x->id);
	ly = ig_intern_len(t, y->id);
	c = memcmp(sx, sy, lx < ly ? lx : ly);
	return c ? c < 0 : lx < ly;
}

IG_SORT_DEFINE(item_key, item_key, item_key_before, const ig_intern *)

void ig_rdata_rank_items(ig_rdata *d)
{
	uint32_t n = ig_intern_count(d->items), i;
	item_key *k;

	free(d->item_rank);
	d->item_rank = NULL;
	d->nitem_rank = 0;
	if (n == 0)
		return;
	k = ig_reallocarray(NULL, n, sizeof *k);
	for (i = 0; i < n; i++) {
		const unsigned char *s = (const unsigned char *)ig_intern_str(d->items, i);
		size_t len = ig_intern_len(d->items, i), j;
		uint64_t key = 0;

		for (j = 0; j < 8; j++)
			key = key << 8 | (j < len ? s[j] : 0);
		k[i].key = key;
		k[i].id = i;
	}
	item_key_sort(k, n, d->items);
	d->item_rank = ig_reallocarray(NULL, n, sizeof *d->item_rank);
	for (i = 0; i < n; i++)
		d->item_rank[k[i].id] = i;
	d->nitem_rank = n;
	free(k);
}

static int cand_cmp(const void *a, const void *b, void *arg)
{
	return cand_order(arg, a, b);
}

static inline int cand_before(const ig_rdata *d, const ig_rcand *x, const ig_rcand *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	if (x->rank != UINT32_MAX && y->rank != UINT32_MAX)
		return x->rank < y->rank;
	return cand_order(d, x, y) < 0;
}

IG_SORT_DEFINE(cand, ig_rcand, cand_before, const ig_rdata *)

/* Best first, then cut to TOTAL: the TOTAL best selected, then sorted.
 * NaN scores (partial order) take the qsort of the whole list, as they
 * always did. */
static void ig_rlist_sort(const ig_rdata *d, ig_rlist *l, uint32_t total)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		if (l->c[i].score != l->c[i].score)
			break;
	if (i < l->n) {
		qsort_r(l->c, l->n, sizeof *l->c, cand_cmp, (void *)d);
	} else {
		if (l->n > total)
			cand_select(l->c, l->n, total, d);
		if (l->n > total)
			l->n = total;
		cand_sort(l->c, l->n, d);
	}
	if (l->n > total)
		l->n = total;
}

static uint32_t engagements(const ig_ruser *u)
{
	double w[IG_EV_COUNT];
	uint32_t n = 0;
	size_t i;

	ig_event_weights_default(w);
	for (i = 0; i < u->nev; i++)
		n += w[u->ev[i].type] > 0;
	return n;
}

static ig_rcand *cand_get(const ig_rdata *d, ig_rlist *l, ig_rwork *w, uint32_t it)
{
	ig_rcand *c;
	uint32_t k;

	if (w->cand_stamp[it] == w->cand_epoch)
		return &l->c[w->cand[it]];
	w->cand_stamp[it] = w->cand_epoch;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->c = ig_reallocarray(l->c, l->cap, sizeof *l->c);
		l->scores = ig_reallocarray(l->scores, (size_t)l->cap * (l->nsrc ? l->nsrc : 1), sizeof *l->scores);
	}
	w->cand[it] = l->n;
	c = &l->c[l->n];
	memset(c, 0, sizeof *c);
	c->item = it;
	c->rank = it < d->nitem_rank ? d->item_rank[it] : UINT32_MAX;
	c->reason = -1;
	c->row = l->n;
	for (k = 0; k < l->nsrc; k++)
		l->scores[(size_t)l->n * l->nsrc + k] = NAN;
	l->n++;
	return c;
}

/* Sources' scores are on scales of their own (a sum of similarities, a
 * count of engagements), skewed differently: by rank, an item that two
 * sources put near their tops beats one that a skewed source puts first
 * alone, which on the validation cuts of ML-100K, ml-latest-small and
 * Last.fm gave recall@500 above the best single source's. */
float ig_rmix_scale(int mix, uint32_t rank, float score, float best)
{
	if (mix == IG_RMIX_SCORE)
		return score / best;
	return IG_RMIX_RANK_K / (IG_RMIX_RANK_K + (float)rank);
}

void ig_retrieve_user(const ig_rdata *d, const ig_rspec *spec, uint32_t total, const ig_ruser *u, ig_rwork *w,
		      ig_rlist *l)
{
	ig_rset *gotp = &w->got;
	uint32_t i;
	int s;

	l->n = 0;
	l->nsrc = (uint32_t)spec->nsources;
	l->cold = engagements(u) < d->opt.cold;
	if (++w->cand_epoch == 0) {
		memset(w->cand_stamp, 0, w->cap * sizeof *w->cand_stamp);
		w->cand_epoch = 1;
	}
	for (s = 0; s < spec->nsources; s++) {
		const ig_rsource *src = &spec->src[s];
		uint32_t quota = src->quota ? src->quota : total;
		float top;

		/* cold start: sources that need no history may fill the list */
		if (l->cold && !src->needs_history)
			quota = total;
		ig_rsource_run(d, src, u, quota, w, gotp);
		if (gotp->n == 0)
			continue;
		top = gotp->score[0] > 0 ? gotp->score[0] : 1;
		for (i = 0; i < gotp->n; i++) {
			ig_rcand *c = cand_get(d, l, w, gotp->id[i]);
			float contrib = (float)src->weight * ig_rmix_scale(spec->mix, i, gotp->score[i], top);

			c->score += contrib;
			c->sources |= UINT32_C(1) << s;
			l->scores[(size_t)c->row * l->nsrc + (uint32_t)s] = gotp->score[i];
			if (c->reason < 0 || contrib > c->best) {
				c->best = contrib;
				c->reason = s;
				c->seed = gotp->seed[i];
			}
		}
	}
	ig_rlist_sort(d, l, total);
}
