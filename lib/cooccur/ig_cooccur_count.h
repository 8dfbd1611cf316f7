/* Counting for ig-cooccur: per-user histories become per-entity sums and
 * pair terms (windows, decay, user weights; see ig_cooccur.h), fed to the
 * pair table, or kept as distinct sets for the rows engine and Swing. */
#ifndef IG_COOCCUR_COUNT_H
#define IG_COOCCUR_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "cooccur/ig_cooccur.h"
#include "core/ig_csr.h"
#include "core/ig_thread.h"
#include "cooccur/ig_cooccur_table_priv.h"

/* One entity of a user's distinct set. */
typedef struct ig_cooc_ent {
	uint32_t id;
	float x;
} ig_cooc_ent;

/* Users' distinct sets, compressed row by row. */
typedef struct ig_cooc_sets {
	uint64_t *off;     /* user u: ent[off[u] .. off[u+1]) */
	ig_cooc_ent *ent;  /* sorted by id */
	double *f;         /* user weights */
	uint8_t *outer;    /* Swing: 1 when the user is in --shard */
	size_t n, cap, nnz, ent_cap;
} ig_cooc_sets;

/* A batch on its way to the inserter. */
typedef struct ig_cooc_handed {
	ig_cooc_pair *p;
	size_t n;
} ig_cooc_handed;

/* The ##map lines of the partials a reduce read: the first one's counting
 * settings, which every other must repeat, and the shards seen. */
typedef struct ig_cooc_maps {
	char *settings, *settings_at; /* NULL until a ##map line; "FILE:LINE" */
	uint32_t nshards;             /* the shards' N; 0 until a ##map line */
	/* N > 1: the shards seen, each with its "FILE:LINE" (as many as
	 * partials were given, however large N says it is) */
	struct ig_cooc_shard_seen {
		uint32_t index;
		char *at;
	} *seen;
	uint32_t nseen;
	uint64_t headers, lines;      /* of the streams read, and ##map lines */
} ig_cooc_maps;

typedef struct ig_cooc_ctx {
	const ig_cooc_opts *o;
	int bipartite;          /* item-author: rows are items, columns authors */
	int need_sum;           /* lift and pmi need R */
	ig_intern *vocab;       /* row entities (all entities when symmetric) */
	ig_cooc_side row, col;  /* col is used only when bipartite */
	const ig_items *items;
	uint32_t *author_of;    /* item-author: vocabulary number -> author or NONE */
	size_t author_of_len;
	ig_cooc_table *table;   /* the pairs engine; NULL while collecting sets */
	/* Terms go to the table in batches; with -@ 2 or more a pool thread
	 * inserts a batch while the next is made (the same order of
	 * inserts, so the same table and runs). */
	ig_cooc_pair *batch, *spare;
	size_t batch_len, batch_cap;
	ig_pipe *inserter;      /* NULL: inserts on the caller's thread */
	ig_cooc_handed handed[2];
	unsigned nhanded;
	ig_cooc_sets sets;      /* the rows engine and Swing */
	int keep_sets;
	int skip_sums;          /* Swing with --shard: a user outside the shard */
	/* scratch */
	ig_cooc_pair *buf;
	size_t buf_len, buf_cap;
	ig_cooc_ent *dist;
	size_t dist_cap;
	/* stats */
	uint64_t users, engagements, terms;
	uint32_t ease_kept;       /* EASE: the entities it was computed over */
	uint64_t partial_records; /* reduce: records read */
	ig_cooc_maps maps;        /* reduce: what the maps' ##map lines said */
} ig_cooc_ctx;

void ig_cooc_ctx_init(ig_cooc_ctx *c, const ig_cooc_opts *o, ig_intern *vocab, const ig_items *items);
void ig_cooc_ctx_free(ig_cooc_ctx *c);
/* Starts the pair table (the pairs engine, Swing, map and reduce). */
void ig_cooc_ctx_start_table(ig_cooc_ctx *c);
/* Counts one user's history (E, N in time order; already cut to
 * --max-history). With keep_sets the distinct set is stored instead of
 * its pairs. */
void ig_cooc_user(ig_cooc_ctx *c, const ig_engagement *e, size_t n);
/* Sends the stored sets' pairs to the table and stops keeping sets. */
void ig_cooc_sets_to_table(ig_cooc_ctx *c);
/* Bytes held by the stored sets. */
uint64_t ig_cooc_sets_memory(const ig_cooc_sets *s);
/* Adds a pair term to the table (and to R when needed). */
void ig_cooc_add_pair(ig_cooc_ctx *c, uint32_t a, uint32_t b, uint64_t w, uint64_t s);
/* Sends the last batch and waits for the inserter: the table is then
 * complete. */
void ig_cooc_drain(ig_cooc_ctx *c);

/* The rows engine: every row's neighbours from the stored sets, on the
 * options' pool (symmetric entities, --window all, no decay). */
void ig_cooc_rows(ig_cooc_ctx *c, const ig_cooc_scorer *sc, ig_cooc_topk *topk);

/* The sets as a users-by-entities matrix with the weights as values;
 * ig_csr_transpose of it gives each entity's users. */
ig_csr ig_cooc_sets_csr(const ig_cooc_sets *s, uint32_t nent);

/* EASE's neighbours from the stored sets (ig_cooccur_ease_kernel.c):
 * B over the --ease-items entities with the most users. */
void ig_cooc_ease(ig_cooc_ctx *c, const ig_cooc_scorer *sc, ig_cooc_topk *topk);

/* Swing terms (user pairs) from the stored sets into the table. */
void ig_cooc_swing(ig_cooc_ctx *c);

/* Scores the table's pairs into TOPK (both directions when symmetric). */
uint64_t ig_cooc_score_table(ig_cooc_ctx *c, const ig_cooc_scorer *sc, ig_cooc_topk *topk);

/* Map/reduce partial counts (text; see ig-cooccur(1)). */
/* Writes the sums and the table's pairs; returns the records written
 * and stores the number of pairs in *PAIRS. */
uint64_t ig_cooc_partial_write(ig_cooc_ctx *c, ig_writer *w, uint64_t *pairs);
/* Reads a partial stream into the sums and the table. */
void ig_cooc_partial_read(ig_cooc_ctx *c, const char *path);
/* After the last partial: exits 1 when the ##map lines name N > 1 shards
 * and some are missing. */
void ig_cooc_partial_check_shards(ig_cooc_ctx *c);
void ig_cooc_maps_free(ig_cooc_maps *m);

#endif
