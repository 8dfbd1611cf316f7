/* The context that features are computed from: history, item statistics
 * and the optional side inputs. Shared by ig_rank_ctx.c (loading) and
 * ig_rank_features.c (per-user state and per-candidate features). */
#ifndef IG_RANK_CTX_PRIV_H
#define IG_RANK_CTX_PRIV_H
#include "rank/ig_rank.h"

typedef struct ig_rank_hev {
	int64_t ts;
	uint32_t item;
	uint8_t type;
} ig_rank_hev;

struct ig_rank_ctx {
	ig_rank_fopts o;
	unsigned inputs;
	ig_items *items;          /* NULL without --items */
	ig_intern *item_ids;      /* items->ids, extended by the other inputs */
	ig_intern *users;
	size_t *u_start;          /* history of user u: ev[u_start[u] .. u_start[u+1]) */
	ig_rank_hev *ev;
	size_t nev;
	uint32_t nitems;
	float *pop;               /* nitems x IG_EV_COUNT, decayed to tref */
	float *iusers;            /* distinct users with a positive, per item */
	float *apop;              /* per author of items: the sum of its items' pop */
	int64_t tref;
	size_t *pt_start;         /* positives' times of item i: pt[pt_start[i] .. pt_start[i+1]) */
	int64_t *pt, *all_pt;     /* per item, and of every positive; sorted */
	size_t npt;
	ig_intern *follows;       /* "user\tauthor" */
	uint32_t *parent;         /* per topic of items->topics, or IG_INTERN_NONE */
	uint32_t ntopics;
	ig_vectors *vec;
	uint32_t *vrow;           /* per item, or IG_INTERN_NONE */
	float *vunit;             /* unit-length copy of the vectors */
	size_t *nb_start;         /* neighbours of item i: nb_id/nb_s[nb_start[i] .. nb_start[i+1]) */
	uint32_t *nb_id;
	float *nb_s;
	int nsources;
	char **sources;
	int nf;
	char **names;
};

/* Rebuilds the feature names after an input changed. */
void ig_rank_ctx_names(ig_rank_ctx *c);

#endif
