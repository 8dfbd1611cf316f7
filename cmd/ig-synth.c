/* ig-synth: generate a synthetic Instagram with known answers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "io/ig_events.h"
#include "core/ig_intern.h"
#include "core/ig_num.h"
#include "core/ig_thread.h"
#include "synth/ig_synth.h"
#include "io/ig_schema.h"
#include "synth/ig_synth_respond.h"
#include "eval/ig_eval_io.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"

enum { OPT_STREAM = IG_SYN_OPT_END, OPT_STREAMS, OPT_SHARD };

/* Users per work unit: small enough that a unit's text stays a few MB. */
#define CHUNK_USERS 64

static ig_cli cli;
static ig_synth_params params;
static uint32_t shard_index, shard_count = 1;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-synth [options] -o DIR\n"
		"       ig-synth [options] [--stream NAME] [-o FILE]\n"
		"Generate a synthetic Instagram (topics, items, follows, events) and its\n"
		"ground truth. With -o DIR every stream goes to DIR/NAME.tsv.gz; with\n"
		"--stream, or without -o, one stream goes to FILE or stdout.\n");
	ig_synth_params_help(fp);
	fprintf(fp,
		"Streams:\n"
		"      --stream NAME    write only stream NAME [events]: topics, items,\n"
		"                       follows, events, truth_interests, truth_impressions,\n"
		"                       truth_users, truth_items\n"
		"      --streams LIST   with -o DIR: the streams to write, comma list [all]\n"
		"      --shard I/N      only the users of shard I of N (stable hash of the id,\n"
		"                       as ig-ingest --shard); the world streams in full\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_THREADS | IG_HELP_SEED);
}

static void parse_streams(const char *list, int want[IG_SYN_NSTREAMS])
{
	char *copy = ig_strdup(list), *cursor = copy, *tok;
	int s, got;

	memset(want, 0, IG_SYN_NSTREAMS * sizeof *want);
	if (*list == '\0')
		ig_usage_error("--streams: no stream named in ''");
	while ((got = ig_seplist_next(&cursor, ',', &tok)) != 0) {
		if (got < 0)
			ig_usage_error("--streams: empty element in '%s'", list);
		if (strcmp(tok, "all") == 0) {
			for (s = 0; s < IG_SYN_NSTREAMS; s++)
				want[s] = 1;
			continue;
		}
		s = ig_synth_stream_parse(tok);
		if (s < 0)
			ig_usage_error("--streams: unknown stream '%s'", tok);
		if (want[s])
			ig_usage_error("--streams: %s named twice", tok);
		want[s] = 1;
	}
	free(copy);
}

/* A chunk of users, made on the pool with its own generator (scratch)
 * and written in order: every user has its own random stream, so the
 * bytes do not depend on the number of threads. */
typedef struct chunk {
	const ig_synth_world *w;
	ig_synth_gen *gen;
	ig_synth_out out;
	uint32_t from, to;
	struct chunk *next_free;
} chunk;

static ig_writer *writers[IG_SYN_NSTREAMS];
static chunk *free_chunks;
static ig_synth_stats total;

static void make_chunk(void *ctx, void *item)
{
	chunk *k = item;
	uint32_t u;

	(void)ctx;
	for (u = k->from; u < k->to; u++) {
		if (shard_count > 1) {
			char id[32];
			ig_synth_buf b = {id, 0, sizeof id};
			ig_synth_put_user(&b, k->w, u);
			if (ig_shard_of(id, b.len, shard_count) != shard_index)
				continue;
		}
		ig_synth_gen_user(k->gen, u, &k->out);
	}
}

static void write_chunk(void *ctx, void *item)
{
	chunk *k = item;
	int s;

	(void)ctx;
	for (s = 0; s < IG_SYN_NSTREAMS; s++) {
		ig_synth_buf *b = &k->out.buf[s];
		if (writers[s] != NULL && b->len > 0)
			ig_writer_write(writers[s], b->p, b->len);
		b->len = 0;
	}
	ig_synth_stats_add(&total, &k->out.stats);
	memset(&k->out.stats, 0, sizeof k->out.stats);
	k->next_free = free_chunks;
	free_chunks = k;
}

static void write_world_stream(const ig_synth_world *w, int s)
{
	ig_synth_buf b = {0};
	uint32_t n = ig_synth_world_nrows(w, s), k, step = 65536;

	for (k = 0; k < n; k += step) {
		ig_synth_world_rows(w, s, k, n - k < step ? n : k + step, &b);
		ig_writer_write(writers[s], b.p, b.len);
		b.len = 0;
	}
	ig_synth_buf_free(&b);
}

static void open_stream(int s, const char *path, int gz, ig_pool *pool)
{

	writers[s] = ig_cli_open_writer(&cli, path, gz ? IG_COMPRESS_GZIP : IG_COMPRESS_NO, cli.level);
	ig_writer_set_pool(writers[s], pool);
	ig_schema_write_header(writers[s], ig_synth_stream_kind(s), NULL, 0, NULL);
}

static void make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return;
	if (errno == EEXIST)
		ig_die("%s: exists and is not a directory", dir);
	ig_die("%s: %s", dir, strerror(errno));
}

/* ig-synth respond reads feeds with ig-eval's list reader (any stream
 * with user and item columns, in rank, score or file order). */
typedef struct feed_ctx {
	ig_eval_recs *recs;
	ig_intern *items;
	const char *name;
	const char **ids;
	size_t *lens;
	uint64_t *lines;
	size_t cap;
} feed_ctx;

static int feed_next(void *ctx, const char **user, size_t *user_len, size_t *n, const char *const **items,
		     const size_t **item_lens, const uint64_t **lines)
{
	feed_ctx *f = ctx;
	ig_eval_rec *recs;
	size_t k;

	if (!ig_eval_recs_next(f->recs, user, user_len, &recs, n))
		return 0;
	if (*n > f->cap) {
		f->cap = 2 * *n;
		f->ids = ig_reallocarray(f->ids, f->cap, sizeof *f->ids);
		f->lens = ig_reallocarray(f->lens, f->cap, sizeof *f->lens);
		f->lines = ig_reallocarray(f->lines, f->cap, sizeof *f->lines);
	}
	for (k = 0; k < *n; k++) {
		f->ids[k] = ig_intern_str(f->items, recs[k].item);
		f->lens[k] = ig_intern_len(f->items, recs[k].item);
		f->lines[k] = recs[k].line;
	}
	*items = f->ids;
	*item_lens = f->lens;
	*lines = f->lines;
	return 1;
}

static const char *feed_name(void *ctx)
{
	return ((feed_ctx *)ctx)->name;
}

static void feed_close(void *ctx)
{
	feed_ctx *f = ctx;

	ig_eval_recs_close(f->recs);
	ig_intern_free(f->items);
	free(f->ids);
	free(f->lens);
	free(f->lines);
	free(f);
}

static ig_synth_feed feed_open(const char *path, int sort, const ig_cli *c)
{
	feed_ctx *f = ig_calloc(1, sizeof *f);
	ig_synth_feed feed = {f, feed_next, feed_name, feed_close};

	f->items = ig_intern_new();
	f->recs = ig_eval_recs_open(path, f->items, sort, c->memory, c->tmpdir);
	f->name = strcmp(path, "-") == 0 ? "stdin" : path;
	return feed;
}

/* What the command line says besides the world's parameters (params). */
typedef struct {
	const char *stream_name;   /* --stream */
	const char *streams_list;  /* --streams */
	int dir_mode;              /* -o DIR: a file for each stream wanted */
	int want[IG_SYN_NSTREAMS]; /* the streams to write */
} synth_args;

/* "ig-synth respond ...": its own command, named so in its messages. */
static int respond_main(int argc, char **argv)
{
	static char subname[64];

	snprintf(subname, sizeof subname, "%s respond", ig_progname);
	argv[1] = subname;
	return ig_synth_respond_main(&cli, argc - 1, argv + 1, feed_open);
}

static void parse(int argc, char **argv, synth_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		IG_SYNTH_WORLD_LONGOPTS,
		{"stream", required_argument, NULL, OPT_STREAM},
		{"streams", required_argument, NULL, OPT_STREAMS},
		{"shard", required_argument, NULL, OPT_SHARD},
		{NULL, 0, NULL, 0}
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg) || ig_synth_params_option(&params, c, optarg))
			continue;
		switch (c) {
		case OPT_STREAM:
			a->stream_name = optarg;
			if (ig_synth_stream_parse(optarg) < 0)
				ig_usage_error("--stream: unknown stream '%s'", optarg);
			break;
		case OPT_STREAMS:
			a->streams_list = optarg;
			break;
		case OPT_SHARD:
			if (ig_parse_shard(optarg, &shard_index, &shard_count) != 0)
				ig_usage_error("--shard: '%s' is not I/N with 0 <= I < N", optarg);
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
	if (optind < argc)
		ig_usage_error("unexpected argument '%s'", argv[optind]);
}

/* Checks the options together, and settles from them the streams to write. */
static void check_options(synth_args *a)
{
	const char *err;

	if (a->stream_name != NULL && a->streams_list != NULL)
		ig_usage_error("--stream and --streams exclude each other");
	params.seed = cli.seed;
	if ((err = ig_synth_params_check(&params)) != NULL)
		ig_usage_error("%s", err);
	a->dir_mode = cli.output != NULL && strcmp(cli.output, "-") != 0 && a->stream_name == NULL;
	if (a->streams_list != NULL && !a->dir_mode)
		ig_usage_error("--streams needs -o DIR");
	memset(a->want, 0, sizeof a->want);
	if (a->dir_mode)
		parse_streams(a->streams_list ? a->streams_list : "all", a->want);
	else
		a->want[ig_synth_stream_parse(a->stream_name ? a->stream_name : "events")] = 1;
}

/* gzip unless -u, or (without -l) when stdout is a terminal: files are
 * taken not to be terminals. */
static int output_gzipped(void)
{
	return cli.compress == IG_COMPRESS_GZIP ||
	       (cli.compress == IG_COMPRESS_AUTO &&
		((cli.output != NULL && strcmp(cli.output, "-") != 0) || !isatty(STDOUT_FILENO)));
}

/* The writers of the streams wanted: DIR/NAME.tsv[.gz] each, or the one
 * stream to -o FILE or stdout. */
static void open_streams(const synth_args *a, ig_pool *pool)
{
	int gz = output_gzipped(), s;

	if (a->dir_mode) {
		size_t len = strlen(cli.output) + 64;
		char *path = ig_malloc(len);

		make_dir(cli.output);
		for (s = 0; s < IG_SYN_NSTREAMS; s++) {
			if (!a->want[s])
				continue;
			snprintf(path, len, "%s/%s.tsv%s", cli.output, ig_synth_stream_name(s), gz ? ".gz" : "");
			open_stream(s, path, gz, pool);
		}
		free(path);
	} else {
		for (s = 0; s < IG_SYN_NSTREAMS; s++)
			if (a->want[s])
				open_stream(s, cli.output, gz, pool);
	}
}

/* The streams of the world itself (topics, items, ...), written before
 * the users'. */
static void write_world(const ig_synth_world *w)
{
	int s;

	if (cli.verbosity > 0)
		fprintf(stderr, "%s: world: %u topics, %u authors, %u items, %.1f MB\n", ig_progname,
			params.roots + w->nleaves, params.authors, params.items,
			(double)ig_synth_world_memory(w) / 1e6);
	for (s = 0; s < IG_SYN_NSTREAMS; s++)
		if (writers[s] != NULL && ig_synth_world_nrows(w, s) > 0)
			write_world_stream(w, s);
}

/* N chunks, each with its own generator, all on the free list. */
static chunk *chunks_new(const ig_synth_world *w, const int *want, int n)
{
	chunk *chunks = ig_calloc((size_t)n, sizeof *chunks);
	int c;

	for (c = 0; c < n; c++) {
		chunks[c].w = w;
		chunks[c].gen = ig_synth_gen_new(w);
		memcpy(chunks[c].out.want, want, sizeof chunks[c].out.want);
		chunks[c].next_free = free_chunks;
		free_chunks = &chunks[c];
	}
	return chunks;
}

static void chunks_free(chunk *chunks, int n)
{
	int c, s;

	for (c = 0; c < n; c++) {
		ig_synth_gen_free(chunks[c].gen);
		for (s = 0; s < IG_SYN_NSTREAMS; s++)
			ig_synth_buf_free(&chunks[c].out.buf[s]);
	}
	free(chunks);
}

/* Every user's streams, a chunk of users at a time on the pool, written
 * in the users' order. */
static void write_users(const ig_synth_world *w, const int *want, ig_pool *pool)
{
	/* Two chunks per thread in flight, so that threads do not wait while
	 * the chunks before are written, and one more to fill. */
	int depth = 2 * cli.threads, nchunks = depth + 1;
	chunk *chunks = chunks_new(w, want, nchunks);
	ig_pipe *pipe = ig_pipe_new(pool, depth, make_chunk, write_chunk, NULL);
	uint32_t next = 0;
	double last_progress = ig_now();

	while (next < params.users) {
		chunk *k = free_chunks;

		free_chunks = k->next_free;
		k->from = next;
		k->to = params.users - next < CHUNK_USERS ? params.users : next + CHUNK_USERS;
		next = k->to;
		ig_pipe_push(pipe, k);
		if (ig_now() - last_progress >= 1.0) {
			ig_cli_progress(&cli, "%u/%u users, %llu events written", next, params.users,
					(unsigned long long)total.events);
			last_progress = ig_now();
		}
	}
	ig_pipe_end(pipe);
	chunks_free(chunks, nchunks);
}

static void report(void)
{
	ig_cli_summary(&cli, "%llu users, %u items, %llu sessions, %llu impressions, %llu events "
		       "(%llu view, %llu like, %llu comment, %llu share, %llu save, %llu follow, %llu skip, "
		       "%llu see_less, %llu hide, %llu report), %llu follows",
		       (unsigned long long)total.users, params.items, (unsigned long long)total.sessions,
		       (unsigned long long)total.impressions, (unsigned long long)total.events,
		       (unsigned long long)total.by_type[IG_EV_VIEW], (unsigned long long)total.by_type[IG_EV_LIKE],
		       (unsigned long long)total.by_type[IG_EV_COMMENT], (unsigned long long)total.by_type[IG_EV_SHARE],
		       (unsigned long long)total.by_type[IG_EV_SAVE], (unsigned long long)total.by_type[IG_EV_FOLLOW],
		       (unsigned long long)total.by_type[IG_EV_SKIP], (unsigned long long)total.by_type[IG_EV_SEE_LESS],
		       (unsigned long long)total.by_type[IG_EV_HIDE], (unsigned long long)total.by_type[IG_EV_REPORT],
		       (unsigned long long)total.follows);
}

int main(int argc, char **argv)
{
	synth_args a = {0};
	ig_synth_world *w;
	ig_pool *pool;

	ig_cli_init(&cli, argc, argv, usage);
	if (argc > 1 && strcmp(argv[1], "respond") == 0)
		return respond_main(argc, argv);
	ig_synth_params_default(&params);
	parse(argc, argv, &a);
	check_options(&a);
	pool = ig_pool_new(cli.threads);
	open_streams(&a, pool);
	w = ig_synth_world_build(&params);
	write_world(w);
	write_users(w, a.want, pool);
	ig_writer_close_set(writers, IG_SYN_NSTREAMS);
	ig_pool_free(pool);
	ig_synth_world_free(w);
	report();
	return 0;
}
