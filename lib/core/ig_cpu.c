#include "core/ig_cpu.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int chosen;

static int cpu_best(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl"))
		return IG_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return IG_ISA_AVX2;
#endif
	return IG_ISA_PORTABLE;
}

static void choose(void)
{
	const char *env = getenv("IG_KERNEL");
	int best = cpu_best(), cap;

	if (env == NULL || *env == '\0' || strcmp(env, "auto") == 0)
		cap = IG_ISA_AVX512;
	else if (strcmp(env, "portable") == 0)
		cap = IG_ISA_PORTABLE;
	else if (strcmp(env, "avx2") == 0)
		cap = IG_ISA_AVX2;
	else if (strcmp(env, "avx512") == 0)
		cap = IG_ISA_AVX512;
	else
		ig_die("IG_KERNEL: '%s' is not auto, portable, avx2 or avx512", env);
	chosen = best < cap ? best : cap;
}

int ig_isa(void)
{
	pthread_once(&once, choose);
	return chosen;
}

int ig_isa_pick(unsigned have)
{
	int isa = ig_isa();

	while (isa > IG_ISA_PORTABLE && !(have & (1u << isa)))
		isa--;
	return isa;
}

const char *ig_isa_name(int isa)
{
	switch (isa) {
	case IG_ISA_AVX2: return "avx2";
	case IG_ISA_AVX512: return "avx512";
	default: return "portable";
	}
}
