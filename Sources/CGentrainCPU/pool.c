#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gentrain_pool.h"

// One region at a time holds the pool. A region is published in two words that pack its
// generation with its counts, so that a worker holding a stale value can never take part in a
// later region (every take is a compare-and-swap of the whole word):
//   seats: generation (32 bits) | dealt (1) | seats for workers (15) | seats taken (16)
//   next:  generation (32 bits) | units (16) | units taken (16)
// A worker first takes a seat (so a region uses no more threads than it asked for), then units
// from `next` (or, dealt, the unit of its seat). The region's body and context are read only
// after a unit has been taken: the caller does not return, and so does not publish the next
// region, before every taken unit has run (`done`).
static struct {
    pthread_mutex_t owner;             // held by the thread whose region runs
    _Atomic uint32_t generation;       // bumped by every region: what sleeping workers wait on
    _Atomic uint64_t seats, next;
    _Atomic uint32_t done;             // units of this region that have run: what the caller waits on
    _Atomic uint32_t caller_sleeping;  // the caller waits on `done` in the kernel (0 or 1)
    _Atomic uint32_t sleepers;         // workers waiting on `generation` in the kernel
    _Atomic(gt_pool_body) body;
    _Atomic(void *) context;
    _Atomic uint32_t naps;             // bumped by gt_pool_sleep_idle_workers
    _Atomic int policy;                // 0 spin, yield, sleep; 1 sleep at once (passive); 2 never sleep (active)
    int workers;                       // started so far (changed by the owner only)
} pool = {.owner = PTHREAD_MUTEX_INITIALIZER};

// Set on the workers, and on a caller while its region runs: regions started there run inline.
static _Thread_local int in_region;

// An idle thread spins this long (checking about every 0.1 µs), then yields its core this long
// (a region that follows within it finds the thread awake), then sleeps.
enum { SPIN_NS = 5000, YIELD_NS = 500000 };

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word, int count) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/// Waits, by the pool's policy, until `done(word, value)` (checked with acquire loads) holds;
/// then returns 1. Returns 0 when the policy says to sleep now; the caller sleeps in the kernel.
static int wait_awake(_Atomic uint32_t *word, uint32_t value, int (*done)(uint32_t, uint32_t)) {
    int policy = atomic_load_explicit(&pool.policy, memory_order_relaxed);
    if (policy == 1) return 0;
    long long start = now_ns();
    uint32_t naps = atomic_load_explicit(&pool.naps, memory_order_relaxed);
    for (unsigned i = 1;; i++) {
        if (done(atomic_load_explicit(word, memory_order_acquire), value)) return 1;
        if ((i & 63) == 0) {
            long long waited = now_ns() - start;
            if (policy != 2 && (waited >= SPIN_NS + YIELD_NS || atomic_load_explicit(&pool.naps, memory_order_relaxed) != naps))
                return 0;
            if (waited >= SPIN_NS) {
                sched_yield();
                continue;
            }
        }
        relax();
    }
}

static int differs(uint32_t a, uint32_t b) { return a != b; }
static int reached(uint32_t a, uint32_t b) { return a >= b; }

/// Waits until `done(word, value)` holds: awake by the pool's policy, then in the kernel, counted
/// in `sleeping` meanwhile (whoever changes `word` wakes it when that count is not zero).
static void wait_for(_Atomic uint32_t *word, uint32_t value, int (*done)(uint32_t, uint32_t), _Atomic uint32_t *sleeping) {
    if (wait_awake(word, value, done)) return;
    atomic_fetch_add(sleeping, 1);
    for (uint32_t w; !done(w = atomic_load(word), value);) futex_wait(word, w);
    atomic_fetch_sub(sleeping, 1);
}

/// Runs unit `unit` of the current region and counts it done.
static void run_unit(long unit) {
    gt_pool_body body = atomic_load_explicit(&pool.body, memory_order_relaxed);
    body(atomic_load_explicit(&pool.context, memory_order_relaxed), unit);
    atomic_fetch_add(&pool.done, 1);
    if (atomic_load(&pool.caller_sleeping)) futex_wake(&pool.done, 1);
}

/// Takes and runs units of region `generation` until none is left.
static void run_units(uint64_t generation) {
    uint64_t v = atomic_load_explicit(&pool.next, memory_order_acquire);
    for (;;) {
        if (v >> 32 != generation || (v & 0xFFFF) >= ((v >> 16) & 0xFFFF)) return;
        if (atomic_compare_exchange_weak_explicit(&pool.next, &v, v + 1, memory_order_acquire, memory_order_acquire)) {
            run_unit((long)(v & 0xFFFF));
            v = atomic_load_explicit(&pool.next, memory_order_acquire);
        }
    }
}

/// A worker's part in the region `seats` describes: a seat, if one is free, then its units.
static void take_part(uint64_t seats) {
    uint64_t generation = seats >> 32;
    for (;;) {
        uint64_t taken = seats & 0xFFFF, limit = (seats >> 16) & 0x7FFF;
        if (seats >> 32 != generation || taken >= limit) return;
        if (atomic_compare_exchange_weak_explicit(&pool.seats, &seats, seats + 1, memory_order_acquire,
                                                  memory_order_acquire)) {
            if ((seats >> 31) & 1) run_unit((long)taken + 1);
            else run_units(generation);
            return;
        }
    }
}

static void *gt_pool_worker(void *started_at) {
    in_region = 1;
    uint32_t seen = (uint32_t)(uintptr_t)started_at;
    for (;;) {
        wait_for(&pool.generation, seen, differs, &pool.sleepers);
        // At most one part per generation: a region whose seats are published but whose
        // generation is not yet, the worker may have taken part in already. And when the seats
        // are already a later region's, the generation's region is over.
        seen = atomic_load(&pool.generation);
        uint64_t seats = atomic_load_explicit(&pool.seats, memory_order_acquire);
        if ((uint32_t)(seats >> 32) == seen) take_part(seats);
    }
    return NULL;
}

/// In the child of a fork() only the forking thread exists: the pool starts over without workers.
static void after_fork_in_child(void) {
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    pool.owner = fresh;
    pool.workers = 0;
    atomic_store(&pool.sleepers, 0);
    atomic_store(&pool.caller_sleeping, 0);
    in_region = 0;
}

/// Once, before the first worker starts: the wait policy from OMP_WAIT_POLICY, the fork handler.
static void prepare(void) {
    const char *policy = getenv("OMP_WAIT_POLICY");
    if (policy && strcasecmp(policy, "passive") == 0) atomic_store(&pool.policy, 1);
    if (policy && strcasecmp(policy, "active") == 0) atomic_store(&pool.policy, 2);
    pthread_atfork(NULL, NULL, after_fork_in_child);
}

/// Starts workers until there are `count` (the owner calls this); returns how many there are.
static int gt_pool_start_workers(int count) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, prepare);
    if (pool.workers >= count) return pool.workers;
    // Workers take no signals: the host's threads handle them as before.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    uint32_t generation = atomic_load(&pool.generation);
    while (pool.workers < count) {
        pthread_t thread;
        if (pthread_create(&thread, &attributes, gt_pool_worker, (void *)(uintptr_t)generation) != 0) break;
        pool.workers++;
    }
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return pool.workers;
}

/// Runs every unit on the calling thread, itself in a region meanwhile (regions its units start run inline too).
static void run_inline(gt_pool_body body, void *context, long units) {
    int outer = in_region;
    in_region = 1;
    for (long u = 0; u < units; u++) body(context, u);
    in_region = outer;
}

void gt_pool_run(gt_pool_body body, void *context, long units, int threads, int dealt) {
    if (units <= 0) return;
    if (threads > GT_POOL_MAX_THREADS) threads = GT_POOL_MAX_THREADS;
    long helpers = (dealt ? units : (units < threads ? units : threads)) - 1;
    if (helpers < 1 || in_region || units > GT_POOL_MAX_UNITS || (dealt && units > threads)
        || pthread_mutex_trylock(&pool.owner) != 0) {
        run_inline(body, context, units);
        return;
    }
    if (gt_pool_start_workers((int)helpers) < helpers) {
        pthread_mutex_unlock(&pool.owner);
        run_inline(body, context, units);
        return;
    }
    uint32_t generation = atomic_load_explicit(&pool.generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&pool.body, body, memory_order_relaxed);
    atomic_store_explicit(&pool.context, context, memory_order_relaxed);
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    // Dealt: `next` is published empty; the caller runs unit 0 and the seats give 1...helpers.
    atomic_store_explicit(&pool.next, (uint64_t)generation << 32 | (uint64_t)units << 16 | (dealt ? (uint64_t)units : 0),
                          memory_order_release);
    atomic_store_explicit(&pool.seats, (uint64_t)generation << 32 | (uint64_t)(dealt != 0) << 31 | (uint64_t)helpers << 16,
                          memory_order_release);
    atomic_store(&pool.generation, generation);
    if (atomic_load(&pool.sleepers) > 0) futex_wake(&pool.generation, (int)helpers);
    in_region = 1;
    if (dealt) run_unit(0);
    else run_units(generation);
    wait_for(&pool.done, (uint32_t)units, reached, &pool.caller_sleeping);
    in_region = 0;
    pthread_mutex_unlock(&pool.owner);
}

int gt_pool_in_region(void) { return in_region; }

void gt_pool_sleep_idle_workers(void) { atomic_fetch_add_explicit(&pool.naps, 1, memory_order_relaxed); }
