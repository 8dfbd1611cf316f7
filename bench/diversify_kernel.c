/* The reranker alone, without parsing: USERS lists of N candidates drawn
 * from an items stream, reranked into feeds of LENGTH with the given
 * method, exploration and vectors; prints microseconds per user (one
 * thread, CPU time: the machine may be shared). Built and run by bench/diversify_speed.sh.
 * Usage: diversify_kernel ITEMS TOPICS VECTORS|- USERS N LENGTH mmr|dpp EPSILON */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ig_rng.h"
#include "diversify/ig_diversify.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	ig_div_opts o;
	ig_items *items;
	ig_vectors *vec = NULL;
	ig_div_ctx *ctx;
	ig_div_scratch *s;
	ig_div_input *in;
	ig_div_row *rows;
	ig_div_counts counts;
	ig_rng pick;
	long users, u;
	size_t n, k, total = 0;
	double t0, t;

	if (argc != 9) {
		fprintf(stderr, "usage: %s ITEMS TOPICS VECTORS|- USERS N LENGTH mmr|dpp EPSILON\n", argv[0]);
		return 2;
	}
	ig_div_opts_default(&o);
	users = atol(argv[4]);
	n = (size_t)atol(argv[5]);
	o.length = (uint32_t)atol(argv[6]);
	o.method = strcmp(argv[7], "dpp") == 0 ? IG_DIV_DPP : IG_DIV_MMR;
	o.epsilon = atof(argv[8]);
	items = ig_items_load(argv[1]);
	if (strcmp(argv[3], "-") != 0) {
		vec = ig_vectors_load(argv[3]);
		o.similarity = IG_DIV_SIM_VECTORS;
	}
	ctx = ig_div_ctx_new(items, argv[2], vec, &o);
	s = ig_div_scratch_new();
	in = malloc(n * sizeof *in);
	rows = malloc(o.length * sizeof *rows);
	memset(&counts, 0, sizeof counts);
	ig_rng_seed(&pick, 1);
	t = 0;
	for (u = 0; u < users; u++) {
		ig_rng rng;
		for (k = 0; k < n; k++) {
			in[k].item = (uint32_t)ig_rng_below(&pick, items->count);
			in[k].score = 1.0 - (double)k / (double)n;
		}
		ig_rng_seed_stream(&rng, 1, (uint64_t)u);
		t0 = now();
		total += ig_div_select(ctx, in, n, NULL, 0, ctx->latest_created, &rng, s, rows, &counts);
		t += now() - t0;
	}
	printf("%s%s eps %g: %.2f us per user (%zu rows, %llu explored)\n", argv[7], vec ? " vectors" : " topics",
	       o.epsilon, t / (double)users * 1e6, total, (unsigned long long)counts.explored);
	free(in);
	free(rows);
	ig_div_scratch_free(s);
	ig_div_ctx_free(ctx);
	ig_vectors_free(vec);
	ig_items_free(items);
	return 0;
}
