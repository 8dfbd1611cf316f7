/* Unit tests' fixtures on disk: TEXT in a new temporary file, whose path
 * (malloc'd) the caller unlinks and frees. Include after cmocka.h. */
#ifndef IG_TEST_TEMP_TEXT_H
#define IG_TEST_TEMP_TEXT_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/igtest.XXXXXX");
	int fd = mkstemp(path);
	size_t n = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

#endif
