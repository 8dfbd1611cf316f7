/* The dot product of two unit vectors, compiled once per instruction set
 * by core/ig_kernel_copies.h for ig_div_select_kernel.c (KFN, vf, VW: see
 * there). Rows are padded with zeros to a multiple of 8 floats: the
 * portable copy sums in two 4-float accumulators, the AVX2 one in one of
 * 8 floats (with FMA), so that the sum of lanes is the same expression in
 * both and they differ only by FMA rounding. Private to
 * ig_div_select_kernel.c. */

static double KFN(div_dot)(const float *x, const float *y, size_t n)
{
	size_t d;
#if VW == 4
	vf a = {0, 0, 0, 0}, b = {0, 0, 0, 0};

	for (d = 0; d < n; d += 8) {
		a += KFN(load)(x + d) * KFN(load)(y + d);
		b += KFN(load)(x + d + 4) * KFN(load)(y + d + 4);
	}
	a += b;
#else
	vf a = {0};

	for (d = 0; d < n; d += VW)
		a += KFN(load)(x + d) * KFN(load)(y + d);
#endif
	return (double)KFN(hsum)(a);
}
