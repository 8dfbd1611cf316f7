/* The parts of the training step that are not hot: the sigmoid tables,
 * the per-thread scratch, and the choice of kernel copy for this CPU. */
#include "w2v/ig_w2v_kernel.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

float ig_w2v_sigmoid_table[IG_W2V_SIGMOID_SIZE + 1];
float ig_w2v_log_sigmoid_table[IG_W2V_SIGMOID_SIZE + 1];

static ig_w2v_kernel_fn kernel;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
	int i;

	for (i = 0; i <= IG_W2V_SIGMOID_SIZE; i++) {
		double x = ((double)i / IG_W2V_SIGMOID_SIZE * 2 - 1) * IG_W2V_MAX_EXP;
		double e = exp(x);

		ig_w2v_sigmoid_table[i] = (float)(e / (e + 1));
		ig_w2v_log_sigmoid_table[i] = (float)(x - log1p(e)); /* log(e / (1 + e)) */
	}
	kernel = ig_w2v_kernel_get();
}

void ig_w2v_tables_init(void)
{
	pthread_once(&once, init_once);
}

static int table_index(float x)
{
	return (int)((x + IG_W2V_MAX_EXP) * ((float)IG_W2V_SIGMOID_SIZE / IG_W2V_MAX_EXP / 2));
}

float ig_w2v_sigmoid(float x)
{
	if (x >= IG_W2V_MAX_EXP)
		return 1;
	if (x <= -IG_W2V_MAX_EXP)
		return 0;
	return ig_w2v_sigmoid_table[table_index(x)];
}

float ig_w2v_log_sigmoid(float x)
{
	if (x >= IG_W2V_MAX_EXP)
		return 0;
	if (x <= -IG_W2V_MAX_EXP)
		return x;
	return ig_w2v_log_sigmoid_table[table_index(x)];
}

void ig_w2v_worker_init(ig_w2v_worker *wk, const ig_w2v_model *m)
{
	memset(wk, 0, sizeof *wk);
	wk->grad = aligned_alloc(64, (size_t)IG_W2V_BATCH * m->stride * sizeof(float));
	wk->hidden = aligned_alloc(64, (size_t)2 * m->stride * sizeof(float));
	if (wk->grad == NULL || wk->hidden == NULL)
		ig_die("out of memory");
}

void ig_w2v_worker_free(ig_w2v_worker *wk)
{
	free(wk->grad);
	free(wk->hidden);
	free(wk->sent);
	free(wk->sent_w);
	memset(wk, 0, sizeof *wk);
}

uint32_t ig_w2v_alias_draw(const ig_w2v_alias *a, uint64_t r)
{
	uint32_t i = (uint32_t)(((r >> 32) * a->n) >> 32);

	return (uint32_t)r <= a->cell[i].threshold ? i : a->cell[i].alias;
}

void ig_w2v_train_sentence(const ig_w2v_model *m, const ig_w2v_kparams *p, ig_w2v_worker *wk,
			   const uint32_t *sent, const float *w, size_t n, float alpha)
{
	ig_w2v_tables_init();
	kernel(m, p, wk, sent, w, n, alpha);
}
