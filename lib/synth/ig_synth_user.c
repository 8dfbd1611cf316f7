/* One user of ig-synth: interests, follows, sessions, impressions and
 * engagements, drawn from the user's own random stream. */
#include "synth/ig_synth.h"
#include "synth/ig_synth_user_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_events.h"

#define ALPHA_HOME 0.5        /* Dirichlet weight of leaves under a home root */
#define ALPHA_AWAY 0.005      /* ... and of all other leaves */
#define MEDIA_PREF_SD 0.5     /* user preference per media type */
#define PROPENSITY_SD 0.5     /* user propensity to engage */
#define FOLLOW_BY_TOPIC_P 0.6 /* a follow is picked through an interest */
#define FOLLOW_PAST 31536000  /* initial follows date from the year before start */
#define MOOD_WEIGHT 0.3       /* lambda: phi = (1 - lambda) theta + lambda focus */
#define DWELL_SD 0.5

static const double dwell_base_ms[4] = {3000, 12000, 9000, 6000};


ig_synth_gen *ig_synth_gen_new(const ig_synth_world *w)
{
	ig_synth_gen *g = ig_calloc(1, sizeof *g);
	size_t nl = w->nleaves;

	g->w = w;
	g->theta = ig_malloc(nl * sizeof *g->theta);
	g->phi = ig_malloc(nl * sizeof *g->phi);
	g->phi_s = ig_malloc(nl * sizeof *g->phi_s);
	g->phi_cum = ig_malloc(nl * sizeof *g->phi_cum);
	g->fat = ig_calloc(nl, sizeof *g->fat);
	g->fat_ts = ig_calloc(nl, sizeof *g->fat_ts);
	g->fat_list = ig_malloc(nl * sizeof *g->fat_list);
	return g;
}

void ig_synth_gen_free(ig_synth_gen *g)
{
	if (g == NULL)
		return;
	free(g->theta);
	free(g->phi);
	free(g->phi_s);
	free(g->phi_cum);
	free(g->fol);
	free(g->init);
	free(g->starts);
	free(g->fat);
	free(g->fat_ts);
	free(g->fat_list);
	free(g->hidden);
	free(g->shown);
	free(g);
}

void ig_synth_stats_add(ig_synth_stats *into, const ig_synth_stats *s)
{
	int i;

	into->users += s->users;
	into->events += s->events;
	for (i = 0; i < 16; i++)
		into->by_type[i] += s->by_type[i];
	into->impressions += s->impressions;
	into->sessions += s->sessions;
	into->follows += s->follows;
}

/* Poisson(MEAN): Knuth's product method, a rounded normal above 30. */
static uint64_t poisson(ig_rng *r, double mean)
{
	if (mean <= 0)
		return 0;
	if (mean < 30) {
		double limit = exp(-mean), prod = ig_rng_double(r);
		uint64_t k = 0;
		while (prod > limit) {
			prod *= ig_rng_double(r);
			k++;
		}
		return k;
	} else {
		double x = floor(mean + sqrt(mean) * ig_rng_normal(r) + 0.5);
		return x < 0 ? 0 : (uint64_t)x;
	}
}

/* Top-level topic by popularity (root_pop sums to 1). */
static uint32_t pick_root(const ig_synth_world *w, ig_rng *r)
{
	double x = ig_rng_double(r), acc = 0;
	uint32_t k;

	for (k = 0; k + 1 < w->p.roots; k++) {
		acc += w->root_pop[k];
		if (x < acc)
			break;
	}
	return k;
}

void ig_synth_user_interest(const ig_synth_world *w, ig_rng *rng, double *theta)
{
	uint32_t nl = w->nleaves, b = w->p.subtopics, home[3], nhome = 1, t, k, j, max_t = 0;
	double total = 0, kept = 0;
	int tries;

	if (ig_rng_double(rng) < 0.5)
		nhome++;
	if (ig_rng_double(rng) < 0.2)
		nhome++;
	if (nhome > w->p.roots)
		nhome = w->p.roots;
	/* Home roots by popularity, without repeats (a few tries each). */
	for (k = 0; k < nhome; k++) {
		for (tries = 0; tries < 1000; tries++) {
			uint32_t r = pick_root(w, rng);
			int dup = 0;
			for (j = 0; j < k; j++)
				dup |= home[j] == r;
			if (!dup) {
				home[k] = r;
				break;
			}
		}
		if (tries == 1000)
			nhome = k;
	}
	/* Dirichlet as normalised Gamma draws. */
	for (t = 0; t < nl; t++) {
		int is_home = 0;
		for (k = 0; k < nhome; k++)
			is_home |= home[k] == t / b;
		theta[t] = ig_rng_gamma(rng, is_home ? ALPHA_HOME : ALPHA_AWAY);
		total += theta[t];
		if (theta[t] > theta[max_t])
			max_t = t;
	}
	if (!(total > 0)) {
		/* Every draw underflowed: all interest on the first home leaf. */
		memset(theta, 0, nl * sizeof *theta);
		theta[home[0] * b] = 1.0;
		return;
	}
	/* Sparsify: shares below IG_SYN_MIN_INTEREST go (the largest stays),
	 * the rest are rescaled to sum to 1. */
	for (t = 0; t < nl; t++) {
		if (t != max_t && theta[t] < IG_SYN_MIN_INTEREST * total)
			theta[t] = 0;
		kept += theta[t];
	}
	for (t = 0; t < nl; t++)
		theta[t] /= kept;
}

/* Position of A in the sorted set SET of N authors, or where it goes. */
static size_t set_find(const uint32_t *set, size_t n, uint32_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int set_has(const uint32_t *set, size_t n, uint32_t a)
{
	size_t k = set_find(set, n, a);

	return k < n && set[k] == a;
}

/* Adds A to the sorted set *SET; 0 if it was there already. */
static int set_add(uint32_t **set, size_t *n, size_t *cap, uint32_t a)
{
	size_t k = set_find(*set, *n, a);

	if (k < *n && (*set)[k] == a)
		return 0;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*set = ig_reallocarray(*set, *cap, sizeof **set);
	}
	memmove(*set + k + 1, *set + k, (*n - k) * sizeof **set);
	(*set)[k] = a;
	(*n)++;
	return 1;
}

int ig_synth_gen_follows(const ig_synth_gen *g, uint32_t a)
{
	return set_has(g->fol, g->nfol, a);
}

int ig_synth_gen_hidden(const ig_synth_gen *g, uint32_t a)
{
	return g->nhidden > 0 && set_has(g->hidden, g->nhidden, a);
}

static int add_follow(ig_synth_gen *g, uint32_t a)
{
	return set_add(&g->fol, &g->nfol, &g->fol_cap, a);
}

double ig_synth_gen_fatigue(const ig_synth_gen *g, uint32_t t, int64_t ts)
{
	if (g->fat[t] == 0)
		return 0;
	return ig_synth_fatigue_decay(g->fat[t], ts - g->fat_ts[t]);
}

double ig_synth_gen_multiplier(const ig_synth_gen *g, uint32_t t, int64_t ts)
{
	if (g->fat[t] == 0)
		return 1.0;
	return 1.0 - ig_synth_fatigue_decay(g->fat[t], ts - g->fat_ts[t]);
}

/* A see_less, hide or report at TS on ITEM: fatigue on its topics. */
static void add_fatigue(ig_synth_gen *g, uint32_t item, int64_t ts)
{
	const ig_synth_world *w = g->w;
	int k, n = w->item_ntopics[item];

	for (k = 0; k < n; k++) {
		uint32_t t = w->item_topics[item][k];
		double tau = n == 1 ? 1.0 : (k == 0 ? 2.0 / 3.0 : 1.0 / 3.0);
		if (g->fat[t] == 0)
			g->fat_list[g->nfat++] = t;
		g->fat[t] = ig_synth_fatigue_add(ig_synth_fatigue_decay(g->fat[t], ts - g->fat_ts[t]), tau);
		g->fat_ts[t] = ts;
	}
}

/* Forgets the previous user's negative feedback. */
static void reset_feedback(ig_synth_gen *g)
{
	uint32_t k;

	for (k = 0; k < g->nfat; k++) {
		g->fat[g->fat_list[k]] = 0;
		g->fat_ts[g->fat_list[k]] = 0;
	}
	g->nfat = 0;
	g->nhidden = 0;
}

static void add_shown(ig_synth_gen *g, uint32_t item)
{
	if (g->nshown == g->shown_cap) {
		g->shown_cap = g->shown_cap ? 2 * g->shown_cap : 256;
		g->shown = ig_reallocarray(g->shown, g->shown_cap, sizeof *g->shown);
	}
	g->shown[g->nshown++] = item;
}

static int cmp_follow(const void *x, const void *y)
{
	const struct follow *a = x, *b = y;

	if (a->ts != b->ts)
		return (a->ts > b->ts) - (a->ts < b->ts);
	return (a->author > b->author) - (a->author < b->author);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

typedef ig_synth_idtext idtext;

static void follow_row(ig_synth_out *out, const ig_synth_world *w, const idtext *uid, uint32_t a, int64_t ts)
{
	ig_synth_buf *b = &out->buf[IG_SYN_FOLLOWS];

	out->stats.follows++;
	if (!out->want[IG_SYN_FOLLOWS])
		return;
	ig_synth_buf_put(b, uid->s, uid->n);
	ig_synth_buf_putc(b, '\t');
	ig_synth_put_author(b, w, a);
	ig_synth_buf_putc(b, '\t');
	ig_synth_buf_i64(b, ts);
	ig_synth_buf_putc(b, '\n');
}

/* VALUE < 0: empty value column. */
/* "TS\tUSER\tITEM\t": how events and impressions rows begin. */
static void put_ts_user_item(ig_synth_buf *b, int64_t ts, const idtext *uid, const idtext *iid)
{
	ig_synth_buf_i64(b, ts);
	ig_synth_buf_putc(b, '\t');
	ig_synth_buf_put(b, uid->s, uid->n);
	ig_synth_buf_putc(b, '\t');
	ig_synth_buf_put(b, iid->s, iid->n);
	ig_synth_buf_putc(b, '\t');
}

static void event_row(ig_synth_out *out, int64_t ts, const idtext *uid, const idtext *iid, int type, int64_t value)
{
	ig_synth_buf *b = &out->buf[IG_SYN_EVENTS];

	out->stats.events++;
	out->stats.by_type[type]++;
	if (!out->want[IG_SYN_EVENTS])
		return;
	ig_synth_buf_reserve(b, 128);
	put_ts_user_item(b, ts, uid, iid);
	ig_synth_buf_puts(b, ig_event_name(type));
	ig_synth_buf_putc(b, '\t');
	if (value >= 0)
		ig_synth_buf_i64(b, value);
	ig_synth_buf_putc(b, '\n');
}

void ig_synth_gen_event(ig_synth_out *out, int64_t ts, const ig_synth_idtext *uid, const ig_synth_idtext *iid,
			int type)
{
	event_row(out, ts, uid, iid, type, -1);
}

static void set_id(idtext *id, void (*put)(ig_synth_buf *, const ig_synth_world *, uint32_t),
		   const ig_synth_world *w, uint32_t v)
{
	ig_synth_buf b = {id->s, 0, sizeof id->s};

	put(&b, w, v);
	id->n = b.len;
}

void ig_synth_idtext_user(ig_synth_idtext *id, const ig_synth_world *w, uint32_t u)
{
	set_id(id, ig_synth_put_user, w, u);
}

void ig_synth_idtext_item(ig_synth_idtext *id, const ig_synth_world *w, uint32_t i)
{
	set_id(id, ig_synth_put_item, w, i);
}

static void initial_follows(ig_synth_gen *g, ig_rng *r, const idtext *uid, ig_synth_out *out)
{
	const ig_synth_world *w = g->w;
	uint64_t want = poisson(r, w->p.follows * ig_rng_gamma(r, 2.0) / 2.0), tries;
	size_t n = 0, i;

	if (want > w->p.authors)
		want = w->p.authors;
	g->nfol = 0;
	for (tries = 0; n < want && tries < 4 * want; tries++) {
		uint32_t a;
		if (ig_rng_double(r) < FOLLOW_BY_TOPIC_P) {
			uint32_t t = ig_synth_pick_cum(g->phi_cum, w->nleaves, ig_rng_double(r));
			uint32_t lo = w->topic_author_start[t], hi = w->topic_author_start[t + 1];
			if (lo == hi)
				continue;
			a = w->topic_author[lo + ig_synth_pick_cum(w->topic_author_cum + lo, hi - lo, ig_rng_double(r))];
		} else {
			a = ig_synth_pick_cum(w->author_cum, w->p.authors, ig_rng_double(r));
		}
		if (!add_follow(g, a))
			continue;
		if (n == g->init_cap) {
			g->init_cap = g->init_cap ? 2 * g->init_cap : 64;
			g->init = ig_reallocarray(g->init, g->init_cap, sizeof *g->init);
		}
		g->init[n].author = a;
		g->init[n].ts = w->p.start - 1 - (int64_t)ig_rng_below(r, FOLLOW_PAST);
		n++;
	}
	if (n > 1)
		qsort(g->init, n, sizeof *g->init, cmp_follow);
	for (i = 0; i < n; i++)
		follow_row(out, w, uid, g->init[i].author, g->init[i].ts);
}

/* Sets phi = (1 - lambda) theta + lambda e_focus, its smoothed form and
 * its cumulative sums; returns the largest smoothed entry. */
double ig_synth_gen_session_interest(ig_synth_gen *g, uint32_t focus)
{
	const ig_synth_world *w = g->w;
	uint32_t t;
	double acc = 0;

	for (t = 0; t < w->nleaves; t++) {
		g->phi[t] = (1.0 - MOOD_WEIGHT) * g->theta[t] + (t == focus ? MOOD_WEIGHT : 0.0);
		acc += g->phi[t];
		g->phi_cum[t] = acc;
	}
	return ig_synth_smooth(g->phi, w->p.roots, w->p.subtopics, g->phi_s);
}

static void truth_row(ig_synth_out *out, const ig_synth_world *w, int64_t ts, const idtext *uid,
		      const idtext *iid, int src, uint32_t focus, double aff, const ig_synth_probs *pr)
{
	ig_synth_buf *b = &out->buf[IG_SYN_TRUTH_IMPRESSIONS];
	int h;

	put_ts_user_item(b, ts, uid, iid);
	ig_synth_buf_puts(b, ig_synth_source_name(src));
	ig_synth_buf_putc(b, '\t');
	ig_synth_put_topic(b, w, focus, 0);
	ig_synth_buf_putc(b, '\t');
	ig_synth_buf_prob(b, aff);
	for (h = 0; h < IG_SYN_NHEADS; h++) {
		ig_synth_buf_putc(b, '\t');
		ig_synth_buf_prob(b, pr->marginal[h]);
	}
	ig_synth_buf_putc(b, '\n');
}

/* An item for the impression at TS, or UINT32_MAX when none exists yet;
 * *SRC receives the source that supplied it. */
static uint32_t pick_item(ig_synth_gen *g, ig_rng *r, int64_t ts, int *src)
{
	const ig_synth_world *w = g->w;
	double u = ig_rng_double(r);
	uint32_t n;

	if (u >= w->p.explore) {
		if (g->nfol > 0 && ig_rng_double(r) < FOLLOW_SOURCE_P) {
			uint32_t a = g->fol[ig_rng_below(r, g->nfol)];
			const uint32_t *list = w->author_item + w->author_item_start[a];
			n = ig_synth_available(w, list, w->author_item_start[a + 1] - w->author_item_start[a], ts);
			if (n > 0) {
				uint32_t recent = n < FOLLOW_RECENT ? n : FOLLOW_RECENT;
				*src = IG_SYN_SRC_FOLLOW;
				return list[n - 1 - ig_rng_below(r, recent)];
			}
		}
		{
			uint32_t t = ig_synth_pick_cum(g->phi_cum, w->nleaves, ig_rng_double(r));
			const uint32_t *list = w->topic_item + w->topic_item_start[t];
			n = ig_synth_available(w, list, w->topic_item_start[t + 1] - w->topic_item_start[t], ts);
			if (n > 0) {
				*src = IG_SYN_SRC_TOPIC;
				return list[ig_rng_below(r, n)];
			}
		}
	}
	/* Explore: any item that exists. */
	{
		uint32_t lo = 0, hi = w->p.items;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (w->created[mid] <= ts)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
			return UINT32_MAX;
		*src = IG_SYN_SRC_EXPLORE;
		return (uint32_t)ig_rng_below(r, lo);
	}
}

uint32_t ig_synth_gen_focus(const ig_synth_gen *g, ig_rng *r, size_t s, uint32_t prev)
{
	const ig_synth_world *w = g->w;
	uint32_t focus = prev, t;

	/* The session's focus drifts as a Markov chain over leaves. */
	if (s == 0 || ig_rng_double(r) >= MOOD_KEEP_P) {
		double acc = 0, x;
		if (s == 0 || ig_rng_double(r) < MOOD_FROM_THETA_P) {
			x = ig_rng_double(r);
			focus = w->nleaves - 1;
			for (t = 0; t < w->nleaves; t++) {
				acc += g->theta[t];
				if (x < acc) {
					focus = t;
					break;
				}
			}
			while (g->theta[focus] == 0)
				focus--; /* rounding left x past the last weight */
		} else {
			focus = (uint32_t)ig_rng_below(r, w->nleaves);
		}
	}
	return focus;
}

void ig_synth_gen_features(const ig_synth_gen *g, uint32_t item, const double *phi_s, double phi_max,
			   const double *mult, int following, double x[IG_SYN_NX])
{
	const ig_synth_world *w = g->w;
	uint32_t a = w->item_author[item];

	x[IG_SYN_X_BIAS] = 1.0;
	x[IG_SYN_X_AFF] = ig_synth_affinity_fatigued(phi_s, phi_max, w->item_topics[item], mult,
						     w->item_ntopics[item]);
	x[IG_SYN_X_POP] = w->author_pop[a];
	x[IG_SYN_X_FOL] = following;
	x[IG_SYN_X_MED] = g->media_pref[w->item_media[item]];
	x[IG_SYN_X_QUAL] = w->item_quality[item];
	x[IG_SYN_X_USER] = g->propensity;
}

int64_t ig_synth_gen_next_ts(ig_rng *r, int64_t te)
{
	return te + 1 + (int64_t)ig_rng_below(r, 3);
}

int64_t ig_synth_gen_engage(ig_synth_gen *g, ig_rng *r, ig_synth_out *out, const idtext *uid,
			    const idtext *iid, uint32_t item, int64_t ts, const double x[IG_SYN_NX],
			    ig_synth_probs *pr, int have_negative)
{
	const ig_synth_world *w = g->w;
	uint32_t a = w->item_author[item];
	int64_t te;

	if (ig_rng_double(r) < pr->cond[IG_SYN_H_VIEW]) {
		double ms = dwell_base_ms[w->item_media[item]] * exp(DWELL_SD * ig_rng_normal(r)) *
			    (0.5 + x[IG_SYN_X_AFF]);
		int64_t dwell = (int64_t)floor(ms + 0.5);
		double e[4];
		int h;
		if (dwell < 200)
			dwell = 200;
		if (dwell > 600000)
			dwell = 600000;
		event_row(out, ts, uid, iid, IG_EV_VIEW, dwell);
		te = ts + (dwell + 999) / 1000;
		/* Draw all four first so the stream of draws does not depend
		 * on outcomes. */
		for (h = 0; h < 4; h++)
			e[h] = ig_rng_double(r);
		if (e[0] < pr->cond[IG_SYN_H_LIKE])
			event_row(out, te, uid, iid, IG_EV_LIKE, -1);
		if (e[1] < pr->cond[IG_SYN_H_COMMENT])
			event_row(out, te, uid, iid, IG_EV_COMMENT, -1);
		if (e[2] < pr->cond[IG_SYN_H_SHARE])
			event_row(out, te, uid, iid, IG_EV_SHARE, -1);
		if (e[3] < pr->cond[IG_SYN_H_SAVE])
			event_row(out, te, uid, iid, IG_EV_SAVE, -1);
		if (ig_rng_double(r) < pr->cond[IG_SYN_H_FOLLOW]) {
			event_row(out, te, uid, iid, IG_EV_FOLLOW, -1);
			add_follow(g, a);
			follow_row(out, w, uid, a, te);
		}
	} else {
		double v, c_sl, c_hide, c_report;
		if (!have_negative)
			ig_synth_probs_negative(x, pr);
		v = ig_rng_double(r);
		c_sl = pr->cond[IG_SYN_H_SEE_LESS];
		c_hide = c_sl + pr->cond[IG_SYN_H_HIDE];
		c_report = c_hide + pr->cond[IG_SYN_H_REPORT];
		event_row(out, ts, uid, iid, IG_EV_SKIP, -1);
		/* One draw: see_less, hide, report or nothing. */
		if (v < c_report) {
			int type = v < c_sl ? IG_EV_SEE_LESS : v < c_hide ? IG_EV_HIDE : IG_EV_REPORT;
			event_row(out, ts, uid, iid, type, -1);
			ig_synth_gen_feedback(g, item, ts, type);
		}
		te = ts + 1;
	}
	return te;
}

void ig_synth_gen_feedback(ig_synth_gen *g, uint32_t item, int64_t ts, int type)
{
	if (type == IG_EV_FOLLOW) {
		add_follow(g, g->w->item_author[item]);
		return;
	}
	add_fatigue(g, item, ts);
	if (type != IG_EV_SEE_LESS)
		set_add(&g->hidden, &g->nhidden, &g->hidden_cap, g->w->item_author[item]);
}

void ig_synth_gen_user(ig_synth_gen *g, uint32_t u, ig_synth_out *out)
{
	const ig_synth_world *w = g->w;
	const ig_synth_params *p = &w->p;
	double activity, propensity, media_pref[4], phi_max = 0;
	idtext uid, iid;
	ig_rng rng, *r = &rng;
	size_t nstarts = 0, s;
	uint32_t t, d, focus = 0;
	int64_t t_free = INT64_MIN;
	int m;

	ig_rng_seed_stream(r, p->seed, IG_SYN_USER_STREAM + (uint64_t)u);
	set_id(&uid, ig_synth_put_user, w, u);
	out->stats.users++;
	reset_feedback(g);
	g->nshown = 0;

	/* Long-term interest, traits. */
	ig_synth_user_interest(w, r, g->theta);
	activity = ig_rng_gamma(r, 2.0) / 2.0;
	propensity = PROPENSITY_SD * ig_rng_normal(r);
	for (m = 0; m < 4; m++)
		media_pref[m] = MEDIA_PREF_SD * ig_rng_normal(r);
	g->propensity = propensity;
	memcpy(g->media_pref, media_pref, sizeof media_pref);
	if (out->want[IG_SYN_TRUTH_INTERESTS]) {
		ig_synth_buf *b = &out->buf[IG_SYN_TRUTH_INTERESTS];
		for (t = 0; t < w->nleaves; t++) {
			if (g->theta[t] == 0)
				continue;
			ig_synth_buf_put(b, uid.s, uid.n);
			ig_synth_buf_putc(b, '\t');
			ig_synth_put_topic(b, w, t, 0);
			ig_synth_buf_putc(b, '\t');
			ig_synth_buf_double(b, g->theta[t]);
			ig_synth_buf_putc(b, '\n');
		}
	}
	if (out->want[IG_SYN_TRUTH_USERS]) {
		ig_synth_buf *b = &out->buf[IG_SYN_TRUTH_USERS];
		ig_synth_buf_put(b, uid.s, uid.n);
		ig_synth_buf_putc(b, '\t');
		ig_synth_buf_double(b, p->sessions * activity);
		ig_synth_buf_putc(b, '\t');
		ig_synth_buf_double(b, propensity);
		for (m = 0; m < 4; m++) {
			ig_synth_buf_putc(b, '\t');
			ig_synth_buf_double(b, media_pref[m]);
		}
		ig_synth_buf_putc(b, '\n');
	}

	/* Follows before the window, picked through the long-term interest. */
	{
		double acc = 0;
		for (t = 0; t < w->nleaves; t++) {
			acc += g->theta[t];
			g->phi_cum[t] = acc;
		}
	}
	initial_follows(g, r, &uid, out);

	/* Session starts: Poisson(sessions * activity) a day, uniform in the day. */
	for (d = 0; d < p->days; d++) {
		uint64_t k, n = poisson(r, p->sessions * activity);
		for (k = 0; k < n; k++) {
			if (nstarts == g->starts_cap) {
				g->starts_cap = g->starts_cap ? 2 * g->starts_cap : 64;
				g->starts = ig_reallocarray(g->starts, g->starts_cap, sizeof *g->starts);
			}
			g->starts[nstarts++] = p->start + (int64_t)d * 86400 + (int64_t)ig_rng_below(r, 86400);
		}
	}
	if (nstarts > 1)
		qsort(g->starts, nstarts, sizeof *g->starts, cmp_i64);

	for (s = 0; s < nstarts; s++) {
		int64_t ts = g->starts[s] > t_free ? g->starts[s] : t_free;
		uint64_t k, len;

		focus = ig_synth_gen_focus(g, r, s, focus);
		phi_max = ig_synth_gen_session_interest(g, focus);
		len = 1 + poisson(r, (p->impressions - 1.0) * ig_rng_exponential(r));
		out->stats.sessions++;
		for (k = 0; k < len; k++) {
			double x[IG_SYN_NX], mult[2];
			ig_synth_probs pr;
			int src = IG_SYN_SRC_EXPLORE, following, c, nt = 0;
			uint32_t item = UINT32_MAX, a = 0;
			int64_t te;

			/* The policy respects negative feedback: a candidate is
			 * kept with probability sum_t tau_t m_t, never when its
			 * author is hidden. */
			for (c = 0; c < IG_SYN_CANDIDATES; c++) {
				int j;
				double keep;
				item = pick_item(g, r, ts, &src);
				if (item == UINT32_MAX)
					break;
				a = w->item_author[item];
				nt = w->item_ntopics[item];
				for (j = 0; j < nt; j++)
					mult[j] = ig_synth_gen_multiplier(g, w->item_topics[item][j], ts);
				if (g->nhidden > 0 && set_has(g->hidden, g->nhidden, a))
					continue;
				keep = ig_synth_keep_prob(mult, nt);
				if (keep >= 1.0 || ig_rng_double(r) < keep)
					break;
			}
			if (item == UINT32_MAX || c == IG_SYN_CANDIDATES)
				break;
			following = ig_synth_gen_follows(g, a);
			ig_synth_gen_features(g, item, g->phi_s, phi_max, mult, following, x);
			/* The negative heads cost three exp() and are needed
			 * only for a skip or the truth. */
			ig_synth_probs_positive(x, following, &pr);
			if (out->want[IG_SYN_TRUTH_IMPRESSIONS])
				ig_synth_probs_negative(x, &pr);
			set_id(&iid, ig_synth_put_item, w, item);
			out->stats.impressions++;
			if (g->keep_shown)
				add_shown(g, item);
			event_row(out, ts, &uid, &iid, IG_EV_IMPRESSION, -1);
			if (out->want[IG_SYN_TRUTH_IMPRESSIONS])
				truth_row(out, w, ts, &uid, &iid, src, focus, x[IG_SYN_X_AFF], &pr);
			te = ig_synth_gen_engage(g, r, out, &uid, &iid, item, ts, x, &pr,
						 out->want[IG_SYN_TRUTH_IMPRESSIONS]);
			ts = ig_synth_gen_next_ts(r, te);
		}
		t_free = ts + SESSION_GAP;
	}
	g->nsessions = nstarts;
	g->focus = focus;
	g->t_free = t_free;
}
