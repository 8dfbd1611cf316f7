#include "rank/ig_rank_lift_priv.h"

#include <math.h>
#include <stdlib.h>

#include "core/ig_err.h"

const int ig_rank_lift_types[IG_RANK_LIFT_TYPES] = {IG_EV_VIEW, IG_EV_LIKE, IG_EV_COMMENT, IG_EV_SHARE, IG_EV_SAVE};

double ig_rank_eb_shrink(double num, double den, double prior, double m)
{
	return den + m > 0 ? (num + m * prior) / (den + m) : prior;
}

double ig_rank_eb_strength(const double *num, const double *den, const double *prior, size_t n, double k)
{
	double spread = 0, noise = 0, weight = 0, tau2, scale;
	size_t j, kept = 0;

	for (j = 0; j < n; j++) {
		double p = prior[j], d;

		if (!(den[j] > 0))
			continue;
		d = num[j] / den[j] - p;
		spread += den[j] * d * d;
		noise += p * (1 - k * p);
		weight += den[j];
		kept++;
	}
	if (kept == 0)
		return IG_RANK_EB_MAX_STRENGTH;
	tau2 = (spread - noise) / weight;
	scale = noise / (double)kept;
	if (!(tau2 > 0) || scale / tau2 > IG_RANK_EB_MAX_STRENGTH)
		return IG_RANK_EB_MAX_STRENGTH;
	return scale / tau2;
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

/* One user's decayed events of TYPE and impressions, per topic of the
 * items (T, stamped by GEN in TSTAMP) and per item (I, stamped in
 * ISTAMP); the topics touched are listed in TOUCHED. W: each history
 * event's decay weight, computed once for every pass and type. */
typedef struct cells {
	const double *w;
	double *tnum, *tden, *inum, *iden;
	uint32_t *tstamp, *istamp, *touched, ntouched, gen;
} cells;

static void cells_add(cells *k, uint32_t slot, uint32_t *stamp, double *num, double *den, double n, double d,
		      int is_topic)
{
	if (stamp[slot] != k->gen) {
		stamp[slot] = k->gen;
		num[slot] = den[slot] = 0;
		if (is_topic)
			k->touched[k->ntouched++] = slot;
	}
	num[slot] += n;
	den[slot] += d;
}

static void cells_user(const ig_rank_ctx *c, cells *k, uint32_t u, int type)
{
	size_t i;

	k->gen++;
	k->ntouched = 0;
	for (i = c->u_start[u]; i < c->u_start[u + 1]; i++) {
		const ig_rank_hev *e = &c->ev[i];
		double w = k->w[i], n, d;
		uint32_t t = topic_of(c, e->item);

		if (e->type == IG_EV_IMPRESSION)
			n = 0, d = w;
		else if (e->type == type)
			n = w, d = 0;
		else
			continue;
		cells_add(k, e->item, k->istamp, k->inum, k->iden, n, d, 0);
		if (t != IG_INTERN_NONE)
			cells_add(k, t, k->tstamp, k->tnum, k->tden, n, d, 1);
	}
}

/* The events of type TYPE expected on each item (EXP) from the users it
 * was shown to: each impression at its user's smoothed rate on the
 * item's topic, leaving the item itself out (what the user does with
 * that kind of item, not with this one), shrunk towards the user's own
 * rate, itself shrunk towards everyone's; decayed as the counts are.
 * UNUM, UDEN, UPRIOR: scratch of a slot per user. */
static void expected(const ig_rank_ctx *c, const double *w, int type, double *unum, double *uden, double *uprior,
		     double *exp)
{
	uint32_t u, nu = ig_intern_count(c->users), nt = c->items ? ig_intern_count(c->items->topics) : 0;
	double g, mu, mt = IG_RANK_EB_MAX_STRENGTH, *cnum = NULL, *cden = NULL, *cprior = NULL;
	size_t i, j, ncells = 0, cap = 0;
	cells k = {0};

	k.w = w;

	for (u = 0; u < nu; u++) {
		unum[u] = uden[u] = 0;
		for (i = c->u_start[u]; i < c->u_start[u + 1]; i++) {
			if (c->ev[i].type == type)
				unum[u] += w[i];
			else if (c->ev[i].type == IG_EV_IMPRESSION)
				uden[u] += w[i];
		}
	}
	g = ratio(unum, uden, nu);
	fill(uprior, nu, g);
	mu = ig_rank_eb_strength(unum, uden, uprior, nu, 1.0);
	for (u = 0; u < nu; u++)
		uprior[u] = ig_rank_eb_shrink(unum[u], uden[u], g, mu); /* now the user's rate */
	k.tnum = ig_malloc(((size_t)nt + 1) * sizeof *k.tnum);
	k.tden = ig_malloc(((size_t)nt + 1) * sizeof *k.tden);
	k.tstamp = ig_calloc((size_t)nt + 1, sizeof *k.tstamp);
	k.touched = ig_malloc(((size_t)nt + 1) * sizeof *k.touched);
	k.inum = ig_malloc(((size_t)c->nitems + 1) * sizeof *k.inum);
	k.iden = ig_malloc(((size_t)c->nitems + 1) * sizeof *k.iden);
	k.istamp = ig_calloc((size_t)c->nitems + 1, sizeof *k.istamp);
	/* the prior strength of a user's topic rates around the user's rate */
	for (u = 0; nt && u < nu; u++) {
		cells_user(c, &k, u, type);
		if (ncells + k.ntouched > cap) {
			cap = 2 * (ncells + k.ntouched);
			cnum = ig_reallocarray(cnum, cap, sizeof *cnum);
			cden = ig_reallocarray(cden, cap, sizeof *cden);
			cprior = ig_reallocarray(cprior, cap, sizeof *cprior);
		}
		for (j = 0; j < k.ntouched; j++, ncells++) {
			cnum[ncells] = k.tnum[k.touched[j]];
			cden[ncells] = k.tden[k.touched[j]];
			cprior[ncells] = uprior[u];
		}
	}
	if (ncells)
		mt = ig_rank_eb_strength(cnum, cden, cprior, ncells, 1.0);
	fill(exp, c->nitems, 0);
	for (u = 0; u < nu; u++) {
		if (nt)
			cells_user(c, &k, u, type);
		for (i = c->u_start[u]; i < c->u_start[u + 1]; i++) {
			const ig_rank_hev *e = &c->ev[i];
			uint32_t t = nt ? topic_of(c, e->item) : IG_INTERN_NONE;
			double r = uprior[u];

			if (e->type != IG_EV_IMPRESSION)
				continue;
			if (t != IG_INTERN_NONE)
				r = ig_rank_eb_shrink(k.tnum[t] - k.inum[e->item], k.tden[t] - k.iden[e->item], r, mt);
			exp[e->item] += r * w[i];
		}
	}
	free(cnum);
	free(cden);
	free(cprior);
	free(k.tnum);
	free(k.tden);
	free(k.tstamp);
	free(k.touched);
	free(k.inum);
	free(k.iden);
	free(k.istamp);
}

void ig_rank_lift_fit(ig_rank_ctx *c)
{
	size_t ni = c->nitems, nu = ig_intern_count(c->users);
	size_t na = c->items ? (size_t)ig_intern_count(c->items->authors) + 1 : 0;
	size_t nmax = ni > nu ? ni : nu, i;
	double *num, *den, *prior, *inum, *iexp, *w, g, per_imp, imps = 0;
	int t;

	nmax = (nmax > na ? nmax : na) + 1;
	num = ig_malloc(nmax * sizeof *num);
	den = ig_malloc(nmax * sizeof *den);
	prior = ig_malloc(nmax * sizeof *prior);
	inum = ig_malloc((ni + 1) * sizeof *inum);
	iexp = ig_malloc((ni + 1) * sizeof *iexp);
	w = ig_malloc((c->nev + 1) * sizeof *w);
	for (i = 0; i < c->nev; i++)
		w[i] = ig_rank_decay(c, c->ev[i].ts);
	c->lift = ig_calloc((ni + 1) * IG_RANK_LIFT_TYPES, sizeof *c->lift);
	if (c->items)
		c->alift = ig_calloc(na * IG_RANK_LIFT_TYPES, sizeof *c->alift);
	for (i = 0; i < ni; i++)
		imps += (double)c->pop[i * IG_EV_COUNT + IG_EV_IMPRESSION];
	for (t = 0; t < IG_RANK_LIFT_TYPES; t++) {
		int type = ig_rank_lift_types[t];

		for (i = 0, g = 0; i < ni; i++)
			g += inum[i] = (double)c->pop[i * IG_EV_COUNT + type];
		/* a lift p is a rate of p * per_imp an impression: binomial
		 * noise with that rate */
		per_imp = imps > 0 ? g / imps : 0;
		expected(c, w, type, num, den, prior, iexp);
		g = ratio(inum, iexp, ni);
		if (c->items) {
			by_author(c, inum, iexp, num, den, na);
			fill(prior, na, g);
			shrink_all(num, den, prior, na, per_imp, c->alift + t);
		}
		author_prior(c, t, g, prior);
		shrink_all(inum, iexp, prior, ni, per_imp, c->lift + t);
		c->lift[ni * IG_RANK_LIFT_TYPES + t] = (float)g; /* an item with no history */
	}
	free(num);
	free(den);
	free(prior);
	free(inum);
	free(iexp);
	free(w);
}
