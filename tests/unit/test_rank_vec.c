/* The vector features' kernel (lib/rank/ig_rank_vec_kernel.c): every
 * copy this CPU runs (and IG_KERNEL allows) gives the plain loop's sums,
 * the same bits, at every dimension (multiples of 8 or not) and every
 * count of history vectors (the copies take several at once). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/ig_cpu.h"
#include "core/ig_rng.h"
#include "rank/ig_rank_vec_kernel.h"

#define LANES IG_RANK_VEC_LANES
#define MAX_DIM 101
#define MAX_H 11

/* What rank/ig_rank_features.c vector_features sums: over the
 * dimensions in turn, a product of two doubles made of floats, added. */
static double plain_dot(const float *a, const float *b, uint32_t dim)
{
	double s = 0;
	uint32_t d;

	for (d = 0; d < dim; d++)
		s += (double)a[d] * (double)b[d];
	return s;
}

static void fill(ig_rng *r, float *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = (float)ig_rng_normal(r) / 8;
}

static void check_copy(int isa, ig_rng *r)
{
	static float cand[LANES][MAX_DIM], hist[MAX_H][MAX_DIM];
	static double ivt[MAX_DIM * LANES], s[MAX_H * LANES + 1];
	const float *hv[MAX_H];
	uint32_t dim, d;
	size_t nh, j;
	int b;

	for (dim = 1; dim <= MAX_DIM; dim += dim < 40 ? 1 : 61 - 40 + 1) {
		for (b = 0; b < LANES; b++)
			fill(r, cand[b], dim);
		for (d = 0; d < dim; d++)
			for (b = 0; b < LANES; b++)
				ivt[d * LANES + (uint32_t)b] = (double)cand[b][d];
		for (nh = 0; nh <= MAX_H; nh++) {
			for (j = 0; j < nh; j++) {
				fill(r, hist[j], dim);
				hv[j] = hist[j];
			}
			s[nh * LANES] = -7; /* past the last: left alone */
			ig_rank_dots8(isa, ivt, dim, hv, nh, s);
			for (j = 0; j < nh; j++)
				for (b = 0; b < LANES; b++) {
					double want = plain_dot(cand[b], hist[j], dim);

					if (memcmp(&want, &s[j * LANES + (size_t)b], sizeof want) != 0)
						fail_msg("%s: dim %u, %zu history vectors, vector %zu lane %d: %.17g, want %.17g",
							 ig_isa_name(isa), dim, nh, j, b, s[j * LANES + (size_t)b], want);
				}
			assert_true(s[nh * LANES] == -7);
		}
	}
}

static void test_copies_sum_as_the_loop(void **state)
{
	ig_rng r;
	int isa;

	(void)state;
	ig_rng_seed(&r, 11);
	assert_true(ig_rank_vec_isa() <= ig_isa());
	/* the portable copy always, then each one this CPU runs */
	for (isa = IG_ISA_PORTABLE; isa <= ig_isa(); isa++)
		check_copy(isa, &r);
}

/* Large and small magnitudes mixed, where a fused or reordered sum
 * would round differently: still the loop's bits. */
static void test_rounding_is_the_loop(void **state)
{
	static float cand[LANES][24], h[24];
	static double ivt[24 * LANES], s[LANES];
	const float *hv[1] = {h};
	uint32_t d;
	int b, isa;

	(void)state;
	for (d = 0; d < 24; d++) {
		h[d] = d % 3 == 0 ? 1e7f : d % 3 == 1 ? 1e-7f : -1e7f;
		for (b = 0; b < LANES; b++)
			cand[b][d] = (float)(1 + b) * (d % 2 ? 3.3f : 0.77f);
	}
	for (d = 0; d < 24; d++)
		for (b = 0; b < LANES; b++)
			ivt[d * LANES + (uint32_t)b] = (double)cand[b][d];
	for (isa = IG_ISA_PORTABLE; isa <= ig_isa(); isa++) {
		ig_rank_dots8(isa, ivt, 24, hv, 1, s);
		for (b = 0; b < LANES; b++) {
			double want = plain_dot(cand[b], h, 24);

			assert_memory_equal(&want, &s[b], sizeof want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_sum_as_the_loop),
		cmocka_unit_test(test_rounding_is_the_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
