/* libFuzzer harness for the stream readers: header, events and items
 * parsing over arbitrary bytes (plain or gzip). Bad input must end in a
 * clean ig_die, never a crash or an overread.
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_streams -fork=1 -ignore_ooms=1 \
 *       -max_total_time=300 tests/fuzz/corpus
 * A die unwinds with longjmp and leaks what was allocated: hence no leak
 * detection, and fork mode, which restarts a worker that grows too big.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "io/ig_events.h"
#include "io/ig_items.h"
#include "core/ig_num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_stdin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static volatile int ready;
	ig_events_reader *volatile er = NULL;
	ig_event ev;

	if (!ready) {
		snprintf(path, sizeof path, "/tmp/igfuzz.%ld", (long)getpid());
		ig_set_die_hook(die_hook);
		ready = 1;
	}
	stdin_from(path, data, size);
	if (setjmp(on_die) == 0) {
		er = ig_events_open("-");
		while (ig_events_next(er, &ev))
			;
		ig_events_close(er);
	}
	stdin_from(path, data, size);
	if (setjmp(on_die) == 0)
		ig_items_free(ig_items_load("-"));
	return 0;
}
