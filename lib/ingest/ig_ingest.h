/* ig-ingest: raw logs (TSV, CSV, "::"-separated ...) to the events, items
 * and follows streams of DESIGN.md, validated, with events and follows
 * sorted (bounded memory) and exact duplicates dropped. */
#ifndef IG_INGEST_H
#define IG_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "cli/ig_cli.h"
#include "io/ig_events.h"
#include "ingest/ig_ingest_rules.h"
#include "io/ig_writer.h"

enum ig_ingest_kind { IG_KIND_EVENTS, IG_KIND_ITEMS, IG_KIND_FOLLOWS, IG_KIND_COUNT };
enum ig_ingest_format { IG_FORMAT_AUTO, IG_FORMAT_TSV, IG_FORMAT_CSV, IG_FORMAT_JSON };

#define IG_INGEST_MAX_ROLES 5

/* What one run does. Fields left NULL / -1 take the preset's value, then
 * the defaults (see ig_ingest_finish_opts). */
typedef struct ig_ingest_opts {
	int kind;                /* enum ig_ingest_kind, -1 unset */
	int format;              /* enum ig_ingest_format, -1 unset */
	const char *sep;         /* NULL: tab for TSV, ',' for CSV */
	int header;              /* -1 unset, 0, 1 */
	const char *columns;     /* column map */
	const char *event_map;   /* rules for the event type */
	const char *media_map;   /* rules for the media type */
	int topic_sep;           /* -1 unset: ',' */
	int time_format;         /* enum ig_time_format, -1 unset */
	int latin1;              /* -1 unset, 0: UTF-8 input, 1: ISO-8859-1 input */
	const char *set[IG_INGEST_MAX_ROLES]; /* --set ROLE=VALUE constants, by role */
	int sharded;
	uint32_t shard_index, shard_count;
	const char *rejects;     /* --skip-bad FILE, NULL: strict */
	uint64_t memory;         /* sort budget, bytes */
	const char *tmpdir;      /* spill directory, NULL: $TMPDIR or /tmp */
	const ig_cli *cli;       /* for progress lines; may be NULL */
	int amazon;              /* the Amazon presets' column order, checked on the first
				  * record: IG_AMAZON_USER_FIRST (2014), IG_AMAZON_ITEM_FIRST (2018), 0 none */
} ig_ingest_opts;

enum { IG_AMAZON_USER_FIRST = 1, IG_AMAZON_ITEM_FIRST = 2 };

typedef struct ig_ingest_stats {
	uint64_t read;           /* records (data lines) read */
	uint64_t written;
	uint64_t rejected;
	uint64_t duplicates;
	uint64_t other_shards;   /* valid records of users in other shards */
	uint64_t blank;          /* empty lines, ignored */
	uint64_t per_type[IG_EV_COUNT];
	uint64_t users;          /* distinct users written (events, follows) */
	uint64_t spill_runs;
	uint64_t bytes;          /* input bytes */
} ig_ingest_stats;

/* Sets every field of O to "unset". */
void ig_ingest_opts_init(ig_ingest_opts *o);

/* Kind names: "events", "items", "follows"; the kind named S, or -1. */
const char *ig_ingest_kind_name(int kind);
int ig_ingest_kind_parse(const char *s);

/* The roles (output columns) of KIND in stream order; returns how many. */
int ig_ingest_roles(int kind, const char *const **roles);
/* The role of KIND named S, or -1. */
int ig_ingest_role_parse(int kind, const char *s);

/* Fills the unset fields of O from preset NAME. Returns 0, or -1 when
 * there is no such preset or it contradicts O's kind (message in ERR). */
int ig_ingest_apply_preset(ig_ingest_opts *o, const char *name, char *err, size_t errlen);
/* The kind of stream preset NAME makes, or -1 if there is no such preset. */
int ig_ingest_preset_kind(const char *name);
/* Lines "NAME  description" of every preset, for --help. */
void ig_ingest_list_presets(FILE *fp);

/* Nonzero when PATH is named as JSON lines (.json, .jsonl, .ndjson,
 * each optionally .gz), which -F auto reads as such. */
int ig_ingest_json_name(const char *path);

/* Records "--set ROLE=VALUE" in O; -1 with a message in ERR when ROLE is
 * not a column of O's kind. */
int ig_ingest_set(ig_ingest_opts *o, const char *spec, char *err, size_t errlen);

typedef struct ig_ingest ig_ingest;

/* Checks O (applying defaults) and prepares a run; a contradiction in
 * the options exits 2 (usage error), before any output is opened. */
ig_ingest *ig_ingest_new(const ig_ingest_opts *o);
/* Sets the output and writes the stream header: before the first file. */
void ig_ingest_begin(ig_ingest *g, ig_writer *out);
/* Reads one input file ("-" is stdin). In strict mode the first bad
 * record exits 1: "FILE:LINE: field N (NAME): what 'value'". */
void ig_ingest_file(ig_ingest *g, const char *path);
/* Writes what is left (the sorted events or follows; items are written
 * as they are read), closes the rejects file and fills STATS. The output
 * writer stays open: the caller closes it. */
void ig_ingest_finish(ig_ingest *g, ig_ingest_stats *stats);
void ig_ingest_free(ig_ingest *g);

/* "VALUE" made safe for a one-line message: control bytes and, in text
 * that is not UTF-8, bytes over 0x7f as \xHH (\t \n \r by name), and
 * cut to about 80 bytes with "...". Returns BUF. */
char *ig_ingest_escape(const char *s, size_t len, char *buf, size_t size);

#endif
