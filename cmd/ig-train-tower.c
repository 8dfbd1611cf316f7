/* ig-train-tower: a two-tower retrieval model learnt from events (and,
 * optionally, items, follows and topics); writes item and user vectors in
 * the word2vec format and a model that embeds new items and users later. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "io/ig_tsv.h"
#include "io/ig_vectors.h"
#include "io/ig_writer.h"
#include "tower/ig_tower.h"

enum {
	OPT_ITEMS = IG_OPT_FIRST_TOOL,
	OPT_FOLLOWS,
	OPT_TOPICS,
	OPT_EVENTS,
	OPT_WEIGHTS,
	OPT_MIN_VIEW,
	OPT_DIM,
	OPT_EMB,
	OPT_HIDDEN,
	OPT_SHORT,
	OPT_LONG,
	OPT_MAX_FOLLOWS,
	OPT_EPOCHS,
	OPT_PATIENCE,
	OPT_BATCH,
	OPT_UNIFORM_NEGATIVES,
	OPT_LR,
	OPT_AVERAGE,
	OPT_TEMPERATURE,
	OPT_NO_LOGQ,
	OPT_SEEN_NEGATIVES,
	OPT_ID_DROPOUT,
	OPT_DIGITS,
	OPT_AT
};

#define DEFAULT_DIGITS 6

static ig_cli cli;
static int embed_mode;

static void usage(FILE *fp)
{
	ig_tower_opts d;

	ig_tower_opts_default(&d);
	fprintf(fp,
		"Usage: ig-train-tower [train] [options] -o PREFIX [EVENTS]\n"
		"       ig-train-tower embed -m MODEL [options] -o PREFIX [--items F] [--events F]\n"
		"Learns a two-tower retrieval model from an events stream sorted by user, ts\n"
		"[stdin]: a user tower (history, follows, affinities) and an item tower (id,\n"
		"author, topics, media, age), trained with a sampled softmax over in-batch\n"
		"negatives with the logQ correction. Writes PREFIX.items.vec, PREFIX.users.vec\n"
		"(word2vec text format) and PREFIX.model. embed computes the vectors of the\n"
		"items of --items and the users of --events with a trained model.\n"
		"Inputs (all optional but EVENTS):\n"
		"      --items FILE       items stream: authors, media, created, topics\n"
		"      --follows FILE     follows stream: the authors each user follows\n"
		"      --topics FILE      topics stream: topics pool their ancestors too\n"
		"      --events FILE      (embed) the users to embed, from their histories\n"
		"  -m, --model FILE       (embed) a model written by training\n"
		"      --at TS            (embed) time of the vectors: items' age, follows\n"
		"                         [latest event of --events, else the model's]\n"
		"Training examples:\n"
		"      --weights SPEC     event weights; 0 drops a type\n"
		"                         [share=3,save=3,comment=2,like=2,follow=2,view=1]\n"
		"      --min-view X       a view counts only with value >= X [0]\n"
		"Model:\n"
		"      --dim N            output dimensions [%u]\n"
		"      --emb N            dimensions of every feature embedding [%u]\n"
		"      --hidden N         hidden units of each tower [%u]\n"
		"      --short N          short-term history: the last N engagements [%u]\n"
		"      --long N           long-term history: at most the last N [%u]\n"
		"      --max-follows N    followed authors pooled, the latest [%u]\n"
		"Training:\n"
		"      --epochs N         passes over the examples, at most [%d]\n"
		"      --patience N       hold out each user's last engagement (of %u users at\n"
		"                         most), stop after N epochs without a better recall\n"
		"                         of them, and keep the best epoch; 0: no early stop [%d]\n"
		"      --batch N          examples per batch, the in-batch negatives [%u]\n"
		"      --uniform-negatives N  further negatives a batch, items drawn uniformly\n"
		"                         from those with examples (mixed negatives) [%u]\n"
		"      --lr X             Adagrad learning rate [%g]\n"
		"      --average X        score and keep the moving average of the parameters\n"
		"                         over about the last X epochs' steps; 0: the last\n"
		"                         step's [%g]\n"
		"      --temperature X    softmax temperature of the cosine [%g]\n"
		"      --no-logq          no correction for the items' sampling probability\n"
		"      --seen-negatives   the items a user engaged with before an example by\n"
		"                         more than a view are its negatives too (by default\n"
		"                         they are not)\n"
		"      --id-dropout P     hide an item's id with probability P [%g], so that\n"
		"                         the tower learns to place items by their features\n"
		"                         (items with features besides their id)\n"
		"Vectors:\n"
		"      --digits N         significant digits, 1-9 (9 is exact) [%d]\n",
		d.dim, d.emb, d.hidden, d.short_n, d.long_n, d.max_follows, d.epochs, d.holdout_users, d.patience,
		d.batch, d.uniform_negatives, d.lr, d.average, d.temperature, d.id_dropout, DEFAULT_DIGITS);
	fprintf(fp, "Common options:\n"
		    "  -o, --output PREFIX    prefix of the files written (required)\n");
	ig_cli_help_common(fp, &cli, IG_HELP_THREADS | IG_HELP_SEED);
	fprintf(fp,
		"      --memory SIZE    refuse to start when the histories and the model need more [%lluM]\n",
		(unsigned long long)(cli.memory >> 20));
}

typedef struct side_files {
	const char *items, *follows, *topics;
	ig_items *it;
	ig_follows *fo;
	ig_topics *to;
	ig_intern *follow_authors;  /* owned when there is no items stream */
	ig_tower_side side;
} side_files;

static void side_load(side_files *s)
{
	s->it = s->items ? ig_items_load(s->items) : NULL;
	if (s->topics != NULL) {
		if (s->it == NULL)
			ig_usage_error("--topics needs --items (the topics of each item)");
		s->to = ig_topics_load(s->topics, s->it->topics);
	}
	s->follow_authors = s->it ? s->it->authors : ig_intern_new();
	if (s->follows != NULL)
		s->fo = ig_follows_load(s->follows, s->follow_authors);
	s->side.items = s->it;
	s->side.follows = s->fo;
	s->side.topics = s->to;
}

static void side_free(side_files *s)
{
	if (s->it == NULL)
		ig_intern_free(s->follow_authors);
	ig_follows_free(s->fo);
	ig_topics_free(s->to);
	ig_items_free(s->it);
}

static char *path_of(const char *prefix, const char *suffix)
{
	size_t n = strlen(prefix) + strlen(suffix) + 1;
	char *p = ig_malloc(n);

	snprintf(p, n, "%s%s", prefix, suffix);
	return p;
}

static void on_progress(void *ctx, double fraction, double loss)
{
	(void)ctx;
	ig_cli_progress(&cli, "%.1f%%, batch loss %.4f", fraction * 100, loss);
}

static void on_epoch(void *ctx, const ig_tower_epoch *e)
{
	const int *epochs = ctx;

	if (!(cli.verbosity > 0 || (cli.verbosity == 0 && isatty(STDERR_FILENO))))
		return;
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: epoch %d/%d: loss %.4f over %llu examples, %.0f examples/s, %.2f s", ig_progname,
		e->epoch, *epochs, e->loss, (unsigned long long)e->examples,
		e->seconds > 0 ? (double)e->examples / e->seconds : 0, e->seconds);
	if (e->held_out >= 0)
		fprintf(stderr, "; held-out recall@%u %.4f (best: epoch %d)", e->k, e->held_out, e->best);
	fputc('\n', stderr);
}

/* The first N ids of IDS can be words of the vectors files: checked
 * before anything is written, so that a failed run leaves no model (or
 * items file) without the rest. */
static void check_ids(const ig_intern *ids, uint32_t n, const char *what)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!ig_vectors_name_ok(ig_intern_str(ids, i), ig_intern_len(ids, i)))
			ig_die("%s id '%s' has a space: the word2vec format cannot hold it", what,
			       ig_esc(ig_intern_str(ids, i)));
}

/* One of the outputs, uncompressed: the vectors (word2vec text) or the model. */
static ig_writer *open_plain(const char *path)
{
	return ig_cli_open_writer(&cli, path, IG_COMPRESS_NO, cli.level);
}

/* Item vectors of every catalog item, user vectors of every user of C, to
 * W, left open: the outputs are closed together (ig_writer_close_set). */
static uint64_t write_items(ig_writer *w, const ig_tower_model *m, const ig_tower_catalog *cat, int64_t at,
			    int digits)
{
	ig_tower_scratch *s = ig_tower_scratch_new(m);
	uint32_t dim = ig_tower_model_dim(m), i;
	float *v = ig_reallocarray(NULL, dim, sizeof *v);

	ig_vectors_write_header(w, cat->n, dim);
	for (i = 0; i < cat->n; i++) {
		ig_tower_embed_item(m, cat, i, at, s, v);
		ig_vectors_write_row(w, IG_VECTORS_TEXT, digits, ig_intern_str(cat->ids, i), ig_intern_len(cat->ids, i),
				     v, dim);
	}
	ig_tower_scratch_free(s);
	free(v);
	return cat->n;
}

static uint64_t write_users(ig_writer *w, const ig_tower_model *m, const ig_tower_catalog *cat,
			    const ig_tower_corpus *c, int64_t at, int digits)
{
	ig_tower_scratch *s = ig_tower_scratch_new(m);
	uint32_t dim = ig_tower_model_dim(m), u;
	float *v = ig_reallocarray(NULL, dim, sizeof *v);

	ig_vectors_write_header(w, c->nusers, dim);
	for (u = 0; u < c->nusers; u++) {
		ig_tower_user view = ig_tower_corpus_user(c, u, (size_t)(c->start[u + 1] - c->start[u]));

		ig_tower_embed_user(m, cat, &view, at, s, v);
		ig_vectors_write_row(w, IG_VECTORS_TEXT, digits, ig_intern_str(c->users, u),
				     ig_intern_len(c->users, u), v, dim);
	}
	ig_tower_scratch_free(s);
	free(v);
	return c->nusers;
}

static const char *shown(const char *path)
{
	return strcmp(path, "-") == 0 ? "stdin" : path;
}

static void train(const char *events, side_files *sf, ig_tower_opts *o, int digits)
{
	ig_tower_catalog *cat = ig_tower_catalog_new(NULL);
	ig_tower_corpus *c;
	ig_tower_model *m;
	ig_tower_epoch last;
	ig_pool *pool = ig_pool_new(cli.threads);
	char prov[4096], kept[128] = "", *pm, *pi, *pu;
	ig_writer *set[3];
	uint64_t need;
	int epochs = o->epochs;

	/* opened (as temporary files) before the training, not after it: a
	 * prefix in a missing directory fails at once, not hours in */
	pm = path_of(cli.output, ".model");
	pi = path_of(cli.output, ".items.vec");
	pu = path_of(cli.output, ".users.vec");
	set[0] = open_plain(pm);
	set[1] = open_plain(pi);
	set[2] = open_plain(pu);
	side_load(sf);
	c = ig_tower_corpus_read(events, o, &sf->side, cat->ids, cli.memory);
	if (c->n == 0)
		ig_die("%s: no engagement (no event of a type with a weight above 0): nothing to learn", shown(events));
	snprintf(prov, sizeof prov, "%s %s", ig_progname, cli.prov.cmdline);
	m = ig_tower_model_for_data(o, cat->ids, &sf->side, c, sf->follow_authors, prov);
	ig_tower_model_set_ref_ts(m, c->last_ts);
	ig_tower_catalog_fill(cat, m, &sf->side);
	check_ids(cat->ids, cat->n, "item");
	check_ids(c->users, c->nusers, "user");
	ig_tower_corpus_map(c, m, sf->follow_authors);
	need = ig_tower_model_bytes(m) + c->cap * 20 + c->fcap * 16;
	if (cli.verbosity > 0)
		fprintf(stderr, "%s: %llu engagements of %u users, %u items (%u in the catalog); model %.1f MB, "
			"histories %.1f MB\n", ig_progname, (unsigned long long)c->n, c->nusers,
			ig_intern_count(cat->ids), cat->n, (double)ig_tower_model_bytes(m) / 1e6,
			(double)(need - ig_tower_model_bytes(m)) / 1e6);
	if (need > cli.memory)
		ig_die("training needs %.1f MB (model and its optimiser state, histories), more than --memory %llu MB; "
		       "raise --memory, or lower --dim, --emb or --hidden", (double)need / 1e6,
		       (unsigned long long)(cli.memory >> 20));
	o->pool = pool;
	o->ctx = &epochs;
	o->epoch_done = on_epoch;
	o->progress = on_progress;
	ig_tower_train(m, cat, c, o, &last);
	ig_tower_model_write(m, set[0]);
	write_items(set[1], m, cat, c->last_ts, digits);
	write_users(set[2], m, cat, c, c->last_ts, digits);
	ig_writer_close_set(set, 3);
	if (last.best > 0)
		snprintf(kept, sizeof kept, " (kept epoch %d: held-out recall@%u %.4f)", last.best, last.k,
			 last.best_held_out);
	ig_cli_summary(&cli, "%u items, %u users, %llu examples, %d epochs%s, loss %.4f; %s, %s, %s", cat->n,
		       c->nusers, (unsigned long long)last.examples, last.epoch, kept, last.loss, pm, pi, pu);
	free(pm);
	free(pi);
	free(pu);
	ig_tower_model_free(m);
	ig_tower_catalog_free(cat);
	ig_tower_corpus_free(c);
	side_free(sf);
	ig_pool_free(pool);
}

static void embed(const char *model, const char *events, side_files *sf, int64_t at, int digits)
{
	ig_tower_model *m = ig_tower_model_load(model);
	ig_tower_catalog *cat = ig_tower_catalog_new(NULL);
	ig_tower_corpus *c = NULL;
	uint64_t nitems = 0, nusers = 0;
	char *pi = path_of(cli.output, ".items.vec"), *pu = path_of(cli.output, ".users.vec");
	ig_writer *set[2] = {NULL, NULL};
	const char *inputs[] = {model, events, sf->items, sf->follows, sf->topics};

	ig_cli_check_output(pi, inputs, 5);
	ig_cli_check_output(pu, inputs, 5);
	/* opened before the inputs are read, as in training */
	if (sf->items != NULL)
		set[0] = open_plain(pi);
	if (events != NULL)
		set[1] = open_plain(pu);
	side_load(sf);
	if (events != NULL)
		c = ig_tower_corpus_read(events, ig_tower_model_opts(m), &sf->side, cat->ids, cli.memory);
	ig_tower_catalog_fill(cat, m, &sf->side);
	if (at < 0)
		at = c != NULL && c->last_ts >= 0 ? c->last_ts : ig_tower_model_ref_ts(m);
	if (sf->items != NULL)
		check_ids(cat->ids, cat->n, "item");
	if (c != NULL)
		check_ids(c->users, c->nusers, "user");
	if (sf->items != NULL)
		nitems = write_items(set[0], m, cat, at, digits);
	if (c != NULL) {
		ig_tower_corpus_map(c, m, sf->follow_authors);
		nusers = write_users(set[1], m, cat, c, at, digits);
	}
	ig_writer_close_set(set, 2);
	ig_cli_summary(&cli, "%llu items, %llu users embedded with %s%s%s%s%s", (unsigned long long)nitems,
		       (unsigned long long)nusers, model, nitems ? "; " : "", nitems ? pi : "", nusers ? "; " : "",
		       nusers ? pu : "");
	free(pi);
	free(pu);
	ig_tower_corpus_free(c);
	ig_tower_catalog_free(cat);
	ig_tower_model_free(m);
	side_free(sf);
}

/* What the command line says. */
typedef struct {
	ig_tower_opts o;
	side_files sf;
	const char *events, *events_opt, *model;
	int digits, train_only;  /* train_only: a training option was given */
	int64_t at;
} tower_args;

/* The options of training (the usage's "Training examples", "Model" and
 * "Training"), which embed refuses; 0 if C is none of them. */
static int training_option(ig_tower_opts *o, int c, const char *arg)
{
	char err[256];

	switch (c) {
	case OPT_WEIGHTS:
		if (ig_event_weights_parse(arg, o->weights, err, sizeof err) != 0)
			ig_usage_error("--weights: %s", err);
		break;
	case OPT_MIN_VIEW:
		o->min_view = ig_cli_double("--min-view", arg, -1e300, 1e300);
		break;
	case OPT_DIM:
		o->dim = (uint32_t)ig_cli_int("--dim", arg, 1, 4096);
		break;
	case OPT_EMB:
		o->emb = (uint32_t)ig_cli_int("--emb", arg, 1, 4096);
		break;
	case OPT_HIDDEN:
		o->hidden = (uint32_t)ig_cli_int("--hidden", arg, 1, 4096);
		break;
	case OPT_SHORT:
		o->short_n = (uint32_t)ig_cli_int("--short", arg, 0, 1 << 20);
		break;
	case OPT_LONG:
		o->long_n = (uint32_t)ig_cli_int("--long", arg, 0, 1 << 20);
		break;
	case OPT_MAX_FOLLOWS:
		o->max_follows = (uint32_t)ig_cli_int("--max-follows", arg, 0, 1 << 20);
		break;
	case OPT_EPOCHS:
		o->epochs = (int)ig_cli_int("--epochs", arg, 1, 100000);
		break;
	case OPT_PATIENCE:
		o->patience = (int)ig_cli_int("--patience", arg, 0, 100000);
		break;
	case OPT_BATCH:
		o->batch = (uint32_t)ig_cli_int("--batch", arg, 2, 65536);
		break;
	case OPT_UNIFORM_NEGATIVES:
		o->uniform_negatives = (uint32_t)ig_cli_int("--uniform-negatives", arg, 0, 65536);
		break;
	case OPT_LR:
		o->lr = ig_cli_double("--lr", arg, 1e-9, 100);
		break;
	case OPT_AVERAGE:
		o->average = ig_cli_double("--average", arg, 0, 1000);
		break;
	case OPT_TEMPERATURE:
		o->temperature = ig_cli_double("--temperature", arg, 1e-4, 100);
		break;
	case OPT_NO_LOGQ:
		o->logq = 0;
		break;
	case OPT_SEEN_NEGATIVES:
		o->seen_negatives = 1;
		break;
	case OPT_ID_DROPOUT:
		o->id_dropout = ig_cli_double("--id-dropout", arg, 0, 1);
		break;
	default:
		return 0;
	}
	return 1;
}

static void parse(int argc, char **argv, tower_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"items", required_argument, NULL, OPT_ITEMS},
		{"follows", required_argument, NULL, OPT_FOLLOWS},
		{"topics", required_argument, NULL, OPT_TOPICS},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"model", required_argument, NULL, 'm'},
		{"at", required_argument, NULL, OPT_AT},
		{"weights", required_argument, NULL, OPT_WEIGHTS},
		{"min-view", required_argument, NULL, OPT_MIN_VIEW},
		{"dim", required_argument, NULL, OPT_DIM},
		{"emb", required_argument, NULL, OPT_EMB},
		{"hidden", required_argument, NULL, OPT_HIDDEN},
		{"short", required_argument, NULL, OPT_SHORT},
		{"long", required_argument, NULL, OPT_LONG},
		{"max-follows", required_argument, NULL, OPT_MAX_FOLLOWS},
		{"epochs", required_argument, NULL, OPT_EPOCHS},
		{"patience", required_argument, NULL, OPT_PATIENCE},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"uniform-negatives", required_argument, NULL, OPT_UNIFORM_NEGATIVES},
		{"lr", required_argument, NULL, OPT_LR},
		{"average", required_argument, NULL, OPT_AVERAGE},
		{"temperature", required_argument, NULL, OPT_TEMPERATURE},
		{"no-logq", no_argument, NULL, OPT_NO_LOGQ},
		{"seen-negatives", no_argument, NULL, OPT_SEEN_NEGATIVES},
		{"id-dropout", required_argument, NULL, OPT_ID_DROPOUT},
		{"digits", required_argument, NULL, OPT_DIGITS},
		{NULL, 0, NULL, 0}
	};
	int c;

	memset(a, 0, sizeof *a);
	ig_tower_opts_default(&a->o);
	a->events = "-";
	a->digits = DEFAULT_DIGITS;
	a->at = -1;
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "m:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg))
			continue;
		if (training_option(&a->o, c, optarg)) {
			a->train_only = 1;
			continue;
		}
		switch (c) {
		case OPT_ITEMS:
			a->sf.items = optarg;
			break;
		case OPT_FOLLOWS:
			a->sf.follows = optarg;
			break;
		case OPT_TOPICS:
			a->sf.topics = optarg;
			break;
		case OPT_EVENTS:
			a->events_opt = optarg;
			break;
		case 'm':
			a->model = optarg;
			break;
		case OPT_AT:
			a->at = ig_cli_int("--at", optarg, IG_TS_MIN, IG_TS_MAX);
			break;
		case OPT_DIGITS:
			a->digits = (int)ig_cli_int("--digits", optarg, 1, 9);
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
}

/* "train" or "embed" before the options picks the mode (train without
 * either), and is taken out of the arguments getopt reads. */
static void take_mode(int *argc, char ***argv)
{
	if (*argc > 1 && strcmp((*argv)[1], "embed") == 0)
		embed_mode = 1;
	if (*argc > 1 && (embed_mode || strcmp((*argv)[1], "train") == 0)) {
		(*argv)[1] = (*argv)[0];
		(*argc)--;
		(*argv)++;
	}
}

static void check_prefix(void)
{
	if (cli.output == NULL)
		ig_usage_error("-o PREFIX is required: the files written are PREFIX.items.vec, PREFIX.users.vec%s",
			       embed_mode ? "" : " and PREFIX.model");
	/* "-" is no stdout here, and '' or DIR/ would write hidden files */
	if (cli.output[0] == '\0' || strcmp(cli.output, "-") == 0 || cli.output[strlen(cli.output) - 1] == '/')
		ig_usage_error("-o '%s' is not a prefix of file names (e.g. -o data/tower)", cli.output);
}

static void check_embed(int argc, const tower_args *a)
{
	if (a->model == NULL)
		ig_usage_error("embed needs -m MODEL");
	if (strcmp(a->model, "-") == 0)
		ig_usage_error("-m MODEL must be a file, not '-' (stdin)");
	if (a->train_only)
		ig_usage_error("embed takes the model's settings; training options do not apply");
	if (optind < argc)
		ig_usage_error("embed takes no operand; give --items and --events");
	if (a->sf.items == NULL && a->events_opt == NULL)
		ig_usage_error("embed needs --items or --events (what to embed)");
}

static void check_train(int argc, char **argv, tower_args *a)
{
	const char *suffix[] = {".model", ".items.vec", ".users.vec"};
	int i;

	if (a->model != NULL || a->events_opt != NULL || a->at >= 0)
		ig_usage_error("-m, --events and --at belong to embed");
	/* the short-term pool is the newest part of the long-term one */
	if (a->o.short_n > a->o.long_n)
		ig_usage_error("--short (%u) must not exceed --long (%u)", a->o.short_n, a->o.long_n);
	if (optind < argc)
		a->events = argv[optind++];
	if (optind < argc)
		ig_usage_error("one input at most, got '%s' too", argv[optind]);
	for (i = 0; i < 3; i++) {
		const char *inputs[] = {a->events, a->sf.items, a->sf.follows, a->sf.topics};
		char *p = path_of(cli.output, suffix[i]);

		ig_cli_check_output(p, inputs, 4);
		free(p);
	}
}

int main(int argc, char **argv)
{
	tower_args a;

	ig_cli_init(&cli, argc, argv, usage);
	take_mode(&argc, &argv);
	parse(argc, argv, &a);
	check_prefix();
	if (embed_mode) {
		check_embed(argc, &a);
		embed(a.model, a.events_opt, &a.sf, a.at, a.digits);
		return 0;
	}
	check_train(argc, argv, &a);
	a.o.seed = cli.seed;
	train(a.events, &a.sf, &a.o, a.digits);
	return 0;
}
