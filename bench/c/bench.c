/*
 * gentrain's workloads through the C API, timed. bench/python/bench.py runs this next to
 * the same workloads in PyTorch and prints the ratios.
 *
 *   bench <workload> <threads> [seconds]
 *     w8   MLP 16-64-64-4, batch 8, cross-entropy, Adam: training steps per second
 *     w7   a chain of 100 adds of two 8-element tensors, forward and backward: microseconds per op
 *     w1   MLP 784-1024-1024-10, batch 256, cross-entropy, Adam: steps per second, and peak RSS
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
    gentrain_module *model;
    gentrain_optimizer *opt;
    gentrain_tensor *x, *y, *params[16];
    size_t n_params;
} mlp;

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
    int64_t xs[2] = {batch, sizes[0]}, ys[1] = {batch};
    CHECK(gentrain_tensor_randn(&m.x, xs, 2, GENTRAIN_FLOAT32));
    CHECK(gentrain_tensor_randint(&m.y, 0, sizes[n_layers], ys, 1, GENTRAIN_INT64));
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

/* Runs `step` for about `seconds` after a warm-up; returns steps per second. */
static double rate(mlp *m, double seconds) {
    for (int i = 0; i < 5; i++) train_step(m);
    long steps = 0;
    double start = now(), elapsed;
    do {
        train_step(m);
        steps++;
        elapsed = now() - start;
    } while (elapsed < seconds);
    return steps / elapsed;
}

static double add_chain_us_per_op(double seconds) {
    int64_t shape[1] = {8};
    gentrain_tensor *a, *b;
    CHECK(gentrain_tensor_randn(&a, shape, 1, GENTRAIN_FLOAT32));
    CHECK(gentrain_tensor_randn(&b, shape, 1, GENTRAIN_FLOAT32));
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
    } while (elapsed < seconds);
    gentrain_tensor_free(a);
    gentrain_tensor_free(b);
    return elapsed / rounds / 100 * 1e6;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s w8|w7|w1 threads [seconds]\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[2]);
    double seconds = argc > 3 ? atof(argv[3]) : 3;
    CHECK(gentrain_set_num_threads(threads));
    gentrain_manual_seed(0);
    if (strcmp(argv[1], "w8") == 0) {
        int sizes[4] = {16, 64, 64, 4};
        mlp m = make_mlp(sizes, 3, 8);
        printf("w8 %d %.0f steps/s\n", threads, rate(&m, seconds));
    } else if (strcmp(argv[1], "w7") == 0) {
        printf("w7 %d %.3f us/op\n", threads, add_chain_us_per_op(seconds));
    } else if (strcmp(argv[1], "w1") == 0) {
        int sizes[4] = {784, 1024, 1024, 10};
        mlp m = make_mlp(sizes, 3, 256);
        double r = rate(&m, seconds);
        printf("w1 %d %.1f steps/s %.0f\n", threads, r, peak_rss_mb());
    } else {
        fprintf(stderr, "unknown workload %s\n", argv[1]);
        return 2;
    }
    return 0;
}
