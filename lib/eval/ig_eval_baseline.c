#include "eval/ig_eval_baseline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "cooccur/ig_cooccur_run.h"
#include "eval/ig_eval_io.h"
#include "core/ig_intern.h"
#include "core/ig_rng.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"

static const char *const baseline_names[] = {"pop", "random", "itemknn"};

int ig_baseline_parse(const char *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, baseline_names[i]) == 0)
			return i;
	return -1;
}

const char *ig_baseline_name(int b) { return b >= 0 && b < 3 ? baseline_names[b] : "?"; }

void ig_baseline_opts_default(ig_baseline_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = IG_BASELINE_POP;
	o->n = 100;
	o->neighbors = 50;
	o->positives = IG_EVAL_TYPES_DEFAULT;
	o->seed = 1;
}

/* Compressed rows: row r is list[start[r] .. start[r + 1]). */
typedef struct csr {
	size_t *start;
	uint32_t *list;
	size_t nrows, nnz, cap;
} csr;

static void csr_row_begin(csr *m)
{
	m->start = ig_reallocarray(m->start, m->nrows + 2, sizeof *m->start);
	m->start[m->nrows] = m->nnz;
	m->start[m->nrows + 1] = m->nnz;
}

static void csr_push(csr *m, uint32_t v)
{
	if (m->nnz == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1 << 16;
		m->list = ig_reallocarray(m->list, m->cap, sizeof *m->list);
	}
	m->list[m->nnz++] = v;
	m->start[m->nrows + 1] = m->nnz;
}

static void csr_row_end(csr *m) { m->nrows++; }

static void csr_free(csr *m)
{
	free(m->start);
	free(m->list);
}

typedef struct scored {
	uint32_t item;
	double score;
} scored;

typedef struct model {
	const ig_baseline_opts *o;
	ig_intern *users, *items;
	csr pos, seen;          /* per train user */
	uint32_t nitems;
	uint32_t *id_rank;      /* per item: its place in bytewise id order */
	uint32_t *by_rank;      /* the inverse */
	uint32_t *pop;
	uint32_t *pop_order;    /* items with pop > 0, best first */
	uint32_t npop;
	uint32_t *stamp;
	uint32_t gen;
	/* itemknn */
	uint32_t *nb_item;      /* nitems x k */
	float *nb_sim;
	uint32_t *nb_n;
	double *acc;
	uint32_t *touched;
	scored *cand;
} model;

static int cmp_id(const void *a, const void *b, void *arg)
{
	const model *m = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return ig_eval_idcmp(ig_intern_str(m->items, x), ig_intern_len(m->items, x),
			     ig_intern_str(m->items, y), ig_intern_len(m->items, y));
}

static int cmp_pop(const void *a, const void *b, void *arg)
{
	const model *m = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (m->pop[x] != m->pop[y])
		return m->pop[x] > m->pop[y] ? -1 : 1;
	return (m->id_rank[x] > m->id_rank[y]) - (m->id_rank[x] < m->id_rank[y]);
}

static int cmp_scored(const void *a, const void *b, void *arg)
{
	const model *m = arg;
	const scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (m->id_rank[x->item] > m->id_rank[y->item]) -
	       (m->id_rank[x->item] < m->id_rank[y->item]);
}

static uint32_t new_gen(model *m)
{
	if (++m->gen == 0) {
		memset(m->stamp, 0, m->nitems * sizeof *m->stamp);
		m->gen = 1;
	}
	return m->gen;
}

static void load(model *m, ig_baseline_stats *st)
{
	ig_user_events_reader *e = ig_user_events_open(m->o->train, NULL);
	ig_user_group g = {0};
	uint32_t *stamp = NULL, gen = 0;
	size_t cap = 0, i;

	m->users = ig_intern_new();
	m->items = ig_intern_new();
	while (ig_user_events_next(e, &g)) {
		ig_intern_add(m->users, g.user, g.user_len);
		/* Two generations per user: one for positives, one for seen. */
		gen += 2;
		csr_row_begin(&m->pos);
		csr_row_begin(&m->seen);
		for (i = 0; i < g.n; i++) {
			const char *id = g.text + g.ev[i].item_off;
			uint32_t it = ig_intern_add(m->items, id, strlen(id));

			if (it >= cap) {
				size_t ncap = cap ? cap * 2 : 4096;

				while (ncap <= it)
					ncap *= 2;
				stamp = ig_reallocarray(stamp, ncap, sizeof *stamp);
				memset(stamp + cap, 0, (ncap - cap) * sizeof *stamp);
				cap = ncap;
			}
			if (stamp[it] != gen && stamp[it] != gen - 1) {
				csr_push(&m->seen, it);
				stamp[it] = gen - 1;
			}
			if (((m->o->positives >> g.ev[i].type) & 1u) && stamp[it] != gen) {
				csr_push(&m->pos, it);
				stamp[it] = gen;
			}
		}
		csr_row_end(&m->pos);
		csr_row_end(&m->seen);
	}
	st->train_events = ig_user_events_count(e);
	st->train_users = m->pos.nrows;
	ig_user_group_free(&g);
	ig_user_events_close(e);
	free(stamp);
	m->nitems = ig_intern_count(m->items);
	st->items = m->nitems;
	csr_row_begin(&m->pos); /* an empty row, for users not in train */
	csr_row_begin(&m->seen);

	{
		uint32_t *order = ig_malloc(((size_t)m->nitems + 1) * sizeof *order), k;

		for (k = 0; k < m->nitems; k++)
			order[k] = k;
		qsort_r(order, m->nitems, sizeof *order, cmp_id, m);
		m->id_rank = ig_malloc(((size_t)m->nitems + 1) * sizeof *m->id_rank);
		for (k = 0; k < m->nitems; k++)
			m->id_rank[order[k]] = k;
		m->by_rank = order;
	}
	m->pop = ig_calloc((size_t)m->nitems + 1, sizeof *m->pop);
	for (i = 0; i < m->pos.nnz; i++)
		m->pop[m->pos.list[i]]++;
	m->pop_order = ig_malloc(((size_t)m->nitems + 1) * sizeof *m->pop_order);
	for (uint32_t k = 0; k < m->nitems; k++)
		if (m->pop[k] > 0)
			m->pop_order[m->npop++] = k;
	qsort_r(m->pop_order, m->npop, sizeof *m->pop_order, cmp_pop, m);
	m->stamp = ig_calloc((size_t)m->nitems + 1, sizeof *m->stamp);
	m->acc = ig_calloc((size_t)m->nitems + 1, sizeof *m->acc);
	m->touched = ig_malloc(((size_t)m->nitems + 1) * sizeof *m->touched);
	m->cand = ig_malloc(((size_t)m->nitems + 1) * sizeof *m->cand);
}

/* The k most similar items of every item: cosine of their user sets,
 * |U_i ∩ U_j| / sqrt(|U_i| |U_j|), as ig-cooccur --score cosine computes
 * it from histories of weight 1 (ties by id, bytewise). */
static void fit_knn(model *m)
{
	size_t k = (size_t)m->o->neighbors, u, i;
	const csr *p = &m->pos;
	ig_engagement *e = ig_malloc((p->nnz + 1) * sizeof *e);
	ig_history *h = ig_malloc((p->nrows + 1) * sizeof *h);
	ig_cooc_opts co;
	ig_cooc_topk topk;
	uint32_t it;

	for (i = 0; i < p->nnz; i++) {
		e[i].ts = 0;
		e[i].id = p->list[i];
		e[i].weight = 1;
	}
	for (u = 0; u < p->nrows; u++) {
		h[u].user = ig_intern_str(m->users, (uint32_t)u);
		h[u].user_len = ig_intern_len(m->users, (uint32_t)u);
		h[u].e = e + p->start[u];
		h[u].n = p->start[u + 1] - p->start[u];
	}
	ig_cooc_opts_default(&co);
	co.score = IG_COOC_COSINE;
	co.top_k = (uint32_t)k;
	ig_cooc_histories(&co, m->items, h, p->nrows, &topk);
	free(h);
	free(e);
	m->nb_item = ig_malloc(((size_t)m->nitems * k + 1) * sizeof *m->nb_item);
	m->nb_sim = ig_malloc(((size_t)m->nitems * k + 1) * sizeof *m->nb_sim);
	m->nb_n = ig_calloc((size_t)m->nitems + 1, sizeof *m->nb_n);
	for (it = 0; it < m->nitems && it < topk.cap; it++) {
		uint32_t a;

		for (a = 0; a < topk.len[it]; a++) {
			m->nb_item[(size_t)it * k + a] = topk.lists[it][a].nb;
			m->nb_sim[(size_t)it * k + a] = (float)topk.lists[it][a].score;
		}
		m->nb_n[it] = topk.len[it];
	}
	ig_cooc_topk_free(&topk);
}

static void put_rec(ig_writer *w, const char *user, size_t ulen, const model *m, uint32_t item,
		    const char *src, double score, int integer)
{
	ig_writer_write(w, user, ulen);
	ig_writer_putc(w, '\t');
	ig_writer_write(w, ig_intern_str(m->items, item), ig_intern_len(m->items, item));
	ig_writer_putc(w, '\t');
	ig_writer_puts(w, src);
	ig_writer_putc(w, '\t');
	if (integer)
		ig_writer_put_i64(w, (int64_t)score);
	else
		ig_writer_put_double(w, score, 6);
	ig_writer_putc(w, '\n');
}

/* Writes the list of USER (train row U, or the empty row). */
static uint64_t recommend(model *m, ig_writer *w, const char *user, size_t ulen, size_t u)
{
	const ig_baseline_opts *o = m->o;
	const char *src = ig_baseline_name(o->method);
	uint32_t gen = new_gen(m);
	size_t i, nseen = m->seen.start[u + 1] - m->seen.start[u];
	uint64_t out = 0;

	for (i = m->seen.start[u]; i < m->seen.start[u + 1]; i++)
		m->stamp[m->seen.list[i]] = gen;
	if (o->method == IG_BASELINE_POP) {
		for (i = 0; i < m->npop && out < (uint64_t)o->n; i++) {
			uint32_t it = m->pop_order[i];

			if (m->stamp[it] == gen)
				continue;
			put_rec(w, user, ulen, m, it, src, m->pop[it], 1);
			out++;
		}
	} else if (o->method == IG_BASELINE_RANDOM) {
		size_t avail = m->nitems - nseen, want = (size_t)o->n < avail ? (size_t)o->n : avail;
		ig_rng rng;

		ig_rng_seed_stream(&rng, o->seed, ig_hash64(user, ulen));
		size_t got = 0;

		ig_rng_seed_stream(&rng, o->seed, ig_hash64(user, ulen));
		/* Items are drawn by their place in id order, so that a list
		 * does not depend on the order items appeared in train. */
		if (want * 2 > avail) {
			/* Most of what is left: a partial Fisher-Yates shuffle. */
			size_t n = 0;

			for (uint32_t r = 0; r < m->nitems; r++)
				if (m->stamp[m->by_rank[r]] != gen)
					m->touched[n++] = m->by_rank[r];
			for (got = 0; got < want; got++) {
				size_t pick = got + (size_t)ig_rng_below(&rng, n - got);
				uint32_t t = m->touched[got];

				m->touched[got] = m->touched[pick];
				m->touched[pick] = t;
			}
		} else {
			while (got < want) {
				uint32_t it = m->by_rank[ig_rng_below(&rng, m->nitems)];

				if (m->stamp[it] == gen)
					continue;
				m->stamp[it] = gen;
				m->touched[got++] = it;
			}
		}
		for (i = 0; i < got; i++)
			put_rec(w, user, ulen, m, m->touched[i], src, (double)(got - i), 1);
		out = got;
	} else {
		size_t nt = 0, a, k = (size_t)o->neighbors;

		for (i = m->pos.start[u]; i < m->pos.start[u + 1]; i++) {
			uint32_t it = m->pos.list[i];

			for (a = 0; a < m->nb_n[it]; a++) {
				uint32_t j = m->nb_item[(size_t)it * k + a];

				if (m->stamp[j] == gen)
					continue;
				if (m->acc[j] == 0)
					m->touched[nt++] = j;
				m->acc[j] += (double)m->nb_sim[(size_t)it * k + a];
			}
		}
		for (a = 0; a < nt; a++) {
			m->cand[a].item = m->touched[a];
			m->cand[a].score = m->acc[m->touched[a]];
			m->acc[m->touched[a]] = 0;
		}
		qsort_r(m->cand, nt, sizeof *m->cand, cmp_scored, m);
		for (a = 0; a < nt && a < (size_t)o->n; a++)
			put_rec(w, user, ulen, m, m->cand[a].item, src, m->cand[a].score, 0);
		out = a;
	}
	return out;
}

void ig_baseline_run(const ig_baseline_opts *o, ig_writer *w, ig_baseline_stats *st)
{
	model m;
	ig_user_events_reader *ue = NULL;
	ig_user_group g = {0};
	const ig_header *up;

	memset(&m, 0, sizeof m);
	memset(st, 0, sizeof *st);
	m.o = o;
	load(&m, st);
	if (o->method == IG_BASELINE_ITEMKNN)
		fit_knn(&m);
	if (o->users) {
		ue = ig_user_events_open(o->users, NULL);
		up = ig_user_events_header(ue);
	} else {
		up = NULL;
	}
	ig_schema_write_header_prefix(w, IG_STREAM_CANDIDATES, 4, up);
	if (ue) {
		while (ig_user_events_next(ue, &g)) {
			uint32_t u = ig_intern_find(m.users, g.user, g.user_len);
			uint64_t n = recommend(&m, w, g.user, g.user_len, u == IG_INTERN_NONE ? m.pos.nrows : u);

			st->users++;
			st->records += n;
			st->empty += n == 0;
		}
		ig_user_group_free(&g);
		ig_user_events_close(ue);
	} else {
		for (size_t u = 0; u < m.pos.nrows; u++) {
			uint64_t n = recommend(&m, w, ig_intern_str(m.users, (uint32_t)u),
					       ig_intern_len(m.users, (uint32_t)u), u);

			st->users++;
			st->records += n;
			st->empty += n == 0;
		}
	}
	csr_free(&m.pos);
	csr_free(&m.seen);
	ig_intern_free(m.users);
	ig_intern_free(m.items);
	free(m.id_rank);
	free(m.by_rank);
	free(m.pop);
	free(m.pop_order);
	free(m.stamp);
	free(m.acc);
	free(m.touched);
	free(m.cand);
	free(m.nb_item);
	free(m.nb_sim);
	free(m.nb_n);
}
