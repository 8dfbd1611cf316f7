/* The hot loop of ig-train-w2v: one sentence of skip-gram or CBOW with
 * negative sampling. Skip-gram follows Intel's pWord2Vec: the negatives of
 * a centre word are shared by all of its context words, so the updates
 * become small matrix products over rows that stay in L1. Threads share the
 * two matrices without locks (Hogwild, as word2vec.c). */
#ifndef IG_W2V_KERNEL_H
#define IG_W2V_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Rows are padded to a multiple of this many floats (64 bytes), so every
 * row starts on a cache line and the loops need no tail. */
#define IG_W2V_ROW_ALIGN 16

/* The sigmoid is read from a table over [-IG_W2V_MAX_EXP, IG_W2V_MAX_EXP]
 * (as word2vec.c); beyond it the gradient is taken as saturated. */
#define IG_W2V_SIGMOID_SIZE 1000
#define IG_W2V_MAX_EXP 6

/* Largest number of context rows handled in one batch; wider windows
 * (item2vec) are split into batches of this many. */
#define IG_W2V_BATCH 32

typedef struct ig_w2v_model {
	float *in;        /* input vectors (word2vec.c syn0), n x stride */
	float *out;       /* output vectors (syn1neg), n x stride */
	uint32_t n;       /* rows */
	uint32_t dim;
	uint32_t stride;  /* dim rounded up to IG_W2V_ROW_ALIGN */
} ig_w2v_model;

/* Walker's alias table for drawing negatives in O(1) from a table that is
 * 8 bytes per word (fits in cache, unlike word2vec.c's 10^8 entries). */
typedef struct ig_w2v_alias_cell {
	uint32_t threshold;  /* keep this index when the 32-bit draw is below */
	uint32_t alias;      /* else take this one */
} ig_w2v_alias_cell;

typedef struct ig_w2v_alias {
	ig_w2v_alias_cell *cell;
	uint32_t n;
} ig_w2v_alias;

enum ig_w2v_arch { IG_W2V_SKIPGRAM, IG_W2V_CBOW };

typedef struct ig_w2v_kparams {
	int arch;             /* enum ig_w2v_arch */
	int window;           /* largest distance to a context word */
	int whole;            /* item2vec: every other word of the sentence is context */
	int negative;
	int share;            /* context words that share one draw of negatives; 0: all of a centre word's */
	const uint32_t *keep; /* per word: kept when a 32-bit draw is at most this (sub-sampling); NULL keeps all */
	const ig_w2v_alias *noise;
} ig_w2v_kparams;

/* Scratch and statistics of one thread. */
typedef struct ig_w2v_worker {
	uint64_t rng;         /* splitmix64 state */
	uint32_t *sent;       /* the sentence after sub-sampling */
	float *sent_w;
	size_t sent_cap;
	float *grad;          /* IG_W2V_BATCH x stride */
	float *hidden;        /* CBOW: mean of the context, and its gradient */
	double loss;          /* sum over examples of the negative log-likelihood */
	uint64_t examples;    /* (centre, context) pairs; centre words in CBOW */
	uint64_t words;       /* words read, before sub-sampling */
} ig_w2v_worker;

void ig_w2v_worker_init(ig_w2v_worker *wk, const ig_w2v_model *m);
void ig_w2v_worker_free(ig_w2v_worker *wk);

/* Builds the sigmoid and log-sigmoid tables and picks the kernel copy,
 * once (thread-safe; the other calls do it when needed). */
void ig_w2v_tables_init(void);
/* sigma(x) as the training loop sees it: 0 or 1 beyond the table. */
float ig_w2v_sigmoid(float x);
/* log(sigma(x)) as the loss uses it. */
float ig_w2v_log_sigmoid(float x);

/* Trains on the N words of SENT (vocabulary numbers; weights W may be
 * NULL) at learning rate ALPHA. */
void ig_w2v_train_sentence(const ig_w2v_model *m, const ig_w2v_kparams *p, ig_w2v_worker *wk,
			   const uint32_t *sent, const float *w, size_t n, float alpha);

/* A draw from the noise distribution. */
uint32_t ig_w2v_alias_draw(const ig_w2v_alias *a, uint64_t r);
/* splitmix64: the random numbers of the training loop, one state per
 * thread or block. */
static inline uint64_t ig_w2v_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The copy of the kernel (ig_w2v_kernel.c) that this CPU and IG_KERNEL
 * allow (core/ig_cpu.h), for ig_w2v_train_sentence. */
typedef void (*ig_w2v_kernel_fn)(const ig_w2v_model *m, const ig_w2v_kparams *p, ig_w2v_worker *wk,
				 const uint32_t *sent, const float *w, size_t n, float alpha);
ig_w2v_kernel_fn ig_w2v_kernel_get(void);
/* Which copy ig_w2v_train_sentence runs: "portable", "avx2" or "avx512". */
const char *ig_w2v_kernel_name(void);

/* The tables behind ig_w2v_sigmoid, for the kernel. */
extern float ig_w2v_sigmoid_table[IG_W2V_SIGMOID_SIZE + 1];
extern float ig_w2v_log_sigmoid_table[IG_W2V_SIGMOID_SIZE + 1];

#endif
