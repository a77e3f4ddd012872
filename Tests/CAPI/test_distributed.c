/*
 * Data parallel training from C: process groups (threads, host collectives, MPI), DDP and
 * DataParallel against one process training on the whole batch, the sampler, and the errors.
 *
 *   test_distributed             threads and host backends, DataParallel, sampler, MPI missing
 *   test_distributed mpi         under `mpirun -np 2`: MPI collectives and DDP
 *   test_distributed mpi-abort   under `mpirun -np 2`: rank 1 fails; the job must end with an error
 */
#include <gentrain.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

enum { BATCH = 16, IN = 6, HIDDEN = 8, OUT = 3, STEPS = 5, RANKS = 2 };

/* Batch `step`: inputs and targets from a formula (no generator involved). */
static void batch(int step, float *x, float *y) {
    for (int i = 0; i < BATCH * IN; i++) x[i] = (float)sin(0.37 * i + step);
    for (int i = 0; i < BATCH * OUT; i++) y[i] = (float)cos(0.53 * i - step);
}

static gentrain_tensor *tensor2(const float *v, int64_t rows, int64_t cols) {
    int64_t shape[2] = {rows, cols};
    gentrain_tensor *t = NULL;
    OK(gentrain_tensor_from_data(&t, v, (size_t)(rows * cols) * sizeof(float), GENTRAIN_FLOAT32, shape, 2));
    return t;
}

/* Linear(6, 8) - ReLU - Linear(8, 3), initialized from `seed`. */
static gentrain_module *make_model(uint64_t seed) {
    gentrain_manual_seed(seed);
    gentrain_module *layers[3] = {NULL, NULL, NULL}, *model = NULL;
    OK(gentrain_module_linear_new(&layers[0], IN, HIDDEN, true));
    OK(gentrain_module_relu_new(&layers[1]));
    OK(gentrain_module_linear_new(&layers[2], HIDDEN, OUT, true));
    OK(gentrain_module_sequential_new(&model, layers, 3));
    for (int i = 0; i < 3; i++) gentrain_module_free(layers[i]);
    return model;
}

/* Every parameter's values, concatenated, into `out` (capacity `n`); returns how many. */
static size_t parameters(float *out, size_t n, const gentrain_module *model) {
    size_t count = 0, used = 0;
    OK(gentrain_module_parameter_count(&count, model));
    for (size_t i = 0; i < count; i++) {
        gentrain_tensor *p = NULL;
        OK(gentrain_module_parameter(&p, NULL, model, i));
        int64_t numel = 0;
        OK(gentrain_tensor_numel(&numel, p));
        if (used + (size_t)numel <= n) OK(gentrain_tensor_copy_to(out + used, (size_t)numel * sizeof(float), GENTRAIN_FLOAT32, p));
        used += (size_t)numel;
        gentrain_tensor_free(p);
    }
    return used;
}

static gentrain_optimizer *sgd(const gentrain_module *model) {
    size_t count = 0;
    OK(gentrain_module_parameter_count(&count, model));
    gentrain_tensor *params[8] = {NULL};
    for (size_t i = 0; i < count && i < 8; i++) OK(gentrain_module_parameter(&params[i], NULL, model, i));
    gentrain_sgd_options o;
    gentrain_sgd_options_default(&o);
    o.lr = 0.1;
    o.momentum = 0.9;
    gentrain_optimizer *opt = NULL;
    OK(gentrain_optim_sgd_new(&opt, params, count, &o));
    for (size_t i = 0; i < count && i < 8; i++) gentrain_tensor_free(params[i]);
    return opt;
}

/* STEPS steps of SGD on rows [first, first + rows) of each batch. */
static void train(gentrain_module *model, int first, int rows) {
    gentrain_optimizer *opt = sgd(model);
    float x[BATCH * IN], y[BATCH * OUT];
    for (int s = 0; s < STEPS; s++) {
        batch(s, x, y);
        gentrain_tensor *xt = tensor2(x + first * IN, rows, IN), *yt = tensor2(y + first * OUT, rows, OUT);
        gentrain_tensor *out = NULL, *loss = NULL;
        OK(gentrain_optim_zero_grad(opt, true));
        OK(gentrain_module_forward(&out, model, xt));
        OK(gentrain_mse_loss(&loss, out, yt, GENTRAIN_REDUCTION_MEAN));
        OK(gentrain_backward(loss, NULL, false, false));
        OK(gentrain_optim_step(opt));
        gentrain_tensor_free(xt);
        gentrain_tensor_free(yt);
        gentrain_tensor_free(out);
        gentrain_tensor_free(loss);
    }
    gentrain_optim_free(opt);
}

enum { NPARAM = IN * HIDDEN + HIDDEN + HIDDEN * OUT + OUT };
static float reference[NPARAM];

static void expect_reference(const float *got, const char *what) {
    for (int i = 0; i < NPARAM; i++) {
        if (fabsf(got[i] - reference[i]) > 1e-6f + 1e-5f * fabsf(reference[i])) {
            failures++;
            fprintf(stderr, "%s: parameter %d is %.9g, expected %.9g\n", what, i, got[i], reference[i]);
            return;
        }
    }
    checks++;
}

/* One rank's DDP run: wraps its model, trains on its half of each batch, checks the result. */
static void ddp_rank(gentrain_process_group *group, gentrain_module *model, bool deterministic, const char *what) {
    int32_t rank = -1, world = 0;
    OK(gentrain_process_group_rank(&rank, group));
    OK(gentrain_process_group_world_size(&world, group));
    gentrain_ddp_options o;
    gentrain_ddp_options_default(&o);
    EXPECT(o.bucket_cap_mb == 25 && o.first_bucket_mb == 1 && o.broadcast_buffers && !o.find_unused_parameters && !o.deterministic);
    o.bucket_cap_mb = o.first_bucket_mb = 1e-4; /* ~100 bytes: several buckets */
    o.deterministic = deterministic; /* all-gather and a fixed-order sum: the same result */
    gentrain_module *ddp = NULL;
    OK(gentrain_module_ddp_new(&ddp, model, group, &o));
    train(ddp, rank * (BATCH / world), BATCH / world);
    gentrain_ddp *reducer = NULL;
    OK(gentrain_module_ddp(&reducer, ddp));
    int32_t during = -1, at_end = -1;
    OK(gentrain_ddp_last_pass(&during, &at_end, reducer));
    EXPECT(during >= 2 && at_end == 0); /* buckets averaged while backward ran */
    OK(gentrain_ddp_sync_buffers(reducer));
    float got[NPARAM];
    parameters(got, NPARAM, model);
    expect_reference(got, what);
    gentrain_ddp_free(reducer);
    gentrain_module_free(ddp);
}

/* Collectives on every dtype and their errors, from one rank. */
static void collectives(gentrain_process_group *group) {
    int32_t rank = -1;
    OK(gentrain_process_group_rank(&rank, group));
    float v[3] = {(float)rank, 10.0f * rank + 1, -(float)rank};
    int64_t shape[1] = {3};
    gentrain_tensor *t = NULL, *gathered = NULL;
    OK(gentrain_tensor_from_data(&t, v, sizeof v, GENTRAIN_FLOAT32, shape, 1));
    OK(gentrain_process_group_all_reduce(group, t, GENTRAIN_REDUCE_SUM));
    float r[6] = {0};
    OK(gentrain_tensor_copy_to(r, 3 * sizeof(float), GENTRAIN_FLOAT32, t));
    EXPECT(r[0] == 1 && r[1] == 12 && r[2] == -1);
    OK(gentrain_process_group_all_reduce(group, t, GENTRAIN_REDUCE_AVG));
    OK(gentrain_tensor_copy_to(r, 3 * sizeof(float), GENTRAIN_FLOAT32, t));
    EXPECT(r[0] == 1 && r[1] == 12 && r[2] == -1);
    gentrain_tensor_free(t);
    OK(gentrain_tensor_from_data(&t, v, sizeof v, GENTRAIN_FLOAT32, shape, 1));
    OK(gentrain_process_group_all_reduce(group, t, GENTRAIN_REDUCE_MAX));
    OK(gentrain_tensor_copy_to(r, 3 * sizeof(float), GENTRAIN_FLOAT32, t));
    EXPECT(r[0] == 1 && r[1] == 11 && r[2] == 0);
    OK(gentrain_process_group_broadcast(group, t, 1));
    OK(gentrain_process_group_all_gather(&gathered, group, t));
    OK(gentrain_tensor_copy_to(r, 6 * sizeof(float), GENTRAIN_FLOAT32, gathered));
    EXPECT(r[0] == 1 && r[3] == 1 && r[4] == 11);
    OK(gentrain_process_group_barrier(group));
    FAILS(gentrain_process_group_all_reduce(group, t, (gentrain_reduce_op)7), GENTRAIN_ERR_INVALID_ARGUMENT, "op 7");
    FAILS(gentrain_process_group_broadcast(group, t, 5), GENTRAIN_ERR_DISTRIBUTED, "out of range");
    FAILS(gentrain_process_group_all_reduce(NULL, t, GENTRAIN_REDUCE_SUM), GENTRAIN_ERR_INVALID_HANDLE, "group");
    gentrain_tensor_free(t);
    gentrain_tensor_free(gathered);
    /* Shapes that differ across ranks: an error on every rank, no hang. */
    int64_t mine[1] = {rank == 0 ? 4 : 5};
    OK(gentrain_tensor_zeros(&t, mine, 1, GENTRAIN_FLOAT32));
    FAILS(gentrain_process_group_all_reduce(group, t, GENTRAIN_REDUCE_SUM), GENTRAIN_ERR_DISTRIBUTED,
          "disagree on the element count");
    gentrain_tensor_free(t);
}

/* ---- threads backend ---- */

static gentrain_module *rank_models[RANKS];

static void *threads_rank(void *arg) {
    int rank = (int)(intptr_t)arg;
    gentrain_process_group *group = NULL;
    OK(gentrain_process_group_new_threads(&group, "c-test", rank, RANKS, 0));
    collectives(group);
    /* Seeded alike, then separated: distinct draws on the two ranks, rank 0's the seed's own. */
    gentrain_manual_seed(5);
    OK(gentrain_process_group_separate_random_streams(group));
    int64_t four[1] = {4};
    gentrain_tensor *r = NULL, *both = NULL;
    OK(gentrain_tensor_rand(&r, four, 1, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_process_group_all_gather(&both, group, r));
    float v[8] = {0};
    OK(gentrain_tensor_copy_to(v, sizeof v, GENTRAIN_FLOAT32, both));
    EXPECT(memcmp(v, v + 4, 4 * sizeof(float)) != 0);
    gentrain_tensor_free(r);
    gentrain_tensor_free(both);
    ddp_rank(group, rank_models[rank], false, "threads DDP");
    gentrain_process_group_free(group);
    return NULL;
}

/* A rank that fails: the other, waiting in a collective, gets its message. */
static void *failing_rank(void *arg) {
    int rank = (int)(intptr_t)arg;
    gentrain_process_group *group = NULL;
    OK(gentrain_process_group_new_threads(&group, "c-abort", rank, RANKS, 30));
    if (rank == 1) {
        OK(gentrain_process_group_abort(group, "rank one could not read its data"));
    } else {
        FAILS(gentrain_process_group_barrier(group), GENTRAIN_ERR_DISTRIBUTED, "rank one could not read its data");
    }
    gentrain_process_group_free(group);
    return NULL;
}

static void run_threads(void *(*body)(void *)) {
    pthread_t threads[RANKS];
    for (int r = 0; r < RANKS; r++) pthread_create(&threads[r], NULL, body, (void *)(intptr_t)r);
    for (int r = 0; r < RANKS; r++) pthread_join(threads[r], NULL);
}

/* ---- host backend: the host's own collectives, here shared memory between two threads ---- */

static struct {
    pthread_barrier_t barrier;
    void *slots[RANKS];
    int destroyed;
} host;

static gentrain_status host_all_reduce(void *user, void *buffer, size_t count, gentrain_dtype dtype, gentrain_reduce_op op) {
    int rank = (int)(intptr_t)user;
    host.slots[rank] = buffer;
    pthread_barrier_wait(&host.barrier);
    if (rank == 0) {
        for (size_t i = 0; i < count; i++) {
            if (dtype == GENTRAIN_FLOAT32) {
                float *a = host.slots[0], *b = host.slots[1];
                a[i] = op == GENTRAIN_REDUCE_MAX ? fmaxf(a[i], b[i]) : a[i] + b[i];
                b[i] = a[i];
            } else if (dtype == GENTRAIN_FLOAT64) {
                double *a = host.slots[0], *b = host.slots[1];
                a[i] = op == GENTRAIN_REDUCE_MAX ? fmax(a[i], b[i]) : a[i] + b[i];
                b[i] = a[i];
            } else {
                int64_t *a = host.slots[0], *b = host.slots[1];
                a[i] = op == GENTRAIN_REDUCE_MAX ? (a[i] > b[i] ? a[i] : b[i]) : a[i] + b[i];
                b[i] = a[i];
            }
        }
    }
    pthread_barrier_wait(&host.barrier);
    return GENTRAIN_OK;
}

static gentrain_status host_broadcast(void *user, void *buffer, size_t bytes, int32_t root) {
    int rank = (int)(intptr_t)user;
    host.slots[rank] = buffer;
    pthread_barrier_wait(&host.barrier);
    if (rank != root) memcpy(buffer, host.slots[root], bytes);
    pthread_barrier_wait(&host.barrier);
    return GENTRAIN_OK;
}

static gentrain_status host_all_gather(void *user, const void *input, void *output, size_t bytes) {
    int rank = (int)(intptr_t)user;
    host.slots[rank] = (void *)input;
    pthread_barrier_wait(&host.barrier);
    for (int r = 0; r < RANKS; r++) memcpy((char *)output + r * bytes, host.slots[r], bytes);
    pthread_barrier_wait(&host.barrier);
    return GENTRAIN_OK;
}

static gentrain_status host_barrier(void *user) {
    (void)user;
    pthread_barrier_wait(&host.barrier);
    return GENTRAIN_OK;
}

static void host_destroy(void *user) {
    (void)user;
    __atomic_add_fetch(&host.destroyed, 1, __ATOMIC_SEQ_CST);
}

static void *host_rank(void *arg) {
    int rank = (int)(intptr_t)arg;
    gentrain_collectives c = {sizeof c, rank, RANKS, (void *)(intptr_t)rank, host_all_reduce, host_broadcast,
                              host_all_gather, host_barrier, NULL, host_destroy};
    gentrain_process_group *group = NULL;
    OK(gentrain_process_group_new_host(&group, &c));
    collectives(group);
    /* DDP over a parameter list: a graph the host builds itself. */
    float w0[4] = {1, 2, 3, 4};
    int64_t shape[1] = {4};
    gentrain_tensor *w = NULL, *x = NULL, *prod = NULL, *loss = NULL, *grad = NULL;
    OK(gentrain_tensor_from_data(&w, w0, sizeof w0, GENTRAIN_FLOAT32, shape, 1));
    OK(gentrain_tensor_set_requires_grad(w, true));
    const char *names[1] = {"w"};
    gentrain_ddp *ddp = NULL;
    OK(gentrain_ddp_new(&ddp, names, &w, 1, NULL, 0, group, NULL));
    float xv[4] = {(float)rank, 1, 2, 3};
    OK(gentrain_tensor_from_data(&x, xv, sizeof xv, GENTRAIN_FLOAT32, shape, 1));
    OK(gentrain_ddp_set_grad_sync(ddp, false)); /* no_sync: the gradient stays local */
    OK(gentrain_mul(&prod, w, x));
    OK(gentrain_sum(&loss, prod, NULL, 0, false));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_tensor_grad(&grad, w));
    float g[4] = {0};
    OK(gentrain_tensor_copy_to(g, sizeof g, GENTRAIN_FLOAT32, grad));
    EXPECT(g[0] == (float)rank && g[1] == 1);
    gentrain_tensor_free(grad);
    gentrain_tensor_free(prod);
    gentrain_tensor_free(loss);
    OK(gentrain_ddp_set_grad_sync(ddp, true)); /* synced: the average of both ranks' sums */
    OK(gentrain_mul(&prod, w, x));
    OK(gentrain_sum(&loss, prod, NULL, 0, false));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_tensor_grad(&grad, w));
    OK(gentrain_tensor_copy_to(g, sizeof g, GENTRAIN_FLOAT32, grad));
    EXPECT(g[0] == 1 && g[1] == 2 && g[3] == 6); /* mean over ranks of 2·x: (0 + 2) / 2, 2, 6 */
    gentrain_tensor_free(grad);
    gentrain_tensor_free(prod);
    gentrain_tensor_free(loss);
    gentrain_tensor_free(x);
    gentrain_tensor_free(w);
    gentrain_ddp_free(ddp);
    gentrain_process_group_free(group);
    return NULL;
}

/* ---- DataParallel ---- */

static _Atomic int shards_run, shards_updating_buffers;

/* A shard's forward; counts the shards, and those that update buffers (shard 0 alone). */
static gentrain_status forward_model(gentrain_tensor **out, const gentrain_tensor *input, void *user_data) {
    shards_run++;
    if (gentrain_buffer_updates_enabled()) shards_updating_buffers++;
    return gentrain_module_forward(out, (gentrain_module *)user_data, input);
}

static void test_data_parallel(void) {
    gentrain_data_parallel_options o;
    gentrain_data_parallel_options_default(&o);
    EXPECT(o.workers == 0 && o.shards == 0);
    o.workers = 2;
    gentrain_module *inner = make_model(7), *dp = NULL;
    OK(gentrain_module_data_parallel_new(&dp, inner, &o));
    train(dp, 0, BATCH);
    float got[NPARAM];
    parameters(got, NPARAM, inner);
    expect_reference(got, "DataParallel");
    gentrain_module_free(dp);

    /* Through a forward callback, in deterministic mode: 1 and 2 workers give the same bits. */
    float x[BATCH * IN], y[BATCH * OUT], grads[2][HIDDEN * IN];
    batch(0, x, y);
    for (int workers = 1; workers <= 2; workers++) {
        o.workers = workers;
        o.shards = 4;
        gentrain_tensor *xt = tensor2(x, BATCH, IN), *out = NULL, *loss = NULL, *w = NULL, *g = NULL;
        gentrain_tensor *params[4] = {NULL};
        for (size_t i = 0; i < 4; i++) OK(gentrain_module_parameter(&params[i], NULL, inner, i));
        OK(gentrain_module_zero_grad(inner, true));
        OK(gentrain_data_parallel_apply(&out, xt, params, 4, forward_model, inner, &o));
        OK(gentrain_sum(&loss, out, NULL, 0, false));
        OK(gentrain_backward(loss, NULL, false, false));
        OK(gentrain_module_parameter(&w, NULL, inner, 0));
        OK(gentrain_tensor_grad(&g, w));
        OK(gentrain_tensor_copy_to(grads[workers - 1], sizeof grads[0], GENTRAIN_FLOAT32, g));
        for (size_t i = 0; i < 4; i++) gentrain_tensor_free(params[i]);
        gentrain_tensor_free(xt);
        gentrain_tensor_free(out);
        gentrain_tensor_free(loss);
        gentrain_tensor_free(w);
        gentrain_tensor_free(g);
    }
    EXPECT(memcmp(grads[0], grads[1], sizeof grads[0]) == 0);
    EXPECT(shards_run == 8 && shards_updating_buffers == 2);   /* 4 shards, twice; shard 0 updates */
    EXPECT(gentrain_buffer_updates_enabled());
    gentrain_tensor *xt = tensor2(x, BATCH, IN), *out = NULL;
    o.shards = BATCH + 1;
    FAILS(gentrain_data_parallel_apply(&out, xt, NULL, 0, forward_model, inner, &o), GENTRAIN_ERR_INVALID_ARGUMENT, "shards");
    o.shards = 0;
    FAILS(gentrain_data_parallel_apply(&out, xt, NULL, 0, NULL, inner, &o), GENTRAIN_ERR_INVALID_ARGUMENT, "forward is NULL");
    o.workers = -1;
    FAILS(gentrain_module_data_parallel_new(&dp, inner, &o), GENTRAIN_ERR_INVALID_ARGUMENT, "non-negative");
    EXPECT(dp == NULL);
    gentrain_tensor_free(xt);
    gentrain_module_free(inner);
}

static void test_sampler(void) {
    gentrain_distributed_sampler_options o;
    gentrain_distributed_sampler_options_default(&o);
    EXPECT(o.shuffle && o.num_replicas == 1 && !o.drop_last);
    o.dataset_size = 10;
    o.num_replicas = 3;
    o.rank = 1;
    o.shuffle = false;
    int64_t idx[8];
    size_t n = 0;
    OK(gentrain_distributed_sampler_indices(NULL, 0, &n, &o));
    EXPECT(n == 4);
    OK(gentrain_distributed_sampler_indices(idx, 8, &n, &o));
    EXPECT(n == 4 && idx[0] == 1 && idx[1] == 4 && idx[2] == 7 && idx[3] == 0);
    o.drop_last = true;
    OK(gentrain_distributed_sampler_indices(idx, 8, &n, &o));
    EXPECT(n == 3 && idx[2] == 7);
    FAILS(gentrain_distributed_sampler_indices(idx, 2, &n, &o), GENTRAIN_ERR_INVALID_ARGUMENT, "capacity");
    o.rank = 3;
    FAILS(gentrain_distributed_sampler_indices(idx, 8, &n, &o), GENTRAIN_ERR_INVALID_ARGUMENT, "Invalid rank 3");
}

static int run_local(void) {
    gentrain_set_num_threads(2);
    gentrain_module *alone = make_model(7);
    train(alone, 0, BATCH);
    parameters(reference, NPARAM, alone);
    gentrain_module_free(alone);

    rank_models[0] = make_model(7);
    rank_models[1] = make_model(8); /* other weights: DDP copies rank 0's */
    run_threads(threads_rank);
    for (int r = 0; r < RANKS; r++) gentrain_module_free(rank_models[r]);
    run_threads(failing_rank);

    pthread_barrier_init(&host.barrier, NULL, RANKS);
    run_threads(host_rank);
    pthread_barrier_destroy(&host.barrier);
    EXPECT(host.destroyed == RANKS);

    test_data_parallel();
    test_sampler();

    gentrain_process_group *group = NULL;
    FAILS(gentrain_process_group_new_threads(&group, "bad", 2, 2, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "out of range");
    FAILS(gentrain_process_group_new_threads(&group, NULL, 0, 2, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "name");
    FAILS(gentrain_process_group_new_threads(&group, "bad", 0, 2, -1), GENTRAIN_ERR_INVALID_ARGUMENT, "timeout");
    FAILS(gentrain_process_group_new_host(&group, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "collectives is NULL");
    gentrain_collectives c = {sizeof c, 0, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    FAILS(gentrain_process_group_new_host(&group, &c), GENTRAIN_ERR_INVALID_ARGUMENT, "must not be NULL");
    EXPECT(group == NULL);
    /* MPI missing (a library that does not exist): a clear error, not a crash. */
    setenv("GENTRAIN_MPI_LIBRARY", "/nonexistent/libmpi.so.40", 1);
    FAILS(gentrain_process_group_new_mpi(&group), GENTRAIN_ERR_DISTRIBUTED, "MPI is not available");
    FAILS(gentrain_ddp_sync_buffers(NULL), GENTRAIN_ERR_INVALID_HANDLE, "ddp");
    gentrain_process_group_free(NULL);
    gentrain_ddp_free(NULL);
    return 0;
}

static int run_mpi(int abort_mode) {
    gentrain_set_num_threads(1);
    gentrain_process_group *group = NULL;
    OK(gentrain_process_group_new_mpi(&group));
    if (!group) return 1;
    int32_t rank = -1, world = 0;
    OK(gentrain_process_group_rank(&rank, group));
    OK(gentrain_process_group_world_size(&world, group));
    EXPECT(world == RANKS);
    if (abort_mode) {
        if (rank == 1) {
            fprintf(stderr, "rank 1: failing on purpose\n");
            gentrain_process_group_abort(group, "rank 1 failed on purpose");
        }
        gentrain_process_group_barrier(group); /* rank 0 waits here until the job is ended */
        return 0;                              /* not reached: the job fails */
    }
    collectives(group);
    gentrain_module *alone = make_model(7);
    train(alone, 0, BATCH);
    parameters(reference, NPARAM, alone);
    gentrain_module_free(alone);
    gentrain_module *model = make_model(7 + (uint64_t)rank);
    ddp_rank(group, model, true, "MPI DDP (deterministic)");
    gentrain_module_free(model);
    gentrain_process_group_free(group);
    return 0;
}

int main(int argc, char **argv) {
    int status = argc > 1 && strcmp(argv[1], "mpi") == 0         ? run_mpi(0)
                 : argc > 1 && strcmp(argv[1], "mpi-abort") == 0 ? run_mpi(1)
                                                                 : run_local();
    printf("%d checks, %d failures\n", checks, failures);
    return status || failures ? 1 : 0;
}
