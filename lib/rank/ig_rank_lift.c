#include "rank/ig_rank_lift_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

const int ig_rank_lift_types[IG_RANK_LIFT_TYPES] = {IG_EV_VIEW, IG_EV_LIKE, IG_EV_COMMENT, IG_EV_SHARE, IG_EV_SAVE};

double ig_rank_eb_shrink(double num, double den, double prior, double m)
{
	return den + m > 0 ? (num + m * prior) / (den + m) : prior;
}

void ig_rank_eb_add(ig_rank_eb_acc *a, double num, double den, double prior)
{
	double d;

	if (!(den > 0))
		return;
	d = num / den - prior;
	a->spread += den * d * d;
	a->noise += prior * (1 - a->k * prior);
	a->weight += den;
	a->kept++;
}

double ig_rank_eb_acc_strength(const ig_rank_eb_acc *a)
{
	double tau2, scale;

	if (a->kept == 0)
		return IG_RANK_EB_MAX_STRENGTH;
	tau2 = (a->spread - a->noise) / a->weight;
	scale = a->noise / (double)a->kept;
	if (!(tau2 > 0) || scale / tau2 > IG_RANK_EB_MAX_STRENGTH)
		return IG_RANK_EB_MAX_STRENGTH;
	return scale / tau2;
}

double ig_rank_eb_strength(const double *num, const double *den, const double *prior, size_t n, double k)
{
	ig_rank_eb_acc a = {0, 0, 0, 0, k};
	size_t j;

	for (j = 0; j < n; j++)
		ig_rank_eb_add(&a, num[j], den[j], prior[j]);
	return ig_rank_eb_acc_strength(&a);
}

/* Smoothed rates of N entities into OUT[j * IG_RANK_LIFT_TYPES]. */
static void shrink_all(const double *num, const double *den, const double *prior, size_t n, double k,
		       float *out)
{
	double m = ig_rank_eb_strength(num, den, prior, n, k);
	size_t j;

	for (j = 0; j < n; j++)
		out[j * IG_RANK_LIFT_TYPES] = (float)ig_rank_eb_shrink(num[j], den[j], prior[j], m);
}

static double ratio(const double *num, const double *den, size_t n)
{
	double a = 0, b = 0;
	size_t j;

	for (j = 0; j < n; j++) {
		a += num[j];
		b += den[j];
	}
	return b > 0 ? a / b : 0;
}

static void fill(double *v, size_t n, double x)
{
	size_t j;

	for (j = 0; j < n; j++)
		v[j] = x;
}

/* Per author: the sums of its items' NUM and DEN. */
static void by_author(const ig_rank_ctx *c, const double *inum, const double *iden, double *num, double *den,
		      size_t na)
{
	uint32_t i;

	fill(num, na, 0);
	fill(den, na, 0);
	for (i = 0; i < c->nitems && i < c->items->count; i++) {
		num[c->items->author[i]] += inum[i];
		den[c->items->author[i]] += iden[i];
	}
}

/* Each item's prior: its author's lift of type T (c->alift), or GLOBAL
 * for an item without a known author. */
static void author_prior(const ig_rank_ctx *c, int t, double global, double *prior)
{
	uint32_t i;

	for (i = 0; i < c->nitems; i++)
		prior[i] = c->items && i < c->items->count
				   ? (double)c->alift[(size_t)c->items->author[i] * IG_RANK_LIFT_TYPES + t]
				   : global;
}

/* The first topic of item I, or IG_INTERN_NONE. */
static uint32_t topic_of(const ig_rank_ctx *c, uint32_t i)
{
	const ig_items *it = c->items;

	if (it == NULL || i >= it->count || it->topic_start[i] == it->topic_start[i + 1])
		return IG_INTERN_NONE;
	return it->topic_list[it->topic_start[i]];
}

/* One user's decayed events of each lift type and impressions: per
 * topic of the items and type (TNUM[t], TDEN[t], stamped by GEN in
 * TSTAMP[t], the topics touched listed in TOUCHED[t]) and per item (INUM
 * per type, IDEN, stamped in ISTAMP). Counted in one pass for all the
 * types, each type's cells with the additions, in the order, that a
 * pass of its own would make. An item's impressions are the same for
 * every type, so IDEN is shared: a type whose first event on the item
 * was not an impression would have added a weight of 0 there, which
 * leaves the sum the same bits. */
typedef struct cells {
	double *tnum[IG_RANK_LIFT_TYPES], *tden[IG_RANK_LIFT_TYPES];
	double *inum[IG_RANK_LIFT_TYPES], *iden;
	uint32_t *tstamp[IG_RANK_LIFT_TYPES], *touched[IG_RANK_LIFT_TYPES], ntouched[IG_RANK_LIFT_TYPES];
	uint32_t *istamp, gen;
} cells;

static void cells_alloc(cells *k, uint32_t nt, uint32_t nitems)
{
	int t;

	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		k->tnum[t] = ig_malloc(((size_t)nt + 1) * sizeof *k->tnum[t]);
		k->tden[t] = ig_malloc(((size_t)nt + 1) * sizeof *k->tden[t]);
		k->tstamp[t] = ig_calloc((size_t)nt + 1, sizeof *k->tstamp[t]);
		k->touched[t] = ig_malloc(((size_t)nt + 1) * sizeof *k->touched[t]);
		k->inum[t] = ig_malloc(((size_t)nitems + 1) * sizeof *k->inum[t]);
	}
	k->iden = ig_malloc(((size_t)nitems + 1) * sizeof *k->iden);
	k->istamp = ig_calloc((size_t)nitems + 1, sizeof *k->istamp);
}

static void cells_free(cells *k)
{
	int t;

	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		free(k->tnum[t]);
		free(k->tden[t]);
		free(k->tstamp[t]);
		free(k->touched[t]);
		free(k->inum[t]);
	}
	free(k->iden);
	free(k->istamp);
}

/* N events of weight D (impressions) or N (type T's) on topic SLOT. */
static void topic_add(cells *k, int t, uint32_t slot, double n, double d)
{
	if (k->tstamp[t][slot] != k->gen) {
		k->tstamp[t][slot] = k->gen;
		k->tnum[t][slot] = k->tden[t][slot] = 0;
		k->touched[t][k->ntouched[t]++] = slot;
	}
	k->tnum[t][slot] += n;
	k->tden[t][slot] += d;
}

/* An impression of weight W on item SLOT (T < 0) or an event of lift
 * type T; a type's count gains nothing from the others' events, as the
 * additions of 0 it skips would leave it the same bits. */
static void item_add(cells *k, int t, uint32_t slot, double w)
{
	int j;

	if (k->istamp[slot] != k->gen) {
		k->istamp[slot] = k->gen;
		for (j = 0; j < IG_RANK_LIFT_TYPES; j++)
			k->inum[j][slot] = 0;
		k->iden[slot] = 0;
	}
	if (t < 0)
		k->iden[slot] += w;
	else
		k->inum[t][slot] += w;
}

/* The lift type of each event type, -1 for none. */
static int lift_type(int type)
{
	int t;

	for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
		if (ig_rank_lift_types[t] == type)
			return t;
	return -1;
}

/* The user's N events EV, of decay weights W, into K for every type. */
static void cells_user(const ig_rank_ctx *c, cells *k, const ig_rank_hev *ev, const double *w, size_t n,
		       const int *type_of)
{
	size_t i;
	int t;

	k->gen++;
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
		k->ntouched[t] = 0;
	for (i = 0; i < n; i++) {
		const ig_rank_hev *e = &ev[i];
		int impression = e->type == IG_EV_IMPRESSION, lt = type_of[e->type];
		uint32_t tp;

		if (!impression && lt < 0)
			continue;
		tp = topic_of(c, e->item);
		item_add(k, impression ? -1 : lt, e->item, w[i]);
		if (tp == IG_INTERN_NONE)
			continue;
		if (!impression) {
			topic_add(k, lt, tp, w[i], 0);
			continue;
		}
		for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
			topic_add(k, t, tp, 0, w[i]);
	}
}

/* The expected events of every lift type on each item, counted in three
 * passes over every user's history (ig_rank_history_scan): the users'
 * own rates, then the spread of their topic rates around them, then
 * each impression's expectation. Per user only its counts are kept
 * (UNUM per type, UDEN), so that the history itself is not held. */
typedef struct expect {
	const ig_rank_ctx *c;
	uint32_t nt;
	double *unum[IG_RANK_LIFT_TYPES], *uden; /* per user of the history */
	double g[IG_RANK_LIFT_TYPES], mu[IG_RANK_LIFT_TYPES], mt[IG_RANK_LIFT_TYPES];
	ig_rank_eb_acc cells_acc[IG_RANK_LIFT_TYPES];
	double *exp[IG_RANK_LIFT_TYPES];         /* per item */
	double *w;                               /* the user's decay weights */
	size_t wcap;
	cells k;
	int type_of[IG_EV_COUNT];                /* lift_type of each event type */
} expect;

static const double *user_weights(expect *x, const ig_rank_hev *ev, size_t n)
{
	size_t i;

	if (n > x->wcap) {
		x->wcap = n;
		x->w = ig_reallocarray(x->w, x->wcap, sizeof *x->w);
	}
	/* events at one time (an impression and what followed it) share a
	 * weight: exp2 once */
	for (i = 0; i < n; i++)
		x->w[i] = i > 0 && ev[i].ts == ev[i - 1].ts ? x->w[i - 1] : ig_rank_decay(x->c, ev[i].ts);
	return x->w;
}

/* The user's rate of lift type T, shrunk towards everyone's. */
static double user_rate(const expect *x, uint32_t u, int t)
{
	return ig_rank_eb_shrink(x->unum[t][u], x->uden[u], x->g[t], x->mu[t]);
}

static void rates_user(void *arg, uint32_t u, const ig_rank_hev *ev, size_t n)
{
	expect *x = arg;
	const double *w = user_weights(x, ev, n);
	size_t i;
	int t;

	for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
		x->unum[t][u] = 0;
	x->uden[u] = 0;
	for (i = 0; i < n; i++) {
		if (ev[i].type == IG_EV_IMPRESSION) {
			x->uden[u] += w[i];
			continue;
		}
		for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
			if (ev[i].type == ig_rank_lift_types[t])
				x->unum[t][u] += w[i];
	}
}

/* the prior strength of a user's topic rates around the user's rate */
static void spread_user(void *arg, uint32_t u, const ig_rank_hev *ev, size_t n)
{
	expect *x = arg;
	const double *w = user_weights(x, ev, n);
	uint32_t j;
	int t;

	cells_user(x->c, &x->k, ev, w, n, x->type_of);
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		double r = user_rate(x, u, t);
		const uint32_t *touched = x->k.touched[t];

		for (j = 0; j < x->k.ntouched[t]; j++)
			ig_rank_eb_add(&x->cells_acc[t], x->k.tnum[t][touched[j]], x->k.tden[t][touched[j]], r);
	}
}

/* Each impression at its user's smoothed rate on the item's topic,
 * leaving the item itself out (what the user does with that kind of
 * item, not with this one), shrunk towards the user's own rate. */
static void expect_user(void *arg, uint32_t u, const ig_rank_hev *ev, size_t n)
{
	expect *x = arg;
	const double *w = user_weights(x, ev, n);
	size_t i;
	int t;

	if (x->nt)
		cells_user(x->c, &x->k, ev, w, n, x->type_of);
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		double ru = user_rate(x, u, t);

		for (i = 0; i < n; i++) {
			const ig_rank_hev *e = &ev[i];
			uint32_t tp;
			double r = ru;

			if (e->type != IG_EV_IMPRESSION)
				continue;
			tp = x->nt ? topic_of(x->c, e->item) : IG_INTERN_NONE;
			if (tp != IG_INTERN_NONE)
				r = ig_rank_eb_shrink(x->k.tnum[t][tp] - x->k.inum[t][e->item],
						      x->k.tden[t][tp] - x->k.iden[e->item], r, x->mt[t]);
			x->exp[t][e->item] += r * w[i];
		}
	}
}

/* The events of each lift type expected on each item (X->exp) from the
 * users it was shown to, decayed as the counts are. */
static void expected(expect *x)
{
	const ig_rank_ctx *c = x->c;
	uint32_t nu = c->nusers_all, nt = x->nt;
	double *prior = ig_malloc(((size_t)nu + 1) * sizeof *prior);
	int t;

	ig_rank_history_scan(c, rates_user, x);
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		x->g[t] = ratio(x->unum[t], x->uden, nu);
		fill(prior, nu, x->g[t]);
		x->mu[t] = ig_rank_eb_strength(x->unum[t], x->uden, prior, nu, 1.0);
		x->mt[t] = IG_RANK_EB_MAX_STRENGTH;
		x->cells_acc[t] = (ig_rank_eb_acc){0, 0, 0, 0, 1.0};
	}
	free(prior);
	cells_alloc(&x->k, nt, c->nitems);
	for (t = 0; t < IG_EV_COUNT; t++)
		x->type_of[t] = lift_type(t);
	if (nt) {
		ig_rank_history_scan(c, spread_user, x);
		for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
			x->mt[t] = ig_rank_eb_acc_strength(&x->cells_acc[t]);
	}
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		x->exp[t] = ig_malloc(((size_t)c->nitems + 1) * sizeof *x->exp[t]);
		fill(x->exp[t], c->nitems, 0);
	}
	ig_rank_history_scan(c, expect_user, x);
	cells_free(&x->k);
	free(x->w);
}

void ig_rank_lift_fit(ig_rank_ctx *c)
{
	size_t ni = c->nitems, nu = c->nusers_all;
	size_t na = c->items ? (size_t)ig_intern_count(c->items->authors) + 1 : 0;
	size_t nmax = (ni > na ? ni : na) + 1, i;
	double *num, *den, *prior, *inum, *iexp, g, per_imp, imps = 0;
	expect x;
	int t;

	memset(&x, 0, sizeof x);
	x.c = c;
	x.nt = c->items ? ig_intern_count(c->items->topics) : 0;
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
		x.unum[t] = ig_malloc((nu + 1) * sizeof *x.unum[t]);
	x.uden = ig_malloc((nu + 1) * sizeof *x.uden);
	expected(&x);
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++)
		free(x.unum[t]);
	free(x.uden);
	num = ig_malloc(nmax * sizeof *num);
	den = ig_malloc(nmax * sizeof *den);
	prior = ig_malloc(nmax * sizeof *prior);
	inum = ig_malloc((ni + 1) * sizeof *inum);
	c->lift = ig_calloc((ni + 1) * IG_RANK_LIFT_TYPES, sizeof *c->lift);
	if (c->items)
		c->alift = ig_calloc(na * IG_RANK_LIFT_TYPES, sizeof *c->alift);
	for (i = 0; i < ni; i++)
		imps += (double)c->pop[i * IG_EV_COUNT + IG_EV_IMPRESSION];
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		int type = ig_rank_lift_types[t];

		iexp = x.exp[t];
		for (i = 0, g = 0; i < ni; i++)
			g += inum[i] = (double)c->pop[i * IG_EV_COUNT + type];
		/* a lift p is a rate of p * per_imp an impression: binomial
		 * noise with that rate */
		per_imp = imps > 0 ? g / imps : 0;
		g = ratio(inum, iexp, ni);
		if (c->items) {
			by_author(c, inum, iexp, num, den, na);
			fill(prior, na, g);
			shrink_all(num, den, prior, na, per_imp, c->alift + t);
		}
		author_prior(c, t, g, prior);
		shrink_all(inum, iexp, prior, ni, per_imp, c->lift + t);
		c->lift[ni * IG_RANK_LIFT_TYPES + t] = (float)g; /* an item with no history */
		free(iexp);
	}
	free(num);
	free(den);
	free(prior);
	free(inum);
}
