/* Training of ig-train-w2v: the two matrices, the threads (Hogwild over
 * blocks of sentences handed out in order), the learning rate with linear
 * decay and the per-epoch statistics. */
#ifndef IG_W2V_TRAIN_H
#define IG_W2V_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_thread.h"
#include "w2v/ig_w2v_corpus.h"
#include "w2v/ig_w2v_kernel.h"
#include "w2v/ig_w2v_vocab.h"

typedef struct ig_w2v_epoch {
	int epoch;            /* 1-based */
	double loss;          /* mean negative log-likelihood per example */
	uint64_t examples;    /* (centre, context) pairs; centre words with CBOW */
	uint64_t words;       /* corpus words read in this epoch */
	double seconds;       /* of this epoch */
	double alpha;         /* learning rate at its end */
} ig_w2v_epoch;

typedef struct ig_w2v_opts {
	int arch;             /* enum ig_w2v_arch */
	uint32_t dim;
	int window, negative, epochs;
	int share;            /* context words per draw of negatives; 0: a centre word's whole window */
	int whole;            /* item2vec: the window is the whole sentence */
	double sample;        /* sub-sampling threshold; 0: off */
	double alpha;         /* starting learning rate */
	double min_alpha;     /* the rate never decays below this */
	double noise_power;   /* of the noise distribution, 0.75 */
	ig_pool *pool;        /* the threads to train on; NULL: the caller's only */
	uint64_t seed;
	/* Called from thread 0 about once a second, and after each
	 * epoch (both may be NULL). */
	void (*progress)(void *ctx, double fraction, double words_per_s, double alpha);
	void (*epoch_done)(void *ctx, const ig_w2v_epoch *e);
	void *ctx;
} ig_w2v_opts;

/* word2vec.c's defaults: skip-gram, 100 dims, window 5, 5 negatives, 5
 * epochs, sample 1e-3, alpha 0.025 (0.05 for CBOW), min_alpha alpha/1e4. */
void ig_w2v_opts_default(ig_w2v_opts *o);

/* Bytes the two matrices of N words of DIM take. */
uint64_t ig_w2v_model_bytes(uint64_t n, uint32_t dim);
/* Input rows uniform in [-0.5, 0.5)/dim from SEED, output rows zero. */
void ig_w2v_model_init(ig_w2v_model *m, uint32_t n, uint32_t dim, uint64_t seed);
void ig_w2v_model_free(ig_w2v_model *m);

/* Trains M on corpus C (numbered by V). Returns the last epoch's figures
 * in LAST (may be NULL). One thread and one seed give the same bits. */
void ig_w2v_train(ig_w2v_model *m, const ig_w2v_corpus *c, const ig_w2v_vocab *v,
		  const ig_w2v_opts *o, ig_w2v_epoch *last);

#endif
