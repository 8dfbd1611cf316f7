/* Off-policy evaluation of a feed from the logs of another (see
 * ig_eval_ope.h). The logs, the events and the target are read together,
 * user by user (all three grouped by user in bytewise order); the logged
 * slots are kept in memory (about 40 bytes each) because the reward model
 * is fitted on all of them before any estimate. */
#include "eval/ig_eval_ope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "core/ig_num.h"
#include "eval/ig_eval_io.h"
#include "eval/ig_eval_report.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"

void ig_eval_ope_default(ig_eval_ope_opts *o)
{
	memset(o, 0, sizeof *o);
	o->reward[IG_EV_LIKE] = o->reward[IG_EV_COMMENT] = o->reward[IG_EV_SHARE] = o->reward[IG_EV_SAVE] = 1;
	o->bootstrap = 1000;
	o->confidence = 0.95;
	o->seed = 1;
}

/* One logged slot: the item shown at a rank, its propensity, the reward
 * that followed, and the target's item at the same rank. */
typedef struct slot {
	uint32_t item, target; /* IG_INTERN_NONE: the target lists nothing there */
	uint32_t rank;         /* 0-based position in the user's list */
	double propensity, reward;
} slot;

typedef struct user_span {
	size_t first, n;
	int fold;
} user_span;

/* The feed log reader: rows grouped by user, ordered by rank within. */
typedef struct log_reader {
	ig_reader *r;
	ig_header h;
	int col_user, col_item, col_prop, col_rank, ncols;
	char **f;
	char *user;            /* the user of the group returned */
	size_t user_len, user_cap;
	int have_prev;
	int have;              /* the next group's first row is read */
	struct log_row {
		uint32_t item;
		int64_t rank;
		double propensity;
		long line;
	} pending;
	char *next_user;
	size_t next_cap;
} log_reader;

typedef struct log_row log_row;

static void log_open(log_reader *lr, const char *path)
{
	memset(lr, 0, sizeof *lr);
	lr->r = ig_reader_open(path);
	ig_header_read(lr->r, NULL, 0, &lr->h);
	lr->col_user = ig_header_need_col(&lr->h, lr->r, "user");
	lr->col_item = ig_header_need_col(&lr->h, lr->r, "item");
	lr->col_prop = ig_header_need_col(&lr->h, lr->r, "propensity");
	lr->col_rank = ig_header_col(&lr->h, "rank");
	lr->ncols = lr->h.ncols;
	lr->f = ig_calloc((size_t)lr->ncols + 1, sizeof *lr->f);
}

static int row_cmp(const void *a, const void *b)
{
	const log_row *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Parses the record in lr->f (line LN) into ROW; returns its user. */
static const char *log_parse(log_reader *lr, ig_intern *items, long ln, log_row *row, size_t *ulen)
{
	const char *name = ig_reader_name(lr->r), *user = lr->f[lr->col_user], *item = lr->f[lr->col_item];

	*ulen = strlen(user);
	if (!ig_valid_id(user, *ulen))
		ig_die_at(name, ln, "field %d (user): not a valid id '%s'", lr->col_user + 1, ig_esc(user));
	if (!ig_valid_id(item, strlen(item)))
		ig_die_at(name, ln, "field %d (item): not a valid id '%s'", lr->col_item + 1, ig_esc(item));
	row->item = ig_intern_add(items, item, strlen(item));
	row->line = ln;
	row->rank = 0;
	if (lr->col_rank >= 0 && ig_parse_i64(lr->f[lr->col_rank], 0, INT64_MAX, &row->rank) != 0)
		ig_die_at(name, ln, "field %d (rank): not a whole number >= 0 '%s'", lr->col_rank + 1,
			  ig_esc(lr->f[lr->col_rank]));
	if (ig_parse_double_range(lr->f[lr->col_prop], 0, 1, &row->propensity) != 0 || !(row->propensity > 0))
		ig_die_at(name, ln, "field %d (propensity): not a number in (0, 1] '%s'", lr->col_prop + 1,
			  ig_esc(lr->f[lr->col_prop]));
	return user;
}

/* The k-th row of a user's sorted log is compared with the target's k-th
 * item: its rank must be k, ranks 1, 2, 3 ... without a gap or a repeat
 * (as a feed/1 stream's), or the target would be judged at other slots. */
static void check_ranks(const log_reader *lr, const log_row *rows, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (rows[k].rank != (int64_t)k + 1)
			ig_die_at(ig_reader_name(lr->r), rows[k].line,
				  "rank %lld of user '%s' where %zu was expected: a log's ranks run 1, 2, 3 ... "
				  "without a gap or a repeat",
				  (long long)rows[k].rank, ig_esc(lr->user), k + 1);
}

/* The next user's rows in *ROWS (sorted by rank), the user in lr->user;
 * 0 at the end. The first row of the following user waits in
 * lr->pending. */
static int log_next(log_reader *lr, ig_intern *items, log_row **rows, size_t *n, size_t *cap)
{
	const char *name = ig_reader_name(lr->r);
	char *line;
	ssize_t len;

	*n = 0;
	if (lr->have) {
		size_t ulen = strlen(lr->next_user);
		if (lr->have_prev && ig_eval_idcmp(lr->next_user, ulen, lr->user, lr->user_len) <= 0)
			ig_die_at(name, lr->pending.line,
				  "user '%s' after '%s': the log must be grouped by user in bytewise order",
				  ig_esc(lr->next_user), ig_esc(lr->user));
		if (ulen + 1 > lr->user_cap) {
			lr->user_cap = 2 * (ulen + 1);
			lr->user = ig_realloc(lr->user, lr->user_cap);
		}
		memcpy(lr->user, lr->next_user, ulen + 1);
		lr->user_len = ulen;
		lr->have_prev = 1;
		lr->have = 0;
		if (*cap == 0) {
			*cap = 64;
			*rows = ig_reallocarray(*rows, *cap, sizeof **rows);
		}
		(*rows)[(*n)++] = lr->pending;
	}
	while ((len = ig_reader_getline(lr->r, &line)) >= 0) {
		long ln = ig_reader_lineno(lr->r);
		int nf = ig_split_tabs(line, lr->f, lr->ncols);
		const char *user;
		size_t ulen;
		log_row row;

		if (nf != lr->ncols)
			ig_die_at(name, ln, "%d fields, the header has %d", nf, lr->ncols);
		user = log_parse(lr, items, ln, &row, &ulen);
		if (*n == 0 || ulen != lr->user_len || memcmp(user, lr->user, ulen) != 0) {
			/* A new user: it starts the next group. */
			if (ulen + 1 > lr->next_cap) {
				lr->next_cap = 2 * (ulen + 1);
				lr->next_user = ig_realloc(lr->next_user, lr->next_cap);
			}
			memcpy(lr->next_user, user, ulen + 1);
			lr->pending = row;
			lr->have = 1;
			if (*n > 0)
				break;
			return log_next(lr, items, rows, n, cap);
		}
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*rows = ig_reallocarray(*rows, *cap, sizeof **rows);
		}
		(*rows)[(*n)++] = row;
	}
	if (*n > 1 && lr->col_rank >= 0)
		qsort(*rows, *n, sizeof **rows, row_cmp);
	if (lr->col_rank >= 0)
		check_ranks(lr, *rows, *n);
	return *n > 0;
}

static void log_close(log_reader *lr)
{
	ig_reader_close(lr->r);
	ig_header_free(&lr->h);
	free(lr->f);
	free(lr->user);
	free(lr->next_user);
}

/* The reward model: mean reward per item, shrunk towards the mean at the
 * rank by one pseudo-slot, from one fold's slots. */
typedef struct reward_model {
	double *item_sum, *rank_sum, global_sum;
	uint32_t *item_n;
	uint64_t *rank_n, global_n;
} reward_model;

static void model_init(reward_model *m, uint32_t nitems, uint32_t nranks)
{
	m->item_sum = ig_calloc((size_t)nitems + 1, sizeof *m->item_sum);
	m->item_n = ig_calloc((size_t)nitems + 1, sizeof *m->item_n);
	m->rank_sum = ig_calloc((size_t)nranks + 1, sizeof *m->rank_sum);
	m->rank_n = ig_calloc((size_t)nranks + 1, sizeof *m->rank_n);
	m->global_sum = 0;
	m->global_n = 0;
}

static void model_free(reward_model *m)
{
	free(m->item_sum);
	free(m->item_n);
	free(m->rank_sum);
	free(m->rank_n);
}

static void model_add(reward_model *m, const slot *s)
{
	m->item_sum[s->item] += s->reward;
	m->item_n[s->item]++;
	m->rank_sum[s->rank] += s->reward;
	m->rank_n[s->rank]++;
	m->global_sum += s->reward;
	m->global_n++;
}

static double model_predict(const reward_model *m, uint32_t item, uint32_t rank)
{
	double prior = m->rank_n[rank] > 0 ? m->rank_sum[rank] / (double)m->rank_n[rank]
		       : m->global_n > 0 ? m->global_sum / (double)m->global_n : 0;

	if (item == IG_INTERN_NONE)
		return 0;
	return (m->item_sum[item] + prior) / (m->item_n[item] + 1.0);
}

enum { ST_SLOTS, ST_REWARD, ST_WR, ST_W, ST_DR, NSTAT };
enum { EST_LOGGED, EST_IPS, EST_SNIPS, EST_DR, NEST };
static const char *const est_names[NEST] = {"logged", "ips", "snips", "dr"};

static double ratio(double a, double b)
{
	return b > 0 ? a / b : (double)NAN;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void estimate_ci(const ig_eval_boot *b, int num, int den, double level, double *lo, double *hi)
{
	double *r = ig_malloc(((size_t)b->nrep + 1) * sizeof *r);
	const double *sn = b->sum + (size_t)num * (size_t)b->nrep, *sd = b->sum + (size_t)den * (size_t)b->nrep;
	size_t n = 0;
	int i;

	for (i = 0; i < b->nrep; i++)
		if (sd[i] > 0)
			r[n++] = sn[i] / sd[i];
	qsort(r, n, sizeof *r, cmp_double);
	*lo = ig_eval_quantile(r, n, (1.0 - level) / 2);
	*hi = ig_eval_quantile(r, n, (1.0 + level) / 2);
	free(r);
}

/* "%.6f" of a large estimate (a tiny logged propensity) runs to 300 and
 * more characters: ig_writer_printf sizes its buffer. */
static void put_num(ig_writer *w, double v)
{
	if (isnan(v))
		ig_writer_putc(w, '\t');
	else
		ig_writer_printf(w, "\t%.6f", v);
}

/* An estimate or bound that overflowed (weights 1/p of tiny propensities
 * times rewards): no number to write, as the stream would read "inf". */
static void check_finite(const char *logs, const double *est, const double *lo, const double *hi,
			 double min_propensity)
{
	int i;

	for (i = 0; i < NEST; i++)
		if (isinf(est[i]) || isinf(lo[i]) || isinf(hi[i]))
			ig_die("%s: the %s estimate overflows: importance weights 1/propensity (propensities down "
			       "to %g) times the rewards pass the largest double", logs, est_names[i], min_propensity);
}

/* The events of one user on each of its logged items, as reward. */
static void rewards(const ig_eval_ope_opts *o, const ig_user_group *g, slot *s, size_t n, uint64_t *events)
{
	size_t e, k;

	for (e = 0; e < g->n; e++) {
		for (k = 0; k < n; k++)
			if (s[k].item == g->ev[e].item)
				break;
		if (k < n) {
			s[k].reward += o->reward[g->ev[e].type];
			(*events)++;
		}
	}
}

/* The target's and the events' readers, walked along the log: each waits
 * at its first user not before the log's current one. */
typedef struct joined_inputs {
	ig_eval_recs *target;
	const char *tuser;
	size_t tulen, ntarget;
	ig_eval_rec *trecs;
	int thave;
	ig_user_events_reader *ev;
	ig_user_group g;
	int ehave;
} joined_inputs;

/* All users' logged slots, kept because the reward model is fitted on
 * them all before any estimate; a user's run of them in spans. */
typedef struct logged {
	slot *slots;
	size_t nslots, slots_cap;
	user_span *spans;
	size_t nusers, users_cap;
	uint32_t maxrank;      /* the longest user's slots: the model's ranks */
} logged;

static void joined_open(joined_inputs *in, const ig_eval_ope_opts *o, ig_intern *items)
{
	memset(in, 0, sizeof *in);
	in->target = ig_eval_recs_open(o->target, items, o->sort, o->memory, o->tmpdir);
	in->ev = ig_user_events_open(o->events, items);
}

static void joined_close(joined_inputs *in)
{
	ig_eval_recs_close(in->target);
	ig_user_events_close(in->ev);
	ig_user_group_free(&in->g);
}

/* Advances the target and the events to USER, the log's current user. */
static void joined_seek(joined_inputs *in, const char *user, size_t ulen)
{
	while (in->thave && ig_eval_idcmp(in->tuser, in->tulen, user, ulen) < 0)
		in->thave = ig_eval_recs_next(in->target, &in->tuser, &in->tulen, &in->trecs, &in->ntarget);
	while (in->ehave && ig_eval_idcmp(in->g.user, in->g.user_len, user, ulen) < 0)
		in->ehave = ig_user_events_next(in->ev, &in->g);
}

/* Room for one more user of NROWS slots. */
static void logged_reserve(logged *lg, size_t nrows)
{
	if (lg->nslots + nrows > lg->slots_cap) {
		lg->slots_cap = 2 * (lg->nslots + nrows);
		lg->slots = ig_reallocarray(lg->slots, lg->slots_cap, sizeof *lg->slots);
	}
	if (lg->nusers == lg->users_cap) {
		lg->users_cap = lg->users_cap ? 2 * lg->users_cap : 1024;
		lg->spans = ig_reallocarray(lg->spans, lg->users_cap, sizeof *lg->spans);
	}
}

/* The user's sorted log ROWS as slots S, each with the target's item at
 * its rank (the first NLISTED of TRECS are the target's list for the
 * user); counts the slots where the target shows the logged item. */
static void fill_slots(slot *s, const log_reader *lr, const ig_intern *items, const log_row *rows, size_t nrows,
		       const ig_eval_rec *trecs, size_t nlisted, uint64_t *matches)
{
	size_t k, j;

	for (k = 0; k < nrows; k++) {
		for (j = 0; j < k; j++)
			if (s[j].item == rows[k].item)
				ig_die_at(ig_reader_name(lr->r), rows[k].line,
					  "item '%s' logged twice for user '%s': its engagements cannot be told apart",
					  ig_esc(ig_intern_str(items, rows[k].item)), ig_esc(lr->user));
		s[k].item = rows[k].item;
		s[k].rank = (uint32_t)k;
		s[k].propensity = rows[k].propensity;
		s[k].reward = 0;
		s[k].target = k < nlisted ? trecs[k].item : IG_INTERN_NONE;
		*matches += s[k].target == s[k].item;
	}
}

/* Reads the log user by user into LG, joined with the target's list and
 * the user's events. */
static void read_logged(log_reader *lr, joined_inputs *in, const ig_eval_ope_opts *o, ig_intern *items, logged *lg,
			ig_eval_ope_stats *st)
{
	log_row *rows = NULL;
	size_t nrows = 0, rows_cap = 0;

	in->thave = ig_eval_recs_next(in->target, &in->tuser, &in->tulen, &in->trecs, &in->ntarget);
	in->ehave = ig_user_events_next(in->ev, &in->g);
	while (log_next(lr, items, &rows, &nrows, &rows_cap)) {
		const char *user = lr->user;
		size_t ulen = lr->user_len;
		size_t nlisted;
		slot *s;

		joined_seek(in, user, ulen);
		nlisted = in->thave && ig_eval_idcmp(in->tuser, in->tulen, user, ulen) == 0 ? in->ntarget : 0;
		logged_reserve(lg, nrows);
		s = lg->slots + lg->nslots;
		fill_slots(s, lr, items, rows, nrows, in->trecs, nlisted, &st->matches);
		if (in->ehave && ig_eval_idcmp(in->g.user, in->g.user_len, user, ulen) == 0)
			rewards(o, &in->g, s, nrows, &st->events);
		lg->spans[lg->nusers].first = lg->nslots;
		lg->spans[lg->nusers].n = nrows;
		/* The fold of cross-fitting: a hash of the id, the same on
		 * every run and for any order of the users. */
		lg->spans[lg->nusers].fold = (int)(ig_hash64(user, ulen) & 1);
		lg->nusers++;
		lg->nslots += nrows;
		if (nrows > lg->maxrank)
			lg->maxrank = (uint32_t)nrows;
	}
	free(rows);
	st->users = lg->nusers;
	st->slots = lg->nslots;
}

/* Cross-fitting: each fold's slots are predicted by the other's. */
static void fit_models(reward_model model[2], const logged *lg, uint32_t nitems)
{
	size_t u, k;

	model_init(&model[0], nitems, lg->maxrank);
	model_init(&model[1], nitems, lg->maxrank);
	for (u = 0; u < lg->nusers; u++)
		for (k = 0; k < lg->spans[u].n; k++)
			model_add(&model[lg->spans[u].fold], &lg->slots[lg->spans[u].first + k]);
}

/* One user's sums over its N slots S, M the model of the other fold;
 * lowers *MIN_PROPENSITY to the user's least. */
static void user_sums(const reward_model *m, const slot *s, size_t n, double x[NSTAT], double *min_propensity)
{
	size_t k;

	for (k = 0; k < n; k++) {
		double wt = s[k].target == s[k].item ? 1.0 / s[k].propensity : 0;
		if (s[k].propensity < *min_propensity)
			*min_propensity = s[k].propensity;
		x[ST_SLOTS] += 1;
		x[ST_REWARD] += s[k].reward;
		x[ST_WR] += wt * s[k].reward;
		x[ST_W] += wt;
		x[ST_DR] += model_predict(m, s[k].target, s[k].rank) +
			    wt * (s[k].reward - model_predict(m, s[k].item, s[k].rank));
	}
}

/* Adds each user's sums to B; returns the least logged propensity. */
static double bootstrap_users(ig_eval_boot *b, const reward_model model[2], const logged *lg)
{
	double min_propensity = 1;
	size_t u;
	int i;

	for (u = 0; u < lg->nusers; u++) {
		const reward_model *m = &model[1 - lg->spans[u].fold];
		double x[NSTAT] = {0};

		/* Every user in one fold: its own model is all there is. */
		if (m->global_n == 0)
			m = &model[lg->spans[u].fold];
		ig_eval_boot_user(b);
		ig_eval_boot_count(b, 0);
		user_sums(m, lg->slots + lg->spans[u].first, lg->spans[u].n, x, &min_propensity);
		for (i = 0; i < NSTAT; i++)
			ig_eval_boot_add(b, i, x[i]);
	}
	return min_propensity;
}

/* Each estimate as a ratio of two sums, with its bootstrap interval
 * (NaN without replicates). */
static void estimate_all(const ig_eval_boot *b, const ig_eval_ope_opts *o, double est[NEST], double lo[NEST],
			 double hi[NEST])
{
	static const int num[NEST] = {ST_REWARD, ST_WR, ST_WR, ST_DR};
	static const int den[NEST] = {ST_SLOTS, ST_SLOTS, ST_W, ST_SLOTS};
	int i;

	for (i = 0; i < NEST; i++) {
		est[i] = ratio(b->exact_sum[num[i]], b->exact_sum[den[i]]);
		lo[i] = hi[i] = NAN;
		if (o->bootstrap > 0)
			estimate_ci(b, num[i], den[i], o->confidence, &lo[i], &hi[i]);
	}
}

static void write_estimates(ig_writer *w, const ig_header *h, const double *est, const double *lo,
			    const double *hi, uint64_t nslots, uint64_t matches, uint64_t nusers)
{
	int i;

	ig_schema_write_header(w, IG_STREAM_OPE, NULL, 0, h);
	for (i = 0; i < NEST; i++) {
		char s[128];
		int n;
		ig_writer_write(w, est_names[i], strlen(est_names[i]));
		put_num(w, est[i]);
		put_num(w, lo[i]);
		put_num(w, hi[i]);
		n = snprintf(s, sizeof s, "\t%llu\t%llu\t%llu\n", (unsigned long long)nslots,
			     (unsigned long long)(i == EST_LOGGED ? nslots : matches), (unsigned long long)nusers);
		ig_writer_write(w, s, (size_t)n);
	}
}

void ig_eval_ope_run(const ig_eval_ope_opts *o, ig_writer *w, ig_eval_ope_stats *st)
{
	ig_intern *items = ig_intern_new();
	log_reader lr;
	joined_inputs in;
	logged lg = {0};
	reward_model model[2];
	ig_eval_boot b;
	int group_of[NSTAT] = {0};
	double est[NEST], lo[NEST], hi[NEST], min_propensity;

	joined_open(&in, o, items);
	memset(st, 0, sizeof *st);
	log_open(&lr, o->logs);
	read_logged(&lr, &in, o, items, &lg, st);
	fit_models(model, &lg, ig_intern_count(items));
	ig_eval_boot_init(&b, o->bootstrap, o->seed, NSTAT, 1, group_of);
	min_propensity = bootstrap_users(&b, model, &lg);
	estimate_all(&b, o, est, lo, hi);
	check_finite(o->logs, est, lo, hi, min_propensity);
	write_estimates(w, &lr.h, est, lo, hi, lg.nslots, st->matches, lg.nusers);
	ig_eval_boot_free(&b);
	model_free(&model[0]);
	model_free(&model[1]);
	free(lg.slots);
	free(lg.spans);
	log_close(&lr);
	joined_close(&in);
	ig_intern_free(items);
}
