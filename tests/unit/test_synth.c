/* ig-synth's generative pieces: topic tree, interests, the engagement
 * model on hand-set inputs, id formatting, and per-user determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "io/ig_events.h"
#include "io/ig_items.h"
#include "synth/ig_synth.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"

static ig_synth_world *small_world(uint32_t users, uint32_t items, uint32_t roots, uint32_t sub)
{
	ig_synth_params p;

	ig_synth_params_default(&p);
	p.users = users;
	p.items = items;
	p.roots = roots;
	p.subtopics = sub;
	p.days = 3;
	assert_null(ig_synth_params_check(&p));
	return ig_synth_world_build(&p);
}

static char *rows(const ig_synth_world *w, int stream, uint32_t from, uint32_t to)
{
	ig_synth_buf b = {0};

	ig_synth_world_rows(w, stream, from, to, &b);
	ig_synth_buf_putc(&b, '\0');
	return b.p;
}

static void test_topic_tree(void **state)
{
	ig_synth_world *w = small_world(1, 50, 3, 4);
	char *s;

	(void)state;
	assert_int_equal(w->nleaves, 12);
	assert_int_equal(ig_synth_world_nrows(w, IG_SYN_TOPICS), 15);
	s = rows(w, IG_SYN_TOPICS, 0, 6);
	assert_string_equal(s, "t01\t\nt01.01\tt01\nt01.02\tt01\nt01.03\tt01\nt01.04\tt01\nt02\t\n");
	free(s);
	s = rows(w, IG_SYN_TOPICS, 14, 15);
	assert_string_equal(s, "t03.04\tt03\n");
	free(s);
	/* Root popularity: Zipf 0.8, normalised. */
	{
		double z = 1 + pow(2, -0.8) + pow(3, -0.8);
		assert_true(fabs(w->root_pop[0] - 1 / z) < 1e-12);
		assert_true(fabs(w->root_pop[2] - pow(3, -0.8) / z) < 1e-12);
	}
	ig_synth_world_free(w);
}

static void test_items(void **state)
{
	ig_synth_world *w = small_world(1, 300, 4, 3);
	uint32_t i, t, n = 0;

	(void)state;
	assert_int_equal(w->p.authors, 30);
	for (i = 0; i < 300; i++) {
		if (i > 0)
			assert_true(w->created[i - 1] <= w->created[i]);
		assert_true(w->created[i] >= w->p.start - 3 * 86400);
		assert_true(w->created[i] < w->p.start + 3 * 86400);
		assert_true(w->item_media[i] < 4);
		assert_true(w->item_ntopics[i] == 1 || w->item_ntopics[i] == 2);
		assert_true(w->item_topics[i][0] < 12);
		if (w->item_ntopics[i] == 2) {
			/* The second topic is a sibling: same root, other leaf. */
			assert_int_equal(w->item_topics[i][1] / 3, w->item_topics[i][0] / 3);
			assert_int_not_equal(w->item_topics[i][1], w->item_topics[i][0]);
		}
	}
	/* Topic lists hold every (item, topic) pair once, in creation order. */
	for (t = 0; t < 12; t++)
		for (i = w->topic_item_start[t]; i < w->topic_item_start[t + 1]; i++) {
			if (i > w->topic_item_start[t])
				assert_true(w->topic_item[i - 1] < w->topic_item[i]);
			n++;
		}
	for (i = 0, t = 0; i < 300; i++)
		t += w->item_ntopics[i];
	assert_int_equal(n, t);
	/* Availability: items created at or before ts. */
	assert_int_equal(ig_synth_available(w, w->topic_item, 0, w->p.start), 0);
	{
		uint32_t all[300], k;
		for (k = 0; k < 300; k++)
			all[k] = k;
		assert_int_equal(ig_synth_available(w, all, 300, w->created[0] - 1), 0);
		assert_int_equal(ig_synth_available(w, all, 300, w->created[299]), 300);
		k = ig_synth_available(w, all, 300, w->created[150]);
		assert_true(k >= 151 && w->created[k - 1] == w->created[150]);
	}
	ig_synth_world_free(w);
}

static void test_interest(void **state)
{
	ig_synth_world *w = small_world(1, 50, 10, 5);
	double theta[50];
	ig_rng r;
	double top3_sum = 0;
	int u, t;

	(void)state;
	ig_rng_seed(&r, 42);
	for (u = 0; u < 2000; u++) {
		double sum = 0, max = 0, root_w[10] = {0}, top3 = 0;
		int nz = 0, k;
		ig_synth_user_interest(w, &r, theta);
		for (t = 0; t < 50; t++) {
			assert_true(theta[t] >= 0);
			sum += theta[t];
			nz += theta[t] > 0;
			if (theta[t] > max)
				max = theta[t];
			root_w[t / 5] += theta[t];
		}
		assert_true(fabs(sum - 1.0) < 1e-12);
		assert_true(nz >= 1);
		for (t = 0; t < 50; t++)
			if (theta[t] > 0 && theta[t] < max)
				assert_true(theta[t] >= IG_SYN_MIN_INTEREST * 0.999);
		/* Sparse: most of the weight sits under at most three roots. */
		for (k = 0; k < 3; k++) {
			int best = 0;
			for (t = 1; t < 10; t++)
				if (root_w[t] > root_w[best])
					best = t;
			top3 += root_w[best];
			root_w[best] = -1;
		}
		assert_true(top3 > 0.4);
		top3_sum += top3;
	}
	assert_true(top3_sum / 2000 > 0.85);
	ig_synth_world_free(w);
}

static void test_model_values(void **state)
{
	double x[IG_SYN_NX] = {1, 1, 0, 0, 0, 0, 0};
	ig_synth_probs p;
	double view = 1 / (1 + exp(-2.0));     /* -1 + 3 */
	double like = 1 / (1 + exp(0.5));      /* -4.5 + 4 */
	double see_less = 1 / (1 + exp(5.5));  /* -2.5 - 3 */

	(void)state;
	ig_synth_probs_eval(x, 0, &p);
	assert_true(fabs(p.cond[IG_SYN_H_VIEW] - 0.880797077977882) < 1e-12);
	assert_true(fabs(p.cond[IG_SYN_H_VIEW] - view) < 1e-15);
	assert_true(fabs(p.cond[IG_SYN_H_LIKE] - like) < 1e-15);
	assert_true(fabs(p.marginal[IG_SYN_H_LIKE] - view * like) < 1e-15);
	assert_true(fabs(p.marginal[IG_SYN_H_LIKE] - 0.332537) < 1e-6);
	assert_true(fabs(p.marginal[IG_SYN_H_SEE_LESS] - (1 - view) * see_less) < 1e-15);
	assert_true(fabs(p.cond[IG_SYN_H_FOLLOW] - 1 / (1 + exp(3.5))) < 1e-15);
	/* Following: no follow; the follow bonus enters the other heads. */
	x[IG_SYN_X_AFF] = 0;
	x[IG_SYN_X_FOL] = 1;
	x[IG_SYN_X_POP] = 1;
	x[IG_SYN_X_MED] = -0.5;
	x[IG_SYN_X_QUAL] = 0.25;
	x[IG_SYN_X_USER] = 0.5;
	ig_synth_probs_eval(x, 1, &p);
	assert_true(p.cond[IG_SYN_H_FOLLOW] == 0 && p.marginal[IG_SYN_H_FOLLOW] == 0);
	/* view: -1 + 0.3 + 0.8 - 0.5 + 0.125 + 0.25 = -0.025 */
	assert_true(fabs(p.cond[IG_SYN_H_VIEW] - 1 / (1 + exp(0.025))) < 1e-15);
	/* comment: -7 + 0.2 + 1.5 - 0.15 + 0.2 + 0.5 = -4.75 */
	assert_true(fabs(p.cond[IG_SYN_H_COMMENT] - 1 / (1 + exp(4.75))) < 1e-15);
	/* Marginals never exceed the view probability. */
	assert_true(p.marginal[IG_SYN_H_SHARE] <= p.marginal[IG_SYN_H_VIEW]);
	/* Logistic: symmetric and finite far out. */
	assert_true(fabs(ig_synth_logistic(0) - 0.5) < 1e-15);
	assert_true(fabs(ig_synth_logistic(3) + ig_synth_logistic(-3) - 1) < 1e-15);
	assert_true(ig_synth_logistic(-1000) == 0 && ig_synth_logistic(1000) == 1);
}

static void test_affinity(void **state)
{
	double phi[4] = {1, 0, 0, 0}, phi_s[4];
	double ps[3] = {0.5, 0.25, 0.25};
	uint32_t one[1] = {1}, two[2] = {0, 2};
	double max;

	(void)state;
	max = ig_synth_smooth(phi, 2, 2, phi_s);
	/* root 0 holds 1: 0.8 * 1 + 0.2 * 1 / 2 and 0 + 0.1. */
	assert_true(fabs(phi_s[0] - 0.9) < 1e-15);
	assert_true(fabs(phi_s[1] - 0.1) < 1e-15);
	assert_true(phi_s[2] == 0 && phi_s[3] == 0);
	assert_true(fabs(max - 0.9) < 1e-15);
	assert_true(fabs(ig_synth_affinity(ps, 0.5, one, 1) - 0.5) < 1e-15);
	assert_true(fabs(ig_synth_affinity(ps, 0.5, two, 2) - 2.5 / 3) < 1e-15);
	assert_true(ig_synth_affinity(ps, 0, one, 1) == 0);
}

/* Fatigue, worked by hand: depth 0.8, half-life 2 days. */
static void test_fatigue(void **state)
{
	double f, m1[1] = {0.2}, m2[2] = {0.5, 1.0};
	double ps[3] = {0.5, 0.25, 0.25};
	uint32_t one[1] = {1}, two[2] = {0, 2};

	(void)state;
	/* A see_less on a one-topic item: F = 1 - 1 * (1 - 0.8) = 0.8. */
	f = ig_synth_fatigue_add(0, 1.0);
	assert_true(fabs(f - 0.8) < 1e-15);
	/* Half of it after one half-life (2 days), 0.8 / sqrt(2) after one day. */
	assert_true(fabs(ig_synth_fatigue_decay(f, 2 * 86400) - 0.4) < 1e-15);
	assert_true(fabs(ig_synth_fatigue_decay(f, 86400) - 0.565685424949238) < 1e-12);
	assert_true(fabs(ig_synth_fatigue_decay(f, 8 * 86400) - 0.05) < 1e-15);
	assert_true(ig_synth_fatigue_decay(f, 0) == f);
	assert_true(ig_synth_fatigue_decay(0, 86400) == 0);
	/* A second see_less two days later: 1 - (1 - 0.4)(1 - 0.8) = 0.88,
	 * two days after that 0.44, a multiplier of 0.56. */
	f = ig_synth_fatigue_add(ig_synth_fatigue_decay(f, 2 * 86400), 1.0);
	assert_true(fabs(f - 0.88) < 1e-15);
	assert_true(fabs(1 - ig_synth_fatigue_decay(f, 2 * 86400) - 0.56) < 1e-15);
	/* Two-topic items fatigue their topics by tau: 0.8 * 2/3, 0.8 / 3. */
	assert_true(fabs(ig_synth_fatigue_add(0, 2.0 / 3) - 1.6 / 3) < 1e-15);
	assert_true(fabs(ig_synth_fatigue_add(0.5, 1.0 / 3) - (1 - 0.5 * (1 - 0.8 / 3))) < 1e-15);
	/* Keep probabilities: m, or (2 m1 + m2) / 3 = (1 + 1) / 3. */
	assert_true(fabs(ig_synth_keep_prob(m1, 1) - 0.2) < 1e-15);
	assert_true(fabs(ig_synth_keep_prob(m2, 2) - 2.0 / 3) < 1e-15);
	/* Fatigued affinity: 0.25 * 0.2 / 0.5 = 0.1; (2 * 0.5 * 0.5 + 0.25) / 3 / 0.5 = 0.5. */
	assert_true(fabs(ig_synth_affinity_fatigued(ps, 0.5, one, m1, 1) - 0.1) < 1e-15);
	assert_true(fabs(ig_synth_affinity_fatigued(ps, 0.5, two, m2, 2) - 0.5) < 1e-15);
	assert_true(ig_synth_affinity_fatigued(ps, 0, one, m1, 1) == 0);
}

/* The negative heads: hand-computed logits, and the cap that keeps their
 * one shared draw a distribution. */
static void test_negative_heads(void **state)
{
	double x[IG_SYN_NX] = {1, 0, 0, 0, 0, 0, 0};
	ig_synth_probs p;
	double skip = 1 - 1 / (1 + exp(1.0)); /* view: -1 */

	(void)state;
	ig_synth_probs_eval(x, 0, &p);
	assert_true(fabs(p.cond[IG_SYN_H_SEE_LESS] - 0.0758581800212435) < 1e-12); /* -2.5 */
	assert_true(fabs(p.cond[IG_SYN_H_HIDE] - 1 / (1 + exp(4.35))) < 1e-15);
	assert_true(fabs(p.cond[IG_SYN_H_HIDE] - 0.0127423) < 1e-7);
	assert_true(fabs(p.cond[IG_SYN_H_REPORT] - 1 / (1 + exp(8.7))) < 1e-15);
	assert_true(fabs(p.marginal[IG_SYN_H_HIDE] - skip * p.cond[IG_SYN_H_HIDE]) < 1e-15);
	assert_true(fabs(p.marginal[IG_SYN_H_REPORT] - skip * p.cond[IG_SYN_H_REPORT]) < 1e-15);
	/* A bad item (quality -1, unknown author -1): report
	 * -8.7 + 0.5 + 4 = -4.2; hide -4.35 + 0.5 + 1 = -2.85. */
	x[IG_SYN_X_POP] = -1;
	x[IG_SYN_X_QUAL] = -1;
	ig_synth_probs_eval(x, 0, &p);
	assert_true(fabs(p.cond[IG_SYN_H_REPORT] - 1 / (1 + exp(4.2))) < 1e-15);
	assert_true(fabs(p.cond[IG_SYN_H_HIDE] - 1 / (1 + exp(2.85))) < 1e-15);
	/* Quality -5: see_less -2.5 + 2.5 = 0 (0.5); hide -4.35 + 5 = 0.65,
	 * capped to 1 - 0.5; report 11.3, capped to 0. */
	x[IG_SYN_X_POP] = 0;
	x[IG_SYN_X_QUAL] = -5;
	ig_synth_probs_eval(x, 0, &p);
	assert_true(fabs(p.cond[IG_SYN_H_SEE_LESS] - 0.5) < 1e-15);
	assert_true(fabs(p.cond[IG_SYN_H_HIDE] - 0.5) < 1e-15);
	assert_true(p.cond[IG_SYN_H_REPORT] == 0);
}

static void test_format(void **state)
{
	ig_synth_buf b = {0};

	(void)state;
	ig_synth_buf_id(&b, 'u', 42, 7);
	ig_synth_buf_putc(&b, ' ');
	ig_synth_buf_id(&b, 'i', 12345678, 7);
	ig_synth_buf_putc(&b, ' ');
	ig_synth_buf_prob(&b, 0.0123454);
	ig_synth_buf_putc(&b, ' ');
	ig_synth_buf_prob(&b, 1.0);
	ig_synth_buf_putc(&b, ' ');
	ig_synth_buf_prob(&b, -0.0);
	ig_synth_buf_putc(&b, ' ');
	ig_synth_buf_prob(&b, 0.9999996);
	ig_synth_buf_putc(&b, ' ');
	ig_synth_buf_double(&b, -0.0);
	ig_synth_buf_putc(&b, ' ');
	ig_synth_buf_i64(&b, -17);
	ig_synth_buf_putc(&b, '\0');
	assert_string_equal(b.p, "u0000042 i12345678 0.012345 1.000000 0.000000 1.000000 0 -17");
	ig_synth_buf_free(&b);
	assert_int_equal(ig_synth_stream_parse("truth_impressions"), IG_SYN_TRUTH_IMPRESSIONS);
	assert_int_equal(ig_synth_stream_parse("nope"), -1);
	assert_string_equal(ig_synth_stream_name(IG_SYN_EVENTS), "events");
}

static void gen_one(ig_synth_gen *g, uint32_t u, ig_synth_out *out)
{
	int s;

	memset(out, 0, sizeof *out);
	for (s = 0; s < IG_SYN_NSTREAMS; s++)
		out->want[s] = 1;
	ig_synth_gen_user(g, u, out);
}

static size_t count_lines(const ig_synth_buf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		n += b->p[i] == '\n';
	return n;
}

static void free_out(ig_synth_out *out)
{
	int s;

	for (s = 0; s < IG_SYN_NSTREAMS; s++)
		ig_synth_buf_free(&out->buf[s]);
}

static void test_user_determinism(void **state)
{
	ig_synth_world *w = small_world(10, 400, 5, 4);
	ig_synth_gen *g1 = ig_synth_gen_new(w), *g2 = ig_synth_gen_new(w);
	ig_synth_out a, b;
	uint32_t u;
	int s;

	(void)state;
	/* User 7 alone equals user 7 made after others with the same scratch. */
	for (u = 0; u < 7; u++) {
		gen_one(g1, u, &a);
		free_out(&a);
	}
	gen_one(g1, 7, &a);
	gen_one(g2, 7, &b);
	for (s = 0; s < IG_SYN_NSTREAMS; s++) {
		assert_int_equal(a.buf[s].len, b.buf[s].len);
		if (a.buf[s].len)
			assert_memory_equal(a.buf[s].p, b.buf[s].p, a.buf[s].len);
	}
	/* Counts agree with the text. */
	assert_int_equal(count_lines(&a.buf[IG_SYN_EVENTS]), a.stats.events);
	assert_int_equal(count_lines(&a.buf[IG_SYN_TRUTH_IMPRESSIONS]), a.stats.impressions);
	assert_int_equal(a.stats.by_type[IG_EV_IMPRESSION], a.stats.impressions);
	assert_int_equal(a.stats.by_type[IG_EV_VIEW] + a.stats.by_type[IG_EV_SKIP], a.stats.impressions);
	assert_int_equal(count_lines(&a.buf[IG_SYN_FOLLOWS]), a.stats.follows);
	assert_int_equal(count_lines(&a.buf[IG_SYN_TRUTH_USERS]), 1);
	assert_true(a.stats.impressions > 0);
	/* Events are in time order. */
	{
		const char *p = a.buf[IG_SYN_EVENTS].p, *end = p + a.buf[IG_SYN_EVENTS].len;
		long long prev = 0;
		while (p < end) {
			long long ts = strtoll(p, NULL, 10);
			assert_true(ts >= prev);
			assert_true(ts >= w->p.start);
			prev = ts;
			p = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
		}
	}
	free_out(&a);
	free_out(&b);
	/* Formatting only what is wanted draws the same numbers. */
	memset(&a, 0, sizeof a);
	a.want[IG_SYN_EVENTS] = 1;
	ig_synth_gen_user(g1, 3, &a);
	gen_one(g2, 3, &b);
	assert_int_equal(a.buf[IG_SYN_EVENTS].len, b.buf[IG_SYN_EVENTS].len);
	assert_memory_equal(a.buf[IG_SYN_EVENTS].p, b.buf[IG_SYN_EVENTS].p, a.buf[IG_SYN_EVENTS].len);
	assert_int_equal(a.buf[IG_SYN_TRUTH_IMPRESSIONS].len, 0);
	free_out(&a);
	free_out(&b);
	ig_synth_gen_free(g1);
	ig_synth_gen_free(g2);
	ig_synth_world_free(w);
}

/* What ig-synth writes reads back through the shared readers, which check
 * fields, ids, event types and the (user, ts) order. */
static void test_readback(void **state)
{
	ig_synth_world *w = small_world(40, 300, 4, 3);
	ig_synth_gen *g = ig_synth_gen_new(w);
	ig_synth_out out;
	ig_synth_buf items = {0};
	char evpath[] = "/tmp/test_synth_ev.XXXXXX", itpath[] = "/tmp/test_synth_it.XXXXXX";
	int fd1 = mkstemp(evpath), fd2 = mkstemp(itpath);
	ig_events_reader *er;
	ig_event ev;
	ig_writer *wr;
	ig_items *it;
	uint64_t n = 0, counts[IG_EV_COUNT] = {0};
	uint32_t u;
	int k;

	(void)state;
	assert_true(fd1 >= 0 && fd2 >= 0);
	close(fd1);
	close(fd2);
	memset(&out, 0, sizeof out);
	out.want[IG_SYN_EVENTS] = 1;
	for (u = 0; u < 40; u++)
		ig_synth_gen_user(g, u, &out);
	wr = ig_writer_open(evpath, IG_COMPRESS_GZIP, 1);
	ig_schema_write_header(wr, ig_synth_stream_kind(IG_SYN_EVENTS), NULL, 0, NULL);
	ig_writer_write(wr, out.buf[IG_SYN_EVENTS].p, out.buf[IG_SYN_EVENTS].len);
	ig_writer_close(wr);
	er = ig_events_open(evpath);
	while (ig_events_next(er, &ev)) {
		assert_true(ev.type >= 0 && ev.type < IG_EV_COUNT);
		assert_int_equal(ev.has_value, ev.type == IG_EV_VIEW);
		counts[ev.type]++;
		n++;
	}
	ig_events_close(er);
	assert_int_equal(n, out.stats.events);
	for (k = 0; k < IG_EV_COUNT; k++)
		assert_int_equal(counts[k], out.stats.by_type[k]);
	assert_true(counts[IG_EV_LIKE] > 0);

	wr = ig_writer_open(itpath, IG_COMPRESS_NO, 1);
	ig_schema_write_header(wr, ig_synth_stream_kind(IG_SYN_ITEMS), NULL, 0, NULL);
	ig_synth_world_rows(w, IG_SYN_ITEMS, 0, 300, &items);
	ig_writer_write(wr, items.p, items.len);
	ig_writer_close(wr);
	it = ig_items_load(itpath);
	assert_int_equal(it->count, 300);
	assert_true(ig_intern_count(it->authors) <= 30);
	assert_true(ig_intern_count(it->topics) <= 12);
	assert_int_equal(it->created[299], w->created[299]);
	assert_int_equal(it->media[17], w->item_media[17]);
	ig_items_free(it);
	unlink(evpath);
	unlink(itpath);
	ig_synth_buf_free(&items);
	free_out(&out);
	ig_synth_gen_free(g);
	ig_synth_world_free(w);
}

static void test_params(void **state)
{
	ig_synth_params p;

	(void)state;
	ig_synth_params_default(&p);
	assert_null(ig_synth_params_check(&p));
	assert_int_equal(p.authors, 1000);
	p.authors = 20000;
	assert_non_null(ig_synth_params_check(&p));
	ig_synth_params_default(&p);
	p.explore = 1.5;
	assert_non_null(ig_synth_params_check(&p));
	ig_synth_params_default(&p);
	p.items = 5;
	assert_null(ig_synth_params_check(&p));
	assert_int_equal(p.authors, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topic_tree),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_interest),
		cmocka_unit_test(test_model_values),
		cmocka_unit_test(test_affinity),
		cmocka_unit_test(test_fatigue),
		cmocka_unit_test(test_negative_heads),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_user_determinism),
		cmocka_unit_test(test_readback),
		cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
