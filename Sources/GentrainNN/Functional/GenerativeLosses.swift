import GentrainCore

// The losses generative models are trained with: the VAE's KL term, the GAN objectives with
// the WGAN-GP gradient penalty, and REINFORCE for sequence generation.

/// The VAE's KL divergence from N(mu, exp(logvar)) to N(0, 1):
/// `−0.5 · Σ(1 + logvar − mu² − exp(logvar))` (reduced by `sum` by default, as in the paper).
/// Safe for large |logvar|: an infinite logvar gives an infinite KL, never nan.
public func vaeKLDivergence(mu: Tensor, logvar: Tensor, reduction: KLReduction = .sum) throws -> Tensor {
    guard mu.shape == logvar.shape else {
        throw GentrainError(.shape, "vae_kl_divergence: mu \(shapeString(mu.shape)) and logvar \(shapeString(logvar.shape)) differ")
    }
    let e = try logvar.exp()
    // logvar − exp(logvar), written so that logvar = +inf gives −inf rather than inf − inf.
    let lv = try Tensor.where(logvar.gt(80), e.neg(), logvar.sub(e))
    let terms = try lv.add(1).sub(mu.square()).mul(-0.5)
    switch reduction {
    case .none: return terms
    case .mean: return try terms.mean()
    case .sum: return try terms.sum()
    case .batchmean: return try terms.sum().div(Double(mu.ndim == 0 ? 1 : mu.shape[0]))
    }
}

/// Samples `z = mu + exp(0.5·logvar)·ε`, ε ~ N(0, 1) from the (seeded) generator: the
/// reparameterization trick, differentiable in mu and logvar.
public func reparameterize(mu: Tensor, logvar: Tensor, generator: Generator? = nil) throws -> Tensor {
    let eps = try Tensor.randn(mu.shape, dtype: mu.dtype, generator: generator)
    return try mu.add(logvar.mul(0.5).exp().mul(eps))
}

/// GAN objectives on critic/discriminator outputs (logits for the non-saturating loss).
public enum GANLoss {
    /// Wasserstein critic loss `mean(D(fake)) − mean(D(real))`.
    public static func wassersteinCritic(real: Tensor, fake: Tensor) throws -> Tensor {
        try fake.mean().sub(real.mean())
    }

    /// Wasserstein generator loss `−mean(D(fake))`.
    public static func wassersteinGenerator(fake: Tensor) throws -> Tensor { try fake.mean().neg() }

    /// Non-saturating discriminator loss, BCE on logits: `mean(softplus(−real)) + mean(softplus(fake))`.
    public static func nonSaturatingDiscriminator(real: Tensor, fake: Tensor) throws -> Tensor {
        try real.neg().softplus().mean().add(fake.softplus().mean())
    }

    /// Non-saturating generator loss `mean(softplus(−D(fake)))` (= −log σ(D(fake))).
    public static func nonSaturatingGenerator(fake: Tensor) throws -> Tensor { try fake.neg().softplus().mean() }

    /// Hinge discriminator loss `mean(relu(1 − real)) + mean(relu(1 + fake))`.
    public static func hingeDiscriminator(real: Tensor, fake: Tensor) throws -> Tensor {
        try real.neg().add(1).relu().mean().add(fake.add(1).relu().mean())
    }

    /// Hinge generator loss `−mean(D(fake))`.
    public static func hingeGenerator(fake: Tensor) throws -> Tensor { try fake.mean().neg() }

    /// The WGAN-GP gradient penalty `λ · mean((‖∇ₓ D(x̂)‖₂ − 1)²)` at `x̂ = ε·real + (1−ε)·fake`,
    /// ε uniform per sample from the (seeded) generator. Built with `grad(create_graph: true)`,
    /// so backward through it reaches the critic's weights.
    public static func gradientPenalty(critic: (Tensor) throws -> Tensor, real: Tensor, fake: Tensor, lambda: Double = 10,
                                       generator: Generator? = nil) throws -> Tensor {
        guard real.shape == fake.shape, real.ndim >= 1 else {
            throw GentrainError(.shape, "gradient_penalty: real \(shapeString(real.shape)) and fake \(shapeString(fake.shape)) must have one shape with a batch dimension")
        }
        let n = real.shape[0]
        let eps = try Tensor.rand([n] + Array(repeating: 1, count: real.ndim - 1), dtype: real.dtype, generator: generator)
        let mixed = try withNoGrad { try real.detach().mul(eps).add(fake.detach().mul(eps.neg().add(1))) }
        try mixed.setRequiresGrad(true)
        let out = try critic(mixed)
        guard let g = try Autograd.grad(outputs: [out], inputs: [mixed], gradOutputs: [out.onesLike()], createGraph: true,
                                        allowUnused: true)[0] else {
            throw GentrainError(.autograd, "gradient_penalty: the critic's output does not depend on its input")
        }
        return try g.reshape([n, -1]).norm(dims: [1]).sub(1).square().mean().mul(lambda)
    }
}

/// Sampling and the policy-gradient loss for sequence generation.
public enum Reinforce {
    /// Samples a class per row of `logits` (`[*, V]`) from softmax(logits / temperature), keeping
    /// only the `topK` largest logits when given; seeded by `generator`. Returns int64 `[*]`.
    public static func sample(logits: Tensor, temperature: Double = 1, topK: Int? = nil,
                              generator: Generator? = nil) throws -> Tensor {
        guard temperature > 0 else { throw GentrainError(.invalidArgument, "sample: temperature must be positive, got \(temperature)") }
        guard logits.ndim >= 1, logits.shape[logits.ndim - 1] > 0 else {
            throw GentrainError(.shape, "sample: logits need a non-empty last dimension, got \(shapeString(logits.shape))")
        }
        let v = logits.shape[logits.ndim - 1]
        if let topK, topK < 1 || topK > v { throw GentrainError(.invalidArgument, "sample: top_k must be in 1...\(v), got \(topK)") }
        let probs = try withNoGrad { try logits.div(temperature).softmax(dim: -1).to(.float64).reshape([-1, v]) }
        let p = try probs.toArray(Double.self)
        let rows = p.count / v
        var out = [Int64](repeating: 0, count: rows)
        let uniforms = try Tensor.rand([rows], dtype: .float64, generator: generator).toArray(Double.self)
        for r in 0..<rows {
            var row = Array(p[(r * v)..<((r + 1) * v)])
            if let topK, topK < v {
                let cut = row.sorted(by: >)[topK - 1]   // the k-th largest probability
                var kept = 0
                for j in 0..<v { if row[j] >= cut && kept < topK { kept += 1 } else { row[j] = 0 } }
            }
            let total = row.reduce(0, +)
            guard total.isFinite, total > 0 else {
                throw GentrainError(.invalidArgument, "sample: probability tensor contains either inf, nan or element < 0 (row \(r) of the logits)")
            }
            var target = uniforms[r] * total, chosen = v - 1
            for j in 0..<v where row[j] > 0 {
                target -= row[j]
                if target < 0 { chosen = j; break }
            }
            out[r] = Int64(chosen)
        }
        return try Tensor(out, shape: Array(logits.shape.dropLast()))
    }

    /// `log softmax(logits)[actions]` along the last dimension: the log-probabilities of
    /// sampled actions, differentiable in the logits.
    public static func logProbabilities(logits: Tensor, actions: Tensor) throws -> Tensor {
        try logits.logSoftmax(dim: -1).gather(logits.ndim - 1, actions.unsqueeze(-1)).squeeze(-1)
    }

    /// The entropy `−Σ p log p` of each row of softmax(logits).
    public static func entropy(logits: Tensor) throws -> Tensor {
        let logp = try logits.logSoftmax(dim: -1)
        return try logp.exp().mul(logp).sum(dims: [-1]).neg()
    }

    /// REINFORCE with a baseline: `−mean((R − b)·Σ_t log p_t) − β·mean(entropy)`, for
    /// `logProbs` `[N]` or `[N, T]` (summed over T), host-computed `rewards` `[N]` and a
    /// baseline (a number or a tensor broadcasting to `[N]`; no gradient flows into it).
    public static func loss(logProbs: Tensor, rewards: Tensor, baseline: Tensor? = nil, entropy: Tensor? = nil,
                            entropyBeta: Double = 0) throws -> Tensor {
        guard logProbs.ndim >= 1, rewards.shape == [logProbs.shape[0]] else {
            throw GentrainError(.shape, "reinforce_loss: rewards \(shapeString(rewards.shape)) must be [N] for log_probs \(shapeString(logProbs.shape))")
        }
        let total = logProbs.ndim == 1 ? logProbs : try logProbs.reshape([logProbs.shape[0], -1]).sum(dims: [1])
        var advantage = try rewards.to(total.dtype).detach()
        if let baseline { advantage = try advantage.sub(baseline.to(total.dtype).detach()) }
        var loss = try advantage.mul(total).mean().neg()
        if let entropy, entropyBeta != 0 { loss = try loss.sub(entropy.mean().mul(entropyBeta)) }
        return loss
    }
}

/// An exponential moving average of rewards, the usual REINFORCE baseline:
/// `b ← momentum·b + (1 − momentum)·mean(R)` (the first update sets `b = mean(R)`).
public final class MovingAverageBaseline {
    public let momentum: Double
    public private(set) var value: Double? = nil

    public init(momentum: Double = 0.9) throws {
        guard momentum >= 0 && momentum < 1 else { throw GentrainError(.invalidArgument, "baseline momentum must be in [0, 1), got \(momentum)") }
        self.momentum = momentum
    }

    /// Folds in a batch of rewards and returns the baseline to use for it (the value before the update).
    @discardableResult
    public func update(_ rewards: Tensor) throws -> Double {
        let (before, after) = try Self.step(value, momentum: momentum, rewards: rewards)
        value = after
        return before
    }

    /// One update of a baseline whose state the caller keeps: the baseline for this batch and
    /// the new state. `momentum` is assumed checked.
    public static func step(_ value: Double?, momentum: Double, rewards: Tensor) throws -> (baseline: Double, value: Double) {
        guard rewards.numel > 0 else { throw GentrainError(.shape, "baseline: rewards are empty") }
        let mean = try rewards.to(.float64).mean().item()
        return (value ?? mean, value.map { momentum * $0 + (1 - momentum) * mean } ?? mean)
    }
}
