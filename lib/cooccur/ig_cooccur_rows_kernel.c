/* The rows engine of ig-cooccur: with every user's distinct set in
 * memory, row A of X^T X is the sum over A's users u of x(u,A) times u's
 * row of X (Gustavson's method), gathered in a dense accumulator and cut
 * to its top K at once, so no pair is ever stored. Rows are shared out
 * on the pool; each row's list is written by one thread only. */
#include "cooccur/ig_cooccur_count.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

#define ROWS_PER_GRAB 8

/* The accumulator of one column: its sum and support side by side, so
 * that an update touches one cache line. */
typedef struct cell {
	uint64_t w;
	uint64_t s;
} cell;

/* One thread's scratch. */
typedef struct rows_scratch {
	cell *acc;
	uint32_t *touched;
	uint64_t pairs;
} rows_scratch;

typedef struct rows_job {
	const ig_cooc_sets *s;
	const uint64_t *eoff;   /* entity a: its users euser[eoff[a] .. eoff[a+1]) */
	const uint32_t *euser;
	const float *ex;
	uint32_t nent;
	const ig_cooc_scorer *sc;
	ig_cooc_topk *topk;
	uint64_t *sum;          /* pass 1: R per row */
	int pass_sum;
	rows_scratch *scratch;  /* per thread */
} rows_job;

/* Rows GRAB * ROWS_PER_GRAB onwards: parallel-for body. */
static void rows_grab(void *arg, size_t grab, int tid)
{
	rows_job *j = arg;
	const ig_cooc_sets *s = j->s;
	cell *acc = j->scratch[tid].acc;
	uint32_t *touched = j->scratch[tid].touched;
	uint32_t first = (uint32_t)grab * ROWS_PER_GRAB, a, last;

	last = j->nent - first > ROWS_PER_GRAB ? first + ROWS_PER_GRAB : j->nent;
	for (a = first; a < last; a++) {
		uint32_t nt = 0, t;
		uint64_t k, r = 0;
		for (k = j->eoff[a]; k < j->eoff[a + 1]; k++) {
			uint32_t u = j->euser[k];
			double xa = j->ex[k], f = s->f[u];
			const ig_cooc_ent *e = s->ent + s->off[u], *end = s->ent + s->off[u + 1];
			for (; e < end; e++) {
				uint32_t b = e->id;
				if (b == a)
					continue;
				if (acc[b].s++ == 0)
					touched[nt++] = b;
				ig_cooc_add(&acc[b].w, ig_cooc_term(f, xa, e->x, 1));
			}
		}
		for (t = 0; t < nt; t++) {
			uint32_t b = touched[t];
			ig_cooc_nb nb;
			if (j->pass_sum) {
				ig_cooc_add(&r, acc[b].w);
			} else if (ig_cooc_score_pair(j->sc, a, b, acc[b].w, acc[b].s, &nb.score)) {
				nb.nb = b;
				nb.rank = j->sc->col->rank[b];
				nb.support = acc[b].s;
				ig_cooc_topk_offer(j->topk, a, &nb);
			}
			acc[b].w = 0;
			acc[b].s = 0;
		}
		if (j->pass_sum)
			j->sum[a] = r;
		j->scratch[tid].pairs += nt;
	}
}

static void run_pass(rows_job *j, ig_pool *pool)
{
	size_t grabs = ((size_t)j->nent + ROWS_PER_GRAB - 1) / ROWS_PER_GRAB;

	ig_pool_for(pool, grabs, rows_grab, j);
}

/* The sets as a matrix of users by entities, their weights the values. */
ig_csr ig_cooc_sets_csr(const ig_cooc_sets *s, uint32_t nent)
{
	ig_csr m = {s->n, nent, s->off, NULL, NULL, sizeof *s->ent};

	if (s->ent != NULL) {
		m.col = &s->ent->id;
		m.val = &s->ent->x;
	}
	return m;
}

void ig_cooc_rows(ig_cooc_ctx *c, const ig_cooc_scorer *sc, ig_cooc_topk *topk)
{
	const ig_cooc_sets *s = &c->sets;
	uint32_t nent = ig_intern_count(c->vocab);
	uint64_t *eoff = ig_reallocarray(NULL, (size_t)nent + 1, sizeof *eoff), pairs = 0;
	uint32_t *euser = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *euser);
	float *ex = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *ex);
	int threads = ig_pool_threads(c->o->pool), t;
	ig_csr m = ig_cooc_sets_csr(s, nent);
	rows_job j;

	ig_csr_transpose(&m, eoff, euser, ex);
	memset(&j, 0, sizeof j);
	j.s = s;
	j.eoff = eoff;
	j.euser = euser;
	j.ex = ex;
	j.nent = nent;
	j.sc = sc;
	j.topk = topk;
	j.scratch = ig_calloc((size_t)threads, sizeof *j.scratch);
	for (t = 0; t < threads; t++) {
		j.scratch[t].acc = ig_calloc(nent ? nent : 1, sizeof *j.scratch[t].acc);
		j.scratch[t].touched = ig_reallocarray(NULL, nent ? nent : 1, sizeof *j.scratch[t].touched);
	}
	if (c->need_sum) {
		ig_cooc_scorer *msc = (ig_cooc_scorer *)sc;
		j.sum = c->row.sum;
		j.pass_sum = 1;
		run_pass(&j, c->o->pool);
		msc->z = ig_cooc_total(&c->row, nent);
		j.pass_sum = 0;
	}
	for (t = 0; t < threads; t++)
		j.scratch[t].pairs = 0;
	run_pass(&j, c->o->pool);
	for (t = 0; t < threads; t++) {
		pairs += j.scratch[t].pairs;
		free(j.scratch[t].acc);
		free(j.scratch[t].touched);
	}
	free(j.scratch);
	c->terms = pairs / 2;
	free(eoff);
	free(euser);
	free(ex);
}
