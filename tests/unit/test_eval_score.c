/* ig_eval_score end to end on the fixture of testdata/eval/README, written
 * to a temporary directory: the catalog-level rows (coverage, Gini,
 * source shares), novelty, the user counts and the per-user means, all
 * worked out by hand there. */
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

#include "eval/ig_eval_report.h"
#include "eval/ig_eval_score.h"

static char dir[64];
static char p_train[96], p_test[96], p_cand[96], p_items[96];

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/igevaltest.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(p_train, sizeof p_train, "%s/train.tsv", dir);
	snprintf(p_test, sizeof p_test, "%s/test.tsv", dir);
	snprintf(p_cand, sizeof p_cand, "%s/cand.tsv", dir);
	snprintf(p_items, sizeof p_items, "%s/items.tsv", dir);
	put(p_train, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
		     "10\tu1\ti1\tlike\t\n11\tu1\ti2\tview\t\n10\tu2\ti1\tlike\t\n"
		     "12\tu2\ti3\tlike\t\n10\tu3\ti2\tlike\t\n");
	put(p_test, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
		    "20\tu1\ti3\tlike\t4\n21\tu1\ti4\tshare\t5\n22\tu1\ti2\tlike\t4\n"
		    "20\tu2\ti4\tcomment\t\n20\tu3\ti5\tview\t\n20\tu4\ti1\tlike\t\n");
	put(p_cand, "#ig:candidates/1\tuser\titem\tsources\tscore\n"
		    "u1\ti2\temb\t0.9\nu1\ti3\temb,pop\t0.8\nu1\ti3\tpop\t0.7\nu1\ti5\tpop\t0.8\n"
		    "u1\ti4\temb\t0.1\nu2\ti4\tpop\t1\nu3\ti1\tpop\t1\nu5\ti1\tpop\t1\n");
	put(p_items, "#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
		     "i1\ta1\tphoto\t0\tt1,t2\ni2\ta1\tphoto\t0\tt2\ni3\ta2\tvideo\t0\tt3,t2\n"
		     "i4\ta2\treel\t0\tt1\ni5\ta3\tphoto\t0\t\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(p_train);
	unlink(p_test);
	unlink(p_cand);
	unlink(p_items);
	rmdir(dir);
	return 0;
}

/* The value of METRIC at K (0: none) in T; fails when absent. */
static const ig_eval_row *row_of(const ig_eval_table *t, const char *metric, int k)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].metric, metric) == 0 && t->rows[i].k == k)
			return &t->rows[i];
	fail_msg("no row %s@%d", metric, k);
	return NULL;
}

static void assert_row(const ig_eval_table *t, const char *metric, int k, double want, uint64_t users)
{
	const ig_eval_row *r = row_of(t, metric, k);

	if (fabs(r->value - want) > 1e-6)
		fail_msg("%s@%d: got %.9f, want %.9f", metric, k, r->value, want);
	assert_int_equal(r->users, users);
}

static void run(ig_eval_table *t, ig_eval_score_stats *st, const char *items)
{
	ig_eval_score_opts o;

	ig_eval_score_opts_default(&o);
	o.k[0] = 1;
	o.k[1] = 3;
	o.nk = 2;
	o.bootstrap = 0;
	o.recs = p_cand;
	o.test = p_test;
	o.train = p_train;
	o.items = items;
	memset(t, 0, sizeof *t);
	ig_eval_score(&o, t, st);
}

static void test_train_catalog(void **state)
{
	ig_eval_table t;
	ig_eval_score_stats st;

	(void)state;
	run(&t, &st, NULL);
	assert_int_equal(st.users_evaluated, 3);
	assert_int_equal(st.users_skipped, 2);
	assert_int_equal(st.users_no_list, 1);
	assert_row(&t, "recall", 3, 0.5, 3);
	assert_row(&t, "precision", 3, 2.0 / 9, 3);
	assert_row(&t, "ndcg", 3, 0.462284, 3);
	assert_row(&t, "ndcg_graded", 3, 0.432027, 3);
	assert_row(&t, "map", 3, 1.25 / 3, 3);
	assert_row(&t, "mrr", 3, 0.5, 3);
	assert_row(&t, "hitrate", 1, 1.0 / 3, 3);
	assert_row(&t, "novelty", 1, log2(3), 2);
	assert_row(&t, "novelty", 3, log2(3), 2);
	/* Catalog: the train items i1 i2 i3. */
	assert_row(&t, "coverage", 1, 1.0 / 3, 3);
	assert_row(&t, "coverage", 3, 2.0 / 3, 3);
	assert_row(&t, "gini_items", 1, 2.0 / 3, 3);
	assert_row(&t, "gini_items", 3, 1.0 / 3, 3);
	assert_row(&t, "source_share:emb", 1, 0, 3);
	assert_row(&t, "source_share:emb", 3, 0.5, 3);
	assert_row(&t, "source_share:pop", 3, 1, 3);
	assert_true(isnan(row_of(&t, "recall", 3)->ci_low));
	ig_eval_table_free(&t);
}

static void test_items_catalog(void **state)
{
	ig_eval_table t;
	ig_eval_score_stats st;

	(void)state;
	run(&t, &st, p_items);
	assert_row(&t, "coverage", 1, 0.4, 3);
	assert_row(&t, "coverage", 3, 0.8, 3);
	assert_row(&t, "gini_items", 1, 0.6, 3);
	assert_row(&t, "gini_items", 3, 0.2, 3);
	assert_row(&t, "gini_authors", 1, 1.0 / 3, 3);
	assert_row(&t, "gini_authors", 3, 1.0 / 6, 3);
	assert_row(&t, "diversity_topic", 3, 2.5 / 3, 1);
	/* Defined for no user: no value. */
	assert_true(isnan(row_of(&t, "diversity_topic", 1)->value));
	assert_int_equal(row_of(&t, "diversity_topic", 1)->users, 0);
	ig_eval_table_free(&t);
}

/* The same lists given in memory score as the stream does. */
static void test_in_memory(void **state)
{
	static const struct {
		const char *user, *item;
		unsigned sources;
	} lists[] = {
		{"u1", "i2", 1}, {"u1", "i3", 3}, {"u1", "i5", 2}, {"u1", "i3", 2}, {"u1", "i4", 1},
		{"u2", "i4", 2}, {"u3", "i1", 2}, {"u5", "i1", 2},
	};
	ig_eval_table want, got;
	ig_eval_score_stats wst, gst;
	ig_eval_score_opts o;
	ig_eval_scorer *e;
	ig_intern *sources = ig_intern_new();
	ig_eval_rec recs[8];
	size_t i, n = 0;

	(void)state;
	run(&want, &wst, p_items);
	ig_eval_score_opts_default(&o);
	o.k[0] = 1;
	o.k[1] = 3;
	o.nk = 2;
	o.bootstrap = 0;
	o.test = p_test;
	o.train = p_train;
	o.items = p_items;
	memset(&got, 0, sizeof got);
	ig_intern_add(sources, "emb", 3);
	ig_intern_add(sources, "pop", 3);
	e = ig_eval_scorer_new(&o);
	ig_eval_scorer_sources(e, sources);
	for (i = 0; i < 8; i++) {
		memset(&recs[n], 0, sizeof recs[n]);
		recs[n].item = ig_intern_add(ig_eval_scorer_items(e), lists[i].item, 2);
		recs[n].sources = lists[i].sources;
		n++;
		if (i + 1 == 8 || strcmp(lists[i + 1].user, lists[i].user) != 0) {
			ig_eval_scorer_user(e, lists[i].user, 2, recs, n);
			n = 0;
		}
	}
	ig_eval_scorer_finish(e, &got, &gst);
	ig_eval_scorer_free(e);
	assert_int_equal(gst.users_evaluated, wst.users_evaluated);
	assert_int_equal(gst.users_skipped, wst.users_skipped);
	assert_int_equal(gst.users_no_list, wst.users_no_list);
	assert_int_equal(got.n, want.n);
	for (i = 0; i < want.n; i++) {
		assert_string_equal(got.rows[i].metric, want.rows[i].metric);
		assert_int_equal(got.rows[i].k, want.rows[i].k);
		assert_int_equal(got.rows[i].users, want.rows[i].users);
		if (!(isnan(want.rows[i].value) && isnan(got.rows[i].value)))
			assert_true(got.rows[i].value == want.rows[i].value);
	}
	assert_row(&got, "recall", 3, 0.5, 3);
	ig_eval_table_free(&want);
	ig_eval_table_free(&got);
	ig_intern_free(sources);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_train_catalog),
		cmocka_unit_test(test_items_catalog),
		cmocka_unit_test(test_in_memory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
