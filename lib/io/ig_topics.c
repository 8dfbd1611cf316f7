#include "io/ig_topics.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_fields_priv.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"

#define MAX_FIELDS 64
#define UNSET UINT32_MAX

typedef struct topic_row {
	uint32_t topic, parent;
	long line;
} topic_row;

/* What reading builds, held (ig_hold_state) so that a bad row's exit
 * leaves it reachable. */
typedef struct reading {
	topic_row *rows;
	long *seen;
} reading;

static topic_row *read_rows(ig_reader *r, ig_topics *t, size_t *nrows)
{
	const char *name = ig_reader_name(r);
	reading rd;
	ig_hold hold;
	size_t n = 0, cap = 0, seen_cap = 0;
	char *line, *f[MAX_FIELDS];
	ssize_t len;

	memset(&rd, 0, sizeof rd);
	ig_hold_state(&hold, &rd);
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		long ln = ig_reader_lineno(r);
		int nf = ig_split_tabs(line, f, MAX_FIELDS);
		uint32_t id;

		if (nf != t->header.ncols)
			ig_die_at(name, ln, "expected %d fields, got %d", t->header.ncols, nf);
		id = ig_intern_add(t->ids, f[0], ig_field_id(name, ln, 1, "topic", f[0]));
		if (id >= seen_cap) {
			size_t old = seen_cap;

			seen_cap = (size_t)id + 1024;
			rd.seen = ig_reallocarray(rd.seen, seen_cap, sizeof *rd.seen);
			memset(rd.seen + old, 0, (seen_cap - old) * sizeof *rd.seen);
		}
		if (rd.seen[id])
			ig_die_at(name, ln, "field 1 (topic): '%s' listed twice (line %ld)", ig_esc(f[0]), rd.seen[id]);
		rd.seen[id] = ln;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			rd.rows = ig_reallocarray(rd.rows, cap, sizeof *rd.rows);
		}
		rd.rows[n].topic = id;
		rd.rows[n].parent = f[1][0] == '\0' ? IG_INTERN_NONE
			: ig_intern_add(t->ids, f[1], ig_field_id(name, ln, 2, "parent", f[1]));
		rd.rows[n].line = ln;
		n++;
	}
	free(rd.seen);
	ig_release_state(&hold);
	*nrows = n;
	return rd.rows;
}

/* Depth of TOPIC, computed up the tree; a walk longer than the number of
 * topics has met a cycle. */
static uint32_t depth_of(ig_topics *t, uint32_t topic, const long *line, const char *name)
{
	uint32_t d = 0, p = topic, k;

	while (t->depth[p] == UNSET && t->parent[p] != IG_INTERN_NONE) {
		p = t->parent[p];
		if (++d > t->count)
			ig_die_at(name, line[topic], "topic '%s' is its own ancestor: the topics must form a tree",
				  ig_esc(ig_intern_str(t->ids, topic)));
	}
	if (t->depth[p] == UNSET)
		t->depth[p] = 0;
	d += t->depth[p];
	for (p = topic, k = d; t->depth[p] == UNSET; p = t->parent[p], k--)
		t->depth[p] = k;
	return d;
}

static void link_tree(ig_topics *t, const topic_row *rows, size_t n, const char *name)
{
	long *line = ig_calloc((size_t)t->count + 1, sizeof *line);
	uint32_t *next;
	ig_hold hold;
	size_t i;

	ig_hold_state(&hold, &line); /* a bad parent's exit leaves it reachable */

	for (i = 0; i < n; i++) {
		t->listed[rows[i].topic] = 1;
		t->parent[rows[i].topic] = rows[i].parent;
		line[rows[i].topic] = rows[i].line;
	}
	for (i = 0; i < n; i++)
		if (rows[i].parent != IG_INTERN_NONE && !t->listed[rows[i].parent])
			ig_die_at(name, rows[i].line, "field 2 (parent): '%s' is not a listed topic",
				  ig_esc(ig_intern_str(t->ids, rows[i].parent)));
	for (i = 0; i < t->count; i++) {
		uint32_t d = depth_of(t, (uint32_t)i, line, name);

		if (d > t->max_depth)
			t->max_depth = d;
		if (t->parent[i] == IG_INTERN_NONE)
			t->nroots++;
		else
			t->child_start[t->parent[i] + 1]++;
	}
	for (i = 0; i < t->count; i++)
		t->child_start[i + 1] += t->child_start[i];
	next = ig_reallocarray(NULL, (size_t)t->count + 1, sizeof *next);
	memcpy(next, t->child_start, ((size_t)t->count + 1) * sizeof *next);
	for (i = 0; i < n; i++)
		if (rows[i].parent != IG_INTERN_NONE)
			t->child[next[rows[i].parent]++] = rows[i].topic;
	free(next);
	ig_release_state(&hold);
	free(line);
}

ig_topics *ig_topics_load(const char *path, ig_intern *ids)
{
	ig_reader *r = ig_reader_open(path);
	struct {
		ig_topics *t;
		topic_row *rows;
	} ld = {NULL, NULL};
	ig_hold hold;
	ig_topics *t;
	topic_row *rows;
	size_t n, i;

	ig_hold_state(&hold, &ld); /* a bad row's exit leaves them reachable */
	t = ld.t = ig_calloc(1, sizeof *t);
	t->ids = ids ? ids : ig_intern_new();
	t->own_ids = ids == NULL;
	ig_schema_read_header(r, IG_STREAM_TOPICS, &t->header, NULL);
	rows = ld.rows = read_rows(r, t, &n);
	t->count = ig_intern_count(t->ids);
	t->parent = ig_reallocarray(NULL, (size_t)t->count + 1, sizeof *t->parent);
	t->depth = ig_reallocarray(NULL, (size_t)t->count + 1, sizeof *t->depth);
	for (i = 0; i < t->count; i++) {
		t->parent[i] = IG_INTERN_NONE;
		t->depth[i] = UNSET;
	}
	t->child_start = ig_calloc((size_t)t->count + 1, sizeof *t->child_start);
	t->child = ig_reallocarray(NULL, n ? n : 1, sizeof *t->child);
	t->listed = ig_calloc((size_t)t->count + 1, 1);
	link_tree(t, rows, n, ig_reader_name(r));
	ig_reader_close(r);
	free(rows);
	ig_release_state(&hold);
	return t;
}

uint32_t ig_topics_ancestor(const ig_topics *t, uint32_t topic, uint32_t depth)
{
	while (t->depth[topic] > depth)
		topic = t->parent[topic];
	return topic;
}

void ig_topics_free(ig_topics *t)
{
	if (t == NULL)
		return;
	if (t->own_ids)
		ig_intern_free(t->ids);
	free(t->parent);
	free(t->depth);
	free(t->child_start);
	free(t->child);
	free(t->listed);
	ig_header_free(&t->header);
	free(t);
}
