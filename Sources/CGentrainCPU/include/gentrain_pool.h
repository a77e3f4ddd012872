// The engine's thread pool: every parallel region of the engine runs on it (its kernels, the
// products it splits into blocks, the workers of data parallel training).
//
// Made for a machine the process shares and for small regions (tens of microseconds):
// - the calling thread takes part, and returns as soon as every unit has run: a worker that
//   wakes late finds nothing left to do, instead of the region waiting for it to arrive;
// - an idle worker spins for a few microseconds, then yields its core for a while (so the next
//   region finds it awake without holding a core another process wants), then sleeps;
// - a region started inside a region (a kernel called by a unit), or while another thread's
//   region holds the pool, runs on the calling thread alone, so the pool never oversubscribes;
// - OMP_WAIT_POLICY=passive makes idle threads sleep at once, =active never.
#ifndef GENTRAIN_POOL_H
#define GENTRAIN_POOL_H

/// One unit of a region: `unit` in 0..<units.
typedef void (*gt_pool_body)(void *context, long unit);

/// Largest number of units of one region, and of threads.
enum { GT_POOL_MAX_UNITS = 65535, GT_POOL_MAX_THREADS = 1024 };

/// Runs `body(context, u)` for every u in 0..<units (at most GT_POOL_MAX_UNITS) on the calling
/// thread and up to `threads - 1` workers, and returns when all have run.
/// - `dealt == 0`: the threads take units as they come; the caller takes part until none is left.
/// - `dealt != 0`: unit u runs on a thread of its own (`units <= threads`), the caller's being 0:
///   each gets its share even when it starts late (data parallel workers).
/// Runs every unit on the calling thread when it is inside a region, when another thread's region
/// holds the pool, with one thread, or when no worker thread can be started.
void gt_pool_run(gt_pool_body body, void *context, long units, int threads, int dealt);

/// Whether the calling thread runs a unit of a region now (a worker, or a caller inside gt_pool_run).
int gt_pool_in_region(void);

/// Makes the idle workers sleep now instead of yielding their cores for a while: before another
/// library's threads run (oneDNN's OpenMP regions), which a yielding worker would slow down.
void gt_pool_sleep_idle_workers(void);

#endif
