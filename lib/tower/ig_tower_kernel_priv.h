/* The body of the tower kernels, compiled once per instruction set by
 * core/ig_kernel_copies.h for ig_tower_kernel.c (KFN, KNAME: see there);
 * the compiler vectorises the loops for the copy's target. Private to
 * ig_tower_kernel.c. */

static void KFN(affine)(const float *restrict w, const float *restrict b, const float *restrict x, uint32_t in,
			uint32_t out, float *restrict y)
{
	uint32_t k, i;

	for (k = 0; k < out; k++) {
		const float *restrict r = w + (size_t)k * in;
		float s = 0;

		for (i = 0; i < in; i++)
			s += r[i] * x[i];
		y[k] = s + b[k];
	}
}

static void KFN(affine_back)(const float *restrict w, const float *restrict x, const float *restrict dy, uint32_t in,
			     uint32_t out, float *restrict gw, float *restrict dx)
{
	uint32_t k, i;

	if (dx != NULL)
		for (i = 0; i < in; i++)
			dx[i] = 0;
	for (k = 0; k < out; k++) {
		const float *restrict r = w + (size_t)k * in;
		float *restrict g = gw + (size_t)k * in;
		float d = dy[k];

		if (d == 0)
			continue;
		for (i = 0; i < in; i++)
			g[i] += d * x[i];
		if (dx != NULL)
			for (i = 0; i < in; i++)
				dx[i] += d * r[i];
	}
}

static float KFN(dot)(const float *restrict a, const float *restrict b, uint32_t n)
{
	float s = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static void KFN(axpy)(float a, const float *restrict x, float *restrict y, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		y[i] += a * x[i];
}

static void KFN(adagrad)(float *restrict p, float *restrict acc, const float *restrict g, float lr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		float a = acc[i] + g[i] * g[i];

		acc[i] = a;
		p[i] -= lr * g[i] / sqrtf(a);
	}
}

static const ig_tower_kernels *KFN(kernels)(void)
{
	static const ig_tower_kernels k = {
		KFN(affine), KFN(affine_back), KFN(dot), KFN(axpy), KFN(adagrad), KNAME
	};

	return &k;
}
