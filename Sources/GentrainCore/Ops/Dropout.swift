/// Dropout: zeroes elements with probability `p` and scales the rest by `1/(1-p)` in
/// training; the identity in evaluation. The mask comes from the seeded generator.
extension Tensor {
    public func dropout(p: Double = 0.5, training: Bool = true, generator: Generator? = nil) throws -> Tensor {
        guard p >= 0 && p <= 1 else { throw GentrainError.argument("dropout: probability has to be between 0 and 1, but got \(p)") }
        guard training && p > 0 else { return self }
        if p == 1 { return try mul(0) }
        return try dropped(maskShape: shape, p: p, generator: generator)
    }

    /// Whole channels zeroed with probability p and the rest scaled by 1/(1−p) when training
    /// (PyTorch's F.dropout1d, dropout2d, dropout3d for `spatialDims` 1, 2, 3): x is [N, C, *spatial]
    /// or [C, *spatial], one draw per (sample, channel).
    public func featureDropout(p: Double = 0.5, training: Bool = true, spatialDims: Int, generator: Generator? = nil) throws -> Tensor {
        let name = "dropout\(spatialDims)d"
        guard ndim == spatialDims + 1 || ndim == spatialDims + 2 else {
            throw GentrainError.shape("\(name): expected a \(spatialDims + 1)-D or \(spatialDims + 2)-D input, got \(ndim)-D")
        }
        guard p >= 0 && p <= 1 else { throw GentrainError.argument("\(name): probability has to be between 0 and 1, but got \(p)") }
        guard training && p > 0 else { return self }
        let channels = ndim - spatialDims
        return try dropped(maskShape: Array(shape.prefix(channels)) + [Int](repeating: 1, count: spatialDims), p: p,
                           generator: generator)
    }

    /// This tensor times a mask of `maskShape` (broadcast to it) drawn from the generator: 1/(1−p) with
    /// probability 1 − p, else 0.
    private func dropped(maskShape: [Int], p: Double, generator: Generator?) throws -> Tensor {
        let mask = try Tensor(empty: maskShape, dtype: dtype.computeType)
        let keep = 1 - p, scale = p == 1 ? 0 : 1 / keep
        withGenerator(generator) { g in
            mask.setElements(count: mask.numel) { _ in g.nextDouble() < keep ? scale : 0 }
        }
        let out = try mul(mask)   // in the compute type; a bfloat16/float16 input gets its own dtype back, as PyTorch's
        return out.dtype == dtype ? out : try out.to(dtype)
    }
}
