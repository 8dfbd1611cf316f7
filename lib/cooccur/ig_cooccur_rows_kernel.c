/* The rows engine of ig-cooccur: with every user's distinct set in
 * memory, row A of X^T X is the sum over A's users u of x(u,A) times u's
 * row of X (Gustavson's method), gathered in a dense accumulator and cut
 * to its top K at once, so no pair is ever stored. Rows are shared out
 * to threads; each row's list is written by one thread only. */
#include "cooccur/ig_cooccur_count.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

#define ROWS_PER_GRAB 8

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
	atomic_uint next;
	atomic_ullong pairs;
} rows_job;

/* The accumulator of one column: its sum and support side by side, so
 * that an update touches one cache line. */
typedef struct cell {
	uint64_t w;
	uint64_t s;
} cell;

static void *rows_worker(void *arg)
{
	rows_job *j = arg;
	const ig_cooc_sets *s = j->s;
	cell *acc = ig_calloc(j->nent ? j->nent : 1, sizeof *acc);
	uint32_t *touched = ig_reallocarray(NULL, j->nent ? j->nent : 1, sizeof *touched);
	unsigned long long pairs = 0;

	for (;;) {
		uint32_t first = atomic_fetch_add(&j->next, ROWS_PER_GRAB), a, last;
		if (first >= j->nent)
			break;
		last = first + ROWS_PER_GRAB < j->nent ? first + ROWS_PER_GRAB : j->nent;
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
			pairs += nt;
		}
	}
	atomic_fetch_add(&j->pairs, pairs);
	free(acc);
	free(touched);
	return NULL;
}

static void run_pass(rows_job *j, int threads)
{
	pthread_t *tid;
	int i, started = 0;

	atomic_store(&j->next, 0);
	if (threads <= 1) {
		rows_worker(j);
		return;
	}
	tid = ig_calloc((size_t)threads, sizeof *tid);
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, rows_worker, j) == 0)
			started++;
		else
			break;
	if (started == 0)
		rows_worker(j);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
}

void ig_cooc_rows(ig_cooc_ctx *c, const ig_cooc_scorer *sc, ig_cooc_topk *topk, int threads)
{
	const ig_cooc_sets *s = &c->sets;
	uint32_t nent = ig_intern_count(c->vocab), a;
	uint64_t *eoff = ig_calloc((size_t)nent + 1, sizeof *eoff), k;
	uint32_t *euser = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *euser);
	float *ex = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *ex);
	uint64_t *fill;
	size_t u;
	rows_job j;

	/* The transpose: each entity's users, in user order. */
	for (k = 0; k < s->nnz; k++)
		eoff[s->ent[k].id + 1]++;
	for (a = 0; a < nent; a++)
		eoff[a + 1] += eoff[a];
	fill = ig_reallocarray(NULL, (size_t)nent + 1, sizeof *fill);
	memcpy(fill, eoff, ((size_t)nent + 1) * sizeof *fill);
	for (u = 0; u < s->n; u++)
		for (k = s->off[u]; k < s->off[u + 1]; k++) {
			uint64_t at = fill[s->ent[k].id]++;
			euser[at] = (uint32_t)u;
			ex[at] = s->ent[k].x;
		}
	free(fill);
	memset(&j, 0, sizeof j);
	j.s = s;
	j.eoff = eoff;
	j.euser = euser;
	j.ex = ex;
	j.nent = nent;
	j.sc = sc;
	j.topk = topk;
	if (c->need_sum) {
		ig_cooc_scorer *msc = (ig_cooc_scorer *)sc;
		j.sum = c->row.sum;
		j.pass_sum = 1;
		run_pass(&j, threads);
		msc->z = ig_cooc_total(&c->row, nent);
		j.pass_sum = 0;
		atomic_store(&j.pairs, 0);
	}
	run_pass(&j, threads);
	c->terms = atomic_load(&j.pairs) / 2;
	free(eoff);
	free(euser);
	free(ex);
}
