/* libFuzzer harness for the strict number parsers of ig_num.h (ISO-8601
 * and Unix times are fuzzed by fuzz_ingest.c). Every parser runs over the
 * input as a string; what it accepts must be what it claims: in range,
 * and for whole numbers the same digits when written back.
 *
 *   make fuzz
 *   build-fuzz/fuzz_num -max_total_time=300 -max_len=64 tests/fuzz/corpus_num
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Nonzero when S is the canonical decimal of V (no sign, no leading 0). */
static int canonical_u64(const char *s, uint64_t v)
{
	char buf[IG_U64_BUF];
	size_t len;
	const char *d = ig_format_u64(v, buf, &len);

	return strlen(s) == len && memcmp(s, d, len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	int64_t i = 0;
	uint64_t u = 0, sz = 0;
	uint32_t idx = 0, cnt = 0;
	double d = 0;
	int n = 0;
	const char *p;

	memcpy(s, data, size);
	s[size] = '\0';
	if (ig_parse_u64(s, UINT64_MAX, &u) == 0) {
		/* Leading zeros are allowed: compare without them. */
		for (p = s; p[0] == '0' && p[1] != '\0'; p++)
			;
		if (!canonical_u64(p, u))
			abort();
	}
	if (ig_parse_i64(s, -1000, 1000, &i) == 0 && (i < -1000 || i > 1000))
		abort();
	if (ig_parse_int(s, INT32_MIN, INT32_MAX, &n) == 0 && ig_parse_i64(s, INT32_MIN, INT32_MAX, &i) != 0)
		abort();
	if (ig_parse_double(s, &d) == 0 && (d != d || d - d != 0))
		abort(); /* nan or inf */
	if (ig_parse_double_range(s, -1, 1, &d) == 0 && (d < -1 || d > 1))
		abort();
	if (ig_parse_size(s, &sz) == 0 && ig_parse_u64(s, UINT64_MAX, &u) == 0 && sz != u)
		abort();
	if (ig_parse_shard(s, &idx, &cnt) == 0 && (cnt == 0 || idx >= cnt))
		abort();
	free(s);
	return 0;
}
