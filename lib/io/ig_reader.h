/* Line reader over "-" or a path, plain text or gzip (sniffed by magic
 * bytes; concatenated members are read through; a truncated member is an
 * error, never a short read). */
#ifndef IG_READER_H
#define IG_READER_H

#include <stddef.h>
#include <sys/types.h>

typedef struct ig_reader ig_reader;

/* Opens PATH ("-" is stdin). Exits 1 with a message when it cannot. */
ig_reader *ig_reader_open(const char *path);
/* Like ig_reader_open but returns NULL (errno set) instead of exiting. */
ig_reader *ig_reader_try_open(const char *path);

/* Next line without its '\n', NUL-terminated and writable until the next
 * call; returns its length, or -1 at end of input. A read error or a
 * truncated gzip stream exits 1 naming the file. A '\r' before the '\n'
 * is kept: what a CRLF means is the caller's to decide. */
ssize_t ig_reader_getline(ig_reader *r, char **line);
/* From now on, a line with a NUL byte and a last line without its '\n'
 * (a cut file) exit 1 naming the file and line: igfunnel streams always
 * end their records with '\n'. ig_header_read sets it. */
void ig_reader_set_strict(ig_reader *r);

/* Up to N raw (decompressed) bytes into DST; returns how many, 0 at the
 * end. For binary formats; do not mix with ig_reader_getline. */
size_t ig_reader_read(ig_reader *r, void *dst, size_t n);

/* Makes the next ig_reader_getline return the line just read again. */
void ig_reader_unget(ig_reader *r);

/* Number of the line last returned (1-based). */
long ig_reader_lineno(const ig_reader *r);
/* Name for messages: the path, or "stdin" for "-". */
const char *ig_reader_name(const ig_reader *r);
/* Nonzero if the input was gzip. */
int ig_reader_is_gzip(const ig_reader *r);
/* Bytes of (decompressed) input consumed so far. */
unsigned long long ig_reader_bytes(const ig_reader *r);

void ig_reader_close(ig_reader *r);

#endif
