/* A follows stream of ig-formats(5) loaded whole into memory: the social
 * graph as user -> the authors they follow, with the time they started
 * (in file order within a user), a CSR over users.
 *
 * Users are interned into a table of the graph's own; authors into a table
 * the caller owns (pass an items table's authors to share its numbers).
 * Checked: ids, an empty or valid ts. The file need not be sorted; a
 * (user, author) pair that the file repeats (with another ts) is kept
 * twice.
 *
 * Memory: 16 bytes per edge, 8 per user, plus the ids. */
#ifndef IG_FOLLOWS_H
#define IG_FOLLOWS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "io/ig_tsv.h"

typedef struct ig_follow {
	uint32_t author;  /* number in the authors table */
	int64_t ts;       /* -1 when the field is empty */
} ig_follow;

typedef struct ig_follows {
	ig_intern *users;  /* user id -> user number; owned */
	uint32_t nusers;
	uint64_t *start;   /* user u follows edge[start[u] .. start[u+1]) */
	ig_follow *edge;
	uint64_t count;
	ig_header header;
} ig_follows;

/* Loads PATH ("-" is stdin). A malformed stream exits 1 naming file and
 * line. */
ig_follows *ig_follows_load(const char *path, ig_intern *authors);
/* The authors user U follows; *N gets how many. */
const ig_follow *ig_follows_of(const ig_follows *g, uint32_t u, size_t *n);
/* The same by user id; NULL and *N = 0 for a user who follows nobody. */
const ig_follow *ig_follows_find(const ig_follows *g, const char *user, size_t len, size_t *n);
void ig_follows_free(ig_follows *g);

/* The same stream a row at a time, for a reader that walks it beside
 * another stream (ig-retrieve merges it with the events by user): the
 * header checked against the schema table, each row's ids and ts. */
typedef struct ig_follows_row {
	const char *user, *author; /* valid until the next call */
	size_t user_len, author_len;
	int64_t ts;                /* -1 when the field is empty */
	long line;
} ig_follows_row;

typedef struct ig_follows_reader ig_follows_reader;

ig_follows_reader *ig_follows_open(const char *path);
/* The next row: 1, or 0 at the end. */
int ig_follows_next(ig_follows_reader *fr, ig_follows_row *row);
const ig_header *ig_follows_header(const ig_follows_reader *fr);
/* The input's name for messages ("stdin" for "-"). */
const char *ig_follows_name(const ig_follows_reader *fr);
void ig_follows_close(ig_follows_reader *fr);

#endif
