#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_arena.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "io/ig_lists.h"
#include "io/ig_schema.h"
#include "rank/ig_rank.h"

int ig_rank_value_parse(const char *spec, ig_rank_value *v, char *err, size_t errlen)
{
	const char *p = spec;

	v->n = 0;
	if (*spec == '\0') {
		snprintf(err, errlen, "empty value model");
		return -1;
	}
	for (;;) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		char num[64];
		int i;

		if (eq == NULL || eq == p || (size_t)(eq - p) >= sizeof v->name[0] ||
		    (size_t)(end - eq - 1) >= sizeof num) {
			snprintf(err, errlen, "expected HEAD=WEIGHT, got '%.*s'", (int)(end - p), p);
			return -1;
		}
		if (v->n == (int)(sizeof v->w / sizeof v->w[0])) {
			snprintf(err, errlen, "too many heads");
			return -1;
		}
		memcpy(v->name[v->n], p, (size_t)(eq - p));
		v->name[v->n][eq - p] = '\0';
		memcpy(num, eq + 1, (size_t)(end - eq - 1));
		num[end - eq - 1] = '\0';
		if (ig_parse_double(num, &v->w[v->n]) != 0) {
			snprintf(err, errlen, "%s: weight is not a finite number: '%s'", v->name[v->n], num);
			return -1;
		}
		for (i = 0; i < v->n; i++)
			if (strcmp(v->name[i], v->name[v->n]) == 0) {
				snprintf(err, errlen, "head '%s' named twice", v->name[i]);
				return -1;
			}
		v->n++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int ig_rank_value_bind(const ig_rank_value *v, char *const *heads, int nhead, double *w, int strict,
		       char *err, size_t errlen)
{
	int i, h;

	for (h = 0; h < nhead; h++)
		w[h] = 0;
	for (i = 0; i < v->n; i++) {
		for (h = 0; h < nhead && strcmp(heads[h], v->name[i]) != 0; h++)
			;
		if (h < nhead)
			w[h] = v->w[i];
		else if (strict) {
			snprintf(err, errlen, "head '%s' is not one of the model's", v->name[i]);
			return -1;
		}
	}
	return 0;
}

double ig_rank_value_score(int mode, const double *w, const double *p, int nhead)
{
	double s = 0;
	int h;

	for (h = 0; h < nhead; h++) {
		if (w[h] == 0)
			continue;
		if (mode == IG_VALUE_LOGLINEAR)
			s += w[h] * log(p[h] > 1e-12 ? p[h] : 1e-12);
		else
			s += w[h] * p[h];
	}
	return s;
}

/* ---- re-scoring a ranked stream ---- */

/* A row kept for sorting: its fields before the score (each followed by a
 * tab) and after it (each after a tab), so that writing puts the new score
 * between them. */
typedef struct vline {
	size_t pre, post, item; /* offsets in the arena */
	double score;
} vline;

typedef struct vuser {
	vline *v;
	size_t n, cap;
	ig_arena arena;
	char *buf;              /* a row's fields joined */
	size_t buf_cap;
} vuser;

static int vline_cmp(const void *pa, const void *pb, void *arg)
{
	const vline *a = pa, *b = pb;
	const vuser *u = arg;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(u->arena.buf + a->item, u->arena.buf + b->item);
}

/* Adds fields FROM .. TO of F to the arena, joined by tabs, with a tab
 * after each (TAIL_TAB) or before each. */
static size_t join_fields(vuser *u, char *const *f, int from, int to, int tail_tab)
{
	size_t n = 0;
	int i;

	for (i = from; i < to; i++) {
		size_t len = strlen(f[i]);

		if (n + len + 2 > u->buf_cap) {
			u->buf_cap = 2 * (n + len + 2);
			u->buf = ig_realloc(u->buf, u->buf_cap);
		}
		if (!tail_tab)
			u->buf[n++] = '\t';
		memcpy(u->buf + n, f[i], len);
		n += len;
		if (tail_tab)
			u->buf[n++] = '\t';
	}
	return ig_arena_add(&u->arena, u->buf ? u->buf : "", n);
}

static void vflush(vuser *u, ig_writer *w, int keep, uint64_t *out)
{
	size_t i, n = keep > 0 && (size_t)keep < u->n ? (size_t)keep : u->n;

	if (u->n == 0)
		return;
	qsort_r(u->v, u->n, sizeof *u->v, vline_cmp, u);
	for (i = 0; i < n; i++) {
		ig_writer_puts(w, u->arena.buf + u->v[i].pre);
		ig_writer_put_double(w, u->v[i].score, 9);
		ig_writer_puts(w, u->arena.buf + u->v[i].post);
		ig_writer_putc(w, '\n');
	}
	*out += n;
	u->n = 0;
	ig_arena_clear(&u->arena);
}

uint64_t ig_rank_value_stream(const char *path, ig_writer *w, const ig_rank_value *v, int keep)
{
	ig_list_opts o;
	ig_list_reader *r;
	ig_list_user lu;
	const ig_header *h;
	int cs, col[2 * IG_RANK_MAX_HEADS], np = 0, i, mode = v->mode;
	double wt[2 * IG_RANK_MAX_HEADS], p[2 * IG_RANK_MAX_HEADS];
	vuser u;
	uint64_t out = 0;
	size_t j;

	memset(&o, 0, sizeof o);
	o.kinds = 1u << IG_STREAM_RANKED;
	o.any_order = 1; /* the order is what this recomputes */
	r = ig_list_open_opts(path, &o);
	h = ig_list_header(r);
	cs = ig_list_col(r, "score");
	for (i = 0; i < v->n; i++) {
		char *name = ig_rank_head_col(v->name[i]);
		int c;

		if ((c = ig_list_col(r, name)) < 0)
			ig_die_at(ig_list_name(r), 1, "--value names head '%s', but the stream has no %s column",
				  v->name[i], name);
		free(name);
		col[np] = c;
		wt[np++] = v->w[i];
	}
	ig_schema_write_header_cols(w, IG_STREAM_RANKED, (const char *const *)h->cols, h->ncols, h);
	memset(&u, 0, sizeof u);
	while (ig_list_next(r, &lu)) {
		for (j = 0; j < lu.n; j++) {
			const ig_list_row *row = &lu.row[j];

			for (i = 0; i < np; i++)
				if (!ig_list_num(r, row, col[i], &p[i]))
					ig_die_at(ig_list_name(r), row->line, "%s: not a probability: ''",
						  h->cols[col[i]]);
			if (u.n == u.cap) {
				u.cap = u.cap ? 2 * u.cap : 256;
				u.v = ig_reallocarray(u.v, u.cap, sizeof *u.v);
			}
			u.v[u.n].pre = join_fields(&u, row->field, 0, cs, 1);
			u.v[u.n].post = join_fields(&u, row->field, cs + 1, h->ncols, 0);
			u.v[u.n].item = ig_arena_add(&u.arena, row->item, row->item_len);
			u.v[u.n].score = ig_rank_value_score(mode, wt, p, np);
			u.n++;
		}
		vflush(&u, w, keep, &out);
	}
	free(u.v);
	free(u.buf);
	ig_arena_free(&u.arena);
	ig_list_close(r);
	return out;
}
