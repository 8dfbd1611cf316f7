#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "rank/ig_rank.h"
#include "rank/ig_rank_ctx_priv.h"

void ig_rank_examples_write_header(ig_writer *w, const ig_rank_ctx *c, const char *const *heads,
				   int nhead, const ig_header *upstream)
{
	int nf = ig_rank_nfeatures(c), n = nhead + nf, i;
	const char **cols = ig_malloc((size_t)n * sizeof *cols);
	char **ynames = ig_malloc((size_t)(nhead ? nhead : 1) * sizeof *ynames);
	char spec[512];

	for (i = 0; i < nhead; i++) {
		size_t len = strlen(heads[i]) + 3;

		ynames[i] = ig_malloc(len);
		snprintf(ynames[i], len, "y_%s", heads[i]);
		cols[i] = ynames[i];
	}
	for (i = 0; i < nf; i++)
		cols[nhead + i] = ig_rank_feature_name(c, i);
	/* user, item, ts from the schema table, then these */
	ig_schema_write_header(w, IG_STREAM_EXAMPLES, cols, n, upstream);
	ig_rank_fopts_format(ig_rank_ctx_fopts(c), spec, sizeof spec);
	ig_writer_printf(w, "##features\t%s\n", spec);
	for (i = 0; i < nhead; i++)
		free(ynames[i]);
	free(ynames);
	free(cols);
}

void ig_rank_examples_write_row(ig_writer *w, const char *user, const char *item, int64_t ts,
				const unsigned char *y, int nhead, const float *x, int nfeat)
{
	int i;

	ig_writer_puts(w, user);
	ig_writer_putc(w, '\t');
	ig_writer_puts(w, item);
	ig_writer_putc(w, '\t');
	ig_writer_put_i64(w, ts);
	for (i = 0; i < nhead; i++) {
		ig_writer_putc(w, '\t');
		ig_writer_putc(w, y[i] ? '1' : '0');
	}
	for (i = 0; i < nfeat; i++) {
		ig_writer_putc(w, '\t');
		ig_writer_put_double(w, (double)x[i], 7);
	}
	ig_writer_putc(w, '\n');
}

void ig_rank_libsvm_write_row(ig_writer *w, int label, const float *x, int nfeat)
{
	int i;

	ig_writer_putc(w, label ? '1' : '0');
	for (i = 0; i < nfeat; i++)
		if (x[i] != 0)
			ig_writer_printf(w, " %d:%.7g", i + 1, (double)x[i]);
	ig_writer_putc(w, '\n');
}

static void examples_columns(ig_rank_examples *e, ig_reader *r)
{
	const ig_header *h = &e->hdr;
	int i;

	e->head = ig_malloc((size_t)h->ncols * sizeof *e->head);
	e->feat = ig_malloc((size_t)h->ncols * sizeof *e->feat);
	for (i = 3; i < h->ncols; i++) {
		if (strncmp(h->cols[i], "y_", 2) == 0) {
			if (e->nfeat > 0)
				ig_die_at(ig_reader_name(r), 1, "label column '%s' after a feature column", h->cols[i]);
			if (e->nhead == IG_RANK_MAX_HEADS)
				ig_die_at(ig_reader_name(r), 1, "more than %d label columns", IG_RANK_MAX_HEADS);
			e->head[e->nhead++] = h->cols[i] + 2;
		} else {
			e->feat[e->nfeat++] = h->cols[i];
		}
	}
	if (e->nhead == 0)
		ig_die_at(ig_reader_name(r), 1, "no label column (y_HEAD)");
	if (e->nfeat == 0)
		ig_die_at(ig_reader_name(r), 1, "no feature column");
	for (i = 0; i < h->nprov; i++)
		if (strncmp(h->prov[i], "features\t", 9) == 0)
			e->fopts = h->prov[i] + 9;
	if (e->fopts == NULL)
		ig_die_at(ig_reader_name(r), 1, "no '##features' line: not written by ig-rank features");
}

static void examples_grow(ig_rank_examples *e)
{
	e->cap = e->cap ? 2 * e->cap : 4096;
	e->x = ig_reallocarray(e->x, e->cap, (size_t)e->nfeat * sizeof *e->x);
	e->y = ig_reallocarray(e->y, e->cap, (size_t)e->nhead * sizeof *e->y);
	e->user_hash = ig_reallocarray(e->user_hash, e->cap, sizeof *e->user_hash);
	e->item_hash = ig_reallocarray(e->item_hash, e->cap, sizeof *e->item_hash);
}

static void examples_row(ig_rank_examples *e, ig_reader *r, char **f)
{
	const char *name = ig_reader_name(r);
	long line = ig_reader_lineno(r);
	int64_t ts;
	double v;
	int i;

	if (!ig_valid_id(f[0], strlen(f[0])) || !ig_valid_id(f[1], strlen(f[1])))
		ig_die_at(name, line, "invalid user or item id");
	if (ig_parse_i64(f[2], IG_TS_MIN, IG_TS_MAX, &ts) != 0)
		ig_die_at(name, line, "ts: not a timestamp: '%s'", ig_esc(f[2]));
	if (e->n == e->cap)
		examples_grow(e);
	e->user_hash[e->n] = ig_hash64(f[0], strlen(f[0]));
	e->item_hash[e->n] = ig_hash64(f[1], strlen(f[1]));
	for (i = 0; i < e->nhead; i++) {
		if ((f[3 + i][0] != '0' && f[3 + i][0] != '1') || f[3 + i][1] != '\0')
			ig_die_at(name, line, "y_%s: label must be 0 or 1, got '%s'", e->head[i], ig_esc(f[3 + i]));
		e->y[e->n * (size_t)e->nhead + (size_t)i] = (float)(f[3 + i][0] - '0');
	}
	for (i = 0; i < e->nfeat; i++) {
		const char *s = f[3 + e->nhead + i];

		if (ig_parse_double(s, &v) != 0 || fabs(v) > 3e38)
			ig_die_at(name, line, "%s: not a finite number: '%s'", e->feat[i], ig_esc(s));
		e->x[e->n * (size_t)e->nfeat + (size_t)i] = (float)v;
	}
	e->n++;
}

ig_rank_examples *ig_rank_examples_read(const char *path)
{
	ig_rank_examples *e = ig_calloc(1, sizeof *e);
	ig_reader *r = ig_reader_open(path);
	char *line, **f;
	ssize_t len;
	int n;

	ig_schema_read_header(r, IG_STREAM_EXAMPLES, &e->hdr, NULL);
	examples_columns(e, r);
	f = e->fields = ig_malloc(((size_t)e->hdr.ncols + 1) * sizeof *f);
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		n = ig_split_tabs(line, f, e->hdr.ncols + 1);
		if (n != e->hdr.ncols)
			ig_die_at(ig_reader_name(r), ig_reader_lineno(r), "expected %d fields, got %d", e->hdr.ncols, n);
		examples_row(e, r, f);
	}
	free(f);
	e->fields = NULL;
	ig_reader_close(r);
	return e;
}

void ig_rank_examples_free(ig_rank_examples *e)
{
	if (e == NULL)
		return;
	free(e->x);
	free(e->y);
	free(e->user_hash);
	free(e->item_hash);
	free(e->head);
	free(e->feat);
	ig_header_free(&e->hdr);
	free(e);
}
