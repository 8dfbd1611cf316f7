#include <math.h>
#include <stdlib.h>

#include "core/ig_err.h"
#include "rank/ig_rank.h"

typedef struct scored {
	double p;
	float y;
} scored;

static int by_p(const void *a, const void *b)
{
	double x = ((const scored *)a)->p, y = ((const scored *)b)->p;

	return (x > y) - (x < y);
}

/* Mann-Whitney with ties sharing their mean rank; labels are weights in
 * [0, 1] so that soft labels count fractionally. */
double ig_rank_auc(const double *p, const float *yf, size_t n)
{
	scored *s = ig_reallocarray(NULL, n ? n : 1, sizeof *s);
	double pos = 0, neg = 0, sum = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		s[i].p = p[i];
		s[i].y = yf[i];
	}
	qsort(s, n, sizeof *s, by_p);
	for (i = 0; i < n; i = j) {
		double ypos = 0, yneg = 0;

		for (j = i; j < n && s[j].p == s[i].p; j++) {
			ypos += (double)s[j].y;
			yneg += 1 - (double)s[j].y;
		}
		sum += ypos * (neg + yneg / 2);
		pos += ypos;
		neg += yneg;
	}
	free(s);
	return pos > 0 && neg > 0 ? sum / (pos * neg) : (double)NAN;
}

double ig_rank_logloss(const double *p, const float *yf, size_t n)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double q = p[i] < 1e-15 ? 1e-15 : p[i] > 1 - 1e-15 ? 1 - 1e-15 : p[i];

		double y = (double)yf[i];

		sum -= y * log(q) + (1 - y) * log(1 - q);
	}
	return n ? sum / (double)n : (double)NAN;
}

/* Equal-width bins of the predicted probability; the mean |mean p - rate|
 * weighted by the bin's share of rows. */
double ig_rank_ece(const double *p, const float *yf, size_t n, int bins)
{
	double *sp = ig_calloc((size_t)bins, sizeof *sp), *sy = ig_calloc((size_t)bins, sizeof *sy), e = 0;
	size_t *cnt = ig_calloc((size_t)bins, sizeof *cnt), i;
	int b;

	for (i = 0; i < n; i++) {
		b = (int)(p[i] * bins);
		b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
		sp[b] += p[i];
		sy[b] += (double)yf[i];
		cnt[b]++;
	}
	for (b = 0; b < bins; b++)
		e += fabs(sp[b] - sy[b]);
	free(sp);
	free(sy);
	free(cnt);
	return n ? e / (double)n : (double)NAN;
}

static double logit(double p)
{
	p = p < 1e-7 ? 1e-7 : p > 1 - 1e-7 ? 1 - 1e-7 : p;
	return log(p / (1 - p));
}

/* Newton's method on the two parameters, with Platt's smoothed targets
 * so that a separable cut does not send A to infinity. */
void ig_rank_platt_fit(const double *p, const float *yf, size_t n, double *a, double *b)
{
	double pos = 0, neg, tp, tn, A = 1, B = 0;
	size_t i;
	int it;

	for (i = 0; i < n; i++)
		pos += (double)yf[i];
	neg = (double)n - pos;
	tp = (pos + 1) / (pos + 2);
	tn = 1 / (neg + 2);
	for (it = 0; it < 50; it++) {
		double g0 = 0, g1 = 0, h00 = 1e-9, h01 = 0, h11 = 1e-9, det, dA, dB;

		for (i = 0; i < n; i++) {
			double z = logit(p[i]), q = 1 / (1 + exp(-(A * z + B)));
			double t = (double)yf[i] * tp + (1 - (double)yf[i]) * tn, w = q * (1 - q);

			g0 += (q - t) * z;
			g1 += q - t;
			h00 += w * z * z;
			h01 += w * z;
			h11 += w;
		}
		det = h00 * h11 - h01 * h01;
		if (det <= 0)
			break;
		dA = (h11 * g0 - h01 * g1) / det;
		dB = (h00 * g1 - h01 * g0) / det;
		A -= dA;
		B -= dB;
		if (fabs(dA) + fabs(dB) < 1e-9)
			break;
	}
	*a = A;
	*b = B;
}
