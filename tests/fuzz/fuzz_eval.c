/* libFuzzer harness for ig-eval's readers over arbitrary bytes (plain or
 * gzip): recommendation streams (candidates, ranked, feed, any stream with
 * user and item columns, or a headerless "user item [score]" list), read
 * as it comes and sorted first, and events streams grouped by user. Bad
 * input must end in a clean ig_die; what is read must keep the readers'
 * promises (users strictly ascending, one group per user, no empty list).
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_eval -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_eval
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
#include "eval/ig_eval_io.h"
#include "core/ig_intern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_stdin.h"

static char prev[1 << 16];
static size_t prev_len;

/* Users must come strictly ascending, each once. */
static void check_user(const char *u, size_t len, int first)
{
	if (len == 0 || len > sizeof prev)
		abort();
	if (!first && ig_eval_idcmp(prev, prev_len, u, len) >= 0)
		abort();
	memcpy(prev, u, len);
	prev_len = len;
}

static void read_recs(int sort)
{
	ig_intern *volatile items = ig_intern_new();
	ig_eval_recs *volatile r = NULL;
	const char *user;
	size_t ulen, n, i;
	ig_eval_rec *recs;
	int first = 1;

	if (setjmp(on_die) == 0) {
		r = ig_eval_recs_open("-", items, sort, 1 << 20, "/tmp");
		while (ig_eval_recs_next(r, &user, &ulen, &recs, &n)) {
			if (n == 0)
				abort();
			check_user(user, ulen, first);
			first = 0;
			for (i = 0; i < n; i++)
				if (recs[i].item >= ig_intern_count(items) ||
				    (ig_eval_recs_nsources(r) < 64 &&
				     recs[i].sources >> ig_eval_recs_nsources(r) != 0))
					abort();
		}
		ig_eval_recs_close(r);
	}
	ig_intern_free(items);
}

static void read_events(void)
{
	ig_intern *volatile items = ig_intern_new();
	ig_user_events_reader *volatile e = NULL;
	static ig_user_group g;
	size_t i;
	int first = 1;

	memset(&g, 0, sizeof g);
	if (setjmp(on_die) == 0) {
		e = ig_user_events_open("-", items);
		while (ig_user_events_next(e, &g)) {
			if (g.n == 0)
				abort();
			check_user(g.user, g.user_len, first);
			first = 0;
			for (i = 0; i < g.n; i++)
				if (g.ev[i].item_off >= g.text_len || g.ev[i].extra_off >= g.text_len ||
				    g.ev[i].item >= ig_intern_count(items) ||
				    (i > 0 && g.ev[i].ts < g.ev[i - 1].ts))
					abort();
		}
		ig_user_events_close(e);
	}
	ig_user_group_free(&g);
	ig_intern_free(items);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static volatile int ready;

	if (!ready) {
		snprintf(path, sizeof path, "/tmp/igfuzz-eval.%ld", (long)getpid());
		ig_set_die_hook(die_hook);
		ready = 1;
	}
	stdin_from(path, data, size);
	read_recs(0);
	stdin_from(path, data, size);
	read_recs(1);
	stdin_from(path, data, size);
	read_events();
	return 0;
}
