/* The stream kinds of ig-formats(5) in one table. Each kind declares its
 * name, version and columns once here; writers put the header from the
 * table and readers check what they get against it, so that a column list
 * is written in one place only.
 *
 * Two layouts: a FIXED kind's columns come first, in table order (events,
 * items, ...; extra columns may follow them); a BY_NAME kind's columns are
 * found by name wherever they are (candidates, ranked, feed), so columns
 * may be added. Some kinds take a run of columns named at run time
 * (candidates' s_NAME, ranked's p_HEAD, user-metrics' METRIC@K): a writer
 * passes them as EXTRA and they go at the table's extra_at position. */
#ifndef IG_SCHEMA_H
#define IG_SCHEMA_H

#include <stddef.h>

#include "io/ig_reader.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"

typedef enum ig_stream {
	IG_STREAM_EVENTS,
	IG_STREAM_ITEMS,
	IG_STREAM_FOLLOWS,
	IG_STREAM_TOPICS,
	IG_STREAM_NEIGHBORS,
	IG_STREAM_COOC_PARTIAL,
	IG_STREAM_CANDIDATES,
	IG_STREAM_RANKED,
	IG_STREAM_FEED,
	IG_STREAM_METRICS,
	IG_STREAM_USER_METRICS,
	IG_STREAM_COMPARE,
	IG_STREAM_TRUTH_INTERESTS,
	IG_STREAM_TRUTH_IMPRESSIONS,
	IG_STREAM_TRUTH_USERS,
	IG_STREAM_TRUTH_ITEMS,
	IG_STREAM_RESPONSE,
	IG_STREAM_OPE,
	IG_STREAM_INSIGHTS,
	IG_STREAM_EXAMPLES,
	IG_STREAM_RANK_METRICS,
	IG_STREAM_PREDICTIONS,
	IG_STREAM_COUNT
} ig_stream;

enum ig_schema_layout { IG_LAYOUT_FIXED, IG_LAYOUT_BY_NAME };

typedef struct ig_schema {
	const char *kind;        /* "events" */
	int version;
	int layout;              /* enum ig_schema_layout */
	int ncols;
	const char *const *cols; /* in the order a writer puts them */
	unsigned optional;       /* BY_NAME: bit i set when cols[i] may be absent */
	int extra_at;            /* where run-time columns go (ncols: at the end) */
} ig_schema;

/* The table entry of STREAM (an enum ig_stream). */
const ig_schema *ig_schema_of(int stream);
/* The stream whose kind is NAME, or -1. */
int ig_schema_find(const char *name);

/* Writes the header of STREAM: its columns with EXTRA (NEXTRA names) at
 * extra_at, then the provenance of UPSTREAM (may be NULL) and of this run
 * (W's, ig_writer_set_prov). */
void ig_schema_write_header(ig_writer *w, int stream, const char *const *extra, int nextra,
			    const ig_header *upstream);
/* The same text with PROV (may be NULL) for this run, in a new string
 * (for writers that send it on its own). */
char *ig_schema_format_header(int stream, const char *const *extra, int nextra,
			      const ig_header *upstream, const ig_prov *prov, size_t *len);
/* A header of STREAM's kind and version with the columns COLS (NCOLS),
 * for a writer that carries columns over from its input or adds its own
 * after the table's (ig-rank's retrieval_score): they must hold the
 * table's columns as a reader of STREAM checks them. */
void ig_schema_write_header_cols(ig_writer *w, int stream, const char *const *cols, int ncols,
				 const ig_header *upstream);
/* A header of STREAM's kind and version with the first NCOLS table
 * columns only: for writers that predate the later columns (ig-eval
 * baseline writes candidates without reason). */
void ig_schema_write_header_prefix(ig_writer *w, int stream, int ncols, const ig_header *upstream);

/* Reads the header of R as ig_header_read does for STREAM's kind and
 * version, then checks its columns: a FIXED kind must start with the
 * table's columns ("KIND header: column N must be 'C', got 'D'"), a
 * BY_NAME kind must hold each column not optional ("KIND stream has no
 * 'C' column"); all exit 1 naming FILE:1. COL (may be NULL) gets, for
 * each table column, its index in the header, -1 when absent. */
void ig_schema_read_header(ig_reader *r, int stream, ig_header *h, int *col);
/* The column checks of ig_schema_read_header alone, on a header H of R
 * read already (of STREAM's kind and version). */
void ig_schema_check_cols(ig_reader *r, int stream, const ig_header *h, int *col);

#endif
