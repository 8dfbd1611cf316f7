/* The body of the search kernel, compiled once per instruction set by
 * core/ig_kernel_copies.h for ig_ann_search_kernel.c (KFN, vf, VW: see
 * there). Private to ig_ann_search_kernel.c. */

/* Two accumulators hide the latency of the multiply-adds. */
static inline float KFN(dot_inline)(const float *a, const float *b, uint32_t dim)
{
	vf s0 = {0}, s1 = {0};
	uint32_t i = 0;
	float s;

	for (; i + 2 * VW <= dim; i += 2 * VW) {
		s0 += KFN(load)(a + i) * KFN(load)(b + i);
		s1 += KFN(load)(a + i + VW) * KFN(load)(b + i + VW);
	}
	if (i + VW <= dim) {
		s0 += KFN(load)(a + i) * KFN(load)(b + i);
		i += VW;
	}
	s = KFN(hsum)(s0 + s1);
	for (; i < dim; i++)
		s += a[i] * b[i];
	return s;
}

static float KFN(dot)(const float *a, const float *b, uint32_t dim)
{
	return KFN(dot_inline)(a, b, dim);
}

static void KFN(scan)(const float *data, uint32_t dim, size_t n, const float *q, float *dot, float *norm2)
{
	size_t r;

	for (r = 0; r < n; r++) {
		const float *row = data + r * dim;
		vf s = {0}, t = {0};
		uint32_t i = 0;
		float ds, ns;

		if (norm2 == NULL) {
			dot[r] = KFN(dot_inline)(q, row, dim);
			continue;
		}
		for (; i + VW <= dim; i += VW) {
			vf x = KFN(load)(row + i);
			s += KFN(load)(q + i) * x;
			t += x * x;
		}
		ds = KFN(hsum)(s);
		ns = KFN(hsum)(t);
		for (; i < dim; i++) {
			ds += q[i] * row[i];
			ns += row[i] * row[i];
		}
		dot[r] = ds;
		norm2[r] = ns;
	}
}

/* The links of ID on LEVEL; during a build, a copy taken under its lock. */
static inline const uint32_t *KFN(links_of)(const ig_hnsw *h, uint32_t id, uint32_t level, ig_ann_scratch *s,
					     int locked)
{
	const uint32_t *l = ig_hnsw_links(h, id, level);
	uint32_t c;

	if (!locked)
		return l;
	ig_hnsw_lock(h, id);
	c = l[0];
	memcpy(s->links, l, (size_t)(c + 1) * sizeof *l);
	ig_hnsw_unlock(h, id);
	return s->links;
}

static uint32_t KFN(greedy)(const ig_hnsw *h, const float *q, uint32_t ep, float *sim, uint32_t from, uint32_t to,
			    ig_ann_scratch *s, int locked)
{
	uint32_t level, j;

	for (level = from; level > to; level--) {
		int moved = 1;

		while (moved) {
			const uint32_t *l = KFN(links_of)(h, ep, level, s, locked);
			uint32_t c = l[0];

			moved = 0;
			for (j = 1; j <= c; j++) {
				float d = KFN(dot_inline)(q, ig_hnsw_vec(h, l[j]), h->dim);

				if (d > *sim || (d == *sim && l[j] < ep)) {
					*sim = d;
					ep = l[j];
					moved = 1;
				}
			}
		}
	}
	return ep;
}

/* Candidates: a heap with the best on top (ig_ann_front_*); results:
 * one with the worst on top (ig_ann_res_*), both of core/ig_topk.h. */
static size_t KFN(search_layer)(const ig_hnsw *h, const float *q, uint32_t ep, float ep_sim, uint32_t level,
				size_t ef, uint32_t exclude, ig_ann_scratch *s, int locked)
{
	ig_ann_cand *cand = s->cand, *res = s->res;
	uint32_t *tag = s->tag, epoch = s->epoch, dim = h->dim, *fresh = s->fresh, m;
	size_t ncand = 0, nres = 0;
	ig_ann_cand c = {ep_sim, ep};

	tag[ep] = epoch;
	ig_ann_front_push(cand, &ncand, c);
	if (ep != exclude)
		ig_ann_res_push(res, &nres, c);
	while (ncand > 0) {
		const uint32_t *l;
		uint32_t j, cnt;

		c = ig_ann_front_pop(cand, &ncand);
		if (nres == ef && c.sim < res[0].sim)
			break;
		l = KFN(links_of)(h, c.id, level, s, locked);
		cnt = l[0];
		if (ncand + cnt > s->cand_cap) {
			s->cand_cap = 2 * (ncand + cnt);
			s->cand = cand = ig_reallocarray(cand, s->cand_cap, sizeof *cand);
		}
		/* First the unvisited links, with their vectors fetched all at
		 * once so that the misses overlap; then their similarities. */
		for (j = 1; j <= cnt; j++)
			__builtin_prefetch(&tag[l[j]]);
		m = 0;
		for (j = 1; j <= cnt; j++) {
			uint32_t e = l[j];
			const char *v;
			size_t b;

			if (tag[e] == epoch)
				continue;
			tag[e] = epoch;
			fresh[m++] = e;
			v = (const char *)ig_hnsw_vec(h, e);
			for (b = 0; b < h->prefetch_bytes; b += 64)
				__builtin_prefetch(v + b);
		}
		for (j = 0; j < m; j++) {
			uint32_t e = fresh[j];
			ig_ann_cand n;

			n.sim = KFN(dot_inline)(q, ig_hnsw_vec(h, e), dim);
			n.id = e;
			if (nres < ef || ig_ann_better(n, res[0])) {
				ig_ann_front_push(cand, &ncand, n);
				if (e == exclude)
					continue;
				if (nres < ef)
					ig_ann_res_push(res, &nres, n);
				else
					ig_ann_res_replace_top(res, nres, n);
			}
		}
	}
	return nres;
}

static const ig_ann_kernel KFN(kernel) = {
	KNAME, KFN(dot), KFN(greedy), KFN(search_layer), KFN(scan)
};
