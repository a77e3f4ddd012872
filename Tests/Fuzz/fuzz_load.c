/*
 * libFuzzer target: the input is a file. It is loaded as a training checkpoint (a model with
 * a parameter and a buffer, an Adam optimizer, a StepLR and a warm-restarts scheduler), as a
 * module's state dict and as named tensors. Any status is fine; a crash or sanitizer report is
 * a finding, and so is a failed checkpoint load that changed the model (all-or-nothing).
 * The seed corpus (Tests/Fuzz/corpus/load) holds files the library wrote.
 */
#include <gentrain.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gentrain_module *model;
static gentrain_optimizer *optimizer;
static gentrain_scheduler *step_lr, *warm;
static gentrain_checkpoint *checkpoint;
static gentrain_tensor *weight;
static char path[64];

/* The objects the seed corpus is written from (Tests/Fuzz/run.sh writes it each run). */
static void setup(void) {
    gentrain_manual_seed(1);
    gentrain_module *children[2] = {NULL, NULL};
    double momentum = 0.1;
    gentrain_module_linear_new(&children[0], 3, 2, true);
    gentrain_module_batch_norm_new(&children[1], 2, 1e-5, &momentum, true, true);
    gentrain_module_sequential_new(&model, children, 2);
    gentrain_module_free(children[0]);
    gentrain_module_free(children[1]);
    size_t n = 0;
    gentrain_module_parameter_count(&n, model);
    gentrain_tensor *params[8] = {NULL};
    for (size_t i = 0; i < n && i < 8; i++) gentrain_module_parameter(&params[i], NULL, model, i);
    gentrain_optim_adam_new(&optimizer, params, n, NULL);
    gentrain_scheduler_step_lr_new(&step_lr, optimizer, 2, 0.5);
    gentrain_scheduler_cosine_warm_restarts_new(&warm, optimizer, 3, 2, 0.0);
    gentrain_checkpoint_new(&checkpoint);
    gentrain_checkpoint_add_module(checkpoint, "", model);
    gentrain_checkpoint_add_optimizer(checkpoint, optimizer);
    gentrain_checkpoint_add_scheduler(checkpoint, step_lr);
    gentrain_checkpoint_add_scheduler(checkpoint, warm);
    weight = params[0];
    for (size_t i = 1; i < n && i < 8; i++) gentrain_tensor_free(params[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    setup();
    snprintf(path, sizeof path, "/tmp/gentrain-fuzz-load-%d", (int)getpid());
    /* With GENTRAIN_FUZZ_WRITE_CORPUS=DIR, write the seed corpus there and stop. */
    const char *seed = getenv("GENTRAIN_FUZZ_WRITE_CORPUS");
    if (seed) {
        char out[512];
        snprintf(out, sizeof out, "%s/checkpoint.safetensors", seed);
        gentrain_status a = gentrain_checkpoint_save(checkpoint, out);
        snprintf(out, sizeof out, "%s/model.safetensors", seed);
        gentrain_status b = gentrain_module_save(model, out);
        exit(a || b ? 1 : 0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);

    float before[6], after[6];
    gentrain_tensor_copy_to(before, sizeof before, GENTRAIN_FLOAT32, weight);
    if (gentrain_checkpoint_load(checkpoint, path) != GENTRAIN_OK) {
        gentrain_tensor_copy_to(after, sizeof after, GENTRAIN_FLOAT32, weight);
        if (memcmp(before, after, sizeof before) != 0) {
            fprintf(stderr, "a failed checkpoint load changed the model: %s\n", gentrain_last_error());
            abort();
        }
    } else {
        gentrain_scheduler_step(step_lr);
        gentrain_scheduler_step(warm);
        gentrain_optim_step(optimizer);
    }
    gentrain_module_load(model, path, size % 2);
    const char *names[] = {"0.weight", "1.running_mean"};
    gentrain_tensor *tensors[2] = {weight, NULL};
    gentrain_load_safetensors(path, names, tensors, 1, false);
    unlink(path);
    return 0;
}
