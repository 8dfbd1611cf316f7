/* ig-rank features: training examples from candidates with next-window
 * labels, or from impressions with the engagements that followed. */
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "rank/ig_rank.h"
#include "rank/ig_rank_ctx_priv.h"
#include "rank/ig_rank_session_priv.h"

/* Bit of each head in an event-type mask; heads are event names. */
static unsigned head_mask_of(unsigned types, const ig_rank_build_opts *o)
{
	unsigned m = 0;
	int h;

	for (h = 0; h < o->nhead; h++) {
		int t = ig_event_parse(o->heads[h]);

		if (t >= 0 ? (types >> t & 1) : (types & o->any) != 0)
			m |= 1u << h;
	}
	return m;
}

static void emit(ig_writer *w, const ig_rank_build_opts *o, const char *user, const char *item, int64_t ts,
		 unsigned types, const float *x, int nf, ig_rank_build_stats *st)
{
	unsigned char y[IG_RANK_MAX_HEADS];
	unsigned hm = head_mask_of(types, o);
	int h;

	for (h = 0; h < o->nhead; h++) {
		y[h] = (unsigned char)(hm >> h & 1);
		st->positives[h] += y[h];
	}
	if (o->libsvm_head >= 0)
		ig_rank_libsvm_write_row(w, y[o->libsvm_head], x, nf);
	else
		ig_rank_examples_write_row(w, user, item, ts, y, o->nhead, x, nf);
	st->rows++;
}

typedef struct labels {
	ig_intern *keys;       /* "user\titem" */
	unsigned *types;
	size_t cap;
} labels;

/* The labels of the users of C's shard. */
static void labels_load(labels *l, const ig_rank_ctx *c, const char *path)
{
	ig_events_reader *er = ig_events_open(path);
	char key[2 * IG_MAX_ID_LEN + 2];
	ig_event ev;

	l->keys = ig_intern_new();
	while (ig_events_next(er, &ev)) {
		uint32_t k;

		if (!ig_rank_ctx_serves(c, ev.user, ev.user_len))
			continue;
		memcpy(key, ev.user, ev.user_len);
		key[ev.user_len] = '\t';
		memcpy(key + ev.user_len + 1, ev.item, ev.item_len);
		k = ig_intern_add(l->keys, key, ev.user_len + 1 + ev.item_len);
		if (k >= l->cap) {
			size_t old = l->cap;

			l->cap = l->cap ? 2 * l->cap : 4096;
			l->types = ig_reallocarray(l->types, l->cap, sizeof *l->types);
			memset(l->types + old, 0, (l->cap - old) * sizeof *l->types);
		}
		l->types[k] |= 1u << ev.type;
	}
	ig_events_close(er);
}

static unsigned labels_of(const labels *l, const char *user, size_t ulen, const char *item, size_t ilen)
{
	char key[2 * IG_MAX_ID_LEN + 2];
	uint32_t k;

	memcpy(key, user, ulen);
	key[ulen] = '\t';
	memcpy(key + ulen + 1, item, ilen);
	k = ig_intern_find(l->keys, key, ulen + 1 + ilen);
	return k == IG_INTERN_NONE ? 0 : l->types[k];
}

void ig_rank_build_candidates(ig_rank_ctx *c, ig_rank_cands *in, const char *labels_path, ig_writer *w,
			      const ig_rank_build_opts *o, ig_rank_build_stats *st)
{
	ig_rank_user *u = ig_rank_user_new(c);
	int nf = ig_rank_nfeatures(c);
	float *x = ig_malloc(((size_t)nf + 1) * sizeof *x);
	labels l = {NULL, NULL, 0};
	ig_rank_group g;
	size_t i;

	labels_load(&l, c, labels_path);
	while (ig_rank_cands_next(in, &g)) {
		int64_t now = o->at;

		if (now < 0) {
			now = ig_rank_user_last_ts(c, g.user, g.user_len);
			now = now >= 0 ? now + 1 : 0;
		}
		ig_rank_user_prepare(u, g.user, g.user_len, now);
		for (i = 0; i < g.n; i++) {
			const ig_rank_row *r = &g.rows[i];
			ig_rank_cand cd = {r->item, r->item_len, r->retrieval_score, r->nsources, r->s,
					   r->retrieval_rank, r->retrieval_rel};

			ig_rank_features(u, &cd, x);
			emit(w, o, g.user, r->item, now, labels_of(&l, g.user, g.user_len, r->item, r->item_len), x,
			     nf, st);
		}
		st->users++;
	}
	ig_intern_free(l.keys);
	free(l.types);
	free(x);
	ig_rank_user_free(u);
}

typedef struct imp_row {
	int64_t ts;
	size_t before;         /* with fresh sessions: the user's later events before its session */
	uint32_t item;         /* in the user's own table */
	unsigned types;
} imp_row;

/* One user's impressions and, with fresh sessions, the user's events
 * after the history (items numbered in the context) and where the
 * session in progress began among them. */
typedef struct imp_user {
	char id[IG_MAX_ID_LEN + 1];
	ig_intern *items;
	imp_row *rows;
	size_t n, cap;
	ig_rank_hev *ev;       /* the history's events, then the later ones */
	size_t nhist, nev, ev_cap;
	int64_t hist_last, prev_ts; /* -1: none */
	size_t session_start;  /* later events before the current session */
} imp_user;

static void imp_user_start(imp_user *iu, const ig_rank_ctx *c, const ig_event *ev, int fresh)
{
	uint32_t id;

	memcpy(iu->id, ev->user, ev->user_len + 1);
	ig_intern_free(iu->items);
	iu->items = ig_intern_new();
	iu->n = 0;
	iu->nhist = iu->nev = iu->session_start = 0;
	iu->hist_last = iu->prev_ts = -1;
	if (!fresh)
		return;
	id = ig_intern_find(c->users, ev->user, ev->user_len);
	if (id != IG_INTERN_NONE)
		iu->nhist = c->u_start[id + 1] - c->u_start[id];
	if (iu->nhist > iu->ev_cap) {
		iu->ev_cap = iu->nhist;
		iu->ev = ig_reallocarray(iu->ev, iu->ev_cap, sizeof *iu->ev);
	}
	if (iu->nhist) {
		memcpy(iu->ev, c->ev + c->u_start[id], iu->nhist * sizeof *iu->ev);
		iu->hist_last = iu->prev_ts = iu->ev[iu->nhist - 1].ts;
	}
	iu->nev = iu->nhist;
}

/* With fresh sessions: an event of the stream after the history starts a
 * session after a gap, and joins the user's events. An item the context
 * does not know is left out, as the features' sessions cannot hold it. */
static void imp_user_later(imp_user *iu, const ig_rank_ctx *c, const ig_event *ev)
{
	ig_rank_hev e;

	if (ev->ts <= iu->hist_last)
		return;
	e.item = ig_rank_item_number(c, ev->item, ev->item_len, ig_hash64(ev->item, ev->item_len));
	if (e.item == IG_INTERN_NONE)
		return;
	if (iu->prev_ts >= 0 && ev->ts - iu->prev_ts > IG_RANK_SESSION_GAP)
		iu->session_start = iu->nev - iu->nhist;
	iu->prev_ts = ev->ts;
	e.ts = ev->ts;
	e.type = (uint8_t)ev->type;
	e.lvalue = ig_rank_lvalue_code(ev->has_value, ev->value);
	if (iu->nev == iu->ev_cap) {
		iu->ev_cap = iu->ev_cap ? 2 * iu->ev_cap : 1024;
		iu->ev = ig_reallocarray(iu->ev, iu->ev_cap, sizeof *iu->ev);
	}
	iu->ev[iu->nev++] = e;
}

static void flush_user(ig_rank_ctx *c, ig_rank_user *u, const imp_user *iu, float *x, ig_writer *w,
		       const ig_rank_build_opts *o, ig_rank_build_stats *st)
{
	int nf = ig_rank_nfeatures(c);
	size_t len = strlen(iu->id), i;

	if (iu->n == 0)
		return;
	if (!o->fresh_sessions)
		ig_rank_user_prepare(u, iu->id, len, iu->rows[0].ts);
	for (i = 0; i < iu->n; i++) {
		const imp_row *r = &iu->rows[i];
		const char *item = ig_intern_str(iu->items, r->item);
		ig_rank_cand cd = {item, ig_intern_len(iu->items, r->item), 0, 0, NULL, 0, 0};

		/* a session's impressions share the events before it */
		if (o->fresh_sessions && (i == 0 || r->before != iu->rows[i - 1].before))
			ig_rank_user_prepare_events(u, iu->id, len, r->ts, iu->ev, iu->nhist + r->before);
		ig_rank_user_set_now(u, r->ts);
		ig_rank_features(u, &cd, x);
		emit(w, o, iu->id, item, r->ts, r->types, x, nf, st);
	}
	st->users++;
}

void ig_rank_build_impressions(ig_rank_ctx *c, const char *events, ig_writer *w, const ig_rank_build_opts *o,
			       ig_rank_build_stats *st)
{
	ig_events_reader *er = ig_events_open(events);
	ig_rank_user *u = ig_rank_user_new(c);
	float *x = ig_malloc(((size_t)ig_rank_nfeatures(c) + 1) * sizeof *x);
	imp_user iu;
	size_t *last = NULL, lcap = 0;
	int served = 1;
	ig_event ev;

	memset(&iu, 0, sizeof iu);
	iu.items = ig_intern_new();
	while (ig_events_next(er, &ev)) {
		uint32_t it, seen;

		if (strcmp(ev.user, iu.id) != 0) {
			flush_user(c, u, &iu, x, w, o, st);
			served = ig_rank_ctx_serves(c, ev.user, ev.user_len);
			imp_user_start(&iu, c, &ev, o->fresh_sessions && served);
			st->skipped_users += !served;
		}
		if (!served) {
			st->skipped_rows += ev.type == IG_EV_IMPRESSION;
			continue;
		}
		seen = ig_intern_count(iu.items);
		it = ig_intern_add(iu.items, ev.item, ev.item_len);
		if (it >= lcap) {
			lcap = lcap ? 2 * lcap : 1024;
			last = ig_reallocarray(last, lcap, sizeof *last);
		}
		/* only an item new to the table starts without an impression:
		 * the latest item's next events must still reach its row */
		if (it == seen)
			last[it] = SIZE_MAX;
		/* the session is marked before the event joins: an impression
		 * sees the sessions before its own */
		if (o->fresh_sessions)
			imp_user_later(&iu, c, &ev);
		if (ev.type == IG_EV_IMPRESSION) {
			if (iu.n == iu.cap) {
				iu.cap = iu.cap ? 2 * iu.cap : 1024;
				iu.rows = ig_reallocarray(iu.rows, iu.cap, sizeof *iu.rows);
			}
			iu.rows[iu.n].item = it;
			iu.rows[iu.n].ts = ev.ts;
			iu.rows[iu.n].types = 0;
			iu.rows[iu.n].before = iu.session_start;
			last[it] = iu.n++;
		} else if (last[it] != SIZE_MAX) {
			iu.rows[last[it]].types |= 1u << ev.type;
		}
	}
	flush_user(c, u, &iu, x, w, o, st);
	ig_intern_free(iu.items);
	free(iu.rows);
	free(iu.ev);
	ig_events_close(er);
	ig_rank_user_free(u);
	free(last);
	free(x);
}
