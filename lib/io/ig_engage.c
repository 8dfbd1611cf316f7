#include "io/ig_engage.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

struct ig_engage_reader {
	ig_user_events_reader *er;
	ig_engage_opts o;
	ig_intern *vocab;
	ig_engage_stats st;
	ig_user_group group;
	ig_engagement *buf;
	size_t n, cap;
	char *tmp;            /* "@author" */
	size_t tmp_cap;
	uint32_t last_item;   /* BOTH: the item of the pair pushed last */
};

int ig_entity_parse(const char *s)
{
	if (strcmp(s, "item") == 0)
		return IG_ENTITY_ITEM;
	if (strcmp(s, "author") == 0)
		return IG_ENTITY_AUTHOR;
	if (strcmp(s, "both") == 0)
		return IG_ENTITY_BOTH;
	return -1;
}

void ig_engage_opts_default(ig_engage_opts *o)
{
	memset(o, 0, sizeof *o);
	ig_event_weights_default(o->weights);
	o->entity = IG_ENTITY_ITEM;
}

ig_engage_reader *ig_engage_open(const char *events_path, const ig_engage_opts *o, ig_intern *vocab)
{
	ig_engage_reader *g = ig_calloc(1, sizeof *g);

	if (o->entity != IG_ENTITY_ITEM && o->items == NULL)
		ig_die("author entities need an items stream");
	g->er = ig_user_events_open(events_path, NULL);
	g->o = *o;
	g->vocab = vocab;
	return g;
}

static void push(ig_engage_reader *g, int64_t ts, uint32_t id, float w)
{
	if (g->n > 0 && g->buf[g->n - 1].id == id) {
		if (w > g->buf[g->n - 1].weight)
			g->buf[g->n - 1].weight = w;
		g->st.merged++;
		return;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->buf = ig_reallocarray(g->buf, g->cap, sizeof *g->buf);
	}
	g->buf[g->n].ts = ts;
	g->buf[g->n].id = id;
	g->buf[g->n].weight = w;
	g->n++;
	g->st.used++;
}

static void add_event(ig_engage_reader *g, const ig_user_event *ev, const char *item_id)
{
	double w = g->o.weights[ev->type];
	uint32_t item, author;
	const char *a;
	size_t alen;

	if (w <= 0 || (ev->type == IG_EV_VIEW && ev->has_value && ev->value < g->o.min_view_value) ||
	    (ev->type == IG_EV_VIEW && !ev->has_value && g->o.min_view_value > 0)) {
		g->st.dropped++;
		return;
	}
	if (g->o.entity == IG_ENTITY_ITEM) {
		push(g, ev->ts, ig_intern_add(g->vocab, item_id, ev->item_len), (float)w);
		return;
	}
	item = ig_intern_find(g->o.items->ids, item_id, ev->item_len);
	if (item == IG_INTERN_NONE) {
		g->st.unknown_item++;
		return;
	}
	author = g->o.items->author[item];
	a = ig_intern_str(g->o.items->authors, author);
	alen = ig_intern_len(g->o.items->authors, author);
	if (g->o.entity == IG_ENTITY_AUTHOR) {
		push(g, ev->ts, ig_intern_add(g->vocab, a, alen), (float)w);
		return;
	}
	/* A repeat of the item just before: fold into its item-author pair. */
	if (g->n >= 2 && g->last_item == item) {
		if ((float)w > g->buf[g->n - 2].weight)
			g->buf[g->n - 2].weight = g->buf[g->n - 1].weight = (float)w;
		g->st.merged++;
		return;
	}
	g->last_item = item;
	push(g, ev->ts, ig_intern_add(g->vocab, item_id, ev->item_len), (float)w);
	if (alen + 2 > g->tmp_cap) {
		g->tmp_cap = alen + 64;
		g->tmp = ig_realloc(g->tmp, g->tmp_cap);
	}
	g->tmp[0] = '@';
	memcpy(g->tmp + 1, a, alen);
	push(g, ev->ts, ig_intern_add(g->vocab, g->tmp, alen + 1), (float)w);
}

int ig_engage_next(ig_engage_reader *g, ig_history *h)
{
	ig_user_group *u = &g->group;
	size_t i;

	while (ig_user_events_next(g->er, u)) {
		g->st.events += u->n;
		g->st.users++;
		g->n = 0;
		g->last_item = IG_INTERN_NONE;
		for (i = 0; i < u->n; i++)
			add_event(g, &u->ev[i], u->text + u->ev[i].item_off);
		if (g->n == 0)
			continue;
		h->user = u->user;
		h->user_len = u->user_len;
		h->e = g->buf;
		h->n = g->n;
		return 1;
	}
	return 0;
}

const ig_engage_stats *ig_engage_stats_get(const ig_engage_reader *g) { return &g->st; }
const ig_header *ig_engage_header(const ig_engage_reader *g) { return ig_user_events_header(g->er); }

void ig_engage_close(ig_engage_reader *g)
{
	if (g == NULL)
		return;
	ig_user_events_close(g->er);
	ig_user_group_free(&g->group);
	free(g->buf);
	free(g->tmp);
	free(g);
}
