/* libFuzzer harness for the word2vec reader, ig_vectors_load, over
 * arbitrary bytes: text or binary, plain or gzip. Bad input must end in a
 * clean ig_die, never a crash, an overread, or an allocation that the
 * header asks for before the data arrives.
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_vectors -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_vectors
 * A die unwinds with longjmp and leaks what was allocated: hence no leak
 * detection, and fork mode, which restarts a worker that grows too big.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "io/ig_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_stdin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_vectors *v;
	uint32_t i;

	fuzz_stdin_input("vec", data, size);
	if (setjmp(on_die) == 0) {
		v = ig_vectors_load("-");
		/* What was loaded must be self-consistent. */
		for (i = 0; i < v->n; i++)
			if (ig_vectors_find(v, ig_vectors_name(v, i), strlen(ig_vectors_name(v, i))) != i)
				abort();
		ig_vectors_free(v);
	}
	/* a die leaked the reader's dup of stdin */
	fuzz_close_leaked();
	return 0;
}
