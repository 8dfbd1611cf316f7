/* libFuzzer harness for the ig-rank examples reader over arbitrary bytes,
 * plain or gzip: bad input must end in a clean ig_die, and what loads must
 * have finite features and labels of 0 or 1.
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_rank_examples -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_rank_examples
 */
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "rank/ig_rank.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_stdin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_rank_examples *e;
	size_t i;

	fuzz_stdin_input("rankex", data, size);
	if (setjmp(on_die) == 0) {
		e = ig_rank_examples_read("-");
		for (i = 0; i < e->n * (size_t)e->nfeat; i++)
			if (!isfinite(e->x[i]))
				abort();
		for (i = 0; i < e->n * (size_t)e->nhead; i++)
			if (e->y[i] != 0 && e->y[i] != 1)
				abort();
		ig_rank_examples_free(e);
	}
	/* a die leaked the reader's dup of stdin */
	fuzz_close_leaked();
	return 0;
}
