import GentrainCore

/// How a loss reduces its per-element values (PyTorch's `reduction`).
public enum Reduction: Int32, Sendable {
    case none = 0
    case mean = 1
    case sum = 2
}

/// Cross-entropy between logits `input` (`[N, C]` or `[N, C, d1, …]`, class dimension 1) and
/// class-index `target` (`[N]` or `[N, d1, …]`), PyTorch's `F.cross_entropy`:
/// `−w[y]·log softmax(x)[y]`, with targets equal to `ignoreIndex` contributing nothing.
/// `mean` divides by the summed weights of the counted targets (nan when all are ignored).
/// `labelSmoothing` ε mixes in the uniform distribution: `(1−ε)·nll + ε/C · Σ_c −w[c]·log p_c`.
public func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                         reduction: Reduction = .mean, labelSmoothing: Double = 0) throws -> Tensor {
    guard input.ndim >= 1 else { throw GentrainError(.shape, "cross_entropy: input must have at least 1 dimension") }
    guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
        throw GentrainError(.invalidArgument, "cross_entropy: label_smoothing must be between 0.0 and 1.0, got \(labelSmoothing)")
    }
    // Logits as rows [M, C]; targets as [M].
    let classes = input.shape[input.ndim == 1 ? 0 : 1]
    let batchShape = input.ndim == 1 ? [] : [input.shape[0]] + Array(input.shape.dropFirst(2))
    guard target.shape == batchShape else {
        throw GentrainError(.shape, "cross_entropy: expected target of shape \(shapeString(batchShape)) for input \(shapeString(input.shape)), got \(shapeString(target.shape))")
    }
    guard target.dtype == .int64 || target.dtype == .int32 else {
        throw GentrainError(.dtype, "cross_entropy: expected class indices of dtype int64 or int32, got \(target.dtype)")
    }
    if let weight, weight.shape != [classes] {
        throw GentrainError(.shape, "cross_entropy: weight of shape \(shapeString(weight.shape)) given for \(classes) classes")
    }
    let rows: Tensor
    if input.ndim <= 2 {
        rows = try input.reshape([-1, classes])
    } else {
        var order = [0] + Array(2..<input.ndim)
        order.append(1)
        rows = try input.permute(order).reshape([-1, classes])
    }
    let logp = try rows.logSoftmax(dim: 1)
    let t = try target.reshape([-1]).to(.int64)
    let values = try t.toArray(Int64.self)
    for v in values where v != Int64(ignoreIndex) && (v < 0 || v >= Int64(classes)) {
        throw GentrainError(.index, "cross_entropy: target \(v) is out of bounds for \(classes) classes")
    }
    let valid = try t.ne(Tensor.scalar(Double(ignoreIndex), dtype: .int64))
    let safe = try Tensor.where(valid, t, Tensor.scalar(0, dtype: .int64))
    let validF = try valid.to(logp.dtype)
    let w = try (weight.map { try $0.to(logp.dtype).indexSelect(0, safe) } ?? Tensor.ones(safe.shape, dtype: logp.dtype)).mul(validF)
    var losses = try logp.gather(1, safe.unsqueeze(1)).squeeze(1).neg().mul(w)
    if labelSmoothing > 0 {
        let perClass = try weight.map { try logp.mul($0.to(logp.dtype)) } ?? logp
        let smooth = try perClass.sum(dims: [1]).neg().mul(validF)
        losses = try losses.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / Double(classes)))
    }
    switch reduction {
    case .none: return try losses.reshape(batchShape)
    case .sum: return try losses.sum()
    case .mean: return try losses.sum().div(w.sum())
    }
}
