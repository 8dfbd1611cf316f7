/* Reader and writer: plain and gzip input, concatenated members, lines
 * without a final newline, long lines, unget, and written round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/ig_reader.h"
#include "io/ig_writer.h"

static char tmpl[64];

static const char *temp_path(void)
{
	int fd;

	snprintf(tmpl, sizeof tmpl, "/tmp/igtest.XXXXXX");
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	return tmpl;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

/* A gzip member of TEXT, as gzip(1) would write it. */
static unsigned char *gzip_member(const char *text, size_t *outlen)
{
	z_stream zs;
	size_t cap = strlen(text) + 128;
	unsigned char *out = malloc(cap);

	memset(&zs, 0, sizeof zs);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

static void expect_lines(const char *path, const char *const *want, int n)
{
	ig_reader *r = ig_reader_open(path);
	char *line;
	ssize_t len;
	int i;

	for (i = 0; i < n; i++) {
		len = ig_reader_getline(r, &line);
		assert_int_equal(len, (ssize_t)strlen(want[i]));
		assert_string_equal(line, want[i]);
		assert_int_equal(ig_reader_lineno(r), i + 1);
	}
	assert_int_equal(ig_reader_getline(r, &line), -1);
	assert_int_equal(ig_reader_getline(r, &line), -1);
	ig_reader_close(r);
}

static void test_plain_lines(void **state)
{
	const char *path = temp_path();
	const char *want[] = {"a\tb", "", "last without newline"};

	(void)state;
	write_file(path, "a\tb\n\nlast without newline", 25);
	expect_lines(path, want, 3);
	unlink(path);
}

static void test_crlf_is_kept(void **state)
{
	const char *path = temp_path();
	const char *want[] = {"x\r", "y"};

	(void)state;
	write_file(path, "x\r\ny\n", 5);
	expect_lines(path, want, 2);
	unlink(path);
}

static void test_empty_and_one_byte(void **state)
{
	const char *path = temp_path();
	const char *want[] = {"z"};

	(void)state;
	write_file(path, "", 0);
	expect_lines(path, NULL, 0);
	write_file(path, "z", 1);
	expect_lines(path, want, 1);
	unlink(path);
}

static void test_gzip_concatenated(void **state)
{
	const char *path = temp_path();
	const char *want[] = {"one", "two", "three", "four"};
	size_t n1, n2;
	unsigned char *m1 = gzip_member("one\ntwo\nthr", &n1);
	unsigned char *m2 = gzip_member("ee\nfour\n", &n2);
	unsigned char *both = malloc(n1 + n2);
	ig_reader *r;

	(void)state;
	memcpy(both, m1, n1);
	memcpy(both + n1, m2, n2);
	write_file(path, both, n1 + n2);
	expect_lines(path, want, 4);
	r = ig_reader_open(path);
	assert_true(ig_reader_is_gzip(r));
	ig_reader_close(r);
	free(m1);
	free(m2);
	free(both);
	unlink(path);
}

static void test_long_lines(void **state)
{
	const char *path = temp_path();
	size_t big = 3u << 20;
	char *text = malloc(2 * big + 3);
	ig_reader *r;
	char *line;

	(void)state;
	memset(text, 'a', big);
	text[big] = '\n';
	memset(text + big + 1, 'b', big);
	text[2 * big + 1] = '\n';
	write_file(path, text, 2 * big + 2);
	r = ig_reader_open(path);
	assert_int_equal(ig_reader_getline(r, &line), (ssize_t)big);
	assert_int_equal(line[0], 'a');
	assert_int_equal(line[big - 1], 'a');
	assert_int_equal(ig_reader_getline(r, &line), (ssize_t)big);
	assert_int_equal(line[big - 1], 'b');
	assert_int_equal(ig_reader_getline(r, &line), -1);
	ig_reader_close(r);
	free(text);
	unlink(path);
}

static void test_unget(void **state)
{
	const char *path = temp_path();
	ig_reader *r;
	char *line;

	(void)state;
	write_file(path, "h\nr1\nr2\n", 8);
	r = ig_reader_open(path);
	assert_int_equal(ig_reader_getline(r, &line), 1);
	assert_int_equal(ig_reader_getline(r, &line), 2);
	ig_reader_unget(r);
	assert_int_equal(ig_reader_lineno(r), 1);
	assert_int_equal(ig_reader_getline(r, &line), 2);
	assert_string_equal(line, "r1");
	assert_int_equal(ig_reader_lineno(r), 2);
	assert_int_equal(ig_reader_getline(r, &line), 2);
	assert_string_equal(line, "r2");
	ig_reader_close(r);
	unlink(path);
}

static void round_trip(int compress)
{
	const char *path = temp_path();
	ig_writer *w = ig_writer_open(path, compress, 1);
	ig_reader *r;
	char *line;
	int i;

	for (i = 0; i < 100000; i++) {
		ig_writer_put_i64(w, i - 50000);
		ig_writer_putc(w, '\t');
		ig_writer_put_double(w, i * 0.25, 6);
		ig_writer_printf(w, "\t%s\n", "x");
	}
	assert_int_equal(ig_writer_is_gzip(w), compress == IG_COMPRESS_GZIP);
	ig_writer_close(w);
	r = ig_reader_open(path);
	assert_int_equal(ig_reader_is_gzip(r), compress == IG_COMPRESS_GZIP);
	for (i = 0; i < 100000; i++) {
		char want[64];
		snprintf(want, sizeof want, "%d\t%.6g\tx", i - 50000, i * 0.25);
		assert_true(ig_reader_getline(r, &line) >= 0);
		assert_string_equal(line, want);
	}
	assert_int_equal(ig_reader_getline(r, &line), -1);
	ig_reader_close(r);
	unlink(path);
}

static void test_writer_gzip_round_trip(void **state)
{
	(void)state;
	round_trip(IG_COMPRESS_GZIP);
}

static void test_writer_plain_round_trip(void **state)
{
	(void)state;
	round_trip(IG_COMPRESS_NO);
}

static void test_writer_numbers(void **state)
{
	const char *path = temp_path();
	ig_writer *w = ig_writer_open(path, IG_COMPRESS_NO, 6);
	ig_reader *r;
	char *line;

	(void)state;
	ig_writer_put_i64(w, INT64_MIN);
	ig_writer_putc(w, ' ');
	ig_writer_put_u64(w, UINT64_MAX);
	ig_writer_putc(w, ' ');
	ig_writer_put_double(w, -0.0, 6);
	ig_writer_putc(w, ' ');
	ig_writer_put_double(w, 1.0 / 3.0, 4);
	ig_writer_putc(w, '\n');
	ig_writer_close(w);
	r = ig_reader_open(path);
	assert_true(ig_reader_getline(r, &line) > 0);
	assert_string_equal(line, "-9223372036854775808 18446744073709551615 0 0.3333");
	ig_reader_close(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_crlf_is_kept),
		cmocka_unit_test(test_empty_and_one_byte),
		cmocka_unit_test(test_gzip_concatenated),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_unget),
		cmocka_unit_test(test_writer_gzip_round_trip),
		cmocka_unit_test(test_writer_plain_round_trip),
		cmocka_unit_test(test_writer_numbers),
	};

	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
