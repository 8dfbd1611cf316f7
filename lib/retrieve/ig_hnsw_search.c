/* Queries: the calling thread's scratch space, HNSW search, brute force. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "retrieve/ig_hnsw_priv.h"

int ig_ann_metric_parse(const char *s)
{
	if (strcmp(s, "cosine") == 0)
		return IG_ANN_COSINE;
	if (strcmp(s, "ip") == 0)
		return IG_ANN_IP;
	return -1;
}

const char *ig_ann_metric_name(ig_ann_metric m)
{
	return m == IG_ANN_IP ? "ip" : "cosine";
}

void ig_ann_scratch_prepare(ig_ann_scratch *s, const ig_hnsw *h, size_t ef)
{
	size_t qn = (h->links_off / sizeof(float));

	if (s->tag_n < h->n) {
		free(s->tag);
		s->tag = ig_calloc(h->n, sizeof *s->tag);
		s->tag_n = h->n;
		s->epoch = 0;
	}
	if (++s->epoch == 0) {
		memset(s->tag, 0, s->tag_n * sizeof *s->tag);
		s->epoch = 1;
	}
	if (s->res_cap < ef + 1) {
		s->res_cap = ef + 1;
		s->res = ig_reallocarray(s->res, s->res_cap, sizeof *s->res);
	}
	if (s->cand_cap < 2 * ef + 64) {
		s->cand_cap = 2 * ef + 64;
		s->cand = ig_reallocarray(s->cand, s->cand_cap, sizeof *s->cand);
	}
	if (s->links_cap < (size_t)h->M0 + 1) {
		s->links_cap = (size_t)h->M0 + 1;
		s->links = ig_reallocarray(s->links, s->links_cap, sizeof *s->links);
		s->fresh = ig_reallocarray(s->fresh, s->links_cap, sizeof *s->fresh);
	}
	if (s->q_cap < qn) {
		s->q_cap = qn;
		s->q = ig_reallocarray(s->q, qn, sizeof *s->q);
	}
}

void ig_ann_scratch_free(ig_ann_scratch *s)
{
	free(s->tag);
	free(s->cand);
	free(s->res);
	free(s->links);
	free(s->fresh);
	free(s->q);
	memset(s, 0, sizeof *s);
}

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_destroy(void *p)
{
	ig_ann_scratch_free(p);
	free(p);
}

static void scratch_key_make(void)
{
	if (pthread_key_create(&scratch_key, scratch_destroy) != 0)
		ig_die("cannot create thread-local storage");
}

ig_ann_scratch *ig_ann_scratch_thread(void)
{
	ig_ann_scratch *s;

	pthread_once(&scratch_once, scratch_key_make);
	s = pthread_getspecific(scratch_key);
	if (s == NULL) {
		s = ig_calloc(1, sizeof *s);
		if (pthread_setspecific(scratch_key, s) != 0)
			ig_die("cannot set thread-local storage");
	}
	return s;
}

size_t ig_hnsw_search(const ig_hnsw *h, const float *q, size_t k, size_t ef, uint32_t exclude,
		      uint32_t *ids, float *sims)
{
	const ig_ann_kernel *kern = ig_ann_kernel_get();
	ig_ann_scratch *s = ig_ann_scratch_thread();
	size_t i, n;
	uint32_t ep;
	float sim;

	if (h->n == 0 || k == 0)
		return 0;
	if (ef < k)
		ef = k;
	ig_ann_scratch_prepare(s, h, ef);
	memset(s->q, 0, h->links_off);
	memcpy(s->q, q, (size_t)h->dim * sizeof *q);
	if (h->metric == IG_ANN_COSINE) {
		double qq = 0;

		for (i = 0; i < h->dim; i++)
			qq += (double)q[i] * (double)q[i];
		if (qq == 0)
			return 0;
		for (i = 0; i < h->dim; i++)
			s->q[i] = (float)((double)q[i] / sqrt(qq));
	}
	ep = h->entry;
	sim = kern->dot(s->q, ig_hnsw_vec(h, ep), h->dim);
	/* Under cosine the entry is a zero row only when every row is. */
	if (sim == 0 && h->metric == IG_ANN_COSINE && kern->dot(ig_hnsw_vec(h, ep), ig_hnsw_vec(h, ep), h->dim) == 0)
		return 0;
	ep = kern->greedy(h, s->q, ep, &sim, h->max_level, 0, s, 0);
	n = kern->search_layer(h, s->q, ep, sim, 0, ef, exclude, s, 0);
	/* A damaged index can hold NaN rows, which no heap order survives:
	 * rank them last and sort the results outright. */
	for (i = 0; i < n; i++)
		if (isnan(s->res[i].sim))
			s->res[i].sim = -INFINITY;
	ig_ann_res_sort(s->res, n);
	if (n > k)
		n = k;
	for (i = 0; i < n; i++) {
		ids[i] = s->res[i].id;
		sims[i] = s->res[i].sim;
	}
	return n;
}

#define BRUTE_BLOCK 1024

size_t ig_ann_brute(const ig_vectors *v, ig_ann_metric m, const float *q, size_t k, uint32_t exclude,
		    uint32_t *ids, float *sims)
{
	const ig_ann_kernel *kern = ig_ann_kernel_get();
	float dot[BRUTE_BLOCK], norm2[BRUTE_BLOCK];
	size_t have = 0, r0, r;
	double qn = 1;

	if (k == 0 || v->n == 0)
		return 0;
	if (m == IG_ANN_COSINE) {
		double qq = 0;
		uint32_t j;

		for (j = 0; j < v->dim; j++)
			qq += (double)q[j] * (double)q[j];
		if (qq == 0)
			return 0;
		qn = sqrt(qq);
	}
	for (r0 = 0; r0 < v->n; r0 += BRUTE_BLOCK) {
		size_t nb = v->n - r0 < BRUTE_BLOCK ? v->n - r0 : BRUTE_BLOCK;

		kern->scan(v->data + r0 * v->dim, v->dim, nb, q, dot, m == IG_ANN_COSINE ? norm2 : NULL);
		for (r = 0; r < nb; r++) {
			uint32_t id = (uint32_t)(r0 + r);
			float c;
			size_t p;

			if (id == exclude)
				continue;
			if (m == IG_ANN_COSINE) {
				if (norm2[r] <= 0)
					continue;
				c = (float)((double)dot[r] / (qn * sqrt((double)norm2[r])));
			} else {
				c = dot[r];
			}
			/* Rows come in increasing id: an equal score never displaces. */
			if (have == k && !(c > sims[k - 1]))
				continue;
			p = have < k ? have++ : k - 1;
			while (p > 0 && sims[p - 1] < c) {
				sims[p] = sims[p - 1];
				ids[p] = ids[p - 1];
				p--;
			}
			sims[p] = c;
			ids[p] = id;
		}
	}
	return have;
}

uint32_t ig_hnsw_size(const ig_hnsw *h)
{
	return h->n;
}

uint32_t ig_hnsw_dim(const ig_hnsw *h)
{
	return h->dim;
}

ig_ann_metric ig_hnsw_metric(const ig_hnsw *h)
{
	return h->metric;
}

uint32_t ig_hnsw_M(const ig_hnsw *h)
{
	return h->M;
}

uint32_t ig_hnsw_levels(const ig_hnsw *h)
{
	return h->n ? h->max_level + 1 : 0;
}

const char *ig_hnsw_provenance(const ig_hnsw *h)
{
	return h->prov ? h->prov : "";
}

size_t ig_hnsw_bytes(const ig_hnsw *h)
{
	if (h->map != NULL)
		return h->map_len + (size_t)h->n * sizeof *h->upper_start;
	return (size_t)h->n * (h->stride + 1 + sizeof *h->upper_start) +
	       (size_t)h->upper_blocks * (1 + h->M) * sizeof *h->upper;
}
