/* ig-eval compare: the paired difference A - B of two systems, per
 * metric, from their per-user metrics streams (ig-eval metrics --by-user)
 * joined on user: the mean difference, its Poisson-bootstrap interval
 * over users, and the two-sided p-value of the paired t-test. */
#ifndef IG_EVAL_COMPARE_H
#define IG_EVAL_COMPARE_H

#include <stdint.h>

#include "ig_writer.h"

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

void ig_eval_compare(const char *a, const char *b, int nrep, uint64_t seed, double level,
		     ig_eval_cmp *out);
void ig_eval_cmp_free(ig_eval_cmp *c);

/* "#ig:compare/1  metric k mean_a mean_b diff ci_low ci_high p_value
 * significant users" (significant: "yes" when p_value < ALPHA). */
void ig_eval_cmp_write_tsv(const ig_eval_cmp *c, double alpha, ig_writer *w);
void ig_eval_cmp_write_text(const ig_eval_cmp *c, double alpha, ig_writer *w);

#endif
