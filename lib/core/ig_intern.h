/* String interning: maps id strings to dense 32-bit numbers and back. */
#ifndef IG_INTERN_H
#define IG_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct ig_intern ig_intern;

#define IG_INTERN_NONE UINT32_MAX

ig_intern *ig_intern_new(void);
void ig_intern_free(ig_intern *t);

/* The number of S (LEN bytes), added with the next number if new. */
uint32_t ig_intern_add(ig_intern *t, const char *s, size_t len);
/* The number of S, or IG_INTERN_NONE when absent. */
uint32_t ig_intern_find(const ig_intern *t, const char *s, size_t len);
/* The same when the caller has S's ig_hash64 already. */
uint32_t ig_intern_find_hashed(const ig_intern *t, const char *s, size_t len, uint64_t hash);
/* Asks the caches for what finding a string of hash HASH reads, STAGE 0,
 * 1 and 2 in turn (each once the one before has come): its slot, the
 * entry there, that entry's string. A caller about to find many strings
 * asks for all of them a stage at a time, so that their misses overlap. */
void ig_intern_prefetch(const ig_intern *t, uint64_t hash, int stage);
/* The string of number ID (NUL-terminated), and its length. */
const char *ig_intern_str(const ig_intern *t, uint32_t id);
size_t ig_intern_len(const ig_intern *t, uint32_t id);
uint32_t ig_intern_count(const ig_intern *t);
/* Bytes held by the table. */
size_t ig_intern_memory(const ig_intern *t);

/* FNV-1a, 64 bits: stable across runs and machines, so it also decides
 * which shard a user belongs to (documented in ig-formats(5)). */
uint64_t ig_hash64(const void *data, size_t len);
/* Shard of an id under "--shard I/N": ig_hash64(id) % N. */
uint32_t ig_shard_of(const char *s, size_t len, uint32_t nshards);

#endif
