#include "eval/ig_eval_score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "eval/ig_eval_io.h"
#include "core/ig_intern.h"
#include "io/ig_schema.h"
#include "io/ig_items.h"
#include "io/ig_vectors.h"

/* Per-user statistics beyond the relevance metrics, after them. */
enum { ST_NOVELTY = IG_EM_REL_COUNT, ST_DIV_TOPIC, ST_DIV_EMB, ST_COUNT };
static const char *const st_names[ST_COUNT] = {
	"recall", "precision", "ndcg", "ndcg_graded", "map", "mrr", "hitrate",
	"novelty", "diversity_topic", "diversity_embedding",
};

void ig_eval_score_opts_default(ig_eval_score_opts *o)
{
	memset(o, 0, sizeof *o);
	o->k[0] = 10;
	o->k[1] = 20;
	o->k[2] = 50;
	o->nk = 3;
	o->positives = IG_EVAL_TYPES_DEFAULT;
	ig_event_weights_default(o->weights);
	o->memory = (uint64_t)1 << 30;
	o->bootstrap = 1000;
	o->seed = 1;
	o->level = 0.95;
}

typedef struct scorer {
	const ig_eval_score_opts *o;
	ig_eval_ctx ctx;
	ig_intern *items;
	ig_items *cat;           /* item numbers below cat->count are the items stream's */
	uint32_t *topic_start, *topic_list; /* sorted, repeat-free topics per catalog item */
	ig_vectors *vec;
	int32_t *vec_row;        /* per item: -2 not looked up, -1 none */
	uint32_t *pop;           /* train users who engaged positively */
	unsigned char *in_train;
	uint32_t *stamp;         /* per-item scratch */
	uint32_t stamp_gen;
	uint32_t *seen;          /* == seen_gen: seen in train by this user */
	uint32_t seen_gen;
	uint32_t *exposure[IG_EVAL_MAX_K];
	size_t cap;
	uint64_t train_users;
	int have_train, have_topics, have_vec;
	ig_eval_boot boot;
	uint64_t src_hits[IG_EVAL_MAX_K][IG_EVAL_MAX_SOURCES];
	uint64_t hits_total[IG_EVAL_MAX_K];
	/* per-user scratch */
	uint32_t *rel;
	double *grade;
	size_t rel_cap;
	uint32_t *list;
	size_t list_cap;
	uint32_t *uniq;
	ig_eval_user_result res;
} scorer;

static void ensure_items(scorer *s)
{
	size_t need = ig_intern_count(s->items), ncap;
	int j;

	if (need <= s->cap)
		return;
	ncap = s->cap ? s->cap : 4096;
	while (ncap < need)
		ncap *= 2;
#define GROW(p)                                                                \
	do {                                                                   \
		(p) = ig_reallocarray((p), ncap, sizeof *(p));                 \
		memset((p) + s->cap, 0, (ncap - s->cap) * sizeof *(p));        \
	} while (0)
	GROW(s->pop);
	GROW(s->in_train);
	GROW(s->stamp);
	GROW(s->seen);
	GROW(s->vec_row);
	for (size_t i = s->cap; i < ncap; i++)
		s->vec_row[i] = -2;
	for (j = 0; j < s->o->nk; j++)
		GROW(s->exposure[j]);
#undef GROW
	s->cap = ncap;
}

static uint32_t next_stamp(uint32_t *gen, uint32_t *arr, size_t cap)
{
	if (++*gen == 0) {
		memset(arr, 0, cap * sizeof *arr);
		*gen = 1;
	}
	return *gen;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void load_items(scorer *s)
{
	ig_items *it = ig_items_load(s->o->items);
	uint32_t i, n = 0;

	for (i = 0; i < it->count; i++)
		ig_intern_add(s->items, ig_intern_str(it->ids, i), ig_intern_len(it->ids, i));
	s->cat = it;
	s->topic_start = ig_malloc(((size_t)it->count + 1) * sizeof *s->topic_start);
	s->topic_list = ig_malloc(((size_t)it->topic_start[it->count] + 1) * sizeof *s->topic_list);
	for (i = 0; i < it->count; i++) {
		uint32_t a = it->topic_start[i], b = it->topic_start[i + 1], t, start = n;

		s->topic_start[i] = n;
		memcpy(s->topic_list + n, it->topic_list + a, (size_t)(b - a) * sizeof *s->topic_list);
		qsort(s->topic_list + n, b - a, sizeof *s->topic_list, cmp_u32);
		for (t = 0; t < b - a; t++)
			if (t == 0 || s->topic_list[start + t] != s->topic_list[n - 1])
				s->topic_list[n++] = s->topic_list[start + t];
	}
	s->topic_start[it->count] = n;
	s->have_topics = 1;
}

static void load_train(scorer *s)
{
	ig_user_events_reader *e = ig_user_events_open(s->o->train, s->items);
	ig_user_group g = {0};
	size_t i;

	while (ig_user_events_next(e, &g)) {
		uint32_t gen;

		ensure_items(s);
		gen = next_stamp(&s->stamp_gen, s->stamp, s->cap);
		s->train_users++;
		for (i = 0; i < g.n; i++) {
			uint32_t it = g.ev[i].item;

			s->in_train[it] = 1;
			if (!(s->o->positives & (1u << g.ev[i].type)) || s->stamp[it] == gen)
				continue;
			s->stamp[it] = gen;
			s->pop[it]++;
		}
	}
	ig_user_group_free(&g);
	ig_user_events_close(e);
	s->have_train = 1;
}

static double topic_dist(uint32_t a, uint32_t b, void *ctx)
{
	scorer *s = ctx;

	if (a >= s->cat->count || b >= s->cat->count)
		return -1;
	return ig_eval_jaccard_distance(s->topic_list + s->topic_start[a],
					s->topic_start[a + 1] - s->topic_start[a],
					s->topic_list + s->topic_start[b],
					s->topic_start[b + 1] - s->topic_start[b]);
}

static const float *vec_of(scorer *s, uint32_t it)
{
	if (s->vec_row[it] == -2) {
		uint32_t row = ig_vectors_find(s->vec, ig_intern_str(s->items, it), ig_intern_len(s->items, it));

		s->vec_row[it] = row == IG_INTERN_NONE ? -1 : (int32_t)row;
	}
	return s->vec_row[it] < 0 ? NULL : ig_vectors_row(s->vec, (uint32_t)s->vec_row[it]);
}

/* 1 - cosine; a zero vector is at distance 1 from everything. */
static double emb_dist(uint32_t a, uint32_t b, void *ctx)
{
	scorer *s = ctx;
	const float *x = vec_of(s, a), *y = vec_of(s, b);

	if (x == NULL || y == NULL)
		return -1;
	return 1.0 - (double)ig_vectors_cosine(x, y, s->vec->dim);
}

static int stat_index(const scorer *s, int st, int j) { return st * s->o->nk + j; }

/* The user-metrics columns: "user", "relevant", "listed", then METRIC@K
 * for the statistics this run has. Returns their number; free each and
 * the array. */
static int user_columns(const scorer *s, char ***out)
{
	const ig_eval_score_opts *o = s->o;
	char **cols = ig_calloc((size_t)ST_COUNT * (size_t)o->nk + 3, sizeof *cols);
	int n = 0, st, j;

	for (st = 0; st < 3; st++)
		cols[n++] = ig_strdup(ig_schema_of(IG_STREAM_USER_METRICS)->cols[st]);
	for (st = 0; st < ST_COUNT; st++) {
		if ((st == ST_NOVELTY && !s->have_train) || (st == ST_DIV_TOPIC && !s->have_topics) ||
		    (st == ST_DIV_EMB && !s->have_vec))
			continue;
		for (j = 0; j < o->nk; j++) {
			char buf[96];

			snprintf(buf, sizeof buf, "%s@%d", st_names[st], o->k[j]);
			cols[n++] = ig_strdup(buf);
		}
	}
	*out = cols;
	return n;
}

static void write_user_header(scorer *s, const ig_header *upstream)
{
	char **cols;
	int n = user_columns(s, &cols);

	ig_schema_write_header(s->o->by_user, IG_STREAM_USER_METRICS, (const char *const *)cols + 3, n - 3,
			       upstream);
	while (n > 0)
		free(cols[--n]);
	free(cols);
}

/* The values of a user's row after "user", NaN for an empty field. */
static void user_row(scorer *s, const char *user, size_t user_len, const double *nov, size_t m,
		     const double *divt, const unsigned char *divt_ok, const double *dive,
		     const unsigned char *dive_ok)
{
	const ig_eval_score_opts *o = s->o;
	double v[3 + ST_COUNT * IG_EVAL_MAX_K];
	int n = 0, st, j;

	v[n++] = (double)s->res.nrel;
	v[n++] = (double)s->res.nuniq;
	for (st = 0; st < IG_EM_REL_COUNT; st++)
		for (j = 0; j < o->nk; j++)
			v[n++] = s->res.m[j][st];
	if (s->have_train)
		for (j = 0; j < o->nk; j++)
			v[n++] = m > 0 ? nov[j] : (double)NAN;
	if (s->have_topics)
		for (j = 0; j < o->nk; j++)
			v[n++] = divt_ok[j] ? divt[j] : (double)NAN;
	if (s->have_vec)
		for (j = 0; j < o->nk; j++)
			v[n++] = dive_ok[j] ? dive[j] : (double)NAN;
	o->user_row(o->user_arg, user, user_len, v, n);
}

/* RECS' items in s->list (s->uniq sized alike), scored against the
 * user's relevant items s->rel into s->res; returns how many distinct
 * items are listed within the largest cutoff. */
static size_t score_list(scorer *s, size_t nrel, const ig_eval_rec *recs, size_t nrecs)
{
	ig_eval_user_result *res = &s->res;
	size_t i, r, kmax = (size_t)s->o->k[s->o->nk - 1], m;

	if (nrecs > s->list_cap) {
		s->list_cap = nrecs + 256;
		s->list = ig_reallocarray(s->list, s->list_cap, sizeof *s->list);
		s->uniq = ig_reallocarray(s->uniq, s->list_cap, sizeof *s->uniq);
	}
	for (i = 0; i < nrecs; i++)
		s->list[i] = recs[i].item;
	ig_eval_user(&s->ctx, s->list, nrecs, s->rel, s->grade, nrel, res);
	m = res->nuniq < kmax ? res->nuniq : kmax;
	for (r = 0; r < m; r++)
		s->uniq[r] = s->list[res->uniq_pos[r]];
	return m;
}

/* A new bootstrap user with its relevance metrics. */
static void boot_relevance(scorer *s)
{
	int j, st;

	ig_eval_boot_user(&s->boot);
	ig_eval_boot_count(&s->boot, 0);
	for (j = 0; j < s->o->nk; j++)
		for (st = 0; st < IG_EM_REL_COUNT; st++)
			ig_eval_boot_add(&s->boot, stat_index(s, st, j), s->res.m[j][st]);
}

/* Exposure and hits by source, within each cutoff, of the M distinct
 * items listed. */
static void count_exposure(scorer *s, const ig_eval_rec *recs, size_t m)
{
	const ig_eval_score_opts *o = s->o;
	const ig_eval_user_result *res = &s->res;
	size_t r;
	int j;

	for (r = 0; r < m; r++) {
		uint32_t it = s->uniq[r];
		const ig_eval_rec *rec = &recs[res->uniq_pos[r]];

		for (j = o->nk - 1; j >= 0 && r < (size_t)o->k[j]; j--) {
			s->exposure[j][it]++;
			if (res->uniq_hit[r]) {
				uint64_t src = rec->sources;

				s->hits_total[j]++;
				while (src) {
					int b = __builtin_ctzll(src);

					s->src_hits[j][b]++;
					src &= src - 1;
				}
			}
		}
	}
}

/* Mean self-information of the first M distinct items, per cutoff, in
 * NOV (the items' train popularity); M > 0. */
static void user_novelty(scorer *s, size_t m, double *nov)
{
	const ig_eval_score_opts *o = s->o;
	double sum = 0;
	size_t r = 0;
	int j;

	ig_eval_boot_count(&s->boot, 1);
	for (j = 0; j < o->nk; j++) {
		size_t lim = (size_t)o->k[j] < m ? (size_t)o->k[j] : m;

		for (; r < lim; r++) {
			uint32_t p = s->pop[s->uniq[r]];

			sum += -log2((double)(p ? p : 1) / (double)s->train_users);
		}
		nov[j] = sum / (double)lim;
		ig_eval_boot_add(&s->boot, stat_index(s, ST_NOVELTY, j), nov[j]);
	}
}

/* Intra-list diversity of the first M distinct items by DIST, per cutoff,
 * in V (OK[j] 0: undefined there); bootstrap statistic ST, counted in the
 * groups from FIRST_GROUP on. */
static void user_diversity(scorer *s, size_t m, double (*dist)(uint32_t, uint32_t, void *), int st,
			   int first_group, double *v, unsigned char *ok)
{
	int j;

	ig_eval_ild(&s->ctx, s->uniq, m, dist, s, v, ok);
	for (j = 0; j < s->o->nk; j++)
		if (ok[j]) {
			ig_eval_boot_count(&s->boot, first_group + j);
			ig_eval_boot_add(&s->boot, stat_index(s, st, j), v[j]);
		}
}

/* One field per cutoff: "\t" and V[j], the value left out when not ANY
 * or when OK (if given) is 0 there. */
static void put_fields(ig_writer *w, int nk, const double *v, const unsigned char *ok, int any)
{
	int j;

	for (j = 0; j < nk; j++) {
		ig_writer_putc(w, '\t');
		if (any && (ok == NULL || ok[j]))
			ig_writer_put_double(w, v[j], 6);
	}
}

/* The user's row of the by-user stream. */
static void write_user_row(scorer *s, const char *user, size_t user_len, const double *nov, size_t m,
			   const double *divt, const unsigned char *divt_ok, const double *dive,
			   const unsigned char *dive_ok)
{
	const ig_eval_score_opts *o = s->o;
	ig_writer *w = o->by_user;
	int st;

	ig_writer_write(w, user, user_len);
	ig_writer_putc(w, '\t');
	ig_writer_put_u64(w, s->res.nrel);
	ig_writer_putc(w, '\t');
	ig_writer_put_u64(w, s->res.nuniq);
	for (st = 0; st < IG_EM_REL_COUNT; st++) {
		int j;

		for (j = 0; j < o->nk; j++) {
			ig_writer_putc(w, '\t');
			ig_writer_put_double(w, s->res.m[j][st], 6);
		}
	}
	if (s->have_train)
		put_fields(w, o->nk, nov, NULL, m > 0);
	if (s->have_topics)
		put_fields(w, o->nk, divt, divt_ok, 1);
	if (s->have_vec)
		put_fields(w, o->nk, dive, dive_ok, 1);
	ig_writer_putc(w, '\n');
}

/* Scores one user with relevant items s->rel (nrel > 0) and list RECS. */
static void score_user(scorer *s, const char *user, size_t user_len, size_t nrel,
		       const ig_eval_rec *recs, size_t nrecs)
{
	const ig_eval_score_opts *o = s->o;
	double nov[IG_EVAL_MAX_K], divt[IG_EVAL_MAX_K], dive[IG_EVAL_MAX_K];
	unsigned char divt_ok[IG_EVAL_MAX_K] = {0}, dive_ok[IG_EVAL_MAX_K] = {0};
	size_t m = score_list(s, nrel, recs, nrecs);

	boot_relevance(s);
	count_exposure(s, recs, m);
	if (s->have_train && m > 0)
		user_novelty(s, m, nov);
	/* Groups 2 ... 1 + nk count the users with a topic diversity at
	 * each cutoff, the next nk those with an embedding one. */
	if (s->have_topics)
		user_diversity(s, m, topic_dist, ST_DIV_TOPIC, 2, divt, divt_ok);
	if (s->have_vec)
		user_diversity(s, m, emb_dist, ST_DIV_EMB, 2 + o->nk, dive, dive_ok);
	if (o->user_row)
		user_row(s, user, user_len, nov, m, divt, divt_ok, dive, dive_ok);
	if (o->by_user)
		write_user_row(s, user, user_len, nov, m, divt, divt_ok, dive, dive_ok);
}

static void add_stat_row(scorer *s, ig_eval_table *t, int st, int j)
{
	int idx = stat_index(s, st, j);
	ig_eval_row *row = ig_eval_table_add(t, st_names[st], s->o->k[j], ig_eval_boot_mean(&s->boot, idx));

	row->users = ig_eval_boot_users(&s->boot, idx);
	if (row->users == 0)
		row->value = NAN; /* defined for no user */
	ig_eval_boot_ci(&s->boot, idx, s->o->level, &row->ci_low, &row->ci_high);
}

static void catalog_rows(scorer *s, ig_eval_table *t, uint64_t evaluated)
{
	const ig_eval_score_opts *o = s->o;
	size_t ncat, i, n = ig_intern_count(s->items);
	uint64_t *counts;
	double cov[IG_EVAL_MAX_K], gini[IG_EVAL_MAX_K], gini_a[IG_EVAL_MAX_K];
	int j;

	if (s->cat == NULL && !s->have_train)
		return;
	counts = ig_malloc((n + 1) * sizeof *counts);
	for (j = 0; j < o->nk; j++) {
		size_t covered = 0;

		ncat = 0;
		for (i = 0; i < n; i++) {
			int in = s->cat ? i < s->cat->count : s->in_train[i];

			if (!in)
				continue;
			counts[ncat++] = s->exposure[j][i];
			covered += s->exposure[j][i] > 0;
		}
		cov[j] = ncat ? (double)covered / (double)ncat : 0;
		gini[j] = ig_eval_gini(counts, ncat);
	}
	if (s->cat) {
		size_t na = ig_intern_count(s->cat->authors);

		counts = ig_reallocarray(counts, na + 1, sizeof *counts);
		for (j = 0; j < o->nk; j++) {
			memset(counts, 0, (na + 1) * sizeof *counts);
			for (i = 0; i < s->cat->count; i++)
				counts[s->cat->author[i]] += s->exposure[j][i];
			gini_a[j] = ig_eval_gini(counts, na);
		}
	}
	for (j = 0; j < o->nk; j++)
		ig_eval_table_add(t, "coverage", o->k[j], cov[j])->users = evaluated;
	for (j = 0; j < o->nk; j++)
		ig_eval_table_add(t, "gini_items", o->k[j], gini[j])->users = evaluated;
	if (s->cat)
		for (j = 0; j < o->nk; j++)
			ig_eval_table_add(t, "gini_authors", o->k[j], gini_a[j])->users = evaluated;
	free(counts);
}

/* Marks the items TRAIN's group for USER has, advancing TRAIN. */
static void mark_seen(scorer *s, ig_user_events_reader *train, ig_user_group *tg, int *have_tg,
		      const char *user, size_t user_len)
{
	size_t i;

	next_stamp(&s->seen_gen, s->seen, s->cap);
	while (*have_tg) {
		int c = ig_eval_idcmp(tg->user, tg->user_len, user, user_len);

		if (c > 0)
			return;
		if (c == 0) {
			ensure_items(s);
			for (i = 0; i < tg->n; i++)
				s->seen[tg->ev[i].item] = s->seen_gen;
		}
		*have_tg = ig_user_events_next(train, tg);
		if (c == 0)
			return;
	}
}

struct ig_eval_scorer {
	scorer s;
	ig_user_events_reader *test, *train;
	ig_user_group tg, trg;
	int have_t, need_t, have_tr;
	const ig_intern *sources;
	char *prev;              /* the user last given */
	size_t prev_len, prev_cap;
	int have_prev;
	ig_eval_score_stats st;
};

ig_eval_scorer *ig_eval_scorer_new(const ig_eval_score_opts *o)
{
	ig_eval_scorer *e = ig_calloc(1, sizeof *e);
	scorer *s = &e->s;
	int group_of[ST_COUNT * IG_EVAL_MAX_K], i, j;

	s->o = o;
	s->items = ig_intern_new();
	ig_eval_ctx_init(&s->ctx, o->k, o->nk);
	if (o->items)
		load_items(s);
	if (o->vectors) {
		s->vec = ig_vectors_load(o->vectors);
		s->have_vec = 1;
	}
	if (o->train)
		load_train(s);
	for (i = 0; i < ST_COUNT; i++)
		for (j = 0; j < o->nk; j++)
			group_of[i * o->nk + j] = i < IG_EM_REL_COUNT ? 0 : i == ST_NOVELTY ? 1 :
						  i == ST_DIV_TOPIC ? 2 + j : 2 + o->nk + j;
	ig_eval_boot_init(&s->boot, o->bootstrap, o->seed, ST_COUNT * o->nk, 2 + 2 * o->nk, group_of);
	return e;
}

ig_intern *ig_eval_scorer_items(ig_eval_scorer *e) { return e->s.items; }

void ig_eval_scorer_sources(ig_eval_scorer *e, const ig_intern *names) { e->sources = names; }

/* Opens test (and train) at the first user: the lists' items are
 * numbered first, as when a recommendation stream leads. */
static void start(ig_eval_scorer *e)
{
	const ig_eval_score_opts *o = e->s.o;

	e->test = ig_user_events_open(o->test, e->s.items);
	if (o->train && !o->keep_seen) {
		e->train = ig_user_events_open(o->train, e->s.items);
		e->have_tr = ig_user_events_next(e->train, &e->trg);
	}
	if (o->by_user)
		write_user_header(&e->s, ig_user_events_header(e->test));
	e->need_t = 1;
}

/* Scores the pending test user, with list RECS (NULL: no list). */
static void score_test_user(ig_eval_scorer *e, const ig_eval_rec *recs, size_t nrecs)
{
	scorer *s = &e->s;
	const ig_eval_score_opts *o = s->o;
	ig_user_group *tg = &e->tg;
	size_t nrel = 0, k;

	ensure_items(s);
	if (e->train)
		mark_seen(s, e->train, &e->trg, &e->have_tr, tg->user, tg->user_len);
	if (tg->n > s->rel_cap) {
		s->rel_cap = tg->n + 256;
		s->rel = ig_reallocarray(s->rel, s->rel_cap, sizeof *s->rel);
		s->grade = ig_reallocarray(s->grade, s->rel_cap, sizeof *s->grade);
	}
	for (k = 0; k < tg->n; k++) {
		const ig_user_event *ev = &tg->ev[k];
		double g;

		if (ev->type >= 0 && ev->type < 32)
			e->st.test_types[ev->type]++;
		if (!(o->positives & (1u << ev->type)))
			continue;
		if (e->train && s->seen[ev->item] == s->seen_gen) {
			e->st.test_positives_seen++;
			continue;
		}
		if (o->grade_by_value)
			g = ev->has_value && ev->value > 0 ? ev->value : 1.0;
		else
			g = o->weights[ev->type] > 0 ? o->weights[ev->type] : 1.0;
		s->rel[nrel] = ev->item;
		s->grade[nrel++] = g;
	}
	if (nrel == 0) {
		e->st.users_skipped++;
	} else {
		e->st.users_evaluated++;
		if (recs == NULL)
			e->st.users_no_list++;
		score_user(s, tg->user, tg->user_len, nrel, recs, recs ? nrecs : 0);
	}
	e->need_t = 1;
	if (o->progress && ((e->st.users_evaluated + e->st.users_skipped) & 0xffff) == 0)
		o->progress(e->st.users_evaluated + e->st.users_skipped);
}

static int test_ahead(ig_eval_scorer *e)
{
	if (e->need_t) {
		e->have_t = ig_user_events_next(e->test, &e->tg);
		e->need_t = 0;
	}
	return e->have_t;
}

void ig_eval_scorer_user(ig_eval_scorer *e, const char *user, size_t user_len, const ig_eval_rec *recs,
			 size_t n)
{
	if (e->test == NULL)
		start(e);
	if (e->have_prev && ig_eval_idcmp(e->prev, e->prev_len, user, user_len) >= 0)
		ig_die("internal error: lists scored out of user order ('%.*s' after '%s')", (int)user_len, user,
		       e->prev);
	if (user_len + 1 > e->prev_cap) {
		e->prev_cap = user_len + 64;
		e->prev = ig_realloc(e->prev, e->prev_cap);
	}
	memcpy(e->prev, user, user_len);
	e->prev[user_len] = '\0';
	e->prev_len = user_len;
	e->have_prev = 1;
	while (test_ahead(e)) {
		int c = ig_eval_idcmp(user, user_len, e->tg.user, e->tg.user_len);

		if (c < 0)
			break;
		if (c == 0) {
			score_test_user(e, recs, n);
			return;
		}
		score_test_user(e, NULL, 0);
	}
	/* Listed, but nothing of this user in test. */
	e->st.users_skipped++;
}

void ig_eval_scorer_finish(ig_eval_scorer *e, ig_eval_table *table, ig_eval_score_stats *st)
{
	scorer *s = &e->s;
	const ig_eval_score_opts *o = s->o;
	ig_eval_row *row;
	int stt, j;

	if (e->test == NULL)
		start(e);
	while (test_ahead(e))
		score_test_user(e, NULL, 0);
	row = ig_eval_table_add(table, "users_evaluated", 0, (double)e->st.users_evaluated);
	row->is_count = 1;
	row = ig_eval_table_add(table, "users_skipped", 0, (double)e->st.users_skipped);
	row->is_count = 1;
	row = ig_eval_table_add(table, "users_no_list", 0, (double)e->st.users_no_list);
	row->is_count = 1;
	for (stt = 0; stt < ST_COUNT; stt++) {
		if ((stt == ST_NOVELTY && !s->have_train) || (stt == ST_DIV_TOPIC && !s->have_topics) ||
		    (stt == ST_DIV_EMB && !s->have_vec))
			continue;
		for (j = 0; j < o->nk; j++)
			add_stat_row(s, table, stt, j);
	}
	ensure_items(s);
	catalog_rows(s, table, e->st.users_evaluated);
	if (e->sources) {
		int ns = (int)ig_intern_count(e->sources), b;

		for (b = 0; b < ns; b++)
			for (j = 0; j < o->nk; j++) {
				char name[80];

				snprintf(name, sizeof name, "source_share:%s", ig_intern_str(e->sources, (uint32_t)b));
				row = ig_eval_table_add(table, name, o->k[j],
							s->hits_total[j] ? (double)s->src_hits[j][b] /
								(double)s->hits_total[j] : 0);
				row->users = e->st.users_evaluated;
			}
	}
	e->st.test_events = ig_user_events_count(e->test);
	if (e->train)
		e->st.train_events = ig_user_events_count(e->train);
	*st = e->st;
}

void ig_eval_scorer_free(ig_eval_scorer *e)
{
	scorer *s;
	int j;

	if (e == NULL)
		return;
	s = &e->s;
	ig_user_group_free(&e->tg);
	ig_user_group_free(&e->trg);
	ig_user_events_close(e->test);
	ig_user_events_close(e->train);
	free(e->prev);
	ig_eval_boot_free(&s->boot);
	ig_eval_ctx_free(&s->ctx);
	ig_eval_user_result_free(&s->res);
	for (j = 0; j < s->o->nk; j++)
		free(s->exposure[j]);
	free(s->pop);
	free(s->in_train);
	free(s->stamp);
	free(s->seen);
	free(s->vec_row);
	free(s->rel);
	free(s->grade);
	free(s->list);
	free(s->uniq);
	free(s->topic_start);
	free(s->topic_list);
	if (s->cat)
		ig_items_free(s->cat);
	ig_vectors_free(s->vec);
	ig_intern_free(s->items);
	free(e);
}

int ig_eval_scorer_columns(ig_eval_scorer *e, char ***cols) { return user_columns(&e->s, cols); }

void ig_eval_scorer_run(ig_eval_scorer *e, ig_eval_table *table, ig_eval_score_stats *st)
{
	const ig_eval_score_opts *o = e->s.o;
	ig_eval_recs *recs = ig_eval_recs_open(o->recs, e->s.items, o->sort, o->memory, o->tmpdir);
	const ig_header *rh = ig_eval_recs_header(recs);
	const char *user;
	size_t ulen, n;
	ig_eval_rec *rr;
	int i;

	table->upstream.prov = ig_calloc((size_t)rh->nprov + 1, sizeof *table->upstream.prov);
	for (i = 0; i < rh->nprov; i++)
		table->upstream.prov[i] = ig_strdup(rh->prov[i]);
	table->upstream.nprov = rh->nprov;
	while (ig_eval_recs_next(recs, &user, &ulen, &rr, &n))
		ig_eval_scorer_user(e, user, ulen, rr, n);
	if (ig_eval_recs_has_sources(recs))
		ig_eval_scorer_sources(e, ig_eval_recs_sources(recs));
	ig_eval_scorer_finish(e, table, st);
	st->rec_records = ig_eval_recs_records(recs);
	ig_eval_recs_close(recs);
}

void ig_eval_score(const ig_eval_score_opts *o, ig_eval_table *table, ig_eval_score_stats *st)
{
	ig_eval_scorer *e = ig_eval_scorer_new(o);

	ig_eval_scorer_run(e, table, st);
	ig_eval_scorer_free(e);
}
