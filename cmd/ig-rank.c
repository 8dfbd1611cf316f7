/* ig-rank: the ranking stages of the funnel: training examples, first-
 * and second-stage models, the value model and scoring candidates. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_seplist.h"
#include "core/ig_num.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "rank/ig_rank.h"

enum {
	OPT_HISTORY = IG_OPT_FIRST_TOOL,
	OPT_ITEMS,
	OPT_FOLLOWS,
	OPT_TOPICS,
	OPT_VECTORS,
	OPT_NEIGHBORS,
	OPT_TOWER,
	OPT_LABELS,
	OPT_IMPRESSIONS,
	OPT_AT,
	OPT_FRESH_SESSIONS,
	OPT_HEADS,
	OPT_POSITIVES,
	OPT_HALF_LIFE,
	OPT_SHORT,
	OPT_LONG,
	OPT_RECENT,
	OPT_FORMAT,
	OPT_HEAD,
	OPT_STAGE,
	OPT_VALID_SHARE,
	OPT_BAG,
	OPT_BINS,
	OPT_TREES,
	OPT_DEPTH,
	OPT_ETA,
	OPT_LAMBDA,
	OPT_MIN_CHILD,
	OPT_SUBSAMPLE,
	OPT_OBJECTIVE,
	OPT_PATIENCE,
	OPT_LINEAR_L2,
	OPT_BLIND_TREES,
	OPT_TREE_POSITIVES,
	OPT_PREDICTIONS,
	OPT_HASH_BITS,
	OPT_EPOCHS,
	OPT_ALPHA,
	OPT_BETA,
	OPT_L1,
	OPT_L2,
	OPT_DISTILL,
	OPT_KEEP,
	OPT_VALUE,
	OPT_VALUE_MODE,
	OPT_EXPLAIN,
	OPT_SHARD
};

static ig_cli cli;
static const char *subcommand = "";

#define CONTEXT_HELP                                                                          \
	"Context (what features are computed from):\n"                                        \
	"      --history FILE       events before the rows' time (required)\n"                \
	"      --items FILE         items stream: authors, media, topics, ages\n"             \
	"      --follows FILE       follows stream: follows_author (needs --items)\n"         \
	"      --topics FILE        topics stream: affinity over the topic tree (needs --items)\n" \
	"      --vectors FILE       item vectors (word2vec): embedding similarity\n"         \
	"      --neighbors FILE     item neighbours (ig-cooccur): co-occurrence similarity\n" \
	"      --tower PREFIX       the two towers' PREFIX.users.vec and PREFIX.items.vec\n"  \
	"                           (ig-train-tower -o PREFIX): their cosine, tower_score\n" \
	"      --at TS              the rows' time [the user's last history event + 1]\n"        \
	"      --shard I/N          only the users with hash(user) %% N = I: their history\n"  \
	"                           held, other users' rows skipped [0/1]\n"                  \
	"  -T, --tmpdir DIR         where --shard spills the other users' events\n"          \
	"                           [$TMPDIR or /tmp]\n"

static void usage(FILE *fp)
{
	if (strcmp(subcommand, "features") == 0) {
		fprintf(fp,
			"Usage: ig-rank features --history FILE (--labels FILE [CANDIDATES] | --impressions FILE) [options]\n"
			"Writes training examples: one row per candidate (labelled by the --labels events of\n"
			"the same user and item) or per impression (labelled by what followed it).\n" CONTEXT_HELP
			"Examples:\n"
			"      --labels FILE        events of the next window: the candidates' labels\n"
			"      --impressions FILE   events with impressions: one row per impression\n"
			"      --fresh-sessions     an impression's user features from the history and\n"
			"                           the user's --impressions events of the sessions\n"
			"                           before its own (item tables: the history's)\n"
			"      --heads LIST         the labels: event types, or any (any --positives type)\n"
			"                           [view,like,comment,share,save,follow,see_less,hide]\n"
			"      --format F           tsv (an examples stream) or libsvm [tsv]\n"
			"      --head H             the label of a libsvm file\n"
			"Feature options (kept in the examples and the model):\n"
			"      --positives LIST     event types that make the user's history\n"
			"                           [view,like,comment,share,save,follow]\n"
			"      --half-life SECONDS  decay of counts [2592000]\n"
			"      --short N            short-term history: the last N positives [10]\n"
			"      --long N             long-term history: the last N positives [200]\n"
			"      --recent SECONDS     the window of recent popularity [604800]\n");
		ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT);
	} else if (strcmp(subcommand, "train") == 0) {
		fprintf(fp,
			"Usage: ig-rank train -o MODEL [options] [EXAMPLES]\n"
			"Trains one model with a head per label of the examples; prints per-head AUC, log\n"
			"loss and calibration error on the validation users.\n"
			"      --stage first|second first: hashed logistic regression (FTRL); second:\n"
			"                           gradient-boosted trees [second]\n"
			"      --heads LIST         train these labels only [all y_ columns]\n"
			"      --valid-share X      users held out for early stopping and calibration [0.2]\n"
			"      --bag N              the mean of N models, from seeds SEED to SEED+N-1,\n"
			"                           each with its own validation users [1]\n"
			"      --distill MODEL      learn MODEL's probabilities instead of the labels\n"
			"      --bins N             histogram bins per feature, 2-256 [64]\n"
			"Second stage:\n"
			"      --trees N            at most N trees per head; 0: the linear part\n"
			"                           alone [300]\n"
			"      --depth N            tree depth [6]\n"
			"      --eta X              learning rate [0.1]\n"
			"      --lambda X           L2 on leaf values [1]\n"
			"      --min-child X        least hessian in a leaf [1]\n"
			"      --subsample X        rows per tree [1]\n"
			"      --objective O        logistic (log loss per row) or rank\n"
			"                           (LambdaRank over each user's rows) [logistic]\n"
			"      --patience N         stop after N trees without validation gain [20]\n"
			"      --linear-l2 X        L2 of the linear part under the trees, on\n"
			"                           standardised features; 0: no linear part [1]\n"
			"      --blind-trees N      trees of a head whose validation rows have\n"
			"                           one class only (no early stopping) [0]\n"
			"      --tree-positives N   a head with a linear part and fewer validation\n"
			"                           positives (or negatives) gets --blind-trees too [10]\n"
			"First stage:\n"
			"      --hash-bits N        2^N hashed weights per head [18]\n"
			"      --epochs N           passes over the examples [2]\n"
			"      --alpha X --beta X   FTRL learning rate [0.05, 1]\n"
			"      --l1 X --l2 X        regularisation [0.5, 1]\n"
			"  -o, --output MODEL       the model file (required)\n");
		ig_cli_help_common(fp, &cli, IG_HELP_THREADS | IG_HELP_SEED);
	} else if (strcmp(subcommand, "score") == 0) {
		fprintf(fp,
			"Usage: ig-rank score -m MODEL --history FILE [options] [CANDIDATES]\n"
			"Scores a candidates (or ranked) stream and writes the ranked stream: each head's\n"
			"probability and the value model's score, best first per user.\n"
			"  -m, --model FILE         the model (ig-rank train)\n" CONTEXT_HELP
			"Ranking:\n"
			"      --value SPEC         HEAD=WEIGHT,... [" IG_RANK_VALUE_DEFAULT "]\n"
			"      --value-mode M       additive (sum of w*p) or loglinear (sum of w*log p) [additive]\n"
			"      --keep N             rows kept per user; 0: all [0]\n"
			"      --explain N          add the N largest feature contributions per row [0]\n");
		ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_THREADS);
	} else if (strcmp(subcommand, "value") == 0) {
		fprintf(fp,
			"Usage: ig-rank value --value SPEC [options] [RANKED]\n"
			"Recomputes the score of a ranked stream from its p_HEAD columns and reorders it.\n"
			"      --value SPEC         HEAD=WEIGHT,... (required)\n"
			"      --value-mode M       additive or loglinear [additive]\n"
			"      --keep N             rows kept per user; 0: all [0]\n");
		ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT);
	} else if (strcmp(subcommand, "eval") == 0) {
		fprintf(fp,
			"Usage: ig-rank eval -m MODEL [options] [EXAMPLES]\n"
			"Per-head rows, positives, AUC, log loss and expected calibration error of MODEL on\n"
			"held-out examples, as a rank-metrics stream.\n"
			"  -m, --model FILE         the model\n"
			"      --predictions FILE   each row's probabilities, in the examples' order\n");
		ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT);
	} else if (strcmp(subcommand, "info") == 0) {
		fprintf(fp, "Usage: ig-rank info MODEL\nPrints a model's kind, heads, features and provenance.\n");
	} else {
		fprintf(fp,
			"Usage: ig-rank COMMAND [options] ...\n"
			"The ranking stages of the funnel.\n"
			"Commands:\n"
			"  features  training examples with features and labels (TSV or libsvm)\n"
			"  train     a first-stage (logistic) or second-stage (trees) multi-task model\n"
			"  score     candidates -> ranked: per-head probabilities and the value score\n"
			"  value     re-score a ranked stream with other value weights\n"
			"  eval      per-head AUC, log loss and calibration on held-out examples\n"
			"  info      what a model file holds\n"
			"Run 'ig-rank COMMAND --help' for a command's options; see ig-rank(1).\n");
		ig_cli_help_common(fp, &cli, 0);
	}
}

typedef struct args {
	ig_rank_inputs in;
	ig_rank_shard shard;
	ig_rank_fopts fo;
	ig_rank_train_opts to;
	const char *labels, *impressions, *model, *distill, *value, *heads;
	const char *predictions; /* eval: per-row probabilities written here */
	int64_t at;
	int libsvm, keep, explain, value_mode, fresh_sessions;
	const char *libsvm_head;
	int stage;
} args;

/* In the order of the values they stand for: libsvm 0/1, the stages from
 * IG_RANK_LR, the IG_RANK_OBJ_ objectives, the IG_VALUE_ modes. */
static const char *const format_names[] = {"tsv", "libsvm", NULL};
static const char *const stage_names[] = {"first", "second", NULL};
static const char *const objective_names[] = {"logistic", "rank", NULL};
static const char *const value_mode_names[] = {"additive", "loglinear", NULL};

static void parse_option(args *a, int c, const char *arg)
{
	switch (c) {
	case OPT_HISTORY: a->in.history = arg; break;
	case OPT_ITEMS: a->in.items = arg; break;
	case OPT_FOLLOWS: a->in.follows = arg; break;
	case OPT_TOPICS: a->in.topics = arg; break;
	case OPT_VECTORS: a->in.vectors = arg; break;
	case OPT_NEIGHBORS: a->in.neighbors = arg; break;
	case OPT_TOWER: a->in.tower = arg; break;
	case OPT_LABELS: a->labels = arg; break;
	case OPT_IMPRESSIONS: a->impressions = arg; break;
	case OPT_AT: a->at = ig_cli_int("--at", arg, 0, 4102444800); break;
	case OPT_FRESH_SESSIONS: a->fresh_sessions = 1; break;
	case OPT_HEADS: a->heads = arg; break;
	case OPT_POSITIVES: {
		char err[256];

		if (ig_event_mask_parse(arg, &a->fo.positives, err, sizeof err) != 0)
			ig_usage_error("--positives: %s", err);
		break;
	}
	case OPT_HALF_LIFE: a->fo.half_life = ig_cli_double("--half-life", arg, 1, 1e12); break;
	case OPT_SHORT: a->fo.short_n = (int)ig_cli_int("--short", arg, 1, 100000); break;
	case OPT_LONG: a->fo.long_n = (int)ig_cli_int("--long", arg, 1, 100000); break;
	case OPT_RECENT: a->fo.recent = ig_cli_double("--recent", arg, 1, 1e12); break;
	case OPT_FORMAT:
		a->libsvm = ig_cli_choice("--format", arg, format_names, "tsv or libsvm");
		break;
	case OPT_HEAD: a->libsvm_head = arg; break;
	case OPT_STAGE:
		a->stage = IG_RANK_LR + ig_cli_choice("--stage", arg, stage_names, "first or second");
		break;
	case OPT_VALID_SHARE: a->to.valid_share = ig_cli_double("--valid-share", arg, 0, 0.9); break;
	case OPT_BAG: a->to.bag = (int)ig_cli_int("--bag", arg, 1, 100); break;
	case OPT_BINS: a->to.bins = (int)ig_cli_int("--bins", arg, 2, 256); break;
	case OPT_TREES: a->to.trees = (int)ig_cli_int("--trees", arg, 0, 100000); break;
	case OPT_DEPTH: a->to.depth = (int)ig_cli_int("--depth", arg, 1, 16); break;
	case OPT_ETA: a->to.eta = ig_cli_double("--eta", arg, 1e-6, 1); break;
	case OPT_LAMBDA: a->to.lambda = ig_cli_double("--lambda", arg, 0, 1e9); break;
	case OPT_MIN_CHILD: a->to.min_child = ig_cli_double("--min-child", arg, 0, 1e9); break;
	case OPT_SUBSAMPLE: a->to.subsample = ig_cli_double("--subsample", arg, 0.01, 1); break;
	case OPT_OBJECTIVE:
		a->to.objective = ig_cli_choice("--objective", arg, objective_names, "logistic or rank");
		break;
	case OPT_PATIENCE: a->to.patience = (int)ig_cli_int("--patience", arg, 1, 100000); break;
	case OPT_LINEAR_L2: a->to.linear_l2 = ig_cli_double("--linear-l2", arg, 0, 1e9); break;
	case OPT_BLIND_TREES: a->to.blind_trees = (int)ig_cli_int("--blind-trees", arg, 0, 100000); break;
	case OPT_PREDICTIONS: a->predictions = arg; break;
	case OPT_TREE_POSITIVES:
		a->to.tree_positives = (double)ig_cli_int("--tree-positives", arg, 0, 1000000000);
		break;
	case OPT_HASH_BITS: a->to.hash_bits = (int)ig_cli_int("--hash-bits", arg, 8, 28); break;
	case OPT_EPOCHS: a->to.epochs = (int)ig_cli_int("--epochs", arg, 1, 1000); break;
	case OPT_ALPHA: a->to.alpha = ig_cli_double("--alpha", arg, 1e-9, 1e9); break;
	case OPT_BETA: a->to.beta = ig_cli_double("--beta", arg, 0, 1e9); break;
	case OPT_L1: a->to.l1 = ig_cli_double("--l1", arg, 0, 1e9); break;
	case OPT_L2: a->to.l2 = ig_cli_double("--l2", arg, 0, 1e9); break;
	case OPT_DISTILL: a->distill = arg; break;
	case 'm': a->model = arg; break;
	case OPT_KEEP: a->keep = (int)ig_cli_int("--keep", arg, 0, 100000000); break;
	case OPT_VALUE: a->value = arg; break;
	case OPT_VALUE_MODE:
		a->value_mode = ig_cli_choice("--value-mode", arg, value_mode_names, "additive or loglinear");
		break;
	case OPT_EXPLAIN: a->explain = (int)ig_cli_int("--explain", arg, 0, 64); break;
	case OPT_SHARD:
		if (ig_parse_shard(arg, &a->shard.index, &a->shard.count) != 0)
			ig_usage_error("--shard: invalid value '%s' (I/N with 0 <= I < N)", arg);
		break;
	default: ig_usage_error("unknown option");
	}
}

static const char *input_arg(int argc, char **argv, int at);

/* The options of all the ig-rank commands, which share one parser. */
static const struct option rank_longopts[] = {
	IG_CLI_LONGOPTS,
	{"history", required_argument, NULL, OPT_HISTORY},
	{"items", required_argument, NULL, OPT_ITEMS},
	{"follows", required_argument, NULL, OPT_FOLLOWS},
	{"topics", required_argument, NULL, OPT_TOPICS},
	{"vectors", required_argument, NULL, OPT_VECTORS},
	{"neighbors", required_argument, NULL, OPT_NEIGHBORS},
	{"tower", required_argument, NULL, OPT_TOWER},
	{"labels", required_argument, NULL, OPT_LABELS},
	{"impressions", required_argument, NULL, OPT_IMPRESSIONS},
	{"at", required_argument, NULL, OPT_AT},
	{"fresh-sessions", no_argument, NULL, OPT_FRESH_SESSIONS},
	{"heads", required_argument, NULL, OPT_HEADS},
	{"positives", required_argument, NULL, OPT_POSITIVES},
	{"half-life", required_argument, NULL, OPT_HALF_LIFE},
	{"short", required_argument, NULL, OPT_SHORT},
	{"long", required_argument, NULL, OPT_LONG},
	{"recent", required_argument, NULL, OPT_RECENT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"head", required_argument, NULL, OPT_HEAD},
	{"stage", required_argument, NULL, OPT_STAGE},
	{"valid-share", required_argument, NULL, OPT_VALID_SHARE},
	{"bag", required_argument, NULL, OPT_BAG},
	{"bins", required_argument, NULL, OPT_BINS},
	{"trees", required_argument, NULL, OPT_TREES},
	{"depth", required_argument, NULL, OPT_DEPTH},
	{"eta", required_argument, NULL, OPT_ETA},
	{"lambda", required_argument, NULL, OPT_LAMBDA},
	{"min-child", required_argument, NULL, OPT_MIN_CHILD},
	{"subsample", required_argument, NULL, OPT_SUBSAMPLE},
	{"objective", required_argument, NULL, OPT_OBJECTIVE},
	{"patience", required_argument, NULL, OPT_PATIENCE},
	{"linear-l2", required_argument, NULL, OPT_LINEAR_L2},
	{"blind-trees", required_argument, NULL, OPT_BLIND_TREES},
	{"tree-positives", required_argument, NULL, OPT_TREE_POSITIVES},
	{"hash-bits", required_argument, NULL, OPT_HASH_BITS},
	{"epochs", required_argument, NULL, OPT_EPOCHS},
	{"alpha", required_argument, NULL, OPT_ALPHA},
	{"beta", required_argument, NULL, OPT_BETA},
	{"l1", required_argument, NULL, OPT_L1},
	{"l2", required_argument, NULL, OPT_L2},
	{"distill", required_argument, NULL, OPT_DISTILL},
	{"model", required_argument, NULL, 'm'},
	{"keep", required_argument, NULL, OPT_KEEP},
	{"value", required_argument, NULL, OPT_VALUE},
	{"value-mode", required_argument, NULL, OPT_VALUE_MODE},
	{"explain", required_argument, NULL, OPT_EXPLAIN},
	{"predictions", required_argument, NULL, OPT_PREDICTIONS},
	{"shard", required_argument, NULL, OPT_SHARD},
	{NULL, 0, NULL, 0}
};

/* Checks the options together, and completes A from the common ones. */
static void check_args(args *a, int argc, char **argv)
{
	if (a->fo.short_n > a->fo.long_n)
		ig_usage_error("--short must not exceed --long");
	if (argc - optind > 1)
		ig_usage_error("one input at most");
	a->shard.tmpdir = cli.tmpdir;
	{
		const char *inputs[] = {input_arg(argc, argv, optind), a->in.history, a->in.items, a->in.follows,
					a->in.topics, a->in.vectors, a->in.neighbors, a->labels, a->impressions,
					a->distill, a->model};
		ig_cli_check_output(cli.output, inputs, (int)(sizeof inputs / sizeof inputs[0]));
	}
}

static int parse_args(args *a, int argc, char **argv)
{
	int c;

	memset(a, 0, sizeof *a);
	ig_rank_fopts_default(&a->fo);
	ig_rank_train_opts_default(&a->to, IG_RANK_GBDT);
	a->at = -1;
	a->stage = IG_RANK_GBDT;
	optind = 2;
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "m:", rank_longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg))
			continue;
		parse_option(a, c, optarg);
	}
	check_args(a, argc, argv);
	return optind;
}

static const char *input_arg(int argc, char **argv, int at)
{
	return at < argc ? argv[at] : "-";
}

/* Splits a comma list into names; returns the count. */
static int split_list(const char *s, char ***out)
{
	char *copy = ig_strdup(s), *cursor = copy, *tok, **v = NULL;
	int n = 0, got;

	while ((got = ig_seplist_next(&cursor, ',', &tok)) != 0) {
		if (got < 0)
			ig_usage_error("--heads: empty element in '%s'", s);
		v = ig_reallocarray(v, (size_t)n + 1, sizeof *v);
		v[n++] = ig_strdup(tok);
	}
	free(copy);
	*out = v;
	return n;
}

static void free_list(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* What --shard held and left out: said, as a row silently missing would
 * be a bug. */
static void shard_skipped(const ig_rank_ctx *c, const ig_rank_shard *s, uint64_t users, uint64_t rows,
			  const char *what)
{
	ig_rank_history_stats h;

	if (s->count <= 1 || cli.verbosity < 0)
		return;
	ig_rank_ctx_history_stats(c, &h);
	fprintf(stderr,
		"%s: --shard %u/%u: the history of %llu of %llu users held (%llu of %llu events); "
		"%llu %s of %llu users of other shards skipped\n",
		ig_progname, s->index, s->count, (unsigned long long)h.users_held, (unsigned long long)h.users,
		(unsigned long long)h.events_held, (unsigned long long)h.events, (unsigned long long)rows, what,
		(unsigned long long)users);
}

/* The checks of features' options together. */
static void check_features(const args *a, int argc, int at)
{
	if (a->in.history == NULL)
		ig_usage_error("--history is required");
	if ((a->labels == NULL) == (a->impressions == NULL))
		ig_usage_error("one of --labels (with candidates) or --impressions is required");
	if (a->impressions && at < argc)
		ig_usage_error("--impressions takes no candidates");
	if (a->fresh_sessions && a->impressions == NULL)
		ig_usage_error("--fresh-sessions needs --impressions");
}

/* The heads of --heads (or the default ones): event types or 'any', each
 * named once; returns their count. */
static int parse_heads(const char *list, char ***heads)
{
	int nhead = split_list(list ? list : "view,like,comment,share,save,follow,see_less,hide", heads), h, k;
	char **v = *heads;

	if (nhead == 0 || nhead > IG_RANK_MAX_HEADS)
		ig_usage_error("--heads: 1 to %d event types", IG_RANK_MAX_HEADS);
	for (h = 0; h < nhead; h++) {
		if (ig_event_parse(v[h]) < 0 && strcmp(v[h], "any") != 0)
			ig_usage_error("--heads: '%s' is not an event type or 'any'", v[h]);
		for (k = 0; k < h; k++)
			if (strcmp(v[k], v[h]) == 0)
				ig_usage_error("--heads: '%s' named twice", v[h]);
	}
	return nhead;
}

/* The head whose label a --format libsvm file holds, as an index into
 * HEADS; -1 for the tsv format, which holds them all. */
static int libsvm_head_index(const args *a, char **heads, int nhead)
{
	int h;

	if (!a->libsvm)
		return -1;
	if (a->libsvm_head == NULL)
		ig_usage_error("--format libsvm needs --head (the label of the file)");
	for (h = 0; h < nhead && strcmp(heads[h], a->libsvm_head) != 0; h++)
		;
	if (h == nhead)
		ig_usage_error("--head: '%s' is not one of --heads", a->libsvm_head);
	return h;
}

/* The examples of the candidates stream at PATH, labelled by --labels. */
static void features_of_candidates(const args *a, const char *path, ig_rank_ctx *c, const ig_rank_build_opts *bo,
				   ig_rank_build_stats *st, ig_writer *w)
{
	ig_rank_cands *in = ig_rank_cands_open(path);

	ig_rank_cands_set_shard(in, a->shard.index, a->shard.count);
	ig_rank_ctx_set_sources(c, ig_rank_cands_sources(in), ig_rank_cands_nsources(in));
	if (!a->libsvm)
		ig_rank_examples_write_header(w, c, (const char *const *)bo->heads, bo->nhead, ig_rank_cands_header(in));
	ig_rank_build_candidates(c, in, a->labels, w, bo, st);
	st->skipped_rows = ig_rank_cands_skipped(in, &st->skipped_users);
	ig_rank_cands_close(in);
}

static int cmd_features(int argc, char **argv)
{
	args a;
	int at = parse_args(&a, argc, argv), nhead;
	char **heads;
	ig_rank_ctx *c;
	ig_rank_build_opts bo;
	ig_rank_build_stats st;
	ig_writer *w;

	check_features(&a, argc, at);
	nhead = parse_heads(a.heads, &heads);
	memset(&bo, 0, sizeof bo);
	memset(&st, 0, sizeof st);
	bo.heads = heads;
	bo.nhead = nhead;
	bo.any = a.fo.positives;
	bo.at = a.at;
	bo.fresh_sessions = a.fresh_sessions;
	bo.libsvm_head = libsvm_head_index(&a, heads, nhead);
	c = ig_rank_ctx_load_shard(&a.in, &a.fo, &a.shard);
	w = ig_cli_open_output(&cli);
	if (a.labels) {
		features_of_candidates(&a, input_arg(argc, argv, at), c, &bo, &st, w);
	} else {
		if (!a.libsvm)
			ig_rank_examples_write_header(w, c, (const char *const *)heads, nhead, NULL);
		ig_rank_build_impressions(c, a.impressions, w, &bo, &st);
	}
	ig_writer_close(w);
	shard_skipped(c, &a.shard, st.skipped_users, st.skipped_rows, a.labels ? "candidates" : "impressions");
	ig_cli_summary(&cli, "%llu users, %llu examples, %d features", (unsigned long long)st.users,
		       (unsigned long long)st.rows, ig_rank_nfeatures(c));
	ig_rank_ctx_free(c);
	free_list(heads, nhead);
	return 0;
}

/* Keeps the label columns named in LIST, in its order. */
static void select_heads(ig_rank_examples *e, const char *list)
{
	char **names;
	int n = split_list(list, &names), i, h, *col;
	float *y;
	size_t r;

	if (n == 0 || n > IG_RANK_MAX_HEADS)
		ig_usage_error("--heads: 1 to %d names", IG_RANK_MAX_HEADS);
	col = ig_malloc((size_t)n * sizeof *col);
	for (i = 0; i < n; i++) {
		for (h = 0; h < i; h++)
			if (strcmp(names[h], names[i]) == 0)
				ig_usage_error("--heads: '%s' named twice", names[i]);
		for (h = 0; h < e->nhead && strcmp(e->head[h], names[i]) != 0; h++)
			;
		if (h == e->nhead)
			ig_die("--heads: the examples have no label y_%s", names[i]);
		col[i] = h;
	}
	y = ig_malloc((e->n + 1) * (size_t)n * sizeof *y);
	for (r = 0; r < e->n; r++)
		for (i = 0; i < n; i++)
			y[r * (size_t)n + (size_t)i] = e->y[r * (size_t)e->nhead + (size_t)col[i]];
	/* the names in the new order from a copy of the old: in place, a
	 * head moved forward would be read back under its new name */
	{
		char **old = ig_malloc((size_t)e->nhead * sizeof *old);

		memcpy(old, e->head, (size_t)e->nhead * sizeof *old);
		for (i = 0; i < n; i++)
			e->head[i] = old[col[i]];
		free(old);
	}
	free(e->y);
	e->y = y;
	e->nhead = n;
	free(col);
	free_list(names, n);
}

/* The teacher's probabilities as soft labels, for the heads it has. */
static float *distill_labels(const ig_rank_examples *e, const char *path)
{
	ig_rank_model *t = ig_rank_model_load(path);
	int nf = ig_rank_model_nfeatures(t), nh = ig_rank_model_nheads(t), h, k, f;
	int *map = ig_rank_model_map(t, e->feat, e->nfeat, "the examples");
	float *soft = ig_malloc((e->n + 1) * (size_t)e->nhead * sizeof *soft), *x = ig_malloc(((size_t)nf + 1) * sizeof *x);
	double *p = ig_malloc((size_t)nh * sizeof *p);
	size_t r;

	for (r = 0; r < e->n; r++) {
		for (f = 0; f < nf; f++)
			x[f] = e->x[r * (size_t)e->nfeat + (size_t)map[f]];
		ig_rank_predict(t, x, e->user_hash[r], e->item_hash[r], p);
		for (h = 0; h < e->nhead; h++) {
			for (k = 0; k < nh && strcmp(ig_rank_model_head(t, k), e->head[h]) != 0; k++)
				;
			soft[r * (size_t)e->nhead + (size_t)h] =
			    k < nh ? (float)p[k] : e->y[r * (size_t)e->nhead + (size_t)h];
		}
	}
	free(map);
	free(x);
	free(p);
	ig_rank_model_free(t);
	return soft;
}

static void print_report(const ig_rank_head_report *rep, int n)
{
	int h;

	fprintf(stderr, "%-10s %8s %9s %7s %8s %8s %8s %6s\n", "head", "rows", "positives", "auc", "logloss",
		"ece_raw", "ece", "iters");
	for (h = 0; h < n; h++) {
		const ig_rank_head_report *r = &rep[h];

		if (r->constant)
			fprintf(stderr, "%-10s %8zu %9zu one class in the training rows: predicts the base rate\n",
				r->head, r->rows, r->positives);
		else
			fprintf(stderr, "%-10s %8zu %9zu %7.4f %8.5f %8.5f %8.5f %6.0f\n", r->head, r->rows,
				r->positives, r->auc, r->logloss, r->ece_raw, r->ece, r->iterations);
	}
}

static int cmd_train(int argc, char **argv)
{
	args a;
	int at = parse_args(&a, argc, argv);
	ig_rank_examples *e;
	ig_rank_model *m;
	ig_rank_head_report rep[IG_RANK_MAX_HEADS];
	float *soft = NULL;
	char prov[4096];

	if (cli.output == NULL || strcmp(cli.output, "-") == 0)
		ig_usage_error("-o MODEL is required (a model is a binary file)");
	e = ig_rank_examples_read(input_arg(argc, argv, at));
	if (e->n == 0)
		ig_die("%s: no examples: nothing to train on", input_arg(argc, argv, at));
	if (a.heads)
		select_heads(e, a.heads);
	if (a.distill)
		soft = distill_labels(e, a.distill);
	a.to.kind = a.stage;
	a.to.threads = cli.threads;
	a.to.seed = cli.seed;
	snprintf(prov, sizeof prov, "%s %s; %zu examples", ig_progname, cli.cmdline, e->n);
	memset(rep, 0, sizeof rep);
	m = ig_rank_train(e, soft, &a.to, prov, rep);
	ig_rank_model_save(m, cli.output);
	if (cli.verbosity >= 0)
		print_report(rep, e->nhead);
	ig_cli_summary(&cli, "%zu examples, %d features, %d heads, %s model", e->n, e->nfeat, e->nhead,
		       a.stage == IG_RANK_LR ? "first-stage" : "second-stage");
	free(soft);
	ig_rank_model_free(m);
	ig_rank_examples_free(e);
	return 0;
}

static void bind_value(const args *a, char *const *heads, int nhead, double *w)
{
	ig_rank_value v;
	char err[256];

	if (ig_rank_value_parse(a->value ? a->value : IG_RANK_VALUE_DEFAULT, &v, err, sizeof err) != 0)
		ig_usage_error("--value: %s", err);
	/* the default names every head it knows; a given spec must match */
	if (ig_rank_value_bind(&v, heads, nhead, w, a->value != NULL, err, sizeof err) != 0)
		ig_usage_error("--value: %s", err);
	v.mode = a->value_mode;
}

static int cmd_value(int argc, char **argv)
{
	args a;
	int at = parse_args(&a, argc, argv);
	ig_rank_value v;
	char err[256];
	ig_writer *w;
	uint64_t n;

	if (a.value == NULL)
		ig_usage_error("--value is required");
	if (ig_rank_value_parse(a.value, &v, err, sizeof err) != 0)
		ig_usage_error("--value: %s", err);
	v.mode = a.value_mode;
	w = ig_cli_open_output(&cli);
	n = ig_rank_value_stream(input_arg(argc, argv, at), w, &v, a.keep);
	ig_writer_close(w);
	ig_cli_summary(&cli, "%llu rows", (unsigned long long)n);
	return 0;
}

/* A ranked stream of before the retrieval_rank and retrieval_rel columns
 * (or one made by hand) gets them computed among its own rows: the
 * survivors of the stage before, not the candidates the model's examples
 * ranked them among. Said when the model reads them. */
static void warn_relative(const ig_rank_cands *in, const ig_rank_model *m)
{
	int i;

	if (strcmp(ig_rank_cands_header(in)->kind, "ranked") != 0 || ig_rank_cands_carries_relative(in))
		return;
	for (i = 0; i < ig_rank_model_nfeatures(m); i++) {
		const char *f = ig_rank_model_feature(m, i);

		if (strcmp(f, "retrieval_rank") == 0 || strcmp(f, "retrieval_rel") == 0) {
			ig_warn("%s: a ranked stream without retrieval_rank and retrieval_rel columns (written "
				"before ig-rank carried them): the model's retrieval rank and relative score are "
				"computed among its rows, where its examples had them among all the candidates",
				ig_rank_cands_name(in));
			return;
		}
	}
}

static int cmd_score(int argc, char **argv)
{
	args a;
	int at = parse_args(&a, argc, argv), nhead, ncols, i;
	ig_rank_model *m;
	ig_rank_ctx *c;
	ig_rank_cands *in;
	ig_rank_score_opts so;
	ig_rank_score_stats st;
	double w[IG_RANK_MAX_HEADS];
	char **heads, **cols;
	ig_writer *wr;
	uint64_t skipped_rows, skipped_users;

	if (a.model == NULL)
		ig_usage_error("-m MODEL is required");
	if (a.in.history == NULL)
		ig_usage_error("--history is required");
	m = ig_rank_model_load(a.model);
	if (ig_rank_fopts_parse(ig_rank_model_fopts(m), &a.fo) != 0)
		ig_die("%s: bad feature options '%s'", a.model, ig_rank_model_fopts(m));
	nhead = ig_rank_model_nheads(m);
	heads = ig_malloc((size_t)nhead * sizeof *heads);
	for (i = 0; i < nhead; i++)
		heads[i] = (char *)ig_rank_model_head(m, i);
	bind_value(&a, heads, nhead, w);
	in = ig_rank_cands_open(input_arg(argc, argv, at));
	ig_rank_cands_set_shard(in, a.shard.index, a.shard.count);
	c = ig_rank_ctx_load_shard(&a.in, &a.fo, &a.shard);
	ig_rank_ctx_set_sources(c, ig_rank_cands_sources(in), ig_rank_cands_nsources(in));
	warn_relative(in, m);
	memset(&so, 0, sizeof so);
	so.keep = a.keep;
	so.explain = a.explain;
	so.threads = cli.threads;
	so.at = a.at;
	so.value_mode = a.value_mode;
	so.value_w = w;
	ncols = ig_rank_ranked_cols(heads, nhead, ig_rank_cands_sources(in), ig_rank_cands_nsources(in),
				    a.explain, &cols);
	wr = ig_cli_open_output(&cli);
	ig_schema_write_header_cols(wr, IG_STREAM_RANKED, (const char *const *)cols, ncols,
				    ig_rank_cands_header(in));
	ig_rank_score_stream(c, m, in, wr, &so, &st);
	ig_writer_close(wr);
	skipped_rows = ig_rank_cands_skipped(in, &skipped_users);
	shard_skipped(c, &a.shard, skipped_users, skipped_rows, "candidates");
	ig_cli_summary(&cli,
		       "%llu users, %llu candidates, %llu ranked; %.0f candidates/s scoring (a thread, CPU time)",
		       (unsigned long long)st.users, (unsigned long long)st.rows_in,
		       (unsigned long long)st.rows_out,
		       st.seconds_scoring > 0 ? (double)st.rows_in / st.seconds_scoring : 0.0);
	ig_rank_cols_free(cols, ncols);
	ig_rank_cands_close(in);
	ig_rank_ctx_free(c);
	ig_rank_model_free(m);
	free(heads);
	return 0;
}

static void put_metric(ig_writer *w, double v)
{
	ig_writer_putc(w, '\t');
	if (!isnan(v))
		ig_writer_put_double(w, v, 6);
}

/* The predictions stream: row (from 1, in the examples' order) and
 * p_HEAD per head of M, from the N x nheads probabilities P. */
static void write_predictions(const char *path, const ig_rank_model *m, const double *p, size_t n,
			      const ig_header *upstream)
{
	int nh = ig_rank_model_nheads(m), h;
	char **cols = ig_malloc(((size_t)nh + 1) * sizeof *cols);
	ig_writer *w = ig_cli_open_writer(&cli, path, cli.compress == IG_COMPRESS_NO ? 0 : 1, cli.level);
	size_t r;

	cols[0] = ig_strdup("row");
	for (h = 0; h < nh; h++)
		cols[h + 1] = ig_rank_head_col(ig_rank_model_head(m, h));
	ig_schema_write_header_cols(w, IG_STREAM_PREDICTIONS, (const char *const *)cols, nh + 1, upstream);
	for (r = 0; r < n; r++) {
		ig_writer_printf(w, "%zu", r + 1);
		for (h = 0; h < nh; h++)
			ig_writer_printf(w, "\t%.6g", p[r * (size_t)nh + (size_t)h]);
		ig_writer_putc(w, '\n');
	}
	ig_writer_close(w);
	ig_rank_cols_free(cols, nh + 1);
}

/* The model's probabilities of every example, a row of heads per example
 * (MAP: the example column of each model feature); *CPU: the CPU time
 * they took. */
static double *predict_examples(const ig_rank_model *m, const ig_rank_examples *e, const int *map, double *cpu)
{
	int nh = ig_rank_model_nheads(m), nf = ig_rank_model_nfeatures(m), f;
	double *p = ig_malloc((e->n + 1) * (size_t)nh * sizeof *p), t0;
	float *x = ig_malloc(((size_t)nf + 1) * sizeof *x);
	size_t r;

	t0 = ig_thread_cpu();
	for (r = 0; r < e->n; r++) {
		for (f = 0; f < nf; f++)
			x[f] = e->x[r * (size_t)e->nfeat + (size_t)map[f]];
		ig_rank_predict(m, x, e->user_hash[r], e->item_hash[r], p + r * (size_t)nh);
	}
	*cpu = ig_thread_cpu() - t0;
	free(x);
	return p;
}

/* A rank-metrics row per head of the model that the examples label:
 * rows, positives, AUC, log loss and calibration error of P. */
static void write_head_metrics(ig_writer *w, const ig_rank_model *m, const ig_rank_examples *e, const double *p)
{
	int nh = ig_rank_model_nheads(m), h, k;
	double *ph = ig_malloc((e->n + 1) * sizeof *ph);
	float *y = ig_malloc((e->n + 1) * sizeof *y);
	size_t r, pos;

	for (h = 0; h < nh; h++) {
		for (k = 0; k < e->nhead && strcmp(e->head[k], ig_rank_model_head(m, h)) != 0; k++)
			;
		if (k == e->nhead)
			continue;
		for (r = 0, pos = 0; r < e->n; r++) {
			ph[r] = p[r * (size_t)nh + (size_t)h];
			y[r] = e->y[r * (size_t)e->nhead + (size_t)k];
			pos += y[r] >= 0.5f;
		}
		ig_writer_printf(w, "%s\t%zu\t%zu", ig_rank_model_head(m, h), e->n, pos);
		put_metric(w, ig_rank_auc(ph, y, e->n));
		put_metric(w, ig_rank_logloss(ph, y, e->n));
		put_metric(w, ig_rank_ece(ph, y, e->n, 10));
		ig_writer_putc(w, '\n');
	}
	free(ph);
	free(y);
}

static int cmd_eval(int argc, char **argv)
{
	args a;
	int at = parse_args(&a, argc, argv), *map;
	ig_rank_examples *e;
	ig_rank_model *m;
	double *p, t_predict;
	ig_writer *w;

	if (a.model == NULL)
		ig_usage_error("-m MODEL is required");
	if (a.predictions) {
		const char *in[] = {input_arg(argc, argv, at), a.model};

		ig_cli_check_extra_output(&cli, a.predictions, "--predictions", in, 2);
	}
	m = ig_rank_model_load(a.model);
	e = ig_rank_examples_read(input_arg(argc, argv, at));
	map = ig_rank_model_map(m, e->feat, e->nfeat, input_arg(argc, argv, at));
	p = predict_examples(m, e, map, &t_predict);
	/* -o opened first: one that cannot be created leaves no predictions */
	w = ig_cli_open_output(&cli);
	if (a.predictions)
		write_predictions(a.predictions, m, p, e->n, &e->hdr);
	ig_schema_write_header(w, IG_STREAM_RANK_METRICS, NULL, 0, &e->hdr);
	write_head_metrics(w, m, e, p);
	ig_writer_close(w);
	ig_cli_summary(&cli, "%zu examples, %d heads; %.0f rows/s predicting (one thread, CPU time)", e->n,
		       ig_rank_model_nheads(m), t_predict > 0 ? (double)e->n / t_predict : 0.0);
	free(p);
	free(map);
	ig_rank_examples_free(e);
	ig_rank_model_free(m);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	ig_rank_model *m;
	int i;

	optind = 2;
	while ((i = getopt_long(argc, argv, "hV", (const struct option[]){{"help", no_argument, NULL, 'h'},
									 {"version", no_argument, NULL, 'V'},
									 {NULL, 0, NULL, 0}},
				NULL)) != -1)
		ig_cli_option(&cli, i, optarg);
	if (argc - optind != 1)
		ig_usage_error("one model file");
	m = ig_rank_model_load(argv[optind]);
	printf("kind\t%s\n", ig_rank_model_kind(m) == IG_RANK_LR ? "first-stage (hashed logistic regression)"
								 : "second-stage (gradient-boosted trees)");
	printf("heads\t");
	for (i = 0; i < ig_rank_model_nheads(m); i++)
		printf("%s%s", i ? "," : "", ig_rank_model_head(m, i));
	printf("\nfeatures\t");
	for (i = 0; i < ig_rank_model_nfeatures(m); i++)
		printf("%s%s", i ? "," : "", ig_rank_model_feature(m, i));
	printf("\nfeature_options\t%s\nprovenance\t%s\n", ig_rank_model_fopts(m), ig_rank_model_provenance(m));
	ig_rank_model_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	ig_cli_init(&cli, argc, argv, usage);
	if (argc < 2 || argv[1][0] == '-') {
		int c;

		while ((c = getopt_long(argc, argv, "hVvq", (const struct option[]){{"help", no_argument, NULL, 'h'},
										  {"version", no_argument, NULL, 'V'},
										  {"verbose", no_argument, NULL, 'v'},
										  {"quiet", no_argument, NULL, 'q'},
										  {NULL, 0, NULL, 0}},
					NULL)) != -1)
			ig_cli_option(&cli, c, optarg);
		ig_usage_error("a command is required: features, train, score, value, eval or info");
	}
	subcommand = argv[1];
	if (strcmp(subcommand, "features") == 0)
		return cmd_features(argc, argv);
	if (strcmp(subcommand, "train") == 0)
		return cmd_train(argc, argv);
	if (strcmp(subcommand, "score") == 0)
		return cmd_score(argc, argv);
	if (strcmp(subcommand, "eval") == 0)
		return cmd_eval(argc, argv);
	if (strcmp(subcommand, "value") == 0)
		return cmd_value(argc, argv);
	if (strcmp(subcommand, "info") == 0)
		return cmd_info(argc, argv);
	subcommand = "";
	ig_usage_error("unknown command '%s'", argv[1]);
}
