/* The towers' hot loops, in a portable copy, an AVX2 one and an AVX-512
 * one (core/ig_kernel_copies.h); ig_tower_kernels_get returns the one
 * ig_isa_pick names. The body is plain loops that the compiler vectorises
 * for each copy's target; sums are reassociated (-ffast-math's
 * reassociation only) so that it can vectorise the dot products, and
 * a*b+c is fused. */
#pragma GCC optimize("fp-contract=fast", "associative-math", "no-signed-zeros", "no-trapping-math")

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tower/ig_tower_priv.h"

#define IG_KERNEL_BODY "tower/ig_tower_kernel_priv.h"
#define IG_KERNEL_AVX512 1
#include "core/ig_kernel_copies.h"

typedef const ig_tower_kernels *(*kernels_fn)(void);
static const kernels_fn copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(kernels);

const ig_tower_kernels *ig_tower_kernels_get(void)
{
	return copies[ig_isa_pick(IG_KERNEL_HAVE)]();
}
