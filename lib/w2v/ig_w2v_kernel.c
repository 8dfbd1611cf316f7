/* The hot loop, compiled with -O3 -march=native -funroll-loops (see the
 * Makefile) and once more for AVX2 with FMA: the native copy runs where
 * the CPU has what it was built for, the AVX2 copy elsewhere (valgrind
 * knows no AVX-512, for one). ig_w2v_step.c chooses. The arithmetic is
 * written on GCC vector types as wide as the copy's registers (rows are
 * padded to 16 floats, a multiple of every width). -std=c11 turns off
 * a*b+c contraction, which this file turns back on for FMA. */
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

#ifdef __AVX512F__
const int ig_w2v_kernel_native_avx512 = 1;
#else
const int ig_w2v_kernel_native_avx512 = 0;
#endif

/* The machine's own copy: vectors as wide as its registers. */
#if defined(__AVX512F__)
#define VW 16
typedef v16 vf;
typedef v16i vfi;
#elif defined(__AVX__)
#define VW 8
typedef v8 vf;
typedef v8i vfi;
#else
#define VW 4
typedef v4 vf;
typedef v4i vfi;
#endif
#define KFN(name) name##_native
#include "w2v/ig_w2v_kernel_priv.h"
#undef KFN
#undef VW

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
