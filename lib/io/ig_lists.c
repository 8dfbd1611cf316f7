#include "io/ig_lists.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "core/ig_num.h"
#include "io/ig_fields_priv.h"
#include "io/ig_reader.h"

#define MAX_COLS 1024
#define SCORE_DIGITS 9

/* ---- the order rules, shared by reader and writer ---- */

typedef struct id_ref {
	size_t off, len;
	long line;
} id_ref;

typedef struct list_order {
	int stream;
	ig_intern *seen;       /* users whose rows are over */
	char *user;            /* current user */
	size_t user_len, user_cap;
	int have_user;
	char *items;           /* the current user's items, back to back */
	size_t items_len, items_cap;
	id_ref *ref;
	size_t n, ref_cap;
	double score;          /* last row's */
	int64_t rank;
	/* Readers leave the tie rule alone: ig-eval baseline writes scores
	 * with 6 digits, ordered by their full value, so equal text may come
	 * in any item order. Writers check it on the scores as written. */
	int strict_ties;
	int any_order;         /* no score order, items may repeat (ig_list_opts) */
	char msg[512];
} list_order;

static void order_init(list_order *o, int stream)
{
	memset(o, 0, sizeof *o);
	o->stream = stream;
	o->seen = ig_intern_new();
}

static void order_free(list_order *o)
{
	ig_intern_free(o->seen);
	free(o->user);
	free(o->items);
	free(o->ref);
}

static const char *ref_str(const list_order *o, const id_ref *r) { return o->items + r->off; }

static int cmp_ref(const void *x, const void *y, void *arg)
{
	const list_order *o = arg;
	const id_ref *a = x, *b = y;
	int c = ig_field_idcmp(ref_str(o, a), a->len, ref_str(o, b), b->len);

	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* An item twice in the user just ended: the message, *LINE its second
 * line; NULL when none. */
static const char *order_end_user(list_order *o, long *line)
{
	size_t i;

	if (!o->have_user)
		return NULL;
	ig_intern_add(o->seen, o->user, o->user_len);
	if (o->n > 1) /* none kept in any-order mode */
		qsort_r(o->ref, o->n, sizeof *o->ref, cmp_ref, o);
	for (i = 1; i < o->n; i++)
		if (o->ref[i].len == o->ref[i - 1].len &&
		    memcmp(ref_str(o, &o->ref[i]), ref_str(o, &o->ref[i - 1]), o->ref[i].len) == 0) {
			snprintf(o->msg, sizeof o->msg, "item '%s' listed twice for user '%s' (line %ld)",
				 ig_esc(ref_str(o, &o->ref[i])), ig_esc(o->user), o->ref[i - 1].line);
			*line = o->ref[i].line;
			return o->msg;
		}
	o->have_user = 0;
	return NULL;
}

static void keep_item(list_order *o, const char *item, size_t len, long line)
{
	if (o->items_len + len + 1 > o->items_cap) {
		o->items_cap = 2 * (o->items_len + len + 1) + 256;
		o->items = ig_realloc(o->items, o->items_cap);
	}
	if (o->n == o->ref_cap) {
		o->ref_cap = o->ref_cap ? 2 * o->ref_cap : 64;
		o->ref = ig_reallocarray(o->ref, o->ref_cap, sizeof *o->ref);
	}
	memcpy(o->items + o->items_len, item, len + 1);
	o->ref[o->n].off = o->items_len;
	o->ref[o->n].len = len;
	o->ref[o->n].line = line;
	o->items_len += len + 1;
	o->n++;
}

/* Checks a row against the one before; returns a message, or NULL. A new
 * user starts after the previous one is checked for repeated items
 * (order_end_user). */
static const char *order_row(list_order *o, const char *user, size_t ulen, const char *item, size_t ilen,
			     double score, int64_t rank, long line)
{
	int same = o->have_user && ulen == o->user_len && memcmp(user, o->user, ulen) == 0;

	if (!same) {
		if (ig_intern_find(o->seen, user, ulen) != IG_INTERN_NONE) {
			snprintf(o->msg, sizeof o->msg,
				 "user '%s' comes back after other users: rows must be grouped by user", ig_esc(user));
			return o->msg;
		}
		ig_strcpy_grow(&o->user, &o->user_cap, user, ulen);
		o->user_len = ulen;
		o->have_user = 1;
		o->n = 0;
		o->items_len = 0;
		if (o->stream == IG_STREAM_FEED && rank != 1) {
			snprintf(o->msg, sizeof o->msg, "rank %lld for the first row of user '%s', expected 1",
				 (long long)rank, ig_esc(user));
			return o->msg;
		}
	} else if (o->stream == IG_STREAM_FEED) {
		if (rank != o->rank + 1) {
			snprintf(o->msg, sizeof o->msg, "rank %lld after %lld: ranks must be 1, 2, 3 ...",
				 (long long)rank, (long long)o->rank);
			return o->msg;
		}
	} else if (!o->any_order) {
		const id_ref *prev = &o->ref[o->n - 1];

		if (score > o->score || (o->strict_ties && score == o->score &&
					 ig_field_idcmp(item, ilen, ref_str(o, prev), prev->len) < 0)) {
			snprintf(o->msg, sizeof o->msg,
				 "score %.9g of item '%s' after %.9g of item '%s': rows must be ordered by score, "
				 "highest first, ties by item", score, ig_esc(item), o->score, ig_esc(ref_str(o, prev)));
			return o->msg;
		}
	}
	if (!o->any_order)
		keep_item(o, item, ilen, line);
	o->score = score;
	o->rank = rank;
	return NULL;
}

/* ---- reader ---- */

struct ig_list_reader {
	ig_reader *r;
	const char *name;
	int stream;
	ig_header h;
	int col[8];            /* schema column -> header column, -1 absent */
	int *numeric;          /* header columns checked as numbers; 2: also in [0, 1] */
	double *nums;          /* their values, a row of columns per row of the user */
	/* the header columns of the roles parse_row reads (role_col), -1 none */
	int c_item, c_score, c_sources, c_reason, c_rank, c_propensity;
	list_order order;
	/* the current user's rows */
	char *text;
	size_t text_len, text_cap;
	size_t *row_off;       /* each row's text */
	ig_list_row *rows;
	char **fields;
	size_t n, cap;
	/* a row read ahead: the first of the next user */
	char *ahead;
	size_t ahead_len, ahead_cap;
	long ahead_line;
	int have_ahead, at_end;
	uint64_t nrows, nusers;
};

enum { C_USER, C_ITEM, C_SOURCES, C_SCORE, C_REASON, C_RANK, C_PROPENSITY };

/* Header column of each role, by schema name. */
static int role_col(const ig_list_reader *r, const char *name)
{
	const ig_schema *s = ig_schema_of(r->stream);
	int i;

	for (i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i], name) == 0)
			return r->col[i];
	return -1;
}

static int is_list(int stream)
{
	return stream == IG_STREAM_CANDIDATES || stream == IG_STREAM_RANKED || stream == IG_STREAM_FEED;
}

/* The header, of one of the kinds in KINDS: "expected a candidates or
 * ranked stream, got events" names them all. */
static int read_header(ig_list_reader *r, unsigned kinds)
{
	const int all[] = {IG_STREAM_CANDIDATES, IG_STREAM_RANKED, IG_STREAM_FEED};
	char names[64] = "";
	int i, n = 0, one = -1, stream;

	for (i = 0; i < 3; i++)
		if (kinds & (1u << all[i])) {
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", n ? " or " : "",
				 ig_schema_of(all[i])->kind);
			one = all[i];
			n++;
		}
	if (n == 0 || (kinds & ~((1u << IG_STREAM_CANDIDATES) | (1u << IG_STREAM_RANKED) | (1u << IG_STREAM_FEED))))
		ig_die("internal error: not a set of list streams");
	if (n == 1) {
		ig_schema_read_header(r->r, one, &r->h, r->col);
		return one;
	}
	ig_header_read(r->r, NULL, 1, &r->h);
	stream = ig_schema_find(r->h.kind);
	if (stream < 0 || !(kinds & (1u << stream)))
		ig_die_at(r->name, 1, "expected a %s stream, got %s", names, ig_esc(r->h.kind));
	if (r->h.version != ig_schema_of(stream)->version)
		ig_die_at(r->name, 1, "%s stream version %d is not supported (this is version %d)", r->h.kind,
			  r->h.version, ig_schema_of(stream)->version);
	ig_schema_check_cols(r->r, stream, &r->h, r->col);
	return stream;
}

ig_list_reader *ig_list_open(const char *path, int stream)
{
	ig_list_opts o;

	if (!is_list(stream))
		ig_die("internal error: %s is not a list stream", ig_schema_of(stream)->kind);
	memset(&o, 0, sizeof o);
	o.kinds = 1u << stream;
	return ig_list_open_opts(path, &o);
}

ig_list_reader *ig_list_open_opts(const char *path, const ig_list_opts *o)
{
	ig_list_reader *r = ig_calloc(1, sizeof *r);
	int i, stream;

	r->r = ig_reader_open(path);
	r->name = ig_reader_name(r->r);
	r->stream = stream = read_header(r, o->kinds);
	if (r->h.ncols > MAX_COLS)
		ig_die_at(r->name, 1, "too many columns (%d, at most %d)", r->h.ncols, MAX_COLS);
	r->numeric = ig_calloc((size_t)r->h.ncols, sizeof *r->numeric);
	for (i = 0; i < r->h.ncols; i++) {
		const char *c = r->h.cols[i];

		if (stream == IG_STREAM_CANDIDATES && strncmp(c, "s_", 2) == 0)
			r->numeric[i] = 1;
		if (stream == IG_STREAM_RANKED && strncmp(c, "p_", 2) == 0)
			r->numeric[i] = 2;
	}
	r->c_item = role_col(r, "item");
	r->c_score = role_col(r, "score");
	r->c_sources = role_col(r, "sources");
	r->c_reason = role_col(r, "reason");
	r->c_rank = role_col(r, "rank");
	r->c_propensity = role_col(r, "propensity");
	order_init(&r->order, stream);
	r->order.any_order = o->any_order;
	return r;
}

/* Reads the next line into the look-ahead; 0 at the end. */
static int read_ahead(ig_list_reader *r)
{
	char *line;
	ssize_t len = ig_reader_getline(r->r, &line);

	if (len < 0)
		return 0;
	ig_strcpy_grow(&r->ahead, &r->ahead_cap, line, (size_t)len);
	r->ahead_len = (size_t)len;
	r->ahead_line = ig_reader_lineno(r->r);
	return 1;
}

/* The user field of the look-ahead line, without splitting it. */
static const char *ahead_user(const ig_list_reader *r, size_t *len)
{
	const char *p = r->ahead;
	int i;

	for (i = 0; i < r->col[C_USER]; i++) {
		p = strchr(p, '\t');
		if (p == NULL) {
			*len = 0;
			return "";
		}
		p++;
	}
	*len = strcspn(p, "\t");
	return p;
}

/* Parses and checks the numeric columns of fields F into NUM (by column;
 * those left alone are not read). */
static void check_numbers(const ig_list_reader *r, char **f, long ln, double *num)
{
	int i;

	for (i = 0; i < r->h.ncols; i++) {
		double v;

		if (!r->numeric[i] || !ig_field_opt_double(r->name, ln, i + 1, r->h.cols[i], f[i], &v))
			continue;
		num[i] = v;
		if (r->numeric[i] == 2 && (v < 0 || v > 1))
			ig_die_at(r->name, ln, "field %d (%s): not a probability in [0, 1] '%s'", i + 1,
				  r->h.cols[i], ig_esc(f[i]));
	}
}

/* Splits the look-ahead into a new row of the current user. */
static void take_ahead(ig_list_reader *r)
{
	const char *name = r->name;
	long ln = r->ahead_line;
	size_t off = r->text_len, k;
	ig_list_row *row;
	char **f;
	int nf;

	if (r->text_len + r->ahead_len + 1 > r->text_cap) {
		r->text_cap = 2 * (r->text_len + r->ahead_len + 1) + 4096;
		r->text = ig_realloc(r->text, r->text_cap);
	}
	memcpy(r->text + off, r->ahead, r->ahead_len + 1);
	r->text_len += r->ahead_len + 1;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->rows = ig_reallocarray(r->rows, r->cap, sizeof *r->rows);
		r->row_off = ig_reallocarray(r->row_off, r->cap, sizeof *r->row_off);
		r->fields = ig_reallocarray(r->fields, r->cap, (size_t)r->h.ncols * sizeof *r->fields);
		r->nums = ig_reallocarray(r->nums, r->cap, (size_t)r->h.ncols * sizeof *r->nums);
	}
	row = &r->rows[r->n];
	r->row_off[r->n] = off;
	f = r->fields + r->n * (size_t)r->h.ncols;
	nf = ig_split_tabs(r->text + off, f, r->h.ncols);
	if (nf != r->h.ncols)
		ig_die_at(name, ln, "expected %d fields, got %d", r->h.ncols, nf);
	/* Field pointers into TEXT become offsets until the user is complete. */
	for (k = 0; k < (size_t)nf; k++)
		f[k] = (char *)(uintptr_t)(f[k] - r->text);
	r->n++;
	row->line = ln;
}

/* Parses and checks row I (its fields now pointers). */
static void parse_row(ig_list_reader *r, ig_list_row *row, size_t i)
{
	char **f = row->field;
	const char *name = r->name;
	int c;
	size_t ulen;
	const char *msg;
	double *num;

	ulen = ig_field_id(name, row->line, r->col[C_USER] + 1, "user", f[r->col[C_USER]]);
	c = r->c_item;
	row->item = f[c];
	row->item_len = ig_field_id(name, row->line, c + 1, "item", row->item);
	c = r->c_score;
	row->score = ig_field_double(name, row->line, c + 1, "score", f[c]);
	c = r->c_sources;
	row->sources = c >= 0 ? f[c] : "";
	c = r->c_reason;
	row->reason = c >= 0 ? f[c] : "";
	if (c >= 0 && row->reason[0] == '\0' && r->stream != IG_STREAM_RANKED)
		ig_die_at(name, row->line, "field %d (reason): empty ('-' when there is none)", c + 1);
	row->propensity = 1;
	row->rank = (int64_t)i + 1;
	if (r->stream == IG_STREAM_FEED) {
		c = r->c_rank;
		if (ig_parse_i64(f[c], 1, INT64_MAX, &row->rank) != 0)
			ig_die_at(name, row->line, "field %d (rank): not a rank from 1 '%s'", c + 1, ig_esc(f[c]));
		c = r->c_propensity;
		row->propensity = ig_field_double(name, row->line, c + 1, "propensity", f[c]);
		if (!(row->propensity > 0 && row->propensity <= 1))
			ig_die_at(name, row->line, "field %d (propensity): not in (0, 1] '%s'", c + 1, ig_esc(f[c]));
	}
	num = r->nums + i * (size_t)r->h.ncols;
	row->num = num;
	check_numbers(r, f, row->line, num);
	msg = order_row(&r->order, f[r->col[C_USER]], ulen, row->item, row->item_len, row->score, row->rank,
			row->line);
	if (msg)
		ig_die_at(name, row->line, "%s", msg);
}

int ig_list_next(ig_list_reader *r, ig_list_user *u)
{
	const char *user, *msg;
	size_t ulen, i;
	long line;

	r->n = 0;
	r->text_len = 0;
	if (!r->have_ahead && (r->at_end || !read_ahead(r))) {
		r->at_end = 1;
		if ((msg = order_end_user(&r->order, &line)) != NULL)
			ig_die_at(r->name, line, "%s", msg);
		return 0;
	}
	r->have_ahead = 0;
	take_ahead(r);
	for (;;) {
		size_t cur_len;
		const char *cur;

		if (!read_ahead(r)) {
			r->at_end = 1;
			break;
		}
		user = ahead_user(r, &ulen);
		cur = r->text + (size_t)(uintptr_t)r->fields[r->col[C_USER]];
		cur_len = strlen(cur);
		if (ulen != cur_len || memcmp(user, cur, ulen) != 0) {
			r->have_ahead = 1;
			break;
		}
		take_ahead(r);
	}
	for (i = 0; i < r->n * (size_t)r->h.ncols; i++)
		r->fields[i] = r->text + (size_t)(uintptr_t)r->fields[i];
	if ((msg = order_end_user(&r->order, &line)) != NULL)
		ig_die_at(r->name, line, "%s", msg);
	for (i = 0; i < r->n; i++) {
		r->rows[i].field = r->fields + i * (size_t)r->h.ncols;
		parse_row(r, &r->rows[i], i);
	}
	u->user = r->rows[0].field[r->col[C_USER]];
	u->user_len = strlen(u->user);
	u->row = r->rows;
	u->n = r->n;
	r->nrows += r->n;
	r->nusers++;
	return 1;
}

const ig_header *ig_list_header(const ig_list_reader *r) { return &r->h; }
int ig_list_stream(const ig_list_reader *r) { return r->stream; }
const char *ig_list_name(const ig_list_reader *r) { return r->name; }
int ig_list_col(const ig_list_reader *r, const char *name) { return ig_header_col(&r->h, name); }
uint64_t ig_list_rows_read(const ig_list_reader *r) { return r->nrows; }
uint64_t ig_list_users_read(const ig_list_reader *r) { return r->nusers; }

int ig_list_cols_prefixed(const ig_list_reader *r, const char *prefix, int *cols, int max)
{
	size_t plen = strlen(prefix);
	int i, n = 0;

	for (i = 0; i < r->h.ncols; i++)
		if (strncmp(r->h.cols[i], prefix, plen) == 0) {
			if (n < max)
				cols[n] = i;
			n++;
		}
	return n;
}

int ig_list_num(const ig_list_reader *r, const ig_list_row *row, int col, double *out)
{
	if (col < 0 || col >= r->h.ncols)
		ig_die("internal error: %s has no column %d", r->name, col);
	if (r->numeric[col]) { /* parsed and checked by parse_row */
		if (row->field[col][0] == '\0')
			return 0;
		*out = row->num[col];
		return 1;
	}
	return ig_field_opt_double(r->name, row->line, col + 1, r->h.cols[col], row->field[col], out);
}

void ig_list_close(ig_list_reader *r)
{
	if (r == NULL)
		return;
	ig_reader_close(r->r);
	ig_header_free(&r->h);
	order_free(&r->order);
	free(r->numeric);
	free(r->text);
	free(r->row_off);
	free(r->rows);
	free(r->fields);
	free(r->nums);
	free(r->ahead);
	free(r);
}

/* ---- writer ---- */

struct ig_list_writer {
	ig_writer *w;
	int stream;
	int nextra;
	list_order order;
	uint64_t rows;
};

double ig_list_score_written(double score)
{
	char buf[IG_DOUBLE_BUF];
	double v;

	ig_format_double(buf, score, SCORE_DIGITS);
	if (ig_parse_double(buf, &v) != 0)
		v = strtod(buf, NULL);
	return v;
}

ig_list_writer *ig_list_writer_open(ig_writer *w, int stream, const char *const *extra, int nextra,
				    const ig_header *upstream)
{
	ig_list_writer *lw = ig_calloc(1, sizeof *lw);

	if (stream != IG_STREAM_CANDIDATES && stream != IG_STREAM_RANKED && stream != IG_STREAM_FEED)
		ig_die("internal error: %s is not a list stream", ig_schema_of(stream)->kind);
	lw->w = w;
	lw->stream = stream;
	lw->nextra = nextra;
	order_init(&lw->order, stream);
	lw->order.strict_ties = 1;
	ig_schema_write_header(w, stream, extra, nextra, upstream);
	return lw;
}

static void check_written(ig_list_writer *lw, const char *user, const char *item, double score, int64_t rank)
{
	size_t ulen = strlen(user), ilen = strlen(item);
	const char *msg = NULL;
	long line;
	int same = lw->order.have_user && ulen == lw->order.user_len && memcmp(user, lw->order.user, ulen) == 0;

	if (!ig_valid_id(user, ulen) || !ig_valid_id(item, ilen))
		ig_die("internal error: %s row %llu: invalid id '%s' or '%s'", ig_writer_name(lw->w),
		       (unsigned long long)lw->rows + 1, user, item);
	if (!isfinite(score))
		ig_die("internal error: %s row %llu: score %g", ig_writer_name(lw->w),
		       (unsigned long long)lw->rows + 1, score);
	if (!same)
		msg = order_end_user(&lw->order, &line);
	if (msg == NULL)
		msg = order_row(&lw->order, user, ulen, item, ilen, ig_list_score_written(score), rank,
				(long)lw->rows + 1);
	if (msg)
		ig_die("internal error: %s row %llu: %s", ig_writer_name(lw->w), (unsigned long long)lw->rows + 1,
		       msg);
	lw->rows++;
}

static void put_text(ig_writer *w, const char *s)
{
	ig_writer_putc(w, '\t');
	if (s)
		ig_writer_puts(w, s);
}

static void put_num(ig_writer *w, double v)
{
	ig_writer_putc(w, '\t');
	if (!isnan(v))
		ig_writer_put_double(w, v, SCORE_DIGITS);
}

void ig_list_put_candidate(ig_list_writer *lw, const char *user, const char *item, const char *sources,
			   double score, const char *reason, const double *s)
{
	int i;

	check_written(lw, user, item, score, 0);
	ig_writer_puts(lw->w, user);
	put_text(lw->w, item);
	put_text(lw->w, sources);
	put_num(lw->w, score);
	put_text(lw->w, reason && reason[0] ? reason : "-");
	for (i = 0; i < lw->nextra; i++)
		put_num(lw->w, s[i]);
	ig_writer_putc(lw->w, '\n');
}

void ig_list_put_ranked(ig_list_writer *lw, const char *user, const char *item, double score,
			const double *p, const char *sources, const char *reason)
{
	int i;

	check_written(lw, user, item, score, 0);
	ig_writer_puts(lw->w, user);
	put_text(lw->w, item);
	put_num(lw->w, score);
	for (i = 0; i < lw->nextra; i++)
		put_num(lw->w, p[i]);
	put_text(lw->w, sources);
	put_text(lw->w, reason);
	ig_writer_putc(lw->w, '\n');
}

void ig_list_put_feed(ig_list_writer *lw, const char *user, int64_t rank, const char *item, double score,
		      const char *reason, double propensity)
{
	if (!(propensity > 0 && propensity <= 1))
		ig_die("internal error: %s row %llu: propensity %g", ig_writer_name(lw->w),
		       (unsigned long long)lw->rows + 1, propensity);
	check_written(lw, user, item, score, rank);
	ig_writer_puts(lw->w, user);
	ig_writer_putc(lw->w, '\t');
	ig_writer_put_i64(lw->w, rank);
	put_text(lw->w, item);
	put_num(lw->w, score);
	put_text(lw->w, reason && reason[0] ? reason : "-");
	put_num(lw->w, propensity);
	ig_writer_putc(lw->w, '\n');
}

void ig_list_writer_end(ig_list_writer *lw)
{
	const char *msg;
	long line;

	if (lw == NULL)
		return;
	if ((msg = order_end_user(&lw->order, &line)) != NULL)
		ig_die("internal error: %s row %ld: %s", ig_writer_name(lw->w), line, msg);
	order_free(&lw->order);
	free(lw);
}
