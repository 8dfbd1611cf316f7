#include "eval/ig_eval_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_schema.h"

/* P(Poisson(1) <= k) x 65536, so that 16 random bits pick a weight. */
static const uint32_t poisson1_cdf16[] = {
	24110, 48219, 60273, 64292, 65296, 65497, 65531, 65535, 65536,
};

void ig_eval_boot_init(ig_eval_boot *b, int nrep, uint64_t seed, int nstat, int ngroup,
		       const int *group_of)
{
	memset(b, 0, sizeof *b);
	b->nrep = nrep;
	b->nstat = nstat;
	b->ngroup = ngroup;
	b->group_of = ig_calloc((size_t)nstat + 1, sizeof *b->group_of);
	memcpy(b->group_of, group_of, (size_t)nstat * sizeof *group_of);
	b->sum = ig_calloc((size_t)nstat * (size_t)nrep + 1, sizeof *b->sum);
	b->cnt = ig_calloc((size_t)ngroup * (size_t)nrep + 1, sizeof *b->cnt);
	b->exact_sum = ig_calloc((size_t)nstat + 1, sizeof *b->exact_sum);
	b->exact_cnt = ig_calloc((size_t)ngroup + 1, sizeof *b->exact_cnt);
	b->w = ig_calloc((size_t)nrep + 4, 1);
	ig_rng_seed(&b->rng, seed);
}

void ig_eval_boot_free(ig_eval_boot *b)
{
	free(b->group_of);
	free(b->sum);
	free(b->cnt);
	free(b->exact_sum);
	free(b->exact_cnt);
	free(b->w);
	memset(b, 0, sizeof *b);
}

void ig_eval_boot_user(ig_eval_boot *b)
{
	int i, j;

	for (i = 0; i < b->nrep; i += 4) {
		uint64_t r = ig_rng_u64(&b->rng);

		for (j = 0; j < 4 && i + j < b->nrep; j++) {
			uint32_t u = (uint32_t)(r >> (16 * j)) & 0xffff;
			unsigned char k = 0;

			while (u >= poisson1_cdf16[k])
				k++;
			b->w[i + j] = k;
		}
	}
}

void ig_eval_boot_count(ig_eval_boot *b, int group)
{
	double *c = b->cnt + (size_t)group * (size_t)b->nrep;
	int i;

	b->exact_cnt[group]++;
	for (i = 0; i < b->nrep; i++)
		c[i] += b->w[i];
}

void ig_eval_boot_add(ig_eval_boot *b, int stat, double x)
{
	double *s = b->sum + (size_t)stat * (size_t)b->nrep;
	int i;

	b->exact_sum[stat] += x;
	if (x == 0)
		return;
	for (i = 0; i < b->nrep; i++)
		s[i] += b->w[i] * x;
}

double ig_eval_boot_mean(const ig_eval_boot *b, int stat)
{
	uint64_t n = b->exact_cnt[b->group_of[stat]];

	return n ? b->exact_sum[stat] / (double)n : 0;
}

uint64_t ig_eval_boot_users(const ig_eval_boot *b, int stat)
{
	return b->exact_cnt[b->group_of[stat]];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double ig_eval_quantile(const double *sorted, size_t n, double q)
{
	double h, f;
	size_t lo;

	if (n == 0)
		return NAN;
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return sorted[n - 1];
	f = h - (double)lo;
	return sorted[lo] + f * (sorted[lo + 1] - sorted[lo]);
}

void ig_eval_boot_ci(const ig_eval_boot *b, int stat, double level, double *lo, double *hi)
{
	const double *s = b->sum + (size_t)stat * (size_t)b->nrep;
	const double *c = b->cnt + (size_t)b->group_of[stat] * (size_t)b->nrep;
	double *est;
	size_t n = 0;
	int i;

	*lo = *hi = NAN;
	if (b->nrep == 0 || b->exact_cnt[b->group_of[stat]] == 0)
		return;
	est = ig_malloc((size_t)b->nrep * sizeof *est);
	for (i = 0; i < b->nrep; i++)
		if (c[i] > 0)
			est[n++] = s[i] / c[i];
	qsort(est, n, sizeof *est, cmp_double);
	*lo = ig_eval_quantile(est, n, (1 - level) / 2);
	*hi = ig_eval_quantile(est, n, 1 - (1 - level) / 2);
	free(est);
}

ig_eval_row *ig_eval_table_add(ig_eval_table *t, const char *metric, int k, double value)
{
	ig_eval_row *r;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = ig_reallocarray(t->rows, t->cap, sizeof *t->rows);
	}
	r = &t->rows[t->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->metric, sizeof r->metric, "%s", metric);
	r->k = k;
	r->value = value;
	r->ci_low = r->ci_high = NAN;
	return r;
}

void ig_eval_table_free(ig_eval_table *t)
{
	ig_header_free(&t->upstream);
	free(t->rows);
	memset(t, 0, sizeof *t);
}

void ig_eval_put_num(ig_writer *w, double v)
{
	if (!isnan(v))
		ig_writer_put_double(w, v, 6);
}

void ig_eval_table_write_tsv(const ig_eval_table *t, ig_writer *w)
{
	size_t i;

	ig_schema_write_header(w, IG_STREAM_METRICS, NULL, 0, &t->upstream);
	for (i = 0; i < t->n; i++) {
		const ig_eval_row *r = &t->rows[i];

		ig_writer_puts(w, r->metric);
		ig_writer_putc(w, '\t');
		if (r->k > 0)
			ig_writer_put_i64(w, r->k);
		ig_writer_putc(w, '\t');
		if (r->is_count)
			ig_writer_put_u64(w, (uint64_t)r->value);
		else
			ig_eval_put_num(w, r->value);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->ci_low);
		ig_writer_putc(w, '\t');
		ig_eval_put_num(w, r->ci_high);
		ig_writer_putc(w, '\t');
		if (!r->is_count)
			ig_writer_put_u64(w, r->users);
		ig_writer_putc(w, '\n');
	}
}

void ig_eval_table_write_text(const ig_eval_table *t, ig_writer *w)
{
	size_t i, mw = 6;

	for (i = 0; i < t->n; i++)
		if (strlen(t->rows[i].metric) > mw)
			mw = strlen(t->rows[i].metric);
	ig_writer_printf(w, "%-*s %5s %10s  %-21s %9s\n", (int)mw, "metric", "k", "value", "95% CI", "users");
	for (i = 0; i < t->n; i++) {
		const ig_eval_row *r = &t->rows[i];
		char k[16], v[32], ci[48], u[24];

		snprintf(k, sizeof k, "%d", r->k);
		if (r->k <= 0)
			snprintf(k, sizeof k, "-");
		if (r->is_count)
			snprintf(v, sizeof v, "%llu", (unsigned long long)r->value);
		else if (isnan(r->value))
			snprintf(v, sizeof v, "-");
		else
			snprintf(v, sizeof v, "%.4f", r->value);
		if (isnan(r->ci_low))
			snprintf(ci, sizeof ci, "-");
		else
			snprintf(ci, sizeof ci, "[%.4f, %.4f]", r->ci_low, r->ci_high);
		if (r->is_count)
			snprintf(u, sizeof u, "-");
		else
			snprintf(u, sizeof u, "%llu", (unsigned long long)r->users);
		ig_writer_printf(w, "%-*s %5s %10s  %-21s %9s\n", (int)mw, r->metric, k, v, ci, u);
	}
}

#define LENTZ_TINY 1e-300

/* One term AA of a continued fraction by the modified Lentz method:
 * updates C and D, returns the factor of the convergent. */
static double lentz_step(double aa, double *c, double *d)
{
	*d = 1 + aa * *d;
	if (fabs(*d) < LENTZ_TINY)
		*d = LENTZ_TINY;
	*c = 1 + aa / *c;
	if (fabs(*c) < LENTZ_TINY)
		*c = LENTZ_TINY;
	*d = 1 / *d;
	return *d * *c;
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double betacf(double a, double b, double x)
{
	const double eps = 1e-15;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;
	int m;

	if (fabs(d) < LENTZ_TINY)
		d = LENTZ_TINY;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, del;

		h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), &c, &d);
		del = lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), &c, &d);
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double ibeta(double a, double b, double x)
{
	double bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double ig_eval_t_pvalue(double t, double df)
{
	if (isnan(t))
		return NAN;
	if (isinf(t))
		return 0;
	return ibeta(df / 2, 0.5, df / (df + t * t));
}
