/* ig-rank: the measures on hand-worked cases, Platt scaling recovering a
 * known distortion, the value model, both trainers learning a planted
 * rule, the model file round trip and its refusals, the features of a
 * hand-made history. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ig_cpu.h"
#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "expect_exit.h"
#include "rank/ig_rank.h"
#include "rank/ig_rank_model_priv.h"
#include "temp_text.h"

static void test_auc(void **state)
{
	const double p[] = {0.1, 0.4, 0.35, 0.8}, same[] = {0.5, 0.5, 0.5, 0.5};
	const float y[] = {0, 0, 1, 1}, one[] = {1, 1, 1, 1};

	(void)state;
	/* pairs (pos, neg): (0.35,0.1) yes, (0.35,0.4) no, (0.8,*) yes: 3/4 */
	assert_true(fabs(ig_rank_auc(p, y, 4) - 0.75) < 1e-12);
	assert_true(fabs(ig_rank_auc(same, y, 4) - 0.5) < 1e-12);
	assert_true(isnan(ig_rank_auc(p, one, 4)));
}

static void test_logloss_ece(void **state)
{
	const double p[] = {0.5, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9};
	const float y[] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1};

	(void)state;
	assert_true(fabs(ig_rank_logloss(p, y, 2) - log(2)) < 1e-12);
	/* both bins calibrated: 0.5 vs 1/2, 0.9 vs 9/10 */
	assert_true(ig_rank_ece(p, y, 12, 10) < 1e-12);
	/* all at 0.5 with all positive: |0.5 - 1| */
	{
		const float ones[] = {1, 1};

		assert_true(fabs(ig_rank_ece(p, ones, 2, 10) - 0.5) < 1e-12);
	}
}

static void test_platt(void **state)
{
	enum { N = 20000 };
	double *p = malloc(N * sizeof *p), a, b;
	float *y = malloc(N * sizeof *y);
	ig_rng r;
	int i;

	(void)state;
	ig_rng_seed(&r, 5);
	/* the truth is sigmoid(0.5 z - 1) where the model says sigmoid(z) */
	for (i = 0; i < N; i++) {
		double z = ig_rng_normal(&r) * 3, t = 1 / (1 + exp(-(0.5 * z - 1)));

		p[i] = 1 / (1 + exp(-z));
		y[i] = ig_rng_double(&r) < t;
	}
	ig_rank_platt_fit(p, y, N, &a, &b);
	assert_true(fabs(a - 0.5) < 0.05);
	assert_true(fabs(b + 1) < 0.1);
	free(p);
	free(y);
}

static void test_value(void **state)
{
	ig_rank_value v;
	char err[128], *heads[] = {(char *)"like", (char *)"share", (char *)"hide"};
	double w[3], p[3] = {0.5, 0.1, 0.01};

	(void)state;
	assert_int_equal(ig_rank_value_parse("share=4,like=1,hide=-10", &v, err, sizeof err), 0);
	assert_int_equal(ig_rank_value_bind(&v, heads, 3, w, 1, err, sizeof err), 0);
	assert_true(fabs(ig_rank_value_score(IG_VALUE_ADDITIVE, w, p, 3) - (0.5 + 0.4 - 0.1)) < 1e-12);
	assert_true(fabs(ig_rank_value_score(IG_VALUE_LOGLINEAR, w, p, 3) -
			 (log(0.5) + 4 * log(0.1) - 10 * log(0.01))) < 1e-12);
	assert_int_equal(ig_rank_value_parse("share=4,save", &v, err, sizeof err), -1);
	assert_string_equal(err, "expected HEAD=WEIGHT, got 'save'");
	assert_int_equal(ig_rank_value_parse("like=1,like=2", &v, err, sizeof err), -1);
	assert_int_equal(ig_rank_value_parse("like=nan", &v, err, sizeof err), -1);
	assert_int_equal(ig_rank_value_parse("save=1", &v, err, sizeof err), 0);
	assert_int_equal(ig_rank_value_bind(&v, heads, 3, w, 1, err, sizeof err), -1);
	assert_string_equal(err, "head 'save' is not one of the model's");
	assert_int_equal(ig_rank_value_bind(&v, heads, 3, w, 0, err, sizeof err), 0);
}

static void test_fopts(void **state)
{
	ig_rank_fopts o, back;
	char buf[256];

	(void)state;
	ig_rank_fopts_default(&o);
	o.half_life = 3600.5;
	o.short_n = 3;
	ig_rank_fopts_format(&o, buf, sizeof buf);
	assert_string_equal(buf, "positives=view,like,comment,share,save,follow;half_life=3600.5;short=3;long=200;recent=604800");
	assert_int_equal(ig_rank_fopts_parse(buf, &back), 0);
	assert_true(back.positives == o.positives && back.half_life == o.half_life && back.short_n == 3);
	assert_int_equal(ig_rank_fopts_parse("positives=nope", &back), -1);
	assert_int_equal(ig_rank_fopts_parse("short=50;long=10", &back), -1);
}

/* Rows with two informative features and one of noise; head 0 is
 * x0 > 0.5 XOR x1 > 0.5 with 5% flipped (trees find it, a linear model
 * on raw values would not; the hashed bins and crosses do), head 1
 * is x0 > 0.7. */
static ig_rank_examples *planted(size_t n, uint64_t seed)
{
	static char *feat[] = {(char *)"retrieval_score", (char *)"topic_affinity", (char *)"noise"};
	static char *head[] = {(char *)"like", (char *)"share"};
	ig_rank_examples *e = calloc(1, sizeof *e);
	ig_rng r;
	size_t i;

	ig_rng_seed(&r, seed);
	e->n = n;
	e->nfeat = 3;
	e->nhead = 2;
	e->feat = feat;
	e->head = head;
	e->fopts = (char *)"positives=like;half_life=86400;short=1;long=5";
	e->x = malloc(n * 3 * sizeof *e->x);
	e->y = malloc(n * 2 * sizeof *e->y);
	e->user_hash = malloc(n * sizeof *e->user_hash);
	e->item_hash = malloc(n * sizeof *e->item_hash);
	for (i = 0; i < n; i++) {
		float *x = e->x + i * 3;
		int xo;

		x[0] = (float)ig_rng_double(&r);
		x[1] = (float)ig_rng_double(&r);
		x[2] = (float)ig_rng_double(&r);
		xo = (x[0] > 0.5f) != (x[1] > 0.5f);
		if (ig_rng_double(&r) < 0.05)
			xo = !xo;
		e->y[i * 2] = (float)xo;
		e->y[i * 2 + 1] = x[0] > 0.7f;
		e->user_hash[i] = i / 10;
		e->item_hash[i] = i % 97;
	}
	return e;
}

static void free_planted(ig_rank_examples *e)
{
	free(e->x);
	free(e->y);
	free(e->user_hash);
	free(e->item_hash);
	free(e);
}

static double head_auc(const ig_rank_model *m, const ig_rank_examples *e, int h)
{
	double *p = malloc(e->n * sizeof *p), q[2], auc;
	float *y = malloc(e->n * sizeof *y);
	size_t i;

	for (i = 0; i < e->n; i++) {
		ig_rank_predict(m, e->x + i * 3, e->user_hash[i], e->item_hash[i], q);
		p[i] = q[h];
		y[i] = e->y[i * 2 + (size_t)h];
	}
	auc = ig_rank_auc(p, y, e->n);
	free(p);
	free(y);
	return auc;
}

static void train_and_check_opts(int kind, int objective, double subsample, double min_auc)
{
	ig_rank_examples *e = planted(6000, 1), *test = planted(3000, 2);
	ig_rank_train_opts o;
	ig_rank_head_report rep[2];
	ig_rank_model *m, *back;
	char path[] = "/tmp/test_rank_XXXXXX";
	double q1[2], q2[2];
	size_t i;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	ig_rank_train_opts_default(&o, kind);
	o.threads = 2;
	o.objective = objective;
	o.subsample = subsample;
	m = ig_rank_train(e, NULL, &o, "unit test", rep);
	assert_true(head_auc(m, test, 0) > min_auc);
	assert_true(head_auc(m, test, 1) > 0.97);
	assert_string_equal(rep[0].head, "like");
	assert_true(rep[0].rows > 0 && rep[0].rows < e->n);
	ig_rank_model_save(m, path);
	back = ig_rank_model_load(path);
	assert_string_equal(ig_rank_model_provenance(back), "unit test");
	assert_int_equal(ig_rank_model_kind(back), kind);
	for (i = 0; i < test->n; i++) {
		ig_rank_predict(m, test->x + i * 3, test->user_hash[i], test->item_hash[i], q1);
		ig_rank_predict(back, test->x + i * 3, test->user_hash[i], test->item_hash[i], q2);
		assert_true(q1[0] == q2[0] && q1[1] == q2[1]);
	}
	unlink(path);
	ig_rank_model_free(m);
	ig_rank_model_free(back);
	free_planted(e);
	free_planted(test);
}

static void train_and_check(int kind, double min_auc)
{
	train_and_check_opts(kind, IG_RANK_OBJ_LOGISTIC, 1, min_auc);
}

static void test_gbdt(void **state)
{
	(void)state;
	train_and_check(IG_RANK_GBDT, 0.9);
}

/* Rows left out of a tree's sample still get its output. */
static void test_gbdt_subsample(void **state)
{
	(void)state;
	train_and_check_opts(IG_RANK_GBDT, IG_RANK_OBJ_LOGISTIC, 0.5, 0.9);
}

/* LambdaRank orders each user's ten rows; a wrong sign of the pairs'
 * gradients would put the positives last. */
static void test_gbdt_rank(void **state)
{
	(void)state;
	train_and_check_opts(IG_RANK_GBDT, IG_RANK_OBJ_RANK, 1, 0.85);
}

static void test_lr(void **state)
{
	(void)state;
	/* the crosses of coarse bins give the XOR at quarter resolution */
	train_and_check(IG_RANK_LR, 0.85);
}

/* The first stage scores from compact copies of its weights and padded
 * bin edges; the per-feature contributions come from the hashed weights
 * and the plain search. The two agree when the calibrated logit minus the
 * contributions is one constant (base and calibration) on every row:
 * features with 0 to 255 edges, values on the edges, below and above. */
static void check_lr_paths(int bins)
{
	ig_rank_examples *e = planted(6000, 3), *test = planted(500, 4);
	ig_rank_train_opts o;
	ig_rank_head_report rep[2];
	ig_rank_model *m;
	double c[5], p[2], rest0[2] = {0, 0};
	size_t i;
	int h, k;

	for (i = 0; i < e->n; i++)
		e->x[i * 3 + 2] = floorf(e->x[i * 3 + 2] * 3); /* two edges */
	for (i = 0; i < test->n; i++) {
		float *x = test->x + i * 3;

		x[2] = i % 5 == 0 ? -1.0f : i % 5 == 1 ? 7.0f : (float)(i % 3);
		if (i % 7 == 0)
			x[0] = e->x[(i % e->n) * 3]; /* a training value: maybe an edge */
		if (i % 11 == 0)
			x[1] = i % 2 ? 2.0f : -2.0f;
	}
	ig_rank_train_opts_default(&o, IG_RANK_LR);
	o.bins = bins;
	m = ig_rank_train(e, NULL, &o, "unit test", rep);
	for (i = 0; i < test->n; i++) {
		const float *x = test->x + i * 3;

		ig_rank_predict(m, x, test->user_hash[i], test->item_hash[i], p);
		for (h = 0; h < 2; h++) {
			double rest = log(p[h] / (1 - p[h]));

			ig_rank_contrib(m, h, x, test->user_hash[i], test->item_hash[i], c);
			for (k = 0; k < 5; k++)
				rest -= c[k];
			if (i == 0)
				rest0[h] = rest;
			assert_true(fabs(rest - rest0[h]) < 1e-4);
		}
	}
	ig_rank_model_free(m);
	free_planted(e);
	free_planted(test);
}

static void test_lr_paths(void **state)
{
	(void)state;
	check_lr_paths(256);
	check_lr_paths(64);
	check_lr_paths(2);
}

/* The second stage's linear part recovers a planted logistic model with
 * few positives (about 2% of 40000 rows). */
/* Fits rows of NF features, the first three informative (uniform, the
 * logit -4.5 + 1.5 x0 - x1), the others constant 0: the weights come back
 * whether the Hessian is formed (few features) or only multiplied
 * (conjugate gradients, past 128). */
static void check_linear_fit(int nf)
{
	const size_t n = 40000;
	int stride = IG_RANK_LINEAR_STRIDE(nf), k;
	float *x = calloc(n * (size_t)stride, sizeof *x), *y = malloc(n * sizeof *y);
	double *w = malloc(((size_t)nf + 1) * sizeof *w);
	ig_rng r;
	size_t i;

	ig_rng_seed(&r, 5);
	for (i = 0; i < n; i++) {
		float *xi = x + i * (size_t)stride;
		double z;

		xi[0] = (float)(2 * ig_rng_double(&r) - 1) * 1.7f;
		xi[1] = (float)(2 * ig_rng_double(&r) - 1) * 1.7f;
		xi[2] = (float)(2 * ig_rng_double(&r) - 1) * 1.7f;
		z = -4.5 + 1.5 * (double)xi[0] - 1.0 * (double)xi[1];
		y[i] = ig_rng_double(&r) < 1 / (1 + exp(-z));
	}
	ig_rank_linear_fit(x, y, n, nf, 1, -4, w);
	assert_true(fabs(w[0] - 1.5) < 0.2);
	assert_true(fabs(w[1] + 1.0) < 0.2);
	assert_true(fabs(w[2]) < 0.15);
	for (k = 3; k < nf; k++)
		assert_true(w[k] == 0);
	assert_true(fabs(w[nf] + 4.5) < 0.3);
	free(x);
	free(y);
	free(w);
}

/* The first stage's scoring bins (edges below x counted 16 or 8 at a
 * time with AVX-512 or AVX2, or searched one feature at a time) are the
 * training's (ig_rank_bin): 19 features, some with a few values, scored
 * at and beside the edges, out of range and NaN, give the margins that
 * the hashed indices give, with each copy the CPU has. Some features are the
 * item's or the user's alone, some of them crossed: the item's and the
 * user's parts kept apart and the rest give ig_rank_predict's
 * probabilities to the bit. */
static void test_lr_scoring_bins(void **state)
{
	enum { NF = 19, N = 4000 };
	static char *feat[NF], *head[] = {(char *)"like"};
	static char names[NF][24];
	static const char *const named[NF] = {"item_users", "hour", "item_pop_gap", "item_pop_like", "user_positives",
					      NULL, "media_photo", "topic_affinity", NULL, "author_rate_share"};
	ig_rank_examples e;
	ig_rank_train_opts o;
	ig_rank_head_report rep[1];
	ig_rank_model *m;
	uint32_t idx[NF + 2 + 64];
	float x[NF], xo[NF], ip[IG_RANK_MAX_HEADS + 16], up[IG_RANK_MAX_HEADS + 16];
	double p1, p2;
	const int *order;
	ig_rng r;
	size_t i;
	int f, nitem, nuser, isa;

	(void)state;
	memset(&e, 0, sizeof e);
	for (f = 0; f < NF; f++) {
		if (named[f])
			snprintf(names[f], sizeof names[f], "%s", named[f]);
		else
			snprintf(names[f], sizeof names[f], "f%d", f);
		feat[f] = names[f];
	}
	e.n = N;
	e.nfeat = NF;
	e.nhead = 1;
	e.feat = feat;
	e.head = head;
	e.fopts = (char *)"positives=like;half_life=86400;short=1;long=5";
	e.x = malloc((size_t)N * NF * sizeof *e.x);
	e.y = malloc(N * sizeof *e.y);
	e.user_hash = malloc(N * sizeof *e.user_hash);
	e.item_hash = malloc(N * sizeof *e.item_hash);
	ig_rng_seed(&r, 9);
	for (i = 0; i < N; i++) {
		double z = 0;

		for (f = 0; f < NF; f++) {
			double u = ig_rng_double(&r);

			/* every third feature takes f % 5 + 2 values only */
			e.x[i * NF + (size_t)f] = f % 3 ? (float)u : floorf((float)u * (float)(f % 5 + 2));
			z += (f % 2 ? 1 : -1) * u;
		}
		e.y[i] = ig_rng_double(&r) < 1 / (1 + exp(-2 * z));
		e.user_hash[i] = i / 8;
		e.item_hash[i] = i % 101;
	}
	ig_rank_train_opts_default(&o, IG_RANK_LR);
	m = ig_rank_train(&e, NULL, &o, "unit test", rep);
	order = ig_rank_model_score_order(m, &nitem, &nuser);
	assert_int_equal(nitem, 4); /* item_users, item_pop_like, media_photo, author_rate_share */
	assert_int_equal(nuser, 2); /* hour, user_positives */
	assert_true(ig_rank_part_len(m) > 0);
	for (i = 0, isa = m->bins_isa; i < 6000; i++) {
		/* a third of the rows each: the best copy, AVX2 (if the best
		 * was AVX-512), the portable one */
		if (i == 2000 && m->bins_isa == IG_ISA_AVX512)
			m->bins_isa = IG_ISA_AVX2;
		if (i == 4000)
			m->bins_isa = IG_ISA_PORTABLE;
		const float *row = e.x + (i % N) * NF;
		double z, want;
		int n;

		for (f = 0; f < NF; f++) {
			uint32_t ne = m->nedges[f];
			float v = row[f];

			if (i % 4 == 1 && ne > 0)
				v = m->edges[f][(i + (size_t)f) % ne]; /* on an edge */
			else if (i % 4 == 2 && ne > 0)
				v = nextafterf(m->edges[f][(i + (size_t)f) % ne], INFINITY);
			else if (i % 4 == 3)
				v = f % 2 ? -1e30f : 1e30f;
			if (i % 97 == 0 && f % 4 == 0)
				v = NAN;
			x[f] = v;
		}
		ig_rank_lr_margins(m, x, e.user_hash[i % N], e.item_hash[i % N], &z);
		n = ig_rank_lr_indices(m, x, e.user_hash[i % N], e.item_hash[i % N], idx, NULL);
		want = ig_rank_lr_margin(m, &m->h[0], idx, n);
		assert_true(fabs(z - want) < 1e-5);
		for (f = 0; f < NF; f++)
			xo[f] = x[order[f]];
		ig_rank_item_part(m, xo, e.item_hash[i % N], ip);
		ig_rank_user_part(m, xo + nitem, e.user_hash[i % N], up);
		ig_rank_predict_parts(m, xo + nitem + nuser, ip, up, &p1);
		ig_rank_predict(m, x, e.user_hash[i % N], e.item_hash[i % N], &p2);
		assert_memory_equal(&p1, &p2, sizeof p1);
	}
	m->bins_isa = isa;
	ig_rank_model_free(m);
	free(e.x);
	free(e.y);
	free(e.user_hash);
	free(e.item_hash);
}

/* Calibration's sigmoids, four at a time without libm: within a few
 * ulps of 1 / (1 + exp(-t)) by libm over the margins' range, in groups
 * and in a last short one; out of that range and NaN, libm's own. */
static void test_sigmoids(void **state)
{
	double t[7], p[7], want;
	int i, j;

	(void)state;
	for (i = 0; i < 20000; i++) {
		for (j = 0; j < 7; j++)
			t[j] = -60 + 120 * (double)(i * 7 + j) / (20000 * 7) + 1e-7 * j;
		ig_rank_sigmoids(t, p, 7);
		for (j = 0; j < 7; j++) {
			want = 1 / (1 + exp(-t[j]));
			assert_true(fabs(p[j] - want) <= 6e-16 * want);
		}
	}
	t[0] = 745;
	t[1] = -750;
	t[2] = NAN;
	t[3] = 0;
	t[4] = -700;
	ig_rank_sigmoids(t, p, 5);
	assert_true(p[0] == 1 && p[1] == 1 / (1 + exp(750.0)) && isnan(p[2]) && p[3] == 0.5);
	assert_true(fabs(p[4] - 1 / (1 + exp(700.0))) <= 6e-16 * p[4]);
}

static void test_linear_fit(void **state)
{
	(void)state;
	check_linear_fit(3);
	check_linear_fit(130);
}

/* Early stopping may keep no tree: head 0's logit is linear in the raw
 * features, so the linear part is already the true model and trees could
 * only fit noise; head 1 is an interaction (x0 > 0.5 XOR x1 > 0.5), which
 * no line fits, and keeps trees. */
static void test_trees_or_line(void **state)
{
	ig_rank_examples *e;
	ig_rank_train_opts o;
	ig_rank_head_report rep[2];
	ig_rank_model *m;
	ig_rng r;
	uint64_t seed;
	size_t i;

	(void)state;
	for (seed = 1; seed <= 3; seed++) {
		e = planted(20000, seed);
		ig_rng_seed(&r, seed + 100);
		for (i = 0; i < e->n; i++) {
			const float *x = e->x + i * 3;
			double z = -2 + 3 * (double)x[0] - 2 * (double)x[1];

			e->y[i * 2 + 1] = e->y[i * 2];
			e->y[i * 2] = ig_rng_double(&r) < 1 / (1 + exp(-z));
		}
		ig_rank_train_opts_default(&o, IG_RANK_GBDT);
		o.seed = seed;
		m = ig_rank_train(e, NULL, &o, "unit test", rep);
		assert_true(rep[0].positives >= 100);
		assert_true(rep[0].iterations == 0);
		assert_true(rep[1].iterations >= 10);
		assert_true(rep[1].auc > 0.9);
		ig_rank_model_free(m);
		/* without the linear part, the base rate alone is worse than the
		 * first trees of either head */
		o.linear_l2 = 0;
		m = ig_rank_train(e, NULL, &o, "unit test", rep);
		assert_true(rep[0].iterations >= 1 && rep[1].iterations >= 10);
		ig_rank_model_free(m);
		free_planted(e);
	}
}

static double logit_of(double p)
{
	return log(p / (1 - p));
}

/* --bag N: the bag's calibrated logit of each head is the mean of its
 * members' (trained from seeds SEED to SEED+N-1), trees and linear part
 * alike (a head of XOR needs trees, the other keeps its line), and for
 * the hashed first stage; a member is not the bag (the seeds differ),
 * and the bag survives a save and a load. */
static void check_bag(int kind)
{
	ig_rank_examples *e = planted(4000, 11), *test = planted(500, 12);
	ig_rank_train_opts o;
	ig_rank_head_report rep[2], mrep[2];
	ig_rank_model *member[3], *bag, *back;
	char path[] = "/tmp/test_rank_bag_XXXXXX";
	double pb[2], pm[2], pl[2], mean[2], apart = 0;
	size_t i;
	int k, h, fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	ig_rank_train_opts_default(&o, kind);
	for (k = 0; k < 3; k++) {
		o.seed = 5 + (uint64_t)k;
		member[k] = ig_rank_train(e, NULL, &o, "unit test", mrep);
	}
	o.seed = 5;
	o.bag = 3;
	bag = ig_rank_train(e, NULL, &o, "unit test", rep);
	assert_true(rep[0].rows > 0 && rep[0].auc > 0.5);
	assert_string_equal(rep[0].head, "like");
	assert_string_equal(rep[1].head, "share");
	ig_rank_model_save(bag, path);
	back = ig_rank_model_load(path);
	for (i = 0; i < test->n; i++) {
		const float *x = test->x + i * 3;

		ig_rank_predict(bag, x, test->user_hash[i], test->item_hash[i], pb);
		ig_rank_predict(back, x, test->user_hash[i], test->item_hash[i], pl);
		mean[0] = mean[1] = 0;
		for (k = 0; k < 3; k++) {
			ig_rank_predict(member[k], x, test->user_hash[i], test->item_hash[i], pm);
			for (h = 0; h < 2; h++)
				mean[h] += logit_of(pm[h]) / 3;
			if (k == 0)
				apart += fabs(logit_of(pm[0]) - logit_of(pb[0]));
		}
		for (h = 0; h < 2; h++) {
			assert_true(fabs(logit_of(pb[h]) - mean[h]) < 1e-4);
			assert_true(pb[h] == pl[h]);
		}
	}
	assert_true(apart > 1e-3 * (double)test->n);
	unlink(path);
	for (k = 0; k < 3; k++)
		ig_rank_model_free(member[k]);
	ig_rank_model_free(bag);
	ig_rank_model_free(back);
	free_planted(e);
	free_planted(test);
}

static void test_bag(void **state)
{
	(void)state;
	check_bag(IG_RANK_GBDT);
	check_bag(IG_RANK_LR);
}

/* A head whose validation users have no positive gets --blind-trees
 * trees, not as many as a validation loss that keeps falling toward 0
 * would allow. */
static void test_blind_head(void **state)
{
	ig_rank_examples *e = planted(6000, 7);
	ig_rank_train_opts o;
	ig_rank_head_report rep[2];
	ig_rank_model *m;
	size_t i;
	int blind;

	(void)state;
	ig_rank_train_opts_default(&o, IG_RANK_GBDT);
	/* share: positives only among users that train keeps (the split's
	 * hash, ig_rank_train.c) */
	for (i = 0; i < e->n; i++) {
		uint64_t z = (e->user_hash[i] ^ (o.seed * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
		int valid = (z >> 20) % 1000000 < (uint64_t)(o.valid_share * 1000000);

		e->y[i * 2 + 1] = !valid && e->x[i * 3] > 0.8f;
	}
	for (blind = 0; blind <= 7; blind += 7) {
		o.blind_trees = blind;
		m = ig_rank_train(e, NULL, &o, "unit test", rep);
		assert_int_equal(rep[1].positives, 0);
		assert_true(rep[1].iterations == blind);
		assert_true(rep[0].iterations >= 1);
		ig_rank_model_free(m);
	}
	free_planted(e);
}

/* A head (with a linear part) whose validation users hold fewer than
 * --tree-positives positives is blind too: --blind-trees trees (here
 * more than --trees, to tell them apart), while with the rule off early
 * stopping picks at most --trees; a head with enough validation positives
 * is not touched. */
static void test_few_positives_head(void **state)
{
	ig_rank_examples *e = planted(6000, 7);
	ig_rank_train_opts o;
	ig_rank_head_report rep[2];
	ig_rank_model *m;
	size_t i, kept = 0;
	int rule;

	(void)state;
	ig_rank_train_opts_default(&o, IG_RANK_GBDT);
	for (i = 0; i < e->n; i++) {
		uint64_t z = (e->user_hash[i] ^ (o.seed * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
		int valid = (z >> 20) % 1000000 < (uint64_t)(o.valid_share * 1000000);

		if (valid && e->y[i * 2 + 1] > 0.5f && ++kept > 5)
			e->y[i * 2 + 1] = 0;
	}
	o.trees = 40;
	o.blind_trees = 50;
	for (rule = 0; rule <= 1; rule++) {
		o.tree_positives = rule ? 10 : 0;
		m = ig_rank_train(e, NULL, &o, "unit test", rep);
		assert_int_equal(rep[1].positives, 5);
		if (rule)
			assert_true(rep[1].iterations == o.blind_trees);
		else
			assert_true(rep[1].iterations <= o.trees);
		assert_true(rep[0].positives >= 10 && rep[0].iterations >= 1);
		ig_rank_model_free(m);
	}
	free_planted(e);
}

static void parse_bytes(void *arg)
{
	const unsigned char *const *b = arg;

	ig_rank_model_parse(b[0], (size_t)(b[1] - b[0]), "m");
}

static void test_model_refusals(void **state)
{
	ig_rank_examples *e = planted(500, 3);
	ig_rank_train_opts o;
	ig_rank_head_report rep[2];
	ig_rank_model *m;
	char path[] = "/tmp/test_rank_XXXXXX", err[512];
	unsigned char *buf = malloc(1 << 22);
	const unsigned char *arg[2];
	size_t n;
	FILE *fp;
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	ig_rank_train_opts_default(&o, IG_RANK_GBDT);
	o.trees = 5;
	m = ig_rank_train(e, NULL, &o, "p", rep);
	ig_rank_model_save(m, path);
	fp = fopen(path, "rb");
	n = fread(buf, 1, 1 << 22, fp);
	fclose(fp);
	arg[0] = buf;
	arg[1] = buf + n;
	buf[20] ^= 1;
	assert_int_equal(run_expect_exit(parse_bytes, arg, err, sizeof err), 1);
	assert_non_null(strstr(err, "checksum mismatch"));
	buf[20] ^= 1;
	arg[1] = buf + n - 1;
	assert_int_equal(run_expect_exit(parse_bytes, arg, err, sizeof err), 1);
	buf[0] = 'X';
	arg[1] = buf + n;
	assert_int_equal(run_expect_exit(parse_bytes, arg, err, sizeof err), 1);
	assert_non_null(strstr(err, "no IGRANKM magic"));
	unlink(path);
	free(buf);
	ig_rank_model_free(m);
	free_planted(e);
}

static void map_missing(void *arg)
{
	char *names[] = {(char *)"retrieval_score", (char *)"noise"};

	ig_rank_model_map(arg, names, 2, "c.tsv");
}

static void test_model_map(void **state)
{
	ig_rank_examples *e = planted(300, 4);
	ig_rank_train_opts o;
	ig_rank_head_report rep[2];
	ig_rank_model *m;
	char *names[] = {(char *)"noise", (char *)"x", (char *)"topic_affinity", (char *)"retrieval_score"};
	char err[512];
	int *map;

	(void)state;
	ig_rank_train_opts_default(&o, IG_RANK_LR);
	o.hash_bits = 10;
	m = ig_rank_train(e, NULL, &o, "p", rep);
	map = ig_rank_model_map(m, names, 4, "c.tsv");
	assert_int_equal(map[0], 3);
	assert_int_equal(map[1], 2);
	assert_int_equal(map[2], 0);
	free(map);
	assert_int_equal(run_expect_exit(map_missing, m, err, sizeof err), 1);
	assert_non_null(strstr(err, "c.tsv lacks feature 'topic_affinity', which the model was trained with"));
	ig_rank_model_free(m);
	free_planted(e);
}

/* Features from a hand-made history: u1 liked i1 and i2 (authors a1, a1)
 * and hid i3 (author a2, topic t2); i1 and i2 are in topic t1. */
static void test_features(void **state)
{
	static const char events[] =
	    "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
	    "86400\tu1\ti1\tlike\t\n"
	    "90000\tu1\ti2\tlike\t\n"
	    "93600\tu1\ti3\thide\t\n"
	    "1000\tu2\ti1\tlike\t\n";
	static const char items[] =
	    "#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
	    "i1\ta1\tphoto\t0\tt1\n"
	    "i2\ta1\tvideo\t\tt1\n"
	    "i3\ta2\tphoto\t0\tt2\n"
	    "i4\ta1\tphoto\t86400\tt1,t2\n";
	char ep[] = "/tmp/test_rank_ev_XXXXXX", ip[] = "/tmp/test_rank_it_XXXXXX";
	ig_rank_inputs in = {ep, ip, NULL, NULL, NULL, NULL, NULL};
	ig_rank_fopts o;
	ig_rank_ctx *c;
	ig_rank_user *u;
	ig_rank_cand cd = {"i4", 2, 0, 0, NULL, 0, 0};
	float x[64];
	int fd, i, nf;
	FILE *fp;

	(void)state;
	fd = mkstemp(ep);
	fp = fdopen(fd, "w");
	fputs(events, fp);
	fclose(fp);
	fd = mkstemp(ip);
	fp = fdopen(fd, "w");
	fputs(items, fp);
	fclose(fp);
	ig_rank_fopts_default(&o);
	o.positives = 1u << IG_EV_LIKE;
	c = ig_rank_ctx_load(&in, &o);
	u = ig_rank_user_new(c);
	/* Monday 1970-01-05 10:00 */
	ig_rank_user_prepare(u, "u1", 2, 4 * 86400 + 36000);
	nf = ig_rank_nfeatures(c);
	assert_true(nf < 64);
	ig_rank_features(u, &cd, x);
	for (i = 0; i < nf; i++) {
		const char *name = ig_rank_feature_name(c, i);

		if (strcmp(name, "topic_affinity") == 0)
			assert_true(fabsf(x[i] - 1.0f) < 1e-6f); /* both positives in t1 */
		else if (strcmp(name, "topic_negative") == 0)
			assert_true(x[i] > 0); /* the hide in t2 */
		else if (strcmp(name, "author_like") == 0)
			assert_true(x[i] > 0.6f && x[i] < (float)log(3)); /* two decayed likes */
		else if (strcmp(name, "user_media_affinity") == 0)
			assert_true(fabsf(x[i] - 0.5f) < 1e-6f); /* one photo of two */
		else if (strcmp(name, "media_photo") == 0)
			assert_true(x[i] == 1);
		else if (strcmp(name, "hour") == 0)
			assert_true(x[i] == 10);
		else if (strcmp(name, "dow") == 0)
			assert_true(x[i] == 0);
		else if (strcmp(name, "item_age_days") == 0)
			assert_true(fabsf(x[i] - (float)log1p(3 + 10.0 / 24)) < 1e-5f);
		else if (strcmp(name, "user_positives") == 0)
			assert_true(fabsf(x[i] - (float)log(3)) < 1e-6f);
		else if (strcmp(name, "item_users") == 0)
			assert_true(x[i] == 0); /* nobody engaged with i4 */
		else if (strcmp(name, "item_pop_gap") == 0)
			assert_true(fabsf(x[i] + (float)((log(3) + log(2)) / 2)) < 1e-5f); /* 0 - mean(log 3, log 2) */
	}
	cd.item = "i1";
	ig_rank_features(u, &cd, x);
	for (i = 0; i < nf; i++)
		if (strcmp(ig_rank_feature_name(c, i), "item_users") == 0 ||
		    strcmp(ig_rank_feature_name(c, i), "item_recent") == 0)
			assert_true(fabsf(x[i] - (float)log(3)) < 1e-6f); /* u1 and u2, both within the week */
	ig_rank_user_free(u);
	ig_rank_ctx_free(c);
	unlink(ep);
	unlink(ip);
}

/* The features in two parts (what scoring keeps per item, and the rest)
 * are the whole's, each part right where ig_rank_feature_item_only says
 * it is: a history with impressions (rates and lifts), items, follows,
 * for a known item, one without history and an unknown one. */
static void test_features_parts(void **state)
{
	static const char *const cands[] = {"i1", "i3", "i4", "i9"};
	char *ep = write_temp("#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			      "100\tu1\ti1\timpression\t\n101\tu1\ti1\tlike\t\n102\tu1\ti2\timpression\t\n"
			      "103\tu1\ti2\thide\t\n100\tu2\ti1\timpression\t\n101\tu2\ti1\tshare\t\n"
			      "102\tu2\ti3\timpression\t\n104\tu2\ti3\tlike\t\n");
	char *ip = write_temp("#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
			      "i1\ta1\tphoto\t0\tt1\ni2\ta1\tvideo\t50\tt1\ni3\ta2\treel\t0\tt2\n"
			      "i4\ta2\tcarousel\t90\tt1,t2\n");
	char *fp = write_temp("#ig:follows/1\tuser\tauthor\tts\nu1\ta2\t50\n");
	ig_rank_inputs in = {ep, ip, fp, NULL, NULL, NULL, NULL};
	ig_rank_fopts o;
	ig_rank_ctx *c;
	ig_rank_user *u;
	float whole[256], xi[256], xr[256], xn[256];
	int i, f, nf, nret, nitem = 0;
	size_t k;

	(void)state;
	assert_true(ig_rank_feature_item_only("item_rate_share"));
	assert_false(ig_rank_feature_item_only("item_pop_gap"));
	assert_false(ig_rank_feature_item_only("user_media_affinity"));
	assert_true(ig_rank_feature_user_only("hour"));
	assert_false(ig_rank_feature_user_only("item_recent"));
	ig_rank_fopts_default(&o);
	c = ig_rank_ctx_load(&in, &o);
	u = ig_rank_user_new(c);
	ig_rank_ctx_set_sources(c, (char *const[]){(char *)"knn"}, 1);
	nf = ig_rank_nfeatures(c);
	nret = ig_rank_nretrieval(c);
	assert_int_equal(nret, 5); /* retrieval_score, n_sources, rank, rel, s_knn */
	assert_true(nf <= 256);
	ig_rank_user_prepare(u, "u1", 2, 200);
	for (k = 0; k < sizeof cands / sizeof cands[0]; k++) {
		static const double s[] = {0.5};
		ig_rank_cand cd = {cands[k], 2, 0.5, 1, s, 1, 1};
		uint32_t it = ig_rank_item_number(c, cd.item, cd.item_len, ig_hash64(cd.item, cd.item_len));

		ig_rank_features(u, &cd, whole);
		for (i = 0; i < 256; i++)
			xi[i] = xr[i] = NAN;
		ig_rank_features_part(u, &cd, it, IG_RANK_F_ITEM, xi);
		ig_rank_features_part(u, &cd, it, IG_RANK_F_REST, xr);
		for (i = 0; i < nf; i++)
			xn[i] = NAN;
		ig_rank_features_part(u, &cd, it, IG_RANK_F_REST | IG_RANK_F_NO_RETRIEVAL, xn);
		for (f = 0; f < nf; f++) {
			int item_only = ig_rank_feature_item_only(ig_rank_feature_name(c, f));

			nitem += item_only;
			assert_memory_equal(item_only ? &xi[f] : &xr[f], &whole[f], sizeof whole[f]);
			if (f < nret)
				assert_true(isnan(xn[f]));
			else if (!item_only)
				assert_memory_equal(&xn[f], &whole[f], sizeof whole[f]);
		}
		/* nothing written past the features */
		assert_true(isnan(xi[nf]) && isnan(xr[nf]));
	}
	/* item_users, 8 item_pop_, item_impressions, 8 rates, 5 lifts, 4
	 * media, author_impressions, 8 rates, 5 lifts; per candidate */
	assert_int_equal(nitem, 4 * 41);
	ig_rank_user_free(u);
	ig_rank_ctx_free(c);
	unlink(ep);
	unlink(ip);
	unlink(fp);
	free(ep);
	free(ip);
	free(fp);
}

/* The feature of CTX named NAME in X. */
static float feature_named(const ig_rank_ctx *c, const float *x, const char *name)
{
	int f;

	for (f = 0; f < ig_rank_nfeatures(c); f++)
		if (strcmp(ig_rank_feature_name(c, f), name) == 0)
			return x[f];
	fail_msg("no feature %s", name);
	return 0;
}

/* Scoring's preparation for a user's candidates (the neighbour sums of
 * the candidates alone) gives each candidate the features of the full
 * preparation (sums over a table of every item), to the bit: candidates
 * that are neighbours of the short and of the long history, of neither,
 * one twice, an unknown item, an item of the history itself. A plain
 * prepare afterwards is whole again. The recent counts, inside and across
 * the window's edges. */
/* The candidates of ids NAMES[0..N) into CD, and their item numbers in
 * C into ITEMS (IG_INTERN_NONE for an unknown one). */
static void cands_number(const ig_rank_ctx *c, const char *const *names, size_t n, ig_rank_cand *cd,
			 uint32_t *items)
{
	size_t k;

	for (k = 0; k < n; k++) {
		ig_rank_cand z = {names[k], strlen(names[k]), 0, 0, NULL, 0, 0};

		cd[k] = z;
		items[k] = ig_rank_item_number(c, cd[k].item, cd[k].item_len, ig_hash64(cd[k].item, cd[k].item_len));
	}
}

static void test_prepare_for_candidates(void **state)
{
	static const char *const cands[] = {"i6", "i7", "i9", "i99", "i6", "i1", "i10", "i2"};
	enum { NC = sizeof cands / sizeof cands[0] };
	char *ep = write_temp("#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			      "86400\tu1\ti1\tlike\t\n172800\tu1\ti2\tlike\t\n259200\tu1\ti3\tview\t\n"
			      "345600\tu1\ti4\tlike\t\n432000\tu1\ti5\tlike\t\n"
			      "100\tu2\ti6\tlike\t\n300000\tu2\ti6\tlike\t\n400000\tu2\ti6\tlike\t\n"
			      "90000\tu3\ti10\tlike\t\n");
	char *np = write_temp("#ig:neighbors/1\titem\tneighbor\tscore\tsupport\n"
			      "i1\ti6\t0.5\t\ni1\ti7\t0.25\t\ni2\ti6\t0.75\t\ni2\ti8\t0.125\t\n"
			      "i4\ti9\t0.4\t\ni4\ti6\t0.3\t\ni5\ti7\t0.9\t\ni5\ti1\t0.6\t\n"
			      "i5\ti6\t0.2\t\ni3\ti9\t0.7\t\n");
	ig_rank_inputs in = {ep, NULL, NULL, NULL, NULL, np, NULL};
	ig_rank_fopts o;
	ig_rank_ctx *c;
	ig_rank_user *u;
	ig_rank_cand cd[NC];
	uint32_t items[NC];
	float whole[NC][128], part[NC][128];
	int nf, stage;
	size_t k;

	(void)state;
	ig_rank_fopts_default(&o);
	o.positives = 1u << IG_EV_LIKE;
	o.short_n = 2;
	o.long_n = 3;
	o.recent = 2 * 86400;
	c = ig_rank_ctx_load(&in, &o);
	nf = ig_rank_nfeatures(c);
	assert_true(nf <= 128);
	u = ig_rank_user_new(c);
	cands_number(c, cands, NC, cd, items);
	assert_int_equal(items[3], IG_INTERN_NONE);
	ig_rank_user_prepare(u, "u1", 2, 432001);
	for (k = 0; k < NC; k++)
		ig_rank_features(u, &cd[k], whole[k]);
	ig_rank_user_prepare_for(u, "u1", 2, 432001, items, NC);
	/* asking the caches ahead, as scoring does, changes nothing (an
	 * unknown item's number and features included) */
	for (stage = 0; stage <= 2; stage++)
		for (k = 0; k < NC; k++) {
			ig_rank_item_number_prefetch(c, ig_hash64(cd[k].item, cd[k].item_len), stage);
			ig_rank_features_prefetch(u, items[k], stage);
		}
	for (k = 0; k < NC; k++) {
		ig_rank_features_part(u, &cd[k], items[k], IG_RANK_F_ITEM | IG_RANK_F_REST, part[k]);
		assert_memory_equal(part[k], whole[k], (size_t)nf * sizeof **whole);
	}
	/* the long history is i2, i4, i5 (i1 is older), the short i4, i5:
	 * i6 is a neighbour of all three, i7 of i5, i1 of i5, i9 of i4 */
	assert_true(feature_named(c, whole[0], "cooc_hits_long") == 1.0f);
	assert_true(feature_named(c, whole[0], "cooc_max_long") == 0.75f);
	assert_true(feature_named(c, whole[0], "cooc_max_short") == 0.3f);
	assert_true(feature_named(c, whole[1], "cooc_max_long") == 0.9f);
	assert_true(feature_named(c, whole[5], "cooc_max_short") == 0.6f);
	assert_true(feature_named(c, whole[2], "cooc_max_long") == 0.4f);
	assert_true(feature_named(c, whole[6], "cooc_max_long") == 0);
	/* a plain prepare after: every item's sums again (i8 was no candidate) */
	{
		ig_rank_cand i8 = {"i8", 2, 0, 0, NULL, 0, 0};

		ig_rank_user_prepare_for(u, "u1", 2, 432001, items, 1);
		ig_rank_user_prepare(u, "u1", 2, 432001);
		ig_rank_features(u, &i8, part[0]);
		assert_true(feature_named(c, part[0], "cooc_max_long") == 0.125f);
	}
	/* item_recent: i6's positives at 100, 300000, 400000, of which the last
	 * two are in the two days before 432001; i10's one at 90000 is not */
	assert_true(fabsf(feature_named(c, whole[0], "item_recent") - (float)log1p(2)) < 1e-6f);
	assert_true(feature_named(c, whole[6], "item_recent") == 0);
	/* all three in a window of ten days */
	ig_rank_user_set_now(u, 432001 + 4 * 86400);
	ig_rank_features(u, &cd[0], part[0]);
	assert_true(feature_named(c, part[0], "item_recent") == 0);
	ig_rank_user_free(u);
	ig_rank_ctx_free(c);
	o.recent = 10 * 86400;
	c = ig_rank_ctx_load(&in, &o);
	u = ig_rank_user_new(c);
	ig_rank_user_prepare(u, "u1", 2, 432001);
	ig_rank_features(u, &cd[0], part[0]);
	assert_true(fabsf(feature_named(c, part[0], "item_recent") - (float)log1p(3)) < 1e-6f);
	ig_rank_user_free(u);
	ig_rank_ctx_free(c);
	unlink(ep);
	unlink(np);
	free(ep);
	free(np);
}

/* Scoring's vector features, made for a user's candidates eight at a
 * time (interleaved sums), are those of one candidate at a time to the
 * bit: more candidates than a block (and a last block not full), one
 * twice, an unknown item, an item without a vector, an item of the
 * history; a history with an item without a vector, longer than the long
 * window; a user whose history has no vector (no user vector), and a user
 * without history. */
static void test_prepare_for_vectors(void **state)
{
	static const char *const cands[] = {"i6",  "i7",  "i8",  "i9",  "i10", "i11", "i12", "i13", "i14", "i15",
					    "i16", "i17", "i18", "i19", "i20", "i6",  "i99", "i3",  "i2"};
	static const char *const users[] = {"u1", "u4", "u9"};
	enum { NC = sizeof cands / sizeof cands[0], DIM = 13 };
	char *ep = write_temp("#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			      "86400\tu1\ti1\tlike\t\n172800\tu1\ti2\tlike\t\n259200\tu1\ti3\tlike\t\n"
			      "345600\tu1\ti4\tlike\t\n432000\tu1\ti5\tlike\t\n432100\tu1\ti12\tview\t\n"
			      "432200\tu1\ti14\tlike\t\n"
			      "100\tu4\ti3\tlike\t\n200\tu4\ti99x\tlike\t\n");
	char vtext[8192];
	size_t at;
	ig_rank_inputs in = {0};
	ig_rank_fopts o;
	ig_rank_ctx *c;
	ig_rank_user *u;
	ig_rank_cand cd[NC];
	uint32_t items[NC];
	float whole[NC][128], part[NC][128];
	ig_rng rng;
	char *vp;
	int nf, i, d, ui, nonzero = 0;
	size_t k;

	(void)state;
	/* i1 .. i20 but i3 and i12, in word2vec's text format */
	ig_rng_seed(&rng, 7);
	at = (size_t)snprintf(vtext, sizeof vtext, "18 %d\n", DIM);
	for (i = 1; i <= 20; i++) {
		if (i == 3 || i == 12)
			continue;
		at += (size_t)snprintf(vtext + at, sizeof vtext - at, "i%d", i);
		for (d = 0; d < DIM; d++)
			at += (size_t)snprintf(vtext + at, sizeof vtext - at, " %.7f", ig_rng_double(&rng) * 2 - 1);
		at += (size_t)snprintf(vtext + at, sizeof vtext - at, "\n");
	}
	assert_true(at < sizeof vtext);
	vp = write_temp(vtext);
	in.history = ep;
	in.vectors = vp;
	ig_rank_fopts_default(&o);
	o.positives = 1u << IG_EV_LIKE;
	o.short_n = 2;
	o.long_n = 5;
	c = ig_rank_ctx_load(&in, &o);
	nf = ig_rank_nfeatures(c);
	assert_true(nf <= 128);
	u = ig_rank_user_new(c);
	cands_number(c, cands, NC, cd, items);
	assert_int_equal(items[16], IG_INTERN_NONE);
	for (ui = 0; ui < 3; ui++) {
		ig_rank_user_prepare(u, users[ui], 2, 432201);
		for (k = 0; k < NC; k++)
			ig_rank_features(u, &cd[k], whole[k]);
		ig_rank_user_prepare_for(u, users[ui], 2, 432201, items, NC);
		for (k = 0; k < NC; k++) {
			ig_rank_features_part(u, &cd[k], items[k], IG_RANK_F_ITEM | IG_RANK_F_REST, part[k]);
			assert_memory_equal(part[k], whole[k], (size_t)nf * sizeof **whole);
		}
		if (ui == 0) {
			/* the values compared are the vector features' own */
			nonzero += feature_named(c, whole[0], "emb_max_long") != 0;
			nonzero += feature_named(c, whole[14], "user_dot") != 0;
			assert_true(feature_named(c, whole[6], "user_dot") == 0); /* i12: no vector */
		}
	}
	assert_int_equal(nonzero, 2);
	ig_rank_user_free(u);
	ig_rank_ctx_free(c);
	unlink(ep);
	unlink(vp);
	free(ep);
	free(vp);
}

/* tower_score (--tower PREFIX): the cosine of the user's and the item's
 * two-tower vectors, whatever their lengths; 0 for an item without a
 * vector (i5), a user without one (u3) or with a zero one (u2). An item
 * that the item vectors alone know (i9, not in the history) has a
 * number, and its score. The candidates' preparation gives the same. */
static void test_tower(void **state)
{
	static const char *const cands[] = {"i1", "i2", "i9", "i5"};
	static const char *const users[] = {"u1", "u2", "u3"};
	enum { NC = sizeof cands / sizeof cands[0] };
	char *ep = write_temp("#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			      "100\tu1\ti1\tlike\t\n200\tu1\ti2\tlike\t\n300\tu2\ti5\tlike\t\n");
	char *up = write_temp("3 2\nu1 3 4\nu2 0 0\nu9 1 0\n");
	char *ip = write_temp("3 2\ni1 2 0\ni2 -1 -1\ni9 0 0.5\n");
	char prefix[64], path[80];
	static const float want[3][NC] = {{0.6f, -0.98994949f, 0.8f, 0}, {0}, {0}};
	ig_rank_inputs in = {0};
	ig_rank_fopts o;
	ig_rank_ctx *c;
	ig_rank_user *u;
	ig_rank_cand cd[NC];
	uint32_t items[NC];
	float whole[NC][128], part[NC][128];
	int nf, ui;
	size_t k;

	(void)state;
	snprintf(prefix, sizeof prefix, "%s", ep);
	snprintf(path, sizeof path, "%s.users.vec", prefix);
	assert_int_equal(rename(up, path), 0);
	snprintf(path, sizeof path, "%s.items.vec", prefix);
	assert_int_equal(rename(ip, path), 0);
	in.history = ep;
	in.tower = prefix;
	ig_rank_fopts_default(&o);
	o.positives = 1u << IG_EV_LIKE;
	c = ig_rank_ctx_load(&in, &o);
	assert_true(ig_rank_ctx_inputs(c) & IG_RANK_IN_TOWER);
	nf = ig_rank_nfeatures(c);
	assert_true(nf <= 128);
	u = ig_rank_user_new(c);
	cands_number(c, cands, NC, cd, items);
	assert_true(items[2] != IG_INTERN_NONE);
	for (ui = 0; ui < 3; ui++) {
		ig_rank_user_prepare(u, users[ui], 2, 1000);
		for (k = 0; k < NC; k++) {
			ig_rank_features(u, &cd[k], whole[k]);
			assert_float_equal(feature_named(c, whole[k], "tower_score"), want[ui][k], 1e-6);
		}
		ig_rank_user_prepare_for(u, users[ui], 2, 1000, items, NC);
		for (k = 0; k < NC; k++) {
			ig_rank_features_part(u, &cd[k], items[k], IG_RANK_F_ITEM | IG_RANK_F_REST, part[k]);
			assert_memory_equal(part[k], whole[k], (size_t)nf * sizeof **whole);
		}
	}
	ig_rank_user_free(u);
	ig_rank_ctx_free(c);
	unlink(ep);
	snprintf(path, sizeof path, "%s.users.vec", prefix);
	unlink(path);
	snprintf(path, sizeof path, "%s.items.vec", prefix);
	unlink(path);
	free(ep);
	free(up);
	free(ip);
}

/* The retrieval rank and relative score: computed among a user's rows
 * from a candidates stream (ties share the better rank; a user whose best
 * score is not above 0 gets 0), read from a ranked stream's columns when
 * it has them (the first stage's survivors keep their rank among all the
 * candidates), computed among its rows when it has not; the relative
 * score is a float, so the 9 digits a stream carries it with read back
 * as the feature's value. */
static void test_cands_relative(void **state)
{
	static const char cands[] = "#ig:candidates/1\tuser\titem\tsources\tscore\treason\n"
				    "u1\ti1\tknn\t4\t-\nu1\ti2\tknn\t2\t-\nu1\ti3\tknn\t2\t-\n"
				    "u1\ti4\tknn\t1\t-\nu2\ti1\tknn\t-1\t-\n";
	static const char ranked[] = "#ig:ranked/1\tuser\titem\tscore\tsources\treason\tretrieval_score\t"
				     "retrieval_rank\tretrieval_rel\n"
				     "u1\ti9\t0.5\tknn\t-\t2\t7\t0.333333343\n"
				     "u1\ti8\t0.4\tknn\t-\t1\t40\t0.166666672\n";
	static const char old[] = "#ig:ranked/1\tuser\titem\tscore\tsources\treason\tretrieval_score\n"
				  "u1\ti9\t0.5\tknn\t-\t2\nu1\ti8\t0.4\tknn\t-\t1\n";
	static const double rank1[] = {1, 2, 2, 4}, rel1[] = {1, 0.5, 0.5, 0.25};
	char *paths[3] = {write_temp(cands), write_temp(ranked), write_temp(old)};
	double sc[2] = {3, 1}, rank[2], rel[2], back;
	char text[32];
	ig_rank_cands *r;
	ig_rank_group g;
	size_t i;

	(void)state;
	r = ig_rank_cands_open(paths[0]);
	assert_int_equal(ig_rank_cands_carries_relative(r), 0);
	assert_true(ig_rank_cands_next(r, &g));
	assert_int_equal(g.n, 4);
	for (i = 0; i < 4; i++) {
		assert_true(g.rows[i].retrieval_rank == rank1[i]);
		assert_true(g.rows[i].retrieval_rel == rel1[i]);
	}
	assert_true(ig_rank_cands_next(r, &g));
	assert_true(g.rows[0].retrieval_rank == 1 && g.rows[0].retrieval_rel == 0);
	ig_rank_cands_close(r);

	r = ig_rank_cands_open(paths[1]);
	assert_int_equal(ig_rank_cands_carries_relative(r), 1);
	assert_true(ig_rank_cands_next(r, &g));
	assert_true(g.rows[0].retrieval_rank == 7 && g.rows[1].retrieval_rank == 40);
	assert_true((float)g.rows[0].retrieval_rel == (float)(1.0 / 3));
	assert_true((float)g.rows[1].retrieval_rel == (float)(1.0 / 6));
	ig_rank_cands_close(r);

	r = ig_rank_cands_open(paths[2]);
	assert_int_equal(ig_rank_cands_carries_relative(r), 0);
	assert_true(ig_rank_cands_next(r, &g));
	assert_true(g.rows[0].retrieval_rank == 1 && g.rows[0].retrieval_rel == 1);
	assert_true(g.rows[1].retrieval_rank == 2 && g.rows[1].retrieval_rel == 0.5);
	ig_rank_cands_close(r);

	ig_rank_relative(sc, 2, rank, rel);
	assert_true(rel[1] == (double)(float)(1.0 / 3));
	snprintf(text, sizeof text, "%.9g", rel[1]);
	back = strtod(text, NULL);
	assert_true((float)back == (float)rel[1]);
	for (i = 0; i < 3; i++) {
		unlink(paths[i]);
		free(paths[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auc),
		cmocka_unit_test(test_logloss_ece),
		cmocka_unit_test(test_platt),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_fopts),
		cmocka_unit_test(test_gbdt),
		cmocka_unit_test(test_gbdt_subsample),
		cmocka_unit_test(test_gbdt_rank),
		cmocka_unit_test(test_lr),
		cmocka_unit_test(test_lr_paths),
		cmocka_unit_test(test_lr_scoring_bins),
		cmocka_unit_test(test_sigmoids),
		cmocka_unit_test(test_linear_fit),
		cmocka_unit_test(test_trees_or_line),
		cmocka_unit_test(test_bag),
		cmocka_unit_test(test_blind_head),
		cmocka_unit_test(test_few_positives_head),
		cmocka_unit_test(test_model_refusals),
		cmocka_unit_test(test_model_map),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_features_parts),
		cmocka_unit_test(test_prepare_for_candidates),
		cmocka_unit_test(test_prepare_for_vectors),
		cmocka_unit_test(test_tower),
		cmocka_unit_test(test_cands_relative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
