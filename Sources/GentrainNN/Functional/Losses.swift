#if canImport(Glibc)
import Glibc
#endif
import GentrainCore

// The regression, binary, divergence and similarity losses, as PyTorch defines them. Each is
// a composition of differentiable ops, so first and second-order gradients come for free.

/// `(input − target)²`, PyTorch's `F.mse_loss`.
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    warnIfBroadcast(input, target)
    return try reduce(input.sub(target).square(), reduction)
}

/// `|input − target|`, PyTorch's `F.l1_loss`.
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    warnIfBroadcast(input, target)
    return try reduce(input.sub(target).abs(), reduction)
}

/// `0.5·d²/β` where `|d| < β`, else `|d| − 0.5·β` (`d = input − target`); β = 0 is L1.
/// PyTorch's `F.smooth_l1_loss`.
public func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    guard beta >= 0 else { throw GentrainError(.invalidArgument, "smooth_l1_loss does not support negative values for beta") }
    warnIfBroadcast(input, target)
    let z = try input.sub(target).abs()
    if beta == 0 { return try reduce(z, reduction) }
    return try reduce(Tensor.where(z.lt(beta), z.square().mul(0.5 / beta), z.sub(0.5 * beta)), reduction)
}

/// `0.5·d²` where `|d| < δ`, else `δ·(|d| − 0.5·δ)`, PyTorch's `F.huber_loss`.
public func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    guard delta > 0 else { throw GentrainError(.invalidArgument, "huber_loss does not support non-positive values for delta") }
    warnIfBroadcast(input, target)
    let z = try input.sub(target).abs()
    return try reduce(Tensor.where(z.lt(delta), z.square().mul(0.5), z.sub(0.5 * delta).mul(delta)), reduction)
}

/// `−w·(t·log x + (1−t)·log1p(−x))` for probabilities `input`, each log clamped at −100 as
/// PyTorch's `F.binary_cross_entropy` does; float32 in one pass (`binaryCrossEntropyElementwise`).
public func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                               reduction: Reduction = .mean) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    let weight = try Autocast.float32(weight)
    guard input.shape == target.shape else {
        throw GentrainError(.shape, "binary_cross_entropy: target \(shapeString(target.shape)) and input \(shapeString(input.shape)) must have the same shape")
    }
    /// PyTorch's error for inputs outside [0, 1] (NaN included).
    func checkRange() throws {
        guard input.numel > 0 else { return }
        let (lo, hi) = try withNoGrad { (try input.amin().item(), try input.amax().item()) }
        guard lo >= 0 && hi <= 1 else {
            throw GentrainError(.invalidArgument, "binary_cross_entropy: all elements of input should be between 0 and 1 (found values in [\(lo), \(hi)])")
        }
    }
    if let fused = try binaryCrossEntropyElementwise(input, target) {
        // One pass; an input out of range made its loss NaN, so a finite sum or mean needs no
        // second look at the input.
        var losses = fused
        if let weight { losses = try losses.mul(weight) }
        let loss = try reduce(losses, reduction)
        if try reduction == .none || withNoGrad({ try loss.item() }).isNaN { try checkRange() }
        return loss
    }
    try checkRange()
    let logX = try input.log().clamp(min: -100)
    let log1mX = try input.neg().log1p().clamp(min: -100)
    var losses = try target.mul(logX).add(target.neg().add(1).mul(log1mX)).neg()
    if let weight { losses = try losses.mul(weight) }
    return try reduce(losses, reduction)
}

/// Binary cross-entropy on logits, PyTorch's `F.binary_cross_entropy_with_logits`:
/// `(1−t)·x + (1 + (p−1)·t)·softplus(−x)` with `p = posWeight` (1 when absent), times
/// `weight`. softplus is computed stably, so large |x| neither overflows nor loses the gradient.
public func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
                                         reduction: Reduction = .mean) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    let weight = try Autocast.float32(weight)
    let posWeight = try Autocast.float32(posWeight)
    guard input.shape == target.shape else {
        throw GentrainError(.shape, "binary_cross_entropy_with_logits: target \(shapeString(target.shape)) and input \(shapeString(input.shape)) must have the same shape")
    }
    let softTerm = try input.neg().softplus()
    let logWeight = try posWeight.map { try $0.sub(1).mul(target).add(1) }
    var losses = try target.neg().add(1).mul(input).add(logWeight.map { try $0.mul(softTerm) } ?? softTerm)
    if let weight { losses = try losses.mul(weight) }
    return try reduce(losses, reduction)
}

/// How `klDiv` reduces: PyTorch's reductions plus `batchmean` (the sum over the batch size,
/// the mathematically correct KL divergence).
public enum KLReduction: Sendable {
    case none, mean, sum, batchmean
}

/// KL divergence with `input` as log-probabilities, PyTorch's `F.kl_div`: pointwise
/// `t·(log t − input)` (0 where t = 0), or `e^t·(t − input)` with `logTarget`.
public func klDiv(_ input: Tensor, _ target: Tensor, reduction: KLReduction = .mean, logTarget: Bool = false) throws -> Tensor {
    let (input, target) = (try Autocast.float32(input), try Autocast.float32(target))   // autocast: losses in float32
    let pointwise: Tensor
    if logTarget {
        pointwise = try target.exp().mul(target.sub(input))
    } else {
        // xlogy(t, t) − t·input, with 0·log 0 = 0
        let zero = try Tensor.scalar(0, dtype: target.dtype)
        let safe = try Tensor.where(target.eq(0), Tensor.scalar(1, dtype: target.dtype), target)
        pointwise = try Tensor.where(target.eq(0), zero, target.mul(safe.log())).sub(target.mul(input))
    }
    switch reduction {
    case .none: return pointwise
    case .mean: return try pointwise.mean()
    case .sum: return try pointwise.sum()
    case .batchmean: return try pointwise.sum().div(Double(input.ndim == 0 ? 1 : input.shape[0]))
    }
}

/// Gaussian negative log-likelihood, PyTorch's `F.gaussian_nll_loss`:
/// `0.5·(log v + (input − target)²/v)` (+ `0.5·log 2π` when `full`), with `var` clamped to at
/// least `eps` (the clamp passes gradients through unchanged, as PyTorch's does). `var` has the
/// input's shape, or one dimension fewer, or a last dimension of 1.
public func gaussianNLLLoss(_ input: Tensor, _ target: Tensor, variance: Tensor, full: Bool = false, eps: Double = 1e-6,
                            reduction: Reduction = .mean) throws -> Tensor {
    var v = variance
    if v.shape != input.shape {
        if Array(input.shape.dropLast()) == v.shape { v = try v.unsqueeze(-1) }
        guard v.ndim == input.ndim, zip(v.shape, input.shape).allSatisfy({ $0 == $1 || $0 == 1 }),
              zip(v.shape, input.shape).filter({ $0 != $1 }).count <= 1 else {
            throw GentrainError(.shape, "gaussian_nll_loss: var of shape \(shapeString(variance.shape)) is of incorrect size for input \(shapeString(input.shape))")
        }
    }
    guard try withNoGrad({ try v.lt(0).to(.float64).sum().item() }) == 0 else {
        throw GentrainError(.invalidArgument, "gaussian_nll_loss: var has negative entry/entries")
    }
    // v + (clamp(v) − v) detached: the value of the clamp, the gradient of the identity.
    let clamped = try v.add(withNoGrad { try v.clamp(min: eps).sub(v) })
    var losses = try clamped.log().add(input.sub(target).square().div(clamped)).mul(0.5)
    if full { losses = try losses.add(0.5 * log(2 * Double.pi)) }
    return try reduce(losses, reduction)
}

/// `x1·x2 / (max(‖x1‖, ε)·max(‖x2‖, ε))` along `dim`, PyTorch's `F.cosine_similarity`.
public func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) throws -> Tensor {
    let n1 = try x1.norm(dims: [dim], keepdim: true).clamp(min: eps)
    let n2 = try x2.norm(dims: [dim], keepdim: true).clamp(min: eps)
    return try x1.div(n1).mul(x2.div(n2)).sum(dims: [try normalizeDim(dim, Swift.max(x1.ndim, x2.ndim), "cosine_similarity")])
}

/// PyTorch's `F.cosine_embedding_loss`: `1 − cos(x1, x2)` where y = 1, `max(0, cos − margin)`
/// where y = −1, with `cos` over the last dimension computed as
/// `x1·x2 / √((‖x1‖² + 1e-12)(‖x2‖² + 1e-12))`.
public func cosineEmbeddingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0,
                                reduction: Reduction = .mean) throws -> Tensor {
    let (x1, x2, y) = (try Autocast.float32(x1), try Autocast.float32(x2), try Autocast.float32(y))   // autocast: in float32
    let d = x1.ndim - 1
    let prod = try x1.mul(x2).sum(dims: [d])
    let m1 = try x1.square().sum(dims: [d]).add(1e-12), m2 = try x2.square().sum(dims: [d]).add(1e-12)
    let cos = try prod.div(m1.mul(m2).sqrt())
    let zero = try Tensor.scalar(0, dtype: cos.dtype)
    let pos = try Tensor.where(y.eq(1), cos.neg().add(1), zero)
    let neg = try Tensor.where(y.eq(-1), cos.sub(margin).clamp(min: 0), zero)
    return try reduce(pos.add(neg), reduction)
}

/// PyTorch's warning for the elementwise regression losses when the target's shape differs from
/// the input's (broadcasting then likely gives a wrong loss: [4, 1] against [4] is [4, 4]).
func warnIfBroadcast(_ input: Tensor, _ target: Tensor) {
    if input.shape != target.shape {
        Warnings.warn("Using a target size (\(shapeString(target.shape))) that is different to the input size (\(shapeString(input.shape))). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")
    }
}

/// max(0, margin + d(a, p) − d(a, n)) with pairwise distances; `swap` uses min(d(a, n), d(p, n))
/// (PyTorch's `F.triplet_margin_loss`).
public func tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: Double = 1, p: Double = 2,
                              eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) throws -> Tensor {
    guard anchor.ndim == positive.ndim, anchor.ndim == negative.ndim else {
        throw GentrainError(.shape, "triplet_margin_loss: the anchor, positive and negative must have the same number of dimensions, got \(anchor.ndim), \(positive.ndim) and \(negative.ndim)")
    }
    let toPositive = try pairwiseDistance(anchor, positive, p: p, eps: eps)
    var toNegative = try pairwiseDistance(anchor, negative, p: p, eps: eps)
    if swap { toNegative = try toNegative.minimum(pairwiseDistance(positive, negative, p: p, eps: eps)) }
    return try reduce(toPositive.sub(toNegative).add(margin).clamp(min: 0), reduction)
}

/// max(0, −y · (x1 − x2) + margin) for labels y of ±1 (PyTorch's `F.margin_ranking_loss`).
public func marginRankingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0,
                              reduction: Reduction = .mean) throws -> Tensor {
    try reduce(y.neg().mul(x1.sub(x2)).add(margin).clamp(min: 0), reduction)
}

/// x where y is 1, max(0, margin − x) where y is −1 (PyTorch's `F.hinge_embedding_loss`).
public func hingeEmbeddingLoss(_ x: Tensor, _ y: Tensor, margin: Double = 1, reduction: Reduction = .mean) throws -> Tensor {
    let zero = try Tensor.scalar(0, dtype: x.dtype)
    let hinge = try Tensor.where(y.ne(1), x.neg().add(margin).clamp(min: 0), zero)
    return try reduce(hinge.add(Tensor.where(y.ne(-1), x, zero)), reduction)
}

/// log(1 + exp(−y · x)) for labels y of ±1 (PyTorch's `F.soft_margin_loss`), computed stably.
public func softMarginLoss(_ x: Tensor, _ y: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    try reduce(y.neg().mul(x).softplus(), reduction)
}

/// −(y·log σ(x) + (1 − y)·log σ(−x)), weighted per class by `weight`, averaged over the classes
/// (the last dim), then reduced over the samples (PyTorch's `F.multilabel_soft_margin_loss`).
public func multilabelSoftMarginLoss(_ x: Tensor, _ y: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
    guard x.ndim >= 1 else { throw GentrainError(.shape, "multilabel_soft_margin_loss: expected an input of at least 1 dimension") }
    var loss = try y.mul(x.logsigmoid()).add(y.neg().add(1).mul(x.neg().logsigmoid())).neg()
    if let weight { loss = try loss.mul(weight) }
    let classes = x.shape[x.ndim - 1]
    return try reduce(loss.sum(dims: [x.ndim - 1]).div(Double(classes)), reduction)
}

/// The Poisson negative log-likelihood: exp(x) − y·x for log-rates x (`logInput`), else
/// x − y·log(x + eps); `full` adds Stirling's approximation of log(y!) where y > 1 (PyTorch's
/// `F.poisson_nll_loss`).
public func poissonNLLLoss(_ x: Tensor, _ y: Tensor, logInput: Bool = true, full: Bool = false, eps: Double = 1e-8,
                           reduction: Reduction = .mean) throws -> Tensor {
    var loss = logInput ? try x.exp().sub(y.mul(x)) : try x.sub(y.mul(x.add(eps).log()))
    if full {
        let safe = try Tensor.where(y.gt(1), y, Tensor.scalar(1, dtype: y.dtype))   // the term is 0 where y <= 1
        let stirling = try safe.mul(safe.log()).sub(safe).add(safe.mul(2 * Double.pi).log().mul(0.5))
        loss = try loss.add(Tensor.where(y.gt(1), stirling, Tensor.scalar(0, dtype: stirling.dtype)))
    }
    return try reduce(loss, reduction)
}

/// Σ_{j ≠ y} max(0, margin − x[y] + x[j])^p / C per sample of x [N, C] (or [C]) with class indices
/// y [N] (or 0-d), p 1 or 2, scaled by weight[y] when given (PyTorch's `F.multi_margin_loss`).
public func multiMarginLoss(_ x: Tensor, _ y: Tensor, p: Int = 1, margin: Double = 1, weight: Tensor? = nil,
                            reduction: Reduction = .mean) throws -> Tensor {
    guard p == 1 || p == 2 else { throw GentrainError(.invalidArgument, "multi_margin_loss: only p == 1 and p == 2 supported, got \(p)") }
    guard x.ndim == 1 || x.ndim == 2, y.ndim == x.ndim - 1 else {
        throw GentrainError(.shape, "multi_margin_loss: expected an input [N, C] or [C] and a target [N] or 0-d, got \(shapeString(x.shape)) and \(shapeString(y.shape))")
    }
    let rows = x.ndim == 2 ? x : try x.unsqueeze(0), target = try y.reshape([-1])
    let classes = rows.shape[1]
    guard target.shape[0] == rows.shape[0] else {
        throw GentrainError(.shape, "multi_margin_loss: the target has \(target.shape[0]) entries for \(rows.shape[0]) samples")
    }
    let picked = try rows.gather(1, target.unsqueeze(1))   // [N, 1], every index range-checked
    var z = try rows.sub(picked).add(margin).clamp(min: 0)
    if p == 2 { z = try z.square() }
    if let weight { z = try z.mul(weight.indexSelect(0, target).unsqueeze(1)) }
    let own = try Tensor.arange(0, Double(classes)).reshape([1, classes]).eq(target.unsqueeze(1))
    let loss = try Tensor.where(own, Tensor.scalar(0, dtype: z.dtype), z).sum(dims: [1]).div(Double(classes))
    return try reduce(x.ndim == 2 ? loss : loss.reshape([]), reduction)
}
