/* The schema table: kinds are unique, headers splice run-time columns at
 * the right place, and header checks refuse what the table forbids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"
#include "expect_exit.h"

static char path[64];

static void write_text(const char *text)
{
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "/tmp/igschema.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void test_kinds_unique(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < IG_STREAM_COUNT; i++) {
		const ig_schema *s = ig_schema_of(i);

		assert_int_equal(ig_schema_find(s->kind), i);
		assert_true(s->ncols > 0);
		assert_true(s->extra_at >= 0 && s->extra_at <= s->ncols);
		for (j = 0; j < i; j++)
			assert_string_not_equal(ig_schema_of(j)->kind, s->kind);
	}
	assert_int_equal(ig_schema_find("nonesuch"), -1);
}

static int starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

static void test_header_extra(void **state)
{
	static const char *const heads[] = {"p_like", "p_save"};
	size_t len;
	char *text;

	(void)state;
	text = ig_schema_format_header(IG_STREAM_RANKED, heads, 2, NULL, NULL, &len);
	assert_true(starts_with(text, "#ig:ranked/1\tuser\titem\tscore\tp_like\tp_save\tsources\treason\n"));
	free(text);
	text = ig_schema_format_header(IG_STREAM_CANDIDATES, heads, 1, NULL, NULL, &len);
	assert_true(starts_with(text, "#ig:candidates/1\tuser\titem\tsources\tscore\treason\tp_like\n"));
	free(text);
	text = ig_schema_format_header(IG_STREAM_EVENTS, NULL, 0, NULL, NULL, &len);
	assert_true(starts_with(text, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"));
	free(text);
}

/* The "##pg" line comes from the provenance handed over (explicitly, or
 * carried by the writer), after the upstream lines; none without one. */
static void test_header_provenance(void **state)
{
	static const ig_prov prov = {"ig-test", "9.9", "ig-test -o x in.tsv"};
	static const char *const cols[] = {"a", "b"};
	static char arg0[] = "ig-test", arg1[] = "a\tb", arg2[] = "c\nd";
	char *argv[] = {arg0, arg1, arg2};
	char *prov_lines[] = {(char *)"pg\tig-up\t1\tig-up x"};
	ig_header up;
	ig_writer *w;
	ig_reader *r;
	char *text, *line;
	size_t len;

	(void)state;
	memset(&up, 0, sizeof up);
	up.nprov = 1;
	up.prov = prov_lines;
	text = ig_header_format("k", 2, cols, 2, &up, &prov, &len);
	assert_string_equal(text, "#ig:k/2\ta\tb\n##pg\tig-up\t1\tig-up x\n##pg\tig-test\t9.9\tig-test -o x in.tsv\n");
	assert_int_equal(len, strlen(text));
	free(text);
	text = ig_header_format("k", 2, cols, 2, NULL, NULL, &len);
	assert_string_equal(text, "#ig:k/2\ta\tb\n");
	free(text);
	text = ig_join_cmdline(3, argv);
	assert_string_equal(text, "ig-test a b c d");
	free(text);

	write_text("");
	w = ig_writer_open(path, IG_COMPRESS_NO, 1);
	assert_null(ig_writer_prov(w));
	ig_writer_set_prov(w, &prov);
	ig_header_write(w, "k", 2, cols, 2, &up);
	ig_writer_close(w);
	r = ig_reader_open(path);
	assert_true(ig_reader_getline(r, &line) >= 0);
	assert_true(ig_reader_getline(r, &line) >= 0);
	assert_string_equal(line, "##pg\tig-up\t1\tig-up x");
	assert_true(ig_reader_getline(r, &line) >= 0);
	assert_string_equal(line, "##pg\tig-test\t9.9\tig-test -o x in.tsv");
	assert_true(ig_reader_getline(r, &line) < 0);
	ig_reader_close(r);
	unlink(path);
}

static void read_header(void *arg)
{
	ig_reader *r = ig_reader_open(path);
	ig_header h;

	ig_schema_read_header(r, *(int *)arg, &h, NULL);
}

static void test_read_checks(void **state)
{
	char err[512];
	int kind = IG_STREAM_ITEMS, col[6];
	ig_reader *r;
	ig_header h;

	(void)state;
	write_text("#ig:items/1\titem\tauthor\tmedia\ttopics\tcreated\n");
	assert_int_equal(run_expect_exit(read_header, &kind, err, sizeof err), 1);
	assert_non_null(strstr(err, ":1: items header: column 4 must be 'created', got 'topics'"));
	unlink(path);

	write_text("#ig:feed/1\tuser\trank\titem\tscore\treason\n");
	kind = IG_STREAM_FEED;
	assert_int_equal(run_expect_exit(read_header, &kind, err, sizeof err), 1);
	assert_non_null(strstr(err, ":1: feed stream has no 'propensity' column"));
	unlink(path);

	/* candidates without reason (as ig-eval baseline writes them) pass,
	 * columns found wherever they are. */
	write_text("#ig:candidates/1\titem\tuser\tscore\tsources\n##pg\tx\n");
	r = ig_reader_open(path);
	ig_schema_read_header(r, IG_STREAM_CANDIDATES, &h, col);
	assert_int_equal(col[0], 1);
	assert_int_equal(col[1], 0);
	assert_int_equal(col[2], 3);
	assert_int_equal(col[3], 2);
	assert_int_equal(col[4], -1);
	assert_int_equal(h.nprov, 1);
	ig_header_free(&h);
	ig_reader_close(r);
	unlink(path);

	write_text("#ig:ranked/1\tuser\titem\tscore\n");
	kind = IG_STREAM_CANDIDATES;
	assert_int_equal(run_expect_exit(read_header, &kind, err, sizeof err), 1);
	assert_non_null(strstr(err, ":1: expected a candidates stream, got ranked"));
	unlink(path);
}

/* A writer's own column list: kind and version from the table, the
 * columns as given; a list without the table's columns is refused. */
static void write_cols(void *arg)
{
	ig_writer *w = ig_writer_open(path, IG_COMPRESS_NO, 1);

	ig_schema_write_header_cols(w, IG_STREAM_EVENTS, (const char *const *)arg, 3, NULL);
}

static void test_write_cols(void **state)
{
	static const char *const ranked[] = {"user", "item", "score", "p_like", "sources", "reason",
					     "retrieval_score"};
	static const char *const bad[] = {"ts", "item", "user"};
	char err[512], *line;
	ig_writer *w;
	ig_reader *r;

	(void)state;
	write_text("");
	w = ig_writer_open(path, IG_COMPRESS_NO, 1);
	ig_schema_write_header_cols(w, IG_STREAM_RANKED, ranked, 7, NULL);
	ig_writer_close(w);
	r = ig_reader_open(path);
	assert_true(ig_reader_getline(r, &line) >= 0);
	assert_string_equal(line, "#ig:ranked/1\tuser\titem\tscore\tp_like\tsources\treason\tretrieval_score");
	ig_reader_close(r);
	assert_int_equal(run_expect_exit(write_cols, (void *)bad, err, sizeof err), 1);
	assert_non_null(strstr(err, "internal error: a events header without its column 'user'"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_unique),
		cmocka_unit_test(test_header_extra),
		cmocka_unit_test(test_header_provenance),
		cmocka_unit_test(test_read_checks),
		cmocka_unit_test(test_write_cols),
	};

	ig_set_progname("test_schema");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
