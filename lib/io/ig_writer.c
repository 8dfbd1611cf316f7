#include "io/ig_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "core/ig_tempfile.h"

#define IG_PLAIN_BUF ((size_t)1 << 17)
/* Gzip output is a series of independent gzip members, one per block of
 * this many input bytes, compressed by worker threads in parallel and
 * written in order; readers (zlib, gzip(1), ours) read members through.
 * The bytes written depend on the input and the level only, never on the
 * number of threads. */
#define IG_GZ_BLOCK ((size_t)1 << 20)
#define IG_GZ_MAX_THREADS 4

enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_BUSY, SLOT_DONE };

typedef struct gz_slot {
	char *in;
	size_t in_len;
	unsigned char *out;
	size_t out_len, out_cap;
	uint64_t seq;
	int state;
} gz_slot;

struct ig_writer {
	char *name;
	char *target;          /* the file renamed over at close; NULL: written in place */
	char *temp;            /* the name written to until then */
	int fd;
	int gzip, level;
	char *buf;             /* plain: the buffer; gzip: the filling slot's input */
	size_t len, cap;
	unsigned long long bytes;
	/* gzip only */
	gz_slot *slots;
	int nslots, nthreads, filling;
	uint64_t next_seq, next_write;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	const char *error;     /* set by a worker, reported by the caller */
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

/* Compresses one slot into a whole gzip member with the worker's stream. */
static int compress_slot(z_stream *zs, gz_slot *sl)
{
	int ret;

	if (deflateReset(zs) != Z_OK)
		return -1;
	zs->next_in = (unsigned char *)sl->in;
	zs->avail_in = (uInt)sl->in_len;
	zs->next_out = sl->out;
	zs->avail_out = (uInt)sl->out_cap;
	ret = deflate(zs, Z_FINISH);
	if (ret != Z_STREAM_END)
		return -1;
	sl->out_len = sl->out_cap - zs->avail_out;
	return 0;
}

static gz_slot *oldest_filled(ig_writer *w)
{
	gz_slot *best = NULL;
	int i;

	for (i = 0; i < w->nslots; i++)
		if (w->slots[i].state == SLOT_FILLED && (best == NULL || w->slots[i].seq < best->seq))
			best = &w->slots[i];
	return best;
}

static void *gz_worker(void *arg)
{
	ig_writer *w = arg;
	z_stream zs;
	int ok;

	memset(&zs, 0, sizeof zs);
	ok = deflateInit2(&zs, w->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		gz_slot *sl;
		while ((sl = oldest_filled(w)) == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (sl == NULL)
			break;
		sl->state = SLOT_BUSY;
		pthread_mutex_unlock(&w->mu);
		if (!ok || compress_slot(&zs, sl) != 0) {
			pthread_mutex_lock(&w->mu);
			w->error = "zlib deflate failed";
			sl->out_len = 0;
		} else {
			pthread_mutex_lock(&w->mu);
		}
		sl->state = SLOT_DONE;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (ok)
		deflateEnd(&zs);
	return NULL;
}

/* Writes the compressed slots that are next in order; called with the
 * lock held, drops it around the write. */
static void write_done_slots(ig_writer *w)
{
	for (;;) {
		gz_slot *next = NULL;
		int i;
		for (i = 0; i < w->nslots; i++)
			if (w->slots[i].state == SLOT_DONE && w->slots[i].seq == w->next_write)
				next = &w->slots[i];
		if (next == NULL)
			return;
		if (w->error) {
			pthread_mutex_unlock(&w->mu);
			ig_die("%s: %s", w->name, w->error);
		}
		pthread_mutex_unlock(&w->mu);
		write_all(w, next->out, next->out_len);
		pthread_mutex_lock(&w->mu);
		next->state = SLOT_FREE;
		w->next_write++;
	}
}

/* Hands the filling slot to the workers and takes a free one. */
static void submit_block(ig_writer *w)
{
	gz_slot *sl = &w->slots[w->filling];
	int i;

	pthread_mutex_lock(&w->mu);
	sl->in_len = w->len;
	sl->seq = w->next_seq++;
	sl->state = SLOT_FILLED;
	pthread_cond_broadcast(&w->cv);
	for (;;) {
		write_done_slots(w);
		for (i = 0; i < w->nslots; i++)
			if (w->slots[i].state == SLOT_FREE)
				break;
		if (i < w->nslots)
			break;
		pthread_cond_wait(&w->cv, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	w->filling = i;
	w->buf = w->slots[i].in;
	w->len = 0;
}

static void flush_buf(ig_writer *w)
{
	if (w->gzip) {
		submit_block(w);
		return;
	}
	write_all(w, w->buf, w->len);
	w->len = 0;
}

static int compression_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > IG_GZ_MAX_THREADS ? IG_GZ_MAX_THREADS : (int)n;
}

static void start_gzip(ig_writer *w, int level)
{
	int i;

	w->level = level < 1 || level > 9 ? 6 : level;
	w->nthreads = compression_threads();
	w->nslots = w->nthreads + 2;
	w->slots = ig_calloc((size_t)w->nslots, sizeof *w->slots);
	for (i = 0; i < w->nslots; i++) {
		w->slots[i].in = ig_malloc(IG_GZ_BLOCK);
		w->slots[i].out_cap = compressBound(IG_GZ_BLOCK) + 64;
		w->slots[i].out = ig_malloc(w->slots[i].out_cap);
	}
	w->filling = 0;
	w->buf = w->slots[0].in;
	w->cap = IG_GZ_BLOCK;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->threads = ig_calloc((size_t)w->nthreads, sizeof *w->threads);
	for (i = 0; i < w->nthreads; i++)
		if (pthread_create(&w->threads[i], NULL, gz_worker, w) != 0)
			ig_die("%s: cannot start a compression thread", w->name);
}

/* Sends the last block, waits for every member to be written and stops
 * the workers. An output with no bytes still gets one (empty) member. */
static void finish_gzip(ig_writer *w)
{
	int i;

	if (w->len > 0 || w->next_seq == 0)
		submit_block(w);
	pthread_mutex_lock(&w->mu);
	while (w->next_write < w->next_seq) {
		write_done_slots(w);
		if (w->next_write < w->next_seq)
			pthread_cond_wait(&w->cv, &w->mu);
	}
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	for (i = 0; i < w->nslots; i++) {
		free(w->slots[i].in);
		free(w->slots[i].out);
	}
	free(w->slots);
	free(w->threads);
	w->buf = NULL;
}

/* The file a path names once symbolic links are followed, so that the
 * rename replaces the file a link points to, not the link. */
static char *resolve_target(const char *path)
{
	struct stat st;
	char *real;

	if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
		return ig_strdup(path);
	real = realpath(path, NULL);
	if (real == NULL)
		return ig_strdup(path);
	return real;
}

/* Creates ".BASE.tmp-PID-N" next to TARGET (registered for removal before
 * it exists, so that no signal can leave it behind); returns its fd. */
static int create_temp(ig_writer *w, const struct stat *old)
{
	static unsigned counter;
	const char *slash = strrchr(w->target, '/');
	int dirlen = slash ? (int)(slash - w->target + 1) : 0;
	const char *base = w->target + dirlen;
	size_t cap = strlen(w->target) + 64;
	int tries, fd = -1;

	w->temp = ig_malloc(cap);
	for (tries = 0; tries < 100; tries++) {
		/* Base names near NAME_MAX are cut to leave room for the suffix. */
		snprintf(w->temp, cap, "%.*s.%.200s.tmp-%ld-%u", dirlen, w->target, base, (long)getpid(),
			 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
		ig_tempfile_add(w->temp);
		fd = open(w->temp, O_WRONLY | O_CREAT | O_EXCL, old ? (old->st_mode & 07777) : 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
		ig_tempfile_forget(w->temp);
	}
	if (fd < 0) {
		int err = errno;
		ig_tempfile_forget(w->temp);
		ig_die("%s: cannot create a temporary file next to it: %s", w->name, strerror(err));
	}
	if (old != NULL)
		(void)fchmod(fd, old->st_mode & 07777);
	return fd;
}

/* A regular file (or a new one) is written under a temporary name and
 * renamed over PATH at a successful close: a failed or killed run leaves
 * the old file or none, never a prefix. Other files (/dev/null, a pipe, a
 * terminal) are written in place. */
static int open_path(ig_writer *w, const char *path)
{
	struct stat st;
	int exists;
	int fd;

	w->target = resolve_target(path);
	exists = stat(w->target, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		free(w->target);
		w->target = NULL;
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0)
			ig_die("%s: %s", path, strerror(errno));
		return fd;
	}
	if (exists && access(w->target, W_OK) != 0)
		ig_die("%s: %s", path, strerror(errno));
	return create_temp(w, exists ? &st : NULL);
}

ig_writer *ig_writer_open(const char *path, int compress, int level)
{
	ig_writer *w;
	int is_stdout = path == NULL || strcmp(path, "-") == 0;

	w = ig_calloc(1, sizeof *w);
	w->name = ig_strdup(is_stdout ? "stdout" : path);
	w->fd = is_stdout ? STDOUT_FILENO : open_path(w, path);
	if (compress == IG_COMPRESS_AUTO)
		compress = isatty(w->fd) ? IG_COMPRESS_NO : IG_COMPRESS_GZIP;
	w->gzip = compress == IG_COMPRESS_GZIP;
	if (w->gzip) {
		start_gzip(w, level);
	} else {
		w->cap = IG_PLAIN_BUF;
		w->buf = ig_malloc(w->cap);
	}
	return w;
}

void ig_writer_write(ig_writer *w, const void *data, size_t n)
{
	const char *p = data;

	w->bytes += n;
	while (w->len + n > w->cap) {
		size_t room = w->cap - w->len;
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
	if (w->len == w->cap)
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
	char tmp[IG_U64_BUF];
	size_t n;
	const char *digits = ig_format_u64(v, tmp, &n);

	ig_writer_write(w, digits, n);
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
	if (w->gzip)
		finish_gzip(w);
	else
		flush_buf(w);
	if (close(w->fd) != 0)
		ig_die("%s: write error: %s", w->name, strerror(errno));
	if (w->temp != NULL) {
		if (rename(w->temp, w->target) != 0)
			ig_die("%s: cannot rename %s over it: %s", w->name, w->temp, strerror(errno));
		ig_tempfile_forget(w->temp);
	}
	free(w->buf);
	free(w->name);
	free(w->target);
	free(w->temp);
	free(w);
}
