#include "ingest/ig_ingest_json.h"

#include <string.h>

/* Nesting deeper than this (in values no key asks for) is refused rather
 * than followed down the stack. */
#define MAX_DEPTH 64

typedef struct jp {
	const char *p, *end;
	const char *err;
} jp;

static int bad(jp *j, const char *msg)
{
	if (j->err == NULL)
		j->err = msg;
	return -1;
}

static void skip_ws(jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static int hex4(const char *p, const char *end, unsigned *v)
{
	int i;

	if (end - p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			: c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			: c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
		if (d == 16)
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* Code point U as UTF-8 at OUT (when not NULL); returns its length. */
static size_t put_utf8(char *out, unsigned u)
{
	unsigned char b[4];
	size_t n;

	if (u < 0x80) {
		b[0] = (unsigned char)u;
		n = 1;
	} else if (u < 0x800) {
		b[0] = (unsigned char)(0xc0 | u >> 6);
		b[1] = (unsigned char)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		b[0] = (unsigned char)(0xe0 | u >> 12);
		b[1] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | u >> 18);
		b[1] = (unsigned char)(0x80 | (u >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (u & 0x3f));
		n = 4;
	}
	if (out)
		memcpy(out, b, n);
	return n;
}

/* The \u escape after the backslash at J->p (which points at 'u'), with
 * its low surrogate if it is a high one; returns the code point or -1. */
static long unicode_escape(jp *j)
{
	unsigned u, lo;

	if (hex4(j->p + 1, j->end, &u) != 0)
		return bad(j, "bad \\u escape in a string");
	j->p += 5;
	if (u >= 0xdc00 && u < 0xe000)
		return bad(j, "bad \\u escape in a string");
	if (u >= 0xd800 && u < 0xdc00) {
		if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, j->end, &lo) != 0 ||
		    lo < 0xdc00 || lo >= 0xe000)
			return bad(j, "bad \\u escape in a string");
		j->p += 6;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	return (long)u;
}

/* The string at J->p (its opening quote), unescaped into OUT when OUT is
 * not NULL (never longer than the escaped text); returns its length or
 * -1. */
static long string(jp *j, char *out)
{
	size_t n = 0;

	j->p++;
	while (j->p < j->end) {
		char c = *j->p++, ch;
		long u;
		if (c == '"')
			return (long)n;
		if (c != '\\') {
			if (out)
				out[n] = c;
			n++;
			continue;
		}
		if (j->p == j->end)
			break;
		switch (*j->p) {
		case '"': case '\\': case '/': ch = *j->p; break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u':
			if ((u = unicode_escape(j)) < 0)
				return -1;
			n += put_utf8(out ? out + n : NULL, (unsigned)u);
			continue;
		default:
			return bad(j, "bad escape in a string");
		}
		j->p++;
		if (out)
			out[n] = ch;
		n++;
	}
	return bad(j, "string not closed");
}

/* Skips the object or array at J->p (no key of it is asked for). */
static int skip_nested(jp *j, int depth)
{
	char close = *j->p == '{' ? '}' : ']';

	if (depth >= MAX_DEPTH)
		return bad(j, "objects or arrays nested too deep");
	j->p++;
	for (;;) {
		char c;
		skip_ws(j);
		if (j->p == j->end)
			return bad(j, "object or array not closed");
		c = *j->p;
		if (c == close) {
			j->p++;
			return 0;
		}
		if (c == '"') {
			if (string(j, NULL) < 0)
				return -1;
		} else if (c == '{' || c == '[') {
			if (skip_nested(j, depth + 1) != 0)
				return -1;
		} else if (c == '}' || c == ']') {
			return bad(j, "mismatched bracket");
		} else {
			j->p++;
		}
	}
}

/* The scalar (number, true, false, null) at J->p: its text (null: none). */
static int scalar(jp *j, const char **s, size_t *n)
{
	static const char *const words[] = {"true", "false", "null"};
	size_t i;

	for (i = 0; i < 3; i++) {
		size_t wl = strlen(words[i]);
		if ((size_t)(j->end - j->p) >= wl && memcmp(j->p, words[i], wl) == 0) {
			*s = j->p;
			*n = i == 2 ? 0 : wl;
			j->p += wl;
			return 0;
		}
	}
	*s = j->p;
	while (j->p < j->end && (strchr("0123456789+-.eE", *j->p) != NULL && *j->p != '\0'))
		j->p++;
	*n = (size_t)(j->p - *s);
	return *n > 0 ? 0 : bad(j, "not a JSON value");
}

/* The key asked for among KEYS that KEY (KLEN bytes) is, not yet found;
 * or -1. */
static int which_key(const char *key, size_t klen, const char *const *keys, int nkeys, char *const *field)
{
	int k;

	for (k = 0; k < nkeys; k++)
		if (field[k] == NULL && strlen(keys[k]) == klen && memcmp(keys[k], key, klen) == 0)
			return k;
	return -1;
}

static int members(jp *j, const char *const *keys, int nkeys, char *buf, char **field, size_t *flen,
		   int *err_key)
{
	char *scratch = buf + (j->end - j->p) + nkeys + 1;
	size_t used = 0;
	unsigned found = 0;
	int k;

	for (;;) {
		long kl, vl;
		skip_ws(j);
		if (j->p == j->end || *j->p != '"')
			return bad(j, "expected a key in quotes");
		if ((kl = string(j, scratch)) < 0)
			return -1;
		skip_ws(j);
		if (j->p == j->end || *j->p != ':')
			return bad(j, "expected ':' after a key");
		j->p++;
		skip_ws(j);
		if (j->p == j->end)
			return bad(j, "a key without a value");
		k = which_key(scratch, (size_t)kl, keys, nkeys, field);
		if (*j->p == '"') {
			char *o = k >= 0 ? buf + used : NULL;
			if ((vl = string(j, o)) < 0)
				return -1;
			if (k >= 0) {
				o[vl] = '\0';
				field[k] = o;
				flen[k] = (size_t)vl;
				used += (size_t)vl + 1;
			}
		} else if (*j->p == '{' || *j->p == '[') {
			if (k >= 0) {
				*err_key = k;
				return bad(j, "an object or array, not a value");
			}
			if (skip_nested(j, 0) != 0)
				return -1;
		} else {
			const char *s;
			size_t n;
			if (scalar(j, &s, &n) != 0)
				return -1;
			if (k >= 0) {
				memcpy(buf + used, s, n);
				buf[used + n] = '\0';
				field[k] = buf + used;
				flen[k] = n;
				used += n + 1;
			}
		}
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		return bad(j, "expected ',' or '}' after a value");
	}
	/* Keys not found share one empty string. */
	buf[used] = '\0';
	for (k = 0; k < nkeys; k++)
		if (field[k] == NULL) {
			field[k] = buf + used;
			flen[k] = 0;
		} else {
			found |= 1u << k;
		}
	return (int)found;
}

int ig_json_pick(const char *line, size_t len, const char *const *keys, int nkeys, char *buf, char **field,
		 size_t *flen, const char **err, int *err_key)
{
	jp j = {line, line + len, NULL};
	int k, found = 0;

	*err_key = -1;
	for (k = 0; k < nkeys; k++)
		field[k] = NULL;
	skip_ws(&j);
	if (j.p == j.end || *j.p != '{') {
		*err = j.p < j.end && *j.p == '['
			? "a JSON array, not one object a line (jq -c '.[]' makes JSON lines)"
			: "not a JSON object";
		return -1;
	}
	j.p++;
	skip_ws(&j);
	if (j.p < j.end && *j.p == '}') {
		j.p++;
		buf[0] = '\0';
		for (k = 0; k < nkeys; k++) {
			field[k] = buf;
			flen[k] = 0;
		}
	} else if ((found = members(&j, keys, nkeys, buf, field, flen, err_key)) < 0) {
		*err = j.err;
		return -1;
	}
	skip_ws(&j);
	if (j.p != j.end) {
		*err = "text after the object";
		return -1;
	}
	return found;
}
