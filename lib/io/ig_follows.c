#include "io/ig_follows.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_fields_priv.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"

#define MAX_FIELDS 64

typedef struct edge_row {
	uint32_t user;
	ig_follow f;
	long line;
} edge_row;

static int cmp_user_line(const void *x, const void *y)
{
	const edge_row *a = x, *b = y;

	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

/* What a load builds, held (ig_hold_state) so that a bad row's exit
 * leaves it reachable. */
typedef struct loading {
	ig_follows *g;
	edge_row *rows;
	struct ig_follows_reader *fr;
} loading;

struct ig_follows_reader {
	ig_reader *r;
	ig_header h;
	char *f[MAX_FIELDS];
};

ig_follows_reader *ig_follows_open(const char *path)
{
	ig_follows_reader *fr = ig_calloc(1, sizeof *fr);

	fr->r = ig_reader_open(path);
	ig_schema_read_header(fr->r, IG_STREAM_FOLLOWS, &fr->h, NULL);
	return fr;
}

int ig_follows_next(ig_follows_reader *fr, ig_follows_row *row)
{
	const char *name = ig_reader_name(fr->r);
	char *line;
	long ln;
	int nf;

	if (ig_reader_getline(fr->r, &line) < 0)
		return 0;
	ln = ig_reader_lineno(fr->r);
	nf = ig_split_tabs(line, fr->f, MAX_FIELDS);
	if (nf != fr->h.ncols)
		ig_die_at(name, ln, "expected %d fields, got %d", fr->h.ncols, nf);
	row->user = fr->f[0];
	row->user_len = ig_field_id(name, ln, 1, "user", fr->f[0]);
	row->author = fr->f[1];
	row->author_len = ig_field_id(name, ln, 2, "author", fr->f[1]);
	row->ts = ig_field_opt_ts(name, ln, 3, "ts", fr->f[2]);
	row->line = ln;
	return 1;
}

const ig_header *ig_follows_header(const ig_follows_reader *fr)
{
	return &fr->h;
}

const char *ig_follows_name(const ig_follows_reader *fr)
{
	return ig_reader_name(fr->r);
}

void ig_follows_close(ig_follows_reader *fr)
{
	if (fr == NULL)
		return;
	ig_reader_close(fr->r);
	ig_header_free(&fr->h);
	free(fr);
}

ig_follows *ig_follows_load(const char *path, ig_intern *authors)
{
	loading ld;
	ig_hold hold;
	ig_follows *g;
	edge_row *rows;
	ig_follows_row fr;
	size_t n = 0, cap = 0, i;

	memset(&ld, 0, sizeof ld);
	ig_hold_state(&hold, &ld);
	g = ld.g = ig_calloc(1, sizeof *g);
	g->users = ig_intern_new();
	ld.fr = ig_follows_open(path);
	while (ig_follows_next(ld.fr, &fr)) {
		edge_row *row;

		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			ld.rows = ig_reallocarray(ld.rows, cap, sizeof *ld.rows);
		}
		row = &ld.rows[n];
		row->user = ig_intern_add(g->users, fr.user, fr.user_len);
		row->f.author = ig_intern_add(authors, fr.author, fr.author_len);
		row->f.ts = fr.ts;
		row->line = fr.line;
		n++;
	}
	/* the header outlives the reader */
	g->header = ld.fr->h;
	memset(&ld.fr->h, 0, sizeof ld.fr->h);
	ig_follows_close(ld.fr);
	ld.fr = NULL;
	rows = ld.rows;
	qsort(rows, n, sizeof *rows, cmp_user_line);
	g->nusers = ig_intern_count(g->users);
	g->count = n;
	g->start = ig_calloc((size_t)g->nusers + 1, sizeof *g->start);
	g->edge = ig_reallocarray(NULL, n ? n : 1, sizeof *g->edge);
	for (i = 0; i < n; i++) {
		g->start[rows[i].user + 1]++;
		g->edge[i] = rows[i].f;
	}
	for (i = 0; i < g->nusers; i++)
		g->start[i + 1] += g->start[i];
	free(rows);
	ig_release_state(&hold);
	return g;
}

const ig_follow *ig_follows_of(const ig_follows *g, uint32_t u, size_t *n)
{
	if (u >= g->nusers) {
		*n = 0;
		return NULL;
	}
	*n = (size_t)(g->start[u + 1] - g->start[u]);
	return g->edge + g->start[u];
}

const ig_follow *ig_follows_find(const ig_follows *g, const char *user, size_t len, size_t *n)
{
	return ig_follows_of(g, ig_intern_find(g->users, user, len), n);
}

void ig_follows_free(ig_follows *g)
{
	if (g == NULL)
		return;
	ig_intern_free(g->users);
	free(g->start);
	free(g->edge);
	ig_header_free(&g->header);
	free(g);
}
