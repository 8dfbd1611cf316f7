/* The session and exposure features of ig-rank: ig_rank_session_priv.h
 * says what they estimate and why. */
#include "rank/ig_rank_session_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "rank/ig_rank_lift_priv.h"

static const char *const session_names[IG_RANK_SESSION_WIDTH] = {"session_topic_pos", "session_topic_lift",
								 "topic_recent_pos", "topic_recent_rel",
								 "topic_fatigue", "topic_dwell_lift",
								 "session_topic_dwell_lift"};
static const char *const exposure_names[IG_RANK_EXPOSURE_WIDTH] = {
	"topic_imp_share", "topic_imp_rel", "topic_view_lift", "session_topic_share", "session_topic_view_lift",
	"media_view_lift", "media_like_lift"};

/* Per topic of the user: impressions, views and positives over the
 * history; impressions, views and positives of the last session;
 * positives weighted by IG_RANK_SESSION_DECAY per session back; negatives
 * decayed by the fatigue half-life (to the time of preparation); the
 * views with a value over the history and in the last session, and the
 * sums of their log values over the user's usual on the media type. */
enum {
	T_IMP,
	T_VIEW,
	T_POS,
	T_LAST_IMP,
	T_LAST_VIEW,
	T_LAST_POS,
	T_RECENT,
	T_FAT,
	T_DWELL_N,
	T_DWELL,
	T_LAST_DWELL_N,
	T_LAST_DWELL,
	T_WIDTH
};
/* Per media type: impressions, views, likes; views with a value and the
 * sum of their logs, then the user's usual log value (dwell_baselines). */
enum { M_IMP, M_VIEW, M_LIKE, M_DWELL_N, M_DWELL, M_DWELL_BASE, M_WIDTH };

struct ig_rank_session {
	const ig_rank_ctx *c;
	double *topic;          /* ntopics x T_WIDTH */
	uint32_t *touched;      /* topics with nonzero entries */
	uint8_t *is_touched;
	uint32_t ntouched;
	double media[IG_MEDIA_COUNT][M_WIDTH];
	/* per media type, media_view_lift and media_like_lift: the user's
	 * alone, so made once in prepare */
	float media_lift[IG_MEDIA_COUNT][2];
	double imp, views, likes, pos, last_imp, last_pos, recent_pos;
	/* of the user's top topic: impressions, positives weighted by
	 * session */
	double max_imp, max_recent;
	int64_t prepared;       /* the time topic[T_FAT] is decayed to */
	double fat_scale;       /* its further decay to the current time */
};

static int has_exposure(const ig_rank_ctx *c)
{
	return (c->inputs & IG_RANK_IN_IMPRESSIONS) != 0;
}

/* Both blocks need impressions: without them (ratings, plays) the
 * session block alone did not help ML-100K's validation recall@20
 * (ig-rank(1)), as a burst of ratings is not a session of a feed. */
int ig_rank_session_width(const ig_rank_ctx *c)
{
	if (!(c->inputs & IG_RANK_IN_ITEMS) || !has_exposure(c))
		return 0;
	return IG_RANK_SESSION_WIDTH + IG_RANK_EXPOSURE_WIDTH;
}

const char *ig_rank_session_name(const ig_rank_ctx *c, int i)
{
	(void)c;
	return i < IG_RANK_SESSION_WIDTH ? session_names[i] : exposure_names[i - IG_RANK_SESSION_WIDTH];
}

ig_rank_session *ig_rank_session_new(const ig_rank_ctx *c)
{
	ig_rank_session *s = ig_calloc(1, sizeof *s);
	size_t nt = (size_t)c->ntopics + 1;

	s->c = c;
	s->topic = ig_calloc(nt * T_WIDTH, sizeof *s->topic);
	s->touched = ig_malloc(nt * sizeof *s->touched);
	s->is_touched = ig_calloc(nt, 1);
	s->fat_scale = 1;
	return s;
}

void ig_rank_session_free(ig_rank_session *s)
{
	if (s == NULL)
		return;
	free(s->topic);
	free(s->touched);
	free(s->is_touched);
	free(s);
}

/* The weight of the K-th of an item's N topics: N - K over 1 + ... + N. */
static double topic_weight(uint32_t k, uint32_t n)
{
	return 2.0 * (double)(n - k) / ((double)n * (double)(n + 1));
}

static void clear(ig_rank_session *s)
{
	uint32_t k;

	for (k = 0; k < s->ntouched; k++) {
		memset(s->topic + (size_t)s->touched[k] * T_WIDTH, 0, T_WIDTH * sizeof *s->topic);
		s->is_touched[s->touched[k]] = 0;
	}
	s->ntouched = 0;
	memset(s->media, 0, sizeof s->media);
	s->imp = s->views = s->likes = s->pos = s->last_imp = s->last_pos = s->recent_pos = 0;
	s->max_imp = s->max_recent = 0;
	s->fat_scale = 1;
}

static int is_negative(int type)
{
	return type == IG_EV_SEE_LESS || type == IG_EV_HIDE || type == IG_EV_REPORT;
}

/* Adds event E (in the last session when LAST; RECENT its session's
 * weight) to the item's topics. */
static void note_topics(ig_rank_session *s, const ig_rank_hev *e, int last, double recent, int64_t now)
{
	const ig_items *it = s->c->items;
	const ig_rank_item *r = &s->c->item[e->item];
	uint32_t a = r->topic_start, n = r->topic_end - a, k;
	int pos = s->c->o.positives >> e->type & 1;
	double fat = is_negative(e->type) ? exp2(-(double)(now - e->ts) / IG_RANK_FATIGUE_HALF_LIFE) : 0;
	int dwell = e->type == IG_EV_VIEW && e->lvalue != 0;
	double resid = dwell ? ig_rank_lvalue(e->lvalue) - s->media[r->media][M_DWELL_BASE] : 0;

	for (k = 0; k < n; k++) {
		uint32_t t = it->topic_list[a + k];
		double w = topic_weight(k, n), *v = s->topic + (size_t)t * T_WIDTH;

		if (!s->is_touched[t]) {
			s->is_touched[t] = 1;
			s->touched[s->ntouched++] = t;
		}
		if (e->type == IG_EV_IMPRESSION) {
			v[T_IMP] += w;
			if (last)
				v[T_LAST_IMP] += w;
		} else if (e->type == IG_EV_VIEW) {
			v[T_VIEW] += w;
			if (last)
				v[T_LAST_VIEW] += w;
		}
		if (dwell) {
			v[T_DWELL_N] += w;
			v[T_DWELL] += w * resid;
			if (last) {
				v[T_LAST_DWELL_N] += w;
				v[T_LAST_DWELL] += w * resid;
			}
		}
		if (pos) {
			v[T_POS] += w;
			v[T_RECENT] += w * recent;
			if (last)
				v[T_LAST_POS] += w;
		}
		v[T_FAT] += w * fat;
	}
}

static void note_totals(ig_rank_session *s, const ig_rank_hev *e, int last, double recent)
{
	double *m = s->media[s->c->item[e->item].media];

	if (e->type == IG_EV_IMPRESSION) {
		s->imp += 1;
		m[M_IMP] += 1;
		if (last)
			s->last_imp += 1;
	} else if (e->type == IG_EV_VIEW) {
		s->views += 1;
		m[M_VIEW] += 1;
	} else if (e->type == IG_EV_LIKE) {
		s->likes += 1;
		m[M_LIKE] += 1;
	}
	if (s->c->o.positives >> e->type & 1) {
		s->pos += 1;
		s->recent_pos += recent;
		if (last)
			s->last_pos += 1;
	}
}

/* The log of the rate NUM / DEN, shrunk towards the user's RATE by M
 * pseudo-trials, over RATE: above 0 when the user takes more than usual.
 * A log, as the second stage is mostly its linear part and a taste adds
 * to the log-odds of engaging, not to the rate. */
static float rate_lift(double num, double den, double rate, double m)
{
	return rate > 0 ? (float)log(ig_rank_eb_shrink(num, den, rate, m) / rate) : 0;
}

static void media_lifts(ig_rank_session *s)
{
	double rview = s->imp > 0 ? s->views / s->imp : 0, rlike = s->imp > 0 ? s->likes / s->imp : 0;
	int k;

	for (k = 0; k < IG_MEDIA_COUNT; k++) {
		const double *m = s->media[k];

		s->media_lift[k][0] = rate_lift(m[M_VIEW], m[M_IMP], rview, IG_RANK_MEDIA_PRIOR);
		s->media_lift[k][1] = rate_lift(m[M_LIKE], m[M_IMP], rlike, IG_RANK_MEDIA_PRIOR);
	}
}

/* M_DWELL_BASE of each media type: the mean log value of the user's views
 * of it with a value, shrunk by IG_RANK_MEDIA_PRIOR views towards the
 * mean over all the user's views with one (a video is watched longer than
 * a photo is looked at). */
static void dwell_baselines(ig_rank_session *s, const ig_rank_hev *ev, size_t n)
{
	double num = 0, den = 0, mean;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		const ig_rank_item *r = &s->c->item[ev[i].item];

		if (ev[i].type != IG_EV_VIEW || ev[i].lvalue == 0 || !r->meta)
			continue;
		s->media[r->media][M_DWELL_N] += 1;
		s->media[r->media][M_DWELL] += ig_rank_lvalue(ev[i].lvalue);
		num += ig_rank_lvalue(ev[i].lvalue);
		den += 1;
	}
	mean = den > 0 ? num / den : 0;
	for (k = 0; k < IG_MEDIA_COUNT; k++) {
		double *m = s->media[k];

		m[M_DWELL_BASE] = ig_rank_eb_shrink(m[M_DWELL], m[M_DWELL_N], mean, IG_RANK_MEDIA_PRIOR);
	}
}

void ig_rank_session_prepare(ig_rank_session *s, const ig_rank_hev *ev, size_t n, int64_t now)
{
	size_t i, last, gaps = 0;
	double recent;
	uint32_t k;

	clear(s);
	s->prepared = now;
	while (n > 0 && ev[n - 1].ts > now)
		n--;
	/* the last session: back from the last event to the first gap */
	for (last = n; last > 1 && ev[last - 1].ts - ev[last - 2].ts <= IG_RANK_SESSION_GAP; last--)
		;
	if (last > 0)
		last--;
	for (i = 1; i < n; i++)
		gaps += ev[i].ts - ev[i - 1].ts > IG_RANK_SESSION_GAP;
	/* the first session's weight: DECAY^gaps, the last session's 1 */
	recent = pow(IG_RANK_SESSION_DECAY, (double)gaps);
	dwell_baselines(s, ev, n);
	for (i = 0; i < n; i++) {
		if (i > 0 && ev[i].ts - ev[i - 1].ts > IG_RANK_SESSION_GAP)
			recent /= IG_RANK_SESSION_DECAY;
		if (!s->c->item[ev[i].item].meta)
			continue;
		note_topics(s, &ev[i], i >= last, recent, now);
		note_totals(s, &ev[i], i >= last, recent);
	}
	for (k = 0; k < s->ntouched; k++) {
		const double *v = s->topic + (size_t)s->touched[k] * T_WIDTH;

		s->max_imp = v[T_IMP] > s->max_imp ? v[T_IMP] : s->max_imp;
		s->max_recent = v[T_RECENT] > s->max_recent ? v[T_RECENT] : s->max_recent;
	}
	media_lifts(s);
}

void ig_rank_session_set_now(ig_rank_session *s, int64_t now)
{
	s->fat_scale = now > s->prepared ? exp2(-(double)(now - s->prepared) / IG_RANK_FATIGUE_HALF_LIFE) : 1;
}

/* The item's topics' slots, each weighted as in note_topics and summed
 * in the items stream's order: one walk over the topics for every slot,
 * as a row reads most of them. */
static void item_topics(const ig_rank_session *s, uint32_t it, double sum[T_WIDTH])
{
	const ig_items *items = s->c->items;
	const ig_rank_item *r = &s->c->item[it];
	uint32_t a = r->topic_start, n = r->topic_end - a, k;
	int j;

	for (j = 0; j < T_WIDTH; j++)
		sum[j] = 0;
	for (k = 0; k < n; k++) {
		const double *v = s->topic + (size_t)items->topic_list[a + k] * T_WIDTH;
		double w = topic_weight(k, n);

		for (j = 0; j < T_WIDTH; j++)
			sum[j] += w * v[j];
	}
}

static float *session_block(const ig_rank_session *s, const double *t, float *x)
{
	double expected = s->pos > 0 ? s->last_pos * t[T_POS] / s->pos : 0, dwell;

	*x++ = s->last_pos > 0 ? (float)(t[T_LAST_POS] / s->last_pos) : 0;
	/* the last session's positives on the topic over those its
	 * long-term share expects, half a positive added to both (log) */
	*x++ = (float)log((t[T_LAST_POS] + 0.5) / (expected + 0.5));
	*x++ = s->recent_pos > 0 ? (float)(t[T_RECENT] / s->recent_pos) : 0;
	/* against the user's top topic: a focused user's second topic and a
	 * broad user's first can have the same share */
	*x++ = s->max_recent > 0 ? (float)(t[T_RECENT] / s->max_recent) : 0;
	*x++ = (float)(t[T_FAT] * s->fat_scale);
	dwell = ig_rank_eb_shrink(t[T_DWELL], t[T_DWELL_N], 0, IG_RANK_DWELL_PRIOR);
	*x++ = (float)dwell;
	/* the last session's, shrunk towards the topic's over the history */
	*x++ = (float)ig_rank_eb_shrink(t[T_LAST_DWELL], t[T_LAST_DWELL_N], dwell, IG_RANK_DWELL_PRIOR);
	return x;
}

static float *exposure_block(const ig_rank_session *s, const double *t, float *x)
{
	double rview = s->imp > 0 ? s->views / s->imp : 0;
	double rtopic = ig_rank_eb_shrink(t[T_VIEW], t[T_IMP], rview, IG_RANK_TOPIC_PRIOR);

	*x++ = s->imp > 0 ? (float)(t[T_IMP] / s->imp) : 0;
	/* against the most shown topic: the world shows what it thinks the
	 * user likes, and a broad user's top share is a focused one's
	 * second */
	*x++ = s->max_imp > 0 ? (float)(t[T_IMP] / s->max_imp) : 0;
	*x++ = rview > 0 ? (float)log(rtopic / rview) : 0;
	*x++ = s->last_imp > 0 ? (float)(t[T_LAST_IMP] / s->last_imp) : 0;
	/* the last session's views per impression on the topic, shrunk
	 * towards the user's long-term rate on it */
	*x++ = rate_lift(t[T_LAST_VIEW], t[T_LAST_IMP], rtopic, IG_RANK_TOPIC_PRIOR);
	return x;
}

float *ig_rank_session_topic_features(const ig_rank_session *s, uint32_t it, float *x)
{
	double t[T_WIDTH];

	item_topics(s, it, t);
	x = session_block(s, t, x);
	return exposure_block(s, t, x);
}

float *ig_rank_session_media_features(const ig_rank_session *s, uint32_t it, float *x)
{
	memcpy(x, s->media_lift[s->c->item[it].media], 2 * sizeof *x);
	return x + 2;
}

float *ig_rank_session_features(const ig_rank_session *s, uint32_t it, float *x)
{
	int w = ig_rank_session_width(s->c);

	if (it == IG_INTERN_NONE || !s->c->item[it].meta) {
		memset(x, 0, (size_t)w * sizeof *x);
		return x + w;
	}
	x = ig_rank_session_topic_features(s, it, x);
	return ig_rank_session_media_features(s, it, x);
}
