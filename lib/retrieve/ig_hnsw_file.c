/* The index file (see ig-formats(5), HNSW INDEX): written in one pass,
 * opened with mmap, and checked field by field before anything in it is
 * trusted, since a search follows its links without bounds checks. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"
#include "retrieve/ig_hnsw_priv.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ig_hnsw_file.c maps the index in host order, which must be little-endian"
#endif

#define MAGIC "IG-HNSW\n"
#define VERSION 1
#define HEADER_BYTES 128
#define PAGE 4096

/* The fixed header; every field little-endian. */
typedef struct {
	char magic[8];
	uint32_t version, header_bytes, dim, metric;
	uint64_t n, checksum;
	uint32_t M, ef_construction, max_level, entry;
	uint64_t seed, upper_blocks, prov_bytes, stride;
	uint64_t levels_off, level0_off, upper_off, file_bytes;
	uint64_t header_sum;
} file_header;

_Static_assert(sizeof(file_header) == HEADER_BYTES, "file header layout");

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	return rotl64(h + w * P2, 31) * P1;
}

static uint64_t finish(uint64_t h)
{
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P1;
	return h ^ (h >> 32);
}

/* Four independent lanes over 8-byte words, so that the multiplies
 * overlap: a few GB/s. */
static uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t a = seed + P1, b = seed + P2, c = seed, d = seed - P1, w[4], t = 0;
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		memcpy(w, p + i, 32);
		a = mix(a, w[0]);
		b = mix(b, w[1]);
		c = mix(c, w[2]);
		d = mix(d, w[3]);
	}
	for (; i + 8 <= len; i += 8) {
		memcpy(w, p + i, 8);
		a = mix(a, w[0]);
	}
	if (i < len)
		memcpy(&t, p + i, len - i);
	a = mix(a, t);
	return finish(rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18) + len);
}

uint64_t ig_hnsw_header_sum(const void *header)
{
	return hash_bytes(header, offsetof(file_header, header_sum), 0);
}

uint64_t ig_ann_checksum(const ig_vectors *v)
{
	uint64_t h = hash_bytes(&v->dim, sizeof v->dim, v->n);

	return hash_bytes(v->data, (size_t)v->n * v->dim * sizeof(float), h);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* Where each part goes, from the counts alone. */
static void place(file_header *f)
{
	f->levels_off = align_up(HEADER_BYTES + f->prov_bytes, 64);
	f->level0_off = align_up(f->levels_off + f->n, PAGE);
	f->upper_off = align_up(f->level0_off + f->n * f->stride, 64);
	f->file_bytes = f->upper_off + f->upper_blocks * (1 + (uint64_t)f->M) * 4;
}

static void put(ig_writer *w, const void *p, size_t n)
{
	if (n > 0)
		ig_writer_write(w, p, n);
}

static void pad_to(ig_writer *w, uint64_t *at, uint64_t to)
{
	static const char zero[64];

	while (*at < to) {
		size_t n = to - *at > sizeof zero ? sizeof zero : (size_t)(to - *at);

		put(w, zero, n);
		*at += n;
	}
}

void ig_hnsw_save(const ig_hnsw *h, const char *path, const char *upstream_prov, const ig_prov *run)
{
	file_header f;
	char *prov = NULL;
	size_t prov_len = 0;
	FILE *mp;
	ig_writer *w;
	uint64_t at;

	mp = open_memstream(&prov, &prov_len);
	if (mp == NULL)
		ig_die("out of memory");
	if (upstream_prov != NULL)
		fputs(upstream_prov, mp);
	if (run != NULL)
		fprintf(mp, "##pg\t%s\t%s\t%s\n", run->program, run->version, run->cmdline);
	if (fclose(mp) != 0)
		ig_die("out of memory");
	memset(&f, 0, sizeof f);
	memcpy(f.magic, MAGIC, 8);
	f.version = VERSION;
	f.header_bytes = HEADER_BYTES;
	f.dim = h->dim;
	f.metric = h->metric;
	f.n = h->n;
	f.checksum = h->checksum;
	f.M = h->M;
	f.ef_construction = h->ef_construction;
	f.max_level = h->max_level;
	f.entry = h->entry;
	f.seed = h->seed;
	f.upper_blocks = h->upper_blocks;
	f.prov_bytes = prov_len;
	f.stride = h->stride;
	place(&f);
	f.header_sum = ig_hnsw_header_sum(&f);
	/* Through the writer: a temporary file renamed at the close, so that
	 * a failed or killed build leaves the old index, never a part. */
	w = ig_writer_open(path, IG_COMPRESS_NO, 1);
	put(w, &f, sizeof f);
	put(w, prov, prov_len);
	at = HEADER_BYTES + prov_len;
	pad_to(w, &at, f.levels_off);
	put(w, h->levels, h->n);
	at += h->n;
	pad_to(w, &at, f.level0_off);
	put(w, h->level0, (size_t)h->n * h->stride);
	at += (uint64_t)h->n * h->stride;
	pad_to(w, &at, f.upper_off);
	put(w, h->upper, (size_t)h->upper_blocks * (1 + h->M) * sizeof *h->upper);
	ig_writer_close(w);
	free(prov);
}

/* Every link of every node, and the levels, must be in range: a search
 * trusts them. Returns 0, or -1 with the reason in ERR. */
static int check_graph(const ig_hnsw *h, char *err, size_t errlen)
{
	uint64_t blocks = 0;
	uint32_t i, l, j;

	for (i = 0; i < h->n; i++) {
		if (h->levels[i] > h->max_level) {
			snprintf(err, errlen, "node %u is on level %u, above the top %u", i, h->levels[i],
				 h->max_level);
			return -1;
		}
		h->upper_start[i] = (uint32_t)blocks;
		blocks += h->levels[i];
	}
	if (blocks != h->upper_blocks) {
		snprintf(err, errlen, "%llu upper link lists, the header says %llu", (unsigned long long)blocks,
			 (unsigned long long)h->upper_blocks);
		return -1;
	}
	if (h->n > 0 && h->levels[h->entry] != h->max_level) {
		snprintf(err, errlen, "the entry point is not on the top level");
		return -1;
	}
	for (i = 0; i < h->n; i++)
		for (l = 0; l <= h->levels[i]; l++) {
			const uint32_t *k = ig_hnsw_links(h, i, l);
			uint32_t c = k[0], bad = 0;

			if (c > (l ? h->M : h->M0)) {
				snprintf(err, errlen, "node %u has %u links on level %u", i, c, l);
				return -1;
			}
			for (j = 1; j <= c; j++)
				bad |= k[j] >= h->n;
			if (bad) {
				snprintf(err, errlen, "node %u links to a node out of range", i);
				return -1;
			}
			/* A link on level L leads to a node that has level L. */
			for (j = 1; l > 0 && j <= c; j++)
				if (h->levels[k[j]] < l) {
					snprintf(err, errlen, "node %u links to node %u on level %u, which it is not on",
						 i, k[j], l);
					return -1;
				}
		}
	return 0;
}

/* Returns 0, or -1 with the reason in ERR. */
static int check_header(const file_header *f, uint64_t size, const ig_vectors *v, char *err, size_t errlen)
{
	file_header want = *f;
	ig_hnsw probe;

	if (f->version != VERSION) {
		snprintf(err, errlen, "index file version %u; this program reads version %d (rebuild the index)",
			 f->version, VERSION);
		return -1;
	}
	if (f->header_bytes != HEADER_BYTES ||
	    f->header_sum != ig_hnsw_header_sum(f)) {
		snprintf(err, errlen, "damaged index: bad header checksum");
		return -1;
	}
	if (size < f->file_bytes) {
		snprintf(err, errlen, "truncated index: %llu bytes of %llu", (unsigned long long)size,
			 (unsigned long long)f->file_bytes);
		return -1;
	}
	if (f->dim != v->dim) {
		snprintf(err, errlen, "index of %u-dimensional vectors, but the vectors have %u dimensions", f->dim,
			 v->dim);
		return -1;
	}
	if (f->n != v->n) {
		snprintf(err, errlen, "index of %llu vectors, but there are %u", (unsigned long long)f->n, v->n);
		return -1;
	}
	if (f->checksum != ig_ann_checksum(v)) {
		snprintf(err, errlen, "index built from other vectors (their checksum differs): rebuild it");
		return -1;
	}
	memset(&probe, 0, sizeof probe);
	probe.dim = f->dim;
	probe.M = f->M;
	if (f->M < 2 || f->M > IG_HNSW_MAX_M || f->metric > IG_ANN_IP || f->max_level > IG_HNSW_MAX_LEVEL ||
	    (f->n > 0 && f->entry >= f->n) || f->upper_blocks > UINT32_MAX || f->prov_bytes > size) {
		snprintf(err, errlen, "damaged index: bad header field");
		return -1;
	}
	ig_hnsw_layout(&probe);
	if (probe.stride != f->stride) {
		snprintf(err, errlen, "damaged index: bad record size");
		return -1;
	}
	place(&want);
	if (want.levels_off != f->levels_off || want.level0_off != f->level0_off ||
	    want.upper_off != f->upper_off || want.file_bytes != f->file_bytes) {
		snprintf(err, errlen, "damaged index: bad section offsets");
		return -1;
	}
	if (size > f->file_bytes) {
		snprintf(err, errlen, "damaged index: %llu bytes, expected %llu", (unsigned long long)size,
			 (unsigned long long)f->file_bytes);
		return -1;
	}
	return 0;
}

ig_hnsw *ig_hnsw_load(const char *path, const ig_vectors *v)
{
	struct stat st;
	file_header f;
	ig_hnsw *h;
	unsigned char *map;
	char err[160];
	ssize_t got;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		ig_die("%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		ig_die("%s: an index must be a regular file", path);
	}
	memset(&f, 0, sizeof f);
	got = pread(fd, &f, sizeof f, 0);
	if (got < 0) {
		close(fd);
		ig_die("%s: cannot read: %s", path, strerror(errno));
	}
	if (got < 8 || memcmp(f.magic, MAGIC, 8) != 0) {
		close(fd);
		ig_die("%s: not an HNSW index", path);
	}
	if (got < HEADER_BYTES) {
		close(fd);
		ig_die("%s: truncated index: %lld bytes of at least %d", path, (long long)got, HEADER_BYTES);
	}
	if (check_header(&f, (uint64_t)st.st_size, v, err, sizeof err) != 0) {
		close(fd);
		ig_die("%s: %s", path, err);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		ig_die("%s: cannot map: %s", path, strerror(errno));
	h = ig_calloc(1, sizeof *h);
	h->n = (uint32_t)f.n;
	h->dim = f.dim;
	h->M = f.M;
	h->ef_construction = f.ef_construction;
	h->max_level = f.max_level;
	h->entry = f.entry;
	h->metric = (ig_ann_metric)f.metric;
	h->seed = f.seed;
	h->checksum = f.checksum;
	ig_hnsw_layout(h);
	h->map = map;
	h->map_len = (size_t)st.st_size;
	h->levels = map + f.levels_off;
	h->level0 = map + f.level0_off;
	h->upper = (uint32_t *)(void *)(map + f.upper_off);
	h->upper_blocks = f.upper_blocks;
	h->upper_start = ig_reallocarray(NULL, h->n ? h->n : 1, sizeof *h->upper_start);
	if (memchr(map + HEADER_BYTES, '\0', f.prov_bytes) != NULL) {
		ig_hnsw_free(h);
		ig_die("%s: damaged index: bad provenance text", path);
	}
	h->prov = ig_strndup((const char *)map + HEADER_BYTES, f.prov_bytes);
	if (check_graph(h, err, sizeof err) != 0) {
		ig_hnsw_free(h);
		ig_die("%s: damaged index: %s", path, err);
	}
	return h;
}

void ig_hnsw_free(ig_hnsw *h)
{
	if (h == NULL)
		return;
	if (h->map != NULL)
		munmap(h->map, h->map_len);
	free(h->own_level0);
	free(h->own_levels);
	free(h->own_upper);
	free(h->upper_start);
	free(h->prov);
	free(h->locks);
	free(h);
}
