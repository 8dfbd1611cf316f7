#include "io/ig_neighbors.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_fields_priv.h"
#include "io/ig_reader.h"
#include "io/ig_schema.h"

#define MAX_FIELDS 64

typedef struct row {
	uint32_t item;
	ig_neighbor nb;
} row;

/* State of the item whose rows are being read. */
typedef struct block {
	uint32_t item;
	int open;
	double last_score;
	uint32_t *stamp;   /* per id: 1 + index of the block that listed it */
	size_t stamp_cap;
	uint32_t index;
	uint8_t *done;     /* per id: a block of it was closed */
	size_t done_cap;
} block;

static void grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap;

	if (need <= n)
		return;
	while (n < need)
		n = n ? 2 * n : 1024;
	*p = ig_reallocarray(*p, n, size);
	memset((char *)*p + *cap * size, 0, (n - *cap) * size);
	*cap = n;
}

static void check_row(block *b, const char *name, long ln, const row *r, char **f, double score)
{
	size_t need = (size_t)(r->item > r->nb.id ? r->item : r->nb.id) + 1;

	grow((void **)&b->stamp, &b->stamp_cap, need, sizeof *b->stamp);
	grow((void **)&b->done, &b->done_cap, need, sizeof *b->done);
	if (!b->open || r->item != b->item) {
		if (b->open)
			b->done[b->item] = 1;
		if (b->done[r->item])
			ig_die_at(name, ln, "item '%s' comes back after other items: "
				  "neighbors must be grouped by item", ig_esc(f[0]));
		b->item = r->item;
		b->open = 1;
		b->index++;
	} else if (score > b->last_score) {
		ig_die_at(name, ln, "field 3 (score): %s after %.9g: neighbours must come best first", ig_esc(f[2]),
			  b->last_score);
	}
	if (r->item == r->nb.id)
		ig_die_at(name, ln, "field 2 (neighbor): item '%s' is its own neighbour", ig_esc(f[0]));
	if (b->stamp[r->nb.id] == b->index)
		ig_die_at(name, ln, "field 2 (neighbor): '%s' listed twice for item '%s'", ig_esc(f[1]), ig_esc(f[0]));
	b->stamp[r->nb.id] = b->index;
	b->last_score = score;
}

/* The item of the rows before: an item's rows come together, so that
 * its id is looked up in the vocabulary once, not once a row (a cache
 * miss or more each in a large vocabulary). */
typedef struct last_item {
	char id[IG_MAX_ID_LEN + 1];
	size_t len;
	uint32_t num;
	int set;
} last_item;

static uint32_t item_number(last_item *last, ig_intern *vocab, const char *id, size_t len)
{
	if (!last->set || len != last->len || memcmp(id, last->id, len) != 0) {
		last->num = ig_intern_add(vocab, id, len);
		memcpy(last->id, id, len);
		last->len = len;
		last->set = 1;
	}
	return last->num;
}

static row parse_row(char **f, const char *name, long ln, ig_intern *vocab, last_item *last, int *has_support,
		     double score)
{
	row r;

	r.item = item_number(last, vocab, f[0], ig_field_id(name, ln, 1, "item", f[0]));
	r.nb.id = ig_intern_add(vocab, f[1], ig_field_id(name, ln, 2, "neighbor", f[1]));
	r.nb.score = (float)score;
	r.nb.support = ig_field_opt_count(name, ln, 4, "support", f[3]);
	*has_support |= f[3][0] != '\0';
	return r;
}

/* What a load builds, held (ig_hold_state) so that a bad row's exit
 * leaves it reachable. */
typedef struct loading {
	ig_neighbors *nb;
	row *rows;
	size_t nrows, cap;
	block b;
	last_item last;
} loading;

static void place_rows(ig_neighbors *nb, const row *rows, size_t nrows)
{
	uint64_t *next;
	size_t i;

	/* Rows of an item are together: one pass counts, one places. */
	nb->start = ig_calloc((size_t)nb->nids + 1, sizeof *nb->start);
	nb->nb = ig_reallocarray(NULL, nrows ? nrows : 1, sizeof *nb->nb);
	nb->count = nrows;
	for (i = 0; i < nrows; i++)
		nb->start[rows[i].item + 1]++;
	for (i = 0; i < nb->nids; i++) {
		nb->nitems += nb->start[i + 1] > 0;
		nb->start[i + 1] += nb->start[i];
	}
	next = ig_reallocarray(NULL, (size_t)nb->nids + 1, sizeof *next);
	memcpy(next, nb->start, ((size_t)nb->nids + 1) * sizeof *next);
	for (i = 0; i < nrows; i++)
		nb->nb[next[rows[i].item]++] = rows[i].nb;
	free(next);
}

ig_neighbors *ig_neighbors_load(const char *path, ig_intern *vocab)
{
	ig_reader *r = ig_reader_open(path);
	const char *name = ig_reader_name(r);
	loading ld;
	ig_hold hold;
	ig_neighbors *nb;
	char *line, *f[MAX_FIELDS];
	ssize_t len;

	memset(&ld, 0, sizeof ld);
	ig_hold_state(&hold, &ld);
	nb = ld.nb = ig_calloc(1, sizeof *nb);
	ig_schema_read_header(r, IG_STREAM_NEIGHBORS, &nb->header, NULL);
	while ((len = ig_reader_getline(r, &line)) >= 0) {
		long ln = ig_reader_lineno(r);
		int n = ig_split_tabs(line, f, MAX_FIELDS);
		double score;

		if (n != nb->header.ncols)
			ig_die_at(name, ln, "expected %d fields, got %d", nb->header.ncols, n);
		if (ld.nrows == ld.cap) {
			ld.cap = ld.cap ? 2 * ld.cap : 4096;
			ld.rows = ig_reallocarray(ld.rows, ld.cap, sizeof *ld.rows);
		}
		score = ig_field_double(name, ln, 3, "score", f[2]);
		ld.rows[ld.nrows] = parse_row(f, name, ln, vocab, &ld.last, &nb->has_support, score);
		check_row(&ld.b, name, ln, &ld.rows[ld.nrows], f, score);
		ld.nrows++;
	}
	ig_reader_close(r);
	free(ld.b.stamp);
	free(ld.b.done);
	nb->nids = ig_intern_count(vocab);
	place_rows(nb, ld.rows, ld.nrows);
	free(ld.rows);
	ig_release_state(&hold);
	return nb;
}

const ig_neighbor *ig_neighbors_of(const ig_neighbors *nb, uint32_t id, size_t *n)
{
	if (id >= nb->nids) {
		*n = 0;
		return NULL;
	}
	*n = (size_t)(nb->start[id + 1] - nb->start[id]);
	return nb->nb + nb->start[id];
}

void ig_neighbors_free(ig_neighbors *nb)
{
	if (nb == NULL)
		return;
	free(nb->start);
	free(nb->nb);
	ig_header_free(&nb->header);
	free(nb);
}
