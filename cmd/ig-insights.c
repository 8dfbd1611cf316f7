/* ig-insights: what sticks, per item, author, topic and media type: reach,
 * engagement per reach with Wilson intervals, non-follower share, follows
 * gained and the trend against the previous window. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_time.h"
#include "insights/ig_insights.h"
#include "io/ig_events.h"

enum {
	OPT_BY = IG_OPT_FIRST_TOOL,
	OPT_ITEMS,
	OPT_FOLLOWS,
	OPT_WINDOW,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_MIN_REACH,
	OPT_TABLE,
	OPT_TRUTH
};

static ig_cli cli;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-insights [options] [EVENTS]\n"
		"Reads an events stream sorted by user, then ts (\"-\" or none: stdin) and writes,\n"
		"per item, author, topic or media type, the insights stream: reach, engagement\n"
		"per reach with Wilson 95%% intervals, the non-follower share of engagement,\n"
		"follows gained and the trend against the previous window; best lower bound of\n"
		"shares per reach first.\n"
		"      --by LEVELS          comma list of item, author, topic, media [item]\n"
		"      --items FILE         items stream (needed by author, topic, media)\n"
		"      --follows FILE       follows stream: the non-follower share (needs --items)\n"
		"      --window START,END   count events with START <= ts < END, and the window\n"
		"                           of equal length before it for the trend; Unix\n"
		"                           seconds or ISO-8601 [all events, no trend]\n"
		"      --since T            the window starts at T (with --until: a trend)\n"
		"      --until T            the window ends before T\n"
		"      --min-reach N        write rows of reach N or more [%d]\n"
		"  -k, --top N              at most N rows per level; 0: all [0]\n"
		"      --table              aligned text for a terminal (fewer columns)\n"
		"      --truth FILE         ig-synth truth_items: print Spearman's correlation of\n"
		"                           the share rate with quality (item) and author\n"
		"                           popularity (author) on stderr\n"
		"      --memory SIZE        bound on the counters; a run that needs more\n"
		"                           stops with an error (nothing spills) [%lluM]\n",
		IG_INS_DEFAULT_MIN_REACH, (unsigned long long)(cli.memory >> 20));
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT);
}

static int64_t parse_time(const char *opt, const char *s, size_t len)
{
	int64_t t;
	const char *why = NULL;

	if (ig_time_parse(s, len, IG_TIME_AUTO, IG_TS_MIN, IG_TS_MAX, &t, &why) != 0)
		ig_usage_error("%s: invalid time '%.*s' (%s)", opt, (int)len, s,
			       why ? why : "Unix seconds or ISO-8601 expected");
	return t;
}

static void parse_window(const char *arg, int64_t *start, int64_t *end)
{
	const char *comma = strchr(arg, ',');

	if (comma == NULL)
		ig_usage_error("--window: invalid value '%s' (START,END)", arg);
	*start = parse_time("--window", arg, (size_t)(comma - arg));
	*end = parse_time("--window", comma + 1, strlen(comma + 1));
}

static void progress(uint64_t events)
{
	ig_cli_progress(&cli, "%llu events", (unsigned long long)events);
}

static int has_level(const ig_ins_opts *o, int level)
{
	int i;

	for (i = 0; i < o->nlevels; i++)
		if (o->levels[i] == level)
			return 1;
	return 0;
}

static void report_truth(const ig_insights *s, const ig_ins_opts *o, const char *truth)
{
	int i;

	for (i = 0; i < o->nlevels; i++) {
		int level = o->levels[i];
		size_t n;
		double rho;

		if (level != IG_INS_ITEM && level != IG_INS_AUTHOR)
			continue;
		rho = ig_ins_truth_spearman(s, truth, level, &n);
		if (isnan(rho)) /* "= nan" read as a result */
			fprintf(stderr, "%s: spearman(share_rate, %s): none over %zu %ss (fewer than 2, or one side "
				"constant)\n", ig_progname, level == IG_INS_ITEM ? "quality" : "author_popularity", n,
				ig_ins_level_name(level));
		else
			fprintf(stderr, "%s: spearman(share_rate, %s) = %.3f over %zu %ss\n", ig_progname,
				level == IG_INS_ITEM ? "quality" : "author_popularity", rho, n,
				ig_ins_level_name(level));
	}
}

static void summary(const ig_insights *s, const ig_ins_opts *o)
{
	const ig_ins_stats *st = ig_ins_stats_of(s);
	char levels[256];
	size_t len = 0;
	int i;

	levels[0] = '\0';
	for (i = 0; i < o->nlevels && len < sizeof levels; i++) {
		int l = o->levels[i];

		len += (size_t)snprintf(levels + len, sizeof levels - len, "; %s: %llu with reach, %llu below %llu, %llu written",
					ig_ins_level_name(l), (unsigned long long)st->entities[l],
					(unsigned long long)st->below_min_reach[l], (unsigned long long)o->min_reach,
					(unsigned long long)st->written[l]);
	}
	ig_cli_summary(&cli, "%llu events, %llu users, %llu in the window, %llu in the previous, "
		       "%llu of unlisted items%s",
		       (unsigned long long)st->events, (unsigned long long)st->users,
		       (unsigned long long)st->in_window, (unsigned long long)st->in_previous,
		       (unsigned long long)st->unknown_items, levels);
}

/* What the command line says. */
typedef struct {
	ig_ins_opts o;
	const char *items_path, *follows_path, *truth;
	const char *events; /* "-": stdin */
	int table;
	int have_window, have_since, have_until; /* given, not left to the defaults */
} insights_args;

/* --window, --since and --until: the window counted, and the one before
 * it for the trend; 0 if C is none of them. */
static int window_option(insights_args *a, int c, const char *arg)
{
	switch (c) {
	case OPT_WINDOW:
		parse_window(arg, &a->o.start, &a->o.end);
		a->have_window = 1;
		break;
	case OPT_SINCE:
		a->o.start = parse_time("--since", arg, strlen(arg));
		a->have_since = 1;
		break;
	case OPT_UNTIL:
		a->o.end = parse_time("--until", arg, strlen(arg));
		a->have_until = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

static void parse(int argc, char **argv, insights_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"by", required_argument, NULL, OPT_BY},
		{"items", required_argument, NULL, OPT_ITEMS},
		{"follows", required_argument, NULL, OPT_FOLLOWS},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"since", required_argument, NULL, OPT_SINCE},
		{"until", required_argument, NULL, OPT_UNTIL},
		{"min-reach", required_argument, NULL, OPT_MIN_REACH},
		{"top", required_argument, NULL, 'k'},
		{"table", no_argument, NULL, OPT_TABLE},
		{"truth", required_argument, NULL, OPT_TRUTH},
		{NULL, 0, NULL, 0}
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "k:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg) || window_option(a, c, optarg))
			continue;
		switch (c) {
		case OPT_BY:
			a->o.nlevels = ig_ins_levels_parse(optarg, a->o.levels);
			if (a->o.nlevels < 0)
				ig_usage_error("--by: invalid value '%s' (a comma list of item, author, topic, media, "
					       "each once)", optarg);
			break;
		case OPT_ITEMS:
			a->items_path = optarg;
			break;
		case OPT_FOLLOWS:
			a->follows_path = optarg;
			break;
		case OPT_MIN_REACH:
			a->o.min_reach = (uint64_t)ig_cli_int("--min-reach", optarg, 1, UINT32_MAX);
			break;
		case 'k':
			a->o.top = (uint64_t)ig_cli_int("-k/--top", optarg, 0, INT64_MAX);
			break;
		case OPT_TABLE:
			a->table = 1;
			break;
		case OPT_TRUTH:
			a->truth = optarg;
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		ig_usage_error("one events stream at most");
	if (argc - optind == 1)
		a->events = argv[optind];
}

/* Checks the options together, and settles the window's trend from them. */
static void check_options(insights_args *a)
{
	int i;

	if (a->have_window && (a->have_since || a->have_until))
		ig_usage_error("give --window or --since/--until, not both");
	if (a->o.end <= a->o.start)
		ig_usage_error("the window is empty: its end must come after its start");
	a->o.trend = a->have_window || (a->have_since && a->have_until);
	a->o.memory = cli.memory;
	for (i = 0; i < a->o.nlevels; i++)
		if (a->o.levels[i] != IG_INS_ITEM && a->items_path == NULL)
			ig_usage_error("--by %s needs --items", ig_ins_level_name(a->o.levels[i]));
	if (a->follows_path && a->items_path == NULL)
		ig_usage_error("--follows needs --items (the authors of items)");
	if (a->truth && !has_level(&a->o, IG_INS_ITEM) && !has_level(&a->o, IG_INS_AUTHOR))
		ig_usage_error("--truth is compared at the item and author levels: give --by item or author");
	{
		const char *inputs[] = {a->events, a->items_path, a->follows_path, a->truth};

		ig_cli_check_output(cli.output, inputs, 4);
	}
}

/* Opened before the inputs are read: an output that cannot be created
 * fails at once, not after a pass over all the events. */
static ig_writer *open_output(const insights_args *a)
{
	if (a->table)
		return ig_cli_open_writer(&cli, cli.output, IG_COMPRESS_NO, cli.level);
	return ig_cli_open_output(&cli);
}

static void count_events(ig_insights *s, ig_events_reader *er)
{
	ig_event ev;

	while (ig_events_next(er, &ev)) {
		ig_ins_add(s, &ev);
		if ((ig_ins_stats_of(s)->events & 0xfffff) == 0)
			progress(ig_ins_stats_of(s)->events);
	}
}

static void write_insights(const insights_args *a, ig_insights *s, ig_writer *w, ig_events_reader *er)
{
	if (a->table)
		ig_ins_write_table(s, w);
	else
		ig_ins_write_tsv(s, w, ig_events_header(er));
	ig_writer_close(w);
}

int main(int argc, char **argv)
{
	insights_args a = {.events = "-"};
	ig_items *items = NULL;
	ig_follows *follows = NULL;
	ig_insights *s;
	ig_events_reader *er;
	ig_writer *w;

	ig_cli_init(&cli, argc, argv, usage);
	ig_ins_opts_default(&a.o);
	parse(argc, argv, &a);
	check_options(&a);
	w = open_output(&a);
	if (a.items_path)
		items = ig_items_load(a.items_path);
	if (a.follows_path)
		follows = ig_follows_load(a.follows_path, items->authors);
	s = ig_ins_new(&a.o, items, follows);
	er = ig_events_open(a.events);
	count_events(s, er);
	ig_ins_rank(s);
	write_insights(&a, s, w, er);
	if (a.truth)
		report_truth(s, &a.o, a.truth);
	summary(s, &a.o);
	ig_events_close(er);
	ig_ins_free(s);
	ig_follows_free(follows);
	ig_items_free(items);
	return 0;
}
