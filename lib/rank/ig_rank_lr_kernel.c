/* The first stage: logistic regression over hashed one-hot features
 * (each dense feature's bin, the user, the item, and pairwise crosses of
 * a few features' coarse bins), trained by FTRL-proximal with L1 and L2,
 * one weight vector per head. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "rank/ig_rank_model_priv.h"

/* Features crossed pairwise when present: what most decides whether a
 * user engages with an item, per the feature groups of ig-rank(1). */
static const char *const cross_names[] = {"retrieval_score", "cooc_max_long", "emb_max_long", "user_dot",
					  "topic_affinity", "item_users", "user_media_affinity",
					  "follows_author", "user_positives", "hour"};
#define NCROSS_MAX (int)(sizeof cross_names / sizeof cross_names[0])
#define COARSE 4

static uint32_t mix(uint64_t a, uint64_t b, uint32_t bits);

void ig_rank_lr_pick_crosses(ig_rank_model *m)
{
	int i, j, f, k = 0;
	uint32_t b;

	m->cross = ig_malloc(NCROSS_MAX * sizeof *m->cross);
	m->ncross = 0;
	for (i = 0; i < NCROSS_MAX; i++)
		for (f = 0; f < m->nfeat; f++)
			if (strcmp(m->feat[f], cross_names[i]) == 0)
				m->cross[m->ncross++] = f;
	m->bin_off = ig_malloc(((size_t)m->nfeat + 1) * sizeof *m->bin_off);
	m->bin_off[0] = 0;
	for (f = 0; f < m->nfeat; f++)
		m->bin_off[f + 1] = m->bin_off[f] + m->nedges[f] + 1;
	m->bin_idx = ig_malloc((m->bin_off[m->nfeat] + 1) * sizeof *m->bin_idx);
	for (f = 0; f < m->nfeat; f++)
		for (b = 0; b <= m->nedges[f]; b++)
			m->bin_idx[m->bin_off[f] + b] = mix((uint64_t)f + 1, b, m->bits);
	m->cross_idx = ig_malloc(((size_t)(m->ncross * m->ncross) * COARSE * COARSE + 1) * sizeof *m->cross_idx);
	for (i = 0; i < m->ncross; i++)
		for (j = i + 1; j < m->ncross; j++)
			for (b = 0; b < COARSE * COARSE; b++)
				m->cross_idx[k++] = mix((3ull << 40) + (uint64_t)i * 64 + (uint64_t)j, b, m->bits);
}

int ig_rank_lr_nidx(const ig_rank_model *m)
{
	return m->nfeat + 2 + m->ncross * (m->ncross - 1) / 2;
}

static uint32_t mix(uint64_t a, uint64_t b, uint32_t bits)
{
	uint64_t z = a * 0x9E3779B97F4A7C15ull ^ (b + 0xBF58476D1CE4E5B9ull + (a << 6) + (a >> 2));

	z ^= z >> 31;
	z *= 0x94D049BB133111EBull;
	z ^= z >> 29;
	return (uint32_t)(z >> (64 - bits));
}

int ig_rank_lr_indices(const ig_rank_model *m, const float *x, uint64_t user_hash, uint64_t item_hash,
		       uint32_t *out, int *origin)
{
	uint32_t coarse[NCROSS_MAX], bins[512];
	const uint32_t *cx = m->cross_idx;
	int f, i, j, n = 0;

	for (f = 0; f < m->nfeat; f++) {
		uint32_t b = ig_rank_bin(m->edges[f], m->nedges[f], x[f]);

		bins[f] = b;
		if (origin)
			origin[n] = f;
		out[n++] = m->bin_idx[m->bin_off[f] + b];
	}
	if (origin) {
		origin[n] = m->nfeat;
		origin[n + 1] = m->nfeat + 1;
	}
	out[n++] = mix(1ull << 40, user_hash, m->bits);
	out[n++] = mix(2ull << 40, item_hash, m->bits);
	for (i = 0; i < m->ncross; i++) {
		f = m->cross[i];
		coarse[i] = bins[f] * COARSE / (m->nedges[f] + 1);
	}
	for (i = 0; i < m->ncross; i++)
		for (j = i + 1; j < m->ncross; j++) {
			if (origin)
				origin[n] = m->cross[i];
			out[n++] = cx[coarse[i] * COARSE + coarse[j]];
			cx += COARSE * COARSE;
		}
	return n;
}

double ig_rank_lr_margin(const ig_rank_model *m, const ig_rank_head_model *hm, const uint32_t *idx, int n)
{
	double s = hm->base;
	int i;

	(void)m;
	for (i = 0; i < n; i++)
		s += (double)hm->w[idx[i]];
	return s;
}

void ig_rank_lr_interleave(ig_rank_model *m)
{
	size_t size = (size_t)1 << m->bits, i;
	int h;

	free(m->wi);
	m->wi = ig_malloc(size * (size_t)m->nhead * sizeof *m->wi);
	for (i = 0; i < size; i++)
		for (h = 0; h < m->nhead; h++)
			m->wi[i * (size_t)m->nhead + (size_t)h] = m->h[h].constant ? 0 : m->h[h].w[i];
}

void ig_rank_lr_margins(const ig_rank_model *m, const uint32_t *idx, int n, double *z)
{
	float acc[IG_RANK_MAX_HEADS] = {0};
	int h, k, nh = m->nhead;

	/* float sums of a few dozen weights: the heads add in one vector */
	for (k = 0; k < n; k++) {
		const float *w = m->wi + (size_t)idx[k] * (size_t)nh;

		for (h = 0; h < nh; h++)
			acc[h] += w[h];
	}
	for (h = 0; h < nh; h++)
		z[h] = m->h[h].base + (double)acc[h];
}

typedef struct ftrl {
	float *z, *n;
	double alpha, beta, l1, l2;
} ftrl;

static double ftrl_weight(const ftrl *f, uint32_t i)
{
	double z = (double)f->z[i];

	if (fabs(z) <= f->l1)
		return 0;
	return -(z - (z > 0 ? f->l1 : -f->l1)) / ((f->beta + sqrt((double)f->n[i])) / f->alpha + f->l2);
}

static void ftrl_step(ftrl *f, const uint32_t *idx, int k, double g)
{
	int i;

	for (i = 0; i < k; i++) {
		uint32_t j = idx[i];
		double n = (double)f->n[j], w = ftrl_weight(f, j);
		double sigma = (sqrt(n + g * g) - sqrt(n)) / f->alpha;

		f->z[j] += (float)(g - sigma * w);
		f->n[j] = (float)(n + g * g);
	}
}

void ig_rank_lr_train_head(const ig_rank_model *m, ig_rank_head_model *hm, const uint32_t *idx,
			   const int *nidx, int stride, const float *y, const uint32_t *train, size_t ntrain,
			   const uint32_t *valid, size_t nvalid, const ig_rank_train_opts *o, uint64_t seed,
			   double *margin)
{
	size_t size = (size_t)1 << m->bits, i;
	ftrl f = {ig_calloc(size, sizeof(float)), ig_calloc(size, sizeof(float)), o->alpha, o->beta, o->l1, o->l2};
	uint32_t *order = ig_malloc((ntrain ? ntrain : 1) * sizeof *order);
	ig_rng rng;
	int e;

	ig_rng_seed(&rng, seed);
	memcpy(order, train, ntrain * sizeof *order);
	hm->w = ig_calloc(size, sizeof *hm->w);
	for (e = 0; e < o->epochs; e++) {
		for (i = ntrain; i > 1; i--) {
			size_t j = (size_t)ig_rng_below(&rng, i);
			uint32_t t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
		for (i = 0; i < ntrain; i++) {
			uint32_t r = order[i];
			const uint32_t *ix = idx + (size_t)r * (size_t)stride;
			double s = hm->base, p;
			int k;

			for (k = 0; k < nidx[r]; k++)
				s += ftrl_weight(&f, ix[k]);
			p = 1 / (1 + exp(-s));
			ftrl_step(&f, ix, nidx[r], p - (double)y[r]);
		}
	}
	for (i = 0; i < size; i++)
		hm->w[i] = (float)ftrl_weight(&f, (uint32_t)i);
	for (i = 0; i < nvalid; i++)
		margin[valid[i]] = ig_rank_lr_margin(m, hm, idx + (size_t)valid[i] * (size_t)stride, nidx[valid[i]]);
	free(order);
	free(f.z);
	free(f.n);
}
