/* Field checks shared by the typed stream readers of lib/io: each exits 1
 * with "FILE:LINE: field N (COLUMN): what is wrong 'VALUE'". */
#ifndef IG_FIELDS_PRIV_H
#define IG_FIELDS_PRIV_H

#include <stddef.h>
#include <stdint.h>

/* S must be a valid id; returns its length. */
size_t ig_field_id(const char *file, long ln, int field, const char *col, const char *s);
/* A finite number. */
double ig_field_double(const char *file, long ln, int field, const char *col, const char *s);
/* A finite number or empty: 1 and *OUT set, or 0 when empty. */
int ig_field_opt_double(const char *file, long ln, int field, const char *col, const char *s, double *out);
/* A timestamp, or empty (-1). */
int64_t ig_field_opt_ts(const char *file, long ln, int field, const char *col, const char *s);
/* A count, or empty (0). */
uint64_t ig_field_opt_count(const char *file, long ln, int field, const char *col, const char *s);

/* Bytewise order of ids, a proper prefix first. */
int ig_field_idcmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
