#include "core/ig_intern.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

#define ARENA_BLOCK ((size_t)1 << 20)

struct ig_intern {
	uint32_t *slots;    /* id + 1; 0 = empty */
	uint64_t *hashes;   /* per id */
	size_t mask;
	char **strs;        /* per id */
	uint32_t *lens;
	uint32_t count, cap;
	char **blocks;
	size_t nblocks, block_used, block_size;
};

uint64_t ig_hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint32_t ig_shard_of(const char *s, size_t len, uint32_t nshards)
{
	return (uint32_t)(ig_hash64(s, len) % nshards);
}

/* FNV-1a mixes its last bytes poorly into the low bits used for slots. */
static size_t slot_of(uint64_t h, size_t mask)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & mask;
}

ig_intern *ig_intern_new(void)
{
	ig_intern *t = ig_calloc(1, sizeof *t);

	t->mask = 1023;
	t->slots = ig_calloc(t->mask + 1, sizeof *t->slots);
	return t;
}

void ig_intern_free(ig_intern *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nblocks; i++)
		free(t->blocks[i]);
	free(t->blocks);
	free(t->slots);
	free(t->hashes);
	free(t->strs);
	free(t->lens);
	free(t);
}

static char *arena_copy(ig_intern *t, const char *s, size_t len)
{
	char *dst;

	if (t->nblocks == 0 || t->block_used + len + 1 > t->block_size) {
		size_t size = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
		t->blocks = ig_reallocarray(t->blocks, t->nblocks + 1, sizeof *t->blocks);
		t->blocks[t->nblocks++] = ig_malloc(size);
		t->block_size = size;
		t->block_used = 0;
	}
	dst = t->blocks[t->nblocks - 1] + t->block_used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	t->block_used += len + 1;
	return dst;
}

static void grow(ig_intern *t)
{
	size_t newmask = t->mask * 2 + 1;
	uint32_t *slots = ig_calloc(newmask + 1, sizeof *slots);
	uint32_t id;

	for (id = 0; id < t->count; id++) {
		size_t i = slot_of(t->hashes[id], newmask);
		while (slots[i] != 0)
			i = (i + 1) & newmask;
		slots[i] = id + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = newmask;
}

static size_t probe(const ig_intern *t, const char *s, size_t len, uint64_t h)
{
	size_t i = slot_of(h, t->mask);

	for (;;) {
		uint32_t v = t->slots[i];
		if (v == 0)
			return i;
		if (t->hashes[v - 1] == h && t->lens[v - 1] == len && memcmp(t->strs[v - 1], s, len) == 0)
			return i;
		i = (i + 1) & t->mask;
	}
}

uint32_t ig_intern_add(ig_intern *t, const char *s, size_t len)
{
	uint64_t h = ig_hash64(s, len);
	size_t i = probe(t, s, len, h);
	uint32_t id;

	if (t->slots[i] != 0)
		return t->slots[i] - 1;
	if (t->count == UINT32_MAX - 1)
		ig_die("too many distinct ids (more than %u)", UINT32_MAX - 1);
	if (t->count == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->hashes = ig_reallocarray(t->hashes, t->cap, sizeof *t->hashes);
		t->strs = ig_reallocarray(t->strs, t->cap, sizeof *t->strs);
		t->lens = ig_reallocarray(t->lens, t->cap, sizeof *t->lens);
	}
	id = t->count++;
	t->hashes[id] = h;
	t->strs[id] = arena_copy(t, s, len);
	t->lens[id] = (uint32_t)len;
	t->slots[i] = id + 1;
	if ((size_t)t->count * 4 > (t->mask + 1) * 3)
		grow(t);
	return id;
}

uint32_t ig_intern_find_hashed(const ig_intern *t, const char *s, size_t len, uint64_t hash)
{
	size_t i = probe(t, s, len, hash);

	return t->slots[i] ? t->slots[i] - 1 : IG_INTERN_NONE;
}

void ig_intern_prefetch(const ig_intern *t, uint64_t hash, int stage)
{
	size_t i = slot_of(hash, t->mask);
	uint32_t v;

	if (stage == 0) {
		__builtin_prefetch(&t->slots[i]);
		return;
	}
	if ((v = t->slots[i]) == 0)
		return;
	if (stage == 1) {
		__builtin_prefetch(&t->hashes[v - 1]);
		__builtin_prefetch(&t->lens[v - 1]);
		__builtin_prefetch(&t->strs[v - 1]);
	} else {
		__builtin_prefetch(t->strs[v - 1]);
	}
}

uint32_t ig_intern_find(const ig_intern *t, const char *s, size_t len)
{
	return ig_intern_find_hashed(t, s, len, ig_hash64(s, len));
}

const char *ig_intern_str(const ig_intern *t, uint32_t id) { return t->strs[id]; }
size_t ig_intern_len(const ig_intern *t, uint32_t id) { return t->lens[id]; }
uint32_t ig_intern_count(const ig_intern *t) { return t->count; }

size_t ig_intern_memory(const ig_intern *t)
{
	return (t->mask + 1) * sizeof *t->slots +
	       (size_t)t->cap * (sizeof *t->hashes + sizeof *t->strs + sizeof *t->lens) +
	       t->nblocks * ARENA_BLOCK;
}
