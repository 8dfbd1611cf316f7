/* The vocabulary of ig-train-w2v: words (items, authors) counted while the
 * corpus is read, pruned by a minimum count, ordered most frequent first;
 * the sub-sampling probabilities and the noise distribution derived from
 * the counts. */
#ifndef IG_W2V_VOCAB_H
#define IG_W2V_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "w2v/ig_w2v_kernel.h"

typedef struct ig_w2v_vocab {
	uint32_t n;            /* words kept, most frequent first */
	uint32_t *raw;         /* kept word -> its number in NAMES */
	uint64_t *count;       /* kept word -> occurrences */
	uint64_t total;        /* sum of count */
	const ig_intern *names;
} ig_w2v_vocab;

/* Keeps the words of NAMES whose RAW_COUNT is at least MIN_COUNT, at most
 * MAX_WORDS of them (0: no limit; the least frequent go first), ordered by
 * count, then by first appearance (their number in NAMES). MAP (size
 * ig_intern_count(NAMES)) receives each raw number's new number, or
 * IG_INTERN_NONE for a pruned word. */
void ig_w2v_vocab_build(ig_w2v_vocab *v, const ig_intern *names, const uint64_t *raw_count,
			uint64_t min_count, uint32_t max_words, uint32_t *map);
void ig_w2v_vocab_free(ig_w2v_vocab *v);

const char *ig_w2v_vocab_word(const ig_w2v_vocab *v, uint32_t i);
size_t ig_w2v_vocab_len(const ig_w2v_vocab *v, uint32_t i);

/* The word2vec.c sub-sampling rule: a word of frequency f = count/total is
 * kept with probability min(1, (sqrt(f/SAMPLE) + 1) * SAMPLE/f); SAMPLE 0
 * keeps everything. */
double ig_w2v_keep_probability(uint64_t count, uint64_t total, double sample);
/* Per word: the keep probability as a 32-bit threshold (kept when a
 * uniform 32-bit draw is at most it). */
uint32_t *ig_w2v_keep_thresholds(const ig_w2v_vocab *v, double sample);
/* The expected number of words kept in one pass. */
double ig_w2v_expected_kept(const ig_w2v_vocab *v, double sample);

/* The noise distribution count^POWER / sum (word2vec.c: 0.75). */
void ig_w2v_alias_build(ig_w2v_alias *a, const uint64_t *count, uint32_t n, double power);
/* The probability the table gives word I (for the tests). */
double ig_w2v_alias_probability(const ig_w2v_alias *a, uint32_t i);
void ig_w2v_alias_free(ig_w2v_alias *a);

#endif
