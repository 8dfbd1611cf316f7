/* The hot loops of HNSW search and brute force, written on GCC vector
 * types as wide as a copy's registers (core/ig_kernel_copies.h), with
 * a*b+c fused: a portable copy and an AVX2 one. Their similarities differ
 * in the last bits (8 lanes summed in another order), so an index built
 * or searched on a CPU without AVX2, or with IG_KERNEL=portable, may link
 * or rank a near tie otherwise; one CPU always gives the same bytes. */
#pragma GCC optimize("fp-contract=fast")

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "retrieve/ig_hnsw_priv.h"

#define IG_KERNEL_BODY "retrieve/ig_ann_kernel_priv.h"
#define IG_KERNEL_AVX2 1
#include "core/ig_kernel_copies.h"

static const ig_ann_kernel *const copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(&kernel);

const ig_ann_kernel *ig_ann_kernel_get(void)
{
	return copies[ig_isa_pick(IG_KERNEL_HAVE)];
}

const ig_ann_kernel *ig_ann_kernel_copy(int isa)
{
	return isa >= 0 && isa < IG_ISA_COUNT ? copies[isa] : NULL;
}

const char *ig_ann_kernel_name(void)
{
	return ig_ann_kernel_get()->name;
}
