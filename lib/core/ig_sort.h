/* Sorting and selection of arrays under a strict total order, inline so
 * that the comparison inlines too (qsort calls it through a pointer, and
 * glibc's qsort copies into a buffer it allocates): for the short lists
 * sorted once per user and step (retrieval's sets and merged candidates).
 *
 * IG_SORT_DEFINE(NAME, T, BEFORE, CTX) defines static inline functions over
 * arrays of T, with BEFORE(ctx, const T *a, const T *b) nonzero when a
 * ranks before b, CTX the type of ctx (a pointer). BEFORE must be a strict
 * total order (ties broken, e.g. by id): the sorted order and the kept set
 * are then unique, the same as qsort's with the matching comparison,
 * whatever the algorithm. A comparison that is not total (NaN scores)
 * leaves the order unspecified: callers that can meet one use qsort.
 *
 *   NAME_sort(a, n, ctx)          sorts A[0..n) (introsort: quicksort,
 *                                 insertion sort below 16, heapsort when
 *                                 the recursion goes too deep)
 *   NAME_select(a, n, k, ctx)     moves the K first (in sorted order) to
 *                                 A[0..k), in any order
 */
#ifndef IG_SORT_H
#define IG_SORT_H

#include <stddef.h>

#define IG_SORT_DEFINE(NAME, T, BEFORE, CTX)                                            \
	static inline void NAME##_swap(T *a, T *b)                                      \
	{                                                                               \
		T t = *a;                                                               \
		*a = *b;                                                                \
		*b = t;                                                                 \
	}                                                                               \
	static inline void NAME##_insertion(T *a, size_t n, CTX ctx)                    \
	{                                                                               \
		size_t i, j;                                                            \
		for (i = 1; i < n; i++) {                                               \
			T x = a[i];                                                     \
			for (j = i; j > 0 && BEFORE(ctx, &x, &a[j - 1]); j--)           \
				a[j] = a[j - 1];                                        \
			a[j] = x;                                                       \
		}                                                                       \
	}                                                                               \
	/* The heap's root is the last in order (heapsort ascending). */               \
	static inline void NAME##_sift(T *a, size_t n, size_t i, CTX ctx)               \
	{                                                                               \
		T x = a[i];                                                             \
		for (;;) {                                                              \
			size_t c = 2 * i + 1;                                           \
			if (c >= n)                                                     \
				break;                                                  \
			if (c + 1 < n && BEFORE(ctx, &a[c], &a[c + 1]))                 \
				c++;                                                    \
			if (!BEFORE(ctx, &x, &a[c]))                                    \
				break;                                                  \
			a[i] = a[c];                                                    \
			i = c;                                                          \
		}                                                                       \
		a[i] = x;                                                               \
	}                                                                               \
	static inline void NAME##_heapsort(T *a, size_t n, CTX ctx)                     \
	{                                                                               \
		size_t i;                                                               \
		for (i = n / 2; i-- > 0;)                                               \
			NAME##_sift(a, n, i, ctx);                                      \
		while (n > 1) {                                                         \
			n--;                                                            \
			NAME##_swap(&a[0], &a[n]);                                      \
			NAME##_sift(a, n, 0, ctx);                                      \
		}                                                                       \
	}                                                                               \
	/* Median of three to A[0], then a partition around it: returns the          \
	 * pivot's place, everything before it ranking before it. */                  \
	static inline size_t NAME##_partition(T *a, size_t n, CTX ctx)                  \
	{                                                                               \
		size_t mid = n / 2, i, store;                                           \
		if (BEFORE(ctx, &a[mid], &a[0]))                                        \
			NAME##_swap(&a[mid], &a[0]);                                    \
		if (BEFORE(ctx, &a[n - 1], &a[0]))                                      \
			NAME##_swap(&a[n - 1], &a[0]);                                  \
		if (BEFORE(ctx, &a[n - 1], &a[mid]))                                    \
			NAME##_swap(&a[n - 1], &a[mid]);                                \
		NAME##_swap(&a[mid], &a[0]);                                            \
		for (store = 1, i = 1; i < n; i++)                                      \
			if (BEFORE(ctx, &a[i], &a[0])) {                                \
				if (i != store)                                         \
					NAME##_swap(&a[i], &a[store]);                  \
				store++;                                                \
			}                                                               \
		NAME##_swap(&a[0], &a[store - 1]);                                      \
		return store - 1;                                                       \
	}                                                                               \
	static inline void NAME##_sort(T *a, size_t n, CTX ctx)                         \
	{                                                                               \
		int depth = 0;                                                          \
		size_t m;                                                               \
		for (m = n; m > 1; m >>= 1)                                             \
			depth += 2;                                                     \
		while (n > 16) {                                                        \
			size_t p;                                                       \
			if (depth-- == 0) {                                             \
				NAME##_heapsort(a, n, ctx);                             \
				return;                                                 \
			}                                                               \
			p = NAME##_partition(a, n, ctx);                                \
			/* the shorter side by recursion, the longer by the loop */   \
			if (p < n - p - 1) {                                            \
				NAME##_sort(a, p, ctx);                                 \
				a += p + 1;                                             \
				n -= p + 1;                                             \
			} else {                                                        \
				NAME##_sort(a + p + 1, n - p - 1, ctx);                 \
				n = p;                                                  \
			}                                                               \
		}                                                                       \
		NAME##_insertion(a, n, ctx);                                            \
	}                                                                               \
	static inline void NAME##_select(T *a, size_t n, size_t k, CTX ctx)             \
	{                                                                               \
		int depth = 0;                                                          \
		size_t m;                                                               \
		for (m = n; m > 1; m >>= 1)                                             \
			depth += 2;                                                     \
		while (k > 0 && k < n) {                                                \
			size_t p;                                                       \
			if (n <= 16 || depth-- == 0) {                                  \
				NAME##_sort(a, n, ctx);                                 \
				return;                                                 \
			}                                                               \
			p = NAME##_partition(a, n, ctx);                                \
			if (p + 1 == k || p == k)                                       \
				return;                                                 \
			if (p > k) {                                                    \
				n = p;                                                  \
			} else {                                                        \
				a += p + 1;                                             \
				n -= p + 1;                                             \
				k -= p + 1;                                             \
			}                                                               \
		}                                                                       \
	}

#endif
