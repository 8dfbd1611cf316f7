/* The model file (ig-formats(5), MODEL FILES) and prediction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"
#include "io/ig_binfile.h"
#include "rank/ig_rank_model_priv.h"

#define MAX_STRING (1u << 20)
#define MAX_FILE ((size_t)1 << 31)
#define MAX_IDX 1024

/* ---- writing ---- */

static void put_head(ig_binbuf *b, const ig_rank_model *m, const ig_rank_head_model *hm)
{
	uint32_t i, nnz = 0;

	ig_binbuf_f64(b, hm->base);
	ig_binbuf_f64(b, hm->platt_a);
	ig_binbuf_f64(b, hm->platt_b);
	ig_binbuf_u32(b, hm->constant);
	if (m->kind == IG_RANK_GBDT) {
		ig_binbuf_u32(b, hm->lin != NULL);
		for (i = 0; hm->lin && i < (uint32_t)m->nfeat; i++)
			ig_binbuf_f64(b, hm->lin[i]);
		ig_binbuf_u32(b, hm->ntrees);
		ig_binbuf_u32(b, hm->nnodes);
		for (i = 0; i < hm->ntrees; i++)
			ig_binbuf_u32(b, hm->root[i]);
		for (i = 0; i < hm->nnodes; i++) {
			ig_binbuf_u32(b, (uint32_t)hm->nodes[i].feat);
			ig_binbuf_f32(b, hm->nodes[i].thr);
			ig_binbuf_u32(b, (uint32_t)hm->nodes[i].left);
			ig_binbuf_u32(b, (uint32_t)hm->nodes[i].right);
			ig_binbuf_f32(b, hm->nodes[i].value);
		}
		return;
	}
	for (i = 0; i < 1u << m->bits; i++)
		nnz += hm->w[i] != 0;
	ig_binbuf_u32(b, nnz);
	for (i = 0; i < 1u << m->bits; i++)
		if (hm->w[i] != 0) {
			ig_binbuf_u32(b, i);
			ig_binbuf_f32(b, hm->w[i]);
		}
}

/* The file's bytes, checksum included, into B. */
static void model_bytes(const ig_rank_model *m, ig_binbuf *b)
{
	int i;
	uint32_t k;

	ig_binbuf_put(b, IG_RANK_MODEL_MAGIC, 8);
	ig_binbuf_u32(b, IG_RANK_MODEL_VERSION);
	ig_binbuf_u32(b, m->kind);
	ig_binbuf_str(b, m->fopts);
	ig_binbuf_str(b, m->prov);
	ig_binbuf_u32(b, (uint32_t)m->nfeat);
	for (i = 0; i < m->nfeat; i++)
		ig_binbuf_str(b, m->feat[i]);
	ig_binbuf_u32(b, (uint32_t)m->nhead);
	for (i = 0; i < m->nhead; i++)
		ig_binbuf_str(b, m->head[i]);
	for (i = 0; i < m->nfeat; i++) {
		ig_binbuf_u32(b, m->nedges[i]);
		for (k = 0; k < m->nedges[i]; k++)
			ig_binbuf_f32(b, m->edges[i][k]);
	}
	if (m->kind == IG_RANK_LR)
		ig_binbuf_u32(b, m->bits);
	for (i = 0; i < m->nhead; i++)
		put_head(b, m, &m->h[i]);
	ig_binbuf_u64(b, ig_hash64(b->p, b->n));
}

void ig_rank_model_save(const ig_rank_model *m, const char *path)
{
	ig_binbuf b = {NULL, 0, 0};

	model_bytes(m, &b);
	ig_binbuf_save(&b, path);
}

/* ---- reading: every count is checked against the bytes left ---- */

static char *get_str(ig_bincur *c, const char *what)
{
	char *s = ig_bincur_str(c, MAX_STRING, what);

	if (!ig_valid_utf8(s, strlen(s)))
		ig_bincur_bad(c, what);
	return s;
}

static char *get_name(ig_bincur *c, const char *what)
{
	char *s = get_str(c, what);

	if (!ig_valid_id(s, strlen(s)))
		ig_bincur_bad(c, what);
	return s;
}

/* Trees: each child is a later node of the same model, so a walk ends. */
static void get_trees(ig_bincur *c, const ig_rank_model *m, ig_rank_head_model *hm)
{
	uint32_t i;

	hm->ntrees = ig_bincur_u32(c, "tree count");
	hm->nnodes = ig_bincur_u32(c, "node count");
	if (hm->ntrees > (c->n - c->at) / 4 || hm->nnodes > (c->n - c->at) / 20 || hm->ntrees > hm->nnodes)
		ig_bincur_bad(c, "tree or node count");
	hm->root = ig_malloc(((size_t)hm->ntrees + 1) * sizeof *hm->root);
	hm->nodes = ig_malloc(((size_t)hm->nnodes + 1) * sizeof *hm->nodes);
	for (i = 0; i < hm->ntrees; i++)
		if ((hm->root[i] = ig_bincur_u32(c, "tree root")) >= hm->nnodes)
			ig_bincur_bad(c, "tree root");
	for (i = 0; i < hm->nnodes; i++) {
		ig_rank_node *nd = &hm->nodes[i];

		nd->feat = (int32_t)ig_bincur_u32(c, "node feature");
		nd->thr = ig_bincur_f32(c, "node threshold");
		nd->left = (int32_t)ig_bincur_u32(c, "node child");
		nd->right = (int32_t)ig_bincur_u32(c, "node child");
		nd->value = ig_bincur_f32(c, "node value");
		if (nd->feat < -1 || nd->feat >= m->nfeat)
			ig_bincur_bad(c, "node feature");
		if (nd->feat >= 0 && (nd->left <= (int32_t)i || nd->right <= (int32_t)i ||
				      (uint32_t)nd->left >= hm->nnodes || (uint32_t)nd->right >= hm->nnodes))
			ig_bincur_bad(c, "node child");
	}
}

/* Version 2's linear part: a flag, then a weight per feature. */
static void get_linear(ig_bincur *c, const ig_rank_model *m, ig_rank_head_model *hm)
{
	uint32_t has = ig_bincur_u32(c, "linear flag");
	int k;

	if (has > 1 || (has && (size_t)m->nfeat > (c->n - c->at) / 8))
		ig_bincur_bad(c, "linear flag");
	if (!has)
		return;
	hm->lin = ig_malloc((size_t)m->nfeat * sizeof *hm->lin);
	for (k = 0; k < m->nfeat; k++)
		if (!isfinite(hm->lin[k] = ig_bincur_f64(c, "linear weight")))
			ig_bincur_bad(c, "linear weight");
}

static void get_head(ig_bincur *c, const ig_rank_model *m, ig_rank_head_model *hm, uint32_t version)
{
	uint32_t nnz, i;

	hm->base = ig_bincur_f64(c, "head base");
	hm->platt_a = ig_bincur_f64(c, "head calibration");
	hm->platt_b = ig_bincur_f64(c, "head calibration");
	if ((hm->constant = ig_bincur_u32(c, "head flags")) > 1)
		ig_bincur_bad(c, "head flags");
	if (m->kind == IG_RANK_GBDT) {
		if (version >= 2)
			get_linear(c, m, hm);
		get_trees(c, m, hm);
		return;
	}
	nnz = ig_bincur_u32(c, "weight count");
	if (nnz > (c->n - c->at) / 8 || nnz > 1u << m->bits)
		ig_bincur_bad(c, "weight count");
	hm->w = ig_calloc((size_t)1 << m->bits, sizeof *hm->w);
	for (i = 0; i < nnz; i++) {
		uint32_t k = ig_bincur_u32(c, "weight index");

		if (k >= 1u << m->bits)
			ig_bincur_bad(c, "weight index");
		hm->w[k] = ig_bincur_f32(c, "weight");
	}
}

static void get_features(ig_bincur *c, ig_rank_model *m)
{
	uint32_t n = ig_bincur_u32(c, "feature count"), k;
	int i;

	if (n == 0 || n > 512 || n > (c->n - c->at) / 4)
		ig_bincur_bad(c, "feature count");
	m->nfeat = (int)n;
	m->feat = ig_calloc(n, sizeof *m->feat);
	for (i = 0; i < m->nfeat; i++)
		m->feat[i] = get_name(c, "feature name");
	n = ig_bincur_u32(c, "head count");
	if (n == 0 || n > IG_RANK_MAX_HEADS)
		ig_bincur_bad(c, "head count");
	m->nhead = (int)n;
	m->head = ig_calloc(n, sizeof *m->head);
	for (i = 0; i < m->nhead; i++)
		m->head[i] = get_name(c, "head name");
	m->nedges = ig_calloc((size_t)m->nfeat, sizeof *m->nedges);
	m->edges = ig_calloc((size_t)m->nfeat, sizeof *m->edges);
	for (i = 0; i < m->nfeat; i++) {
		if ((m->nedges[i] = ig_bincur_u32(c, "edge count")) > 255)
			ig_bincur_bad(c, "edge count");
		m->edges[i] = ig_malloc(((size_t)m->nedges[i] + 1) * sizeof **m->edges);
		for (k = 0; k < m->nedges[i]; k++) {
			m->edges[i][k] = ig_bincur_f32(c, "bin edge");
			if (k > 0 && !(m->edges[i][k] > m->edges[i][k - 1]))
				ig_bincur_bad(c, "bin edges out of order");
		}
	}
}

ig_rank_model *ig_rank_model_parse(const unsigned char *p, size_t n, const char *name)
{
	ig_bincur c = {p, n, 0, name, "ig-rank model", NULL, NULL};
	ig_rank_model *m;
	char magic[8];
	uint32_t v;
	ig_rank_fopts fo;
	int i;

	if (n < 8 || memcmp(p, IG_RANK_MODEL_MAGIC, 8) != 0)
		ig_die("%s: not an ig-rank model (no IGRANKM magic)", name);
	if (n < 8 + 8)
		ig_die("%s: ig-rank model damaged: truncated (%zu bytes)", name, n);
	if (ig_bincur_u64(&(ig_bincur){p, n, n - 8, name, "ig-rank model", NULL, NULL}, "checksum") != ig_hash64(p, n - 8))
		ig_die("%s: ig-rank model damaged: checksum mismatch", name);
	c.n = n - 8;
	ig_bincur_take(&c, magic, 8, "magic");
	if ((v = ig_bincur_u32(&c, "version")) < 1 || v > IG_RANK_MODEL_VERSION)
		ig_die("%s: ig-rank model version %u; this ig-rank reads versions 1 to %u", name, v,
		       IG_RANK_MODEL_VERSION);
	m = ig_calloc(1, sizeof *m);
	m->kind = ig_bincur_u32(&c, "kind");
	if (m->kind != IG_RANK_LR && m->kind != IG_RANK_GBDT)
		ig_bincur_bad(&c, "model kind");
	m->fopts = get_str(&c, "feature options");
	if (ig_rank_fopts_parse(m->fopts, &fo) != 0)
		ig_bincur_bad(&c, "feature options");
	m->prov = get_str(&c, "provenance");
	get_features(&c, m);
	if (m->kind == IG_RANK_LR) {
		m->bits = ig_bincur_u32(&c, "hash bits");
		if (m->bits < 8 || m->bits > 28)
			ig_bincur_bad(&c, "hash bits");
		ig_rank_lr_pick_crosses(m);
		if (ig_rank_lr_nidx(m) > MAX_IDX)
			ig_bincur_bad(&c, "feature count");
	}
	m->h = ig_calloc((size_t)m->nhead, sizeof *m->h);
	for (i = 0; i < m->nhead; i++)
		get_head(&c, m, &m->h[i], v);
	if (c.at != c.n)
		ig_bincur_bad(&c, "trailing bytes");
	if (m->kind == IG_RANK_LR)
		ig_rank_lr_interleave(m);
	return m;
}

ig_rank_model *ig_rank_model_load(const char *path)
{
	size_t n;
	unsigned char *p = ig_binfile_read(path, MAX_FILE, "ig-rank model", &n);
	ig_rank_model *m = ig_rank_model_parse(p, n, path);

	free(p);
	return m;
}

ig_rank_model *ig_rank_model_copy(const ig_rank_model *m)
{
	ig_binbuf b = {NULL, 0, 0};
	ig_rank_model *copy;

	model_bytes(m, &b);
	copy = ig_rank_model_parse(b.p, b.n, "a model in memory");
	free(b.p);
	return copy;
}

void ig_rank_head_clear(ig_rank_head_model *h)
{
	free(h->root);
	free(h->nodes);
	free(h->w);
	free(h->lin);
	memset(h, 0, sizeof *h);
}

void ig_rank_model_free(ig_rank_model *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfeat; i++) {
		if (m->feat)
			free(m->feat[i]);
		if (m->edges)
			free(m->edges[i]);
	}
	for (i = 0; i < m->nhead; i++) {
		if (m->head)
			free(m->head[i]);
		if (m->h)
			ig_rank_head_clear(&m->h[i]);
	}
	free(m->feat);
	free(m->edges);
	free(m->nedges);
	free(m->head);
	free(m->h);
	free(m->cross);
	free(m->wi);
	free(m->wd);
	free(m->cedge);
	free(m->coff);
	free(m->cne);
	free(m->order);
	free(m->order_off);
	free(m->cross_at);
	free(m->coarse);
	free(m->bin_idx);
	free(m->bin_off);
	free(m->cross_idx);
	free(m->fopts);
	free(m->prov);
	free(m);
}

int ig_rank_model_kind(const ig_rank_model *m) { return (int)m->kind; }
int ig_rank_model_nheads(const ig_rank_model *m) { return m->nhead; }
const char *ig_rank_model_head(const ig_rank_model *m, int h) { return m->head[h]; }
int ig_rank_model_nfeatures(const ig_rank_model *m) { return m->nfeat; }
const char *ig_rank_model_feature(const ig_rank_model *m, int i) { return m->feat[i]; }
const char *ig_rank_model_fopts(const ig_rank_model *m) { return m->fopts; }
const char *ig_rank_model_provenance(const ig_rank_model *m) { return m->prov; }

int *ig_rank_model_map(const ig_rank_model *m, char *const *names, int n, const char *what)
{
	int *map = ig_malloc((size_t)m->nfeat * sizeof *map), i, k;

	for (i = 0; i < m->nfeat; i++) {
		for (k = 0; k < n && strcmp(names[k], m->feat[i]) != 0; k++)
			;
		if (k == n)
			ig_die("%s lacks feature '%s', which the model was trained with%s", what, m->feat[i],
			       strncmp(m->feat[i], "s_", 2) == 0 ? " (a retrieval source column)" : "");
		map[i] = k;
	}
	return map;
}

static double margin_of(const ig_rank_model *m, int h, const float *x, const uint32_t *idx, int nidx)
{
	const ig_rank_head_model *hm = &m->h[h];

	if (hm->constant)
		return hm->base;
	if (m->kind == IG_RANK_GBDT)
		return ig_rank_gbdt_margin(hm, x, m->nfeat);
	return ig_rank_lr_margin(m, hm, idx, nidx);
}

/* The calibrated probabilities from the margins Z; a constant head (one
 * class in training) has its base for margin. */
static void calibrate(const ig_rank_model *m, double *z, double *p)
{
	double t[IG_RANK_MAX_HEADS];
	int h;

	for (h = 0; h < m->nhead; h++) {
		if (m->h[h].constant)
			z[h] = m->h[h].base;
		t[h] = m->h[h].platt_a * z[h] + m->h[h].platt_b;
	}
	ig_rank_sigmoids(t, p, m->nhead);
}

void ig_rank_predict(const ig_rank_model *m, const float *x, uint64_t user_hash, uint64_t item_hash, double *p)
{
	double z[IG_RANK_MAX_HEADS];
	int h;

	if (m->kind == IG_RANK_LR) {
		ig_rank_lr_margins(m, x, user_hash, item_hash, z);
		calibrate(m, z, p);
		return;
	}
	for (h = 0; h < m->nhead; h++)
		z[h] = margin_of(m, h, x, NULL, 0);
	calibrate(m, z, p);
}

const int *ig_rank_model_score_order(const ig_rank_model *m, int *nitem, int *nuser)
{
	*nitem = m->kind == IG_RANK_LR ? m->nitem_only : 0;
	*nuser = m->kind == IG_RANK_LR ? m->nuser_only : 0;
	return m->kind == IG_RANK_LR ? m->order : NULL;
}

void ig_rank_item_part(const ig_rank_model *m, const float *xi, uint64_t item_hash, float *part)
{
	ig_rank_lr_item_part(m, xi, item_hash, part);
}

void ig_rank_user_part(const ig_rank_model *m, const float *xu, uint64_t user_hash, float *part)
{
	ig_rank_lr_user_part(m, xu, user_hash, part);
}

void ig_rank_predict_parts(const ig_rank_model *m, const float *xr, const float *item_part,
			   const float *user_part, double *p)
{
	double z[IG_RANK_MAX_HEADS];

	ig_rank_lr_margins_parts(m, xr, item_part, user_part, z);
	calibrate(m, z, p);
}

/* Saabas: each split's feature gets the change in node value along the
 * path the row takes. */
static void gbdt_contrib(const ig_rank_head_model *hm, const float *x, int nfeat, double *out)
{
	uint32_t t;
	int k;

	for (k = 0; hm->lin && k < nfeat; k++)
		out[k] += hm->lin[k] * (double)x[k];
	for (t = 0; t < hm->ntrees; t++) {
		const ig_rank_node *nd = &hm->nodes[hm->root[t]];

		while (nd->feat >= 0) {
			const ig_rank_node *next = &hm->nodes[x[nd->feat] <= nd->thr ? nd->left : nd->right];

			out[nd->feat] += (double)(next->value - nd->value);
			nd = next;
		}
	}
}

void ig_rank_contrib(const ig_rank_model *m, int h, const float *x, uint64_t user_hash, uint64_t item_hash,
		     double *out)
{
	const ig_rank_head_model *hm = &m->h[h];
	uint32_t idx[MAX_IDX];
	int origin[MAX_IDX], i, n;

	memset(out, 0, ((size_t)m->nfeat + 2) * sizeof *out);
	if (hm->constant)
		return;
	if (m->kind == IG_RANK_GBDT) {
		gbdt_contrib(hm, x, m->nfeat, out);
	} else {
		n = ig_rank_lr_indices(m, x, user_hash, item_hash, idx, origin);
		for (i = 0; i < n; i++)
			out[origin[i]] += (double)hm->w[idx[i]];
	}
	for (i = 0; i < m->nfeat + 2; i++)
		out[i] *= hm->platt_a;
}
