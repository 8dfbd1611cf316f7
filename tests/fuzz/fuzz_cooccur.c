/* libFuzzer harness for "ig-cooccur reduce": the partial-count reader
 * (header checks, records m, n, p, q, s) over arbitrary bytes (plain or
 * gzip), then scoring what was summed into a neighbors stream. The first
 * byte picks the score and the entity (item-author or not); the rest is
 * the partial stream. Bad input must end in a clean ig_die; what is
 * written must be a well-formed neighbors body (finite positive scores).
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_cooccur -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_cooccur
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

#include "cooccur/ig_cooccur_run.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "io/ig_tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_stdin.h"

/* Every line of the neighbors body OUT: item, neighbor, score, support. */
static void check_neighbors(const char *out)
{
	FILE *fp = fopen(out, "r");
	char line[4096], *f[5];
	double score;
	uint64_t support;
	size_t len;

	if (fp == NULL)
		abort();
	while (fgets(line, sizeof line, fp) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (ig_split_tabs(line, f, 5) != 4 || ig_parse_double(f[2], &score) != 0 || !(score > 0) ||
		    ig_parse_u64(f[3], UINT64_MAX, &support) != 0)
			abort();
	}
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], out[64];
	static volatile int ready;
	static ig_cooc_job job;
	static char *paths[] = {(char *)"-"};
	ig_cooc_opts o;
	ig_writer *w;

	if (!ready) {
		snprintf(path, sizeof path, "/tmp/igfuzz-cooc.%ld", (long)getpid());
		snprintf(out, sizeof out, "/tmp/igfuzz-cooc-out.%ld", (long)getpid());
		ig_set_die_hook(die_hook);
		ready = 1;
	}
	if (size < 1)
		return 0;
	ig_cooc_opts_default(&o);
	o.score = data[0] % 6;
	if (o.score != IG_COOC_SWING && (data[0] / 6) % 2)
		o.entity = IG_COOC_ENTITY_ITEM_AUTHOR;
	o.top_k = 1 + data[0] / 12 % 4;
	o.memory = 1 << 24;
	o.tmpdir = "/tmp";
	stdin_from(path, data + 1, size - 1);
	if (setjmp(on_die) == 0) {
		ig_cooc_job_init(&job, &o, NULL, -1);
		ig_cooc_job_reduce(&job, paths, 1);
		w = ig_writer_open(out, IG_COMPRESS_NO, 0);
		ig_cooc_job_write_neighbors(&job, w);
		ig_writer_close(w);
		ig_cooc_job_free(&job);
		check_neighbors(out);
	}
	return 0;
}
