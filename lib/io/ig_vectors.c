#include "io/ig_vectors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/ig_err.h"
#include "core/ig_topk.h"
#include "io/ig_reader.h"
#include "io/ig_tsv.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ig_vectors.c writes float32 in host order, which must be little-endian"
#endif

#define MAX_NAME 4096
#define MAX_DIM 1000000

/* A name for a message: escaped and cut (see ig_escape). */
static const char *esc_name(const char *name, size_t len)
{
	static _Thread_local char buf[80 * 4 + 8];

	return ig_escape(name, len, buf, sizeof buf);
}

int ig_vectors_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] == ' ' || name[i] == '\t' || name[i] == '\n' || name[i] == '\r' || name[i] == '\0')
			return 0;
	return 1;
}

ig_vectors *ig_vectors_new(uint32_t dim)
{
	ig_vectors *v = ig_calloc(1, sizeof *v);

	v->dim = dim;
	v->names = ig_intern_new();
	return v;
}

void ig_vectors_free(ig_vectors *v)
{
	if (v == NULL)
		return;
	ig_intern_free(v->names);
	free(v->data);
	free(v->norms);
	free(v);
}

static void check_name(const char *name, size_t len)
{
	if (!ig_vectors_name_ok(name, len))
		ig_die("cannot write '%s' in the word2vec formats: a name must be non-empty, "
		       "without spaces, tabs or newlines", esc_name(name, len));
}

/* Lengths are made as rows come, so that queries only read. */
static double length(const float *r, uint32_t dim)
{
	double s = 0;
	uint32_t j;

	for (j = 0; j < dim; j++)
		s += (double)r[j] * (double)r[j];
	return sqrt(s);
}

uint32_t ig_vectors_add(ig_vectors *v, const char *name, size_t len, const float *vec)
{
	uint32_t id;

	check_name(name, len);
	if (ig_intern_find(v->names, name, len) != IG_INTERN_NONE)
		ig_die("repeated vector name '%s'", esc_name(name, len));
	if (v->n == UINT32_MAX - 1)
		ig_die("too many vectors");
	if (v->n == v->cap) {
		/* The first block holds at most 2^20 floats: a header's DIM
		 * alone must not allocate gigabytes before rows arrive. */
		if (v->cap == 0)
			v->cap = v->dim >= (1u << 20) ? 1 : v->dim > 1024 ? (1u << 20) / v->dim : 1024;
		else
			v->cap = v->cap > UINT32_MAX / 2 ? UINT32_MAX : v->cap * 2;
		v->data = ig_reallocarray(v->data, (size_t)v->cap * v->dim, sizeof *v->data);
		v->norms = ig_reallocarray(v->norms, v->cap, sizeof *v->norms);
	}
	id = ig_intern_add(v->names, name, len);
	memcpy(v->data + (size_t)id * v->dim, vec, (size_t)v->dim * sizeof *vec);
	v->norms[id] = length(vec, v->dim);
	v->n++;
	return id;
}

const float *ig_vectors_row(const ig_vectors *v, uint32_t i)
{
	return v->data + (size_t)i * v->dim;
}

const char *ig_vectors_name(const ig_vectors *v, uint32_t i)
{
	return ig_intern_str(v->names, i);
}

uint32_t ig_vectors_find(const ig_vectors *v, const char *name, size_t len)
{
	return ig_intern_find(v->names, name, len);
}

/* ---- writing ---- */

void ig_vectors_write_header(ig_writer *w, uint64_t n, uint32_t dim)
{
	ig_writer_put_u64(w, n);
	ig_writer_putc(w, ' ');
	ig_writer_put_u64(w, dim);
	ig_writer_putc(w, '\n');
}

size_t ig_vectors_format_float(char buf[IG_DOUBLE_BUF], float f, int digits)
{
	return ig_format_double(buf, (double)f, digits);
}

void ig_vectors_write_row(ig_writer *w, int format, int digits, const char *name, size_t len,
			  const float *vec, uint32_t dim)
{
	uint32_t j;

	check_name(name, len);
	ig_writer_write(w, name, len);
	if (format == IG_VECTORS_BINARY) {
		ig_writer_putc(w, ' ');
		ig_writer_write(w, vec, (size_t)dim * sizeof *vec);
		ig_writer_putc(w, '\n');
		return;
	}
	for (j = 0; j < dim; j++) {
		char buf[1 + IG_DOUBLE_BUF];

		buf[0] = ' ';
		ig_writer_write(w, buf, 1 + ig_vectors_format_float(buf + 1, vec[j], digits));
	}
	ig_writer_putc(w, '\n');
}

void ig_vectors_save(const ig_vectors *v, ig_writer *w, int format, int digits)
{
	uint32_t i;

	ig_vectors_write_header(w, v->n, v->dim);
	for (i = 0; i < v->n; i++)
		ig_vectors_write_row(w, format, digits, ig_intern_str(v->names, i), ig_intern_len(v->names, i),
				     ig_vectors_row(v, i), v->dim);
}

/* ---- reading ---- */

typedef struct src {
	ig_reader *r;
	const char *name;
	unsigned char *buf;
	size_t pos, len, cap;
	int eof;
	long line;              /* of the text being parsed (text format) */
	uint64_t record;        /* vectors read */
} src;

static void src_read(src *s)
{
	size_t n;

	if (s->eof)
		return;
	if (s->pos > 0) {
		memmove(s->buf, s->buf + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
	}
	if (s->len == s->cap)
		return;
	/* ig_reader reads gzip members through and refuses what follows
	 * them unless it is another member (gzread ignored trailing
	 * garbage). */
	n = ig_reader_read(s->r, s->buf + s->len, s->cap - s->len);
	if (n == 0)
		s->eof = 1;
	s->len += n;
}

/* Makes NEED bytes available if the input has them; returns how many are. */
static size_t src_need(src *s, size_t need)
{
	while (s->len - s->pos < need && !s->eof) {
		if (need > s->cap - s->pos && s->pos == 0) {
			s->cap = need + (1 << 16);
			s->buf = ig_realloc(s->buf, s->cap);
		}
		src_read(s);
	}
	return s->len - s->pos;
}

static int src_getc(src *s)
{
	if (s->pos == s->len && src_need(s, 1) == 0)
		return EOF;
	return s->buf[s->pos++];
}

static int src_peek(src *s)
{
	if (s->pos == s->len && src_need(s, 1) == 0)
		return EOF;
	return s->buf[s->pos];
}

/* A name up to the next space; leading whitespace (the "\n" that ends a
 * binary row, or blank lines) is skipped. Returns its length, 0 at the
 * end of input. */
static size_t read_name(src *s, char *name, int binary)
{
	size_t n = 0;
	int ch;

	while ((ch = src_peek(s)) != EOF && (ch == '\n' || (binary && (ch == ' ' || ch == '\r')))) {
		if (ch == '\n')
			s->line++;
		s->pos++;
	}
	if (ch == EOF)
		return 0;
	while ((ch = src_getc(s)) != EOF && ch != ' ') {
		if (ch == '\n' || ch == '\t' || ch == '\r' || ch == '\0')
			ig_die_at(s->name, s->line, "vector %llu: a name cannot hold a %s",
				  (unsigned long long)s->record + 1, ch == '\n' ? "newline" : ch == '\t' ? "tab" :
				  ch == '\r' ? "carriage return" : "NUL byte");
		if (n == MAX_NAME)
			ig_die_at(s->name, s->line, "vector %llu: name longer than %d bytes",
				  (unsigned long long)s->record + 1, MAX_NAME);
		name[n++] = (char)ch;
	}
	if (ch == EOF)
		ig_die_at(s->name, s->line, "vector %llu ('%s'): truncated", (unsigned long long)s->record + 1,
			  esc_name(name, n));
	name[n] = '\0';
	return n;
}

static void read_header(src *s, uint64_t *n, uint32_t *dim)
{
	char line[128], *sp;
	size_t len = 0;
	int ch;
	uint64_t a, b;
	char *end;

	while ((ch = src_getc(s)) != EOF && ch != '\n') {
		if (len + 1 == sizeof line)
			ig_die_at(s->name, 1, "not a word2vec header (\"COUNT DIM\")");
		line[len++] = (char)ch;
	}
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (ch == EOF && len == 0)
		ig_die_at(s->name, 1, "empty input: expected a word2vec header (\"COUNT DIM\")");
	sp = strchr(line, ' ');
	if (sp == NULL || line[0] < '0' || line[0] > '9' || sp[1] < '0' || sp[1] > '9')
		ig_die_at(s->name, 1, "not a word2vec header (\"COUNT DIM\"): '%s'", line);
	*sp = '\0';
	errno = 0;
	a = strtoull(line, &end, 10);
	if (errno != 0 || *end != '\0' || a >= UINT32_MAX)
		ig_die_at(s->name, 1, "bad vector count '%s'", line);
	errno = 0;
	b = strtoull(sp + 1, &end, 10);
	while (*end == ' ')
		end++;
	if (errno != 0 || *end != '\0' || b == 0 || b > MAX_DIM)
		ig_die_at(s->name, 1, "bad dimension '%s' (1 to %d)", sp + 1, MAX_DIM);
	*n = a;
	*dim = (uint32_t)b;
	s->line = 2;
}

/* Text iff the bytes after the first name look like numbers: up to
 * the end of the line, or over the 4 x DIM bytes a binary row would take,
 * only digits, signs, points, exponents and blanks. Binary float32 data
 * almost never looks like that. */
static int looks_binary(src *s, uint32_t dim)
{
	size_t have = src_need(s, (size_t)dim * 4), i, tokens = 0;
	int in_token = 0;

	if (have > (size_t)dim * 4)
		have = (size_t)dim * 4;
	for (i = 0; i < have; i++) {
		unsigned char ch = s->buf[s->pos + i];

		if (ch == '\n')
			return tokens == 0;
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			in_token = 0;
			continue;
		}
		/* The letters of "nan" and "inf(inity)" too: a text row with
		 * them is text, and its reader names the bad value. */
		if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '+' || ch == 'e' || ch == 'E' ||
		      (ch != 0 && strchr("nNaAiIfFtTyY", ch) != NULL)))
			return 1;
		if (!in_token)
			tokens++;
		in_token = 1;
	}
	return 0;
}

/* ig-formats(5): vector values are finite. */
static void check_finite(const src *s, const char *name, size_t nlen, const float *vec, uint32_t dim)
{
	uint32_t j;

	for (j = 0; j < dim; j++)
		if (!isfinite(vec[j]))
			ig_die("%s: vector %llu ('%s'): value %u is %s; vectors must be finite", s->name,
			       (unsigned long long)s->record + 1, esc_name(name, nlen), j + 1,
			       isnan(vec[j]) ? "NaN" : "infinite");
}

static void read_text_row(src *s, const char *name, size_t nlen, float *vec, uint32_t dim)
{
	uint32_t j;
	char tok[64];

	for (j = 0; j < dim; j++) {
		size_t t = 0;
		int ch;
		char *end;
		float x;

		while ((ch = src_peek(s)) == ' ' || ch == '\t')
			s->pos++;
		while ((ch = src_peek(s)) != EOF && ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
			if (t + 1 == sizeof tok)
				ig_die_at(s->name, s->line, "vector '%s': value %u too long", esc_name(name, nlen), j + 1);
			tok[t++] = (char)ch;
			s->pos++;
		}
		if (t == 0)
			ig_die_at(s->name, s->line, "vector '%s': %u values, expected %u", esc_name(name, nlen), j, dim);
		tok[t] = '\0';
		errno = 0;
		x = strtof(tok, &end);
		if (*end != '\0' || !isfinite(x) || (tok[0] != '-' && tok[0] != '+' && tok[0] != '.' &&
						     (tok[0] < '0' || tok[0] > '9')))
			ig_die_at(s->name, s->line, "vector '%s': value %u is not a number '%s'", esc_name(name, nlen),
				  j + 1, ig_esc(tok));
		vec[j] = x;
	}
	for (;;) {
		int ch = src_getc(s);

		if (ch == ' ' || ch == '\t' || ch == '\r')
			continue;
		if (ch == '\n') {
			s->line++;
			break;
		}
		if (ch == EOF)
			break;
		ig_die_at(s->name, s->line, "vector '%s': more than %u values", esc_name(name, nlen), dim);
	}
}

ig_vectors *ig_vectors_load(const char *path)
{
	src s;
	uint64_t n;
	uint32_t dim;
	char *name = ig_malloc(MAX_NAME + 1);
	ig_vectors *v;
	float *vec;
	int binary = -1;

	memset(&s, 0, sizeof s);
	s.r = ig_reader_open(path);
	s.name = ig_reader_name(s.r);
	s.cap = 1 << 20;
	s.buf = ig_malloc(s.cap);
	read_header(&s, &n, &dim);
	v = ig_vectors_new(dim);
	vec = ig_reallocarray(NULL, dim, sizeof *vec);
	for (;;) {
		size_t nlen;
		long line;

		nlen = read_name(&s, name, binary == 1);
		if (nlen == 0)
			break;
		line = s.line;
		if (s.record == n)
			ig_die_at(s.name, line, "more vectors than the header's %llu", (unsigned long long)n);
		if (binary < 0)
			binary = looks_binary(&s, dim);
		if (binary) {
			if (src_need(&s, (size_t)dim * 4) < (size_t)dim * 4)
				ig_die("%s: vector %llu ('%s'): truncated", s.name,
				       (unsigned long long)s.record + 1, esc_name(name, nlen));
			memcpy(vec, s.buf + s.pos, (size_t)dim * 4);
			s.pos += (size_t)dim * 4;
			check_finite(&s, name, nlen, vec, dim);
		} else {
			read_text_row(&s, name, nlen, vec, dim);
		}
		if (ig_intern_find(v->names, name, nlen) != IG_INTERN_NONE) {
			if (binary)
				ig_die("%s: vector %llu: repeated name '%s'", s.name,
				       (unsigned long long)s.record + 1, esc_name(name, nlen));
			ig_die_at(s.name, line, "repeated name '%s'", esc_name(name, nlen));
		}
		ig_vectors_add(v, name, nlen, vec);
		s.record++;
	}
	if (s.record != n)
		ig_die("%s: truncated: the header says %llu vectors, found %llu", s.name,
		       (unsigned long long)n, (unsigned long long)s.record);
	v->format = binary == 1 ? IG_VECTORS_BINARY : IG_VECTORS_TEXT;
	ig_reader_close(s.r);
	free(s.buf);
	free(vec);
	free(name);
	return v;
}

/* ---- queries ---- */

float ig_vectors_cosine(const float *a, const float *b, uint32_t dim)
{
	double ab = 0, aa = 0, bb = 0;
	uint32_t j;

	for (j = 0; j < dim; j++) {
		ab += (double)a[j] * (double)b[j];
		aa += (double)a[j] * (double)a[j];
		bb += (double)b[j] * (double)b[j];
	}
	if (aa == 0 || bb == 0)
		return 0;
	return (float)(ab / sqrt(aa * bb));
}

typedef struct scored_row {
	float score;
	uint32_t row;
} scored_row;

/* Higher score first, then the lower row. */
#define ROW_BETTER(a, b) ((a)->score > (b)->score || ((a)->score == (b)->score && (a)->row < (b)->row))
IG_TOPK_DEFINE(row_top, scored_row, ROW_BETTER)

size_t ig_vectors_nearest(const ig_vectors *v, const float *q, size_t k, uint32_t exclude, uint32_t *ids,
			  float *scores)
{
	scored_row *top;
	size_t have = 0, p;
	uint32_t i, j;
	double qq = 0;

	for (j = 0; j < v->dim; j++)
		qq += (double)q[j] * (double)q[j];
	if (qq == 0 || k == 0)
		return 0;
	qq = sqrt(qq);
	top = ig_reallocarray(NULL, k < v->n ? k : (v->n ? v->n : 1), sizeof *top);
	for (i = 0; i < v->n; i++) {
		const float *r = ig_vectors_row(v, i);
		double s = 0;
		scored_row c;

		if (i == exclude || v->norms[i] == 0)
			continue;
		for (j = 0; j < v->dim; j++)
			s += (double)q[j] * (double)r[j];
		/* Norms in double: a float norm overflows for rows the float
		 * range holds, and rounding it made cos(a, b) != cos(b, a). */
		c.score = (float)(s / (qq * v->norms[i]));
		c.row = i;
		row_top_offer(top, &have, k, c);
	}
	row_top_sort_heap(top, have);
	for (p = 0; p < have; p++) {
		ids[p] = top[p].row;
		scores[p] = top[p].score;
	}
	free(top);
	return have;
}
