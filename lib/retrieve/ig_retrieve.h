/* Candidate retrieval: the in-memory data the sources read (ig_rdata), a
 * user's history (ig_ruser), the sources themselves, the merge into one
 * list per user, and the batch run over an events stream that writes the
 * candidates stream of ig-formats(5). */
#ifndef IG_RETRIEVE_H
#define IG_RETRIEVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "io/ig_items.h"
#include "io/ig_tsv.h"
#include "io/ig_vectors.h"
#include "io/ig_writer.h"
#include "retrieve/ig_retrieve_spec.h"

/* Rows of neighbours: row r holds id[start[r] .. start[r+1]), best first. */
typedef struct ig_rcsr {
	uint32_t nrows;
	uint32_t *start;
	uint32_t *id;
	float *score;
} ig_rcsr;

typedef struct ig_ropts {
	int64_t at;              /* request time; -1: each user's last event */
	uint32_t total;          /* candidates per user (-n) */
	int keep_seen;           /* do not filter items the user has an event with */
	int keep_shown;          /* nor those only shown: impression, view, skip */
	int strict;              /* unknown ids in side inputs are fatal */
	double pop_half_life;    /* seconds */
	double trend_short, trend_long; /* half-lives of trending's two windows */
	double see_less_half_life;
	uint32_t cold;           /* users with fewer engagements are cold */
	uint32_t clusters;       /* k of k-means over user vectors; 0: sample / 200 in [2, 64] */
	uint32_t cluster_sample; /* users the centroids are fitted on */
	uint64_t seed;
	int verbose;
} ig_ropts;

void ig_ropts_default(ig_ropts *o);

/* What one source or filter found wrong with the side inputs. */
typedef struct ig_rstats {
	uint64_t unknown_neighbors, unknown_vectors, unknown_follows;
} ig_rstats;

/* The inputs a data set may have loaded, as slots of ig_rdata's have. */
enum ig_rinput {
	IG_RIN_ITEMS,
	IG_RIN_TOPICS,
	IG_RIN_NEIGHBORS,
	IG_RIN_ACCOUNT_NEIGHBORS,
	IG_RIN_VECTORS,
	IG_RIN_ACCOUNT_VECTORS,
	IG_RIN_EVENTS,           /* read for popularity: a file, not '-' */
	IG_RIN_INDEX,
	IG_RIN_FOLLOWS,
	IG_RIN_COUNT
};

typedef struct ig_rdata {
	ig_ropts opt;
	ig_intern *items, *accounts, *topics; /* vocabularies */
	/* the items stream: items 0 .. ncatalog-1 (0 without one) */
	ig_items *catalog;
	uint32_t ncatalog;
	ig_rcsr author_items;    /* account -> its items, newest first */
	ig_rcsr topic_items;     /* topic -> its items, newest first */
	ig_rcsr recent_items;    /* one row: every item, newest first */
	/* the topics stream */
	struct ig_topics *tree;
	uint32_t *parent;        /* the tree's: per topic, IG_INTERN_NONE for a root */
	ig_rcsr children;        /* the tree's lists (start, id) */
	uint32_t ntopic_tree;
	/* neighbours */
	ig_rcsr item_nbrs, account_nbrs;
	/* vectors */
	ig_vectors *item_vec, *account_vec;
	ig_vectors *user_vec;    /* ig-train-tower's user vectors (ig_retrieve_tower.c) */
	ig_vectors *tower_vec;   /* its item vectors (--tower-vectors); NULL: item_vec's */
	uint32_t *tower_vec_item; /* per row of tower_vec: the item */
	uint64_t *user_vec_found; /* users served who had one; the threads add atomically */
	struct ig_rtower *tower; /* or its model, embedding users at request time */
	struct ig_hnsw *index;   /* over item_vec; NULL: exact search */
	struct ig_rknn *knn_cache; /* item neighbours found so far, shared by the threads */
	uint32_t ef;             /* the index's search list */
	uint32_t *item_row;      /* per item: row in item_vec or IG_INTERN_NONE */
	uint32_t nitem_row;
	uint32_t *vec_item;      /* per row of item_vec: the item */
	uint32_t *account_row, naccount_row;
	uint32_t *vec_account;
	/* popularity, from a pass over the events */
	int has_pop;
	int64_t now;             /* --at, or the latest event */
	uint32_t npop;
	float *pop, *trend;      /* per item */
	uint32_t *exposure;      /* per item: impressions and views */
	ig_rcsr pop_global, trend_global; /* one row each, best first */
	ig_rcsr pop_topic;       /* per topic */
	uint32_t nclusters, dim;
	float *centroids;        /* nclusters x dim */
	ig_rcsr pop_cluster;     /* per cluster */
	/* who engaged with what, for the users step (ig_rdata_index_users):
	 * each user's distinct engaged items, each item's users in the order
	 * of the events, an item's inverse user frequency and a user's norm */
	int index_users;         /* the popularity pass builds it */
	ig_intern *users;
	uint32_t nusers, nuser_items, nidf; /* nidf: items indexed */
	uint64_t *user_start, *item_start;
	uint32_t *user_item, *item_user;
	float *idf, *user_norm;
	/* per item interned when the serving began: its place in bytewise
	 * order, which breaks the merged list's ties without the strings
	 * (ig_rdata_rank_items; items interned after have none) */
	uint32_t *item_rank, nitem_rank;
	ig_rstats stats;
	const char *have[IG_RIN_COUNT]; /* per enum ig_rinput: the option that loaded it, or NULL */
} ig_rdata;

/* One event of a user's history, items in the data's vocabulary. */
typedef struct ig_rev {
	int64_t ts;
	uint32_t item;
	uint8_t type;
} ig_rev;

typedef struct ig_ruser {
	const char *id;
	size_t len;
	ig_rev *ev;             /* time order, all before the request time */
	size_t nev;
	uint32_t *follows;      /* accounts */
	size_t nfollows;
	int64_t now;            /* request time */
} ig_ruser;

/* Loading, in this order: the items stream (the catalog), the topics
 * tree, a pass over the events for popularity (a file, read once or twice
 * for clusters), then neighbours and vectors. Each exits 1 on bad input. */
ig_rdata *ig_rdata_new(const ig_ropts *o);
void ig_rdata_load_items(ig_rdata *d, const char *path);
void ig_rdata_load_topics(ig_rdata *d, const char *path);
void ig_rdata_load_neighbors(ig_rdata *d, const char *path, int accounts);
void ig_rdata_load_vectors(ig_rdata *d, const char *path, int accounts);
/* The HNSW index of the item vectors (loaded first); exits 1 when it was
 * built from other vectors. EF 0: the index's default. */
void ig_rdata_load_index(ig_rdata *d, const char *path, uint32_t ef);
/* The tower source's own item vectors (ig-train-tower's PREFIX.items.vec),
 * searched exactly in place of the item vectors and their index, which
 * the knn steps keep. */
void ig_rdata_load_tower_vectors(ig_rdata *d, const char *path);
/* User vectors for the tower source, of the dimension of its item vectors
 * (loaded first). */
void ig_rdata_load_user_vectors(ig_rdata *d, const char *path);
/* Instead, ig-train-tower's model, which embeds each user from their
 * history and follows at the request time; after the items stream, the
 * topics and the item vectors of the same model. */
void ig_rdata_load_tower_model(ig_rdata *d, const char *path);
/* Popularity, trending, exposure; with CLUSTERS, k-means over the user
 * vectors (needs item vectors, loaded first) and popularity per cluster. */
void ig_rdata_popularity(ig_rdata *d, const char *events_path, int clusters);
/* Asks the popularity pass (called after) to index who engaged with what,
 * for the users step. */
void ig_rdata_index_users(ig_rdata *d);
/* Keeps each item's K nearest neighbours by vector once found, for the
 * knn steps of K (lists are the same as a new search's); a batch run sets
 * it up for the spec's first item knn step. */
void ig_rdata_cache_knn(ig_rdata *d, uint32_t k);
/* Ranks the items interned so far in bytewise order (d->item_rank), before
 * the users are served: the merge then compares two numbers, not two
 * strings, on a tie. The same order either way. */
void ig_rdata_rank_items(ig_rdata *d);
void ig_rdata_free(ig_rdata *d);

/* Why a source cannot run on D: the name of the first input it lacks
 * ("--neighbors"), or NULL. */
const char *ig_rsource_missing(const ig_rdata *d, const ig_rsource *src);

/* A weighted set of entities, each with the seed that contributed most. */
typedef struct ig_rset {
	uint32_t n, cap;
	uint32_t *id;
	float *score;
	uint64_t *seed;
	void *order;            /* scratch of ig_rset_top, cap entries */
} ig_rset;

/* Seeds: the kind in the high bits, the number in the low 32. */
#define IG_RSEED_NONE UINT64_C(0)
#define IG_RSEED_ITEM (UINT64_C(1) << 32)
#define IG_RSEED_ACCOUNT (UINT64_C(2) << 32)
#define IG_RSEED_TOPIC (UINT64_C(3) << 32)
#define IG_RSEED_GLOBAL (UINT64_C(4) << 32)
#define IG_RSEED_CLUSTER (UINT64_C(5) << 32)
#define IG_RSEED_USER (UINT64_C(6) << 32)

typedef struct ig_rwork ig_rwork;

/* Scratch space of one thread; sized for D as it is now. */
ig_rwork *ig_rwork_new(void);
void ig_rwork_fit(ig_rwork *w, const ig_rdata *d);
void ig_rwork_free(ig_rwork *w);

/* One source for one user: its items, best first, filtered (seen, hidden,
 * reported, created after the request, see_less discounted), at most
 * QUOTA. OUT is reset first. */
void ig_rsource_run(const ig_rdata *d, const ig_rsource *src, const ig_ruser *u, uint32_t quota,
		    ig_rwork *w, ig_rset *out);

/* A user's merged candidates. */
typedef struct ig_rcand {
	uint32_t item;
	float score;
	uint32_t sources;       /* bit s: source s proposed it */
	int reason;             /* the source that contributed most */
	uint64_t seed;
	float best;             /* the reason's contribution */
	uint32_t row;           /* its row of per-source scores in the list */
	uint32_t rank;          /* the item's d->item_rank, or UINT32_MAX */
} ig_rcand;

typedef struct ig_rlist {
	uint32_t n, cap, nsrc;
	ig_rcand *c;
	float *scores;          /* per row, nsrc source scores (NaN: not proposed) */
	int cold;               /* the cold-start rule applied */
} ig_rlist;

/* A source's contribution before its weight, by SPEC's mix (enum ig_rmix):
 * for the item at RANK (0 first) of SCORE, the source's BEST being > 0. */
float ig_rmix_scale(int mix, uint32_t rank, float score, float best);

/* Runs every source of SPEC for U and merges them into L, at most TOTAL,
 * best first (ties by item id, bytewise). */
void ig_retrieve_user(const ig_rdata *d, const ig_rspec *spec, uint32_t total, const ig_ruser *u,
		      ig_rwork *w, ig_rlist *l);
void ig_rlist_free(ig_rlist *l);
void ig_rset_free(ig_rset *s);

/* The candidates lines of L for user U, appended to BUF (grown). */
void ig_rlist_format(const ig_rdata *d, const ig_rspec *spec, const ig_ruser *u, const ig_rlist *l,
		     char **buf, size_t *len, size_t *cap);
/* Writes the candidates header with one s_NAME column per source. */
void ig_candidates_header(ig_writer *w, const ig_rspec *spec, const ig_header *upstream);
/* The seed as text ("i123", "global", "cluster3", "-"), into BUF. */
const char *ig_rseed_name(const ig_rdata *d, uint64_t seed, char *buf, size_t size, size_t *len);

/* The batch run. */
typedef struct ig_rbatch_opts {
	const char *events;      /* path */
	const char *follows;     /* path or NULL */
	const char *users;       /* path or NULL: users to serve */
	uint32_t shard, nshards;
	int threads;
	void (*progress)(uint64_t users, uint64_t candidates);
} ig_rbatch_opts;

typedef struct ig_rbatch_stats {
	uint64_t events, users, candidates, users_none, users_cold, follows;
	uint64_t users_listed;   /* distinct users of --users kept for the shard */
	double seconds_serving;  /* CPU of retrieving and formatting, summed over threads */
} ig_rbatch_stats;

void ig_retrieve_batch(ig_rdata *d, const ig_rspec *spec, const ig_rbatch_opts *bo, ig_writer *w,
		       ig_rbatch_stats *st);

#endif
