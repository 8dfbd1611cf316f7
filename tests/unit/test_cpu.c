/* The kernel choice (lib/core/ig_cpu.c): IG_KERNEL caps it, once, and the
 * kernels' picks (ig_isa_pick) and the w2v kernel follow it. The environment is set before the first call. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/ig_cpu.h"
#include "w2v/ig_w2v_kernel.h"

static void test_portable_forced(void **state)
{
	(void)state;
	assert_int_equal(setenv("IG_KERNEL", "portable", 1), 0);
	assert_int_equal(ig_isa(), IG_ISA_PORTABLE);
	assert_string_equal(ig_w2v_kernel_name(), "portable");
	/* Capped at portable, a kernel with every copy runs its portable one. */
	assert_int_equal(ig_isa_pick(1u << IG_ISA_PORTABLE | 1u << IG_ISA_AVX2 | 1u << IG_ISA_AVX512),
			 IG_ISA_PORTABLE);
	/* Read once: a later change does not switch copies under running threads. */
	assert_int_equal(setenv("IG_KERNEL", "avx512", 1), 0);
	assert_int_equal(ig_isa(), IG_ISA_PORTABLE);
	assert_string_equal(ig_isa_name(IG_ISA_AVX2), "avx2");
	assert_string_equal(ig_isa_name(IG_ISA_AVX512), "avx512");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_portable_forced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
