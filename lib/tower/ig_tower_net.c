/* One batch through both towers: forward, the sampled softmax over the
 * in-batch items with the logQ correction, backward, and the Adagrad
 * step, in parts that threads can share: one synchronous step a batch,
 * as PyTorch takes it, the same for any number of threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "tower/ig_tower_priv.h"

float ig_tower_forward(const ig_tower_model *m, int tower, const float *x, float *h, float *z, float *v)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	const ig_tower_mlp *p = &m->mlp[tower];
	const float *d = m->dense;
	float len;
	uint32_t k;

	kf->affine(d + p->w1, d + p->b1, x, p->in, p->hidden, h);
	for (k = 0; k < p->hidden; k++)
		if (!(h[k] > 0))
			h[k] = 0;
	kf->affine(d + p->w2, d + p->b2, h, p->hidden, p->out, z);
	len = sqrtf(kf->dot(z, z, p->out));
	for (k = 0; k < p->out; k++)
		v[k] = len > 0 ? z[k] / len : 0;
	return len;
}

ig_tower_ws *ig_tower_ws_new(const ig_tower_model *m, uint32_t batch, const ig_tower_uniform *uniform)
{
	ig_tower_ws *w = ig_calloc(1, sizeof *w);
	uint32_t cols;
	int t;

	w->cap = batch;
	w->seen_negatives = m->o.seen_negatives;
	w->uniform = uniform;
	w->ucap = uniform ? uniform->per_batch : 0;
	cols = batch + w->ucap;
	w->nparts = (cols + IG_TOWER_PART - 1) / IG_TOWER_PART;
	for (t = 0; t < 2; t++) {
		const ig_tower_mlp *p = &m->mlp[t];
		uint32_t k = t == IG_TOWER_ITEM ? cols : batch;

		w->bag[t] = ig_calloc(k, sizeof *w->bag[t]);
		w->x[t] = ig_reallocarray(NULL, (size_t)k * p->in, sizeof(float));
		w->dx[t] = ig_reallocarray(NULL, (size_t)k * p->in, sizeof(float));
		w->h[t] = ig_reallocarray(NULL, (size_t)k * p->hidden, sizeof(float));
		w->z[t] = ig_reallocarray(NULL, (size_t)k * p->out, sizeof(float));
		w->v[t] = ig_reallocarray(NULL, (size_t)k * p->out, sizeof(float));
		w->dv[t] = ig_reallocarray(NULL, (size_t)k * p->out, sizeof(float));
		w->zlen[t] = ig_reallocarray(NULL, k, sizeof(float));
	}
	w->logits = ig_reallocarray(NULL, (size_t)batch * cols, sizeof(float));
	w->grad = ig_calloc(m->ndense, sizeof(float));
	w->part_grad = ig_calloc((size_t)w->nparts * m->ndense, sizeof(float));
	w->part_tmp = ig_reallocarray(NULL, (size_t)w->nparts * (m->o.hidden + m->o.dim), sizeof(float));
	w->part_loss = ig_calloc(w->nparts, sizeof *w->part_loss);
	w->item = ig_reallocarray(NULL, cols, sizeof *w->item);
	w->col_ex = ig_reallocarray(NULL, cols, sizeof *w->col_ex);
	w->next_col = ig_reallocarray(NULL, cols, sizeof *w->next_col);
	w->ex_w = ig_reallocarray(NULL, batch, sizeof *w->ex_w);
	w->drop = ig_calloc(cols, 1);
	for (t = 0; t < IG_TT_COUNT; t++) {
		w->row_grad[t] = ig_calloc((size_t)m->rows[t] * m->o.emb, sizeof(float));
		w->row_mark[t] = ig_calloc(m->rows[t], 1);
		w->touched[t] = ig_reallocarray(NULL, m->rows[t], sizeof(uint32_t));
	}
	return w;
}

void ig_tower_ws_free(ig_tower_ws *w)
{
	uint32_t i;
	int t;

	if (w == NULL)
		return;
	for (t = 0; t < 2; t++) {
		for (i = 0; i < w->cap + (t == IG_TOWER_ITEM ? w->ucap : 0); i++)
			ig_tower_bag_free(&w->bag[t][i]);
		free(w->bag[t]);
		free(w->x[t]);
		free(w->dx[t]);
		free(w->h[t]);
		free(w->z[t]);
		free(w->v[t]);
		free(w->dv[t]);
		free(w->zlen[t]);
	}
	free(w->logits);
	free(w->grad);
	free(w->part_grad);
	free(w->part_tmp);
	free(w->part_loss);
	free(w->item);
	free(w->first_col);
	free(w->next_col);
	free(w->col_ex);
	free(w->ex_w);
	free(w->drop);
	for (t = 0; t < IG_TT_COUNT; t++) {
		free(w->row_grad[t]);
		free(w->row_mark[t]);
		free(w->touched[t]);
	}
	free(w);
}

/* Row I's softmax over the batch's columns: loss, and d loss / d logit
 * (scaled by SCALE) in place of the logits. Other columns of the same
 * item (examples or uniform draws) are not negatives. */
static double softmax_row(ig_tower_ws *w, uint32_t i, float scale)
{
	float *s = w->logits + (size_t)i * w->ncols, mx = -INFINITY;
	double sum = 0, loss;
	uint32_t j;

	for (j = 0; j < w->ncols; j++) {
		if (j != i && w->item[j] == w->item[i])
			s[j] = -INFINITY;
		if (s[j] > mx)
			mx = s[j];
	}
	for (j = 0; j < w->ncols; j++)
		sum += exp((double)(s[j] - mx));
	loss = log(sum) - (double)(s[i] - mx);
	for (j = 0; j < w->ncols; j++)
		s[j] = scale * (float)(exp((double)(s[j] - mx)) / sum) - (j == i ? scale : 0);
	return loss;
}

/* Back through the normalisation and the MLP of one example, into the
 * gradient GRAD with scratch TMP. */
static void backward(const ig_tower_model *m, int tower, ig_tower_ws *w, uint32_t e, float *grad, float *tmp)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	const ig_tower_mlp *p = &m->mlp[tower];
	const float *v = w->v[tower] + (size_t)e * p->out, *dv = w->dv[tower] + (size_t)e * p->out;
	const float *h = w->h[tower] + (size_t)e * p->hidden;
	float *dz = tmp, *dh = tmp + p->out, len = w->zlen[tower][e], vd;
	uint32_t k;

	if (!(len > 0)) {
		memset(w->dx[tower] + (size_t)e * p->in, 0, p->in * sizeof(float));
		return;
	}
	vd = kf->dot(v, dv, p->out);
	for (k = 0; k < p->out; k++) {
		dz[k] = (dv[k] - v[k] * vd) / len;
		grad[p->b2 + k] += dz[k];
	}
	kf->affine_back(m->dense + p->w2, h, dz, p->hidden, p->out, grad + p->w2, dh);
	for (k = 0; k < p->hidden; k++) {
		if (!(h[k] > 0))
			dh[k] = 0;
		grad[p->b1 + k] += dh[k];
	}
	kf->affine_back(m->dense + p->w1, w->x[tower] + (size_t)e * p->in, dh, p->in, p->hidden, grad + p->w1,
			w->dx[tower] + (size_t)e * p->in);
}

/* The batch's columns indexed by item: first_col[item] and next_col[j]
 * chain each item's columns. Cleared of the previous batch's entries
 * before W's items change, */
static void unindex_columns(const ig_tower_catalog *cat, ig_tower_ws *w)
{
	uint32_t j;

	if (w->ncatalog < cat->n) {
		free(w->first_col);
		w->ncatalog = cat->n;
		w->first_col = ig_reallocarray(NULL, cat->n, sizeof *w->first_col);
		for (j = 0; j < cat->n; j++)
			w->first_col[j] = IG_TOWER_NONE;
	} else {
		for (j = 0; j < w->ncols; j++)
			w->first_col[w->item[j]] = IG_TOWER_NONE;
	}
}

/* then made of the new ones. */
static void index_columns(ig_tower_ws *w)
{
	uint32_t j;

	for (j = w->ncols; j-- > 0;) {
		w->next_col[j] = w->first_col[w->item[j]];
		w->first_col[w->item[j]] = j;
	}
}

void ig_tower_batch_begin(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			  const uint64_t *ex, uint32_t n, const float *logq, ig_rng *rng, ig_tower_ws *w)
{
	const ig_tower_uniform *u = rng != NULL ? w->uniform : NULL;
	uint32_t i;

	if (!w->seen_negatives)
		unindex_columns(cat, w);
	w->n = n;
	w->c = c;
	w->ncols = n + (u ? u->per_batch : 0);
	w->ex = ex;
	w->logq = logq;
	w->total_w = 0;
	for (i = 0; i < n; i++) {
		w->col_ex[i] = ex[i];
		w->ex_w[i] = c->weight[ex[i]];
		w->total_w += (double)c->weight[ex[i]];
	}
	/* the draws in column order, on one thread: the same for any number
	 * of threads */
	for (i = n; i < w->ncols; i++) {
		uint64_t k = ig_rng_below(rng, u->n), s = u->start[k];

		w->col_ex[i] = u->ex[s + ig_rng_below(rng, u->start[k + 1] - s)];
	}
	for (i = 0; i < w->ncols; i++) {
		uint64_t g = w->col_ex[i];

		w->drop[i] = rng != NULL && m->o.id_dropout > 0 && ig_rng_double(rng) < m->o.id_dropout &&
			     ig_tower_item_has_features(cat, c->item[g]);
		w->item[i] = c->item[g];
	}
	if (!w->seen_negatives)
		index_columns(w);
}

uint32_t ig_tower_ws_parts(const ig_tower_ws *w)
{
	return (w->ncols + IG_TOWER_PART - 1) / IG_TOWER_PART;
}

/* The rows or columns [*LO, *HI) of part P, of N. */
static void part_range(uint32_t n, uint32_t p, uint32_t *lo, uint32_t *hi)
{
	*lo = p * IG_TOWER_PART < n ? p * IG_TOWER_PART : n;
	*hi = n - *lo < IG_TOWER_PART ? n : *lo + IG_TOWER_PART;
}

void ig_tower_part_forward(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			   ig_tower_ws *w, uint32_t p)
{
	uint32_t lo, hi, i;
	int t;

	part_range(w->ncols, p, &lo, &hi);
	for (i = lo; i < hi; i++) {
		uint64_t g = w->col_ex[i];

		if (i < w->n) {
			uint32_t u = c->user_of[g];
			ig_tower_user view = ig_tower_corpus_user(c, u, (size_t)(g - c->start[u]));

			ig_tower_bag_user(m, cat, &view, c->ts[g], &w->bag[IG_TOWER_USER][i]);
		}
		ig_tower_bag_item(m, cat, c->item[g], c->ts[g], w->drop[i], &w->bag[IG_TOWER_ITEM][i]);
		for (t = i < w->n ? 0 : IG_TOWER_ITEM; t < 2; t++) {
			const ig_tower_mlp *q = &m->mlp[t];

			ig_tower_bag_pool(m, t, &w->bag[t][i], w->x[t] + (size_t)i * q->in);
			w->zlen[t][i] = ig_tower_forward(m, t, w->x[t] + (size_t)i * q->in,
							 w->h[t] + (size_t)i * q->hidden,
							 w->z[t] + (size_t)i * q->out, w->v[t] + (size_t)i * q->out);
		}
	}
}

/* The columns of the items that the user of row I engaged with before
 * the example by more than a view (an event weighing more) are no
 * negatives of it (-inf in G): they are items the user wants, and
 * retrieval leaves a user's seen items out anyway. Items only viewed
 * stay negatives: a view may be a glance at what was shown, and as
 * negatives the user's viewed items teach the item tower to tell items
 * of like features apart, which cold items are placed by. */
static void mask_seen(const ig_tower_model *m, const ig_tower_ws *w, uint32_t i, float *g)
{
	const ig_tower_corpus *c = w->c;
	uint64_t e = w->col_ex[i], k;
	double view = m->o.weights[IG_EV_VIEW];
	uint32_t j;

	for (k = c->start[c->user_of[e]]; k < e; k++)
		if ((double)c->weight[k] > view && c->item[k] != w->item[i])
			for (j = w->first_col[c->item[k]]; j != IG_TOWER_NONE; j = w->next_col[j])
				g[j] = -INFINITY;
}

/* The logits of the part's users against every in-batch item, their
 * softmax, and the gradient of the users' outputs. */
void ig_tower_part_softmax(const ig_tower_model *m, ig_tower_ws *w, uint32_t p)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	uint32_t d = m->o.dim, n = w->ncols, lo, hi, i, j;
	float inv_t = (float)(1 / m->o.temperature);
	double loss = 0;

	part_range(w->n, p, &lo, &hi);
	for (i = lo; i < hi; i++) {
		float scale = (float)((double)w->ex_w[i] / w->total_w), *g = w->logits + (size_t)i * n;
		float *dv = w->dv[0] + (size_t)i * d;

		memset(dv, 0, d * sizeof *dv);
		if (!(w->total_w > 0)) {
			/* nothing to learn: zero gradients */
			memset(g, 0, n * sizeof *g);
			continue;
		}
		for (j = 0; j < n; j++)
			g[j] = kf->dot(w->v[0] + (size_t)i * d, w->v[1] + (size_t)j * d, d) * inv_t -
			       (w->logq ? w->logq[w->item[j]] : 0);
		if (!w->seen_negatives)
			mask_seen(m, w, i, g);
		loss += (double)w->ex_w[i] * softmax_row(w, i, scale);
		for (j = 0; j < n; j++)
			if (g[j] != 0)
				kf->axpy(g[j] * inv_t, w->v[1] + (size_t)j * d, dv, d);
	}
	w->part_loss[p] = loss;
}

/* The gradient of the part's columns' item outputs (a column of every
 * user's row), then back through both towers into the part's gradient. */
void ig_tower_part_backward(const ig_tower_model *m, ig_tower_ws *w, uint32_t p)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	uint32_t d = m->o.dim, n = w->ncols, lo, hi, i, j;
	float inv_t = (float)(1 / m->o.temperature);
	float *grad = w->part_grad + (size_t)p * m->ndense, *tmp = w->part_tmp + (size_t)p * (m->o.hidden + d);
	int t;

	part_range(w->ncols, p, &lo, &hi);
	memset(grad, 0, m->ndense * sizeof *grad);
	for (j = lo; j < hi; j++) {
		float *dv = w->dv[1] + (size_t)j * d;

		memset(dv, 0, d * sizeof *dv);
		for (i = 0; i < w->n; i++) {
			float g = w->logits[(size_t)i * n + j];

			if (g != 0)
				kf->axpy(g * inv_t, w->v[0] + (size_t)i * d, dv, d);
		}
	}
	for (i = lo; i < hi; i++)
		for (t = i < w->n ? 0 : IG_TOWER_ITEM; t < 2; t++)
			backward(m, t, w, i, grad, tmp);
}

double ig_tower_batch_loss(const ig_tower_ws *w)
{
	double loss = 0;
	uint32_t p;

	if (!(w->total_w > 0))
		return 0;
	for (p = 0; p < (w->n + IG_TOWER_PART - 1) / IG_TOWER_PART; p++)
		loss += w->part_loss[p];
	return loss / w->total_w;
}

void ig_tower_dense_step(ig_tower_model *m, ig_tower_ws *w, size_t lo, size_t hi, float lr)
{
	uint32_t np = ig_tower_ws_parts(w), p;
	size_t k;

	if (hi <= lo)
		return;
	memset(w->grad + lo, 0, (hi - lo) * sizeof *w->grad);
	for (p = 0; p < np; p++) {
		const float *g = w->part_grad + (size_t)p * m->ndense;

		for (k = lo; k < hi; k++)
			w->grad[k] += g[k];
	}
	if (lr > 0)
		ig_tower_kernels_get()->adagrad(m->dense + lo, m->dense_acc + lo, w->grad + lo, lr, hi - lo);
}

double ig_tower_batch_grad(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			   const uint64_t *ex, uint32_t n, const float *logq, ig_rng *rng, ig_tower_ws *w)
{
	uint32_t np, p;

	ig_tower_batch_begin(m, cat, c, ex, n, logq, rng, w);
	np = ig_tower_ws_parts(w);
	for (p = 0; p < np; p++)
		ig_tower_part_forward(m, cat, c, w, p);
	for (p = 0; p < np; p++)
		ig_tower_part_softmax(m, w, p);
	for (p = 0; p < np; p++)
		ig_tower_part_backward(m, w, p);
	/* the model is not changed without a learning rate */
	ig_tower_dense_step((ig_tower_model *)m, w, 0, m->ndense, 0);
	return ig_tower_batch_loss(w);
}

void ig_tower_rows_step(ig_tower_model *m, ig_tower_ws *w, float lr)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	uint32_t e = m->o.emb, i, k;
	int t, s;

	for (t = 0; t < 2; t++)
		for (i = 0; i < (t == IG_TOWER_ITEM ? w->ncols : w->n); i++) {
			const ig_tower_bag *b = &w->bag[t][i];
			const float *dx = w->dx[t] + (size_t)i * m->mlp[t].in;

			for (s = 0; s < ig_tower_nsegs[t]; s++) {
				int tab = ig_tower_seg_table[t][s];

				for (k = b->off[s]; k < b->off[s + 1]; k++) {
					uint32_t row = b->row[k];

					if (!w->row_mark[tab][row]) {
						w->row_mark[tab][row] = 1;
						w->touched[tab][w->ntouched[tab]++] = row;
					}
					kf->axpy(b->w[k], dx + (size_t)s * e, w->row_grad[tab] + (size_t)row * e, e);
				}
			}
		}
	for (t = 0; t < IG_TT_COUNT; t++) {
		for (k = 0; k < w->ntouched[t]; k++) {
			size_t at = (size_t)w->touched[t][k] * e;

			kf->adagrad(m->table[t] + at, m->table_acc[t] + at, w->row_grad[t] + at, lr, e);
			memset(w->row_grad[t] + at, 0, e * sizeof(float));
			w->row_mark[t][w->touched[t][k]] = 0;
		}
		w->ntouched[t] = 0;
	}
}

void ig_tower_batch_apply(ig_tower_model *m, ig_tower_ws *w, float lr)
{
	ig_tower_kernels_get()->adagrad(m->dense, m->dense_acc, w->grad, lr, m->ndense);
	ig_tower_rows_step(m, w, lr);
}

void ig_tower_ws_row_grad(const ig_tower_model *m, const ig_tower_ws *w, int table, uint32_t row, float *out)
{
	uint32_t e = m->o.emb, i, k, q;
	int t, s;

	memset(out, 0, e * sizeof *out);
	for (t = 0; t < 2; t++)
		for (i = 0; i < (t == IG_TOWER_ITEM ? w->ncols : w->n); i++) {
			const ig_tower_bag *b = &w->bag[t][i];
			const float *dx = w->dx[t] + (size_t)i * m->mlp[t].in;

			for (s = 0; s < ig_tower_nsegs[t]; s++) {
				if (ig_tower_seg_table[t][s] != table)
					continue;
				for (k = b->off[s]; k < b->off[s + 1]; k++)
					if (b->row[k] == row)
						for (q = 0; q < e; q++)
							out[q] += b->w[k] * dx[(size_t)s * e + q];
			}
		}
}
