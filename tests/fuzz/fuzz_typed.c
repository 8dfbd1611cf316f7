/* libFuzzer harness for the typed stream readers of lib/io over arbitrary
 * bytes (plain or gzip): the first byte picks neighbors, follows, topics,
 * candidates, ranked or feed; the rest is the stream. Bad input must end
 * in a clean ig_die; what is read must keep the readers' promises (a CSR
 * whose ranges stay in bounds, neighbours best first, a tree whose depths
 * follow the parents, lists grouped by user and in order).
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_typed -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_typed
 * A die unwinds with longjmp and leaks what was allocated: hence no leak
 * detection, and fork mode, which restarts a worker that grows too big.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "io/ig_follows.h"
#include "io/ig_lists.h"
#include "io/ig_neighbors.h"
#include "io/ig_topics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_stdin.h"

static void read_neighbors(void)
{
	ig_intern *volatile v = ig_intern_new();
	ig_neighbors *volatile nb = NULL;
	uint32_t i;
	size_t n, k;

	if (setjmp(on_die) == 0) {
		nb = ig_neighbors_load("-", v);
		if (nb->nids != ig_intern_count(v) || nb->start[nb->nids] != nb->count)
			abort();
		for (i = 0; i < nb->nids; i++) {
			const ig_neighbor *l = ig_neighbors_of(nb, i, &n);

			for (k = 0; k < n; k++)
				if (l[k].id >= nb->nids || l[k].id == i || (k > 0 && l[k].score > l[k - 1].score))
					abort();
		}
		ig_neighbors_free(nb);
	}
	ig_intern_free(v);
}

static void read_follows(void)
{
	ig_intern *volatile authors = ig_intern_new();
	ig_follows *volatile g = NULL;
	uint32_t u;
	size_t n, k, total = 0;

	if (setjmp(on_die) == 0) {
		g = ig_follows_load("-", authors);
		for (u = 0; u < g->nusers; u++) {
			const ig_follow *f = ig_follows_of(g, u, &n);

			for (k = 0; k < n; k++)
				if (f[k].author >= ig_intern_count(authors))
					abort();
			total += n;
		}
		if (total != g->count)
			abort();
		ig_follows_free(g);
	}
	ig_intern_free(authors);
}

static void read_topics(void)
{
	ig_topics *volatile t = NULL;
	uint32_t i;

	if (setjmp(on_die) == 0) {
		t = ig_topics_load("-", NULL);
		for (i = 0; i < t->count; i++) {
			uint32_t p = t->parent[i];

			if (p == IG_INTERN_NONE ? t->depth[i] != 0 : (p >= t->count || t->depth[i] != t->depth[p] + 1))
				abort();
			if (ig_topics_ancestor(t, i, 0) >= t->count)
				abort();
		}
		ig_topics_free(t);
	}
}

static void read_list(int stream)
{
	ig_list_reader *volatile r = NULL;
	ig_list_user u;
	size_t i;

	if (setjmp(on_die) == 0) {
		r = ig_list_open("-", stream);
		while (ig_list_next(r, &u)) {
			if (u.n == 0 || u.user_len == 0)
				abort();
			for (i = 0; i < u.n; i++) {
				if (stream == IG_STREAM_FEED && u.row[i].rank != (int64_t)i + 1)
					abort();
				if (stream != IG_STREAM_FEED && i > 0 && u.row[i].score > u.row[i - 1].score)
					abort();
				if (strlen(u.row[i].item) != u.row[i].item_len)
					abort();
			}
		}
		ig_list_close(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static volatile int ready;

	if (!ready) {
		snprintf(path, sizeof path, "/tmp/igfuzz-typed.%ld", (long)getpid());
		ig_set_die_hook(die_hook);
		ready = 1;
	}
	if (size == 0)
		return 0;
	stdin_from(path, data + 1, size - 1);
	switch (data[0] % 6) {
	case 0: read_neighbors(); break;
	case 1: read_follows(); break;
	case 2: read_topics(); break;
	case 3: read_list(IG_STREAM_CANDIDATES); break;
	case 4: read_list(IG_STREAM_RANKED); break;
	default: read_list(IG_STREAM_FEED); break;
	}
	return 0;
}
