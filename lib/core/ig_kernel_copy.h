/* One copy of a kernel: core/ig_kernel_copies.h includes this once per
 * instruction set, with VW, vf, vfi, KFN and KNAME set; no include guard.
 * The helpers every body shares come first. */

/* The sum of a vector's lanes, halving the width at each step. */
static inline float KFN(hsum)(vf v)
{
#if VW == 16
	v = v + LANES(v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
	v = v + LANES(v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
	v = v + LANES(v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
	v = v + LANES(v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
#elif VW == 8
	v = v + LANES(v, 4, 5, 6, 7, 0, 1, 2, 3);
	v = v + LANES(v, 2, 3, 0, 1, 6, 7, 4, 5);
	v = v + LANES(v, 1, 0, 3, 2, 5, 4, 7, 6);
#else
	v = v + LANES(v, 2, 3, 0, 1);
	v = v + LANES(v, 1, 0, 3, 2);
#endif
	return v[0];
}

/* VW floats from P, aligned or not. */
static inline vf KFN(load)(const float *p)
{
	vf v;

	memcpy(&v, p, sizeof v);
	return v;
}

#include IG_KERNEL_BODY
