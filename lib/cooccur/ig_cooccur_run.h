/* The three ways ig-cooccur runs: count and score in one process, map
 * (partial counts of a shard of users) and reduce (partial counts ->
 * scores); and the same count and score over histories in memory. */
#ifndef IG_COOCCUR_RUN_H
#define IG_COOCCUR_RUN_H

#include <stdint.h>

#include "cooccur/ig_cooccur_count.h"

typedef struct ig_cooc_job {
	ig_cooc_opts o;
	ig_intern *vocab;
	ig_intern *col_vocab;     /* reduce of item-author: the authors */
	ig_items *items;          /* owned */
	ig_cooc_ctx ctx;
	ig_engage_reader *g;      /* open until the output is written */
	const char *engine;       /* "rows" or "pairs" */
	void (*progress)(uint64_t users, uint64_t events); /* may be NULL */
	uint64_t events, pairs, records;
} ig_cooc_job;

/* Loads ITEMS_PATH (may be NULL) and checks the options fit together;
 * exits 2 naming the option when they do not. */
void ig_cooc_job_init(ig_cooc_job *j, const ig_cooc_opts *o, const char *items_path, int map);
/* Counts an events stream (MAP: for partial counts). */
void ig_cooc_job_count(ig_cooc_job *j, const char *events, int map);
/* Reads partial counts. */
void ig_cooc_job_reduce(ig_cooc_job *j, char **paths, int npaths);
/* The header of the events read, for provenance; NULL after reduce. */
const ig_header *ig_cooc_job_upstream(const ig_cooc_job *j);
/* Writes the body of the neighbors stream, or of the partial counts. */
void ig_cooc_job_write_neighbors(ig_cooc_job *j, ig_writer *w);
void ig_cooc_job_write_partial(ig_cooc_job *j, ig_writer *w);
void ig_cooc_job_free(ig_cooc_job *j);

/* In memory: the neighbours of every entity of VOCAB from NUSERS
 * histories (ids numbered in VOCAB, each history in time order), as
 * ig-cooccur computes them from an events stream with options O (window,
 * decay, user weight, --max-history, shard, score, top_k, min_support,
 * shrink, engine, threads, memory; entities of one kind). TOPK is
 * initialised here, each list best first (ig_cooc_topk_finish); free it
 * with ig_cooc_topk_free. */
void ig_cooc_histories(const ig_cooc_opts *o, ig_intern *vocab, const ig_history *h, size_t nusers,
		       ig_cooc_topk *topk);

#endif
