#include "ingest/ig_ingest_rules.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "core/ig_num.h"

static int parse_rule(ig_rule *r, char *tok, int (*target)(const char *), char *err, size_t errlen)
{
	char *colon = strrchr(tok, ':'), *eq = strrchr(tok, '='), *split, *key;

	split = colon > eq ? colon : eq;
	if (split == NULL || split == tok || split[1] == '\0') {
		snprintf(err, errlen, "rule '%s' is not RAW:NAME", tok);
		return -1;
	}
	*split = '\0';
	key = tok;
	r->target = target(split + 1);
	if (r->target < 0) {
		snprintf(err, errlen, "rule '%s:%s': unknown name '%s'", tok, split + 1, split + 1);
		return -1;
	}
	r->key = ig_strdup(key);
	r->op = IG_RULE_STR;
	if (strcmp(key, "*") == 0) {
		r->op = IG_RULE_ANY;
		return 0;
	}
	if (strncmp(key, ">=", 2) == 0)
		r->op = IG_RULE_GE;
	else if (strncmp(key, "<=", 2) == 0)
		r->op = IG_RULE_LE;
	else if (strncmp(key, "==", 2) == 0)
		r->op = IG_RULE_EQ;
	else if (key[0] == '>')
		r->op = IG_RULE_GT;
	else if (key[0] == '<')
		r->op = IG_RULE_LT;
	if (r->op != IG_RULE_STR) {
		const char *num = key + (r->op == IG_RULE_GT || r->op == IG_RULE_LT ? 1 : 2);
		if (ig_parse_double(num, &r->num) != 0) {
			snprintf(err, errlen, "rule '%s': '%s' is not a number", key, num);
			free(r->key);
			r->key = NULL;
			return -1;
		}
	}
	return 0;
}

int ig_rules_parse(ig_rules *rs, const char *spec, int (*target)(const char *),
		   char *err, size_t errlen)
{
	char *copy = ig_strdup(spec), *cursor = copy, *tok;
	int got, rc = 0;

	if (*spec == '\0') {
		snprintf(err, errlen, "empty rule list");
		rc = -1;
	}
	while (rc == 0 && (got = ig_seplist_next(&cursor, ',', &tok)) != 0) {
		ig_rule r;
		memset(&r, 0, sizeof r);
		if (got < 0) {
			snprintf(err, errlen, "empty rule in '%s'", spec);
			rc = -1;
			break;
		}
		if (parse_rule(&r, tok, target, err, errlen) != 0) {
			rc = -1;
			break;
		}
		rs->rule = ig_reallocarray(rs->rule, (size_t)rs->n + 1, sizeof *rs->rule);
		rs->rule[rs->n++] = r;
		if (r.op >= IG_RULE_LT)
			rs->numeric = 1;
	}
	free(copy);
	return rc;
}

/* Most raw values are short decimals ("4", "3.5"): at most 15 digits
 * make an exact integer, and one division by an exact power of ten is
 * correctly rounded, as strtod would be. Anything else goes to strtod. */
static int parse_number(const char *s, size_t len, double *v)
{
	static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
				       1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	size_t i = s[0] == '-', digits = 0, frac = 0;
	int dot = 0;
	uint64_t m = 0;

	if (len > 0 && len < 18 && i < len) {
		for (; i < len; i++) {
			if (s[i] >= '0' && s[i] <= '9') {
				m = m * 10 + (uint64_t)(s[i] - '0');
				digits++;
				frac += dot;
			} else if (s[i] == '.' && !dot) {
				dot = 1;
			} else {
				break;
			}
		}
		if (i == len && digits > 0 && digits <= 15 && !(dot && s[len - 1] == '.') &&
		    !(dot && s[s[0] == '-'] == '.')) {
			*v = (double)m / pow10[frac];
			if (s[0] == '-')
				*v = -*v;
			return 0;
		}
	}
	if (strlen(s) != len)
		return -1;
	return ig_parse_double(s, v);
}

int ig_rules_match(const ig_rules *rs, const char *raw, size_t len)
{
	int i, have_num = -1;
	double v = 0;

	for (i = 0; i < rs->n; i++) {
		const ig_rule *r = &rs->rule[i];
		int hit = 0;
		switch (r->op) {
		case IG_RULE_ANY:
			hit = 1;
			break;
		case IG_RULE_STR:
			hit = strlen(r->key) == len && memcmp(r->key, raw, len) == 0;
			break;
		default:
			if (have_num < 0)
				have_num = parse_number(raw, len, &v) == 0;
			if (!have_num)
				break;
			hit = (r->op == IG_RULE_LT && v < r->num) || (r->op == IG_RULE_LE && v <= r->num) ||
			      (r->op == IG_RULE_GT && v > r->num) || (r->op == IG_RULE_GE && v >= r->num) ||
			      (r->op == IG_RULE_EQ && v == r->num);
			break;
		}
		if (hit)
			return r->target;
	}
	return -1;
}

void ig_rules_free(ig_rules *rs)
{
	int i;

	for (i = 0; i < rs->n; i++)
		free(rs->rule[i].key);
	free(rs->rule);
	memset(rs, 0, sizeof *rs);
}
