/* Streams processed user by user on a thread pool, written in input
 * order: the shape of ig-retrieve, ig-rank score and ig-diversify. The
 * caller's thread reads a batch of users, the pool processes its users
 * (each user on one thread, any thread, in any order), and the caller's
 * thread writes the batch once its last user is done, batches in input
 * order; so the output does not depend on the number of threads as long
 * as a user's result depends on that user only.
 *
 * With two batch objects the next batch is read while the pool works on
 * the one before (a double buffer: memory is two batches); with one,
 * reading waits until the batch before is written, for readers that
 * change what the workers look at (an id table that grows, say).
 *
 * Errors: an ig_die in any callback ends the process as anywhere else.
 * With a one-thread pool every callback runs on the caller's thread. */
#ifndef IG_BATCH_H
#define IG_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/ig_thread.h"

typedef struct ig_batch_ops {
	/* Reads the next users into BATCH, on the caller's thread; returns
	 * how many (0: the input is over). */
	size_t (*read)(void *ctx, void *batch);
	/* Processes user I of BATCH on a thread of the pool; TID (below
	 * ig_pool_threads) names the thread, for per-thread scratch. */
	void (*user)(void *ctx, void *batch, size_t i, int tid);
	/* Writes the N users of BATCH, on the caller's thread, after all of
	 * them were processed; batches come in input order. */
	void (*write)(void *ctx, void *batch, size_t n);
} ig_batch_ops;

/* Runs OPS over the whole input with batch objects A and B (NULL: read
 * and process in turn, with A only); returns the number of users. */
uint64_t ig_batch_run(ig_pool *pool, const ig_batch_ops *ops, void *ctx, void *a, void *b);

#endif
