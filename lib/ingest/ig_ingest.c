#include "ingest/ig_ingest.h"
#include "io/ig_extsort.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/ig_csv.h"
#include "ingest/ig_ingest_json.h"
#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "io/ig_items.h"
#include "core/ig_num.h"
#include "io/ig_reader.h"
#include "core/ig_time.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"

/* A quoted CSV field may span lines; past this many the quote is taken
 * to be unbalanced rather than swallow the rest of the file. */
#define MAX_RECORD_LINES 1000
#define PROGRESS_EVERY ((uint64_t)1 << 22)

/* Roles (output columns) by kind, in stream order. */
enum { EV_TS, EV_USER, EV_ITEM, EV_EVENT, EV_VALUE };
/* Events may also map a field of milliseconds added to ts (a session's
 * day plus the time into it, as Diginetica has): a column of the raw
 * input only, after the stream's own. */
#define EV_TS_OFFSET_MS IG_INGEST_MAX_ROLES
#define TS_OFFSET_MS_NAME "ts_offset_ms"
#define MAX_COLS (IG_INGEST_MAX_ROLES + 1)
enum { IT_ITEM, IT_AUTHOR, IT_MEDIA, IT_CREATED, IT_TOPICS };
enum { FO_USER, FO_AUTHOR, FO_TS };

static const int kind_streams[IG_KIND_COUNT] = {IG_STREAM_EVENTS, IG_STREAM_ITEMS, IG_STREAM_FOLLOWS};

const char *ig_ingest_kind_name(int kind)
{
	return kind >= 0 && kind < IG_KIND_COUNT ? ig_schema_of(kind_streams[kind])->kind : "?";
}

int ig_ingest_kind_parse(const char *s)
{
	int i;

	for (i = 0; i < IG_KIND_COUNT; i++)
		if (strcmp(s, ig_ingest_kind_name(i)) == 0)
			return i;
	return -1;
}

int ig_ingest_roles(int kind, const char *const **roles)
{
	const ig_schema *s = ig_schema_of(kind_streams[kind >= 0 && kind < IG_KIND_COUNT ? kind : IG_KIND_FOLLOWS]);

	*roles = s->cols;
	return s->ncols;
}

int ig_ingest_role_parse(int kind, const char *s)
{
	const char *const *roles;
	int n = ig_ingest_roles(kind, &roles), i;

	for (i = 0; i < n; i++)
		if (strcmp(roles[i], s) == 0)
			return i;
	return -1;
}

void ig_ingest_opts_init(ig_ingest_opts *o)
{
	memset(o, 0, sizeof *o);
	o->kind = -1;
	o->format = -1;
	o->header = -1;
	o->topic_sep = -1;
	o->time_format = -1;
	o->latin1 = -1;
	o->memory = (uint64_t)1 << 30;
}

int ig_ingest_set(ig_ingest_opts *o, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char name[32];
	int role;

	if (eq == NULL || eq == spec || (size_t)(eq - spec) >= sizeof name) {
		snprintf(err, errlen, "'%s' is not COLUMN=VALUE", spec);
		return -1;
	}
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	role = ig_ingest_role_parse(o->kind < 0 ? IG_KIND_EVENTS : o->kind, name);
	if (role < 0) {
		snprintf(err, errlen, "'%s' is not a column of %s streams", name,
			 ig_ingest_kind_name(o->kind < 0 ? IG_KIND_EVENTS : o->kind));
		return -1;
	}
	o->set[role] = eq + 1;
	return 0;
}

char *ig_ingest_escape(const char *s, size_t len, char *buf, size_t size)
{
	return ig_escape(s, len, buf, size);
}

/* The column map of -c: a positional list ("user,item,-,ts") or
 * assignments ("user=userId,ts=4"). */
typedef struct colmap {
	int given;
	int list;
	int list_len;
	int pos[MAX_COLS];     /* 1-based field number, 0: not by number */
	char *name[MAX_COLS];  /* header name, or NULL */
	int max_pos;
} colmap;

enum { SRC_NONE, SRC_COLUMN, SRC_VALUE, SRC_CONST };

struct ig_ingest {
	ig_ingest_opts o;
	int kind, nroles;
	int ncols;                     /* nroles, plus ts_offset_ms for events */
	const char *const *roles;
	colmap map;
	ig_rules event_rules, media_rules;
	size_t clen[IG_INGEST_MAX_ROLES];
	int64_t const_ts, const_created;
	int const_event, const_media;
	ig_writer *out, *rej;
	ig_extsort *sort;
	ig_csv csv;

	/* The file being read. */
	ig_reader *r;
	const char *fname;
	int col[MAX_COLS];             /* 0-based field, -1: none */
	int expect;                    /* fields per record, -1: the first record's */
	int min_fields;
	int event_src;
	int in_header;
	int stream_file;               /* the file is an ig stream ("#ig:" header) */
	long rec_line;                 /* first line of the record */
	char *join;                    /* a CSV record over several lines */
	size_t join_len, join_cap;
	char *raw;                     /* the record as read, for rejects */
	size_t raw_len, raw_cap;
	char *utf8;                    /* a latin-1 line made UTF-8 */
	size_t utf8_cap;
	/* JSON lines: the keys whose values are the record's fields. */
	int json;
	const char *jkeys[MAX_COLS];
	int njkeys;
	unsigned jfound;               /* the keys the last object had */
	char *jline;                   /* the last line, for a second reading */
	size_t jline_len;
	char *jbuf;
	size_t jbuf_cap;

	char *rec;                     /* sort record or output line */
	size_t rec_len, rec_cap;
	char msg[1024];
	char esc[512];
	const char *hint;              /* said after the value by the next reject */
	char types_hint[256];          /* the event types, for an unknown one */
	int amazon_checked;            /* the first record's ids, against the preset's order */

	/* Items: id -> hash of the rest of the line, and where it was seen. */
	ig_intern *items;
	uint64_t *item_hash;
	uint32_t *item_file;
	long *item_line;
	size_t item_cap;
	char **files;
	size_t nfiles;

	ig_ingest_stats st;
};

static void buf_reserve(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	*cap = need < 256 ? 256 : need * 2;
	*buf = ig_realloc(*buf, *cap);
}

static void rec_put(ig_ingest *g, const void *p, size_t n)
{
	buf_reserve(&g->rec, &g->rec_cap, g->rec_len + n + 1);
	memcpy(g->rec + g->rec_len, p, n);
	g->rec_len += n;
}

static void rec_putc(ig_ingest *g, char c)
{
	rec_put(g, &c, 1);
}

/* The column of the raw input named S: a role of the kind, or for
 * events ts_offset_ms; -1 if none. */
static int col_parse(const ig_ingest *g, const char *s)
{
	if (g->kind == IG_KIND_EVENTS && strcmp(s, TS_OFFSET_MS_NAME) == 0)
		return EV_TS_OFFSET_MS;
	return ig_ingest_role_parse(g->kind, s);
}

static const char *sep_hint(const ig_ingest *g);

static const char *col_name(const ig_ingest *g, int col)
{
	return col < g->nroles ? g->roles[col] : TS_OFFSET_MS_NAME;
}

static void parse_colmap(ig_ingest *g, const char *spec)
{
	colmap *m = &g->map;
	char *copy = ig_strdup(spec), *p = copy, *tok;
	int assign = strchr(spec, '=') != NULL, pos = 0;

	m->given = 1;
	m->list = !assign;
	for (;;) {
		char *comma = strchr(p, ',');
		int role = -1;
		if (comma)
			*comma = '\0';
		tok = p;
		pos++;
		if (!assign) {
			if (*tok != '\0' && strcmp(tok, "-") != 0) {
				role = col_parse(g, tok);
				if (role < 0)
					ig_usage_error("-c/--columns: '%s' is not a column of %s streams", tok,
						       ig_ingest_kind_name(g->kind));
				if (m->pos[role])
					ig_usage_error("-c/--columns: '%s' given twice", tok);
				m->pos[role] = pos;
			}
		} else {
			char *eq = strchr(tok, '=');
			uint64_t n;
			if (eq == NULL || eq == tok || eq[1] == '\0')
				ig_usage_error("-c/--columns: '%s' is not COLUMN=FIELD (a number or a header name)", tok);
			*eq = '\0';
			role = col_parse(g, tok);
			if (role < 0)
				ig_usage_error("-c/--columns: '%s' is not a column of %s streams", tok,
					       ig_ingest_kind_name(g->kind));
			if (m->pos[role] || m->name[role])
				ig_usage_error("-c/--columns: '%s' given twice", tok);
			if (ig_parse_u64(eq + 1, 10000, &n) == 0) {
				if (n == 0)
					ig_usage_error("-c/--columns: field numbers start at 1");
				m->pos[role] = (int)n;
			} else {
				if (!g->o.header && g->o.format != IG_FORMAT_JSON)
					ig_usage_error("-c/--columns: '%s' names a header column; add -H/--header",
						       eq + 1);
				m->name[role] = ig_strdup(eq + 1);
			}
		}
		if (role >= 0 && m->pos[role] > m->max_pos)
			m->max_pos = m->pos[role];
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	m->list_len = pos;
	free(copy);
}

/* Where the event type comes from, with the columns of this file. */
static int event_source(const ig_ingest *g)
{
	if (g->col[EV_EVENT] >= 0 && g->o.set[EV_EVENT] == NULL)
		return SRC_COLUMN;
	if (g->event_rules.n > 0 && g->o.set[EV_EVENT] == NULL &&
	    (g->col[EV_VALUE] >= 0 || g->o.set[EV_VALUE] != NULL))
		return SRC_VALUE;
	if (g->o.set[EV_EVENT] != NULL)
		return SRC_CONST;
	return SRC_NONE;
}

static int have(const ig_ingest *g, int role)
{
	return g->col[role] >= 0 || g->o.set[role] != NULL;
}

/* Names the first required column that neither a field nor --set gives. */
static const char *missing_role(ig_ingest *g)
{
	static const int need[IG_KIND_COUNT][3] = {
		{EV_USER, EV_ITEM, EV_TS}, {IT_ITEM, IT_AUTHOR, IT_MEDIA}, {FO_USER, FO_AUTHOR, FO_TS}};
	int i;

	for (i = 0; i < 3; i++)
		if (!have(g, need[g->kind][i]))
			return g->roles[need[g->kind][i]];
	if (g->kind == IG_KIND_EVENTS) {
		g->event_src = event_source(g);
		if (g->event_src == SRC_NONE)
			return "event";
	}
	return NULL;
}

static const char *missing_help(const char *role)
{
	if (strcmp(role, "event") == 0)
		return "map an event column, give -e/--event-map rules for the value column, or --set event=TYPE";
	if (strcmp(role, "ts") == 0)
		return "map a ts column or give --set ts=SECONDS";
	if (strcmp(role, "media") == 0)
		return "map a media column or give --set media=TYPE";
	return "map it with -c/--columns";
}

/* Sets the columns of the file from the column map and, with -H, its
 * header record (in g->csv). */
static void resolve_columns(ig_ingest *g, int from_header)
{
	const colmap *m = &g->map;
	int i, j, n = from_header ? g->csv.nfields : 0;
	const char *miss;

	for (i = 0; i < g->ncols; i++)
		g->col[i] = -1;
	g->expect = -1;
	g->min_fields = 1;
	if (m->given && m->list) {
		for (i = 0; i < g->ncols; i++)
			g->col[i] = m->pos[i] - 1;
		g->expect = m->list_len;
		if (from_header && n != m->list_len)
			ig_die_at(g->fname, g->rec_line, "the header has %d fields, -c/--columns names %d", n,
				  m->list_len);
	} else {
		if (from_header)
			g->expect = n;
		g->min_fields = m->max_pos > 0 ? m->max_pos : 1;
		for (i = 0; i < g->ncols; i++) {
			/* A column the map does not name is found by its own
			 * name in the header, if there is one (ts_offset_ms
			 * only when mapped: it is no column of the stream). */
			const char *want = m->name[i] ? m->name[i] : from_header && i < g->nroles ? g->roles[i] : NULL;
			if (m->pos[i]) {
				g->col[i] = m->pos[i] - 1;
				if (from_header && m->pos[i] > n)
					ig_die_at(g->fname, g->rec_line,
						  "-c/--columns maps %s to field %d, but the header has %d fields",
						  col_name(g, i), m->pos[i], n);
				continue;
			}
			if (want == NULL)
				continue;
			for (j = 0; j < n; j++) {
				const char *h = g->csv.field[j];
				size_t hl = g->csv.len[j];
				/* Header names compare without case and surrounding blanks. */
				while (hl > 0 && isspace((unsigned char)*h)) {
					h++;
					hl--;
				}
				while (hl > 0 && isspace((unsigned char)h[hl - 1]))
					hl--;
				if (hl == strlen(want) && strncasecmp(h, want, hl) == 0)
					break;
			}
			if (j < n)
				g->col[i] = j;
			else if (m->name[i])
				ig_die_at(g->fname, g->rec_line, "no header column named '%s' (for %s)%s", want,
					  col_name(g, i), sep_hint(g));
		}
		if (!m->given && !from_header) {
			/* No map, no header: the stream's own column order. */
			for (i = 0; i < g->nroles; i++)
				g->col[i] = i;
			g->expect = g->nroles;
		}
	}
	miss = missing_role(g);
	if (miss != NULL) {
		if (from_header && !(m->given && m->list))
			ig_die_at(g->fname, g->rec_line, "no column for %s: %s", miss, missing_help(miss));
		ig_usage_error("no column for %s: %s", miss, missing_help(miss));
	}
}

static void open_rejects(ig_ingest *g)
{
	g->rej = ig_writer_open(g->o.rejects, IG_COMPRESS_NO, 1);
}

/* " (the types: view, like ...; -e maps others)", said after an
 * unknown event type. */
static void types_hint(ig_ingest *g)
{
	size_t n = 0;
	int i;

	n += (size_t)snprintf(g->types_hint, sizeof g->types_hint, " (the types:");
	for (i = 0; i < IG_EV_COUNT && n < sizeof g->types_hint; i++)
		n += (size_t)snprintf(g->types_hint + n, sizeof g->types_hint - n, " %s%s", ig_event_name(i),
				      i + 1 < IG_EV_COUNT ? "," : ";");
	if (n < sizeof g->types_hint)
		snprintf(g->types_hint + n, sizeof g->types_hint - n, " -e/--event-map maps others)");
}

/* Validates a constant of --set as if it were a field, at the start. */
static void check_constants(ig_ingest *g)
{
	const char *why = NULL;
	int i;

	for (i = 0; i < g->nroles; i++)
		if (g->o.set[i])
			g->clen[i] = strlen(g->o.set[i]);
	if (g->kind == IG_KIND_EVENTS) {
		const char *s;
		if ((s = g->o.set[EV_TS]) &&
		    ig_time_parse(s, strlen(s), g->o.time_format, IG_TS_MIN, IG_TS_MAX, &g->const_ts, &why) != 0)
			ig_usage_error("--set ts=%s: %s", s, why);
		if ((s = g->o.set[EV_EVENT]) && (g->const_event = ig_event_parse(s)) < 0)
			ig_usage_error("--set event=%s: unknown event type", s);
		for (i = EV_USER; i <= EV_ITEM; i++)
			if ((s = g->o.set[i]) && !ig_valid_id(s, strlen(s)))
				ig_usage_error("--set %s=%s: not a valid id", g->roles[i], s);
		{
			double v;
			if ((s = g->o.set[EV_VALUE]) && *s && ig_parse_double(s, &v) != 0)
				ig_usage_error("--set value=%s: not a number", s);
		}
	} else if (g->kind == IG_KIND_FOLLOWS) {
		const char *s;
		if ((s = g->o.set[FO_TS]) &&
		    ig_time_parse(s, strlen(s), g->o.time_format, IG_TS_MIN, IG_TS_MAX, &g->const_ts, &why) != 0)
			ig_usage_error("--set ts=%s: %s", s, why);
		for (i = FO_USER; i <= FO_AUTHOR; i++)
			if ((s = g->o.set[i]) && !ig_valid_id(s, strlen(s)))
				ig_usage_error("--set %s=%s: not a valid id", g->roles[i], s);
	} else {
		const char *s;
		if ((s = g->o.set[IT_MEDIA]) && (g->const_media = ig_media_parse(s)) < 0)
			ig_usage_error("--set media=%s: unknown media type (photo, video, reel, carousel)", s);
		if ((s = g->o.set[IT_CREATED]) && *s &&
		    ig_time_parse(s, strlen(s), g->o.time_format, IG_TS_MIN, IG_TS_MAX, &g->const_created, &why) != 0)
			ig_usage_error("--set created=%s: %s", s, why);
		for (i = IT_ITEM; i <= IT_AUTHOR; i++)
			if ((s = g->o.set[i]) && !ig_valid_id(s, strlen(s)))
				ig_usage_error("--set %s=%s: not a valid id", g->roles[i], s);
	}
}

ig_ingest *ig_ingest_new(const ig_ingest_opts *o)
{
	ig_ingest *g = ig_calloc(1, sizeof *g);
	char err[256];
	int i;

	g->o = *o;
	if (g->o.kind < 0)
		g->o.kind = IG_KIND_EVENTS;
	if (g->o.format < 0)
		g->o.format = IG_FORMAT_AUTO;
	if (g->o.header < 0)
		g->o.header = 0;
	if (g->o.topic_sep < 0)
		g->o.topic_sep = ',';
	if (g->o.time_format < 0)
		g->o.time_format = IG_TIME_AUTO;
	if (g->o.latin1 < 0)
		g->o.latin1 = 0;
	g->kind = g->o.kind;
	g->nroles = ig_ingest_roles(g->kind, &g->roles);
	g->ncols = g->nroles + (g->kind == IG_KIND_EVENTS);
	for (i = g->nroles; i < IG_INGEST_MAX_ROLES; i++)
		if (g->o.set[i])
			ig_usage_error("--set: %s streams have %d columns", ig_ingest_kind_name(g->kind), g->nroles);
	if (g->o.event_map) {
		if (g->kind != IG_KIND_EVENTS)
			ig_usage_error("-e/--event-map is for events");
		if (ig_rules_parse(&g->event_rules, g->o.event_map, ig_event_parse, err, sizeof err) != 0)
			ig_usage_error("-e/--event-map: %s", err);
	}
	if (g->o.media_map) {
		if (g->kind != IG_KIND_ITEMS)
			ig_usage_error("--media-map is for items");
		if (ig_rules_parse(&g->media_rules, g->o.media_map, ig_media_parse, err, sizeof err) != 0)
			ig_usage_error("--media-map: %s", err);
	}
	if (g->o.sharded && g->kind == IG_KIND_ITEMS)
		ig_usage_error("--shard splits users: it is for events and follows");
	if (g->o.sep) {
		ig_csv probe;
		if (ig_csv_init(&probe, g->o.format == IG_FORMAT_CSV, g->o.sep) != 0)
			ig_usage_error("-d/--sep: '%s' is not a usable separator%s", g->o.sep,
				       g->o.format == IG_FORMAT_CSV ? " for CSV (one byte, not '\"')" : "");
	}
	types_hint(g);
	check_constants(g);
	if (g->o.columns)
		parse_colmap(g, g->o.columns);
	if (g->o.format != IG_FORMAT_JSON && (!g->o.header || (g->map.given && g->map.list))) {
		/* The columns do not depend on a header: check them now. */
		g->fname = "-";
		g->in_header = 1;
		resolve_columns(g, 0);
		g->in_header = 0;
	}
	if (g->o.rejects)
		open_rejects(g);
	if (g->kind == IG_KIND_ITEMS)
		g->items = ig_intern_new();
	else
		g->sort = ig_extsort_new(g->o.memory, g->o.tmpdir);
	return g;
}

void ig_ingest_begin(ig_ingest *g, ig_writer *out)
{
	g->out = out;
	ig_schema_write_header(out, kind_streams[g->kind], NULL, 0, NULL);
}

/* Rejects the current record: strict mode exits naming it; with
 * --skip-bad each of its lines goes to the rejects file. FIELD is the
 * 1-based field (0: the record as a whole), ROLE its column name or
 * NULL, VAL (VLEN bytes) the offending value or NULL. */
static int looks_like_header(const ig_ingest *g);

/* The most of a JSON key (given with -c) a message shows: what it says of
 * the key must still fit after it. */
#define KEY_SHOWN 60

static void reject(ig_ingest *g, int field, const char *role, const char *what, const char *val, size_t vlen)
{
	int n = 0;
	const char *p, *end;
	long line;

	if (field > 0 && g->json && field <= g->njkeys)
		n = snprintf(g->msg, sizeof g->msg, "key '%.*s%s'%s%s%s: ", KEY_SHOWN, g->jkeys[field - 1],
			     strlen(g->jkeys[field - 1]) > KEY_SHOWN ? "..." : "", role ? " (" : "", role ? role : "",
			     role ? ")" : "");
	else if (field > 0 && role)
		n = snprintf(g->msg, sizeof g->msg, "field %d (%s): ", field, role);
	else if (field > 0)
		n = snprintf(g->msg, sizeof g->msg, "field %d: ", field);
	/* a key of -c may be longer than the message: what follows goes at
	 * its cut end, never past the buffer */
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof g->msg)
		n = (int)sizeof g->msg - 1;
	if (val)
		snprintf(g->msg + n, sizeof g->msg - (size_t)n, "%s '%s'%s", what,
			 ig_ingest_escape(val, vlen, g->esc, sizeof g->esc),
			 looks_like_header(g) ? " (a header line? -H)" : g->hint ? g->hint : "");
	else
		snprintf(g->msg + n, sizeof g->msg - (size_t)n, "%s", what);
	g->hint = NULL;
	if (g->rej == NULL || g->in_header)
		ig_die_at(g->fname, g->rec_line, "%s", g->msg);
	g->st.rejected++;
	/* One rejects line per physical line: a quoted CSV field may have
	 * spread the record over several. */
	p = g->raw;
	end = g->raw + g->raw_len;
	line = g->rec_line;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char num[24];
		ig_writer_puts(g->rej, g->fname);
		ig_writer_putc(g->rej, ':');
		ig_writer_write(g->rej, num, ig_put_u64(num, (uint64_t)line));
		ig_writer_putc(g->rej, '\t');
		ig_writer_puts(g->rej, g->msg);
		ig_writer_putc(g->rej, '\t');
		ig_writer_write(g->rej, p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		ig_writer_putc(g->rej, '\n');
		if (nl == NULL)
			break;
		p = nl + 1;
		line++;
	}
}

static void raw_add(ig_ingest *g, const char *line, size_t len, int more)
{
	if (g->rej == NULL)
		return;
	if (!more)
		g->raw_len = 0;
	buf_reserve(&g->raw, &g->raw_cap, g->raw_len + len + 2);
	if (more)
		g->raw[g->raw_len++] = '\n';
	memcpy(g->raw + g->raw_len, line, len);
	g->raw_len += len;
}

/* With --encoding latin1, LINE (*LEN bytes) as UTF-8: each byte over
 * 0x7f is the code point of its value, two bytes in UTF-8. */
static char *from_latin1(ig_ingest *g, char *line, size_t *len)
{
	size_t i, n = 0;

	if (!g->o.latin1)
		return line;
	for (i = 0; i < *len; i++)
		if ((unsigned char)line[i] & 0x80)
			break;
	if (i == *len)
		return line;
	buf_reserve(&g->utf8, &g->utf8_cap, *len * 2 + 1);
	for (i = 0; i < *len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c & 0x80) {
			g->utf8[n++] = (char)(0xc0 | c >> 6);
			g->utf8[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			g->utf8[n++] = (char)c;
		}
	}
	g->utf8[n] = '\0';
	*len = n;
	return g->utf8;
}

static size_t strip_cr(char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	return len;
}

/* Reads on after a line that ended inside a quoted field. */
static int continue_quoted(ig_ingest *g, const char *first, size_t len)
{
	int nlines = 1, rc;

	g->join_len = 0;
	buf_reserve(&g->join, &g->join_cap, len + 1);
	memcpy(g->join, first, len);
	g->join_len = len;
	for (;;) {
		char *line;
		ssize_t n;
		int field = g->csv.nfields + 1;
		if (nlines >= MAX_RECORD_LINES) {
			g->csv.err = "quoted field still open after 1000 lines";
			g->csv.err_field = field;
			return IG_CSV_BAD;
		}
		n = ig_reader_getline(g->r, &line);
		if (n < 0) {
			g->csv.err = "quoted field not closed at the end of the input";
			g->csv.err_field = field;
			return IG_CSV_BAD;
		}
		raw_add(g, line, (size_t)n, 1);
		n = (ssize_t)strip_cr(line, (size_t)n);
		{
			size_t ln = (size_t)n;
			line = from_latin1(g, line, &ln);
			n = (ssize_t)ln;
		}
		buf_reserve(&g->join, &g->join_cap, g->join_len + (size_t)n + 2);
		g->join[g->join_len++] = '\n';
		memcpy(g->join + g->join_len, line, (size_t)n);
		g->join_len += (size_t)n;
		g->join[g->join_len] = '\0';
		nlines++;
		rc = ig_csv_split(&g->csv, g->join, g->join_len);
		if (rc != IG_CSV_OPEN_QUOTE)
			return rc;
	}
}

/* The next non-empty record, split into g->csv; 0 at the end of the
 * file. Records that cannot be split are rejected here. */
static void resolve_columns(ig_ingest *g, int from_header);

/* An ig stream of the kind being made (the output of ig-ingest, ig-synth
 * ...) is read as it is when neither -H nor -c says how: its
 * "#ig:KIND/VERSION" line names the columns,
 * as -H's header would, and its "#" lines (provenance) are skipped, so
 * that streams merge and shard without a grep. Returns 1 when LINE is
 * such a line. */
static int stream_line(ig_ingest *g, char *line, size_t len)
{
	const char *kind = ig_ingest_kind_name(g->kind);
	ig_header h;
	char err[256];

	if (g->o.header || g->map.given || line[0] != '#')
		return 0;
	if (g->stream_file)
		return 1;
	if (g->rec_line != 1 || len < 4 || memcmp(line, "#ig:", 4) != 0)
		return 0;
	if (ig_header_parse(line, &h, err, sizeof err) != 0)
		ig_die_at(g->fname, 1, "%s", err);
	if (strcmp(h.kind, kind) != 0)
		ig_die_at(g->fname, 1, "an ig:%s stream, not %s (-k/--kind)", h.kind, kind);
	ig_header_free(&h);
	if (g->csv.quoted || strcmp(g->csv.sep, "\t") != 0)
		ig_die_at(g->fname, 1, "an ig:%s stream is tab-separated; drop -d/-F", kind);
	ig_csv_split(&g->csv, line, len); /* unquoted: cannot fail */
	/* The names after "#ig:KIND/VERSION" are the header. */
	g->csv.nfields--;
	memmove(g->csv.field, g->csv.field + 1, (size_t)g->csv.nfields * sizeof *g->csv.field);
	memmove(g->csv.len, g->csv.len + 1, (size_t)g->csv.nfields * sizeof *g->csv.len);
	g->in_header = 1;
	resolve_columns(g, 1);
	g->in_header = 0;
	g->stream_file = 1;
	return 1;
}

/* The JSON object LINE as the record's fields, one per key of
 * g->jkeys; rejects it (and returns -1) when it is not one. */
static int json_split(ig_ingest *g, const char *line, size_t len)
{
	const char *err = NULL;
	int key, i, found;

	buf_reserve(&g->jbuf, &g->jbuf_cap, IG_JSON_BUF_SIZE(len, g->njkeys));
	if (g->csv.cap < MAX_COLS) {
		g->csv.field = ig_reallocarray(g->csv.field, MAX_COLS, sizeof *g->csv.field);
		g->csv.len = ig_reallocarray(g->csv.len, MAX_COLS, sizeof *g->csv.len);
		g->csv.cap = MAX_COLS;
	}
	found = ig_json_pick(line, len, g->jkeys, g->njkeys, g->jbuf, g->csv.field, g->csv.len, &err, &key);
	if (found < 0) {
		char what[160];
		g->csv.nfields = 0;
		if (key < 0) {
			reject(g, 0, NULL, err, NULL, 0);
			return -1;
		}
		for (i = 0; i < g->ncols && g->col[i] != key; i++)
			;
		snprintf(what, sizeof what, "key '%.*s%s'%s%s%s: %s", KEY_SHOWN, g->jkeys[key],
			 strlen(g->jkeys[key]) > KEY_SHOWN ? "..." : "", i < g->ncols ? " (" : "",
			 i < g->ncols ? col_name(g, i) : "", i < g->ncols ? ")" : "", err);
		reject(g, 0, NULL, what, NULL, 0);
		return -1;
	}
	g->jfound = (unsigned)found;
	g->csv.nfields = g->njkeys;
	return 0;
}

static int next_record(ig_ingest *g)
{
	for (;;) {
		char *line;
		ssize_t n = ig_reader_getline(g->r, &line);
		size_t len;
		int rc, utf16;

		if (n < 0)
			return 0;
		len = (size_t)n;
		g->rec_line = ig_reader_lineno(g->r);
		raw_add(g, line, len, 0);
		utf16 = g->rec_line == 1 && len >= 2 &&
			(memcmp(line, "\xff\xfe", 2) == 0 || memcmp(line, "\xfe\xff", 2) == 0);
		if (g->rec_line == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3; /* a UTF-8 byte-order mark */
			len -= 3;
		}
		len = strip_cr(line, len);
		if (len == 0) {
			g->st.blank++;
			continue;
		}
		line = from_latin1(g, line, &len);
		if (!g->in_header && stream_line(g, line, len))
			continue;
		if (!g->in_header)
			g->st.read++;
		if (utf16) {
			/* a reject, not an exit: --skip-bad still reads on */
			reject(g, 0, NULL, "UTF-16 text (its byte-order mark): convert it to UTF-8 first, "
			       "e.g. iconv -f UTF-16 -t UTF-8", NULL, 0);
			continue;
		}
		if (g->json) {
			g->jline = line;
			g->jline_len = len;
			if (json_split(g, line, len) != 0)
				continue;
			return 1;
		}
		rc = ig_csv_split(&g->csv, line, len);
		if (rc == IG_CSV_OPEN_QUOTE)
			rc = continue_quoted(g, line, len);
		if (rc == IG_CSV_BAD) {
			reject(g, g->csv.err_field, NULL, g->csv.err, NULL, 0);
			continue;
		}
		return 1;
	}
}

/* Field of ROLE in the current record (or its --set constant); NULL
 * when neither. *FIELD is the 1-based field number, 0 for a constant. */
static const char *get(const ig_ingest *g, int role, size_t *len, int *field)
{
	int c = g->col[role];

	if (g->o.set[role]) {
		*len = g->clen[role];
		*field = 0;
		return g->o.set[role];
	}
	if (c < 0) {
		*len = 0;
		*field = 0;
		return NULL;
	}
	*len = g->csv.len[c];
	*field = c + 1;
	return g->csv.field[c];
}

/* Why S (LEN bytes) is not an id (as ig_valid_id decides), or NULL. One
 * pass over the bytes: this runs twice for every event. */
static const char *id_fault(const char *s, size_t len)
{
	size_t i;
	unsigned high = 0;

	if (len == 0)
		return "empty id";
	if (len > IG_MAX_ID_LEN)
		return "id longer than 255 bytes";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20) {
			if (c == '\t')
				return "id contains a tab";
			if (c == '\n')
				return "id contains a newline";
			if (c == '\r')
				return "id contains a carriage return";
			if (c == '\0')
				return "id contains a NUL byte";
		}
		high |= c & 0x80;
	}
	if (high && !ig_valid_utf8(s, len))
		return "id is not valid UTF-8";
	return NULL;
}

/* Gets ROLE as an id; rejects the record and returns NULL if it is not. */
static const char *get_id(ig_ingest *g, int role, size_t *len)
{
	int field;
	const char *s = get(g, role, len, &field);
	const char *fault = id_fault(s, *len);

	if (fault) {
		if (strcmp(fault, "id is not valid UTF-8") == 0)
			g->hint = " (latin-1 text? --encoding latin1)";
		reject(g, field, g->roles[role], fault, s, *len);
		return NULL;
	}
	return s;
}

static int get_time(ig_ingest *g, int role, int64_t *t)
{
	int field;
	size_t len;
	const char *s = get(g, role, &len, &field), *why = NULL;

	if (field == 0) {
		*t = g->const_ts;
		return 0;
	}
	if (ig_time_parse(s, len, g->o.time_format, IG_TS_MIN, IG_TS_MAX, t, &why) != 0) {
		int64_t ms;
		/* Unix milliseconds (12 digits or more since 1973) read as
		 * seconds fall after 2100. */
		if ((g->o.time_format == IG_TIME_UNIX || g->o.time_format == IG_TIME_AUTO) && len >= 12 &&
		    ig_time_parse(s, len, IG_TIME_UNIX_MS, IG_TS_MIN, IG_TS_MAX, &ms, NULL) == 0)
			g->hint = " (milliseconds? --time ms)";
		else if (why && strcmp(why, "timestamp out of range") == 0)
			/* a time before 1970 or far ahead said only 'out of range' */
			g->hint = " (times lie from 1970-01-01 to 2100-01-01)";
		reject(g, field, g->roles[role], why, s, len);
		return -1;
	}
	return 0;
}

/* Adds the ts_offset_ms field, if mapped, to the event time *T. */
static int add_ts_offset(ig_ingest *g, int64_t *t)
{
	int c = g->col[EV_TS_OFFSET_MS];
	const char *s;
	size_t len, i;
	uint64_t ms = 0;

	if (c < 0)
		return 0;
	s = g->csv.field[c];
	len = g->csv.len[c];
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9' && ms <= UINT64_C(1) << 50; i++)
		ms = ms * 10 + (uint64_t)(s[i] - '0');
	if (len == 0 || i < len) {
		reject(g, c + 1, TS_OFFSET_MS_NAME,
		       i < len && s[i] >= '0' && s[i] <= '9' ? "offset too large" : "not a whole number of milliseconds",
		       s, len);
		return -1;
	}
	if (ms / 1000 > (uint64_t)(IG_TS_MAX - *t)) {
		reject(g, c + 1, TS_OFFSET_MS_NAME, "ts plus the offset is past 2100-01-01", s, len);
		return -1;
	}
	*t += (int64_t)(ms / 1000);
	return 0;
}

static int in_shard(const ig_ingest *g, const char *user, size_t len)
{
	return !g->o.sharded || ig_shard_of(user, len, g->o.shard_count) == g->o.shard_index;
}

/* Timestamps lie in [IG_TS_MIN, IG_TS_MAX], which 32 bits hold. */
static char *put_ts_be(char *o, int64_t ts)
{
	uint32_t v = (uint32_t)ts;

	o[0] = (char)(v >> 24);
	o[1] = (char)(v >> 16);
	o[2] = (char)(v >> 8);
	o[3] = (char)v;
	return o + 4;
}

/* Nonzero for -?DIGITS[.DIGITS], which is a number without asking strtod. */
static int simple_decimal(const char *s, size_t len)
{
	size_t i = s[0] == '-', start;

	start = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == start)
		return 0;
	if (i < len && s[i] == '.') {
		start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return 0;
	}
	return i == len;
}

/* Whether the N bytes at S are all capitals or digits. */
static int caps_or_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/* An Amazon item id (ASIN): 10 characters, an ISBN-10 (9 digits and a
 * digit or X) or 'B' and 9 capitals or digits. */
static int asin_like(const char *s, size_t len)
{
	size_t i;

	if (len != 10)
		return 0;
	if (s[0] == 'B')
		return caps_or_digits(s + 1, len - 1);
	for (i = 0; i < 9; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return (s[9] >= '0' && s[9] <= '9') || s[9] == 'X';
}

/* An Amazon reviewer id: 'A' and 11 to 29 capitals or digits. */
static int reviewer_like(const char *s, size_t len)
{
	return len >= 12 && len <= 30 && s[0] == 'A' && caps_or_digits(s + 1, len - 1);
}

/* The Amazon files of 2014 (user,item,...) and 2018 (item,user,...)
 * differ in their column order alone: read with the other preset, users
 * and items were swapped without a word. The first record's user is then
 * an item id and its item a reviewer id: said, with the other preset. */
static void amazon_check(ig_ingest *g, const char *user, size_t ulen, const char *item, size_t ilen)
{
	int first = g->o.amazon == IG_AMAZON_USER_FIRST;

	g->amazon_checked = 1;
	if (!asin_like(user, ulen) || !reviewer_like(item, ilen))
		return;
	ig_die_at(g->fname, g->rec_line,
		  "user '%.*s' is an Amazon item id (ASIN) and item '%.*s' a reviewer id: the file is %s, "
		  "not %s: use -p %s",
		  (int)ulen, user, (int)ilen, item,
		  first ? "of 2018 (item,user,rating,ts)" : "of 2014 (user,item,rating,ts)",
		  first ? "of 2014 (user,item,rating,ts), as -p amazon reads it"
			: "of 2018 (item,user,rating,ts), as -p amazon-2018 reads it",
		  first ? "amazon-2018" : "amazon");
}

/* Sort record: user NUL ts(4, big-endian) item NUL type value, so that
 * bytewise order is user, ts, then the rest, and equal events meet. */
static void event_record(ig_ingest *g)
{
	size_t ulen, ilen, vlen = 0, elen;
	const char *user, *item, *value = NULL, *ev;
	int64_t ts;
	int type, vfield = 0, efield;
	double v;
	char *o;

	if ((user = get_id(g, EV_USER, &ulen)) == NULL || (item = get_id(g, EV_ITEM, &ilen)) == NULL ||
	    get_time(g, EV_TS, &ts) != 0 || add_ts_offset(g, &ts) != 0)
		return;
	if (g->o.amazon && !g->amazon_checked)
		amazon_check(g, user, ulen, item, ilen);
	if (have(g, EV_VALUE)) {
		value = get(g, EV_VALUE, &vlen, &vfield);
		if (vlen > 0 && !simple_decimal(value, vlen) &&
		    (strlen(value) != vlen || ig_parse_double(value, &v) != 0)) {
			reject(g, vfield, "value", "not a number", value, vlen);
			return;
		}
		if (vlen > IG_MAX_ID_LEN) {
			reject(g, vfield, "value", "value longer than 255 bytes", value, vlen);
			return;
		}
	}
	switch (g->event_src) {
	case SRC_COLUMN:
		ev = get(g, EV_EVENT, &elen, &efield);
		type = g->event_rules.n ? ig_rules_match(&g->event_rules, ev, elen) : -1;
		if (type < 0 && strlen(ev) == elen)
			type = ig_event_parse(ev);
		if (type < 0) {
			g->hint = g->types_hint;
			reject(g, efield, "event", "unknown event type", ev, elen);
			return;
		}
		break;
	case SRC_VALUE:
		type = ig_rules_match(&g->event_rules, value, vlen);
		if (type < 0) {
			reject(g, vfield, "value", "no -e/--event-map rule matches", value, vlen);
			return;
		}
		break;
	default:
		type = g->const_event;
		break;
	}
	if (!in_shard(g, user, ulen)) {
		g->st.other_shards++;
		return;
	}
	/* One reservation, then plain copies: this runs for every event. */
	buf_reserve(&g->rec, &g->rec_cap, ulen + ilen + vlen + 8);
	o = g->rec;
	memcpy(o, user, ulen);
	o += ulen;
	*o++ = '\0';
	o = put_ts_be(o, ts);
	memcpy(o, item, ilen);
	o += ilen;
	*o++ = '\0';
	*o++ = (char)type;
	if (vlen > 0) {
		memcpy(o, value, vlen);
		o += vlen;
	}
	g->rec_len = (size_t)(o - g->rec);
	ig_extsort_add(g->sort, g->rec, g->rec_len);
}

/* Sort record: user NUL ts(4, big-endian) author. */
static void follow_record(ig_ingest *g)
{
	size_t ulen, alen;
	const char *user, *author;
	int64_t ts;

	if ((user = get_id(g, FO_USER, &ulen)) == NULL || (author = get_id(g, FO_AUTHOR, &alen)) == NULL ||
	    get_time(g, FO_TS, &ts) != 0)
		return;
	if (!in_shard(g, user, ulen)) {
		g->st.other_shards++;
		return;
	}
	buf_reserve(&g->rec, &g->rec_cap, ulen + alen + 5);
	memcpy(g->rec, user, ulen);
	g->rec[ulen] = '\0';
	put_ts_be(g->rec + ulen + 1, ts);
	memcpy(g->rec + ulen + 5, author, alen);
	g->rec_len = ulen + alen + 5;
	ig_extsort_add(g->sort, g->rec, g->rec_len);
}

/* Items go straight out, in input order; a repeated id is a duplicate
 * when the rest of its line is the same, an error otherwise. */
static void item_record(ig_ingest *g)
{
	size_t ilen, alen, mlen, clen, tlen, rest;
	const char *item, *author, *m, *t;
	int media, field;
	int64_t created = -1;
	uint32_t id, known;
	uint64_t h;

	if ((item = get_id(g, IT_ITEM, &ilen)) == NULL || (author = get_id(g, IT_AUTHOR, &alen)) == NULL)
		return;
	if (g->o.set[IT_MEDIA]) {
		media = g->const_media;
	} else {
		m = get(g, IT_MEDIA, &mlen, &field);
		media = g->media_rules.n ? ig_rules_match(&g->media_rules, m, mlen) : -1;
		if (media < 0 && strlen(m) == mlen)
			media = ig_media_parse(m);
		if (media < 0) {
			reject(g, field, "media", "unknown media type", m, mlen);
			return;
		}
	}
	if (have(g, IT_CREATED)) {
		get(g, IT_CREATED, &clen, &field);
		if (field == 0)
			created = clen ? g->const_created : -1;
		else if (clen > 0 && get_time(g, IT_CREATED, &created) != 0)
			return;
	}
	g->rec_len = 0;
	rec_put(g, item, ilen);
	rest = g->rec_len;
	rec_putc(g, '\t');
	rec_put(g, author, alen);
	rec_putc(g, '\t');
	rec_put(g, ig_media_name(media), strlen(ig_media_name(media)));
	rec_putc(g, '\t');
	if (created >= 0) {
		char num[24];
		rec_put(g, num, ig_put_u64(num, (uint64_t)created));
	}
	rec_putc(g, '\t');
	if (have(g, IT_TOPICS)) {
		const char *p, *end;
		t = get(g, IT_TOPICS, &tlen, &field);
		p = t;
		end = t + tlen;
		while (tlen > 0) {
			const char *sep = memchr(p, g->o.topic_sep, (size_t)(end - p));
			size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
			const char *fault = n == 0 ? "empty topic in" : id_fault(p, n) ? "invalid topic in"
				: memchr(p, ',', n) ? "topic with a comma in" : NULL;
			if (fault) {
				reject(g, field, "topics", fault, t, tlen);
				return;
			}
			if (p != t)
				rec_putc(g, ',');
			rec_put(g, p, n);
			if (sep == NULL)
				break;
			p = sep + 1;
		}
	}
	rec_putc(g, '\n');
	h = ig_hash64(g->rec + rest, g->rec_len - rest);
	known = ig_intern_count(g->items);
	id = ig_intern_add(g->items, item, ilen);
	if (id < known) {
		char what[256];
		if (g->item_hash[id] == h) {
			g->st.duplicates++;
			return;
		}
		snprintf(what, sizeof what, "item listed before, with other fields, at %s:%ld",
			 g->files[g->item_file[id]], g->item_line[id]);
		get(g, IT_ITEM, &ilen, &field);
		reject(g, field, "item", what, item, ilen);
		return;
	}
	if (id >= g->item_cap) {
		g->item_cap = g->item_cap ? g->item_cap * 2 : 1024;
		g->item_hash = ig_reallocarray(g->item_hash, g->item_cap, sizeof *g->item_hash);
		g->item_file = ig_reallocarray(g->item_file, g->item_cap, sizeof *g->item_file);
		g->item_line = ig_reallocarray(g->item_line, g->item_cap, sizeof *g->item_line);
	}
	g->item_hash[id] = h;
	g->item_file[id] = (uint32_t)(g->nfiles - 1);
	g->item_line[id] = g->rec_line;
	ig_writer_write(g->out, g->rec, g->rec_len);
	g->st.written++;
}

/* A record of one field where more were expected was most likely cut
 * at the wrong separator: names the likeliest one it holds (first of
 * tab, ';', ',', '|', "::", space), or "" when it holds none. */
static const char *sep_hint(const ig_ingest *g)
{
	static const char *const seps[] = {"\t", ";", ",", "|", "::", " "};
	static const char *const hints[] = {
		" (tab-separated? -F tsv)", " (is ';' the separator? -d ';')", " (is ',' the separator? -F csv)",
		" (is '|' the separator? -d '|')", " (is '::' the separator? -d '::')",
		" (is ' ' the separator? -d ' ')"};
	size_t i;

	if (g->csv.nfields != 1)
		return "";
	for (i = 0; i < sizeof seps / sizeof seps[0]; i++)
		if (strcmp(seps[i], g->csv.sep) != 0 && strstr(g->csv.field[0], seps[i]) != NULL)
			/* Already CSV (a ';' preset on a ',' copy): the separator. */
			return i == 2 && g->csv.quoted ? " (is ',' the separator? -d ',')" : hints[i];
	return "";
}

/* Nonzero when the current record is line 1 of a file read without -H
 * and every field of it is a name (starts with a letter): a header
 * line, whose first bad field should say so. */
static int looks_like_header(const ig_ingest *g)
{
	int i;

	if (g->rec_line != 1 || g->o.header || g->stream_file || g->json)
		return 0;
	for (i = 0; i < g->csv.nfields; i++)
		if (!isalpha((unsigned char)g->csv.field[i][0]))
			return 0;
	return 1;
}

/* Nonzero when PATH ends in EXT or EXT.gz (any case). */
static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	if (n >= 3 && strcasecmp(path + n - 3, ".gz") == 0)
		n -= 3;
	return n >= e && strncasecmp(path + n - e, ext, e) == 0;
}

static int is_csv_name(const char *path)
{
	return has_ext(path, ".csv");
}

int ig_ingest_json_name(const char *path)
{
	return has_ext(path, ".json") || has_ext(path, ".jsonl") || has_ext(path, ".ndjson");
}

/* The fields of a JSON lines file are the values of keys: those -c names,
 * and for the other columns their own names, which count only if the
 * first object has them (as a header names its columns). Returns 0 at
 * once for an empty file; else the first record is split and its fields
 * resolved, ready to process. */
static int json_begin(ig_ingest *g)
{
	const colmap *m = &g->map;
	const char *cand[MAX_COLS];
	int i, n = 0, first;

	if (g->o.header)
		ig_usage_error("%s: JSON lines have no header line: drop -H/--header", g->fname);
	if (m->given && m->list)
		ig_usage_error("%s: JSON values are found by key: -c COLUMN=KEY,...", g->fname);
	for (i = 0; i < g->ncols; i++) {
		if (m->pos[i])
			ig_usage_error("%s: JSON values are found by key, not by number: -c %s=KEY", g->fname,
				       col_name(g, i));
		if (m->name[i])
			cand[n++] = m->name[i];
		else if (i < g->nroles && g->o.set[i] == NULL)
			cand[n++] = g->roles[i];
	}
	memcpy(g->jkeys, cand, (size_t)n * sizeof *cand);
	g->njkeys = n;
	/* Any column will do until the keys are known: the first object
	 * that parses decides. */
	for (i = 0; i < g->ncols; i++)
		g->col[i] = -1;
	first = next_record(g);
	if (!first)
		return 0;
	g->njkeys = 0;
	for (i = 0; i < n; i++) {
		int named = 0, r;
		for (r = 0; r < g->ncols; r++)
			named |= m->name[r] == cand[i];
		if (named || (g->jfound & 1u << i))
			g->jkeys[g->njkeys++] = cand[i];
	}
	g->csv.nfields = g->njkeys;
	for (i = 0; i < g->njkeys; i++) {
		g->csv.field[i] = (char *)g->jkeys[i];
		g->csv.len[i] = strlen(g->jkeys[i]);
	}
	g->in_header = 1;
	resolve_columns(g, 1);
	g->in_header = 0;
	return json_split(g, g->jline, g->jline_len) == 0 ? 1 : -1;
}

/* Checks the field count of the record split and makes it a stream record. */
static void process_record(ig_ingest *g)
{
	int n = g->csv.nfields;
	char what[128];

	if (g->expect < 0) {
		if (n < g->min_fields) {
			snprintf(what, sizeof what, "expected at least %d fields, got %d%s", g->min_fields, n,
				 sep_hint(g));
			reject(g, 0, NULL, what, NULL, 0);
			return;
		}
		g->expect = n;
	}
	if (n != g->expect) {
		snprintf(what, sizeof what, "expected %d fields, got %d%s", g->expect, n, sep_hint(g));
		reject(g, 0, NULL, what, NULL, 0);
		return;
	}
	if (g->kind == IG_KIND_EVENTS)
		event_record(g);
	else if (g->kind == IG_KIND_FOLLOWS)
		follow_record(g);
	else
		item_record(g);
}

void ig_ingest_file(ig_ingest *g, const char *path)
{
	int csv = g->o.format == IG_FORMAT_CSV || (g->o.format == IG_FORMAT_AUTO && is_csv_name(path));
	const char *sep = g->o.sep ? g->o.sep : csv ? "," : "\t";

	g->json = g->o.format == IG_FORMAT_JSON || (g->o.format == IG_FORMAT_AUTO && ig_ingest_json_name(path));
	if (g->json)
		csv = 0, sep = "\t";
	if (ig_csv_init(&g->csv, csv, sep) != 0)
		ig_usage_error("-d/--sep: '%s' is not a usable separator for CSV (one byte, not '\"')", sep);
	g->r = ig_reader_open(path);
	g->fname = ig_reader_name(g->r);
	g->files = ig_reallocarray(g->files, g->nfiles + 1, sizeof *g->files);
	g->files[g->nfiles++] = ig_strdup(g->fname);
	g->fname = g->files[g->nfiles - 1];
	g->stream_file = 0;
	if (g->json) {
		int first = json_begin(g);
		if (first > 0)
			process_record(g);
		if (first == 0)
			goto done;
	} else if (g->o.header) {
		int have_header;
		g->in_header = 1;
		have_header = next_record(g);
		g->in_header = 0;
		if (!have_header) {
			/* An empty file: no header, no records. */
			ig_reader_close(g->r);
			g->r = NULL;
			ig_csv_free(&g->csv);
			return;
		}
		g->in_header = 1;
		resolve_columns(g, 1);
		g->in_header = 0;
	} else {
		resolve_columns(g, 0);
	}
	while (next_record(g)) {
		process_record(g);
		if (g->o.cli && g->st.read % PROGRESS_EVERY == 0)
			ig_cli_progress(g->o.cli, "%s: %llu records read", g->fname,
					(unsigned long long)g->st.read);
	}
done:
	g->st.bytes += ig_reader_bytes(g->r);
	ig_reader_close(g->r);
	g->r = NULL;
	ig_csv_free(&g->csv);
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes the sorted events or follows, dropping exact duplicates. */
static void write_sorted(ig_ingest *g)
{
	const void *recp;
	size_t len, prev_len = 0, prev_cap = 0;
	unsigned char *prev = NULL;
	int have_prev = 0, i;
	size_t event_len[IG_EV_COUNT];

	for (i = 0; i < IG_EV_COUNT; i++)
		event_len[i] = strlen(ig_event_name(i));
	ig_extsort_finish(g->sort);
	g->st.spill_runs = ig_extsort_runs(g->sort);
	if (g->o.cli && g->st.spill_runs > 0)
		ig_cli_progress(g->o.cli, "merging %llu sorted runs", (unsigned long long)g->st.spill_runs);
	while (ig_extsort_next(g->sort, &recp, &len)) {
		const unsigned char *rec = recp, *user = rec, *rest, *p;
		size_t ulen = strlen((const char *)rec), plen;
		char *o;

		if (have_prev && len == prev_len && memcmp(prev, rec, len) == 0) {
			g->st.duplicates++;
			continue;
		}
		if (!have_prev || ulen + 1 > prev_len || memcmp(prev, rec, ulen + 1) != 0)
			g->st.users++;
		if (len > prev_cap) {
			prev_cap = len * 2 + 64;
			prev = ig_realloc(prev, prev_cap);
		}
		memcpy(prev, rec, len);
		prev_len = len;
		have_prev = 1;

		rest = rec + ulen + 1;
		p = rest + 4;
		plen = len - (size_t)(p - rec);
		buf_reserve(&g->rec, &g->rec_cap, len + 32);
		o = g->rec;
		if (g->kind == IG_KIND_EVENTS) {
			/* ts user item event value */
			size_t ilen = strlen((const char *)p);
			int type = p[ilen + 1];
			o += ig_put_u64(o, get_be32(rest));
			*o++ = '\t';
			memcpy(o, user, ulen);
			o += ulen;
			*o++ = '\t';
			memcpy(o, p, ilen);
			o += ilen;
			*o++ = '\t';
			memcpy(o, ig_event_name(type), event_len[type]);
			o += event_len[type];
			*o++ = '\t';
			memcpy(o, p + ilen + 2, plen - ilen - 2);
			o += plen - ilen - 2;
			g->st.per_type[type]++;
		} else {
			/* user author ts */
			memcpy(o, user, ulen);
			o += ulen;
			*o++ = '\t';
			memcpy(o, p, plen);
			o += plen;
			*o++ = '\t';
			o += ig_put_u64(o, get_be32(rest));
		}
		*o++ = '\n';
		g->rec_len = (size_t)(o - g->rec);
		ig_writer_write(g->out, g->rec, g->rec_len);
		g->st.written++;
	}
	free(prev);
}

void ig_ingest_finish(ig_ingest *g, ig_ingest_stats *stats)
{
	if (g->sort)
		write_sorted(g);
	if (g->rej) {
		ig_writer_close(g->rej);
		g->rej = NULL;
	}
	*stats = g->st;
}

void ig_ingest_free(ig_ingest *g)
{
	size_t i;
	int r;

	if (g == NULL)
		return;
	ig_rules_free(&g->event_rules);
	ig_rules_free(&g->media_rules);
	for (r = 0; r < MAX_COLS; r++)
		free(g->map.name[r]);
	ig_extsort_free(g->sort);
	ig_intern_free(g->items);
	free(g->item_hash);
	free(g->item_file);
	free(g->item_line);
	for (i = 0; i < g->nfiles; i++)
		free(g->files[i]);
	free(g->files);
	free(g->join);
	free(g->raw);
	free(g->utf8);
	free(g->jbuf);
	free(g->rec);
	free(g);
}
