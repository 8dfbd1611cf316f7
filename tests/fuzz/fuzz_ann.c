/* libFuzzer harness for the HNSW index loader, ig_hnsw_load, over
 * arbitrary bytes, against 40 fixed vectors. A file that loads must be
 * safe to search: every link the search follows was checked. So that the
 * fuzzer gets past the two checksums to the structure behind them, the
 * harness writes the right ones into any input that has a header.
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_ann -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_ann
 * (build-fuzz/fuzz_ann -seed_corpus=DIR writes a valid index into DIR.)
 */
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "io/ig_vectors.h"
#include "retrieve/ig_ann.h"
#include "retrieve/ig_hnsw_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static jmp_buf on_die;
static ig_vectors *vecs;
static uint64_t vec_sum;
static char path[64];

static void die_hook(void)
{
	longjmp(on_die, 1);
}

static void make_vectors(void)
{
	float row[5];
	char name[8];
	uint32_t i, j;

	vecs = ig_vectors_new(5);
	for (i = 0; i < 40; i++) {
		for (j = 0; j < 5; j++)
			row[j] = (float)((i * 7 + j * 3) % 11) - 5.0f;
		snprintf(name, sizeof name, "v%u", i);
		ig_vectors_add(vecs, name, strlen(name), row);
	}
	vec_sum = ig_ann_checksum(vecs);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;

	make_vectors();
	snprintf(path, sizeof path, "/tmp/igfuzz-ann.%ld", (long)getpid());
	ig_set_die_hook(die_hook);
	for (i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], "-seed_corpus=", 13) == 0) {
			char out[4096];
			ig_hnsw_opts o = ig_hnsw_opts_default();
			ig_hnsw *h;

			o.M = 4;
			h = ig_hnsw_build(vecs, &o);
			snprintf(out, sizeof out, "%s/valid.hnsw", (*argv)[i] + 13);
			ig_hnsw_save(h, out, NULL, NULL);
			ig_hnsw_free(h);
			exit(0);
		}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	FILE *fp;
	ig_hnsw *h;
	uint32_t ids[8], q;
	float sims[8];
	size_t n, k;

	memcpy(copy, data, size);
	if (size >= 128) {
		uint64_t sum;

		memcpy(copy + IG_HNSW_CHECKSUM_AT, &vec_sum, 8);
		sum = ig_hnsw_header_sum(copy);
		memcpy(copy + IG_HNSW_HEADER_SUM_AT, &sum, 8);
	}
	fp = fopen(path, "wb");
	if (fp == NULL || (size && fwrite(copy, size, 1, fp) != 1) || fclose(fp) != 0)
		abort();
	free(copy);
	if (setjmp(on_die) == 0) {
		h = ig_hnsw_load(path, vecs);
		for (q = 0; q < vecs->n; q += 7) {
			n = ig_hnsw_search(h, ig_vectors_row(vecs, q), 8, 16, q, ids, sims);
			if (n > 8)
				abort();
			for (k = 0; k < n; k++)
				if (ids[k] >= vecs->n || ids[k] == q || (k > 0 && sims[k] > sims[k - 1]))
					abort();
		}
		ig_hnsw_free(h);
	}
	unlink(path);
	return 0;
}
