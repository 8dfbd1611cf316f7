/* A neighbors stream of ig-formats(5) (ig-cooccur, ig-train-w2v
 * --nearest) loaded whole into memory for lookups: item -> its neighbours
 * with score and support, best first, as a CSR over the numbers of a
 * vocabulary the caller owns (so that it can be shared with an items
 * table or another neighbors stream).
 *
 * Checked: ids, a finite score, an empty or integer support, an item never
 * its own neighbour nor listing a neighbour twice, each item's rows
 * together and best first (score not increasing). Items need not come in
 * bytewise order: ig-train-w2v --nearest writes them in query order.
 *
 * Memory: 16 bytes per row, 8 per vocabulary entry, plus the ids. */
#ifndef IG_NEIGHBORS_H
#define IG_NEIGHBORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "io/ig_tsv.h"

typedef struct ig_neighbor {
	uint32_t id;      /* the neighbour's number in the vocabulary */
	float score;
	uint64_t support; /* 0 when the field is empty */
} ig_neighbor;

typedef struct ig_neighbors {
	uint32_t nids;     /* vocabulary size at load time */
	uint64_t *start;   /* id i's neighbours: nb[start[i] .. start[i+1]) */
	ig_neighbor *nb;
	uint64_t count;    /* rows */
	uint32_t nitems;   /* ids with at least one neighbour */
	int has_support;   /* some row had a nonempty support */
	ig_header header;
} ig_neighbors;

/* Loads PATH ("-" is stdin); items and neighbours are interned into VOCAB.
 * A malformed stream exits 1 naming file and line. */
ig_neighbors *ig_neighbors_load(const char *path, ig_intern *vocab);
/* The neighbours of ID, best first; *N gets how many (0 for an id added
 * to the vocabulary after loading). */
const ig_neighbor *ig_neighbors_of(const ig_neighbors *nb, uint32_t id, size_t *n);
void ig_neighbors_free(ig_neighbors *nb);

#endif
