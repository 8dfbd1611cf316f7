/* The hot loop, in a portable copy, an AVX2 one and an AVX-512 one
 * (core/ig_kernel_copies.h): ig_w2v_kernel_get picks the one to run. The
 * arithmetic is written on GCC vector types as wide as the copy's
 * registers (rows are padded to 16 floats, a multiple of every width),
 * with a*b+c fused. */
#pragma GCC optimize("fp-contract=fast")

#include "w2v/ig_w2v_kernel.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

#define MAX_OUT 64 /* the target and at most 63 negatives */

#define IG_KERNEL_BODY "w2v/ig_w2v_kernel_priv.h"
#define IG_KERNEL_AVX512 1
#include "core/ig_kernel_copies.h"

static const ig_w2v_kernel_fn copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(ig_w2v_kernel);

ig_w2v_kernel_fn ig_w2v_kernel_get(void)
{
	return copies[ig_isa_pick(IG_KERNEL_HAVE)];
}

const char *ig_w2v_kernel_name(void)
{
	return ig_isa_name(ig_isa_pick(IG_KERNEL_HAVE));
}
