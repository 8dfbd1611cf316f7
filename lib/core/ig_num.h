/* Strict number parsing: the whole string must be a number in range. */
#ifndef IG_NUM_H
#define IG_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Each returns 0 on success and -1 when S is empty, has trailing text,
 * is not a number or is out of [MIN, MAX]; *OUT is left alone on error. */
int ig_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int ig_parse_u64(const char *s, uint64_t max, uint64_t *out);
int ig_parse_int(const char *s, int min, int max, int *out);
/* A finite double; no inf/nan, no hex floats. */
int ig_parse_double(const char *s, double *out);
/* Like ig_parse_double, also checked against [MIN, MAX]. */
int ig_parse_double_range(const char *s, double min, double max, double *out);
/* A byte count with an optional K, M, G or T suffix (powers of 1024). */
int ig_parse_size(const char *s, uint64_t *out);
/* "I/N" with 0 <= I < N. */
int ig_parse_shard(const char *s, uint32_t *index, uint32_t *count);

/* Decimal digits of V, written at the end of BUF (24 bytes); returns
 * where they start and puts their count in *LEN. For hot output paths,
 * where printf costs too much. */
#define IG_U64_BUF 24
const char *ig_format_u64(uint64_t v, char buf[IG_U64_BUF], size_t *len);
/* The same for a signed V: a '-' before the digits when negative. */
const char *ig_format_i64(int64_t v, char buf[IG_U64_BUF], size_t *len);
/* The same digits written at DST (room for 20); returns their count. */
size_t ig_put_u64(char *dst, uint64_t v);
/* snprintf's "%.*g" of V with DIGITS (at most 40) significant digits,
 * the same bytes, in BUF; returns their count. Most values are done
 * without printf. */
#define IG_DOUBLE_BUF 64
size_t ig_format_double(char buf[IG_DOUBLE_BUF], double v, int digits);

#endif
