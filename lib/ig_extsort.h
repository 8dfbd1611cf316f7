/* Bounded-memory sort of byte records: sorted runs spill to temporary
 * files (created in TMPDIR and unlinked at once) and are k-way merged. */
#ifndef IG_EXTSORT_H
#define IG_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ig_extsort ig_extsort;

/* Orders record A (ALEN bytes) against B; NULL means bytewise, shorter
 * first on a common prefix. */
typedef int (*ig_extsort_cmp)(const void *a, size_t alen, const void *b, size_t blen, void *ctx);

/* MEMORY is the budget in bytes for records held in memory (at least
 * 1 MiB is used); TMPDIR NULL means $TMPDIR or /tmp. */
ig_extsort *ig_extsort_new(uint64_t memory, const char *tmpdir, ig_extsort_cmp cmp, void *ctx);
void ig_extsort_add(ig_extsort *s, const void *rec, size_t len);
/* Ends input; records then come back in order from ig_extsort_next. */
void ig_extsort_finish(ig_extsort *s);
/* Points *REC at the next record (valid until the next call); returns 0
 * at the end. */
int ig_extsort_next(ig_extsort *s, const void **rec, size_t *len);
/* How many runs went to disk. */
size_t ig_extsort_runs(const ig_extsort *s);
uint64_t ig_extsort_count(const ig_extsort *s);
void ig_extsort_free(ig_extsort *s);

#endif
