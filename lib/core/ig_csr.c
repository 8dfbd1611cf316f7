#include "core/ig_csr.h"

#include <stdlib.h>
#include <string.h>

#include "core/ig_err.h"

static uint32_t col_at(const ig_csr *m, uint64_t k)
{
	return *(const uint32_t *)((const char *)m->col + k * m->stride);
}

static float val_at(const ig_csr *m, uint64_t k)
{
	return *(const float *)((const char *)m->val + k * m->stride);
}

void ig_csr_transpose(const ig_csr *m, uint64_t *toff, uint32_t *trow, float *tval)
{
	uint64_t *fill, k;
	uint32_t c;
	size_t r;

	if (m->val == NULL)
		tval = NULL;
	memset(toff, 0, ((size_t)m->ncols + 1) * sizeof *toff);
	for (r = 0; r < m->nrows; r++)
		for (k = m->off[r]; k < m->off[r + 1]; k++)
			toff[col_at(m, k) + 1]++;
	for (c = 0; c < m->ncols; c++)
		toff[c + 1] += toff[c];
	fill = ig_reallocarray(NULL, (size_t)m->ncols + 1, sizeof *fill);
	memcpy(fill, toff, ((size_t)m->ncols + 1) * sizeof *fill);
	for (r = 0; r < m->nrows; r++)
		for (k = m->off[r]; k < m->off[r + 1]; k++) {
			uint64_t at = fill[col_at(m, k)]++;

			trow[at] = (uint32_t)r;
			if (tval != NULL)
				tval[at] = val_at(m, k);
		}
	free(fill);
}
