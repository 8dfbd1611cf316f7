#include "w2v/ig_w2v_vocab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

typedef struct {
	uint64_t count;
	uint32_t raw;
} entry;

static int by_count(const void *a, const void *b)
{
	const entry *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->raw > y->raw) - (x->raw < y->raw);
}

void ig_w2v_vocab_build(ig_w2v_vocab *v, const ig_intern *names, const uint64_t *raw_count,
			uint64_t min_count, uint32_t max_words, uint32_t *map)
{
	uint32_t nraw = ig_intern_count(names), i, n = 0;
	entry *e = ig_reallocarray(NULL, nraw ? nraw : 1, sizeof *e);

	memset(v, 0, sizeof *v);
	v->names = names;
	for (i = 0; i < nraw; i++) {
		map[i] = IG_INTERN_NONE;
		if (raw_count[i] >= min_count && raw_count[i] > 0) {
			e[n].count = raw_count[i];
			e[n].raw = i;
			n++;
		}
	}
	qsort(e, n, sizeof *e, by_count);
	if (max_words > 0 && n > max_words)
		n = max_words;
	v->n = n;
	v->raw = ig_reallocarray(NULL, n ? n : 1, sizeof *v->raw);
	v->count = ig_reallocarray(NULL, n ? n : 1, sizeof *v->count);
	for (i = 0; i < n; i++) {
		v->raw[i] = e[i].raw;
		v->count[i] = e[i].count;
		v->total += e[i].count;
		map[e[i].raw] = i;
	}
	free(e);
}

void ig_w2v_vocab_free(ig_w2v_vocab *v)
{
	free(v->raw);
	free(v->count);
	memset(v, 0, sizeof *v);
}

const char *ig_w2v_vocab_word(const ig_w2v_vocab *v, uint32_t i)
{
	return ig_intern_str(v->names, v->raw[i]);
}

size_t ig_w2v_vocab_len(const ig_w2v_vocab *v, uint32_t i)
{
	return ig_intern_len(v->names, v->raw[i]);
}

double ig_w2v_keep_probability(uint64_t count, uint64_t total, double sample)
{
	double f, p;

	if (sample <= 0 || count == 0 || total == 0)
		return 1;
	f = (double)count / (double)total;
	p = (sqrt(f / sample) + 1) * sample / f;
	return p < 1 ? p : 1;
}

uint32_t *ig_w2v_keep_thresholds(const ig_w2v_vocab *v, double sample)
{
	uint32_t *t = ig_reallocarray(NULL, v->n ? v->n : 1, sizeof *t);
	uint32_t i;

	for (i = 0; i < v->n; i++) {
		double p = ig_w2v_keep_probability(v->count[i], v->total, sample);
		double x = floor(p * 4294967296.0);

		t[i] = x >= 4294967295.0 ? UINT32_MAX : (uint32_t)x;
	}
	return t;
}

double ig_w2v_expected_kept(const ig_w2v_vocab *v, double sample)
{
	double s = 0;
	uint32_t i;

	for (i = 0; i < v->n; i++)
		s += (double)v->count[i] * ig_w2v_keep_probability(v->count[i], v->total, sample);
	return s;
}

/* Vose's method: small and large work lists, in a fixed order so the
 * table is the same on every machine. */
void ig_w2v_alias_build(ig_w2v_alias *a, const uint64_t *count, uint32_t n, double power)
{
	double *q = ig_reallocarray(NULL, n ? n : 1, sizeof *q), sum = 0;
	uint32_t *small = ig_reallocarray(NULL, n ? n : 1, sizeof *small);
	uint32_t *large = ig_reallocarray(NULL, n ? n : 1, sizeof *large);
	uint32_t ns = 0, nl = 0, i;

	a->n = n;
	a->cell = ig_reallocarray(NULL, n ? n : 1, sizeof *a->cell);
	for (i = 0; i < n; i++) {
		q[i] = pow((double)count[i], power);
		sum += q[i];
	}
	for (i = 0; i < n; i++) {
		q[i] = sum > 0 ? q[i] * n / sum : 1;
		if (q[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns > 0 && nl > 0) {
		uint32_t s = small[--ns], l = large[nl - 1];
		double x = floor(q[s] * 4294967296.0);

		a->cell[s].threshold = x >= 4294967295.0 ? UINT32_MAX : (uint32_t)x;
		a->cell[s].alias = l;
		q[l] -= 1 - q[s];
		if (q[l] < 1) {
			nl--;
			small[ns++] = l;
		}
	}
	/* What is left has probability 1 up to rounding. */
	while (nl > 0) {
		i = large[--nl];
		a->cell[i].threshold = UINT32_MAX;
		a->cell[i].alias = i;
	}
	while (ns > 0) {
		i = small[--ns];
		a->cell[i].threshold = UINT32_MAX;
		a->cell[i].alias = i;
	}
	free(q);
	free(small);
	free(large);
}

double ig_w2v_alias_probability(const ig_w2v_alias *a, uint32_t i)
{
	/* Cell j gives j with (threshold+1)/2^32 and its alias otherwise. */
	double p = 0;
	uint32_t j;

	for (j = 0; j < a->n; j++) {
		double own = ((double)a->cell[j].threshold + 1) / 4294967296.0;

		if (j == i)
			p += own;
		if (a->cell[j].alias == i && a->cell[j].alias != j)
			p += 1 - own;
	}
	return p / a->n;
}

void ig_w2v_alias_free(ig_w2v_alias *a)
{
	free(a->cell);
	a->cell = NULL;
	a->n = 0;
}
