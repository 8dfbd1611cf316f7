/* The state of one user of ig-synth and the steps of its generator that
 * ig-synth respond shares with it: the same features, probabilities,
 * engagement draws and negative feedback, so that a feed shown to a user
 * of the world meets the model that made the world's events. Private to
 * lib/synth. */
#ifndef IG_SYNTH_USER_PRIV_H
#define IG_SYNTH_USER_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_rng.h"
#include "synth/ig_synth.h"

/* Constants of the sessions and the logging policy (man/ig-synth.1). */
#define MOOD_KEEP_P 0.6       /* a session keeps the previous session's focus */
#define MOOD_FROM_THETA_P 0.85 /* a new focus comes from the long-term interest */
#define FOLLOW_SOURCE_P 0.4   /* non-explore impressions from followed authors */
#define FOLLOW_RECENT 10      /* ... among each author's latest items */
#define SESSION_GAP 60        /* seconds between sessions at least */

struct ig_synth_gen {
	const ig_synth_world *w;
	double *theta, *phi, *phi_s, *phi_cum;
	uint32_t *fol;               /* followed authors, sorted */
	size_t nfol, fol_cap;
	struct follow { int64_t ts; uint32_t author; } *init;
	size_t init_cap;
	int64_t *starts;
	size_t starts_cap;
	/* Negative feedback: fatigue F_t set at fat_ts[t] (0 when never
	 * fatigued), the leaves with F_t > 0, and the hidden authors, sorted. */
	double *fat;
	int64_t *fat_ts;
	uint32_t *fat_list, nfat;
	uint32_t *hidden;
	size_t nhidden, hidden_cap;
	/* The user as its history leaves it, for ig-synth respond. */
	double propensity, media_pref[4];
	size_t nsessions;
	uint32_t focus;   /* of the last session */
	int64_t t_free;   /* the earliest start of another session */
	/* With keep_shown, the items of the history's impressions, in order
	 * (repeats kept): the items the user has an event with, since every
	 * event of the history follows an impression of its item. */
	int keep_shown;
	uint32_t *shown;
	size_t nshown, shown_cap;
};

/* An id formatted once. */
typedef struct ig_synth_idtext {
	char s[32];
	size_t n;
} ig_synth_idtext;

void ig_synth_idtext_user(ig_synth_idtext *id, const ig_synth_world *w, uint32_t u);
void ig_synth_idtext_item(ig_synth_idtext *id, const ig_synth_world *w, uint32_t i);

/* Writes an event without a value (an impression) to OUT. */
void ig_synth_gen_event(ig_synth_out *out, int64_t ts, const ig_synth_idtext *uid, const ig_synth_idtext *iid,
			int type);

/* Nonzero when the user follows author A, or has hidden it. */
int ig_synth_gen_follows(const ig_synth_gen *g, uint32_t a);
int ig_synth_gen_hidden(const ig_synth_gen *g, uint32_t a);
/* The fatigue F_t of leaf T at TS (decayed), and the multiplier 1 - F_t. */
double ig_synth_gen_fatigue(const ig_synth_gen *g, uint32_t t, int64_t ts);
double ig_synth_gen_multiplier(const ig_synth_gen *g, uint32_t t, int64_t ts);

/* The focus of session S (0-based) of the user, drawn from R: from theta
 * for the first, else kept or redrawn from PREV. */
uint32_t ig_synth_gen_focus(const ig_synth_gen *g, ig_rng *r, size_t s, uint32_t prev);
/* Sets the session interest phi for FOCUS (g->phi, g->phi_s, g->phi_cum);
 * returns the largest smoothed entry. */
double ig_synth_gen_session_interest(ig_synth_gen *g, uint32_t focus);

/* Features of ITEM shown to the user: its topic multipliers MULT, the
 * smoothed interest PHI_S with largest entry PHI_MAX, and FOLLOWING. */
void ig_synth_gen_features(const ig_synth_gen *g, uint32_t item, const double *phi_s, double phi_max,
			   const double *mult, int following, double x[IG_SYN_NX]);

/* Draws the engagement with ITEM shown at TS, whose features are X and
 * probabilities PR (the negative heads filled in only when HAVE_NEGATIVE),
 * writes its events (and a follow) to OUT and applies a follow, see_less,
 * hide or report to the user. Returns the time the impression ends. */
int64_t ig_synth_gen_engage(ig_synth_gen *g, ig_rng *r, ig_synth_out *out, const ig_synth_idtext *uid,
			    const ig_synth_idtext *iid, uint32_t item, int64_t ts, const double x[IG_SYN_NX],
			    ig_synth_probs *pr, int have_negative);
/* Applies the user's own TYPE event (follow, see_less, hide or report) on
 * ITEM at TS: a follow of its author, or fatigue and a hidden author. */
void ig_synth_gen_feedback(ig_synth_gen *g, uint32_t item, int64_t ts, int type);
/* The pause after an impression that ends at TE: the next one's time. */
int64_t ig_synth_gen_next_ts(ig_rng *r, int64_t te);

#endif
