/* The copies of the bins' kernel (rank/ig_rank_bins_kernel_priv.h) and
 * the choice among them. */
#include "rank/ig_rank_bins_kernel.h"

#include <string.h>

#define IG_KERNEL_BODY "rank/ig_rank_bins_kernel_priv.h"
#define IG_KERNEL_AVX512 1
#include "core/ig_kernel_copies.h"

typedef void (*bins_fn)(const float *, const size_t *, const uint32_t *, const float *, int, uint32_t *);

static const bins_fn copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(ig_rank_count_bins);

int ig_rank_bins_isa(void)
{
	return ig_isa_pick(IG_KERNEL_HAVE);
}

void ig_rank_count_bins(int isa, const float *e, const size_t *off, const uint32_t *ne, const float *x, int nf,
			uint32_t *bins)
{
	copies[isa](e, off, ne, x, nf, bins);
}
