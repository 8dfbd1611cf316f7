/* lib/insights internals: the counters of one entity in one window, the
 * per-level tables, and the ranked rows. */
#ifndef IG_INSIGHTS_PRIV_H
#define IG_INSIGHTS_PRIV_H

#include "core/ig_intern.h"
#include "insights/ig_insights.h"

enum { IG_INS_CUR, IG_INS_PREV, IG_INS_WINDOWS };

/* One entity in one window. Counts are 32 bits: the reader refuses a
 * stream of 2^32 events or more, so none can overflow. */
typedef struct ig_ins_counts {
	uint32_t stamp;        /* number of the last user that touched it (from 1) */
	uint32_t seen;         /* bit per event type that user had on it */
	uint32_t reach;        /* distinct users with any event */
	uint32_t impressions;  /* impression events */
	uint32_t views;        /* view events */
	uint32_t dwell_n;      /* views with a value */
	uint32_t users[IG_EV_COUNT]; /* distinct users with an event of the type */
	uint32_t engaged;      /* like, comment, share and save events */
	uint32_t engaged_nonfollower; /* those by a user not following the author then */
	double dwell_mean;     /* a running mean: a sum of large values overflowed */
} ig_ins_counts;

#define IG_INS_ENTITY_BYTES (IG_INS_WINDOWS * sizeof(ig_ins_counts))

typedef struct ig_ins_table {
	ig_ins_counts *c;      /* [entity * IG_INS_WINDOWS + window] */
	size_t n, cap;         /* entities with counters; room */
	uint32_t *order;       /* ranked rows: entities with reach >= min_reach */
	size_t nrows;
} ig_ins_table;

/* A user's follows as (author, since), sorted by author: since is the
 * earliest ts of the author's edges (-1: an edge without a ts). */
typedef struct ig_ins_follow {
	uint32_t author;
	int64_t since;
} ig_ins_follow;

struct ig_insights {
	ig_ins_opts o;
	const ig_items *items;
	const ig_follows *follows;
	ig_intern *own_ids;     /* item ids as the events give them: the item level's numbers */
	uint32_t *item_no;      /* own number -> items-stream number (IG_INTERN_NONE: unlisted) */
	size_t item_no_n, item_no_cap;
	uint32_t last_item;     /* own number of the last event's item */
	int want[IG_INS_LEVELS];
	ig_ins_table t[IG_INS_LEVELS];
	int64_t prev_start;
	/* the current user */
	char *user;
	size_t user_len, user_cap;
	uint32_t user_no;
	ig_ins_follow *fol;
	size_t nfol, fol_cap;
	ig_ins_stats st;
};

/* The counters of ENTITY of LEVEL in WINDOW (grown as needed). */
ig_ins_counts *ig_ins_counts_at(ig_insights *s, int level, uint32_t entity, int window);
/* Whether the current user followed AUTHOR before TS. */
int ig_ins_follows_at(const ig_insights *s, uint32_t author, int64_t ts);
/* The id of ENTITY of LEVEL. */
const char *ig_ins_key(const ig_insights *s, int level, uint32_t entity);
/* Rate X / N, NaN when N is 0. */
double ig_ins_rate(uint64_t x, uint64_t n);

#endif
