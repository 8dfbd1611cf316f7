/* ig-cooccur: every score on a hand-worked fixture, the windows and the
 * decay, both engines, map/reduce, and the planted-topic check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "temp_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cooccur/ig_cooccur_run.h"
#include "core/ig_rng.h"
#include "io/ig_schema.h"

/* Three users; with the default weights (like 2, view 1), --window all:
 *   x:  u1 A=2 B=1 C=1;  u2 A=1 B=1;  u3 B=2 C=2
 *   N:  A = 4+1 = 5,  B = 1+1+4 = 6,  C = 1+4 = 5
 *   W:  AB = 2*1 + 1*1 = 3 (2 users),  AC = 2*1 = 2 (1),  BC = 1*1 + 2*2 = 5 (2)
 *   R:  A = 5, B = 8, C = 7;  Z = 20
 * u1's C comes 5000 s after its B, u2's B 3600 s after its A. */
static const char tiny[] =
	"#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
	"100\tu1\tA\tlike\t\n"
	"200\tu1\tB\tview\t\n"
	"5200\tu1\tC\tview\t\n"
	"0\tu2\tA\tview\t\n"
	"3600\tu2\tB\tview\t\n"
	"3600\tu2\tB\timpression\t\n"
	"10\tu3\tB\tlike\t\n"
	"20\tu3\tC\tlike\t\n";

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Runs one process on EVENTS; returns the neighbors body. */
static char *run(const ig_cooc_opts *o, const char *events)
{
	ig_cooc_job j;
	char *out = write_temp(""), *text;
	ig_writer *w;

	ig_cooc_job_init(&j, o, NULL, 0);
	ig_cooc_job_count(&j, events, 0);
	w = ig_writer_open(out, IG_COMPRESS_NO, 6);
	ig_cooc_job_write_neighbors(&j, w);
	ig_writer_close(w);
	ig_cooc_job_free(&j);
	text = read_all(out);
	unlink(out);
	free(out);
	return text;
}

/* The same with NSHARDS map runs and a reduce over their partials. */
static char *run_sharded(const ig_cooc_opts *o, const char *events, uint32_t nshards)
{
	char **parts = calloc(nshards, sizeof *parts), *out = write_temp(""), *text;
	ig_cooc_job j;
	ig_writer *w;
	uint32_t i;

	for (i = 0; i < nshards; i++) {
		ig_cooc_opts so = *o;
		so.shard = i;
		so.nshards = nshards;
		parts[i] = write_temp("");
		ig_cooc_job_init(&j, &so, NULL, 1);
		ig_cooc_job_count(&j, events, 1);
		w = ig_writer_open(parts[i], IG_COMPRESS_NO, 6);
		ig_schema_write_header(w, IG_STREAM_COOC_PARTIAL, NULL, 0, NULL);
		ig_cooc_job_write_partial(&j, w);
		ig_writer_close(w);
		ig_cooc_job_free(&j);
	}
	ig_cooc_job_init(&j, o, NULL, -1);
	ig_cooc_job_reduce(&j, parts, (int)nshards);
	w = ig_writer_open(out, IG_COMPRESS_NO, 6);
	ig_cooc_job_write_neighbors(&j, w);
	ig_writer_close(w);
	ig_cooc_job_free(&j);
	for (i = 0; i < nshards; i++) {
		unlink(parts[i]);
		free(parts[i]);
	}
	free(parts);
	text = read_all(out);
	unlink(out);
	free(out);
	return text;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The same from histories held in memory (ig_cooc_histories). */
static char *run_memory(const ig_cooc_opts *o, const char *events)
{
	ig_intern *vocab = ig_intern_new();
	ig_engage_reader *g = ig_engage_open(events, &o->engage, vocab);
	ig_history h, hs[8];
	ig_cooc_topk topk;
	size_t n = 0, len = 0, i, r;
	const char *ids[8];
	char *text = calloc(1, 4096);

	while (ig_engage_next(g, &h)) {
		assert_true(n < 8);
		hs[n] = h;
		hs[n].user = strdup(h.user);
		hs[n].e = malloc(h.n * sizeof *h.e);
		memcpy(hs[n].e, h.e, h.n * sizeof *h.e);
		n++;
	}
	ig_engage_close(g);
	ig_cooc_histories(o, vocab, hs, n, &topk);
	for (i = 0; i < ig_intern_count(vocab); i++)
		ids[i] = ig_intern_str(vocab, (uint32_t)i);
	qsort(ids, ig_intern_count(vocab), sizeof *ids, cmp_str);
	for (i = 0; i < ig_intern_count(vocab); i++) {
		uint32_t row = ig_intern_find(vocab, ids[i], strlen(ids[i]));

		for (r = 0; row < topk.cap && r < topk.len[row]; r++)
			len += (size_t)snprintf(text + len, 4096 - len, "%s\t%s\t%.9g\t%llu\n", ids[i],
						ig_intern_str(vocab, topk.lists[row][r].nb), topk.lists[row][r].score,
						(unsigned long long)topk.lists[row][r].support);
	}
	ig_cooc_topk_free(&topk);
	for (i = 0; i < n; i++) {
		free((char *)hs[i].user);
		free(hs[i].e);
	}
	ig_intern_free(vocab);
	return text;
}

/* Checks SCORE on the fixture with both engines, with two shards and
 * from histories in memory. */
static void expect_score(int score, double shrink, const char *window, double half_life, const char *want)
{
	ig_cooc_opts o;
	char *events = write_temp(tiny), *got;
	int engine;

	ig_cooc_opts_default(&o);
	o.score = score;
	o.shrink = shrink;
	o.half_life = half_life;
	assert_int_equal(ig_cooc_window_parse(window, &o.window, &o.window_arg), 0);
	for (engine = IG_COOC_ENGINE_AUTO; engine <= IG_COOC_ENGINE_PAIRS; engine++) {
		int rows = o.window == IG_COOC_WIN_ALL && half_life == 0 && score != IG_COOC_SWING;
		if (engine == IG_COOC_ENGINE_ROWS && !rows)
			continue;
		o.engine = engine;
		got = run(&o, events);
		assert_string_equal(got, want);
		free(got);
		got = run_memory(&o, events);
		assert_string_equal(got, want);
		free(got);
	}
	o.engine = IG_COOC_ENGINE_AUTO;
	got = run_sharded(&o, events, 2);
	assert_string_equal(got, want);
	free(got);
	unlink(events);
	free(events);
}

static void test_count(void **state)
{
	(void)state;
	expect_score(IG_COOC_COUNT, -1, "all", 0,
		     "A\tB\t3\t2\nA\tC\t2\t1\n"
		     "B\tC\t5\t2\nB\tA\t3\t2\n"
		     "C\tB\t5\t2\nC\tA\t2\t1\n");
}

static void test_cosine(void **state)
{
	/* AB 3/sqrt(5*6), AC 2/sqrt(5*5), BC 5/sqrt(6*5) */
	(void)state;
	expect_score(IG_COOC_COSINE, -1, "all", 0,
		     "A\tB\t0.547722558\t2\nA\tC\t0.4\t1\n"
		     "B\tC\t0.912870929\t2\nB\tA\t0.547722558\t2\n"
		     "C\tB\t0.912870929\t2\nC\tA\t0.4\t1\n");
}

static void test_jaccard(void **state)
{
	/* W / (N(i) + N(j) - W): AB 3/8, AC 2/8, BC 5/6 */
	(void)state;
	expect_score(IG_COOC_JACCARD, -1, "all", 0,
		     "A\tB\t0.375\t2\nA\tC\t0.25\t1\n"
		     "B\tC\t0.833333333\t2\nB\tA\t0.375\t2\n"
		     "C\tB\t0.833333333\t2\nC\tA\t0.25\t1\n");
}

static void test_lift_pmi(void **state)
{
	/* lift = W Z / (R(i) R(j)): AB 60/40, AC 40/35, BC 100/56 */
	(void)state;
	expect_score(IG_COOC_LIFT, 0, "all", 0,
		     "A\tB\t1.5\t2\nA\tC\t1.14285714\t1\n"
		     "B\tC\t1.78571429\t2\nB\tA\t1.5\t2\n"
		     "C\tB\t1.78571429\t2\nC\tA\t1.14285714\t1\n");
	/* shrunk toward 1 by S/(S+10): AB 1 + 0.5*2/12, AC 1 + (1/7)/11 */
	expect_score(IG_COOC_LIFT, -1, "all", 0,
		     "A\tB\t1.08333333\t2\nA\tC\t1.01298701\t1\n"
		     "B\tC\t1.13095238\t2\nB\tA\t1.08333333\t2\n"
		     "C\tB\t1.13095238\t2\nC\tA\t1.01298701\t1\n");
	/* pmi = ln(lift), shrunk by S/(S+L) */
	expect_score(IG_COOC_PMI, 0, "all", 0,
		     "A\tB\t0.405465108\t2\nA\tC\t0.133531393\t1\n"
		     "B\tC\t0.579818495\t2\nB\tA\t0.405465108\t2\n"
		     "C\tB\t0.579818495\t2\nC\tA\t0.133531393\t1\n");
	expect_score(IG_COOC_PMI, 2, "all", 0,
		     "A\tB\t0.202732554\t2\nA\tC\t0.0445104642\t1\n"
		     "B\tC\t0.289909248\t2\nB\tA\t0.202732554\t2\n"
		     "C\tB\t0.289909248\t2\nC\tA\t0.0445104642\t1\n");
}

static void test_swing(void **state)
{
	/* I(u1) = ABC, I(u2) = AB, I(u3) = BC. (u1,u2) share AB: AB += 1/(1+2);
	 * (u1,u3) share BC: BC += 1/3; (u2,u3) share only B. 1/3 in 2^-20
	 * units rounds to 349525/1048576. A and C tie for B: A first. */
	(void)state;
	expect_score(IG_COOC_SWING, -1, "all", 0,
		     "A\tB\t0.333333015\t1\n"
		     "B\tA\t0.333333015\t1\nB\tC\t0.333333015\t1\n"
		     "C\tB\t0.333333015\t1\n");
}

/* EASE on the fixture, lambda 1: G = X^T X + I = [[6,3,2],[3,7,5],[2,5,6]]
 * (A, B, C), det 80, P = G^-1 = [[17,-8,1],[-8,32,-24],[1,-24,33]] / 80,
 * B(i,j) = -P(i,j) / P(j,j): AB 8/32, AC -1/33 (not written), BA 8/17,
 * BC 24/33, CA -1/17 (not written), CB 24/32. With --ease-items 2, over
 * B (3 users) and A (2, before C by id): G = [[7,3],[3,6]], P = [[6,-3],
 * [-3,7]] / 33: BA 3/7, AB 3/6; C, outside, gets its row of the model
 * over A, B and itself, the whole one here: CB 24/32 (CA negative, not
 * written), and is no one's neighbour. */
static void test_ease(void **state)
{
	ig_cooc_opts o;
	char *events = write_temp(tiny), *got;
	int engine;

	(void)state;
	ig_cooc_opts_default(&o);
	o.score = IG_COOC_EASE;
	o.ease_lambda = 1;
	for (engine = IG_COOC_ENGINE_AUTO; engine <= IG_COOC_ENGINE_ROWS; engine++) {
		o.engine = engine;
		got = run(&o, events);
		assert_string_equal(got, "A\tB\t0.25\t2\n"
					 "B\tC\t0.727272727\t2\nB\tA\t0.470588235\t2\n"
					 "C\tB\t0.75\t2\n");
		free(got);
	}
	got = run_memory(&o, events);
	assert_string_equal(got, "A\tB\t0.25\t2\nB\tC\t0.727272727\t2\nB\tA\t0.470588235\t2\nC\tB\t0.75\t2\n");
	free(got);
	o.ease_items = 2;
	got = run(&o, events);
	assert_string_equal(got, "A\tB\t0.5\t2\nB\tA\t0.428571429\t2\nC\tB\t0.75\t2\n");
	free(got);
	/* a pair seen by fewer users than --min-support is left out */
	o.ease_items = 3;
	o.min_support = 3;
	got = run(&o, events);
	assert_string_equal(got, "");
	free(got);
	unlink(events);
	free(events);
}

/* A pair whose score divides by 0 is left out, never written as "inf":
 * an entity engaged only with a tiny weight, whose squared sum rounds to
 * 0 in 2^-20 units (u1: X like 0.0001, Y view 1; cosine 1e-4/sqrt(0 * 1)),
 * and partial counts with a pair but no sums (found while writing
 * tests/fuzz/fuzz_cooccur.c, which now checks every score it writes). */
static void test_unscorable(void **state)
{
	static const char partial[] =
		"#ig:cooccur-partial/1\ttype\ta\tb\tweight\tsupport\n"
		"p\tA\tB\t1048576\t1\n";
	char *events = write_temp("#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
				  "1\tu1\tX\tlike\t\n2\tu1\tY\tview\t\n");
	char *part = write_temp(partial), *out = write_temp(""), *got, err[256];
	ig_cooc_opts o;
	ig_cooc_job j;
	ig_writer *w;
	int engine, score;

	(void)state;
	ig_cooc_opts_default(&o);
	assert_int_equal(ig_event_weights_parse("like=0.0001,view=1", o.engage.weights, err, sizeof err), 0);
	for (engine = IG_COOC_ENGINE_AUTO; engine <= IG_COOC_ENGINE_PAIRS; engine++) {
		o.engine = engine;
		got = run(&o, events);
		assert_string_equal(got, "");
		free(got);
	}
	o.engine = IG_COOC_ENGINE_AUTO;
	for (score = IG_COOC_COUNT; score <= IG_COOC_PMI; score++) {
		o.score = score;
		ig_cooc_job_init(&j, &o, NULL, -1);
		ig_cooc_job_reduce(&j, &part, 1);
		w = ig_writer_open(out, IG_COMPRESS_NO, 6);
		ig_cooc_job_write_neighbors(&j, w);
		ig_writer_close(w);
		ig_cooc_job_free(&j);
		got = read_all(out);
		/* count needs no sums; lift and pmi get R from the pairs */
		if (score == IG_COOC_COSINE || score == IG_COOC_JACCARD)
			assert_string_equal(got, "");
		else
			assert_null(strstr(got, "inf"));
		free(got);
	}
	unlink(events);
	unlink(part);
	unlink(out);
	free(events);
	free(part);
	free(out);
}

static void test_windows(void **state)
{
	(void)state;
	/* Sessions at a 1800 s gap: u1 = {A,B} {C}, u2 = {A} {B}: AB 2 (u1),
	 * BC 4 (u3)... */
	expect_score(IG_COOC_COUNT, -1, "session:1800", 0,
		     "A\tB\t2\t1\nB\tC\t4\t1\nB\tA\t2\t1\nC\tB\t4\t1\n");
	/* ...at 3600 s u2 is one session (AB 3, 2 users), u1 still two. */
	expect_score(IG_COOC_COUNT, -1, "session:3600", 0,
		     "A\tB\t3\t2\nB\tC\t4\t1\nB\tA\t3\t2\nC\tB\t4\t1\n");
	/* u2's A and B are 3600 s apart: out of a 3599 s time window, in a
	 * 3600 s one. */
	expect_score(IG_COOC_COUNT, -1, "time:3599", 0,
		     "A\tB\t2\t1\nB\tC\t4\t1\nB\tA\t2\t1\nC\tB\t4\t1\n");
	expect_score(IG_COOC_COUNT, -1, "time:3600", 0,
		     "A\tB\t3\t2\nB\tC\t4\t1\nB\tA\t3\t2\nC\tB\t4\t1\n");
	/* last:1: neighbouring engagements: u1 AB, BC; u2 AB; u3 BC. */
	expect_score(IG_COOC_COUNT, -1, "last:1", 0,
		     "A\tB\t3\t2\nB\tC\t5\t2\nB\tA\t3\t2\nC\tB\t5\t2\n");
	/* Half-life 3600 s: u2's AB * 2^-1; u1 AB 2 * 2^(-100/3600), AC
	 * 2 * 2^(-5100/3600), BC 2^(-5000/3600); u3 BC 4 * 2^(-10/3600). */
	expect_score(IG_COOC_COUNT, -1, "all", 3600,
		     "A\tB\t2.4618597\t2\nA\tC\t0.749153137\t1\n"
		     "B\tC\t4.37416458\t2\nB\tA\t2.4618597\t2\n"
		     "C\tB\t4.37416458\t2\nC\tA\t0.749153137\t1\n");
}

static void test_min_support_topk(void **state)
{
	ig_cooc_opts o;
	char *events = write_temp(tiny), *got;

	(void)state;
	ig_cooc_opts_default(&o);
	o.score = IG_COOC_COUNT;
	o.min_support = 2;
	o.top_k = 1;
	got = run(&o, events);
	assert_string_equal(got, "A\tB\t3\t2\nB\tC\t5\t2\nC\tB\t5\t2\n");
	free(got);
	/* 1/sqrt(n) per user: u1 (3 engagements) weighs 1/sqrt(3), u2 and u3 1/sqrt(2) */
	ig_cooc_opts_default(&o);
	o.score = IG_COOC_COUNT;
	o.user_weight = IG_COOC_UW_SQRT;
	got = run(&o, events);
	assert_string_equal(got, "A\tB\t1.86180687\t2\nA\tC\t1.15470028\t1\n"
				 "B\tC\t3.40577793\t2\nB\tA\t1.86180687\t2\n"
				 "C\tB\t3.40577793\t2\nC\tA\t1.15470028\t1\n");
	free(got);
	unlink(events);
	free(events);
}

static void test_topk_ties(void **state)
{
	ig_cooc_topk t;
	ig_cooc_nb nb;
	uint32_t i;

	(void)state;
	ig_cooc_topk_init(&t, 3, 1);
	for (i = 0; i < 10; i++) {
		nb.score = i % 2 ? 1.0 : 0.5;
		nb.nb = i;
		nb.rank = 9 - i; /* later numbers come first bytewise */
		nb.support = i;
		ig_cooc_topk_push(&t, 0, &nb);
	}
	ig_cooc_topk_finish(&t);
	assert_int_equal(t.len[0], 3);
	assert_int_equal(t.lists[0][0].nb, 9);
	assert_int_equal(t.lists[0][1].nb, 7);
	assert_int_equal(t.lists[0][2].nb, 5);
	ig_cooc_topk_free(&t);
}

/* Planted topics: TOPICS topics of ITEMS items; each user engages mostly
 * with the items of one topic (60%), else with any item. */
static char *planted(uint32_t topics, uint32_t items_per_topic, uint32_t users, uint32_t per_user)
{
	size_t cap = (size_t)users * per_user * 48 + 64, len = 0;
	char *text = malloc(cap);
	ig_rng r;
	uint32_t u, k;

	ig_rng_seed(&r, 7);
	len += (size_t)snprintf(text, cap, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n");
	for (u = 0; u < users; u++) {
		uint32_t topic = (uint32_t)ig_rng_below(&r, topics);
		for (k = 0; k < per_user; k++) {
			uint32_t t = ig_rng_double(&r) < 0.6 ? topic : (uint32_t)ig_rng_below(&r, topics);
			uint32_t item = t * items_per_topic + (uint32_t)ig_rng_below(&r, items_per_topic);
			len += (size_t)snprintf(text + len, cap - len, "%u\tu%05u\ti%05u\t%s\t\n", 1000 + k * 60, u,
						item, ig_rng_double(&r) < 0.3 ? "like" : "view");
		}
	}
	return text;
}

static void test_planted_topics(void **state)
{
	const uint32_t topics = 8, ipt = 100;
	char *text = planted(topics, ipt, 400, 30), *events = write_temp(text), *got, *line, *save = NULL;
	int score;

	(void)state;
	for (score = IG_COOC_COUNT; score <= IG_COOC_SWING; score++) {
		ig_cooc_opts o;
		unsigned same = 0, total = 0;
		ig_cooc_opts_default(&o);
		o.score = score;
		o.top_k = 10;
		o.min_support = 2;
		got = run(&o, events);
		for (line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned a, b;
			assert_int_equal(sscanf(line, "i%u\ti%u", &a, &b), 2);
			same += a / ipt == b / ipt;
			total++;
		}
		/* Chance is 1/8; planted neighbours share the topic far more often. */
		print_message("planted topics, %s: %u of %u neighbours share the topic (%.3f; chance 0.125)\n",
			      ig_cooc_score_name(score), same, total, (double)same / total);
		assert_true(total > 1000);
		assert_true((double)same / total > 0.6);
		free(got);
	}
	unlink(events);
	free(events);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_cosine),
		cmocka_unit_test(test_jaccard),
		cmocka_unit_test(test_lift_pmi),
		cmocka_unit_test(test_swing),
		cmocka_unit_test(test_ease),
		cmocka_unit_test(test_unscorable),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_min_support_topk),
		cmocka_unit_test(test_topk_ties),
		cmocka_unit_test(test_planted_topics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
