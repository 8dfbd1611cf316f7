/* ig-eval: time splits, offline metrics, paired comparisons and reference
 * baselines for recommendation streams. The work is in lib/ig_eval_*.c;
 * this file parses the command lines of the four subcommands. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "eval/ig_eval_baseline.h"
#include "eval/ig_eval_compare.h"
#include "eval/ig_eval_io.h"
#include "eval/ig_eval_ope.h"
#include "eval/ig_eval_report.h"
#include "eval/ig_eval_score.h"
#include "eval/ig_eval_split.h"
#include "core/ig_num.h"
#include "io/ig_events.h"
#include "io/ig_writer.h"

static ig_cli cli;

enum {
	OPT_AT = IG_OPT_FIRST_TOOL,
	OPT_AT_FRACTION,
	OPT_HOLDOUT,
	OPT_VALID,
	OPT_VALID_AT,
	OPT_VALID_FRACTION,
	OPT_POSITIVES,
	OPT_TEST_ALL,
	OPT_STRICT_TIME,
	OPT_SHUFFLE_TIES,
	OPT_COUNT,
	OPT_MIN_EVENTS,
	OPT_MIN_TRAIN,
	OPT_TRAIN,
	OPT_ITEMS,
	OPT_VECTORS,
	OPT_WEIGHTS,
	OPT_GRADE,
	OPT_KEEP_SEEN,
	OPT_SORT,
	OPT_BOOTSTRAP,
	OPT_CONFIDENCE,
	OPT_BY_USER,
	OPT_TABLE,
	OPT_TSV,
	OPT_ALPHA,
	OPT_USERS,
	OPT_NEIGHBORS,
	OPT_LOGS,
	OPT_EVENTS,
	OPT_TARGET,
	OPT_REWARD
};

static void usage_main(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-eval COMMAND [options] ...\n"
		"Offline evaluation of recommendation streams.\n"
		"Commands:\n"
		"  split     divide an events stream into train and test (and fit/valid) by time\n"
		"  metrics   score a recommendation stream against a test events stream\n"
		"  compare   paired difference of two systems, from per-user metrics or recommendations\n"
		"  baseline  write pop, random or itemknn recommendations from train\n"
		"  ope       off-policy value of a feed from another policy's feed log (IPS, SNIPS, DR)\n"
		"Run 'ig-eval COMMAND --help' for a command's options; see ig-eval(1).\n");
	ig_cli_help_common(fp, &cli, 0);
}

static void usage_split(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-eval split -o PREFIX (--at TS | --at-fraction F | --holdout N|X%%) [options] [EVENTS]\n"
		"Writes PREFIX.train.tsv.gz and PREFIX.test.tsv.gz (and, with a validation cut,\n"
		"PREFIX.fit.tsv.gz and PREFIX.valid.tsv.gz); .tsv with -u.\n"
		"Test cut (one of):\n"
		"      --at TS              events at or after Unix time TS are held out\n"
		"      --at-fraction F      TS = the time before which a fraction F of all events lie\n"
		"      --holdout N|X%%       the last N (or X%%) events of each user (see --count)\n"
		"Validation cut inside train (optional, one of):\n"
		"      --valid N|X%%         the last N (or X%%) of each user's train events\n"
		"      --valid-at TS        train events at or after TS\n"
		"      --valid-fraction F   a fraction of the train events (needs --at or --at-fraction)\n"
		"Selection:\n"
		"      --positives LIST     event types held out, or 'default', 'ratings' [default]\n"
		"                           (default: like,comment,share,save; ratings: like)\n"
		"      --test-all           keep every event type after the cut in test, not only positives\n"
		"      --count LIST         per-user cuts count events of these types, or 'all' [all]\n"
		"      --strict-time        per-user cuts: events at the cut's timestamp go to the test\n"
		"                           period too, so train ends strictly before test\n"
		"      --min-events N       per-user cuts: counted events a user needs to be held out [2]\n"
		"      --min-train N        positives that must remain before the cut [1]\n"
		"      --shuffle-ties       each user's events of one timestamp in a random order (--seed)\n"
		"                           before the cut: for data without time, a random hold-out\n");
	fprintf(fp,
		"Output:\n"
		"  -o, --output PREFIX  prefix of the output files (required)\n"
		"  -u, --uncompressed   write plain .tsv files\n"
		"  -l, --level INT      gzip level 1-9 [%d]\n",
		cli.level);
	fprintf(fp, "  -T, --tmpdir DIR     where stdin is spooled for --at-fraction [$TMPDIR or /tmp]\n");
	ig_cli_help_common(fp, &cli, IG_HELP_SEED);
}

static void usage_metrics(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-eval metrics -t TEST [options] [RECS]\n"
		"Scores a recommendation stream (candidates, ranked, feed, any stream with user\n"
		"and item columns, or a headerless 'user item [score]' list) against TEST.\n"
		"Inputs:\n"
		"  -t, --test FILE          held-out events (required)\n"
		"      --train FILE         train events: items seen there earn no credit; novelty,\n"
		"                           catalog (without --items)\n"
		"      --items FILE         items stream: catalog, authors (Gini), topics (diversity)\n"
		"      --vectors FILE       word2vec vectors (text or binary): embedding diversity\n"
		"      --sort               sort RECS by user first (bounded by --memory)\n"
		"Relevance:\n"
		"  -k, --k LIST             cutoffs, ascending [10,20,50]\n"
		"      --positives LIST     relevant event types, or 'default', 'ratings' [default]\n"
		"      --grade weight|value grade for ndcg_graded: event weight or event value [weight]\n"
		"      --weights SPEC       event weights as TYPE=W,... [like=2,comment=2,share=3,save=3]\n"
		"      --keep-seen          items seen in train may earn credit\n"
		"Report:\n"
		"      --bootstrap N        bootstrap replicates over users; 0: no intervals [1000]\n"
		"      --confidence P       confidence level of the intervals [0.95]\n"
		"      --by-user[=FILE]     per-user rows (user-metrics stream) instead of the table,\n"
		"                           or also, to FILE\n"
		"      --table              aligned text (the default when stdout is a terminal)\n"
		"      --tsv                a metrics stream (the default otherwise)\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_SEED | IG_HELP_MEMORY);
}

static void usage_compare(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-eval compare [options] A B\n"
		"       ig-eval compare -t TEST [scoring options] [options] A B\n"
		"Paired difference A - B per metric, joined on user, from two user-metrics\n"
		"streams (ig-eval metrics --by-user) or from two recommendation streams, each\n"
		"scored against TEST as 'ig-eval metrics --by-user' would score it.\n"
		"Scoring (recommendation streams only; see 'ig-eval metrics --help'):\n"
		"  -t, --test FILE          held-out events (required for recommendation streams)\n"
		"      --train FILE         train events: seen items earn no credit; novelty\n"
		"      --items FILE         items stream: catalog, topics (diversity)\n"
		"      --vectors FILE       word2vec vectors: embedding diversity\n"
		"      --sort               sort A and B by user first (bounded by --memory)\n"
		"  -k, --k LIST             cutoffs, ascending [10,20,50]\n"
		"      --positives LIST     relevant event types, or 'default', 'ratings' [default]\n"
		"      --grade weight|value grade for ndcg_graded [weight]\n"
		"      --weights SPEC       event weights as TYPE=W,... [like=2,comment=2,share=3,save=3]\n"
		"      --keep-seen          items seen in train may earn credit\n"
		"Comparison:\n"
		"      --bootstrap N        bootstrap replicates over users [1000]\n"
		"      --confidence P       confidence level [0.95]\n"
		"      --alpha P            significance level of the paired t-test [0.05]\n"
		"      --table              aligned text (the default when stdout is a terminal)\n"
		"      --tsv                a compare stream (the default otherwise)\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_SEED | IG_HELP_MEMORY);
}

static void usage_baseline(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-eval baseline pop|random|itemknn --train FILE [options]\n"
		"Writes a candidates stream (sources = the baseline's name) from train, best\n"
		"first per user, without the items each user has in train.\n"
		"Options:\n"
		"      --train FILE         train events (required)\n"
		"      --users FILE         events stream whose users get lists [every train user]\n"
		"  -n, --n INT              list length [100]\n"
		"      --neighbors INT      itemknn: neighbours kept per item [50]\n"
		"      --positives LIST     event types that count as interactions [default]\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_SEED);
}

static void progress(uint64_t users)
{
	ig_cli_progress(&cli, "%llu users", (unsigned long long)users);
}

static unsigned parse_types(const char *opt, const char *arg)
{
	unsigned mask;
	char err[256];

	if (ig_eval_types_parse(arg, &mask, err, sizeof err) != 0)
		ig_usage_error("%s: %s", opt, err);
	return mask;
}

static unsigned parse_positives(const char *arg) { return parse_types("--positives", arg); }

/* getopt over the subcommand's arguments (ARGV[0] is the subcommand). */
static void begin_sub(void (*usage)(FILE *fp))
{
	cli.usage = usage;
	optind = 1;
}

static int want_text(int table, int tsv)
{
	if (table)
		return 1;
	if (tsv)
		return 0;
	return cli.output == NULL && isatty(STDOUT_FILENO);
}

static ig_writer *open_text_output(void)
{
	return ig_cli_open_writer(&cli, cli.output, IG_COMPRESS_NO, cli.level);
}

/* An empty test part makes an empty feed and nothing to score, steps
 * later: say why now. */
static void split_empty_test(const ig_split_opts *o, const ig_split_stats *st)
{
	if (st->positives == 0 && !o->test_all) {
		ig_warn("split: the test part is empty: none of the %llu events is of a --positives type",
			(unsigned long long)st->events);
		return;
	}
	if (o->test.mode == IG_SPLIT_AT || o->test.mode == IG_SPLIT_FRACTION) {
		ig_warn("split: the test part is empty: no user has %s from the cut on and %lld "
			"positive(s) before it (--min-train; 0 keeps cold-start users)",
			o->test_all ? "an event" : "a positive event", (long long)o->min_train);
		return;
	}
	if (o->test.mode == IG_SPLIT_PERCENT)
		ig_warn("split: the test part is empty: no user has %lld counted events or more, %g%% of which "
			"rounds to 1 or more, with %lld positive(s) before them (--min-events, --holdout, --min-train)",
			(long long)o->min_events, o->test.percent, (long long)o->min_train);
	else
		ig_warn("split: the test part is empty: no user has %lld counted events or more with %lld "
			"positive(s) before the last %lld (--min-events, --min-train)",
			(long long)o->min_events, (long long)o->min_train, (long long)o->test.last);
}

/* A cut at a time (--at, --valid-at): the range stops at 2100. */
static void cut_at(ig_split_cut *cut, const char *opt, const char *arg)
{
	cut->mode = IG_SPLIT_AT;
	cut->at = ig_cli_int(opt, arg, 0, INT64_C(4102444800));
}

/* A cut at a quantile of the times (--at-fraction, --valid-fraction): 0
 * or 1 would leave one side empty. */
static void cut_fraction(ig_split_cut *cut, const char *opt, const char *arg)
{
	cut->mode = IG_SPLIT_FRACTION;
	cut->fraction = ig_cli_double(opt, arg, 0, 1);
	if (cut->fraction <= 0 || cut->fraction >= 1)
		ig_usage_error("%s: '%s' is not between 0 and 1 (exclusive)", opt, arg);
}

/* The options under "Test cut" of the usage; 0 if C is none of them. */
static int test_cut_option(ig_split_opts *o, int c, const char *arg)
{
	if (c != OPT_AT && c != OPT_AT_FRACTION && c != OPT_HOLDOUT)
		return 0;
	if (o->test.mode != IG_SPLIT_NONE)
		ig_usage_error("give one of --at, --at-fraction and --holdout");
	if (c == OPT_AT)
		cut_at(&o->test, "--at", arg);
	else if (c == OPT_AT_FRACTION)
		cut_fraction(&o->test, "--at-fraction", arg);
	else if (ig_split_parse_holdout(arg, &o->test) != 0)
		ig_usage_error("--holdout: '%s' is neither a count >= 1 nor a percentage like 20%%", arg);
	return 1;
}

/* The options under "Validation cut inside train" of the usage; 0 if C
 * is none of them. */
static int valid_cut_option(ig_split_opts *o, int c, const char *arg)
{
	if (c != OPT_VALID && c != OPT_VALID_AT && c != OPT_VALID_FRACTION)
		return 0;
	if (o->valid.mode != IG_SPLIT_NONE)
		ig_usage_error("give one of --valid, --valid-at and --valid-fraction");
	if (c == OPT_VALID_AT)
		cut_at(&o->valid, "--valid-at", arg);
	else if (c == OPT_VALID_FRACTION)
		cut_fraction(&o->valid, "--valid-fraction", arg);
	else if (ig_split_parse_holdout(arg, &o->valid) != 0)
		ig_usage_error("--valid: '%s' is neither a count >= 1 nor a percentage like 10%%", arg);
	return 1;
}

/* The options under "Selection" of the usage; 0 if C is none of them. */
static int selection_option(ig_split_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_POSITIVES:
		o->positives = parse_positives(arg);
		break;
	case OPT_TEST_ALL:
		o->test_all = 1;
		break;
	case OPT_STRICT_TIME:
		o->strict_time = 1;
		break;
	case OPT_SHUFFLE_TIES:
		o->shuffle_ties = 1;
		break;
	case OPT_COUNT:
		o->counted = strcmp(arg, "all") == 0 ? (1u << IG_EV_COUNT) - 1 : parse_types("--count", arg);
		break;
	case OPT_MIN_EVENTS:
		o->min_events = ig_cli_int("--min-events", arg, 1, INT64_MAX);
		break;
	case OPT_MIN_TRAIN:
		o->min_train = ig_cli_int("--min-train", arg, 0, INT64_MAX);
		break;
	default:
		return 0;
	}
	return 1;
}

static void parse_split(int argc, char **argv, ig_split_opts *o)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"at-fraction", required_argument, NULL, OPT_AT_FRACTION},
		{"holdout", required_argument, NULL, OPT_HOLDOUT},
		{"valid", required_argument, NULL, OPT_VALID},
		{"valid-at", required_argument, NULL, OPT_VALID_AT},
		{"valid-fraction", required_argument, NULL, OPT_VALID_FRACTION},
		{"positives", required_argument, NULL, OPT_POSITIVES},
		{"test-all", no_argument, NULL, OPT_TEST_ALL},
		{"strict-time", no_argument, NULL, OPT_STRICT_TIME},
		{"shuffle-ties", no_argument, NULL, OPT_SHUFFLE_TIES},
		{"count", required_argument, NULL, OPT_COUNT},
		{"min-events", required_argument, NULL, OPT_MIN_EVENTS},
		{"min-train", required_argument, NULL, OPT_MIN_TRAIN},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (!ig_cli_option(&cli, c, optarg) && !test_cut_option(o, c, optarg) &&
		    !valid_cut_option(o, c, optarg) && !selection_option(o, c, optarg))
			ig_usage_error("unexpected option");
	}
}

/* Checks the options together, and completes O from the common ones and
 * the operand. */
static void check_split(int argc, char **argv, ig_split_opts *o)
{
	if (o->test.mode == IG_SPLIT_NONE)
		ig_usage_error("split: give a test cut: --at, --at-fraction or --holdout");
	if (o->valid.mode == IG_SPLIT_FRACTION && o->test.mode != IG_SPLIT_AT && o->test.mode != IG_SPLIT_FRACTION)
		ig_usage_error("--valid-fraction needs --at or --at-fraction; use --valid N|X%% with --holdout");
	if (cli.output == NULL)
		ig_usage_error("split: give the output prefix with -o PREFIX");
	if (cli.output[0] == '\0' || strcmp(cli.output, "-") == 0 || cli.output[strlen(cli.output) - 1] == '/')
		ig_usage_error("split: -o '%s' is not a prefix of file names (e.g. -o data/ml)", cli.output);
	if (argc - optind > 1)
		ig_usage_error("split: one input at most");
	o->input = optind < argc ? argv[optind] : "-";
	o->seed = cli.seed;
	o->prefix = cli.output;
	o->compress = cli.compress == IG_COMPRESS_NO ? 0 : 1;
	o->level = cli.level;
	o->tmpdir = cli.tmpdir;
	o->progress = progress;
}

/* Before the summary, which stays the last line (ig-funnel reads the cost
 * of each step there). */
static void split_warnings(const ig_split_opts *o, const ig_split_stats *st)
{
	if (st->events > 0 && st->test == 0)
		split_empty_test(o, st);
	/* Data without time (Last.fm's plays, Book-Crossing's ratings: all
	 * at ts 0) keep the file's order, which ig-ingest made the item ids'
	 * order: the hold-out would be each user's highest item ids. */
	if (!o->shuffle_ties && st->cut_users > 0 && st->untimed_users * 2 >= st->cut_users)
		ig_warn("split: %llu of the %llu users held out have all their events at one time (data without "
			"time?): they hold out their last events in file order (by item id, after ig-ingest), not "
			"at random; --shuffle-ties for a random hold-out",
			(unsigned long long)st->untimed_users, (unsigned long long)st->cut_users);
}

static void split_report(const ig_split_opts *o, const ig_split_stats *st)
{
	if (o->valid.mode != IG_SPLIT_NONE)
		ig_cli_summary(&cli, "%llu events of %llu users: train %llu (fit %llu, valid %llu of %llu users), "
			       "test %llu of %llu users, dropped %llu",
			       (unsigned long long)st->events, (unsigned long long)st->users,
			       (unsigned long long)st->train, (unsigned long long)st->fit,
			       (unsigned long long)st->valid, (unsigned long long)st->valid_users,
			       (unsigned long long)st->test, (unsigned long long)st->test_users,
			       (unsigned long long)st->dropped);
	else
		ig_cli_summary(&cli, "%llu events of %llu users: train %llu, test %llu of %llu users, dropped %llu",
			       (unsigned long long)st->events, (unsigned long long)st->users,
			       (unsigned long long)st->train, (unsigned long long)st->test,
			       (unsigned long long)st->test_users, (unsigned long long)st->dropped);
}

static int cmd_split(int argc, char **argv)
{
	ig_split_opts o;
	ig_split_stats st;

	ig_split_opts_default(&o);
	o.prov = &cli.prov;
	begin_sub(usage_split);
	parse_split(argc, argv, &o);
	check_split(argc, argv, &o);
	ig_split_run(&o, &st);
	split_warnings(&o, &st);
	split_report(&o, &st);
	return 0;
}

static int parse_klist(const char *arg, int *k)
{
	char *copy = ig_strdup(arg), *cursor = copy, *tok;
	int n = 0, got;

	while ((got = ig_seplist_next(&cursor, ',', &tok)) != 0) {
		int v;

		if (got < 0 || ig_parse_int(tok, 1, 1000000, &v) != 0)
			ig_usage_error("-k: '%s' is not a cutoff from 1 to 1000000", tok);
		if (n == IG_EVAL_MAX_K)
			ig_usage_error("-k: at most %d cutoffs", IG_EVAL_MAX_K);
		if (n > 0 && v <= k[n - 1])
			ig_usage_error("-k: cutoffs must ascend ('%s')", arg);
		k[n++] = v;
	}
	free(copy);
	return n;
}

/* The options of metrics that say what is scored and how; compare takes
 * them too, for two recommendation streams. */
#define SCORE_LONGOPTS                                                 \
	{"test", required_argument, NULL, 't'},                        \
	{"train", required_argument, NULL, OPT_TRAIN},                 \
	{"items", required_argument, NULL, OPT_ITEMS},                 \
	{"vectors", required_argument, NULL, OPT_VECTORS},             \
	{"k", required_argument, NULL, 'k'},                           \
	{"positives", required_argument, NULL, OPT_POSITIVES},         \
	{"weights", required_argument, NULL, OPT_WEIGHTS},             \
	{"grade", required_argument, NULL, OPT_GRADE},                 \
	{"keep-seen", no_argument, NULL, OPT_KEEP_SEEN},               \
	{"sort", no_argument, NULL, OPT_SORT}
#define SCORE_SHORTOPTS "t:k:"

/* Name of the last scoring option given, for compare's messages. */
static const char *score_option_given;

/* Applies scoring option C; returns 0 when C is not one. */
static int score_option(ig_eval_score_opts *o, int c, const char *arg)
{
	char err[256];

	switch (c) {
	case 't':
		o->test = arg;
		score_option_given = "-t";
		break;
	case OPT_TRAIN:
		o->train = arg;
		score_option_given = "--train";
		break;
	case OPT_ITEMS:
		o->items = arg;
		score_option_given = "--items";
		break;
	case OPT_VECTORS:
		o->vectors = arg;
		score_option_given = "--vectors";
		break;
	case 'k':
		o->nk = parse_klist(arg, o->k);
		score_option_given = "-k";
		break;
	case OPT_POSITIVES:
		o->positives = parse_positives(arg);
		score_option_given = "--positives";
		break;
	case OPT_WEIGHTS:
		if (ig_event_weights_parse(arg, o->weights, err, sizeof err) != 0)
			ig_usage_error("--weights: %s", err);
		score_option_given = "--weights";
		break;
	case OPT_GRADE:
		if (strcmp(arg, "weight") == 0)
			o->grade_by_value = 0;
		else if (strcmp(arg, "value") == 0)
			o->grade_by_value = 1;
		else
			ig_usage_error("--grade: '%s' is neither 'weight' nor 'value'", arg);
		score_option_given = "--grade";
		break;
	case OPT_KEEP_SEEN:
		o->keep_seen = 1;
		score_option_given = "--keep-seen";
		break;
	case OPT_SORT:
		o->sort = 1;
		score_option_given = "--sort";
		break;
	default:
		return 0;
	}
	return 1;
}

/* A table of dashes says only that no user was evaluated: why, when
 * the test events are there (the --positives of another recipe, or
 * every positive of an item its user had in --train). */
static void no_user_evaluated(const ig_eval_score_opts *o, const ig_eval_score_stats *st)
{
	char pos[256] = "", has[512] = "";
	size_t np = 0, nh = 0;
	uint64_t npos = 0;
	int t;

	if (st->users_evaluated > 0 || st->test_events == 0)
		return;
	for (t = 0; t < IG_EV_COUNT; t++) {
		if (o->positives & (1u << t)) {
			npos += st->test_types[t];
			if (np < sizeof pos)
				np += (size_t)snprintf(pos + np, sizeof pos - np, "%s%s", np ? "," : "", ig_event_name(t));
		}
		if (st->test_types[t] > 0 && nh < sizeof has)
			nh += (size_t)snprintf(has + nh, sizeof has - nh, "%s%s %llu", nh ? ", " : "", ig_event_name(t),
					       (unsigned long long)st->test_types[t]);
	}
	if (npos == 0)
		ig_warn("metrics: no user evaluated: none of the %llu test events is of a --positives type (%s); "
			"the test has %s",
			(unsigned long long)st->test_events, pos, has);
	else if (st->test_positives_seen == npos)
		ig_warn("metrics: no user evaluated: each of the %llu test events of a --positives type is of an "
			"item its user had in --train (not counted)",
			(unsigned long long)npos);
}

/* How metrics and compare report: their intervals and the table's form. */
typedef struct {
	int bootstrap;  /* --bootstrap: replicates */
	double level;   /* --confidence */
	int table, tsv; /* --table, --tsv */
} report_args;

/* The report options metrics and compare share; 0 if C is none of them. */
static int report_option(report_args *r, int c, const char *arg)
{
	switch (c) {
	case OPT_BOOTSTRAP:
		r->bootstrap = (int)ig_cli_int("--bootstrap", arg, 0, 1000000);
		break;
	case OPT_CONFIDENCE:
		r->level = ig_cli_double("--confidence", arg, 0.5, 0.999);
		break;
	case OPT_TABLE:
		r->table = 1;
		break;
	case OPT_TSV:
		r->tsv = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

static void check_report(const report_args *r)
{
	if (r->table && r->tsv)
		ig_usage_error("give --table or --tsv, not both");
}

/* metrics' command line: the scoring options, and how the table is
 * reported (the bootstrap's settings end in SCORE). */
typedef struct {
	ig_eval_score_opts score;
	report_args report;
	int by_user;              /* --by-user given, with or without a FILE */
	const char *by_user_file; /* --by-user=FILE: the table goes to the output as well */
} metrics_args;

/* The options under "Report" of metrics' usage; 0 if C is none of them. */
static int metrics_report_option(metrics_args *a, int c, const char *arg)
{
	if (c != OPT_BY_USER)
		return report_option(&a->report, c, arg);
	a->by_user = 1;
	a->by_user_file = arg;
	return 1;
}

static void parse_metrics(int argc, char **argv, metrics_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		SCORE_LONGOPTS,
		{"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
		{"confidence", required_argument, NULL, OPT_CONFIDENCE},
		{"by-user", optional_argument, NULL, OPT_BY_USER},
		{"table", no_argument, NULL, OPT_TABLE},
		{"tsv", no_argument, NULL, OPT_TSV},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS SCORE_SHORTOPTS, longopts, NULL)) != -1) {
		if (!ig_cli_option(&cli, c, optarg) && !score_option(&a->score, c, optarg) &&
		    !metrics_report_option(a, c, optarg))
			ig_usage_error("unexpected option");
	}
}

/* Checks the options together, and completes A from the common ones and
 * the operand. */
static void check_metrics(int argc, char **argv, metrics_args *a)
{
	ig_eval_score_opts *o = &a->score;

	check_report(&a->report);
	o->bootstrap = a->report.bootstrap;
	o->level = a->report.level;
	if (o->test == NULL)
		ig_usage_error("metrics: give the test events with -t FILE");
	if (argc - optind > 1)
		ig_usage_error("metrics: one recommendation stream at most");
	o->recs = optind < argc ? argv[optind] : "-";
	if (strcmp(o->recs, "-") == 0 && strcmp(o->test, "-") == 0)
		ig_usage_error("metrics: the recommendations and the test events cannot both be stdin");
	if (o->train && strcmp(o->train, "-") == 0)
		ig_usage_error("--train: give a file; it is read twice");
	o->seed = cli.seed;
	o->memory = cli.memory;
	o->tmpdir = cli.tmpdir;
	{
		const char *inputs[] = {o->recs, o->test, o->train, o->items, o->vectors};
		ig_cli_check_output(cli.output, inputs, 5);
		if (a->by_user_file != NULL)
			ig_cli_check_extra_output(&cli, a->by_user_file, "--by-user", inputs, 5);
	}
}

/* Where the per-user rows go: the output, or the --by-user FILE; NULL
 * without --by-user. */
static ig_writer *open_by_user(const metrics_args *a)
{
	if (!a->by_user)
		return NULL;
	if (a->by_user_file == NULL)
		return ig_cli_open_output(&cli);
	return ig_cli_open_writer(&cli, a->by_user_file, cli.compress == IG_COMPRESS_NO ? 0 : 1, cli.level);
}

/* The table to the output, unless --by-user (without a FILE) has it; NULL
 * then. */
static ig_writer *write_metrics_table(const metrics_args *a, const ig_eval_table *table)
{
	ig_writer *w;

	if (a->by_user && a->by_user_file == NULL)
		return NULL;
	w = want_text(a->report.table, a->report.tsv) ? open_text_output() : ig_cli_open_output(&cli);
	if (want_text(a->report.table, a->report.tsv))
		ig_eval_table_write_text(table, w);
	else
		ig_eval_table_write_tsv(table, w);
	return w;
}

static void metrics_report(const ig_eval_score_stats *st)
{
	ig_cli_summary(&cli, "%llu recommendations, %llu test events; %llu users evaluated, %llu skipped "
		       "(no test positives), %llu without a list",
		       (unsigned long long)st->rec_records, (unsigned long long)st->test_events,
		       (unsigned long long)st->users_evaluated, (unsigned long long)st->users_skipped,
		       (unsigned long long)st->users_no_list);
}

static int cmd_metrics(int argc, char **argv)
{
	metrics_args a = {0};
	ig_eval_score_stats st;
	ig_eval_table table = {0};
	ig_writer *set[2]; /* the summary and its users' rows */

	ig_eval_score_opts_default(&a.score);
	a.report.bootstrap = a.score.bootstrap;
	a.report.level = a.score.level;
	begin_sub(usage_metrics);
	parse_metrics(argc, argv, &a);
	check_metrics(argc, argv, &a);
	set[1] = open_by_user(&a);
	a.score.by_user = set[1];
	a.score.progress = progress;
	ig_eval_score(&a.score, &table, &st);
	/* The table exists only at the end: no output is started before
	 * the inputs have all been read. */
	set[0] = write_metrics_table(&a, &table);
	ig_writer_close_set(set, 2);
	ig_eval_table_free(&table);
	no_user_evaluated(&a.score, &st);
	metrics_report(&st);
	return 0;
}

/* A compare input read from stdin cannot be sniffed and then read again:
 * it is taken to be of the other input's kind (both stdin is refused
 * before). */
static void compare_sniff(const char *a, const char *b, int *a_um, int *b_um)
{
	int a_stdin = strcmp(a, "-") == 0, b_stdin = strcmp(b, "-") == 0;

	*a_um = a_stdin ? -1 : ig_eval_cmp_is_user_metrics(a);
	*b_um = b_stdin ? -1 : ig_eval_cmp_is_user_metrics(b);
	if (*a_um < 0)
		*a_um = *b_um;
	if (*b_um < 0)
		*b_um = *a_um;
	if (*a_um != *b_um)
		ig_usage_error("compare: %s is a user-metrics stream and %s is not; give two user-metrics "
			       "streams or two recommendation streams",
			       *a_um ? a : b, *a_um ? b : a);
}

static void compare_check_file(const char *opt, const char *path)
{
	if (path && strcmp(path, "-") == 0)
		ig_usage_error("%s: give a file; it is read for A and for B", opt);
}

/* compare's command line. */
typedef struct {
	ig_eval_score_opts score; /* for two recommendation streams */
	report_args report;
	double alpha;             /* --alpha */
	const char *a, *b;        /* the operands */
	int user_metrics;         /* A and B are user-metrics streams, not recommendations */
} compare_args;

/* The options under "Comparison" of compare's usage; 0 if C is none of
 * them. */
static int comparison_option(compare_args *a, int c, const char *arg)
{
	if (c != OPT_ALPHA)
		return report_option(&a->report, c, arg);
	a->alpha = ig_cli_double("--alpha", arg, 0.0001, 0.5);
	return 1;
}

static void parse_compare(int argc, char **argv, compare_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		SCORE_LONGOPTS,
		{"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
		{"confidence", required_argument, NULL, OPT_CONFIDENCE},
		{"alpha", required_argument, NULL, OPT_ALPHA},
		{"table", no_argument, NULL, OPT_TABLE},
		{"tsv", no_argument, NULL, OPT_TSV},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS SCORE_SHORTOPTS, longopts, NULL)) != -1) {
		if (!ig_cli_option(&cli, c, optarg) && !score_option(&a->score, c, optarg) &&
		    !comparison_option(a, c, optarg))
			ig_usage_error("unexpected option");
	}
}

/* The scoring options of two recommendation streams, each read once for
 * A and once for B. */
static void check_compare_scoring(compare_args *a)
{
	ig_eval_score_opts *o = &a->score;

	if (o->test == NULL)
		ig_usage_error("compare: A and B are recommendation streams: give the test events "
			       "with -t FILE");
	compare_check_file("-t", o->test);
	compare_check_file("--train", o->train);
	compare_check_file("--items", o->items);
	compare_check_file("--vectors", o->vectors);
	o->memory = cli.memory;
	o->tmpdir = cli.tmpdir;
	o->progress = progress;
}

/* Checks the options together, takes the operands and finds their kind. */
static void check_compare(int argc, char **argv, compare_args *a)
{
	int b_um;

	check_report(&a->report);
	if (argc - optind != 2)
		ig_usage_error("compare: give two inputs, A and B: user-metrics or recommendation streams");
	a->a = argv[optind];
	a->b = argv[optind + 1];
	if (strcmp(a->a, "-") == 0 && strcmp(a->b, "-") == 0)
		ig_usage_error("compare: A and B cannot both be stdin");
	{
		const char *inputs[] = {a->a, a->b, a->score.test, a->score.train, a->score.items, a->score.vectors};
		ig_cli_check_output(cli.output, inputs, 6);
	}
	compare_sniff(a->a, a->b, &a->user_metrics, &b_um);
	if (a->user_metrics && score_option_given)
		ig_usage_error("compare: %s applies to recommendation streams; A and B are user-metrics streams",
			       score_option_given);
	if (!a->user_metrics)
		check_compare_scoring(a);
}

/* Two recommendation streams: each scored as metrics --by-user would,
 * then the two user-metrics tables compared. */
static void compare_recs(compare_args *a, ig_eval_cmp *cmp, ig_eval_score_stats *sta, ig_eval_score_stats *stb)
{
	ig_eval_user_metrics *ma, *mb;

	a->score.recs = a->a;
	ma = ig_eval_cmp_score_recs(&a->score, sta);
	a->score.recs = a->b;
	mb = ig_eval_cmp_score_recs(&a->score, stb);
	ig_eval_compare_mem(ma, mb, a->report.bootstrap, cli.seed, a->report.level, cmp);
	ig_eval_user_metrics_free(ma);
	ig_eval_user_metrics_free(mb);
}

static void write_comparison(const compare_args *a, const ig_eval_cmp *cmp)
{
	ig_writer *w;

	if (want_text(a->report.table, a->report.tsv)) {
		w = open_text_output();
		ig_eval_cmp_write_text(cmp, a->alpha, w);
	} else {
		w = ig_cli_open_output(&cli);
		ig_eval_cmp_write_tsv(cmp, a->alpha, w);
	}
	ig_writer_close(w);
}

static void compare_report(const compare_args *a, const ig_eval_cmp *cmp, const ig_eval_score_stats *sta,
			   const ig_eval_score_stats *stb)
{
	if (a->user_metrics)
		ig_cli_summary(&cli, "%llu users in both, %llu only in A, %llu only in B",
			       (unsigned long long)cmp->common, (unsigned long long)cmp->only_a,
			       (unsigned long long)cmp->only_b);
	else
		ig_cli_summary(&cli, "A: %llu recommendations, %llu users evaluated; B: %llu recommendations, "
			       "%llu users evaluated; %llu test events; %llu users in both, %llu only in A, "
			       "%llu only in B",
			       (unsigned long long)sta->rec_records, (unsigned long long)sta->users_evaluated,
			       (unsigned long long)stb->rec_records, (unsigned long long)stb->users_evaluated,
			       (unsigned long long)sta->test_events, (unsigned long long)cmp->common,
			       (unsigned long long)cmp->only_a, (unsigned long long)cmp->only_b);
}

static int cmd_compare(int argc, char **argv)
{
	compare_args a = {.report = {.bootstrap = 1000, .level = 0.95}, .alpha = 0.05};
	ig_eval_score_stats sta, stb;
	ig_eval_cmp cmp;

	ig_eval_score_opts_default(&a.score);
	begin_sub(usage_compare);
	parse_compare(argc, argv, &a);
	check_compare(argc, argv, &a);
	memset(&sta, 0, sizeof sta);
	memset(&stb, 0, sizeof stb);
	if (a.user_metrics)
		ig_eval_compare(a.a, a.b, a.report.bootstrap, cli.seed, a.report.level, &cmp);
	else
		compare_recs(&a, &cmp, &sta, &stb);
	write_comparison(&a, &cmp);
	compare_report(&a, &cmp, &sta, &stb);
	ig_eval_cmp_free(&cmp);
	return 0;
}

/* The options of baseline; 0 if C is none of them. */
static int baseline_option(ig_baseline_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_TRAIN:
		o->train = arg;
		break;
	case OPT_USERS:
		o->users = arg;
		break;
	case 'n':
		o->n = ig_cli_int("-n/--n", arg, 1, 1000000);
		break;
	case OPT_NEIGHBORS:
		o->neighbors = ig_cli_int("--neighbors", arg, 1, 100000);
		break;
	case OPT_POSITIVES:
		o->positives = parse_positives(arg);
		break;
	default:
		return 0;
	}
	return 1;
}

static void parse_baseline(int argc, char **argv, ig_baseline_opts *o)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"train", required_argument, NULL, OPT_TRAIN},
		{"users", required_argument, NULL, OPT_USERS},
		{"n", required_argument, NULL, 'n'},
		{"neighbors", required_argument, NULL, OPT_NEIGHBORS},
		{"positives", required_argument, NULL, OPT_POSITIVES},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "n:", longopts, NULL)) != -1) {
		if (!ig_cli_option(&cli, c, optarg) && !baseline_option(o, c, optarg))
			ig_usage_error("unexpected option");
	}
}

/* Checks the options together, and completes O from the common ones and
 * the operand (the method). */
static void check_baseline(int argc, char **argv, ig_baseline_opts *o)
{
	if (argc - optind != 1)
		ig_usage_error("baseline: give one method: pop, random or itemknn");
	o->method = ig_baseline_parse(argv[optind]);
	if (o->method < 0)
		ig_usage_error("baseline: unknown method '%s' (pop, random, itemknn)", argv[optind]);
	if (o->train == NULL)
		ig_usage_error("baseline: give the train events with --train FILE");
	if (o->users && strcmp(o->users, "-") == 0 && strcmp(o->train, "-") == 0)
		ig_usage_error("baseline: --train and --users cannot both be stdin");
	o->seed = cli.seed;
	{
		const char *inputs[] = {o->train, o->users};
		ig_cli_check_output(cli.output, inputs, 2);
	}
}

static void baseline_report(const ig_baseline_opts *o, const ig_baseline_stats *st)
{
	ig_cli_summary(&cli, "%s: %llu recommendations for %llu users (%llu with none); %llu train events, "
		       "%llu users, %llu items",
		       ig_baseline_name(o->method), (unsigned long long)st->records,
		       (unsigned long long)st->users, (unsigned long long)st->empty,
		       (unsigned long long)st->train_events, (unsigned long long)st->train_users,
		       (unsigned long long)st->items);
}

static int cmd_baseline(int argc, char **argv)
{
	ig_baseline_opts o;
	ig_baseline_stats st;
	ig_writer *w;

	ig_baseline_opts_default(&o);
	begin_sub(usage_baseline);
	parse_baseline(argc, argv, &o);
	check_baseline(argc, argv, &o);
	w = ig_cli_open_output(&cli);
	ig_baseline_run(&o, w, &st);
	ig_writer_close(w);
	baseline_report(&o, &st);
	return 0;
}

static void usage_ope(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-eval ope --logs FEED_LOG --events EVENTS --target FEED [options]\n"
		"Off-policy evaluation: what FEED would earn per logged slot, estimated from\n"
		"the feed log of another policy (user, item, propensity, rank) and the events\n"
		"that followed, by IPS, self-normalised IPS and doubly robust estimators.\n"
		"      --logs FILE          the logged feed with propensities (required)\n"
		"      --events FILE        the events that followed it (required)\n"
		"      --target FILE        the feed to evaluate: any list by user (required)\n"
		"      --sort               sort the target by user first (bounded by --memory)\n"
		"      --reward SPEC        value of each event as TYPE=W,...; types not named keep\n"
		"                           [like=1,comment=1,share=1,save=1, others 0]\n"
		"      --bootstrap N        bootstrap replicates over users; 0: no intervals [1000]\n"
		"      --confidence P       confidence level of the intervals [0.95]\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_SEED | IG_HELP_MEMORY);
}

/* The options of ope; 0 if C is none of them. */
static int ope_option(ig_eval_ope_opts *o, int c, const char *arg)
{
	char err[256];

	switch (c) {
	case OPT_LOGS: o->logs = arg; break;
	case OPT_EVENTS: o->events = arg; break;
	case OPT_TARGET: o->target = arg; break;
	case OPT_SORT: o->sort = 1; break;
	case OPT_REWARD:
		if (ig_event_rewards_parse(arg, o->reward, err, sizeof err) != 0)
			ig_usage_error("--reward: %s", err);
		break;
	case OPT_BOOTSTRAP: o->bootstrap = (int)ig_cli_int("--bootstrap", arg, 0, 100000); break;
	case OPT_CONFIDENCE: o->confidence = ig_cli_double("--confidence", arg, 0.5, 0.9999); break;
	default: return 0;
	}
	return 1;
}

static void parse_ope(int argc, char **argv, ig_eval_ope_opts *o)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"logs", required_argument, NULL, OPT_LOGS},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"target", required_argument, NULL, OPT_TARGET},
		{"sort", no_argument, NULL, OPT_SORT},
		{"reward", required_argument, NULL, OPT_REWARD},
		{"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
		{"confidence", required_argument, NULL, OPT_CONFIDENCE},
		{NULL, 0, NULL, 0}
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (!ig_cli_option(&cli, c, optarg) && !ope_option(o, c, optarg))
			ig_usage_error("unknown option");
	}
}

/* Checks the options together, and completes O from the common ones. */
static void check_ope(int argc, char **argv, ig_eval_ope_opts *o)
{
	if (optind < argc)
		ig_usage_error("ope: unexpected argument '%s'", argv[optind]);
	if (o->logs == NULL || o->events == NULL || o->target == NULL)
		ig_usage_error("ope: --logs, --events and --target are all required");
	o->seed = cli.seed;
	o->memory = cli.memory;
	o->tmpdir = cli.tmpdir;
	{
		const char *inputs[] = {o->logs, o->events, o->target};
		ig_cli_check_output(cli.output, inputs, 3);
	}
}

static int cmd_ope(int argc, char **argv)
{
	ig_eval_ope_opts o;
	ig_eval_ope_stats st;
	ig_writer *w;

	begin_sub(usage_ope);
	ig_eval_ope_default(&o);
	parse_ope(argc, argv, &o);
	check_ope(argc, argv, &o);
	w = ig_cli_open_output(&cli);
	ig_eval_ope_run(&o, w, &st);
	ig_writer_close(w);
	ig_cli_summary(&cli, "%llu users, %llu logged slots, %llu where the target agrees, %llu events rewarded",
		       (unsigned long long)st.users, (unsigned long long)st.slots, (unsigned long long)st.matches,
		       (unsigned long long)st.events);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} cmds[] = {
		{"split", cmd_split},
		{"metrics", cmd_metrics},
		{"compare", cmd_compare},
		{"baseline", cmd_baseline},
		{"ope", cmd_ope},
	};
	size_t i;

	ig_cli_init(&cli, argc, argv, usage_main);
	if (argc < 2)
		ig_usage_error("give a command: split, metrics, compare, baseline or ope");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			/* getopt_long's messages then read "ig-eval metrics: ...". */
			static char subname[64];
			snprintf(subname, sizeof subname, "%s %s", ig_progname, cmds[i].name);
			argv[1] = subname;
			return cmds[i].run(argc - 1, argv + 1);
		}
	if (argv[1][0] == '-') {
		/* ig-eval -h, ig-eval -V */
		static const struct option longopts[] = {IG_CLI_LONGOPTS, {NULL, 0, NULL, 0}};
		int c;

		while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS, longopts, NULL)) != -1)
			if (!ig_cli_option(&cli, c, optarg))
				ig_usage_error("unexpected option");
		ig_usage_error("give a command: split, metrics, compare, baseline or ope");
	}
	ig_usage_error("unknown command '%s' (split, metrics, compare, baseline, ope)", argv[1]);
}
