#include "w2v/ig_w2v_train.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"

/* Sentences are handed to threads in blocks of about this many words: big
 * enough that the hand-out costs nothing, small enough to balance the
 * threads at the end of an epoch. */
#define BLOCK_WORDS 10000

void ig_w2v_opts_default(ig_w2v_opts *o)
{
	memset(o, 0, sizeof *o);
	o->arch = IG_W2V_SKIPGRAM;
	o->dim = 100;
	o->window = 5;
	o->negative = 5;
	o->epochs = 5;
	o->sample = 1e-3;
	o->alpha = 0.025;
	o->min_alpha = 0.025 * 1e-4;
	o->noise_power = 0.75;
	o->seed = 1;
}

static uint32_t stride_of(uint32_t dim)
{
	return (dim + IG_W2V_ROW_ALIGN - 1) / IG_W2V_ROW_ALIGN * IG_W2V_ROW_ALIGN;
}

uint64_t ig_w2v_model_bytes(uint64_t n, uint32_t dim)
{
	return 2 * n * stride_of(dim) * sizeof(float);
}

/* The matrices are read at random rows: on 2 MB pages (where the kernel
 * allows them on request) the TLB misses that dominated go away. */
#define HUGE_PAGE ((size_t)2 << 20)

static float *matrix(uint32_t n, uint32_t stride)
{
	size_t bytes = (size_t)(n ? n : 1) * stride * sizeof(float);
	float *p;

	if (bytes >= HUGE_PAGE) {
		bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
		p = aligned_alloc(HUGE_PAGE, bytes);
		if (p != NULL)
			(void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint; fine to fail */
	} else {
		p = aligned_alloc(64, bytes);
	}
	if (p == NULL)
		ig_die("out of memory for %zu MB of vectors", bytes >> 20);
	return p;
}

void ig_w2v_model_init(ig_w2v_model *m, uint32_t n, uint32_t dim, uint64_t seed)
{
	uint64_t rng = seed ^ 0x5851f42d4c957f2dULL;
	size_t i, j;

	m->n = n;
	m->dim = dim;
	m->stride = stride_of(dim);
	m->in = matrix(n, m->stride);
	m->out = matrix(n, m->stride);
	memset(m->out, 0, (size_t)n * m->stride * sizeof(float));
	for (i = 0; i < n; i++) {
		float *r = m->in + i * m->stride;

		for (j = 0; j < dim; j++) {
			uint32_t x = (uint32_t)(ig_w2v_rng_next(&rng) >> 40); /* 24 bits */

			r[j] = ((float)x / 16777216.0f - 0.5f) / (float)dim;
		}
		for (; j < m->stride; j++)
			r[j] = 0; /* padding stays zero: its gradients are zero */
	}
}

void ig_w2v_model_free(ig_w2v_model *m)
{
	free(m->in);
	free(m->out);
	memset(m, 0, sizeof *m);
}

typedef struct worker_arg {
	ig_w2v_worker wk;
	double last_report;
} worker_arg;

typedef struct shared {
	ig_w2v_model *m;
	const ig_w2v_corpus *c;
	const ig_w2v_opts *o;
	ig_w2v_kparams kp;
	size_t *block;            /* block b: sentences block[b] .. block[b+1) */
	size_t nblocks;
	int epoch;
	atomic_uint_fast64_t done;  /* words finished in this epoch, all threads */
	uint64_t total;             /* words in all epochs */
	double start;
	worker_arg *wa;             /* per thread */
} shared;

static double rate(const shared *sh, uint64_t words)
{
	double a = sh->o->alpha * (1 - (double)words / (double)(sh->total + 1));

	return a > sh->o->min_alpha ? a : sh->o->min_alpha;
}

/* Parallel-for body: block B of this epoch on thread TID. */
static void train_block(void *arg, size_t b, int tid)
{
	shared *sh = arg;
	worker_arg *wa = &sh->wa[tid];
	const ig_w2v_corpus *c = sh->c;
	uint64_t epoch_base = (uint64_t)sh->epoch * c->ntok, before, local = 0;
	size_t s;

	/* Each block has its own random stream, so the draws do not depend
	 * on which thread takes it. */
	wa->wk.rng = sh->o->seed * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)sh->epoch << 40) ^ b;
	(void)ig_w2v_rng_next(&wa->wk.rng);
	before = atomic_load_explicit(&sh->done, memory_order_relaxed);
	for (s = sh->block[b]; s < sh->block[b + 1]; s++) {
		size_t from = c->start[s], n = c->start[s + 1] - from;
		float alpha = (float)rate(sh, epoch_base + before + local);

		ig_w2v_train_sentence(sh->m, &sh->kp, &wa->wk, c->tok + from,
				      c->weight != NULL ? c->weight + from : NULL, n, alpha);
		local += n;
	}
	atomic_fetch_add_explicit(&sh->done, local, memory_order_relaxed);
	if (tid == 0 && sh->o->progress != NULL && ig_now() - wa->last_report >= 1) {
		uint64_t d = epoch_base + atomic_load_explicit(&sh->done, memory_order_relaxed);
		double now = ig_now();

		wa->last_report = now;
		sh->o->progress(sh->o->ctx, (double)d / (double)sh->total, (double)d / (now - sh->start), rate(sh, d));
	}
}

static void make_blocks(shared *sh)
{
	const ig_w2v_corpus *c = sh->c;
	size_t s, cap = c->ntok / BLOCK_WORDS + 2, n = 0;
	uint64_t words = 0;

	sh->block = ig_reallocarray(NULL, cap, sizeof *sh->block);
	sh->block[0] = 0;
	for (s = 0; s < c->nsent; s++) {
		words += c->start[s + 1] - c->start[s];
		if (words >= BLOCK_WORDS) {
			if (n + 2 > cap) {
				cap *= 2;
				sh->block = ig_reallocarray(sh->block, cap, sizeof *sh->block);
			}
			sh->block[++n] = s + 1;
			words = 0;
		}
	}
	if (sh->block[n] != c->nsent) {
		if (n + 2 > cap)
			sh->block = ig_reallocarray(sh->block, cap + 1, sizeof *sh->block);
		sh->block[++n] = c->nsent;
	}
	sh->nblocks = n;
}

void ig_w2v_train(ig_w2v_model *m, const ig_w2v_corpus *c, const ig_w2v_vocab *v,
		  const ig_w2v_opts *o, ig_w2v_epoch *last)
{
	shared sh;
	ig_w2v_alias noise;
	uint32_t *keep = NULL;
	worker_arg *wa;
	int threads = ig_pool_threads(o->pool), t, e, diverged = 0;
	ig_w2v_epoch ep;

	ig_w2v_tables_init();
	memset(&sh, 0, sizeof sh);
	memset(&ep, 0, sizeof ep);
	sh.m = m;
	sh.c = c;
	sh.o = o;
	sh.total = (uint64_t)o->epochs * c->ntok;
	ig_w2v_alias_build(&noise, v->count, v->n, o->noise_power);
	if (o->sample > 0)
		keep = ig_w2v_keep_thresholds(v, o->sample);
	sh.kp.arch = o->arch;
	sh.kp.window = o->window;
	sh.kp.whole = o->whole;
	sh.kp.negative = o->negative;
	sh.kp.share = o->share;
	sh.kp.keep = keep;
	sh.kp.noise = &noise;
	make_blocks(&sh);
	wa = ig_calloc((size_t)threads, sizeof *wa);
	for (t = 0; t < threads; t++)
		ig_w2v_worker_init(&wa[t].wk, m);
	sh.wa = wa;
	sh.start = ig_now();
	for (t = 0; t < threads; t++)
		wa[t].last_report = sh.start;
	for (e = 0; e < o->epochs; e++) {
		double t0 = ig_now();

		sh.epoch = e;
		atomic_store(&sh.done, 0);
		for (t = 0; t < threads; t++) {
			wa[t].wk.loss = 0;
			wa[t].wk.examples = 0;
			wa[t].wk.words = 0;
		}
		if (o->pool != NULL) {
			ig_pool_for(o->pool, sh.nblocks, train_block, &sh);
		} else {
			size_t b;
			for (b = 0; b < sh.nblocks; b++)
				train_block(&sh, b, 0);
		}
		memset(&ep, 0, sizeof ep);
		ep.epoch = e + 1;
		for (t = 0; t < threads; t++) {
			ep.loss += wa[t].wk.loss;
			ep.examples += wa[t].wk.examples;
			ep.words += wa[t].wk.words;
		}
		ep.loss = ep.examples ? ep.loss / (double)ep.examples : 0;
		if (!isfinite(ep.loss)) {
			diverged = e + 1;
			break;
		}
		ep.seconds = ig_now() - t0;
		ep.alpha = rate(&sh, (uint64_t)(e + 1) * c->ntok);
		if (o->epoch_done != NULL)
			o->epoch_done(o->ctx, &ep);
	}
	for (t = 0; t < threads; t++)
		ig_w2v_worker_free(&wa[t].wk);
	free(wa);
	free(sh.block);
	free(keep);
	ig_w2v_alias_free(&noise);
	if (diverged)
		ig_die("training diverged in epoch %d (the vectors overflowed): lower --alpha (now %g)%s",
		       diverged, o->alpha, c->weighted ? " or the --weights values" : "");
	if (last != NULL)
		*last = ep;
}
