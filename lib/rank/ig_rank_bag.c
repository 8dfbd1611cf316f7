/* Bagging: models trained on the same examples from different seeds (so
 * on different training and validation users) folded into one model
 * whose calibrated logit is the mean of theirs. A head's calibrated
 * logit is a * margin + b with a margin linear in its parts (base, the
 * linear part's weights, the trees' leaves, the hashed weights), so the
 * mean is one head of the same kind: the parts scaled by a / n and
 * summed, calibration the identity. Scoring a bag costs its trees (a
 * linear part or the hashed weights cost the same as one model's). */
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "rank/ig_rank_model_priv.h"

/* The members must come from the same examples and options but for the
 * seed: the same features, heads and bin edges (the edges do not depend
 * on the seed). */
static void check_alike(const ig_rank_model *a, const ig_rank_model *b)
{
	int i;

	if (a->kind != b->kind || a->nfeat != b->nfeat || a->nhead != b->nhead || a->bits != b->bits)
		ig_die("bagging: members of different kinds or shapes");
	for (i = 0; i < a->nfeat; i++)
		if (strcmp(a->feat[i], b->feat[i]) != 0 || a->nedges[i] != b->nedges[i] ||
		    (a->nedges[i] && memcmp(a->edges[i], b->edges[i], a->nedges[i] * sizeof *a->edges[i]) != 0))
			ig_die("bagging: members with different features or bin edges");
	for (i = 0; i < a->nhead; i++)
		if (strcmp(a->head[i], b->head[i]) != 0)
			ig_die("bagging: members with different heads");
}

/* The trees of SRC appended to DST's, their values scaled by S. */
static void add_trees(ig_rank_head_model *dst, const ig_rank_head_model *src, double s)
{
	uint32_t t, k, off = dst->nnodes;

	if (src->ntrees == 0)
		return;
	dst->root = ig_reallocarray(dst->root, (size_t)dst->ntrees + src->ntrees + 1, sizeof *dst->root);
	dst->nodes = ig_reallocarray(dst->nodes, (size_t)dst->nnodes + src->nnodes + 1, sizeof *dst->nodes);
	for (t = 0; t < src->ntrees; t++)
		dst->root[dst->ntrees++] = src->root[t] + off;
	for (k = 0; k < src->nnodes; k++) {
		ig_rank_node nd = src->nodes[k];

		if (nd.feat >= 0) {
			nd.left += (int32_t)off;
			nd.right += (int32_t)off;
		}
		nd.value = (float)((double)nd.value * s);
		dst->nodes[dst->nnodes++] = nd;
	}
}

/* Head H of the bag from the members' heads: each member's margin parts
 * scaled by its calibration slope over N. */
static void fold_head(ig_rank_model *bag, const ig_rank_model *const *members, int n, int h)
{
	ig_rank_head_model *out = &bag->h[h];
	size_t size = bag->kind == IG_RANK_LR ? (size_t)1 << bag->bits : 0, i;
	int k, f;

	ig_rank_head_clear(out);
	out->platt_a = 1;
	out->constant = 1;
	if (bag->kind == IG_RANK_LR)
		out->w = ig_calloc(size, sizeof *out->w);
	for (k = 0; k < n; k++) {
		const ig_rank_head_model *hm = &members[k]->h[h];
		double s = hm->platt_a / n;

		/* a constant head's margin is its base, whatever the rest says */
		out->base += s * hm->base + hm->platt_b / n;
		if (hm->constant)
			continue;
		out->constant = 0;
		if (bag->kind == IG_RANK_LR) {
			for (i = 0; i < size; i++)
				out->w[i] = (float)((double)out->w[i] + s * (double)hm->w[i]);
			continue;
		}
		if (hm->lin) {
			if (!out->lin)
				out->lin = ig_calloc((size_t)bag->nfeat, sizeof *out->lin);
			for (f = 0; f < bag->nfeat; f++)
				out->lin[f] += s * hm->lin[f];
		}
		add_trees(out, hm, s);
	}
}

ig_rank_model *ig_rank_model_bag(const ig_rank_model *const *members, int n)
{
	ig_rank_model *bag;
	int k, h;

	if (n < 1)
		ig_die("bagging: no member");
	for (k = 1; k < n; k++)
		check_alike(members[0], members[k]);
	bag = ig_rank_model_copy(members[0]);
	for (h = 0; h < bag->nhead; h++)
		fold_head(bag, members, n, h);
	if (bag->kind == IG_RANK_LR)
		ig_rank_lr_interleave(bag);
	return bag;
}
