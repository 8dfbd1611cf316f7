/* The body of the training kernel, compiled once per instruction set by
 * core/ig_kernel_copies.h for ig_w2v_kernel.c (KFN, vf, VW: see there).
 * Private to ig_w2v_kernel.c. */

static inline uint64_t KFN(rng)(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint32_t KFN(alias_draw)(const ig_w2v_alias *a, uint64_t r)
{
	uint32_t i = (uint32_t)(((r >> 32) * a->n) >> 32);

	return (uint32_t)r <= a->cell[i].threshold ? i : a->cell[i].alias;
}

static inline int KFN(table_index)(float x)
{
	return (int)((x + IG_W2V_MAX_EXP) * ((float)IG_W2V_SIGMOID_SIZE / IG_W2V_MAX_EXP / 2));
}

static inline vf *KFN(row)(float *base, uint32_t id, uint32_t stride)
{
	return (vf *)__builtin_assume_aligned(base + (size_t)id * stride, 64);
}

/* Gradient scale of one score: (label - sigma(s)) * alpha, and the loss. */
static inline float KFN(grad_of)(float s, int label, float alpha, float *loss)
{
	if (s != s) {
		/* Diverged (overflowed vectors): no update, and a NaN loss that
		 * ig_w2v_train reports; NaN must not reach the table index. */
		*loss += s;
		return 0;
	}
	if (s >= IG_W2V_MAX_EXP) {
		if (!label)
			*loss += s;
		return label ? 0 : -alpha;
	}
	if (s <= -IG_W2V_MAX_EXP) {
		if (label)
			*loss -= s;
		return label ? alpha : 0;
	}
	{
		int t = KFN(table_index)(s);

		*loss -= label ? ig_w2v_log_sigmoid_table[t] : ig_w2v_log_sigmoid_table[IG_W2V_SIGMOID_SIZE - t];
		return ((float)label - ig_w2v_sigmoid_table[t]) * alpha;
	}
}

/* Skip-gram on NCTX context rows against NOUT output rows (OUTS[0] the
 * centre word, label 1; the rest negatives, label 0):
 *   S = In(ctx) . Out(outs)^T, G = (labels - sigma(S)) * alpha,
 *   In(ctx) += G . Out, Out(outs) += G^T . In (both from the old values). */
static void KFN(sg_batch)(const ig_w2v_model *m, ig_w2v_worker *wk, const uint32_t *ctx, const float *cw,
		     int nctx, const uint32_t *outs, int nout, float alpha)
{
	uint32_t stride = m->stride, nc = stride / VW, c;
	float g[IG_W2V_BATCH][MAX_OUT];
	vf *orow[MAX_OUT], *irow[IG_W2V_BATCH];
	float loss = 0;
	vf *grad = (vf *)__builtin_assume_aligned(wk->grad, 64);
	int i, k;

	for (i = 0; i < nctx; i++) {
		const vf *a = KFN(row)(m->in, ctx[i], stride);
		float scale = cw ? alpha * cw[i] : alpha;

		k = 0;
		for (; k + 2 <= nout; k += 2) {
			const vf *b0 = KFN(row)(m->out, outs[k], stride);
			const vf *b1 = KFN(row)(m->out, outs[k + 1], stride);
			vf acc0 = {0}, acc1 = {0};

			for (c = 0; c < nc; c++) {
				acc0 += a[c] * b0[c];
				acc1 += a[c] * b1[c];
			}
			g[i][k] = KFN(grad_of)(KFN(hsum)(acc0), k == 0, scale, &loss);
			g[i][k + 1] = KFN(grad_of)(KFN(hsum)(acc1), 0, scale, &loss);
		}
		for (; k < nout; k++) {
			const vf *b0 = KFN(row)(m->out, outs[k], stride);
			vf acc0 = {0};

			for (c = 0; c < nc; c++)
				acc0 += a[c] * b0[c];
			g[i][k] = KFN(grad_of)(KFN(hsum)(acc0), k == 0, scale, &loss);
		}
	}
	/* Input gradients from the old output rows, one register per chunk
	 * summed over the outputs. */
	for (k = 0; k < nout; k++)
		orow[k] = KFN(row)(m->out, outs[k], stride);
	for (i = 0; i < nctx; i++) {
		vf *gi = grad + (size_t)i * nc;

		for (c = 0; c < nc; c++) {
			vf acc = g[i][0] * orow[0][c];

			for (k = 1; k < nout; k++)
				acc += g[i][k] * orow[k][c];
			gi[c] = acc;
		}
	}
	/* Output updates from the old input rows, each written once. */
	for (i = 0; i < nctx; i++)
		irow[i] = KFN(row)(m->in, ctx[i], stride);
	for (k = 0; k < nout; k++) {
		vf *b = orow[k];

		for (c = 0; c < nc; c++) {
			vf acc = b[c];

			for (i = 0; i < nctx; i++)
				acc += g[i][k] * irow[i][c];
			b[c] = acc;
		}
	}
	for (i = 0; i < nctx; i++) {
		vf *a = irow[i];
		const vf *gi = grad + (size_t)i * nc;

		for (c = 0; c < nc; c++)
			a[c] += gi[c];
	}
	wk->loss += (double)loss;
	wk->examples += (uint64_t)nctx;
}

/* CBOW (word2vec.c with cbow_mean): the mean of the context predicts the
 * centre word; its gradient goes to every context row. */
static void KFN(cbow_step)(const ig_w2v_model *m, ig_w2v_worker *wk, const uint32_t *ctx, const float *cw,
		      int nctx, const uint32_t *outs, int nout, float alpha)
{
	uint32_t stride = m->stride, nc = stride / VW, c;
	vf *h = (vf *)__builtin_assume_aligned(wk->hidden, 64);
	vf *e = h + nc;
	float wsum = 0, loss = 0;
	int i, k;

	for (c = 0; c < nc; c++) {
		h[c] = (vf){0};
		e[c] = (vf){0};
	}
	for (i = 0; i < nctx; i++) {
		const vf *a = KFN(row)(m->in, ctx[i], stride);
		float wi = cw ? cw[i] : 1;

		for (c = 0; c < nc; c++)
			h[c] += wi * a[c];
		wsum += wi;
	}
	if (wsum <= 0)
		return;
	for (c = 0; c < nc; c++)
		h[c] *= 1 / wsum;
	for (k = 0; k < nout; k++) {
		vf *b = KFN(row)(m->out, outs[k], stride);
		vf acc = {0};
		float gk;

		for (c = 0; c < nc; c++)
			acc += h[c] * b[c];
		gk = KFN(grad_of)(KFN(hsum)(acc), k == 0, alpha, &loss);
		if (gk == 0)
			continue;
		for (c = 0; c < nc; c++) {
			e[c] += gk * b[c];
			b[c] += gk * h[c];
		}
	}
	for (i = 0; i < nctx; i++) {
		vf *a = KFN(row)(m->in, ctx[i], stride);
		float wi = cw ? cw[i] : 1;

		for (c = 0; c < nc; c++)
			a[c] += wi * e[c];
	}
	wk->loss += (double)loss;
	wk->examples++;
}

static int KFN(draw_outputs)(const ig_w2v_kparams *p, ig_w2v_worker *wk, uint32_t centre, uint32_t *outs)
{
	int k, nout = 1;

	outs[0] = centre;
	for (k = 0; k < p->negative; k++) {
		uint32_t w = KFN(alias_draw)(p->noise, KFN(rng)(&wk->rng));

		if (w != centre) /* as word2vec.c: a draw of the target is skipped */
			outs[nout++] = w;
	}
	return nout;
}

static size_t KFN(subsample)(const ig_w2v_kparams *p, ig_w2v_worker *wk, const uint32_t *sent,
			const float *w, size_t n)
{
	size_t i, kept = 0;

	if (n > wk->sent_cap) {
		wk->sent_cap = n + n / 2 + 16;
		wk->sent = ig_reallocarray(wk->sent, wk->sent_cap, sizeof *wk->sent);
		wk->sent_w = ig_reallocarray(wk->sent_w, wk->sent_cap, sizeof *wk->sent_w);
	}
	for (i = 0; i < n; i++) {
		if (p->keep != NULL) {
			uint32_t r = (uint32_t)KFN(rng)(&wk->rng);

			if (r > p->keep[sent[i]])
				continue;
		}
		wk->sent[kept] = sent[i];
		if (w != NULL)
			wk->sent_w[kept] = w[i];
		kept++;
	}
	return kept;
}

/* Asks for a row ahead of its use: the rows of a centre word's target and
 * negatives are random, and waiting for them was the main cost. */
static inline void KFN(prefetch_row)(const float *base, uint32_t id, uint32_t stride)
{
	const char *r = (const char *)(base + (size_t)id * stride);
	size_t off, bytes = (size_t)stride * sizeof(float);

	for (off = 0; off < bytes; off += 64)
		__builtin_prefetch(r + off, 0, 3);
}

static void KFN(ig_w2v_kernel)(const ig_w2v_model *m, const ig_w2v_kparams *p, ig_w2v_worker *wk,
				  const uint32_t *sent, const float *w, size_t n, float alpha)
{
	uint32_t ctx[IG_W2V_BATCH], out_a[MAX_OUT], out_b[MAX_OUT], *outs = out_a, *next = out_b, *swap;
	float cw[IG_W2V_BATCH];
	const float *cwp;
	size_t len, i, j, lo, hi;
	const uint32_t *s;
	const float *sw;
	int nout, nnext = 0, k;
	int limit = p->share > 0 && p->share < IG_W2V_BATCH ? p->share : IG_W2V_BATCH;

	wk->words += n;
	len = KFN(subsample)(p, wk, sent, w, n);
	if (len < 2)
		return;
	s = wk->sent;
	sw = w != NULL ? wk->sent_w : NULL;
	cwp = sw != NULL ? cw : NULL;
	/* The outputs of each centre word are drawn one word ahead, so that
	 * their rows can be fetched while the word before is trained. */
	nout = KFN(draw_outputs)(p, wk, s[0], outs);
	for (i = 0; i < len; i++) {
		int nctx = 0, fresh = 1;

		if (i > 0) {
			swap = outs;
			outs = next;
			next = swap;
			nout = nnext;
		}
		if (i + 1 < len) {
			nnext = KFN(draw_outputs)(p, wk, s[i + 1], next);
			for (k = 0; k < nnext; k++)
				KFN(prefetch_row)(m->out, next[k], m->stride);
			if (!p->whole && i + 1 + (size_t)p->window < len)
				KFN(prefetch_row)(m->in, s[i + 1 + (size_t)p->window], m->stride);
		}
		if (p->whole) {
			lo = 0;
			hi = len;
		} else {
			size_t reach = (size_t)p->window -
				       (size_t)(((KFN(rng)(&wk->rng) >> 32) * (uint64_t)p->window) >> 32);

			lo = i > reach ? i - reach : 0;
			hi = i + reach + 1 < len ? i + reach + 1 : len;
		}
		if (p->arch == IG_W2V_CBOW) {
			/* CBOW averages the whole window into one row; a window
			 * wider than a batch keeps its first IG_W2V_BATCH words. */
			for (j = lo; j < hi && nctx < IG_W2V_BATCH; j++) {
				if (j == i)
					continue;
				ctx[nctx] = s[j];
				if (sw != NULL)
					cw[nctx] = sw[j];
				nctx++;
			}
			if (nctx > 0)
				KFN(cbow_step)(m, wk, ctx, cwp, nctx, outs, nout, alpha);
			continue;
		}
		for (j = lo; j < hi; j++) {
			if (j == i)
				continue;
			ctx[nctx] = s[j];
			if (sw != NULL)
				cw[nctx] = sw[j];
			if (++nctx == limit || j + 1 == hi || (j + 2 == hi && j + 1 == i)) {
				/* Each batch of one centre word gets its own negatives. */
				if (!fresh)
					nout = KFN(draw_outputs)(p, wk, s[i], outs);
				fresh = 0;
				KFN(sg_batch)(m, wk, ctx, cwp, nctx, outs, nout, alpha);
				nctx = 0;
			}
		}
	}
}
