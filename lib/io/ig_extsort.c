#include "io/ig_extsort.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "core/ig_heap.h"
#include "core/ig_tempfile.h"

#define LEN_BITS 24
#define LEN_MASK ((UINT64_C(1) << LEN_BITS) - 1)
#define MAX_FANIN 64
#define RUN_IO_BUF ((size_t)1 << 20)
#define MIN_RUN_IO_BUF ((size_t)16 << 10)
#define SMALL 16
/* Records are sorted in memory in chunks of at most this much, even
 * under a larger budget: a fresh gigabyte costs more in page faults and
 * TLB misses than writing and merging a few more runs (measured: 40M
 * events took 12.4 s CPU with 128 MB chunks, 14.9 s with 1 GB, 16.7 s
 * with 2 GB and no spill at all). */
#define MAX_CHUNK ((uint64_t)256 << 20)

/* A record in memory: its first 16 bytes as two big-endian integers
 * (zero-padded), and where it lies in the arena. */
typedef struct entry {
	uint64_t k0, k1;
	uint64_t pos;   /* offset << LEN_BITS | length */
} entry;

/* A sorted run on disk is a sequence of (4-byte length, bytes) records,
 * or of fixed-size records as they are, written and read through our own
 * buffers: the records are short, and stdio's per-call cost showed in
 * profiles. */
typedef struct run_writer {
	int fd;
	unsigned char *buf;
	size_t len;
} run_writer;

typedef struct run {
	int fd;
	unsigned char *buf;
	size_t cap, pos, end;
	const unsigned char *rec;
	size_t len;
	uint64_t k0, k1;
} run;

struct ig_extsort {
	char *tmpdir;         /* as given: NULL for the default */
	ig_extsort_codec codec; /* size 0: byte records */
	uint64_t budget;
	size_t io_buf;        /* bytes of a run's read buffer, at first */
	unsigned char *arena;
	size_t arena_len, arena_cap;
	entry *ent;
	size_t n, ent_cap;
	size_t next;          /* in-memory iteration */
	int *runs;            /* descriptors of sorted runs on disk */
	size_t nruns, spilled;
	run *merge;
	size_t *heap, heap_len, nmerge, pending;
	unsigned char *acc;   /* the record being reduced */
	int finished;
};

static uint64_t load_be64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static void make_key(const unsigned char *p, size_t len, uint64_t *k0, uint64_t *k1)
{
	unsigned char b[16];

	if (len >= 16) {
		*k0 = load_be64(p);
		*k1 = load_be64(p + 8);
		return;
	}
	memset(b, 0, sizeof b);
	memcpy(b, p, len);
	*k0 = load_be64(b);
	*k1 = load_be64(b + 8);
}

/* Bytewise order of two records with keys (A0, A1) and (B0, B1). When
 * the keys are equal and one record is at most 16 bytes long, it is a
 * prefix of the other, so the shorter comes first. */
static int rec_cmp(uint64_t a0, uint64_t a1, const unsigned char *a, size_t la,
		   uint64_t b0, uint64_t b1, const unsigned char *b, size_t lb)
{
	int c;

	if (a0 != b0)
		return a0 < b0 ? -1 : 1;
	if (a1 != b1)
		return a1 < b1 ? -1 : 1;
	if (la > 16 && lb > 16) {
		c = memcmp(a + 16, b + 16, (la < lb ? la : lb) - 16);
		if (c != 0)
			return c;
	}
	return (la > lb) - (la < lb);
}

static int ent_cmp(const ig_extsort *s, const entry *a, const entry *b)
{
	if (a->k0 != b->k0)
		return a->k0 < b->k0 ? -1 : 1;
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	return rec_cmp(0, 0, s->arena + (a->pos >> LEN_BITS), a->pos & LEN_MASK, 0, 0,
		       s->arena + (b->pos >> LEN_BITS), b->pos & LEN_MASK);
}

static void ent_swap(entry *a, entry *b)
{
	entry t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(const ig_extsort *s, entry *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		entry t = a[i];
		for (j = i; j > 0 && ent_cmp(s, &t, &a[j - 1]) < 0; j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

static void sift_down(const ig_extsort *s, entry *a, size_t i, size_t n)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && ent_cmp(s, &a[l], &a[m]) > 0)
			m = l;
		if (l + 1 < n && ent_cmp(s, &a[l + 1], &a[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		ent_swap(&a[i], &a[m]);
		i = m;
	}
}

static void heap_sort(const ig_extsort *s, entry *a, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(s, a, i, n);
	for (i = n; i-- > 1;) {
		ent_swap(&a[0], &a[i]);
		sift_down(s, a, 0, i);
	}
}

/* Introsort: quicksort with a median-of-three pivot, heapsort when the
 * recursion gets too deep, insertion sort for short ranges. */
static void intro_sort(const ig_extsort *s, entry *a, size_t n, int depth)
{
	while (n > SMALL) {
		entry p;
		size_t i, j, mid = n / 2;
		if (depth-- == 0) {
			heap_sort(s, a, n);
			return;
		}
		/* a[0] <= a[mid] <= a[n-1]: the scans below stay in bounds and
		 * both parts are non-empty. */
		if (ent_cmp(s, &a[mid], &a[0]) < 0)
			ent_swap(&a[mid], &a[0]);
		if (ent_cmp(s, &a[n - 1], &a[mid]) < 0) {
			ent_swap(&a[n - 1], &a[mid]);
			if (ent_cmp(s, &a[mid], &a[0]) < 0)
				ent_swap(&a[mid], &a[0]);
		}
		p = a[mid];
		i = 0;
		j = n - 1;
		for (;;) {
			while (ent_cmp(s, &a[i], &p) < 0)
				i++;
			while (ent_cmp(s, &a[j], &p) > 0)
				j--;
			if (i >= j)
				break;
			ent_swap(&a[i], &a[j]);
			i++;
			j--;
		}
		/* [0, j] and [j + 1, n): recurse into the smaller. */
		if (j + 1 < n - j - 1) {
			intro_sort(s, a, j + 1, depth);
			a += j + 1;
			n -= j + 1;
		} else {
			intro_sort(s, a + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	insertion_sort(s, a, n);
}

/* Address space for the whole budget, committed only as it is touched;
 * huge pages where the kernel allows, because the records are read back
 * in sorted order, all over the arena, and small pages would make that a
 * TLB miss per record. */
static void *reserve(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		ig_die("cannot reserve %llu bytes of memory for sorting: %s (lower --memory)",
		       (unsigned long long)bytes, strerror(errno));
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

static void release(ig_extsort *s)
{
	if (s->arena)
		munmap(s->arena, s->arena_cap);
	if (s->ent)
		munmap(s->ent, s->ent_cap * sizeof *s->ent);
	s->arena = NULL;
	s->ent = NULL;
	s->arena_cap = s->ent_cap = 0;
}

static void sort_memory(ig_extsort *s)
{
	int depth = 0;
	size_t n;

	for (n = s->n; n > 1; n >>= 1)
		depth += 2;
	intro_sort(s, s->ent, s->n, depth);
}

ig_extsort *ig_extsort_new(uint64_t memory, const char *tmpdir)
{
	ig_extsort *s = ig_calloc(1, sizeof *s);

	s->tmpdir = tmpdir ? ig_strdup(tmpdir) : NULL;
	s->budget = memory < ((uint64_t)1 << 20) ? ((uint64_t)1 << 20) : memory;
	if (s->budget > MAX_CHUNK)
		s->budget = MAX_CHUNK;
	/* MAX_FANIN read buffers fit the budget. */
	s->io_buf = (size_t)(s->budget / MAX_FANIN);
	s->io_buf = s->io_buf > RUN_IO_BUF ? RUN_IO_BUF : s->io_buf < MIN_RUN_IO_BUF ? MIN_RUN_IO_BUF : s->io_buf;
	s->pending = SIZE_MAX;
	return s;
}

ig_extsort *ig_extsort_new_codec(const ig_extsort_codec *codec, uint64_t memory, const char *tmpdir)
{
	ig_extsort *s;

	if (codec->size < (codec->cmp ? 1 : sizeof(uint64_t)) || codec->size > LEN_MASK)
		ig_die("ig_extsort_new_codec: bad codec (record size %zu)", codec->size);
	s = ig_extsort_new(memory, tmpdir);
	s->codec = *codec;
	if (s->io_buf < codec->size)
		s->io_buf = codec->size;
	if (codec->reduce)
		s->acc = ig_malloc(codec->size);
	return s;
}

static const char *dir_name(const ig_extsort *s)
{
	return ig_tempdir(s->tmpdir);
}

static void write_all(const ig_extsort *s, int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t got = write(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			ig_die("write error on a temporary file in %s: %s", dir_name(s),
			       got < 0 ? strerror(errno) : "no progress");
		p += got;
		n -= (size_t)got;
	}
}

static void writer_open(const ig_extsort *s, run_writer *w)
{
	w->fd = ig_tempfile_scratch(s->tmpdir);
	w->buf = ig_malloc(RUN_IO_BUF);
	w->len = 0;
}

static void put_record(const ig_extsort *s, run_writer *w, const void *rec, uint32_t len)
{
	if (s->codec.size) {
		if (w->len + len > RUN_IO_BUF) {
			write_all(s, w->fd, w->buf, w->len);
			w->len = 0;
		}
		memcpy(w->buf + w->len, rec, len);
		w->len += len;
		return;
	}
	if (w->len + 4 + len > RUN_IO_BUF) {
		write_all(s, w->fd, w->buf, w->len);
		w->len = 0;
	}
	if (4 + (size_t)len > RUN_IO_BUF) {
		write_all(s, w->fd, (const unsigned char *)&len, 4);
		write_all(s, w->fd, rec, len);
		return;
	}
	memcpy(w->buf + w->len, &len, 4);
	memcpy(w->buf + w->len + 4, rec, len);
	w->len += 4 + (size_t)len;
}

static void rewind_run(const ig_extsort *s, int fd)
{
	if (lseek(fd, 0, SEEK_SET) != 0)
		ig_die("seek error on a temporary file in %s: %s", dir_name(s), strerror(errno));
}

/* Flushes W and rewinds its file for reading; returns the descriptor. */
static int writer_close(const ig_extsort *s, run_writer *w)
{
	write_all(s, w->fd, w->buf, w->len);
	free(w->buf);
	rewind_run(s, w->fd);
	return w->fd;
}

static void add_run_fd(ig_extsort *s, int fd)
{
	s->runs = ig_reallocarray(s->runs, s->nruns + 1, sizeof *s->runs);
	s->runs[s->nruns++] = fd;
}

static void spill(ig_extsort *s)
{
	run_writer w;
	size_t i;

	if (s->n == 0)
		return;
	sort_memory(s);
	writer_open(s, &w);
	for (i = 0; i < s->n; i++)
		put_record(s, &w, s->arena + (s->ent[i].pos >> LEN_BITS), (uint32_t)(s->ent[i].pos & LEN_MASK));
	add_run_fd(s, writer_close(s, &w));
	s->spilled++;
	s->n = 0;
	s->arena_len = 0;
}

void ig_extsort_add(ig_extsort *s, const void *rec, size_t len)
{
	entry *e;

	if (s->codec.size)
		ig_die("ig_extsort_add: a fixed-record merge takes sorted runs");
	if (len > LEN_MASK || len + sizeof(entry) > s->budget / 2)
		ig_die("sort record too large (%zu bytes)", len);
	if (s->arena == NULL) {
		s->arena_cap = (size_t)s->budget;
		s->arena = reserve(s->arena_cap);
		s->ent_cap = (size_t)(s->budget / sizeof(entry));
		s->ent = reserve(s->ent_cap * sizeof *s->ent);
	}
	if (s->arena_len + len + (s->n + 1) * sizeof(entry) > s->budget && s->n > 0)
		spill(s);
	e = &s->ent[s->n++];
	memcpy(s->arena + s->arena_len, rec, len);
	make_key(s->arena + s->arena_len, len, &e->k0, &e->k1);
	e->pos = (uint64_t)s->arena_len << LEN_BITS | len;
	s->arena_len += len;
}

void ig_extsort_add_run(ig_extsort *s, const void *recs, size_t n)
{
	int fd;

	if (s->codec.size == 0 || s->finished)
		ig_die("ig_extsort_add_run: %s", s->finished ? "input has ended" : "byte records are added one by one");
	s->spilled++;
	if (n == 0)
		return;
	if (n > SIZE_MAX / s->codec.size)
		ig_die("ig_extsort_add_run: run too large");
	fd = ig_tempfile_scratch(s->tmpdir);
	write_all(s, fd, recs, n * s->codec.size);
	rewind_run(s, fd);
	add_run_fd(s, fd);
}

/* Makes at least N bytes of R available from R->pos; returns 0 if the
 * file ends first (with bytes left over: a damaged run). */
static int run_fill(const ig_extsort *s, run *r, size_t n)
{
	if (r->end - r->pos >= n)
		return 1;
	memmove(r->buf, r->buf + r->pos, r->end - r->pos);
	r->end -= r->pos;
	r->pos = 0;
	if (n > r->cap) {
		r->cap = n + RUN_IO_BUF;
		r->buf = ig_realloc(r->buf, r->cap);
	}
	while (r->end < n) {
		ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			ig_die("read error on a temporary file in %s: %s", dir_name(s), strerror(errno));
		if (got == 0) {
			if (r->end != 0)
				ig_die("read error on a temporary file in %s: truncated", dir_name(s));
			return 0;
		}
		r->end += (size_t)got;
	}
	return 1;
}

/* Reads the next record of a run; 0 at its end. */
static int run_advance(const ig_extsort *s, run *r)
{
	uint32_t n;

	if (s->codec.size) {
		/* the buffer's check inline: the merge reads records one by one */
		if (r->end - r->pos < s->codec.size && !run_fill(s, r, s->codec.size))
			return 0;
		r->rec = r->buf + r->pos;
		r->len = s->codec.size;
		r->pos += s->codec.size;
		if (s->codec.cmp == NULL)
			memcpy(&r->k0, r->rec, sizeof r->k0);
		return 1;
	}
	if (!run_fill(s, r, 4))
		return 0;
	memcpy(&n, r->buf + r->pos, 4);
	if (n > LEN_MASK || !run_fill(s, r, 4 + (size_t)n))
		ig_die("read error on a temporary file in %s: damaged run", dir_name(s));
	r->rec = r->buf + r->pos + 4;
	r->len = n;
	r->pos += 4 + (size_t)n;
	make_key(r->rec, n, &r->k0, &r->k1);
	return 1;
}

/* The heap's orders, one for each kind of record, so that each inlines
 * into its own copy of the sift (the merge's hot loop). Ties fall to the
 * lower run number: the merge is stable. */
static int less_bytes(const void *ctx, size_t a, size_t b)
{
	const ig_extsort *s = ctx;
	const run *x = &s->merge[a], *y = &s->merge[b];
	int c = rec_cmp(x->k0, x->k1, x->rec, x->len, y->k0, y->k1, y->rec, y->len);

	return c < 0 || (c == 0 && a < b);
}

static int less_u64(const void *ctx, size_t a, size_t b)
{
	const ig_extsort *s = ctx;
	uint64_t x = s->merge[a].k0, y = s->merge[b].k0;

	return x < y || (x == y && a < b);
}

static int less_codec(const void *ctx, size_t a, size_t b)
{
	const ig_extsort *s = ctx;
	int c = s->codec.cmp(s->merge[a].rec, s->merge[b].rec);

	return c < 0 || (c == 0 && a < b);
}

static void heap_down(ig_extsort *s, size_t i)
{
	if (s->codec.size == 0)
		ig_heap_down(s->heap, s->heap_len, i, less_bytes, s);
	else if (s->codec.cmp == NULL)
		ig_heap_down(s->heap, s->heap_len, i, less_u64, s);
	else
		ig_heap_down(s->heap, s->heap_len, i, less_codec, s);
}

static void merge_start(ig_extsort *s, const int *fds, size_t n)
{
	size_t i;

	s->merge = ig_calloc(n, sizeof *s->merge);
	s->heap = ig_calloc(n, sizeof *s->heap);
	s->nmerge = n;
	s->heap_len = 0;
	for (i = 0; i < n; i++) {
		s->merge[i].fd = fds[i];
		s->merge[i].cap = s->io_buf;
		s->merge[i].buf = ig_malloc(s->io_buf);
		if (run_advance(s, &s->merge[i]))
			s->heap[s->heap_len++] = i;
	}
	for (i = s->heap_len / 2; i-- > 0;)
		heap_down(s, i);
	s->pending = SIZE_MAX;
}

static void merge_end(ig_extsort *s)
{
	size_t i;

	for (i = 0; i < s->nmerge; i++) {
		close(s->merge[i].fd);
		free(s->merge[i].buf);
	}
	free(s->merge);
	free(s->heap);
	s->merge = NULL;
	s->heap = NULL;
	s->nmerge = s->heap_len = 0;
}

/* Consumes the record handed out last: its run moves on. */
static void merge_consume(ig_extsort *s)
{
	if (s->pending == SIZE_MAX)
		return;
	if (!run_advance(s, &s->merge[s->pending]))
		s->heap[0] = s->heap[--s->heap_len];
	heap_down(s, 0);
	s->pending = SIZE_MAX;
}

/* Copies the least record and folds into it every record with its key. */
static void merge_reduce(ig_extsort *s)
{
	const run *top = &s->merge[s->heap[0]];
	uint64_t key = top->k0; /* the key itself when the codec has no CMP */

	memcpy(s->acc, top->rec, s->codec.size);
	for (;;) {
		s->pending = s->heap[0];
		merge_consume(s);
		if (s->heap_len == 0)
			return;
		top = &s->merge[s->heap[0]];
		if (s->codec.cmp != NULL ? s->codec.cmp(top->rec, s->acc) != 0 : top->k0 != key)
			return;
		s->codec.reduce(s->acc, top->rec);
	}
}

/* Hands out the smallest record; the one handed out before is consumed. */
static int merge_next(ig_extsort *s, const void **rec, size_t *len)
{
	merge_consume(s);
	if (s->heap_len == 0)
		return 0;
	if (s->codec.reduce) {
		merge_reduce(s);
		*rec = s->acc;
		*len = s->codec.size;
		return 1;
	}
	s->pending = s->heap[0];
	*rec = s->merge[s->pending].rec;
	*len = s->merge[s->pending].len;
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
	release(s);
	/* Too many runs for one merge: merge groups into longer runs. */
	while (s->nruns > MAX_FANIN) {
		int *next = NULL;
		size_t nnext = 0, i;
		for (i = 0; i < s->nruns; i += MAX_FANIN) {
			size_t n = s->nruns - i < MAX_FANIN ? s->nruns - i : MAX_FANIN;
			run_writer out;
			const void *rec;
			size_t len;
			writer_open(s, &out);
			merge_start(s, s->runs + i, n);
			while (merge_next(s, &rec, &len))
				put_record(s, &out, rec, (uint32_t)len);
			merge_end(s);
			next = ig_reallocarray(next, nnext + 1, sizeof *next);
			next[nnext++] = writer_close(s, &out);
		}
		free(s->runs);
		s->runs = next;
		s->nruns = nnext;
	}
	merge_start(s, s->runs, s->nruns);
}

int ig_extsort_next(ig_extsort *s, const void **rec, size_t *len)
{
	if (!s->finished)
		ig_extsort_finish(s);
	if (s->merge == NULL) {
		const entry *e;
		if (s->next >= s->n)
			return 0;
		/* The arena is read in sorted order, not address order: fetch
		 * a few records ahead. */
		if (s->next + 32 < s->n)
			__builtin_prefetch(s->arena + (s->ent[s->next + 32].pos >> LEN_BITS));
		e = &s->ent[s->next++];
		*rec = s->arena + (e->pos >> LEN_BITS);
		*len = e->pos & LEN_MASK;
		return 1;
	}
	return merge_next(s, rec, len);
}

size_t ig_extsort_runs(const ig_extsort *s)
{
	return s->spilled;
}

void ig_extsort_free(ig_extsort *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->merge)
		merge_end(s);
	else
		for (i = 0; i < s->nruns; i++)
			close(s->runs[i]);
	free(s->runs);
	release(s);
	free(s->acc);
	free(s->tmpdir);
	free(s);
}
