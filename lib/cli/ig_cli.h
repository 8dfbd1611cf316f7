/* What every command shares: the common options of DESIGN.md, --help and
 * --version handling, the output stream, and the closing summary line. */
#ifndef IG_CLI_H
#define IG_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "io/ig_writer.h"

enum {
	IG_OPT_SEED = 0x1000,
	IG_OPT_MEMORY,
	IG_OPT_FIRST_TOOL = 0x1100 /* tools number their own long-only options from here */
};

/* Short options shared by every tool; append the tool's own. */
#define IG_CLI_SHORTOPTS "hV@:o:ul:vqT:"
#define IG_CLI_LONGOPTS                                         \
	{"help", no_argument, NULL, 'h'},                       \
	{"version", no_argument, NULL, 'V'},                    \
	{"threads", required_argument, NULL, '@'},              \
	{"output", required_argument, NULL, 'o'},               \
	{"uncompressed", no_argument, NULL, 'u'},               \
	{"level", required_argument, NULL, 'l'},                \
	{"verbose", no_argument, NULL, 'v'},                    \
	{"quiet", no_argument, NULL, 'q'},                      \
	{"tmpdir", required_argument, NULL, 'T'},               \
	{"seed", required_argument, NULL, IG_OPT_SEED},         \
	{"memory", required_argument, NULL, IG_OPT_MEMORY}

typedef struct ig_cli {
	const char *output;   /* -o; NULL is stdout */
	int compress;         /* enum ig_compress */
	int level;            /* -l, 1..9 */
	int threads;          /* -@ */
	uint64_t seed;        /* --seed */
	int verbosity;        /* -1 with -q, 1 with -v */
	uint64_t memory;      /* --memory, bytes */
	const char *tmpdir;   /* -T */
	void (*usage)(FILE *fp);
	double start_real;
	ig_prov prov;         /* this run, for the "##pg" lines of its outputs */
	char *cmdline;        /* prov.cmdline's storage */
} ig_cli;

#define IG_DEFAULT_SEED 1
#define IG_DEFAULT_MEMORY ((uint64_t)1 << 30)

/* Sets the program name, records the command line in C->prov, starts the clock,
 * fills defaults and arranges for stdout's close to be checked. USAGE
 * prints the tool's --help text. */
void ig_cli_init(ig_cli *c, int argc, char **argv, void (*usage)(FILE *fp));

/* Handles a common option from getopt_long; returns 1 if OPT was one.
 * -h prints usage and exits 0, -V the version and exits 0, '?' and ':'
 * exit 2. */
int ig_cli_option(ig_cli *c, int opt, const char *arg);

/* Prints the common options' help lines, with their defaults. */
enum {
	IG_HELP_OUTPUT = 1,   /* -o -u -l */
	IG_HELP_THREADS = 2,  /* -@ */
	IG_HELP_SEED = 4,     /* --seed */
	IG_HELP_MEMORY = 8    /* --memory -T */
};
void ig_cli_help_common(FILE *fp, const ig_cli *c, unsigned which);

/* Opens -o (or stdout) as DESIGN.md says: gzip unless a terminal or -u;
 * its headers carry C->prov. */
ig_writer *ig_cli_open_output(const ig_cli *c);
/* ig_writer_open of another output of this run: its headers carry C->prov. */
ig_writer *ig_cli_open_writer(const ig_cli *c, const char *path, int compress, int level);

/* Refuses (exit 2) to write OUTPUT (NULL or "-": stdout) when it is the
 * same file as one of the N INPUTS ("-": stdin; NULL entries are
 * skipped): device and inode are compared, not names, so links and other
 * spellings of a path are caught. Refuses too INPUTS that name stdin
 * twice. Call before reading any input. */
void ig_cli_check_output(const char *output, const char *const *inputs, int n);
/* ig_cli_check_output for PATH, an output besides -o given by option
 * OPT, which is refused too (exit 2) when it is -o's file or both are
 * stdout (NULL or "-"): the second closed would replace the first, or the
 * two streams would interleave. Names are compared, and device and inode
 * where both files exist; outputs that are not regular files (/dev/null)
 * are written in place and left alone. */
void ig_cli_check_extra_output(const ig_cli *c, const char *path, const char *opt, const char *const *inputs,
			       int n);

/* Parse helpers for tool options: exit 2 naming the option on bad values. */
int64_t ig_cli_int(const char *opt, const char *arg, int64_t min, int64_t max);
double ig_cli_double(const char *opt, const char *arg, double min, double max);
uint64_t ig_cli_size(const char *opt, const char *arg);

/* Keyword options: the index of ARG among NAMES (NULL-ended). If it is none
 * of them, a usage error "OPT: invalid value 'ARG' (EXPECTED)", or without
 * the parenthesis when EXPECTED is NULL. */
int ig_cli_choice(const char *opt, const char *arg, const char *const *names, const char *expected);
/* The same for a keyword a library's parser read: V is what it made of ARG,
 * below 0 for none of its keywords. Returns V. */
int ig_cli_need_choice(const char *opt, const char *arg, int v, const char *expected);
/* As ig_cli_need_choice, in the wording of the tools (ig-ingest,
 * ig-train-w2v) whose messages say "OPT: 'ARG' is not EXPECTED". */
int ig_cli_need_one_of(const char *opt, const char *arg, int v, const char *expected);
/* The index of ARG among NAMES (NULL-ended), or -1. */
int ig_cli_keyword(const char *arg, const char *const *names);

/* With -v, or when stderr is a terminal (and not -q): a progress line
 * that overwrites itself. */
void ig_cli_progress(const ig_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last stderr line: "PROG: MESSAGE; R s real, C s CPU, M MB peak",
 * unless -q. */
void ig_cli_summary(const ig_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Seconds since an arbitrary start, monotonic. */
double ig_now(void);
/* CPU seconds of the process (every thread) and of the calling thread:
 * on a shared machine fairer clocks for speed than the wall. */
double ig_process_cpu(void);
double ig_thread_cpu(void);
/* Peak resident memory of this process in bytes. */
uint64_t ig_peak_rss(void);

#endif
