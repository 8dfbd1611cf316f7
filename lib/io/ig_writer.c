#include "io/ig_writer.h"

#include <errno.h>
#include <fcntl.h>
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
#include "core/ig_thread.h"

#define IG_PLAIN_BUF ((size_t)1 << 17)
/* Gzip output is a series of independent gzip members, one per block of
 * this many input bytes, compressed on a thread pool and written in
 * order; readers (zlib, gzip(1), ours) read members through. The bytes
 * written depend on the input and the level only, never on the number
 * of threads. */
#define IG_GZ_BLOCK ((size_t)1 << 20)
/* A writer given no pool makes its own of at most this many threads. */
#define IG_GZ_MAX_THREADS 4

typedef struct gz_block {
	char *in;
	size_t in_len;
	unsigned char *out;
	size_t out_len, out_cap;
	z_stream zs;
	int zs_ready, failed;
	struct gz_block *next_free;
} gz_block;

struct ig_writer {
	char *name;
	char *target;          /* the file renamed over at close; NULL: written in place */
	char *temp;            /* the name written to until then */
	int fd;
	int gzip, level;
	char *buf;             /* plain: the buffer; gzip: the filling block's input */
	size_t len, cap;
	unsigned long long bytes;
	/* gzip only */
	gz_block *blocks, *filling, *free_blocks;
	int nblocks;
	uint64_t members;
	ig_pool *pool;         /* the tool's, or OWN_POOL */
	ig_pool *own_pool;
	ig_pipe *pipe;
	const ig_prov *prov;
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

/* Pipeline work, on a pool thread: one block into one whole gzip member. */
static void compress_block(void *ctx, void *item)
{
	ig_writer *w = ctx;
	gz_block *b = item;
	z_stream *zs = &b->zs;

	if (!b->zs_ready) {
		memset(zs, 0, sizeof *zs);
		b->zs_ready = deflateInit2(zs, w->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
	}
	b->failed = 1;
	if (!b->zs_ready || deflateReset(zs) != Z_OK)
		return;
	zs->next_in = (unsigned char *)b->in;
	zs->avail_in = (uInt)b->in_len;
	zs->next_out = b->out;
	zs->avail_out = (uInt)b->out_cap;
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return;
	b->out_len = b->out_cap - zs->avail_out;
	b->failed = 0;
}

/* Pipeline done, on the writing thread, in order: the member goes out and
 * the block is free again. */
static void write_block(void *ctx, void *item)
{
	ig_writer *w = ctx;
	gz_block *b = item;

	if (b->failed)
		ig_die("%s: zlib deflate failed", w->name);
	write_all(w, b->out, b->out_len);
	b->next_free = w->free_blocks;
	w->free_blocks = b;
}

static void take_block(ig_writer *w)
{
	gz_block *b = w->free_blocks;

	w->free_blocks = b->next_free;
	if (b->in == NULL) {
		b->in = ig_malloc(IG_GZ_BLOCK);
		b->out_cap = compressBound(IG_GZ_BLOCK) + 64;
		b->out = ig_malloc(b->out_cap);
	}
	w->filling = b;
	w->buf = b->in;
	w->len = 0;
}

static int compression_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > IG_GZ_MAX_THREADS ? IG_GZ_MAX_THREADS : (int)n;
}

/* The pool and pipeline start with the first full block, so a small
 * output never starts a thread. DEPTH blocks in flight and one filling. */
static void start_pipe(ig_writer *w)
{
	int depth, i;

	if (w->pool == NULL)
		w->pool = w->own_pool = ig_pool_new(compression_threads());
	depth = ig_pool_threads(w->pool) + 1;
	w->blocks = ig_reallocarray(w->blocks, (size_t)depth + 1, sizeof *w->blocks);
	memset(w->blocks + 1, 0, (size_t)depth * sizeof *w->blocks);
	w->filling = w->blocks; /* the realloc may have moved it */
	w->nblocks = depth + 1;
	for (i = 1; i < w->nblocks; i++) {
		w->blocks[i].next_free = w->free_blocks;
		w->free_blocks = &w->blocks[i];
	}
	w->pipe = ig_pipe_new(w->pool, depth, compress_block, write_block, w);
}

/* Hands the filling block to the pipeline and takes a free one. */
static void submit_block(ig_writer *w)
{
	if (w->pipe == NULL)
		start_pipe(w);
	w->filling->in_len = w->len;
	w->members++;
	ig_pipe_push(w->pipe, w->filling);
	take_block(w);
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

static void start_gzip(ig_writer *w, int level)
{
	w->level = level < 1 || level > 9 ? 6 : level;
	w->nblocks = 1;
	w->blocks = ig_calloc(1, sizeof *w->blocks);
	w->free_blocks = w->blocks;
	take_block(w);
	w->cap = IG_GZ_BLOCK;
}

/* Sends the last block and waits for every member to be written. An
 * output with no bytes still gets one (empty) member. */
static void finish_gzip(ig_writer *w)
{
	int i;

	if (w->len > 0 || w->members == 0)
		submit_block(w);
	ig_pipe_end(w->pipe);
	ig_pool_free(w->own_pool);
	for (i = 0; i < w->nblocks; i++) {
		if (w->blocks[i].zs_ready)
			deflateEnd(&w->blocks[i].zs);
		free(w->blocks[i].in);
		free(w->blocks[i].out);
	}
	free(w->blocks);
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

void ig_writer_set_pool(ig_writer *w, ig_pool *pool)
{
	if (w->pipe == NULL && w->own_pool == NULL)
		w->pool = pool;
}

ig_writer *ig_writer_open(const char *path, int compress, int level)
{
	ig_writer *w;
	int is_stdout = path == NULL || strcmp(path, "-") == 0;

	/* at the start, not by a rename failing after the work */
	if (!is_stdout && path[0] == '\0')
		ig_die("an output's file name is empty");
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

	if (n == 0)
		return; /* DATA may then be NULL, which memcpy does not allow */
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
	char tmp[IG_U64_BUF];
	size_t n;
	const char *digits = ig_format_i64(v, tmp, &n);

	ig_writer_write(w, digits, n);
}

void ig_writer_put_double(ig_writer *w, double v, int digits)
{
	char tmp[IG_DOUBLE_BUF];

	if (v == 0.0)
		v = 0.0; /* no "-0" */
	ig_writer_write(w, tmp, ig_format_double(tmp, v, digits));
}

void ig_writer_set_prov(ig_writer *w, const ig_prov *prov)
{
	w->prov = prov;
}

const ig_prov *ig_writer_prov(const ig_writer *w)
{
	return w->prov;
}

int ig_writer_is_gzip(const ig_writer *w) { return w->gzip; }
const char *ig_writer_name(const ig_writer *w) { return w->name; }
unsigned long long ig_writer_bytes(const ig_writer *w) { return w->bytes; }

/* Ends W's stream and closes its file, still under the temporary name. */
static void finish(ig_writer *w)
{
	if (w->gzip)
		finish_gzip(w);
	else
		flush_buf(w);
	if (close(w->fd) != 0)
		ig_die("%s: write error: %s", w->name, strerror(errno));
}

static void rename_over(ig_writer *w)
{
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

void ig_writer_close(ig_writer *w)
{
	if (w == NULL)
		return;
	finish(w);
	rename_over(w);
}

void ig_writer_close_set(ig_writer **ws, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (ws[i] != NULL)
			finish(ws[i]);
	/* a kill between two renames must not leave an old file beside new
	 * ones as if they were one set: the old go first */
	for (i = 0; i < n; i++)
		if (ws[i] != NULL && ws[i]->temp != NULL && unlink(ws[i]->target) != 0 && errno != ENOENT)
			ig_die("%s: cannot remove the earlier file: %s", ws[i]->name, strerror(errno));
	for (i = 0; i < n; i++)
		if (ws[i] != NULL)
			rename_over(ws[i]);
}
