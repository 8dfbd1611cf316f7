/* ig-train-w2v's modules: vocabulary building and pruning, sub-sampling
 * probabilities, the noise table, the sigmoid table, sequence construction
 * from text and events (session gaps, weights, filters, lengths), one
 * hand-worked skip-gram step, reproducibility, and the quality of vectors
 * learnt from planted topics. */
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

#include "io/ig_engage.h"
#include "io/ig_items.h"
#include "io/ig_vectors.h"
#include "w2v/ig_w2v_corpus.h"
#include "w2v/ig_w2v_kernel.h"
#include "w2v/ig_w2v_train.h"
#include "w2v/ig_w2v_vocab.h"

static char *write_temp(const char *text)
{
	static char paths[4][64];
	static int next;
	char *p = paths[next++ % 4];
	int fd;
	size_t len = strlen(text);

	snprintf(p, 64, "/tmp/igw2v.XXXXXX");
	fd = mkstemp(p);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return p;
}

static void test_vocab_build_and_prune(void **state)
{
	ig_intern *names = ig_intern_new();
	uint64_t counts[4] = {3, 1, 5, 3}; /* a b c d, in order of first sight */
	uint32_t map[4];
	ig_w2v_vocab v;

	(void)state;
	ig_intern_add(names, "a", 1);
	ig_intern_add(names, "b", 1);
	ig_intern_add(names, "c", 1);
	ig_intern_add(names, "d", 1);
	ig_w2v_vocab_build(&v, names, counts, 2, 0, map);
	/* By count, ties by first sight: c 5, a 3, d 3; b is pruned. */
	assert_int_equal(v.n, 3);
	assert_string_equal(ig_w2v_vocab_word(&v, 0), "c");
	assert_string_equal(ig_w2v_vocab_word(&v, 1), "a");
	assert_string_equal(ig_w2v_vocab_word(&v, 2), "d");
	assert_int_equal(v.count[0], 5);
	assert_int_equal(v.count[2], 3);
	assert_int_equal(v.total, 11);
	assert_int_equal(map[0], 1);
	assert_int_equal(map[1], IG_INTERN_NONE);
	assert_int_equal(map[2], 0);
	assert_int_equal(map[3], 2);
	ig_w2v_vocab_free(&v);
	/* At most two words: the least frequent go. */
	ig_w2v_vocab_build(&v, names, counts, 1, 2, map);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.total, 8);
	assert_int_equal(map[3], IG_INTERN_NONE);
	assert_int_equal(map[0], 1);
	ig_w2v_vocab_free(&v);
	ig_intern_free(names);
}

static void test_keep_probability(void **state)
{
	ig_w2v_vocab v;
	uint64_t count[2] = {100, 1};
	uint32_t *t;

	(void)state;
	/* f = 0.01, sample 1e-3: (sqrt(10) + 1) * 0.1 = 0.416227766 */
	assert_true(fabs(ig_w2v_keep_probability(100, 10000, 1e-3) - 0.4162277660168379) < 1e-12);
	/* f = 1e-4: (sqrt(0.1) + 1) * 10 > 1, kept always */
	assert_true(ig_w2v_keep_probability(1, 10000, 1e-3) == 1);
	assert_true(ig_w2v_keep_probability(100, 10000, 0) == 1);
	memset(&v, 0, sizeof v);
	v.n = 2;
	v.count = count;
	v.total = 10000;
	t = ig_w2v_keep_thresholds(&v, 1e-3);
	assert_int_equal(t[0], (uint32_t)floor(0.4162277660168379 * 4294967296.0));
	assert_int_equal(t[1], UINT32_MAX);
	assert_true(fabs(ig_w2v_expected_kept(&v, 1e-3) - (41.62277660168379 + 1)) < 1e-9);
	free(t);
}

static void test_alias_noise(void **state)
{
	/* 1, 16, 81 to the power 0.75: 1, 8, 27 out of 36. */
	uint64_t count[3] = {1, 16, 81};
	ig_w2v_alias a;
	uint64_t rng = 42, hits[3] = {0, 0, 0};
	int i;

	(void)state;
	ig_w2v_alias_build(&a, count, 3, 0.75);
	assert_true(fabs(ig_w2v_alias_probability(&a, 0) - 1.0 / 36) < 1e-8);
	assert_true(fabs(ig_w2v_alias_probability(&a, 1) - 8.0 / 36) < 1e-8);
	assert_true(fabs(ig_w2v_alias_probability(&a, 2) - 27.0 / 36) < 1e-8);
	for (i = 0; i < 360000; i++)
		hits[ig_w2v_alias_draw(&a, ig_w2v_rng_next(&rng))]++;
	assert_true(fabs((double)hits[0] / 360000 - 1.0 / 36) < 0.002);
	assert_true(fabs((double)hits[2] / 360000 - 27.0 / 36) < 0.004);
	ig_w2v_alias_free(&a);
}

static void test_sigmoid_table(void **state)
{
	float x;

	(void)state;
	ig_w2v_tables_init();
	/* Index 500 of 1000 is x = 0 exactly. */
	assert_true(ig_w2v_sigmoid(0) == 0.5f);
	assert_true(fabsf(ig_w2v_log_sigmoid(0) + 0.6931472f) < 1e-6f);
	/* Saturated beyond +-6, as word2vec.c. */
	assert_true(ig_w2v_sigmoid(6.5f) == 1);
	assert_true(ig_w2v_sigmoid(-7) == 0);
	assert_true(ig_w2v_log_sigmoid(7) == 0);
	assert_true(ig_w2v_log_sigmoid(-8) == -8);
	/* 2.0 falls in cell 666: x = (0.666 * 2 - 1) * 6 = 1.992. */
	assert_true(fabsf(ig_w2v_sigmoid(2.0f) - (float)(1 / (1 + exp(-1.992)))) < 1e-6f);
	/* A cell is 0.012 wide: never more than 0.003 off the true value. */
	for (x = -5.99f; x < 6; x += 0.0137f) {
		assert_true(fabs((double)ig_w2v_sigmoid(x) - 1 / (1 + exp(-(double)x))) < 0.003);
		assert_true(fabs((double)ig_w2v_log_sigmoid(x) + log1p(exp(-(double)x))) < 0.012);
	}
}

static void test_corpus_text(void **state)
{
	char *path = write_temp("a b c\n\n  d\te \r\nf\nb a b\n");
	ig_w2v_corpus c;
	ig_w2v_vocab v;
	uint32_t map[16];

	(void)state;
	ig_w2v_corpus_init(&c, 0, 0);
	ig_w2v_corpus_read_text(&c, path, 2);
	/* [a b] [c] [d e] [f] [b a] [b]: long lines cut every 2 words. */
	assert_int_equal(c.nsent, 6);
	assert_int_equal(c.ntok, 9);
	assert_int_equal(c.words_read, 9);
	assert_int_equal(c.start[3], 5);
	assert_int_equal(c.raw_count[1], 3); /* b */
	assert_string_equal(ig_intern_str(c.names, c.tok[3]), "d");
	/* min count 2 keeps a (2) and b (3): b 0, a 1; then [a b] [b a]. */
	ig_w2v_vocab_build(&v, c.names, c.raw_count, 2, 0, map);
	assert_int_equal(v.n, 2);
	ig_w2v_corpus_apply_vocab(&c, map);
	assert_int_equal(c.nsent, 2);
	assert_int_equal(c.ntok, 4);
	assert_int_equal(c.tok[0], 1);
	assert_int_equal(c.tok[1], 0);
	assert_int_equal(c.tok[2], 0);
	assert_int_equal(c.tok[3], 1);
	ig_w2v_vocab_free(&v);
	ig_w2v_corpus_free(&c);
	unlink(path);
}

static const char events_text[] =
	"#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
	"100\tu1\ti1\tview\t6\n"
	"200\tu1\ti2\tlike\t\n"
	"5000\tu1\ti3\tshare\t\n"
	"5001\tu1\ti3\tlike\t\n"    /* folded into the share */
	"5002\tu1\ti4\tskip\t\n"    /* weight 0 */
	"5003\tu1\ti5\tview\t2\n"   /* below --min-view 5 */
	"5004\tu1\ti1\tview\t7\n"
	"10\tu2\ti1\tsave\t\n"
	"20\tu2\ti2\tview\t9\n";

static void test_corpus_events(void **state)
{
	char *path = write_temp(events_text);
	ig_w2v_seq_opts so = {1800, 1000, 1};
	ig_engage_opts eo;
	ig_engage_stats st;
	ig_w2v_corpus c;

	(void)state;
	ig_engage_opts_default(&eo);
	eo.min_view_value = 5;
	ig_w2v_corpus_init(&c, 1, 0);
	ig_w2v_corpus_read_events(&c, path, &eo, &so, &st);
	/* u1: [i1 i2], gap 4800 > 1800, then [i3 i1]; u2: [i1 i2]. */
	assert_int_equal(c.nsent, 3);
	assert_int_equal(c.ntok, 6);
	assert_int_equal(c.start[1], 2);
	assert_int_equal(c.start[2], 4);
	assert_string_equal(ig_intern_str(c.names, c.tok[2]), "i3");
	assert_string_equal(ig_intern_str(c.names, c.tok[3]), "i1");
	assert_true(c.weight[0] == 1 && c.weight[1] == 2 && c.weight[2] == 3 && c.weight[4] == 3);
	assert_int_equal(st.events, 9);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.merged, 1);
	assert_int_equal(st.users, 2);
	ig_w2v_corpus_free(&c);

	/* No session gap, at most 3 words: u1 [i1 i2 i3] [i1]; u2 [i1 i2]. */
	so.session_gap = 0;
	so.max_len = 3;
	so.weighted = 0;
	ig_w2v_corpus_init(&c, 0, 0);
	ig_w2v_corpus_read_events(&c, path, &eo, &so, NULL);
	assert_int_equal(c.nsent, 3);
	assert_int_equal(c.start[1], 3);
	assert_int_equal(c.start[2], 4);
	assert_null(c.weight);
	ig_w2v_corpus_free(&c);

	/* Only likes count. */
	eo.weights[IG_EV_VIEW] = 0;
	eo.weights[IG_EV_SHARE] = 0;
	eo.weights[IG_EV_SAVE] = 0;
	so.max_len = 1000;
	ig_w2v_corpus_init(&c, 0, 0);
	ig_w2v_corpus_read_events(&c, path, &eo, &so, NULL);
	/* u1: i2, i3 (the like folded after the dropped share is its own). */
	assert_int_equal(c.nsent, 1);
	assert_int_equal(c.ntok, 2);
	assert_string_equal(ig_intern_str(c.names, c.tok[0]), "i2");
	assert_string_equal(ig_intern_str(c.names, c.tok[1]), "i3");
	ig_w2v_corpus_free(&c);
	unlink(path);
}

static void test_corpus_authors(void **state)
{
	char *ev = write_temp(events_text);
	char *it = write_temp("#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
			      "i1\ta1\tphoto\t0\tt1\n"
			      "i2\ta1\tphoto\t0\tt1\n"
			      "i3\ta2\tvideo\t0\tt2\n");
	ig_w2v_seq_opts so = {0, 1000, 0};
	ig_engage_opts eo;
	ig_w2v_corpus c;
	ig_items *items = ig_items_load(it);

	(void)state;
	ig_engage_opts_default(&eo);
	eo.entity = IG_ENTITY_AUTHOR;
	eo.items = items;
	eo.min_view_value = 5;
	ig_w2v_corpus_init(&c, 0, 0);
	ig_w2v_corpus_read_events(&c, ev, &eo, &so, NULL);
	/* u1: a1 (i1, i2 folded) a2 a1; u2: a1. */
	assert_int_equal(c.nsent, 2);
	assert_int_equal(c.ntok, 4);
	assert_string_equal(ig_intern_str(c.names, c.tok[0]), "a1");
	assert_string_equal(ig_intern_str(c.names, c.tok[1]), "a2");
	ig_w2v_corpus_free(&c);

	eo.entity = IG_ENTITY_BOTH;
	ig_w2v_corpus_init(&c, 0, 0);
	ig_w2v_corpus_read_events(&c, ev, &eo, &so, NULL);
	/* u1: i1 @a1 i2 @a1 i3 @a2 i1 @a1: the repeated i3 folds into the
	 * item-author pair just before it. */
	assert_int_equal(c.start[1], 8);
	assert_string_equal(ig_intern_str(c.names, c.tok[1]), "@a1");
	assert_string_equal(ig_intern_str(c.names, c.tok[4]), "i3");
	ig_w2v_corpus_free(&c);
	ig_items_free(items);
	unlink(ev);
	unlink(it);
}

/* Two centre words worked by hand: dim 1, window 1, one negative that is
 * always word 2 (the noise table gives nothing else), alpha 0.1. */
static void test_skipgram_step(void **state)
{
	ig_w2v_model m;
	ig_w2v_alias noise;
	ig_w2v_alias_cell cells[3] = {{0, 2}, {0, 2}, {UINT32_MAX, 2}};
	ig_w2v_kparams p;
	ig_w2v_worker wk;
	uint32_t sent[2] = {0, 1};
	float a0 = 0.5f, a1 = -0.25f, b0 = 0.2f, b1 = 0.4f, b2 = -0.3f, g0, g1, alpha = 0.1f;

	(void)state;
	ig_w2v_tables_init();
	ig_w2v_model_init(&m, 3, 1, 1);
	assert_int_equal(m.stride, 16);
	m.in[0] = a0;
	m.in[16] = a1;
	m.in[32] = 0;
	m.out[0] = b0;
	m.out[16] = b1;
	m.out[32] = b2;
	noise.cell = cells;
	noise.n = 3;
	memset(&p, 0, sizeof p);
	p.arch = IG_W2V_SKIPGRAM;
	p.window = 1;
	p.negative = 1;
	p.noise = &noise;
	ig_w2v_worker_init(&wk, &m);
	wk.rng = 7;
	ig_w2v_train_sentence(&m, &p, &wk, sent, NULL, 2, alpha);
	/* Centre 0, context 1: target 0, negative 2. */
	g0 = (1 - ig_w2v_sigmoid(a1 * b0)) * alpha;
	g1 = (0 - ig_w2v_sigmoid(a1 * b2)) * alpha;
	{
		float na1 = a1 + g0 * b0 + g1 * b2;
		float nb0 = b0 + g0 * a1, nb2 = b2 + g1 * a1;

		a1 = na1;
		b0 = nb0;
		b2 = nb2;
	}
	/* Centre 1, context 0: target 1, negative 2. */
	g0 = (1 - ig_w2v_sigmoid(a0 * b1)) * alpha;
	g1 = (0 - ig_w2v_sigmoid(a0 * b2)) * alpha;
	{
		float na0 = a0 + g0 * b1 + g1 * b2;
		float nb1 = b1 + g0 * a0, nb2 = b2 + g1 * a0;

		a0 = na0;
		b1 = nb1;
		b2 = nb2;
	}
	assert_true(fabsf(m.in[0] - a0) < 1e-6f);
	assert_true(fabsf(m.in[16] - a1) < 1e-6f);
	assert_true(fabsf(m.out[0] - b0) < 1e-6f);
	assert_true(fabsf(m.out[16] - b1) < 1e-6f);
	assert_true(fabsf(m.out[32] - b2) < 1e-6f);
	assert_true(m.in[1] == 0 && m.out[1] == 0); /* padding stays zero */
	assert_int_equal(wk.examples, 2);
	assert_int_equal(wk.words, 2);
	assert_true(wk.loss > 4 * 0.69 - 0.1 && wk.loss < 4 * 0.69 + 0.1); /* four terms near log 2 */
	ig_w2v_worker_free(&wk);
	ig_w2v_model_free(&m);
}

/* Planted topics: sentences draw 12 items of one topic (one in ten from
 * anywhere). */
#define TOPICS 6
#define PER_TOPIC 20

static void planted_corpus(ig_w2v_corpus *c, uint64_t seed)
{
	uint64_t rng = seed;
	char name[32];
	int s, i;

	ig_w2v_corpus_init(c, 0, 0);
	for (s = 0; s < 3000; s++) {
		int topic = (int)(ig_w2v_rng_next(&rng) % TOPICS);

		for (i = 0; i < 12; i++) {
			int t = ig_w2v_rng_next(&rng) % 10 == 0 ? (int)(ig_w2v_rng_next(&rng) % TOPICS) : topic;
			int item = (int)(ig_w2v_rng_next(&rng) % PER_TOPIC);
			int n = snprintf(name, sizeof name, "t%d_%d", t, item);

			ig_w2v_corpus_add(c, name, (size_t)n, 1);
		}
		ig_w2v_corpus_end_sentence(c);
	}
}

static void train_planted(ig_w2v_model *m, ig_w2v_vocab *v, ig_w2v_corpus *c, int threads, int whole)
{
	ig_w2v_opts o;
	uint32_t map[TOPICS * PER_TOPIC];

	planted_corpus(c, 5);
	ig_w2v_vocab_build(v, c->names, c->raw_count, 1, 0, map);
	assert_int_equal(v->n, TOPICS * PER_TOPIC);
	ig_w2v_corpus_apply_vocab(c, map);
	ig_w2v_opts_default(&o);
	o.dim = 24;
	o.window = 4;
	o.whole = whole;
	o.sample = 0;
	o.pool = ig_pool_new(threads);
	ig_w2v_model_init(m, v->n, o.dim, 1);
	ig_w2v_train(m, c, v, &o, NULL);
	ig_pool_free(o.pool);
}

static int topic_of(const ig_w2v_vocab *v, uint32_t i)
{
	return ig_w2v_vocab_word(v, i)[1] - '0';
}

static void check_planted(const ig_w2v_model *m, const ig_w2v_vocab *v, double *margin_out, double *p5_out)
{
	double within = 0, between = 0, p5 = 0;
	uint64_t nw = 0, nb = 0;
	uint32_t i, j;
	ig_vectors *vec = ig_vectors_new(m->dim);
	uint32_t ids[5];
	float sc[5];

	for (i = 0; i < v->n; i++)
		ig_vectors_add(vec, ig_w2v_vocab_word(v, i), ig_w2v_vocab_len(v, i), m->in + (size_t)i * m->stride);
	for (i = 0; i < v->n; i++) {
		size_t n = ig_vectors_nearest(vec, ig_vectors_row(vec, i), 5, i, ids, sc), k;

		for (k = 0; k < n; k++)
			p5 += topic_of(v, ids[k]) == topic_of(v, i);
		for (j = i + 1; j < v->n; j++) {
			double cs = ig_vectors_cosine(ig_vectors_row(vec, i), ig_vectors_row(vec, j), m->dim);

			if (topic_of(v, i) == topic_of(v, j)) {
				within += cs;
				nw++;
			} else {
				between += cs;
				nb++;
			}
		}
	}
	*margin_out = within / (double)nw - between / (double)nb;
	*p5_out = p5 / (5.0 * v->n);
	ig_vectors_free(vec);
}

static void test_planted_topics(void **state)
{
	ig_w2v_model m;
	ig_w2v_vocab v;
	ig_w2v_corpus c;
	double margin, p5;

	(void)state;
	train_planted(&m, &v, &c, 1, 0);
	check_planted(&m, &v, &margin, &p5);
	/* Measured: margin 0.62, precision@5 1.00. */
	print_message("planted topics, skip-gram: mean cosine within - between = %.3f, same-topic precision@5 = %.3f\n",
		      margin, p5);
	assert_true(margin > 0.4);
	assert_true(p5 > 0.95);
	ig_w2v_model_free(&m);
	ig_w2v_vocab_free(&v);
	ig_w2v_corpus_free(&c);

	/* item2vec (whole sentence) with two threads. */
	train_planted(&m, &v, &c, 2, 1);
	check_planted(&m, &v, &margin, &p5);
	print_message("planted topics, item2vec -@2: margin %.3f, precision@5 %.3f\n", margin, p5);
	assert_true(margin > 0.4);
	assert_true(p5 > 0.95);
	ig_w2v_model_free(&m);
	ig_w2v_vocab_free(&v);
	ig_w2v_corpus_free(&c);
}

static void test_reproducible(void **state)
{
	ig_w2v_model m1, m2;
	ig_w2v_vocab v1, v2;
	ig_w2v_corpus c1, c2;

	(void)state;
	train_planted(&m1, &v1, &c1, 1, 0);
	train_planted(&m2, &v2, &c2, 1, 0);
	assert_memory_equal(m1.in, m2.in, (size_t)m1.n * m1.stride * sizeof(float));
	assert_memory_equal(m1.out, m2.out, (size_t)m1.n * m1.stride * sizeof(float));
	ig_w2v_model_free(&m1);
	ig_w2v_model_free(&m2);
	ig_w2v_vocab_free(&v1);
	ig_w2v_vocab_free(&v2);
	ig_w2v_corpus_free(&c1);
	ig_w2v_corpus_free(&c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocab_build_and_prune),
		cmocka_unit_test(test_keep_probability),
		cmocka_unit_test(test_alias_noise),
		cmocka_unit_test(test_sigmoid_table),
		cmocka_unit_test(test_corpus_text),
		cmocka_unit_test(test_corpus_events),
		cmocka_unit_test(test_corpus_authors),
		cmocka_unit_test(test_skipgram_step),
		cmocka_unit_test(test_planted_topics),
		cmocka_unit_test(test_reproducible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
