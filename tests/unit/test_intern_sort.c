/* Interning, the stable hash, shards, the external sort (in memory, spilled,
 * multi-pass), the seeded RNG, and the paths that must exit 1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "expect_exit.h"
#include "core/ig_err.h"
#include "io/ig_extsort.h"
#include "core/ig_intern.h"
#include "io/ig_reader.h"
#include "core/ig_rng.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"

static void test_intern(void **state)
{
	ig_intern *t = ig_intern_new();
	char buf[32];
	uint32_t i;

	(void)state;
	assert_int_equal(ig_intern_add(t, "alpha", 5), 0);
	assert_int_equal(ig_intern_add(t, "beta", 4), 1);
	assert_int_equal(ig_intern_add(t, "alpha", 5), 0);
	assert_int_equal(ig_intern_add(t, "alp", 3), 2);
	assert_int_equal(ig_intern_find(t, "beta", 4), 1);
	assert_int_equal(ig_intern_find(t, "gamma", 5), IG_INTERN_NONE);
	assert_string_equal(ig_intern_str(t, 2), "alp");
	assert_int_equal(ig_intern_len(t, 0), 5);
	for (i = 0; i < 100000; i++) {
		int n = snprintf(buf, sizeof buf, "id%u", i);
		assert_int_equal(ig_intern_add(t, buf, (size_t)n), i + 3);
	}
	for (i = 0; i < 100000; i += 997) {
		int n = snprintf(buf, sizeof buf, "id%u", i);
		assert_int_equal(ig_intern_find(t, buf, (size_t)n), i + 3);
		assert_string_equal(ig_intern_str(t, i + 3), buf);
	}
	assert_int_equal(ig_intern_count(t), 100003);
	ig_intern_free(t);
}

static void test_hash_is_fnv1a(void **state)
{
	(void)state;
	/* Published FNV-1a 64 test vectors: shards must not change. */
	assert_true(ig_hash64("", 0) == 0xcbf29ce484222325ULL);
	assert_true(ig_hash64("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(ig_hash64("foobar", 6) == 0x85944171f73967e8ULL);
	assert_int_equal(ig_shard_of("foobar", 6, 7), (uint32_t)(0x85944171f73967e8ULL % 7));
}

/* Sorts N pseudo-random records with BUDGET bytes and checks order and
 * count; returns the number of runs spilled. */
static size_t sort_check(size_t n, uint64_t budget)
{
	ig_extsort *s = ig_extsort_new(budget, NULL);
	ig_rng rng;
	char buf[64], prev[64] = "";
	const void *rec;
	size_t len, i, got = 0, runs;
	size_t prev_len = 0;
	uint64_t sum_in = 0, sum_out = 0;

	ig_rng_seed(&rng, 5);
	for (i = 0; i < n; i++) {
		uint64_t x = ig_rng_below(&rng, 1000000);
		int m = snprintf(buf, sizeof buf, "u%06llu:%zu", (unsigned long long)x, i % 7);
		sum_in += x;
		ig_extsort_add(s, buf, (size_t)m);
	}
	ig_extsort_finish(s);
	runs = ig_extsort_runs(s);
	while (ig_extsort_next(s, &rec, &len)) {
		unsigned long long x;
		assert_true(len < sizeof buf);
		memcpy(buf, rec, len);
		buf[len] = '\0';
		if (got > 0) {
			size_t m = len < prev_len ? len : prev_len;
			int c = memcmp(prev, buf, m);
			assert_true(c < 0 || (c == 0 && prev_len <= len));
		}
		memcpy(prev, buf, len + 1);
		prev_len = len;
		assert_int_equal(sscanf(buf, "u%llu", &x), 1);
		sum_out += x;
		got++;
	}
	assert_int_equal(got, n);
	assert_true(sum_in == sum_out);
	ig_extsort_free(s);
	return runs;
}

static void test_sort_in_memory(void **state)
{
	(void)state;
	assert_int_equal(sort_check(10000, 64 << 20), 0);
	assert_int_equal(sort_check(0, 64 << 20), 0);
}

static void test_sort_spills(void **state)
{
	(void)state;
	/* 1 MiB holds about 25k of these records: several runs. */
	assert_true(sort_check(200000, 1 << 20) >= 4);
}

static void test_sort_multipass(void **state)
{
	(void)state;
	/* More runs than one merge takes (64): merged in two passes. */
	assert_true(sort_check(2000000, 1 << 20) > 0);
}

static void test_rng(void **state)
{
	ig_rng a, b;
	int i, counts[10] = {0};
	double sum = 0;

	(void)state;
	ig_rng_seed(&a, 42);
	ig_rng_seed(&b, 42);
	for (i = 0; i < 1000; i++)
		assert_true(ig_rng_u64(&a) == ig_rng_u64(&b));
	ig_rng_seed_stream(&a, 42, 1);
	ig_rng_seed_stream(&b, 42, 2);
	assert_true(ig_rng_u64(&a) != ig_rng_u64(&b));
	for (i = 0; i < 100000; i++) {
		double d = ig_rng_double(&a);
		assert_true(d >= 0 && d < 1);
		counts[ig_rng_below(&a, 10)]++;
		sum += ig_rng_gamma(&a, 2.0);
	}
	for (i = 0; i < 10; i++)
		assert_true(counts[i] > 9500 && counts[i] < 10500);
	assert_true(sum / 100000 > 1.95 && sum / 100000 < 2.05);
}

static void read_all(void *arg)
{
	ig_reader *r;
	char *line;

	ig_set_progname("ig-test");
	r = ig_reader_open(arg);
	while (ig_reader_getline(r, &line) >= 0)
		;
	ig_reader_close(r);
}

static void test_truncated_gzip_exits(void **state)
{
	char path[] = "/tmp/igtrunc.XXXXXX";
	char err[512], want[600];
	int fd = mkstemp(path);
	ig_writer *w;
	FILE *fp;
	long size;
	int i;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	w = ig_writer_open(path, IG_COMPRESS_GZIP, 6);
	for (i = 0; i < 20000; i++)
		ig_writer_printf(w, "line %d\n", i);
	ig_writer_close(w);
	assert_int_equal(run_expect_exit(read_all, path, err, sizeof err), 0);
	fp = fopen(path, "r+");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fclose(fp);
	assert_int_equal(truncate(path, size - 20), 0);
	assert_int_equal(run_expect_exit(read_all, path, err, sizeof err), 1);
	snprintf(want, sizeof want, "ig-test: %s: truncated gzip input (unexpected end of file)\n", path);
	assert_string_equal(err, want);
	/* Garbage after a complete member is an error too. */
	fp = fopen(path, "w");
	fputs("\x1f\x8b", fp);
	fputs("garbage", fp);
	fclose(fp);
	assert_int_equal(run_expect_exit(read_all, path, err, sizeof err), 1);
	assert_non_null(strstr(err, "invalid gzip data"));
	unlink(path);
	{
		char missing[] = "/nonexistent/x";
		assert_int_equal(run_expect_exit(read_all, missing, err, sizeof err), 1);
	}
	assert_string_equal(err, "ig-test: /nonexistent/x: No such file or directory\n");
}

static void write_full(void *arg)
{
	ig_writer *w;
	int i;

	ig_set_progname("ig-test");
	w = ig_writer_open("/dev/full", *(int *)arg, 6);
	for (i = 0; i < 10; i++)
		ig_writer_puts(w, "x\n");
	ig_writer_close(w);
}

static void test_dev_full_exits(void **state)
{
	char err[512];
	int mode;

	(void)state;
	mode = IG_COMPRESS_NO;
	assert_int_equal(run_expect_exit(write_full, &mode, err, sizeof err), 1);
	assert_string_equal(err, "ig-test: /dev/full: write error: No space left on device\n");
	mode = IG_COMPRESS_GZIP;
	assert_int_equal(run_expect_exit(write_full, &mode, err, sizeof err), 1);
	assert_string_equal(err, "ig-test: /dev/full: write error: No space left on device\n");
}

static void read_header(void *arg)
{
	ig_reader *r;
	ig_header h;

	ig_set_progname("ig-test");
	r = ig_reader_open(arg);
	ig_header_read(r, "candidates", 1, &h);
}

static void test_header_kind_mismatch(void **state)
{
	char path[] = "/tmp/ighdr.XXXXXX";
	char err[512], want[600];
	int fd = mkstemp(path);

	(void)state;
	assert_int_equal(write(fd, "#ig:events/1\tts\n", 16), 16);
	close(fd);
	assert_int_equal(run_expect_exit(read_header, path, err, sizeof err), 1);
	snprintf(want, sizeof want, "ig-test: %s:1: expected a candidates stream, got events\n", path);
	assert_string_equal(err, want);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_hash_is_fnv1a),
		cmocka_unit_test(test_sort_in_memory),
		cmocka_unit_test(test_sort_spills),
		cmocka_unit_test(test_sort_multipass),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_truncated_gzip_exits),
		cmocka_unit_test(test_dev_full_exits),
		cmocka_unit_test(test_header_kind_mismatch),
	};

	return cmocka_run_group_tests_name("intern_sort", tests, NULL, NULL);
}
