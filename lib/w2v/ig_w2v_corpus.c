#include "w2v/ig_w2v_corpus.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_reader.h"

void ig_w2v_corpus_init(ig_w2v_corpus *c, int weighted, uint64_t memory_limit)
{
	memset(c, 0, sizeof *c);
	c->names = ig_intern_new();
	c->weighted = weighted;
	c->memory_limit = memory_limit;
	c->sent_cap = 1024;
	c->start = ig_reallocarray(NULL, c->sent_cap, sizeof *c->start);
	c->start[0] = 0;
}

void ig_w2v_corpus_free(ig_w2v_corpus *c)
{
	ig_intern_free(c->names);
	free(c->raw_count);
	free(c->tok);
	free(c->weight);
	free(c->start);
	memset(c, 0, sizeof *c);
}

size_t ig_w2v_corpus_memory(const ig_w2v_corpus *c)
{
	return c->tok_cap * (sizeof *c->tok + (c->weighted ? sizeof *c->weight : 0)) +
	       c->sent_cap * sizeof *c->start + (size_t)c->raw_cap * sizeof *c->raw_count;
}

static void check_memory(const ig_w2v_corpus *c)
{
	uint64_t need = ig_w2v_corpus_memory(c) + ig_intern_memory(c->names);

	if (c->memory_limit == 0 || need <= c->memory_limit)
		return;
	if (c->ntok == 0)
		ig_die("--memory %.2f MB is too small: the id table and the sequence buffers alone "
		       "start at %.2f MB", (double)c->memory_limit / (1 << 20), (double)need / (1 << 20));
	ig_die("the sequences need more than --memory %.2f MB (%zu words read so far); "
	       "give a larger --memory or a smaller corpus", (double)c->memory_limit / (1 << 20), c->ntok);
}

static void grow_tokens(ig_w2v_corpus *c)
{
	c->tok_cap = c->tok_cap ? c->tok_cap + c->tok_cap / 2 : 65536;
	c->tok = ig_reallocarray(c->tok, c->tok_cap, sizeof *c->tok);
	if (c->weighted)
		c->weight = ig_reallocarray(c->weight, c->tok_cap, sizeof *c->weight);
	check_memory(c);
}

void ig_w2v_corpus_add_id(ig_w2v_corpus *c, uint32_t id, float weight)
{
	if (id >= c->raw_cap) {
		uint32_t old = c->raw_cap;

		c->raw_cap = id + 1 > old * 2 ? id + 1 : old * 2;
		if (c->raw_cap < 1024)
			c->raw_cap = 1024;
		c->raw_count = ig_reallocarray(c->raw_count, c->raw_cap, sizeof *c->raw_count);
		memset(c->raw_count + old, 0, (size_t)(c->raw_cap - old) * sizeof *c->raw_count);
	}
	if (c->ntok == c->tok_cap)
		grow_tokens(c);
	c->raw_count[id]++;
	c->tok[c->ntok] = id;
	if (c->weighted)
		c->weight[c->ntok] = weight;
	c->ntok++;
	c->words_read++;
}

void ig_w2v_corpus_add(ig_w2v_corpus *c, const char *word, size_t len, float weight)
{
	ig_w2v_corpus_add_id(c, ig_intern_add(c->names, word, len), weight);
}

void ig_w2v_corpus_end_sentence(ig_w2v_corpus *c)
{
	if (c->ntok == c->start[c->nsent])
		return;
	if (c->nsent + 2 > c->sent_cap) {
		c->sent_cap *= 2;
		c->start = ig_reallocarray(c->start, c->sent_cap, sizeof *c->start);
		check_memory(c);
	}
	c->start[++c->nsent] = c->ntok;
}

void ig_w2v_corpus_read_text(ig_w2v_corpus *c, const char *path, size_t max_len)
{
	ig_reader *r = ig_reader_open(path);
	char *line;
	ssize_t len;

	while ((len = ig_reader_getline(r, &line)) >= 0) {
		char *p = line, *end = line + len;
		size_t words = 0;

		while (p < end) {
			char *w;

			while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v'))
				p++;
			if (p == end)
				break;
			w = p;
			while (p < end && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\f' && *p != '\v')
				p++;
			if (memchr(w, '\0', (size_t)(p - w)) != NULL)
				ig_die_at(ig_reader_name(r), ig_reader_lineno(r), "a NUL byte in a word");
			ig_w2v_corpus_add(c, w, (size_t)(p - w), 1);
			if (++words == max_len) {
				ig_w2v_corpus_end_sentence(c);
				words = 0;
			}
		}
		ig_w2v_corpus_end_sentence(c);
	}
	ig_reader_close(r);
}

void ig_w2v_corpus_read_events(ig_w2v_corpus *c, const char *path, const ig_engage_opts *eo,
			       const ig_w2v_seq_opts *so, ig_engage_stats *stats)
{
	ig_engage_reader *g = ig_engage_open(path, eo, c->names);
	ig_history h;
	size_t i;

	while (ig_engage_next(g, &h)) {
		size_t words = 0;

		for (i = 0; i < h.n; i++) {
			if (i > 0 && ((so->session_gap > 0 && h.e[i].ts - h.e[i - 1].ts > so->session_gap) ||
				      words == so->max_len)) {
				ig_w2v_corpus_end_sentence(c);
				words = 0;
			}
			ig_w2v_corpus_add_id(c, h.e[i].id, h.e[i].weight);
			words++;
		}
		ig_w2v_corpus_end_sentence(c);
	}
	if (stats != NULL)
		*stats = *ig_engage_stats_get(g);
	ig_engage_close(g);
}

void ig_w2v_corpus_apply_vocab(ig_w2v_corpus *c, const uint32_t *map)
{
	size_t s, i, out = 0, nsent = 0;
	uint64_t from = 0;

	for (s = 0; s < c->nsent; s++) {
		uint64_t to = c->start[s + 1];
		size_t first = out;

		for (i = from; i < to; i++) {
			uint32_t id = map[c->tok[i]];

			if (id == IG_INTERN_NONE)
				continue;
			c->tok[out] = id;
			if (c->weighted)
				c->weight[out] = c->weight[i];
			out++;
		}
		from = to;
		if (out - first < 2) {
			out = first;
			continue;
		}
		c->start[++nsent] = out;
	}
	c->ntok = out;
	c->nsent = nsent;
	/* Training only reads from here on: give back the growth room. */
	c->tok_cap = c->ntok ? c->ntok : 1;
	c->tok = ig_reallocarray(c->tok, c->tok_cap, sizeof *c->tok);
	if (c->weighted)
		c->weight = ig_reallocarray(c->weight, c->tok_cap, sizeof *c->weight);
	c->sent_cap = c->nsent + 1;
	c->start = ig_reallocarray(c->start, c->sent_cap, sizeof *c->start);
}
