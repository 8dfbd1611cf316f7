/* Candidates and ranked streams, one user at a time, read by io/ig_lists
 * in its any-order mode: ig-rank scores lists in any order, with repeats.
 * Here only what ranking adds: the retrieval score (a ranked stream's
 * retrieval_score column), the per-source scores and their count, and
 * the retrieval rank and relative score. Those are the candidate's among
 * all the user's candidates: computed here from a candidates stream, and
 * carried by ig-rank score's ranked stream (retrieval_rank, retrieval_rel)
 * to the next stage, whose input holds only the survivors of the one
 * before; a ranked stream without them gets them computed among its own
 * rows, as before the columns were written. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_lists.h"
#include "rank/ig_rank.h"

struct ig_rank_cands {
	ig_list_reader *r;
	int cscore;            /* the retrieval score's column, -1 none */
	int row_score;         /* it is the list's score (a candidates stream's),
				* which the list reader parsed */
	int crank, crel;       /* retrieval_rank, retrieval_rel; -1 none: computed */
	int csources;
	int ns, *scol;
	char **sources;
	ig_rank_row *rows;
	size_t cap;
	double *s;
	size_t scap;
	double *rs;            /* scores, ranks and rels of a user's rows, to compute them */
	size_t rcap;
	uint32_t shard, nshards; /* the users passed on; nshards 0: all */
	uint64_t skipped_rows, skipped_users;
};

static void columns(ig_rank_cands *c)
{
	const ig_header *h = ig_list_header(c->r);
	int i;

	c->cscore = ig_list_stream(c->r) == IG_STREAM_RANKED ? ig_list_col(c->r, "retrieval_score")
							     : ig_list_col(c->r, "score");
	c->row_score = ig_list_stream(c->r) == IG_STREAM_CANDIDATES && c->cscore >= 0;
	c->crank = c->crel = -1;
	if (ig_list_stream(c->r) == IG_STREAM_RANKED) {
		c->crank = ig_list_col(c->r, "retrieval_rank");
		c->crel = ig_list_col(c->r, "retrieval_rel");
		if ((c->crank < 0) != (c->crel < 0))
			ig_die_at(ig_list_name(c->r), 1, "ranked stream has a %s column but no %s: both or neither",
				  c->crank >= 0 ? "retrieval_rank" : "retrieval_rel",
				  c->crank >= 0 ? "retrieval_rel" : "retrieval_rank");
	}
	c->csources = ig_list_col(c->r, "sources");
	c->scol = ig_malloc(((size_t)h->ncols + 1) * sizeof *c->scol);
	c->sources = ig_malloc(((size_t)h->ncols + 1) * sizeof *c->sources);
	for (i = 0; i < h->ncols; i++)
		if (strncmp(h->cols[i], "s_", 2) == 0 && h->cols[i][2]) {
			c->scol[c->ns] = i;
			c->sources[c->ns++] = h->cols[i] + 2;
		}
}

ig_rank_cands *ig_rank_cands_open(const char *path)
{
	ig_rank_cands *c = ig_calloc(1, sizeof *c);
	ig_list_opts o;

	memset(&o, 0, sizeof o);
	o.kinds = 1u << IG_STREAM_CANDIDATES | 1u << IG_STREAM_RANKED;
	o.any_order = 1;
	c->r = ig_list_open_opts(path, &o);
	columns(c);
	return c;
}

int ig_rank_cands_carries_relative(const ig_rank_cands *c) { return c->crank >= 0; }
int ig_rank_cands_nsources(const ig_rank_cands *c) { return c->ns; }
char *const *ig_rank_cands_sources(const ig_rank_cands *c) { return c->sources; }
const ig_header *ig_rank_cands_header(const ig_rank_cands *c) { return ig_list_header(c->r); }
const char *ig_rank_cands_name(const ig_rank_cands *c) { return ig_list_name(c->r); }
uint64_t ig_rank_cands_rows(const ig_rank_cands *c) { return ig_list_rows_read(c->r) - c->skipped_rows; }

void ig_rank_cands_set_shard(ig_rank_cands *c, uint32_t index, uint32_t count)
{
	c->shard = index;
	c->nshards = count > 1 ? count : 0;
}

uint64_t ig_rank_cands_skipped(const ig_rank_cands *c, uint64_t *users)
{
	if (users)
		*users = c->skipped_users;
	return c->skipped_rows;
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

static void convert(ig_rank_cands *c, const ig_list_row *in, ig_rank_row *row, double *s)
{
	int i, nonempty = 0;

	row->item = in->item;
	row->item_len = in->item_len;
	row->retrieval_score = 0;
	if (c->row_score)
		row->retrieval_score = in->score;
	else if (c->cscore >= 0)
		ig_list_num(c->r, in, c->cscore, &row->retrieval_score);
	for (i = 0; i < c->ns; i++) {
		s[i] = 0;
		nonempty += ig_list_num(c->r, in, c->scol[i], &s[i]);
	}
	if (c->crank >= 0) {
		double rank;

		if (!ig_list_num(c->r, in, c->crank, &rank) || rank < 1 || rank > 1e9 || rank != floor(rank))
			ig_die_at(ig_list_name(c->r), in->line,
				  "retrieval_rank: expected a whole number from 1, got '%s'", in->field[c->crank]);
		if (!ig_list_num(c->r, in, c->crel, &row->retrieval_rel))
			ig_die_at(ig_list_name(c->r), in->line, "retrieval_rel: empty");
		row->retrieval_rank = rank;
	}
	row->s = s;
	row->sources = in->sources;
	row->reason = in->reason;
	row->nsources = c->csources >= 0 ? count_sources(in->sources) : nonempty;
}

/* The rank and relative score of the user's N rows, among them. */
static void relative(ig_rank_cands *c, size_t n)
{
	size_t i;

	if (n > c->rcap) {
		c->rcap = n;
		c->rs = ig_reallocarray(c->rs, c->rcap, 3 * sizeof *c->rs);
	}
	for (i = 0; i < n; i++)
		c->rs[i] = c->rows[i].retrieval_score;
	ig_rank_relative(c->rs, n, c->rs + n, c->rs + 2 * n);
	for (i = 0; i < n; i++) {
		c->rows[i].retrieval_rank = c->rs[n + i];
		c->rows[i].retrieval_rel = c->rs[2 * n + i];
	}
}

int ig_rank_cands_next(ig_rank_cands *c, ig_rank_group *g)
{
	ig_list_user u;
	size_t i;

	for (;;) {
		if (!ig_list_next(c->r, &u))
			return 0;
		if (c->nshards == 0 || ig_shard_of(u.user, u.user_len, c->nshards) == c->shard)
			break;
		c->skipped_rows += u.n;
		c->skipped_users++;
	}
	if (u.n > c->cap) {
		c->cap = u.n;
		c->rows = ig_reallocarray(c->rows, c->cap, sizeof *c->rows);
	}
	/* never NULL: a stream without s_ columns still takes s + i * 0 */
	if (u.n * (size_t)c->ns >= c->scap) {
		c->scap = u.n * (size_t)c->ns + 1;
		c->s = ig_reallocarray(c->s, c->scap, sizeof *c->s);
	}
	for (i = 0; i < u.n; i++)
		convert(c, &u.row[i], &c->rows[i], c->s + i * (size_t)c->ns);
	if (c->crank < 0)
		relative(c, u.n);
	g->user = u.user;
	g->user_len = u.user_len;
	g->rows = c->rows;
	g->n = u.n;
	return 1;
}

void ig_rank_cands_close(ig_rank_cands *c)
{
	if (c == NULL)
		return;
	ig_list_close(c->r);
	free(c->scol);
	free(c->sources);
	free(c->rows);
	free(c->s);
	free(c->rs);
	free(c);
}
