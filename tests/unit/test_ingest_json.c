/* JSON lines for ig-ingest (lib/ingest/ig_ingest_json.c): picking the
 * values of top-level keys out of one object. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ingest/ig_ingest_json.h"

static const char *const keys[] = {"user", "item", "ts"};

/* Picks the three keys out of S; returns the found set or -1, the values
 * joined by '|' in OUT, and the fault in *ERR. */
static int pick(const char *s, char *out, const char **err, int *err_key)
{
	size_t len = strlen(s), flen[3];
	char *buf = malloc(IG_JSON_BUF_SIZE(len, 3)), *field[3];
	int found = ig_json_pick(s, len, keys, 3, buf, field, flen, err, err_key), k;

	out[0] = '\0';
	if (found >= 0)
		for (k = 0; k < 3; k++) {
			assert_int_equal(strlen(field[k]), flen[k]);
			strcat(out, field[k]);
			if (k < 2)
				strcat(out, "|");
		}
	free(buf);
	return found;
}

static void test_values(void **state)
{
	char out[256];
	const char *err = NULL;
	int key;

	(void)state;
	assert_int_equal(pick("{\"user\": \"u1\", \"item\": \"0042\", \"ts\": 1425941521.5}", out, &err, &key), 7);
	assert_string_equal(out, "u1|0042|1425941521.5");
	/* other keys' nested values skipped; absent and null keys empty */
	assert_int_equal(pick(" {\"x\": [1, {\"y\": \"]}\"}], \"item\": true, \"ts\": null} ", out, &err, &key), 6);
	assert_string_equal(out, "|true|");
	/* escapes: \" \\ \/ \t, a BMP code point, a surrogate pair */
	assert_int_equal(pick("{\"user\": \"a\\\"b\\\\c\\/d\\te\", \"item\": \"caf\\u00e9\", \"ts\": \"\\ud83d\\ude00\"}",
			      out, &err, &key), 7);
	assert_string_equal(out, "a\"b\\c/d\te|caf\xc3\xa9|\xf0\x9f\x98\x80");
	/* the first of a repeated key counts; an empty object has no keys */
	assert_int_equal(pick("{\"user\": \"a\", \"user\": \"b\"}", out, &err, &key), 1);
	assert_string_equal(out, "a||");
	assert_int_equal(pick("{}", out, &err, &key), 0);
}

static void test_faults(void **state)
{
	static const struct {
		const char *line, *err;
	} bad[] = {
		{"", "not a JSON object"},
		{"[{\"user\": 1}]", "a JSON array, not one object a line (jq -c '.[]' makes JSON lines)"},
		{"{\"user\": 1", "expected ',' or '}' after a value"},
		{"{\"user\": 1} x", "text after the object"},
		{"{user: 1}", "expected a key in quotes"},
		{"{\"user\" 1}", "expected ':' after a key"},
		{"{\"user\": }", "not a JSON value"},
		{"{\"user\": \"a}", "string not closed"},
		{"{\"user\": \"\\x\"}", "bad escape in a string"},
		{"{\"user\": \"\\ud83d\"}", "bad \\u escape in a string"},
		{"{\"user\": \"\\ude00\"}", "bad \\u escape in a string"},
		{"{\"x\": [1, 2}", "mismatched bracket"},
		{"{\"x\": [1, 2", "object or array not closed"},
	};
	char out[256], deep[300];
	const char *err = NULL;
	int key, i;

	(void)state;
	for (i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
		err = NULL;
		assert_int_equal(pick(bad[i].line, out, &err, &key), -1);
		assert_string_equal(err, bad[i].err);
	}
	assert_int_equal(pick("{\"item\": {\"a\": 1}}", out, &err, &key), -1);
	assert_string_equal(err, "an object or array, not a value");
	assert_int_equal(key, 1);
	/* nesting is followed 64 deep, no deeper */
	strcpy(deep, "{\"x\": ");
	for (i = 0; i < 65; i++)
		strcat(deep, "[");
	assert_int_equal(pick(deep, out, &err, &key), -1);
	assert_string_equal(err, "objects or arrays nested too deep");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
