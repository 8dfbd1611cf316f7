/* ig-eval compare: the paired difference A - B of two systems, per
 * metric, from their per-user metrics streams (ig-eval metrics --by-user)
 * joined on user: the mean difference, its Poisson-bootstrap interval
 * over users, and the two-sided p-value of the paired t-test. */
#ifndef IG_EVAL_COMPARE_H
#define IG_EVAL_COMPARE_H

#include <stdint.h>

#include "eval/ig_eval_score.h"
#include "io/ig_writer.h"

typedef struct ig_eval_cmp_row {
	char metric[80];
	int k;                 /* 0: no cutoff */
	double mean_a, mean_b, diff, ci_low, ci_high, p_value;
	uint64_t users;
} ig_eval_cmp_row;

typedef struct ig_eval_cmp {
	ig_eval_cmp_row *rows;
	int n;
	uint64_t common, only_a, only_b;
} ig_eval_cmp;

/* Nonzero when PATH starts with a user-metrics header; zero for anything
 * else (another kind, a headerless list, an empty file), which compare
 * scores as recommendations first. Opens PATH and reads its first line:
 * not for stdin. */
int ig_eval_cmp_is_user_metrics(const char *path);

/* Per-user metrics held in memory. */
typedef struct ig_eval_user_metrics ig_eval_user_metrics;

/* Scores the recommendation stream O->recs exactly as "ig-eval metrics
 * --by-user" does (O's by_user and bootstrap are ignored), keeping the
 * per-user rows in memory with each value as that command prints it (6
 * significant digits), so that comparing two gives, to the last digit,
 * the result of the two commands run one after the other. Memory: per
 * evaluated user, its id and 8 bytes per column. */
ig_eval_user_metrics *ig_eval_cmp_score_recs(const ig_eval_score_opts *o, ig_eval_score_stats *st);
void ig_eval_user_metrics_free(ig_eval_user_metrics *m);

/* Compares two user-metrics streams A and B (paths). */
void ig_eval_compare(const char *a, const char *b, int nrep, uint64_t seed, double level,
		     ig_eval_cmp *out);
/* The same for two systems scored in memory. */
void ig_eval_compare_mem(const ig_eval_user_metrics *a, const ig_eval_user_metrics *b, int nrep,
			 uint64_t seed, double level, ig_eval_cmp *out);
void ig_eval_cmp_free(ig_eval_cmp *c);

/* "#ig:compare/1  metric k mean_a mean_b diff ci_low ci_high p_value
 * significant users" (significant: "yes" when p_value < ALPHA). */
void ig_eval_cmp_write_tsv(const ig_eval_cmp *c, double alpha, ig_writer *w);
void ig_eval_cmp_write_text(const ig_eval_cmp *c, double alpha, ig_writer *w);

#endif
