/* Building the graph: Malkov & Yashunin's insertion (algorithm 1) with
 * the heuristic neighbour selection (algorithm 4), on any number of
 * threads. Each node's links are guarded by a spin lock of its own; the
 * entry point by one mutex, held through the insertion of a node that
 * raises the top level. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "core/ig_thread.h"
#include "retrieve/ig_hnsw_priv.h"

ig_hnsw_opts ig_hnsw_opts_default(void)
{
	ig_hnsw_opts o;

	o.M = IG_HNSW_DEFAULT_M;
	o.ef_construction = IG_HNSW_DEFAULT_EF_CONSTRUCTION;
	o.threads = 1;
	o.seed = 1;
	o.metric = IG_ANN_COSINE;
	return o;
}

void ig_hnsw_layout(ig_hnsw *h)
{
	size_t dim_pad = ((size_t)h->dim + 3) & ~(size_t)3;

	h->M0 = 2 * h->M;
	h->links_off = dim_pad * sizeof(float);
	h->stride = (h->links_off + (1 + (size_t)h->M0) * sizeof(uint32_t) + 15) & ~(size_t)15;
	h->prefetch_bytes = h->links_off < 512 ? h->links_off : 512;
}

typedef struct {
	ig_hnsw *h;
	const ig_ann_kernel *kern;
	pthread_mutex_t entry_lock;
	uint32_t first;         /* the entry point, linked by no insertion */
	const uint8_t *skip;    /* rows left out: zero rows under cosine */
	struct builder *builders; /* one per thread of the pool */
} build_ctx;

typedef struct builder {
	build_ctx *ctx;
	ig_ann_scratch s;
	ig_ann_cand *found;     /* ef_construction */
	ig_ann_cand *pick;      /* M0 + 1 */
	ig_ann_cand *pool;      /* M0 + 1 */
	ig_ann_cand *chosen;    /* M: the new node's links, walked by insert() */
} builder;

/* Keeps from C (N candidates, best first, similarities to their base)
 * those nearer the base than to any kept before, up to MAX (algorithm 4
 * without the pruned connections). Returns how many went to OUT. */
static size_t select_heuristic(const builder *b, const ig_ann_cand *c, size_t n, size_t max, ig_ann_cand *out)
{
	const ig_hnsw *h = b->ctx->h;
	size_t i, j, nout = 0;

	for (i = 0; i < n && nout < max; i++) {
		const float *x = ig_hnsw_vec(h, c[i].id);
		int keep = 1;

		for (j = 0; j < nout && keep; j++)
			if (b->ctx->kern->dot(x, ig_hnsw_vec(h, out[j].id), h->dim) > c[i].sim)
				keep = 0;
		if (keep)
			out[nout++] = c[i];
	}
	return nout;
}

/* Adds Q (similarity SIM) to E's links on LEVEL, shrinking them with the
 * heuristic when full. */
static void connect(builder *b, uint32_t e, uint32_t q, float sim, uint32_t level)
{
	ig_hnsw *h = b->ctx->h;
	uint32_t max = level ? h->M : h->M0, *l, c, j;
	size_t n;

	ig_hnsw_lock(h, e);
	l = ig_hnsw_links(h, e, level);
	c = l[0];
	if (c < max) {
		l[1 + c] = q;
		l[0] = c + 1;
	} else {
		const float *ev = ig_hnsw_vec(h, e);

		for (j = 0; j < c; j++) {
			b->pool[j].id = l[1 + j];
			b->pool[j].sim = b->ctx->kern->dot(ev, ig_hnsw_vec(h, l[1 + j]), h->dim);
		}
		b->pool[c].id = q;
		b->pool[c].sim = sim;
		ig_ann_res_sort(b->pool, c + 1);
		n = select_heuristic(b, b->pool, c + 1, max, b->pick);
		for (j = 0; j < n; j++)
			l[1 + j] = b->pick[j].id;
		for (; j < c; j++)
			l[1 + j] = 0;
		l[0] = (uint32_t)n;
	}
	ig_hnsw_unlock(h, e);
}

static void insert(builder *b, uint32_t q)
{
	build_ctx *ctx = b->ctx;
	ig_hnsw *h = ctx->h;
	const ig_ann_kernel *k = ctx->kern;
	const float *qv = ig_hnsw_vec(h, q);
	uint32_t level = h->levels[q], top, ep, l, j, *ql;
	int raises;
	float sim;
	size_t n, m;

	pthread_mutex_lock(&ctx->entry_lock);
	ep = h->entry;
	top = h->max_level;
	raises = level > top;
	if (!raises)
		pthread_mutex_unlock(&ctx->entry_lock);
	ig_ann_scratch_prepare(&b->s, h, h->ef_construction);
	sim = k->dot(qv, ig_hnsw_vec(h, ep), h->dim);
	if (top > level)
		ep = k->greedy(h, qv, ep, &sim, top, level, &b->s, 1);
	for (l = level < top ? level : top;; l--) {
		if (l != (level < top ? level : top))
			ig_ann_scratch_prepare(&b->s, h, h->ef_construction);
		n = k->search_layer(h, qv, ep, sim, l, h->ef_construction, q, &b->s, 1);
		ig_ann_res_sort_heap(b->s.res, n);
		memcpy(b->found, b->s.res, n * sizeof *b->found);
		m = select_heuristic(b, b->found, n, h->M, b->pick);
		ig_hnsw_lock(h, q);
		ql = ig_hnsw_links(h, q, l);
		for (j = 0; j < m; j++)
			ql[1 + j] = b->pick[j].id;
		ql[0] = (uint32_t)m;
		ig_hnsw_unlock(h, q);
		/* connect() overwrites pick and pool when a list is full:
		 * walk a copy of its own. */
		memcpy(b->chosen, b->pick, m * sizeof *b->chosen);
		for (j = 0; j < m; j++)
			connect(b, b->chosen[j].id, q, b->chosen[j].sim, l);
		if (n > 0) {
			ep = b->found[0].id;
			sim = b->found[0].sim;
		}
		if (l == 0)
			break;
	}
	if (raises) {
		h->entry = q;
		h->max_level = level;
		pthread_mutex_unlock(&ctx->entry_lock);
	}
}

static void builder_init(builder *b, build_ctx *ctx)
{
	memset(b, 0, sizeof *b);
	b->ctx = ctx;
	b->found = ig_reallocarray(NULL, ctx->h->ef_construction + 1, sizeof *b->found);
	b->pick = ig_reallocarray(NULL, ctx->h->M0 + 1, sizeof *b->pick);
	b->pool = ig_reallocarray(NULL, ctx->h->M0 + 1, sizeof *b->pool);
	b->chosen = ig_reallocarray(NULL, ctx->h->M0 + 1, sizeof *b->chosen);
}

static void builder_free(builder *b)
{
	ig_ann_scratch_free(&b->s);
	free(b->found);
	free(b->pick);
	free(b->pool);
	free(b->chosen);
}

/* The nodes after the first, in row order, handed out one at a time. */
static void insert_node(void *arg, size_t i, int tid)
{
	build_ctx *ctx = arg;
	uint32_t q = ctx->first + 1 + (uint32_t)i;

	if (!ctx->skip[q])
		insert(&ctx->builders[tid], q);
}

/* Copies V into the level-0 records, normalised for cosine; marks zero
 * rows, which cosine cannot place. */
static void copy_rows(ig_hnsw *h, const ig_vectors *v, uint8_t *skip)
{
	uint32_t i, j;

	for (i = 0; i < h->n; i++) {
		const float *r = ig_vectors_row(v, i);
		float *dst = (float *)(void *)(h->own_level0 + (size_t)i * h->stride);
		double s = 0;

		for (j = 0; j < h->dim; j++)
			s += (double)r[j] * (double)r[j];
		if (h->metric == IG_ANN_COSINE) {
			skip[i] = s == 0;
			s = s > 0 ? 1 / sqrt(s) : 0;
		} else {
			s = 1;
		}
		for (j = 0; j < h->dim; j++)
			dst[j] = (float)((double)r[j] * s);
	}
}

/* Node levels, floor(-ln(U) / ln(M)), drawn in row order from the seed. */
static void draw_levels(ig_hnsw *h, uint64_t seed, const uint8_t *skip)
{
	double ml = 1 / log((double)h->M);
	ig_rng rng;
	uint64_t blocks = 0;
	uint32_t i;

	ig_rng_seed(&rng, seed);
	h->own_levels = ig_calloc(h->n ? h->n : 1, 1);
	h->upper_start = ig_reallocarray(NULL, h->n ? h->n : 1, sizeof *h->upper_start);
	for (i = 0; i < h->n; i++) {
		double u = ig_rng_double(&rng), l = -log(u > 0 ? u : 1e-300) * ml;
		uint32_t level = skip[i] ? 0 : l >= IG_HNSW_MAX_LEVEL ? IG_HNSW_MAX_LEVEL : (uint32_t)l;

		h->own_levels[i] = (uint8_t)level;
		h->upper_start[i] = (uint32_t)blocks;
		blocks += level;
		if (blocks > UINT32_MAX)
			ig_die("too many vectors for one index");
	}
	h->levels = h->own_levels;
	h->upper_blocks = blocks;
	h->own_upper = ig_calloc(blocks ? blocks : 1, (1 + (size_t)h->M) * sizeof *h->own_upper);
	h->upper = h->own_upper;
}

ig_hnsw *ig_hnsw_build(const ig_vectors *v, const ig_hnsw_opts *o)
{
	ig_hnsw *h = ig_calloc(1, sizeof *h);
	build_ctx ctx;
	uint8_t *skip;
	uint32_t first;
	int t, nthreads = o->threads < 1 ? 1 : o->threads;
	ig_pool *pool;

	if (o->M < 2 || o->M > IG_HNSW_MAX_M)
		ig_die("M must be 2 to %d, not %u", IG_HNSW_MAX_M, o->M);
	if (o->ef_construction < 1)
		ig_die("ef_construction must be at least 1");
	h->n = v->n;
	h->dim = v->dim;
	h->M = o->M;
	h->ef_construction = o->ef_construction < o->M ? o->M : o->ef_construction;
	h->metric = o->metric;
	h->seed = o->seed;
	h->checksum = ig_ann_checksum(v);
	ig_hnsw_layout(h);
	if (h->n > 0 && h->stride > SIZE_MAX / h->n)
		ig_die("index too large");
	h->own_level0 = aligned_alloc(64, ((size_t)h->n * h->stride + 63) & ~(size_t)63);
	if (h->own_level0 == NULL && h->n > 0)
		ig_die("out of memory for an index of %u vectors", h->n);
	h->level0 = h->own_level0;
	/* The padding is written to the file: make it zeros, not garbage. */
	memset(h->own_level0, 0, (size_t)h->n * h->stride);
	skip = ig_calloc(h->n ? h->n : 1, 1);
	copy_rows(h, v, skip);
	draw_levels(h, o->seed, skip);
	h->locks = ig_calloc(h->n ? h->n : 1, 1);
	for (first = 0; first < h->n && skip[first]; first++)
		;
	if (first < h->n) {
		h->entry = first;
		h->max_level = h->levels[first];
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.h = h;
	ctx.kern = ig_ann_kernel_get();
	ctx.skip = skip;
	ctx.first = first;
	pthread_mutex_init(&ctx.entry_lock, NULL);
	if (first < h->n) {
		pool = ig_pool_new(nthreads);
		ctx.builders = ig_calloc((size_t)nthreads, sizeof *ctx.builders);
		for (t = 0; t < nthreads; t++)
			builder_init(&ctx.builders[t], &ctx);
		ig_pool_for(pool, h->n - first - 1, insert_node, &ctx);
		for (t = 0; t < nthreads; t++)
			builder_free(&ctx.builders[t]);
		free(ctx.builders);
		ig_pool_free(pool);
	}
	pthread_mutex_destroy(&ctx.entry_lock);
	free(h->locks);
	h->locks = NULL;
	free(skip);
	return h;
}
