/* Typed readers and writers of lib/io: neighbors, follows, topics, and
 * the candidates/ranked/feed lists; what they load, and the format rules
 * they refuse with FILE:LINE messages. */
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

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "io/ig_follows.h"
#include "io/ig_lists.h"
#include "io/ig_neighbors.h"
#include "io/ig_topics.h"
#include "io/ig_writer.h"
#include "expect_exit.h"

static char path[64];

static void write_text(const char *text)
{
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "/tmp/igtyped.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static char *slurp(const char *p)
{
	FILE *fp = fopen(p, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, (1 << 16) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Runs LOAD on TEXT in a child and checks it exits 1 with WANT in its
 * message. */
static void expect_error(void (*load)(void *), void *arg, const char *text, const char *want)
{
	char err[1024];

	write_text(text);
	assert_int_equal(run_expect_exit(load, arg, err, sizeof err), 1);
	if (strstr(err, want) == NULL)
		fail_msg("expected '%s', got '%s'", want, err);
	unlink(path);
}

/* ---- neighbors ---- */

#define NB_HEAD "#ig:neighbors/1\titem\tneighbor\tscore\tsupport\n##pg\tig-cooccur\t0\tx\n"

static void test_neighbors_load(void **state)
{
	ig_intern *v = ig_intern_new();
	ig_neighbors *nb;
	const ig_neighbor *l;
	size_t n;
	uint32_t b;

	(void)state;
	write_text(NB_HEAD "b\ta\t0.5\t3\nb\tc\t0.5\t2\nb\td\t0.25\t1\na\tb\t0.9\t3\n");
	nb = ig_neighbors_load(path, v);
	unlink(path);
	assert_int_equal(nb->count, 4);
	assert_int_equal(nb->nitems, 2);
	assert_int_equal(nb->has_support, 1);
	assert_int_equal(nb->header.nprov, 1);
	b = ig_intern_find(v, "b", 1);
	l = ig_neighbors_of(nb, b, &n);
	assert_int_equal(n, 3);
	assert_string_equal(ig_intern_str(v, l[0].id), "a");
	assert_string_equal(ig_intern_str(v, l[1].id), "c");
	assert_string_equal(ig_intern_str(v, l[2].id), "d");
	assert_true(l[2].score == 0.25f);
	assert_int_equal(l[0].support, 3);
	l = ig_neighbors_of(nb, ig_intern_find(v, "a", 1), &n);
	assert_int_equal(n, 1);
	assert_string_equal(ig_intern_str(v, l[0].id), "b");
	ig_neighbors_of(nb, ig_intern_find(v, "d", 1), &n);
	assert_int_equal(n, 0);
	ig_neighbors_of(nb, ig_intern_add(v, "new", 3), &n);
	assert_int_equal(n, 0);
	ig_neighbors_free(nb);

	/* ig-train-w2v --nearest: empty support. */
	write_text("#ig:neighbors/1\titem\tneighbor\tscore\tsupport\nz\ty\t0.8\t\n");
	nb = ig_neighbors_load(path, v);
	unlink(path);
	assert_int_equal(nb->has_support, 0);
	l = ig_neighbors_of(nb, ig_intern_find(v, "z", 1), &n);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].support, 0);
	ig_neighbors_free(nb);
	ig_intern_free(v);
}

static void load_neighbors(void *arg)
{
	(void)arg;
	ig_neighbors_load(path, ig_intern_new());
}

static void test_neighbors_errors(void **state)
{
	(void)state;
	expect_error(load_neighbors, NULL, NB_HEAD "a\tb\t0.5\t1\nc\td\t1\t1\na\te\t0.1\t1\n",
		     ":5: item 'a' comes back after other items");
	expect_error(load_neighbors, NULL, NB_HEAD "a\tb\t0.5\t1\na\tc\t0.6\t1\n",
		     ":4: field 3 (score): 0.6 after 0.5: neighbours must come best first");
	expect_error(load_neighbors, NULL, NB_HEAD "a\ta\t0.5\t1\n", ":3: field 2 (neighbor): item 'a' is its own");
	expect_error(load_neighbors, NULL, NB_HEAD "a\tb\t0.5\t1\na\tb\t0.4\t1\n", ":4: field 2 (neighbor): 'b' listed twice");
	expect_error(load_neighbors, NULL, NB_HEAD "a\tb\tnan\t1\n", ":3: field 3 (score): not a number 'nan'");
	expect_error(load_neighbors, NULL, NB_HEAD "a\tb\t1\t-1\n", ":3: field 4 (support): not a count '-1'");
	expect_error(load_neighbors, NULL, NB_HEAD "a\tb\t1\n", ":3: expected 4 fields, got 3");
	expect_error(load_neighbors, NULL, "#ig:neighbors/1\titem\tscore\n", ":1: neighbors header: column 2 must be 'neighbor'");
}

/* ---- follows ---- */

static void test_follows_load(void **state)
{
	ig_intern *authors = ig_intern_new();
	ig_follows *g;
	const ig_follow *f;
	size_t n;

	(void)state;
	ig_intern_add(authors, "a9", 2);
	write_text("#ig:follows/1\tuser\tauthor\tts\nu2\ta1\t100\nu1\ta9\t\nu2\ta9\t50\nu1\ta1\t7\n");
	g = ig_follows_load(path, authors);
	unlink(path);
	assert_int_equal(g->count, 4);
	assert_int_equal(g->nusers, 2);
	f = ig_follows_find(g, "u2", 2, &n);
	assert_int_equal(n, 2);
	assert_string_equal(ig_intern_str(authors, f[0].author), "a1");
	assert_int_equal(f[0].ts, 100);
	assert_int_equal(f[1].author, 0); /* a9 keeps the caller's number */
	f = ig_follows_find(g, "u1", 2, &n);
	assert_int_equal(n, 2);
	assert_int_equal(f[0].ts, -1);
	assert_int_equal(f[1].ts, 7);
	assert_null(ig_follows_find(g, "u3", 2, &n));
	assert_int_equal(n, 0);
	ig_follows_free(g);
	ig_intern_free(authors);
}

/* Row at a time: file order, lengths, an empty ts as -1, line numbers. */
static void test_follows_rows(void **state)
{
	ig_follows_reader *fr;
	ig_follows_row row;

	(void)state;
	write_text("#ig:follows/1\tuser\tauthor\tts\n##pg\tx\nu2\ta1\t100\nu10\tab\t\n");
	fr = ig_follows_open(path);
	assert_int_equal(ig_follows_header(fr)->nprov, 1);
	assert_int_equal(ig_follows_next(fr, &row), 1);
	assert_string_equal(row.user, "u2");
	assert_string_equal(row.author, "a1");
	assert_int_equal(row.ts, 100);
	assert_int_equal(row.line, 3);
	assert_int_equal(ig_follows_next(fr, &row), 1);
	assert_int_equal(row.user_len, 3);
	assert_int_equal(row.author_len, 2);
	assert_int_equal(row.ts, -1);
	assert_int_equal(ig_follows_next(fr, &row), 0);
	ig_follows_close(fr);
	unlink(path);
}

static void load_follows(void *arg)
{
	(void)arg;
	ig_follows_load(path, ig_intern_new());
}

static void test_follows_errors(void **state)
{
	(void)state;
	expect_error(load_follows, NULL, "#ig:follows/1\tuser\tauthor\tts\nu\ta\tyesterday\n",
		     ":2: field 3 (ts): bad timestamp 'yesterday'");
	expect_error(load_follows, NULL, "#ig:follows/1\tuser\tauthor\tts\nu\t\t1\n", ":2: field 2 (author): invalid id ''");
	expect_error(load_follows, NULL, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n", ":1: expected a follows stream, got events");
}

/* ---- topics ---- */

static void test_topics_load(void **state)
{
	ig_intern *ids = ig_intern_new();
	ig_topics *t;
	uint32_t root, mid, leaf, other;

	(void)state;
	other = ig_intern_add(ids, "t9", 2);
	write_text("#ig:topics/1\ttopic\tparent\nt1.1.1\tt1.1\nt1\t\nt1.1\tt1\nt1.2\tt1\nt2\t\n");
	t = ig_topics_load(path, ids);
	unlink(path);
	root = ig_intern_find(ids, "t1", 2);
	mid = ig_intern_find(ids, "t1.1", 4);
	leaf = ig_intern_find(ids, "t1.1.1", 6);
	assert_int_equal(t->count, 6);
	assert_int_equal(t->nroots, 3); /* t1, t2 and the unlisted t9 */
	assert_int_equal(t->max_depth, 2);
	assert_int_equal(t->parent[leaf], mid);
	assert_int_equal(t->parent[root], IG_INTERN_NONE);
	assert_int_equal(t->depth[leaf], 2);
	assert_int_equal(t->depth[mid], 1);
	assert_int_equal(t->child_start[root + 1] - t->child_start[root], 2);
	assert_int_equal(t->child[t->child_start[root]], mid);
	assert_int_equal(ig_topics_ancestor(t, leaf, 0), root);
	assert_int_equal(ig_topics_ancestor(t, leaf, 1), mid);
	assert_int_equal(ig_topics_ancestor(t, leaf, 5), leaf);
	assert_int_equal(t->listed[other], 0);
	assert_int_equal(t->listed[leaf], 1);
	ig_topics_free(t);
	ig_intern_free(ids);
}

static void load_topics(void *arg)
{
	(void)arg;
	ig_topics_load(path, NULL);
}

static void test_topics_errors(void **state)
{
	(void)state;
	expect_error(load_topics, NULL, "#ig:topics/1\ttopic\tparent\na\tb\nb\tc\nc\ta\n",
		     "is its own ancestor: the topics must form a tree");
	expect_error(load_topics, NULL, "#ig:topics/1\ttopic\tparent\na\ta\n", ":2: topic 'a' is its own ancestor");
	expect_error(load_topics, NULL, "#ig:topics/1\ttopic\tparent\na\t\nb\tz\n", ":3: field 2 (parent): 'z' is not a listed topic");
	expect_error(load_topics, NULL, "#ig:topics/1\ttopic\tparent\na\t\na\t\n", ":3: field 1 (topic): 'a' listed twice (line 2)");
}

/* ---- lists ---- */

static void test_list_round_trip(void **state)
{
	static const char *const src[] = {"s_knn", "s_pop"};
	const double s1[] = {0.5, NAN}, s2[] = {NAN, 3};
	char out[] = "/tmp/igtyped.out.XXXXXX";
	ig_writer *w;
	ig_list_writer *lw;
	ig_list_reader *r;
	ig_list_user u;
	int cols[4], fd = mkstemp(out);
	double v;
	char *text;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	w = ig_writer_open(out, IG_COMPRESS_NO, 6);
	lw = ig_list_writer_open(w, IG_STREAM_CANDIDATES, src, 2, NULL);
	ig_list_put_candidate(lw, "u2", "i9", "knn", 2.5, "knn:i1", s1);
	ig_list_put_candidate(lw, "u2", "i1", "pop", 1.0 / 3, NULL, s2);
	ig_list_put_candidate(lw, "u2", "i2", "pop", 1.0 / 3, "pop:global", s2);
	ig_list_put_candidate(lw, "u1", "i5", "knn,pop", 7, "knn:i1", s1);
	ig_list_writer_end(lw);
	ig_writer_close(w);
	text = slurp(out);
	assert_non_null(strstr(text, "#ig:candidates/1\tuser\titem\tsources\tscore\treason\ts_knn\ts_pop\n"));
	assert_non_null(strstr(text, "\nu2\ti9\tknn\t2.5\tknn:i1\t0.5\t\nu2\ti1\tpop\t0.333333333\t-\t\t3\n"));
	free(text);

	r = ig_list_open(out, IG_STREAM_CANDIDATES);
	assert_int_equal(ig_list_cols_prefixed(r, "s_", cols, 4), 2);
	assert_int_equal(cols[0], 5);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_string_equal(u.user, "u2");
	assert_int_equal(u.n, 3);
	assert_string_equal(u.row[1].item, "i1");
	assert_string_equal(u.row[1].reason, "-");
	assert_string_equal(u.row[0].sources, "knn");
	assert_int_equal(u.row[2].rank, 3);
	assert_true(fabs(u.row[1].score - 1.0 / 3) < 1e-9);
	assert_int_equal(ig_list_num(r, &u.row[0], cols[0], &v), 1);
	assert_true(v == 0.5);
	assert_int_equal(ig_list_num(r, &u.row[0], cols[1], &v), 0);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_string_equal(u.user, "u1");
	assert_int_equal(u.n, 1);
	assert_int_equal(ig_list_next(r, &u), 0);
	assert_int_equal(ig_list_rows_read(r), 4);
	assert_int_equal(ig_list_users_read(r), 2);
	ig_list_close(r);
	unlink(out);
}

static void test_list_feed_ranked(void **state)
{
	static const char *const heads[] = {"p_like"};
	const double p[] = {0.25};
	char out[] = "/tmp/igtyped.out.XXXXXX";
	ig_writer *w;
	ig_list_writer *lw;
	ig_list_reader *r;
	ig_list_user u;
	int fd = mkstemp(out);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	w = ig_writer_open(out, IG_COMPRESS_GZIP, 6);
	lw = ig_list_writer_open(w, IG_STREAM_FEED, NULL, 0, NULL);
	ig_list_put_feed(lw, "u1", 1, "i3", 0.5, "cooccur:i1;author-spacing", 1);
	ig_list_put_feed(lw, "u1", 2, "i1", 0.9, "explore:t4", 0.125);
	ig_list_writer_end(lw);
	ig_writer_close(w);
	r = ig_list_open(out, IG_STREAM_FEED);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_int_equal(u.n, 2);
	assert_int_equal(u.row[1].rank, 2);
	assert_true(u.row[1].propensity == 0.125);
	assert_string_equal(u.row[0].reason, "cooccur:i1;author-spacing");
	assert_int_equal(ig_list_next(r, &u), 0);
	ig_list_close(r);

	w = ig_writer_open(out, IG_COMPRESS_NO, 6);
	lw = ig_list_writer_open(w, IG_STREAM_RANKED, heads, 1, NULL);
	ig_list_put_ranked(lw, "u1", "i1", 0.9, p, NULL, NULL);
	ig_list_writer_end(lw);
	ig_writer_close(w);
	r = ig_list_open(out, IG_STREAM_RANKED);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_string_equal(u.row[0].sources, "");
	assert_string_equal(u.row[0].field[ig_list_col(r, "p_like")], "0.25");
	ig_list_close(r);
	unlink(out);
}

static void read_list(void *arg)
{
	ig_list_reader *r = ig_list_open(path, *(int *)arg);
	ig_list_user u;

	while (ig_list_next(r, &u))
		;
}

#define CAND_HEAD "#ig:candidates/1\tuser\titem\tsources\tscore\treason\ts_pop\n"
#define FEED_HEAD "#ig:feed/1\tuser\trank\titem\tscore\treason\tpropensity\n"

static void test_list_errors(void **state)
{
	int cand = IG_STREAM_CANDIDATES, feed = IG_STREAM_FEED, ranked = IG_STREAM_RANKED;

	(void)state;
	expect_error(read_list, &cand, CAND_HEAD "u1\ti1\tpop\t2\t-\t\nu2\ti1\tpop\t2\t-\t\nu1\ti2\tpop\t1\t-\t\n",
		     ":4: user 'u1' comes back after other users");
	expect_error(read_list, &cand, CAND_HEAD "u1\ti1\tpop\t1\t-\t\nu1\ti2\tpop\t2\t-\t\n",
		     ":3: score 2 of item 'i2' after 1 of item 'i1': rows must be ordered by score");
	expect_error(read_list, &cand, CAND_HEAD "u1\ti1\tpop\t2\t-\t\nu1\ti2\tpop\t1\t-\t\nu1\ti1\tpop\t0.5\t-\t\n",
		     ":4: item 'i1' listed twice for user 'u1' (line 2)");
	expect_error(read_list, &cand, CAND_HEAD "u1\ti1\tpop\t2\t-\tx\n", ":2: field 6 (s_pop): not a number 'x'");
	expect_error(read_list, &cand, CAND_HEAD "u1\ti1\tpop\t2\t\t\n", ":2: field 5 (reason): empty");
	expect_error(read_list, &cand, CAND_HEAD "u1\ti1\tpop\t2\t-\n", ":2: expected 6 fields, got 5");
	expect_error(read_list, &cand, "#ig:candidates/1\tuser\tsources\n", ":1: candidates stream has no 'item' column");
	expect_error(read_list, &feed, FEED_HEAD "u1\t2\ti1\t1\t-\t1\n", ":2: rank 2 for the first row of user 'u1'");
	expect_error(read_list, &feed, FEED_HEAD "u1\t1\ti1\t1\t-\t1\nu1\t3\ti2\t1\t-\t1\n", ":3: rank 3 after 1");
	expect_error(read_list, &feed, FEED_HEAD "u1\t1\ti1\t1\t-\t0\n", ":2: field 6 (propensity): not in (0, 1] '0'");
	expect_error(read_list, &ranked, "#ig:ranked/1\tuser\titem\tscore\tp_like\nu\ti\t1\t1.5\n",
		     ":2: field 4 (p_like): not a probability in [0, 1] '1.5'");
}

/* Baseline candidates (no reason column) are read. */
static void test_list_baseline(void **state)
{
	ig_list_reader *r;
	ig_list_user u;

	(void)state;
	write_text("#ig:candidates/1\tuser\titem\tsources\tscore\nu1\ti1\tpop\t3\nu1\ti2\tpop\t3\n");
	r = ig_list_open(path, IG_STREAM_CANDIDATES);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.row[0].reason, "");
	ig_list_close(r);
	unlink(path);
}

/* The any-order mode (what ig-rank reads): candidates or ranked, scores
 * in any order, an item twice; grouping still checked, in the words of
 * every list reader; other kinds refused, naming both. */
static ig_list_reader *open_any(const char *p)
{
	ig_list_opts o;

	memset(&o, 0, sizeof o);
	o.kinds = 1u << IG_STREAM_CANDIDATES | 1u << IG_STREAM_RANKED;
	o.any_order = 1;
	return ig_list_open_opts(p, &o);
}

static void read_any(void *arg)
{
	ig_list_reader *r = open_any(path);
	ig_list_user u;

	(void)arg;
	while (ig_list_next(r, &u))
		;
}

static void test_list_any_order(void **state)
{
	ig_list_reader *r;
	ig_list_user u;

	(void)state;
	write_text(CAND_HEAD "u1\ti1\tpop\t1\t-\t\nu1\ti2\tpop\t2\t-\t0.5\nu1\ti1\tpop\t3\t-\t\nu2\ti1\tpop\t1\t-\t\n");
	r = open_any(path);
	assert_int_equal(ig_list_stream(r), IG_STREAM_CANDIDATES);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_int_equal(u.n, 3);
	assert_string_equal(u.row[2].item, "i1");
	assert_true(u.row[2].score == 3);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_string_equal(u.user, "u2");
	assert_int_equal(ig_list_next(r, &u), 0);
	ig_list_close(r);
	unlink(path);

	write_text("#ig:ranked/1\tuser\titem\tscore\tp_like\nu1\ti1\t1\t0.5\nu1\ti2\t2\t0.25\n");
	r = open_any(path);
	assert_int_equal(ig_list_stream(r), IG_STREAM_RANKED);
	assert_int_equal(ig_list_next(r, &u), 1);
	assert_int_equal(u.n, 2);
	ig_list_close(r);
	unlink(path);

	expect_error(read_any, NULL, CAND_HEAD "u1\ti1\tpop\t2\t-\t\nu2\ti1\tpop\t2\t-\t\nu1\ti2\tpop\t1\t-\t\n",
		     ":4: user 'u1' comes back after other users: rows must be grouped by user\n");
	expect_error(read_any, NULL, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n",
		     ":1: expected a candidates or ranked stream, got events\n");
	expect_error(read_any, NULL, "#ig:ranked/2\tuser\titem\tscore\n",
		     ":1: ranked stream version 2 is not supported (this is version 1)");
	expect_error(read_any, NULL, "#ig:ranked/1\tuser\tscore\n", ":1: ranked stream has no 'item' column");
	expect_error(read_any, NULL, CAND_HEAD "u1\ti1\tpop\t2\t-\tx\n", ":2: field 6 (s_pop): not a number 'x'");
}

static void write_unsorted(void *arg)
{
	ig_writer *w = ig_writer_open("/dev/null", IG_COMPRESS_NO, 6);
	ig_list_writer *lw = ig_list_writer_open(w, IG_STREAM_CANDIDATES, NULL, 0, NULL);

	(void)arg;
	/* 9 significant digits: these two scores are written the same, so
	 * the tie rule puts i1 first. */
	ig_list_put_candidate(lw, "u", "i2", "x", 1.0000000001, "-", NULL);
	ig_list_put_candidate(lw, "u", "i1", "x", 1.0, "-", NULL);
	ig_list_writer_end(lw);
}

static void test_list_writer_checks(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(run_expect_exit(write_unsorted, NULL, err, sizeof err), 1);
	assert_non_null(strstr(err, "internal error: /dev/null row 2: score 1 of item 'i1' after 1 of item 'i2'"));
	assert_true(ig_list_score_written(1.0000000001) == 1.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neighbors_load),
		cmocka_unit_test(test_neighbors_errors),
		cmocka_unit_test(test_follows_load),
		cmocka_unit_test(test_follows_errors),
		cmocka_unit_test(test_follows_rows),
		cmocka_unit_test(test_topics_load),
		cmocka_unit_test(test_topics_errors),
		cmocka_unit_test(test_list_round_trip),
		cmocka_unit_test(test_list_feed_ranked),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_list_baseline),
		cmocka_unit_test(test_list_any_order),
		cmocka_unit_test(test_list_writer_checks),
	};

	ig_set_progname("test_typed_readers");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
