/* The one CSR transpose of the library: from rows of column ids (each
 * user's items, each user's entities) to columns of row ids (each item's
 * users), by counting, in row order within a column. Rows may store their
 * entries in a struct (an id and a weight side by side), so entries are
 * read through a byte stride. */
#ifndef IG_CSR_H
#define IG_CSR_H

#include <stddef.h>
#include <stdint.h>

/* A matrix in compressed rows: row r's entries are off[r] .. off[r+1];
 * entry k's column id is at byte k * stride from COL, and its value at
 * byte k * stride from VAL (VAL NULL: no values). */
typedef struct ig_csr {
	size_t nrows;
	uint32_t ncols;    /* every column id is below it */
	const uint64_t *off;
	const uint32_t *col;
	const float *val;
	size_t stride;
} ig_csr;

/* Column c's rows are TROW[TOFF[c] .. TOFF[c+1]), ascending, and their
 * values TVAL[...] unless TVAL or the matrix's values are NULL. TOFF has
 * ncols + 1 entries; TROW and TVAL as many as the matrix has entries.
 * Row ids must fit 32 bits. */
void ig_csr_transpose(const ig_csr *m, uint64_t *toff, uint32_t *trow, float *tval);

#endif
