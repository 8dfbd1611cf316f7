/* Little-endian model files: see ig_binfile.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_binfile.h"
#include "io/ig_writer.h"

void ig_binbuf_put(ig_binbuf *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		while (b->n + n > b->cap)
			b->cap = b->cap ? 2 * b->cap : 1 << 16;
		b->p = ig_realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

void ig_binbuf_u32(ig_binbuf *b, uint32_t v)
{
	unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};

	ig_binbuf_put(b, c, 4);
}

void ig_binbuf_u64(ig_binbuf *b, uint64_t v)
{
	ig_binbuf_u32(b, (uint32_t)v);
	ig_binbuf_u32(b, (uint32_t)(v >> 32));
}

void ig_binbuf_f32(ig_binbuf *b, float f)
{
	uint32_t v;

	memcpy(&v, &f, 4);
	ig_binbuf_u32(b, v);
}

void ig_binbuf_f64(ig_binbuf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	ig_binbuf_u64(b, v);
}

void ig_binbuf_floats(ig_binbuf *b, const float *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ig_binbuf_f32(b, f[i]);
}

void ig_binbuf_str(ig_binbuf *b, const char *s)
{
	size_t n = strlen(s);

	ig_binbuf_u32(b, (uint32_t)n);
	ig_binbuf_put(b, s, n);
}

void ig_binbuf_write(ig_binbuf *b, ig_writer *w)
{
	ig_writer_write(w, b->p, b->n);
	free(b->p);
	*b = (ig_binbuf){NULL, 0, 0};
}

void ig_binbuf_save(ig_binbuf *b, const char *path)
{
	ig_writer *w = ig_writer_open(path, IG_COMPRESS_NO, 1);

	ig_binbuf_write(b, w);
	ig_writer_close(w);
}

unsigned char *ig_binfile_read(const char *path, size_t max, const char *kind, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p = NULL;
	size_t cap = 0, got;

	if (fp == NULL)
		ig_die("%s: cannot open: %s", path, strerror(errno));
	*n = 0;
	do {
		if (*n == cap) {
			if (cap >= max)
				ig_die("%s: larger than any %s", path, kind);
			cap = cap ? 2 * cap : 1 << 16;
			p = ig_realloc(p, cap);
		}
		got = fread(p + *n, 1, cap - *n, fp);
		*n += got;
	} while (got > 0);
	if (ferror(fp))
		ig_die("%s: read error: %s", path, strerror(errno));
	fclose(fp);
	return p;
}

void ig_bincur_bad(ig_bincur *c, const char *what)
{
	if (c->cleanup != NULL)
		c->cleanup(c->arg);
	ig_die("%s: not a valid %s: %s (at byte %zu)", c->name, c->kind, what, c->at);
}

void ig_bincur_take(ig_bincur *c, void *out, size_t n, const char *what)
{
	if (c->n - c->at < n)
		ig_bincur_bad(c, what);
	memcpy(out, c->p + c->at, n);
	c->at += n;
}

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint32_t ig_bincur_u32(ig_bincur *c, const char *what)
{
	unsigned char b[4];

	ig_bincur_take(c, b, 4, what);
	return le32(b);
}

uint64_t ig_bincur_u64(ig_bincur *c, const char *what)
{
	uint64_t lo = ig_bincur_u32(c, what);

	return lo | (uint64_t)ig_bincur_u32(c, what) << 32;
}

float ig_bincur_f32(ig_bincur *c, const char *what)
{
	uint32_t v = ig_bincur_u32(c, what);
	float f;

	memcpy(&f, &v, 4);
	if (!isfinite(f))
		ig_bincur_bad(c, what);
	return f;
}

double ig_bincur_f64(ig_bincur *c, const char *what)
{
	uint64_t v = ig_bincur_u64(c, what);
	double d;

	memcpy(&d, &v, 8);
	if (!isfinite(d))
		ig_bincur_bad(c, what);
	return d;
}

void ig_bincur_floats(ig_bincur *c, float *f, size_t n, const char *what)
{
	size_t i;

	if ((c->n - c->at) / 4 < n)
		ig_bincur_bad(c, what);
	for (i = 0; i < n; i++) {
		uint32_t v = le32(c->p + c->at + 4 * i);

		memcpy(&f[i], &v, 4);
		if (!isfinite(f[i]))
			ig_bincur_bad(c, what);
	}
	c->at += 4 * n;
}

char *ig_bincur_str(ig_bincur *c, uint32_t max, const char *what)
{
	uint32_t n = ig_bincur_u32(c, what);
	char *s;

	if (n > max || n > c->n - c->at)
		ig_bincur_bad(c, what);
	s = ig_malloc((size_t)n + 1);
	memcpy(s, c->p + c->at, n);
	s[n] = '\0';
	c->at += n;
	if (memchr(s, '\0', n) != NULL) {
		free(s);
		ig_bincur_bad(c, what);
	}
	return s;
}
