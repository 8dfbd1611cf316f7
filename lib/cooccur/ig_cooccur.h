/* ig-cooccur: co-occurrence similarity between entities (items, authors,
 * or items and authors) from per-user engagement histories.
 *
 * Definitions (the man page ig-cooccur(1) says the same):
 * - x(u,i): the largest weight of user u's engagements with entity i;
 *   f(u): the user weight (1, 1/log2(1+n) or 1/sqrt(n), n the length of
 *   the user's history after --max-history).
 * - c(u,i,j): the largest w_p * w_q * decay(ts_q - ts_p) over the pairs
 *   of positions p, q of u's history with entities i and j that fall in
 *   one window; with --window all and no decay that is x(u,i) * x(u,j).
 * - W(i,j) = sum over users of f(u) * c(u,i,j); S(i,j) the number of
 *   users with c > 0 (the support); N(i) = sum of f(u) * x(u,i)^2;
 *   R(i) = sum over j of W(i,j); Z = sum over i of R(i).
 * Every sum is kept in fixed point (units of 2^-20, each term rounded),
 * so that the result does not depend on the order of summation: one
 * process, many shards, threads, or spilled runs give the same bits. */
#ifndef IG_COOCCUR_H
#define IG_COOCCUR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "io/ig_engage.h"
#include "core/ig_intern.h"
#include "io/ig_items.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"

#define IG_COOC_SCALE 1048576.0 /* 2^20: fixed-point units per 1.0 */

/* Entities: those of ig_engage, and items paired with authors. */
#define IG_COOC_ENTITY_ITEM_AUTHOR 3

enum ig_cooc_window {
	IG_COOC_WIN_ALL,     /* the whole history */
	IG_COOC_WIN_SESSION, /* same session: gaps of at most ARG seconds */
	IG_COOC_WIN_LAST,    /* at most ARG engagements apart */
	IG_COOC_WIN_TIME     /* at most ARG seconds apart */
};

enum ig_cooc_score {
	IG_COOC_COUNT,
	IG_COOC_COSINE,
	IG_COOC_JACCARD,
	IG_COOC_LIFT,
	IG_COOC_PMI,
	IG_COOC_SWING,
	IG_COOC_EASE
};

enum ig_cooc_user_weight { IG_COOC_UW_NONE, IG_COOC_UW_LOG, IG_COOC_UW_SQRT };
enum ig_cooc_engine { IG_COOC_ENGINE_AUTO, IG_COOC_ENGINE_ROWS, IG_COOC_ENGINE_PAIRS };

typedef struct ig_cooc_opts {
	ig_engage_opts engage;  /* weights, min view value, items */
	int entity;             /* enum ig_entity or IG_COOC_ENTITY_ITEM_AUTHOR */
	int window;             /* enum ig_cooc_window */
	int64_t window_arg;
	double half_life;       /* seconds; 0: no decay */
	int user_weight;        /* enum ig_cooc_user_weight */
	uint64_t max_history;   /* keep the last N engagements; 0: all */
	uint32_t shard, nshards;
	int score;              /* enum ig_cooc_score */
	uint32_t top_k;
	uint64_t min_support;
	double shrink;          /* < 0: the score's default */
	double swing_alpha;
	double ease_lambda;     /* EASE's L2 weight */
	uint32_t ease_items;    /* EASE: the entities with the most users */
	int engine;             /* enum ig_cooc_engine */
	ig_pool *pool;          /* the threads to run on; NULL: the caller's only */
	uint64_t memory;
	const char *tmpdir;
	int verbose;
} ig_cooc_opts;

void ig_cooc_opts_default(ig_cooc_opts *o);
/* Parsers: 0, or -1 when S is not valid. */
int ig_cooc_window_parse(const char *s, int *window, int64_t *arg);
int ig_cooc_score_parse(const char *s);
int ig_cooc_user_weight_parse(const char *s);
int ig_cooc_entity_parse(const char *s);
const char *ig_cooc_score_name(int score);
/* The shrinkage in effect: --shrink, or 10 for lift and pmi, 0 else. */
double ig_cooc_shrink(const ig_cooc_opts *o);

/* f(u) for a history of N engagements. */
double ig_cooc_user_weight(int kind, size_t n);

/* One rounded fixed-point term F * XA * XB * D. The product is written
 * so that swapping XA and XB gives the same bits. */
static inline uint64_t ig_cooc_fixed(double v)
{
	/* Terms stay below 2^63 (weights are at most 1e6), and the signed
	 * conversion is the cheap one. */
	return (uint64_t)(int64_t)(v * IG_COOC_SCALE + 0.5);
}
static inline uint64_t ig_cooc_term(double f, double xa, double xb, double d)
{
	return ig_cooc_fixed(f * (xa * xb * d));
}
/* Adds with an overflow check (dies: the weights are too large). */
void ig_cooc_overflow(void);
static inline void ig_cooc_add(uint64_t *acc, uint64_t v)
{
	if (__builtin_add_overflow(*acc, v, acc))
		ig_cooc_overflow();
}

/* A pair key: A in the high half, B in the low half. */
static inline uint64_t ig_cooc_key(uint32_t a, uint32_t b) { return (uint64_t)a << 32 | b; }
static inline uint32_t ig_cooc_key_a(uint64_t k) { return (uint32_t)(k >> 32); }
static inline uint32_t ig_cooc_key_b(uint64_t k) { return (uint32_t)k; }

/* Per-entity sums of one side (rows; or the authors of item-author). */
typedef struct ig_cooc_side {
	const ig_intern *ids;
	uint64_t *norm;    /* N(i) */
	uint64_t *users;   /* number of users with i */
	uint64_t *sum;     /* R(i) */
	uint32_t *rank;    /* position of the id in bytewise order */
	size_t cap;
} ig_cooc_side;

void ig_cooc_side_init(ig_cooc_side *s, const ig_intern *ids);
/* Makes room for entity numbers below N (new ones zeroed). */
void ig_cooc_side_reserve(ig_cooc_side *s, size_t n);
/* Fills rank[] from the ids (bytewise order). */
void ig_cooc_side_rank(ig_cooc_side *s);
void ig_cooc_side_free(ig_cooc_side *s);

/* Z: the sum of R over the first N entities, summed exactly. */
double ig_cooc_total(const ig_cooc_side *s, size_t n);

/* Turns the sums of a pair into its score. */
typedef struct ig_cooc_scorer {
	int score;
	double shrink;
	uint64_t min_support;
	const ig_cooc_side *row, *col; /* col == row for symmetric pairs */
	double z;                      /* Z, for lift and pmi */
} ig_cooc_scorer;

/* Stores the score of pair (A, B) in *OUT and returns 1, or returns 0
 * when the pair is not a neighbour (support below the minimum, or a
 * score of 0 or less; for lift, 1 or less). Inline, so that both engines
 * compute the same bits (ISO C mode: no contraction into FMA). */
static inline int ig_cooc_score_pair(const ig_cooc_scorer *sc, uint32_t a, uint32_t b, uint64_t w,
				     uint64_t s, double *out)
{
	double v, dw = (double)w, shrink = 1;

	if (s < sc->min_support || w == 0)
		return 0;
	if (sc->shrink > 0)
		shrink = (double)s / ((double)s + sc->shrink);
	switch (sc->score) {
	case IG_COOC_COUNT:
	case IG_COOC_SWING:
		v = dw / IG_COOC_SCALE * shrink;
		break;
	case IG_COOC_COSINE:
		v = dw / sqrt((double)sc->row->norm[a] * (double)sc->col->norm[b]) * shrink;
		break;
	case IG_COOC_JACCARD:
		v = dw / ((double)sc->row->norm[a] + (double)sc->col->norm[b] - dw) * shrink;
		break;
	case IG_COOC_LIFT:
		v = dw * sc->z / ((double)sc->row->sum[a] * (double)sc->col->sum[b]);
		v = 1 + (v - 1) * shrink;
		if (!(v > 1) || isinf(v))
			return 0;
		*out = v;
		return 1;
	case IG_COOC_PMI:
		v = log(dw * sc->z / ((double)sc->row->sum[a] * (double)sc->col->sum[b])) * shrink;
		break;
	default:
		return 0;
	}
	/* A sum that rounded to 0 in fixed point (a tiny weight squared),
	 * or partial counts without an entity's sums, divide by 0: such a
	 * pair has no score, rather than "inf" in the output. */
	if (!(v > 0) || isinf(v))
		return 0;
	*out = v;
	return 1;
}

/* The K best neighbours of every row entity (score, then the
 * neighbour's rank: the total order that makes output deterministic). */
typedef struct ig_cooc_nb {
	double score;
	uint32_t nb;
	uint32_t rank;
	uint64_t support;
} ig_cooc_nb;

typedef struct ig_cooc_topk {
	uint32_t k;
	ig_cooc_nb **lists; /* per row entity, NULL until its first neighbour */
	uint32_t *len;
	size_t cap;
} ig_cooc_topk;

void ig_cooc_topk_init(ig_cooc_topk *t, uint32_t k, size_t rows);
void ig_cooc_topk_push(ig_cooc_topk *t, uint32_t row, const ig_cooc_nb *nb);

/* X ranks below Y: a lower score, or the same score and a later id. */
static inline int ig_cooc_nb_worse(const ig_cooc_nb *x, const ig_cooc_nb *y)
{
	return x->score < y->score || (x->score == y->score && x->rank > y->rank);
}

/* ig_cooc_topk_push, with the common case (a full list that NB does
 * not beat) inline. */
static inline void ig_cooc_topk_offer(ig_cooc_topk *t, uint32_t row, const ig_cooc_nb *nb)
{
	if (t->len[row] == t->k && t->k > 0 && !ig_cooc_nb_worse(&t->lists[row][0], nb))
		return;
	ig_cooc_topk_push(t, row, nb);
}
/* Sorts each list best first. */
void ig_cooc_topk_finish(ig_cooc_topk *t);
void ig_cooc_topk_free(ig_cooc_topk *t);

/* Writes the neighbors stream body: rows in bytewise order of their ids,
 * each list best first. Returns the number of records. */
uint64_t ig_cooc_write_neighbors(ig_writer *w, const ig_cooc_topk *t, const ig_cooc_side *row,
				 const ig_cooc_side *col);

#endif
