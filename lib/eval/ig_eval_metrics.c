#include "eval/ig_eval_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

const char *const ig_eval_rel_names[IG_EM_REL_COUNT] = {
	"recall", "precision", "ndcg", "ndcg_graded", "map", "mrr", "hitrate",
};

void ig_eval_ctx_init(ig_eval_ctx *c, const int *k, int nk)
{
	int i;

	memset(c, 0, sizeof *c);
	if (nk < 1 || nk > IG_EVAL_MAX_K)
		ig_die("internal: %d cutoffs (1 to %d allowed)", nk, IG_EVAL_MAX_K);
	for (i = 0; i < nk; i++) {
		if (k[i] < 1 || (i > 0 && k[i] <= k[i - 1]))
			ig_die("internal: cutoffs must ascend");
		c->k[i] = k[i];
	}
	c->nk = nk;
}

void ig_eval_ctx_free(ig_eval_ctx *c)
{
	free(c->rel_stamp);
	free(c->rel_grade);
	free(c->list_stamp);
	free(c->gains);
	free(c->rel_items);
	memset(c, 0, sizeof *c);
}

void ig_eval_user_result_free(ig_eval_user_result *r)
{
	free(r->uniq_pos);
	free(r->uniq_hit);
	memset(r, 0, sizeof *r);
}

static void grow_items(ig_eval_ctx *c, uint32_t item)
{
	size_t ncap;

	if (item < c->cap)
		return;
	ncap = c->cap ? c->cap : 1024;
	while (ncap <= item)
		ncap *= 2;
	c->rel_stamp = ig_reallocarray(c->rel_stamp, ncap, sizeof *c->rel_stamp);
	c->rel_grade = ig_reallocarray(c->rel_grade, ncap, sizeof *c->rel_grade);
	c->list_stamp = ig_reallocarray(c->list_stamp, ncap, sizeof *c->list_stamp);
	memset(c->rel_stamp + c->cap, 0, (ncap - c->cap) * sizeof *c->rel_stamp);
	memset(c->list_stamp + c->cap, 0, (ncap - c->cap) * sizeof *c->list_stamp);
	c->cap = ncap;
}

/* A new generation makes every stamp stale at once; on wrap-around the
 * stamps are cleared so that an old value cannot match again. */
static void next_gen(ig_eval_ctx *c)
{
	if (++c->gen == 0) {
		memset(c->rel_stamp, 0, c->cap * sizeof *c->rel_stamp);
		memset(c->list_stamp, 0, c->cap * sizeof *c->list_stamp);
		c->gen = 1;
	}
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

/* Records the metrics at cutoff J from the running sums over the list. */
static void close_cutoff(const ig_eval_ctx *c, ig_eval_user_result *out, int j, size_t hits,
			 double ndcg, double ndcg_graded, double ap, double rr)
{
	double kk = (double)c->k[j];
	double den = kk < (double)out->nrel ? kk : (double)out->nrel;

	out->hits[j] = (uint32_t)hits;
	out->m[j][IG_EM_RECALL] = (double)hits / (double)out->nrel;
	out->m[j][IG_EM_PRECISION] = (double)hits / kk;
	out->m[j][IG_EM_NDCG] = ndcg;
	out->m[j][IG_EM_NDCG_GRADED] = ndcg_graded;
	out->m[j][IG_EM_MAP] = ap / den;
	out->m[j][IG_EM_MRR] = rr;
	out->m[j][IG_EM_HITRATE] = hits > 0;
}

void ig_eval_user(ig_eval_ctx *c, const uint32_t *list, size_t n, const uint32_t *rel,
		  const double *grade, size_t nrel, ig_eval_user_result *out)
{
	double dcg = 0, dcg_g = 0, ap = 0, rr = 0;
	double idcg[IG_EVAL_MAX_K], idcg_g[IG_EVAL_MAX_K];
	size_t i, r, nr = 0, kmax, hits = 0;
	int j;

	next_gen(c);
	if (nrel > c->gains_cap) {
		c->gains_cap = nrel + 64;
		c->gains = ig_reallocarray(c->gains, c->gains_cap, sizeof *c->gains);
		c->rel_items = ig_reallocarray(c->rel_items, c->gains_cap, sizeof *c->rel_items);
	}
	for (i = 0; i < nrel; i++) {
		double g = grade ? grade[i] : 1.0;

		grow_items(c, rel[i]);
		if (c->rel_stamp[rel[i]] == c->gen) {
			if (g > c->rel_grade[rel[i]])
				c->rel_grade[rel[i]] = g;
			continue;
		}
		c->rel_stamp[rel[i]] = c->gen;
		c->rel_grade[rel[i]] = g;
		c->rel_items[nr++] = rel[i];
	}
	out->nrel = nr;
	/* The grades once each, largest first, for the ideal list. */
	for (i = 0; i < nr; i++)
		c->gains[i] = c->rel_grade[c->rel_items[i]];
	qsort(c->gains, nr, sizeof *c->gains, cmp_desc);
	{
		double ib = 0, ig = 0;

		r = 0;
		for (j = 0; j < c->nk; j++) {
			size_t lim = (size_t)c->k[j] < nr ? (size_t)c->k[j] : nr;

			for (; r < lim; r++) {
				double disc = log2((double)r + 2.0);

				ib += 1.0 / disc;
				ig += c->gains[r] / disc;
			}
			idcg[j] = ib;
			idcg_g[j] = ig;
		}
	}

	if (n > out->uniq_cap) {
		out->uniq_cap = n + 64;
		out->uniq_pos = ig_reallocarray(out->uniq_pos, out->uniq_cap, sizeof *out->uniq_pos);
		out->uniq_hit = ig_reallocarray(out->uniq_hit, out->uniq_cap, sizeof *out->uniq_hit);
	}
	kmax = (size_t)c->k[c->nk - 1];
	out->nuniq = 0;
	j = 0;
	for (i = 0; i < n; i++) {
		uint32_t it = list[i];
		int hit;

		grow_items(c, it);
		if (c->list_stamp[it] == c->gen)
			continue;
		c->list_stamp[it] = c->gen;
		hit = c->rel_stamp[it] == c->gen;
		r = out->nuniq; /* 0-based rank in L */
		out->uniq_pos[r] = i;
		out->uniq_hit[r] = (unsigned char)hit;
		out->nuniq++;
		if (r >= kmax)
			continue;
		/* Close the cutoffs this rank passes. */
		if (hit) {
			double disc = log2((double)r + 2.0);

			hits++;
			dcg += 1.0 / disc;
			dcg_g += c->rel_grade[it] / disc;
			ap += (double)hits / (double)(r + 1);
			if (rr == 0)
				rr = 1.0 / (double)(r + 1);
		}
		while (j < c->nk && r + 1 == (size_t)c->k[j]) {
			close_cutoff(c, out, j, hits, dcg / idcg[j], idcg_g[j] > 0 ? dcg_g / idcg_g[j] : 0, ap, rr);
			j++;
		}
	}
	/* Cutoffs beyond the list's length see the whole list. */
	for (; j < c->nk; j++)
		close_cutoff(c, out, j, hits, dcg / idcg[j], idcg_g[j] > 0 ? dcg_g / idcg_g[j] : 0, ap, rr);
}

double ig_eval_novelty(const uint32_t *items, size_t n, const uint32_t *pop, size_t npop,
		       uint64_t nusers)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t p = items[i] < npop ? pop[items[i]] : 0;

		if (p < 1)
			p = 1;
		sum += -log2((double)p / (double)nusers);
	}
	return n ? sum / (double)n : 0;
}

void ig_eval_ild(const ig_eval_ctx *c, const uint32_t *items, size_t n, ig_eval_dist_fn dist,
		 void *ctx, double *out, unsigned char *defined)
{
	double sum = 0;
	uint64_t pairs = 0;
	size_t a, b;
	int j = 0;

	for (b = 0; b < n && j < c->nk; b++) {
		for (a = 0; a < b; a++) {
			double d = dist(items[a], items[b], ctx);

			if (d >= 0) {
				sum += d;
				pairs++;
			}
		}
		while (j < c->nk && b + 1 == (size_t)c->k[j]) {
			out[j] = pairs ? sum / (double)pairs : 0;
			defined[j] = pairs > 0;
			j++;
		}
	}
	for (; j < c->nk; j++) {
		out[j] = pairs ? sum / (double)pairs : 0;
		defined[j] = pairs > 0;
	}
}

double ig_eval_jaccard_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t i = 0, j = 0, both = 0;

	if (na + nb == 0)
		return -1;
	while (i < na && j < nb) {
		if (a[i] == b[j]) {
			both++;
			i++;
			j++;
		} else if (a[i] < b[j]) {
			i++;
		} else {
			j++;
		}
	}
	return 1.0 - (double)both / (double)(na + nb - both);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

double ig_eval_gini(uint64_t *counts, size_t n)
{
	double num = 0, total = 0;
	size_t i;

	if (n < 2)
		return 0;
	qsort(counts, n, sizeof *counts, cmp_u64);
	for (i = 0; i < n; i++) {
		num += (2.0 * (double)(i + 1) - (double)n - 1.0) * (double)counts[i];
		total += (double)counts[i];
	}
	return total > 0 ? num / ((double)n * total) : 0;
}
