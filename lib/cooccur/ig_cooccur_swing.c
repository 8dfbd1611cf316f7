/* Swing (Yang et al., "Large Scale Product Graph Construction for
 * Recommendation in E-commerce", arXiv:2010.05525, 2020):
 *   swing(i,j) = sum over user pairs u < v that both have i and j of
 *                f(u) f(v) / (alpha + |I(u) & I(v)|)
 * where I(u) is u's set of entities. A pair of users who share little
 * besides i and j says more than two users who share everything. Each
 * user pair is found from u's side (u < v in stream order): the sets
 * I(u) & I(v) for every v at once, by walking the users of u's entities;
 * with --shard only users u of the shard are walked (the v may be any). */
#include "cooccur/ig_cooccur_count.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

/* First position in the sorted LIST[0..N) holding a value above U. */
static uint64_t after(const uint32_t *list, uint64_t lo, uint64_t hi, uint32_t u)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (list[mid] <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ig_cooc_swing(ig_cooc_ctx *c)
{
	const ig_cooc_sets *s = &c->sets;
	uint32_t nent = ig_intern_count(c->vocab);
	uint64_t *eoff = ig_reallocarray(NULL, (size_t)nent + 1, sizeof *eoff), k;
	uint32_t *euser = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *euser);
	uint32_t *cnt = ig_calloc(s->n ? s->n : 1, sizeof *cnt);
	uint64_t *start = ig_reallocarray(NULL, s->n ? s->n : 1, sizeof *start);
	uint32_t *touched = ig_reallocarray(NULL, s->n ? s->n : 1, sizeof *touched);
	uint32_t *bucket = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *bucket);
	double alpha = c->o->swing_alpha;
	ig_csr m;
	size_t u;

	ig_cooc_ctx_start_table(c);
	m = ig_cooc_sets_csr(s, nent);
	ig_csr_transpose(&m, eoff, euser, NULL);
	for (u = 0; u < s->n; u++) {
		uint32_t nt = 0, t;
		uint64_t pos = 0;
		if (!s->outer[u])
			continue;
		for (k = s->off[u]; k < s->off[u + 1]; k++) {
			uint32_t e = s->ent[k].id;
			uint64_t i;
			for (i = after(euser, eoff[e], eoff[e + 1], (uint32_t)u); i < eoff[e + 1]; i++)
				if (cnt[euser[i]]++ == 0)
					touched[nt++] = euser[i];
		}
		for (t = 0; t < nt; t++) {
			start[touched[t]] = pos;
			pos += cnt[touched[t]];
		}
		/* Entities in ascending order, so each bucket is sorted. */
		for (k = s->off[u]; k < s->off[u + 1]; k++) {
			uint32_t e = s->ent[k].id;
			uint64_t i;
			for (i = after(euser, eoff[e], eoff[e + 1], (uint32_t)u); i < eoff[e + 1]; i++)
				bucket[start[euser[i]]++] = e;
		}
		for (t = 0; t < nt; t++) {
			uint32_t v = touched[t], n = cnt[v], p, q;
			const uint32_t *b = bucket + start[v] - n;
			uint64_t w;
			cnt[v] = 0;
			if (n < 2)
				continue;
			w = ig_cooc_fixed(s->f[u] * s->f[v] / (alpha + n));
			if (w == 0)
				continue;
			for (p = 0; p + 1 < n; p++)
				for (q = p + 1; q < n; q++)
					ig_cooc_add_pair(c, b[p], b[q], w, 1);
		}
	}
	free(eoff);
	free(euser);
	free(cnt);
	free(start);
	free(touched);
	free(bucket);
}
