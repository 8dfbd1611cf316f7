/* The training corpus of ig-train-w2v, held in memory as interned 32-bit
 * word numbers so that input can be streamed once from stdin or gzip (no
 * seeking, unlike word2vec.c and fastText): sentences from plain text (one
 * per line) or from an events stream (a user's engagements, split into
 * sessions). */
#ifndef IG_W2V_CORPUS_H
#define IG_W2V_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_engage.h"
#include "core/ig_intern.h"

typedef struct ig_w2v_corpus {
	ig_intern *names;       /* every word seen; numbers index raw_count */
	uint64_t *raw_count;
	uint32_t raw_cap;
	uint32_t *tok;          /* all sentences, back to back */
	float *weight;          /* per token when weighted, else NULL */
	size_t ntok, tok_cap;
	uint64_t *start;        /* sentence i is tok[start[i] .. start[i+1]) */
	size_t nsent, sent_cap;
	uint64_t words_read;    /* tokens read, before pruning */
	uint64_t memory_limit;  /* bytes; 0: none */
	int weighted;
} ig_w2v_corpus;

typedef struct ig_w2v_seq_opts {
	int64_t session_gap;    /* seconds; a larger gap starts a new sentence; 0: never */
	size_t max_len;         /* longer sentences are cut into pieces of this length */
	int weighted;           /* keep each engagement's weight */
} ig_w2v_seq_opts;

void ig_w2v_corpus_init(ig_w2v_corpus *c, int weighted, uint64_t memory_limit);
void ig_w2v_corpus_free(ig_w2v_corpus *c);

/* Appends a word (interned, counted) to the current sentence. */
void ig_w2v_corpus_add(ig_w2v_corpus *c, const char *word, size_t len, float weight);
/* Appends a word already in NAMES. */
void ig_w2v_corpus_add_id(ig_w2v_corpus *c, uint32_t id, float weight);
/* Ends the current sentence (an empty one is not stored). */
void ig_w2v_corpus_end_sentence(ig_w2v_corpus *c);

/* Plain text: one sentence per line, words separated by spaces or tabs;
 * a line longer than MAX_LEN words is cut into pieces. */
void ig_w2v_corpus_read_text(ig_w2v_corpus *c, const char *path, size_t max_len);

/* An events stream: each user's engagements (ig_engage: weights, views,
 * entity) in time order, split where two are more than SESSION_GAP
 * seconds apart and every MAX_LEN words. STATS may be NULL. */
void ig_w2v_corpus_read_events(ig_w2v_corpus *c, const char *path, const ig_engage_opts *eo,
			       const ig_w2v_seq_opts *so, ig_engage_stats *stats);

/* Renumbers the words with MAP (raw number -> vocabulary number, or
 * IG_INTERN_NONE to drop the word) and drops sentences left with fewer
 * than two words, which teach nothing; then frees the room kept for
 * growth. */
void ig_w2v_corpus_apply_vocab(ig_w2v_corpus *c, const uint32_t *map);

/* Bytes held for the sentences (not the names). */
size_t ig_w2v_corpus_memory(const ig_w2v_corpus *c);

#endif
