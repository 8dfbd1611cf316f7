/* libFuzzer harness for the ig-rank model loader, ig_rank_model_parse.
 * The input is the file without its final hash, which the harness appends,
 * so that the fuzzer reaches the parser behind the checksum. Bad input
 * must end in a clean ig_die; a model that loads must predict without
 * reading out of bounds (its trees are walked on a zero row).
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_rank_model -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_rank_model
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "rank/ig_rank.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_checksum.h"
#include "fuzz_stdin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static volatile int ready;
	unsigned char *buf = with_checksum(data, size);
	ig_rank_model *m;
	int i;

	if (!ready) {
		ig_set_die_hook(die_hook);
		ready = 1;
	}
	if (setjmp(on_die) == 0) {
		float x[512] = {0};
		double p[IG_RANK_MAX_HEADS], c[514];

		m = ig_rank_model_parse(buf, size + 8, "fuzz");
		ig_rank_predict(m, x, 1, 2, p);
		for (i = 0; i < ig_rank_model_nheads(m); i++)
			ig_rank_contrib(m, i, x, 1, 2, c);
		ig_rank_model_free(m);
	}
	free(buf);
	return 0;
}
