import GentrainCore

/// softmax((logits + g) / tau) along `dim` with Gumbel noise g = −log(E), E ~ Exp(1), from the
/// default generator (PyTorch's `F.gumbel_softmax`); `hard` returns the one-hot argmax in the
/// forward pass with the soft sample's gradient (the straight-through estimator).
public func gumbelSoftmax(_ logits: Tensor, tau: Double = 1, hard: Bool = false, dim: Int = -1) throws -> Tensor {
    guard tau > 0, tau.isFinite else { throw GentrainError(.invalidArgument, "gumbel_softmax: tau must be positive and finite, got \(tau)") }
    let u = try Tensor.rand(logits.shape, dtype: logits.dtype.isFloatingPoint ? logits.dtype : .float32)
    let gumbels = try u.neg().log1p().neg().log().neg()   // −log(−log(1 − U)): E = −log(1 − U) > 0 for U in [0, 1)
    let soft = try logits.add(gumbels).div(tau).softmax(dim: dim)
    guard hard else { return soft }
    let axis = try soft.sizedDim(dim, "gumbel_softmax")
    let oneHot = try withNoGrad { try soft.zerosLike().scatter(axis, soft.argmax(dim: axis, keepdim: true), value: 1) }
    return try oneHot.sub(soft.detach()).add(soft)
}
