/* ig-cooccur: item-item (or account-account, or item-account) neighbours
 * from co-engagement, in one process or as map and reduce. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/ig_cli.h"
#include "cooccur/ig_cooccur_run.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"

enum {
	OPT_ENTITY = IG_OPT_FIRST_TOOL,
	OPT_ITEMS,
	OPT_WEIGHTS,
	OPT_MIN_VIEW,
	OPT_WINDOW,
	OPT_HALF_LIFE,
	OPT_USER_WEIGHT,
	OPT_MAX_HISTORY,
	OPT_SHARD,
	OPT_MIN_SUPPORT,
	OPT_SHRINK,
	OPT_SWING_ALPHA,
	OPT_ENGINE,
	OPT_LAMBDA,
	OPT_EASE_ITEMS
};

enum { MODE_ONE, MODE_MAP, MODE_REDUCE };

static ig_cli cli;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-cooccur [options] [EVENTS]           count and score in one process\n"
		"       ig-cooccur map [options] [EVENTS]       partial counts (of --shard I/N)\n"
		"       ig-cooccur reduce [options] [PARTIAL...] sum partial counts and score\n"
		"Reads an events stream sorted by user, then ts (\"-\" or none: stdin) and writes\n"
		"the neighbors stream: the top K neighbours of each entity, best first.\n"
		"Entities:\n"
		"      --entity KIND        item, author, both (items and \"@author\"), or\n"
		"                           item-author (an item's neighbours are authors) [item]\n"
		"      --items FILE         items stream: the authors of items\n"
		"Counting (one process, map):\n"
		"      --weights SPEC       event weights, as share=3,save=3 (others keep\n"
		"                           the default: share,save 3; like,comment,follow 2;\n"
		"                           view 1; others 0: dropped)\n"
		"      --min-view VALUE     a view counts only with a value >= VALUE [0]\n"
		"      --window W           all, session:GAP (seconds), last:N (engagements)\n"
		"                           or time:SECONDS [all]\n"
		"      --half-life SECONDS  decay a pair by 2^(-gap/SECONDS); 0: none [0]\n"
		"      --user-weight F      weigh a user with n engagements by none, log\n"
		"                           (1/log2(1+n)) or sqrt (1/sqrt(n)) [none]\n"
		"      --max-history N      only a user's last N engagements; 0: all [0]\n"
		"      --shard I/N          only users with hash(user) %% N = I [0/1]\n"
		"Scoring (one process, reduce):\n"
		"  -s, --score S            count, cosine, jaccard, lift, pmi, swing or ease [cosine]\n"
		"  -k, --top K              neighbours per entity [20]\n"
		"      --min-support N      pairs seen by at least N users [1]\n"
		"      --shrink L           shrink by support/(support+L) [10 for lift, pmi; else 0]\n"
		"      --swing-alpha A      Swing's alpha [1]\n"
		"      --lambda L           EASE's L2 weight [500]\n"
		"      --ease-items N       EASE over the N entities with the most users\n"
		"                           (20 N^2 bytes, within --memory), each other one's\n"
		"                           row toward them as if added to them [3000]\n"
		"      --engine E           auto, rows (in memory) or pairs (spilling table) [auto]\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_THREADS | IG_HELP_MEMORY);
}

static void progress(uint64_t users, uint64_t events)
{
	ig_cli_progress(&cli, "%llu users, %llu events", (unsigned long long)users, (unsigned long long)events);
}

/* A partial given twice (by any path) would have its counts summed
 * twice, every score of its users' pairs silently off. */
static void refuse_repeated(char **paths, int n)
{
	struct stat a, b;
	int i, j;

	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0 || stat(paths[i], &a) != 0 || !S_ISREG(a.st_mode))
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(paths[j], "-") != 0 && stat(paths[j], &b) == 0 && S_ISREG(b.st_mode) &&
			    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
				ig_usage_error("reduce: %s is given twice (as %s): its counts would be summed twice",
					       paths[i], paths[j]);
	}
}

/* What the command line says. */
typedef struct {
	ig_cooc_opts o;
	const char *items;
	int mode;
	char **inputs;          /* the EVENTS or PARTIAL operands, or stdin */
	int ninputs;
} cooccur_args;

static char *stdin_only[] = {(char *)"-"};

/* "map" or "reduce" before the options picks the mode (one process
 * without either); getopt starts after it. */
static int take_mode(int argc, char **argv)
{
	int mode = MODE_ONE;

	if (argc > 1 && strcmp(argv[1], "map") == 0)
		mode = MODE_MAP;
	else if (argc > 1 && strcmp(argv[1], "reduce") == 0)
		mode = MODE_REDUCE;
	if (mode != MODE_ONE)
		optind = 2;
	return mode;
}

/* The options under "Counting" of the usage; 0 if C is none of them. */
static int counting_option(ig_cooc_opts *o, int c, const char *arg)
{
	char err[256];

	switch (c) {
	case OPT_WEIGHTS:
		if (ig_event_weights_parse(arg, o->engage.weights, err, sizeof err) != 0)
			ig_usage_error("--weights: %s", err);
		break;
	case OPT_MIN_VIEW:
		o->engage.min_view_value = ig_cli_double("--min-view", arg, -1e300, 1e300);
		break;
	case OPT_WINDOW:
		if (ig_cooc_window_parse(arg, &o->window, &o->window_arg) != 0)
			ig_usage_error("--window: invalid value '%s' (all, session:GAP, last:N, time:SECONDS)", arg);
		break;
	case OPT_HALF_LIFE:
		o->half_life = ig_cli_double("--half-life", arg, 0, 1e12);
		break;
	case OPT_USER_WEIGHT:
		o->user_weight = ig_cli_need_choice("--user-weight", arg, ig_cooc_user_weight_parse(arg), NULL);
		break;
	case OPT_MAX_HISTORY:
		o->max_history = (uint64_t)ig_cli_int("--max-history", arg, 0, INT64_MAX);
		break;
	case OPT_SHARD:
		if (ig_parse_shard(arg, &o->shard, &o->nshards) != 0)
			ig_usage_error("--shard: invalid value '%s' (I/N with 0 <= I < N)", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* In the order of enum ig_cooc_engine. */
static const char *const engine_names[] = {"auto", "rows", "pairs", NULL};

/* The options under "Scoring" of the usage; 0 if C is none of them. */
static int scoring_option(ig_cooc_opts *o, int c, const char *arg)
{
	switch (c) {
	case 's':
		o->score = ig_cli_need_choice("-s/--score", arg, ig_cooc_score_parse(arg), NULL);
		break;
	case 'k':
		o->top_k = (uint32_t)ig_cli_int("-k/--top", arg, 1, 1000000);
		break;
	case OPT_MIN_SUPPORT:
		o->min_support = (uint64_t)ig_cli_int("--min-support", arg, 1, INT64_MAX);
		break;
	case OPT_SHRINK:
		o->shrink = ig_cli_double("--shrink", arg, 0, 1e12);
		break;
	case OPT_SWING_ALPHA:
		o->swing_alpha = ig_cli_double("--swing-alpha", arg, 1e-9, 1e12);
		break;
	case OPT_LAMBDA:
		o->ease_lambda = ig_cli_double("--lambda", arg, 1e-6, 1e12);
		break;
	case OPT_EASE_ITEMS:
		o->ease_items = (uint32_t)ig_cli_int("--ease-items", arg, 1, 1000000);
		break;
	case OPT_ENGINE:
		o->engine = ig_cli_choice("--engine", arg, engine_names, NULL);
		break;
	default:
		return 0;
	}
	return 1;
}

static void parse(int argc, char **argv, cooccur_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"entity", required_argument, NULL, OPT_ENTITY},
		{"items", required_argument, NULL, OPT_ITEMS},
		{"weights", required_argument, NULL, OPT_WEIGHTS},
		{"min-view", required_argument, NULL, OPT_MIN_VIEW},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"half-life", required_argument, NULL, OPT_HALF_LIFE},
		{"user-weight", required_argument, NULL, OPT_USER_WEIGHT},
		{"max-history", required_argument, NULL, OPT_MAX_HISTORY},
		{"shard", required_argument, NULL, OPT_SHARD},
		{"score", required_argument, NULL, 's'},
		{"top", required_argument, NULL, 'k'},
		{"min-support", required_argument, NULL, OPT_MIN_SUPPORT},
		{"shrink", required_argument, NULL, OPT_SHRINK},
		{"swing-alpha", required_argument, NULL, OPT_SWING_ALPHA},
		{"engine", required_argument, NULL, OPT_ENGINE},
		{"lambda", required_argument, NULL, OPT_LAMBDA},
		{"ease-items", required_argument, NULL, OPT_EASE_ITEMS},
		{NULL, 0, NULL, 0}
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "s:k:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg) || counting_option(&a->o, c, optarg) ||
		    scoring_option(&a->o, c, optarg))
			continue;
		switch (c) {
		case OPT_ENTITY:
			a->o.entity = ig_cli_need_choice("--entity", optarg, ig_cooc_entity_parse(optarg), NULL);
			break;
		case OPT_ITEMS:
			a->items = optarg;
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
}

static void check_operands(int argc, char **argv, cooccur_args *a)
{
	int nin = argc - optind;

	if (a->mode != MODE_REDUCE && nin > 1)
		ig_usage_error("one events stream at most");
	/* reduce takes the options of map and ignores those for counting, so
	 * that one option list serves both. */
	if (a->mode == MODE_REDUCE)
		a->items = NULL;
	a->inputs = nin > 0 ? argv + optind : stdin_only;
	a->ninputs = nin > 0 ? nin : 1;
}

static void check_inputs(const cooccur_args *a)
{
	ig_cli_check_output(cli.output, (const char *const *)a->inputs, a->ninputs);
	ig_cli_check_output(cli.output, &a->items, 1);
	if (a->mode == MODE_REDUCE)
		refuse_repeated(a->inputs, a->ninputs);
}

static void write_output(ig_cooc_job *job, int mode, ig_pool *pool)
{
	ig_writer *w = ig_cli_open_output(&cli);

	ig_writer_set_pool(w, pool);
	if (mode == MODE_MAP) {
		ig_schema_write_header(w, IG_STREAM_COOC_PARTIAL, NULL, 0, ig_cooc_job_upstream(job));
		ig_cooc_job_write_partial(job, w);
	} else {
		ig_schema_write_header(w, IG_STREAM_NEIGHBORS, NULL, 0, ig_cooc_job_upstream(job));
		ig_cooc_job_write_neighbors(job, w);
	}
	ig_writer_close(w);
}

static void report(const ig_cooc_job *job, int mode)
{
	if (mode == MODE_REDUCE)
		ig_cli_summary(&cli, "%llu partial records, %u entities, %llu pairs, %llu records (%zu runs spilled)",
			       (unsigned long long)job->ctx.partial_records, ig_intern_count(job->vocab),
			       (unsigned long long)job->pairs, (unsigned long long)job->records,
			       ig_cooc_table_runs(job->ctx.table));
	else
		ig_cli_summary(&cli, "%llu events, %llu users, %u entities, %llu pairs, %llu records (%s engine, %zu runs spilled)",
			       (unsigned long long)job->events, (unsigned long long)job->ctx.users,
			       ig_intern_count(job->vocab), (unsigned long long)job->pairs,
			       (unsigned long long)job->records, job->engine,
			       job->ctx.table ? ig_cooc_table_runs(job->ctx.table) : (size_t)0);
}

int main(int argc, char **argv)
{
	cooccur_args a;
	ig_cooc_job job;
	ig_pool *pool;

	ig_cli_init(&cli, argc, argv, usage);
	memset(&a, 0, sizeof a);
	ig_cooc_opts_default(&a.o);
	a.mode = take_mode(argc, argv);
	parse(argc, argv, &a);
	check_operands(argc, argv, &a);
	pool = ig_pool_new(cli.threads);
	a.o.pool = pool;
	a.o.memory = cli.memory;
	a.o.tmpdir = cli.tmpdir;
	a.o.verbose = cli.verbosity;
	check_inputs(&a);
	ig_cooc_job_init(&job, &a.o, a.items, a.mode == MODE_MAP ? 1 : a.mode == MODE_REDUCE ? -1 : 0);
	job.progress = progress;
	if (a.mode == MODE_REDUCE)
		ig_cooc_job_reduce(&job, a.inputs, a.ninputs);
	else
		ig_cooc_job_count(&job, a.inputs[0], a.mode == MODE_MAP);
	write_output(&job, a.mode, pool);
	report(&job, a.mode);
	ig_cooc_job_free(&job);
	ig_pool_free(pool);
	return 0;
}
