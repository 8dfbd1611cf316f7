#include "cli/ig_cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "io/ig_tsv.h"
#include "core/ig_version.h"

static double clock_seconds(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ig_now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

double ig_process_cpu(void)
{
	return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

double ig_thread_cpu(void)
{
	return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t ig_peak_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024;
}

/* As gnulib's close_stdout: a failed write to stdout must not go unseen.
 * EBADF with nothing pending means an ig_writer already closed fd 1. */
static void close_stdout(void)
{
	int pending = __fpending(stdout) != 0;
	int failed_before = ferror(stdout) != 0;
	int fail = fclose(stdout) != 0;

	if (failed_before || (fail && (pending || errno != EBADF))) {
		fprintf(stderr, "%s: write error on stdout: %s\n", ig_progname,
			strerror(failed_before && !fail ? EIO : errno));
		fflush(stderr);
		_exit(IG_EXIT_DATA);
	}
}

void ig_cli_init(ig_cli *c, int argc, char **argv, void (*usage)(FILE *fp))
{
	memset(c, 0, sizeof *c);
	ig_set_progname(argc > 0 ? argv[0] : NULL);
	c->cmdline = ig_join_cmdline(argc, argv);
	c->prov.program = ig_progname;
	c->prov.version = IG_VERSION;
	c->prov.cmdline = c->cmdline;
	/* getopt_long names argv[0] in its messages: make it match ours. */
	if (argc > 0 && argv[0] != NULL && strrchr(argv[0], '/') != NULL)
		argv[0] = strrchr(argv[0], '/') + 1;
	c->compress = IG_COMPRESS_AUTO;
	c->level = 6;
	c->threads = 1;
	c->seed = IG_DEFAULT_SEED;
	c->memory = IG_DEFAULT_MEMORY;
	c->usage = usage;
	c->start_real = ig_now();
	atexit(close_stdout);
}

int64_t ig_cli_int(const char *opt, const char *arg, int64_t min, int64_t max)
{
	int64_t v;

	if (ig_parse_i64(arg, min, max, &v) != 0)
		ig_usage_error("%s: '%s' is not a whole number from %lld to %lld", opt, arg,
			       (long long)min, (long long)max);
	return v;
}

double ig_cli_double(const char *opt, const char *arg, double min, double max)
{
	double v;

	if (ig_parse_double_range(arg, min, max, &v) != 0)
		ig_usage_error("%s: '%s' is not a number from %g to %g", opt, arg, min, max);
	return v;
}

uint64_t ig_cli_size(const char *opt, const char *arg)
{
	uint64_t v;

	if (ig_parse_size(arg, &v) != 0 || v == 0)
		ig_usage_error("%s: '%s' is not a size (e.g. 512M, 4G)", opt, arg);
	return v;
}

int ig_cli_need_choice(const char *opt, const char *arg, int v, const char *expected)
{
	if (v >= 0)
		return v;
	if (expected == NULL)
		ig_usage_error("%s: invalid value '%s'", opt, arg);
	ig_usage_error("%s: invalid value '%s' (%s)", opt, arg, expected);
}

int ig_cli_need_one_of(const char *opt, const char *arg, int v, const char *expected)
{
	if (v < 0)
		ig_usage_error("%s: '%s' is not %s", opt, arg, expected);
	return v;
}

int ig_cli_keyword(const char *arg, const char *const *names)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	return -1;
}

int ig_cli_choice(const char *opt, const char *arg, const char *const *names, const char *expected)
{
	return ig_cli_need_choice(opt, arg, ig_cli_keyword(arg, names), expected);
}

int ig_cli_option(ig_cli *c, int opt, const char *arg)
{
	switch (opt) {
	case 'h':
		c->usage(stdout);
		exit(IG_EXIT_OK);
	case 'V':
		printf("%s (igfunnel) %s\nzlib %s\n", ig_progname, IG_VERSION, zlibVersion());
		exit(IG_EXIT_OK);
	case '@':
		c->threads = (int)ig_cli_int("-@/--threads", arg, 1, 1024);
		return 1;
	case 'o':
		/* caught here, not by a rename failing after the whole run */
		if (arg[0] == '\0')
			ig_usage_error("-o/--output: an empty file name");
		c->output = arg;
		return 1;
	case 'u':
		c->compress = IG_COMPRESS_NO;
		return 1;
	case 'l':
		c->level = (int)ig_cli_int("-l/--level", arg, 1, 9);
		if (c->compress == IG_COMPRESS_AUTO)
			c->compress = IG_COMPRESS_GZIP;
		return 1;
	case 'v':
		c->verbosity = 1;
		return 1;
	case 'q':
		c->verbosity = -1;
		return 1;
	case 'T':
		c->tmpdir = arg;
		return 1;
	case IG_OPT_SEED:
		c->seed = (uint64_t)ig_cli_int("--seed", arg, 0, INT64_MAX);
		return 1;
	case IG_OPT_MEMORY:
		c->memory = ig_cli_size("--memory", arg);
		return 1;
	case '?':
	case ':':
		/* getopt_long has already said what was wrong. */
		fprintf(stderr, "Try '%s --help' for more information.\n", ig_progname);
		exit(IG_EXIT_USAGE);
	default:
		return 0;
	}
}

void ig_cli_help_common(FILE *fp, const ig_cli *c, unsigned which)
{
	if (which & IG_HELP_OUTPUT)
		fprintf(fp,
			"Output:\n"
			"  -o, --output FILE    write to FILE [stdout]\n"
			"  -u, --uncompressed   write plain text (default: gzip unless stdout is a terminal)\n"
			"  -l, --level INT      gzip level 1-9 [%d]\n",
			c->level);
	fprintf(fp, "General:\n");
	if (which & IG_HELP_THREADS)
		fprintf(fp, "  -@, --threads INT    worker threads [%d]\n", c->threads);
	if (which & IG_HELP_SEED)
		fprintf(fp, "      --seed INT       random seed; one thread and one seed give the same bytes [%llu]\n",
			(unsigned long long)c->seed);
	if (which & IG_HELP_MEMORY)
		fprintf(fp,
			"      --memory SIZE    memory for sorting before spilling to disk [%lluM]\n"
			"  -T, --tmpdir DIR     directory for spill files [$TMPDIR or /tmp]\n",
			(unsigned long long)(c->memory >> 20));
	fprintf(fp,
		"  -v, --verbose        report progress\n"
		"  -q, --quiet          no summary line on stderr\n"
		"  -h, --help           print this help and exit\n"
		"  -V, --version        print the version and exit\n");
}

ig_writer *ig_cli_open_output(const ig_cli *c)
{
	return ig_cli_open_writer(c, c->output, c->compress, c->level);
}

ig_writer *ig_cli_open_writer(const ig_cli *c, const char *path, int compress, int level)
{
	ig_writer *w = ig_writer_open(path, compress, level);

	ig_writer_set_prov(w, &c->prov);
	return w;
}

static int stat_path(const char *path, int std_fd, struct stat *st)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return fstat(std_fd, st) == 0 && S_ISREG(st->st_mode);
	return stat(path, st) == 0 && S_ISREG(st->st_mode);
}

void ig_cli_check_output(const char *output, const char *const *inputs, int n)
{
	struct stat out, in;
	int i, j;

	/* a second reader of stdin would see its end, and take it for an
	 * empty input or a missing header */
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (inputs[i] && inputs[j] && strcmp(inputs[i], "-") == 0 && strcmp(inputs[j], "-") == 0)
				ig_usage_error("stdin ('-') is given for two inputs; it can be read once");
	if (!stat_path(output, STDOUT_FILENO, &out))
		return;
	for (i = 0; i < n; i++) {
		if (inputs[i] == NULL || !stat_path(inputs[i], STDIN_FILENO, &in))
			continue;
		if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
			fflush(stdout);
			fprintf(stderr, "%s: output %s is the same file as input %s: refusing to overwrite it\n",
				ig_progname, output && strcmp(output, "-") != 0 ? output : "stdout",
				strcmp(inputs[i], "-") != 0 ? inputs[i] : "stdin");
			exit(IG_EXIT_USAGE);
		}
	}
}

void ig_cli_check_extra_output(const ig_cli *c, const char *path, const char *opt, const char *const *inputs,
			       int n)
{
	struct stat sp, so;
	const char *out = c->output;
	int path_std = path == NULL || strcmp(path, "-") == 0, out_std = out == NULL || strcmp(out, "-") == 0;

	ig_cli_check_output(path, inputs, n);
	if (path_std && out_std)
		ig_usage_error("%s and -o both write to stdout", opt);
	/* /dev/null, a pipe: written in place, not replaced */
	if (path_std || out_std || (stat(path, &sp) == 0 && !S_ISREG(sp.st_mode)))
		return;
	if (strcmp(path, out) == 0 || (stat_path(path, STDOUT_FILENO, &sp) && stat_path(out, STDOUT_FILENO, &so) &&
				       sp.st_dev == so.st_dev && sp.st_ino == so.st_ino))
		ig_usage_error("%s and -o name the same file: %s", opt, out);
}

void ig_cli_progress(const ig_cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->verbosity < 0 || (c->verbosity == 0 && !isatty(STDERR_FILENO)))
		return;
	fprintf(stderr, "\r%s: ", ig_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(isatty(STDERR_FILENO) ? "\033[K" : "\n", stderr);
}

void ig_cli_summary(const ig_cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->verbosity < 0)
		return;
	if (isatty(STDERR_FILENO) && c->verbosity >= 0)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: ", ig_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; %.2f s real, %.2f s CPU, %.1f MB peak\n", ig_now() - c->start_real,
		ig_process_cpu(), (double)ig_peak_rss() / 1e6);
}
