/* Seeded random numbers: xoshiro256** seeded by splitmix64. The same seed
 * gives the same sequence on every machine. */
#ifndef IG_RNG_H
#define IG_RNG_H

#include <stdint.h>

typedef struct ig_rng {
	uint64_t s[4];
} ig_rng;

void ig_rng_seed(ig_rng *r, uint64_t seed);
/* An independent stream for worker or entity K under the same seed. */
void ig_rng_seed_stream(ig_rng *r, uint64_t seed, uint64_t k);
uint64_t ig_rng_u64(ig_rng *r);
/* Uniform in [0, 1). */
double ig_rng_double(ig_rng *r);
/* Uniform in [0, N), N > 0, without modulo bias. */
uint64_t ig_rng_below(ig_rng *r, uint64_t n);
/* Standard normal (Box-Muller). */
double ig_rng_normal(ig_rng *r);
/* Exponential with mean 1. */
double ig_rng_exponential(ig_rng *r);
/* Gamma(shape, 1) (Marsaglia-Tsang). */
double ig_rng_gamma(ig_rng *r, double shape);

#endif
