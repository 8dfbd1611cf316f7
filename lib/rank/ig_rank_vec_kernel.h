/* The dot products behind the vector features (ig_rank_features.c
 * vector_block): eight candidates' vectors against a user's history
 * vectors, in a portable copy and an AVX2 one (core/ig_kernel_copies.h).
 * Each sum runs over the dimensions in turn from 0, a multiply and then
 * an add (never fused: the product of two floats is exact in a double,
 * so the sums are the same bits in every copy and as the plain loop). */
#ifndef IG_RANK_VEC_KERNEL_H
#define IG_RANK_VEC_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Candidates a call takes at once */
#define IG_RANK_VEC_LANES 8

/* The copy ig_rank_dots8 runs by default (core/ig_cpu.h ig_isa_pick). */
int ig_rank_vec_isa(void);

/* IVT: the IG_RANK_VEC_LANES candidates' vectors of DIM floats as
 * doubles, interleaved (IVT[d * 8 + b] = candidate b's d-th). For each of
 * the NH history vectors HV[j] (DIM floats): S[j * 8 + b] = the sum over
 * d from 0 of IVT[d * 8 + b] * HV[j][d], with the copy ISA
 * (ig_rank_vec_isa, or a lesser one). */
void ig_rank_dots8(int isa, const double *ivt, uint32_t dim, const float *const *hv, size_t nh, double *s);

#endif
