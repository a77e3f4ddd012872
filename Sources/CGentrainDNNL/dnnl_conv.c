// Convolution passes on oneDNN's C API (version 2), in float32 or bfloat16 (oneDNN's bfloat16
// kernels accumulate in float32), called through function pointers from
// `dlopen("libdnnl.so.2")`: the library is optional at run time, its header is needed only to
// build this file (without it, every geometry is refused and the engine keeps its own path).
#include "gentrain_dnnl.h"

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#define GT_DNNL_FUNCTIONS(X)                                                                        \
    X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_destroy)                              \
    X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_equal) X(dnnl_memory_desc_get_size)          \
    X(dnnl_memory_create) X(dnnl_memory_destroy)                                                    \
    X(dnnl_dilated_convolution_forward_desc_init) X(dnnl_dilated_convolution_backward_data_desc_init) \
    X(dnnl_dilated_convolution_backward_weights_desc_init)                                          \
    X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy) X(dnnl_primitive_desc_query_md)   \
    X(dnnl_primitive_create) X(dnnl_primitive_destroy) X(dnnl_primitive_execute)                    \
    X(dnnl_reorder_primitive_desc_create) X(dnnl_primitive_attr_create)                             \
    X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_scratchpad_mode)

static struct {
#define GT_FIELD(name) __typeof__(name) *name;
    GT_DNNL_FUNCTIONS(GT_FIELD)
#undef GT_FIELD
    dnnl_engine_t engine;
    int loaded;
} dnnl;

static pthread_once_t dnnl_once = PTHREAD_ONCE_INIT;

static void dnnl_load(void) {
    void *handle = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
#define GT_LOAD(name) if (!(dnnl.name = (__typeof__(name) *)dlsym(handle, #name))) return;
    GT_DNNL_FUNCTIONS(GT_LOAD)
#undef GT_LOAD
    if (dnnl.dnnl_engine_create(&dnnl.engine, dnnl_cpu, 0) != dnnl_success) return;
    dnnl.loaded = 1;
}

static int dnnl_available(void) {
    pthread_once(&dnnl_once, dnnl_load);
    return dnnl.loaded;
}

/// One tensor argument of a pass: given in the caller's plain layout, used by the primitive in
/// `inner` (a reorder in between when they differ).
typedef struct {
    int arg;
    int output;
    dnnl_memory_desc_t user, inner;
    dnnl_primitive_t reorder;  // user -> inner for inputs, inner -> user for outputs; NULL if equal
    size_t offset;             // of the inner copy in the workspace
} slot_t;

typedef struct {
    dnnl_primitive_t primitive;
    slot_t slots[3];
    dnnl_memory_desc_t scratchpad;
    size_t scratchpad_offset, workspace;
} pass_t;

struct gt_conv {
    pass_t passes[3];
};

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static int make_reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, dnnl_primitive_t *out) {
    dnnl_primitive_desc_t pd;
    if (dnnl.dnnl_reorder_primitive_desc_create(&pd, from, dnnl.engine, to, dnnl.engine, NULL) != dnnl_success) return 0;
    int ok = dnnl.dnnl_primitive_create(out, pd) == dnnl_success;
    dnnl.dnnl_primitive_desc_destroy(pd);
    return ok;
}

/// Builds a pass from its primitive descriptor: the primitive, the slots' layouts and
/// reorders, the workspace plan. Takes ownership of `pd`.
static int make_pass(pass_t *pass, dnnl_primitive_desc_t pd, const int args[3], const int outputs[3],
                     const dnnl_memory_desc_t *users[3]) {
    size_t offset = 0;
    int ok = dnnl.dnnl_primitive_create(&pass->primitive, pd) == dnnl_success;
    for (int i = 0; ok && i < 3; i++) {
        slot_t *s = &pass->slots[i];
        s->arg = args[i];
        s->output = outputs[i];
        s->user = *users[i];
        s->inner = *dnnl.dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, args[i]);
        if (!dnnl.dnnl_memory_desc_equal(&s->user, &s->inner)) {
            ok = s->output ? make_reorder(&s->inner, &s->user, &s->reorder) : make_reorder(&s->user, &s->inner, &s->reorder);
            s->offset = offset;
            offset += align64(dnnl.dnnl_memory_desc_get_size(&s->inner));
        }
    }
    if (ok) {
        pass->scratchpad = *dnnl.dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
        pass->scratchpad_offset = offset;
        pass->workspace = offset + align64(dnnl.dnnl_memory_desc_get_size(&pass->scratchpad));
    }
    dnnl.dnnl_primitive_desc_destroy(pd);
    return ok;
}

gt_conv *gt_conv_create(const gt_conv_geometry *g, gt_conv_element element) {
    if (!dnnl_available()) return NULL;
    dnnl_data_type_t type = element == GT_CONV_BF16 ? dnnl_bf16 : dnnl_f32;
    gt_conv *conv = calloc(1, sizeof(gt_conv));
    if (!conv) return NULL;
    dnnl_memory_desc_t src, weights, dst, src_any, weights_any, dst_any;
    dnnl_dims_t src_dims = {g->n, g->c, g->h, g->w}, dst_dims = {g->n, g->o, g->oh, g->ow};
    dnnl_dims_t w_dims = {g->o, g->c, g->kh, g->kw}, gw_dims = {g->groups, g->o / g->groups, g->c / g->groups, g->kh, g->kw};
    int grouped = g->groups > 1;
    dnnl_dims_t strides = {g->stride_h, g->stride_w}, dilates = {g->dilation_h - 1, g->dilation_w - 1};
    dnnl_dims_t pad_l = {g->pad_h, g->pad_w};
    // The padding after each axis that makes the output sizes come out as given.
    dnnl_dims_t pad_r = {(g->oh - 1) * g->stride_h + g->dilation_h * (g->kh - 1) + 1 - g->h - g->pad_h,
                         (g->ow - 1) * g->stride_w + g->dilation_w * (g->kw - 1) + 1 - g->w - g->pad_w};
    int ok = dnnl.dnnl_memory_desc_init_by_tag(&src, 4, src_dims, type, dnnl_nchw) == dnnl_success
        && dnnl.dnnl_memory_desc_init_by_tag(&dst, 4, dst_dims, type, dnnl_nchw) == dnnl_success
        && dnnl.dnnl_memory_desc_init_by_tag(&weights, grouped ? 5 : 4, grouped ? gw_dims : w_dims, type,
                                             grouped ? dnnl_goihw : dnnl_oihw) == dnnl_success
        && dnnl.dnnl_memory_desc_init_by_tag(&src_any, 4, src_dims, type, dnnl_format_tag_any) == dnnl_success
        && dnnl.dnnl_memory_desc_init_by_tag(&dst_any, 4, dst_dims, type, dnnl_format_tag_any) == dnnl_success
        && dnnl.dnnl_memory_desc_init_by_tag(&weights_any, grouped ? 5 : 4, grouped ? gw_dims : w_dims, type,
                                             dnnl_format_tag_any) == dnnl_success;
    dnnl_primitive_attr_t attr = NULL;
    ok = ok && dnnl.dnnl_primitive_attr_create(&attr) == dnnl_success
        && dnnl.dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success;
    dnnl_convolution_desc_t fwd_d, bwd_d_d, bwd_w_d;
    dnnl_primitive_desc_t fwd_pd = NULL, pd = NULL;
    ok = ok && dnnl.dnnl_dilated_convolution_forward_desc_init(&fwd_d, dnnl_forward_training, dnnl_convolution_direct,
                  &src_any, &weights_any, NULL, &dst_any, strides, dilates, pad_l, pad_r) == dnnl_success
        && dnnl.dnnl_primitive_desc_create(&fwd_pd, &fwd_d, attr, dnnl.engine, NULL) == dnnl_success;
    // The forward descriptor is kept as the hint of the two backward passes, then handed over.
    ok = ok && dnnl.dnnl_dilated_convolution_backward_data_desc_init(&bwd_d_d, dnnl_convolution_direct, &src_any,
                  &weights_any, &dst_any, strides, dilates, pad_l, pad_r) == dnnl_success
        && dnnl.dnnl_primitive_desc_create(&pd, &bwd_d_d, attr, dnnl.engine, fwd_pd) == dnnl_success
        && make_pass(&conv->passes[GT_CONV_BACKWARD_DATA], pd,
                     (const int[3]){DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, (const int[3]){0, 0, 1},
                     (const dnnl_memory_desc_t *[3]){&dst, &weights, &src});
    pd = NULL;
    ok = ok && dnnl.dnnl_dilated_convolution_backward_weights_desc_init(&bwd_w_d, dnnl_convolution_direct, &src_any,
                  &weights_any, NULL, &dst_any, strides, dilates, pad_l, pad_r) == dnnl_success
        && dnnl.dnnl_primitive_desc_create(&pd, &bwd_w_d, attr, dnnl.engine, fwd_pd) == dnnl_success
        && make_pass(&conv->passes[GT_CONV_BACKWARD_WEIGHTS], pd,
                     (const int[3]){DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS}, (const int[3]){0, 0, 1},
                     (const dnnl_memory_desc_t *[3]){&src, &dst, &weights});
    if (ok) ok = make_pass(&conv->passes[GT_CONV_FORWARD], fwd_pd,
                           (const int[3]){DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}, (const int[3]){0, 0, 1},
                           (const dnnl_memory_desc_t *[3]){&src, &weights, &dst});
    else if (fwd_pd) dnnl.dnnl_primitive_desc_destroy(fwd_pd);
    if (attr) dnnl.dnnl_primitive_attr_destroy(attr);
    if (!ok) {
        gt_conv_destroy(conv);
        return NULL;
    }
    return conv;
}

void gt_conv_destroy(gt_conv *conv) {
    if (!conv) return;
    for (int p = 0; p < 3; p++) {
        if (conv->passes[p].primitive) dnnl.dnnl_primitive_destroy(conv->passes[p].primitive);
        for (int i = 0; i < 3; i++)
            if (conv->passes[p].slots[i].reorder) dnnl.dnnl_primitive_destroy(conv->passes[p].slots[i].reorder);
    }
    free(conv);
}

size_t gt_conv_workspace_size(const gt_conv *conv, gt_conv_pass pass) { return conv->passes[pass].workspace; }

/// Runs a pass: inputs reordered into the workspace where the primitive wants another layout,
/// the primitive, outputs reordered back.
static int run(const gt_conv *conv, gt_conv_pass which, void *const data[3], char *workspace) {
    const pass_t *pass = &conv->passes[which];
    dnnl_stream_t stream = NULL;
    dnnl_memory_t user[3] = {0}, inner[3] = {0}, scratch = NULL;
    dnnl_exec_arg_t args[4];
    int nargs = 0, ok = dnnl.dnnl_stream_create(&stream, dnnl.engine, dnnl_stream_default_flags) == dnnl_success;
    for (int i = 0; ok && i < 3; i++) {
        const slot_t *s = &pass->slots[i];
        ok = dnnl.dnnl_memory_create(&user[i], &s->user, dnnl.engine, data[i]) == dnnl_success;
        if (ok && s->reorder) {
            ok = dnnl.dnnl_memory_create(&inner[i], &s->inner, dnnl.engine, workspace + s->offset) == dnnl_success;
            if (ok && !s->output) {
                dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, user[i]}, {DNNL_ARG_TO, inner[i]}};
                ok = dnnl.dnnl_primitive_execute(s->reorder, stream, 2, r) == dnnl_success;
            }
        }
        args[nargs++] = (dnnl_exec_arg_t){s->arg, inner[i] ? inner[i] : user[i]};
    }
    if (ok) {
        ok = dnnl.dnnl_memory_create(&scratch, &pass->scratchpad, dnnl.engine, workspace + pass->scratchpad_offset) == dnnl_success;
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratch};
    }
    ok = ok && dnnl.dnnl_primitive_execute(pass->primitive, stream, nargs, args) == dnnl_success;
    for (int i = 0; ok && i < 3; i++) {
        const slot_t *s = &pass->slots[i];
        if (s->reorder && s->output) {
            dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, inner[i]}, {DNNL_ARG_TO, user[i]}};
            ok = dnnl.dnnl_primitive_execute(s->reorder, stream, 2, r) == dnnl_success;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (user[i]) dnnl.dnnl_memory_destroy(user[i]);
        if (inner[i]) dnnl.dnnl_memory_destroy(inner[i]);
    }
    if (scratch) dnnl.dnnl_memory_destroy(scratch);
    if (stream) dnnl.dnnl_stream_destroy(stream);
    return ok ? 0 : -1;
}

int gt_conv_forward(const gt_conv *conv, const void *src, const void *weights, void *dst, void *workspace) {
    return run(conv, GT_CONV_FORWARD, (void *[3]){(void *)src, (void *)weights, dst}, workspace);
}

int gt_conv_backward_data(const gt_conv *conv, const void *diff_dst, const void *weights, void *diff_src,
                          void *workspace) {
    return run(conv, GT_CONV_BACKWARD_DATA, (void *[3]){(void *)diff_dst, (void *)weights, diff_src}, workspace);
}

int gt_conv_backward_weights(const gt_conv *conv, const void *src, const void *diff_dst, void *diff_weights,
                             void *workspace) {
    return run(conv, GT_CONV_BACKWARD_WEIGHTS, (void *[3]){(void *)src, (void *)diff_dst, diff_weights}, workspace);
}

#else

gt_conv *gt_conv_create(const gt_conv_geometry *geometry, gt_conv_element element) {
    (void)geometry; (void)element;
    return NULL;
}
void gt_conv_destroy(gt_conv *conv) { (void)conv; }
size_t gt_conv_workspace_size(const gt_conv *conv, gt_conv_pass pass) { (void)conv; (void)pass; return 0; }
int gt_conv_forward(const gt_conv *conv, const void *src, const void *weights, void *dst, void *workspace) {
    (void)conv; (void)src; (void)weights; (void)dst; (void)workspace;
    return -1;
}
int gt_conv_backward_data(const gt_conv *conv, const void *diff_dst, const void *weights, void *diff_src,
                          void *workspace) {
    (void)conv; (void)diff_dst; (void)weights; (void)diff_src; (void)workspace;
    return -1;
}
int gt_conv_backward_weights(const gt_conv *conv, const void *src, const void *diff_dst, void *diff_weights,
                             void *workspace) {
    (void)conv; (void)src; (void)diff_dst; (void)diff_weights; (void)workspace;
    return -1;
}

#endif
