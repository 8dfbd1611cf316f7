#include "io/ig_items.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_events.h"
#include "core/ig_num.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"
#include "io/ig_tsv.h"

static const char *const media_names[IG_MEDIA_COUNT] = {"photo", "video", "reel", "carousel"};


const char *ig_media_name(int media)
{
	return media >= 0 && media < IG_MEDIA_COUNT ? media_names[media] : "?";
}

int ig_media_parse(const char *s)
{
	int i;

	for (i = 0; i < IG_MEDIA_COUNT; i++)
		if (strcmp(s, media_names[i]) == 0)
			return i;
	return -1;
}

ig_items *ig_items_load(const char *path)
{
	ig_reader *r = ig_reader_open(path);
	ig_items *it = ig_calloc(1, sizeof *it);
	const char *name = ig_reader_name(r);
	ig_header h;
	char *line, *f[64];
	ssize_t len;
	size_t cap = 0, ntopics = 0, topics_cap = 0;

	ig_schema_read_header(r, IG_STREAM_ITEMS, &h, NULL);
	it->ids = ig_intern_new();
	it->authors = ig_intern_new();
	it->topics = ig_intern_new();
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		long ln = ig_reader_lineno(r);
		int n = ig_split_tabs(line, f, 64);
		uint32_t id;
		int media;
		int64_t created;
		char *t;

		if (n != h.ncols)
			ig_die_at(name, ln, "expected %d fields, got %d", h.ncols, n);
		if (!ig_valid_id(f[0], strlen(f[0])))
			ig_die_at(name, ln, "field 1 (item): invalid id '%s'", ig_esc(f[0]));
		if (!ig_valid_id(f[1], strlen(f[1])))
			ig_die_at(name, ln, "field 2 (author): invalid id '%s'", ig_esc(f[1]));
		media = ig_media_parse(f[2]);
		if (media < 0)
			ig_die_at(name, ln, "field 3 (media): unknown media type '%s'", ig_esc(f[2]));
		if (f[3][0] == '\0')
			created = -1;
		else if (ig_parse_i64(f[3], IG_TS_MIN, IG_TS_MAX, &created) != 0)
			ig_die_at(name, ln, "field 4 (created): bad timestamp '%s'", ig_esc(f[3]));
		id = ig_intern_add(it->ids, f[0], strlen(f[0]));
		if (id != it->count)
			ig_die_at(name, ln, "field 1 (item): item '%s' listed twice", ig_esc(f[0]));
		if (it->count == cap) {
			cap = cap ? cap * 2 : 1024;
			it->author = ig_reallocarray(it->author, cap, sizeof *it->author);
			it->media = ig_reallocarray(it->media, cap, sizeof *it->media);
			it->created = ig_reallocarray(it->created, cap, sizeof *it->created);
			it->topic_start = ig_reallocarray(it->topic_start, cap + 1, sizeof *it->topic_start);
		}
		it->author[id] = ig_intern_add(it->authors, f[1], strlen(f[1]));
		it->media[id] = (uint8_t)media;
		it->created[id] = created;
		it->topic_start[id] = (uint32_t)ntopics;
		for (t = f[4]; *t;) {
			char *comma = strchr(t, ',');
			size_t tl = comma ? (size_t)(comma - t) : strlen(t);
			if (!ig_valid_id(t, tl))
				ig_die_at(name, ln, "field 5 (topics): empty or invalid topic in '%s'", ig_esc(f[4]));
			if (ntopics == topics_cap) {
				topics_cap = topics_cap ? topics_cap * 2 : 1024;
				it->topic_list = ig_reallocarray(it->topic_list, topics_cap, sizeof *it->topic_list);
			}
			it->topic_list[ntopics++] = ig_intern_add(it->topics, t, tl);
			t = comma ? comma + 1 : t + tl;
		}
		it->count++;
	}
	it->topic_start = ig_reallocarray(it->topic_start, (size_t)it->count + 1, sizeof *it->topic_start);
	it->topic_start[it->count] = (uint32_t)ntopics;
	ig_header_free(&h);
	ig_reader_close(r);
	return it;
}

void ig_items_free(ig_items *it)
{
	if (it == NULL)
		return;
	ig_intern_free(it->ids);
	ig_intern_free(it->authors);
	ig_intern_free(it->topics);
	free(it->author);
	free(it->media);
	free(it->created);
	free(it->topic_start);
	free(it->topic_list);
	free(it);
}
