/* ig-ingest presets: one flag for the public data sets people try first.
 * A preset only fills what the command line left unset. */
#include <stdio.h>
#include <string.h>

#include "ingest/ig_ingest.h"
#include "core/ig_time.h"

typedef struct preset {
	const char *name;
	const char *about;
	int kind;
	int format;
	const char *sep;
	int header;
	const char *columns;
	const char *event_map;
	const char *set_ts;      /* constant ts, or NULL */
	const char *set_event;   /* constant event, or NULL */
	int time_format;         /* enum ig_time_format */
	int latin1;              /* the files are ISO-8859-1 */
} preset;

/* Ratings become events: a high rating is a like, a low one a see_less,
 * the rest a view; the rating is kept as the value. */
#define RATING_RULES ">=4:like,<=2:see_less,*:view"

/* Diginetica's train-item-views.csv (sessionId;userId;itemId;timeframe;
 * eventdate): by position, since the releases spell the header
 * differently; the session is the user (userId is mostly NA) and the
 * time is the day plus the milliseconds into the session. */
#define DIGINETICA_COLUMNS "user,-,item,ts_offset_ms,ts"

/* Book-Crossing rates 1 to 10, and 0 is an implicit interaction (the
 * book was read, not rated): a view; 8 and up is MovieLens' 4 of 5. */
#define BOOK_CROSSING_RULES "==0:view,>=8:like,<=4:see_less,*:view"

/* Retailrocket's events: a cart is keeping the item for later (save), a
 * transaction the strongest signal there is (share, the largest weight
 * of ig-rank's default value model). */
#define RETAILROCKET_RULES "view:view,addtocart:save,transaction:share"

static const preset presets[] = {
	{"ml-100k", "MovieLens 100K u.data (user item rating ts)",
	 IG_KIND_EVENTS, IG_FORMAT_TSV, "\t", 0, "user,item,value,ts", RATING_RULES, NULL, NULL, IG_TIME_UNIX, 0},
	{"ml-1m", "MovieLens 1M/10M ratings.dat (user::item::rating::ts)",
	 IG_KIND_EVENTS, IG_FORMAT_TSV, "::", 0, "user,item,value,ts", RATING_RULES, NULL, NULL, IG_TIME_UNIX, 0},
	{"ml-latest", "MovieLens ratings.csv (userId,movieId,rating,timestamp)",
	 IG_KIND_EVENTS, IG_FORMAT_CSV, ",", 1, "user=userId,item=movieId,value=rating,ts=timestamp",
	 RATING_RULES, NULL, NULL, IG_TIME_UNIX, 0},
	{"lastfm-artists", "Last.fm user_artists.dat: play counts as views, ts 0",
	 IG_KIND_EVENTS, IG_FORMAT_TSV, "\t", 1, "user=userID,item=artistID,value=weight", NULL, "0", "view", IG_TIME_UNIX, 0},
	{"lastfm-friends", "Last.fm user_friends.dat as follows, ts 0",
	 IG_KIND_FOLLOWS, IG_FORMAT_TSV, "\t", 1, "user=userID,author=friendID", NULL, "0", NULL, IG_TIME_UNIX, 0},
	{"diginetica", "Diginetica train-item-views.csv: sessions as users, views",
	 IG_KIND_EVENTS, IG_FORMAT_CSV, ";", 1, DIGINETICA_COLUMNS, NULL, NULL, "view", IG_TIME_ISO8601, 0},
	{"amazon", "Amazon ratings_*.csv, 2014 (user,item,rating,ts)",
	 IG_KIND_EVENTS, IG_FORMAT_CSV, ",", 0, "user,item,value,ts", RATING_RULES, NULL, NULL, IG_TIME_UNIX, 0},
	{"amazon-2018", "Amazon ratings-only CSV, 2018 (item,user,rating,ts)",
	 IG_KIND_EVENTS, IG_FORMAT_CSV, ",", 0, "item,user,value,ts", RATING_RULES, NULL, NULL, IG_TIME_UNIX, 0},
	{"book-crossing", "Book-Crossing BX-Book-Ratings.csv (latin-1, ';'): ts 0",
	 IG_KIND_EVENTS, IG_FORMAT_CSV, ";", 1, "user=User-ID,item=ISBN,value=Book-Rating", BOOK_CROSSING_RULES,
	 "0", NULL, IG_TIME_UNIX, 1},
	{"yoochoose", "YOOCHOOSE yoochoose-clicks.dat: sessions as users, views",
	 IG_KIND_EVENTS, IG_FORMAT_CSV, ",", 0, "user,ts,item,-", NULL, NULL, "view", IG_TIME_ISO8601, 0},
	{"retailrocket", "Retailrocket events.csv (addtocart: save, buy: share)",
	 IG_KIND_EVENTS, IG_FORMAT_CSV, ",", 1, "user=visitorid,item=itemid,ts=timestamp,event=event",
	 RETAILROCKET_RULES, NULL, NULL, IG_TIME_UNIX_MS, 0},
	{"foursquare", "Foursquare dataset_TSMC2014_*.txt check-ins: views",
	 IG_KIND_EVENTS, IG_FORMAT_TSV, "\t", 0, "user,item,-,-,-,-,-,ts", NULL, NULL, "view", IG_TIME_ISO8601, 1},
	{"gowalla", "Gowalla, Brightkite check-ins (user ts lat lon place)",
	 IG_KIND_EVENTS, IG_FORMAT_TSV, "\t", 0, "user,ts,-,-,item", NULL, NULL, "view", IG_TIME_ISO8601, 0},
};

#define NPRESETS (sizeof presets / sizeof presets[0])

int ig_ingest_preset_kind(const char *name)
{
	size_t i;

	for (i = 0; i < NPRESETS; i++)
		if (strcmp(presets[i].name, name) == 0)
			return presets[i].kind;
	return -1;
}

void ig_ingest_list_presets(FILE *fp)
{
	size_t i;

	for (i = 0; i < NPRESETS; i++)
		fprintf(fp, "      %-16s %s\n", presets[i].name, presets[i].about);
}

int ig_ingest_apply_preset(ig_ingest_opts *o, const char *name, char *err, size_t errlen)
{
	const preset *p = NULL;
	size_t i;
	int role;

	for (i = 0; i < NPRESETS; i++)
		if (strcmp(presets[i].name, name) == 0)
			p = &presets[i];
	if (p == NULL) {
		snprintf(err, errlen, "unknown preset '%s' (see --help)", name);
		return -1;
	}
	if (o->kind >= 0 && o->kind != p->kind) {
		snprintf(err, errlen, "preset %s makes %s, not %s", name,
			 ig_ingest_kind_name(p->kind), ig_ingest_kind_name(o->kind));
		return -1;
	}
	o->kind = p->kind;
	/* A format of one's own (a CSV copy of a TSV data set) goes with
	 * its own default separator, not the preset's. */
	if (o->sep == NULL && (o->format < 0 || o->format == p->format))
		o->sep = p->sep;
	if (o->format < 0)
		o->format = p->format;
	if (o->header < 0)
		o->header = p->header;
	if (o->time_format < 0)
		o->time_format = p->time_format;
	if (o->latin1 < 0)
		o->latin1 = p->latin1;
	/* The preset's columns and constants go together: a user's own
	 * column map replaces both. */
	if (o->columns == NULL) {
		o->columns = p->columns;
		/* the two Amazon files differ only in their column order */
		if (strcmp(p->name, "amazon") == 0)
			o->amazon = IG_AMAZON_USER_FIRST;
		else if (strcmp(p->name, "amazon-2018") == 0)
			o->amazon = IG_AMAZON_ITEM_FIRST;
		if (p->set_ts && (role = ig_ingest_role_parse(p->kind, "ts")) >= 0 && o->set[role] == NULL)
			o->set[role] = p->set_ts;
		if (p->set_event && o->event_map == NULL && (role = ig_ingest_role_parse(p->kind, "event")) >= 0 &&
		    o->set[role] == NULL)
			o->set[role] = p->set_event;
	}
	if (o->event_map == NULL && p->event_map)
		o->event_map = p->event_map;
	return 0;
}
