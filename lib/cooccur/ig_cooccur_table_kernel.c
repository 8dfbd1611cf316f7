#include "cooccur/ig_cooccur_table_priv.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_extsort.h"

#define EMPTY UINT64_MAX
#define MIN_CAP ((size_t)1 << 12)
#define PREFETCH_AHEAD 8

struct ig_cooc_table {
	ig_cooc_pair *slot;
	size_t cap, mask, count, limit;
	size_t max_cap;        /* largest capacity the budget allows */
	uint64_t peak;
	ig_extsort *runs;      /* the spilled runs and their merge */
	int finished;
	size_t next, nsorted;  /* without runs: slot[0..nsorted) sorted */
};

static void add_sums(ig_cooc_pair *into, const ig_cooc_pair *p)
{
	if (__builtin_add_overflow(into->w, p->w, &into->w))
		ig_die("co-occurrence weights overflow: use smaller event weights");
	into->s += p->s;
}

static void pair_reduce(void *into, const void *rec)
{
	ig_cooc_pair a, b;

	memcpy(&a, into, sizeof a);
	memcpy(&b, rec, sizeof b);
	add_sums(&a, &b);
	memcpy(into, &a, sizeof a);
}

/* Ordered by the key, the record's leading uint64_t (cmp NULL). */
_Static_assert(offsetof(ig_cooc_pair, key) == 0, "the pair key leads the record");
static const ig_extsort_codec pair_codec = {sizeof(ig_cooc_pair), NULL, pair_reduce};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

static void alloc_slots(ig_cooc_table *t, size_t cap)
{
	size_t i;

	t->slot = ig_reallocarray(NULL, cap, sizeof *t->slot);
	for (i = 0; i < cap; i++)
		t->slot[i].key = EMPTY;
	t->cap = cap;
	t->mask = cap - 1;
	t->limit = cap / 10 * 7;
	t->count = 0;
}

ig_cooc_table *ig_cooc_table_new(uint64_t memory, const char *tmpdir)
{
	ig_cooc_table *t = ig_calloc(1, sizeof *t);
	uint64_t budget = memory < ((uint64_t)1 << 20) ? ((uint64_t)1 << 20) : memory;
	size_t cap = MIN_CAP;

	/* The table, plus a sort buffer for the 70% of it that may be full. */
	while ((uint64_t)cap * 2 * sizeof(ig_cooc_pair) * 17 / 10 <= budget)
		cap *= 2;
	t->max_cap = cap;
	/* The merge's read buffers take the same budget, once the table is
	 * gone. */
	t->runs = ig_extsort_new_codec(&pair_codec, budget, tmpdir);
	alloc_slots(t, MIN_CAP < cap ? MIN_CAP : cap);
	return t;
}

void ig_cooc_sort_pairs(ig_cooc_pair *p, ig_cooc_pair *tmp, size_t n)
{
	uint64_t diff = 0;
	ig_cooc_pair *src = p, *dst = tmp, *sw;
	size_t i, count[256];
	int byte;

	if (n < 2)
		return;
	for (i = 1; i < n; i++)
		diff |= p[i].key ^ p[0].key;
	for (byte = 0; byte < 8; byte++) {
		unsigned shift = (unsigned)byte * 8;
		size_t sum = 0;
		if (((diff >> shift) & 0xff) == 0)
			continue;
		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(src[i].key >> shift) & 0xff]++;
		for (i = 0; i < 256; i++) {
			size_t c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & 0xff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	if (src != p)
		memcpy(p, src, n * sizeof *p);
}

/* Moves the used slots to the front and sorts them; returns their count. */
static size_t compact_sort(ig_cooc_table *t)
{
	size_t i, n = 0;
	ig_cooc_pair *tmp;

	for (i = 0; i < t->cap; i++)
		if (t->slot[i].key != EMPTY)
			t->slot[n++] = t->slot[i];
	tmp = ig_reallocarray(NULL, n ? n : 1, sizeof *tmp);
	ig_cooc_sort_pairs(t->slot, tmp, n);
	free(tmp);
	return n;
}

static void spill(ig_cooc_table *t)
{
	size_t n = compact_sort(t), i;

	ig_extsort_add_run(t->runs, t->slot, n);
	for (i = 0; i < t->cap; i++)
		t->slot[i].key = EMPTY;
	t->count = 0;
}

static void grow(ig_cooc_table *t)
{
	ig_cooc_pair *old = t->slot;
	size_t oldcap = t->cap, i;

	alloc_slots(t, oldcap * 2);
	for (i = 0; i < oldcap; i++) {
		size_t h;
		if (old[i].key == EMPTY)
			continue;
		h = mix64(old[i].key) & t->mask;
		while (t->slot[h].key != EMPTY)
			h = (h + 1) & t->mask;
		t->slot[h] = old[i];
		t->count++;
	}
	free(old);
}

static inline void insert(ig_cooc_table *t, uint64_t key, uint64_t w, uint64_t s)
{
	size_t h = mix64(key) & t->mask;

	for (;;) {
		ig_cooc_pair *e = &t->slot[h];
		if (e->key == key) {
			if (__builtin_add_overflow(e->w, w, &e->w))
				ig_die("co-occurrence weights overflow: use smaller event weights");
			e->s += s;
			return;
		}
		if (e->key == EMPTY) {
			e->key = key;
			e->w = w;
			e->s = s;
			if (++t->count > t->peak)
				t->peak = t->count;
			if (t->count > t->limit) {
				if (t->cap < t->max_cap)
					grow(t);
				else
					spill(t);
			}
			return;
		}
		h = (h + 1) & t->mask;
	}
}

void ig_cooc_table_add(ig_cooc_table *t, uint64_t key, uint64_t w, uint64_t s)
{
	insert(t, key, w, s);
}

void ig_cooc_table_add_many(ig_cooc_table *t, const ig_cooc_pair *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			__builtin_prefetch(&t->slot[mix64(p[i + PREFETCH_AHEAD].key) & t->mask], 1, 1);
		insert(t, p[i].key, p[i].w, p[i].s);
	}
}

void ig_cooc_table_finish(ig_cooc_table *t)
{
	if (t->finished)
		return;
	t->finished = 1;
	if (ig_extsort_runs(t->runs) == 0) {
		/* All in memory: the keys are distinct, nothing to merge. */
		t->nsorted = compact_sort(t);
		return;
	}
	spill(t);
	free(t->slot);
	t->slot = NULL;
	t->cap = 0;
	ig_extsort_finish(t->runs);
}

int ig_cooc_table_next(ig_cooc_table *t, ig_cooc_pair *out)
{
	const void *rec;
	size_t len;

	if (!t->finished)
		ig_cooc_table_finish(t);
	if (t->slot != NULL) {
		if (t->next >= t->nsorted)
			return 0;
		*out = t->slot[t->next++];
		return 1;
	}
	if (!ig_extsort_next(t->runs, &rec, &len))
		return 0;
	memcpy(out, rec, sizeof *out);
	return 1;
}

size_t ig_cooc_table_runs(const ig_cooc_table *t) { return ig_extsort_runs(t->runs); }
uint64_t ig_cooc_table_peak(const ig_cooc_table *t) { return t->peak; }

void ig_cooc_table_free(ig_cooc_table *t)
{
	if (t == NULL)
		return;
	ig_extsort_free(t->runs);
	free(t->slot);
	free(t);
}

