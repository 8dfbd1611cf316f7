#include "eval/ig_eval_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "io/ig_schema.h"
#include "io/ig_extsort.h"
#include "core/ig_num.h"
#include "io/ig_reader.h"
#include "io/ig_tsv.h"

/* The first LEN bytes of S escaped for a message (see ig_escape). */
static const char *esc_n(const char *s, size_t len)
{
	static _Thread_local char buf[80 * 4 + 8];

	return ig_escape(s, len, buf, sizeof buf);
}

int ig_eval_idcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

int ig_eval_types_parse(const char *spec, unsigned *mask, char *err, size_t errlen)
{
	if (strcmp(spec, "default") == 0) {
		*mask = IG_EVAL_TYPES_DEFAULT;
		return 0;
	}
	if (strcmp(spec, "ratings") == 0) {
		*mask = 1u << IG_EV_LIKE;
		return 0;
	}
	return ig_event_mask_parse(spec, mask, err, errlen);
}

/* ---- recommendation lists ---- */

#define MAX_FIELDS 256

struct ig_eval_recs {
	ig_reader *r;
	ig_extsort *sort;
	const char *name;
	ig_header h;
	int headerless;
	int col_user, col_item, col_score, col_rank, col_sources;
	int order;
	ig_intern *items;
	ig_intern *sources;
	/* the record read ahead: its user and line */
	char *pend_line;
	size_t pend_cap;
	uint64_t pend_lineno;
	int have_pend;
	/* the current user */
	char *user;
	size_t user_len, user_cap;
	int have_prev;
	ig_eval_rec *recs;
	size_t nrecs, recs_cap;
	uint64_t records;
};

static int cmp_rank(const void *a, const void *b)
{
	const ig_eval_rec *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int cmp_score(const void *a, const void *b)
{
	const ig_eval_rec *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int cmp_line(const void *a, const void *b)
{
	const ig_eval_rec *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

void ig_eval_recs_order(ig_eval_rec *recs, size_t n, int order)
{
	qsort(recs, n, sizeof *recs,
	      order == IG_ORDER_RANK ? cmp_rank : order == IG_ORDER_SCORE ? cmp_score : cmp_line);
}

/* The next data line and its number, from the file or the sorter. */
static int raw_next(ig_eval_recs *r, char **line, uint64_t *lineno)
{
	ssize_t len;

	if (r->sort) {
		const void *rec;
		size_t n;
		const char *p;
		size_t ulen;
		int i;

		if (!ig_extsort_next(r->sort, &rec, &n))
			return 0;
		/* user NUL line(8 bytes, big-endian) text */
		p = memchr(rec, '\0', n);
		ulen = (size_t)(p - (const char *)rec);
		*lineno = 0;
		for (i = 0; i < 8; i++)
			*lineno = (*lineno << 8) | (unsigned char)p[1 + i];
		n -= ulen + 9;
		ig_strcpy_grow(&r->pend_line, &r->pend_cap, p + 9, n);
		*line = r->pend_line;
		return 1;
	}
	for (;;) {
		len = ig_reader_getline(r->r, line);
		if (len < 0)
			return 0;
		if (len > 0 && (*line)[len - 1] == '\r')
			(*line)[--len] = '\0';
		*lineno = (uint64_t)ig_reader_lineno(r->r);
		if (r->headerless && len > 0 && (*line)[0] == '#')
			continue; /* comments in a hand-written list */
		if (len == 0) /* said so, not "not sorted by user ('' after ...)" */
			ig_die_at(r->name, (long)*lineno, "an empty line");
		return 1;
	}
}

static uint64_t parse_sources(ig_eval_recs *r, char *s, uint64_t lineno, int field)
{
	uint64_t mask = 0;
	char *cursor = *s != '\0' ? s : NULL, *tok; /* empty: no sources (ig-formats(5)) */
	int got;

	while ((got = ig_seplist_next(&cursor, ',', &tok)) != 0) {
		uint32_t id;

		if (got < 0)
			ig_die_at(r->name, (long)lineno, "field %d (sources): an empty source name", field);
		id = ig_intern_add(r->sources, tok, strlen(tok));

		if (id >= IG_EVAL_MAX_SOURCES)
			ig_die_at(r->name, (long)lineno, "field %d (sources): more than %d distinct sources",
				  field, IG_EVAL_MAX_SOURCES);
		mask |= (uint64_t)1 << id;
	}
	return mask;
}

/* Parses LINE into a record; returns the user field. */
static char *parse_rec(ig_eval_recs *r, char *line, uint64_t lineno, ig_eval_rec *rec)
{
	char *f[MAX_FIELDS];
	int n = ig_split_tabs(line, f, MAX_FIELDS);
	long ln = (long)lineno;
	if (r->headerless) {
		if (n < 2 || n > 3)
			ig_die_at(r->name, ln, "expected 'user item [score]' (2 or 3 fields), got %d", n);
	} else if (n != r->h.ncols) {
		ig_die_at(r->name, ln, "expected %d fields, got %d", r->h.ncols, n);
	}
	if (!ig_valid_id(f[r->col_user], strlen(f[r->col_user])))
		ig_die_at(r->name, ln, "field %d (user): invalid id '%s'", r->col_user + 1, ig_esc(f[r->col_user]));
	if (!ig_valid_id(f[r->col_item], strlen(f[r->col_item])))
		ig_die_at(r->name, ln, "field %d (item): invalid id '%s'", r->col_item + 1, ig_esc(f[r->col_item]));
	rec->item = ig_intern_add(r->items, f[r->col_item], strlen(f[r->col_item]));
	rec->line = lineno;
	rec->score = 0;
	rec->rank = 0;
	rec->sources = 0;
	if (r->col_score >= 0 && r->col_score < n &&
	    ig_parse_double(f[r->col_score], &rec->score) != 0)
		ig_die_at(r->name, ln, "field %d (score): not a number '%s'", r->col_score + 1,
			  ig_esc(f[r->col_score]));
	if (r->col_rank >= 0 && ig_parse_i64(f[r->col_rank], 0, INT64_MAX, &rec->rank) != 0)
		ig_die_at(r->name, ln, "field %d (rank): not a whole number >= 0 '%s'", r->col_rank + 1,
			  ig_esc(f[r->col_rank]));
	if (r->col_sources >= 0)
		rec->sources = parse_sources(r, f[r->col_sources], lineno, r->col_sources + 1);
	return f[r->col_user];
}

/* User field of LINE without modifying it. */
static const char *peek_user(const ig_eval_recs *r, const char *line, size_t *len)
{
	const char *p = line;
	int i;

	for (i = 0; i < r->col_user; i++) {
		p = strchr(p, '\t');
		if (p == NULL) {
			*len = 0;
			return line;
		}
		p++;
	}
	*len = strcspn(p, "\t");
	return p;
}

ig_eval_recs *ig_eval_recs_open(const char *path, ig_intern *items, int sort, uint64_t memory,
				const char *tmpdir)
{
	ig_eval_recs *r = ig_calloc(1, sizeof *r);
	char *line;
	ssize_t len;

	r->r = ig_reader_open(path);
	ig_reader_set_strict(r->r);
	r->name = ig_reader_name(r->r);
	r->items = items;
	r->sources = ig_intern_new();
	len = ig_reader_getline(r->r, &line);
	if (len >= 0 && strncmp(line, "#ig:", 4) == 0) {
		ig_reader_unget(r->r);
		ig_header_read(r->r, NULL, 0, &r->h);
		int kind = ig_schema_find(r->h.kind);

		if (kind == IG_STREAM_EVENTS || kind == IG_STREAM_ITEMS)
			ig_die_at(r->name, 1, "expected a recommendation stream (candidates, ranked, feed or "
				  "user item [score]), got %s", r->h.kind);
		if ((kind == IG_STREAM_CANDIDATES || kind == IG_STREAM_RANKED || kind == IG_STREAM_FEED) &&
		    r->h.version != ig_schema_of(kind)->version)
			ig_die_at(r->name, 1, "%s stream version %d is not supported (this is version %d)",
				  r->h.kind, r->h.version, ig_schema_of(kind)->version);
		r->col_user = ig_header_need_col(&r->h, r->r, "user");
		r->col_item = ig_header_need_col(&r->h, r->r, "item");
		r->col_score = ig_header_col(&r->h, "score");
		r->col_rank = ig_header_col(&r->h, "rank");
		r->col_sources = ig_header_col(&r->h, "sources");
		if (r->h.ncols > MAX_FIELDS)
			ig_die_at(r->name, 1, "too many columns (%d, at most %d)", r->h.ncols, MAX_FIELDS);
	} else {
		if (len >= 0)
			ig_reader_unget(r->r);
		r->headerless = 1;
		snprintf(r->h.kind, sizeof r->h.kind, "plain");
		r->col_user = 0;
		r->col_item = 1;
		r->col_score = 2;
		r->col_rank = -1;
		r->col_sources = -1;
	}
	r->order = r->col_rank >= 0 ? IG_ORDER_RANK : r->col_score >= 0 ? IG_ORDER_SCORE : IG_ORDER_FILE;
	if (sort) {
		ig_extsort *s = ig_extsort_new(memory, tmpdir);
		char *buf = NULL;
		size_t cap = 0;
		uint64_t ln;

		while (raw_next(r, &line, &ln)) {
			size_t ulen, llen = strlen(line), need;
			const char *u = peek_user(r, line, &ulen);
			int i;

			need = ulen + 9 + llen;
			if (need > cap) {
				cap = need + 256;
				buf = ig_realloc(buf, cap);
			}
			memcpy(buf, u, ulen);
			buf[ulen] = '\0';
			for (i = 0; i < 8; i++)
				buf[ulen + 1 + i] = (char)(ln >> (56 - 8 * i));
			memcpy(buf + ulen + 9, line, llen);
			ig_extsort_add(s, buf, need);
		}
		free(buf);
		ig_extsort_finish(s);
		r->sort = s;
	}
	return r;
}

int ig_eval_recs_next(ig_eval_recs *r, const char **user, size_t *user_len, ig_eval_rec **recs,
		      size_t *n)
{
	char *line;
	uint64_t ln;

	r->nrecs = 0;
	for (;;) {
		ig_eval_rec rec;
		char *u;
		size_t ulen;
		int c;

		if (r->have_pend) {
			line = r->pend_line;
			ln = r->pend_lineno;
			r->have_pend = 0;
		} else if (!raw_next(r, &line, &ln)) {
			break;
		}
		{
			/* Look at the user before parsing, so that a record of
			 * the next user can wait for the next call intact. */
			const char *pu = peek_user(r, line, &ulen);

			if (r->nrecs > 0) {
				c = ig_eval_idcmp(r->user, r->user_len, pu, ulen);
				if (c != 0) {
					if (c > 0)
						ig_die_at(r->name, (long)ln,
							  "recommendations are not sorted by user ('%s' after '%s'); "
							  "use --sort", esc_n(pu, ulen), ig_esc(r->user));
					if (line != r->pend_line)
						ig_strcpy_grow(&r->pend_line, &r->pend_cap, line, strlen(line));
					r->pend_lineno = ln;
					r->have_pend = 1;
					break;
				}
			} else if (r->have_prev) {
				c = ig_eval_idcmp(r->user, r->user_len, pu, ulen);
				if (c >= 0)
					ig_die_at(r->name, (long)ln,
						  "recommendations are not sorted by user ('%s' after '%s'); use --sort",
						  esc_n(pu, ulen), ig_esc(r->user));
			}
		}
		u = parse_rec(r, line, ln, &rec);
		ulen = strlen(u);
		if (r->nrecs == 0) {
			ig_strcpy_grow(&r->user, &r->user_cap, u, ulen);
			r->user_len = ulen;
			r->have_prev = 1;
		}
		if (r->nrecs == r->recs_cap) {
			r->recs_cap = r->recs_cap ? r->recs_cap * 2 : 256;
			r->recs = ig_reallocarray(r->recs, r->recs_cap, sizeof *r->recs);
		}
		r->recs[r->nrecs++] = rec;
		r->records++;
	}
	if (r->nrecs == 0)
		return 0;
	ig_eval_recs_order(r->recs, r->nrecs, r->order);
	*user = r->user;
	*user_len = r->user_len;
	*recs = r->recs;
	*n = r->nrecs;
	return 1;
}

int ig_eval_recs_order_of(const ig_eval_recs *r) { return r->order; }
const ig_header *ig_eval_recs_header(const ig_eval_recs *r) { return &r->h; }
const char *ig_eval_recs_kind(const ig_eval_recs *r) { return r->h.kind; }
int ig_eval_recs_has_sources(const ig_eval_recs *r) { return r->col_sources >= 0; }
int ig_eval_recs_nsources(const ig_eval_recs *r) { return (int)ig_intern_count(r->sources); }
const char *ig_eval_recs_source(const ig_eval_recs *r, int s) { return ig_intern_str(r->sources, (uint32_t)s); }
const ig_intern *ig_eval_recs_sources(const ig_eval_recs *r) { return r->sources; }
uint64_t ig_eval_recs_records(const ig_eval_recs *r) { return r->records; }

void ig_eval_recs_close(ig_eval_recs *r)
{
	if (r == NULL)
		return;
	ig_reader_close(r->r);
	ig_extsort_free(r->sort);
	ig_header_free(&r->h);
	ig_intern_free(r->sources);
	free(r->pend_line);
	free(r->user);
	free(r->recs);
	free(r);
}

