/* lib/tower: the batch gradient against finite differences (layers and
 * embedding rows of both towers, with and without uniform negatives), the
 * logQ correction and the users' earlier items left out of their
 * negatives against the loss computed by hand, the uniform negatives'
 * draws (reproducible, reaching items absent from the batch), the id
 * dropout (items with features only), the model
 * file's round trip and its refusals, training that one thread and a
 * seed make reproducible, and early stopping: the held-out split, its
 * recall against one counted by hand, the epoch it stops at and the
 * parameters it keeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect_exit.h"
#include "temp_text.h"
#include "core/ig_err.h"
#include "core/ig_thread.h"
#include "tower/ig_tower_priv.h"

static const char events_text[] =
	"#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
	"100\tu1\ti1\tlike\t\n200\tu1\ti2\tshare\t\n300\tu1\ti3\tview\t\n400\tu1\ti5\tlike\t\n"
	"100\tu2\ti2\tlike\t\n150\tu2\ti4\tsave\t\n250\tu2\ti1\tview\t\n"
	"100\tu3\ti5\tlike\t\n200\tu3\ti6\tlike\t\n300\tu3\ti2\tcomment\t\n500\tu3\ti4\tview\t\n"
	"100\tu4\ti6\tshare\t\n300\tu4\ti3\tlike\t\n";
static const char items_text[] =
	"#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
	"i1\ta1\tphoto\t50\tt1.a\ni2\ta1\tvideo\t60\tt1.b\ni3\ta2\treel\t70\tt2\n"
	"i4\ta2\tphoto\t80\tt1.a,t2\ni5\ta3\tcarousel\t90\t\ni6\ta3\tphoto\t\tt2\n"
	"i7\ta1\tphoto\t400\tt1.a\n";
static const char follows_text[] = "#ig:follows/1\tuser\tauthor\tts\nu1\ta2\t150\nu2\ta3\t\nu4\ta1\t50\n";
static const char topics_text[] = "#ig:topics/1\ttopic\tparent\nt1\t\nt1.a\tt1\nt1.b\tt1\nt2\t\n";

typedef struct fixture {
	char *paths[4];
	ig_items *items;
	ig_follows *follows;
	ig_topics *topics;
	ig_tower_side side;
	ig_tower_catalog *cat;
	ig_tower_corpus *c;
	ig_tower_model *m;
	ig_tower_opts o;
} fixture;

static void fixture_open(fixture *f, uint32_t dim, uint32_t emb, uint32_t hidden, double temperature)
{
	memset(f, 0, sizeof *f);
	f->paths[0] = write_temp(events_text);
	f->paths[1] = write_temp(items_text);
	f->paths[2] = write_temp(follows_text);
	f->paths[3] = write_temp(topics_text);
	f->items = ig_items_load(f->paths[1]);
	f->follows = ig_follows_load(f->paths[2], f->items->authors);
	f->topics = ig_topics_load(f->paths[3], f->items->topics);
	f->side.items = f->items;
	f->side.follows = f->follows;
	f->side.topics = f->topics;
	ig_tower_opts_default(&f->o);
	f->o.dim = dim;
	f->o.emb = emb;
	f->o.hidden = hidden;
	f->o.temperature = temperature;
	f->o.batch = 8;
	f->cat = ig_tower_catalog_new(NULL);
	f->c = ig_tower_corpus_read(f->paths[0], &f->o, &f->side, f->cat->ids, 0);
	f->m = ig_tower_model_for_data(&f->o, f->cat->ids, &f->side, f->c, f->items->authors, "test");
	ig_tower_model_set_ref_ts(f->m, f->c->last_ts);
	ig_tower_catalog_fill(f->cat, f->m, &f->side);
	ig_tower_corpus_map(f->c, f->m, f->items->authors);
}

static void fixture_close(fixture *f)
{
	int i;

	ig_tower_model_free(f->m);
	ig_tower_corpus_free(f->c);
	ig_tower_catalog_free(f->cat);
	ig_follows_free(f->follows);
	ig_topics_free(f->topics);
	ig_items_free(f->items);
	for (i = 0; i < 4; i++) {
		unlink(f->paths[i]);
		free(f->paths[i]);
	}
}

static void test_fixture_features(void **state)
{
	fixture f;
	uint32_t i7, i1;

	(void)state;
	fixture_open(&f, 8, 4, 6, 1);
	assert_int_equal(f.c->n, 13);
	assert_int_equal(f.c->nusers, 4);
	/* i7 is in the catalog but in no event: no id row, yet its features */
	i7 = ig_intern_find(f.cat->ids, "i7", 2);
	i1 = ig_intern_find(f.cat->ids, "i1", 2);
	assert_int_not_equal(i7, IG_INTERN_NONE);
	assert_int_equal(f.cat->id_row[i7], IG_TOWER_NONE);
	assert_int_not_equal(f.cat->id_row[i1], IG_TOWER_NONE);
	assert_int_equal(f.cat->author_row[i7], f.cat->author_row[i1]);
	/* t1.a and its parent t1 */
	assert_int_equal(f.cat->topic_start[i1 + 1] - f.cat->topic_start[i1], 2);
	fixture_close(&f);
}

/* Every engagement: the examples of one batch. */
static uint32_t all_examples(const fixture *f, uint64_t *ex)
{
	uint32_t i;

	for (i = 0; i < f->c->n; i++)
		ex[i] = i;
	return (uint32_t)f->c->n;
}

/* N examples, the engagements over and over: a batch of several parts
 * (IG_TOWER_PART), whose gradients are summed. */
static uint32_t repeated_examples(const fixture *f, uint64_t *ex, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		ex[i] = i % f->c->n;
	return n;
}

/* With uniform negatives in W, the same draws at every call. */
static double loss_now(fixture *f, ig_tower_ws *w, const uint64_t *ex, uint32_t n, const float *logq)
{
	ig_rng rng;

	ig_rng_seed(&rng, 7);
	return ig_tower_batch_grad(f->m, f->cat, f->c, ex, n, logq, w->uniform ? &rng : NULL, w);
}

/* Uniform negatives drawn from every engagement of F, PER_BATCH a batch. */
static ig_tower_uniform *uniform_of(const fixture *f, uint32_t per_batch)
{
	uint64_t order[64];
	uint32_t i;

	for (i = 0; i < f->c->n; i++)
		order[i] = i;
	return ig_tower_uniform_new(f->c, order, f->c->n, per_batch);
}

static int kinks;

static double central(fixture *f, ig_tower_ws *w, const uint64_t *ex, uint32_t n, float *p, double eps)
{
	float keep = *p;
	double up, down;

	*p = keep + (float)eps;
	up = loss_now(f, w, ex, n, NULL);
	*p = keep - (float)eps;
	down = loss_now(f, w, ex, n, NULL);
	*p = keep;
	return (up - down) / (2 * eps);
}

static int close_enough(double a, double b)
{
	return fabs(a - b) <= 1e-3 + 2e-2 * fmax(fabs(a), fabs(b));
}

/* A ReLU whose input crosses 0 within eps breaks the central difference:
 * there three step sizes disagree, and the parameter is skipped (and
 * counted). */
static void check_fd(fixture *f, ig_tower_ws *w, const uint64_t *ex, uint32_t n, float *p, double analytic,
		     const char *what)
{
	double numeric = central(f, w, ex, n, p, 1e-3), half = central(f, w, ex, n, p, 5e-4);
	double quarter = central(f, w, ex, n, p, 2.5e-4);

	if (!close_enough(numeric, half) || !close_enough(numeric, quarter)) {
		kinks++;
		return;
	}
	/* the step sizes' truncation errors differ where the loss curves
	 * sharply: the analytic gradient need match one of them */
	if (!close_enough(numeric, analytic) && !close_enough(half, analytic) && !close_enough(quarter, analytic)) {
		print_error("%s: analytic %.6g, finite differences %.6g\n", what, analytic, numeric);
		fail();
	}
}

/* The gradient against finite differences, with UNIFORM negatives a batch
 * besides the in-batch ones. */
static void gradient_check(uint32_t uniform)
{
	fixture f;
	ig_tower_ws *w;
	ig_tower_uniform *u;
	uint64_t ex[3 * IG_TOWER_PART];
	uint32_t n, k, e, rowi;
	float *g = malloc(4096 * sizeof *g), row_g[8];
	int t, checked = 0;
	char what[64];

	kinks = 0;
	fixture_open(&f, 8, 4, 6, 1);
	/* the draws of the uniform negatives alone */
	f.m->o.id_dropout = 0;
	u = uniform_of(&f, uniform);
	w = ig_tower_ws_new(f.m, 3 * IG_TOWER_PART, u);
	n = repeated_examples(&f, ex, 3 * IG_TOWER_PART - 5);
	assert_true(n > 2 * IG_TOWER_PART);
	loss_now(&f, w, ex, n, NULL);
	memcpy(g, w->grad, f.m->ndense * sizeof *g);
	/* layers: every 7th weight of both towers' four blocks */
	for (k = 0; k < f.m->ndense; k += 7) {
		snprintf(what, sizeof what, "dense parameter %u", k);
		check_fd(&f, w, ex, n, &f.m->dense[k], g[k], what);
		checked++;
	}
	/* embedding rows: every table's rows that the batch uses */
	for (t = 0; t < IG_TT_COUNT; t++)
		for (rowi = 0; rowi < f.m->rows[t]; rowi++) {
			loss_now(&f, w, ex, n, NULL);
			ig_tower_ws_row_grad(f.m, w, t, rowi, row_g);
			for (e = 0; e < f.m->o.emb; e++) {
				if (row_g[e] == 0)
					continue;
				snprintf(what, sizeof what, "table %d row %u [%u]", t, rowi, e);
				loss_now(&f, w, ex, n, NULL);
				ig_tower_ws_row_grad(f.m, w, t, rowi, row_g);
				check_fd(&f, w, ex, n, &f.m->table[t][(size_t)rowi * f.m->o.emb + e], row_g[e], what);
				checked++;
			}
		}
	assert_true(checked > 100);
	assert_true(kinks * 20 < checked);
	free(g);
	ig_tower_ws_free(w);
	ig_tower_uniform_free(u);
	fixture_close(&f);
}

static void test_gradient(void **state)
{
	(void)state;
	gradient_check(0);
}

/* Uniform negatives past a part's end: columns of the item tower alone. */
static void test_gradient_uniform(void **state)
{
	(void)state;
	gradient_check(IG_TOWER_PART + 3);
}

/* Uniform negatives: drawn again with the same seed, items with an
 * engagement each at one of its engagements, and all of them over a few
 * batches, even those absent from the batch's examples. */
static void test_uniform_draws(void **state)
{
	fixture f;
	ig_tower_uniform *u;
	ig_tower_ws *w, *w2;
	uint64_t ex[2] = {0, 1};
	uint32_t seen[16] = {0}, i, b, reached = 0;
	ig_rng rng, rng2;
	double loss;

	(void)state;
	fixture_open(&f, 8, 4, 6, 1);
	u = uniform_of(&f, 24);
	assert_int_equal(u->n, 6);
	assert_int_equal(u->start[u->n], f.c->n);
	w = ig_tower_ws_new(f.m, 4, u);
	w2 = ig_tower_ws_new(f.m, 4, u);
	ig_rng_seed(&rng, 3);
	ig_rng_seed(&rng2, 3);
	for (b = 0; b < 4; b++) {
		loss = ig_tower_batch_grad(f.m, f.cat, f.c, ex, 2, NULL, &rng, w);
		assert_true(isfinite(loss) && loss > 0);
		for (i = 0; i < f.m->ndense; i++)
			assert_true(isfinite(w->grad[i]));
		ig_tower_batch_grad(f.m, f.cat, f.c, ex, 2, NULL, &rng2, w2);
		assert_int_equal(w->ncols, 2 + 24);
		for (i = 0; i < w->ncols; i++) {
			uint64_t g = w->col_ex[i];

			assert_true(g < f.c->n);
			assert_int_equal(w->item[i], f.c->item[g]);
			assert_int_equal(w2->col_ex[i], g);
			if (i >= 2 && !seen[w->item[i]]++ && w->item[i] != w->item[0] && w->item[i] != w->item[1])
				reached++;
		}
		assert_memory_equal(w->v[1], w2->v[1], w->ncols * f.m->o.dim * sizeof(float));
	}
	/* 96 draws of 6 items: every item but the batch's two is reached */
	assert_int_equal(reached, 4);
	/* no uniform negatives without draws */
	ig_tower_batch_grad(f.m, f.cat, f.c, ex, 2, NULL, NULL, w);
	assert_int_equal(w->ncols, 2);
	ig_tower_ws_free(w);
	ig_tower_ws_free(w2);
	ig_tower_uniform_free(u);
	assert_null(uniform_of(&f, 0));
	fixture_close(&f);
}

/* Whether the user of engagement E engaged with catalog item I before
 * it by more than a view (weight 1 by default). */
static int seen_before(const ig_tower_corpus *c, uint64_t e, uint32_t i)
{
	uint64_t k;

	for (k = c->start[c->user_of[e]]; k < e; k++)
		if (c->item[k] == i && c->weight[k] > 1)
			return 1;
	return 0;
}

/* The loss with logQ, by hand from the towers' outputs: each logit is
 * u.v / T minus the log probability of the column's item; the columns
 * are the examples' items, then UNIFORM negatives; without SEEN, a
 * column of an item the row's user engaged with before is no negative.
 * Returns the number of such columns. */
static uint32_t logq_check(uint32_t uniform, int seen)
{
	uint32_t masked = 0;
	fixture f;
	ig_tower_ws *w;
	ig_tower_uniform *u;
	uint64_t ex[32];
	uint32_t n, i, j, d;
	float logq[16];
	double got, want = 0, tw = 0, plain, shifted;

	fixture_open(&f, 8, 4, 6, 0.5);
	f.m->o.seen_negatives = seen;
	u = uniform_of(&f, uniform);
	w = ig_tower_ws_new(f.m, 32, u);
	n = all_examples(&f, ex);
	for (i = 0; i < f.cat->n; i++)
		logq[i] = -0.3f * (float)i;
	got = loss_now(&f, w, ex, n, logq);
	assert_int_equal(w->ncols, n + uniform);
	d = f.m->o.dim;
	for (i = 0; i < n; i++) {
		double mx = -INFINITY, sum = 0, s[64];

		for (j = 0; j < w->ncols; j++) {
			double dot = 0;
			uint32_t k;

			for (k = 0; k < d; k++)
				dot += (double)(w->v[0][i * d + k] * w->v[1][j * d + k]);
			s[j] = dot / 0.5 - (double)logq[w->item[j]];
			if (j != i && w->item[j] == w->item[i])
				s[j] = -INFINITY;
			else if (!seen && seen_before(f.c, ex[i], w->item[j])) {
				s[j] = -INFINITY;
				masked++;
			}
			mx = fmax(mx, s[j]);
		}
		for (j = 0; j < w->ncols; j++)
			sum += exp(s[j] - mx);
		want += (double)w->ex_w[i] * (log(sum) + mx - s[i]);
		tw += (double)w->ex_w[i];
	}
	assert_true(fabs(got - want / tw) < 1e-4);
	/* a constant shift of every item's logQ changes nothing */
	plain = loss_now(&f, w, ex, n, NULL);
	for (i = 0; i < f.cat->n; i++)
		logq[i] = -2;
	shifted = loss_now(&f, w, ex, n, logq);
	assert_true(fabs(plain - shifted) < 1e-5);
	assert_true(fabs(plain - got) > 1e-3);
	ig_tower_ws_free(w);
	ig_tower_uniform_free(u);
	fixture_close(&f);
	return masked;
}

static void test_logq(void **state)
{
	(void)state;
	assert_int_equal(logq_check(0, 1), 0);
	/* items drawn again and items of the batch's examples among them */
	logq_check(20, 1);
	/* the users' earlier items (not those only viewed) out of their
	 * negatives, a few of them */
	assert_true(logq_check(0, 0) >= 5);
	assert_true(logq_check(20, 0) >= 5);
}

/* The same data without side inputs: items have their ids alone. */
static void fixture_events_only(fixture *f)
{
	ig_tower_model_free(f->m);
	ig_tower_corpus_free(f->c);
	ig_tower_catalog_free(f->cat);
	memset(&f->side, 0, sizeof f->side);
	f->cat = ig_tower_catalog_new(NULL);
	f->c = ig_tower_corpus_read(f->paths[0], &f->o, &f->side, f->cat->ids, 0);
	f->m = ig_tower_model_for_data(&f->o, f->cat->ids, &f->side, f->c, f->items->authors, "test");
	ig_tower_catalog_fill(f->cat, f->m, &f->side);
	ig_tower_corpus_map(f->c, f->m, f->items->authors);
}

/* Hidden ids in a batch whose every example draws the dropout. */
static uint32_t hidden_ids(fixture *f)
{
	ig_tower_ws *w = ig_tower_ws_new(f->m, 32, NULL);
	uint64_t ex[32];
	uint32_t n = all_examples(f, ex), i, hidden = 0;
	ig_rng rng;

	f->m->o.id_dropout = 1;
	ig_rng_seed(&rng, 1);
	ig_tower_batch_grad(f->m, f->cat, f->c, ex, n, NULL, &rng, w);
	for (i = 0; i < n; i++)
		hidden += w->bag[IG_TOWER_ITEM][i].off[1] == w->bag[IG_TOWER_ITEM][i].off[0];
	ig_tower_ws_free(w);
	return hidden;
}

/* The id dropout hides the ids of items with features, and only theirs:
 * an item known by its id alone keeps it. */
static void test_id_dropout_needs_features(void **state)
{
	fixture f;
	uint32_t i;

	(void)state;
	fixture_open(&f, 8, 4, 6, 1);
	for (i = 0; i < f.cat->n; i++)
		assert_true(ig_tower_item_has_features(f.cat, i));
	assert_int_equal(hidden_ids(&f), f.c->n);
	fixture_events_only(&f);
	for (i = 0; i < f.cat->n; i++)
		assert_false(ig_tower_item_has_features(f.cat, i));
	assert_int_equal(hidden_ids(&f), 0);
	fixture_close(&f);
}

static void embed_all(const fixture *f, const ig_tower_model *m, float *out)
{
	ig_tower_scratch *s = ig_tower_scratch_new(m);
	uint32_t i, d = m->o.dim;

	for (i = 0; i < f->cat->n; i++)
		ig_tower_embed_item(m, f->cat, i, f->c->last_ts, s, out + (size_t)i * d);
	for (i = 0; i < f->c->nusers; i++) {
		ig_tower_user u = ig_tower_corpus_user(f->c, i, (size_t)(f->c->start[i + 1] - f->c->start[i]));

		ig_tower_embed_user(m, f->cat, &u, f->c->last_ts, s, out + (size_t)(f->cat->n + i) * d);
	}
	ig_tower_scratch_free(s);
}

/* A new model for F's data, trained with F's options as they are. */
static void retrain(fixture *f, ig_tower_epoch *last)
{
	ig_tower_model_free(f->m);
	f->m = ig_tower_model_for_data(&f->o, f->cat->ids, &f->side, f->c, f->items->authors, "test");
	ig_tower_train(f->m, f->cat, f->c, &f->o, last);
}

static void train_fixture(fixture *f, uint64_t seed)
{
	ig_pool *pool = ig_pool_new(1);
	ig_tower_epoch last;

	f->o.seed = seed;
	f->o.epochs = 3;
	f->o.pool = pool;
	retrain(f, &last);
	assert_true(isfinite(last.loss) && last.loss > 0);
	ig_pool_free(pool);
	f->o.pool = NULL;
}

/* One synchronous step a batch: any number of threads trains the same
 * model (lock-free threads did not). */
static void test_threads_same_model(void **state)
{
	fixture f;
	size_t n;
	float *a, *b;
	ig_pool *pool;
	ig_tower_epoch last;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	n = (size_t)(f.cat->n + f.c->nusers) * f.o.dim;
	a = malloc(n * sizeof *a);
	b = malloc(n * sizeof *b);
	train_fixture(&f, 5);
	embed_all(&f, f.m, a);
	pool = ig_pool_new(3);
	f.o.pool = pool;
	f.o.epochs = 3;
	retrain(&f, &last);
	embed_all(&f, f.m, b);
	assert_memory_equal(a, b, n * sizeof *a);
	ig_pool_free(pool);
	f.o.pool = NULL;
	free(a);
	free(b);
	fixture_close(&f);
}

static void test_reproducible(void **state)
{
	fixture f;
	size_t n;
	float *a, *b, *c;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	n = (size_t)(f.cat->n + f.c->nusers) * f.o.dim;
	a = malloc(n * sizeof *a);
	b = malloc(n * sizeof *b);
	c = malloc(n * sizeof *c);
	train_fixture(&f, 5);
	embed_all(&f, f.m, a);
	train_fixture(&f, 5);
	embed_all(&f, f.m, b);
	train_fixture(&f, 6);
	embed_all(&f, f.m, c);
	assert_memory_equal(a, b, n * sizeof *a);
	assert_true(memcmp(a, c, n * sizeof *a) != 0);
	free(a);
	free(b);
	free(c);
	fixture_close(&f);
}

/* The last engagement of every user with two or more is held out; under
 * a cap, of every other such user. */
static void test_holdout_split(void **state)
{
	fixture f;
	ig_tower_holdout *h;
	uint64_t g, held = 0;
	uint32_t k;

	(void)state;
	fixture_open(&f, 8, 4, 6, 1);
	h = ig_tower_holdout_new(f.c, 0, 100);
	assert_int_equal(h->n, 4);
	for (k = 0; k < h->n; k++) {
		g = h->ex[k];
		assert_int_equal(g, f.c->start[f.c->user_of[g] + 1] - 1);
		assert_true(h->held[g]);
	}
	for (g = 0; g < f.c->n; g++)
		held += h->held[g];
	assert_int_equal(held, 4);
	ig_tower_holdout_free(h);
	h = ig_tower_holdout_new(f.c, 2, 100);
	assert_int_equal(h->n, 2);
	assert_int_equal(f.c->user_of[h->ex[0]], 0);
	assert_int_equal(f.c->user_of[h->ex[1]], 2);
	ig_tower_holdout_free(h);
	fixture_close(&f);
}

/* recall@K of the held-out engagements, counted here from the vectors:
 * the item is a hit when fewer than K unseen items score above it. */
static double holdout_by_hand(const fixture *f, const ig_tower_model *m, const ig_tower_holdout *h, uint32_t k)
{
	ig_tower_scratch *s = ig_tower_scratch_new(m);
	uint32_t d = m->o.dim, i, n, hits = 0;
	float *items = malloc((size_t)f->cat->n * d * sizeof *items), u[64];

	for (i = 0; i < f->cat->n; i++)
		ig_tower_embed_item(m, f->cat, i, f->c->last_ts, s, items + (size_t)i * d);
	for (n = 0; n < h->n; n++) {
		uint64_t g = h->ex[n], e;
		uint32_t user = f->c->user_of[g], target = f->c->item[g], above = 0, q;
		ig_tower_user view = ig_tower_corpus_user(f->c, user, (size_t)(g - f->c->start[user]));
		double st = 0;

		ig_tower_embed_user(m, f->cat, &view, f->c->ts[g], s, u);
		for (q = 0; q < d; q++)
			st += (double)(u[q] * items[(size_t)target * d + q]);
		for (i = 0; i < f->cat->n; i++) {
			double sc = 0;
			int seen = 0;

			for (e = 0; e < view.n; e++)
				seen |= view.item[e] == i;
			for (q = 0; q < d; q++)
				sc += (double)(u[q] * items[(size_t)i * d + q]);
			if (!seen && i != target && f->cat->created[i] <= f->c->ts[g] && sc > st + 1e-6)
				above++;
		}
		hits += above < k;
	}
	free(items);
	ig_tower_scratch_free(s);
	return (double)hits / h->n;
}

static void test_holdout_recall(void **state)
{
	fixture f;
	ig_tower_holdout *h;
	ig_pool *pool = ig_pool_new(3);
	double prev = 0, r;
	uint32_t k;
	int differ = 0;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	train_fixture(&f, 3);
	for (k = 1; k <= f.cat->n; k++) {
		h = ig_tower_holdout_new(f.c, 0, k);
		r = ig_tower_holdout_score(f.m, f.cat, f.c, h, NULL);
		assert_true(fabs(r - holdout_by_hand(&f, f.m, h, k)) < 1e-9);
		assert_true(r == ig_tower_holdout_score(f.m, f.cat, f.c, h, pool));
		assert_true(r >= prev);
		differ += r != prev;
		prev = r;
		ig_tower_holdout_free(h);
	}
	/* every unseen item is within the catalog's size */
	assert_true(prev == 1);
	assert_true(differ >= 2);
	ig_pool_free(pool);
	fixture_close(&f);
}

typedef struct epochs_seen {
	int n;
	double held_out[64];
} epochs_seen;

static void record_epoch(void *ctx, const ig_tower_epoch *e)
{
	epochs_seen *s = ctx;

	assert_int_equal(e->epoch, s->n + 1);
	s->held_out[s->n++] = e->held_out;
}

/* With patience P, training stops P epochs after the best held-out
 * recall (the first of equals), or at --epochs, and keeps that epoch's
 * parameters: the model scores the best recall, not the last. (Recall@1:
 * the fixture's 7 items cap K at 1.) */
static void test_early_stop(void **state)
{
	fixture f;
	epochs_seen seen;
	ig_tower_epoch last;
	ig_tower_holdout *h;
	int best = 0, i, patience, run, kept_earlier = 0;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	for (run = 0; run < 8; run++) {
		patience = 1 + run % 3;
		memset(&seen, 0, sizeof seen);
		f.o.seed = 7 + (uint64_t)run;
		f.o.epochs = 40;
		f.o.lr = 0.3;
		f.o.patience = patience;
		f.o.holdout_k = 1;
		/* averaged or not, the model kept is the one scored */
		f.o.average = run % 2 ? 1.5 : 0;
		f.o.epoch_done = record_epoch;
		f.o.ctx = &seen;
		retrain(&f, &last);
		assert_int_equal(last.epoch, seen.n);
		assert_int_equal(last.examples, f.c->n - 4);
		for (i = 0, best = 0; i < seen.n; i++)
			if (seen.held_out[i] > seen.held_out[best])
				best = i;
		assert_int_equal(last.best, best + 1);
		assert_true(seen.n == f.o.epochs || seen.n == best + 1 + patience);
		h = ig_tower_holdout_new(f.c, 0, 1);
		assert_true(ig_tower_holdout_score(f.m, f.cat, f.c, h, NULL) == seen.held_out[best]);
		kept_earlier += seen.held_out[seen.n - 1] != seen.held_out[best];
		ig_tower_holdout_free(h);
	}
	/* at least one run kept an epoch that scored above the last */
	assert_true(kept_earlier > 0);
	fixture_close(&f);
}

/* Users of one engagement each: none to hold out, so early stopping
 * trains every engagement for every epoch. */
static void test_early_stop_without_holdout(void **state)
{
	static const char one_each[] = "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
				       "100\tu1\ti1\tlike\t\n100\tu2\ti2\tlike\t\n100\tu3\ti1\tlike\t\n";
	char *path = write_temp(one_each);
	ig_tower_side side;
	ig_tower_catalog *cat = ig_tower_catalog_new(NULL);
	ig_tower_corpus *c;
	ig_tower_model *m;
	ig_tower_opts o;
	ig_tower_epoch last;
	ig_tower_holdout *h;

	(void)state;
	memset(&side, 0, sizeof side);
	ig_tower_opts_default(&o);
	o.dim = 4;
	o.emb = 4;
	o.hidden = 4;
	o.batch = 4;
	o.epochs = 9;
	o.patience = 1;
	c = ig_tower_corpus_read(path, &o, &side, cat->ids, 0);
	m = ig_tower_model_for_data(&o, cat->ids, &side, c, NULL, "test");
	ig_tower_catalog_fill(cat, m, &side);
	h = ig_tower_holdout_new(c, 0, 1);
	assert_int_equal(h->n, 0);
	ig_tower_holdout_free(h);
	ig_tower_train(m, cat, c, &o, &last);
	assert_int_equal(last.epoch, 9);
	assert_int_equal(last.examples, 3);
	assert_int_equal(last.best, 0);
	assert_true(last.held_out < 0);
	ig_tower_model_free(m);
	ig_tower_corpus_free(c);
	ig_tower_catalog_free(cat);
	unlink(path);
	free(path);
}

/* The moving average's weights, by hand: the mean of the steps while
 * there are fewer than H, then 1 / H. */
static void test_average_rate(void **state)
{
	(void)state;
	assert_true(ig_tower_average_rate(1, 4) == 1.0f);
	assert_true(ig_tower_average_rate(2, 4) == 0.5f);
	assert_true(ig_tower_average_rate(3, 4) == 1.0f / 3);
	assert_true(ig_tower_average_rate(4, 4) == 0.25f);
	assert_true(ig_tower_average_rate(1000, 4) == 0.25f);
	assert_true(ig_tower_average_rate(2, 2.5) == 0.5f);
	assert_true(ig_tower_average_rate(3, 2.5) == 0.4f);
	/* H below one step: the last step's values, never beyond them */
	assert_true(ig_tower_average_rate(7, 0.5) == 1.0f);
	assert_true(ig_tower_average_rate(1, 0.01) == 1.0f);
}

/* One step of the average over a range that crosses the tables and the
 * dense array changes that range alone, by RATE (value - average); the
 * steps 1, 2, 3 at rates 1, 1/2, 1/3 give the mean 2; a swap exchanges
 * the values and the buffer. */
static void test_average_params(void **state)
{
	fixture f;
	size_t n, k, lo, hi;
	float *p, *avg, *buf;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	n = ig_tower_params_count(f.m);
	p = malloc(n * sizeof *p);
	avg = malloc(n * sizeof *avg);
	buf = malloc(n * sizeof *buf);
	for (k = 0; k < n; k++) {
		p[k] = (float)(k % 7);
		avg[k] = 1;
	}
	ig_tower_params_set(f.m, p);
	/* from inside the first table to inside the dense array */
	lo = 3;
	hi = n - f.m->ndense / 2;
	ig_tower_params_average(f.m, avg, lo, hi, 0.25f);
	for (k = 0; k < n; k++)
		assert_true(avg[k] == (k >= lo && k < hi ? 1 + 0.25f * ((float)(k % 7) - 1) : 1));
	for (k = 0; k < n; k++)
		p[k] = 1;
	ig_tower_params_set(f.m, p);
	ig_tower_params_average(f.m, avg, 0, n, 1);
	for (k = 0; k < n; k++)
		p[k] = 2;
	ig_tower_params_set(f.m, p);
	ig_tower_params_average(f.m, avg, 0, n / 2, 0.5f);
	ig_tower_params_average(f.m, avg, n / 2, n, 0.5f);
	for (k = 0; k < n; k++)
		p[k] = 3;
	ig_tower_params_set(f.m, p);
	ig_tower_params_average(f.m, avg, 0, n, 1.0f / 3);
	for (k = 0; k < n; k++)
		assert_true(avg[k] == 2);
	ig_tower_params_swap(f.m, avg);
	ig_tower_params_get(f.m, buf);
	for (k = 0; k < n; k++)
		assert_true(buf[k] == 2 && avg[k] == 3);
	free(p);
	free(avg);
	free(buf);
	fixture_close(&f);
}

/* Averaged training: a model other than the last step's, the same under
 * a seed for one thread or three; with one step, the average is that
 * step's values, the unaveraged model. */
static void test_average_training(void **state)
{
	fixture f;
	size_t n;
	float *last, *avg, *again, *one, *one_avg;
	ig_pool *pool;
	ig_tower_epoch e;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	n = (size_t)(f.cat->n + f.c->nusers) * f.o.dim;
	last = malloc(n * sizeof *last);
	avg = malloc(n * sizeof *avg);
	again = malloc(n * sizeof *again);
	one = malloc(n * sizeof *one);
	one_avg = malloc(n * sizeof *one_avg);
	f.o.patience = 0;
	f.o.average = 0;
	train_fixture(&f, 5);
	embed_all(&f, f.m, last);
	f.o.average = 1;
	train_fixture(&f, 5);
	embed_all(&f, f.m, avg);
	assert_true(memcmp(last, avg, n * sizeof *last) != 0);
	pool = ig_pool_new(3);
	f.o.pool = pool;
	retrain(&f, &e);
	embed_all(&f, f.m, again);
	assert_memory_equal(avg, again, n * sizeof *avg);
	ig_pool_free(pool);
	f.o.pool = NULL;
	/* one batch of every example, one epoch: one step */
	f.o.batch = (uint32_t)f.c->n;
	f.o.epochs = 1;
	f.o.average = 0;
	retrain(&f, &e);
	embed_all(&f, f.m, one);
	f.o.average = 3;
	retrain(&f, &e);
	embed_all(&f, f.m, one_avg);
	assert_memory_equal(one, one_avg, n * sizeof *one);
	free(last);
	free(avg);
	free(again);
	free(one);
	free(one_avg);
	fixture_close(&f);
}

/* The average only follows the steps: scored after each epoch, it leaves
 * the parameters that training goes on from as they were, so the epochs'
 * training losses are those of training without it. */
typedef struct losses_seen {
	int n;
	double loss[64];
} losses_seen;

static void record_loss(void *ctx, const ig_tower_epoch *e)
{
	losses_seen *s = ctx;

	s->loss[s->n++] = e->loss;
}

static void test_average_follows(void **state)
{
	fixture f;
	losses_seen plain, avg;
	ig_tower_epoch e;
	int i;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	f.o.epochs = 12;
	f.o.patience = 100;
	f.o.holdout_k = 1;
	f.o.batch = 4;
	f.o.epoch_done = record_loss;
	memset(&plain, 0, sizeof plain);
	memset(&avg, 0, sizeof avg);
	f.o.average = 0;
	f.o.ctx = &plain;
	retrain(&f, &e);
	f.o.average = 2;
	f.o.ctx = &avg;
	retrain(&f, &e);
	assert_int_equal(plain.n, 12);
	assert_int_equal(avg.n, 12);
	for (i = 0; i < 12; i++)
		assert_true(plain.loss[i] == avg.loss[i]);
	f.o.epoch_done = NULL;
	f.o.ctx = NULL;
	fixture_close(&f);
}

static char *model_path;

static void load_it(void *arg)
{
	ig_tower_model_free(ig_tower_model_load(arg));
}

static void test_file_round_trip(void **state)
{
	fixture f;
	ig_tower_model *m;
	size_t n;
	float *a, *b;
	char err[512], cut[64];
	FILE *fp;
	unsigned char *data;
	long size;

	(void)state;
	fixture_open(&f, 8, 4, 6, 0.1);
	train_fixture(&f, 3);
	model_path = write_temp("");
	ig_tower_model_save(f.m, model_path);
	m = ig_tower_model_load(model_path);
	assert_int_equal(m->ndense, f.m->ndense);
	assert_memory_equal(m->dense, f.m->dense, m->ndense * sizeof(float));
	assert_int_equal(m->ref_ts, f.m->ref_ts);
	assert_string_equal(ig_tower_model_provenance(m), "test");
	n = (size_t)(f.cat->n + f.c->nusers) * f.o.dim;
	a = malloc(n * sizeof *a);
	b = malloc(n * sizeof *b);
	embed_all(&f, f.m, a);
	embed_all(&f, m, b);
	assert_memory_equal(a, b, n * sizeof *a);
	/* every proper prefix is refused, with exit 1 */
	fp = fopen(model_path, "rb");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	data = malloc((size_t)size);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	snprintf(cut, sizeof cut, "%s.cut", model_path);
	for (long len = 0; len < size; len += size / 13 + 1) {
		fp = fopen(cut, "wb");
		assert_int_equal(fwrite(data, 1, (size_t)len, fp), (size_t)len);
		fclose(fp);
		assert_int_equal(run_expect_exit(load_it, cut, err, sizeof err), 1);
		assert_non_null(strstr(err, "not a valid ig-train-tower model"));
	}
	/* a flipped byte in the layers: the checksum */
	data[size - 20] ^= 1;
	fp = fopen(cut, "wb");
	assert_int_equal(fwrite(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	assert_int_equal(run_expect_exit(load_it, cut, err, sizeof err), 1);
	assert_non_null(strstr(err, "checksum"));
	unlink(cut);
	unlink(model_path);
	free(model_path);
	free(data);
	free(a);
	free(b);
	ig_tower_model_free(m);
	fixture_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_features),
		cmocka_unit_test(test_gradient),
		cmocka_unit_test(test_gradient_uniform),
		cmocka_unit_test(test_uniform_draws),
		cmocka_unit_test(test_logq),
		cmocka_unit_test(test_id_dropout_needs_features),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_threads_same_model),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_holdout_split),
		cmocka_unit_test(test_holdout_recall),
		cmocka_unit_test(test_early_stop),
		cmocka_unit_test(test_early_stop_without_holdout),
		cmocka_unit_test(test_average_rate),
		cmocka_unit_test(test_average_params),
		cmocka_unit_test(test_average_training),
		cmocka_unit_test(test_average_follows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
