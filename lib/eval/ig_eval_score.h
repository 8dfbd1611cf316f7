/* ig-eval metrics: scores a recommendation stream against a test events
 * stream, joining them user by user (both sorted by user, bytewise), with
 * the train stream for seen items and popularity, an items stream for
 * catalog, authors and topics, and word2vec vectors for embedding
 * diversity. Memory: per-item counters (about 8 bytes x cutoffs per item
 * of the catalog), one user's lists, and the bootstrap's replicates x
 * statistics accumulators; not the number of users. */
#ifndef IG_EVAL_SCORE_H
#define IG_EVAL_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "eval/ig_eval_io.h"
#include "eval/ig_eval_metrics.h"
#include "eval/ig_eval_report.h"
#include "io/ig_events.h"
#include "io/ig_writer.h"

typedef struct ig_eval_score_opts {
	const char *recs;      /* the recommendation stream */
	const char *test;      /* events: held-out engagement */
	const char *train;     /* events, or NULL: no seen-item exclusion, no novelty */
	const char *items;     /* items stream, or NULL */
	const char *vectors;   /* word2vec vectors, or NULL */
	int k[IG_EVAL_MAX_K];
	int nk;
	unsigned positives;    /* event types that are relevant in test */
	double weights[IG_EV_COUNT]; /* grades for ndcg_graded */
	int grade_by_value;    /* grade = the event's value instead */
	int keep_seen;         /* items seen in train may earn credit */
	int sort;              /* sort the recommendations by user first */
	uint64_t memory;
	const char *tmpdir;
	int bootstrap;         /* replicates; 0: no intervals */
	uint64_t seed;
	double level;          /* of the intervals, e.g. 0.95 */
	ig_writer *by_user;    /* per-user rows, or NULL */
	/* Called with each per-user row, or NULL: the N values after "user"
	 * (ig_eval_scorer_columns), NaN where the field would be empty. */
	void (*user_row)(void *arg, const char *user, size_t user_len, const double *v, int n);
	void *user_arg;
	void (*progress)(uint64_t users); /* called now and then, or NULL */
} ig_eval_score_opts;

void ig_eval_score_opts_default(ig_eval_score_opts *o);

typedef struct ig_eval_score_stats {
	uint64_t users_evaluated, users_skipped, users_no_list;
	uint64_t rec_records, test_events, train_events;
	/* test events of each type, and those of a positive type not
	 * counted because the user had the item in --train */
	uint64_t test_types[32], test_positives_seen;
} ig_eval_score_stats;

/* Runs the evaluation of the stream O->recs; fills TABLE (see ig-eval(1)
 * for its rows). */
void ig_eval_score(const ig_eval_score_opts *o, ig_eval_table *table, ig_eval_score_stats *st);

/* The same over lists held in memory (a recommender scored as it runs,
 * without writing its lists): create a scorer with O (O->recs unused; O
 * must outlive it), number each list's items in ig_eval_scorer_items,
 * give the lists user by user in bytewise order of user, then finish.
 * The result is the one ig_eval_score gives for a stream of those lists. */
typedef struct ig_eval_scorer ig_eval_scorer;

ig_eval_scorer *ig_eval_scorer_new(const ig_eval_score_opts *o);
/* The item table that ig_eval_rec.item numbers refer to. */
ig_intern *ig_eval_scorer_items(ig_eval_scorer *e);
/* Names of the sources, numbered as the bits of ig_eval_rec.sources
 * (may be NULL: no source_share rows); read at finish. */
void ig_eval_scorer_sources(ig_eval_scorer *e, const ig_intern *names);
/* Scores USER's list RECS (N, in list order; rank and line unused). */
void ig_eval_scorer_user(ig_eval_scorer *e, const char *user, size_t user_len, const ig_eval_rec *recs,
			 size_t n);
/* Scores the test users not given, and fills TABLE and ST (rec_records
 * is the caller's to count). */
void ig_eval_scorer_finish(ig_eval_scorer *e, ig_eval_table *table, ig_eval_score_stats *st);
void ig_eval_scorer_free(ig_eval_scorer *e);
/* Scores the stream O->recs with E (what ig_eval_score does). */
void ig_eval_scorer_run(ig_eval_scorer *e, ig_eval_table *table, ig_eval_score_stats *st);
/* The per-user columns, "user" first; returns their number. Free each
 * name and the array. */
int ig_eval_scorer_columns(ig_eval_scorer *e, char ***cols);

#endif
