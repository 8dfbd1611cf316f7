/* ig-synth respond: the synthetic world as the environment of a closed
 * loop. A feed (a ranked list of items per user) is shown to users of a
 * rebuilt world as one more session after their history, and the planted
 * model says what each user is expected to do with each impression,
 * without sampling noise, or samples what they do as an events stream.
 * The same features, probabilities and feedback as the generator's
 * (lib/synth/ig_synth_user_priv.h); man/ig-synth.1 states what is and is
 * not simulated. */
#ifndef IG_SYNTH_RESPOND_H
#define IG_SYNTH_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "cli/ig_cli.h"
#include "io/ig_events.h"
#include "synth/ig_synth.h"

/* Expected counts of one impression, indexed by event type: [IMPRESSION]
 * is the probability that the item is shown at all (0 when its author is
 * hidden from the user, or it does not exist yet). */
typedef struct ig_synth_expect {
	double ev[IG_EV_COUNT];
} ig_synth_expect;

/* One thread's scratch: the user being responded to and its state. */
typedef struct ig_synth_resp ig_synth_resp;

ig_synth_resp *ig_synth_resp_new(const ig_synth_world *w);
void ig_synth_resp_free(ig_synth_resp *r);

/* Rebuilds user U's history, applies the N follow, see_less, hide and
 * report events PRIOR (earlier rounds' responses; types, items and times)
 * and sets the session to start at the later of AT and the earliest time
 * the user can start another session. Returns that time. The items of
 * every PRIOR event, of any type, count as seen for the unseen oracle. */
typedef struct ig_synth_prior {
	int64_t ts;
	uint32_t item;
	int type;
} ig_synth_prior;
int64_t ig_synth_resp_user(ig_synth_resp *r, uint32_t u, int64_t at, const ig_synth_prior *prior, size_t n);

/* Expected responses to the N items ITEMS shown in this order: OUT[k]. */
void ig_synth_resp_expect(ig_synth_resp *r, const uint32_t *items, size_t n, ig_synth_expect *out);

/* Expected counts per impression of the world's own logging policy in
 * the same session (*LOGGING), and the oracle: the N items of largest
 * expected value sum_e WEIGHTS[e] E[e] (with at most AUTHOR_CAP of one
 * author when it is not 0), in order of that value, written to ORACLE;
 * returns how many (fewer when the world has fewer). When UNSEEN is not
 * NULL, also the unseen oracle: the same, of the items the user has no
 * event with (none in the history, nor among the PRIOR events of
 * ig_synth_resp_user, of any type), written to UNSEEN, *N_UNSEEN of
 * them; from the same values and order, so it adds no pass over the
 * items. */
size_t ig_synth_resp_policies(ig_synth_resp *r, const double weights[IG_EV_COUNT], size_t n,
			      uint32_t author_cap, ig_synth_expect *logging, uint32_t *oracle, uint32_t *unseen,
			      size_t *n_unseen);

/* Samples the user's responses to ITEMS as events, drawn from the stream
 * of SEED for this user, into OUT (its events buffer). */
void ig_synth_resp_sample(ig_synth_resp *r, uint64_t seed, const uint32_t *items, size_t n, ig_synth_out *out);

/* Where a feed comes from: one user at a time, in list order. The
 * pointers stay valid until the next call. Returns 0 at the end. */
typedef struct ig_synth_feed {
	void *ctx;
	int (*next)(void *ctx, const char **user, size_t *user_len, size_t *n, const char *const **items,
		    const size_t **item_lens, const uint64_t **lines);
	const char *(*name)(void *ctx);
	void (*close)(void *ctx);
} ig_synth_feed;
typedef ig_synth_feed (*ig_synth_feed_open)(const char *path, int sort, const ig_cli *cli);

/* The command "ig-synth respond": ARGV[0] is its name. OPEN opens the
 * feed (a reader of lists lives in a higher layer). */
int ig_synth_respond_main(ig_cli *cli, int argc, char **argv, ig_synth_feed_open open);

#endif
