/* ig-diversify's stream: the ranked stream read user by user in batches,
 * joined with the users' events, reranked on the thread pool (each user
 * formats its own rows) and written in input order (io/ig_batch), so that
 * the output does not depend on the threads. */
#include "diversify/ig_diversify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_thread.h"
#include "core/ig_num.h"
#include "io/ig_batch.h"
#include "io/ig_events.h"
#include "io/ig_lists.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"

/* Two batches are held, one read while the other is reranked. */
#define BATCH_USERS 1024
#define BATCH_BYTES (8u << 20)

typedef struct user_rec {
	size_t name, name_len;     /* in the text arena */
	size_t in_start, in_end;   /* candidates */
	size_t ev_start, ev_end;   /* events */
} user_rec;

/* A user's feed rows as text. */
typedef struct out_buf {
	char *p;
	size_t n, cap;
} out_buf;

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
	out_buf *out;          /* per user, kept across batches */
	size_t outcap;
} batch;

/* A thread's scratch. */
typedef struct worker {
	ig_div_scratch *s;
	ig_div_row *rows;
	ig_div_counts counts;
} worker;

typedef struct ranked_in {
	ig_list_reader *r;
	int col_score;
	ig_list_user u;         /* the user read last */
	int have_user;          /* u is the next batch's first user */
	char *prev_user;        /* with events: the last user, for the order */
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
	ri->r = ig_list_open(path, IG_STREAM_RANKED);
	ri->col_score = ig_list_col(ri->r, "score");
}

static void ranked_close(ranked_in *ri)
{
	ig_list_close(ri->r);
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

static void add_candidate(batch *b, const ranked_in *ri, const ig_div_ctx *c, ig_div_job *job,
			  const ig_list_row *row)
{
	const char *score = row->field[ri->col_score];
	ig_div_input *x;
	cand_text *t;

	job->candidates++;
	if (b->nin == b->incap) {
		b->incap = b->incap ? b->incap * 2 : 4096;
		b->in = ig_reallocarray(b->in, b->incap, sizeof *b->in);
		b->txt = ig_reallocarray(b->txt, b->incap, sizeof *b->txt);
	}
	x = &b->in[b->nin];
	x->item = ig_intern_find(c->items->ids, row->item, row->item_len);
	x->vec_only = 0;
	x->score = row->score;
	if (x->item == IG_INTERN_NONE) {
		uint32_t k = c->vec_only ? ig_intern_find(c->vec_only, row->item, row->item_len) : IG_INTERN_NONE;
		x->vec_only = k == IG_INTERN_NONE ? 0 : k + 1;
		job->missing++;
		if (!c->opts.keep_missing) {
			job->missing_dropped++;
			return;
		}
	}
	t = &b->txt[b->nin++];
	t->item = put_text(b, row->item, row->item_len);
	/* the score as it came, not as a double would print it */
	t->score = put_text(b, score, strlen(score));
	t->reason = row->reason[0] ? put_text(b, row->reason, strlen(row->reason)) : 0;
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
	size_t batch_users = job->batch_users ? job->batch_users : BATCH_USERS, k;

	b->nu = b->nin = b->nev = 0;
	b->ntext = 1; /* offset 0 means "none" */
	if (b->textcap == 0) {
		b->textcap = 1 << 16;
		b->text = ig_malloc(b->textcap);
	}
	while (ri->have_user || ig_list_next(ri->r, &ri->u)) {
		const ig_list_user *lu = &ri->u;
		user_rec *u;

		if (b->nu > 0 && (b->nu >= batch_users || b->ntext >= BATCH_BYTES)) {
			ri->have_user = 1; /* still valid: the reader has not moved */
			return 1;
		}
		ri->have_user = 0;
		u = new_user(b, lu->user, lu->user_len);
		if (ei->er) {
			/* the events join walks both streams in bytewise user order */
			if (ri->prev_user && strcmp(lu->user, ri->prev_user) <= 0)
				ig_die_at(ig_list_name(ri->r), lu->n ? lu->row[0].line : 0,
					  "user '%s' after '%s': with --events, users must come in bytewise order",
					  lu->user, ri->prev_user);
			free(ri->prev_user);
			ri->prev_user = ig_strndup(lu->user, lu->user_len);
			join_events(ei, c, b, lu->user, lu->user_len);
			u->ev_end = b->nev;
		}
		for (k = 0; k < lu->n; k++)
			add_candidate(b, ri, c, job, &lu->row[k]);
		u->in_end = b->nin;
	}
	return b->nu > 0;
}

static void out_str(out_buf *w, const char *s, size_t len)
{
	if (w->n + len > w->cap) {
		w->cap = (w->n + len) * 2;
		w->p = ig_realloc(w->p, w->cap);
	}
	memcpy(w->p + w->n, s, len);
	w->n += len;
}

static void write_row(out_buf *w, const ig_div_ctx *c, const batch *b, const user_rec *u, uint32_t rank,
		      const ig_div_row *row)
{
	const cand_text *t = &b->txt[u->in_start + row->input];
	char num[IG_U64_BUF], buf[IG_DOUBLE_BUF + 2];
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
	buf[0] = '\t';
	len = 1 + ig_format_double(buf + 1, row->propensity, 6);
	buf[len++] = '\n';
	out_str(w, buf, len);
}

/* The whole run: what the batch callbacks share. */
typedef struct div_run {
	const ig_div_ctx *c;
	ig_div_job *job;
	ranked_in ri;
	events_in ei;
	worker *ws;            /* per thread */
	ig_writer *out;
	uint64_t users;        /* written */
} div_run;

static size_t read_users(void *arg, void *bp)
{
	div_run *r = arg;
	batch *b = bp;

	if (!read_batch(&r->ri, &r->ei, r->c, b, r->job))
		return 0;
	if (b->nu > b->outcap) {
		b->out = ig_reallocarray(b->out, b->nu, sizeof *b->out);
		memset(b->out + b->outcap, 0, (b->nu - b->outcap) * sizeof *b->out);
		b->outcap = b->nu;
	}
	return b->nu;
}

static void rerank_user(void *arg, void *bp, size_t i, int tid)
{
	div_run *r = arg;
	batch *b = bp;
	worker *w = &r->ws[tid];
	user_rec *u = &b->u[i];
	out_buf *o = &b->out[i];
	ig_div_fact *facts;
	int64_t now;
	size_t nf = ig_div_user_facts(r->c, b->ev + u->ev_start, u->ev_end - u->ev_start, &facts, &now);
	size_t k, nrows;
	ig_rng rng;

	ig_div_user_rng(&rng, r->c->opts.seed, b->text + u->name, u->name_len);
	nrows = ig_div_select(r->c, b->in + u->in_start, u->in_end - u->in_start, facts, nf, now, &rng, w->s,
			      w->rows, &w->counts);
	free(facts);
	o->n = 0;
	for (k = 0; k < nrows; k++)
		write_row(o, r->c, b, u, (uint32_t)k + 1, &w->rows[k]);
}

static void write_users(void *arg, void *bp, size_t n)
{
	div_run *r = arg;
	batch *b = bp;
	size_t i;

	for (i = 0; i < n; i++)
		if (b->out[i].n > 0)
			ig_writer_write(r->out, b->out[i].p, b->out[i].n);
	r->users += n;
	if (r->job->progress)
		r->job->progress(r->users);
}

static void batch_free(batch *b)
{
	size_t i;

	for (i = 0; i < b->outcap; i++)
		free(b->out[i].p);
	free(b->out);
	free(b->u);
	free(b->in);
	free(b->txt);
	free(b->ev);
	free(b->text);
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
	static const ig_batch_ops ops = {read_users, rerank_user, write_users};
	int nw = job->threads > 0 ? job->threads : 1, i;
	ig_pool *pool = ig_pool_new(nw);
	batch b[2];
	div_run r;

	memset(b, 0, sizeof b);
	memset(&r, 0, sizeof r);
	r.c = c;
	r.job = job;
	r.out = out;
	ranked_open(&r.ri, job->ranked_path);
	if (job->events_path) {
		r.ei.er = ig_events_open(job->events_path);
		r.ei.have = ig_events_next(r.ei.er, &r.ei.ev);
	}
	ig_schema_write_header(out, IG_STREAM_FEED, NULL, 0, ig_list_header(r.ri.r));
	r.ws = ig_calloc((size_t)nw, sizeof *r.ws);
	for (i = 0; i < nw; i++) {
		r.ws[i].s = ig_div_scratch_new();
		r.ws[i].rows = ig_malloc(((size_t)c->opts.length + 1) * sizeof *r.ws[i].rows);
	}
	ig_batch_run(pool, &ops, &r, &b[0], &b[1]);
	for (i = 0; i < nw; i++) {
		add_counts(&job->counts, &r.ws[i].counts);
		ig_div_scratch_free(r.ws[i].s);
		free(r.ws[i].rows);
	}
	free(r.ws);
	ig_pool_free(pool);
	if (r.ei.er)
		ig_events_close(r.ei.er);
	ranked_close(&r.ri);
	batch_free(&b[0]);
	batch_free(&b[1]);
}
