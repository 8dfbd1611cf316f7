/* One user's feed: greedy slot by slot. Each slot takes, among the
 * candidates that keep the spacing rules, the one of highest value
 * (MMR: lambda * relevance - (1 - lambda) * summed, or largest, similarity
 * to the placed items; DPP: the log-determinant gain of Chen et al. 2018's
 * fast greedy MAP), relevance being the min-max scaled score times the
 * author, fatigue and see_less discounts. A slot may instead be explored:
 * with probability epsilon an item drawn uniformly from the explorable
 * candidates. The dot product of vectors comes in copies per instruction
 * set (core/ig_kernel_copies.h). */
#include "diversify/ig_diversify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_cpu.h"
#include "core/ig_err.h"

typedef struct cand {
	uint32_t input, item, author;
	uint32_t vec_only;      /* as ig_div_input's */
	int media;
	const uint32_t *topics;
	uint32_t ntopics;
	double rel;
	uint32_t static_rules;  /* fatigue, see_less */
	uint32_t explore;       /* adjacent topic, IG_DIV_FRESH or NONE */
	uint32_t repeats;       /* placed items of the same author */
	double author_factor;   /* ig_div_author_discount of the repeats */
	int32_t last_slot;      /* slot of the author's last placed item, or -1 */
	uint32_t topic_load;    /* most placed items sharing one of its topics */
	uint32_t sim_through;   /* MMR: placed items its maxsim accounts for */
	uint32_t next_of_author; /* the next candidate of its author, in a ring */
	uint8_t is_short, taken;
} cand;

struct ig_div_scratch {
	size_t cap, ccap, pcap;
	cand *c;
	double *maxsim, *res, *chol;
	double *val;            /* value of each candidate for the next slot */
	const float **vec;      /* candidates' unit vectors (rows of the context) */
	uint32_t *pool, *allowed, *placed, *interests;
	size_t icap;
	uint32_t *author_slot;  /* open addressing: author -> candidate, while gathering */
	size_t author_cap;
	struct {
		uint32_t topic, count;
	} *tc;                  /* placed items per topic */
	size_t ntc, tccap;
	uint32_t media_count[IG_MEDIA_COUNT]; /* placed items per media type */
	struct arm {
		uint32_t topic, first; /* explored topic (or IG_DIV_FRESH), its best pool item */
		double a, b;           /* beta posterior of an engagement */
		uint32_t wins;
	} *arms;
	size_t narms, armcap;
	uint64_t user_key;      /* Thompson: seeds the Monte Carlo streams */
};

/* The DPP kernel is (1 - DPP_SHARE) I + DPP_SHARE S: positive definite
 * even when S (one topic per item, or vectors of few dimensions) is not of
 * full rank, so that a second item of a topic is discounted, not barred. */
#ifndef DPP_SHARE
#define DPP_SHARE 0.5
#endif

static const char *const rule_names[IG_RULE_COUNT] = {
	"author-spacing", "author-decay", "media-run", "topic-cap", "mmr",
	"short-term", "fatigue", "see-less", "relaxed", "media-mix"};

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
	free(s->allowed);
	free(s->placed);
	free(s->interests);
	free(s->tc);
	free(s->arms);
	free(s->author_slot);
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
		s->allowed = ig_reallocarray(s->allowed, n, sizeof *s->allowed);
		s->ccap = 0;
		s->vec = ig_reallocarray(s->vec, n, sizeof *s->vec);
	}
	if (length + 1 > s->pcap) {
		s->pcap = length + 1;
		s->placed = ig_reallocarray(s->placed, s->pcap, sizeof *s->placed);
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

/* The net share of see_less among the user's reactions to an author or
 * topic, both decayed with the half-life: (less - liked) / (less + liked),
 * 0 when the likes weigh as much. A broad topic (a genre) gathers see_less
 * from items the user merely disliked; discounting it while the user
 * likes it as much cost 2% of NDCG@20 on ML-100K's validation cut. Many
 * see_less weigh no more than one alone. */
static double see_less_share(const ig_div_fact *f, size_t nf, uint32_t less_kind, uint32_t liked_kind,
			     uint32_t key)
{
	const ig_div_fact *less = fact(f, nf, less_kind, key), *liked;
	double l;

	if (less == NULL)
		return 0;
	liked = fact(f, nf, liked_kind, key);
	l = liked ? (double)liked->value : 0;
	return l >= (double)less->value ? 0 : ((double)less->value - l) / ((double)less->value + l);
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

/* Candidates are items scattered over tables larger than the caches:
 * asking for all their rows first lets the misses overlap instead of
 * stalling one candidate at a time. */
static void prefetch_items(const ig_div_ctx *c, const ig_div_input *in, size_t n)
{
	const ig_items *it = c->items;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t item = in[i].item;
		if (item == IG_INTERN_NONE)
			continue;
		__builtin_prefetch(it->author + item);
		__builtin_prefetch(it->media + item);
		__builtin_prefetch(it->created + item);
		__builtin_prefetch(it->topic_start + item);
		if (c->unit != NULL)
			__builtin_prefetch(c->unit + (size_t)item * c->stride);
	}
	for (i = 0; i < n; i++)
		if (in[i].item != IG_INTERN_NONE)
			__builtin_prefetch(it->topic_list + it->topic_start[in[i].item]);
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
		x->vec_only = in[i].vec_only;
		x->author = IG_INTERN_NONE;
		x->media = -1;
		x->last_slot = -1;
		x->author_factor = 1;
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

/* Links each candidate to the others of its author in a ring, so that a
 * placement updates only its author's candidates. */
static void link_authors(ig_div_scratch *s, size_t n)
{
	size_t cap = 64, i, mask;

	while (cap < 2 * n)
		cap *= 2;
	if (cap > s->author_cap) {
		s->author_cap = cap;
		s->author_slot = ig_reallocarray(s->author_slot, cap, sizeof *s->author_slot);
	}
	mask = cap - 1;
	memset(s->author_slot, 0xff, cap * sizeof *s->author_slot);
	for (i = 0; i < n; i++) {
		cand *x = &s->c[i];
		size_t h;

		x->next_of_author = (uint32_t)i;
		if (x->author == IG_INTERN_NONE)
			continue;
		for (h = (x->author * 0x9e3779b1u) & mask; s->author_slot[h] != IG_INTERN_NONE; h = (h + 1) & mask) {
			cand *y = &s->c[s->author_slot[h]];
			if (y->author == x->author) {
				/* after the author's first candidate in the ring */
				x->next_of_author = y->next_of_author;
				y->next_of_author = (uint32_t)i;
				break;
			}
		}
		if (s->author_slot[h] == IG_INTERN_NONE)
			s->author_slot[h] = (uint32_t)i;
	}
}

/* How much of topic T the topics L hold: 1 if one is T, else the sibling
 * similarity if one shares T's parent in the tree, else 0. */
static double topic_match(const ig_div_ctx *c, const uint32_t *l, size_t n, uint32_t t)
{
	uint32_t p = c->topic_parent[t];
	double m = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (l[i] == t)
			return 1;
		if (p != IG_INTERN_NONE && c->topic_parent[l[i]] == p)
			m = c->opts.sibling_sim;
	}
	return m;
}

/* The Jaccard (MMR) or cosine (DPP) similarity of two topic sets, where a
 * pair of sibling topics counts as the sibling similarity of a common one
 * (the mean of both directions' matches; without siblings, the size of
 * the intersection). */
static double topic_sim(const ig_div_ctx *c, const cand *a, const cand *b, int jaccard)
{
	uint32_t i;
	double common = 0;

	if (a->ntopics == 0 || b->ntopics == 0)
		return 0;
	if (c->opts.sibling_sim > 0) {
		for (i = 0; i < a->ntopics; i++)
			common += 0.5 * topic_match(c, b->topics, b->ntopics, a->topics[i]);
		for (i = 0; i < b->ntopics; i++)
			common += 0.5 * topic_match(c, a->topics, a->ntopics, b->topics[i]);
	} else {
		for (i = 0; i < a->ntopics; i++)
			common += in_list(b->topics, b->ntopics, a->topics[i]);
	}
	if (jaccard)
		return common / (a->ntopics + b->ntopics - common);
	return common / sqrt((double)a->ntopics * b->ntopics);
}

/* a*b+c fused in the dot product only, where a copy has FMA */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#define IG_KERNEL_BODY "diversify/ig_div_select_kernel_priv.h"
#include "core/ig_kernel_copies.h"
#pragma GCC pop_options

static const ig_div_dot_fn dot_copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(div_dot);

ig_div_dot_fn ig_div_pick_dot(void)
{
	return dot_copies[ig_isa_pick(IG_KERNEL_HAVE)];
}

static inline double similarity(const ig_div_ctx *c, const ig_div_scratch *s, size_t a, size_t b)
{
	const ig_div_opts *o = &c->opts;

	if (o->similarity == IG_DIV_SIM_VECTORS)
		return c->dot(s->vec[a], s->vec[b], c->stride);
	return topic_sim(c, &s->c[a], &s->c[b], o->method == IG_DIV_MMR);
}

double ig_div_author_discount(const ig_div_opts *o, uint32_t repeats)
{
	return (1 - o->author_floor) * pow(o->author_decay, repeats) + o->author_floor;
}


/* Relevance with the author discount of the feed so far. */
static inline double current_rel(const ig_div_opts *o, const cand *x)
{
	(void)o;
	return x->rel * x->author_factor;
}

/* The value of candidate I for slot K: the first keep_top slots go by
 * relevance alone. */
static inline double value(const ig_div_ctx *c, const ig_div_scratch *s, size_t i, uint32_t k)
{
	const ig_div_opts *o = &c->opts;
	const cand *x = &s->c[i];
	double rel = current_rel(o, x);

	if (k < o->keep_top)
		return rel;
	if (o->method == IG_DIV_MMR)
		return o->lambda * rel - (1 - o->lambda) * s->maxsim[i];
	if (o->lambda >= 1)
		return rel;
	return o->lambda / (1 - o->lambda) * rel + log(s->res[i] + 1e-10);
}

/* The rules of slot K that depend on the feed so far and not on the
 * candidate: which media types are barred (media_block, indexed by media
 * type + 1, so that an item without one reads entry 0). A media type with
 * a share s holds at most floor(s j) + 1 of any first j rows. */
typedef struct slot_rules {
	int32_t k;
	uint32_t media_block[IG_MEDIA_COUNT + 1];
} slot_rules;

static void slot_rules_at(const ig_div_opts *o, const ig_div_scratch *s, slot_rules *r, int32_t k, int run_media,
			  uint32_t run_len)
{
	int m;

	r->k = k;
	r->media_block[0] = 0;
	for (m = 0; m < IG_MEDIA_COUNT; m++) {
		uint32_t b = 0;
		if (o->media_share[m] >= 0 && s->media_count[m] > (uint32_t)floor(o->media_share[m] * (k + 1)))
			b |= IG_RULE_MEDIA_MIX;
		if (o->media_run > 0 && m == run_media && run_len >= o->media_run)
			b |= IG_RULE_MEDIA_RUN;
		r->media_block[m + 1] = b;
	}
}

/* The spacing rules X breaks at the slot of R, as rule bits. */
static inline uint32_t blocked(const ig_div_opts *o, const slot_rules *r, const cand *x)
{
	uint32_t b = r->media_block[x->media + 1];

	if (x->last_slot >= 0 && r->k - x->last_slot < (int32_t)o->author_window)
		b |= IG_RULE_AUTHOR_SPACING;
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

static void repeat_author(const ig_div_opts *o, cand *y, uint32_t k)
{
	y->repeats++;
	y->author_factor = ig_div_author_discount(o, y->repeats);
	y->last_slot = (int32_t)k;
}

/* Updates the remaining candidates after P took slot K. */
static void place(const ig_div_ctx *c, ig_div_scratch *s, size_t n, size_t p, uint32_t k)
{
	const ig_div_opts *o = &c->opts;
	cand *cs = s->c, *x = &cs[p];
	double dp = s->res[p];
	/* MMR's values change only with an author's repeats, a refresh, or
	 * past the kept top rows; DPP's with every placement */
	int all = o->method != IG_DIV_MMR || k + 1 == o->keep_top;
	size_t i;

	x->taken = 1;
	s->placed[k] = (uint32_t)p;
	if (!all && o->topic_cap == 0) {
		/* only the author's other candidates change */
		for (i = x->next_of_author; i != p; i = cs[i].next_of_author) {
			cand *y = &cs[i];
			if (y->taken)
				continue;
			repeat_author(o, y, k);
			s->val[i] = value(c, s, i, k + 1);
		}
		return;
	}
	if (o->topic_cap > 0)
		count_topics(s, x);
	for (i = 0; i < n; i++) {
		cand *y = &cs[i];
		int changed = all;
		if (y->taken)
			continue;
		if (x->author != IG_INTERN_NONE && y->author == x->author) {
			repeat_author(o, y, k);
			changed = 1;
		}
		if (o->topic_cap > 0) {
			uint32_t a;
			for (a = 0; a < x->ntopics; a++)
				if (in_list(y->topics, y->ntopics, x->topics[a]) &&
				    topic_count(s, x->topics[a]) > y->topic_load)
					y->topic_load = topic_count(s, x->topics[a]);
		}
		if (o->lambda >= 1 || o->method == IG_DIV_MMR) {
			/* relevance alone, or MMR's similarity, brought up to date
			 * only for the candidates that may win (refresh) */
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
		if (changed)
			s->val[i] = value(c, s, i, k + 1);
	}
}

/* Brings candidate I's MMR similarity up to date with the K placed
 * items; returns whether its value changed. A candidate's value only
 * falls as items are placed, so a stale value bounds the true one from
 * above: the greedy pick needs fresh values only for the few candidates
 * that top the stale ones (lazy greedy, the same picks as computing every
 * similarity at every slot). */
static int refresh(const ig_div_ctx *c, ig_div_scratch *s, size_t i, uint32_t k)
{
	cand *x = &s->c[i];
	double m = s->maxsim[i];

	if (c->opts.method != IG_DIV_MMR || c->opts.lambda >= 1 || x->sim_through >= k || k < c->opts.keep_top)
		return 0;
	for (; x->sim_through < k; x->sim_through++) {
		double sim = similarity(c, s, s->placed[x->sim_through], i);
		if (c->opts.sim_sum)
			m += sim;
		else if (sim > m)
			m = sim;
	}
	if (m == s->maxsim[i])
		return 0;
	s->maxsim[i] = m;
	s->val[i] = value(c, s, i, k);
	return 1;
}

/* Why P took slot K ahead of the remaining candidates ranked above it:
 * the union, over those, of the rule that passed each over. */
static uint32_t moved_by(const ig_div_ctx *c, ig_div_scratch *s, size_t p, const slot_rules *sr, int from_short)
{
	const ig_div_opts *o = &c->opts;
	uint32_t r = 0;
	size_t t;

	for (t = 0; t < p; t++) {
		const cand *x = &s->c[t];
		uint32_t b;
		if (x->taken)
			continue;
		b = blocked(o, sr, x);
		if (b) {
			r |= b;
			continue;
		}
		if (from_short && !x->is_short) {
			r |= IG_RULE_SHORT_TERM;
			continue;
		}
		r |= x->static_rules;
		refresh(c, s, t, (uint32_t)sr->k);
		if (x->author_factor < 1)
			r |= IG_RULE_AUTHOR_DECAY;
		if (sr->k < (int32_t)o->keep_top)
			continue;
		if (o->method == IG_DIV_MMR ? s->maxsim[t] > s->maxsim[p] : s->res[t] < s->res[p])
			r |= IG_RULE_DIVERSITY;
	}
	return r;
}

/* The best allowed candidate (of the short queue with ONLY_SHORT), or
 * n when none is allowed; the pool gets the allowed explorable ones. With
 * a relevance band, only candidates within it of the most relevant
 * allowed one compete on value: diversity may swap items of nearly equal
 * relevance, never a clear favourite for a much weaker one. */
static size_t best(const ig_div_ctx *c, ig_div_scratch *s, size_t n, const slot_rules *sr, int only_short,
		   uint32_t waived, size_t *npool)
{
	const ig_div_opts *o = &c->opts;
	size_t i, b = n, na = 0;
	double bv = 0, top = 0;

	*npool = 0;
	for (i = 0; i < n; i++) {
		const cand *x = &s->c[i];
		if (x->taken || (blocked(o, sr, x) & ~waived))
			continue;
		if (x->explore != IG_INTERN_NONE)
			s->pool[(*npool)++] = (uint32_t)i;
		if (only_short && !x->is_short)
			continue;
		s->allowed[na++] = (uint32_t)i;
		if (o->band > 0 && current_rel(o, x) > top)
			top = current_rel(o, x);
	}
	if (o->band > 0) {
		size_t m = 0;
		for (i = 0; i < na; i++)
			if (current_rel(o, &s->c[s->allowed[i]]) >= top * (1 - o->band))
				s->allowed[m++] = s->allowed[i];
		na = m;
	}
	do {
		b = n;
		for (i = 0; i < na; i++) {
			size_t j = s->allowed[i];
			if (b == n || s->val[j] > bv) {
				b = j;
				bv = s->val[j];
			}
		}
	} while (b != n && refresh(c, s, b, (uint32_t)sr->k));
	return b;
}

static void prepare(const ig_div_ctx *c, ig_div_scratch *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		s->c[i].sim_through = 0;
		s->maxsim[i] = 0;
		s->res[i] = 1;
		s->val[i] = value(c, s, i, 0);
		if (c->opts.similarity == IG_DIV_SIM_VECTORS) {
			uint32_t item = s->c[i].item;
			size_t row = item != IG_INTERN_NONE ? item : c->items->count + s->c[i].vec_only;
			s->vec[i] = c->unit + row * c->stride;
		}
	}
}

/* The rules waived, in turn, when every candidate breaks one: the topic
 * cap, else the media rules alone (a catalog of one media type breaks them
 * at every slot and must keep its topic cap), else both, else all. */
#define MEDIA_RULES (IG_RULE_MEDIA_RUN | IG_RULE_MEDIA_MIX)
static const uint32_t waive[4] = {
	IG_RULE_TOPIC_CAP, MEDIA_RULES, IG_RULE_TOPIC_CAP | MEDIA_RULES,
	IG_RULE_TOPIC_CAP | MEDIA_RULES | IG_RULE_AUTHOR_SPACING};

/* The explored topics of the pool, each with its best-ranked item and the
 * beta posterior of an engagement from the user's events: successes the
 * decayed engagements with the topic, failures its decayed impressions
 * beyond them and its see_less; a fresh item's arm knows nothing. */
static void gather_arms(ig_div_scratch *s, size_t npool, const ig_div_fact *f, size_t nf)
{
	size_t i, a;

	s->narms = 0;
	for (i = 0; i < npool; i++) {
		uint32_t t = s->c[s->pool[i]].explore;
		const ig_div_fact *liked, *seen, *less;
		double l, v;
		for (a = 0; a < s->narms && s->arms[a].topic != t; a++)
			;
		if (a < s->narms)
			continue;
		if (s->narms == s->armcap) {
			s->armcap = s->armcap ? s->armcap * 2 : 16;
			s->arms = ig_reallocarray(s->arms, s->armcap, sizeof *s->arms);
		}
		s->arms[a].topic = t;
		s->arms[a].first = s->pool[i];
		s->arms[a].a = s->arms[a].b = 1;
		s->narms++;
		if (t == IG_DIV_FRESH)
			continue;
		liked = fact(f, nf, IG_FACT_LIKED_TOPIC, t);
		seen = fact(f, nf, IG_FACT_SEEN_TOPIC, t);
		less = fact(f, nf, IG_FACT_SEE_LESS_TOPIC, t);
		l = liked ? (double)liked->value : 0;
		v = seen ? (double)seen->value : 0;
		s->arms[a].a += l;
		s->arms[a].b += (v > l ? v - l : 0) + (less ? (double)less->value : 0);
	}
}

static double draw_beta(ig_rng *r, double a, double b)
{
	double x = ig_rng_gamma(r, a), y = ig_rng_gamma(r, b);

	return x + y > 0 ? x / (x + y) : 0.5;
}

/* The arm of one Thompson draw: the highest sampled engagement rate. */
static size_t thompson_arm(const ig_div_scratch *s, ig_rng *r)
{
	size_t a, best_arm = 0;
	double best_theta = -1;

	for (a = 0; a < s->narms; a++) {
		double theta = draw_beta(r, s->arms[a].a, s->arms[a].b);
		if (theta > best_theta) {
			best_theta = theta;
			best_arm = a;
		}
	}
	return best_arm;
}

/* UCB1 over the arms: the posterior mean plus sqrt(2 ln N / n), n the
 * arm's evidence and N the pool's, both counting the prior's one. */
static size_t ucb_arm(const ig_div_scratch *s)
{
	size_t a, best_arm = 0;
	double total = 0, best_score = -1;

	for (a = 0; a < s->narms; a++)
		total += s->arms[a].a + s->arms[a].b - 1;
	for (a = 0; a < s->narms; a++) {
		double n = s->arms[a].a + s->arms[a].b - 1;
		double score = s->arms[a].a / (s->arms[a].a + s->arms[a].b) + sqrt(2 * log(total + 1) / n);
		if (score > best_score) {
			best_score = score;
			best_arm = a;
		}
	}
	return best_arm;
}

/* The probability that an explored slot takes candidate X: uniform over
 * the pool, or that of X's arm winning (UCB: 0 or 1; Thompson: estimated
 * from explore_draws draws of a stream of its own, as (wins + 1) /
 * (draws + arms), so that no arm that can win is logged with 0). Only an
 * arm's best-ranked item is ever taken. */
static double explore_prob(const ig_div_ctx *c, ig_div_scratch *s, size_t x, size_t npool, size_t ucb,
			   ig_rng *mc)
{
	const ig_div_opts *o = &c->opts;
	size_t a, d;

	if (s->c[x].explore == IG_INTERN_NONE)
		return 0;
	if (o->explore == IG_EXPLORE_UNIFORM)
		return 1.0 / (double)npool;
	for (a = 0; a < s->narms && s->arms[a].first != x; a++)
		;
	if (a == s->narms)
		return 0;
	if (o->explore == IG_EXPLORE_UCB)
		return a == ucb ? 1 : 0;
	for (d = 0; d < s->narms; d++)
		s->arms[d].wins = 0;
	for (d = 0; d < o->explore_draws; d++)
		s->arms[thompson_arm(s, mc)].wins++;
	return (s->arms[a].wins + 1.0) / ((double)o->explore_draws + (double)s->narms);
}

/* Explores slot K or not, and logs the propensity of the placement: the
 * draw and the greedy pick G are both ways to it. Returns the pick. */
static size_t explore_slot(const ig_div_ctx *c, ig_div_scratch *s, size_t g, size_t npool, uint32_t k,
			   const ig_div_fact *f, size_t nf, ig_rng *rng, ig_div_row *row, ig_div_counts *counts)
{
	const ig_div_opts *o = &c->opts;
	size_t pick = g, ucb = 0;
	ig_rng mc;

	row->explore = IG_INTERN_NONE;
	row->propensity = 1;
	if (o->epsilon <= 0 || npool == 0 || k < o->keep_top)
		return g;
	if (o->explore != IG_EXPLORE_UNIFORM)
		gather_arms(s, npool, f, nf);
	if (o->explore == IG_EXPLORE_UCB)
		ucb = ucb_arm(s);
	if (ig_rng_double(rng) < o->epsilon) {
		if (o->explore == IG_EXPLORE_UNIFORM)
			pick = s->pool[ig_rng_below(rng, npool)];
		else if (o->explore == IG_EXPLORE_UCB)
			pick = s->arms[ucb].first;
		else
			pick = s->arms[thompson_arm(s, rng)].first;
		row->explore = s->c[pick].explore;
		counts->explored++;
	}
	/* the Monte Carlo stream: the seed's and the user's, and the slot's */
	if (o->explore == IG_EXPLORE_THOMPSON)
		ig_rng_seed_stream(&mc, s->user_key, k);
	row->propensity = o->epsilon * explore_prob(c, s, pick, npool, ucb, &mc) + (pick == g ? 1 - o->epsilon : 0);
	return pick;
}

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
	memset(s->media_count, 0, sizeof s->media_count);
	if (o->explore == IG_EXPLORE_THOMPSON) {
		/* a key of the user's stream that leaves the stream where it is */
		ig_rng peek = *rng;
		s->user_key = ig_rng_u64(&peek);
	}
	prefetch_items(c, in, n);
	m = gather(c, s, in, n, facts, nfacts, &counts->banned);
	link_authors(s, m);
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
		slot_rules sr;

		while (first < m && s->c[first].taken)
			first++;
		if (first == m)
			break;
		slot_rules_at(o, s, &sr, (int32_t)k, run_media, run_len);
		d = best(c, s, m, &sr, from_short, 0, &npool);
		if (d == m && from_short) {
			from_short = 0;
			d = best(c, s, m, &sr, 0, 0, &npool);
		}
		/* every candidate breaks a rule: waive them in turn (waive) */
		for (w = 0; d == m && w < 4; w++) {
			relax = 1;
			d = best(c, s, m, &sr, 0, waive[w], &npool);
		}
		counts->relaxed += (uint64_t)relax;
		pick = explore_slot(c, s, d, npool, k, facts, nfacts, rng, &rows[k], counts);
		rows[k].rules = rows[k].explore == IG_INTERN_NONE
					? moved_by(c, s, pick, &sr, from_short)
					: 0;
		if (relax)
			rows[k].rules |= IG_RULE_RELAXED;
		rows[k].input = s->c[pick].input;
		if (s->c[pick].media >= 0)
			s->media_count[s->c[pick].media]++;
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
