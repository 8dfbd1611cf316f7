/* The heap of a k-way merge: HEAP[0..N) holds the numbers of the inputs
 * (runs, cursors) that still have a record, the one with the least record
 * at the root. LESS(CTX, a, b) compares the current records of inputs a
 * and b; ties must fall to the lower input number, so that a merge is
 * stable. Inline, so that LESS inlines too: it runs once per record. */
#ifndef IG_HEAP_H
#define IG_HEAP_H

#include <stddef.h>

typedef int (*ig_heap_less)(const void *ctx, size_t a, size_t b);

/* Moves HEAP[I] down to its place. */
static inline void ig_heap_down(size_t *heap, size_t n, size_t i, ig_heap_less less, const void *ctx)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < n && less(ctx, heap[l], heap[m]))
			m = l;
		if (r < n && less(ctx, heap[r], heap[m]))
			m = r;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/* Orders HEAP[0..N) as a heap. */
static inline void ig_heap_make(size_t *heap, size_t n, ig_heap_less less, const void *ctx)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		ig_heap_down(heap, n, i, less, ctx);
}

#endif
