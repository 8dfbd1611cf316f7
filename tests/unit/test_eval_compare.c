/* ig-eval compare's inputs: the sniffing of user-metrics streams, and
 * recommendation streams scored in memory, which compare to the bit as
 * the files written by metrics --by-user do. The numbers are worked out
 * by hand in the comments. */
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

#include "eval/ig_eval_compare.h"
#include "eval/ig_eval_score.h"
#include "io/ig_writer.h"

static char dir[64];

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void put(const char *name, const char *text, int gzip)
{
	char path[128];
	ig_writer *w;

	path_of(path, sizeof path, name);
	w = ig_writer_open(path, gzip ? IG_COMPRESS_GZIP : IG_COMPRESS_NO, 6);
	ig_writer_puts(w, text);
	ig_writer_close(w);
}

static int sniff(const char *name)
{
	char path[128];

	path_of(path, sizeof path, name);
	return ig_eval_cmp_is_user_metrics(path);
}

/* The whole of a small file, NUL-terminated. */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	static char buf[8192];
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/igevalcmp.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	/* u1 likes i1 and i2; u2 shares i3. */
	put("test.tsv", "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			"10\tu1\ti1\tlike\t\n"
			"11\tu1\ti2\tlike\t\n"
			"12\tu2\ti3\tshare\t\n", 0);
	/* A hits u1 at rank 1, B at rank 2; both hit u2 at rank 1. */
	put("a.txt", "u1\ti1\nu1\ti9\nu2\ti3\n", 0);
	put("b.txt", "u1\ti9\nu1\ti1\nu2\ti3\n", 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_sniff(void **state)
{
	(void)state;
	put("um.tsv", "#ig:user-metrics/1\tuser\trelevant\tlisted\trecall@1\n##pg\tx\n", 0);
	put("um.tsv.gz", "#ig:user-metrics/1\tuser\trelevant\tlisted\trecall@1\n", 1);
	put("cand.tsv", "#ig:candidates/1\tuser\titem\tsources\tscore\n", 0);
	put("metrics.tsv", "#ig:metrics/1\tmetric\tk\tvalue\tci_low\tci_high\tusers\n", 0);
	put("empty.tsv", "", 0);
	put("broken.tsv", "#ig:user-metrics\n", 0);
	assert_int_equal(sniff("um.tsv"), 1);
	assert_int_equal(sniff("um.tsv.gz"), 1);
	assert_int_equal(sniff("cand.tsv"), 0);
	assert_int_equal(sniff("metrics.tsv"), 0);
	assert_int_equal(sniff("a.txt"), 0);
	assert_int_equal(sniff("empty.tsv"), 0);
	/* Not a header: left to the recommendation reader to reject. */
	assert_int_equal(sniff("broken.tsv"), 0);
}

static void score_opts(ig_eval_score_opts *o, char *p_recs, size_t len, const char *recs)
{
	static char p_test[128];

	ig_eval_score_opts_default(o);
	path_of(p_recs, len, recs);
	path_of(p_test, sizeof p_test, "test.tsv");
	o->recs = p_recs;
	o->test = p_test;
	o->k[0] = 1;
	o->k[1] = 2;
	o->nk = 2;
	o->tmpdir = dir;
}

static ig_eval_user_metrics *score(const char *recs, ig_eval_score_stats *st)
{
	ig_eval_score_opts o;
	char p_recs[128];

	score_opts(&o, p_recs, sizeof p_recs, recs);
	return ig_eval_cmp_score_recs(&o, st);
}

/* "ig-eval metrics --by-user=OUT RECS", as a file. */
static void score_to_file(const char *recs, const char *out)
{
	ig_eval_score_opts o;
	ig_eval_table t = {0};
	ig_eval_score_stats st;
	char p_recs[128], p_out[128];

	score_opts(&o, p_recs, sizeof p_recs, recs);
	path_of(p_out, sizeof p_out, out);
	o.by_user = ig_writer_open(p_out, IG_COMPRESS_NO, 1);
	o.bootstrap = 0;
	ig_eval_score(&o, &t, &st);
	ig_writer_close(o.by_user);
	ig_eval_table_free(&t);
}

static void test_score_and_compare(void **state)
{
	ig_eval_score_stats sta, stb;
	ig_eval_user_metrics *ma, *mb;
	ig_eval_cmp cmp, fcmp;
	char pa[128], pb[128];
	const char *text;
	int i, found = 0;

	(void)state;
	ma = score("a.txt", &sta);
	mb = score("b.txt", &stb);
	assert_int_equal(sta.rec_records, 3);
	assert_int_equal(sta.users_evaluated, 2);
	assert_int_equal(sta.test_events, 3);
	assert_int_equal(stb.users_evaluated, 2);
	ig_eval_compare_mem(ma, mb, 200, 1, 0.95, &cmp);
	assert_int_equal(cmp.common, 2);
	assert_int_equal(cmp.only_a, 0);
	assert_int_equal(cmp.only_b, 0);
	for (i = 0; i < cmp.n; i++) {
		const ig_eval_cmp_row *r = &cmp.rows[i];

		if (strcmp(r->metric, "recall") != 0 || r->k != 1)
			continue;
		found = 1;
		/* A: 0.5 and 1, B: 0 and 1; d = 0.5, 0: mean 0.25, sd^2 =
		 * 0.125, se = 0.25, t = 1 with 1 df: p = 0.5 (Cauchy). */
		assert_true(fabs(r->mean_a - 0.75) < 1e-9);
		assert_true(fabs(r->mean_b - 0.5) < 1e-9);
		assert_true(fabs(r->diff - 0.25) < 1e-9);
		assert_true(fabs(r->p_value - 0.5) < 1e-6);
		assert_int_equal(r->users, 2);
	}
	assert_true(found);

	/* Through files, as metrics --by-user then compare: the same bits. */
	score_to_file("a.txt", "a.um");
	score_to_file("b.txt", "b.um");
	path_of(pa, sizeof pa, "a.um");
	path_of(pb, sizeof pb, "b.um");
	text = slurp(pa);
	/* u1: 2 relevant, 2 listed, recall@1 = 1/2, recall@2 = 1/2. */
	assert_non_null(strstr(text, "\nu1\t2\t2\t0.5\t0.5\t"));
	ig_eval_compare(pa, pb, 200, 1, 0.95, &fcmp);
	assert_int_equal(fcmp.n, cmp.n);
	assert_int_equal(fcmp.common, cmp.common);
	for (i = 0; i < cmp.n; i++) {
		const ig_eval_cmp_row *x = &cmp.rows[i], *y = &fcmp.rows[i];

		assert_string_equal(x->metric, y->metric);
		assert_int_equal(x->k, y->k);
		assert_memory_equal(&x->mean_a, &y->mean_a, sizeof x->mean_a);
		assert_memory_equal(&x->diff, &y->diff, sizeof x->diff);
		assert_memory_equal(&x->ci_low, &y->ci_low, sizeof x->ci_low);
		assert_memory_equal(&x->ci_high, &y->ci_high, sizeof x->ci_high);
		assert_memory_equal(&x->p_value, &y->p_value, sizeof x->p_value);
	}
	unlink(pa);
	unlink(pb);
	ig_eval_cmp_free(&cmp);
	ig_eval_cmp_free(&fcmp);
	ig_eval_user_metrics_free(ma);
	ig_eval_user_metrics_free(mb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_score_and_compare),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
