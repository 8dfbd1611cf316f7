/* ig-retrieve: candidates for every user from many sources, mixed by a
 * spec; the sources and the language live in lib/retrieve. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "core/ig_num.h"
#include "core/ig_time.h"
#include "io/ig_events.h"
#include "io/ig_reader.h"
#include "retrieve/ig_retrieve.h"

enum {
	OPT_SPEC_FILE = IG_OPT_FIRST_TOOL,
	OPT_PRINT_SPEC,
	OPT_AT,
	OPT_ITEMS,
	OPT_TOPICS,
	OPT_FOLLOWS,
	OPT_NEIGHBORS,
	OPT_ACCOUNT_NEIGHBORS,
	OPT_VECTORS,
	OPT_ACCOUNT_VECTORS,
	OPT_USERS,
	OPT_SHARD,
	OPT_KEEP_SEEN,
	OPT_STRICT,
	OPT_POP_HALF_LIFE,
	OPT_SEE_LESS_HALF_LIFE,
	OPT_COLD,
	OPT_CLUSTERS
};

static ig_cli cli;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-retrieve [options] EVENTS\n"
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
		"      --strict             ids not in --items are fatal, not counted\n"
		"Users and time:\n"
		"      --users FILE         only these users (ids, or a stream with a user column)\n"
		"      --shard I/N          only users with hash(user) %% N = I [0/1]\n"
		"      --at TS              retrieve as of TS (Unix seconds or ISO-8601): events,\n"
		"                           follows and items from TS on are not used\n"
		"Filters and rules:\n"
		"      --keep-seen          keep items the user has an event with\n"
		"      --see-less-half-life SECONDS  decay of see_less [172800]\n"
		"      --pop-half-life SECONDS       decay of popularity [604800]\n"
		"      --cold N             users with fewer engagements are cold [5]\n"
		"      --clusters K         user clusters for pop(cluster) [16]\n");
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

int main(int argc, char **argv)
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
		{"users", required_argument, NULL, OPT_USERS},
		{"shard", required_argument, NULL, OPT_SHARD},
		{"keep-seen", no_argument, NULL, OPT_KEEP_SEEN},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"pop-half-life", required_argument, NULL, OPT_POP_HALF_LIFE},
		{"see-less-half-life", required_argument, NULL, OPT_SEE_LESS_HALF_LIFE},
		{"cold", required_argument, NULL, OPT_COLD},
		{"clusters", required_argument, NULL, OPT_CLUSTERS},
		{NULL, 0, NULL, 0}
	};
	const char *items = NULL, *topics = NULL, *nbrs = NULL, *anbrs = NULL, *vecs = NULL, *avecs = NULL,
		   *spec_file = NULL, *events;
	char *spec_text = NULL, err[1024];
	ig_ropts o;
	ig_rbatch_opts bo;
	ig_rbatch_stats st;
	ig_rspec *spec = ig_calloc(1, sizeof *spec);
	ig_rdata *d;
	ig_writer *w;
	uint32_t total = 0;
	int c, i, is_default = 0;

	ig_cli_init(&cli, argc, argv, usage);
	ig_ropts_default(&o);
	memset(&bo, 0, sizeof bo);
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "S:n:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg))
			continue;
		switch (c) {
		case 'S':
			spec_text = append_line(spec_text, optarg);
			break;
		case OPT_SPEC_FILE:
			spec_file = optarg;
			break;
		case OPT_PRINT_SPEC:
			fputs(ig_rspec_default, stdout);
			return 0;
		case 'n':
			total = (uint32_t)ig_cli_int("-n/--total", optarg, 1, 1000000);
			break;
		case OPT_AT: {
			const char *why;

			if (ig_time_parse(optarg, strlen(optarg), IG_TIME_AUTO, IG_TS_MIN, IG_TS_MAX, &o.at, &why) != 0)
				ig_usage_error("--at: invalid time '%s': %s", optarg, why);
			break;
		}
		case OPT_ITEMS:
			items = optarg;
			break;
		case OPT_TOPICS:
			topics = optarg;
			break;
		case OPT_FOLLOWS:
			bo.follows = optarg;
			break;
		case OPT_NEIGHBORS:
			nbrs = optarg;
			break;
		case OPT_ACCOUNT_NEIGHBORS:
			anbrs = optarg;
			break;
		case OPT_VECTORS:
			vecs = optarg;
			break;
		case OPT_ACCOUNT_VECTORS:
			avecs = optarg;
			break;
		case OPT_USERS:
			bo.users = optarg;
			break;
		case OPT_SHARD:
			if (ig_parse_shard(optarg, &bo.shard, &bo.nshards) != 0)
				ig_usage_error("--shard: invalid value '%s' (I/N with 0 <= I < N)", optarg);
			break;
		case OPT_KEEP_SEEN:
			o.keep_seen = 1;
			break;
		case OPT_STRICT:
			o.strict = 1;
			break;
		case OPT_POP_HALF_LIFE:
			o.pop_half_life = ig_cli_double("--pop-half-life", optarg, 1, 1e12);
			break;
		case OPT_SEE_LESS_HALF_LIFE:
			o.see_less_half_life = ig_cli_double("--see-less-half-life", optarg, 1, 1e12);
			break;
		case OPT_COLD:
			o.cold = (uint32_t)ig_cli_int("--cold", optarg, 0, 1000000);
			break;
		case OPT_CLUSTERS:
			o.clusters = (uint32_t)ig_cli_int("--clusters", optarg, 1, 10000);
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
	if (argc - optind != 1)
		ig_usage_error("expected one events stream");
	events = argv[optind];
	if (spec_text && spec_file)
		ig_usage_error("-S and --spec: give one");
	if (spec_file)
		spec_text = read_text(spec_file);
	if (!spec_text) {
		spec_text = ig_strdup(ig_rspec_default);
		is_default = 1;
	}
	if (ig_rspec_parse(spec, spec_text, spec_file ? spec_file : is_default ? "default spec" : "spec", err,
			   sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", ig_progname, err);
		exit(IG_EXIT_USAGE);
	}
	o.total = total ? total : spec->total ? spec->total : 500;
	o.seed = cli.seed;
	o.verbose = cli.verbosity;
	d = ig_rdata_new(&o);
	if (items)
		ig_rdata_load_items(d, items);
	if (topics)
		ig_rdata_load_topics(d, topics);
	if (vecs)
		ig_rdata_load_vectors(d, vecs, 0);
	if (avecs)
		ig_rdata_load_vectors(d, avecs, 1);
	if (bo.follows)
		d->have[7] = "--follows";
	if (strcmp(events, "-") != 0 &&
	    (uses(spec, IG_ROP_POP, -1) || uses(spec, IG_ROP_TRENDING, -1) || uses(spec, IG_ROP_FRESH, -1)))
		ig_rdata_popularity(d, events, uses(spec, IG_ROP_POP, IG_RMODE_CLUSTER) && d->item_vec);
	if (nbrs)
		ig_rdata_load_neighbors(d, nbrs, 0);
	if (anbrs)
		ig_rdata_load_neighbors(d, anbrs, 1);
	/* the default spec leaves out what the inputs cannot feed; a spec
	 * given must be fed */
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
	bo.events = events;
	bo.threads = cli.threads;
	bo.progress = progress;
	if (bo.nshards == 0)
		bo.nshards = 1;
	w = ig_cli_open_output(&cli);
	ig_retrieve_batch(d, spec, &bo, w, &st);
	ig_writer_close(w);
	if (d->stats.unknown_follows)
		ig_warn("%llu follows of accounts not in the items stream, skipped",
			(unsigned long long)d->stats.unknown_follows);
	ig_cli_summary(&cli, "%llu events, %llu users (%llu cold, %llu with no candidate), %llu candidates, %d sources",
		       (unsigned long long)st.events, (unsigned long long)st.users, (unsigned long long)st.users_cold,
		       (unsigned long long)st.users_none, (unsigned long long)st.candidates, spec->nsources);
	ig_rdata_free(d);
	free(spec);
	free(spec_text);
	return 0;
}
