/* One user's feed: greedy slot by slot. Each slot takes, among the
 * candidates that keep the spacing rules, the one of highest value
 * (MMR: lambda * relevance - (1 - lambda) * most similar placed; DPP: the
 * log-determinant gain of Chen et al. 2018's fast greedy MAP), relevance
 * being the min-max scaled score times the author, fatigue and see_less
 * discounts. A slot may instead be explored: with probability epsilon an
 * item drawn uniformly from the explorable candidates. */
#include "diversify/ig_diversify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

typedef struct cand {
	uint32_t input, item, author;
	int media;
	const uint32_t *topics;
	uint32_t ntopics;
	double rel;
	uint32_t static_rules;  /* fatigue, see_less */
	uint32_t explore;       /* adjacent topic, IG_DIV_FRESH or NONE */
	uint32_t repeats;       /* placed items of the same author */
	int32_t last_slot;      /* slot of the author's last placed item, or -1 */
	uint32_t topic_load;    /* most placed items sharing one of its topics */
	uint8_t is_short, taken;
} cand;

struct ig_div_scratch {
	size_t cap, ccap;
	cand *c;
	double *maxsim, *res, *chol;
	double *val;            /* value of each candidate for the next slot */
	const float **vec;      /* candidates' unit vectors (rows of the context) */
	uint32_t *pool, *interests;
	size_t icap;
	struct {
		uint32_t topic, count;
	} *tc;                  /* placed items per topic */
	size_t ntc, tccap;
};

/* The DPP kernel is (1 - DPP_SHARE) I + DPP_SHARE S: positive definite
 * even when S (one topic per item, or vectors of few dimensions) is not of
 * full rank, so that a second item of a topic is discounted, not barred. */
#ifndef DPP_SHARE
#define DPP_SHARE 0.5
#endif

static const char *const rule_names[IG_RULE_COUNT] = {
	"author-spacing", "author-decay", "media-run", "topic-cap", "mmr",
	"short-term", "fatigue", "see-less", "relaxed"};

const char *ig_div_rule_name(int i, int method)
{
	if (i == 4 && method == IG_DIV_DPP)
		return "dpp";
	return i >= 0 && i < IG_RULE_COUNT ? rule_names[i] : "?";
}

ig_div_scratch *ig_div_scratch_new(void)
{
	return ig_calloc(1, sizeof(ig_div_scratch));
}

void ig_div_scratch_free(ig_div_scratch *s)
{
	if (s == NULL)
		return;
	free(s->c);
	free(s->maxsim);
	free(s->res);
	free(s->val);
	free(s->chol);
	free((void *)s->vec);
	free(s->pool);
	free(s->interests);
	free(s->tc);
	free(s);
}

static void reserve(ig_div_scratch *s, size_t n, uint32_t length)
{
	if (n > s->cap) {
		s->cap = n;
		s->c = ig_reallocarray(s->c, n, sizeof *s->c);
		s->maxsim = ig_reallocarray(s->maxsim, n, sizeof *s->maxsim);
		s->res = ig_reallocarray(s->res, n, sizeof *s->res);
		s->val = ig_reallocarray(s->val, n, sizeof *s->val);
		s->pool = ig_reallocarray(s->pool, n, sizeof *s->pool);
		s->ccap = 0;
		s->vec = ig_reallocarray(s->vec, n, sizeof *s->vec);
	}
	if ((size_t)n * length > s->ccap) {
		s->ccap = (size_t)n * length;
		s->chol = ig_reallocarray(s->chol, s->ccap, sizeof *s->chol);
	}
}

static const ig_div_fact *fact(const ig_div_fact *f, size_t n, uint32_t kind, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f[mid].kind < kind || (f[mid].kind == kind && f[mid].key < key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && f[lo].kind == kind && f[lo].key == key ? &f[lo] : NULL;
}

static int in_list(const uint32_t *l, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == x)
			return 1;
	return 0;
}

/* A topic next to the interests in the tree: child, parent or sibling of
 * one. */
static int adjacent(const ig_div_ctx *c, const uint32_t *in, size_t nin, uint32_t t)
{
	uint32_t p = c->topic_parent[t];
	size_t i;

	for (i = 0; i < nin; i++) {
		uint32_t q = c->topic_parent[in[i]];
		if (p == in[i] || q == t || (p != IG_INTERN_NONE && q == p))
			return 1;
	}
	return 0;
}

/* The user's interests: their profile's topics, or without events the
 * topics of the ranker's first ten candidates. */
static size_t interests(const ig_div_ctx *c, ig_div_scratch *s, const ig_div_fact *f, size_t nf,
			size_t n)
{
	size_t i, k = 0, need = c->opts.interests + 1;

	for (i = 0; i < n && i < 10; i++)
		need += s->c[i].ntopics;
	if (need > s->icap) {
		s->icap = need;
		s->interests = ig_reallocarray(s->interests, need, sizeof *s->interests);
	}
	for (i = 0; i < nf; i++)
		if (f[i].kind == IG_FACT_INTEREST)
			s->interests[k++] = f[i].key;
	if (k > 0)
		return k;
	for (i = 0; i < n && i < 10; i++) {
		uint32_t j;
		for (j = 0; j < s->c[i].ntopics; j++)
			if (!in_list(s->interests, k, s->c[i].topics[j]))
				s->interests[k++] = s->c[i].topics[j];
	}
	return k;
}

static void mark_explore(const ig_div_ctx *c, cand *x, const uint32_t *in, size_t nin, const ig_div_fact *f,
			 size_t nf, int64_t now)
{
	const ig_items *it = c->items;
	uint32_t j;

	x->explore = IG_INTERN_NONE;
	if (x->item == IG_INTERN_NONE)
		return;
	for (j = 0; j < x->ntopics; j++)
		if (in_list(in, nin, x->topics[j]))
			return;
	for (j = 0; j < x->ntopics; j++) {
		if (adjacent(c, in, nin, x->topics[j])) {
			x->explore = x->topics[j];
			return;
		}
	}
	if (c->opts.fresh_window > 0 && it->created[x->item] >= 0 &&
	    it->created[x->item] >= now - c->opts.fresh_window && fact(f, nf, IG_FACT_SEEN, x->item) == NULL)
		x->explore = IG_DIV_FRESH;
}

/* The share of see_less among the user's reactions to an author or topic,
 * both decayed with the half-life: a topic the user also likes is
 * discounted less, and many see_less weigh no more than one alone. */
static double see_less_share(const ig_div_fact *f, size_t nf, uint32_t less_kind, uint32_t liked_kind,
			     uint32_t key)
{
	const ig_div_fact *less = fact(f, nf, less_kind, key), *liked;

	if (less == NULL)
		return 0;
	liked = fact(f, nf, liked_kind, key);
	return (double)less->value / ((double)less->value + (liked ? (double)liked->value : 0));
}

/* Relevance in [0, 1] times the discounts that do not depend on the feed. */
static void relevance(const ig_div_ctx *c, cand *cs, size_t n, const ig_div_input *in, const ig_div_fact *f,
		      size_t nf)
{
	const ig_div_opts *o = &c->opts;
	double lo = 0, hi = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double v = in[cs[i].input].score;
		if (i == 0 || v < lo)
			lo = v;
		if (i == 0 || v > hi)
			hi = v;
	}
	for (i = 0; i < n; i++) {
		cand *x = &cs[i];
		const ig_div_fact *g;
		double less = 0;
		uint32_t j;

		x->rel = hi > lo ? (in[x->input].score - lo) / (hi - lo) : 1;
		x->static_rules = 0;
		if (x->item == IG_INTERN_NONE)
			continue;
		g = fact(f, nf, IG_FACT_SEEN, x->item);
		if (o->fatigue_after > 0 && g != NULL && g->value >= (float)o->fatigue_after) {
			x->rel *= pow(o->fatigue_factor, g->value - o->fatigue_after + 1);
			x->static_rules |= IG_RULE_FATIGUE;
		}
		less = see_less_share(f, nf, IG_FACT_SEE_LESS_AUTHOR, IG_FACT_LIKED_AUTHOR, x->author);
		for (j = 0; j < x->ntopics; j++) {
			double share = see_less_share(f, nf, IG_FACT_SEE_LESS_TOPIC, IG_FACT_LIKED_TOPIC, x->topics[j]);
			if (share > less)
				less = share;
		}
		if (less > 0) {
			x->rel *= pow(o->see_less_factor, less);
			x->static_rules |= IG_RULE_SEE_LESS;
		}
	}
}

/* The kept candidates: banned authors and items left out. */
static size_t gather(const ig_div_ctx *c, ig_div_scratch *s, const ig_div_input *in, size_t n,
		     const ig_div_fact *f, size_t nf, uint64_t *banned)
{
	const ig_items *it = c->items;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		cand *x = &s->c[k];
		uint32_t item = in[i].item, j;

		memset(x, 0, sizeof *x);
		x->input = (uint32_t)i;
		x->item = item;
		x->author = IG_INTERN_NONE;
		x->media = -1;
		x->last_slot = -1;
		if (item != IG_INTERN_NONE) {
			x->author = it->author[item];
			if (fact(f, nf, IG_FACT_BAN_ITEM, item) || fact(f, nf, IG_FACT_BAN_AUTHOR, x->author)) {
				(*banned)++;
				continue;
			}
			x->media = it->media[item];
			x->topics = it->topic_list + it->topic_start[item];
			x->ntopics = it->topic_start[item + 1] - it->topic_start[item];
			for (j = 0; j < x->ntopics && !x->is_short; j++)
				x->is_short = fact(f, nf, IG_FACT_SHORT_TOPIC, x->topics[j]) != NULL;
		}
		k++;
	}
	return k;
}

static double topic_sim(const cand *a, const cand *b, int jaccard)
{
	uint32_t i, common = 0;

	if (a->ntopics == 0 || b->ntopics == 0)
		return 0;
	for (i = 0; i < a->ntopics; i++)
		common += (uint32_t)in_list(b->topics, b->ntopics, a->topics[i]);
	if (jaccard)
		return (double)common / (a->ntopics + b->ntopics - common);
	return common / sqrt((double)a->ntopics * b->ntopics);
}

/* Rows are padded with zeros to a multiple of 8 floats, so that the
 * eight partial sums vectorize. */
static inline double dot(const float *restrict x, const float *restrict y, size_t n)
{
	float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	size_t d;
	int j;

	for (d = 0; d < n; d += 8, x += 8, y += 8)
		for (j = 0; j < 8; j++)
			acc[j] += x[j] * y[j];
	return (double)(((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])));
}

static inline double similarity(const ig_div_ctx *c, const ig_div_scratch *s, size_t a, size_t b)
{
	const ig_div_opts *o = &c->opts;

	if (o->similarity == IG_DIV_SIM_VECTORS)
		return dot(s->vec[a], s->vec[b], c->stride);
	return topic_sim(&s->c[a], &s->c[b], o->method == IG_DIV_MMR);
}

double ig_div_author_discount(const ig_div_opts *o, uint32_t repeats)
{
	return (1 - o->author_floor) * pow(o->author_decay, repeats) + o->author_floor;
}

static double author_factor(const ig_div_opts *o, const cand *x)
{
	return ig_div_author_discount(o, x->repeats);
}

static inline double value(const ig_div_ctx *c, const ig_div_scratch *s, size_t i)
{
	const ig_div_opts *o = &c->opts;
	const cand *x = &s->c[i];
	double rel = x->rel * (x->repeats ? author_factor(o, x) : 1);

	if (o->method == IG_DIV_MMR)
		return o->lambda * rel - (1 - o->lambda) * s->maxsim[i];
	if (o->lambda >= 1)
		return rel;
	return o->lambda / (1 - o->lambda) * rel + log(s->res[i] + 1e-10);
}

/* The spacing rules X breaks at slot K, as rule bits. */
static uint32_t blocked(const ig_div_opts *o, const cand *x, int32_t k, int run_media, uint32_t run_len)
{
	uint32_t b = 0;

	if (o->author_window > 1 && x->last_slot >= 0 && k - x->last_slot < (int32_t)o->author_window)
		b |= IG_RULE_AUTHOR_SPACING;
	if (o->media_run > 0 && x->media >= 0 && x->media == run_media && run_len >= o->media_run)
		b |= IG_RULE_MEDIA_RUN;
	if (o->topic_cap > 0 && x->topic_load >= o->topic_cap)
		b |= IG_RULE_TOPIC_CAP;
	return b;
}

static int short_slot(double share, uint32_t k)
{
	return share > 0 && floor((k + 1) * share) > floor(k * share);
}

static uint32_t topic_count(const ig_div_scratch *s, uint32_t t)
{
	size_t i;

	for (i = 0; i < s->ntc; i++)
		if (s->tc[i].topic == t)
			return s->tc[i].count;
	return 0;
}

static void count_topics(ig_div_scratch *s, const cand *x)
{
	uint32_t a;
	size_t i;

	for (a = 0; a < x->ntopics; a++) {
		for (i = 0; i < s->ntc && s->tc[i].topic != x->topics[a]; i++)
			;
		if (i == s->ntc) {
			if (s->ntc == s->tccap) {
				s->tccap = s->tccap ? s->tccap * 2 : 64;
				s->tc = ig_reallocarray(s->tc, s->tccap, sizeof *s->tc);
			}
			s->tc[s->ntc].topic = x->topics[a];
			s->tc[s->ntc++].count = 0;
		}
		s->tc[i].count++;
	}
}

/* Updates the remaining candidates after P took slot K. */
static void place(const ig_div_ctx *c, ig_div_scratch *s, size_t n, size_t p, uint32_t k)
{
	const ig_div_opts *o = &c->opts;
	cand *cs = s->c, *x = &cs[p];
	double dp = s->res[p];
	size_t i;

	x->taken = 1;
	if (o->topic_cap > 0)
		count_topics(s, x);
	for (i = 0; i < n; i++) {
		cand *y = &cs[i];
		if (y->taken)
			continue;
		if (x->author != IG_INTERN_NONE && y->author == x->author) {
			y->repeats++;
			y->last_slot = (int32_t)k;
		}
		if (o->topic_cap > 0) {
			uint32_t a;
			for (a = 0; a < x->ntopics; a++)
				if (in_list(y->topics, y->ntopics, x->topics[a]) &&
				    topic_count(s, x->topics[a]) > y->topic_load)
					y->topic_load = topic_count(s, x->topics[a]);
		}
		if (o->lambda >= 1) {
			/* relevance alone: similarity never matters */
		} else if (o->method == IG_DIV_MMR) {
			double sim = similarity(c, s, p, i);
			if (sim > s->maxsim[i])
				s->maxsim[i] = sim;
		} else {
			double *cp = s->chol + p * o->length, *ci = s->chol + i * o->length, dot = 0, e;
			uint32_t j;
			for (j = 0; j < k; j++)
				dot += cp[j] * ci[j];
			e = dp > 1e-10 ? (DPP_SHARE * similarity(c, s, p, i) - dot) / sqrt(dp) : 0;
			ci[k] = e;
			s->res[i] -= e * e;
			if (s->res[i] < 0)
				s->res[i] = 0;
		}
		s->val[i] = value(c, s, i);
	}
}

/* Why P took slot K ahead of the remaining candidates ranked above it:
 * the union, over those, of the rule that passed each over. */
static uint32_t moved_by(const ig_div_ctx *c, const ig_div_scratch *s, size_t p, int32_t k, int run_media,
			 uint32_t run_len, int from_short)
{
	const ig_div_opts *o = &c->opts;
	uint32_t r = 0;
	size_t t;

	for (t = 0; t < p; t++) {
		const cand *x = &s->c[t];
		uint32_t b;
		if (x->taken)
			continue;
		b = blocked(o, x, k, run_media, run_len);
		if (b) {
			r |= b;
			continue;
		}
		if (from_short && !x->is_short) {
			r |= IG_RULE_SHORT_TERM;
			continue;
		}
		r |= x->static_rules;
		if (x->repeats > 0 && author_factor(o, x) < 1)
			r |= IG_RULE_AUTHOR_DECAY;
		if (o->method == IG_DIV_MMR ? s->maxsim[t] > s->maxsim[p] : s->res[t] < s->res[p])
			r |= IG_RULE_DIVERSITY;
	}
	return r;
}

/* The best allowed candidate (of the short queue with ONLY_SHORT), or
 * n when none is allowed; the pool gets the allowed explorable ones. */
static size_t best(const ig_div_ctx *c, ig_div_scratch *s, size_t n, int32_t k, int run_media,
		   uint32_t run_len, int only_short, uint32_t waived, size_t *npool)
{
	size_t i, b = n;
	double bv = 0;

	*npool = 0;
	for (i = 0; i < n; i++) {
		const cand *x = &s->c[i];
		double v;
		if (x->taken || (blocked(&c->opts, x, k, run_media, run_len) & ~waived))
			continue;
		if (x->explore != IG_INTERN_NONE)
			s->pool[(*npool)++] = (uint32_t)i;
		if (only_short && !x->is_short)
			continue;
		v = s->val[i];
		if (b == n || v > bv) {
			b = i;
			bv = v;
		}
	}
	return b;
}

static void prepare(const ig_div_ctx *c, ig_div_scratch *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		s->maxsim[i] = 0;
		s->res[i] = 1;
		s->val[i] = value(c, s, i);
		if (c->opts.similarity == IG_DIV_SIM_VECTORS) {
			uint32_t item = s->c[i].item;
			size_t row = item != IG_INTERN_NONE ? item : c->items->count;
			s->vec[i] = c->unit + row * c->stride;
		}
	}
}

static const uint32_t waive[3] = {
	IG_RULE_TOPIC_CAP, IG_RULE_TOPIC_CAP | IG_RULE_MEDIA_RUN,
	IG_RULE_TOPIC_CAP | IG_RULE_MEDIA_RUN | IG_RULE_AUTHOR_SPACING};

size_t ig_div_select(const ig_div_ctx *c, const ig_div_input *in, size_t n, const ig_div_fact *facts,
		     size_t nfacts, int64_t now, ig_rng *rng, ig_div_scratch *s, ig_div_row *rows,
		     ig_div_counts *counts)
{
	const ig_div_opts *o = &c->opts;
	uint32_t k, run_len = 0;
	int run_media = -1, any_short = 0;
	size_t i, m, nin, first = 0;

	reserve(s, n + 1, o->length);
	s->ntc = 0;
	m = gather(c, s, in, n, facts, nfacts, &counts->banned);
	relevance(c, s->c, m, in, facts, nfacts);
	nin = interests(c, s, facts, nfacts, m);
	for (i = 0; i < m; i++)
		mark_explore(c, &s->c[i], s->interests, nin, facts, nfacts, now);
	prepare(c, s, m);
	for (i = 0; i < m && !any_short; i++)
		any_short = s->c[i].is_short;
	counts->users++;
	for (k = 0; k < o->length; k++) {
		int from_short = any_short && short_slot(o->short_share, k), relax = 0, w;
		size_t d, npool, pick;
		double prop = 1;

		while (first < m && s->c[first].taken)
			first++;
		if (first == m)
			break;
		d = best(c, s, m, (int32_t)k, run_media, run_len, from_short, 0, &npool);
		if (d == m && from_short) {
			from_short = 0;
			d = best(c, s, m, (int32_t)k, run_media, run_len, 0, 0, &npool);
		}
		/* every candidate breaks a rule: waive the topic cap first, then
		 * the media run, then the author spacing */
		for (w = 0; d == m && w < 3; w++) {
			relax = 1;
			d = best(c, s, m, (int32_t)k, run_media, run_len, 0, waive[w], &npool);
		}
		counts->relaxed += (uint64_t)relax;
		pick = d;
		rows[k].explore = IG_INTERN_NONE;
		if (o->epsilon > 0 && npool > 0) {
			if (ig_rng_double(rng) < o->epsilon) {
				pick = s->pool[ig_rng_below(rng, npool)];
				rows[k].explore = s->c[pick].explore;
				counts->explored++;
			}
			/* both ways to this placement: the draw, and the greedy pick */
			prop = (s->c[pick].explore != IG_INTERN_NONE ? o->epsilon / (double)npool : 0) +
			       (pick == d ? 1 - o->epsilon : 0);
		}
		rows[k].rules = rows[k].explore == IG_INTERN_NONE
					? moved_by(c, s, pick, (int32_t)k, run_media, run_len, from_short)
					: 0;
		if (relax)
			rows[k].rules |= IG_RULE_RELAXED;
		rows[k].input = s->c[pick].input;
		rows[k].propensity = prop;
		if (s->c[pick].media >= 0 && s->c[pick].media == run_media)
			run_len++;
		else {
			run_media = s->c[pick].media;
			run_len = 1;
		}
		place(c, s, m, pick, k);
	}
	counts->rows += k;
	if (k < o->length)
		counts->short_feeds++;
	return k;
}
