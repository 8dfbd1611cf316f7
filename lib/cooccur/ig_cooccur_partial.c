/* The partial counts of "ig-cooccur map", read by "ig-cooccur reduce":
 *
 *   #ig:cooccur-partial/1<TAB>type<TAB>a<TAB>b<TAB>weight<TAB>support
 *   m  ENTITY  -         N  USERS   sums of a (row) entity
 *   n  AUTHOR  -         N  USERS   sums of an author (--entity item-author)
 *   p  A       B         W  S       a pair, A before B bytewise
 *   q  ITEM    AUTHOR    W  S       an item-author pair
 *   s  A       B         W  S       a Swing pair (S: user pairs)
 *
 * N and W are integers in units of 2^-20 (ig_cooccur.h), so partial
 * counts add up exactly. Records of one key may repeat and come in any
 * order: a reducer sums them. Lines starting with '#' may appear
 * anywhere (sort(1) moves them), but each input must have a header.
 * A map writes, after its header, what it counted:
 *
 *   ##map<TAB>shard=I/N<TAB>entity=item weights=view:1,... window=all ...
 *
 * and a reduce refuses partials counted with other settings, a shard
 * twice and a missing shard: each would give scores that look right. */
#include "cooccur/ig_cooccur_count.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"


static void put_id(ig_writer *w, const ig_intern *ids, uint32_t id)
{
	ig_writer_write(w, ig_intern_str(ids, id), ig_intern_len(ids, id));
}

static uint64_t write_sums(ig_writer *w, const ig_cooc_side *s, const char *type)
{
	uint32_t n = ig_intern_count(s->ids), i;
	uint64_t records = 0;

	for (i = 0; i < n && i < s->cap; i++) {
		if (s->users[i] == 0)
			continue;
		ig_writer_puts(w, type);
		ig_writer_putc(w, '\t');
		put_id(w, s->ids, i);
		ig_writer_puts(w, "\t-\t");
		ig_writer_put_u64(w, s->norm[i]);
		ig_writer_putc(w, '\t');
		ig_writer_put_u64(w, s->users[i]);
		ig_writer_putc(w, '\n');
		records++;
	}
	return records;
}

static int id_cmp(const ig_intern *ids, uint32_t a, uint32_t b)
{
	size_t la = ig_intern_len(ids, a), lb = ig_intern_len(ids, b);
	int c = memcmp(ig_intern_str(ids, a), ig_intern_str(ids, b), la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

#define MAP_TAG "##map\t"

/* V so that it reads back as the same double. */
static void put_num(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

/* Appends the strings of PARTS, up to a NULL, to BUF (AT of LEN used);
 * returns AT anew. */
static size_t add(char *buf, size_t len, size_t at, const char *const *parts)
{
	for (; *parts != NULL; parts++) {
		int n = at < len ? snprintf(buf + at, len - at, "%s", *parts) : 0;

		at += n > 0 ? (size_t)n : 0;
	}
	return at;
}

#define ADD(...) (at = add(buf, len, at, (const char *const[]){__VA_ARGS__, NULL}))

/* Every option of map that changes the counts, as KEY=VALUE words. The
 * items stream of --entity author is not there: only its path could be. */
static void settings_format(const ig_cooc_opts *o, char *buf, size_t len)
{
	static const char *entities[] = {"item", "author", "both", "item-author"};
	static const char *windows[] = {"all", "session:", "last:", "time:"};
	static const char *user_weights[] = {"none", "log", "sqrt"};
	char num[40];
	size_t at = 0;
	int t;

	ADD("entity=", entities[o->entity], " weights=");
	for (t = 0; t < IG_EV_COUNT; t++) {
		put_num(num, sizeof num, o->engage.weights[t]);
		ADD(t ? "," : "", ig_event_name(t), ":", num);
	}
	put_num(num, sizeof num, o->engage.min_view_value);
	ADD(" min_view=", num, " window=", windows[o->window]);
	if (o->window != IG_COOC_WIN_ALL) {
		snprintf(num, sizeof num, "%lld", (long long)o->window_arg);
		ADD(num);
	}
	put_num(num, sizeof num, o->half_life);
	ADD(" half_life=", num, " user_weight=", user_weights[o->user_weight]);
	snprintf(num, sizeof num, "%llu", (unsigned long long)o->max_history);
	ADD(" max_history=", num);
	if (o->score == IG_COOC_SWING) {
		put_num(num, sizeof num, o->swing_alpha);
		ADD(" swing_alpha=", num);
	}
}

#undef ADD

static void write_map_line(const ig_cooc_opts *o, ig_writer *w)
{
	char settings[1024], shard[48];

	settings_format(o, settings, sizeof settings);
	snprintf(shard, sizeof shard, "shard=%u/%u\t", o->shard, o->nshards);
	ig_writer_puts(w, MAP_TAG);
	ig_writer_puts(w, shard);
	ig_writer_puts(w, settings);
	ig_writer_putc(w, '\n');
}

uint64_t ig_cooc_partial_write(ig_cooc_ctx *c, ig_writer *w, uint64_t *pairs)
{
	const char *type = c->bipartite ? "q" : c->o->score == IG_COOC_SWING ? "s" : "p";
	const ig_intern *cols = c->bipartite ? c->col.ids : c->vocab;
	uint64_t records;
	ig_cooc_pair p;

	write_map_line(c->o, w);
	records = write_sums(w, &c->row, "m");

	if (c->bipartite)
		records += write_sums(w, &c->col, "n");
	*pairs = 0;
	ig_cooc_drain(c);
	while (ig_cooc_table_next(c->table, &p)) {
		uint32_t a = ig_cooc_key_a(p.key), b = ig_cooc_key_b(p.key);
		if (!c->bipartite && id_cmp(c->vocab, a, b) > 0) {
			uint32_t x = a;
			a = b;
			b = x;
		}
		ig_writer_puts(w, type);
		ig_writer_putc(w, '\t');
		put_id(w, c->vocab, a);
		ig_writer_putc(w, '\t');
		put_id(w, cols, b);
		ig_writer_putc(w, '\t');
		ig_writer_put_u64(w, p.w);
		ig_writer_putc(w, '\t');
		ig_writer_put_u64(w, p.s);
		ig_writer_putc(w, '\n');
		records++;
		(*pairs)++;
	}
	return records;
}

static uint32_t need_id(const char *name, long ln, int field, const char *col, const char *s,
			ig_intern *ids)
{
	size_t len = strlen(s);

	if (!ig_valid_id(s, len))
		ig_die_at(name, ln, "field %d (%s): invalid id '%s'", field, col, ig_esc(s));
	return ig_intern_add(ids, s, len);
}

static uint64_t need_u64(const char *name, long ln, int field, const char *col, const char *s)
{
	uint64_t v;

	if (ig_parse_u64(s, UINT64_MAX, &v) != 0)
		ig_die_at(name, ln, "field %d (%s): not a count '%s'", field, col, ig_esc(s));
	return v;
}

static void check_header(const char *name, long ln, const char *line)
{
	const ig_schema *s = ig_schema_of(IG_STREAM_COOC_PARTIAL);
	ig_header h;
	char err[512];

	memset(&h, 0, sizeof h);
	if (ig_header_parse(line, &h, err, sizeof err) != 0)
		ig_die_at(name, ln, "%s", err);
	if (strcmp(h.kind, s->kind) != 0)
		ig_die_at(name, ln, "expected a %s stream, got %s", s->kind, h.kind);
	if (h.version != s->version)
		ig_die_at(name, ln, "%s stream version %d, expected %d", s->kind, h.version, s->version);
	ig_header_free(&h);
}

static char *place(const char *name, long ln)
{
	size_t len = strlen(name) + 24; /* ':' and a long's digits */
	char *s = ig_malloc(len);

	snprintf(s, len, "%s:%ld", name, ln);
	return s;
}

/* The word of settings S for KEY (up to its '='), or "" when S has none;
 * its length in *LEN. */
static const char *setting(const char *s, const char *key, size_t keylen, size_t *len)
{
	while (*s != '\0') {
		size_t n = strcspn(s, " ");

		if (n > keylen && strncmp(s, key, keylen) == 0 && s[keylen] == '=') {
			*len = n;
			return s;
		}
		s += n + (s[n] == ' ');
	}
	*len = 0;
	return s;
}

/* The first word of settings A that B has not, with the same value;
 * NULL when B has every one. Its length in *N. */
static const char *unmatched_word(const char *a, const char *b, size_t *n)
{
	const char *w;
	size_t wlen;

	for (; *a != '\0'; a += *n + (a[*n] == ' ')) {
		*n = strcspn(a, " ");
		w = setting(b, a, strcspn(a, "="), &wlen);
		if (wlen != *n || strncmp(a, w, *n) != 0)
			return a;
	}
	return NULL;
}

/* Settings NOW (of NAME:LN) against those of the first ##map line. */
static void settings_seen(ig_cooc_maps *m, const char *name, long ln, const char *now)
{
	const char *a, *b;
	size_t n, blen;

	if (m->settings == NULL) {
		m->settings = ig_strdup(now);
		m->settings_at = place(name, ln);
		return;
	}
	if (strcmp(m->settings, now) == 0)
		return;
	if ((a = unmatched_word(now, m->settings, &n)) != NULL) {
		b = setting(m->settings, a, strcspn(a, "="), &blen);
		if (blen == 0)
			ig_die_at(name, ln, "partial counts of other settings than %s's: %.*s here, none there",
				  m->settings_at, (int)n, a);
		ig_die_at(name, ln, "partial counts of other settings than %s's: %.*s here, %.*s there",
			  m->settings_at, (int)n, a, (int)blen, b);
	}
	if ((a = unmatched_word(m->settings, now, &n)) != NULL)
		ig_die_at(name, ln, "partial counts of other settings than %s's: %.*s there, none here",
			  m->settings_at, (int)n, a);
	/* the same words, repeated or in another order: not a map's line */
	ig_die_at(name, ln, "partial counts of other settings than %s's", m->settings_at);
}

static void shard_seen(ig_cooc_maps *m, const char *name, long ln, const char *shard)
{
	uint32_t i, n, k;

	if (strncmp(shard, "shard=", 6) != 0 || ig_parse_shard(shard + 6, &i, &n) != 0)
		ig_die_at(name, ln, "##map: expected shard=I/N, got '%s'", ig_esc(shard));
	if (m->nshards == 0) {
		m->nshards = n;
	} else if (n != m->nshards) {
		ig_die_at(name, ln, "partial counts of shard %u/%u among shards of %u (%s)", i, n, m->nshards,
			  m->settings_at);
	}
	if (n == 1) /* a whole stream each, or input already split by user */
		return;
	for (k = 0; k < m->nseen; k++)
		if (m->seen[k].index == i)
			ig_die_at(name, ln,
				  "partial counts of shard %u/%u given twice (also %s): its counts would be summed twice", i,
				  n, m->seen[k].at);
	m->seen = ig_reallocarray(m->seen, (size_t)m->nseen + 1, sizeof *m->seen);
	m->seen[m->nseen].index = i;
	m->seen[m->nseen++].at = place(name, ln);
}

static int by_index(const void *a, const void *b)
{
	uint32_t x = ((const struct ig_cooc_shard_seen *)a)->index, y = ((const struct ig_cooc_shard_seen *)b)->index;

	return (x > y) - (x < y);
}

/* "##map<TAB>shard=I/N<TAB>SETTINGS" */
static void map_line(ig_cooc_maps *m, const char *name, long ln, char *line)
{
	char *f[4];

	m->lines++;
	if (ig_split_tabs(line, f, 4) != 3)
		ig_die_at(name, ln, "##map: expected shard=I/N and the settings");
	shard_seen(m, name, ln, f[1]);
	settings_seen(m, name, ln, f[2]);
}

void ig_cooc_partial_check_shards(ig_cooc_ctx *c)
{
	ig_cooc_maps *m = &c->maps;
	uint32_t first = 0, k;

	/* a stream without one (hand-made, or of an earlier version) may be
	 * any shard */
	if (m->nshards <= 1 || m->headers > m->lines || m->nseen == m->nshards)
		return;
	qsort(m->seen, m->nseen, sizeof *m->seen, by_index);
	for (k = 0; k < m->nseen && m->seen[k].index == first; k++)
		first++;
	if (m->nseen + 1 == m->nshards)
		ig_die("reduce: partial counts of %u of %u shards: shard %u/%u is missing, so the scores would be off",
		       m->nseen, m->nshards, first, m->nshards);
	ig_die("reduce: partial counts of %u of %u shards: shard %u/%u and %u more are missing, so the "
	       "scores would be off",
	       m->nseen, m->nshards, first, m->nshards, m->nshards - m->nseen - 1);
}

void ig_cooc_maps_free(ig_cooc_maps *m)
{
	uint32_t i;

	free(m->settings);
	free(m->settings_at);
	for (i = 0; i < m->nseen; i++)
		free(m->seen[i].at);
	free(m->seen);
	memset(m, 0, sizeof *m);
}

void ig_cooc_partial_read(ig_cooc_ctx *c, const char *path)
{
	ig_reader *r = ig_reader_open(path);
	const char *name = ig_reader_name(r);
	int swing = c->o->score == IG_COOC_SWING, have_header = 0;
	char *line, *f[6];
	ssize_t len;

	ig_reader_set_strict(r);
	ig_cooc_ctx_start_table(c);
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		long ln = ig_reader_lineno(r);
		uint32_t a, b;
		uint64_t w, s;
		int n;
		char type;
		if (line[0] == '#') {
			if (strncmp(line, "#ig:", 4) == 0) {
				check_header(name, ln, line);
				have_header = 1;
				c->maps.headers++;
			} else if (strncmp(line, MAP_TAG, strlen(MAP_TAG)) == 0) {
				map_line(&c->maps, name, ln, line);
			}
			continue;
		}
		if (!have_header)
			ig_die_at(name, ln, "expected a %s stream, got no header",
			  ig_schema_of(IG_STREAM_COOC_PARTIAL)->kind);
		n = ig_split_tabs(line, f, 6);
		if (n != 5)
			ig_die_at(name, ln, "expected 5 fields, got %d", n);
		type = f[0][1] == '\0' ? f[0][0] : '?';
		c->partial_records++;
		w = need_u64(name, ln, 4, "weight", f[3]);
		s = need_u64(name, ln, 5, "support", f[4]);
		switch (type) {
		case 'm':
			a = need_id(name, ln, 2, "a", f[1], c->vocab);
			ig_cooc_side_reserve(&c->row, (size_t)a + 1);
			ig_cooc_add(&c->row.norm[a], w);
			c->row.users[a] += s;
			break;
		case 'n':
			if (!c->bipartite)
				ig_die_at(name, ln, "item-author counts: reduce them with --entity item-author");
			a = need_id(name, ln, 2, "a", f[1], (ig_intern *)c->col.ids);
			ig_cooc_side_reserve(&c->col, (size_t)a + 1);
			ig_cooc_add(&c->col.norm[a], w);
			c->col.users[a] += s;
			break;
		case 'p':
		case 'q':
		case 's':
			if (type == 'q' && !c->bipartite)
				ig_die_at(name, ln, "item-author counts: reduce them with --entity item-author");
			if (type != 'q' && c->bipartite)
				ig_die_at(name, ln, "not item-author counts: map them with --entity item-author");
			if (type == 's' && !swing)
				ig_die_at(name, ln, "Swing counts: reduce them with --score swing");
			if (type != 's' && swing)
				ig_die_at(name, ln, "not Swing counts: map them with --score swing");
			a = need_id(name, ln, 2, "a", f[1], c->vocab);
			if (c->bipartite)
				b = need_id(name, ln, 3, "b", f[2], (ig_intern *)c->col.ids);
			else
				b = need_id(name, ln, 3, "b", f[2], c->vocab);
			if (!c->bipartite && a == b)
				ig_die_at(name, ln, "field 3 (b): an entity paired with itself '%s'", ig_esc(f[2]));
			ig_cooc_side_reserve(&c->row, ig_intern_count(c->vocab));
			if (c->bipartite)
				ig_cooc_side_reserve(&c->col, ig_intern_count(c->col.ids));
			ig_cooc_add_pair(c, a, b, w, s);
			break;
		default:
			ig_die_at(name, ln, "field 1 (type): not m, n, p, q or s '%s'", ig_esc(f[0]));
		}
	}
	if (!have_header)
		ig_die_at(name, 1, "expected a %s stream, got no header",
			  ig_schema_of(IG_STREAM_COOC_PARTIAL)->kind);
	ig_reader_close(r);
}
