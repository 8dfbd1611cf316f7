/* ig-train-w2v: ig2vec, word2vec embeddings of items or accounts learnt
 * from engagement sessions (or of words from plain text). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/ig_cli.h"
#include "io/ig_engage.h"
#include "core/ig_err.h"
#include "io/ig_items.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "io/ig_vectors.h"
#include "w2v/ig_w2v_corpus.h"
#include "w2v/ig_w2v_train.h"
#include "w2v/ig_w2v_vocab.h"
#include "io/ig_writer.h"

enum {
	OPT_TEXT = IG_OPT_FIRST_TOOL,
	OPT_ITEMS,
	OPT_ENTITY,
	OPT_WEIGHTS,
	OPT_MIN_VIEW,
	OPT_SESSION_GAP,
	OPT_MAX_LEN,
	OPT_WEIGHTED,
	OPT_CBOW,
	OPT_DIM,
	OPT_WINDOW,
	OPT_NEGATIVE,
	OPT_EPOCHS,
	OPT_MIN_COUNT,
	OPT_MAX_VOCAB,
	OPT_SAMPLE,
	OPT_ALPHA,
	OPT_MIN_ALPHA,
	OPT_ITEM2VEC,
	OPT_BINARY,
	OPT_DIGITS,
	OPT_SAVE_VOCAB,
	OPT_LOAD,
	OPT_NEAREST,
	OPT_SHARE
};

#define DEFAULT_SESSION_GAP 1800
#define DEFAULT_MAX_LEN 1000
#define DEFAULT_MIN_COUNT 5
#define DEFAULT_DIGITS 6
#define DEFAULT_K 10

static ig_cli cli;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-train-w2v [options] [EVENTS]\n"
		"       ig-train-w2v --text [options] [TEXT]\n"
		"       ig-train-w2v --load VECTORS --nearest ID[,ID...] [-k N]\n"
		"Learns word2vec embeddings (ig2vec) of the items or accounts a user engages\n"
		"with in a session, or of the words of plain text; writes them in the word2vec\n"
		"text or binary format. Input: an events stream sorted by user, ts [stdin].\n"
		"Sequences:\n"
		"      --text             input is plain text, one sentence per line\n"
		"      --entity E         embed item, author or both (one space, authors as @ID) [item]\n"
		"      --items FILE       items stream mapping item to author (author, both)\n"
		"      --weights SPEC     event weights; 0 drops a type\n"
		"                         [share=3,save=3,comment=2,like=2,follow=2,view=1]\n"
		"      --min-view X       a view counts only with value >= X [0]\n"
		"      --session-gap S    a gap of more than S seconds starts a new sentence; 0: never [%d]\n"
		"      --max-len N        longer sentences are cut every N words [%d]\n"
		"      --weighted         scale each pair's gradient by the context's event weight\n"
		"Model:\n"
		"      --cbow             CBOW instead of skip-gram\n"
		"      --item2vec         the window is the whole sentence (session)\n"
		"      --dim N            dimensions [100]\n"
		"      --window N         largest distance to a context word [5]\n"
		"      --negative N       negative samples per word, 1-63 [5]\n"
		"      --share N          context words that share one draw of negatives; 0: the\n"
		"                         whole window of a centre word (fastest); 1: word2vec.c [0]\n"
		"      --epochs N         passes over the corpus [5]\n"
		"      --min-count N      drop words seen fewer times [%d]\n"
		"      --max-vocab N      keep at most the N most frequent words; 0: all [0]\n"
		"      --sample X         sub-sampling threshold of frequent words; 0: off [1e-3]\n"
		"      --alpha X          starting learning rate, decays linearly [0.025; CBOW 0.05]\n"
		"      --min-alpha X      floor of the learning rate [alpha * 1e-4]\n"
		"Vectors:\n"
		"      --binary           word2vec binary format (default: text)\n"
		"      --digits N         significant digits of the text format, 1-9 (9 is exact) [%d]\n"
		"      --save-vocab FILE  write \"WORD COUNT\" lines, most frequent first (gzip if FILE ends in .gz)\n"
		"Queries:\n"
		"      --load FILE        read vectors (text or binary, plain or gzip) instead of training\n"
		"      --nearest IDS      write a neighbors stream of the K nearest (cosine) of each id\n"
		"  -k N                   neighbours per id [%d]\n",
		DEFAULT_SESSION_GAP, DEFAULT_MAX_LEN, DEFAULT_MIN_COUNT, DEFAULT_DIGITS, DEFAULT_K);
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_THREADS | IG_HELP_SEED);
	fprintf(fp,
		"      --memory SIZE    refuse to start when the vectors and sequences need more [%lluM]\n",
		(unsigned long long)(cli.memory >> 20));
}

typedef struct report_ctx {
	int verbose;
	int epochs;
} report_ctx;

static void on_progress(void *ctx, double fraction, double words_per_s, double alpha)
{
	(void)ctx;
	ig_cli_progress(&cli, "%.1f%%, alpha %.5f, %.0f words/s", fraction * 100, alpha, words_per_s);
}

static void on_epoch(void *ctx, const ig_w2v_epoch *e)
{
	report_ctx *r = ctx;

	if (!r->verbose)
		return;
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: epoch %d/%d: loss %.4f over %llu examples, alpha %.6f, %.0f words/s, %.2f s\n", ig_progname,
		e->epoch, r->epochs, e->loss, (unsigned long long)e->examples, e->alpha,
		e->seconds > 0 ? (double)e->words / e->seconds : 0,
		e->seconds);
}

static void save_vocab(const char *path, const ig_w2v_vocab *v)
{
	size_t len = strlen(path);
	int gz = len > 3 && strcmp(path + len - 3, ".gz") == 0;
	ig_writer *w = ig_cli_open_writer(&cli, path, gz ? IG_COMPRESS_GZIP : IG_COMPRESS_NO, cli.level);
	uint32_t i;

	for (i = 0; i < v->n; i++) {
		ig_writer_write(w, ig_w2v_vocab_word(v, i), ig_w2v_vocab_len(v, i));
		ig_writer_putc(w, ' ');
		ig_writer_put_u64(w, v->count[i]);
		ig_writer_putc(w, '\n');
	}
	ig_writer_close(w);
}

static void nearest(const char *load, const char *ids, int k)
{
	ig_vectors *v = ig_vectors_load(load);
	ig_writer *w = ig_cli_open_output(&cli);
	uint32_t *hit = ig_reallocarray(NULL, (size_t)k, sizeof *hit);
	float *score = ig_reallocarray(NULL, (size_t)k, sizeof *score);
	const char *p = ids;
	unsigned long long queries = 0;

	ig_schema_write_header(w, IG_STREAM_NEIGHBORS, NULL, 0, NULL);
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p), n, i;
		uint32_t q = ig_vectors_find(v, p, len);

		if (q == IG_INTERN_NONE)
			ig_die("--nearest: '%.*s' is not in %s", (int)len, p, load);
		n = ig_vectors_nearest(v, ig_vectors_row(v, q), (size_t)k, q, hit, score);
		for (i = 0; i < n; i++) {
			ig_writer_write(w, p, len);
			ig_writer_putc(w, '\t');
			ig_writer_puts(w, ig_vectors_name(v, hit[i]));
			ig_writer_putc(w, '\t');
			ig_writer_put_double(w, score[i], 6);
			ig_writer_puts(w, "\t0\n");
		}
		queries++;
		p += len;
		if (*p == ',')
			p++;
	}
	ig_writer_close(w);
	ig_cli_summary(&cli, "%llu queries over %u vectors of %u dims", queries, v->n, v->dim);
	free(hit);
	free(score);
	ig_vectors_free(v);
}

/* What the command line says. */
typedef struct {
	ig_w2v_opts o;
	ig_engage_opts eo;
	ig_w2v_seq_opts so;
	const char *input, *items_path, *vocab_path, *load, *near;
	uint64_t min_count;
	uint32_t max_vocab;
	int text, binary, digits, k, alpha_set, min_alpha_set;
} w2v_args;

/* The options under "Sequences" of the usage; 0 if C is none of them. */
static int sequence_option(w2v_args *a, int c, const char *arg)
{
	char err[256];

	switch (c) {
	case OPT_TEXT:
		a->text = 1;
		break;
	case OPT_ENTITY:
		a->eo.entity = ig_cli_need_one_of("--entity", arg, ig_entity_parse(arg), "item, author or both");
		break;
	case OPT_ITEMS:
		a->items_path = arg;
		break;
	case OPT_WEIGHTS:
		if (ig_event_weights_parse(arg, a->eo.weights, err, sizeof err) != 0)
			ig_usage_error("--weights: %s", err);
		break;
	case OPT_MIN_VIEW:
		a->eo.min_view_value = ig_cli_double("--min-view", arg, -1e300, 1e300);
		break;
	case OPT_SESSION_GAP:
		a->so.session_gap = ig_cli_int("--session-gap", arg, 0, INT64_MAX);
		break;
	case OPT_MAX_LEN:
		a->so.max_len = (size_t)ig_cli_int("--max-len", arg, 2, 1000000);
		break;
	case OPT_WEIGHTED:
		a->so.weighted = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

/* The options under "Model" of the usage; 0 if C is none of them. */
static int model_option(w2v_args *a, int c, const char *arg)
{
	switch (c) {
	case OPT_CBOW:
		a->o.arch = IG_W2V_CBOW;
		break;
	case OPT_ITEM2VEC:
		a->o.whole = 1;
		break;
	case OPT_DIM:
		a->o.dim = (uint32_t)ig_cli_int("--dim", arg, 1, 10000);
		break;
	case OPT_WINDOW:
		a->o.window = (int)ig_cli_int("--window", arg, 1, 1000);
		break;
	case OPT_NEGATIVE:
		a->o.negative = (int)ig_cli_int("--negative", arg, 1, 63);
		break;
	case OPT_SHARE:
		a->o.share = (int)ig_cli_int("--share", arg, 0, 1000);
		break;
	case OPT_EPOCHS:
		a->o.epochs = (int)ig_cli_int("--epochs", arg, 1, 10000);
		break;
	case OPT_MIN_COUNT:
		a->min_count = (uint64_t)ig_cli_int("--min-count", arg, 1, INT64_MAX);
		break;
	case OPT_MAX_VOCAB:
		a->max_vocab = (uint32_t)ig_cli_int("--max-vocab", arg, 0, UINT32_MAX - 1);
		break;
	case OPT_SAMPLE:
		a->o.sample = ig_cli_double("--sample", arg, 0, 1);
		break;
	case OPT_ALPHA:
		a->o.alpha = ig_cli_double("--alpha", arg, 1e-9, 10);
		a->alpha_set = 1;
		break;
	case OPT_MIN_ALPHA:
		a->o.min_alpha = ig_cli_double("--min-alpha", arg, 0, 10);
		a->min_alpha_set = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

static void parse(int argc, char **argv, w2v_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"text", no_argument, NULL, OPT_TEXT},
		{"items", required_argument, NULL, OPT_ITEMS},
		{"entity", required_argument, NULL, OPT_ENTITY},
		{"weights", required_argument, NULL, OPT_WEIGHTS},
		{"min-view", required_argument, NULL, OPT_MIN_VIEW},
		{"session-gap", required_argument, NULL, OPT_SESSION_GAP},
		{"max-len", required_argument, NULL, OPT_MAX_LEN},
		{"weighted", no_argument, NULL, OPT_WEIGHTED},
		{"cbow", no_argument, NULL, OPT_CBOW},
		{"dim", required_argument, NULL, OPT_DIM},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"negative", required_argument, NULL, OPT_NEGATIVE},
		{"epochs", required_argument, NULL, OPT_EPOCHS},
		{"min-count", required_argument, NULL, OPT_MIN_COUNT},
		{"max-vocab", required_argument, NULL, OPT_MAX_VOCAB},
		{"sample", required_argument, NULL, OPT_SAMPLE},
		{"alpha", required_argument, NULL, OPT_ALPHA},
		{"min-alpha", required_argument, NULL, OPT_MIN_ALPHA},
		{"item2vec", no_argument, NULL, OPT_ITEM2VEC},
		{"binary", no_argument, NULL, OPT_BINARY},
		{"digits", required_argument, NULL, OPT_DIGITS},
		{"save-vocab", required_argument, NULL, OPT_SAVE_VOCAB},
		{"load", required_argument, NULL, OPT_LOAD},
		{"nearest", required_argument, NULL, OPT_NEAREST},
		{"share", required_argument, NULL, OPT_SHARE},
		{NULL, 0, NULL, 0}
	};
	int c;

	memset(a, 0, sizeof *a);
	ig_w2v_opts_default(&a->o);
	ig_engage_opts_default(&a->eo);
	a->so.session_gap = DEFAULT_SESSION_GAP;
	a->so.max_len = DEFAULT_MAX_LEN;
	a->input = "-";
	a->min_count = DEFAULT_MIN_COUNT;
	a->digits = DEFAULT_DIGITS;
	a->k = DEFAULT_K;
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "k:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg) || sequence_option(a, c, optarg) || model_option(a, c, optarg))
			continue;
		switch (c) {
		case OPT_BINARY:
			a->binary = 1;
			break;
		case OPT_DIGITS:
			a->digits = (int)ig_cli_int("--digits", optarg, 1, 9);
			break;
		case OPT_SAVE_VOCAB:
			a->vocab_path = optarg;
			break;
		case OPT_LOAD:
			a->load = optarg;
			break;
		case OPT_NEAREST:
			a->near = optarg;
			break;
		case 'k':
			a->k = (int)ig_cli_int("-k", optarg, 1, 100000);
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
}

/* The operand, and the checks that training and --nearest share. */
static void check_operands(int argc, char **argv, w2v_args *a)
{
	if (optind < argc)
		a->input = argv[optind++];
	if (optind < argc)
		ig_usage_error("one input at most, got '%s' too", argv[optind]);
	if ((a->load != NULL) != (a->near != NULL))
		ig_usage_error("--load and --nearest go together");
	{
		const char *inputs[] = {a->input, a->items_path, a->load};
		ig_cli_check_output(cli.output, inputs, 3);
		if (a->vocab_path != NULL)
			ig_cli_check_extra_output(&cli, a->vocab_path, "--save-vocab", inputs, 3);
	}
}

/* The checks of training options, and the defaults that hang on others. */
static void check_training(w2v_args *a)
{
	if (a->text && (a->items_path != NULL || a->eo.entity != IG_ENTITY_ITEM || a->so.weighted))
		ig_usage_error("--text takes no --items, --entity or --weighted");
	if (a->eo.entity != IG_ENTITY_ITEM && a->items_path == NULL)
		ig_usage_error("--entity %s needs --items", a->eo.entity == IG_ENTITY_AUTHOR ? "author" : "both");
	if (a->o.arch == IG_W2V_CBOW && !a->alpha_set)
		a->o.alpha = 0.05;
	if (!a->min_alpha_set)
		a->o.min_alpha = a->o.alpha * 1e-4;
	else if (a->o.min_alpha > a->o.alpha)
		ig_usage_error("--min-alpha %g is above --alpha %g: the rate decays from alpha to its floor",
			       a->o.min_alpha, a->o.alpha);
}

/* Reads the whole input once into memory; returns the items stream
 * read for --items (NULL without). */
static ig_items *read_corpus(ig_w2v_corpus *corpus, w2v_args *a)
{
	ig_engage_stats est;
	ig_items *items = NULL;

	ig_w2v_corpus_init(corpus, a->so.weighted, cli.memory);
	memset(&est, 0, sizeof est);
	if (a->text) {
		ig_w2v_corpus_read_text(corpus, a->input, a->so.max_len);
	} else {
		if (a->items_path != NULL)
			items = ig_items_load(a->items_path);
		a->eo.items = items;
		ig_w2v_corpus_read_events(corpus, a->input, &a->eo, &a->so, &est);
	}
	return items;
}

/* Ids of the corpus left out for a space. */
typedef struct {
	uint32_t n, first;
	uint64_t events;
} spaced_ids;

/* An id with a space cannot be a word of the vectors files: it is left
 * out as a rare word is (one odd ISBN among Book-Crossing's should not
 * cost every item its vector), and said to be. */
static spaced_ids drop_spaced_ids(ig_w2v_corpus *corpus)
{
	spaced_ids spaced = {0, IG_INTERN_NONE, 0};
	uint32_t i;

	for (i = 0; i < ig_intern_count(corpus->names); i++)
		if (corpus->raw_count[i] > 0 &&
		    !ig_vectors_name_ok(ig_intern_str(corpus->names, i), ig_intern_len(corpus->names, i))) {
			if (spaced.first == IG_INTERN_NONE)
				spaced.first = i;
			spaced.n++;
			spaced.events += corpus->raw_count[i];
			corpus->raw_count[i] = 0;
		}
	return spaced;
}

static void build_vocab(ig_w2v_vocab *vocab, ig_w2v_corpus *corpus, const w2v_args *a)
{
	const char *shown = strcmp(a->input, "-") == 0 ? "stdin" : a->input;
	spaced_ids spaced = drop_spaced_ids(corpus);
	uint32_t *map = ig_reallocarray(NULL, ig_intern_count(corpus->names) + 1, sizeof *map);

	ig_w2v_vocab_build(vocab, corpus->names, corpus->raw_count, a->min_count, a->max_vocab, map);
	ig_w2v_corpus_apply_vocab(corpus, map);
	free(map);
	if (spaced.n > 0 && vocab->n == 0)
		ig_die("%s: id '%s' has a space: the word2vec formats cannot hold it", shown,
		       ig_esc(ig_intern_str(corpus->names, spaced.first)));
	if (spaced.n > 0)
		ig_warn("%s: %u id(s) with a space left out (the word2vec formats cannot hold them; first '%s'), "
			"%llu occurrence(s)", shown, spaced.n, ig_esc(ig_intern_str(corpus->names, spaced.first)),
			(unsigned long long)spaced.events);
	if (vocab->n == 0)
		ig_die("%s: no word occurs %llu times or more (--min-count); nothing to learn", shown,
		       (unsigned long long)a->min_count);
}

/* States the memory need before the matrices are allocated. */
static void check_memory(const ig_w2v_vocab *vocab, const ig_w2v_corpus *corpus, const ig_w2v_opts *o)
{
	uint64_t vectors_bytes = ig_w2v_model_bytes(vocab->n, o->dim);
	uint64_t need = vectors_bytes + ig_w2v_corpus_memory(corpus) + ig_intern_memory(corpus->names);

	if (cli.verbosity > 0)
		fprintf(stderr, "%s: %u words x %u dims x 2 floats = %.1f MB, sequences %.1f MB "
			"(%zu words in %zu sentences): %.1f MB; %s kernel\n", ig_progname, vocab->n, o->dim,
			(double)vectors_bytes / 1e6, (double)(need - vectors_bytes) / 1e6, corpus->ntok,
			corpus->nsent, (double)need / 1e6, ig_w2v_kernel_name());
	if (need > cli.memory)
		ig_die("training needs %.1f MB (%u words x %u dims x 2 floats, and the sequences), "
		       "more than --memory %llu MB; raise --memory, or lower --dim or --max-vocab",
		       (double)need / 1e6, vocab->n, o->dim, (unsigned long long)(cli.memory >> 20));
}

static void train(ig_w2v_model *model, const ig_w2v_corpus *corpus, const ig_w2v_vocab *vocab, ig_w2v_opts *o,
		  ig_w2v_epoch *last)
{
	report_ctx rc;

	ig_w2v_model_init(model, vocab->n, o->dim, cli.seed);
	rc.verbose = cli.verbosity > 0 || (cli.verbosity == 0 && isatty(STDERR_FILENO));
	rc.epochs = o->epochs;
	o->ctx = &rc;
	o->progress = on_progress;
	o->epoch_done = on_epoch;
	memset(last, 0, sizeof *last);
	if (corpus->ntok > 0)
		ig_w2v_train(model, corpus, vocab, o, last);
	o->ctx = NULL; /* the callbacks' context dies with this frame */
}

static void write_vectors(const ig_w2v_vocab *vocab, const ig_w2v_model *model, const w2v_args *a, ig_pool *pool)
{
	ig_writer *w = ig_cli_open_output(&cli);
	uint32_t i;

	ig_writer_set_pool(w, pool);
	ig_vectors_write_header(w, vocab->n, a->o.dim);
	for (i = 0; i < vocab->n; i++)
		ig_vectors_write_row(w, a->binary ? IG_VECTORS_BINARY : IG_VECTORS_TEXT, a->digits,
				     ig_w2v_vocab_word(vocab, i), ig_w2v_vocab_len(vocab, i),
				     model->in + (size_t)i * model->stride, a->o.dim);
	ig_writer_close(w);
}

int main(int argc, char **argv)
{
	w2v_args a;
	ig_w2v_corpus corpus;
	ig_w2v_vocab vocab;
	ig_w2v_model model;
	ig_w2v_epoch last;
	ig_items *items;
	ig_pool *pool;

	ig_cli_init(&cli, argc, argv, usage);
	parse(argc, argv, &a);
	check_operands(argc, argv, &a);
	if (a.load != NULL) {
		nearest(a.load, a.near, a.k);
		return 0;
	}
	check_training(&a);
	pool = ig_pool_new(cli.threads);
	a.o.pool = pool;
	a.o.seed = cli.seed;
	items = read_corpus(&corpus, &a);
	build_vocab(&vocab, &corpus, &a);
	check_memory(&vocab, &corpus, &a.o);
	train(&model, &corpus, &vocab, &a.o, &last);
	write_vectors(&vocab, &model, &a, pool);
	if (a.vocab_path != NULL)
		save_vocab(a.vocab_path, &vocab);
	ig_cli_summary(&cli, "%u vectors of %u dims from %llu words in %zu sentences, %d epochs, loss %.4f",
		       vocab.n, a.o.dim, (unsigned long long)corpus.words_read, corpus.nsent, a.o.epochs, last.loss);
	ig_w2v_model_free(&model);
	ig_w2v_vocab_free(&vocab);
	ig_w2v_corpus_free(&corpus);
	ig_items_free(items);
	ig_pool_free(pool);
	return 0;
}
