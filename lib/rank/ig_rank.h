/* ig-rank's library: the features of a (user, item) pair computed from a
 * user's history and the item's statistics, the examples stream, the
 * models (hashed multi-task logistic regression for the first stage,
 * gradient-boosted trees for the second), calibration, the value model
 * and the scoring of candidates into a ranked stream. */
#ifndef IG_RANK_H
#define IG_RANK_H
#include <stddef.h>
#include <stdint.h>
#include "core/ig_intern.h"
#include "io/ig_events.h"
#include "io/ig_items.h"
#include "io/ig_tsv.h"
#include "io/ig_vectors.h"
#include "io/ig_writer.h"

#define IG_RANK_MAX_HEADS 16

/* The heads trained by default, in this order. */
extern const char *const ig_rank_default_heads[8];

/* Inputs that feature groups need (bit mask). */
enum {
	IG_RANK_IN_CANDS = 1,     /* a candidates or ranked stream */
	IG_RANK_IN_ITEMS = 2,     /* --items */
	IG_RANK_IN_FOLLOWS = 4,   /* --follows */
	IG_RANK_IN_TOPICS = 8,    /* --topics */
	IG_RANK_IN_VECTORS = 16,  /* --vectors */
	IG_RANK_IN_NEIGHBORS = 32,/* --neighbors */
	IG_RANK_IN_IMPRESSIONS = 64,/* the history holds impressions */
	IG_RANK_IN_TOWER = 128    /* --tower */
};

/* The options that decide what a feature means; written into examples
 * and models so that scoring computes the features training saw. */
typedef struct ig_rank_fopts {
	unsigned positives;   /* event types that make the user's history (bit per type) */
	double half_life;     /* seconds, for decayed counts */
	int short_n;          /* short-term history: the last N positives */
	int long_n;           /* long-term history: at most the last N positives */
	double recent;        /* seconds before the row's time that count as recent */
} ig_rank_fopts;

void ig_rank_fopts_default(ig_rank_fopts *o);
/* "positives=like,view;half_life=S;short=N;long=N" */
void ig_rank_fopts_format(const ig_rank_fopts *o, char *buf, size_t len);
int ig_rank_fopts_parse(const char *s, ig_rank_fopts *o);

typedef struct ig_rank_ctx ig_rank_ctx;

/* Paths of the context inputs; NULL when not given. TOWER is the PREFIX
 * of ig-train-tower -o PREFIX: its PREFIX.users.vec and PREFIX.items.vec. */
typedef struct ig_rank_inputs {
	const char *history, *items, *follows, *topics, *vectors, *neighbors, *tower;
} ig_rank_inputs;

ig_rank_ctx *ig_rank_ctx_load(const ig_rank_inputs *in, const ig_rank_fopts *o);
/* The users whose histories a context holds (--shard I/N): those with
 * ig_shard_of(user, count) == index; count 0 or 1: every user. The item,
 * author and global statistics are still counted over every user's
 * events: the others' are spilled, as read, to a scratch file in TMPDIR
 * (ig_tempdir) and read back for each pass of the loading, so that a
 * shard's features are the whole history's, byte for byte. */
typedef struct ig_rank_shard {
	uint32_t index, count;
	const char *tmpdir;
} ig_rank_shard;
/* ig_rank_ctx_load for shard S (NULL: every user). */
ig_rank_ctx *ig_rank_ctx_load_shard(const ig_rank_inputs *in, const ig_rank_fopts *o, const ig_rank_shard *s);
/* 1 when USER is of the context's shard: its history is held. */
int ig_rank_ctx_serves(const ig_rank_ctx *c, const char *user, size_t len);
/* The history's users and events: held in memory, and in all. */
typedef struct ig_rank_history_stats {
	uint64_t users_held, users, events_held, events;
} ig_rank_history_stats;
void ig_rank_ctx_history_stats(const ig_rank_ctx *c, ig_rank_history_stats *st);
void ig_rank_ctx_free(ig_rank_ctx *c);
/* Declares the retrieval sources (s_NAME columns) of the candidates;
 * IN_CANDS is set when called (nsources may be 0). */
void ig_rank_ctx_set_sources(ig_rank_ctx *c, char *const *names, int n);
unsigned ig_rank_ctx_inputs(const ig_rank_ctx *c);
/* Feature names of this context, in the order of ig_rank_features. */
int ig_rank_nfeatures(const ig_rank_ctx *c);
const char *ig_rank_feature_name(const ig_rank_ctx *c, int i);
const ig_rank_fopts *ig_rank_ctx_fopts(const ig_rank_ctx *c);
/* Last history timestamp of USER, or -1 when the user has none. */
int64_t ig_rank_user_last_ts(const ig_rank_ctx *c, const char *user, size_t len);

/* One candidate as the features see it. */
typedef struct ig_rank_cand {
	const char *item;
	size_t item_len;
	double retrieval_score;
	int nsources;          /* sources that proposed it */
	const double *s;       /* per declared source, 0 when absent */
	double rank;           /* 1 + candidates of the user with a higher retrieval score */
	double rel;            /* retrieval score / the user's highest */
} ig_rank_cand;

/* RANK and REL of N candidates from their retrieval SCORES; REL rounded
 * to a float, the feature's precision, so that it reads back exactly
 * from the 9 digits a ranked stream carries it with. */
void ig_rank_relative(const double *scores, size_t n, double *rank, double *rel);

/* Per-thread scratch for one user at a time. */
typedef struct ig_rank_user ig_rank_user;
ig_rank_user *ig_rank_user_new(const ig_rank_ctx *c);
void ig_rank_user_free(ig_rank_user *u);
/* Prepares the user's state (history, authors, topics, neighbours) as of
 * NOW; a user without history is allowed. */
void ig_rank_user_prepare(ig_rank_user *u, const char *user, size_t len, int64_t now);
/* The same for scoring the N candidates ITEMS (item numbers,
 * ig_rank_item_number) alone: the neighbour sums are made for them only
 * (the history's neighbours that are not candidates skipped), which costs
 * the candidates and the history rather than cache misses in a table of
 * every item. The features of another item are then wrong until the next
 * prepare. */
void ig_rank_user_prepare_for(ig_rank_user *u, const char *user, size_t len, int64_t now, const uint32_t *items,
			      size_t n);
/* Moves the user's clock to NOW without recomputing the history state:
 * the context features (hour, day, ages) follow it. */
void ig_rank_user_set_now(ig_rank_user *u, int64_t now);
/* Writes the features of C (ig_rank_nfeatures values) into X. */
void ig_rank_features(ig_rank_user *u, const ig_rank_cand *c, float *x);
/* The features in two parts, for scoring that keeps what depends on the
 * item alone: PARTS (bit mask) says which of X's values must be right
 * (the others may be left as they were or overwritten), and NO_RETRIEVAL
 * leaves out the retrieval features (the first ig_rank_nretrieval) for a
 * model without them. IT is the item's number (ig_rank_item_number). */
enum { IG_RANK_F_ITEM = 1, IG_RANK_F_REST = 2, IG_RANK_F_NO_RETRIEVAL = 4 };
int ig_rank_nretrieval(const ig_rank_ctx *c);
void ig_rank_features_part(ig_rank_user *u, const ig_rank_cand *c, uint32_t it, unsigned parts, float *x);
/* The item's number in the context, IG_INTERN_NONE for an unknown item;
 * HASH is the item's ig_hash64. */
uint32_t ig_rank_item_number(const ig_rank_ctx *c, const char *item, size_t len, uint64_t hash);
/* The number of items the context knows: item numbers are below it. */
uint32_t ig_rank_item_count(const ig_rank_ctx *c);
/* Asks the caches for what the item's number (HASH: its ig_hash64) or
 * its features (item IT) read, STAGE 0, 1, 2 in turn, each once the one
 * before has come: a catalogue's tables are far bigger than the caches,
 * and asking for a user's candidates a stage at a time overlaps their
 * misses, where computing them one by one waits for each. */
void ig_rank_item_number_prefetch(const ig_rank_ctx *c, uint64_t hash, int stage);
void ig_rank_features_prefetch(const ig_rank_user *u, uint32_t it, int stage);
/* 1 when the feature NAME is a function of the item alone for a given
 * context (its popularity, rates, lifts, media, its author's rates): the
 * IG_RANK_F_ITEM part. */
int ig_rank_feature_item_only(const char *name);
/* 1 when it is a function of the user and the time alone (the user's
 * activity, hour, day): the same for all of a user's candidates. */
int ig_rank_feature_user_only(const char *name);

/* Examples: rows of features with labels, in memory. */
typedef struct ig_rank_examples {
	size_t n, cap;
	int nfeat, nhead;
	char **feat, **head;
	float *x;              /* n x nfeat */
	float *y;              /* n x nhead, in [0, 1] */
	uint64_t *user_hash;   /* per row */
	uint64_t *item_hash;
	char *fopts;           /* the ##features line */
	ig_header hdr;
	char **fields;      /* while reading: a row's fields (reachable if a bad row exits) */
} ig_rank_examples;

/* Reads an examples stream; exits 1 naming the file and line on a bad
 * header, a label that is not 0 or 1, a number that is not finite. */
ig_rank_examples *ig_rank_examples_read(const char *path);
void ig_rank_examples_free(ig_rank_examples *e);
/* Examples header: #ig:examples/1 user item ts y_HEAD... FEATURES... */
void ig_rank_examples_write_header(ig_writer *w, const ig_rank_ctx *c, const char *const *heads,
				   int nhead, const ig_header *upstream);
void ig_rank_examples_write_row(ig_writer *w, const char *user, const char *item, int64_t ts,
				const unsigned char *y, int nhead, const float *x, int nfeat);
void ig_rank_libsvm_write_row(ig_writer *w, int label, const float *x, int nfeat);

/* Models. */
enum { IG_RANK_LR = 1, IG_RANK_GBDT = 2 };
/* The trees' objective: log loss per row, or LambdaRank over each user's
 * rows (NDCG). */
enum { IG_RANK_OBJ_LOGISTIC, IG_RANK_OBJ_RANK };

typedef struct ig_rank_train_opts {
	int kind;
	int threads;
	uint64_t seed;
	int bag;               /* models averaged, trained from seeds seed .. seed + bag - 1 */
	double valid_share;    /* users held out for early stopping and calibration */
	int bins;
	/* gbdt */
	int trees, depth, patience;
	double eta, lambda, min_child, subsample;
	int objective;
	double linear_l2;      /* the linear part's L2 on standardised features; 0: none */
	int blind_trees;       /* trees of a head whose validation rows have one class only, */
	double tree_positives; /* or, with a linear part, fewer positives (or negatives) than this */
	/* lr */
	int hash_bits, epochs;
	double alpha, beta, l1, l2;
	int verbose;
} ig_rank_train_opts;

void ig_rank_train_opts_default(ig_rank_train_opts *o, int kind);

typedef struct ig_rank_model ig_rank_model;

typedef struct ig_rank_head_report {
	const char *head;
	size_t rows, positives;
	double auc, logloss, ece_raw, ece, iterations;
	int constant;          /* one class only: predicts the base rate */
} ig_rank_head_report;

/* Trains on E (SOFT, when not NULL, replaces the labels: distillation).
 * REPORT gets one entry per head, measured on the validation users. */
ig_rank_model *ig_rank_train(const ig_rank_examples *e, const float *soft, const ig_rank_train_opts *o,
			     const char *provenance, ig_rank_head_report *report);
void ig_rank_model_save(const ig_rank_model *m, const char *path);
/* Exits 1 with "FILE: ..." on anything wrong with the file. */
ig_rank_model *ig_rank_model_load(const char *path);
/* The same from a memory buffer (for the fuzz harness); NAME for messages. */
ig_rank_model *ig_rank_model_parse(const unsigned char *buf, size_t len, const char *name);
void ig_rank_model_free(ig_rank_model *m);
/* A deep copy of M. */
ig_rank_model *ig_rank_model_copy(const ig_rank_model *m);
/* The bag of N models trained on the same examples (the same features,
 * heads and bin edges; exits 1 otherwise): one model of their kind whose
 * calibrated logit of every head is the mean of the members' calibrated
 * logits. The members are left as they are. */
ig_rank_model *ig_rank_model_bag(const ig_rank_model *const *members, int n);
int ig_rank_model_kind(const ig_rank_model *m);
int ig_rank_model_nheads(const ig_rank_model *m);
const char *ig_rank_model_head(const ig_rank_model *m, int h);
int ig_rank_model_nfeatures(const ig_rank_model *m);
const char *ig_rank_model_feature(const ig_rank_model *m, int i);
const char *ig_rank_model_fopts(const ig_rank_model *m);
const char *ig_rank_model_provenance(const ig_rank_model *m);
/* Column of each model feature among NAMES (N of them); exits 1 naming
 * the first feature the run lacks, and WHAT gives the run's source. */
int *ig_rank_model_map(const ig_rank_model *m, char *const *names, int n, const char *what);
/* Calibrated probabilities of every head for the model's features X. */
void ig_rank_predict(const ig_rank_model *m, const float *x, uint64_t user_hash, uint64_t item_hash,
		     double *p);
/* First-stage scoring in parts, so that what depends on the item alone
 * is summed once per item, and what depends on the user alone once per
 * user. The model's features in the order it sums them: the NITEM of
 * ig_rank_feature_item_only, the NUSER of ig_rank_feature_user_only, the
 * others (NULL for a model that is not split: the trees). The item's
 * part (ig_rank_part_len floats) from the values XI of the first NITEM
 * features, in that order, and the item id; the user's from the values
 * XU of the next NUSER and the user id; then the probabilities from the
 * two parts and the values XR of the others: the same as
 * ig_rank_predict, to the bit. */
const int *ig_rank_model_score_order(const ig_rank_model *m, int *nitem, int *nuser);
size_t ig_rank_part_len(const ig_rank_model *m);
void ig_rank_item_part(const ig_rank_model *m, const float *xi, uint64_t item_hash, float *part);
void ig_rank_user_part(const ig_rank_model *m, const float *xu, uint64_t user_hash, float *part);
void ig_rank_predict_parts(const ig_rank_model *m, const float *xr, const float *item_part,
			   const float *user_part, double *p);
/* Per-feature contributions to head H's calibrated logit: nfeatures
 * values, then the user id's and the item id's (hashed linear models). */
void ig_rank_contrib(const ig_rank_model *m, int h, const float *x, uint64_t user_hash,
		     uint64_t item_hash, double *out);

/* Measures. */
double ig_rank_auc(const double *p, const float *y, size_t n);
double ig_rank_logloss(const double *p, const float *y, size_t n);
double ig_rank_ece(const double *p, const float *y, size_t n, int bins);
/* Platt scaling on logit(p): fits A, B of sigmoid(A*logit(p)+B). */
void ig_rank_platt_fit(const double *p, const float *y, size_t n, double *a, double *b);

/* The value model. */
enum { IG_VALUE_ADDITIVE, IG_VALUE_LOGLINEAR };
typedef struct ig_rank_value {
	int mode;
	int n;
	char name[IG_RANK_MAX_HEADS * 2][32];
	double w[IG_RANK_MAX_HEADS * 2];
} ig_rank_value;
#define IG_RANK_VALUE_DEFAULT "share=4,save=3,comment=2,follow=2,like=1,view=0.5,any=1,see_less=-4,hide=-10"
int ig_rank_value_parse(const char *spec, ig_rank_value *v, char *err, size_t errlen);
/* Weight of each of the NHEAD heads into W (0 for heads not named);
 * returns -1 and names the head in ERR when the spec names one the model
 * lacks and STRICT is set. */
int ig_rank_value_bind(const ig_rank_value *v, char *const *heads, int nhead, double *w, int strict,
		       char *err, size_t errlen);
double ig_rank_value_score(int mode, const double *w, const double *p, int nhead);
/* Re-scores the ranked stream PATH with V from its p_HEAD columns,
 * reorders each user and keeps KEEP rows (0: all); returns rows written. */
uint64_t ig_rank_value_stream(const char *path, ig_writer *w, const ig_rank_value *v, int keep);

/* Candidates (or a ranked stream: the output of an earlier stage) read
 * one user at a time; columns are found by name. */
typedef struct ig_rank_row {
	const char *item;
	size_t item_len;
	double retrieval_score;
	/* among the user's candidates as retrieval wrote them (not the rows
	 * of a later stage's input): ig_rank_cand's rank and rel */
	double retrieval_rank, retrieval_rel;
	int nsources;
	double *s;             /* per source column */
	const char *sources, *reason;
} ig_rank_row;

typedef struct ig_rank_group {
	const char *user;
	size_t user_len;
	ig_rank_row *rows;
	size_t n;
} ig_rank_group;

typedef struct ig_rank_cands ig_rank_cands;
ig_rank_cands *ig_rank_cands_open(const char *path);
/* 1 when the retrieval rank and relative score come from the stream's
 * retrieval_rank and retrieval_rel columns (a ranked stream of ig-rank
 * score), 0 when they are computed among each user's rows (candidates,
 * or a ranked stream without them). A ranked stream with one of the two
 * columns and not the other exits 1. */
int ig_rank_cands_carries_relative(const ig_rank_cands *r);
/* The source names (s_NAME columns, without "s_"). */
int ig_rank_cands_nsources(const ig_rank_cands *r);
char *const *ig_rank_cands_sources(const ig_rank_cands *r);
const ig_header *ig_rank_cands_header(const ig_rank_cands *r);
const char *ig_rank_cands_name(const ig_rank_cands *r);
/* The next user's rows, valid until the next call; 0 at the end. A user
 * seen again after another one exits 1 (records are grouped by user). */
int ig_rank_cands_next(ig_rank_cands *r, ig_rank_group *g);
/* Rows passed on so far (read, less those skipped). */
uint64_t ig_rank_cands_rows(const ig_rank_cands *r);
/* Passes on only the users of shard INDEX of COUNT (ig_shard_of; COUNT 0
 * or 1: all), skipping the others' rows. */
void ig_rank_cands_set_shard(ig_rank_cands *r, uint32_t index, uint32_t count);
/* Rows skipped so far as of other shards; their users into USERS. */
uint64_t ig_rank_cands_skipped(const ig_rank_cands *r, uint64_t *users);
void ig_rank_cands_close(ig_rank_cands *r);

/* Building examples. Heads are event type names, or "any": any event of
 * the types in ANY. */
typedef struct ig_rank_build_opts {
	char *const *heads;
	int nhead;
	unsigned any;
	int libsvm_head;       /* -1: TSV examples; else libsvm with this head's label */
	int64_t at;            /* context time for candidates; -1: the user's last history event + 1 */
	int fresh_sessions;    /* impressions: the user's side from the history and the user's
				* events of the stream before the impression's session */
} ig_rank_build_opts;

typedef struct ig_rank_build_stats {
	uint64_t rows, users, positives[IG_RANK_MAX_HEADS];
	uint64_t skipped_rows, skipped_users; /* impressions of users outside the context's shard */
} ig_rank_build_stats;

/* Rows are the candidates; labels the LABELS events of the same user and
 * item (any time in that stream; only the users of the context's shard
 * are held). */
void ig_rank_build_candidates(ig_rank_ctx *c, ig_rank_cands *in, const char *labels, ig_writer *w,
			      const ig_rank_build_opts *o, ig_rank_build_stats *st);
/* Rows are the impression events of EVENTS; each is labelled by the
 * user's events on that item after it, up to the next impression of it.
 * The impressions of users outside the context's shard are skipped.
 * The features are of the history up to the user's first impression; with
 * o->fresh_sessions, the user's features (not the item tables) are of the
 * history and the user's events of EVENTS later than the history's last,
 * up to the start of the impression's session (a gap of more than
 * IG_RANK_SESSION_GAP seconds from the event before, the first measured
 * from the history's last), as the features of a feed for the session
 * after the history are at serving. Events of items the context does not
 * know are left out (they neither count nor mark sessions). */
void ig_rank_build_impressions(ig_rank_ctx *c, const char *events, ig_writer *w, const ig_rank_build_opts *o,
			       ig_rank_build_stats *st);

/* Scoring a candidates stream into a ranked stream. */
typedef struct ig_rank_score_opts {
	int keep;              /* rows kept per user; 0: all */
	int explain;           /* contributions listed per row; 0: none */
	int threads;
	int64_t at;            /* context time; -1: the user's last history event + 1 */
	int value_mode;
	const double *value_w; /* per model head */
} ig_rank_score_opts;

typedef struct ig_rank_score_stats {
	uint64_t users, rows_in, rows_out;
	double seconds_scoring; /* the threads' CPU time of features and scoring, summed */
} ig_rank_score_stats;

void ig_rank_score_stream(const ig_rank_ctx *c, const ig_rank_model *m, ig_rank_cands *in, ig_writer *w,
			  const ig_rank_score_opts *o, ig_rank_score_stats *st);

/* The ranked stream's columns for a model's heads and the sources
 * carried: user item score p_HEAD... sources reason retrieval_score
 * retrieval_rank retrieval_rel s_NAME... [explain]. Returns the count;
 * free with ig_rank_cols_free. */
int ig_rank_ranked_cols(char *const *heads, int nhead, char *const *sources, int nsources, int explain,
			char ***cols);
void ig_rank_cols_free(char **cols, int n);
/* "p_HEAD", the column of a head's probability; free() it. */
char *ig_rank_head_col(const char *head);

#endif
