#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "rank/ig_rank_ctx_priv.h"
#include "rank/ig_rank_lift_priv.h"
#include "rank/ig_rank_session_priv.h"
#include "rank/ig_rank_vec_kernel.h"

/* Event types with popularity and author features, and those with a rate
 * per impression. */
static const int pop_types[] = {IG_EV_VIEW, IG_EV_LIKE, IG_EV_COMMENT, IG_EV_SHARE,
				IG_EV_SAVE, IG_EV_FOLLOW, IG_EV_SEE_LESS, IG_EV_HIDE};
static const int rate_types[] = {IG_EV_VIEW, IG_EV_LIKE, IG_EV_COMMENT, IG_EV_SHARE,
				 IG_EV_SAVE, IG_EV_FOLLOW, IG_EV_SEE_LESS, IG_EV_HIDE};
static const int author_types[] = {IG_EV_VIEW, IG_EV_LIKE, IG_EV_COMMENT, IG_EV_SHARE, IG_EV_SAVE};
#define NPOP (int)(sizeof pop_types / sizeof pop_types[0])
#define NRATE (int)(sizeof rate_types / sizeof rate_types[0])
#define NAUTHOR (int)(sizeof author_types / sizeof author_types[0])

static int is_negative(int type)
{
	return type == IG_EV_SEE_LESS || type == IG_EV_HIDE || type == IG_EV_REPORT;
}

static int author_type(int type)
{
	int k;

	for (k = 0; k < NAUTHOR; k++)
		if (author_types[k] == type)
			return 1;
	return 0;
}

static void add_name(ig_rank_ctx *c, const char *prefix, const char *name)
{
	size_t n = strlen(prefix) + strlen(name) + 1;

	c->names = ig_reallocarray(c->names, (size_t)c->nf + 1, sizeof *c->names);
	c->names[c->nf] = ig_malloc(n);
	snprintf(c->names[c->nf], n, "%s%s", prefix, name);
	c->nf++;
}

void ig_rank_ctx_names(ig_rank_ctx *c)
{
	static const char *const emb[] = {"emb_max_short", "emb_mean_short", "emb_max_long", "emb_mean_long",
					  "user_dot"};
	static const char *const cooc[] = {"cooc_max_short", "cooc_mean_short", "cooc_max_long",
					   "cooc_mean_long", "cooc_hits_long"};
	static const char *const item[] = {"item_age_days", "media_photo", "media_video", "media_reel",
					   "media_carousel", "user_media_affinity"};
	int i;

	for (i = 0; i < c->nf; i++)
		free(c->names[i]);
	c->nf = 0;
	if (c->inputs & IG_RANK_IN_CANDS) {
		add_name(c, "", "retrieval_score");
		add_name(c, "", "n_sources");
		add_name(c, "", "retrieval_rank");
		add_name(c, "", "retrieval_rel");
		for (i = 0; i < c->nsources; i++)
			add_name(c, "s_", c->sources[i]);
	}
	add_name(c, "", "item_users");
	for (i = 0; i < NPOP; i++)
		add_name(c, "item_pop_", ig_event_name(pop_types[i]));
	if (c->inputs & IG_RANK_IN_IMPRESSIONS) {
		add_name(c, "", "item_impressions");
		for (i = 0; i < NRATE; i++)
			add_name(c, "item_rate_", ig_event_name(rate_types[i]));
		for (i = 0; i < IG_RANK_LIFT_TYPES; i++)
			add_name(c, "item_lift_", ig_event_name(ig_rank_lift_types[i]));
	}
	add_name(c, "", "user_events");
	add_name(c, "", "user_positives");
	add_name(c, "", "user_days_since_last");
	add_name(c, "", "item_recent");
	add_name(c, "", "item_recent_share");
	add_name(c, "", "item_pop_gap");
	if (c->inputs & IG_RANK_IN_NEIGHBORS)
		for (i = 0; i < 5; i++)
			add_name(c, "", cooc[i]);
	if (c->inputs & IG_RANK_IN_VECTORS)
		for (i = 0; i < 5; i++)
			add_name(c, "", emb[i]);
	if (c->inputs & IG_RANK_IN_TOWER)
		add_name(c, "", "tower_score");
	if (c->inputs & IG_RANK_IN_ITEMS) {
		for (i = 0; i < 6; i++)
			add_name(c, "", item[i]);
		for (i = 0; i < NAUTHOR; i++)
			add_name(c, "author_", ig_event_name(author_types[i]));
		add_name(c, "", "author_negative");
		if (c->inputs & IG_RANK_IN_IMPRESSIONS) {
			add_name(c, "", "author_impressions");
			for (i = 0; i < NRATE; i++)
				add_name(c, "author_rate_", ig_event_name(rate_types[i]));
			for (i = 0; i < IG_RANK_LIFT_TYPES; i++)
				add_name(c, "author_lift_", ig_event_name(ig_rank_lift_types[i]));
		}
		add_name(c, "", "topic_affinity");
		add_name(c, "", "topic_affinity_rel");
		add_name(c, "", "topic_affinity_short");
		add_name(c, "", "topic_negative");
	}
	if (c->inputs & IG_RANK_IN_TOPICS)
		add_name(c, "", "topic_parent_affinity");
	if (c->inputs & IG_RANK_IN_FOLLOWS)
		add_name(c, "", "follows_author");
	for (i = 0; i < ig_rank_session_width(c); i++)
		add_name(c, "", ig_rank_session_name(c, i));
	add_name(c, "", "hour");
	add_name(c, "", "dow");
}

static float log1pf_pos(double v)
{
	/* log1p(0) is 0: most counts of a candidate are, and log1p costs
	 * dozens of instructions */
	return v > 0 ? (float)log1p(v) : 0;
}

/* log1pf_pos of the small whole numbers, which counts and ranks are:
 * a look-up per candidate rather than log1p. */
#define LOG1P_INTS 1024
static float log1p_int[LOG1P_INTS];
static pthread_once_t log1p_int_once = PTHREAD_ONCE_INIT;

static void log1p_int_fill(void)
{
	int k;

	for (k = 0; k < LOG1P_INTS; k++)
		log1p_int[k] = log1pf_pos((double)k);
}

static float log1pf_count(double v)
{
	if (v >= 0 && v < LOG1P_INTS && v == (double)(int)v)
		return log1p_int[(int)v];
	return log1pf_pos(v);
}

/* Per-entity accumulators reset by a generation stamp, so that preparing
 * a user costs its history, not the catalog. An entity's stamp and
 * accumulators share one 32-byte entry (aligned): one cache line a look-up,
 * where separate tables of stamps and values took two. */
#define STAMPED_MAX_WIDTH 7
typedef struct stamped_entry {
	uint32_t stamp;
	float v[STAMPED_MAX_WIDTH];
} stamped_entry;

typedef struct stamped {
	stamped_entry *e;
	size_t n;
	int width;
} stamped;

static void stamped_init(stamped *s, size_t n, int width)
{
	size_t bytes = (n + 1) * sizeof *s->e;

	s->e = ig_calloc_lines(bytes);
	s->n = n + 1;
	s->width = width;
}

static float *stamped_get(stamped *s, uint32_t i, uint32_t gen)
{
	stamped_entry *e = &s->e[i];

	if (e->stamp != gen) {
		e->stamp = gen;
		memset(e->v, 0, (size_t)s->width * sizeof *e->v);
	}
	return e->v;
}

static const float *stamped_peek(const stamped *s, uint32_t i, uint32_t gen)
{
	return s->e[i].stamp == gen ? s->e[i].v : NULL;
}

/* Forgets every entry: after the stamps wrapped, so that no old one
 * matches. */
static void stamped_clear(stamped *s)
{
	size_t i;

	for (i = 0; s->e && i < s->n; i++)
		s->e[i].stamp = 0;
}

static void stamped_free(stamped *s)
{
	free(s->e);
}

/* Accumulators of a few items (a user's candidates) by item number, in
 * an open-addressed table small enough to stay in the fast caches: the
 * neighbour sums of the candidates alone, where a table of every item
 * (stamped) takes a cache miss for each neighbour of the history. */
typedef struct cand_sums {
	uint32_t *key;   /* item number + 1; 0: empty */
	float *v;
	float *vv;       /* with vectors: the vector features of each slot
			  * (VECTOR_WIDTH), apart from the neighbour sums,
			  * which their accumulation alone reads */
	uint32_t mask;   /* slots - 1 */
	size_t cap;      /* slots allocated */
	int width;
} cand_sums;

static size_t cand_slot(const cand_sums *t, uint32_t it)
{
	return (size_t)((it * 0x9E3779B1u) >> 7) & t->mask;
}

/* Empties T with room for N items (at most a quarter full, so that an
 * absent item's probe ends at once). */
static void cand_reset(cand_sums *t, size_t n, int width, int vwidth)
{
	size_t slots = 64;

	while (slots < 4 * n)
		slots *= 2;
	if (slots > t->cap) {
		free(t->key);
		free(t->v);
		free(t->vv);
		t->key = ig_malloc(slots * sizeof *t->key);
		t->v = ig_malloc(slots * (size_t)width * sizeof *t->v);
		t->vv = ig_malloc(slots * (size_t)vwidth * sizeof *t->vv + 1);
		t->cap = slots;
	}
	t->mask = (uint32_t)(slots - 1);
	t->width = width;
	memset(t->key, 0, slots * sizeof *t->key);
}

/* The slot of item IT, or SIZE_MAX when it is not in T. */
static size_t cand_index(const cand_sums *t, uint32_t it)
{
	size_t i = cand_slot(t, it);

	for (;; i = (i + 1) & t->mask) {
		if (t->key[i] == it + 1)
			return i;
		if (t->key[i] == 0)
			return SIZE_MAX;
	}
}

/* The accumulators of item IT, NULL when it is not in T. */
static float *cand_find(const cand_sums *t, uint32_t it)
{
	size_t i = cand_index(t, it);

	return i != SIZE_MAX ? t->v + i * (size_t)t->width : NULL;
}

/* Adds IT to T with zeroed accumulators (once however often it comes). */
static void cand_add(cand_sums *t, uint32_t it)
{
	size_t i = cand_slot(t, it);

	while (t->key[i] != 0 && t->key[i] != it + 1)
		i = (i + 1) & t->mask;
	if (t->key[i] == 0) {
		t->key[i] = it + 1;
		memset(t->v + i * (size_t)t->width, 0, (size_t)t->width * sizeof *t->v);
	}
}

/* Author slots: NAUTHOR decayed counts, then negatives. Topic slots:
 * positives, negatives (decayed), parent's positives, positives among the
 * short-term history. Neighbour slots: max short, sum short, max long,
 * sum long, hits long. */
enum { A_NEG = NAUTHOR, A_WIDTH };
enum { T_POS, T_NEG, T_PARENT, T_SHORT, T_WIDTH };
enum { N_MAXS, N_SUMS, N_MAXL, N_SUML, N_HITS, N_WIDTH };
_Static_assert(A_WIDTH <= STAMPED_MAX_WIDTH && T_WIDTH <= STAMPED_MAX_WIDTH && N_WIDTH <= STAMPED_MAX_WIDTH,
	       "a stamped entry holds the accumulators");

/* What an item's list of topics gives the features of the prepared user
 * (the topic values of meta_features, the session's of its topics): the
 * same for every item with that list, so made once per user and list
 * (64 bytes: a cache line, aligned). */
enum { MEMO_META = 5 };
typedef struct topic_memo {
	uint32_t stamp;
	float meta[MEMO_META];
	float session[IG_RANK_SESSION_TOPIC_WIDTH];
} topic_memo;

struct ig_rank_user {
	const ig_rank_ctx *c;
	uint32_t gen;
	stamped authors, topics, nbrs;
	int64_t now, last_ts;
	size_t nevents, npos;
	uint32_t *pos;         /* long-term positives, oldest first */
	size_t npos_long, npos_short, pos_cap;
	double media[IG_MEDIA_COUNT], media_total, topic_total, parent_total;
	double topic_max;      /* positives of the user's most engaged topic */
	double hist_pop;       /* mean log(1 + item_users) over the long history */
	double recent_all;     /* positives of everyone in the recent window */
	float *uvec;
	int has_uvec;
	const float *tower_vec;    /* the user's unit tower vector, or NULL */
	const char *user;
	size_t user_len;
	/* what a candidate's features take from the user alone, computed
	 * once in ig_rank_user_prepare */
	float f_events, f_positives, f_days_since;
	uint32_t *followed;        /* per author: gen when the user follows it */
	uint32_t *authors_seen;    /* authors of the history, to turn their counts into logs */
	size_t nauthors_seen, authors_cap;
	ig_rank_session *session;  /* with items: the session and exposure features */
	cand_sums cands;           /* the neighbour sums of the marked candidates */
	int vec_by_cand;           /* and their vector features (cands.vv) */
	topic_memo *memo;          /* per list of topics (ctx ntopic_sets) */
	uint32_t memo_gen;         /* a memo is of this preparation when its stamp is this */
	int by_cand;               /* this user's neighbour sums in cands */
	/* vector_history: the history vectors the vector features sum over */
	const float **vhv;
	unsigned char *vshort;     /* whether each is a short-term positive's */
	size_t nvhv, vhv_cap, vuser;
	double *vs;                /* their dot products with a block (vector_block) */
	double *ivt;               /* the block's vectors, interleaved */
	const float **vcand;       /* vector_cands: each candidate's vector */
	float **vout;              /* and its features */
	size_t vc_cap;
};

ig_rank_user *ig_rank_user_new(const ig_rank_ctx *c)
{
	ig_rank_user *u = ig_calloc(1, sizeof *u);

	pthread_once(&log1p_int_once, log1p_int_fill);
	u->c = c;
	if (c->items) {
		stamped_init(&u->authors, ig_intern_count(c->items->authors), A_WIDTH);
		stamped_init(&u->topics, c->ntopics, T_WIDTH);
		if (c->inputs & IG_RANK_IN_FOLLOWS)
			u->followed = ig_calloc(ig_intern_count(c->items->authors) + 1, sizeof *u->followed);
		if (ig_rank_session_width(c) > 0)
			u->session = ig_rank_session_new(c);
		u->memo = ig_calloc_lines(((size_t)c->ntopic_sets + 1) * sizeof *u->memo);
	}
	if (c->nb)
		stamped_init(&u->nbrs, c->nitems, N_WIDTH);
	if (c->vec)
		u->uvec = ig_calloc(c->vec->dim + 1, sizeof *u->uvec);
	return u;
}

void ig_rank_user_free(ig_rank_user *u)
{
	if (u == NULL)
		return;
	stamped_free(&u->authors);
	stamped_free(&u->topics);
	stamped_free(&u->nbrs);
	free(u->cands.key);
	free(u->cands.v);
	free(u->cands.vv);
	free(u->pos);
	free(u->memo);
	free(u->uvec);
	free(u->vhv);
	free(u->vshort);
	free(u->vs);
	free(u->ivt);
	free(u->vcand);
	free(u->vout);
	free(u->authors_seen);
	free(u->followed);
	ig_rank_session_free(u->session);
	free(u);
}

static double decay(const ig_rank_user *u, int64_t ts)
{
	return ts >= u->now ? 1.0 : exp2(-(double)(u->now - ts) / u->c->o.half_life);
}

static void note_item_meta(ig_rank_user *u, const ig_rank_hev *e, double d)
{
	const ig_rank_item *r = &u->c->item[e->item];
	const uint32_t *topic_list;
	uint32_t k, t;
	float *a;

	if (!r->meta)
		return;
	topic_list = u->c->items->topic_list;
	if (stamped_peek(&u->authors, r->author, u->gen) == NULL) {
		if (u->nauthors_seen == u->authors_cap) {
			u->authors_cap = u->authors_cap ? 2 * u->authors_cap : 64;
			u->authors_seen = ig_reallocarray(u->authors_seen, u->authors_cap, sizeof *u->authors_seen);
		}
		u->authors_seen[u->nauthors_seen++] = r->author;
	}
	a = stamped_get(&u->authors, r->author, u->gen);
	for (k = 0; k < NAUTHOR; k++)
		if (author_types[k] == e->type)
			a[k] += (float)d;
	if (is_negative(e->type))
		a[A_NEG] += (float)d;
	for (k = r->topic_start; k < r->topic_end; k++) {
		float *tv = stamped_get(&u->topics, topic_list[k], u->gen);

		if (is_negative(e->type))
			tv[T_NEG] += (float)d;
		else if (u->c->o.positives >> e->type & 1) {
			tv[T_POS] += 1;
			u->topic_total += 1;
			if ((double)tv[T_POS] > u->topic_max)
				u->topic_max = (double)tv[T_POS];
			t = u->c->parent && topic_list[k] < u->c->ntopics ? u->c->parent[topic_list[k]]
									 : IG_INTERN_NONE;
			if (t != IG_INTERN_NONE) {
				stamped_get(&u->topics, t, u->gen)[T_PARENT] += 1;
				u->parent_total += 1;
			}
		}
	}
	if (u->c->o.positives >> e->type & 1) {
		u->media[r->media] += 1;
		u->media_total += 1;
	}
}

/* Events and neighbour lists asked for this far ahead: a history's items
 * are scattered over the catalogue's tables, each a cache miss, and the
 * loops that read them do little else. */
#define AHEAD 16

/* Asks for what note_item_meta reads of the item of event I: with
 * STAGE 0 the item's entries, with 1 (later, once those have come) what
 * they point to. */
static void prefetch_item_meta(const ig_rank_user *u, const ig_rank_hev *e, int stage)
{
	const ig_rank_item *r = &u->c->item[e->item];

	if (stage == 0) {
		__builtin_prefetch(r);
	} else if (r->meta) {
		__builtin_prefetch(&u->authors.e[r->author]);
		__builtin_prefetch(&u->c->items->topic_list[r->topic_start]);
	}
}

static void collect_positives(ig_rank_user *u, const ig_rank_hev *ev, size_t n)
{
	const ig_rank_ctx *c = u->c;
	size_t i;

	u->npos = 0;
	for (i = 0; i < n; i++) {
		const ig_rank_hev *e = &ev[i];

		if (i + 2 * AHEAD < n)
			prefetch_item_meta(u, &ev[i + 2 * AHEAD], 0);
		if (i + AHEAD < n)
			prefetch_item_meta(u, &ev[i + AHEAD], 1);

		if (e->ts > u->now)
			break;
		u->nevents++;
		u->last_ts = e->ts;
		/* the weight counts for the author's types and the negatives
		 * alone: no exp2 for the others (impressions, skips: most) */
		note_item_meta(u, e, is_negative(e->type) || author_type(e->type) ? decay(u, e->ts) : 0);
		if (!(c->o.positives >> e->type & 1))
			continue;
		if (u->npos == u->pos_cap) {
			u->pos_cap = u->pos_cap ? 2 * u->pos_cap : 256;
			u->pos = ig_reallocarray(u->pos, u->pos_cap, sizeof *u->pos);
		}
		u->pos[u->npos++] = e->item;
	}
}

/* The neighbour sums of the history's positives POS (the last NSHORT the
 * short-term ones): into the table of every item, or with BY_CAND into
 * the marked candidates' alone (the same sums in the same order; the
 * neighbours of other items are skipped). */
static void accumulate_neighbors(ig_rank_user *u, const uint32_t *pos, size_t n, size_t nshort, int by_cand)
{
	const ig_rank_ctx *c = u->c;
	size_t k, j, a, b;

	for (k = 0; k < n; k++) {
		int is_short = k >= n - nshort;

		if (k + 2 * AHEAD < n)
			__builtin_prefetch(&c->item[pos[k + 2 * AHEAD]]);
		if (k + AHEAD < n) {
			a = c->item[pos[k + AHEAD]].nb_start;
			b = a + c->item[pos[k + AHEAD]].nnb;
			/* 8 neighbours a cache line */
			for (j = a; j < b; j += 8)
				__builtin_prefetch(&c->nb[j]);
			if (b > a)
				__builtin_prefetch(&c->nb[b - 1]);
		}
		a = c->item[pos[k]].nb_start;
		b = a + c->item[pos[k]].nnb;

		for (j = a; j < b; j++) {
			float *v = by_cand ? cand_find(&u->cands, c->nb[j].item)
					   : stamped_get(&u->nbrs, c->nb[j].item, u->gen);
			float s = c->nb[j].score;

			if (v == NULL)
				continue;
			if (s > v[N_MAXL])
				v[N_MAXL] = s;
			v[N_SUML] += s;
			v[N_HITS] += 1;
			if (is_short) {
				if (s > v[N_MAXS])
					v[N_MAXS] = s;
				v[N_SUMS] += s;
			}
		}
	}
}

/* The topics of the last positives: what the user is into this session,
 * which the long-term shares dilute. */
static void short_topics(ig_rank_user *u, const uint32_t *pos, size_t n)
{
	const ig_rank_ctx *c = u->c;
	size_t k;
	uint32_t j;

	for (k = 0; k < n; k++) {
		const ig_rank_item *r = &c->item[pos[k]];

		for (j = r->topic_start; r->meta && j < r->topic_end; j++)
			stamped_get(&u->topics, c->items->topic_list[j], u->gen)[T_SHORT] += 1;
	}
}

static void user_vector(ig_rank_user *u, const uint32_t *pos, size_t n)
{
	const ig_rank_ctx *c = u->c;
	uint32_t d, dim = c->vec->dim;
	double norm = 0;
	size_t k;

	memset(u->uvec, 0, dim * sizeof *u->uvec);
	u->has_uvec = 0;
	for (k = 0; k < n; k++) {
		uint32_t r = c->vrow[pos[k]];

		if (r == IG_INTERN_NONE)
			continue;
		for (d = 0; d < dim; d++)
			u->uvec[d] += c->vunit[(size_t)r * dim + d];
		u->has_uvec = 1;
	}
	for (d = 0; d < dim; d++)
		norm += (double)u->uvec[d] * (double)u->uvec[d];
	norm = norm > 0 ? 1 / sqrt(norm) : 0;
	for (d = 0; d < dim; d++)
		u->uvec[d] = (float)((double)u->uvec[d] * norm);
}

/* Entries of the sorted A[0..N) up to V, searched in [L, H). */
static size_t count_upto(const int64_t *a, size_t l, size_t h, int64_t v)
{
	size_t m;

	while (l < h) {
		m = (l + h) / 2;
		if (a[m] <= v)
			l = m + 1;
		else
			h = m;
	}
	return l;
}

/* Entries of the sorted A[0..N) in (LO, HI]. */
static size_t count_between(const int64_t *a, size_t n, int64_t lo, int64_t hi)
{
	size_t start;

	/* all of them, the common case when the window spans the history:
	 * two reads rather than two searches, each step a cache miss */
	if (n == 0 || (a[0] > lo && a[n - 1] <= hi))
		return n;
	/* a search only for a bound inside the entries, the second from
	 * where the first ended */
	start = a[0] > lo ? 0 : count_upto(a, 0, n, lo);
	return (a[n - 1] <= hi ? n : count_upto(a, start, n, hi)) - start;
}

/* Marks the authors the user follows, so that a candidate's is one
 * look-up. */
static void note_follows(ig_rank_user *u, const char *user, size_t len)
{
	uint32_t na = ig_intern_count(u->c->items->authors);
	size_t n, j;
	const ig_follow *fo = ig_follows_find(u->c->follows, user, len, &n);

	for (j = 0; j < n; j++)
		if (fo[j].author < na)
			u->followed[fo[j].author] = u->gen;
}

/* The decayed counts of the history's authors as the features take them
 * (log 1 + count): once per user rather than once per candidate. */
static void author_logs(ig_rank_user *u)
{
	size_t k;
	int i;

	for (k = 0; k < u->nauthors_seen; k++) {
		float *a = stamped_get(&u->authors, u->authors_seen[k], u->gen);

		for (i = 0; i < A_WIDTH; i++)
			a[i] = log1pf_pos(a[i]);
	}
}

/* Forgets the topic memos: the user or the time changed. */
static void memo_forget(ig_rank_user *u)
{
	uint32_t k;

	if (++u->memo_gen == 0) {
		/* the stamps wrapped: clear them so that no old memo matches */
		for (k = 0; u->memo && k <= u->c->ntopic_sets; k++)
			u->memo[k].stamp = 0;
		u->memo_gen = 1;
	}
}

/* The user's state from the events EV[0..N) (in time order: the
 * history's, or those and more); with BY_CAND the neighbour sums go to
 * the candidates marked in u->cands alone. */
static void prepare_events(ig_rank_user *u, const char *user, size_t len, int64_t now, const ig_rank_hev *ev,
			   size_t n, int by_cand)
{
	const ig_rank_ctx *c = u->c;
	const uint32_t *lpos;

	if (++u->gen == 0) {
		/* the stamps wrapped: clear them so that no old entry matches */
		stamped_clear(&u->authors);
		stamped_clear(&u->topics);
		stamped_clear(&u->nbrs);
		if (u->followed)
			memset(u->followed, 0, (ig_intern_count(c->items->authors) + 1) * sizeof(uint32_t));
		u->gen = 1;
	}
	memo_forget(u);
	u->user = user;
	u->user_len = len;
	u->tower_vec = NULL;
	if (c->tower_users) {
		uint32_t r = ig_vectors_find(c->tower_users, user, len);

		if (r != IG_INTERN_NONE)
			u->tower_vec = ig_vectors_row(c->tower_users, r);
	}
	u->now = now;
	u->last_ts = -1;
	u->nevents = 0;
	u->npos = 0;
	memset(u->media, 0, sizeof u->media);
	u->media_total = u->topic_total = u->parent_total = u->topic_max = 0;
	u->nauthors_seen = 0;
	collect_positives(u, ev, n);
	author_logs(u);
	u->f_events = log1pf_pos((double)u->nevents);
	u->f_positives = log1pf_pos((double)u->npos);
	u->f_days_since = u->last_ts >= 0 ? log1pf_pos((double)(u->now - u->last_ts) / 86400) : -1;
	if (c->inputs & IG_RANK_IN_FOLLOWS)
		note_follows(u, user, len);
	u->npos_long = u->npos < (size_t)c->o.long_n ? u->npos : (size_t)c->o.long_n;
	u->npos_short = u->npos < (size_t)c->o.short_n ? u->npos : (size_t)c->o.short_n;
	lpos = u->pos + (u->npos - u->npos_long);
	u->hist_pop = 0;
	for (size_t k = 0; k < u->npos_long; k++)
		u->hist_pop += c->item[lpos[k]].log_iusers;
	if (u->npos_long)
		u->hist_pop /= (double)u->npos_long;
	u->recent_all = (double)count_between(c->all_pt, c->npt, now - (int64_t)c->o.recent, now);
	if (c->items)
		short_topics(u, u->pos + (u->npos - u->npos_short), u->npos_short);
	u->by_cand = by_cand;
	u->vec_by_cand = 0;
	if (c->nb)
		accumulate_neighbors(u, lpos, u->npos_long, u->npos_short, u->by_cand);
	if (c->vec)
		user_vector(u, lpos, u->npos_long);
	if (u->session)
		ig_rank_session_prepare(u->session, ev, n, now);
}

static void prepare(ig_rank_user *u, const char *user, size_t len, int64_t now, int by_cand)
{
	const ig_rank_ctx *c = u->c;
	uint32_t id = ig_intern_find(c->users, user, len);

	if (id == IG_INTERN_NONE)
		prepare_events(u, user, len, now, NULL, 0, by_cand);
	else
		prepare_events(u, user, len, now, c->ev + c->u_start[id], c->u_start[id + 1] - c->u_start[id],
			       by_cand);
}

void ig_rank_user_prepare_events(ig_rank_user *u, const char *user, size_t len, int64_t now,
				 const ig_rank_hev *ev, size_t n)
{
	prepare_events(u, user, len, now, ev, n, 0);
}

void ig_rank_user_prepare(ig_rank_user *u, const char *user, size_t len, int64_t now)
{
	prepare(u, user, len, now, 0);
}

void ig_rank_user_set_now(ig_rank_user *u, int64_t now)
{
	memo_forget(u);
	u->now = now;
	u->recent_all = (double)count_between(u->c->all_pt, u->c->npt, now - (int64_t)u->c->o.recent, now);
	u->f_days_since = u->last_ts >= 0 ? log1pf_pos((double)(u->now - u->last_ts) / 86400) : -1;
	if (u->session)
		ig_rank_session_set_now(u->session, now);
}

static int by_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

void ig_rank_relative(const double *scores, size_t n, double *rank, double *rel)
{
	double *sorted = ig_malloc((n ? n : 1) * sizeof *sorted);
	size_t i;

	memcpy(sorted, scores, n * sizeof *sorted);
	for (i = 1; i < n && !(sorted[i] > sorted[i - 1]); i++)
		;
	/* retrieval writes its candidates best first: no sort then */
	if (i < n)
		qsort(sorted, n, sizeof *sorted, by_desc);
	for (i = 0; i < n; i++) {
		size_t lo = 0, hi = n, m;

		/* the first position whose score is not above this one */
		while (lo < hi) {
			m = (lo + hi) / 2;
			if (sorted[m] > scores[i])
				lo = m + 1;
			else
				hi = m;
		}
		rank[i] = (double)lo + 1;
		rel[i] = n && sorted[0] > 0 ? (double)(float)(scores[i] / sorted[0]) : 0;
	}
	free(sorted);
}

static float *cand_features(const ig_rank_ctx *c, const ig_rank_cand *cd, float *x)
{
	int i;

	if (!(c->inputs & IG_RANK_IN_CANDS))
		return x;
	*x++ = (float)cd->retrieval_score;
	*x++ = (float)cd->nsources;
	*x++ = log1pf_count(cd->rank);
	*x++ = (float)cd->rel;
	for (i = 0; i < c->nsources; i++)
		*x++ = cd->s ? (float)cd->s[i] : 0;
	return x;
}

/* The widths of the blocks that ig_rank_features_part may skip: each the
 * number of values its function below writes. */
enum { USER_WIDTH = 6, NEIGHBOR_WIDTH = 5, VECTOR_WIDTH = 5, TOWER_WIDTH = 1 };

static int item_width(const ig_rank_ctx *c)
{
	return 1 + NPOP + (c->inputs & IG_RANK_IN_IMPRESSIONS ? 1 + NRATE + IG_RANK_LIFT_TYPES : 0);
}

static int meta_width(const ig_rank_ctx *c)
{
	int rates = c->inputs & IG_RANK_IN_IMPRESSIONS ? 1 + NRATE + IG_RANK_LIFT_TYPES : 0;

	return 6 + A_WIDTH + rates + 4 + !!(c->inputs & IG_RANK_IN_TOPICS) + !!(c->inputs & IG_RANK_IN_FOLLOWS);
}

static float *item_features(const ig_rank_ctx *c, uint32_t it, float *x)
{
	const float *pop = it != IG_INTERN_NONE ? c->pop + (size_t)it * IG_EV_COUNT : NULL;
	int i;

	/* from the item's record: in cache, asked for with the user's candidates */
	*x++ = pop ? (float)c->item[it].log_iusers : 0;
	for (i = 0; i < NPOP; i++)
		*x++ = pop ? log1pf_pos(pop[pop_types[i]]) : 0;
	if (c->inputs & IG_RANK_IN_IMPRESSIONS) {
		double imp = pop ? pop[IG_EV_IMPRESSION] : 0;

		*x++ = log1pf_pos(imp);
		/* shrunk towards 0 by one pseudo-impression, so that an item
		 * seen once does not get a rate of 1 */
		for (i = 0; i < NRATE; i++)
			*x++ = pop ? (float)((double)pop[rate_types[i]] / (imp + 1)) : 0;
		/* an item without history gets the global lift */
		for (i = 0; i < IG_RANK_LIFT_TYPES; i++)
			*x++ = c->lift[(size_t)(pop ? it : c->nitems) * IG_RANK_LIFT_TYPES + i];
	}
	return x;
}

static float *user_features(const ig_rank_user *u, uint32_t it, float *x)
{
	const ig_rank_ctx *c = u->c;
	int64_t lo = u->now - (int64_t)c->o.recent;
	double recent = 0;

	*x++ = u->f_events;
	*x++ = u->f_positives;
	*x++ = u->f_days_since;
	if (it != IG_INTERN_NONE)
		recent = (double)count_between(c->pt + c->item[it].pt_start, c->item[it].npt, lo, u->now);
	*x++ = log1pf_count(recent);
	*x++ = u->recent_all > 0 ? (float)(recent / u->recent_all * 1000) : 0;
	*x++ = it != IG_INTERN_NONE ? (float)(c->item[it].log_iusers - u->hist_pop) : (float)-u->hist_pop;
	return x;
}

static float *neighbor_features(const ig_rank_user *u, uint32_t it, float *x)
{
	const float *v = it == IG_INTERN_NONE ? NULL
			 : u->by_cand  ? cand_find(&u->cands, it)
				       : stamped_peek(&u->nbrs, it, u->gen);

	*x++ = v ? v[N_MAXS] : 0;
	*x++ = v && u->npos_short ? v[N_SUMS] / (float)u->npos_short : 0;
	*x++ = v ? v[N_MAXL] : 0;
	*x++ = v && u->npos_long ? v[N_SUML] / (float)u->npos_long : 0;
	*x++ = v && u->npos_long ? v[N_HITS] / (float)u->npos_long : 0;
	return x;
}

/* tower_score: the cosine of the user's and the item's two-tower
 * vectors (--tower), 0 when either has none. */
static float *tower_features(const ig_rank_user *u, uint32_t it, float *x)
{
	const ig_rank_ctx *c = u->c;
	uint32_t r = it != IG_INTERN_NONE ? c->tower_row[it] : IG_INTERN_NONE, d, dim = c->tower_items->dim;
	double dot = 0;

	if (r != IG_INTERN_NONE && u->tower_vec) {
		const float *iv = ig_vectors_row(c->tower_items, r);

		for (d = 0; d < dim; d++)
			dot += (double)u->tower_vec[d] * (double)iv[d];
	}
	*x++ = (float)dot;
	return x;
}

static float *vector_features(const ig_rank_user *u, uint32_t it, float *x)
{
	const ig_rank_ctx *c = u->c;
	uint32_t r = it != IG_INTERN_NONE ? c->vrow[it] : IG_INTERN_NONE, d, dim = c->vec->dim;
	const uint32_t *lpos = u->pos + (u->npos - u->npos_long);
	double maxs = 0, sums = 0, maxl = 0, suml = 0, dot = 0;
	size_t k;

	if (r == IG_INTERN_NONE) {
		memset(x, 0, VECTOR_WIDTH * sizeof *x);
		return x + VECTOR_WIDTH;
	}
	if (u->vec_by_cand && (k = cand_index(&u->cands, it)) != SIZE_MAX) {
		/* made with the user's other candidates (vector_cands) */
		memcpy(x, u->cands.vv + k * VECTOR_WIDTH, VECTOR_WIDTH * sizeof *x);
		return x + VECTOR_WIDTH;
	}
	const float *iv = c->vunit + (size_t)r * dim;
	for (k = 0; k < u->npos_long; k++) {
		uint32_t hr = c->vrow[lpos[k]];
		double s = 0;

		if (hr == IG_INTERN_NONE)
			continue;
		for (d = 0; d < dim; d++)
			s += (double)iv[d] * (double)c->vunit[(size_t)hr * dim + d];
		suml += s;
		if (s > maxl)
			maxl = s;
		if (k >= u->npos_long - u->npos_short) {
			sums += s;
			if (s > maxs)
				maxs = s;
		}
	}
	if (u->has_uvec)
		for (d = 0; d < dim; d++)
			dot += (double)iv[d] * (double)u->uvec[d];
	*x++ = (float)maxs;
	*x++ = u->npos_short ? (float)(sums / (double)u->npos_short) : 0;
	*x++ = (float)maxl;
	*x++ = u->npos_long ? (float)(suml / (double)u->npos_long) : 0;
	*x++ = (float)dot;
	return x;
}

/* Candidates whose vector features vector_block makes at once */
#define V_BLOCK IG_RANK_VEC_LANES

/* The history vectors of the prepared user that the vector features sum
 * over, in the order of vector_features (the long-term positives with a
 * vector, oldest first, then the user's vector if any) into u->vhv,
 * whether each is among the short-term ones into u->vshort; their count
 * into u->nvhv, the user's vector's place (or none: SIZE_MAX) into
 * u->vuser. */
static void vector_history(ig_rank_user *u)
{
	const ig_rank_ctx *c = u->c;
	uint32_t dim = c->vec->dim;
	const uint32_t *lpos = u->pos + (u->npos - u->npos_long);
	size_t k, n = 0;

	if (u->npos_long + 1 > u->vhv_cap) {
		u->vhv_cap = 2 * (u->npos_long + 1);
		u->vhv = ig_reallocarray(u->vhv, u->vhv_cap, sizeof *u->vhv);
		u->vshort = ig_reallocarray(u->vshort, u->vhv_cap, sizeof *u->vshort);
		u->vs = ig_reallocarray(u->vs, u->vhv_cap, V_BLOCK * sizeof *u->vs);
	}
	for (k = 0; k < u->npos_long; k++) {
		uint32_t hr = c->vrow[lpos[k]];

		if (hr == IG_INTERN_NONE)
			continue;
		u->vhv[n] = c->vunit + (size_t)hr * dim;
		u->vshort[n++] = k >= u->npos_long - u->npos_short;
	}
	u->vuser = SIZE_MAX;
	if (u->has_uvec) {
		u->vuser = n;
		u->vhv[n] = u->uvec;
		u->vshort[n++] = 0;
	}
	u->nvhv = n;
	if (u->ivt == NULL)
		u->ivt = ig_malloc(((size_t)dim + 1) * V_BLOCK * sizeof *u->ivt);
}

/* vector_features of the NB (at most V_BLOCK) candidates of vectors IV
 * into OUT, with the same sums in the same order (each candidate's dot
 * products over the dimensions in turn, then over the history): the
 * candidates' vectors are interleaved once, and rank/ig_rank_vec_kernel
 * makes V_BLOCK sums at once (and several history vectors' at once),
 * where vector_features waits for each addition of one, so the values
 * are the same bits. The lanes past NB repeat the first. Needs
 * vector_history. */
static void vector_block(ig_rank_user *u, const float *iv[V_BLOCK], float *out[V_BLOCK], int nb)
{
	const ig_rank_ctx *c = u->c;
	uint32_t d, dim = c->vec->dim;
	double maxs[V_BLOCK], sums[V_BLOCK], maxl[V_BLOCK], suml[V_BLOCK];
	const double *s, *su = NULL;
	size_t k, nh = u->nvhv - (u->vuser != SIZE_MAX);
	int b;

	for (b = nb; b < V_BLOCK; b++)
		iv[b] = iv[0];
	for (d = 0; d < dim; d++)
		for (b = 0; b < V_BLOCK; b++)
			u->ivt[(size_t)d * V_BLOCK + (size_t)b] = (double)iv[b][d];
	ig_rank_dots8(c->vec_isa, u->ivt, dim, u->vhv, u->nvhv, u->vs);
	for (b = 0; b < V_BLOCK; b++)
		maxs[b] = sums[b] = maxl[b] = suml[b] = 0;
	for (k = 0; k < nh; k++) {
		s = u->vs + k * V_BLOCK;
		for (b = 0; b < V_BLOCK; b++) {
			suml[b] += s[b];
			if (s[b] > maxl[b])
				maxl[b] = s[b];
			if (u->vshort[k]) {
				sums[b] += s[b];
				if (s[b] > maxs[b])
					maxs[b] = s[b];
			}
		}
	}
	/* the dot products with the user's vector, 0 without one */
	if (u->vuser != SIZE_MAX)
		su = u->vs + u->vuser * V_BLOCK;
	for (b = 0; b < nb; b++) {
		float *x = out[b];

		*x++ = (float)maxs[b];
		*x++ = u->npos_short ? (float)(sums[b] / (double)u->npos_short) : 0;
		*x++ = (float)maxl[b];
		*x++ = u->npos_long ? (float)(suml[b] / (double)u->npos_long) : 0;
		*x++ = su ? (float)su[b] : 0;
	}
}
_Static_assert(V_BLOCK == 8, "the kernel's lanes are two vectors of four doubles");

/* Asks for the NB vectors of DIM floats at IV. */
static void prefetch_vectors(const float *const *iv, size_t nb, uint32_t dim)
{
	size_t b, at;

	for (b = 0; b < nb; b++)
		for (at = 0; at < dim; at += 64 / sizeof **iv)
			__builtin_prefetch(iv[b] + at);
	if (nb && dim % (64 / sizeof **iv))
		for (b = 0; b < nb; b++)
			__builtin_prefetch(iv[b] + dim - 1);
}

/* The vector features of every candidate marked in u->cands into
 * cands.vv, V_BLOCK candidates at a time: the user's history vectors are
 * read once per block rather than once per candidate, and the next
 * block's vectors are asked for while one is summed (a candidate's
 * vector is a cache miss of several lines). */
static void vector_cands(ig_rank_user *u)
{
	const ig_rank_ctx *c = u->c;
	const cand_sums *t = &u->cands;
	uint32_t dim = c->vec->dim;
	const float *iv[V_BLOCK];
	float *out[V_BLOCK];
	size_t i, n = 0, at, nb;

	if (t->mask + 1 > u->vc_cap) {
		u->vc_cap = (size_t)t->mask + 1;
		u->vcand = ig_reallocarray(u->vcand, u->vc_cap, sizeof *u->vcand);
		u->vout = ig_reallocarray(u->vout, u->vc_cap, sizeof *u->vout);
	}
	for (i = 0; i <= t->mask; i++) {
		uint32_t r;

		if (t->key[i] == 0)
			continue;
		r = c->vrow[t->key[i] - 1];
		if (r == IG_INTERN_NONE) {
			memset(t->vv + i * VECTOR_WIDTH, 0, VECTOR_WIDTH * sizeof *t->vv);
			continue;
		}
		u->vcand[n] = c->vunit + (size_t)r * dim;
		u->vout[n++] = t->vv + i * VECTOR_WIDTH;
	}
	prefetch_vectors(u->vcand, n < V_BLOCK ? n : V_BLOCK, dim);
	vector_history(u);
	for (at = 0; at < n; at += V_BLOCK) {
		nb = n - at < V_BLOCK ? n - at : V_BLOCK;
		if (at + V_BLOCK < n)
			prefetch_vectors(u->vcand + at + V_BLOCK, n - at - V_BLOCK < V_BLOCK ? n - at - V_BLOCK : V_BLOCK,
					 dim);
		memcpy(iv, u->vcand + at, nb * sizeof *iv);
		memcpy(out, u->vout + at, nb * sizeof *out);
		vector_block(u, iv, out, (int)nb);
	}
}

void ig_rank_user_prepare_for(ig_rank_user *u, const char *user, size_t len, int64_t now, const uint32_t *items,
			      size_t n)
{
	const ig_rank_ctx *c = u->c;
	size_t i;

	if (c->nb || c->vec) {
		cand_reset(&u->cands, n, N_WIDTH, c->vec ? VECTOR_WIDTH : 0);
		for (i = 0; i < n; i++)
			if (items[i] != IG_INTERN_NONE)
				cand_add(&u->cands, items[i]);
	}
	prepare(u, user, len, now, c->nb != NULL);
	if (c->vec) {
		vector_cands(u);
		u->vec_by_cand = 1;
	}
}

/* The author's impressions and rates per impression over all its items,
 * shrunk as the item's are. */
static float *author_rates(const ig_rank_ctx *c, uint32_t author, float *x)
{
	const float *pop = c->apop + (size_t)author * IG_EV_COUNT;
	double imp = pop[IG_EV_IMPRESSION];
	int i;

	*x++ = log1pf_pos(imp);
	for (i = 0; i < NRATE; i++)
		*x++ = (float)((double)pop[rate_types[i]] / (imp + 1));
	for (i = 0; i < IG_RANK_LIFT_TYPES; i++)
		*x++ = c->alift[(size_t)author * IG_RANK_LIFT_TYPES + i];
	return x;
}

/* The topic values of meta_features of item R into OUT: its topics' counts
 * in the user's history against the user's totals. */
static void topic_values(const ig_rank_user *u, const ig_rank_item *r, float *out)
{
	const ig_rank_ctx *c = u->c;
	const uint32_t *topic_list = c->items->topic_list;
	const float *tv;
	double aff = 0, neg = 0, paff = 0, saff = 0;
	uint32_t k, p;

	for (k = r->topic_start; k < r->topic_end; k++) {
		tv = stamped_peek(&u->topics, topic_list[k], u->gen);
		if (tv) {
			aff += (double)tv[T_POS];
			neg += (double)tv[T_NEG];
			saff += (double)tv[T_SHORT];
		}
		p = c->parent && topic_list[k] < c->ntopics ? c->parent[topic_list[k]] : IG_INTERN_NONE;
		if (p != IG_INTERN_NONE && (tv = stamped_peek(&u->topics, p, u->gen)) != NULL)
			paff += (double)tv[T_PARENT];
	}
	*out++ = u->topic_total > 0 ? (float)(aff / u->topic_total) : 0;
	/* against the user's own top topic: a focused user's second topic
	 * and a broad user's first can have the same share */
	*out++ = u->topic_max > 0 ? (float)(aff / u->topic_max) : 0;
	*out++ = u->npos_short ? (float)(saff / (double)u->npos_short) : 0;
	*out++ = log1pf_pos(neg);
	*out = u->parent_total > 0 ? (float)(paff / u->parent_total) : 0;
}

/* The memo of item IT's list of topics (item R), made if it is not of
 * this preparation. */
static const topic_memo *memo_of(ig_rank_user *u, uint32_t it, const ig_rank_item *r)
{
	topic_memo *m = &u->memo[r->topic_set];

	if (m->stamp != u->memo_gen) {
		topic_values(u, r, m->meta);
		if (u->session)
			ig_rank_session_topic_features(u->session, it, m->session);
		m->stamp = u->memo_gen;
	}
	return m;
}

static float *meta_features(ig_rank_user *u, uint32_t it, unsigned parts, float *x)
{
	const ig_rank_ctx *c = u->c;
	const ig_items *items = c->items;
	const ig_rank_item *r;
	const float *a;
	int i, rates = c->inputs & IG_RANK_IN_IMPRESSIONS ? 1 + NRATE + IG_RANK_LIFT_TYPES : 0;
	int width = meta_width(c);

	if (it == IG_INTERN_NONE || it >= items->count) {
		memset(x, 0, (size_t)width * sizeof *x);
		x[0] = -1;
		return x + width;
	}
	r = &c->item[it];
	if (!(parts & IG_RANK_F_REST)) {
		/* the media and the author's rates (the record's, an item of
		 * the items stream's) */
		for (i = 0; i < IG_MEDIA_COUNT; i++)
			x[1 + i] = r->media == i;
		if (rates)
			author_rates(c, r->author, x + 2 + IG_MEDIA_COUNT + A_WIDTH);
		return x + width;
	}
	*x++ = r->created >= 0 ? log1pf_pos((double)(u->now - r->created) / 86400) : -1;
	if (parts & IG_RANK_F_ITEM)
		for (i = 0; i < IG_MEDIA_COUNT; i++)
			x[i] = r->media == i;
	x += IG_MEDIA_COUNT;
	*x++ = u->media_total > 0 ? (float)(u->media[r->media] / u->media_total) : 0;
	a = stamped_peek(&u->authors, r->author, u->gen);
	for (i = 0; i < A_WIDTH; i++)
		*x++ = a ? a[i] : 0; /* already log 1 + count (author_logs) */
	if (rates) {
		if (parts & IG_RANK_F_ITEM)
			author_rates(c, r->author, x);
		x += rates;
	}
	/* topic_affinity .. topic_negative, topic_parent_affinity */
	i = 4 + !!(c->inputs & IG_RANK_IN_TOPICS);
	memcpy(x, memo_of(u, it, r)->meta, (size_t)i * sizeof *x);
	x += i;
	if (c->inputs & IG_RANK_IN_FOLLOWS) {
		*x++ = u->followed[r->author] == u->gen;
	}
	return x;
}

uint32_t ig_rank_item_number(const ig_rank_ctx *c, const char *item, size_t len, uint64_t hash)
{
	return ig_intern_find_hashed(c->item_ids, item, len, hash);
}

uint32_t ig_rank_item_count(const ig_rank_ctx *c)
{
	return c->nitems;
}

void ig_rank_item_number_prefetch(const ig_rank_ctx *c, uint64_t hash, int stage)
{
	ig_intern_prefetch(c->item_ids, hash, stage);
}

/* What user_features, neighbor_features and meta_features read of item
 * IT beyond the user's own tables. */
void ig_rank_features_prefetch(const ig_rank_user *u, uint32_t it, int stage)
{
	const ig_rank_ctx *c = u->c;
	const ig_rank_item *r;

	if (it == IG_INTERN_NONE)
		return;
	r = &c->item[it];
	if (stage == 0) {
		__builtin_prefetch(r);
	} else if (stage == 1) {
		__builtin_prefetch(&c->pt[r->pt_start]);
		if (r->npt > 0)
			__builtin_prefetch(&c->pt[r->pt_start + r->npt - 1]);
		if (r->meta) {
			__builtin_prefetch(&u->authors.e[r->author]);
			if (u->followed)
				__builtin_prefetch(&u->followed[r->author]);
			__builtin_prefetch(&c->items->topic_list[r->topic_start]);
		}
	}
}

int ig_rank_feature_item_only(const char *name)
{
	static const char *const whole[] = {"item_users", "item_impressions", "author_impressions", "media_photo",
					    "media_video", "media_reel", "media_carousel"};
	static const char *const per_type[] = {"item_pop_", "item_rate_", "item_lift_", "author_rate_",
					       "author_lift_"};
	size_t i, n;

	for (i = 0; i < sizeof whole / sizeof whole[0]; i++)
		if (strcmp(name, whole[i]) == 0)
			return 1;
	for (i = 0; i < sizeof per_type / sizeof per_type[0]; i++) {
		n = strlen(per_type[i]);
		/* item_pop_gap is against the user's history: not an event type */
		if (strncmp(name, per_type[i], n) == 0 && ig_event_parse(name + n) >= 0)
			return 1;
	}
	return 0;
}

int ig_rank_nretrieval(const ig_rank_ctx *c)
{
	return c->inputs & IG_RANK_IN_CANDS ? 4 + c->nsources : 0;
}

int ig_rank_feature_user_only(const char *name)
{
	static const char *const names[] = {"user_events", "user_positives", "user_days_since_last", "hour", "dow"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

void ig_rank_features_part(ig_rank_user *u, const ig_rank_cand *cd, uint32_t it, unsigned parts, float *x)
{
	const ig_rank_ctx *c = u->c;
	int64_t day = u->now >= 0 ? u->now % 86400 : 0;

	x = (parts & (IG_RANK_F_REST | IG_RANK_F_NO_RETRIEVAL)) == IG_RANK_F_REST ? cand_features(c, cd, x)
										     : x + ig_rank_nretrieval(c);
	if (parts & IG_RANK_F_ITEM)
		item_features(c, it, x);
	x += item_width(c);
	if (!(parts & IG_RANK_F_REST)) {
		/* user, neighbour and vector features: none is the item's alone */
		x += USER_WIDTH + (c->inputs & IG_RANK_IN_NEIGHBORS ? NEIGHBOR_WIDTH : 0) +
		     (c->inputs & IG_RANK_IN_VECTORS ? VECTOR_WIDTH : 0) +
		     (c->inputs & IG_RANK_IN_TOWER ? TOWER_WIDTH : 0);
	} else {
		x = user_features(u, it, x);
		if (c->inputs & IG_RANK_IN_NEIGHBORS)
			x = neighbor_features(u, it, x);
		if (c->inputs & IG_RANK_IN_VECTORS)
			x = vector_features(u, it, x);
		if (c->inputs & IG_RANK_IN_TOWER)
			x = tower_features(u, it, x);
	}
	if (c->inputs & IG_RANK_IN_ITEMS)
		x = meta_features(u, it, parts, x);
	if (!(parts & IG_RANK_F_REST))
		x += ig_rank_session_width(c); /* none is the item's alone */
	else if (u->session && it != IG_INTERN_NONE && c->item[it].meta) {
		/* the memo made by meta_features (the session needs items) */
		memcpy(x, u->memo[c->item[it].topic_set].session, sizeof u->memo->session);
		x = ig_rank_session_media_features(u->session, it, x + IG_RANK_SESSION_TOPIC_WIDTH);
	} else if (u->session) {
		x = ig_rank_session_features(u->session, it, x);
	}
	*x++ = (float)(day / 3600);
	/* 1970-01-01 was a Thursday; 0 is Monday */
	*x++ = (float)((u->now / 86400 + 3) % 7);
}

void ig_rank_features(ig_rank_user *u, const ig_rank_cand *cd, float *x)
{
	ig_rank_features_part(u, cd, ig_intern_find(u->c->item_ids, cd->item, cd->item_len),
			      IG_RANK_F_ITEM | IG_RANK_F_REST, x);
}
