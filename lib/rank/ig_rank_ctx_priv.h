/* The context that features are computed from: history, item statistics
 * and the optional side inputs. Shared by ig_rank_ctx.c (loading) and
 * ig_rank_features.c (per-user state and per-candidate features). */
#ifndef IG_RANK_CTX_PRIV_H
#define IG_RANK_CTX_PRIV_H
#include <math.h>
#include <stdio.h>

#include "io/ig_follows.h"
#include "io/ig_neighbors.h"
#include "io/ig_topics.h"

#include "rank/ig_rank.h"

typedef struct ig_rank_hev {
	int64_t ts;
	uint32_t item;
	uint8_t type;
	uint16_t lvalue;            /* the log of its value: ig_rank_lvalue_code */
} ig_rank_hev;

/* An event's value (a view's dwell time, a watched fraction) as its log
 * in thousandths, from -20 to 45.5, in 16 bits that the padding of
 * ig_rank_hev had free: 0 for none or a value of 0 or less. */
static inline uint16_t ig_rank_lvalue_code(int has_value, double value)
{
	double c;

	if (!has_value || !(value > 0))
		return 0;
	c = floor((log(value) + 20) * 1000 + 0.5);
	return (uint16_t)(1 + (c < 0 ? 0 : c > 65534 ? 65534 : c));
}

/* The log of the value of CODE (not 0). */
static inline double ig_rank_lvalue(uint16_t code)
{
	return (double)(code - 1) / 1000 - 20;
}

/* A neighbour as the features read it: the item's number and the score,
 * 8 bytes where the neighbors stream's rows hold 16 (with the support),
 * so that a history positive's list takes half the cache lines. */
typedef struct ig_rank_nb {
	uint32_t item;
	float score;
} ig_rank_nb;

/* What a user's preparation and a candidate's features read of an item,
 * together in one cache line (64 bytes, aligned), where the tables they
 * come from (items, statistics, neighbours) took one each: a history's
 * items and a user's candidates are scattered over the catalogue, each
 * table's entry a cache miss. Built at load. */
typedef struct ig_rank_item {
	double log_iusers;          /* log(1 + distinct users with a positive) */
	int64_t created;            /* -1: unknown, or not in the items stream */
	size_t pt_start;            /* its positives' times: pt[pt_start .. pt_start + npt) */
	size_t nb_start;            /* its neighbours: nb[nb_start .. nb_start + nnb) */
	uint32_t npt, nnb;
	uint32_t author;            /* as items->author; with meta only */
	uint32_t topic_start, topic_end; /* its topics: items->topic_list[topic_start .. topic_end) */
	uint32_t topic_set;         /* its list of topics' number among the catalogue's distinct
				     * lists (ntopic_sets); with meta only */
	uint8_t media;
	uint8_t meta;               /* in the items stream: author, media, topics */
} ig_rank_item;

struct ig_rank_ctx {
	ig_rank_fopts o;
	unsigned inputs;
	ig_items *items;          /* NULL without --items */
	ig_intern *item_ids;      /* items->ids, extended by the other inputs */
	ig_intern *users;         /* the users held: of the shard, in history order */
	size_t *u_start;          /* history of held user u: ev[u_start[u] .. u_start[u+1]) */
	ig_rank_hev *ev;
	size_t nev;
	uint32_t shard, nshards;  /* held: ig_shard_of(user, nshards) == shard; nshards 0: all */
	uint32_t nusers_all;      /* users of the history, held or not */
	FILE *spill;              /* with a shard: each user's place and the others' events */
	size_t nspilled;          /* events in the spill */
	const char *tmpdir;       /* of the spill; NULL: ig_tempdir's default */
	uint32_t nitems;
	float *pop;               /* nitems x IG_EV_COUNT, decayed to tref */
	float *iusers;            /* distinct users with a positive, per item */
	float *apop;              /* per author of items: the sum of its items' pop */
	float *lift, *alift;      /* with impressions, per item and author: ig_rank_lift_priv.h */
	int64_t tref;
	size_t *pt_start;         /* positives' times of item i: pt[pt_start[i] .. pt_start[i+1]) */
	int64_t *pt, *all_pt;     /* per item, and of every positive; sorted */
	size_t npt;
	ig_follows *follows;      /* authors numbered in items->authors */
	ig_topics *topics;        /* numbered in items->topics */
	const uint32_t *parent;   /* topics->parent: per topic, or IG_INTERN_NONE */
	uint32_t ntopics;
	ig_vectors *vec;
	uint32_t *vrow;           /* per item, or IG_INTERN_NONE */
	float *vunit;             /* unit-length copy of the vectors */
	int vec_isa;              /* the copy of rank/ig_rank_vec_kernel to run */
	/* --tower: the two towers' vectors, scaled to unit length where they
	 * were read, and per item the row of its item vector (IG_INTERN_NONE:
	 * none) */
	ig_vectors *tower_users, *tower_items;
	uint32_t *tower_row;
	ig_rank_nb *nb;           /* numbered in item_ids; NULL without --neighbors */
	ig_rank_item *item;       /* per item number (nitems) */
	uint32_t ntopic_sets;     /* distinct lists of topics of items */
	int nsources;
	char **sources;
	int nf;
	char **names;
};

/* The weight of a history event at TS: halved every half-life before
 * the reference time, as every count of the context is decayed. */
double ig_rank_decay(const ig_rank_ctx *c, int64_t ts);

/* Sorts the N times T ascending, through TMP (room for N): a radix sort
 * on the bytes of their span, as a qsort of millions of positives' times
 * took a tenth of loading a large history. */
void ig_rank_sort_times(int64_t *t, size_t n, int64_t *tmp);

/* Reads the history at PATH: the events of the users held into ev, the
 * others' into the spill; the items into item_ids, tref, IN_IMPRESSIONS
 * (ig_rank_history.c). */
void ig_rank_history_load(ig_rank_ctx *c, const char *path);

/* Calls FN for every user of the history, in the history's order (USER
 * numbered from 0 over all users, held or not), with that user's events
 * in order: the item tables' pass over the whole history. */
typedef void ig_rank_user_fn(void *arg, uint32_t user, const ig_rank_hev *ev, size_t n);
void ig_rank_history_scan(const ig_rank_ctx *c, ig_rank_user_fn *fn, void *arg);

/* ig_rank_user_prepare from the events EV[0..N) (in time order, items
 * numbered in the context) in place of the user's history: the history
 * and the events that followed it (ig-rank features --fresh-sessions).
 * The item tables stay those of the context's history. */
void ig_rank_user_prepare_events(ig_rank_user *u, const char *user, size_t len, int64_t now,
				 const ig_rank_hev *ev, size_t n);

/* Rebuilds the feature names after an input changed. */
void ig_rank_ctx_names(ig_rank_ctx *c);

#endif
