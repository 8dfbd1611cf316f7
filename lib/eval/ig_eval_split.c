#include "eval/ig_eval_split.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_tempfile.h"
#include "eval/ig_eval_io.h"
#include "io/ig_schema.h"
#include "io/ig_events.h"
#include "core/ig_intern.h"
#include "core/ig_num.h"
#include "core/ig_rng.h"
#include "io/ig_writer.h"

void ig_split_opts_default(ig_split_opts *o)
{
	memset(o, 0, sizeof *o);
	o->compress = -1;
	o->level = 6;
	o->positives = IG_EVAL_TYPES_DEFAULT;
	o->counted = (1u << IG_EV_COUNT) - 1;
	o->min_events = 2;
	o->min_train = 1;
}

int ig_split_parse_holdout(const char *s, ig_split_cut *cut)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '%') {
		char buf[64];
		double p;

		if (n >= sizeof buf)
			return -1;
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		if (ig_parse_double_range(buf, 0, 100, &p) != 0 || p <= 0 || p >= 100)
			return -1;
		cut->mode = IG_SPLIT_PERCENT;
		cut->percent = p;
		return 0;
	}
	if (ig_parse_i64(s, 1, INT64_MAX, &cut->last) != 0)
		return -1;
	cut->mode = IG_SPLIT_LAST;
	return 0;
}

size_t ig_split_user_cut(const ig_split_cut *cut, const unsigned char *counted,
			 const unsigned char *positive, size_t n, int64_t min_events, int64_t min_train)
{
	size_t ncount = 0, h, i, seen = 0, cut_at = n;
	int64_t before = 0;

	for (i = 0; i < n; i++)
		ncount += counted[i] != 0;
	if ((int64_t)ncount < min_events || ncount == 0)
		return n;
	if (cut->mode == IG_SPLIT_LAST)
		h = (size_t)cut->last < ncount ? (size_t)cut->last : ncount;
	else
		h = (size_t)floor((double)ncount * cut->percent / 100.0 + 0.5);
	if (h == 0)
		return n;
	/* The held-out part starts at counted event number ncount - h. */
	for (i = 0; i < n; i++) {
		if (!counted[i])
			continue;
		if (seen == ncount - h) {
			cut_at = i;
			break;
		}
		seen++;
	}
	for (i = 0; i < cut_at; i++)
		before += positive[i] != 0;
	return before < min_train ? n : cut_at;
}

void ig_split_shuffle_ties(ig_user_group *g, uint64_t seed)
{
	ig_rng r;
	size_t a, b, i;

	ig_rng_seed_stream(&r, seed, ig_hash64(g->user, g->user_len));
	for (a = 0; a < g->n; a = b) {
		for (b = a + 1; b < g->n && g->ev[b].ts == g->ev[a].ts; b++)
			;
		for (i = b - a; i > 1; i--) {
			size_t j = a + (size_t)ig_rng_below(&r, i);
			ig_user_event t = g->ev[a + i - 1];

			g->ev[a + i - 1] = g->ev[j];
			g->ev[j] = t;
		}
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Copies stdin to a temporary file, unlinked at once (nothing is left
 * behind whatever ends the run, kill -9 included), and makes it stdin, so
 * that the input can be read twice and messages still name "stdin". */
static void spool_stdin(const char *tmpdir)
{
	const char *dir = ig_tempdir(tmpdir);
	char buf[65536];
	int fd = ig_tempfile_scratch(tmpdir);
	ssize_t got;

	while ((got = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ig_die("stdin: read error: %s", strerror(errno));
		}
		for (ssize_t off = 0; off < got;) {
			ssize_t put = write(fd, buf + off, (size_t)(got - off));

			if (put < 0) {
				if (errno == EINTR)
					continue;
				ig_die("a temporary copy of stdin in %s: write error: %s (set -T DIR)", dir,
				       strerror(errno));
			}
			off += put;
		}
	}
	if (lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) < 0 || close(fd) != 0)
		ig_die("a temporary copy of stdin in %s: %s", dir, strerror(errno));
}

/* Rewinds the spooled stdin for another pass. */
static void rewind_stdin(void)
{
	if (lseek(STDIN_FILENO, 0, SEEK_SET) != 0)
		ig_die("stdin: cannot rewind its temporary copy: %s", strerror(errno));
}

/* Timestamp at quantile F of TS (sorted, N > 0): events before it are at
 * most a fraction F; past the end, every event is before it. */
static int64_t quantile_ts(const int64_t *ts, size_t n, double f)
{
	size_t k = (size_t)floor(f * (double)n);

	return k < n ? ts[k] : (n ? ts[n - 1] + 1 : 0);
}

static void fraction_cuts(const char *path, const ig_split_opts *o, int64_t *at, int64_t *valid_at)
{
	ig_events_reader *er = ig_events_open(path);
	ig_event ev;
	int64_t *ts = NULL;
	size_t n = 0, cap = 0, ntrain;

	while (ig_events_next(er, &ev)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			ts = ig_reallocarray(ts, cap, sizeof *ts);
		}
		ts[n++] = ev.ts;
	}
	ig_events_close(er);
	qsort(ts, n, sizeof *ts, cmp_i64);
	if (o->test.mode == IG_SPLIT_FRACTION)
		*at = quantile_ts(ts, n, o->test.fraction);
	else
		*at = o->test.at;
	if (o->valid.mode == IG_SPLIT_FRACTION) {
		/* Among the train events: those before the test cut. */
		for (ntrain = 0; ntrain < n && ts[ntrain] < *at; ntrain++)
			;
		*valid_at = quantile_ts(ts, ntrain, o->valid.fraction);
	}
	free(ts);
}

static void put_value(ig_writer *w, const ig_user_event *e)
{
	char buf[64];
	double back;

	if (!e->has_value)
		return;
	/* The shortest form that reads back to the same double. */
	snprintf(buf, sizeof buf, "%.15g", e->value);
	if (ig_parse_double(buf, &back) != 0 || back != e->value)
		snprintf(buf, sizeof buf, "%.17g", e->value);
	ig_writer_puts(w, buf);
}

static void put_event(ig_writer *w, const ig_user_group *g, const ig_user_event *e)
{
	ig_writer_put_i64(w, e->ts);
	ig_writer_putc(w, '\t');
	ig_writer_write(w, g->user, g->user_len);
	ig_writer_putc(w, '\t');
	ig_writer_puts(w, g->text + e->item_off);
	ig_writer_putc(w, '\t');
	ig_writer_puts(w, ig_event_name(e->type));
	ig_writer_putc(w, '\t');
	put_value(w, e);
	if (g->text[e->extra_off] != '\0') {
		ig_writer_putc(w, '\t');
		ig_writer_puts(w, g->text + e->extra_off);
	}
	ig_writer_putc(w, '\n');
}

static char *part_path(const ig_split_opts *o, const char *part)
{
	size_t len = strlen(o->prefix) + 32;
	char *path = ig_malloc(len);

	snprintf(path, len, "%s.%s.tsv%s", o->prefix, part, o->compress != 0 ? ".gz" : "");
	return path;
}

static ig_writer *open_part(const ig_split_opts *o, const char *part, const ig_header *h)
{
	char *path = part_path(o, part);
	int gz = o->compress != 0; /* files: gzip unless -u */
	ig_writer *w;

	w = ig_writer_open(path, gz ? 1 : 0, o->level);
	ig_writer_set_prov(w, o->prov);
	free(path);
	ig_schema_write_header_cols(w, IG_STREAM_EVENTS, (const char *const *)h->cols, h->ncols, h);
	return w;
}

/* Index of the first of the N events at or after AT. */
static size_t first_at(const ig_user_group *g, size_t n, int64_t at)
{
	size_t i;

	for (i = 0; i < n && g->ev[i].ts < at; i++)
		;
	return i;
}


static size_t count_pos(const unsigned char *pos, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += pos[i] != 0;
	return c;
}

/* Where the held-out part of the first N events of G starts (N: none). */
static size_t cut_of(const ig_split_opts *o, const ig_split_cut *cut, int64_t at,
		     const ig_user_group *g, const unsigned char *counted, const unsigned char *pos, size_t n)
{
	size_t c;

	if (cut->mode == IG_SPLIT_LAST || cut->mode == IG_SPLIT_PERCENT) {
		c = ig_split_user_cut(cut, counted, pos, n, o->min_events, o->min_train);
		if (o->strict_time && c < n) {
			/* Events at the cut's second go with it, so that train
			 * ends strictly before test begins. */
			while (c > 0 && g->ev[c - 1].ts == g->ev[c].ts)
				c--;
			if ((int64_t)count_pos(pos, c) < o->min_train)
				c = n;
		}
		return c;
	}
	c = first_at(g, n, at);
	return c;
}

/* One run: its cuts, its output parts (fit and valid NULL without a
 * validation cut), and the current user's event flags. */
typedef struct split_run {
	const ig_split_opts *o;
	ig_split_stats *st;
	int64_t at, valid_at;  /* the global cut times, when global */
	int have_valid;
	int global;            /* the test cut is one time for all users */
	ig_writer *train, *test, *fit, *valid;
	unsigned char *pos, *counted; /* per event: of a positive, a counted type */
	size_t flags_cap;
} split_run;

/* Refuses, before anything is read, an output part that would overwrite
 * the input. */
static void check_outputs(const ig_split_opts *o)
{
	static const char *const parts[] = {"train", "test", "fit", "valid"};
	size_t i;

	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		char *out = part_path(o, parts[i]);
		ig_cli_check_output(out, &o->input, 1);
		free(out);
	}
}

/* The global cut times; a cut given as a fraction reads the input once
 * for its timestamps (stdin spooled to be read again). */
static void global_cuts(const ig_split_opts *o, int64_t *at, int64_t *valid_at)
{
	const char *path = o->input;

	*at = o->test.at;
	*valid_at = o->valid.at;
	if (o->test.mode != IG_SPLIT_FRACTION && o->valid.mode != IG_SPLIT_FRACTION)
		return;
	if (strcmp(path, "-") == 0)
		spool_stdin(o->tmpdir);
	fraction_cuts(path, o, at, valid_at);
	if (strcmp(path, "-") == 0)
		rewind_stdin();
}

static void open_parts(split_run *r, const ig_header *h)
{
	r->train = open_part(r->o, "train", h);
	r->test = open_part(r->o, "test", h);
	if (r->have_valid) {
		r->fit = open_part(r->o, "fit", h);
		r->valid = open_part(r->o, "valid", h);
	}
}

/* Flags each of G's events: of a positive type, of a counted type. */
static void flag_events(split_run *r, const ig_user_group *g)
{
	size_t i;

	if (g->n > r->flags_cap) {
		r->flags_cap = g->n + 256;
		r->pos = ig_realloc(r->pos, r->flags_cap);
		r->counted = ig_realloc(r->counted, r->flags_cap);
	}
	for (i = 0; i < g->n; i++) {
		r->pos[i] = (r->o->positives >> g->ev[i].type) & 1u;
		r->counted[i] = (r->o->counted >> g->ev[i].type) & 1u;
	}
}

/* Where G's test part starts; under a global cut, drops from G what
 * follows a cut that leaves too little before it. */
static size_t test_cut(split_run *r, ig_user_group *g)
{
	const ig_split_opts *o = r->o;
	size_t ct = cut_of(o, &o->test, r->at, g, r->counted, r->pos, g->n);

	/* A per-user cut of events that all share one time is a cut in
	 * the file's order (ig-eval split warns). */
	if (!r->global && ct > 0 && ct < g->n) {
		r->st->cut_users++;
		if (g->ev[0].ts == g->ev[g->n - 1].ts)
			r->st->untimed_users++;
	}
	/* Under a global cut, a user with too little before it is not
	 * tested; what follows the cut is dropped, never moved into
	 * train. */
	if (r->global && (int64_t)count_pos(r->pos, ct) < o->min_train && ct < g->n) {
		r->st->dropped += g->n - ct;
		g->n = ct;
	}
	return ct;
}

/* Where the valid part starts among G's CT train events (CT: none). */
static size_t valid_cut(const split_run *r, const ig_user_group *g, size_t ct)
{
	const ig_split_opts *o = r->o;
	size_t cv;

	if (!r->have_valid)
		return ct;
	cv = cut_of(o, &o->valid, r->valid_at, g, r->counted, r->pos, ct);
	if (o->valid.mode == IG_SPLIT_AT || o->valid.mode == IG_SPLIT_FRACTION)
		if ((int64_t)count_pos(r->pos, cv) < o->min_train)
			cv = ct;
	return cv;
}

/* G's first CT events to train, and those to fit (before CV) or valid. */
static void write_train(split_run *r, const ig_user_group *g, size_t ct, size_t cv)
{
	ig_split_stats *st = r->st;
	size_t i;

	for (i = 0; i < ct; i++) {
		put_event(r->train, g, &g->ev[i]);
		st->train++;
		if (!r->have_valid)
			continue;
		if (i < cv) {
			put_event(r->fit, g, &g->ev[i]);
			st->fit++;
		} else if (r->pos[i] || r->o->test_all) {
			put_event(r->valid, g, &g->ev[i]);
			st->valid++;
		}
	}
	/* Users with an event written to valid (test): with --test-all,
	 * those with only other types count too. */
	if (r->have_valid && (r->o->test_all ? ct > cv : count_pos(r->pos + cv, ct - cv) > 0))
		st->valid_users++;
}

/* G's events from CT on to test, or dropped when not positive. */
static void write_test(split_run *r, const ig_user_group *g, size_t ct)
{
	ig_split_stats *st = r->st;
	size_t i;

	for (i = ct; i < g->n; i++) {
		if (r->pos[i] || r->o->test_all) {
			put_event(r->test, g, &g->ev[i]);
			st->test++;
		} else {
			st->dropped++;
		}
	}
	if (r->o->test_all ? g->n > ct : count_pos(r->pos + ct, g->n - ct) > 0)
		st->test_users++;
}

static void split_user(split_run *r, ig_user_group *g)
{
	size_t ct, cv;

	r->st->users++;
	r->st->events += g->n;
	if (r->o->shuffle_ties)
		ig_split_shuffle_ties(g, r->o->seed);
	if (r->o->progress && (r->st->users & 0xffff) == 0)
		r->o->progress(r->st->users);
	flag_events(r, g);
	r->st->positives += count_pos(r->pos, g->n);
	ct = test_cut(r, g);
	cv = valid_cut(r, g, ct);
	write_train(r, g, ct, cv);
	write_test(r, g, ct);
}

void ig_split_run(const ig_split_opts *o, ig_split_stats *st)
{
	split_run r = {0};
	ig_user_events_reader *e;
	ig_user_group g = {0};

	memset(st, 0, sizeof *st);
	r.o = o;
	r.st = st;
	r.have_valid = o->valid.mode != IG_SPLIT_NONE;
	r.global = o->test.mode == IG_SPLIT_AT || o->test.mode == IG_SPLIT_FRACTION;
	if (o->valid.mode == IG_SPLIT_FRACTION && !r.global)
		ig_die("internal: a validation fraction needs a global test cut");
	check_outputs(o);
	global_cuts(o, &r.at, &r.valid_at);
	st->at = r.at;
	st->valid_at = r.valid_at;
	e = ig_user_events_open(o->input, NULL);
	open_parts(&r, ig_user_events_header(e));
	while (ig_user_events_next(e, &g))
		split_user(&r, &g);
	ig_user_group_free(&g);
	ig_user_events_close(e);
	{
		ig_writer *set[] = {r.train, r.test, r.fit, r.valid};

		ig_writer_close_set(set, 4);
	}
	free(r.pos);
	free(r.counted);
}
