/* Item popularity in memory: per item and event type, the count of
 * events, each decayed by half every HALF_LIFE seconds of age, for
 * retrieval (a popularity source) and ranking (popularity features).
 *
 * Each (item, type) keeps its count as of its latest event, so events
 * may come in any order and no reference time is needed while counting;
 * ig_pop_count then ages the count to the time asked. Events later than
 * that time count as of age 0. With HALF_LIFE 0 the counts are plain.
 * The sums are in floating point, in the order events are added: the
 * same input in the same order gives the same bits.
 *
 * Memory: 16 bytes per item and event type (176 per item). */
#ifndef IG_POPULARITY_H
#define IG_POPULARITY_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "io/ig_events.h"

typedef struct ig_popularity {
	double half_life;  /* seconds; 0: no decay */
	uint32_t nitems;   /* items numbered 0 .. nitems-1 (grows with ig_pop_add) */
	size_t cap;
	double *count;     /* [item * IG_EV_COUNT + type]: count as of last[...] */
	int64_t *last;     /* time of that (item, type)'s latest event */
	int64_t latest;    /* latest event time seen; INT64_MIN before any */
	uint64_t events;
} ig_popularity;

void ig_pop_init(ig_popularity *p, double half_life);
void ig_pop_free(ig_popularity *p);
/* Counts one event of TYPE with ITEM (a number in the caller's table) at TS. */
void ig_pop_add(ig_popularity *p, uint32_t item, int type, int64_t ts);
/* Counts every event of a user group read with an item table. */
void ig_pop_add_group(ig_popularity *p, const ig_user_group *g);
/* Counts an events stream, items interned into ITEMS. */
void ig_pop_add_stream(ig_popularity *p, const char *path, ig_intern *items);

/* The decayed count of ITEM's events of TYPE at time NOW (0 for an
 * item never counted). */
double ig_pop_count(const ig_popularity *p, uint32_t item, int type, int64_t now);
/* Sum over types of W[type] * ig_pop_count. */
double ig_pop_score(const ig_popularity *p, uint32_t item, const double w[IG_EV_COUNT], int64_t now);

typedef struct ig_pop_item {
	uint32_t item;
	double score;
} ig_pop_item;

/* The (at most) K items of highest positive ig_pop_score at NOW, best
 * first, ties by id bytewise (IDS: the table the items are numbered in);
 * returns how many were stored in OUT. */
size_t ig_pop_top(const ig_popularity *p, const double w[IG_EV_COUNT], int64_t now, const ig_intern *ids,
		  size_t k, ig_pop_item *out);

#endif
