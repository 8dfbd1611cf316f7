/* ig-diversify: the last stage of the funnel. A ranked list per user
 * becomes a feed: authors spaced and discounted per repeat, media runs
 * bounded, topics mixed (MMR or greedy DPP), short- and long-term queues
 * blended, a share of slots explored, negative feedback obeyed, and every
 * row logged with its reason and its propensity (ig-formats(5), feed/1). */
#ifndef IG_DIVERSIFY_H
#define IG_DIVERSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "core/ig_rng.h"
#include "io/ig_items.h"
#include "io/ig_vectors.h"
#include "io/ig_writer.h"

enum ig_div_method { IG_DIV_MMR, IG_DIV_DPP };
enum ig_div_similarity { IG_DIV_SIM_TOPICS, IG_DIV_SIM_VECTORS };
/* Which explorable item an explored slot takes. */
enum ig_div_explore { IG_EXPLORE_UNIFORM, IG_EXPLORE_THOMPSON, IG_EXPLORE_UCB };

typedef struct ig_div_opts {
	uint32_t length;          /* feed length */
	int method;               /* enum ig_div_method */
	int similarity;           /* enum ig_div_similarity */
	double lambda;            /* weight of relevance against similarity, [0, 1] */
	int sim_sum;              /* MMR: summed similarity to the placed items, not the most */
	double sibling_sim;       /* topics: similarity of two topics of one parent */
	double band;              /* diversity swaps only within this relative relevance of the best; 0: off */
	uint32_t keep_top;        /* first slots by relevance alone, never explored */
	uint32_t author_window;   /* no author twice in this many consecutive rows; 0, 1: off */
	double author_decay;      /* per-repeat factor of an author's discount */
	double author_floor;      /* the discount never goes below this */
	uint32_t media_run;       /* longest run of one media type; 0: off */
	double media_share[IG_MEDIA_COUNT]; /* most share of rows per type; < 0: no limit */
	uint32_t topic_cap;       /* most rows sharing one topic; 0: off */
	double short_share;       /* share of slots from the short-term queue */
	double epsilon;           /* share of slots explored (in expectation) */
	int explore;              /* enum ig_div_explore */
	uint32_t explore_draws;   /* Monte Carlo draws of a Thompson propensity */
	uint32_t interests;       /* topics in a user's long-term profile */
	int64_t fresh_window;     /* seconds: an item this young is fresh; 0: off */
	int64_t session_gap;      /* seconds between events of one session */
	double see_less_half_life; /* seconds */
	double see_less_factor;   /* discount of one fresh see_less */
	uint32_t fatigue_after;   /* impressions without engagement before a discount; 0: off */
	double fatigue_factor;    /* discount per impression from then on */
	int keep_missing;         /* keep items absent from the items stream */
	int64_t now;              /* reference time; -1: each user's last event */
	uint64_t seed;
} ig_div_opts;

void ig_div_opts_default(ig_div_opts *o);

typedef double (*ig_div_dot_fn)(const float *x, const float *y, size_t n);
/* The dot product of rows padded to 8 floats, in the copy ig_isa_pick
 * chooses for this CPU (IG_KERNEL=portable: the portable one). */
ig_div_dot_fn ig_div_pick_dot(void);

/* What every user's reranking reads: items, the topics tree, vectors. */
typedef struct ig_div_ctx {
	const ig_items *items;
	uint32_t ntopics;          /* topics of items and tree, numbered by items->topics */
	uint32_t *topic_parent;    /* per topic, IG_INTERN_NONE for a root or unknown */
	float *unit;               /* per item: its vector scaled to length 1, or zeros,
				    * in rows of stride floats; row count: zeros; then
				    * the vectors of items absent from ITEMS */
	ig_intern *vec_only;       /* the names of those, numbered from 0 */
	uint32_t dim, stride;
	ig_div_dot_fn dot;         /* for this CPU (ig_isa) */
	int64_t latest_created;    /* newest item, the reference time without events */
	ig_div_opts opts;
} ig_div_ctx;

/* ITEMS (its topics table grows by the tree's topics), TOPICS and VECTORS
 * may each be NULL. */
ig_div_ctx *ig_div_ctx_new(ig_items *items, const char *topics_path, const ig_vectors *vectors,
			   const ig_div_opts *o);
void ig_div_ctx_free(ig_div_ctx *c);

/* Facts about one user from their events, sorted by (kind, key). */
enum ig_div_fact_kind {
	IG_FACT_BAN_AUTHOR,
	IG_FACT_BAN_ITEM,
	IG_FACT_SEE_LESS_AUTHOR, /* value: sum of 2^(-age / half-life) */
	IG_FACT_SEE_LESS_TOPIC,
	IG_FACT_LIKED_AUTHOR,    /* value: sum of 2^(-age / half-life) of engagements */
	IG_FACT_LIKED_TOPIC,
	IG_FACT_SEEN,            /* value: impressions without engagement */
	IG_FACT_INTEREST,        /* value: long-term weight of the topic */
	IG_FACT_SHORT_TOPIC,     /* a topic of the last session's engagements */
	IG_FACT_SEEN_TOPIC,      /* value: sum of 2^(-age / half-life) of impressions */
	IG_FACT_KINDS
};

typedef struct ig_div_fact {
	uint32_t kind, key;
	float value;
} ig_div_fact;

/* One event of the user, by item number. */
typedef struct ig_div_event {
	int64_t ts;
	uint32_t item;
	int type;
} ig_div_event;

/* Turns a user's events (time order) into facts; returns their count. The
 * caller frees *FACTS. *NOW gets the reference time. */
size_t ig_div_user_facts(const ig_div_ctx *c, const ig_div_event *ev, size_t n, ig_div_fact **facts,
			 int64_t *now);

/* One ranked candidate as read. */
typedef struct ig_div_input {
	uint32_t item;        /* item number, IG_INTERN_NONE when absent from items */
	uint32_t vec_only;    /* absent from items: 1 + its number in ctx vec_only, or 0 */
	double score;
} ig_div_input;

/* Rules that moved a row, as bits of ig_div_row.rules. */
enum {
	IG_RULE_AUTHOR_SPACING = 1 << 0,
	IG_RULE_AUTHOR_DECAY = 1 << 1,
	IG_RULE_MEDIA_RUN = 1 << 2,
	IG_RULE_TOPIC_CAP = 1 << 3,
	IG_RULE_DIVERSITY = 1 << 4, /* "mmr" or "dpp" */
	IG_RULE_SHORT_TERM = 1 << 5,
	IG_RULE_FATIGUE = 1 << 6,
	IG_RULE_SEE_LESS = 1 << 7,
	IG_RULE_RELAXED = 1 << 8,   /* every candidate broke a spacing rule */
	IG_RULE_MEDIA_MIX = 1 << 9
};
#define IG_RULE_COUNT 10
/* The name of rule bit number I, for the feed's reason. */
const char *ig_div_rule_name(int i, int method);

typedef struct ig_div_row {
	uint32_t input;       /* index into the user's candidates */
	uint32_t rules;
	uint32_t explore;     /* topic explored, IG_DIV_FRESH, or IG_INTERN_NONE */
	double propensity;
} ig_div_row;
#define IG_DIV_FRESH (IG_INTERN_NONE - 1)

typedef struct ig_div_counts {
	uint64_t users, rows, short_feeds, banned, explored, relaxed;
} ig_div_counts;

typedef struct ig_div_scratch ig_div_scratch;
ig_div_scratch *ig_div_scratch_new(void);
void ig_div_scratch_free(ig_div_scratch *s);

/* Reranks the N candidates IN (best first) of one user into at most
 * opts.length ROWS; returns the number written. FACTS (sorted) may be
 * empty; RNG is the user's own stream. */
size_t ig_div_select(const ig_div_ctx *c, const ig_div_input *in, size_t n, const ig_div_fact *facts,
		     size_t nfacts, int64_t now, ig_rng *rng, ig_div_scratch *s, ig_div_row *rows,
		     ig_div_counts *counts);

/* The factor of an author's item after REPEATS of theirs are placed:
 * (1 - floor) * decay^REPEATS + floor (1, 0.625, 0.4375 ... by default). */
double ig_div_author_discount(const ig_div_opts *o, uint32_t repeats);

/* The user's random stream: depends on the seed and the user id only. */
void ig_div_user_rng(ig_rng *r, uint64_t seed, const char *user, size_t len);

/* The whole tool: reads the ranked stream RANKED, optionally the events
 * stream EVENTS (sorted by user as the ranked stream), and writes feed/1. */
typedef struct ig_div_job {
	const char *ranked_path, *events_path;
	int threads;
	size_t batch_users;            /* users read at a time; 0: 1024 */
	void (*progress)(uint64_t users);
	ig_div_counts counts;
	uint64_t candidates, missing, missing_dropped;
} ig_div_job;

void ig_div_run(ig_div_job *job, const ig_div_ctx *c, ig_writer *w);

#endif
