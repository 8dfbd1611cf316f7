#include "io/ig_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/ig_err.h"

#define IG_READ_CHUNK ((size_t)1 << 18)

struct ig_reader {
	char *name;
	int fd;
	int gzip;
	z_stream zs;
	int in_member;          /* inside a gzip member not yet ended */
	unsigned char *in;      /* compressed input, gzip only */
	size_t in_cap;
	char *buf;              /* text; valid bytes are [buf_pos, buf_len) */
	size_t buf_cap, buf_pos, buf_len;
	size_t last_start, last_len;
	int pushed_back, eof;
	int strict;
	long lineno;
	unsigned long long bytes;
	struct ig_reader *prev, *next;  /* the open readers */
};

/* Every open reader is linked here, so that one a function holds in a
 * local when an error exits the process is still reachable, not a leak
 * for LeakSanitizer or valgrind. */
static ig_reader *open_readers;
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static void link_reader(ig_reader *r)
{
	pthread_mutex_lock(&open_lock);
	r->next = open_readers;
	if (open_readers)
		open_readers->prev = r;
	open_readers = r;
	pthread_mutex_unlock(&open_lock);
}

static void unlink_reader(ig_reader *r)
{
	pthread_mutex_lock(&open_lock);
	if (r->prev)
		r->prev->next = r->next;
	else
		open_readers = r->next;
	if (r->next)
		r->next->prev = r->prev;
	pthread_mutex_unlock(&open_lock);
}

static ssize_t read_some(ig_reader *r, void *dst, size_t n)
{
	ssize_t got;

	for (;;) {
		got = read(r->fd, dst, n);
		if (got >= 0)
			return got;
		if (errno != EINTR)
			ig_die("%s: read error: %s", r->name, strerror(errno));
	}
}

ig_reader *ig_reader_try_open(const char *path)
{
	ig_reader *r;
	int fd;
	int is_stdin = strcmp(path, "-") == 0;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	r = ig_calloc(1, sizeof *r);
	link_reader(r);
	r->name = ig_strdup(is_stdin ? "stdin" : path);
	r->fd = fd;
	r->buf_cap = IG_READ_CHUNK * 2;
	r->buf = ig_malloc(r->buf_cap + 1);
	/* Sniff the magic: the bytes read stay in buf (plain) or go to the
	 * inflater (gzip), since stdin cannot be rewound. */
	while (r->buf_len < 2) {
		ssize_t n = read_some(r, r->buf + r->buf_len, 2 - r->buf_len);
		if (n == 0)
			break;
		r->buf_len += (size_t)n;
	}
	if (r->buf_len == 2 && (unsigned char)r->buf[0] == 0x1f && (unsigned char)r->buf[1] == 0x8b) {
		r->gzip = 1;
		r->in_cap = IG_READ_CHUNK;
		r->in = ig_malloc(r->in_cap);
		memcpy(r->in, r->buf, 2);
		r->zs.next_in = r->in;
		r->zs.avail_in = 2;
		r->buf_len = 0;
		if (inflateInit2(&r->zs, 15 + 16) != Z_OK)
			ig_die("%s: cannot start zlib", r->name);
		r->in_member = 1;
	}
	return r;
}

ig_reader *ig_reader_open(const char *path)
{
	ig_reader *r = ig_reader_try_open(path);

	if (r == NULL)
		ig_die("%s: %s", strcmp(path, "-") == 0 ? "stdin" : path, strerror(errno));
	return r;
}

/* Appends decompressed bytes at buf + buf_len; returns how many (0 at end). */
static size_t fill_gzip(ig_reader *r, size_t room)
{
	size_t produced = 0;

	while (produced == 0) {
		int ret;

		if (r->zs.avail_in == 0) {
			ssize_t n = read_some(r, r->in, r->in_cap);
			if (n == 0) {
				if (r->in_member)
					ig_die("%s: truncated gzip input (unexpected end of file)", r->name);
				return 0;
			}
			r->zs.next_in = r->in;
			r->zs.avail_in = (uInt)n;
		}
		if (!r->in_member) {
			/* Another member follows the one that ended. */
			if (inflateReset(&r->zs) != Z_OK)
				ig_die("%s: zlib reset failed", r->name);
			r->in_member = 1;
		}
		r->zs.next_out = (unsigned char *)r->buf + r->buf_len;
		r->zs.avail_out = (uInt)room;
		ret = inflate(&r->zs, Z_NO_FLUSH);
		produced = room - r->zs.avail_out;
		if (ret == Z_STREAM_END)
			r->in_member = 0;
		else if (ret == Z_BUF_ERROR && r->zs.avail_in == 0)
			continue;
		else if (ret != Z_OK)
			ig_die("%s: invalid gzip data: %s", r->name,
			       r->zs.msg ? r->zs.msg : "inflate failed");
	}
	return produced;
}

/* Makes room and reads more input; returns 0 at end of input. */
static int fill(ig_reader *r)
{
	size_t avail = r->buf_len - r->buf_pos;
	size_t got;

	if (r->eof)
		return 0;
	if (r->buf_pos > 0) {
		memmove(r->buf, r->buf + r->buf_pos, avail);
		r->buf_pos = 0;
		r->buf_len = avail;
	}
	if (r->buf_cap - r->buf_len < IG_READ_CHUNK) {
		r->buf_cap *= 2;
		r->buf = ig_realloc(r->buf, r->buf_cap + 1);
	}
	if (r->gzip)
		got = fill_gzip(r, r->buf_cap - r->buf_len);
	else
		got = (size_t)read_some(r, r->buf + r->buf_len, r->buf_cap - r->buf_len);
	if (got == 0) {
		r->eof = 1;
		return 0;
	}
	r->buf_len += got;
	return 1;
}

ssize_t ig_reader_getline(ig_reader *r, char **line)
{
	size_t scanned = 0;
	char *nl;

	if (r->pushed_back) {
		r->pushed_back = 0;
		r->lineno++;
		*line = r->buf + r->last_start;
		return (ssize_t)r->last_len;
	}
	for (;;) {
		size_t avail = r->buf_len - r->buf_pos;
		nl = memchr(r->buf + r->buf_pos + scanned, '\n', avail - scanned);
		if (nl != NULL)
			break;
		scanned = avail;
		if (!fill(r)) {
			if (r->buf_len == r->buf_pos)
				return -1;
			/* A last line without '\n'. */
			if (r->strict)
				ig_die_at(r->name, r->lineno + 1,
					  "truncated input: the last line has no final newline");
			nl = r->buf + r->buf_len;
			r->buf_len++;
			break;
		}
	}
	*nl = '\0';
	r->last_start = r->buf_pos;
	r->last_len = (size_t)(nl - (r->buf + r->buf_pos));
	if (r->strict) {
		const char *nul = memchr(r->buf + r->buf_pos, '\0', r->last_len);
		if (nul != NULL)
			ig_die_at(r->name, r->lineno + 1, "a NUL byte at column %zu",
				  (size_t)(nul - (r->buf + r->buf_pos)) + 1);
	}
	r->buf_pos = (size_t)(nl - r->buf) + 1;
	r->bytes += r->last_len + 1;
	r->lineno++;
	*line = r->buf + r->last_start;
	return (ssize_t)r->last_len;
}

size_t ig_reader_read(ig_reader *r, void *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t avail = r->buf_len - r->buf_pos;

		if (avail == 0) {
			if (!fill(r))
				break;
			continue;
		}
		if (avail > n - got)
			avail = n - got;
		memcpy((char *)dst + got, r->buf + r->buf_pos, avail);
		r->buf_pos += avail;
		got += avail;
	}
	r->bytes += got;
	return got;
}

void ig_reader_set_strict(ig_reader *r)
{
	r->strict = 1;
}

void ig_reader_unget(ig_reader *r)
{
	if (r->lineno > 0 && !r->pushed_back) {
		r->pushed_back = 1;
		r->lineno--;
	}
}

long ig_reader_lineno(const ig_reader *r) { return r->lineno; }
const char *ig_reader_name(const ig_reader *r) { return r->name; }
int ig_reader_is_gzip(const ig_reader *r) { return r->gzip; }
unsigned long long ig_reader_bytes(const ig_reader *r) { return r->bytes; }

void ig_reader_close(ig_reader *r)
{
	if (r == NULL)
		return;
	unlink_reader(r);
	if (r->gzip) {
		inflateEnd(&r->zs);
		free(r->in);
	}
	if (r->fd != STDIN_FILENO)
		close(r->fd);
	free(r->buf);
	free(r->name);
	free(r);
}
