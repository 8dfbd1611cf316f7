/* Little-endian model files: values survive a round trip byte for byte,
 * and a short or damaged buffer is refused with its offset. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ig_err.h"
#include "expect_exit.h"
#include "io/ig_binfile.h"

static void test_round_trip(void **state)
{
	ig_binbuf b = {NULL, 0, 0};
	const float f[3] = {1.5f, -0.25f, 3e-7f};
	float g[3];
	ig_bincur c;
	char *s;

	(void)state;
	ig_binbuf_u32(&b, 0x01020304u);
	ig_binbuf_u64(&b, 0x1122334455667788ull);
	ig_binbuf_f64(&b, -2.5);
	ig_binbuf_floats(&b, f, 3);
	ig_binbuf_str(&b, "héllo");
	assert_int_equal(b.n, 4 + 8 + 8 + 12 + 4 + 6);
	/* little-endian whatever the host */
	assert_int_equal(b.p[0], 0x04);
	assert_int_equal(b.p[3], 0x01);
	assert_int_equal(b.p[4], 0x88);
	c = (ig_bincur){b.p, b.n, 0, "t", "test file", NULL, NULL};
	assert_int_equal(ig_bincur_u32(&c, "a"), 0x01020304u);
	assert_true(ig_bincur_u64(&c, "b") == 0x1122334455667788ull);
	assert_true(ig_bincur_f64(&c, "c") == -2.5);
	ig_bincur_floats(&c, g, 3, "d");
	assert_memory_equal(f, g, sizeof f);
	s = ig_bincur_str(&c, 100, "e");
	assert_string_equal(s, "héllo");
	assert_int_equal(c.at, b.n);
	free(s);
	free(b.p);
}

static unsigned char short_buf[6] = {1, 0, 0, 0, 9, 9};
static int cleaned;

static void note_cleanup(void *arg)
{
	(void)arg;
	cleaned = 1;
	fputs("cleanup ran\n", stderr);
}

static void read_past_end(void *arg)
{
	ig_bincur c = {short_buf, sizeof short_buf, 0, "m.bin", "test file", note_cleanup, NULL};

	(void)arg;
	ig_bincur_u32(&c, "first");
	ig_bincur_u32(&c, "second");
}

static void read_nan(void *arg)
{
	unsigned char nan_bytes[4] = {0, 0, 0xc0, 0x7f};
	ig_bincur c = {nan_bytes, 4, 0, "m.bin", "test file", NULL, NULL};

	(void)arg;
	ig_bincur_f32(&c, "weight");
}

static void read_long_string(void *arg)
{
	unsigned char b[8] = {200, 0, 0, 0, 'a', 'b', 'c', 'd'};
	ig_bincur c = {b, 8, 0, "m.bin", "test file", NULL, NULL};

	(void)arg;
	ig_bincur_str(&c, 1000, "name");
}

static void test_refusals(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(run_expect_exit(read_past_end, NULL, err, sizeof err), 1);
	assert_non_null(strstr(err, "cleanup ran\n"));
	assert_non_null(strstr(err, "m.bin: not a valid test file: second (at byte 4)"));
	assert_int_equal(run_expect_exit(read_nan, NULL, err, sizeof err), 1);
	assert_non_null(strstr(err, "m.bin: not a valid test file: weight (at byte 4)"));
	assert_int_equal(run_expect_exit(read_long_string, NULL, err, sizeof err), 1);
	assert_non_null(strstr(err, "not a valid test file: name (at byte 4)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
	};

	ig_progname = "test_binfile";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
