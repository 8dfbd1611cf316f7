/* ig-diversify's stream: the ranked stream read user by user in batches,
 * joined with the users' events, reranked on the thread pool (each share
 * of a batch formats its own rows), and written in input order, so that
 * the output does not depend on the threads. */
#include "diversify/ig_diversify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_thread.h"
#include "core/ig_num.h"
#include "io/ig_events.h"
#include "io/ig_reader.h"
#include "io/ig_tsv.h"

#define BATCH_USERS 2048
#define BATCH_BYTES (16u << 20)

typedef struct user_rec {
	size_t name, name_len;     /* in the text arena */
	size_t in_start, in_end;   /* candidates */
	size_t ev_start, ev_end;   /* events */
	size_t out_start, out_len; /* in the worker's output */
	int worker;
} user_rec;

typedef struct cand_text {
	size_t item, score, reason; /* offsets in the text arena; reason 0: none */
} cand_text;

typedef struct batch {
	user_rec *u;
	size_t nu, ucap;
	ig_div_input *in;
	cand_text *txt;
	size_t nin, incap;
	ig_div_event *ev;
	size_t nev, evcap;
	char *text;
	size_t ntext, textcap;
} batch;

typedef struct worker {
	const ig_div_ctx *c;
	const batch *b;
	int id, nworkers;
	ig_div_scratch *s;
	ig_div_row *rows;
	char *out;
	size_t nout, outcap;
	ig_div_counts counts;
} worker;

typedef struct ranked_in {
	ig_reader *r;
	ig_header h;
	int col_user, col_item, col_score, col_reason;
	char **f;
	char *prev_user;
	int have_line;          /* ri->f holds the next batch's first line */
	long line_no;
} ranked_in;

typedef struct events_in {
	ig_events_reader *er;
	ig_event ev;
	int have;
} events_in;

static size_t put_text(batch *b, const char *s, size_t len)
{
	size_t at = b->ntext;

	if (b->ntext + len + 1 > b->textcap) {
		b->textcap = (b->ntext + len + 1) * 2;
		b->text = ig_realloc(b->text, b->textcap);
	}
	memcpy(b->text + at, s, len);
	b->text[at + len] = '\0';
	b->ntext += len + 1;
	return at;
}

static void ranked_open(ranked_in *ri, const char *path)
{
	memset(ri, 0, sizeof *ri);
	ri->r = ig_reader_open(path);
	ig_header_read(ri->r, IG_RANKED_KIND, IG_RANKED_VERSION, &ri->h);
	ri->col_user = ig_header_need_col(&ri->h, ri->r, "user");
	ri->col_item = ig_header_need_col(&ri->h, ri->r, "item");
	ri->col_score = ig_header_need_col(&ri->h, ri->r, "score");
	ri->col_reason = ig_header_col(&ri->h, "reason");
	ri->f = ig_malloc((size_t)ri->h.ncols * sizeof *ri->f);
}

static void ranked_close(ranked_in *ri)
{
	ig_header_free(&ri->h);
	ig_reader_close(ri->r);
	free(ri->f);
	free(ri->prev_user);
}

/* The events of USER into B, skipping those of users without a list. */
static void join_events(events_in *ei, const ig_div_ctx *c, batch *b, const char *user, size_t len)
{
	while (ei->have) {
		int cmp = strcmp(ei->ev.user, user);
		if (cmp > 0)
			break;
		if (cmp == 0) {
			ig_div_event *e;
			if (b->nev == b->evcap) {
				b->evcap = b->evcap ? b->evcap * 2 : 4096;
				b->ev = ig_reallocarray(b->ev, b->evcap, sizeof *b->ev);
			}
			e = &b->ev[b->nev++];
			e->ts = ei->ev.ts;
			e->type = ei->ev.type;
			e->item = ig_intern_find(c->items->ids, ei->ev.item, ei->ev.item_len);
		}
		ei->have = ig_events_next(ei->er, &ei->ev);
	}
	(void)len;
}

static void add_candidate(batch *b, const ranked_in *ri, const ig_div_ctx *c, ig_div_job *job, long ln)
{
	const char *name = ig_reader_name(ri->r);
	char **f = ri->f;
	const char *item = f[ri->col_item];
	size_t ilen = strlen(item);
	ig_div_input *x;
	cand_text *t;
	double score;

	if (!ig_valid_id(item, ilen))
		ig_die_at(name, ln, "field %d (item): invalid id '%s'", ri->col_item + 1, item);
	if (ig_parse_double(f[ri->col_score], &score) != 0)
		ig_die_at(name, ln, "field %d (score): bad number '%s'", ri->col_score + 1, f[ri->col_score]);
	job->candidates++;
	if (b->nin == b->incap) {
		b->incap = b->incap ? b->incap * 2 : 4096;
		b->in = ig_reallocarray(b->in, b->incap, sizeof *b->in);
		b->txt = ig_reallocarray(b->txt, b->incap, sizeof *b->txt);
	}
	x = &b->in[b->nin];
	x->item = ig_intern_find(c->items->ids, item, ilen);
	x->score = score;
	if (x->item == IG_INTERN_NONE) {
		job->missing++;
		if (!c->opts.keep_missing) {
			job->missing_dropped++;
			return;
		}
	}
	t = &b->txt[b->nin++];
	t->item = put_text(b, item, ilen);
	t->score = put_text(b, f[ri->col_score], strlen(f[ri->col_score]));
	t->reason = 0;
	if (ri->col_reason >= 0 && f[ri->col_reason][0] != '\0')
		t->reason = put_text(b, f[ri->col_reason], strlen(f[ri->col_reason]));
}

static user_rec *new_user(batch *b, const char *user, size_t len)
{
	user_rec *u;

	if (b->nu == b->ucap) {
		b->ucap = b->ucap ? b->ucap * 2 : 256;
		b->u = ig_reallocarray(b->u, b->ucap, sizeof *b->u);
	}
	u = &b->u[b->nu++];
	memset(u, 0, sizeof *u);
	u->name = put_text(b, user, len);
	u->name_len = len;
	u->in_start = u->in_end = b->nin;
	u->ev_start = u->ev_end = b->nev;
	return u;
}

/* Reads whole users into B until it is full; returns 0 at the end. */
static int read_batch(ranked_in *ri, events_in *ei, const ig_div_ctx *c, batch *b, ig_div_job *job)
{
	size_t batch_users = job->batch_users ? job->batch_users : BATCH_USERS;
	const char *name = ig_reader_name(ri->r);
	user_rec *u = NULL;
	char *line;

	b->nu = b->nin = b->nev = 0;
	b->ntext = 1; /* offset 0 means "none" */
	if (b->textcap == 0) {
		b->textcap = 1 << 16;
		b->text = ig_malloc(b->textcap);
	}
	for (;;) {
		long ln;
		const char *user;
		size_t len;

		if (ri->have_line) {
			/* the first line of this batch, split by the last call */
			ri->have_line = 0;
			ln = ri->line_no;
		} else {
			int n;
			if (ig_reader_getline(ri->r, &line) < 0)
				break;
			ln = ig_reader_lineno(ri->r);
			n = ig_split_tabs(line, ri->f, ri->h.ncols);
			if (n != ri->h.ncols)
				ig_die_at(name, ln, "expected %d fields, got %d", ri->h.ncols, n);
		}
		user = ri->f[ri->col_user];
		len = strlen(user);
		if (u == NULL || len != u->name_len || memcmp(user, b->text + u->name, len) != 0) {
			if (!ig_valid_id(user, len))
				ig_die_at(name, ln, "field %d (user): invalid id '%s'", ri->col_user + 1, user);
			if (ri->prev_user && strcmp(user, ri->prev_user) <= 0)
				ig_die_at(name, ln, "user '%s' after '%s': the ranked stream must be grouped by user, "
					  "users in bytewise order", user, ri->prev_user);
			if (u != NULL && (b->nu >= batch_users || b->ntext >= BATCH_BYTES)) {
				ri->have_line = 1;
				ri->line_no = ln;
				return 1;
			}
			free(ri->prev_user);
			ri->prev_user = ig_strndup(user, len);
			u = new_user(b, user, len);
			if (ei->er)
				join_events(ei, c, b, user, len);
			u->ev_end = b->nev;
		}
		add_candidate(b, ri, c, job, ln);
		u->in_end = b->nin;
	}
	return b->nu > 0;
}

static void out_reserve(worker *w, size_t more)
{
	if (w->nout + more > w->outcap) {
		w->outcap = (w->nout + more) * 2;
		w->out = ig_realloc(w->out, w->outcap);
	}
}

static void out_str(worker *w, const char *s, size_t len)
{
	out_reserve(w, len);
	memcpy(w->out + w->nout, s, len);
	w->nout += len;
}

static void write_row(worker *w, const user_rec *u, uint32_t rank, const ig_div_row *row)
{
	const batch *b = w->b;
	const ig_div_ctx *c = w->c;
	const cand_text *t = &b->txt[u->in_start + row->input];
	char num[IG_U64_BUF], buf[64];
	const char *p;
	size_t len;
	int i;

	out_str(w, b->text + u->name, u->name_len);
	out_str(w, "\t", 1);
	p = ig_format_u64(rank, num, &len);
	out_str(w, p, len);
	out_str(w, "\t", 1);
	p = b->text + t->item;
	out_str(w, p, strlen(p));
	out_str(w, "\t", 1);
	p = b->text + t->score;
	out_str(w, p, strlen(p));
	out_str(w, "\t", 1);
	if (row->explore == IG_DIV_FRESH) {
		out_str(w, "explore:fresh", 13);
	} else if (row->explore != IG_INTERN_NONE) {
		out_str(w, "explore:", 8);
		out_str(w, ig_intern_str(c->items->topics, row->explore), ig_intern_len(c->items->topics, row->explore));
	} else if (t->reason) {
		p = b->text + t->reason;
		out_str(w, p, strlen(p));
	} else {
		out_str(w, "-", 1);
	}
	for (i = 0; i < IG_RULE_COUNT; i++) {
		if (row->rules & (1u << i)) {
			p = ig_div_rule_name(i, c->opts.method);
			out_str(w, ";", 1);
			out_str(w, p, strlen(p));
		}
	}
	len = (size_t)snprintf(buf, sizeof buf, "\t%.6g\n", row->propensity);
	out_str(w, buf, len);
}

static void work(void *arg, size_t share, int tid)
{
	worker *w = (worker *)arg + share;
	const batch *b = w->b;
	size_t i;

	w->nout = 0;
	for (i = (size_t)w->id; i < b->nu; i += (size_t)w->nworkers) {
		user_rec *u = &b->u[i];
		ig_div_fact *facts;
		int64_t now;
		size_t nf = ig_div_user_facts(w->c, b->ev + u->ev_start, u->ev_end - u->ev_start, &facts, &now);
		size_t k, nrows;
		ig_rng rng;

		ig_div_user_rng(&rng, w->c->opts.seed, b->text + u->name, u->name_len);
		nrows = ig_div_select(w->c, b->in + u->in_start, u->in_end - u->in_start, facts, nf, now, &rng, w->s,
				      w->rows, &w->counts);
		free(facts);
		u->worker = w->id;
		u->out_start = w->nout;
		for (k = 0; k < nrows; k++)
			write_row(w, u, (uint32_t)k + 1, &w->rows[k]);
		u->out_len = w->nout - u->out_start;
	}
	(void)tid;
}

static void add_counts(ig_div_counts *to, const ig_div_counts *from)
{
	to->users += from->users;
	to->rows += from->rows;
	to->short_feeds += from->short_feeds;
	to->banned += from->banned;
	to->explored += from->explored;
	to->relaxed += from->relaxed;
}

void ig_div_run(ig_div_job *job, const ig_div_ctx *c, ig_writer *out)
{
	int nw = job->threads > 0 ? job->threads : 1, i;
	worker *ws = ig_calloc((size_t)nw, sizeof *ws);
	ig_pool *pool = ig_pool_new(nw);
	batch b;
	ranked_in ri;
	events_in ei;
	size_t k;

	memset(&b, 0, sizeof b);
	memset(&ei, 0, sizeof ei);
	ranked_open(&ri, job->ranked_path);
	if (job->events_path) {
		ei.er = ig_events_open(job->events_path);
		ei.have = ig_events_next(ei.er, &ei.ev);
	}
	ig_header_write(out, IG_FEED_KIND, IG_FEED_VERSION, ig_feed_cols, 6, &ri.h);
	for (i = 0; i < nw; i++) {
		ws[i].c = c;
		ws[i].b = &b;
		ws[i].id = i;
		ws[i].nworkers = nw;
		ws[i].s = ig_div_scratch_new();
		ws[i].rows = ig_malloc(((size_t)c->opts.length + 1) * sizeof *ws[i].rows);
	}
	while (read_batch(&ri, &ei, c, &b, job)) {
		ig_pool_for(pool, (size_t)nw, work, ws);
		for (k = 0; k < b.nu; k++)
			ig_writer_write(out, ws[b.u[k].worker].out + b.u[k].out_start, b.u[k].out_len);
		if (job->progress) {
			uint64_t users = 0;
			for (i = 0; i < nw; i++)
				users += ws[i].counts.users;
			job->progress(users);
		}
	}
	for (i = 0; i < nw; i++) {
		add_counts(&job->counts, &ws[i].counts);
		ig_div_scratch_free(ws[i].s);
		free(ws[i].rows);
		free(ws[i].out);
	}
	free(ws);
	ig_pool_free(pool);
	if (ei.er)
		ig_events_close(ei.er);
	ranked_close(&ri);
	free(b.u);
	free(b.in);
	free(b.txt);
	free(b.ev);
	free(b.text);
}
