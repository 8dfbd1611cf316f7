/* What a user will be into in the coming session, estimated from the
 * history alone: ig-rank's session and exposure features (ig-rank(1)).
 * The long-term topic shares dilute what the user is into now; a feed is
 * shown to the next session, whose topics follow the last one's more
 * than the user's average. Four estimates a feed needs and the other
 * features lack:
 *   - the last session's topics (the events after the last gap of more
 *     than IG_RANK_SESSION_GAP seconds), against the user's long-term
 *     ones, and the sessions before it the less the further back:
 *     session_topic_pos, session_topic_lift, topic_recent_pos,
 *     topic_recent_rel, session_topic_share, session_topic_view_lift;
 *   - fatigue: negative events (see_less, hide, report) on a topic,
 *     forgotten with a half-life of days, not the month of the other
 *     decayed counts: topic_fatigue;
 *   - dwell: how long the user stays on a topic's views (their values)
 *     over the user's usual on the media type, which a view alone does
 *     not tell, over the history and in the last session:
 *     topic_dwell_lift, session_topic_dwell_lift;
 *   - interest per impression rather than share of the history, which
 *     what the user was shown decides as much as what the user likes:
 *     topic_imp_share, topic_imp_rel, topic_view_lift (per topic),
 *     media_view_lift, media_like_lift (per media type).
 * An item's topics are weighted as the items stream lists them, main
 * topic first: N topics get weights N, N-1, ... 1 over their sum (2/3
 * and 1/3 for two). Private to lib/rank. */
#ifndef IG_RANK_SESSION_PRIV_H
#define IG_RANK_SESSION_PRIV_H
#include <stddef.h>
#include <stdint.h>

#include "rank/ig_rank_ctx_priv.h"

/* A gap longer than this between two events starts a new session: the
 * usual 30 minutes of web analytics. */
#define IG_RANK_SESSION_GAP 1800
/* Half-life of topic_fatigue, in seconds: two days. */
#define IG_RANK_FATIGUE_HALF_LIFE (2 * 86400.0)
/* Pseudo-impressions that shrink a topic's and a media type's rates
 * towards the user's overall rate. */
#define IG_RANK_TOPIC_PRIOR 2.0
/* topic_recent_pos: the weight of a session's positives, times this per
 * session back (the last 1, the one before 1/2, ...). */
#define IG_RANK_SESSION_DECAY 0.5
#define IG_RANK_MEDIA_PRIOR 5.0
/* topic_dwell_lift, session_topic_dwell_lift: pseudo-views at the
 * user's usual log value (dwell time) that shrink a topic's mean. */
#define IG_RANK_DWELL_PRIOR 3.0

/* The session block and the exposure block (both need
 * --items and impressions in the history): their widths and names. */
enum { IG_RANK_SESSION_WIDTH = 7, IG_RANK_EXPOSURE_WIDTH = 7 };
int ig_rank_session_width(const ig_rank_ctx *c);
const char *ig_rank_session_name(const ig_rank_ctx *c, int i);

/* Per-thread state of one user. */
typedef struct ig_rank_session ig_rank_session;
ig_rank_session *ig_rank_session_new(const ig_rank_ctx *c);
void ig_rank_session_free(ig_rank_session *s);
/* The user's history EV[0..N) (sorted by time) up to NOW. */
void ig_rank_session_prepare(ig_rank_session *s, const ig_rank_hev *ev, size_t n, int64_t now);
/* Moves the clock to NOW (fatigue decays further). */
void ig_rank_session_set_now(ig_rank_session *s, int64_t now);
/* Writes the ig_rank_session_width values of item IT (IG_INTERN_NONE:
 * unknown) into X; returns X past them. */
float *ig_rank_session_features(const ig_rank_session *s, uint32_t it, float *x);
/* Its two parts, of an item in the items stream: the values of the
 * item's topics (the first IG_RANK_SESSION_TOPIC_WIDTH, the same for
 * every item with the same list of topics), then of its media type. */
enum { IG_RANK_SESSION_TOPIC_WIDTH = IG_RANK_SESSION_WIDTH + IG_RANK_EXPOSURE_WIDTH - 2 };
float *ig_rank_session_topic_features(const ig_rank_session *s, uint32_t it, float *x);
float *ig_rank_session_media_features(const ig_rank_session *s, uint32_t it, float *x);

#endif
