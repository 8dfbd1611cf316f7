/* ig-ingest: raw logs to validated events, items or follows streams. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/ig_cli.h"
#include "core/ig_err.h"
#include "ingest/ig_ingest.h"
#include "core/ig_num.h"
#include "core/ig_time.h"

enum {
	OPT_SET = IG_OPT_FIRST_TOOL,
	OPT_TIME,
	OPT_MEDIA_MAP,
	OPT_TOPIC_SEP,
	OPT_SHARD,
	OPT_SKIP_BAD,
	OPT_ENCODING,
};

static ig_cli cli;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-ingest [options] [FILE...]\n"
		"Turns raw logs (TSV, CSV, '::'-separated ...) into a validated events, items or\n"
		"follows stream; events and follows come out sorted by user, then ts, with exact\n"
		"duplicates dropped. FILE '-' or none is stdin; gzip input is detected.\n"
		"\n"
		"What to make:\n"
		"  -k, --kind KIND      events, items or follows [events]\n"
		"  -p, --preset NAME    settings for a known data set:\n");
	ig_ingest_list_presets(fp);
	fprintf(fp,
		"Input format:\n"
		"  -F, --format FMT     tsv, csv (RFC 4180 quotes), json (JSON lines: one object\n"
		"                       a line, -c COLUMN=KEY), or auto: csv for *.csv[.gz], json\n"
		"                       for *.json, *.jsonl, *.ndjson [auto]\n"
		"  -d, --sep STR        field separator, '\\t' for a tab [tab; ',' for csv]\n"
		"  -H, --header         the first line of each file names its columns\n"
		"  -c, --columns MAP    which field is which column: by position\n"
		"                       ('user,item,-,ts') or as COLUMN=FIELD with a number or\n"
		"                       header name\n"
		"                       ('user=userId,item=2') [the stream's own order, or by\n"
		"                       header name with -H]\n"
		"      --set COL=VALUE  every record gets VALUE in column COL (repeatable)\n"
		"      --time FMT       ts and created: auto (Unix seconds or ISO-8601), unix,\n"
		"                       ms (Unix milliseconds) or iso [auto]\n"
		"      --encoding ENC   utf-8, or latin1 (ISO-8859-1, made UTF-8) [utf-8]\n"
		"Mapping values:\n"
		"  -e, --event-map RULES  raw action (or, with no event column, the value) to\n"
		"                       event type, first match wins: 'click:view,fav:like',\n"
		"                       '>=4:like,<=2:see_less,*:view' (< <= > >= == compare\n"
		"                       numbers)\n"
		"      --media-map RULES  raw media to photo, video, reel or carousel\n"
		"                       ('img:photo')\n"
		"      --topic-sep CHAR separator of topics in the raw topics field [,]\n"
		"Selection and bad input:\n"
		"      --shard I/N      keep only users whose FNV-1a hash mod N is I\n"
		"      --skip-bad FILE  write bad records to FILE (FILE:LINE, reason, line; tab-\n"
		"                       separated) and go on [stop at the first]\n");
	ig_cli_help_common(fp, &cli, IG_HELP_OUTPUT | IG_HELP_MEMORY);
}

/* "\t" typed on a command line means a tab. */
static const char *unescape_sep(const char *s)
{
	if (strcmp(s, "\\t") == 0 || strcmp(s, "tab") == 0)
		return "\t";
	return s;
}

/* "events: R read, W written, X rejected, D duplicates[, S in other
 * shards][, B blank lines]; U users; TYPE COUNT, ..." */
static void summary(const ig_ingest_opts *o, const ig_ingest_stats *st)
{
	char extra[1024];
	size_t n = 0;
	int i;

	extra[0] = '\0';
	if (o->sharded)
		n += (size_t)snprintf(extra + n, sizeof extra - n, ", %llu in other shards",
				      (unsigned long long)st->other_shards);
	if (st->blank)
		n += (size_t)snprintf(extra + n, sizeof extra - n, ", %llu blank lines",
				      (unsigned long long)st->blank);
	if (o->kind != IG_KIND_ITEMS)
		n += (size_t)snprintf(extra + n, sizeof extra - n, "; %llu users",
				      (unsigned long long)st->users);
	if (o->kind == IG_KIND_EVENTS)
		for (i = 0; i < IG_EV_COUNT && n < sizeof extra - 64; i++)
			if (st->per_type[i])
				n += (size_t)snprintf(extra + n, sizeof extra - n, "%s%s %llu",
						      extra[n - 1] == 's' && n > 6 &&
						      strcmp(extra + n - 6, " users") == 0 ? "; " : ", ",
						      ig_event_name(i), (unsigned long long)st->per_type[i]);
	if (cli.verbosity > 0 && st->spill_runs)
		n += (size_t)snprintf(extra + n, sizeof extra - n, "; %llu sorted runs spilled",
				      (unsigned long long)st->spill_runs);
	ig_cli_summary(&cli, "%s: %llu records read, %llu written, %llu rejected, %llu duplicates%s",
		       ig_ingest_kind_name(o->kind), (unsigned long long)st->read,
		       (unsigned long long)st->written, (unsigned long long)st->rejected,
		       (unsigned long long)st->duplicates, extra);
}

#define MAX_SETS 64

/* What the command line says. */
typedef struct {
	ig_ingest_opts o;
	const char *preset;
	const char *sets[MAX_SETS];     /* applied once the kind is known */
	int nsets;
} ingest_args;

/* In the order of enum ig_ingest_format. */
static const char *const format_names[] = {"auto", "tsv", "csv", "json", NULL};

/* The aliases a user may type for each of the two encodings. */
static int encoding_is_latin1(const char *arg)
{
	if (strcasecmp(arg, "utf-8") == 0 || strcasecmp(arg, "utf8") == 0)
		return 0;
	if (strcasecmp(arg, "latin1") == 0 || strcasecmp(arg, "latin-1") == 0 || strcasecmp(arg, "iso-8859-1") == 0)
		return 1;
	ig_usage_error("--encoding: '%s' is not utf-8 or latin1", arg);
}

/* The options under "Input format" of the usage; 0 if C is none of them. */
static int input_format_option(ingest_args *a, int c, const char *arg)
{
	switch (c) {
	case 'F':
		a->o.format = ig_cli_need_one_of("-F/--format", arg, ig_cli_keyword(arg, format_names),
						   "tsv, csv, json or auto");
		break;
	case 'd':
		a->o.sep = unescape_sep(arg);
		break;
	case 'H':
		a->o.header = 1;
		break;
	case 'c':
		a->o.columns = arg;
		break;
	case OPT_SET:
		if (a->nsets == MAX_SETS)
			ig_usage_error("--set: too many");
		a->sets[a->nsets++] = arg;
		break;
	case OPT_TIME:
		a->o.time_format = ig_cli_need_one_of("--time", arg, ig_time_format_parse(arg), "auto, unix, ms or iso");
		break;
	case OPT_ENCODING:
		a->o.latin1 = encoding_is_latin1(arg);
		break;
	default:
		return 0;
	}
	return 1;
}

static void parse(int argc, char **argv, ingest_args *a)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		{"kind", required_argument, NULL, 'k'},
		{"preset", required_argument, NULL, 'p'},
		{"format", required_argument, NULL, 'F'},
		{"sep", required_argument, NULL, 'd'},
		{"header", no_argument, NULL, 'H'},
		{"columns", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, OPT_SET},
		{"time", required_argument, NULL, OPT_TIME},
		{"event-map", required_argument, NULL, 'e'},
		{"media-map", required_argument, NULL, OPT_MEDIA_MAP},
		{"topic-sep", required_argument, NULL, OPT_TOPIC_SEP},
		{"shard", required_argument, NULL, OPT_SHARD},
		{"skip-bad", required_argument, NULL, OPT_SKIP_BAD},
		{"encoding", required_argument, NULL, OPT_ENCODING},
		{NULL, 0, NULL, 0},
	};
	ig_ingest_opts *o = &a->o;
	int c;

	memset(a, 0, sizeof *a);
	ig_ingest_opts_init(o);
	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS "k:p:F:d:Hc:e:", longopts, NULL)) != -1) {
		if (ig_cli_option(&cli, c, optarg) || input_format_option(a, c, optarg))
			continue;
		switch (c) {
		case 'k':
			o->kind = ig_cli_need_one_of("-k/--kind", optarg, ig_ingest_kind_parse(optarg),
						     "events, items or follows");
			break;
		case 'p':
			a->preset = optarg;
			break;
		case 'e':
			o->event_map = optarg;
			break;
		case OPT_MEDIA_MAP:
			o->media_map = optarg;
			break;
		case OPT_TOPIC_SEP:
			if (strlen(optarg) != 1 || optarg[0] == '\t' || optarg[0] == '\n')
				ig_usage_error("--topic-sep: '%s' is not one character", optarg);
			o->topic_sep = (unsigned char)optarg[0];
			break;
		case OPT_SHARD:
			if (ig_parse_shard(optarg, &o->shard_index, &o->shard_count) != 0)
				ig_usage_error("--shard: '%s' is not I/N with 0 <= I < N", optarg);
			o->sharded = 1;
			break;
		case OPT_SKIP_BAD:
			o->rejects = optarg;
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
}

/* Files all named as JSON lines are read as such from the start, so that
 * -c may name their keys without -H. */
static void json_when_all_named_so(ig_ingest_opts *o, int argc, char **argv)
{
	int i;

	if (o->format > IG_FORMAT_AUTO || optind >= argc)
		return;
	for (i = optind; i < argc && ig_ingest_json_name(argv[i]); i++)
		;
	if (i == argc)
		o->format = IG_FORMAT_JSON;
}

/* The preset and the --set values on top of the options. */
static void apply_preset_and_sets(ingest_args *a)
{
	ig_ingest_opts *o = &a->o;
	char err[256];
	int i;

	/* --set names columns of the kind, which -k or the preset decide. */
	if (a->preset && o->kind < 0 && (o->kind = ig_ingest_preset_kind(a->preset)) < 0)
		ig_usage_error("-p/--preset: unknown preset '%s' (see --help)", a->preset);
	for (i = 0; i < a->nsets; i++)
		if (ig_ingest_set(o, a->sets[i], err, sizeof err) != 0)
			ig_usage_error("--set: %s", err);
	if (a->preset && ig_ingest_apply_preset(o, a->preset, err, sizeof err) != 0)
		ig_usage_error("-p/--preset: %s", err);
	if (o->kind < 0)
		o->kind = IG_KIND_EVENTS;
	o->memory = cli.memory;
	o->tmpdir = cli.tmpdir;
	o->cli = &cli;
}

static void check_outputs(const ig_ingest_opts *o, int argc, char **argv)
{
	const char *stdin_only[] = {"-"};
	const char *const *inputs = optind < argc ? (const char *const *)argv + optind : stdin_only;
	int ninputs = optind < argc ? argc - optind : 1;

	ig_cli_check_output(cli.output, inputs, ninputs);
	if (o->rejects != NULL)
		ig_cli_check_extra_output(&cli, o->rejects, "--skip-bad", inputs, ninputs);
}

static void ingest_files(const ig_ingest_opts *o, int argc, char **argv, ig_ingest_stats *st)
{
	ig_ingest *g = ig_ingest_new(o);
	ig_writer *w = ig_cli_open_output(&cli);
	int i;

	ig_ingest_begin(g, w);
	if (optind == argc)
		ig_ingest_file(g, "-");
	for (i = optind; i < argc; i++)
		ig_ingest_file(g, argv[i]);
	ig_ingest_finish(g, st);
	ig_writer_close(w);
	ig_ingest_free(g);
}

int main(int argc, char **argv)
{
	ingest_args a;
	ig_ingest_stats st;

	ig_cli_init(&cli, argc, argv, usage);
	parse(argc, argv, &a);
	json_when_all_named_so(&a.o, argc, argv);
	apply_preset_and_sets(&a);
	check_outputs(&a.o, argc, argv);
	ingest_files(&a.o, argc, argv, &st);
	summary(&a.o, &st);
	return 0;
}
