/* Training orchestration: bin edges, the validation users, one head per
 * worker thread, calibration and the report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_thread.h"
#include "rank/ig_rank_model_priv.h"

#define EDGE_SAMPLE 200000
#define MAX_FEATURES 512
#define MIN_PLATT_SLOPE 0.01

void ig_rank_train_opts_default(ig_rank_train_opts *o, int kind)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->threads = 1;
	o->seed = 1;
	o->bag = 1;
	o->valid_share = 0.2;
	o->bins = 64;
	o->trees = 300;
	o->depth = 6;
	o->patience = 20;
	o->eta = 0.1;
	o->lambda = 1;
	o->min_child = 1;
	o->subsample = 1;
	o->linear_l2 = 1;
	o->blind_trees = 0;
	o->tree_positives = 10;
	o->hash_bits = 18;
	o->epochs = 2;
	o->alpha = 0.05;
	o->beta = 1;
	o->l1 = 0.5;
	o->l2 = 1;
}

static int by_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* Quantile edges of feature F over a strided sample of the rows. */
static void feature_edges(ig_rank_model *m, const ig_rank_examples *e, int f, int bins, float *buf)
{
	size_t step = e->n > EDGE_SAMPLE ? e->n / EDGE_SAMPLE + 1 : 1, n = 0, i;
	uint32_t k = 0;
	int b;

	for (i = 0; i < e->n; i += step)
		buf[n++] = e->x[i * (size_t)e->nfeat + (size_t)f];
	qsort(buf, n, sizeof *buf, by_float);
	m->edges[f] = ig_malloc((size_t)bins * sizeof **m->edges);
	for (b = 1; b < bins && n > 0; b++) {
		float v = buf[(size_t)((double)b * (double)n / bins)];

		/* an edge below the largest value, above the one before */
		if (v < buf[n - 1] && (k == 0 || v > m->edges[f][k - 1]))
			m->edges[f][k++] = v;
	}
	m->nedges[f] = k;
}

static ig_rank_model *model_new(const ig_rank_examples *e, const ig_rank_train_opts *o, const char *prov)
{
	ig_rank_model *m = ig_calloc(1, sizeof *m);
	float *buf = ig_malloc((e->n < EDGE_SAMPLE ? e->n : EDGE_SAMPLE + 1) * sizeof *buf + 1);
	int i;

	if (e->nfeat > MAX_FEATURES)
		ig_die("%d features: at most %d", e->nfeat, MAX_FEATURES);
	m->kind = (uint32_t)o->kind;
	m->fopts = ig_strdup(e->fopts);
	m->prov = ig_strdup(prov ? prov : "");
	m->nfeat = e->nfeat;
	m->nhead = e->nhead;
	m->feat = ig_malloc((size_t)m->nfeat * sizeof *m->feat);
	m->head = ig_malloc((size_t)m->nhead * sizeof *m->head);
	for (i = 0; i < m->nfeat; i++)
		m->feat[i] = ig_strdup(e->feat[i]);
	for (i = 0; i < m->nhead; i++)
		m->head[i] = ig_strdup(e->head[i]);
	m->nedges = ig_calloc((size_t)m->nfeat, sizeof *m->nedges);
	m->edges = ig_calloc((size_t)m->nfeat, sizeof *m->edges);
	for (i = 0; i < m->nfeat; i++)
		feature_edges(m, e, i, o->bins, buf);
	free(buf);
	m->h = ig_calloc((size_t)m->nhead, sizeof *m->h);
	if (m->kind == IG_RANK_LR) {
		m->bits = (uint32_t)o->hash_bits;
		ig_rank_lr_pick_crosses(m);
	}
	return m;
}

typedef struct train_job {
	const ig_rank_examples *e;
	const float *soft;
	const ig_rank_train_opts *o;
	ig_rank_model *m;
	uint8_t *bins;
	uint32_t *idx;
	int *nidx, stride;
	uint32_t *train, *valid;
	size_t ntrain, nvalid;
	float *xs;              /* gbdt with a linear part: the standardised training rows */
	double *mean, *scale;
	size_t *tgroup, *vgroup, ntgroup, nvgroup;
	ig_rank_head_report *report;
} train_job;

static double clamp_logit(double rate)
{
	rate = rate < 1e-6 ? 1e-6 : rate > 1 - 1e-6 ? 1 - 1e-6 : rate;
	return log(rate / (1 - rate));
}

static void report_head(train_job *j, int h, const float *y, const double *margin, double iterations)
{
	ig_rank_head_model *hm = &j->m->h[h];
	ig_rank_head_report *r = &j->report[h];
	size_t n = j->nvalid, i;
	double *raw = ig_malloc((n ? n : 1) * sizeof *raw), *cal = ig_malloc((n ? n : 1) * sizeof *cal);
	float *yv = ig_malloc((n ? n : 1) * sizeof *yv);

	for (i = 0; i < n; i++) {
		raw[i] = 1 / (1 + exp(-margin[j->valid[i]]));
		yv[i] = y[j->valid[i]];
	}
	hm->platt_a = 1;
	hm->platt_b = 0;
	double sum = 0;

	r->positives = 0;
	for (i = 0; i < n; i++) {
		r->positives += yv[i] >= 0.5f;
		sum += (double)yv[i];
	}
	/* calibration needs both classes among the validation rows */
	if (sum > 0 && sum < (double)n && !hm->constant)
		ig_rank_platt_fit(raw, yv, n, &hm->platt_a, &hm->platt_b);
	if (hm->platt_a < MIN_PLATT_SLOPE) {
		/* a slope below zero would reverse the model's order: the
		 * validation users show no signal (few positives), so the
		 * probabilities stay near the base rate, in the model's order */
		double mean = 0;

		for (i = 0; i < n; i++)
			mean += margin[j->valid[i]];
		hm->platt_a = MIN_PLATT_SLOPE;
		hm->platt_b = clamp_logit(sum / (double)n) - MIN_PLATT_SLOPE * mean / (double)n;
	}
	for (i = 0; i < n; i++)
		cal[i] = 1 / (1 + exp(-(hm->platt_a * margin[j->valid[i]] + hm->platt_b)));
	r->head = j->m->head[h];
	r->rows = n;
	r->auc = ig_rank_auc(cal, yv, n);
	r->logloss = ig_rank_logloss(cal, yv, n);
	r->ece_raw = ig_rank_ece(raw, yv, n, 10);
	r->ece = ig_rank_ece(cal, yv, n, 10);
	r->iterations = iterations;
	r->constant = (int)hm->constant;
	free(raw);
	free(cal);
	free(yv);
}

/* The head's linear part, its weights folded back to the raw features:
 * w_raw = w * scale, and the means move into the base. */
static void fit_linear(train_job *j, ig_rank_head_model *hm, const float *y)
{
	int nf = j->m->nfeat, k;
	float *yt = ig_malloc((j->ntrain + 1) * sizeof *yt);
	double *w = ig_malloc(((size_t)nf + 1) * sizeof *w);
	size_t i;

	for (i = 0; i < j->ntrain; i++)
		yt[i] = y[j->train[i]];
	ig_rank_linear_fit(j->xs, yt, j->ntrain, nf, j->o->linear_l2, hm->base, w);
	hm->lin = ig_malloc((size_t)nf * sizeof *hm->lin);
	hm->base = w[nf];
	for (k = 0; k < nf; k++) {
		hm->lin[k] = w[k] * j->scale[k];
		hm->base -= hm->lin[k] * j->mean[k];
	}
	free(w);
	free(yt);
}

/* The training rows standardised once for every head's linear part. */
static void prepare_linear(train_job *j)
{
	const ig_rank_examples *e = j->e;
	int nf = e->nfeat, k, stride = IG_RANK_LINEAR_STRIDE(nf);
	size_t i;

	j->mean = ig_malloc(((size_t)nf + 1) * sizeof *j->mean);
	j->scale = ig_malloc(((size_t)nf + 1) * sizeof *j->scale);
	ig_rank_linear_standardise(e->x, e->n, nf, j->train, j->ntrain, j->mean, j->scale);
	j->xs = ig_calloc(j->ntrain * (size_t)stride + 1, sizeof *j->xs);
	for (i = 0; i < j->ntrain; i++)
		for (k = 0; k < nf; k++)
			j->xs[i * (size_t)stride + (size_t)k] =
			    (float)(((double)e->x[(size_t)j->train[i] * (size_t)nf + (size_t)k] - j->mean[k]) * j->scale[k]);
}

static void train_one(train_job *j, int h)
{
	const ig_rank_examples *e = j->e;
	ig_rank_head_model *hm = &j->m->h[h];
	float *y = ig_malloc((e->n ? e->n : 1) * sizeof *y);
	double *margin = ig_calloc(e->n ? e->n : 1, sizeof *margin), pos = 0;
	size_t i;

	for (i = 0; i < e->n; i++)
		y[i] = (j->soft ? j->soft : e->y)[i * (size_t)e->nhead + (size_t)h];
	for (i = 0; i < j->ntrain; i++)
		pos += (double)y[j->train[i]];
	hm->base = clamp_logit(j->ntrain ? pos / (double)j->ntrain : 0);
	/* sums, not counts: distilled labels are probabilities */
	if (pos <= 0 || pos >= (double)j->ntrain) {
		hm->constant = 1;
		for (i = 0; i < e->n; i++)
			margin[i] = hm->base;
		if (j->o->kind == IG_RANK_LR)
			hm->w = ig_calloc((size_t)1 << j->m->bits, sizeof *hm->w);
	} else if (j->o->kind == IG_RANK_GBDT) {
		ig_rank_gbdt_data d = {j->bins, e->n, y, j->train, j->valid, j->ntrain, j->nvalid,
				       j->tgroup, j->vgroup, j->ntgroup, j->nvgroup};

		if (j->xs)
			fit_linear(j, hm, y);
		for (i = 0; i < e->n; i++)
			margin[i] = ig_rank_gbdt_margin(hm, e->x + i * (size_t)e->nfeat, e->nfeat);
		ig_rank_gbdt_train_head(j->m, hm, &d, j->o, j->o->seed + (uint64_t)h, margin);
	} else {
		ig_rank_lr_train_head(j->m, hm, j->idx, j->nidx, j->stride, y, j->train, j->ntrain, j->valid,
				      j->nvalid, j->o, j->o->seed + (uint64_t)h, margin);
	}
	report_head(j, h, y, margin, j->o->kind == IG_RANK_GBDT ? (double)hm->ntrees : (double)j->o->epochs);
	free(y);
	free(margin);
}

static void train_head(void *arg, size_t h, int tid)
{
	(void)tid;
	train_one(arg, (int)h);
}

static void prepare_inputs(train_job *j)
{
	const ig_rank_examples *e = j->e;
	ig_rank_model *m = j->m;
	size_t i;
	int f;

	if (m->kind == IG_RANK_GBDT) {
		j->bins = ig_malloc(e->n * (size_t)m->nfeat + 1);
		for (i = 0; i < e->n; i++)
			for (f = 0; f < m->nfeat; f++)
				j->bins[i * (size_t)m->nfeat + (size_t)f] =
				    (uint8_t)ig_rank_bin(m->edges[f], m->nedges[f], e->x[i * (size_t)m->nfeat + (size_t)f]);
		return;
	}
	j->stride = ig_rank_lr_nidx(m);
	j->idx = ig_reallocarray(NULL, e->n * (size_t)j->stride + 1, sizeof *j->idx);
	j->nidx = ig_malloc((e->n + 1) * sizeof *j->nidx);
	for (i = 0; i < e->n; i++)
		j->nidx[i] = ig_rank_lr_indices(m, e->x + i * (size_t)m->nfeat, e->user_hash[i], e->item_hash[i],
						 j->idx + i * (size_t)j->stride, NULL);
}

/* The validation users: a share of the users by a seeded hash of the id,
 * so that no user is on both sides. */
static void split_rows(train_job *j)
{
	const ig_rank_examples *e = j->e;
	uint64_t cut = (uint64_t)(j->o->valid_share * 1000000);
	size_t i;

	j->train = ig_malloc((e->n + 1) * sizeof *j->train);
	j->valid = ig_malloc((e->n + 1) * sizeof *j->valid);
	for (i = 0; i < e->n; i++) {
		uint64_t z = (e->user_hash[i] ^ (j->o->seed * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;

		if ((z >> 20) % 1000000 < cut)
			j->valid[j->nvalid++] = (uint32_t)i;
		else
			j->train[j->ntrain++] = (uint32_t)i;
	}
}

/* Where each user's rows start among ROWS (rows of a user are
 * consecutive in the examples); N + 1 offsets into *START. */
static size_t user_groups(const ig_rank_examples *e, const uint32_t *rows, size_t n, size_t **start)
{
	size_t i, k = 0;

	*start = ig_malloc((n + 1) * sizeof **start);
	for (i = 0; i < n; i++)
		if (i == 0 || e->user_hash[rows[i]] != e->user_hash[rows[i - 1]])
			(*start)[k++] = i;
	(*start)[k] = n;
	return k;
}

/* One model from O's seed. */
static ig_rank_model *train_member(const ig_rank_examples *e, const float *soft, const ig_rank_train_opts *o,
				   const char *provenance, ig_rank_head_report *report)
{
	train_job j;
	ig_pool *pool;
	int nt = o->threads < 1 ? 1 : o->threads;

	if (e->n == 0)
		ig_die("no training examples");
	if (e->n > UINT32_MAX)
		ig_die("%zu examples: at most %u", e->n, UINT32_MAX);
	memset(&j, 0, sizeof j);
	j.e = e;
	j.soft = soft;
	j.o = o;
	j.report = report;
	j.m = model_new(e, o, provenance);
	split_rows(&j);
	if (j.ntrain == 0)
		ig_die("every user fell in the validation share: too few users, or a --valid share too large");
	prepare_inputs(&j);
	/* LambdaRank orders a user's rows and leaves the scale free: a line
	 * fitted by log loss under it would only be a different start */
	if (o->kind == IG_RANK_GBDT && o->linear_l2 > 0 && o->objective == IG_RANK_OBJ_LOGISTIC)
		prepare_linear(&j);
	j.ntgroup = user_groups(e, j.train, j.ntrain, &j.tgroup);
	j.nvgroup = user_groups(e, j.valid, j.nvalid, &j.vgroup);
	/* a head per job: each is trained from its own seed */
	if (nt > e->nhead)
		nt = e->nhead;
	pool = ig_pool_new(nt);
	ig_pool_for(pool, (size_t)e->nhead, train_head, &j);
	ig_pool_free(pool);
	if (j.m->kind == IG_RANK_LR)
		ig_rank_lr_interleave(j.m);
	free(j.bins);
	free(j.xs);
	free(j.mean);
	free(j.scale);
	free(j.idx);
	free(j.nidx);
	free(j.train);
	free(j.valid);
	free(j.tgroup);
	free(j.vgroup);
	return j.m;
}

/* The members' reports in one: each measure the mean of the members',
 * each on its own validation users. */
static void mean_reports(ig_rank_head_report *into, const ig_rank_head_report *r, int nhead, int n)
{
	int h, k;

	for (h = 0; h < nhead; h++) {
		double rows = 0, pos = 0, auc = 0, ll = 0, er = 0, ec = 0, it = 0;
		int constant = 1;

		for (k = 0; k < n; k++) {
			const ig_rank_head_report *x = &r[k * nhead + h];

			rows += (double)x->rows;
			pos += (double)x->positives;
			auc += x->auc;
			ll += x->logloss;
			er += x->ece_raw;
			ec += x->ece;
			it += x->iterations;
			constant &= x->constant;
		}
		into[h] = r[h];
		into[h].rows = (size_t)(rows / n + 0.5);
		into[h].positives = (size_t)(pos / n + 0.5);
		into[h].auc = auc / n;
		into[h].logloss = ll / n;
		into[h].ece_raw = er / n;
		into[h].ece = ec / n;
		into[h].iterations = it / n;
		into[h].constant = constant;
	}
}

ig_rank_model *ig_rank_train(const ig_rank_examples *e, const float *soft, const ig_rank_train_opts *o,
			     const char *provenance, ig_rank_head_report *report)
{
	ig_rank_train_opts mo = *o;
	ig_rank_model **members, *bag;
	ig_rank_head_report *reps;
	int n = o->bag, k;

	if (n <= 1)
		return train_member(e, soft, o, provenance, report);
	members = ig_malloc((size_t)n * sizeof *members);
	reps = ig_calloc((size_t)n * (size_t)e->nhead, sizeof *reps);
	/* a member per seed: its own validation users (early stopping and
	 * calibration) and its own training users; the mean of the members
	 * has learnt from every user */
	for (k = 0; k < n; k++) {
		mo.seed = o->seed + (uint64_t)k;
		members[k] = train_member(e, soft, &mo, provenance, reps + (size_t)k * (size_t)e->nhead);
	}
	bag = ig_rank_model_bag((const ig_rank_model *const *)members, n);
	mean_reports(report, reps, e->nhead, n);
	/* the names were the members' */
	for (k = 0; k < e->nhead; k++)
		report[k].head = bag->head[k];
	for (k = 0; k < n; k++)
		ig_rank_model_free(members[k]);
	free(members);
	free(reps);
	return bag;
}
