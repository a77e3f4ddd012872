import GentrainCore

/// `t` when it is a per-channel tensor `[C]` (or nil).
private func checkedPerChannel(_ t: Tensor?, _ c: Int, _ op: String) throws -> Tensor? {
    guard let t else { return nil }
    guard t.shape == [c] else { throw GentrainError(.shape, "\(op): expected a tensor of shape [\(c)], got \(shapeString(t.shape))") }
    return t
}

/// A per-channel tensor `[C]` shaped to broadcast over `[N, C, …]`.
private func perChannel(_ t: Tensor?, _ ndim: Int, _ c: Int, _ op: String) throws -> Tensor? {
    try checkedPerChannel(t, c, op)?.reshape([1, c] + Array(repeating: 1, count: ndim - 2))
}

/// Batch normalization over `[N, C, …]`, PyTorch's `F.batch_norm`: in training, the batch's
/// statistics (biased variance) normalize, and the running ones (when given) are updated in
/// place as `(1 − momentum)·running + momentum·batch` with the unbiased variance; in
/// evaluation, the running statistics normalize.
public func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                      training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) throws -> Tensor {
    guard x.ndim >= 2 else { throw GentrainError(.shape, "batch_norm: expected [N, C, …], got \(shapeString(x.shape))") }
    let c = x.shape[1]
    let w = try perChannel(weight, x.ndim, c, "batch_norm"), b = try perChannel(bias, x.ndim, c, "batch_norm")
    if training {
        let inner = x.shape.dropFirst(2).reduce(1, *), count = x.shape[0] * inner
        guard count > 1 else { throw GentrainError(.invalidArgument, "batch_norm: expected more than 1 value per channel when training, got input size \(shapeString(x.shape))") }
        // The channels are the groups: their weight and bias go into the same pass.
        let (y, mean, variance) = try x.normalizedGroups(outer: x.shape[0], groups: c, inner: inner, eps: eps, weight: weight, bias: bias)
        try withNoGrad {
            if let runningMean, BufferUpdates.isEnabled { try runningMean.copy_(runningMean.mul(1 - momentum).add(mean.mul(momentum))) }
            if let runningVar, BufferUpdates.isEnabled {   // the unbiased variance
                try runningVar.copy_(runningVar.mul(1 - momentum).add(variance.mul(momentum * Double(count) / Double(count - 1))))
            }
        }
        return y
    }
    guard let runningMean, let runningVar else {
        throw GentrainError(.invalidArgument, "batch_norm: evaluation needs running_mean and running_var")
    }
    let m = try perChannel(runningMean, x.ndim, c, "batch_norm")!, v = try perChannel(runningVar, x.ndim, c, "batch_norm")!
    var y = try x.sub(m).div(v.add(eps).sqrt())
    if let w { y = try y.mul(w) }
    if let b { y = try y.add(b) }
    return y
}

/// Layer normalization over the trailing `normalizedShape`, PyTorch's `F.layer_norm`.
/// x divided by its p-norm along `dim`, the norm at least `eps` (PyTorch's F.normalize, defaults
/// p 2, dim 1, eps 1e-12).
public func normalize(_ x: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) throws -> Tensor {
    try x.div(x.norm(p: p, dims: [dim], keepdim: true).clamp(min: eps))
}

/// x · rsqrt(mean(x²) + eps) over the trailing `normalizedShape` dims, times `weight` (that
/// shape) when given (PyTorch's `F.rms_norm`; eps nil: the dtype's machine epsilon, as PyTorch).
public func rmsNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, eps: Double? = nil) throws -> Tensor {
    let k = normalizedShape.count
    guard k >= 1, k <= x.ndim, Array(x.shape.suffix(k)) == normalizedShape else {
        throw GentrainError(.shape, "rms_norm: normalized_shape \(shapeString(normalizedShape)) does not match the trailing dims of the input \(shapeString(x.shape))")
    }
    let epsilon = eps ?? [.float64: Double.ulpOfOne, .bfloat16: 0x1p-7, .float16: 0x1p-10][x.dtype] ?? Double(Float.ulpOfOne)
    let y = try x.mul(x.square().mean(dims: Array(x.ndim - k ..< x.ndim), keepdim: true).add(epsilon).rsqrt())
    return try weight.map { try y.mul($0) } ?? y
}

/// x / (k + α · mean of x² over `size` neighbouring channels)^β, the mean over a window along dim 1
/// with zeros past the edges (size / 2 channels before, (size − 1) / 2 after) and always divided by
/// `size` (PyTorch's `F.local_response_norm`, for [N, C, *] of 3 dims or more: an average pooling of
/// x² along the channels, as PyTorch computes it).
public func localResponseNorm(_ x: Tensor, size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) throws -> Tensor {
    guard x.ndim >= 3 else {
        throw GentrainError(.shape, "local_response_norm: Expected 3D or higher dimensionality input (got \(x.ndim) dimensions)")
    }
    guard size >= 1 else { throw GentrainError(.invalidArgument, "local_response_norm: size must be positive, got \(size)") }
    let (n, c) = (x.shape[0], x.shape[1])
    let rest = x.shape.dropFirst(2).reduce(1, *)
    let squares = try x.square().reshape([n, 1, c, rest])
    let padded = try squares.pad([0, 0, size / 2, (size - 1) / 2])
    let mean = try avgPool2d(padded, kernel: (size, 1), stride: (1, 1)).reshape(x.shape)
    return try x.div(mean.mul(alpha).add(k).pow(beta))
}

public func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) throws -> Tensor {
    let k = normalizedShape.count
    guard k >= 1, k <= x.ndim, Array(x.shape.suffix(k)) == normalizedShape else {
        throw GentrainError(.shape, "layer_norm: normalized shape \(shapeString(normalizedShape)) does not end input \(shapeString(x.shape))")
    }
    for t in [weight, bias].compactMap({ $0 }) where t.shape != normalizedShape {
        throw GentrainError(.shape, "layer_norm: weight and bias must have shape \(shapeString(normalizedShape)), got \(shapeString(t.shape))")
    }
    let inner = normalizedShape.reduce(1, *)
    guard inner > 0 else { throw GentrainError(.shape, "layer_norm: the normalized shape \(shapeString(normalizedShape)) is empty") }
    // The elementwise affine inside the normalization's own passes, forward and backward.
    return try x.normalizedGroups(outer: 1, groups: x.numel / inner, inner: inner, eps: eps, weight: weight, bias: bias,
                                  affine: .perPosition).normalized
}

/// Group normalization of `[N, C, …]` over `groups` channel groups, PyTorch's `F.group_norm`.
public func groupNorm(_ x: Tensor, groups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) throws -> Tensor {
    guard x.ndim >= 2, groups > 0, x.shape[1] % groups == 0 else {
        throw GentrainError(.shape, "group_norm: expected [N, C, …] with C divisible by \(groups), got \(shapeString(x.shape))")
    }
    let c = x.shape[1], spatial = x.shape.dropFirst(2).reduce(1, *), inner = c / groups * spatial
    guard inner > 0 else { throw GentrainError(.shape, "group_norm: expected channels and spatial sizes above 0, got \(shapeString(x.shape))") }
    return try channelAffineNormalize(x, groups: groups, spatial: spatial, inner: inner, weight, bias, eps, "group_norm")
}

/// x normalized per group of each sample's channels, then each channel scaled by `weight` and
/// shifted by `bias` (`[C]`, optional) inside the normalization's own passes.
private func channelAffineNormalize(_ x: Tensor, groups: Int, spatial: Int, inner: Int, _ weight: Tensor?, _ bias: Tensor?,
                                    _ eps: Double, _ op: String) throws -> Tensor {
    let (w, b) = (try checkedPerChannel(weight, x.shape[1], op), try checkedPerChannel(bias, x.shape[1], op))
    return try x.normalizedGroups(outer: 1, groups: x.shape[0] * groups, inner: inner, eps: eps,
                                  weight: w, bias: b, affine: .perChannel(groupsPerSample: groups, spatial: spatial)).normalized
}

/// Instance normalization of `[N, C, …]` over each sample's channel, PyTorch's
/// `F.instance_norm` without running statistics.
public func instanceNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) throws -> Tensor {
    guard x.ndim >= 3 else { throw GentrainError(.shape, "instance_norm: expected [N, C, …], got \(shapeString(x.shape))") }
    let c = x.shape[1], spatial = x.shape.dropFirst(2).reduce(1, *)
    guard spatial > 0 else { throw GentrainError(.shape, "instance_norm: expected a non-empty [N, C, …], got \(shapeString(x.shape))") }
    return try channelAffineNormalize(x, groups: c, spatial: spatial, inner: spatial, weight, bias, eps, "instance_norm")
}
