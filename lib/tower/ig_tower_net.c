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

ig_tower_ws *ig_tower_ws_new(const ig_tower_model *m, uint32_t batch)
{
	ig_tower_ws *w = ig_calloc(1, sizeof *w);
	int t;

	w->cap = batch;
	w->nparts = (batch + IG_TOWER_PART - 1) / IG_TOWER_PART;
	for (t = 0; t < 2; t++) {
		const ig_tower_mlp *p = &m->mlp[t];

		w->bag[t] = ig_calloc(batch, sizeof *w->bag[t]);
		w->x[t] = ig_reallocarray(NULL, (size_t)batch * p->in, sizeof(float));
		w->dx[t] = ig_reallocarray(NULL, (size_t)batch * p->in, sizeof(float));
		w->h[t] = ig_reallocarray(NULL, (size_t)batch * p->hidden, sizeof(float));
		w->z[t] = ig_reallocarray(NULL, (size_t)batch * p->out, sizeof(float));
		w->v[t] = ig_reallocarray(NULL, (size_t)batch * p->out, sizeof(float));
		w->dv[t] = ig_reallocarray(NULL, (size_t)batch * p->out, sizeof(float));
		w->zlen[t] = ig_reallocarray(NULL, batch, sizeof(float));
	}
	w->logits = ig_reallocarray(NULL, (size_t)batch * batch, sizeof(float));
	w->grad = ig_calloc(m->ndense, sizeof(float));
	w->part_grad = ig_calloc((size_t)w->nparts * m->ndense, sizeof(float));
	w->part_tmp = ig_reallocarray(NULL, (size_t)w->nparts * (m->o.hidden + m->o.dim), sizeof(float));
	w->part_loss = ig_calloc(w->nparts, sizeof *w->part_loss);
	w->item = ig_reallocarray(NULL, batch, sizeof *w->item);
	w->ex_w = ig_reallocarray(NULL, batch, sizeof *w->ex_w);
	w->drop = ig_calloc(batch, 1);
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
		for (i = 0; i < w->cap; i++)
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
	free(w->ex_w);
	free(w->drop);
	for (t = 0; t < IG_TT_COUNT; t++) {
		free(w->row_grad[t]);
		free(w->row_mark[t]);
		free(w->touched[t]);
	}
	free(w);
}

/* Row I's softmax over the in-batch items: loss, and d loss / d logit
 * (scaled by SCALE) in place of the logits. Other examples of the same
 * item are not negatives. */
static double softmax_row(ig_tower_ws *w, uint32_t i, float scale)
{
	float *s = w->logits + (size_t)i * w->n, mx = -INFINITY;
	double sum = 0, loss;
	uint32_t j;

	for (j = 0; j < w->n; j++) {
		if (j != i && w->item[j] == w->item[i])
			s[j] = -INFINITY;
		if (s[j] > mx)
			mx = s[j];
	}
	for (j = 0; j < w->n; j++)
		sum += exp((double)(s[j] - mx));
	loss = log(sum) - (double)(s[i] - mx);
	for (j = 0; j < w->n; j++)
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

void ig_tower_batch_begin(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			  const uint64_t *ex, uint32_t n, const float *logq, ig_rng *rng, ig_tower_ws *w)
{
	uint32_t i;

	w->n = n;
	w->ex = ex;
	w->logq = logq;
	w->total_w = 0;
	for (i = 0; i < n; i++) {
		uint64_t g = ex[i];

		/* the draws in example order, on one thread: the same for any
		 * number of threads */
		w->drop[i] = rng != NULL && m->o.id_dropout > 0 && ig_rng_double(rng) < m->o.id_dropout &&
			     ig_tower_item_has_features(cat, c->item[g]);
		w->item[i] = c->item[g];
		w->ex_w[i] = c->weight[g];
		w->total_w += (double)c->weight[g];
	}
}

/* The examples [*LO, *HI) of part P. */
static void part_range(const ig_tower_ws *w, uint32_t p, uint32_t *lo, uint32_t *hi)
{
	*lo = p * IG_TOWER_PART < w->n ? p * IG_TOWER_PART : w->n;
	*hi = w->n - *lo < IG_TOWER_PART ? w->n : *lo + IG_TOWER_PART;
}

void ig_tower_part_forward(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			   ig_tower_ws *w, uint32_t p)
{
	uint32_t lo, hi, i;
	int t;

	part_range(w, p, &lo, &hi);
	for (i = lo; i < hi; i++) {
		uint64_t g = w->ex[i];
		uint32_t u = c->user_of[g];
		ig_tower_user view = ig_tower_corpus_user(c, u, (size_t)(g - c->start[u]));

		ig_tower_bag_user(m, cat, &view, c->ts[g], &w->bag[IG_TOWER_USER][i]);
		ig_tower_bag_item(m, cat, c->item[g], c->ts[g], w->drop[i], &w->bag[IG_TOWER_ITEM][i]);
		for (t = 0; t < 2; t++) {
			const ig_tower_mlp *q = &m->mlp[t];

			ig_tower_bag_pool(m, t, &w->bag[t][i], w->x[t] + (size_t)i * q->in);
			w->zlen[t][i] = ig_tower_forward(m, t, w->x[t] + (size_t)i * q->in,
							 w->h[t] + (size_t)i * q->hidden,
							 w->z[t] + (size_t)i * q->out, w->v[t] + (size_t)i * q->out);
		}
	}
}

/* The logits of the part's users against every in-batch item, their
 * softmax, and the gradient of the users' outputs. */
void ig_tower_part_softmax(const ig_tower_model *m, ig_tower_ws *w, uint32_t p)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	uint32_t d = m->o.dim, n = w->n, lo, hi, i, j;
	float inv_t = (float)(1 / m->o.temperature);
	double loss = 0;

	part_range(w, p, &lo, &hi);
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
		loss += (double)w->ex_w[i] * softmax_row(w, i, scale);
		for (j = 0; j < n; j++)
			if (g[j] != 0)
				kf->axpy(g[j] * inv_t, w->v[1] + (size_t)j * d, dv, d);
	}
	w->part_loss[p] = loss;
}

/* The gradient of the part's items' outputs (a column of every user's
 * row), then back through both towers into the part's gradient. */
void ig_tower_part_backward(const ig_tower_model *m, ig_tower_ws *w, uint32_t p)
{
	const ig_tower_kernels *kf = ig_tower_kernels_get();
	uint32_t d = m->o.dim, n = w->n, lo, hi, i, j;
	float inv_t = (float)(1 / m->o.temperature);
	float *grad = w->part_grad + (size_t)p * m->ndense, *tmp = w->part_tmp + (size_t)p * (m->o.hidden + d);
	int t;

	part_range(w, p, &lo, &hi);
	memset(grad, 0, m->ndense * sizeof *grad);
	for (j = lo; j < hi; j++) {
		float *dv = w->dv[1] + (size_t)j * d;

		memset(dv, 0, d * sizeof *dv);
		for (i = 0; i < n; i++) {
			float g = w->logits[(size_t)i * n + j];

			if (g != 0)
				kf->axpy(g * inv_t, w->v[0] + (size_t)i * d, dv, d);
		}
	}
	for (i = lo; i < hi; i++)
		for (t = 0; t < 2; t++)
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
	uint32_t np = (w->n + IG_TOWER_PART - 1) / IG_TOWER_PART, p;
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
	uint32_t np = (n + IG_TOWER_PART - 1) / IG_TOWER_PART, p;

	ig_tower_batch_begin(m, cat, c, ex, n, logq, rng, w);
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

	for (i = 0; i < w->n; i++)
		for (t = 0; t < 2; t++) {
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
	for (i = 0; i < w->n; i++)
		for (t = 0; t < 2; t++) {
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
