/* Offline ranking metrics of ig-eval, on one user's ranked list at a time,
 * plus the catalog-level measures (coverage, Gini). Pure arithmetic on
 * dense item numbers: reading streams is ig_eval_recs.h's job, joining
 * users is ig_eval_score.h's. Definitions are those of ig-eval(1):
 *
 *   L    the user's list in rank order with repeated items dropped (the
 *        first occurrence stays); L_K its first min(K, |L|) entries
 *   R    the relevant items with their grades g > 0 (repeats keep the
 *        largest grade)
 *   hits@K       |L_K ∩ R|
 *   recall@K     hits@K / |R|
 *   precision@K  hits@K / K (K, not |L_K|: a short list is not rewarded)
 *   hitrate@K    1 if hits@K > 0
 *   ndcg@K       DCG/IDCG, gain 1 per hit, discount log2(rank + 1); the
 *                ideal list puts min(K, |R|) relevant items first
 *   ndcg_graded@K  the same with gain g(item) (linear gain)
 *   map@K        sum over hit ranks r <= K of hits@r / r, over min(K, |R|)
 *   mrr@K        1 / rank of the first hit within K, else 0
 */
#ifndef IG_EVAL_METRICS_H
#define IG_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define IG_EVAL_MAX_K 16

/* Per-user relevance metrics, in output order. */
enum {
	IG_EM_RECALL,
	IG_EM_PRECISION,
	IG_EM_NDCG,
	IG_EM_NDCG_GRADED,
	IG_EM_MAP,
	IG_EM_MRR,
	IG_EM_HITRATE,
	IG_EM_REL_COUNT
};

extern const char *const ig_eval_rel_names[IG_EM_REL_COUNT];

/* Scratch space indexed by item number; reused across users so that a
 * user costs O(|list| + |R|), not O(catalog). */
typedef struct ig_eval_ctx {
	int nk;
	int k[IG_EVAL_MAX_K];   /* ascending, distinct, >= 1 */
	uint32_t *rel_stamp;    /* item is relevant for the current user when == gen */
	double *rel_grade;
	uint32_t *list_stamp;   /* item already listed for the current user when == gen */
	size_t cap;
	uint32_t gen;
	double *gains;          /* sorted grades, for the ideal DCG */
	uint32_t *rel_items;    /* the relevant items once each */
	size_t gains_cap;
} ig_eval_ctx;

/* K values ascending and distinct, 1 <= K; NK <= IG_EVAL_MAX_K. */
void ig_eval_ctx_init(ig_eval_ctx *c, const int *k, int nk);
void ig_eval_ctx_free(ig_eval_ctx *c);

typedef struct ig_eval_user_result {
	size_t nrel;                     /* |R| after dropping repeats */
	size_t nuniq;                    /* |L| */
	double m[IG_EVAL_MAX_K][IG_EM_REL_COUNT];
	uint32_t hits[IG_EVAL_MAX_K];
	/* Positions in the input list of L's entries (nuniq of them), and
	 * whether each is relevant: what exposure and source shares need. */
	size_t *uniq_pos;
	unsigned char *uniq_hit;
	size_t uniq_cap;
} ig_eval_user_result;

void ig_eval_user_result_free(ig_eval_user_result *r);

/* Scores LIST (N item numbers in rank order) against REL (NREL item
 * numbers with GRADE > 0; GRADE NULL means all 1). NREL must be > 0. */
void ig_eval_user(ig_eval_ctx *c, const uint32_t *list, size_t n, const uint32_t *rel,
		  const double *grade, size_t nrel, ig_eval_user_result *out);

/* Mean self-information -log2(max(pop, 1) / NUSERS) of ITEMS (N > 0);
 * POP[item] is the number of train users who engaged with it, 0 for items
 * at or beyond NPOP. */
double ig_eval_novelty(const uint32_t *items, size_t n, const uint32_t *pop, size_t npop,
		       uint64_t nusers);

/* Distance (>= 0) of two items for intra-list diversity, or a negative
 * number when it is unknown for the pair (which is then left out). */
typedef double (*ig_eval_dist_fn)(uint32_t a, uint32_t b, void *ctx);

/* Intra-list diversity at each K of C: the mean distance over pairs of
 * L_K whose distance is known. OUT[j] gets the value for C->k[j], and
 * DEFINED[j] 0 when no pair of L_K has a known distance. */
void ig_eval_ild(const ig_eval_ctx *c, const uint32_t *items, size_t n, ig_eval_dist_fn dist,
		 void *ctx, double *out, unsigned char *defined);

/* 1 - |A ∩ B| / |A ∪ B| of two sorted, repeat-free topic lists; -1 when
 * both are empty. */
double ig_eval_jaccard_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

/* Gini coefficient of COUNTS (N entries, zeros included):
 * sum_i (2i - N - 1) c_(i) / (N sum c), c ascending, i from 1; 0 when all
 * counts are 0 or N < 2. COUNTS is reordered. */
double ig_eval_gini(uint64_t *counts, size_t n);

#endif
