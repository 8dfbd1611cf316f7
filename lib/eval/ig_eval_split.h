/* ig-eval split: an events stream into train and test (and, inside
 * train, fit and valid) by time, either at one global time or per user
 * (the last N or X% of each user's events). Streams user by
 * user: memory is one user's events, plus 8 bytes per event when a cut is
 * given as a fraction (the timestamps, to find the quantile). */
#ifndef IG_EVAL_SPLIT_H
#define IG_EVAL_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_events.h"
#include "io/ig_writer.h"

enum ig_split_mode {
	IG_SPLIT_NONE,
	IG_SPLIT_AT,        /* ts < at: train; ts >= at: test */
	IG_SPLIT_FRACTION,  /* at = the timestamp at that quantile of all events */
	IG_SPLIT_LAST,      /* the last N counted events of each user */
	IG_SPLIT_PERCENT    /* the last X% (rounded half up) of each user's counted events */
};

typedef struct ig_split_cut {
	int mode;
	int64_t at;
	double fraction;
	int64_t last;
	double percent;
} ig_split_cut;

/* Parses "N" or "X%" into a per-user cut. Returns 0 or -1. */
int ig_split_parse_holdout(const char *s, ig_split_cut *cut);

typedef struct ig_split_opts {
	const char *input;
	const char *prefix;       /* PREFIX.train.tsv[.gz] ... */
	int compress, level;
	ig_split_cut test, valid; /* valid.mode NONE: no fit/valid files */
	unsigned positives;       /* event types held out */
	unsigned counted;         /* event types per-user cuts count [all] */
	int test_all;             /* keep every type after the cut, not only positives */
	int strict_time;          /* per-user cuts move back over events of the cut's ts */
	int shuffle_ties;         /* events of one user and second in a seeded random order */
	uint64_t seed;            /* of shuffle_ties */
	int64_t min_events;       /* per-user cuts: counted events a user needs to be held out */
	int64_t min_train;        /* positives that must stay before the cut */
	const char *tmpdir;
	const ig_prov *prov;      /* the "##pg" line of the files' headers, or NULL */
	void (*progress)(uint64_t users); /* called now and then, or NULL */
} ig_split_opts;

void ig_split_opts_default(ig_split_opts *o);

typedef struct ig_split_stats {
	uint64_t events, users;
	uint64_t train, test, fit, valid, dropped;
	uint64_t test_users, valid_users;
	uint64_t positives;       /* input events of a positive type */
	uint64_t cut_users;       /* per-user cuts: users with events on both sides of the test cut */
	uint64_t untimed_users;   /* of those, users whose events all share one timestamp */
	int64_t at, valid_at;     /* the global cut times used (fraction modes) */
} ig_split_stats;

/* Index, in a user's N events, where the held-out part starts, for a
 * per-user CUT over the events with COUNTED[i] set: the first of the last
 * h of them. N (no hold-out) when fewer than MIN_EVENTS are counted, when
 * h rounds to 0, or when fewer than MIN_TRAIN positives (POSITIVE[i])
 * would stay before the cut. */
size_t ig_split_user_cut(const ig_split_cut *cut, const unsigned char *counted,
			 const unsigned char *positive, size_t n, int64_t min_events, int64_t min_train);

/* Puts each run of G's events that share a timestamp in a random order,
 * the same for one SEED and input: data without time (play counts, all at
 * ts 0) keep the order of the file, often sorted by item, which a
 * per-user cut would turn into a hold-out of the highest item ids. */
void ig_split_shuffle_ties(ig_user_group *g, uint64_t seed);

void ig_split_run(const ig_split_opts *o, ig_split_stats *st);

#endif
