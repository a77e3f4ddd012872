/*
 * The embedding contract, one regression test per finding of the contract review: values a
 * host passes that used to trap, read out of bounds or give silent garbage now give an error
 * (or a warning) and change nothing. Run plainly, under valgrind and under ASan + UBSan.
 *
 *   test_contract WORK_DIR [--quick]   (--quick, for valgrind, skips the 2^24-cycle handle test, the killed saves
 *                                       and the independent threads: ASan and ThreadSanitizer run those, and under
 *                                       valgrind oneDNN's generated sgemm code reads 32 bytes past its own buffer)
 *   test_contract WORK_DIR --fault     (one training step under GENTRAIN_FAIL_ALLOC)
 */
#include <dirent.h>
#include <gentrain.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* The call fails (any status but OK) with a message containing `text` (here, unlike check.h's). */
#undef FAILS
#define FAILS(call, text)                                                             \
    do {                                                                              \
        gentrain_status s_ = (call);                                                  \
        checks++;                                                                     \
        if (s_ == GENTRAIN_OK || !strstr(gentrain_last_error(), (text))) {            \
            failures++;                                                               \
            fprintf(stderr, "%s:%d: %s gave %s '%s', expected an error with '%s'\n",  \
                    __FILE__, __LINE__, #call, gentrain_status_name(s_),              \
                    s_ ? gentrain_last_error() : "", (text));                         \
        }                                                                             \
    } while (0)

static char work[512];

/* `name` inside the work directory, written into `path` (1024 bytes). */
static const char *in_work(char *path, const char *name) {
    snprintf(path, 1024, "%s/%s", work, name);
    return path;
}

static gentrain_tensor *make(gentrain_dtype dtype, const void *data, size_t item, const int64_t *shape, size_t ndim) {
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++) n *= (size_t)shape[i];
    gentrain_tensor *t = NULL;
    OK(gentrain_tensor_from_data(&t, data, n * item, dtype, shape, ndim));
    return t;
}

static double item(const gentrain_tensor *t) {
    double v = NAN;
    OK(gentrain_tensor_item(&v, t));
    return v;
}

/* Finding 1: scheduler state values that used to trap, and zero step sizes that divided by zero. */
static void test_scheduler_states(void) {
    int64_t shape[] = {2};
    gentrain_tensor *p = NULL;
    OK(gentrain_tensor_zeros(&p, shape, 1, GENTRAIN_FLOAT32));
    OK(gentrain_tensor_set_requires_grad(p, true));
    gentrain_optimizer *opt = NULL;
    OK(gentrain_optim_sgd_new(&opt, &p, 1, NULL));
    gentrain_scheduler *s[4] = {NULL};
    OK(gentrain_scheduler_step_lr_new(&s[0], opt, 3, 0.5));
    OK(gentrain_scheduler_cosine_new(&s[1], opt, 10, 0.0));
    OK(gentrain_scheduler_cosine_warm_restarts_new(&s[2], opt, 5, 2, 0.0));
    OK(gentrain_scheduler_exponential_new(&s[3], opt, 0.9));
    const double bad[] = {NAN, INFINITY, -INFINITY, 9.3e18, 1e300, 2.5};
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            FAILS(gentrain_scheduler_state_set(s[k], "last_epoch", &bad[i], 1), "last_epoch");
        }
        OK(gentrain_scheduler_step(s[k]));   /* still usable */
    }
    const double zero = 0;
    FAILS(gentrain_scheduler_state_set(s[0], "step_size", &zero, 1), "step_size");
    FAILS(gentrain_scheduler_state_set(s[1], "T_max", &zero, 1), "T_max");
    FAILS(gentrain_scheduler_state_set(s[2], "T_0", &zero, 1), "T_0");
    FAILS(gentrain_scheduler_state_set(s[2], "T_i", &zero, 1), "T_i");
    FAILS(gentrain_scheduler_step_epoch(s[2], 1e300), "epoch");
    FAILS(gentrain_scheduler_step_epoch(s[2], NAN), "epoch");
    OK(gentrain_scheduler_step_epoch(s[2], 7.5));
    for (int k = 0; k < 4; k++) gentrain_scheduler_free(s[k]);
    gentrain_optim_free(opt);
    gentrain_tensor_free(p);
}

/* Finding 2: extrema of integer tensors are computed in their own type. */
static void test_integer_extrema(void) {
    const int32_t a[] = {5, -7, 3, 9, -2, 1};
    int64_t shape[] = {2, 3};
    gentrain_tensor *x = make(GENTRAIN_INT32, a, 4, shape, 2);
    gentrain_tensor *values = NULL, *indices = NULL, *out = NULL;
    OK(gentrain_max_dim(&values, &indices, x, 1, false));
    int32_t v[2] = {0};
    int64_t ix[2] = {0};
    OK(gentrain_tensor_copy_to(v, sizeof v, GENTRAIN_INT32, values));
    OK(gentrain_tensor_copy_to(ix, sizeof ix, GENTRAIN_INT64, indices));
    EXPECT(v[0] == 5 && v[1] == 9 && ix[0] == 0 && ix[1] == 0);
    gentrain_tensor_free(values);
    gentrain_tensor_free(indices);
    OK(gentrain_min_dim(&values, &indices, x, 1, false));
    OK(gentrain_tensor_copy_to(v, sizeof v, GENTRAIN_INT32, values));
    OK(gentrain_tensor_copy_to(ix, sizeof ix, GENTRAIN_INT64, indices));
    EXPECT(v[0] == -7 && v[1] == -2 && ix[0] == 1 && ix[1] == 1);
    gentrain_tensor_free(values);
    gentrain_tensor_free(indices);
    OK(gentrain_amax(&out, x, NULL, 0, false));
    EXPECT(item(out) == 9);
    gentrain_tensor_free(out);
    OK(gentrain_amin(&out, x, NULL, 0, false));
    EXPECT(item(out) == -7);
    gentrain_tensor_free(out);
    gentrain_tensor_free(x);

    /* int64 beyond 2^53 compares exactly. */
    const int64_t b[] = {-5, -1, -3, (int64_t)1 << 60, ((int64_t)1 << 60) + 1};
    int64_t n3[] = {3}, n2[] = {2};
    x = make(GENTRAIN_INT64, b, 8, n3, 1);
    OK(gentrain_argmax(&out, x, 0, false));
    EXPECT(item(out) == 1);
    gentrain_tensor_free(out);
    gentrain_tensor_free(x);
    x = make(GENTRAIN_INT64, b + 3, 8, n2, 1);
    OK(gentrain_argmax(&out, x, 0, false));
    EXPECT(item(out) == 1);
    gentrain_tensor_free(out);
    gentrain_tensor_free(x);

    const bool c[] = {false, true, false};
    x = make(GENTRAIN_BOOL, c, 1, n3, 1);
    OK(gentrain_amax(&out, x, NULL, 0, false));
    EXPECT(item(out) == 1);
    gentrain_tensor_free(out);
    OK(gentrain_argmax(&out, x, 0, false));
    EXPECT(item(out) == 1);
    gentrain_tensor_free(out);
    gentrain_tensor_free(x);
}

/* Finding 3: argument values that used to trap in index arithmetic. */
static void test_trapping_arguments(void) {
    gentrain_tensor *scalar = NULL, *outs[4] = {NULL}, *out = NULL;
    OK(gentrain_tensor_full(&scalar, NULL, 0, GENTRAIN_FLOAT32, 1.0));
    size_t count = 0;
    FAILS(gentrain_chunk(outs, 4, &count, scalar, 2, 0), "0-d");
    FAILS(gentrain_split(outs, 4, &count, scalar, 1, -1), "0-d");
    int64_t one[] = {3};
    gentrain_tensor *x = NULL;
    OK(gentrain_tensor_zeros(&x, one, 1, GENTRAIN_FLOAT32));
    int64_t pads[] = {(int64_t)1 << 62, (int64_t)1 << 62};
    FAILS(gentrain_pad(&out, x, pads, 2), "too large");
    EXPECT(out == NULL);
    gentrain_tensor_free(x);
    int64_t huge[] = {2, 2, 0, (int64_t)1 << 62};
    FAILS(gentrain_tensor_zeros(&x, huge, 4, GENTRAIN_FLOAT32), "too many elements");
    int64_t empty[] = {2, 2, 0, (int64_t)1 << 40};
    OK(gentrain_tensor_zeros(&x, empty, 4, GENTRAIN_FLOAT32));
    OK(gentrain_add(&out, x, x));
    gentrain_tensor_free(out);
    gentrain_tensor_free(x);
    gentrain_tensor_free(scalar);
}

/* Overwrites the 8-byte float64 value of tensor `name` in a safetensors file. */
static int patch_f64(const char *path, const char *name, double value) {
    FILE *f = fopen(path, "r+b");
    if (!f) return 0;
    uint64_t n = 0;
    int ok = fread(&n, 8, 1, f) == 1 && n < (1u << 20);
    char *header = ok ? calloc(1, n + 1) : NULL;
    ok = ok && header && fread(header, 1, n, f) == n;
    char key[256];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *at = ok ? strstr(header, key) : NULL;
    const char *offsets = at ? strstr(at, "\"data_offsets\":[") : NULL;
    long begin = -1;
    ok = offsets && sscanf(offsets, "\"data_offsets\":[%ld", &begin) == 1;
    ok = ok && fseek(f, (long)(8 + n) + begin, SEEK_SET) == 0 && fwrite(&value, 8, 1, f) == 1;
    free(header);
    fclose(f);
    return ok;
}

/* Findings 4 and 5: a failed load changes nothing; BatchNorm's buffers resume bit-exactly. */
static void test_checkpoint_contract(void) {
    gentrain_module *bn = NULL;
    double momentum = 0.1;
    OK(gentrain_module_batch_norm_new(&bn, 3, 1e-5, &momentum, true, true));
    gentrain_tensor *params[2] = {NULL};
    for (size_t i = 0; i < 2; i++) OK(gentrain_module_parameter(&params[i], NULL, bn, i));
    gentrain_optimizer *opt = NULL;
    OK(gentrain_optim_adam_new(&opt, params, 2, NULL));
    gentrain_scheduler *sched = NULL;
    OK(gentrain_scheduler_step_lr_new(&sched, opt, 2, 0.5));
    gentrain_checkpoint *ckpt = NULL;
    OK(gentrain_checkpoint_new(&ckpt));
    OK(gentrain_checkpoint_add_module(ckpt, "bn.", bn));
    OK(gentrain_checkpoint_add_optimizer(ckpt, opt));
    OK(gentrain_checkpoint_add_scheduler(ckpt, sched));

    int64_t shape[] = {4, 3};
    float data[12];
    for (int i = 0; i < 12; i++) data[i] = (float)(i * i % 7) - 2.5f;
    gentrain_tensor *x = make(GENTRAIN_FLOAT32, data, 4, shape, 2);
    /* One training step, then save. */
    gentrain_tensor *y = NULL, *loss = NULL, *sq = NULL;
    OK(gentrain_module_forward(&y, bn, x));
    OK(gentrain_mul(&sq, y, y));
    OK(gentrain_sum(&loss, sq, NULL, 0, false));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_optim_step(opt));
    OK(gentrain_scheduler_step(sched));
    gentrain_tensor_free(y);
    gentrain_tensor_free(sq);
    gentrain_tensor_free(loss);
    char path[1024], broken[1024];
    in_work(path, "bn.ckpt");
    OK(gentrain_checkpoint_save(ckpt, path));
    float saved_eval[12], resumed_eval[12];
    OK(gentrain_module_train(bn, false));
    OK(gentrain_module_forward(&y, bn, x));
    OK(gentrain_tensor_copy_to(saved_eval, sizeof saved_eval, GENTRAIN_FLOAT32, y));
    gentrain_tensor_free(y);

    /* More training changes the running statistics. */
    OK(gentrain_module_train(bn, true));
    OK(gentrain_module_forward(&y, bn, x));
    gentrain_tensor_free(y);
    OK(gentrain_module_train(bn, false));

    /* A file whose scheduler state is NaN: the load fails and the model keeps its values. */
    in_work(broken, "bn-broken.ckpt");
    OK(gentrain_checkpoint_save(ckpt, broken));
    gentrain_tensor *w = NULL;
    OK(gentrain_module_parameter(&w, NULL, bn, 0));
    const double changed[] = {7.0};
    gentrain_tensor *seven = NULL;
    OK(gentrain_tensor_full(&seven, (int64_t[]){3}, 1, GENTRAIN_FLOAT32, changed[0]));
    gentrain_set_grad_enabled(false, NULL);
    OK(gentrain_tensor_copy_(w, seven));
    gentrain_set_grad_enabled(true, NULL);
    EXPECT(patch_f64(broken, "scheduler.0.last_epoch", NAN));
    FAILS(gentrain_checkpoint_load(ckpt, broken), "last_epoch");
    float wv[3] = {0};
    OK(gentrain_tensor_copy_to(wv, sizeof wv, GENTRAIN_FLOAT32, w));
    EXPECT(wv[0] == 7.0f && wv[1] == 7.0f && wv[2] == 7.0f);
    EXPECT(patch_f64(broken, "scheduler.0.last_epoch", 1.0));
    EXPECT(patch_f64(broken, "scheduler.0.step_size", 0.0));
    FAILS(gentrain_checkpoint_load(ckpt, broken), "step_size");
    OK(gentrain_tensor_copy_to(wv, sizeof wv, GENTRAIN_FLOAT32, w));
    EXPECT(wv[0] == 7.0f);

    /* The good file restores parameters and buffers: eval outputs are bit-identical. */
    OK(gentrain_checkpoint_load(ckpt, path));
    OK(gentrain_module_forward(&y, bn, x));
    OK(gentrain_tensor_copy_to(resumed_eval, sizeof resumed_eval, GENTRAIN_FLOAT32, y));
    EXPECT(memcmp(saved_eval, resumed_eval, sizeof saved_eval) == 0);
    gentrain_tensor_free(y);

    /* Finding 6: temporary files of dead processes are removed by the next save; a live
     * process's (pid 1) stays. */
    char stale[1100], live[1100];
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    snprintf(stale, sizeof stale, "%s.tmp.%d", path, (int)child);
    snprintf(live, sizeof live, "%s.tmp.1", path);
    FILE *f = fopen(stale, "wb");
    if (f) fclose(f);
    f = fopen(live, "wb");
    if (f) fclose(f);
    OK(gentrain_checkpoint_save(ckpt, path));
    EXPECT(access(stale, F_OK) != 0);
    EXPECT(access(live, F_OK) == 0);
    unlink(live);

    gentrain_tensor_free(seven);
    gentrain_tensor_free(w);
    gentrain_tensor_free(x);
    gentrain_checkpoint_free(ckpt);
    gentrain_scheduler_free(sched);
    gentrain_optim_free(opt);
    for (size_t i = 0; i < 2; i++) gentrain_tensor_free(params[i]);
    gentrain_module_free(bn);
}

/* The number of `<name>.tmp.*` files in the work directory. */
static int temporaries(const char *name) {
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s.tmp.", name);
    int n = 0;
    DIR *d = opendir(work);
    for (struct dirent *e; d && (e = readdir(d));) n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d) closedir(d);
    return n;
}

/* Finding 6 for real: saves killed with SIGKILL at random moments leave their temporary files;
 * the next save removes them all. */
static void test_killed_saves(void) {
    gentrain_tensor *big = NULL;
    OK(gentrain_tensor_zeros(&big, (int64_t[]){1 << 22}, 1, GENTRAIN_FLOAT32));   /* 16 MB */
    gentrain_checkpoint *ckpt = NULL;
    OK(gentrain_checkpoint_new(&ckpt));
    OK(gentrain_checkpoint_add_tensor(ckpt, "big", big));
    char path[1024];
    in_work(path, "killed.ckpt");
    int left = 0;
    for (int k = 0; k < 6; k++) {
        pid_t child = fork();
        if (child == 0) {
            for (;;) gentrain_checkpoint_save(ckpt, path);
        }
        nanosleep(&(struct timespec){0, 20000000L * (k + 1)}, NULL);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        left = temporaries("killed.ckpt");
    }
    if (left == 0) fprintf(stderr, "note: no save was killed midway (the machine is fast); the stale-file path ran only in the simulated case\n");
    OK(gentrain_checkpoint_save(ckpt, path));
    EXPECT(temporaries("killed.ckpt") == 0);
    gentrain_checkpoint_free(ckpt);
    gentrain_tensor_free(big);
}

/* Finding 8: a freed handle stays invalid after more create/free cycles than 24 bits hold. */
static void test_handle_generations(void) {
    gentrain_tensor *first = NULL, *t = NULL;
    OK(gentrain_tensor_zeros(&first, NULL, 0, GENTRAIN_FLOAT32));
    gentrain_tensor_free(first);
    for (long i = 0; i < (1L << 24) + 8; i++) {
        if (gentrain_tensor_zeros(&t, NULL, 0, GENTRAIN_FLOAT32) != GENTRAIN_OK) break;
        gentrain_tensor_free(t);
    }
    OK(gentrain_tensor_zeros(&t, NULL, 0, GENTRAIN_FLOAT32));
    bool leaf = false;
    FAILS(gentrain_tensor_is_leaf(&leaf, first), "not a live handle");
    gentrain_tensor_free(t);
}

static int warnings_seen = 0;
static char last_warning[512];

static void on_warning(const char *message, void *user_data) {
    (void)user_data;
    warnings_seen++;
    snprintf(last_warning, sizeof last_warning, "%s", message);
}

/* Finding 9: silent garbage where PyTorch refuses or warns. */
static void test_refusals_and_warnings(void) {
    const float nan_logits[] = {0.0f, NAN, 1.0f};
    int64_t shape[] = {1, 3};
    gentrain_tensor *logits = make(GENTRAIN_FLOAT32, nan_logits, 4, shape, 2), *out = NULL;
    FAILS(gentrain_sample(&out, logits, 1.0, 0), "nan");
    EXPECT(out == NULL);
    gentrain_tensor_free(logits);

    const float probs[] = {0.5f, 1.5f}, targets[] = {1.0f, 0.0f};
    int64_t two[] = {2};
    gentrain_tensor *input = make(GENTRAIN_FLOAT32, probs, 4, two, 1), *target = make(GENTRAIN_FLOAT32, targets, 4, two, 1);
    FAILS(gentrain_binary_cross_entropy(&out, input, target, NULL, GENTRAIN_REDUCTION_MEAN), "between 0 and 1");
    gentrain_tensor_free(input);
    gentrain_tensor_free(target);

    gentrain_set_warning_handler(on_warning, NULL);
    int64_t column[] = {4, 1}, row[] = {4};
    gentrain_tensor *a = NULL, *b = NULL;
    OK(gentrain_tensor_zeros(&a, column, 2, GENTRAIN_FLOAT32));
    OK(gentrain_tensor_zeros(&b, row, 1, GENTRAIN_FLOAT32));
    OK(gentrain_mse_loss(&out, a, b, GENTRAIN_REDUCTION_MEAN));
    EXPECT(warnings_seen == 1 && strstr(last_warning, "target size"));
    gentrain_tensor_free(out);
    OK(gentrain_mse_loss(&out, a, a, GENTRAIN_REDUCTION_MEAN));
    EXPECT(warnings_seen == 1);
    gentrain_tensor_free(out);
    gentrain_set_warning_handler(NULL, NULL);
    gentrain_tensor_free(a);
    gentrain_tensor_free(b);
}

/* Non-finite values: isnan / isinf / isfinite / nan_to_num, and anomaly mode naming the op that
 * produced the first NaN or infinity in forward (log of a negative) and backward (sqrt at 0). */
static void test_non_finite(void) {
    const float v[] = {0.0f, NAN, INFINITY, -INFINITY, 1.5f};
    int64_t five[] = {5};
    gentrain_tensor *x = make(GENTRAIN_FLOAT32, v, 4, five, 1), *out = NULL;
    bool b[5] = {0};
    OK(gentrain_isnan(&out, x));
    OK(gentrain_tensor_copy_to(b, sizeof b, GENTRAIN_BOOL, out));
    EXPECT(!b[0] && b[1] && !b[2] && !b[3] && !b[4]);
    gentrain_tensor_free(out);
    OK(gentrain_isinf(&out, x));
    OK(gentrain_tensor_copy_to(b, sizeof b, GENTRAIN_BOOL, out));
    EXPECT(!b[0] && !b[1] && b[2] && b[3] && !b[4]);
    gentrain_tensor_free(out);
    OK(gentrain_isfinite(&out, x));
    OK(gentrain_tensor_copy_to(b, sizeof b, GENTRAIN_BOOL, out));
    EXPECT(b[0] && !b[1] && !b[2] && !b[3] && b[4]);
    gentrain_tensor_free(out);
    float r[5] = {0};
    OK(gentrain_nan_to_num(&out, x, 0.0, NULL, NULL));
    OK(gentrain_tensor_copy_to(r, sizeof r, GENTRAIN_FLOAT32, out));
    EXPECT(r[0] == 0 && r[1] == 0 && r[2] == 3.4028234663852886e38f && r[3] == -3.4028234663852886e38f && r[4] == 1.5f);
    gentrain_tensor_free(out);
    const double big = 100, small = -7;
    OK(gentrain_nan_to_num(&out, x, 2.0, &big, &small));
    OK(gentrain_tensor_copy_to(r, sizeof r, GENTRAIN_FLOAT32, out));
    EXPECT(r[1] == 2 && r[2] == 100 && r[3] == -7);
    gentrain_tensor_free(out);
    gentrain_tensor_free(x);

    bool previous = true;
    gentrain_set_detect_anomaly(true, &previous);
    EXPECT(!previous && gentrain_is_anomaly_enabled());
    const float minus_one = -1.0f, zero = 0.0f;
    int64_t one[] = {1};
    x = make(GENTRAIN_FLOAT32, &minus_one, 4, one, 1);
    OK(gentrain_tensor_set_requires_grad(x, true));
    FAILS(gentrain_log(&out, x), "the forward of 'Log'");
    EXPECT(out == NULL);
    gentrain_tensor_free(x);
    x = make(GENTRAIN_FLOAT32, &zero, 4, one, 1);
    OK(gentrain_tensor_set_requires_grad(x, true));
    gentrain_tensor *y = NULL, *s = NULL;
    OK(gentrain_sqrt(&y, x));
    OK(gentrain_sum(&s, y, NULL, 0, false));
    FAILS(gentrain_backward(s, NULL, false, false), "Function 'SqrtBackward' returned inf values in its 0th output");
    gentrain_set_detect_anomaly(false, NULL);
    EXPECT(!gentrain_is_anomaly_enabled());
    gentrain_tensor_free(s);
    gentrain_tensor_free(y);
    /* Off again: the same backward gives an infinite gradient silently, as in PyTorch. */
    OK(gentrain_sqrt(&y, x));
    OK(gentrain_sum(&s, y, NULL, 0, false));
    OK(gentrain_backward(s, NULL, false, false));
    gentrain_tensor_free(s);
    gentrain_tensor_free(y);
    gentrain_tensor_free(x);
}

/* Writes a safetensors file of two F32 tensors "a" [1] and "b" [1] with the given offsets and
 * `data_bytes` bytes of data. */
static void write_safetensors(const char *path, int a0, int a1, int b0, int b1, int data_bytes) {
    char header[256];
    int n = snprintf(header, sizeof header,
                     "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%d,%d]},"
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%d,%d]}}",
                     a0, a1, b0, b1);
    while (n % 8) header[n++] = ' ';
    uint64_t length = (uint64_t)n;
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(&length, 8, 1, f);
    fwrite(header, 1, (size_t)n, f);
    for (int i = 0; i < data_bytes; i++) fputc(0, f);
    fclose(f);
}

/* Finding 10: the safetensors reader is as strict as the format's reference reader. */
static void test_strict_safetensors(void) {
    gentrain_tensor *a = NULL, *b = NULL;
    int64_t one[] = {1};
    OK(gentrain_tensor_zeros(&a, one, 1, GENTRAIN_FLOAT32));
    OK(gentrain_tensor_zeros(&b, one, 1, GENTRAIN_FLOAT32));
    const char *names[] = {"a", "b"};
    gentrain_tensor *tensors[] = {a, b};
    char path[1024];
    in_work(path, "strict.safetensors");
    write_safetensors(path, 0, 4, 4, 8, 8);
    OK(gentrain_load_safetensors(path, names, tensors, 2, true));
    write_safetensors(path, 0, 4, 0, 4, 4);   /* overlap */
    FAILS(gentrain_load_safetensors(path, names, tensors, 2, true), "overlap");
    write_safetensors(path, 0, 4, 8, 12, 12);   /* gap */
    FAILS(gentrain_load_safetensors(path, names, tensors, 2, true), "gap");
    write_safetensors(path, 0, 4, 4, 8, 12);   /* trailing bytes */
    FAILS(gentrain_load_safetensors(path, names, tensors, 2, true), "cover 8 of the 12");
    gentrain_tensor_free(a);
    gentrain_tensor_free(b);
}

/* Module trees (and SequentialLRs) a host builds: nesting stops at 1000 levels (a chain of 100,000 nested containers
 * overflowed the stack when walked) and at 2^20 paths (shared modules doubling level after level);
 * a module shared by two containers gives its parameters once, as PyTorch's parameters(). */
static void test_module_trees(void) {
    gentrain_module *m = NULL, *s = NULL;
    OK(gentrain_module_linear_new(&m, 2, 2, true));
    int level = 0;
    for (; level < 100000; level++) {
        if (gentrain_module_sequential_new(&s, &m, 1) != GENTRAIN_OK) break;
        gentrain_module_free(m);
        m = s;
    }
    EXPECT(level == 1000 && strstr(gentrain_last_error(), "deeper than 1000 levels"));
    size_t count = 0;
    OK(gentrain_module_parameter_count(&count, m));
    EXPECT(count == 2);
    gentrain_tensor *x = NULL, *y = NULL;
    OK(gentrain_tensor_randn(&x, (int64_t[]){3, 2}, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_module_forward(&y, m, x));
    gentrain_tensor_free(y);
    gentrain_module_free(m);

    OK(gentrain_module_linear_new(&m, 2, 2, true));
    for (level = 0; level < 64; level++) {
        gentrain_module *pair[2] = {m, m};
        if (gentrain_module_sequential_new(&s, pair, 2) != GENTRAIN_OK) break;
        gentrain_module_free(m);
        m = s;
    }
    EXPECT(level == 19 && strstr(gentrain_last_error(), "paths"));
    OK(gentrain_module_parameter_count(&count, m));
    EXPECT(count == 2);
    gentrain_module_free(m);
    gentrain_tensor_free(x);

    /* SequentialLR in SequentialLR: at most 100 levels (each step, state dict and load recursed once per level). */
    gentrain_tensor *p = NULL;
    gentrain_optimizer *opt = NULL;
    gentrain_scheduler *sched = NULL, *outer = NULL;
    OK(gentrain_tensor_randn(&p, (int64_t[]){2}, 1, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_optim_sgd_new(&opt, &p, 1, NULL));
    OK(gentrain_scheduler_exponential_new(&sched, opt, 0.9));
    for (level = 0; level < 100000; level++) {
        if (gentrain_scheduler_sequential_new(&outer, opt, &sched, 1, NULL, 0) != GENTRAIN_OK) break;
        gentrain_scheduler_free(sched);
        sched = outer;
    }
    EXPECT(level == 100 && strstr(gentrain_last_error(), "more than 100 levels"));
    OK(gentrain_scheduler_step(sched));
    gentrain_scheduler_free(sched);
    gentrain_optim_free(opt);
    gentrain_tensor_free(p);
}

/* Independent objects on several host threads at once (the documented contract): each thread
 * trains its own MLP (float32 and bfloat16 autocast steps with a GradScaler), convolution and LSTM
 * on shared read-only inputs, while the others do the same and all compete for the engine's pool.
 * Each ends where the same training on one thread ends. The ThreadSanitizer run (scripts/tsan.sh)
 * checks the shared structures underneath: caches, pool, handle table, random state. */
enum { INDEPENDENT_THREADS = 4, INDEPENDENT_STEPS = 6 };

typedef struct {
    gentrain_module *mlp, *conv, *lstm;
    const gentrain_tensor *x, *y, *image, *sequence;
    double losses[3];
} independent_training;

static gentrain_module *independent_mlp(void) {
    gentrain_module *layers[3] = {NULL}, *model = NULL;
    OK(gentrain_module_linear_new(&layers[0], 32, 128, true));
    OK(gentrain_module_relu_new(&layers[1]));
    OK(gentrain_module_linear_new(&layers[2], 128, 10, true));
    OK(gentrain_module_sequential_new(&model, layers, 3));
    for (size_t i = 0; i < 3; i++) gentrain_module_free(layers[i]);
    return model;
}

/* The parameters of `module` (at most 8) into `params`; returns how many. */
static size_t parameters_of(gentrain_module *module, gentrain_tensor **params) {
    size_t n = 0;
    OK(gentrain_module_parameter_count(&n, module));
    if (n > 8) n = 8;
    for (size_t i = 0; i < n; i++) OK(gentrain_module_parameter(&params[i], NULL, module, i));
    return n;
}

/* Sum of the module's output on `input`, backward, one Adam step: the loss. */
static double independent_step(gentrain_module *module, gentrain_optimizer *opt, const gentrain_tensor *input) {
    gentrain_tensor *out = NULL, *loss = NULL;
    OK(gentrain_module_forward(&out, module, input));
    OK(gentrain_mean(&loss, out, NULL, 0, false));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_optim_step(opt));
    OK(gentrain_optim_zero_grad(opt, true));
    double v = loss ? item(loss) : NAN;
    gentrain_tensor_free(out);
    gentrain_tensor_free(loss);
    return v;
}

static void *independent_thread(void *arg) {
    independent_training *t = arg;
    gentrain_tensor *params[8] = {NULL};
    gentrain_optimizer *opt = NULL;
    gentrain_grad_scaler *scaler = NULL;
    size_t n = parameters_of(t->mlp, params);
    OK(gentrain_optim_adam_new(&opt, params, n, NULL));
    OK(gentrain_grad_scaler_new(&scaler, NULL));
    for (int step = 0; step < INDEPENDENT_STEPS; step++) {
        int mixed = step % 2;   /* every other step under bfloat16 autocast, scaled */
        gentrain_tensor *logits = NULL, *loss = NULL, *scaled = NULL;
        if (mixed) OK(gentrain_autocast_enter(NULL));
        OK(gentrain_module_forward(&logits, t->mlp, t->x));
        OK(gentrain_cross_entropy(&loss, logits, t->y, NULL));
        if (mixed) OK(gentrain_autocast_exit());
        OK(gentrain_grad_scaler_scale(&scaled, scaler, loss));
        OK(gentrain_backward(scaled, NULL, false, false));
        OK(gentrain_grad_scaler_step(NULL, scaler, opt));
        OK(gentrain_grad_scaler_update(scaler, NULL));
        OK(gentrain_optim_zero_grad(opt, true));
        if (loss) t->losses[0] = item(loss);
        gentrain_tensor_free(scaled);
        gentrain_tensor_free(loss);
        gentrain_tensor_free(logits);
    }
    gentrain_grad_scaler_free(scaler);
    gentrain_optim_free(opt);
    for (size_t i = 0; i < n; i++) gentrain_tensor_free(params[i]);
    /* The convolution and the LSTM, plain Adam steps. */
    gentrain_module *others[2] = {t->conv, t->lstm};
    const gentrain_tensor *inputs[2] = {t->image, t->sequence};
    for (int k = 0; k < 2; k++) {
        n = parameters_of(others[k], params);
        OK(gentrain_optim_adam_new(&opt, params, n, NULL));
        for (int step = 0; step < INDEPENDENT_STEPS; step++) t->losses[k + 1] = independent_step(others[k], opt, inputs[k]);
        gentrain_optim_free(opt);
        for (size_t i = 0; i < n; i++) gentrain_tensor_free(params[i]);
    }
    return NULL;
}

static void test_independent_threads(void) {
    OK(gentrain_set_num_threads(2));
    independent_training runs[INDEPENDENT_THREADS + 1];
    gentrain_tensor *x = NULL, *y = NULL, *image = NULL, *sequence = NULL;
    gentrain_manual_seed(3);
    OK(gentrain_tensor_randn(&x, (int64_t[]){256, 32}, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randint(&y, 0, 10, (int64_t[]){256}, 1, GENTRAIN_INT64, NULL));
    OK(gentrain_tensor_randn(&image, (int64_t[]){8, 3, 16, 16}, 4, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&sequence, (int64_t[]){12, 16, 8}, 3, GENTRAIN_FLOAT32, NULL));
    /* Run 0 alone first, the others at once; every run from the same weights. */
    for (int r = 0; r <= INDEPENDENT_THREADS; r++) {
        independent_training *t = &runs[r];
        memset(t, 0, sizeof *t);
        gentrain_manual_seed(11);
        t->mlp = independent_mlp();
        OK(gentrain_module_conv2d_new(&t->conv, 3, 8, 3, 3, NULL, true));
        OK(gentrain_module_lstm_new(&t->lstm, 8, 32, 1, true, false, 0.0, false));
        t->x = x, t->y = y, t->image = image, t->sequence = sequence;
    }
    independent_thread(&runs[0]);
    pthread_t threads[INDEPENDENT_THREADS];
    for (int r = 0; r < INDEPENDENT_THREADS; r++) pthread_create(&threads[r], NULL, independent_thread, &runs[r + 1]);
    for (int r = 0; r < INDEPENDENT_THREADS; r++) pthread_join(threads[r], NULL);
    for (int r = 1; r <= INDEPENDENT_THREADS; r++)
        for (int k = 0; k < 3; k++) {
            /* The same arithmetic, up to the rounding of products blocked for another thread count. */
            double a = runs[0].losses[k], b = runs[r].losses[k];
            EXPECT(isfinite(a) && fabs(a - b) <= 1e-4 * fabs(a));
            if (!(fabs(a - b) <= 1e-4 * fabs(a))) fprintf(stderr, "independent thread %d, model %d: %.9g vs %.9g\n", r, k, b, a);
        }
    for (int r = 0; r <= INDEPENDENT_THREADS; r++) {
        gentrain_module_free(runs[r].mlp);
        gentrain_module_free(runs[r].conv);
        gentrain_module_free(runs[r].lstm);
    }
    gentrain_tensor_free(x);
    gentrain_tensor_free(y);
    gentrain_tensor_free(image);
    gentrain_tensor_free(sequence);
}

/* Finding 7: one model trained from two threads at once, and a handle freed while another
 * thread uses it. Every call either works or says GENTRAIN_ERR_MISUSE / INVALID_HANDLE, or (a
 * step of the other thread wrote a weight this thread's graph saved) fails its backward with the
 * version counter's GENTRAIN_ERR_AUTOGRAD; the process never crashes (the sanitizer run checks
 * the memory too). */
typedef struct {
    gentrain_module *model;
    gentrain_optimizer *optimizer;
    gentrain_tensor *x, *y;
    int iterations, ok, misuse, stale, other;
} shared_training;

static void *train_thread(void *arg) {
    shared_training *t = arg;
    for (int i = 0; i < t->iterations; i++) {
        gentrain_tensor *logits = NULL, *loss = NULL;
        gentrain_status s = gentrain_module_forward(&logits, t->model, t->x);
        if (s == GENTRAIN_OK) s = gentrain_cross_entropy(&loss, logits, t->y, NULL);
        if (s == GENTRAIN_OK) s = gentrain_backward(loss, NULL, false, false);
        if (s == GENTRAIN_OK) s = gentrain_optim_step(t->optimizer);
        if (s == GENTRAIN_OK) s = gentrain_optim_zero_grad(t->optimizer, true);
        int stale = s == GENTRAIN_ERR_AUTOGRAD && strstr(gentrain_last_error(), "modified by an inplace operation");
        __atomic_add_fetch(s == GENTRAIN_OK ? &t->ok : s == GENTRAIN_ERR_MISUSE ? &t->misuse : stale ? &t->stale : &t->other, 1,
                           __ATOMIC_RELAXED);
        gentrain_tensor_free(loss);
        gentrain_tensor_free(logits);
    }
    return NULL;
}

typedef struct {
    gentrain_tensor *x;
    int iterations, ok, invalid, other;
} shared_reading;

static void *read_thread(void *arg) {
    shared_reading *r = arg;
    for (int i = 0; i < r->iterations; i++) {
        gentrain_tensor *out = NULL;
        gentrain_status s = gentrain_mul(&out, r->x, r->x);
        __atomic_add_fetch(s == GENTRAIN_OK ? &r->ok : s == GENTRAIN_ERR_INVALID_HANDLE ? &r->invalid : &r->other, 1,
                           __ATOMIC_RELAXED);
        gentrain_tensor_free(out);
    }
    return NULL;
}

static void test_threads(void) {
    gentrain_module *layers[3] = {NULL}, *model = NULL;
    OK(gentrain_module_linear_new(&layers[0], 8, 16, true));
    OK(gentrain_module_relu_new(&layers[1]));
    OK(gentrain_module_linear_new(&layers[2], 16, 3, true));
    OK(gentrain_module_sequential_new(&model, layers, 3));
    gentrain_tensor *params[4] = {NULL};
    for (size_t i = 0; i < 4; i++) OK(gentrain_module_parameter(&params[i], NULL, model, i));
    gentrain_optimizer *opt = NULL;
    OK(gentrain_optim_sgd_new(&opt, params, 4, NULL));
    shared_training t = {model, opt, NULL, NULL, 300, 0, 0, 0, 0};
    OK(gentrain_tensor_randn(&t.x, (int64_t[]){16, 8}, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randint(&t.y, 0, 3, (int64_t[]){16}, 1, GENTRAIN_INT64, NULL));
    pthread_t a, b;
    pthread_create(&a, NULL, train_thread, &t);
    pthread_create(&b, NULL, train_thread, &t);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    EXPECT(t.ok + t.misuse + t.stale == 600 && t.other == 0);
    EXPECT(t.ok > 0);
    if (t.other) fprintf(stderr, "two-thread training: %d ok, %d misuse, %d stale, %d other\n", t.ok, t.misuse, t.stale, t.other);

    /* Reading one tensor from two threads is allowed; freeing it meanwhile is safe. */
    shared_reading r = {t.x, 2000, 0, 0, 0};
    pthread_create(&a, NULL, read_thread, &r);
    pthread_create(&b, NULL, read_thread, &r);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    EXPECT(r.ok == 4000);
    r.ok = 0;
    pthread_create(&a, NULL, read_thread, &r);
    nanosleep(&(struct timespec){0, 2000000}, NULL);
    gentrain_tensor_free(t.x);
    pthread_join(a, NULL);
    EXPECT(r.ok + r.invalid == 2000 && r.other == 0);

    gentrain_tensor_free(t.y);
    gentrain_optim_free(opt);
    for (size_t i = 0; i < 4; i++) gentrain_tensor_free(params[i]);
    for (size_t i = 0; i < 3; i++) gentrain_module_free(layers[i]);
    gentrain_module_free(model);
}

/* Finding 12: one training step of an MLP (forward, loss, backward, clip, Adam, scheduler)
 * and a checkpoint save. Returns the first failing status (GENTRAIN_OK when none failed). */
static gentrain_status training_step_and_save(const char *path) {
    gentrain_status s = GENTRAIN_OK;
    gentrain_module *layers[3] = {NULL}, *model = NULL;
    gentrain_tensor *params[4] = {NULL}, *x = NULL, *y = NULL, *logits = NULL, *loss = NULL;
    gentrain_optimizer *opt = NULL;
    gentrain_scheduler *sched = NULL;
    gentrain_checkpoint *ckpt = NULL;
    int64_t xs[] = {8, 16}, ys[] = {8};
    double norm = 0;
#define STEP(call) if (s == GENTRAIN_OK) s = (call)
    STEP(gentrain_module_linear_new(&layers[0], 16, 32, true));
    STEP(gentrain_module_relu_new(&layers[1]));
    STEP(gentrain_module_linear_new(&layers[2], 32, 4, true));
    STEP(gentrain_module_sequential_new(&model, layers, 3));
    for (size_t i = 0; i < 4; i++) STEP(gentrain_module_parameter(&params[i], NULL, model, i));
    STEP(gentrain_optim_adam_new(&opt, params, 4, NULL));
    STEP(gentrain_scheduler_exponential_new(&sched, opt, 0.9));
    STEP(gentrain_tensor_randn(&x, xs, 2, GENTRAIN_FLOAT32, NULL));
    STEP(gentrain_tensor_randint(&y, 0, 4, ys, 1, GENTRAIN_INT64, NULL));
    STEP(gentrain_module_forward(&logits, model, x));
    STEP(gentrain_cross_entropy(&loss, logits, y, NULL));
    STEP(gentrain_backward(loss, NULL, false, false));
    STEP(gentrain_clip_grad_norm(&norm, params, 4, 1.0, 2.0, false));
    STEP(gentrain_optim_step(opt));
    STEP(gentrain_scheduler_step(sched));
    STEP(gentrain_checkpoint_new(&ckpt));
    STEP(gentrain_checkpoint_add_module(ckpt, "", model));
    STEP(gentrain_checkpoint_add_optimizer(ckpt, opt));
    STEP(gentrain_checkpoint_add_scheduler(ckpt, sched));
    STEP(gentrain_checkpoint_save(ckpt, path));
#undef STEP
    gentrain_checkpoint_free(ckpt);
    gentrain_scheduler_free(sched);
    gentrain_optim_free(opt);
    gentrain_tensor_free(loss);
    gentrain_tensor_free(logits);
    gentrain_tensor_free(x);
    gentrain_tensor_free(y);
    for (size_t i = 0; i < 4; i++) gentrain_tensor_free(params[i]);
    for (size_t i = 0; i < 3; i++) gentrain_module_free(layers[i]);
    gentrain_module_free(model);
    return s;
}

/* Run with GENTRAIN_FAIL_ALLOC=N (Tests/CAPI/fault_injection.sh): the step either succeeds or
 * fails with GENTRAIN_ERR_OUT_OF_MEMORY and a second step then succeeds. Prints "fault", or
 * "no fault" when the step made fewer than N requests; any other outcome exits 1. */
static int fault_injection(void) {
    char path[1024];
    in_work(path, "fault.ckpt");
    gentrain_status first = training_step_and_save(path);
    if (first != GENTRAIN_OK && first != GENTRAIN_ERR_OUT_OF_MEMORY) {
        fprintf(stderr, "the injected failure gave %s: %s\n", gentrain_status_name(first), gentrain_last_error());
        return 1;
    }
    if (first == GENTRAIN_OK) {
        printf("no fault\n");
        return 0;
    }
    gentrain_status second = training_step_and_save(path);
    if (second != GENTRAIN_OK) {
        fprintf(stderr, "the step after the injected failure failed: %s\n", gentrain_last_error());
        return 1;
    }
    printf("fault\n");
    return 0;
}

/* A bool field of an options struct holding a byte other than 0 or 1 (left by a memset) reads as
 * true, never as an invalid value. */
static void test_option_bools_as_bytes(void) {
    const int64_t shape[1] = {3};
    gentrain_tensor *p = NULL;
    OK(gentrain_tensor_zeros(&p, shape, 1, GENTRAIN_FLOAT32));
    OK(gentrain_tensor_set_requires_grad(p, true));
    gentrain_sgd_options o;
    gentrain_sgd_options_default(&o);
    o.momentum = 0.9;
    memset(&o.nesterov, 0xFF, 1);
    memset(&o.maximize, 0x00, 1);
    gentrain_optimizer *opt = NULL;
    OK(gentrain_optim_sgd_new(&opt, &p, 1, &o));
    double nesterov = 0, maximize = 1;
    OK(gentrain_optim_get_option(&nesterov, opt, 0, "nesterov"));
    OK(gentrain_optim_get_option(&maximize, opt, 0, "maximize"));
    EXPECT(nesterov == 1 && maximize == 0);
    gentrain_autocast_options a;
    gentrain_autocast_options_default(&a);
    memset(&a.enabled, 0x02, 1);
    memset(&a.cache_enabled, 0xFF, 1);
    OK(gentrain_autocast_enter(&a));
    EXPECT(gentrain_autocast_is_enabled());
    OK(gentrain_autocast_exit());
    gentrain_optim_free(opt);
    gentrain_tensor_free(p);
}

/* A host that recurses through the library without end: a custom module whose forward calls
 * itself, a custom op whose forward applies itself. Each level is a host callback the engine
 * calls; when a quarter of the thread's stack (at most 256 KiB) is what is left, the engine fails
 * the call instead of overflowing the stack, on the main thread and on a thread with a small stack. */
typedef struct {
    gentrain_module *self;
    int depth, deepest;
} recursion;

static gentrain_status recurse_module(gentrain_tensor **out, const gentrain_tensor *input, void *user_data) {
    recursion *r = user_data;
    if (++r->depth > r->deepest) r->deepest = r->depth;
    gentrain_status s = gentrain_module_forward(out, r->self, input);
    r->depth--;
    return s;
}

static gentrain_status recurse_op(gentrain_tensor **out, const gentrain_tensor *const *inputs, size_t n, void *user_data);
static gentrain_status no_backward(gentrain_tensor **grads, const gentrain_tensor *grad, const gentrain_tensor *const *inputs,
                                   size_t n, const gentrain_tensor *output, void *user_data) {
    (void)grads, (void)grad, (void)inputs, (void)n, (void)output, (void)user_data;
    return GENTRAIN_ERR_UNSUPPORTED;
}

static gentrain_status recurse_op(gentrain_tensor **out, const gentrain_tensor *const *inputs, size_t n, void *user_data) {
    recursion *r = user_data;
    if (++r->depth > r->deepest) r->deepest = r->depth;
    gentrain_status s = gentrain_custom_op(out, "recurse", (gentrain_tensor *const *)inputs, n, recurse_op, no_backward, r, NULL);
    r->depth--;
    return s;
}

static void *host_recursion(void *unused) {
    (void)unused;
    recursion r = {0};
    gentrain_tensor *x = NULL, *y = NULL;
    OK(gentrain_tensor_randn(&x, (int64_t[]){4}, 1, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_module_custom_new(&r.self, recurse_module, &r, NULL, NULL, NULL, 0, NULL, NULL, 0));
    FAILS(gentrain_module_forward(&y, r.self, x), "host callbacks nested too deep");
    EXPECT(y == NULL && r.depth == 0 && r.deepest > 100);
    recursion op = {0};
    FAILS(gentrain_custom_op(&y, "recurse", &x, 1, recurse_op, no_backward, &op, NULL), "host callbacks nested too deep");
    EXPECT(y == NULL && op.depth == 0 && op.deepest > 100);
    OK(gentrain_relu(&y, x));   /* and the library goes on working */
    gentrain_tensor_free(y);
    gentrain_module_free(r.self);
    gentrain_tensor_free(x);
    return NULL;
}

/* ThreadSanitizer keeps a shadow call stack of 65,536 frames per thread, which the main thread's
 * 24,000 levels overflow (a crash of the sanitizer's own): under it only the small stack's ~970. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_THREAD_SANITIZER 1
#endif
#endif

static void test_host_recursion(void) {
#ifndef UNDER_THREAD_SANITIZER
    host_recursion(NULL);
#endif
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 512 << 10);
    pthread_t thread;
    EXPECT(pthread_create(&thread, &attributes, host_recursion, NULL) == 0);
    pthread_join(thread, NULL);
    pthread_attr_destroy(&attributes);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_contract WORK_DIR [--quick]\n");
        return 2;
    }
    snprintf(work, sizeof work, "%s", argv[1]);
    if (argc > 2 && strcmp(argv[2], "--fault") == 0) return fault_injection();
    int quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
    test_scheduler_states();
    test_integer_extrema();
    test_trapping_arguments();
    test_checkpoint_contract();
    if (!quick) {
        test_handle_generations();
        test_killed_saves();
    }
    test_refusals_and_warnings();
    test_strict_safetensors();
    test_non_finite();
    test_threads();
    test_module_trees();
    if (!quick) test_independent_threads();
    if (!quick) test_host_recursion();
    test_option_bools_as_bytes();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
