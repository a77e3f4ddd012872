import CGentrain
import GentrainCore
import GentrainNN

// The generative-model helpers: GAN objectives with the WGAN-GP penalty, the perceptual loss,
// REINFORCE (sampling, log-probabilities, entropy, the loss and its baseline).

@c @implementation
public func gentrain_gan_loss(_ out: TensorOut?, _ kind: gentrain_gan_loss_kind, _ real: OpaquePointer?, _ fake: OpaquePointer?) -> gentrain_status {
    producing("gentrain_gan_loss", out) {
        let f = try tensorArg(fake, "fake")
        func r() throws -> Tensor { try tensorArg(real, "real") }
        switch kind {
        case GENTRAIN_GAN_WASSERSTEIN_CRITIC: return try GANLoss.wassersteinCritic(real: r(), fake: f)
        case GENTRAIN_GAN_WASSERSTEIN_GENERATOR: return try GANLoss.wassersteinGenerator(fake: f)
        case GENTRAIN_GAN_NONSATURATING_DISCRIMINATOR: return try GANLoss.nonSaturatingDiscriminator(real: r(), fake: f)
        case GENTRAIN_GAN_NONSATURATING_GENERATOR: return try GANLoss.nonSaturatingGenerator(fake: f)
        case GENTRAIN_GAN_HINGE_DISCRIMINATOR: return try GANLoss.hingeDiscriminator(real: r(), fake: f)
        case GENTRAIN_GAN_HINGE_GENERATOR: return try GANLoss.hingeGenerator(fake: f)
        default: throw GentrainError(.invalidArgument, "unknown GAN loss kind \(kind.rawValue)")
        }
    }
}

@c @implementation
public func gentrain_gradient_penalty(_ out: TensorOut?, _ critic: gentrain_tensor_fn?, _ userData: UnsafeMutableRawPointer?,
                                      _ real: OpaquePointer?, _ fake: OpaquePointer?, _ lambda: Double) -> gentrain_status {
    producing("gentrain_gradient_penalty", out) {
        guard let critic else { throw GentrainError(.invalidArgument, "critic is NULL") }
        return try GANLoss.gradientPenalty(critic: { x in try callForOutput(critic, userData, x, "the critic callback") },
                                           real: tensorArg(real, "real"), fake: tensorArg(fake, "fake"), lambda: lambda)
    }
}

@c @implementation
public func gentrain_sample(_ out: TensorOut?, _ logits: OpaquePointer?, _ temperature: Double, _ topK: Int64) -> gentrain_status {
    producing("gentrain_sample", out) {
        guard topK >= 0, topK <= Int64(Int32.max) else { throw GentrainError(.invalidArgument, "top_k must be >= 0, got \(topK)") }
        return try Reinforce.sample(logits: tensorArg(logits, "logits"), temperature: temperature, topK: topK == 0 ? nil : Int(topK))
    }
}

@c @implementation
public func gentrain_log_probs(_ out: TensorOut?, _ logits: OpaquePointer?, _ actions: OpaquePointer?) -> gentrain_status {
    producing("gentrain_log_probs", out) { try Reinforce.logProbabilities(logits: tensorArg(logits, "logits"), actions: tensorArg(actions, "actions")) }
}

@c @implementation
public func gentrain_entropy(_ out: TensorOut?, _ logits: OpaquePointer?) -> gentrain_status {
    producing("gentrain_entropy", out) { try Reinforce.entropy(logits: tensorArg(logits, "logits")) }
}

@c @implementation
public func gentrain_reinforce_loss(_ out: TensorOut?, _ logProbs: OpaquePointer?, _ rewards: OpaquePointer?, _ baseline: OpaquePointer?,
                                    _ entropy: OpaquePointer?, _ entropyBeta: Double) -> gentrain_status {
    producing("gentrain_reinforce_loss", out) {
        try Reinforce.loss(logProbs: tensorArg(logProbs, "log_probs"), rewards: tensorArg(rewards, "rewards"),
                           baseline: optionalTensorArg(baseline, "baseline"), entropy: optionalTensorArg(entropy, "entropy"),
                           entropyBeta: entropyBeta)
    }
}

@c @implementation
public func gentrain_moving_average_baseline(_ baseline: UnsafeMutablePointer<Double>?, _ value: UnsafeMutablePointer<Double>?,
                                             _ momentum: Double, _ rewards: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_moving_average_baseline") {
        guard let baseline, let value else { throw GentrainError(.invalidArgument, "baseline or value is NULL") }
        guard momentum >= 0 && momentum < 1 else { throw GentrainError(.invalidArgument, "baseline momentum must be in [0, 1), got \(momentum)") }
        let state = value.pointee.isNaN ? nil : value.pointee
        let (b, v) = try MovingAverageBaseline.step(state, momentum: momentum, rewards: tensorArg(rewards, "rewards"))
        (baseline.pointee, value.pointee) = (b, v)
    }
}

@c @implementation
public func gentrain_perceptual_loss(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ extractor: OpaquePointer?,
                                     _ layers: UnsafePointer<Int64>?, _ weights: UnsafePointer<Double>?, _ n: Int,
                                     _ generated: OpaquePointer?, _ real: OpaquePointer?) -> gentrain_status {
    producing("gentrain_perceptual_loss", out) {
        guard let sequential = try moduleArg(extractor).module as? Sequential else {
            throw GentrainError(.invalidArgument, "extractor must be a Sequential module")
        }
        guard n > 0, n <= 1 << 16, let layers, let weights else {
            throw GentrainError(.invalidArgument, "layers and weights must hold n > 0 entries")
        }
        var chosen: [Int: Double] = [:]
        for i in 0..<n {
            guard chosen.updateValue(weights[i], forKey: Int(clamping: layers[i])) == nil else {
                throw GentrainError(.invalidArgument, "layer \(layers[i]) is listed twice")
            }
        }
        return try PerceptualLoss(extractor: sequential, layers: chosen)(tensorArg(generated, "generated"), tensorArg(real, "real"))
    }
}
