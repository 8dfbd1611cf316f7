/* Inside lib/tower: the model's parameters, the feature bags of both
 * towers, one batch's forward and backward pass, and the kernels. */
#ifndef IG_TOWER_PRIV_H
#define IG_TOWER_PRIV_H

#include "core/ig_rng.h"
#include "tower/ig_tower.h"

#define IG_TOWER_MAGIC "IGTOWER\n"
#define IG_TOWER_VERSION 2u

/* Embedding tables. ID, AUTHOR and TOPIC have a row for each id known
 * by its hash. */
enum { IG_TT_ID, IG_TT_AUTHOR, IG_TT_TOPIC, IG_TT_MEDIA, IG_TT_AGE, IG_TT_ACT, IG_TT_COUNT };
#define IG_TOWER_HASHED 3
#define IG_TOWER_AGE_BUCKETS 16
#define IG_TOWER_ACT_BUCKETS 16

/* The towers' input segments, each a pooled row set of one table. */
enum { IG_TOWER_USER, IG_TOWER_ITEM };
#define IG_TOWER_USER_SEGS 6
#define IG_TOWER_ITEM_SEGS 5
#define IG_TOWER_MAX_SEGS 6
extern const int ig_tower_seg_table[2][IG_TOWER_MAX_SEGS];
extern const int ig_tower_nsegs[2];

/* An MLP's parameters at an offset of the dense array. */
typedef struct ig_tower_mlp {
	uint32_t in, hidden, out;
	size_t w1, b1, w2, b2;   /* offsets: W1 hidden x in, b1, W2 out x hidden, b2 */
} ig_tower_mlp;

struct ig_tower_model {
	ig_tower_opts o;          /* pool and callbacks cleared */
	uint32_t rows[IG_TT_COUNT];
	float *table[IG_TT_COUNT];
	float *table_acc[IG_TT_COUNT];   /* Adagrad's sums of squares */
	uint64_t *known[IG_TOWER_HASHED]; /* sorted hashes of the trained ids */
	uint32_t nknown[IG_TOWER_HASHED];
	ig_tower_mlp mlp[2];
	float *dense, *dense_acc;
	size_t ndense;
	int64_t ref_ts;
	char *prov;
};

/* A pooled input: segment s holds row[off[s] .. off[s+1]) with weights. */
typedef struct ig_tower_bag {
	uint32_t off[IG_TOWER_MAX_SEGS + 1];
	uint32_t *row;
	float *w;
	uint32_t cap;
} ig_tower_bag;

void ig_tower_bag_free(ig_tower_bag *b);
/* Whether catalog item I has a feature besides its id (author, topics,
 * media or creation time). Only such an item has its id hidden by the
 * id dropout: without features, a hidden id leaves the item tower a
 * constant input, and the example teaches nothing. */
int ig_tower_item_has_features(const ig_tower_catalog *cat, uint32_t i);
/* The bags of the two towers. AGE_AT is the time the item's age is taken
 * at; DROP_ID hides the item's id. */
void ig_tower_bag_item(const ig_tower_model *m, const ig_tower_catalog *cat, uint32_t i, int64_t age_at,
		       int drop_id, ig_tower_bag *b);
void ig_tower_bag_user(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_user *u,
		       int64_t at, ig_tower_bag *b);
/* X (nsegs * emb floats): each segment's weighted sum of rows. */
void ig_tower_bag_pool(const ig_tower_model *m, int tower, const ig_tower_bag *b, float *x);

/* One tower's forward pass from its input X: hidden H, pre-norm Z, output
 * V (unit length, or zero when Z is). Returns |Z|. */
float ig_tower_forward(const ig_tower_model *m, int tower, const float *x, float *h, float *z, float *v);

/* A batch is computed in parts of this many examples, each part's
 * gradient in its own buffer, summed in part order: the same sum for any
 * number of threads. */
#define IG_TOWER_PART 16u

/* The items drawn uniformly as further negatives of every batch (mixed
 * negative sampling, Yang et al. 2020): each of the N items with a
 * training example is drawn with probability 1/N, then one of its
 * examples, whose time is the item's age as in-batch items have theirs. */
typedef struct ig_tower_uniform {
	uint32_t per_batch;     /* items drawn a batch */
	uint32_t n;             /* items to draw from */
	uint64_t *start;        /* item k's examples: ex[start[k] .. start[k+1]) */
	uint64_t *ex;           /* engagement numbers of the corpus */
} ig_tower_uniform;

/* The uniform items of the examples ORDER (N of them) of C, PER_BATCH a
 * batch; NULL when PER_BATCH is 0. */
ig_tower_uniform *ig_tower_uniform_new(const ig_tower_corpus *c, const uint64_t *order, uint64_t n,
				       uint32_t per_batch);
void ig_tower_uniform_free(ig_tower_uniform *u);

/* A batch's activations and gradients. The user tower has a row per
 * example, the item tower a column per example and then one per uniform
 * negative; the softmax of each user is over every column. */
typedef struct ig_tower_ws {
	uint32_t cap, ucap, nparts;    /* examples, uniform negatives, parts of both */
	ig_tower_bag *bag[2];          /* per example (user), per column (item) */
	float *x[2], *h[2], *z[2], *v[2]; /* per example or column, per tower */
	float *zlen[2];
	float *dx[2];                  /* gradient of the input */
	float *logits, *dv[2];         /* logits: n x ncols */
	float *grad;                   /* the dense parameters' gradient */
	float *part_grad;              /* per part: its share of grad */
	float *part_tmp;               /* per part: scratch of the backward pass */
	double *part_loss;             /* per part: sum of weight x loss */
	const uint64_t *ex;            /* the batch's examples */
	const ig_tower_uniform *uniform; /* the uniform negatives' items (NULL: none) */
	uint64_t *col_ex;              /* per column: the engagement its item and age are of */
	const float *logq;
	uint32_t *item;                /* catalog number of each column's item */
	float *ex_w;                   /* event weight */
	uint8_t *drop;                 /* per column: the item's id hidden */
	double total_w;
	uint32_t n, ncols;             /* examples; columns: examples and uniform negatives */
	/* the items the example's user engaged with before it by more than
	 * a view are no negatives of it, unless SEEN_NEGATIVES (the model's
	 * setting) */
	int seen_negatives;
	const ig_tower_corpus *c;
	uint32_t *first_col;           /* per catalog item: its first column (IG_TOWER_NONE) */
	uint32_t *next_col;            /* per column: the next of the same item */
	uint32_t ncatalog;
	/* the batch's gradient of each table row it touches, summed before
	 * Adagrad's one step per row (as a dense batch gradient would be) */
	float *row_grad[IG_TT_COUNT];
	uint8_t *row_mark[IG_TT_COUNT];
	uint32_t *touched[IG_TT_COUNT];
	uint32_t ntouched[IG_TT_COUNT];
} ig_tower_ws;

/* Room for BATCH examples and UNIFORM's negatives (may be NULL), which
 * every batch then draws. */
ig_tower_ws *ig_tower_ws_new(const ig_tower_model *m, uint32_t batch, const ig_tower_uniform *uniform);
void ig_tower_ws_free(ig_tower_ws *w);
/* Forward and backward over examples EX (engagement numbers of C), N at
 * most the ws capacity: fills W's gradients, returns the weighted mean
 * loss. LOGQ: per catalog item, the log of its sampling probability (NULL:
 * no correction). RNG: the id dropout's and the uniform negatives' draws
 * (NULL: neither). */
double ig_tower_batch_grad(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			   const uint64_t *ex, uint32_t n, const float *logq,
			   ig_rng *rng, ig_tower_ws *w);
/* Adagrad step with W's gradients. */
void ig_tower_batch_apply(ig_tower_model *m, ig_tower_ws *w, float lr);

/* ig_tower_batch_grad and _apply in steps, for threads to share: begin
 * (one thread), then each step for every part P < ig_tower_ws_parts(W),
 * each step after the previous one has finished for all parts; then the
 * dense step over slices of the dense parameters, and the rows step (one
 * thread). RNG also draws the uniform negatives. */
void ig_tower_batch_begin(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			  const uint64_t *ex, uint32_t n, const float *logq, ig_rng *rng, ig_tower_ws *w);
void ig_tower_part_forward(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			   ig_tower_ws *w, uint32_t p);
void ig_tower_part_softmax(const ig_tower_model *m, ig_tower_ws *w, uint32_t p);
void ig_tower_part_backward(const ig_tower_model *m, ig_tower_ws *w, uint32_t p);
/* The weighted mean loss of the batch, after the softmax step. */
double ig_tower_batch_loss(const ig_tower_ws *w);
/* The parts of the batch begun in W. */
uint32_t ig_tower_ws_parts(const ig_tower_ws *w);
/* grad[LO, HI) = the parts' sum; with LR > 0 also the Adagrad step of
 * those parameters. */
void ig_tower_dense_step(ig_tower_model *m, ig_tower_ws *w, size_t lo, size_t hi, float lr);
/* The embedding rows' Adagrad step. */
void ig_tower_rows_step(ig_tower_model *m, ig_tower_ws *w, float lr);
/* The gradient of table TABLE's row ROW in W (EMB floats). */
void ig_tower_ws_row_grad(const ig_tower_model *m, const ig_tower_ws *w, int table, uint32_t row, float *out);

/* The parameters' values (not Adagrad's sums), IG_TT_COUNT tables then
 * the dense array: the best epoch's copy that early stopping keeps. */
size_t ig_tower_params_count(const ig_tower_model *m);
void ig_tower_params_get(const ig_tower_model *m, float *out);
void ig_tower_params_set(ig_tower_model *m, const float *in);
/* AVG[k] += RATE (value[k] - AVG[k]) for the parameters LO <= k < HI of
 * that layout: a step of their exponential moving average. */
void ig_tower_params_average(const ig_tower_model *m, float *avg, size_t lo, size_t hi, float rate);
/* The moving average's weight of step T's values (T from 1) when it
 * averages over about H steps. */
float ig_tower_average_rate(uint64_t t, double h);
/* Exchanges the parameters' values with BUF's (that layout). */
void ig_tower_params_swap(ig_tower_model *m, float *buf);

/* Early stopping's held-out engagements: the last of a sample of users
 * with two or more, which training leaves out (ig_tower_holdout.c). */
typedef struct ig_tower_holdout {
	uint32_t n;
	uint64_t *ex;     /* engagement numbers of C */
	uint8_t *held;    /* per engagement of C: held out */
	uint32_t k;       /* recall@K scores an epoch */
} ig_tower_holdout;


/* The held-out engagements of at most MAX_USERS users of C (0: all),
 * scored by recall@K: the share whose item is among the user's best K,
 * as retrieval is judged. */
ig_tower_holdout *ig_tower_holdout_new(const ig_tower_corpus *c, uint32_t max_users, uint32_t k);
void ig_tower_holdout_free(ig_tower_holdout *h);
/* The share of H's engagements whose item M ranks among the H->k best
 * for its user as of just before it, of the
 * catalog items the user had not engaged with; on POOL's threads (may be
 * NULL), the same for any number. */
double ig_tower_holdout_score(const ig_tower_model *m, const ig_tower_catalog *cat, const ig_tower_corpus *c,
			      const ig_tower_holdout *h, ig_pool *pool);

/* Kernels (ig_tower_kernel.c), picked by ig_isa(). */
typedef struct ig_tower_kernels {
	/* y = W x + b, W out x in row-major */
	void (*affine)(const float *w, const float *b, const float *x, uint32_t in, uint32_t out, float *y);
	/* gW += dy x^T; dx = W^T dy (dx may be NULL) */
	void (*affine_back)(const float *w, const float *x, const float *dy, uint32_t in, uint32_t out, float *gw,
			    float *dx);
	float (*dot)(const float *a, const float *b, uint32_t n);
	void (*axpy)(float a, const float *x, float *y, uint32_t n);
	/* Adagrad: acc += g^2; p -= lr g / sqrt(acc) */
	void (*adagrad)(float *p, float *acc, const float *g, float lr, size_t n);
	const char *name;
} ig_tower_kernels;

const ig_tower_kernels *ig_tower_kernels_get(void);

#endif
