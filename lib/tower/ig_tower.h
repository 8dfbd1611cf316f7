/* A two-tower retrieval model: a user tower and an item tower, each an
 * MLP over pooled embeddings of its entity's features, trained with a
 * sampled softmax over in-batch negatives corrected for popularity (logQ,
 * Yi et al. 2019), so that the dot product of the two L2-normalised
 * outputs ranks the items a user engages with.
 *
 *   item tower  [id | author | topics and their ancestors | media | age]
 *   user tower  [long-term history | short-term history | followed authors |
 *                topic affinity | media affinity | activity]
 *               -> ReLU(W1 x + b1) -> W2 h + b2 -> / |.|
 *
 * Ids, authors and topics have a row each in their tables: the model
 * keeps the sorted hashes of the ids it trained on and finds an id's row
 * by its hash, so an id it never saw (a new item) gets no id embedding,
 * and is embedded from its features alone. Every side input is optional. */
#ifndef IG_TOWER_H
#define IG_TOWER_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "core/ig_thread.h"
#include "io/ig_events.h"
#include "io/ig_follows.h"
#include "io/ig_items.h"
#include "io/ig_topics.h"
#include "io/ig_writer.h"

#define IG_TOWER_NONE UINT32_MAX

typedef struct ig_tower_epoch {
	int epoch;
	double loss;          /* mean weighted loss of the epoch's batches */
	uint64_t examples;
	double seconds;
	double held_out;      /* recall@K of the held-out engagements (-1: none) */
	uint32_t k;
	int best;             /* the epoch of the best held-out recall so far (0: none) */
	double best_held_out; /* its recall */
} ig_tower_epoch;

typedef struct ig_tower_opts {
	uint32_t dim;          /* output vectors */
	uint32_t emb;          /* every feature embedding */
	uint32_t hidden;       /* the hidden layer of both towers */
	uint32_t short_n;      /* short-term history: the last N engagements */
	uint32_t long_n;       /* long-term history: at most the last N */
	uint32_t max_follows;  /* followed authors pooled, the latest */
	int epochs;            /* at most, with early stopping */
	int patience;          /* stop after this many epochs without a better
			        * held-out recall, and keep the best epoch's
			        * parameters; 0: no held-out split, EPOCHS */
	uint32_t holdout_users; /* users whose last engagement is held out, at most */
	uint32_t holdout_k;    /* the held-out recall@K */
	uint32_t batch;        /* examples per batch: the in-batch negatives */
	uint32_t uniform_negatives; /* further negatives a batch, items drawn
				     * uniformly from those with examples */
	int seen_negatives;    /* the items a user engaged with before an
				* example by more than a view are negatives
				* of it too (by default they are not) */
	double lr;             /* Adagrad */
	double average;        /* what is scored and kept: the parameters'
			        * exponential moving average over the steps of
			        * about this many epochs (Polyak averaging);
			        * 0: the last step's parameters */
	double temperature;
	int logq;              /* subtract log of the item's sampling probability */
	double id_dropout;     /* probability to hide an item's id in training
			        * (of an item with other features) */
	double weights[IG_EV_COUNT]; /* event weights; 0 drops a type */
	double min_view;       /* a view counts only with value >= this */
	uint64_t seed;
	ig_pool *pool;         /* threads sharing each batch: the same model for any number */
	void (*epoch_done)(void *ctx, const ig_tower_epoch *e);
	void (*progress)(void *ctx, double fraction, double loss);
	void *ctx;
} ig_tower_opts;

void ig_tower_opts_default(ig_tower_opts *o);

/* Side inputs, each may be NULL. FOLLOWS' authors and TOPICS' ids should
 * share ITEMS' tables (ig_follows_load(path, items->authors)). */
typedef struct ig_tower_side {
	const ig_items *items;
	const ig_follows *follows;
	const ig_topics *topics;
} ig_tower_side;

typedef struct ig_tower_model ig_tower_model;

/* Items and their features, as rows of the model's tables. */
typedef struct ig_tower_catalog {
	ig_intern *ids;          /* item id -> number; owned */
	uint32_t n, cap;
	uint32_t *id_row;        /* IG_TOWER_NONE: an id the model never saw */
	uint32_t *author_row;    /* IG_TOWER_NONE: none or unknown */
	uint8_t *media;          /* IG_MEDIA_COUNT: unknown */
	int64_t *created;        /* -1: unknown */
	uint32_t *topic_start;   /* item i: topic_row[topic_start[i] .. topic_start[i+1]) */
	uint32_t *topic_row;
	uint32_t ntopic_rows, topic_cap;
} ig_tower_catalog;

/* A catalog over IDS (taken over; NULL: a new table) whose features are
 * filled by ig_tower_catalog_fill. */
ig_tower_catalog *ig_tower_catalog_new(ig_intern *ids);
/* Adds every item of SIDE's items stream to the catalog, then computes
 * the features of every item from SIDE (an item not in the items stream
 * has its id alone). */
void ig_tower_catalog_fill(ig_tower_catalog *c, const ig_tower_model *m, const ig_tower_side *side);
void ig_tower_catalog_free(ig_tower_catalog *c);

/* One user's engagements (catalog numbers, time order) and follows. */
typedef struct ig_tower_user {
	const uint32_t *item;
	const int64_t *ts;
	const float *weight;
	size_t n;
	const uint32_t *follow_row;  /* author rows of the model */
	const int64_t *follow_ts;    /* -1: always */
	size_t nfollows;
} ig_tower_user;

/* Users' histories read from an events stream, for training or embedding. */
typedef struct ig_tower_corpus {
	ig_intern *users;
	uint32_t nusers;
	uint64_t *start;         /* user u: engagements start[u] .. start[u+1] */
	uint32_t *item;          /* names in the ids table given to the reader */
	int64_t *ts;
	float *weight;
	uint32_t *user_of;       /* per engagement */
	uint64_t n, cap;
	uint64_t *fstart;        /* user u follows fauthor[fstart[u] .. fstart[u+1]) */
	uint32_t *fauthor;       /* numbers in the follows' authors table */
	uint32_t *frow;          /* the same as rows of the model (ig_tower_corpus_map) */
	int64_t *fts;
	uint64_t nf, fcap;
	int64_t last_ts;
	uint64_t events, dropped;
} ig_tower_corpus;

/* Reads EVENTS (sorted by user, ts), weighting each event by type, into
 * a corpus whose items are interned in IDS; follows of each user from
 * SIDE->follows (the MAX_FOLLOWS latest in file order). Exits 1 on bad
 * input, or when the histories need more than MEMORY bytes. */
ig_tower_corpus *ig_tower_corpus_read(const char *events, const ig_tower_opts *o, const ig_tower_side *side,
				      ig_intern *ids, uint64_t memory);
void ig_tower_corpus_free(ig_tower_corpus *c);
/* Maps the followed authors (numbers in AUTHORS, the follows' table) to
 * rows of M; before ig_tower_corpus_user. */
void ig_tower_corpus_map(ig_tower_corpus *c, const ig_tower_model *m, const ig_intern *authors);
/* The view of user U up to (not including) engagement POS. */
ig_tower_user ig_tower_corpus_user(const ig_tower_corpus *c, uint32_t u, size_t pos);

/* A model sized for CAT's items (ids seen in training: the first NTRAINED
 * of the catalog), AUTHORS and TOPICS (may be NULL); PROV is the
 * provenance line. Parameters are random under O->seed. */
ig_tower_model *ig_tower_model_new(const ig_tower_opts *o, const ig_intern *items, uint32_t ntrained,
				   const ig_intern *authors, const ig_intern *topics, const char *prov);
/* The same, sized for training on C: the trained ids are the items of C
 * (the first ig_intern_count(IDS) at this call), the authors of those
 * items and the authors users follow (FOLLOW_AUTHORS: the follows'
 * table), the topics of those items and their ancestors. */
ig_tower_model *ig_tower_model_for_data(const ig_tower_opts *o, const ig_intern *ids, const ig_tower_side *side,
					const ig_tower_corpus *c, const ig_intern *follow_authors, const char *prov);
void ig_tower_model_free(ig_tower_model *m);
/* Bytes of parameters and optimiser state, and the best epoch's copy of
 * the parameters with early stopping, for the memory check. */
uint64_t ig_tower_model_bytes(const ig_tower_model *m);
uint32_t ig_tower_model_dim(const ig_tower_model *m);
/* Latest event time of the training data: the age reference of items. */
int64_t ig_tower_model_ref_ts(const ig_tower_model *m);
void ig_tower_model_set_ref_ts(ig_tower_model *m, int64_t ts);
const char *ig_tower_model_provenance(const ig_tower_model *m);
/* The settings the model was trained with. */
const ig_tower_opts *ig_tower_model_opts(const ig_tower_model *m);
/* Row of an id in its table, or IG_TOWER_NONE when the model never saw
 * it (KIND: 0 item, 1 author, 2 topic). */
uint32_t ig_tower_row(const ig_tower_model *m, int kind, const char *id, size_t len);

/* The model file of ig-formats(5). Saving exits 1 on a write error;
 * loading on a file that is not a whole model of this version. */
void ig_tower_model_save(const ig_tower_model *m, const char *path);
/* The same to W, left open (ig-train-tower closes it with the vectors). */
void ig_tower_model_write(const ig_tower_model *m, ig_writer *w);
ig_tower_model *ig_tower_model_load(const char *path);
/* The same from memory; NAME for messages. */
ig_tower_model *ig_tower_model_parse(const unsigned char *data, size_t n, const char *name);

/* Trains on every engagement of C: the user's state before it against
 * the item; with O->patience, on all but the held-out ones, stopping
 * early. LAST: the last epoch's figures, with the epoch kept. */
void ig_tower_train(ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
		    const ig_tower_opts *o, ig_tower_epoch *last);

/* Scratch space for embedding, one per thread. */
typedef struct ig_tower_scratch ig_tower_scratch;
ig_tower_scratch *ig_tower_scratch_new(const ig_tower_model *m);
void ig_tower_scratch_free(ig_tower_scratch *s);

/* The item vector of catalog item I as of time AT (its age), and the user
 * vector of U as of time AT (follows after AT are left out); DIM floats. */
void ig_tower_embed_item(const ig_tower_model *m, const ig_tower_catalog *cat, uint32_t i, int64_t at,
			 ig_tower_scratch *s, float *out);
void ig_tower_embed_user(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_user *u,
			 int64_t at, ig_tower_scratch *s, float *out);

#endif
