/* The copies of the vector features' kernel
 * (rank/ig_rank_vec_kernel_priv.h) and the choice among them. No AVX-512
 * copy: eight doubles are one AVX-512 register, but the sums' chains of
 * additions, not the width, bound the loop. */
#include "rank/ig_rank_vec_kernel.h"

#include <string.h>

#define IG_KERNEL_BODY "rank/ig_rank_vec_kernel_priv.h"
#include "core/ig_kernel_copies.h"

typedef void (*dots8_fn)(const double *, uint32_t, const float *const *, size_t, double *);

static const dots8_fn copies[IG_ISA_COUNT] = IG_KERNEL_TABLE(ig_rank_dots8);

int ig_rank_vec_isa(void)
{
	return ig_isa_pick(IG_KERNEL_HAVE);
}

void ig_rank_dots8(int isa, const double *ivt, uint32_t dim, const float *const *hv, size_t nh, double *s)
{
	if (isa < 0)
		isa = IG_ISA_PORTABLE;
	if (isa >= IG_ISA_COUNT)
		isa = IG_ISA_COUNT - 1;
	while (copies[isa] == NULL)
		isa--; /* the best copy made up to ISA */
	copies[isa](ivt, dim, hv, nh, s);
}
