#include "core/ig_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

size_t ig_arena_add(ig_arena *a, const char *s, size_t n)
{
	size_t at = a->n;

	if (n >= SIZE_MAX / 2 - a->n)
		ig_die("out of memory: a string arena of %zu bytes", a->n);
	if (a->n + n + 1 > a->cap) {
		while (a->n + n + 1 > a->cap)
			a->cap = a->cap ? 2 * a->cap : 1 << 16;
		a->buf = ig_realloc(a->buf, a->cap);
	}
	memcpy(a->buf + at, s, n);
	a->buf[at + n] = '\0';
	a->n += n + 1;
	return at;
}

void ig_arena_free(ig_arena *a)
{
	free(a->buf);
	a->buf = NULL;
	a->n = a->cap = 0;
}
