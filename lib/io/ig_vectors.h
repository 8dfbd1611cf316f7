/* Embedding vectors in the word2vec formats, which gensim, fastText tools
 * and others read:
 *   text    "N DIM\n", then per vector "NAME V1 V2 ... VDIM\n"
 *   binary  "N DIM\n", then per vector "NAME " and DIM little-endian
 *           IEEE-754 float32 values, then "\n"
 * Loading sniffs the format, reads plain or gzip from a path or "-", and
 * trusts nothing in the header: rows are allocated as they arrive, and a
 * count that does not match the header is an error. */
#ifndef IG_VECTORS_H
#define IG_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_intern.h"
#include "core/ig_num.h"
#include "io/ig_writer.h"

enum ig_vectors_format { IG_VECTORS_TEXT, IG_VECTORS_BINARY };

/* The digits that make a float32 read back bit for bit. */
#define IG_VECTORS_EXACT_DIGITS 9

typedef struct ig_vectors {
	uint32_t n;          /* vectors */
	uint32_t dim;
	float *data;         /* n x dim, row i belongs to name number i */
	ig_intern *names;    /* name -> row */
	int format;          /* enum ig_vectors_format it was read from */
	double *norms;       /* Euclidean lengths, made by ig_vectors_add */
	uint32_t cap;
} ig_vectors;

/* Reads PATH ("-" is stdin; plain or gzip) in either format. Exits 1 with
 * "FILE:LINE: ..." on anything malformed: a bad header, a short or long
 * row, a bad number, a repeated name, a truncated file. */
ig_vectors *ig_vectors_load(const char *path);

/* An empty set of DIM-dimensional vectors, to fill with ig_vectors_add. */
ig_vectors *ig_vectors_new(uint32_t dim);
/* Appends NAME (LEN bytes) with VEC; returns its row. Exits 1 on a repeated
 * name or one that the formats cannot hold (empty, a space or a newline). */
uint32_t ig_vectors_add(ig_vectors *v, const char *name, size_t len, const float *vec);
void ig_vectors_free(ig_vectors *v);

/* Row I, and its name. */
const float *ig_vectors_row(const ig_vectors *v, uint32_t i);
const char *ig_vectors_name(const ig_vectors *v, uint32_t i);
/* The row of NAME, or IG_INTERN_NONE. */
uint32_t ig_vectors_find(const ig_vectors *v, const char *name, size_t len);

/* The K rows most similar to Q by cosine, best first (ties: lower row),
 * leaving out row EXCLUDE (IG_INTERN_NONE: none). Returns how many were
 * stored in IDS and SCORES (at most K and n). Only reads V: threads may
 * query one set at once. */
size_t ig_vectors_nearest(const ig_vectors *v, const float *q, size_t k, uint32_t exclude, uint32_t *ids,
			  float *scores);
/* Cosine similarity of two vectors of DIM. */
float ig_vectors_cosine(const float *a, const float *b, uint32_t dim);

/* Writing, for callers that hold their vectors elsewhere: the header, then
 * N rows. DIGITS (1..9) are the significant digits of the text format;
 * IG_VECTORS_EXACT_DIGITS reads back bit for bit. Exits 1 on a name that
 * the formats cannot hold. */
void ig_vectors_write_header(ig_writer *w, uint64_t n, uint32_t dim);
void ig_vectors_write_row(ig_writer *w, int format, int digits, const char *name, size_t len,
			  const float *vec, uint32_t dim);
/* Writes "%.*g" of F with DIGITS (1..9) significant digits into BUF as
 * printf would, faster (ig_format_double); returns the length. */
size_t ig_vectors_format_float(char buf[IG_DOUBLE_BUF], float f, int digits);
/* The whole set. */
void ig_vectors_save(const ig_vectors *v, ig_writer *w, int format, int digits);

/* Nonzero when NAME (LEN bytes) can be written: not empty, and no space,
 * tab, newline, carriage return or NUL. */
int ig_vectors_name_ok(const char *name, size_t len);

#endif
