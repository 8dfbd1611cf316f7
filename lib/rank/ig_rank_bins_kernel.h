/* Binning of the first stage's dense features: a feature's bin is the
 * number of its edges below the value (ig_rank_bin), counted a vector of
 * edges at a time over edges padded with +inf, in a portable copy, an
 * AVX2 one and an AVX-512 one (core/ig_kernel_copies.h). */
#ifndef IG_RANK_BINS_KERNEL_H
#define IG_RANK_BINS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Edges of each feature are padded to a multiple of this many floats,
 * the widest copy's vector. */
#define IG_RANK_EDGE_PAD 16

/* The copy ig_rank_count_bins runs by default (core/ig_cpu.h ig_isa_pick). */
int ig_rank_bins_isa(void);

/* BINS[f] = the number of the NE[f] edges at E + OFF[f] below X[f] (NaN:
 * none), for f < NF, with the copy ISA (ig_rank_bins_isa, or a lesser
 * one). */
void ig_rank_count_bins(int isa, const float *e, const size_t *off, const uint32_t *ne, const float *x, int nf,
			uint32_t *bins);

#endif
