/* JSON lines for ig-ingest: the values of named top-level keys of one
 * JSON object a line (Yelp's, Amazon's and Goodreads' review dumps), as
 * the fields of a record. */
#ifndef IG_INGEST_JSON_H
#define IG_INGEST_JSON_H

#include <stddef.h>

/* Bytes of BUF that ig_json_pick needs for a line of LEN bytes and NKEYS
 * keys. */
#define IG_JSON_BUF_SIZE(len, nkeys) (2 * (len) + (size_t)(nkeys) + 2)

/* Parses LINE (LEN bytes), which must be one JSON object, and sets
 * FIELD[k] (NUL-terminated, in BUF) and FLEN[k] to the value of its
 * top-level key KEYS[k] (at most 30 keys): a string unescaped to UTF-8, a
 * number as written, "true" or "false"; null and an absent key give "".
 * Returns the set of keys present (bit k for KEYS[k]); or -1 with *ERR
 * set (and *ERR_KEY to the key's index, or -1) when the line is not a
 * JSON object or a key asked for holds an object or array. */
int ig_json_pick(const char *line, size_t len, const char *const *keys, int nkeys, char *buf, char **field,
		 size_t *flen, const char **err, int *err_key);

#endif
