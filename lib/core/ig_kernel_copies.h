/* Compiles the body of a kernel once per instruction set, for
 * ig_isa_pick (core/ig_cpu.h) to choose from at run time. A *_kernel.c
 * defines, then includes this header (once):
 *
 *   IG_KERNEL_BODY    the body's header, e.g. "w2v/ig_w2v_kernel_priv.h"
 *   IG_KERNEL_AVX2    0 for no AVX2 copy (default 1)
 *   IG_KERNEL_AVX512  1 for an AVX-512 copy (default 0)
 *
 * The body sees, in each copy: VW, the floats of one vector; vf and vfi,
 * GCC vectors of VW floats and VW int32s; KFN(name), the copy's name for
 * NAME (name_portable, name_avx2, name_avx512); KNAME, its ig_isa_name;
 * LANES(v, i...), V with its lanes permuted; and KFN(hsum), KFN(load).
 * After it, IG_KERNEL_HAVE is the mask of the copies made, and
 * IG_KERNEL_TABLE(name) a table of the copies of NAME indexed by
 * enum ig_isa (NULL for a copy not made).
 *
 * The portable copy has 4-float vectors and the build's flags (SSE2 on
 * x86-64, NEON on aarch64); the AVX2 copy (with FMA) 8, the AVX-512 one
 * 16. A body that wants a*b+c fused says so itself (-std=c11 turns
 * contraction off), with #pragma GCC optimize("fp-contract=fast") at the
 * top of its .c: sums may then differ in the last bits between copies,
 * never within one. */
#ifndef IG_KERNEL_COPIES_H
#define IG_KERNEL_COPIES_H

#include <stddef.h>
#include <string.h>

#include "core/ig_cpu.h"

#ifndef IG_KERNEL_BODY
#error "define IG_KERNEL_BODY before including core/ig_kernel_copies.h"
#endif
#ifndef IG_KERNEL_AVX2
#define IG_KERNEL_AVX2 1
#endif
#ifndef IG_KERNEL_AVX512
#define IG_KERNEL_AVX512 0
#endif

typedef float ig_v16f __attribute__((vector_size(64)));
typedef int ig_v16i __attribute__((vector_size(64)));
typedef float ig_v8f __attribute__((vector_size(32)));
typedef int ig_v8i __attribute__((vector_size(32)));
typedef float ig_v4f __attribute__((vector_size(16)));
typedef int ig_v4i __attribute__((vector_size(16)));

#ifdef __clang__
#define LANES(v, ...) __builtin_shufflevector(v, v, __VA_ARGS__)
#else
#define LANES(v, ...) __builtin_shuffle(v, (vfi){__VA_ARGS__})
#endif

#define VW 4
#define vf ig_v4f
#define vfi ig_v4i
#define KFN(name) name##_portable
#define KNAME "portable"
#include "core/ig_kernel_copy.h"
#undef KFN
#undef KNAME
#undef vf
#undef vfi
#undef VW

#if IG_ISA_X86 && IG_KERNEL_AVX2
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define VW 8
#define vf ig_v8f
#define vfi ig_v8i
#define KFN(name) name##_avx2
#define KNAME "avx2"
#include "core/ig_kernel_copy.h"
#undef KFN
#undef KNAME
#undef vf
#undef vfi
#undef VW
#pragma GCC pop_options
#define IG_KERNEL_COPY_AVX2(name) name##_avx2
#else
#define IG_KERNEL_COPY_AVX2(name) NULL
#endif

#if IG_ISA_X86 && IG_KERNEL_AVX512
#pragma GCC push_options
#pragma GCC target("arch=skylake-avx512")
#define VW 16
#define vf ig_v16f
#define vfi ig_v16i
#define KFN(name) name##_avx512
#define KNAME "avx512"
#include "core/ig_kernel_copy.h"
#undef KFN
#undef KNAME
#undef vf
#undef vfi
#undef VW
#pragma GCC pop_options
#define IG_KERNEL_COPY_AVX512(name) name##_avx512
#else
#define IG_KERNEL_COPY_AVX512(name) NULL
#endif

#define IG_KERNEL_HAVE                                                                  \
	((1u << IG_ISA_PORTABLE) | (IG_ISA_X86 && IG_KERNEL_AVX2 ? 1u << IG_ISA_AVX2 : 0) |  \
	 (IG_ISA_X86 && IG_KERNEL_AVX512 ? 1u << IG_ISA_AVX512 : 0))
#define IG_KERNEL_TABLE(name) {name##_portable, IG_KERNEL_COPY_AVX2(name), IG_KERNEL_COPY_AVX512(name)}

#endif
