/* EASE (Steck 2019) for ig-cooccur --score ease: the item-item weights
 * B = argmin |X - X B|^2 + lambda |B|^2 subject to diag(B) = 0, in
 * closed form B(i,j) = -P(i,j) / P(j,j), P = (X^T X + lambda I)^-1, X the
 * users' distinct sets with their weights (f(u) on each user's terms).
 * Row i of B is what history item i adds to the score of candidate j,
 * so an item's neighbours are the largest positive entries of its row.
 *
 * Dense: over the M entities with the most users (--ease-items, ties by
 * id), P takes M^2 doubles and its inverse another M^2, the supports M^2
 * 32-bit counts (20 M^2 bytes: 80 MB at 2000), and the inversion about
 * M^3 / 2 multiply-adds. Every entry is computed by one fixed sequence of
 * operations, so the result is the same bits for any number of threads. */
#include "cooccur/ig_cooccur_count.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

/* The dot product of A and B over N entries, in four lanes summed in a
 * fixed order (so that the compiler may vectorise each lane). */
static double dot(const double *a, const double *b, size_t n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t k = 0;

	for (; k + 4 <= n; k += 4) {
		s0 += a[k] * b[k];
		s1 += a[k + 1] * b[k + 1];
		s2 += a[k + 2] * b[k + 2];
		s3 += a[k + 3] * b[k + 3];
	}
	for (; k < n; k++)
		s0 += a[k] * b[k];
	return (s0 + s1) + (s2 + s3);
}

typedef struct ease_job {
	double *a;   /* m x m: G, then L (lower), then P (upper half used) */
	double *u;   /* m x m: row j = column j of L^-1, entries j .. m-1 */
	size_t m;
} ease_job;

/* Column J of L^-1 by forward substitution, into row J of U. */
static void inverse_column(void *arg, size_t j, int tid)
{
	ease_job *e = arg;
	size_t m = e->m, i;
	double *t = e->u + j * m;

	(void)tid;
	/* t[k] for k < j is 0: the dot starts at j */
	for (i = j; i < m; i++) {
		const double *l = e->a + i * m;
		double s = (i == j ? 1.0 : 0.0) - dot(l + j, t + j, i - j);
		t[i] = s / l[i];
	}
}

/* Row I of P = (L^-1)^T L^-1, entries j >= i: P(i,j) = the dot of rows
 * i and j of U from j on. */
static void p_row(void *arg, size_t i, int tid)
{
	ease_job *e = arg;
	size_t m = e->m, j;
	double *p = e->a + i * m;

	(void)tid;
	for (j = i; j < m; j++)
		p[j] = dot(e->u + i * m + j, e->u + j * m + j, m - j);
}

/* Cholesky of the m x m matrix A in place (lower triangle): 0, or -1
 * when it is not positive definite (it always is with lambda > 0 and
 * finite weights, but a failure is said, not written). */
static int cholesky(double *a, size_t m)
{
	size_t i, j;

	for (i = 0; i < m; i++) {
		double *ri = a + i * m;
		for (j = 0; j < i; j++) {
			const double *rj = a + j * m;
			ri[j] = (ri[j] - dot(ri, rj, j)) / rj[j];
		}
		{
			double d = ri[i] - dot(ri, ri, i);
			if (!(d > 0))
				return -1;
			ri[i] = sqrt(d);
		}
	}
	return 0;
}

/* Entities by users, most first, ties by their bytewise rank. */
static int cmp_users(const void *x, const void *y, void *arg)
{
	const ig_cooc_side *order_side = arg;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	uint64_t ua = order_side->users[a], ub = order_side->users[b];

	if (ua != ub)
		return ua > ub ? -1 : 1;
	return order_side->rank[a] < order_side->rank[b] ? -1 : order_side->rank[a] > order_side->rank[b];
}

/* The entities outside the M get rows: for such an entity t, the
 * weights EASE would give it over the M and itself, by the Schur
 * complement of the M's block, P known. With g = G(M,t), w = P g and
 * s = lambda + G(t,t) - g.w, B(t,j) = w_j / (s P(j,j) + w_j^2) for j
 * among the M that share a user with t. They stay out of every list, as
 * before: B(j,t) and the pairs of two outside entities (which that
 * model gives too) put rare entities among the neighbours, and held
 * fewer held-out views on the validation cuts (ig-funnel(1)). Each
 * outside entity costs its row of G (from its users' sets) and at most
 * NT M multiply-adds for its NT entries of g; the entities are shared
 * among the threads, each row offered by one thread in a fixed order. */
#define EXT_PER_GRAB 64

typedef struct ext_scratch {
	double *acc;       /* G(t, .) over the M */
	double *w;         /* P g */
	uint32_t *sup;     /* users shared with t, over the M */
	uint32_t *touched; /* the M's indices with sup > 0, in the order first seen */
	uint32_t nt;
	double gtt;
	uint64_t pairs;
} ext_scratch;

typedef struct ease_ext {
	const ig_cooc_sets *s;
	const ig_cooc_scorer *sc;
	ig_cooc_topk *topk;
	const uint32_t *ent;    /* index among the M -> entity */
	const double *p;        /* P, m x m, both halves */
	const uint32_t *pos;    /* entity -> its index among the M, or UINT32_MAX */
	const uint32_t *out;    /* the entities outside the M */
	uint32_t m, nout;
	double lambda;
	uint64_t *eoff;         /* entity a: its users euser[eoff[a] .. eoff[a+1]) */
	uint32_t *euser;
	float *ex;
	ext_scratch *scratch;   /* one per thread */
} ease_ext;

/* Row T of G (and its supports) over the M into X's accumulator, the
 * M's indices touched in X->touched; G(t,t) in X->gtt. */
static void ext_row(const ease_ext *e, ext_scratch *x, uint32_t t)
{
	const ig_cooc_sets *s = e->s;
	uint64_t k;

	x->nt = 0;
	x->gtt = 0;
	for (k = e->eoff[t]; k < e->eoff[t + 1]; k++) {
		uint32_t u = e->euser[k];
		double xt = e->ex[k], f = s->f[u];
		const ig_cooc_ent *y = s->ent + s->off[u], *end = s->ent + s->off[u + 1];
		for (; y < end; y++) {
			uint32_t j = e->pos[y->id];
			if (y->id == t) {
				x->gtt += f * (xt * (double)y->x);
				continue;
			}
			if (j == UINT32_MAX)
				continue;
			if (x->sup[j]++ == 0)
				x->touched[x->nt++] = j;
			x->acc[j] += f * (xt * (double)y->x);
		}
	}
}

/* The row of outside entity T into the top-k lists. */
static void ext_one(const ease_ext *e, ext_scratch *x, uint32_t t)
{
	const ig_cooc_scorer *sc = e->sc;
	uint32_t m = e->m, q, r;
	double st, gw = 0;

	ext_row(e, x, t);
	if (x->nt > 0) {
		/* w = P g, needed where g is not 0 (the touched), summed over
		 * the touched in the order first seen: the same bits both
		 * ways. Few touched: NT^2 multiply-adds on P's rows gathered;
		 * many: NT whole rows of P streamed (NT M, but vectorised). */
		if ((size_t)x->nt * 8 < m) {
			for (r = 0; r < x->nt; r++) {
				const double *prow = e->p + (size_t)x->touched[r] * m;
				double wr = 0;
				for (q = 0; q < x->nt; q++)
					wr += prow[x->touched[q]] * x->acc[x->touched[q]];
				x->w[x->touched[r]] = wr;
			}
		} else {
			memset(x->w, 0, (size_t)m * sizeof *x->w);
			for (q = 0; q < x->nt; q++) {
				const double *prow = e->p + (size_t)x->touched[q] * m;
				double gq = x->acc[x->touched[q]];
				for (r = 0; r < m; r++)
					x->w[r] += gq * prow[r];
			}
		}
		for (q = 0; q < x->nt; q++)
			gw += x->acc[x->touched[q]] * x->w[x->touched[q]];
		st = e->lambda + x->gtt - gw;
		for (q = 0; q < x->nt; q++) {
			uint32_t j = x->touched[q];
			double v = x->w[j] / (st * e->p[(size_t)j * m + j] + x->w[j] * x->w[j]);
			ig_cooc_nb nb;
			if (x->sup[j] < sc->min_support || !(v > 0) || isinf(v))
				continue;
			nb.score = v;
			nb.nb = e->ent[j];
			nb.rank = sc->col->rank[e->ent[j]];
			nb.support = x->sup[j];
			ig_cooc_topk_offer(e->topk, t, &nb);
			x->pairs++;
		}
	}
	for (q = 0; q < x->nt; q++) {
		x->acc[x->touched[q]] = 0;
		x->sup[x->touched[q]] = 0;
	}
}

static void ext_grab(void *arg, size_t g, int tid)
{
	const ease_ext *e = arg;
	size_t k, end = (g + 1) * EXT_PER_GRAB;

	if (end > e->nout)
		end = e->nout;
	for (k = g * EXT_PER_GRAB; k < end; k++)
		ext_one(e, &e->scratch[tid], e->out[k]);
}

static void ease_extend(ease_ext *e, uint32_t nent, ig_pool *pool, uint64_t *pairs)
{
	const ig_cooc_sets *s = e->s;
	uint32_t m = e->m, t, nout = 0, *out;
	int threads = ig_pool_threads(pool), k;
	ig_csr csr = ig_cooc_sets_csr(s, nent);

	e->eoff = ig_reallocarray(NULL, (size_t)nent + 1, sizeof *e->eoff);
	e->euser = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *e->euser);
	e->ex = ig_reallocarray(NULL, s->nnz ? s->nnz : 1, sizeof *e->ex);
	ig_csr_transpose(&csr, e->eoff, e->euser, e->ex);
	out = ig_reallocarray(NULL, nent ? nent : 1, sizeof *out);
	for (t = 0; t < nent; t++)
		if (e->pos[t] == UINT32_MAX)
			out[nout++] = t;
	e->out = out;
	e->nout = nout;
	e->scratch = ig_calloc((size_t)threads, sizeof *e->scratch);
	for (k = 0; k < threads; k++) {
		e->scratch[k].acc = ig_calloc(m ? m : 1, sizeof *e->scratch[k].acc);
		e->scratch[k].w = ig_calloc(m ? m : 1, sizeof *e->scratch[k].w);
		e->scratch[k].sup = ig_calloc(m ? m : 1, sizeof *e->scratch[k].sup);
		e->scratch[k].touched = ig_reallocarray(NULL, m ? m : 1, sizeof *e->scratch[k].touched);
	}
	ig_pool_for(pool, ((size_t)nout + EXT_PER_GRAB - 1) / EXT_PER_GRAB, ext_grab, e);
	for (k = 0; k < threads; k++) {
		*pairs += e->scratch[k].pairs;
		free(e->scratch[k].acc);
		free(e->scratch[k].w);
		free(e->scratch[k].sup);
		free(e->scratch[k].touched);
	}
	free(e->scratch);
	free(out);
	free(e->eoff);
	free(e->euser);
	free(e->ex);
}

void ig_cooc_ease(ig_cooc_ctx *c, const ig_cooc_scorer *sc, ig_cooc_topk *topk)
{
	const ig_cooc_sets *s = &c->sets;
	const ig_cooc_opts *o = c->o;
	uint32_t nent = ig_intern_count(c->vocab), *ent, *pos, m, i, j;
	uint32_t *sup;
	double *a, *u;
	size_t mm;
	uint64_t k, pairs = 0;
	ig_cooc_ent *kept = NULL; /* a user's kept entities: their index and weight */
	size_t kept_cap = 0;
	ease_job e;

	ent = ig_reallocarray(NULL, nent ? nent : 1, sizeof *ent);
	pos = ig_reallocarray(NULL, nent ? nent : 1, sizeof *pos);
	for (i = 0; i < nent; i++)
		ent[i] = i;
	qsort_r(ent, nent, sizeof *ent, cmp_users, &c->row);
	m = nent < o->ease_items ? nent : o->ease_items;
	/* 20 bytes an entry (P, L^-1, supports) within --memory */
	if (m > 1 && 20 * (uint64_t)m * m > o->memory)
		m = (uint32_t)sqrt((double)o->memory / 20);
	for (i = 0; i < nent; i++)
		pos[i] = UINT32_MAX;
	for (i = 0; i < m; i++)
		pos[ent[i]] = i;
	c->ease_kept = m;
	if (m < nent)
		ig_warn("--score ease: over the %u entities with the most users of %u (--ease-items, --memory); "
			"each other one gets its weights toward them as if added to them", m, nent);
	mm = (size_t)m * m;
	a = ig_calloc(mm ? mm : 1, sizeof *a);
	u = ig_calloc(mm ? mm : 1, sizeof *u);
	sup = ig_calloc(mm ? mm : 1, sizeof *sup);
	/* G = X^T X over the kept entities (the users in order: the same sums
	 * on every run) and its supports; each user's kept entities first, so
	 * that a long history of rare entities costs its length, not its square */
	for (k = 0; k < s->n; k++) {
		const ig_cooc_ent *x = s->ent + s->off[k], *end = s->ent + s->off[k + 1];
		double f = s->f[k];
		size_t n = 0, p, q;
		for (; x < end; x++) {
			if (pos[x->id] == UINT32_MAX)
				continue;
			if (n == kept_cap) {
				kept_cap = kept_cap ? 2 * kept_cap : 64;
				kept = ig_reallocarray(kept, kept_cap, sizeof *kept);
			}
			kept[n].id = pos[x->id];
			kept[n++].x = x->x;
		}
		for (p = 0; p < n; p++)
			for (q = 0; q < n; q++) {
				size_t at = (size_t)kept[p].id * m + kept[q].id;
				a[at] += f * ((double)kept[p].x * (double)kept[q].x);
				sup[at]++;
			}
	}
	free(kept);
	for (i = 0; i < m; i++)
		a[(size_t)i * m + i] += o->ease_lambda;
	if (cholesky(a, m) != 0)
		ig_die("--score ease: X^T X + lambda I is not positive definite (weights too large?)");
	e.a = a;
	e.u = u;
	e.m = m;
	ig_pool_for(o->pool, m, inverse_column, &e);
	ig_pool_for(o->pool, m, p_row, &e);
	/* B(i,j) = -P(i,j) / P(j,j), P symmetric: its upper half holds it */
	for (i = 0; i < m; i++) {
		for (j = 0; j < m; j++) {
			double pij, v;
			ig_cooc_nb nb;
			if (i == j || sup[(size_t)i * m + j] < sc->min_support)
				continue;
			pij = i < j ? a[(size_t)i * m + j] : a[(size_t)j * m + i];
			v = -pij / a[(size_t)j * m + j];
			if (!(v > 0) || isinf(v))
				continue;
			nb.score = v;
			nb.nb = ent[j];
			nb.rank = sc->col->rank[ent[j]];
			nb.support = sup[(size_t)i * m + j];
			ig_cooc_topk_offer(topk, ent[i], &nb);
			pairs++;
		}
	}
	if (m < nent) {
		ease_ext x = {.s = s, .sc = sc, .topk = topk, .ent = ent, .p = a, .pos = pos, .m = m,
			      .lambda = o->ease_lambda};
		/* P's lower half (L's until now) from its upper one */
		for (i = 0; i < m; i++)
			for (j = 0; j < i; j++)
				a[(size_t)i * m + j] = a[(size_t)j * m + i];
		ease_extend(&x, nent, o->pool, &pairs);
	}
	c->terms = pairs;
	free(a);
	free(u);
	free(sup);
	free(ent);
	free(pos);
}
