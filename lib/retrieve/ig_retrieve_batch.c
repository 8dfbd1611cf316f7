/* The batch run: users streamed from the events (and follows) in order,
 * retrieved in batches on the thread pool, written in order (io/ig_batch),
 * so that the output does not depend on the number of threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "core/ig_thread.h"
#include "io/ig_batch.h"
#include "io/ig_events.h"
#include "io/ig_follows.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"
#include "retrieve/ig_retrieve.h"

#define BATCH 512

/* Output formatting. */
/* %.6g of a float, the same bytes as ig_vectors_format_float, through a
 * cache of the floats formatted last by this thread: a run's scores
 * recur (popularity's, trending's and a cluster's lists are the same
 * for many users, and so are the rank mix's sums), and a lookup costs a
 * fraction of the formatting. A float takes at most 12 bytes ("-1.23457e-38"). */
#define FCACHE_BITS 11
#define FCACHE_MAX 15

typedef struct fcache_ent {
	uint32_t bits;
	uint8_t len;            /* 0: empty */
	char s[FCACHE_MAX];
} fcache_ent;

static _Thread_local fcache_ent fcache[1u << FCACHE_BITS];

static size_t format_score(char *out, float f)
{
	uint32_t bits;
	fcache_ent *e;
	char t[IG_DOUBLE_BUF];
	size_t n;

	memcpy(&bits, &f, sizeof bits);
	e = &fcache[(uint32_t)(bits * UINT32_C(0x9E3779B1)) >> (32 - FCACHE_BITS)];
	if (e->len && e->bits == bits) {
		memcpy(out, e->s, FCACHE_MAX);
		return e->len;
	}
	n = ig_vectors_format_float(t, f, 6);
	if (n <= FCACHE_MAX) {
		e->bits = bits;
		e->len = (uint8_t)n;
		memcpy(e->s, t, n);
	}
	memcpy(out, t, n);
	return n;
}

const char *ig_rseed_name(const ig_rdata *d, uint64_t seed, char *buf, size_t size, size_t *len)
{
	uint32_t id = (uint32_t)seed;
	const ig_intern *t = NULL;

	switch (seed & ~UINT64_C(0xffffffff)) {
	case IG_RSEED_ITEM:
		t = d->items;
		break;
	case IG_RSEED_ACCOUNT:
		t = d->accounts;
		break;
	case IG_RSEED_TOPIC:
		t = d->topics;
		break;
	case IG_RSEED_USER:
		t = d->users;
		break;
	case IG_RSEED_GLOBAL:
		*len = (size_t)snprintf(buf, size, "global");
		return buf;
	case IG_RSEED_CLUSTER:
		if (size >= 7 + IG_U64_BUF + 1) { /* "cluster%u" without printf */
			memcpy(buf, "cluster", 7);
			*len = 7 + ig_put_u64(buf + 7, id);
			buf[*len] = '\0';
			return buf;
		}
		*len = (size_t)snprintf(buf, size, "cluster%u", id);
		return buf;
	default:
		*len = 0;
		return NULL;
	}
	*len = ig_intern_len(t, id);
	return ig_intern_str(t, id);
}

/* N bytes of S to P, which has room: short copies in fixed-size pieces,
 * which the compiler does inline (ids and names are a few bytes; a call
 * to memcpy per field cost more than the copy). */
static inline char *put(char *p, const char *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		memcpy(p, s, 8);
		memcpy(p + n - 8, s + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(p, s, 4);
		memcpy(p + n - 4, s + n - 4, 4);
	} else if (n > 16) {
		memcpy(p, s, n);
	} else {
		size_t i;

		for (i = 0; i < n; i++)
			p[i] = s[i];
	}
	return p + n;
}

void ig_rlist_format(const ig_rdata *d, const ig_rspec *spec, const ig_ruser *u, const ig_rlist *l, char **buf,
		     size_t *len, size_t *cap)
{
	size_t names = 0, nlen[IG_RSPEC_MAX_SOURCES];
	uint32_t i;
	int s;

	for (s = 0; s < spec->nsources; s++)
		names += nlen[s] = strlen(spec->src[s].name);
	/* The items' strings lie anywhere: asked for all at once, so that
	 * their cache misses overlap (one at a time, each line waits for its
	 * own). */
	for (i = 0; i < l->n; i++) {
		(void)ig_intern_len(d->items, l->c[i].item);
		__builtin_prefetch(ig_intern_str(d->items, l->c[i].item));
		if ((l->c[i].seed & ~UINT64_C(0xffffffff)) == IG_RSEED_ITEM)
			__builtin_prefetch(ig_intern_str(d->items, (uint32_t)l->c[i].seed));
	}
	for (i = 0; i < l->n; i++) {
		const ig_rcand *c = &l->c[i];
		const float *row = l->scores + (size_t)c->row * l->nsrc;
		const char *seed, *item = ig_intern_str(d->items, c->item);
		size_t il = ig_intern_len(d->items, c->item), sl, need;
		char sb[32], *p;
		int first = 1;

		seed = ig_rseed_name(d, c->seed, sb, sizeof sb, &sl);
		/* the line's most: ids, every name twice, a score a column,
		 * the separators */
		need = u->len + il + 2 * names + sl + (size_t)(spec->nsources + 1) * (IG_DOUBLE_BUF + 2) + 8;
		if (*len + need > *cap) {
			*cap = (*len + need) * 2;
			*buf = ig_realloc(*buf, *cap);
		}
		p = *buf + *len;
		p = put(p, u->id, u->len);
		*p++ = '\t';
		p = put(p, item, il);
		*p++ = '\t';
		for (s = 0; s < spec->nsources; s++)
			if (c->sources & (UINT32_C(1) << s)) {
				if (!first)
					*p++ = ',';
				p = put(p, spec->src[s].name, nlen[s]);
				first = 0;
			}
		*p++ = '\t';
		p += format_score(p, c->score);
		*p++ = '\t';
		if (seed) {
			p = put(p, spec->src[c->reason].name, nlen[c->reason]);
			*p++ = ':';
			p = put(p, seed, sl);
		} else {
			*p++ = '-';
		}
		for (s = 0; s < spec->nsources; s++) {
			float x = row[s];

			*p++ = '\t';
			if (x == x)
				p += format_score(p, x);
		}
		*p++ = '\n';
		*len = (size_t)(p - *buf);
	}
}

void ig_candidates_header(ig_writer *w, const ig_rspec *spec, const ig_header *upstream)
{
	const char *cols[IG_RSPEC_MAX_SOURCES];
	char names[IG_RSPEC_MAX_SOURCES][IG_RSPEC_MAX_NAME + 2];
	int i;

	for (i = 0; i < spec->nsources; i++) {
		snprintf(names[i], sizeof names[i], "s_%s", spec->src[i].name);
		cols[i] = names[i];
	}
	ig_schema_write_header(w, IG_STREAM_CANDIDATES, cols, spec->nsources, upstream);
}

/* Users to serve, sorted bytewise: a list of ids, one a line, or any
 * stream with a user column. Only the shard's are kept, and a line
 * repeating the user before it is not kept again: an events stream of
 * any size given as the list holds its shard's distinct users, not a
 * string per event. */
typedef struct user_list {
	char **id;
	size_t n, pos;
} user_list;

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void users_load(user_list *ul, const char *path, uint32_t shard, uint32_t nshards)
{
	ig_reader *r = ig_reader_open(path);
	char *line, *f[64];
	ssize_t len;
	size_t cap = 0, i, k = 0;
	int col = 0, plain = 0;

	memset(ul, 0, sizeof *ul);
	len = ig_reader_getline(r, &line);
	if (len >= 0 && strncmp(line, "#ig:", 4) == 0) {
		ig_header h;

		ig_reader_unget(r);
		ig_header_read(r, NULL, 0, &h);
		col = ig_header_need_col(&h, r, "user");
		ig_header_free(&h);
	} else if (len >= 0) {
		ig_reader_unget(r);
		plain = 1;
	}
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		int nf;
		size_t ulen;

		/* A list of ids is often made by hand (a spreadsheet, an editor
		 * on Windows): a UTF-8 byte-order mark before the first id, CRLF
		 * line ends, blank lines and '#' comments are not ids (they
		 * made the first user a new one, or a comment a user, or
		 * stopped the run after the training). A stream keeps its
		 * strict form. */
		if (plain) {
			if (ig_reader_lineno(r) == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
				line += 3;
				len -= 3;
				if (strncmp(line, "#ig:", 4) == 0)
					ig_die_at(ig_reader_name(r), 1,
						  "a byte-order mark before the stream header (a stream has none)");
			}
			if (len > 0 && line[len - 1] == '\r')
				line[--len] = '\0';
			if (len == 0 || line[0] == '#')
				continue;
		}
		nf = ig_split_tabs(line, f, 64);

		if (nf <= col)
			ig_die_at(ig_reader_name(r), ig_reader_lineno(r), "expected a user id in field %d, got %d fields",
				  col + 1, nf);
		if (!ig_valid_id(f[col], ulen = strlen(f[col])))
			ig_die_at(ig_reader_name(r), ig_reader_lineno(r), "expected a user id, got '%s'", ig_esc(f[col]));
		if ((ul->n && strcmp(ul->id[ul->n - 1], f[col]) == 0) ||
		    (nshards > 1 && ig_shard_of(f[col], ulen, nshards) != shard))
			continue;
		if (ul->n == cap) {
			cap = cap ? cap * 2 : 1024;
			ul->id = ig_reallocarray(ul->id, cap, sizeof *ul->id);
		}
		ul->id[ul->n++] = ig_strdup(f[col]);
	}
	ig_reader_close(r);
	if (ul->n > 1) /* an empty list has no array: qsort wants one */
		qsort(ul->id, ul->n, sizeof *ul->id, str_cmp);
	for (i = 0; i < ul->n; i++) {
		if (k && strcmp(ul->id[k - 1], ul->id[i]) == 0) {
			free(ul->id[i]);
			continue;
		}
		ul->id[k++] = ul->id[i];
	}
	ul->n = k;
}

/* The follows stream, read alongside the events: sorted by user, as
 * the events are. */
typedef struct follows_reader {
	ig_follows_reader *r;
	ig_follows_row row;
	int has;
	char prev[IG_MAX_ID_LEN + 1];
	uint64_t lines;
} follows_reader;

static void follows_next(follows_reader *fr)
{
	fr->has = ig_follows_next(fr->r, &fr->row);
	if (!fr->has)
		return;
	if (strcmp(fr->row.user, fr->prev) < 0)
		ig_die_at(ig_follows_name(fr->r), fr->row.line,
			  "user '%s' after '%s': follows must be sorted by user", fr->row.user, fr->prev);
	memcpy(fr->prev, fr->row.user, fr->row.user_len + 1);
	fr->lines++;
}

/* One user of a batch, with storage reused across batches. */
typedef struct slot {
	ig_ruser u;
	char id[IG_MAX_ID_LEN + 1];
	size_t evcap, fcap;
	char *out;
	size_t outlen, outcap;
	uint32_t ncand;
	int cold;
} slot;

/* The whole run: what the batch callbacks share. */
typedef struct run {
	ig_rdata *d;
	const ig_rspec *spec;
	const ig_rbatch_opts *bo;
	ig_rbatch_stats *st;
	ig_writer *w;
	ig_pool *threads;
	ig_rwork **work;       /* per thread */
	ig_rlist *lists;
	double *seconds;       /* per thread: CPU of serving */
	ig_events_reader *er;
	ig_event ev;
	int has_ev;
	follows_reader fr;
	user_list ul;
	slot *slots;           /* the batch */
	uint32_t n;
} run;

static void serve(void *arg, void *batch, size_t i, int tid)
{
	run *p = arg;
	slot *s = &p->slots[i];
	double t0 = ig_thread_cpu();

	(void)batch;
	ig_retrieve_user(p->d, p->spec, p->d->opt.total, &s->u, p->work[tid], &p->lists[tid]);
	s->outlen = 0;
	ig_rlist_format(p->d, p->spec, &s->u, &p->lists[tid], &s->out, &s->outlen, &s->outcap);
	s->ncand = p->lists[tid].n;
	s->cold = p->lists[tid].cold;
	p->seconds[tid] += ig_thread_cpu() - t0;
}

static void write_users(void *arg, void *batch, size_t n)
{
	run *p = arg;
	ig_rbatch_stats *st = p->st;
	size_t i;

	(void)batch;
	for (i = 0; i < n; i++) {
		slot *s = &p->slots[i];

		if (s->outlen)
			ig_writer_write(p->w, s->out, s->outlen);
		st->candidates += s->ncand;
		st->users_none += s->ncand == 0;
		st->users_cold += s->cold != 0;
	}
	st->users += n;
	if (p->bo->progress)
		p->bo->progress(st->users, st->candidates);
}

static int id_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : al < bl ? -1 : al > bl;
}

/* The item knn steps of a spec mostly share one count: its lists are kept. */
static void cache_knn(ig_rdata *d, const ig_rspec *spec)
{
	int s, i;

	for (s = 0; s < spec->nsources; s++)
		for (i = 0; i < spec->src[s].nsteps; i++) {
			const ig_rstep *st = &spec->src[s].steps[i];

			if (st->op == IG_ROP_KNN && st->mode != IG_RMODE_USER && !ig_rsource_missing(d, &spec->src[s])) {
				ig_rdata_cache_knn(d, st->count);
				return;
			}
		}
}

/* The next user: from the list, else the least of events and follows;
 * NULL at the end. */
static const char *next_user(run *p, size_t *ulen)
{
	const char *uid = NULL;

	if (p->bo->users) {
		if (p->ul.pos == p->ul.n)
			return NULL;
		*ulen = strlen(p->ul.id[p->ul.pos]);
		return p->ul.id[p->ul.pos];
	}
	if (p->has_ev)
		uid = p->ev.user, *ulen = p->ev.user_len;
	if (p->fr.has && (!uid || id_cmp(p->fr.row.user, p->fr.row.user_len, uid, *ulen) < 0))
		uid = p->fr.row.user, *ulen = p->fr.row.user_len;
	return uid;
}

/* Reads the next BATCH users of the shard into the slots. Items are
 * interned here, so no user is served meanwhile (one batch object). */
static size_t read_users(void *arg, void *batch)
{
	run *p = arg;
	ig_rdata *d = p->d;
	const ig_rbatch_opts *bo = p->bo;
	ig_rbatch_stats *st = p->st;
	follows_reader *fr = &p->fr;
	int t;

	(void)batch;
	p->n = 0;
	while (p->n < BATCH) {
		size_t ulen = 0;
		const char *uid = next_user(p, &ulen);
		slot *s;
		int in_shard;

		if (!uid)
			break;
		s = &p->slots[p->n];
		memcpy(s->id, uid, ulen);
		s->id[ulen] = '\0';
		s->u.id = s->id;
		s->u.len = ulen;
		s->u.nev = 0;
		s->u.nfollows = 0;
		in_shard = bo->nshards <= 1 || ig_shard_of(s->id, ulen, bo->nshards) == bo->shard;
		/* events: skip users before this one, take this one's */
		while (p->has_ev && id_cmp(p->ev.user, p->ev.user_len, s->id, ulen) < 0) {
			st->events++;
			p->has_ev = ig_events_next(p->er, &p->ev);
		}
		while (p->has_ev && id_cmp(p->ev.user, p->ev.user_len, s->id, ulen) == 0) {
			st->events++;
			if (in_shard && (d->opt.at < 0 || p->ev.ts < d->opt.at)) {
				if (s->u.nev == s->evcap) {
					s->evcap = s->evcap ? s->evcap * 2 : 64;
					s->u.ev = ig_reallocarray(s->u.ev, s->evcap, sizeof *s->u.ev);
				}
				s->u.ev[s->u.nev].ts = p->ev.ts;
				s->u.ev[s->u.nev].type = (uint8_t)p->ev.type;
				s->u.ev[s->u.nev].item = ig_intern_add(d->items, p->ev.item, p->ev.item_len);
				s->u.nev++;
			}
			p->has_ev = ig_events_next(p->er, &p->ev);
		}
		while (fr->has && id_cmp(fr->row.user, fr->row.user_len, s->id, ulen) < 0)
			follows_next(fr);
		while (fr->has && strcmp(fr->row.user, s->id) == 0) {
			if (in_shard && (d->opt.at < 0 || fr->row.ts < d->opt.at)) {
				uint32_t a = d->catalog ? ig_intern_find(d->accounts, fr->row.author, fr->row.author_len)
							: ig_intern_add(d->accounts, fr->row.author, fr->row.author_len);

				if (a == IG_INTERN_NONE) {
					if (d->opt.strict)
						ig_die_at(ig_follows_name(fr->r), fr->row.line,
							  "account '%s' is not an author in the items stream", fr->row.author);
					d->stats.unknown_follows++;
				} else {
					if (s->u.nfollows == s->fcap) {
						s->fcap = s->fcap ? s->fcap * 2 : 64;
						s->u.follows = ig_reallocarray(s->u.follows, s->fcap, sizeof *s->u.follows);
					}
					s->u.follows[s->u.nfollows++] = a;
				}
			}
			follows_next(fr);
		}
		if (bo->users)
			p->ul.pos++;
		if (!in_shard)
			continue;
		s->u.now = d->opt.at >= 0 ? d->opt.at : s->u.nev ? s->u.ev[s->u.nev - 1].ts
						       : d->now >= 0 ? d->now : IG_TS_MAX;
		p->n++;
	}
	for (t = 0; t < ig_pool_threads(p->threads); t++)
		ig_rwork_fit(p->work[t], d);
	return p->n;
}

void ig_retrieve_batch(ig_rdata *d, const ig_rspec *spec, const ig_rbatch_opts *bo, ig_writer *w,
		       ig_rbatch_stats *st)
{
	static const ig_batch_ops ops = {read_users, serve, write_users};
	int t, nt = bo->threads < 1 ? 1 : bo->threads;
	run p;
	uint32_t i;

	memset(st, 0, sizeof *st);
	cache_knn(d, spec);
	memset(&p, 0, sizeof p);
	p.d = d;
	p.spec = spec;
	p.bo = bo;
	p.st = st;
	p.w = w;
	p.er = ig_events_open(bo->events);
	p.slots = ig_calloc(BATCH, sizeof *p.slots);
	p.work = ig_calloc((size_t)nt, sizeof *p.work);
	p.lists = ig_calloc((size_t)nt, sizeof *p.lists);
	p.seconds = ig_calloc((size_t)nt, sizeof *p.seconds);
	p.threads = ig_pool_new(nt);
	for (t = 0; t < nt; t++)
		p.work[t] = ig_rwork_new();
	if (bo->follows) {
		p.fr.r = ig_follows_open(bo->follows);
		follows_next(&p.fr);
	}
	if (bo->users)
		users_load(&p.ul, bo->users, bo->shard, bo->nshards);
	st->users_listed = p.ul.n;
	ig_candidates_header(w, spec, ig_events_header(p.er));
	ig_rdata_rank_items(d);
	p.has_ev = ig_events_next(p.er, &p.ev);
	/* one batch object: reading interns items the workers look up */
	ig_batch_run(p.threads, &ops, &p, p.slots, NULL);
	while (p.has_ev) {
		st->events++;
		p.has_ev = ig_events_next(p.er, &p.ev);
	}
	st->follows = p.fr.lines;
	ig_events_close(p.er);
	ig_follows_close(p.fr.r);
	for (i = 0; i < BATCH; i++) {
		free(p.slots[i].u.ev);
		free(p.slots[i].u.follows);
		free(p.slots[i].out);
	}
	for (t = 0; t < nt; t++) {
		st->seconds_serving += p.seconds[t];
		ig_rwork_free(p.work[t]);
		ig_rlist_free(&p.lists[t]);
	}
	for (i = 0; i < p.ul.n; i++)
		free(p.ul.id[i]);
	free(p.ul.id);
	ig_pool_free(p.threads);
	free(p.slots);
	free(p.work);
	free(p.lists);
	free(p.seconds);
}
