/* The pair table of ig-cooccur: sums (weight, support) per 64-bit pair
 * key in an open-addressing hash table; when the table outgrows its
 * memory budget it is sorted and handed to io/ig_extsort as a run of
 * 24-byte records (key, weight, support in host order: runs never outlive
 * the process); at the end the runs and the rest of the table are merged
 * back in key order by ig_extsort, equal keys summed. */
#ifndef IG_COOCCUR_TABLE_H
#define IG_COOCCUR_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ig_cooc_pair {
	uint64_t key;
	uint64_t w;
	uint64_t s;
} ig_cooc_pair;

typedef struct ig_cooc_table ig_cooc_table;

/* MEMORY bounds the table and the buffer used to sort it (at least
 * 1 MiB), and then the merge's read buffers; TMPDIR NULL means $TMPDIR
 * or /tmp. */
ig_cooc_table *ig_cooc_table_new(uint64_t memory, const char *tmpdir);
/* Adds W and S to the sums of KEY (KEY must not be UINT64_MAX). */
void ig_cooc_table_add(ig_cooc_table *t, uint64_t key, uint64_t w, uint64_t s);
/* Adds N records, with prefetching: the fast path. */
void ig_cooc_table_add_many(ig_cooc_table *t, const ig_cooc_pair *p, size_t n);
/* Ends input; pairs then come back in key order. */
void ig_cooc_table_finish(ig_cooc_table *t);
/* The next pair (equal keys already summed); 0 at the end. */
int ig_cooc_table_next(ig_cooc_table *t, ig_cooc_pair *out);
/* How many runs went to disk (before any merging of runs). */
size_t ig_cooc_table_runs(const ig_cooc_table *t);
/* Pairs held in memory now, and the most held at once. */
uint64_t ig_cooc_table_peak(const ig_cooc_table *t);
void ig_cooc_table_free(ig_cooc_table *t);

/* Sorts N records by key (LSD radix; TMP has room for N records). */
void ig_cooc_sort_pairs(ig_cooc_pair *p, ig_cooc_pair *tmp, size_t n);

#endif
