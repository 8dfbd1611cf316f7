/* Options, per-entity sums, scores and the top-K lists of ig-cooccur. */
#include "cooccur/ig_cooccur.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "core/ig_topk.h"


static const char *const score_names[] = {"count", "cosine", "jaccard", "lift", "pmi", "swing", "ease"};

void ig_cooc_opts_default(ig_cooc_opts *o)
{
	memset(o, 0, sizeof *o);
	ig_engage_opts_default(&o->engage);
	o->entity = IG_ENTITY_ITEM;
	o->window = IG_COOC_WIN_ALL;
	o->user_weight = IG_COOC_UW_NONE;
	o->nshards = 1;
	o->score = IG_COOC_COSINE;
	o->top_k = 20;
	o->min_support = 1;
	o->shrink = -1;
	o->swing_alpha = 1;
	o->ease_lambda = 500;
	o->ease_items = 3000;
	o->engine = IG_COOC_ENGINE_AUTO;
	o->memory = (uint64_t)1 << 30;
}

int ig_cooc_window_parse(const char *s, int *window, int64_t *arg)
{
	static const struct {
		const char *prefix;
		int window;
		int64_t min;
	} kinds[] = {
		{"session:", IG_COOC_WIN_SESSION, 0},
		{"last:", IG_COOC_WIN_LAST, 1},
		{"time:", IG_COOC_WIN_TIME, 0},
	};
	size_t i;

	if (strcmp(s, "all") == 0) {
		*window = IG_COOC_WIN_ALL;
		*arg = 0;
		return 0;
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t n = strlen(kinds[i].prefix);
		if (strncmp(s, kinds[i].prefix, n) == 0) {
			if (ig_parse_i64(s + n, kinds[i].min, INT64_C(1) << 40, arg) != 0)
				return -1;
			*window = kinds[i].window;
			return 0;
		}
	}
	return -1;
}

int ig_cooc_score_parse(const char *s)
{
	int i;

	for (i = 0; i <= IG_COOC_EASE; i++)
		if (strcmp(s, score_names[i]) == 0)
			return i;
	return -1;
}

const char *ig_cooc_score_name(int score) { return score_names[score]; }

int ig_cooc_user_weight_parse(const char *s)
{
	if (strcmp(s, "none") == 0)
		return IG_COOC_UW_NONE;
	if (strcmp(s, "log") == 0)
		return IG_COOC_UW_LOG;
	if (strcmp(s, "sqrt") == 0)
		return IG_COOC_UW_SQRT;
	return -1;
}

int ig_cooc_entity_parse(const char *s)
{
	if (strcmp(s, "item-author") == 0)
		return IG_COOC_ENTITY_ITEM_AUTHOR;
	return ig_entity_parse(s);
}

double ig_cooc_shrink(const ig_cooc_opts *o)
{
	if (o->shrink >= 0)
		return o->shrink;
	return o->score == IG_COOC_LIFT || o->score == IG_COOC_PMI ? 10 : 0;
}

double ig_cooc_user_weight(int kind, size_t n)
{
	if (n == 0)
		return 1;
	switch (kind) {
	case IG_COOC_UW_LOG:
		return 1 / log2(1 + (double)n);
	case IG_COOC_UW_SQRT:
		return 1 / sqrt((double)n);
	default:
		return 1;
	}
}

void ig_cooc_overflow(void)
{
	ig_die("co-occurrence weights overflow: use smaller event weights");
}

void ig_cooc_side_init(ig_cooc_side *s, const ig_intern *ids)
{
	memset(s, 0, sizeof *s);
	s->ids = ids;
}

void ig_cooc_side_reserve(ig_cooc_side *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 1024, old = s->cap;

	if (n <= s->cap)
		return;
	while (cap < n)
		cap *= 2;
	s->norm = ig_reallocarray(s->norm, cap, sizeof *s->norm);
	s->users = ig_reallocarray(s->users, cap, sizeof *s->users);
	s->sum = ig_reallocarray(s->sum, cap, sizeof *s->sum);
	memset(s->norm + old, 0, (cap - old) * sizeof *s->norm);
	memset(s->users + old, 0, (cap - old) * sizeof *s->users);
	memset(s->sum + old, 0, (cap - old) * sizeof *s->sum);
	s->cap = cap;
}

static int cmp_ids(const void *x, const void *y, void *arg)
{
	const ig_intern *ids = arg;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	size_t la = ig_intern_len(ids, a), lb = ig_intern_len(ids, b);
	int c = memcmp(ig_intern_str(ids, a), ig_intern_str(ids, b), la < lb ? la : lb);

	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

void ig_cooc_side_rank(ig_cooc_side *s)
{
	uint32_t n = ig_intern_count(s->ids), i, *order;

	ig_cooc_side_reserve(s, n);
	order = ig_reallocarray(NULL, n ? n : 1, sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof *order, cmp_ids, (void *)s->ids);
	free(s->rank);
	s->rank = ig_reallocarray(NULL, n ? n : 1, sizeof *s->rank);
	for (i = 0; i < n; i++)
		s->rank[order[i]] = i;
	free(order);
}

void ig_cooc_side_free(ig_cooc_side *s)
{
	free(s->norm);
	free(s->users);
	free(s->sum);
	free(s->rank);
	memset(s, 0, sizeof *s);
}

double ig_cooc_total(const ig_cooc_side *s, size_t n)
{
	uint64_t z = 0;
	size_t i;

	for (i = 0; i < n && i < s->cap; i++)
		ig_cooc_add(&z, s->sum[i]);
	return (double)z;
}

void ig_cooc_topk_init(ig_cooc_topk *t, uint32_t k, size_t rows)
{
	memset(t, 0, sizeof *t);
	t->k = k;
	t->cap = rows;
	t->lists = ig_calloc(rows ? rows : 1, sizeof *t->lists);
	t->len = ig_calloc(rows ? rows : 1, sizeof *t->len);
}

/* X ranks before Y (the total order of ig_cooc_nb_worse). */
#define NB_BETTER(x, y) ig_cooc_nb_worse(y, x)
IG_TOPK_DEFINE(nb_top, ig_cooc_nb, NB_BETTER)

/* The room a list of N (below K) neighbours has: 4, then doubled up to
 * K as it fills. A list took K at its first neighbour: on data of many
 * rare items, each with a few neighbours, K = 100 made 2.4 KB a row
 * (1.1 GB for 430000 items seen once or twice). */
static size_t list_room(size_t n, size_t k)
{
	size_t c = 4;

	while (c < n)
		c *= 2;
	return c < k ? c : k;
}

void ig_cooc_topk_push(ig_cooc_topk *t, uint32_t row, const ig_cooc_nb *nb)
{
	size_t n = t->len[row];

	if (t->k == 0)
		return;
	if (n < t->k && (n == 0 || n == list_room(n, t->k)))
		t->lists[row] = ig_reallocarray(t->lists[row], list_room(n + 1, t->k), sizeof *t->lists[row]);
	nb_top_offer(t->lists[row], &n, t->k, *nb);
	t->len[row] = (uint32_t)n;
}

void ig_cooc_topk_finish(ig_cooc_topk *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		nb_top_sort_heap(t->lists[i], t->len[i]);
}

void ig_cooc_topk_free(ig_cooc_topk *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->lists[i]);
	free(t->lists);
	free(t->len);
	memset(t, 0, sizeof *t);
}

uint64_t ig_cooc_write_neighbors(ig_writer *w, const ig_cooc_topk *t, const ig_cooc_side *row,
				 const ig_cooc_side *col)
{
	uint32_t n = ig_intern_count(row->ids), i, j, *order;
	uint64_t records = 0;

	order = ig_reallocarray(NULL, n ? n : 1, sizeof *order);
	for (i = 0; i < n; i++)
		order[row->rank[i]] = i;
	for (i = 0; i < n; i++) {
		uint32_t r = order[i];
		if (r >= t->cap)
			continue;
		for (j = 0; j < t->len[r]; j++) {
			const ig_cooc_nb *nb = &t->lists[r][j];
			ig_writer_write(w, ig_intern_str(row->ids, r), ig_intern_len(row->ids, r));
			ig_writer_putc(w, '\t');
			ig_writer_write(w, ig_intern_str(col->ids, nb->nb), ig_intern_len(col->ids, nb->nb));
			ig_writer_putc(w, '\t');
			ig_writer_put_double(w, nb->score, 9);
			ig_writer_putc(w, '\t');
			ig_writer_put_u64(w, nb->support);
			ig_writer_putc(w, '\n');
			records++;
		}
	}
	free(order);
	return records;
}
