/* ig-eval ope: off-policy evaluation. From feed logs with the logging
 * policy's propensities and the engagements that followed, estimate what
 * another (deterministic) feed would have earned per logged slot, by
 * inverse propensity scoring (IPS), self-normalised IPS and doubly robust
 * estimation with a cross-fitted per-item/per-position mean reward model,
 * with Poisson-bootstrap intervals over users. The formulas are in
 * man/ig-eval.1. */
#ifndef IG_EVAL_OPE_H
#define IG_EVAL_OPE_H

#include <stdint.h>

#include "io/ig_events.h"
#include "io/ig_writer.h"

typedef struct ig_eval_ope_opts {
	const char *logs;      /* feed log: user, item, propensity (rank) */
	const char *events;    /* the engagements that followed */
	const char *target;    /* the feed to evaluate: any list */
	int sort;              /* sort TARGET by user first */
	double reward[IG_EV_COUNT];
	int bootstrap;         /* replicates; 0: no intervals */
	double confidence;
	uint64_t seed;
	uint64_t memory;
	const char *tmpdir;
} ig_eval_ope_opts;

/* The default reward: like, comment, share and save 1, others 0. */
void ig_eval_ope_default(ig_eval_ope_opts *o);

typedef struct ig_eval_ope_stats {
	uint64_t users, slots, matches, events;
} ig_eval_ope_stats;

/* Reads the three inputs and writes an ope stream to W. */
void ig_eval_ope_run(const ig_eval_ope_opts *o, ig_writer *w, ig_eval_ope_stats *st);

#endif
