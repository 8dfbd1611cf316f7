/* The events stream of DESIGN.md: event types, their weights, and a
 * strict reader that checks the (user, ts) order. */
#ifndef IG_EVENTS_H
#define IG_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"

typedef enum ig_event_type {
	IG_EV_IMPRESSION,
	IG_EV_VIEW,
	IG_EV_LIKE,
	IG_EV_COMMENT,
	IG_EV_SHARE,
	IG_EV_SAVE,
	IG_EV_FOLLOW,
	IG_EV_SKIP,
	IG_EV_SEE_LESS,
	IG_EV_HIDE,
	IG_EV_REPORT,
	IG_EV_COUNT
} ig_event_type;

const char *ig_event_name(int type);
/* The type named S, or -1. */
int ig_event_parse(const char *s);

/* Earliest and latest accepted timestamps (1970-01-01 .. 2100-01-01). */
#define IG_TS_MIN INT64_C(0)
#define IG_TS_MAX INT64_C(4102444800)

typedef struct ig_event {
	int64_t ts;
	const char *user, *item; /* NUL-terminated, valid until the next read */
	size_t user_len, item_len;
	int type;
	int has_value;
	double value;
	char **extra;            /* trailing columns beyond the core five */
	int nextra;
} ig_event;

typedef struct ig_events_reader ig_events_reader;

/* Opens PATH and checks its header; exits 1 on a wrong kind. */
ig_events_reader *ig_events_open(const char *path);
/* Reads the next event; 0 at the end. A malformed record or one out of
 * (user, ts) order exits 1 naming file, line, field and value. */
int ig_events_next(ig_events_reader *er, ig_event *ev);
const ig_header *ig_events_header(const ig_events_reader *er);
ig_reader *ig_events_raw(ig_events_reader *er);
void ig_events_close(ig_events_reader *er);

/* Per-type weights, as "share=3,save=3,like=2": types not named keep the
 * value already in W. Returns 0, or -1 with a message in ERR (a type named
 * twice and an empty element among the errors). */
int ig_event_weights_parse(const char *spec, double w[IG_EV_COUNT], char *err, size_t errlen);
/* A set of event types, as "view,like": bit 1 << type of *MASK for each.
 * Returns 0, or -1 with a message in ERR for an unknown type, a type named
 * twice or an empty element (an empty SPEC among them). */
int ig_event_mask_parse(const char *spec, unsigned *mask, char *err, size_t errlen);
/* The same for rewards, which may be negative (a see_less costs):
 * values from -1e6 to 1e6. */
int ig_event_rewards_parse(const char *spec, double w[IG_EV_COUNT], char *err, size_t errlen);
/* The default engagement weights used for sequences and co-occurrence:
 * share 3, save 3, comment 2, like 2, follow 2, view 1, others 0. */
void ig_event_weights_default(double w[IG_EV_COUNT]);

/* ---- events grouped by user ---- */

/* One event of a user, as the stream gave it. */
typedef struct ig_user_event {
	int64_t ts;
	uint32_t item;     /* number in the reader's item table, if it was given one */
	int type;
	int has_value;
	double value;
	size_t item_off;   /* item id in the group's text */
	size_t item_len;
	size_t extra_off;  /* trailing columns joined by tabs, "" if none */
} ig_user_event;

/* All events of one user, in stream order (ts ascending). */
typedef struct ig_user_group {
	const char *user;
	size_t user_len;
	ig_user_event *ev;
	size_t n;
	char *text;         /* item ids and extra columns, NUL-terminated */
	size_t text_len;
	/* private */
	size_t ev_cap, text_cap;
	char *user_buf;
	size_t user_cap;
} ig_user_group;

typedef struct ig_user_events_reader ig_user_events_reader;

/* Opens an events stream to read it a user at a time; ITEMS (may be NULL)
 * gets every item interned, and ig_user_event.item its number. */
ig_user_events_reader *ig_user_events_open(const char *path, ig_intern *items);
/* The next user's events into G (reused across calls); 0 at the end. */
int ig_user_events_next(ig_user_events_reader *e, ig_user_group *g);
const ig_header *ig_user_events_header(const ig_user_events_reader *e);
const char *ig_user_events_name(const ig_user_events_reader *e);
/* Events read so far. */
uint64_t ig_user_events_count(const ig_user_events_reader *e);
void ig_user_events_close(ig_user_events_reader *e);
void ig_user_group_free(ig_user_group *g);

#endif
