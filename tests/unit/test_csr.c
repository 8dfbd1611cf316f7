/* core/ig_csr.h: the transpose of a hand-made matrix (entries in a
 * struct, an empty row, an empty column), values carried or not; and
 * transposing twice gives the matrix back on random ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_csr.h"
#include "core/ig_err.h"
#include "core/ig_rng.h"

typedef struct entry {
	uint32_t id;
	float x;
} entry;

/* Rows 0: {2, 0}, 1: {}, 2: {0, 3}, 3: {2}; columns 1 and 4 have no
 * entries (4, past the last id, an empty column at the end). */
static void test_hand_made(void **state)
{
	static const uint64_t off[] = {0, 2, 2, 4, 5};
	static const entry e[] = {{2, 0.5f}, {0, 1.5f}, {0, 2.5f}, {3, 3.5f}, {2, 4.5f}};
	static const uint64_t want_off[] = {0, 2, 2, 4, 5, 5};
	static const uint32_t want_row[] = {0, 2, 0, 3, 2};
	static const float want_val[] = {1.5f, 2.5f, 0.5f, 4.5f, 3.5f};
	ig_csr m = {4, 5, off, &e[0].id, &e[0].x, sizeof e[0]};
	uint64_t toff[6];
	uint32_t trow[5];
	float tval[5];

	(void)state;
	ig_csr_transpose(&m, toff, trow, tval);
	assert_memory_equal(toff, want_off, sizeof want_off);
	assert_memory_equal(trow, want_row, sizeof want_row);
	assert_memory_equal(tval, want_val, sizeof want_val);

	/* without values, and with values the caller does not want */
	memset(tval, 0, sizeof tval);
	m.val = NULL;
	ig_csr_transpose(&m, toff, trow, tval);
	assert_memory_equal(trow, want_row, sizeof want_row);
	assert_true(tval[0] == 0 && tval[4] == 0);
	m.val = &e[0].x;
	ig_csr_transpose(&m, toff, trow, NULL);
	assert_memory_equal(trow, want_row, sizeof want_row);
}

static void test_no_rows(void **state)
{
	ig_csr m = {0, 3, NULL, NULL, NULL, sizeof(uint32_t)};
	uint64_t toff[4] = {9, 9, 9, 9};

	(void)state;
	ig_csr_transpose(&m, toff, NULL, NULL);
	assert_true(toff[0] == 0 && toff[1] == 0 && toff[2] == 0 && toff[3] == 0);
}

/* Row-sorted random matrices with plain uint32 columns: the transpose of
 * the transpose is the matrix (the transpose lists rows ascending, so
 * it holds when each row's columns ascend). */
static void test_twice_is_identity(void **state)
{
	ig_rng rng;
	int trial;

	(void)state;
	ig_rng_seed(&rng, 7);
	for (trial = 0; trial < 50; trial++) {
		uint32_t nr = 1 + (uint32_t)(ig_rng_u64(&rng) % 40), nc = 1 + (uint32_t)(ig_rng_u64(&rng) % 40), r, c;
		uint64_t *off = ig_calloc((size_t)nr + 1, sizeof *off), *toff = ig_calloc((size_t)nc + 1, sizeof *toff);
		uint64_t *back = ig_calloc((size_t)nr + 1, sizeof *back);
		uint32_t *col = ig_malloc((size_t)nr * nc * sizeof *col + 4), *trow, *bcol;
		size_t n = 0;
		ig_csr m, t;

		for (r = 0; r < nr; r++) {
			for (c = 0; c < nc; c++)
				if (ig_rng_u64(&rng) % 4 == 0)
					col[n++] = c;
			off[r + 1] = n;
		}
		trow = ig_malloc(n * sizeof *trow + 4);
		bcol = ig_malloc(n * sizeof *bcol + 4);
		m = (ig_csr){nr, nc, off, col, NULL, sizeof *col};
		ig_csr_transpose(&m, toff, trow, NULL);
		assert_int_equal(toff[nc], n);
		t = (ig_csr){nc, nr, toff, trow, NULL, sizeof *trow};
		ig_csr_transpose(&t, back, bcol, NULL);
		assert_memory_equal(back, off, ((size_t)nr + 1) * sizeof *off);
		if (n > 0)
			assert_memory_equal(bcol, col, n * sizeof *col);
		free(off);
		free(toff);
		free(back);
		free(col);
		free(trow);
		free(bcol);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_no_rows),
		cmocka_unit_test(test_twice_is_identity),
	};

	ig_set_progname("test_csr");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
