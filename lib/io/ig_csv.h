/* Splitting raw records into fields: RFC 4180 CSV (quotes, doubled quotes,
 * separators and line breaks inside quoted fields) or plain separated
 * values (a tab, or any separator string such as "::", no quoting). */
#ifndef IG_CSV_H
#define IG_CSV_H

#include <stddef.h>

#define IG_CSV_MAX_SEP 8

enum ig_csv_status {
	IG_CSV_OK = 0,
	IG_CSV_OPEN_QUOTE = 1, /* the record ends inside a quoted field: it
				* continues on the next line */
	IG_CSV_BAD = -1        /* malformed; see err and err_field */
};

typedef struct ig_csv {
	int quoted;              /* RFC 4180 quoting (CSV) */
	char sep[IG_CSV_MAX_SEP]; /* separator, NUL-terminated */
	size_t seplen;
	int nfields;             /* fields of the last record split */
	int cap;
	char **field;            /* NUL-terminated (a field may hold a NUL too) */
	size_t *len;             /* exact byte lengths */
	char *buf;               /* unquoted CSV fields */
	size_t bufcap;
	const char *err;         /* with IG_CSV_BAD: what is wrong */
	int err_field;           /* with IG_CSV_BAD: 1-based field */
} ig_csv;

/* QUOTED selects CSV; SEP is the separator ("\t", ",", "::" ...). Returns
 * 0, or -1 when SEP is unusable: empty, longer than 7 bytes, holding a
 * newline, or (for CSV) not a single byte other than '"'. */
int ig_csv_init(ig_csv *c, int quoted, const char *sep);
void ig_csv_free(ig_csv *c);

/* Splits record REC of LEN bytes (REC[LEN] must be a writable byte).
 * Without quoting the fields are cut out of REC in place; with quoting
 * they are unquoted into the splitter's own buffer and REC is left as it
 * was. A record with no separator is one field; an empty record is one
 * empty field. Quote rules (CSV): a field that starts with '"' runs to
 * the next single '"', in which '""' stands for '"'; it must be followed
 * by the separator or the end. A '"' inside an unquoted field is an
 * ordinary character. */
int ig_csv_split(ig_csv *c, char *rec, size_t len);

#endif
