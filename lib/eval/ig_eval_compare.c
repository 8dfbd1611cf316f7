#include "eval/ig_eval_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_tempfile.h"
#include "eval/ig_eval_io.h"
#include "eval/ig_eval_report.h"
#include "core/ig_num.h"
#include "io/ig_schema.h"
#include "io/ig_reader.h"
#include "io/ig_tsv.h"

#define MAX_COLS 1024

int ig_eval_cmp_is_user_metrics(const char *path)
{
	ig_reader *r = ig_reader_open(path);
	char *line, err[256];
	ig_header h;
	int is = 0;

	if (ig_reader_getline(r, &line) >= 0 && strncmp(line, "#ig:", 4) == 0 &&
	    ig_header_parse(line, &h, err, sizeof err) == 0) {
		is = ig_schema_find(h.kind) == IG_STREAM_USER_METRICS;
		ig_header_free(&h);
	}
	ig_reader_close(r);
	return is;
}

struct ig_eval_user_metrics {
	ig_header h;       /* the user-metrics columns, "user" first */
	char *users;       /* ids, NUL-terminated, back to back */
	size_t users_len, users_cap;
	size_t *user_off;
	double *v;         /* per user, the ncols - 1 values after "user" */
	size_t n, cap;
};

/* A value as "metrics --by-user" prints it and compare reads it back. */
static double as_printed(double v)
{
	char buf[64];

	if (isnan(v))
		return v;
	if (v == 0.0)
		return 0.0; /* no "-0" */
	snprintf(buf, sizeof buf, "%.6g", v);
	return strtod(buf, NULL);
}

static void keep_row(void *arg, const char *user, size_t user_len, const double *v, int n)
{
	ig_eval_user_metrics *m = arg;
	size_t width = (size_t)m->h.ncols - 1;
	int i;

	if ((size_t)n != width)
		ig_die("internal error: %d per-user values for %zu columns", n, width);
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->user_off = ig_reallocarray(m->user_off, m->cap, sizeof *m->user_off);
		m->v = ig_reallocarray(m->v, m->cap, width * sizeof *m->v);
	}
	if (m->users_len + user_len + 1 > m->users_cap) {
		m->users_cap = 2 * (m->users_len + user_len + 1) + 4096;
		m->users = ig_realloc(m->users, m->users_cap);
	}
	memcpy(m->users + m->users_len, user, user_len);
	m->users[m->users_len + user_len] = '\0';
	m->user_off[m->n] = m->users_len;
	m->users_len += user_len + 1;
	for (i = 0; i < n; i++)
		m->v[m->n * width + (size_t)i] = as_printed(v[i]);
	m->n++;
}

ig_eval_user_metrics *ig_eval_cmp_score_recs(const ig_eval_score_opts *o, ig_eval_score_stats *st)
{
	ig_eval_score_opts so = *o;
	ig_eval_table table = {0};
	ig_eval_user_metrics *m;
	ig_eval_scorer *e;

	/* The directory for --sort's spills must be usable: checked before
	 * the long work, as when compare wrote its per-user rows there. */
	ig_tempdir_check(o->tmpdir);
	m = ig_calloc(1, sizeof *m);

	so.by_user = NULL;
	so.user_row = keep_row;
	so.user_arg = m;
	/* The per-user rows do not depend on the bootstrap: skip it. */
	so.bootstrap = 0;
	e = ig_eval_scorer_new(&so);
	snprintf(m->h.kind, sizeof m->h.kind, "%s", ig_schema_of(IG_STREAM_USER_METRICS)->kind);
	m->h.version = ig_schema_of(IG_STREAM_USER_METRICS)->version;
	m->h.ncols = ig_eval_scorer_columns(e, &m->h.cols);
	ig_eval_scorer_run(e, &table, st);
	ig_eval_scorer_free(e);
	ig_eval_table_free(&table);
	return m;
}

void ig_eval_user_metrics_free(ig_eval_user_metrics *m)
{
	if (m == NULL)
		return;
	ig_header_free(&m->h);
	free(m->users);
	free(m->user_off);
	free(m->v);
	free(m);
}

/* One system's per-user rows, from a user-metrics stream or from memory. */
typedef struct side {
	const char *name;
	ig_header h;
	int have;
	const char *user;       /* the current row's */
	/* a stream */
	ig_reader *r;
	char *line;
	char *f[MAX_COLS];
	char *prev;
	size_t prev_len;
	/* memory */
	const ig_eval_user_metrics *m;
	size_t next;
} side;

static void side_open(side *s, const char *path)
{
	memset(s, 0, sizeof *s);
	s->r = ig_reader_open(path);
	s->name = ig_reader_name(s->r);
	ig_header_read(s->r, ig_schema_of(IG_STREAM_USER_METRICS)->kind, ig_schema_of(IG_STREAM_USER_METRICS)->version,
		       &s->h);
	if (s->h.ncols < 1 || strcmp(s->h.cols[0], "user") != 0)
		ig_die_at(s->name, 1, "user-metrics header: column 1 must be 'user'");
	if (s->h.ncols > MAX_COLS)
		ig_die_at(s->name, 1, "too many columns (%d, at most %d)", s->h.ncols, MAX_COLS);
}

static void side_open_mem(side *s, const ig_eval_user_metrics *m, const char *name)
{
	memset(s, 0, sizeof *s);
	s->m = m;
	s->name = name;
	s->h = m->h; /* borrowed: not freed */
}

static void side_next(side *s)
{
	ssize_t len;
	long ln;
	int n;

	if (s->m) {
		s->have = s->next < s->m->n;
		if (s->have)
			s->user = s->m->users + s->m->user_off[s->next++];
		return;
	}
	len = ig_reader_getline(s->r, &s->line);
	s->have = len >= 0;
	if (!s->have)
		return;
	ln = ig_reader_lineno(s->r);
	n = ig_split_tabs(s->line, s->f, MAX_COLS);
	if (n != s->h.ncols)
		ig_die_at(s->name, ln, "expected %d fields, got %d", s->h.ncols, n);
	if (s->prev && ig_eval_idcmp(s->prev, s->prev_len, s->f[0], strlen(s->f[0])) >= 0)
		ig_die_at(s->name, ln, "users are not sorted (bytewise, once each): '%s' after '%s'",
			  ig_esc(s->f[0]), ig_esc(s->prev));
	free(s->prev);
	s->prev_len = strlen(s->f[0]);
	s->prev = ig_strndup(s->f[0], s->prev_len);
	s->user = s->f[0];
}

static void side_close(side *s)
{
	if (s->m)
		return;
	ig_reader_close(s->r);
	ig_header_free(&s->h);
	free(s->prev);
}

/* Bound on a metric value read: far above any metric's, and low enough
 * that the sums of squared differences cannot overflow (an infinite
 * variance read as none, and a single outlier as p = 0). */
#define METRIC_MAX 1e100

/* A metric value, or NaN for an empty field. */
static double field_value(const side *s, int col)
{
	double v;

	if (s->m)
		return s->m->v[(s->next - 1) * ((size_t)s->h.ncols - 1) + (size_t)col - 1];
	if (s->f[col][0] == '\0')
		return NAN;
	if (ig_parse_double_range(s->f[col], -METRIC_MAX, METRIC_MAX, &v) != 0)
		ig_die_at(s->name, ig_reader_lineno(s->r), "field %d (%s): not a number from %g to %g '%s'",
			  col + 1, s->h.cols[col], -METRIC_MAX, METRIC_MAX, ig_esc(s->f[col]));
	return v;
}

static void compare_sides(side *sa, side *sb, int nrep, uint64_t seed, double level, ig_eval_cmp *out);

void ig_eval_compare(const char *a, const char *b, int nrep, uint64_t seed, double level,
		     ig_eval_cmp *out)
{
	side sa, sb;

	side_open(&sa, a);
	side_open(&sb, b);
	compare_sides(&sa, &sb, nrep, seed, level, out);
	side_close(&sa);
	side_close(&sb);
}

void ig_eval_compare_mem(const ig_eval_user_metrics *a, const ig_eval_user_metrics *b, int nrep,
			 uint64_t seed, double level, ig_eval_cmp *out)
{
	side sa, sb;

	side_open_mem(&sa, a, "A");
	side_open_mem(&sb, b, "B");
	compare_sides(&sa, &sb, nrep, seed, level, out);
}

/* The metrics of two sides paired by user: the columns named NAME@K
 * present in both, and per metric the sums over the users where both have
 * a value, with their bootstrap (one group per metric, as a user may have
 * a value for some and not others). */
typedef struct paired {
	int n;
	int *cola, *colb;
	double *sum_a, *sum_b, *sum_d, *sum_d2;
	uint64_t *cnt;
	int *group_of;
	ig_eval_boot boot;
} paired;

static void common_metrics(const side *pa, const side *pb, paired *p)
{
	int i;

	p->n = 0;
	p->cola = ig_calloc((size_t)pa->h.ncols, sizeof *p->cola);
	p->colb = ig_calloc((size_t)pa->h.ncols, sizeof *p->colb);
	for (i = 1; i < pa->h.ncols; i++) {
		int j = ig_header_col(&pb->h, pa->h.cols[i]);

		if (j < 0 || strchr(pa->h.cols[i], '@') == NULL)
			continue;
		p->cola[p->n] = i;
		p->colb[p->n] = j;
		p->n++;
	}
	if (p->n == 0)
		ig_die("%s and %s have no metric column in common", pa->name, pb->name);
}

static void paired_sums_init(paired *p, int nrep, uint64_t seed)
{
	size_t n = (size_t)p->n;
	int i;

	p->sum_a = ig_calloc(n, sizeof *p->sum_a);
	p->sum_b = ig_calloc(n, sizeof *p->sum_b);
	p->sum_d = ig_calloc(n, sizeof *p->sum_d);
	p->sum_d2 = ig_calloc(n, sizeof *p->sum_d2);
	p->cnt = ig_calloc(n, sizeof *p->cnt);
	p->group_of = ig_calloc(n, sizeof *p->group_of);
	for (i = 0; i < p->n; i++)
		p->group_of[i] = i;
	ig_eval_boot_init(&p->boot, nrep, seed, p->n, p->n, p->group_of);
}

static void paired_free(paired *p)
{
	ig_eval_boot_free(&p->boot);
	free(p->sum_a);
	free(p->sum_b);
	free(p->sum_d);
	free(p->sum_d2);
	free(p->cnt);
	free(p->group_of);
	free(p->cola);
	free(p->colb);
}

/* Adds the current user of both sides: each metric both give a value. */
static void add_common_user(paired *p, const side *pa, const side *pb)
{
	int i;

	ig_eval_boot_user(&p->boot);
	for (i = 0; i < p->n; i++) {
		double x = field_value(pa, p->cola[i]), y = field_value(pb, p->colb[i]), d;

		if (isnan(x) || isnan(y))
			continue;
		d = x - y;
		p->sum_a[i] += x;
		p->sum_b[i] += y;
		p->sum_d[i] += d;
		p->sum_d2[i] += d * d;
		p->cnt[i]++;
		ig_eval_boot_count(&p->boot, i);
		ig_eval_boot_add(&p->boot, i, d);
	}
}

/* Walks both sides (each sorted by user) together, adding the users they
 * share and counting those only one has. */
static void join_users(side *pa, side *pb, paired *p, ig_eval_cmp *out)
{
	side_next(pa);
	side_next(pb);
	while (pa->have || pb->have) {
		int c = !pa->have ? 1 : !pb->have ? -1 : ig_eval_idcmp(pa->user, strlen(pa->user), pb->user, strlen(pb->user));

		if (c < 0) {
			out->only_a++;
			side_next(pa);
			continue;
		}
		if (c > 0) {
			out->only_b++;
			side_next(pb);
			continue;
		}
		out->common++;
		add_common_user(p, pa, pb);
		side_next(pa);
		side_next(pb);
	}
}

/* The two-sided p-value of the paired t-test of mean difference M over
 * CNT users (NaN under 2; 0 or 1 when every difference is the same). */
static double paired_p_value(double sum_d2, uint64_t cnt, double m)
{
	double var, t;

	if (cnt < 2)
		return NAN;
	var = (sum_d2 - (double)cnt * m * m) / (double)(cnt - 1);
	if (var > 1e-300) {
		t = m / sqrt(var / (double)cnt);
		return ig_eval_t_pvalue(t, (double)(cnt - 1));
	}
	return fabs(m) > 0 ? 0 : 1;
}

/* Row I of the result: metric NAME@K of side A's column. */
static void metric_row(const paired *p, const side *pa, int i, double level, ig_eval_cmp_row *r)
{
	const char *name = pa->h.cols[p->cola[i]], *at = strrchr(name, '@');
	uint64_t cnt = p->cnt[i];
	double m = cnt ? p->sum_d[i] / (double)cnt : 0;
	int64_t k = 0;

	snprintf(r->metric, sizeof r->metric, "%.*s", (int)(at - name), name);
	if (ig_parse_i64(at + 1, 1, 1000000000, &k) != 0)
		k = 0;
	r->k = (int)k;
	r->users = cnt;
	r->mean_a = cnt ? p->sum_a[i] / (double)cnt : 0;
	r->mean_b = cnt ? p->sum_b[i] / (double)cnt : 0;
	r->diff = m;
	ig_eval_boot_ci(&p->boot, i, level, &r->ci_low, &r->ci_high);
	r->p_value = paired_p_value(p->sum_d2[i], cnt, m);
}

static void compare_sides(side *pa, side *pb, int nrep, uint64_t seed, double level, ig_eval_cmp *out)
{
	paired p;
	int i;

	memset(out, 0, sizeof *out);
	common_metrics(pa, pb, &p);
	paired_sums_init(&p, nrep, seed);
	join_users(pa, pb, &p, out);
	out->rows = ig_calloc((size_t)p.n, sizeof *out->rows);
	out->n = p.n;
	for (i = 0; i < p.n; i++)
		metric_row(&p, pa, i, level, &out->rows[i]);
	paired_free(&p);
}

void ig_eval_cmp_free(ig_eval_cmp *c)
{
	free(c->rows);
	memset(c, 0, sizeof *c);
}

void ig_eval_cmp_write_tsv(const ig_eval_cmp *c, double alpha, ig_writer *w)
{
	int i;

	ig_schema_write_header(w, IG_STREAM_COMPARE, NULL, 0, NULL);
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
