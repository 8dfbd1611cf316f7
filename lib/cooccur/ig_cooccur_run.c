#include "cooccur/ig_cooccur_run.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

static int rows_possible(const ig_cooc_opts *o)
{
	return o->entity != IG_COOC_ENTITY_ITEM_AUTHOR && o->window == IG_COOC_WIN_ALL && o->half_life == 0 &&
	       o->score != IG_COOC_SWING;
}

void ig_cooc_job_init(ig_cooc_job *j, const ig_cooc_opts *o, const char *items_path, int map)
{
	memset(j, 0, sizeof *j);
	j->o = *o;
	if (map >= 0 && o->entity != IG_ENTITY_ITEM && items_path == NULL)
		ig_usage_error("--entity %s needs an items stream (--items FILE)",
			       o->entity == IG_ENTITY_AUTHOR ? "author" : o->entity == IG_ENTITY_BOTH ? "both" : "item-author");
	if (o->score == IG_COOC_SWING && o->entity == IG_COOC_ENTITY_ITEM_AUTHOR)
		ig_usage_error("--score swing pairs entities of one kind: not with --entity item-author");
	if (o->score == IG_COOC_SWING && (o->window != IG_COOC_WIN_ALL || o->half_life > 0))
		ig_usage_error("--score swing works on whole histories: not with --window or --half-life");
	if (o->score == IG_COOC_EASE && (!rows_possible(o) || map || o->engine == IG_COOC_ENGINE_PAIRS))
		ig_usage_error("--score ease solves for whole histories in memory: not with --window, --half-life, "
			       "--entity item-author, --engine pairs, map or reduce");
	if (o->engine == IG_COOC_ENGINE_ROWS && (!rows_possible(o) || map))
		ig_usage_error("--engine rows needs --window all, no --half-life, one kind of entity, "
			       "a score other than swing, and no map or reduce");
	if (items_path != NULL) {
		j->items = ig_items_load(items_path);
		j->o.engage.items = j->items;
	}
	j->o.engage.entity = o->entity == IG_COOC_ENTITY_ITEM_AUTHOR ? IG_ENTITY_ITEM : o->entity;
	j->vocab = ig_intern_new();
	ig_cooc_ctx_init(&j->ctx, &j->o, j->vocab, j->items);
}

/* Counts one user's history (E, N in time order); 0 when the user is
 * outside the shard and not counted at all. */
static int count_user(ig_cooc_ctx *c, const ig_cooc_opts *o, const ig_engagement *e, size_t n,
		       const char *user, size_t user_len)
{
	int swing = o->score == IG_COOC_SWING;
	int in_shard = o->nshards <= 1 || ig_shard_of(user, user_len, o->nshards) == o->shard;

	if (!in_shard && !swing)
		return 0;
	if (o->max_history > 0 && n > o->max_history) {
		e += n - o->max_history;
		n = (size_t)o->max_history;
	}
	c->skip_sums = !in_shard;
	ig_cooc_user(c, e, n);
	/* Too many sets for memory: fall back to the pair table. */
	if (c->keep_sets && !swing && o->score != IG_COOC_EASE && o->engine == IG_COOC_ENGINE_AUTO &&
	    ig_cooc_sets_memory(&c->sets) > o->memory / 2)
		ig_cooc_sets_to_table(c);
	return 1;
}

static void count_begin(ig_cooc_ctx *c, const ig_cooc_opts *o, int map)
{
	int rows = !map && o->engine != IG_COOC_ENGINE_PAIRS && rows_possible(o);

	c->keep_sets = o->score == IG_COOC_SWING || rows;
	if (!c->keep_sets)
		ig_cooc_ctx_start_table(c);
}

/* After the last user: Swing's terms; the engine that ran. */
static const char *count_end(ig_cooc_ctx *c, const ig_cooc_opts *o)
{
	int swing = o->score == IG_COOC_SWING;

	c->skip_sums = 0;
	if (swing)
		ig_cooc_swing(c);
	if (o->score == IG_COOC_EASE)
		return "ease";
	return c->keep_sets && !swing ? "rows" : "pairs";
}

void ig_cooc_job_count(ig_cooc_job *j, const char *events, int map)
{
	ig_cooc_ctx *c = &j->ctx;
	ig_history h;

	j->g = ig_engage_open(events, &j->o.engage, j->vocab);
	count_begin(c, &j->o, map);
	while (ig_engage_next(j->g, &h)) {
		if (count_user(c, &j->o, h.e, h.n, h.user, h.user_len) && j->progress &&
		    (c->users & 0xffff) == 0)
			j->progress(c->users, ig_engage_stats_get(j->g)->events);
	}
	j->events = ig_engage_stats_get(j->g)->events;
	j->engine = count_end(c, &j->o);
}

void ig_cooc_job_reduce(ig_cooc_job *j, char **paths, int npaths)
{
	int i;

	if (j->ctx.bipartite) {
		j->col_vocab = ig_intern_new();
		ig_cooc_side_init(&j->ctx.col, j->col_vocab);
	}
	for (i = 0; i < npaths; i++)
		ig_cooc_partial_read(&j->ctx, paths[i]);
	ig_cooc_partial_check_shards(&j->ctx);
	j->engine = "pairs";
}

const ig_header *ig_cooc_job_upstream(const ig_cooc_job *j)
{
	return j->g ? ig_engage_header(j->g) : NULL;
}

/* Scores the counts into TOPK (initialised here); returns the pairs
 * scored. SC gets the scorer (its sides are C's). */
static uint64_t score_topk(ig_cooc_ctx *c, const ig_cooc_opts *o, uint32_t nrows, ig_cooc_scorer *sc,
			   ig_cooc_topk *topk)
{
	uint64_t pairs;

	ig_cooc_side_reserve(&c->row, nrows);
	ig_cooc_side_rank(&c->row);
	if (c->bipartite)
		ig_cooc_side_rank(&c->col);
	memset(sc, 0, sizeof *sc);
	sc->score = o->score;
	sc->shrink = ig_cooc_shrink(o);
	sc->min_support = o->min_support;
	sc->row = &c->row;
	sc->col = c->bipartite ? &c->col : &c->row;
	sc->z = ig_cooc_total(&c->row, nrows);
	ig_cooc_topk_init(topk, o->top_k, nrows);
	if (o->score == IG_COOC_EASE) {
		ig_cooc_ease(c, sc, topk);
		pairs = c->terms;
	} else if (c->table == NULL) {
		ig_cooc_rows(c, sc, topk);
		pairs = c->terms;
	} else {
		pairs = ig_cooc_score_table(c, sc, topk);
	}
	ig_cooc_topk_finish(topk);
	return pairs;
}

void ig_cooc_job_write_neighbors(ig_cooc_job *j, ig_writer *w)
{
	ig_cooc_scorer sc;
	ig_cooc_topk topk;

	j->pairs = score_topk(&j->ctx, &j->o, ig_intern_count(j->vocab), &sc, &topk);
	j->records = ig_cooc_write_neighbors(w, &topk, &j->ctx.row, sc.col);
	ig_cooc_topk_free(&topk);
}

void ig_cooc_histories(const ig_cooc_opts *o, ig_intern *vocab, const ig_history *h, size_t nusers,
		       ig_cooc_topk *topk)
{
	ig_cooc_ctx c;
	ig_cooc_scorer sc;
	size_t u;

	if (o->entity == IG_COOC_ENTITY_ITEM_AUTHOR)
		ig_die("internal error: ig_cooc_histories pairs entities of one kind");
	ig_cooc_ctx_init(&c, o, vocab, NULL);
	count_begin(&c, o, 0);
	for (u = 0; u < nusers; u++)
		count_user(&c, o, h[u].e, h[u].n, h[u].user, h[u].user_len);
	count_end(&c, o);
	score_topk(&c, o, ig_intern_count(vocab), &sc, topk);
	ig_cooc_ctx_free(&c);
}

void ig_cooc_job_write_partial(ig_cooc_job *j, ig_writer *w)
{
	ig_cooc_ctx_start_table(&j->ctx);
	j->records = ig_cooc_partial_write(&j->ctx, w, &j->pairs);
}

void ig_cooc_job_free(ig_cooc_job *j)
{
	ig_cooc_ctx_free(&j->ctx);
	ig_engage_close(j->g);
	ig_intern_free(j->vocab);
	ig_intern_free(j->col_vocab);
	if (j->items)
		ig_items_free(j->items);
}
