/* A topics stream of ig-formats(5) loaded whole into memory: the topic
 * tree, with each topic's parent, children and depth.
 *
 * Topics are interned into a table the caller may pass (an items table's
 * topics, so that numbers agree) or that the tree owns. Checked: ids, a
 * topic listed once, every parent listed as a topic, no cycle. A topic
 * the caller's table held before loading and the stream does not list is
 * a root of depth 0 with listed[t] == 0.
 *
 * Memory: about 20 bytes per topic plus the ids. */
#ifndef IG_TOPICS_H
#define IG_TOPICS_H

#include <stdint.h>

#include "core/ig_intern.h"
#include "io/ig_tsv.h"

typedef struct ig_topics {
	ig_intern *ids;         /* topic id -> topic number */
	int own_ids;
	uint32_t count;         /* topics numbered 0 .. count-1 */
	uint32_t *parent;       /* IG_INTERN_NONE for a root */
	uint32_t *depth;        /* 0 for a root */
	uint32_t *child_start;  /* children of t: child[child_start[t] .. child_start[t+1]) */
	uint32_t *child;        /* in file order */
	uint8_t *listed;        /* the stream lists t */
	uint32_t nroots;
	uint32_t max_depth;
	ig_header header;
} ig_topics;

/* Loads PATH ("-" is stdin) into IDS, or a table of its own when IDS is
 * NULL. A malformed stream exits 1 naming file and line. */
ig_topics *ig_topics_load(const char *path, ig_intern *ids);
/* The ancestor of T at DEPTH (T itself when DEPTH >= depth[T]). */
uint32_t ig_topics_ancestor(const ig_topics *t, uint32_t topic, uint32_t depth);
void ig_topics_free(ig_topics *t);

#endif
