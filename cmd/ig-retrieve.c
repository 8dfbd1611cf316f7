/* ig-retrieve: candidate retrieval. The subcommands "index" and "search"
 * build and query an HNSW index over a vectors file; the rest (sources,
 * merging) is cmd_retrieve. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "io/ig_vectors.h"
#include "retrieve/ig_ann.h"
#include "retrieve/ig_retrieve.h"
#include "io/ig_reader.h"
#include "io/ig_events.h"
#include "core/ig_time.h"
#include "core/ig_num.h"
#include "core/ig_thread.h"

enum {
	OPT_METRIC = IG_OPT_FIRST_TOOL,
	OPT_EF_CONSTRUCTION,
	OPT_EF,
	OPT_EXACT,
	OPT_IDS
};

static ig_cli cli;

static void usage_index(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-retrieve index [options] VECTORS INDEX\n"
		"Builds an HNSW index of the vectors in VECTORS (word2vec text or binary, plain\n"
		"or gzip) and writes it to INDEX, a file that ig-retrieve maps into memory.\n"
		"      --metric M           cosine or ip (inner product) [cosine]\n"
		"  -M N                     links per node (2N on the bottom level) [%d]\n"
		"      --ef-construction N  candidates kept while inserting a node [%d]\n",
		IG_HNSW_DEFAULT_M, IG_HNSW_DEFAULT_EF_CONSTRUCTION);
	ig_cli_help_common(fp, &cli, IG_HELP_THREADS | IG_HELP_SEED);
}

static void usage_search(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-retrieve search -x INDEX [options] VECTORS [QUERIES]\n"
		"       ig-retrieve search --exact [options] VECTORS [QUERIES]\n"
		"Writes a neighbors stream: the K nearest rows of VECTORS to each vector of\n"
		"QUERIES (a vectors file), or to each id of --ids, or, with neither, to every\n"
		"row of VECTORS; a query that is a row of VECTORS is not its own neighbour.\n"
		"  -x, --index FILE         the index of VECTORS (ig-retrieve index)\n"
		"      --exact              look at every row instead (brute force)\n"
		"      --metric M           with --exact: cosine or ip [cosine]\n"
		"  -k, --top K              neighbours per query [10]\n"
		"      --ef N               candidates kept while searching (at least K) [%d]\n"
		"      --ids ID[,ID...]     query these rows of VECTORS\n",
		IG_HNSW_DEFAULT_EF);
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_THREADS);
}

static ig_ann_metric need_metric(const char *arg)
{
	return (ig_ann_metric)ig_cli_need_choice("--metric", arg, ig_ann_metric_parse(arg), "cosine or ip");
}

/* Resident memory now, in bytes (0 if unknown): with the peak after a
 * build, what the build itself took. */
static uint64_t resident_now(void)
{
	unsigned long long pages = 0, rss = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%llu %llu", &pages, &rss) != 2)
		rss = 0;
	fclose(fp);
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int cmd_index(int argc, char **argv)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"metric", required_argument, NULL, OPT_METRIC},
		{"ef-construction", required_argument, NULL, OPT_EF_CONSTRUCTION},
		{NULL, 0, NULL, 0}
	};
	ig_hnsw_opts o = ig_hnsw_opts_default();
	ig_vectors *v;
	ig_hnsw *h;
	double t0, t1, c0, c1;
	uint64_t rss0;
	int c;

	cli.usage = usage_index;
	optind = 2;
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "M:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case OPT_METRIC:
			o.metric = need_metric(optarg);
			break;
		case 'M':
			o.M = (uint32_t)ig_cli_int("-M", optarg, 2, IG_HNSW_MAX_M);
			break;
		case OPT_EF_CONSTRUCTION:
			o.ef_construction = (uint32_t)ig_cli_int("--ef-construction", optarg, 1, 1000000);
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
	if (argc - optind != 2)
		ig_usage_error("index takes VECTORS and INDEX");
	if (strcmp(argv[optind + 1], "-") == 0)
		ig_usage_error("INDEX must be a file, not '-'");
	ig_cli_check_output(argv[optind + 1], (const char *const *)argv + optind, 1);
	o.threads = cli.threads;
	o.seed = cli.seed;
	v = ig_vectors_load(argv[optind]);
	rss0 = resident_now();
	t0 = ig_now();
	c0 = ig_process_cpu();
	h = ig_hnsw_build(v, &o);
	t1 = ig_now();
	c1 = ig_process_cpu();
	ig_hnsw_save(h, argv[optind + 1], NULL, &cli.prov);
	if (cli.verbosity > 0)
		fprintf(stderr,
			"%s: build %.3f s, %.3f s CPU on %d threads, kernel %s; %.1f MB resident before, %.1f MB peak\n",
			ig_progname, t1 - t0, c1 - c0, o.threads, ig_ann_kernel_name(), (double)rss0 / 1048576.0,
			(double)ig_peak_rss() / 1048576.0);
	ig_cli_summary(&cli, "indexed %u vectors of %u dims (%s, M %u, ef-construction %u, %u levels)", v->n,
		       v->dim, ig_ann_metric_name(o.metric), o.M, o.ef_construction, ig_hnsw_levels(h));
	ig_hnsw_free(h);
	ig_vectors_free(v);
	return 0;
}

/* One batch of queries, answered by -@ threads. */
typedef struct {
	const ig_hnsw *h;       /* NULL: brute force */
	const ig_vectors *base;
	ig_ann_metric metric;
	const float **q;        /* the query vectors */
	uint32_t *exclude;
	size_t nq, k, ef;
	uint32_t *ids;          /* nq x k */
	float *sims;
	size_t *found;
} batch;

static void search_one(void *arg, size_t i, int tid)
{
	batch *b = arg;

	(void)tid;
	if (b->h != NULL)
		b->found[i] = ig_hnsw_search(b->h, b->q[i], b->k, b->ef, b->exclude[i], b->ids + i * b->k,
					     b->sims + i * b->k);
	else
		b->found[i] = ig_ann_brute(b->base, b->metric, b->q[i], b->k, b->exclude[i], b->ids + i * b->k,
					   b->sims + i * b->k);
}

/* A query: its name and vector, and the row of VECTORS to leave out. */
typedef struct {
	const char *name;
	const float *vec;
	uint32_t exclude;
} query;

static int query_cmp(const void *a, const void *b)
{
	return strcmp(((const query *)a)->name, ((const query *)b)->name);
}

static query *collect_queries(const ig_vectors *base, const ig_vectors *qv, const char *ids, size_t *nq)
{
	query *q;
	size_t n = 0, cap;
	uint32_t i;

	if (ids != NULL) {
		const char *p = ids;

		cap = 1;
		for (; *p; p++)
			cap += *p == ',';
		q = ig_reallocarray(NULL, cap, sizeof *q);
		for (p = ids; *p != '\0' || n == 0;) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			uint32_t r = ig_vectors_find(base, p, len);

			if (r == IG_INTERN_NONE)
				ig_die("--ids: '%.*s' is not in the vectors", (int)(len > 255 ? 255 : len), p);
			q[n].name = ig_vectors_name(base, r);
			q[n].vec = ig_vectors_row(base, r);
			q[n].exclude = r;
			n++;
			p += len;
			if (*p == ',')
				p++;
			if (*p == '\0')
				break;
		}
	} else {
		const ig_vectors *src = qv ? qv : base;

		q = ig_reallocarray(NULL, src->n ? src->n : 1, sizeof *q);
		for (i = 0; i < src->n; i++) {
			q[n].name = ig_vectors_name(src, i);
			q[n].vec = ig_vectors_row(src, i);
			q[n].exclude = qv ? IG_INTERN_NONE : i;
			n++;
		}
	}
	qsort(q, n, sizeof *q, query_cmp);
	*nq = n;
	return q;
}

#define BATCH 16384

/* What a search's command line says. */
typedef struct {
	const char *vectors, *queries, *index, *ids;
	int exact, metric_set;
	ig_ann_metric metric;
	size_t k, ef;
} search_args;

static void parse_search(int argc, char **argv, search_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"index", required_argument, NULL, 'x'},
		{"exact", no_argument, NULL, OPT_EXACT},
		{"metric", required_argument, NULL, OPT_METRIC},
		{"top", required_argument, NULL, 'k'},
		{"ef", required_argument, NULL, OPT_EF},
		{"ids", required_argument, NULL, OPT_IDS},
		{NULL, 0, NULL, 0}
	};
	int c;

	memset(a, 0, sizeof *a);
	a->metric = IG_ANN_COSINE;
	a->k = 10;
	a->ef = IG_HNSW_DEFAULT_EF;
	cli.usage = usage_search;
	optind = 2;
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "x:k:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case 'x':
			a->index = optarg;
			break;
		case OPT_EXACT:
			a->exact = 1;
			break;
		case OPT_METRIC:
			a->metric = need_metric(optarg);
			a->metric_set = 1;
			break;
		case 'k':
			a->k = (size_t)ig_cli_int("-k/--top", optarg, 1, 100000);
			break;
		case OPT_EF:
			a->ef = (size_t)ig_cli_int("--ef", optarg, 1, 1000000);
			break;
		case OPT_IDS:
			a->ids = optarg;
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
}

static void check_search(int argc, char **argv, search_args *a)
{
	if ((a->index != NULL) == a->exact)
		ig_usage_error("search needs one of -x INDEX and --exact");
	if (a->metric_set && !a->exact)
		ig_usage_error("--metric goes with --exact; an index knows its own");
	if (argc - optind < 1 || argc - optind > 2)
		ig_usage_error("search takes VECTORS and, optionally, QUERIES");
	if (a->ids != NULL && argc - optind == 2)
		ig_usage_error("--ids and QUERIES do not go together");
	a->vectors = argv[optind];
	a->queries = argc - optind == 2 ? argv[optind + 1] : NULL;
	{
		const char *inputs[] = {a->vectors, a->queries, a->index};
		ig_cli_check_output(cli.output, inputs, 3);
	}
}

static ig_vectors *load_queries(const char *path, const ig_vectors *base)
{
	ig_vectors *qv = ig_vectors_load(path);

	if (qv->dim != base->dim)
		ig_die("%s: %u-dimensional queries for %u-dimensional vectors", path, qv->dim, base->dim);
	return qv;
}

static void batch_init(batch *b, const ig_hnsw *h, const ig_vectors *base, const search_args *a)
{
	memset(b, 0, sizeof *b);
	b->h = h;
	b->base = base;
	b->metric = a->metric;
	b->k = a->k;
	b->ef = a->ef;
	b->ids = ig_reallocarray(NULL, (size_t)BATCH * a->k, sizeof *b->ids);
	b->sims = ig_reallocarray(NULL, (size_t)BATCH * a->k, sizeof *b->sims);
	b->found = ig_reallocarray(NULL, BATCH, sizeof *b->found);
	b->q = ig_reallocarray(NULL, BATCH, sizeof *b->q);
	b->exclude = ig_reallocarray(NULL, BATCH, sizeof *b->exclude);
}

static void batch_free(batch *b)
{
	free(b->ids);
	free(b->sims);
	free(b->found);
	free(b->q);
	free(b->exclude);
}

/* The neighbours a batch found for its queries Q, as rows of the stream. */
static void write_neighbors(ig_writer *w, const batch *b, const query *q)
{
	size_t i, j;

	for (i = 0; i < b->nq; i++)
		for (j = 0; j < b->found[i]; j++) {
			ig_writer_puts(w, q[i].name);
			ig_writer_putc(w, '\t');
			ig_writer_puts(w, ig_vectors_name(b->base, b->ids[i * b->k + j]));
			ig_writer_putc(w, '\t');
			ig_writer_put_double(w, b->sims[i * b->k + j], 9);
			ig_writer_puts(w, "\t\n");
		}
}

/* Time spent searching, apart from reading and writing. */
typedef struct {
	double wall, cpu;
} search_time;

static void search_all(batch *b, const query *q, size_t nq, ig_pool *pool, ig_writer *w, search_time *spent)
{
	size_t at, i;
	double t0, c0;

	for (at = 0; at < nq; at += b->nq) {
		b->nq = nq - at < BATCH ? nq - at : BATCH;
		for (i = 0; i < b->nq; i++) {
			b->q[i] = q[at + i].vec;
			b->exclude[i] = q[at + i].exclude;
		}
		t0 = ig_now();
		c0 = ig_process_cpu();
		ig_pool_for(pool, b->nq, search_one, b);
		spent->wall += ig_now() - t0;
		spent->cpu += ig_process_cpu() - c0;
		write_neighbors(w, b, q + at);
	}
}

static void report_search(const search_args *a, size_t nq, const search_time *spent)
{
	/* Timings vary from run to run: only on request. */
	if (cli.verbosity > 0)
		fprintf(stderr, "%s: search %.4f s, %.4f s CPU, %.0f queries/s on %d threads, kernel %s\n",
			ig_progname, spent->wall, spent->cpu, spent->wall > 0 ? (double)nq / spent->wall : 0.0,
			cli.threads, ig_ann_kernel_name());
	if (a->exact)
		ig_cli_summary(&cli, "%zu queries, top %zu, exact %s", nq, a->k, ig_ann_metric_name(a->metric));
	else
		ig_cli_summary(&cli, "%zu queries, top %zu, ef %zu", nq, a->k, a->ef < a->k ? a->k : a->ef);
}

static int cmd_search(int argc, char **argv)
{
	search_args a;
	search_time spent = {0, 0};
	ig_vectors *base, *qv = NULL;
	ig_hnsw *h = NULL;
	query *q;
	size_t nq;
	batch b;
	ig_pool *pool;
	ig_writer *w;

	parse_search(argc, argv, &a);
	check_search(argc, argv, &a);
	base = ig_vectors_load(a.vectors);
	if (a.index != NULL) {
		h = ig_hnsw_load(a.index, base);
		a.metric = ig_hnsw_metric(h);
	}
	if (a.queries != NULL)
		qv = load_queries(a.queries, base);
	q = collect_queries(base, qv, a.ids, &nq);
	batch_init(&b, h, base, &a);
	pool = ig_pool_new(cli.threads);
	w = ig_cli_open_output(&cli);
	ig_schema_write_header(w, IG_STREAM_NEIGHBORS, NULL, 0, NULL);
	search_all(&b, q, nq, pool, w, &spent);
	ig_writer_close(w);
	report_search(&a, nq, &spent);
	ig_pool_free(pool);
	batch_free(&b);
	free(q);
	ig_hnsw_free(h);
	ig_vectors_free(qv);
	ig_vectors_free(base);
	return 0;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-retrieve index [options] VECTORS INDEX     build an HNSW index\n"
		"       ig-retrieve search [options] VECTORS [QUERIES] nearest neighbours\n"
		"Run 'ig-retrieve index --help' or 'ig-retrieve search --help' for their options.\n");
}

enum {
	OPT_SPEC_FILE = IG_OPT_FIRST_TOOL + 0x40,
	OPT_PRINT_SPEC,
	OPT_AT,
	OPT_ITEMS,
	OPT_TOPICS,
	OPT_FOLLOWS,
	OPT_NEIGHBORS,
	OPT_ACCOUNT_NEIGHBORS,
	OPT_VECTORS,
	OPT_ACCOUNT_VECTORS,
	OPT_USER_VECTORS,
	OPT_TOWER_VECTORS,
	OPT_USERS,
	OPT_SHARD,
	OPT_KEEP_SEEN,
	OPT_KEEP_SHOWN,
	OPT_STRICT,
	OPT_POP_HALF_LIFE,
	OPT_SEE_LESS_HALF_LIFE,
	OPT_COLD,
	OPT_CLUSTERS,
	OPT_INDEX,
	OPT_RETRIEVE_EF
};

static void usage_retrieve(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-retrieve [options] EVENTS\n"
		"       ig-retrieve index|search ...  (ig-retrieve index --help)\n"
		"Writes the candidates stream: for each user of EVENTS (sorted by user, ts),\n"
		"up to -n items from the sources of a spec, merged and filtered.\n"
		"Spec (ig-retrieve(1) has the grammar and every source):\n"
		"  -S, --source TEXT        a line of the spec (repeatable)\n"
		"      --spec FILE          the spec from a file\n"
		"      --print-spec         print the default spec and exit\n"
		"  -n, --total N            candidates per user [spec's total, else 500]\n"
		"Inputs (each source names what it needs):\n"
		"      --items FILE         items stream (authors, topics, created)\n"
		"      --topics FILE        topics stream (the knowledge graph)\n"
		"      --follows FILE       follows stream, sorted by user\n"
		"      --neighbors FILE     item neighbors stream (ig-cooccur)\n"
		"      --account-neighbors FILE  account neighbors stream\n"
		"      --vectors FILE       item vectors (word2vec text or binary)\n"
		"      --account-vectors FILE    account vectors\n"
		"      --user-vectors FILE  user vectors of ig-train-tower, for the tower source\n"
		"  -m, --tower-model FILE   or its model: the tower source embeds each user from\n"
		"                           their history at the request time (new users too)\n"
		"      --tower-vectors FILE its item vectors (PREFIX.items.vec), searched exactly\n"
		"                           [--vectors, through --index]\n"
		"      --index FILE         HNSW index of --vectors (ig-retrieve index); without\n"
		"                           one, knn searches exactly\n"
		"      --ef N               the index's search list [64]\n"
		"      --strict             ids not in --items are fatal, not counted\n"
		"Users and time:\n"
		"      --users FILE         only these users (ids, or a stream with a user column)\n"
		"      --shard I/N          only users with hash(user) %% N = I [0/1]\n"
		"      --at TS              retrieve as of TS (Unix seconds or ISO-8601): events,\n"
		"                           follows and items from TS on are not used\n"
		"Filters and rules:\n"
		"      --keep-seen          keep items the user has an event with\n"
		"      --keep-shown         keep items the user was only shown (impression,\n"
		"                           view, skip), never engaged with\n"
		"      --see-less-half-life SECONDS  decay of see_less [172800]\n"
		"      --pop-half-life SECONDS       decay of popularity [604800]\n"
		"      --cold N             users with fewer engagements are cold [5]\n"
		"      --clusters K         user clusters for pop(cluster) [sampled users / 200,\n"
		"                           2 to 64]\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_THREADS | IG_HELP_SEED);
}

static void progress(uint64_t users, uint64_t candidates)
{
	ig_cli_progress(&cli, "%llu users, %llu candidates", (unsigned long long)users,
			(unsigned long long)candidates);
}

static char *read_text(const char *path)
{
	ig_reader *r = ig_reader_open(path);
	char *line, *text = NULL;
	size_t len = 0;
	ssize_t n;

	while ((n = ig_reader_getline(r, &line)) >= 0) {
		text = ig_realloc(text, len + (size_t)n + 2);
		memcpy(text + len, line, (size_t)n);
		len += (size_t)n;
		text[len++] = '\n';
	}
	ig_reader_close(r);
	if (!text)
		text = ig_strdup("");
	else
		text[len] = '\0';
	return text;
}

/* -S lines joined by newlines, so that a message's line is the option's. */
static char *append_line(char *text, const char *line)
{
	size_t a = text ? strlen(text) : 0, b = strlen(line);

	text = ig_realloc(text, a + b + 2);
	if (a)
		text[a++] = '\n';
	memcpy(text + a, line, b);
	text[a + b] = '\0';
	return text;
}

static int uses(const ig_rspec *s, int op, int mode)
{
	int i, k;

	for (i = 0; i < s->nsources; i++)
		for (k = 0; k < s->src[i].nsteps; k++)
			if (s->src[i].steps[k].op == op && (mode < 0 || s->src[i].steps[k].mode == mode))
				return 1;
	return 0;
}

/* What a retrieval run's command line says. */
typedef struct {
	const char *events, *items, *topics, *nbrs, *anbrs, *vecs, *avecs, *uvecs, *tvecs, *tower_model, *index,
		*spec_file;
	char *spec_text;        /* the -S lines; from load_spec on, the spec's text */
	uint32_t total, ef;     /* 0: not given */
	ig_ropts o;
	ig_rbatch_opts bo;
} retrieve_args;

/* The options under "Inputs" of the usage; 0 if C is none of them. */
static int input_option(retrieve_args *a, int c, const char *arg)
{
	switch (c) {
	case OPT_ITEMS:
		a->items = arg;
		break;
	case OPT_TOPICS:
		a->topics = arg;
		break;
	case OPT_FOLLOWS:
		a->bo.follows = arg;
		break;
	case OPT_NEIGHBORS:
		a->nbrs = arg;
		break;
	case OPT_ACCOUNT_NEIGHBORS:
		a->anbrs = arg;
		break;
	case OPT_VECTORS:
		a->vecs = arg;
		break;
	case OPT_ACCOUNT_VECTORS:
		a->avecs = arg;
		break;
	case OPT_USER_VECTORS:
		a->uvecs = arg;
		break;
	case 'm':
		a->tower_model = arg;
		break;
	case OPT_TOWER_VECTORS:
		a->tvecs = arg;
		break;
	case OPT_INDEX:
		a->index = arg;
		break;
	case OPT_RETRIEVE_EF:
		a->ef = (uint32_t)ig_cli_int("--ef", arg, 1, 100000);
		break;
	case OPT_STRICT:
		a->o.strict = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

/* The options under "Filters and rules" of the usage; 0 if C is none of them. */
static int rule_option(ig_ropts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_KEEP_SEEN:
		o->keep_seen = 1;
		break;
	case OPT_KEEP_SHOWN:
		o->keep_shown = 1;
		break;
	case OPT_SEE_LESS_HALF_LIFE:
		o->see_less_half_life = ig_cli_double("--see-less-half-life", arg, 1, 1e12);
		break;
	case OPT_POP_HALF_LIFE:
		o->pop_half_life = ig_cli_double("--pop-half-life", arg, 1, 1e12);
		break;
	case OPT_COLD:
		o->cold = (uint32_t)ig_cli_int("--cold", arg, 0, 1000000);
		break;
	case OPT_CLUSTERS:
		o->clusters = (uint32_t)ig_cli_int("--clusters", arg, 1, 10000);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Fills A from the options; 1 at --print-spec, whose output is all the
 * run does, so the options after it are not read. */
static int parse_retrieve(int argc, char **argv, retrieve_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"source", required_argument, NULL, 'S'},
		{"spec", required_argument, NULL, OPT_SPEC_FILE},
		{"print-spec", no_argument, NULL, OPT_PRINT_SPEC},
		{"total", required_argument, NULL, 'n'},
		{"at", required_argument, NULL, OPT_AT},
		{"items", required_argument, NULL, OPT_ITEMS},
		{"topics", required_argument, NULL, OPT_TOPICS},
		{"follows", required_argument, NULL, OPT_FOLLOWS},
		{"neighbors", required_argument, NULL, OPT_NEIGHBORS},
		{"account-neighbors", required_argument, NULL, OPT_ACCOUNT_NEIGHBORS},
		{"vectors", required_argument, NULL, OPT_VECTORS},
		{"account-vectors", required_argument, NULL, OPT_ACCOUNT_VECTORS},
		{"user-vectors", required_argument, NULL, OPT_USER_VECTORS},
		{"tower-vectors", required_argument, NULL, OPT_TOWER_VECTORS},
		{"tower-model", required_argument, NULL, 'm'},
		{"users", required_argument, NULL, OPT_USERS},
		{"shard", required_argument, NULL, OPT_SHARD},
		{"keep-seen", no_argument, NULL, OPT_KEEP_SEEN},
		{"keep-shown", no_argument, NULL, OPT_KEEP_SHOWN},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"pop-half-life", required_argument, NULL, OPT_POP_HALF_LIFE},
		{"see-less-half-life", required_argument, NULL, OPT_SEE_LESS_HALF_LIFE},
		{"cold", required_argument, NULL, OPT_COLD},
		{"clusters", required_argument, NULL, OPT_CLUSTERS},
		{"index", required_argument, NULL, OPT_INDEX},
		{"ef", required_argument, NULL, OPT_RETRIEVE_EF},
		{NULL, 0, NULL, 0}
	};
	const char *why;
	int c;

	memset(a, 0, sizeof *a);
	ig_ropts_default(&a->o);
	cli.usage = usage_retrieve;
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "S:n:m:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg) || input_option(a, c, optarg) || rule_option(&a->o, c, optarg))
			continue;
		switch (c) {
		case 'S':
			a->spec_text = append_line(a->spec_text, optarg);
			break;
		case OPT_SPEC_FILE:
			a->spec_file = optarg;
			break;
		case OPT_PRINT_SPEC:
			return 1;
		case 'n':
			a->total = (uint32_t)ig_cli_int("-n/--total", optarg, 1, 1000000);
			break;
		case OPT_AT:
			if (ig_time_parse(optarg, strlen(optarg), IG_TIME_AUTO, IG_TS_MIN, IG_TS_MAX, &a->o.at, &why) != 0)
				ig_usage_error("--at: invalid time '%s': %s", optarg, why);
			break;
		case OPT_USERS:
			a->bo.users = optarg;
			break;
		case OPT_SHARD:
			if (ig_parse_shard(optarg, &a->bo.shard, &a->bo.nshards) != 0)
				ig_usage_error("--shard: invalid value '%s' (I/N with 0 <= I < N)", optarg);
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
	return 0;
}

/* Said before any input is read, with the exit of a bad command line. */
static void check_retrieve(int argc, char **argv, retrieve_args *a)
{
	if (argc - optind != 1)
		ig_usage_error("expected one events stream");
	a->events = argv[optind];
	if (a->uvecs && a->tower_model)
		ig_usage_error("--user-vectors and --tower-model: give one");
	if (a->tower_model && strcmp(a->tower_model, "-") == 0)
		ig_usage_error("--tower-model must be a file, not '-' (stdin)");
	if (a->index && strcmp(a->index, "-") == 0)
		ig_usage_error("--index must be a file, not '-' (stdin)");
	if (!a->vecs && !a->tvecs && (a->uvecs || a->tower_model))
		ig_usage_error("%s needs --tower-vectors or --vectors (the item vectors of the same model)",
			       a->uvecs ? "--user-vectors" : "--tower-model");
	if (a->tvecs && !a->uvecs && !a->tower_model)
		ig_usage_error("--tower-vectors needs --user-vectors or --tower-model (the same model's)");
	if (!a->vecs && a->index)
		ig_usage_error("--index needs --vectors, the item vectors it was built from");
	{
		const char *inputs[] = {a->events, a->items, a->topics, a->bo.follows, a->nbrs, a->anbrs, a->vecs,
					a->avecs, a->uvecs, a->tvecs, a->tower_model, a->index, a->bo.users, a->spec_file};
		ig_cli_check_output(cli.output, inputs, (int)(sizeof inputs / sizeof inputs[0]));
	}
	if (a->spec_text && a->spec_file)
		ig_usage_error("-S and --spec: give one");
}

/* The spec of -S, --spec or the default; *IS_DEFAULT says which. */
static ig_rspec *load_spec(retrieve_args *a, int *is_default)
{
	ig_rspec *spec = ig_calloc(1, sizeof *spec);
	char err[1024];

	*is_default = 0;
	if (a->spec_file)
		a->spec_text = read_text(a->spec_file);
	if (!a->spec_text) {
		a->spec_text = ig_strdup(ig_rspec_default);
		*is_default = 1;
	}
	if (ig_rspec_parse(spec, a->spec_text, a->spec_file ? a->spec_file : *is_default ? "default spec" : "spec",
			   err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", ig_progname, err);
		exit(IG_EXIT_USAGE);
	}
	return spec;
}

static ig_rdata *load_inputs(retrieve_args *a, const ig_rspec *spec)
{
	ig_rdata *d;

	a->o.total = a->total ? a->total : spec->total ? spec->total : 500;
	a->o.seed = cli.seed;
	a->o.verbose = cli.verbosity;
	d = ig_rdata_new(&a->o);
	if (a->items)
		ig_rdata_load_items(d, a->items);
	if (a->topics)
		ig_rdata_load_topics(d, a->topics);
	if (a->vecs)
		ig_rdata_load_vectors(d, a->vecs, 0);
	if (a->avecs)
		ig_rdata_load_vectors(d, a->avecs, 1);
	if (a->tvecs)
		ig_rdata_load_tower_vectors(d, a->tvecs);
	if (a->uvecs)
		ig_rdata_load_user_vectors(d, a->uvecs);
	if (a->tower_model)
		ig_rdata_load_tower_model(d, a->tower_model);
	if (a->index)
		ig_rdata_load_index(d, a->index, a->ef);
	if (a->bo.follows)
		d->have[IG_RIN_FOLLOWS] = "--follows";
	if (uses(spec, IG_ROP_USERS, -1))
		ig_rdata_index_users(d);
	if (strcmp(a->events, "-") != 0 && (uses(spec, IG_ROP_POP, -1) || uses(spec, IG_ROP_TRENDING, -1) ||
					    uses(spec, IG_ROP_FRESH, -1) || uses(spec, IG_ROP_USERS, -1)))
		ig_rdata_popularity(d, a->events, uses(spec, IG_ROP_POP, IG_RMODE_CLUSTER) && d->item_vec);
	if (a->nbrs)
		ig_rdata_load_neighbors(d, a->nbrs, 0);
	if (a->anbrs)
		ig_rdata_load_neighbors(d, a->anbrs, 1);
	return d;
}

/* The default spec leaves out what the inputs cannot feed; a spec given
 * must be fed. */
static void drop_unfed_sources(const ig_rdata *d, ig_rspec *spec, int is_default)
{
	int i;

	for (i = 0; i < spec->nsources; i++) {
		const char *miss = ig_rsource_missing(d, &spec->src[i]);

		if (!miss)
			continue;
		if (!is_default)
			ig_usage_error("source '%s' (spec:%d:%d) needs %s", spec->src[i].name, spec->src[i].line,
				       spec->src[i].col, miss);
		if (cli.verbosity > 0)
			ig_warn("default spec: leaving out '%s', which needs %s", spec->src[i].name, miss);
		memmove(&spec->src[i], &spec->src[i + 1], (size_t)(spec->nsources - i - 1) * sizeof spec->src[0]);
		spec->nsources--;
		i--;
	}
	if (spec->nsources == 0)
		ig_usage_error("no source of the default spec can run on these inputs; give --neighbors, --vectors or --items");
}

static void report_retrieve(const retrieve_args *a, const ig_rdata *d, const ig_rspec *spec,
			    const ig_rbatch_stats *st, double cpu_ready)
{
	/* item vectors given for user vectors load fine and match nobody */
	if (d->user_vec && uses(spec, IG_ROP_TOWER, -1) && st->users > 0 && *d->user_vec_found == 0)
		ig_warn("--user-vectors %s: none of the %llu users served has a vector there, so the tower "
			"source proposed nothing (ig-train-tower writes them to PREFIX.users.vec)",
			a->uvecs, (unsigned long long)st->users);
	if (d->stats.unknown_follows)
		ig_warn("%llu follows of accounts not in the items stream, skipped",
			(unsigned long long)d->stats.unknown_follows);
	/* what a shard pays once (the inputs, the pass over the events, the
	 * read of every user's events) apart from what it pays a user */
	if (cli.verbosity > 0)
		ig_warn("%.2f s CPU before serving; serving %llu users took %.2f s CPU (%.1f users a CPU-second), "
			"the rest of the run %.2f s CPU",
			cpu_ready, (unsigned long long)st->users, st->seconds_serving,
			st->seconds_serving > 0 ? (double)st->users / st->seconds_serving : 0.0,
			ig_process_cpu() - cpu_ready - st->seconds_serving);
	if (cli.verbosity > 0 && a->bo.users)
		ig_warn("--users: %llu distinct users of the shard held", (unsigned long long)st->users_listed);
	ig_cli_summary(&cli, "%llu events, %llu users (%llu cold, %llu with no candidate), %llu candidates, %d sources",
		       (unsigned long long)st->events, (unsigned long long)st->users,
		       (unsigned long long)st->users_cold, (unsigned long long)st->users_none,
		       (unsigned long long)st->candidates, spec->nsources);
}

static int cmd_retrieve(int argc, char **argv)
{
	retrieve_args a;
	ig_rbatch_stats st;
	double cpu_ready;
	ig_rspec *spec;
	ig_rdata *d;
	ig_writer *w;
	int is_default;

	if (parse_retrieve(argc, argv, &a)) {
		free(a.spec_text);
		fputs(ig_rspec_default, stdout);
		return 0;
	}
	check_retrieve(argc, argv, &a);
	spec = load_spec(&a, &is_default);
	d = load_inputs(&a, spec);
	drop_unfed_sources(d, spec, is_default);
	a.bo.events = a.events;
	a.bo.threads = cli.threads;
	a.bo.progress = progress;
	if (a.bo.nshards == 0)
		a.bo.nshards = 1;
	w = ig_cli_open_output(&cli);
	cpu_ready = ig_process_cpu();
	ig_retrieve_batch(d, spec, &a.bo, w, &st);
	ig_writer_close(w);
	report_retrieve(&a, d, spec, &st, cpu_ready);
	ig_rdata_free(d);
	free(spec);
	free(a.spec_text);
	return 0;
}

int main(int argc, char **argv)
{
	ig_cli_init(&cli, argc, argv, usage);
	if (argc > 1 && strcmp(argv[1], "index") == 0)
		return cmd_index(argc, argv);
	if (argc > 1 && strcmp(argv[1], "search") == 0)
		return cmd_search(argc, argv);
	return cmd_retrieve(argc, argv);
}
