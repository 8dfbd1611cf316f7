/* Growable text buffers for ig-synth: each generator thread formats its
 * users' records here, and the main thread copies them out in order. */
#include "synth/ig_synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"

void ig_synth_buf_reserve(ig_synth_buf *b, size_t more)
{
	size_t cap;

	if (b->len + more <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	b->p = ig_realloc(b->p, cap);
	b->cap = cap;
}

void ig_synth_buf_put(ig_synth_buf *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	ig_synth_buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void ig_synth_buf_putc(ig_synth_buf *b, char c)
{
	ig_synth_buf_reserve(b, 1);
	b->p[b->len++] = c;
}

void ig_synth_buf_puts(ig_synth_buf *b, const char *s)
{
	ig_synth_buf_put(b, s, strlen(s));
}

void ig_synth_buf_u64(ig_synth_buf *b, uint64_t v)
{
	char tmp[IG_U64_BUF];
	size_t n;
	const char *digits = ig_format_u64(v, tmp, &n);

	ig_synth_buf_put(b, digits, n);
}

void ig_synth_buf_i64(ig_synth_buf *b, int64_t v)
{
	char tmp[IG_U64_BUF];
	size_t n;
	const char *digits = ig_format_i64(v, tmp, &n);

	ig_synth_buf_put(b, digits, n);
}

void ig_synth_buf_id(ig_synth_buf *b, char prefix, uint64_t v, int width)
{
	char tmp[24];
	int i = (int)sizeof tmp, n;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	n = (int)sizeof tmp - i;
	while (n < width && i > 1) {
		tmp[--i] = '0';
		n++;
	}
	tmp[--i] = prefix;
	ig_synth_buf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

void ig_synth_buf_prob(ig_synth_buf *b, double v)
{
	uint64_t micro;
	char tmp[8];
	int i;

	if (!(v > 0))
		v = 0;
	if (v > 1)
		v = 1;
	micro = (uint64_t)llround(v * 1e6);
	ig_synth_buf_putc(b, (char)('0' + micro / 1000000));
	ig_synth_buf_putc(b, '.');
	micro %= 1000000;
	for (i = 5; i >= 0; i--) {
		tmp[i] = (char)('0' + micro % 10);
		micro /= 10;
	}
	ig_synth_buf_put(b, tmp, 6);
}

void ig_synth_buf_double(ig_synth_buf *b, double v)
{
	char tmp[IG_DOUBLE_BUF];

	if (v == 0.0)
		v = 0.0; /* no "-0" */
	ig_synth_buf_put(b, tmp, ig_format_double(tmp, v, 6));
}

void ig_synth_buf_free(ig_synth_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}
