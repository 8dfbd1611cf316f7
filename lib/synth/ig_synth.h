/* ig-synth: a synthetic Instagram with known answers. A world (topic
 * tree, authors, items) is built first; users are then generated one at a
 * time, each from its own random stream, so memory does not grow with the
 * number of events and the bytes do not depend on the thread count. The
 * model is written out in man/ig-synth.1; the constants below are the
 * ones it states. */
#ifndef IG_SYNTH_H
#define IG_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/ig_cli.h"
#include "core/ig_rng.h"

/* ---- parameters ---- */

typedef struct ig_synth_params {
	uint64_t seed;
	uint32_t users;         /* --users */
	uint32_t items;         /* --items */
	uint32_t authors;       /* --authors; 0 = items / 10, at least 1 */
	uint32_t roots;         /* --topics: top-level topics */
	uint32_t subtopics;     /* --subtopics: leaves under each top-level topic */
	uint32_t days;          /* --days of sessions */
	int64_t start;          /* --start: first second of the session window */
	double sessions;        /* --sessions: mean sessions per user and day */
	double impressions;     /* --impressions: mean impressions per session */
	double follows;         /* --follows: mean initial follows per user */
	double explore;         /* --explore: share of impressions drawn at random */
} ig_synth_params;

void ig_synth_params_default(ig_synth_params *p);

/* The options that describe a world, shared by every command that
 * rebuilds one (ig-synth, ig-synth respond): long-only option values from
 * IG_OPT_FIRST_TOOL on; a command numbers its own from IG_SYN_OPT_END. */
enum {
	IG_SYN_OPT_USERS = IG_OPT_FIRST_TOOL,
	IG_SYN_OPT_ITEMS,
	IG_SYN_OPT_AUTHORS,
	IG_SYN_OPT_TOPICS,
	IG_SYN_OPT_SUBTOPICS,
	IG_SYN_OPT_DAYS,
	IG_SYN_OPT_START,
	IG_SYN_OPT_SESSIONS,
	IG_SYN_OPT_IMPRESSIONS,
	IG_SYN_OPT_FOLLOWS,
	IG_SYN_OPT_EXPLORE,
	IG_SYN_OPT_END
};
#define IG_SYNTH_WORLD_LONGOPTS                                           \
	{"users", required_argument, NULL, IG_SYN_OPT_USERS},             \
	{"items", required_argument, NULL, IG_SYN_OPT_ITEMS},             \
	{"authors", required_argument, NULL, IG_SYN_OPT_AUTHORS},         \
	{"topics", required_argument, NULL, IG_SYN_OPT_TOPICS},           \
	{"subtopics", required_argument, NULL, IG_SYN_OPT_SUBTOPICS},     \
	{"days", required_argument, NULL, IG_SYN_OPT_DAYS},               \
	{"start", required_argument, NULL, IG_SYN_OPT_START},             \
	{"sessions", required_argument, NULL, IG_SYN_OPT_SESSIONS},       \
	{"impressions", required_argument, NULL, IG_SYN_OPT_IMPRESSIONS}, \
	{"follows", required_argument, NULL, IG_SYN_OPT_FOLLOWS},         \
	{"explore", required_argument, NULL, IG_SYN_OPT_EXPLORE}
/* Applies world option OPT with argument ARG to P (exits 2 on a bad
 * value); returns 0 when OPT is not a world option. */
int ig_synth_params_option(ig_synth_params *p, int opt, const char *arg);
/* The world and activity options' help lines, with P's defaults. */
void ig_synth_params_help(FILE *fp);
/* Fills in derived defaults (authors); returns NULL or what is wrong. */
const char *ig_synth_params_check(ig_synth_params *p);

/* ---- the streams ig-synth writes ---- */

enum ig_synth_stream {
	IG_SYN_TOPICS,
	IG_SYN_ITEMS,
	IG_SYN_FOLLOWS,
	IG_SYN_EVENTS,
	IG_SYN_TRUTH_INTERESTS,
	IG_SYN_TRUTH_IMPRESSIONS,
	IG_SYN_TRUTH_USERS,
	IG_SYN_TRUTH_ITEMS,
	IG_SYN_NSTREAMS
};

/* Stream (and file) names: "events", "truth_interests", ... */
const char *ig_synth_stream_name(int s);
/* The stream named NAME, or -1. */
int ig_synth_stream_parse(const char *name);
/* The schema kind of stream S (an enum ig_stream of io/ig_schema.h). */
int ig_synth_stream_kind(int s);

/* ---- the engagement model ---- */

/* Impression sources of the logging policy. */
enum { IG_SYN_SRC_FOLLOW, IG_SYN_SRC_TOPIC, IG_SYN_SRC_EXPLORE, IG_SYN_NSRC };
const char *ig_synth_source_name(int src);

/* Heads, in the order of the coefficient table and truth_impressions. */
enum {
	IG_SYN_H_VIEW,     /* per impression */
	IG_SYN_H_LIKE,     /* given a view */
	IG_SYN_H_COMMENT,  /* given a view */
	IG_SYN_H_SHARE,    /* given a view */
	IG_SYN_H_SAVE,     /* given a view */
	IG_SYN_H_FOLLOW,   /* given a view, when not yet following */
	IG_SYN_H_SEE_LESS, /* given a skip */
	IG_SYN_H_HIDE,     /* given a skip, when not see_less */
	IG_SYN_H_REPORT,   /* given a skip, when neither see_less nor hide */
	IG_SYN_NHEADS
};

/* Features of one impression. */
enum {
	IG_SYN_X_BIAS,  /* 1 */
	IG_SYN_X_AFF,   /* affinity of the user's current interest to the item, [0, 1] */
	IG_SYN_X_POP,   /* author popularity, standard normal */
	IG_SYN_X_FOL,   /* 1 when the user follows the author */
	IG_SYN_X_MED,   /* the user's preference for the item's media type */
	IG_SYN_X_QUAL,  /* item quality */
	IG_SYN_X_USER,  /* the user's propensity to engage */
	IG_SYN_NX
};

/* logit P(head | condition) = sum_k coef[head][k] * x[k]. */
extern const double ig_synth_coef[IG_SYN_NHEADS][IG_SYN_NX];

double ig_synth_logistic(double z);

typedef struct ig_synth_probs {
	double cond[IG_SYN_NHEADS];     /* conditional on view (or skip) */
	double marginal[IG_SYN_NHEADS]; /* per impression */
} ig_synth_probs;

/* Probabilities of every head for feature vector X. FOLLOWING nonzero
 * makes the follow head 0. The negative heads share one draw after a
 * skip, so their conditional probabilities are capped to sum to at most 1:
 * cond[hide] <= 1 - cond[see_less], cond[report] <= 1 - both. */
void ig_synth_probs_eval(const double x[IG_SYN_NX], int following, ig_synth_probs *p);
/* The same in two steps, so that a generator can skip the negative heads
 * (see_less, hide, report) when it needs neither them nor their truth:
 * the view and the heads given a view, then the heads given a skip. */
void ig_synth_probs_positive(const double x[IG_SYN_NX], int following, ig_synth_probs *p);
void ig_synth_probs_negative(const double x[IG_SYN_NX], ig_synth_probs *p);

/* Affinity of an item with topics TOPICS (leaf numbers, N of them, the
 * first weighted 2/3 when there are two) to smoothed interest PHI_S whose
 * largest entry is PHI_MAX: sum_t tau_t * phi_s[t] / phi_max. */
double ig_synth_affinity(const double *phi_s, double phi_max, const uint32_t *topics, int n);

/* Affinity as above with each topic's weight multiplied by the user's
 * fatigue multiplier MULT[k] for TOPICS[k]. */
double ig_synth_affinity_fatigued(const double *phi_s, double phi_max, const uint32_t *topics,
				  const double *mult, int n);

/* Negative feedback with memory. A see_less, hide or report on an item
 * raises the user's fatigue F_t on each topic t of the item:
 *   F_t <- 1 - (1 - F_t) (1 - IG_SYN_FATIGUE_DEPTH tau_t)
 * (after decaying F_t to the time of the event), and F_t decays back to 0
 * with a half-life of IG_SYN_FATIGUE_HALF_LIFE days. The multiplier
 * m_t = 1 - F_t scales topic t in the impression mix and in the
 * affinity. */
#define IG_SYN_FATIGUE_DEPTH 0.8
#define IG_SYN_FATIGUE_HALF_LIFE 2.0
/* Fatigue LEVEL, set DT seconds ago, now: LEVEL * 2^(-DT / (86400 H)). */
double ig_synth_fatigue_decay(double level, int64_t dt);
/* Fatigue after one more negative event on a topic of weight TAU. */
double ig_synth_fatigue_add(double level, double tau);
/* Probability that a candidate item with topic multipliers MULT (N of
 * them, weights 1, or 2/3 and 1/3) is kept: sum_k tau_k MULT[k]. */
double ig_synth_keep_prob(const double *mult, int n);
/* Candidates drawn for one impression at most; when none is kept the
 * session ends. */
#define IG_SYN_CANDIDATES 16

/* Smooths interest PHI over the topic tree: phi_s[t] = (1 - ETA) phi[t] +
 * ETA * (sum of phi over t's siblings and t) / SUBTOPICS. Returns the
 * largest entry of PHI_S. */
#define IG_SYN_ETA 0.2
double ig_synth_smooth(const double *phi, uint32_t roots, uint32_t subtopics, double *phi_s);

/* ---- the world ---- */

typedef struct ig_synth_world {
	ig_synth_params p;
	uint32_t nleaves;        /* roots * subtopics; leaf t is under root t / subtopics */
	double *root_pop;        /* per root, sums to 1 */
	/* authors */
	double *author_pop;      /* standard normal popularity z */
	uint32_t *author_topic;  /* main leaf topic */
	uint32_t *author_topic2; /* a sibling leaf, or UINT32_MAX */
	double (*author_media)[4]; /* media habit, sums to 1 */
	double *author_cum;      /* cumulative exp(z): follows by popularity */
	double *author_post_cum; /* cumulative exp(z / 2): who posts each item */
	uint32_t *topic_author_start; /* authors of main leaf t: topic_author[start[t] .. start[t+1]) */
	uint32_t *topic_author;
	double *topic_author_cum;     /* cumulative exp(z) within each leaf's list */
	/* items, numbered in creation order */
	int64_t *created;
	uint32_t *item_author;
	uint8_t *item_media;
	uint8_t *item_ntopics;   /* 1 or 2 */
	uint32_t (*item_topics)[2];
	double *item_quality;
	uint32_t *topic_item_start;   /* items with leaf t, in creation order */
	uint32_t *topic_item;
	uint32_t *author_item_start;  /* items of author a, in creation order */
	uint32_t *author_item;
	/* id widths */
	int user_width, item_width, author_width, root_width, sub_width;
} ig_synth_world;

ig_synth_world *ig_synth_world_build(const ig_synth_params *p);
void ig_synth_world_free(ig_synth_world *w);
/* Bytes held by the world. */
size_t ig_synth_world_memory(const ig_synth_world *w);

/* First index K in CUM[0..N) with CUM[K] > U * CUM[N-1]: a draw from the
 * distribution whose running sums are CUM. */
uint32_t ig_synth_pick_cum(const double *cum, uint32_t n, double u);
/* Number of items in SORTED (N item numbers in creation order) created at
 * or before TS. */
uint32_t ig_synth_available(const ig_synth_world *w, const uint32_t *sorted, uint32_t n, int64_t ts);

/* ---- text output ---- */

typedef struct ig_synth_buf {
	char *p;
	size_t len, cap;
} ig_synth_buf;

void ig_synth_buf_reserve(ig_synth_buf *b, size_t more);
void ig_synth_buf_put(ig_synth_buf *b, const char *s, size_t n);
void ig_synth_buf_putc(ig_synth_buf *b, char c);
void ig_synth_buf_puts(ig_synth_buf *b, const char *s);
void ig_synth_buf_u64(ig_synth_buf *b, uint64_t v);
void ig_synth_buf_i64(ig_synth_buf *b, int64_t v);
/* PREFIX then V zero-padded to WIDTH digits: "u0000042". */
void ig_synth_buf_id(ig_synth_buf *b, char prefix, uint64_t v, int width);
/* V in [0, 1] with exactly 6 decimals: "0.012345". */
void ig_synth_buf_prob(ig_synth_buf *b, double v);
/* Shortest "%.6g". */
void ig_synth_buf_double(ig_synth_buf *b, double v);
void ig_synth_buf_free(ig_synth_buf *b);

/* Ids: topics "t03" (root) and "t03.02" (leaf), 1-based. */
void ig_synth_put_topic(ig_synth_buf *b, const ig_synth_world *w, uint32_t leaf_or_root, int is_root);
void ig_synth_put_user(ig_synth_buf *b, const ig_synth_world *w, uint32_t u);
void ig_synth_put_item(ig_synth_buf *b, const ig_synth_world *w, uint32_t i);
void ig_synth_put_author(ig_synth_buf *b, const ig_synth_world *w, uint32_t a);

/* World-level streams (topics, items, truth_items), records only (no
 * header), rows [FROM, TO) of the stream, so callers can flush as they go. */
void ig_synth_world_rows(const ig_synth_world *w, int stream, uint32_t from, uint32_t to, ig_synth_buf *b);
/* Number of rows of a world-level stream. */
uint32_t ig_synth_world_nrows(const ig_synth_world *w, int stream);

/* ---- users ---- */

typedef struct ig_synth_stats {
	uint64_t users;
	uint64_t events;
	uint64_t by_type[16];   /* indexed by ig_event_type */
	uint64_t impressions;
	uint64_t sessions;
	uint64_t follows;       /* rows of the follows stream */
} ig_synth_stats;

void ig_synth_stats_add(ig_synth_stats *into, const ig_synth_stats *s);

/* Output of a run of users: one buffer per per-user stream; a stream
 * whose WANT is 0 is not formatted. */
typedef struct ig_synth_out {
	int want[IG_SYN_NSTREAMS];
	ig_synth_buf buf[IG_SYN_NSTREAMS];
	ig_synth_stats stats;
} ig_synth_out;

/* Long-term interest of user U over leaves (sums to 1, zeros below
 * IG_SYN_MIN_INTEREST except the largest), drawn from RNG. */
#define IG_SYN_MIN_INTEREST 0.02
void ig_synth_user_interest(const ig_synth_world *w, ig_rng *rng, double *theta);

/* User U draws from ig_rng_seed_stream(seed, IG_SYN_USER_STREAM + U). */
#define IG_SYN_USER_STREAM 16

/* Scratch space for one generator; one per thread. */
typedef struct ig_synth_gen ig_synth_gen;
ig_synth_gen *ig_synth_gen_new(const ig_synth_world *w);
void ig_synth_gen_free(ig_synth_gen *g);
/* Appends everything about user U (0-based) to OUT. */
void ig_synth_gen_user(ig_synth_gen *g, uint32_t u, ig_synth_out *out);

#endif
