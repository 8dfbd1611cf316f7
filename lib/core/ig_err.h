/* Error reporting and checked allocation shared by every tool. */
#ifndef IG_ERR_H
#define IG_ERR_H

#include <stddef.h>
#include <stdnoreturn.h>

#define IG_EXIT_OK 0
#define IG_EXIT_DATA 1  /* bad input data or an I/O error */
#define IG_EXIT_USAGE 2 /* bad command line */

/* Name used as the prefix of every message ("ig-ingest"). */
extern const char *ig_progname;
void ig_set_progname(const char *argv0);

/* "PROG: message" on stderr, then exit 1. */
noreturn void ig_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: FILE:LINE: message" on stderr, then exit 1. */
noreturn void ig_die_at(const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "PROG: message" and a pointer to --help on stderr, then exit 2. */
noreturn void ig_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: message" on stderr; execution continues. */
void ig_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called instead of exit(1) by ig_die and ig_die_at when set; for fuzz
 * harnesses, which must survive bad input (the hook must not return). */
void ig_set_die_hook(void (*hook)(void));

/* An error exit (ig_die...) leaves behind the objects of unfinished work,
 * and leak checkers (valgrind, LeakSanitizer) call one leaked when the
 * only pointer to it was in a register or stack slot that the compiler,
 * on a path into a call that never returns, gave to something else. A
 * function that builds objects an error exit may interrupt keeps their
 * pointers in a local struct and holds it for that time: the struct is
 * then kept in memory and reachable from this thread's list of held
 * states, so an error exit reports no leak however registers fall.
 * Holds nest; release them in the reverse order. */
typedef struct ig_hold {
	const void *state;
	struct ig_hold *prev;
} ig_hold;
void ig_hold_state(ig_hold *h, const void *state);
void ig_release_state(ig_hold *h);

/* Allocation that exits 1 with a message instead of returning NULL. */
void *ig_malloc(size_t n);
void *ig_calloc(size_t count, size_t size);
/* N zeroed bytes at a cache line's start (64 bytes), for tables read
 * entry by entry in random order; free() frees them. */
void *ig_calloc_lines(size_t n);
void *ig_realloc(void *p, size_t n);
/* realloc of count*size elements with an overflow check. */
void *ig_reallocarray(void *p, size_t count, size_t size);
char *ig_strdup(const char *s);
char *ig_strndup(const char *s, size_t n);
/* Copies the N bytes of S and a NUL into *BUF, a buffer of *CAP bytes
 * (NULL and 0 at first) that grows as needed: for a string kept from
 * one record to the next. */
void ig_strcpy_grow(char **buf, size_t *cap, const char *s, size_t n);

#endif
