import CGentrainKernels

/// Binary cross-entropy's elementwise losses in one pass, for float32 probabilities `x` and
/// targets `t` of one shape (nil otherwise: the caller composes the loss from ops). PyTorch's formula: `−(t·max(log x, −100) + (1 − t)·max(log1p(−x), −100))`, and NaN
/// where x is outside [0, 1] or NaN (the caller turns that into PyTorch's error).
/// Gradients: x: `g·(x − t) / max((1 − x)·x, 1e-12)` (one pass; composed of differentiable ops
/// under create_graph); t: `g·(max(log1p(−x), −100) − max(log x, −100))`.
package func binaryCrossEntropyElementwise(_ input: Tensor, _ target: Tensor) throws -> Tensor? {
    guard input.dtype == .float32, target.dtype == .float32, input.shape == target.shape else { return nil }
    let (x, t) = try withNoGrad { (try input.contiguous(), try target.contiguous()) }   // e.g. a slice of an output
    let out = try Tensor(emptyLike: x, dtype: .float32)
    let px = x.pointer(Float.self), pt = t.pointer(Float.self), po = out.pointer(Float.self)
    parallelFor(x.numel, grain: transcendentalGrain) { r in
        gt_bce_forward(px + r.lowerBound, pt + r.lowerBound, po + r.lowerBound, r.count, CPU.cLevel)
    }
    return try record(out, "BinaryCrossEntropyBackward", input, target) { node, g in
        Grads(node.needsInputGrad(0) ? try bceInputGradient(g, x, t) : nil,
              node.needsInputGrad(1) ? try g.mul(x.neg().log1p().clamp(min: -100).sub(x.log().clamp(min: -100))) : nil)
    }
}

/// `g·(x − t) / max((1 − x)·x, 1e-12)`: one pass over float32, or from ops when recording.
private func bceInputGradient(_ g: Tensor, _ x: Tensor, _ t: Tensor) throws -> Tensor {
    if GradMode.isEnabled || g.dtype != .float32 || g.shape != x.shape {
        return try g.mul(x.sub(t)).div(x.neg().add(1).mul(x).clamp(min: 1e-12))
    }
    // The gradient of a sum or mean arrives as one value broadcast: read it with stride 0.
    let gs = g.strides.allSatisfy { $0 == 0 } ? g : try g.contiguous()
    let stride = gs.isContiguous ? 1 : 0
    let out = try Tensor(emptyLike: x, dtype: .float32)
    let pg = gs.pointer(Float.self), px = x.pointer(Float.self), pt = t.pointer(Float.self), po = out.pointer(Float.self)
    parallelFor(x.numel, grain: transcendentalGrain) { r in
        gt_bce_backward(pg + r.lowerBound * stride, stride, px + r.lowerBound, pt + r.lowerBound, po + r.lowerBound, r.count, CPU.cLevel)
    }
    return out
}
