/* What a user's events say to the reranker: authors and items hidden or
 * reported, see_less with a half-life, impressions that never led to an
 * engagement, the topics of the long-term profile and of the last
 * session. */
#include "diversify/ig_diversify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_events.h"

#define FACT_ENGAGED IG_FACT_KINDS /* working kind, not returned */

typedef struct fact_buf {
	ig_div_fact *f;
	size_t n, cap;
} fact_buf;

static void push(fact_buf *b, uint32_t kind, uint32_t key, double value)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->f = ig_reallocarray(b->f, b->cap, sizeof *b->f);
	}
	b->f[b->n].kind = kind;
	b->f[b->n].key = key;
	b->f[b->n].value = (float)value;
	b->n++;
}

static int cmp_fact(const void *a, const void *b)
{
	const ig_div_fact *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return 0;
}

static int cmp_weight_desc(const void *a, const void *b)
{
	const ig_div_fact *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Sorts and sums facts of one kind and key into one. */
static void merge(fact_buf *b)
{
	size_t i, o = 0;

	if (b->n == 0)
		return;
	qsort(b->f, b->n, sizeof *b->f, cmp_fact);
	for (i = 0; i < b->n; i++) {
		if (o > 0 && cmp_fact(&b->f[o - 1], &b->f[i]) == 0)
			b->f[o - 1].value += b->f[i].value;
		else
			b->f[o++] = b->f[i];
	}
	b->n = o;
}

static const ig_div_fact *find(const fact_buf *b, uint32_t kind, uint32_t key)
{
	ig_div_fact k = {kind, key, 0};

	return b->n > 0 ? bsearch(&k, b->f, b->n, sizeof *b->f, cmp_fact) : NULL;
}

/* Drops impressions of items the user engaged with and the working
 * ENGAGED facts (looked up while the facts are still sorted), then keeps
 * the MAX heaviest interests (ties: lower topic number). */
static void finish(fact_buf *b, uint32_t max_interests)
{
	uint8_t *drop = ig_calloc(b->n + 1, 1);
	size_t i, o = 0, first = 0, count = 0;

	for (i = 0; i < b->n; i++)
		drop[i] = b->f[i].kind == FACT_ENGAGED ||
			  (b->f[i].kind == IG_FACT_SEEN && find(b, FACT_ENGAGED, b->f[i].key) != NULL);
	for (i = 0; i < b->n; i++)
		if (!drop[i])
			b->f[o++] = b->f[i];
	b->n = o;
	free(drop);
	for (i = 0; i < b->n; i++) {
		if (b->f[i].kind == IG_FACT_INTEREST) {
			if (count++ == 0)
				first = i;
		}
	}
	if (count > max_interests) {
		qsort(b->f + first, count, sizeof *b->f, cmp_weight_desc);
		memmove(b->f + first + max_interests, b->f + first + count,
			(b->n - first - count) * sizeof *b->f);
		b->n -= count - max_interests;
		qsort(b->f, b->n, sizeof *b->f, cmp_fact);
	}
}

static double interest_weight(int type)
{
	switch (type) {
	case IG_EV_SHARE:
	case IG_EV_SAVE:
		return 3;
	case IG_EV_LIKE:
	case IG_EV_COMMENT:
	case IG_EV_FOLLOW:
		return 2;
	default:
		return 0;
	}
}

static void topic_facts(fact_buf *b, const ig_items *it, uint32_t item, uint32_t kind, double value)
{
	uint32_t k;

	for (k = it->topic_start[item]; k < it->topic_start[item + 1]; k++)
		push(b, kind, it->topic_list[k], value);
}

size_t ig_div_user_facts(const ig_div_ctx *c, const ig_div_event *ev, size_t n, ig_div_fact **facts,
			 int64_t *now)
{
	const ig_div_opts *o = &c->opts;
	const ig_items *it = c->items;
	fact_buf b = {NULL, 0, 0};
	size_t i, session = n;
	int64_t t = o->now >= 0 ? o->now : n > 0 ? ev[n - 1].ts : c->latest_created;

	while (session > 0 && (session == n || ev[session].ts - ev[session - 1].ts <= o->session_gap))
		session--;
	for (i = 0; i < n; i++) {
		uint32_t item = ev[i].item;
		double w = interest_weight(ev[i].type);
		double age = t > ev[i].ts ? (double)(t - ev[i].ts) : 0, decay = pow(2, -age / o->see_less_half_life);

		if (item == IG_INTERN_NONE)
			continue;
		switch (ev[i].type) {
		case IG_EV_HIDE:
		case IG_EV_REPORT:
			push(&b, IG_FACT_BAN_AUTHOR, it->author[item], 1);
			push(&b, IG_FACT_BAN_ITEM, item, 1);
			break;
		case IG_EV_SEE_LESS:
			push(&b, IG_FACT_SEE_LESS_AUTHOR, it->author[item], decay);
			topic_facts(&b, it, item, IG_FACT_SEE_LESS_TOPIC, decay);
			break;
		case IG_EV_IMPRESSION:
			push(&b, IG_FACT_SEEN, item, 1);
			topic_facts(&b, it, item, IG_FACT_SEEN_TOPIC, decay);
			break;
		default:
			break;
		}
		if (w > 0) {
			push(&b, FACT_ENGAGED, item, 1);
			push(&b, IG_FACT_LIKED_AUTHOR, it->author[item], decay);
			topic_facts(&b, it, item, IG_FACT_LIKED_TOPIC, decay);
			topic_facts(&b, it, item, IG_FACT_INTEREST, w);
			if (i >= session)
				topic_facts(&b, it, item, IG_FACT_SHORT_TOPIC, 1);
		}
	}
	merge(&b);
	finish(&b, o->interests);
	*facts = b.f;
	*now = t;
	return b.n;
}
