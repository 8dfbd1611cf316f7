/* ig-rank features: training examples from candidates with next-window
 * labels, or from impressions with the engagements that followed. */
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "rank/ig_rank.h"

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
	double *rs = NULL;
	size_t i, cap = 0;

	labels_load(&l, c, labels_path);
	while (ig_rank_cands_next(in, &g)) {
		int64_t now = o->at;

		if (now < 0) {
			now = ig_rank_user_last_ts(c, g.user, g.user_len);
			now = now >= 0 ? now + 1 : 0;
		}
		ig_rank_user_prepare(u, g.user, g.user_len, now);
		if (g.n > cap) {
			cap = g.n;
			rs = ig_reallocarray(rs, cap, 3 * sizeof *rs);
		}
		for (i = 0; i < g.n; i++)
			rs[i] = g.rows[i].retrieval_score;
		ig_rank_relative(rs, g.n, rs + cap, rs + 2 * cap);
		for (i = 0; i < g.n; i++) {
			const ig_rank_row *r = &g.rows[i];
			ig_rank_cand cd = {r->item, r->item_len, r->retrieval_score, r->nsources, r->s,
					   rs[cap + i], rs[2 * cap + i]};

			ig_rank_features(u, &cd, x);
			emit(w, o, g.user, r->item, now, labels_of(&l, g.user, g.user_len, r->item, r->item_len), x,
			     nf, st);
		}
		st->users++;
	}
	ig_intern_free(l.keys);
	free(l.types);
	free(rs);
	free(x);
	ig_rank_user_free(u);
}

typedef struct imp_row {
	uint32_t item;         /* in the user's own table */
	int64_t ts;
	unsigned types;
} imp_row;

static void flush_user(ig_rank_ctx *c, ig_rank_user *u, const char *user, ig_intern *items, imp_row *rows,
		       size_t n, float *x, ig_writer *w, const ig_rank_build_opts *o, ig_rank_build_stats *st)
{
	int nf = ig_rank_nfeatures(c);
	size_t i;

	if (n == 0)
		return;
	ig_rank_user_prepare(u, user, strlen(user), rows[0].ts);
	for (i = 0; i < n; i++) {
		const char *item = ig_intern_str(items, rows[i].item);
		ig_rank_cand cd = {item, ig_intern_len(items, rows[i].item), 0, 0, NULL, 0, 0};

		ig_rank_user_set_now(u, rows[i].ts);
		ig_rank_features(u, &cd, x);
		emit(w, o, user, item, rows[i].ts, rows[i].types, x, nf, st);
	}
	st->users++;
}

void ig_rank_build_impressions(ig_rank_ctx *c, const char *events, ig_writer *w, const ig_rank_build_opts *o,
			       ig_rank_build_stats *st)
{
	ig_events_reader *er = ig_events_open(events);
	ig_rank_user *u = ig_rank_user_new(c);
	float *x = ig_malloc(((size_t)ig_rank_nfeatures(c) + 1) * sizeof *x);
	ig_intern *items = ig_intern_new();
	imp_row *rows = NULL;
	size_t n = 0, cap = 0, *last = NULL, lcap = 0;
	char user[IG_MAX_ID_LEN + 1] = "";
	int served = 1;
	ig_event ev;

	while (ig_events_next(er, &ev)) {
		uint32_t it, seen;

		if (strcmp(ev.user, user) != 0) {
			flush_user(c, u, user, items, rows, n, x, w, o, st);
			ig_intern_free(items);
			items = ig_intern_new();
			n = 0;
			memcpy(user, ev.user, ev.user_len + 1);
			served = ig_rank_ctx_serves(c, ev.user, ev.user_len);
			st->skipped_users += !served;
		}
		if (!served) {
			st->skipped_rows += ev.type == IG_EV_IMPRESSION;
			continue;
		}
		seen = ig_intern_count(items);
		it = ig_intern_add(items, ev.item, ev.item_len);
		if (it >= lcap) {
			lcap = lcap ? 2 * lcap : 1024;
			last = ig_reallocarray(last, lcap, sizeof *last);
		}
		/* only an item new to the table starts without an impression:
		 * the latest item's next events must still reach its row */
		if (it == seen)
			last[it] = SIZE_MAX;
		if (ev.type == IG_EV_IMPRESSION) {
			if (n == cap) {
				cap = cap ? 2 * cap : 1024;
				rows = ig_reallocarray(rows, cap, sizeof *rows);
			}
			rows[n].item = it;
			rows[n].ts = ev.ts;
			rows[n].types = 0;
			last[it] = n++;
		} else if (last[it] != SIZE_MAX) {
			rows[last[it]].types |= 1u << ev.type;
		}
	}
	flush_user(c, u, user, items, rows, n, x, w, o, st);
	ig_intern_free(items);
	ig_events_close(er);
	ig_rank_user_free(u);
	free(rows);
	free(last);
	free(x);
}
