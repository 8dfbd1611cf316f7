/* ig-eval's results: the Poisson bootstrap over users that gives the
 * confidence intervals, and the metrics table written as a TSV stream
 * ("#ig:metrics/1  metric k value ci_low ci_high users") or, for a
 * terminal, as aligned text. */
#ifndef IG_EVAL_REPORT_H
#define IG_EVAL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_rng.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"


/* Means over users with bootstrap intervals. Every user draws one weight
 * per replicate from Poisson(1) (the Poisson bootstrap, Hanley &
 * MacGibbon 2006), shared by all statistics, so that replicate b of every
 * mean resamples the same users; memory is O(replicates x statistics),
 * whatever the number of users. A statistic is a mean over the users of
 * its group (the users where it is defined). */
typedef struct ig_eval_boot {
	int nrep;
	int nstat, ngroup;
	int *group_of;       /* per statistic */
	double *sum;         /* nstat x nrep */
	double *cnt;         /* ngroup x nrep */
	double *exact_sum;   /* per statistic */
	uint64_t *exact_cnt; /* per group */
	unsigned char *w;    /* this user's weight per replicate */
	ig_rng rng;
} ig_eval_boot;

void ig_eval_boot_init(ig_eval_boot *b, int nrep, uint64_t seed, int nstat, int ngroup,
		       const int *group_of);
void ig_eval_boot_free(ig_eval_boot *b);
/* Starts a user: draws its weights. */
void ig_eval_boot_user(ig_eval_boot *b);
/* The user belongs to GROUP (call once per user and group). */
void ig_eval_boot_count(ig_eval_boot *b, int group);
/* The user's value X of statistic STAT (zeros may be left out). */
void ig_eval_boot_add(ig_eval_boot *b, int stat, double x);
/* Mean over the group; 0 for an empty group. */
double ig_eval_boot_mean(const ig_eval_boot *b, int stat);
uint64_t ig_eval_boot_users(const ig_eval_boot *b, int stat);
/* Percentile interval at LEVEL (e.g. 0.95) from the replicates; NaN when
 * there are no replicates. */
void ig_eval_boot_ci(const ig_eval_boot *b, int stat, double level, double *lo, double *hi);

/* Quantile Q of N sorted values, linearly interpolated (type 7). */
double ig_eval_quantile(const double *sorted, size_t n, double q);

/* One line of the metrics table. K 0 means the metric has no cutoff;
 * NaN bounds mean no interval; users 0 with is_count means a count. */
typedef struct ig_eval_row {
	char metric[80];
	int k;
	double value, ci_low, ci_high;
	uint64_t users;
	int is_count;
} ig_eval_row;

typedef struct ig_eval_table {
	ig_eval_row *rows;
	size_t n, cap;
	ig_header upstream;  /* provenance of what was scored (nprov, prov) */
} ig_eval_table;

ig_eval_row *ig_eval_table_add(ig_eval_table *t, const char *metric, int k, double value);
void ig_eval_table_free(ig_eval_table *t);

/* The table as a metrics stream (header, the upstream provenance and
 * this run's, rows). */
void ig_eval_table_write_tsv(const ig_eval_table *t, ig_writer *w);
/* A figure of a table: 6 significant digits; NaN (no value) is empty. */
void ig_eval_put_num(ig_writer *w, double v);
/* The table as aligned text for a person. */
void ig_eval_table_write_text(const ig_eval_table *t, ig_writer *w);

/* P-value (two-sided) of Student's t with DF degrees of freedom. */
double ig_eval_t_pvalue(double t, double df);

#endif
