// The engine's thread pool (Sources/CGentrainCPU/pool.c), compiled into this test: every unit of
// every region runs exactly once, inside a region — regions taken as they come and dealt, of 1
// to 16 units, on 2 to 4 threads, from three threads at once (while one holds the pool the others
// run inline), with regions started inside units (inline), after the workers went to sleep, and
// in a child process after fork(). Dealt units each run on a thread of their own, unit 0 on the
// caller's. CMake runs it as is, with OMP_WAIT_POLICY=passive, and under ThreadSanitizer
// (without the fork).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gentrain_pool.h"

typedef struct {
    _Atomic long runs[64];
    pthread_t thread[64];
    int nested;
} region;

static _Atomic int failures;

static void fail(const char *what, long unit, long value) {
    if (atomic_fetch_add(&failures, 1) < 10) fprintf(stderr, "FAIL: %s (unit %ld: %ld)\n", what, unit, value);
}

/// `dealt`: 0 taken as they come, 1 dealt, 2 dealt from the only caller (checked: one thread per unit).
static void run_region(long units, int threads, int dealt, int nested);

static void body(void *context, long unit) {
    region *r = context;
    atomic_fetch_add(&r->runs[unit], 1);
    r->thread[unit] = pthread_self();
    if (!gt_pool_in_region()) fail("a unit runs outside a region", unit, 0);
    if (r->nested) run_region(8, 4, 0, 0);   // inline, on this thread
}

static void run_region(long units, int threads, int dealt, int nested) {
    region r = {.nested = nested};
    gt_pool_run(body, &r, units, threads, dealt != 0);
    for (long u = 0; u < units; u++)
        if (r.runs[u] != 1) fail("a unit did not run exactly once", u, r.runs[u]);
    // Dealt, from the only caller: a thread per unit, the caller's first.
    if (dealt == 2)
        for (long u = 1; u < units; u++)
            for (long v = 0; v < u; v++)
                if (pthread_equal(r.thread[u], r.thread[v])) fail("two dealt units on one thread", u, v);
}

static void *caller(void *arg) {
    for (int i = 0; i < 20000; i++) run_region(1 + i % 16, 2 + i % 3, 0, i % 100 == 0);
    for (int i = 0; i < 2000; i++) run_region(1 + i % 3, 3, 1, 0);
    if (gt_pool_in_region()) fail("the caller is left in a region", 0, 0);
    return arg;
}

int main(void) {
    // Alone first: dealt units must land on distinct threads.
    for (int i = 0; i < 2000; i++) run_region(2 + i % 3, 4, 2, 0);
    pthread_t callers[3];
    for (int i = 0; i < 3; i++) pthread_create(&callers[i], NULL, caller, NULL);
    for (int i = 0; i < 3; i++) pthread_join(callers[i], NULL);
    // Regions far apart: the workers have gone to sleep in between and are woken.
    for (int i = 0; i < 4; i++) {
        usleep(600000);
        run_region(i & 1 ? 16 : 3, 3, i & 1 ? 0 : 2, 0);
    }
#ifndef __SANITIZE_THREAD__   // ThreadSanitizer does not follow threads started after a fork
    pid_t child = fork();
    if (child == 0) {   // the pool starts over with new workers
        for (int i = 0; i < 1000; i++) run_region(1 + i % 3, 3, 2 * (i & 1), 0);
        _exit(atomic_load(&failures) != 0);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("the regions of a forked child", 0, status);
#endif
    if (atomic_load(&failures)) return 1;
    printf("pool: ok\n");
    return 0;
}
