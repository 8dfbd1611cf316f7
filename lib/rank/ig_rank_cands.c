/* Candidates and ranked streams, one user at a time. */
#include <stdlib.h>
#include <string.h>

#include "core/ig_arena.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "rank/ig_rank.h"

struct ig_rank_cands {
	ig_reader *r;
	ig_header h;
	int cu, ci, cscore, csources, creason;
	int ns, *scol;
	char **sources;
	char **f;
	ig_intern *seen;
	ig_rank_row *rows;
	size_t cap;
	double *s;
	size_t scap;
	ig_arena arena;
	char user[IG_MAX_ID_LEN + 1];
	uint64_t nrows;
};

static void columns(ig_rank_cands *c)
{
	int i, ranked = strcmp(c->h.kind, IG_RANKED_KIND) == 0;

	if (!ranked && strcmp(c->h.kind, IG_CANDIDATES_KIND) != 0)
		ig_die_at(ig_reader_name(c->r), 1, "expected a candidates or ranked stream, got %s", c->h.kind);
	c->cu = ig_header_need_col(&c->h, c->r, "user");
	c->ci = ig_header_need_col(&c->h, c->r, "item");
	c->cscore = ig_header_col(&c->h, ranked ? "retrieval_score" : "score");
	c->csources = ig_header_col(&c->h, "sources");
	c->creason = ig_header_col(&c->h, "reason");
	c->scol = ig_malloc(((size_t)c->h.ncols + 1) * sizeof *c->scol);
	c->sources = ig_malloc(((size_t)c->h.ncols + 1) * sizeof *c->sources);
	for (i = 0; i < c->h.ncols; i++)
		if (strncmp(c->h.cols[i], "s_", 2) == 0 && c->h.cols[i][2]) {
			c->scol[c->ns] = i;
			c->sources[c->ns++] = c->h.cols[i] + 2;
		}
}

ig_rank_cands *ig_rank_cands_open(const char *path)
{
	ig_rank_cands *c = ig_calloc(1, sizeof *c);

	c->r = ig_reader_open(path);
	ig_header_read(c->r, NULL, 1, &c->h);
	columns(c);
	c->f = ig_malloc(((size_t)c->h.ncols + 1) * sizeof *c->f);
	c->seen = ig_intern_new();
	return c;
}

int ig_rank_cands_nsources(const ig_rank_cands *c) { return c->ns; }
char *const *ig_rank_cands_sources(const ig_rank_cands *c) { return c->sources; }
const ig_header *ig_rank_cands_header(const ig_rank_cands *c) { return &c->h; }
const char *ig_rank_cands_name(const ig_rank_cands *c) { return ig_reader_name(c->r); }
uint64_t ig_rank_cands_rows(const ig_rank_cands *c) { return c->nrows; }

/* Copies S into the arena; returns its offset. */
static size_t keep(ig_rank_cands *c, const char *s)
{
	return ig_arena_add(&c->arena, s, strlen(s));
}

static int count_sources(const char *s)
{
	int n = 1;

	if (s[0] == '\0' || strcmp(s, "-") == 0)
		return 0;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

static void parse_row(ig_rank_cands *c, ig_rank_row *row, size_t k)
{
	const char *name = ig_reader_name(c->r);
	long line = ig_reader_lineno(c->r);
	char **f = c->f;
	int i, nonempty = 0;

	if (!ig_valid_id(f[c->ci], strlen(f[c->ci])))
		ig_die_at(name, line, "item: invalid id '%s'", f[c->ci]);
	row->retrieval_score = 0;
	if (c->cscore >= 0 && f[c->cscore][0] && ig_parse_double(f[c->cscore], &row->retrieval_score) != 0)
		ig_die_at(name, line, "%s: not a finite number: '%s'", c->h.cols[c->cscore], f[c->cscore]);
	if (k + (size_t)c->ns > c->scap) {
		while (k + (size_t)c->ns > c->scap)
			c->scap = c->scap ? 2 * c->scap : 4096;
		c->s = ig_reallocarray(c->s, c->scap, sizeof *c->s);
	}
	for (i = 0; i < c->ns; i++) {
		const char *v = f[c->scol[i]];

		c->s[k + (size_t)i] = 0;
		if (v[0] && ig_parse_double(v, &c->s[k + (size_t)i]) != 0)
			ig_die_at(name, line, "s_%s: not a finite number: '%s'", c->sources[i], v);
		nonempty += v[0] != '\0';
	}
	/* offsets now, pointers once the group is complete (the arena moves) */
	row->item = (const char *)(uintptr_t)keep(c, f[c->ci]);
	row->item_len = strlen(f[c->ci]);
	row->sources = (const char *)(uintptr_t)keep(c, c->csources >= 0 ? f[c->csources] : "");
	row->reason = (const char *)(uintptr_t)keep(c, c->creason >= 0 ? f[c->creason] : "");
	row->nsources = c->csources >= 0 ? count_sources(f[c->csources]) : nonempty;
}

static void fix_pointers(ig_rank_cands *c, ig_rank_group *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		ig_rank_row *row = &g->rows[i];

		row->item = c->arena.buf + (uintptr_t)row->item;
		row->sources = c->arena.buf + (uintptr_t)row->sources;
		row->reason = c->arena.buf + (uintptr_t)row->reason;
		row->s = c->s + i * (size_t)c->ns;
	}
}

/* Field K of LINE without splitting it (a line handed back by unget must
 * stay whole): its start and length, or NULL when the line is short. */
static const char *field_at(const char *line, int k, size_t *len)
{
	const char *end;

	for (; k > 0; k--) {
		line = strchr(line, '\t');
		if (line == NULL)
			return NULL;
		line++;
	}
	end = strchr(line, '\t');
	*len = end ? (size_t)(end - line) : strlen(line);
	return line;
}

int ig_rank_cands_next(ig_rank_cands *c, ig_rank_group *g)
{
	char *line;
	ssize_t len;
	size_t n = 0;

	ig_arena_clear(&c->arena);
	while ((len = ig_reader_getline(c->r, &line)) >= 0) {
		size_t ulen = 0;
		const char *u = field_at(line, c->cu, &ulen);
		int nf;

		if (n > 0 && u && (ulen != strlen(c->user) || memcmp(u, c->user, ulen) != 0)) {
			ig_reader_unget(c->r);
			break;
		}
		nf = ig_split_tabs(line, c->f, c->h.ncols + 1);
		if (nf != c->h.ncols)
			ig_die_at(ig_reader_name(c->r), ig_reader_lineno(c->r), "expected %d fields, got %d",
				  c->h.ncols, nf);
		u = c->f[c->cu];
		if (n == 0) {
			size_t ul = strlen(u);
			uint32_t before = ig_intern_count(c->seen);

			if (!ig_valid_id(u, ul))
				ig_die_at(ig_reader_name(c->r), ig_reader_lineno(c->r), "user: invalid id '%s'", u);
			if (ig_intern_add(c->seen, u, ul) < before)
				ig_die_at(ig_reader_name(c->r), ig_reader_lineno(c->r),
					  "user '%s' again after other users: records must be grouped by user", u);
			memcpy(c->user, u, ul + 1);
		}
		if (n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 1024;
			c->rows = ig_reallocarray(c->rows, c->cap, sizeof *c->rows);
		}
		parse_row(c, &c->rows[n], n * (size_t)c->ns);
		n++;
		c->nrows++;
	}
	if (n == 0)
		return 0;
	g->user = c->user;
	g->user_len = strlen(c->user);
	g->rows = c->rows;
	g->n = n;
	fix_pointers(c, g);
	return 1;
}

void ig_rank_cands_close(ig_rank_cands *c)
{
	if (c == NULL)
		return;
	ig_reader_close(c->r);
	ig_header_free(&c->h);
	ig_intern_free(c->seen);
	free(c->scol);
	free(c->sources);
	free(c->f);
	free(c->rows);
	free(c->s);
	ig_arena_free(&c->arena);
	free(c);
}
