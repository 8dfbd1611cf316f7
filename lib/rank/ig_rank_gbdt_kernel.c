/* Gradient-boosted trees for one head: logistic loss, histogram splits
 * over pre-binned features, depth-wise growth, early stopping on the
 * validation users. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "rank/ig_rank_model_priv.h"

typedef struct hist_bin {
	double g, h;
} hist_bin;

typedef struct split {
	double gain;
	int feat;
	uint32_t bin;
	double gl, hl;
} split;

typedef struct grower {
	const ig_rank_model *m;
	const uint8_t *bins;      /* nrows x nfeat */
	const double *g, *h;
	const ig_rank_train_opts *o;
	hist_bin *hist;           /* feature f's bins at hist + off[f] */
	size_t *off, nbins;
	ig_rank_node *nodes;
	uint32_t nnodes, cap;
} grower;

static void build_hist(grower *gr, const uint32_t *rows, size_t n)
{
	int nf = gr->m->nfeat, f;
	size_t i;

	memset(gr->hist, 0, gr->nbins * sizeof *gr->hist);
	for (i = 0; i < n; i++) {
		const uint8_t *b = gr->bins + (size_t)rows[i] * (size_t)nf;
		double g = gr->g[rows[i]], h = gr->h[rows[i]];

		for (f = 0; f < nf; f++) {
			hist_bin *hb = &gr->hist[gr->off[f] + b[f]];

			hb->g += g;
			hb->h += h;
		}
	}
}

static split best_split(const grower *gr, double G, double H)
{
	const double lambda = gr->o->lambda, mc = gr->o->min_child;
	double parent = G * G / (H + lambda);
	split best = {0, -1, 0, 0, 0};
	int f;

	for (f = 0; f < gr->m->nfeat; f++) {
		const hist_bin *hb = gr->hist + gr->off[f];
		uint32_t b, nb = gr->m->nedges[f];
		double gl = 0, hl = 0;

		for (b = 0; b < nb; b++) {
			double gain;

			gl += hb[b].g;
			hl += hb[b].h;
			if (hl < mc || H - hl < mc)
				continue;
			gain = gl * gl / (hl + lambda) + (G - gl) * (G - gl) / (H - hl + lambda) - parent;
			if (gain > best.gain + 1e-12) {
				best.gain = gain;
				best.feat = f;
				best.bin = b;
				best.gl = gl;
				best.hl = hl;
			}
		}
	}
	return best;
}

static uint32_t new_node(grower *gr, double G, double H)
{
	if (gr->nnodes == gr->cap) {
		gr->cap = gr->cap ? 2 * gr->cap : 64;
		gr->nodes = ig_reallocarray(gr->nodes, gr->cap, sizeof *gr->nodes);
	}
	gr->nodes[gr->nnodes].feat = -1;
	gr->nodes[gr->nnodes].thr = 0;
	gr->nodes[gr->nnodes].left = gr->nodes[gr->nnodes].right = -1;
	gr->nodes[gr->nnodes].value = (float)(-G / (H + gr->o->lambda) * gr->o->eta);
	return gr->nnodes++;
}

/* Rows with bin <= B first; returns how many. */
static size_t partition(const grower *gr, uint32_t *rows, size_t n, int f, uint32_t b)
{
	size_t i = 0, j = n;
	int nf = gr->m->nfeat;

	while (i < j) {
		if (gr->bins[(size_t)rows[i] * (size_t)nf + (size_t)f] <= b)
			i++;
		else {
			uint32_t t = rows[i];

			rows[i] = rows[--j];
			rows[j] = t;
		}
	}
	return i;
}

static void grow(grower *gr, uint32_t node, uint32_t *rows, size_t n, double G, double H, int depth)
{
	split s;
	size_t nl;
	uint32_t l, r;

	if (depth >= gr->o->depth || n < 2)
		return;
	build_hist(gr, rows, n);
	s = best_split(gr, G, H);
	if (s.feat < 0)
		return;
	nl = partition(gr, rows, n, s.feat, s.bin);
	l = new_node(gr, s.gl, s.hl);
	r = new_node(gr, G - s.gl, H - s.hl);
	gr->nodes[node].feat = s.feat;
	gr->nodes[node].thr = gr->m->edges[s.feat][s.bin];
	gr->nodes[node].left = (int32_t)l;
	gr->nodes[node].right = (int32_t)r;
	grow(gr, l, rows, nl, s.gl, s.hl, depth + 1);
	grow(gr, r, rows + nl, n - nl, G - s.gl, H - s.hl, depth + 1);
}

/* The leaf's value for binned row B: thresholds are edges, so comparing
 * bins is exact. */
static float leaf_of_bins(const ig_rank_model *m, const ig_rank_node *nodes, uint32_t root, const uint8_t *b)
{
	const ig_rank_node *nd = &nodes[root];

	while (nd->feat >= 0) {
		uint32_t bin = ig_rank_bin(m->edges[nd->feat], m->nedges[nd->feat], nd->thr);

		nd = &nodes[b[nd->feat] <= bin ? nd->left : nd->right];
	}
	return nd->value;
}

static double sigmoid(double z)
{
	return 1 / (1 + exp(-z));
}

static double valid_loss(const double *margin, const float *y, const uint32_t *valid, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double p = sigmoid(margin[valid[i]]), t = (double)y[valid[i]];

		p = p < 1e-15 ? 1e-15 : p > 1 - 1e-15 ? 1 - 1e-15 : p;
		s -= t * log(p) + (1 - t) * log(1 - p);
	}
	return n ? s / (double)n : 0;
}

static void add_tree(grower *gr, ig_rank_head_model *hm, uint32_t root, size_t start_nodes)
{
	(void)start_nodes;
	hm->root = ig_reallocarray(hm->root, hm->ntrees + 1, sizeof *hm->root);
	hm->root[hm->ntrees++] = root;
	hm->nodes = gr->nodes;
	hm->nnodes = gr->nnodes;
}

void ig_rank_gbdt_train_head(const ig_rank_model *m, ig_rank_head_model *hm, const uint8_t *bins,
			     const float *y, const uint32_t *train, size_t ntrain, const uint32_t *valid,
			     size_t nvalid, const ig_rank_train_opts *o, uint64_t seed, size_t nrows,
			     double *margin)
{
	grower gr = {m, bins, NULL, NULL, o, NULL, NULL, 0, NULL, 0, 0};
	double *g = ig_malloc(nrows * sizeof *g), *h = ig_malloc(nrows * sizeof *h);
	uint32_t *rows = ig_malloc((ntrain ? ntrain : 1) * sizeof *rows);
	double best = INFINITY;
	uint32_t best_trees = 0, best_nodes = 0, t;
	int since = 0;
	size_t i, n;
	ig_rng rng;

	ig_rng_seed(&rng, seed);
	gr.g = g;
	gr.h = h;
	gr.off = ig_malloc(((size_t)m->nfeat + 1) * sizeof *gr.off);
	for (i = 0; i < (size_t)m->nfeat; i++) {
		gr.off[i] = gr.nbins;
		gr.nbins += m->nedges[i] + 1;
	}
	gr.hist = ig_malloc((gr.nbins + 1) * sizeof *gr.hist);
	for (i = 0; i < nrows; i++)
		margin[i] = hm->base;
	for (t = 0; t < (uint32_t)o->trees; t++) {
		double G = 0, H = 0;
		uint32_t root;

		for (n = 0, i = 0; i < ntrain; i++) {
			uint32_t r = train[i];
			double p = sigmoid(margin[r]);

			if (o->subsample < 1 && ig_rng_double(&rng) >= o->subsample)
				continue;
			g[r] = p - (double)y[r];
			h[r] = p * (1 - p) > 1e-16 ? p * (1 - p) : 1e-16;
			G += g[r];
			H += h[r];
			rows[n++] = r;
		}
		root = new_node(&gr, G, H);
		grow(&gr, root, rows, n, G, H, 0);
		add_tree(&gr, hm, root, 0);
		for (i = 0; i < ntrain; i++)
			margin[train[i]] += (double)leaf_of_bins(m, gr.nodes, root, bins + (size_t)train[i] * (size_t)m->nfeat);
		for (i = 0; i < nvalid; i++)
			margin[valid[i]] += (double)leaf_of_bins(m, gr.nodes, root, bins + (size_t)valid[i] * (size_t)m->nfeat);
		if (nvalid == 0) {
			best_trees = hm->ntrees;
			best_nodes = gr.nnodes;
			continue;
		}
		double loss = valid_loss(margin, y, valid, nvalid);
		if (loss < best - 1e-7) {
			best = loss;
			best_trees = hm->ntrees;
			best_nodes = gr.nnodes;
			since = 0;
		} else if (++since >= o->patience) {
			break;
		}
	}
	/* back to the best iteration: the trees after it go, and the
	 * validation margins lose what they added */
	for (t = best_trees; t < hm->ntrees; t++)
		for (i = 0; i < nvalid; i++)
			margin[valid[i]] -= (double)leaf_of_bins(m, gr.nodes, hm->root[t],
							 bins + (size_t)valid[i] * (size_t)m->nfeat);
	hm->ntrees = best_trees;
	hm->nnodes = best_nodes;
	hm->nodes = gr.nodes;
	free(gr.hist);
	free(gr.off);
	free(rows);
	free(g);
	free(h);
}

double ig_rank_gbdt_margin(const ig_rank_head_model *hm, const float *x)
{
	double s = hm->base;
	uint32_t t;

	for (t = 0; t < hm->ntrees; t++) {
		const ig_rank_node *nd = &hm->nodes[hm->root[t]];

		while (nd->feat >= 0)
			nd = &hm->nodes[x[nd->feat] <= nd->thr ? nd->left : nd->right];
		s += (double)nd->value;
	}
	return s;
}
