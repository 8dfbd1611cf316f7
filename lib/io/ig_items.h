/* The items stream of DESIGN.md (item author media created topics),
 * loaded whole into memory: items are few next to events. */
#ifndef IG_ITEMS_H
#define IG_ITEMS_H

#include <stdint.h>

#include "core/ig_intern.h"

typedef enum ig_media {
	IG_MEDIA_PHOTO,
	IG_MEDIA_VIDEO,
	IG_MEDIA_REEL,
	IG_MEDIA_CAROUSEL,
	IG_MEDIA_COUNT
} ig_media;

const char *ig_media_name(int media);
/* The media type named S, or -1. */
int ig_media_parse(const char *s);

typedef struct ig_items {
	ig_intern *ids;       /* item id -> item number */
	ig_intern *authors;   /* author id -> author number */
	ig_intern *topics;    /* topic id -> topic number */
	uint32_t *author;     /* per item number */
	uint8_t *media;       /* per item number */
	int64_t *created;     /* per item number */
	uint32_t *topic_start; /* topics of item i: topic_list[topic_start[i] .. topic_start[i+1]) */
	uint32_t *topic_list;
	uint32_t count;
} ig_items;

/* Loads an items stream; exits 1 on a malformed record or a repeated id. */
ig_items *ig_items_load(const char *path);
void ig_items_free(ig_items *it);

#endif
