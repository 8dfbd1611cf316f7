/* Counting: each event goes to the counters of its item and of the
 * item's author, topics and media type, in the window it falls in. */
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "insights/ig_insights_priv.h"

static const char *const level_names[IG_INS_LEVELS] = {"item", "author", "topic", "media"};

int ig_ins_level_parse(const char *s)
{
	int i;

	for (i = 0; i < IG_INS_LEVELS; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *ig_ins_level_name(int level)
{
	return level >= 0 && level < IG_INS_LEVELS ? level_names[level] : "?";
}

int ig_ins_levels_parse(const char *spec, int levels[IG_INS_LEVELS])
{
	char *copy = ig_strdup(spec), *cursor = copy, *tok;
	int n = 0, seen = 0, rc = 0, got;

	while ((got = ig_seplist_next(&cursor, ',', &tok)) != 0) {
		int l = got > 0 ? ig_ins_level_parse(tok) : -1;

		if (l < 0 || (seen & (1 << l))) {
			rc = -1;
			break;
		}
		seen |= 1 << l;
		levels[n++] = l;
	}
	free(copy);
	return rc < 0 || n == 0 ? -1 : n;
}

void ig_ins_opts_default(ig_ins_opts *o)
{
	memset(o, 0, sizeof *o);
	o->levels[0] = IG_INS_ITEM;
	o->nlevels = 1;
	o->start = IG_TS_MIN;
	o->end = IG_TS_MAX + 1;
	o->min_reach = IG_INS_DEFAULT_MIN_REACH;
	o->memory = (uint64_t)1 << 30;
}

ig_insights *ig_ins_new(const ig_ins_opts *o, const ig_items *items, const ig_follows *follows)
{
	ig_insights *s = ig_calloc(1, sizeof *s);
	int i;

	if (o->end <= o->start)
		ig_die("internal error: empty window");
	s->o = *o;
	s->items = items;
	s->follows = items ? follows : NULL;
	s->own_ids = ig_intern_new();
	s->last_item = IG_INTERN_NONE;
	for (i = 0; i < o->nlevels; i++)
		s->want[o->levels[i]] = 1;
	s->prev_start = o->start - (o->end - o->start);
	return s;
}

void ig_ins_free(ig_insights *s)
{
	int l;

	if (s == NULL)
		return;
	for (l = 0; l < IG_INS_LEVELS; l++) {
		free(s->t[l].c);
		free(s->t[l].order);
	}
	ig_intern_free(s->own_ids);
	free(s->item_no);
	free(s->user);
	free(s->fol);
	free(s);
}

const ig_ins_stats *ig_ins_stats_of(const ig_insights *s) { return &s->st; }

static uint64_t counter_bytes(const ig_insights *s)
{
	uint64_t b = 0;
	int l;

	for (l = 0; l < IG_INS_LEVELS; l++)
		b += (uint64_t)s->t[l].cap * IG_INS_ENTITY_BYTES;
	return b;
}

static void grow(ig_insights *s, int level, size_t need)
{
	ig_ins_table *t = &s->t[level];
	size_t cap = t->cap;

	while (cap < need)
		cap = cap ? cap + cap / 2 : 1024;
	if (counter_bytes(s) + (uint64_t)(cap - t->cap) * IG_INS_ENTITY_BYTES > s->o.memory)
		ig_die("--memory %llu bytes is too little: the counters would take %llu bytes with room for "
		       "%zu %ss (%zu bytes each)", (unsigned long long)s->o.memory,
		       (unsigned long long)(counter_bytes(s) + (uint64_t)(cap - t->cap) * IG_INS_ENTITY_BYTES),
		       cap, ig_ins_level_name(level), (size_t)IG_INS_ENTITY_BYTES);
	t->c = ig_reallocarray(t->c, cap * IG_INS_WINDOWS, sizeof *t->c);
	memset(t->c + t->cap * IG_INS_WINDOWS, 0, (cap - t->cap) * IG_INS_WINDOWS * sizeof *t->c);
	t->cap = cap;
}

ig_ins_counts *ig_ins_counts_at(ig_insights *s, int level, uint32_t entity, int window)
{
	ig_ins_table *t = &s->t[level];

	if (entity >= t->cap)
		grow(s, level, (size_t)entity + 1);
	if (entity >= t->n)
		t->n = (size_t)entity + 1;
	return &t->c[(size_t)entity * IG_INS_WINDOWS + (size_t)window];
}

static int cmp_follow(const void *x, const void *y)
{
	const ig_ins_follow *a = x, *b = y;

	if (a->author != b->author)
		return a->author < b->author ? -1 : 1;
	return (a->since > b->since) - (a->since < b->since);
}

/* The new user's follows, sorted by author, one entry per author. */
static void load_follows(ig_insights *s)
{
	size_t n, i, k = 0;
	const ig_follow *f = ig_follows_find(s->follows, s->user, s->user_len, &n);

	if (n > s->fol_cap) {
		s->fol_cap = n + n / 2 + 16;
		s->fol = ig_reallocarray(s->fol, s->fol_cap, sizeof *s->fol);
	}
	for (i = 0; i < n; i++) {
		s->fol[i].author = f[i].author;
		s->fol[i].since = f[i].ts;
	}
	qsort(s->fol, n, sizeof *s->fol, cmp_follow);
	for (i = 0; i < n; i++)
		if (k == 0 || s->fol[k - 1].author != s->fol[i].author)
			s->fol[k++] = s->fol[i];
	s->nfol = k;
}

int ig_ins_follows_at(const ig_insights *s, uint32_t author, int64_t ts)
{
	size_t lo = 0, hi = s->nfol;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->fol[mid].author < author)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nfol && s->fol[lo].author == author && s->fol[lo].since < ts;
}

static void new_user(ig_insights *s, const ig_event *ev)
{
	if (ev->user_len + 1 > s->user_cap) {
		s->user_cap = ev->user_len + 64;
		s->user = ig_realloc(s->user, s->user_cap);
	}
	memcpy(s->user, ev->user, ev->user_len + 1);
	s->user_len = ev->user_len;
	s->user_no++;
	s->st.users++;
	if (s->follows)
		load_follows(s);
}

/* The items-stream number of own item OWN, IG_INTERN_NONE when unlisted. */
static uint32_t listed_item(ig_insights *s, uint32_t own)
{
	if (own >= s->item_no_cap) {
		size_t cap = s->item_no_cap ? s->item_no_cap * 2 : 4096;

		while (cap <= own)
			cap *= 2;
		s->item_no = ig_reallocarray(s->item_no, cap, sizeof *s->item_no);
		s->item_no_cap = cap;
	}
	if (own >= s->item_no_n) {
		const char *id = ig_intern_str(s->own_ids, own);

		s->item_no[own] = ig_intern_find(s->items->ids, id, ig_intern_len(s->own_ids, own));
		if (s->item_no[own] != IG_INTERN_NONE && s->item_no[own] >= s->items->count)
			s->item_no[own] = IG_INTERN_NONE;
		s->item_no_n = (size_t)own + 1;
	}
	return s->item_no[own];
}

static int is_engagement(int type)
{
	return type == IG_EV_LIKE || type == IG_EV_COMMENT || type == IG_EV_SHARE || type == IG_EV_SAVE;
}

static void count(ig_insights *s, int level, uint32_t entity, int window, const ig_event *ev, int nonfollower)
{
	ig_ins_table *t = &s->t[level];
	ig_ins_counts *c = entity < t->n ? &t->c[(size_t)entity * IG_INS_WINDOWS + (size_t)window]
					 : ig_ins_counts_at(s, level, entity, window);
	uint32_t bit = UINT32_C(1) << ev->type;

	if (c->stamp != s->user_no) {
		c->stamp = s->user_no;
		c->seen = 0;
		c->reach++;
	}
	if (!(c->seen & bit)) {
		c->seen |= bit;
		c->users[ev->type]++;
	}
	if (ev->type == IG_EV_IMPRESSION) {
		c->impressions++;
	} else if (ev->type == IG_EV_VIEW) {
		c->views++;
		if (ev->has_value) {
			c->dwell_n++;
			/* each term at most the largest |value|: finite */
			c->dwell_mean += ev->value / c->dwell_n - c->dwell_mean / c->dwell_n;
		}
	} else if (is_engagement(ev->type)) {
		c->engaged++;
		c->engaged_nonfollower += nonfollower > 0;
	}
}

void ig_ins_add(ig_insights *s, const ig_event *ev)
{
	int window, nonfollower = -1;
	uint32_t own, no = IG_INTERN_NONE;

	if (++s->st.events >= UINT32_MAX)
		ig_die("more than %lu events: the 32-bit counters could overflow", (unsigned long)UINT32_MAX - 1);
	if (s->user_no == 0 || ev->user_len != s->user_len || memcmp(ev->user, s->user, s->user_len) != 0)
		new_user(s, ev);
	if (ev->ts >= s->o.start && ev->ts < s->o.end)
		window = IG_INS_CUR;
	else if (s->o.trend && ev->ts >= s->prev_start && ev->ts < s->o.start)
		window = IG_INS_PREV;
	else
		return;
	if (window == IG_INS_CUR)
		s->st.in_window++;
	else
		s->st.in_previous++;
	/* A user's events on one item tend to come in a run (impression,
	 * view, like): the last item's number spares the hash. */
	if (s->last_item != IG_INTERN_NONE && ev->item_len == ig_intern_len(s->own_ids, s->last_item) &&
	    memcmp(ev->item, ig_intern_str(s->own_ids, s->last_item), ev->item_len) == 0)
		own = s->last_item;
	else
		own = s->last_item = ig_intern_add(s->own_ids, ev->item, ev->item_len);
	if (s->items) {
		no = listed_item(s, own);
		if (no == IG_INTERN_NONE)
			s->st.unknown_items++;
		else if (s->follows && is_engagement(ev->type))
			nonfollower = !ig_ins_follows_at(s, s->items->author[no], ev->ts);
	}
	if (s->want[IG_INS_ITEM])
		count(s, IG_INS_ITEM, own, window, ev, nonfollower);
	if (no == IG_INTERN_NONE)
		return;
	if (s->want[IG_INS_AUTHOR])
		count(s, IG_INS_AUTHOR, s->items->author[no], window, ev, nonfollower);
	if (s->want[IG_INS_MEDIA])
		count(s, IG_INS_MEDIA, s->items->media[no], window, ev, nonfollower);
	if (s->want[IG_INS_TOPIC]) {
		uint32_t k;

		for (k = s->items->topic_start[no]; k < s->items->topic_start[no + 1]; k++)
			count(s, IG_INS_TOPIC, s->items->topic_list[k], window, ev, nonfollower);
	}
}

const char *ig_ins_key(const ig_insights *s, int level, uint32_t entity)
{
	switch (level) {
	case IG_INS_ITEM:
		return ig_intern_str(s->own_ids, entity);
	case IG_INS_AUTHOR:
		return ig_intern_str(s->items->authors, entity);
	case IG_INS_TOPIC:
		return ig_intern_str(s->items->topics, entity);
	default:
		return ig_media_name((int)entity);
	}
}
