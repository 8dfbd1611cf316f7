#include "ig_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ig_err.h"

#define IG_WRITE_BUF ((size_t)1 << 17)

/* Gzip output is compressed by a second thread while the caller fills the
 * other of two buffers: on two cores, compression is then off the tool's
 * critical path. The compressed bytes do not depend on the thread. */
struct ig_writer {
	char *name;
	int fd;
	int gzip;
	z_stream zs;
	unsigned char *zbuf;
	char *buf;            /* being filled by the caller */
	size_t len;
	unsigned long long bytes;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *pending;        /* handed to the compressor */
	size_t pending_len;
	int has_pending, stop;
};

static void write_all(ig_writer *w, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t got = write(w->fd, p, n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ig_die("%s: write error: %s", w->name, strerror(errno));
		}
		p += got;
		n -= (size_t)got;
	}
}

static void deflate_out(ig_writer *w, const void *data, size_t n, int flush)
{
	int ret;

	w->zs.next_in = (unsigned char *)(uintptr_t)data;
	w->zs.avail_in = (uInt)n;
	do {
		w->zs.next_out = w->zbuf;
		w->zs.avail_out = (uInt)IG_WRITE_BUF;
		ret = deflate(&w->zs, flush);
		if (ret == Z_STREAM_ERROR)
			ig_die("%s: zlib deflate failed", w->name);
		write_all(w, w->zbuf, IG_WRITE_BUF - w->zs.avail_out);
	} while (w->zs.avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
}

static void *compressor(void *arg)
{
	ig_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->has_pending && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->has_pending)
			break;
		pthread_mutex_unlock(&w->mu);
		deflate_out(w, w->pending, w->pending_len, Z_NO_FLUSH);
		pthread_mutex_lock(&w->mu);
		w->has_pending = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Waits until the compressor has finished the buffer it was given. */
static void wait_idle(ig_writer *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->has_pending)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void flush_buf(ig_writer *w)
{
	char *done;

	if (w->len == 0)
		return;
	if (!w->gzip) {
		write_all(w, w->buf, w->len);
		w->len = 0;
		return;
	}
	wait_idle(w);
	pthread_mutex_lock(&w->mu);
	done = w->pending;
	w->pending = w->buf;
	w->pending_len = w->len;
	w->has_pending = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	w->buf = done;
	w->len = 0;
}

ig_writer *ig_writer_open(const char *path, int compress, int level)
{
	ig_writer *w;
	int is_stdout = path == NULL || strcmp(path, "-") == 0;
	int fd;

	fd = is_stdout ? STDOUT_FILENO : open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
		ig_die("%s: %s", path, strerror(errno));
	w = ig_calloc(1, sizeof *w);
	w->name = ig_strdup(is_stdout ? "stdout" : path);
	w->fd = fd;
	if (compress == IG_COMPRESS_AUTO)
		compress = isatty(fd) ? IG_COMPRESS_NO : IG_COMPRESS_GZIP;
	w->gzip = compress == IG_COMPRESS_GZIP;
	w->buf = ig_malloc(IG_WRITE_BUF);
	if (w->gzip) {
		if (level < 1 || level > 9)
			level = 6;
		w->zbuf = ig_malloc(IG_WRITE_BUF);
		if (deflateInit2(&w->zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			ig_die("%s: cannot start zlib", w->name);
		w->pending = ig_malloc(IG_WRITE_BUF);
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->cv, NULL);
		if (pthread_create(&w->thread, NULL, compressor, w) != 0)
			ig_die("%s: cannot start the compression thread", w->name);
	}
	return w;
}

void ig_writer_write(ig_writer *w, const void *data, size_t n)
{
	const char *p = data;

	w->bytes += n;
	while (w->len + n > IG_WRITE_BUF) {
		size_t room = IG_WRITE_BUF - w->len;
		memcpy(w->buf + w->len, p, room);
		w->len += room;
		p += room;
		n -= room;
		flush_buf(w);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void ig_writer_puts(ig_writer *w, const char *s)
{
	ig_writer_write(w, s, strlen(s));
}

void ig_writer_putc(ig_writer *w, int c)
{
	if (w->len == IG_WRITE_BUF)
		flush_buf(w);
	w->buf[w->len++] = (char)c;
	w->bytes++;
}

void ig_writer_printf(ig_writer *w, const char *fmt, ...)
{
	char small[512];
	char *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		ig_die("%s: formatting failed", w->name);
	if ((size_t)n < sizeof small) {
		ig_writer_write(w, small, (size_t)n);
		return;
	}
	big = ig_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ig_writer_write(w, big, (size_t)n);
	free(big);
}

void ig_writer_put_u64(ig_writer *w, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ig_writer_write(w, tmp + i, sizeof tmp - (size_t)i);
}

void ig_writer_put_i64(ig_writer *w, int64_t v)
{
	if (v < 0) {
		ig_writer_putc(w, '-');
		ig_writer_put_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		ig_writer_put_u64(w, (uint64_t)v);
	}
}

void ig_writer_put_double(ig_writer *w, double v, int digits)
{
	char tmp[64];
	int n;

	if (v == 0.0)
		v = 0.0; /* no "-0" */
	n = snprintf(tmp, sizeof tmp, "%.*g", digits, v);
	ig_writer_write(w, tmp, (size_t)n);
}

int ig_writer_is_gzip(const ig_writer *w) { return w->gzip; }
const char *ig_writer_name(const ig_writer *w) { return w->name; }
unsigned long long ig_writer_bytes(const ig_writer *w) { return w->bytes; }

void ig_writer_close(ig_writer *w)
{
	if (w == NULL)
		return;
	flush_buf(w);
	if (w->gzip) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		deflate_out(w, "", 0, Z_FINISH);
		deflateEnd(&w->zs);
		free(w->zbuf);
		free(w->pending);
	}
	if (close(w->fd) != 0)
		ig_die("%s: write error: %s", w->name, strerror(errno));
	free(w->buf);
	free(w->name);
	free(w);
}
