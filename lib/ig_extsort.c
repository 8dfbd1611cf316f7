#include "ig_extsort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ig_err.h"

/* Runs merged at once; more are first merged into larger runs. */
#define MAX_FANIN 64
#define RUN_IO_BUF ((size_t)1 << 18)

typedef struct run {
	FILE *fp;
	unsigned char *rec;
	size_t len, cap;
} run;

struct ig_extsort {
	ig_extsort_cmp cmp;
	void *ctx;
	char *tmpdir;
	uint64_t budget;
	unsigned char *arena;
	size_t arena_len, arena_cap;
	size_t *offs;     /* record starts in arena: a 4-byte length, then bytes */
	size_t nrecs, offs_cap;
	size_t next_rec;  /* in-memory iteration */
	FILE **runs;
	size_t nruns;
	run *merge;       /* cursors being merged */
	size_t *heap;
	size_t heap_len, nmerge;
	size_t pending;   /* merge cursor whose record was handed out last */
	uint64_t count;
	int finished;
};

static int compare(const ig_extsort *s, const void *a, size_t alen, const void *b, size_t blen)
{
	int c;

	if (s->cmp)
		return s->cmp(a, alen, b, blen, s->ctx);
	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static uint32_t rec_len(const unsigned char *p)
{
	uint32_t n;

	memcpy(&n, p, 4);
	return n;
}

static int cmp_offsets(const void *x, const void *y, void *arg)
{
	const ig_extsort *s = arg;
	const unsigned char *a = s->arena + *(const size_t *)x;
	const unsigned char *b = s->arena + *(const size_t *)y;

	int c = compare(s, a + 4, rec_len(a), b + 4, rec_len(b));

	/* Equal records keep their input order: offsets grow with it. */
	if (c == 0)
		c = (a > b) - (a < b);
	return c;
}

ig_extsort *ig_extsort_new(uint64_t memory, const char *tmpdir, ig_extsort_cmp cmp, void *ctx)
{
	ig_extsort *s = ig_calloc(1, sizeof *s);
	const char *dir = tmpdir ? tmpdir : getenv("TMPDIR");

	s->cmp = cmp;
	s->ctx = ctx;
	s->tmpdir = ig_strdup(dir && *dir ? dir : "/tmp");
	s->budget = memory < ((uint64_t)1 << 20) ? ((uint64_t)1 << 20) : memory;
	return s;
}

static FILE *temp_file(ig_extsort *s)
{
	size_t n = strlen(s->tmpdir) + 32;
	char *path = ig_malloc(n);
	int fd;
	FILE *fp;

	snprintf(path, n, "%s/igsort.XXXXXX", s->tmpdir);
	fd = mkstemp(path);
	if (fd < 0)
		ig_die("cannot create a temporary file in %s: %s (set -T DIR)", s->tmpdir, strerror(errno));
	unlink(path);
	fp = fdopen(fd, "w+");
	if (fp == NULL)
		ig_die("%s: %s", path, strerror(errno));
	setvbuf(fp, NULL, _IOFBF, RUN_IO_BUF);
	free(path);
	return fp;
}

static void put_record(FILE *fp, const void *rec, uint32_t len, const char *dir)
{
	if (fwrite(&len, 4, 1, fp) != 1 || (len && fwrite(rec, len, 1, fp) != 1))
		ig_die("write error on a temporary file in %s: %s", dir, strerror(errno));
}

static void rewind_run(FILE *fp, const char *dir)
{
	if (fflush(fp) != 0 || fseek(fp, 0, SEEK_SET) != 0)
		ig_die("write error on a temporary file in %s: %s", dir, strerror(errno));
}

static void sort_memory(ig_extsort *s)
{
	qsort_r(s->offs, s->nrecs, sizeof *s->offs, cmp_offsets, s);
}

static void spill(ig_extsort *s)
{
	FILE *fp;
	size_t i;

	if (s->nrecs == 0)
		return;
	sort_memory(s);
	fp = temp_file(s);
	for (i = 0; i < s->nrecs; i++) {
		const unsigned char *p = s->arena + s->offs[i];
		put_record(fp, p + 4, rec_len(p), s->tmpdir);
	}
	rewind_run(fp, s->tmpdir);
	s->runs = ig_reallocarray(s->runs, s->nruns + 1, sizeof *s->runs);
	s->runs[s->nruns++] = fp;
	s->nrecs = 0;
	s->arena_len = 0;
}

void ig_extsort_add(ig_extsort *s, const void *rec, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (len > UINT32_MAX - 8)
		ig_die("sort record too large (%zu bytes)", len);
	if (s->arena_len + len + 4 + (s->nrecs + 1) * sizeof(size_t) > s->budget && s->nrecs > 0)
		spill(s);
	if (s->arena_len + len + 4 > s->arena_cap) {
		size_t want = s->arena_cap ? s->arena_cap * 2 : (size_t)1 << 16;
		while (want < s->arena_len + len + 4)
			want *= 2;
		s->arena = ig_realloc(s->arena, want);
		s->arena_cap = want;
	}
	if (s->nrecs == s->offs_cap) {
		s->offs_cap = s->offs_cap ? s->offs_cap * 2 : 4096;
		s->offs = ig_reallocarray(s->offs, s->offs_cap, sizeof *s->offs);
	}
	s->offs[s->nrecs++] = s->arena_len;
	memcpy(s->arena + s->arena_len, &n, 4);
	memcpy(s->arena + s->arena_len + 4, rec, len);
	s->arena_len += len + 4;
	s->count++;
}

/* Reads the next record of a run; returns 0 at its end. */
static int run_advance(run *r, const char *dir)
{
	uint32_t n;
	size_t got = fread(&n, 1, 4, r->fp);

	if (got == 0 && feof(r->fp))
		return 0;
	if (got != 4)
		ig_die("read error on a temporary file in %s", dir);
	if (n > r->cap) {
		r->cap = n * 2 + 64;
		r->rec = ig_realloc(r->rec, r->cap);
	}
	if (n && fread(r->rec, n, 1, r->fp) != 1)
		ig_die("read error on a temporary file in %s", dir);
	r->len = n;
	return 1;
}

static int heap_less(const ig_extsort *s, size_t a, size_t b)
{
	int c = compare(s, s->merge[a].rec, s->merge[a].len, s->merge[b].rec, s->merge[b].len);

	/* Ties go to the earlier run, which keeps the sort stable. */
	return c < 0 || (c == 0 && a < b);
}

static void heap_down(ig_extsort *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;
		if (l < s->heap_len && heap_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (r < s->heap_len && heap_less(s, s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			return;
		t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

static void merge_start(ig_extsort *s, FILE **fps, size_t n)
{
	size_t i;

	s->merge = ig_calloc(n, sizeof *s->merge);
	s->heap = ig_calloc(n, sizeof *s->heap);
	s->nmerge = n;
	s->heap_len = 0;
	for (i = 0; i < n; i++) {
		s->merge[i].fp = fps[i];
		if (run_advance(&s->merge[i], s->tmpdir))
			s->heap[s->heap_len++] = i;
	}
	for (i = s->heap_len; i-- > 0;)
		heap_down(s, i);
}

static void merge_end(ig_extsort *s)
{
	size_t i;

	for (i = 0; i < s->nmerge; i++) {
		fclose(s->merge[i].fp);
		free(s->merge[i].rec);
	}
	free(s->merge);
	free(s->heap);
	s->merge = NULL;
	s->heap = NULL;
	s->nmerge = s->heap_len = 0;
}

/* Hands out the smallest record; the one handed out before is consumed. */
static int merge_next(ig_extsort *s, size_t *pending, const void **rec, size_t *len)
{
	if (*pending != SIZE_MAX) {
		size_t top = *pending;
		if (!run_advance(&s->merge[top], s->tmpdir))
			s->heap[0] = s->heap[--s->heap_len];
		heap_down(s, 0);
		*pending = SIZE_MAX;
	}
	if (s->heap_len == 0)
		return 0;
	*pending = s->heap[0];
	*rec = s->merge[*pending].rec;
	*len = s->merge[*pending].len;
	return 1;
}

void ig_extsort_finish(ig_extsort *s)
{
	if (s->finished)
		return;
	s->finished = 1;
	if (s->nruns == 0) {
		sort_memory(s);
		return;
	}
	spill(s);
	free(s->arena);
	s->arena = NULL;
	s->arena_cap = 0;
	/* Too many runs for one merge: merge groups of them into new runs. */
	while (s->nruns > MAX_FANIN) {
		FILE **next = NULL;
		size_t nnext = 0, i;
		for (i = 0; i < s->nruns; i += MAX_FANIN) {
			size_t n = s->nruns - i < MAX_FANIN ? s->nruns - i : MAX_FANIN;
			FILE *out = temp_file(s);
			const void *rec;
			size_t len, pend = SIZE_MAX;
			merge_start(s, s->runs + i, n);
			while (merge_next(s, &pend, &rec, &len))
				put_record(out, rec, (uint32_t)len, s->tmpdir);
			merge_end(s);
			rewind_run(out, s->tmpdir);
			next = ig_reallocarray(next, nnext + 1, sizeof *next);
			next[nnext++] = out;
		}
		free(s->runs);
		s->runs = next;
		s->nruns = nnext;
	}
	merge_start(s, s->runs, s->nruns);
	s->pending = SIZE_MAX;
}

int ig_extsort_next(ig_extsort *s, const void **rec, size_t *len)
{
	if (!s->finished)
		ig_extsort_finish(s);
	if (s->merge == NULL) {
		const unsigned char *p;
		if (s->next_rec >= s->nrecs)
			return 0;
		p = s->arena + s->offs[s->next_rec++];
		*rec = p + 4;
		*len = rec_len(p);
		return 1;
	}
	return merge_next(s, &s->pending, rec, len);
}

size_t ig_extsort_runs(const ig_extsort *s) { return s->nruns; }
uint64_t ig_extsort_count(const ig_extsort *s) { return s->count; }

void ig_extsort_free(ig_extsort *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->merge)
		merge_end(s);
	else
		for (i = 0; i < s->nruns; i++)
			fclose(s->runs[i]);
	free(s->runs);
	free(s->arena);
	free(s->offs);
	free(s->tmpdir);
	free(s);
}
