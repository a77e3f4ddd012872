import GentrainCore

/// Class-index targets as rows, for input `[N, C, d…]`: `[M]` int64 and its values, validity checked.
private func classTargets(_ input: Tensor, _ target: Tensor, _ ignoreIndex: Int, _ op: String) throws
    -> (rowsShape: [Int], classes: Int, t: Tensor, values: [Int64]) {
    guard input.ndim >= 1 else { throw GentrainError(.shape, "\(op): input must have at least 1 dimension") }
    let classes = input.shape[input.ndim == 1 ? 0 : 1]
    let batchShape = input.ndim == 1 ? [] : [input.shape[0]] + Array(input.shape.dropFirst(2))
    guard target.shape == batchShape else {
        throw GentrainError(.shape, "\(op): expected target of shape \(shapeString(batchShape)) for input \(shapeString(input.shape)), got \(shapeString(target.shape))")
    }
    guard target.dtype == .int64 || target.dtype == .int32 else {
        throw GentrainError(.dtype, "\(op): expected class indices of dtype int64 or int32, got \(target.dtype)")
    }
    let t = try target.reshape([-1]).to(.int64)
    let values = try t.toArray(Int64.self)
    for v in values where v != Int64(ignoreIndex) && (v < 0 || v >= Int64(classes)) {
        throw GentrainError(.index, "\(op): target \(v) is out of bounds for \(classes) classes")
    }
    return (batchShape, classes, t, values)
}

/// `[N, C, d…]` as rows `[M, C]` with the class dimension last.
private func classRows(_ input: Tensor, _ classes: Int) throws -> Tensor {
    if input.ndim == 2 { return input }
    if input.ndim < 2 { return try input.reshape([-1, classes]) }
    var order = [0] + Array(2..<input.ndim)
    order.append(1)
    return try input.permute(order).reshape([-1, classes])
}

/// Negative log-likelihood of class-index `target` under log-probabilities `input`
/// (`[N, C]` or `[N, C, d…]`), PyTorch's `F.nll_loss`: `−w[y]·input[y]`, targets equal to
/// `ignoreIndex` contributing nothing; `mean` divides by the summed weights of the counted
/// targets (nan when all are ignored).
public func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    let weight = try Autocast.float32(weight)
    let (batchShape, classes, t, _) = try classTargets(input, target, ignoreIndex, "nll_loss")
    let rows = try classRows(input, classes)
    let (losses, w) = try weightedNLL(rows, t, weight, ignoreIndex, classes, "nll_loss")
    switch reduction {
    case .none: return try losses.reshape(batchShape)
    case .sum: return try losses.sum()
    case .mean: return try losses.sum().div(w.sum())
    }
}

/// Per-row `−w[y]·logp[y]` and the per-row weights (0 for ignored rows).
private func weightedNLL(_ logp: Tensor, _ t: Tensor, _ weight: Tensor?, _ ignoreIndex: Int, _ classes: Int,
                         _ op: String) throws -> (Tensor, Tensor) {
    if let weight, weight.shape != [classes] {
        throw GentrainError(.shape, "\(op): weight of shape \(shapeString(weight.shape)) given for \(classes) classes")
    }
    let valid = try t.ne(Tensor.scalar(Double(ignoreIndex), dtype: .int64))
    let safe = try Tensor.where(valid, t, Tensor.scalar(0, dtype: .int64))
    let validF = try valid.to(logp.dtype)
    let w = try (weight.map { try $0.to(logp.dtype).indexSelect(0, safe) } ?? Tensor.ones(safe.shape, dtype: logp.dtype)).mul(validF)
    // Ignored rows through `where`, not only a zero weight: their gradient stays 0 even when a
    // mean over no counted rows makes the incoming gradient inf (PyTorch's gradient is 0 there).
    let losses = try logp.gather(1, safe.unsqueeze(1)).squeeze(1).neg().mul(w)
    return (try Tensor.where(valid, losses, Tensor.scalar(0, dtype: losses.dtype)), w)
}

/// Cross-entropy between logits `input` (`[N, C]` or `[N, C, d1, …]`, class dimension 1) and
/// `target`, PyTorch's `F.cross_entropy`. Targets are class indices (`[N]` or `[N, d1, …]`,
/// int64/int32) or class probabilities (the input's shape, floating point).
///
/// With indices: `−w[y]·log softmax(x)[y]`, targets equal to `ignoreIndex` contributing
/// nothing; `mean` divides by the summed weights of the counted targets (nan when all are
/// ignored); `labelSmoothing` ε mixes in the uniform distribution:
/// `(1−ε)·nll + ε/C · Σ_c −w[c]·log p_c`. With probabilities: `−Σ_c w[c]·t_c·log p_c`,
/// smoothed as `t·(1−ε) + ε/C`, and `mean` divides by the number of samples.
public func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                         reduction: Reduction = .mean, labelSmoothing: Double = 0) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    let weight = try Autocast.float32(weight)
    guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
        throw GentrainError(.invalidArgument, "cross_entropy: label_smoothing must be between 0.0 and 1.0, got \(labelSmoothing)")
    }
    if target.dtype.isFloatingPoint { return try crossEntropyProbabilities(input, target, weight, reduction, labelSmoothing) }
    let (batchShape, classes, _, targets) = try classTargets(input, target, ignoreIndex, "cross_entropy")
    let rows = try classRows(input, classes)
    guard rows.dtype.isFloatingPoint else { throw GentrainError(.dtype, "cross_entropy: expected floating point logits, got \(rows.dtype)") }
    if let weight, weight.shape != [classes] {
        throw GentrainError(.shape, "cross_entropy: weight of shape \(shapeString(weight.shape)) given for \(classes) classes")
    }
    let rule = FusedCrossEntropy(targets: targets, classes: classes, ignoreIndex: Int64(ignoreIndex),
                                 weight: try weight.map { try $0.to(.float64).toArray(Double.self) }, smoothing: labelSmoothing)
    let loss = try rule.apply(rows, reduction: reduction)
    return reduction == .none ? try loss.reshape(batchShape) : loss
}

private func crossEntropyProbabilities(_ input: Tensor, _ target: Tensor, _ weight: Tensor?, _ reduction: Reduction,
                                       _ labelSmoothing: Double) throws -> Tensor {
    guard target.shape == input.shape, input.ndim >= 1 else {
        throw GentrainError(.shape, "cross_entropy: probability targets must have the input's shape \(shapeString(input.shape)), got \(shapeString(target.shape))")
    }
    let classDim = input.ndim == 1 ? 0 : 1
    let classes = input.shape[classDim]
    var t = target
    if labelSmoothing > 0 { t = try t.mul(1 - labelSmoothing).add(labelSmoothing / Double(classes)) }
    var terms = try input.logSoftmax(dim: classDim).mul(t)
    if let weight {
        guard weight.shape == [classes] else {
            throw GentrainError(.shape, "cross_entropy: weight of shape \(shapeString(weight.shape)) given for \(classes) classes")
        }
        var s = [Int](repeating: 1, count: input.ndim)
        s[classDim] = classes
        terms = try terms.mul(weight.to(input.dtype).reshape(s))
    }
    let losses = try terms.sum(dims: [classDim]).neg()
    switch reduction {
    case .none: return losses
    case .sum: return try losses.sum()
    case .mean: return try losses.sum().div(Double(input.ndim == 1 ? 1 : losses.numel))
    }
}
