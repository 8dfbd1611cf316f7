/* Lifts of items and authors: events over those expected from the users
 * they were shown to, smoothed by empirical Bayes; what ig-rank's
 * item_lift_* and author_lift_* features are. An item's raw rate per
 * impression mixes its pull with its audience's: shown mostly to fans of
 * its topic it looks good, shown to strangers (exploration) bad. Each
 * impression instead expects the user's own rate on that topic, and the
 * item's count over that is its pull. A lift from 30 impressions is
 * mostly noise; the author's lift over hundreds is a better first guess,
 * and how far to trust the item's own count over it is fitted from the
 * spread of the lifts themselves (method of moments). */
#ifndef IG_RANK_LIFT_PRIV_H
#define IG_RANK_LIFT_PRIV_H
#include <stddef.h>
#include <stdint.h>

#include "rank/ig_rank_ctx_priv.h"

/* The event types with lifts, in feature order. */
#define IG_RANK_LIFT_TYPES 5
extern const int ig_rank_lift_types[IG_RANK_LIFT_TYPES];

/* (NUM + M * PRIOR) / (DEN + M): NUM events in DEN trials, shrunk towards
 * PRIOR as if M more trials had had it. */
double ig_rank_eb_shrink(double num, double den, double prior, double m);

/* The prior strength M of N entities with NUM[j] events in DEN[j] trials
 * and prior means PRIOR[j], by the method of moments: the spread of the
 * rates NUM/DEN around their priors, weighted by DEN, less what the
 * counting noise alone gives (p(1 - K p)/DEN: K = 1 for a rate per trial,
 * binomial; 0 for Poisson counts; for a lift, the rate per trial of a
 * lift of 1), is the spread of the true rates, tau^2; M is then the mean
 * noise scale over tau^2 (the trials whose noise equals the true
 * spread). Entities without trials are left out. No spread beyond the
 * noise gives IG_RANK_EB_MAX_STRENGTH (the prior alone). */
#define IG_RANK_EB_MAX_STRENGTH 1e9
double ig_rank_eb_strength(const double *num, const double *den, const double *prior, size_t n, double k);

/* The same counted one entity at a time, in the same order and with the
 * same arithmetic: for entities that are never all held at once. */
typedef struct ig_rank_eb_acc {
	double spread, noise, weight;
	size_t kept;
	double k;
} ig_rank_eb_acc;
void ig_rank_eb_add(ig_rank_eb_acc *a, double num, double den, double prior);
double ig_rank_eb_acc_strength(const ig_rank_eb_acc *a);

/* Fits c->lift (nitems + 1 rows of IG_RANK_LIFT_TYPES, the last for an
 * item without history: the global lift) and, with items, c->alift (per
 * author) from c->pop and the impressions of every user's history
 * (ig_rank_history_scan: three passes). */
void ig_rank_lift_fit(ig_rank_ctx *c);

#endif
