/*
 * The C API as a C program uses it: every function of include/gentrain.h, with the
 * bad-input paths (NULL, freed and wrong-type handles, wrong dtype, shape mismatch,
 * out-of-range index) checked for their status codes and messages. Run under valgrind
 * by the test suite: no errors, no leaks.
 */
#include <gentrain.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dlpack_versioned.h"

static void count_release(void *data, void *user_data) {
    (void)data;
    *(int *)user_data += 1;
}

static gentrain_tensor *from_floats(const float *v, const int64_t *shape, size_t ndim) {
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++) n *= (size_t)shape[i];
    gentrain_tensor *t = NULL;
    OK(gentrain_tensor_from_data(&t, v, n * sizeof(float), GENTRAIN_FLOAT32, shape, ndim));
    return t;
}

static double item(const gentrain_tensor *t) {
    double v = NAN;
    OK(gentrain_tensor_item(&v, t));
    return v;
}

static int close_to(double a, double b) { return fabs(a - b) <= 1e-5 + 1e-5 * fabs(b); }

static void test_library(void) {
    EXPECT(strcmp(gentrain_version(), "0.1.0") == 0);
    EXPECT(gentrain_abi_version() == GENTRAIN_ABI_VERSION);
    {   /* GENTRAIN_KERNELS caps the capability the CPU reports */
        const char *capability = gentrain_cpu_capability(), *cap = getenv("GENTRAIN_KERNELS");
        EXPECT(!strcmp(capability, "DEFAULT") || !strcmp(capability, "AVX2") || !strcmp(capability, "AVX512"));
        if (cap && !strcmp(cap, "baseline")) EXPECT(!strcmp(capability, "DEFAULT"));
        if (cap && !strcmp(cap, "avx2")) EXPECT(strcmp(capability, "AVX512") != 0);
        /* bfloat16 products: dot products only with AVX-512 BF16, which GENTRAIN_KERNELS=avx512 turns off */
        const char *bf16 = gentrain_cpu_bf16_kernels();
        EXPECT(!strcmp(bf16, "DEFAULT") || !strcmp(bf16, "AVX2") || !strcmp(bf16, "AVX512_BF16"));
        EXPECT(!strcmp(bf16, "DEFAULT") == !strcmp(capability, "DEFAULT"));
        if (!strcmp(bf16, "AVX512_BF16")) EXPECT(!strcmp(capability, "AVX512"));
        if (cap && (!strcmp(cap, "avx512") || !strcmp(cap, "avx2"))) EXPECT(strcmp(bf16, "AVX512_BF16") != 0);
    }
    EXPECT(strcmp(gentrain_status_name(GENTRAIN_ERR_SHAPE), "GENTRAIN_ERR_SHAPE") == 0);
    EXPECT(strcmp(gentrain_status_name((gentrain_status)999), "GENTRAIN_ERR_UNKNOWN") == 0);
    OK(gentrain_set_num_threads(1));
    EXPECT(gentrain_get_num_threads() == 1);
    FAILS(gentrain_set_num_threads(0), GENTRAIN_ERR_INVALID_ARGUMENT, "gentrain_set_num_threads");
    gentrain_manual_seed(1);
    /* A generator of one's own: randperm is a permutation, the same for the same seed. */
    gentrain_generator *gen = NULL;
    OK(gentrain_generator_new(&gen, 42));
    uint64_t seed = 0;
    OK(gentrain_generator_initial_seed(&seed, gen));
    EXPECT(seed == 42);
    gentrain_tensor *perm = NULL;
    int64_t first[10], again[10];
    OK(gentrain_randperm(&perm, 10, GENTRAIN_INT64, gen));
    OK(gentrain_tensor_copy_to(first, sizeof first, GENTRAIN_INT64, perm));
    gentrain_tensor_free(perm);
    OK(gentrain_generator_manual_seed(gen, 42));
    OK(gentrain_randperm(&perm, 10, GENTRAIN_FLOAT32, gen));
    OK(gentrain_tensor_copy_to(again, sizeof again, GENTRAIN_INT64, perm));
    gentrain_tensor_free(perm);
    int seen = 0;
    for (int i = 0; i < 10; i++) seen |= 1 << first[i];
    EXPECT(seen == 0x3FF && memcmp(first, again, sizeof first) == 0);
    OK(gentrain_randperm(&perm, 5, GENTRAIN_INT32, NULL));
    gentrain_tensor *unused = NULL;   /* a tensor handle where a generator is expected */
    FAILS(gentrain_randperm(&unused, 3, GENTRAIN_INT64, (gentrain_generator *)perm), GENTRAIN_ERR_INVALID_HANDLE, "generator");
    gentrain_tensor_free(perm);
    FAILS(gentrain_randperm(&perm, 300, GENTRAIN_BFLOAT16, gen), GENTRAIN_ERR_DTYPE, "cannot hold");
    FAILS(gentrain_randperm(&perm, -1, GENTRAIN_INT64, gen), GENTRAIN_ERR_INVALID_ARGUMENT, "n must be");
    /* Every random function draws from a generator given to it, and leaves the default one alone:
     * the same seed gives the same samples whatever the default generator did in between. */
    int64_t shape[2] = {2, 3};
    double drawn[2][4][6];
    for (int round = 0; round < 2; round++) {
        OK(gentrain_generator_manual_seed(gen, 7));
        gentrain_tensor *r[4] = {NULL, NULL, NULL, NULL};
        OK(gentrain_tensor_rand(&r[0], shape, 2, GENTRAIN_FLOAT64, gen));
        OK(gentrain_tensor_randn(&r[1], shape, 2, GENTRAIN_FLOAT64, gen));
        OK(gentrain_tensor_randint(&r[2], 0, 1000, shape, 2, GENTRAIN_FLOAT64, gen));
        OK(gentrain_tensor_zeros(&r[3], shape, 2, GENTRAIN_FLOAT64));
        OK(gentrain_init_kaiming_normal(r[3], 0, NULL, NULL, gen));
        for (int k = 0; k < 4; k++) {
            OK(gentrain_tensor_copy_to(drawn[round][k], sizeof drawn[round][k], GENTRAIN_FLOAT64, r[k]));
            gentrain_tensor_free(r[k]);
        }
        OK(gentrain_tensor_rand(&r[0], shape, 2, GENTRAIN_FLOAT32, NULL));   /* the default generator moves on */
        gentrain_tensor_free(r[0]);
    }
    EXPECT(memcmp(drawn[0], drawn[1], sizeof drawn[0]) == 0 && drawn[0][0][0] != drawn[0][0][1]);
    gentrain_tensor *filled = NULL;
    FAILS(gentrain_tensor_randn(&filled, shape, 2, GENTRAIN_FLOAT32, (gentrain_generator *)first), GENTRAIN_ERR_INVALID_HANDLE,
          "generator");
    gentrain_generator_free(gen);
    FAILS(gentrain_generator_manual_seed(gen, 1), GENTRAIN_ERR_INVALID_HANDLE, "generator");
    bool previous = false;
    gentrain_set_grad_enabled(false, &previous);
    EXPECT(previous && !gentrain_is_grad_enabled());
    gentrain_set_grad_enabled(true, NULL);
    EXPECT(gentrain_is_grad_enabled());
}

static void test_creation_and_properties(void) {
    int64_t shape[2] = {2, 3};
    gentrain_tensor *t = NULL;
    OK(gentrain_tensor_zeros(&t, shape, 2, GENTRAIN_FLOAT32));
    size_t ndim = 0;
    int64_t dims[4], strides[4], numel = 0;
    gentrain_dtype dtype;
    bool contiguous = false;
    OK(gentrain_tensor_ndim(&ndim, t));
    OK(gentrain_tensor_shape(dims, 4, t));
    OK(gentrain_tensor_strides(strides, 4, t));
    OK(gentrain_tensor_numel(&numel, t));
    OK(gentrain_tensor_dtype(&dtype, t));
    OK(gentrain_tensor_is_contiguous(&contiguous, t));
    EXPECT(ndim == 2 && dims[0] == 2 && dims[1] == 3 && strides[0] == 3 && strides[1] == 1);
    EXPECT(numel == 6 && dtype == GENTRAIN_FLOAT32 && contiguous);
    FAILS(gentrain_tensor_shape(dims, 1, t), GENTRAIN_ERR_INVALID_ARGUMENT, "capacity");
    FAILS(gentrain_tensor_ndim(NULL, t), GENTRAIN_ERR_INVALID_ARGUMENT, "out is NULL");
    gentrain_tensor_free(t);

    gentrain_tensor *a = NULL;
    OK(gentrain_tensor_ones(&a, shape, 2, GENTRAIN_FLOAT64));
    gentrain_tensor *s = NULL;
    OK(gentrain_sum(&s, a, NULL, 0, false));
    EXPECT(item(s) == 6);
    gentrain_tensor_free(s);
    gentrain_tensor_free(a);

    OK(gentrain_tensor_full(&a, shape, 2, GENTRAIN_INT32, 4));
    int32_t ints[6];
    OK(gentrain_tensor_copy_to(ints, sizeof ints, GENTRAIN_INT32, a));
    EXPECT(ints[5] == 4);
    FAILS(gentrain_tensor_copy_to(ints, 8, GENTRAIN_INT32, a), GENTRAIN_ERR_INVALID_ARGUMENT, "too small");
    FAILS(gentrain_tensor_copy_to(ints, sizeof ints, (gentrain_dtype)42, a), GENTRAIN_ERR_DTYPE, "unknown dtype");
    FAILS(gentrain_tensor_item(NULL, a), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    double v;
    FAILS(gentrain_tensor_item(&v, a), GENTRAIN_ERR_SHAPE, "cannot be converted to a scalar");
    gentrain_tensor_free(a);

    OK(gentrain_tensor_arange(&a, 0, 5, 1, GENTRAIN_INT64));
    int64_t r[5];
    OK(gentrain_tensor_copy_to(r, sizeof r, GENTRAIN_INT64, a));
    EXPECT(r[0] == 0 && r[4] == 4);
    gentrain_tensor_free(a);
    FAILS(gentrain_tensor_arange(&a, 0, 5, 0, GENTRAIN_INT64), GENTRAIN_ERR_INVALID_ARGUMENT, "step");
    EXPECT(a == NULL);

    OK(gentrain_tensor_eye(&a, 3, 3, GENTRAIN_FLOAT32));
    OK(gentrain_sum(&s, a, NULL, 0, false));
    EXPECT(item(s) == 3);
    gentrain_tensor_free(s);
    gentrain_tensor_free(a);

    OK(gentrain_tensor_rand(&a, shape, 2, GENTRAIN_FLOAT32, NULL));
    gentrain_tensor_free(a);
    OK(gentrain_tensor_randn(&a, shape, 2, GENTRAIN_FLOAT64, NULL));
    gentrain_tensor_free(a);
    OK(gentrain_tensor_randint(&a, 0, 10, shape, 2, GENTRAIN_INT64, NULL));
    gentrain_tensor_free(a);
    FAILS(gentrain_tensor_randint(&a, 5, 5, shape, 2, GENTRAIN_INT64, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "low < high");
    FAILS(gentrain_tensor_rand(&a, shape, 2, GENTRAIN_INT64, NULL), GENTRAIN_ERR_DTYPE, "floating point");

    int64_t bad[2] = {2, -1};
    FAILS(gentrain_tensor_zeros(&a, bad, 2, GENTRAIN_FLOAT32), GENTRAIN_ERR_SHAPE, "negative dimension");
    int64_t huge[3] = {1 << 30, 1 << 30, 1 << 30};
    FAILS(gentrain_tensor_zeros(&a, huge, 3, GENTRAIN_FLOAT32), GENTRAIN_ERR_OUT_OF_MEMORY, "too many elements");
    FAILS(gentrain_tensor_zeros(&a, NULL, 2, GENTRAIN_FLOAT32), GENTRAIN_ERR_INVALID_ARGUMENT, "shape is NULL");
    FAILS(gentrain_tensor_zeros(NULL, shape, 2, GENTRAIN_FLOAT32), GENTRAIN_ERR_INVALID_ARGUMENT, "out is NULL");
    float data[6] = {1, 2, 3, 4, 5, 6};
    FAILS(gentrain_tensor_from_data(&a, data, 5, GENTRAIN_FLOAT32, shape, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "nbytes");
    FAILS(gentrain_tensor_from_data(&a, NULL, 24, GENTRAIN_FLOAT32, shape, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "data is NULL");

    /* Zero-copy in: the tensor sees host writes; the deleter runs once the last view is gone. */
    int released = 0;
    float *blob = malloc(sizeof(float) * 6);
    for (int i = 0; i < 6; i++) blob[i] = (float)i;
    gentrain_tensor *b = NULL, *bt = NULL;
    FAILS(gentrain_tensor_from_blob(&b, (char *)blob + 1, sizeof(float) * 6, GENTRAIN_FLOAT32, shape, 2, count_release,
                                    &released), GENTRAIN_ERR_INVALID_ARGUMENT, "aligned");
    EXPECT(released == 0);
    OK(gentrain_tensor_from_blob(&b, blob, sizeof(float) * 6, GENTRAIN_FLOAT32, shape, 2, count_release, &released));
    blob[1] = 10;
    OK(gentrain_transpose(&bt, b, 0, 1));
    gentrain_tensor_free(b);
    const void *view = NULL;
    FAILS(gentrain_tensor_data(&view, bt), GENTRAIN_ERR_INVALID_ARGUMENT, "not contiguous");
    gentrain_tensor *c = NULL;
    OK(gentrain_contiguous(&c, bt));
    OK(gentrain_tensor_data(&view, c));
    EXPECT(((const float *)view)[2] == 10);
    gentrain_tensor_free(c);
    EXPECT(released == 0);
    gentrain_tensor_free(bt);
    EXPECT(released == 1);
    free(blob);
}

/* A host's DLManagedTensor over its own array: the deleter counts its calls. */
typedef struct {
    DLManagedTensor managed;
    int64_t shape[2], strides[2];
    int deleted;
} host_tensor;

static void count_delete(DLManagedTensor *self) { ((host_tensor *)self)->deleted++; }

static void count_delete_versioned(struct DLManagedTensorVersioned *self) { (*(int *)self->manager_ctx)++; }

/* The versioned form: version 1.0 and flags out; read-only memory and other majors refused in. */
static void test_dlpack_versioned(void) {
    int64_t shape[1] = {4};
    gentrain_tensor *t = NULL, *back = NULL, *s = NULL;
    OK(gentrain_tensor_arange(&t, 1, 5, 1, GENTRAIN_INT64));
    struct DLManagedTensorVersioned *v = NULL;
    OK(gentrain_tensor_to_dlpack_versioned(&v, t));
    gentrain_tensor_free(t);
    EXPECT(v->version.major == 1 && v->version.minor == 0 && v->flags == 0);
    EXPECT(v->dl_tensor.dtype.code == kDLInt && v->dl_tensor.dtype.bits == 64 && v->dl_tensor.ndim == 1);
    EXPECT(((int64_t *)v->dl_tensor.data)[3] == 4);
    OK(gentrain_tensor_from_dlpack_versioned(&back, v));
    double sum = 0;
    OK(gentrain_sum(&s, back, NULL, 0, false));
    OK(gentrain_tensor_item(&sum, s));
    EXPECT(sum == 10);
    gentrain_tensor_free(s);
    gentrain_tensor_free(back);

    float host[4] = {1, 2, 3, 4};
    int deleted = 0;
    struct DLManagedTensorVersioned h = {.version = {1, 1}, .manager_ctx = &deleted, .deleter = count_delete_versioned,
                                         .flags = 1, .dl_tensor = {.data = host, .device = {kDLCPU, 0}, .ndim = 1,
                                                                   .dtype = {kDLFloat, 32, 1}, .shape = shape}};
    FAILS(gentrain_tensor_from_dlpack_versioned(&back, &h), GENTRAIN_ERR_INVALID_ARGUMENT, "read-only");
    h.flags = 0;
    h.version.major = 2;
    FAILS(gentrain_tensor_from_dlpack_versioned(&back, &h), GENTRAIN_ERR_INVALID_ARGUMENT, "not 1.x");
    FAILS(gentrain_tensor_from_dlpack_versioned(&back, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    EXPECT(deleted == 0 && back == NULL);
    h.version.major = 1;
    OK(gentrain_tensor_from_dlpack_versioned(&back, &h));
    OK(gentrain_fill_(back, 0));
    gentrain_tensor_free(back);
    EXPECT(deleted == 1 && host[3] == 0);
    FAILS(gentrain_tensor_to_dlpack_versioned(&v, NULL), GENTRAIN_ERR_INVALID_HANDLE, "tensor is NULL");
    EXPECT(v == NULL);
}

static void test_dlpack(void) {
    /* Export: the tensor's own memory, alive until the consumer's deleter, after the handle is gone. */
    int64_t shape[2] = {2, 3};
    gentrain_tensor *t = NULL, *tt = NULL;
    OK(gentrain_tensor_arange(&t, 0, 6, 1, GENTRAIN_FLOAT32));
    OK(gentrain_reshape(&tt, t, shape, 2));
    gentrain_tensor_free(t);
    OK(gentrain_transpose(&t, tt, 0, 1));                            /* [3, 2], strides [1, 3] */
    DLManagedTensor *out = NULL;
    OK(gentrain_tensor_to_dlpack(&out, t));
    const void *data = NULL;
    OK(gentrain_tensor_data(&data, tt));
    gentrain_tensor_free(tt);
    gentrain_tensor_free(t);
    EXPECT(out->dl_tensor.device.device_type == kDLCPU && out->dl_tensor.ndim == 2);
    EXPECT(out->dl_tensor.dtype.code == kDLFloat && out->dl_tensor.dtype.bits == 32 && out->dl_tensor.dtype.lanes == 1);
    EXPECT(out->dl_tensor.shape[0] == 3 && out->dl_tensor.shape[1] == 2);
    EXPECT(out->dl_tensor.strides[0] == 1 && out->dl_tensor.strides[1] == 3);
    EXPECT(out->dl_tensor.data == data && out->dl_tensor.byte_offset == 0);
    EXPECT(((float *)out->dl_tensor.data)[5] == 5);
    /* ...and back: the same memory, the engine calls the exporter's deleter when done. */
    gentrain_tensor *back = NULL, *c = NULL;
    OK(gentrain_tensor_from_dlpack(&back, out));
    OK(gentrain_contiguous(&c, back));
    const void *cd = NULL;
    OK(gentrain_tensor_data(&cd, c));
    EXPECT(((const float *)cd)[1] == 3 && ((const float *)cd)[2] == 1);
    gentrain_tensor_free(c);
    gentrain_tensor_free(back);

    /* Import a host's strided view: zero copy both ways, its deleter once, when the last tensor goes. */
    float host[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    host_tensor h = {.shape = {2, 2}, .strides = {4, 2}};
    h.managed.dl_tensor = (DLTensor){.data = host, .device = {kDLCPU, 0}, .ndim = 2,
                                     .dtype = {kDLFloat, 32, 1}, .shape = h.shape, .strides = h.strides,
                                     .byte_offset = sizeof(float)};
    h.managed.deleter = count_delete;                               /* elements 1, 3, 5, 7 */
    gentrain_tensor *v = NULL, *s = NULL;
    OK(gentrain_tensor_from_dlpack(&v, &h.managed));
    double sum = 0;
    OK(gentrain_sum(&s, v, NULL, 0, false));
    OK(gentrain_tensor_item(&sum, s));
    EXPECT(sum == 16);
    gentrain_tensor_free(s);
    OK(gentrain_fill_(v, 9));                                        /* the host sees the write */
    EXPECT(host[1] == 9 && host[3] == 9 && host[7] == 9 && host[2] == 2 && host[6] == 6);
    EXPECT(h.deleted == 0);
    gentrain_tensor_free(v);
    EXPECT(h.deleted == 1);

    /* Refused descriptions: nothing taken, the deleter not called. */
    h.deleted = 0;
    gentrain_tensor *r = NULL;
    FAILS(gentrain_tensor_from_dlpack(&r, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    h.managed.dl_tensor.device.device_type = kDLCUDA;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_INVALID_ARGUMENT, "not the CPU");
    h.managed.dl_tensor.device.device_type = kDLCPU;
    h.managed.dl_tensor.dtype = (DLDataType){kDLUInt, 8, 1};
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_INVALID_ARGUMENT, "no gentrain dtype");
    h.managed.dl_tensor.dtype = (DLDataType){kDLFloat, 32, 4};
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_INVALID_ARGUMENT, "lanes");
    h.managed.dl_tensor.dtype = (DLDataType){kDLFloat, 32, 1};
    h.strides[1] = -1;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_SHAPE, "negative strides");
    h.strides[1] = INT64_MAX / 2;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_SHAPE, "address space");
    /* A size-1 dimension's stride never steps: any value is taken, and read back as row-major. */
    h.shape[1] = 1;
    h.strides[1] = INT64_MIN;
    h.managed.deleter = NULL;
    OK(gentrain_tensor_from_dlpack(&r, &h.managed));
    int64_t got[2] = {0, 0};
    OK(gentrain_tensor_strides(got, 2, r));
    EXPECT(got[0] == 4 && got[1] == 1);
    gentrain_tensor_free(r);
    r = NULL;
    h.shape[1] = 2;
    h.managed.deleter = count_delete;
    h.strides[1] = 2;
    h.shape[0] = -2;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_SHAPE, "negative dimension");
    h.shape[0] = 2;
    h.managed.dl_tensor.byte_offset = 2;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_INVALID_ARGUMENT, "aligned");
    h.managed.dl_tensor.byte_offset = 0;
    h.managed.dl_tensor.ndim = GENTRAIN_MAX_DIMS + 1;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_INVALID_ARGUMENT, "dimensions");
    h.managed.dl_tensor.ndim = -1;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_INVALID_ARGUMENT, "ndim");
    h.managed.dl_tensor.ndim = 2;
    h.managed.dl_tensor.data = NULL;
    FAILS(gentrain_tensor_from_dlpack(&r, &h.managed), GENTRAIN_ERR_INVALID_ARGUMENT, "data is NULL");
    EXPECT(r == NULL && h.deleted == 0);
    /* An empty tensor may have no data; strides NULL mean row-major; a NULL deleter is allowed. */
    h.shape[0] = 0;
    h.managed.dl_tensor.strides = NULL;
    h.managed.deleter = NULL;
    OK(gentrain_tensor_from_dlpack(&r, &h.managed));
    int64_t n = 1;
    OK(gentrain_tensor_numel(&n, r));
    EXPECT(n == 0);
    gentrain_tensor_free(r);

    /* A tensor that requires grad is refused; its detached view is not. */
    OK(gentrain_tensor_ones(&t, shape, 2, GENTRAIN_BFLOAT16));
    OK(gentrain_tensor_set_requires_grad(t, true));
    out = NULL;
    FAILS(gentrain_tensor_to_dlpack(&out, t), GENTRAIN_ERR_AUTOGRAD, "detach");
    EXPECT(out == NULL);
    OK(gentrain_tensor_detach(&tt, t));
    OK(gentrain_tensor_to_dlpack(&out, tt));
    EXPECT(out->dl_tensor.dtype.code == kDLBfloat && out->dl_tensor.dtype.bits == 16);
    FAILS(gentrain_tensor_to_dlpack(NULL, tt), GENTRAIN_ERR_INVALID_ARGUMENT, "out is NULL");
    gentrain_tensor_free(t);
    gentrain_tensor_free(tt);
    out->deleter(out);
}

static void test_handles(void) {
    int64_t shape[1] = {3};
    gentrain_tensor *t = NULL, *out = NULL;
    OK(gentrain_tensor_ones(&t, shape, 1, GENTRAIN_FLOAT32));
    gentrain_tensor *second = NULL;
    OK(gentrain_tensor_retain(&second, t));
    EXPECT(second != t);
    gentrain_tensor *stale = t;
    gentrain_tensor_free(t);
    double one = 0;
    gentrain_tensor *first = NULL;
    OK(gentrain_select(&first, second, 0, 0));   /* the second handle outlives the first */
    OK(gentrain_tensor_item(&one, first));
    EXPECT(one == 1);
    gentrain_tensor_free(first);
    gentrain_tensor_free(second);
    FAILS(gentrain_exp(&out, stale), GENTRAIN_ERR_INVALID_HANDLE, "gentrain_exp: x is not a live handle");
    EXPECT(out == NULL);
    FAILS(gentrain_exp(&out, NULL), GENTRAIN_ERR_INVALID_HANDLE, "x is NULL");
    FAILS(gentrain_exp(&out, (gentrain_tensor *)(uintptr_t)0x7fff12345678ULL), GENTRAIN_ERR_INVALID_HANDLE, "not a live handle");
    gentrain_module *relu = NULL;
    OK(gentrain_module_relu_new(&relu));
    FAILS(gentrain_exp(&out, (gentrain_tensor *)relu), GENTRAIN_ERR_INVALID_HANDLE, "a module handle, expected a tensor handle");
    FAILS(gentrain_optim_step((gentrain_optimizer *)relu), GENTRAIN_ERR_INVALID_HANDLE, "expected a optimizer handle");
    gentrain_tensor_free((gentrain_tensor *)relu); /* wrong kind: ignored */
    gentrain_module_free(relu);
    gentrain_module_free(relu);                    /* double free: ignored */
    gentrain_tensor_free(NULL);
    gentrain_module_free(NULL);
    gentrain_optim_free(NULL);
}

static void test_elementwise(void) {
    float av[4] = {0.5f, -1, 2, -3}, bv[2] = {2, 4};
    int64_t sa[2] = {2, 2}, sb[1] = {2};
    gentrain_tensor *a = from_floats(av, sa, 2), *b = from_floats(bv, sb, 1);
    gentrain_status (*binaries[])(gentrain_tensor **, const gentrain_tensor *, const gentrain_tensor *) = {
        gentrain_add, gentrain_sub, gentrain_mul, gentrain_div, gentrain_pow, gentrain_maximum, gentrain_minimum,
        gentrain_eq, gentrain_ne, gentrain_lt, gentrain_le, gentrain_gt, gentrain_ge, gentrain_matmul};
    /* a = [[0.5, -1], [2, -3]], b = [2, 4] broadcast over rows; comparisons count the trues. */
    double expected_sum[] = {-1.5 + 12, -1.5 - 12, 1 - 4 + 4 - 12, 0.25 - 0.25 + 1 - 0.75, 0.25 + 1 + 4 + 81,
                             2 + 4 + 2 + 4, 0.5 - 1 + 2 - 3, 1, 3, 3, 4, 0, 1, 1 - 4 + 4 - 12};
    for (size_t i = 0; i < sizeof binaries / sizeof *binaries; i++) {
        gentrain_tensor *r = NULL, *s = NULL, *f = NULL;
        OK(binaries[i](&r, a, b));
        OK(gentrain_to_dtype(&f, r, GENTRAIN_FLOAT64));
        OK(gentrain_sum(&s, f, NULL, 0, false));
        if (!close_to(item(s), expected_sum[i])) {
            failures++;
            fprintf(stderr, "binary op %zu: sum %g, expected %g\n", i, item(s), expected_sum[i]);
        }
        gentrain_tensor_free(r);
        gentrain_tensor_free(f);
        gentrain_tensor_free(s);
    }
    gentrain_tensor *r = NULL;
    int64_t s3[1] = {3};
    gentrain_tensor *c = NULL;
    OK(gentrain_tensor_zeros(&c, s3, 1, GENTRAIN_FLOAT32));
    FAILS(gentrain_add(&r, a, c), GENTRAIN_ERR_SHAPE, "the size of tensor a (2) must match the size of tensor b (3)");
    EXPECT(strncmp(gentrain_last_error(), "gentrain_add: ", 14) == 0 && strstr(gentrain_last_error(), "[2, 2] and [3]"));
    EXPECT(r == NULL);
    FAILS(gentrain_matmul(&r, a, c), GENTRAIN_ERR_SHAPE, "cannot be multiplied");
    gentrain_tensor_free(c);

    gentrain_status (*scalars[])(gentrain_tensor **, const gentrain_tensor *, double) = {
        gentrain_add_scalar, gentrain_mul_scalar, gentrain_pow_scalar, gentrain_rsub_scalar, gentrain_rdiv_scalar,
        gentrain_leaky_relu};
    double expected_scalar[] = {-1.5 + 8, -3, 0.25 + 1 + 4 + 9, 8 + 1.5, 4 - 2 + 1 - 2.0 / 3, 0.5 - 2 + 2 - 6};
    for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++) {
        gentrain_tensor *s = NULL;
        OK(scalars[i](&r, a, 2));
        OK(gentrain_sum(&s, r, NULL, 0, false));
        EXPECT(close_to(item(s), expected_scalar[i]));
        gentrain_tensor_free(r);
        gentrain_tensor_free(s);
    }

    float pv[4] = {0.5f, 1, 2, 3};
    gentrain_tensor *p = from_floats(pv, sa, 2);
    gentrain_status (*unaries[])(gentrain_tensor **, const gentrain_tensor *) = {
        gentrain_neg, gentrain_exp, gentrain_log, gentrain_log1p, gentrain_expm1, gentrain_sqrt, gentrain_rsqrt,
        gentrain_abs, gentrain_sign, gentrain_sin, gentrain_cos, gentrain_erf, gentrain_tanh, gentrain_sigmoid,
        gentrain_relu, gentrain_contiguous, gentrain_clone};
    for (size_t i = 0; i < sizeof unaries / sizeof *unaries; i++) {
        gentrain_tensor *s = NULL;
        OK(unaries[i](&r, p));
        OK(gentrain_sum(&s, r, NULL, 0, false));
        EXPECT(isfinite(item(s)));
        gentrain_tensor_free(r);
        gentrain_tensor_free(s);
    }
    OK(gentrain_gelu(&r, p, GENTRAIN_GELU_APPROXIMATE_TANH));
    gentrain_tensor_free(r);
    OK(gentrain_gelu(&r, p, GENTRAIN_GELU_APPROXIMATE_NONE));
    gentrain_tensor_free(r);
    OK(gentrain_softplus(&r, p, 1, 20));
    gentrain_tensor_free(r);
    float act[4];
    OK(gentrain_elu(&r, a, 2.0));   /* x > 0: x, else 2 (e^x - 1) */
    OK(gentrain_tensor_copy_to(act, sizeof act, GENTRAIN_FLOAT32, r));
    EXPECT(close_to(act[0], 0.5) && close_to(act[1], 2 * (exp(-1.0) - 1)) && close_to(act[2], 2) && close_to(act[3], 2 * (exp(-3.0) - 1)));
    gentrain_tensor_free(r);
    OK(gentrain_silu(&r, a));       /* x sigmoid(x) */
    OK(gentrain_tensor_copy_to(act, sizeof act, GENTRAIN_FLOAT32, r));
    EXPECT(close_to(act[0], 0.5 / (1 + exp(-0.5))) && close_to(act[3], -3 / (1 + exp(3.0))));
    gentrain_tensor_free(r);
    FAILS(gentrain_silu(&r, NULL), GENTRAIN_ERR_INVALID_HANDLE, "x is NULL");
    OK(gentrain_clamp(&r, a, -1, INFINITY));
    gentrain_tensor *s = NULL;
    OK(gentrain_sum(&s, r, NULL, 0, false));
    EXPECT(item(s) == 0.5 - 1 + 2 - 1);
    gentrain_tensor_free(s);
    gentrain_tensor_free(r);

    gentrain_tensor *mask = NULL, *w = NULL;
    OK(gentrain_gt(&mask, a, b));
    OK(gentrain_where(&w, mask, a, b));
    OK(gentrain_sum(&s, w, NULL, 0, false));
    EXPECT(item(s) == 2 + 4 + 2 + 4);
    gentrain_tensor_free(s);
    gentrain_tensor_free(w);
    FAILS(gentrain_where(&w, a, a, b), GENTRAIN_ERR_DTYPE, "condition must be bool");
    OK(gentrain_masked_fill(&w, a, mask, 9));
    OK(gentrain_sum(&s, w, NULL, 0, false));
    EXPECT(item(s) == 0.5 - 1 + 2 - 3);
    gentrain_tensor_free(s);
    gentrain_tensor_free(w);
    gentrain_tensor_free(mask);

    int64_t ishape[1] = {2};
    int64_t iv[2] = {1, 1};
    gentrain_tensor *ints = NULL;
    OK(gentrain_tensor_from_data(&ints, iv, sizeof iv, GENTRAIN_INT64, ishape, 1));
    // Integers in floating-point functions compute in float32, as PyTorch's; activations refuse them.
    OK(gentrain_exp(&r, ints));
    gentrain_dtype rdt;
    OK(gentrain_tensor_dtype(&rdt, r));
    float e[2] = {0};
    OK(gentrain_tensor_copy_to(e, sizeof e, GENTRAIN_FLOAT32, r));
    EXPECT(rdt == GENTRAIN_FLOAT32 && close_to(e[1], exp(1.0)));
    gentrain_tensor_free(r);
    FAILS(gentrain_silu(&r, ints), GENTRAIN_ERR_DTYPE, "expected a floating point tensor, got int64");
    FAILS(gentrain_bitwise_and(&r, a, a), GENTRAIN_ERR_DTYPE, "expected integer or bool tensors");
    gentrain_tensor_free(ints);
    gentrain_tensor_free(p);
    gentrain_tensor_free(a);
    gentrain_tensor_free(b);
}

static void test_einsum_and_unique(void) {
    float av[6] = {1, 2, 3, 4, 5, 6}, bv[6] = {1, 0, 0, 1, 1, 1};
    int64_t as[2] = {2, 3}, bs[2] = {3, 2};
    gentrain_tensor *a = from_floats(av, as, 2), *b = from_floats(bv, bs, 2), *r = NULL;
    gentrain_tensor *ops[2] = {a, b};
    OK(gentrain_einsum(&r, "ij,jk->ik", ops, 2));   /* [[1+3, 2+3], [4+6, 5+6]] */
    float out[4] = {0};
    OK(gentrain_tensor_copy_to(out, sizeof out, GENTRAIN_FLOAT32, r));
    EXPECT(out[0] == 4 && out[1] == 5 && out[2] == 10 && out[3] == 11);
    gentrain_tensor_free(r);
    FAILS(gentrain_einsum(&r, "ij,jk->iq", ops, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "output subscript q");
    FAILS(gentrain_einsum(&r, "ij->ij", ops, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "1 operands in the equation, 2 given");
    FAILS(gentrain_einsum(&r, "i$,jk", ops, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "invalid subscript");
    FAILS(gentrain_einsum(&r, "ijk,jk", ops, 2), GENTRAIN_ERR_SHAPE, "has 2 dimensions");
    FAILS(gentrain_einsum(&r, NULL, ops, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "equation is NULL");
    int64_t iv[5] = {3, 1, 3, 0, 3}, is[1] = {5};
    gentrain_tensor *x = NULL, *values = NULL, *inverse = NULL, *counts = NULL;
    OK(gentrain_tensor_from_data(&x, iv, sizeof iv, GENTRAIN_INT64, is, 1));
    OK(gentrain_unique(&values, &inverse, &counts, x));
    int64_t v[3] = {0}, inv[5] = {0}, c[3] = {0};
    OK(gentrain_tensor_copy_to(v, sizeof v, GENTRAIN_INT64, values));
    OK(gentrain_tensor_copy_to(inv, sizeof inv, GENTRAIN_INT64, inverse));
    OK(gentrain_tensor_copy_to(c, sizeof c, GENTRAIN_INT64, counts));
    EXPECT(v[0] == 0 && v[1] == 1 && v[2] == 3 && inv[0] == 2 && inv[3] == 0 && c[2] == 3);
    gentrain_tensor_free(values);
    gentrain_tensor_free(inverse);
    gentrain_tensor_free(counts);
    FAILS(gentrain_unique(&values, NULL, &counts, x), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    EXPECT(values == NULL && counts == NULL);
    gentrain_tensor_free(x);
    gentrain_tensor_free(a);
    gentrain_tensor_free(b);
}

/* Gradient hooks from C: a hook that triples a leaf's gradient, one on a non-leaf that sees its
 * whole gradient, retain_grad, removal, the destructor, and hooks that fail or return a wrong shape. */
static int hook_calls, hook_destroyed;

static gentrain_status triple_grad(gentrain_tensor **out, const gentrain_tensor *grad, void *user_data) {
    (void)user_data;
    hook_calls++;
    return gentrain_mul_scalar(out, grad, 3.0);
}

static gentrain_status failing_hook(gentrain_tensor **out, const gentrain_tensor *grad, void *user_data) {
    (void)out, (void)grad, (void)user_data;
    return GENTRAIN_ERR_INVALID_ARGUMENT;
}

static gentrain_status reshaping_hook(gentrain_tensor **out, const gentrain_tensor *grad, void *user_data) {
    (void)user_data;
    return gentrain_sum(out, grad, NULL, 0, false);
}

static void count_destroyed(void *user_data) {
    (void)user_data;
    hook_destroyed++;
}

static void test_gradient_hooks(void) {
    float xv[2] = {1, -2};
    int64_t xs[1] = {2};
    gentrain_tensor *x = from_floats(xv, xs, 1), *y = NULL, *s = NULL, *grad = NULL;
    gentrain_hook *hook = NULL, *other = NULL;
    OK(gentrain_tensor_set_requires_grad(x, true));
    OK(gentrain_tensor_register_hook(&hook, x, triple_grad, NULL, count_destroyed));
    OK(gentrain_mul_scalar(&y, x, 2.0));
    OK(gentrain_tensor_retain_grad(y));
    bool retains = false;
    OK(gentrain_tensor_retains_grad(&retains, y));
    EXPECT(retains);
    OK(gentrain_tensor_register_hook(&other, y, triple_grad, NULL, count_destroyed));
    OK(gentrain_sum(&s, y, NULL, 0, false));
    OK(gentrain_backward(s, NULL, false, false));   /* dy = 1, tripled: 3; dx = 2 * 3, tripled: 18 */
    float g[2] = {0};
    OK(gentrain_tensor_grad(&grad, x));
    OK(gentrain_tensor_copy_to(g, sizeof g, GENTRAIN_FLOAT32, grad));
    EXPECT(g[0] == 18 && g[1] == 18 && hook_calls == 2);
    gentrain_tensor_free(grad);
    OK(gentrain_tensor_grad(&grad, y));
    OK(gentrain_tensor_copy_to(g, sizeof g, GENTRAIN_FLOAT32, grad));
    EXPECT(g[0] == 3 && g[1] == 3);
    gentrain_tensor_free(grad);
    OK(gentrain_hook_remove(hook));
    OK(gentrain_hook_remove(hook));   /* again: nothing */
    EXPECT(hook_destroyed == 1);
    gentrain_hook_free(hook);
    gentrain_hook_free(other);   /* the handle only: the hook stays with y's graph until it is freed */
    gentrain_tensor_free(s);
    gentrain_tensor_free(y);
    EXPECT(hook_destroyed == 2);
    FAILS(gentrain_tensor_register_hook(&hook, x, NULL, NULL, count_destroyed), GENTRAIN_ERR_INVALID_ARGUMENT, "fn is NULL");
    EXPECT(hook == NULL && hook_destroyed == 3);
    gentrain_tensor *plain = from_floats(xv, xs, 1);
    FAILS(gentrain_tensor_register_hook(&hook, plain, triple_grad, NULL, count_destroyed), GENTRAIN_ERR_AUTOGRAD, "require");
    EXPECT(hook == NULL && hook_destroyed == 4);
    gentrain_tensor_free(plain);
    OK(gentrain_tensor_register_hook(&hook, x, failing_hook, NULL, NULL));
    OK(gentrain_sum(&s, x, NULL, 0, false));
    FAILS(gentrain_backward(s, NULL, false, false), GENTRAIN_ERR_CALLBACK_FAILED, "the gradient hook failed with GENTRAIN_ERR_INVALID_ARGUMENT");
    OK(gentrain_hook_remove(hook));
    gentrain_hook_free(hook);
    gentrain_tensor_free(s);
    OK(gentrain_tensor_register_hook(&hook, x, reshaping_hook, NULL, NULL));
    OK(gentrain_sum(&s, x, NULL, 0, false));
    FAILS(gentrain_backward(s, NULL, false, false), GENTRAIN_ERR_SHAPE, "the gradient returned has shape");
    FAILS(gentrain_hook_remove(NULL), GENTRAIN_ERR_INVALID_HANDLE, "hook");
    gentrain_hook_free(hook);
    gentrain_tensor_free(s);
    gentrain_tensor_free(x);
}

/* The LU-based linear algebra from C: a determinant's sign and log, a solve, and the errors. */
static void test_linear_algebra(void) {
    float av[4] = {7, 4, 6, 2}, bv[2] = {1, 2};   /* det(A) = -10 */
    int64_t as[2] = {2, 2}, bs[1] = {2};
    gentrain_tensor *a = from_floats(av, as, 2), *b = from_floats(bv, bs, 1), *sign = NULL, *logabs = NULL, *x = NULL;
    OK(gentrain_slogdet(&sign, &logabs, a));
    EXPECT(item(sign) == -1 && fabs(item(logabs) - log(10.0)) < 1e-6);
    gentrain_tensor_free(sign);
    gentrain_tensor_free(logabs);
    OK(gentrain_linalg_solve(&x, a, b));   /* 7x + 4y = 1, 6x + 2y = 2: x = 0.6, y = -0.8 */
    float xv[2] = {0};
    OK(gentrain_tensor_copy_to(xv, sizeof xv, GENTRAIN_FLOAT32, x));
    EXPECT(fabsf(xv[0] - 0.6f) < 1e-6f && fabsf(xv[1] + 0.8f) < 1e-6f);
    gentrain_tensor_free(x);
    FAILS(gentrain_slogdet(&sign, NULL, a), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    FAILS(gentrain_slogdet(&sign, &logabs, b), GENTRAIN_ERR_SHAPE, "at least 2 dimensions");
    EXPECT(sign == NULL && logabs == NULL);
    float sv[4] = {1, 2, 2, 4};
    gentrain_tensor *singular = from_floats(sv, as, 2);
    FAILS(gentrain_linalg_solve(&x, singular, b), GENTRAIN_ERR_INVALID_ARGUMENT, "singular");
    FAILS(gentrain_inverse(&x, singular), GENTRAIN_ERR_INVALID_ARGUMENT, "diagonal element 2 is zero");
    gentrain_tensor_free(singular);
    gentrain_tensor_free(a);
    gentrain_tensor_free(b);
}

static void test_reductions_and_shapes(void) {
    float v[6] = {1, 5, 3, 4, 2, 6};
    int64_t shape[2] = {2, 3};
    gentrain_tensor *x = from_floats(v, shape, 2), *r = NULL, *idx = NULL;
    int64_t dim1[1] = {1}, dim_bad[1] = {2};
    gentrain_status (*reductions[])(gentrain_tensor **, const gentrain_tensor *, const int64_t *, size_t, bool) = {
        gentrain_sum, gentrain_mean, gentrain_amax, gentrain_amin, gentrain_logsumexp};
    double expected[] = {9, 3, 5, 1, 5.1429316};
    for (size_t i = 0; i < sizeof reductions / sizeof *reductions; i++) {
        OK(reductions[i](&r, x, dim1, 1, true));
        int64_t dims[2];
        OK(gentrain_tensor_shape(dims, 2, r));
        float first[2];
        OK(gentrain_tensor_copy_to(first, sizeof first, GENTRAIN_FLOAT32, r));
        EXPECT(dims[0] == 2 && dims[1] == 1 && close_to(first[0], expected[i]));
        gentrain_tensor_free(r);
    }
    FAILS(gentrain_sum(&r, x, dim_bad, 1, false), GENTRAIN_ERR_INDEX, "dimension out of range");
    OK(gentrain_var(&r, x, dim1, 1, 1, false));
    gentrain_tensor_free(r);
    OK(gentrain_norm(&r, x, 2, NULL, 0, false));
    EXPECT(close_to(item(r), sqrt(91.0)));
    gentrain_tensor_free(r);
    OK(gentrain_max_dim(&r, &idx, x, 1, false));
    int64_t am[2];
    OK(gentrain_tensor_copy_to(am, sizeof am, GENTRAIN_INT64, idx));
    EXPECT(am[0] == 1 && am[1] == 2);
    gentrain_tensor_free(r);
    gentrain_tensor_free(idx);
    OK(gentrain_min_dim(&r, &idx, x, 0, true));
    gentrain_tensor_free(r);
    gentrain_tensor_free(idx);
    FAILS(gentrain_max_dim(&r, NULL, x, 0, true), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    OK(gentrain_argmax(&r, x, 0, false));
    gentrain_tensor_free(r);

    int64_t new_shape[2] = {3, -1}, bad_shape[1] = {4}, perm[2] = {1, 0}, sizes[3] = {2, 2, 3};
    OK(gentrain_reshape(&r, x, new_shape, 2));
    gentrain_tensor_free(r);
    FAILS(gentrain_reshape(&r, x, bad_shape, 1), GENTRAIN_ERR_SHAPE, "is invalid for input of size 6");
    OK(gentrain_flatten(&r, x, 0, -1));
    gentrain_tensor_free(r);
    OK(gentrain_permute(&r, x, perm, 2));
    gentrain_tensor_free(r);
    OK(gentrain_transpose(&r, x, 0, 1));
    gentrain_tensor_free(r);
    OK(gentrain_expand(&r, x, sizes, 3));
    gentrain_tensor_free(r);
    OK(gentrain_unsqueeze(&r, x, 0));
    gentrain_tensor *sq = NULL, *sq2 = NULL;
    OK(gentrain_squeeze(&sq, r, (int64_t[]){0}, 1));
    size_t sq_ndim = 0;
    OK(gentrain_tensor_ndim(&sq_ndim, sq));
    EXPECT(sq_ndim == 2);
    OK(gentrain_unsqueeze(&sq2, sq, -1));   /* [2, 3, 1], then [1, 2, 3, 1]: squeezing every size-1 dim gives [2, 3] */
    gentrain_tensor_free(sq);
    OK(gentrain_unsqueeze(&sq, sq2, 0));
    gentrain_tensor_free(sq2);
    OK(gentrain_squeeze(&sq2, sq, NULL, 0));
    OK(gentrain_tensor_ndim(&sq_ndim, sq2));
    EXPECT(sq_ndim == 2);
    gentrain_tensor_free(sq2);
    OK(gentrain_squeeze(&sq2, sq, (int64_t[]){0, -1, 1}, 3));   /* dim 1 (size 2) stays */
    OK(gentrain_tensor_ndim(&sq_ndim, sq2));
    EXPECT(sq_ndim == 2);
    gentrain_tensor_free(sq2);
    FAILS(gentrain_squeeze(&sq2, sq, (int64_t[]){0, 0}, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "multiple times");
    gentrain_tensor_free(sq);
    gentrain_tensor_free(r);
    OK(gentrain_slice(&r, x, 1, 0, 3, 2));
    gentrain_tensor_free(r);
    FAILS(gentrain_slice(&r, x, 1, 0, 3, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "step must be positive");
    OK(gentrain_narrow(&r, x, 1, 1, 2));
    gentrain_tensor_free(r);
    FAILS(gentrain_narrow(&r, x, 1, 2, 2), GENTRAIN_ERR_INDEX, "exceeds dimension size");
    OK(gentrain_select(&r, x, 0, 1));
    gentrain_tensor_free(r);
    FAILS(gentrain_select(&r, x, 0, 2), GENTRAIN_ERR_INDEX, "out of bounds");

    gentrain_tensor *pair[2] = {x, x};
    OK(gentrain_cat(&r, pair, 2, 0));
    gentrain_tensor_free(r);
    OK(gentrain_stack(&r, pair, 2, 0));
    gentrain_tensor_free(r);
    FAILS(gentrain_cat(&r, NULL, 2, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "tensors is NULL");
    FAILS(gentrain_cat(&r, pair, 0, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "non-empty");

    gentrain_tensor *pieces[4] = {NULL};
    size_t count = 0;
    FAILS(gentrain_split(pieces, 1, &count, x, 1, 1), GENTRAIN_ERR_INVALID_ARGUMENT, "outs holds 1");
    EXPECT(count == 3);
    OK(gentrain_split(pieces, 4, &count, x, 2, 1));
    EXPECT(count == 2);
    for (size_t i = 0; i < count; i++) gentrain_tensor_free(pieces[i]);
    OK(gentrain_chunk(pieces, 4, &count, x, 2, 0));
    EXPECT(count == 2);
    for (size_t i = 0; i < count; i++) gentrain_tensor_free(pieces[i]);

    int64_t iv[2] = {2, 0}, ishape[1] = {2}, gshape[2] = {2, 1}, oob[2] = {3, 0};
    gentrain_tensor *index = NULL, *gindex = NULL, *bad = NULL, *src = NULL;
    OK(gentrain_tensor_from_data(&index, iv, sizeof iv, GENTRAIN_INT64, ishape, 1));
    OK(gentrain_tensor_from_data(&gindex, iv, sizeof iv, GENTRAIN_INT64, gshape, 2));
    OK(gentrain_tensor_from_data(&bad, oob, sizeof oob, GENTRAIN_INT64, ishape, 1));
    OK(gentrain_index_select(&r, x, 1, index));
    gentrain_tensor_free(r);
    FAILS(gentrain_index_select(&r, x, 1, bad), GENTRAIN_ERR_INDEX, "index 3 is out of bounds for dimension with size 3");
    gentrain_tensor *float_index = NULL;
    OK(gentrain_to_dtype(&float_index, index, GENTRAIN_FLOAT32));
    FAILS(gentrain_index_select(&r, x, 1, float_index), GENTRAIN_ERR_DTYPE, "index tensor");
    gentrain_tensor_free(float_index);
    OK(gentrain_gather(&r, x, 1, gindex));
    float gathered[2];
    OK(gentrain_tensor_copy_to(gathered, sizeof gathered, GENTRAIN_FLOAT32, r));
    EXPECT(gathered[0] == 3 && gathered[1] == 4);
    OK(gentrain_tensor_ones(&src, gshape, 2, GENTRAIN_FLOAT32));
    gentrain_tensor *sa = NULL;
    OK(gentrain_scatter_add(&sa, x, 1, gindex, src));
    gentrain_tensor_free(sa);
    gentrain_tensor_free(r);
    int64_t sshape[2] = {2, 2};
    gentrain_tensor *isrc = NULL;
    OK(gentrain_tensor_ones(&isrc, sshape, 2, GENTRAIN_FLOAT32));
    OK(gentrain_index_add(&r, x, 1, index, isrc));
    gentrain_tensor_free(r);
    FAILS(gentrain_index_add(&r, x, 1, index, src), GENTRAIN_ERR_SHAPE, "does not match");
    gentrain_tensor *weight = NULL;
    int64_t wshape[2] = {3, 4};
    OK(gentrain_tensor_randn(&weight, wshape, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_embedding(&r, gindex, weight, NULL));
    int64_t edims[3];
    OK(gentrain_tensor_shape(edims, 3, r));
    EXPECT(edims[0] == 2 && edims[1] == 1 && edims[2] == 4);
    gentrain_tensor_free(r);
    FAILS(gentrain_embedding(&r, bad, weight, NULL), GENTRAIN_ERR_INDEX, "out of bounds");
    OK(gentrain_softmax(&r, x, 1));
    gentrain_tensor_free(r);
    OK(gentrain_log_softmax(&r, x, 0));
    gentrain_tensor_free(r);
    OK(gentrain_dropout(&r, x, 0.5, true));
    gentrain_tensor_free(r);
    FAILS(gentrain_dropout(&r, x, 1.5, true), GENTRAIN_ERR_INVALID_ARGUMENT, "between 0 and 1");
    FAILS(gentrain_linear(&r, x, weight, NULL), GENTRAIN_ERR_SHAPE, "cannot be multiplied");
    gentrain_tensor_free(weight);
    gentrain_tensor_free(isrc);
    gentrain_tensor_free(src);
    gentrain_tensor_free(bad);
    gentrain_tensor_free(gindex);
    gentrain_tensor_free(index);
    gentrain_tensor_free(x);
}

static void test_autograd(void) {
    float v[3] = {1, 2, 3};
    int64_t shape[1] = {3};
    gentrain_tensor *x = from_floats(v, shape, 1), *y = NULL, *s = NULL, *g = NULL;
    bool flag = true;
    OK(gentrain_tensor_requires_grad(&flag, x));
    EXPECT(!flag);
    OK(gentrain_tensor_set_requires_grad(x, true));
    OK(gentrain_mul(&y, x, x));
    OK(gentrain_tensor_is_leaf(&flag, y));
    EXPECT(!flag);
    FAILS(gentrain_tensor_set_requires_grad(y, false), GENTRAIN_ERR_AUTOGRAD, "leaf");
    FAILS(gentrain_backward(y, NULL, false, false), GENTRAIN_ERR_AUTOGRAD, "scalar outputs");
    OK(gentrain_sum(&s, y, NULL, 0, false));

    gentrain_tensor *outs[1] = {s}, *ins[1] = {x};
    gentrain_tensor *results[1] = {NULL};
    OK(gentrain_autograd_grad(results, outs, 1, ins, 1, NULL, true, true, false));
    float gv[3];
    OK(gentrain_tensor_copy_to(gv, sizeof gv, GENTRAIN_FLOAT32, results[0]));
    EXPECT(gv[0] == 2 && gv[2] == 6);
    /* Second order through the gradient: d/dx sum(2x * 2x) = 8x */
    gentrain_tensor *gg = NULL, *gs = NULL;
    OK(gentrain_mul(&gg, results[0], results[0]));
    OK(gentrain_sum(&gs, gg, NULL, 0, false));
    OK(gentrain_backward(gs, NULL, false, false));
    OK(gentrain_tensor_grad(&g, x));
    OK(gentrain_tensor_copy_to(gv, sizeof gv, GENTRAIN_FLOAT32, g));
    EXPECT(gv[0] == 8 && gv[2] == 24);
    gentrain_tensor_free(g);
    OK(gentrain_tensor_set_grad(x, NULL));
    OK(gentrain_tensor_grad(&g, x));
    EXPECT(g == NULL);

    OK(gentrain_backward(s, NULL, false, false));
    FAILS(gentrain_backward(s, NULL, false, false), GENTRAIN_ERR_AUTOGRAD, "second time");
    OK(gentrain_tensor_grad(&g, x));
    FAILS(gentrain_tensor_set_grad(x, s), GENTRAIN_ERR_SHAPE, "assigned grad");
    OK(gentrain_tensor_set_grad(x, g));
    gentrain_tensor_free(g);

    gentrain_tensor *z = NULL, *unused = from_floats(v, shape, 1);
    OK(gentrain_tensor_set_requires_grad(unused, true));
    OK(gentrain_mul_scalar(&z, x, 3));
    gentrain_tensor *zs = NULL;
    OK(gentrain_sum(&zs, z, NULL, 0, false));
    gentrain_tensor *zo[1] = {zs}, *both[2] = {x, unused};
    gentrain_tensor *two[2] = {NULL, NULL};
    FAILS(gentrain_autograd_grad(two, zo, 1, both, 2, NULL, true, false, false), GENTRAIN_ERR_AUTOGRAD, "not used");
    OK(gentrain_autograd_grad(two, zo, 1, both, 2, NULL, false, false, true));
    EXPECT(two[0] != NULL && two[1] == NULL);
    gentrain_tensor_free(two[0]);
    FAILS(gentrain_autograd_grad(NULL, zo, 1, both, 2, NULL, false, false, true), GENTRAIN_ERR_INVALID_ARGUMENT, "results");

    gentrain_tensor *d = NULL;
    OK(gentrain_tensor_detach(&d, y));
    OK(gentrain_tensor_requires_grad(&flag, d));
    EXPECT(!flag);
    gentrain_tensor_free(d);
    int64_t ishape[1] = {1};
    int64_t iv[1] = {1};
    gentrain_tensor *ints = NULL;
    OK(gentrain_tensor_from_data(&ints, iv, sizeof iv, GENTRAIN_INT64, ishape, 1));
    FAILS(gentrain_tensor_set_requires_grad(ints, true), GENTRAIN_ERR_DTYPE, "floating point");
    gentrain_tensor_free(ints);

    gentrain_tensor_free(zs);
    gentrain_tensor_free(z);
    gentrain_tensor_free(unused);
    gentrain_tensor_free(gs);
    gentrain_tensor_free(gg);
    gentrain_tensor_free(results[0]);
    gentrain_tensor_free(s);
    gentrain_tensor_free(y);
    gentrain_tensor_free(x);
}

static void test_modules_losses_optimizers(void) {
    gentrain_manual_seed(0);
    gentrain_module *layers[3], *model = NULL;
    OK(gentrain_module_linear_new(&layers[0], 4, 8, true));
    OK(gentrain_module_relu_new(&layers[1]));
    OK(gentrain_module_linear_new(&layers[2], 8, 3, false));
    FAILS(gentrain_module_linear_new(&model, -1, 3, true), GENTRAIN_ERR_INVALID_ARGUMENT, "in_features");
    OK(gentrain_module_sequential_new(&model, layers, 3));
    FAILS(gentrain_module_sequential_new(&model, NULL, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "modules is NULL");
    EXPECT(model == NULL);
    OK(gentrain_module_sequential_new(&model, layers, 3));
    for (int i = 0; i < 3; i++) gentrain_module_free(layers[i]);
    size_t n = 0;
    OK(gentrain_module_parameter_count(&n, model));
    EXPECT(n == 3);
    gentrain_tensor *params[3];
    const char *names[3];
    for (size_t i = 0; i < n; i++) OK(gentrain_module_parameter(&params[i], &names[i], model, i));
    EXPECT(strcmp(names[0], "0.weight") == 0 && strcmp(names[1], "0.bias") == 0 && strcmp(names[2], "2.weight") == 0);
    gentrain_tensor *extra = NULL;
    FAILS(gentrain_module_parameter(&extra, NULL, model, 3), GENTRAIN_ERR_INDEX, "out of range");
    OK(gentrain_module_train(model, false));
    OK(gentrain_module_train(model, true));

    int64_t xs[2] = {5, 4}, ys[1] = {5};
    int64_t labels[5] = {0, 1, 2, -100, 1};
    gentrain_tensor *x = NULL, *y = NULL, *logits = NULL, *loss = NULL;
    OK(gentrain_tensor_randn(&x, xs, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_from_data(&y, labels, sizeof labels, GENTRAIN_INT64, ys, 1));
    OK(gentrain_module_forward(&logits, model, x));
    FAILS(gentrain_module_forward(&loss, model, y), GENTRAIN_ERR_SHAPE, "cannot be multiplied");

    gentrain_cross_entropy_options ce;
    gentrain_cross_entropy_options_default(&ce);
    EXPECT(ce.ignore_index == -100 && ce.reduction == GENTRAIN_REDUCTION_MEAN && ce.label_smoothing == 0);
    ce.reduction = GENTRAIN_REDUCTION_SUM;
    gentrain_tensor *summed = NULL;
    OK(gentrain_cross_entropy(&summed, logits, y, &ce));
    OK(gentrain_cross_entropy(&loss, logits, y, NULL));
    EXPECT(close_to(item(summed), 4 * item(loss)));
    gentrain_tensor_free(summed);
    ce.reduction = (gentrain_reduction)7;
    FAILS(gentrain_cross_entropy(&summed, logits, y, &ce), GENTRAIN_ERR_INVALID_ARGUMENT, "reduction");
    ce.struct_size = 0;
    FAILS(gentrain_cross_entropy(&summed, logits, y, &ce), GENTRAIN_ERR_INVALID_ARGUMENT, "struct_size");
    FAILS(gentrain_cross_entropy(&summed, logits, x, NULL), GENTRAIN_ERR_SHAPE, "probability targets must have the input's shape");

    gentrain_sgd_options sgd;
    gentrain_sgd_options_default(&sgd);
    EXPECT(sgd.lr == 1e-3 && sgd.momentum == 0);
    gentrain_optimizer *opt = NULL;
    sgd.nesterov = true;
    FAILS(gentrain_optim_sgd_new(&opt, params, n, &sgd), GENTRAIN_ERR_INVALID_ARGUMENT, "Nesterov");
    OK(gentrain_optim_sgd_new(&opt, params, n, NULL));
    gentrain_optim_free(opt);
    gentrain_adam_options adam;
    gentrain_adam_options_default(&adam);
    EXPECT(adam.beta2 == 0.999 && adam.eps == 1e-8);
    adam.lr = 0.05;
    OK(gentrain_optim_adam_new(&opt, params, n, &adam));
    gentrain_optimizer *refused = NULL;
    FAILS(gentrain_optim_adam_new(&refused, &logits, 1, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "non-leaf");
    EXPECT(refused == NULL);
    OK(gentrain_optim_adam_new(&refused, &x, 1, NULL));   /* a leaf without requires_grad: accepted, as PyTorch */
    OK(gentrain_optim_step(refused));                     /* no gradient: left alone */
    gentrain_optim_free(refused);
    double lr = 0;
    OK(gentrain_optim_get_lr(&lr, opt));
    EXPECT(lr == 0.05);
    FAILS(gentrain_optim_set_lr(opt, -1), GENTRAIN_ERR_INVALID_ARGUMENT, "learning rate");
    double first = item(loss), last = first;
    for (int step = 0; step < 30; step++) {
        gentrain_tensor *out = NULL, *l = NULL;
        OK(gentrain_optim_zero_grad(opt, true));
        OK(gentrain_module_forward(&out, model, x));
        OK(gentrain_cross_entropy(&l, out, y, NULL));
        OK(gentrain_backward(l, NULL, false, false));
        OK(gentrain_optim_step(opt));
        last = item(l);
        gentrain_tensor_free(out);
        gentrain_tensor_free(l);
    }
    EXPECT(last < 0.5 * first);
    OK(gentrain_module_zero_grad(model, false));
    OK(gentrain_optim_set_lr(opt, 0.01));
    gentrain_optim_free(opt);
    for (size_t i = 0; i < n; i++) gentrain_tensor_free(params[i]);
    gentrain_tensor_free(loss);
    gentrain_tensor_free(logits);
    gentrain_tensor_free(x);
    gentrain_tensor_free(y);
    gentrain_module_free(model);
}

static gentrain_status half_every_ten(double *factor, int64_t epoch, size_t group, void *user_data) {
    (void)group;
    *(int *)user_data += 1;
    *factor = epoch >= 10 ? 0.5 : 1.0;
    return GENTRAIN_OK;
}

static gentrain_status failing_lambda(double *factor, int64_t epoch, size_t group, void *user_data) {
    (void)factor, (void)group, (void)user_data;
    return epoch > 0 ? GENTRAIN_ERR_INVALID_ARGUMENT : (*factor = 1, GENTRAIN_OK);
}

static void count_destroy(void *user_data) { *((int *)user_data + 1) += 1; }

/* A one-element tensor that no parameter's state buffer can take. */
static gentrain_tensor *x_scalar_for_state(void) {
    static gentrain_tensor *t = NULL;
    if (!t) OK(gentrain_tensor_zeros(&t, NULL, 0, GENTRAIN_FLOAT64));
    return t;
}

static void test_optim_schedulers(void) {
    int64_t shape[1] = {2};
    gentrain_tensor *w = NULL, *v = NULL;
    OK(gentrain_tensor_ones(&w, shape, 1, GENTRAIN_FLOAT64));
    OK(gentrain_tensor_ones(&v, shape, 1, GENTRAIN_FLOAT64));
    OK(gentrain_tensor_set_requires_grad(w, true));
    OK(gentrain_tensor_set_requires_grad(v, true));
    const char *names[3] = {"lr", "momentum", "nesterov"};
    double values[3] = {0.1, 0.9, 1};
    gentrain_optimizer *opt = NULL;
    FAILS(gentrain_optim_new(&opt, "Adamax", &w, 1, NULL, NULL, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "unknown optimizer");
    const char *bad_name[1] = {"betas"};
    FAILS(gentrain_optim_new(&opt, "SGD", &w, 1, bad_name, values, 1), GENTRAIN_ERR_INVALID_ARGUMENT, "no option 'betas'");
    double bad_value[1] = {-1};
    FAILS(gentrain_optim_new(&opt, "SGD", &w, 1, names, bad_value, 1), GENTRAIN_ERR_INVALID_ARGUMENT, "Invalid learning rate");
    OK(gentrain_optim_new(&opt, "SGD", &w, 1, names, values, 3));
    const char *group_names[1] = {"lr"};
    double group_values[1] = {0.3};
    OK(gentrain_optim_add_param_group(opt, &v, 1, group_names, group_values, 1));
    FAILS(gentrain_optim_add_param_group(opt, &v, 1, NULL, NULL, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "more than one parameter group");
    size_t groups = 0;
    OK(gentrain_optim_group_count(&groups, opt));
    EXPECT(groups == 2);
    double option = 0;
    OK(gentrain_optim_get_option(&option, opt, 1, "momentum"));
    EXPECT(option == 0.9);   /* the constructor's options are the later groups' defaults */
    FAILS(gentrain_optim_get_option(&option, opt, 2, "lr"), GENTRAIN_ERR_INDEX, "out of range");
    FAILS(gentrain_optim_get_option(&option, opt, 0, "beta1"), GENTRAIN_ERR_INVALID_ARGUMENT, "no option");
    FAILS(gentrain_optim_set_option(opt, 0, "momentum", -1), GENTRAIN_ERR_INVALID_ARGUMENT, "momentum");
    OK(gentrain_optim_set_option(opt, 0, "dampening", 0));

    gentrain_scheduler *warmup = NULL, *decay = NULL, *seq = NULL, *s = NULL;
    OK(gentrain_scheduler_linear_new(&warmup, opt, 0.5, 1.0, 4));
    OK(gentrain_scheduler_exponential_new(&decay, opt, 0.5));
    gentrain_scheduler *parts[2] = {warmup, decay};
    int64_t milestones[1] = {4};
    FAILS(gentrain_scheduler_sequential_new(&seq, opt, parts, 2, milestones, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "milestone");
    OK(gentrain_scheduler_sequential_new(&seq, opt, parts, 2, milestones, 1));
    gentrain_scheduler_free(warmup);
    gentrain_scheduler_free(decay);
    double lrs[2];
    size_t count = 0;
    OK(gentrain_scheduler_get_last_lr(lrs, 2, &count, seq));
    EXPECT(count == 2 && close_to(lrs[0], 0.05) && close_to(lrs[1], 0.15));
    FAILS(gentrain_scheduler_get_last_lr(lrs, 1, &count, seq), GENTRAIN_ERR_INVALID_ARGUMENT, "holds 1");
    for (int i = 0; i < 5; i++) {
        gentrain_tensor *g = NULL;
        OK(gentrain_tensor_ones(&g, shape, 1, GENTRAIN_FLOAT64));
        OK(gentrain_tensor_set_grad(w, g));
        OK(gentrain_tensor_set_grad(v, g));
        gentrain_tensor_free(g);
        double norm = 0;
        OK(gentrain_clip_grad_norm(&norm, (gentrain_tensor *[]){w, v}, 2, 1.0, 2.0, true));
        EXPECT(close_to(norm, 2.0));
        OK(gentrain_clip_grad_value((gentrain_tensor *[]){w, v}, 2, 0.1));
        OK(gentrain_optim_step(opt));
        OK(gentrain_scheduler_step(seq));
    }
    OK(gentrain_scheduler_get_last_lr(lrs, 2, &count, seq));
    EXPECT(close_to(lrs[0], 0.05));   /* warm-up done at 4, then one decay step: 0.1 * 0.5 */
    FAILS(gentrain_clip_grad_norm(NULL, &w, 1, 1.0, -2, false), GENTRAIN_ERR_INVALID_ARGUMENT, "norm_type");
    FAILS(gentrain_scheduler_step_metric(seq, 1.0), GENTRAIN_ERR_INVALID_ARGUMENT, "only ReduceLROnPlateau");
    gentrain_scheduler_free(seq);

    OK(gentrain_scheduler_step_lr_new(&s, opt, 2, 0.5));
    OK(gentrain_scheduler_step_epoch(s, 4));
    OK(gentrain_optim_get_option(&option, opt, 0, "lr"));
    EXPECT(close_to(option, 0.1 * 0.25));
    FAILS(gentrain_scheduler_step_epoch(s, 1.5), GENTRAIN_ERR_INVALID_ARGUMENT, "whole number");
    gentrain_scheduler_free(s);
    FAILS(gentrain_scheduler_step_lr_new(&s, opt, 0, 0.5), GENTRAIN_ERR_INVALID_ARGUMENT, "step_size");
    int64_t marks[2] = {1, 3};
    OK(gentrain_scheduler_multistep_new(&s, opt, marks, 2, 0.1));
    gentrain_scheduler_free(s);
    OK(gentrain_scheduler_cosine_new(&s, opt, 10, 0.0));
    gentrain_scheduler_free(s);
    OK(gentrain_scheduler_cosine_warm_restarts_new(&s, opt, 2, 2, 0.0));
    OK(gentrain_scheduler_step_epoch(s, 2.5));   /* fractional epochs */
    gentrain_scheduler_free(s);
    FAILS(gentrain_scheduler_cosine_warm_restarts_new(&s, opt, 2, 0, 0.0), GENTRAIN_ERR_INVALID_ARGUMENT, "T_mult");

    int counters[2] = {0, 0};   /* calls, destructions */
    OK(gentrain_scheduler_lambda_new(&s, opt, half_every_ten, counters, count_destroy));
    for (int i = 0; i < 10; i++) OK(gentrain_scheduler_step(s));
    OK(gentrain_scheduler_get_last_lr(lrs, 2, &count, s));
    EXPECT(counters[0] == 22 && counters[1] == 0);
    gentrain_scheduler_free(s);
    EXPECT(counters[1] == 1);
    FAILS(gentrain_scheduler_lambda_new(&s, NULL, half_every_ten, counters, count_destroy), GENTRAIN_ERR_INVALID_HANDLE, "optimizer");
    EXPECT(counters[1] == 2);   /* a failed creation releases the user data too */
    OK(gentrain_scheduler_lambda_new(&s, opt, failing_lambda, NULL, NULL));
    FAILS(gentrain_scheduler_step(s), GENTRAIN_ERR_CALLBACK_FAILED, "lr_lambda callback failed");
    gentrain_scheduler_free(s);

    gentrain_one_cycle_options cycle;
    gentrain_one_cycle_options_default(&cycle);
    FAILS(gentrain_scheduler_one_cycle_new(&s, opt, &cycle), GENTRAIN_ERR_INVALID_ARGUMENT, "max_lr");
    cycle.max_lr = 1.0;
    cycle.total_steps = 3;
    OK(gentrain_scheduler_one_cycle_new(&s, opt, &cycle));
    for (int i = 0; i < 3; i++) OK(gentrain_scheduler_step(s));
    FAILS(gentrain_scheduler_step(s), GENTRAIN_ERR_INVALID_ARGUMENT, "total steps");
    gentrain_scheduler_free(s);
    double peaks[2] = {1.0, 2.0};
    cycle.max_lrs = peaks;
    cycle.n_max_lrs = 1;
    FAILS(gentrain_scheduler_one_cycle_new(&s, opt, &cycle), GENTRAIN_ERR_INVALID_ARGUMENT, "max_lrs holds 1");
    cycle.n_max_lrs = 2;
    cycle.total_steps = 100;   /* the warm-up phase starts at max_lr / div_factor */
    OK(gentrain_scheduler_one_cycle_new(&s, opt, &cycle));
    OK(gentrain_scheduler_get_last_lr(lrs, 2, &count, s));
    EXPECT(close_to(lrs[1], 2.0 / 25));
    gentrain_scheduler_free(s);

    /* State dicts: read an entry, write it back changed, and see it. */
    size_t n_state = 0, n_entries = 0, param_index = 99;
    OK(gentrain_optim_state_count(&n_state, opt));
    EXPECT(n_state == 4);   /* two parameters: step and momentum_buffer each */
    gentrain_tensor *entry = NULL;
    const char *entry_name = NULL;
    OK(gentrain_optim_state_get(&entry, &param_index, &entry_name, opt, 0));
    EXPECT(param_index == 0 && strcmp(entry_name, "step") == 0);
    gentrain_tensor_free(entry);
    OK(gentrain_optim_state_get(&entry, &param_index, &entry_name, opt, 1));
    EXPECT(param_index == 0 && strcmp(entry_name, "momentum_buffer") == 0);
    OK(gentrain_optim_state_set(opt, 1, "momentum_buffer", entry));
    FAILS(gentrain_optim_state_set(opt, 1, "momentum_buffer", x_scalar_for_state()), GENTRAIN_ERR_SHAPE, "has shape");
    FAILS(gentrain_optim_state_set(opt, 5, "step", entry), GENTRAIN_ERR_INDEX, "out of range");
    FAILS(gentrain_optim_state_get(&entry, NULL, NULL, opt, 9), GENTRAIN_ERR_INDEX, "out of range");
    gentrain_tensor_free(entry);
    gentrain_scheduler *expo = NULL;
    OK(gentrain_scheduler_exponential_new(&expo, opt, 0.5));
    OK(gentrain_scheduler_state_count(&n_entries, expo));
    EXPECT(n_entries == 5);   /* _last_lr, _step_count, base_lrs, gamma, last_epoch */
    const char *key = NULL;
    double state_values[4];
    size_t n_values = 0;
    OK(gentrain_scheduler_state_get(&key, state_values, 4, &n_values, expo, 3));
    EXPECT(strcmp(key, "gamma") == 0 && n_values == 1 && state_values[0] == 0.5);
    double new_gamma = 0.25;
    OK(gentrain_scheduler_state_set(expo, "gamma", &new_gamma, 1));
    OK(gentrain_scheduler_state_get(&key, state_values, 4, &n_values, expo, 3));
    EXPECT(state_values[0] == 0.25);
    FAILS(gentrain_scheduler_state_set(expo, "base_lrs", &new_gamma, 1), GENTRAIN_ERR_INVALID_ARGUMENT, "must hold 2 values");
    FAILS(gentrain_scheduler_state_get(&key, state_values, 0, &n_values, expo, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "holds 0");
    gentrain_scheduler_free(expo);

    gentrain_plateau_options plateau;
    gentrain_plateau_options_default(&plateau);
    plateau.patience = 0;
    plateau.factor = 0.5;
    OK(gentrain_scheduler_plateau_new(&s, opt, &plateau));
    OK(gentrain_optim_set_option(opt, 0, "lr", 1.0));
    OK(gentrain_scheduler_step_metric(s, 1.0));
    OK(gentrain_scheduler_step_metric(s, 2.0));   /* worse: halve */
    OK(gentrain_scheduler_get_last_lr(lrs, 2, &count, s));
    EXPECT(lrs[0] == 0.5);
    FAILS(gentrain_scheduler_step(s), GENTRAIN_ERR_INVALID_ARGUMENT, "metric");
    FAILS(gentrain_scheduler_step_epoch(s, 1), GENTRAIN_ERR_INVALID_ARGUMENT, "metric");
    gentrain_scheduler_free(s);
    gentrain_scheduler_free(NULL);
    FAILS(gentrain_scheduler_step((gentrain_scheduler *)opt), GENTRAIN_ERR_INVALID_HANDLE, "expected a scheduler handle");

    gentrain_optim_free(opt);
    gentrain_tensor_free(w);
    gentrain_tensor_free(v);
    gentrain_tensor_free(x_scalar_for_state());
}

static void test_checkpoint(void) {
    gentrain_manual_seed(5);
    gentrain_module *fc = NULL;
    OK(gentrain_module_linear_new(&fc, 3, 2, true));
    gentrain_tensor *params[2];
    OK(gentrain_module_parameter(&params[0], NULL, fc, 0));
    OK(gentrain_module_parameter(&params[1], NULL, fc, 1));
    gentrain_optimizer *opt = NULL;
    OK(gentrain_optim_new(&opt, "AdamW", params, 2, NULL, NULL, 0));
    gentrain_scheduler *sched = NULL;
    OK(gentrain_scheduler_cosine_new(&sched, opt, 10, 0.0));
    gentrain_checkpoint *ck = NULL;
    OK(gentrain_checkpoint_new(&ck));
    FAILS(gentrain_checkpoint_add_optimizer(ck, opt), GENTRAIN_ERR_INVALID_ARGUMENT, "register the optimizer's parameters");
    OK(gentrain_checkpoint_add_module(ck, "fc.", fc));
    FAILS(gentrain_checkpoint_add_tensor(ck, "fc.weight", params[0]), GENTRAIN_ERR_INVALID_ARGUMENT, "already registered");
    OK(gentrain_checkpoint_add_optimizer(ck, opt));
    OK(gentrain_checkpoint_add_scheduler(ck, sched));
    OK(gentrain_checkpoint_set_counters(ck, 7, 2));
    OK(gentrain_checkpoint_set_metadata(ck, "note", "first"));

    int64_t xs[2] = {4, 3}, ys[1] = {4};
    int64_t labels[4] = {0, 1, 1, 0};
    gentrain_tensor *x = NULL, *y = NULL;
    OK(gentrain_tensor_randn(&x, xs, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_from_data(&y, labels, sizeof labels, GENTRAIN_INT64, ys, 1));
    for (int i = 0; i < 2; i++) {
        gentrain_tensor *out = NULL, *loss = NULL;
        OK(gentrain_module_forward(&out, fc, x));
        OK(gentrain_cross_entropy(&loss, out, y, NULL));
        OK(gentrain_backward(loss, NULL, false, false));
        OK(gentrain_optim_step(opt));
        OK(gentrain_scheduler_step(sched));
        gentrain_tensor_free(out);
        gentrain_tensor_free(loss);
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/gentrain-capi-%d.ckpt", (int)getpid());
    OK(gentrain_checkpoint_save(ck, path));
    float saved[6], now[6];
    OK(gentrain_tensor_copy_to(saved, sizeof saved, GENTRAIN_FLOAT32, params[0]));

    /* Change everything, then restore it. */
    gentrain_tensor *out = NULL, *loss = NULL;
    OK(gentrain_module_forward(&out, fc, x));
    OK(gentrain_cross_entropy(&loss, out, y, NULL));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_optim_step(opt));
    gentrain_tensor_free(out);
    gentrain_tensor_free(loss);
    OK(gentrain_checkpoint_set_counters(ck, 0, 0));
    OK(gentrain_checkpoint_set_metadata(ck, "note", "changed"));
    OK(gentrain_checkpoint_load(ck, path));
    OK(gentrain_tensor_copy_to(now, sizeof now, GENTRAIN_FLOAT32, params[0]));
    EXPECT(memcmp(saved, now, sizeof saved) == 0);
    int64_t step = 0, epoch = 0;
    OK(gentrain_checkpoint_get_counters(&step, &epoch, ck));
    EXPECT(step == 7 && epoch == 2);
    const char *note = NULL;
    OK(gentrain_checkpoint_get_metadata(&note, ck, "note"));
    EXPECT(note && strcmp(note, "first") == 0);
    OK(gentrain_checkpoint_get_metadata(&note, ck, "absent"));
    EXPECT(note == NULL);

    /* A checkpoint of another shape is refused and changes nothing. */
    gentrain_module *other = NULL;
    gentrain_checkpoint *ck2 = NULL;
    OK(gentrain_module_linear_new(&other, 3, 5, true));
    OK(gentrain_checkpoint_new(&ck2));
    OK(gentrain_checkpoint_add_module(ck2, "fc.", other));
    FAILS(gentrain_checkpoint_load(ck2, path), GENTRAIN_ERR_INVALID_ARGUMENT, "'fc.weight': shape [2, 3] in the file, [5, 3] in the model");
    FAILS(gentrain_checkpoint_load(ck2, "/nonexistent/x.ckpt"), GENTRAIN_ERR_IO, "cannot open");
    FAILS(gentrain_checkpoint_save(ck2, "/nonexistent/x.ckpt"), GENTRAIN_ERR_IO, "cannot create");
    FAILS(gentrain_checkpoint_save(ck2, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "path is NULL");
    gentrain_checkpoint_free(ck2);
    gentrain_module_free(other);
    remove(path);

    gentrain_checkpoint_free(ck);
    gentrain_checkpoint_free(NULL);
    gentrain_scheduler_free(sched);
    gentrain_optim_free(opt);
    gentrain_tensor_free(params[0]);
    gentrain_tensor_free(params[1]);
    gentrain_tensor_free(x);
    gentrain_tensor_free(y);
    gentrain_module_free(fc);
}

/* A custom cube op: forward x³, backward 3x²·g written with gentrain ops (so it is
 * differentiable in turn). user_data counts calls; destroy counts releases. */
static gentrain_status cube_forward(gentrain_tensor **output, const gentrain_tensor *const *inputs, size_t n,
                                    void *user_data) {
    ((int *)user_data)[0] += 1;
    if (n != 1) return GENTRAIN_ERR_INVALID_ARGUMENT;
    return gentrain_pow_scalar(output, inputs[0], 3);
}

static gentrain_status cube_backward(gentrain_tensor **grads, const gentrain_tensor *grad, const gentrain_tensor *const *inputs,
                                     size_t n, const gentrain_tensor *output, void *user_data) {
    (void)n, (void)output;
    ((int *)user_data)[1] += 1;
    gentrain_tensor *sq = NULL, *scaled = NULL;
    gentrain_status s = gentrain_pow_scalar(&sq, inputs[0], 2);
    if (s == GENTRAIN_OK) s = gentrain_mul_scalar(&scaled, sq, 3);
    if (s == GENTRAIN_OK) s = gentrain_mul(&grads[0], scaled, grad);
    gentrain_tensor_free(sq);
    gentrain_tensor_free(scaled);
    return s;
}

static gentrain_status failing_forward(gentrain_tensor **output, const gentrain_tensor *const *inputs, size_t n, void *user_data) {
    (void)output, (void)n, (void)user_data;
    gentrain_tensor *bad = NULL;
    int64_t wrong[1] = {7};
    return gentrain_reshape(&bad, inputs[0], wrong, 1);   /* fails: 3 elements are not 7 */
}

static gentrain_status wrong_shape_backward(gentrain_tensor **grads, const gentrain_tensor *grad, const gentrain_tensor *const *inputs,
                                            size_t n, const gentrain_tensor *output, void *user_data) {
    (void)grad, (void)inputs, (void)n, (void)output, (void)user_data;
    int64_t shape[1] = {5};
    return gentrain_tensor_zeros(&grads[0], shape, 1, GENTRAIN_FLOAT64);
}

static void count_release_pair(void *user_data) { ((int *)user_data)[2] += 1; }

static void test_custom_op(void) {
    int calls[3] = {0, 0, 0};
    double xv[3] = {1, -2, 0.5};
    int64_t shape[1] = {3};
    gentrain_tensor *x = NULL, *y = NULL, *s = NULL;
    OK(gentrain_tensor_from_data(&x, xv, sizeof xv, GENTRAIN_FLOAT64, shape, 1));
    OK(gentrain_tensor_set_requires_grad(x, true));
    gentrain_tensor *ins[1] = {x};
    OK(gentrain_custom_op(&y, "cube", ins, 1, cube_forward, cube_backward, calls, count_release_pair));
    OK(gentrain_sum(&s, y, NULL, 0, false));
    EXPECT(item(s) == 1 - 8 + 0.125);
    /* First order through the callback, with a graph: d/dx Σx³ = 3x². */
    gentrain_tensor *outs[1] = {s};
    gentrain_tensor *g[1] = {NULL};
    OK(gentrain_autograd_grad(g, outs, 1, ins, 1, NULL, true, true, false));
    double gv[3];
    OK(gentrain_tensor_copy_to(gv, sizeof gv, GENTRAIN_FLOAT64, g[0]));
    EXPECT(gv[0] == 3 && gv[1] == 12 && gv[2] == 0.75);
    /* Second order: d/dx Σ3x² = 6x. */
    gentrain_tensor *gs = NULL;
    OK(gentrain_sum(&gs, g[0], NULL, 0, false));
    OK(gentrain_backward(gs, NULL, false, false));
    gentrain_tensor *xg = NULL;
    OK(gentrain_tensor_grad(&xg, x));
    OK(gentrain_tensor_copy_to(gv, sizeof gv, GENTRAIN_FLOAT64, xg));
    EXPECT(gv[0] == 6 && gv[1] == -12 && gv[2] == 3);
    EXPECT(calls[0] == 1 && calls[1] == 1 && calls[2] == 0);
    gentrain_tensor_free(xg);
    gentrain_tensor_free(gs);
    gentrain_tensor_free(g[0]);
    gentrain_tensor_free(s);
    gentrain_tensor_free(y);
    EXPECT(calls[2] == 1);   /* the graph is gone: user data released once */

    FAILS(gentrain_custom_op(&y, "broken", ins, 1, failing_forward, cube_backward, calls, count_release_pair),
          GENTRAIN_ERR_CALLBACK_FAILED, "custom op 'broken': the forward callback failed with GENTRAIN_ERR_SHAPE: gentrain_reshape");
    EXPECT(y == NULL && calls[2] == 2);
    FAILS(gentrain_custom_op(&y, "nothing", ins, 1, NULL, cube_backward, calls, count_release_pair),
          GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    EXPECT(calls[2] == 3);
    OK(gentrain_custom_op(&y, "bad_grad", ins, 1, cube_forward, wrong_shape_backward, calls, NULL));
    OK(gentrain_sum(&s, y, NULL, 0, false));
    FAILS(gentrain_backward(s, NULL, false, false), GENTRAIN_ERR_AUTOGRAD, "bad_grad: backward returned a gradient of shape [5] for input 0 of shape [3]");
    gentrain_tensor_free(s);
    gentrain_tensor_free(y);
    gentrain_tensor_free(x);
}

/* The value of the loss a call wrote to *t (read after the call: argument order is unspecified). */
static double loss_value(gentrain_status s, gentrain_tensor **t) {
    double v = NAN;
    checks++;
    if (s != GENTRAIN_OK) { failures++; fprintf(stderr, "loss failed: %s\n", gentrain_last_error()); return v; }
    v = item(*t);
    gentrain_tensor_free(*t);
    return v;
}

/* critic(x) = tanh(x @ [0.5, -1.5]^T) for x [N, 2]; user_data is the weight tensor. */
static gentrain_status tanh_critic(gentrain_tensor **output, const gentrain_tensor *input, void *user_data) {
    gentrain_tensor *h = NULL;
    gentrain_status s = gentrain_matmul(&h, input, (const gentrain_tensor *)user_data);
    if (s == GENTRAIN_OK) s = gentrain_tanh(output, h);
    gentrain_tensor_free(h);
    return s;
}

static gentrain_status failing_critic(gentrain_tensor **output, const gentrain_tensor *input, void *user_data) {
    (void)output, (void)input, (void)user_data;
    return GENTRAIN_ERR_UNSUPPORTED;
}

/* The seed's custom loss from C: mse_loss(pred, target) + alpha * norm(pred, 2). */
static gentrain_status regularized_mse(gentrain_tensor **out, const gentrain_tensor *pred, const gentrain_tensor *target,
                                       double alpha) {
    gentrain_tensor *mse = NULL, *norm = NULL, *scaled = NULL;
    gentrain_status s = gentrain_mse_loss(&mse, pred, target, GENTRAIN_REDUCTION_MEAN);
    if (s == GENTRAIN_OK) s = gentrain_norm(&norm, pred, 2, NULL, 0, false);
    if (s == GENTRAIN_OK) s = gentrain_mul_scalar(&scaled, norm, alpha);
    if (s == GENTRAIN_OK) s = gentrain_add(out, mse, scaled);
    gentrain_tensor_free(mse);
    gentrain_tensor_free(norm);
    gentrain_tensor_free(scaled);
    return s;
}

static void test_losses(void) {
    {
        double pv3[3] = {1, -2, 3}, tv3[3] = {0, 0, 1};
        int64_t s3[1] = {3};
        gentrain_tensor *pred = NULL, *target = NULL, *loss = NULL, *grad = NULL;
        OK(gentrain_tensor_from_data(&pred, pv3, sizeof pv3, GENTRAIN_FLOAT64, s3, 1));
        OK(gentrain_tensor_from_data(&target, tv3, sizeof tv3, GENTRAIN_FLOAT64, s3, 1));
        OK(gentrain_tensor_set_requires_grad(pred, true));
        OK(regularized_mse(&loss, pred, target, 0.5));
        EXPECT(close_to(item(loss), 3 + 0.5 * sqrt(14)));
        OK(gentrain_backward(loss, NULL, false, false));
        OK(gentrain_tensor_grad(&grad, pred));
        double gv[3];
        OK(gentrain_tensor_copy_to(gv, sizeof gv, GENTRAIN_FLOAT64, grad));
        EXPECT(close_to(gv[0], 2.0 / 3 + 0.5 / sqrt(14)) && close_to(gv[2], 4.0 / 3 + 1.5 / sqrt(14)));
        gentrain_tensor_free(grad);
        gentrain_tensor_free(loss);
        gentrain_tensor_free(pred);
        gentrain_tensor_free(target);
    }
    double pv[2] = {1, 2}, zv[2] = {0, 0}, probs[2] = {0.25, 0.75}, targets[2] = {0, 1};
    int64_t shape[1] = {2};
    gentrain_tensor *p = NULL, *z = NULL, *q = NULL, *t = NULL, *r = NULL;
    OK(gentrain_tensor_from_data(&p, pv, sizeof pv, GENTRAIN_FLOAT64, shape, 1));
    OK(gentrain_tensor_from_data(&z, zv, sizeof zv, GENTRAIN_FLOAT64, shape, 1));
    OK(gentrain_tensor_from_data(&q, probs, sizeof probs, GENTRAIN_FLOAT64, shape, 1));
    OK(gentrain_tensor_from_data(&t, targets, sizeof targets, GENTRAIN_FLOAT64, shape, 1));
    EXPECT(loss_value(gentrain_mse_loss(&r, p, z, GENTRAIN_REDUCTION_MEAN), &r) == 2.5);
    EXPECT(loss_value(gentrain_l1_loss(&r, p, z, GENTRAIN_REDUCTION_SUM), &r) == 3);
    EXPECT(loss_value(gentrain_smooth_l1_loss(&r, p, z, GENTRAIN_REDUCTION_MEAN, 1.0), &r) == 1.0);
    EXPECT(loss_value(gentrain_huber_loss(&r, p, z, GENTRAIN_REDUCTION_MEAN, 1.0), &r) == 1.0);
    EXPECT(close_to(loss_value(gentrain_binary_cross_entropy(&r, q, t, NULL, GENTRAIN_REDUCTION_MEAN), &r), -log(0.75)));
    EXPECT(close_to(loss_value(gentrain_binary_cross_entropy_with_logits(&r, z, t, NULL, GENTRAIN_REDUCTION_MEAN, NULL), &r), log(2.0)));
    EXPECT(close_to(loss_value(gentrain_binary_cross_entropy_with_logits(&r, z, t, q, GENTRAIN_REDUCTION_SUM, p), &r),
                    0.25 * log(2.0) + 0.75 * 2 * log(2.0)));
    FAILS(gentrain_mse_loss(&r, p, z, GENTRAIN_REDUCTION_BATCHMEAN), GENTRAIN_ERR_INVALID_ARGUMENT, "not one of NONE, MEAN, SUM");
    FAILS(gentrain_binary_cross_entropy(&r, q, p, NULL, 7), GENTRAIN_ERR_INVALID_ARGUMENT, "reduction 7");
    gentrain_tensor *logq = NULL;
    OK(gentrain_log(&logq, q));
    EXPECT(close_to(loss_value(gentrain_kl_div(&r, logq, q, GENTRAIN_REDUCTION_BATCHMEAN, false), &r), 0));
    EXPECT(close_to(loss_value(gentrain_kl_div(&r, logq, logq, GENTRAIN_REDUCTION_SUM, true), &r), 0));
    EXPECT(close_to(loss_value(gentrain_gaussian_nll_loss(&r, p, z, q, false, 1e-6, GENTRAIN_REDUCTION_SUM), &r),
                    0.5 * (log(0.25) + 1 / 0.25) + 0.5 * (log(0.75) + 4 / 0.75)));
    gentrain_tensor *negative = NULL;
    OK(gentrain_neg(&negative, q));
    FAILS(gentrain_gaussian_nll_loss(&r, p, z, negative, false, 1e-6, GENTRAIN_REDUCTION_SUM), GENTRAIN_ERR_INVALID_ARGUMENT, "negative");
    gentrain_tensor_free(negative);
    EXPECT(close_to(loss_value(gentrain_cosine_similarity(&r, p, q, 0, 1e-8), &r), (0.25 + 1.5) / (sqrt(5) * sqrt(0.625))));
    int64_t rows[2] = {1, 2};
    gentrain_tensor *a = NULL, *b = NULL, *y = NULL;
    OK(gentrain_reshape(&a, p, rows, 2));
    OK(gentrain_reshape(&b, q, rows, 2));
    double yv[1] = {-1};
    int64_t one[1] = {1};
    OK(gentrain_tensor_from_data(&y, yv, sizeof yv, GENTRAIN_FLOAT64, one, 1));
    double cosine = (0.25 + 1.5) / sqrt((5 + 1e-12) * (0.625 + 1e-12));
    EXPECT(close_to(loss_value(gentrain_cosine_embedding_loss(&r, a, b, y, 0.5, GENTRAIN_REDUCTION_MEAN), &r), cosine - 0.5));

    /* nll_loss takes the cross-entropy options; label smoothing is refused. */
    gentrain_tensor *logits = NULL, *logp = NULL, *cls = NULL;
    int64_t ls[2] = {2, 3}, cs[1] = {2}, cv[2] = {2, 0};
    OK(gentrain_tensor_randn(&logits, ls, 2, GENTRAIN_FLOAT64, NULL));
    OK(gentrain_log_softmax(&logp, logits, 1));
    OK(gentrain_tensor_from_data(&cls, cv, sizeof cv, GENTRAIN_INT64, cs, 1));
    double nll = loss_value(gentrain_nll_loss(&r, logp, cls, NULL), &r);
    EXPECT(close_to(nll, loss_value(gentrain_cross_entropy(&r, logits, cls, NULL), &r)));
    gentrain_cross_entropy_options ce;
    gentrain_cross_entropy_options_default(&ce);
    ce.label_smoothing = 0.1;
    FAILS(gentrain_nll_loss(&r, logp, cls, &ce), GENTRAIN_ERR_INVALID_ARGUMENT, "label_smoothing");

    /* VAE, GAN, REINFORCE. */
    EXPECT(loss_value(gentrain_vae_kl_divergence(&r, z, z, GENTRAIN_REDUCTION_SUM), &r) == 0);
    OK(gentrain_reparameterize(&r, z, z));
    gentrain_tensor_free(r);
    FAILS(gentrain_vae_kl_divergence(&r, z, a, GENTRAIN_REDUCTION_SUM), GENTRAIN_ERR_SHAPE, "differ");
    EXPECT(loss_value(gentrain_gan_loss(&r, GENTRAIN_GAN_WASSERSTEIN_CRITIC, p, z), &r) == -1.5);
    EXPECT(loss_value(gentrain_gan_loss(&r, GENTRAIN_GAN_WASSERSTEIN_GENERATOR, NULL, p), &r) == -1.5);
    EXPECT(close_to(loss_value(gentrain_gan_loss(&r, GENTRAIN_GAN_NONSATURATING_DISCRIMINATOR, z, z), &r), 2 * log(2.0)));
    EXPECT(close_to(loss_value(gentrain_gan_loss(&r, GENTRAIN_GAN_NONSATURATING_GENERATOR, NULL, z), &r), log(2.0)));
    EXPECT(loss_value(gentrain_gan_loss(&r, GENTRAIN_GAN_HINGE_DISCRIMINATOR, p, z), &r) == 0 + 1);
    EXPECT(loss_value(gentrain_gan_loss(&r, GENTRAIN_GAN_HINGE_GENERATOR, NULL, p), &r) == -1.5);
    FAILS(gentrain_gan_loss(&r, GENTRAIN_GAN_HINGE_DISCRIMINATOR, NULL, p), GENTRAIN_ERR_INVALID_HANDLE, "real is NULL");
    FAILS(gentrain_gan_loss(&r, (gentrain_gan_loss_kind)9, p, p), GENTRAIN_ERR_INVALID_ARGUMENT, "unknown GAN loss");

    double wv[2] = {0.5, -1.5};
    int64_t ws[2] = {2, 1}, xs[2] = {3, 2};
    gentrain_tensor *w = NULL, *real = NULL, *fake = NULL, *dw = NULL;
    OK(gentrain_tensor_from_data(&w, wv, sizeof wv, GENTRAIN_FLOAT64, ws, 2));
    OK(gentrain_tensor_set_requires_grad(w, true));
    OK(gentrain_tensor_randn(&real, xs, 2, GENTRAIN_FLOAT64, NULL));
    OK(gentrain_tensor_randn(&fake, xs, 2, GENTRAIN_FLOAT64, NULL));
    OK(gentrain_gradient_penalty(&r, tanh_critic, w, real, fake, 10));
    OK(gentrain_backward(r, NULL, false, false));
    OK(gentrain_tensor_grad(&dw, w));
    EXPECT(dw != NULL);
    gentrain_tensor_free(dw);
    gentrain_tensor_free(r);
    FAILS(gentrain_gradient_penalty(&r, failing_critic, NULL, real, fake, 10), GENTRAIN_ERR_CALLBACK_FAILED, "GENTRAIN_ERR_UNSUPPORTED");
    FAILS(gentrain_gradient_penalty(&r, NULL, NULL, real, fake, 10), GENTRAIN_ERR_INVALID_ARGUMENT, "critic is NULL");

    gentrain_tensor *actions = NULL, *lp = NULL, *ent = NULL, *rewards = NULL;
    OK(gentrain_sample(&actions, logits, 1.0, 2));
    int64_t picked[2];
    OK(gentrain_tensor_copy_to(picked, sizeof picked, GENTRAIN_INT64, actions));
    EXPECT(picked[0] >= 0 && picked[0] < 3 && picked[1] >= 0 && picked[1] < 3);
    FAILS(gentrain_sample(&r, logits, 0, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "temperature");
    FAILS(gentrain_sample(&r, logits, 1, 4), GENTRAIN_ERR_INVALID_ARGUMENT, "top_k");
    OK(gentrain_log_probs(&lp, logits, actions));
    OK(gentrain_entropy(&ent, logits));
    double rv[2] = {1, 2};
    OK(gentrain_tensor_from_data(&rewards, rv, sizeof rv, GENTRAIN_FLOAT64, shape, 1));
    OK(gentrain_reinforce_loss(&r, lp, rewards, NULL, ent, 0.01));
    gentrain_tensor_free(r);
    FAILS(gentrain_reinforce_loss(&r, lp, a, NULL, NULL, 0), GENTRAIN_ERR_SHAPE, "rewards");
    /* The moving-average baseline: the batch mean first, then the state before each update. */
    double baseline = 0, state = NAN;
    OK(gentrain_moving_average_baseline(&baseline, &state, 0.5, rewards));   /* mean 1.5 */
    EXPECT(baseline == 1.5 && state == 1.5);
    rv[0] = rv[1] = 3.5;
    gentrain_tensor *rewards2 = NULL;
    OK(gentrain_tensor_from_data(&rewards2, rv, sizeof rv, GENTRAIN_FLOAT64, shape, 1));
    OK(gentrain_moving_average_baseline(&baseline, &state, 0.5, rewards2));
    EXPECT(baseline == 1.5 && state == 2.5);
    FAILS(gentrain_moving_average_baseline(&baseline, &state, 1.0, rewards2), GENTRAIN_ERR_INVALID_ARGUMENT, "momentum");
    FAILS(gentrain_moving_average_baseline(&baseline, NULL, 0.5, rewards2), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    EXPECT(state == 2.5);
    gentrain_tensor_free(rewards2);

    gentrain_tensor *all[] = {p, z, q, t, logq, a, b, y, logits, logp, cls, w, real, fake, actions, lp, ent, rewards};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) gentrain_tensor_free(all[i]);
}

static void expect_shape(const gentrain_tensor *t, int64_t a, int64_t b, int64_t c, int64_t d) {
    int64_t dims[4] = {0, 0, 0, 0};
    size_t n = 0;
    OK(gentrain_tensor_ndim(&n, t));
    OK(gentrain_tensor_shape(dims, 4, t));
    EXPECT(dims[0] == a && dims[1] == b && dims[2] == c && (n < 4 || dims[3] == d));
}

/* A convolution wide enough (8 -> 16 channels) to run on oneDNN when it is installed: output
 * and weight gradient against direct loops. */
static void test_wide_conv(void) {
    enum { N = 2, C = 8, O = 16, S = 5, K = 3 };
    static float xv[N * C * S * S], wv[O * C * K * K], yv[N * O * S * S], gwv[O * C * K * K];
    for (int i = 0; i < N * C * S * S; i++) xv[i] = (float)((i * 37 % 101) - 50) / 50.0f;
    for (int i = 0; i < O * C * K * K; i++) wv[i] = (float)((i * 53 % 97) - 48) / 48.0f;
    int64_t xs[4] = {N, C, S, S}, ws[4] = {O, C, K, K};
    gentrain_tensor *x = NULL, *w = NULL, *y = NULL, *loss = NULL, *gw = NULL;
    OK(gentrain_tensor_from_data(&x, xv, sizeof xv, GENTRAIN_FLOAT32, xs, 4));
    OK(gentrain_tensor_from_data(&w, wv, sizeof wv, GENTRAIN_FLOAT32, ws, 4));
    OK(gentrain_tensor_set_requires_grad(w, true));
    gentrain_conv_options conv;
    gentrain_conv_options_default(&conv);
    conv.padding[0] = conv.padding[1] = 1;
    OK(gentrain_conv2d(&y, x, w, NULL, &conv));
    OK(gentrain_sum(&loss, y, NULL, 0, false));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_tensor_grad(&gw, w));
    OK(gentrain_tensor_copy_to(yv, sizeof yv, GENTRAIN_FLOAT32, y));
    OK(gentrain_tensor_copy_to(gwv, sizeof gwv, GENTRAIN_FLOAT32, gw));
    double worst_y = 0, worst_gw = 0;
    for (int o = 0; o < O; o++)
        for (int c = 0; c < C; c++)
            for (int i = 0; i < K; i++)
                for (int j = 0; j < K; j++) {
                    double gsum = 0;   /* d sum(y) / d w[o, c, i, j]: the inputs under that tap */
                    for (int n = 0; n < N; n++)
                        for (int p = 0; p < S; p++)
                            for (int q = 0; q < S; q++) {
                                int h = p + i - 1, v = q + j - 1;
                                if (h >= 0 && h < S && v >= 0 && v < S) gsum += xv[((n * C + c) * S + h) * S + v];
                            }
                    worst_gw = fmax(worst_gw, fabs(gsum - gwv[((o * C + c) * K + i) * K + j]));
                }
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++)
            for (int p = 0; p < S; p++)
                for (int q = 0; q < S; q++) {
                    double acc = 0;
                    for (int c = 0; c < C; c++)
                        for (int i = 0; i < K; i++)
                            for (int j = 0; j < K; j++) {
                                int h = p + i - 1, v = q + j - 1;
                                if (h >= 0 && h < S && v >= 0 && v < S)
                                    acc += xv[((n * C + c) * S + h) * S + v] * wv[((o * C + c) * K + i) * K + j];
                            }
                    worst_y = fmax(worst_y, fabs(acc - yv[((n * O + o) * S + p) * S + q]));
                }
    EXPECT(worst_y < 1e-4 && worst_gw < 1e-4);
    gentrain_tensor *all[] = {x, w, y, loss, gw};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) gentrain_tensor_free(all[i]);
}

static void test_layers(void) {
    int64_t xs[4] = {2, 4, 8, 8}, ws[4] = {6, 2, 3, 3}, bs[1] = {6}, ts[4] = {4, 3, 4, 4};
    gentrain_tensor *x = NULL, *w = NULL, *b = NULL, *tw = NULL, *r = NULL, *r2 = NULL;
    OK(gentrain_tensor_randn(&x, xs, 4, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&w, ws, 4, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&b, bs, 1, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&tw, ts, 4, GENTRAIN_FLOAT32, NULL));
    gentrain_conv_options conv;
    gentrain_conv_options_default(&conv);
    EXPECT(conv.stride[0] == 1 && conv.groups == 1 && !conv.padding_same);
    conv.groups = 2;
    conv.stride[0] = conv.stride[1] = 2;
    conv.padding[0] = conv.padding[1] = 1;
    OK(gentrain_conv2d(&r, x, w, b, &conv));
    expect_shape(r, 2, 6, 4, 4);
    gentrain_tensor_free(r);
    conv.groups = 3;
    FAILS(gentrain_conv2d(&r, x, w, b, &conv), GENTRAIN_ERR_SHAPE, "groups");
    conv.groups = 1;
    conv.stride[0] = 0;
    FAILS(gentrain_conv2d(&r, x, w, b, &conv), GENTRAIN_ERR_INVALID_ARGUMENT, "stride");
    gentrain_conv_options_default(&conv);
    conv.padding_same = true;
    gentrain_tensor *w4 = NULL;
    int64_t w4s[4] = {3, 4, 2, 2};
    OK(gentrain_tensor_randn(&w4, w4s, 4, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_conv2d(&r, x, w4, NULL, &conv));
    expect_shape(r, 2, 3, 8, 8);
    gentrain_tensor_free(r);
    gentrain_tensor_free(w4);

    gentrain_conv_options_default(&conv);
    conv.stride[0] = conv.stride[1] = 2;
    conv.padding[0] = conv.padding[1] = 1;
    conv.output_padding[0] = conv.output_padding[1] = 1;
    OK(gentrain_conv_transpose2d(&r, x, tw, NULL, &conv));
    expect_shape(r, 2, 3, 17, 17);   /* (8 - 1)*2 - 2 + 3 + 1 + 1 */
    gentrain_tensor_free(r);

    gentrain_tensor *seq = NULL, *k1 = NULL;
    int64_t ss[3] = {2, 4, 10}, ks[3] = {5, 4, 3};
    OK(gentrain_tensor_randn(&seq, ss, 3, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&k1, ks, 3, GENTRAIN_FLOAT32, NULL));
    gentrain_conv_options_default(&conv);
    conv.stride[1] = 2;
    OK(gentrain_conv1d(&r, seq, k1, NULL, &conv));
    expect_shape(r, 2, 5, 4, 0);
    gentrain_tensor_free(r);
    FAILS(gentrain_conv1d(&r, x, k1, NULL, NULL), GENTRAIN_ERR_SHAPE, "expected input [N, C, L]");

    OK(gentrain_unfold(&r, x, 3, 3, NULL));
    expect_shape(r, 2, 36, 36, 0);
    OK(gentrain_fold(&r2, r, 8, 8, 3, 3, NULL));
    expect_shape(r2, 2, 4, 8, 8);
    gentrain_tensor_free(r);
    gentrain_tensor_free(r2);
    FAILS(gentrain_unfold(&r, x, 0, 3, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "kernel");

    OK(gentrain_max_pool2d(&r, x, 2, 2, NULL));
    expect_shape(r, 2, 4, 4, 4);
    gentrain_tensor_free(r);
    gentrain_pool2d_options pool;
    gentrain_pool2d_options_default(&pool);
    pool.stride[0] = pool.stride[1] = 2;
    pool.padding[0] = pool.padding[1] = 1;
    pool.count_include_pad = false;
    OK(gentrain_avg_pool2d(&r, x, 3, 3, &pool));
    expect_shape(r, 2, 4, 4, 4);
    gentrain_tensor_free(r);
    gentrain_pool2d_options_default(&pool);
    pool.padding[0] = pool.padding[1] = 2;
    FAILS(gentrain_max_pool2d(&r, x, 2, 2, &pool), GENTRAIN_ERR_INVALID_ARGUMENT, "half");
    pool.struct_size = 1;
    FAILS(gentrain_max_pool2d(&r, x, 2, 2, &pool), GENTRAIN_ERR_INVALID_ARGUMENT, "struct_size");
    OK(gentrain_adaptive_avg_pool2d(&r, x, 3, 1));
    expect_shape(r, 2, 4, 3, 1);
    gentrain_tensor_free(r);
    gentrain_interpolate_options resize;
    gentrain_interpolate_options_default(&resize);
    resize.size[0] = 16;
    resize.size[1] = 12;
    resize.mode = GENTRAIN_INTERPOLATE_BILINEAR;
    OK(gentrain_interpolate(&r, x, &resize));
    expect_shape(r, 2, 4, 16, 12);
    gentrain_tensor_free(r);
    gentrain_interpolate_options_default(&resize);
    resize.scale_factor[0] = 2.0;
    resize.scale_factor[1] = 1.5;
    OK(gentrain_interpolate(&r, x, &resize));
    expect_shape(r, 2, 4, 16, 12);
    gentrain_tensor_free(r);
    {   /* align_corners: [0 3] to 4 columns is 0 1 2 3 (the corners' centres coincide); a byte
         * other than 0 or 1 counts as true; nearest refuses it. */
        const float ends[2] = {0, 3};
        int64_t one_row[4] = {1, 1, 1, 2};
        gentrain_tensor *e = NULL;
        OK(gentrain_tensor_from_data(&e, ends, sizeof ends, GENTRAIN_FLOAT32, one_row, 4));
        gentrain_interpolate_options corners;
        gentrain_interpolate_options_default(&corners);
        EXPECT(!corners.align_corners);
        corners.size[0] = 1;
        corners.size[1] = 4;
        corners.mode = GENTRAIN_INTERPOLATE_BILINEAR;
        memset(&corners.align_corners, 0xFF, 1);
        OK(gentrain_interpolate(&r, e, &corners));
        float got[4];
        OK(gentrain_tensor_copy_to(got, sizeof got, GENTRAIN_FLOAT32, r));
        EXPECT(close_to(got[0], 0) && close_to(got[1], 1) && close_to(got[2], 2) && close_to(got[3], 3));
        gentrain_tensor_free(r);
        corners.mode = GENTRAIN_INTERPOLATE_NEAREST;
        FAILS(gentrain_interpolate(&r, e, &corners), GENTRAIN_ERR_INVALID_ARGUMENT, "align_corners");
        gentrain_tensor_free(e);
    }
    resize.size[0] = resize.size[1] = 4;
    FAILS(gentrain_interpolate(&r, x, &resize), GENTRAIN_ERR_INVALID_ARGUMENT, "exactly one of size and scale_factor");
    FAILS(gentrain_interpolate(&r, x, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "options is NULL");
    gentrain_interpolate_options_default(&resize);
    resize.scale_factor[0] = 0.0;
    resize.scale_factor[1] = 2.0;
    FAILS(gentrain_interpolate(&r, x, &resize), GENTRAIN_ERR_INVALID_ARGUMENT, "scale factors");
    resize.scale_factor[0] = 1e300;
    resize.scale_factor[1] = 1.0;
    FAILS(gentrain_interpolate(&r, x, &resize), GENTRAIN_ERR_INVALID_ARGUMENT, "too large");
    resize.scale_factor[0] = 2.0;
    resize.mode = (gentrain_interpolate_mode)7;
    FAILS(gentrain_interpolate(&r, x, &resize), GENTRAIN_ERR_INVALID_ARGUMENT, "mode 7");
    OK(gentrain_pixel_shuffle(&r, x, 2));
    expect_shape(r, 2, 1, 16, 16);
    gentrain_tensor_free(r);
    FAILS(gentrain_pixel_shuffle(&r, x, 3), GENTRAIN_ERR_SHAPE, "pixel_shuffle");
    int64_t pads[4] = {1, 2, 0, 3};
    OK(gentrain_pad(&r, x, pads, 4));
    expect_shape(r, 2, 4, 11, 11);
    gentrain_tensor_free(r);
    {   /* The padding modes on [1 2 3] by (2, 2) (F.pad), and what each refuses. */
        const float row[3] = {1, 2, 3};
        int64_t shape3[2] = {1, 3}, two[2] = {2, 2}, four[2] = {4, 0};
        const float expected[4][7] = {{-1, -1, 1, 2, 3, -1, -1}, {3, 2, 1, 2, 3, 2, 1}, {1, 1, 1, 2, 3, 3, 3},
                                      {2, 3, 1, 2, 3, 1, 2}};
        gentrain_tensor *v = from_floats(row, shape3, 2);
        for (int mode = 0; mode < 4; mode++) {
            float got[7] = {0};
            OK(gentrain_pad_mode(&r, v, two, 2, (gentrain_padding_mode)mode, mode == 0 ? -1.0 : 0.0));
            OK(gentrain_tensor_copy_to(got, sizeof got, GENTRAIN_FLOAT32, r));
            EXPECT(memcmp(got, expected[mode], sizeof got) == 0);
            gentrain_tensor_free(r);
        }
        FAILS(gentrain_pad_mode(&r, v, four, 2, GENTRAIN_PADDING_MODE_REFLECT, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "less than");
        FAILS(gentrain_pad_mode(&r, v, four, 2, GENTRAIN_PADDING_MODE_CIRCULAR, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "more than once");
        FAILS(gentrain_pad_mode(&r, v, two, 2, (gentrain_padding_mode)4, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "mode");
        OK(gentrain_pad_mode(&r, x, pads, 4, GENTRAIN_PADDING_MODE_REPLICATE, 0));
        expect_shape(r, 2, 4, 11, 11);
        gentrain_tensor_free(r);
        int64_t huge[2] = {INT64_MAX, 1};
        FAILS(gentrain_pad_mode(&r, v, huge, 2, GENTRAIN_PADDING_MODE_REPLICATE, 0), GENTRAIN_ERR_OUT_OF_MEMORY, "too large");
        gentrain_tensor_free(v);
    }

    int64_t cs[1] = {4};
    gentrain_tensor *rm = NULL, *rv = NULL;
    OK(gentrain_tensor_zeros(&rm, cs, 1, GENTRAIN_FLOAT32));
    OK(gentrain_tensor_ones(&rv, cs, 1, GENTRAIN_FLOAT32));
    OK(gentrain_batch_norm(&r, x, rm, rv, NULL, NULL, true, 0.1, 1e-5));
    gentrain_tensor_free(r);
    OK(gentrain_batch_norm(&r, x, rm, rv, NULL, NULL, false, 0.1, 1e-5));
    gentrain_tensor_free(r);
    FAILS(gentrain_batch_norm(&r, x, NULL, NULL, NULL, NULL, false, 0.1, 1e-5), GENTRAIN_ERR_INVALID_ARGUMENT, "running_mean");
    int64_t ln[2] = {8, 8};
    OK(gentrain_layer_norm(&r, x, ln, 2, NULL, NULL, 1e-5));
    gentrain_tensor_free(r);
    FAILS(gentrain_layer_norm(&r, x, ln, 1, b, NULL, 1e-5), GENTRAIN_ERR_SHAPE, "weight and bias");
    OK(gentrain_group_norm(&r, x, 2, rv, rm, 1e-5));
    gentrain_tensor_free(r);
    FAILS(gentrain_group_norm(&r, x, 3, NULL, NULL, 1e-5), GENTRAIN_ERR_SHAPE, "divisible");
    OK(gentrain_instance_norm(&r, x, NULL, NULL, 1e-5));
    gentrain_tensor_free(r);

    gentrain_tensor *all[] = {x, w, b, tw, seq, k1, rm, rv};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) gentrain_tensor_free(all[i]);
}

/* Extreme values a host might pass: each is an error or a well-defined result, never a trap. */
static void test_hostile_values(void) {
    float v[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    gentrain_tensor *x = from_floats(v, shape, 2), *r = NULL;
    OK(gentrain_slice(&r, x, 1, INT64_MIN, INT64_MAX, INT64_MAX));   /* one element: x[:, 0:] step huge */
    int64_t dims[2];
    OK(gentrain_tensor_shape(dims, 2, r));
    EXPECT(dims[1] == 1);
    gentrain_tensor_free(r);
    FAILS(gentrain_narrow(&r, x, 1, 1, INT64_MAX), GENTRAIN_ERR_INDEX, "exceeds dimension size");
    gentrain_tensor *pieces[2] = {NULL, NULL};
    size_t count = 0;
    OK(gentrain_split(pieces, 2, &count, x, INT64_MAX, 1));
    EXPECT(count == 1);
    gentrain_tensor_free(pieces[0]);
    gentrain_tensor *more[4];
    OK(gentrain_chunk(more, 4, &count, x, INT64_MAX, 1));   /* as many chunks as elements, as PyTorch */
    EXPECT(count == 3);
    for (size_t i = 0; i < count; i++) gentrain_tensor_free(more[i]);
    gentrain_tensor *list[1] = {x};
    FAILS(gentrain_cat(&r, list, (size_t)-1, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "invalid count");
    FAILS(gentrain_reshape(&r, x, shape, (size_t)-1), GENTRAIN_ERR_INVALID_ARGUMENT, "at most 64");
    FAILS(gentrain_tensor_zeros(&r, shape, 65, GENTRAIN_FLOAT32), GENTRAIN_ERR_INVALID_ARGUMENT, "at most 64");
    int64_t huge[2] = {INT64_MAX, 2};
    FAILS(gentrain_expand(&r, x, huge, 2), GENTRAIN_ERR_SHAPE, "expanded size");
    FAILS(gentrain_tensor_eye(&r, INT64_MAX, INT64_MAX, GENTRAIN_FLOAT32), GENTRAIN_ERR_OUT_OF_MEMORY, "too many elements");
    FAILS(gentrain_tensor_arange(&r, 0, 1e300, 1e-300, GENTRAIN_FLOAT32), GENTRAIN_ERR_OUT_OF_MEMORY, "too large");
    FAILS(gentrain_tensor_arange(&r, 0, NAN, 1, GENTRAIN_FLOAT32), GENTRAIN_ERR_INVALID_ARGUMENT, "finite");
    FAILS(gentrain_norm(&r, x, NAN, NULL, 0, false), GENTRAIN_ERR_INVALID_ARGUMENT, "p must be positive");
    FAILS(gentrain_dropout(&r, x, NAN, true), GENTRAIN_ERR_INVALID_ARGUMENT, "between 0 and 1");
    FAILS(gentrain_select(&r, x, INT64_MIN, 0), GENTRAIN_ERR_INDEX, "dimension out of range");
    FAILS(gentrain_transpose(&r, x, 0, INT64_MAX), GENTRAIN_ERR_INDEX, "dimension out of range");
    OK(gentrain_tensor_full(&r, shape, 2, GENTRAIN_INT64, NAN));   /* non-finite to integer: 0, as a cast */
    gentrain_tensor_free(r);
    size_t n_params = 0;
    gentrain_module *m = NULL;
    FAILS(gentrain_module_sequential_new(&m, NULL, (size_t)-1), GENTRAIN_ERR_INVALID_ARGUMENT, "invalid");
    FAILS(gentrain_module_parameter_count(&n_params, NULL), GENTRAIN_ERR_INVALID_HANDLE, "module is NULL");
    gentrain_tensor_free(x);
}

/* The extractor of the perceptual-loss golden case, as PyTorch built it: Conv(1,4,3,p1), ReLU,
 * Conv(4,8,3,s2,p1), LeakyReLU(0.2), Conv(8,8,3,p1). `children` receives the five handles. */
static gentrain_module *perceptual_extractor(gentrain_module **children) {
    gentrain_conv_options conv;
    gentrain_conv_options_default(&conv);
    conv.padding[0] = conv.padding[1] = 1;
    OK(gentrain_module_conv2d_new(&children[0], 1, 4, 3, 3, &conv, true));
    OK(gentrain_module_relu_new(&children[1]));
    conv.stride[0] = conv.stride[1] = 2;
    OK(gentrain_module_conv2d_new(&children[2], 4, 8, 3, 3, &conv, true));
    OK(gentrain_module_leaky_relu_new(&children[3], 0.2));
    conv.stride[0] = conv.stride[1] = 1;
    OK(gentrain_module_conv2d_new(&children[4], 8, 8, 3, 3, &conv, true));
    gentrain_module *seq = NULL;
    OK(gentrain_module_sequential_new(&seq, children, 5));
    return seq;
}

static void free_modules(gentrain_module **modules, size_t n) {
    for (size_t i = 0; i < n; i++) gentrain_module_free(modules[i]);
}

/* max |a - b| over all elements. */
static double max_abs_diff(const gentrain_tensor *a, const gentrain_tensor *b) {
    gentrain_tensor *d = NULL, *m = NULL, *mx = NULL;
    OK(gentrain_sub(&d, a, b));
    OK(gentrain_abs(&m, d));
    OK(gentrain_amax(&mx, m, NULL, 0, false));
    double v = item(mx);
    gentrain_tensor_free(mx);
    gentrain_tensor_free(m);
    gentrain_tensor_free(d);
    return v;
}

static void test_module_files_and_perceptual_loss(const char *golden_dir) {
    gentrain_module *a_children[5], *b_children[5], *bad = NULL;
    gentrain_module *a = perceptual_extractor(a_children), *b = perceptual_extractor(b_children);
    FAILS(gentrain_module_conv2d_new(&bad, 3, 4, 0, 3, NULL, true), GENTRAIN_ERR_INVALID_ARGUMENT, "kernel");
    FAILS(gentrain_module_leaky_relu_new(&bad, NAN), GENTRAIN_ERR_INVALID_ARGUMENT, "negative_slope");
    EXPECT(bad == NULL);

    /* Save and load: b becomes a copy of a. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/gentrain-capi-module-%d.safetensors", (int)getpid());
    OK(gentrain_module_save(a, path));
    OK(gentrain_module_load(b, path, true));
    int64_t xs[4] = {2, 1, 8, 8};
    gentrain_tensor *x = NULL, *ya = NULL, *yb = NULL;
    OK(gentrain_tensor_randn(&x, xs, 4, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_module_forward(&ya, a, x));
    OK(gentrain_module_forward(&yb, b, x));
    EXPECT(max_abs_diff(ya, yb) == 0);
    gentrain_tensor_free(yb);

    /* A file whose names or shapes differ: an error listing the problems; nothing changes. */
    gentrain_module *c_children[1], *c = NULL;
    OK(gentrain_module_conv2d_new(&c_children[0], 1, 5, 3, 3, NULL, true));
    OK(gentrain_module_sequential_new(&c, c_children, 1));
    FAILS(gentrain_module_load(c, path, true), GENTRAIN_ERR_INVALID_ARGUMENT, "size mismatch for '0.weight'");
    FAILS(gentrain_module_load(c, path, true), GENTRAIN_ERR_INVALID_ARGUMENT, "unexpected key '2.weight'");
    FAILS(gentrain_module_load(c, "/nonexistent/x.safetensors", true), GENTRAIN_ERR_IO, "nonexistent");
    OK(gentrain_module_save(c, path));
    FAILS(gentrain_module_load(a, path, true), GENTRAIN_ERR_INVALID_ARGUMENT, "missing key '2.weight'");
    FAILS(gentrain_module_load(a, path, false), GENTRAIN_ERR_INVALID_ARGUMENT, "size mismatch");
    OK(gentrain_module_forward(&yb, a, x));   /* unchanged by the failed loads */
    EXPECT(max_abs_diff(ya, yb) == 0);
    gentrain_tensor_free(yb);
    gentrain_tensor_free(ya);

    /* Named tensors of a functional model, loaded from the same file. */
    int64_t ws[4] = {5, 1, 3, 3}, bs[1] = {5};
    gentrain_tensor *w = NULL, *bias = NULL, *c_w = NULL;
    OK(gentrain_tensor_zeros(&w, ws, 4, GENTRAIN_FLOAT64));
    OK(gentrain_tensor_zeros(&bias, bs, 1, GENTRAIN_FLOAT64));
    const char *names[2] = {"0.weight", "0.bias"};
    gentrain_tensor *tensors[2] = {w, bias};
    OK(gentrain_load_safetensors(path, names, tensors, 2, true));
    OK(gentrain_module_parameter(&c_w, NULL, c, 0));
    EXPECT(max_abs_diff(w, c_w) == 0);   /* float32 weights read into float64 tensors */
    /* Round trip of named tensors, and the checks. */
    OK(gentrain_save_safetensors(path, names, tensors, 2));
    OK(gentrain_load_safetensors(path, names, tensors, 2, true));
    EXPECT(max_abs_diff(w, c_w) == 0);
    const char *same[2] = {"w", "w"};
    FAILS(gentrain_save_safetensors(path, same, tensors, 2), GENTRAIN_ERR_INVALID_ARGUMENT,
          "duplicate");
    names[1] = "bias";
    FAILS(gentrain_load_safetensors(path, names, tensors, 2, true), GENTRAIN_ERR_INVALID_ARGUMENT, "missing key 'bias'");
    FAILS(gentrain_load_safetensors(path, NULL, tensors, 2, true), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    gentrain_tensor_free(c_w);
    gentrain_tensor_free(w);
    gentrain_tensor_free(bias);
    unlink(path);

    /* Weights saved by PyTorch (safetensors.torch.save_file of a float64 state_dict). */
    if (golden_dir) {
        char golden[1024];
        snprintf(golden, sizeof golden, "%s/perceptual_extractor.safetensors", golden_dir);
        OK(gentrain_module_load(b, golden, true));
    }

    /* The perceptual loss equals its definition through the children, and its gradient reaches
     * the generated images only. */
    gentrain_tensor *gen = NULL, *real = NULL, *loss = NULL, *grad = NULL;
    OK(gentrain_tensor_randn(&gen, xs, 4, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&real, xs, 4, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_set_requires_grad(gen, true));
    int64_t layers[3] = {1, 3, 4};
    double weights[3] = {1.0, 0.5, 0.25};
    OK(gentrain_perceptual_loss(&loss, b, layers, weights, 3, gen, real));
    double expected = 0;
    gentrain_tensor *g = NULL, *r = NULL;
    OK(gentrain_tensor_retain(&g, gen));
    OK(gentrain_tensor_retain(&r, real));
    for (int k = 0, next = 0; k < 5; k++) {
        gentrain_tensor *g2 = NULL, *r2 = NULL, *term = NULL;
        OK(gentrain_module_forward(&g2, b_children[k], g));
        OK(gentrain_module_forward(&r2, b_children[k], r));
        gentrain_tensor_free(g);
        gentrain_tensor_free(r);
        g = g2, r = r2;
        if (next < 3 && layers[next] == k) {
            OK(gentrain_mse_loss(&term, g, r, GENTRAIN_REDUCTION_MEAN));
            expected += weights[next++] * item(term);
            gentrain_tensor_free(term);
        }
    }
    gentrain_tensor_free(g);
    gentrain_tensor_free(r);
    EXPECT(close_to(item(loss), expected));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_tensor_grad(&grad, gen));
    EXPECT(grad != NULL);
    gentrain_tensor *p = NULL, *pg = NULL;
    bool requires = true;
    OK(gentrain_module_parameter(&p, NULL, b, 0));
    OK(gentrain_tensor_requires_grad(&requires, p));
    EXPECT(!requires);   /* frozen */
    OK(gentrain_tensor_grad(&pg, p));
    EXPECT(pg == NULL);
    OK(gentrain_module_set_requires_grad(b, true));
    OK(gentrain_tensor_requires_grad(&requires, p));
    EXPECT(requires);
    gentrain_tensor_free(p);
    gentrain_tensor_free(loss);   /* a failing call sets *out to NULL */
    layers[1] = 1;
    FAILS(gentrain_perceptual_loss(&loss, b, layers, weights, 3, gen, real), GENTRAIN_ERR_INVALID_ARGUMENT, "twice");
    layers[1] = 5;
    FAILS(gentrain_perceptual_loss(&loss, b, layers, weights, 3, gen, real), GENTRAIN_ERR_INVALID_ARGUMENT, "0..<5");
    FAILS(gentrain_perceptual_loss(&loss, b_children[0], layers, weights, 1, gen, real), GENTRAIN_ERR_INVALID_ARGUMENT,
          "Sequential");
    gentrain_tensor *small = NULL;
    int64_t small_shape[4] = {2, 1, 4, 4};
    OK(gentrain_tensor_randn(&small, small_shape, 4, GENTRAIN_FLOAT32, NULL));
    FAILS(gentrain_perceptual_loss(&loss, b, layers, weights, 1, gen, small), GENTRAIN_ERR_SHAPE, "differ");
    gentrain_tensor_free(small);
    gentrain_tensor_free(grad);
    gentrain_tensor_free(gen);
    gentrain_tensor_free(real);
    gentrain_tensor_free(x);
    gentrain_module_free(a);
    gentrain_module_free(b);
    gentrain_module_free(c);
    free_modules(a_children, 5);
    free_modules(b_children, 5);
    free_modules(c_children, 1);
}

static void test_recurrent(void) {
    /* A 2-layer LSTM (I 3, H 4) and a GRU over [T 5, N 2, I 3]. */
    int64_t xs[3] = {5, 2, 3}, x1s[3] = {1, 2, 3};
    gentrain_tensor *x = NULL, *x1 = NULL, *lw[8], *gw[4], *bad = NULL;
    OK(gentrain_tensor_randn(&x, xs, 3, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&x1, x1s, 3, GENTRAIN_FLOAT32, NULL));
    int64_t shapes[8][2] = {{16, 3}, {16, 4}, {16, 0}, {16, 0}, {16, 4}, {16, 4}, {16, 0}, {16, 0}};
    for (int i = 0; i < 8; i++) OK(gentrain_tensor_randn(&lw[i], shapes[i], shapes[i][1] ? 2 : 1, GENTRAIN_FLOAT32, NULL));
    int64_t gshapes[4][2] = {{12, 3}, {12, 4}, {12, 0}, {12, 0}};
    for (int i = 0; i < 4; i++) OK(gentrain_tensor_randn(&gw[i], gshapes[i], gshapes[i][1] ? 2 : 1, GENTRAIN_FLOAT32, NULL));

    gentrain_tensor *y = NULL, *h = NULL, *c = NULL;
    OK(gentrain_lstm(&y, &h, &c, x, NULL, NULL, lw, 2, false, 0.0, false, false));
    expect_shape(y, 5, 2, 4, 0);
    expect_shape(h, 2, 2, 4, 0);
    expect_shape(c, 2, 2, 4, 0);
    gentrain_tensor_free(y);
    gentrain_tensor_free(h);
    gentrain_tensor_free(c);

    /* One step of the first layer equals the cell from a zero state (up to the order of the sums). */
    gentrain_tensor *step = NULL, *zero = NULL, *hc = NULL, *cc = NULL, *h0 = NULL;
    int64_t hs[2] = {2, 4};
    OK(gentrain_select(&step, x1, 0, 0));
    OK(gentrain_tensor_zeros(&zero, hs, 2, GENTRAIN_FLOAT32));
    OK(gentrain_lstm(&y, &h, &c, x1, NULL, NULL, lw, 1, false, 0.0, false, false));
    OK(gentrain_lstm_cell(&hc, &cc, step, zero, zero, lw[0], lw[1], lw[2], lw[3]));
    OK(gentrain_select(&h0, h, 0, 0));
    EXPECT(max_abs_diff(h0, hc) < 1e-6);
    gentrain_tensor_free(h0);
    OK(gentrain_select(&h0, c, 0, 0));
    EXPECT(max_abs_diff(h0, cc) < 1e-6);
    gentrain_tensor_free(h0);
    gentrain_tensor_free(y);
    gentrain_tensor_free(h);
    gentrain_tensor_free(c);
    gentrain_tensor_free(hc);
    gentrain_tensor_free(cc);

    OK(gentrain_gru(&y, &h, x1, NULL, gw, 1, true, 0.0, false, false));   /* [N 1, T 2, I 3] */
    expect_shape(y, 1, 2, 4, 0);
    expect_shape(h, 1, 1, 4, 0);
    gentrain_tensor_free(y);
    gentrain_tensor_free(h);
    OK(gentrain_gru(&y, &h, x1, NULL, gw, 1, false, 0.0, false, false));
    OK(gentrain_gru_cell(&hc, step, zero, gw[0], gw[1], NULL, NULL));   /* biases optional */
    expect_shape(hc, 2, 4, 0, 0);
    gentrain_tensor_free(hc);
    OK(gentrain_gru_cell(&hc, step, zero, gw[0], gw[1], gw[2], gw[3]));
    OK(gentrain_select(&h0, h, 0, 0));
    EXPECT(max_abs_diff(h0, hc) == 0);
    gentrain_tensor_free(h0);
    gentrain_tensor_free(hc);
    gentrain_tensor_free(y);
    gentrain_tensor_free(h);

    /* Dropout 1 between two layers in training: the second layer runs on zeros. */
    gentrain_tensor *zeros_in = NULL, *y_alone = NULL, *h_alone = NULL, *c_alone = NULL;
    int64_t zs[3] = {5, 2, 4};
    OK(gentrain_tensor_zeros(&zeros_in, zs, 3, GENTRAIN_FLOAT32));
    OK(gentrain_lstm(&y, &h, &c, x, NULL, NULL, lw, 2, false, 1.0, true, false));
    OK(gentrain_lstm(&y_alone, &h_alone, &c_alone, zeros_in, NULL, NULL, lw + 4, 1, false, 0.0,
                     false, false));
    EXPECT(max_abs_diff(y, y_alone) == 0);
    gentrain_tensor *tensors_done[] = {zeros_in, y_alone, h_alone, c_alone, y, h, c};
    for (size_t i = 0; i < 7; i++) gentrain_tensor_free(tensors_done[i]);
    y = h = c = NULL;
    FAILS(gentrain_gru(&y, &h, x, NULL, gw, 1, false, 2.0, true, false), GENTRAIN_ERR_INVALID_ARGUMENT,
          "dropout");

    /* Bad input: an error each, nothing written. */
    FAILS(gentrain_lstm(&y, &h, &c, x, NULL, NULL, NULL, 1, false, 0.0, false, false), GENTRAIN_ERR_INVALID_ARGUMENT, "weights is NULL");
    FAILS(gentrain_lstm(&y, &h, &c, x, NULL, NULL, lw, 0, false, 0.0, false, false), GENTRAIN_ERR_INVALID_ARGUMENT,
          "num_layers");
    FAILS(gentrain_lstm(&y, NULL, &c, x, NULL, NULL, lw, 1, false, 0.0, false, false), GENTRAIN_ERR_INVALID_ARGUMENT,
          "NULL");
    FAILS(gentrain_gru(&y, &h, x, NULL, lw, 1, false, 0.0, false, false), GENTRAIN_ERR_SHAPE, "weight_ih [12, 3]");
    FAILS(gentrain_lstm(&y, &h, &c, x, zero, NULL, lw, 1, false, 0.0, false, false), GENTRAIN_ERR_SHAPE, "h0");
    FAILS(gentrain_lstm(&y, &h, &c, zero, NULL, NULL, lw, 1, false, 0.0, false, false), GENTRAIN_ERR_SHAPE,
          "expected input");
    int64_t five[2] = {5, 3};
    OK(gentrain_tensor_randn(&bad, five, 2, GENTRAIN_FLOAT32, NULL));
    FAILS(gentrain_lstm_cell(&hc, &cc, step, zero, zero, bad, lw[1], NULL, NULL), GENTRAIN_ERR_SHAPE, "lstm_cell");
    FAILS(gentrain_gru_cell(&hc, step, zero, bad, gw[1], NULL, NULL), GENTRAIN_ERR_SHAPE, "gru_cell");
    EXPECT(y == NULL && h == NULL && c == NULL && hc == NULL && cc == NULL);
    gentrain_tensor_free(bad);
    gentrain_tensor_free(step);
    gentrain_tensor_free(zero);
    gentrain_tensor_free(x);
    gentrain_tensor_free(x1);
    for (int i = 0; i < 8; i++) gentrain_tensor_free(lw[i]);
    for (int i = 0; i < 4; i++) gentrain_tensor_free(gw[i]);
}

/* Sum of all elements as a new scalar. */
static gentrain_tensor *total(const gentrain_tensor *t) {
    gentrain_tensor *s = NULL;
    OK(gentrain_sum(&s, t, NULL, 0, false));
    return s;
}

/* The host module of the test: y = x W^T + b through gentrain ops on the module's parameters. */
typedef struct { gentrain_tensor *weight, *bias; int calls, destroyed, fail; } affine_state;

static gentrain_status affine_forward(gentrain_tensor **out, const gentrain_tensor *input, void *user_data) {
    affine_state *st = user_data;
    st->calls++;
    if (st->fail) return gentrain_linear(out, input, st->bias, NULL);   /* a shape error, reported by the module */
    return gentrain_linear(out, input, st->weight, st->bias);
}

static void affine_destroy(void *user_data) { ((affine_state *)user_data)->destroyed++; }

static void test_more_modules_and_attention(void) {
    gentrain_manual_seed(3);
    gentrain_module *m = NULL, *bad = NULL;
    gentrain_tensor *x = NULL, *y = NULL, *z = NULL, *s = NULL, *g = NULL;
    int64_t img[4] = {2, 4, 5, 5};
    OK(gentrain_tensor_randn(&x, img, 4, GENTRAIN_FLOAT32, NULL));

    /* ConvTranspose2d: (5 - 1) * 2 - 2 + 3 + 1 = 10. */
    gentrain_conv_options co;
    gentrain_conv_options_default(&co);
    co.stride[0] = co.stride[1] = 2;
    co.padding[0] = co.padding[1] = 1;
    co.output_padding[0] = co.output_padding[1] = 1;
    OK(gentrain_module_conv_transpose2d_new(&m, 4, 3, 3, 3, &co, true));
    OK(gentrain_module_forward(&y, m, x));
    expect_shape(y, 2, 3, 10, 10);
    gentrain_tensor_free(y);
    gentrain_module_free(m);
    co.padding_same = true;
    FAILS(gentrain_module_conv_transpose2d_new(&bad, 4, 3, 3, 3, &co, true), GENTRAIN_ERR_INVALID_ARGUMENT, "padding_same");

    /* Normalization modules: batch statistics in training, running ones in eval. */
    double momentum = 0.1, too_much = 2;
    OK(gentrain_module_batch_norm_new(&m, 4, 1e-5, &momentum, true, true));
    OK(gentrain_module_forward(&y, m, x));
    int64_t c_dims[3] = {0, 2, 3};
    OK(gentrain_mean(&s, y, c_dims, 3, false));
    OK(gentrain_abs(&z, s));
    OK(gentrain_amax(&g, z, NULL, 0, false));
    EXPECT(item(g) < 1e-5);
    gentrain_tensor *fresh[3] = {s, z, g};
    for (int i = 0; i < 3; i++) gentrain_tensor_free(fresh[i]);
    OK(gentrain_module_train(m, false));
    OK(gentrain_module_forward(&z, m, x));
    EXPECT(max_abs_diff(y, z) > 1e-3);   /* running statistics moved only 10% of the way */
    gentrain_tensor_free(y);
    gentrain_tensor_free(z);
    gentrain_module_free(m);
    FAILS(gentrain_module_batch_norm_new(&bad, 4, 0, &momentum, true, true), GENTRAIN_ERR_INVALID_ARGUMENT, "eps");
    FAILS(gentrain_module_batch_norm_new(&bad, 4, 1e-5, &too_much, true, true), GENTRAIN_ERR_INVALID_ARGUMENT, "momentum");
    int64_t ln_shape[2] = {5, 5};
    OK(gentrain_module_layer_norm_new(&m, ln_shape, 2, 1e-5, true));
    OK(gentrain_module_forward(&y, m, x));
    expect_shape(y, 2, 4, 5, 5);
    gentrain_tensor_free(y);
    gentrain_module_free(m);
    FAILS(gentrain_module_layer_norm_new(&bad, NULL, 2, 1e-5, true), GENTRAIN_ERR_INVALID_ARGUMENT, "normalized_shape");
    OK(gentrain_module_group_norm_new(&m, 2, 4, 1e-5, true));
    OK(gentrain_module_forward(&y, m, x));
    gentrain_tensor_free(y);
    gentrain_module_free(m);
    FAILS(gentrain_module_group_norm_new(&bad, 3, 4, 1e-5, true), GENTRAIN_ERR_INVALID_ARGUMENT, "divisible");

    /* Dropout is the identity in eval; the named layers run. */
    OK(gentrain_module_dropout_new(&m, 0.5));
    OK(gentrain_module_train(m, false));
    OK(gentrain_module_forward(&y, m, x));
    EXPECT(max_abs_diff(y, x) == 0);
    gentrain_tensor_free(y);
    gentrain_module_free(m);
    FAILS(gentrain_module_dropout_new(&bad, 1.5), GENTRAIN_ERR_INVALID_ARGUMENT, "between 0 and 1");
    const char *layer_names[] = {"ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "Softplus", "Flatten", "Identity", "InstanceNorm2d"};
    for (size_t i = 0; i < sizeof layer_names / sizeof *layer_names; i++) {
        OK(gentrain_module_layer_new(&m, layer_names[i]));
        OK(gentrain_module_forward(&y, m, x));
        gentrain_tensor_free(y);
        gentrain_module_free(m);
    }
    FAILS(gentrain_module_layer_new(&bad, "Swish"), GENTRAIN_ERR_INVALID_ARGUMENT, "unknown layer 'Swish'");
    /* Softmax over the channels sums to one; LogSoftmax is its log. */
    OK(gentrain_module_softmax_new(&m, 1));
    OK(gentrain_module_forward(&y, m, x));
    int64_t channels[1] = {1};
    OK(gentrain_sum(&s, y, channels, 1, false));
    OK(gentrain_add_scalar(&z, s, -1.0));
    OK(gentrain_abs(&g, z));
    gentrain_tensor *worst = NULL;
    OK(gentrain_amax(&worst, g, NULL, 0, false));
    EXPECT(item(worst) < 1e-5);
    gentrain_tensor *sm_done[4] = {s, z, g, worst};
    for (int i = 0; i < 4; i++) gentrain_tensor_free(sm_done[i]);
    gentrain_module_free(m);
    OK(gentrain_module_log_softmax_new(&m, -3));
    OK(gentrain_module_forward(&z, m, x));
    OK(gentrain_log(&s, y));
    EXPECT(max_abs_diff(s, z) < 1e-5);
    gentrain_tensor *lsm_done[3] = {y, z, s};
    for (int i = 0; i < 3; i++) gentrain_tensor_free(lsm_done[i]);
    gentrain_module_free(m);
    OK(gentrain_module_softmax_new(&m, 9));
    FAILS(gentrain_module_forward(&y, m, x), GENTRAIN_ERR_INDEX, "dim");
    gentrain_module_free(m);
    FAILS(gentrain_module_layer_new(&bad, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "name is NULL");

    /* Embedding with padding_idx: that row starts at zero and gets no gradient (module and function). */
    int64_t pad = 1, ids[4] = {1, 0, 1, 2}, ids_shape[1] = {4};
    gentrain_tensor *idx = NULL, *w = NULL;
    OK(gentrain_tensor_from_data(&idx, ids, sizeof ids, GENTRAIN_INT64, ids_shape, 1));
    OK(gentrain_module_embedding_new(&m, 3, 2, &pad));
    OK(gentrain_module_parameter(&w, NULL, m, 0));
    OK(gentrain_module_forward(&y, m, idx));
    s = total(y);
    OK(gentrain_backward(s, NULL, false, false));
    OK(gentrain_tensor_grad(&g, w));
    float gv[6];
    OK(gentrain_tensor_copy_to(gv, sizeof gv, GENTRAIN_FLOAT32, g));
    EXPECT(gv[0] == 1 && gv[1] == 1 && gv[2] == 0 && gv[3] == 0 && gv[4] == 1 && gv[5] == 1);
    gentrain_tensor *fn = NULL;
    OK(gentrain_embedding(&fn, idx, w, &(int64_t){-2}));
    EXPECT(max_abs_diff(fn, y) == 0);
    gentrain_tensor_free(fn);
    FAILS(gentrain_embedding(&fn, idx, w, &(int64_t){3}), GENTRAIN_ERR_INDEX, "padding_idx 3");
    gentrain_tensor *done[4] = {y, s, g, w};
    for (int i = 0; i < 4; i++) gentrain_tensor_free(done[i]);
    gentrain_module_free(m);
    FAILS(gentrain_module_embedding_new(&bad, 3, 2, &ids_shape[0]), GENTRAIN_ERR_INDEX, "padding_idx");

    /* ModuleDict and submodules by dotted path. */
    gentrain_module *parts[2], *dict = NULL, *seq = NULL, *found = NULL;
    OK(gentrain_module_linear_new(&parts[0], 3, 2, true));
    OK(gentrain_module_layer_new(&parts[1], "Tanh"));
    OK(gentrain_module_sequential_new(&seq, parts, 2));
    const char *dict_names[2] = {"body", "head"};
    gentrain_module *entries[2] = {seq, parts[0]};
    OK(gentrain_module_dict_new(&dict, dict_names, entries, 2));
    OK(gentrain_module_submodule(&found, dict, "body.0"));
    size_t count = 0;
    OK(gentrain_module_parameter_count(&count, found));
    EXPECT(count == 2);
    gentrain_module_free(found);
    FAILS(gentrain_module_submodule(&found, dict, "body.7"), GENTRAIN_ERR_INVALID_ARGUMENT, "no submodule '7'");
    FAILS(gentrain_module_forward(&y, dict, x), GENTRAIN_ERR_UNSUPPORTED, "ModuleDict has no forward");
    const char *twice[2] = {"a", "a"};
    FAILS(gentrain_module_dict_new(&bad, twice, entries, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "already exists");
    gentrain_module_free(dict);
    free_modules(parts, 2);
    gentrain_module_free(seq);

    /* A module written by the host: its parameters train like any module's. */
    affine_state st = {0};
    int64_t ws[2] = {2, 3}, bs[1] = {2}, xs2[2] = {4, 3};
    OK(gentrain_tensor_randn(&st.weight, ws, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_zeros(&st.bias, bs, 1, GENTRAIN_FLOAT32));
    const char *pnames[2] = {"weight", "bias"};
    gentrain_tensor *pvals[2] = {st.weight, st.bias};
    gentrain_module *kid = NULL, *custom = NULL;
    OK(gentrain_module_layer_new(&kid, "Tanh"));
    const char *kid_names[1] = {"act"};
    OK(gentrain_module_custom_new(&custom, affine_forward, &st, affine_destroy, pnames, pvals, 2, kid_names, &kid, 1));
    gentrain_module_free(kid);
    gentrain_tensor *x2 = NULL;
    OK(gentrain_tensor_randn(&x2, xs2, 2, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_module_forward(&y, custom, x2));
    expect_shape(y, 4, 2, 0, 0);
    s = total(y);
    OK(gentrain_backward(s, NULL, false, false));
    OK(gentrain_tensor_grad(&g, st.bias));
    float bg[2];
    OK(gentrain_tensor_copy_to(bg, sizeof bg, GENTRAIN_FLOAT32, g));
    EXPECT(bg[0] == 4 && bg[1] == 4);
    OK(gentrain_module_parameter_count(&count, custom));
    EXPECT(count == 2);
    gentrain_tensor *custom_done[3] = {y, s, g};
    for (int i = 0; i < 3; i++) gentrain_tensor_free(custom_done[i]);
    st.fail = 1;
    FAILS(gentrain_module_forward(&y, custom, x2), GENTRAIN_ERR_CALLBACK_FAILED, "forward callback failed");
    EXPECT(st.calls == 2 && st.destroyed == 0);
    gentrain_module_free(custom);
    EXPECT(st.destroyed == 1);
    FAILS(gentrain_module_custom_new(&bad, NULL, &st, affine_destroy, NULL, NULL, 0, NULL, NULL, 0),
          GENTRAIN_ERR_INVALID_ARGUMENT, "forward is NULL");
    EXPECT(st.destroyed == 2);
    gentrain_tensor *not_leaf = NULL;
    OK(gentrain_tensor_set_requires_grad(x2, true));
    OK(gentrain_relu(&not_leaf, x2));
    FAILS(gentrain_module_custom_new(&bad, affine_forward, &st, affine_destroy, pnames, &not_leaf, 1, NULL, NULL, 0),
          GENTRAIN_ERR_INVALID_ARGUMENT, "leaf");
    EXPECT(st.destroyed == 3 && bad == NULL);
    gentrain_tensor *custom_rest[4] = {not_leaf, x2, st.weight, st.bias};
    for (int i = 0; i < 4; i++) gentrain_tensor_free(custom_rest[i]);

    /* nn.init in place: bounds and statistics of PyTorch's formulas, errors for bad arguments. */
    int64_t wshape[2] = {256, 128};
    gentrain_tensor *wt = NULL, *stat = NULL;
    OK(gentrain_tensor_zeros(&wt, wshape, 2, GENTRAIN_FLOAT32));
    OK(gentrain_init_xavier_uniform(wt, 1.0, NULL));
    OK(gentrain_abs(&z, wt));
    OK(gentrain_amax(&stat, z, NULL, 0, false));
    EXPECT(item(stat) <= sqrt(6.0 / 384) && item(stat) > 0.95 * sqrt(6.0 / 384));
    gentrain_tensor_free(z);
    gentrain_tensor_free(stat);
    OK(gentrain_init_kaiming_normal(wt, 0.0, "fan_out", "relu", NULL));
    OK(gentrain_var(&stat, wt, NULL, 0, 1, false));
    EXPECT(fabs(sqrt(item(stat)) - sqrt(2.0 / 256)) < 0.03 * sqrt(2.0 / 256));
    gentrain_tensor_free(stat);
    OK(gentrain_init_kaiming_uniform(wt, 0.2, NULL, NULL, NULL));
    OK(gentrain_init_xavier_normal(wt, 2.0, NULL));
    OK(gentrain_init_normal(wt, 3.0, 0.5, NULL));
    OK(gentrain_mean(&stat, wt, NULL, 0, false));
    EXPECT(fabs(item(stat) - 3.0) < 0.01);
    gentrain_tensor_free(stat);
    OK(gentrain_init_uniform(wt, -0.5, 0.25, NULL));
    OK(gentrain_init_constant(wt, 0.5));
    OK(gentrain_mean(&stat, wt, NULL, 0, false));
    EXPECT(item(stat) == 0.5);
    gentrain_tensor_free(stat);
    FAILS(gentrain_init_uniform(wt, 1.0, 0.0, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "a <= b");
    FAILS(gentrain_init_normal(wt, 0.0, -1.0, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "std >= 0");
    FAILS(gentrain_init_kaiming_uniform(wt, 0.0, "fan_in", "swish", NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "unsupported nonlinearity");
    FAILS(gentrain_init_kaiming_normal(wt, 0.0, "fan_avg", NULL, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "mode fan_avg");
    FAILS(gentrain_init_xavier_uniform(NULL, 1.0, NULL), GENTRAIN_ERR_INVALID_HANDLE, "tensor");
    gentrain_tensor_free(wt);
    double gain = 0, slope = 0.2;
    OK(gentrain_init_calculate_gain(&gain, "leaky_relu", &slope));
    EXPECT(close_to(gain, sqrt(2.0 / 1.04)));
    OK(gentrain_init_calculate_gain(&gain, "tanh", NULL));
    EXPECT(close_to(gain, 5.0 / 3));
    FAILS(gentrain_init_calculate_gain(NULL, "tanh", NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "out is NULL");

    /* Attention: the module and the function agree; need_weights off gives no weights. */
    gentrain_module *mha = NULL;
    OK(gentrain_module_multihead_attention_new(&mha, 8, 2, 0.0, true, true));
    FAILS(gentrain_module_multihead_attention_new(&bad, 8, 3, 0.0, true, true), GENTRAIN_ERR_INVALID_ARGUMENT, "divisible");
    int64_t qs[3] = {2, 3, 8}, ks[3] = {2, 4, 8};
    gentrain_tensor *q = NULL, *k = NULL, *out1 = NULL, *w1 = NULL, *out2 = NULL, *w2 = NULL, *p[4];
    OK(gentrain_tensor_randn(&q, qs, 3, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&k, ks, 3, GENTRAIN_FLOAT32, NULL));
    gentrain_attention_options ao;
    gentrain_attention_options_default(&ao);
    EXPECT(ao.need_weights && ao.average_attn_weights && !ao.is_causal && !ao.batch_first && ao.dropout == 0);
    OK(gentrain_module_attention_forward(&out1, &w1, mha, q, k, k, &ao));
    expect_shape(out1, 2, 3, 8, 0);
    expect_shape(w1, 2, 3, 4, 0);
    for (size_t i = 0; i < 4; i++) OK(gentrain_module_parameter(&p[i], NULL, mha, i));
    ao.batch_first = true;
    OK(gentrain_multi_head_attention(&out2, &w2, q, k, k, 2, p[0], p[1], p[2], p[3], &ao));
    EXPECT(max_abs_diff(out1, out2) < 1e-6 && max_abs_diff(w1, w2) < 1e-6);
    gentrain_tensor *attn_done[4] = {out1, w1, out2, w2};
    for (int i = 0; i < 4; i++) gentrain_tensor_free(attn_done[i]);
    ao.need_weights = false;
    w1 = q;   /* overwritten with NULL */
    OK(gentrain_multi_head_attention(&out1, &w1, q, k, k, 2, p[0], p[1], p[2], p[3], &ao));
    EXPECT(w1 == NULL);
    gentrain_tensor_free(out1);
    OK(gentrain_module_forward(&out1, mha, q));   /* self-attention */
    expect_shape(out1, 2, 3, 8, 0);
    gentrain_tensor_free(out1);
    FAILS(gentrain_multi_head_attention(&out1, NULL, q, k, k, 3, p[0], p[1], p[2], p[3], &ao), GENTRAIN_ERR_INVALID_ARGUMENT, "divisible");
    ao.struct_size = 0;
    FAILS(gentrain_multi_head_attention(&out1, NULL, q, k, k, 2, p[0], p[1], p[2], p[3], &ao), GENTRAIN_ERR_INVALID_ARGUMENT, "struct_size");
    gentrain_attention_options_default(&ao);
    int64_t bad_mask_shape[2] = {3, 3};
    gentrain_tensor *bad_mask = NULL;
    OK(gentrain_tensor_zeros(&bad_mask, bad_mask_shape, 2, GENTRAIN_FLOAT32));
    ao.attn_mask = bad_mask;
    FAILS(gentrain_module_attention_forward(&out1, &w1, mha, q, k, k, &ao), GENTRAIN_ERR_SHAPE, "attn_mask must be");
    FAILS(gentrain_module_attention_forward(&out1, &w1, mha, q, k, NULL, &ao), GENTRAIN_ERR_INVALID_HANDLE, "value");
    gentrain_tensor_free(bad_mask);
    for (size_t i = 0; i < 4; i++) gentrain_tensor_free(p[i]);
    gentrain_module_free(mha);

    /* Scaled dot-product attention: is_causal equals the explicit lower-triangular mask. */
    int64_t tri[2] = {4, 4};
    bool lower[16];
    for (int i = 0; i < 16; i++) lower[i] = (i % 4) <= (i / 4);
    gentrain_tensor *mask = NULL, *a1 = NULL, *a2 = NULL;
    OK(gentrain_tensor_from_data(&mask, lower, sizeof lower, GENTRAIN_BOOL, tri, 2));
    double scale = 0.25;
    OK(gentrain_scaled_dot_product_attention(&a1, k, k, k, NULL, 0.0, true, &scale));
    OK(gentrain_scaled_dot_product_attention(&a2, k, k, k, mask, 0.0, false, &scale));
    EXPECT(max_abs_diff(a1, a2) < 1e-6);
    gentrain_tensor_free(a2);
    FAILS(gentrain_scaled_dot_product_attention(&a2, k, k, k, mask, 0.0, true, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "not both");
    FAILS(gentrain_scaled_dot_product_attention(&a2, q, x, k, NULL, 0.0, false, NULL), GENTRAIN_ERR_SHAPE, "expected q");
    gentrain_tensor *sdpa_done[5] = {mask, a1, q, k, x};
    for (int i = 0; i < 5; i++) gentrain_tensor_free(sdpa_done[i]);
}

/* GradScaler from C: scale, unscale_, a skipped step on an infinite gradient, update's backoff and
 * growth, state in and out, and the misuse errors. */
/* The dtype of module(x converted to `dtype`). */
static gentrain_dtype forward_dtype(gentrain_module *module, const gentrain_tensor *x, gentrain_dtype dtype) {
    gentrain_tensor *converted = NULL, *y = NULL;
    gentrain_dtype dt = GENTRAIN_INT64;
    OK(gentrain_to_dtype(&converted, x, dtype));
    OK(gentrain_module_forward(&y, module, converted));
    OK(gentrain_tensor_dtype(&dt, y));
    gentrain_tensor_free(y);
    gentrain_tensor_free(converted);
    return dt;
}

/* Module.to(dtype) from C: parameters (and their gradients) change dtype in place, so existing
 * handles see it and forward computes in it; an optimizer built before refuses to step; a
 * non-floating dtype changes nothing. */
static void test_module_to(void) {
    gentrain_module *linear = NULL;
    OK(gentrain_module_linear_new(&linear, 4, 3, true));
    gentrain_tensor *w = NULL, *x = NULL, *y = NULL, *loss = NULL;
    OK(gentrain_module_parameter(&w, NULL, linear, 0));
    int64_t shape[2] = {2, 4};
    OK(gentrain_tensor_randn(&x, shape, 2, GENTRAIN_FLOAT32, NULL));
    gentrain_optimizer *before = NULL;
    OK(gentrain_optim_adam_new(&before, &w, 1, NULL));
    OK(gentrain_module_forward(&y, linear, x));
    OK(gentrain_sum(&loss, y, NULL, 0, false));
    OK(gentrain_backward(loss, NULL, false, false));
    gentrain_tensor_free(y);
    gentrain_tensor_free(loss);
    OK(gentrain_optim_step(before));

    OK(gentrain_module_to(linear, GENTRAIN_FLOAT64));
    gentrain_dtype dt = GENTRAIN_FLOAT32;
    gentrain_tensor *grad = NULL;
    OK(gentrain_tensor_dtype(&dt, w));
    EXPECT(dt == GENTRAIN_FLOAT64);
    OK(gentrain_tensor_grad(&grad, w));
    OK(gentrain_tensor_dtype(&dt, grad));
    EXPECT(dt == GENTRAIN_FLOAT64);
    gentrain_tensor_free(grad);
    FAILS(gentrain_optim_step(before), GENTRAIN_ERR_DTYPE, "build the optimizer after");
    EXPECT(forward_dtype(linear, x, GENTRAIN_FLOAT64) == GENTRAIN_FLOAT64);
    gentrain_optimizer *after = NULL;
    OK(gentrain_optim_adam_new(&after, &w, 1, NULL));
    OK(gentrain_optim_step(after));

    FAILS(gentrain_module_to(linear, GENTRAIN_INT64), GENTRAIN_ERR_DTYPE, "floating point");
    OK(gentrain_tensor_dtype(&dt, w));
    EXPECT(dt == GENTRAIN_FLOAT64);
    FAILS(gentrain_module_to(NULL, GENTRAIN_FLOAT32), GENTRAIN_ERR_INVALID_HANDLE, "NULL");
    OK(gentrain_module_to(linear, GENTRAIN_BFLOAT16));
    EXPECT(forward_dtype(linear, x, GENTRAIN_BFLOAT16) == GENTRAIN_BFLOAT16);
    /* Converted between forward and backward: the gradient arrives in the parameter's new dtype. */
    OK(gentrain_module_forward(&y, linear, x));
    OK(gentrain_sum(&loss, y, NULL, 0, false));
    OK(gentrain_module_to(linear, GENTRAIN_FLOAT64));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_tensor_grad(&grad, w));
    OK(gentrain_tensor_dtype(&dt, grad));
    EXPECT(dt == GENTRAIN_FLOAT64);
    gentrain_tensor_free(grad);
    gentrain_tensor_free(y);
    gentrain_tensor_free(loss);
    gentrain_tensor_free(x);
    gentrain_tensor_free(w);
    gentrain_optim_free(before);
    gentrain_optim_free(after);
    gentrain_module_free(linear);
}

/* Autocast regions from C: products in bfloat16 inside, float32 again in a disabled inner region
 * and after; a float32 region and an exit without a region are errors. */
static void test_autocast(void) {
    const int64_t shape[2] = {4, 4};
    gentrain_tensor *a = NULL, *r = NULL;
    OK(gentrain_tensor_ones(&a, shape, 2, GENTRAIN_FLOAT32));
    gentrain_autocast_options o;
    gentrain_autocast_options_default(&o);
    EXPECT(o.enabled && o.dtype == GENTRAIN_BFLOAT16 && o.cache_enabled);
    EXPECT(!gentrain_autocast_is_enabled());
    OK(gentrain_autocast_enter(NULL));
    EXPECT(gentrain_autocast_is_enabled() && gentrain_autocast_get_dtype() == GENTRAIN_BFLOAT16);
    gentrain_dtype dt;
    OK(gentrain_matmul(&r, a, a));
    OK(gentrain_tensor_dtype(&dt, r));
    EXPECT(dt == GENTRAIN_BFLOAT16);
    gentrain_tensor_free(r);
    o.enabled = false;
    OK(gentrain_autocast_enter(&o));
    OK(gentrain_matmul(&r, a, a));
    OK(gentrain_tensor_dtype(&dt, r));
    EXPECT(dt == GENTRAIN_FLOAT32 && !gentrain_autocast_is_enabled());
    gentrain_tensor_free(r);
    OK(gentrain_autocast_exit());
    EXPECT(gentrain_autocast_is_enabled());
    OK(gentrain_autocast_exit());
    EXPECT(!gentrain_autocast_is_enabled());
    FAILS(gentrain_autocast_exit(), GENTRAIN_ERR_INVALID_ARGUMENT, "no autocast region");
    o.enabled = true;
    o.dtype = GENTRAIN_FLOAT32;
    FAILS(gentrain_autocast_enter(&o), GENTRAIN_ERR_DTYPE, "only supports");
    EXPECT(!gentrain_autocast_is_enabled());
    gentrain_tensor_free(a);
}

static void test_grad_scaler(void) {
    const int64_t shape[1] = {3};
    const float ones[3] = {1, 1, 1}, weights[3] = {1, 2, 3};
    gentrain_tensor *p = from_floats(ones, shape, 1), *w = from_floats(weights, shape, 1), *prod = NULL, *loss = NULL,
                    *scaled = NULL, *grad = NULL;
    OK(gentrain_tensor_set_requires_grad(p, true));
    gentrain_optimizer *opt = NULL;
    OK(gentrain_optim_sgd_new(&opt, &p, 1, NULL));
    gentrain_grad_scaler_options o;
    gentrain_grad_scaler_options_default(&o);
    EXPECT(o.init_scale == 65536 && o.growth_factor == 2 && o.backoff_factor == 0.5 && o.growth_interval == 2000 && o.enabled);
    o.init_scale = 8;
    o.growth_interval = 2;
    gentrain_grad_scaler *scaler = NULL;
    OK(gentrain_grad_scaler_new(&scaler, &o));
    FAILS(gentrain_grad_scaler_unscale_(scaler, opt), GENTRAIN_ERR_INVALID_ARGUMENT, "did not use scaler.scale");
    for (int step = 0; step < 3; step++) {
        OK(gentrain_mul(&prod, p, w));
        OK(gentrain_sum(&loss, prod, NULL, 0, false));
        OK(gentrain_grad_scaler_scale(&scaled, scaler, loss));
        OK(gentrain_backward(scaled, NULL, false, false));
        OK(gentrain_tensor_grad(&grad, p));
        float g[3] = {0};
        OK(gentrain_tensor_copy_to(g, sizeof g, GENTRAIN_FLOAT32, grad));
        EXPECT(g[0] == (step == 2 ? 4 : 8) && g[2] == 3 * g[0]);   /* the weights times the scale */
        if (step == 1) {   /* an infinite gradient: the step is skipped and the scale backs off */
            const float inf[3] = {INFINITY, 0, 0};
            gentrain_tensor *bad = from_floats(inf, shape, 1);
            OK(gentrain_tensor_set_grad(p, bad));
            gentrain_tensor_free(bad);
        }
        OK(gentrain_grad_scaler_unscale_(scaler, opt));
        FAILS(gentrain_grad_scaler_unscale_(scaler, opt), GENTRAIN_ERR_INVALID_ARGUMENT, "already been called");
        bool stepped = false;
        OK(gentrain_grad_scaler_step(&stepped, scaler, opt));
        EXPECT(stepped == (step != 1));
        FAILS(gentrain_grad_scaler_step(NULL, scaler, opt), GENTRAIN_ERR_INVALID_ARGUMENT, "already been called");
        OK(gentrain_grad_scaler_update(scaler, NULL));
        OK(gentrain_optim_zero_grad(opt, true));
        gentrain_tensor_free(grad);
        gentrain_tensor_free(scaled);
        gentrain_tensor_free(loss);
        gentrain_tensor_free(prod);
        gentrain_grad_scaler_state st;
        OK(gentrain_grad_scaler_get_state(&st, scaler));
        /* scales after each update: 8 (tracker 1), 4 (backoff), 4 (tracker 1) */
        EXPECT(st.scale == (step == 0 ? 8 : 4) && st.growth_tracker == (step == 1 ? 0 : 1) && st.enabled);
    }
    gentrain_grad_scaler_state st;
    OK(gentrain_grad_scaler_get_state(&st, scaler));
    st.growth_tracker = 2;   /* not below growth_interval */
    FAILS(gentrain_grad_scaler_set_state(scaler, &st), GENTRAIN_ERR_INVALID_ARGUMENT, "_growth_tracker");
    st.growth_tracker = 0;
    st.scale = 1024;
    OK(gentrain_grad_scaler_set_state(scaler, &st));
    const double manual = 2.0;
    OK(gentrain_grad_scaler_update(scaler, &manual));
    OK(gentrain_grad_scaler_get_state(&st, scaler));
    EXPECT(st.scale == 2);
    FAILS(gentrain_grad_scaler_set_state(scaler, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "state is NULL");
    /* In a checkpoint: saved with the run and restored into another scaler. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/gentrain-capi-scaler-%d.ckpt", (int)getpid());
    gentrain_checkpoint *ck = NULL;
    OK(gentrain_checkpoint_new(&ck));
    OK(gentrain_checkpoint_add_grad_scaler(ck, scaler));
    OK(gentrain_checkpoint_save(ck, path));
    gentrain_checkpoint_free(ck);
    gentrain_grad_scaler *restored = NULL;
    OK(gentrain_grad_scaler_new(&restored, NULL));
    OK(gentrain_checkpoint_new(&ck));
    OK(gentrain_checkpoint_add_grad_scaler(ck, restored));
    OK(gentrain_checkpoint_load(ck, path));
    gentrain_grad_scaler_state back;
    OK(gentrain_grad_scaler_get_state(&back, restored));
    EXPECT(back.scale == 2 && back.growth_interval == 2 && back.growth_tracker == st.growth_tracker);
    gentrain_checkpoint_free(ck);
    gentrain_grad_scaler_free(restored);
    remove(path);
    FAILS(gentrain_grad_scaler_scale(&scaled, NULL, p), GENTRAIN_ERR_INVALID_HANDLE, "scaler");
    o.growth_factor = 1;
    FAILS(gentrain_grad_scaler_new(&scaler, &o), GENTRAIN_ERR_INVALID_ARGUMENT, "growth factor");
    gentrain_grad_scaler_free((gentrain_grad_scaler *)opt);   /* the wrong kind: ignored */
    gentrain_grad_scaler_free(scaler);
    gentrain_optim_free(opt);
    gentrain_tensor_free(p);
    gentrain_tensor_free(w);
}

/* In-place ops: values, the autograd record they take over, versions, and PyTorch's refusals. */
static void test_in_place(void) {
    const float xv[4] = {1, 2, 3, 4}, yv[2] = {0.5f, 2};
    int64_t shape[2] = {2, 2}, row[1] = {2};
    gentrain_tensor *x = from_floats(xv, shape, 2), *y = from_floats(yv, row, 1), *h = NULL, *loss = NULL, *g = NULL;
    OK(gentrain_tensor_set_requires_grad(x, true));
    OK(gentrain_tensor_set_requires_grad(y, true));
    FAILS(gentrain_add_(x, y, 1.0), GENTRAIN_ERR_AUTOGRAD, "leaf");   /* a leaf that requires grad */
    OK(gentrain_mul_scalar(&h, x, 2.0));                               /* h = 2x */
    OK(gentrain_add_(h, y, 3.0));                                      /* h += 3y */
    OK(gentrain_mul_(h, y));                                           /* h *= y */
    OK(gentrain_sub_(h, y, 1.0));
    OK(gentrain_div_(h, y));                                           /* h = 2x + 3y - 1 */
    OK(gentrain_clamp_(h, -INFINITY, 9.0));
    int64_t version = 0;
    OK(gentrain_tensor_version(&version, h));
    EXPECT(version == 5);
    float got[4];
    OK(gentrain_tensor_copy_to(got, sizeof got, GENTRAIN_FLOAT32, h));
    EXPECT(close_to(got[0], 2.5) && close_to(got[1], 9) && close_to(got[2], 6.5) && close_to(got[3], 9));
    /* One column assigned through a view of h: h[:, 0] = y. */
    gentrain_tensor *column = NULL;
    OK(gentrain_select(&column, h, 1, 0));
    OK(gentrain_tensor_assign_(h, column, y));
    OK(gentrain_sum(&loss, h, NULL, 0, false));
    OK(gentrain_backward(loss, NULL, false, false));
    OK(gentrain_tensor_grad(&g, x));   /* d/dx: 2 where not overwritten (column 0) nor clamped (13 at [1, 1]; 9 is the bound) */
    OK(gentrain_tensor_copy_to(got, sizeof got, GENTRAIN_FLOAT32, g));
    EXPECT(got[0] == 0 && got[1] == 2 && got[2] == 0 && got[3] == 0);
    gentrain_tensor_free(g);
    OK(gentrain_tensor_grad(&g, y));   /* y: the column (1 each), and 3 through h[0, 1] = 2x + 3y - 1 */
    OK(gentrain_tensor_copy_to(got, sizeof got, GENTRAIN_FLOAT32, g));
    EXPECT(close_to(got[0], 1) && close_to(got[1], 1 + 3));
    gentrain_tensor_free(g);
    /* A write to a tensor an op saved: an error at backward, not a wrong gradient. */
    gentrain_tensor *a = NULL, *b = NULL, *one = NULL;
    OK(gentrain_mul_scalar(&a, x, 1.0));
    OK(gentrain_mul(&b, a, x));
    gentrain_tensor_free(loss);
    OK(gentrain_sum(&loss, b, NULL, 0, false));
    OK(gentrain_tensor_full(&one, NULL, 0, GENTRAIN_FLOAT32, 1.0));
    OK(gentrain_add_(a, one, 1.0));
    FAILS(gentrain_backward(loss, NULL, false, false), GENTRAIN_ERR_AUTOGRAD, "modified by an inplace operation");
    /* Masks, fill, zero on a plain tensor. */
    const bool mv[4] = {true, false, false, true};
    gentrain_tensor *mask = NULL, *plain = from_floats(xv, shape, 2);
    OK(gentrain_tensor_from_data(&mask, mv, sizeof mv, GENTRAIN_BOOL, shape, 2));
    OK(gentrain_masked_fill_(plain, mask, -1.0));
    OK(gentrain_masked_assign_(plain, mask, y));   /* y broadcasts over the rows */
    OK(gentrain_tensor_copy_to(got, sizeof got, GENTRAIN_FLOAT32, plain));
    EXPECT(got[0] == 0.5f && got[1] == 2 && got[2] == 3 && got[3] == 2);
    FAILS(gentrain_masked_fill_(plain, plain, 0.0), GENTRAIN_ERR_DTYPE, "bool");
    OK(gentrain_fill_(plain, 7.0));
    OK(gentrain_zero_(plain));
    OK(gentrain_tensor_copy_to(got, sizeof got, GENTRAIN_FLOAT32, plain));
    EXPECT(got[0] == 0 && got[3] == 0);
    FAILS(gentrain_tensor_assign_(plain, column, y), GENTRAIN_ERR_INVALID_ARGUMENT, "does not share");
    FAILS(gentrain_add_(plain, NULL, 1.0), GENTRAIN_ERR_INVALID_HANDLE, "other");
    FAILS(gentrain_tensor_version(NULL, plain), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    gentrain_tensor *all[] = {x, y, h, loss, column, a, b, one, mask, plain};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gentrain_tensor_free(all[i]);
}

/* Every parameter of `m`, in order (at most 8). */
static size_t module_parameters(gentrain_tensor **out, const gentrain_module *m) {
    size_t n = 0;
    OK(gentrain_module_parameter_count(&n, m));
    for (size_t i = 0; i < n && i < 8; i++) OK(gentrain_module_parameter(&out[i], NULL, m, i));
    return n;
}

static void free_all(gentrain_tensor **t, size_t n) {
    for (size_t i = 0; i < n; i++) gentrain_tensor_free(t[i]);
}

/* The C modules of the recurrent layers, pooling, upsampling and Conv1d: each one's forward equals
 * the function it stands for on the module's own parameters (PyTorch's names and order), and
 * gentrain_module_recurrent_forward hands out the states. */
static void test_c_modules(void) {
    gentrain_manual_seed(11);
    int64_t xs[3] = {5, 2, 3}, hs[3] = {2, 2, 4};
    gentrain_tensor *x = NULL, *h0 = NULL, *c0 = NULL, *p[8];
    OK(gentrain_tensor_randn(&x, xs, 3, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&h0, hs, 3, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_randn(&c0, hs, 3, GENTRAIN_FLOAT32, NULL));

    /* LSTM, 2 layers: weight_ih_l0 [16, 3], weight_hh_l0, bias_ih_l0, bias_hh_l0, then layer 1. */
    gentrain_module *lstm = NULL;
    OK(gentrain_module_lstm_new(&lstm, 3, 4, 2, true, false, 0.0, false));
    EXPECT(module_parameters(p, lstm) == 8);
    const char *name = NULL;
    gentrain_tensor *w = NULL;
    OK(gentrain_module_parameter(&w, &name, lstm, 4));
    EXPECT(strcmp(name, "weight_ih_l1") == 0);
    expect_shape(w, 16, 4, 0, 0);
    gentrain_tensor_free(w);
    gentrain_tensor *y = NULL, *h = NULL, *c = NULL, *ry = NULL, *rh = NULL, *rc = NULL, *fy = NULL;
    OK(gentrain_module_recurrent_forward(&y, &h, &c, lstm, x, h0, c0));
    OK(gentrain_lstm(&ry, &rh, &rc, x, h0, c0, p, 2, false, 0.0, false, false));
    EXPECT(max_abs_diff(y, ry) == 0 && max_abs_diff(h, rh) == 0 && max_abs_diff(c, rc) == 0);
    expect_shape(y, 5, 2, 4, 0);
    expect_shape(c, 2, 2, 4, 0);
    gentrain_tensor *done[] = {y, h, c, ry, rh, rc};
    free_all(done, 6);
    OK(gentrain_module_forward(&fy, lstm, x));   /* from zero states: the output only */
    OK(gentrain_lstm(&ry, &rh, &rc, x, NULL, NULL, p, 2, false, 0.0, false, false));
    EXPECT(max_abs_diff(fy, ry) == 0);
    gentrain_tensor *done2[] = {fy, ry, rh, rc};
    free_all(done2, 4);
    y = h = c = NULL;
    FAILS(gentrain_module_recurrent_forward(&y, &h, &c, lstm, x, h0, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "both h0 and c0");
    FAILS(gentrain_module_recurrent_forward(&y, &h, NULL, lstm, x, NULL, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "NULL");
    EXPECT(y == NULL && h == NULL);
    free_all(p, 8);
    gentrain_module_free(lstm);

    /* Bidirectional: a reverse weight set per layer (weight_ih_l0_reverse, ...), outputs side by side. */
    OK(gentrain_module_lstm_new(&lstm, 3, 4, 1, true, false, 0.0, true));
    EXPECT(module_parameters(p, lstm) == 8);
    OK(gentrain_module_parameter(&w, &name, lstm, 4));
    EXPECT(strcmp(name, "weight_ih_l0_reverse") == 0);
    gentrain_tensor_free(w);
    OK(gentrain_module_recurrent_forward(&y, &h, &c, lstm, x, h0, c0));   /* h0, c0 [2, N, H]: one layer, two directions */
    OK(gentrain_lstm(&ry, &rh, &rc, x, h0, c0, p, 1, false, 0.0, false, true));
    EXPECT(max_abs_diff(y, ry) == 0 && max_abs_diff(h, rh) == 0 && max_abs_diff(c, rc) == 0);
    expect_shape(y, 5, 2, 8, 0);
    gentrain_tensor *done_bi[] = {y, h, c, ry, rh, rc};
    free_all(done_bi, 6);
    y = NULL;
    FAILS(gentrain_lstm(&y, &h, &c, x, h0, c0, p, 1, false, 0.0, false, false), GENTRAIN_ERR_SHAPE, "h0");   /* one direction: [1, N, H] */
    free_all(p, 8);
    gentrain_module_free(lstm);

    /* GRU, batch first: no cell state. */
    gentrain_module *gru = NULL;
    OK(gentrain_module_gru_new(&gru, 3, 4, 1, true, true, 0.0, false));
    EXPECT(module_parameters(p, gru) == 4);
    gentrain_tensor *h01 = NULL;
    OK(gentrain_select(&h01, h0, 0, 0));   /* [N 2, H 4]: one layer's state, as [1, 5, 4] below */
    gentrain_tensor *h1 = NULL;
    int64_t one_layer[3] = {1, 5, 4};
    OK(gentrain_tensor_randn(&h1, one_layer, 3, GENTRAIN_FLOAT32, NULL));
    c = x;   /* a c_n for a GRU: refused, and set to NULL */
    FAILS(gentrain_module_recurrent_forward(&y, &h, &c, gru, x, h1, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "no cell state");
    EXPECT(c == NULL && y == NULL);
    OK(gentrain_module_recurrent_forward(&y, &h, NULL, gru, x, h1, NULL));   /* x as [N 5, T 2, I 3] */
    OK(gentrain_gru(&ry, &rh, x, h1, p, 1, true, 0.0, false, false));
    EXPECT(max_abs_diff(y, ry) == 0 && max_abs_diff(h, rh) == 0);
    expect_shape(y, 5, 2, 4, 0);
    gentrain_tensor *done3[] = {y, h, ry, rh, h1};
    free_all(done3, 5);
    free_all(p, 4);
    gentrain_module_free(gru);

    /* The cells: one step from x[0] [2, 3]. */
    gentrain_tensor *x0 = NULL, *ch = NULL, *cc = NULL, *c01 = NULL;
    OK(gentrain_select(&x0, x, 0, 0));
    OK(gentrain_select(&c01, c0, 0, 0));
    gentrain_module *lstm_cell = NULL, *gru_cell = NULL;
    OK(gentrain_module_lstm_cell_new(&lstm_cell, 3, 4, true));
    EXPECT(module_parameters(p, lstm_cell) == 4);
    OK(gentrain_module_recurrent_forward(&y, &h, &c, lstm_cell, x0, h01, c01));
    OK(gentrain_lstm_cell(&ch, &cc, x0, h01, c01, p[0], p[1], p[2], p[3]));
    EXPECT(max_abs_diff(y, ch) == 0 && max_abs_diff(h, ch) == 0 && max_abs_diff(c, cc) == 0);
    gentrain_tensor *done4[] = {y, h, c, ch, cc};
    free_all(done4, 5);
    free_all(p, 4);
    OK(gentrain_module_gru_cell_new(&gru_cell, 3, 4, false));
    EXPECT(module_parameters(p, gru_cell) == 2);
    OK(gentrain_module_recurrent_forward(&y, &h, NULL, gru_cell, x0, h01, NULL));
    OK(gentrain_gru_cell(&ch, x0, h01, p[0], p[1], NULL, NULL));
    EXPECT(max_abs_diff(y, ch) == 0 && max_abs_diff(h, ch) == 0);
    gentrain_tensor *done5[] = {y, h, ch, x0, c01, h01};
    free_all(done5, 6);
    free_all(p, 2);
    gentrain_module_free(lstm_cell);
    gentrain_module_free(gru_cell);
    y = NULL;
    FAILS(gentrain_module_lstm_new(&lstm, 3, 4, 2000, true, false, 0.0, false), GENTRAIN_ERR_INVALID_ARGUMENT, "num_layers");
    FAILS(gentrain_module_lstm_new(&lstm, 3, 0, 1, true, false, 0.0, true), GENTRAIN_ERR_INVALID_ARGUMENT, "hidden_size");
    FAILS(gentrain_module_gru_new(&gru, 3, 4, 1, true, false, 1.5, false), GENTRAIN_ERR_INVALID_ARGUMENT, "dropout");
    EXPECT(lstm == NULL && gru == NULL);

    /* Conv1d(2, 4, 3, stride 2, padding 1): its forward is gentrain_conv1d on its parameters. */
    gentrain_module *conv = NULL;
    int64_t ls[3] = {2, 2, 9};
    gentrain_tensor *seq = NULL;
    OK(gentrain_tensor_randn(&seq, ls, 3, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_module_conv1d_new(&conv, 2, 4, 3, 2, 1, 1, 1, true));
    EXPECT(module_parameters(p, conv) == 2);
    gentrain_conv_options co;
    gentrain_conv_options_default(&co);
    co.stride[1] = 2;
    co.padding[1] = 1;
    OK(gentrain_module_forward(&y, conv, seq));
    OK(gentrain_conv1d(&ry, seq, p[0], p[1], &co));
    EXPECT(max_abs_diff(y, ry) == 0);
    expect_shape(y, 2, 4, 5, 0);
    gentrain_tensor *done6[] = {y, ry, seq};
    free_all(done6, 3);
    free_all(p, 2);
    gentrain_module_free(conv);
    FAILS(gentrain_module_conv1d_new(&conv, 3, 4, 3, 1, 0, 1, 2, true), GENTRAIN_ERR_INVALID_ARGUMENT, "groups");
    FAILS(gentrain_module_conv1d_new(&conv, 2, 4, 3, 0, 0, 1, 1, true), GENTRAIN_ERR_INVALID_ARGUMENT, "stride");

    /* Pooling and upsampling modules against their functions. */
    int64_t is[4] = {1, 2, 6, 6};
    gentrain_tensor *img = NULL;
    OK(gentrain_tensor_randn(&img, is, 4, GENTRAIN_FLOAT32, NULL));
    gentrain_pool2d_options po;
    gentrain_pool2d_options_default(&po);
    po.stride[0] = po.stride[1] = 2;
    po.padding[0] = po.padding[1] = 1;
    po.count_include_pad = false;
    gentrain_module *pool = NULL;
    OK(gentrain_module_max_pool2d_new(&pool, 3, 3, &po));
    OK(gentrain_module_forward(&y, pool, img));
    OK(gentrain_max_pool2d(&ry, img, 3, 3, &po));
    EXPECT(max_abs_diff(y, ry) == 0);
    expect_shape(y, 1, 2, 3, 3);
    gentrain_tensor_free(y);
    gentrain_tensor_free(ry);
    gentrain_module_free(pool);
    OK(gentrain_module_avg_pool2d_new(&pool, 3, 3, &po));
    OK(gentrain_module_forward(&y, pool, img));
    OK(gentrain_avg_pool2d(&ry, img, 3, 3, &po));
    EXPECT(max_abs_diff(y, ry) == 0);
    gentrain_tensor_free(y);
    gentrain_tensor_free(ry);
    gentrain_module_free(pool);
    pool = NULL;
    FAILS(gentrain_module_max_pool2d_new(&pool, 0, 3, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "kernel");

    /* Max pooling with indices and back: every maximum in its place, zeros elsewhere. */
    gentrain_tensor *idx = NULL, *back = NULL, *s1 = NULL, *s2 = NULL;
    OK(gentrain_max_pool2d_with_indices(&y, &idx, img, 2, 2, NULL));
    expect_shape(idx, 1, 2, 3, 3);
    OK(gentrain_max_unpool2d(&back, y, idx, 2, 2, NULL, NULL));
    expect_shape(back, 1, 2, 6, 6);
    OK(gentrain_sum(&s1, y, NULL, 0, false));
    OK(gentrain_sum(&s2, back, NULL, 0, false));
    EXPECT(close_to(item(s1), item(s2)));
    gentrain_tensor_free(back);
    back = NULL;
    int64_t too_small[2] = {2, 2};
    FAILS(gentrain_max_unpool2d(&back, y, idx, 2, 2, NULL, too_small), GENTRAIN_ERR_INDEX, "invalid max index");
    FAILS(gentrain_max_unpool2d(&back, y, img, 2, 2, NULL, NULL), GENTRAIN_ERR_SHAPE, "int64 indices");
    EXPECT(back == NULL);
    gentrain_tensor *done7[] = {y, idx, s1, s2};
    free_all(done7, 4);
    /* An empty input with a huge height: empty results (no per-position tables), or an error. */
    int64_t tall[4] = {0, 1, (int64_t)1 << 40, 1};
    gentrain_tensor *empty_img = NULL;
    OK(gentrain_tensor_zeros(&empty_img, tall, 4, GENTRAIN_FLOAT32));
    OK(gentrain_tensor_set_requires_grad(empty_img, true));   /* a recorded empty result is freed (ASan: no cycle) */
    OK(gentrain_max_pool2d_with_indices(&y, &idx, empty_img, 2, 1, NULL));
    expect_shape(y, 0, 1, (int64_t)1 << 39, 1);
    gentrain_tensor_free(y);
    OK(gentrain_avg_pool2d(&y, empty_img, 2, 1, NULL));
    expect_shape(y, 0, 1, (int64_t)1 << 39, 1);
    gentrain_tensor_free(y);
    y = NULL;
    gentrain_tensor_free(idx);
    OK(gentrain_tensor_zeros(&idx, tall, 4, GENTRAIN_INT64));
    FAILS(gentrain_max_unpool2d(&y, empty_img, idx, 2, 1, NULL, NULL), GENTRAIN_ERR_SHAPE, "too large");
    gentrain_tensor_free(idx);
    gentrain_tensor_free(empty_img);
    po.ceil_mode = true;   /* [6, 6] by 4 windows with stride 3: a second, partial one */
    po.padding[0] = po.padding[1] = 0;
    po.stride[0] = po.stride[1] = 3;
    OK(gentrain_max_pool2d(&y, img, 4, 4, &po));
    expect_shape(y, 1, 2, 2, 2);
    gentrain_tensor_free(y);
    gentrain_interpolate_options io;
    gentrain_interpolate_options_default(&io);
    io.scale_factor[0] = io.scale_factor[1] = 2;
    io.mode = GENTRAIN_INTERPOLATE_BILINEAR;
    io.align_corners = true;
    gentrain_module *up = NULL;
    OK(gentrain_module_upsample_new(&up, &io));
    OK(gentrain_module_forward(&y, up, img));
    OK(gentrain_interpolate(&ry, img, &io));
    EXPECT(max_abs_diff(y, ry) == 0);
    expect_shape(y, 1, 2, 12, 12);
    gentrain_tensor_free(y);
    gentrain_tensor_free(ry);
    gentrain_module_free(up);
    up = NULL;
    FAILS(gentrain_module_upsample_new(&up, NULL), GENTRAIN_ERR_INVALID_ARGUMENT, "options is NULL");
    io.size[0] = io.size[1] = 4;
    FAILS(gentrain_module_upsample_new(&up, &io), GENTRAIN_ERR_INVALID_ARGUMENT, "exactly one");
    EXPECT(up == NULL);
    FAILS(gentrain_module_recurrent_forward(&y, &h, NULL, up, img, NULL, NULL), GENTRAIN_ERR_INVALID_HANDLE, "");

    /* Flatten and Unflatten: [1, 2, 6, 6] -> [1, 72] -> [1, 8, 9]. */
    gentrain_module *flat = NULL, *unflat = NULL, *seqm = NULL;
    int64_t sizes[2] = {8, -1};
    OK(gentrain_module_flatten_new(&flat, 1, -1));
    OK(gentrain_module_unflatten_new(&unflat, 1, sizes, 2));
    gentrain_module *chain[2] = {flat, unflat};
    OK(gentrain_module_sequential_new(&seqm, chain, 2));
    OK(gentrain_module_forward(&y, seqm, img));
    expect_shape(y, 1, 8, 9, 0);
    FAILS(gentrain_module_recurrent_forward(&ry, &rh, NULL, seqm, img, NULL, NULL), GENTRAIN_ERR_INVALID_ARGUMENT,
          "not an LSTM");
    gentrain_tensor_free(y);
    gentrain_module_free(seqm);
    gentrain_module_free(flat);
    gentrain_module_free(unflat);

    /* A BatchNorm's buffers by PyTorch's names; training forwards update them. */
    gentrain_module *bn = NULL;
    size_t nb = 0;
    OK(gentrain_module_batch_norm_new(&bn, 2, 1e-5, NULL, true, true));
    OK(gentrain_module_buffer_count(&nb, bn));
    EXPECT(nb == 3);
    gentrain_tensor *tracked = NULL;
    OK(gentrain_module_buffer(&tracked, &name, bn, 2));
    EXPECT(strcmp(name, "num_batches_tracked") == 0 && item(tracked) == 0);
    OK(gentrain_module_forward(&y, bn, img));
    EXPECT(item(tracked) == 1);
    gentrain_tensor_free(y);
    gentrain_tensor_free(tracked);
    tracked = NULL;
    FAILS(gentrain_module_buffer(&tracked, NULL, bn, 3), GENTRAIN_ERR_INDEX, "out of range");
    EXPECT(tracked == NULL);
    gentrain_module_free(bn);
    /* Without running statistics: no buffers, and eval normalizes with the batch's statistics. */
    gentrain_tensor *train_y = NULL;
    OK(gentrain_module_batch_norm_new(&bn, 2, 1e-5, NULL, false, false));
    OK(gentrain_module_buffer_count(&nb, bn));
    EXPECT(nb == 0);
    OK(gentrain_module_forward(&train_y, bn, img));
    OK(gentrain_module_train(bn, false));
    OK(gentrain_module_forward(&y, bn, img));
    EXPECT(max_abs_diff(y, train_y) == 0);
    gentrain_tensor_free(y);
    gentrain_tensor_free(train_y);
    gentrain_module_free(bn);
    gentrain_tensor_free(img);
    gentrain_tensor_free(x);
    gentrain_tensor_free(h0);
    gentrain_tensor_free(c0);
}

/* A tensor as PyTorch prints it; the length first, then a buffer, or a truncated copy. */
static void test_to_string(void) {
    const float v[4] = {1.0f, 2.5f, 3.0f, 4.0f};
    const int64_t shape[2] = {2, 2};
    gentrain_tensor *t = from_floats(v, shape, 2);
    size_t length = 0;
    OK(gentrain_tensor_to_string(NULL, 0, &length, t));
    const char *expected = "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])";
    EXPECT(length == strlen(expected));
    char buffer[128], small[8];
    OK(gentrain_tensor_to_string(buffer, sizeof buffer, NULL, t));
    EXPECT(strcmp(buffer, expected) == 0);
    OK(gentrain_tensor_to_string(small, sizeof small, &length, t));
    EXPECT(strcmp(small, "tensor(") == 0 && length == strlen(expected));
    FAILS(gentrain_tensor_to_string(NULL, 4, NULL, t), GENTRAIN_ERR_INVALID_ARGUMENT, "buffer is NULL");
    gentrain_tensor_free(t);
    FAILS(gentrain_tensor_to_string(buffer, sizeof buffer, NULL, t), GENTRAIN_ERR_INVALID_HANDLE, "not a live handle");
}

/* Handle scopes: a step's intermediate handles freed in one call, the kept ones live on. */
static void test_scopes(void) {
    int64_t shape[1] = {3};
    size_t n = 0;
    gentrain_tensor *a = NULL, *b = NULL, *c = NULL, *x = NULL, *y = NULL, *z = NULL;
    gentrain_scope_begin();
    OK(gentrain_tensor_randn(&a, shape, 1, GENTRAIN_FLOAT32, NULL));
    OK(gentrain_tensor_ones(&b, shape, 1, GENTRAIN_FLOAT32));
    OK(gentrain_add(&c, a, b));
    gentrain_tensor_free(b);   /* freed before the end: fine */
    OK(gentrain_scope_end(&c, 1));
    FAILS(gentrain_tensor_ndim(&n, a), GENTRAIN_ERR_INVALID_HANDLE, "not a live handle");
    OK(gentrain_tensor_ndim(&n, c));
    EXPECT(n == 1);

    /* Nested: the inner scope's kept handle belongs to the outer one. */
    gentrain_scope_begin();
    OK(gentrain_tensor_zeros(&x, shape, 1, GENTRAIN_FLOAT32));
    gentrain_scope_begin();
    OK(gentrain_neg(&y, c));
    OK(gentrain_exp(&z, y));
    OK(gentrain_scope_end(&z, 1));
    FAILS(gentrain_tensor_ndim(&n, y), GENTRAIN_ERR_INVALID_HANDLE, "not a live handle");
    OK(gentrain_tensor_ndim(&n, z));
    FAILS(gentrain_scope_end(NULL, 2), GENTRAIN_ERR_INVALID_ARGUMENT, "keep is NULL");   /* the scope stays open */
    OK(gentrain_tensor_ndim(&n, x));
    OK(gentrain_scope_end(NULL, 0));
    FAILS(gentrain_tensor_ndim(&n, x), GENTRAIN_ERR_INVALID_HANDLE, "not a live handle");
    FAILS(gentrain_tensor_ndim(&n, z), GENTRAIN_ERR_INVALID_HANDLE, "not a live handle");
    FAILS(gentrain_scope_end(NULL, 0), GENTRAIN_ERR_INVALID_ARGUMENT, "no handle scope");
    gentrain_tensor_free(c);
}

int main(int argc, char **argv) {
    test_library();
    test_creation_and_properties();
    test_dlpack();
    test_dlpack_versioned();
    test_handles();
    test_elementwise();
    test_reductions_and_shapes();
    test_einsum_and_unique();
    test_linear_algebra();
    test_gradient_hooks();
    test_autograd();
    test_modules_losses_optimizers();
    test_optim_schedulers();
    test_checkpoint();
    test_custom_op();
    test_losses();
    test_layers();
    test_wide_conv();
    test_hostile_values();
    test_recurrent();
    test_more_modules_and_attention();
    test_module_files_and_perceptual_loss(argc > 1 ? argv[1] : NULL);
    test_autocast();
    test_grad_scaler();
    test_module_to();
    test_in_place();
    test_c_modules();
    test_scopes();
    test_to_string();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
