// Convolutions on oneDNN (Debian libdnnl2, loaded at run time): the engine's float32 (and, on
// CPUs with AVX-512 BF16, bfloat16) conv2d and conv_transpose2d run on these when the library is
// present and measured faster.
//
// One `gt_conv` is one convolution geometry, in PyTorch's NCHW layout:
//   src [n, c, h, w] (*) weights [o, c/groups, kh, kw] -> dst [n, o, oh, ow]
// It serves three passes: forward (dst from src), backward data (src gradient from the dst
// gradient; also a transposed convolution's forward) and backward weights. oneDNN works in
// blocked layouts of its choosing; the reorders from and to NCHW happen inside each call, in
// the caller's workspace.
#ifndef GENTRAIN_DNNL_H
#define GENTRAIN_DNNL_H

#include <stddef.h>

typedef struct gt_conv gt_conv;

/// Sizes, strides, paddings (before; after is implied by the sizes) and dilations (1 = none).
typedef struct {
    long n, c, h, w, o, kh, kw, oh, ow;
    long stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups;
} gt_conv_geometry;

typedef enum { GT_CONV_FORWARD = 0, GT_CONV_BACKWARD_DATA = 1, GT_CONV_BACKWARD_WEIGHTS = 2 } gt_conv_pass;

/// The element type of every tensor of a geometry's passes.
typedef enum { GT_CONV_F32 = 0, GT_CONV_BF16 = 1 } gt_conv_element;

/// The primitives for one geometry and element type, or NULL when oneDNN is absent or does not
/// take it (bfloat16 wherever this CPU lacks oneDNN's bfloat16 kernels, as it decides).
/// Creating costs about a millisecond: callers keep them.
gt_conv *gt_conv_create(const gt_conv_geometry *geometry, gt_conv_element element);
void gt_conv_destroy(gt_conv *conv);

/// Bytes of scratch memory a pass needs (64-byte aligned workspace).
size_t gt_conv_workspace_size(const gt_conv *conv, gt_conv_pass pass);

/// dst = conv(src, weights). 0 on success. (A bias is the caller's: added, and summed for its
/// gradient, outside the three linear passes.) Tensors of the geometry's element type.
int gt_conv_forward(const gt_conv *conv, const void *src, const void *weights, void *dst, void *workspace);
/// diff_src = the adjoint of the convolution applied to diff_dst.
int gt_conv_backward_data(const gt_conv *conv, const void *diff_dst, const void *weights,
                          void *diff_src, void *workspace);
/// diff_weights from src and diff_dst.
int gt_conv_backward_weights(const gt_conv *conv, const void *src, const void *diff_dst,
                             void *diff_weights, void *workspace);

#endif
