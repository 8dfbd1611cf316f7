/* ig-eval baseline: reference recommenders fitted on a train events
 * stream, written as a candidates stream (user item sources score, the
 * source being the baseline's name), best first per user, users in
 * bytewise order, items the user has any train event with left out.
 *
 *   pop      most popular items: distinct train users with a positive
 *            event ("TopPop", Cremonesi, Koren & Turrin, RecSys 2010)
 *   random   items drawn uniformly from the train items, without repeats
 *   itemknn  item-based kNN on the binary user x item matrix of positive
 *            events, cosine similarity (Sarwar, Karypis, Konstan & Riedl,
 *            WWW 2001), top-N by the sum of similarities over the user's
 *            items restricted to each item's k nearest neighbours
 *            (Deshpande & Karypis, ACM TOIS 22(1), 2004)
 *
 * Memory: the train matrix (about 8 bytes per distinct user-item pair);
 * itemknn adds 24 bytes per pair while lib/cooccur computes the
 * similarities, and k neighbours per item. */
#ifndef IG_EVAL_BASELINE_H
#define IG_EVAL_BASELINE_H

#include <stdint.h>

#include "io/ig_writer.h"

enum ig_baseline { IG_BASELINE_POP, IG_BASELINE_RANDOM, IG_BASELINE_ITEMKNN };

/* "pop", "random" or "itemknn"; -1 otherwise. */
int ig_baseline_parse(const char *s);
const char *ig_baseline_name(int b);

typedef struct ig_baseline_opts {
	int method;
	const char *train;
	const char *users;      /* events stream whose users get lists; NULL: every train user */
	int64_t n;              /* list length */
	int64_t neighbors;      /* itemknn: k */
	unsigned positives;     /* event types that are interactions */
	uint64_t seed;
} ig_baseline_opts;

void ig_baseline_opts_default(ig_baseline_opts *o);

typedef struct ig_baseline_stats {
	uint64_t train_events, train_users, items, users, records, empty;
} ig_baseline_stats;

void ig_baseline_run(const ig_baseline_opts *o, ig_writer *w, ig_baseline_stats *st);

#endif
