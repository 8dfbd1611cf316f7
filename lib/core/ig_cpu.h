/* Which instruction set the hot loops (*_kernel.c) run with. Binaries are
 * built for the baseline of their architecture (x86-64: SSE2; aarch64);
 * each kernel carries portable C and, on x86-64, AVX2 and AVX-512 copies,
 * and calls the best one this CPU has. IG_KERNEL=portable (or avx2,
 * avx512; auto is the default) in the environment caps the choice, for
 * tests and for comparing copies: integer results are the same for every
 * copy, floating-point ones may differ in the last bits. */
#ifndef IG_CPU_H
#define IG_CPU_H

enum ig_isa {
	IG_ISA_PORTABLE = 0,
	IG_ISA_AVX2 = 1,      /* AVX2 with FMA (Haswell, Zen) */
	IG_ISA_AVX512 = 2     /* AVX-512 F, CD, BW, DQ, VL (Skylake-X, Zen 4) */
};
#define IG_ISA_COUNT 3

/* Whether kernels get x86-64 copies: GCC's target pragmas make them
 * (core/ig_kernel_copies.h); other compilers build the portable one. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__)
#define IG_ISA_X86 1
#else
#define IG_ISA_X86 0
#endif

/* The copy to run: what the CPU has, capped by IG_KERNEL (read once;
 * an unknown value exits 1). Thread-safe. */
int ig_isa(void);
const char *ig_isa_name(int isa);
/* The copy to run of a kernel that carries the copies in HAVE (a mask of
 * 1 << IG_ISA_*, the portable one always among them): the best that
 * ig_isa() allows. Thread-safe. */
int ig_isa_pick(unsigned have);

#endif
