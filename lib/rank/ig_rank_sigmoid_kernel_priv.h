/* The body of calibration's sigmoids, compiled once per instruction set
 * by core/ig_kernel_copies.h for ig_rank_lr_kernel.c (KFN: see there).
 * Private to ig_rank_lr_kernel.c. */

#ifndef IG_RANK_SIGMOID_TYPES
#define IG_RANK_SIGMOID_TYPES
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
#endif

/* 1 / (1 + exp(-T)) for the four T: exp(X) for |X| <= 700 as X = k ln 2
 * + r with |r| <= ln 2 / 2 (ln 2 in two parts, the first with trailing
 * zeros so that k times it is exact), then 1 + (r + r^2 (1/2! + ... +
 * r^12/14!)) (the series' rest is below 1e-19) times 2^k. No fused
 * operations (-std=c11 contracts none): every copy gives the same bits,
 * within an ulp or so of libm's exp, not always equal to it. Returns 0
 * when a T is out of that range or NaN, for libm to do. */
static inline __attribute__((always_inline)) int KFN(sigmoid4)(const double *t, double *p)
{
	static const double c[] = {1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
				   1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
				   1.0 / 6227020800, 1.0 / 87178291200};
	const double shift = 0x1.8p52, ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
	const long long shift_bits = 0x4338000000000000ll, exp_mask = 0x7fffffffffffffffll;
	v4d x, kd, r, q, s, ax;
	v4l k, bits, ok;
	int i;

	memcpy(&x, t, sizeof x);
	memcpy(&bits, &x, sizeof bits);
	bits &= exp_mask;
	memcpy(&ax, &bits, sizeof ax);
	ok = ax <= 700;
	if (!(ok[0] & ok[1] & ok[2] & ok[3]))
		return 0;
	x = -x;
	kd = x * 1.4426950408889634074 + shift;
	memcpy(&k, &kd, sizeof k);
	kd -= shift;
	k -= shift_bits;
	r = (x - kd * ln2_hi) - kd * ln2_lo;
	q = r * c[12];
	for (i = 11; i >= 0; i--)
		q = (q + c[i]) * r;
	s = r + r * q;
	bits = (k + 1023) << 52;
	memcpy(&q, &bits, sizeof q);
	x = 1 / (1 + (1 + s) * q);
	memcpy(p, &x, sizeof x);
	return 1;
}

/* Four at a time, the last few through a copy padded with zeros; a
 * group with a value sigmoid4 leaves, by libm. */
static void KFN(sigmoids)(const double *t, double *p, int n)
{
	double tt[4], pp[4];
	int i, j;

	for (i = 0; i < n; i += 4) {
		if (i + 4 <= n) {
			if (KFN(sigmoid4)(t + i, p + i))
				continue;
		} else {
			memset(tt, 0, sizeof tt);
			memcpy(tt, t + i, (size_t)(n - i) * sizeof *tt);
			if (KFN(sigmoid4)(tt, pp)) {
				memcpy(p + i, pp, (size_t)(n - i) * sizeof *pp);
				continue;
			}
		}
		for (j = i; j < i + 4 && j < n; j++)
			p[j] = 1 / (1 + exp(-t[j]));
	}
}
