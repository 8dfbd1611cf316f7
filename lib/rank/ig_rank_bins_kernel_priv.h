/* The body of the bins' kernel, compiled once per instruction set by
 * core/ig_kernel_copies.h for ig_rank_bins_kernel.c (KFN, vf, vfi, VW:
 * see there). A compare of VW edges with the value gives -1 in each lane
 * below it; the lanes are summed once a feature, so no step waits on the
 * one before as a binary search's loads do. */

static void KFN(ig_rank_count_bins)(const float *e, const size_t *off, const uint32_t *ne, const float *x, int nf,
				    uint32_t *bins)
{
	int f, i;

	for (f = 0; f < nf; f++) {
		const float *ef = e + off[f];
		uint32_t v, nv = (ne[f] + VW - 1) / VW;
		const vf xv = x[f] + (vf){0}; /* x[f] in every lane */
		vfi below = {0};
		int n = 0;

#pragma GCC unroll 2 /* a feature has few vectors of edges */
		for (v = 0; v < nv; v++)
			below += KFN(load)(ef + (size_t)VW * v) < xv;
		for (i = 0; i < VW; i++)
			n -= below[i];
		bins[f] = (uint32_t)n;
	}
}
