/* ig-eval's metrics against values worked out by hand (see each case's
 * comment): cutoffs beyond the list, repeats in the list and in the
 * relevant set, empty lists, ties in list order, Gini, novelty,
 * diversity, the t-test and the split's per-user cut. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/ig_eval_io.h"
#include "eval/ig_eval_metrics.h"
#include "eval/ig_eval_report.h"
#include "eval/ig_eval_split.h"

#define EPS 1e-6
#define A 0
#define B 1
#define C 2
#define D 3
#define E 4
#define F 5

static void assert_close(double got, double want)
{
	if (fabs(got - want) > EPS)
		fail_msg("got %.9f, want %.9f", got, want);
}

/* L = A B C D E, R = {B, D, F}; K = 1, 3, 5, 10 (10 > |L|).
 * hits: 0, 1 (B at rank 2), 2 (D at rank 4), 2.
 * IDCG@3 = IDCG@5 = 1 + 1/log2 3 + 1/2 = 2.1309298.
 * ndcg@3 = (1/log2 3) / 2.1309298 = 0.2960819
 * ndcg@5 = (1/log2 3 + 1/log2 5) / 2.1309298 = 0.4981893
 * map@3 = (1/2) / 3; map@5 = (1/2 + 2/4) / 3; map@10 = the same / min(10, 3). */
static void test_basic(void **state)
{
	static const int k[] = {1, 3, 5, 10};
	static const uint32_t list[] = {A, B, C, D, E};
	static const uint32_t rel[] = {B, D, F};
	ig_eval_ctx c;
	ig_eval_user_result r = {0};

	(void)state;
	ig_eval_ctx_init(&c, k, 4);
	ig_eval_user(&c, list, 5, rel, NULL, 3, &r);
	assert_int_equal(r.nrel, 3);
	assert_int_equal(r.nuniq, 5);
	assert_int_equal(r.hits[0], 0);
	assert_int_equal(r.hits[1], 1);
	assert_int_equal(r.hits[2], 2);
	assert_int_equal(r.hits[3], 2);
	assert_close(r.m[0][IG_EM_RECALL], 0);
	assert_close(r.m[1][IG_EM_RECALL], 1.0 / 3);
	assert_close(r.m[2][IG_EM_RECALL], 2.0 / 3);
	assert_close(r.m[3][IG_EM_RECALL], 2.0 / 3);
	assert_close(r.m[1][IG_EM_PRECISION], 1.0 / 3);
	assert_close(r.m[2][IG_EM_PRECISION], 2.0 / 5);
	assert_close(r.m[3][IG_EM_PRECISION], 2.0 / 10); /* over K, not |L| */
	assert_close(r.m[0][IG_EM_NDCG], 0);
	assert_close(r.m[1][IG_EM_NDCG], 0.2960819109658652);
	assert_close(r.m[2][IG_EM_NDCG], 0.49818925746641285);
	assert_close(r.m[3][IG_EM_NDCG], 0.49818925746641285);
	/* Without grades, graded NDCG is binary NDCG. */
	assert_close(r.m[2][IG_EM_NDCG_GRADED], 0.49818925746641285);
	assert_close(r.m[0][IG_EM_MAP], 0);
	assert_close(r.m[1][IG_EM_MAP], 0.5 / 3);
	assert_close(r.m[2][IG_EM_MAP], 1.0 / 3);
	assert_close(r.m[3][IG_EM_MAP], 1.0 / 3);
	assert_close(r.m[0][IG_EM_MRR], 0);
	assert_close(r.m[1][IG_EM_MRR], 0.5);
	assert_close(r.m[3][IG_EM_MRR], 0.5);
	assert_close(r.m[0][IG_EM_HITRATE], 0);
	assert_close(r.m[1][IG_EM_HITRATE], 1);
	ig_eval_user_result_free(&r);
	ig_eval_ctx_free(&c);
}

/* Grades B=2, D=3, F=1, same list.
 * @5: DCG = 2/log2 3 + 3/log2 5; IDCG = 3 + 2/log2 3 + 1/2 -> 0.5363218
 * @3: DCG = 2/log2 3; the same IDCG -> 0.2649930 */
static void test_graded(void **state)
{
	static const int k[] = {3, 5};
	static const uint32_t list[] = {A, B, C, D, E};
	static const uint32_t rel[] = {B, D, F};
	static const double grade[] = {2, 3, 1};
	ig_eval_ctx c;
	ig_eval_user_result r = {0};

	(void)state;
	ig_eval_ctx_init(&c, k, 2);
	ig_eval_user(&c, list, 5, rel, grade, 3, &r);
	assert_close(r.m[0][IG_EM_NDCG_GRADED], 0.26499301486112564);
	assert_close(r.m[1][IG_EM_NDCG_GRADED], 0.5363218250207072);
	assert_close(r.m[1][IG_EM_NDCG], 0.49818925746641285);
	ig_eval_user_result_free(&r);
	ig_eval_ctx_free(&c);
}

/* L = B B A D (B repeated) is B A D; R = {B, D}.
 * @2: hits 1, recall 1/2, precision 1/2, ndcg 1 / (1 + 1/log2 3) = 0.6131472
 * @3: hits 2, ndcg (1 + 1/2) / (1 + 1/log2 3) = 0.9197208, map (1 + 2/3) / 2 */
static void test_duplicates(void **state)
{
	static const int k[] = {2, 3};
	static const uint32_t list[] = {B, B, A, D};
	static const uint32_t rel[] = {B, D, B};
	static const double grade[] = {1, 1, 1};
	ig_eval_ctx c;
	ig_eval_user_result r = {0};

	(void)state;
	ig_eval_ctx_init(&c, k, 2);
	ig_eval_user(&c, list, 4, rel, grade, 3, &r);
	assert_int_equal(r.nrel, 2); /* B listed twice in R counts once */
	assert_int_equal(r.nuniq, 3);
	assert_int_equal(r.uniq_pos[0], 0);
	assert_int_equal(r.uniq_pos[1], 2);
	assert_int_equal(r.uniq_pos[2], 3);
	assert_int_equal(r.uniq_hit[0], 1);
	assert_int_equal(r.uniq_hit[1], 0);
	assert_int_equal(r.hits[0], 1);
	assert_int_equal(r.hits[1], 2);
	assert_close(r.m[0][IG_EM_RECALL], 0.5);
	assert_close(r.m[0][IG_EM_PRECISION], 0.5);
	assert_close(r.m[0][IG_EM_NDCG], 0.6131471927654584);
	assert_close(r.m[1][IG_EM_NDCG], 0.9197207891481876);
	assert_close(r.m[1][IG_EM_MAP], (1 + 2.0 / 3) / 2);
	assert_close(r.m[1][IG_EM_MRR], 1);
	ig_eval_user_result_free(&r);
	ig_eval_ctx_free(&c);
}

/* A repeated relevant item keeps its largest grade: R = {B:3}, L = B:
 * ndcg_graded = 3/3. The next user must not see this user's items. */
static void test_repeat_grade_and_reuse(void **state)
{
	static const int k[] = {1};
	static const uint32_t list[] = {B};
	static const uint32_t rel[] = {B, B};
	static const double grade[] = {1, 3};
	static const uint32_t rel2[] = {C};
	ig_eval_ctx c;
	ig_eval_user_result r = {0};

	(void)state;
	ig_eval_ctx_init(&c, k, 1);
	ig_eval_user(&c, list, 1, rel, grade, 2, &r);
	assert_int_equal(r.nrel, 1);
	assert_close(r.m[0][IG_EM_NDCG_GRADED], 1);
	ig_eval_user(&c, list, 1, rel2, NULL, 1, &r);
	assert_int_equal(r.hits[0], 0);
	assert_close(r.m[0][IG_EM_NDCG], 0);
	ig_eval_user_result_free(&r);
	ig_eval_ctx_free(&c);
}

/* An empty list scores 0 everywhere (and is not skipped). */
static void test_empty_list(void **state)
{
	static const int k[] = {1, 10};
	static const uint32_t rel[] = {A, B};
	ig_eval_ctx c;
	ig_eval_user_result r = {0};
	int j, m;

	(void)state;
	ig_eval_ctx_init(&c, k, 2);
	ig_eval_user(&c, NULL, 0, rel, NULL, 2, &r);
	assert_int_equal(r.nrel, 2);
	assert_int_equal(r.nuniq, 0);
	for (j = 0; j < 2; j++)
		for (m = 0; m < IG_EM_REL_COUNT; m++)
			assert_close(r.m[j][m], 0);
	ig_eval_user_result_free(&r);
	ig_eval_ctx_free(&c);
}

/* Ties: by score, equal scores keep file order; by rank the same. */
static void test_order_ties(void **state)
{
	ig_eval_rec r[4];
	static const double score[] = {0.5, 0.9, 0.5, 0.9};
	static const int64_t rank[] = {2, 1, 2, 1};
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].item = (uint32_t)i;
		r[i].line = (uint64_t)i + 2;
		r[i].score = score[i];
		r[i].rank = rank[i];
	}
	ig_eval_recs_order(r, 4, IG_ORDER_SCORE);
	assert_int_equal(r[0].item, 1);
	assert_int_equal(r[1].item, 3);
	assert_int_equal(r[2].item, 0);
	assert_int_equal(r[3].item, 2);
	ig_eval_recs_order(r, 4, IG_ORDER_FILE);
	assert_int_equal(r[0].item, 0);
	ig_eval_recs_order(r, 4, IG_ORDER_RANK);
	assert_int_equal(r[0].item, 1);
	assert_int_equal(r[1].item, 3);
	assert_int_equal(r[2].item, 0);
	assert_int_equal(r[3].item, 2);
}

/* pop 10 of 10 users: 0 bits; pop 1: log2 10; pop 0 counts as 1. */
static void test_novelty(void **state)
{
	static const uint32_t pop[] = {10, 1, 0};
	static const uint32_t items[] = {0, 1, 2};

	(void)state;
	assert_close(ig_eval_novelty(items, 3, pop, 3, 10), 2.0 * log2(10) / 3);
	assert_close(ig_eval_novelty(items, 1, pop, 3, 10), 0);
	/* An item beyond the table has popularity 0. */
	assert_close(ig_eval_novelty((const uint32_t[]){7}, 1, pop, 3, 10), log2(10));
}

/* [0 0 10]: (2*3-3-1)*10 / (3*10) = 2/3; [1 2 3 4]: 10/40; equal: 0. */
static void test_gini(void **state)
{
	uint64_t a[] = {10, 0, 0}, b[] = {4, 2, 3, 1}, c[] = {5, 5}, z[] = {0, 0};

	(void)state;
	assert_close(ig_eval_gini(a, 3), 2.0 / 3);
	assert_close(ig_eval_gini(b, 4), 0.25);
	assert_close(ig_eval_gini(c, 2), 0);
	assert_close(ig_eval_gini(z, 2), 0);
	assert_close(ig_eval_gini(a, 1), 0);
}

static void test_jaccard(void **state)
{
	static const uint32_t x[] = {1, 2, 3}, y[] = {2, 3, 4};

	(void)state;
	assert_close(ig_eval_jaccard_distance(x, 3, y, 3), 0.5);
	assert_close(ig_eval_jaccard_distance(x, 3, x, 3), 0);
	assert_close(ig_eval_jaccard_distance(x, 0, y, 1), 1);
	assert_true(ig_eval_jaccard_distance(x, 0, y, 0) < 0);
}

static double table_dist(uint32_t a, uint32_t b, void *ctx)
{
	(void)ctx;
	if (a > b) {
		uint32_t t = a;

		a = b;
		b = t;
	}
	if (a == 0 && b == 1)
		return 0.2;
	if (a == 0 && b == 2)
		return 0.4;
	return -1; /* 1-2 unknown */
}

/* @1: no pair; @2: d(0,1) = 0.2; @3: (0.2 + 0.4) / 2, the unknown pair
 * left out; @5 > |L|: as @3. */
static void test_ild(void **state)
{
	static const int k[] = {1, 2, 3, 5};
	static const uint32_t items[] = {0, 1, 2};
	ig_eval_ctx c;
	double out[4];
	unsigned char ok[4];

	(void)state;
	ig_eval_ctx_init(&c, k, 4);
	ig_eval_ild(&c, items, 3, table_dist, NULL, out, ok);
	assert_int_equal(ok[0], 0);
	assert_int_equal(ok[1], 1);
	assert_close(out[1], 0.2);
	assert_close(out[2], 0.3);
	assert_close(out[3], 0.3);
	ig_eval_ild(&c, items, 0, table_dist, NULL, out, ok);
	assert_int_equal(ok[3], 0);
	ig_eval_ctx_free(&c);
}

/* scipy.stats: 2 * t.sf(2, 10) = 0.0733880, 2 * t.sf(3.5, 4) = 0.0248962. */
static void test_t_pvalue(void **state)
{
	(void)state;
	assert_close(ig_eval_t_pvalue(2, 10), 0.07338803477074039);
	assert_close(ig_eval_t_pvalue(-3.5, 4), 0.02489616346022275);
	assert_close(ig_eval_t_pvalue(0, 7), 1);
}

/* Means are exact; intervals hold the mean; no replicates, no interval. */
static void test_bootstrap(void **state)
{
	static const double x[] = {1, 0, 2, 1};
	const int group_of[] = {0};
	ig_eval_boot b;
	double lo, hi, sorted[] = {1, 2, 3, 4};
	int i;

	(void)state;
	ig_eval_boot_init(&b, 2000, 7, 1, 1, group_of);
	for (i = 0; i < 4; i++) {
		ig_eval_boot_user(&b);
		ig_eval_boot_count(&b, 0);
		ig_eval_boot_add(&b, 0, x[i]);
	}
	assert_close(ig_eval_boot_mean(&b, 0), 1);
	assert_int_equal(ig_eval_boot_users(&b, 0), 4);
	ig_eval_boot_ci(&b, 0, 0.95, &lo, &hi);
	assert_true(lo >= 0 && lo < 1 && hi > 1 && hi <= 2);
	ig_eval_boot_free(&b);
	ig_eval_boot_init(&b, 0, 7, 1, 1, group_of);
	ig_eval_boot_ci(&b, 0, 0.95, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
	ig_eval_boot_free(&b);
	assert_close(ig_eval_quantile(sorted, 4, 0.5), 2.5);
	assert_close(ig_eval_quantile(sorted, 4, 0), 1);
	assert_close(ig_eval_quantile(sorted, 4, 1), 4);
}

/* Events 0..5, positives at 0, 2, 3, 5. */
static void test_split_user_cut(void **state)
{
	static const unsigned char all[] = {1, 1, 1, 1, 1, 1}, pos[] = {1, 0, 1, 1, 0, 1};
	static const unsigned char late[] = {0, 0, 1};
	ig_split_cut last2 = {.mode = IG_SPLIT_LAST, .last = 2};
	ig_split_cut half = {.mode = IG_SPLIT_PERCENT, .percent = 50};
	ig_split_cut p20 = {.mode = IG_SPLIT_PERCENT, .percent = 20};
	ig_split_cut p10 = {.mode = IG_SPLIT_PERCENT, .percent = 10};
	ig_split_cut last1 = {.mode = IG_SPLIT_LAST, .last = 1};

	(void)state;
	/* Counting every event: the last 2 of 6 start at 4; 50% = 3 at 3. */
	assert_int_equal(ig_split_user_cut(&last2, all, pos, 6, 2, 1), 4);
	assert_int_equal(ig_split_user_cut(&half, all, pos, 6, 2, 1), 3);
	/* Too few events: no hold-out. */
	assert_int_equal(ig_split_user_cut(&last2, all, pos, 6, 7, 1), 6);
	/* Counting positives: the last 2 of 4 start at event 3; 20% of 4
	 * rounds to 1 (event 5); 10% rounds to 0: none. */
	assert_int_equal(ig_split_user_cut(&last2, pos, pos, 6, 2, 1), 3);
	assert_int_equal(ig_split_user_cut(&p20, pos, pos, 6, 2, 1), 5);
	assert_int_equal(ig_split_user_cut(&p10, pos, pos, 6, 2, 1), 6);
	/* No positive would stay in train: no hold-out; unless allowed. */
	assert_int_equal(ig_split_user_cut(&last1, all, late, 3, 2, 1), 3);
	assert_int_equal(ig_split_user_cut(&last1, all, late, 3, 2, 0), 2);
}

/* Runs of equal ts are permuted within themselves: the timestamps stay
 * in order, every event stays once, the same seed gives the same order,
 * and some seed moves the run of 0s (the chance that 8 seeds all leave
 * 6 events as they were is 1/720^8). */
static void test_split_shuffle_ties(void **state)
{
	static const int64_t ts[] = {0, 0, 0, 0, 0, 0, 5, 7, 7};
	ig_user_event ev[9], first[9];
	ig_user_group g = {.user = "u1", .user_len = 2, .ev = ev, .n = 9};
	int moved = 0;
	uint64_t seed;
	size_t i;

	(void)state;
	for (seed = 1; seed <= 8; seed++) {
		unsigned seen = 0;

		for (i = 0; i < 9; i++)
			ev[i] = (ig_user_event){.ts = ts[i], .item = (uint32_t)i};
		ig_split_shuffle_ties(&g, seed);
		for (i = 0; i < 9; i++) {
			assert_true(ev[i].ts == ts[i]);
			seen |= 1u << ev[i].item;
			moved |= i < 6 && ev[i].item != i;
		}
		assert_int_equal(seen, 0x1ff);
		assert_int_equal(ev[6].item, 6);
		if (seed == 1)
			memcpy(first, ev, sizeof ev);
	}
	assert_true(moved);
	for (i = 0; i < 9; i++)
		ev[i] = (ig_user_event){.ts = ts[i], .item = (uint32_t)i};
	ig_split_shuffle_ties(&g, 1);
	for (i = 0; i < 9; i++)
		assert_int_equal(ev[i].item, first[i].item);
}

static void test_types(void **state)
{
	unsigned m;
	char err[128];

	(void)state;
	assert_int_equal(ig_eval_types_parse("ratings", &m, err, sizeof err), 0);
	assert_int_equal(m, 1u << IG_EV_LIKE);
	assert_int_equal(ig_eval_types_parse("like,save", &m, err, sizeof err), 0);
	assert_int_equal(m, (1u << IG_EV_LIKE) | (1u << IG_EV_SAVE));
	assert_int_equal(ig_eval_types_parse("like,wow", &m, err, sizeof err), -1);
	assert_string_equal(err, "unknown event type 'wow'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_graded),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_repeat_grade_and_reuse),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_order_ties),
		cmocka_unit_test(test_novelty),
		cmocka_unit_test(test_gini),
		cmocka_unit_test(test_jaccard),
		cmocka_unit_test(test_ild),
		cmocka_unit_test(test_t_pvalue),
		cmocka_unit_test(test_bootstrap),
		cmocka_unit_test(test_split_user_cut),
		cmocka_unit_test(test_split_shuffle_ties),
		cmocka_unit_test(test_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
