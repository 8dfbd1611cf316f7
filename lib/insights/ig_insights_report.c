/* Ranking and output: each level's rows of reach at least the minimum,
 * best lower Wilson bound of shares per reach first, as an insights
 * stream or an aligned table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "insights/ig_insights_priv.h"
#include "io/ig_schema.h"

typedef struct rank_row {
	double share_lo, share_rate;
	uint32_t reach, entity;
	const char *key;
} rank_row;

static int cmp_rank(const void *x, const void *y)
{
	const rank_row *a = x, *b = y;

	if (a->share_lo != b->share_lo)
		return a->share_lo > b->share_lo ? -1 : 1;
	if (a->share_rate != b->share_rate)
		return a->share_rate > b->share_rate ? -1 : 1;
	if (a->reach != b->reach)
		return a->reach > b->reach ? -1 : 1;
	return strcmp(a->key, b->key);
}

static const ig_ins_counts *cur_of(const ig_insights *s, int level, uint32_t e)
{
	return &s->t[level].c[(size_t)e * IG_INS_WINDOWS + IG_INS_CUR];
}

static const ig_ins_counts *prev_of(const ig_insights *s, int level, uint32_t e)
{
	return &s->t[level].c[(size_t)e * IG_INS_WINDOWS + IG_INS_PREV];
}

static void rank_level(ig_insights *s, int level)
{
	ig_ins_table *t = &s->t[level];
	rank_row *rows = ig_reallocarray(NULL, t->n ? t->n : 1, sizeof *rows);
	size_t n = 0, i;
	double hi;

	for (i = 0; i < t->n; i++) {
		const ig_ins_counts *c = cur_of(s, level, (uint32_t)i);

		if (c->reach == 0)
			continue;
		s->st.entities[level]++;
		if (c->reach < s->o.min_reach) {
			s->st.below_min_reach[level]++;
			continue;
		}
		ig_wilson(c->users[IG_EV_SHARE], c->reach, IG_WILSON_Z95, &rows[n].share_lo, &hi);
		rows[n].share_rate = ig_ins_rate(c->users[IG_EV_SHARE], c->reach);
		rows[n].reach = c->reach;
		rows[n].entity = (uint32_t)i;
		rows[n].key = ig_ins_key(s, level, (uint32_t)i);
		n++;
	}
	qsort(rows, n, sizeof *rows, cmp_rank);
	t->order = ig_reallocarray(NULL, n ? n : 1, sizeof *t->order);
	for (i = 0; i < n; i++)
		t->order[i] = rows[i].entity;
	t->nrows = n;
	free(rows);
	s->st.written[level] = s->o.top && s->o.top < n ? s->o.top : n;
}

void ig_ins_rank(ig_insights *s)
{
	int i;

	for (i = 0; i < s->o.nlevels; i++)
		rank_level(s, s->o.levels[i]);
}

/* ---- the stream ---- */

static void put_num(ig_writer *w, double v)
{
	ig_writer_putc(w, '\t');
	if (!isnan(v))
		ig_writer_put_double(w, v, 6);
}

static void put_count(ig_writer *w, uint64_t v)
{
	ig_writer_putc(w, '\t');
	ig_writer_put_u64(w, v);
}

/* A count and its rate per reach. */
static void put_rate(ig_writer *w, uint32_t x, uint32_t reach)
{
	put_count(w, x);
	put_num(w, ig_ins_rate(x, reach));
}

static void put_rate_ci(ig_writer *w, uint32_t x, uint32_t reach)
{
	double lo, hi;

	put_rate(w, x, reach);
	ig_wilson(x, reach, IG_WILSON_Z95, &lo, &hi);
	put_num(w, lo);
	put_num(w, hi);
}

/* The item's or group's share of engagement by non-followers: known
 * with a follows stream, for entities whose items are listed. */
static double nonfollower_share(const ig_insights *s, int level, uint32_t e, const ig_ins_counts *c)
{
	if (s->follows == NULL)
		return NAN;
	if (level == IG_INS_ITEM && s->item_no[e] == IG_INTERN_NONE)
		return NAN;
	return ig_ins_rate(c->engaged_nonfollower, c->engaged);
}

static void write_row(const ig_insights *s, ig_writer *w, int level, uint32_t e)
{
	const ig_ins_counts *c = cur_of(s, level, e), *p = prev_of(s, level, e);
	double rate = ig_ins_rate(c->users[IG_EV_SHARE], c->reach), prev = NAN;

	ig_writer_puts(w, ig_ins_level_name(level));
	ig_writer_putc(w, '\t');
	ig_writer_puts(w, ig_ins_key(s, level, e));
	put_count(w, c->reach);
	put_count(w, c->impressions);
	put_count(w, c->views);
	put_num(w, c->dwell_n ? c->dwell_mean : (double)NAN);
	put_rate_ci(w, c->users[IG_EV_LIKE], c->reach);
	put_rate(w, c->users[IG_EV_COMMENT], c->reach);
	put_rate_ci(w, c->users[IG_EV_SHARE], c->reach);
	put_rate(w, c->users[IG_EV_SAVE], c->reach);
	put_rate(w, c->users[IG_EV_SEE_LESS], c->reach);
	put_rate(w, c->users[IG_EV_HIDE], c->reach);
	put_count(w, c->users[IG_EV_FOLLOW]);
	put_count(w, c->engaged);
	put_num(w, nonfollower_share(s, level, e, c));
	if (s->o.trend) {
		prev = ig_ins_rate(p->users[IG_EV_SHARE], p->reach);
		put_count(w, p->reach);
		put_count(w, p->users[IG_EV_SHARE]);
		put_num(w, prev);
		put_num(w, rate - prev);
		put_num(w, prev > 0 ? rate / prev : (double)NAN);
	} else {
		ig_writer_puts(w, "\t\t\t\t\t");
	}
	ig_writer_putc(w, '\n');
}

static size_t rows_of(const ig_insights *s, int level)
{
	return s->st.written[level];
}

void ig_ins_write_tsv(const ig_insights *s, ig_writer *w, const ig_header *upstream)
{
	int i;
	size_t r;

	ig_schema_write_header(w, IG_STREAM_INSIGHTS, NULL, 0, upstream);
	for (i = 0; i < s->o.nlevels; i++) {
		int level = s->o.levels[i];

		for (r = 0; r < rows_of(s, level); r++)
			write_row(s, w, level, s->t[level].order[r]);
	}
}

/* ---- the table ---- */

enum { TCOLS = 11, CELL = 272 }; /* a cell holds a whole id */

static const char *const table_head[TCOLS] = {
	"level", "key", "reach", "views", "dwell_s", "like%", "share%", "share% 95% CI",
	"nonfollower%", "follows", "share% change"};

/* V as a percentage with DIGITS decimals, signed with SIGN; "-" for NaN. */
static void pct(char *buf, double v, int digits, int sign)
{
	if (isnan(v))
		snprintf(buf, CELL, "-");
	else if (sign)
		snprintf(buf, CELL, "%+.*f", digits, 100 * v);
	else
		snprintf(buf, CELL, "%.*f", digits, 100 * v);
}

static void table_cells(const ig_insights *s, int level, uint32_t e, char cell[TCOLS][CELL])
{
	const ig_ins_counts *c = cur_of(s, level, e), *p = prev_of(s, level, e);
	double lo, hi, rate = ig_ins_rate(c->users[IG_EV_SHARE], c->reach);

	snprintf(cell[0], CELL, "%s", ig_ins_level_name(level));
	snprintf(cell[1], CELL, "%.*s", CELL - 1, ig_ins_key(s, level, e));
	snprintf(cell[2], CELL, "%u", c->reach);
	snprintf(cell[3], CELL, "%u", c->views);
	if (c->dwell_n && fabs(c->dwell_mean) < 1e12) /* %.1f of 1e305 is 306 digits */
		snprintf(cell[4], CELL, "%.1f", c->dwell_mean / 1000);
	else if (c->dwell_n)
		snprintf(cell[4], CELL, "%.3g", c->dwell_mean / 1000);
	else
		snprintf(cell[4], CELL, "-");
	pct(cell[5], ig_ins_rate(c->users[IG_EV_LIKE], c->reach), 2, 0);
	pct(cell[6], rate, 2, 0);
	ig_wilson(c->users[IG_EV_SHARE], c->reach, IG_WILSON_Z95, &lo, &hi);
	snprintf(cell[7], CELL, "%.2f-%.2f", 100 * lo, 100 * hi);
	pct(cell[8], nonfollower_share(s, level, e, c), 1, 0);
	snprintf(cell[9], CELL, "%u", c->users[IG_EV_FOLLOW]);
	if (s->o.trend && p->reach)
		pct(cell[10], rate - ig_ins_rate(p->users[IG_EV_SHARE], p->reach), 2, 1);
	else
		snprintf(cell[10], CELL, "-");
}

static void put_cell(ig_writer *w, const char *text, int width, int left, int last)
{
	int pad = width - (int)strlen(text), i;

	if (!left)
		for (i = 0; i < pad; i++)
			ig_writer_putc(w, ' ');
	ig_writer_puts(w, text);
	if (left && !last)
		for (i = 0; i < pad; i++)
			ig_writer_putc(w, ' ');
	ig_writer_puts(w, last ? "\n" : "  ");
}

void ig_ins_write_table(const ig_insights *s, ig_writer *w)
{
	int width[TCOLS], i, j;
	size_t r;
	char cell[TCOLS][CELL];

	for (j = 0; j < TCOLS; j++)
		width[j] = (int)strlen(table_head[j]);
	for (i = 0; i < s->o.nlevels; i++) {
		int level = s->o.levels[i];

		for (r = 0; r < rows_of(s, level); r++) {
			table_cells(s, level, s->t[level].order[r], cell);
			for (j = 0; j < TCOLS; j++)
				if ((int)strlen(cell[j]) > width[j])
					width[j] = (int)strlen(cell[j]);
		}
	}
	for (j = 0; j < TCOLS; j++)
		put_cell(w, table_head[j], width[j], j < 2, j == TCOLS - 1);
	for (i = 0; i < s->o.nlevels; i++) {
		int level = s->o.levels[i];

		for (r = 0; r < rows_of(s, level); r++) {
			table_cells(s, level, s->t[level].order[r], cell);
			for (j = 0; j < TCOLS; j++)
				put_cell(w, cell[j], width[j], j < 2, j == TCOLS - 1);
		}
	}
}
