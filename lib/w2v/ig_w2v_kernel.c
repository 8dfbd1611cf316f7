/* The hot loop, compiled for the baseline of the architecture (the
 * portable copy: 4-float vectors, SSE2 on x86-64, NEON on aarch64) and, on
 * x86-64, once more for AVX2 with FMA and once for AVX-512: ig_w2v_step.c
 * picks one at run time (lib/core/ig_cpu.h). The arithmetic is written on
 * GCC vector types as wide as the copy's registers (rows are padded to 16
 * floats, a multiple of every width). -std=c11 turns off a*b+c
 * contraction, which this file turns back on for FMA. */
#pragma GCC optimize("fp-contract=fast")

#include "w2v/ig_w2v_kernel.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

#define MAX_OUT 64 /* the target and at most 63 negatives */

#define VW 4
#define vf v4
#define vfi v4i
#define KFN(name) name##_portable
#include "w2v/ig_w2v_kernel_priv.h"
#undef KFN
#undef vf
#undef vfi
#undef VW

#if IG_W2V_KERNEL_X86
#pragma GCC push_options
#pragma GCC target("arch=haswell")
#define VW 8
#define vf v8
#define vfi v8i
#define KFN(name) name##_avx2
#include "w2v/ig_w2v_kernel_priv.h"
#undef KFN
#undef vf
#undef vfi
#undef VW
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("arch=skylake-avx512")
#define VW 16
#define vf v16
#define vfi v16i
#define KFN(name) name##_avx512
#include "w2v/ig_w2v_kernel_priv.h"
#undef KFN
#undef vf
#undef vfi
#undef VW
#pragma GCC pop_options
#endif
