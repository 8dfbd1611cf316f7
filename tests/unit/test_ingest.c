/* ig-ingest's library: rules, presets, --set, message escaping, and whole
 * runs over small raw files (sorting, duplicates, rejects, shards). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "io/ig_events.h"
#include "ingest/ig_ingest.h"
#include "io/ig_items.h"
#include "core/ig_time.h"

static char tmpdir[] = "/tmp/test_ingest.XXXXXX";

static int setup(void **state)
{
	(void)state;
	ig_set_progname("ig-ingest");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", tmpdir, name);
	return buf[i];
}

static void write_file(const char *name, const char *text)
{
	FILE *fp = fopen(path_of(name), "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* The file's text without the "##" provenance lines. */
static char *read_data(const char *name)
{
	FILE *fp = fopen(path_of(name), "r");
	char *out = calloc(1, 1 << 16), line[4096];
	size_t n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof line, fp))
		if (strncmp(line, "##", 2) != 0) {
			size_t l = strlen(line);
			memcpy(out + n, line, l);
			n += l;
		}
	fclose(fp);
	return out;
}

static void test_rules(void **state)
{
	ig_rules rs;
	char err[128];

	(void)state;
	memset(&rs, 0, sizeof rs);
	assert_int_equal(ig_rules_parse(&rs, ">=4:like,<=2:see_less,*:view", ig_event_parse, err, sizeof err), 0);
	assert_int_equal(rs.n, 3);
	assert_int_equal(ig_rules_match(&rs, "5", 1), IG_EV_LIKE);
	assert_int_equal(ig_rules_match(&rs, "4.0", 3), IG_EV_LIKE);
	assert_int_equal(ig_rules_match(&rs, "3.5", 3), IG_EV_VIEW);
	assert_int_equal(ig_rules_match(&rs, "2", 1), IG_EV_SEE_LESS);
	assert_int_equal(ig_rules_match(&rs, "0.5", 3), IG_EV_SEE_LESS);
	assert_int_equal(ig_rules_match(&rs, "x", 1), IG_EV_VIEW); /* only "*" matches text */
	ig_rules_free(&rs);

	assert_int_equal(ig_rules_parse(&rs, "click=view,fav=like,>3=share,<1:skip,==2:save", ig_event_parse,
					err, sizeof err), 0);
	assert_int_equal(ig_rules_match(&rs, "click", 5), IG_EV_VIEW);
	assert_int_equal(ig_rules_match(&rs, "fav", 3), IG_EV_LIKE);
	assert_int_equal(ig_rules_match(&rs, "favourite", 9), -1);
	assert_int_equal(ig_rules_match(&rs, "fa", 2), -1);
	assert_int_equal(ig_rules_match(&rs, "3.5", 3), IG_EV_SHARE);
	assert_int_equal(ig_rules_match(&rs, "3", 1), -1);
	assert_int_equal(ig_rules_match(&rs, "2", 1), IG_EV_SAVE);
	assert_int_equal(ig_rules_match(&rs, "-1", 2), IG_EV_SKIP);
	ig_rules_free(&rs);

	assert_int_equal(ig_rules_parse(&rs, "click:clack", ig_event_parse, err, sizeof err), -1);
	assert_string_equal(err, "rule 'click:clack': unknown name 'clack'");
	ig_rules_free(&rs);
	assert_int_equal(ig_rules_parse(&rs, "click", ig_event_parse, err, sizeof err), -1);
	assert_string_equal(err, "rule 'click' is not RAW:NAME");
	ig_rules_free(&rs);
	assert_int_equal(ig_rules_parse(&rs, ">=four:like", ig_event_parse, err, sizeof err), -1);
	assert_string_equal(err, "rule '>=four': 'four' is not a number");
	ig_rules_free(&rs);
	assert_int_equal(ig_rules_parse(&rs, "", ig_event_parse, err, sizeof err), -1);
	ig_rules_free(&rs);
	assert_int_equal(ig_rules_parse(&rs, "image:photo,clip:reel", ig_media_parse, err, sizeof err), 0);
	assert_int_equal(ig_rules_match(&rs, "clip", 4), IG_MEDIA_REEL);
	ig_rules_free(&rs);
}

static void test_escape(void **state)
{
	char buf[128], longid[300];

	(void)state;
	assert_string_equal(ig_ingest_escape("a\tb\nc\rd\\", 8, buf, sizeof buf), "a\\tb\\nc\\rd\\\\");
	assert_string_equal(ig_ingest_escape("a\0b", 3, buf, sizeof buf), "a\\x00b");
	assert_string_equal(ig_ingest_escape("caf\xc3\xa9", 5, buf, sizeof buf), "caf\xc3\xa9");
	assert_string_equal(ig_ingest_escape("caf\xe9", 4, buf, sizeof buf), "caf\\xe9");
	memset(longid, 'x', sizeof longid);
	ig_ingest_escape(longid, 300, buf, sizeof buf);
	assert_int_equal(strlen(buf), 83);
	assert_string_equal(buf + 80, "...");
}

static void test_presets_and_set(void **state)
{
	ig_ingest_opts o;
	char err[128];

	(void)state;
	assert_string_equal(ig_ingest_kind_name(IG_KIND_FOLLOWS), "follows");
	assert_int_equal(ig_ingest_kind_parse("items"), IG_KIND_ITEMS);
	assert_int_equal(ig_ingest_kind_parse("item"), -1);
	assert_int_equal(ig_ingest_role_parse(IG_KIND_FOLLOWS, "author"), 1);
	assert_int_equal(ig_ingest_role_parse(IG_KIND_EVENTS, "author"), -1);
	assert_int_equal(ig_ingest_preset_kind("lastfm-friends"), IG_KIND_FOLLOWS);
	assert_int_equal(ig_ingest_preset_kind("nope"), -1);

	ig_ingest_opts_init(&o);
	assert_int_equal(ig_ingest_apply_preset(&o, "ml-1m", err, sizeof err), 0);
	assert_int_equal(o.kind, IG_KIND_EVENTS);
	assert_string_equal(o.sep, "::");
	assert_string_equal(o.columns, "user,item,value,ts");
	assert_string_equal(o.event_map, ">=4:like,<=2:see_less,*:view");
	assert_int_equal(o.header, 0);

	/* What the command line gave stays. */
	ig_ingest_opts_init(&o);
	o.event_map = ">=3:like";
	o.kind = IG_KIND_EVENTS;
	assert_int_equal(ig_ingest_set(&o, "ts=7", err, sizeof err), 0);
	assert_int_equal(ig_ingest_apply_preset(&o, "lastfm-artists", err, sizeof err), 0);
	assert_string_equal(o.event_map, ">=3:like");
	assert_string_equal(o.set[0], "7");
	assert_null(o.set[3]); /* no constant event: the rules decide */
	assert_int_equal(o.header, 1);

	ig_ingest_opts_init(&o);
	o.kind = IG_KIND_ITEMS;
	assert_int_equal(ig_ingest_apply_preset(&o, "ml-100k", err, sizeof err), -1);
	assert_string_equal(err, "preset ml-100k makes events, not items");
	assert_int_equal(ig_ingest_apply_preset(&o, "ml-2m", err, sizeof err), -1);
	assert_int_equal(ig_ingest_set(&o, "media=photo", err, sizeof err), 0);
	assert_string_equal(o.set[2], "photo");
	assert_int_equal(ig_ingest_set(&o, "colour=red", err, sizeof err), -1);
	assert_string_equal(err, "'colour' is not a column of items streams");
	assert_int_equal(ig_ingest_set(&o, "=red", err, sizeof err), -1);
}

/* One whole run of FILES into OUTNAME; returns the stats. */
static ig_ingest_stats run(const ig_ingest_opts *o, const char *outname, const char **files, int n)
{
	ig_ingest *g = ig_ingest_new(o);
	ig_writer *w = ig_writer_open(path_of(outname), IG_COMPRESS_NO, 1);
	ig_ingest_stats st;
	int i;

	ig_ingest_begin(g, w);
	for (i = 0; i < n; i++)
		ig_ingest_file(g, path_of(files[i]));
	ig_ingest_finish(g, &st);
	ig_writer_close(w);
	ig_ingest_free(g);
	return st;
}

static void test_events_run(void **state)
{
	ig_ingest_opts o;
	ig_ingest_stats st;
	const char *files[] = {"r1.csv", "r2.csv"};
	char *got;

	(void)state;
	write_file("r1.csv",
		   "who,what,when,action,dwell\r\n"
		   "bob,p2,2024-01-05T10:00:05Z,view,1200\r\n"
		   "alice,p1,2024-01-05T10:00:00Z,fav,\r\n"
		   "bob,p1,1704448800,click,300\r\n"
		   "\r\n"
		   "bob,p2,2024-01-05T10:00:05Z,view,1200\r\n");
	write_file("r2.csv",
		   "\xef\xbb\xbfwhen,who,what,action,dwell\n"
		   "2024-01-05,\"al,ice\",\"p\"\"3\",share,\n"
		   "2024-01-05T11:00:00+01:00,alice,p1,click,10\n");
	ig_ingest_opts_init(&o);
	o.header = 1;
	o.columns = "user=who,item=what,ts=when,event=action,value=dwell";
	o.event_map = "click:view,fav:like";
	st = run(&o, "out1", files, 2);
	got = read_data("out1");
	/* Sorted by user bytewise ("al,ice" < "alice" < "bob"), then ts;
	 * the repeated bob line is dropped; ties order by item, then event
	 * type in DESIGN.md's order (view before like). */
	assert_string_equal(got,
			    "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			    "1704412800\tal,ice\tp\"3\tshare\t\n"
			    "1704448800\talice\tp1\tview\t10\n"
			    "1704448800\talice\tp1\tlike\t\n"
			    "1704448800\tbob\tp1\tview\t300\n"
			    "1704448805\tbob\tp2\tview\t1200\n");
	free(got);
	assert_int_equal(st.read, 6);
	assert_int_equal(st.written, 5);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.blank, 1);
	assert_int_equal(st.users, 3);
	assert_int_equal(st.per_type[IG_EV_VIEW], 3);
	assert_int_equal(st.per_type[IG_EV_LIKE], 1);
	assert_int_equal(st.per_type[IG_EV_SHARE], 1);
}

static void test_rejects_and_shards(void **state)
{
	ig_ingest_opts o;
	ig_ingest_stats st, s0, s1;
	const char *files[] = {"u.data"};
	char *got, *a, *b;

	(void)state;
	write_file("u.data",
		   "1\t10\t5\t881250949\n"
		   "2\t10\t1\t881250950\n"
		   "3\t11\t3\n"
		   "4\t12\tfive\t881250951\n"
		   "\t12\t4\t881250951\n"
		   "5\t13\t4\t9999999999\n"
		   "6\t1\xff\t4\t881250952\n"
		   "7\t14\t2\t881250953\n");
	ig_ingest_opts_init(&o);
	assert_int_equal(ig_ingest_apply_preset(&o, "ml-100k", (char[64]){0}, 64), 0);
	o.rejects = path_of("rej");
	st = run(&o, "out2", files, 1);
	assert_int_equal(st.read, 8);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.rejected, 5);
	got = read_data("rej");
	{
		char want[1024];
		const char *f = path_of("u.data");
		snprintf(want, sizeof want,
			 "%s:3\texpected 4 fields, got 3\t3\t11\t3\n"
			 "%s:4\tfield 3 (value): not a number 'five'\t4\t12\tfive\t881250951\n"
			 "%s:5\tfield 1 (user): empty id ''\t\t12\t4\t881250951\n"
			 "%s:6\tfield 4 (ts): timestamp out of range '9999999999' (times lie from 1970-01-01 to 2100-01-01)\t5\t13\t4\t9999999999\n"
			 "%s:7\tfield 2 (item): id is not valid UTF-8 '1\\xff' (latin-1 text? --encoding latin1)\t6\t1\xff\t4\t881250952\n",
			 f, f, f, f, f);
		assert_string_equal(got, want);
	}
	free(got);
	got = read_data("out2");
	assert_string_equal(got,
			    "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
			    "881250949\t1\t10\tlike\t5\n"
			    "881250950\t2\t10\tsee_less\t1\n"
			    "881250953\t7\t14\tsee_less\t2\n");
	free(got);

	/* Two shards hold every user once. */
	o.rejects = NULL;
	write_file("u.data", "1\t10\t5\t881250949\n2\t10\t1\t881250950\n7\t14\t2\t881250953\n"
			     "8\t1\t4\t881250953\n9\t1\t4\t881250953\n");
	o.sharded = 1;
	o.shard_count = 2;
	o.shard_index = 0;
	s0 = run(&o, "s0", files, 1);
	o.shard_index = 1;
	s1 = run(&o, "s1", files, 1);
	assert_int_equal(s0.written + s1.written, 5);
	assert_int_equal(s0.other_shards, s1.written);
	assert_int_equal(s1.other_shards, s0.written);
	a = read_data("s0");
	b = read_data("s1");
	assert_true(strstr(a, "\t1\t10\t") == NULL || strstr(b, "\t1\t10\t") == NULL);
	assert_true(strstr(a, "\t1\t10\t") != NULL || strstr(b, "\t1\t10\t") != NULL);
	free(a);
	free(b);
}

static void test_items_follows(void **state)
{
	ig_ingest_opts o;
	ig_ingest_stats st;
	const char *items[] = {"items.tsv"}, *follows[] = {"f.tsv"};
	char *got;

	(void)state;
	write_file("items.tsv",
		   "i1\ta1\tclip\t2024-01-05\tcats|dogs\n"
		   "i2\ta1\timage\t\t\n"
		   "i1\ta1\tclip\t2024-01-05\tcats|dogs\n"
		   "i3\ta2\tcarousel\t1704412800\tart\n");
	ig_ingest_opts_init(&o);
	o.kind = IG_KIND_ITEMS;
	o.media_map = "clip:reel,image:photo";
	o.topic_sep = '|';
	st = run(&o, "items.out", items, 1);
	got = read_data("items.out");
	assert_string_equal(got,
			    "#ig:items/1\titem\tauthor\tmedia\tcreated\ttopics\n"
			    "i1\ta1\treel\t1704412800\tcats,dogs\n"
			    "i2\ta1\tphoto\t\t\n"
			    "i3\ta2\tcarousel\t1704412800\tart\n");
	free(got);
	assert_int_equal(st.read, 4);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.duplicates, 1);

	write_file("f.tsv", "u2,u1\nu1,u3\nu1,u2\nu2,u1\n");
	ig_ingest_opts_init(&o);
	o.kind = IG_KIND_FOLLOWS;
	o.sep = ",";
	o.columns = "user,author";
	o.set[2] = "0";
	st = run(&o, "f.out", follows, 1);
	got = read_data("f.out");
	assert_string_equal(got,
			    "#ig:follows/1\tuser\tauthor\tts\n"
			    "u1\tu2\t0\n"
			    "u1\tu3\t0\n"
			    "u2\tu1\t0\n");
	free(got);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.users, 2);
}

/* Strict mode: the first bad record exits 1 naming it. */
static void strict_child(void)
{
	ig_ingest_opts o;
	const char *files[] = {"bad.tsv"};

	ig_ingest_opts_init(&o);
	o.kind = IG_KIND_ITEMS;
	run(&o, "bad.out", files, 1);
}

static void test_strict(void **state)
{
	int fds[2], status;
	char buf[512] = "", want[512];
	ssize_t n;
	size_t got;
	pid_t pid;

	(void)state;
	write_file("bad.tsv", "i1\ta1\tphoto\t\t\ni1\ta2\tphoto\t\t\ni3\ta2\tgif\t\t\n");
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		strict_child();
		_exit(0);
	}
	close(fds[1]);
	got = 0;
	while (got + 1 < sizeof buf && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	snprintf(want, sizeof want,
		 "ig-ingest: %s:2: field 1 (item): item listed before, with other fields, at %s:1 'i1'\n",
		 path_of("bad.tsv"), path_of("bad.tsv"));
	assert_string_equal(buf, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_presets_and_set),
		cmocka_unit_test(test_events_run),
		cmocka_unit_test(test_rejects_and_shards),
		cmocka_unit_test(test_items_follows),
		cmocka_unit_test(test_strict),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
