#include "core/ig_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void ig_rng_seed(ig_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

void ig_rng_seed_stream(ig_rng *r, uint64_t seed, uint64_t k)
{
	uint64_t x = seed ^ (k * 0xd1b54a32d192ed03ULL);

	ig_rng_seed(r, splitmix64(&x));
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t ig_rng_u64(ig_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double ig_rng_double(ig_rng *r)
{
	return (double)(ig_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t ig_rng_below(ig_rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = ig_rng_u64(r);
	while (x >= limit);
	return x % n;
}

double ig_rng_normal(ig_rng *r)
{
	double u1 = 1.0 - ig_rng_double(r); /* (0, 1] */
	double u2 = ig_rng_double(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double ig_rng_exponential(ig_rng *r)
{
	return -log(1.0 - ig_rng_double(r));
}

double ig_rng_gamma(ig_rng *r, double shape)
{
	double d, c;

	if (shape < 1.0) {
		double u = ig_rng_double(r);
		return ig_rng_gamma(r, shape + 1.0) * pow(u > 0 ? u : 1e-300, 1.0 / shape);
	}
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x, v, u;
		do {
			x = ig_rng_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = ig_rng_double(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}
