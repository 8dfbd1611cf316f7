/* ig-synth respond against brute force: the expectation of one impression
 * summed over every focus leaf one by one (respond groups foci), the
 * oracle's order, the unseen oracle against the world's own events, and
 * sampled events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/ig_events.h"
#include "synth/ig_synth.h"
#include "synth/ig_synth_respond.h"
#include "synth/ig_synth_user_priv.h"

static ig_synth_world *small_world(uint32_t users, uint32_t items)
{
	ig_synth_params p;

	ig_synth_params_default(&p);
	p.users = users;
	p.items = items;
	p.roots = 4;
	p.subtopics = 3;
	p.days = 4;
	p.seed = 7;
	assert_null(ig_synth_params_check(&p));
	return ig_synth_world_build(&p);
}

/* P(view) of ITEM in the next session of the user in G at AT, over
 * every focus leaf in turn, as man/ig-synth.1 states the focus chain. */
static double brute_view(ig_synth_gen *g, const ig_synth_world *w, uint32_t item, int64_t at)
{
	uint32_t t, a = w->item_author[item];
	double total = 0, mult[2];
	int j;

	if (ig_synth_gen_hidden(g, a) || w->created[item] > at)
		return 0;
	for (j = 0; j < w->item_ntopics[item]; j++)
		mult[j] = ig_synth_gen_multiplier(g, w->item_topics[item][j], at);
	for (t = 0; t < w->nleaves; t++) {
		double pf = g->nsessions == 0 ? g->theta[t]
				: 0.4 * (0.85 * g->theta[t] + 0.15 / w->nleaves) + (t == g->focus ? 0.6 : 0);
		double x[IG_SYN_NX], phi_max;
		ig_synth_probs p;
		int fol = ig_synth_gen_follows(g, a);
		if (pf == 0)
			continue;
		phi_max = ig_synth_gen_session_interest(g, t);
		ig_synth_gen_features(g, item, g->phi_s, phi_max, mult, fol, x);
		ig_synth_probs_eval(x, fol, &p);
		total += pf * p.marginal[IG_SYN_H_VIEW];
	}
	return total;
}

static void test_focus_classes_exact(void **state)
{
	ig_synth_world *w = small_world(30, 300);
	ig_synth_resp *r = ig_synth_resp_new(w);
	ig_synth_gen *g = ig_synth_gen_new(w);
	ig_synth_out out;
	int64_t end = w->p.start + (int64_t)w->p.days * 86400;
	uint32_t u, k;
	int checked = 0;

	(void)state;
	memset(&out, 0, sizeof out);
	for (u = 0; u < 30; u++) {
		int64_t at = ig_synth_resp_user(r, u, end, NULL, 0);
		ig_synth_gen_user(g, u, &out);
		assert_true(at >= end && at >= g->t_free);
		for (k = 0; k < 12; k++) {
			uint32_t item = (u * 37 + k * 101) % w->p.items;
			ig_synth_expect e;
			double want = brute_view(g, w, item, at);
			ig_synth_resp_expect(r, &item, 1, &e);
			assert_true(fabs(e.ev[IG_EV_VIEW] - want) < 1e-12);
			assert_true(fabs(e.ev[IG_EV_VIEW] + e.ev[IG_EV_SKIP] - e.ev[IG_EV_IMPRESSION]) < 1e-12);
			checked += want > 0;
		}
	}
	assert_true(checked > 300);
	ig_synth_gen_free(g);
	ig_synth_resp_free(r);
	ig_synth_world_free(w);
}

/* The oracle's list is in order of single-impression value and beats
 * every other item on its first place. */
static void test_oracle_order(void **state)
{
	ig_synth_world *w = small_world(10, 200);
	ig_synth_resp *r = ig_synth_resp_new(w);
	double reward[IG_EV_COUNT] = {0};
	uint32_t oracle[5], u, i;
	int64_t end = w->p.start + (int64_t)w->p.days * 86400;

	(void)state;
	reward[IG_EV_LIKE] = reward[IG_EV_SHARE] = 1;
	reward[IG_EV_SEE_LESS] = -2;
	for (u = 0; u < 10; u++) {
		ig_synth_expect logging, e;
		double best = -1e9, v0;
		size_t m, k;

		ig_synth_resp_user(r, u, end, NULL, 0);
		m = ig_synth_resp_policies(r, reward, 5, 0, &logging, oracle, NULL, NULL);
		assert_int_equal(m, 5);
		assert_true(fabs(logging.ev[IG_EV_VIEW] + logging.ev[IG_EV_SKIP] - 1) < 1e-9);
		for (k = 0; k < m; k++)
			for (i = 0; i < k; i++)
				assert_int_not_equal(oracle[i], oracle[k]);
		ig_synth_resp_expect(r, &oracle[0], 1, &e);
		v0 = e.ev[IG_EV_LIKE] + e.ev[IG_EV_SHARE] - 2 * e.ev[IG_EV_SEE_LESS];
		for (i = 0; i < w->p.items; i++) {
			double v;
			ig_synth_resp_expect(r, &i, 1, &e);
			v = e.ev[IG_EV_LIKE] + e.ev[IG_EV_SHARE] - 2 * e.ev[IG_EV_SEE_LESS];
			if (e.ev[IG_EV_IMPRESSION] > 0 && v > best)
				best = v;
		}
		assert_true(fabs(v0 - best) < 1e-12);
	}
	ig_synth_resp_free(r);
	ig_synth_world_free(w);
}

/* The items user U of W has an event with in the history, from the
 * world's own events text: SEEN[i] = 1. */
static void history_items(const ig_synth_world *w, uint32_t u, uint8_t *seen)
{
	ig_synth_gen *g = ig_synth_gen_new(w);
	ig_synth_out out;
	const char *p;
	int s;

	memset(&out, 0, sizeof out);
	memset(seen, 0, w->p.items);
	out.want[IG_SYN_EVENTS] = 1;
	ig_synth_gen_user(g, u, &out);
	ig_synth_buf_putc(&out.buf[IG_SYN_EVENTS], '\0');
	for (p = out.buf[IG_SYN_EVENTS].p; *p; p = strchr(p, '\n') + 1) {
		const char *item = strchr(strchr(p, '\t') + 1, '\t') + 1;
		assert_int_equal(item[0], 'i');
		seen[strtoul(item + 1, NULL, 10) - 1] = 1;
	}
	for (s = 0; s < IG_SYN_NSTREAMS; s++)
		ig_synth_buf_free(&out.buf[s]);
	ig_synth_gen_free(g);
}

/* The unseen oracle is the oracle's order without the items the user has
 * an event with: those of the world's events for the user, and those of
 * earlier rounds' events of any type. An impression of the best unseen
 * item in an earlier round takes it out of the unseen oracle's list and
 * leaves the oracle's as it was. */
static void test_unseen_oracle(void **state)
{
	ig_synth_world *w = small_world(10, 200);
	ig_synth_resp *r = ig_synth_resp_new(w);
	double reward[IG_EV_COUNT] = {0};
	uint32_t all[200], unseen[200], top[5], top_unseen[5], u;
	uint8_t *seen = malloc(w->p.items);
	int64_t end = w->p.start + (int64_t)w->p.days * 86400;
	size_t seen_on_top = 0;

	(void)state;
	assert_non_null(seen);
	reward[IG_EV_LIKE] = reward[IG_EV_SHARE] = 1;
	for (u = 0; u < 10; u++) {
		ig_synth_expect logging;
		ig_synth_prior prior = {w->p.start + 10, 0, IG_EV_IMPRESSION};
		size_t m, m_unseen, k, j = 0;
		uint32_t best_unseen;

		history_items(w, u, seen);
		ig_synth_resp_user(r, u, end, NULL, 0);
		m = ig_synth_resp_policies(r, reward, 200, 0, &logging, all, unseen, &m_unseen);
		for (k = 0; k < m; k++) {
			if (seen[all[k]]) {
				seen_on_top += k < 5;
				continue;
			}
			assert_true(j < m_unseen);
			assert_int_equal(unseen[j], all[k]);
			j++;
		}
		assert_int_equal(j, m_unseen);
		assert_true(m_unseen >= 2);
		best_unseen = unseen[0];
		/* An earlier round's impression of it, before the session. */
		prior.item = best_unseen;
		ig_synth_resp_user(r, u, end, &prior, 1);
		m = ig_synth_resp_policies(r, reward, 5, 0, &logging, top, top_unseen, &m_unseen);
		assert_int_equal(m, 5);
		assert_int_equal(m_unseen, 5);
		assert_memory_equal(top, all, sizeof top);
		for (k = 0; k < 5; k++) {
			assert_int_not_equal(top_unseen[k], best_unseen);
			assert_int_equal(top_unseen[k], unseen[k + 1]);
		}
	}
	/* The two oracles differ: seen items are among the oracle's best. */
	assert_true(seen_on_top > 0);
	free(seen);
	ig_synth_resp_free(r);
	ig_synth_world_free(w);
}

/* Sampled events: an impression per shown item, in time order, from the
 * session's start; the same seed gives the same text. */
static void test_sample(void **state)
{
	ig_synth_world *w = small_world(5, 100);
	ig_synth_resp *r = ig_synth_resp_new(w);
	uint32_t items[6] = {3, 50, 51, 52, 99, 3};
	ig_synth_out a, b;
	int64_t end = w->p.start + (int64_t)w->p.days * 86400, at;
	const char *p;
	long last = 0;
	int n = 0;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.want[IG_SYN_EVENTS] = b.want[IG_SYN_EVENTS] = 1;
	at = ig_synth_resp_user(r, 2, end, NULL, 0);
	ig_synth_resp_sample(r, 11, items, 6, &a);
	ig_synth_resp_user(r, 2, end, NULL, 0);
	ig_synth_resp_sample(r, 11, items, 6, &b);
	assert_int_equal(a.buf[IG_SYN_EVENTS].len, b.buf[IG_SYN_EVENTS].len);
	assert_memory_equal(a.buf[IG_SYN_EVENTS].p, b.buf[IG_SYN_EVENTS].p, a.buf[IG_SYN_EVENTS].len);
	ig_synth_buf_putc(&a.buf[IG_SYN_EVENTS], '\0');
	for (p = a.buf[IG_SYN_EVENTS].p; *p; p = strchr(p, '\n') + 1) {
		long ts = strtol(p, NULL, 10);
		assert_true(ts >= at && ts >= last);
		last = ts;
		n += strstr(p, "\timpression\t") != NULL && strstr(p, "\timpression\t") < strchr(p, '\n');
	}
	assert_true(n >= 1 && n <= 6);
	ig_synth_buf_free(&a.buf[IG_SYN_EVENTS]);
	ig_synth_buf_free(&b.buf[IG_SYN_EVENTS]);
	ig_synth_resp_free(r);
	ig_synth_world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_focus_classes_exact),
		cmocka_unit_test(test_oracle_order),
		cmocka_unit_test(test_unseen_oracle),
		cmocka_unit_test(test_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
