/* What every fuzz harness here shares. ig_die is turned into a longjmp to
 * ON_DIE (set the hook with ig_set_die_hook(die_hook)), and the input is
 * handed to the parser as stdin: a reader of "-" never closes its
 * descriptor, so a die that unwinds past the close leaks no descriptor. */
#ifndef FUZZ_STDIN_H
#define FUZZ_STDIN_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/ig_err.h"
#include "core/ig_tempfile.h"

static jmp_buf on_die;

static void die_hook(void)
{
	/* What exit would have removed: a half-written output's temp file. */
	ig_tempfile_remove_all();
	longjmp(on_die, 1);
}

/* Writes DATA to PATH and makes that file the process's stdin. */
static void stdin_from(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "wb");
	int fd;

	if (fp == NULL)
		abort();
	if (size && fwrite(data, size, 1, fp) != 1)
		abort();
	fclose(fp);
	fd = open(path, O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		abort();
	close(fd);
}

/* Harnesses whose reader dups stdin (gzdopen) leak that descriptor when a
 * die unwinds past its close. fuzz_stdin_input makes DATA stdin through
 * the file /tmp/igfuzz-TAG.PID, noting on its first call the lowest free
 * descriptor; fuzz_close_leaked closes every descriptor opened since. */
static int fuzz_first_free = -1;

static void fuzz_stdin_input(const char *tag, const uint8_t *data, size_t size)
{
	static char path[64];

	if (fuzz_first_free < 0) {
		snprintf(path, sizeof path, "/tmp/igfuzz-%s.%ld", tag, (long)getpid());
		ig_set_die_hook(die_hook);
		fuzz_first_free = dup(STDIN_FILENO);
		close(fuzz_first_free);
	}
	stdin_from(path, data, size);
}

static void fuzz_close_leaked(void)
{
	int fd = dup(STDIN_FILENO);

	for (; fd > fuzz_first_free; fd--)
		close(fd);
	close(fuzz_first_free);
}

#endif
