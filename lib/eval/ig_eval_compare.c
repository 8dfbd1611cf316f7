#include "eval/ig_eval_compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "eval/ig_eval_io.h"
#include "eval/ig_eval_report.h"
#include "core/ig_num.h"
#include "io/ig_reader.h"
#include "io/ig_tsv.h"

#define MAX_COLS 1024
#define MAX_TEMPS 8

int ig_eval_cmp_is_user_metrics(const char *path)
{
	ig_reader *r = ig_reader_open(path);
	char *line, err[256];
	ig_header h;
	int is = 0;

	if (ig_reader_getline(r, &line) >= 0 && strncmp(line, "#ig:", 4) == 0 &&
	    ig_header_parse(line, &h, err, sizeof err) == 0) {
		is = strcmp(h.kind, IG_EVAL_USER_METRICS_KIND) == 0;
		ig_header_free(&h);
	}
	ig_reader_close(r);
	return is;
}

/* The temporary user-metrics files, removed at exit. */
static char *temps[MAX_TEMPS];
static int ntemps;

static void remove_temps(void)
{
	while (ntemps > 0) {
		ntemps--;
		unlink(temps[ntemps]);
		free(temps[ntemps]);
		temps[ntemps] = NULL;
	}
}

static char *make_temp(const char *tmpdir)
{
	const char *dir = tmpdir ? tmpdir : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t len = strlen(dir) + 32;
	char *path = ig_malloc(len);
	int fd;

	if (ntemps == MAX_TEMPS)
		ig_die("too many temporary files (at most %d)", MAX_TEMPS);
	if (ntemps == 0 && atexit(remove_temps) != 0)
		ig_die("cannot register the removal of temporary files");
	snprintf(path, len, "%s/ig-eval-cmp.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		ig_die("%s: cannot create a temporary file: %s", dir, strerror(errno));
	close(fd);
	temps[ntemps++] = path;
	return path;
}

const char *ig_eval_cmp_score_recs(const ig_eval_score_opts *o, ig_eval_score_stats *st)
{
	ig_eval_score_opts so = *o;
	ig_eval_table table = {0};
	const char *path = make_temp(o->tmpdir);

	so.by_user = ig_writer_open(path, IG_COMPRESS_NO, 1);
	/* The per-user rows do not depend on the bootstrap: skip it. */
	so.bootstrap = 0;
	ig_eval_score(&so, &table, st);
	ig_writer_close(so.by_user);
	ig_eval_table_free(&table);
	return path;
}

typedef struct side {
	ig_reader *r;
	const char *name;
	ig_header h;
	char *line;
	char *f[MAX_COLS];
	int have;
	char *prev;
	size_t prev_len;
} side;

static void side_open(side *s, const char *path)
{
	memset(s, 0, sizeof *s);
	s->r = ig_reader_open(path);
	s->name = ig_reader_name(s->r);
	ig_header_read(s->r, IG_EVAL_USER_METRICS_KIND, 1, &s->h);
	if (s->h.ncols < 1 || strcmp(s->h.cols[0], "user") != 0)
		ig_die_at(s->name, 1, "user-metrics header: column 1 must be 'user'");
	if (s->h.ncols > MAX_COLS)
		ig_die_at(s->name, 1, "too many columns (%d, at most %d)", s->h.ncols, MAX_COLS);
}

static void side_next(side *s)
{
	ssize_t len = ig_reader_getline(s->r, &s->line);
	long ln;
	int n;

	s->have = len >= 0;
	if (!s->have)
		return;
	ln = ig_reader_lineno(s->r);
	n = ig_split_tabs(s->line, s->f, MAX_COLS);
	if (n != s->h.ncols)
		ig_die_at(s->name, ln, "expected %d fields, got %d", s->h.ncols, n);
	if (s->prev && ig_eval_idcmp(s->prev, s->prev_len, s->f[0], strlen(s->f[0])) >= 0)
		ig_die_at(s->name, ln, "users are not sorted (bytewise, once each): '%s' after '%s'",
			  s->f[0], s->prev);
	free(s->prev);
	s->prev_len = strlen(s->f[0]);
	s->prev = ig_strndup(s->f[0], s->prev_len);
}

static void side_close(side *s)
{
	ig_reader_close(s->r);
	ig_header_free(&s->h);
	free(s->prev);
}

/* A metric value, or NaN for an empty field. */
static double field_value(const side *s, int col)
{
	double v;

	if (s->f[col][0] == '\0')
		return NAN;
	if (ig_parse_double(s->f[col], &v) != 0)
		ig_die_at(s->name, ig_reader_lineno(s->r), "field %d (%s): not a number '%s'", col + 1,
			  s->h.cols[col], s->f[col]);
	return v;
}

void ig_eval_compare(const char *a, const char *b, int nrep, uint64_t seed, double level,
		     ig_eval_cmp *out)
{
	side sa, sb;
	int *cola, *colb, n = 0, i;
	double *sum_a, *sum_b, *sum_d, *sum_d2;
	uint64_t *cnt;
	int *group_of;
	ig_eval_boot boot;

	memset(out, 0, sizeof *out);
	side_open(&sa, a);
	side_open(&sb, b);
	cola = ig_calloc((size_t)sa.h.ncols, sizeof *cola);
	colb = ig_calloc((size_t)sa.h.ncols, sizeof *colb);
	/* Metrics are the columns named NAME@K present in both. */
	for (i = 1; i < sa.h.ncols; i++) {
		int j = ig_header_col(&sb.h, sa.h.cols[i]);

		if (j < 0 || strchr(sa.h.cols[i], '@') == NULL)
			continue;
		cola[n] = i;
		colb[n] = j;
		n++;
	}
	if (n == 0)
		ig_die("%s and %s have no metric column in common", sa.name, sb.name);
	sum_a = ig_calloc((size_t)n, sizeof *sum_a);
	sum_b = ig_calloc((size_t)n, sizeof *sum_b);
	sum_d = ig_calloc((size_t)n, sizeof *sum_d);
	sum_d2 = ig_calloc((size_t)n, sizeof *sum_d2);
	cnt = ig_calloc((size_t)n, sizeof *cnt);
	group_of = ig_calloc((size_t)n, sizeof *group_of);
	for (i = 0; i < n; i++)
		group_of[i] = i;
	ig_eval_boot_init(&boot, nrep, seed, n, n, group_of);
	side_next(&sa);
	side_next(&sb);
	while (sa.have || sb.have) {
		int c = !sa.have ? 1 : !sb.have ? -1 : ig_eval_idcmp(sa.f[0], strlen(sa.f[0]), sb.f[0], strlen(sb.f[0]));

		if (c < 0) {
			out->only_a++;
			side_next(&sa);
			continue;
		}
		if (c > 0) {
			out->only_b++;
			side_next(&sb);
			continue;
		}
		out->common++;
		ig_eval_boot_user(&boot);
		for (i = 0; i < n; i++) {
			double x = field_value(&sa, cola[i]), y = field_value(&sb, colb[i]), d;

			if (isnan(x) || isnan(y))
				continue;
			d = x - y;
			sum_a[i] += x;
			sum_b[i] += y;
			sum_d[i] += d;
			sum_d2[i] += d * d;
			cnt[i]++;
			ig_eval_boot_count(&boot, i);
			ig_eval_boot_add(&boot, i, d);
		}
		side_next(&sa);
		side_next(&sb);
	}
	out->rows = ig_calloc((size_t)n, sizeof *out->rows);
	out->n = n;
	for (i = 0; i < n; i++) {
		ig_eval_cmp_row *r = &out->rows[i];
		const char *name = sa.h.cols[cola[i]], *at = strrchr(name, '@');
		double m = cnt[i] ? sum_d[i] / (double)cnt[i] : 0, var, t;
		int64_t k = 0;

		snprintf(r->metric, sizeof r->metric, "%.*s", (int)(at - name), name);
		if (ig_parse_i64(at + 1, 1, 1000000000, &k) != 0)
			k = 0;
		r->k = (int)k;
		r->users = cnt[i];
		r->mean_a = cnt[i] ? sum_a[i] / (double)cnt[i] : 0;
		r->mean_b = cnt[i] ? sum_b[i] / (double)cnt[i] : 0;
		r->diff = m;
		ig_eval_boot_ci(&boot, i, level, &r->ci_low, &r->ci_high);
		r->p_value = NAN;
		if (cnt[i] >= 2) {
			var = (sum_d2[i] - (double)cnt[i] * m * m) / (double)(cnt[i] - 1);
			if (var > 1e-300) {
				t = m / sqrt(var / (double)cnt[i]);
				r->p_value = ig_eval_t_pvalue(t, (double)(cnt[i] - 1));
			} else {
				r->p_value = fabs(m) > 0 ? 0 : 1;
			}
		}
	}
	ig_eval_boot_free(&boot);
	free(sum_a);
	free(sum_b);
	free(sum_d);
	free(sum_d2);
	free(cnt);
	free(group_of);
	free(cola);
	free(colb);
	side_close(&sa);
	side_close(&sb);
}

void ig_eval_cmp_free(ig_eval_cmp *c)
{
	free(c->rows);
	memset(c, 0, sizeof *c);
}

void ig_eval_cmp_write_tsv(const ig_eval_cmp *c, double alpha, ig_writer *w)
{
	static const char *const cols[] = {"metric", "k", "mean_a", "mean_b", "diff", "ci_low",
					   "ci_high", "p_value", "significant", "users"};
	int i;

	ig_header_write(w, IG_EVAL_COMPARE_KIND, 1, cols, 10, NULL);
	for (i = 0; i < c->n; i++) {
		const ig_eval_cmp_row *r = &c->rows[i];

		ig_writer_puts(w, r->metric);
		ig_writer_putc(w, '\t');
		if (r->k > 0)
			ig_writer_put_i64(w, r->k);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->mean_a);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->mean_b);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->diff);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->ci_low);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->ci_high);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->p_value);
		ig_writer_putc(w, '\t');
		ig_writer_puts(w, !isnan(r->p_value) && r->p_value < alpha ? "yes" : "no");
		ig_writer_putc(w, '\t');
		ig_writer_put_u64(w, r->users);
		ig_writer_putc(w, '\n');
	}
}

void ig_eval_cmp_write_text(const ig_eval_cmp *c, double alpha, ig_writer *w)
{
	size_t mw = 6;
	int i;

	for (i = 0; i < c->n; i++)
		if (strlen(c->rows[i].metric) > mw)
			mw = strlen(c->rows[i].metric);
	ig_writer_printf(w, "%-*s %5s %8s %8s %9s  %-21s %8s %9s\n", (int)mw, "metric", "k", "A", "B",
			 "A-B", "95% CI", "p", "users");
	for (i = 0; i < c->n; i++) {
		const ig_eval_cmp_row *r = &c->rows[i];
		char ci[64], p[32];

		if (isnan(r->ci_low))
			snprintf(ci, sizeof ci, "-");
		else
			snprintf(ci, sizeof ci, "[%+.4f, %+.4f]", r->ci_low, r->ci_high);
		if (isnan(r->p_value))
			snprintf(p, sizeof p, "-");
		else
			snprintf(p, sizeof p, "%.2g%s", r->p_value, r->p_value < alpha ? " *" : "");
		ig_writer_printf(w, "%-*s %5d %8.4f %8.4f %+9.4f  %-21s %8s %9llu\n", (int)mw, r->metric,
				 r->k, r->mean_a, r->mean_b, r->diff, ci, p, (unsigned long long)r->users);
	}
}
