/*
 * Trains a 64-128-10 MLP on the handwritten digits through gentrain's C API and reports
 * the accuracy on a fixed held-out split: every sixth digit (rows 5, 11, 17, ...), 299 in all.
 * With --mpi, every rank of an MPI job trains on its share of each batch (DistributedSampler)
 * and DDP averages the gradients:
 *
 *   digits [path/to/digits.csv]
 *   mpirun -np 2 digits --mpi [path/to/digits.csv]
 */
#include <gentrain.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ROWS 1797
#define N_TEST 299
#define N_TRAIN (N_ROWS - N_TEST)
#define N_PIXELS 64
#define BATCH 64
#define EPOCHS 20
#define HIDDEN 128

/* Stops with the library's message when a call fails. */
#define CHECK(call)                                                                      \
    do {                                                                                 \
        gentrain_status s_ = (call);                                                     \
        if (s_ != GENTRAIN_OK) {                                                         \
            fprintf(stderr, "%s failed: %s (%s)\n", #call, gentrain_last_error(),       \
                    gentrain_status_name(s_));                                           \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

/* Training rows first, then the held-out rows. */
static float pixels[N_ROWS][N_PIXELS];
static int64_t labels[N_ROWS];

static void load(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    for (int row = 0, train = 0, test = N_TRAIN; row < N_ROWS; row++) {
        int r = row % 6 == 5 ? test++ : train++;
        for (int c = 0; c < N_PIXELS; c++) {
            int v;
            if (fscanf(f, "%d,", &v) != 1) { fprintf(stderr, "%s: bad row %d\n", path, row); exit(1); }
            pixels[r][c] = v / 16.0f;
        }
        if (fscanf(f, "%ld", (long *)&labels[r]) != 1) { fprintf(stderr, "%s: bad label %d\n", path, row); exit(1); }
    }
    fclose(f);
}

/* The share of rows [from, from+n) whose predicted class is the label. */
static double accuracy(gentrain_module *model, int from, int n) {
    int64_t shape[2] = {n, N_PIXELS};
    gentrain_tensor *x, *logits, *pred;
    bool was_enabled;
    gentrain_set_grad_enabled(false, &was_enabled);
    CHECK(gentrain_tensor_from_data(&x, pixels[from], sizeof(float) * n * N_PIXELS, GENTRAIN_FLOAT32, shape, 2));
    CHECK(gentrain_module_forward(&logits, model, x));
    CHECK(gentrain_argmax(&pred, logits, 1, false));
    int64_t *classes = malloc(sizeof(int64_t) * n);
    CHECK(gentrain_tensor_copy_to(classes, sizeof(int64_t) * n, GENTRAIN_INT64, pred));
    int correct = 0;
    for (int i = 0; i < n; i++) correct += classes[i] == labels[from + i];
    free(classes);
    gentrain_tensor_free(x);
    gentrain_tensor_free(logits);
    gentrain_tensor_free(pred);
    gentrain_set_grad_enabled(was_enabled, NULL);
    return (double)correct / n;
}

int main(int argc, char **argv) {
    int mpi = argc > 1 && strcmp(argv[1], "--mpi") == 0;
    load(argc > 1 + mpi ? argv[1 + mpi] : "data/digits.csv");
    gentrain_manual_seed(0);
    srand(0);
    int32_t rank = 0, world = 1;
    gentrain_process_group *group = NULL;
    if (mpi) {
        CHECK(gentrain_process_group_new_mpi(&group));
        CHECK(gentrain_process_group_rank(&rank, group));
        CHECK(gentrain_process_group_world_size(&world, group));
    }

    gentrain_module *layers[3], *model;
    CHECK(gentrain_module_linear_new(&layers[0], N_PIXELS, HIDDEN, true));
    CHECK(gentrain_module_relu_new(&layers[1]));
    CHECK(gentrain_module_linear_new(&layers[2], HIDDEN, 10, true));
    CHECK(gentrain_module_sequential_new(&model, layers, 3));
    for (int i = 0; i < 3; i++) gentrain_module_free(layers[i]);   /* the Sequential keeps them */
    gentrain_module *trained = model;   /* with --mpi, the DDP module around it */
    if (mpi) CHECK(gentrain_module_ddp_new(&trained, model, group, NULL));

    size_t n_params;
    CHECK(gentrain_module_parameter_count(&n_params, model));
    gentrain_tensor *params[8];
    for (size_t i = 0; i < n_params; i++) CHECK(gentrain_module_parameter(&params[i], NULL, model, i));
    gentrain_adam_options adam;
    gentrain_adam_options_default(&adam);
    adam.lr = 1e-2;
    gentrain_optimizer *opt;
    CHECK(gentrain_optim_adam_new(&opt, params, n_params, &adam));

    /* This rank's rows of the epoch, in order; each step takes `batch` of them (the global batch
     * of BATCH split across the ranks). */
    int64_t order[N_TRAIN];
    size_t n_mine = N_TRAIN;
    int batch = BATCH / world;
    for (int i = 0; i < N_TRAIN; i++) order[i] = i;
    static float xb[BATCH][N_PIXELS];
    int64_t yb[BATCH];
    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        if (mpi) {
            gentrain_distributed_sampler_options sampler;
            gentrain_distributed_sampler_options_default(&sampler);
            sampler.dataset_size = N_TRAIN;
            sampler.num_replicas = world;
            sampler.rank = rank;
            sampler.epoch = epoch;
            CHECK(gentrain_distributed_sampler_indices(order, N_TRAIN, &n_mine, &sampler));
        } else {
            for (int i = N_TRAIN - 1; i > 0; i--) {   /* shuffle */
                int j = rand() % (i + 1);
                int64_t t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        double total = 0;
        int batches = 0;
        for (size_t start = 0; start + batch <= n_mine; start += batch) {
            for (int b = 0; b < batch; b++) {
                for (int c = 0; c < N_PIXELS; c++) xb[b][c] = pixels[order[start + b]][c];
                yb[b] = labels[order[start + b]];
            }
            int64_t xshape[2] = {batch, N_PIXELS}, yshape[1] = {batch};
            gentrain_tensor *x, *y, *logits, *loss;
            CHECK(gentrain_tensor_from_data(&x, xb, sizeof(float) * batch * N_PIXELS, GENTRAIN_FLOAT32, xshape, 2));
            CHECK(gentrain_tensor_from_data(&y, yb, sizeof(int64_t) * batch, GENTRAIN_INT64, yshape, 1));
            CHECK(gentrain_optim_zero_grad(opt, true));
            CHECK(gentrain_module_forward(&logits, trained, x));
            CHECK(gentrain_cross_entropy(&loss, logits, y, NULL));
            CHECK(gentrain_backward(loss, NULL, false, false));
            CHECK(gentrain_optim_step(opt));
            double value;
            CHECK(gentrain_tensor_item(&value, loss));
            total += value;
            batches++;
            gentrain_tensor_free(x);
            gentrain_tensor_free(y);
            gentrain_tensor_free(logits);
            gentrain_tensor_free(loss);
        }
        if ((epoch % 5 == 0 || epoch == 1) && rank == 0)
            printf("epoch %2d  loss %.4f  held-out accuracy %.2f%%\n", epoch, total / batches,
                   100 * accuracy(model, N_TRAIN, N_TEST));
    }
    double acc = accuracy(model, N_TRAIN, N_TEST);
    printf("rank %d of %d: final held-out accuracy: %.2f%% on %d digits\n", rank, world, 100 * acc, N_TEST);

    for (size_t i = 0; i < n_params; i++) gentrain_tensor_free(params[i]);
    gentrain_optim_free(opt);
    if (trained != model) gentrain_module_free(trained);
    gentrain_module_free(model);
    gentrain_process_group_free(group);
    return acc >= 0.95 ? 0 : 2;
}
