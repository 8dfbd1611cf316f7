#include "core/ig_err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ig_progname = "ig";
static void (*die_hook)(void);

void ig_set_die_hook(void (*hook)(void))
{
	die_hook = hook;
}

void ig_set_progname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	ig_progname = slash ? slash + 1 : argv0;
}

/* An error exit leaves its callers' frames on the stack, and with them
 * what they hold in memory; a pointer a caller keeps in a callee-saved
 * register is spilled into the frame that calls exit(), as conservative
 * collectors do, so that leak checkers see it too. (A pointer the
 * compiler dropped on the way into a noreturn call is beyond this: see
 * ig_hold_state.) */
#if defined(__GNUC__) || defined(__clang__)
#define KEEP_CALLERS_REACHABLE() __builtin_unwind_init()
#else
#define KEEP_CALLERS_REACHABLE() ((void)0)
#endif

static _Thread_local ig_hold *held_states;

void ig_hold_state(ig_hold *h, const void *state)
{
	h->state = state;
	h->prev = held_states;
	held_states = h;
}

void ig_release_state(ig_hold *h)
{
	if (held_states != h)
		ig_die("internal error: held states released out of order");
	held_states = h->prev;
}

static void vmessage(const char *file, long line, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", ig_progname);
	if (file != NULL) {
		if (line > 0)
			fprintf(stderr, "%s:%ld: ", file, line);
		else
			fprintf(stderr, "%s: ", file);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ig_die(const char *fmt, ...)
{
	va_list ap;

	KEEP_CALLERS_REACHABLE();
	va_start(ap, fmt);
	vmessage(NULL, 0, fmt, ap);
	va_end(ap);
	if (die_hook)
		die_hook();
	exit(IG_EXIT_DATA);
}

void ig_die_at(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	KEEP_CALLERS_REACHABLE();
	va_start(ap, fmt);
	vmessage(file, line, fmt, ap);
	va_end(ap);
	if (die_hook)
		die_hook();
	exit(IG_EXIT_DATA);
}

void ig_usage_error(const char *fmt, ...)
{
	va_list ap;

	KEEP_CALLERS_REACHABLE();
	va_start(ap, fmt);
	vmessage(NULL, 0, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", ig_progname);
	exit(IG_EXIT_USAGE);
}

void ig_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(NULL, 0, fmt, ap);
	va_end(ap);
}

static noreturn void out_of_memory(size_t n)
{
	ig_die("out of memory (asked for %zu bytes)", n);
}

void *ig_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *ig_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(count * size);
	return p;
}

void *ig_calloc_lines(size_t n)
{
	size_t bytes = (n + 63) & ~(size_t)63;
	void *p;

	if (bytes < n)
		out_of_memory(n);
	p = aligned_alloc(64, bytes ? bytes : 64);
	if (p == NULL)
		out_of_memory(n);
	return memset(p, 0, bytes);
}

void *ig_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		out_of_memory(n);
	return q;
}

void *ig_reallocarray(void *p, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		ig_die("out of memory (%zu elements of %zu bytes)", count, size);
	return ig_realloc(p, count * size);
}

char *ig_strdup(const char *s)
{
	return ig_strndup(s, strlen(s));
}

char *ig_strndup(const char *s, size_t n)
{
	char *d = ig_malloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void ig_strcpy_grow(char **buf, size_t *cap, const char *s, size_t n)
{
	if (n + 1 > *cap) {
		*cap = n + 1 + n / 2 + 64;
		*buf = ig_realloc(*buf, *cap);
	}
	memcpy(*buf, s, n);
	(*buf)[n] = '\0';
}
