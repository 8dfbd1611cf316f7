/* The tower source's inputs: user vectors from ig-train-tower, searched
 * against the item vectors (its items.vec) through the index when there
 * is one. */
#include "retrieve/ig_ann.h"
#include "retrieve/ig_retrieve_priv.h"

#include "core/ig_err.h"

void ig_rdata_load_user_vectors(ig_rdata *d, const char *path)
{
	if (d->item_vec == NULL)
		ig_die("--user-vectors needs --vectors (the item vectors of the same model)");
	d->user_vec = ig_vectors_load(path);
	if (d->user_vec->dim != d->item_vec->dim)
		ig_die("%s: %u-dimensional user vectors for %u-dimensional item vectors", path, d->user_vec->dim,
		       d->item_vec->dim);
}

size_t ig_rtower_search(const ig_rdata *d, const ig_ruser *u, uint32_t k, uint32_t *ids, float *scores)
{
	uint32_t row = ig_vectors_find(d->user_vec, u->id, u->len);

	if (row == IG_INTERN_NONE)
		return 0;
	if (d->index != NULL)
		return ig_hnsw_search(d->index, ig_vectors_row(d->user_vec, row), k, d->ef, IG_INTERN_NONE, ids,
				      scores);
	return ig_ann_brute(d->item_vec, IG_ANN_COSINE, ig_vectors_row(d->user_vec, row), k, IG_INTERN_NONE, ids,
			    scores);
}
