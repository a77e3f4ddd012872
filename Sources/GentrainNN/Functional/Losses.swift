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
