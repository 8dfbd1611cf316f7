/* The linear part of a second-stage head: L2-regularised logistic
 * regression on the standardised dense features, fitted by Newton's
 * method to the optimum (a gradient a millionth of its start): with a few
 * dozen features the Hessian is formed (a pass over the rows, the outer
 * products in vectors) and solved by Cholesky; with more, truncated Newton
 * (conjugate gradients on Hessian-vector products, O(features) a pass).
 * A line stopped short of its optimum ranked below scikit-learn's on the
 * same rows (view -0.0002, like -0.0005, save -0.0007 AUC).
 * The trees then start from its margin: a head with a few dozen positives
 * gets its monotone signal from the line, which needs few of them, and the
 * trees only add what the line misses. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "rank/ig_rank_model_priv.h"

#define NEWTON_STEPS 50
#define CG_STEPS 20
#define GRAD_TOL 1e-6
/* features up to which the Hessian is formed: its pass costs
 * O(features^2) a row */
#define DENSE_MAX 128
/* rows summed in floats before the sums move to doubles */
#define FLUSH_ROWS 4096

typedef float v4f __attribute__((vector_size(16)));

typedef struct lin_problem {
	const float *xs;        /* ntrain rows of nfp (nf rounded up to 8, zeros after) standardised features */
	const float *y;         /* the head's labels of those rows */
	size_t n;
	int nf, nfp;
	double l2;
	float *vf;              /* the weights of a pass as floats, nfp of them */
	double *z, *d;          /* per row: margin, p(1-p) */
} lin_problem;

/* The weights W as floats for the passes' dot products. */
static void to_float(const lin_problem *lp, const double *w)
{
	int k;

	for (k = 0; k < lp->nfp; k++)
		lp->vf[k] = k < lp->nf ? (float)w[k] : 0;
}

/* X . VF over NFP features, 8 at a time in two vectors. */
static inline double row_dot(const float *x, const float *vf, int nfp)
{
	v4f a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
	int k;

	for (k = 0; k < nfp; k += 8) {
		v4f x0, x1, v0, v1;

		memcpy(&x0, x + k, sizeof x0);
		memcpy(&x1, x + k + 4, sizeof x1);
		memcpy(&v0, vf + k, sizeof v0);
		memcpy(&v1, vf + k + 4, sizeof v1);
		a += x0 * v0;
		b += x1 * v1;
	}
	a += b;
	return (double)(a[0] + a[1]) + (double)(a[2] + a[3]);
}

static double log1p_exp(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* W holds nf weights then the bias (not regularised). */
static double objective(const lin_problem *lp, const double *w, double *z)
{
	double f = 0;
	size_t i;
	int k;

	to_float(lp, w);
	for (i = 0; i < lp->n; i++) {
		double s = w[lp->nf] + row_dot(lp->xs + i * (size_t)lp->nfp, lp->vf, lp->nfp);

		z[i] = s;
		f += log1p_exp(s) - (double)lp->y[i] * s;
	}
	for (k = 0; k < lp->nf; k++)
		f += 0.5 * lp->l2 * w[k] * w[k];
	return f;
}

/* The gradient at the margins lp->z; keeps p(1-p) for the Hessian. */
static void gradient(lin_problem *lp, const double *w, double *g)
{
	size_t i;
	int k, nf = lp->nf;

	memset(g, 0, ((size_t)nf + 1) * sizeof *g);
	for (i = 0; i < lp->n; i++) {
		const float *x = lp->xs + i * (size_t)lp->nfp;
		double p = 1 / (1 + exp(-lp->z[i])), r = p - (double)lp->y[i];

		lp->d[i] = p * (1 - p);
		for (k = 0; k < nf; k++)
			g[k] += r * (double)x[k];
		g[nf] += r;
	}
	for (k = 0; k < nf; k++)
		g[k] += lp->l2 * w[k];
}

static void hess_vec(const lin_problem *lp, const double *v, double *hv)
{
	size_t i;
	int k, nf = lp->nf;

	memset(hv, 0, ((size_t)nf + 1) * sizeof *hv);
	to_float(lp, v);
	for (i = 0; i < lp->n; i++) {
		const float *x = lp->xs + i * (size_t)lp->nfp;
		double s = (v[nf] + row_dot(x, lp->vf, lp->nfp)) * lp->d[i];

		if (s == 0)
			continue;
		for (k = 0; k < nf; k++)
			hv[k] += s * (double)x[k];
		hv[nf] += s;
	}
	for (k = 0; k < nf; k++)
		hv[k] += lp->l2 * v[k];
	/* the bias is not regularised: a tiny ridge keeps CG defined when
	 * every row has p(1-p) near 0 */
	hv[nf] += 1e-8 * v[nf];
}

static double dot(const double *a, const double *b, int n)
{
	double s = 0;
	int k;

	for (k = 0; k < n; k++)
		s += a[k] * b[k];
	return s;
}

/* Solves H s = -g approximately by conjugate gradients. */
static void newton_direction(const lin_problem *lp, const double *g, double *s, double *scratch)
{
	int n = lp->nf + 1, it, k;
	double *r = scratch, *p = r + n, *hp = p + n, rr, tol;

	memset(s, 0, (size_t)n * sizeof *s);
	for (k = 0; k < n; k++)
		r[k] = p[k] = -g[k];
	rr = dot(r, r, n);
	tol = 0.01 * rr;
	for (it = 0; it < CG_STEPS && rr > tol; it++) {
		double php, alpha, rr2;

		hess_vec(lp, p, hp);
		php = dot(p, hp, n);
		if (php <= 0)
			break;
		alpha = rr / php;
		for (k = 0; k < n; k++) {
			s[k] += alpha * p[k];
			r[k] -= alpha * hp[k];
		}
		rr2 = dot(r, r, n);
		for (k = 0; k < n; k++)
			p[k] = r[k] + rr2 / rr * p[k];
		rr = rr2;
	}
}

/* The Hessian at the weights of the last gradient (lp->d): the upper
 * triangle of the features' rows summed in float vectors, moved to
 * doubles every FLUSH_ROWS rows; the bias row and column in doubles. H is
 * (nf + 1) x (nf + 1), row-major. */
static void hessian(const lin_problem *lp, double *h, float *hf)
{
	int nf = lp->nf, nfp = lp->nfp, m = nf + 1, k, q;
	size_t i;

	memset(h, 0, (size_t)m * (size_t)m * sizeof *h);
	memset(hf, 0, (size_t)nf * (size_t)nfp * sizeof *hf);
	for (i = 0; i < lp->n; i++) {
		const float *x = lp->xs + i * (size_t)nfp;
		float d = (float)lp->d[i];

		for (k = 0; k < nf; k++) {
			v4f a = {d * x[k], d * x[k], d * x[k], d * x[k]};
			float *row = hf + (size_t)k * (size_t)nfp;

			for (q = k / 4 * 4; q < nfp; q += 4) {
				v4f xv, hv;

				memcpy(&xv, x + q, sizeof xv);
				memcpy(&hv, row + q, sizeof hv);
				hv += a * xv;
				memcpy(row + q, &hv, sizeof hv);
			}
			h[(size_t)k * (size_t)m + (size_t)nf] += lp->d[i] * (double)x[k];
		}
		h[(size_t)nf * (size_t)m + (size_t)nf] += lp->d[i];
		if ((i + 1) % FLUSH_ROWS == 0 || i + 1 == lp->n) {
			for (k = 0; k < nf; k++)
				for (q = k; q < nf; q++)
					h[(size_t)k * (size_t)m + (size_t)q] += (double)hf[(size_t)k * (size_t)nfp + (size_t)q];
			memset(hf, 0, (size_t)nf * (size_t)nfp * sizeof *hf);
		}
	}
	for (k = 0; k < m; k++) {
		/* the same tiny ridge on the bias as hess_vec's */
		h[(size_t)k * (size_t)m + (size_t)k] += k < nf ? lp->l2 : 1e-8;
		for (q = 0; q < k; q++)
			h[(size_t)k * (size_t)m + (size_t)q] = h[(size_t)q * (size_t)m + (size_t)k];
	}
}

/* Solves H s = -g by Cholesky, H overwritten; 0 when H is not positive
 * definite (then the caller takes conjugate gradients). */
static int cholesky_direction(double *h, int m, const double *g, double *s)
{
	int i, j, k;

	for (j = 0; j < m; j++) {
		double dj = h[(size_t)j * (size_t)m + (size_t)j];

		for (k = 0; k < j; k++)
			dj -= h[(size_t)j * (size_t)m + (size_t)k] * h[(size_t)j * (size_t)m + (size_t)k];
		if (!(dj > 0))
			return 0;
		dj = sqrt(dj);
		h[(size_t)j * (size_t)m + (size_t)j] = dj;
		for (i = j + 1; i < m; i++) {
			double v = h[(size_t)i * (size_t)m + (size_t)j];

			for (k = 0; k < j; k++)
				v -= h[(size_t)i * (size_t)m + (size_t)k] * h[(size_t)j * (size_t)m + (size_t)k];
			h[(size_t)i * (size_t)m + (size_t)j] = v / dj;
		}
	}
	/* L y = -g, then L' s = y */
	for (i = 0; i < m; i++) {
		double v = -g[i];

		for (k = 0; k < i; k++)
			v -= h[(size_t)i * (size_t)m + (size_t)k] * s[k];
		s[i] = v / h[(size_t)i * (size_t)m + (size_t)i];
	}
	for (i = m - 1; i >= 0; i--) {
		double v = s[i];

		for (k = i + 1; k < m; k++)
			v -= h[(size_t)k * (size_t)m + (size_t)i] * s[k];
		s[i] = v / h[(size_t)i * (size_t)m + (size_t)i];
	}
	return 1;
}

void ig_rank_linear_fit(const float *xs, const float *y, size_t n, int nf, double l2, double base, double *w)
{
	lin_problem lp = {xs, y, n, nf, IG_RANK_LINEAR_STRIDE(nf), l2, NULL,
			  ig_malloc((n + 1) * sizeof(double)), ig_malloc((n + 1) * sizeof(double))};
	size_t m = (size_t)nf + 1;
	double *g = ig_malloc(m * sizeof *g), *s = ig_malloc(m * sizeof *s), *wt = ig_malloc(m * sizeof *wt);
	double *scratch = ig_malloc(3 * m * sizeof *scratch), f, g0, *h = NULL;
	float *hf = NULL;
	int step, k;

	lp.vf = ig_malloc((size_t)lp.nfp * sizeof *lp.vf + 1);
	if (nf <= DENSE_MAX) {
		h = ig_malloc(m * m * sizeof *h);
		hf = ig_malloc((size_t)nf * (size_t)lp.nfp * sizeof *hf + 1);
	}
	memset(w, 0, m * sizeof *w);
	w[nf] = base;
	f = objective(&lp, w, lp.z);
	gradient(&lp, w, g);
	g0 = sqrt(dot(g, g, (int)m));
	for (step = 0; step < NEWTON_STEPS && sqrt(dot(g, g, (int)m)) > GRAD_TOL * (g0 > 1 ? g0 : 1); step++) {
		double t = 1, ft, slope;

		if (h == NULL || (hessian(&lp, h, hf), !cholesky_direction(h, (int)m, g, s)))
			newton_direction(&lp, g, s, scratch);
		slope = dot(g, s, (int)m);
		if (slope >= 0)
			break;
		/* backtracking: a full Newton step unless it fails to decrease
		 * the objective enough */
		for (;;) {
			for (k = 0; k < (int)m; k++)
				wt[k] = w[k] + t * s[k];
			ft = objective(&lp, wt, lp.z);
			if (ft <= f + 1e-4 * t * slope || t < 1e-6)
				break;
			t *= 0.5;
		}
		if (ft > f)
			break;
		memcpy(w, wt, m * sizeof *w);
		f = ft;
		gradient(&lp, w, g);
	}
	free(lp.z);
	free(lp.d);
	free(lp.vf);
	free(g);
	free(s);
	free(wt);
	free(scratch);
	free(h);
	free(hf);
}

void ig_rank_linear_standardise(const float *x, size_t nrows, int nf, const uint32_t *rows, size_t n,
				double *mean, double *scale)
{
	size_t i;
	int k;

	for (k = 0; k < nf; k++)
		mean[k] = scale[k] = 0;
	for (i = 0; i < n; i++)
		for (k = 0; k < nf; k++)
			mean[k] += (double)x[(size_t)rows[i] * (size_t)nf + (size_t)k];
	for (k = 0; k < nf; k++)
		mean[k] /= n ? (double)n : 1;
	for (i = 0; i < n; i++)
		for (k = 0; k < nf; k++) {
			double d = (double)x[(size_t)rows[i] * (size_t)nf + (size_t)k] - mean[k];

			scale[k] += d * d;
		}
	(void)nrows;
	for (k = 0; k < nf; k++) {
		double sd = n ? sqrt(scale[k] / (double)n) : 0;

		/* a constant feature gets no weight: its column is all 0 */
		scale[k] = sd > 1e-12 ? 1 / sd : 0;
	}
}
