/* The statistics of insights: Wilson intervals for rates and Spearman's
 * rank correlation for checks against planted truth. */
#include <math.h>
#include <stdlib.h>

#include "core/ig_err.h"
#include "insights/ig_insights_priv.h"

double ig_ins_rate(uint64_t x, uint64_t n)
{
	return n ? (double)x / (double)n : (double)NAN;
}

/* (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n): unlike
 * p +- z sqrt(p(1-p)/n) it stays inside [0, 1] and is not empty at
 * p = 0, where small samples live. */
void ig_wilson(uint64_t x, uint64_t n, double z, double *lo, double *hi)
{
	double p, nn, z2, denom, center, half;

	if (n == 0 || x > n) {
		*lo = *hi = NAN;
		return;
	}
	nn = (double)n;
	p = (double)x / nn;
	z2 = z * z;
	denom = 1 + z2 / nn;
	center = (p + z2 / (2 * nn)) / denom;
	half = z / denom * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
	*lo = center - half;
	*hi = center + half;
	if (*lo < 0 || x == 0)
		*lo = 0;
	if (*hi > 1 || x == n)
		*hi = 1;
}

typedef struct value_at {
	double v;
	size_t i;
} value_at;

static int cmp_value(const void *a, const void *b)
{
	const value_at *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* Ranks 1..N of V, ties sharing their mean rank. */
static void mid_ranks(const double *v, size_t n, double *rank)
{
	value_at *a = ig_reallocarray(NULL, n, sizeof *a);
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		a[i].v = v[i];
		a[i].i = i;
	}
	qsort(a, n, sizeof *a, cmp_value);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && a[j].v == a[i].v; j++)
			;
		for (k = i; k < j; k++)
			rank[a[k].i] = (double)(i + j + 1) / 2;
	}
	free(a);
}

double ig_spearman(const double *x, const double *y, size_t n)
{
	double *rx, *ry, mean, sxy = 0, sxx = 0, syy = 0;
	size_t i;

	if (n < 2)
		return NAN;
	rx = ig_reallocarray(NULL, n, sizeof *rx);
	ry = ig_reallocarray(NULL, n, sizeof *ry);
	mid_ranks(x, n, rx);
	mid_ranks(y, n, ry);
	mean = (double)(n + 1) / 2;
	for (i = 0; i < n; i++) {
		sxy += (rx[i] - mean) * (ry[i] - mean);
		sxx += (rx[i] - mean) * (rx[i] - mean);
		syy += (ry[i] - mean) * (ry[i] - mean);
	}
	free(rx);
	free(ry);
	if (sxx == 0 || syy == 0)
		return NAN;
	return sxy / sqrt(sxx * syy);
}
