/* Creator and item insights: per item, author, topic and media type, over
 * a time window of an events stream, the reach (distinct users), the
 * engagement per reach with Wilson intervals, the share of engagement
 * from non-followers of the author, the follows gained and the trend
 * against the previous window of equal length; ranked by shares per
 * reach (the lower Wilson bound), small samples held back by a minimum
 * reach.
 *
 * One pass over events sorted by user, then ts: a user's events come
 * together, so a (user, entity) pair is counted once per window by
 * stamping each entity with the last user that touched it, with no table
 * of pairs. Memory: IG_INS_ENTITY_BYTES per item, author and topic (the
 * counters of both windows), plus the ids; none per user or event. */
#ifndef IG_INSIGHTS_H
#define IG_INSIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_events.h"
#include "io/ig_follows.h"
#include "io/ig_items.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"

enum ig_ins_level { IG_INS_ITEM, IG_INS_AUTHOR, IG_INS_TOPIC, IG_INS_MEDIA, IG_INS_LEVELS };

/* "item", "author", "topic", "media"; -1 for another name. */
int ig_ins_level_parse(const char *s);
const char *ig_ins_level_name(int level);
/* A comma list of levels into LEVELS (in the order given, no repeats);
 * returns how many, or -1 on an unknown or repeated name. */
int ig_ins_levels_parse(const char *spec, int levels[IG_INS_LEVELS]);

/* The Wilson score interval of X successes in N trials at the normal
 * quantile Z (1.959963984540054 for 95%): NaN bounds when N is 0. */
void ig_wilson(uint64_t x, uint64_t n, double z, double *lo, double *hi);
#define IG_WILSON_Z95 1.959963984540054

/* Spearman's rank correlation of N pairs (ties get their mean rank);
 * NaN when N < 2 or a side is constant. */
double ig_spearman(const double *x, const double *y, size_t n);

typedef struct ig_ins_opts {
	int levels[IG_INS_LEVELS];
	int nlevels;
	int64_t start, end;   /* the window [start, end) */
	int trend;            /* count the previous window [2 start - end, start) too */
	uint64_t min_reach;   /* rows of smaller reach are not written */
	uint64_t top;         /* rows per level; 0: all */
	uint64_t memory;      /* bytes for the counters; more is an error */
} ig_ins_opts;

#define IG_INS_DEFAULT_MIN_REACH 50

void ig_ins_opts_default(ig_ins_opts *o);

typedef struct ig_insights ig_insights;

/* ITEMS (may be NULL: then only the item level) and FOLLOWS (may be NULL:
 * no non-follower share; needs ITEMS, whose authors table it must have
 * been loaded into) stay the caller's and must outlive the result. */
ig_insights *ig_ins_new(const ig_ins_opts *o, const ig_items *items, const ig_follows *follows);
void ig_ins_free(ig_insights *s);

/* Counts one event, as ig_events_next gives them (sorted by user, then
 * ts: a user's events must come together). Exits 1 past 2^32 - 1 events
 * or when the counters would need more than the memory option allows. */
void ig_ins_add(ig_insights *s, const ig_event *ev);

/* Ranks each level's entities; call once, after the counting. */
void ig_ins_rank(ig_insights *s);
/* The insights stream: header (with UPSTREAM's provenance), then each
 * level's rows, best first. */
void ig_ins_write_tsv(const ig_insights *s, ig_writer *w, const ig_header *upstream);
/* The same rows as aligned text for a terminal (a subset of columns). */
void ig_ins_write_table(const ig_insights *s, ig_writer *w);

/* Spearman's correlation, over the written rows of LEVEL (item or
 * author), between the share rate and the truth_items stream's quality
 * (item) or author_popularity (author); *N gets the number of rows
 * paired. Exits 1 on a bad truth stream. */
double ig_ins_truth_spearman(const ig_insights *s, const char *truth_path, int level, size_t *n);

typedef struct ig_ins_stats {
	uint64_t events, users;
	uint64_t in_window, in_previous; /* events counted in each window */
	uint64_t unknown_items;          /* events of items not in ITEMS */
	uint64_t entities[IG_INS_LEVELS];
	uint64_t written[IG_INS_LEVELS];
	uint64_t below_min_reach[IG_INS_LEVELS];
} ig_ins_stats;

const ig_ins_stats *ig_ins_stats_of(const ig_insights *s);

#endif
