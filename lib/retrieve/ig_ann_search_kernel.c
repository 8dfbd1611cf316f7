/* The hot loops of HNSW search and brute force, compiled with -O3
 * -march=native (see the Makefile) and once more for AVX2 with FMA, and
 * once for plain x86-64 (SSE2): ig_ann_kernel_get picks the first this
 * CPU runs. The arithmetic is written on GCC vector types as wide as the
 * copy's registers. -std=c11 turns off a*b+c contraction, which this file
 * turns back on for FMA: sums may differ in the last bits between copies,
 * never within one. */
#pragma GCC optimize("fp-contract=fast")

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "retrieve/ig_hnsw_priv.h"

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

#ifdef __clang__
#define LANES(v, ...) __builtin_shufflevector(v, v, __VA_ARGS__)
#else
#define LANES(v, ...) __builtin_shuffle(v, (vfi){__VA_ARGS__})
#endif

/* The machine's own copy: vectors as wide as its registers. */
#if defined(__AVX512F__)
#define VW 16
typedef v16 vf;
typedef v16i vfi;
#define KNAME "avx512"
static const int native_avx512 = 1;
#elif defined(__AVX__)
#define VW 8
typedef v8 vf;
typedef v8i vfi;
#define KNAME "native-avx"
static const int native_avx512 = 0;
#else
#define VW 4
typedef v4 vf;
typedef v4i vfi;
#define KNAME "native-sse"
static const int native_avx512 = 0;
#endif
#define KFN(name) name##_native
#include "retrieve/ig_ann_kernel_priv.h"
#undef KFN
#undef VW
#undef KNAME

#if defined(__x86_64__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC target("arch=haswell")
#define VW 8
#define vf v8
#define vfi v8i
#define KFN(name) name##_avx2
#define KNAME "avx2"
#include "retrieve/ig_ann_kernel_priv.h"
#undef KFN
#undef vf
#undef vfi
#undef VW
#undef KNAME
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("arch=x86-64")
#define VW 4
#define vf v4
#define vfi v4i
#define KFN(name) name##_sse2
#define KNAME "sse2"
#include "retrieve/ig_ann_kernel_priv.h"
#undef KFN
#undef vf
#undef vfi
#undef VW
#undef KNAME
#pragma GCC pop_options
#endif

static const ig_ann_kernel *chosen;

const ig_ann_kernel *ig_ann_kernel_get(void)
{
	const ig_ann_kernel *k;

	if (chosen != NULL)
		return chosen;
#if defined(__x86_64__) && !defined(__clang__)
	__builtin_cpu_init();
	if (native_avx512 && __builtin_cpu_supports("avx512f"))
		k = &kernel_native;
	else if (!native_avx512 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		k = &kernel_native;
	else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		k = &kernel_avx2;
	else
		k = &kernel_sse2;
#else
	(void)native_avx512;
	k = &kernel_native;
#endif
	__atomic_store_n(&chosen, k, __ATOMIC_RELEASE);
	return k;
}

const char *ig_ann_kernel_name(void)
{
	return ig_ann_kernel_get()->name;
}
