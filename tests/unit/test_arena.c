/* The string arena (lib/core/ig_arena.c): offsets survive the growth that
 * moves the buffer, each string ends in a NUL, a clear starts over. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_arena.h"
#include "core/ig_err.h"

static void test_offsets_survive_growth(void **state)
{
	ig_arena a = {NULL, 0, 0};
	size_t off[5000], i;
	char s[32];

	(void)state;
	/* about 70 KB: past the first allocation, so the buffer moves */
	for (i = 0; i < 5000; i++) {
		int n = snprintf(s, sizeof s, "item%zu", i);

		off[i] = ig_arena_add(&a, s, (size_t)n);
	}
	assert_true(a.cap >= a.n);
	for (i = 0; i < 5000; i++) {
		snprintf(s, sizeof s, "item%zu", i);
		assert_string_equal(a.buf + off[i], s);
	}
	/* N bytes of a longer string: the copy stops there, with its NUL */
	i = ig_arena_add(&a, "user\tmore", 4);
	assert_string_equal(a.buf + i, "user");
	ig_arena_clear(&a);
	assert_int_equal(ig_arena_add(&a, "", 0), 0);
	assert_int_equal(ig_arena_add(&a, "x", 1), 1);
	assert_string_equal(a.buf + 1, "x");
	ig_arena_free(&a);
	assert_null(a.buf);
}

/* ig_calloc_lines: at a cache line's start and zeroed, for sizes that
 * are and are not whole lines, and for 0. */
static void test_calloc_lines(void **state)
{
	static const size_t sizes[] = {0, 1, 63, 64, 65, 1000, 4096};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = ig_calloc_lines(sizes[i]);

		assert_int_equal((uintptr_t)p % 64, 0);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets_survive_growth),
		cmocka_unit_test(test_calloc_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
