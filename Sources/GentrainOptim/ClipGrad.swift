import GentrainCore

/// Scales the gradients of `parameters` so that their total norm is at most `maxNorm`, and
/// returns the total norm before clipping (PyTorch's `clip_grad_norm_`).
///
/// The total is the `normType`-norm (2, inf, or any p > 0) of the per-tensor norms; every
/// gradient is multiplied by `min(maxNorm / (total + 1e-6), 1)`, so an infinite total zeroes
/// them and a nan total makes them nan — unless `errorIfNonfinite`, which throws instead.
/// Parameters without a gradient are skipped; with none, the result is 0.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2,
                         errorIfNonfinite: Bool = false) throws -> Tensor {
    guard normType > 0 else { throw GentrainError(.invalidArgument, "clip_grad_norm_: norm_type must be positive, got \(normType)") }
    return try withNoGrad {
        let grads = try gradients(parameters)
        guard !grads.isEmpty else { return try Tensor.scalar(0) }
        let norms = try grads.map { try $0.norm(p: normType) }
        let total = try Tensor.stack(norms).norm(p: normType)
        let value = try total.item()
        if errorIfNonfinite && !value.isFinite {
            throw GentrainError(.nonFinite, "clip_grad_norm_: the total norm of order \(normType) for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        }
        let coef = try (Tensor.scalar(maxNorm, dtype: total.dtype) / total.add(1e-6)).clamp(max: 1).item()
        for g in grads { try g.mulInPlace(coef) }
        return total
    }
}

/// Clamps every gradient of `parameters` to `[-clipValue, clipValue]` in place (PyTorch's `clip_grad_value_`).
public func clipGradValue(_ parameters: [Tensor], clipValue: Double) throws {
    try withNoGrad {
        for g in try gradients(parameters) { try g.copy_(g.clamp(min: -clipValue, max: clipValue)) }
    }
}

/// The gradients of the parameters that have one.
private func gradients(_ parameters: [Tensor]) throws -> [Tensor] {
    try parameters.compactMap { p in try p.use.shared("a parameter's .grad") { p.grad } }
}
