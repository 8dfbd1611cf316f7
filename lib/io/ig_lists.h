/* The lists that flow down the funnel — candidates, ranked and feed
 * streams of ig-formats(5) — read and written one user at a time.
 *
 * Reader: columns are found by name in the header, so a stream may carry
 * columns this reader does not know; every field of a row stays readable
 * by column (ig_list_col, ig_list_num). It checks each row (ids, numbers,
 * s_NAME scores, p_HEAD probabilities in [0, 1], a propensity in (0, 1])
 * and the order each section states: rows grouped by user; candidates
 * and ranked by score, highest first; a feed by rank 1, 2, 3 ...; an item
 * at most once per user. A violation exits 1 with "FILE:LINE: what is
 * wrong". Ties in score are not checked for item order: ig-eval baseline
 * writes 6-digit scores sorted by their full value.
 * ig_list_open_opts may accept several kinds and leave the order within
 * a user and repeated items alone (any_order): ig-rank scores any list.
 *
 * Writer: puts the header from the schema table (with the run-time
 * s_NAME or p_HEAD columns) and the rows, and checks the same order on
 * the values as written (scores with 9 significant digits): a tool that
 * sorts by ig_list_score_written(score), then item, writes a valid
 * stream; one that does not stops with an internal error.
 *
 * Memory: one user's rows, and the ids of the users seen (for the
 * grouping check). */
#ifndef IG_LISTS_H
#define IG_LISTS_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"

typedef struct ig_list_row {
	const char *item;
	size_t item_len;
	double score;
	int64_t rank;        /* feed: the rank column; else the position in the list, from 1 */
	const char *sources; /* "" when the stream has no sources column */
	const char *reason;  /* "" when the stream has no reason column */
	double propensity;   /* feed: the propensity column; else 1 */
	long line;           /* input line, for messages */
	char **field;        /* every field, by header column */
	const double *num;   /* the numbers of the columns the reader checks
			      * (a candidates stream's s_, a ranked one's p_),
			      * by header column: parsed once (ig_list_num) */
} ig_list_row;

typedef struct ig_list_user {
	const char *user;    /* valid until the next call, as are the rows */
	size_t user_len;
	ig_list_row *row;    /* in stream order */
	size_t n;
} ig_list_user;

typedef struct ig_list_reader ig_list_reader;

/* Opens PATH ("-" is stdin) as a stream of kind STREAM: IG_STREAM_CANDIDATES,
 * IG_STREAM_RANKED or IG_STREAM_FEED. */
ig_list_reader *ig_list_open(const char *path, int stream);
/* How ig_list_open_opts reads. */
typedef struct ig_list_opts {
	unsigned kinds;         /* the streams accepted, bits 1u << IG_STREAM_...: the
				   header says which it is (ig_list_stream) */
	int any_order;          /* rows of a user in any order and an item any number
				   of times (what ig-rank scores); grouping is checked */
} ig_list_opts;
ig_list_reader *ig_list_open_opts(const char *path, const ig_list_opts *o);
/* The stream kind read (IG_STREAM_...). */
int ig_list_stream(const ig_list_reader *r);
/* The next user's rows; 0 at the end. */
int ig_list_next(ig_list_reader *r, ig_list_user *u);
const ig_header *ig_list_header(const ig_list_reader *r);
/* The input's name for messages ("stdin" for "-"). */
const char *ig_list_name(const ig_list_reader *r);
/* Index of column NAME in the header (for ig_list_row.field), or -1. */
int ig_list_col(const ig_list_reader *r, const char *name);
/* The columns whose names begin with PREFIX ("s_", "p_") in header order,
 * stored in COLS (at most MAX); returns how many the header has. */
int ig_list_cols_prefixed(const ig_list_reader *r, const char *prefix, int *cols, int max);
/* The number in column COL of ROW: 1 and *OUT, or 0 for an empty field;
 * a field that is not a number exits 1 naming file, line and column. */
int ig_list_num(const ig_list_reader *r, const ig_list_row *row, int col, double *out);
uint64_t ig_list_rows_read(const ig_list_reader *r);
uint64_t ig_list_users_read(const ig_list_reader *r);
void ig_list_close(ig_list_reader *r);

typedef struct ig_list_writer ig_list_writer;

/* Writes the header of STREAM on W with EXTRA (NEXTRA) run-time columns:
 * candidates "s_NAME" per source, ranked "p_HEAD" per head, feed none.
 * W stays the caller's to close. */
ig_list_writer *ig_list_writer_open(ig_writer *w, int stream, const char *const *extra, int nextra,
				    const ig_header *upstream);
/* One candidates row; S holds the NEXTRA per-source scores (NAN: empty);
 * REASON NULL writes "-". */
void ig_list_put_candidate(ig_list_writer *lw, const char *user, const char *item, const char *sources,
			   double score, const char *reason, const double *s);
/* One ranked row; P holds the NEXTRA head probabilities (NAN: empty);
 * SOURCES and REASON may be NULL (empty). */
void ig_list_put_ranked(ig_list_writer *lw, const char *user, const char *item, double score,
			const double *p, const char *sources, const char *reason);
/* One feed row. */
void ig_list_put_feed(ig_list_writer *lw, const char *user, int64_t rank, const char *item, double score,
		      const char *reason, double propensity);
/* Checks the last user and frees LW (not W). */
void ig_list_writer_end(ig_list_writer *lw);
/* SCORE as a reader gets it back from the text written: sort by this. */
double ig_list_score_written(double score);

#endif
