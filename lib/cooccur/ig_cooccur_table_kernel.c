#include "cooccur/ig_cooccur_table_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "core/ig_heap.h"

#define EMPTY UINT64_MAX
#define MAX_FANIN 64
#define RUN_BUF 4096 /* records per run cursor buffer, at most */
#define MIN_RUN_BUF 256
#define MIN_CAP ((size_t)1 << 12)
#define PREFETCH_AHEAD 8

typedef struct cursor {
	FILE *fp;              /* NULL: the in-memory array */
	ig_cooc_pair *buf;
	size_t pos, len;
	const ig_cooc_pair *mem;
	size_t mem_len;
} cursor;

struct ig_cooc_table {
	ig_cooc_pair *slot;
	size_t cap, mask, count, limit;
	size_t max_cap;        /* largest capacity the budget allows */
	size_t run_buf;        /* records per cursor buffer: MAX_FANIN of them fit the budget */
	uint64_t peak;
	char *tmpdir;
	FILE **runs;
	size_t nruns;
	size_t spills;         /* runs written by spilling */
	/* merge state */
	int finished;
	cursor *cur;
	size_t ncur;
	size_t *heap;
	size_t heap_len;
	ig_cooc_pair *sorted;  /* the in-memory pairs, sorted, at the end */
};

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
	const char *dir = tmpdir ? tmpdir : getenv("TMPDIR");
	uint64_t budget = memory < ((uint64_t)1 << 20) ? ((uint64_t)1 << 20) : memory;
	size_t cap = MIN_CAP;

	/* The table, plus a sort buffer for the 70% of it that may be full. */
	while ((uint64_t)cap * 2 * sizeof(ig_cooc_pair) * 17 / 10 <= budget)
		cap *= 2;
	t->max_cap = cap;
	t->run_buf = budget / MAX_FANIN / sizeof(ig_cooc_pair);
	t->run_buf = t->run_buf > RUN_BUF ? RUN_BUF : t->run_buf < MIN_RUN_BUF ? MIN_RUN_BUF : t->run_buf;
	t->tmpdir = ig_strdup(dir && *dir ? dir : "/tmp");
	alloc_slots(t, MIN_CAP < cap ? MIN_CAP : cap);
	return t;
}

static FILE *temp_file(const ig_cooc_table *t)
{
	size_t n = strlen(t->tmpdir) + 32;
	char *path = ig_malloc(n);
	int fd;
	FILE *fp;

	snprintf(path, n, "%s/igcooc.XXXXXX", t->tmpdir);
	fd = mkstemp(path);
	if (fd < 0)
		ig_die("cannot create a temporary file in %s: %s (set -T DIR)", t->tmpdir, strerror(errno));
	unlink(path);
	free(path);
	fp = fdopen(fd, "w+");
	if (fp == NULL)
		ig_die("temporary file in %s: %s", t->tmpdir, strerror(errno));
	return fp;
}

static void write_pairs(const ig_cooc_table *t, FILE *fp, const ig_cooc_pair *p, size_t n)
{
	if (n && fwrite(p, sizeof *p, n, fp) != n)
		ig_die("write error on a temporary file in %s: %s", t->tmpdir, strerror(errno));
}

static void rewind_run(const ig_cooc_table *t, FILE *fp)
{
	if (fflush(fp) != 0 || fseek(fp, 0, SEEK_SET) != 0)
		ig_die("write error on a temporary file in %s: %s", t->tmpdir, strerror(errno));
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
	FILE *fp = temp_file(t);

	write_pairs(t, fp, t->slot, n);
	rewind_run(t, fp);
	t->runs = ig_reallocarray(t->runs, t->nruns + 1, sizeof *t->runs);
	t->runs[t->nruns++] = fp;
	t->spills++;
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

/* Cursor over a run file or the in-memory array; 0 when exhausted. */
static int cursor_fill(const ig_cooc_table *t, cursor *c)
{
	if (c->pos < c->len)
		return 1;
	if (c->fp == NULL)
		return 0;
	c->len = fread(c->buf, sizeof *c->buf, t->run_buf, c->fp);
	if (c->len == 0 && ferror(c->fp))
		ig_die("read error on a temporary file in %s", t->tmpdir);
	c->pos = 0;
	return c->len > 0;
}

static int heap_less(const void *ctx, size_t a, size_t b)
{
	const ig_cooc_table *t = ctx;
	uint64_t ka = t->cur[a].buf[t->cur[a].pos].key, kb = t->cur[b].buf[t->cur[b].pos].key;

	return ka < kb || (ka == kb && a < b);
}

static void heap_down(ig_cooc_table *t, size_t i)
{
	ig_heap_down(t->heap, t->heap_len, i, heap_less, t);
}

static void merge_start(ig_cooc_table *t, FILE **fps, size_t nfps, const ig_cooc_pair *mem, size_t nmem)
{
	size_t i;

	t->ncur = nfps + (mem != NULL);
	t->cur = ig_calloc(t->ncur ? t->ncur : 1, sizeof *t->cur);
	t->heap = ig_calloc(t->ncur ? t->ncur : 1, sizeof *t->heap);
	t->heap_len = 0;
	for (i = 0; i < nfps; i++) {
		t->cur[i].fp = fps[i];
		t->cur[i].buf = ig_reallocarray(NULL, t->run_buf, sizeof *t->cur[i].buf);
	}
	if (mem != NULL) {
		t->cur[nfps].buf = (ig_cooc_pair *)mem;
		t->cur[nfps].len = nmem;
	}
	for (i = 0; i < t->ncur; i++)
		if (cursor_fill(t, &t->cur[i]))
			t->heap[t->heap_len++] = i;
	ig_heap_make(t->heap, t->heap_len, heap_less, t);
}

static void merge_end(ig_cooc_table *t)
{
	size_t i;

	for (i = 0; i < t->ncur; i++)
		if (t->cur[i].fp) {
			fclose(t->cur[i].fp);
			free(t->cur[i].buf);
		}
	free(t->cur);
	free(t->heap);
	t->cur = NULL;
	t->heap = NULL;
	t->ncur = t->heap_len = 0;
}

/* The next record of the merge, not yet summed; 0 at the end. */
static int merge_pop(ig_cooc_table *t, ig_cooc_pair *out)
{
	cursor *c;

	if (t->heap_len == 0)
		return 0;
	c = &t->cur[t->heap[0]];
	*out = c->buf[c->pos++];
	if (!cursor_fill(t, c))
		t->heap[0] = t->heap[--t->heap_len];
	heap_down(t, 0);
	return 1;
}

static int merge_next(ig_cooc_table *t, ig_cooc_pair *out)
{
	ig_cooc_pair p;

	if (!merge_pop(t, out))
		return 0;
	while (t->heap_len > 0) {
		cursor *c = &t->cur[t->heap[0]];
		if (c->buf[c->pos].key != out->key)
			break;
		merge_pop(t, &p);
		if (__builtin_add_overflow(out->w, p.w, &out->w))
			ig_die("co-occurrence weights overflow: use smaller event weights");
		out->s += p.s;
	}
	return 1;
}

void ig_cooc_table_finish(ig_cooc_table *t)
{
	size_t n;

	if (t->finished)
		return;
	t->finished = 1;
	if (t->nruns > 0)
		spill(t);
	/* Too many runs to merge at once: merge groups of them first. */
	while (t->nruns > MAX_FANIN) {
		FILE **next = NULL;
		size_t nnext = 0, i;
		for (i = 0; i < t->nruns; i += MAX_FANIN) {
			size_t m = t->nruns - i < MAX_FANIN ? t->nruns - i : MAX_FANIN;
			FILE *out = temp_file(t);
			ig_cooc_pair p;
			merge_start(t, t->runs + i, m, NULL, 0);
			while (merge_next(t, &p))
				write_pairs(t, out, &p, 1);
			merge_end(t);
			rewind_run(t, out);
			next = ig_reallocarray(next, nnext + 1, sizeof *next);
			next[nnext++] = out;
		}
		free(t->runs);
		t->runs = next;
		t->nruns = nnext;
	}
	if (t->nruns > 0) {
		free(t->slot);
		t->slot = NULL;
		t->cap = 0;
		merge_start(t, t->runs, t->nruns, NULL, 0);
		return;
	}
	n = compact_sort(t);
	merge_start(t, NULL, 0, t->slot, n);
}

int ig_cooc_table_next(ig_cooc_table *t, ig_cooc_pair *out)
{
	if (!t->finished)
		ig_cooc_table_finish(t);
	return merge_next(t, out);
}

size_t ig_cooc_table_runs(const ig_cooc_table *t) { return t->spills; }
uint64_t ig_cooc_table_peak(const ig_cooc_table *t) { return t->peak; }

void ig_cooc_table_free(ig_cooc_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->cur)
		merge_end(t);
	else
		for (i = 0; i < t->nruns; i++)
			fclose(t->runs[i]);
	free(t->runs);
	free(t->slot);
	free(t->tmpdir);
	free(t);
}
