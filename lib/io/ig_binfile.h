#ifndef IG_BINFILE_H
#define IG_BINFILE_H
/* The binary model files (ig-formats(5), MODEL FILES) are little-endian
 * whatever the host: a growable buffer builds one, and a cursor reads one
 * back, checking every read against the bytes left so that a truncated or
 * damaged file is refused with its offset rather than read past. */
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "io/ig_writer.h"

typedef struct ig_binbuf {
	unsigned char *p;
	size_t n, cap;
} ig_binbuf;

void ig_binbuf_put(ig_binbuf *b, const void *data, size_t n);
void ig_binbuf_u32(ig_binbuf *b, uint32_t v);
void ig_binbuf_u64(ig_binbuf *b, uint64_t v);
void ig_binbuf_f32(ig_binbuf *b, float f);
void ig_binbuf_f64(ig_binbuf *b, double d);
void ig_binbuf_floats(ig_binbuf *b, const float *f, size_t n);
/* A u32 length, then the bytes (no terminating NUL). */
void ig_binbuf_str(ig_binbuf *b, const char *s);
/* Writes B to PATH through ig_writer, so a failed or killed run never
 * leaves a partial file under PATH; frees B's bytes. */
void ig_binbuf_save(ig_binbuf *b, const char *path);
/* The same to W, left open (for a set of outputs closed together). */
void ig_binbuf_write(ig_binbuf *b, ig_writer *w);

/* The whole of PATH in a new allocation of *N bytes; a file larger than
 * MAX is refused as not a KIND. */
unsigned char *ig_binfile_read(const char *path, size_t max, const char *kind, size_t *n);

typedef struct ig_bincur {
	const unsigned char *p;
	size_t n, at;
	const char *name; /* the file, for errors */
	const char *kind; /* "ig-rank model": errors say "not a valid KIND" */
	/* Run before a read fails, to free what the caller has built so far. */
	void (*cleanup)(void *arg);
	void *arg;
} ig_bincur;

/* "NAME: not a valid KIND: WHAT (at byte AT)", exit 1. */
noreturn void ig_bincur_bad(ig_bincur *c, const char *what);
void ig_bincur_take(ig_bincur *c, void *out, size_t n, const char *what);
uint32_t ig_bincur_u32(ig_bincur *c, const char *what);
uint64_t ig_bincur_u64(ig_bincur *c, const char *what);
/* Floats must be finite. */
float ig_bincur_f32(ig_bincur *c, const char *what);
double ig_bincur_f64(ig_bincur *c, const char *what);
void ig_bincur_floats(ig_bincur *c, float *f, size_t n, const char *what);
/* A string written by ig_binbuf_str, at most MAX bytes and without NUL,
 * in a new allocation. */
char *ig_bincur_str(ig_bincur *c, uint32_t max, const char *what);

#endif
