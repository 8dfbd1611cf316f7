/* The command line of "ig-synth respond": rebuild the world, read a feed
 * one user at a time, and write what the users are expected to do with it
 * (a response stream or a table against the logging policy, an oracle
 * and an oracle of the items the user has not seen), or sampled events.
 * Users go in batches over the threads; the output does not depend on
 * their number. */
#include "synth/ig_synth_respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_num.h"
#include "core/ig_thread.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"
#include "io/ig_writer.h"
#include "synth/ig_synth_user_priv.h"

#define BATCH_IMPRESSIONS 65536

enum {
	OPT_AT = IG_SYN_OPT_END,
	OPT_AFTER,
	OPT_SAMPLE,
	OPT_TABLE,
	OPT_REWARD,
	OPT_AUTHOR_CAP,
	OPT_SORT
};


static const ig_cli *g_cli;

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ig-synth respond [world options] [options] FEED\n"
		"Show FEED (feed/1, ranked/1, candidates/1, or any stream or headerless\n"
		"'user item [score]' list, grouped by user) to the users of the world that\n"
		"the world options and --seed rebuild, as one more session after their\n"
		"history, and write what the planted model expects each user to do with\n"
		"each impression (a response/1 stream), or a table against the world's\n"
		"logging policy, an oracle and the oracle of the items the user has no\n"
		"event with, or sampled events.\n");
	ig_synth_params_help(fp);
	fprintf(fp,
		"Respond:\n"
		"      --at TS          show the feed at TS, or when the user's last session\n"
		"                       allows [the end of the days of sessions]\n"
		"      --after FILE     events of earlier rounds (earlier --sample output) that\n"
		"                       happened before this feed\n"
		"      --sample SEED    write sampled events (events/1) instead of expectations\n"
		"      --table          a table per event type: feed, logging policy, oracle,\n"
		"                       oracle of the unseen items\n"
		"      --reward SPEC    value of each event, e.g. share=4,hide=-10; types not\n"
		"                       named keep [like=1,comment=1,share=1,save=1, others 0]\n"
		"      --author-cap N   the oracles show at most N items of one author [0: any]\n"
		"      --sort           sort FEED by user first (bounded by --memory)\n");
	ig_cli_help_common(fp, g_cli, IG_HELP_OUTPUT | IG_HELP_THREADS | IG_HELP_SEED | IG_HELP_MEMORY);
}

typedef struct respond_opts {
	int64_t at;
	const char *after;
	int sample;
	uint64_t sample_seed;
	int table;
	double reward[IG_EV_COUNT];
	uint32_t author_cap;
} respond_opts;

/* One batch of users read from the feed. */
typedef struct batch {
	size_t nusers, nitems, nprior;
	uint32_t *user;          /* world user number */
	size_t *first;           /* user k's items: item[first[k] .. first[k+1]) */
	uint32_t *item;
	size_t *prior_first;     /* user k's earlier events: prior[...] */
	ig_synth_prior *prior;
	size_t user_cap, item_cap, prior_cap;
	/* results */
	ig_synth_expect *exp;    /* per item of the feed */
	ig_synth_expect *logging; /* per user */
	ig_synth_expect *oracle;  /* per user: sums over its oracle list */
	ig_synth_expect *unseen;  /* per user: sums over its unseen oracle's */
} batch;

typedef struct worker {
	const ig_synth_world *w;
	const respond_opts *o;
	batch *b;
	ig_synth_resp *resp;
	size_t from, to;          /* users of the batch */
	ig_synth_out out;         /* sampled events, or formatted responses */
	uint32_t *oracle_items, *unseen_items;
	ig_synth_expect *oracle_exp;
	size_t oracle_cap;
} worker;

/* "u0000042" for a world of WIDTH-digit ids: 41; UINT32_MAX when S is
 * not such an id below MAX. */
static uint32_t parse_id(char prefix, const char *s, size_t len, int width, uint32_t max)
{
	uint64_t v = 0;
	size_t k;

	if (len != (size_t)width + 1 || s[0] != prefix)
		return UINT32_MAX;
	for (k = 1; k < len; k++) {
		if (s[k] < '0' || s[k] > '9')
			return UINT32_MAX;
		v = v * 10 + (uint64_t)(s[k] - '0');
	}
	return v >= 1 && v <= max ? (uint32_t)(v - 1) : UINT32_MAX;
}

static void batch_reserve(batch *b, size_t users, size_t items, size_t prior)
{
	if (users + 1 > b->user_cap) {
		b->user_cap = 2 * (users + 1);
		b->user = ig_reallocarray(b->user, b->user_cap, sizeof *b->user);
		b->first = ig_reallocarray(b->first, b->user_cap, sizeof *b->first);
		b->prior_first = ig_reallocarray(b->prior_first, b->user_cap, sizeof *b->prior_first);
		b->logging = ig_reallocarray(b->logging, b->user_cap, sizeof *b->logging);
		b->oracle = ig_reallocarray(b->oracle, b->user_cap, sizeof *b->oracle);
		b->unseen = ig_reallocarray(b->unseen, b->user_cap, sizeof *b->unseen);
	}
	if (items > b->item_cap) {
		b->item_cap = 2 * items;
		b->item = ig_reallocarray(b->item, b->item_cap, sizeof *b->item);
		b->exp = ig_reallocarray(b->exp, b->item_cap, sizeof *b->exp);
	}
	if (prior > b->prior_cap) {
		b->prior_cap = 2 * prior + 16;
		b->prior = ig_reallocarray(b->prior, b->prior_cap, sizeof *b->prior);
	}
}

/* Earlier rounds' events, read along with the feed (both by user). */
typedef struct prior_reader {
	ig_events_reader *er;
	ig_event ev;
	int have;
	const ig_synth_world *w;
	const char *path;
} prior_reader;

static int idcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Appends the events of USER to B's prior list. */
static void prior_take(prior_reader *p, const char *user, size_t ulen, batch *b)
{
	while (p->have) {
		int c = idcmp(p->ev.user, p->ev.user_len, user, ulen);
		if (c > 0)
			break;
		if (c == 0) {
			uint32_t item = parse_id('i', p->ev.item, p->ev.item_len, p->w->item_width, p->w->p.items);
			if (item == UINT32_MAX)
				ig_die_at(p->path, ig_reader_lineno(ig_events_raw(p->er)),
					  "item '%s' is not an item of this world", p->ev.item);
			batch_reserve(b, b->nusers, b->nitems, b->nprior + 1);
			b->prior[b->nprior].ts = p->ev.ts;
			b->prior[b->nprior].item = item;
			b->prior[b->nprior].type = p->ev.type;
			b->nprior++;
		}
		p->have = ig_events_next(p->er, &p->ev);
	}
}

/* Reads users until about BATCH_IMPRESSIONS impressions; 0 at the end. */
static int read_batch(ig_synth_feed *feed, prior_reader *prior, const ig_synth_world *w, batch *b)
{
	const char *user;
	size_t ulen, n, k;
	const char *const *items;
	const size_t *lens;
	const uint64_t *lines;

	b->nusers = b->nitems = b->nprior = 0;
	batch_reserve(b, 1, 0, 0);
	while (b->nitems < BATCH_IMPRESSIONS && feed->next(feed->ctx, &user, &ulen, &n, &items, &lens, &lines)) {
		uint32_t u = parse_id('u', user, ulen, w->user_width, w->p.users);
		if (u == UINT32_MAX)
			ig_die_at(feed->name(feed->ctx), n > 0 ? (long)lines[0] : 0,
				  "user '%.*s' is not a user of this world (u%0*d to u%0*u)", (int)ulen, user,
				  w->user_width, 1, w->user_width, w->p.users);
		batch_reserve(b, b->nusers + 1, b->nitems + n, b->nprior);
		b->user[b->nusers] = u;
		b->first[b->nusers] = b->nitems;
		b->prior_first[b->nusers] = b->nprior;
		for (k = 0; k < n; k++) {
			uint32_t i = parse_id('i', items[k], lens[k], w->item_width, w->p.items);
			if (i == UINT32_MAX)
				ig_die_at(feed->name(feed->ctx), (long)lines[k],
					  "item '%.*s' is not an item of this world (i%0*d to i%0*u)", (int)lens[k],
					  items[k], w->item_width, 1, w->item_width, w->p.items);
			b->item[b->nitems++] = i;
		}
		if (prior->er != NULL)
			prior_take(prior, user, ulen, b);
		b->nusers++;
	}
	b->first[b->nusers] = b->nitems;
	b->prior_first[b->nusers] = b->nprior;
	return b->nusers > 0;
}

/* room for "%.6f" of any double (DBL_MAX: 316 characters) */
#define FIXED_MAX 400

static void put_fixed(ig_synth_buf *out, double v)
{
	char s[FIXED_MAX];
	int n = snprintf(s, sizeof s, "%.6f", v);

	ig_synth_buf_put(out, s, (size_t)n);
}

static double reward_of(const respond_opts *o, const double ev[IG_EV_COUNT])
{
	double v = 0;
	int e;

	for (e = 0; e < IG_EV_COUNT; e++)
		v += o->reward[e] * ev[e];
	return v;
}

static void response_rows(worker *wk, uint32_t u, const uint32_t *items, const ig_synth_expect *exp, size_t n)
{
	ig_synth_buf *out = &wk->out.buf[IG_SYN_EVENTS];
	ig_synth_idtext uid, iid;
	size_t k;
	int e;

	ig_synth_idtext_user(&uid, wk->w, u);
	for (k = 0; k < n; k++) {
		ig_synth_idtext_item(&iid, wk->w, items[k]);
		ig_synth_buf_reserve(out, 256);
		ig_synth_buf_put(out, uid.s, uid.n);
		ig_synth_buf_putc(out, '\t');
		ig_synth_buf_u64(out, k + 1);
		ig_synth_buf_putc(out, '\t');
		ig_synth_buf_put(out, iid.s, iid.n);
		for (e = 0; e < IG_EV_COUNT; e++) {
			ig_synth_buf_putc(out, '\t');
			ig_synth_buf_prob(out, exp[k].ev[e]);
		}
		ig_synth_buf_putc(out, '\t');
		put_fixed(out, reward_of(wk->o, exp[k].ev));
		ig_synth_buf_putc(out, '\n');
	}
}

/* Sums into *SUM the expectations of the N items LIST, shown as a list. */
static void list_sum(worker *wk, const uint32_t *list, size_t n, ig_synth_expect *sum)
{
	size_t j;
	int e;

	ig_synth_resp_expect(wk->resp, list, n, wk->oracle_exp);
	memset(sum, 0, sizeof *sum);
	for (j = 0; j < n; j++)
		for (e = 0; e < IG_EV_COUNT; e++)
			sum->ev[e] += wk->oracle_exp[j].ev[e];
}

/* The table's references for user K of the batch, whose list has N
 * items: the logging policy, the oracle and the unseen oracle. */
static void table_user(worker *wk, size_t k, size_t n)
{
	batch *b = wk->b;
	size_t m, m_unseen;

	if (n > wk->oracle_cap) {
		wk->oracle_cap = 2 * n;
		wk->oracle_items = ig_reallocarray(wk->oracle_items, wk->oracle_cap, sizeof *wk->oracle_items);
		wk->unseen_items = ig_reallocarray(wk->unseen_items, wk->oracle_cap, sizeof *wk->unseen_items);
		wk->oracle_exp = ig_reallocarray(wk->oracle_exp, wk->oracle_cap, sizeof *wk->oracle_exp);
	}
	m = ig_synth_resp_policies(wk->resp, wk->o->reward, n, wk->o->author_cap, &b->logging[k], wk->oracle_items,
				   wk->unseen_items, &m_unseen);
	list_sum(wk, wk->oracle_items, m, &b->oracle[k]);
	list_sum(wk, wk->unseen_items, m_unseen, &b->unseen[k]);
}

static void run_worker(worker *wk)
{
	batch *b = wk->b;
	size_t k;

	for (k = wk->from; k < wk->to; k++) {
		const uint32_t *items = b->item + b->first[k];
		size_t n = b->first[k + 1] - b->first[k];
		ig_synth_expect *exp = b->exp + b->first[k];

		ig_synth_resp_user(wk->resp, b->user[k], wk->o->at, b->prior + b->prior_first[k],
				   b->prior_first[k + 1] - b->prior_first[k]);
		if (wk->o->sample) {
			ig_synth_resp_sample(wk->resp, wk->o->sample_seed, items, n, &wk->out);
			continue;
		}
		ig_synth_resp_expect(wk->resp, items, n, exp);
		if (!wk->o->table) {
			response_rows(wk, b->user[k], items, exp, n);
			continue;
		}
		table_user(wk, k, n);
	}
}

/* Slice I of the batch; each worker's scratch serves one slice at a time. */
static void run_slice(void *arg, size_t i, int tid)
{
	(void)tid;
	run_worker((worker *)arg + i);
}

/* Totals over users for the table, summed in user order. */
typedef struct totals {
	double feed[IG_EV_COUNT], logging[IG_EV_COUNT], oracle[IG_EV_COUNT], unseen[IG_EV_COUNT];
	uint64_t users, slots;
} totals;

static void add_totals(const batch *b, totals *t)
{
	size_t k, j;
	int e;

	for (k = 0; k < b->nusers; k++) {
		size_t n = b->first[k + 1] - b->first[k];
		for (j = b->first[k]; j < b->first[k + 1]; j++)
			for (e = 0; e < IG_EV_COUNT; e++)
				t->feed[e] += b->exp[j].ev[e];
		for (e = 0; e < IG_EV_COUNT; e++) {
			t->logging[e] += (double)n * b->logging[k].ev[e];
			t->oracle[e] += b->oracle[k].ev[e];
			t->unseen[e] += b->unseen[k].ev[e];
		}
		t->users++;
		t->slots += n;
	}
}

static void put_ratio(ig_synth_buf *out, double a, double b)
{
	char s[FIXED_MAX];
	int n;

	if (b == 0)
		n = snprintf(s, sizeof s, "  %12s", "-");
	else
		n = snprintf(s, sizeof s, "  %12.4f", a / b);
	ig_synth_buf_put(out, s, (size_t)n);
}

static void write_table(ig_writer *wr, const respond_opts *o, const totals *t)
{
	ig_synth_buf out = {0};
	char s[256];
	double slots = t->slots ? (double)t->slots : 1.0;
	int e, n;

	n = snprintf(s, sizeof s,
		     "# %llu users, %llu impressions in the feed; expected count per impression;"
		     " oracle-unseen: of the items the user has no event with\n",
		     (unsigned long long)t->users, (unsigned long long)t->slots);
	ig_synth_buf_put(&out, s, (size_t)n);
	n = snprintf(s, sizeof s, "%-10s  %12s  %12s  %12s  %12s  %12s  %13s  %12s\n", "event", "feed", "logging",
		     "oracle", "feed/oracle", "feed/logging", "oracle-unseen", "feed/unseen");
	ig_synth_buf_put(&out, s, (size_t)n);
	for (e = 0; e <= IG_EV_COUNT; e++) {
		double f, l, r, ru;
		if (e < IG_EV_COUNT) {
			f = t->feed[e] / slots;
			l = t->logging[e] / slots;
			r = t->oracle[e] / slots;
			ru = t->unseen[e] / slots;
		} else {
			f = reward_of(o, t->feed) / slots;
			l = reward_of(o, t->logging) / slots;
			r = reward_of(o, t->oracle) / slots;
			ru = reward_of(o, t->unseen) / slots;
		}
		n = snprintf(s, sizeof s, "%-10s  %12.6f  %12.6f  %12.6f", e < IG_EV_COUNT ? ig_event_name(e) : "value",
			     f, l, r);
		ig_synth_buf_put(&out, s, (size_t)n);
		put_ratio(&out, f, r);
		put_ratio(&out, f, l);
		n = snprintf(s, sizeof s, "  %13.6f", ru);
		ig_synth_buf_put(&out, s, (size_t)n);
		put_ratio(&out, f, ru);
		ig_synth_buf_putc(&out, '\n');
	}
	ig_writer_write(wr, out.p, out.len);
	ig_synth_buf_free(&out);
}

static void parse_args(ig_cli *cli, int argc, char **argv, ig_synth_params *params, respond_opts *o,
		       int *sort, const char **feed_path)
{
	static const struct option longopts[] = {
		IG_CLI_LONGOPTS,
		IG_SYNTH_WORLD_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"after", required_argument, NULL, OPT_AFTER},
		{"sample", required_argument, NULL, OPT_SAMPLE},
		{"table", no_argument, NULL, OPT_TABLE},
		{"reward", required_argument, NULL, OPT_REWARD},
		{"author-cap", required_argument, NULL, OPT_AUTHOR_CAP},
		{"sort", no_argument, NULL, OPT_SORT},
		{NULL, 0, NULL, 0}
	};
	const char *err;
	char msg[256];
	int c, at_given = 0, reward_given = 0;

	while ((c = getopt_long(argc, argv, IG_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (ig_cli_option(cli, c, optarg) || ig_synth_params_option(params, c, optarg))
			continue;
		switch (c) {
		case OPT_AT:
			o->at = ig_cli_int("--at", optarg, IG_TS_MIN, IG_TS_MAX);
			at_given = 1;
			break;
		case OPT_AFTER:
			o->after = optarg;
			break;
		case OPT_SAMPLE:
			o->sample = 1;
			o->sample_seed = (uint64_t)ig_cli_int("--sample", optarg, 0, INT64_MAX);
			break;
		case OPT_TABLE:
			o->table = 1;
			break;
		case OPT_REWARD:
			if (ig_event_rewards_parse(optarg, o->reward, msg, sizeof msg) != 0)
				ig_usage_error("--reward: %s", msg);
			reward_given = 1;
			break;
		case OPT_AUTHOR_CAP:
			o->author_cap = (uint32_t)ig_cli_int("--author-cap", optarg, 0, UINT32_MAX);
			break;
		case OPT_SORT:
			*sort = 1;
			break;
		default:
			ig_usage_error("unknown option");
		}
	}
	if (optind + 1 != argc)
		ig_usage_error(optind == argc ? "give the feed to respond to (- for stdin)"
					      : "one feed at a time: unexpected '%s'", argv[optind + (optind < argc)]);
	*feed_path = argv[optind];
	if (o->sample && o->table)
		ig_usage_error("--sample and --table exclude each other");
	/* options that would change nothing are refused, not ignored */
	if (o->author_cap > 0 && !o->table)
		ig_usage_error("--author-cap caps the oracles of --table: give --table");
	if (reward_given && o->sample)
		ig_usage_error("--reward values expectations: --sample's events do not use it");
	params->seed = cli->seed;
	if ((err = ig_synth_params_check(params)) != NULL)
		ig_usage_error("%s", err);
	if (!at_given)
		o->at = params->start + (int64_t)params->days * 86400;
}

static void respond_opts_default(respond_opts *o)
{
	memset(o, 0, sizeof *o);
	o->reward[IG_EV_LIKE] = o->reward[IG_EV_COMMENT] = o->reward[IG_EV_SHARE] = o->reward[IG_EV_SAVE] = 1;
}

/* The events of earlier rounds (--after), read along the feed's users. */
static void prior_open(prior_reader *prior, const char *path, const ig_synth_world *w)
{
	prior->er = ig_events_open(path);
	prior->w = w;
	prior->path = path;
	prior->have = ig_events_next(prior->er, &prior->ev);
}

/* The output, with the header of its stream: events sampled, or
 * responses; the table is text for a person, never compressed. */
static ig_writer *open_respond_output(ig_cli *cli, const respond_opts *o)
{
	ig_writer *wr = o->table ? ig_cli_open_writer(cli, cli->output, IG_COMPRESS_NO, cli->level)
				 : ig_cli_open_output(cli);

	if (o->sample)
		ig_schema_write_header(wr, IG_STREAM_EVENTS, NULL, 0, NULL);
	else if (!o->table)
		ig_schema_write_header(wr, IG_STREAM_RESPONSE, NULL, 0, NULL);
	return wr;
}

static worker *workers_new(int nthreads, const ig_synth_world *w, const respond_opts *o, batch *b)
{
	worker *wk = ig_calloc((size_t)nthreads, sizeof *wk);
	int t;

	for (t = 0; t < nthreads; t++) {
		wk[t].w = w;
		wk[t].o = o;
		wk[t].b = b;
		wk[t].resp = ig_synth_resp_new(w);
		wk[t].out.want[IG_SYN_EVENTS] = 1;
	}
	return wk;
}

static void workers_free(worker *wk, int nthreads)
{
	int t;

	for (t = 0; t < nthreads; t++) {
		ig_synth_resp_free(wk[t].resp);
		for (int s = 0; s < IG_SYN_NSTREAMS; s++)
			ig_synth_buf_free(&wk[t].out.buf[s]);
		free(wk[t].oracle_items);
		free(wk[t].unseen_items);
		free(wk[t].oracle_exp);
	}
	free(wk);
}

static void batch_free(batch *b)
{
	free(b->user);
	free(b->first);
	free(b->item);
	free(b->prior_first);
	free(b->prior);
	free(b->exp);
	free(b->logging);
	free(b->oracle);
	free(b->unseen);
}

/* Responds to batch B over the threads, each its slice of the users, and
 * writes their output in the threads' order (so that it is the same at
 * any number of them); returns the events sampled. */
static uint64_t respond_batch(ig_pool *pool, worker *wk, int nthreads, const batch *b, ig_writer *wr)
{
	size_t per = (b->nusers + (size_t)nthreads - 1) / (size_t)nthreads, from = 0;
	uint64_t events = 0;
	int t;

	for (t = 0; t < nthreads; t++) {
		wk[t].from = from < b->nusers ? from : b->nusers;
		from += per;
		wk[t].to = from < b->nusers ? from : b->nusers;
	}
	ig_pool_for(pool, (size_t)nthreads, run_slice, wk);
	for (t = 0; t < nthreads; t++) {
		ig_synth_buf *buf = &wk[t].out.buf[IG_SYN_EVENTS];
		if (buf->len > 0)
			ig_writer_write(wr, buf->p, buf->len);
		buf->len = 0;
		events += wk[t].out.stats.events;
		wk[t].out.stats.events = 0;
	}
	return events;
}

static void respond_summary(ig_cli *cli, const respond_opts *o, uint64_t users, uint64_t impressions,
			    uint64_t events)
{
	if (o->sample)
		ig_cli_summary(cli, "%llu users, %llu impressions listed, %llu events sampled", (unsigned long long)users,
			       (unsigned long long)impressions, (unsigned long long)events);
	else
		ig_cli_summary(cli, "%llu users, %llu impressions, %.0f impressions/s", (unsigned long long)users,
			       (unsigned long long)impressions, impressions / (ig_now() - cli->start_real + 1e-9));
}

int ig_synth_respond_main(ig_cli *cli, int argc, char **argv, ig_synth_feed_open open)
{
	ig_synth_params params;
	respond_opts o;
	int sort = 0, nthreads;
	const char *feed_path;
	ig_synth_world *w;
	ig_synth_feed feed;
	prior_reader prior = {0};
	batch b = {0};
	worker *wk;
	ig_pool *pool;
	totals tot = {0};
	ig_writer *wr;
	uint64_t impressions = 0, users = 0, events = 0;

	g_cli = cli;
	cli->usage = usage;
	ig_synth_params_default(&params);
	respond_opts_default(&o);
	parse_args(cli, argc, argv, &params, &o, &sort, &feed_path);
	{
		const char *inputs[] = {feed_path, o.after};
		ig_cli_check_output(cli->output, inputs, 2);
	}

	w = ig_synth_world_build(&params);
	feed = open(feed_path, sort, cli);
	if (o.after != NULL)
		prior_open(&prior, o.after, w);
	wr = open_respond_output(cli, &o);
	nthreads = cli->threads;
	pool = ig_pool_new(nthreads);
	wk = workers_new(nthreads, w, &o, &b);
	while (read_batch(&feed, &prior, w, &b)) {
		events += respond_batch(pool, wk, nthreads, &b, wr);
		if (o.table)
			add_totals(&b, &tot);
		users += b.nusers;
		impressions += b.nitems;
		ig_cli_progress(cli, "%llu users, %llu impressions", (unsigned long long)users,
				(unsigned long long)impressions);
	}
	if (o.table)
		write_table(wr, &o, &tot);
	ig_writer_close(wr);
	feed.close(feed.ctx);
	if (prior.er != NULL)
		ig_events_close(prior.er);
	workers_free(wk, nthreads);
	ig_pool_free(pool);
	batch_free(&b);
	ig_synth_world_free(w);
	respond_summary(cli, &o, users, impressions, events);
	return 0;
}
