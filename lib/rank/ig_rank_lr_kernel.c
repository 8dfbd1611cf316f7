/* The first stage: logistic regression over hashed one-hot features
 * (each dense feature's bin, the user, the item, and pairwise crosses of
 * a few features' coarse bins), trained by FTRL-proximal with L1 and L2,
 * one weight vector per head. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_cpu.h"
#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "rank/ig_rank_bins_kernel.h"
#include "rank/ig_rank_model_priv.h"

/* Features crossed pairwise when present: what most decides whether a
 * user engages with an item, per the feature groups of ig-rank(1). */
static const char *const cross_names[] = {"retrieval_score", "cooc_max_long", "emb_max_long", "user_dot",
					  "topic_affinity", "item_users", "user_media_affinity",
					  "follows_author", "user_positives", "hour"};
#define NCROSS_MAX (int)(sizeof cross_names / sizeof cross_names[0])
#define COARSE 4

static uint32_t mix(uint64_t a, uint64_t b, uint32_t bits);

/* What feature F is a function of alone, for the order of scoring. */
enum { BY_ITEM, BY_USER, BY_PAIR };
static int feature_by(const ig_rank_model *m, int f)
{
	if (ig_rank_feature_item_only(m->feat[f]))
		return BY_ITEM;
	return ig_rank_feature_user_only(m->feat[f]) ? BY_USER : BY_PAIR;
}

/* The order scoring sums the features in: those of the item alone, then
 * those of the user alone, so that their sums are kept per item and per
 * user (ig_rank_item_part, ig_rank_user_part). */
static void score_order(ig_rank_model *m)
{
	int f, k = 0, by, i;

	m->order = ig_malloc(((size_t)m->nfeat + 1) * sizeof *m->order);
	m->order_off = ig_malloc(((size_t)m->nfeat + 1) * sizeof *m->order_off);
	for (by = BY_ITEM; by <= BY_PAIR; by++) {
		for (f = 0; f < m->nfeat; f++)
			if (feature_by(m, f) == by) {
				m->order_off[k] = m->bin_off[f];
				m->order[k++] = f;
			}
		if (by == BY_ITEM)
			m->nitem_only = k;
		else if (by == BY_USER)
			m->nuser_only = k - m->nitem_only;
	}
	m->cross_at = ig_malloc(NCROSS_MAX * sizeof *m->cross_at);
	for (i = 0; i < m->ncross; i++)
		for (k = 0; k < m->nfeat; k++)
			if (m->order[k] == m->cross[i])
				m->cross_at[i] = k;
}

/* Each feature's edges in the order of score_order, padded with +inf to
 * a multiple of IG_RANK_EDGE_PAD, for ig_rank_count_bins: a bin is then
 * a count over the feature's vectors of edges, with no dependent chain of
 * loads (a binary search, or gathers, wait for each step). */
static void count_edges(ig_rank_model *m)
{
	size_t off = 0, e;
	int k;

	m->bins_isa = ig_rank_bins_isa();
	m->coff = ig_malloc(((size_t)m->nfeat + 1) * sizeof *m->coff);
	m->cne = ig_malloc(((size_t)m->nfeat + 1) * sizeof *m->cne);
	for (k = 0; k < m->nfeat; k++) {
		m->coff[k] = off;
		m->cne[k] = m->nedges[m->order[k]];
		off += (m->cne[k] + IG_RANK_EDGE_PAD - 1) / IG_RANK_EDGE_PAD * IG_RANK_EDGE_PAD;
	}
	m->coff[m->nfeat] = off;
	m->cedge = ig_malloc((off + 1) * sizeof *m->cedge);
	for (k = 0; k < m->nfeat; k++)
		for (e = m->coff[k]; e < m->coff[k + 1]; e++)
			m->cedge[e] = e - m->coff[k] < m->cne[k] ? m->edges[m->order[k]][e - m->coff[k]] : INFINITY;
}

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
	score_order(m);
	count_edges(m);
	m->bin_idx = ig_malloc((m->bin_off[m->nfeat] + 1) * sizeof *m->bin_idx);
	m->coarse = ig_malloc(m->bin_off[m->nfeat] + 1);
	for (f = 0; f < m->nfeat; f++)
		for (b = 0; b <= m->nedges[f]; b++) {
			m->bin_idx[m->bin_off[f] + b] = mix((uint64_t)f + 1, b, m->bits);
			m->coarse[m->bin_off[f] + b] = (uint8_t)(b * COARSE / (m->nedges[f] + 1));
		}
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
		coarse[i] = m->coarse[m->bin_off[f] + bins[f]];
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

/* Heads per slot of the interleaved tables: a multiple of 4, so that a
 * slot's heads add as whole vectors. */
static size_t head_stride(const ig_rank_model *m)
{
	return ((size_t)m->nhead + 3) & ~(size_t)3;
}

static void copy_slot(const ig_rank_model *m, float *to, uint32_t idx)
{
	size_t h;

	for (h = 0; h < (size_t)m->nhead; h++)
		to[h] = m->h[h].constant ? 0 : m->h[h].w[idx];
}

void ig_rank_lr_interleave(ig_rank_model *m)
{
	size_t size = (size_t)1 << m->bits, hs = head_stride(m), i, k = 0;
	size_t nbin = m->bin_off[m->nfeat], npair = (size_t)(m->ncross * (m->ncross - 1) / 2);

	free(m->wi);
	free(m->wd);
	m->wi = ig_calloc(size * hs, sizeof *m->wi);
	for (i = 0; i < size; i++)
		copy_slot(m, m->wi + i * hs, (uint32_t)i);
	/* the dense features' bins and the crosses take a few thousand of the
	 * 2^bits slots: copied out of the hashed table (collisions and all,
	 * so predictions do not change), they stay in the fast caches while
	 * a row reads them, and only the user and item ids reach the big
	 * table */
	m->wd = ig_calloc((nbin + npair * COARSE * COARSE + 1) * hs, sizeof *m->wd);
	for (i = 0; i < nbin; i++)
		copy_slot(m, m->wd + i * hs, m->bin_idx[i]);
	for (k = 0; k < npair * COARSE * COARSE; k++)
		copy_slot(m, m->wd + (nbin + k) * hs, m->cross_idx[k]);
}

typedef float v4f __attribute__((vector_size(16)));

/* Adds the NQ groups of 4 weights at W to ACC. */
static inline __attribute__((always_inline)) void add_slot(v4f *acc, const float *w, size_t nq)
{
	size_t q;

	for (q = 0; q < nq; q++) {
		v4f v;

		memcpy(&v, w + 4 * q, sizeof v);
		acc[q] += v;
	}
}

/* The bins of the features FROM..TO of the order of score_order, X in
 * that order. */
static void order_bins(const ig_rank_model *m, int from, int to, const float *x, uint32_t *bins)
{
	ig_rank_count_bins(m->bins_isa, m->cedge, m->coff + from, m->cne + from, x, to - from, bins);
}

size_t ig_rank_part_len(const ig_rank_model *m)
{
	return m->kind == IG_RANK_LR ? head_stride(m) + (size_t)m->ncross : 0;
}

/* The part of the features FROM..TO of the order (X their values) and of
 * the id whose slot is W, with NQ groups of 4 heads (a constant where it
 * is called, so that the sums stay in registers). PART: the sums, then
 * the coarse bin of each crossed feature among them. */
static inline __attribute__((always_inline)) void part_nq(const ig_rank_model *m, const float *x, int from,
							  int to, const float *w, float *part, const size_t nq)
{
	v4f acc[IG_RANK_MAX_HEADS / 4] = {{0}};
	uint32_t bins[512];
	size_t hs = 4 * nq;
	int k, i;

	/* the id's slot is far away in memory: ask for it first */
	__builtin_prefetch(w);
	order_bins(m, from, to, x, bins);
	for (k = from; k < to; k++)
		add_slot(acc, m->wd + (m->order_off[k] + bins[k - from]) * hs, nq);
	add_slot(acc, w, nq);
	memcpy(part, acc, hs * sizeof *part);
	for (i = 0; i < m->ncross; i++) {
		k = m->cross_at[i];
		if (k >= from && k < to)
			part[hs + (size_t)i] = (float)m->coarse[m->order_off[k] + bins[k - from]];
	}
}

/* The margins from the item's and the user's parts and the other
 * features XR. */
static inline __attribute__((always_inline)) void margins_nq(const ig_rank_model *m, const float *xr,
							     const float *ip, const float *up, double *z,
							     const size_t nq)
{
	v4f acc[IG_RANK_MAX_HEADS / 4], ua[IG_RANK_MAX_HEADS / 4];
	uint32_t coarse[NCROSS_MAX], bins[512];
	size_t hs = 4 * nq, nbin = m->bin_off[m->nfeat], q;
	const float *wc = m->wd + nbin * hs;
	int k, i, j, h, ni = m->nitem_only, nu = m->nuser_only, from = ni + nu;

	memcpy(acc, ip, hs * sizeof *ip);
	memcpy(ua, up, hs * sizeof *up);
	for (q = 0; q < nq; q++)
		acc[q] += ua[q];
	order_bins(m, from, m->nfeat, xr, bins);
	for (k = from; k < m->nfeat; k++)
		add_slot(acc, m->wd + (m->order_off[k] + bins[k - from]) * hs, nq);
	for (i = 0; i < m->ncross; i++) {
		k = m->cross_at[i];
		coarse[i] = k < ni ? (uint32_t)ip[hs + (size_t)i]
			  : k < from ? (uint32_t)up[hs + (size_t)i] : m->coarse[m->order_off[k] + bins[k - from]];
	}
	for (i = 0; i < m->ncross; i++)
		for (j = i + 1; j < m->ncross; j++) {
			add_slot(acc, wc + (size_t)(coarse[i] * COARSE + coarse[j]) * hs, nq);
			wc += COARSE * COARSE * hs;
		}
	for (h = 0; h < m->nhead; h++)
		z[h] = m->h[h].base + (double)acc[h / 4][h % 4];
}

static void part_of(const ig_rank_model *m, const float *x, int from, int to, uint64_t id_hash, uint64_t kind,
		    float *part)
{
	size_t hs = head_stride(m);
	const float *w = m->wi + (size_t)mix(kind << 40, id_hash, m->bits) * hs;

	switch (hs / 4) {
	case 1: part_nq(m, x, from, to, w, part, 1); break;
	case 2: part_nq(m, x, from, to, w, part, 2); break;
	case 3: part_nq(m, x, from, to, w, part, 3); break;
	default: part_nq(m, x, from, to, w, part, 4); break;
	}
}

void ig_rank_lr_item_part(const ig_rank_model *m, const float *xi, uint64_t item_hash, float *part)
{
	part_of(m, xi, 0, m->nitem_only, item_hash, 2, part);
}

void ig_rank_lr_user_part(const ig_rank_model *m, const float *xu, uint64_t user_hash, float *part)
{
	part_of(m, xu, m->nitem_only, m->nitem_only + m->nuser_only, user_hash, 1, part);
}

void ig_rank_lr_margins_parts(const ig_rank_model *m, const float *xr, const float *item_part,
			      const float *user_part, double *z)
{
	switch (head_stride(m) / 4) {
	case 1: margins_nq(m, xr, item_part, user_part, z, 1); break;
	case 2: margins_nq(m, xr, item_part, user_part, z, 2); break;
	case 3: margins_nq(m, xr, item_part, user_part, z, 3); break;
	default: margins_nq(m, xr, item_part, user_part, z, 4); break;
	}
}

/* Training's margins (ig_rank_lr_margin) add the same weights in
 * doubles in ig_rank_lr_indices' order: they agree to rounding. */
void ig_rank_lr_margins(const ig_rank_model *m, const float *x, uint64_t user_hash, uint64_t item_hash,
			double *z)
{
	float ip[IG_RANK_MAX_HEADS + NCROSS_MAX], up[IG_RANK_MAX_HEADS + NCROSS_MAX], xo[512];
	int k;

	for (k = 0; k < m->nfeat; k++)
		xo[k] = x[m->order[k]];
	ig_rank_lr_item_part(m, xo, item_hash, ip);
	ig_rank_lr_user_part(m, xo + m->nitem_only, user_hash, up);
	ig_rank_lr_margins_parts(m, xo + m->nitem_only + m->nuser_only, ip, up, z);
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

/* ---- calibration's sigmoids, four at a time ---- */

#define IG_KERNEL_BODY "rank/ig_rank_sigmoid_kernel_priv.h"
#include "core/ig_kernel_copies.h"

typedef void (*sigmoids_fn)(const double *t, double *p, int n);
static const sigmoids_fn sigmoid_copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(sigmoids);

void ig_rank_sigmoids(const double *t, double *p, int n)
{
	sigmoid_copies[ig_isa_pick(IG_KERNEL_HAVE)](t, p, n);
}
