/* TSV records: field splitting and the "#ig:KIND/VERSION" header of
 * DESIGN.md, with the "##" provenance lines that follow it. */
#ifndef IG_TSV_H
#define IG_TSV_H

#include <stddef.h>

#include "io/ig_reader.h"
#include "io/ig_writer.h"

#define IG_MAX_ID_LEN 255

/* Splits LINE in place at tabs. Stores at most MAX field pointers and
 * returns the number of fields the line has (which may exceed MAX). */
int ig_split_tabs(char *line, char **fields, int max);

typedef struct ig_header {
	char kind[32];
	int version;
	int ncols;
	char **cols;      /* ncols column names */
	int nprov;
	char **prov;      /* "##" provenance lines, without the "##" */
} ig_header;

/* Parses a header line such as "#ig:events/1\tts\tuser". Returns 0, or -1
 * with a message in ERR (size ERRLEN) when it is not a header. */
int ig_header_parse(const char *line, ig_header *h, char *err, size_t errlen);

/* Reads the header and its provenance lines from R and checks the kind and
 * version; on a mismatch exits 1 with "FILE:1: expected a KIND stream, got
 * OTHER". KIND NULL accepts any kind. */
void ig_header_read(ig_reader *r, const char *kind, int version, ig_header *h);

/* Index of column NAME, or -1. */
int ig_header_col(const ig_header *h, const char *name);
/* Like ig_header_col, but a missing column exits 1 naming the file. */
int ig_header_need_col(const ig_header *h, ig_reader *r, const char *name);

/* Writes "#ig:KIND/VERSION\tcol...", then the provenance lines of UPSTREAM
 * (may be NULL) and the "##pg" line of W's provenance (ig_writer_set_prov;
 * none when W has none). */
void ig_header_write(ig_writer *w, const char *kind, int version,
		     const char *const *cols, int ncols, const ig_header *upstream);

/* The lines of ig_header_write with PROV (may be NULL) for this run, in a
 * new NUL-terminated string (for a writer that sends the header on its
 * own, e.g. as a gzip member); *LEN gets its length. */
char *ig_header_format(const char *kind, int version, const char *const *cols, int ncols,
		       const ig_header *upstream, const ig_prov *prov, size_t *len);
/* The "##pg" line of PROV, with its newline, in a new string. */
char *ig_prov_line(const ig_prov *prov);

void ig_header_free(ig_header *h);

/* ARGC arguments of ARGV joined by spaces, tabs and newlines made spaces,
 * in a new string: the command line of a "##pg" line. */
char *ig_join_cmdline(int argc, char **argv);

/* S (length LEN) for an error message, in BUF (SIZE bytes, at least 8):
 * tab, newline, CR and backslash as \t \n \r \\, other control bytes
 * (and every byte >= 0x80 unless S is valid UTF-8) as \xHH, cut after 80
 * input bytes with "..." (never inside a UTF-8 sequence). Returns BUF. */
char *ig_escape(const char *s, size_t len, char *buf, size_t size);
/* ig_escape of the string S into one of a few per-thread static buffers,
 * for the arguments of a message: valid until four more calls. */
const char *ig_esc(const char *s);

/* Nonzero when S (length LEN) is a valid id: 1..255 bytes, valid UTF-8,
 * no tab, newline, carriage return or NUL. */
int ig_valid_id(const char *s, size_t len);
/* Nonzero when S (length LEN) is valid UTF-8. */
int ig_valid_utf8(const char *s, size_t len);

#endif
