/* ig-diversify: the ranked stream in, the feed out (ig-formats(5)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "diversify/ig_diversify.h"
#include "io/ig_events.h"
#include "io/ig_items.h"
#include "io/ig_tsv.h"
#include "io/ig_vectors.h"

enum {
	OPT_ITEMS = IG_OPT_FIRST_TOOL,
	OPT_TOPICS,
	OPT_VECTORS,
	OPT_EVENTS,
	OPT_METHOD,
	OPT_SIMILARITY,
	OPT_AUTHOR_WINDOW,
	OPT_AUTHOR_DECAY,
	OPT_AUTHOR_FLOOR,
	OPT_MEDIA_RUN,
	OPT_TOPIC_CAP,
	OPT_SHORT_SHARE,
	OPT_EPSILON,
	OPT_INTERESTS,
	OPT_FRESH,
	OPT_SESSION_GAP,
	OPT_SEE_LESS_HALF_LIFE,
	OPT_SEE_LESS_FACTOR,
	OPT_FATIGUE_AFTER,
	OPT_FATIGUE_FACTOR,
	OPT_MISSING,
	OPT_NOW,
	OPT_BAND,
	OPT_KEEP_TOP,
	OPT_EXPLORE,
	OPT_EXPLORE_DRAWS,
	OPT_MEDIA_MIX,
	OPT_AGGREGATE,
	OPT_SIBLING
};

static ig_cli cli;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-diversify --items FILE [options] [RANKED]\n"
		"Reads a ranked stream grouped by user, by score within a user (\"-\" or none:\n"
		"stdin; with --events, users in bytewise order), and writes the feed stream:\n"
		"user rank item score reason propensity.\n"
		"Inputs:\n"
		"      --items FILE          items stream: authors, media, topics (required)\n"
		"      --topics FILE         topics tree, for exploring adjacent topics\n"
		"      --vectors FILE        item vectors (word2vec formats) for similarity\n"
		"      --events FILE         the users' events, sorted by user: interests, last\n"
		"                            session, hide/report, see_less, impressions\n"
		"  -n, --length N            feed length [25]\n"
		"      --missing keep|drop   items absent from --items [keep]\n"
		"Diversity:\n"
		"      --method mmr|dpp      greedy MMR, or greedy DPP MAP (Chen et al. 2018) [mmr]\n"
		"  -L, --lambda L            weight of relevance against similarity, 0..1 [0.7]\n"
		"      --similarity S        topics or vectors [vectors with --vectors, else topics]\n"
		"      --aggregate max|sum   MMR: similarity to the most similar placed item, or\n"
		"                            summed over them (what intra-list diversity counts) [max]\n"
		"      --sibling-similarity W  topics: two topics of one parent are W similar [0]\n"
		"      --band F              diversity passes over an item only for one within F\n"
		"                            (relative) of its relevance; 0: off [0.12]\n"
		"      --keep-top N          first N rows by relevance alone, never explored [3]\n"
		"      --author-window N     no author twice in N consecutive rows; 0: off [4]\n"
		"      --author-decay D      an author's k-th repeat weighs (1-F)*D^k+F; 1: off\n"
		"                            (twitter's home mixer: 0.5 with F 0.25) [1]\n"
		"      --author-floor F      [0.25]\n"
		"      --media-run N         longest run of one media type; 0: off [3]\n"
		"      --media-mix T=S,...   most share S of rows of media type T, e.g.\n"
		"                            photo=0.4,video=0.3,reel=0.3 [none]\n"
		"      --topic-cap N         most rows sharing one topic; 0: off [0]\n"
		"Queues and exploration:\n"
		"      --short-share F       share of slots for the short-term queue [0.2]\n"
		"      --session-gap SECONDS last session: events this close [1800]\n"
		"      --interests N         topics in the long-term profile [5]\n"
		"      --epsilon E           probability that a slot is explored [0.02]\n"
		"      --explore P           which explorable item: uniform, thompson or ucb\n"
		"                            over topics [uniform]\n"
		"      --explore-draws N     Monte Carlo draws of a Thompson propensity [1000]\n"
		"      --fresh SECONDS       items this young are explorable; 0: off [172800]\n"
		"Negative feedback:\n"
		"      --see-less-half-life SECONDS  [604800]\n"
		"      --see-less-factor F   discount of an author or topic the user only\n"
		"                            sees less of; 1: off [0.5]\n"
		"      --fatigue-after N     impressions without engagement before a discount;\n"
		"                            0: off [3]\n"
		"      --fatigue-factor F    discount per impression from then on [0.5]\n"
		"      --now TS              reference time [each user's last event]\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_THREADS | IG_HELP_SEED);
}

static void progress(uint64_t users)
{
	ig_cli_progress(&cli, "%llu users", (unsigned long long)users);
}

/* "photo=0.4,video=0.3": shares of media types, summing to 1 at most. */
static void parse_media_mix(ig_div_opts *o, const char *arg)
{
	char *copy = ig_strdup(arg), *cursor = copy, *tok;
	double total = 0;
	unsigned seen = 0;
	int got;

	while ((got = ig_seplist_next(&cursor, ',', &tok)) != 0) {
		char *eq = strchr(tok, '=');
		int m;
		if (got < 0)
			ig_usage_error("--media-mix: empty element in '%s'", arg);
		if (eq == NULL)
			ig_usage_error("--media-mix: '%s' is not TYPE=SHARE", tok);
		*eq = '\0';
		m = ig_media_parse(tok);
		if (m < 0)
			ig_usage_error("--media-mix: unknown media type '%s' (photo, video, reel, carousel)", tok);
		if (seen & (1u << m))
			ig_usage_error("--media-mix: %s named twice", tok);
		seen |= 1u << m;
		o->media_share[m] = ig_cli_double("--media-mix", eq + 1, 0, 1);
		total += o->media_share[m];
	}
	free(copy);
	if (total > 1 + 1e-9)
		ig_usage_error("--media-mix: the shares sum to %g, more than 1", total);
}

/* In the order of the values they stand for: enum ig_div_method,
 * ig_div_similarity, ig_div_explore, and 0/1 for sim_sum and keep_missing. */
static const char *const method_names[] = {"mmr", "dpp", NULL};
static const char *const similarity_names[] = {"topics", "vectors", NULL};
static const char *const aggregate_names[] = {"max", "sum", NULL};
static const char *const explore_names[] = {"uniform", "thompson", "ucb", NULL};
static const char *const missing_names[] = {"drop", "keep", NULL};

/* The options under "Diversity" of the usage; 0 if C is none of them.
 * *SIM_GIVEN tells main --similarity was given, not left to its default. */
static int diversity_option(ig_div_opts *o, int *sim_given, int c, const char *arg)
{
	switch (c) {
	case OPT_METHOD:
		o->method = ig_cli_choice("--method", arg, method_names, "mmr or dpp");
		break;
	case 'L':
		o->lambda = ig_cli_double("--lambda", arg, 0, 1);
		break;
	case OPT_SIMILARITY:
		o->similarity = ig_cli_choice("--similarity", arg, similarity_names, "topics or vectors");
		*sim_given = 1;
		break;
	case OPT_AGGREGATE:
		o->sim_sum = ig_cli_choice("--aggregate", arg, aggregate_names, "max or sum");
		break;
	case OPT_SIBLING:
		o->sibling_sim = ig_cli_double("--sibling-similarity", arg, 0, 1);
		break;
	case OPT_BAND:
		o->band = ig_cli_double("--band", arg, 0, 1);
		break;
	case OPT_KEEP_TOP:
		o->keep_top = (uint32_t)ig_cli_int("--keep-top", arg, 0, 100000);
		break;
	case OPT_AUTHOR_WINDOW:
		o->author_window = (uint32_t)ig_cli_int("--author-window", arg, 0, 100000);
		break;
	case OPT_AUTHOR_DECAY:
		o->author_decay = ig_cli_double("--author-decay", arg, 0, 1);
		break;
	case OPT_AUTHOR_FLOOR:
		o->author_floor = ig_cli_double("--author-floor", arg, 0, 1);
		break;
	case OPT_MEDIA_RUN:
		o->media_run = (uint32_t)ig_cli_int("--media-run", arg, 0, 100000);
		break;
	case OPT_MEDIA_MIX:
		parse_media_mix(o, arg);
		break;
	case OPT_TOPIC_CAP:
		o->topic_cap = (uint32_t)ig_cli_int("--topic-cap", arg, 0, 100000);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The options under "Queues and exploration" of the usage; 0 if C is none
 * of them. */
static int exploration_option(ig_div_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_SHORT_SHARE:
		o->short_share = ig_cli_double("--short-share", arg, 0, 1);
		break;
	case OPT_SESSION_GAP:
		o->session_gap = ig_cli_int("--session-gap", arg, 0, IG_TS_MAX);
		break;
	case OPT_INTERESTS:
		o->interests = (uint32_t)ig_cli_int("--interests", arg, 1, 100000);
		break;
	case OPT_EPSILON:
		o->epsilon = ig_cli_double("--epsilon", arg, 0, 1);
		break;
	case OPT_EXPLORE:
		o->explore = ig_cli_choice("--explore", arg, explore_names, "uniform, thompson or ucb");
		break;
	case OPT_EXPLORE_DRAWS:
		o->explore_draws = (uint32_t)ig_cli_int("--explore-draws", arg, 1, 10000000);
		break;
	case OPT_FRESH:
		o->fresh_window = ig_cli_int("--fresh", arg, 0, IG_TS_MAX);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The options under "Negative feedback" of the usage; 0 if C is none of
 * them. */
static int feedback_option(ig_div_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_SEE_LESS_HALF_LIFE:
		o->see_less_half_life = ig_cli_double("--see-less-half-life", arg, 1, 1e12);
		break;
	case OPT_SEE_LESS_FACTOR:
		o->see_less_factor = ig_cli_double("--see-less-factor", arg, 0, 1);
		break;
	case OPT_FATIGUE_AFTER:
		o->fatigue_after = (uint32_t)ig_cli_int("--fatigue-after", arg, 0, 1000000);
		break;
	case OPT_FATIGUE_FACTOR:
		o->fatigue_factor = ig_cli_double("--fatigue-factor", arg, 0, 1);
		break;
	case OPT_NOW:
		o->now = ig_cli_int("--now", arg, IG_TS_MIN, IG_TS_MAX);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The options under "Inputs" of the usage are read here, as they fill
 * PATHS rather than O. */
static void parse(int argc, char **argv, ig_div_opts *o, const char **paths, int *sim_given)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"length", required_argument, NULL, 'n'},
		{"items", required_argument, NULL, OPT_ITEMS},
		{"topics", required_argument, NULL, OPT_TOPICS},
		{"vectors", required_argument, NULL, OPT_VECTORS},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"method", required_argument, NULL, OPT_METHOD},
		{"lambda", required_argument, NULL, 'L'},
		{"similarity", required_argument, NULL, OPT_SIMILARITY},
		{"author-window", required_argument, NULL, OPT_AUTHOR_WINDOW},
		{"author-decay", required_argument, NULL, OPT_AUTHOR_DECAY},
		{"author-floor", required_argument, NULL, OPT_AUTHOR_FLOOR},
		{"media-run", required_argument, NULL, OPT_MEDIA_RUN},
		{"topic-cap", required_argument, NULL, OPT_TOPIC_CAP},
		{"short-share", required_argument, NULL, OPT_SHORT_SHARE},
		{"epsilon", required_argument, NULL, OPT_EPSILON},
		{"interests", required_argument, NULL, OPT_INTERESTS},
		{"fresh", required_argument, NULL, OPT_FRESH},
		{"session-gap", required_argument, NULL, OPT_SESSION_GAP},
		{"see-less-half-life", required_argument, NULL, OPT_SEE_LESS_HALF_LIFE},
		{"see-less-factor", required_argument, NULL, OPT_SEE_LESS_FACTOR},
		{"fatigue-after", required_argument, NULL, OPT_FATIGUE_AFTER},
		{"fatigue-factor", required_argument, NULL, OPT_FATIGUE_FACTOR},
		{"missing", required_argument, NULL, OPT_MISSING},
		{"now", required_argument, NULL, OPT_NOW},
		{"band", required_argument, NULL, OPT_BAND},
		{"keep-top", required_argument, NULL, OPT_KEEP_TOP},
		{"explore", required_argument, NULL, OPT_EXPLORE},
		{"explore-draws", required_argument, NULL, OPT_EXPLORE_DRAWS},
		{"media-mix", required_argument, NULL, OPT_MEDIA_MIX},
		{"aggregate", required_argument, NULL, OPT_AGGREGATE},
		{"sibling-similarity", required_argument, NULL, OPT_SIBLING},
		{NULL, 0, NULL, 0}
	};
	int c;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "n:L:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg) || diversity_option(o, sim_given, c, optarg) ||
		    exploration_option(o, c, optarg) || feedback_option(o, c, optarg))
			continue;
		switch (c) {
		case 'n':
			o->length = (uint32_t)ig_cli_int("-n/--length", optarg, 1, 100000);
			break;
		case OPT_ITEMS:
		case OPT_TOPICS:
		case OPT_VECTORS:
		case OPT_EVENTS:
			paths[c - OPT_ITEMS] = optarg;
			break;
		case OPT_MISSING:
			o->keep_missing = ig_cli_choice("--missing", optarg, missing_names, "keep or drop");
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
}

int main(int argc, char **argv)
{
	ig_div_opts o;
	ig_div_job job;
	const char *paths[4] = {NULL, NULL, NULL, NULL}; /* items, topics, vectors, events */
	int sim_given = 0;
	ig_items *items;
	ig_vectors *vectors = NULL;
	ig_div_ctx *ctx;
	ig_writer *w;

	ig_cli_init(&cli, argc, argv, usage);
	ig_div_opts_default(&o);
	parse(argc, argv, &o, paths, &sim_given);
	if (argc - optind > 1)
		ig_usage_error("one ranked stream at most");
	if (paths[0] == NULL)
		ig_usage_error("--items is required");
	if (!sim_given && paths[2] != NULL)
		o.similarity = IG_DIV_SIM_VECTORS;
	if (o.similarity == IG_DIV_SIM_VECTORS && paths[2] == NULL)
		ig_usage_error("--similarity vectors needs --vectors");
	o.seed = cli.seed;
	memset(&job, 0, sizeof job);
	job.ranked_path = argc > optind ? argv[optind] : "-";
	job.events_path = paths[3];
	{
		const char *inputs[] = {job.ranked_path, paths[0], paths[1], paths[2], paths[3]};
		ig_cli_check_output(cli.output, inputs, 5);
	}
	job.threads = cli.threads;
	job.progress = progress;
	items = ig_items_load(paths[0]);
	if (paths[2] != NULL)
		vectors = ig_vectors_load(paths[2]);
	ctx = ig_div_ctx_new(items, paths[1], vectors, &o);
	ig_vectors_free(vectors);
	w = ig_cli_open_output(&cli);
	ig_div_run(&job, ctx, w);
	ig_writer_close(w);
	ig_cli_summary(&cli,
		       "%llu candidates of %llu users, %llu rows; %llu short feeds, %llu items missing "
		       "(%llu dropped), %llu banned, %llu slots explored, %llu rules relaxed",
		       (unsigned long long)job.candidates, (unsigned long long)job.counts.users,
		       (unsigned long long)job.counts.rows, (unsigned long long)job.counts.short_feeds,
		       (unsigned long long)job.missing, (unsigned long long)job.missing_dropped,
		       (unsigned long long)job.counts.banned, (unsigned long long)job.counts.explored,
		       (unsigned long long)job.counts.relaxed);
	ig_div_ctx_free(ctx);
	ig_items_free(items);
	return 0;
}
