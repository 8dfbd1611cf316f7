/* What ig-eval reads, one user at a time: recommendation lists (any
 * stream with user and item columns, or a headerless "user item [score]"
 * list), sorted by user, bytewise; the reader can sort an unsorted input
 * itself in bounded memory. Events grouped by user: ig_user_events_* of
 * io/ig_events.h. */
#ifndef IG_EVAL_IO_H
#define IG_EVAL_IO_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_events.h"
#include "core/ig_intern.h"
#include "io/ig_tsv.h"

#define IG_EVAL_MAX_SOURCES 64

typedef struct ig_eval_rec {
	uint32_t item;     /* number in the caller's item table */
	double score;
	int64_t rank;
	uint64_t line;     /* input line: file order, and messages */
	uint64_t sources;  /* bit s: source number s (ig_eval_recs_source) */
} ig_eval_rec;

enum ig_eval_order {
	IG_ORDER_RANK,   /* by the rank column, ascending; ties in file order */
	IG_ORDER_SCORE,  /* by score, descending; ties in file order */
	IG_ORDER_FILE    /* as listed */
};

/* Sorts N records into list order (stable: ties keep file order). */
void ig_eval_recs_order(ig_eval_rec *recs, size_t n, int order);

typedef struct ig_eval_recs ig_eval_recs;

/* Opens a recommendation stream. Items are interned into ITEMS. With
 * SORT, the records are first sorted by user (bounded by MEMORY, spilling
 * to TMPDIR); without it, a user that comes back after another user, or
 * users out of bytewise order, stop the run with a hint to use --sort. */
ig_eval_recs *ig_eval_recs_open(const char *path, ig_intern *items, int sort, uint64_t memory,
				const char *tmpdir);
/* The next user's list, in list order, repeats kept; valid until the next
 * call. Returns 0 at the end. */
int ig_eval_recs_next(ig_eval_recs *r, const char **user, size_t *user_len, ig_eval_rec **recs,
		      size_t *n);
int ig_eval_recs_order_of(const ig_eval_recs *r);
/* The header read (kind "plain", no columns, for a headerless list). */
const ig_header *ig_eval_recs_header(const ig_eval_recs *r);
/* The kind in the header ("plain" for a headerless list). */
const char *ig_eval_recs_kind(const ig_eval_recs *r);
int ig_eval_recs_has_sources(const ig_eval_recs *r);
int ig_eval_recs_nsources(const ig_eval_recs *r);
const char *ig_eval_recs_source(const ig_eval_recs *r, int s);
/* The source names, numbered as the bits of ig_eval_rec.sources. */
const ig_intern *ig_eval_recs_sources(const ig_eval_recs *r);
uint64_t ig_eval_recs_records(const ig_eval_recs *r);
void ig_eval_recs_close(ig_eval_recs *r);


/* Bytewise order of two ids, shorter first on a common prefix (the order
 * of events streams). */
int ig_eval_idcmp(const char *a, size_t alen, const char *b, size_t blen);

/* Event types as a bit set from "like,comment" or a preset name
 * ("default": like,comment,share,save; "ratings": like, the positive
 * rating of ig-ingest's rating presets). Returns 0, or -1 with ERR. */
int ig_eval_types_parse(const char *spec, unsigned *mask, char *err, size_t errlen);
#define IG_EVAL_TYPES_DEFAULT                                                          \
	((1u << IG_EV_LIKE) | (1u << IG_EV_COMMENT) | (1u << IG_EV_SHARE) | (1u << IG_EV_SAVE))

#endif
