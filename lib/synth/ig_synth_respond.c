/* ig-synth respond: what the planted model expects a user of the world to
 * do with a feed, what the world's own logging policy and an oracle would
 * get in the same session, and sampled responses. Everything goes through
 * the generator's own steps (ig_synth_user_priv.h). */
#include "synth/ig_synth_respond.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "synth/ig_synth_user_priv.h"

struct ig_synth_resp {
	const ig_synth_world *w;
	ig_synth_gen *g;
	ig_synth_out replay;      /* nothing wanted: the history is only replayed */
	uint32_t u;
	int64_t at;               /* the session's start */
	uint32_t navail;          /* items created at or before AT: 0 .. navail-1 */
	double *fat0;             /* per leaf: fatigue at AT */
	double *fat;              /* per leaf: fatigue carried through a feed */
	double *pfocus;           /* per leaf: P(the session's focus) */
	uint8_t *special;         /* per leaf: a focus that needs its own class */
	uint32_t *class_leaf;     /* per class: a leaf that stands for it */
	double *class_w;          /* per class: P(focus in the class) */
	uint32_t nclass;
	uint32_t *root_class;     /* per root, scratch */
	/* per feed position: the author's slot; per slot the author's state */
	uint32_t *slot;
	uint8_t *fol0, *hid0;
	double *pfol, *phid;
	/* per feed position: the last probabilities computed, which most
	 * foci share (those far from the item's topics) */
	double *memo_aff, *memo_pfol, (*memo_marg)[IG_SYN_NHEADS];
	size_t cap;
	/* per item, for the logging policy and the oracles */
	double *q, *value;
	uint32_t *order;
	size_t item_cap;
	/* the items of the user's earlier rounds (ig_synth_resp_user's PRIOR),
	 * and per item of the world a mark: the user has an event with it */
	uint32_t *prior_item;
	size_t nprior, prior_cap;
	uint8_t *seen;
};

ig_synth_resp *ig_synth_resp_new(const ig_synth_world *w)
{
	ig_synth_resp *r = ig_calloc(1, sizeof *r);
	size_t nl = w->nleaves;

	r->w = w;
	r->g = ig_synth_gen_new(w);
	r->g->keep_shown = 1;
	r->fat0 = ig_calloc(nl, sizeof *r->fat0);
	r->fat = ig_calloc(nl, sizeof *r->fat);
	r->pfocus = ig_calloc(nl, sizeof *r->pfocus);
	r->special = ig_calloc(nl, 1);
	r->class_leaf = ig_calloc(nl + 1, sizeof *r->class_leaf);
	r->class_w = ig_calloc(nl + 1, sizeof *r->class_w);
	r->root_class = ig_calloc(w->p.roots, sizeof *r->root_class);
	return r;
}

void ig_synth_resp_free(ig_synth_resp *r)
{
	int s;

	if (r == NULL)
		return;
	ig_synth_gen_free(r->g);
	for (s = 0; s < IG_SYN_NSTREAMS; s++)
		ig_synth_buf_free(&r->replay.buf[s]);
	free(r->fat0);
	free(r->fat);
	free(r->pfocus);
	free(r->special);
	free(r->class_leaf);
	free(r->class_w);
	free(r->root_class);
	free(r->slot);
	free(r->fol0);
	free(r->hid0);
	free(r->pfol);
	free(r->phid);
	free(r->memo_aff);
	free(r->memo_pfol);
	free(r->memo_marg);
	free(r->q);
	free(r->value);
	free(r->order);
	free(r->prior_item);
	free(r->seen);
	free(r);
}

int64_t ig_synth_resp_user(ig_synth_resp *r, uint32_t u, int64_t at, const ig_synth_prior *prior, size_t n)
{
	const ig_synth_world *w = r->w;
	ig_synth_gen *g = r->g;
	uint32_t t, lo = 0, hi = w->p.items;
	double keep = 1.0 - MOOD_KEEP_P, from_theta = keep * MOOD_FROM_THETA_P;
	size_t k;

	r->u = u;
	memset(&r->replay.stats, 0, sizeof r->replay.stats);
	ig_synth_gen_user(g, u, &r->replay);
	if (at < g->t_free)
		at = g->t_free;
	if (n > r->prior_cap) {
		r->prior_cap = n + n / 2 + 16;
		r->prior_item = ig_reallocarray(r->prior_item, r->prior_cap, sizeof *r->prior_item);
	}
	r->nprior = n;
	for (k = 0; k < n; k++) {
		r->prior_item[k] = prior[k].item;
		if (prior[k].type == IG_EV_FOLLOW || prior[k].type == IG_EV_SEE_LESS ||
		    prior[k].type == IG_EV_HIDE || prior[k].type == IG_EV_REPORT)
			ig_synth_gen_feedback(g, prior[k].item, prior[k].ts, prior[k].type);
		if (at < prior[k].ts + 1 + SESSION_GAP)
			at = prior[k].ts + 1 + SESSION_GAP;
	}
	r->at = at;
	for (t = 0; t < w->nleaves; t++)
		r->fat0[t] = ig_synth_gen_fatigue(g, t, at);
	/* The next session's focus, as ig_synth_gen_focus draws it. */
	for (t = 0; t < w->nleaves; t++) {
		if (g->nsessions == 0)
			r->pfocus[t] = g->theta[t];
		else
			r->pfocus[t] = from_theta * g->theta[t] + (keep - from_theta) / w->nleaves +
				       (t == g->focus ? MOOD_KEEP_P : 0.0);
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (w->created[mid] <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	r->navail = lo;
	return at;
}

/* Groups the possible foci into classes that give every item of interest
 * the same affinity: a leaf marked special (under the user's interest, the
 * last focus, or a topic of a shown item) is a class of its own; the other
 * leaves of a root form one class, and roots with neither interest nor a
 * special leaf share one class. */
static void focus_classes(ig_synth_resp *r)
{
	const ig_synth_world *w = r->w;
	const ig_synth_gen *g = r->g;
	uint32_t b = w->p.subtopics, rt, t, empty = UINT32_MAX;

	for (t = 0; t < w->nleaves; t++)
		if (g->theta[t] > 0 || (g->nsessions > 0 && t == g->focus))
			r->special[t] = 1;
	r->nclass = 0;
	for (rt = 0; rt < w->p.roots; rt++) {
		int busy = 0;
		for (t = rt * b; t < (rt + 1) * b; t++)
			busy |= r->special[t];
		r->root_class[rt] = busy ? UINT32_MAX - 1 : UINT32_MAX;
	}
	for (t = 0; t < w->nleaves; t++) {
		uint32_t *shared = NULL, c;
		if (r->pfocus[t] <= 0)
			continue;
		if (!r->special[t])
			shared = r->root_class[t / b] == UINT32_MAX ? &empty : &r->root_class[t / b];
		if (shared != NULL && *shared < UINT32_MAX - 1) {
			r->class_w[*shared] += r->pfocus[t];
			continue;
		}
		c = r->nclass++;
		r->class_leaf[c] = t;
		r->class_w[c] = r->pfocus[t];
		if (shared != NULL)
			*shared = c;
	}
	memset(r->special, 0, w->nleaves);
}

static void grow(ig_synth_resp *r, size_t n)
{
	if (n <= r->cap)
		return;
	r->cap = n + n / 2 + 16;
	r->slot = ig_reallocarray(r->slot, r->cap, sizeof *r->slot);
	r->fol0 = ig_reallocarray(r->fol0, r->cap, 1);
	r->hid0 = ig_reallocarray(r->hid0, r->cap, 1);
	r->pfol = ig_reallocarray(r->pfol, r->cap, sizeof *r->pfol);
	r->phid = ig_reallocarray(r->phid, r->cap, sizeof *r->phid);
	r->memo_aff = ig_reallocarray(r->memo_aff, r->cap, sizeof *r->memo_aff);
	r->memo_pfol = ig_reallocarray(r->memo_pfol, r->cap, sizeof *r->memo_pfol);
	r->memo_marg = ig_reallocarray(r->memo_marg, r->cap, sizeof *r->memo_marg);
	r->order = ig_reallocarray(r->order, r->cap > r->item_cap ? r->cap : r->item_cap, sizeof *r->order);
}

static int cmp_by_author(const void *a, const void *b, void *authors)
{
	const uint32_t *au = authors;
	uint32_t x = au[*(const uint32_t *)a], y = au[*(const uint32_t *)b];

	return (x > y) - (x < y);
}

/* One slot per distinct author of ITEMS, with the user's follow and hide
 * of it at the session's start. */
static void author_slots(ig_synth_resp *r, const uint32_t *items, size_t n)
{
	const ig_synth_world *w = r->w;
	uint32_t *authors = ig_malloc((n + 1) * sizeof *authors);
	size_t k, nslot = 0;

	grow(r, n);
	for (k = 0; k < n; k++) {
		authors[k] = w->item_author[items[k]];
		r->order[k] = (uint32_t)k;
	}
	if (n > 1)
		qsort_r(r->order, n, sizeof *r->order, cmp_by_author, authors);
	for (k = 0; k < n; k++) {
		uint32_t pos = r->order[k], a = authors[pos];
		if (k == 0 || a != authors[r->order[k - 1]]) {
			r->fol0[nslot] = (uint8_t)ig_synth_gen_follows(r->g, a);
			r->hid0[nslot] = (uint8_t)ig_synth_gen_hidden(r->g, a);
			nslot++;
		}
		r->slot[pos] = (uint32_t)(nslot - 1);
		r->memo_aff[pos] = -1;
	}
	free(authors);
}

/* Marginal probabilities of ITEM's heads under the session interest in
 * g->phi_s (largest PHI_MAX), topic multipliers MULT, and the user
 * following its author with probability PFOL. */
static void item_probs(const ig_synth_resp *r, uint32_t item, double phi_max, const double *mult, double pfol,
		       double marg[IG_SYN_NHEADS])
{
	double x[IG_SYN_NX];
	ig_synth_probs p1, p0;
	int h;

	if (pfol > 0) {
		ig_synth_gen_features(r->g, item, r->g->phi_s, phi_max, mult, 1, x);
		ig_synth_probs_eval(x, 1, &p1);
	}
	if (pfol < 1) {
		ig_synth_gen_features(r->g, item, r->g->phi_s, phi_max, mult, 0, x);
		ig_synth_probs_eval(x, 0, &p0);
	}
	for (h = 0; h < IG_SYN_NHEADS; h++)
		marg[h] = pfol >= 1 ? p1.marginal[h] : pfol <= 0 ? p0.marginal[h]
				    : pfol * p1.marginal[h] + (1 - pfol) * p0.marginal[h];
}

/* Expected counts of an impression shown with probability S. */
static void expect_add(double wgt, double s, const double marg[IG_SYN_NHEADS], double ev[IG_EV_COUNT])
{
	ev[IG_EV_IMPRESSION] += wgt * s;
	ev[IG_EV_VIEW] += wgt * s * marg[IG_SYN_H_VIEW];
	ev[IG_EV_LIKE] += wgt * s * marg[IG_SYN_H_LIKE];
	ev[IG_EV_COMMENT] += wgt * s * marg[IG_SYN_H_COMMENT];
	ev[IG_EV_SHARE] += wgt * s * marg[IG_SYN_H_SHARE];
	ev[IG_EV_SAVE] += wgt * s * marg[IG_SYN_H_SAVE];
	ev[IG_EV_FOLLOW] += wgt * s * marg[IG_SYN_H_FOLLOW];
	ev[IG_EV_SKIP] += wgt * s * (1.0 - marg[IG_SYN_H_VIEW]);
	ev[IG_EV_SEE_LESS] += wgt * s * marg[IG_SYN_H_SEE_LESS];
	ev[IG_EV_HIDE] += wgt * s * marg[IG_SYN_H_HIDE];
	ev[IG_EV_REPORT] += wgt * s * marg[IG_SYN_H_REPORT];
}

static void item_mult(const ig_synth_resp *r, const double *fat, uint32_t item, double mult[2])
{
	const ig_synth_world *w = r->w;
	int j;

	for (j = 0; j < w->item_ntopics[item]; j++)
		mult[j] = 1.0 - fat[w->item_topics[item][j]];
}

/* The feed under one focus class, its state carried forward by its
 * expectation: after each impression the fatigue of the item's topics,
 * the follow and the hide of its author move by their probabilities. */
static void expect_focus(ig_synth_resp *r, uint32_t focus, double wgt, const uint32_t *items, size_t n,
			 ig_synth_expect *out)
{
	const ig_synth_world *w = r->w;
	double phi_max = ig_synth_gen_session_interest(r->g, focus);
	size_t k;

	for (k = 0; k < n; k++) {
		uint32_t s = r->slot[k];
		r->pfol[s] = r->fol0[s];
		r->phid[s] = r->hid0[s];
		for (int j = 0; j < w->item_ntopics[items[k]]; j++) {
			uint32_t t = w->item_topics[items[k]][j];
			r->fat[t] = r->fat0[t];
		}
	}
	for (k = 0; k < n; k++) {
		uint32_t item = items[k], s = r->slot[k];
		double mult[2], marg[IG_SYN_NHEADS], shown, neg, aff;
		int j, nt = w->item_ntopics[item];

		if (item >= r->navail || r->phid[s] >= 1)
			continue;
		shown = 1.0 - r->phid[s];
		item_mult(r, r->fat, item, mult);
		aff = ig_synth_affinity_fatigued(r->g->phi_s, phi_max, w->item_topics[item], mult, nt);
		if (aff != r->memo_aff[k] || r->pfol[s] != r->memo_pfol[k]) {
			item_probs(r, item, phi_max, mult, r->pfol[s], r->memo_marg[k]);
			r->memo_aff[k] = aff;
			r->memo_pfol[k] = r->pfol[s];
		}
		memcpy(marg, r->memo_marg[k], sizeof marg);
		expect_add(wgt, shown, marg, out[k].ev);
		neg = shown * (marg[IG_SYN_H_SEE_LESS] + marg[IG_SYN_H_HIDE] + marg[IG_SYN_H_REPORT]);
		for (j = 0; j < nt; j++) {
			uint32_t t = w->item_topics[item][j];
			double tau = nt == 1 ? 1.0 : (j == 0 ? 2.0 / 3.0 : 1.0 / 3.0);
			r->fat[t] += neg * (ig_synth_fatigue_add(r->fat[t], tau) - r->fat[t]);
		}
		r->phid[s] += shown * (marg[IG_SYN_H_HIDE] + marg[IG_SYN_H_REPORT]);
		r->pfol[s] += shown * marg[IG_SYN_H_FOLLOW];
	}
}

void ig_synth_resp_expect(ig_synth_resp *r, const uint32_t *items, size_t n, ig_synth_expect *out)
{
	const ig_synth_world *w = r->w;
	size_t k;
	uint32_t c;

	memset(out, 0, n * sizeof *out);
	if (n == 0)
		return;
	for (k = 0; k < n; k++)
		for (int j = 0; j < w->item_ntopics[items[k]]; j++)
			r->special[w->item_topics[items[k]][j]] = 1;
	focus_classes(r);
	author_slots(r, items, n);
	for (c = 0; c < r->nclass; c++)
		expect_focus(r, r->class_leaf[c], r->class_w[c], items, n, out);
}

/* The logging policy's proposal under the current session interest
 * (g->phi): explore uniformly, the latest items of a followed author, or
 * an item of a leaf drawn by phi, with the generator's fallbacks. */
static void proposal(ig_synth_resp *r, double *q)
{
	const ig_synth_world *w = r->w;
	const ig_synth_gen *g = r->g;
	uint32_t n = r->navail, t, i;
	double rest = 1.0 - w->p.explore, topic = rest, explore = w->p.explore, total;
	size_t f;

	memset(q, 0, n * sizeof *q);
	if (g->nfol > 0) {
		double per = rest * FOLLOW_SOURCE_P / (double)g->nfol;
		topic = rest * (1.0 - FOLLOW_SOURCE_P);
		for (f = 0; f < g->nfol; f++) {
			uint32_t a = g->fol[f];
			const uint32_t *list = w->author_item + w->author_item_start[a];
			uint32_t na = ig_synth_available(w, list, w->author_item_start[a + 1] - w->author_item_start[a],
							 r->at);
			uint32_t recent = na < FOLLOW_RECENT ? na : FOLLOW_RECENT, j;
			if (na == 0) {
				topic += per;
				continue;
			}
			for (j = na - recent; j < na; j++)
				q[list[j]] += per / recent;
		}
	}
	total = g->phi_cum[w->nleaves - 1];
	for (t = 0; t < w->nleaves; t++) {
		const uint32_t *list = w->topic_item + w->topic_item_start[t];
		uint32_t nt, j;
		double m;
		if (g->phi[t] <= 0)
			continue;
		m = topic * g->phi[t] / total;
		nt = ig_synth_available(w, list, w->topic_item_start[t + 1] - w->topic_item_start[t], r->at);
		if (nt == 0) {
			explore += m;
			continue;
		}
		for (j = 0; j < nt; j++)
			q[list[j]] += m / nt;
	}
	for (i = 0; i < n; i++)
		q[i] += explore / n;
}

static double value_of(const double ev[IG_EV_COUNT], const double weights[IG_EV_COUNT])
{
	double v = 0;
	int e;

	for (e = 0; e < IG_EV_COUNT; e++)
		v += weights[e] * ev[e];
	return v;
}

static int cmp_value(const void *a, const void *b, void *values)
{
	const double *v = values;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (v[x] != v[y])
		return v[x] > v[y] ? -1 : 1;
	return (x > y) - (x < y);
}

/* Marks (MARK 1) or clears (0) the items the user has an event with: those
 * of the history's impressions and of the earlier rounds. */
static void mark_seen(ig_synth_resp *r, uint8_t mark)
{
	const ig_synth_gen *g = r->g;
	size_t k;

	for (k = 0; k < g->nshown; k++)
		r->seen[g->shown[k]] = mark;
	for (k = 0; k < r->nprior; k++)
		r->seen[r->prior_item[k]] = mark;
}

/* The first N of the M items in r->order, at most AUTHOR_CAP (when not
 * 0) of one author and, with SKIP_SEEN, none the user has an event with,
 * into LIST; returns how many. */
static size_t oracle_list(ig_synth_resp *r, size_t m, size_t n, uint32_t author_cap, int skip_seen, uint32_t *list)
{
	const ig_synth_world *w = r->w;
	uint32_t *per_author = NULL;
	size_t k, i;

	if (author_cap > 0)
		per_author = ig_calloc(w->p.authors, sizeof *per_author);
	for (k = 0, i = 0; k < m && i < n; k++) {
		uint32_t item = r->order[k];
		if (skip_seen && r->seen[item])
			continue;
		if (per_author != NULL && per_author[w->item_author[item]]++ >= author_cap)
			continue;
		list[i++] = item;
	}
	free(per_author);
	return i;
}

size_t ig_synth_resp_policies(ig_synth_resp *r, const double weights[IG_EV_COUNT], size_t n,
			      uint32_t author_cap, ig_synth_expect *logging, uint32_t *oracle, uint32_t *unseen,
			      size_t *n_unseen)
{
	const ig_synth_world *w = r->w;
	const ig_synth_gen *g = r->g;
	uint32_t navail = r->navail, i, c;
	double used = 0;
	size_t m = 0, n_oracle;

	memset(logging, 0, sizeof *logging);
	if (unseen != NULL)
		*n_unseen = 0;
	if (navail == 0)
		return 0;
	if (navail > r->item_cap) {
		r->item_cap = navail;
		r->q = ig_reallocarray(r->q, navail, sizeof *r->q);
		r->value = ig_reallocarray(r->value, navail, sizeof *r->value);
		r->order = ig_reallocarray(r->order, navail > r->cap ? navail : r->cap, sizeof *r->order);
	}
	memset(r->value, 0, navail * sizeof *r->value);
	memset(r->special, 1, w->nleaves);
	focus_classes(r);
	for (c = 0; c < r->nclass; c++) {
		double phi_max = ig_synth_gen_session_interest(r->g, r->class_leaf[c]);
		double z = 0, ev[IG_EV_COUNT] = {0};
		int e;

		proposal(r, r->q);
		for (i = 0; i < navail; i++) {
			uint32_t a = w->item_author[i];
			double mult[2], marg[IG_SYN_NHEADS], one[IG_EV_COUNT] = {0}, keep;
			if (ig_synth_gen_hidden(g, a))
				continue;
			item_mult(r, r->fat0, i, mult);
			item_probs(r, i, phi_max, mult, ig_synth_gen_follows(g, a), marg);
			expect_add(1.0, 1.0, marg, one);
			r->value[i] += r->class_w[c] * value_of(one, weights);
			keep = ig_synth_keep_prob(mult, w->item_ntopics[i]) * r->q[i];
			z += keep;
			for (e = 0; e < IG_EV_COUNT; e++)
				ev[e] += keep * one[e];
		}
		if (z <= 0)
			continue;
		used += r->class_w[c];
		for (e = 0; e < IG_EV_COUNT; e++)
			logging->ev[e] += r->class_w[c] * ev[e] / z;
	}
	if (used > 0)
		for (int e = 0; e < IG_EV_COUNT; e++)
			logging->ev[e] /= used;
	/* The oracles: best expected value first, within the author cap; the
	 * unseen oracle walks the same order past the items seen. */
	for (i = 0; i < navail; i++)
		if (!ig_synth_gen_hidden(g, w->item_author[i]))
			r->order[m++] = i;
	qsort_r(r->order, m, sizeof *r->order, cmp_value, r->value);
	n_oracle = oracle_list(r, m, n, author_cap, 0, oracle);
	if (unseen != NULL) {
		if (r->seen == NULL)
			r->seen = ig_calloc(w->p.items, 1);
		mark_seen(r, 1);
		*n_unseen = oracle_list(r, m, n, author_cap, 1, unseen);
		mark_seen(r, 0);
	}
	return n_oracle;
}

void ig_synth_resp_sample(ig_synth_resp *r, uint64_t seed, const uint32_t *items, size_t n, ig_synth_out *out)
{
	const ig_synth_world *w = r->w;
	ig_synth_gen *g = r->g;
	ig_synth_idtext uid, iid;
	ig_rng rng;
	uint64_t key[2] = {seed, w->p.seed};
	int64_t ts = r->at;
	double phi_max;
	uint32_t focus;
	size_t k;

	/* Its own streams, apart from the world's for any pair of seeds. */
	ig_rng_seed_stream(&rng, ig_hash64(key, sizeof key), IG_SYN_USER_STREAM + (uint64_t)r->u);
	ig_synth_idtext_user(&uid, w, r->u);
	focus = ig_synth_gen_focus(g, &rng, g->nsessions, g->focus);
	phi_max = ig_synth_gen_session_interest(g, focus);
	for (k = 0; k < n; k++) {
		uint32_t item = items[k], a = w->item_author[item];
		double x[IG_SYN_NX], mult[2];
		ig_synth_probs pr;
		int j, following;

		if (item >= r->navail || ig_synth_gen_hidden(g, a))
			continue;
		for (j = 0; j < w->item_ntopics[item]; j++)
			mult[j] = ig_synth_gen_multiplier(g, w->item_topics[item][j], ts);
		following = ig_synth_gen_follows(g, a);
		ig_synth_gen_features(g, item, g->phi_s, phi_max, mult, following, x);
		ig_synth_probs_eval(x, following, &pr);
		ig_synth_idtext_item(&iid, w, item);
		out->stats.impressions++;
		ig_synth_gen_event(out, ts, &uid, &iid, IG_EV_IMPRESSION);
		ts = ig_synth_gen_next_ts(&rng, ig_synth_gen_engage(g, &rng, out, &uid, &iid, item, ts, x, &pr, 1));
	}
}
