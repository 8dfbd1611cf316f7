/* libFuzzer harness for ig-rank's candidates reader (candidates and ranked
 * streams, plain or gzip) over arbitrary bytes: bad input must end in a
 * clean ig_die, and every user read must have retrieval ranks from 1 (a
 * whole number) and finite scores, as the features computed from them
 * assume.
 *
 *   make fuzz
 *   build-fuzz/fuzz_rank_cands -fork=1 -ignore_ooms=1 -rss_limit_mb=1024 \
 *       -max_total_time=300 tests/fuzz/corpus_rank_cands
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

static void check_group(const ig_rank_cands *c, const ig_rank_group *g)
{
	size_t i;
	int k;

	if (g->user_len == 0 || g->n == 0)
		abort();
	for (i = 0; i < g->n; i++) {
		const ig_rank_row *r = &g->rows[i];

		if (r->item_len == 0 || !(r->retrieval_rank >= 1) || r->retrieval_rank != floor(r->retrieval_rank))
			abort();
		if (!isfinite(r->retrieval_score) || !isfinite(r->retrieval_rel) || r->nsources < 0)
			abort();
		for (k = 0; k < ig_rank_cands_nsources(c); k++)
			if (!isfinite(r->s[k]))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_rank_cands *volatile c = NULL;
	ig_rank_group g;

	fuzz_stdin_input("rankcands", data, size);
	if (setjmp(on_die) == 0) {
		c = ig_rank_cands_open("-");
		while (ig_rank_cands_next(c, &g))
			check_group(c, &g);
		ig_rank_cands_close(c);
	}
	/* a die leaked the reader's dup of stdin */
	fuzz_close_leaked();
	return 0;
}
