/* The one thread pool of igfunnel. A pool of N threads runs jobs from one
 * queue, first in first out; a pool of one thread runs every job on the
 * caller, at once, so -@ 1 means no thread at all. Two shapes on top:
 *
 *   ig_pool_for    a parallel for: FN(ARG, i, tid) for every i < N, the
 *                  indices handed out one by one to N threads (tid is the
 *                  thread's number, for per-thread scratch); returns when
 *                  all are done.
 *   ig_pipe_*      an ordered pipeline: the caller pushes items in order,
 *                  WORK runs on them in parallel (at most DEPTH at once),
 *                  and DONE runs on the caller's thread, in push order.
 *                  With DEPTH 1 it is a double buffer: WORK on one item
 *                  while the caller makes the next.
 *
 * A job may push to a pipe or wait for nothing else: no job waits for
 * another job, so a pool never deadlocks however its users nest. Work
 * that must give the same result for any number of threads has to make
 * it so itself (per-item random streams, ordered output). */
#ifndef IG_THREAD_H
#define IG_THREAD_H

#include <stddef.h>

typedef struct ig_pool ig_pool;

/* THREADS >= 1 (exits 1 if a thread cannot be started). */
ig_pool *ig_pool_new(int threads);
/* Stops and joins the threads; every pipe must have ended. NULL is fine. */
void ig_pool_free(ig_pool *p);
/* The threads of P; 1 for a NULL P, which ig_pool_for runs in order. */
int ig_pool_threads(const ig_pool *p);
/* The number (0 to threads - 1) of the calling thread in P, for per-thread
 * scratch in jobs that are not given one (ig_pipe's WORK); 0 on a thread
 * that is not P's, which is where a one-thread pool runs every job. */
int ig_pool_self(const ig_pool *p);

/* Runs FN(ARG, i, tid) for i in [0, N), 0 <= tid < ig_pool_threads(P);
 * no two calls with the same tid overlap. A NULL P runs them in order on
 * the calling thread, with tid 0. */
void ig_pool_for(ig_pool *p, size_t n, void (*fn)(void *arg, size_t i, int tid), void *arg);

typedef struct ig_pipe ig_pipe;

/* DEPTH >= 1 items in flight at once. */
ig_pipe *ig_pipe_new(ig_pool *p, int depth, void (*work)(void *ctx, void *item),
		     void (*done)(void *ctx, void *item), void *ctx);
/* Hands ITEM to WORK; first runs DONE on the finished items that are next
 * in order, waiting while DEPTH items are in flight. */
void ig_pipe_push(ig_pipe *q, void *item);
/* Runs DONE on finished items in order, waiting until at most KEEP items
 * are in flight (0: all done). */
void ig_pipe_flush(ig_pipe *q, int keep);
/* Waits for every item, runs the remaining DONEs in order, frees Q. */
void ig_pipe_end(ig_pipe *q);

#endif
