/* The towers' hot loops, compiled for the baseline of the architecture
 * (the portable copy) and, on x86-64, once more for AVX2 with FMA and once
 * for AVX-512; ig_tower_kernels_get picks one at run time
 * (lib/core/ig_cpu.h). Sums are reassociated (-ffast-math's reassociation
 * only) so that the compiler can vectorise the dot products. */
#pragma GCC optimize("fp-contract=fast", "associative-math", "no-signed-zeros", "no-trapping-math")

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ig_cpu.h"
#include "tower/ig_tower_priv.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IG_TOWER_KERNEL_X86 1
#else
#define IG_TOWER_KERNEL_X86 0
#endif

#define KFN(name) name##_portable
#define KNAME "portable"
#include "tower/ig_tower_kernel_priv.h"
#undef KFN
#undef KNAME

#if IG_TOWER_KERNEL_X86
#pragma GCC push_options
#pragma GCC target("arch=haswell")
#define KFN(name) name##_avx2
#define KNAME "avx2"
#include "tower/ig_tower_kernel_priv.h"
#undef KFN
#undef KNAME
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("arch=skylake-avx512", "prefer-vector-width=512")
#define KFN(name) name##_avx512
#define KNAME "avx512"
#include "tower/ig_tower_kernel_priv.h"
#undef KFN
#undef KNAME
#pragma GCC pop_options
#endif

const ig_tower_kernels *ig_tower_kernels_get(void)
{
#if IG_TOWER_KERNEL_X86
	switch (ig_isa()) {
	case IG_ISA_AVX512:
		return &kernels_avx512;
	case IG_ISA_AVX2:
		return &kernels_avx2;
	default:
		break;
	}
#endif
	return &kernels_portable;
}
