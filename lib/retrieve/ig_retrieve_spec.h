/* The source language of ig-retrieve: a spec names retrieval sources, each
 * a chain of steps from the user to items, with a weight and a quota, and
 * the total number of candidates per user. The grammar is in
 * ig-retrieve(1):
 *
 *   cooccur: profile(100).cooccur(50) weight=1 quota=300
 *   account: profile.authors(20).similar(10).posted(5)
 *   pop(global) weight=0.2
 *   total=500
 *
 * Each step maps a weighted set of one kind of entity (the user, items,
 * accounts, topics) to another; the parser checks that the kinds chain
 * from the user to items. */
#ifndef IG_RETRIEVE_SPEC_H
#define IG_RETRIEVE_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_events.h"

enum ig_rkind { IG_RK_USER, IG_RK_ITEMS, IG_RK_ACCOUNTS, IG_RK_TOPICS };

enum ig_rop {
	IG_ROP_RECENT,   /* user -> items: the short-term queue */
	IG_ROP_PROFILE,  /* user -> items: the decayed long-term profile */
	IG_ROP_FOLLOWS,  /* user -> accounts the user follows */
	IG_ROP_POP,      /* user -> items (global, topic, cluster); topics -> items */
	IG_ROP_TRENDING, /* user -> items growing in popularity */
	IG_ROP_FRESH,    /* user or topics -> new items with little exposure */
	IG_ROP_COOCCUR,  /* items -> items, neighbors stream */
	IG_ROP_KNN,      /* items -> items, item vectors */
	IG_ROP_AUTHORS,  /* items -> accounts */
	IG_ROP_TOPICS,   /* items -> topics */
	IG_ROP_SIMILAR,  /* accounts -> accounts, account vectors or neighbors */
	IG_ROP_POSTED,   /* accounts -> items, their most recent */
	IG_ROP_EXPLORE,  /* topics -> parent and sibling topics */
	IG_ROP_TOWER,    /* user -> items nearest the user's vector (--user-vectors) */
	IG_ROP_USERS,    /* items -> items of the users most alike in what they engaged with */
	IG_ROP_COUNT
};

/* pop's scope and knn's query, from a bare word argument. */
enum ig_rmode {
	IG_RMODE_DEFAULT,
	IG_RMODE_GLOBAL,
	IG_RMODE_TOPIC,
	IG_RMODE_CLUSTER,
	IG_RMODE_USER,   /* knn: the user vector, the weighted mean of the seeds */
	IG_RMODE_PARENT, /* explore: parents only */
	IG_RMODE_SIBLING /* explore: siblings only */
};

typedef struct ig_rstep {
	int op;              /* enum ig_rop */
	int in, out;         /* enum ig_rkind */
	int line, col;       /* where it was written, 1-based */
	uint32_t count;      /* the step's number: entities kept, or per input */
	uint32_t keep;       /* n=: entities kept after the step (0: count's rule) */
	int mode;            /* enum ig_rmode */
	double half_life;    /* seconds; profile, posted, pop */
	double session;      /* recent: session gap in seconds, 0: the last N */
	int has_types;
	double types[IG_EV_COUNT]; /* recent, profile: event weights */
	double max_age;      /* fresh: seconds */
	uint32_t max_exposure; /* fresh */
} ig_rstep;

#define IG_RSPEC_MAX_STEPS 8
#define IG_RSPEC_MAX_SOURCES 32
#define IG_RSPEC_MAX_NAME 32

typedef struct ig_rsource {
	char name[IG_RSPEC_MAX_NAME];
	double weight;
	uint32_t quota;
	int nsteps;
	ig_rstep steps[IG_RSPEC_MAX_STEPS];
	int line, col;
	int needs_history;  /* starts from the user's events */
} ig_rsource;

/* How sources' lists are put on one scale before the weighted sum. */
enum ig_rmix {
	IG_RMIX_RANK,       /* by rank r (0 first): K / (K + r), K = IG_RMIX_RANK_K */
	IG_RMIX_SCORE       /* by score: the source's score over its best for the user */
};

/* Reciprocal rank fusion's constant (Cormack, Clarke and Buettcher 2009). */
#define IG_RMIX_RANK_K 60.0f

typedef struct ig_rspec {
	uint32_t total;     /* 0: not set */
	int mix;            /* enum ig_rmix */
	int nsources;
	ig_rsource src[IG_RSPEC_MAX_SOURCES];
} ig_rspec;

/* The spec used when none is given. */
extern const char ig_rspec_default[];

/* The name of step OP ("cooccur"), and the op named S (LEN bytes) or -1. */
const char *ig_rop_name(int op);

/* Parses TEXT (lines separated by newlines or ';'). ORIGIN names it in
 * messages. Returns 0, or -1 with ERR holding
 * "ORIGIN:LINE:COL: what is wrong", a newline, the line and a caret line
 * under the column. */
int ig_rspec_parse(ig_rspec *s, const char *text, const char *origin, char *err, size_t errlen);

#endif
