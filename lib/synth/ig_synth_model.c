/* The engagement model of ig-synth and the names of its streams. */
#include "synth/ig_synth.h"

#include <math.h>
#include <string.h>

#include "io/ig_schema.h"

/* Synth streams in enum order, as stream kinds of the schema table. */
static const int stream_kinds[IG_SYN_NSTREAMS] = {
	IG_STREAM_TOPICS, IG_STREAM_ITEMS, IG_STREAM_FOLLOWS, IG_STREAM_EVENTS,
	IG_STREAM_TRUTH_INTERESTS, IG_STREAM_TRUTH_IMPRESSIONS, IG_STREAM_TRUTH_USERS,
	IG_STREAM_TRUTH_ITEMS
};

const char *ig_synth_stream_name(int s)
{
	return s >= 0 && s < IG_SYN_NSTREAMS ? ig_schema_of(stream_kinds[s])->kind : "?";
}

int ig_synth_stream_parse(const char *name)
{
	int i;

	for (i = 0; i < IG_SYN_NSTREAMS; i++)
		if (strcmp(name, ig_synth_stream_name(i)) == 0)
			return i;
	return -1;
}

int ig_synth_stream_kind(int s)
{
	return s >= 0 && s < IG_SYN_NSTREAMS ? stream_kinds[s] : -1;
}

static const char *const source_names[IG_SYN_NSRC] = {"follow", "topic", "explore"};

const char *ig_synth_source_name(int src)
{
	return src >= 0 && src < IG_SYN_NSRC ? source_names[src] : "?";
}

/* Rows: view, like, comment, share, save, follow, see_less, hide, report.
 * Columns: bias, affinity, author popularity, follows author, media
 * preference, item quality, user propensity. Kept in step with the table
 * in man/ig-synth.1. */
const double ig_synth_coef[IG_SYN_NHEADS][IG_SYN_NX] = {
	{-1.0, 3.0, 0.3, 0.8, 1.0, 0.5, 0.5},     /* view */
	{-4.5, 4.0, 0.4, 0.8, 0.5, 1.0, 1.0},     /* like | view */
	{-7.0, 3.0, 0.2, 1.5, 0.3, 0.8, 1.0},     /* comment | view */
	{-7.0, 3.5, 0.3, 0.3, 0.3, 1.0, 1.0},     /* share | view */
	{-6.5, 3.0, 0.2, 0.2, 0.8, 1.0, 1.0},     /* save | view */
	{-6.0, 2.5, 0.5, 0.0, 0.0, 0.5, 0.5},     /* follow | view, not following */
	{-2.5, -3.0, -0.3, -1.0, -0.5, -0.5, 0.0}, /* see_less | skip */
	{-4.35, -3.0, -0.5, -1.0, -0.5, -1.0, 0.0}, /* hide | skip */
	{-8.7, -1.0, -0.5, -1.0, 0.0, -4.0, 0.0}   /* report | skip */
};

double ig_synth_logistic(double z)
{
	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	return exp(z) / (1.0 + exp(z));
}

static double head_prob(const double x[IG_SYN_NX], int h)
{
	double z = 0;
	int k;

	for (k = 0; k < IG_SYN_NX; k++)
		z += ig_synth_coef[h][k] * x[k];
	return ig_synth_logistic(z);
}

void ig_synth_probs_positive(const double x[IG_SYN_NX], int following, ig_synth_probs *p)
{
	int h;
	double pv;

	for (h = IG_SYN_H_VIEW; h <= IG_SYN_H_FOLLOW; h++)
		p->cond[h] = h == IG_SYN_H_FOLLOW && following ? 0 : head_prob(x, h);
	pv = p->cond[IG_SYN_H_VIEW];
	p->marginal[IG_SYN_H_VIEW] = pv;
	for (h = IG_SYN_H_LIKE; h <= IG_SYN_H_FOLLOW; h++)
		p->marginal[h] = pv * p->cond[h];
}

void ig_synth_probs_negative(const double x[IG_SYN_NX], ig_synth_probs *p)
{
	int h;

	for (h = IG_SYN_H_SEE_LESS; h <= IG_SYN_H_REPORT; h++)
		p->cond[h] = head_prob(x, h);
	/* One draw decides see_less, hide or report after a skip. */
	if (p->cond[IG_SYN_H_HIDE] > 1.0 - p->cond[IG_SYN_H_SEE_LESS])
		p->cond[IG_SYN_H_HIDE] = 1.0 - p->cond[IG_SYN_H_SEE_LESS];
	if (p->cond[IG_SYN_H_REPORT] > 1.0 - p->cond[IG_SYN_H_SEE_LESS] - p->cond[IG_SYN_H_HIDE])
		p->cond[IG_SYN_H_REPORT] = 1.0 - p->cond[IG_SYN_H_SEE_LESS] - p->cond[IG_SYN_H_HIDE];
	for (h = IG_SYN_H_SEE_LESS; h <= IG_SYN_H_REPORT; h++)
		p->marginal[h] = (1.0 - p->cond[IG_SYN_H_VIEW]) * p->cond[h];
}

void ig_synth_probs_eval(const double x[IG_SYN_NX], int following, ig_synth_probs *p)
{
	ig_synth_probs_positive(x, following, p);
	ig_synth_probs_negative(x, p);
}

double ig_synth_affinity(const double *phi_s, double phi_max, const uint32_t *topics, int n)
{
	double a;

	if (phi_max <= 0)
		return 0;
	if (n == 1)
		a = phi_s[topics[0]];
	else
		a = (2.0 * phi_s[topics[0]] + phi_s[topics[1]]) / 3.0;
	a /= phi_max;
	return a > 1.0 ? 1.0 : a;
}

double ig_synth_affinity_fatigued(const double *phi_s, double phi_max, const uint32_t *topics,
				  const double *mult, int n)
{
	double a;

	if (phi_max <= 0)
		return 0;
	if (n == 1)
		a = phi_s[topics[0]] * mult[0];
	else
		a = (2.0 * phi_s[topics[0]] * mult[0] + phi_s[topics[1]] * mult[1]) / 3.0;
	a /= phi_max;
	return a > 1.0 ? 1.0 : a;
}

double ig_synth_fatigue_decay(double level, int64_t dt)
{
	if (level <= 0 || dt <= 0)
		return level;
	return level * exp2(-(double)dt / (86400.0 * IG_SYN_FATIGUE_HALF_LIFE));
}

double ig_synth_fatigue_add(double level, double tau)
{
	return 1.0 - (1.0 - level) * (1.0 - IG_SYN_FATIGUE_DEPTH * tau);
}

double ig_synth_keep_prob(const double *mult, int n)
{
	if (n == 1)
		return mult[0];
	return (2.0 * mult[0] + mult[1]) / 3.0;
}

double ig_synth_smooth(const double *phi, uint32_t roots, uint32_t subtopics, double *phi_s)
{
	double max = 0;
	uint32_t r, j;

	for (r = 0; r < roots; r++) {
		const double *f = phi + (size_t)r * subtopics;
		double *g = phi_s + (size_t)r * subtopics;
		double sum = 0, share;
		for (j = 0; j < subtopics; j++)
			sum += f[j];
		share = IG_SYN_ETA * sum / subtopics;
		for (j = 0; j < subtopics; j++) {
			g[j] = (1.0 - IG_SYN_ETA) * f[j] + share;
			if (g[j] > max)
				max = g[j];
		}
	}
	return max;
}
