/* Measured against planted truth: how well the share rate of the
 * written rows orders ig-synth's item quality or author popularity. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "insights/ig_insights_priv.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"

/* Per entity of LEVEL, the truth stream's value (NaN where it has none). */
static double *read_truth(const ig_insights *s, const char *path, int level)
{
	const ig_ins_table *t = &s->t[level];
	double *v = ig_reallocarray(NULL, t->n ? t->n : 1, sizeof *v);
	ig_reader *r = ig_reader_open(path);
	const char *name = ig_reader_name(r);
	ig_header h;
	char *line, *f[64];
	size_t i;

	for (i = 0; i < t->n; i++)
		v[i] = NAN;
	ig_schema_read_header(r, IG_STREAM_TRUTH_ITEMS, &h, NULL);
	while (ig_reader_getline(r, &line) >= 0) {
		long ln = ig_reader_lineno(r);
		int nf = ig_split_tabs(line, f, 64);
		double x;
		uint32_t e;

		if (nf != h.ncols)
			ig_die_at(name, ln, "expected %d fields, got %d", h.ncols, nf);
		if (ig_parse_double(f[level == IG_INS_ITEM ? 1 : 2], &x) != 0)
			ig_die_at(name, ln, "field %d (%s): not a number '%s'", level == IG_INS_ITEM ? 2 : 3,
				  level == IG_INS_ITEM ? "quality" : "author_popularity",
				  ig_esc(f[level == IG_INS_ITEM ? 1 : 2]));
		if (level == IG_INS_ITEM) {
			e = ig_intern_find(s->own_ids, f[0], strlen(f[0]));
		} else {
			e = ig_intern_find(s->items->ids, f[0], strlen(f[0]));
			e = e == IG_INTERN_NONE || e >= s->items->count ? IG_INTERN_NONE : s->items->author[e];
		}
		if (e != IG_INTERN_NONE && e < t->n && isnan(v[e]))
			v[e] = x;
	}
	ig_header_free(&h);
	ig_reader_close(r);
	return v;
}

double ig_ins_truth_spearman(const ig_insights *s, const char *truth_path, int level, size_t *n)
{
	const ig_ins_table *t = &s->t[level];
	double *truth, *x, *y, rho;
	size_t i, k = 0;

	if (level != IG_INS_ITEM && level != IG_INS_AUTHOR)
		ig_die("internal error: no truth for level %s", ig_ins_level_name(level));
	truth = read_truth(s, truth_path, level);
	x = ig_reallocarray(NULL, t->nrows ? t->nrows : 1, sizeof *x);
	y = ig_reallocarray(NULL, t->nrows ? t->nrows : 1, sizeof *y);
	for (i = 0; i < t->nrows; i++) {
		uint32_t e = t->order[i];
		const ig_ins_counts *c = &t->c[(size_t)e * IG_INS_WINDOWS + IG_INS_CUR];

		if (isnan(truth[e]))
			continue;
		x[k] = ig_ins_rate(c->users[IG_EV_SHARE], c->reach);
		y[k] = truth[e];
		k++;
	}
	rho = ig_spearman(x, y, k);
	*n = k;
	free(truth);
	free(x);
	free(y);
	return rho;
}
