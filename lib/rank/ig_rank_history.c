/* The history of a ranking context: the events of the users it serves,
 * held in memory, and a pass over every user's events in the history's
 * order, which the item statistics and the lifts are counted from. With
 * a shard, only the shard's users are held; the others' events go, as
 * read, to a scratch file that each later pass reads back, so that the
 * item tables are those of the whole history at the memory of the
 * shard's (and the history may be a pipe). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_tempfile.h"
#include "rank/ig_rank_ctx_priv.h"

/* A spilled event: ts (8 bytes, little or big endian as the machine's),
 * item (4), type (1), lvalue (2), packed so that no padding is written. */
#define SPILL_EVENT 15

/* Before each user's events in the spill: how many follow, and whether
 * the user is held instead (then none follow). */
typedef struct spill_head {
	uint32_t n;
	uint32_t held;
} spill_head;

static void spill_write(ig_rank_ctx *c, const void *p, size_t n)
{
	if (n == 0) /* P may be an empty buffer's NULL, which fwrite must not get */
		return;
	if (fwrite(p, 1, n, c->spill) != n)
		ig_die("%s: cannot write the history's scratch file: %s", ig_tempdir(c->tmpdir), strerror(errno));
}

static void spill_read(const ig_rank_ctx *c, void *p, size_t n)
{
	if (n == 0)
		return;
	if (fread(p, 1, n, c->spill) != n)
		ig_die("%s: cannot read back the history's scratch file: %s", ig_tempdir(c->tmpdir),
		       ferror(c->spill) ? strerror(errno) : "truncated");
}

/* One user's events that are not held, as read. */
typedef struct pending {
	unsigned char *buf;
	size_t n, cap;         /* events */
} pending;

static void pending_add(pending *p, const ig_rank_hev *e)
{
	unsigned char *b;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->buf = ig_reallocarray(p->buf, p->cap, SPILL_EVENT);
	}
	b = p->buf + p->n++ * SPILL_EVENT;
	memcpy(b, &e->ts, 8);
	memcpy(b + 8, &e->item, 4);
	b[12] = e->type;
	memcpy(b + 13, &e->lvalue, 2);
}

/* Writes the place of the user just read: its events, or that it is held. */
static void spill_user(ig_rank_ctx *c, pending *p, int held)
{
	spill_head h = {(uint32_t)p->n, (uint32_t)held};

	if (p->n > UINT32_MAX)
		ig_die("--history: a user with more than %u events", UINT32_MAX);
	spill_write(c, &h, sizeof h);
	spill_write(c, p->buf, p->n * SPILL_EVENT);
	c->nspilled += p->n;
	p->n = 0;
}

/* A new user at event EV: held (numbered in c->users) or not. */
static int start_user(ig_rank_ctx *c, const ig_event *ev, size_t *ucap)
{
	uint32_t u;

	c->nusers_all++;
	if (c->nshards && ig_shard_of(ev->user, ev->user_len, c->nshards) != c->shard)
		return 0;
	u = ig_intern_add(c->users, ev->user, ev->user_len);
	if ((size_t)u + 2 > *ucap) {
		*ucap = *ucap ? 2 * *ucap : 1024;
		c->u_start = ig_reallocarray(c->u_start, *ucap, sizeof *c->u_start);
	}
	c->u_start[u + 1] = c->nev;
	return 1;
}

/* The item of the previous event, numbered: a user's events on one
 * item come in runs (the impression, then the view, the like), and about
 * half of a history's items are the one before, which a comparison finds
 * sooner than the table's hashing. */
typedef struct last_item {
	char id[IG_MAX_ID_LEN + 1];
	size_t len;             /* 0: none yet (an id is never empty) */
	uint32_t number;
} last_item;

static uint32_t item_number(ig_rank_ctx *c, last_item *last, const char *id, size_t len)
{
	if (len != last->len || memcmp(id, last->id, len) != 0) {
		last->number = ig_intern_add(c->item_ids, id, len);
		memcpy(last->id, id, len);
		last->len = len;
	}
	return last->number;
}

void ig_rank_history_load(ig_rank_ctx *c, const char *path)
{
	ig_events_reader *er = ig_events_open(path);
	char prev[IG_MAX_ID_LEN + 1];
	size_t cap = 0, ucap = 0, prev_len = 0;
	last_item last = {.len = 0};
	pending p = {NULL, 0, 0};
	int held = 0, first = 1;
	ig_event ev;

	c->users = ig_intern_new();
	c->u_start = ig_malloc(sizeof *c->u_start);
	c->u_start[0] = 0;
	if (c->nshards) {
		c->spill = fdopen(ig_tempfile_scratch(c->tmpdir), "w+b");
		if (c->spill == NULL)
			ig_die("%s: cannot open a scratch file: %s", ig_tempdir(c->tmpdir), strerror(errno));
		setvbuf(c->spill, NULL, _IOFBF, 1 << 20);
	}
	while (ig_events_next(er, &ev)) {
		ig_rank_hev e;

		/* the history is grouped by user (the reader checks it) */
		if (first || ev.user_len != prev_len || memcmp(ev.user, prev, prev_len) != 0) {
			if (!first && c->spill)
				spill_user(c, &p, held);
			held = start_user(c, &ev, &ucap);
			memcpy(prev, ev.user, ev.user_len);
			prev_len = ev.user_len;
			first = 0;
		}
		e.ts = ev.ts;
		e.item = item_number(c, &last, ev.item, ev.item_len);
		e.type = (uint8_t)ev.type;
		e.lvalue = ig_rank_lvalue_code(ev.has_value, ev.value);
		if (held) {
			if (c->nev == cap) {
				cap = cap ? 2 * cap : 4096;
				c->ev = ig_reallocarray(c->ev, cap, sizeof *c->ev);
			}
			c->ev[c->nev++] = e;
			c->u_start[ig_intern_count(c->users)] = c->nev;
		} else {
			pending_add(&p, &e);
		}
		if (ev.ts > c->tref)
			c->tref = ev.ts;
		if (ev.type == IG_EV_IMPRESSION)
			c->inputs |= IG_RANK_IN_IMPRESSIONS;
	}
	if (!first && c->spill)
		spill_user(c, &p, held);
	if (c->spill && fflush(c->spill) != 0)
		ig_die("%s: cannot write the history's scratch file: %s", ig_tempdir(c->tmpdir), strerror(errno));
	free(p.buf);
	ig_events_close(er);
}

int ig_rank_ctx_serves(const ig_rank_ctx *c, const char *user, size_t len)
{
	return c->nshards == 0 || ig_shard_of(user, len, c->nshards) == c->shard;
}

void ig_rank_ctx_history_stats(const ig_rank_ctx *c, ig_rank_history_stats *st)
{
	st->users_held = ig_intern_count(c->users);
	st->users = c->nusers_all;
	st->events_held = c->nev;
	st->events = c->nev + c->nspilled;
}

/* The spilled events of one user into BUF, through RAW (both grown to
 * CAP events as needed). */
static const ig_rank_hev *read_user(const ig_rank_ctx *c, uint32_t n, ig_rank_hev **buf, unsigned char **raw,
				    size_t *cap)
{
	uint32_t i;

	if (n > *cap) {
		*cap = n;
		*buf = ig_reallocarray(*buf, *cap, sizeof **buf);
		*raw = ig_reallocarray(*raw, *cap, SPILL_EVENT);
	}
	spill_read(c, *raw, (size_t)n * SPILL_EVENT);
	for (i = 0; i < n; i++) {
		const unsigned char *b = *raw + (size_t)i * SPILL_EVENT;

		memcpy(&(*buf)[i].ts, b, 8);
		memcpy(&(*buf)[i].item, b + 8, 4);
		(*buf)[i].type = b[12];
		memcpy(&(*buf)[i].lvalue, b + 13, 2);
	}
	return *buf;
}

void ig_rank_history_scan(const ig_rank_ctx *c, ig_rank_user_fn *fn, void *arg)
{
	ig_rank_hev *buf = NULL;
	unsigned char *raw = NULL;
	size_t cap = 0;
	uint32_t u, held = 0;

	if (c->spill == NULL) {
		for (u = 0; u < c->nusers_all; u++)
			fn(arg, u, c->ev + c->u_start[u], c->u_start[u + 1] - c->u_start[u]);
		return;
	}
	if (fseek(c->spill, 0, SEEK_SET) != 0)
		ig_die("%s: cannot read back the history's scratch file: %s", ig_tempdir(c->tmpdir), strerror(errno));
	for (u = 0; u < c->nusers_all; u++) {
		spill_head h;

		spill_read(c, &h, sizeof h);
		if (h.held) {
			fn(arg, u, c->ev + c->u_start[held], c->u_start[held + 1] - c->u_start[held]);
			held++;
		} else {
			fn(arg, u, read_user(c, h.n, &buf, &raw, &cap), h.n);
		}
	}
	free(buf);
	free(raw);
}
