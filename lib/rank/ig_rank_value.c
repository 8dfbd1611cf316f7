#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_arena.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "rank/ig_rank.h"

int ig_rank_value_parse(const char *spec, ig_rank_value *v, char *err, size_t errlen)
{
	const char *p = spec;

	v->n = 0;
	while (*p) {
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
		p = comma ? comma + 1 : end;
	}
	if (v->n == 0) {
		snprintf(err, errlen, "empty value model");
		return -1;
	}
	return 0;
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

typedef struct vline {
	size_t off;            /* the line in the arena, score field excluded */
	size_t item;
	double score;
} vline;

typedef struct vuser {
	vline *v;
	size_t n, cap;
	ig_arena arena;
} vuser;

static int vline_cmp(const void *pa, const void *pb, void *arg)
{
	const vline *a = pa, *b = pb;
	const vuser *vsort_user = arg;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(vsort_user->arena.buf + a->item, vsort_user->arena.buf + b->item);
}

/* Each line is kept whole; writing replaces its third field, the score. */
static void vflush(vuser *u, ig_writer *w, int keep, uint64_t *out)
{
	size_t i, n = keep > 0 && (size_t)keep < u->n ? (size_t)keep : u->n;

	if (u->n == 0)
		return;
	qsort_r(u->v, u->n, sizeof *u->v, vline_cmp, u);
	for (i = 0; i < n; i++) {
		const char *line = u->arena.buf + u->v[i].off, *tab1 = strchr(line, '\t'), *tab2 = strchr(tab1 + 1, '\t');
		const char *tab3 = strchr(tab2 + 1, '\t');

		ig_writer_write(w, line, (size_t)(tab2 - line + 1));
		ig_writer_put_double(w, u->v[i].score, 9);
		if (tab3)
			ig_writer_puts(w, tab3);
		ig_writer_putc(w, '\n');
	}
	*out += n;
	u->n = 0;
	ig_arena_clear(&u->arena);
}

uint64_t ig_rank_value_stream(const char *path, ig_writer *w, const ig_rank_value *v, int keep)
{
	ig_reader *r = ig_reader_open(path);
	ig_header h;
	char *line, **f, *join, user[IG_MAX_ID_LEN + 1] = "";
	int cu, ci, cs, *col, np = 0, i, mode = v->mode;
	double *wt, *p;
	vuser u = {NULL, 0, 0, {NULL, 0, 0}};
	uint64_t out = 0;
	ssize_t len;
	ig_intern *seen = ig_intern_new();

	ig_header_read(r, IG_RANKED_KIND, IG_RANKED_VERSION, &h);
	cu = ig_header_need_col(&h, r, "user");
	ci = ig_header_need_col(&h, r, "item");
	cs = ig_header_need_col(&h, r, "score");
	if (cu != 0 || ci != 1 || cs != 2)
		ig_die_at(ig_reader_name(r), 1, "a ranked stream begins with user, item, score");
	col = ig_malloc((size_t)h.ncols * sizeof *col);
	wt = ig_malloc((size_t)h.ncols * sizeof *wt);
	p = ig_malloc((size_t)h.ncols * sizeof *p);
	for (i = 0; i < v->n; i++) {
		char name[40];
		int c;

		snprintf(name, sizeof name, "p_%s", v->name[i]);
		if ((c = ig_header_col(&h, name)) < 0)
			ig_die_at(ig_reader_name(r), 1, "--value names head '%s', but the stream has no %s column",
				  v->name[i], name);
		col[np] = c;
		wt[np++] = v->w[i];
	}
	ig_header_write(w, IG_RANKED_KIND, IG_RANKED_VERSION, (const char *const *)h.cols, h.ncols, &h);
	f = ig_malloc(((size_t)h.ncols + 1) * sizeof *f);
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		join = ig_strdup(line);
		if (ig_split_tabs(line, f, h.ncols + 1) != h.ncols)
			ig_die_at(ig_reader_name(r), ig_reader_lineno(r), "expected %d fields", h.ncols);
		for (i = 0; i < np; i++)
			if (ig_parse_double_range(f[col[i]], 0, 1, &p[i]) != 0)
				ig_die_at(ig_reader_name(r), ig_reader_lineno(r), "%s: not a probability: '%s'",
					  h.cols[col[i]], f[col[i]]);
		if (strcmp(f[0], user) != 0) {
			uint32_t before = ig_intern_count(seen);

			vflush(&u, w, keep, &out);
			if (!ig_valid_id(f[0], strlen(f[0])) || ig_intern_add(seen, f[0], strlen(f[0])) < before)
				ig_die_at(ig_reader_name(r), ig_reader_lineno(r),
					  "user '%s' again after other users, or not an id: records must be grouped by user", f[0]);
			snprintf(user, sizeof user, "%s", f[0]);
		}
		if (u.n == u.cap) {
			u.cap = u.cap ? 2 * u.cap : 256;
			u.v = ig_reallocarray(u.v, u.cap, sizeof *u.v);
		}
		u.v[u.n].off = ig_arena_add(&u.arena, join, strlen(join));
		u.v[u.n].item = ig_arena_add(&u.arena, f[1], strlen(f[1]));
		u.v[u.n].score = ig_rank_value_score(mode, wt, p, np);
		u.n++;
		free(join);
	}
	vflush(&u, w, keep, &out);
	free(u.v);
	ig_arena_free(&u.arena);
	free(f);
	free(col);
	free(wt);
	free(p);
	ig_intern_free(seen);
	ig_header_free(&h);
	ig_reader_close(r);
	return out;
}
