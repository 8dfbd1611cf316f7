/* Temporary files removed on exit and signals (core/ig_tempfile), the
 * writer's temporary output and rename (io/ig_writer), of a set of outputs
 * together (ig_writer_close_set), and the refusal of
 * an output that is an input (cli/ig_cli_check_output). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_tempfile.h"
#include "io/ig_writer.h"

#include "expect_exit.h"

static char dir[64];

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void touch(const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs("x\n", fp);
	fclose(fp);
}

static char *in_dir(const char *name)
{
	static char bufs[4][128];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
	return b;
}

static void register_and(void *arg)
{
	const char *how = arg;

	/* a signal ignored when the handlers are set stays ignored (as a
	 * background job's SIGINT is): the test must not depend on how it
	 * was started */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	touch(in_dir("t"));
	ig_tempfile_add(in_dir("t"));
	if (strcmp(how, "exit") == 0)
		exit(1);
	if (strcmp(how, "forget") == 0) {
		ig_tempfile_forget(in_dir("t"));
		exit(0);
	}
	if (strcmp(how, "die") == 0)
		ig_die("dying");
	raise(strcmp(how, "int") == 0 ? SIGINT : SIGTERM);
}

static void test_removed_on_exit_and_signals(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(run_expect_exit(register_and, (char *)"exit", err, sizeof err), 1);
	assert_false(exists(in_dir("t")));
	assert_int_equal(run_expect_exit(register_and, (char *)"die", err, sizeof err), 1);
	assert_false(exists(in_dir("t")));
	assert_int_equal(run_expect_exit(register_and, (char *)"term", err, sizeof err), 128 + SIGTERM);
	assert_false(exists(in_dir("t")));
	assert_int_equal(run_expect_exit(register_and, (char *)"int", err, sizeof err), 128 + SIGINT);
	assert_false(exists(in_dir("t")));
	assert_int_equal(run_expect_exit(register_and, (char *)"forget", err, sizeof err), 0);
	assert_true(exists(in_dir("t")));
	unlink(in_dir("t"));
}

/* A writer that dies mid-stream leaves the old file and no temporary. */
static void write_then_die(void *arg)
{
	ig_writer *w = ig_writer_open(in_dir("out"), arg ? IG_COMPRESS_GZIP : IG_COMPRESS_NO, 1);
	int i;

	for (i = 0; i < 300000; i++)
		ig_writer_puts(w, "0123456789\n");
	ig_die("bad record");
}

static int count_entries(void)
{
	char cmd[256];
	FILE *fp;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%d", &n), 1);
	pclose(fp);
	return n;
}

static void test_writer_atomic(void **state)
{
	char err[256];
	ig_writer *w;
	struct stat st;
	FILE *fp;
	char line[16];

	(void)state;
	touch(in_dir("out"));
	chmod(in_dir("out"), 0640);
	assert_int_equal(run_expect_exit(write_then_die, NULL, err, sizeof err), 1);
	assert_int_equal(run_expect_exit(write_then_die, (char *)"gz", err, sizeof err), 1);
	assert_int_equal(count_entries(), 1);
	assert_int_equal(stat(in_dir("out"), &st), 0);
	assert_int_equal(st.st_size, 2);
	/* A successful close replaces it, keeping its mode. */
	w = ig_writer_open(in_dir("out"), IG_COMPRESS_NO, 1);
	ig_writer_puts(w, "new\n");
	assert_int_equal(stat(in_dir("out"), &st), 0);
	assert_int_equal(st.st_size, 2); /* not yet */
	ig_writer_close(w);
	assert_int_equal(stat(in_dir("out"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	fp = fopen(in_dir("out"), "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	assert_string_equal(line, "new\n");
	assert_int_equal(count_entries(), 1);
	/* Through a symbolic link: the target is replaced, the link stays. */
	assert_int_equal(symlink("out", in_dir("link")), 0);
	w = ig_writer_open(in_dir("link"), IG_COMPRESS_NO, 1);
	ig_writer_puts(w, "via link\n");
	ig_writer_close(w);
	assert_int_equal(lstat(in_dir("link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(in_dir("out"), &st), 0);
	assert_int_equal(st.st_size, 9);
	unlink(in_dir("link"));
	unlink(in_dir("out"));
}

static void put_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int holds(const char *path, const char *text)
{
	char line[32] = "";
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	if (fgets(line, sizeof line, fp) == NULL)
		line[0] = '\0';
	fclose(fp);
	return strcmp(line, text) == 0;
}

/* The set's second output turns into a directory before the close: the
 * close fails, and must not leave the new first file beside it. */
static void close_set_failing(void *arg)
{
	ig_writer *set[2];

	(void)arg;
	set[0] = ig_writer_open(in_dir("s1"), IG_COMPRESS_NO, 1);
	set[1] = ig_writer_open(in_dir("s2"), IG_COMPRESS_NO, 1);
	ig_writer_puts(set[0], "new\n");
	ig_writer_puts(set[1], "new\n");
	unlink(in_dir("s2"));
	mkdir(in_dir("s2"), 0755);
	put_file(in_dir("s2/keep"), "x\n");
	ig_writer_close_set(set, 2);
	exit(0);
}

static void test_writer_set(void **state)
{
	ig_writer *set[3];
	char err[512];

	(void)state;
	put_file(in_dir("s1"), "old\n");
	put_file(in_dir("s2"), "old\n");
	set[0] = ig_writer_open(in_dir("s1"), IG_COMPRESS_NO, 1);
	set[1] = NULL;
	set[2] = ig_writer_open(in_dir("s2"), IG_COMPRESS_GZIP, 1);
	ig_writer_puts(set[0], "new\n");
	ig_writer_puts(set[2], "new\n");
	assert_int_equal(count_entries(), 4); /* the old files and two temporary ones */
	ig_writer_close_set(set, 3);
	assert_true(holds(in_dir("s1"), "new\n"));
	assert_false(holds(in_dir("s2"), "old\n")); /* gzip now */
	assert_int_equal(count_entries(), 2);
	assert_int_equal(run_expect_exit(close_set_failing, NULL, err, sizeof err), 1);
	assert_non_null(strstr(err, "cannot remove the earlier file"));
	assert_false(holds(in_dir("s1"), "new\n"));
	assert_false(exists(in_dir("s1"))); /* removed with the set; not new beside old */
	assert_int_equal(count_entries(), 1); /* s2, a directory; no temporary file */
	unlink(in_dir("s2/keep"));
	rmdir(in_dir("s2"));
}

static const char *check_inputs[2];

static void check_output(void *arg)
{
	ig_cli_check_output(arg, check_inputs, 2);
	exit(0);
}

static void test_same_file_refused(void **state)
{
	char err[512], want[512];

	(void)state;
	touch(in_dir("a"));
	assert_int_equal(link(in_dir("a"), in_dir("b")), 0);
	check_inputs[0] = NULL;
	check_inputs[1] = strdup(in_dir("b"));
	assert_int_equal(run_expect_exit(check_output, in_dir("a"), err, sizeof err), 2);
	snprintf(want, sizeof want, "%s: output %s is the same file as input %s: refusing to overwrite it\n",
		 ig_progname, in_dir("a"), in_dir("b"));
	assert_string_equal(err, want);
	/* Other files, and outputs that do not exist yet, pass. */
	touch(in_dir("c"));
	assert_int_equal(run_expect_exit(check_output, in_dir("c"), err, sizeof err), 0);
	assert_int_equal(run_expect_exit(check_output, in_dir("new"), err, sizeof err), 0);
	unlink(in_dir("a"));
	unlink(in_dir("b"));
	unlink(in_dir("c"));
	free((char *)check_inputs[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_on_exit_and_signals),
		cmocka_unit_test(test_writer_atomic),
		cmocka_unit_test(test_writer_set),
		cmocka_unit_test(test_same_file_refused),
	};
	int rc;

	ig_set_progname("test_tempfile");
	snprintf(dir, sizeof dir, "%s/igtemp.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
