#include "io/ig_fields_priv.h"

#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "io/ig_events.h"
#include "io/ig_tsv.h"

size_t ig_field_id(const char *file, long ln, int field, const char *col, const char *s)
{
	size_t len = strlen(s);

	if (!ig_valid_id(s, len))
		ig_die_at(file, ln, "field %d (%s): invalid id '%s'", field, col, s);
	return len;
}

double ig_field_double(const char *file, long ln, int field, const char *col, const char *s)
{
	double v;

	if (ig_parse_double(s, &v) != 0)
		ig_die_at(file, ln, "field %d (%s): not a number '%s'", field, col, s);
	return v;
}

int ig_field_opt_double(const char *file, long ln, int field, const char *col, const char *s, double *out)
{
	if (s[0] == '\0')
		return 0;
	*out = ig_field_double(file, ln, field, col, s);
	return 1;
}

int64_t ig_field_opt_ts(const char *file, long ln, int field, const char *col, const char *s)
{
	int64_t v;

	if (s[0] == '\0')
		return -1;
	if (ig_parse_i64(s, IG_TS_MIN, IG_TS_MAX, &v) != 0)
		ig_die_at(file, ln, "field %d (%s): bad timestamp '%s'", field, col, s);
	return v;
}

uint64_t ig_field_opt_count(const char *file, long ln, int field, const char *col, const char *s)
{
	uint64_t v;

	if (s[0] == '\0')
		return 0;
	if (ig_parse_u64(s, UINT64_MAX, &v) != 0)
		ig_die_at(file, ln, "field %d (%s): not a count '%s'", field, col, s);
	return v;
}

int ig_field_idcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}
