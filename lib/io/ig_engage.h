/* Per-user engagement histories from an events stream: the input shared by
 * ig-train-w2v and ig-cooccur. Events are weighted by type; those of weight
 * 0 are dropped; items may be mapped to their authors. */
#ifndef IG_ENGAGE_H
#define IG_ENGAGE_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_events.h"
#include "core/ig_intern.h"
#include "io/ig_items.h"

typedef enum ig_entity {
	IG_ENTITY_ITEM,   /* the item itself */
	IG_ENTITY_AUTHOR, /* the item's author (needs an items stream) */
	IG_ENTITY_BOTH    /* the item, then its author as "@AUTHOR" */
} ig_entity;

/* Parses "item", "author" or "both"; -1 otherwise. */
int ig_entity_parse(const char *s);

typedef struct ig_engage_opts {
	double weights[IG_EV_COUNT]; /* per event type; 0 drops the type */
	double min_view_value;       /* a view counts only with value >= this */
	int entity;                  /* enum ig_entity */
	const ig_items *items;       /* required for AUTHOR and BOTH */
} ig_engage_opts;

/* Weights from ig_event_weights_default, min_view_value 0, items. */
void ig_engage_opts_default(ig_engage_opts *o);

typedef struct ig_engagement {
	int64_t ts;
	uint32_t id;     /* number of the entity in the caller's vocabulary */
	float weight;
} ig_engagement;

typedef struct ig_history {
	const char *user;      /* valid until the next call */
	size_t user_len;
	ig_engagement *e;      /* in time order; valid until the next call */
	size_t n;
} ig_history;

typedef struct ig_engage_stats {
	uint64_t events;       /* read */
	uint64_t used;         /* became engagements */
	uint64_t dropped;      /* weight 0 or a view below min_view_value */
	uint64_t merged;       /* repeats of the entity just before, folded in */
	uint64_t unknown_item; /* not in the items stream (AUTHOR, BOTH) */
	uint64_t users;
} ig_engage_stats;

typedef struct ig_engage_reader ig_engage_reader;

/* Entities are interned into VOCAB, which the caller owns. */
ig_engage_reader *ig_engage_open(const char *events_path, const ig_engage_opts *o, ig_intern *vocab);
/* The next user's history (users with no engagement are skipped); 0 at
 * the end. Consecutive engagements with the same entity are folded into
 * one, keeping the first time and the largest weight (with BOTH, a repeat
 * of the item just before folds into that item and its author). */
int ig_engage_next(ig_engage_reader *g, ig_history *h);
const ig_engage_stats *ig_engage_stats_get(const ig_engage_reader *g);
const ig_header *ig_engage_header(const ig_engage_reader *g);
void ig_engage_close(ig_engage_reader *g);

#endif
