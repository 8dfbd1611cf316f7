/* Rules of ig-ingest that turn raw field values into names of a fixed
 * set (event types, media types): "click:view,fav:like,*:skip" or
 * ">=4:like,<=2:see_less,*:view". */
#ifndef IG_INGEST_RULES_H
#define IG_INGEST_RULES_H

#include <stddef.h>

enum ig_rule_op {
	IG_RULE_STR,  /* the raw value is exactly KEY */
	IG_RULE_ANY,  /* "*": anything */
	IG_RULE_LT, IG_RULE_LE, IG_RULE_GT, IG_RULE_GE, IG_RULE_EQ, /* numeric */
};

typedef struct ig_rule {
	int op;
	double num;
	char *key;
	int target;
} ig_rule;

typedef struct ig_rules {
	ig_rule *rule;
	int n;
	int numeric;   /* some rule compares numbers */
} ig_rules;

/* Appends the comma-separated rules of SPEC to RS. A rule is KEY:NAME or
 * KEY=NAME (split at the last ':' or '='); KEY is "*", a comparison
 * (<N <=N >N >=N ==N) or a raw string; NAME goes through TARGET, which
 * returns its number or -1. Returns 0, or -1 with a message in ERR. */
int ig_rules_parse(ig_rules *rs, const char *spec, int (*target)(const char *),
		   char *err, size_t errlen);
/* The target of the first rule RAW (LEN bytes, NUL-terminated) matches,
 * or -1. Comparisons match only a RAW that is a number. */
int ig_rules_match(const ig_rules *rs, const char *raw, size_t len);
void ig_rules_free(ig_rules *rs);

#endif
