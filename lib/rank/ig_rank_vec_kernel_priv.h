/* The body of the vector features' kernel, compiled once per instruction
 * set by core/ig_kernel_copies.h for ig_rank_vec_kernel.c (KFN, VW: see
 * there). The eight candidates' sums are two vectors of four doubles; KG
 * history vectors go at once, so that 2 * KG chains of additions are in
 * flight, each lane's in the order of the dimensions. */

typedef double KFN(vd) __attribute__((vector_size(32)));
/* the same, at a double's alignment, to load and store through (no
 * function of the portable copy takes or returns a vector: it has no
 * AVX registers to pass them in) */
typedef double KFN(vdu) __attribute__((vector_size(32), aligned(8), may_alias));

/* The portable copy's vectors are pairs of SSE2 registers: two history
 * vectors (8 registers of sums) leave room for the operands. */
#if VW >= 8
#define KG 4
#else
#define KG 2
#endif

static void KFN(ig_rank_dots8)(const double *ivt, uint32_t dim, const float *const *hv, size_t nh, double *s)
{
	typedef KFN(vd) vd;
	size_t j = 0;
	uint32_t d;
	int g;

	for (; j + KG <= nh; j += KG) {
		vd lo[KG], hi[KG];
		const float *h[KG];

		for (g = 0; g < KG; g++) {
			lo[g] = hi[g] = (vd){0, 0, 0, 0};
			h[g] = hv[j + (size_t)g];
		}
		for (d = 0; d < dim; d++) {
			vd a = *(const KFN(vdu) *)(ivt + 8 * (size_t)d), b = *(const KFN(vdu) *)(ivt + 8 * (size_t)d + 4);

#pragma GCC unroll 4
			for (g = 0; g < KG; g++) {
				double x = (double)h[g][d];

				lo[g] += a * x;
				hi[g] += b * x;
			}
		}
		for (g = 0; g < KG; g++) {
			*(KFN(vdu) *)(s + 8 * (j + (size_t)g)) = lo[g];
			*(KFN(vdu) *)(s + 8 * (j + (size_t)g) + 4) = hi[g];
		}
	}
	for (; j < nh; j++) {
		vd lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
		const float *h = hv[j];

		for (d = 0; d < dim; d++) {
			double x = (double)h[d];

			lo += *(const KFN(vdu) *)(ivt + 8 * (size_t)d) * x;
			hi += *(const KFN(vdu) *)(ivt + 8 * (size_t)d + 4) * x;
		}
		*(KFN(vdu) *)(s + 8 * j) = lo;
		*(KFN(vdu) *)(s + 8 * j + 4) = hi;
	}
}

#undef KG
