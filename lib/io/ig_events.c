#include "io/ig_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "core/ig_num.h"

static const char *const event_names[IG_EV_COUNT] = {
	"impression", "view", "like", "comment", "share", "save",
	"follow", "skip", "see_less", "hide", "report",
};


const char *ig_event_name(int type)
{
	return type >= 0 && type < IG_EV_COUNT ? event_names[type] : "?";
}

int ig_event_parse(const char *s)
{
	int i;

	for (i = 0; i < IG_EV_COUNT; i++)
		if (strcmp(s, event_names[i]) == 0)
			return i;
	return -1;
}

#define MAX_FIELDS 64

struct ig_events_reader {
	ig_reader *r;
	ig_header h;
	char *fields[MAX_FIELDS];
	char *prev_user;
	size_t prev_user_len, prev_user_cap;
	int64_t prev_ts;
	int have_prev;
};

ig_events_reader *ig_events_open(const char *path)
{
	ig_events_reader *er = ig_calloc(1, sizeof *er);

	er->r = ig_reader_open(path);
	ig_schema_read_header(er->r, IG_STREAM_EVENTS, &er->h, NULL);
	if (er->h.ncols > MAX_FIELDS)
		ig_die_at(ig_reader_name(er->r), 1, "too many columns (%d, at most %d)", er->h.ncols, MAX_FIELDS);
	return er;
}

int ig_events_next(ig_events_reader *er, ig_event *ev)
{
	char *line;
	ssize_t len;
	int n;
	const char *name = ig_reader_name(er->r);
	long ln;
	int c;

	len = ig_reader_getline(er->r, &line);
	if (len < 0)
		return 0;
	ln = ig_reader_lineno(er->r);
	n = ig_split_tabs(line, er->fields, MAX_FIELDS);
	if (n != er->h.ncols)
		ig_die_at(name, ln, "expected %d fields, got %d", er->h.ncols, n);
	if (ig_parse_i64(er->fields[0], IG_TS_MIN, IG_TS_MAX, &ev->ts) != 0)
		ig_die_at(name, ln, "field 1 (ts): bad timestamp '%s'", ig_esc(er->fields[0]));
	ev->user = er->fields[1];
	ev->user_len = strlen(ev->user);
	if (!ig_valid_id(ev->user, ev->user_len))
		ig_die_at(name, ln, "field 2 (user): invalid id '%s'", ig_esc(ev->user));
	ev->item = er->fields[2];
	ev->item_len = strlen(ev->item);
	if (!ig_valid_id(ev->item, ev->item_len))
		ig_die_at(name, ln, "field 3 (item): invalid id '%s'", ig_esc(ev->item));
	ev->type = ig_event_parse(er->fields[3]);
	if (ev->type < 0)
		ig_die_at(name, ln, "field 4 (event): unknown event type '%s'", ig_esc(er->fields[3]));
	ev->has_value = er->fields[4][0] != '\0';
	ev->value = 0;
	if (ev->has_value && ig_parse_double(er->fields[4], &ev->value) != 0)
		ig_die_at(name, ln, "field 5 (value): not a number '%s'", ig_esc(er->fields[4]));
	ev->extra = er->fields + 5;
	ev->nextra = n - 5;
	if (er->have_prev) {
		size_t m = ev->user_len < er->prev_user_len ? ev->user_len : er->prev_user_len;
		c = memcmp(er->prev_user, ev->user, m);
		if (c == 0)
			c = (er->prev_user_len > ev->user_len) - (er->prev_user_len < ev->user_len);
		if (c > 0 || (c == 0 && ev->ts < er->prev_ts))
			ig_die_at(name, ln, "events are not sorted by user, then ts (user '%s' ts %lld); "
				  "sort them with ig-ingest", ig_esc(ev->user), (long long)ev->ts);
	}
	ig_strcpy_grow(&er->prev_user, &er->prev_user_cap, ev->user, ev->user_len);
	er->prev_user_len = ev->user_len;
	er->prev_ts = ev->ts;
	er->have_prev = 1;
	return 1;
}

const ig_header *ig_events_header(const ig_events_reader *er) { return &er->h; }
ig_reader *ig_events_raw(ig_events_reader *er) { return er->r; }

void ig_events_close(ig_events_reader *er)
{
	if (er == NULL)
		return;
	ig_reader_close(er->r);
	ig_header_free(&er->h);
	free(er->prev_user);
	free(er);
}

void ig_event_weights_default(double w[IG_EV_COUNT])
{
	int i;

	for (i = 0; i < IG_EV_COUNT; i++)
		w[i] = 0;
	w[IG_EV_SHARE] = 3;
	w[IG_EV_SAVE] = 3;
	w[IG_EV_COMMENT] = 2;
	w[IG_EV_LIKE] = 2;
	w[IG_EV_FOLLOW] = 2;
	w[IG_EV_VIEW] = 1;
}

/* Checks one element of a list of event types; the type, or -1 with a
 * message in ERR. */
static int list_type(int got, const char *elem, const char *spec, unsigned seen, char *err, size_t errlen)
{
	int type;

	if (got < 0) {
		snprintf(err, errlen, "empty element in '%s'", spec);
		return -1;
	}
	type = ig_event_parse(elem);
	if (type < 0)
		snprintf(err, errlen, "unknown event type '%s'", elem);
	else if (seen & (1u << type)) {
		snprintf(err, errlen, "%s named twice in '%s'", elem, spec);
		type = -1;
	}
	return type;
}

static int weights_parse(const char *spec, double w[IG_EV_COUNT], double min, char *err, size_t errlen)
{
	char *copy = ig_strdup(spec), *cursor = copy, *elem;
	unsigned seen = 0;
	int got, rc = 0;

	while (rc == 0 && (got = ig_seplist_next(&cursor, ',', &elem)) != 0) {
		char *eq = got > 0 ? strchr(elem, '=') : NULL;
		int type;
		double v;

		if (got > 0 && eq == NULL) {
			snprintf(err, errlen, "'%s' is not TYPE=WEIGHT", elem);
			rc = -1;
			break;
		}
		if (eq != NULL)
			*eq = '\0';
		if ((type = list_type(got, elem, spec, seen, err, errlen)) < 0) {
			rc = -1;
			break;
		}
		if (ig_parse_double_range(eq + 1, min, 1e6, &v) != 0) {
			snprintf(err, errlen, "weight of %s: '%s' is not a number from %g to 1e6", elem, eq + 1, min);
			rc = -1;
			break;
		}
		seen |= 1u << type;
		w[type] = v;
	}
	free(copy);
	return rc;
}

int ig_event_mask_parse(const char *spec, unsigned *mask, char *err, size_t errlen)
{
	char *copy = ig_strdup(spec), *cursor = copy, *elem;
	unsigned m = 0;
	int got, type, rc = 0;

	if (*spec == '\0') {
		snprintf(err, errlen, "no event types in ''");
		rc = -1;
	}
	while (rc == 0 && (got = ig_seplist_next(&cursor, ',', &elem)) != 0) {
		if ((type = list_type(got, elem, spec, m, err, errlen)) < 0) {
			rc = -1;
			break;
		}
		m |= 1u << type;
	}
	free(copy);
	if (rc == 0)
		*mask = m;
	return rc;
}

/* ---- events by user ---- */

struct ig_user_events_reader {
	ig_events_reader *er;
	ig_intern *items;
	ig_event ev;
	int have_ev, done;
	uint64_t count;
};

ig_user_events_reader *ig_user_events_open(const char *path, ig_intern *items)
{
	ig_user_events_reader *e = ig_calloc(1, sizeof *e);

	e->er = ig_events_open(path);
	e->items = items;
	return e;
}

static size_t text_add(ig_user_group *g, const char *s, size_t n)
{
	size_t off = g->text_len;

	if (g->text_len + n + 1 > g->text_cap) {
		g->text_cap = (g->text_len + n + 1) * 2 + 1024;
		g->text = ig_realloc(g->text, g->text_cap);
	}
	memcpy(g->text + off, s, n);
	g->text[off + n] = '\0';
	g->text_len += n + 1;
	return off;
}

int ig_user_events_next(ig_user_events_reader *e, ig_user_group *g)
{
	ig_event *ev = &e->ev;

	g->n = 0;
	g->text_len = 0;
	if (!e->have_ev) {
		if (e->done || !ig_events_next(e->er, ev)) {
			e->done = 1;
			return 0;
		}
		e->count++;
	}
	ig_strcpy_grow(&g->user_buf, &g->user_cap, ev->user, ev->user_len);
	g->user = g->user_buf;
	g->user_len = ev->user_len;
	for (;;) {
		ig_user_event *x;
		int i;

		if (g->n == g->ev_cap) {
			g->ev_cap = g->ev_cap ? g->ev_cap * 2 : 256;
			g->ev = ig_reallocarray(g->ev, g->ev_cap, sizeof *g->ev);
		}
		x = &g->ev[g->n++];
		x->ts = ev->ts;
		x->type = ev->type;
		x->has_value = ev->has_value;
		x->value = ev->value;
		x->item = e->items ? ig_intern_add(e->items, ev->item, ev->item_len) : IG_INTERN_NONE;
		x->item_off = text_add(g, ev->item, ev->item_len);
		x->item_len = ev->item_len;
		if (ev->nextra == 0) {
			x->extra_off = text_add(g, "", 0);
		} else {
			x->extra_off = g->text_len;
			for (i = 0; i < ev->nextra; i++) {
				size_t off = text_add(g, ev->extra[i], strlen(ev->extra[i]));

				if (i + 1 < ev->nextra)
					g->text[g->text_len - 1] = '\t'; /* join, not end */
				(void)off;
			}
		}
		if (!ig_events_next(e->er, ev)) {
			e->have_ev = 0;
			e->done = 1;
			break;
		}
		e->count++;
		if (ev->user_len != g->user_len || memcmp(ev->user, g->user, g->user_len) != 0) {
			e->have_ev = 1;
			break;
		}
	}
	return 1;
}

const ig_header *ig_user_events_header(const ig_user_events_reader *e) { return ig_events_header(e->er); }
const char *ig_user_events_name(const ig_user_events_reader *e) { return ig_reader_name(ig_events_raw(e->er)); }
uint64_t ig_user_events_count(const ig_user_events_reader *e) { return e->count; }

void ig_user_events_close(ig_user_events_reader *e)
{
	if (e == NULL)
		return;
	ig_events_close(e->er);
	free(e);
}

void ig_user_group_free(ig_user_group *g)
{
	free(g->ev);
	free(g->text);
	free(g->user_buf);
	memset(g, 0, sizeof *g);
}

int ig_event_weights_parse(const char *spec, double w[IG_EV_COUNT], char *err, size_t errlen)
{
	return weights_parse(spec, w, 0, err, errlen);
}

int ig_event_rewards_parse(const char *spec, double w[IG_EV_COUNT], char *err, size_t errlen)
{
	return weights_parse(spec, w, -1e6, err, errlen);
}
