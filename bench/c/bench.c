/*
 * gentrain's workloads through the C API, timed. bench/python/bench.py runs this next to
 * the same workloads in PyTorch and prints the ratios.
 *
 *   bench <workload> <threads> [seconds] [--batch B] [--dp WORKERS] [--mpi] [--count N]
 *     w8   MLP 16-64-64-4, batch 8, cross-entropy, Adam: training steps per second
 *     w7   a chain of 100 adds of two 8-element tensors, forward and backward: microseconds per op
 *     w1   MLP 784-1024-1024-10, batch 256, cross-entropy, Adam: steps per second, and peak RSS
 *   --batch B       another batch size for w8 or w1
 *   --dp WORKERS    the model wrapped in DataParallel with that many workers
 *   --mpi           under mpirun: each rank trains on batch / world_size rows, DDP averages the
 *                   gradients; a fixed number of steps (so that the ranks stop together), and
 *                   rank 0 prints the rate of whole-batch steps
 *   --count N       exactly N steps (w7: rounds of 100 ops) instead of `seconds`: for instruction
 *                   counts, which valgrind --tool=callgrind gives exactly; the difference between
 *                   two counts is the cost of the steps alone (start-up and warm-up cancel)
 * Prints one line: "<workload> <threads> <value> <unit> [peak_rss_mb]".
 */
#include <gentrain.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                                   \
    do {                                                                              \
        if ((call) != GENTRAIN_OK) {                                                  \
            fprintf(stderr, "%s: %s\n", #call, gentrain_last_error());                \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

/* Peak resident memory of this process in MB (VmHWM: unlike ru_maxrss, not inherited
 * from the parent across exec). */
static double peak_rss_mb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb / 1024;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    gentrain_module *model;   /* what forward runs: the MLP, or DataParallel / DDP around it */
    gentrain_optimizer *opt;
    gentrain_tensor *x, *y, *params[16];
    size_t n_params;
} mlp;

/* How the MLP is trained: DataParallel workers (0: none), the MPI group (NULL: none). */
static int dp_workers;
static gentrain_process_group *group;
/* --count: steps (w7: rounds) to run, 0 to run for the given seconds. */
static long fixed_count;

/* Whether a timed loop goes on after `done` steps, `elapsed` seconds into `seconds`. */
static int more(long done, double elapsed, double seconds) {
    return fixed_count ? done < fixed_count : elapsed < seconds;
}

static mlp make_mlp(const int *sizes, int n_layers, int batch) {
    mlp m;
    gentrain_module *layers[16];
    int n = 0;
    for (int i = 0; i < n_layers; i++) {
        CHECK(gentrain_module_linear_new(&layers[n++], sizes[i], sizes[i + 1], true));
        if (i < n_layers - 1) CHECK(gentrain_module_relu_new(&layers[n++]));
    }
    CHECK(gentrain_module_sequential_new(&m.model, layers, n));
    for (int i = 0; i < n; i++) gentrain_module_free(layers[i]);
    CHECK(gentrain_module_parameter_count(&m.n_params, m.model));
    for (size_t i = 0; i < m.n_params; i++) CHECK(gentrain_module_parameter(&m.params[i], NULL, m.model, i));
    CHECK(gentrain_optim_adam_new(&m.opt, m.params, m.n_params, NULL));
    gentrain_module *wrapped = NULL;
    if (dp_workers) {
        gentrain_data_parallel_options o;
        gentrain_data_parallel_options_default(&o);
        o.workers = dp_workers;
        CHECK(gentrain_module_data_parallel_new(&wrapped, m.model, &o));
    } else if (group) {
        CHECK(gentrain_module_ddp_new(&wrapped, m.model, group, NULL));
    }
    if (wrapped) {
        gentrain_module_free(m.model);
        m.model = wrapped;
    }
    int64_t xs[2] = {batch, sizes[0]}, ys[1] = {batch};
    CHECK(gentrain_tensor_randn(&m.x, xs, 2, GENTRAIN_FLOAT32, NULL));
    CHECK(gentrain_tensor_randint(&m.y, 0, sizes[n_layers], ys, 1, GENTRAIN_INT64, NULL));
    return m;
}

static void train_step(mlp *m) {
    gentrain_tensor *logits, *loss;
    CHECK(gentrain_optim_zero_grad(m->opt, true));
    CHECK(gentrain_module_forward(&logits, m->model, m->x));
    CHECK(gentrain_cross_entropy(&loss, logits, m->y, NULL));
    CHECK(gentrain_backward(loss, NULL, false, false));
    CHECK(gentrain_optim_step(m->opt));
    gentrain_tensor_free(logits);
    gentrain_tensor_free(loss);
}

/* Runs `step` for about `seconds` after a warm-up; returns steps per second. Under MPI, a
 * number of steps fixed from the warm-up's pace on rank 0 instead, so every rank stops together. */
static double rate(mlp *m, double seconds) {
    double warm = now();
    for (int i = 0; i < 5; i++) train_step(m);
    long steps = 0, planned = 0;
    if (group) {
        double per_step[1] = {(now() - warm) / 5};
        int64_t shape[1] = {1};
        gentrain_tensor *t = NULL;
        CHECK(gentrain_tensor_from_data(&t, per_step, sizeof per_step, GENTRAIN_FLOAT64, shape, 1));
        CHECK(gentrain_process_group_broadcast(group, t, 0));
        CHECK(gentrain_tensor_copy_to(per_step, sizeof per_step, GENTRAIN_FLOAT64, t));
        gentrain_tensor_free(t);
        planned = (long)(seconds / per_step[0]) + 1;
    }
    double start = now(), elapsed;
    do {
        train_step(m);
        steps++;
        elapsed = now() - start;
    } while (group ? steps < planned : more(steps, elapsed, seconds));
    return steps / elapsed;
}

static double add_chain_us_per_op(double seconds) {
    int64_t shape[1] = {8};
    gentrain_tensor *a, *b;
    CHECK(gentrain_tensor_randn(&a, shape, 1, GENTRAIN_FLOAT32, NULL));
    CHECK(gentrain_tensor_randn(&b, shape, 1, GENTRAIN_FLOAT32, NULL));
    CHECK(gentrain_tensor_set_requires_grad(a, true));
    long rounds = 0;
    double start = now(), elapsed;
    do {
        gentrain_tensor *x = a, *next, *s;
        gentrain_tensor *chain[100];
        for (int i = 0; i < 100; i++) {
            CHECK(gentrain_add(&next, x, b));
            chain[i] = next;
            x = next;
        }
        CHECK(gentrain_sum(&s, x, NULL, 0, false));
        CHECK(gentrain_backward(s, NULL, false, false));
        CHECK(gentrain_tensor_set_grad(a, NULL));
        gentrain_tensor_free(s);
        for (int i = 0; i < 100; i++) gentrain_tensor_free(chain[i]);
        rounds++;
        elapsed = now() - start;
    } while (more(rounds, elapsed, seconds));
    gentrain_tensor_free(a);
    gentrain_tensor_free(b);
    return elapsed / rounds / 100 * 1e6;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s w8|w7|w1 threads [seconds] [--batch B] [--dp WORKERS] [--mpi] [--count N]\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[2]);
    double seconds = argc > 3 && argv[3][0] != '-' ? atof(argv[3]) : 3;
    int batch = 0, rank = 0, world = 1;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) batch = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dp") == 0 && i + 1 < argc) dp_workers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) fixed_count = atol(argv[++i]);
        else if (strcmp(argv[i], "--mpi") == 0) {
            CHECK(gentrain_process_group_new_mpi(&group));
            CHECK(gentrain_process_group_rank(&rank, group));
            CHECK(gentrain_process_group_world_size(&world, group));
        }
    }
    CHECK(gentrain_set_num_threads(threads));
    gentrain_manual_seed(0);
    if (rank != 0 && !freopen("/dev/null", "w", stdout)) return 1;   /* rank 0 reports */
    if (strcmp(argv[1], "w8") == 0) {
        int sizes[4] = {16, 64, 64, 4};
        mlp m = make_mlp(sizes, 3, (batch ? batch : 8) / world);
        printf("w8 %d %.0f steps/s\n", threads, rate(&m, seconds));
    } else if (strcmp(argv[1], "w7") == 0) {
        printf("w7 %d %.3f us/op\n", threads, add_chain_us_per_op(seconds));
    } else if (strcmp(argv[1], "w1") == 0) {
        int sizes[4] = {784, 1024, 1024, 10};
        mlp m = make_mlp(sizes, 3, (batch ? batch : 256) / world);
        double r = rate(&m, seconds);
        printf("w1 %d %.1f steps/s %.0f\n", threads, r, peak_rss_mb());
    } else {
        fprintf(stderr, "unknown workload %s\n", argv[1]);
        return 2;
    }
    gentrain_process_group_free(group);
    return 0;
}
