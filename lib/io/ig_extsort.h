/* Bounded-memory sorting and merging, in two modes.
 *
 * Byte records (ig_extsort_new, ig_extsort_add): variable-length records
 * sorted in bytewise order (shorter first on a common prefix); callers
 * encode their sort key at the front of each record. Each record is
 * indexed by its first 16 bytes, so nearly every comparison is two
 * integer compares inside one array instead of a memcmp through a pointer
 * into a large arena; runs that do not fit the budget spill to temporary
 * files and are k-way merged.
 *
 * Fixed records (ig_extsort_new_codec, ig_extsort_add_run): the caller
 * sorts (and usually aggregates) records in memory itself and hands over
 * each sorted run, which goes to disk as it is; the merge orders them with
 * the codec's compare and, where the codec has a reduce, hands out one
 * record per key, every other record with that key folded into it (the
 * pair table of ig-cooccur sums counts this way).
 *
 * Runs are files created by ig_tempfile_scratch (core/ig_tempfile.h):
 * unlinked at once, so none outlives the process, however it ends. */
#ifndef IG_EXTSORT_H
#define IG_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ig_extsort ig_extsort;

/* Fixed-size binary records: SIZE bytes each, in the order of CMP (<0,
 * 0, >0); CMP NULL: ordered by the uint64_t (host order) they start with,
 * compared inline (the merge's hot path without a call). REDUCE, if not
 * NULL, folds REC into INTO, both with equal keys; it is called in run
 * order (runs in the order they were added). */
typedef struct ig_extsort_codec {
	size_t size;
	int (*cmp)(const void *a, const void *b);
	void (*reduce)(void *into, const void *rec);
} ig_extsort_codec;

/* MEMORY: budget in bytes for the records in memory and their index (24
 * bytes a record) and the merge's read buffers; at least 1 MiB and at
 * most 256 MiB is used (larger chunks were slower). TMPDIR NULL: $TMPDIR
 * or /tmp. */
ig_extsort *ig_extsort_new(uint64_t memory, const char *tmpdir);
/* A fixed-record merge (CODEC is copied); MEMORY bounds the merge's read
 * buffers as above. */
ig_extsort *ig_extsort_new_codec(const ig_extsort_codec *codec, uint64_t memory, const char *tmpdir);
/* Adds a record of LEN bytes (less than 16 MiB); byte records only. */
void ig_extsort_add(ig_extsort *s, const void *rec, size_t len);
/* Writes N records (N * codec size bytes), sorted by the codec's CMP, to
 * disk as one run; fixed records only. An empty run is counted but
 * writes nothing. */
void ig_extsort_add_run(ig_extsort *s, const void *recs, size_t n);
/* Ends input; ig_extsort_next then hands out the records in order. */
void ig_extsort_finish(ig_extsort *s);
/* Points *REC at the next record (valid until the next call); 0 at the end. */
int ig_extsort_next(ig_extsort *s, const void **rec, size_t *len);
/* Sorted runs written to disk (before any merging of runs). */
size_t ig_extsort_runs(const ig_extsort *s);
void ig_extsort_free(ig_extsort *s);

#endif
