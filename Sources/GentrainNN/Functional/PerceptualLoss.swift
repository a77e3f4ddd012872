import GentrainCore

/// A perceptual (feature) loss: the weighted sum over chosen layers of a frozen feature
/// extractor of `mse(φ_i(generated), φ_i(real))`. The extractor is frozen (no gradient to its
/// weights, evaluation mode); gradients reach the generated images. Combine it with an
/// adversarial loss as `λ_adv·L_GAN + λ_perc·perceptual(generated, real)`.
public final class PerceptualLoss {
    public let extractor: Sequential
    /// (child index, weight), by increasing index.
    public let layers: [(index: Int, weight: Double)]

    /// `layers` maps child indices of `extractor` (its "0", "1", … names) to weights.
    public init(extractor: Sequential, layers: [Int: Double]) throws {
        let count = extractor.namedChildren.count
        guard !layers.isEmpty, layers.keys.allSatisfy({ $0 >= 0 && $0 < count }) else {
            throw GentrainError(.invalidArgument, "perceptual loss: layer indices must be in 0..<\(count) and not empty")
        }
        self.extractor = extractor
        self.layers = layers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        try extractor.requiresGrad_(false)
        extractor.eval()
    }

    public func callAsFunction(_ generated: Tensor, _ real: Tensor) throws -> Tensor {
        guard generated.shape == real.shape else {
            throw GentrainError(.shape, "perceptual loss: generated \(shapeString(generated.shape)) and real \(shapeString(real.shape)) differ")
        }
        var g = generated, r = real.detach()
        var total: Tensor? = nil
        var next = 0
        for (i, (_, layer)) in extractor.namedChildren.enumerated() where i <= layers.last!.index {
            g = try layer(g)
            r = try withNoGrad { try layer(r) }
            if next < layers.count, layers[next].index == i {
                let term = try mseLoss(g, r).mul(layers[next].weight)
                total = try total.map { try $0.add(term) } ?? term
                next += 1
            }
        }
        return total!
    }
}
