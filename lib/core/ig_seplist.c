#include "core/ig_seplist.h"

#include <stddef.h>
#include <string.h>

int ig_seplist_next(char **cursor, int sep, char **elem)
{
	char *s = *cursor, *end;

	if (s == NULL)
		return 0;
	end = strchr(s, sep);
	if (end != NULL)
		*end = '\0';
	*cursor = end != NULL ? end + 1 : NULL;
	*elem = s;
	return *s != '\0' ? 1 : -1;
}
