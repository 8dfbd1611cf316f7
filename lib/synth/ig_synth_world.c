/* The world of ig-synth: topic tree, authors and items, built once from
 * the seed and shared read-only by the user generators. */
#include "synth/ig_synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_events.h"
#include "io/ig_items.h"

/* Random streams of the world (users use IG_SYN_USER_STREAM + u). */
enum { STREAM_AUTHORS = 1, STREAM_ITEMS = 2 };

/* Share of each media type in the whole catalogue (photo video reel
 * carousel); author habits are Dirichlet(MEDIA_CONC * prior). */
static const double media_prior[4] = {0.35, 0.15, 0.35, 0.15};
#define MEDIA_CONC 2.0
#define ROOT_ZIPF 0.8          /* root popularity ~ rank^-0.8 */
#define AUTHOR_SECOND_P 0.5    /* an author has a second (sibling) topic */
#define ITEM_SECOND_TOPIC_P 0.2 /* an item takes the author's second topic */
#define ITEM_TWO_TOPICS_P 0.3  /* an item has a second, sibling topic */
#define ITEM_QUALITY_SD 0.5

void ig_synth_params_default(ig_synth_params *p)
{
	memset(p, 0, sizeof *p);
	p->seed = 1;
	p->users = 1000;
	p->items = 10000;
	p->authors = 0;
	p->roots = 10;
	p->subtopics = 5;
	p->days = 7;
	p->start = INT64_C(1704067200); /* 2024-01-01T00:00:00Z */
	p->sessions = 2.0;
	p->impressions = 15.0;
	p->follows = 20.0;
	p->explore = 0.3;
}

int ig_synth_params_option(ig_synth_params *p, int opt, const char *arg)
{
	switch (opt) {
	case IG_SYN_OPT_USERS:
		p->users = (uint32_t)ig_cli_int("--users", arg, 1, 2000000000);
		return 1;
	case IG_SYN_OPT_ITEMS:
		p->items = (uint32_t)ig_cli_int("--items", arg, 1, 1000000000);
		return 1;
	case IG_SYN_OPT_AUTHORS:
		p->authors = (uint32_t)ig_cli_int("--authors", arg, 1, 1000000000);
		return 1;
	case IG_SYN_OPT_TOPICS:
		p->roots = (uint32_t)ig_cli_int("--topics", arg, 1, 100000);
		return 1;
	case IG_SYN_OPT_SUBTOPICS:
		p->subtopics = (uint32_t)ig_cli_int("--subtopics", arg, 1, 100000);
		return 1;
	case IG_SYN_OPT_DAYS:
		p->days = (uint32_t)ig_cli_int("--days", arg, 1, 3650);
		return 1;
	case IG_SYN_OPT_START:
		p->start = ig_cli_int("--start", arg, 31536000, IG_TS_MAX - 3651LL * 86400);
		return 1;
	case IG_SYN_OPT_SESSIONS:
		p->sessions = ig_cli_double("--sessions", arg, 0, 1000);
		return 1;
	case IG_SYN_OPT_IMPRESSIONS:
		p->impressions = ig_cli_double("--impressions", arg, 1, 100000);
		return 1;
	case IG_SYN_OPT_FOLLOWS:
		p->follows = ig_cli_double("--follows", arg, 0, 1e6);
		return 1;
	case IG_SYN_OPT_EXPLORE:
		p->explore = ig_cli_double("--explore", arg, 0, 1);
		return 1;
	default:
		return 0;
	}
}

void ig_synth_params_help(FILE *fp)
{
	ig_synth_params d;

	ig_synth_params_default(&d);
	fprintf(fp,
		"World:\n"
		"      --users N        users [%u]\n"
		"      --items N        items [%u]\n"
		"      --authors N      authors [items/10]\n"
		"      --topics N       top-level topics [%u]\n"
		"      --subtopics N    leaf topics under each top-level topic [%u]\n"
		"Activity:\n"
		"      --days N         days of sessions [%u]\n"
		"      --start TS       first second of the sessions, Unix time [%lld]\n"
		"      --sessions X     mean sessions per user and day [%g]\n"
		"      --impressions X  mean impressions per session [%g]\n"
		"      --follows X      mean follows per user before the start [%g]\n"
		"      --explore P      share of impressions picked at random [%g]\n",
		d.users, d.items, d.roots, d.subtopics, d.days, (long long)d.start, d.sessions,
		d.impressions, d.follows, d.explore);
}

const char *ig_synth_params_check(ig_synth_params *p)
{
	if (p->users == 0)
		return "--users must be at least 1";
	if (p->items == 0)
		return "--items must be at least 1";
	if (p->authors == 0)
		p->authors = p->items / 10 > 0 ? p->items / 10 : 1;
	if (p->authors > p->items)
		return "--authors must not exceed --items";
	if (p->roots == 0 || p->subtopics == 0)
		return "--topics and --subtopics must be at least 1";
	if ((uint64_t)p->roots * p->subtopics > 1000000)
		return "--topics times --subtopics must be at most 1000000";
	if (p->days == 0)
		return "--days must be at least 1";
	if (p->explore < 0 || p->explore > 1)
		return "--explore must be from 0 to 1";
	return NULL;
}

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

uint32_t ig_synth_pick_cum(const double *cum, uint32_t n, double u)
{
	double x = u * cum[n - 1];
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* A leaf under the same root as LEAF, different from it. */
static uint32_t sibling(const ig_synth_world *w, ig_rng *r, uint32_t leaf)
{
	uint32_t b = w->p.subtopics, root = leaf / b, j = leaf % b;
	uint32_t k = (uint32_t)ig_rng_below(r, b - 1);

	return root * b + (k >= j ? k + 1 : k);
}

static void build_authors(ig_synth_world *w)
{
	uint32_t na = w->p.authors, nl = w->nleaves, a, t;
	double *rcum = ig_malloc(w->p.roots * sizeof *rcum);
	double acc = 0, pacc = 0;
	uint32_t *fill;
	ig_rng r;

	for (t = 0; t < w->p.roots; t++) {
		acc += w->root_pop[t];
		rcum[t] = acc;
	}
	ig_rng_seed_stream(&r, w->p.seed, STREAM_AUTHORS);
	w->author_pop = ig_malloc(na * sizeof *w->author_pop);
	w->author_topic = ig_malloc(na * sizeof *w->author_topic);
	w->author_topic2 = ig_malloc(na * sizeof *w->author_topic2);
	w->author_media = ig_malloc(na * sizeof *w->author_media);
	w->author_cum = ig_malloc(na * sizeof *w->author_cum);
	w->author_post_cum = ig_malloc(na * sizeof *w->author_post_cum);
	acc = 0;
	for (a = 0; a < na; a++) {
		uint32_t root = ig_synth_pick_cum(rcum, w->p.roots, ig_rng_double(&r));
		double sum = 0;
		int m;

		w->author_pop[a] = ig_rng_normal(&r);
		w->author_topic[a] = root * w->p.subtopics + (uint32_t)ig_rng_below(&r, w->p.subtopics);
		w->author_topic2[a] = UINT32_MAX;
		if (ig_rng_double(&r) < AUTHOR_SECOND_P && w->p.subtopics > 1)
			w->author_topic2[a] = sibling(w, &r, w->author_topic[a]);
		for (m = 0; m < 4; m++) {
			w->author_media[a][m] = ig_rng_gamma(&r, MEDIA_CONC * media_prior[m]);
			sum += w->author_media[a][m];
		}
		for (m = 0; m < 4; m++)
			w->author_media[a][m] = sum > 0 ? w->author_media[a][m] / sum : media_prior[m];
		acc += exp(w->author_pop[a]);
		w->author_cum[a] = acc;
		pacc += exp(0.5 * w->author_pop[a]);
		w->author_post_cum[a] = pacc;
	}
	free(rcum);
	/* Authors by main topic, with cumulative popularity inside each list. */
	w->topic_author_start = ig_calloc((size_t)nl + 1, sizeof *w->topic_author_start);
	for (a = 0; a < na; a++)
		w->topic_author_start[w->author_topic[a] + 1]++;
	for (t = 0; t < nl; t++)
		w->topic_author_start[t + 1] += w->topic_author_start[t];
	w->topic_author = ig_malloc(na * sizeof *w->topic_author);
	w->topic_author_cum = ig_malloc(na * sizeof *w->topic_author_cum);
	fill = ig_malloc(nl * sizeof *fill);
	memcpy(fill, w->topic_author_start, nl * sizeof *fill);
	for (a = 0; a < na; a++)
		w->topic_author[fill[w->author_topic[a]]++] = a;
	for (t = 0; t < nl; t++) {
		uint32_t k;
		acc = 0;
		for (k = w->topic_author_start[t]; k < w->topic_author_start[t + 1]; k++) {
			acc += exp(w->author_pop[w->topic_author[k]]);
			w->topic_author_cum[k] = acc;
		}
	}
	free(fill);
}

static void build_csr(uint32_t nkeys, uint32_t nitems, const uint32_t *(*key_of)(const ig_synth_world *, uint32_t, int *),
		      const ig_synth_world *w, uint32_t **startp, uint32_t **listp)
{
	uint32_t *start = ig_calloc((size_t)nkeys + 1, sizeof *start);
	uint32_t *fill, *list, i, k;
	size_t total;
	int n, j;

	for (i = 0; i < nitems; i++) {
		const uint32_t *keys = key_of(w, i, &n);
		for (j = 0; j < n; j++)
			start[keys[j] + 1]++;
	}
	for (k = 0; k < nkeys; k++)
		start[k + 1] += start[k];
	total = start[nkeys];
	list = ig_malloc((total > 0 ? total : 1) * sizeof *list);
	fill = ig_malloc(((size_t)nkeys + 1) * sizeof *fill);
	memcpy(fill, start, ((size_t)nkeys + 1) * sizeof *fill);
	for (i = 0; i < nitems; i++) {
		const uint32_t *keys = key_of(w, i, &n);
		for (j = 0; j < n; j++)
			list[fill[keys[j]]++] = i;
	}
	free(fill);
	*startp = start;
	*listp = list;
}

static const uint32_t *topics_of(const ig_synth_world *w, uint32_t i, int *n)
{
	*n = w->item_ntopics[i];
	return w->item_topics[i];
}

static const uint32_t *author_of(const ig_synth_world *w, uint32_t i, int *n)
{
	*n = 1;
	return &w->item_author[i];
}

static void build_items(ig_synth_world *w)
{
	uint32_t ni = w->p.items, i;
	int64_t span = (int64_t)w->p.days * 86400;
	ig_rng r;

	ig_rng_seed_stream(&r, w->p.seed, STREAM_ITEMS);
	w->created = ig_malloc(ni * sizeof *w->created);
	w->item_author = ig_malloc(ni * sizeof *w->item_author);
	w->item_media = ig_malloc(ni * sizeof *w->item_media);
	w->item_ntopics = ig_malloc(ni * sizeof *w->item_ntopics);
	w->item_topics = ig_malloc(ni * sizeof *w->item_topics);
	w->item_quality = ig_malloc(ni * sizeof *w->item_quality);
	/* Creation times uniform over [start - span, start + span): half the
	 * catalogue exists when the sessions begin. Numbered in time order. */
	for (i = 0; i < ni; i++)
		w->created[i] = w->p.start - span + (int64_t)ig_rng_below(&r, (uint64_t)(2 * span));
	qsort(w->created, ni, sizeof *w->created, cmp_i64);
	for (i = 0; i < ni; i++) {
		uint32_t a = ig_synth_pick_cum(w->author_post_cum, w->p.authors, ig_rng_double(&r));
		double u = ig_rng_double(&r), acc = 0;
		uint32_t primary;
		int m;

		w->item_author[i] = a;
		for (m = 0; m < 3; m++) {
			acc += w->author_media[a][m];
			if (u < acc)
				break;
		}
		w->item_media[i] = (uint8_t)m;
		primary = w->author_topic[a];
		if (w->author_topic2[a] != UINT32_MAX && ig_rng_double(&r) < ITEM_SECOND_TOPIC_P)
			primary = w->author_topic2[a];
		w->item_topics[i][0] = primary;
		w->item_topics[i][1] = UINT32_MAX;
		w->item_ntopics[i] = 1;
		if (w->p.subtopics > 1 && ig_rng_double(&r) < ITEM_TWO_TOPICS_P) {
			w->item_topics[i][1] = sibling(w, &r, primary);
			w->item_ntopics[i] = 2;
		}
		w->item_quality[i] = ITEM_QUALITY_SD * ig_rng_normal(&r);
	}
	build_csr(w->nleaves, ni, topics_of, w, &w->topic_item_start, &w->topic_item);
	build_csr(w->p.authors, ni, author_of, w, &w->author_item_start, &w->author_item);
}

ig_synth_world *ig_synth_world_build(const ig_synth_params *p)
{
	ig_synth_world *w = ig_calloc(1, sizeof *w);
	double sum = 0;
	uint32_t r;

	w->p = *p;
	w->nleaves = p->roots * p->subtopics;
	w->user_width = max_int(7, digits(p->users));
	w->item_width = max_int(7, digits(p->items));
	w->author_width = max_int(7, digits(p->authors));
	w->root_width = max_int(2, digits(p->roots));
	w->sub_width = max_int(2, digits(p->subtopics));
	w->root_pop = ig_malloc(p->roots * sizeof *w->root_pop);
	for (r = 0; r < p->roots; r++) {
		w->root_pop[r] = pow((double)r + 1.0, -ROOT_ZIPF);
		sum += w->root_pop[r];
	}
	for (r = 0; r < p->roots; r++)
		w->root_pop[r] /= sum;
	build_authors(w);
	build_items(w);
	return w;
}

void ig_synth_world_free(ig_synth_world *w)
{
	if (w == NULL)
		return;
	free(w->root_pop);
	free(w->author_pop);
	free(w->author_topic);
	free(w->author_topic2);
	free(w->author_media);
	free(w->author_cum);
	free(w->author_post_cum);
	free(w->topic_author_start);
	free(w->topic_author);
	free(w->topic_author_cum);
	free(w->created);
	free(w->item_author);
	free(w->item_media);
	free(w->item_ntopics);
	free(w->item_topics);
	free(w->item_quality);
	free(w->topic_item_start);
	free(w->topic_item);
	free(w->author_item_start);
	free(w->author_item);
	free(w);
}

size_t ig_synth_world_memory(const ig_synth_world *w)
{
	size_t na = w->p.authors, ni = w->p.items, nl = w->nleaves;

	return sizeof *w + w->p.roots * sizeof(double) +
	       na * (sizeof(double) * 8 + sizeof(uint32_t) * 3) + (nl + 1) * sizeof(uint32_t) +
	       ni * (sizeof(int64_t) + sizeof(uint32_t) * 3 + 2 + sizeof(double)) +
	       (w->topic_item_start[nl] + nl + 1 + ni + na + 1) * sizeof(uint32_t);
}

uint32_t ig_synth_available(const ig_synth_world *w, const uint32_t *sorted, uint32_t n, int64_t ts)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (w->created[sorted[mid]] <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ig_synth_put_topic(ig_synth_buf *b, const ig_synth_world *w, uint32_t t, int is_root)
{
	if (is_root) {
		ig_synth_buf_id(b, 't', (uint64_t)t + 1, w->root_width);
		return;
	}
	ig_synth_buf_id(b, 't', (uint64_t)t / w->p.subtopics + 1, w->root_width);
	ig_synth_buf_id(b, '.', (uint64_t)t % w->p.subtopics + 1, w->sub_width);
}

void ig_synth_put_user(ig_synth_buf *b, const ig_synth_world *w, uint32_t u)
{
	ig_synth_buf_id(b, 'u', (uint64_t)u + 1, w->user_width);
}

void ig_synth_put_item(ig_synth_buf *b, const ig_synth_world *w, uint32_t i)
{
	ig_synth_buf_id(b, 'i', (uint64_t)i + 1, w->item_width);
}

void ig_synth_put_author(ig_synth_buf *b, const ig_synth_world *w, uint32_t a)
{
	ig_synth_buf_id(b, 'a', (uint64_t)a + 1, w->author_width);
}

uint32_t ig_synth_world_nrows(const ig_synth_world *w, int stream)
{
	switch (stream) {
	case IG_SYN_TOPICS:
		return w->p.roots + w->nleaves;
	case IG_SYN_ITEMS:
	case IG_SYN_TRUTH_ITEMS:
		return w->p.items;
	default:
		return 0;
	}
}

void ig_synth_world_rows(const ig_synth_world *w, int stream, uint32_t from, uint32_t to, ig_synth_buf *b)
{
	uint32_t k, per_root = w->p.subtopics + 1;

	for (k = from; k < to; k++) {
		switch (stream) {
		case IG_SYN_TOPICS: {
			uint32_t r = k / per_root, j = k % per_root;
			if (j == 0) {
				ig_synth_put_topic(b, w, r, 1);
				ig_synth_buf_putc(b, '\t');
			} else {
				ig_synth_put_topic(b, w, r * w->p.subtopics + j - 1, 0);
				ig_synth_buf_putc(b, '\t');
				ig_synth_put_topic(b, w, r, 1);
			}
			break;
		}
		case IG_SYN_ITEMS:
			ig_synth_put_item(b, w, k);
			ig_synth_buf_putc(b, '\t');
			ig_synth_put_author(b, w, w->item_author[k]);
			ig_synth_buf_putc(b, '\t');
			ig_synth_buf_puts(b, ig_media_name(w->item_media[k]));
			ig_synth_buf_putc(b, '\t');
			ig_synth_buf_i64(b, w->created[k]);
			ig_synth_buf_putc(b, '\t');
			ig_synth_put_topic(b, w, w->item_topics[k][0], 0);
			if (w->item_ntopics[k] == 2) {
				ig_synth_buf_putc(b, ',');
				ig_synth_put_topic(b, w, w->item_topics[k][1], 0);
			}
			break;
		case IG_SYN_TRUTH_ITEMS:
			ig_synth_put_item(b, w, k);
			ig_synth_buf_putc(b, '\t');
			ig_synth_buf_double(b, w->item_quality[k]);
			ig_synth_buf_putc(b, '\t');
			ig_synth_buf_double(b, w->author_pop[w->item_author[k]]);
			break;
		default:
			return;
		}
		ig_synth_buf_putc(b, '\n');
	}
}
