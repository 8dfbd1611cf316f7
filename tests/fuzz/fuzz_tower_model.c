/* libFuzzer harness for the ig-train-tower model loader,
 * ig_tower_model_parse. The input is the file without its final hash,
 * which the harness appends, so that the fuzzer reaches the parser behind
 * the checksum. Bad input must end in a clean ig_die; a model that loads
 * must embed an item and a user without reading out of bounds.
 *
 *   make fuzz
 *   ASAN_OPTIONS=detect_leaks=0 build-fuzz/fuzz_tower_model -fork=1 -ignore_ooms=1 \
 *       -rss_limit_mb=1024 -max_total_time=300 tests/fuzz/corpus_tower_model
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "tower/ig_tower.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_checksum.h"
#include "fuzz_stdin.h"

static void embed_one(const ig_tower_model *m)
{
	ig_tower_catalog *cat = ig_tower_catalog_new(NULL);
	ig_tower_side side = {NULL, NULL, NULL};
	ig_tower_scratch *s = ig_tower_scratch_new(m);
	float *v = malloc(ig_tower_model_dim(m) * sizeof *v);
	uint32_t item;
	int64_t ts = 1;
	float w = 1;
	ig_tower_user u;

	ig_intern_add(cat->ids, "i1", 2);
	ig_tower_catalog_fill(cat, m, &side);
	ig_tower_embed_item(m, cat, 0, 100, s, v);
	item = 0;
	memset(&u, 0, sizeof u);
	u.item = &item;
	u.ts = &ts;
	u.weight = &w;
	u.n = 1;
	ig_tower_embed_user(m, cat, &u, 100, s, v);
	free(v);
	ig_tower_scratch_free(s);
	ig_tower_catalog_free(cat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static volatile int ready;
	unsigned char *buf = with_checksum(data, size);
	ig_tower_model *m;

	if (!ready) {
		ig_set_die_hook(die_hook);
		ready = 1;
	}
	if (setjmp(on_die) == 0) {
		m = ig_tower_model_parse(buf, size + 8, "fuzz");
		embed_one(m);
		ig_tower_model_free(m);
	}
	free(buf);
	return 0;
}
