#include "io/ig_csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

int ig_csv_init(ig_csv *c, int quoted, const char *sep)
{
	size_t n = strlen(sep);

	memset(c, 0, sizeof *c);
	if (n == 0 || n >= IG_CSV_MAX_SEP || strchr(sep, '\n') != NULL)
		return -1;
	if (quoted && (n != 1 || sep[0] == '"'))
		return -1;
	c->quoted = quoted;
	memcpy(c->sep, sep, n + 1);
	c->seplen = n;
	return 0;
}

void ig_csv_free(ig_csv *c)
{
	free(c->field);
	free(c->len);
	free(c->buf);
	memset(c, 0, sizeof *c);
}

static void add_field(ig_csv *c, char *start, size_t len)
{
	if (c->nfields == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->field = ig_reallocarray(c->field, (size_t)c->cap, sizeof *c->field);
		c->len = ig_reallocarray(c->len, (size_t)c->cap, sizeof *c->len);
	}
	c->field[c->nfields] = start;
	c->len[c->nfields] = len;
	c->nfields++;
}

static int split_plain(ig_csv *c, char *rec, size_t len)
{
	char *p = rec, *end = rec + len;
	char first = c->sep[0];

	for (;;) {
		char *q = p;
		/* memchr for the separator's first byte, then confirm the rest. */
		for (;;) {
			q = memchr(q, first, (size_t)(end - q));
			if (q == NULL || c->seplen == 1 ||
			    ((size_t)(end - q) >= c->seplen && memcmp(q, c->sep, c->seplen) == 0))
				break;
			q++;
		}
		if (q == NULL) {
			add_field(c, p, (size_t)(end - p));
			*end = '\0';
			return IG_CSV_OK;
		}
		add_field(c, p, (size_t)(q - p));
		*q = '\0';
		p = q + c->seplen;
	}
}

static int split_quoted(ig_csv *c, const char *rec, size_t len)
{
	const char *p = rec, *end = rec + len;
	char sep = c->sep[0];
	char *o;

	/* Unquoted text is never longer than the record, plus one NUL per
	 * field, and there are at most LEN + 1 fields. */
	if (c->bufcap < 2 * len + 2) {
		c->bufcap = 2 * len + 64;
		free(c->buf);
		c->buf = ig_malloc(c->bufcap);
	}
	o = c->buf;
	for (;;) {
		char *start = o;
		if (p < end && *p == '"') {
			p++;
			for (;;) {
				const char *q;
				if (p == end)
					return IG_CSV_OPEN_QUOTE;
				q = memchr(p, '"', (size_t)(end - p));
				if (q == NULL) {
					return IG_CSV_OPEN_QUOTE;
				}
				memcpy(o, p, (size_t)(q - p));
				o += q - p;
				p = q + 1;
				if (p < end && *p == '"') {
					*o++ = '"';
					p++;
					continue;
				}
				break;
			}
			if (p < end && *p != sep) {
				c->err = "text after a closing quote";
				c->err_field = c->nfields + 1;
				return IG_CSV_BAD;
			}
		} else {
			const char *q = memchr(p, sep, (size_t)(end - p));
			size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
			memcpy(o, p, n);
			o += n;
			p += n;
		}
		*o = '\0';
		add_field(c, start, (size_t)(o - start));
		o++;
		if (p == end)
			return IG_CSV_OK;
		p++; /* the separator */
	}
}

int ig_csv_split(ig_csv *c, char *rec, size_t len)
{
	c->nfields = 0;
	c->err = NULL;
	c->err_field = 0;
	return c->quoted ? split_quoted(c, rec, len) : split_plain(c, rec, len);
}
