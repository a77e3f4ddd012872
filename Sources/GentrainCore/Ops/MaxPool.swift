/// Max pooling: one pass over each channel's plane finds every window's maximum and where it
/// came from; backward adds the gradient at those places (`scatterAdd`), whose own gradient reads
/// them back (`gather`), so every order of derivative follows.
extension Tensor {
    /// Max over each window of `[N, C, H, W]` → `[N, C, oh, ow]`: the first maximum of a window
    /// (a NaN counts as the maximum, the last one), never a padding position, as PyTorch chooses.
    public func maxPool2d(_ g: WindowGeometry) throws -> Tensor { try maxPool2dWithIndices(g).values }

    /// `maxPool2d` and where each maximum is: indices `[N, C, OH, OW]` (int64) into its input
    /// plane's `H·W` elements, as PyTorch's `return_indices=True` (and what `maxUnpool2d` reads).
    public func maxPool2dWithIndices(_ g: WindowGeometry) throws -> (values: Tensor, indices: Tensor) {
        try g.validate("max_pool2d")
        guard ndim == 4 else { throw GentrainError.shape("max_pool2d: expected [N, C, H, W], got \(shapeString(shape))") }
        guard dtype.isFloatingPoint else { throw GentrainError.dtype("max_pool2d: expected a floating point input, got \(dtype)") }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
        guard oh > 0, ow > 0 else { throw GentrainError.shape("max_pool2d: the window does not fit input \(shapeString(shape))") }
        // No planes: an empty result, without the per-position tables below (an empty input's
        // height can be 2^47).
        guard n * c > 0 else {
            let (empty, dt) = (try Tensor(empty: [n, c, oh, ow], dtype: dtype), dtype)   // the node must not hold its output
            return (try record(empty, "MaxPool2DBackward", self) { _, _ in Grads(try Tensor.zeros([n, c, h, w], dtype: dt)) },
                    try Tensor(empty: [n, c, oh, ow], dtype: .int64))
        }
        let ct = dtype.computeType
        let src = try withNoGrad { try to(ct).contiguous() }
        let values = try Tensor(empty: [n, c, oh * ow], dtype: ct), indices = try Tensor(empty: [n, c, oh * ow], dtype: .int64)
        // The kernel taps inside the input for each output row and column (the rest is padding).
        func taps(_ outputs: Int, _ size: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> [Range<Int>] {
            (0..<outputs).map { o in
                let start = o * s - p
                let first = start >= 0 ? 0 : (-start + d - 1) / d
                return first..<Swift.min(k, start < size ? (size - 1 - start) / d + 1 : 0)
            }
        }
        let rowTaps = taps(oh, h, g.kernel.0, g.stride.0, g.padding.0, g.dilation.0)
        let columnTaps = taps(ow, w, g.kernel.1, g.stride.1, g.padding.1, g.dilation.1)
        func run<T: FloatElement>(_: T.Type) {
            let (px, pv, pi) = (src.pointer(T.self), values.pointer(T.self), indices.pointer(Int64.self))
            let (s0, s1, p0, p1, d0, d1) = (g.stride.0, g.stride.1, g.padding.0, g.padding.1, g.dilation.0, g.dilation.1)
            parallelFor(n * c, grain: 4) { planes in
                for plane in planes {
                    let (input, out, at) = (px + plane * h * w, pv + plane * oh * ow, pi + plane * oh * ow)
                    for i in 0..<oh {
                        let rows = rowTaps[i], r0 = i * s0 - p0
                        for j in 0..<ow {
                            let cols = columnTaps[j], q0 = j * s1 - p1
                            var place = (r0 + rows.lowerBound * d0) * w + q0 + cols.lowerBound * d1   // the first tap inside
                            var best = input[place], nans = 0
                            for a in rows {
                                let line = (r0 + a * d0) * w + q0
                                for b in cols {
                                    // Selects and a count, no branch: testing for NaN in the choice
                                    // itself made this loop 3× slower.
                                    let v = input[line + b * d1], take = v > best
                                    nans &+= v.isNaN ? 1 : 0
                                    best = take ? v : best
                                    place = take ? line + b * d1 : place
                                }
                            }
                            if nans > 0 {   // a NaN wins (the last one, as PyTorch's scan leaves it)
                                for a in rows {
                                    let line = (r0 + a * d0) * w + q0
                                    for b in cols where input[line + b * d1].isNaN { (best, place) = (input[line + b * d1], line + b * d1) }
                                }
                            }
                            (out[i * ow + j], at[i * ow + j]) = (best, Int64(place))
                        }
                    }
                }
            }
        }
        if ct == .float32 { run(Float.self) } else { run(Double.self) }
        let result = ct == dtype ? values : try withNoGrad { try values.to(dtype) }
        let pooled = try record(try result.reshape([n, c, oh, ow]), "MaxPool2DBackward", self) { _, grad in
            Grads(try Tensor.zeros([n, c, h * w], dtype: grad.dtype).scatterAdd(2, indices, grad.reshape([n, c, oh * ow])).reshape([n, c, h, w]))
        }
        return (pooled, try indices.reshape([n, c, oh, ow]))
    }
}
