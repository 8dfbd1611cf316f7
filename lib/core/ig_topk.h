/* Top-K selection, the one heap of the library's best-K lists (co-occurrence
 * neighbours, nearest vectors, HNSW results): the K best of a stream of
 * values kept in a heap whose root is the worst kept, so that a value
 * that does not beat the root is turned away in one comparison; at the
 * end the heap is sorted best first in place.
 *
 * IG_TOPK_DEFINE(NAME, T, BETTER) defines static inline functions over
 * arrays of T, with BETTER(const T *a, const T *b) nonzero when a ranks
 * before b. BETTER must be a strict total order (break ties, e.g. by id):
 * the kept set and its sorted order are then unique, whatever the order
 * of arrival. Inline, so that BETTER inlines too (hot loops).
 *
 *   NAME_push(h, &n, x)        adds X to the heap H[0..n)
 *   NAME_replace_top(h, n, x)  puts X in place of the root (the worst)
 *   NAME_offer(h, &n, k, x)    keeps X if it is among the K best; 1 if kept
 *   NAME_pop(h, &n)            removes and returns the root (the worst)
 *   NAME_sort_heap(h, n)       sorts a heap best first
 *   NAME_sort(a, n)            sorts any array best first (heapsort)
 *
 * The same template with BETTER reversed gives a heap with the best on
 * top (a best-first search frontier). */
#ifndef IG_TOPK_H
#define IG_TOPK_H

#include <stddef.h>

#define IG_TOPK_DEFINE(NAME, T, BETTER)                                                 \
	/* Places X at I and moves it down below every better child. */                \
	static inline void NAME##_sift(T *h, size_t n, size_t i, T x)                   \
	{                                                                               \
		for (;;) {                                                              \
			size_t c = 2 * i + 1;                                           \
			if (c >= n)                                                     \
				break;                                                  \
			if (c + 1 < n && BETTER(&h[c], &h[c + 1]))                      \
				c++;                                                    \
			if (!BETTER(&x, &h[c]))                                         \
				break;                                                  \
			h[i] = h[c];                                                    \
			i = c;                                                          \
		}                                                                       \
		h[i] = x;                                                               \
	}                                                                               \
	static inline void NAME##_push(T *h, size_t *n, T x)                            \
	{                                                                               \
		size_t i = (*n)++;                                                      \
		while (i > 0) {                                                         \
			size_t p = (i - 1) / 2;                                         \
			if (!BETTER(&h[p], &x))                                         \
				break;                                                  \
			h[i] = h[p];                                                    \
			i = p;                                                          \
		}                                                                       \
		h[i] = x;                                                               \
	}                                                                               \
	static inline void NAME##_replace_top(T *h, size_t n, T x)                      \
	{                                                                               \
		NAME##_sift(h, n, 0, x);                                                \
	}                                                                               \
	static inline int NAME##_offer(T *h, size_t *n, size_t k, T x)                  \
	{                                                                               \
		if (*n < k) {                                                           \
			NAME##_push(h, n, x);                                           \
			return 1;                                                       \
		}                                                                       \
		if (k == 0 || !BETTER(&x, &h[0]))                                       \
			return 0;                                                       \
		NAME##_sift(h, *n, 0, x);                                               \
		return 1;                                                               \
	}                                                                               \
	static inline T NAME##_pop(T *h, size_t *n)                                     \
	{                                                                               \
		T top = h[0];                                                           \
		size_t m = --(*n);                                                      \
		if (m > 0)                                                              \
			NAME##_sift(h, m, 0, h[m]);                                     \
		return top;                                                             \
	}                                                                               \
	static inline void NAME##_sort_heap(T *h, size_t n)                             \
	{                                                                               \
		while (n > 1) {                                                         \
			T worst = h[0];                                                 \
			n--;                                                            \
			NAME##_sift(h, n, 0, h[n]);                                     \
			h[n] = worst;                                                   \
		}                                                                       \
	}                                                                               \
	static inline void NAME##_sort(T *a, size_t n)                                  \
	{                                                                               \
		size_t i;                                                               \
		for (i = n / 2; i-- > 0;)                                               \
			NAME##_sift(a, n, i, a[i]);                                     \
		NAME##_sort_heap(a, n);                                                 \
	}

#endif
