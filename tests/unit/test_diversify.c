/* ig-diversify's reranker on a hand-made catalog: the identity when every
 * rule is off, author spacing and decay, media runs, MMR and DPP, topic
 * caps, the short-term queue, negative feedback, and propensities that
 * match the frequencies of the placements they log. */
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

#include "diversify/ig_diversify.h"
#include "io/ig_events.h"

/* Authors: i1, i2, i3 by a1; i4 by a2; i5 by a3; i6 by a4; i7 by a5.
 * Topics: i1..i4 t1.1 (under t1); i5 t1.2 (sibling); i6 t2.1; i7 t3.1. */
static const char items_text[] =
	"#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
	"i1\ta1\tphoto\t100\tt1.1\n"
	"i2\ta1\tphoto\t100\tt1.1\n"
	"i3\ta1\tphoto\t100\tt1.1\n"
	"i4\ta2\tphoto\t100\tt1.1\n"
	"i5\ta3\tvideo\t100\tt1.2\n"
	"i6\ta4\treel\t100\tt2.1\n"
	"i7\ta5\tphoto\t100\tt3.1\n";
static const char topics_text[] =
	"#ig:topics/1\ttopic\tparent\n"
	"t1\t\n"
	"t1.1\tt1\n"
	"t1.2\tt1\n"
	"t2\t\n"
	"t2.1\tt2\n"
	"t3\t\n"
	"t3.1\tt3\n";

typedef struct fixture {
	ig_items *items;
	ig_div_ctx *ctx;
	ig_div_scratch *s;
	ig_div_input in[8];
	size_t n;
} fixture;

/* Every rule off: the feed is the ranked list. MMR takes the largest
 * similarity, as the cases below were worked out with. */
static void opts_plain(ig_div_opts *o)
{
	ig_div_opts_default(o);
	o->lambda = 1;
	o->sim_sum = 0;
	o->author_window = 0;
	o->author_decay = 1;
	o->media_run = 0;
	o->short_share = 0;
	o->epsilon = 0;
	o->fatigue_after = 0;
	o->see_less_factor = 1;
	o->fresh_window = 0;
	o->band = 0;
	o->keep_top = 0;
}

static void setup(fixture *f, const ig_div_opts *o)
{
	char *ip = write_temp(items_text), *tp = write_temp(topics_text);
	size_t i;

	f->items = ig_items_load(ip);
	f->ctx = ig_div_ctx_new(f->items, tp, NULL, o);
	f->s = ig_div_scratch_new();
	unlink(ip);
	unlink(tp);
	free(ip);
	free(tp);
	/* ranked i1 .. i7, scores 7 .. 1 */
	for (i = 0; i < 7; i++) {
		char name[8];
		snprintf(name, sizeof name, "i%zu", i + 1);
		f->in[i].item = ig_intern_find(f->items->ids, name, strlen(name));
		f->in[i].score = 7.0 - (double)i;
		f->in[i].vec_only = 0;
	}
	f->n = 7;
}

static void teardown(fixture *f)
{
	ig_div_scratch_free(f->s);
	ig_div_ctx_free(f->ctx);
	ig_items_free(f->items);
}

/* The feed as item numbers (1-based names), e.g. "1 4 2". */
static size_t feed(fixture *f, const ig_div_fact *facts, size_t nf, uint64_t seed, ig_div_row *rows,
		   char *out)
{
	ig_div_counts counts;
	ig_rng rng;
	size_t k, n;

	memset(&counts, 0, sizeof counts);
	ig_div_user_rng(&rng, seed, "u1", 2);
	n = ig_div_select(f->ctx, f->in, f->n, facts, nf, 200, &rng, f->s, rows, &counts);
	out[0] = '\0';
	for (k = 0; k < n; k++)
		sprintf(out + strlen(out), "%s%u", k ? " " : "", rows[k].input + 1);
	return n;
}

static void test_identity(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];
	size_t k;

	(void)state;
	opts_plain(&o);
	setup(&f, &o);
	assert_int_equal(feed(&f, NULL, 0, 1, rows, out), 7);
	assert_string_equal(out, "1 2 3 4 5 6 7");
	for (k = 0; k < 7; k++) {
		assert_int_equal(rows[k].rules, 0);
		assert_true(rows[k].propensity == 1);
	}
	teardown(&f);
	/* a feed shorter than the list, and a list shorter than the feed */
	o.length = 3;
	setup(&f, &o);
	assert_int_equal(feed(&f, NULL, 0, 1, rows, out), 3);
	assert_string_equal(out, "1 2 3");
	teardown(&f);
}

static void test_author_spacing(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];

	(void)state;
	opts_plain(&o);
	o.author_window = 4;
	setup(&f, &o);
	/* a1 (i1, i2, i3) at most once in any 4 consecutive rows; i7 is the
	 * last other author, after which only a1's are left: relaxed */
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 4 5 6 2 7 3");
	assert_true(rows[1].rules & IG_RULE_AUTHOR_SPACING);
	assert_true(rows[6].rules & IG_RULE_RELAXED);
	teardown(&f);
}

static void test_author_decay(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];

	(void)state;
	ig_div_opts_default(&o);
	assert_true(fabs(ig_div_author_discount(&o, 3) - 1) < 1e-12); /* off by default */
	o.author_decay = 0.5;
	assert_true(fabs(ig_div_author_discount(&o, 0) - 1) < 1e-12);
	assert_true(fabs(ig_div_author_discount(&o, 1) - 0.625) < 1e-12);
	assert_true(fabs(ig_div_author_discount(&o, 2) - 0.4375) < 1e-12);
	assert_true(fabs(ig_div_author_discount(&o, 60) - 0.25) < 1e-12);
	opts_plain(&o);
	o.author_decay = 0.5;
	o.author_floor = 0.25;
	setup(&f, &o);
	/* relevance 1, 5/6, 4/6 ... : i2 after i1 weighs 5/6 * 0.625 < i4's 3/6?
	 * 0.52 > 0.5, so i2 stays; i3 (4/6 * 0.4375 = 0.29) falls below i5 (2/6) */
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 2 4 5 3 6 7");
	assert_true(rows[3].rules & IG_RULE_AUTHOR_DECAY);
	teardown(&f);
}

static void test_media_run(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];

	(void)state;
	opts_plain(&o);
	o.media_run = 2;
	setup(&f, &o);
	/* photos i1 i2 i3 i4: at most two in a row */
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 2 5 3 4 6 7");
	assert_true(rows[2].rules & IG_RULE_MEDIA_RUN);
	teardown(&f);
}

static void test_mmr_dpp_topic_cap(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];

	(void)state;
	opts_plain(&o);
	o.lambda = 0.5;
	setup(&f, &o);
	/* after i1 (t1.1), i2..i4 cost 0.5 of similarity: i5 (t1.2) wins */
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 5 6 7 2 3 4");
	assert_true(rows[1].rules & IG_RULE_DIVERSITY);
	teardown(&f);
	/* DPP, lambda 0.2: i2's gain 0.25 * 5/6 + log(1 - 0.5^2) = -0.08,
	 * i5's 0.25 * 2/6 + log 1 = 0.08 */
	o.method = IG_DIV_DPP;
	o.lambda = 0.2;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	assert_int_equal(out[0], '1');
	assert_int_equal(out[2], '5'); /* a different topic next */
	teardown(&f);
	opts_plain(&o);
	o.topic_cap = 2;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	/* t1.1 twice, then the rest, then relaxed */
	assert_string_equal(out, "1 2 5 6 7 3 4");
	assert_true(rows[2].rules & IG_RULE_TOPIC_CAP);
	teardown(&f);
}

static void test_feedback(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];
	ig_div_fact *facts;
	int64_t now;
	size_t nf;
	/* hid i4 (a2); see_less on i5's topic one half-life ago; i6 impressed
	 * three times; liked i7 in the last session */
	ig_div_event ev[] = {
		{1000, 3, IG_EV_HIDE},
		{1000 + 0, 4, IG_EV_IMPRESSION},
		{1000 + 1, 5, IG_EV_IMPRESSION},
		{1000 + 2, 5, IG_EV_IMPRESSION},
		{1000 + 3, 5, IG_EV_IMPRESSION},
		{1000 + 4, 4, IG_EV_SEE_LESS},
		{100000, 6, IG_EV_LIKE},
	};

	(void)state;
	opts_plain(&o);
	o.see_less_half_life = 100000 - 1004;
	o.fatigue_after = 3;
	o.see_less_factor = 0.5;
	o.short_share = 0.5;
	setup(&f, &o);
	nf = ig_div_user_facts(f.ctx, ev, sizeof ev / sizeof ev[0], &facts, &now);
	assert_int_equal(now, 100000);
	/* see_less one half-life old weighs 0.5; fatigue and the short topic */
	{
		size_t i;
		int saw_less = 0, saw_seen = 0, saw_short = 0, saw_ban = 0;
		for (i = 0; i < nf; i++) {
			if (facts[i].kind == IG_FACT_SEE_LESS_AUTHOR) {
				assert_true(fabs((double)facts[i].value - 0.5) < 1e-6);
				saw_less = 1;
			}
			if (facts[i].kind == IG_FACT_SEEN && facts[i].key == 5) {
				assert_true(fabs((double)facts[i].value - 3) < 1e-6);
				saw_seen = 1;
			}
			saw_short |= facts[i].kind == IG_FACT_SHORT_TOPIC;
			saw_ban |= facts[i].kind == IG_FACT_BAN_AUTHOR;
		}
		assert_true(saw_less && saw_seen && saw_short && saw_ban);
	}
	feed(&f, facts, nf, 1, rows, out);
	/* i4 gone; slot 2 is short-term: i7; i6 (fatigued) and i5 (see_less)
	 * fall behind */
	assert_string_equal(out, "1 7 2 3 5 6");
	assert_true(rows[1].rules & IG_RULE_SHORT_TERM);
	free(facts);
	teardown(&f);
}

/* Impressions of an item later liked do not fatigue it; the profile keeps
 * the heaviest topics only. */
static void test_facts(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_fact *facts;
	int64_t now;
	size_t nf, i;
	ig_div_event ev[] = {
		{10, 0, IG_EV_IMPRESSION}, {11, 0, IG_EV_IMPRESSION}, {12, 0, IG_EV_IMPRESSION},
		{13, 0, IG_EV_LIKE},       /* i1, t1.1: weight 2 */
		{14, 1, IG_EV_SHARE},      /* i2, t1.1: weight 3 */
		{15, 5, IG_EV_SAVE},       /* i6, t2.1: weight 3 */
		{16, 6, IG_EV_IMPRESSION}, /* i7: seen, never engaged */
	};
	uint32_t t11, seen = 0, interests = 0;

	(void)state;
	opts_plain(&o);
	o.interests = 1;
	setup(&f, &o);
	t11 = ig_intern_find(f.items->topics, "t1.1", 4);
	nf = ig_div_user_facts(f.ctx, ev, sizeof ev / sizeof ev[0], &facts, &now);
	for (i = 0; i < nf; i++) {
		if (i > 0)
			assert_true(facts[i - 1].kind < facts[i].kind ||
				    (facts[i - 1].kind == facts[i].kind && facts[i - 1].key < facts[i].key));
		if (facts[i].kind == IG_FACT_SEEN) {
			assert_int_equal(facts[i].key, 6);
			seen++;
		}
		if (facts[i].kind == IG_FACT_INTEREST) {
			assert_int_equal(facts[i].key, t11);
			assert_true(fabs((double)facts[i].value - 5) < 1e-6);
			interests++;
		}
	}
	assert_int_equal(seen, 1);
	assert_int_equal(interests, 1);
	free(facts);
	teardown(&f);
}

/* Rank 1 over many seeds with EPSILON and one interest topic: each
 * item's frequency, and the propensity logged for it. */
static void rank1(fixture *f, const char *interest, double freq[8], double logged[8], int runs)
{
	ig_div_fact fact = {IG_FACT_INTEREST, 0, 1};
	ig_div_row rows[32];
	int r;

	fact.key = ig_intern_find(f->items->topics, interest, strlen(interest));
	for (r = 0; r < runs; r++) {
		ig_div_counts counts;
		ig_rng rng;
		memset(&counts, 0, sizeof counts);
		ig_rng_seed_stream(&rng, (uint64_t)r, 11);
		ig_div_select(f->ctx, f->in, f->n, &fact, 1, 200, &rng, f->s, rows, &counts);
		freq[rows[0].input] += 1.0 / runs;
		if (logged[rows[0].input] != 0)
			assert_true(logged[rows[0].input] == rows[0].propensity);
		logged[rows[0].input] = rows[0].propensity;
	}
}

/* Without events the interests are the first ten candidates' topics: all
 * of them here, so nothing is explorable and rank 1 is i1 for sure. With
 * the interest t1.1, i5 (t1.2, a sibling) is the only explorable item:
 * rank 1 is i1 with 1 - epsilon, i5 with epsilon. */
static void test_propensity(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];
	double freq[8] = {0}, logged[8] = {0};
	const int runs = 20000;
	int r, i;

	(void)state;
	opts_plain(&o);
	o.epsilon = 0.3;
	setup(&f, &o);
	for (r = 0; r < 200; r++) {
		feed(&f, NULL, 0, (uint64_t)r + 1, rows, out);
		assert_int_equal(rows[0].input, 0);
		assert_true(rows[0].propensity == 1);
	}
	rank1(&f, "t1.1", freq, logged, runs);
	assert_true(fabs(logged[0] - 0.7) < 1e-12);
	assert_true(fabs(logged[4] - 0.3) < 1e-12);
	assert_true(fabs(freq[0] - 0.7) < 4 * sqrt(0.21 / runs));
	assert_true(fabs(freq[4] - 0.3) < 4 * sqrt(0.21 / runs));
	for (i = 0; i < 7; i++)
		if (i != 0 && i != 4)
			assert_true(freq[i] == 0);
	teardown(&f);
}

/* Two explorable items and a greedy pick among them: the propensity sums
 * both ways to the placement. */
static void test_propensity_mixed(void **state)
{
	fixture f;
	ig_div_opts o;
	double freq[8] = {0}, logged[8] = {0};
	const int runs = 40000;
	int i;

	(void)state;
	opts_plain(&o);
	o.epsilon = 0.4;
	setup(&f, &o);
	/* interest t1.2: i1..i4 (t1.1, a sibling) are explorable, and i1 is
	 * also the greedy pick: 0.6 + 0.4 / 4 */
	rank1(&f, "t1.2", freq, logged, runs);
	assert_true(fabs(logged[0] - 0.7) < 1e-12);
	for (i = 1; i < 4; i++)
		assert_true(fabs(logged[i] - 0.1) < 1e-12);
	for (i = 0; i < 4; i++)
		assert_true(fabs(freq[i] - logged[i]) < 4 * sqrt(logged[i] * (1 - logged[i]) / runs));
	assert_true(freq[4] == 0 && freq[5] == 0 && freq[6] == 0);
	teardown(&f);
}

/* A share of photos: at most floor(0.5 j) + 1 of any first j rows; i7,
 * the last candidate and a photo, takes the last slot by relaxation. */
static void test_media_mix(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];

	(void)state;
	opts_plain(&o);
	o.media_share[IG_MEDIA_PHOTO] = 0.5;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 2 5 3 6 4 7");
	assert_true(rows[2].rules & IG_RULE_MEDIA_MIX);
	assert_true(rows[4].rules & IG_RULE_MEDIA_MIX);
	assert_true(rows[6].rules & IG_RULE_RELAXED);
	assert_false(rows[1].rules & IG_RULE_MEDIA_MIX);
	teardown(&f);
}

/* Photos only (i1, i2, i7) with runs of one and one row per topic: at
 * slot 2 every candidate breaks the media run; waiving it alone keeps the
 * topic cap, so i7 (t3.1) comes before i2 (t1.1, capped). */
static void test_relax_order(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];

	(void)state;
	opts_plain(&o);
	o.media_run = 1;
	o.topic_cap = 1;
	setup(&f, &o);
	f.in[2] = f.in[6];
	f.n = 3;
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 3 2");
	assert_true(rows[1].rules & IG_RULE_RELAXED);
	teardown(&f);
}

/* MMR at lambda 0.5 pulls i5, i6, i7 up (test_mmr_dpp_topic_cap); a band
 * of 12% lets no candidate pass one more than 12% more relevant (scores 7
 * .. 1 are 1, 0.83 ... 0 scaled), and the first rows kept by relevance are
 * never moved nor explored. */
static void test_band_keep_top(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];
	int r;

	(void)state;
	opts_plain(&o);
	o.lambda = 0.5;
	o.band = 0.12;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 2 3 4 5 6 7");
	teardown(&f);
	o.band = 0;
	o.keep_top = 2;
	o.epsilon = 1;
	o.fresh_window = 1000;
	setup(&f, &o);
	for (r = 0; r < 50; r++) {
		feed(&f, NULL, 0, (uint64_t)r + 1, rows, out);
		assert_int_equal(rows[0].input, 0);
		assert_int_equal(rows[1].input, 1);
		assert_true(rows[0].propensity == 1 && rows[1].propensity == 1);
		assert_true(rows[0].explore == IG_INTERN_NONE && rows[1].explore == IG_INTERN_NONE);
	}
	teardown(&f);
}

/* Summed similarity (MMR at lambda 0.8, relevance 1, 0.83 ... 0): after
 * i1 and i2 (t1.1), i3 pays 0.2 of its most similar placed item but 0.4
 * of its summed similarity, so i5 (t1.2) passes it. A sibling topic
 * (t1.2 under t1, as t1.1) of similarity 0.5 is a Jaccard 1/3 away from
 * t1.1: at lambda 0.55, i5's value after i1 falls from 0.18 to 0.03,
 * below i6's 0.09 (t2.1, unrelated). */
static void test_sum_sibling(void **state)
{
	fixture f;
	ig_div_opts o;
	ig_div_row rows[32];
	char out[128];

	(void)state;
	opts_plain(&o);
	o.lambda = 0.8;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 2 3 5 4 6 7");
	teardown(&f);
	o.sim_sum = 1;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	assert_true(strncmp(out, "1 2 5 ", 6) == 0);
	assert_true(rows[2].rules & IG_RULE_DIVERSITY);
	teardown(&f);
	opts_plain(&o);
	o.lambda = 0.55;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 5 6 2 7 3 4");
	teardown(&f);
	o.sibling_sim = 0.5;
	setup(&f, &o);
	feed(&f, NULL, 0, 1, rows, out);
	assert_string_equal(out, "1 6 5 2 7 3 4");
	teardown(&f);
}

/* Interest t1: its children t1.1 (i1..i4) and t1.2 (i5) are two explored
 * arms; the user engaged with t1.2 once and passed t1.1 twice, so
 * Beta(2, 1) against Beta(1, 3). Rank 1 is the greedy i1 or an arm's
 * first item; the logged propensities (Thompson: Monte Carlo) match the
 * frequencies, and UCB explores t1.2 only. */
static void bandit_rank1(fixture *f, double freq[8], double logged[8], int runs)
{
	ig_div_fact facts[3] = {
		{IG_FACT_LIKED_TOPIC, 0, 1}, {IG_FACT_INTEREST, 0, 1}, {IG_FACT_SEEN_TOPIC, 0, 2}};
	ig_div_row rows[32];
	int r;

	facts[0].key = ig_intern_find(f->items->topics, "t1.2", 4);
	facts[1].key = ig_intern_find(f->items->topics, "t1", 2);
	facts[2].key = ig_intern_find(f->items->topics, "t1.1", 4);
	for (r = 0; r < 8; r++)
		freq[r] = logged[r] = 0;
	for (r = 0; r < runs; r++) {
		ig_div_counts counts;
		ig_rng rng;
		memset(&counts, 0, sizeof counts);
		ig_rng_seed_stream(&rng, (uint64_t)r, 11);
		ig_div_select(f->ctx, f->in, f->n, facts, 3, 200, &rng, f->s, rows, &counts);
		assert_true(rows[0].propensity > 0 && rows[0].propensity <= 1);
		freq[rows[0].input] += 1.0 / runs;
		logged[rows[0].input] += rows[0].propensity / runs;
	}
	/* mean logged propensity of an item among the rows that placed it */
	for (r = 0; r < 8; r++)
		if (freq[r] > 0)
			logged[r] /= freq[r];
}

static void test_propensity_bandits(void **state)
{
	fixture f;
	ig_div_opts o;
	double freq[8], logged[8];
	const int runs = 4000;
	int i;

	(void)state;
	opts_plain(&o);
	o.epsilon = 0.4;
	o.explore = IG_EXPLORE_THOMPSON;
	o.explore_draws = 400;
	setup(&f, &o);
	bandit_rank1(&f, freq, logged, runs);
	/* only the arms' first items, i1 and i5, are ever placed */
	for (i = 0; i < 7; i++)
		if (i != 0 && i != 4)
			assert_true(freq[i] == 0);
	/* P(t1.2 wins) = P(Beta(2,1) > Beta(1,3)) = 1 - 2 B(2,4) = 0.9 */
	assert_true(fabs(freq[4] - 0.36) < 4 * sqrt(0.36 * 0.64 / runs));
	assert_true(fabs(logged[4] - 0.36) < 0.01);
	for (i = 0; i < 7; i += 4)
		assert_true(fabs(freq[i] - logged[i]) < 4 * sqrt(0.25 / runs) + 0.01);
	teardown(&f);

	o.explore = IG_EXPLORE_UCB;
	setup(&f, &o);
	bandit_rank1(&f, freq, logged, runs);
	assert_true(fabs(logged[0] - 0.6) < 1e-12 && fabs(logged[4] - 0.4) < 1e-12);
	assert_true(fabs(freq[4] - 0.4) < 4 * sqrt(0.24 / runs));
	assert_true(freq[0] + freq[4] > 1 - 1e-9);
	teardown(&f);
}

/* The same seed and user give the same feed; the stream of a user does not
 * depend on other users. */
static void test_deterministic(void **state)
{
	ig_rng a, b, c;

	(void)state;
	ig_div_user_rng(&a, 5, "u1", 2);
	ig_div_user_rng(&b, 5, "u1", 2);
	ig_div_user_rng(&c, 5, "u2", 2);
	assert_true(ig_rng_u64(&a) == ig_rng_u64(&b));
	assert_true(ig_rng_u64(&a) != ig_rng_u64(&c));
}

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

/* The whole stream with BATCH users at a time and THREADS workers. */
static char *run_stream(const ig_div_ctx *ctx, const char *ranked, size_t batch, int threads)
{
	char *out = write_temp(""), *text;
	ig_div_job job;
	ig_writer *w;

	memset(&job, 0, sizeof job);
	job.ranked_path = ranked;
	job.threads = threads;
	job.batch_users = batch;
	w = ig_writer_open(out, IG_COMPRESS_NO, 6);
	ig_div_run(&job, ctx, w);
	ig_writer_close(w);
	assert_int_equal(job.counts.users, 4);
	text = read_all(out);
	unlink(out);
	free(out);
	return text;
}

/* Batches of one or two users and several threads write what one batch
 * and one thread write. */
static void test_batches_threads(void **state)
{
	fixture f;
	ig_div_opts o;
	char *ranked, *one, *other;
	size_t b;
	int t;

	(void)state;
	ig_div_opts_default(&o);
	o.epsilon = 0.5;
	setup(&f, &o);
	ranked = write_temp("#ig:ranked/1\tuser\titem\tscore\n"
			    "u1\ti1\t5\nu1\ti2\t4\nu1\ti5\t3\nu1\ti6\t2\n"
			    "u2\ti3\t9\nu2\ti7\t1\n"
			    "u3\ti4\t1\n"
			    "u4\ti1\t3\nu4\ti2\t3\nu4\ti3\t3\nu4\ti4\t3\nu4\ti5\t3\n");
	one = run_stream(f.ctx, ranked, 0, 1);
	assert_non_null(strstr(one, "u4\t5\t"));
	for (b = 1; b <= 3; b++) {
		for (t = 1; t <= 3; t++) {
			other = run_stream(f.ctx, ranked, b, t);
			assert_string_equal(one, other);
			free(other);
		}
	}
	free(one);
	unlink(ranked);
	free(ranked);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_author_spacing),
		cmocka_unit_test(test_author_decay),
		cmocka_unit_test(test_media_run),
		cmocka_unit_test(test_mmr_dpp_topic_cap),
		cmocka_unit_test(test_feedback),
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_propensity),
		cmocka_unit_test(test_propensity_mixed),
		cmocka_unit_test(test_media_mix),
		cmocka_unit_test(test_relax_order),
		cmocka_unit_test(test_band_keep_top),
		cmocka_unit_test(test_sum_sibling),
		cmocka_unit_test(test_propensity_bandits),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_batches_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
