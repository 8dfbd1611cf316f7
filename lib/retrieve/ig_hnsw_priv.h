/* The HNSW index in memory, shared by its build, search, file and kernel
 * parts. Private to lib/retrieve.
 *
 * Level 0, which every search spends nearly all its time in, is one array
 * of N records of STRIDE bytes: the node's vector (normalised for cosine;
 * padded to 16 bytes), then its link count and up to M0 links, so that a
 * visit reads one place. Upper levels are blocks of 1 + M words (count,
 * links), LEVELS[i] of them for node i from block UPPER_START[i]. */
#ifndef IG_HNSW_PRIV_H
#define IG_HNSW_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_topk.h"
#include "retrieve/ig_ann.h"

#define IG_HNSW_MAX_LEVEL 48

struct ig_hnsw {
	uint32_t n, dim, M, M0, ef_construction, max_level, entry;
	ig_ann_metric metric;
	uint64_t seed, checksum;
	size_t stride;          /* bytes per level-0 record */
	size_t links_off;       /* where the count and links start in a record */
	size_t prefetch_bytes;  /* of a vector, before it is read */
	unsigned char *level0;  /* n * stride */
	const uint8_t *levels;  /* n */
	uint32_t *upper_start;  /* n */
	uint32_t *upper;        /* upper_blocks * (1 + M) */
	uint64_t upper_blocks;
	char *prov;             /* "##" lines, NUL-terminated */
	/* Owned storage: either allocated (built) or one mapping (loaded). */
	void *map;
	size_t map_len;
	unsigned char *own_level0;
	uint8_t *own_levels;
	uint32_t *own_upper;
	/* Build only: a spin lock per node, guarding its links. */
	uint8_t *locks;
};

static inline const float *ig_hnsw_vec(const ig_hnsw *h, uint32_t id)
{
	return (const float *)(const void *)(h->level0 + (size_t)id * h->stride);
}

/* Count, then links, of node ID on LEVEL. */
static inline uint32_t *ig_hnsw_links(const ig_hnsw *h, uint32_t id, uint32_t level)
{
	if (level == 0)
		return (uint32_t *)(void *)(h->level0 + (size_t)id * h->stride + h->links_off);
	return h->upper + ((uint64_t)h->upper_start[id] + level - 1) * (1 + h->M);
}

static inline void ig_hnsw_lock(const ig_hnsw *h, uint32_t id)
{
	while (__atomic_test_and_set(&h->locks[id], __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static inline void ig_hnsw_unlock(const ig_hnsw *h, uint32_t id)
{
	__atomic_clear(&h->locks[id], __ATOMIC_RELEASE);
}

typedef struct {
	float sim;
	uint32_t id;
} ig_ann_cand;

/* One search's working memory: a visited tag per node (a node is visited
 * when its tag equals EPOCH, so clearing is one increment), the candidate
 * max-heap and the result min-heap, a copy of the links of a node being
 * changed by another thread, and the normalised query. */
typedef struct {
	uint32_t *tag;
	size_t tag_n;
	uint32_t epoch;
	ig_ann_cand *cand, *res;
	size_t cand_cap, res_cap;
	uint32_t *links, *fresh;   /* M0 + 1 each */
	size_t links_cap;
	float *q;
	size_t q_cap;
} ig_ann_scratch;

/* Ready for a search of H with a list of EF: a new epoch. */
void ig_ann_scratch_prepare(ig_ann_scratch *s, const ig_hnsw *h, size_t ef);
void ig_ann_scratch_free(ig_ann_scratch *s);
/* The calling thread's own scratch. */
ig_ann_scratch *ig_ann_scratch_thread(void);

/* The kernel copies, one per instruction set (ig_ann_search_kernel.c).
 * LOCKED: links are read under their node's lock (during a build). */
typedef struct {
	const char *name;
	float (*dot)(const float *a, const float *b, uint32_t dim);
	/* Greedy descent from EP (similarity *SIM) down to level TO. */
	uint32_t (*greedy)(const ig_hnsw *h, const float *q, uint32_t ep, float *sim, uint32_t from,
			   uint32_t to, ig_ann_scratch *s, int locked);
	/* The best EF nodes of LEVEL reachable from EP, as a min-heap in
	 * s->res; returns their number. EXCLUDE is walked through but not
	 * returned. */
	size_t (*search_layer)(const ig_hnsw *h, const float *q, uint32_t ep, float ep_sim, uint32_t level,
			       size_t ef, uint32_t exclude, ig_ann_scratch *s, int locked);
	/* For rows [0, N) of DATA (DIM floats each): Q.row in DOT and row.row
	 * in NORM2 (if not NULL). */
	void (*scan)(const float *data, uint32_t dim, size_t n, const float *q, float *dot, float *norm2);
} ig_ann_kernel;

const ig_ann_kernel *ig_ann_kernel_get(void);
/* The copy for instruction set ISA (enum ig_isa), NULL if not built: for
 * tests, which compare the copies this CPU runs. */
const ig_ann_kernel *ig_ann_kernel_copy(int isa);

/* Heap order: the better candidate has the higher similarity, then the
 * lower id. */
static inline int ig_ann_better(ig_ann_cand a, ig_ann_cand b)
{
	return a.sim > b.sim || (a.sim == b.sim && a.id < b.id);
}

/* Fills M0, STRIDE, LINKS_OFF and PREFETCH_BYTES from DIM and M. */
void ig_hnsw_layout(ig_hnsw *h);

/* The checksum of an index file's first 120 bytes, stored at 120 (for
 * the fuzz harness, which patches headers to reach the checks after). */
#define IG_HNSW_HEADER_SUM_AT 120
#define IG_HNSW_CHECKSUM_AT 32
uint64_t ig_hnsw_header_sum(const void *header);

/* Results: a heap with the worst on top (ig_ann_res_offer keeps the
 * best; ig_ann_res_sort_heap sorts them, ig_ann_res_sort any array, best
 * first). A search frontier: the same with the best on top. */
#define IG_ANN_BETTER_P(a, b) ig_ann_better(*(a), *(b))
#define IG_ANN_WORSE_P(a, b) ig_ann_better(*(b), *(a))
IG_TOPK_DEFINE(ig_ann_res, ig_ann_cand, IG_ANN_BETTER_P)
IG_TOPK_DEFINE(ig_ann_front, ig_ann_cand, IG_ANN_WORSE_P)

#endif
