/* libFuzzer harness for the source language of ig-retrieve: any text either
 * parses into a spec whose chains run from the user to items, or fails
 * with "ORIGIN:LINE:COL: message", the line and a caret.
 *
 *   make fuzz
 *   build-fuzz/fuzz_spec -max_total_time=300 -max_len=256 tests/fuzz/corpus_spec
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retrieve/ig_retrieve_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ig_rspec spec;
	char *text = malloc(size + 1), err[512];
	int i, k;

	memcpy(text, data, size);
	text[size] = '\0';
	if (ig_rspec_parse(&spec, text, "spec", err, sizeof err) == 0) {
		if (spec.nsources < 1 || spec.nsources > IG_RSPEC_MAX_SOURCES)
			abort();
		for (i = 0; i < spec.nsources; i++) {
			const ig_rsource *s = &spec.src[i];

			if (s->nsteps < 1 || s->steps[0].in != IG_RK_USER || s->steps[s->nsteps - 1].out != IG_RK_ITEMS)
				abort();
			for (k = 1; k < s->nsteps; k++)
				if (s->steps[k].in != s->steps[k - 1].out)
					abort();
			if (!s->name[0])
				abort();
		}
	} else if (strncmp(err, "spec:", 5) != 0 || !strchr(err, '^')) {
		abort();
	}
	free(text);
	return 0;
}
