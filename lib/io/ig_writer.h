/* Buffered output to "-" or a path, gzip or plain, with every write and
 * the final close checked: an I/O error exits 1 naming the output. */
#ifndef IG_WRITER_H
#define IG_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_thread.h"

typedef struct ig_writer ig_writer;

/* Who writes a stream: the fields of the "##pg" line that ends a header
 * (ig-formats(5)). A tool's ig_cli fills one from its command line and
 * hands it to its writers, so that library code writing a header reads
 * no process state. */
typedef struct ig_prov {
	const char *program; /* "ig-cooccur" */
	const char *version;
	const char *cmdline; /* the arguments joined by spaces, without tabs or newlines */
} ig_prov;

enum ig_compress {
	IG_COMPRESS_AUTO = -1, /* gzip unless the output is a terminal */
	IG_COMPRESS_NO = 0,
	IG_COMPRESS_GZIP = 1
};

/* PATH NULL or "-" is stdout. LEVEL is a zlib level 1..9. A regular file
 * is written under a temporary name in its directory (removed if the
 * process dies or is interrupted, see ig_tempfile.h) and renamed over PATH
 * by ig_writer_close: readers never see a partial PATH, and a failed run
 * leaves the old PATH untouched. */
ig_writer *ig_writer_open(const char *path, int compress, int level);

/* Gzip output is compressed on POOL (a tool's -@ threads) instead of a
 * pool of the writer's own (as many threads as CPUs, at most 4); call
 * before the first write. POOL must outlive the writer. */
void ig_writer_set_pool(ig_writer *w, ig_pool *pool);

/* The provenance of the headers written to W (ig_header_write); PROV
 * must outlive the writer. A writer without one writes no "##pg" line. */
void ig_writer_set_prov(ig_writer *w, const ig_prov *prov);
const ig_prov *ig_writer_prov(const ig_writer *w);

void ig_writer_write(ig_writer *w, const void *data, size_t n);
void ig_writer_puts(ig_writer *w, const char *s);
void ig_writer_putc(ig_writer *w, int c);
void ig_writer_printf(ig_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ig_writer_put_i64(ig_writer *w, int64_t v);
void ig_writer_put_u64(ig_writer *w, uint64_t v);
/* Shortest "%.*g" form with at most DIGITS significant digits. */
void ig_writer_put_double(ig_writer *w, double v, int digits);

int ig_writer_is_gzip(const ig_writer *w);
const char *ig_writer_name(const ig_writer *w);
unsigned long long ig_writer_bytes(const ig_writer *w);

/* Flushes, ends the gzip stream, closes and renames the temporary file
 * over the output; exits 1 on any error. */
void ig_writer_close(ig_writer *w);
/* Closes the N writers of one output set (NULL ones skipped), as
 * ig_writer_close does each, but all files are finished before any is
 * renamed, and the set's earlier files are removed before the first
 * rename: a process killed in between leaves files of the new set or
 * none, never an earlier file beside new ones, which would read as one
 * set. */
void ig_writer_close_set(ig_writer **ws, int n);

#endif
