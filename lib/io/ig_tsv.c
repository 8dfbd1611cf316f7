#include "io/ig_tsv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"

int ig_split_tabs(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');
		if (n < max)
			fields[n] = p;
		n++;
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

int ig_header_parse(const char *line, ig_header *h, char *err, size_t errlen)
{
	const char *p, *slash, *end;
	char verbuf[16];
	size_t klen;
	int ncols = 0;
	char *copy, *tok;

	memset(h, 0, sizeof *h);
	if (strncmp(line, "#ig:", 4) != 0) {
		snprintf(err, errlen, "missing '#ig:KIND/VERSION' header (raw logs? ig-ingest makes streams of them)");
		return -1;
	}
	p = line + 4;
	end = p + strcspn(p, "\t");
	slash = memchr(p, '/', (size_t)(end - p));
	if (slash == NULL || slash == p || (size_t)(slash - p) >= sizeof h->kind ||
	    (size_t)(end - slash - 1) >= sizeof verbuf || end == slash + 1) {
		char shown[80 * 4 + 8];
		snprintf(err, errlen, "malformed header '%s'",
			 ig_escape(line, (size_t)(end - line), shown, sizeof shown));
		return -1;
	}
	klen = (size_t)(slash - p);
	memcpy(h->kind, p, klen);
	h->kind[klen] = '\0';
	memcpy(verbuf, slash + 1, (size_t)(end - slash - 1));
	verbuf[end - slash - 1] = '\0';
	if (ig_parse_int(verbuf, 1, 1000000, &h->version) != 0) {
		snprintf(err, errlen, "bad version '%s' in header", ig_esc(verbuf));
		return -1;
	}
	if (*end == '\t') {
		copy = ig_strdup(end + 1);
		for (tok = copy; tok; tok = strchr(tok, '\t'), tok = tok ? tok + 1 : NULL)
			ncols++;
		h->cols = ig_calloc((size_t)ncols, sizeof *h->cols);
		h->ncols = 0;
		tok = copy;
		while (tok) {
			char *tab = strchr(tok, '\t');
			if (tab)
				*tab = '\0';
			h->cols[h->ncols++] = ig_strdup(tok);
			tok = tab ? tab + 1 : NULL;
		}
		free(copy);
	}
	return 0;
}

static const char *article(const char *word)
{
	/* "an events", "an items", but "a user-metrics". */
	return word[0] && strchr("aeio", word[0]) ? "an" : "a";
}

void ig_header_read(ig_reader *r, const char *kind, int version, ig_header *h)
{
	char *line;
	char err[512];
	ssize_t len;
	int i, j;

	ig_reader_set_strict(r);
	len = ig_reader_getline(r, &line);
	if (len < 0)
		ig_die_at(ig_reader_name(r), 1, "empty input: expected %s %s stream header",
			  article(kind ? kind : "igfunnel"), kind ? kind : "igfunnel");
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (ig_header_parse(line, h, err, sizeof err) != 0) {
		if (kind)
			ig_die_at(ig_reader_name(r), 1, "expected %s %s stream: %s", article(kind), kind, err);
		ig_die_at(ig_reader_name(r), 1, "%s", err);
	}
	if (kind && strcmp(h->kind, kind) != 0)
		ig_die_at(ig_reader_name(r), 1, "expected %s %s stream, got %s", article(kind), kind, ig_esc(h->kind));
	if (kind && h->version != version)
		ig_die_at(ig_reader_name(r), 1, "%s stream version %d is not supported (this is version %d)",
			  kind, h->version, version);
	/* a column found by name must be one column: a second of the same
	 * name would be read as the first (a model's feature, a source) */
	for (i = 1; i < h->ncols; i++)
		for (j = 0; j < i; j++)
			if (strcmp(h->cols[i], h->cols[j]) == 0)
				ig_die_at(ig_reader_name(r), 1, "%s header: column %d '%s' repeats column %d",
					  ig_esc(h->kind), i + 1, ig_esc(h->cols[i]), j + 1);
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		if (len < 2 || line[0] != '#' || line[1] != '#') {
			ig_reader_unget(r);
			break;
		}
		h->prov = ig_reallocarray(h->prov, (size_t)h->nprov + 1, sizeof *h->prov);
		h->prov[h->nprov++] = ig_strdup(line + 2);
	}
}

int ig_header_col(const ig_header *h, const char *name)
{
	int i;

	for (i = 0; i < h->ncols; i++)
		if (strcmp(h->cols[i], name) == 0)
			return i;
	return -1;
}

int ig_header_need_col(const ig_header *h, ig_reader *r, const char *name)
{
	int i = ig_header_col(h, name);

	if (i < 0)
		ig_die_at(ig_reader_name(r), 1, "%s stream has no '%s' column", h->kind, name);
	return i;
}

static void put_prov(FILE *fp, const ig_prov *prov)
{
	fprintf(fp, "##pg\t%s\t%s\t%s\n", prov->program, prov->version, prov->cmdline);
}

char *ig_prov_line(const ig_prov *prov)
{
	char *text = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);

	if (fp == NULL)
		ig_die("out of memory formatting a header");
	put_prov(fp, prov);
	if (fclose(fp) != 0)
		ig_die("out of memory formatting a header");
	return text;
}

char *ig_header_format(const char *kind, int version, const char *const *cols, int ncols,
		       const ig_header *upstream, const ig_prov *prov, size_t *len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&text, &size);
	int i;

	if (fp == NULL)
		ig_die("out of memory formatting a header");
	fprintf(fp, "#ig:%s/%d", kind, version);
	for (i = 0; i < ncols; i++)
		fprintf(fp, "\t%s", cols[i]);
	fputc('\n', fp);
	if (upstream)
		for (i = 0; i < upstream->nprov; i++)
			fprintf(fp, "##%s\n", upstream->prov[i]);
	if (prov != NULL)
		put_prov(fp, prov);
	if (fclose(fp) != 0)
		ig_die("out of memory formatting a header");
	*len = size;
	return text;
}

void ig_header_write(ig_writer *w, const char *kind, int version,
		     const char *const *cols, int ncols, const ig_header *upstream)
{
	size_t len;
	char *text = ig_header_format(kind, version, cols, ncols, upstream, ig_writer_prov(w), &len);

	ig_writer_write(w, text, len);
	free(text);
}

void ig_header_free(ig_header *h)
{
	int i;

	for (i = 0; i < h->ncols; i++)
		free(h->cols[i]);
	free(h->cols);
	for (i = 0; i < h->nprov; i++)
		free(h->prov[i]);
	free(h->prov);
	memset(h, 0, sizeof *h);
}

char *ig_join_cmdline(int argc, char **argv)
{
	size_t len = 0, pos = 0;
	char *text;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	text = ig_malloc(len + 1);
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (i > 0)
			text[pos++] = ' ';
		for (; *a; a++)
			text[pos++] = (*a == '\t' || *a == '\n' || *a == '\r') ? ' ' : *a;
	}
	text[pos] = '\0';
	return text;
}

char *ig_escape(const char *s, size_t len, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	int utf8 = ig_valid_utf8(s, len);
	size_t i, o = 0, limit = size > 8 ? size - 8 : 0, shown = 80;

	for (i = 0; i < len && o < limit && i < shown; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\n' || c == '\r' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
			if (o + 4 > limit)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	if (i < len) {
		/* Do not cut a UTF-8 sequence in half. */
		while (utf8 && o > 0 && i < len && ((unsigned char)s[i] & 0xc0) == 0x80) {
			o--;
			i--;
		}
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *ig_esc(const char *s)
{
	/* 80 bytes shown, each at most 4 bytes escaped, and "...". */
	static _Thread_local char bufs[4][80 * 4 + 8];
	static _Thread_local unsigned next;
	char *buf = bufs[next++ % 4];

	return ig_escape(s, strlen(s), buf, sizeof bufs[0]);
}

int ig_valid_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= need)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

int ig_valid_id(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > IG_MAX_ID_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\0')
			return 0;
	return ig_valid_utf8(s, len);
}
