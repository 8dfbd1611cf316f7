/* Strings kept by offset in one growing buffer, each followed by a NUL:
 * an offset stays valid as the buffer grows and moves, a pointer does
 * not. For per-user or per-batch text that is dropped all at once. */
#ifndef IG_ARENA_H
#define IG_ARENA_H

#include <stddef.h>

typedef struct ig_arena {
	char *buf;   /* the string at offset O is buf + O, until the next add */
	size_t n, cap;
} ig_arena;

/* Copies the N bytes of S and a NUL; returns their offset. */
size_t ig_arena_add(ig_arena *a, const char *s, size_t n);
/* Drops every string, keeping the memory. */
static inline void ig_arena_clear(ig_arena *a)
{
	a->n = 0;
}
void ig_arena_free(ig_arena *a);

#endif
