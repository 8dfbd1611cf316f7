/* The hot loops of HNSW search and brute force, written on GCC vector
 * types as wide as a copy's registers (core/ig_kernel_copies.h), with
 * a*b+c fused. Only the portable copy is built, the one every x86-64 has
 * run so far: an AVX2 copy (IG_KERNEL_AVX2 1) scans some 20% faster at 64
 * dimensions but changes similarities in their last bits, hence indexes
 * and results; that is for a change of ig-retrieve's output to decide. */
#pragma GCC optimize("fp-contract=fast")

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "retrieve/ig_hnsw_priv.h"

#define IG_KERNEL_BODY "retrieve/ig_ann_kernel_priv.h"
#define IG_KERNEL_AVX2 0
#include "core/ig_kernel_copies.h"

static const ig_ann_kernel *const copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(&kernel);

const ig_ann_kernel *ig_ann_kernel_get(void)
{
	return copies[ig_isa_pick(IG_KERNEL_HAVE)];
}

const char *ig_ann_kernel_name(void)
{
	return ig_ann_kernel_get()->name;
}
