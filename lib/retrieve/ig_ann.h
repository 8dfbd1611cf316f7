/* Approximate nearest neighbours over a set of vectors: an HNSW graph
 * (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
 * search using Hierarchical Navigable Small World graphs", 2018), saved to
 * a file that is opened with mmap, and exact brute force to check it.
 * Ids are the rows of the ig_vectors the index was built from; a
 * similarity is higher for nearer vectors (cosine, or inner product). */
#ifndef IG_ANN_H
#define IG_ANN_H

#include <stddef.h>
#include <stdint.h>

#include "io/ig_vectors.h"
#include "io/ig_writer.h"

typedef enum { IG_ANN_COSINE, IG_ANN_IP } ig_ann_metric;

/* "cosine" or "ip" to a metric, or -1; and back. */
int ig_ann_metric_parse(const char *s);
const char *ig_ann_metric_name(ig_ann_metric m);

typedef struct {
	uint32_t M;               /* links per node on upper levels; 2M on level 0 */
	uint32_t ef_construction; /* candidate list while inserting */
	int threads;              /* build threads; 1 is deterministic */
	uint64_t seed;            /* node levels */
	ig_ann_metric metric;
} ig_hnsw_opts;

#define IG_HNSW_DEFAULT_M 16
#define IG_HNSW_DEFAULT_EF_CONSTRUCTION 200
#define IG_HNSW_DEFAULT_EF 64
#define IG_HNSW_MAX_M 1024

/* M 16, ef_construction 200, 1 thread, seed 1, cosine. */
ig_hnsw_opts ig_hnsw_opts_default(void);

typedef struct ig_hnsw ig_hnsw;

/* Builds the graph over every row of V (which the index copies: V may be
 * freed afterwards). With cosine the rows are normalised once; a zero row
 * is kept but never found. Exits 1 on bad options or too little memory. */
ig_hnsw *ig_hnsw_build(const ig_vectors *v, const ig_hnsw_opts *o);

/* Writes the index to PATH (not "-": it is read back with mmap), with the
 * "##pg" provenance line of RUN (this run; none when NULL) after the
 * lines of UPSTREAM_PROV (NULL or "##"-lines, each ending in a newline).
 * Exits 1 naming PATH on any write error. */
void ig_hnsw_save(const ig_hnsw *h, const char *path, const char *upstream_prov, const ig_prov *run);

/* Maps the index at PATH and checks it against V, the vectors it must have
 * been built from. Exits 1 with "PROG: PATH: ..." when it is not an index,
 * of another version, truncated or damaged, or made from other vectors
 * (dimensions, count or checksum). */
ig_hnsw *ig_hnsw_load(const char *path, const ig_vectors *v);

void ig_hnsw_free(ig_hnsw *h);

/* The K rows nearest to Q (dim floats), best first, ties by lower row,
 * leaving out row EXCLUDE (IG_INTERN_NONE: none), searching with a list
 * of max(EF, K) candidates. Returns how many were stored in IDS and SIMS.
 * Thread-safe: the scratch space is the calling thread's own. */
size_t ig_hnsw_search(const ig_hnsw *h, const float *q, size_t k, size_t ef, uint32_t exclude,
		      uint32_t *ids, float *sims);

/* The same by looking at every row of V: exact. With cosine, rows of zero
 * length are never returned, nor anything for a zero Q. */
size_t ig_ann_brute(const ig_vectors *v, ig_ann_metric m, const float *q, size_t k, uint32_t exclude,
		    uint32_t *ids, float *sims);

/* Checksum of V's count, dimensions and values (bit for bit) that an index
 * records to recognise the vectors it was built from. */
uint64_t ig_ann_checksum(const ig_vectors *v);

/* What an index is. */
uint32_t ig_hnsw_size(const ig_hnsw *h);
uint32_t ig_hnsw_dim(const ig_hnsw *h);
ig_ann_metric ig_hnsw_metric(const ig_hnsw *h);
uint32_t ig_hnsw_M(const ig_hnsw *h);
uint32_t ig_hnsw_levels(const ig_hnsw *h);
/* The "##" provenance lines stored in the index, each ending in "\n". */
const char *ig_hnsw_provenance(const ig_hnsw *h);
/* Bytes of memory the index holds (mapped or allocated). */
size_t ig_hnsw_bytes(const ig_hnsw *h);

/* The name of the distance kernel this CPU runs ("avx512", "avx2", ...). */
const char *ig_ann_kernel_name(void);

#endif
