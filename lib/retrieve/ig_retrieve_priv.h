/* Shared inside lib/retrieve: weighted sets and the user's cluster. */
#ifndef IG_RETRIEVE_PRIV_H
#define IG_RETRIEVE_PRIV_H

#include <stdint.h>

#include "retrieve/ig_retrieve.h"

void ig_rset_push(ig_rset *s, uint32_t id, float score, uint64_t seed);
/* Keeps the KEEP highest scores (0: all), best first, ties by number. */
void ig_rset_top(ig_rset *s, uint32_t keep);
float ig_rdot(const float *a, const float *b, uint32_t dim);
/* ig_rdot of A with B0..B3 into OUT, bit for bit. */
void ig_rdot4(const float *a, const float *b0, const float *b1, const float *b2, const float *b3, uint32_t dim,
	      float out[4]);
void ig_rknn_free(struct ig_rknn *c);
/* The nearest centroid of user vector Q (centroids are unit vectors). */
uint32_t ig_rdata_cluster_of(const ig_rdata *d, const float *q);
/* The tower source: the items whose vectors are nearest user U's, at
 * most K into IDS (IG_INTERN_NONE for a vector of no known item) and
 * SCORES, best first; 0 for a user without a vector. */
typedef struct ig_rtower ig_rtower;
void ig_rtower_free(ig_rtower *t);
size_t ig_rtower_search(const ig_rdata *d, const ig_ruser *u, uint32_t k, uint32_t *ids, float *scores);

#endif
