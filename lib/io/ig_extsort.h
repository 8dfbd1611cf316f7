/* Bounded-memory sort of byte records in bytewise order (shorter first on
 * a common prefix): callers encode their sort key at the front of each
 * record. Each record is indexed by its first 16 bytes, so nearly every
 * comparison is two integer compares inside one array instead of a memcmp
 * through a pointer into a large arena; runs that do not fit the budget
 * spill to temporary files (unlinked at once) and are k-way merged. */
#ifndef IG_EXTSORT_H
#define IG_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ig_extsort ig_extsort;

/* MEMORY: budget in bytes for the records in memory and their index (24
 * bytes a record); at least 1 MiB and at most 256 MiB is used (larger
 * chunks were slower). TMPDIR NULL: $TMPDIR or /tmp. */
ig_extsort *ig_extsort_new(uint64_t memory, const char *tmpdir);
/* Adds a record of LEN bytes (less than 16 MiB). */
void ig_extsort_add(ig_extsort *s, const void *rec, size_t len);
/* Ends input; ig_extsort_next then hands out the records in order. */
void ig_extsort_finish(ig_extsort *s);
/* Points *REC at the next record (valid until the next call); 0 at the end. */
int ig_extsort_next(ig_extsort *s, const void **rec, size_t *len);
/* Sorted runs written to disk. */
size_t ig_extsort_runs(const ig_extsort *s);
void ig_extsort_free(ig_extsort *s);

#endif
