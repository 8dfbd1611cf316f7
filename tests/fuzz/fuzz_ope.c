/* libFuzzer harness for ig-eval ope's feed-log reader over arbitrary
 * bytes (plain or gzip): the log comes on stdin, against a fixed events
 * stream and target list. Bad input must end in a clean ig_die; a log that
 * is read must give finite estimates or none.
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_ope -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_ope
 * A die unwinds with longjmp and leaks what was allocated: hence no leak
 * detection, and fork mode.
 */
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "eval/ig_eval_ope.h"
#include "io/ig_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_stdin.h"

static const char events_path[] = "/tmp/fuzz_ope_events.tsv";
static const char target_path[] = "/tmp/fuzz_ope_target.tsv";

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	ig_writer *volatile w = NULL;
	ig_eval_ope_opts o;
	ig_eval_ope_stats st;

	if (!ready) {
		ig_set_die_hook(die_hook);
		write_file(events_path, "#ig:events/1\tts\tuser\titem\tevent\tvalue\n"
					"1\tu1\tA\tlike\t\n2\tu1\tB\tsave\t\n3\tu2\tA\tsee_less\t\n");
		write_file(target_path, "u1\tA\nu1\tB\nu2\tC\n");
		ready = 1;
	}
	stdin_from("/tmp/fuzz_ope_input", data, size);
	ig_eval_ope_default(&o);
	o.logs = "-";
	o.events = events_path;
	o.target = target_path;
	o.bootstrap = 20;
	o.reward[IG_EV_SEE_LESS] = -2;
	o.memory = 1 << 20;
	o.tmpdir = "/tmp";
	if (setjmp(on_die) == 0) {
		w = ig_writer_open("/dev/null", IG_COMPRESS_NO, 1);
		ig_eval_ope_run(&o, w, &st);
		if (st.matches > st.slots)
			abort();
	}
	if (w != NULL)
		ig_writer_close(w);
	return 0;
}
