/* The model: its parameters, the tables' rows of the known ids, and the model file
 * (ig-formats(5), TOWER MODEL FILE). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "core/ig_rng.h"
#include "io/ig_binfile.h"
#include "tower/ig_tower_priv.h"

const int ig_tower_seg_table[2][IG_TOWER_MAX_SEGS] = {
	{IG_TT_ID, IG_TT_ID, IG_TT_AUTHOR, IG_TT_TOPIC, IG_TT_MEDIA, IG_TT_ACT},
	{IG_TT_ID, IG_TT_AUTHOR, IG_TT_TOPIC, IG_TT_MEDIA, IG_TT_AGE, 0},
};
const int ig_tower_nsegs[2] = {IG_TOWER_USER_SEGS, IG_TOWER_ITEM_SEGS};

/* Limits of the loader, far above any sane model. */
#define MAX_DIM 4096u
#define MAX_ROWS (1u << 26)
#define MAX_STRING (1u << 20)
#define MAX_FILE ((size_t)1 << 34)

void ig_tower_opts_default(ig_tower_opts *o)
{
	memset(o, 0, sizeof *o);
	o->dim = 64;
	o->emb = 32;
	o->hidden = 128;
	o->short_n = 10;
	o->long_n = 100;
	o->max_follows = 100;
	o->epochs = 50;
	o->patience = 5;
	o->holdout_users = 1000;
	o->holdout_k = 100;
	o->batch = 128;
	o->uniform_negatives = 0;
	o->seen_negatives = 0;
	o->lr = 0.1;
	o->average = 0.5;
	o->temperature = 0.2;
	o->logq = 1;
	o->id_dropout = 0.5;
	ig_event_weights_default(o->weights);
	o->seed = 1;
}

size_t ig_tower_params_count(const ig_tower_model *m)
{
	size_t n = m->ndense;
	int t;

	for (t = 0; t < IG_TT_COUNT; t++)
		n += (size_t)m->rows[t] * m->o.emb;
	return n;
}

void ig_tower_params_get(const ig_tower_model *m, float *out)
{
	int t;

	for (t = 0; t < IG_TT_COUNT; t++) {
		size_t n = (size_t)m->rows[t] * m->o.emb;

		memcpy(out, m->table[t], n * sizeof *out);
		out += n;
	}
	memcpy(out, m->dense, m->ndense * sizeof *out);
}

/* Span S of the parameters' layout (the tables, then the dense array):
 * its values at *P, *N of them. */
static void params_span(const ig_tower_model *m, int s, float **p, size_t *n)
{
	*p = s < IG_TT_COUNT ? m->table[s] : m->dense;
	*n = s < IG_TT_COUNT ? (size_t)m->rows[s] * m->o.emb : m->ndense;
}

void ig_tower_params_average(const ig_tower_model *m, float *avg, size_t lo, size_t hi, float rate)
{
	size_t at = 0, n, k;
	float *p;
	int s;

	for (s = 0; s <= IG_TT_COUNT && at < hi; s++, at += n) {
		params_span(m, s, &p, &n);
		for (k = lo > at ? lo - at : 0; k < n && at + k < hi; k++)
			avg[at + k] += rate * (p[k] - avg[at + k]);
	}
}

void ig_tower_params_swap(ig_tower_model *m, float *buf)
{
	size_t n, k;
	float *p, x;
	int s;

	for (s = 0; s <= IG_TT_COUNT; s++, buf += n) {
		params_span(m, s, &p, &n);
		for (k = 0; k < n; k++) {
			x = p[k];
			p[k] = buf[k];
			buf[k] = x;
		}
	}
}

void ig_tower_params_set(ig_tower_model *m, const float *in)
{
	int t;

	for (t = 0; t < IG_TT_COUNT; t++) {
		size_t n = (size_t)m->rows[t] * m->o.emb;

		memcpy(m->table[t], in, n * sizeof *in);
		in += n;
	}
	memcpy(m->dense, in, m->ndense * sizeof *in);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void set_known(ig_tower_model *m, int kind, const ig_intern *t, uint32_t n)
{
	uint32_t i, k = 0;

	m->known[kind] = ig_reallocarray(NULL, n ? n : 1, sizeof *m->known[kind]);
	for (i = 0; i < n; i++)
		m->known[kind][i] = ig_hash64(ig_intern_str(t, i), ig_intern_len(t, i));
	qsort(m->known[kind], n, sizeof *m->known[kind], u64_cmp);
	for (i = 0; i < n; i++)
		if (k == 0 || m->known[kind][i] != m->known[kind][k - 1])
			m->known[kind][k++] = m->known[kind][i];
	m->nknown[kind] = k;
}

/* One row for each id training saw: its rank among the sorted hashes. */
static uint32_t known_rows(const ig_tower_model *m, int kind)
{
	return m->nknown[kind] ? m->nknown[kind] : 1;
}

static void layout(ig_tower_model *m)
{
	size_t off = 0;
	int t;

	for (t = 0; t < 2; t++) {
		ig_tower_mlp *p = &m->mlp[t];

		p->in = (uint32_t)ig_tower_nsegs[t] * m->o.emb;
		p->hidden = m->o.hidden;
		p->out = m->o.dim;
		p->w1 = off;
		off += (size_t)p->hidden * p->in;
		p->b1 = off;
		off += p->hidden;
		p->w2 = off;
		off += (size_t)p->out * p->hidden;
		p->b2 = off;
		off += p->out;
	}
	m->ndense = off;
}

static void alloc_params(ig_tower_model *m, int with_acc)
{
	int t;

	for (t = 0; t < IG_TT_COUNT; t++) {
		m->table[t] = ig_calloc((size_t)m->rows[t] * m->o.emb, sizeof(float));
		if (with_acc)
			m->table_acc[t] = ig_calloc((size_t)m->rows[t] * m->o.emb, sizeof(float));
	}
	layout(m);
	m->dense = ig_calloc(m->ndense, sizeof(float));
	if (with_acc)
		m->dense_acc = ig_calloc(m->ndense, sizeof(float));
}

ig_tower_model *ig_tower_model_new(const ig_tower_opts *o, const ig_intern *items, uint32_t ntrained,
				   const ig_intern *authors, const ig_intern *topics, const char *prov)
{
	ig_tower_model *m = ig_calloc(1, sizeof *m);
	uint32_t na = authors ? ig_intern_count(authors) : 0, nt = topics ? ig_intern_count(topics) : 0;
	ig_rng rng;
	size_t i;
	int t;

	m->o = *o;
	m->o.pool = NULL;
	m->o.epoch_done = NULL;
	m->o.progress = NULL;
	m->o.ctx = NULL;
	m->prov = ig_strdup(prov ? prov : "");
	m->ref_ts = -1;
	set_known(m, 0, items, ntrained);
	set_known(m, 1, authors, na);
	set_known(m, 2, topics, nt);
	for (t = 0; t < IG_TOWER_HASHED; t++)
		m->rows[t] = known_rows(m, t);
	m->rows[IG_TT_MEDIA] = IG_MEDIA_COUNT;
	m->rows[IG_TT_AGE] = IG_TOWER_AGE_BUCKETS;
	m->rows[IG_TT_ACT] = IG_TOWER_ACT_BUCKETS;
	alloc_params(m, 1);
	ig_rng_seed(&rng, o->seed);
	for (t = 0; t < IG_TT_COUNT; t++) {
		size_t n = (size_t)m->rows[t] * m->o.emb;

		for (i = 0; i < n; i++)
			m->table[t][i] = (float)(ig_rng_normal(&rng) * 0.1);
		for (i = 0; i < n; i++)
			m->table_acc[t][i] = 0.1f;
	}
	for (t = 0; t < 2; t++) {
		const ig_tower_mlp *p = &m->mlp[t];
		double s1 = sqrt(2.0 / p->in), s2 = sqrt(1.0 / p->hidden);

		for (i = 0; i < (size_t)p->hidden * p->in; i++)
			m->dense[p->w1 + i] = (float)(ig_rng_normal(&rng) * s1);
		for (i = 0; i < p->hidden; i++)
			m->dense[p->b1 + i] = 0.01f;
		for (i = 0; i < (size_t)p->out * p->hidden; i++)
			m->dense[p->w2 + i] = (float)(ig_rng_normal(&rng) * s2);
	}
	for (i = 0; i < m->ndense; i++)
		m->dense_acc[i] = 0.1f;
	return m;
}

void ig_tower_model_free(ig_tower_model *m)
{
	int t;

	if (m == NULL)
		return;
	for (t = 0; t < IG_TT_COUNT; t++) {
		free(m->table[t]);
		free(m->table_acc[t]);
	}
	for (t = 0; t < IG_TOWER_HASHED; t++)
		free(m->known[t]);
	free(m->dense);
	free(m->dense_acc);
	free(m->prov);
	free(m);
}

uint64_t ig_tower_model_bytes(const ig_tower_model *m)
{
	/* values, Adagrad's sums and, to stop early, the best epoch's values;
	 * to average them, their average */
	uint64_t copies = 2 + (m->o.patience > 0) + (m->o.average > 0), b = copies * m->ndense * sizeof(float);
	int t;

	for (t = 0; t < IG_TT_COUNT; t++)
		b += copies * m->rows[t] * m->o.emb * sizeof(float);
	for (t = 0; t < IG_TOWER_HASHED; t++)
		b += (uint64_t)m->nknown[t] * sizeof(uint64_t);
	return b;
}

uint32_t ig_tower_model_dim(const ig_tower_model *m)
{
	return m->o.dim;
}

int64_t ig_tower_model_ref_ts(const ig_tower_model *m)
{
	return m->ref_ts;
}

void ig_tower_model_set_ref_ts(ig_tower_model *m, int64_t ts)
{
	m->ref_ts = ts;
}

const char *ig_tower_model_provenance(const ig_tower_model *m)
{
	return m->prov;
}

const ig_tower_opts *ig_tower_model_opts(const ig_tower_model *m)
{
	return &m->o;
}

uint32_t ig_tower_row(const ig_tower_model *m, int kind, const char *id, size_t len)
{
	uint64_t h = ig_hash64(id, len);
	const uint64_t *k = m->known[kind];
	uint32_t lo = 0, hi = m->nknown[kind];

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (k[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the rank: no two trained ids share a row (hashed rows did, and
	 * cost fit) */
	return lo == m->nknown[kind] || k[lo] != h ? IG_TOWER_NONE : lo;
}

/* ---- the file: little-endian, a checksum over everything before it ---- */

/* The features the towers read, in segment order: a reader can tell what
 * the numbers mean without this source. */
static const char feature_spec[] =
	"user=long_history,short_history,follows,topic_affinity,media_affinity,activity;"
	"item=id,author,topics,media,age";

void ig_tower_model_write(const ig_tower_model *m, ig_writer *w)
{
	ig_binbuf b = {NULL, 0, 0};
	int t;

	ig_binbuf_put(&b, IG_TOWER_MAGIC, 8);
	ig_binbuf_u32(&b, IG_TOWER_VERSION);
	ig_binbuf_u32(&b, m->o.dim);
	ig_binbuf_u32(&b, m->o.emb);
	ig_binbuf_u32(&b, m->o.hidden);
	ig_binbuf_u32(&b, m->o.short_n);
	ig_binbuf_u32(&b, m->o.long_n);
	ig_binbuf_u32(&b, m->o.max_follows);
	ig_binbuf_f64(&b, m->o.temperature);
	ig_binbuf_f64(&b, m->o.min_view);
	for (t = 0; t < IG_EV_COUNT; t++)
		ig_binbuf_f64(&b, m->o.weights[t]);
	ig_binbuf_u64(&b, (uint64_t)m->ref_ts);
	ig_binbuf_str(&b, feature_spec);
	ig_binbuf_str(&b, m->prov);
	for (t = 0; t < IG_TT_COUNT; t++)
		ig_binbuf_u32(&b, m->rows[t]);
	for (t = 0; t < IG_TOWER_HASHED; t++) {
		uint32_t i;

		ig_binbuf_u32(&b, m->nknown[t]);
		for (i = 0; i < m->nknown[t]; i++)
			ig_binbuf_u64(&b, m->known[t][i]);
	}
	for (t = 0; t < IG_TT_COUNT; t++)
		ig_binbuf_floats(&b, m->table[t], (size_t)m->rows[t] * m->o.emb);
	ig_binbuf_floats(&b, m->dense, m->ndense);
	ig_binbuf_u64(&b, ig_hash64(b.p, b.n));
	ig_binbuf_write(&b, w);
}

void ig_tower_model_save(const ig_tower_model *m, const char *path)
{
	ig_writer *w = ig_writer_open(path, IG_COMPRESS_NO, 1);

	ig_tower_model_write(m, w);
	ig_writer_close(w);
}

static uint32_t get_dim(ig_bincur *c, const char *what, uint32_t lo, uint32_t hi)
{
	uint32_t v = ig_bincur_u32(c, what);

	if (v < lo || v > hi)
		ig_bincur_bad(c, what);
	return v;
}

/* A read that fails frees the model built so far. */
static void free_model(void *m)
{
	ig_tower_model_free(m);
}

ig_tower_model *ig_tower_model_parse(const unsigned char *data, size_t n, const char *name)
{
	ig_bincur c = {data, n, 0, name, "ig-train-tower model", NULL, NULL};
	ig_tower_model *m;
	char magic[8], *spec;
	uint32_t version, i;
	uint64_t sum, need = 0;
	int t;

	ig_bincur_take(&c, magic, 8, "too short for the magic");
	if (memcmp(magic, IG_TOWER_MAGIC, 8) != 0)
		ig_bincur_bad(&c, "wrong magic");
	c.at = 8;
	version = ig_bincur_u32(&c, "no version");
	if (version != IG_TOWER_VERSION) {
		ig_die("%s: ig-train-tower model version %u, this build reads version %u", name, version,
		       IG_TOWER_VERSION);
	}
	if (n < 16)
		ig_bincur_bad(&c, "truncated");
	{
		const unsigned char *s = data + n - 8;

		sum = (uint64_t)s[0] | (uint64_t)s[1] << 8 | (uint64_t)s[2] << 16 | (uint64_t)s[3] << 24 |
		      (uint64_t)s[4] << 32 | (uint64_t)s[5] << 40 | (uint64_t)s[6] << 48 | (uint64_t)s[7] << 56;
		if (sum != ig_hash64(data, n - 8)) {
			c.at = n - 8;
			ig_bincur_bad(&c, "checksum mismatch (truncated or damaged)");
		}
	}
	c.n = n - 8;
	m = ig_calloc(1, sizeof *m);
	c.cleanup = free_model;
	c.arg = m;
	ig_tower_opts_default(&m->o);
	m->o.dim = get_dim(&c, "dim", 1, MAX_DIM);
	m->o.emb = get_dim(&c, "embedding size", 1, MAX_DIM);
	m->o.hidden = get_dim(&c, "hidden size", 1, MAX_DIM);
	m->o.short_n = get_dim(&c, "short history", 0, 1u << 20);
	m->o.long_n = get_dim(&c, "long history", 0, 1u << 20);
	m->o.max_follows = get_dim(&c, "max follows", 0, 1u << 20);
	m->o.temperature = ig_bincur_f64(&c, "temperature");
	if (!(m->o.temperature > 0))
		ig_bincur_bad(&c, "temperature");
	m->o.min_view = ig_bincur_f64(&c, "min view");
	for (t = 0; t < IG_EV_COUNT; t++)
		m->o.weights[t] = ig_bincur_f64(&c, "event weight");
	m->ref_ts = (int64_t)ig_bincur_u64(&c, "reference time");
	spec = ig_bincur_str(&c, MAX_STRING, "feature spec");
	if (strcmp(spec, feature_spec) != 0) {
		free(spec);
		ig_bincur_bad(&c, "features this build does not know");
	}
	free(spec);
	m->prov = ig_bincur_str(&c, MAX_STRING, "provenance");
	for (t = 0; t < IG_TT_COUNT; t++) {
		m->rows[t] = get_dim(&c, "table rows", 1, MAX_ROWS);
		need += (uint64_t)m->rows[t] * m->o.emb;
	}
	if (m->rows[IG_TT_MEDIA] != IG_MEDIA_COUNT || m->rows[IG_TT_AGE] != IG_TOWER_AGE_BUCKETS ||
	    m->rows[IG_TT_ACT] != IG_TOWER_ACT_BUCKETS)
		ig_bincur_bad(&c, "bucket counts");
	for (t = 0; t < IG_TOWER_HASHED; t++) {
		uint32_t k = ig_bincur_u32(&c, "known ids");

		if (k > (c.n - c.at) / 8)
			ig_bincur_bad(&c, "known ids");
		m->known[t] = ig_reallocarray(NULL, k ? k : 1, sizeof(uint64_t));
		m->nknown[t] = k;
		for (i = 0; i < k; i++) {
			m->known[t][i] = ig_bincur_u64(&c, "known ids");
			if (i > 0 && m->known[t][i] <= m->known[t][i - 1])
				ig_bincur_bad(&c, "known ids out of order");
		}
		if (m->rows[t] != known_rows(m, t))
			ig_bincur_bad(&c, "table rows not one for each known id");
	}
	layout(m);
	need += m->ndense;
	if (need != (c.n - c.at) / 4 || (c.n - c.at) % 4 != 0)
		ig_bincur_bad(&c, "parameter count does not match the sizes");
	for (t = 0; t < IG_TT_COUNT; t++) {
		m->table[t] = ig_malloc((size_t)m->rows[t] * m->o.emb * sizeof(float));
		ig_bincur_floats(&c, m->table[t], (size_t)m->rows[t] * m->o.emb, "embedding table");
	}
	m->dense = ig_malloc(m->ndense * sizeof(float));
	ig_bincur_floats(&c, m->dense, m->ndense, "layer weights");
	return m;
}

ig_tower_model *ig_tower_model_load(const char *path)
{
	size_t n;
	unsigned char *data = ig_binfile_read(path, MAX_FILE, "ig-train-tower model", &n);
	ig_tower_model *m = ig_tower_model_parse(data, n, path);

	free(data);
	return m;
}
