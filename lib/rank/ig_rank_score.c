/* ig-rank score: candidates in, ranked out, a batch of users at a time
 * spread over threads and written in input order (io/ig_batch); each
 * user's result depends on that user only, so the output does not depend
 * on the number of threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ig_cli.h"
#include "core/ig_arena.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "core/ig_thread.h"
#include "io/ig_batch.h"
#include "rank/ig_rank.h"

/* Two batches are held, one read while the other is scored. */
#define BATCH_ROWS 16384
#define EXPLAIN_LEN 1024
/* Items whose part of the first stage's sums a thread keeps at most (a
 * power of two; an item's slot is its number modulo the slots): fewer
 * when the catalogue is smaller, so that every item of a catalogue up to
 * this keeps its own slot */
#define PART_CACHE_MAX (1u << 18)

typedef struct brow {
	size_t item, sources, reason; /* arena offsets */
	size_t item_len, sources_len, reason_len;
	double rs, rank, rel;
	int nsources;
	double score;
} brow;

typedef struct buser {
	char user[IG_MAX_ID_LEN + 1];
	size_t ulen, first, n;
	uint32_t *order;  /* rows by score */
} buser;

typedef struct batch {
	buser *users;
	size_t nusers, ucap;
	brow *rows;
	size_t nrows, rcap;
	double *s;        /* nrows x nsources */
	double *p;        /* nrows x nhead */
	char *explain;    /* nrows x EXPLAIN_LEN when explaining */
	ig_arena arena;   /* item, sources and reason of each row */
} batch;

typedef struct scorer {
	const ig_rank_ctx *c;
	const ig_rank_model *m;
	const ig_rank_score_opts *o;
	int *map, nsrc, nhead, nf_ctx, nf;
	char **names;     /* model features, then user_id, item_id */
	size_t part_len;  /* ig_rank_part_len: 0 unless split */
	unsigned rest;    /* the features_part bits of the rest */
	/* split models: the context's column of each model feature in the
	 * order of ig_rank_model_score_order: the item's alone, the user's
	 * alone, the others */
	int *item_col, nitem_f, *user_col, nuser_f, *rest_col, nrest_f;
	ig_rank_cands *in;
	ig_writer *w;
	ig_rank_score_stats *st;
	ig_pool *pool;
	struct score_scratch *scratch; /* one per thread of the pool */
	struct num_memo *memo;  /* write_user's: one per number column */
} scorer;

/* A number column's last value and its text: a column that repeats its
 * value (a head that never varies, ones) is formatted once. */
typedef struct num_memo {
	double v;
	size_t len;             /* 0: none yet */
	char text[IG_DOUBLE_BUF];
} num_memo;

typedef struct score_scratch {
	ig_rank_user *u;
	float *xc, *xm;
	float *parts;     /* part_slots items' parts, one for an unknown item, and
			   * the user's */
	uint32_t *part_of;/* the item number + 1 of each part, 0: none */
	uint32_t part_slots;
	uint32_t *items;  /* the item numbers of the user's candidates */
	uint64_t *hashes; /* and their ig_hash64 */
	size_t items_cap;
	double seconds;   /* scoring */
} score_scratch;

static void batch_add(scorer *sc, batch *b, const ig_rank_group *g)
{
	buser *u;
	size_t i;

	if (b->nusers == b->ucap) {
		b->ucap = b->ucap ? 2 * b->ucap : 256;
		b->users = ig_reallocarray(b->users, b->ucap, sizeof *b->users);
	}
	u = &b->users[b->nusers++];
	memcpy(u->user, g->user, g->user_len + 1);
	u->ulen = g->user_len;
	u->first = b->nrows;
	u->n = g->n;
	if (b->nrows + g->n > b->rcap) {
		while (b->nrows + g->n > b->rcap)
			b->rcap = b->rcap ? 2 * b->rcap : BATCH_ROWS;
		b->rows = ig_reallocarray(b->rows, b->rcap, sizeof *b->rows);
		b->s = ig_reallocarray(b->s, b->rcap * (size_t)(sc->nsrc + 1), sizeof *b->s);
		b->p = ig_reallocarray(b->p, b->rcap * (size_t)sc->nhead, sizeof *b->p);
		if (sc->o->explain)
			b->explain = ig_reallocarray(b->explain, b->rcap, EXPLAIN_LEN);
	}
	for (i = 0; i < g->n; i++) {
		const ig_rank_row *r = &g->rows[i];
		brow *br = &b->rows[b->nrows];

		br->item = ig_arena_add(&b->arena, r->item, r->item_len);
		br->item_len = r->item_len;
		br->sources_len = strlen(r->sources);
		br->sources = ig_arena_add(&b->arena, r->sources, br->sources_len);
		br->reason_len = strlen(r->reason);
		br->reason = ig_arena_add(&b->arena, r->reason, br->reason_len);
		br->rs = r->retrieval_score;
		br->rank = r->retrieval_rank;
		br->rel = r->retrieval_rel;
		br->nsources = r->nsources;
		if (sc->nsrc)
			memcpy(b->s + b->nrows * (size_t)sc->nsrc, r->s, (size_t)sc->nsrc * sizeof *b->s);
		b->nrows++;
	}
}

static int by_score(const void *pa, const void *pb, void *arg)
{
	const batch *b = arg;
	const brow *x = &b->rows[*(const uint32_t *)pa], *y = &b->rows[*(const uint32_t *)pb];

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(b->arena.buf + x->item, b->arena.buf + y->item);
}

typedef struct contrib_item {
	int f;
	double v;
} contrib_item;

static int by_abs(const void *pa, const void *pb)
{
	const contrib_item *x = pa, *y = pb;
	double a = fabs(x->v), b = fabs(y->v);

	if (a != b)
		return a > b ? -1 : 1;
	return x->f - y->f;
}

/* The value score's first-order change per feature: each head's logit
 * contribution times the value's derivative in that logit. */
static void explain_row(const scorer *sc, const float *x, uint64_t uh, uint64_t ih, const double *p, char *out)
{
	int nf = sc->nf + 2, f, h, k, at = 0;
	double *c = ig_calloc((size_t)nf, sizeof *c), *ch = ig_malloc((size_t)nf * sizeof *ch);
	contrib_item *items = ig_malloc((size_t)nf * sizeof *items);

	for (h = 0; h < sc->nhead; h++) {
		double w = sc->o->value_w[h], d;

		if (w == 0)
			continue;
		d = sc->o->value_mode == IG_VALUE_LOGLINEAR ? w * (1 - p[h]) : w * p[h] * (1 - p[h]);
		ig_rank_contrib(sc->m, h, x, uh, ih, ch);
		for (f = 0; f < nf; f++)
			c[f] += d * ch[f];
	}
	for (f = 0; f < nf; f++) {
		items[f].f = f;
		items[f].v = c[f];
	}
	qsort(items, (size_t)nf, sizeof *items, by_abs);
	out[0] = '\0';
	for (k = 0; k < sc->o->explain && k < nf && items[k].v != 0; k++) {
		int w = snprintf(out + at, (size_t)(EXPLAIN_LEN - at), "%s%s:%+.3g", k ? "," : "",
				 sc->names[items[k].f], items[k].v);

		if (w < 0 || at + w >= EXPLAIN_LEN - 1) {
			out[at] = '\0'; /* not the cut-off start of one more */
			break;
		}
		at += w;
	}
	free(c);
	free(ch);
	free(items);
}

/* The item's part of the first stage's sums: kept per item, since it
 * depends on nothing else; an unknown item's is made each time. */
static const float *item_part(const scorer *sc, score_scratch *x, const ig_rank_cand *cd, uint32_t it,
			      uint64_t ih)
{
	size_t slot = it != IG_INTERN_NONE ? it & (x->part_slots - 1) : x->part_slots;
	float *part = x->parts + slot * sc->part_len;
	int k;

	if (it != IG_INTERN_NONE && x->part_of[slot] == it + 1)
		return part;
	ig_rank_features_part(x->u, cd, it, IG_RANK_F_ITEM, x->xc);
	for (k = 0; k < sc->nitem_f; k++)
		x->xm[k] = x->xc[sc->item_col[k]];
	ig_rank_item_part(sc->m, x->xm, ih, part);
	if (it != IG_INTERN_NONE)
		x->part_of[slot] = it + 1;
	return part;
}

/* The probabilities of the first stage from the item's kept part, the
 * user's (made from the user's first candidate: FIRST) and the other
 * features. */
static void predict_split(const scorer *sc, score_scratch *x, const ig_rank_cand *cd, uint32_t it, int first,
			  uint64_t uh, uint64_t ih, double *p)
{
	const float *ip = item_part(sc, x, cd, it, ih);
	float *up = x->parts + ((size_t)x->part_slots + 1) * sc->part_len;
	int k;

	ig_rank_features_part(x->u, cd, it, sc->rest, x->xc);
	if (first) {
		for (k = 0; k < sc->nuser_f; k++)
			x->xm[k] = x->xc[sc->user_col[k]];
		ig_rank_user_part(sc->m, x->xm, uh, up);
	}
	for (k = 0; k < sc->nrest_f; k++)
		x->xm[k] = x->xc[sc->rest_col[k]];
	ig_rank_predict_parts(sc->m, x->xm, ip, up, p);
}

/* Candidates ahead of the one scored whose tables are asked for */
#define PREFETCH_AHEAD 8

/* Asks for what scoring item IT will read: its features' second stage
 * (the first was asked for all candidates at once) and its kept part. */
static void prefetch_candidate(const scorer *sc, score_scratch *x, uint32_t it)
{
	ig_rank_features_prefetch(x->u, it, 1);
	if (sc->part_len && it != IG_INTERN_NONE) {
		size_t slot = it & (x->part_slots - 1);

		__builtin_prefetch(&x->part_of[slot]);
		__builtin_prefetch(x->parts + slot * sc->part_len);
	}
}

/* The slots of a thread's kept item parts: the catalogue's items rounded
 * up to a power of two, at most PART_CACHE_MAX. */
static uint32_t part_slots(const ig_rank_ctx *c)
{
	uint32_t n = 1;

	while (n < ig_rank_item_count(c) && n < PART_CACHE_MAX)
		n *= 2;
	return n;
}

/* The item numbers and hashes of the user's candidates into X, their
 * look-ups' cache misses asked for a stage at a time for all of them. */
static void number_candidates(const scorer *sc, const batch *b, score_scratch *x, const buser *bu)
{
	size_t i;
	int stage;

	if (bu->n > x->items_cap) {
		x->items_cap = 2 * bu->n;
		x->items = ig_reallocarray(x->items, x->items_cap, sizeof *x->items);
		x->hashes = ig_reallocarray(x->hashes, x->items_cap, sizeof *x->hashes);
	}
	for (i = 0; i < bu->n; i++) {
		const brow *br = &b->rows[bu->first + i];

		x->hashes[i] = ig_hash64(b->arena.buf + br->item, br->item_len);
		ig_rank_item_number_prefetch(sc->c, x->hashes[i], 0);
	}
	for (stage = 1; stage <= 2; stage++)
		for (i = 0; i < bu->n; i++)
			ig_rank_item_number_prefetch(sc->c, x->hashes[i], stage);
	for (i = 0; i < bu->n; i++) {
		const brow *br = &b->rows[bu->first + i];

		x->items[i] = ig_rank_item_number(sc->c, b->arena.buf + br->item, br->item_len, x->hashes[i]);
	}
}

static void score_user(scorer *sc, batch *b, score_scratch *x, buser *bu)
{
	ig_rank_user *u = x->u;
	float *xc = x->xc, *xm = x->xm;
	int64_t now = sc->o->at;
	uint64_t uh = ig_hash64(bu->user, bu->ulen);
	size_t i;
	int f;

	if (now < 0) {
		now = ig_rank_user_last_ts(sc->c, bu->user, bu->ulen);
		now = now >= 0 ? now + 1 : 0;
	}
	/* the candidates' numbers first: the user's neighbour sums are made
	 * for them alone */
	number_candidates(sc, b, x, bu);
	ig_rank_user_prepare_for(u, bu->user, bu->ulen, now, x->items, bu->n);
	for (i = 0; i < bu->n; i++)
		ig_rank_features_prefetch(u, x->items[i], 0);
	bu->order = ig_malloc((bu->n ? bu->n : 1) * sizeof *bu->order);
	for (i = 0; i < bu->n; i++) {
		size_t r = bu->first + i;
		brow *br = &b->rows[r];
		ig_rank_cand cd = {b->arena.buf + br->item, br->item_len, br->rs, br->nsources,
				   b->s + r * (size_t)sc->nsrc, br->rank, br->rel};
		double *p = b->p + r * (size_t)sc->nhead;
		uint64_t ih = x->hashes[i];

		if (i + PREFETCH_AHEAD < bu->n)
			prefetch_candidate(sc, x, x->items[i + PREFETCH_AHEAD]);
		if (sc->part_len && !sc->o->explain) {
			predict_split(sc, x, &cd, x->items[i], i == 0, uh, ih, p);
		} else {
			ig_rank_features_part(u, &cd, x->items[i], IG_RANK_F_ITEM | IG_RANK_F_REST, xc);
			for (f = 0; f < sc->nf; f++)
				xm[f] = xc[sc->map[f]];
			ig_rank_predict(sc->m, xm, uh, ih, p);
		}
		br->score = ig_rank_value_score(sc->o->value_mode, sc->o->value_w, p, sc->nhead);
		if (sc->o->explain)
			explain_row(sc, xm, uh, ih, p, b->explain + r * EXPLAIN_LEN);
		bu->order[i] = (uint32_t)r;
	}
}

static void score_one(void *arg, void *bp, size_t k, int tid)
{
	scorer *sc = arg;
	batch *b = bp;
	score_scratch *x = &sc->scratch[tid];
	double t0 = ig_thread_cpu();

	score_user(sc, b, x, &b->users[k]);
	x->seconds += ig_thread_cpu() - t0;
}

static void put_field(ig_writer *w, const char *s, size_t len)
{
	ig_writer_putc(w, '\t');
	ig_writer_write(w, s, len);
}

/* A tab and V as ig_writer_put_double writes it, from the column's memo
 * M when V is its last value. */
static void put_num(ig_writer *w, num_memo *m, double v, int digits)
{
	ig_writer_putc(w, '\t');
	if (v == 0.0)
		v = 0.0; /* no "-0" */
	if (m->len == 0 || !(v == m->v)) {
		m->v = v;
		m->len = ig_format_double(m->text, v, digits);
	}
	ig_writer_write(w, m->text, m->len);
}

/* The number columns' memos: score, the heads, retrieval_score,
 * retrieval_rank, retrieval_rel, then the sources. */
enum { MEMO_SCORE, MEMO_HEADS };

static void write_user(scorer *sc, batch *b, ig_writer *w, buser *bu, uint64_t *out)
{
	size_t i, n = sc->o->keep > 0 && (size_t)sc->o->keep < bu->n ? (size_t)sc->o->keep : bu->n;
	num_memo *rest = sc->memo + MEMO_HEADS + sc->nhead;
	int h, k;

	qsort_r(bu->order, bu->n, sizeof *bu->order, by_score, b);
	for (i = 0; i < n; i++) {
		size_t r = bu->order[i];
		const brow *br = &b->rows[r];

		ig_writer_write(w, bu->user, bu->ulen);
		put_field(w, b->arena.buf + br->item, br->item_len);
		put_num(w, &sc->memo[MEMO_SCORE], br->score, 9);
		for (h = 0; h < sc->nhead; h++)
			put_num(w, &sc->memo[MEMO_HEADS + h], b->p[r * (size_t)sc->nhead + (size_t)h], 6);
		put_field(w, b->arena.buf + br->sources, br->sources_len);
		put_field(w, b->arena.buf + br->reason, br->reason_len);
		put_num(w, &rest[0], br->rs, 9);
		/* among the candidates, for the next stage (ig_rank_cands) */
		put_num(w, &rest[1], br->rank, 10);
		put_num(w, &rest[2], br->rel, 9);
		for (k = 0; k < sc->nsrc; k++) {
			double v = b->s[r * (size_t)sc->nsrc + (size_t)k];

			if (v != 0) {
				put_num(w, &rest[3 + k], v, 9);
			} else {
				ig_writer_putc(w, '\t');
			}
		}
		if (sc->o->explain)
			put_field(w, b->explain + r * EXPLAIN_LEN, strlen(b->explain + r * EXPLAIN_LEN));
		ig_writer_putc(w, '\n');
	}
	*out += n;
	free(bu->order);
}

/* Whole users until the batch holds BATCH_ROWS rows. */
static size_t read_users(void *arg, void *bp)
{
	scorer *sc = arg;
	batch *b = bp;
	ig_rank_group g;

	b->nusers = b->nrows = 0;
	ig_arena_clear(&b->arena);
	while (b->nrows < BATCH_ROWS && ig_rank_cands_next(sc->in, &g))
		batch_add(sc, b, &g);
	return b->nusers;
}

static void write_users(void *arg, void *bp, size_t n)
{
	scorer *sc = arg;
	batch *b = bp;
	size_t i;

	for (i = 0; i < n; i++)
		write_user(sc, b, sc->w, &b->users[i], &sc->st->rows_out);
	sc->st->users += n;
}

static void batch_free(batch *b)
{
	free(b->users);
	free(b->rows);
	free(b->s);
	free(b->p);
	free(b->explain);
	ig_arena_free(&b->arena);
}

/* PREFIX then NAME, in a new string: a column of one head or source. */
static char *prefixed(const char *prefix, const char *name)
{
	size_t len = strlen(prefix) + strlen(name) + 1;
	char *c = ig_malloc(len);

	snprintf(c, len, "%s%s", prefix, name);
	return c;
}

char *ig_rank_head_col(const char *head)
{
	return prefixed("p_", head);
}

int ig_rank_ranked_cols(char *const *heads, int nhead, char *const *sources, int nsources, int explain,
			char ***cols)
{
	int n = 0, i;
	char **c = ig_malloc((size_t)(nhead + nsources + 10) * sizeof *c);

	c[n++] = ig_strdup("user");
	c[n++] = ig_strdup("item");
	c[n++] = ig_strdup("score");
	for (i = 0; i < nhead; i++)
		c[n++] = prefixed("p_", heads[i]);
	c[n++] = ig_strdup("sources");
	c[n++] = ig_strdup("reason");
	c[n++] = ig_strdup("retrieval_score");
	c[n++] = ig_strdup("retrieval_rank");
	c[n++] = ig_strdup("retrieval_rel");
	for (i = 0; i < nsources; i++)
		c[n++] = prefixed("s_", sources[i]);
	if (explain)
		c[n++] = ig_strdup("explain");
	*cols = c;
	return n;
}

void ig_rank_cols_free(char **cols, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(cols[i]);
	free(cols);
}

void ig_rank_score_stream(const ig_rank_ctx *c, const ig_rank_model *m, ig_rank_cands *in, ig_writer *w,
			  const ig_rank_score_opts *o, ig_rank_score_stats *st)
{
	static const ig_batch_ops ops = {read_users, score_one, write_users};
	scorer sc;
	batch b[2];
	int i, nf_ctx = ig_rank_nfeatures(c), nt = o->threads < 1 ? 1 : o->threads;
	char **ctx_names = ig_malloc((size_t)nf_ctx * sizeof *ctx_names);
	char what[600];

	memset(&sc, 0, sizeof sc);
	memset(b, 0, sizeof b);
	memset(st, 0, sizeof *st);
	sc.in = in;
	sc.w = w;
	sc.st = st;
	sc.c = c;
	sc.m = m;
	sc.o = o;
	sc.nsrc = ig_rank_cands_nsources(in);
	sc.nhead = ig_rank_model_nheads(m);
	sc.nf = ig_rank_model_nfeatures(m);
	sc.nf_ctx = nf_ctx;
	for (i = 0; i < nf_ctx; i++)
		ctx_names[i] = (char *)ig_rank_feature_name(c, i);
	snprintf(what, sizeof what, "%s (with the inputs given)", ig_rank_cands_name(in));
	sc.map = ig_rank_model_map(m, ctx_names, nf_ctx, what);
	sc.names = ig_malloc(((size_t)sc.nf + 2) * sizeof *sc.names);
	for (i = 0; i < sc.nf; i++)
		sc.names[i] = (char *)ig_rank_model_feature(m, i);
	sc.names[sc.nf] = (char *)"user_id";
	sc.names[sc.nf + 1] = (char *)"item_id";
	sc.part_len = ig_rank_part_len(m);
	if (sc.part_len) {
		const int *order = ig_rank_model_score_order(m, &sc.nitem_f, &sc.nuser_f);

		sc.nrest_f = sc.nf - sc.nitem_f - sc.nuser_f;
		sc.item_col = ig_malloc(((size_t)sc.nf + 1) * sizeof *sc.item_col);
		for (i = 0; i < sc.nf; i++)
			sc.item_col[i] = sc.map[order[i]];
		sc.user_col = sc.item_col + sc.nitem_f;
		sc.rest_col = sc.user_col + sc.nuser_f;
		/* the retrieval features come first: a model without them
		 * needs none of them */
		sc.rest = IG_RANK_F_REST | IG_RANK_F_NO_RETRIEVAL;
		for (i = 0; i < sc.nf; i++)
			if (sc.map[i] < ig_rank_nretrieval(c))
				sc.rest = IG_RANK_F_REST;
	}
	sc.memo = ig_calloc((size_t)(MEMO_HEADS + sc.nhead + 3 + sc.nsrc), sizeof *sc.memo);
	sc.pool = ig_pool_new(nt);
	sc.scratch = ig_calloc((size_t)nt, sizeof *sc.scratch);
	for (i = 0; i < nt; i++) {
		sc.scratch[i].u = ig_rank_user_new(c);
		sc.scratch[i].xc = ig_malloc(((size_t)nf_ctx + 1) * sizeof *sc.scratch[i].xc);
		sc.scratch[i].xm = ig_malloc(((size_t)sc.nf + 1) * sizeof *sc.scratch[i].xm);
		if (sc.part_len) {
			score_scratch *x = &sc.scratch[i];

			x->part_slots = part_slots(c);
			x->parts = ig_malloc(((size_t)x->part_slots + 2) * sc.part_len * sizeof *x->parts);
			x->part_of = ig_calloc(x->part_slots, sizeof *x->part_of);
		}
	}
	ig_batch_run(sc.pool, &ops, &sc, &b[0], &b[1]);
	st->rows_in = ig_rank_cands_rows(in);
	/* the threads' CPU time of scoring, summed: candidates/s per thread */
	for (i = 0; i < nt; i++)
		st->seconds_scoring += sc.scratch[i].seconds;
	for (i = 0; i < nt; i++) {
		ig_rank_user_free(sc.scratch[i].u);
		free(sc.scratch[i].xc);
		free(sc.scratch[i].xm);
		free(sc.scratch[i].parts);
		free(sc.scratch[i].part_of);
		free(sc.scratch[i].items);
		free(sc.scratch[i].hashes);
	}
	free(sc.scratch);
	ig_pool_free(sc.pool);
	batch_free(&b[0]);
	batch_free(&b[1]);
	free(sc.map);
	free(sc.names);
	free(sc.item_col);
	free(sc.memo);
	free(ctx_names);
}
