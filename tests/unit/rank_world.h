/* ig-rank unit tests' fixture: a context over hand-made events and items
 * streams (written to temporary files) and user u1 prepared at a given
 * time. Include after cmocka.h and temp_text.h. */
#ifndef IG_TEST_RANK_WORLD_H
#define IG_TEST_RANK_WORLD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rank/ig_rank.h"

typedef struct rank_world {
	char *ep, *ip;
	ig_rank_ctx *c;
	ig_rank_user *u;
} rank_world;

static void rank_world_load(rank_world *w, const char *events, const char *items, int64_t now)
{
	ig_rank_inputs in = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	ig_rank_fopts o;

	w->ep = write_temp(events);
	w->ip = write_temp(items);
	in.history = w->ep;
	in.items = w->ip;
	ig_rank_fopts_default(&o);
	w->c = ig_rank_ctx_load(&in, &o);
	w->u = ig_rank_user_new(w->c);
	ig_rank_user_prepare(w->u, "u1", 2, now);
}

static void rank_world_free(rank_world *w)
{
	ig_rank_user_free(w->u);
	ig_rank_ctx_free(w->c);
	unlink(w->ep);
	unlink(w->ip);
	free(w->ep);
	free(w->ip);
}

/* The column of feature NAME, -1 when the context lacks it. */
static int rank_world_column(const ig_rank_ctx *c, const char *name)
{
	int i;

	for (i = 0; i < ig_rank_nfeatures(c); i++)
		if (strcmp(ig_rank_feature_name(c, i), name) == 0)
			return i;
	return -1;
}

/* The feature NAME of item ITEM for u1; fails the test when there is no
 * such feature. */
static float rank_world_feature(const rank_world *w, const char *item, const char *name)
{
	ig_rank_cand cd = {item, strlen(item), 0, 0, NULL, 0, 0};
	float x[256];
	int i = rank_world_column(w->c, name);

	assert_true(ig_rank_nfeatures(w->c) <= 256);
	if (i < 0)
		fail_msg("no feature %s", name);
	ig_rank_features(w->u, &cd, x);
	return x[i];
}

#endif
