/* Trains y = 3x - 1 with one Linear layer and SGD, through an installed libgentrain. */
#include <gentrain.h>
#include <stdio.h>

int main(void) {
    /* The library this program runs with must have the ABI of the header it was built with. */
    if (gentrain_abi_version() != GENTRAIN_ABI_VERSION) {
        fprintf(stderr, "built for gentrain ABI %d, but the loaded libgentrain has ABI %u\n", GENTRAIN_ABI_VERSION,
                (unsigned)gentrain_abi_version());
        return 1;
    }
    float xs[8], ys[8];
    for (int i = 0; i < 8; i++) {
        xs[i] = (float)i / 4;
        ys[i] = 3 * xs[i] - 1;
    }
    int64_t shape[2] = {8, 1};
    gentrain_tensor *x, *y;
    gentrain_module *fc;
    gentrain_optimizer *opt;
    gentrain_tensor *params[2];
    gentrain_sgd_options sgd;
    gentrain_sgd_options_default(&sgd);
    sgd.lr = 0.1;
    if (gentrain_tensor_from_data(&x, xs, sizeof xs, GENTRAIN_FLOAT32, shape, 2) ||
        gentrain_tensor_from_data(&y, ys, sizeof ys, GENTRAIN_FLOAT32, shape, 2) ||
        gentrain_module_linear_new(&fc, 1, 1, true) || gentrain_module_parameter(&params[0], NULL, fc, 0) ||
        gentrain_module_parameter(&params[1], NULL, fc, 1) || gentrain_optim_sgd_new(&opt, params, 2, &sgd)) {
        fprintf(stderr, "setup failed: %s\n", gentrain_last_error());
        return 1;
    }
    double loss_value = 0;
    for (int step = 0; step < 300; step++) {
        gentrain_tensor *pred, *diff, *sq, *loss;
        if (gentrain_optim_zero_grad(opt, true) || gentrain_module_forward(&pred, fc, x) ||
            gentrain_sub(&diff, pred, y) || gentrain_mul(&sq, diff, diff) || gentrain_mean(&loss, sq, NULL, 0, false) ||
            gentrain_backward(loss, NULL, false, false) || gentrain_optim_step(opt) ||
            gentrain_tensor_item(&loss_value, loss)) {
            fprintf(stderr, "step failed: %s\n", gentrain_last_error());
            return 1;
        }
        gentrain_tensor_free(pred);
        gentrain_tensor_free(diff);
        gentrain_tensor_free(sq);
        gentrain_tensor_free(loss);
    }
    printf("gentrain %s: mse after 300 steps %.2e\n", gentrain_version(), loss_value);
    gentrain_tensor_free(params[0]);
    gentrain_tensor_free(params[1]);
    gentrain_optim_free(opt);
    gentrain_module_free(fc);
    gentrain_tensor_free(x);
    gentrain_tensor_free(y);
    return loss_value < 1e-4 ? 0 : 1;
}
