#include "io/ig_schema.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_tsv.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const events_cols[] = {"ts", "user", "item", "event", "value"};
static const char *const items_cols[] = {"item", "author", "media", "created", "topics"};
static const char *const follows_cols[] = {"user", "author", "ts"};
static const char *const topics_cols[] = {"topic", "parent"};
static const char *const neighbors_cols[] = {"item", "neighbor", "score", "support"};
static const char *const partial_cols[] = {"type", "a", "b", "weight", "support"};
static const char *const candidates_cols[] = {"user", "item", "sources", "score", "reason"};
static const char *const ranked_cols[] = {"user", "item", "score", "sources", "reason"};
static const char *const feed_cols[] = {"user", "rank", "item", "score", "reason", "propensity"};
static const char *const metrics_cols[] = {"metric", "k", "value", "ci_low", "ci_high", "users"};
static const char *const user_metrics_cols[] = {"user", "relevant", "listed"};
static const char *const compare_cols[] = {"metric", "k", "mean_a", "mean_b", "diff",
					   "ci_low", "ci_high", "p_value", "significant", "users"};
static const char *const interests_cols[] = {"user", "topic", "weight"};
static const char *const impressions_cols[] = {
	"ts", "user", "item", "source", "focus", "affinity", "p_view", "p_like",
	"p_comment", "p_share", "p_save", "p_follow", "p_see_less", "p_hide", "p_report"};
static const char *const truth_users_cols[] = {"user", "sessions_per_day", "propensity", "pref_photo",
					       "pref_video", "pref_reel", "pref_carousel"};
static const char *const truth_items_cols[] = {"item", "quality", "author_popularity"};
static const char *const response_cols[] = {"user", "rank", "item", "impression", "view", "like",
					    "comment", "share", "save", "follow", "skip", "see_less",
					    "hide", "report", "value"};
static const char *const ope_cols[] = {"estimator", "value", "ci_low", "ci_high", "slots", "matches", "users"};
static const char *const insights_cols[] = {
	"level", "key", "reach", "impressions", "views", "dwell_mean", "likes", "like_rate",
	"like_lo", "like_hi", "comments", "comment_rate", "shares", "share_rate", "share_lo",
	"share_hi", "saves", "save_rate", "see_less", "see_less_rate", "hides", "hide_rate",
	"follows", "engagements", "nonfollower_share", "prev_reach", "prev_shares",
	"prev_share_rate", "share_rate_change", "share_rate_ratio"};

/* ig-rank's examples: then y_HEAD labels, then the features */
static const char *const examples_cols[] = {"user", "item", "ts"};
static const char *const rank_metrics_cols[] = {"head", "rows", "positives", "auc", "logloss", "ece"};
/* ig-rank eval --predictions: then p_HEAD per head */
static const char *const predictions_cols[] = {"row"};

#define FIXED(name, c) {name, 1, IG_LAYOUT_FIXED, NELEM(c), c, 0, NELEM(c)}
#define BIT(i) (1u << (i))

static const ig_schema table[IG_STREAM_COUNT] = {
	[IG_STREAM_EVENTS] = FIXED("events", events_cols),
	[IG_STREAM_ITEMS] = FIXED("items", items_cols),
	[IG_STREAM_FOLLOWS] = FIXED("follows", follows_cols),
	[IG_STREAM_TOPICS] = FIXED("topics", topics_cols),
	[IG_STREAM_NEIGHBORS] = FIXED("neighbors", neighbors_cols),
	[IG_STREAM_COOC_PARTIAL] = FIXED("cooccur-partial", partial_cols),
	/* sources and reason may be absent: ig-eval baseline writes neither
	 * reason nor per-source scores. */
	[IG_STREAM_CANDIDATES] = {"candidates", 1, IG_LAYOUT_BY_NAME, NELEM(candidates_cols),
				  candidates_cols, BIT(2) | BIT(4), NELEM(candidates_cols)},
	/* p_HEAD columns go between score and sources. */
	[IG_STREAM_RANKED] = {"ranked", 1, IG_LAYOUT_BY_NAME, NELEM(ranked_cols), ranked_cols,
			      BIT(3) | BIT(4), 3},
	[IG_STREAM_FEED] = {"feed", 1, IG_LAYOUT_BY_NAME, NELEM(feed_cols), feed_cols, 0, NELEM(feed_cols)},
	[IG_STREAM_METRICS] = FIXED("metrics", metrics_cols),
	[IG_STREAM_USER_METRICS] = FIXED("user-metrics", user_metrics_cols),
	[IG_STREAM_COMPARE] = FIXED("compare", compare_cols),
	[IG_STREAM_TRUTH_INTERESTS] = FIXED("truth_interests", interests_cols),
	[IG_STREAM_TRUTH_IMPRESSIONS] = FIXED("truth_impressions", impressions_cols),
	[IG_STREAM_TRUTH_USERS] = FIXED("truth_users", truth_users_cols),
	[IG_STREAM_TRUTH_ITEMS] = FIXED("truth_items", truth_items_cols),
	[IG_STREAM_RESPONSE] = FIXED("response", response_cols),
	[IG_STREAM_OPE] = FIXED("ope", ope_cols),
	[IG_STREAM_INSIGHTS] = FIXED("insights", insights_cols),
	[IG_STREAM_EXAMPLES] = FIXED("examples", examples_cols),
	[IG_STREAM_RANK_METRICS] = FIXED("rank-metrics", rank_metrics_cols),
	[IG_STREAM_PREDICTIONS] = FIXED("predictions", predictions_cols),
};

const ig_schema *ig_schema_of(int stream)
{
	if (stream < 0 || stream >= IG_STREAM_COUNT)
		ig_die("internal error: no stream kind %d", stream);
	return &table[stream];
}

int ig_schema_find(const char *name)
{
	int i;

	for (i = 0; i < IG_STREAM_COUNT; i++)
		if (strcmp(table[i].kind, name) == 0)
			return i;
	return -1;
}

/* The column list of a header: the table's, EXTRA spliced in. */
static const char **header_cols(const ig_schema *s, const char *const *extra, int nextra, int *n)
{
	const char **cols = ig_reallocarray(NULL, (size_t)(s->ncols + nextra) + 1, sizeof *cols);
	int i, k = 0;

	for (i = 0; i < s->extra_at; i++)
		cols[k++] = s->cols[i];
	for (i = 0; i < nextra; i++)
		cols[k++] = extra[i];
	for (i = s->extra_at; i < s->ncols; i++)
		cols[k++] = s->cols[i];
	*n = k;
	return cols;
}

char *ig_schema_format_header(int stream, const char *const *extra, int nextra,
			      const ig_header *upstream, const ig_prov *prov, size_t *len)
{
	const ig_schema *s = ig_schema_of(stream);
	int n;
	const char **cols = header_cols(s, extra, nextra, &n);
	char *text = ig_header_format(s->kind, s->version, cols, n, upstream, prov, len);

	free(cols);
	return text;
}

void ig_schema_write_header(ig_writer *w, int stream, const char *const *extra, int nextra,
			    const ig_header *upstream)
{
	size_t len;
	char *text = ig_schema_format_header(stream, extra, nextra, upstream, ig_writer_prov(w), &len);

	ig_writer_write(w, text, len);
	free(text);
}

static int find_col(const char *const *cols, int ncols, const char *name)
{
	int i;

	for (i = 0; i < ncols; i++)
		if (strcmp(cols[i], name) == 0)
			return i;
	return -1;
}

void ig_schema_write_header_cols(ig_writer *w, int stream, const char *const *cols, int ncols,
				 const ig_header *upstream)
{
	const ig_schema *s = ig_schema_of(stream);
	int i;

	for (i = 0; i < s->ncols; i++) {
		int ok = s->layout == IG_LAYOUT_FIXED ? i < ncols && strcmp(cols[i], s->cols[i]) == 0
						      : find_col(cols, ncols, s->cols[i]) >= 0 ||
								(s->optional & (1u << i)) != 0;
		if (!ok)
			ig_die("internal error: a %s header without its column '%s'", s->kind, s->cols[i]);
	}
	ig_header_write(w, s->kind, s->version, cols, ncols, upstream);
}

void ig_schema_write_header_prefix(ig_writer *w, int stream, int ncols, const ig_header *upstream)
{
	const ig_schema *s = ig_schema_of(stream);

	if (ncols < 0 || ncols > s->ncols)
		ig_die("internal error: %s has no %d columns", s->kind, ncols);
	ig_schema_write_header_cols(w, stream, s->cols, ncols, upstream);
}

void ig_schema_read_header(ig_reader *r, int stream, ig_header *h, int *col)
{
	const ig_schema *s = ig_schema_of(stream);

	ig_header_read(r, s->kind, s->version, h);
	ig_schema_check_cols(r, stream, h, col);
}

void ig_schema_check_cols(ig_reader *r, int stream, const ig_header *h, int *col)
{
	const ig_schema *s = ig_schema_of(stream);
	int i;

	for (i = 0; i < s->ncols; i++) {
		int at;

		if (s->layout == IG_LAYOUT_FIXED) {
			if (h->ncols <= i || strcmp(h->cols[i], s->cols[i]) != 0)
				ig_die_at(ig_reader_name(r), 1, "%s header: column %d must be '%s', got '%s'",
					  s->kind, i + 1, s->cols[i], ig_esc(h->ncols > i ? h->cols[i] : ""));
			at = i;
		} else {
			at = ig_header_col(h, s->cols[i]);
			if (at < 0 && !(s->optional & (1u << i)))
				ig_die_at(ig_reader_name(r), 1, "%s stream has no '%s' column", s->kind,
					  s->cols[i]);
		}
		if (col)
			col[i] = at;
	}
}
