/* ig-retrieve: candidate retrieval. The subcommands "index" and "search"
 * build and query an HNSW index over a vectors file; the rest (sources,
 * merging) is cmd_retrieve. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_intern.h"
#include "io/ig_tsv.h"
#include "io/ig_vectors.h"
#include "retrieve/ig_ann.h"

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
	int m = ig_ann_metric_parse(arg);

	if (m < 0)
		ig_usage_error("--metric: invalid value '%s' (cosine or ip)", arg);
	return (ig_ann_metric)m;
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
	double t0, t1;
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
	o.threads = cli.threads;
	o.seed = cli.seed;
	v = ig_vectors_load(argv[optind]);
	t0 = ig_now();
	h = ig_hnsw_build(v, &o);
	t1 = ig_now();
	ig_hnsw_save(h, argv[optind + 1], NULL);
	if (cli.verbosity > 0)
		fprintf(stderr, "%s: build %.3f s on %d threads, kernel %s\n", ig_progname, t1 - t0, o.threads,
			ig_ann_kernel_name());
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
	const uint32_t *exclude;
	size_t nq, k, ef;
	uint32_t *ids;          /* nq x k */
	float *sims;
	size_t *found;
	size_t next;            /* taken atomically */
} batch;

static void *search_worker(void *arg)
{
	batch *b = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->nq) {
		if (b->h != NULL)
			b->found[i] = ig_hnsw_search(b->h, b->q[i], b->k, b->ef, b->exclude[i], b->ids + i * b->k,
						     b->sims + i * b->k);
		else
			b->found[i] = ig_ann_brute(b->base, b->metric, b->q[i], b->k, b->exclude[i],
						   b->ids + i * b->k, b->sims + i * b->k);
	}
	return NULL;
}

static void run_batch(batch *b, int threads)
{
	pthread_t tid[256];
	int t, n = threads < 1 ? 1 : threads > 256 ? 256 : threads;

	b->next = 0;
	if (n == 1) {
		search_worker(b);
		return;
	}
	for (t = 0; t < n; t++)
		if (pthread_create(&tid[t], NULL, search_worker, b) != 0)
			ig_die("cannot start a thread");
	for (t = 0; t < n; t++)
		pthread_join(tid[t], NULL);
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

static int cmd_search(int argc, char **argv)
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
	static const char *const cols[] = {"item", "neighbor", "score", "support"};
	const char *index = NULL, *ids = NULL;
	int exact = 0, metric_set = 0, c;
	ig_ann_metric metric = IG_ANN_COSINE;
	size_t k = 10, ef = IG_HNSW_DEFAULT_EF, nq, i, j, at;
	ig_vectors *base, *qv = NULL;
	ig_hnsw *h = NULL;
	query *q;
	batch b;
	ig_writer *w;
	double spent = 0, t0;
	uint32_t *excl;
	const float **qp;

	cli.usage = usage_search;
	optind = 2;
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "x:k:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case 'x':
			index = optarg;
			break;
		case OPT_EXACT:
			exact = 1;
			break;
		case OPT_METRIC:
			metric = need_metric(optarg);
			metric_set = 1;
			break;
		case 'k':
			k = (size_t)ig_cli_int("-k/--top", optarg, 1, 100000);
			break;
		case OPT_EF:
			ef = (size_t)ig_cli_int("--ef", optarg, 1, 1000000);
			break;
		case OPT_IDS:
			ids = optarg;
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
	if ((index != NULL) == exact)
		ig_usage_error("search needs one of -x INDEX and --exact");
	if (metric_set && !exact)
		ig_usage_error("--metric goes with --exact; an index knows its own");
	if (argc - optind < 1 || argc - optind > 2)
		ig_usage_error("search takes VECTORS and, optionally, QUERIES");
	if (ids != NULL && argc - optind == 2)
		ig_usage_error("--ids and QUERIES do not go together");
	base = ig_vectors_load(argv[optind]);
	if (index != NULL) {
		h = ig_hnsw_load(index, base);
		metric = ig_hnsw_metric(h);
	}
	if (argc - optind == 2) {
		qv = ig_vectors_load(argv[optind + 1]);
		if (qv->dim != base->dim)
			ig_die("%s: %u-dimensional queries for %u-dimensional vectors", argv[optind + 1], qv->dim,
			       base->dim);
	}
	q = collect_queries(base, qv, ids, &nq);
	memset(&b, 0, sizeof b);
	b.h = h;
	b.base = base;
	b.metric = metric;
	b.k = k;
	b.ef = ef;
	b.ids = ig_reallocarray(NULL, (size_t)BATCH * k, sizeof *b.ids);
	b.sims = ig_reallocarray(NULL, (size_t)BATCH * k, sizeof *b.sims);
	b.found = ig_reallocarray(NULL, BATCH, sizeof *b.found);
	qp = ig_reallocarray(NULL, BATCH, sizeof *qp);
	excl = ig_reallocarray(NULL, BATCH, sizeof *excl);
	b.q = qp;
	b.exclude = excl;
	w = ig_cli_open_output(&cli);
	ig_header_write(w, "neighbors", 1, cols, 4, NULL);
	for (at = 0; at < nq; at += b.nq) {
		b.nq = nq - at < BATCH ? nq - at : BATCH;
		for (i = 0; i < b.nq; i++) {
			qp[i] = q[at + i].vec;
			excl[i] = q[at + i].exclude;
		}
		t0 = ig_now();
		run_batch(&b, cli.threads);
		spent += ig_now() - t0;
		for (i = 0; i < b.nq; i++)
			for (j = 0; j < b.found[i]; j++) {
				ig_writer_puts(w, q[at + i].name);
				ig_writer_putc(w, '\t');
				ig_writer_puts(w, ig_vectors_name(base, b.ids[i * k + j]));
				ig_writer_putc(w, '\t');
				ig_writer_put_double(w, b.sims[i * k + j], 9);
				ig_writer_puts(w, "\t\n");
			}
	}
	ig_writer_close(w);
	/* Timings vary from run to run: only on request. */
	if (cli.verbosity > 0)
		fprintf(stderr, "%s: search %.4f s, %.0f queries/s on %d threads, kernel %s\n", ig_progname, spent,
			spent > 0 ? (double)nq / spent : 0.0, cli.threads, ig_ann_kernel_name());
	if (exact)
		ig_cli_summary(&cli, "%zu queries, top %zu, exact %s", nq, k, ig_ann_metric_name(metric));
	else
		ig_cli_summary(&cli, "%zu queries, top %zu, ef %zu", nq, k, ef < k ? k : ef);
	free(b.ids);
	free(b.sims);
	free(b.found);
	free(qp);
	free(excl);
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

static int cmd_retrieve(int argc, char **argv)
{
	int c;
	static const struct option longopts[] = {IG_CLI_LONGOPTS, {NULL, 0, NULL, 0}};

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (!ig_cli_option(&cli, c, optarg))
			ig_usage_error("unknown option");
	fprintf(stderr, "%s: retrieval is not built yet\n", ig_progname);
	return 2;
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
