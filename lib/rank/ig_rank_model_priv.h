/* The model in memory, shared by the file code, the trainers and the
 * predictors. */
#ifndef IG_RANK_MODEL_PRIV_H
#define IG_RANK_MODEL_PRIV_H
#include "rank/ig_rank.h"

#define IG_RANK_MODEL_MAGIC "IGRANKM\n"
#define IG_RANK_MODEL_VERSION 2u /* 2: a linear part under the trees; 1 is still read */

typedef struct ig_rank_node {
	int32_t feat;     /* -1: a leaf */
	float thr;        /* x <= thr goes left */
	int32_t left, right;
	float value;      /* the node's output (a leaf's is what it adds) */
} ig_rank_node;

typedef struct ig_rank_head_model {
	double base;      /* starting logit */
	double platt_a, platt_b;
	uint32_t constant;
	/* gbdt: trees as node ranges, root first */
	uint32_t ntrees, nnodes;
	uint32_t *root;
	ig_rank_node *nodes;
	double *lin;      /* gbdt: weights of the raw features under the trees, or NULL */
	/* lr: weights of the hashed features */
	float *w;
} ig_rank_head_model;

struct ig_rank_model {
	uint32_t kind;
	char *fopts, *prov;
	int nfeat, nhead;
	char **feat, **head;
	uint32_t *nedges;   /* per feature */
	float **edges;      /* bin edges per feature, ascending */
	uint32_t bits;      /* lr: 2^bits hashed weights per head */
	int *cross;         /* lr: the features crossed pairwise, ncross of them */
	int ncross;
	uint32_t *bin_idx;  /* lr: hashed index of feature f's bin b at bin_off[f] + b */
	size_t *bin_off;
	uint32_t *cross_idx;/* lr: hashed index of each cross's 16 coarse-bin pairs */
	float *wi;          /* lr: the heads' weights interleaved, wi[index * stride + h]
			     * (stride: nhead rounded up to 4) */
	float *wd;          /* lr: the same for the dense bins (at bin_off[f] + b), then
			     * the crosses' 16 coarse pairs each: a few hundred kB */
	int *order;         /* lr: the features in the order scoring sums them: those of
			     * the item alone (ig_rank_feature_item_only), those of the
			     * user alone (ig_rank_feature_user_only), the others */
	int nitem_only, nuser_only;
	size_t *order_off;  /* lr: bin_off of each feature in that order */
	int *cross_at;      /* lr: the place of each crossed feature in that order */
	float *cedge;       /* lr: each feature's edges, the k-th of the order's (cne[k] of
			     * them) at coff[k], padded with +inf to a multiple of
			     * IG_RANK_EDGE_PAD (rank/ig_rank_bins_kernel.h) */
	size_t *coff;
	uint32_t *cne;
	int bins_isa;       /* lr: the copy that counts bins (core/ig_cpu.h) */
	uint8_t *coarse;    /* lr: the coarse bin (0-3) of feature f's bin b at bin_off[f] + b */
	ig_rank_head_model *h;
};

/* Bin of X among N ascending edges: the number of edges below X. The
 * search has no data-dependent branch (the step is a conditional move):
 * binning is most of a first-stage prediction. */
static inline uint32_t ig_rank_bin(const float *edges, uint32_t n, float x)
{
	const float *b = edges;

	if (n == 0)
		return 0;
	while (n > 1) {
		uint32_t half = n / 2;

		b += b[half - 1] < x ? half : 0;
		n -= half;
	}
	return (uint32_t)(b - edges) + (b[0] < x);
}

/* Hashed feature numbers of a row for the linear model; returns how many
 * were written to OUT (at most ig_rank_lr_nidx). ORIGIN, when not NULL,
 * gets the dense feature each came from (nfeat: user, nfeat+1: item;
 * crosses: the first of the pair). */
int ig_rank_lr_nidx(const ig_rank_model *m);
int ig_rank_lr_indices(const ig_rank_model *m, const float *x, uint64_t user_hash, uint64_t item_hash,
		       uint32_t *out, int *origin);
/* Picks the crossed features of the first stage by name and tabulates
 * the hashed indices (after the bin edges and the bits are known). */
void ig_rank_lr_pick_crosses(ig_rank_model *m);

/* Frees what head H holds (trees, line, hashed weights) and zeroes it. */
void ig_rank_head_clear(ig_rank_head_model *h);

/* A head's training rows for the trees: binned features, labels, the
 * training and validation rows and, for the ranking objective, where
 * each user's rows start among them (ntgroup + 1 and nvgroup + 1
 * offsets). */
typedef struct ig_rank_gbdt_data {
	const uint8_t *bins;      /* nrows x nfeat */
	size_t nrows;
	const float *y;
	const uint32_t *train, *valid;
	size_t ntrain, nvalid;
	const size_t *tgroup, *vgroup;
	size_t ntgroup, nvgroup;
} ig_rank_gbdt_data;

void ig_rank_gbdt_train_head(const ig_rank_model *m, ig_rank_head_model *hm, const ig_rank_gbdt_data *d,
			     const ig_rank_train_opts *o, uint64_t seed, double *margin);
/* The margin of a head: base, linear part and trees. */
double ig_rank_gbdt_margin(const ig_rank_head_model *hm, const float *x, int nfeat);
/* The linear part (ig_rank_linear.c): per-feature MEAN and SCALE (1/sd,
 * 0 for a constant feature) of the ROWS of X; then the weights W (nf,
 * then the bias) of an L2 (on the weights) logistic regression on the
 * N standardised rows XS (IG_RANK_LINEAR_STRIDE floats each, zeros after
 * the NF features) with labels Y, starting from bias BASE. */
#define IG_RANK_LINEAR_STRIDE(nf) (((nf) + 7) / 8 * 8)
void ig_rank_linear_standardise(const float *x, size_t nrows, int nf, const uint32_t *rows, size_t n,
				double *mean, double *scale);
void ig_rank_linear_fit(const float *xs, const float *y, size_t n, int nf, double l2, double base, double *w);
void ig_rank_lr_train_head(const ig_rank_model *m, ig_rank_head_model *hm, const uint32_t *idx,
			   const int *nidx, int stride, const float *y, const uint32_t *train, size_t ntrain,
			   const uint32_t *valid, size_t nvalid, const ig_rank_train_opts *o, uint64_t seed,
			   double *val_margin);
double ig_rank_lr_margin(const ig_rank_model *m, const ig_rank_head_model *hm, const uint32_t *idx, int n);
/* Every head's margin for features X at once, from the interleaved
 * weights: the item's part (ig_rank_lr_item_part), then the rest. */
void ig_rank_lr_margins(const ig_rank_model *m, const float *x, uint64_t user_hash, uint64_t item_hash,
			double *z);
/* The sums of the features of the item alone (XI, in the order of
 * m->order) and of the item id, and the coarse bins of those crossed,
 * into PART (ig_rank_part_len floats); the same for the user's (XU, the
 * user id); then the margins from the parts and the other features (XR,
 * in that order). */
void ig_rank_lr_item_part(const ig_rank_model *m, const float *xi, uint64_t item_hash, float *part);
void ig_rank_lr_user_part(const ig_rank_model *m, const float *xu, uint64_t user_hash, float *part);
void ig_rank_lr_margins_parts(const ig_rank_model *m, const float *xr, const float *item_part,
			      const float *user_part, double *z);
void ig_rank_lr_interleave(ig_rank_model *m);

/* P[i] = 1 / (1 + exp(-T[i])) for the N values T, several at a time
 * (ig_rank_lr_kernel.c): within an ulp or so of libm's exp, the same bits
 * on every CPU. */
void ig_rank_sigmoids(const double *t, double *p, int n);
#endif
