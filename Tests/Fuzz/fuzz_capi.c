/*
 * libFuzzer target: the input is a program of C-API calls over a pool of handles. Each step
 * reads an opcode and its arguments from the input: tensors of fuzzed shapes and dtypes, every
 * op family and layer with fuzzed dims, sizes, geometry and values (the extremes included),
 * option structs of wrong sizes, autograd, losses,
 * optimizers, schedulers with fuzzed state values, checkpoint save and load, process groups
 * (threads, with fuzzed ranks and sizes), DDP, DataParallel with hostile callbacks, the
 * distributed sampler, DLPack exports and imports of fuzzed descriptions, every entry of the op
 * table with fuzzed arguments (fuzz_generated.h, from api/ops.py), and frees at
 * any point — the freed handles stay in the pool, so later steps use them after free. Any
 * status is fine; a crash, a sanitizer report or a leak is a finding.
 */
#include <gentrain.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../CAPI/dlpack_versioned.h"

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t byte(input *in) {
    if (in->n == 0) return 0;
    in->n--;
    return *in->p++;
}

/* Small values mostly, and the values that break index arithmetic. */
static int64_t integer(input *in) {
    static const int64_t extremes[] = {0, 1, -1, 2, -2, 3, 63, 64, 1LL << 31, 1LL << 32, 1LL << 48, 1LL << 62,
                                       INT64_MAX, INT64_MIN, -(1LL << 62), 1LL << 53};
    uint8_t b = byte(in);
    if (b < 200) return (int64_t)(b % 8) - 2;
    return extremes[b % (sizeof extremes / sizeof extremes[0])];
}

static double number(input *in) {
    static const double extremes[] = {0, 1, -1, 0.5, 2, 1e-8, 1e300, -1e300, 9.3e18, 1e-320};
    uint8_t b = byte(in);
    if (b < 160) return (double)(b % 16) / 4 - 1;
    if (b < 170) return NAN;
    if (b < 180) return INFINITY;
    if (b < 185) return -INFINITY;
    return extremes[b % (sizeof extremes / sizeof extremes[0])];
}

#define POOL 12
static gentrain_tensor *tensors[POOL];
static gentrain_module *modules[2];
static gentrain_optimizer *optimizers[2];
static gentrain_scheduler *schedulers[2];
static gentrain_checkpoint *checkpoint;
static gentrain_grad_scaler *scaler;
static gentrain_process_group *group;
static gentrain_ddp *ddp;
static char path[64];

static gentrain_tensor *any_tensor(input *in) { return tensors[byte(in) % POOL]; }

/* Frees a tensor handle as a careful host does: .grad reset first, because after
 * backward(create_graph=true) a leaf's gradient refers back to it (a cycle, as in PyTorch). */
static void release(gentrain_tensor *t) {
    gentrain_tensor_set_grad(t, NULL);
    gentrain_tensor_free(t);
}

static void release_module(gentrain_module *m) {
    gentrain_module_zero_grad(m, true);
    gentrain_module_free(m);
}

/* Stores a result in a slot, freeing the slot's old handle. */
static void put(input *in, gentrain_tensor *t) {
    if (!t) return;
    int k = byte(in) % POOL;
    release(tensors[k]);
    tensors[k] = t;
}

/* A host's DLManagedTensor over memory of its own, freed with it by the deleter. */
typedef struct {
    DLManagedTensor managed;
    int64_t shape[5], strides[5];
    uint8_t data[512];
} host_dlpack;

static void free_host_dlpack(DLManagedTensor *self) { free(self); }

/* Whether every element of the description lies in the host's buffer: the last element's index
 * is Σ (size − 1)·stride (row-major strides when NULL; a dimension of size 1 never steps, whatever
 * its stride, as the engine reads it). Negative or large values count as outside. */
static int inside(const host_dlpack *h, size_t itemsize) {
    const DLTensor *t = &h->managed.dl_tensor;
    if (t->ndim < 0 || t->ndim > 5 || !t->data || t->byte_offset % itemsize || t->byte_offset > sizeof h->data) return 0;
    uint64_t last = 0, row = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        int64_t size = t->shape[i], stride = t->strides ? t->strides[i] : (int64_t)row;
        if (size == 0) return 1;
        if (size < 0 || size > 512) return 0;
        if (size > 1) {
            if (stride < 0 || stride > 512) return 0;
            last += (uint64_t)(size - 1) * (uint64_t)stride;
        }
        row *= (uint64_t)size;
    }
    return t->byte_offset + (last + 1) * itemsize <= sizeof h->data;
}

/* A tensor through DLPack: a pool tensor exported (and handed back, or let go), or a host's
 * fuzzed description imported. */
static gentrain_tensor *dlpack_tensor(input *in) {
    gentrain_tensor *t = NULL;
    uint8_t how = byte(in) % 3;
    if (how == 2) {   /* DLPack 1.0's form, through the engine both ways */
        struct DLManagedTensorVersioned *out = NULL;
        if (gentrain_tensor_to_dlpack_versioned(&out, any_tensor(in)) != GENTRAIN_OK) return NULL;
        if (byte(in) % 2 && gentrain_tensor_from_dlpack_versioned(&t, out) == GENTRAIN_OK) return t;
        out->deleter(out);
        return NULL;
    }
    if (how == 1) {
        DLManagedTensor *out = NULL;
        if (gentrain_tensor_to_dlpack(&out, any_tensor(in)) != GENTRAIN_OK) return NULL;
        if (byte(in) % 2 && gentrain_tensor_from_dlpack(&t, out) == GENTRAIN_OK) return t;
        out->deleter(out);
        return NULL;
    }
    host_dlpack *h = calloc(1, sizeof *h);
    for (size_t i = 0; i < sizeof h->data; i++) h->data[i] = byte(in);
    DLTensor *d = &h->managed.dl_tensor;
    d->ndim = byte(in) < 250 ? byte(in) % 6 : (int32_t)integer(in);
    for (int i = 0; i < 5; i++) {
        h->shape[i] = byte(in) < 240 ? byte(in) % 6 : integer(in);
        h->strides[i] = byte(in) < 240 ? byte(in) % 9 : integer(in);
    }
    d->shape = byte(in) % 16 ? h->shape : NULL;
    d->strides = byte(in) % 3 ? h->strides : NULL;
    d->data = byte(in) % 16 ? h->data : NULL;
    d->byte_offset = byte(in) < 240 ? byte(in) % 8 : (uint64_t)integer(in);
    d->device = (DLDevice){byte(in) % 8 ? kDLCPU : (DLDeviceType)byte(in), 0};
    static const DLDataType types[] = {{kDLFloat, 32, 1}, {kDLFloat, 64, 1}, {kDLFloat, 16, 1}, {kDLBfloat, 16, 1},
                                       {kDLInt, 32, 1}, {kDLInt, 64, 1}, {6, 8, 1}, {kDLUInt, 8, 1}, {kDLFloat, 32, 2}};
    d->dtype = byte(in) < 250 ? types[byte(in) % 9] : (DLDataType){byte(in), byte(in), byte(in)};
    h->managed.deleter = free_host_dlpack;
    if (gentrain_tensor_from_dlpack(&t, &h->managed) != GENTRAIN_OK) {
        free(h);   /* refused: still the host's */
        return NULL;
    }
    size_t itemsize = d->dtype.bits / 8;
    if (!inside(h, itemsize ? itemsize : 1)) {   /* a description beyond the buffer: never used */
        gentrain_tensor_free(t);
        return NULL;
    }
    return t;
}

static void make_tensor(input *in) {
    int64_t shape[5];
    size_t ndim = byte(in) % 5;
    for (size_t i = 0; i < ndim; i++) shape[i] = byte(in) < 250 ? byte(in) % 5 : integer(in);
    static const gentrain_dtype dtypes[] = {GENTRAIN_FLOAT32, GENTRAIN_FLOAT64, GENTRAIN_BFLOAT16, GENTRAIN_FLOAT16,
                                            GENTRAIN_INT32, GENTRAIN_INT64, GENTRAIN_BOOL};
    gentrain_dtype dtype = dtypes[byte(in) % 7];
    gentrain_tensor *t = NULL;
    switch (byte(in) % 6) {
    case 0: gentrain_tensor_rand(&t, shape, ndim, dtype, NULL); break;
    case 1: gentrain_tensor_full(&t, shape, ndim, dtype, number(in)); break;
    case 2: gentrain_tensor_randint(&t, integer(in), integer(in), shape, ndim, dtype, NULL); break;
    case 3: {   /* a permutation with a generator of its own, of a fuzzed length and dtype */
        gentrain_generator *g = NULL;
        gentrain_generator_new(&g, (uint64_t)integer(in));
        gentrain_randperm(&t, byte(in) % 2 ? integer(in) : (int64_t)byte(in), dtype, byte(in) % 2 ? g : NULL);
        gentrain_generator_free(g);
        break;
    }
    case 4: t = dlpack_tensor(in); break;
    default: {
        /* From host data, with a fuzzed byte count. */
        uint8_t data[256];
        size_t nbytes = byte(in);
        for (size_t i = 0; i < nbytes; i++) data[i] = byte(in);
        gentrain_tensor_from_data(&t, data, nbytes, dtype, shape, ndim);
    }
    }
    if (t && byte(in) % 2) gentrain_tensor_set_requires_grad(t, true);
    put(in, t);
}

/* Whether sizes make a view of fewer than 2^24 elements (-1 and other negatives count as 1; no
 * sizes, NULL, count as small: the engine refuses them). */
static int small_view(const int64_t *sizes, size_t n) {
    if (!sizes) return 1;
    uint64_t total = 1;
    for (size_t i = 0; i < n; i++) {
        if (sizes[i] >= (1 << 24)) return 0;
        total *= sizes[i] > 1 ? (uint64_t)sizes[i] : 1;
        if (total >= (1u << 24)) return 0;
    }
    return 1;
}

/* One of `count` values of an enum (a dtype, a reduction, a mode), or now and then one out of range. */
static int fuzz_choice(input *in, int count) {
    static const int outside[] = {-1, 0x7fffffff, -0x7fffffff - 1};
    uint8_t b = byte(in);
    if (b < 240) return b % count;
    return b % 4 == 3 ? count : outside[b % 4 % 3];
}

/* A dims list of 0 to 4 fuzzed values into `values`, its length into `*count`; now and then NULL
 * with a length of 1 to 4 (which the engine must refuse without reading). */
static const int64_t *fuzz_dims(input *in, int64_t values[4], size_t *count) {
    *count = byte(in) % 5;
    for (size_t i = 0; i < *count; i++) values[i] = integer(in);
    return byte(in) % 16 == 0 && *count > 0 ? NULL : values;
}

/* Stores a module in a module slot, freeing the slot's old one. */
static void put_module(input *in, gentrain_module *m) {
    if (!m) return;
    int k = byte(in) % 2;
    release_module(modules[k]);
    modules[k] = m;
}

#include "fuzz_generated.h"

static void unary(input *in) {
    gentrain_tensor *x = any_tensor(in), *out = NULL;
    int64_t d = integer(in), e = integer(in);
    int64_t dims[3] = {integer(in), integer(in), integer(in)};
    size_t nd = byte(in) % 4;
    switch (byte(in) % 28) {
    case 0: gentrain_exp(&out, x); break;
    case 1: gentrain_log(&out, x); break;
    case 2: gentrain_sqrt(&out, x); break;
    case 3: gentrain_relu(&out, x); break;
    case 4: gentrain_neg(&out, x); break;
    case 5: gentrain_sum(&out, x, dims, nd, byte(in) % 2); break;
    case 6: gentrain_mean(&out, x, dims, nd, byte(in) % 2); break;
    case 7: gentrain_var(&out, x, dims, nd, integer(in), byte(in) % 2); break;
    case 8: gentrain_amax(&out, x, dims, nd, byte(in) % 2); break;
    case 9: gentrain_logsumexp(&out, x, dims, nd, byte(in) % 2); break;
    case 10: gentrain_norm(&out, x, number(in), dims, nd, byte(in) % 2); break;
    case 11: gentrain_argmax(&out, x, d, byte(in) % 2); break;
    case 12: gentrain_softmax(&out, x, d); break;
    case 13: gentrain_log_softmax(&out, x, d); break;
    case 14: gentrain_reshape(&out, x, dims, nd); break;
    case 15: gentrain_permute(&out, x, dims, nd); break;
    case 16: gentrain_transpose(&out, x, d, e); break;
    case 17:
        /* An expanded view costs no memory but every op over it time in proportion to its size:
         * views beyond 2^24 elements are valid but would make slow inputs, not findings. */
        if (small_view(dims, nd))
            gentrain_expand(&out, x, dims, nd);
        break;
    case 18: gentrain_slice(&out, x, d, e, integer(in), integer(in)); break;
    case 19: gentrain_narrow(&out, x, d, e, integer(in)); break;
    case 20: gentrain_select(&out, x, d, e); break;
    case 21: gentrain_flatten(&out, x, d, e); break;
    case 22: gentrain_pad(&out, x, dims, nd); break;
    case 23: gentrain_clamp(&out, x, number(in), number(in)); break;
    case 24: gentrain_pow_scalar(&out, x, number(in)); break;
    case 25: {
        int mode = byte(in) % 5;   /* 4 is no mode */
        /* Constant and replicate padding write every element of the output: huge valid pads
         * would be slow inputs, not findings (reflect and circular refuse pads beyond the size). */
        if (mode == 1 || mode == 3 || mode == 4 || small_view(dims, nd))
            gentrain_pad_mode(&out, x, dims, nd, (gentrain_padding_mode)mode, number(in));
        break;
    }
    case 26: {   /* printed into a buffer of a fuzzed size (NULL with a size too) */
        char text[64];
        size_t length = 0;
        gentrain_tensor_to_string(byte(in) % 4 ? text : NULL, byte(in) % 65, byte(in) % 2 ? &length : NULL, x);
        break;
    }
    default: {
        gentrain_tensor *values = NULL, *indices = NULL;
        if (gentrain_max_dim(&values, &indices, x, d, byte(in) % 2) == GENTRAIN_OK) {
            put(in, values);
            out = indices;
        }
    }
    }
    put(in, out);
}

static void binary(input *in) {
    gentrain_tensor *a = any_tensor(in), *b = any_tensor(in), *c = any_tensor(in), *out = NULL;
    int64_t d = integer(in);
    switch (byte(in) % 22) {
    case 0: gentrain_add(&out, a, b); break;
    case 1: gentrain_sub(&out, a, b); break;
    case 2: gentrain_mul(&out, a, b); break;
    case 3: gentrain_div(&out, a, b); break;
    case 4: gentrain_matmul(&out, a, b); break;
    case 5: gentrain_linear(&out, a, b, byte(in) % 2 ? c : NULL); break;
    case 6: gentrain_where(&out, a, b, c); break;
    case 7: gentrain_index_select(&out, a, d, b); break;
    case 8: gentrain_gather(&out, a, d, b); break;
    case 9: gentrain_scatter_add(&out, a, d, b, c); break;
    case 10: gentrain_index_add(&out, a, d, b, c); break;
    case 11: gentrain_masked_fill(&out, a, b, number(in)); break;
    case 12: gentrain_embedding(&out, a, b, NULL); break;
    case 13: {
        gentrain_tensor *list[3] = {a, b, c};
        if (byte(in) % 2) gentrain_cat(&out, list, 1 + byte(in) % 3, d);
        else gentrain_stack(&out, list, 1 + byte(in) % 3, d);
        break;
    }
    case 14: gentrain_cross_entropy(&out, a, b, NULL); break;
    case 15: gentrain_mse_loss(&out, a, b, (gentrain_reduction)(byte(in) % 3)); break;
    case 16: gentrain_binary_cross_entropy(&out, a, b, byte(in) % 2 ? c : NULL, GENTRAIN_REDUCTION_MEAN); break;
    case 17: {   /* in place: a written from b and c, its history and version updated */
        int64_t version = 0;
        switch (byte(in) % 11) {
        case 0: gentrain_add_(a, b, number(in)); break;
        case 1: gentrain_sub_(a, b, number(in)); break;
        case 2: gentrain_mul_(a, b); break;
        case 3: gentrain_div_(a, b); break;
        case 4: gentrain_clamp_(a, number(in), number(in)); break;
        case 5: gentrain_fill_(a, number(in)); break;
        case 6: gentrain_zero_(a); break;
        case 7: gentrain_masked_fill_(a, b, number(in)); break;
        case 8: gentrain_masked_assign_(a, b, c); break;
        case 9:   /* a view of a (or of another tensor: refused) written from b */
            if (gentrain_slice(&out, byte(in) % 2 ? a : c, d, integer(in), integer(in), integer(in)) == GENTRAIN_OK)
                gentrain_tensor_assign_(a, out, b);
            break;
        default: gentrain_tensor_version(byte(in) % 2 ? &version : NULL, a); break;
        }
        break;
    }
    case 18: {   /* an equation of fuzzed letters, ellipses, commas and arrows over one to three operands */
        static const char alphabet[] = "abijkA.,->";
        char equation[24];
        size_t n = byte(in) % sizeof equation;
        for (size_t i = 0; i < n; i++) equation[i] = alphabet[byte(in) % (sizeof alphabet - 1)];
        equation[n] = 0;
        gentrain_tensor *list[3] = {a, b, c};
        gentrain_einsum(&out, equation, list, 1 + byte(in) % 3);
        break;
    }
    case 19: {
        gentrain_tensor *inverse = NULL, *counts = NULL;
        gentrain_unique(&out, &inverse, &counts, a);
        put(in, inverse);
        put(in, counts);
        break;
    }
    case 20: {
        gentrain_tensor *logabsdet = NULL;
        gentrain_slogdet(&out, &logabsdet, a);
        put(in, logabsdet);
        break;
    }
    default: gentrain_conv2d(&out, a, b, byte(in) % 2 ? c : NULL, NULL); break;
    }
    put(in, out);
}

/* Layers: convolutions, pooling, resampling, normalization, recurrent layers, attention, the
 * losses with options — fuzzed geometry (kernel, stride, padding, dilation, groups, sizes). */
static void layers(input *in) {
    gentrain_tensor *x = any_tensor(in), *w = any_tensor(in), *b = byte(in) % 2 ? any_tensor(in) : NULL, *out = NULL;
    gentrain_conv_options o;
    gentrain_conv_options_default(&o);
    if (byte(in) % 2) {
        for (int i = 0; i < 2; i++) {
            o.stride[i] = integer(in);
            o.padding[i] = integer(in);
            o.dilation[i] = integer(in);
            o.output_padding[i] = integer(in);
        }
        o.groups = integer(in);
        o.padding_same = byte(in) % 2;
    }
    if (byte(in) % 8 == 0) o.struct_size = byte(in);   /* a wrong struct size */
    int64_t k = integer(in), l = integer(in), m = integer(in), n = integer(in);
    int op = byte(in) % 22;
    switch (op) {
    case 0: gentrain_conv2d(&out, x, w, b, &o); break;
    case 1: gentrain_conv1d(&out, x, w, b, &o); break;
    case 2: gentrain_conv_transpose2d(&out, x, w, b, &o); break;
    case 3: gentrain_unfold(&out, x, k, l, &o); break;
    case 4: gentrain_fold(&out, x, k, l, m, n, &o); break;
    case 5:
    case 6: {
        gentrain_pool2d_options pool;
        gentrain_pool2d_options_default(&pool);
        pool.stride[0] = m;
        pool.stride[1] = n;
        pool.padding[0] = integer(in);
        pool.padding[1] = integer(in);
        pool.count_include_pad = byte(in) % 2;
        pool.dilation[0] = integer(in);
        pool.dilation[1] = integer(in);
        pool.ceil_mode = byte(in) % 2;
        pool.divisor_override = byte(in) % 4 ? 0 : integer(in);
        if (op == 6) {
            gentrain_avg_pool2d(&out, x, k, l, &pool);
            break;
        }
        /* max pooling with indices, then unpooling from them or from any tensor of the pool */
        gentrain_tensor *indices = NULL, *unpooled = NULL;
        gentrain_max_pool2d_with_indices(&out, byte(in) % 8 ? &indices : NULL, x, k, l, &pool);
        int64_t size[2] = {integer(in), integer(in)};
        gentrain_max_unpool2d(&unpooled, byte(in) % 2 ? out : any_tensor(in), byte(in) % 2 ? indices : any_tensor(in), k, l,
                              byte(in) % 4 ? &pool : NULL, byte(in) % 2 ? size : NULL);
        put(in, indices);
        put(in, unpooled);
        break;
    }
    case 7: gentrain_adaptive_avg_pool2d(&out, x, k, l); break;
    case 8:
    case 9: {
        gentrain_interpolate_options resize;
        gentrain_interpolate_options_default(&resize);
        if (op == 8) {
            resize.size[0] = k;
            resize.size[1] = l;
        } else {
            resize.scale_factor[0] = number(in);
            resize.scale_factor[1] = number(in);
        }
        resize.mode = (gentrain_interpolate_mode)(byte(in) % 3);
        uint8_t corners = byte(in);   /* any byte: nonzero is true */
        memcpy(&resize.align_corners, &corners, 1);
        gentrain_interpolate(&out, x, &resize);
        break;
    }
    case 10: gentrain_pixel_shuffle(&out, x, k); break;
    case 11: gentrain_batch_norm(&out, x, byte(in) % 2 ? any_tensor(in) : NULL, byte(in) % 2 ? any_tensor(in) : NULL, w, b,
                                 byte(in) % 2, number(in), number(in)); break;
    case 12: {
        int64_t shape[2] = {k, l};
        gentrain_layer_norm(&out, x, shape, byte(in) % 3, w, b, number(in));
        break;
    }
    case 13: gentrain_group_norm(&out, x, k, w, b, number(in)); break;
    case 14: gentrain_instance_norm(&out, x, w, b, number(in)); break;
    case 15: gentrain_dropout(&out, x, number(in), byte(in) % 2); break;
    case 16: gentrain_embedding(&out, x, w, &k); break;
    case 17: {
        gentrain_tensor *h = NULL, *c = NULL, *weights[16];   /* up to 2 layers of 2 directions */
        for (int i = 0; i < 16; i++) weights[i] = any_tensor(in);
        size_t layers_n = byte(in) % 3;
        bool bidirectional = byte(in) % 2;
        if (byte(in) % 2) {
            if (gentrain_lstm(&out, &h, &c, x, byte(in) % 2 ? w : NULL, byte(in) % 2 ? b : NULL, weights, layers_n,
                              byte(in) % 2, number(in), byte(in) % 2, bidirectional) == GENTRAIN_OK) {
                put(in, h);
                put(in, c);
            }
        } else if (gentrain_gru(&out, &h, x, byte(in) % 2 ? w : NULL, weights, layers_n, byte(in) % 2, number(in),
                                byte(in) % 2, bidirectional) == GENTRAIN_OK) {
            put(in, h);
        }
        break;
    }
    case 18: gentrain_scaled_dot_product_attention(&out, x, w, any_tensor(in), b, number(in), byte(in) % 2, NULL); break;
    case 19: {
        gentrain_cross_entropy_options ce;
        gentrain_cross_entropy_options_default(&ce);
        ce.weight = b;
        ce.ignore_index = k;
        ce.reduction = (gentrain_reduction)(byte(in) % 4);
        ce.label_smoothing = number(in);
        if (byte(in) % 2) gentrain_cross_entropy(&out, x, w, &ce);
        else gentrain_nll_loss(&out, x, w, &ce);
        break;
    }
    case 20: gentrain_sample(&out, x, number(in), k); break;
    default: gentrain_gaussian_nll_loss(&out, x, w, any_tensor(in), byte(in) % 2, number(in), GENTRAIN_REDUCTION_SUM); break;
    }
    put(in, out);
}

static void pieces(input *in) {
    gentrain_tensor *outs[8] = {NULL};
    size_t count = 0;
    gentrain_tensor *x = any_tensor(in);
    gentrain_status s = byte(in) % 2 ? gentrain_split(outs, 8, &count, x, integer(in), integer(in))
                                     : gentrain_chunk(outs, 8, &count, x, integer(in), integer(in));
    if (s != GENTRAIN_OK) return;
    for (size_t i = 0; i < count && i < 8; i++) put(in, outs[i]);
}

static int trace;
static gentrain_hook *hooks[2];

/* The gradient hooks the fuzzer registers, by user_data: one halves the gradient, one returns a
 * gradient of another shape, one fails, one keeps it. */
static gentrain_status fuzz_hook(gentrain_tensor **out, const gentrain_tensor *grad, void *user_data) {
    switch ((intptr_t)user_data) {
    case 0: return gentrain_mul_scalar(out, grad, 0.5);
    case 1: return gentrain_sum(out, grad, NULL, 0, false);
    case 2: return GENTRAIN_ERR_INVALID_ARGUMENT;
    default: return GENTRAIN_OK;
    }
}

static void autograd(input *in) {
    gentrain_tensor *y = any_tensor(in), *x = any_tensor(in);
    if (trace) fprintf(stderr, "  autograd y=%p x=%p\n", (void *)y, (void *)x);
    uint8_t kind = byte(in);
    if (kind % 4 >= 2) {   /* hooks: register one on x, or remove one, or make x retain its gradient */
        int k = byte(in) % 2;
        if (kind % 4 == 2) {
            gentrain_hook_free(hooks[k]);
            hooks[k] = NULL;
            gentrain_tensor_register_hook(&hooks[k], x, fuzz_hook, (void *)(intptr_t)(byte(in) % 4), NULL);
        } else if (byte(in) % 2) {
            gentrain_hook_remove(hooks[k]);
        } else {
            gentrain_tensor_retain_grad(x);
        }
        return;
    }
    if (kind % 2) {
        if (trace) fprintf(stderr, "  backward\n");
        /* Not with create_graph: then a leaf's .grad refers back to the leaf (PyTorch's documented
         * cycle, reported through the warning handler), which leaks once the host has dropped
         * the leaf's handle. Higher orders go through gentrain_autograd_grad below. */
        gentrain_backward(y, byte(in) % 2 ? any_tensor(in) : NULL, byte(in) % 2, false);
    } else {
        gentrain_tensor *results[1] = {NULL};
        if (gentrain_autograd_grad(results, &y, 1, &x, 1,
                                   NULL, byte(in) % 2, byte(in) % 2, byte(in) % 2) == GENTRAIN_OK)
            put(in, results[0]);
    }
}

static void training(input *in) {
    int k = byte(in) % 2;
    switch (byte(in) % 10) {
    case 0: {
        gentrain_optim_free(optimizers[k]);
        optimizers[k] = NULL;
        gentrain_tensor *params[2] = {any_tensor(in), any_tensor(in)};
        if (byte(in) % 2) gentrain_optim_sgd_new(&optimizers[k], params, 1 + byte(in) % 2, NULL);
        else gentrain_optim_adam_new(&optimizers[k], params, 1 + byte(in) % 2, NULL);
        break;
    }
    case 1: gentrain_optim_step(optimizers[k]); break;
    case 2: gentrain_optim_set_lr(optimizers[k], number(in)); break;
    case 3: {
        gentrain_scheduler_free(schedulers[k]);
        schedulers[k] = NULL;
        switch (byte(in) % 4) {
        case 0: gentrain_scheduler_step_lr_new(&schedulers[k], optimizers[k], integer(in), number(in)); break;
        case 1: gentrain_scheduler_cosine_new(&schedulers[k], optimizers[k], integer(in), number(in)); break;
        case 2: gentrain_scheduler_cosine_warm_restarts_new(&schedulers[k], optimizers[k], integer(in), integer(in), number(in)); break;
        default: gentrain_scheduler_linear_new(&schedulers[k], optimizers[k], number(in), number(in), integer(in)); break;
        }
        break;
    }
    case 4: gentrain_scheduler_step(schedulers[k]); break;
    case 5: gentrain_scheduler_step_epoch(schedulers[k], number(in)); break;
    case 6: {
        static const char *keys[] = {"last_epoch", "_step_count", "step_size", "T_max", "T_0", "T_mult", "T_i", "T_cur",
                                     "total_iters", "base_lrs", "gamma"};
        double values[2] = {number(in), number(in)};
        gentrain_scheduler_state_set(schedulers[k], keys[byte(in) % 11], values, byte(in) % 3);
        break;
    }
    case 7: {
        gentrain_tensor *params[2] = {any_tensor(in), any_tensor(in)};
        double total = 0;
        gentrain_clip_grad_norm(&total, params, 1 + byte(in) % 2, number(in), number(in), byte(in) % 2);
        break;
    }
    case 8: {   /* GradScaler: new with hostile options, and each step of its state machine */
        gentrain_tensor *out = NULL;
        switch (byte(in) % 6) {
        case 0: {
            gentrain_grad_scaler_free(scaler);
            scaler = NULL;
            gentrain_grad_scaler_options o;
            gentrain_grad_scaler_options_default(&o);
            o.init_scale = number(in);
            o.growth_factor = number(in);
            o.backoff_factor = number(in);
            o.growth_interval = integer(in);
            o.enabled = byte(in) % 4 != 0;
            gentrain_grad_scaler_new(&scaler, byte(in) % 8 ? &o : NULL);
            break;
        }
        case 1: gentrain_grad_scaler_scale(&out, scaler, any_tensor(in)); put(in, out); break;
        case 2: gentrain_grad_scaler_unscale_(scaler, optimizers[k]); break;
        case 3: gentrain_grad_scaler_step(NULL, scaler, optimizers[k]); break;
        case 4: {
            double s = number(in);
            gentrain_grad_scaler_update(scaler, byte(in) % 2 ? &s : NULL);
            break;
        }
        default: {
            gentrain_grad_scaler_state st = {number(in), number(in), number(in), integer(in), integer(in), byte(in) % 2};
            gentrain_grad_scaler_set_state(scaler, &st);
        }
        }
        break;
    }
    default: {
        release_module(modules[k]);
        modules[k] = NULL;
        gentrain_module **m = &modules[k];
        int64_t sizes[2] = {integer(in), integer(in)};
        switch (byte(in) % 10) {   /* modules with fuzzed sizes, among them the recurrent ones */
        case 0: gentrain_module_linear_new(m, integer(in), integer(in), byte(in) % 2); break;
        case 1: {
            double momentum = number(in);
            gentrain_module_batch_norm_new(m, integer(in), number(in), byte(in) % 4 ? &momentum : NULL, byte(in) % 2, byte(in) % 2);
            break;
        }
        case 2: gentrain_module_lstm_new(m, integer(in), integer(in), integer(in), byte(in) % 2, byte(in) % 2, number(in),
                                         byte(in) % 2); break;
        case 3: gentrain_module_gru_new(m, integer(in), integer(in), integer(in), byte(in) % 2, byte(in) % 2, number(in),
                                        byte(in) % 2); break;
        case 4: gentrain_module_lstm_cell_new(m, integer(in), integer(in), byte(in) % 2); break;
        case 5: gentrain_module_gru_cell_new(m, integer(in), integer(in), byte(in) % 2); break;
        case 6: gentrain_module_conv1d_new(m, integer(in), integer(in), integer(in), integer(in), integer(in), integer(in),
                                           integer(in), byte(in) % 2); break;
        case 7: gentrain_module_unflatten_new(m, integer(in), sizes, byte(in) % 3); break;
        case 8: {
            gentrain_pool2d_options o = {sizeof o, {integer(in), integer(in)}, {integer(in), integer(in)}, byte(in) % 2};
            if (byte(in) % 2) gentrain_module_max_pool2d_new(m, integer(in), integer(in), byte(in) % 4 ? &o : NULL);
            else gentrain_module_avg_pool2d_new(m, integer(in), integer(in), byte(in) % 4 ? &o : NULL);
            break;
        }
        default: {
            gentrain_interpolate_options o;
            gentrain_interpolate_options_default(&o);
            o.size[0] = integer(in);
            o.size[1] = integer(in);
            o.scale_factor[0] = number(in);
            o.scale_factor[1] = number(in);
            o.mode = (gentrain_interpolate_mode)(byte(in) % 3);
            o.align_corners = byte(in) % 2;
            gentrain_module_upsample_new(m, byte(in) % 8 ? &o : NULL);
        }
        }
        /* Module.to with any dtype value, valid or not, while optimizers may hold its parameters. */
        if (byte(in) % 2) gentrain_module_to(*m, (gentrain_dtype)(byte(in) % 9));
        gentrain_tensor *out = NULL, *h = NULL, *c = NULL;
        gentrain_module_forward(&out, *m, any_tensor(in));
        put(in, out);
        out = NULL;
        if (byte(in) % 2) {   /* with states from the pool, and any of the outputs NULL */
            gentrain_module_recurrent_forward(byte(in) % 8 ? &out : NULL, byte(in) % 8 ? &h : NULL, byte(in) % 2 ? &c : NULL, *m,
                                              any_tensor(in), byte(in) % 2 ? any_tensor(in) : NULL,
                                              byte(in) % 2 ? any_tensor(in) : NULL);
            put(in, out);
            put(in, h);
            put(in, c);
        }
        size_t n = 0;
        gentrain_module_buffer_count(&n, *m);
        gentrain_tensor *buffer = NULL;
        gentrain_module_buffer(&buffer, NULL, *m, (size_t)integer(in));
        put(in, buffer);
    }
    }
}

/* A shard's forward that misbehaves by the seed in user_data: the input back, another tensor of
 * the pool (wrong shapes), no output, or a failure. */
static gentrain_status shard_forward(gentrain_tensor **out, const gentrain_tensor *x, void *user_data) {
    switch ((uintptr_t)user_data % 4) {
    case 0: return gentrain_relu(out, x);
    case 1: return gentrain_tensor_retain(out, tensors[(uintptr_t)user_data % POOL]);
    case 2: return GENTRAIN_OK;
    default: return GENTRAIN_ERR_INVALID_ARGUMENT;
    }
}

static void distributed(input *in) {
    switch (byte(in) % 8) {
    case 0: {   /* a threads group: one rank runs alone; with more, collectives time out at once */
        gentrain_ddp_free(ddp);
        gentrain_process_group_free(group);
        ddp = NULL;
        group = NULL;
        /* Fuzzed timeouts, but a valid one is a millisecond: a group of several ranks, of which
         * only this one exists, waits that long in each collective (0 means the default, 30
         * minutes: a millisecond too). */
        double timeout = number(in);
        if (timeout == 0 || (timeout > 1e-3 && isfinite(timeout))) timeout = 1e-3;
        gentrain_process_group_new_threads(&group, byte(in) % 2 ? "fuzz" : "fuzz-other", (int32_t)integer(in),
                                           byte(in) % 4 ? 1 : (int32_t)integer(in), timeout);
        break;
    }
    case 1: gentrain_process_group_all_reduce(group, any_tensor(in), (gentrain_reduce_op)(byte(in) % 4)); break;
    case 2: gentrain_process_group_broadcast(group, any_tensor(in), (int32_t)integer(in)); break;
    case 3: {
        gentrain_tensor *out = NULL;
        gentrain_process_group_all_gather(&out, group, any_tensor(in));
        put(in, out);
        gentrain_process_group_barrier(group);
        break;
    }
    case 4: {   /* DDP over pool tensors, with fuzzed bucket sizes */
        gentrain_ddp_free(ddp);
        ddp = NULL;
        gentrain_ddp_options o;
        gentrain_ddp_options_default(&o);
        o.bucket_cap_mb = number(in);
        o.first_bucket_mb = number(in);
        o.find_unused_parameters = byte(in) % 2;
        gentrain_tensor *params[3] = {any_tensor(in), any_tensor(in), any_tensor(in)};
        gentrain_tensor *buffers[1] = {any_tensor(in)};
        gentrain_ddp_new(&ddp, NULL, params, 1 + byte(in) % 3, buffers, byte(in) % 2, group, byte(in) % 4 ? &o : NULL);
        gentrain_ddp_set_grad_sync(ddp, byte(in) % 2);
        gentrain_ddp_sync_buffers(ddp);
        int32_t during = 0;
        gentrain_ddp_last_pass(&during, NULL, ddp);
        break;
    }
    case 5: {   /* DataParallel with fuzzed options and a misbehaving forward */
        gentrain_data_parallel_options o;
        gentrain_data_parallel_options_default(&o);
        o.workers = (int32_t)integer(in);
        o.shards = (int32_t)integer(in);
        gentrain_tensor *params[2] = {any_tensor(in), any_tensor(in)};
        gentrain_tensor *out = NULL;
        gentrain_data_parallel_apply(&out, any_tensor(in), params, byte(in) % 3, shard_forward, (void *)(uintptr_t)byte(in), &o);
        put(in, out);
        break;
    }
    case 6: {
        gentrain_distributed_sampler_options o;
        gentrain_distributed_sampler_options_default(&o);
        o.dataset_size = integer(in);
        o.num_replicas = (int32_t)integer(in);
        o.rank = (int32_t)integer(in);
        o.shuffle = byte(in) % 2;
        o.drop_last = byte(in) % 2;
        o.epoch = integer(in);
        int64_t indices[16];
        size_t count = 0;
        gentrain_distributed_sampler_indices(byte(in) % 2 ? indices : NULL, 16, &count, &o);
        break;
    }
    default: {
        gentrain_module *dp = NULL;
        gentrain_data_parallel_options o = {sizeof o, (int32_t)integer(in), (int32_t)integer(in)};
        gentrain_module_data_parallel_new(&dp, modules[byte(in) % 2], &o);
        gentrain_tensor *out = NULL;
        gentrain_module_forward(&out, dp, any_tensor(in));
        put(in, out);
        release_module(dp);
    }
    }
}

static void files(input *in) {
    int k = byte(in) % 2;
    switch (byte(in) % 6) {
    case 0:
        gentrain_checkpoint_free(checkpoint);
        checkpoint = NULL;
        gentrain_checkpoint_new(&checkpoint);
        break;
    case 1: {
        char name[8];
        snprintf(name, sizeof name, "t%d", byte(in) % 4);
        gentrain_checkpoint_add_tensor(checkpoint, name, any_tensor(in));
        break;
    }
    case 2: gentrain_checkpoint_add_module(checkpoint, "m.", modules[k]); break;
    case 3:
        if (byte(in) % 2) gentrain_checkpoint_add_optimizer(checkpoint, optimizers[k]);
        else gentrain_checkpoint_add_scheduler(checkpoint, schedulers[k]);
        break;
    case 4: gentrain_checkpoint_save(checkpoint, path); break;
    default: gentrain_checkpoint_load(checkpoint, path); break;
    }
}

/* Prints the pool's shapes (GENTRAIN_FUZZ_TRACE). */
static void show_pool(int step) {
    fprintf(stderr, "step %d:", step);
    for (int i = 0; i < POOL; i++) {
        size_t ndim = 0;
        int64_t shape[64], strides[64];
        if (gentrain_tensor_ndim(&ndim, tensors[i]) != GENTRAIN_OK) continue;
        gentrain_tensor_shape(shape, 64, tensors[i]);
        gentrain_tensor_strides(strides, 64, tensors[i]);
        fprintf(stderr, " [%d]", i);
        for (size_t d = 0; d < ndim; d++) fprintf(stderr, "%s%lld/%lld", d ? "," : "(", (long long)shape[d], (long long)strides[d]);
        fprintf(stderr, ndim ? ")" : "()");
    }
    fprintf(stderr, "\n");
}

static void ignore_warning(const char *message, void *user_data) {
    (void)message;
    (void)user_data;
}

/* With GENTRAIN_FUZZ_WRITE_CORPUS=DIR, writes the seed programs there and stops: for each entry of
 * the op table, a pool of float32 (requiring grad), bfloat16, float64 and int64 tensors, then the
 * entry with small arguments in three patterns, then backward passes. The programs are written in
 * this decoder's terms (make_tensor, generated_op, autograd), so they follow its format. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *dir = getenv("GENTRAIN_FUZZ_WRITE_CORPUS");
    if (!dir) return 0;
    static const uint8_t pool[] = {
        /* make_tensor: opcode 0, ndim, sizes (10, s), dtype, how (0 rand, 2 randint), requires grad, slot */
        0, 2, 10, 3, 10, 4, 0, 0, 1, 0,        /* [3, 4] float32 */
        0, 1, 10, 4, 0, 0, 1, 1,               /* [4] float32 */
        0, 2, 10, 3, 10, 4, 2, 0, 1, 2,        /* [3, 4] bfloat16 */
        0, 2, 10, 3, 10, 4, 1, 0, 1, 3,        /* [3, 4] float64 */
        0, 2, 10, 3, 10, 4, 5, 2, 2, 5, 0, 4,  /* [3, 4] int64 in [0, 3) */
        0, 3, 10, 2, 10, 3, 10, 4, 0, 0, 1, 5, /* [2, 3, 4] float32 */
    };
    /* Argument bytes: slots 0-5, integers -2...5 (byte % 8 - 2), numbers -1...2.75 (byte % 16 / 4 - 1). */
    static const uint8_t fills[3][8] = {{0, 1, 6, 3, 2, 1, 0, 4}, {1, 0, 8, 2, 3, 0, 1, 2}, {2, 5, 4, 4, 1, 3, 0, 1}};
    /* autograd: opcode 7, y slot, x slot, 1 (backward), 0 (no gradient given), 0 (graph freed) */
    static const uint8_t backward[] = {7, 6, 0, 1, 0, 0, 7, 7, 0, 1, 0, 0, 7, 8, 0, 1, 0, 0};
    for (unsigned e = 0; e < GENERATED_OPS; e++) {
        for (int f = 0; f < 3; f++) {
            uint8_t program[sizeof pool + 3 + 24 + sizeof backward];
            size_t n = sizeof pool;
            memcpy(program, pool, n);
            program[n++] = 202;   /* generated_op: opcode 2 with the top bits set, then the entry */
            program[n++] = (uint8_t)(e >> 8);
            program[n++] = (uint8_t)e;
            for (int i = 0; i < 24; i++) program[n++] = fills[f][i % 8];
            memcpy(program + n, backward, sizeof backward);
            n += sizeof backward;
            char name[600];
            snprintf(name, sizeof name, "%s/op-%03u-%d", dir, e, f);
            FILE *out = fopen(name, "wb");
            if (!out || fwrite(program, 1, n, out) != n || fclose(out) != 0) exit(1);
        }
    }
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gentrain_set_warning_handler(ignore_warning, NULL);
    if (!path[0]) snprintf(path, sizeof path, "/tmp/gentrain-fuzz-%d.ckpt", (int)getpid());
    gentrain_manual_seed(0);
    input in = {data, size};
    trace = getenv("GENTRAIN_FUZZ_TRACE") != NULL;   /* to see what a crash input does */
    int scopes = 0;   /* handle scopes open */
    for (int step = 0; step < 64 && in.n > 0; step++) {
        if (trace) show_pool(step);
        uint8_t op = byte(&in);
        if (trace) fprintf(stderr, "  op %d, next bytes %d %d %d %d\n", op % 10, in.n > 0 ? in.p[0] : -1, in.n > 1 ? in.p[1] : -1,
                           in.n > 2 ? in.p[2] : -1, in.n > 3 ? in.p[3] : -1);
        switch (op % 10) {
        case 0: case 1: make_tensor(&in); break;
        case 2:   /* 7 of the 256 opcodes: an entry of the op table */
            if ((op & 0xC0) == 0xC0) generated_op(&in);
            else unary(&in);
            break;
        case 3: layers(&in); break;
        case 4: case 5: binary(&in); break;
        case 6: pieces(&in); break;
        case 7: autograd(&in); break;
        case 8: training(&in); break;
        default:
            if (op & 0x80) {
                if (op & 0x40) distributed(&in);
                else files(&in);
            } else if (op & 0x20) {   /* handle scopes: open one, or close the innermost keeping pool tensors */
                if (byte(&in) % 2) {
                    gentrain_scope_begin();
                    scopes++;
                } else {
                    /* As release() does before a free: .grad reset first, since after
                     * backward(create_graph=true) a leaf's gradient refers back to it (a cycle, as
                     * in PyTorch), and the scope may free any of the pool's handles. */
                    gentrain_tensor *keep[2] = {any_tensor(&in), any_tensor(&in)};
                    for (int i = 0; i < POOL; i++)
                        if (tensors[i] != keep[0] && tensors[i] != keep[1]) gentrain_tensor_set_grad(tensors[i], NULL);
                    if (gentrain_scope_end(byte(&in) % 4 ? keep : NULL, byte(&in) % 3) == GENTRAIN_OK) scopes--;
                }
            } else {
                /* Free a slot but keep the stale handle in another one. */
                int a = byte(&in) % POOL, b = byte(&in) % POOL;
                if (a != b) release(tensors[b]);
                release(tensors[a]);
                tensors[b] = tensors[a];
                if (a != b) tensors[a] = NULL;
            }
        }
    }
    for (int i = 0; i < POOL; i++) gentrain_tensor_set_grad(tensors[i], NULL);
    for (; scopes > 0; scopes--) gentrain_scope_end(NULL, 0);
    /* Release everything (stale handles are harmless to free again). */
    for (int i = 0; i < POOL; i++) {
        release(tensors[i]);
        tensors[i] = NULL;
    }
    for (int k = 0; k < 2; k++) {
        gentrain_scheduler_free(schedulers[k]);
        gentrain_optim_free(optimizers[k]);
        release_module(modules[k]);
        schedulers[k] = NULL;
        optimizers[k] = NULL;
        modules[k] = NULL;
    }
    for (int k = 0; k < 2; k++) {
        gentrain_hook_free(hooks[k]);
        hooks[k] = NULL;
    }
    gentrain_checkpoint_free(checkpoint);
    checkpoint = NULL;
    gentrain_grad_scaler_free(scaler);
    scaler = NULL;
    gentrain_ddp_free(ddp);
    gentrain_process_group_free(group);
    ddp = NULL;
    group = NULL;
    unlink(path);
    return 0;
}
