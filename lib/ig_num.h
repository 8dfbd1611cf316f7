/* Strict number parsing: the whole string must be a number in range. */
#ifndef IG_NUM_H
#define IG_NUM_H

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

#endif
