/* lib/ig_vectors: word2vec text and binary round trips (plain and gzip),
 * gensim-style binary rows without newlines, lookups, nearest neighbours,
 * and the malformed files that must exit 1 with a message. */
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

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "expect_exit.h"
#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "io/ig_vectors.h"
#include "io/ig_writer.h"

static char *temp_path(void)
{
	static char paths[8][64];
	static int next;
	char *p = paths[next++ % 8];
	int fd;

	snprintf(p, 64, "/tmp/igvec.XXXXXX");
	fd = mkstemp(p);
	assert_true(fd >= 0);
	close(fd);
	return p;
}

static char *write_bytes(const void *data, size_t len)
{
	char *p = temp_path();
	FILE *fp = fopen(p, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	return p;
}

static ig_vectors *sample(void)
{
	static const float a[3] = {1.0f, -2.5f, 3.25e-5f};
	static const float b[3] = {0.1f, 1e30f, -0.0f};
	static const float c[3] = {0.333333343f, 7e-39f, 123456.789f};
	ig_vectors *v = ig_vectors_new(3);

	assert_int_equal(ig_vectors_add(v, "alpha", 5, a), 0);
	assert_int_equal(ig_vectors_add(v, "b\xc3\xa9ta", 5, b), 1);
	assert_int_equal(ig_vectors_add(v, "@c", 2, c), 2);
	return v;
}

static void roundtrip(int format, int compress)
{
	ig_vectors *v = sample(), *back;
	char *p = temp_path();
	ig_writer *w = ig_writer_open(p, compress, 6);

	ig_vectors_save(v, w, format, IG_VECTORS_EXACT_DIGITS);
	ig_writer_close(w);
	back = ig_vectors_load(p);
	assert_int_equal(back->n, 3);
	assert_int_equal(back->dim, 3);
	assert_int_equal(back->format, format);
	assert_string_equal(ig_vectors_name(back, 1), "b\xc3\xa9ta");
	assert_int_equal(ig_vectors_find(back, "@c", 2), 2);
	assert_int_equal(ig_vectors_find(back, "c", 1), IG_INTERN_NONE);
	/* Bit for bit, including -0 and a denormal. */
	assert_memory_equal(back->data, v->data, 9 * sizeof(float));
	ig_vectors_free(back);
	ig_vectors_free(v);
	unlink(p);
}

static void test_roundtrip_text(void **state)
{
	(void)state;
	roundtrip(IG_VECTORS_TEXT, IG_COMPRESS_NO);
	roundtrip(IG_VECTORS_TEXT, IG_COMPRESS_GZIP);
}

static void test_roundtrip_binary(void **state)
{
	(void)state;
	roundtrip(IG_VECTORS_BINARY, IG_COMPRESS_NO);
	roundtrip(IG_VECTORS_BINARY, IG_COMPRESS_GZIP);
}

static void test_text_layout(void **state)
{
	ig_vectors *v = ig_vectors_new(2);
	static const float x[2] = {0.5f, -0.1234567f};
	char *p = temp_path();
	ig_writer *w = ig_writer_open(p, IG_COMPRESS_NO, 6);
	char buf[128] = {0};
	FILE *fp;

	(void)state;
	ig_vectors_add(v, "x", 1, x);
	ig_vectors_save(v, w, IG_VECTORS_TEXT, 6);
	ig_writer_close(w);
	fp = fopen(p, "rb");
	assert_int_equal(fread(buf, 1, sizeof buf - 1, fp), 20);
	fclose(fp);
	assert_string_equal(buf, "1 2\nx 0.5 -0.123457\n");
	ig_vectors_free(v);
	unlink(p);
}

/* gensim writes binary rows without the "\n" of word2vec.c; text from
 * other tools may end rows with a space or CRLF. */
static void test_foreign_layouts(void **state)
{
	unsigned char bin[64];
	float one[2] = {1.5f, -2}, two[2] = {0.25f, 8};
	size_t n = 0;
	char *p;
	ig_vectors *v;

	(void)state;
	memcpy(bin + n, "2 2\nu ", 6);
	n += 6;
	memcpy(bin + n, one, 8);
	n += 8;
	memcpy(bin + n, "vv ", 3);
	n += 3;
	memcpy(bin + n, two, 8);
	n += 8;
	p = write_bytes(bin, n);
	v = ig_vectors_load(p);
	assert_int_equal(v->format, IG_VECTORS_BINARY);
	assert_int_equal(v->n, 2);
	assert_true(ig_vectors_row(v, 1)[1] == 8);
	assert_string_equal(ig_vectors_name(v, 1), "vv");
	ig_vectors_free(v);
	unlink(p);

	p = write_bytes("2 2\r\nu 1.5 -2 \r\nvv 0.25 8\n", 26);
	v = ig_vectors_load(p);
	assert_int_equal(v->format, IG_VECTORS_TEXT);
	assert_true(ig_vectors_row(v, 0)[0] == 1.5f && ig_vectors_row(v, 1)[1] == 8);
	ig_vectors_free(v);
	unlink(p);
}

static void test_nearest(void **state)
{
	ig_vectors *v = ig_vectors_new(2);
	static const float a[2] = {1, 0}, b[2] = {0.9f, 0.1f}, c[2] = {0, 1}, d[2] = {-1, 0};
	uint32_t ids[4];
	float sc[4];

	(void)state;
	ig_vectors_add(v, "a", 1, a);
	ig_vectors_add(v, "b", 1, b);
	ig_vectors_add(v, "c", 1, c);
	ig_vectors_add(v, "d", 1, d);
	assert_int_equal(ig_vectors_nearest(v, a, 2, 0, ids, sc), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_true(fabsf(sc[0] - 0.9f / sqrtf(0.82f)) < 1e-6f);
	assert_true(sc[1] == 0);
	assert_int_equal(ig_vectors_nearest(v, a, 4, IG_INTERN_NONE, ids, sc), 4);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[3], 3);
	assert_true(sc[0] == 1 && sc[3] == -1);
	assert_true(fabsf(ig_vectors_cosine(a, d, 2) + 1) < 1e-7f);
	ig_vectors_free(v);
}

static const char *bad_path;

static void load_bad(void *arg)
{
	(void)arg;
#if defined(__SANITIZE_ADDRESS__)
	__lsan_disable(); /* what a reader holds when it exits 1 is not a leak */
#endif
	ig_vectors_load(bad_path);
}

static void expect_bad(const char *content, size_t len, const char *message)
{
	char err[512], want[512];

	bad_path = write_bytes(content, len);
	assert_int_equal(run_expect_exit(load_bad, NULL, err, sizeof err), 1);
	snprintf(want, sizeof want, "test_vectors: %s%s", bad_path, message);
	assert_string_equal(err, want);
	unlink(bad_path);
}

#define BAD(content, message) expect_bad(content, sizeof(content) - 1, message)

static void test_malformed(void **state)
{
	(void)state;
	BAD("", ":1: empty input: expected a word2vec header (\"COUNT DIM\")\n");
	BAD("x 3\n", ":1: not a word2vec header (\"COUNT DIM\"): 'x 3'\n");
	BAD("1 0\n", ":1: bad dimension '0' (1 to 1000000)\n");
	BAD("2 2\na 1 2\n", ": truncated: the header says 2 vectors, found 1\n");
	BAD("1 2\na 1 2\nb 3 4\n", ":3: more vectors than the header's 1\n");
	BAD("1 3\na 1 2\n", ":2: vector 'a': 2 values, expected 3\n");
	BAD("1 2\na 1 2 3\n", ":2: vector 'a': more than 2 values\n");
	BAD("1 2\na 1 2.5.5\n", ":2: vector 'a': value 2 is not a number '2.5.5'\n");
	BAD("2 1\na 1\na 2\n", ":3: repeated name 'a'\n");
	BAD("1 4\nab \x01\x02\x03\x04\x05\x06", ": vector 1 ('ab'): truncated\n");
	/* Found while writing tests/fuzz/fuzz_vectors.c: a carriage return in a
	 * name got past the reader and died in ig_vectors_add without the
	 * file and line. */
	BAD("1 1\na\rb 1\n", ":2: vector 1: a name cannot hold a carriage return\n");
}

/* A header's DIM must not make the first row allocate for 1024 rows of
 * DIM floats (4 GB at the largest DIM) before more rows arrive: the first
 * block holds at most 2^20 floats. */
static void test_large_dim(void **state)
{
	static const float zeros[2000];
	uint32_t dim = 1000000;
	size_t len = 10 + 2 + (size_t)dim * 4 + 1;
	char *bytes = calloc(1, len), *path;
	ig_vectors *v;

	(void)state;
	assert_non_null(bytes);
	memcpy(bytes, "1 1000000\na ", 12);
	bytes[len - 1] = '\n';
	path = write_bytes(bytes, len);
	free(bytes);
	v = ig_vectors_load(path);
	unlink(path);
	assert_int_equal(v->n, 1);
	assert_int_equal(v->dim, dim);
	assert_int_equal(v->format, IG_VECTORS_BINARY);
	assert_int_equal(v->cap, 1);
	assert_true(ig_vectors_row(v, 0)[dim - 1] == 0.0f);
	ig_vectors_free(v);
	v = ig_vectors_new(2000);
	assert_int_equal(ig_vectors_add(v, "x", 1, zeros), 0);
	assert_int_equal(v->cap, (1 << 20) / 2000);
	ig_vectors_free(v);
	v = sample();
	assert_int_equal(v->cap, 1024);
	ig_vectors_free(v);
}

static void add_bad_name(void *arg)
{
	ig_vectors *v = ig_vectors_new(1);
	static const float x = 1;

	(void)arg;
	ig_vectors_add(v, "a b", 3, &x);
}

static void test_bad_name(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(run_expect_exit(add_bad_name, NULL, err, sizeof err), 1);
	assert_string_equal(err, "test_vectors: cannot write 'a b' in the word2vec formats: a name must be "
				 "non-empty, without spaces, tabs or newlines\n");
	assert_false(ig_vectors_name_ok("", 0));
	assert_true(ig_vectors_name_ok("u:1", 3));
}

/* The fast "%.*g" gives printf's bytes: every digit count, random floats
 * over many magnitudes, and the edges (powers of ten, ties, -0). */
static void test_format_float(void **state)
{
	static const float edges[] = {0.0f, -0.0f, 1.0f, 9.9999995f, 10.0f, 0.0001f, 0.00009999f, 1e-5f,
				      123456.5f, 0.5f, 2.5f, -0.125f, 99999.95f, 1e9f, 3.4e38f, 1e-40f};
	uint64_t rng = 99;
	char ours[IG_DOUBLE_BUF], ref[IG_DOUBLE_BUF];
	int digits, i;

	(void)state;
	for (digits = 1; digits <= 9; digits++) {
		for (i = 0; i < (int)(sizeof edges / sizeof edges[0]); i++) {
			ig_vectors_format_float(ours, edges[i], digits);
			snprintf(ref, sizeof ref, "%.*g", digits, (double)edges[i]);
			assert_string_equal(ours, ref);
		}
		for (i = 0; i < 20000; i++) {
			uint32_t bits;
			float f;

			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			bits = (uint32_t)(rng >> 32);
			/* exponents around 2^-20 .. 2^30 */
			bits = (bits & 0x807fffffu) | ((uint32_t)(107 + (rng >> 20) % 50) << 23);
			memcpy(&f, &bits, sizeof f);
			assert_int_equal(ig_vectors_format_float(ours, f, digits),
					 (size_t)snprintf(ref, sizeof ref, "%.*g", digits, (double)f));
			assert_string_equal(ours, ref);
		}
	}
}

/* Issue 8, item 8: non-finite binary values, trailing garbage after gzip
 * data, "nan" in a first text row (was taken for binary and got a
 * misleading message). */
static void test_not_finite_and_garbage(void **state)
{
	static const unsigned char nan_row[] = {'1', ' ', '2', '\n', 'a', ' ', 0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f, '\n'};
	static const unsigned char inf_row[] = {'1', ' ', '1', '\n', 'a', ' ', 0, 0, 0x80, 0xff, '\n'};
	char err[1024], want[1024], *p, cmd[600];

	(void)state;
	expect_bad((const char *)nan_row, sizeof nan_row,
		   ": vector 1 ('a'): value 2 is NaN; vectors must be finite\n");
	expect_bad((const char *)inf_row, sizeof inf_row,
		   ": vector 1 ('a'): value 1 is infinite; vectors must be finite\n");
	BAD("1 2\na nan 1\n", ":2: vector 'a': value 1 is not a number 'nan'\n");
	BAD("1 2\na 1 -inf\n", ":2: vector 'a': value 2 is not a number '-inf'\n");
	/* A gzip file with bytes after its member: refused, where gzread
	 * skipped them. */
	p = write_bytes("1 2\na 1 2\n", 10);
	snprintf(cmd, sizeof cmd, "gzip -c <%s >%s.gz && printf 'garbage' >>%s.gz", p, p, p);
	assert_int_equal(system(cmd), 0);
	unlink(p);
	snprintf(cmd, sizeof cmd, "%s.gz", p);
	bad_path = cmd;
	assert_int_equal(run_expect_exit(load_bad, NULL, err, sizeof err), 1);
	snprintf(want, sizeof want, "test_vectors: %s: invalid gzip data: incorrect header check\n", cmd);
	assert_string_equal(err, want);
	unlink(cmd);
}

/* Issue 8, item 8: cosine of --nearest is symmetric to the bit, and rows
 * whose norm overflows float get their true score, not 0. */
static void test_nearest_symmetric_and_huge(void **state)
{
	ig_vectors *v = ig_vectors_new(3);
	static const float big_a[3] = {3e38f, 3e38f, 0}, big_b[3] = {3e38f, 2e38f, 1e37f};
	float rows[20][3];
	uint32_t ids[20], i, j;
	float sc[20], s_ij = 0, s_ji = 0;
	uint64_t rng = 7;
	char name[8];

	(void)state;
	for (i = 0; i < 20; i++) {
		for (j = 0; j < 3; j++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			rows[i][j] = (float)((double)(rng >> 11) / 9007199254740992.0 - 0.5) * (i % 2 ? 1e-3f : 7.0f);
		}
		snprintf(name, sizeof name, "r%u", i);
		ig_vectors_add(v, name, strlen(name), rows[i]);
	}
	for (i = 0; i < 20; i++) {
		size_t n = ig_vectors_nearest(v, rows[i], 20, i, ids, sc);
		for (j = 0; j < 20; j++) {
			size_t a, b;
			if (j == i)
				continue;
			for (a = 0; a < n && ids[a] != j; a++)
				;
			assert_true(a < n);
			s_ij = sc[a];
			{
				uint32_t ids2[20];
				float sc2[20];
				size_t n2 = ig_vectors_nearest(v, rows[j], 20, j, ids2, sc2);
				for (b = 0; b < n2 && ids2[b] != i; b++)
					;
				assert_true(b < n2);
				s_ji = sc2[b];
			}
			assert_true(s_ij == s_ji);
		}
	}
	ig_vectors_free(v);
	v = ig_vectors_new(3);
	ig_vectors_add(v, "a", 1, big_a);
	ig_vectors_add(v, "b", 1, big_b);
	assert_int_equal(ig_vectors_nearest(v, big_a, 1, 0, ids, sc), 1);
	assert_int_equal(ids[0], 1);
	assert_true(fabsf(sc[0] - (float)ig_vectors_cosine(big_a, big_b, 3)) < 1e-6f);
	assert_true(sc[0] > 0.9f);
	ig_vectors_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_text),
		cmocka_unit_test(test_roundtrip_binary),
		cmocka_unit_test(test_text_layout),
		cmocka_unit_test(test_foreign_layouts),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_large_dim),
		cmocka_unit_test(test_bad_name),
		cmocka_unit_test(test_format_float),
		cmocka_unit_test(test_not_finite_and_garbage),
		cmocka_unit_test(test_nearest_symmetric_and_huge),
	};

	ig_set_progname("test_vectors");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
