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
 * anywhere (sort(1) moves them), but each input must have a header. */
#include "cooccur/ig_cooccur_count.h"

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

uint64_t ig_cooc_partial_write(ig_cooc_ctx *c, ig_writer *w, uint64_t *pairs)
{
	const char *type = c->bipartite ? "q" : c->o->score == IG_COOC_SWING ? "s" : "p";
	const ig_intern *cols = c->bipartite ? c->col.ids : c->vocab;
	uint64_t records = write_sums(w, &c->row, "m");
	ig_cooc_pair p;

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
